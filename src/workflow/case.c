/* SPDX-License-Identifier: Apache-2.0 */
/*
 * case.c - cases follow their order's exceptions (ordex_case_sync), and
 * what people do on a case: claim, release, assign, comment, attach
 * evidence, record a message (ordex_case_command).
 *
 * Every change is written to the case's history (case_events) and to the
 * tenant's audit log in the same transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "authz/authz.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "domain/project.h"
#include "policy/policy.h"
#include "store/store.h"
#include "workflow/workflow.h"
#include "workflow/workflow_int.h"

#define HOUR_US (3600 * INT64_C(1000000))

int ordex__case_record(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                       int64_t now, int64_t case_id, const char *kind, const char *actor,
                       const char *body)
{
	int rc = st->ops->case_event_add(st, sc, case_id, now, kind, actor, body);
	if (rc)
		return rc;
	char akind[48], subject[32];
	snprintf(akind, sizeof(akind), "case.%s", kind);
	snprintf(subject, sizeof(subject), "case:%lld", (long long)case_id);
	return ordex_audit_append(au, st, sc, now, akind, subject, body);
}

char *ordex__case_body(struct ordex_arena *a, const struct ordex_case_row *c, const char *what,
                       const char *actor, const char *why)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "case");
	ordex_jw_int(&w, c->id);
	ordex_jw_key(&w, "order");
	ordex_jw_str(&w, c->order_ref);
	ordex_jw_key(&w, "what");
	ordex_jw_str(&w, what);
	ordex_jw_key(&w, "status");
	ordex_jw_str(&w, c->status);
	ordex_jw_key(&w, "queue");
	ordex_jw_str(&w, c->queue);
	ordex_jw_key(&w, "assignee");
	ordex_jw_str(&w, c->assignee);
	ordex_jw_key(&w, "kinds");
	ordex_jw_raw(&w, c->kinds ? c->kinds : "[]", strlen(c->kinds ? c->kinds : "[]"));
	if (actor) {
		ordex_jw_key(&w, "by");
		ordex_jw_str(&w, actor);
	}
	if (why) {
		ordex_jw_key(&w, "why");
		ordex_jw_str(&w, why);
	}
	ordex_jw_obj_end(&w);
	char *s = ordex_arena_strndup(a, b.data, b.len);
	ordex_buf_free(&b);
	return s;
}

int ordex__case_arm_sla(struct ordex_store *st, const struct ordex_scope *sc,
                        struct ordex_case_row *c, const struct ordex_policy *pol, int64_t now)
{
	double hours = ordex_policy_sla_hours(pol, c->queue);
	char subject[32];
	snprintf(subject, sizeof(subject), "case:%lld", (long long)c->id);
	if (hours <= 0) {
		c->sla_due_at = 0;
		return st->ops->timer_disarm(st, sc, "sla", subject);
	}
	c->sla_due_at = now + (int64_t)(hours * (double)HOUR_US);
	return st->ops->timer_arm(st, sc, "sla", subject, c->order_ref, c->sla_due_at);
}

/* The pending actions of a case end: its exceptions cleared, nothing to do. */
int ordex__case_cancel_pending(struct ordex_store *st, struct ordex_audit *au,
                               const struct ordex_scope *sc, int64_t now, struct ordex_arena *a,
                               const struct ordex_case_row *c, int64_t except, const char *why)
{
	struct ordex_action_row *acts;
	size_t n;
	int rc = st->ops->actions_of_case(st, sc, c->id, a, &acts, &n);
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++) {
		if (acts[i].id == except)
			continue;
		if (strcmp(acts[i].status, "awaiting_approval") &&
		    strcmp(acts[i].status, "proposed"))
			continue;
		acts[i].status = "cancelled";
		acts[i].reason = why;
		acts[i].decided_at = now;
		acts[i].decided_by = "ordex";
		acts[i].updated_at = now;
		rc = st->ops->action_put(st, sc, &acts[i]);
		if (rc == ORDEX_OK)
			rc = ordex__case_record(
			    st, au, sc, now, c->id, "action_cancelled", "ordex",
			    ordex_arena_printf(a,
			                       "{\"action\":%lld,\"kind\":\"%s\",\"why\":\"%s\"}",
			                       (long long)acts[i].id, acts[i].kind, why));
	}
	return rc;
}

