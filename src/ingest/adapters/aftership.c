/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aftership.c - the AfterShip adapter: a webhook ({"event":
 * "tracking_update", "event_id": "...", "msg": {tracking}, "ts": ...}), an
 * API response ({"meta": {...}, "data": {"tracking": {...}}}, or
 * "trackings": [...]) or a bare tracking in, one shipment.updated per
 * tracking out (docs/internals/adapters.md).
 *
 * The shipment is the tracking number and the carrier AfterShip's slug.
 * The status comes from the tracking's tag, refined by its subtag where
 * AfterShip says more than "exception" (returning or returned to sender,
 * lost) and by return_to_sender, which turns any later tag of the parcel's
 * way back (even Delivered: delivered to the sender) into returned. The
 * latest checkpoint gives the location, and the time and the carrier's
 * message when it shows the tracking's tag. The merchant's order comes from
 * order_number or order_id. API error bodies, courier lists and deletions
 * are IGNORED.
 *
 * A tracking fact's id is tracking/<id>/<tag>@<updated_at>: the tracking's
 * version, so a redelivered webhook is a duplicate, and an estimate or an
 * order link added without a new checkpoint is a new fact rather than a
 * conflict.
 */
#include "ingest/adapters/adapter_int.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"

/*
 * An estimate as the canonical format takes it: an RFC 3339 time with an
 * offset as it is, else the date it starts with ("2018-08-05T10:00:00",
 * local time without an offset, is the day 2018-08-05), else NULL.
 */
static const char *eta_of(struct ordex_arena *a, const char *s)
{
	int y, m, d;
	if (!s)
		return NULL;
	if (ordex__rfc3339(s, NULL))
		return s;
	if (strlen(s) >= 10 && ordex_date_parse(s, 10, &y, &m, &d) == ORDEX_OK &&
	    (s[10] == '\0' || s[10] == 'T'))
		return ordex_arena_strndup(a, s, 10);
	return NULL;
}

/*
 * AfterShip's tags. Pending and InfoReceived: the carrier knows of the
 * label, nothing has moved. AvailableForPickup waits for the customer to
 * fetch the parcel, which is what a failed attempt asks of them. Expired
 * means AfterShip stopped tracking without a final status: not proof of a
 * loss (the carrier may only have stopped reporting), but nobody will
 * report on the parcel again, so it is an exception a person must look at.
 */
static const struct ordex_tracking_status tags[] = {
    {"Pending", "label_created", NULL, NULL},
    {"InfoReceived", "label_created", NULL, NULL},
    {"InTransit", "in_transit", NULL, NULL},
    {"OutForDelivery", "out_for_delivery", NULL, NULL},
    {"AttemptFail", "failed_attempt", NULL, "delivery attempt failed"},
    {"Delivered", "delivered", NULL, NULL},
    {"AvailableForPickup", "failed_attempt", "available for pickup", NULL},
    {"Exception", "exception", NULL, "delivery exception"},
    {"Expired", "exception", "tracking expired with no final status from the carrier", NULL},
};

/* Exception subtags that say where the parcel ended (AfterShip's list). */
static const struct {
	const char *subtag;
	const char *status;
} subtags[] = {
    {"Exception_010", "returned"}, /* returning to sender */
    {"Exception_011", "returned"}, /* returned to sender */
    {"Exception_013", "lost"},     /* shipment lost */
};

/*
 * The latest checkpoint by checkpoint_time (the later listed on a tie),
 * only among those with tag when tag is not NULL; *at its time. When no
 * checkpoint has a time with an offset, the last listed (AfterShip lists
 * them oldest first) with *at NULL.
 */
