/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_webhooks.c - provider webhooks against the real server: a connector
 * made through POST /v1/connectors, payloads from the shared field data
 * signed the way each provider signs them (ordex_sig_sign, with the secret
 * the test registered) and sent over HTTP with the provider's headers.
 *
 * Each test starts its own server in a fresh data directory, so that
 * connectors, secrets and counts of one test never leak into another. What
 * the server stored is read back through the API (orders, GET
 * /v1/webhooks), and where the API has no view of it (refusals, events
 * counted whatever their order) through the database, opened read-only.
 * The last test sends every file of the shared provider folders as one
 * payload each and prints what the adapters made of them.
 */
#include "testutil.h"

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "harness.h"
#include "ingest/signature.h"

static struct harness h;
static struct ordex_arena *A; /* what one test allocates, freed when it ends */

static const char *const sources[] = {"shopify", "stripe", "easypost", "aftership", "zendesk"};

/* ---- set up ------------------------------------------------------------ */

static int group_setup(void **state)
{
	curl_global_init(CURL_GLOBAL_ALL);
	if (sodium_init() < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	curl_global_cleanup();
	return 0;
}

static int start(void **state)
{
	harness_init(&h);
	harness_serve(&h, NULL);
	A = ordex_arena_new(64 * 1024);
	return 0;
}

static int stop(void **state)
{
	harness_cleanup(&h);
	ordex_arena_free(A);
	A = NULL;
	return 0;
}

/* ---- text and JSON ----------------------------------------------------- */

/* The bytes of a file in the arena, NUL-terminated; NULL when it cannot be read. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct ordex_buf b;
	char chunk[8192];
	size_t n;
	ordex_buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ordex_buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	char *p = ordex_arena_strndup(A, b.data ? b.data : "", b.len);
	ordex_buf_free(&b);
	return p;
}

/* A file of the shared data folder; skips the test when it is absent. */
static char *fixture(const char *rel, size_t *len)
{
	char path[1024];
	size_t n;
	snprintf(path, sizeof(path), "%s/%s", test_shared_data(), rel);
	char *p = read_all(path, len ? len : &n);
	if (!p) {
		print_message("shared data absent (%s): skipped; set ORDEX_SHARED_DATA\n", path);
		skip();
	}
	return p;
}

/* s with every occurrence of from replaced by to; at least one must occur. */
static char *replace(const char *s, const char *from, const char *to)
{
	struct ordex_buf b;
	size_t fl = strlen(from);
	int found = 0;
	ordex_buf_init(&b, 0);
	for (const char *p = s, *q; *p; p = q + fl) {
		q = strstr(p, from);
		if (!q) {
			ordex_buf_puts(&b, p);
			break;
		}
		ordex_buf_append(&b, p, (size_t)(q - p));
		ordex_buf_puts(&b, to);
		found++;
	}
	if (!found)
		fail_msg("fixture changed: \"%s\" not found", from);
	char *out = ordex_arena_strndup(A, b.data, b.len);
	ordex_buf_free(&b);
	return out;
}

static struct ordex_json *parse(const char *p, size_t n)
{
	struct ordex_json *doc = NULL;
	struct ordex_json_error err;
	if (ordex_json_parse(A, p, n, NULL, &doc, &err) != ORDEX_OK)
		fail_msg("not JSON at %s: %s: %.300s", err.path, err.msg, p);
	return doc;
}

/* A node written back as compact JSON, in the arena. */
static char *to_json(const struct ordex_json *node)
{
	struct ordex_buf b;
	assert_non_null(node);
	ordex_buf_init(&b, 0);
	assert_int_equal(ordex_json_write(&b, node), ORDEX_OK);
	char *s = ordex_arena_strndup(A, b.data, b.len);
	ordex_buf_free(&b);
	return s;
}

static const char *jstr(const struct ordex_json *o, const char *key)
{
	return ordex_json_string(ordex_json_get(o, key));
}

static bool jtrue(const struct ordex_json *o, const char *key)
{
	const struct ordex_json *n = ordex_json_get(o, key);
	return n && n->type == ORDEX_JSON_TRUE;
}

static struct ordex_json *answer(const struct http_resp *r)
{
	return parse(r->body, r->len);
}

/* ---- HTTP -------------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct http_resp *r = ctx;
	size_t add = size * n;
	r->body = realloc(r->body, r->len + add + 1);
	memcpy(r->body + r->len, p, add);
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

/*
 * POSTs body to path as a provider does: no Authorization, JSON, and the
 * header lines in headers ("Name: value\n" each, as ordex_sig_sign writes
 * them; may be NULL).
 */
static void send_hook(const char *path, const char *body, size_t len, const char *headers,
                      struct http_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->body = calloc(1, 1);
	CURL *c = curl_easy_init();
	struct curl_slist *hd = NULL;
	char url[1024], line[ORDEX_SIG_MAX_HEADER + 128];
	snprintf(url, sizeof(url), "%s%s", h.base, path);
	for (const char *p = headers; p && *p;) {
		size_t n = strcspn(p, "\n");
		if (n && n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			hd = curl_slist_append(hd, line);
		}
		p += n + (p[n] == '\n');
	}
	hd = curl_slist_append(hd, "Content-Type: application/json");
	hd = curl_slist_append(hd, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(c) == CURLE_OK) {
		char *t = NULL;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &t);
		if (t)
			snprintf(r->content_type, sizeof(r->content_type), "%s", t);
	} else {
		r->status = -1;
	}
	curl_slist_free_all(hd);
	curl_easy_cleanup(c);
}

