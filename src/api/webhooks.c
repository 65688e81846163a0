/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webhooks.c - POST /v1/webhooks/{source}?connector=ID: a provider's
 * notification as it sends it; GET /v1/webhooks: deliveries counted by
 * source, kind and outcome.
 *
 * The connector id in the URL says whose it is (tenant and environment);
 * the signature over the raw body, checked against the connector's valid
 * secrets, proves it came from the provider. A refused request is answered
 * 401 and audited, and changes nothing else. An accepted one is stored as
 * a delivery (the evidence) with the canonical events its adapter made, in
 * one transaction, and answered 200 whatever its outcome (mapped, ignored,
 * incomplete, unparseable, duplicate) so that providers do not retry what
 * was stored. A signed body that is not JSON is kept too, as evidence with
 * outcome "unparseable" and no events: the provider made it, refusing it
 * would only make the provider send the same bytes again.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/sha256.h"
#include "core/timeutil.h"
#include "domain/connector.h"
#include "ingest/adapters/adapter.h"
#include "ingest/event.h"
#include "ingest/ingest.h"
#include "ingest/signature.h"
#include "ingest/writer.h"
#include "store/store.h"

struct hook {
	struct ordex_batch batch;
	struct ordex_delivery delivery;
	const char *reason; /* refused: why */
	const struct ordex_problems *problems;
	const char *kind;
	const char *note;
	const char *outcome; /* mapped, ignored, incomplete or unparseable */
};

static const char *header(void *ctx, const char *name)
{
	return ordex_req_header(ctx, name);
}

static const char *outcome_name(enum ordex_adapt_outcome o)
{
	switch (o) {
	case ORDEX_ADAPT_MAPPED: return "mapped";
	case ORDEX_ADAPT_IGNORED: return "ignored";
	case ORDEX_ADAPT_INCOMPLETE: return "incomplete";
	}
	return "unknown";
}

static void refused_then(struct ordex_req *rq, struct ordex_batch *b)
{
	struct hook *h = (struct hook *)b;
	ordex_problem(ordex_req_response(rq), 401, "signature_invalid", "Signature not valid",
	              h->reason, NULL);
}

static void stored_then(struct ordex_req *rq, struct ordex_batch *b)
{
	struct hook *h = (struct hook *)b;
	struct ordex_response *r = ordex_req_response(rq);
	if (b->rc) {
		ordex_problem(r, 503, "storage_failed", "Could not store",
		              "the delivery was not stored; the provider will send it again", NULL);
		return;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "delivery");
	ordex_jw_int(&w, b->delivery_seq);
	ordex_jw_key(&w, "duplicate");
	ordex_jw_bool(&w, b->delivery_duplicate);
	ordex_jw_key(&w, "outcome");
	ordex_jw_str(&w, h->outcome);
	ordex_jw_key(&w, "kind");
	ordex_jw_str(&w, h->kind);
	if (h->note) {
		ordex_jw_key(&w, "note");
		ordex_jw_str(&w, h->note);
	}
	ordex_jw_key(&w, "events");
	ordex_jw_arr(&w);
	for (size_t i = 0; i < b->n; i++) {
		const struct ordex_item *it = &b->items[i];
		ordex_jw_obj(&w);
		if (it->ev) {
			ordex_jw_key(&w, "id");
			ordex_jw_str(&w, it->ev->id);
			ordex_jw_key(&w, "type");
			ordex_jw_str(&w, it->ev->type_name);
		}
		ordex_jw_key(&w, "status");
		ordex_jw_str(&w, it->status == ORDEX_ITEM_ACCEPTED    ? "accepted"
		                 : it->status == ORDEX_ITEM_DUPLICATE ? "duplicate"
		                 : it->status == ORDEX_ITEM_CONFLICT  ? "conflict"
		                                                      : "rejected");
		if (it->status == ORDEX_ITEM_ACCEPTED || it->status == ORDEX_ITEM_DUPLICATE) {
			ordex_jw_key(&w, "seq");
			ordex_jw_int(&w, it->seq);
		} else {
			ordex_jw_key(&w, "errors");
			ordex_jw_arr(&w);
			const struct ordex_problems *p = it->problems;
			for (int k = 0; p && k < p->n; k++) {
				ordex_jw_obj(&w);
				ordex_jw_key(&w, "field");
				ordex_jw_str(&w, p->items[k].field);
				ordex_jw_key(&w, "reason");
				ordex_jw_str(&w, p->items[k].reason);
				ordex_jw_obj_end(&w);
			}
			if ((!p || !p->n) && it->reason) {
				ordex_jw_obj(&w);
				ordex_jw_key(&w, "field");
				ordex_jw_str(&w, it->field ? it->field : "");
				ordex_jw_key(&w, "reason");
				ordex_jw_str(&w, it->reason);
				ordex_jw_obj_end(&w);
			}
			ordex_jw_arr_end(&w);
		}
		ordex_jw_obj_end(&w);
	}
	ordex_jw_arr_end(&w);
	if (h->problems && h->problems->n) {
		ordex_jw_key(&w, "problems");
		ordex_jw_arr(&w);
		for (int k = 0; k < h->problems->n; k++) {
			ordex_jw_obj(&w);
			ordex_jw_key(&w, "field");
			ordex_jw_str(&w, h->problems->items[k].field);
			ordex_jw_key(&w, "reason");
			ordex_jw_str(&w, h->problems->items[k].reason);
			ordex_jw_obj_end(&w);
		}
		ordex_jw_arr_end(&w);
	}
	ordex_jw_obj_end(&w);
}

