/* SPDX-License-Identifier: Apache-2.0 */
/*
 * project.c - projections: how each canonical event changes the state of
 * orders, lines, payments, shipments, inventory and customers.
 *
 * The rules of docs/events.md hold here:
 * - State never moves backwards. Order snapshots apply by (version, time);
 *   payment and shipment statuses by a rank (a captured payment stays
 *   captured, a delivered parcel stays delivered) and, within one rank, by
 *   the time the fact occurred. A late fact stays in the event log (the
 *   timeline) without changing state, and the audit log says so.
 * - An event about an order not seen yet creates the order as a placeholder
 *   (known = 0) that the order's own events fill in later.
 * - Stock is allocated to open order lines in log order, so the outcome of
 *   a race between two orders does not depend on which request won.
 * Every change appends an audit entry; then the detectors run on each
 * order the event touched.
 */
#include "domain/project.h"
#include "writeback/outbox.h"
#include "domain/project_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "ingest/event.h"
#include "store/store.h"

int ordex__audit(struct ordex_apply *ap, const char *kind, const char *subject, const char *body)
{
	return ordex_audit_append(ap->au, ap->st, ap->sc, ap->now, kind, subject, body);
}

char *ordex_email_normalize(struct ordex_arena *a, const char *email)
{
	while (*email && isspace((unsigned char)*email))
		email++;
	size_t n = strlen(email);
	while (n && isspace((unsigned char)email[n - 1]))
		n--;
	char *out = ordex_arena_strndup(a, email, n);
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return out;
}

/* Appends to an arena array that doubles as it fills. */
static void push(struct ordex_arena *a, const char ***arr, int *n, int *cap, const char *v)
{
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 8;
		const char **g = ordex_arena_alloc(a, sizeof(*g) * (size_t)ncap);
		if (*n)
			memcpy(g, *arr, sizeof(*g) * (size_t)*n);
		*arr = g;
		*cap = ncap;
	}
	(*arr)[(*n)++] = v;
}

static void touch(struct ordex_apply *ap, const char *order_ref)
{
	if (!order_ref)
		return;
	for (int i = 0; i < ap->n_touched; i++)
		if (strcmp(ap->touched[i], order_ref) == 0)
			return;
	push(ap->a, &ap->touched, &ap->n_touched, &ap->cap_touched,
	     ordex_arena_strdup(ap->a, order_ref));
}

static int reject(struct ordex_apply *ap, const char *field, const char *reason)
{
	ap->field = field;
	ap->reason = reason;
	return ORDEX_E_INVAL;
}

/* An audit body: {"seq":N, ...} built by the caller between begin and end. */
struct body {
	struct ordex_buf b;
	struct ordex_jw w;
};

static void body_begin(struct body *bd, int64_t seq)
{
	ordex_buf_init(&bd->b, 0);
	ordex_jw_init(&bd->w, &bd->b);
	ordex_jw_obj(&bd->w);
	ordex_jw_key(&bd->w, "seq");
	ordex_jw_int(&bd->w, seq);
}

static int body_end(struct ordex_apply *ap, struct body *bd, const char *kind, const char *subject)
{
	ordex_jw_obj_end(&bd->w);
	int rc = ordex__audit(ap, kind, subject, bd->b.data);
	ordex_buf_free(&bd->b);
	return rc;
}

static void kv_str(struct body *bd, const char *k, const char *v)
{
	ordex_jw_key(&bd->w, k);
	ordex_jw_str(&bd->w, v);
}

static void kv_int(struct body *bd, const char *k, int64_t v)
{
	ordex_jw_key(&bd->w, k);
	ordex_jw_int(&bd->w, v);
}

static void kv_time(struct body *bd, const char *k, int64_t us, int off)
{
	char t[ORDEX_TIME_MAX_LEN];
	ordex_time_format(us, off, t);
	kv_str(bd, k, t);
}

/* ---- stock allocation -------------------------------------------------- */

/*
 * Re-allocates the stock of sku over its open demand in log order and
 * touches every order whose allocation changed.
 */
static int reallocate(struct ordex_apply *ap, const char *sku)
{
	struct ordex_stock k;
	int rc = ap->st->ops->stock(ap->st, ap->sc, sku, &k);
	if (rc)
		return rc;
	struct ordex_line_row *lines;
	size_t n;
	if ((rc = ap->st->ops->demand_for_sku(ap->st, ap->sc, sku, ap->a, &lines, &n)))
		return rc;
	int64_t left = k.level > 0 ? k.level : 0;
	for (size_t i = 0; i < n; i++) {
		struct ordex_line_row *l = &lines[i];
		int64_t want = l->qty;
		if (k.known)
			want = l->qty < left ? l->qty : left;
		if (k.known)
			left -= want;
		if (want == l->allocated)
			continue;
		if ((rc = ap->st->ops->line_set_allocated(ap->st, ap->sc, l->order_id, l->line_no,
		                                          want)))
			return rc;
		touch(ap, l->order_ref);
		if (l->order_ref)
			push(ap->a, &ap->realloc, &ap->n_realloc, &ap->cap_realloc, l->order_ref);
	}
	return ORDEX_OK;
}

/*
 * Stock was freed (lines stopped being demand): the short lines take it in
 * queue order. The queue was allocated greedily (full lines, then one
 * partial, then none), so topping up its short lines gives what a full
 * reallocation would, without reading the lines that are whole.
 */
static int top_up(struct ordex_apply *ap, const char *sku)
{
	struct ordex_stock k;
	int rc = ap->st->ops->stock(ap->st, ap->sc, sku, &k);
	if (rc || !k.known)
		return rc; /* no level: every line holds what it asks */
	int64_t left = k.level - k.allocated;
	if (left <= 0)
		return ORDEX_OK;
	struct ordex_line_row *lines;
	size_t n;
	/* each short line takes at least one unit: no more than left of them */
	if ((rc = ap->st->ops->demand_short_lines(ap->st, ap->sc, sku, left, ap->a, &lines, &n)))
		return rc;
	for (size_t i = 0; rc == ORDEX_OK && i < n && left > 0; i++) {
		struct ordex_line_row *l = &lines[i];
		int64_t give = l->qty - l->allocated < left ? l->qty - l->allocated : left;
		left -= give;
		rc = ap->st->ops->line_set_allocated(ap->st, ap->sc, l->order_id, l->line_no,
		                                     l->allocated + give);
		touch(ap, l->order_ref);
		if (l->order_ref)
			push(ap->a, &ap->realloc, &ap->n_realloc, &ap->cap_realloc, l->order_ref);
	}
	return rc;
}

