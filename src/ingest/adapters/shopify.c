/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shopify.c - Shopify webhook payloads (and Admin REST API objects of the
 * same shape) as canonical events.
 *
 * The resource a payload holds is found three ways, the most specific
 * first: an envelope names it by its key (the API's {"order": {...}} and
 * {"orders": [...]}, the fulfillment order topics' {"fulfillment_order":
 * {...}, "created_fulfillment_hold": {...}}); else the topic does
 * (X-Shopify-Topic "orders/create"); else the object's own shape does (a
 * refund has refund_line_items, a fulfillment has tracking fields, ...).
 * A list maps element by element into one output.
 *
 * Each resource has one mapper. It first reads and checks every field it
 * needs, naming the field's path within the payload when one is missing or
 * unusable, and writes events only when all were usable: a payload is
 * mapped whole or reported INCOMPLETE whole, never half.
 *
 * Identity follows docs/internals/adapters.md: an order's reference is its
 * name without '#' and its Shopify id goes in data.aliases; whatever knows
 * only the Shopify order id carries data.order_alias. Event ids are built
 * from Shopify's ids and the object's updated_at, or the status the fact
 * moved to, so that a redelivery yields the same id and the same bytes.
 * A snapshot (order, fulfillment, customer, inventory level) also carries
 * a digest of the object: Shopify's times have whole seconds, and two
 * different snapshots within one second must not share an id.
 */
#include "ingest/adapters/adapter_int.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/money.h"
#include "core/timeutil.h"

/* What is being mapped: one resource object and where it sits. */
struct ctx {
	const struct ordex_adapter_input *in;
	struct ordex_adapter_output *out;
	struct ordex_arena *a;
	const struct ordex_json *obj; /* the resource */
	const struct ordex_json *env; /* the envelope around it, or NULL */
	const char *at;               /* obj's path in the payload: "", "order.", "orders[1]." */
	const char *verb;             /* the topic's action ("create"), or NULL */
	bool bad;                     /* a field of obj was missing or unusable */
};

/* ---- reading fields ---------------------------------------------------- */

static const char *fpath(struct ctx *c, const char *sub, const char *key)
{
	return ordex_arena_printf(c->a, "%s%s%s", c->at, sub, key);
}

static void miss(struct ctx *c, const char *sub, const char *key, const char *reason)
{
	c->bad = true;
	ordex_adapter_missing(c->out, fpath(c, sub, key), reason);
}

static int ignore(struct ctx *c, const char *why)
{
	ordex_adapter_ignore(c->out, NULL, why);
	return ORDEX_OK;
}

static bool present(const struct ordex_json *o, const char *key)
{
	const struct ordex_json *n = ordex_json_get(o, key);
	return n && n->type != ORDEX_JSON_NULL;
}

/*
 * A Shopify id: a number as its literal, or a string. A GraphQL id
 * ("gid://shopify/Order/450789469") gives its last segment, so that REST
 * and GraphQL payloads name an object alike. NULL when absent or empty.
 */
static const char *ident(struct ctx *c, const struct ordex_json *o, const char *key)
{
	const struct ordex_json *n = ordex_json_get(o, key);
	if (!n || (n->type != ORDEX_JSON_NUMBER && n->type != ORDEX_JSON_STRING) || !n->len)
		return NULL;
	if (n->type == ORDEX_JSON_STRING && !strncmp(n->str, "gid://", 6)) {
		const char *s = strrchr(n->str, '/') + 1;
		size_t len = strcspn(s, "?");
		return len ? ordex_arena_strndup(c->a, s, len) : NULL;
	}
	return n->str;
}

static const char *need_id(struct ctx *c, const struct ordex_json *o, const char *sub,
                           const char *key)
{
	const char *id = ident(c, o, key);
	if (!id)
		miss(c, sub, key, "is required");
	return id;
}

/* An RFC 3339 time as sent, or NULL when absent; a problem when it is not one. */
static const char *when(struct ctx *c, const struct ordex_json *o, const char *sub, const char *key)
{
	const struct ordex_json *n = ordex_json_get(o, key);
	int64_t us;
	int off;
	if (!n || n->type == ORDEX_JSON_NULL || (n->type == ORDEX_JSON_STRING && !n->len))
		return NULL;
	if (n->type != ORDEX_JSON_STRING || ordex_time_parse(n->str, n->len, &us, &off)) {
		miss(c, sub, key, "must be an RFC 3339 time with an offset");
		return NULL;
	}
	return n->str;
}

/* An ISO 4217 code, upper-cased, or NULL. */
static const char *currency(struct ctx *c, const struct ordex_json *o, const char *sub,
                            const char *key, bool required)
{
	const struct ordex_json *n = ordex_json_get(o, key);
	char up[4];
	if (!n || n->type == ORDEX_JSON_NULL || (n->type == ORDEX_JSON_STRING && !n->len)) {
		if (required)
			miss(c, sub, key, "is required");
		return NULL;
	}
	if (n->type != ORDEX_JSON_STRING || ordex__currency(n->str, n->len, up) < 0) {
		miss(c, sub, key, "must be a known ISO 4217 currency code");
		return NULL;
	}
	return ordex_arena_strdup(c->a, up);
}

/*
 * A decimal amount in major units of cur, as Shopify sent it ("409.94";
 * "9899" in JPY), or NULL. Too many decimals for the currency is a
 * problem, never rounded. Without cur (already reported) it is not read.
 */
static const char *amount(struct ctx *c, const struct ordex_json *o, const char *sub,
                          const char *key, const char *cur, bool required)
{
	const struct ordex_json *n = ordex_json_get(o, key);
	int64_t minor;
	char why[128];
	if (!n || n->type == ORDEX_JSON_NULL) {
		if (required)
			miss(c, sub, key, "is required");
		return NULL;
	}
	if (n->type != ORDEX_JSON_STRING && n->type != ORDEX_JSON_NUMBER) {
		miss(c, sub, key, "must be a decimal amount");
		return NULL;
	}
	if (!cur)
		return NULL;
	if (ordex_money_parse(n->str, n->len, cur, 0, &minor, why, sizeof(why))) {
		miss(c, sub, key, ordex_arena_strdup(c->a, why));
		return NULL;
	}
	return n->str;
}

/* The time a fact happened: t, else when the payload was received. */
static const char *occurred(struct ctx *c, const char *t, const char *key)
{
	if (t)
		return t;
	if (c->in->received_at)
		return c->in->received_at;
	miss(c, "", key, "is required");
	return NULL;
}

/*
 * What makes an event id distinct per fact: "@<time>" of the fact, else
 * "/<delivery id>" (the same across Shopify's retries), else the time the
 * payload was received.
 */
static const char *stamp(struct ctx *c, const char *t)
{
	if (t)
		return ordex_arena_printf(c->a, "@%s", t);
	if (c->in->delivery_id)
		return ordex_arena_printf(c->a, "/%s", c->in->delivery_id);
	return ordex_arena_printf(c->a, "@%s", c->in->received_at ? c->in->received_at : "");
}

/*
 * The id suffix of a snapshot: its stamp and a digest (FNV-1a) of the
 * object as received. The same object gives the same suffix, so a
 * redelivery or the same snapshot under another topic is a duplicate; a
 * different object at the same second gets its own id instead of a
 * conflict that Shopify would retry forever.
 */
