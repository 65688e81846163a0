/* SPDX-License-Identifier: Apache-2.0 */
/*
 * usage.c - GET /v1/usage?from=&to=&bucket=hour|day: the metering counts of
 * the caller's tenant and environment (events received, accepted,
 * duplicate and rejected; bytes stored; exceptions opened; API calls by
 * operation), per bucket and in total, for cost attribution. Without from
 * and to: the last 24 hours.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "ingest/event.h"
#include "store/store.h"

#define HOUR_US (3600 * INT64_C(1000000))

static int when(struct ordex_req *rq, const char *name, int64_t dflt, int64_t *out,
                struct ordex_problems *probs)
{
	const char *v = ordex_req_query(rq, name);
	*out = dflt;
	if (!v)
		return ORDEX_OK;
	int off;
	if (ordex_time_parse(v, strlen(v), out, &off) == ORDEX_OK)
		return ORDEX_OK;
	ordex_problem_add(probs, ordex_req_arena(rq), name,
	                  "must be a time with its offset (RFC 3339)");
	return ORDEX_E_INVAL;
}

static void json_time(struct ordex_jw *w, int64_t us)
{
	char t[ORDEX_TIME_MAX_LEN];
	ordex_time_format(us, 0, t);
	ordex_jw_str(w, t);
}

void ordex_api_usage_get(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_problems probs = {.n = 0};
	int64_t now = ordex_time_now();
	int64_t to_us, from_us;
	when(rq, "to", now, &to_us, &probs);
	when(rq, "from", to_us - 24 * HOUR_US, &from_us, &probs);
	const char *b = ordex_req_query(rq, "bucket");
	int bucket = 1;
	if (b && !strcmp(b, "day"))
		bucket = 24;
	else if (b && strcmp(b, "hour") != 0)
		ordex_problem_add(&probs, a, "bucket", "must be hour or day");
	if (!probs.n && from_us >= to_us)
		ordex_problem_add(&probs, a, "from", "must be before to");
	if (probs.n) {
		ordex_problem(r, 400, "invalid_query", "Invalid query",
		              "the usage query is invalid", &probs);
		return;
	}
	/* whole hours: from's hour up to and including to's */
	int64_t from_h = from_us / HOUR_US, to_h = (to_us + HOUR_US - 1) / HOUR_US;
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_usage_row *rows;
	size_t n;
	if (!st || st->ops->usage_list(st, ordex_req_scope(rq), from_h, to_h, bucket, a, &rows,
	                               &n) != ORDEX_OK) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "environment");
	ordex_jw_str(&w, ordex_req_scope(rq)->env);
	ordex_jw_key(&w, "from");
	json_time(&w, from_h * HOUR_US);
	ordex_jw_key(&w, "to");
	json_time(&w, to_h * HOUR_US);
	ordex_jw_key(&w, "bucket");
	ordex_jw_str(&w, bucket == 24 ? "day" : "hour");
	ordex_jw_key(&w, "buckets");
	ordex_jw_arr(&w);
	for (size_t i = 0; i < n; i++) {
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "from");
		json_time(&w, rows[i].hour * HOUR_US);
		ordex_jw_key(&w, "metric");
		ordex_jw_str(&w, rows[i].metric);
		ordex_jw_key(&w, "count");
		ordex_jw_int(&w, rows[i].count);
		ordex_jw_obj_end(&w);
	}
	ordex_jw_arr_end(&w);
	/* totals per metric over the whole span (rows come sorted by bucket) */
	ordex_jw_key(&w, "totals");
	ordex_jw_obj(&w);
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(rows[j].metric, rows[i].metric);
		if (seen)
			continue;
		int64_t sum = 0;
		for (size_t j = i; j < n; j++)
			if (!strcmp(rows[j].metric, rows[i].metric))
				sum += rows[j].count;
		ordex_jw_key(&w, rows[i].metric);
		ordex_jw_int(&w, sum);
	}
	ordex_jw_obj_end(&w);
	ordex_jw_obj_end(&w);
}