/*
 * The order's lines stopped being demand (cancelled, shipped): the stock
 * they held goes back. Only a SKU with a short line somewhere changes:
 * its short lines are topped up.
 */
static int release_order(struct ordex_apply *ap, int64_t order_id)
{
	struct ordex_line_row *lines;
	size_t n;
	int rc = ap->st->ops->lines_get(ap->st, ap->sc, order_id, ap->a, &lines, &n);
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++) {
		bool again = false;
		for (size_t j = 0; j < i; j++)
			again |= strcmp(lines[j].sku, lines[i].sku) == 0;
		if (again)
			continue;
		struct ordex_stock k;
		rc = ap->st->ops->stock(ap->st, ap->sc, lines[i].sku, &k);
		if (rc == ORDEX_OK && k.short_lines > 0)
			rc = top_up(ap, lines[i].sku);
	}
	return rc;
}

/* ---- orders ------------------------------------------------------------ */

static int order_load(struct ordex_apply *ap, const char *ref, int64_t seq,
                      struct ordex_order_row *o)
{
	int rc = ap->st->ops->order_get(ap->st, ap->sc, ref, ap->a, o);
	if (rc != ORDEX_E_NOTFOUND)
		return rc;
	memset(o, 0, sizeof(*o));
	o->ref = ref;
	o->version = -1;
	o->first_seq = seq;
	return ORDEX_OK;
}

/* Is the snapshot in ev newer than the one the order holds? */
static bool snapshot_newer(const struct ordex_order_row *o, const struct ordex_event *ev,
                           int64_t at)
{
	if (!o->known)
		return true;
	if (ev->version >= 0 && o->version >= 0 && ev->version != o->version)
		return ev->version > o->version;
	return at >= o->version_at;
}

/* Has a parcel of the order left (in transit or further)? Its stock is gone. */
static int order_shipped(struct ordex_apply *ap, const char *ref, bool *shipped)
{
	struct ordex_shipment_row *ships;
	size_t n;
	int rc = ap->st->ops->shipments_for_order(ap->st, ap->sc, ref, ap->a, &ships, &n);
	*shipped = false;
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++)
		*shipped |= ships[i].status >= ORDEX_SHIP_IN_TRANSIT;
	return rc;
}

/*
 * Writes the order's lines. New lines join the end of the allocation queue
 * (their seq is the newest), so they take what the queue has left, found
 * with one sum; lines that replace earlier ones make every SKU involved
 * reallocate in full.
 */
static int order_lines_set(struct ordex_apply *ap, struct ordex_order_row *o,
                           const struct ordex_event *ev, int64_t seq)
{
	struct ordex_line_row *old;
	size_t n_old;
	bool shipped;
	int rc = ap->st->ops->lines_get(ap->st, ap->sc, o->id, ap->a, &old, &n_old);
	if (rc == ORDEX_OK)
		rc = order_shipped(ap, o->ref, &shipped);
	if (rc)
		return rc;
	struct ordex_line_row *rows = ordex_arena_zalloc(ap->a, sizeof(*rows) * (ev->n_lines + 1));
	bool open = !o->cancelled_at && !shipped;
	for (size_t i = 0; i < ev->n_lines; i++) {
		struct ordex_line_row *l = &rows[i];
		l->order_id = o->id;
		l->order_ref = o->ref;
		l->line_no = (int)i + 1;
		l->ref = ev->lines[i].ref;
		l->sku = ev->lines[i].sku;
		l->qty = ev->lines[i].qty;
		l->price = ev->lines[i].price.set ? ev->lines[i].price.minor : -1;
		/* a line keeps its place in the allocation queue */
		l->seq = i < n_old ? old[i].seq : seq;
		l->open = open;
		l->allocated = 0;
		if (!open || n_old)
			continue;
		struct ordex_stock k;
		if ((rc = ap->st->ops->stock(ap->st, ap->sc, l->sku, &k)))
			return rc;
		int64_t held = k.allocated;
		for (size_t j = 0; j < i; j++) /* earlier lines of this order, not yet stored */
			if (!strcmp(rows[j].sku, l->sku))
				held += rows[j].allocated;
		int64_t left = k.level - held > 0 ? k.level - held : 0;
		l->allocated = !k.known ? l->qty : l->qty < left ? l->qty : left;
	}
	if ((rc = ap->st->ops->lines_replace(ap->st, ap->sc, o->id, rows, ev->n_lines)))
		return rc;
	if (!n_old)
		return ORDEX_OK;
	for (size_t i = 0; rc == ORDEX_OK && i < n_old; i++)
		rc = reallocate(ap, old[i].sku);
	for (size_t i = 0; rc == ORDEX_OK && i < ev->n_lines; i++)
		rc = reallocate(ap, rows[i].sku);
	return rc;
}

static int link_customer(struct ordex_apply *ap, struct ordex_order_row *o)
{
	if (o->customer || !o->email)
		return ORDEX_OK;
	return ordex__customer_for_email(ap, o->email, &o->customer);
}

/*
 * A date-only time was turned into the end of that day in the offset the
 * event was written in; the same calendar day's end in another offset.
 */
static int64_t end_of_day_in(const struct ordex_when *w, int offset_min)
{
	char t[ORDEX_TIME_MAX_LEN];
	int y, m, d;
	ordex_time_format(w->us, w->offset_min, t);
	if (ordex_date_parse(t, 10, &y, &m, &d) != ORDEX_OK)
		return w->us;
	return ordex_date_end_of_day(y, m, d, offset_min);
}

