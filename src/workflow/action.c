/* SPDX-License-Identifier: Apache-2.0 */
/*
 * action.c - actions on a case and their approval (see workflow.h).
 *
 * An action is proposed with a kind and a payload. The payload is checked
 * against the order as stored (a line must exist, a refund must fit what is
 * refundable and be in its payment's currency with its precision) and kept
 * in canonical form (members sorted, amounts as the currency writes them,
 * a full refund made explicit) with its SHA-256. The policy in force routes
 * it: approved at once where a route is automatic, else awaiting N distinct
 * approvers of the route's roles. An approver names the hash they saw; the
 * requester never approves; approvals expire; a changed payload counts none
 * of the approvals before it. The rules that hold whatever the policy are
 * checked again when the last approval lands, since the order may have
 * moved: what is refundable (approved refunds hold their amount until they
 * are executed, so two approvals of the last 1.00 cannot both pass) and the
 * fraud gate on releasing fulfilment.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "authz/authz.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "core/sha256.h"
#include "ingest/event.h"
#include "policy/policy.h"
#include "store/store.h"
#include "workflow/workflow.h"
#include "workflow/workflow_int.h"
#include "writeback/outbox.h"

#define HOUR_US (3600 * INT64_C(1000000))

void ordex_hex32(const unsigned char h[32], char out[65])
{
	static const char d[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = d[h[i] >> 4];
		out[2 * i + 1] = d[h[i] & 15];
	}
	out[64] = '\0';
}

/* ---- canonical JSON --------------------------------------------------------- */

static int by_key(const void *x, const void *y)
{
	const struct ordex_json *a = *(const struct ordex_json *const *)x;
	const struct ordex_json *b = *(const struct ordex_json *const *)y;
	return strcmp(a->key, b->key);
}

static void canonical(struct ordex_jw *w, struct ordex_arena *a, const struct ordex_json *v)
{
	if (v->type == ORDEX_JSON_OBJECT) {
		const struct ordex_json **m =
		    ordex_arena_alloc(a, sizeof(*m) * (v->count ? v->count : 1));
		size_t n = 0;
		for (const struct ordex_json *e = v->child; e; e = e->next)
			m[n++] = e;
		qsort(m, n, sizeof(*m), by_key);
		ordex_jw_obj(w);
		for (size_t i = 0; i < n; i++) {
			ordex_jw_key(w, m[i]->key);
			canonical(w, a, m[i]);
		}
		ordex_jw_obj_end(w);
	} else if (v->type == ORDEX_JSON_ARRAY) {
		ordex_jw_arr(w);
		for (const struct ordex_json *e = v->child; e; e = e->next)
			canonical(w, a, e);
		ordex_jw_arr_end(w);
	} else {
		ordex_jw_node(w, v);
	}
}

char *ordex_canonical_json(struct ordex_arena *a, const struct ordex_json *v)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	canonical(&w, a, v);
	char *s = ordex_arena_strndup(a, b.data ? b.data : "null", b.data ? b.len : 4);
	ordex_buf_free(&b);
	return s;
}

/* ---- the kinds and their payloads ----------------------------------------------- */

struct kind {
	const char *name;
	const char *fields; /* what the payload may hold, space-separated */
	const char *needs;  /* what it must hold */
	bool internal;      /* done inside ordex once approved (no system to write to) */
};

static const struct kind kinds[] = {
    {"hold_fulfillment", " reason ", "", false},
    {"release_hold", " reason ", "", false},
    {"refund", " payment amount currency reason lines ", "", false},
    {"cancel_order", " reason ", "", false},
    {"cancel_line", " line qty reason ", " line ", false},
    {"substitute_line", " line sku qty reason ", " line sku ", false},
    {"reship", " lines reason ", "", false},
    {"request_address_correction", " message ", "", false},
    {"issue_credit", " amount currency reason ", " amount ", false},
    {"contact_customer", " message channel template ", " message ", false},
    {"escalate", " queue reason ", " reason ", true},
    {"close_no_action", " reason ", " reason ", true},
};

