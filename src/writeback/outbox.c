/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outbox.c - the outbox's transitions, each inside the writer's
 * transaction (see outbox.h):
 *
 *   pending --claim--> sending --settle--> delivered | shadowed
 *                         |                 pending (retry later) | unknown
 *                         |                 dead (refused; a person retries or cancels)
 *   (a restart) sending --> unknown --claim--> sending ... (asked, or sent again, same key)
 *
 * Delivered refunds are booked on their payment by the target's refund id,
 * the same id the provider's webhook names, so that a refund is counted
 * once whichever arrives first (CASE-01). A refusal is kept with the
 * target's code and words, raises an exception on the order, and is never
 * sent again by itself (CASE-09).
 */
#include "writeback/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "domain/project.h"
#include "ingest/event.h"
#include "workflow/workflow_int.h" /* ordex__refuse */

#define SECOND_US INT64_C(1000000)
/* Failures in a row that open a target's circuit. */
#define CIRCUIT_AFTER 5

#define HOUR_US (INT64_C(3600) * SECOND_US)

static int audit_row(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                     int64_t now, const char *kind, const struct ordex_outbox_row *r,
                     const char *by, const char *what)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "outbox");
	ordex_jw_int(&w, r->id);
	ordex_jw_key(&w, "action");
	ordex_jw_int(&w, r->action_id);
	ordex_jw_key(&w, "kind");
	ordex_jw_str(&w, r->kind);
	ordex_jw_key(&w, "order");
	ordex_jw_str(&w, r->order_ref);
	ordex_jw_key(&w, "target");
	ordex_jw_int(&w, r->target_id);
	ordex_jw_key(&w, "idempotency_key");
	ordex_jw_str(&w, r->idem_key);
	ordex_jw_key(&w, "status");
	ordex_jw_str(&w, r->status);
	ordex_jw_key(&w, "attempts");
	ordex_jw_int(&w, r->attempts);
	if (r->external_ref) {
		ordex_jw_key(&w, "external_ref");
		ordex_jw_str(&w, r->external_ref);
	}
	if (by) {
		ordex_jw_key(&w, "by");
		ordex_jw_str(&w, by);
	}
	if (what) {
		ordex_jw_key(&w, "what");
		ordex_jw_str(&w, what);
	}
	ordex_jw_obj_end(&w);
	int rc = ordex_audit_append(au, st, sc, now, kind, r->idem_key, b.data);
	ordex_buf_free(&b);
	return rc;
}

/* ---- queueing ------------------------------------------------------------------ */