static const char *hook_path(const char *source, const char *connector)
{
	return ordex_arena_printf(A, "/v1/webhooks/%s?connector=%s", source, connector);
}

/* The header lines source's provider sends with body, signed with secret at unix time at. */
static const char *sign(const char *source, const char *secret, const char *body, size_t len,
                        int64_t at)
{
	enum ordex_sig_scheme s;
	char out[1024];
	assert_int_equal(ordex_sig_scheme_for(source, &s), ORDEX_OK);
	assert_int_equal(ordex_sig_sign(s, secret, body, len, at, out, sizeof(out)), ORDEX_OK);
	return ordex_arena_strdup(A, out);
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- connectors -------------------------------------------------------- */

/*
 * Adds secret to the connector of source (creating it) with the admin key;
 * overlap_s < 0 leaves overlap_seconds out. Returns the connector's id;
 * *hint (may be NULL) gets the secret's hint.
 */
static const char *connector_add(const char *source, const char *secret, int overlap_s,
                                 const char **hint)
{
	char body[1024];
	struct http_resp r;
	if (overlap_s >= 0)
		snprintf(body, sizeof(body),
		         "{\"source\":\"%s\",\"secret\":\"%s\",\"overlap_seconds\":%d}", source,
		         secret, overlap_s);
	else
		snprintf(body, sizeof(body), "{\"source\":\"%s\",\"secret\":\"%s\"}", source,
		         secret);
	http(&h, "POST", "/v1/connectors", h.key, "application/json", body, strlen(body), &r);
	if (r.status != 201 && r.status != 200)
		fail_msg("POST /v1/connectors answered %ld: %s", r.status, r.body);
	/* the secret is taken, never given back */
	assert_null(strstr(r.body, secret));
	struct ordex_json *a = answer(&r);
	const char *id = jstr(a, "connector");
	assert_non_null(id);
	assert_string_equal(jstr(a, "source"), source);
	assert_string_equal(jstr(a, "webhook_path"), hook_path(source, id));
	if (hint)
		*hint = jstr(a, "secret_hint");
	http_free(&r);
	return id;
}

/* ---- what the server stored -------------------------------------------- */

/* Deliveries counted by GET /v1/webhooks matching source, kind and outcome (NULL: any). */
static int64_t deliveries(const char *source, const char *kind, const char *outcome)
{
	struct http_resp r;
	get(&h, "/v1/webhooks", &r);
	assert_int_equal(r.status, 200);
	const struct ordex_json *rows = ordex_json_get(answer(&r), "deliveries");
	assert_non_null(rows);
	int64_t total = 0, n;
	for (const struct ordex_json *d = rows->child; d; d = d->next) {
		if ((source && strcmp(jstr(d, "source"), source)) ||
		    (kind && strcmp(jstr(d, "kind"), kind)) ||
		    (outcome && strcmp(jstr(d, "outcome"), outcome)))
			continue;
		assert_int_equal(ordex_json_int(ordex_json_get(d, "count"), &n), ORDEX_OK);
		total += n;
	}
	http_free(&r);
	return total;
}

/* One integer the database answers to sql, read-only. */
static int64_t db_count(const char *sql)
{
	char path[400];
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	snprintf(path, sizeof(path), "%s/ordex.db", h.dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

static int64_t audit_rows(const char *kind)
{
	return db_count(
	    ordex_arena_printf(A, "SELECT count(*) FROM audit WHERE kind = '%s'", kind));
}

static int64_t events_stored(void)
{
	return db_count("SELECT count(*) FROM events");
}

static void audit_verifies(void)
{
	char *out = NULL, *err = NULL;
	const char *args[] = {"audit", "verify", "--data", h.dir, NULL};
	int rc = harness_cli(args, &out, &err);
	if (rc != 0)
		fail_msg("ordex audit verify exited %d: %s%s", rc, out, err);
	assert_non_null(strstr(out, "audit chain verified"));
	free(out);
	free(err);
}

/* GET /v1/orders/ref: its status, and *doc the parsed order when 200. */
static long order_get(const char *ref, struct ordex_json **doc)
{
	struct http_resp r;
	get(&h, ordex_arena_printf(A, "/v1/orders/%s", ref), &r);
	long st = r.status;
	if (doc)
		*doc = st == 200 ? answer(&r) : NULL;
	http_free(&r);
	return st;
}

static void post_canonical(const char *json)
{
	struct http_resp r;
	post_event(&h, json, &r);
	if (r.status != 201)
		fail_msg("POST /v1/events answered %ld: %s", r.status, r.body);
	http_free(&r);
}

/* Does the order's timeline hold an event of type from source? */
static bool in_timeline(const struct ordex_json *order, const char *type, const char *source)
{
	const struct ordex_json *t = ordex_json_get(order, "timeline");
	for (const struct ordex_json *e = t ? t->child : NULL; e; e = e->next)
		if (!strcmp(jstr(e, "type"), type) && !strcmp(jstr(e, "source"), source))
			return true;
	return false;
}

/* ---- real payloads ----------------------------------------------------- */

struct payload {
	const char *source;
	const char *body;
	size_t len;
	const char *headers; /* provider headers other than the signature, or NULL */
};

static struct payload made(const char *source, const char *body, const char *headers)
{
	return (struct payload){source, body, strlen(body), headers};
}

/* Shopify's orders/create: the bare order of the API fixture, as order #ref with id id. */
static struct payload shopify_order(const char *ref, const char *id)
{
	char *file = fixture("shopify/order.json", NULL);
	char *o = to_json(ordex_json_get(parse(file, strlen(file)), "order"));
	o = replace(o, "\"name\":\"#1001\"", ordex_arena_printf(A, "\"name\":\"#%s\"", ref));
	o = replace(o, "\"id\":450789469,", ordex_arena_printf(A, "\"id\":%s,", id));
	return made("shopify", o,
	            ordex_arena_printf(A,
	                               "X-Shopify-Topic: orders/create\n"
	                               "X-Shopify-Shop-Domain: ordex-test.myshopify.com\n"
	                               "X-Shopify-Webhook-Id: wh-%s\n",
	                               id));
}

/* Stripe's payment_intent.succeeded around the dj-stripe intent, its metadata naming order. */
static struct payload stripe_succeeded(const char *evt, const char *order)
{
	char *pi =
	    fixture("stripe/dj-stripe/payment_intent_pi_fakefakefakefakefake0001.json", NULL);
	pi = replace(pi, "\"djstripe_test_fake_id\": \"pi_fakefakefakefakefake0001\"",
	             ordex_arena_printf(A, "\"order_id\": \"%s\"", order));
	return made("stripe",
	            ordex_arena_printf(A,
	                               "{\"id\":\"%s\",\"object\":\"event\",\"api_version\":"
	                               "\"2019-05-16\",\"created\":%lld,\"livemode\":false,"
	                               "\"pending_webhooks\":1,\"request\":{\"id\":null,"
	                               "\"idempotency_key\":null},\"type\":"
	                               "\"payment_intent.succeeded\",\"data\":{\"object\":%s}}",
	                               evt, (long long)now_s(), pi),
	            NULL);
}

/* EasyPost's tracker.updated webhook body, as documented. */
static struct payload easypost_tracker(void)
{
	return made("easypost", fixture("easypost/event-body_tracker-updated.json", NULL), NULL);
}

/* AfterShip's tracking_update around the first (delivered) tracking, linked to order. */
static struct payload aftership_update(const char *evt, const char *order)
{
	char *file = fixture("aftership/get_trackings.json", NULL);
	const struct ordex_json *ts =
	    ordex_json_get(ordex_json_get(parse(file, strlen(file)), "data"), "trackings");
	char *t = to_json(ordex_json_at(ts, 0));
	t = replace(t, "\"order_id\":null", ordex_arena_printf(A, "\"order_id\":\"%s\"", order));
	return made("aftership",
	            ordex_arena_printf(A,
	                               "{\"event\":\"tracking_update\",\"event_id\":\"%s\","
	                               "\"is_tracking_first_tag\":false,\"msg\":%s,\"ts\":%lld}",
	                               evt, t, (long long)now_s()),
	            NULL);
}

/* Zendesk's ticket.created event around the recorded ticket, tagged order_<order>. */
static struct payload zendesk_ticket(const char *evt, const char *order)
{
	char *file = fixture("zendesk/ticket_create.json", NULL);
	const struct ordex_json *rec = ordex_json_at(parse(file, strlen(file)), 0);
	char *t = to_json(ordex_json_get(ordex_json_get(rec, "body"), "ticket"));
	t = replace(t, "\"awesome\"", ordex_arena_printf(A, "\"order_%s\"", order));
	return made("zendesk",
	            ordex_arena_printf(A,
	                               "{\"account_id\":20014182,\"detail\":%s,\"event\":{},"
	                               "\"id\":\"%s\",\"subject\":\"zen:ticket:8867\","
	                               "\"time\":\"2015-12-30T01:45:30Z\",\"type\":"
	                               "\"zen:event-type:ticket.created\","
	                               "\"zendesk_event_version\":\"2022-11-06\"}",
	                               t, evt),
	            NULL);
}

static const char *secret_of(const char *source)
{
	return ordex_arena_printf(A, "whsec_%s_9f86d081884c7d659a2feaa0", source);
}

/* Sends p signed with secret at unix time at, with its provider headers. */
static void deliver(const char *connector, const struct payload *p, const char *secret, int64_t at,
                    struct http_resp *r)
{
	const char *sig = sign(p->source, secret, p->body, p->len, at);
	send_hook(hook_path(p->source, connector), p->body, p->len,
	          ordex_arena_printf(A, "%s%s", sig, p->headers ? p->headers : ""), r);
}

/* Sends p signed with the source's secret now; expects 200 mapped of kind, events accepted. */
static struct ordex_json *deliver_mapped(const char *connector, const struct payload *p,
                                         const char *kind)
{
	struct http_resp r;
	deliver(connector, p, secret_of(p->source), now_s(), &r);
	if (r.status != 200)
		fail_msg("%s webhook answered %ld: %s", p->source, r.status, r.body);
	struct ordex_json *a = answer(&r);
	http_free(&r);
	assert_string_equal(jstr(a, "outcome"), "mapped");
	assert_string_equal(jstr(a, "kind"), kind);
	assert_false(jtrue(a, "duplicate"));
	const struct ordex_json *evs = ordex_json_get(a, "events");
	assert_non_null(evs);
	assert_true(evs->count >= 1);
	for (const struct ordex_json *e = evs->child; e; e = e->next)
		assert_string_equal(jstr(e, "status"), "accepted");
	assert_int_equal(deliveries(p->source, kind, "mapped"), 1);
	return a;
}

/* ---- 1. each provider, signed, stored ---------------------------------- */

static void shopify_order_webhook_creates_the_order(void **state)
{
	const char *c = connector_add("shopify", secret_of("shopify"), -1, NULL);
	struct payload p = shopify_order("1001", "450789469");
	deliver_mapped(c, &p, "order");
	struct ordex_json *o;
	assert_int_equal(order_get("1001", &o), 200);
	assert_true(jtrue(o, "known"));
	assert_string_equal(jstr(o, "total"), "409.94");
	assert_string_equal(jstr(o, "currency"), "USD");
	assert_string_equal(jstr(o, "email"), "bob.norman@hostmail.com");
	assert_int_equal(ordex_json_get(o, "lines")->count, 3);
	assert_true(in_timeline(o, "order.created", "shopify"));
}

static void stripe_payment_intent_event_records_the_capture(void **state)
{
	const char *c = connector_add("stripe", secret_of("stripe"), -1, NULL);
	struct payload p = stripe_succeeded("evt_1Ordex0Webhook0Test01", "2001");
	struct ordex_json *a = deliver_mapped(c, &p, "payment_intent");
	const struct ordex_json *ev = ordex_json_at(ordex_json_get(a, "events"), 0);
	assert_string_equal(jstr(ev, "type"), "payment.captured");
	struct ordex_json *o;
	assert_int_equal(order_get("2001", &o), 200);
	const struct ordex_json *pay = ordex_json_at(ordex_json_get(o, "payments"), 0);
	assert_non_null(pay);
	assert_string_equal(jstr(pay, "payment"), "pi_fakefakefakefakefake0001");
	assert_string_equal(jstr(pay, "status"), "captured");
	assert_string_equal(jstr(pay, "captured"), "20.00");
	assert_string_equal(jstr(pay, "currency"), "USD");
}

static void easypost_tracker_event_moves_the_shipment(void **state)
{
	const char *c = connector_add("easypost", secret_of("easypost"), -1, NULL);
	/* the merchant's own record of the parcel: EasyPost names no order */
	post_canonical("{\"id\":\"ship-5001\",\"source\":\"shop\",\"type\":\"shipment.created\","
	               "\"occurred_at\":\"2024-07-31T14:00:00Z\",\"order\":\"5001\",\"data\":{"
	               "\"shipment\":\"1\",\"carrier\":\"FedEx\",\"tracking\":\"1\"}}");
	struct payload p = easypost_tracker();
	deliver_mapped(c, &p, "tracker");
	struct ordex_json *o;
	assert_int_equal(order_get("5001", &o), 200);
	const struct ordex_json *s = ordex_json_at(ordex_json_get(o, "shipments"), 0);
	assert_non_null(s);
	assert_string_equal(jstr(s, "shipment"), "1");
	assert_string_equal(jstr(s, "status"), "in_transit");
	assert_true(in_timeline(o, "shipment.updated", "easypost"));
}

static void aftership_tracking_webhook_marks_the_parcel_delivered(void **state)
{
	const char *c = connector_add("aftership", secret_of("aftership"), -1, NULL);
	struct payload p = aftership_update("as-evt-0001", "3001");
	deliver_mapped(c, &p, "tracking");
	struct ordex_json *o;
	assert_int_equal(order_get("3001", &o), 200);
	const struct ordex_json *s = ordex_json_at(ordex_json_get(o, "shipments"), 0);
	assert_non_null(s);
	assert_string_equal(jstr(s, "shipment"), "1111111111111");
	assert_string_equal(jstr(s, "status"), "delivered");
}

static void zendesk_ticket_event_joins_the_order_timeline(void **state)
{
	const char *c = connector_add("zendesk", secret_of("zendesk"), -1, NULL);
	post_canonical("{\"id\":\"ord-4001\",\"source\":\"shop\",\"type\":\"order.created\","
	               "\"occurred_at\":\"2015-12-29T10:00:00Z\",\"order\":\"4001\",\"data\":{}}");
	struct payload p = zendesk_ticket("zd-evt-0001", "4001");
	struct ordex_json *a = deliver_mapped(c, &p, "ticket_event");
	const struct ordex_json *ev = ordex_json_at(ordex_json_get(a, "events"), 0);
	assert_string_equal(jstr(ev, "type"), "ticket.created");
	struct ordex_json *o;
	assert_int_equal(order_get("4001", &o), 200);
	assert_true(in_timeline(o, "ticket.created", "zendesk"));
}

/* ---- 2. bad signatures ------------------------------------------------- */

static void expect_refused(const struct http_resp *r, const char *what, const char *why)
{
	if (r->status != 401)
		fail_msg("%s: answered %ld, not 401: %s", what, r->status, r->body);
	assert_string_equal(r->content_type, "application/problem+json");
	struct ordex_json *a = answer(r);
	assert_string_equal(jstr(a, "code"), "signature_invalid");
	const char *detail = jstr(a, "detail");
	if (!detail || !strstr(detail, why))
		fail_msg("%s: detail \"%s\" does not say \"%s\"", what, detail ? detail : "", why);
}

/* A copy of p with one digit past the middle of the body changed. */
static struct payload one_byte_changed(const struct payload *p)
{
	char *b = ordex_arena_strndup(A, p->body, p->len);
	size_t i = p->len / 2;
	while (i < p->len && (b[i] < '0' || b[i] > '9'))
		i++;
	assert_true(i < p->len);
	b[i] = b[i] == '9' ? '8' : (char)(b[i] + 1);
	struct payload q = *p;
	q.body = b;
	return q;
}

static void bad_signatures_are_refused_audited_and_change_nothing(void **state)
{
	struct payload ps[] = {
	    shopify_order("1001", "450789469"),
	    stripe_succeeded("evt_1Ordex0Webhook0Test02", "2001"),
	    easypost_tracker(),
	    aftership_update("as-evt-0002", "3001"),
	    zendesk_ticket("zd-evt-0002", "4001"),
	};
	const char *conn[ORDEX_ARRAY_LEN(ps)];
	int refused = 0;
	struct http_resp r;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(ps); i++)
		conn[i] = connector_add(ps[i].source, secret_of(ps[i].source), -1, NULL);
	int64_t refused_before = audit_rows("webhook.refused");

	for (size_t i = 0; i < ORDEX_ARRAY_LEN(ps); i++) {
		const struct payload *p = &ps[i];
		const char *src = p->source;
		/* signed, then one byte of the body changed on the way */
		struct payload q = one_byte_changed(p);
		const char *sig = sign(src, secret_of(src), p->body, p->len, now_s());
		send_hook(hook_path(src, conn[i]), q.body, q.len,
		          ordex_arena_printf(A, "%s%s", sig, p->headers ? p->headers : ""), &r);
		expect_refused(&r, ordex_arena_printf(A, "%s, one changed byte", src),
		               "does not match");
		http_free(&r);
		refused++;
		/* signed with a secret that is not the connector's */
		deliver(conn[i], p, "whsec_not_the_registered_secret_01", now_s(), &r);
		expect_refused(&r, ordex_arena_printf(A, "%s, wrong secret", src),
		               "does not match");
		http_free(&r);
		refused++;
		/* no signature at all */
		send_hook(hook_path(src, conn[i]), p->body, p->len, p->headers, &r);
		expect_refused(&r, ordex_arena_printf(A, "%s, no signature", src),
		               "missing header");
		http_free(&r);
		refused++;
	}
	/* signed correctly, but ten minutes ago or ahead: a replay window of 300 s */
	deliver(conn[1], &ps[1], secret_of("stripe"), now_s() - 600, &r);
	expect_refused(&r, "stripe, stale timestamp", "timestamp");
	http_free(&r);
	deliver(conn[1], &ps[1], secret_of("stripe"), now_s() + 600, &r);
	expect_refused(&r, "stripe, future timestamp", "timestamp");
	http_free(&r);
	deliver(conn[4], &ps[4], secret_of("zendesk"), now_s() - 600, &r);
	expect_refused(&r, "zendesk, stale timestamp", "timestamp");
	http_free(&r);
	refused += 3;

	/* nothing was stored */
	assert_int_equal(deliveries(NULL, NULL, NULL), 0);
	assert_int_equal(events_stored(), 0);
	assert_int_equal(order_get("1001", NULL), 404);
	assert_int_equal(order_get("2001", NULL), 404);
	assert_int_equal(order_get("3001", NULL), 404);
	/* every refusal is in the audit log, which still verifies */
	assert_int_equal(audit_rows("webhook.refused") - refused_before, refused);
	assert_int_equal(audit_rows("webhook.received"), 0);
	audit_verifies();

	/* the same payloads signed right are taken: the refusals were the signatures' doing */
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(ps); i++) {
		deliver(conn[i], &ps[i], secret_of(ps[i].source), now_s(), &r);
		if (r.status != 200)
			fail_msg("%s signed right answered %ld: %s", ps[i].source, r.status,
			         r.body);
		http_free(&r);
	}
	assert_int_equal(order_get("1001", NULL), 200);
	assert_int_equal(deliveries(NULL, NULL, NULL), (int64_t)ORDEX_ARRAY_LEN(ps));
}

/* ---- 3. rotation ------------------------------------------------------- */

#define SECRET_1 "shpss_rotation_first_4b1d7e0c9a33"
#define SECRET_2 "shpss_rotation_second_8e2f61d0b7aa"
#define SECRET_3 "shpss_rotation_third_c05a9d3e11f4"

/* Sends a new order (so never a duplicate) signed with secret; returns the status. */
static long order_signed_with(const char *connector, const char *secret)
{
	static int n;
	char ref[32], id[32];
	struct http_resp r;
	n++;
	snprintf(ref, sizeof(ref), "R%d", n);
	snprintf(id, sizeof(id), "%d", 900000 + n);
	struct payload p = shopify_order(ref, id);
	deliver(connector, &p, secret, now_s(), &r);
	long st = r.status;
	if (st == 401)
		expect_refused(&r, "rotation", "does not match");
	else if (st != 200)
		fail_msg("answered %ld: %s", st, r.body);
	http_free(&r);
	return st;
}

static void rotation_with_overlap_accepts_old_and_new_secrets(void **state)
{
	const char *c1 = connector_add("shopify", SECRET_1, -1, NULL);
	assert_int_equal(order_signed_with(c1, SECRET_1), 200);
	assert_int_equal(order_signed_with(c1, SECRET_2), 401);
	const char *c2 = connector_add("shopify", SECRET_2, 3600, NULL);
	assert_string_equal(c2, c1); /* a rotation keeps the webhook URL */
	assert_int_equal(order_signed_with(c1, SECRET_1), 200);
	assert_int_equal(order_signed_with(c1, SECRET_2), 200);
	assert_int_equal(order_signed_with(c1, "shpss_never_registered_000000000"), 401);
	assert_int_equal(audit_rows("connector.created"), 1);
	assert_int_equal(audit_rows("connector.secret_added"), 1);
}

static void rotation_without_overlap_retires_older_secrets_at_once(void **state)
{
	const char *c = connector_add("shopify", SECRET_1, -1, NULL);
	connector_add("shopify", SECRET_2, 3600, NULL);
	assert_int_equal(order_signed_with(c, SECRET_1), 200);
	assert_int_equal(order_signed_with(c, SECRET_2), 200);
	connector_add("shopify", SECRET_3, 0, NULL);
	assert_int_equal(order_signed_with(c, SECRET_3), 200);
	long first = order_signed_with(c, SECRET_1), second = order_signed_with(c, SECRET_2);
	if (first != 401 || second != 401)
		fail_msg(
		    "after a rotation with overlap_seconds 0 the older secrets must be refused; "
		    "the first answered %ld, the second %ld",
		    first, second);
}

static void connector_list_shows_hints_never_secrets(void **state)
{
	const char *secrets[] = {SECRET_1, SECRET_2, SECRET_3};
	const char *hints[3];
	connector_add("shopify", SECRET_1, -1, &hints[0]);
	connector_add("shopify", SECRET_2, 3600, &hints[1]);
	connector_add("shopify", SECRET_3, 0, &hints[2]);
	connector_add("stripe", "whsec_listing_stripe_77aa01bc93de", -1, NULL);
	struct http_resp r;
	get(&h, "/v1/connectors", &r);
	assert_int_equal(r.status, 200);
	for (size_t i = 0; i < 3; i++) {
		assert_null(strstr(r.body, secrets[i]));
		assert_non_null(hints[i]);
		assert_true(strlen(hints[i]) < strlen(secrets[i]) / 2 + 5);
	}
	assert_null(strstr(r.body, "whsec_listing_stripe_77aa01bc93de"));
	const struct ordex_json *cs = ordex_json_get(answer(&r), "connectors");
	assert_int_equal(cs->count, 2);
	for (const struct ordex_json *c = cs->child; c; c = c->next) {
		assert_null(ordex_json_get(c, "secret"));
		const struct ordex_json *ss = ordex_json_get(c, "secrets");
		assert_non_null(ss);
		for (const struct ordex_json *s = ss->child; s; s = s->next) {
			assert_null(ordex_json_get(s, "secret"));
			assert_non_null(jstr(s, "hint"));
		}
		if (strcmp(jstr(c, "source"), "shopify"))
			continue;
		assert_int_equal(ss->count, 3);
		for (size_t i = 0; i < 3; i++) /* oldest first, each with its own hint */
			assert_string_equal(jstr(ordex_json_at(ss, i), "hint"), hints[i]);
		assert_true(jtrue(ordex_json_at(ss, 2), "valid"));
	}
	http_free(&r);
	/* and neither does a viewer's listing */
	char *out = NULL;
	const char *args[] = {"key", "create", "--data", h.dir, "--role", "viewer", NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	char *last = out, *nl;
	while ((nl = strchr(last, '\n')) && nl[1])
		last = nl + 1;
	last[strcspn(last, "\n")] = '\0';
	http(&h, "GET", "/v1/connectors", last, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	for (size_t i = 0; i < 3; i++)
		assert_null(strstr(r.body, secrets[i]));
	http_free(&r);
	free(out);
}

/* ---- 4. redelivery ----------------------------------------------------- */

static void redelivery_is_a_duplicate_and_stores_no_new_events(void **state)
{
	struct payload ps[] = {
	    /* Shopify without a delivery id header: the body's digest identifies it */
	    made("shopify", shopify_order("1001", "450789469").body,
	         "X-Shopify-Topic: orders/create\n"),
	    /* Stripe re-signs a retry with a new timestamp; the event id identifies it */
	    stripe_succeeded("evt_1Ordex0Webhook0Test04", "2001"),
	    aftership_update("as-evt-0004", "3001"),
	};
	struct http_resp r;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(ps); i++) {
		const char *src = ps[i].source;
		const char *c = connector_add(src, secret_of(src), -1, NULL);
		deliver(c, &ps[i], secret_of(src), now_s() - 5, &r);
		assert_int_equal(r.status, 200);
		struct ordex_json *first = answer(&r);
		http_free(&r);
		assert_false(jtrue(first, "duplicate"));
		int64_t events = events_stored(), dups = audit_rows("webhook.duplicate");

		deliver(c, &ps[i], secret_of(src), now_s(), &r);
		if (r.status != 200)
			fail_msg("%s redelivery answered %ld: %s", src, r.status, r.body);
		struct ordex_json *again = answer(&r);
		http_free(&r);
		assert_true(jtrue(again, "duplicate"));
		assert_string_equal(jstr(again, "outcome"), jstr(first, "outcome"));
		const struct ordex_json *n = ordex_json_get(again, "delivery");
		assert_string_equal(n->str, ordex_json_get(first, "delivery")->str);
		const struct ordex_json *evs = ordex_json_get(again, "events");
		assert_int_equal(evs->count, ordex_json_get(first, "events")->count);
		for (const struct ordex_json *e = evs->child; e; e = e->next)
			assert_string_equal(jstr(e, "status"), "duplicate");
		assert_int_equal(events_stored(), events);
		assert_int_equal(deliveries(src, NULL, NULL), 1);
		assert_int_equal(audit_rows("webhook.duplicate"), dups + 1);
	}
	struct ordex_json *o;
	assert_int_equal(order_get("1001", &o), 200);
	assert_int_equal(ordex_json_get(o, "timeline")->count, 1);
	audit_verifies();
}

/* ---- 5. who and where -------------------------------------------------- */

static void expect_404(const struct http_resp *r, const char *code)
{
	if (r->status != 404)
		fail_msg("answered %ld, not 404: %s", r->status, r->body);
	assert_string_equal(r->content_type, "application/problem+json");
	assert_string_equal(jstr(answer(r), "code"), code);
}

static void unknown_source_is_404(void **state)
{
	const char *c = connector_add("shopify", secret_of("shopify"), -1, NULL);
	struct payload p = shopify_order("1001", "450789469");
	const char *sig = sign("shopify", secret_of("shopify"), p.body, p.len, now_s());
	const char *paths[] = {
	    ordex_arena_printf(A, "/v1/webhooks/square?connector=%s", c),
	    ordex_arena_printf(A, "/v1/webhooks/Shopify?connector=%s", c),
	    ordex_arena_printf(A, "/v1/webhooks/shopify/orders?connector=%s", c),
	    ordex_arena_printf(A, "/v1/webhooks/?connector=%s", c),
	};
	struct http_resp r;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(paths); i++) {
		send_hook(paths[i], p.body, p.len, sig, &r);
		expect_404(&r, "not_found");
		http_free(&r);
	}
	assert_int_equal(deliveries(NULL, NULL, NULL), 0);
}

static void missing_or_wrong_connector_is_404(void **state)
{
	const char *c = connector_add("shopify", secret_of("shopify"), -1, NULL);
	struct payload p = shopify_order("1001", "450789469");
	const char *sig = sign("shopify", secret_of("shopify"), p.body, p.len, now_s());
	const char *paths[] = {
	    "/v1/webhooks/shopify",
	    "/v1/webhooks/shopify?connector=",
	    "/v1/webhooks/shopify?connector=AAAAAAAAAAAAAAAA",
	    ordex_arena_printf(A, "/v1/webhooks/shopify?connector=%sx", c),
	    ordex_arena_printf(A, "/v1/webhooks/shopify?id=%s", c),
	};
	struct http_resp r;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(paths); i++) {
		send_hook(paths[i], p.body, p.len, sig, &r);
		expect_404(&r, "unknown_connector");
		/* the answer says which of the two it is */
		assert_non_null(strstr(r.body, i == 0 || i == 4 ? "must carry ?connector="
		                                                : "no connector has this id"));
		http_free(&r);
	}
	assert_int_equal(deliveries(NULL, NULL, NULL), 0);
	assert_int_equal(order_get("1001", NULL), 404);
}

