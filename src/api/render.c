/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.c - JSON shapes of exceptions and orders. Times are RFC 3339 in
 * the offset they were given in (the order's zone for derived ones); money
 * is a decimal string in major units beside its currency.
 */
#include "api/render.h"

#include "advisor/advisor.h"

#include <string.h>

#include "authz/authz.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "ingest/event.h"
#include "store/store.h"
#include "workflow/workflow.h"

static void k_str(struct ordex_jw *w, const char *k, const char *v)
{
	ordex_jw_key(w, k);
	ordex_jw_str(w, v);
}

static void k_int(struct ordex_jw *w, const char *k, int64_t v)
{
	ordex_jw_key(w, k);
	ordex_jw_int(w, v);
}

static void k_time(struct ordex_jw *w, const char *k, int64_t us, int off)
{
	ordex_jw_key(w, k);
	if (!us) {
		ordex_jw_null(w);
		return;
	}
	char t[ORDEX_TIME_MAX_LEN];
	ordex_time_format(us, off, t);
	ordex_jw_str(w, t);
}

static void k_money(struct ordex_jw *w, const char *k, int64_t minor, const char *currency)
{
	char m[ORDEX_MONEY_MAX_LEN];
	ordex_jw_key(w, k);
	if (!currency || !currency[0]) {
		ordex_jw_null(w);
		return;
	}
	ordex_money_format(minor, currency, m);
	ordex_jw_str(w, m);
}

void ordex_render_exception(struct ordex_jw *w, const struct ordex_exception_row *e)
{
	ordex_jw_obj(w);
	k_int(w, "id", e->id);
	k_str(w, "order", e->order_ref);
	k_str(w, "kind", e->kind);
	k_str(w, "subject", e->subject);
	k_str(w, "status", e->status);
	k_str(w, "severity", e->severity);
	k_int(w, "priority", e->priority);
	k_str(w, "why", e->why);
	ordex_jw_key(w, "evidence");
	ordex_jw_raw(w, e->evidence, strlen(e->evidence));
	k_int(w, "seen", e->seen);
	k_time(w, "opened_at", e->opened_at, 0);
	k_time(w, "updated_at", e->updated_at, 0);
	k_time(w, "resolved_at", e->resolved_at, 0);
	k_str(w, "resolution", e->resolution);
	ordex_jw_obj_end(w);
}

static int timeline_row(void *ctx, const struct ordex_event_info *e)
{
	struct ordex_jw *w = ctx;
	ordex_jw_obj(w);
	k_int(w, "seq", e->seq);
	k_str(w, "type", e->type);
	k_str(w, "source", e->source);
	k_str(w, "id", e->id);
	k_time(w, "occurred_at", e->occurred_at, e->occurred_offset);
	k_time(w, "received_at", e->received_at, 0);
	static const char d[] = "0123456789abcdef";
	char sha[65];
	for (int i = 0; i < 32; i++) {
		sha[2 * i] = d[e->sha256[i] >> 4];
		sha[2 * i + 1] = d[e->sha256[i] & 15];
	}
	sha[64] = '\0';
	k_str(w, "sha256", sha);
	ordex_jw_key(w, "event");
	ordex_jw_raw(w, e->raw, e->raw_len);
	ordex_jw_obj_end(w);
	return ORDEX_OK;
}

static int render_order(struct ordex_jw *w, struct ordex_store *st, const struct ordex_scope *sc,
                        const char *ref, struct ordex_arena *a)
{
	struct ordex_order_row o;
	int rc = st->ops->order_get(st, sc, ref, a, &o);
	if (rc)
		return rc;
	struct ordex_line_row *lines;
	struct ordex_payment_row *pays;
	struct ordex_shipment_row *ships;
	struct ordex_exception_row *exs;
	size_t nl, np, ns, ne;
	if ((rc = st->ops->lines_get(st, sc, o.id, a, &lines, &nl)) ||
	    (rc = st->ops->payments_for_order(st, sc, ref, a, &pays, &np)) ||
	    (rc = st->ops->shipments_for_order(st, sc, ref, a, &ships, &ns)) ||
	    (rc = st->ops->exceptions_for_order(st, sc, ref, a, &exs, &ne)))
		return rc;

	ordex_jw_obj(w);
	k_str(w, "order", o.ref);
	ordex_jw_key(w, "known");
	ordex_jw_bool(w, o.known);
	k_str(w, "status", o.status);
	k_str(w, "financial_status", o.financial_status);
	if (o.brand || o.region || o.segment) {
		ordex_jw_key(w, "customers");
		ordex_jw_obj(w);
		if (o.brand)
			k_str(w, "brand", o.brand);
		if (o.region)
			k_str(w, "region", o.region);
		if (o.segment)
			k_str(w, "segment", o.segment);
		ordex_jw_obj_end(w);
	}
	ordex_jw_key(w, "cancelled");
	ordex_jw_bool(w, o.cancelled_at != 0);
	k_time(w, "cancelled_at", o.cancelled_at, o.tz_offset);
	k_str(w, "currency", o.currency[0] ? o.currency : NULL);
	if (o.total_set)
		k_money(w, "total", o.total, o.currency);
	else
		k_str(w, "total", NULL);
	k_str(w, "customer", o.customer);
	k_str(w, "email", o.email);
	k_time(w, "placed_at", o.placed_at, o.tz_offset);
	k_time(w, "promised_by", o.promised_at, o.promised_offset);
	if (o.version >= 0)
		k_int(w, "version", o.version);
	ordex_jw_key(w, "shipping_address");
	if (o.ship_to)
		ordex_jw_raw(w, o.ship_to, strlen(o.ship_to));
	else
		ordex_jw_null(w);
	if (o.customer) {
		struct ordex_customer_row c;
		if (st->ops->customer_get(st, sc, o.customer, a, &c) == ORDEX_OK) {
			ordex_jw_key(w, "customer_profile");
			ordex_jw_obj(w);
			k_str(w, "customer", c.ref);
			k_str(w, "email", c.email);
			k_str(w, "name", c.name);
			ordex_jw_obj_end(w);
		}
	}
	ordex_jw_key(w, "address");
	ordex_jw_obj(w);
	k_str(w, "state",
	      o.address_state > 0   ? "valid"
	      : o.address_state < 0 ? "invalid"
	                            : "unknown");
	if (o.address_why)
		k_str(w, "why", o.address_why);
	ordex_jw_obj_end(w);
	ordex_jw_key(w, "fraud");
	ordex_jw_obj(w);
	k_str(w, "state",
	      o.fraud_state == ORDEX_FRAUD_STATE_REVIEW    ? "review"
	      : o.fraud_state == ORDEX_FRAUD_STATE_CLEARED ? "cleared"
	                                                   : "none");
	if (o.fraud_score)
		k_int(w, "score", o.fraud_score);
	ordex_jw_obj_end(w);

	ordex_jw_key(w, "lines");
	ordex_jw_arr(w);
	for (size_t i = 0; i < nl; i++) {
		ordex_jw_obj(w);
		k_int(w, "line", lines[i].line_no);
		if (lines[i].ref)
			k_str(w, "id", lines[i].ref);
		k_str(w, "sku", lines[i].sku);
		k_int(w, "qty", lines[i].qty);
		if (lines[i].price >= 0)
			k_money(w, "price", lines[i].price, o.currency);
		k_int(w, "allocated", lines[i].allocated);
		ordex_jw_key(w, "open");
		ordex_jw_bool(w, lines[i].open);
		ordex_jw_obj_end(w);
	}
	ordex_jw_arr_end(w);

	ordex_jw_key(w, "payments");
	ordex_jw_arr(w);
	for (size_t i = 0; i < np; i++) {
		const struct ordex_payment_row *p = &pays[i];
		ordex_jw_obj(w);
		k_str(w, "payment", p->ref);
		k_str(w, "status", p->status);
		k_str(w, "currency", p->currency[0] ? p->currency : NULL);
		k_money(w, "amount", p->amount, p->currency);
		k_money(w, "captured", p->captured, p->currency);
		k_money(w, "refunded", p->refunded, p->currency);
		if (p->reason)
			k_str(w, "reason", p->reason);
		ordex_jw_obj_end(w);
	}
	ordex_jw_arr_end(w);

	ordex_jw_key(w, "shipments");
	ordex_jw_arr(w);
	for (size_t i = 0; i < ns; i++) {
		const struct ordex_shipment_row *s = &ships[i];
		ordex_jw_obj(w);
		k_str(w, "shipment", s->ref);
		k_str(w, "status", ordex_ship_status_name(s->status));
		k_str(w, "carrier", s->carrier);
		k_str(w, "tracking", s->tracking);
		k_time(w, "status_at", s->status_at, 0);
		k_time(w, "eta", s->eta, 0);
		k_time(w, "delivered_at", s->delivered_at, o.tz_offset);
		if (s->location)
			k_str(w, "location", s->location);
		ordex_jw_obj_end(w);
	}
	ordex_jw_arr_end(w);

	ordex_jw_key(w, "exceptions");
	ordex_jw_arr(w);
	for (size_t i = 0; i < ne; i++)
		ordex_render_exception(w, &exs[i]);
	ordex_jw_arr_end(w);

	ordex_jw_key(w, "timeline");
	ordex_jw_arr(w);
	rc = st->ops->events_for_order(st, sc, ref, timeline_row, w);
	ordex_jw_arr_end(w);
	ordex_jw_obj_end(w);
	return rc;
}

int ordex_render_order(struct ordex_jw *w, struct ordex_store *st, const struct ordex_scope *sc,
                       const char *ref, struct ordex_arena *a)
{
	/* one snapshot: the order, its parts and its timeline agree */
	int rc = st->ops->begin(st);
	if (rc)
		return rc;
	rc = render_order(w, st, sc, ref, a);
	st->ops->commit(st);
	return rc;
}

void ordex_render_scopes(struct ordex_jw *w, unsigned scopes)
{
	ordex_jw_arr(w);
	for (unsigned bit = 1; bit & ORDEX_SCOPE_ALL; bit <<= 1)
		if (scopes & bit)
			ordex_jw_str(w, ordex_scope_name(bit));
	ordex_jw_arr_end(w);
}

void ordex_render_time(struct ordex_jw *w, const char *key, int64_t us)
{
	ordex_jw_key(w, key);
	if (!us) {
		ordex_jw_null(w);
		return;
	}
	char t[ORDEX_TIME_MAX_LEN];
	ordex_time_format(us, 0, t);
	ordex_jw_str(w, t);
}

void ordex_render_customers(struct ordex_jw *w, const char *brand, const char *region,
                            const char *segment)
{
	ordex_jw_key(w, "customers");
	if (!brand && !region && !segment) {
		ordex_jw_null(w);
		return;
	}
	ordex_jw_obj(w);
	const char *v[3] = {brand, region, segment};
	static const char *const k[3] = {"brand", "region", "segment"};
	for (int i = 0; i < 3; i++)
		if (v[i]) {
			ordex_jw_key(w, k[i]);
			ordex_jw_str(w, v[i]);
		}
	ordex_jw_obj_end(w);
}

/* A stored JSON text as it is, or null when there is none. */
static void k_raw(struct ordex_jw *w, const char *k, const char *json)
{
	ordex_jw_key(w, k);
	if (json && json[0])
		ordex_jw_raw(w, json, strlen(json));
	else
		ordex_jw_null(w);
}

void ordex_render_case(struct ordex_jw *w, const struct ordex_case_row *c)
{
	ordex_jw_obj(w);
	k_int(w, "id", c->id);
	k_str(w, "order", c->order_ref);
	k_str(w, "status", c->status);
	k_str(w, "queue", c->queue);
	k_str(w, "assignee", c->assignee);
	k_int(w, "priority", c->priority);
	k_raw(w, "kinds", c->kinds ? c->kinds : "[]");
	k_time(w, "opened_at", c->opened_at, 0);
	k_time(w, "updated_at", c->updated_at, 0);
	k_time(w, "resolved_at", c->resolved_at, 0);
	k_str(w, "resolution", c->resolution);
	k_time(w, "sla_due_at", c->sla_due_at, 0);
	k_time(w, "breached_at", c->breached_at, 0);
	k_int(w, "reopened", c->reopened);
	k_int(w, "policy_version", c->policy_version);
	ordex_render_customers(w, c->brand, c->region, c->segment);
	ordex_jw_obj_end(w);
}

void ordex_render_action(struct ordex_jw *w, const struct ordex_action_row *r,
                         const struct ordex_approval_row *ap, size_t n_ap)
{
	char hex[65];
	ordex_jw_obj(w);
	k_int(w, "id", r->id);
	k_int(w, "case", r->case_id);
	k_str(w, "order", r->order_ref);
	k_str(w, "kind", r->kind);
	k_str(w, "status", r->status);
	k_raw(w, "payload", r->payload);
	ordex_hex32(r->payload_hash, hex);
	k_str(w, "payload_sha256", hex);
	k_str(w, "requested_by", r->requested_by);
	k_time(w, "requested_at", r->requested_at, 0);
	k_str(w, "reason", r->reason);
	k_raw(w, "route", r->route);
	k_int(w, "policy_version", r->policy_version);
	k_time(w, "decided_at", r->decided_at, 0);
	k_str(w, "decided_by", r->decided_by);
	k_time(w, "updated_at", r->updated_at, 0);
	if (ap) {
		ordex_jw_key(w, "approvals");
		ordex_jw_arr(w);
		for (size_t i = 0; i < n_ap; i++) {
			ordex_jw_obj(w);
			k_str(w, "by", ap[i].approver);
			k_str(w, "role", ap[i].role);
			k_str(w, "decision", ap[i].decision);
			ordex_hex32(ap[i].payload_hash, hex);

			k_str(w, "payload_sha256", hex);
			ordex_jw_key(w, "current");
			ordex_jw_bool(w, !memcmp(ap[i].payload_hash, r->payload_hash, 32));
			k_str(w, "reason", ap[i].reason);
			k_time(w, "at", ap[i].at, 0);
			k_time(w, "expires_at", ap[i].expires_at, 0);
			ordex_jw_obj_end(w);
		}
		ordex_jw_arr_end(w);
	}
	ordex_jw_obj_end(w);
}

static int render_actions(struct ordex_jw *w, struct ordex_store *st, const struct ordex_scope *sc,
                          struct ordex_arena *a, int64_t case_id)
{
	struct ordex_action_row *acts;
	size_t n;
	int rc = st->ops->actions_of_case(st, sc, case_id, a, &acts, &n);
	if (rc)
		return rc;
	ordex_jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		struct ordex_approval_row *ap;
		size_t m;
		if ((rc = st->ops->approvals_of(st, sc, acts[i].id, a, &ap, &m)))
			return rc;
		ordex_render_action(w, &acts[i], ap, m);
	}
	ordex_jw_arr_end(w);
	return ORDEX_OK;
}