/* What the row asks of its target: the action, its approvers, the order's references. */
static char *request_of(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                        const struct ordex_action_row *r, int *rc)
{
	struct ordex_order_row o;
	bool known = (*rc = st->ops->order_get(st, sc, r->order_ref, a, &o)) == ORDEX_OK;
	if (*rc && *rc != ORDEX_E_NOTFOUND)
		return NULL;
	struct ordex_approval_row *ap;
	size_t n_ap;
	struct ordex_ticket_row *tk = NULL;
	size_t n_tk = 0;
	if ((*rc = st->ops->approvals_of(st, sc, r->id, a, &ap, &n_ap)) ||
	    (*rc = st->ops->tickets_for_order(st, sc, r->order_ref, a, &tk, &n_tk)))
		return NULL;
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "action");
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "id");
	ordex_jw_int(&w, r->id);
	ordex_jw_key(&w, "kind");
	ordex_jw_str(&w, r->kind);
	ordex_jw_key(&w, "payload");
	ordex_jw_raw(&w, r->payload, strlen(r->payload));
	char hex[65];
	ordex_hex32(r->payload_hash, hex);
	ordex_jw_key(&w, "payload_sha256");
	ordex_jw_str(&w, hex);
	ordex_jw_key(&w, "reason");
	ordex_jw_str(&w, r->reason);
	ordex_jw_key(&w, "requested_by");
	ordex_jw_str(&w, r->requested_by);
	ordex_jw_key(&w, "approved_by");
	ordex_jw_arr(&w);
	for (size_t i = 0; i < n_ap; i++)
		if (!strcmp(ap[i].decision, "approve") &&
		    !memcmp(ap[i].payload_hash, r->payload_hash, 32))
			ordex_jw_str(&w, ap[i].approver);
	if (r->decided_by && !strcmp(r->decided_by, "policy"))
		ordex_jw_str(&w, "policy");
	ordex_jw_arr_end(&w);
	ordex_jw_obj_end(&w);
	ordex_jw_key(&w, "case");
	ordex_jw_int(&w, r->case_id);
	ordex_jw_key(&w, "order");
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "ref");
	ordex_jw_str(&w, r->order_ref);
	if (known) {
		ordex_jw_key(&w, "email");
		ordex_jw_str(&w, o.email);
		ordex_jw_key(&w, "customer");
		ordex_jw_str(&w, o.customer);
		ordex_jw_key(&w, "currency");
		ordex_jw_str(&w, o.currency[0] ? o.currency : NULL);
		ordex_jw_key(&w, "total");
		if (o.total_set && o.currency[0]) {
			char t[ORDEX_MONEY_MAX_LEN];
			ordex_money_format(o.total, o.currency, t);
			ordex_jw_str(&w, t);
		} else {
			ordex_jw_null(&w);
		}
		ordex_jw_key(&w, "ship_to");
		if (o.ship_to)
			ordex_jw_raw(&w, o.ship_to, strlen(o.ship_to));
		else
			ordex_jw_null(&w);
	}
	ordex_jw_obj_end(&w);
	ordex_jw_key(&w, "ticket");
	ordex_jw_str(&w, n_tk ? tk[n_tk - 1].ref : NULL);
	ordex_jw_obj_end(&w);
	char *out = ordex_arena_strndup(a, b.data, b.len);
	ordex_buf_free(&b);
	*rc = ORDEX_OK;
	return out;
}

int ordex_outbox_enqueue(struct ordex_store *st, struct ordex_audit *au,
                         const struct ordex_scope *sc, int64_t now, struct ordex_arena *a,
                         struct ordex_action_row *r, struct ordex_case_row *c, bool *queued)
{
	*queued = false;
	struct ordex_target_row *ts;
	size_t n;
	int rc = st->ops->target_list(st, sc, a, &ts, &n);
	if (rc)
		return rc;
	const struct ordex_target_row *t = NULL;
	for (size_t i = 0; i < n && !t; i++)
		if (ordex_target_carries(a, ts[i].actions, r->kind))
			t = &ts[i];
	if (!t) {
		struct ordex_outbox_row none = {.action_id = r->id,
		                                .kind = r->kind,
		                                .order_ref = r->order_ref,
		                                .idem_key = "-",
		                                .status = "no_target"};
		return audit_row(st, au, sc, now, "writeback.no_target", &none, NULL,
		                 ordex_arena_printf(a,
		                                    "no target of %s carries out %s: the action "
		                                    "stays approved, for a person to carry out",
		                                    sc->env, r->kind));
	}
	struct ordex_outbox_row row = {
	    .action_id = r->id,
	    .case_id = c->id,
	    .target_id = t->id,
	    .kind = r->kind,
	    .order_ref = r->order_ref,
	    .idem_key = ordex_arena_printf(a, "ordex:%lld:%s", (long long)r->id, r->kind),
	    .status = "pending",
	    .next_at = now,
	    .first_at = now,
	    .created_at = now,
	    .updated_at = now,
	};
	if (!(row.request = request_of(st, sc, a, r, &rc)))
		return rc;
	rc = st->ops->outbox_add(st, sc, &row);
	if (rc == ORDEX_E_CONFLICT)
		rc = ORDEX_OK; /* queued once already, under the same key */
	else if (rc == ORDEX_OK)
		rc = audit_row(st, au, sc, now, "writeback.queued", &row, NULL, t->name);
	if (rc == ORDEX_OK)
		*queued = true;
	return rc;
}

/* ---- the worker's steps ---------------------------------------------------------- */

static bool in_flight(const char *status)
{
	return !strcmp(status, "pending") || !strcmp(status, "sending") ||
	       !strcmp(status, "unknown");
}