static int apply_order(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	struct ordex_order_row o;
	int rc = order_load(ap, ev->order, seq, &o);
	if (rc)
		return rc;
	int64_t at = ev->updated_at.set ? ev->updated_at.us : ev->occurred.us;
	bool was_known = o.known;
	bool newer = snapshot_newer(&o, ev, at);
	bool set_lines = false;
	struct body bd;

	if (ev->currency[0] && o.currency[0] && strcmp(o.currency, ev->currency) != 0 && was_known)
		return reject(ap, "data.currency",
		              ordex_arena_printf(ap->a,
		                                 "differs from the order's currency \"%s\"; "
		                                 "convert explicitly before sending",
		                                 o.currency));
	if (ev->type == ORDEX_EV_ORDER_CREATED) /* the creation says when it was placed */
		o.placed_at = ev->occurred.us;
	if (!o.placed_at)
		o.placed_at = ev->occurred.us;
	if (!was_known || ev->tz_set)
		o.tz_offset = ev->tz_set ? ev->tz_offset_min : ev->occurred.offset_min;
	o.known = true;

	if (newer) {
		if (ev->version >= 0)
			o.version = ev->version;
		o.version_at = at;
		if (ev->status && !o.cancelled_at) { /* cancelled stays cancelled */
			o.status = ev->status;
			o.status_seq = seq;
		}
		if (ev->financial_status)
			o.financial_status = ev->financial_status;
		if (ev->total.set) {
			o.total = ev->total.minor;
			o.total_set = true;
			memcpy(o.currency, ev->currency, 4);
		}
		if (ev->customer)
			o.customer = ev->customer;
		if (ev->email)
			o.email = ev->email;
		if (ev->brand)
			o.brand = ev->brand;
		if (ev->region)
			o.region = ev->region;
		if (ev->segment)
			o.segment = ev->segment;
		if (ev->promised.set) {
			o.promised_at = ev->promised.us;
			o.promised_offset = ev->promised.offset_min;
			o.promised_date_only = ev->promised.date_only;
			if (ev->promised.date_only && !ev->tz_set) {
				/* a date means the end of that day where the order is */
				o.promised_at = end_of_day_in(&ev->promised, o.tz_offset);
				o.promised_offset = o.tz_offset;
			}
		}
		if (ev->ship_by.set) /* a date: the end of that day where the order is */
			o.ship_by = ev->ship_by.date_only && !ev->tz_set
			                ? end_of_day_in(&ev->ship_by, o.tz_offset)
			                : ev->ship_by.us;
		if (ev->ship_to) {
			o.ship_to = ev->ship_to;
			o.address_key = ev->address_key;
		}
		if (ev->address_state && at >= o.address_at) {
			o.address_state = ev->address_state;
			o.address_why = ev->address_state < 0 ? ev->address_why : NULL;
			o.address_seq = seq;
			o.address_at = at;
		}
		set_lines = ev->lines_set;
	} else {
		/* an older snapshot: keep it in history, fill only what is missing */
		if (!o.total_set && ev->total.set) {
			o.total = ev->total.minor;
			o.total_set = true;
			memcpy(o.currency, ev->currency, 4);
		}
		if (!o.promised_at && ev->promised.set) {
			o.promised_at = ev->promised.us;
			o.promised_offset = ev->promised.offset_min;
			o.promised_date_only = ev->promised.date_only;
		}
		if (!o.customer && ev->customer)
			o.customer = ev->customer;
		if (!o.brand && ev->brand)
			o.brand = ev->brand;
		if (!o.region && ev->region)
			o.region = ev->region;
		if (!o.segment && ev->segment)
			o.segment = ev->segment;
		if (!o.email && ev->email)
			o.email = ev->email;
		body_begin(&bd, seq);
		kv_str(&bd, "order", o.ref);
		kv_str(&bd, "type", ev->type_name);
		kv_str(&bd, "note",
		       "arrived after a newer snapshot; kept in history, state "
		       "unchanged");
		kv_int(&bd, "snapshot_version", o.version);
		kv_time(&bd, "snapshot_at", o.version_at, 0);
		kv_int(&bd, "event_version", ev->version);
		kv_time(&bd, "event_at", at, 0);
		if ((rc = body_end(ap, &bd, "order.out_of_order", o.ref)))
			return rc;
	}
	if (!o.currency[0] && ev->currency[0])
		memcpy(o.currency, ev->currency, 4);
	if ((rc = link_customer(ap, &o)))
		return rc;
	if ((rc = ordex__scope_by_rules(ap, &o, ev)))
		return rc;
	o.updated_seq = seq;
	if ((rc = ap->st->ops->order_put(ap->st, ap->sc, &o)) ||
	    (rc = ordex__address_namesakes(ap, &o)))
		return rc;
	if (!set_lines && ev->lines_set) {
		struct ordex_line_row *cur;
		size_t n_cur;
		if ((rc = ap->st->ops->lines_get(ap->st, ap->sc, o.id, ap->a, &cur, &n_cur)))
			return rc;
		set_lines = n_cur == 0;
	}
	if (set_lines && (rc = order_lines_set(ap, &o, ev, seq)))
		return rc;

	body_begin(&bd, seq);
	kv_str(&bd, "order", o.ref);
	kv_str(&bd, "change", !was_known ? "created" : newer ? "updated" : "filled");
	if (o.status)
		kv_str(&bd, "status", o.status);
	if (o.financial_status)
		kv_str(&bd, "financial_status", o.financial_status);
	if (o.total_set) {
		char m[ORDEX_MONEY_MAX_LEN];
		ordex_money_format(o.total, o.currency, m);
		kv_str(&bd, "total", m);
		kv_str(&bd, "currency", o.currency);
	}
	if (ev->version >= 0)
		kv_int(&bd, "version", o.version);
	if ((rc = body_end(ap, &bd, "order.changed", o.ref)))
		return rc;
	touch(ap, o.ref);
	return ORDEX_OK;
}

static int apply_cancel(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	struct ordex_order_row o;
	int rc = order_load(ap, ev->order, seq, &o);
	if (rc)
		return rc;
	if (o.cancelled_at) {
		touch(ap, o.ref);
		return ORDEX_OK; /* cancelled once; a repeat changes nothing */
	}
	o.cancelled_at = ev->occurred.us;
	o.cancelled_seq = seq;
	o.status = "cancelled";
	o.status_seq = seq;
	o.updated_seq = seq;
	if ((rc = ap->st->ops->order_put(ap->st, ap->sc, &o)))
		return rc;
	if ((rc = ap->st->ops->lines_set_open(ap->st, ap->sc, o.id, false)))
		return rc;
	if ((rc = release_order(ap, o.id)))
		return rc;
	struct body bd;
	body_begin(&bd, seq);
	kv_str(&bd, "order", o.ref);
	kv_str(&bd, "change", "cancelled");
	if (ev->reason)
		kv_str(&bd, "reason", ev->reason);
	if ((rc = body_end(ap, &bd, "order.changed", o.ref)))
		return rc;
	touch(ap, o.ref);
	return ORDEX_OK;
}

