/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.c - POST /v1/events: one canonical event (application/json) or
 * many (application/x-ndjson, one per line).
 *
 * Parsing and validation run here on the request thread; the valid items
 * go to the writer as one batch and the request resumes when it is
 * durable. One event gets one answer: 201 accepted, 200 duplicate, 409
 * conflict, 400/422 rejected with every field at fault. Many get 200 with
 * one result per line (accepted, duplicate, conflict or rejected) and the
 * totals; only a storage failure fails the whole body (503), and then
 * nothing of it was applied.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "ingest/event.h"
#include "ingest/ingest.h"
#include "ingest/writer.h"
#include "store/store.h"

static const char *status_name(enum ordex_item_status s)
{
	switch (s) {
	case ORDEX_ITEM_ACCEPTED: return "accepted";
	case ORDEX_ITEM_DUPLICATE: return "duplicate";
	case ORDEX_ITEM_CONFLICT: return "conflict";
	case ORDEX_ITEM_REJECTED: return "rejected";
	case ORDEX_ITEM_FAILED: return "failed";
	default: return "pending";
	}
}

/* The problems of an item: validation's, or the writer's one field. */
static const struct ordex_problems *item_problems(struct ordex_arena *a,
                                                  const struct ordex_item *it)
{
	if (it->problems && it->problems->n)
		return it->problems;
	struct ordex_problems *p = ordex_arena_zalloc(a, sizeof(*p));
	if (it->reason)
		ordex_problem_add(p, a, it->field ? it->field : "", "%s", it->reason);
	return p;
}

static void write_errors(struct ordex_jw *w, const struct ordex_problems *p)
{
	ordex_jw_key(w, "errors");
	ordex_jw_arr(w);
	for (int i = 0; i < p->n; i++) {
		ordex_jw_obj(w);
		ordex_jw_key(w, "field");
		ordex_jw_str(w, p->items[i].field);
		ordex_jw_key(w, "reason");
		ordex_jw_str(w, p->items[i].reason);
		ordex_jw_obj_end(w);
	}
	ordex_jw_arr_end(w);
}

static void answer_one(struct ordex_req *rq, struct ordex_item *it, int batch_rc)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	if (batch_rc) {
		ordex_problem(r, 503, "storage_failed", "Could not store",
		              "the event was not stored; send it again", NULL);
		return;
	}
	switch (it->status) {
	case ORDEX_ITEM_ACCEPTED:
	case ORDEX_ITEM_DUPLICATE: {
		struct ordex_jw w;
		r->status = it->status == ORDEX_ITEM_ACCEPTED ? 201 : 200;
		ordex_jw_init(&w, &r->body);
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "status");
		ordex_jw_str(&w, status_name(it->status));
		ordex_jw_key(&w, "source");
		ordex_jw_str(&w, it->ev->source);
		ordex_jw_key(&w, "id");
		ordex_jw_str(&w, it->ev->id);
		ordex_jw_key(&w, "seq");
		ordex_jw_int(&w, it->seq);
		ordex_jw_obj_end(&w);
		return;
	}
	case ORDEX_ITEM_CONFLICT:
		ordex_problem(r, 409, "conflict", "Conflict",
		              "an event with this source and id was already received with "
		              "different content",
		              item_problems(a, it));
		return;
	case ORDEX_ITEM_REJECTED:
		if (it->json_rc == ORDEX_E_TOOBIG)
			ordex_problem(r, 413, "too_many_values", "Too many values",
			              "the document holds more values than one event may",
			              item_problems(a, it));
		else if (it->json_rc == ORDEX_E_DEPTH)
			ordex_problem(r, 400, "too_deep", "Nested too deeply",
			              "the document is nested deeper than allowed",
			              item_problems(a, it));
		else if (it->json_rc)
			ordex_problem(r, 400, "invalid_json", "Invalid JSON",
			              "the body is not valid JSON", item_problems(a, it));
		else
			ordex_problem(r, 422, "validation_failed", "Invalid event",
			              "the event does not match the canonical format",
			              item_problems(a, it));
		return;
	default:
		ordex_problem(r, 503, "storage_failed", "Could not store",
		              "the event was not stored; send it again", NULL);
		return;
	}
}

static void answer_many(struct ordex_req *rq, struct ordex_item *items, size_t n, int batch_rc)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	if (batch_rc) {
		ordex_problem(r, 503, "storage_failed", "Could not store",
		              "none of the events were stored; send them again", NULL);
		return;
	}
	size_t count[ORDEX_ITEM_FAILED + 1] = {0};
	for (size_t i = 0; i < n; i++)
		count[items[i].status]++;
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "accepted");
	ordex_jw_int(&w, (int64_t)count[ORDEX_ITEM_ACCEPTED]);
	ordex_jw_key(&w, "duplicate");
	ordex_jw_int(&w, (int64_t)count[ORDEX_ITEM_DUPLICATE]);
	ordex_jw_key(&w, "rejected");
	ordex_jw_int(&w, (int64_t)(count[ORDEX_ITEM_REJECTED] + count[ORDEX_ITEM_CONFLICT]));
	ordex_jw_key(&w, "results");
	ordex_jw_arr(&w);
	for (size_t i = 0; i < n; i++) {
		const struct ordex_item *it = &items[i];
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "line");
		ordex_jw_int(&w, it->line);
		ordex_jw_key(&w, "status");
		ordex_jw_str(&w, status_name(it->status));
		if (it->ev && it->ev->id) {
			ordex_jw_key(&w, "id");
			ordex_jw_str(&w, it->ev->id);
		}
		if (it->status == ORDEX_ITEM_ACCEPTED || it->status == ORDEX_ITEM_DUPLICATE) {
			ordex_jw_key(&w, "seq");
			ordex_jw_int(&w, it->seq);
		} else {
			write_errors(&w, item_problems(a, it));
		}
		ordex_jw_obj_end(&w);
	}
	ordex_jw_arr_end(&w);
	ordex_jw_obj_end(&w);
}

