/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event.c - validation of canonical events (docs/events.md).
 *
 * A table gives each type its rules (does it need an order, which data
 * fields are required); small field readers check one field each and add a
 * problem naming the field's path when it is wrong. Validation goes on
 * after a problem so that the answer lists all of them.
 */
#include "ingest/event.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "core/sha256.h"
#include "core/timeutil.h"

#define MAX_REF   256
#define MAX_TEXT  4096
#define MAX_LINES 1000

enum {
	NEED_ORDER = 1 << 0,
	NEED_PAYMENT = 1 << 1,
	NEED_AMOUNT = 1 << 2,
	NEED_REFUND = 1 << 3,
	NEED_SHIPMENT = 1 << 4,
	NEED_STATUS = 1 << 5,
};

static const struct {
	const char *name;
	unsigned need;
} types[ORDEX_EV_COUNT] = {
    [ORDEX_EV_UNKNOWN] = {"", 0},
    [ORDEX_EV_ORDER_CREATED] = {"order.created", NEED_ORDER},
    [ORDEX_EV_ORDER_UPDATED] = {"order.updated", NEED_ORDER},
    [ORDEX_EV_ORDER_CANCELLED] = {"order.cancelled", NEED_ORDER},
    [ORDEX_EV_PAYMENT_AUTHORIZED] = {"payment.authorized", NEED_PAYMENT | NEED_AMOUNT},
    [ORDEX_EV_PAYMENT_CAPTURED] = {"payment.captured", NEED_PAYMENT | NEED_AMOUNT},
    [ORDEX_EV_PAYMENT_PENDING] = {"payment.pending", NEED_PAYMENT},
    [ORDEX_EV_PAYMENT_REQUIRES_ACTION] = {"payment.requires_action", NEED_PAYMENT},
    [ORDEX_EV_PAYMENT_FAILED] = {"payment.failed", NEED_PAYMENT},
    [ORDEX_EV_PAYMENT_REFUNDED] = {"payment.refunded", NEED_PAYMENT | NEED_AMOUNT | NEED_REFUND},
    [ORDEX_EV_PAYMENT_DISPUTED] = {"payment.disputed", NEED_PAYMENT | NEED_AMOUNT},
    [ORDEX_EV_FRAUD_SIGNAL] = {"fraud.signal", NEED_ORDER},
    [ORDEX_EV_INVENTORY_LEVEL] = {"inventory.level", 0},
    [ORDEX_EV_SHIPMENT_CREATED] = {"shipment.created", NEED_SHIPMENT},
    [ORDEX_EV_SHIPMENT_UPDATED] = {"shipment.updated", NEED_SHIPMENT | NEED_STATUS},
    [ORDEX_EV_ADDRESS_VERIFIED] = {"address.verified", NEED_ORDER},
    [ORDEX_EV_ADDRESS_INVALID] = {"address.invalid", NEED_ORDER},
    [ORDEX_EV_CUSTOMER_UPDATED] = {"customer.updated", 0},
    [ORDEX_EV_TICKET_CREATED] = {"ticket.created", 0},
    [ORDEX_EV_TICKET_UPDATED] = {"ticket.updated", 0},
    [ORDEX_EV_DATA_ISSUE] = {"data.issue", NEED_ORDER},
    [ORDEX_EV_INVENTORY_ITEM] = {"inventory.item", 0},
    [ORDEX_EV_INVENTORY_LOCATION] = {"inventory.location", 0},
};

static const char *ship_names[] = {
    [ORDEX_SHIP_NONE] = "",
    [ORDEX_SHIP_LABEL_CREATED] = "label_created",
    [ORDEX_SHIP_IN_TRANSIT] = "in_transit",
    [ORDEX_SHIP_OUT_FOR_DELIVERY] = "out_for_delivery",
    [ORDEX_SHIP_FAILED_ATTEMPT] = "failed_attempt",
    [ORDEX_SHIP_EXCEPTION] = "exception",
    [ORDEX_SHIP_DELIVERED] = "delivered",
    [ORDEX_SHIP_RETURNED] = "returned",
    [ORDEX_SHIP_LOST] = "lost",
};