/* Dead writebacks counted on the order, for its detectors. */
static int count_rejection(struct ordex_store *st, struct ordex_audit *au,
                           const struct ordex_scope *sc, int64_t now, struct ordex_arena *a,
                           const struct ordex_tenant_settings *settings,
                           const struct ordex_outbox_row *r, int delta)
{
	struct ordex_order_row o;
	int rc = st->ops->order_get(st, sc, r->order_ref, a, &o);
	if (rc == ORDEX_E_NOTFOUND)
		return ORDEX_OK;
	if (rc)
		return rc;
	o.rejected += delta;
	if (o.rejected < 0)
		o.rejected = 0;
	if ((rc = st->ops->order_put(st, sc, &o)))
		return rc;
	return ordex_detect_now(st, au, sc, now, a, settings, r->order_ref,
	                        ordex_arena_printf(a, "writeback/%s", r->idem_key), now, NULL);
}

static int go_dead(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                   int64_t now, struct ordex_arena *a, const struct ordex_tenant_settings *settings,
                   struct ordex_outbox_row *r, const char *why)
{
	r->status = "dead";
	r->last_error = why;
	r->updated_at = now;
	int rc = st->ops->outbox_update(st, sc, r);
	if (rc == ORDEX_OK)
		rc = audit_row(st, au, sc, now, "writeback.dead", r, NULL, why);
	if (rc == ORDEX_OK)
		rc = ordex_action_outcome(st, au, sc, now, a, r->action_id, "failed", why);
	if (rc == ORDEX_OK)
		rc = count_rejection(st, au, sc, now, a, settings, r, +1);
	return rc;
}

int ordex_outbox_claim(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                       int64_t now, void *ctx)
{
	struct ordex_outbox_claim *k = ctx;
	struct ordex_arena *a = k->a;
	k->claimed = false;
	int rc = st->ops->outbox_get(st, sc, k->id, a, &k->row);
	if (rc == ORDEX_E_NOTFOUND)
		return ORDEX_OK;
	if (rc)
		return rc;
	struct ordex_outbox_row *r = &k->row;
	if (!in_flight(r->status) || r->next_at > now)
		return ORDEX_OK; /* taken, settled or put off meanwhile */
	rc = st->ops->target_get(st, sc, r->target_id, a, &k->target);
	if (rc && rc != ORDEX_E_NOTFOUND)
		return rc;
	if (rc == ORDEX_E_NOTFOUND || k->target.removed_at) {
		return go_dead(st, au, sc, now, a, &k->settings, r,
		               "the target was removed before this was carried out");
	}
	if (k->target.open_until > now) {
		/* the circuit is open: nothing goes to this target until it closes */
		r->next_at = k->target.open_until;
		r->updated_at = now;
		return st->ops->outbox_update(st, sc, r);
	}
	if (k->target.failures >= CIRCUIT_AFTER) {
		/* half open: this row is the probe, the others wait for its answer (its
		 * success wakes them, a failure opens the circuit again) */
		if ((rc = st->ops->target_circuit(
		         st, sc, k->target.id, k->target.failures,
		         now + (k->probe_us > 0 ? k->probe_us : ORDEX_OUTBOX_LEASE_US))))
			return rc;
	}
	k->unknown_before = strcmp(r->status, "pending") != 0 && r->attempts > 0;
	r->status = "sending";
	r->attempts++;
	r->next_at = now + ORDEX_OUTBOX_LEASE_US;
	r->updated_at = now;
	if ((rc = st->ops->outbox_update(st, sc, r)))
		return rc;
	k->claimed = true;
	return ORDEX_OK;
}

/* The wait before attempt n + 1: exponential from base, capped at 6 hours, with jitter. */
static int64_t backoff(int n, int64_t base)
{
	int64_t d = base > 0 ? base : 10 * SECOND_US;
	for (int i = 1; i < n && d < 6 * HOUR_US; i++)
		d *= 2;
	if (d > 6 * HOUR_US)
		d = 6 * HOUR_US;
	/* half of it, and up to as much again at random (drawn in milliseconds: a
	 * 32-bit draw of microseconds would stop at 72 minutes) */
	int64_t half = d / 2;
	uint32_t span_ms = (uint32_t)(half / 1000);
	return half + (span_ms ? (int64_t)randombytes_uniform(span_ms) * 1000 : 0);
}

