/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_providers.c - providers' payloads as they send them, signed, into
 * the real server: the field cases that concern provider intake and
 * identity (CASE-06, CASE-09, CASE-10, CASE-11), and one order whose facts
 * come from Shopify, Stripe, EasyPost and Zendesk in shuffled orders and
 * always end as one order with one customer and a timeline of all of them.
 */
#include "testutil.h"

#include <curl/curl.h>

#include "core/buf.h"
#include "harness.h"
#include "ingest/signature.h"

static struct harness h;

struct conn {
	const char *source;
	const char *secret;
	char id[64];
};

static struct conn conns[] = {
    {"shopify", "shpss_test_secret_1", ""}, {"stripe", "whsec_test_secret_2", ""},
    {"easypost", "ep_test_secret_3", ""},   {"aftership", "as_test_secret_4", ""},
    {"zendesk", "zd_test_secret_5", ""},
};

static struct conn *conn_of(const char *source)
{
	for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++)
		if (!strcmp(conns[i].source, source))
			return &conns[i];
	return NULL;
}

static void make_connectors(void)
{
	for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++) {
		char body[256];
		snprintf(body, sizeof(body), "{\"source\":\"%s\",\"secret\":\"%s\"}",
		         conns[i].source, conns[i].secret);
		struct http_resp r;
		http(&h, "POST", "/v1/connectors", h.key, "application/json", body, strlen(body),
		     &r);
		assert_int_equal(r.status, 201);
		const char *p = strstr(r.body, "\"connector\":\"");
		assert_non_null(p);
		p += 13;
		snprintf(conns[i].id, sizeof(conns[i].id), "%.*s", (int)strcspn(p, "\""), p);
		http_free(&r);
	}
}

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

/* POSTs body to /v1/webhooks/SOURCE signed as the provider signs it. */
static void webhook(const char *source, const char *topic, const char *body, struct http_resp *r)
{
	struct conn *c = conn_of(source);
	enum ordex_sig_scheme scheme;
	assert_int_equal(ordex_sig_scheme_for(source, &scheme), 0);
	char sig[1024];
	assert_int_equal(
	    ordex_sig_sign(scheme, c->secret, body, strlen(body), time(NULL), sig, sizeof(sig)), 0);
	struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
	for (char *line = strtok(sig, "\n"); line; line = strtok(NULL, "\n"))
		hd = curl_slist_append(hd, line);
	char t[128];
	if (topic) {
		snprintf(t, sizeof(t), "X-Shopify-Topic: %s", topic);
		hd = curl_slist_append(hd, t);
	}
	hd = curl_slist_append(hd, "Expect:");
	char url[512];
	snprintf(url, sizeof(url), "%s/v1/webhooks/%s?connector=%s", h.base, source, c->id);
	memset(r, 0, sizeof(*r));
	r->body = calloc(1, 1);
	CURL *cu = curl_easy_init();
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT, 30L);
	r->status = curl_easy_perform(cu) == CURLE_OK ? 0 : -1;
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hd);
	curl_easy_cleanup(cu);
	if (r->status != 200)
		fprintf(stderr, "webhook %s: %ld %s\n", source, r->status, r->body);
}

static void send_ok(const char *source, const char *topic, const char *body)
{
	struct http_resp r;
	webhook(source, topic, body, &r);
	assert_int_equal(r.status, 200);
	assert_false(has(&r, "\"status\":\"rejected\""));
	http_free(&r);
}

static int setup(void **state)
{
	curl_global_init(CURL_GLOBAL_ALL);
	harness_init(&h);
	harness_serve(&h, NULL);
	make_connectors();
	return 0;
}

static int teardown(void **state)
{
	harness_cleanup(&h);
	curl_global_cleanup();
	return 0;
}

static void CASE_06_zero_decimal_yen_is_not_scaled_by_100(void **state)
{
	send_ok("stripe", NULL,
	        "{\"id\":\"evt_jpy1\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\","
	        "\"created\":1740841200,\"data\":{\"object\":{\"id\":\"pi_jpy1\",\"object\":"
	        "\"payment_intent\",\"amount\":9899,\"amount_received\":9899,\"currency\":\"jpy\","
	        "\"status\":\"succeeded\",\"created\":1740841200,\"metadata\":{\"order_id\":"
	        "\"O-808\"}}}}");
	send_ok(
	    "stripe", NULL,
	    "{\"id\":\"evt_krw1\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\","
	    "\"created\":1740841200,\"data\":{\"object\":{\"id\":\"pi_krw1\",\"object\":"
	    "\"payment_intent\",\"amount\":50000,\"amount_received\":50000,\"currency\":\"krw\","
	    "\"status\":\"succeeded\",\"created\":1740841200,\"metadata\":{\"order_id\":"
	    "\"O-809\"}}}}");
	struct http_resp r;
	get(&h, "/v1/orders/O-808", &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"currency\":\"JPY\",\"amount\":\"9899\",\"captured\":\"9899\""));
	http_free(&r);
	get(&h, "/v1/orders/O-809", &r);
	assert_true(has(&r, "\"currency\":\"KRW\",\"amount\":\"50000\""));
	http_free(&r);
}