static const char *snapshot(struct ctx *c, const char *t)
{
	struct ordex_buf b;
	uint64_t h = 1469598103934665603ULL;
	ordex_buf_init(&b, 0);
	ordex_json_write(&b, c->obj);
	for (size_t i = 0; i < b.len; i++)
		h = (h ^ (unsigned char)b.data[i]) * 1099511628211ULL;
	ordex_buf_free(&b);
	return ordex_arena_printf(c->a, "%s/%016llx", stamp(c, t), (unsigned long long)h);
}

/* ---- writing data members ---------------------------------------------- */

/* A string member copied byte for byte. */
static void put_text(struct ordex_jw *w, const char *key, const struct ordex_json *n)
{
	if (!n || n->type != ORDEX_JSON_STRING)
		return;
	ordex_jw_key(w, key);
	ordex_jw_strn(w, n->str, n->len);
}

static void put_aliases(struct ordex_jw *w, const char *id)
{
	ordex_jw_key(w, "aliases");
	ordex_jw_arr(w);
	ordex__put_alias(w, "shopify", id);
	ordex_jw_arr_end(w);
}

/* ---- orders ------------------------------------------------------------ */

/* The merchant's reference: the name without '#' ("#1001" -> "1001"), else order_number. */
static const char *order_ref(struct ctx *c, const struct ordex_json *o)
{
	const char *name = ordex__text(o, "name");
	if (name && name[0] == '#')
		name++;
	return name && *name ? name : ident(c, o, "order_number");
}

static const char *order_status(const struct ordex_json *o, const char *cancelled)
{
	const char *f = ordex__text(o, "fulfillment_status");
	if (cancelled)
		return "cancelled";
	if (!f || !strcmp(f, "unfulfilled"))
		return "open";
	if (!strcmp(f, "partial"))
		return "partially_fulfilled";
	return f; /* fulfilled, restocked, and whatever Shopify adds, as sent */
}

struct line {
	const char *id, *sku, *price;
	int64_t qty;
};

/*
 * The quantity still on the order: current_quantity (what edits and
 * removals left) when Shopify sends it, else quantity.
 */
static bool quantity(struct ctx *c, const struct ordex_json *it, const char *sub, int64_t *q)
{
	const char *key = present(it, "current_quantity") ? "current_quantity" : "quantity";
	const struct ordex_json *n = ordex_json_get(it, key);
	if (!n || n->type == ORDEX_JSON_NULL) {
		miss(c, sub, key, "is required");
		return false;
	}
	if (n->type != ORDEX_JSON_NUMBER || ordex_json_int(n, q) || *q < 0) {
		miss(c, sub, key, "must be a whole number");
		return false;
	}
	return true;
}

/*
 * Reads line_items into lines (n of them; lines whose quantity is now 0
 * are left out). A line's sku is its SKU, else "variant-<variant_id>",
 * else for a custom item (neither) "custom-<line id>".
 */
static struct line *read_lines(struct ctx *c, const struct ordex_json *items, const char *cur,
                               size_t *n, bool *ships)
{
	struct line *lines = ordex_arena_zalloc(c->a, sizeof(*lines) * (items->count + 1));
	size_t i = 0;
	*n = 0;
	for (const struct ordex_json *it = items->child; it; it = it->next, i++) {
		const char *sub = ordex_arena_printf(c->a, "line_items[%zu].", i);
		const struct ordex_json *rs = ordex_json_get(it, "requires_shipping");
		struct line *l = &lines[*n];
		const char *variant;
		if (it->type != ORDEX_JSON_OBJECT) {
			miss(c, ordex_arena_printf(c->a, "line_items[%zu]", i), "",
			     "must be an object");
			continue;
		}
		if (rs && rs->type == ORDEX_JSON_TRUE)
			*ships = true;
		if (!quantity(c, it, sub, &l->qty) || l->qty == 0)
			continue;
		l->id = ident(c, it, "id");
		l->sku = ordex__text(it, "sku");
		variant = ident(c, it, "variant_id");
		if (!l->sku && variant)
			l->sku = ordex_arena_printf(c->a, "variant-%s", variant);
		else if (!l->sku && l->id)
			l->sku = ordex_arena_printf(c->a, "custom-%s", l->id);
		else if (!l->sku) {
			miss(c, sub, "sku", "is required (or variant_id or id)");
			continue;
		}
		l->price = amount(c, it, sub, "price", cur, false);
		(*n)++;
	}
	return lines;
}

/* The shipping address in canonical names, every string as it came. */
static void put_address(struct ordex_jw *w, const struct ordex_json *s)
{
	static const char *const names[][2] = {
	    {"address1", "line1"},
	    {"address2", "line2"},
	    {"city", "city"},
	    {"zip", "zip"},
	    {"province", "province"},
	    {"province_code", "province_code"},
	    {"country_code", "country_code"},
	    {"name", "name"},
	    {"first_name", "first_name"},
	    {"last_name", "last_name"},
	    {"company", "company"},
	    {"phone", "phone"},
	};
	const struct ordex_json *country = ordex_json_get(s, "country");
	ordex_jw_key(w, "shipping_address");
	ordex_jw_obj(w);
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(names); i++)
		put_text(w, names[i][1], ordex_json_get(s, names[i][0]));
	if (!ordex__text(s, "country"))
		country = ordex_json_get(s, "country_code");
	put_text(w, "country", country);
	ordex_jw_obj_end(w);
}

static int map_order(struct ctx *c)
{
	const struct ordex_json *o = c->obj, *items = ordex_json_get(o, "line_items");
	const struct ordex_json *addr = ordex_json_get(o, "shipping_address");
	const struct ordex_json *cust = ordex_json_get(o, "customer");
	const char *id = need_id(c, o, "", "id"), *ref = order_ref(c, o);
	const char *created = when(c, o, "", "created_at"), *updated = when(c, o, "", "updated_at");
	const char *cancelled = when(c, o, "", "cancelled_at");
	bool priced = present(o, "total_price"), ships = false, create;
	struct line *lines = NULL;
	size_t n_lines = 0;

	if (!ref)
		miss(c, "", "name", "is required (or order_number)");
	if (!present(o, "created_at") && !present(o, "updated_at"))
		miss(c, "", "updated_at", "is required");
	if (items && items->type != ORDEX_JSON_ARRAY && items->type != ORDEX_JSON_NULL)
		miss(c, "", "line_items", "must be an array");
	if (addr && addr->type != ORDEX_JSON_OBJECT && addr->type != ORDEX_JSON_NULL)
		miss(c, "", "shipping_address", "must be an object or null");
	if (items && items->type == ORDEX_JSON_ARRAY)
		for (const struct ordex_json *it = items->child; it; it = it->next)
			priced |= present(it, "price");
	const char *cur = currency(c, o, "", "currency", priced);
	const char *total = amount(c, o, "", "total_price", cur, false);
	if (items && items->type == ORDEX_JSON_ARRAY)
		lines = read_lines(c, items, cur, &n_lines, &ships);
	if (c->bad) {
		c->out->order = ref;
		return ORDEX_OK;
	}

	const char *ver = updated ? updated : created;
	const char *cid = ident(c, cust, "id");
	const char *email = ordex__text(o, "email");
	if (!email)
		email = ordex__text(o, "contact_email");
	if (!email)
		email = ordex__text(cust, "email");
	/* without a topic, a snapshot never updated is the order's creation */
	create = c->verb ? !strcmp(c->verb, "create")
	                 : !updated || ordex__same_instant(created, updated);

	struct ordex_jw *w = ordex_adapter_begin(
	    c->out,
	    create ? ordex_arena_printf(c->a, "order/%s/created%s", id, snapshot(c, ver))
	           : ordex_arena_printf(c->a, "order/%s%s", id, snapshot(c, ver)),
	    create ? "order.created" : "order.updated", create && created ? created : ver, ref);
	put_aliases(w, id);
	ordex__put(w, "updated_at", updated);
	ordex__put(w, "status", order_status(o, cancelled));
	ordex__put(w, "financial_status", ordex__text(o, "financial_status"));
	ordex__put(w, "total", total);
	ordex__put(w, "currency", cur);
	if (cid)
		ordex__put(w, "customer", ordex_arena_printf(c->a, "shopify-%s", cid));
	ordex__put(w, "email", email);
	if (lines) {
		ordex_jw_key(w, "lines");
		ordex_jw_arr(w);
		for (size_t i = 0; i < n_lines; i++) {
			ordex_jw_obj(w);
			ordex__put(w, "id", lines[i].id);
			ordex__put(w, "sku", lines[i].sku);
			ordex_jw_key(w, "qty");
			ordex_jw_int(w, lines[i].qty);
			ordex__put(w, "price", lines[i].price);
			ordex_jw_obj_end(w);
		}
		ordex_jw_arr_end(w);
	}
	if (addr && addr->type == ORDEX_JSON_OBJECT) {
		put_address(w, addr);
	} else if (ships) {
		/* only an order that ships lacks an address by having none */
		ordex_jw_key(w, "shipping_address");
		ordex_jw_null(w);
	}
	int rc = ordex_adapter_end(c->out);
	if (rc || !cancelled)
		return rc;

	w = ordex_adapter_begin(c->out,
	                        ordex_arena_printf(c->a, "order/%s/cancelled@%s", id, cancelled),
	                        "order.cancelled", cancelled, ref);
	put_aliases(w, id);
	ordex__put(w, "reason", ordex__text(o, "cancel_reason"));
	return ordex_adapter_end(c->out);
}