/* Makes sure an order named by a payment, shipment or signal exists. */
static int ensure_order(struct ordex_apply *ap, const char *ref, int64_t seq,
                        struct ordex_order_row *o)
{
	int rc = order_load(ap, ref, seq, o);
	if (rc == ORDEX_OK && !o->id) {
		o->updated_seq = seq;
		rc = ap->st->ops->order_put(ap->st, ap->sc, o);
	}
	return rc;
}

/* ---- fraud ------------------------------------------------------------- */

/*
 * A fraud state changes only with a signal not older than the one that set
 * it: a late "accept" cannot release a hold a newer signal placed.
 */
static int set_fraud(struct ordex_apply *ap, const char *order_ref, int64_t seq, int state,
                     int score, const char *why, int64_t at)
{
	struct ordex_order_row o;
	int rc = ensure_order(ap, order_ref, seq, &o);
	if (rc)
		return rc;
	if (score > o.fraud_score)
		o.fraud_score = score;
	if (state && at >= o.fraud_at) {
		o.fraud_state = state;
		o.fraud_seq = seq; /* a new state, or the same one seen again */
		o.fraud_why = why;
		o.fraud_at = at;
	}
	o.updated_seq = seq;
	if ((rc = ap->st->ops->order_put(ap->st, ap->sc, &o)))
		return rc;
	touch(ap, o.ref);
	return ORDEX_OK;
}

static int apply_fraud(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	int threshold = ap->settings->fraud_threshold;
	bool flagged =
	    (ev->risk_score >= 0 && ev->risk_score >= threshold) ||
	    ev->fraud_rec == ORDEX_FRAUD_REVIEW || ev->fraud_rec == ORDEX_FRAUD_INVESTIGATE ||
	    ev->fraud_rec == ORDEX_FRAUD_CANCEL ||
	    (ev->severity && (!strcmp(ev->severity, "high") || !strcmp(ev->severity, "critical")));
	int state = 0;
	if (ev->fraud_rec == ORDEX_FRAUD_ACCEPT)
		state = ORDEX_FRAUD_STATE_CLEARED;
	else if (flagged)
		state = ORDEX_FRAUD_STATE_REVIEW;
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_buf_printf(&b, "%s", ev->source);
	if (ev->signal_kind)
		ordex_buf_printf(&b, " reported %s", ev->signal_kind);
	else
		ordex_buf_printf(&b, " screened the order");
	if (ev->risk_score >= 0)
		ordex_buf_printf(&b, " (score %d, threshold %d)", ev->risk_score, threshold);
	if (ev->severity)
		ordex_buf_printf(&b, ", severity %s", ev->severity);
	static const char *const recs[] = {"", "accept", "review", "investigate", "cancel"};
	if (ev->fraud_rec)
		ordex_buf_printf(&b, ", recommending %s", recs[ev->fraud_rec]);
	char *why = ordex_arena_strdup(ap->a, b.data ? b.data : "");
	ordex_buf_free(&b);
	int rc = set_fraud(ap, ev->order, seq, state, ev->risk_score, why, ev->occurred.us);
	if (rc)
		return rc;
	struct body bd;
	body_begin(&bd, seq);
	kv_str(&bd, "order", ev->order);
	kv_str(&bd, "signal", why);
	kv_str(&bd, "fraud_state",
	       state == ORDEX_FRAUD_STATE_REVIEW    ? "review"
	       : state == ORDEX_FRAUD_STATE_CLEARED ? "cleared"
	                                            : "unchanged");
	return body_end(ap, &bd, "order.fraud", ev->order);
}

/* ---- payments ---------------------------------------------------------- */

static int payment_rank(enum ordex_event_type t)
{
	switch (t) {
	case ORDEX_EV_PAYMENT_PENDING:
	case ORDEX_EV_PAYMENT_REQUIRES_ACTION:
	case ORDEX_EV_PAYMENT_FAILED: return 1;
	case ORDEX_EV_PAYMENT_AUTHORIZED: return 2;
	case ORDEX_EV_PAYMENT_CAPTURED: return 3;
	default: return 0; /* refunds and disputes do not move the status */
	}
}

static const char *payment_status(enum ordex_event_type t)
{
	switch (t) {
	case ORDEX_EV_PAYMENT_PENDING: return "pending";
	case ORDEX_EV_PAYMENT_REQUIRES_ACTION: return "requires_action";
	case ORDEX_EV_PAYMENT_FAILED: return "failed";
	case ORDEX_EV_PAYMENT_AUTHORIZED: return "authorized";
	case ORDEX_EV_PAYMENT_CAPTURED: return "captured";
	default: return NULL;
	}
}

