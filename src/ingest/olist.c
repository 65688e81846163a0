/* SPDX-License-Identifier: Apache-2.0 */
/*
 * olist.c - the Olist CSV set as canonical events.
 *
 * Customers, items and payments are read into memory keyed by their ids
 * (a hash table in an arena); then the orders file is streamed and each
 * order becomes, in time order:
 *   customer.updated   the person behind the order (customer_unique_id)
 *   order.created      at purchase: lines (one unit per item row), total
 *                      (items + freight), BRL, promised by the estimated
 *                      delivery date (a date: the end of that day)
 *   payment.captured   one per payment row, at approval
 *   shipment.updated   in_transit when handed to the carrier
 *   shipment.updated   delivered, at the customer's delivery date
 *   order.updated      the shop's final status
 * Olist times are local to Brazil with no offset; they are given the
 * offset -03:00 (Brasília time). Event ids are derived from the row ids,
 * so importing the same files twice yields duplicates only.
 */
#include "ingest/olist.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "ingest/csv.h"

#define TZ "-03:00"

struct entry {
	const char *key;
	void *val;
};

struct map {
	struct entry *e;
	size_t cap, n;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void map_grow(struct map *m);

static struct entry *map_slot(struct map *m, const char *key)
{
	if (m->n * 2 >= m->cap)
		map_grow(m);
	size_t i = hash(key) & (m->cap - 1);
	while (m->e[i].key && strcmp(m->e[i].key, key) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->e[i];
}

static void map_grow(struct map *m)
{
	struct map g = {.cap = m->cap ? m->cap * 2 : 1024};
	g.e = ordex_xcalloc(g.cap, sizeof(*g.e));
	for (size_t i = 0; i < m->cap; i++)
		if (m->e[i].key) {
			struct entry *s = map_slot(&g, m->e[i].key);
			*s = m->e[i];
			g.n++;
		}
	free(m->e);
	*m = g;
}

static void *map_get(struct map *m, const char *key)
{
	if (!m->cap)
		return NULL;
	size_t i = hash(key) & (m->cap - 1);
	while (m->e[i].key) {
		if (!strcmp(m->e[i].key, key))
			return m->e[i].val;
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

/* A row kept in memory: its fields copied into the arena, a list link. */
struct row {
	char **f;
	size_t n;
	long line;
	struct row *next;
};

struct conv {
	const struct ordex_olist_sink *sink;
	struct ordex_arena *a;
	struct map customers, items, payments;
	char path[1024];
	const char *dir;
};

static struct row *keep(struct conv *cv, const struct ordex_csv *c)
{
	struct row *r = ordex_arena_zalloc(cv->a, sizeof(*r));
	r->n = c->n;
	r->line = c->line;
	r->f = ordex_arena_alloc(cv->a, sizeof(char *) * c->n);
	for (size_t i = 0; i < c->n; i++)
		r->f[i] = ordex_arena_strdup(cv->a, c->fields[i]);
	return r;
}

/* Column indexes found by name in a header. */
static int columns(struct ordex_csv *c, const char *file, const char *const *names, int *idx, int n)
{
	if (ordex_csv_next(c) != 1) {
		fprintf(stderr, "ordex: \"%s\" has no header line\n", file);
		return ORDEX_E_IO;
	}
	for (int i = 0; i < n; i++) {
		idx[i] = ordex_csv_column(c, names[i]);
		if (idx[i] < 0) {
			fprintf(stderr, "ordex: \"%s\" has no column \"%s\"\n", file, names[i]);
			return ORDEX_E_IO;
		}
	}
	return ORDEX_OK;
}

/*
 * Loads file into m keyed by column key_col; rows with the same key form a
 * list in file order. Returns ORDEX_OK or ORDEX_E_IO.
 */
static int load(struct conv *cv, const char *file, const char *const *names, int n, struct map *m,
                int *idx)
{
	struct ordex_csv c;
	snprintf(cv->path, sizeof(cv->path), "%s/%s", cv->dir, file);
	if (ordex_csv_open(&c, cv->path) != ORDEX_OK) {
		fprintf(stderr, "ordex: %s\n", c.err);
		return ORDEX_E_IO;
	}
	int rc = columns(&c, cv->path, names, idx, n);
	int r;
	while (rc == ORDEX_OK && (r = ordex_csv_next(&c)) != 0) {
		if (r < 0 || c.n <= (size_t)idx[n - 1]) {
			cv->sink->reject(cv->sink->ctx, file, c.line,
			                 r < 0 ? c.err : "has too few columns");
			continue;
		}
		struct row *row = keep(cv, &c);
		const char *key = row->f[idx[0]];
		struct entry *e = map_slot(m, key);
		if (!e->key) {
			e->key = key;
			e->val = row;
			m->n++;
		} else {
			struct row *t = e->val;
			while (t->next)
				t = t->next;
			t->next = row;
		}
	}
	ordex_csv_close(&c);
	return rc;
}

/* "2018-03-27 18:00:43" -> "2018-03-27T18:00:43-03:00"; NULL when empty. */
static const char *ts(struct conv *cv, const char *s)
{
	if (!s || !*s)
		return NULL;
	if (strlen(s) != 19 || s[10] != ' ')
		return ordex_arena_strdup(cv->a, s); /* validation will name it */
	return ordex_arena_printf(cv->a, "%.10sT%s" TZ, s, s + 11);
}

/* "2018-04-18 00:00:00" is a date; anything else keeps its time. */
static const char *promise(struct conv *cv, const char *s)
{
	if (!s || !*s)
		return NULL;
	if (strlen(s) == 19 && !strcmp(s + 10, " 00:00:00"))
		return ordex_arena_strndup(cv->a, s, 10);
	return ts(cv, s);
}

static int emit(struct conv *cv, struct ordex_buf *b, const char *file, long line)
{
	if (b->err)
		return ORDEX_E_TOOBIG;
	return cv->sink->event(cv->sink->ctx, b->data, b->len, file, line);
}

/* Starts an event object; the caller adds data members and closes twice. */
static void begin(struct ordex_jw *w, struct ordex_buf *b, const char *id, const char *type,
                  const char *order, const char *at)
{
	ordex_buf_reset(b);
	ordex_jw_init(w, b);
	ordex_jw_obj(w);
	ordex_jw_key(w, "id");
	ordex_jw_str(w, id);
	ordex_jw_key(w, "source");
	ordex_jw_str(w, "olist");
	ordex_jw_key(w, "type");
	ordex_jw_str(w, type);
	ordex_jw_key(w, "occurred_at");
	ordex_jw_str(w, at);
	if (order) {
		ordex_jw_key(w, "order");
		ordex_jw_str(w, order);
	}
	ordex_jw_key(w, "data");
	ordex_jw_obj(w);
}

static void end(struct ordex_jw *w)
{
	ordex_jw_obj_end(w);
	ordex_jw_obj_end(w);
}

static void kv(struct ordex_jw *w, const char *k, const char *v)
{
	ordex_jw_key(w, k);
	ordex_jw_str(w, v);
}

enum { C_ID, C_UNIQUE, C_ZIP, C_CITY, C_STATE };
enum { I_ORDER, I_ITEM, I_PRODUCT, I_SELLER, I_LIMIT, I_PRICE, I_FREIGHT };
enum { P_ORDER, P_SEQ, P_TYPE, P_INST, P_VALUE };
enum { O_ID, O_CUSTOMER, O_STATUS, O_PURCHASE, O_APPROVED, O_CARRIER, O_DELIVERED, O_ESTIMATE };

int ordex_olist_convert(const char *dir, const struct ordex_olist_sink *sink)
{
	static const char *const cust_cols[] = {"customer_id", "customer_unique_id",
	                                        "customer_zip_code_prefix", "customer_city",
	                                        "customer_state"};
	static const char *const item_cols[] = {"order_id",     "order_item_id",       "product_id",
	                                        "seller_id",    "shipping_limit_date", "price",
	                                        "freight_value"};
	static const char *const pay_cols[] = {"order_id", "payment_sequential", "payment_type",
	                                       "payment_installments", "payment_value"};
	static const char *const order_cols[] = {"order_id",
	                                         "customer_id",
	                                         "order_status",
	                                         "order_purchase_timestamp",
	                                         "order_approved_at",
	                                         "order_delivered_carrier_date",
	                                         "order_delivered_customer_date",
	                                         "order_estimated_delivery_date"};
	static const char f_cust[] = "olist_customers_dataset_sample10k.csv";
	static const char f_items[] = "olist_order_items_dataset_sample10k.csv";
	static const char f_pays[] = "olist_order_payments_dataset_sample10k.csv";
	static const char f_orders[] = "olist_orders_dataset_sample10k.csv";

	struct conv cv = {.sink = sink, .dir = dir, .a = ordex_arena_new(1 << 20)};
	int ci[5], ii[7], pi[5], oi[8];
	struct ordex_buf b;
	ordex_buf_init(&b, 1 << 20);
	struct ordex_csv c = {0};
	int rc = load(&cv, f_cust, cust_cols, 5, &cv.customers, ci);
	if (!rc)
		rc = load(&cv, f_items, item_cols, 7, &cv.items, ii);
	if (!rc)
		rc = load(&cv, f_pays, pay_cols, 5, &cv.payments, pi);
	if (rc)
		goto out;
	snprintf(cv.path, sizeof(cv.path), "%s/%s", dir, f_orders);
	if (ordex_csv_open(&c, cv.path) != ORDEX_OK) {
		fprintf(stderr, "ordex: %s\n", c.err);
		rc = ORDEX_E_IO;
		goto out;
	}
	if ((rc = columns(&c, cv.path, order_cols, oi, 8)))
		goto out;
	int r;
	struct ordex_jw w;
	while ((r = ordex_csv_next(&c)) != 0) {
		if (r < 0 || c.n <= (size_t)oi[O_ESTIMATE]) {
			sink->reject(sink->ctx, f_orders, c.line,
			             r < 0 ? c.err : "has too few columns");
			continue;
		}
		long line = c.line;
		const char *oid = c.fields[oi[O_ID]];
		const char *placed = ts(&cv, c.fields[oi[O_PURCHASE]]);
		if (!placed) {
			sink->reject(sink->ctx, f_orders, line,
			             "order_purchase_timestamp: is empty");
			continue;
		}
		const char *approved = ts(&cv, c.fields[oi[O_APPROVED]]);
		const char *carrier = ts(&cv, c.fields[oi[O_CARRIER]]);
		const char *delivered = ts(&cv, c.fields[oi[O_DELIVERED]]);
		const char *status = c.fields[oi[O_STATUS]];

		struct row *cust = map_get(&cv.customers, c.fields[oi[O_CUSTOMER]]);
		const char *person = cust ? cust->f[ci[C_UNIQUE]] : c.fields[oi[O_CUSTOMER]];
		if (cust) {
			begin(&w, &b, ordex_arena_printf(cv.a, "customer:%s", cust->f[ci[C_ID]]),
			      "customer.updated", NULL, placed);
			kv(&w, "customer", person);
			kv(&w, "city", cust->f[ci[C_CITY]]);
			kv(&w, "state", cust->f[ci[C_STATE]]);
			kv(&w, "zip", cust->f[ci[C_ZIP]]);
			end(&w);
			if ((rc = emit(&cv, &b, f_cust, cust->line)))
				goto out;
		}

		/* order.created: one line per item row; total = items + freight */
		int64_t total = 0;
		bool money_ok = true;
		begin(&w, &b, ordex_arena_printf(cv.a, "order:%s", oid), "order.created", oid,
		      placed);
		kv(&w, "customer", person);
		kv(&w, "currency", "BRL");
		kv(&w, "time_zone", TZ);
		const char *prom = promise(&cv, c.fields[oi[O_ESTIMATE]]);
		if (prom)
			kv(&w, "promised_at", prom);
		ordex_jw_key(&w, "lines");
		ordex_jw_arr(&w);
		for (struct row *it = map_get(&cv.items, oid); it; it = it->next) {
			int64_t price, freight;
			const char *ps = it->f[ii[I_PRICE]], *fs = it->f[ii[I_FREIGHT]];
			if (ordex_money_parse(ps, strlen(ps), "BRL", 0, &price, NULL, 0) ||
			    ordex_money_parse(fs, strlen(fs), "BRL", 0, &freight, NULL, 0))
				money_ok = false;
			else
				total += price + freight;
			ordex_jw_obj(&w);
			kv(&w, "id", it->f[ii[I_ITEM]]);
			kv(&w, "sku", it->f[ii[I_PRODUCT]]);
			ordex_jw_key(&w, "qty");
			ordex_jw_int(&w, 1);
			kv(&w, "price", ps);
			kv(&w, "seller", it->f[ii[I_SELLER]]);
			ordex_jw_obj_end(&w);
		}
		ordex_jw_arr_end(&w);
		if (money_ok) {
			char m[ORDEX_MONEY_MAX_LEN];
			ordex_money_format(total, "BRL", m);
			kv(&w, "total", m);
		}
		end(&w);
		if ((rc = emit(&cv, &b, f_orders, line)))
			goto out;

		for (struct row *p = map_get(&cv.payments, oid); p; p = p->next) {
			begin(&w, &b,
			      ordex_arena_printf(cv.a, "payment:%s:%s", oid, p->f[pi[P_SEQ]]),
			      "payment.captured", oid, approved ? approved : placed);
			kv(&w, "payment", ordex_arena_printf(cv.a, "%s-%s", oid, p->f[pi[P_SEQ]]));
			kv(&w, "amount", p->f[pi[P_VALUE]]);
			kv(&w, "currency", "BRL");
			kv(&w, "method", p->f[pi[P_TYPE]]);
			kv(&w, "installments", p->f[pi[P_INST]]);
			end(&w);
			if ((rc = emit(&cv, &b, f_pays, p->line)))
				goto out;
		}
		if (carrier) {
			begin(&w, &b, ordex_arena_printf(cv.a, "shipment:%s:in_transit", oid),
			      "shipment.updated", oid, carrier);
			kv(&w, "shipment", oid);
			kv(&w, "status", "in_transit");
			end(&w);
			if ((rc = emit(&cv, &b, f_orders, line)))
				goto out;
		}
		if (delivered) {
			begin(&w, &b, ordex_arena_printf(cv.a, "shipment:%s:delivered", oid),
			      "shipment.updated", oid, delivered);
			kv(&w, "shipment", oid);
			kv(&w, "status", "delivered");
			end(&w);
			if ((rc = emit(&cv, &b, f_orders, line)))
				goto out;
		}
		const char *last = delivered  ? delivered
		                   : carrier  ? carrier
		                   : approved ? approved
		                              : placed;
		begin(&w, &b, ordex_arena_printf(cv.a, "order:%s:status:%s", oid, status),
		      "order.updated", oid, last);
		kv(&w, "status", status);
		end(&w);
		if ((rc = emit(&cv, &b, f_orders, line)))
			goto out;
	}
	rc = ORDEX_OK;
out:
	ordex_csv_close(&c);
	ordex_buf_free(&b);
	free(cv.customers.e);
	free(cv.items.e);
	free(cv.payments.e);
	ordex_arena_free(cv.a);
	return rc;
}