static void hexify(const unsigned char *p, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, p, n);
}

/* Audits a refused request and answers 401 once the entry is durable. */
static void refuse(struct ordex_req *rq, struct hook *h, const char *source, const char *reason)
{
	struct ordex_arena *a = ordex_req_arena(rq);
	char sha[65];
	hexify(h->delivery.sha256, 32, sha);
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "source");
	ordex_jw_str(&w, source);
	ordex_jw_key(&w, "reason");
	ordex_jw_str(&w, reason);
	ordex_jw_key(&w, "sha256");
	ordex_jw_str(&w, sha);
	ordex_jw_key(&w, "bytes");
	ordex_jw_int(&w, (int64_t)h->delivery.raw_len);
	ordex_jw_obj_end(&w);
	h->batch.audit_kind = "webhook.refused";
	h->batch.audit_subject = source;
	h->batch.audit_body = ordex_arena_strdup(a, b.data);
	ordex_buf_free(&b);
	h->reason = reason;
	if (ordex_req_submit(rq, &h->batch, refused_then) != ORDEX_OK)
		ordex_problem(ordex_req_response(rq), 503, "shutting_down", "Shutting down",
		              "the service is stopping", NULL);
}

/*
 * Submits the delivery (h's kind, outcome and note decided) with its
 * events, to be stored as evidence and answered by stored_then.
 */
static void store(struct ordex_req *rq, struct hook *h, const char *source, const char *id,
                  const char *topic, int events, int64_t now)
{
	h->delivery.source = source;
	h->delivery.delivery_id = id;
	h->delivery.topic = topic;
	h->delivery.kind = h->kind;
	h->delivery.outcome = h->outcome;
	h->delivery.note = h->note;
	h->delivery.events = events;
	h->delivery.received_at = now;
	h->batch.delivery = &h->delivery;
	if (ordex_req_submit(rq, &h->batch, stored_then) != ORDEX_OK)
		ordex_problem(ordex_req_response(rq), 503, "shutting_down", "Shutting down",
		              "the service is stopping; the provider will send it again", NULL);
}

/* Shopify names the topic and the notification in headers. */
static void provider_headers(struct ordex_req *rq, const char *source,
                             struct ordex_adapter_input *in)
{
	if (!strcmp(source, "shopify")) {
		in->topic = ordex_req_header(rq, "X-Shopify-Topic");
		in->delivery_id = ordex_req_header(rq, "X-Shopify-Event-Id");
		if (!in->delivery_id)
			in->delivery_id = ordex_req_header(rq, "X-Shopify-Webhook-Id");
	}
}