static int apply_payment(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	struct ordex_payment_row p;
	int rc = ap->st->ops->payment_get(ap->st, ap->sc, ev->payment, ap->a, &p);
	if (rc == ORDEX_E_NOTFOUND) {
		memset(&p, 0, sizeof(p));
		p.ref = ev->payment;
		p.status = "unknown";
	} else if (rc) {
		return rc;
	}
	if (ev->order && p.order_ref && strcmp(ev->order, p.order_ref) != 0)
		return reject(ap, "order",
		              ordex_arena_printf(ap->a, "payment \"%s\" belongs to order \"%s\"",
		                                 p.ref, p.order_ref));
	if (ev->currency[0] && p.currency[0] && strcmp(ev->currency, p.currency) != 0)
		return reject(ap, "data.currency",
		              ordex_arena_printf(ap->a,
		                                 "differs from payment \"%s\" in \"%s\"; amounts "
		                                 "are never mixed across currencies",
		                                 p.ref, p.currency));
	bool newly_linked = !p.order_ref && ev->order && p.id;
	if (!p.order_ref && ev->order)
		p.order_ref = ev->order;
	int rank = payment_rank(ev->type);
	/* the charge's own events say its currency; a refund seen first does not */
	if (!p.currency[0] && ev->currency[0] && rank)
		memcpy(p.currency, ev->currency, 4);

	const char *note = "applied";
	/* a failure after an authorization (an expired or declined capture)
	 * supersedes it, at the authorization's rank so that order holds */
	if (ev->type == ORDEX_EV_PAYMENT_FAILED && p.rank == 2 && ev->occurred.us >= p.status_at)
		rank = 2;
	if (rank) {
		if (rank > p.rank || (rank == p.rank && ev->occurred.us >= p.status_at)) {
			p.status = payment_status(ev->type);
			p.rank = rank;
			p.status_at = ev->occurred.us;
			p.status_seq = seq;
			p.reason = ev->reason;
		} else {
			note = "arrived after a later state; kept in history, state unchanged";
		}
		if (ev->amount.set && (ev->type == ORDEX_EV_PAYMENT_AUTHORIZED || !p.amount))
			p.amount = ev->amount.minor;
		if (ev->type == ORDEX_EV_PAYMENT_CAPTURED && ev->amount.set) {
			if (ev->amount.minor > p.captured)
				p.captured = ev->amount.minor;
			if (!p.amount)
				p.amount = ev->amount.minor;
		}
	} else if (ev->type == ORDEX_EV_PAYMENT_REFUNDED) {
		int64_t added;
		if (!p.id && (rc = ap->st->ops->payment_put(ap->st, ap->sc, &p)))
			return rc;
		bool void_ = ev->refund_status && (!strcmp(ev->refund_status, "failed") ||
		                                   !strcmp(ev->refund_status, "canceled"));
		if ((rc = ap->st->ops->refund_record(ap->st, ap->sc, p.id, ev->refund,
		                                     ev->amount.minor, ev->currency,
		                                     ev->occurred.us, seq, void_, &added)))
			return rc;
		if (__builtin_add_overflow(p.refunded, added, &p.refunded))
			return reject(ap, "data.amount", "makes the refunded total too large");
		if (void_)
			note = "refund failed or canceled: counts nothing";
		else if (!added)
			note = "refund already recorded";
	} else if (ev->type == ORDEX_EV_PAYMENT_DISPUTED) {
		p.disputed = true;
		p.reason = ev->reason ? ev->reason : "disputed";
	}
	p.updated_seq = seq;
	if ((rc = ap->st->ops->payment_put(ap->st, ap->sc, &p)))
		return rc;
	/* a refund ordex itself asked for: its writeback is settled by it, once */
	if (ev->type == ORDEX_EV_PAYMENT_REFUNDED && (ev->writeback_key || ev->refund) &&
	    (rc = ordex_outbox_echo(ap, ev->writeback_key, ev->refund, ev->refund_status,
	                            ev->amount.minor, ev->currency, p.ref, p.order_ref, seq,
	                            ordex_arena_printf(ap->a, "%s/%s", ev->source, ev->id))))
		return rc;
	if (p.order_ref) {
		struct ordex_order_row o;
		if ((rc = ensure_order(ap, p.order_ref, seq, &o)))
			return rc;
		if (!ev->order &&
		    (rc = ap->st->ops->event_set_order(ap->st, ap->sc, seq, p.order_ref)))
			return rc;
		/* earlier events of this payment that named no order belong to it now,
		 * and signals about it that waited for its order apply */
		if (newly_linked && (rc = ap->st->ops->events_link_subject(
		                         ap->st, ap->sc, p.ref, "payment.", p.order_ref)))
			return rc;
		if ((rc = ordex__link_payment(ap, p.ref, p.order_ref)))
			return rc;
		touch(ap, p.order_ref);
	}
	if (p.order_ref && (ev->risk_decision || ev->risk_score >= 0)) {
		bool flagged = (ev->risk_score >= ap->settings->fraud_threshold) ||
		               (ev->risk_decision && (!strcmp(ev->risk_decision, "review") ||
		                                      !strcmp(ev->risk_decision, "reject") ||
		                                      !strcmp(ev->risk_decision, "cancel")));
		if (flagged) {
			char *why = ordex_arena_printf(
			    ap->a, "%s risk check on payment %s returned %s%s", ev->source, p.ref,
			    ev->risk_decision ? ev->risk_decision : "a high score",
			    ev->risk_score >= 0
			        ? ordex_arena_printf(ap->a, " (score %d, threshold %d)",
			                             ev->risk_score, ap->settings->fraud_threshold)
			        : "");
			if ((rc = set_fraud(ap, p.order_ref, seq, ORDEX_FRAUD_STATE_REVIEW,
			                    ev->risk_score, why, ev->occurred.us)))
				return rc;
		}
	}
	struct body bd;
	body_begin(&bd, seq);
	kv_str(&bd, "payment", p.ref);
	if (p.order_ref)
		kv_str(&bd, "order", p.order_ref);
	kv_str(&bd, "type", ev->type_name);
	kv_str(&bd, "status", p.status);
	kv_str(&bd, "note", note);
	kv_int(&bd, "captured", p.captured);
	kv_int(&bd, "refunded", p.refunded);
	return body_end(ap, &bd, "payment.changed", p.ref);
}

/* ---- shipments --------------------------------------------------------- */

/* 1: label, 2: moving (or stuck on the way), 3: finished */
static int ship_class(int status)
{
	switch (status) {
	case ORDEX_SHIP_LABEL_CREATED: return 1;
	case ORDEX_SHIP_IN_TRANSIT:
	case ORDEX_SHIP_OUT_FOR_DELIVERY:
	case ORDEX_SHIP_FAILED_ATTEMPT:
	case ORDEX_SHIP_EXCEPTION: return 2;
	case ORDEX_SHIP_DELIVERED:
	case ORDEX_SHIP_RETURNED:
	case ORDEX_SHIP_LOST: return 3;
	default: return 0;
	}
}

/*
 * One parcel, several names: the shop's fulfillment, the carrier's tracking
 * number. A shipment is found by its name, then by a name seen before for
 * it, then by its tracking number, which makes the event's name another
 * name of that shipment from then on.
 */