static void connector_of_another_source_is_404(void **state)
{
	const char *shop = connector_add("shopify", secret_of("shopify"), -1, NULL);
	connector_add("stripe", secret_of("stripe"), -1, NULL);
	/* a Stripe event signed with the Shopify connector's own secret */
	struct payload p = stripe_succeeded("evt_1Ordex0Webhook0Test05", "2001");
	struct http_resp r;
	deliver(shop, &p, secret_of("shopify"), now_s(), &r);
	expect_404(&r, "unknown_connector");
	assert_non_null(strstr(r.body, "this connector is for another source"));
	http_free(&r);
	assert_int_equal(deliveries(NULL, NULL, NULL), 0);
	assert_int_equal(audit_rows("webhook.refused"), 0);
	assert_int_equal(order_get("2001", NULL), 404);
}

static void viewer_key_cannot_manage_connectors(void **state)
{
	char *out = NULL;
	const char *args[] = {"key", "create", "--data", h.dir, "--role", "viewer", NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	char *key = out, *nl;
	while ((nl = strchr(key, '\n')) && nl[1])
		key = nl + 1;
	key[strcspn(key, "\n")] = '\0';
	const char *body = "{\"source\":\"shopify\",\"secret\":\"whsec_from_a_viewer_0123456\"}";
	struct http_resp r;
	http(&h, "POST", "/v1/connectors", key, "application/json", body, strlen(body), &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(r.content_type, "application/problem+json");
	assert_string_equal(jstr(answer(&r), "code"), "forbidden");
	http_free(&r);
	http(&h, "GET", "/v1/connectors", key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"connectors\":[]"));
	http_free(&r);
	assert_int_equal(audit_rows("connector.created"), 0);
	free(out);
}

/* ---- 6. every shared payload ------------------------------------------- */

struct row {
	const char *source, *kind, *outcome;
	int count, dup, events, rejected;
};

struct tally {
	struct row rows[256];
	size_t n;
	int files, stored, failures;
};

static void count_answer(struct tally *t, const char *source, const struct ordex_json *a)
{
	const char *kind = jstr(a, "kind"), *outcome = jstr(a, "outcome");
	size_t i = 0;
	while (i < t->n && !(!strcmp(t->rows[i].source, source) && !strcmp(t->rows[i].kind, kind) &&
	                     !strcmp(t->rows[i].outcome, outcome)))
		i++;
	if (i == t->n) {
		assert_true(t->n < ORDEX_ARRAY_LEN(t->rows));
		t->rows[t->n++] = (struct row){source, kind, outcome, 0, 0, 0, 0};
	}
	struct row *r = &t->rows[i];
	const struct ordex_json *evs = ordex_json_get(a, "events");
	r->count++;
	if (jtrue(a, "duplicate"))
		r->dup++;
	else
		t->stored++;
	for (const struct ordex_json *e = evs ? evs->child : NULL; e; e = e->next) {
		r->events++;
		if (!strcmp(jstr(e, "status"), "rejected"))
			r->rejected++;
	}
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static bool is_json(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && !strcmp(name + n - 5, ".json");
}

static void send_one(struct tally *t, const char *source, const char *connector, const char *path,
                     char *body, size_t len);

/* Sends every .json file under dir (recursing) to source's webhook, signed. */
static void send_folder(struct tally *t, const char *source, const char *connector, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, not_hidden, alphasort);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		const char *path = ordex_arena_printf(A, "%s/%s", dir, names[i]->d_name);
		bool json = is_json(names[i]->d_name);
		struct stat sb;
		free(names[i]);
		if (stat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			send_folder(t, source, connector, path);
			continue;
		}
		if (!json) /* PROVENANCE.md and the like */
			continue;
		size_t len;
		char *body = read_all(path, &len);
		assert_non_null(body);
		/* a recording of API exchanges ([{method, status, recorded_at, body}],
		 * the Zendesk fixtures): each response body is one payload */
		struct ordex_json *rec = NULL;
		struct ordex_json_error rerr;
		if (ordex_json_parse(A, body, len, NULL, &rec, &rerr) == 0 &&
		    rec->type == ORDEX_JSON_ARRAY && rec->child &&
		    ordex_json_get(rec->child, "recorded_at") &&
		    ordex_json_get(rec->child, "body")) {
			for (const struct ordex_json *e = rec->child; e; e = e->next) {
				struct ordex_buf one;
				ordex_buf_init(&one, 0);
				ordex_json_write(&one, ordex_json_get(e, "body"));
				send_one(t, source, connector, path, one.data, one.len);
				ordex_buf_free(&one);
			}
		} else {
			send_one(t, source, connector, path, body, len);
		}
	}
	free(names);
}