static char *kinds_json(struct ordex_arena *a, const char *const *kinds, int n)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_arr(&w);
	for (int i = 0; i < n; i++) {
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(kinds[j], kinds[i]);
		if (!seen)
			ordex_jw_str(&w, kinds[i]);
	}
	ordex_jw_arr_end(&w);
	char *s = ordex_arena_strndup(a, b.data, b.len);
	ordex_buf_free(&b);
	return s;
}

int ordex_case_sync(struct ordex_apply *ap, const struct ordex_case_change *ch)
{
	if (!ch->n_open && !ch->had_open)
		return ORDEX_OK; /* nothing was, nothing is: most events */
	struct ordex_store *st = ap->st;
	struct ordex_case_row c;
	memset(&c, 0, sizeof(c));
	int rc = st->ops->case_active(st, ap->sc, ch->order_ref, ap->a, &c);
	if (rc && rc != ORDEX_E_NOTFOUND)
		return rc;
	bool active = rc == ORDEX_OK;
	if (!ch->n_open) {
		/* every exception cleared: a case nobody is acting on resolves */
		if (!active || (strcmp(c.status, "open") && strcmp(c.status, "proposed") &&
		                strcmp(c.status, "awaiting_approval")))
			return ORDEX_OK;
		const char *why = ordex_arena_printf(ap->a, "every exception cleared (%s)",
		                                     ch->cause ? ch->cause : "");
		if ((rc = ordex__case_cancel_pending(st, ap->au, ap->sc, ap->now, ap->a, &c, 0,
		                                     "the case's exceptions cleared")))
			return rc;
		c.status = "resolved";
		c.resolved_at = ap->now;
		c.resolution = why;
		c.kinds = "[]";
		c.updated_at = ap->now;
		c.updated_seq = ap->seq;
		char subject[32];
		snprintf(subject, sizeof(subject), "case:%lld", (long long)c.id);
		if ((rc = st->ops->case_put(st, ap->sc, &c)) ||
		    (rc = st->ops->timer_disarm(st, ap->sc, "sla", subject)))
			return rc;
		return ordex__case_record(st, ap->au, ap->sc, ap->now, c.id, "resolved", "ordex",
		                          ordex__case_body(ap->a, &c, "resolved", NULL, why));
	}
	struct ordex_policy pol;
	if ((rc = ordex_policy_in_force(ap->policy_cache, st, ap->sc, ap->a, &pol)))
		return rc;
	char *kinds = kinds_json(ap->a, ch->kinds, ch->n_open);
	if (!active) {
		struct ordex_case_row last;
		memset(&last, 0, sizeof(last));
		rc = st->ops->case_last(st, ap->sc, ch->order_ref, ap->a, &last);
		if (rc && rc != ORDEX_E_NOTFOUND)
			return rc;
		/* a case a person closed while its exceptions stand comes back only with a
		 * new exception, not with the next event that finds the old ones */
		if (rc == ORDEX_OK && !ch->opened)
			return ORDEX_OK;
		int64_t window = (int64_t)(ordex_policy_number(&pol, "reopen_within_hours", 72) *
		                           (double)HOUR_US);
		const char *what;
		if (rc == ORDEX_OK && last.resolved_at && ap->now - last.resolved_at <= window) {
			c = last; /* within the window: the same trouble again */
			c.reopened++;
			c.resolved_at = 0;
			c.resolution = NULL;
			what = "reopened";
		} else {
			memset(&c, 0, sizeof(c));
			c.order_ref = ch->order_ref;
			c.queue = ordex_policy_queue(&pol, ch->kinds[0]);
			c.opened_at = ap->now;
			what = "opened";
		}
		c.status = "open";
		c.kinds = kinds;
		c.priority = ch->priority;
		c.breached_at = 0;
		c.updated_at = ap->now;
		c.updated_seq = ap->seq;
		c.policy_version = pol.version;
		if ((rc = st->ops->case_put(st, ap->sc, &c)))
			return rc;
		/* the SLA clock starts when ordex knows of the trouble */
		if ((rc = ordex__case_arm_sla(st, ap->sc, &c, &pol, ap->now)) ||
		    (rc = st->ops->case_put(st, ap->sc, &c)) ||
		    (rc = st->ops->exceptions_join_case(st, ap->sc, ch->order_ref, c.id)))
			return rc;
		return ordex__case_record(st, ap->au, ap->sc, ap->now, c.id, what, "ordex",
		                          ordex__case_body(ap->a, &c, what, NULL, ch->cause));
	}
	bool changed = strcmp(c.kinds ? c.kinds : "[]", kinds) != 0 || c.priority != ch->priority;
	if (ch->opened && (rc = st->ops->exceptions_join_case(st, ap->sc, ch->order_ref, c.id)))
		return rc;
	if (!changed)
		return ORDEX_OK;
	c.kinds = kinds;
	c.priority = ch->priority;
	c.updated_at = ap->now;
	c.updated_seq = ap->seq;
	if ((rc = st->ops->case_put(st, ap->sc, &c)))
		return rc;
	return ordex__case_record(
	    st, ap->au, ap->sc, ap->now, c.id, "exceptions", "ordex",
	    ordex__case_body(ap->a, &c, "exceptions changed", NULL, ch->cause));
}