/* ---- money: transactions, refunds, disputes ---------------------------- */

/* The canonical type of a transaction of kind that ended in status, or NULL. */
static const char *txn_type(const char *kind, const char *status)
{
	bool ok = !strcmp(status, "success"), pending = !strcmp(status, "pending");
	bool failed = !strcmp(status, "failure") || !strcmp(status, "error");
	if (!ok && !pending && !failed)
		return NULL;
	if (!strcmp(kind, "authorization") || !strcmp(kind, "emv_authorization"))
		return ok ? "payment.authorized" : pending ? "payment.pending" : "payment.failed";
	if (!strcmp(kind, "sale") || !strcmp(kind, "capture"))
		return ok ? "payment.captured" : pending ? "payment.pending" : "payment.failed";
	/* a pending refund has been issued; only a failed one moves no money */
	if (!strcmp(kind, "refund") && !failed)
		return "payment.refunded";
	return NULL;
}

static bool known_kind(const char *kind)
{
	static const char *const kinds[] = {"authorization", "emv_authorization", "sale", "capture",
	                                    "refund"};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(kinds); i++)
		if (!strcmp(kind, kinds[i]))
			return true;
	return false;
}

static int map_transaction(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *kind = ordex__text(o, "kind"), *status = ordex__text(o, "status"), *type = NULL;

	if (kind && !strcmp(kind, "suggested_refund"))
		return ignore(c, "a suggested refund is a calculation, not a refund");
	if (kind && !strcmp(kind, "change"))
		return ignore(c, "change given at a point of sale moves no payment");
	if (kind && !strcmp(kind, "void"))
		return ignore(c, "a voided authorization has no canonical event; the order's "
		                 "cancellation reports it");
	if (kind && status && !strcmp(kind, "refund") &&
	    (!strcmp(status, "failure") || !strcmp(status, "error")))
		return ignore(c, "a failed refund moves no money");

	const char *id = need_id(c, o, "", "id"), *order_id = need_id(c, o, "", "order_id");
	if (!kind)
		miss(c, "", "kind", "is required");
	else if (!known_kind(kind))
		miss(c, "", "kind",
		     ordex_arena_printf(c->a, "unknown transaction kind \"%s\"", kind));
	if (!status)
		miss(c, "", "status", "is required");
	else if (kind && known_kind(kind) && !(type = txn_type(kind, status)))
		miss(c, "", "status", ordex_arena_printf(c->a, "unknown status \"%s\"", status));

	/* authorizations, captures and refunds need their money; others carry it when they can */
	bool money =
	    type && (!strcmp(type, "payment.authorized") || !strcmp(type, "payment.captured") ||
	             !strcmp(type, "payment.refunded"));
	const char *cur = currency(c, o, "", "currency", money);
	const char *amt = amount(c, o, "", "amount", cur, money);
	const char *t = when(c, o, "", "processed_at");
	if (!t)
		t = when(c, o, "", "created_at");
	const char *occ = occurred(c, t, "created_at");
	if (c->bad)
		return ORDEX_OK;

	/* the root transaction is the payment: a capture or refund names its parent */
	const char *payment = id;
	if (strcmp(kind, "authorization") && strcmp(kind, "emv_authorization") &&
	    strcmp(kind, "sale") && ident(c, o, "parent_id"))
		payment = ident(c, o, "parent_id");
	struct ordex_jw *w = ordex_adapter_begin(
	    c->out, ordex_arena_printf(c->a, "transaction/%s/%s", id, status), type, occ, NULL);
	ordex__put(w, "payment", payment);
	if (amt) {
		ordex__put(w, "amount", amt);
		ordex__put(w, "currency", cur);
	}
	if (!strcmp(type, "payment.refunded"))
		ordex__put(w, "refund", id);
	if (!strcmp(type, "payment.failed")) {
		const char *why = ordex__text(o, "error_code");
		ordex__put(w, "reason", why ? why : ordex__text(o, "message"));
	}
	ordex__put_order_alias(w, "shopify", order_id);
	return ordex_adapter_end(c->out);
}

/*
 * The idempotency key of ordex's own writeback in a refund's note ("... (ordex
 * ordex:42:refund)"), which makes the refund's report its echo; or NULL.
 */
static const char *ordex_key_in(struct ctx *c, const char *note)
{
	/* only the marker ordex writes, at the very end: a reason written by a
	 * person may quote another one earlier in the note */
	size_t len = note ? strlen(note) : 0;
	while (len && (note[len - 1] == ' ' || note[len - 1] == '\n' || note[len - 1] == '\r'))
		len--;
	if (len < 9 || note[len - 1] != ')')
		return NULL;
	const char *p = NULL;
	for (const char *q = note; (q = strstr(q, "(ordex ordex:")) && q < note + len; q++)
		p = q;
	if (!p)
		return NULL;
	p += 7;
	size_t n = (size_t)(note + len - 1 - p);
	if (!n || n > 96 || memchr(p, ')', n) || memchr(p, ' ', n))
		return NULL;
	return ordex_arena_strndup(c->a, p, n);
}

/*
 * A refund is one payment.refunded per refund transaction that succeeded
 * or is pending. data.refund is the transaction's id, as for the
 * order_transactions/create of the same transaction, so that ordex counts
 * the money once whichever of the two arrives.
 */