static const struct kind *kind_of(const char *name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (name && !strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

/* What the checks learn of the order, and what the action holds. */
struct prepared {
	const char *payload; /* canonical */
	unsigned char hash[32];
	const char *payment; /* refunds: the payment, the amount held, its currency */
	int64_t amount;
	char currency[4];
	struct ordex_order_row order;
	bool fraud_review;
	int64_t captured, refunded; /* over the order's payments, its currency */
};

static bool in_list(const char *list, const char *word)
{
	if (!word[0] || strchr(word, ' '))
		return false;
	char w[80];
	snprintf(w, sizeof(w), " %s ", word);
	return strstr(list, w) != NULL;
}

/* A money member: a decimal string or number in major units of currency. */
static bool money_of(struct ordex_arena *a, const struct ordex_json *v, const char *currency,
                     int64_t *minor, const char **why)
{
	char buf[128];
	if (!v || (v->type != ORDEX_JSON_STRING && v->type != ORDEX_JSON_NUMBER) || v->len >= 64) {
		*why = "must be an amount in major units, like \"12.50\"";
		return false;
	}
	char reason[160] = "";
	if (ordex_money_parse(v->str, v->len, currency, 0, minor, reason, sizeof(reason)) !=
	    ORDEX_OK) {
		snprintf(buf, sizeof(buf), "%s", reason[0] ? reason : "is not an amount");
		*why = ordex_arena_strdup(a, buf);
		return false;
	}
	if (*minor <= 0) {
		*why = "must be more than zero";
		return false;
	}
	return true;
}

static const struct ordex_line_row *line_named(const struct ordex_line_row *lines, size_t n,
                                               const struct ordex_json *v)
{
	for (size_t i = 0; v && i < n; i++) {
		if (v->type == ORDEX_JSON_STRING && lines[i].ref && !strcmp(lines[i].ref, v->str))
			return &lines[i];
		int64_t no;
		if (v->type == ORDEX_JSON_NUMBER && ordex_json_int(v, &no) == ORDEX_OK &&
		    no == lines[i].line_no)
			return &lines[i];
	}
	return NULL;
}

/*
 * Checks the payload of kind against the order and fills p. Problems name
 * the payload's fields ("payload.amount"). held_except: an action whose own
 * hold does not count against it (when it is being approved).
 */
static int prepare(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                   const char *order_ref, const struct kind *k, const struct ordex_json *payload,
                   int64_t held_except, struct prepared *p, struct ordex_problems *probs)
{
	memset(p, 0, sizeof(*p));
	int before = probs->n;
	if (!payload || payload->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(probs, a, "payload", "must be an object");
		return ORDEX_E_INVAL;
	}
	for (const struct ordex_json *m = payload->child; m; m = m->next)
		if (!in_list(k->fields, m->key))
			ordex_problem_add(probs, a, ordex_arena_printf(a, "payload.%s", m->key),
			                  "is not part of a %s (%s)", k->name, k->fields + 1);
	char need[128];
	snprintf(need, sizeof(need), "%s", k->needs);
	for (char *save, *t = strtok_r(need, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (!ordex_json_get(payload, t))
			ordex_problem_add(probs, a, ordex_arena_printf(a, "payload.%s", t),
			                  "is required for a %s", k->name);
	int rc = st->ops->order_get(st, sc, order_ref, a, &p->order);
	if (rc)
		return rc == ORDEX_E_NOTFOUND ? (ordex_problem_add(probs, a, "case",
		                                                   "its order is "
		                                                   "not known"),
		                                 ORDEX_E_INVAL)
		                              : rc;
	p->fraud_review = p->order.fraud_state == ORDEX_FRAUD_STATE_REVIEW;
	struct ordex_payment_row *pays;
	size_t n_pays;
	if ((rc = st->ops->payments_for_order(st, sc, order_ref, a, &pays, &n_pays)))
		return rc;
	for (size_t i = 0; i < n_pays; i++)
		if (!p->order.currency[0] || !strcmp(pays[i].currency, p->order.currency)) {
			p->captured += pays[i].captured;
			p->refunded += pays[i].refunded;
		}
	struct ordex_line_row *lines;
	size_t n_lines;
	if ((rc = st->ops->lines_get(st, sc, p->order.id, a, &lines, &n_lines)))
		return rc;

	/* the kinds that need more than their fields' presence */
	for (const struct ordex_json *m = payload->child; m; m = m->next) {
		const char *f = ordex_arena_printf(a, "payload.%s", m->key);
		if ((!strcmp(m->key, "reason") || !strcmp(m->key, "message")) &&
		    (m->type != ORDEX_JSON_STRING || !m->len || m->len > 4096))
			ordex_problem_add(probs, a, f, "must be text of 1 to 4096 bytes");
		if (!strcmp(m->key, "channel") &&
		    (m->type != ORDEX_JSON_STRING ||
		     (strcmp(m->str, "email") && strcmp(m->str, "sms"))))
			ordex_problem_add(probs, a, f, "must be email or sms");
		if ((!strcmp(m->key, "queue") || !strcmp(m->key, "template")) &&
		    (m->type != ORDEX_JSON_STRING || !m->len || m->len > 64))
			ordex_problem_add(probs, a, f, "must be a name of 1 to 64 bytes");
		if (!strcmp(m->key, "sku") &&
		    (m->type != ORDEX_JSON_STRING || !m->len || m->len > 256))
			ordex_problem_add(probs, a, f, "must be a SKU of 1 to 256 bytes");
	}
	const struct ordex_json *line = ordex_json_get(payload, "line");
	const struct ordex_line_row *ln = line ? line_named(lines, n_lines, line) : NULL;
	if (line && !ln)
		ordex_problem_add(probs, a, "payload.line", "names no line of order \"%s\"",
		                  order_ref);
	if (ln) {
		const struct ordex_json *qty = ordex_json_get(payload, "qty");
		int64_t q;
		if (qty && (ordex_json_int(qty, &q) != ORDEX_OK || q < 1 || q > ln->qty))
			ordex_problem_add(probs, a, "payload.qty",
			                  "must be a whole number from 1 to the line's %lld",
			                  (long long)ln->qty);
		const struct ordex_json *sku = ordex_json_get(payload, "sku");
		if (sku && sku->type == ORDEX_JSON_STRING && !strcmp(sku->str, ln->sku))
			ordex_problem_add(probs, a, "payload.sku",
			                  "is the line's own SKU: a substitute is another one");
		if (!strcmp(k->name, "cancel_line") && !ln->open)
			ordex_problem_add(probs, a, "payload.line",
			                  "is not open (shipped or cancelled already)");
	}
	const struct ordex_json *ls = ordex_json_get(payload, "lines");
	if (ls && ls->type != ORDEX_JSON_ARRAY) {
		ordex_problem_add(probs, a, "payload.lines", "must be an array of line ids");
	} else if (ls) {
		size_t i = 0;
		for (const struct ordex_json *e = ls->child; e; e = e->next, i++)
			if (!line_named(lines, n_lines, e))
				ordex_problem_add(probs, a,
				                  ordex_arena_printf(a, "payload.lines[%zu]", i),
				                  "names no line of order \"%s\"", order_ref);
	}

	/* the canonical payload, with what the checks make explicit */
	struct ordex_json *canon = NULL;
	struct ordex_json_error jerr;
	struct ordex_buf extra;
	ordex_buf_init(&extra, 0);
	if (!strcmp(k->name, "refund") || !strcmp(k->name, "issue_credit")) {
		const struct ordex_payment_row *pay = NULL;
		const struct ordex_json *pv = ordex_json_get(payload, "payment");
		if (!strcmp(k->name, "refund")) {
			int with_capture = 0;
			for (size_t i = 0; i < n_pays; i++) {
				if (pv && pv->type == ORDEX_JSON_STRING &&
				    !strcmp(pays[i].ref, pv->str))
					pay = &pays[i];
				with_capture += pays[i].captured > 0;
				if (!pv && pays[i].captured > 0)
					pay = with_capture == 1 ? &pays[i] : NULL;
			}
			if (pv && !pay)
				ordex_problem_add(probs, a, "payload.payment",
				                  "names no payment of order \"%s\"", order_ref);
			else if (!pv && !pay)
				ordex_problem_add(
				    probs, a, "payload.payment",
				    with_capture ? "is required: the order has more than one "
				                   "captured payment"
				                 : "the order has no captured payment to refund");
		}
		const char *cur = pay ? pay->currency : p->order.currency;
		if (!cur[0] && (pay || !strcmp(k->name, "issue_credit")))
			ordex_problem_add(
			    probs, a, "payload.currency",
			    "cannot be checked: no system has given the %s a currency",
			    pay ? "payment" : "order");
		const struct ordex_json *cv = ordex_json_get(payload, "currency");
		if (cv && (cv->type != ORDEX_JSON_STRING || strcmp(cv->str, cur) != 0))
			ordex_problem_add(
			    probs, a, "payload.currency",
			    "differs from the %s's currency \"%s\"; amounts are never mixed "
			    "across currencies",
			    pay ? "payment" : "order", cur);
		int64_t limit = 0;
		if (pay) {
			int64_t held = 0;
			if ((rc = st->ops->refunds_held(st, sc, pay->ref, held_except, &held))) {
				ordex_buf_free(&extra);
				return rc;
			}
			limit = pay->captured - pay->refunded - held;
		} else if (!strcmp(k->name, "issue_credit")) {
			limit = p->order.total_set ? p->order.total : 0;
		}
		const struct ordex_json *av = ordex_json_get(payload, "amount");
		int64_t amount = limit;
		const char *why = NULL;
		if (av && cur[0] && !money_of(a, av, cur, &amount, &why))
			ordex_problem_add(probs, a, "payload.amount", "%s", why);
		else if (cur[0] && (pay || !strcmp(k->name, "issue_credit")) && amount > limit) {
			char l[48];
			ordex_money_format(limit > 0 ? limit : 0, cur, l);
			ordex_problem_add(
			    probs, a, "payload.amount", "exceeds what remains %s: %s %s",
			    pay ? "refundable (captured, less refunded and what approved "
			          "refunds hold)"
			        : "of the order's total",
			    l, cur);
		} else if (cur[0] && amount <= 0 && (pay || av)) {
			ordex_problem_add(probs, a, "payload.amount", "nothing remains refundable");
		}
		if (probs->n == before && cur[0]) {
			char t[48];
			ordex_money_format(amount, cur, t);
			struct ordex_jw w;
			ordex_jw_init(&w, &extra);
			ordex_jw_obj(&w);
			ordex_jw_key(&w, "amount");
			ordex_jw_str(&w, t);
			ordex_jw_key(&w, "currency");
			ordex_jw_str(&w, cur);
			if (pay) {
				ordex_jw_key(&w, "payment");
				ordex_jw_str(&w, pay->ref);
				p->payment = ordex_arena_strdup(a, pay->ref);
			}
			ordex_jw_obj_end(&w);
			p->amount = amount;
			memcpy(p->currency, cur, 4);
		}
	}
	if (probs->n > before) {
		ordex_buf_free(&extra);
		return ORDEX_E_INVAL;
	}
	/* the payload with the explicit members replacing what was sent */
	struct ordex_json *add = NULL;
	if (extra.len && ordex_json_parse(a, extra.data, extra.len, NULL, &add, &jerr) != ORDEX_OK)
		add = NULL;
	ordex_buf_free(&extra);
	struct ordex_buf all;
	struct ordex_jw w;
	ordex_buf_init(&all, 0);
	ordex_jw_init(&w, &all);
	ordex_jw_obj(&w);
	for (const struct ordex_json *m = payload->child; m; m = m->next)
		if (!add || !ordex_json_get(add, m->key)) {
			ordex_jw_key(&w, m->key);
			ordex_jw_node(&w, m);
		}
	for (const struct ordex_json *m = add ? add->child : NULL; m; m = m->next) {
		ordex_jw_key(&w, m->key);
		ordex_jw_node(&w, m);
	}
	ordex_jw_obj_end(&w);
	if (ordex_json_parse(a, all.data, all.len, NULL, &canon, &jerr) != ORDEX_OK) {
		ordex_buf_free(&all);
		return ORDEX_E_CORRUPT;
	}
	ordex_buf_free(&all);
	p->payload = ordex_canonical_json(a, canon);
	ordex_sha256(p->hash, (const unsigned char *)p->payload, strlen(p->payload));
	return ORDEX_OK;
}

/* ---- routing --------------------------------------------------------------------- */

static void money_number(struct ordex_jw *w, const char *key, int64_t minor, const char *cur)
{
	ordex_jw_key(w, key);
	if (!cur || !cur[0]) {
		ordex_jw_null(w);
		return;
	}
	char t[48];
	size_t n = ordex_money_format(minor, cur, t);
	ordex_jw_raw(w, t, n);
}

/* What the policy's routes see: {"action", "order", "case", "requester"}. */
static struct ordex_json *route_data(struct ordex_arena *a, const char *kind,
                                     const struct prepared *p, const struct ordex_case_row *c,
                                     const struct ordex_actor *actor)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "action");
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "kind");
	ordex_jw_str(&w, kind);
	money_number(&w, "amount", p->amount, p->amount ? p->currency : NULL);
	ordex_jw_key(&w, "currency");
	ordex_jw_str(&w, p->currency[0] ? p->currency : NULL);
	ordex_jw_key(&w, "payload");
	ordex_jw_raw(&w, p->payload, strlen(p->payload));
	ordex_jw_obj_end(&w);
	const struct ordex_order_row *o = &p->order;
	ordex_jw_key(&w, "order");
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "ref");
	ordex_jw_str(&w, o->ref);
	ordex_jw_key(&w, "status");
	ordex_jw_str(&w, o->status);
	ordex_jw_key(&w, "currency");
	ordex_jw_str(&w, o->currency[0] ? o->currency : NULL);
	money_number(&w, "total", o->total, o->total_set ? o->currency : NULL);
	money_number(&w, "captured", p->captured, o->currency);
	money_number(&w, "refunded", p->refunded, o->currency);
	ordex_jw_key(&w, "fraud_review");
	ordex_jw_bool(&w, p->fraud_review);
	ordex_jw_key(&w, "fraud_score");
	ordex_jw_int(&w, o->fraud_score);
	ordex_jw_key(&w, "brand");
	ordex_jw_str(&w, o->brand);
	ordex_jw_key(&w, "region");
	ordex_jw_str(&w, o->region);
	ordex_jw_key(&w, "segment");
	ordex_jw_str(&w, o->segment);
	ordex_jw_obj_end(&w);
	ordex_jw_key(&w, "case");
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "queue");
	ordex_jw_str(&w, c->queue);
	ordex_jw_key(&w, "kinds");
	ordex_jw_raw(&w, c->kinds ? c->kinds : "[]", strlen(c->kinds ? c->kinds : "[]"));
	ordex_jw_key(&w, "priority");
	ordex_jw_int(&w, c->priority);
	ordex_jw_obj_end(&w);
	ordex_jw_key(&w, "requester");
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "role");
	ordex_jw_str(&w, actor->role);
	ordex_jw_obj_end(&w);
	ordex_jw_obj_end(&w);
	struct ordex_json *doc = NULL;
	struct ordex_json_error jerr;
	if (ordex_json_parse(a, b.data, b.len, NULL, &doc, &jerr) != ORDEX_OK)
		doc = NULL;
	ordex_buf_free(&b);
	return doc;
}