static const struct ordex_json *latest_checkpoint(const struct ordex_json *trk, const char *tag,
                                                  const char **at)
{
	const struct ordex_json *arr = ordex_json_get(trk, "checkpoints"), *best = NULL;
	const struct ordex_json *listed = NULL;
	int64_t best_us = 0;
	*at = NULL;
	if (!arr || arr->type != ORDEX_JSON_ARRAY)
		return NULL;
	for (const struct ordex_json *c = arr->child; c; c = c->next) {
		int64_t us;
		if (c->type != ORDEX_JSON_OBJECT)
			continue;
		if (tag && (!ordex__str(c, "tag") || strcmp(ordex__str(c, "tag"), tag)))
			continue;
		listed = c;
		const char *t = ordex__rfc3339(ordex__str(c, "checkpoint_time"), &us);
		if (t && (!best || us >= best_us)) {
			best = c;
			best_us = us;
			*at = t;
		}
	}
	return best ? best : listed;
}

/* AfterShip's own "location", else "city, state, country". */
static const char *place(struct ordex_arena *a, const struct ordex_json *cp)
{
	static const char *const keys[] = {"city", "state", "country_name"};
	const char *s = ordex__str(cp, "location");
	if (s)
		return s;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(keys); i++) {
		const char *p = ordex__str(cp, keys[i]);
		if (!p && i == 2)
			p = ordex__str(cp, "country_iso3");
		if (p)
			s = s ? ordex_arena_printf(a, "%s, %s", s, p) : p;
	}
	return s;
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static const char *without_hash(const char *s)
{
	return s && s[0] == '#' && s[1] ? s + 1 : s;
}

/*
 * One tracking (at prefix in the payload) as one shipment.updated. when is
 * the webhook's ts, used only if the tracking has no time.
 */