static int map_refund(struct ctx *c)
{
	const struct ordex_json *o = c->obj, *txs = ordex_json_get(o, "transactions");
	int usable = 0, failed = 0, rc = ORDEX_OK;

	if (txs && txs->type == ORDEX_JSON_ARRAY)
		for (const struct ordex_json *t = txs->child; t; t = t->next)
			if (ordex__text(t, "kind") &&
			    !strcmp(ordex__text(t, "kind"), "suggested_refund"))
				return ignore(c,
				              "a suggested refund is a calculation, not a refund");
	const char *id = need_id(c, o, "", "id"), *order_id = need_id(c, o, "", "order_id");
	const char *created = when(c, o, "", "created_at");
	if (!created)
		created = when(c, o, "", "processed_at");
	const char *note = ordex__text(o, "note");
	if (txs && txs->type != ORDEX_JSON_ARRAY && txs->type != ORDEX_JSON_NULL)
		miss(c, "", "transactions", "must be an array");

	/* the first pass checks every transaction, the second writes */
	for (int pass = 0; pass < 2 && !rc; pass++) {
		size_t i = 0;
		if (pass == 1 && (c->bad || !usable))
			break;
		for (const struct ordex_json *t = txs ? txs->child : NULL; t && !rc;
		     t = t->next, i++) {
			const char *sub = ordex_arena_printf(c->a, "transactions[%zu].", i);
			const char *kind = ordex__text(t, "kind"),
			           *status = ordex__text(t, "status");
			if (!kind || strcmp(kind, "refund"))
				continue;
			if (status && strcmp(status, "success") && strcmp(status, "pending")) {
				failed += pass == 0;
				continue;
			}
			const char *tid = need_id(c, t, sub, "id");
			const char *cur = currency(c, t, sub, "currency", true);
			const char *amt = amount(c, t, sub, "amount", cur, true);
			const char *at = when(c, t, sub, "processed_at");
			if (!at)
				at = when(c, t, sub, "created_at");
			const char *occ = occurred(c, at ? at : created, "created_at");
			const char *parent = ident(c, t, "parent_id");
			if (pass == 0) {
				usable++;
				continue;
			}
			struct ordex_jw *w = ordex_adapter_begin(
			    c->out, ordex_arena_printf(c->a, "refund/%s/%s", id, tid),
			    "payment.refunded", occ, NULL);
			ordex__put(w, "payment", parent ? parent : tid);
			ordex__put(w, "refund", tid);
			ordex__put(w, "amount", amt);
			ordex__put(w, "currency", cur);
			ordex__put(w, "reason", note);
			ordex__put(w, "writeback_key", ordex_key_in(c, note));
			ordex__put_order_alias(w, "shopify", order_id);
			rc = ordex_adapter_end(c->out);
		}
	}
	if (rc || c->bad || usable)
		return rc;
	return ignore(c, failed ? "a refund whose transactions failed moves no money"
	                        : "a refund that moves no money (a restock or an adjustment)");
}

/*
 * Shopify Payments disputes name the order, not the transaction: the
 * dispute stands in for the payment ("shopify-dispute-<id>"), linked to
 * the order by its alias.
 */
static int map_dispute(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *id = need_id(c, o, "", "id"), *order_id = need_id(c, o, "", "order_id");
	const char *cur = currency(c, o, "", "currency", true);
	const char *amt = amount(c, o, "", "amount", cur, true);
	const char *status = ordex__text(o, "status");
	const char *t = when(c, o, "", "finalized_on");
	const char *initiated = when(c, o, "", "initiated_at");
	const char *occ = occurred(c, t ? t : initiated, "initiated_at");
	if (c->bad)
		return ORDEX_OK;

	struct ordex_jw *w = ordex_adapter_begin(
	    c->out, ordex_arena_printf(c->a, "dispute/%s/%s", id, status ? status : "open"),
	    "payment.disputed", occ, NULL);
	ordex__put(w, "payment", ordex_arena_printf(c->a, "shopify-dispute-%s", id));
	ordex__put(w, "amount", amt);
	ordex__put(w, "currency", cur);
	ordex__put(w, "reason", ordex__text(o, "reason"));
	ordex__put(w, "dispute_type", ordex__text(o, "type"));
	ordex__put(w, "status", status);
	ordex__put_order_alias(w, "shopify", order_id);
	return ordex_adapter_end(c->out);
}

/* ---- shipments --------------------------------------------------------- */

struct ship_word {
	const char *shopify, *status, *reason;
};

/* shipment_status of a fulfillment and status of a fulfillment event */
static const struct ship_word carrier_words[] = {
    {"label_printed", "label_created", NULL},
    {"label_purchased", "label_created", NULL},
    {"confirmed", "label_created", NULL},
    {"carrier_picked_up", "in_transit", NULL},
    {"in_transit", "in_transit", NULL},
    {"delayed", "in_transit", "delayed"},
    {"out_for_delivery", "out_for_delivery", NULL},
    {"ready_for_pickup", "out_for_delivery", "ready for pickup"},
    {"attempted_delivery", "failed_attempt", NULL},
    {"delivered", "delivered", NULL},
    {"picked_up", "delivered", "picked up by the customer"},
    {"failure", "exception", "failure"},
};

/* status of a fulfillment that has no shipment_status */
static const struct ship_word fulfillment_words[] = {
    {"pending", "label_created", NULL},
    {"open", "label_created", NULL},
    {"success", "in_transit", NULL},
    {"cancelled", "exception", "fulfillment cancelled"},
    {"error", "exception", "fulfillment error"},
    {"failure", "exception", "fulfillment failed"},
};

static const struct ship_word *ship_word(const struct ship_word *t, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcasecmp(t[i].shopify, s))
			return &t[i];
	return NULL;
}

static int map_fulfillment(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *id = need_id(c, o, "", "id"), *order_id = need_id(c, o, "", "order_id");
	const char *created = when(c, o, "", "created_at"), *updated = when(c, o, "", "updated_at");
	const char *ver = updated ? updated : created, *occ = occurred(c, ver, "updated_at");
	const char *tracking = ordex__text(o, "tracking_number");
	const char *ss = ordex__text(o, "shipment_status"), *st = ordex__text(o, "status");
	const struct ship_word *sw = NULL;
	bool create = c->verb ? !strcmp(c->verb, "create")
	                      : !updated || ordex__same_instant(created, updated);

	if (!tracking) {
		const struct ordex_json *all = ordex_json_get(o, "tracking_numbers");
		tracking = all && all->type == ORDEX_JSON_ARRAY && all->child &&
		                   all->child->type == ORDEX_JSON_STRING && all->child->len
		               ? all->child->str
		               : NULL;
	}
	if (ss && !(sw = ship_word(carrier_words, ORDEX_ARRAY_LEN(carrier_words), ss)))
		miss(c, "", "shipment_status",
		     ordex_arena_printf(c->a, "unknown shipment status \"%s\"", ss));
	else if (!ss && st &&
	         !(sw = ship_word(fulfillment_words, ORDEX_ARRAY_LEN(fulfillment_words), st)))
		miss(c, "", "status", ordex_arena_printf(c->a, "unknown status \"%s\"", st));
	else if (!ss && !st && !create)
		miss(c, "", "status", "is required");
	if (c->bad)
		return ORDEX_OK;

	const char *eid =
	    create
	        ? ordex_arena_printf(c->a, "fulfillment/%s/created%s", id, snapshot(c, ver))
	        : ordex_arena_printf(c->a, "fulfillment/%s/%s%s", id, sw->status, snapshot(c, ver));
	struct ordex_jw *w = ordex_adapter_begin(
	    c->out, eid, create ? "shipment.created" : "shipment.updated", occ, NULL);
	/* named by the fulfillment (its events know no other name); the tracking
	 * number joins it to the carrier's view of the same parcel */
	ordex__put(w, "shipment", ordex_arena_printf(c->a, "shopify-fulfillment-%s", id));
	ordex__put(w, "status", sw ? sw->status : NULL);
	ordex__put(w, "carrier", ordex__text(o, "tracking_company"));
	ordex__put(w, "tracking", tracking);
	ordex__put(w, "reason", sw ? sw->reason : NULL);
	ordex__put(w, "fulfillment", id);
	ordex__put_order_alias(w, "shopify", order_id);
	return ordex_adapter_end(c->out);
}