/* ---- what people do on a case ------------------------------------------------- */

const char *ordex_evidence_check(const char *type, const unsigned char *p, size_t n)
{
	static const struct {
		const char *type;
		const char *magic;
		size_t len;
	} types[] = {
	    {"image/png", "\x89PNG\r\n\x1a\n", 8},
	    {"image/jpeg", "\xff\xd8\xff", 3},
	    {"image/gif", "GIF8", 4},
	    {"image/webp", "RIFF", 4},
	    {"application/pdf", "%PDF-", 5},
	    {"text/plain", NULL, 0},
	    {"text/csv", NULL, 0},
	    {"message/rfc822", NULL, 0},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(type, types[i].type))
			continue;
		if (types[i].magic) {
			if (n < types[i].len || memcmp(p, types[i].magic, types[i].len) ||
			    (!strcmp(type, "image/webp") && (n < 12 || memcmp(p + 8, "WEBP", 4))))
				return "the file's content is not of its Content-Type";
			return NULL;
		}
		if (memchr(p, 0, n))
			return "a text file holds a NUL byte";
		return NULL;
	}
	return "must be one of image/png, image/jpeg, image/gif, image/webp, application/pdf, "
	       "text/plain, text/csv, message/rfc822";
}

int ordex__refuse(struct ordex_cmd_result *r, int code, const char *field, const char *why)
{
	r->code = code;
	r->field = field;
	r->why = why;
	return ORDEX_E_INVAL;
}

int ordex__case_for(struct ordex_store *st, const struct ordex_scope *sc,
                    const struct ordex_actor *actor, int64_t id, struct ordex_arena *a,
                    struct ordex_case_row *c, struct ordex_cmd_result *r)
{
	int rc = st->ops->case_get(st, sc, id, a, c);
	if (rc == ORDEX_E_NOTFOUND)
		return ordex__refuse(r, 404, NULL, "no such case");
	if (rc)
		return rc;
	/* a case of an order outside the actor's customers is nobody's to see */
	const char *want[3] = {actor->brand, actor->region, actor->segment};
	const char *have[3] = {c->brand, c->region, c->segment};
	for (int i = 0; i < 3; i++)
		if (want[i] && (!have[i] || strcmp(want[i], have[i]) != 0))
			return ordex__refuse(r, 404, NULL, "no such case");
	return ORDEX_OK;
}

/* A case goes to a person of the environment, active, who works cases and sees its customer. */
static int assignable(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                      struct ordex_case_cmd *k, const struct ordex_case_row *c)
{
	const char *name = !strncmp(k->assignee, "user:", 5) ? k->assignee + 5 : NULL;
	struct ordex_user_row u;
	int rc = name ? st->ops->user_find(st, sc, name, a, &u) : ORDEX_E_NOTFOUND;
	if (rc == ORDEX_E_NOTFOUND || (rc == ORDEX_OK && u.disabled_at))
		return ordex__refuse(&k->res, 422, "assignee",
		                     ordex_arena_printf(k->a, "no active person \"%s\" here",
		                                        name ? name : k->assignee));
	if (rc)
		return rc;
	struct ordex_principal p = {
	    .tenant = sc->tenant,
	    .env = sc->env,
	    .role = ordex_role_parse(u.role),
	    .scopes = u.scopes,
	    .customers = {u.brand, u.region, u.segment},
	};
	if (ordex_authz_check(&p, ORDEX_OP_CASES_WORK, NULL).result != ORDEX_AUTHZ_ALLOW)
		return ordex__refuse(
		    &k->res, 422, "assignee",
		    ordex_arena_printf(k->a, "%s's role (%s) does not work cases", name, u.role));
	if (!ordex_authz_in_customer_scope(&p.customers, c->brand, c->region, c->segment))
		return ordex__refuse(
		    &k->res, 422, "assignee",
		    ordex_arena_printf(k->a, "%s cannot see this case's customer", name));
	return ORDEX_OK;
}