int ordex__action_route_data(struct ordex_store *st, const struct ordex_scope *sc,
                             struct ordex_arena *a, const struct ordex_action_row *r,
                             const struct ordex_case_row *c, struct ordex_json **out)
{
	/* the action as it was decided on (its payload and amount as stored), on
	 * its order as it is now */
	struct prepared p;
	memset(&p, 0, sizeof(p));
	p.payload = r->payload;
	p.amount = r->amount;
	memcpy(p.currency, r->currency, 4);
	int rc = st->ops->order_get(st, sc, r->order_ref, a, &p.order);
	if (rc)
		return rc == ORDEX_E_NOTFOUND ? ORDEX_E_INVAL : rc;
	p.fraud_review = p.order.fraud_state == ORDEX_FRAUD_STATE_REVIEW;
	struct ordex_payment_row *pays;
	size_t n_pays;
	if ((rc = st->ops->payments_for_order(st, sc, r->order_ref, a, &pays, &n_pays)))
		return rc;
	for (size_t i = 0; i < n_pays; i++)
		if (!p.order.currency[0] || !strcmp(pays[i].currency, p.order.currency)) {
			p.captured += pays[i].captured;
			p.refunded += pays[i].refunded;
		}
	struct ordex_actor requester = {.name = r->requested_by};
	*out = route_data(a, r->kind, &p, c, &requester);
	return *out ? ORDEX_OK : ORDEX_E_CORRUPT;
}