/*
 * A fulfillment event names its fulfillment, so its shipment is
 * "shopify-fulfillment-<fulfillment_id>", like the fulfillment's own.
 */
static int map_fulfillment_event(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *id = need_id(c, o, "", "id"), *fid = need_id(c, o, "", "fulfillment_id");
	const char *st = ordex__text(o, "status"), *t = when(c, o, "", "happened_at");
	const struct ship_word *sw = ship_word(carrier_words, ORDEX_ARRAY_LEN(carrier_words), st);
	if (!t)
		t = when(c, o, "", "created_at");
	const char *occ = occurred(c, t, "happened_at");
	const char *eta = when(c, o, "", "estimated_delivery_at");
	if (!st)
		miss(c, "", "status", "is required");
	else if (!sw)
		miss(c, "", "status", ordex_arena_printf(c->a, "unknown status \"%s\"", st));
	if (c->bad)
		return ORDEX_OK;

	/* where it happened, as the carrier wrote it: "Louisville, Kentucky, US" */
	const char *where = NULL;
	static const char *const parts[] = {"city", "province", "country"};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(parts); i++) {
		const char *p = ordex__text(o, parts[i]);
		if (p)
			where = where ? ordex_arena_printf(c->a, "%s, %s", where, p) : p;
	}
	const char *tracking = ordex__text(o, "tracking_number"),
	           *message = ordex__text(o, "message");
	struct ordex_jw *w =
	    ordex_adapter_begin(c->out, ordex_arena_printf(c->a, "fulfillment_event/%s", id),
	                        "shipment.updated", occ, NULL);
	ordex__put(w, "shipment", ordex_arena_printf(c->a, "shopify-fulfillment-%s", fid));
	ordex__put(w, "status", sw->status);
	ordex__put(w, "tracking", tracking);
	ordex__put(w, "location", where);
	ordex__put(w, "eta", eta);
	ordex__put(w, "reason", message ? message : sw->reason);
	ordex__put(w, "fulfillment", fid);
	ordex__put_order_alias(w, "shopify", ident(c, o, "order_id"));
	return ordex_adapter_end(c->out);
}

/* ---- fraud and holds --------------------------------------------------- */

/*
 * A hold placed on a fulfillment order stops the order shipping. A hold
 * for a high risk of fraud is a fraud signal (review; its release,
 * accept), a hold for an incorrect address is address.invalid (its
 * release, address.verified). Other holds (awaiting payment, out of stock,
 * an upsell offer, ...) have no canonical event: an order status needs the
 * order's name, which a fulfillment order lacks, and ordex detects payment
 * and stock problems from their own events. Which hold was placed or
 * released comes from the topic's created_fulfillment_hold or
 * released_fulfillment_hold, else the last of fulfillment_holds.
 */
static int map_fulfillment_order(struct ctx *c)
{
	const struct ordex_json *fo = c->obj, *hold;
	const char *status = ordex__text(fo, "status");
	bool placed =
	    c->verb ? !strcmp(c->verb, "placed_on_hold") : status && !strcmp(status, "on_hold");
	bool released = c->verb && !strcmp(c->verb, "hold_released");

	if (!placed && !released)
		return ignore(c, "a fulfillment order neither put on hold nor released from one "
		                 "changes nothing ordex tracks");
	hold = ordex_json_get(c->env,
	                      placed ? "created_fulfillment_hold" : "released_fulfillment_hold");
	if (!ordex__text(hold, "reason") && placed) {
		const struct ordex_json *holds = ordex_json_get(fo, "fulfillment_holds");
		hold = NULL;
		for (const struct ordex_json *h =
		         holds && holds->type == ORDEX_JSON_ARRAY ? holds->child : NULL;
		     h; h = h->next)
			hold = h;
	}
	const char *reason = ordex__text(hold, "reason"),
	           *notes = ordex__text(hold, "reason_notes");
	bool fraud = reason && !strcasecmp(reason, "high_risk_of_fraud");
	bool address = reason && !strcasecmp(reason, "incorrect_address");
	if (!reason)
		return ignore(c, "the payload does not say which hold; only fraud and address "
		                 "holds have canonical events");

	const char *id = need_id(c, fo, "", "id"), *order_id = need_id(c, fo, "", "order_id");
	const char *t = when(c, fo, "", "updated_at"), *occ = occurred(c, t, "updated_at");
	if (c->bad)
		return ORDEX_OK;
	const char *eid = ordex_arena_printf(c->a, "fulfillment_order/%s/%s%s", id,
	                                     placed ? "on_hold" : "released", stamp(c, t));
	struct ordex_jw *w;
	if (fraud) {
		w = ordex_adapter_begin(c->out, eid, "fraud.signal", occ, NULL);
		ordex__put(w, "recommendation", placed ? "review" : "accept");
		ordex__put(w, "kind", "fraud_hold");
	} else if (address) {
		w = ordex_adapter_begin(c->out, eid,
		                        placed ? "address.invalid" : "address.verified", occ, NULL);
	} else {
		/* any other hold: the order's status says it waits, and why */
		w = ordex_adapter_begin(c->out, eid, "order.updated", occ, NULL);
		ordex__put(w, "status", placed ? "on_hold" : "open");
	}
	ordex__put(w, "reason", notes ? notes : reason);
	ordex__put(w, "hold_reason", reason);
	ordex__put_order_alias(w, "shopify", order_id);
	return ordex_adapter_end(c->out);
}

/* A score from 0 to 1 ("0.75", 1.0) as a whole percentage, rounded half up; -1 if not one. */
static int percent(const struct ordex_json *n)
{
	const char *s;
	int whole = 0, frac = 0, digits = 0, up = 0;
	if (!n || (n->type != ORDEX_JSON_STRING && n->type != ORDEX_JSON_NUMBER))
		return -1;
	s = n->str;
	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++)
		if ((whole = whole * 10 + (*s - '0')) > 1)
			return -1;
	if (*s == '.') {
		if (!isdigit((unsigned char)*++s))
			return -1;
		for (; isdigit((unsigned char)*s); s++, digits++) {
			if (digits < 2)
				frac = frac * 10 + (*s - '0');
			else if (digits == 2)
				up = *s >= '5';
		}
	}
	if (*s)
		return -1;
	for (; digits < 2; digits++)
		frac *= 10;
	return whole * 100 + frac + up <= 100 ? whole * 100 + frac + up : -1;
}

