/* SPDX-License-Identifier: Apache-2.0 */
/*
 * writeback.c - the other systems approved actions go to, and what was sent:
 *
 *   POST   /v1/targets      {"name","kind","base_url","secret","actions",
 *                            "shadow"}: a target of the caller's environment
 *   GET    /v1/targets      the environment's targets (never their secrets)
 *   DELETE /v1/targets/{id} removes one; what was queued for it dies
 *   GET    /v1/writebacks   the outbox, newest first (?status= ?limit=
 *                           ?cursor=), with its counts and the oldest pending
 *   GET    /v1/writebacks/{id}
 *   POST   /v1/writebacks/{id}/retry|cancel {"reason"}: a dead one, by hand
 *
 * Configuration and the dead letters are an admin's (targets.write); the
 * outbox spans every customer, so limited principals do not read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "domain/connector.h" /* ORDEX_SECRET_MAX */
#include "ingest/event.h"
#include "ingest/writer.h"
#include "store/store.h"
#include "writeback/config.h"
#include "writeback/outbox.h"
#include "writeback/target.h"

static void refused(struct ordex_req *rq, const struct ordex_cmd_result *res)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_problems probs = {.n = 0};
	const char *why = res->why ? res->why : "refused";
	if (res->field)
		ordex_problem_add(&probs, ordex_req_arena(rq), res->field, "%s", why);
	if (res->code == 404)
		ordex_problem(r, 404, "not_found", "Not found", why, NULL);
	else if (res->code == 409)
		ordex_problem(r, 409, "conflict", "Conflict", why, probs.n ? &probs : NULL);
	else
		ordex_problem(r, 422, "validation_failed", "Invalid request", why,
		              probs.n ? &probs : NULL);
}

static void jw_time(struct ordex_jw *w, const char *key, int64_t us)
{
	ordex_jw_key(w, key);
	if (!us) {
		ordex_jw_null(w);
		return;
	}
	char t[ORDEX_TIME_MAX_LEN];
	ordex_time_format(us, 0, t);
	ordex_jw_str(w, t);
}

/* ---- targets ------------------------------------------------------------------ */

static void target_json(struct ordex_jw *w, const struct ordex_target_row *t, int64_t now)
{
	ordex_jw_obj(w);
	ordex_jw_key(w, "id");
	ordex_jw_int(w, t->id);
	ordex_jw_key(w, "name");
	ordex_jw_str(w, t->name);
	ordex_jw_key(w, "kind");
	ordex_jw_str(w, t->kind);
	ordex_jw_key(w, "environment");
	ordex_jw_str(w, t->env);
	ordex_jw_key(w, "base_url");
	ordex_jw_str(w, t->base_url);
	ordex_jw_key(w, "actions");
	ordex_jw_raw(w, t->actions, strlen(t->actions));
	ordex_jw_key(w, "shadow");
	ordex_jw_bool(w, t->shadow);
	ordex_jw_key(w, "credential");
	ordex_jw_bool(w, t->secret != NULL);
	ordex_jw_key(w, "failures_in_a_row");
	ordex_jw_int(w, t->failures);
	ordex_jw_key(w, "circuit");
	ordex_jw_str(w, t->open_until > now ? "open" : "closed");
	jw_time(w, "circuit_open_until", t->open_until > now ? t->open_until : 0);
	jw_time(w, "created_at", t->created_at);
	ordex_jw_key(w, "created_by");
	ordex_jw_str(w, t->created_by);
	ordex_jw_obj_end(w);
}

struct target_call {
	struct ordex_batch batch;
	struct ordex_target_add add;
	struct ordex_target_remove remove;
};

static void target_added(struct ordex_req *rq, struct ordex_batch *b)
{
	struct target_call *tc = (struct target_call *)b;
	if (b->rc || (b->command_rc && !tc->add.res.code)) {
		ordex_api_unavailable(rq);
		return;
	}
	if (b->command_rc) {
		refused(rq, &tc->add.res);
		return;
	}
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_target_row t;
	struct ordex_response *r = ordex_req_response(rq);
	if (!st ||
	    st->ops->target_get(st, ordex_req_scope(rq), tc->add.id, ordex_req_arena(rq), &t)) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	target_json(&w, &t, ordex_time_now());
	r->status = 201;
}

