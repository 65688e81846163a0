/* SPDX-License-Identifier: Apache-2.0 */
/*
 * easypost.c - the EasyPost adapter: a webhook Event ({"object": "Event",
 * "id": "evt_...", "result": {...}}) or one of the API's bare objects in,
 * canonical events out (docs/internals/adapters.md).
 *
 * A payload is recognized by its "object" member. A Tracker becomes one
 * shipment.updated whose shipment is the tracking code, so the parcel is
 * the same shipment whichever provider reports it. EasyPost knows nothing
 * of the merchant's order: the event names none and ordex links the
 * parcel through its tracking number. A bought Shipment yields its
 * tracker's event byte for byte, so the tracker's own webhook is a
 * duplicate of it, never a conflict. An Address with a delivery
 * verification becomes address.verified or address.invalid, which need an
 * order; EasyPost addresses carry none, so without a "reference" the
 * payload is INCOMPLETE. Everything else (insurance, claims, postage
 * refunds, EasyPost's own Orders, batches, webhook settings, API error
 * bodies) is IGNORED with what it was.
 *
 * A tracker fact's id is tracker/<id>/<status>@<updated_at>: the tracker's
 * version, so a redelivered Event is a duplicate, and an estimate that
 * moved without a new scan is a new fact rather than a conflict.
 */
#include "ingest/adapters/adapter_int.h"

#include <stdbool.h>
#include <string.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"

static bool is_true(const struct ordex_json *o, const char *key)
{
	const struct ordex_json *n = ordex_json_get(o, key);
	return n && n->type == ORDEX_JSON_TRUE;
}

static bool is_date(const char *s)
{
	int y, m, d;
	return s && strlen(s) == 10 && ordex_date_parse(s, 10, &y, &m, &d) == ORDEX_OK;
}

/* The "object" member: EasyPost's name of what o is, or NULL. */
static const char *object_of(const struct ordex_json *o)
{
	const char *s = ordex_json_string(ordex_json_get(o, "object"));
	return s && *s ? s : NULL;
}

/* Where an object says when it last changed, the most telling first. */
static const char *const times[] = {"updated_at", "created_at", NULL};

/* "ScanForm" -> "scan_form": an object name as a kind for the counts. */
static const char *kind_of(struct ordex_arena *a, const char *obj)
{
	size_t n = strlen(obj);
	if (n > 64)
		return "unknown";
	char *k = ordex_arena_alloc(a, 2 * n + 1), *p = k;
	for (size_t i = 0; i < n; i++) {
		char c = obj[i];
		if (c >= 'A' && c <= 'Z') {
			if (i > 0)
				*p++ = '_';
			c = (char)(c - 'A' + 'a');
		} else if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_') {
			return "unknown";
		}
		*p++ = c;
	}
	*p = '\0';
	return k;
}

/* ---- trackers ---------------------------------------------------------- */

/*
 * EasyPost's tracker statuses. available_for_pickup waits for the customer
 * to fetch the parcel, which is what a failed attempt asks of them, and the
 * reason says so. cancelled and error leave the parcel with nobody moving
 * it: an exception a person must look at, which a later scan can still
 * clear (lost is kept for a parcel the carrier gave up on, status_detail
 * "lost"; cancelled says nothing of the kind). unknown is handled apart.
 */
static const struct ordex_tracking_status statuses[] = {
    {"pre_transit", "label_created", NULL, NULL},
    {"in_transit", "in_transit", NULL, NULL},
    {"out_for_delivery", "out_for_delivery", NULL, NULL},
    {"delivered", "delivered", NULL, NULL},
    {"available_for_pickup", "failed_attempt", "available for pickup", NULL},
    {"return_to_sender", "returned", NULL, "returned to sender"},
    {"failure", "exception", NULL, "delivery failure"},
    {"cancelled", "exception", "cancelled", NULL},
    {"error", "exception", "tracking error", NULL},
    {"unknown", "label_created", NULL, NULL},
};