enum ordex_event_type ordex_event_type_from_name(const char *name)
{
	for (int t = 1; t < ORDEX_EV_COUNT; t++)
		if (strcmp(types[t].name, name) == 0)
			return (enum ordex_event_type)t;
	return ORDEX_EV_UNKNOWN;
}

const char *ordex_event_type_name(enum ordex_event_type t)
{
	return (t > 0 && t < ORDEX_EV_COUNT) ? types[t].name : "unknown";
}

const char *ordex_ship_status_name(enum ordex_ship_status s)
{
	return (s >= 0 && (size_t)s < ORDEX_ARRAY_LEN(ship_names)) ? ship_names[s] : "";
}

void ordex_problem_add(struct ordex_problems *p, struct ordex_arena *a, const char *field,
                       const char *fmt, ...)
{
	if (p->n >= ORDEX_MAX_PROBLEMS) {
		p->dropped++;
		return;
	}
	va_list ap;
	char tmp[512];
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	p->items[p->n].field = ordex_arena_strdup(a, field);
	p->items[p->n].reason = ordex_arena_strdup(a, tmp);
	p->n++;
}

/* The validation state of one document. */
struct v {
	struct ordex_arena *a;
	struct ordex_problems *p;
	const struct ordex_json *data;
};

/*
 * A problem with the member parent.key (key alone without a parent). The
 * name is only put together here: every member an event carries was named
 * ahead, with a printf, which cost more than checking it.
 */
