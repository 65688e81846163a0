/* SPDX-License-Identifier: Apache-2.0 */
/*
 * orders.c - GET /v1/orders/{order}: one order's state, lines, payments,
 * shipments, exceptions and timeline, within the key's tenant and
 * environment. An order of another tenant or environment, or outside the
 * principal's customer scope, is not found, exactly like one that does not
 * exist.
 */
#include "api/api.h"
#include "api/render.h"
#include "authz/authz.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "store/store.h"

void ordex_api_order_get(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	if (!st) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	const struct ordex_scope *sc = ordex_req_scope(rq);
	struct ordex_order_row o;
	int rc = st->ops->order_get(st, sc, ordex_req_path_rest(rq), ordex_req_arena(rq), &o);
	if (rc == ORDEX_OK) {
		struct ordex_resource res = {sc->tenant, sc->env, o.brand, o.region, o.segment};
		if (ordex_authz_check(ordex_req_principal(rq), ORDEX_OP_ORDERS_READ, &res).result !=
		    ORDEX_AUTHZ_ALLOW)
			rc = ORDEX_E_NOTFOUND;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	if (rc == ORDEX_OK)
		rc = ordex_render_order(&w, st, sc, ordex_req_path_rest(rq), ordex_req_arena(rq));
	if (rc == ORDEX_E_NOTFOUND) {
		ordex_problem(r, 404, "not_found", "Not found", "no such order", NULL);
		return;
	}
	if (rc) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	r->status = 200;
}