/* ---- the commands ------------------------------------------------------------------ */

static char *action_body(struct ordex_arena *a, const struct ordex_action_row *r, const char *what,
                         const char *by, const char *why)
{
	char hash[65];
	ordex_hex32(r->payload_hash, hash);
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "action");
	ordex_jw_int(&w, r->id);
	ordex_jw_key(&w, "case");
	ordex_jw_int(&w, r->case_id);
	ordex_jw_key(&w, "order");
	ordex_jw_str(&w, r->order_ref);
	ordex_jw_key(&w, "kind");
	ordex_jw_str(&w, r->kind);
	ordex_jw_key(&w, "what");
	ordex_jw_str(&w, what);
	ordex_jw_key(&w, "status");
	ordex_jw_str(&w, r->status);
	ordex_jw_key(&w, "payload_sha256");
	ordex_jw_str(&w, hash);
	ordex_jw_key(&w, "payload");
	ordex_jw_raw(&w, r->payload, strlen(r->payload));
	ordex_jw_key(&w, "route");
	ordex_jw_raw(&w, r->route, strlen(r->route));
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, by);
	if (why) {
		ordex_jw_key(&w, "why");
		ordex_jw_str(&w, why);
	}
	ordex_jw_obj_end(&w);
	char *s = ordex_arena_strndup(a, b.data, b.len);
	ordex_buf_free(&b);
	return s;
}

/* Whether any other action of the case still waits on someone. */
static int case_after(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                      struct ordex_case_row *c, int64_t except)
{
	struct ordex_action_row *acts;
	size_t n;
	int rc = st->ops->actions_of_case(st, sc, c->id, a, &acts, &n);
	if (rc)
		return rc;
	/* the furthest along of the case's live actions says where the case is */
	static const char *const order[] = {"open", "proposed", "awaiting_approval", "approved",
	                                    "executing"};
	int at = 0;
	for (size_t i = 0; i < n; i++) {
		if (acts[i].id == except)
			continue;
		for (int k = 1; k < 5; k++)
			if (!strcmp(acts[i].status, order[k]) && k > at)
				at = k;
	}
	c->status = order[at];
	return ORDEX_OK;
}

/* The route of an action as kept: its approvers and how many. */
static void route_of(struct ordex_arena *a, const char *json, int *approvals, const char ***roles,
                     int *n_roles, bool *automatic, int64_t *routed_at)
{
	struct ordex_json *r = NULL;
	struct ordex_json_error jerr;
	*approvals = 1;
	*n_roles = 0;
	*automatic = false;
	*routed_at = 0;
	*roles = ordex_arena_alloc(a, sizeof(**roles) * 8);
	if (ordex_json_parse(a, json, strlen(json), NULL, &r, &jerr) != ORDEX_OK)
		return;
	int64_t n;
	if (ordex_json_int(ordex_json_get(r, "approvals"), &n) == ORDEX_OK)
		*approvals = (int)n;
	if (ordex_json_int(ordex_json_get(r, "routed_at"), &n) == ORDEX_OK)
		*routed_at = n;
	const struct ordex_json *au = ordex_json_get(r, "automatic");
	*automatic = au && au->type == ORDEX_JSON_TRUE;
	const struct ordex_json *ap = ordex_json_get(r, "approvers");
	for (const struct ordex_json *e = ap ? ap->child : NULL; e && *n_roles < 8; e = e->next)
		(*roles)[(*n_roles)++] = e->str;
}