static void bad(struct v *v, const char *parent, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void bad(struct v *v, const char *parent, const char *key, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	const char *field = parent ? ordex_arena_printf(v->a, "%s.%s", parent, key) : key;
	ordex_problem_add(v->p, v->a, field, "%s", reason);
}

/*
 * A string member: NULL when absent. Wrong type, empty, too long: a
 * problem. required adds "is required" when absent or null.
 */
static const char *get_str(struct v *v, const struct ordex_json *obj, const char *parent,
                           const char *key, bool required, size_t max)
{
	const struct ordex_json *n = ordex_json_get(obj, key);
	if (!n || n->type == ORDEX_JSON_NULL) {
		if (required)
			bad(v, parent, key, n ? "must not be null" : "is required");
		return NULL;
	}
	if (n->type != ORDEX_JSON_STRING) {
		bad(v, parent, key, "must be a string, not %s", ordex_json_type_name(n->type));
		return NULL;
	}
	if (n->len == 0) {
		bad(v, parent, key, "must not be empty");
		return NULL;
	}
	if (n->len > max) {
		bad(v, parent, key, "is longer than %zu bytes", max);
		return NULL;
	}
	return n->str;
}

static bool get_int(struct v *v, const struct ordex_json *obj, const char *parent, const char *key,
                    bool required, int64_t min, int64_t max, int64_t *out)
{
	const struct ordex_json *n = ordex_json_get(obj, key);
	if (!n || n->type == ORDEX_JSON_NULL) {
		if (required)
			bad(v, parent, key, n ? "must not be null" : "is required");
		return false;
	}
	int64_t x;
	if (n->type != ORDEX_JSON_NUMBER || ordex_json_int(n, &x) != ORDEX_OK) {
		bad(v, parent, key, "must be an integer");
		return false;
	}
	if (x < min || x > max) {
		bad(v, parent, key, "must be between %lld and %lld", (long long)min,
		    (long long)max);
		return false;
	}
	*out = x;
	return true;
}

/* "dddd-dd-dd" in front, whether or not it is a real day. */
static bool looks_like_date(const char *s)
{
	for (int i = 0; i < 10; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return false;
	return true;
}

/* A time member: RFC 3339 with an offset, or YYYY-MM-DD when allow_date. */
static void get_when(struct v *v, const struct ordex_json *obj, const char *parent, const char *key,
                     bool required, bool allow_date, int tz_offset, struct ordex_when *out)
{
	const char *s = get_str(v, obj, parent, key, required, 64);
	if (!s)
		return;
	size_t n = strlen(s);
	int y, m, d;
	if (allow_date && n == 10 && ordex_date_parse(s, n, &y, &m, &d) == ORDEX_OK) {
		out->us = ordex_date_end_of_day(y, m, d, tz_offset);
		out->offset_min = tz_offset;
		out->set = true;
		out->date_only = true;
		return;
	}
	if (ordex_time_parse(s, n, &out->us, &out->offset_min) != ORDEX_OK) {
		if (n >= 10 && looks_like_date(s) &&
		    ordex_date_parse(s, 10, &y, &m, &d) != ORDEX_OK) {
			bad(v, parent, key, "names a day that does not exist (%.10s)", s);
			return;
		}
		bad(v, parent, key,
		    allow_date ? "must be an RFC 3339 time with an offset or a "
		                 "date YYYY-MM-DD"
		               : "must be an RFC 3339 time with an offset");
		return;
	}
	out->set = true;
}

static void get_currency(struct v *v, const struct ordex_json *obj, bool required, char out[4])
{
	const char *s = get_str(v, obj, "data", "currency", required, 64);
	if (!s)
		return;
	if (strlen(s) != 3 || ordex_currency_exponent(s) < 0) {
		ordex_problem_add(v->p, v->a, "data.currency", "unknown currency \"%s\"", s);
		return;
	}
	memcpy(out, s, 4);
}

/*
 * A money member, a decimal in major units as a string or a JSON number,
 * in currency (which must already be known to be valid).
 */
static void get_money(struct v *v, const struct ordex_json *obj, const char *parent,
                      const char *key, bool required, const char *currency,
                      struct ordex_money_field *out)
{
	const struct ordex_json *n = ordex_json_get(obj, key);
	if (!n || n->type == ORDEX_JSON_NULL) {
		if (required)
			bad(v, parent, key, n ? "must not be null" : "is required");
		return;
	}
	if (n->type != ORDEX_JSON_STRING && n->type != ORDEX_JSON_NUMBER) {
		bad(v, parent, key, "must be a decimal amount, not %s",
		    ordex_json_type_name(n->type));
		return;
	}
	if (!currency[0]) {
		bad(v, parent, key, "needs a valid data.currency");
		return;
	}
	char why[128];
	if (ordex_money_parse(n->str, n->len, currency, 0, &out->minor, why, sizeof(why)) !=
	    ORDEX_OK) {
		bad(v, parent, key, "%s", why);
		return;
	}
	out->set = true;
}

static int match(const char *s, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (names[i] && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* {"source": "...", "id": "..."} at path p. */
static bool get_alias(struct v *v, const struct ordex_json *n, const char *p,
                      struct ordex_alias *out)
{
	if (n->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(v->p, v->a, p, "must be an object with source and id");
		return false;
	}
	out->source = get_str(v, n, p, "source", true, 64);
	out->id = get_str(v, n, p, "id", true, MAX_REF);
	return out->source && out->id;
}

/*
 * Identity hints any event may carry: data.aliases (order events: the
 * order's ids in other systems), data.order_alias and data.order_candidates
 * (events that do not know the merchant's order reference).
 */
static void validate_identity(struct v *v, struct ordex_event *ev)
{
	const struct ordex_json *al = ordex_json_get(v->data, "aliases");
	if (al && al->type != ORDEX_JSON_NULL) {
		if (al->type != ORDEX_JSON_ARRAY || al->count > 16) {
			ordex_problem_add(v->p, v->a, "data.aliases",
			                  "must be an array of at most 16 {source, id} objects");
		} else {
			ev->aliases =
			    ordex_arena_zalloc(v->a, sizeof(*ev->aliases) * (al->count + 1));
			size_t i = 0;
			for (const struct ordex_json *it = al->child; it; it = it->next, i++)
				if (get_alias(v, it,
				              ordex_arena_printf(v->a, "data.aliases[%zu]", i),
				              &ev->aliases[ev->n_aliases]))
					ev->n_aliases++;
		}
	}
	const struct ordex_json *oa = ordex_json_get(v->data, "order_alias");
	if (oa && oa->type != ORDEX_JSON_NULL)
		get_alias(v, oa, "data.order_alias", &ev->order_alias);
	const struct ordex_json *oc = ordex_json_get(v->data, "order_candidates");
	if (oc && oc->type != ORDEX_JSON_NULL) {
		if (oc->type != ORDEX_JSON_ARRAY || oc->count > 16) {
			ordex_problem_add(v->p, v->a, "data.order_candidates",
			                  "must be an array of at most 16 strings");
			return;
		}
		ev->order_candidates = ordex_arena_zalloc(v->a, sizeof(char *) * (oc->count + 1));
		size_t i = 0;
		for (const struct ordex_json *it = oc->child; it; it = it->next, i++) {
			if (it->type != ORDEX_JSON_STRING || it->len == 0 || it->len > MAX_REF) {
				ordex_problem_add(
				    v->p, v->a,
				    ordex_arena_printf(v->a, "data.order_candidates[%zu]", i),
				    "must be a non-empty string of at most %d bytes", MAX_REF);
				continue;
			}
			ev->order_candidates[ev->n_candidates++] = it->str;
		}
	}
}

static void validate_lines(struct v *v, struct ordex_event *ev)
{
	const struct ordex_json *arr = ordex_json_get(v->data, "lines");
	if (!arr)
		return;
	if (arr->type != ORDEX_JSON_ARRAY) {
		ordex_problem_add(v->p, v->a, "data.lines", "must be an array, not %s",
		                  ordex_json_type_name(arr->type));
		return;
	}
	if (arr->count > MAX_LINES) {
		ordex_problem_add(v->p, v->a, "data.lines", "has more than %d lines", MAX_LINES);
		return;
	}
	ev->lines_set = true;
	ev->n_lines = arr->count;
	ev->lines = ordex_arena_zalloc(v->a, sizeof(*ev->lines) * (arr->count + 1));
	size_t i = 0;
	for (const struct ordex_json *it = arr->child; it; it = it->next, i++) {
		const char *p = ordex_arena_printf(v->a, "data.lines[%zu]", i);
		if (it->type != ORDEX_JSON_OBJECT) {
			ordex_problem_add(v->p, v->a, p, "must be an object");
			continue;
		}
		struct ordex_line *l = &ev->lines[i];
		l->sku = get_str(v, it, p, "sku", true, MAX_REF);
		l->ref = get_str(v, it, p, "id", false, MAX_REF);
		get_int(v, it, p, "qty", true, 1, 1000000, &l->qty);
		get_money(v, it, p, "price", false, ev->currency, &l->price);
		for (size_t j = 0; j < i; j++) {
			if (l->ref && ev->lines[j].ref && strcmp(l->ref, ev->lines[j].ref) == 0) {
				bad(v, p, "id", "repeats line id \"%s\"", l->ref);
				break;
			}
		}
	}
}

/* Appends s folded (ASCII lower case, only letters and digits) to b. */
static void fold(struct ordex_buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 'A' && c <= 'Z')
			ordex_buf_putc(b, (char)(c - 'A' + 'a'));
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80)
			ordex_buf_putc(b, (char)c);
	}
}

/*
 * "12 Rue X, 69001, FR" and "12 rue x 69001 fr" are one address: line1,
 * the postal code and the country folded; NULL without line1 and country.
 */
static const char *address_key(struct ordex_arena *a, const struct ordex_json *addr)
{
	const char *line1 = ordex_json_string(ordex_json_get(addr, "line1"));
	const char *zip = ordex_json_string(ordex_json_get(addr, "zip"));
	const char *country = ordex_json_string(ordex_json_get(addr, "country"));
	if (!zip)
		zip = ordex_json_string(ordex_json_get(addr, "postal"));
	if (!country)
		country = ordex_json_string(ordex_json_get(addr, "country_code"));
	if (!line1 || !country)
		return NULL;
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	fold(&b, line1);
	ordex_buf_putc(&b, '|');
	fold(&b, zip);
	ordex_buf_putc(&b, '|');
	fold(&b, country);
	const char *key = ordex_arena_strndup(a, b.data, b.len);
	ordex_buf_free(&b);
	return key;
}

static void validate_address(struct v *v, struct ordex_event *ev)
{
	const struct ordex_json *addr = ordex_json_get(v->data, "shipping_address");
	if (!addr)
		return;
	if (addr->type == ORDEX_JSON_NULL) {
		ev->address_state = -1;
		ev->address_why = "the order has no shipping address";
		return;
	}
	if (addr->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(v->p, v->a, "data.shipping_address",
		                  "must be an object or null, not %s",
		                  ordex_json_type_name(addr->type));
		return;
	}
	/* every member a string or null, within bounds; the whole object is
	 * kept as it came (any script, emoji, right-to-left text) */
	for (const struct ordex_json *m = addr->child; m; m = m->next) {
		if (m->type != ORDEX_JSON_STRING && m->type != ORDEX_JSON_NULL) {
			bad(v, "data.shipping_address", m->key, "must be a string or null, not %s",
			    ordex_json_type_name(m->type));
			return;
		}
		if (m->type == ORDEX_JSON_STRING && m->len > 1024) {
			bad(v, "data.shipping_address", m->key, "is longer than 1024 bytes");
			return;
		}
	}
	if (addr->count > 32) {
		ordex_problem_add(v->p, v->a, "data.shipping_address", "has more than 32 fields");
		return;
	}
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_json_write(&b, addr);
	ev->ship_to = ordex_arena_strndup(v->a, b.data, b.len);
	ordex_buf_free(&b);
	ev->address_key = address_key(v->a, addr);
	static const char *const need[] = {"line1", "city", "country"};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(need); i++) {
		const struct ordex_json *f = ordex_json_get(addr, need[i]);
		if (f && f->type != ORDEX_JSON_STRING && f->type != ORDEX_JSON_NULL) {
			bad(v, "data.shipping_address", need[i], "must be a string, not %s",
			    ordex_json_type_name(f->type));
			return;
		}
		if (!f || f->type == ORDEX_JSON_NULL || f->len == 0) {
			ev->address_state = -1;
			ev->address_why =
			    ordex_arena_printf(v->a, "the shipping address has no %s", need[i]);
			return;
		}
	}
	ev->address_state = 1;
}