/* The refund a delivered writeback made, booked on its payment by the target's id. */
static int book_refund(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                       const struct ordex_outbox_row *r, int64_t now)
{
	struct ordex_json *req;
	struct ordex_json_error jerr;
	if (!r->external_ref ||
	    ordex_json_parse(a, r->request, strlen(r->request), NULL, &req, &jerr) != ORDEX_OK)
		return ORDEX_OK;
	const struct ordex_json *pl = ordex_json_get(ordex_json_get(req, "action"), "payload");
	const char *payment = ordex_json_string(ordex_json_get(pl, "payment"));
	const char *amount = ordex_json_string(ordex_json_get(pl, "amount"));
	const char *cur = ordex_json_string(ordex_json_get(pl, "currency"));
	int64_t minor;
	if (!payment || !amount || !cur ||
	    ordex_money_parse(amount, strlen(amount), cur, 0, &minor, NULL, 0) != ORDEX_OK)
		return ORDEX_OK;
	struct ordex_payment_row p;
	int rc = st->ops->payment_get(st, sc, payment, a, &p);
	if (rc == ORDEX_E_NOTFOUND)
		return ORDEX_OK;
	if (rc)
		return rc;
	if (p.currency[0] && strcmp(p.currency, cur) != 0)
		return ORDEX_OK; /* not this payment's money: the action's check makes it
		                    unreachable */
	int64_t added = 0;
	if ((rc = st->ops->refund_record(st, sc, p.id, r->external_ref, minor, cur, now, 0, false,
	                                 &added)))
		return rc;
	if (!added)
		return ORDEX_OK; /* the provider's webhook booked it first */
	p.refunded += added;
	return st->ops->payment_put(st, sc, &p);
}

static int delivered(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                     int64_t now, struct ordex_arena *a,
                     const struct ordex_tenant_settings *settings, struct ordex_outbox_row *r,
                     const char *how)
{
	r->status = "delivered";
	r->delivered_at = now;
	r->updated_at = now;
	int rc = st->ops->outbox_update(st, sc, r);
	if (rc == ORDEX_OK)
		rc = audit_row(st, au, sc, now, "writeback.delivered", r, NULL, how);
	/* a Stripe refund is booked at once under the id Stripe's own webhook will
	 * name (so it counts once, whichever comes first); other systems' refunds
	 * are booked when the payment provider reports them */
	struct ordex_target_row t;
	if (rc == ORDEX_OK && !strcmp(r->kind, "refund") &&
	    (rc = st->ops->target_get(st, sc, r->target_id, a, &t)) == ORDEX_OK &&
	    !strcmp(t.kind, "stripe"))
		rc = book_refund(st, sc, a, r, now);
	/* every row of the action delivered: it is carried out */
	struct ordex_outbox_row *rows;
	size_t n;
	bool all = true;
	if (rc == ORDEX_OK)
		rc = st->ops->outbox_of_action(st, sc, r->action_id, a, &rows, &n);
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++)
		all = all && !strcmp(rows[i].status, "delivered");
	if (rc == ORDEX_OK && all) {
		rc = ordex_action_outcome(st, au, sc, now, a, r->action_id, "executed", how);
		if (rc == ORDEX_OK)
			rc = st->ops->usage_add(st, sc, now / HOUR_US, "actions.executed", 1);
	}
	if (rc == ORDEX_OK)
		rc =
		    ordex_detect_now(st, au, sc, now, a, settings, r->order_ref,
		                     ordex_arena_printf(a, "writeback/%s", r->idem_key), now, NULL);
	return rc;
}