static void CASE_09_names_and_addresses_in_any_script_round_trip_byte_exact(void **state)
{
	const char *order =
	    "{\"id\":9001,\"name\":\"#1501\",\"order_number\":1501,\"email\":\"zoe@example.test\","
	    "\"created_at\":\"2025-03-01T10:00:00+01:00\",\"updated_at\":\"2025-03-01T10:00:00+01:"
	    "00\","
	    "\"currency\":\"EUR\",\"total_price\":\"30.00\",\"financial_status\":\"paid\","
	    "\"line_items\":[{\"id\":1,\"sku\":\"SKU-Z\",\"quantity\":1,\"price\":\"30.00\"}],"
	    "\"shipping_address\":{\"address1\":\"12 Rue de l\xe2\x80\x99\xc3\x89glise "
	    "\xf0\x9f\x8f\xa1\",\"city\":\"Lyon\",\"zip\":\"69001\",\"country_code\":\"FR\","
	    "\"name\":\"Zo\xc3\xab \xc3\x9cnal \xf0\x9f\x8e\x81\"},"
	    "\"customer\":{\"id\":15,\"email\":\"zoe@example.test\",\"first_name\":\"Zo\xc3\xab\","
	    "\"last_name\":\"\xc3\x9cnal \xf0\x9f\x8e\x81\"}}";
	send_ok("shopify", "orders/create", order);
	send_ok(
	    "shopify", "customers/create",
	    "{\"id\":16,\"email\":\"sara@example.test\",\"first_name\":\"\xd8\xb3\xd8\xa7\xd8\xb1"
	    "\xd8\xa9\",\"last_name\":\"\xd8\xa7\xd9\x84\xd9\x85\xd8\xab\xd8\xa7\xd9\x84\","
	    "\"created_at\":\"2025-03-01T10:00:00Z\",\"updated_at\":\"2025-03-01T10:00:00Z\"}");
	struct http_resp r;
	get(&h, "/v1/orders/1501", &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "12 Rue de l\xe2\x80\x99\xc3\x89glise \xf0\x9f\x8f\xa1"));
	assert_true(has(&r, "Zo\xc3\xab \xc3\x9cnal \xf0\x9f\x8e\x81"));
	http_free(&r);
	/* the right-to-left name is stored as sent: look in the audit-backed store */
	char *out = NULL;
	const char *args[] = {"audit", "verify", "--data", h.dir, NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	free(out);
	/* a name longer than the limit is refused with the field named, not cut */
	char big[6000];
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	char *ev = malloc(sizeof(big) + 512);
	snprintf(ev, sizeof(big) + 512,
	         "{\"id\":\"long1\",\"source\":\"crm\",\"type\":\"customer.updated\","
	         "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"data\":{\"customer\":\"C-L\","
	         "\"name\":\"%s\"}}",
	         big);
	post_event(&h, ev, &r);
	assert_int_equal(r.status, 422);
	assert_true(has(&r, "\"field\":\"data.name\",\"reason\":\"is longer than 4096 bytes\""));
	http_free(&r);
	free(ev);
}

static void CASE_10_nulls_in_provider_payloads_are_stored_and_answered(void **state)
{
	/* a payment intent whose amount is null: stored, answered, not applied */
	struct http_resp r;
	webhook("stripe", NULL,
	        "{\"id\":\"evt_null1\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\","
	        "\"created\":1740841200,\"data\":{\"object\":{\"id\":\"pi_null1\",\"object\":"
	        "\"payment_intent\",\"amount\":null,\"amount_received\":null,\"currency\":\"usd\","
	        "\"status\":\"succeeded\",\"created\":1740841200,\"metadata\":{\"order_id\":"
	        "\"O-1701\"}}}}",
	        &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"outcome\":\"incomplete\""));
	http_free(&r);
	/* it concerns a known order reference: a data_quality exception says what was missing */
	get(&h, "/v1/orders/O-1701", &r);
	assert_int_equal(r.status, 200);
	assert_true(
	    has(&r, "\"kind\":\"data_quality\",\"subject\":\"issue:stripe:payment_intent\""));
	http_free(&r);
	/* an order whose shipping address is null: an address exception */
	send_ok("shopify", "orders/create",
	        "{\"id\":1701,\"name\":\"#1701\",\"order_number\":1701,\"created_at\":"
	        "\"2025-03-01T10:00:00Z\",\"updated_at\":\"2025-03-01T10:00:00Z\",\"currency\":"
	        "\"USD\",\"total_price\":\"30.00\",\"line_items\":[{\"id\":1,\"sku\":\"S\","
	        "\"quantity\":"
	        "1,\"price\":\"30.00\",\"requires_shipping\":true}],\"shipping_address\":null}");
	get(&h, "/v1/orders/1701", &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"kind\":\"address_invalid\""));
	http_free(&r);
	/* a tracker with no tracking code and no status: answered, the service stays up */
	webhook("easypost", NULL,
	        "{\"object\":\"Event\",\"id\":\"evt_epnull\",\"description\":\"tracker.updated\","
	        "\"created_at\":\"2025-03-02T10:00:00Z\",\"result\":{\"object\":\"Tracker\","
	        "\"id\":\"trk_null\",\"tracking_code\":null,\"status\":null}}",
	        &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"outcome\":\"incomplete\""));
	http_free(&r);
	http(&h, "GET", "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
}