static void validate_order(struct v *v, struct ordex_event *ev)
{
	int64_t ver;
	if (get_int(v, v->data, "data", "version", false, 0, INT64_MAX, &ver))
		ev->version = ver;
	const char *tz = get_str(v, v->data, "data", "time_zone", false, 64);
	if (tz) {
		if (ordex_offset_parse(tz, strlen(tz), &ev->tz_offset_min) != ORDEX_OK)
			ordex_problem_add(v->p, v->a, "data.time_zone",
			                  "must be a UTC offset such as \"-03:00\"");
		else
			ev->tz_set = true;
	}
	int tz_off = ev->tz_set ? ev->tz_offset_min : ev->occurred.offset_min;
	get_when(v, v->data, "data", "updated_at", false, false, 0, &ev->updated_at);
	get_when(v, v->data, "data", "promised_at", false, true, tz_off, &ev->promised);
	get_when(v, v->data, "data", "ship_by", false, true, tz_off, &ev->ship_by);

	ev->status = get_str(v, v->data, "data", "status", false, 64);
	ev->financial_status = get_str(v, v->data, "data", "financial_status", false, 64);
	ev->customer = get_str(v, v->data, "data", "customer", false, MAX_REF);
	ev->email = get_str(v, v->data, "data", "email", false, MAX_REF);
	/* who may see the order (customer scopes): as the source labels it */
	ev->brand = get_str(v, v->data, "data", "brand", false, 64);
	ev->region = get_str(v, v->data, "data", "region", false, 64);
	ev->segment = get_str(v, v->data, "data", "segment", false, 64);
	bool has_total = ordex_json_get(v->data, "total") != NULL;
	get_currency(v, v->data, has_total, ev->currency);
	get_money(v, v->data, "data", "total", false, ev->currency, &ev->total);
	validate_lines(v, ev);
	validate_address(v, ev);
}

