/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.c - what the handlers share: the body as an object of known
 * members, a resource id from the path, paging parameters, and the answers
 * for a database or a writer that cannot be reached (see api.h).
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "ingest/event.h" /* struct ordex_problems */

void ordex_api_unavailable(struct ordex_req *rq)
{
	ordex_problem(ordex_req_response(rq), 503, "storage_unavailable", "Service unavailable",
	              "could not read the database", NULL);
}

void ordex_api_shutting_down(struct ordex_req *rq)
{
	ordex_problem(ordex_req_response(rq), 503, "shutting_down", "Shutting down",
	              "the service is stopping", NULL);
}

int64_t ordex_api_id(const char *s, const char **after)
{
	int64_t v = 0;
	const char *p = s;
	if (!s)
		return 0;
	while (*p >= '0' && *p <= '9' && v < INT64_MAX / 10 - 9)
		v = v * 10 + (*p++ - '0');
	if (p == s || (*p && *p != '/') || (*s == '0'))
		return 0;
	*after = *p ? p + 1 : p;
	return v;
}

struct ordex_json *ordex_api_body(struct ordex_req *rq, const char *const *allowed,
                                  const char *names, struct ordex_problems *probs)
{
	struct ordex_arena *a = ordex_req_arena(rq);
	size_t len;
	const char *body = ordex_req_body(rq, &len);
	if (!len)
		body = "{}", len = 2;
	struct ordex_json *doc;
	struct ordex_json_error jerr;
	if (ordex_json_parse(a, body, len, NULL, &doc, &jerr) != ORDEX_OK) {
		struct ordex_problems p = {.n = 0};
		ordex_problem_add(&p, a, jerr.path, "%s", jerr.msg);
		ordex_problem(ordex_req_response(rq), 400, "invalid_json", "Invalid JSON",
		              "the body is not valid JSON", &p);
		return NULL;
	}
	if (doc->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(probs, a, "", "must be an object");
		return doc;
	}
	for (const struct ordex_json *m = doc->child; m; m = m->next) {
		bool known = false;
		for (const char *const *k = allowed; *k && !known; k++)
			known = !strcmp(*k, m->key);
		if (!known)
			ordex_problem_add(probs, a, m->key, "is not a field here (%s)", names);
	}
	return doc;
}

struct ordex_json *ordex_api_body_object(struct ordex_req *rq, const char *const *allowed,
                                         const char *names)
{
	struct ordex_problems probs = {.n = 0};
	struct ordex_json *doc = ordex_api_body(rq, allowed, names, &probs);
	if (doc && probs.n) {
		ordex_problem(ordex_req_response(rq), 422, "validation_failed", "Invalid request",
		              "nothing was changed", &probs);
		return NULL;
	}
	return doc;
}

int ordex_api_limit(struct ordex_req *rq, int *limit, struct ordex_problems *probs)
{
	const char *s = ordex_req_query(rq, "limit");
	if (!s)
		return ORDEX_OK;
	char *end;
	long l = strtol(s, &end, 10);
	if (*end || end == s || l < 1 || l > 500) {
		ordex_problem_add(probs, ordex_req_arena(rq), "limit",
		                  "must be an integer from 1 to 500");
		return ORDEX_E_INVAL;
	}
	*limit = (int)l;
	return ORDEX_OK;
}

int ordex_api_seq_cursor(struct ordex_req *rq, int64_t *before, struct ordex_problems *probs)
{
	const char *s = ordex_req_query(rq, "cursor");
	const char *after;
	*before = INT64_MAX;
	if (!s)
		return ORDEX_OK;
	int64_t v = ordex_api_id(s, &after);
	if (!v || *after) {
		ordex_problem_add(probs, ordex_req_arena(rq), "cursor",
		                  "is not a cursor returned by this endpoint");
		return ORDEX_E_INVAL;
	}
	*before = v;
	return ORDEX_OK;
}