/*
 * The action is approved: its effects inside ordex now (an escalation
 * moves the case, closing without action resolves it); the rest wait for
 * writeback to the systems they concern.
 */
static int approved(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                    int64_t now, struct ordex_arena *a, struct ordex_action_row *r,
                    struct ordex_case_row *c, const char *by)
{
	const struct kind *k = kind_of(r->kind);
	r->status = k && k->internal ? "executed" : "approved";
	r->decided_at = now;
	r->decided_by = by;
	r->updated_at = now;
	/* what another system carries out goes to its outbox now, in this transaction */
	bool queued = false;
	int rc = ORDEX_OK;
	if (!(k && k->internal) && (rc = ordex_outbox_enqueue(st, au, sc, now, a, r, c, &queued)))
		return rc;
	if (queued)
		r->status = "executing";
	if ((rc = st->ops->action_put(st, sc, r)))
		return rc;
	if ((rc = ordex__case_record(st, au, sc, now, c->id, "action_approved", by,
	                             action_body(a, r, "approved", by, NULL))))
		return rc;
	c->status = queued ? "executing" : "approved";
	if (!strcmp(r->kind, "close_no_action")) {
		if ((rc = ordex__case_cancel_pending(st, au, sc, now, a, c, r->id,
		                                     "the case was closed without action")))
			return rc;
		c->status = "resolved";
		c->resolved_at = now;
		c->resolution = "closed without action";
		char subject[32];
		snprintf(subject, sizeof(subject), "case:%lld", (long long)c->id);
		if ((rc = st->ops->timer_disarm(st, sc, "sla", subject)))
			return rc;
	} else if (!strcmp(r->kind, "escalate")) {
		struct ordex_json *pl;
		struct ordex_json_error jerr;
		const char *queue = NULL;
		if (ordex_json_parse(a, r->payload, strlen(r->payload), NULL, &pl, &jerr) ==
		    ORDEX_OK)
			queue = ordex_json_string(ordex_json_get(pl, "queue"));
		struct ordex_policy pol;
		if ((rc = ordex_policy_in_force(NULL, st, sc, a, &pol)))
			return rc;
		c->queue = queue ? queue
		           : ordex_policy_escalation_queue(&pol)
		               ? ordex_policy_escalation_queue(&pol)
		               : c->queue;
		c->priority += 100;
		if ((rc = case_after(st, sc, a, c, r->id)))
			return rc;
		if ((rc = ordex__case_arm_sla(st, sc, c, &pol, now)))
			return rc;
	}
	c->updated_at = now;
	if ((rc = st->ops->case_put(st, sc, c)))
		return rc;
	return ordex__case_record(st, au, sc, now, c->id, "status", by,
	                          ordex__case_body(a, c, r->status, by, NULL));
}

/* A route as kept, with when it was decided (approvals before it do not count). */
static const char *stamped(struct ordex_arena *a, const char *route, int64_t now)
{
	return ordex_arena_printf(a, "{\"routed_at\":%lld,%s", (long long)now, route + 1);
}

/* The kinds that send goods towards the customer. */
static bool sends_goods(const char *kind)
{
	return !strcmp(kind, "release_hold") || !strcmp(kind, "reship") ||
	       !strcmp(kind, "substitute_line");
}

static int propose(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                   int64_t now, struct ordex_action_cmd *k, struct ordex_arena *a,
                   struct ordex_case_row *c, const char *kind, const struct ordex_json *payload,
                   const char *reason, bool submit)
{
	const struct kind *kd = kind_of(kind);
	if (!kd)
		return ordex__refuse(&k->res, 422, "kind",
		                     "must be one of hold_fulfillment, release_hold, refund, "
		                     "cancel_order, cancel_line, substitute_line, reship, "
		                     "request_address_correction, issue_credit, contact_customer, "
		                     "escalate, close_no_action");
	if (!strcmp(c->status, "resolved"))
		return ordex__refuse(&k->res, 409, NULL, "the case is resolved");
	struct ordex_problems probs = {.n = 0};
	struct prepared p;
	int rc = prepare(st, sc, a, c->order_ref, kd, payload, 0, &p, &probs);
	if (rc == ORDEX_E_INVAL) {
		k->res.code = 422;
		k->res.field = probs.n ? probs.items[0].field : "payload";
		k->res.why = probs.n ? probs.items[0].reason : "is not valid";
		k->problems = probs;
		return ORDEX_E_INVAL;
	}
	if (rc)
		return rc;
	/* nothing goes out while a fraud review is open, whatever the policy */
	if (sends_goods(kind) && p.fraud_review)
		return ordex__refuse(&k->res, 409, "kind",
		                     ordex_arena_printf(a,
		                                        "a %s sends goods out, which waits while a "
		                                        "fraud review of the order is open",
		                                        kind));
	struct ordex_policy pol;
	if ((rc = ordex_policy_in_force(NULL, st, sc, a, &pol)))
		return rc;
	struct ordex_route_decision d;
	struct ordex_json *data = route_data(a, kind, &p, c, &k->actor);
	if (!data)
		return ORDEX_E_CORRUPT;
	ordex_policy_route(a, &pol, data, &d);
	struct ordex_action_row r = {
	    .case_id = c->id,
	    .order_ref = c->order_ref,
	    .kind = kind,
	    .payload = p.payload,
	    .status = submit ? "awaiting_approval" : "proposed",
	    .requested_by = k->actor.name,
	    .requested_at = now,
	    .route = stamped(a, ordex_policy_route_json(a, &d, pol.version), now),
	    .policy_version = pol.version,
	    .reason = reason,
	    .payment = p.payment,
	    .amount = p.amount,
	    .updated_at = now,
	};
	memcpy(r.payload_hash, p.hash, 32);
	memcpy(r.currency, p.currency, 4);
	if ((rc = st->ops->action_put(st, sc, &r)))
		return rc;
	k->new_action_id = r.id;
	k->approvals_need = d.approvals;
	if ((rc = ordex__case_record(
	         st, au, sc, now, c->id, "action_proposed", k->actor.name,
	         action_body(a, &r, submit ? "proposed" : "drafted", k->actor.name, reason))))
		return rc;
	if (d.queue && strcmp(d.queue, c->queue) != 0) {
		/* another queue, and its clock */
		c->queue = d.queue;
		if ((rc = ordex__case_arm_sla(st, sc, c, &pol, now)))
			return rc;
	}
	if (submit && d.automatic) {
		rc = approved(st, au, sc, now, a, &r, c, "policy");
		k->status = r.status;
		return rc;
	}
	k->status = r.status;
	if ((rc = case_after(st, sc, a, c, 0)))
		return rc;
	c->updated_at = now;
	if ((rc = st->ops->case_put(st, sc, c)))
		return rc;
	return ordex__case_record(st, au, sc, now, c->id, "status", k->actor.name,
	                          ordex__case_body(a, c, r.status, k->actor.name, NULL));
}