/* Sends one payload and counts its answer. */
static void send_one(struct tally *t, const char *source, const char *connector, const char *path,
                     char *body, size_t len)
{
	{
		struct payload p = {source, body, len, NULL};
		struct http_resp r;
		t->files++;
		deliver(connector, &p, secret_of(source), now_s(), &r);
		struct ordex_json *doc = NULL;
		struct ordex_json_error err;
		const char *outcome = NULL;
		if (r.status == 200 && ordex_json_parse(A, r.body, r.len, NULL, &doc, &err) == 0)
			outcome = jstr(doc, "outcome");
		if (!outcome || (strcmp(outcome, "mapped") && strcmp(outcome, "ignored") &&
		                 strcmp(outcome, "incomplete"))) {
			print_error("%s: answered %ld: %.400s\n", path, r.status, r.body);
			t->failures++;
		} else {
			count_answer(t, source, doc);
		}
		http_free(&r);
	}
}

static void every_shared_payload_is_answered_200_with_an_outcome(void **state)
{
	char dir[1024];
	struct stat sb;
	snprintf(dir, sizeof(dir), "%s/shopify", test_shared_data());
	if (stat(dir, &sb) != 0) {
		print_message("shared data absent (%s): conformance skipped; set "
		              "ORDEX_SHARED_DATA\n",
		              dir);
		skip();
	}
	struct tally *t = ordex_arena_zalloc(A, sizeof(*t));
	int per_source[ORDEX_ARRAY_LEN(sources)];
	for (size_t s = 0; s < ORDEX_ARRAY_LEN(sources); s++) {
		const char *c = connector_add(sources[s], secret_of(sources[s]), -1, NULL);
		int before = t->files;
		snprintf(dir, sizeof(dir), "%s/%s", test_shared_data(), sources[s]);
		send_folder(t, sources[s], c, dir);
		per_source[s] = t->files - before;
	}

	printf("\n%-10s %-22s %-11s %6s %5s %7s %9s\n", "source", "kind", "outcome", "count", "dup",
	       "events", "rejected");
	int total = 0;
	for (size_t s = 0; s < ORDEX_ARRAY_LEN(sources); s++) {
		int sum = 0;
		for (size_t i = 0; i < t->n; i++) {
			const struct row *r = &t->rows[i];
			if (strcmp(r->source, sources[s]))
				continue;
			printf("%-10s %-22s %-11s %6d %5d %7d %9d\n", r->source, r->kind,
			       r->outcome, r->count, r->dup, r->events, r->rejected);
			sum += r->count;
		}
		printf("%-10s %-22s %-11s %6d   (%d payloads)\n", sources[s], "(all)", "", sum,
		       per_source[s]);
		assert_int_equal(sum, per_source[s]);
		total += sum;
	}
	printf("%-10s %-22s %-11s %6d   (%d files, %d stored deliveries)\n\n", "total", "", "",
	       total, t->files, t->stored);

	assert_int_equal(t->failures, 0);
	assert_int_equal(total, t->files);
	assert_true(t->files > 0);
	assert_int_equal(deliveries(NULL, NULL, NULL), t->stored);
	/* still healthy */
	assert_int_equal(kill(h.pid, 0), 0);
	struct http_resp r;
	http(&h, "GET", "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	http(&h, "GET", "/readyz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	audit_verifies();
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, start, stop)
	const struct CMUnitTest tests[] = {
	    T(shopify_order_webhook_creates_the_order),
	    T(stripe_payment_intent_event_records_the_capture),
	    T(easypost_tracker_event_moves_the_shipment),
	    T(aftership_tracking_webhook_marks_the_parcel_delivered),
	    T(zendesk_ticket_event_joins_the_order_timeline),
	    T(bad_signatures_are_refused_audited_and_change_nothing),
	    T(rotation_with_overlap_accepts_old_and_new_secrets),
	    T(rotation_without_overlap_retires_older_secrets_at_once),
	    T(connector_list_shows_hints_never_secrets),
	    T(redelivery_is_a_duplicate_and_stores_no_new_events),
	    T(unknown_source_is_404),
	    T(missing_or_wrong_connector_is_404),
	    T(connector_of_another_source_is_404),
	    T(viewer_key_cannot_manage_connectors),
	    T(every_shared_payload_is_answered_200_with_an_outcome),
	};
#undef T
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