static void validate_payment(struct v *v, struct ordex_event *ev, unsigned need)
{
	ev->payment = get_str(v, v->data, "data", "payment", true, MAX_REF);
	bool has_amount = ordex_json_get(v->data, "amount") != NULL;
	get_currency(v, v->data, (need & NEED_AMOUNT) || has_amount, ev->currency);
	get_money(v, v->data, "data", "amount", need & NEED_AMOUNT, ev->currency, &ev->amount);
	ev->refund = get_str(v, v->data, "data", "refund", need & NEED_REFUND, MAX_REF);
	ev->refund_status = get_str(v, v->data, "data", "refund_status", false, 16);
	/* the idempotency key of ordex's own writeback, when the refund is its echo */
	ev->writeback_key = get_str(v, v->data, "data", "writeback_key", false, MAX_REF);
	if (ev->refund_status && strcmp(ev->refund_status, "succeeded") &&
	    strcmp(ev->refund_status, "pending") && strcmp(ev->refund_status, "failed") &&
	    strcmp(ev->refund_status, "canceled"))
		ordex_problem_add(v->p, v->a, "data.refund_status",
		                  "must be one of succeeded, pending, failed, canceled");
	ev->reason = get_str(v, v->data, "data", "reason", false, MAX_TEXT);
	const struct ordex_json *risk = ordex_json_get(v->data, "risk");
	if (risk && risk->type != ORDEX_JSON_NULL) {
		if (risk->type != ORDEX_JSON_OBJECT) {
			ordex_problem_add(v->p, v->a, "data.risk", "must be an object");
			return;
		}
		ev->risk_decision = get_str(v, risk, "data.risk", "decision", false, 32);
		int64_t score;
		if (get_int(v, risk, "data.risk", "score", false, 0, 100, &score))
			ev->risk_score = (int)score;
	}
}