/* An order risk (REST): Shopify's recommendation and its 0-1 score. */
static int map_risk(struct ctx *c)
{
	static const char *const recs[] = {"accept", "investigate", "cancel"};
	const struct ordex_json *o = c->obj;
	const char *id = need_id(c, o, "", "id"), *order_id = need_id(c, o, "", "order_id");
	const char *rec = ordex__text(o, "recommendation"), *t = when(c, o, "", "updated_at");
	int score = -1;
	bool known = false;
	if (!t)
		t = when(c, o, "", "created_at");
	const char *occ = occurred(c, t, "updated_at");
	for (size_t i = 0; rec && i < ORDEX_ARRAY_LEN(recs); i++)
		known |= !strcmp(rec, recs[i]);
	if (rec && !known)
		miss(c, "", "recommendation",
		     ordex_arena_printf(c->a, "unknown recommendation \"%s\"", rec));
	if (present(o, "score") && (score = percent(ordex_json_get(o, "score"))) < 0)
		miss(c, "", "score", "must be a decimal from 0 to 1");
	if (!rec && !present(o, "score"))
		miss(c, "", "recommendation", "is required (or score)");
	if (c->bad)
		return ORDEX_OK;

	struct ordex_jw *w =
	    ordex_adapter_begin(c->out, ordex_arena_printf(c->a, "risk/%s%s", id, snapshot(c, t)),
	                        "fraud.signal", occ, NULL);
	ordex__put(w, "recommendation", rec);
	if (score >= 0) {
		ordex_jw_key(w, "score");
		ordex_jw_int(w, score);
	}
	ordex__put(w, "kind", "order_risk");
	ordex__put(w, "reason",
	           ordex__text(o, "merchant_message") ? ordex__text(o, "merchant_message")
	                                              : ordex__text(o, "message"));
	ordex__put_order_alias(w, "shopify", order_id);
	return ordex_adapter_end(c->out);
}

/* orders/risk_assessment_changed: a risk level, high to none. */
static int map_risk_assessment(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *level = ordex__text(o, "risk_level"), *severity = NULL, *rec = NULL;
	if (level && !strcasecmp(level, "pending"))
		return ignore(c, "a pending risk assessment has no result yet");
	const char *order_id = ident(c, o, "order_id");
	if (!order_id)
		order_id = ident(c, o, "admin_graphql_api_order_id");
	if (!order_id)
		miss(c, "", "order_id", "is required (or admin_graphql_api_order_id)");
	const char *t = when(c, o, "", "created_at"), *occ = occurred(c, t, "created_at");
	if (!level)
		miss(c, "", "risk_level", "is required");
	else if (!strcasecmp(level, "high"))
		severity = "high";
	else if (!strcasecmp(level, "medium"))
		severity = "medium";
	else if (!strcasecmp(level, "low")) {
		severity = "low";
		rec = "accept";
	} else if (!strcasecmp(level, "none"))
		rec = "accept";
	else
		miss(c, "", "risk_level",
		     ordex_arena_printf(c->a, "unknown risk level \"%s\"", level));
	if (c->bad)
		return ORDEX_OK;

	struct ordex_jw *w = ordex_adapter_begin(
	    c->out,
	    ordex_arena_printf(c->a, "risk_assessment/%s/%s%s", order_id, level, stamp(c, t)),
	    "fraud.signal", occ, NULL);
	ordex__put(w, "severity", severity);
	ordex__put(w, "recommendation", rec);
	ordex__put(w, "kind", "risk_assessment");
	ordex__put(w, "reason", ordex__text(o, "provider_title"));
	ordex__put_order_alias(w, "shopify", order_id);
	return ordex_adapter_end(c->out);
}

/* ---- stock and people -------------------------------------------------- */

/*
 * An inventory level names an inventory item, not a SKU: the level names
 * the item (data.item) at "location-<location_id>", and the inventory item
 * payload says which SKU the item is (inventory.item); ordex joins them.
 */
/* A location is one of the merchant's warehouses, named as the shop names it. */
static int map_location(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *id = need_id(c, o, "", "id");
	const char *name = ordex__text(o, "name");
	const char *t = when(c, o, "", "updated_at"), *occ = occurred(c, t, "updated_at");
	if (!c->bad && !name)
		return ignore(c, "a location without a name names no warehouse");
	if (c->bad)
		return ORDEX_OK;
	struct ordex_jw *w = ordex_adapter_begin(
	    c->out, ordex_arena_printf(c->a, "location/%s%s", id, snapshot(c, t)),
	    "inventory.location", occ, NULL);
	ordex__put(w, "location", ordex_arena_printf(c->a, "location-%s", id));
	ordex__put(w, "warehouse", name);
	return ordex_adapter_end(c->out);
}

static int map_inventory_item(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *item = need_id(c, o, "", "id");
	const char *sku = ordex__text(o, "sku");
	const char *t = when(c, o, "", "updated_at"), *occ = occurred(c, t, "updated_at");
	if (!c->bad && !sku)
		return ignore(c,
		              "an inventory item without a SKU cannot be matched to order lines");
	if (c->bad)
		return ORDEX_OK;
	struct ordex_jw *w = ordex_adapter_begin(
	    c->out, ordex_arena_printf(c->a, "inventory_item/%s%s", item, snapshot(c, t)),
	    "inventory.item", occ, NULL);
	ordex__put(w, "item", item);
	ordex__put(w, "sku", sku);
	return ordex_adapter_end(c->out);
}

static int map_inventory_level(struct ctx *c)
{
	const struct ordex_json *o = c->obj, *av = ordex_json_get(o, "available");
	const char *item = need_id(c, o, "", "inventory_item_id");
	const char *loc = need_id(c, o, "", "location_id");
	const char *t = when(c, o, "", "updated_at"), *occ = occurred(c, t, "updated_at");
	bool gone = c->verb && !strcmp(c->verb, "disconnect");
	int64_t n = 0;

	if (!gone && av && av->type == ORDEX_JSON_NULL)
		return ignore(c, "an item whose inventory is not tracked has no level");
	if (!gone && !av)
		miss(c, "", "available", "is required");
	else if (!gone && (av->type != ORDEX_JSON_NUMBER || ordex_json_int(av, &n)))
		miss(c, "", "available", "must be a whole number");
	if (c->bad)
		return ORDEX_OK;

	struct ordex_jw *w = ordex_adapter_begin(
	    c->out, ordex_arena_printf(c->a, "inventory_level/%s/%s%s", item, loc, snapshot(c, t)),
	    "inventory.level", occ, NULL);
	ordex__put(w, "item", item); /* an inventory_items payload says which SKU it is */
	ordex__put(w, "location", ordex_arena_printf(c->a, "location-%s", loc));
	ordex_jw_key(w, "available");
	ordex_jw_int(w, n);
	return ordex_adapter_end(c->out);
}

static int map_customer(struct ctx *c)
{
	const struct ordex_json *o = c->obj;
	const char *id = need_id(c, o, "", "id"), *t = when(c, o, "", "updated_at");
	if (!t)
		t = when(c, o, "", "created_at");
	const char *occ = occurred(c, t, "updated_at");
	if (c->bad)
		return ORDEX_OK;

	const char *first = ordex__text(o, "first_name"), *last = ordex__text(o, "last_name");
	const char *name = first && last ? ordex_arena_printf(c->a, "%s %s", first, last)
	                   : first       ? first
	                                 : last;
	struct ordex_jw *w = ordex_adapter_begin(
	    c->out, ordex_arena_printf(c->a, "customer/%s%s", id, snapshot(c, t)),
	    "customer.updated", occ, NULL);
	ordex__put(w, "customer", ordex_arena_printf(c->a, "shopify-%s", id));
	ordex__put(w, "email", ordex__text(o, "email"));
	ordex__put(w, "name", name);
	return ordex_adapter_end(c->out);
}