struct post {
	struct ordex_batch batch;
	bool ndjson;
};

static void then(struct ordex_req *rq, struct ordex_batch *b)
{
	struct post *p = (struct post *)b;
	if (p->ndjson)
		answer_many(rq, b->items, b->n, b->rc);
	else
		answer_one(rq, &b->items[0], b->rc);
}

static bool media_is(const char *ct, const char *want)
{
	size_t n = strlen(want);
	return strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

void ordex_api_events_post(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	const char *ct = ordex_req_header(rq, "Content-Type");
	bool ndjson;
	if (!ct || media_is(ct, "application/json"))
		ndjson = false;
	else if (media_is(ct, "application/x-ndjson") || media_is(ct, "application/ndjson") ||
	         media_is(ct, "application/jsonl"))
		ndjson = true;
	else {
		/* curl -d without -H sends a form type: name the header and what came */
		ordex_problem(r, 415, "unsupported_media_type", "Unsupported media type",
		              ordex_arena_printf(a,
		                                 "the Content-Type header says \"%.64s\"; send "
		                                 "application/json (one event) or "
		                                 "application/x-ndjson (one event per line)",
		                                 ct),
		              NULL);
		return;
	}
	size_t len;
	const char *body = ordex_req_body(rq, &len);
	const struct ordex_req_limits *lim = ordex_req_limits(rq);
	struct ordex_ingest_limits il = {.max_depth = lim->max_depth, .max_items = lim->max_items};
	struct post *p = ordex_arena_zalloc(a, sizeof(*p));
	p->ndjson = ndjson;
	if (ordex_ingest_split(a, body, len, ndjson, &il, &p->batch.items, &p->batch.n) ==
	    ORDEX_E_TOOBIG) {
		char d[96];
		snprintf(d, sizeof(d), "a request may carry at most %zu events", lim->max_items);
		ordex_problem(r, 413, "too_many_events", "Too many events", d, NULL);
		return;
	}
	if (p->batch.n == 0) {
		ordex_problem(r, 400, "empty_body", "Empty body", "the body holds no event", NULL);
		return;
	}
	/* one token per event, taken whole or refused whole before anything is
	 * looked at: a limited batch is never half applied */
	if (ordex_req_charge(rq, (double)p->batch.n) != ORDEX_OK)
		return;
	size_t invalid = ordex_ingest_rejected(p->batch.items, p->batch.n);
	ordex_req_count(rq, "events.received", (int64_t)p->batch.n);
	ordex_req_count(rq, "events.rejected", (int64_t)invalid);
	/* a duplicate of what is durable already is answered here, without a
	 * commit of its own; its receipt rides along with a later commit. One
	 * committed but not yet flushed goes to the writer, which answers it
	 * after a flush. */
	struct ordex_store *st = ordex_req_store(rq);
	const struct ordex_scope *sc = ordex_req_scope(rq);
	int64_t durable = ordex_req_durable_seq(rq);
	/* the look-ups of a body share one read transaction: one snapshot and
	 * one lock of the log, not one per event */
	bool snapshot = st && p->batch.n > 1 && st->ops->begin(st) == ORDEX_OK;
	int64_t conflicts = 0;
	for (size_t i = 0; st && i < p->batch.n; i++) {
		struct ordex_item *it = &p->batch.items[i];
		unsigned char digest[32];
		int64_t seq;
		if (it->status != ORDEX_ITEM_PENDING ||
		    st->ops->event_find(st, sc, it->ev->source, it->ev->id, digest, &seq) !=
		        ORDEX_OK ||
		    seq > durable)
			continue;
		it->seq = seq;
		if (memcmp(digest, it->ev->digest, 32) == 0) {
			it->status = ORDEX_ITEM_DUPLICATE;
			ordex_req_receipt(rq, it->ev, seq);
		} else {
			it->status = ORDEX_ITEM_CONFLICT;
			it->field = "id";
			it->reason = "was already received from this source with different content";
			conflicts++;
		}
	}
	if (snapshot)
		st->ops->commit(st);
	/* refused here, not by the writer: metered as the writer meters its own */
	ordex_req_count(rq, "events.rejected", conflicts);
	bool any = false;
	for (size_t i = 0; i < p->batch.n && !any; i++)
		any = p->batch.items[i].status == ORDEX_ITEM_PENDING;
	if (!any) {
		then(rq, &p->batch);
		return;
	}
	p->batch.scope = *ordex_req_scope(rq);
	if (ordex_req_submit(rq, &p->batch, then) != ORDEX_OK)
		ordex_problem(r, 503, "shutting_down", "Shutting down",
		              "the service is stopping; send the events again", NULL);
}
