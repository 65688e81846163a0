/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stripe.c - Stripe events and API objects as canonical events.
 *
 * A payload is an Event envelope ({"object":"event","type":
 * "payment_intent.succeeded","data":{"object":{...}}}) or a bare API object
 * (the API's shape, as in the shared fixtures). Either way the object is
 * mapped by its "object" field, or by the event type's prefix when the
 * object does not say; the event type only adds what the object's state
 * cannot show (payment_intent.payment_failed, charge.refunded,
 * charge.expired):
 *
 *   payment_intent   requires_action; processing, requires_confirmation and
 *                    requires_payment_method (pending); requires_capture
 *                    (authorized); succeeded (captured, amount_received);
 *                    canceled and last_payment_error (failed, with why)
 *   charge           captured, authorized, pending, failed, with Radar's risk;
 *                    its succeeded refunds (charge.refunded, or listed on a
 *                    bare charge) as payment.refunded, one per refund
 *   refund           succeeded: payment.refunded; pending, failed, canceled
 *                    are ignored until the canonical format has a refund
 *                    status (a failed refund is not a failed payment)
 *   dispute          payment.disputed
 *   review           fraud.signal: open review, approved accept,
 *                    refunded_as_fraud cancel
 *   radar.early_fraud_warning   fraud.signal: investigate
 *   anything else    ignored, with what it was
 *
 * data.payment is the PaymentIntent's id, or the charge's for a charge made
 * without one. The order comes from metadata (order_id, order_number,
 * order; shopify_order_id as data.order_alias) of the object or of the
 * objects it names when they are expanded; a fraud signal without the
 * order is INCOMPLETE. Amounts are integers in Stripe's minor units, whose
 * exponent is Stripe's (the lists below), not always ISO 4217's. Canonical
 * ids are the event's id (evt_x, or evt_x/<refund id> when one event makes
 * several); a bare object has none, so its id and state are used
 * (pi_x/succeeded). Everything is read from the payload: no clock.
 */
#include "ingest/adapters/adapter_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/common.h"

#define MAX_REF 256 /* the canonical bound of an id or a reference */

/* Unix seconds before the year 10000: what RFC 3339 can write. */
#define MAX_UNIX INT64_C(253402300799)

/*
 * Stripe's exponents where they are not 2 (stripe.com/docs/currencies). MGA
 * is zero-decimal in Stripe but has 2 in ISO 4217; ISK has 2 in Stripe and 0
 * in ISO. Amounts are converted by Stripe's exponent, then written in ISO's.
 */
static const char *const zero_decimal[] = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA",
                                           "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"};
static const char *const three_decimal[] = {"BHD", "JOD", "KWD", "OMR", "TND"};

/* How a Stripe order reference may be named in metadata, strongest first. */
static const char *const order_keys[] = {"order_id", "order_number", "order"};

/* Where a payload's events find their order. */
struct link {
	const char *order;   /* the merchant's reference, or NULL */
	const char *shopify; /* Shopify's id of the order, or NULL */
};

/* One payload being mapped. */
struct ctx {
	const struct ordex_adapter_input *in;
	struct ordex_adapter_output *out;
	struct ordex_arena *a;
	const struct ordex_json *obj; /* the object: data.object, or the body */
	const char *at;               /* obj's path in the payload: "data.object" or "" */
	bool envelope;
	const char *evt;    /* the event's id, NULL for a bare object */
	const char *type;   /* the event's type, NULL for a bare object */
	const char *env_at; /* the event's created, RFC 3339, or NULL */
	struct link link;   /* the order of the object */
};

/* A payment event to write. */
struct pay {
	const char *type;
	const char *payment;
	const char *refund;
	const char *amount; /* NULL: none */
	const char *currency;
	const char *reason;
	int score; /* -1: none */
	const char *decision;
	const char *dispute;
	const char *status;
	const char *refund_status; /* pending, failed, canceled; NULL: succeeded */
	const char *writeback_key; /* metadata.ordex_key: a refund ordex itself asked for */
};

/* A currency as Stripe sends it, upper-cased, with both exponents. */
struct cur {
	char code[4];
	int stripe;
	int iso;
	bool ok;
};

static bool is(const char *s, const char *t)
{
	return s && strcmp(s, t) == 0;
}

static void missing(struct ctx *c, const char *base, const char *key, const char *why)
{
	ordex_adapter_missing(c->out, ordex__field(c->a, base, key), why);
}

/*
 * An id member, or the id of the object when Stripe expanded it
 * ("charge": {"id": "ch_..."}); NULL when absent, empty or too long.
 */