/*
 * The latest tracking_detail by datetime (the later listed on a tie), only
 * among those with status when status is not NULL; *at its datetime.
 */
static const struct ordex_json *latest_detail(const struct ordex_json *trk, const char *status,
                                              const char **at)
{
	const struct ordex_json *arr = ordex_json_get(trk, "tracking_details"), *best = NULL;
	int64_t best_us = 0;
	if (!arr || arr->type != ORDEX_JSON_ARRAY)
		return NULL;
	for (const struct ordex_json *d = arr->child; d; d = d->next) {
		int64_t us;
		const char *t = ordex__rfc3339(ordex__str(d, "datetime"), &us);
		if (!t)
			continue;
		if (status && (!ordex__str(d, "status") || strcmp(ordex__str(d, "status"), status)))
			continue;
		if (!best || us >= best_us) {
			best = d;
			best_us = us;
			*at = t;
		}
	}
	return best;
}

/* "CHARLESTON, SC, US" from a TrackingLocation, or NULL when it is empty. */
static const char *place(struct ordex_arena *a, const struct ordex_json *loc)
{
	static const char *const keys[] = {"city", "state", "country"};
	const char *s = NULL;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(keys); i++) {
		const char *p = ordex__str(loc, keys[i]);
		if (p)
			s = s ? ordex_arena_printf(a, "%s, %s", s, p) : p;
	}
	return s;
}

/*
 * One Tracker (at prefix in the payload) as one shipment.updated. when is
 * the enclosing Event's created_at, used only if the tracker has no time.
 */
static int map_tracker(const struct ordex_adapter_input *in, struct ordex_adapter_output *out,
                       const struct ordex_json *trk, const char *prefix, const char *when)
{
	struct ordex_arena *a = out->a;
	const char *code = ordex__str(trk, "tracking_code");
	const char *st = ordex__str(trk, "status");

	if (is_true(trk, "is_return")) {
		ordex_adapter_ignore(out, NULL,
		                     "a return label's tracker follows the customer's parcel back "
		                     "to the merchant, not the order's delivery");
		return ORDEX_OK;
	}
	const struct ordex_tracking_status *ts =
	    ordex__find_status(statuses, ORDEX_ARRAY_LEN(statuses), st);
	if (!code)
		ordex_adapter_missing(out, ordex__field(a, prefix, "tracking_code"),
		                      "is required: it names the shipment");
	if (!st)
		ordex_adapter_missing(out, ordex__field(a, prefix, "status"), "is required");
	else if (!ts)
		ordex_adapter_missing(out, ordex__field(a, prefix, "status"),
		                      ordex_arena_printf(a, "has an unknown value \"%s\"", st));
	if (out->outcome == ORDEX_ADAPT_INCOMPLETE)
		return ORDEX_OK;

	const char *last_at = NULL;
	const struct ordex_json *last = latest_detail(trk, NULL, &last_at);
	if (!strcmp(st, "unknown") && last) {
		/* the scans were reported, each with its own status, when they
		 * happened; "unknown" after them tells nothing new */
		ordex_adapter_ignore(out, NULL,
		                     "a tracker whose status fell back to unknown after scans "
		                     "carries no new fact");
		return ORDEX_OK;
	}

	/* the latest scan speaks for the tracker only if it shows its status */
	const char *last_status = last ? ordex__str(last, "status") : NULL;
	bool current = last && (!last_status || !strcmp(last_status, st));
	const char *status = ts->status, *pre = ts->prefix, *fallback = ts->fallback;
	const char *detail = ordex__str(trk, "status_detail");
	if (!strcmp(status, "exception") && detail && !strcmp(detail, "lost")) {
		status = "lost";
		pre = NULL;
		fallback = "lost";
	}

	const char *updated = ordex__rfc3339(ordex__str(trk, "updated_at"), NULL);
	const char *occurred = current && last_at ? last_at : ordex__occurred(in, trk, times, when);
	if (!occurred) {
		ordex_adapter_missing(out, ordex__field(a, prefix, "updated_at"),
		                      "is required: the tracker has no time");
		return ORDEX_OK;
	}

	const char *reason =
	    ordex__reason(a, pre, current ? ordex__str(last, "message") : NULL, fallback);

	const char *delivered_at = NULL;
	if (!strcmp(status, "delivered") && !latest_detail(trk, "delivered", &delivered_at))
		delivered_at = updated;

	/* the carrier's local date is the day it promised; the UTC stamp
	 * beside it is that day's midnight, not a time of delivery */
	const char *eta = ordex__str(ordex__obj(trk, "carrier_detail"), "est_delivery_date_local");
	if (!is_date(eta))
		eta = ordex__rfc3339(ordex__str(trk, "est_delivery_date"), NULL);

	const char *id = ordex_arena_printf(a, "tracker/%s/%s@%s",
	                                    ordex__str(trk, "id") ? ordex__str(trk, "id") : code,
	                                    st, updated ? updated : occurred);
	struct ordex_jw *w = ordex_adapter_begin(out, id, "shipment.updated", occurred, NULL);
	ordex__put(w, "shipment", code);
	ordex__put(w, "status", status);
	ordex__put(w, "tracking", code);
	ordex__put(w, "carrier", ordex__str(trk, "carrier"));
	ordex__put(w, "eta", eta);
	ordex__put(w, "location", place(a, ordex__obj(last, "tracking_location")));
	ordex__put(w, "reason", reason);
	ordex__put(w, "delivered_at", delivered_at);
	return ordex_adapter_end(out);
}