static void validate_fraud(struct v *v, struct ordex_event *ev)
{
	static const char *const recs[] = {NULL, "accept", "review", "investigate", "cancel"};
	static const char *const sevs[] = {"low", "medium", "high", "critical"};
	int before = v->p->n + v->p->dropped;
	int64_t score;
	if (get_int(v, v->data, "data", "score", false, 0, 100, &score))
		ev->risk_score = (int)score;
	const char *rec = get_str(v, v->data, "data", "recommendation", false, 32);
	if (rec) {
		int i = match(rec, recs, ORDEX_ARRAY_LEN(recs));
		if (i < 0)
			ordex_problem_add(v->p, v->a, "data.recommendation",
			                  "must be one of accept, review, investigate, cancel");
		else
			ev->fraud_rec = (enum ordex_fraud_rec)i;
	}
	ev->severity = get_str(v, v->data, "data", "severity", false, 16);
	if (ev->severity && match(ev->severity, sevs, ORDEX_ARRAY_LEN(sevs)) < 0) {
		ordex_problem_add(v->p, v->a, "data.severity",
		                  "must be one of low, medium, high, critical");
		ev->severity = NULL;
	}
	ev->signal_kind = get_str(v, v->data, "data", "kind", false, 64);
	/* a signal about a payment finds its order through the payment */
	ev->payment = get_str(v, v->data, "data", "payment", false, MAX_REF);
	/* not when a signal field was given but wrong; problems elsewhere do not count */
	if (ev->risk_score < 0 && !rec && !ev->severity && v->p->n + v->p->dropped == before)
		ordex_problem_add(v->p, v->a, "data",
		                  "needs at least one of score, recommendation, severity");
}