static const char *ref(const struct ordex_json *o, const char *key)
{
	const struct ordex_json *n = ordex_json_get(o, key);
	if (n && n->type == ORDEX_JSON_OBJECT)
		n = ordex_json_get(n, "id");
	if (!n || n->type != ORDEX_JSON_STRING || n->len == 0 || n->len > MAX_REF)
		return NULL;
	return n->str;
}

static bool get_int(const struct ordex_json *o, const char *key, int64_t *v)
{
	const struct ordex_json *n = ordex_json_get(o, key);
	return n && n->type == ORDEX_JSON_NUMBER && ordex_json_int(n, v) == ORDEX_OK;
}

static bool get_bool(const struct ordex_json *o, const char *key, bool *v)
{
	const struct ordex_json *n = ordex_json_get(o, key);
	if (!n || (n->type != ORDEX_JSON_TRUE && n->type != ORDEX_JSON_FALSE))
		return false;
	*v = n->type == ORDEX_JSON_TRUE;
	return true;
}

/* The payment a charge, refund, dispute or review names: its PaymentIntent, else its charge. */
static const char *payment_of(const struct ordex_json *o)
{
	const char *p = ref(o, "payment_intent");
	return p ? p : ref(o, "charge");
}

/* ---- order links -------------------------------------------------------- */

/* A metadata value used as a reference; a value that cannot be one is a problem. */
static const char *meta_ref(struct ctx *c, const struct ordex_json *md, const char *base,
                            const char *key)
{
	const struct ordex_json *n = ordex_json_get(md, key);
	if (!n || n->type == ORDEX_JSON_NULL)
		return NULL;
	if (n->type != ORDEX_JSON_STRING || n->len == 0 || n->len > MAX_REF) {
		missing(c, base, key, "must be a non-empty string of at most 256 bytes");
		return NULL;
	}
	return n->str;
}

/* Fills what l lacks from the metadata of o (at base). */
static void link_from(struct ctx *c, struct link *l, const struct ordex_json *o, const char *base)
{
	const struct ordex_json *md = o ? ordex_json_get(o, "metadata") : NULL;
	if (!md || md->type != ORDEX_JSON_OBJECT)
		return;
	const char *mb = ordex__field(c->a, base, "metadata");
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(order_keys) && !l->order; i++)
		l->order = meta_ref(c, md, mb, order_keys[i]);
	if (!l->shopify)
		l->shopify = meta_ref(c, md, mb, "shopify_order_id");
}

/* The order of o: its own metadata, then that of the payment and charge it expands. */
static void link_all(struct ctx *c, struct link *l, const struct ordex_json *o, const char *base)
{
	link_from(c, l, o, base);
	link_from(c, l, ordex__obj(o, "payment_intent"),
	          ordex__field(c->a, base, "payment_intent"));
	link_from(c, l, ordex__obj(o, "charge"), ordex__field(c->a, base, "charge"));
}

/* ---- time and money ---------------------------------------------------- */

/*
 * When the fact happened: the event's created; for a bare object its member
 * key (Unix seconds), else its created; else when the delivery was received.
 * NULL, with a problem, when there is no time at all.
 */
static const char *occurred(struct ctx *c, const struct ordex_json *o, const char *base,
                            const char *key)
{
	int64_t s;
	if (c->env_at)
		return c->env_at;
	if ((get_int(o, key, &s) || get_int(o, "created", &s)) && s >= 0 && s <= MAX_UNIX)
		return ordex_adapter_unix_time(c->a, s);
	if (c->in->received_at)
		return c->in->received_at;
	missing(c, base, "created", "is required: a Unix time in seconds");
	return NULL;
}

static int stripe_exponent(const char *code)
{
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(zero_decimal); i++)
		if (!strcmp(code, zero_decimal[i]))
			return 0;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(three_decimal); i++)
		if (!strcmp(code, three_decimal[i]))
			return 3;
	return 2;
}

/* o's currency; when required, a problem if it is absent or unknown. */
static void get_cur(struct ctx *c, const struct ordex_json *o, const char *base, bool required,
                    struct cur *cur)
{
	const char *s = ordex__text(o, "currency");
	memset(cur, 0, sizeof(*cur));
	if (!s) {
		if (required)
			missing(c, base, "currency", "is required");
		return;
	}
	cur->iso = ordex__currency(s, strlen(s), cur->code);
	if (cur->iso < 0) {
		if (required)
			ordex_adapter_missing(
			    c->out, ordex__field(c->a, base, "currency"),
			    ordex_arena_printf(c->a, "unknown currency \"%s\"", s));
		return;
	}
	cur->stripe = stripe_exponent(cur->code);
	cur->ok = true;
}