/* ---- finding the resource ---------------------------------------------- */

enum {
	R_ORDER,
	R_ORDER_EDIT,
	R_TRANSACTION,
	R_REFUND,
	R_FULFILLMENT,
	R_FULFILLMENT_EVENT,
	R_FULFILLMENT_ORDER,
	R_RISK,
	R_RISK_ASSESSMENT,
	R_DISPUTE,
	R_INVENTORY_LEVEL,
	R_CUSTOMER,
	R_DRAFT_ORDER,
	R_CHECKOUT,
	R_PRODUCT,
	R_VARIANT,
	R_INVENTORY_ITEM,
	R_LOCATION,
	R_SHIPPING_ZONE,
	R_PAYOUT,
	R_BALANCE_TRANSACTION,
	R_TENDER_TRANSACTION,
	R_EVENT,
	R_COUNT
};

static const struct resource {
	const char *kind;       /* out->kind */
	const char *one, *many; /* envelope keys */
	int (*map)(struct ctx *c);
	const char *why; /* map NULL: why it is ignored */
} resources[R_COUNT] = {
    [R_ORDER] = {"order", "order", "orders", map_order, NULL},
    [R_ORDER_EDIT] = {"order_edit", "order_edit", NULL, NULL,
                      "an order edit lists only the changed lines; the orders/updated that "
                      "follows it carries the order"},
    [R_TRANSACTION] = {"transaction", "transaction", "transactions", map_transaction, NULL},
    [R_REFUND] = {"refund", "refund", "refunds", map_refund, NULL},
    [R_FULFILLMENT] = {"fulfillment", "fulfillment", "fulfillments", map_fulfillment, NULL},
    [R_FULFILLMENT_EVENT] = {"fulfillment_event", "fulfillment_event", "fulfillment_events",
                             map_fulfillment_event, NULL},
    [R_FULFILLMENT_ORDER] = {"fulfillment_order", "fulfillment_order", "fulfillment_orders",
                             map_fulfillment_order, NULL},
    [R_RISK] = {"order_risk", "risk", "risks", map_risk, NULL},
    [R_RISK_ASSESSMENT] = {"risk_assessment", NULL, NULL, map_risk_assessment, NULL},
    [R_DISPUTE] = {"dispute", "dispute", "disputes", map_dispute, NULL},
    [R_INVENTORY_LEVEL] = {"inventory_level", "inventory_level", "inventory_levels",
                           map_inventory_level, NULL},
    [R_CUSTOMER] = {"customer", "customer", "customers", map_customer, NULL},
    [R_DRAFT_ORDER] = {"draft_order", "draft_order", "draft_orders", NULL,
                       "a draft order is not an order yet; the order it becomes arrives "
                       "as orders/create"},
    [R_CHECKOUT] = {"checkout", "checkout", "checkouts", NULL,
                    "a checkout (abandoned or not) is not an order yet"},
    [R_PRODUCT] = {"product", "product", "products", NULL, "a product does not concern orders"},
    [R_VARIANT] = {"variant", "variant", "variants", NULL, "a variant does not concern orders"},
    [R_INVENTORY_ITEM] = {"inventory_item", "inventory_item", "inventory_items", map_inventory_item,
                          NULL},
    [R_LOCATION] = {"location", "location", "locations", map_location, NULL},
    [R_SHIPPING_ZONE] = {"shipping_zone", "shipping_zone", "shipping_zones", NULL,
                         "a shipping zone does not concern orders"},
    [R_PAYOUT] = {"payout", "payout", "payouts", NULL, "a payout is accounting, not an order fact"},
    [R_BALANCE_TRANSACTION] = {"balance_transaction", NULL, NULL, NULL,
                               "a Shopify Payments balance transaction is accounting; the "
                               "order's own transactions carry its payments"},
    [R_TENDER_TRANSACTION] = {"tender_transaction", "tender_transaction", "tender_transactions",
                              NULL,
                              "a tender transaction repeats the order's transactions for "
                              "accounting"},
    [R_EVENT] = {"event", "event", "events", NULL,
                 "an activity event repeats what the resource payloads say"},
};

static const struct {
	const char *topic; /* exact, or a prefix ending in '/' */
	int res;
	const char *why; /* ignored whatever the body says */
} topics[] = {
    {"orders/delete", R_ORDER, "a deleted order has no canonical event"},
    {"orders/risk_assessment_changed", R_RISK_ASSESSMENT, NULL},
    {"customers/delete", R_CUSTOMER, "a deleted customer has no canonical event"},
    {"customers/redact", R_CUSTOMER, "a privacy request does not concern orders"},
    {"customers/data_request", R_CUSTOMER, "a privacy request does not concern orders"},
    {"fulfillment_events/delete", R_FULFILLMENT_EVENT,
     "a deleted tracking event has no canonical event"},
    {"orders/", R_ORDER, NULL},
    {"order_transactions/", R_TRANSACTION, NULL},
    {"refunds/", R_REFUND, NULL},
    {"fulfillments/", R_FULFILLMENT, NULL},
    {"fulfillment_events/", R_FULFILLMENT_EVENT, NULL},
    {"fulfillment_orders/", R_FULFILLMENT_ORDER, NULL},
    {"disputes/", R_DISPUTE, NULL},
    {"inventory_levels/", R_INVENTORY_LEVEL, NULL},
    {"customers/", R_CUSTOMER, NULL},
    {"draft_orders/", R_DRAFT_ORDER, NULL},
    {"checkouts/", R_CHECKOUT, NULL},
    {"products/", R_PRODUCT, NULL},
    {"inventory_items/", R_INVENTORY_ITEM, NULL},
    {"locations/", R_LOCATION, NULL},
    {"tender_transactions/", R_TENDER_TRANSACTION, NULL},
};

static const struct resource *by_topic(const char *topic, const char **why)
{
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(topics); i++) {
		size_t n = strlen(topics[i].topic);
		bool prefix = topics[i].topic[n - 1] == '/';
		if (prefix ? !strncmp(topic, topics[i].topic, n)
		           : !strcmp(topic, topics[i].topic)) {
			*why = topics[i].why;
			return &resources[topics[i].res];
		}
	}
	return NULL;
}

static const struct resource *by_key(const char *key)
{
	for (int i = 0; i < R_COUNT; i++)
		if ((resources[i].one && !strcmp(key, resources[i].one)) ||
		    (resources[i].many && !strcmp(key, resources[i].many)))
			return &resources[i];
	return NULL;
}