static const char *const TARGET_FIELDS[] = {"name",    "kind",   "base_url", "secret",
                                            "actions", "shadow", NULL};
#define TARGET_NAMES "name, kind, base_url, secret, actions, shadow"

void ordex_api_targets_post(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_problems probs = {.n = 0};
	struct ordex_json *doc = ordex_api_body(rq, TARGET_FIELDS, TARGET_NAMES, &probs);
	if (!doc)
		return;
	const struct ordex_json *name = ordex_json_get(doc, "name");
	const struct ordex_json *kind = ordex_json_get(doc, "kind");
	const struct ordex_json *url = ordex_json_get(doc, "base_url");
	const struct ordex_json *sec = ordex_json_get(doc, "secret");
	const struct ordex_json *acts = ordex_json_get(doc, "actions");
	const struct ordex_json *shadow = ordex_json_get(doc, "shadow");
	if (!name || name->type != ORDEX_JSON_STRING || !name->len)
		ordex_problem_add(&probs, a, "name", "is required: a name of 1 to 64 characters");
	else if (name->len > 64 || strpbrk(name->str, "\r\n\t"))
		ordex_problem_add(&probs, a, "name",
		                  "is 1 to 64 characters without tabs or line breaks (it has %zu)",
		                  name->len);
	if (kind && kind->type != ORDEX_JSON_STRING)
		ordex_problem_add(&probs, a, "kind", "must be a string");
	if (url && url->type != ORDEX_JSON_STRING)
		ordex_problem_add(&probs, a, "base_url", "must be a string");
	if (!sec || sec->type != ORDEX_JSON_STRING || !sec->len)
		ordex_problem_add(
		    &probs, a, "secret",
		    "is required: the credential the target takes (a webhook target's "
		    "signing secret, an API token, a Stripe key)");
	else if (sec && sec->type == ORDEX_JSON_STRING && sec->len > ORDEX_SECRET_MAX)
		ordex_problem_add(&probs, a, "secret", "is longer than %d bytes", ORDEX_SECRET_MAX);
	else if (sec && sec->type == ORDEX_JSON_STRING && strlen(sec->str) != sec->len)
		ordex_problem_add(&probs, a, "secret", "must not contain NUL");
	if (shadow && shadow->type != ORDEX_JSON_TRUE && shadow->type != ORDEX_JSON_FALSE)
		ordex_problem_add(&probs, a, "shadow", "must be true or false");
	const char *list[32];
	int n_acts = 0;
	if (!acts || acts->type != ORDEX_JSON_ARRAY) {
		ordex_problem_add(
		    &probs, a, "actions",
		    "is required: an array of the action kinds the target carries out");
	} else {
		int i = 0;
		for (const struct ordex_json *e = acts->child; e; e = e->next, i++) {
			if (n_acts == 32) {
				ordex_problem_add(&probs, a, "actions", "names more than 32 kinds");
				break;
			}
			list[n_acts++] = e->type == ORDEX_JSON_STRING ? e->str : NULL;
		}
	}
	const char *kind_s = kind && kind->type == ORDEX_JSON_STRING ? kind->str : NULL;
	const char *url_s = url && url->type == ORDEX_JSON_STRING ? url->str : NULL;
	if (!kind)
		ordex_problem_add(&probs, a, "kind",
		                  "is required: webhook, shopify, stripe or support");
	else if (kind_s)
		ordex_target_check(a, kind_s, url_s, list,
		                   acts && acts->type == ORDEX_JSON_ARRAY ? n_acts : -1, &probs);
	if (probs.n) {
		ordex_problem(r, 422, "validation_failed", "Invalid target",
		              "the target could not be added", &probs);
		return;
	}
	struct target_call *tc = ordex_arena_zalloc(a, sizeof(*tc));
	tc->add.name = name->str;
	tc->add.kind = kind_s;
	tc->add.base_url = url_s;
	tc->add.secret = sec->str;
	const char **copy = ordex_arena_alloc(a, sizeof(*copy) * (size_t)(n_acts ? n_acts : 1));
	memcpy(copy, list, sizeof(*copy) * (size_t)n_acts);
	tc->add.actions = copy;
	tc->add.n_actions = n_acts;
	tc->add.shadow = shadow && shadow->type == ORDEX_JSON_TRUE;
	tc->add.actor = ordex_req_actor(rq);
	tc->add.vault = ordex_req_vault(rq);
	tc->add.a = a;
	tc->batch.scope = *ordex_req_scope(rq);
	tc->batch.command = ordex_target_add_cmd;
	tc->batch.command_ctx = &tc->add;
	if (ordex_req_submit(rq, &tc->batch, target_added) != ORDEX_OK)
		ordex_api_shutting_down(rq);
}