/* ---- addresses --------------------------------------------------------- */

/* The verification's errors as "Address not found (E.ADDRESS.NOT_FOUND); ...". */
static const char *errors_text(struct ordex_arena *a, const struct ordex_json *v)
{
	const struct ordex_json *arr = ordex_json_get(v, "errors");
	const char *s = NULL;
	if (!arr || arr->type != ORDEX_JSON_ARRAY)
		return NULL;
	for (const struct ordex_json *e = arr->child; e; e = e->next) {
		const char *msg = ordex__str(e, "message"), *code = ordex__str(e, "code"), *one;
		if (msg && code)
			one = ordex_arena_printf(a, "%s (%s)", msg, code);
		else if (msg || code)
			one = msg ? msg : code;
		else
			continue;
		s = s ? ordex_arena_printf(a, "%s; %s", s, one) : one;
	}
	return s;
}

/*
 * An Address with a delivery verification as address.verified or
 * address.invalid. Both need the order, which EasyPost does not know: a
 * "reference" on the address is the only link there can be.
 */
static int map_address(const struct ordex_adapter_input *in, struct ordex_adapter_output *out,
                       const struct ordex_json *adr, const char *prefix, const char *when)
{
	struct ordex_arena *a = out->a;
	const struct ordex_json *v = ordex__obj(ordex__obj(adr, "verifications"), "delivery");

	out->kind = "address";
	if (!v) {
		ordex_adapter_ignore(out, NULL,
		                     "an address without a delivery verification says nothing "
		                     "about an order");
		return ORDEX_OK;
	}
	const struct ordex_json *ok = ordex_json_get(v, "success");
	const char *order = ordex__str(adr, "reference");
	out->order = order;
	if (!ok || (ok->type != ORDEX_JSON_TRUE && ok->type != ORDEX_JSON_FALSE))
		ordex_adapter_missing(out,
		                      ordex__field(a, prefix, "verifications.delivery.success"),
		                      "must be true or false");
	if (!order)
		ordex_adapter_missing(out, ordex__field(a, prefix, "reference"),
		                      "is required: an EasyPost address names no order, so its "
		                      "verification cannot be linked to one");
	if (out->outcome == ORDEX_ADAPT_INCOMPLETE)
		return ORDEX_OK;

	bool valid = ok->type == ORDEX_JSON_TRUE;
	const char *occurred = ordex__occurred(in, adr, times, when);
	if (!occurred) {
		ordex_adapter_missing(out, ordex__field(a, prefix, "updated_at"),
		                      "is required: the address has no time");
		return ORDEX_OK;
	}
	const char *reason = NULL;
	if (!valid) {
		reason = errors_text(a, v);
		if (!reason)
			reason = "the address could not be verified for delivery";
	}
	const char *id = ordex_arena_printf(a, "address/%s/%s@%s",
	                                    ordex__str(adr, "id") ? ordex__str(adr, "id") : order,
	                                    valid ? "verified" : "invalid", occurred);
	struct ordex_jw *w = ordex_adapter_begin(
	    out, id, valid ? "address.verified" : "address.invalid", occurred, order);
	ordex__put(w, "reason", reason);
	return ordex_adapter_end(out);
}

