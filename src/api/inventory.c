/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inventory.c - GET /v1/inventory/{sku}: the stock level reported across
 * locations, what open orders have been allocated, what is still
 * available, and how much open demand stock cannot cover. For a principal
 * limited to some customers, allocated, open demand and short are those of
 * their orders alone; the level and what is still available are the
 * warehouse's, no customer's.
 */
#include "api/api.h"
#include "authz/authz.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "store/store.h"

void ordex_api_inventory_get(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	const struct ordex_scope *sc = ordex_req_scope(rq);
	const char *sku = ordex_req_path_rest(rq);
	struct ordex_stock k;
	struct ordex_line_row *lines;
	size_t n;
	const struct ordex_customer_scope *cs = &ordex_req_principal(rq)->customers;
	const char *customers[3] = {cs->brand, cs->region, cs->segment};
	bool limited = cs->brand || cs->region || cs->segment;
	if (!st || st->ops->stock(st, sc, sku, &k) ||
	    (limited
	         ? st->ops->demand_in_scope(st, sc, sku, customers, ordex_req_arena(rq), &lines, &n)
	         : st->ops->demand_for_sku(st, sc, sku, ordex_req_arena(rq), &lines, &n))) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	bool known = k.known;
	int64_t level = k.level;
	if (!known && n == 0) {
		ordex_problem(r, 404, "not_found", "Not found", "no such SKU", NULL);
		return;
	}
	int64_t allocated = 0, demand = 0;
	for (size_t i = 0; i < n; i++) {
		allocated += lines[i].allocated;
		demand += lines[i].qty;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "sku");
	ordex_jw_str(&w, sku);
	ordex_jw_key(&w, "known");
	ordex_jw_bool(&w, known);
	ordex_jw_key(&w, "level");
	ordex_jw_int(&w, level);
	ordex_jw_key(&w, "allocated");
	ordex_jw_int(&w, allocated);
	/* what any order could still take: the warehouse's, whoever asks */
	int64_t held = limited ? k.allocated : allocated;
	ordex_jw_key(&w, "available");
	ordex_jw_int(&w, known ? (level - held > 0 ? level - held : 0) : 0);
	ordex_jw_key(&w, "open_demand");
	ordex_jw_int(&w, demand);
	ordex_jw_key(&w, "short");
	ordex_jw_int(&w, known ? demand - allocated : 0);
	ordex_jw_obj_end(&w);
}
