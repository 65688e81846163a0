/* SPDX-License-Identifier: Apache-2.0 */
/*
 * identity.c - GET /v1/identity/suggestions (?status=open|confirmed|
 * dismissed|all): weak identity matches waiting for a person; POST
 * /v1/identity/suggestions/{id} {"decision":"confirm"|"dismiss"|"undo"}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "domain/suggestion.h"
#include "ingest/event.h"
#include "ingest/writer.h"
#include "store/store.h"

void ordex_api_suggestions_list(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	const char *status = ordex_req_query(rq, "status");
	if (!status)
		status = "open";
	if (strcmp(status, "open") && strcmp(status, "confirmed") && strcmp(status, "dismissed") &&
	    strcmp(status, "all")) {
		struct ordex_problems p = {.n = 0};
		ordex_problem_add(&p, ordex_req_arena(rq), "status",
		                  "must be open, confirmed, dismissed or all");
		ordex_problem(r, 400, "invalid_parameter", "Invalid query parameter",
		              "a query parameter is not valid", &p);
		return;
	}
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_suggestion_row *rows;
	size_t n;
	if (!st ||
	    st->ops->suggestion_list(st, ordex_req_scope(rq), strcmp(status, "all") ? status : NULL,
	                             ordex_req_arena(rq), &rows, &n)) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "suggestions");
	ordex_jw_arr(&w);
	for (size_t i = 0; i < n; i++) {
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "id");
		ordex_jw_int(&w, rows[i].id);
		ordex_jw_key(&w, "kind");
		ordex_jw_str(&w, rows[i].kind);
		ordex_jw_key(&w, "customer");
		ordex_jw_str(&w, rows[i].ref_a);
		ordex_jw_key(&w, "email");
		ordex_jw_str(&w, rows[i].ref_b);
		ordex_jw_key(&w, "reason");
		ordex_jw_str(&w, rows[i].reason);
		ordex_jw_key(&w, "status");
		ordex_jw_str(&w, rows[i].status);
		ordex_jw_obj_end(&w);
	}
	ordex_jw_arr_end(&w);
	ordex_jw_obj_end(&w);
	r->status = 200;
}

struct decide {
	struct ordex_batch batch;
	struct ordex_suggestion_decision d;
};

static void decided(struct ordex_req *rq, struct ordex_batch *b)
{
	struct decide *dc = (struct decide *)b;
	struct ordex_response *r = ordex_req_response(rq);
	int rc = b->rc ? b->rc : b->command_rc;
	switch (rc) {
	case ORDEX_OK: break;
	case ORDEX_E_NOTFOUND:
		ordex_problem(r, 404, "not_found", "Not found", "no such suggestion", NULL);
		return;
	case ORDEX_E_CONFLICT:
		ordex_problem(r, 409, "conflict", "Conflict", dc->d.why, NULL);
		return;
	case ORDEX_E_INVAL:
		ordex_problem(r, 422, "validation_failed", "Invalid decision", dc->d.why, NULL);
		return;
	default:
		ordex_problem(r, 503, "storage_failed", "Could not store", "nothing was changed",
		              NULL);
		return;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "id");
	ordex_jw_int(&w, dc->d.id);
	ordex_jw_key(&w, "status");
	ordex_jw_str(&w, dc->d.status);
	ordex_jw_key(&w, "orders_relinked");
	ordex_jw_int(&w, dc->d.orders_relinked);
	ordex_jw_obj_end(&w);
}

void ordex_api_suggestion_decide(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	char *end;
	long long id = strtoll(ordex_req_path_rest(rq), &end, 10);
	if (*end || id <= 0) {
		ordex_problem(r, 404, "not_found", "Not found", "no such suggestion", NULL);
		return;
	}
	size_t len;
	const char *body = ordex_req_body(rq, &len);
	struct ordex_json *doc;
	struct ordex_json_error err;
	const char *decision = NULL;
	if (ordex_json_parse(a, body, len, NULL, &doc, &err) == ORDEX_OK)
		decision = ordex_json_string(ordex_json_get(doc, "decision"));
	if (!decision || (strcmp(decision, "confirm") && strcmp(decision, "dismiss") &&
	                  strcmp(decision, "undo"))) {
		struct ordex_problems p = {.n = 0};
		ordex_problem_add(&p, a, "decision", "must be confirm, dismiss or undo");
		ordex_problem(r, 422, "validation_failed", "Invalid decision",
		              "the body must be {\"decision\": ...}", &p);
		return;
	}
	struct decide *dc = ordex_arena_zalloc(a, sizeof(*dc));
	dc->d.id = id;
	dc->d.decision = decision;
	dc->d.actor = ordex_req_actor(rq);
	dc->batch.scope = *ordex_req_scope(rq);
	dc->batch.command = ordex_suggestion_decide;
	dc->batch.command_ctx = &dc->d;
	if (ordex_req_submit(rq, &dc->batch, decided) != ORDEX_OK)
		ordex_problem(r, 503, "shutting_down", "Shutting down", "the service is stopping",
		              NULL);
}
