/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.c - the audit log over HTTP, for auditors and admins:
 *
 *   GET /v1/audit         the caller's environment's entries, newest first:
 *                         ?kind= (exact, or a prefix ending in '*': access.*)
 *                         ?subject= ?limit= (1-500, 50) ?cursor= (next_cursor)
 *   GET /v1/audit/verify  the tenant's chain checked from its first entry:
 *                         how many entries, and the first that does not verify
 *                         (from production: the chain spans both environments;
 *                         it re-hashes every entry and stored event, so it is
 *                         an auditor's occasional call, not a health check)
 *
 * Each entry shows its hash and the previous one's, so that a reader can
 * check the chain's links itself. The log spans every customer: principals
 * limited to some customers do not read it (authz).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/api.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "ingest/event.h" /* struct ordex_problems */
#include "store/store.h"

/* A kind filter: words of [a-z0-9_.], optionally ending in '*'. */
static bool kind_ok(const char *k)
{
	size_t n = strlen(k);
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		bool word =
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
		if (!word && !(c == '*' && i == n - 1))
			return false;
	}
	return true;
}

static void hex32(struct ordex_jw *w, const char *key, const unsigned char h[32])
{
	char hex[65];
	sodium_bin2hex(hex, sizeof(hex), h, 32);
	ordex_jw_key(w, key);
	ordex_jw_str(w, hex);
}

void ordex_api_audit_list(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_problems probs = {.n = 0};
	const char *kind = ordex_req_query(rq, "kind");
	const char *subject = ordex_req_query(rq, "subject");
	if (kind && !kind_ok(kind))
		ordex_problem_add(&probs, a, "kind",
		                  "is an entry kind (access.denied) or a prefix ending in * "
		                  "(access.*)");
	if (subject && strlen(subject) > 512)
		ordex_problem_add(&probs, a, "subject", "is at most 512 bytes");
	int limit = 50;
	int64_t before;
	ordex_api_limit(rq, &limit, &probs);
	ordex_api_seq_cursor(rq, &before, &probs);
	if (probs.n) {
		ordex_problem(r, 400, "invalid_query", "Invalid query", "the query is not valid",
		              &probs);
		return;
	}
	struct ordex_audit_row *rows;
	size_t n = 0;
	if (!st || st->ops->begin(st) != ORDEX_OK) {
		ordex_api_unavailable(rq);
		return;
	}
	int rc = st->ops->audit_list(st, ordex_req_scope(rq), kind, subject, before, (int)limit + 1,
	                             a, &rows, &n);
	st->ops->commit(st);
	if (rc) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "entries");
	ordex_jw_arr(&w);
	size_t shown = n > (size_t)limit ? (size_t)limit : n;
	for (size_t i = 0; i < shown; i++) {
		const struct ordex_audit_row *e = &rows[i];
		char t[ORDEX_TIME_MAX_LEN];
		ordex_time_format(e->at, 0, t);
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "seq");
		ordex_jw_int(&w, e->seq);
		ordex_jw_key(&w, "at");
		ordex_jw_str(&w, t);
		ordex_jw_key(&w, "kind");
		ordex_jw_str(&w, e->kind);
		ordex_jw_key(&w, "subject");
		ordex_jw_str(&w, e->subject);
		ordex_jw_key(&w, "body");
		/* bodies are JSON written by ordex; one that is not is shown as text */
		struct ordex_json *doc;
		struct ordex_json_error jerr;
		if (ordex_json_parse(a, e->body, strlen(e->body), NULL, &doc, &jerr) == ORDEX_OK)
			ordex_jw_raw(&w, e->body, strlen(e->body));
		else
			ordex_jw_str(&w, e->body);
		hex32(&w, "prev", e->prev);
		hex32(&w, "hash", e->hash);
		ordex_jw_obj_end(&w);
	}
	ordex_jw_arr_end(&w);
	ordex_jw_key(&w, "next_cursor");
	if (n > (size_t)limit)
		ordex_jw_str(&w, ordex_arena_printf(a, "%lld", (long long)rows[shown - 1].seq));
	else
		ordex_jw_null(&w);
	ordex_jw_obj_end(&w);
	r->status = 200;
}

void ordex_api_audit_verify(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_audit_report rep;
	/* the chain is the tenant's, both environments in one: a sandbox credential
	 * learns nothing of production's entries, not even how many there are */
	if (strcmp(ordex_req_scope(rq)->env, "production") != 0) {
		ordex_req_deny_detail(rq, ORDEX_OP_AUDIT_VERIFY,
		                      "the tenant's chain is verified from production",
		                      "the audit chain spans both environments: verify it with a "
		                      "production credential");
		return;
	}
	if (!st || st->ops->begin(st) != ORDEX_OK) {
		ordex_api_unavailable(rq);
		return;
	}
	int rc = ordex_audit_verify_tenant(st, ordex_req_scope(rq)->tenant, &rep);
	st->ops->commit(st);
	if (rc && rc != ORDEX_E_CORRUPT) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "verified");
	ordex_jw_bool(&w, rc == ORDEX_OK);
	ordex_jw_key(&w, "entries");
	ordex_jw_int(&w, rep.entries);
	ordex_jw_key(&w, "first_bad_seq");
	if (rc)
		ordex_jw_int(&w, rep.bad_seq);
	else
		ordex_jw_null(&w);
	ordex_jw_key(&w, "reason");
	ordex_jw_str(&w, rc ? rep.reason : NULL);
	ordex_jw_obj_end(&w);
	r->status = 200;
}