static void validate_shipment(struct v *v, struct ordex_event *ev, unsigned need)
{
	ev->shipment = get_str(v, v->data, "data", "shipment", true, MAX_REF);
	const char *st = get_str(v, v->data, "data", "status", need & NEED_STATUS, 32);
	if (st) {
		int i = match(st, ship_names, ORDEX_ARRAY_LEN(ship_names));
		if (i <= 0)
			ordex_problem_add(v->p, v->a, "data.status",
			                  "must be one of label_created, in_transit, "
			                  "out_for_delivery, failed_attempt, exception, "
			                  "delivered, returned, lost");
		else
			ev->ship_status = (enum ordex_ship_status)i;
	} else if (!(need & NEED_STATUS)) {
		ev->ship_status = ORDEX_SHIP_LABEL_CREATED;
	}
	ev->carrier = get_str(v, v->data, "data", "carrier", false, MAX_REF);
	ev->tracking = get_str(v, v->data, "data", "tracking", false, MAX_REF);
	ev->location = get_str(v, v->data, "data", "location", false, MAX_TEXT);
	ev->reason = get_str(v, v->data, "data", "reason", false, MAX_TEXT);
	get_when(v, v->data, "data", "eta", false, true, ev->occurred.offset_min, &ev->eta);
	get_when(v, v->data, "data", "delivered_at", false, false, 0, &ev->delivered_at);
}