void ordex_api_targets_list(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_target_row *ts;
	size_t n;
	if (!st || st->ops->target_list(st, ordex_req_scope(rq), ordex_req_arena(rq), &ts, &n)) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "targets");
	ordex_jw_arr(&w);
	int64_t now = ordex_time_now();
	for (size_t i = 0; i < n; i++)
		target_json(&w, &ts[i], now);
	ordex_jw_arr_end(&w);
	ordex_jw_obj_end(&w);
	r->status = 200;
}

static void target_removed(struct ordex_req *rq, struct ordex_batch *b)
{
	struct target_call *tc = (struct target_call *)b;
	if (b->rc || (b->command_rc && !tc->remove.res.code)) {
		ordex_api_unavailable(rq);
		return;
	}
	if (b->command_rc) {
		refused(rq, &tc->remove.res);
		return;
	}
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "id");
	ordex_jw_int(&w, tc->remove.id);
	ordex_jw_key(&w, "removed");
	ordex_jw_bool(&w, true);
	ordex_jw_obj_end(&w);
	r->status = 200;
}

void ordex_api_targets_delete(struct ordex_req *rq)
{
	int64_t id;
	const char *tail;
	if (!(id = ordex_api_id(ordex_req_path_rest(rq), &tail)) || *tail) {
		ordex_problem(ordex_req_response(rq), 404, "not_found", "Not found",
		              "no such target", NULL);
		return;
	}
	struct ordex_arena *a = ordex_req_arena(rq);
	struct target_call *tc = ordex_arena_zalloc(a, sizeof(*tc));
	tc->remove.id = id;
	tc->remove.actor = ordex_req_actor(rq);
	tc->remove.a = a;
	tc->batch.scope = *ordex_req_scope(rq);
	tc->batch.command = ordex_target_remove_cmd;
	tc->batch.command_ctx = &tc->remove;
	if (ordex_req_submit(rq, &tc->batch, target_removed) != ORDEX_OK)
		ordex_api_shutting_down(rq);
}

/* ---- the outbox ------------------------------------------------------------------ */

/* A row's members (the object is the caller's to open and close). */
static void row_fields(struct ordex_jw *w, const struct ordex_outbox_row *o, bool whole)
{
	ordex_jw_key(w, "id");
	ordex_jw_int(w, o->id);
	ordex_jw_key(w, "action");
	ordex_jw_int(w, o->action_id);
	ordex_jw_key(w, "case");
	ordex_jw_int(w, o->case_id);
	ordex_jw_key(w, "target");
	ordex_jw_int(w, o->target_id);
	ordex_jw_key(w, "kind");
	ordex_jw_str(w, o->kind);
	ordex_jw_key(w, "order");
	ordex_jw_str(w, o->order_ref);
	ordex_jw_key(w, "idempotency_key");
	ordex_jw_str(w, o->idem_key);
	ordex_jw_key(w, "status");
	ordex_jw_str(w, o->status);
	ordex_jw_key(w, "attempts");
	ordex_jw_int(w, o->attempts);
	jw_time(w, "next_at",
	        !strcmp(o->status, "pending") || !strcmp(o->status, "unknown") ||
	                !strcmp(o->status, "sending")
	            ? o->next_at
	            : 0);
	ordex_jw_key(w, "last_status");
	if (o->last_status)
		ordex_jw_int(w, o->last_status);
	else
		ordex_jw_null(w);
	ordex_jw_key(w, "last_error");
	ordex_jw_str(w, o->last_error);
	ordex_jw_key(w, "external_ref");
	ordex_jw_str(w, o->external_ref);
	jw_time(w, "created_at", o->created_at);
	jw_time(w, "delivered_at", o->delivered_at);
	if (whole) {
		ordex_jw_key(w, "request");
		ordex_jw_raw(w, o->request, strlen(o->request));
		ordex_jw_key(w, "answer");
		ordex_jw_str(w, o->answer);
	}
}