/*
 * The approvals that count: approving, of this very payload, unexpired,
 * made since the action was last routed, by a role its route names (or an
 * admin), not by its requester, one per person.
 */
static int count_approvals(struct ordex_store *st, const struct ordex_scope *sc,
                           struct ordex_arena *a, const struct ordex_action_row *r, int64_t now,
                           const char *also_not, int *n, bool *by_them)
{
	struct ordex_approval_row *ap;
	size_t m;
	int rc = st->ops->approvals_of(st, sc, r->id, a, &ap, &m);
	if (rc)
		return rc;
	int need, n_roles;
	const char **roles;
	bool automatic;
	int64_t routed_at;
	route_of(a, r->route, &need, &roles, &n_roles, &automatic, &routed_at);
	const char **counted = ordex_arena_alloc(a, sizeof(*counted) * (m ? m : 1));
	*n = 0;
	*by_them = false;
	for (size_t i = 0; i < m; i++) {
		if (strcmp(ap[i].decision, "approve") ||
		    memcmp(ap[i].payload_hash, r->payload_hash, 32) || ap[i].expires_at <= now ||
		    ap[i].at < routed_at || !strcmp(ap[i].approver, r->requested_by))
			continue;
		bool role_ok = ap[i].role && !strcmp(ap[i].role, "admin");
		for (int k = 0; k < n_roles && !role_ok; k++)
			role_ok = ap[i].role && !strcmp(roles[k], ap[i].role);
		if (!role_ok)
			continue;
		bool dup = false;
		for (int j = 0; j < *n && !dup; j++)
			dup = !strcmp(counted[j], ap[i].approver);
		if (dup)
			continue;
		if (also_not && !strcmp(ap[i].approver, also_not))
			*by_them = true;
		counted[(*n)++] = ap[i].approver;
	}
	return ORDEX_OK;
}