int ordex_event_validate(struct ordex_arena *a, const struct ordex_json *doc, const char *raw,
                         size_t raw_len, struct ordex_event *ev, struct ordex_problems *probs)
{
	memset(ev, 0, sizeof(*ev));
	ev->version = -1;
	ev->risk_score = -1;
	ev->raw = raw;
	ev->raw_len = raw_len;
	ordex_sha256(ev->sha256, (const unsigned char *)raw, raw_len);
	if (doc) {
		struct ordex_buf compact;
		ordex_buf_init(&compact, 0);
		ordex_json_write(&compact, doc);
		ordex_sha256(ev->digest, (const unsigned char *)compact.data, compact.len);
		ordex_buf_free(&compact);
	}

	struct v v = {.a = a, .p = probs};
	if (!doc || doc->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(probs, a, "", "an event must be a JSON object");
		return ORDEX_E_INVAL;
	}
	ev->id = get_str(&v, doc, NULL, "id", true, MAX_REF);
	ev->source = get_str(&v, doc, NULL, "source", true, 64);
	if (ev->source) {
		for (const char *c = ev->source; *c; c++) {
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
			      *c == '-' || *c == '.')) {
				ordex_problem_add(probs, a, "source",
				                  "must use only a-z, 0-9, '_', '-' and '.'");
				ev->source = NULL;
				break;
			}
		}
	}
	ev->type_name = get_str(&v, doc, NULL, "type", true, 64);
	get_when(&v, doc, NULL, "occurred_at", true, false, 0, &ev->occurred);
	ev->order = get_str(&v, doc, NULL, "order", false, MAX_REF);

	const struct ordex_json *data = ordex_json_get(doc, "data");
	static const struct ordex_json empty = {.type = ORDEX_JSON_OBJECT};
	if (data && data->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(probs, a, "data", "must be an object, not %s",
		                  ordex_json_type_name(data->type));
		data = NULL;
	}
	v.data = data ? data : &empty;

	if (ev->type_name) {
		ev->type = ordex_event_type_from_name(ev->type_name);
		if (ev->type == ORDEX_EV_UNKNOWN)
			ordex_problem_add(probs, a, "type", "unknown event type \"%s\"",
			                  ev->type_name);
	}
	if (ev->type == ORDEX_EV_UNKNOWN)
		return ORDEX_E_INVAL;

	validate_identity(&v, ev);
	unsigned need = types[ev->type].need;
	const struct ordex_json *order = ordex_json_get(doc, "order");
	/* an order is created under its own name; later facts may name it otherwise */
	bool order_event = ev->type == ORDEX_EV_ORDER_CREATED;
	bool named_otherwise =
	    !order_event &&
	    (ev->order_alias.source || ev->n_candidates ||
	     (ev->type == ORDEX_EV_FRAUD_SIGNAL && ordex_json_get(v.data, "payment")));
	if ((need & NEED_ORDER) && !order && !named_otherwise)
		ordex_problem_add(probs, a, "order", "is required for %s%s", ev->type_name,
		                  order_event ? ""
		                              : " (or data.order_alias or data.order_candidates)");
	else if ((need & NEED_ORDER) && order && order->type == ORDEX_JSON_NULL)
		ordex_problem_add(probs, a, "order", "must not be null");

	switch (ev->type) {
	case ORDEX_EV_ORDER_CREATED:
	case ORDEX_EV_ORDER_UPDATED: validate_order(&v, ev); break;
	case ORDEX_EV_ORDER_CANCELLED:
		ev->reason = get_str(&v, v.data, "data", "reason", false, MAX_TEXT);
		break;
	case ORDEX_EV_PAYMENT_AUTHORIZED:
	case ORDEX_EV_PAYMENT_CAPTURED:
	case ORDEX_EV_PAYMENT_PENDING:
	case ORDEX_EV_PAYMENT_REQUIRES_ACTION:
	case ORDEX_EV_PAYMENT_FAILED:
	case ORDEX_EV_PAYMENT_REFUNDED:
	case ORDEX_EV_PAYMENT_DISPUTED: validate_payment(&v, ev, need); break;
	case ORDEX_EV_FRAUD_SIGNAL: validate_fraud(&v, ev); break;
	case ORDEX_EV_INVENTORY_LEVEL:
		/* the SKU, or the source's own item id that an inventory.item maps to one */
		ev->item = get_str(&v, v.data, "data", "item", false, MAX_REF);
		ev->sku = get_str(&v, v.data, "data", "sku", !ev->item, MAX_REF);
		ev->location = get_str(&v, v.data, "data", "location", true, MAX_REF);
		get_int(&v, v.data, "data", "available", true, -1000000000, 1000000000,
		        &ev->available);
		break;
	case ORDEX_EV_SHIPMENT_CREATED:
	case ORDEX_EV_SHIPMENT_UPDATED: validate_shipment(&v, ev, need); break;
	case ORDEX_EV_ADDRESS_VERIFIED:
	case ORDEX_EV_ADDRESS_INVALID:
		ev->reason = get_str(&v, v.data, "data", "reason", false, MAX_TEXT);
		break;
	case ORDEX_EV_CUSTOMER_UPDATED:
		ev->customer = get_str(&v, v.data, "data", "customer", true, MAX_REF);
		ev->email = get_str(&v, v.data, "data", "email", false, MAX_REF);
		ev->name = get_str(&v, v.data, "data", "name", false, MAX_TEXT);
		break;
	case ORDEX_EV_TICKET_CREATED:
	case ORDEX_EV_TICKET_UPDATED:
		ev->ticket = get_str(&v, v.data, "data", "ticket", true, MAX_REF);
		ev->subject = get_str(&v, v.data, "data", "subject", false, MAX_TEXT);
		ev->status = get_str(&v, v.data, "data", "status", false, 64);
		ev->email = get_str(&v, v.data, "data", "requester_email", false, MAX_REF);
		ev->priority = get_str(&v, v.data, "data", "priority", false, 32);
		break;
	case ORDEX_EV_INVENTORY_ITEM:
		ev->item = get_str(&v, v.data, "data", "item", true, MAX_REF);
		ev->sku = get_str(&v, v.data, "data", "sku", true, MAX_REF);
		break;
	case ORDEX_EV_INVENTORY_LOCATION:
		ev->location = get_str(&v, v.data, "data", "location", true, MAX_REF);
		ev->warehouse = get_str(&v, v.data, "data", "warehouse", true, MAX_REF);
		break;
	case ORDEX_EV_DATA_ISSUE:
		ev->issue_key = get_str(&v, v.data, "data", "key", true, MAX_REF);
		ev->reason = get_str(&v, v.data, "data", "reason", true, MAX_TEXT);
		break;
	default: break;
	}
	return probs->n ? ORDEX_E_INVAL : ORDEX_OK;
}