static int map_tracking(const struct ordex_adapter_input *in, struct ordex_adapter_output *out,
                        const struct ordex_json *trk, const char *prefix, const char *when)
{
	struct ordex_arena *a = out->a;
	const char *number = ordex__str(trk, "tracking_number");
	const char *tag = ordex__str(trk, "tag");

	out->kind = "tracking";
	if (!ordex_json_get(trk, "tag") && !ordex_json_get(trk, "checkpoints")) {
		ordex_adapter_ignore(out, NULL,
		                     "a tracking without tag or checkpoints (the delete endpoint "
		                     "answers so) reports no status");
		return ORDEX_OK;
	}

	/*
	 * order_number is the merchant's reference. order_id is too, except
	 * from AfterShip's Shopify connection, which fills it with Shopify's
	 * numeric order id (and order_id_path with the order's admin page): an
	 * alias of the order, not its reference.
	 */
	const char *order = without_hash(ordex__str(trk, "order_number")), *alias = NULL;
	const char *oid = ordex__str(trk, "order_id"), *src = ordex__str(trk, "source");
	const char *oid_path = ordex__str(trk, "order_id_path");
	bool shopify = (src && !strcasecmp(src, "shopify")) ||
	               (oid_path && strstr(oid_path, ".myshopify.com/"));
	if (!order && oid) {
		if (shopify && all_digits(oid))
			alias = oid;
		else
			order = without_hash(oid);
	}
	out->order = order;

	const struct ordex_tracking_status *ts =
	    ordex__find_status(tags, ORDEX_ARRAY_LEN(tags), tag);
	if (!number)
		ordex_adapter_missing(out, ordex__field(a, prefix, "tracking_number"),
		                      "is required: it names the shipment");
	if (!tag)
		ordex_adapter_missing(out, ordex__field(a, prefix, "tag"), "is required");
	else if (!ts)
		ordex_adapter_missing(out, ordex__field(a, prefix, "tag"),
		                      ordex_arena_printf(a, "has an unknown value \"%s\"", tag));
	if (out->outcome == ORDEX_ADAPT_INCOMPLETE)
		return ORDEX_OK;

	const char *status = ts->status, *pre = ts->prefix, *fallback = ts->fallback;
	const char *subtag = ordex__str(trk, "subtag"), *submsg = ordex__str(trk, "subtag_message");
	for (size_t i = 0; subtag && i < ORDEX_ARRAY_LEN(subtags); i++)
		if (!strcmp(tag, "Exception") && !strcmp(subtag, subtags[i].subtag))
			status = subtags[i].status;
	/* set once a checkpoint said returning or returned to sender: every
	 * later tag is of the way back, Delivered included */
	const struct ordex_json *rts = ordex_json_get(trk, "return_to_sender");
	bool back = rts && rts->type == ORDEX_JSON_TRUE;
	if (back)
		status = "returned";
	bool trouble = strcmp(status, "label_created") && strcmp(status, "in_transit") &&
	               strcmp(status, "out_for_delivery") && strcmp(status, "delivered");
	if (back && strcmp(tag, "Exception"))
		pre = strcmp(tag, "Delivered") ? "returning to sender"
		                               : "delivered back to the sender";
	else if (trouble && submsg && strcmp(tag, "Expired"))
		pre = submsg; /* AfterShip's words for what went wrong ("Incorrect Address") */

	/* the latest checkpoint speaks for the tracking only if it shows its tag */
	const char *last_at;
	const struct ordex_json *last = latest_checkpoint(trk, NULL, &last_at);
	const char *last_tag = last ? ordex__str(last, "tag") : NULL;
	bool current = last && (!last_tag || !strcmp(last_tag, tag));

	static const char *const times[] = {"updated_at", "last_updated_at", "created_at", NULL};
	const char *updated = ordex__rfc3339(ordex__str(trk, "updated_at"), NULL);
	const char *occurred = current && last_at ? last_at : ordex__occurred(in, trk, times, when);
	if (!occurred) {
		ordex_adapter_missing(out, ordex__field(a, prefix, "updated_at"),
		                      "is required: the tracking has no time");
		return ORDEX_OK;
	}

	const char *reason =
	    ordex__reason(a, pre, current ? ordex__str(last, "message") : NULL, fallback);

	const char *delivered_at = NULL;
	if (!strcmp(status, "delivered")) {
		latest_checkpoint(trk, "Delivered", &delivered_at);
		if (!delivered_at)
			delivered_at =
			    ordex__rfc3339(ordex__str(trk, "shipment_delivery_date"), NULL);
	}

	const char *eta = eta_of(a, ordex__str(trk, "expected_delivery"));
	if (!eta)
		eta = eta_of(a, ordex__str(ordex__obj(trk, "aftership_estimated_delivery_date"),
		                           "estimated_delivery_date"));

	const char *id = ordex_arena_printf(a, "tracking/%s/%s@%s",
	                                    ordex__str(trk, "id") ? ordex__str(trk, "id") : number,
	                                    tag, updated ? updated : occurred);
	struct ordex_jw *w = ordex_adapter_begin(out, id, "shipment.updated", occurred, order);
	ordex__put(w, "shipment", number);
	ordex__put(w, "status", status);
	ordex__put(w, "tracking", number);
	ordex__put(w, "carrier", ordex__str(trk, "slug"));
	ordex__put(w, "eta", eta);
	ordex__put(w, "location", place(a, last));
	ordex__put(w, "reason", reason);
	ordex__put(w, "delivered_at", delivered_at);
	ordex__put_order_alias(w, "shopify", alias);
	return ordex_adapter_end(out);
}

/*
 * data.trackings[] of a list response: every tracking in one output. The
 * outcome is INCOMPLETE if any tracking was, else MAPPED if any event was
 * made, else IGNORED.
 */
static int map_list(const struct ordex_adapter_input *in, struct ordex_adapter_output *out,
                    const struct ordex_json *arr)
{
	bool incomplete = false;
	const char *order = NULL;
	size_t i = 0;
	int rc;

	for (const struct ordex_json *t = arr->child; t; t = t->next, i++) {
		const char *p = ordex_arena_printf(out->a, "data.trackings[%zu]", i);
		out->outcome = 0;
		out->order = NULL;
		if (t->type != ORDEX_JSON_OBJECT)
			ordex_adapter_missing(out, p, "must be a tracking object");
		else if ((rc = map_tracking(in, out, t, p, NULL)))
			return rc;
		if (out->outcome == ORDEX_ADAPT_INCOMPLETE && !incomplete) {
			incomplete = true;
			order = out->order;
		}
	}
	out->kind = "tracking";
	out->order = order;
	if (incomplete)
		out->outcome = ORDEX_ADAPT_INCOMPLETE;
	else if (out->n)
		out->outcome = ORDEX_ADAPT_MAPPED;
	else
		ordex_adapter_ignore(out, NULL,
		                     i ? "a list of trackings none of which reports a status"
		                       : "an empty list of trackings");
	return ORDEX_OK;
}