static int decide(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                  int64_t now, struct ordex_action_cmd *k, struct ordex_arena *a)
{
	struct ordex_action_row r;
	int rc = st->ops->action_get(st, sc, k->action_id, a, &r);
	if (rc == ORDEX_E_NOTFOUND)
		return ordex__refuse(&k->res, 404, NULL, "no such action");
	if (rc)
		return rc;
	struct ordex_case_row c;
	if ((rc = ordex__case_for(st, sc, &k->actor, r.case_id, a, &c, &k->res)))
		return rc == ORDEX_E_INVAL && k->res.code == 404
		           ? ordex__refuse(&k->res, 404, NULL, "no such action")
		           : rc;
	const char *verb = k->verb;
	bool is_requester = !strcmp(r.requested_by, k->actor.name);
	if (!strcmp(c.status, "resolved") && strcmp(verb, "cancel") != 0)
		return ordex__refuse(&k->res, 409, NULL, "the case is resolved");
	if (!strcmp(verb, "submit")) {
		/* the one who drafted it submits it, and stays its requester */
		if (!is_requester)
			return ordex__refuse(&k->res, 403, NULL,
			                     "only the one who drafted an action submits it");
		if (strcmp(r.status, "proposed") != 0)
			return ordex__refuse(
			    &k->res, 409, NULL,
			    ordex_arena_printf(a, "the action is %s, not a draft", r.status));
		struct ordex_json *pl;
		struct ordex_json_error jerr;
		if (ordex_json_parse(a, r.payload, strlen(r.payload), NULL, &pl, &jerr) != ORDEX_OK)
			return ORDEX_E_CORRUPT;
		/* the draft's payload checked and routed now, as a new proposal */
		const char *reason = r.reason;
		r.status = "cancelled";
		r.reason = "submitted as a proposal";
		r.updated_at = now;
		if ((rc = st->ops->action_put(st, sc, &r)))
			return rc;
		return propose(st, au, sc, now, k, a, &c, r.kind, pl, reason, true);
	}
	if (!strcmp(verb, "cancel")) {
		if (!is_requester)
			return ordex__refuse(
			    &k->res, 403, NULL,
			    "only the requester withdraws an action; approvers reject");
		if (strcmp(r.status, "awaiting_approval") && strcmp(r.status, "proposed"))
			return ordex__refuse(&k->res, 409, NULL,
			                     ordex_arena_printf(a, "the action is %s", r.status));
		r.status = "cancelled";
		r.reason = k->reason;
		r.decided_at = now;
		r.decided_by = k->actor.name;
		r.updated_at = now;
		if ((rc = st->ops->action_put(st, sc, &r)) ||
		    (rc = ordex__case_record(
		         st, au, sc, now, c.id, "action_cancelled", k->actor.name,
		         action_body(a, &r, "cancelled", k->actor.name, k->reason))) ||
		    (rc = case_after(st, sc, a, &c, r.id)))
			return rc;
		c.updated_at = now;
		k->status = r.status;
		return st->ops->case_put(st, sc, &c);
	}
	if (strcmp(r.status, "awaiting_approval") != 0)
		return ordex__refuse(
		    &k->res, 409, NULL,
		    ordex_arena_printf(a, "the action is %s, not awaiting approval", r.status));
	int need, n_roles;
	const char **roles;
	bool automatic;
	int64_t routed_at;
	route_of(a, r.route, &need, &roles, &n_roles, &automatic, &routed_at);
	bool may = !strcmp(k->actor.role, "admin");
	for (int i = 0; i < n_roles && !may; i++)
		may = !strcmp(roles[i], k->actor.role);
	if (!may) {
		char list[160] = "";
		for (int i = 0; i < n_roles; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			         i ? ", " : "", roles[i]);
		return ordex__refuse(&k->res, 403, NULL,
		                     ordex_arena_printf(a, "this action is approved by %s, not %s",
		                                        list, k->actor.role));
	}
	/* the requester never decides on their own action, whatever the policy */
	if (is_requester)
		return ordex__refuse(
		    &k->res, 403, NULL,
		    "the requester of an action cannot approve, reject or override "
		    "it; another person must");
	if (!strcmp(verb, "approve")) {
		char have[65];
		ordex_hex32(r.payload_hash, have);
		if (!k->payload_hash || strcmp(k->payload_hash, have) != 0)
			return ordex__refuse(
			    &k->res, 409, "payload_sha256",
			    "is not the action's payload as it stands: look at it again "
			    "and approve what you see");
		int n;
		bool mine;
		if ((rc = count_approvals(st, sc, a, &r, now, k->actor.name, &n, &mine)))
			return rc;
		if (mine)
			return ordex__refuse(
			    &k->res, 409, NULL,
			    "you approved this payload already: another approver is "
			    "needed");
		struct ordex_policy pol;
		if ((rc = ordex_policy_in_force(NULL, st, sc, a, &pol)))
			return rc;
		double ttl = ordex_policy_number(&pol, "approval_ttl_hours", 24);
		struct ordex_approval_row ap = {
		    .action_id = r.id,
		    .approver = k->actor.name,
		    .role = k->actor.role,
		    .decision = "approve",
		    .reason = k->reason,
		    .at = now,
		    .expires_at = now + (int64_t)(ttl * (double)HOUR_US),
		};
		memcpy(ap.payload_hash, r.payload_hash, 32);
		if ((rc = st->ops->approval_add(st, sc, &ap)) ||
		    (rc = ordex__case_record(
		         st, au, sc, now, c.id, "approval", k->actor.name,
		         action_body(a, &r, "approval", k->actor.name, k->reason))))
			return rc;
		k->approvals_have = n + 1;
		k->approvals_need = need;
		k->status = r.status;
		if (n + 1 < need)
			return ORDEX_OK;
		/* the last approval: the rules no policy loosens, on the order as it is now */
		struct ordex_json *pl;
		struct ordex_json_error jerr;
		if (ordex_json_parse(a, r.payload, strlen(r.payload), NULL, &pl, &jerr) != ORDEX_OK)
			return ORDEX_E_CORRUPT;
		struct ordex_problems probs = {.n = 0};
		struct prepared p;
		rc = prepare(st, sc, a, r.order_ref, kind_of(r.kind), pl, r.id, &p, &probs);
		if (rc == ORDEX_E_INVAL) {
			k->res.code = 409;
			k->res.field = probs.n ? probs.items[0].field : "payload";
			k->res.why = probs.n ? probs.items[0].reason : "no longer holds";
			k->problems = probs;
			return ORDEX_E_INVAL;
		}
		if (rc)
			return rc;
		if (memcmp(p.hash, r.payload_hash, 32) != 0)
			return ordex__refuse(
			    &k->res, 409, "payload",
			    "the order moved since the action was proposed (what its "
			    "payload makes explicit differs now): propose it again");
		if (sends_goods(r.kind) && p.fraud_review)
			return ordex__refuse(
			    &k->res, 409, "kind",
			    "goods cannot go out while a fraud review of the order is open");
		rc = approved(st, au, sc, now, a, &r, &c, k->actor.name);
		k->status = r.status;
		return rc;
	}
	if (!strcmp(verb, "reject") || !strcmp(verb, "override")) {
		if (!k->reason || !k->reason[0])
			return ordex__refuse(&k->res, 422, "reason", "is required: say why");
		struct ordex_approval_row ap = {
		    .action_id = r.id,
		    .approver = k->actor.name,
		    .role = k->actor.role,
		    .decision = "reject",
		    .reason = k->reason,
		    .at = now,
		    .expires_at = now,
		};
		memcpy(ap.payload_hash, r.payload_hash, 32);
		bool over = !strcmp(verb, "override");
		r.status = over ? "overridden" : "rejected";
		r.reason = k->reason;
		r.decided_at = now;
		r.decided_by = k->actor.name;
		r.updated_at = now;
		if ((rc = st->ops->approval_add(st, sc, &ap)) ||
		    (rc = st->ops->action_put(st, sc, &r)) ||
		    (rc = ordex__case_record(
		         st, au, sc, now, c.id, over ? "action_overridden" : "action_rejected",
		         k->actor.name, action_body(a, &r, r.status, k->actor.name, k->reason))))
			return rc;
		if (over) {
			/* the reviewer's own choice, routed like any proposal: they proposed
			 * it, so another person approves it */
			const char *why = ordex_arena_printf(a, "override of action %lld: %s",
			                                     (long long)r.id, k->reason);
			rc = propose(st, au, sc, now, k, a, &c, k->kind, k->payload, why, true);
			if (rc == ORDEX_OK && k->res.code == 0)
				k->status = "overridden";
			return rc;
		}
		if ((rc = case_after(st, sc, a, &c, r.id)))
			return rc;
		c.updated_at = now;
		k->status = r.status;
		if ((rc = st->ops->case_put(st, sc, &c)))
			return rc;
		return ordex__case_record(
		    st, au, sc, now, c.id, "status", k->actor.name,
		    ordex__case_body(a, &c, "rejected", k->actor.name, k->reason));
	}
	return ordex__refuse(&k->res, 400, "verb", "is not something done to an action");
}