/* ---- everything else --------------------------------------------------- */

static const char *or_none(const char *s)
{
	return s ? s : "none";
}

/*
 * A Shipment stands for its parcel only once bought and while its label
 * holds; then it is its tracker. Its reference is the merchant's free
 * text and its order_id EasyPost's own Order, neither a sure order link,
 * and adding either would make its event differ from the tracker's.
 */
static int map_shipment(const struct ordex_adapter_input *in, struct ordex_adapter_output *out,
                        const struct ordex_json *shp, const char *prefix, const char *when)
{
	const char *refund = ordex__str(shp, "refund_status");
	const struct ordex_json *trk = ordex__obj(shp, "tracker");

	out->kind = "shipment";
	if (is_true(shp, "is_return"))
		ordex_adapter_ignore(out, NULL,
		                     "a return shipment carries the customer's parcel back to the "
		                     "merchant; it is not the order's delivery");
	else if (refund)
		ordex_adapter_ignore(out, NULL,
		                     ordex_arena_printf(out->a,
		                                        "the label's postage refund is \"%s\": "
		                                        "the label is void and will not move",
		                                        refund));
	else if (trk)
		return map_tracker(in, out, trk, ordex__field(out->a, prefix, "tracker"), when);
	else if (ordex__str(shp, "tracking_code"))
		ordex_adapter_ignore(out, NULL,
		                     "a bought shipment without its tracker; the parcel's status "
		                     "arrives through tracker events");
	else
		ordex_adapter_ignore(out, NULL,
		                     "a shipment not bought yet (rates only, no tracking code) "
		                     "does not concern orders");
	return ORDEX_OK;
}

/* A payload without "object": an error body, a verify answer, a list. */
static int map_shapeless(const struct ordex_adapter_input *in, struct ordex_adapter_output *out,
                         const struct ordex_json *o, const char *prefix, const char *when)
{
	const struct ordex_json *err = ordex__obj(o, "error");
	const struct ordex_json *adr = ordex__obj(o, "address");

	if (err) {
		ordex_adapter_ignore(
		    out, "error",
		    ordex_arena_printf(out->a,
		                       "an API error response (\"%s\": %s) answers a request and "
		                       "names no order",
		                       or_none(ordex__str(err, "code")),
		                       or_none(ordex__str(err, "message"))));
		return ORDEX_OK;
	}
	/* POST /addresses/{id}/verify answers {"address": {...}} */
	if (adr && object_of(adr) && !strcmp(object_of(adr), "Address"))
		return map_address(in, out, adr, ordex__field(out->a, prefix, "address"), when);
	if (ordex_json_get(o, "has_more")) {
		ordex_adapter_ignore(out, "list",
		                     "a list response: each object in it must be sent on its own");
		return ORDEX_OK;
	}
	ordex_adapter_ignore(out, "unknown",
	                     "no \"object\" member: not an EasyPost object or event");
	return ORDEX_OK;
}