/* What a bare object is, by the fields only it has; NULL when unknown. */
static const struct resource *by_shape(const struct ordex_json *o)
{
#define HAS(k) (ordex_json_get(o, k) != NULL)
	static const struct {
		const char *a, *b; /* both present (b NULL: a alone) */
		int res;
	} shapes[] = {
	    {"payout_id", NULL, R_BALANCE_TRANSACTION},
	    {"subject_type", "verb", R_EVENT},
	    {"inventory_item_id", "location_id", R_INVENTORY_LEVEL},
	    {"fulfillment_holds", NULL, R_FULFILLMENT_ORDER},
	    {"supported_actions", NULL, R_FULFILLMENT_ORDER},
	    {"fulfillment_service_handle", NULL, R_FULFILLMENT_ORDER},
	    {"fulfillment_id", NULL, R_FULFILLMENT_EVENT},
	    {"tracking_number", NULL, R_FULFILLMENT},
	    {"tracking_numbers", NULL, R_FULFILLMENT},
	    {"shipment_status", NULL, R_FULFILLMENT},
	    {"refund_line_items", NULL, R_REFUND},
	    {"risk_level", NULL, R_RISK_ASSESSMENT},
	    {"recommendation", NULL, R_RISK},
	    {"cause_cancel", NULL, R_RISK},
	    {"network_reason_code", NULL, R_DISPUTE},
	    {"evidence_due_by", NULL, R_DISPUTE},
	    {"invoice_url", NULL, R_DRAFT_ORDER},
	    {"abandoned_checkout_url", NULL, R_CHECKOUT},
	    {"payment_method", "remote_reference", R_TENDER_TRANSACTION},
	    {"kind", "amount", R_TRANSACTION},
	    {"order_number", NULL, R_ORDER},
	    {"financial_status", NULL, R_ORDER},
	    {"orders_count", NULL, R_CUSTOMER},
	    {"verified_email", NULL, R_CUSTOMER},
	    {"variants", NULL, R_PRODUCT},
	    {"inventory_policy", NULL, R_VARIANT},
	    {"tracked", NULL, R_INVENTORY_ITEM},
	    {"countries", NULL, R_SHIPPING_ZONE},
	    {"country_name", "deleted_at", R_LOCATION},
	};
	if (!o || o->type != ORDEX_JSON_OBJECT)
		return NULL;
	/* a refund lists its transactions; a transaction list would be an array */
	if (HAS("order_id") && ordex_json_get(o, "transactions") &&
	    ordex_json_get(o, "transactions")->type == ORDEX_JSON_ARRAY)
		return &resources[R_REFUND];
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(shapes); i++)
		if (HAS(shapes[i].a) && (!shapes[i].b || HAS(shapes[i].b)))
			return &resources[shapes[i].res];
	return NULL;
#undef HAS
}

/* What the envelope or topic said, corrected by what the object is. */
static const struct resource *refine(const struct resource *r, const struct ordex_json *o)
{
	const struct ordex_json *items = ordex_json_get(o, "line_items");
	if (r == &resources[R_TRANSACTION] &&
	    (ordex_json_get(o, "payout_id") || ordex_json_get(o, "source_type")))
		return &resources[R_BALANCE_TRANSACTION];
	/* orders/edited sends an order_edit: its line_items is {additions, removals} */
	if (r == &resources[R_ORDER] && items && items->type == ORDEX_JSON_OBJECT &&
	    ordex_json_get(o, "order_id"))
		return &resources[R_ORDER_EDIT];
	return r;
}

/*
 * The member of an envelope: {"order": {...}}, {"orders": [...]}, or a
 * fulfillment order topic's {"fulfillment_order": {...}, ...holds}.
 */
static const struct ordex_json *envelope(const struct ordex_json *b, const struct resource **r)
{
	const struct ordex_json *m = b->child;
	if (b->count == 1 && (m->type == ORDEX_JSON_OBJECT || m->type == ORDEX_JSON_ARRAY) &&
	    (*r = by_key(m->key)))
		return m;
	m = ordex_json_get(b, "fulfillment_order");
	if (m && m->type == ORDEX_JSON_OBJECT && !ordex_json_get(b, "id")) {
		*r = &resources[R_FULFILLMENT_ORDER];
		return m;
	}
	return NULL;
}

static int map_object(struct ctx *c, const struct resource *r)
{
	c->out->kind = r ? r->kind : "unknown";
	if (!r)
		return ignore(c, "a payload not recognized as a Shopify resource that concerns "
		                 "orders");
	if (!r->map)
		return ignore(c, r->why);
	if (!c->obj || c->obj->type != ORDEX_JSON_OBJECT) {
		size_t n = strlen(c->at);
		ordex_adapter_missing(c->out, ordex_arena_strndup(c->a, c->at, n ? n - 1 : 0),
		                      "must be a JSON object");
		return ORDEX_OK;
	}
	return r->map(c);
}

static int rank(enum ordex_adapt_outcome o)
{
	return o == ORDEX_ADAPT_INCOMPLETE ? 3 : o == ORDEX_ADAPT_MAPPED ? 2 : o ? 1 : 0;
}

/*
 * Maps every element of a list into one output: INCOMPLETE if one was,
 * else MAPPED if one was, else IGNORED.
 */
static int map_list(struct ctx *base, const struct ordex_json *arr, const char *key,
                    const struct resource *r)
{
	struct ordex_adapter_output *out = base->out;
	enum ordex_adapt_outcome best = 0;
	const char *kind = NULL, *why = NULL, *order = NULL;
	size_t i = 0;

	if (!arr->count) {
		ordex_adapter_ignore(out, r ? r->kind : "unknown", "an empty list");
		return ORDEX_OK;
	}
	for (const struct ordex_json *el = arr->child; el; el = el->next, i++) {
		struct ctx c = *base;
		c.obj = el;
		c.env = NULL;
		c.at = ordex_arena_printf(c.a, "%s[%zu].", key, i);
		c.bad = false;
		out->outcome = 0;
		out->order = NULL;
		out->ignored_why = NULL;
		int rc = map_object(&c, refine(r ? r : by_shape(el), el));
		if (rc)
			return rc;
		if (!kind)
			kind = out->kind;
		if (!why)
			why = out->ignored_why;
		if (!order)
			order = out->order;
		if (rank(out->outcome) > rank(best))
			best = out->outcome;
	}
	out->outcome = best;
	out->kind = kind;
	out->ignored_why = best == ORDEX_ADAPT_IGNORED ? why : NULL;
	out->order = order;
	return ORDEX_OK;
}

static int map(const struct ordex_adapter_input *in, struct ordex_adapter_output *out)
{
	struct ctx c = {.in = in, .out = out, .a = out->a, .at = ""};
	const struct ordex_json *b = in->body, *m;
	const struct resource *r = NULL, *er = NULL;
	const char *why = NULL;

	out->event_id = in->delivery_id;
	if (in->topic) {
		const char *slash = strchr(in->topic, '/');
		c.verb = slash ? slash + 1 : NULL;
		r = by_topic(in->topic, &why);
		if (!r || why) {
			ordex_adapter_ignore(out, r ? r->kind : "unknown",
			                     why ? why
			                         : ordex_arena_printf(c.a,
			                                              "the topic \"%s\" does not "
			                                              "concern orders",
			                                              in->topic));
			return ORDEX_OK;
		}
	}
	if (!b || (b->type != ORDEX_JSON_OBJECT && b->type != ORDEX_JSON_ARRAY)) {
		c.obj = b;
		return map_object(&c, r);
	}
	if (b->type == ORDEX_JSON_ARRAY)
		return map_list(&c, b, "", r);
	if ((m = envelope(b, &er))) {
		r = er;
		c.env = b;
		c.at = ordex_arena_printf(c.a, "%s.", m->key);
		if (m->type == ORDEX_JSON_ARRAY)
			return map_list(&c, m, m->key, r);
		c.obj = m;
	} else {
		c.obj = b;
	}
	return map_object(&c, refine(r ? r : by_shape(c.obj), c.obj));
}

const struct ordex_adapter ordex_adapter_shopify = {"shopify", map};