static int find_shipment(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq,
                         struct ordex_shipment_row *s)
{
	struct ordex_store *st = ap->st;
	int rc = st->ops->shipment_get(st, ap->sc, ev->shipment, ap->a, s);
	if (rc != ORDEX_E_NOTFOUND)
		return rc;
	const char *ref;
	rc = st->ops->shipment_alias_get(st, ap->sc, ev->shipment, ap->a, &ref);
	if (rc == ORDEX_OK)
		return st->ops->shipment_get(st, ap->sc, ref, ap->a, s);
	if (rc != ORDEX_E_NOTFOUND || !ev->tracking)
		return rc;
	rc = st->ops->shipment_by_tracking(st, ap->sc, ev->tracking, ap->a, s);
	if (rc == ORDEX_OK)
		rc = st->ops->shipment_alias_put(st, ap->sc, ev->shipment, s->ref, seq);
	return rc;
}

/* Folds what t knows of a parcel into s, the newer scan winning. */
static void fold_shipment(struct ordex_shipment_row *s, const struct ordex_shipment_row *t)
{
	if (!s->order_ref)
		s->order_ref = t->order_ref;
	if (!s->carrier)
		s->carrier = t->carrier;
	if (!s->tracking)
		s->tracking = t->tracking;
	int cs = ship_class(s->status), ct = ship_class(t->status);
	if (ct > cs || (ct == cs && t->status_at > s->status_at)) {
		s->status = t->status;
		s->status_at = t->status_at;
		s->status_seq = t->status_seq;
		s->location = t->location;
		s->reason = t->reason;
		s->delivered_at = t->delivered_at;
	}
	if (t->eta && (!s->eta || t->eta_seq > s->eta_seq)) {
		s->eta = t->eta;
		s->eta_seq = t->eta_seq;
	}
}

static int apply_shipment(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	struct ordex_shipment_row s;
	int rc = find_shipment(ap, ev, seq, &s);
	/* the event belongs to the shipment under the name it is kept by */
	if (rc == ORDEX_OK && strcmp(s.ref, ev->shipment) != 0)
		rc = ap->st->ops->event_set_subject(ap->st, ap->sc, seq, s.ref);
	if (rc == ORDEX_E_NOTFOUND) {
		memset(&s, 0, sizeof(s));
		s.ref = ev->shipment;
	} else if (rc) {
		return rc;
	}
	if (ev->order && s.order_ref && strcmp(ev->order, s.order_ref) != 0)
		return reject(ap, "order",
		              ordex_arena_printf(ap->a, "shipment \"%s\" belongs to order \"%s\"",
		                                 s.ref, s.order_ref));
	int pre = ship_class(s.status);
	bool merged = false, newly_linked = false;
	if (s.id && ev->tracking) {
		/* the parcel may be kept under its tracking number already */
		struct ordex_shipment_row t;
		rc = ap->st->ops->shipment_by_tracking(ap->st, ap->sc, ev->tracking, ap->a, &t);
		if (rc == ORDEX_OK && t.id != s.id) {
			const char *order = s.order_ref ? s.order_ref : ev->order;
			if (order && t.order_ref && strcmp(order, t.order_ref) != 0)
				return reject(
				    ap, "data.tracking",
				    ordex_arena_printf(ap->a,
				                       "tracking number \"%s\" is shipment "
				                       "\"%s\" of order \"%s\"",
				                       ev->tracking, t.ref, t.order_ref));
			newly_linked = !s.order_ref && t.order_ref;
			fold_shipment(&s, &t);
			rc = ap->st->ops->shipment_merge(ap->st, ap->sc, t.ref, s.ref, seq);
			merged = true;
		} else if (rc == ORDEX_E_NOTFOUND) {
			rc = ORDEX_OK;
		}
		if (rc)
			return rc;
	}
	newly_linked |= !s.order_ref && ev->order && s.id;
	newly_linked |= merged && (s.order_ref || ev->order);
	if (!s.order_ref && ev->order)
		s.order_ref = ev->order;
	bool later = ev->occurred.us >= s.status_at;
	if (ev->carrier && (later || !s.carrier))
		s.carrier = ev->carrier;
	if (ev->tracking && (later || !s.tracking))
		s.tracking = ev->tracking;
	const char *note = merged ? "applied; the same parcel kept under its tracking number "
	                            "became one shipment"
	                          : "applied";
	int cls = ship_class(ev->ship_status), cur = ship_class(s.status);
	bool newer = cls > cur || (cls == cur && ev->occurred.us >= s.status_at);
	if (newer) {
		s.status = ev->ship_status;
		s.status_at = ev->occurred.us;
		s.status_seq = seq;
		if (ev->location)
			s.location = ev->location;
		s.reason = ev->reason;
		if (ev->ship_status == ORDEX_SHIP_DELIVERED)
			s.delivered_at =
			    ev->delivered_at.set ? ev->delivered_at.us : ev->occurred.us;
	} else {
		note = "arrived after a later scan; kept in history, state unchanged";
	}
	if (ev->eta.set && (newer || !s.eta)) {
		s.eta = ev->eta.us;
		s.eta_seq = seq;
		struct ordex_order_row eo;
		if (ev->eta.date_only && s.order_ref &&
		    ap->st->ops->order_get(ap->st, ap->sc, s.order_ref, ap->a, &eo) == ORDEX_OK &&
		    eo.known)
			s.eta = end_of_day_in(&ev->eta, eo.tz_offset); /* the customer's day */
	}
	s.updated_seq = seq;
	if ((rc = ap->st->ops->shipment_put(ap->st, ap->sc, &s)))
		return rc;
	if (s.order_ref) {
		struct ordex_order_row o;
		if ((rc = ensure_order(ap, s.order_ref, seq, &o)))
			return rc;
		/* earlier scans of this parcel that named no order belong to it now */
		if (newly_linked && (rc = ap->st->ops->events_link_subject(
		                         ap->st, ap->sc, s.ref, "shipment.", s.order_ref)))
			return rc;
		/* a carrier scan naming only the parcel belongs to the order's timeline */
		if (!ev->order &&
		    (rc = ap->st->ops->event_set_order(ap->st, ap->sc, seq, s.order_ref)))
			return rc;
		/* a parcel that has just left no longer waits for stock */
		if ((pre < 2 || newly_linked) && ship_class(s.status) >= 2) {
			if ((rc = ap->st->ops->lines_set_open(ap->st, ap->sc, o.id, false)) ||
			    (rc = release_order(ap, o.id)))
				return rc;
		}
		touch(ap, s.order_ref);
	}
	struct body bd;
	body_begin(&bd, seq);
	kv_str(&bd, "shipment", s.ref);
	if (s.order_ref)
		kv_str(&bd, "order", s.order_ref);
	kv_str(&bd, "status", ordex_ship_status_name(s.status));
	kv_str(&bd, "note", note);
	return body_end(ap, &bd, "shipment.changed", s.ref);
}