int ordex_outbox_settle(struct ordex_store *st, struct ordex_audit *au,
                        const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct ordex_outbox_settle *k = ctx;
	struct ordex_arena *a = ordex_arena_new(1 << 14);
	struct ordex_outbox_row r;
	int rc = st->ops->outbox_get(st, sc, k->id, a, &r);
	const struct ordex_answer *ans = &k->answer;
	const char *outcome = k->shadowed                       ? "shadowed"
	                      : k->looked_up                    ? "looked_up"
	                      : ans->verdict == ORDEX_DELIVERED ? "delivered"
	                      : ans->verdict == ORDEX_RETRY     ? "retry"
	                      : ans->verdict == ORDEX_UNKNOWN   ? "unknown"
	                                                        : "dead";
	const char *err = k->transport ? k->transport
	                  : ans->code  ? ordex_arena_printf(a, "%s: %s", ans->code,
                                                           ans->message ? ans->message : "")
	                               : ans->message;
	if (rc == ORDEX_OK)
		rc = st->ops->attempt_add(st, sc, k->id, k->attempt, k->started_at, now, outcome,
		                          (int)k->http_status, err);
	/* an attempt whose lease ran out was taken over: it only leaves its record */
	if (rc || strcmp(r.status, "sending") || r.attempts != k->attempt) {
		ordex_arena_free(a);
		return rc == ORDEX_E_NOTFOUND ? ORDEX_OK : rc;
	}
	struct ordex_target_row t;
	if ((rc = st->ops->target_get(st, sc, r.target_id, a, &t))) {
		ordex_arena_free(a);
		return rc;
	}
	r.last_status = (int)k->http_status;
	r.last_error = err;
	if (k->answer_text)
		r.answer = k->answer_text;
	if (ans->external_ref)
		r.external_ref = ans->external_ref;
	r.updated_at = now;
	bool failed =
	    !k->shadowed && (ans->verdict == ORDEX_RETRY || ans->verdict == ORDEX_UNKNOWN);
	if (k->shadowed) {
		r.status = "shadowed";
		r.updated_at = now;
		rc = st->ops->outbox_update(st, sc, &r);
		if (rc == ORDEX_OK)
			rc = audit_row(st, au, sc, now, "writeback.shadowed", &r, NULL,
			               "shadow mode: recorded, not sent");
		if (rc == ORDEX_OK)
			rc = ordex_action_outcome(st, au, sc, now, a, r.action_id, "shadowed",
			                          "the target is in shadow mode: nothing was sent");
	} else if (k->looked_up || ans->verdict == ORDEX_DELIVERED) {
		rc = delivered(st, au, sc, now, a, &k->settings, &r,
		               k->looked_up ? "the target says it is done"
		                            : "the target carried it out");
	} else if (ans->verdict == ORDEX_DEAD) {
		rc = go_dead(st, au, sc, now, a, &k->settings, &r,
		             ordex_arena_printf(a, "%s refused it (%ld%s%s)", t.name,
		                                k->http_status, err ? ": " : "", err ? err : ""));
	} else if (now - r.first_at >= ORDEX_OUTBOX_GIVE_UP_US) {
		r.last_status = 0; /* not a refusal: the target never answered well */
		rc = go_dead(st, au, sc, now, a, &k->settings, &r,
		             ordex_arena_printf(a,
		                                "gave up after 72 hours of failures (the last: %s)",
		                                err ? err : "no answer"));
	} else {
		int64_t wait = backoff(r.attempts, k->retry_base_us);
		if (ans->retry_after_us > wait)
			wait = ans->retry_after_us;
		/* a request that timed out may still be under way at the target */
		if (ans->verdict == ORDEX_UNKNOWN && k->unknown_wait_us > wait)
			wait = k->unknown_wait_us;
		r.status = ans->verdict == ORDEX_UNKNOWN ? "unknown" : "pending";
		r.next_at = now + wait;
		rc = st->ops->outbox_update(st, sc, &r);
	}
	/* the circuit breaker: five failures in a row open it, for 30 s doubling to
	 * 10 min; a success closes it, and what waited for it is due at once */
	int failures = failed ? t.failures + 1 : 0;
	int64_t open_until = t.open_until;
	if (failures >= CIRCUIT_AFTER) {
		int64_t d = 30 * SECOND_US;
		for (int i = CIRCUIT_AFTER; i < failures && d < 600 * SECOND_US; i++)
			d *= 2;
		open_until = now + (d > 600 * SECOND_US ? 600 * SECOND_US : d);
	} else if (!failures && t.open_until) {
		if (rc == ORDEX_OK)
			rc = st->ops->outbox_wake(st, sc, t.id, t.open_until, now);
		open_until = 0;
	}
	if (rc == ORDEX_OK && (failures != t.failures || open_until != t.open_until))
		rc = st->ops->target_circuit(st, sc, t.id, failures, open_until);
	ordex_arena_free(a);
	return rc;
}