int ordex_action_command(struct ordex_store *st, struct ordex_audit *au,
                         const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct ordex_action_cmd *k = ctx;
	struct ordex_arena *a = k->a;
	int rc;
	if (!strcmp(k->verb, "propose")) {
		struct ordex_case_row c;
		if ((rc = ordex__case_for(st, sc, &k->actor, k->case_id, a, &c, &k->res)))
			return rc;
		return propose(st, au, sc, now, k, a, &c, k->kind, k->payload, k->reason,
		               k->submit);
	}
	if (!strcmp(k->verb, "change")) {
		struct ordex_action_row r;
		rc = st->ops->action_get(st, sc, k->action_id, a, &r);
		if (rc == ORDEX_E_NOTFOUND)
			return ordex__refuse(&k->res, 404, NULL, "no such action");
		if (rc)
			return rc;
		struct ordex_case_row c;
		if ((rc = ordex__case_for(st, sc, &k->actor, r.case_id, a, &c, &k->res)))
			return rc;
		if (strcmp(r.requested_by, k->actor.name) != 0)
			return ordex__refuse(&k->res, 403, NULL,
			                     "only the requester changes an action's payload");
		if (!strcmp(c.status, "resolved"))
			return ordex__refuse(&k->res, 409, NULL, "the case is resolved");
		if (strcmp(r.status, "awaiting_approval") && strcmp(r.status, "proposed"))
			return ordex__refuse(&k->res, 409, NULL,
			                     ordex_arena_printf(a, "the action is %s", r.status));
		struct ordex_problems probs = {.n = 0};
		struct prepared p;
		rc = prepare(st, sc, a, r.order_ref, kind_of(r.kind), k->payload, r.id, &p, &probs);
		if (rc == ORDEX_E_INVAL) {
			k->res.code = 422;
			k->res.field = probs.n ? probs.items[0].field : "payload";
			k->res.why = probs.n ? probs.items[0].reason : "is not valid";
			k->problems = probs;
			return ORDEX_E_INVAL;
		}
		if (rc)
			return rc;
		/* another payload: the approvals of the old one count for nothing, and
		 * the policy in force routes it again (a smaller refund may need fewer) */
		if (sends_goods(r.kind) && p.fraud_review)
			return ordex__refuse(&k->res, 409, "kind",
			                     "goods cannot go out while a fraud review of the "
			                     "order is open");
		struct ordex_policy pol;
		if ((rc = ordex_policy_in_force(NULL, st, sc, a, &pol)))
			return rc;
		struct ordex_json *data = route_data(a, r.kind, &p, &c, &k->actor);
		if (!data)
			return ORDEX_E_CORRUPT;
		struct ordex_route_decision d;
		ordex_policy_route(a, &pol, data, &d);
		r.route = stamped(a, ordex_policy_route_json(a, &d, pol.version), now);
		r.policy_version = pol.version;
		k->approvals_need = d.approvals;
		r.payload = p.payload;
		memcpy(r.payload_hash, p.hash, 32);
		r.payment = p.payment;
		r.amount = p.amount;
		memcpy(r.currency, p.currency, 4);
		r.updated_at = now;
		if ((rc = st->ops->action_put(st, sc, &r)))
			return rc;
		k->status = r.status;
		if ((rc = ordex__case_record(st, au, sc, now, c.id, "action_changed", k->actor.name,
		                             action_body(a, &r, "changed", k->actor.name, NULL))))
			return rc;
		if (d.automatic && !strcmp(r.status, "awaiting_approval")) {
			rc = approved(st, au, sc, now, a, &r, &c, "policy");
			k->status = r.status;
		}
		return rc;
	}
	return decide(st, au, sc, now, k, a);
}

/* ---- what writeback did -------------------------------------------------------- */

int ordex_action_outcome(struct ordex_store *st, struct ordex_audit *au,
                         const struct ordex_scope *sc, int64_t now, struct ordex_arena *a,
                         int64_t action_id, const char *outcome, const char *why)
{
	struct ordex_action_row r;
	struct ordex_case_row c;
	int rc = st->ops->action_get(st, sc, action_id, a, &r);
	if (rc == ORDEX_OK)
		rc = st->ops->case_get(st, sc, r.case_id, a, &c);
	if (rc)
		return rc;
	if (!strcmp(r.status, outcome))
		return ORDEX_OK;
	r.status = outcome;
	r.updated_at = now;
	if ((rc = st->ops->action_put(st, sc, &r)) ||
	    (rc = ordex__case_record(st, au, sc, now, c.id,
	                             ordex_arena_printf(a, "action_%s", outcome), "ordex",
	                             action_body(a, &r, outcome, "ordex", why))))
		return rc;
	if (!strcmp(c.status, "resolved"))
		return ORDEX_OK; /* a case closed meanwhile stays closed */
	const char *before = c.status;
	if ((rc = case_after(st, sc, a, &c, 0)))
		return rc;
	bool done = !strcmp(outcome, "executed") && !strcmp(c.status, "open");
	if (done) {
		/* carried out, and nothing else of the case under way: resolved */
		char subject[32];
		snprintf(subject, sizeof(subject), "case:%lld", (long long)c.id);
		c.status = "resolved";
		c.resolved_at = now;
		c.resolution = ordex_arena_printf(a, "carried out: %s", r.kind);
		if ((rc = st->ops->timer_disarm(st, sc, "sla", subject)))
			return rc;
	}
	if (!strcmp(before, c.status))
		return ORDEX_OK;
	c.updated_at = now;
	if ((rc = st->ops->case_put(st, sc, &c)))
		return rc;
	return ordex__case_record(st, au, sc, now, c.id, done ? "resolved" : "status", "ordex",
	                          ordex__case_body(a, &c, c.status, "ordex", why));
}