/* minor (not negative) as a decimal with exp places. */
static void decimal(int64_t minor, int exp, char *out)
{
	char tmp[24];
	int nd = 0;
	uint64_t v = (uint64_t)minor;
	do {
		tmp[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (nd <= exp)
		tmp[nd++] = '0';
	while (nd) {
		if (nd == exp)
			*out++ = '.';
		*out++ = tmp[--nd];
	}
	*out = '\0';
}

/*
 * The member key of o, an integer of Stripe's minor units of cur, as a
 * decimal in major units that ISO 4217 accepts ("9899" JPY, "1.234" KWD).
 * NULL when it is absent or unusable: a problem when required.
 */
static const char *amount(struct ctx *c, const struct ordex_json *o, const char *base,
                          const char *key, const struct cur *cur, bool required)
{
	const struct ordex_json *n = ordex_json_get(o, key);
	int64_t minor;
	char d[32];

	if (!n || n->type == ORDEX_JSON_NULL) {
		if (required)
			missing(c, base, key, "is required");
		return NULL;
	}
	if (n->type != ORDEX_JSON_NUMBER || ordex_json_int(n, &minor) != ORDEX_OK || minor < 0) {
		if (required)
			missing(c, base, key,
			        "must be a non-negative integer of Stripe minor units");
		return NULL;
	}
	if (!cur->ok)
		return NULL; /* the currency's problem is already told */
	if (cur->stripe == cur->iso)
		return ordex_adapter_minor_to_decimal(c->a, minor, cur->code);
	if (cur->stripe < cur->iso) {
		decimal(minor, cur->stripe, d); /* "500" MGA: fewer places than ISO allows */
		return ordex_arena_strdup(c->a, d);
	}
	int64_t scale = 1;
	for (int i = cur->iso; i < cur->stripe; i++)
		scale *= 10;
	if (minor % scale) {
		if (required)
			ordex_adapter_missing(
			    c->out, ordex__field(c->a, base, key),
			    ordex_arena_printf(c->a,
			                       "\"%lld\" in Stripe's %d-decimal %s is not a whole "
			                       "amount of its ISO 4217 minor unit",
			                       (long long)minor, cur->stripe, cur->code));
		return NULL;
	}
	decimal(minor / scale, cur->iso, d);
	return ordex_arena_strdup(c->a, d);
}

/* ---- writing events ---------------------------------------------------- */

/*
 * The canonical id of one event of this payload: the event's id, with
 * "/suffix" when the payload makes several; for a bare object, bare.
 */
static const char *canon_id(struct ctx *c, bool several, const char *suffix, const char *bare)
{
	if (c->evt)
		return several ? ordex_arena_printf(c->a, "%s/%s", c->evt, suffix) : c->evt;
	return bare;
}

/* Whether id can be a canonical id; a problem on the object's id when not. */
static bool id_fits(struct ctx *c, const char *base, const char *id)
{
	if (strlen(id) <= MAX_REF)
		return true;
	missing(c, base, "id", "is too long to make a canonical event id");
	return false;
}

static int emit_payment(struct ctx *c, const char *id, const char *when, const struct link *l,
                        const struct pay *p)
{
	struct ordex_jw *w = ordex_adapter_begin(c->out, id, p->type, when, l->order);
	ordex_jw_key(w, "payment");
	ordex_jw_str(w, p->payment);
	ordex__put(w, "refund", p->refund);
	ordex__put(w, "refund_status", p->refund_status);
	ordex__put(w, "writeback_key", p->writeback_key);
	if (p->amount) {
		ordex__put(w, "amount", p->amount);
		ordex__put(w, "currency", p->currency);
	}
	ordex__put(w, "reason", p->reason);
	if (p->score >= 0 || p->decision) {
		ordex_jw_key(w, "risk");
		ordex_jw_obj(w);
		ordex__put(w, "decision", p->decision);
		if (p->score >= 0) {
			ordex_jw_key(w, "score");
			ordex_jw_int(w, p->score);
		}
		ordex_jw_obj_end(w);
	}
	ordex__put(w, "dispute", p->dispute);
	ordex__put(w, "dispute_status", p->status);
	ordex__put_order_alias(w, "shopify", l->shopify);
	return ordex_adapter_end(c->out);
}

/* "<decline or code>: <message>", from whichever parts Stripe gave, or NULL. */
static const char *failure(struct ctx *c, const char *code, const char *decline,
                           const char *message)
{
	const char *head = decline ? decline : code;
	if (head && message)
		return ordex_arena_printf(c->a, "%s: %s", head, message);
	return head ? head : message;
}

/* Radar's verdict on a charge: outcome.risk_score and a decision from risk_level. */
static void risk_of(const struct ordex_json *o, struct pay *p)
{
	const struct ordex_json *oc = ordex__obj(o, "outcome");
	int64_t s;
	p->score = -1;
	if (!oc)
		return;
	if (get_int(oc, "risk_score", &s) && s >= 0 && s <= 100)
		p->score = (int)s;
	const char *level = ordex__text(oc, "risk_level");
	const char *type = ordex__text(oc, "type");
	if (is(level, "elevated") || is(level, "highest") || is(type, "manual_review"))
		p->decision = "review";
	else if (is(level, "normal") && is(type, "authorized"))
		p->decision = "accept";
}

/* ---- payment intents --------------------------------------------------- */

static int map_payment_intent(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *id = ref(o, "id");
	const char *status = ordex__text(o, "status");
	const struct ordex_json *err = ordex__obj(o, "last_payment_error");
	struct pay p = {.score = -1};
	const char *amount_key = "amount", *state = status, *time_key = "created";
	bool need_amount = false;
	struct cur cur;
	int64_t v;

	link_all(c, &c->link, o, c->at);
	if (!id)
		missing(c, c->at, "id", "is required");
	if (is(status, "canceled") || is(c->type, "payment_intent.canceled")) {
		const char *why = ordex__text(o, "cancellation_reason");
		p.type = "payment.failed";
		p.reason = why ? ordex_arena_printf(c->a, "canceled: %s", why) : "canceled";
		state = "canceled";
		time_key = "canceled_at";
	} else if (is(c->type, "payment_intent.payment_failed") ||
	           (is(status, "requires_payment_method") && err)) {
		p.type = "payment.failed";
		p.reason =
		    err ? failure(c, ordex__text(err, "code"), ordex__text(err, "decline_code"),
		                  ordex__text(err, "message"))
		        : NULL;
		if (!p.reason)
			p.reason = err && ordex__text(err, "type") ? ordex__text(err, "type")
			                                           : "payment failed";
		const char *ch = err ? ref(err, "charge") : NULL;
		state = ch ? ordex_arena_printf(c->a, "payment_failed/%s", ch) : "payment_failed";
	} else if (is(status, "requires_action")) {
		p.type = "payment.requires_action";
	} else if (is(status, "processing") || is(status, "requires_payment_method") ||
	           is(status, "requires_confirmation")) {
		p.type = "payment.pending";
	} else if (is(status, "requires_capture")) {
		p.type = "payment.authorized";
		amount_key =
		    get_int(o, "amount_capturable", &v) && v > 0 ? "amount_capturable" : "amount";
		need_amount = true;
	} else if (is(status, "succeeded")) {
		p.type = "payment.captured";
		amount_key =
		    get_int(o, "amount_received", &v) && v > 0 ? "amount_received" : "amount";
		need_amount = true;
	} else {
		missing(c, c->at, "status",
		        status ? ordex_arena_printf(c->a, "unknown payment intent status \"%s\"",
		                                    status)
		               : "is required");
		return ORDEX_OK;
	}
	get_cur(c, o, c->at, need_amount, &cur);
	p.amount = amount(c, o, c->at, amount_key, &cur, need_amount);
	p.currency = cur.code;
	p.payment = id;
	const char *when = occurred(c, o, c->at, time_key);
	if (c->out->outcome == ORDEX_ADAPT_INCOMPLETE || !when || !id_fits(c, c->at, id))
		return ORDEX_OK;
	const char *bare = ordex_arena_printf(c->a, "%s/%s", id, state);
	return emit_payment(c, canon_id(c, false, NULL, bare), when, &c->link, &p);
}

/* ---- refunds ----------------------------------------------------------- */

/*
 * One succeeded refund r (at base) of payment as payment.refunded. cur_from
 * gives the currency when r has none (a refund listed on its charge).
 */
static int emit_refund(struct ctx *c, const struct ordex_json *r, const char *base,
                       const char *payment, const struct ordex_json *cur_from,
                       const struct link *owner, const char *id, const char *refund_status)
{
	const char *rid = ref(r, "id");
	struct pay p = {.type = "payment.refunded", .score = -1, .refund_status = refund_status};
	struct link l = {0};
	struct cur cur;
	int before = c->out->problems.n + c->out->problems.dropped;

	if (!rid)
		missing(c, base, "id", "is required");
	if (!payment)
		missing(c, base, "payment_intent",
		        "is required: the refund names neither a payment intent nor a charge");
	get_cur(c, ordex__text(r, "currency") ? r : cur_from, base, true, &cur);
	p.amount = amount(c, r, base, "amount", &cur, true);
	link_all(c, &l, r, base);
	if (!l.order)
		l.order = owner->order;
	if (!l.shopify)
		l.shopify = owner->shopify;
	if (!c->link.order)
		c->link.order = l.order;
	const char *when = occurred(c, r, base, "created");
	if (c->out->problems.n + c->out->problems.dropped != before || !when)
		return ORDEX_OK;
	p.payment = payment;
	p.refund = rid;
	p.currency = cur.code;
	p.reason = ordex__text(r, "reason");
	p.writeback_key = ordex__text(ordex_json_get(r, "metadata"), "ordex_key");
	return emit_payment(c, id ? id : rid, when, &l, &p);
}

static const char *refund_why(struct ctx *c, const char *status)
{
	if (is(status, "pending") || is(status, "requires_action"))
		return ordex_arena_printf(c->a,
		                          "a %s refund is not money back yet; it is recorded "
		                          "when it succeeds",
		                          status);
	return ordex_arena_printf(c->a,
	                          "a %s refund: the payment itself did not fail, and the "
	                          "canonical format has no refund status yet",
	                          status);
}

static int map_refund(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *id = ref(o, "id");
	const char *status = ordex__text(o, "status");

	link_all(c, &c->link, o, c->at);
	if (!status) {
		missing(c, c->at, "status", "is required");
		return ORDEX_OK;
	}
	/* a refund under way counts as refunded; one that failed or was canceled
	 * counts no more, whatever was counted before */
	const char *settled = NULL;
	if (is(status, "pending") || is(status, "requires_action"))
		settled = "pending";
	else if (is(status, "failed") || is(status, "canceled"))
		settled = status;
	else if (!is(status, "succeeded")) {
		ordex_adapter_ignore(c->out, "refund", refund_why(c, status));
		return ORDEX_OK;
	}
	if (id && !id_fits(c, c->at, id))
		return ORDEX_OK;
	const char *bare = id ? ordex_arena_printf(c->a, "%s/%s", id, status) : NULL;
	return emit_refund(c, o, c->at, payment_of(o), o, &c->link, canon_id(c, false, NULL, bare),
	                   settled);
}

/*
 * The succeeded refunds a charge lists (refunds.data), one event each.
 * required: the payload is about refunds (charge.refunded), so a charge
 * without the list, or with refunds that are not done, says so.
 */
static int charge_refunds(struct ctx *c, const struct ordex_json *o, const char *id,
                          const char *payment, bool required)
{
	const struct ordex_json *list = ordex_adapter_path(o, "refunds.data");
	const char *lb = ordex__field(c->a, c->at, "refunds.data");
	size_t n = 0;
	int64_t refunded = 0;
	int rc;

	if (!list || list->type != ORDEX_JSON_ARRAY) {
		if (required || (get_int(o, "amount_refunded", &refunded) && refunded > 0))
			ordex_adapter_missing(c->out, lb,
			                      "is required to name each refund (Stripe lists "
			                      "refunds on a charge only when expanded)");
		return ORDEX_OK;
	}
	for (const struct ordex_json *r = list->child; r; r = r->next)
		if (is(ordex__text(r, "status"), "succeeded"))
			n++;
	if (n == 0) {
		if (!required)
			return ORDEX_OK;
		if (list->count == 0)
			ordex_adapter_missing(c->out, lb,
			                      "is empty: a refunded charge must list its refunds");
		else
			ordex_adapter_ignore(c->out, "charge",
			                     "none of the charge's refunds has succeeded yet; each "
			                     "is recorded when it succeeds");
		return ORDEX_OK;
	}
	size_t i = 0;
	for (const struct ordex_json *r = list->child; r; r = r->next, i++) {
		if (!is(ordex__text(r, "status"), "succeeded"))
			continue;
		const char *base = ordex_arena_printf(c->a, "%s[%zu]", lb, i);
		const char *rid = ref(r, "id");
		const char *rp = ref(r, "payment_intent");
		if (!rid) {
			missing(c, base, "id", "is required");
			continue;
		}
		const char *bare = ordex_arena_printf(c->a, "%s/%s", id, rid);
		if (!id_fits(c, base, rid) || !id_fits(c, c->at, bare))
			continue;
		rc = emit_refund(c, r, base, rp ? rp : payment, o, &c->link,
		                 canon_id(c, n > 1, rid, bare), NULL);
		if (rc)
			return rc;
	}
	return ORDEX_OK;
}

/* ---- charges ----------------------------------------------------------- */

static int map_charge(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *id = ref(o, "id");
	const char *status = ordex__text(o, "status");
	const char *payment = ref(o, "payment_intent");
	struct pay p = {0};
	const char *amount_key = "amount", *state;
	bool captured = false, need_amount = false;
	struct cur cur;
	int64_t v;
	int rc;

	link_all(c, &c->link, o, c->at);
	if (!id) {
		missing(c, c->at, "id", "is required");
		return ORDEX_OK;
	}
	if (!id_fits(c, c->at, id))
		return ORDEX_OK;
	if (!payment)
		payment = id; /* a charge made without a PaymentIntent is the payment */
	if (is(c->type, "charge.refunded"))
		return charge_refunds(c, o, id, payment, true);

	risk_of(o, &p);
	get_bool(o, "captured", &captured);
	if (is(c->type, "charge.expired")) {
		p.type = "payment.failed";
		p.reason = "expired: the authorization lapsed before it was captured";
		state = "expired";
	} else if (is(status, "failed")) {
		const struct ordex_json *oc = ordex__obj(o, "outcome");
		p.type = "payment.failed";
		p.reason = failure(c, ordex__text(o, "failure_code"),
		                   oc ? ordex__text(oc, "reason") : NULL,
		                   ordex__text(o, "failure_message"));
		if (!p.reason)
			p.reason = "payment failed";
		state = "failed";
	} else if (is(status, "pending")) {
		p.type = "payment.pending";
		state = "pending";
	} else if (is(status, "succeeded") && captured) {
		p.type = "payment.captured";
		state = "captured";
		if (get_int(o, "amount_captured", &v) && v > 0)
			amount_key = "amount_captured";
		need_amount = true;
	} else if (is(status, "succeeded")) {
		p.type = "payment.authorized";
		state = "authorized";
		need_amount = true;
	} else {
		missing(c, c->at, "status",
		        status ? ordex_arena_printf(c->a, "unknown charge status \"%s\"", status)
		               : "is required");
		return ORDEX_OK;
	}
	get_cur(c, o, c->at, need_amount, &cur);
	p.amount = amount(c, o, c->at, amount_key, &cur, need_amount);
	p.currency = cur.code;
	p.payment = payment;
	const char *when = occurred(c, o, c->at, "created");
	if (c->out->outcome == ORDEX_ADAPT_INCOMPLETE || !when)
		return ORDEX_OK;
	const char *bare = ordex_arena_printf(c->a, "%s/%s", id, state);
	if ((rc = emit_payment(c, canon_id(c, false, NULL, bare), when, &c->link, &p)))
		return rc;
	/* a bare charge is a snapshot: the refunds it lists happened too */
	return c->envelope ? ORDEX_OK : charge_refunds(c, o, id, payment, false);
}

/* ---- disputes ---------------------------------------------------------- */

static int map_dispute(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *id = ref(o, "id");
	const char *status = ordex__text(o, "status");
	const char *payment = payment_of(o);
	struct pay p = {.type = "payment.disputed", .score = -1};
	struct cur cur;

	link_all(c, &c->link, o, c->at);
	if (!id)
		missing(c, c->at, "id", "is required");
	if (!payment)
		missing(c, c->at, "charge",
		        "is required: the dispute names neither a payment intent nor a charge");
	get_cur(c, o, c->at, true, &cur);
	p.amount = amount(c, o, c->at, "amount", &cur, true);
	const char *when = occurred(c, o, c->at, "created");
	if (c->out->outcome == ORDEX_ADAPT_INCOMPLETE || !when || !id_fits(c, c->at, id))
		return ORDEX_OK;
	p.payment = payment;
	p.currency = cur.code;
	p.reason = ordex__text(o, "reason");
	p.dispute = id;
	p.status = status;
	const char *bare = ordex_arena_printf(c->a, "%s/%s", id, status ? status : "disputed");
	return emit_payment(c, canon_id(c, false, NULL, bare), when, &c->link, &p);
}

/* ---- fraud signals ----------------------------------------------------- */

/*
 * A fraud signal needs the merchant's order reference, which Stripe knows
 * only through the payment's metadata: name that field when it is not
 * there. Shopify's id alone does not make the signal: docs/events.md asks
 * fraud.signal for its order.
 */
static void no_order(struct ctx *c, const char *what, const char *payment)
{
	const struct ordex_json *o = c->obj;
	if (!payment) {
		missing(c, c->at, "charge",
		        ordex_arena_printf(
		            c->a, "is required: the %s names no payment, so no order", what));
		return;
	}
	const char *via = ref(o, "payment_intent") ? "payment_intent" : "charge";
	const char *f =
	    ordex__field(c->a, c->at, ordex_arena_printf(c->a, "%s.metadata.order_id", via));
	if (c->link.shopify)
		ordex_adapter_missing(
		    c->out, f,
		    ordex_arena_printf(c->a,
		                       "is required: a fraud signal names its order, and payment "
		                       "\"%s\" carries only Shopify's id \"%s\" of it",
		                       payment, c->link.shopify));
	else
		ordex_adapter_missing(
		    c->out, f,
		    ordex_arena_printf(c->a,
		                       "is required: a fraud signal names its order, and the %s "
		                       "reaches it only through payment \"%s\"",
		                       what, payment));
}

static int emit_signal(struct ctx *c, const char *id, const char *when, const char *rec,
                       const char *kind, const char *payment, const struct ordex_json *o)
{
	bool actionable;
	struct ordex_jw *w = ordex_adapter_begin(c->out, id, "fraud.signal", when, c->link.order);
	ordex_jw_key(w, "recommendation");
	ordex_jw_str(w, rec);
	ordex_jw_key(w, "kind");
	ordex_jw_str(w, kind);
	ordex_jw_key(w, "payment");
	ordex_jw_str(w, payment);
	ordex__put(w, "reason", ordex__text(o, "reason"));
	ordex__put(w, "fraud_type", ordex__text(o, "fraud_type"));
	if (get_bool(o, "actionable", &actionable)) {
		ordex_jw_key(w, "actionable");
		ordex_jw_bool(w, actionable);
	}
	ordex__put_order_alias(w, "shopify", c->link.shopify);
	return ordex_adapter_end(c->out);
}

static int map_review(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *id = ref(o, "id");
	const char *closed = ordex__text(o, "closed_reason");
	const char *payment = payment_of(o);
	const char *rec, *state;
	bool open;

	link_all(c, &c->link, o, c->at);
	if (!id) {
		missing(c, c->at, "id", "is required");
		return ORDEX_OK;
	}
	if (!get_bool(o, "open", &open)) {
		missing(c, c->at, "open", "is required: true or false");
		return ORDEX_OK;
	}
	if (open) {
		rec = "review";
		state = "open";
	} else if (is(closed, "approved")) {
		rec = "accept";
		state = closed;
	} else if (is(closed, "refunded_as_fraud")) {
		rec = "cancel";
		state = closed;
	} else {
		ordex_adapter_ignore(
		    c->out, "review",
		    ordex_arena_printf(c->a,
		                       "a review closed as \"%s\" gives no fraud verdict; its "
		                       "refund or dispute arrives as its own event",
		                       closed ? closed : "unknown"));
		return ORDEX_OK;
	}
	if (!c->link.order && !c->link.shopify && !payment) {
		no_order(c, "review", payment);
		return ORDEX_OK;
	}
	const char *when = occurred(c, o, c->at, "created");
	if (c->out->outcome == ORDEX_ADAPT_INCOMPLETE || !when || !id_fits(c, c->at, id))
		return ORDEX_OK;
	const char *bare = ordex_arena_printf(c->a, "%s/%s", id, state);
	return emit_signal(c, canon_id(c, false, NULL, bare), when, rec, "radar_review", payment,
	                   o);
}

static int map_warning(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *id = ref(o, "id");
	const char *payment = payment_of(o);
	bool actionable = true;

	link_all(c, &c->link, o, c->at);
	if (!id) {
		missing(c, c->at, "id", "is required");
		return ORDEX_OK;
	}
	if (!c->link.order && !c->link.shopify && !payment) {
		no_order(c, "early fraud warning", payment);
		return ORDEX_OK;
	}
	get_bool(o, "actionable", &actionable);
	const char *when = occurred(c, o, c->at, "created");
	if (c->out->outcome == ORDEX_ADAPT_INCOMPLETE || !when || !id_fits(c, c->at, id))
		return ORDEX_OK;
	const char *bare =
	    ordex_arena_printf(c->a, "%s/%s", id, actionable ? "actionable" : "not_actionable");
	return emit_signal(c, canon_id(c, false, NULL, bare), when, "investigate",
	                   "early_fraud_warning", payment, o);
}

/* ---- what is not about orders ------------------------------------------ */

static const struct {
	const char *object;
	const char *why;
} ignored[] = {
    {"customer", "a customer record does not concern orders: orders carry their customer"},
    {"balance_transaction", "a balance transaction is Stripe's ledger, not a payment's state"},
    {"payment_method", "a payment method is a saved means of payment, not a payment"},
    {"setup_intent", "a setup intent saves a payment method and moves no money"},
    {"checkout.session", "a checkout session is followed through its payment intent"},
    {"invoice", "an invoice belongs to Stripe Billing, not to shop orders"},
    {"payout", "a payout moves the Stripe balance to a bank, not an order's payment"},
    {"product", "a product does not concern orders"},
    {"price", "a price does not concern orders"},
};

static void ignore(struct ctx *c, const char *object)
{
	const char *why = NULL;
	bool deleted = false;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(ignored) && !why; i++)
		if (!strcmp(object, ignored[i].object))
			why = ignored[i].why;
	if (c->obj && get_bool(c->obj, "deleted", &deleted) && deleted)
		why = ordex_arena_printf(c->a, "a deleted %s does not concern orders", object);
	if (!why)
		why = ordex_arena_printf(c->a, "a Stripe %s does not concern orders", object);
	if (c->type)
		why = ordex_arena_printf(c->a, "%s: %s", c->type, why);
	ordex_adapter_ignore(c->out, ordex_arena_strdup(c->a, object), why);
}

/* ---- the adapter ------------------------------------------------------- */

static const struct {
	const char *object;
	const char *kind;
	const char *type_prefix; /* events about it, when the object does not say */
	int (*map)(struct ctx *c);
} kinds[] = {
    {"dispute", "dispute", "charge.dispute.", map_dispute},
    {"refund", "refund", "charge.refund.", map_refund},
    {"refund", "refund", "refund.", map_refund},
    {"payment_intent", "payment_intent", "payment_intent.", map_payment_intent},
    {"charge", "charge", "charge.", map_charge},
    {"review", "review", "review.", map_review},
    {"radar.early_fraud_warning", "early_fraud_warning", "radar.early_fraud_warning.", map_warning},
};

static int map(const struct ordex_adapter_input *in, struct ordex_adapter_output *out)
{
	struct ctx c = {.in = in, .out = out, .a = out->a, .at = ""};
	const struct ordex_json *body = in->body;
	const char *object = NULL;
	int64_t s;
	int rc = ORDEX_OK;

	if (!body || body->type != ORDEX_JSON_OBJECT) {
		ordex_adapter_ignore(out, "unknown",
		                     "not a Stripe event or object: the body is not a JSON object");
		return ORDEX_OK;
	}
	if (is(ordex__text(body, "object"), "event")) {
		c.envelope = true;
		c.evt = ref(body, "id");
		c.type = ordex__text(body, "type");
		c.at = "data.object";
		c.obj = ordex__obj(ordex_json_get(body, "data"), "object");
		if (get_int(body, "created", &s) && s >= 0 && s <= MAX_UNIX)
			c.env_at = ordex_adapter_unix_time(c.a, s);
		out->event_id = c.evt;
	} else {
		c.obj = body;
		c.type = in->topic;
	}
	if (c.obj)
		object = ordex__text(c.obj, "object");
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(kinds) && !object && c.type; i++)
		if (!strncmp(c.type, kinds[i].type_prefix, strlen(kinds[i].type_prefix)))
			object = kinds[i].object;

	size_t k = 0;
	while (k < ORDEX_ARRAY_LEN(kinds) && !is(object, kinds[k].object))
		k++;
	if (k < ORDEX_ARRAY_LEN(kinds)) {
		out->kind = kinds[k].kind;
		if (c.obj)
			rc = kinds[k].map(&c);
		else
			ordex_adapter_missing(out, "data.object", "is required");
	} else if (object) {
		ignore(&c, object);
	} else {
		ordex_adapter_ignore(out, c.type ? "event" : "unknown",
		                     c.type ? ordex_arena_printf(c.a,
		                                                 "a %s event with no object does "
		                                                 "not concern orders",
		                                                 c.type)
		                            : "not a Stripe event or object: no \"object\" field");
	}
	if (out->outcome == ORDEX_ADAPT_INCOMPLETE && !out->order)
		out->order = c.link.order;
	if (!out->outcome)
		ordex_adapter_missing(out, c.at, "could not be mapped");
	return rc;
}

const struct ordex_adapter ordex_adapter_stripe = {"stripe", map};