/* {"meta": {"code": ...}, "data": {...}}: an answer of AfterShip's API. */
static int map_response(const struct ordex_adapter_input *in, struct ordex_adapter_output *out,
                        const struct ordex_json *b)
{
	const struct ordex_json *meta = ordex__obj(b, "meta"), *data = ordex__obj(b, "data");
	const struct ordex_json *code = ordex_json_get(meta, "code");
	int64_t c = 200;

	if (code && (code->type != ORDEX_JSON_NUMBER || ordex_json_int(code, &c) != ORDEX_OK))
		c = 0;
	if (c < 200 || c > 299) {
		ordex_adapter_ignore(
		    out, "error",
		    ordex_arena_printf(out->a,
		                       "an API error response (meta.code %s: %s) answers a "
		                       "request and reports no parcel",
		                       code && code->str ? code->str : "none",
		                       ordex__str(meta, "message") ? ordex__str(meta, "message")
		                                                   : "no message"));
		return ORDEX_OK;
	}
	const struct ordex_json *one = ordex__obj(data, "tracking");
	const struct ordex_json *list = ordex_json_get(data, "trackings");
	if (one)
		return map_tracking(in, out, one, "data.tracking", NULL);
	if (list && list->type == ORDEX_JSON_ARRAY)
		return map_list(in, out, list);
	if (ordex_json_get(data, "couriers"))
		ordex_adapter_ignore(
		    out, "courier",
		    "a list of couriers (courier detection) does not concern orders");
	else
		ordex_adapter_ignore(out, "unknown", "an API response that holds no tracking");
	return ORDEX_OK;
}

/* {"event": "tracking_update", "event_id": ..., "msg": {tracking}, "ts": ...} */
static int map_webhook(const struct ordex_adapter_input *in, struct ordex_adapter_output *out,
                       const struct ordex_json *b)
{
	const struct ordex_json *msg = ordex__obj(b, "msg");
	const struct ordex_json *ts = ordex_json_get(b, "ts");
	const char *when = NULL;
	int64_t secs;

	if (ordex__str(b, "event_id"))
		out->event_id = ordex__str(b, "event_id");
	if (ts && ts->type == ORDEX_JSON_NUMBER && ordex_json_int(ts, &secs) == ORDEX_OK &&
	    secs > 0 && secs < INT64_C(253402300800))
		when = ordex_adapter_unix_time(out->a, secs);
	if (msg && (ordex_json_get(msg, "tracking_number") || ordex_json_get(msg, "tag")))
		return map_tracking(in, out, msg, "msg", when);
	const char *event = ordex__str(b, "event");
	if (event && strcmp(event, "tracking_update")) {
		ordex_adapter_ignore(
		    out, "unknown",
		    ordex_arena_printf(out->a, "a \"%s\" webhook does not concern orders", event));
		return ORDEX_OK;
	}
	out->kind = "tracking";
	ordex_adapter_missing(out, "msg",
	                      ordex_json_get(b, "msg")
	                          ? "must be a tracking (tracking_number, tag)"
	                          : "is required: the tracking the webhook reports");
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
	if (ordex_json_get(b, "msg") || ordex_json_get(b, "event"))
		return map_webhook(in, out, b);
	if (ordex_json_get(b, "meta") || ordex__obj(b, "data"))
		return map_response(in, out, b);
	if (ordex_json_get(b, "tracking_number") || ordex_json_get(b, "tag"))
		return map_tracking(in, out, b, "", NULL);
	ordex_adapter_ignore(out, "unknown", "not an AfterShip tracking, webhook or API response");
	return ORDEX_OK;
}

const struct ordex_adapter ordex_adapter_aftership = {"aftership", map};
