/* SPDX-License-Identifier: Apache-2.0 */
/*
 * connectors.c - POST /v1/connectors {"source","secret","overlap_seconds"}:
 * creates the connector of a provider (or rotates its secret) and answers
 * with the webhook URL to give the provider, never the secret; GET
 * /v1/connectors lists them with their secrets' hints and lifetimes.
 * Changing connectors is for admin keys.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "domain/connector.h"
#include "ingest/event.h"
#include "ingest/writer.h"
#include "store/store.h"

struct add {
	struct ordex_batch batch;
	struct ordex_connector_add cmd;
};

static void added(struct ordex_req *rq, struct ordex_batch *b)
{
	struct add *ad = (struct add *)b;
	struct ordex_response *r = ordex_req_response(rq);
	if (b->rc || b->command_rc == ORDEX_E_STORE) {
		ordex_problem(r, 503, "storage_failed", "Could not store", "nothing was changed",
		              NULL);
		return;
	}
	if (b->command_rc) {
		struct ordex_problems p = {.n = 0};
		const char *why = ad->cmd.why ? ad->cmd.why : "the connector could not be created";
		ordex_problem_add(&p, ordex_req_arena(rq), "secret", "%s", why);
		if (b->command_rc == ORDEX_E_CONFLICT)
			ordex_problem(r, 409, "conflict", "Conflict", why, &p);
		else
			ordex_problem(r, 422, "validation_failed", "Invalid connector", why, NULL);
		return;
	}
	struct ordex_jw w;
	r->status = ad->cmd.created ? 201 : 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "source");
	ordex_jw_str(&w, ad->cmd.source);
	ordex_jw_key(&w, "connector");
	ordex_jw_str(&w, ad->cmd.public_id);
	ordex_jw_key(&w, "webhook_path");
	ordex_jw_str(&w, ordex_arena_printf(ordex_req_arena(rq), "/v1/webhooks/%s?connector=%s",
	                                    ad->cmd.source, ad->cmd.public_id));
	ordex_jw_key(&w, "secret_id");
	ordex_jw_int(&w, ad->cmd.secret_id);
	ordex_jw_key(&w, "secret_hint");
	ordex_jw_str(&w, ad->cmd.hint);
	ordex_jw_key(&w, "rotation");
	ordex_jw_bool(&w, !ad->cmd.created);
	ordex_jw_obj_end(&w);
}

void ordex_api_connectors_post(struct ordex_req *rq)
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
	struct add *ad = ordex_arena_zalloc(a, sizeof(*ad));
	const struct ordex_json *src = ordex_json_get(doc, "source");
	const struct ordex_json *sec = ordex_json_get(doc, "secret");
	const struct ordex_json *ov = ordex_json_get(doc, "overlap_seconds");
	if (!src || src->type != ORDEX_JSON_STRING)
		ordex_problem_add(&probs, a, "source",
		                  "is required: shopify, stripe, easypost, "
		                  "aftership or zendesk");
	else if (!ordex_connector_source_known(src->str))
		ordex_problem_add(&probs, a, "source", "unknown source \"%s\"", src->str);
	if (sec && sec->type != ORDEX_JSON_STRING)
		ordex_problem_add(&probs, a, "secret", "must be a string");
	else if (!sec || sec->len == 0)
		ordex_problem_add(&probs, a, "secret",
		                  "is required: the signing secret the "
		                  "provider shows for this webhook");
	else if (sec->len > ORDEX_SECRET_MAX)
		ordex_problem_add(&probs, a, "secret", "is longer than %d bytes", ORDEX_SECRET_MAX);
	int64_t overlap = -1; /* absent: the default window of a day */
	if (ov &&
	    (ordex_json_int(ov, &overlap) != ORDEX_OK || overlap < 0 || overlap > 30LL * 86400))
		ordex_problem_add(&probs, a, "overlap_seconds",
		                  "must be an integer from 0 to 2592000 (30 days)");
	if (probs.n) {
		ordex_problem(r, 422, "validation_failed", "Invalid connector",
		              "the connector could not be created", &probs);
		return;
	}
	ad->cmd.source = src->str;
	ad->cmd.secret = sec->str;
	ad->cmd.secret_len = sec->len;
	ad->cmd.overlap_s = overlap;
	ad->cmd.vault = ordex_req_vault(rq);
	ad->cmd.actor = ordex_req_actor(rq);
	ad->batch.scope = *ordex_req_scope(rq);
	ad->batch.command = ordex_connector_add;
	ad->batch.command_ctx = &ad->cmd;
	if (ordex_req_submit(rq, &ad->batch, added) != ORDEX_OK)
		ordex_problem(r, 503, "shutting_down", "Shutting down", "the service is stopping",
		              NULL);
}

void ordex_api_connectors_list(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	const struct ordex_scope *sc = ordex_req_scope(rq);
	struct ordex_connector_info *cs;
	size_t n;
	if (!st || st->ops->connectors_list(st, sc, a, &cs, &n)) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "connectors");
	ordex_jw_arr(&w);
	int64_t now = ordex_time_now();
	for (size_t i = 0; i < n; i++) {
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "source");
		ordex_jw_str(&w, cs[i].source);
		ordex_jw_key(&w, "connector");
		ordex_jw_str(&w, cs[i].public_id);
		ordex_jw_key(&w, "webhook_path");
		ordex_jw_str(&w, ordex_arena_printf(a, "/v1/webhooks/%s?connector=%s", cs[i].source,
		                                    cs[i].public_id));
		ordex_jw_key(&w, "secrets");
		ordex_jw_arr(&w);
		struct ordex_secret_row *rows;
		size_t m = 0;
		if (st->ops->secrets_list(st, sc, cs[i].id, a, &rows, &m) == ORDEX_OK) {
			for (size_t k = 0; k < m; k++) {
				char t[ORDEX_TIME_MAX_LEN];
				ordex_jw_obj(&w);
				ordex_jw_key(&w, "id");
				ordex_jw_int(&w, rows[k].id);
				ordex_jw_key(&w, "hint");
				ordex_jw_str(&w, rows[k].hint);
				ordex_time_format(rows[k].created_at, 0, t);
				ordex_jw_key(&w, "created_at");
				ordex_jw_str(&w, t);
				ordex_jw_key(&w, "expires_at");
				if (rows[k].expires_at) {
					ordex_time_format(rows[k].expires_at, 0, t);
					ordex_jw_str(&w, t);
				} else {
					ordex_jw_null(&w);
				}
				ordex_jw_key(&w, "valid");
				ordex_jw_bool(&w, !rows[k].expires_at || rows[k].expires_at > now);
				ordex_jw_obj_end(&w);
			}
		}
		ordex_jw_arr_end(&w);
		ordex_jw_obj_end(&w);
	}
	ordex_jw_arr_end(&w);
	ordex_jw_obj_end(&w);
	r->status = 200;
}