static void row_json(struct ordex_jw *w, const struct ordex_outbox_row *o, bool whole)
{
	ordex_jw_obj(w);
	row_fields(w, o, whole);
	ordex_jw_obj_end(w);
}

static const char *const STATUSES[] = {"pending", "sending",   "unknown",  "delivered",
                                       "dead",    "cancelled", "shadowed", NULL};

void ordex_api_writebacks_list(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_store *st = ordex_req_store(rq);
	const struct ordex_scope *sc = ordex_req_scope(rq);
	struct ordex_problems probs = {.n = 0};
	const char *status = ordex_req_query(rq, "status");
	if (status) {
		bool ok = false;
		for (int i = 0; STATUSES[i]; i++)
			ok = ok || !strcmp(STATUSES[i], status);
		if (!ok)
			ordex_problem_add(&probs, a, "status",
			                  "is one of pending, sending, unknown, delivered, dead, "
			                  "cancelled, shadowed");
	}
	int limit = 50;
	int64_t before;
	ordex_api_limit(rq, &limit, &probs);
	ordex_api_seq_cursor(rq, &before, &probs);
	if (probs.n) {
		ordex_problem(r, 400, "invalid_query", "Invalid query", "the query is not valid",
		              &probs);
		return;
	}
	struct ordex_outbox_row *rows;
	size_t n;
	struct ordex_outbox_stats stats;
	if (!st || st->ops->begin(st) != ORDEX_OK) {
		ordex_api_unavailable(rq);
		return;
	}
	int rc = st->ops->outbox_list(st, sc, status, before, (int)limit + 1, a, &rows, &n);
	if (rc == ORDEX_OK)
		rc = st->ops->outbox_stats(st, sc, &stats);
	st->ops->commit(st);
	if (rc) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "counts");
	ordex_jw_obj(&w);
	const int64_t by[] = {stats.pending, stats.sending,   stats.unknown, stats.delivered,
	                      stats.dead,    stats.cancelled, stats.shadowed};
	for (int i = 0; STATUSES[i]; i++) {
		ordex_jw_key(&w, STATUSES[i]);
		ordex_jw_int(&w, by[i]);
	}
	ordex_jw_key(&w, "attempts");
	ordex_jw_int(&w, stats.attempts);
	ordex_jw_key(&w, "failed_attempts");
	ordex_jw_int(&w, stats.failed_attempts);
	ordex_jw_obj_end(&w);
	jw_time(&w, "oldest_pending_at", stats.oldest_pending_at);
	ordex_jw_key(&w, "oldest_pending_seconds");
	if (stats.oldest_pending_at)
		ordex_jw_int(&w, (ordex_time_now() - stats.oldest_pending_at) / 1000000);
	else
		ordex_jw_null(&w);
	ordex_jw_key(&w, "writebacks");
	ordex_jw_arr(&w);
	size_t shown = n > (size_t)limit ? (size_t)limit : n;
	for (size_t i = 0; i < shown; i++)
		row_json(&w, &rows[i], false);
	ordex_jw_arr_end(&w);
	ordex_jw_key(&w, "next_cursor");
	if (n > (size_t)limit)
		ordex_jw_str(&w, ordex_arena_printf(a, "%lld", (long long)rows[shown - 1].id));
	else
		ordex_jw_null(&w);
	ordex_jw_obj_end(&w);
	r->status = 200;
}