int ordex_outbox_decide(struct ordex_store *st, struct ordex_audit *au,
                        const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct ordex_outbox_decide *k = ctx;
	struct ordex_arena *a = k->a;
	struct ordex_outbox_row r;
	int rc = st->ops->outbox_get(st, sc, k->id, a, &r);
	if (rc == ORDEX_E_NOTFOUND)
		return ordex__refuse(&k->res, 404, NULL, "no such writeback");
	if (rc)
		return rc;
	if (strcmp(r.status, "dead") != 0)
		return ordex__refuse(&k->res, 409, NULL,
		                     ordex_arena_printf(a,
		                                        "the writeback is %s: only a dead one is "
		                                        "retried or cancelled by hand",
		                                        r.status));
	if (!strcmp(k->verb, "retry")) {
		/* the same request, under the same key, with 72 hours of retries again */
		r.status = "pending";
		r.next_at = now;
		r.first_at = now;
		r.attempts = 0; /* its backoff starts again too */
		r.last_status = 0;
		r.updated_at = now;
		rc = st->ops->outbox_update(st, sc, &r);
		if (rc == ORDEX_OK)
			rc = ordex_action_outcome(st, au, sc, now, a, r.action_id, "executing",
			                          ordex_arena_printf(a, "retried by %s", k->actor));
	} else if (!strcmp(k->verb, "cancel")) {
		r.status = "cancelled";
		r.updated_at = now;
		rc = st->ops->outbox_update(st, sc, &r);
		if (rc == ORDEX_OK)
			rc = ordex_action_outcome(
			    st, au, sc, now, a, r.action_id, "cancelled",
			    ordex_arena_printf(a, "writeback cancelled by %s%s%s", k->actor,
			                       k->reason ? ": " : "", k->reason ? k->reason : ""));
	} else {
		return ordex__refuse(&k->res, 400, "verb", "is retry or cancel");
	}
	if (rc == ORDEX_OK)
		rc = audit_row(st, au, sc, now,
		               !strcmp(k->verb, "retry") ? "writeback.retried"
		                                         : "writeback.cancelled",
		               &r, k->actor, k->reason);
	if (rc == ORDEX_OK)
		rc = count_rejection(st, au, sc, now, a, &k->settings, &r, -1);
	k->status = r.status;
	return rc;
}

int ordex_outbox_recover(struct ordex_store *st, struct ordex_audit *au,
                         const struct ordex_scope *sc, int64_t now, void *ctx)
{
	(void)au;
	(void)sc;
	struct ordex_outbox_recovery *k = ctx;
	/* not before a request the crash cut off has had its whole time at the
	 * target: a slow target may still be carrying it out, and asked too soon
	 * it would say "not done" to a refund it is about to make */
	return st->ops->outbox_recover(st, now + k->wait_us, &k->n);
}

/* ---- echoes ------------------------------------------------------------------ */