static void CASE_11_email_in_another_case_is_one_customer_plus_address_a_suggestion(void **state)
{
	struct http_resp r;
	post_event(
	    &h,
	    "{\"id\":\"c11-1\",\"source\":\"crm\",\"type\":\"customer.updated\",\"occurred_at\":"
	    "\"2025-04-01T10:00:00Z\",\"data\":{\"customer\":\"X1\",\"email\":"
	    "\"hello@example.test\",\"name\":\"Test Person\"}}",
	    &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	post_event(
	    &h,
	    "{\"id\":\"c11-2\",\"source\":\"shop\",\"type\":\"order.created\",\"occurred_at\":"
	    "\"2025-04-01T11:00:00Z\",\"order\":\"O-1801\",\"data\":{\"email\":"
	    "\"Hello@Example.TEST\",\"total\":\"20.00\",\"currency\":\"EUR\"}}",
	    &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	send_ok("zendesk", NULL,
	        "{\"ticket\":{\"id\":18,\"subject\":\"where is my order\",\"status\":\"open\","
	        "\"created_at\":\"2025-04-01T12:00:00Z\",\"updated_at\":\"2025-04-01T12:00:00Z\","
	        "\"requester\":{\"email\":\"HELLO@example.test\"}}}");
	post_event(
	    &h,
	    "{\"id\":\"c11-4\",\"source\":\"shop\",\"type\":\"order.created\",\"occurred_at\":"
	    "\"2025-04-01T13:00:00Z\",\"order\":\"O-1802\",\"data\":{\"email\":"
	    "\"hello+gifts@example.test\",\"total\":\"10.00\",\"currency\":\"EUR\"}}",
	    &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	get(&h, "/v1/orders/O-1801", &r);
	assert_true(has(&r, "\"customer\":\"X1\""));
	assert_true(has(&r, "\"email\":\"Hello@Example.TEST\"")); /* original spelling kept */
	http_free(&r);
	get(&h, "/v1/orders/O-1802", &r);
	assert_true(has(&r, "\"customer\":null")); /* not merged automatically */
	http_free(&r);
	get(&h, "/v1/identity/suggestions", &r);
	assert_true(has(&r, "\"customer\":\"X1\",\"email\":\"hello+gifts@example.test\""));
	const char *p = strstr(r.body, "{\"id\":");
	assert_non_null(p);
	long id = atol(p + 6);
	http_free(&r);
	char path[64];
	snprintf(path, sizeof(path), "/v1/identity/suggestions/%ld", id);
	http(&h, "POST", path, h.key, "application/json", "{\"decision\":\"confirm\"}", 22, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"orders_relinked\":1"));
	http_free(&r);
	get(&h, "/v1/orders/O-1802", &r);
	assert_true(has(&r, "\"customer\":\"X1\""));
	http_free(&r);
	http(&h, "POST", path, h.key, "application/json", "{\"decision\":\"undo\"}", 19, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	get(&h, "/v1/orders/O-1802", &r);
	assert_true(has(&r, "\"customer\":null"));
	http_free(&r);
}

#define RU_EVENT(pending, pi, amount, order)                                                       \
	"{\"id\":\"evt_reuse\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\","        \
	"\"created\":1740841200,\"pending_webhooks\":" pending                                     \
	",\"data\":{\"object\":{\"id\":\"" pi                                                      \
	"\",\"object\":\"payment_intent\",\"amount\":" amount ",\"amount_received\":" amount       \
	",\"currency\":\"usd\",\"status\":\"succeeded\",\"created\":1740841200,"                   \
	"\"metadata\":{\"order_id\":\"" order "\"}}}}"

/* Stripe retries a notification with pending_webhooks counting down: the bytes
 * differ, the facts do not. Each retry is kept as a delivery of its own, its
 * events are duplicates, and a body that reuses the id for other facts is a
 * conflict that applies nothing - answered 200 so the provider stops. */
static void provider_retry_with_changed_bytes_is_kept_and_deduplicated(void **state)
{
	struct http_resp r;
	webhook("stripe", NULL, RU_EVENT("2", "pi_reuse1", "100", "RU-1"), &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"status\":\"accepted\""));
	long first = atol(strstr(r.body, "\"delivery\":") + 11);
	http_free(&r);

	webhook("stripe", NULL, RU_EVENT("1", "pi_reuse1", "100", "RU-1"), &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"duplicate\":false"));
	assert_true(has(&r, "\"status\":\"duplicate\""));
	long second = atol(strstr(r.body, "\"delivery\":") + 11);
	assert_true(second != first);
	http_free(&r);

	webhook("stripe", NULL, RU_EVENT("1", "pi_reuse1", "100", "RU-1"), &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"duplicate\":true"));
	assert_int_equal(atol(strstr(r.body, "\"delivery\":") + 11), second);
	http_free(&r);

	webhook("stripe", NULL, RU_EVENT("1", "pi_reuse2", "900", "RU-2"), &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"status\":\"conflict\""));
	http_free(&r);
	get(&h, "/v1/orders/RU-2", &r);
	assert_int_equal(r.status, 404);
	http_free(&r);
	get(&h, "/v1/orders/RU-1", &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"captured\":\"1.00\""));
	assert_false(has(&r, "pi_reuse2"));
	http_free(&r);
}

