/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policies.c - the routing and approval policy of the caller's tenant and
 * environment (policy/policy.h, docs/internals/workflow.md).
 *
 *   GET  /v1/policies            the policy in force (?version=N: an older one)
 *   GET  /v1/policies/versions   every stored version, newest first
 *   PUT  /v1/policies            a new policy: checked whole (every problem with
 *                                its JSON path), stored as the next version,
 *                                audited (policy.updated)
 *   POST /v1/policies/test       a draft, checked and compared with the policy in
 *                                force over the active cases and pending actions;
 *                                nothing is stored
 *
 * A new policy holds for what happens after it: cases already open keep
 * their queue, actions already routed their approvers (a changed payload
 * is routed again).
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/render.h"
#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/sha256.h"
#include "ingest/event.h"
#include "ingest/writer.h"
#include "policy/policy.h"
#include "store/store.h"
#include "workflow/workflow.h"

static void unavailable(struct ordex_req *rq, const char *what)
{
	ordex_problem(ordex_req_response(rq), 503, "storage_unavailable", "Service unavailable",
	              what, NULL);
}

void ordex_api_policies_get(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	int64_t want = 0;
	const char *v = ordex_req_query(rq, "version");
	if (v) {
		char *end;
		long long n = strtoll(v, &end, 10);
		if (*end || n < 0 || end == v) {
			struct ordex_problems probs = {.n = 0};
			ordex_problem_add(&probs, a, "version",
			                  "must be a version number (0: the default policy)");
			ordex_problem(r, 400, "invalid_parameter", "Invalid query parameter",
			              "a query parameter is not valid", &probs);
			return;
		}
		want = n;
	}
	int64_t version = 0, at = 0;
	const char *body = ordex_policy_default, *by = NULL;
	int rc = ORDEX_OK;
	if (!st) {
		rc = ORDEX_E_STORE;
	} else if (!v || want > 0) {
		rc = st->ops->policy_get(st, ordex_req_scope(rq), want, a, &version, &body, &at,
		                         &by);
		if (rc == ORDEX_E_NOTFOUND && !want) {
			rc = ORDEX_OK; /* none stored: the default holds */
			body = ordex_policy_default;
			version = 0;
		}
	}
	if (rc == ORDEX_E_NOTFOUND) {
		ordex_problem(r, 404, "not_found", "Not found", "no such policy version", NULL);
		return;
	}
	if (rc) {
		unavailable(rq, "could not read the database");
		return;
	}
	struct ordex_json *doc;
	struct ordex_json_error jerr;
	if (ordex_json_parse(a, body, strlen(body), NULL, &doc, &jerr) != ORDEX_OK) {
		unavailable(rq, "the stored policy could not be read");
		return;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "version");
	ordex_jw_int(&w, version);
	ordex_jw_key(&w, "default");
	ordex_jw_bool(&w, version == 0);
	ordex_render_time(&w, "created_at", at);
	ordex_jw_key(&w, "created_by");
	ordex_jw_str(&w, by);
	ordex_jw_key(&w, "policy");
	ordex_jw_node(&w, doc);
	ordex_jw_obj_end(&w);
}

void ordex_api_policy_versions(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	const struct ordex_scope *sc = ordex_req_scope(rq);
	int64_t newest = 0, at;
	const char *body, *by;
	int rc = st ? st->ops->policy_get(st, sc, 0, a, &newest, &body, &at, &by) : ORDEX_E_STORE;
	if (rc && rc != ORDEX_E_NOTFOUND) {
		unavailable(rq, "could not read the database");
		return;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "in_force");
	ordex_jw_int(&w, rc ? 0 : newest);
	ordex_jw_key(&w, "versions");
	ordex_jw_arr(&w);
	for (int64_t v = rc ? 0 : newest; v >= 1 && v > newest - 100; v--) {
		int64_t got;
		if (st->ops->policy_get(st, sc, v, a, &got, &body, &at, &by))
			continue;
		unsigned char h[32];
		char hex[65];
		ordex_sha256(h, (const unsigned char *)body, strlen(body));
		ordex_hex32(h, hex);
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "version");
		ordex_jw_int(&w, got);
		ordex_render_time(&w, "created_at", at);
		ordex_jw_key(&w, "created_by");
		ordex_jw_str(&w, by);
		ordex_jw_key(&w, "sha256");
		ordex_jw_str(&w, hex);
		ordex_jw_obj_end(&w);
	}
	ordex_jw_arr_end(&w);
	ordex_jw_obj_end(&w);
}

