/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scope_rules.c - the customer scope rules of the caller's tenant and
 * environment (domain/scope.h).
 *
 *   GET /v1/scope-rules   the rules in force, their version and author
 *   PUT /v1/scope-rules   {"rules": [{"set": {...}, "when": <JsonLogic>}]}
 *                         checked whole (every problem named with its
 *                         path), stored as the next version, audited
 *
 * New rules hold for order events applied after them; what they set is
 * audited on the order (order.scope_by_rule).
 */
#include <string.h>

#include "api/api.h"
#include "api/render.h"
#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "domain/scope.h"
#include "ingest/event.h"
#include "ingest/writer.h"
#include "store/store.h"

static void unavailable(struct ordex_req *rq, const char *what)
{
	ordex_problem(ordex_req_response(rq), 503, "storage_unavailable", "Service unavailable",
	              what, NULL);
}

void ordex_api_scope_rules_get(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	int64_t version = 0, at = 0;
	const char *body = NULL, *by = NULL;
	int rc =
	    st ? st->ops->scope_rules_get(st, ordex_req_scope(rq), a, &version, &body, &at, &by)
	       : ORDEX_E_STORE;
	if (rc && rc != ORDEX_E_NOTFOUND) {
		unavailable(rq, "could not read the database");
		return;
	}
	struct ordex_json *doc = NULL;
	struct ordex_json_error jerr;
	if (body && ordex_json_parse(a, body, strlen(body), NULL, &doc, &jerr) != ORDEX_OK)
		doc = NULL;
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "version");
	ordex_jw_int(&w, rc ? 0 : version);
	ordex_jw_key(&w, "rules");
	const struct ordex_json *rules = doc ? ordex_json_get(doc, "rules") : NULL;
	if (rules) {
		ordex_jw_node(&w, rules);
	} else {
		ordex_jw_arr(&w);
		ordex_jw_arr_end(&w);
	}
	ordex_render_time(&w, "created_at", rc ? 0 : at);
	ordex_jw_key(&w, "created_by");
	ordex_jw_str(&w, rc ? NULL : by);
	ordex_jw_obj_end(&w);
}

struct put {
	struct ordex_batch batch;
	const char *body, *actor;
	size_t n_rules;
	int64_t version;
};

static int put_command(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                       int64_t now, void *ctx)
{
	struct put *p = ctx;
	int rc = st->ops->scope_rules_put(st, sc, p->body, now, p->actor, &p->version);
	if (rc)
		return rc;
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, p->actor);
	ordex_jw_key(&w, "version");
	ordex_jw_int(&w, p->version);
	ordex_jw_key(&w, "rules");
	ordex_jw_raw(&w, p->body, strlen(p->body));
	ordex_jw_obj_end(&w);
	rc = ordex_audit_append(au, st, sc, now, "scope_rules.updated", p->actor, b.data);
	ordex_buf_free(&b);
	return rc;
}

static void put_done(struct ordex_req *rq, struct ordex_batch *b)
{
	struct put *p = (struct put *)b;
	struct ordex_response *r = ordex_req_response(rq);
	if (b->rc || b->command_rc) {
		unavailable(rq, "the rules could not be stored; nothing was changed");
		return;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "version");
	ordex_jw_int(&w, p->version);
	ordex_jw_key(&w, "rules");
	ordex_jw_int(&w, (int64_t)p->n_rules);
	ordex_jw_obj_end(&w);
}

void ordex_api_scope_rules_put(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	size_t len;
	const char *body = ordex_req_body(rq, &len);
	struct ordex_json *doc;
	struct ordex_json_error jerr;
	struct ordex_problems probs = {.n = 0};
	if (ordex_json_parse(a, body, len, NULL, &doc, &jerr) != ORDEX_OK) {
		ordex_problem_add(&probs, a, jerr.path, "%s", jerr.msg);
		ordex_problem(r, 400, "invalid_json", "Invalid JSON", "the body is not valid JSON",
		              &probs);
		return;
	}
	if (ordex_scope_rules_check(a, doc, &probs) != ORDEX_OK) {
		ordex_problem(r, 422, "validation_failed", "Invalid scope rules",
		              "nothing was changed", &probs);
		return;
	}
	struct put *p = ordex_arena_zalloc(a, sizeof(*p));
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_json_write(&b, doc); /* compact, as it will be read back */
	p->body = ordex_arena_strndup(a, b.data ? b.data : "{}", b.len);
	ordex_buf_free(&b);
	p->n_rules = ordex_json_get(doc, "rules")->count;
	p->actor = ordex_req_actor(rq);
	p->batch.scope = *ordex_req_scope(rq);
	p->batch.command = put_command;
	p->batch.command_ctx = p;
	if (ordex_req_submit(rq, &p->batch, put_done) != ORDEX_OK)
		ordex_problem(r, 503, "shutting_down", "Shutting down", "the service is stopping",
		              NULL);
}