/* A fact waiting under two names that the first order refuses (another
 * currency) is kept as it was, still waiting for the second name. */
static void a_fact_refused_by_one_candidate_still_waits_for_the_other(void **state)
{
	struct http_resp r;
	post_event(&h,
	           "{\"id\":\"rp-e\",\"source\":\"desk\",\"type\":\"order.updated\","
	           "\"occurred_at\":\"2025-05-01T12:00:00Z\",\"data\":{\"status\":\"held\","
	           "\"currency\":\"EUR\",\"order_candidates\":[\"RP-A\",\"RP-B\"]}}",
	           &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	post_event(&h,
	           "{\"id\":\"rp-a\",\"source\":\"shop\",\"type\":\"order.created\","
	           "\"occurred_at\":\"2025-05-01T10:00:00Z\",\"order\":\"RP-A\",\"data\":{"
	           "\"status\":\"open\",\"currency\":\"USD\",\"total\":\"10.00\"}}",
	           &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	get(&h, "/v1/orders/RP-A", &r);
	assert_false(has(&r, "\"status\":\"held\""));
	http_free(&r);
	post_event(&h,
	           "{\"id\":\"rp-b\",\"source\":\"shop\",\"type\":\"order.created\","
	           "\"occurred_at\":\"2025-05-01T10:00:00Z\",\"order\":\"RP-B\",\"data\":{"
	           "\"status\":\"open\",\"currency\":\"EUR\",\"total\":\"10.00\"}}",
	           &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	get(&h, "/v1/orders/RP-B", &r);
	assert_true(has(&r, "\"status\":\"held\""));
	http_free(&r);
}

/* A body the provider signed but that is not JSON (a truncated proxy
 * buffer, a provider bug) is the provider's own: kept as evidence, counted
 * as unparseable, answered 200; an unsigned one is still refused. */
static void a_signed_body_that_is_not_json_is_kept_as_unparseable(void **state)
{
	struct http_resp r;
	const char *bad = "{\"id\":\"evt_cut\",\"object\":\"event\",\"type\":\"payment_in";
	webhook("easypost", NULL, bad, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"outcome\":\"unparseable\""));
	assert_true(has(&r, "\"duplicate\":false"));
	assert_true(has(&r, "\"events\":[]"));
	assert_true(has(&r, "\"field\":"));
	http_free(&r);
	webhook("easypost", NULL, bad, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"duplicate\":true"));
	http_free(&r);
	get(&h, "/v1/webhooks", &r);
	assert_true(has(&r, "\"source\":\"easypost\",\"kind\":\"unknown\",\"outcome\":"
	                    "\"unparseable\",\"count\":1"));
	http_free(&r);
}

/* Each fact names its order only through the next one: the last link
 * resolves six thousand waiting facts, one after another, in one request
 * (applied iteratively: the recursion this replaced exhausted the stack at
 * this length). */
static void a_long_chain_of_aliases_resolves_in_one_step(void **state)
{
	enum { N = 6000 };
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	for (int k = N - 1; k >= 0; k--)
		ordex_buf_printf(
		    &b,
		    "{\"id\":\"ch%d\",\"source\":\"t\",\"type\":\"order.updated\","
		    "\"occurred_at\":\"2025-01-01T%02d:%02d:%02dZ\",\"data\":{\"status\":"
		    "\"s%d\",\"order_alias\":{\"source\":\"oms\",\"id\":\"c%d\"},"
		    "\"aliases\":[{\"source\":\"oms\",\"id\":\"c%d\"}]}}\n",
		    k, k / 3600, k / 60 % 60, k % 60, k, k, k + 1);
	struct http_resp r;
	post_ndjson(&h, b.data, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_of(&r, "\"status\":\"accepted\""), N);
	http_free(&r);
	ordex_buf_free(&b);
	get(&h, "/v1/orders/CH-1", &r);
	assert_int_equal(r.status, 404);
	http_free(&r);

	post_event(&h,
	           "{\"id\":\"ch-root\",\"source\":\"shop\",\"type\":\"order.created\","
	           "\"occurred_at\":\"2024-12-31T00:00:00Z\",\"order\":\"CH-1\",\"data\":{"
	           "\"aliases\":[{\"source\":\"oms\",\"id\":\"c0\"}]}}",
	           &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	get(&h, "/v1/orders/CH-1", &r);
	assert_int_equal(r.status, 200);
	char want[64];
	snprintf(want, sizeof(want), "\"status\":\"s%d\"", N - 1);
	assert_true(has(&r, want));
	http_free(&r);
	/* the far end of the chain is a name of the same order now */
	post_event(&h,
	           "{\"id\":\"ch-tail\",\"source\":\"t\",\"type\":\"order.updated\","
	           "\"occurred_at\":\"2025-02-01T00:00:00Z\",\"data\":{\"status\":\"end\","
	           "\"order_alias\":{\"source\":\"oms\",\"id\":\"c6000\"}}}",
	           &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	get(&h, "/v1/orders/CH-1", &r);
	assert_true(has(&r, "\"status\":\"end\""));
	http_free(&r);
}

/* A secret signs for one environment: if sandbox and production shared
 * one, a delivery meant for the sandbox would verify in production too. */
static void one_secret_is_refused_for_a_second_environment(void **state)
{
	char *out = NULL, *err = NULL;
	const char *reuse[] = {
	    "connector", "add",      "--data", h.dir,      "--env",
	    "sandbox",   "--source", "stripe", "--secret", conn_of("stripe")->secret,
	    NULL};
	assert_int_equal(harness_cli(reuse, &out, &err), 1);
	assert_non_null(strstr(err, "in use in another environment"));
	free(out);
	free(err);
	const char *own[] = {"connector", "add",      "--data", h.dir,      "--env",
	                     "sandbox",   "--source", "stripe", "--secret", "whsec_sandbox_only_9",
	                     NULL};
	assert_int_equal(harness_cli(own, &out, &err), 0);
	free(out);
	free(err);

	struct http_resp r;
	const char *body = "{\"source\":\"stripe\",\"secret\":\"whsec_sandbox_only_9\"}";
	http(&h, "POST", "/v1/connectors", h.key, "application/json", body, strlen(body), &r);
	assert_int_equal(r.status, 409);
	assert_true(has(&r, "\"field\":\"secret\""));
	assert_true(has(&r, "in use in another environment"));
	http_free(&r);
	/* production's own secret is untouched */
	send_ok("stripe", NULL,
	        "{\"id\":\"evt_env1\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\","
	        "\"created\":1740841200,\"data\":{\"object\":{\"id\":\"pi_env1\",\"object\":"
	        "\"payment_intent\",\"amount\":100,\"amount_received\":100,\"currency\":\"usd\","
	        "\"status\":\"succeeded\",\"created\":1740841200,\"metadata\":{\"order_id\":"
	        "\"ENV-1\"}}}}");
}

/*
 * The id of the first suggestion for email (and for customer, when given),
 * or -1.
 */
static long suggestion_of(const char *customer, const char *email)
{
	struct http_resp r;
	get(&h, "/v1/identity/suggestions", &r);
	char needle[256];
	if (customer)
		snprintf(needle, sizeof(needle), "\"customer\":\"%s\",\"email\":\"%s\"", customer,
		         email);
	else
		snprintf(needle, sizeof(needle), "\"email\":\"%s\"", email);
	const char *at = strstr(r.body, needle);
	long id = -1;
	if (at) {
		const char *p = at;
		while (p > r.body && strncmp(p, "{\"id\":", 6) != 0)
			p--;
		id = atol(p + 6);
	}
	http_free(&r);
	return id;
}

static void namesakes_with_other_emails_are_suggested_and_can_be_merged_and_undone(void **state)
{
	struct http_resp r;
	const char *evs[] = {
	    "{\"id\":\"ns1\",\"source\":\"crm\",\"type\":\"customer.updated\",\"occurred_at\":"
	    "\"2025-04-02T10:00:00Z\",\"data\":{\"customer\":\"N1\",\"email\":\"mira@home.test\","
	    "\"name\":\"Mira  Sol\"}}",
	    "{\"id\":\"ns2\",\"source\":\"crm\",\"type\":\"customer.updated\",\"occurred_at\":"
	    "\"2025-04-02T11:00:00Z\",\"data\":{\"customer\":\"N2\",\"email\":\"mira@work.test\","
	    "\"name\":\"mira sol\"}}",
	    "{\"id\":\"ns3\",\"source\":\"shop\",\"type\":\"order.created\",\"occurred_at\":"
	    "\"2025-04-02T12:00:00Z\",\"order\":\"NS-1\",\"data\":{\"email\":\"mira@work.test\"}}",
	};
	for (int i = 0; i < 3; i++) {
		post_event(&h, evs[i], &r);
		assert_int_equal(r.status, 201);
		http_free(&r);
	}
	get(&h, "/v1/orders/NS-1", &r);
	assert_true(has(&r, "\"customer\":\"N2\""));
	http_free(&r);
	long id = suggestion_of(NULL, "mira@work.test");
	assert_true(id > 0);
	char path[64];
	snprintf(path, sizeof(path), "/v1/identity/suggestions/%ld", id);
	http(&h, "POST", path, h.key, "application/json", "{\"decision\":\"confirm\"}", 22, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	get(&h, "/v1/orders/NS-1", &r);
	assert_true(has(&r, "\"customer\":\"N1\""));
	http_free(&r);
	http(&h, "POST", path, h.key, "application/json", "{\"decision\":\"undo\"}", 19, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	get(&h, "/v1/orders/NS-1", &r);
	assert_true(has(&r, "\"customer\":\"N2\""));
	http_free(&r);
	/* a decision that does not fit the state is refused */
	http(&h, "POST", path, h.key, "application/json", "{\"decision\":\"undo\"}", 19, &r);
	assert_int_equal(r.status, 409);
	http_free(&r);
	/* one typing slip away is nearly the same name; a different name is not */
	post_event(&h,
	           "{\"id\":\"ns4\",\"source\":\"crm\",\"type\":\"customer.updated\","
	           "\"occurred_at\":\"2025-04-02T13:00:00Z\",\"data\":{\"customer\":\"N3\","
	           "\"email\":\"mira@third.test\",\"name\":\"Mira Soll\"}}",
	           &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	post_event(&h,
	           "{\"id\":\"ns5\",\"source\":\"crm\",\"type\":\"customer.updated\","
	           "\"occurred_at\":\"2025-04-02T14:00:00Z\",\"data\":{\"customer\":\"N4\","
	           "\"email\":\"mirage@else.test\",\"name\":\"Mirage Solstice\"}}",
	           &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	get(&h, "/v1/identity/suggestions", &r);
	assert_true(has(&r, "\"email\":\"mira@third.test\""));
	assert_true(has(&r, "nearly the same name"));
	assert_false(has(&r, "mirage@else.test"));
	http_free(&r);
}

/* One address is merged into one customer at a time: confirming a second
 * merge of it is refused until the first is undone, and undoing a merge
 * that no longer holds the address leaves the other merge alone. */
static void an_address_merged_into_one_customer_is_not_merged_into_another(void **state)
{
	struct http_resp r;
	const char *evs[] = {
	    "{\"id\":\"tw1\",\"source\":\"crm\",\"type\":\"customer.updated\",\"occurred_at\":"
	    "\"2025-04-05T10:00:00Z\",\"data\":{\"customer\":\"TW1\",\"email\":\"tove@one.test\","
	    "\"name\":\"Tove Lind\"}}",
	    "{\"id\":\"tw2\",\"source\":\"crm\",\"type\":\"customer.updated\",\"occurred_at\":"
	    "\"2025-04-05T11:00:00Z\",\"data\":{\"customer\":\"TW2\",\"email\":\"tove@two.test\","
	    "\"name\":\"tove lind\"}}",
	    "{\"id\":\"tw3\",\"source\":\"crm\",\"type\":\"customer.updated\",\"occurred_at\":"
	    "\"2025-04-05T12:00:00Z\",\"data\":{\"customer\":\"TW3\",\"email\":\"tove@three.test\","
	    "\"name\":\"Tove  Lind\"}}",
	    "{\"id\":\"tw4\",\"source\":\"shop\",\"type\":\"order.created\",\"occurred_at\":"
	    "\"2025-04-05T13:00:00Z\",\"order\":\"TW-1\",\"data\":{\"email\":\"tove@three.test\"}}",
	};
	for (int i = 0; i < 4; i++) {
		post_event(&h, evs[i], &r);
		assert_int_equal(r.status, 201);
		http_free(&r);
	}
	long one = suggestion_of("TW1", "tove@three.test");
	long two = suggestion_of("TW2", "tove@three.test");
	assert_true(one > 0 && two > 0);
	char p1[64], p2[64];
	snprintf(p1, sizeof(p1), "/v1/identity/suggestions/%ld", one);
	snprintf(p2, sizeof(p2), "/v1/identity/suggestions/%ld", two);
	const char *confirm = "{\"decision\":\"confirm\"}", *undo = "{\"decision\":\"undo\"}";

	http(&h, "POST", p1, h.key, "application/json", confirm, strlen(confirm), &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	get(&h, "/v1/orders/TW-1", &r);
	assert_true(has(&r, "\"customer\":\"TW1\""));
	http_free(&r);

	http(&h, "POST", p2, h.key, "application/json", confirm, strlen(confirm), &r);
	assert_int_equal(r.status, 409);
	assert_true(has(&r, "merged into another customer"));
	http_free(&r);
	get(&h, "/v1/orders/TW-1", &r);
	assert_true(has(&r, "\"customer\":\"TW1\""));
	http_free(&r);

	http(&h, "POST", p1, h.key, "application/json", undo, strlen(undo), &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	get(&h, "/v1/orders/TW-1", &r);
	assert_true(has(&r, "\"customer\":\"TW3\""));
	http_free(&r);
	http(&h, "POST", p2, h.key, "application/json", confirm, strlen(confirm), &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	get(&h, "/v1/orders/TW-1", &r);
	assert_true(has(&r, "\"customer\":\"TW2\""));
	http_free(&r);
}

static void customers_shipping_to_one_address_are_suggested(void **state)
{
	struct http_resp r;
	const char *evs[] = {
	    "{\"id\":\"ad1\",\"source\":\"crm\",\"type\":\"customer.updated\",\"occurred_at\":"
	    "\"2025-04-03T10:00:00Z\",\"data\":{\"customer\":\"AD-C1\",\"email\":\"lee@one.test\","
	    "\"name\":\"Lee One\"}}",
	    "{\"id\":\"ad2\",\"source\":\"crm\",\"type\":\"customer.updated\",\"occurred_at\":"
	    "\"2025-04-03T10:00:00Z\",\"data\":{\"customer\":\"AD-C2\",\"email\":\"lee@two.test\","
	    "\"name\":\"L. Two\"}}",
	    "{\"id\":\"ad3\",\"source\":\"shop\",\"type\":\"order.created\",\"occurred_at\":"
	    "\"2025-04-03T11:00:00Z\",\"order\":\"AD-1\",\"data\":{\"customer\":\"AD-C1\","
	    "\"email\":\"lee@one.test\",\"shipping_address\":{\"line1\":\"5 Elm Road\","
	    "\"city\":\"Leeds\",\"zip\":\"LS1 4AB\",\"country\":\"GB\"}}}",
	    "{\"id\":\"ad4\",\"source\":\"shop\",\"type\":\"order.created\",\"occurred_at\":"
	    "\"2025-04-03T12:00:00Z\",\"order\":\"AD-2\",\"data\":{\"customer\":\"AD-C2\","
	    "\"email\":\"lee@two.test\",\"shipping_address\":{\"line1\":\"5 elm road\","
	    "\"city\":\"Leeds\",\"zip\":\"ls14ab\",\"country\":\"gb\"}}}",
	};
	for (int i = 0; i < 4; i++) {
		post_event(&h, evs[i], &r);
		assert_int_equal(r.status, 201);
		http_free(&r);
	}
	get(&h, "/v1/identity/suggestions", &r);
	assert_true(has(&r, "\"customer\":\"AD-C1\",\"email\":\"lee@two.test\""));
	assert_true(has(&r, "ships to the same address"));
	http_free(&r);
	long id = suggestion_of(NULL, "lee@two.test");
	char path[64];
	snprintf(path, sizeof(path), "/v1/identity/suggestions/%ld", id);
	http(&h, "POST", path, h.key, "application/json", "{\"decision\":\"dismiss\"}", 22, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	get(&h, "/v1/orders/AD-2", &r);
	assert_true(has(&r, "\"customer\":\"AD-C2\""));
	http_free(&r);
}

/* The four providers' facts about order 2101. */
static const char *const facts[][3] = {
    {"shopify", "orders/create",
     "{\"id\":5552101,\"name\":\"#2101\",\"order_number\":2101,\"email\":\"Ann@Example.test\","
     "\"created_at\":\"2025-05-01T10:00:00-04:00\",\"updated_at\":\"2025-05-01T10:00:00-04:00\","
     "\"currency\":\"USD\",\"total_price\":\"45.00\",\"financial_status\":\"paid\","
     "\"line_items\":[{\"id\":1,\"sku\":\"SKU-S\",\"quantity\":1,\"price\":\"45.00\"}],"
     "\"customer\":{\"id\":77,\"email\":\"Ann@Example.test\",\"first_name\":\"Ann\"}}"},
    {"shopify", "fulfillments/create",
     "{\"id\":880001,\"order_id\":5552101,\"status\":\"success\",\"tracking_number\":"
     "\"EZ2101\",\"tracking_company\":\"USPS\",\"created_at\":\"2025-05-02T09:00:00-04:00\","
     "\"updated_at\":\"2025-05-02T09:00:00-04:00\"}"},
    {"stripe", NULL,
     "{\"id\":\"evt_s2101\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\","
     "\"created\":1746108000,\"data\":{\"object\":{\"id\":\"pi_2101\",\"object\":"
     "\"payment_intent\",\"amount\":4500,\"amount_received\":4500,\"currency\":\"usd\","
     "\"status\":\"succeeded\",\"created\":1746108000,\"metadata\":{\"order_id\":\"2101\"}}}}"},
    {"easypost", NULL,
     "{\"object\":\"Event\",\"id\":\"evt_ep2101\",\"description\":\"tracker.updated\","
     "\"created_at\":\"2025-05-03T10:00:00Z\",\"result\":{\"object\":\"Tracker\",\"id\":"
     "\"trk_2101\",\"tracking_code\":\"EZ2101\",\"carrier\":\"USPS\",\"status\":\"in_transit\","
     "\"updated_at\":\"2025-05-03T10:00:00Z\",\"tracking_details\":[{\"status\":\"in_transit\","
     "\"message\":\"Arrived at facility\",\"datetime\":\"2025-05-03T10:00:00Z\"}]}}"},
    {"zendesk", NULL,
     "{\"ticket\":{\"id\":2101,\"subject\":\"Where is my order #2101?\",\"status\":\"open\","
     "\"created_at\":\"2025-05-04T10:00:00Z\",\"updated_at\":\"2025-05-04T10:00:00Z\","
     "\"requester\":{\"email\":\"ann@example.TEST\"}}}"},
};

static void check_one_order(const char *dir_hint)
{
	struct http_resp r;
	get(&h, "/v1/orders/2101", &r);
	assert_int_equal(r.status, 200);
	if (!has(&r, "\"type\":\"ticket.created\",\"source\":\"zendesk\"") ||
	    !has(&r, "\"type\":\"shipment.updated\",\"source\":\"easypost\""))
		fprintf(stderr, "%s: %s\n", dir_hint, r.body);
	assert_true(has(&r, "\"known\":true"));
	assert_true(has(&r, "\"customer\":\"shopify-77\""));
	assert_true(has(&r, "{\"payment\":\"pi_2101\",\"status\":\"captured\""));
	/* one shipment, whichever name it was first known by */
	assert_int_equal(count_of(&r, "\"status_at\":"), 1);
	assert_true(
	    has(&r, "\"status\":\"in_transit\",\"carrier\":\"USPS\",\"tracking\":\"EZ2101\""));
	assert_true(has(&r, "\"type\":\"order.created\",\"source\":\"shopify\""));
	assert_true(has(&r, "\"type\":\"shipment.created\",\"source\":\"shopify\"") ||
	            has(&r, "\"type\":\"shipment.updated\",\"source\":\"shopify\""));
	assert_true(has(&r, "\"type\":\"payment.captured\",\"source\":\"stripe\""));
	assert_true(has(&r, "\"type\":\"shipment.updated\",\"source\":\"easypost\""));
	assert_true(has(&r, "\"type\":\"ticket.created\",\"source\":\"zendesk\""));
	http_free(&r);
}

static void facts_from_four_providers_in_shuffled_order_make_one_order(void **state)
{
	/* several orders of arrival, each into a fresh data directory */
	static const int orders[][5] = {
	    {0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {3, 4, 1, 2, 0}, {2, 0, 4, 1, 3}, {1, 3, 0, 4, 2},
	};
	for (size_t k = 0; k < sizeof(orders) / sizeof(orders[0]); k++) {
		harness_cleanup(&h);
		harness_init(&h);
		harness_serve(&h, NULL);
		make_connectors();
		for (int i = 0; i < 5; i++) {
			const char *const *f = facts[orders[k][i]];
			send_ok(f[0], f[1], f[2]);
		}
		char hint[64];
		snprintf(hint, sizeof(hint), "arrival order %zu", k);
		check_one_order(hint);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(CASE_06_zero_decimal_yen_is_not_scaled_by_100),
	    cmocka_unit_test(CASE_09_names_and_addresses_in_any_script_round_trip_byte_exact),
	    cmocka_unit_test(CASE_10_nulls_in_provider_payloads_are_stored_and_answered),
	    cmocka_unit_test(
	        CASE_11_email_in_another_case_is_one_customer_plus_address_a_suggestion),
	    cmocka_unit_test(provider_retry_with_changed_bytes_is_kept_and_deduplicated),
	    cmocka_unit_test(a_long_chain_of_aliases_resolves_in_one_step),
	    cmocka_unit_test(a_fact_refused_by_one_candidate_still_waits_for_the_other),
	    cmocka_unit_test(one_secret_is_refused_for_a_second_environment),
	    cmocka_unit_test(a_signed_body_that_is_not_json_is_kept_as_unparseable),
	    cmocka_unit_test(
	        namesakes_with_other_emails_are_suggested_and_can_be_merged_and_undone),
	    cmocka_unit_test(an_address_merged_into_one_customer_is_not_merged_into_another),
	    cmocka_unit_test(customers_shipping_to_one_address_are_suggested),
	    cmocka_unit_test(facts_from_four_providers_in_shuffled_order_make_one_order),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