int ordex_case_command(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                       int64_t now, void *ctx)
{
	struct ordex_case_cmd *k = ctx;
	struct ordex_arena *a = ordex_arena_new(4096);
	struct ordex_case_row c;
	int rc = ordex__case_for(st, sc, &k->actor, k->case_id, a, &c, &k->res);
	const char *kind = NULL, *body = NULL;
	if (rc == ORDEX_OK && !strcmp(k->verb, "claim")) {
		if (c.assignee && strcmp(c.assignee, k->actor.name) != 0) {
			/* the refusal outlives this command: it is written in the caller's arena */
			rc = ordex__refuse(&k->res, 409, "assignee",
			                   ordex_arena_printf(k->a,
			                                      "the case is %s's: ask them, or have "
			                                      "it assigned",
			                                      c.assignee));
		} else {
			c.assignee = k->actor.name;
			kind = "claimed";
		}
	} else if (rc == ORDEX_OK && !strcmp(k->verb, "release")) {
		if (!c.assignee || strcmp(c.assignee, k->actor.name) != 0)
			rc = ordex__refuse(&k->res, 409, "assignee",
			                   "the case is not yours to release");
		else {
			c.assignee = NULL;
			kind = "released";
		}
	} else if (rc == ORDEX_OK && !strcmp(k->verb, "assign")) {
		c.assignee = k->assignee && k->assignee[0] ? k->assignee : NULL;
		kind = "assigned";
		if (c.assignee)
			rc = assignable(st, sc, a, k, &c);
	}
	if (rc == ORDEX_OK && kind && !strcmp(c.status, "resolved"))
		rc = ordex__refuse(&k->res, 409, NULL, "the case is resolved");
	if (rc == ORDEX_OK && kind) {
		c.updated_at = now;
		if ((rc = st->ops->case_put(st, sc, &c)) == ORDEX_OK)
			rc = ordex__case_record(st, au, sc, now, c.id, kind, k->actor.name,
			                        ordex__case_body(a, &c, kind, k->actor.name, NULL));
	} else if (rc == ORDEX_OK) {
		/* comment, message, evidence: the case's history, as said */
		struct ordex_buf b;
		struct ordex_jw w;
		ordex_buf_init(&b, 0);
		ordex_jw_init(&w, &b);
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "case");
		ordex_jw_int(&w, c.id);
		ordex_jw_key(&w, "by");
		ordex_jw_str(&w, k->actor.name);
		const char *bad = NULL;
		if (!strcmp(k->verb, "evidence") &&
		    (!k->bytes || !k->content_type || !k->size || k->size > ORDEX_EVIDENCE_MAX))
			bad = "a file of 1 byte to 5 MiB, with its media type, is required";
		else if (!strcmp(k->verb, "evidence"))
			bad = ordex_evidence_check(k->content_type, k->bytes, k->size);
		if (bad) {
			ordex_buf_free(&b);
			ordex_arena_free(a);
			return ordex__refuse(&k->res, 422, "Content-Type", bad);
		}
		if (!strcmp(k->verb, "evidence")) {
			kind = "evidence";
			struct ordex_evidence_row e = {
			    .content_type = k->content_type,
			    .bytes = k->bytes,
			    .size = k->size,
			    .created_at = now,
			    .created_by = k->actor.name,
			};
			snprintf(e.sha256, sizeof(e.sha256), "%s", k->sha256);
			if ((rc = st->ops->evidence_put(st, sc, &e))) {
				ordex_buf_free(&b);
				ordex_arena_free(a);
				return rc;
			}
			ordex_jw_key(&w, "sha256");
			ordex_jw_str(&w, k->sha256);
			ordex_jw_key(&w, "name");
			ordex_jw_str(&w, k->name);
			ordex_jw_key(&w, "content_type");
			ordex_jw_str(&w, k->content_type);
			ordex_jw_key(&w, "size");
			ordex_jw_int(&w, (int64_t)k->size);
		} else {
			kind = !strcmp(k->verb, "message") ? "message" : "comment";
			ordex_jw_key(&w, "text");
			ordex_jw_str(&w, k->text);
		}
		ordex_jw_obj_end(&w);
		body = ordex_arena_strndup(a, b.data, b.len);
		ordex_buf_free(&b);
		c.updated_at = now;
		if ((rc = st->ops->case_put(st, sc, &c)) == ORDEX_OK)
			rc = ordex__case_record(st, au, sc, now, c.id, kind, k->actor.name, body);
	}
	ordex_arena_free(a);
	return rc;
}