int ordex_outbox_echo(struct ordex_apply *ap, const char *key, const char *refund_ref,
                      const char *refund_status, int64_t amount, const char *currency,
                      const char *payment_ref, const char *order_ref, int64_t seq,
                      const char *event)
{
	struct ordex_store *st = ap->st;
	struct ordex_outbox_row r;
	int rc = ORDEX_E_NOTFOUND;
	if (key)
		rc = st->ops->outbox_by_key(st, ap->sc, key, ap->a, &r);
	if (rc == ORDEX_E_NOTFOUND && refund_ref)
		rc = st->ops->outbox_by_ref(st, ap->sc, refund_ref, ap->a, &r);
	if (rc == ORDEX_E_NOTFOUND)
		return ORDEX_OK; /* a refund made elsewhere: an ordinary refund */
	if (rc)
		return rc;
	if (strcmp(r.kind, "refund") != 0)
		return ORDEX_OK;
	/* what ordex sent against what the provider reports */
	struct ordex_json *req;
	struct ordex_json_error jerr;
	int64_t sent = -1;
	const char *sent_cur = NULL, *sent_payment = NULL;
	if (ordex_json_parse(ap->a, r.request, strlen(r.request), NULL, &req, &jerr) == ORDEX_OK) {
		const struct ordex_json *pl =
		    ordex_json_get(ordex_json_get(req, "action"), "payload");
		const char *am = ordex_json_string(ordex_json_get(pl, "amount"));
		sent_cur = ordex_json_string(ordex_json_get(pl, "currency"));
		sent_payment = ordex_json_string(ordex_json_get(pl, "payment"));
		if (am && sent_cur &&
		    ordex_money_parse(am, strlen(am), sent_cur, 0, &sent, NULL, 0) != ORDEX_OK)
			sent = -1;
	}
	/* ordex's key on another payment's refund: not this writeback's echo */
	if (sent_payment && payment_ref && strcmp(sent_payment, payment_ref) != 0) {
		if (order_ref &&
		    (rc = st->ops->issue_put(
		         st, ap->sc, order_ref,
		         ordex_arena_printf(ap->a, "reconcile:%lld:payment", (long long)r.id),
		         ordex_arena_printf(ap->a,
		                            "the payment provider reports refund %s of payment %s "
		                            "under ordex's key %s, which refunds payment %s.",
		                            refund_ref ? refund_ref : "?", payment_ref, r.idem_key,
		                            sent_payment),
		         seq)))
			return rc;
		return audit_row(st, ap->au, ap->sc, ap->now, "writeback.echo", &r, NULL, event);
	}
	bool differs = sent >= 0 && (sent != amount || !currency || !sent_cur ||
	                             strcmp(currency, sent_cur) != 0);
	if (differs && order_ref) {
		char s[ORDEX_MONEY_MAX_LEN], g[ORDEX_MONEY_MAX_LEN];
		ordex_money_format(sent, sent_cur, s);
		ordex_money_format(amount, currency ? currency : sent_cur, g);
		const char *why =
		    ordex_arena_printf(ap->a,
		                       "ordex sent a refund of %s %s (%s); the payment provider "
		                       "reports refund %s of %s "
		                       "%s.",
		                       s, sent_cur, r.idem_key, refund_ref ? refund_ref : "?", g,
		                       currency ? currency : "?");
		if ((rc = st->ops->issue_put(
		         st, ap->sc, order_ref,
		         ordex_arena_printf(ap->a, "reconcile:%lld", (long long)r.id), why, seq)))
			return rc;
	}
	/* the provider says ordex's refund failed or was cancelled: it is not done.
	 * A row still in flight stays so (its own answer settles it); one already
	 * delivered now disagrees with the provider, for a person to look at */
	bool undone = refund_status &&
	              (!strcmp(refund_status, "failed") || !strcmp(refund_status, "canceled"));
	if (undone) {
		if (!strcmp(r.status, "delivered") && order_ref &&
		    (rc = st->ops->issue_put(
		         st, ap->sc, order_ref,
		         ordex_arena_printf(ap->a, "reconcile:%lld:%s", (long long)r.id,
		                            refund_status),
		         ordex_arena_printf(ap->a,
		                            "the target carried out ordex's refund (%s), and the "
		                            "payment provider now reports refund %s %s: the "
		                            "customer has not been refunded.",
		                            r.idem_key, refund_ref ? refund_ref : "?",
		                            refund_status),
		         seq)))
			return rc;
		return audit_row(st, ap->au, ap->sc, ap->now, "writeback.echo", &r, NULL, event);
	}
	/* a report that differs from what was sent settles nothing: the conflict is
	 * for a person, and the row's own answer still counts */
	bool settle = !differs && (in_flight(r.status) || !strcmp(r.status, "dead"));
	if (settle) {
		if (!r.external_ref && refund_ref)
			r.external_ref = refund_ref;
		r.answer = ordex_arena_printf(ap->a, "matched by the provider's report %s", event);
		struct ordex_tenant_settings settings = *ap->settings;
		bool was_dead = !strcmp(r.status, "dead");
		if ((rc = delivered(st, ap->au, ap->sc, ap->now, ap->a, &settings, &r,
		                    ordex_arena_printf(ap->a, "echoed by %s", event))))
			return rc;
		if (was_dead &&
		    (rc = count_rejection(st, ap->au, ap->sc, ap->now, ap->a, &settings, &r, -1)))
			return rc;
	}
	return audit_row(st, ap->au, ap->sc, ap->now, "writeback.echo", &r, NULL, event);
}
