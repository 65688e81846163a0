/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exceptions.c - GET /v1/exceptions: the queue of exceptions, highest
 * priority first, filtered by kind, status (open by default, "all" for
 * any) and order, with keyset pagination: the response's next_cursor,
 * passed back as ?cursor=, continues after the last row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "authz/authz.h"
#include "api/render.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "detect/detect.h"
#include "ingest/event.h"
#include "store/store.h"

void ordex_api_exceptions_list(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_problems probs = {.n = 0};
	struct ordex_exception_filter f = {.status = "open", .limit = 50};

	const char *kind = ordex_req_query(rq, "kind");
	if (kind && !ordex_exception_kind_known(kind))
		ordex_problem_add(&probs, a, "kind", "unknown exception kind \"%s\"", kind);
	else
		f.kind = kind;
	const char *status = ordex_req_query(rq, "status");
	if (status && !strcmp(status, "all"))
		f.status = NULL;
	else if (status && strcmp(status, "open") && strcmp(status, "resolved"))
		ordex_problem_add(&probs, a, "status", "must be open, resolved or all");
	else if (status)
		f.status = status;
	f.order_ref = ordex_req_query(rq, "order");
	ordex_api_limit(rq, &f.limit, &probs);
	const char *cursor = ordex_req_query(rq, "cursor");
	if (cursor) {
		int prio;
		long long id;
		char tail;
		if (sscanf(cursor, "%d.%lld%c", &prio, &id, &tail) != 2 || id < 0)
			ordex_problem_add(&probs, a, "cursor",
			                  "is not a cursor returned by this endpoint");
		else {
			f.after_set = true;
			f.after_priority = prio;
			f.after_id = id;
		}
	}
	if (probs.n) {
		ordex_problem(r, 400, "invalid_parameter", "Invalid query parameter",
		              "a query parameter is not valid", &probs);
		return;
	}
	/* a principal limited to some customers sees their orders' exceptions only */
	const struct ordex_customer_scope *cs = &ordex_req_principal(rq)->customers;
	f.brand = cs->brand;
	f.region = cs->region;
	f.segment = cs->segment;
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_exception_row *rows;
	size_t n;
	if (!st || st->ops->exception_list(st, ordex_req_scope(rq), &f, a, &rows, &n)) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "exceptions");
	ordex_jw_arr(&w);
	for (size_t i = 0; i < n; i++)
		ordex_render_exception(&w, &rows[i]);
	ordex_jw_arr_end(&w);
	ordex_jw_key(&w, "next_cursor");
	if (n == (size_t)f.limit) {
		char c[48];
		snprintf(c, sizeof(c), "%d.%lld", rows[n - 1].priority, (long long)rows[n - 1].id);
		ordex_jw_str(&w, c);
	} else {
		ordex_jw_null(&w);
	}
	ordex_jw_obj_end(&w);
}