/* The body as a policy, checked; NULL when the answer (400, 422) is written. */
static struct ordex_json *policy_body(struct ordex_req *rq)
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
		return NULL;
	}
	if (ordex_policy_check(a, doc, &probs) != ORDEX_OK) {
		ordex_problem(r, 422, "validation_failed", "Invalid policy", "nothing was changed",
		              &probs);
		return NULL;
	}
	return doc;
}

struct put {
	struct ordex_batch batch;
	const char *body, *actor;
	int64_t version;
};

static int put_command(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                       int64_t now, void *ctx)
{
	struct put *p = ctx;
	int rc = st->ops->policy_put(st, sc, p->body, now, p->actor, &p->version);
	if (rc)
		return rc;
	unsigned char h[32];
	char hex[65];
	ordex_sha256(h, (const unsigned char *)p->body, strlen(p->body));
	ordex_hex32(h, hex);
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, p->actor);
	ordex_jw_key(&w, "version");
	ordex_jw_int(&w, p->version);
	ordex_jw_key(&w, "sha256");
	ordex_jw_str(&w, hex);
	ordex_jw_key(&w, "policy");
	ordex_jw_raw(&w, p->body, strlen(p->body));
	ordex_jw_obj_end(&w);
	rc = ordex_audit_append(au, st, sc, now, "policy.updated", p->actor, b.data);
	ordex_buf_free(&b);
	return rc;
}

static void put_done(struct ordex_req *rq, struct ordex_batch *b)
{
	struct put *p = (struct put *)b;
	struct ordex_response *r = ordex_req_response(rq);
	if (b->rc || b->command_rc) {
		unavailable(rq, "the policy could not be stored; nothing was changed");
		return;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "version");
	ordex_jw_int(&w, p->version);
	ordex_jw_obj_end(&w);
}

void ordex_api_policies_put(struct ordex_req *rq)
{
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_json *doc = policy_body(rq);
	if (!doc)
		return;
	struct put *p = ordex_arena_zalloc(a, sizeof(*p));
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_json_write(&b, doc); /* compact, as it will be read back */
	p->body = ordex_arena_strndup(a, b.data ? b.data : "{}", b.len);
	ordex_buf_free(&b);
	p->actor = ordex_req_actor(rq);
	p->batch.scope = *ordex_req_scope(rq);
	p->batch.command = put_command;
	p->batch.command_ctx = p;
	if (ordex_req_submit(rq, &p->batch, put_done) != ORDEX_OK)
		ordex_problem(ordex_req_response(rq), 503, "shutting_down", "Shutting down",
		              "the service is stopping", NULL);
}

void ordex_api_policies_test(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_json *doc = policy_body(rq);
	if (!doc)
		return;
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_json_write(&b, doc);
	struct ordex_policy draft;
	int rc = ordex_policy_parse(a, b.data ? b.data : "{}", -1, &draft);
	ordex_buf_free(&b);
	if (rc || !st || st->ops->begin(st)) {
		unavailable(rq, "could not read the database");
		return;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	rc = ordex_policy_compare(st, ordex_req_scope(rq), a, &draft, &w);
	st->ops->commit(st);
	if (rc) {
		ordex_buf_reset(&r->body);
		unavailable(rq, "could not read the database");
		return;
	}
	r->status = 200;
}