int ordex_render_case_view(struct ordex_jw *w, struct ordex_store *st, const struct ordex_scope *sc,
                           struct ordex_arena *a, const struct ordex_case_row *c)
{
	struct ordex_exception_row *ex;
	size_t n_ex;
	struct ordex_case_event_row *ev;
	size_t n_ev;
	int rc;
	if ((rc = st->ops->exceptions_of_case(st, sc, c->id, a, &ex, &n_ex)) ||
	    (rc = st->ops->case_events(st, sc, c->id, a, &ev, &n_ev)))
		return rc;
	ordex_jw_obj(w);
	ordex_jw_key(w, "case");
	ordex_render_case(w, c);
	ordex_jw_key(w, "exceptions");
	ordex_jw_arr(w);
	for (size_t i = 0; i < n_ex; i++)
		ordex_render_exception(w, &ex[i]);
	ordex_jw_arr_end(w);
	ordex_jw_key(w, "actions");
	if ((rc = render_actions(w, st, sc, a, c->id)))
		return rc;
	ordex_jw_key(w, "advice");
	if ((rc = ordex_advisor_render(w, st, sc, a, c)))
		return rc;
	ordex_jw_key(w, "history");
	ordex_jw_arr(w);
	for (size_t i = 0; i < n_ev; i++) {
		ordex_jw_obj(w);
		ordex_jw_key(w, "id");
		ordex_jw_int(w, ev[i].id);
		ordex_render_time(w, "at", ev[i].at);
		ordex_jw_key(w, "kind");
		ordex_jw_str(w, ev[i].kind);
		ordex_jw_key(w, "actor");
		ordex_jw_str(w, ev[i].actor);
		ordex_jw_key(w, "body");
		ordex_jw_raw(w, ev[i].body, strlen(ev[i].body));
		ordex_jw_obj_end(w);
	}
	ordex_jw_arr_end(w);
	ordex_jw_obj_end(w);
	return ORDEX_OK;
}