static int map_object(const struct ordex_adapter_input *in, struct ordex_adapter_output *out,
                      const struct ordex_json *o, const char *prefix, const char *when)
{
	struct ordex_arena *a = out->a;
	const char *obj = object_of(o);

	if (!obj)
		return map_shapeless(in, out, o, prefix, when);
	if (!strcmp(obj, "Tracker")) {
		out->kind = "tracker";
		return map_tracker(in, out, o, prefix, when);
	}
	if (!strcmp(obj, "Address"))
		return map_address(in, out, o, prefix, when);
	if (!strcmp(obj, "Shipment"))
		return map_shipment(in, out, o, prefix, when);
	if (!strcmp(obj, "Insurance"))
		ordex_adapter_ignore(out, "insurance",
		                     ordex_arena_printf(a,
		                                        "insurance (status \"%s\") covers the "
		                                        "merchant's loss, not the order's state; "
		                                        "the parcel's status arrives through "
		                                        "tracker events",
		                                        or_none(ordex__str(o, "status"))));
	else if (!strcmp(obj, "Claim"))
		ordex_adapter_ignore(out, "claim",
		                     ordex_arena_printf(a,
		                                        "an insurance claim (type \"%s\", status "
		                                        "\"%s\") is between the merchant and "
		                                        "EasyPost; the parcel's status arrives "
		                                        "through tracker events",
		                                        or_none(ordex__str(o, "type")),
		                                        or_none(ordex__str(o, "status"))));
	else if (!strcmp(obj, "Refund"))
		ordex_adapter_ignore(
		    out, "refund",
		    ordex_arena_printf(a,
		                       "a postage refund (status \"%s\") returns a "
		                       "label's cost to the merchant; it is not a "
		                       "payment of the order",
		                       or_none(ordex__str(o, "status"))));
	else if (!strcmp(obj, "Order"))
		ordex_adapter_ignore(out, "order",
		                     "an EasyPost Order groups shipments for rating and purchase; "
		                     "it is not the merchant's order");
	else if (!strcmp(obj, "Webhook"))
		ordex_adapter_ignore(out, "webhook",
		                     "a webhook endpoint's settings do not concern orders");
	else
		ordex_adapter_ignore(out, kind_of(a, obj),
		                     ordex_arena_printf(a, "an EasyPost %s does not concern orders",
		                                        kind_of(a, obj)));
	return ORDEX_OK;
}

/*
 * An Event: its id is the notification's, its result the object. Event
 * listings leave the result out; a tracker event without one cannot be
 * mapped and says so.
 */
static int map_event(const struct ordex_adapter_input *in, struct ordex_adapter_output *out,
                     const struct ordex_json *ev)
{
	const char *desc = ordex__str(ev, "description");
	const char *when = ordex__rfc3339(ordex__str(ev, "created_at"), NULL);
	const struct ordex_json *res = ordex__obj(ev, "result");
	bool tracker = desc && !strncmp(desc, "tracker.", 8);

	if (ordex__str(ev, "id"))
		out->event_id = ordex__str(ev, "id");
	if (res && (object_of(res) || !tracker))
		return map_object(in, out, res, "result", when);
	out->kind = tracker ? "tracker" : "event";
	if (res)
		return map_tracker(in, out, res, "result", when);
	if (tracker) {
		ordex_adapter_missing(out, "result",
		                      "is required: the event carries no tracker (event listings "
		                      "leave it out)");
		return ORDEX_OK;
	}
	ordex_adapter_ignore(out, NULL,
	                     ordex_arena_printf(out->a,
	                                        "a \"%s\" event without a result does not "
	                                        "concern orders",
	                                        or_none(desc)));
	return ORDEX_OK;
}

static int map(const struct ordex_adapter_input *in, struct ordex_adapter_output *out)
{
	const struct ordex_json *b = in->body;

	out->event_id = in->delivery_id;
	if (!b || b->type != ORDEX_JSON_OBJECT) {
		ordex_adapter_ignore(out, "unknown", "the payload is not a JSON object");
		return ORDEX_OK;
	}
	const char *obj = object_of(b);
	if (obj && !strcmp(obj, "Event"))
		return map_event(in, out, b);
	return map_object(in, out, b, "", NULL);
}

const struct ordex_adapter ordex_adapter_easypost = {"easypost", map};