void ordex_api_webhook_post(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	const char *source = ordex_req_path_rest(rq);
	const struct ordex_adapter *ad = ordex_adapter_find(source);
	enum ordex_sig_scheme scheme;
	if (!ad || ordex_sig_scheme_for(source, &scheme) != ORDEX_OK) {
		ordex_problem(
		    r, 404, "not_found", "Not found",
		    "no such source; ordex takes shopify, stripe, easypost, aftership and "
		    "zendesk",
		    NULL);
		return;
	}
	const char *public_id = ordex_req_query(rq, "connector");
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_connector_info c;
	if (!st) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	int found = public_id ? st->ops->connector_by_public(st, public_id, &c) : ORDEX_E_NOTFOUND;
	if (found != ORDEX_OK && found != ORDEX_E_NOTFOUND) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	if (found != ORDEX_OK || strcmp(c.source, source) != 0) {
		ordex_problem(r, 404, "unknown_connector", "Unknown connector",
		              !public_id ? "the URL must carry ?connector= with the id ordex gave "
		                           "when the connector was created"
		              : found != ORDEX_OK
		                  ? "no connector has this id; use the webhook path ordex printed "
		                    "when the connector was created"
		                  : "this connector is for another source; use the webhook path "
		                    "ordex printed for it",
		              NULL);
		return;
	}
	/* the connector's limit is spent before the signature is checked: a flood
	 * of forged deliveries, each a refusal in the audit log, is limited; the
	 * tenant's only once the delivery is known to be the provider's */
	if (ordex_req_charge_connector(rq, c.id, c.rate_per_key) != ORDEX_OK)
		return;
	struct hook *h = ordex_arena_zalloc(a, sizeof(*h));
	char *env = ordex_arena_strdup(a, c.env);
	h->batch.scope.tenant = c.tenant;
	h->batch.scope.env = env;
	size_t len;
	const char *body = ordex_req_body(rq, &len);
	ordex_sha256(h->delivery.sha256, (const unsigned char *)body, len);
	h->delivery.raw = body;
	h->delivery.raw_len = len;

	int64_t now = ordex_time_now();
	const char **secrets;
	size_t *lens, n;
	if (ordex_connector_secrets(st, &h->batch.scope, c.id, ordex_req_vault(rq), now, a,
	                            &secrets, &lens, &n) != ORDEX_OK) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	struct ordex_sig_input in = {
	    .header = header, .ctx = rq, .body = body, .len = len, .now = now / 1000000};
	char why[200];
	if (n == 0) {
		refuse(rq, h, source, "the connector has no valid secret");
		return;
	}
	if (ordex_sig_verify(scheme, secrets, n, &in, NULL, why, sizeof(why)) != ORDEX_OK) {
		refuse(rq, h, source, ordex_arena_strdup(a, why));
		return;
	}
	if (ordex_req_charge_tenant(rq, c.tenant, c.rate_per_tenant) != ORDEX_OK)
		return;

	struct ordex_json *doc;
	struct ordex_json_error jerr;
	const struct ordex_req_limits *lim = ordex_req_limits(rq);
	struct ordex_json_limits jl = {.max_depth = 64};
	if (ordex_json_parse(a, body, len, &jl, &doc, &jerr) != ORDEX_OK) {
		struct ordex_problems *p = ordex_arena_zalloc(a, sizeof(*p));
		ordex_problem_add(p, a, jerr.path, "%s (line %d, column %d)", jerr.msg, jerr.line,
		                  jerr.col);
		char *id = ordex_arena_alloc(a, 65);
		hexify(h->delivery.sha256, 32, id);
		h->outcome = "unparseable";
		h->kind = "unknown";
		h->problems = p;
		h->note =
		    ordex_arena_printf(a, "the body is not valid JSON: %s", p->items[0].reason);
		h->batch.items = ordex_arena_zalloc(a, sizeof(struct ordex_item));
		store(rq, h, source, id, NULL, 0, now);
		return;
	}
	char received[ORDEX_TIME_MAX_LEN];
	ordex_time_format(now, 0, received);
	struct ordex_adapter_input ain = {.body = doc, .received_at = received};
	provider_headers(rq, source, &ain);
	struct ordex_adapter_output out;
	ordex_adapter_output_init(&out, a, source);
	int rc = ad->map(&ain, &out);
	ordex_adapter_output_done(&out);
	if (rc == ORDEX_E_TOOBIG) {
		ordex_problem(r, 413, "too_many_events", "Too many events",
		              "the payload would make more events than one delivery may", NULL);
		return;
	}
	if (!out.outcome) { /* an adapter that decided nothing: treat as not order-relevant */
		out.outcome = ORDEX_ADAPT_IGNORED;
		out.ignored_why = "the adapter found nothing about orders in it";
	}

	/* the events, validated like POST /v1/events; plus a data issue when
	 * an incomplete payload concerns a known order */
	size_t extra = out.outcome == ORDEX_ADAPT_INCOMPLETE && out.order ? 1 : 0;
	h->batch.items = ordex_arena_zalloc(a, sizeof(struct ordex_item) * (out.n + extra + 1));
	struct ordex_ingest_limits il = {.max_depth = lim->max_depth, .max_items = 1};
	for (size_t i = 0; i < out.n; i++) {
		struct ordex_item *it;
		size_t k;
		ordex_ingest_split(a, out.events[i], out.lens[i], false, &il, &it, &k);
		h->batch.items[h->batch.n++] = *it;
	}
	const char *kind = out.kind ? out.kind : "unknown";
	char *delivery_id;
	if (out.event_id)
		delivery_id = ordex_arena_strdup(a, out.event_id);
	else if (ain.delivery_id)
		delivery_id = ordex_arena_strdup(a, ain.delivery_id);
	else {
		delivery_id = ordex_arena_alloc(a, 65);
		hexify(h->delivery.sha256, 32, delivery_id);
	}
	struct ordex_buf note;
	ordex_buf_init(&note, 4096);
	for (int k = 0; k < out.problems.n; k++)
		ordex_buf_printf(&note, "%s%s: %s", k ? "; " : "", out.problems.items[k].field,
		                 out.problems.items[k].reason);
	if (extra) {
		struct ordex_buf ev;
		struct ordex_jw w;
		ordex_buf_init(&ev, 0);
		ordex_jw_init(&w, &ev);
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "id");
		ordex_jw_str(&w, ordex_arena_printf(a, "%s/issue", delivery_id));
		ordex_jw_key(&w, "source");
		ordex_jw_str(&w, source);
		ordex_jw_key(&w, "type");
		ordex_jw_str(&w, "data.issue");
		ordex_jw_key(&w, "occurred_at");
		ordex_jw_str(&w, received);
		ordex_jw_key(&w, "order");
		ordex_jw_str(&w, out.order);
		ordex_jw_key(&w, "data");
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "key");
		ordex_jw_str(&w, ordex_arena_printf(a, "%s:%s", source, kind));
		ordex_jw_key(&w, "reason");
		ordex_jw_str(&w,
		             ordex_arena_printf(a, "A %s %s lacked what ordex needs: %s.", source,
		                                kind, note.data ? note.data : "fields"));
		ordex_jw_obj_end(&w);
		ordex_jw_obj_end(&w);
		struct ordex_item *it;
		size_t k;
		ordex_ingest_split(a, ordex_arena_strndup(a, ev.data, ev.len), ev.len, false, &il,
		                   &it, &k);
		h->batch.items[h->batch.n++] = *it;
		ordex_buf_free(&ev);
	}
	h->outcome = outcome_name(out.outcome);
	h->kind = kind;
	h->problems = ordex_arena_zalloc(a, sizeof(struct ordex_problems));
	memcpy((void *)h->problems, &out.problems, sizeof(out.problems));
	h->note = out.outcome == ORDEX_ADAPT_IGNORED ? out.ignored_why
	          : note.data                        ? ordex_arena_strdup(a, note.data)
	                                             : NULL;
	ordex_buf_free(&note);

	store(rq, h, source, delivery_id, ain.topic, (int)out.n, now);
}

struct stats {
	struct ordex_jw *w;
};

static int stat_row(void *ctx, const char *source, const char *kind, const char *outcome,
                    int64_t count)
{
	struct ordex_jw *w = ctx;
	ordex_jw_obj(w);
	ordex_jw_key(w, "source");
	ordex_jw_str(w, source);
	ordex_jw_key(w, "kind");
	ordex_jw_str(w, kind);
	ordex_jw_key(w, "outcome");
	ordex_jw_str(w, outcome);
	ordex_jw_key(w, "count");
	ordex_jw_int(w, count);
	ordex_jw_obj_end(w);
	return ORDEX_OK;
}

void ordex_api_webhooks_stats(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "deliveries");
	ordex_jw_arr(&w);
	if (!st || st->ops->delivery_stats(st, ordex_req_scope(rq), stat_row, &w)) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	ordex_jw_arr_end(&w);
	ordex_jw_obj_end(&w);
	r->status = 200;
}