/* ---- inventory, addresses, customers ----------------------------------- */

static int apply_inventory(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	bool applied;
	/* a source's location may be known as one of the merchant's warehouses */
	const char *where = ev->location;
	int rc = ap->st->ops->warehouse_alias_get(ap->st, ap->sc, ev->source, ev->location, ap->a,
	                                          &where);
	if (rc == ORDEX_E_NOTFOUND)
		where = ev->location;
	else if (rc)
		return rc;
	rc = ap->st->ops->inventory_put(ap->st, ap->sc, ev->sku, where, ev->available,
	                                ev->occurred.us, seq, &applied);
	if (rc)
		return rc;
	if (applied && (rc = reallocate(ap, ev->sku)))
		return rc;
	struct body bd;
	body_begin(&bd, seq);
	kv_str(&bd, "sku", ev->sku);
	kv_str(&bd, "location", where);
	kv_int(&bd, "available", ev->available);
	kv_str(&bd, "note", applied ? "applied" : "older than the stored level; kept in history");
	return body_end(ap, &bd, "inventory.changed", ev->sku);
}

static int apply_address(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	struct ordex_order_row o;
	int rc = ensure_order(ap, ev->order, seq, &o);
	if (rc)
		return rc;
	if (o.address_seq && ev->occurred.us < o.address_at) {
		/* an older verdict on the address: history only */
		struct body bd;
		body_begin(&bd, seq);
		kv_str(&bd, "order", o.ref);
		kv_str(&bd, "note", "older than the address verdict in force; kept in history");
		return body_end(ap, &bd, "order.out_of_order", o.ref);
	}
	o.address_at = ev->occurred.us;
	o.address_state = ev->type == ORDEX_EV_ADDRESS_VERIFIED ? 1 : -1;
	o.address_why = ev->type == ORDEX_EV_ADDRESS_INVALID
	                    ? (ev->reason ? ev->reason : "the address check rejected it")
	                    : NULL;
	o.address_seq = seq;
	o.updated_seq = seq;
	if ((rc = ap->st->ops->order_put(ap->st, ap->sc, &o)))
		return rc;
	touch(ap, o.ref);
	struct body bd;
	body_begin(&bd, seq);
	kv_str(&bd, "order", o.ref);
	kv_str(&bd, "address", o.address_state > 0 ? "verified" : "invalid");
	return body_end(ap, &bd, "order.address", o.ref);
}

static int apply_customer(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	struct ordex_customer_row c;
	int rc = ap->st->ops->customer_get(ap->st, ap->sc, ev->customer, ap->a, &c);
	if (rc == ORDEX_E_NOTFOUND) {
		memset(&c, 0, sizeof(c));
		c.ref = ev->customer;
	} else if (rc) {
		return rc;
	}
	if (ev->email) {
		c.email = ev->email; /* the original spelling is kept for display */
		c.email_norm = ordex_email_normalize(ap->a, ev->email);
	}
	if (ev->name) {
		c.name = ev->name;
		c.name_norm = ordex__name_normalize(ap->a, ev->name);
	}
	c.updated_seq = seq;
	if ((rc = ap->st->ops->customer_put(ap->st, ap->sc, &c)) ||
	    (rc = ordex__customer_namesakes(ap, &c)))
		return rc;
	struct body bd;
	body_begin(&bd, seq);
	kv_str(&bd, "customer", c.ref);
	return body_end(ap, &bd, "customer.changed", c.ref);
}

/* ---- tickets and data issues ------------------------------------------- */

static int apply_ticket(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	struct ordex_ticket_row t;
	int rc = ap->st->ops->ticket_get(ap->st, ap->sc, ev->ticket, ap->a, &t);
	if (rc == ORDEX_E_NOTFOUND) {
		memset(&t, 0, sizeof(t));
		t.ref = ev->ticket;
	} else if (rc) {
		return rc;
	}
	/* an older fact (applied again once its order was found, say) fills what is
	 * missing and changes nothing newer */
	bool newer = ev->occurred.us >= t.status_at;
	if (ev->order && (newer || !t.order_ref))
		t.order_ref = ev->order;
	if (newer) {
		if (ev->status)
			t.status = ev->status;
		if (ev->priority)
			t.priority = ev->priority;
		if (ev->subject)
			t.subject = ev->subject;
		t.status_at = ev->occurred.us;
	}
	if (ev->email && (newer || !t.email)) {
		t.email = ev->email;
		if ((rc = ordex__customer_for_email(ap, ev->email, &t.customer)))
			return rc;
	}
	t.updated_seq = seq;
	if ((rc = ap->st->ops->ticket_put(ap->st, ap->sc, &t)))
		return rc;
	if (t.order_ref) {
		struct ordex_order_row o;
		if ((rc = ensure_order(ap, t.order_ref, seq, &o)))
			return rc;
		touch(ap, t.order_ref);
	}
	struct body bd;
	body_begin(&bd, seq);
	kv_str(&bd, "ticket", t.ref);
	if (t.order_ref)
		kv_str(&bd, "order", t.order_ref);
	if (t.customer)
		kv_str(&bd, "customer", t.customer);
	if (t.status)
		kv_str(&bd, "status", t.status);
	return body_end(ap, &bd, "ticket.changed", t.ref);
}

static int apply_issue(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	struct ordex_order_row o;
	int rc = ensure_order(ap, ev->order, seq, &o);
	if (rc == ORDEX_OK)
		rc = ap->st->ops->issue_put(ap->st, ap->sc, ev->order, ev->issue_key, ev->reason,
		                            seq);
	if (rc)
		return rc;
	touch(ap, ev->order);
	struct body bd;
	body_begin(&bd, seq);
	kv_str(&bd, "order", ev->order);
	kv_str(&bd, "issue", ev->issue_key);
	kv_str(&bd, "reason", ev->reason);
	return body_end(ap, &bd, "order.data_issue", ev->order);
}