void ordex_api_writeback_get(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	int64_t id;
	const char *tail;
	struct ordex_outbox_row o;
	if (!(id = ordex_api_id(ordex_req_path_rest(rq), &tail)) || *tail) {
		ordex_problem(r, 404, "not_found", "Not found", "no such writeback", NULL);
		return;
	}
	if (!st) {
		ordex_api_unavailable(rq);
		return;
	}
	int rc = st->ops->outbox_get(st, ordex_req_scope(rq), id, ordex_req_arena(rq), &o);
	if (rc == ORDEX_E_NOTFOUND) {
		ordex_problem(r, 404, "not_found", "Not found", "no such writeback", NULL);
		return;
	}
	if (rc) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_attempt_row *at;
	size_t n_at = 0;
	if (st->ops->attempts_of(st, ordex_req_scope(rq), id, ordex_req_arena(rq), &at, &n_at)) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	row_fields(&w, &o, true);
	/* every attempt, oldest first (a person's retry starts the count again) */
	ordex_jw_key(&w, "history");
	ordex_jw_arr(&w);
	for (size_t i = 0; i < n_at; i++) {
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "attempt");
		ordex_jw_int(&w, at[i].n);
		jw_time(&w, "started_at", at[i].started_at);
		jw_time(&w, "ended_at", at[i].ended_at);
		ordex_jw_key(&w, "outcome");
		ordex_jw_str(&w, at[i].outcome);
		ordex_jw_key(&w, "http_status");
		if (at[i].http_status)
			ordex_jw_int(&w, at[i].http_status);
		else
			ordex_jw_null(&w);
		ordex_jw_key(&w, "error");
		ordex_jw_str(&w, at[i].error);
		ordex_jw_obj_end(&w);
	}
	ordex_jw_arr_end(&w);
	ordex_jw_obj_end(&w);
	r->status = 200;
}

struct decide_call {
	struct ordex_batch batch;
	struct ordex_outbox_decide k;
};

static void decided(struct ordex_req *rq, struct ordex_batch *b)
{
	struct decide_call *dc = (struct decide_call *)b;
	if (b->rc || (b->command_rc && !dc->k.res.code)) {
		ordex_api_unavailable(rq);
		return;
	}
	if (b->command_rc) {
		refused(rq, &dc->k.res);
		return;
	}
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_outbox_row o;
	struct ordex_response *r = ordex_req_response(rq);
	if (!st ||
	    st->ops->outbox_get(st, ordex_req_scope(rq), dc->k.id, ordex_req_arena(rq), &o)) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	row_json(&w, &o, true);
	r->status = 200;
}

void ordex_api_writeback_post(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	int64_t id;
	const char *verb;
	if (!(id = ordex_api_id(ordex_req_path_rest(rq), &verb)) ||
	    (strcmp(verb, "retry") != 0 && strcmp(verb, "cancel") != 0)) {
		ordex_problem(r, 404, "not_found", "Not found",
		              "POST /v1/writebacks/{id}/retry or /cancel", NULL);
		return;
	}
	static const char *const REASON_FIELDS[] = {"reason", NULL};
	struct ordex_json *doc = ordex_api_body_object(rq, REASON_FIELDS, "reason");
	if (!doc)
		return;
	const struct ordex_json *why = ordex_json_get(doc, "reason");
	if (why && (why->type != ORDEX_JSON_STRING || why->len > 2000)) {
		struct ordex_problems probs = {.n = 0};
		ordex_problem_add(&probs, a, "reason", "must be a text of at most 2000 bytes");
		ordex_problem(r, 422, "validation_failed", "Invalid request",
		              "the body is {\"reason\"}", &probs);
		return;
	}
	const char *reason = why ? why->str : NULL;
	struct decide_call *dc = ordex_arena_zalloc(a, sizeof(*dc));
	dc->k.id = id;
	dc->k.verb = verb;
	dc->k.actor = ordex_req_actor(rq);
	dc->k.reason = reason;
	dc->k.a = a;
	dc->batch.scope = *ordex_req_scope(rq);
	dc->batch.command = ordex_outbox_decide;
	dc->batch.command_ctx = &dc->k;
	if (ordex_req_submit(rq, &dc->batch, decided) != ORDEX_OK)
		ordex_api_shutting_down(rq);
}