/*
 * A source's location is one of the merchant's warehouses: its levels move
 * under the warehouse's name (the newer level wins where both exist), and
 * later levels are kept there at once.
 */
static int apply_location(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	const char **skus;
	size_t n;
	const char *was;
	int rc =
	    ap->st->ops->warehouse_alias_get(ap->st, ap->sc, ev->source, ev->location, ap->a, &was);
	if (rc == ORDEX_OK && strcmp(was, ev->warehouse) != 0)
		/* its levels were counted under that warehouse already; moving
		 * them again cannot tell them from the warehouse's own */
		return reject(
		    ap, "data.warehouse",
		    ordex_arena_printf(ap->a,
		                       "location \"%s\" of %s is warehouse \"%s\" already; "
		                       "a location is one warehouse for good",
		                       ev->location, ev->source, was));
	if (rc == ORDEX_OK || rc == ORDEX_E_NOTFOUND)
		rc = ap->st->ops->warehouse_alias_put(ap->st, ap->sc, ev->source, ev->location,
		                                      ev->warehouse, seq);
	if (rc == ORDEX_OK && strcmp(ev->location, ev->warehouse) != 0)
		rc = ap->st->ops->inventory_relocate(ap->st, ap->sc, ev->location, ev->warehouse,
		                                     ap->a, &skus, &n);
	else
		n = 0;
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++)
		rc = reallocate(ap, skus[i]);
	if (rc)
		return rc;
	struct body bd;
	body_begin(&bd, seq);
	kv_str(&bd, "source", ev->source);
	kv_str(&bd, "location", ev->location);
	kv_str(&bd, "warehouse", ev->warehouse);
	kv_int(&bd, "levels_moved", (int64_t)n);
	return body_end(ap, &bd, "inventory.location", ev->warehouse);
}

/* Types that say nothing without their order. */
static bool needs_order(enum ordex_event_type t)
{
	switch (t) {
	case ORDEX_EV_ORDER_CREATED:
	case ORDEX_EV_ORDER_UPDATED:
	case ORDEX_EV_ORDER_CANCELLED:
	case ORDEX_EV_FRAUD_SIGNAL:
	case ORDEX_EV_ADDRESS_VERIFIED:
	case ORDEX_EV_ADDRESS_INVALID:
	case ORDEX_EV_DATA_ISSUE: return true;
	default: return false;
	}
}

/* ---- dispatch ---------------------------------------------------------- */

int ordex_apply_event(struct ordex_apply *ap, const struct ordex_event *in, int64_t seq)
{
	ap->n_touched = ap->cap_touched = 0;
	ap->n_realloc = ap->cap_realloc = 0;
	ap->seq = seq;
	ap->field = ap->reason = NULL;
	/* a copy: the order may be resolved from an alias or a text reference */
	struct ordex_event copy = *in;
	const struct ordex_event *ev = &copy;
	bool parked; /* kept for its order: applied as far as it can be now */
	int rc = ordex__resolve_order(ap, &copy, seq, &parked);
	if (rc)
		return rc;
	if (!ev->order && needs_order(ev->type))
		return ORDEX_OK; /* kept until its order is known */
	if (ev->type == ORDEX_EV_INVENTORY_LEVEL) {
		if ((rc = ordex__resolve_sku(ap, &copy, seq, &parked)))
			return rc;
		if (parked)
			return ORDEX_OK; /* kept until its item's SKU is known */
	}
	switch (ev->type) {
	case ORDEX_EV_ORDER_CREATED:
	case ORDEX_EV_ORDER_UPDATED: rc = apply_order(ap, ev, seq); break;
	case ORDEX_EV_ORDER_CANCELLED: rc = apply_cancel(ap, ev, seq); break;
	case ORDEX_EV_PAYMENT_AUTHORIZED:
	case ORDEX_EV_PAYMENT_CAPTURED:
	case ORDEX_EV_PAYMENT_PENDING:
	case ORDEX_EV_PAYMENT_REQUIRES_ACTION:
	case ORDEX_EV_PAYMENT_FAILED:
	case ORDEX_EV_PAYMENT_REFUNDED:
	case ORDEX_EV_PAYMENT_DISPUTED: rc = apply_payment(ap, ev, seq); break;
	case ORDEX_EV_FRAUD_SIGNAL: rc = apply_fraud(ap, ev, seq); break;
	case ORDEX_EV_INVENTORY_LEVEL: rc = apply_inventory(ap, ev, seq); break;
	case ORDEX_EV_SHIPMENT_CREATED:
	case ORDEX_EV_SHIPMENT_UPDATED: rc = apply_shipment(ap, ev, seq); break;
	case ORDEX_EV_ADDRESS_VERIFIED:
	case ORDEX_EV_ADDRESS_INVALID: rc = apply_address(ap, ev, seq); break;
	case ORDEX_EV_CUSTOMER_UPDATED: rc = apply_customer(ap, ev, seq); break;
	case ORDEX_EV_TICKET_CREATED:
	case ORDEX_EV_TICKET_UPDATED: rc = apply_ticket(ap, ev, seq); break;
	case ORDEX_EV_DATA_ISSUE: rc = apply_issue(ap, ev, seq); break;
	case ORDEX_EV_INVENTORY_ITEM: rc = ordex__link_sku(ap, ev, seq); break;
	case ORDEX_EV_INVENTORY_LOCATION: rc = apply_location(ap, ev, seq); break;
	default: break;
	}
	/* an order event may be what earlier facts were waiting for */
	if (rc == ORDEX_OK &&
	    (ev->type == ORDEX_EV_ORDER_CREATED || ev->type == ORDEX_EV_ORDER_UPDATED)) {
		rc = ordex__link_order(ap, ev, seq); /* each replay runs its own detectors */
	}
	/* one event can touch many orders (stock for a popular SKU tops up
	 * hundreds of them): each order's detection gives its memory back, so
	 * the event needs memory for one at a time */
	for (int i = 0; rc == ORDEX_OK && i < ap->n_touched; i++) {
		struct ordex_arena_mark m = ordex_arena_mark(ap->a);
		rc = ordex_detect_order(ap, ap->touched[i], ev, seq);
		ordex_arena_rewind(ap->a, m);
	}
	return rc;
}
