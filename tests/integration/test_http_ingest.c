/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_http_ingest.c - POST /v1/events against the real server: answers
 * item by item, duplicates and conflicts, credentials and environments,
 * and bad input of every kind answered 4xx naming the field, with nothing
 * changed and the server still serving.
 */
#include "testutil.h"

#include <curl/curl.h>

#include "harness.h"

static struct harness h;

#define EV(id, type, order, data)                                                                  \
	"{\"id\":\"" id "\",\"source\":\"shop\",\"type\":\"" type                                  \
	"\",\"occurred_at\":\"2025-03-01T10:00:00-05:00\",\"order\":\"" order "\",\"data\":" data  \
	"}"

static int setup(void **state)
{
	curl_global_init(CURL_GLOBAL_ALL);
	harness_init(&h);
	harness_serve(&h, NULL);
	return 0;
}

static int teardown(void **state)
{
	harness_cleanup(&h);
	curl_global_cleanup();
	return 0;
}

/* The number of events stored, read through an order's timeline is not
 * enough for a global check, so count the audit entries of accepted input
 * via the CLI's verify line. */
static long audit_entries(void)
{
	char *out = NULL;
	const char *args[] = {"audit", "verify", "--data", h.dir, NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	long n = -1;
	sscanf(out, "audit chain verified: %ld", &n);
	free(out);
	return n;
}

static void assert_still_serving(void)
{
	struct http_resp r;
	http(&h, "GET", "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
}

static void healthz_answers_without_a_key(void **state)
{
	struct http_resp r;
	http(&h, "GET", "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"ok\""));
	http_free(&r);
	http(&h, "GET", "/readyz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
}

static void request_without_valid_key_is_401(void **state)
{
	const char *ev = EV("k1", "order.created", "K-1", "{}");
	struct http_resp r;
	http(&h, "POST", "/v1/events", NULL, "application/json", ev, strlen(ev), &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.content_type, "application/problem+json");
	assert_true(has(&r, "\"code\":\"unauthorized\""));
	http_free(&r);
	http(&h, "POST", "/v1/events", "ordex_notakeyatallnotakeyatallnotakey", "application/json",
	     ev, strlen(ev), &r);
	assert_int_equal(r.status, 401);
	http_free(&r);
	http(&h, "GET", "/v1/exceptions", "short", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 401);
	http_free(&r);
	/* nothing was stored: the order does not exist */
	get(&h, "/v1/orders/K-1", &r);
	assert_int_equal(r.status, 404);
	http_free(&r);
}

static void one_event_is_accepted_then_duplicate_then_conflict(void **state)
{
	const char *ev =
	    EV("a1", "order.created", "A-1", "{\"total\":\"12.50\",\"currency\":\"EUR\"}");
	struct http_resp r;
	post_event(&h, ev, &r);
	assert_int_equal(r.status, 201);
	assert_true(has(&r, "\"status\":\"accepted\""));
	http_free(&r);
	post_event(&h, ev, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"status\":\"duplicate\""));
	http_free(&r);
	const char *other =
	    EV("a1", "order.created", "A-1", "{\"total\":\"99.00\",\"currency\":\"EUR\"}");
	post_event(&h, other, &r);
	assert_int_equal(r.status, 409);
	assert_true(has(&r, "\"code\":\"conflict\""));
	assert_true(has(&r, "\"field\":\"id\""));
	http_free(&r);
	get(&h, "/v1/orders/A-1", &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"total\":\"12.50\""));
	assert_int_equal(count_of(&r, "\"seq\":"), 1); /* one event in the timeline */
	http_free(&r);
}

static void ndjson_batch_answers_each_line(void **state)
{
	const char *body =
	    EV("n1", "order.created", "N-1",
	       "{}") "\n"
	             "{not json}\n"
	             "\n" EV("n2", "payment.captured", "N-1",
	                     "{\"payment\":\"NP\",\"amount\":\"1.001\",\"currency\":"
	                     "\"USD\"}") "\n" EV("n1", "order.created", "N-1",
	                                         "{}") "\n" EV("n3", "payment.captured", "N-1",
	                                                       "{\"payment\":\"NP\","
	                                                       "\"amount\":\"1.00\","
	                                                       "\"currency\":\"USD\"}") "\r"
	                                                                                "\n";
	struct http_resp r;
	post_ndjson(&h, body, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"accepted\":2"));
	assert_true(has(&r, "\"duplicate\":1"));
	assert_true(has(&r, "\"rejected\":2"));
	assert_true(has(&r, "{\"line\":2,\"status\":\"rejected\""));
	/* the parse error's position is the body's, not the line's own */
	assert_true(has(&r, "(line 2, column 2)"));
	assert_true(has(&r, "{\"line\":4,\"status\":\"rejected\""));
	assert_true(has(&r, "\"field\":\"data.amount\",\"reason\":\"has 3 decimal places; USD "
	                    "allows 2\""));
	assert_true(has(&r, "{\"line\":5,\"status\":\"duplicate\""));
	http_free(&r);
}

/* A bad body: status, code, and the field named; nothing stored. */
static void expect_rejected(const char *ctype, const char *body, size_t len, long status,
                            const char *code, const char *field)
{
	long before = audit_entries();
	struct http_resp r;
	http(&h, "POST", "/v1/events", h.key, ctype, body, len, &r);
	if (r.status != status || !has(&r, code) || (field && !has(&r, field)))
		fprintf(stderr, "unexpected answer %ld: %s\n", r.status, r.body);
	assert_int_equal(r.status, status);
	assert_string_equal(r.content_type, "application/problem+json");
	assert_true(has(&r, code));
	if (field)
		assert_true(has(&r, field));
	http_free(&r);
	assert_int_equal(audit_entries(), before);
	assert_still_serving();
}

static void malformed_json_is_400(void **state)
{
	const char *b = "{\"id\":\"x\",\"source\":\"shop\",";
	expect_rejected("application/json", b, strlen(b), 400, "invalid_json", NULL);
	const char *b2 = "{\"id\":\"x\" \"source\":\"shop\"}";
	expect_rejected("application/json", b2, strlen(b2), 400, "invalid_json", NULL);
}

static void invalid_utf8_is_400(void **state)
{
	const char b[] = "{\"id\":\"x\xff\",\"source\":\"shop\",\"type\":\"order.created\","
	                 "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"order\":\"U-1\"}";
	expect_rejected("application/json", b, sizeof(b) - 1, 400, "invalid_json",
	                "\"field\":\"id\"");
	const char over[] = "{\"id\":\"x\xc0\xaf\",\"source\":\"shop\"}";
	expect_rejected("application/json", over, sizeof(over) - 1, 400, "invalid_json", NULL);
}

static void duplicate_keys_are_400(void **state)
{
	const char *b = "{\"id\":\"d1\",\"source\":\"shop\",\"type\":\"order.created\","
	                "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"order\":\"D-1\","
	                "\"data\":{\"total\":\"1.00\",\"currency\":\"USD\",\"total\":\"9.00\"}}";
	expect_rejected("application/json", b, strlen(b), 400, "duplicate key",
	                "\"field\":\"data.total\"");
}

static void wrong_types_are_422_naming_each_field(void **state)
{
	const char *b = "{\"id\":7,\"source\":\"shop\",\"type\":\"order.created\","
	                "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"order\":\"T-1\","
	                "\"data\":{\"lines\":[{\"sku\":\"A\",\"qty\":\"two\"}],\"total\":true,"
	                "\"currency\":\"USD\"}}";
	expect_rejected("application/json", b, strlen(b), 422, "validation_failed",
	                "\"field\":\"id\",\"reason\":\"must be a string, not number\"");
	expect_rejected("application/json", b, strlen(b), 422, "validation_failed",
	                "\"field\":\"data.lines[0].qty\",\"reason\":\"must be an integer\"");
	expect_rejected("application/json", b, strlen(b), 422, "validation_failed",
	                "\"field\":\"data.total\"");
}

static void missing_fields_are_422(void **state)
{
	const char *b = "{\"source\":\"shop\",\"type\":\"payment.captured\","
	                "\"order\":\"M-1\",\"data\":{\"currency\":\"USD\"}}";
	expect_rejected("application/json", b, strlen(b), 422, "validation_failed",
	                "\"field\":\"id\",\"reason\":\"is required\"");
	expect_rejected("application/json", b, strlen(b), 422, "validation_failed",
	                "\"field\":\"occurred_at\",\"reason\":\"is required\"");
	expect_rejected("application/json", b, strlen(b), 422, "validation_failed",
	                "\"field\":\"data.payment\",\"reason\":\"is required\"");
	expect_rejected("application/json", b, strlen(b), 422, "validation_failed",
	                "\"field\":\"data.amount\",\"reason\":\"is required\"");
}

static void unknown_type_is_422(void **state)
{
	const char *b = EV("u1", "order.teleported", "X-1", "{}");
	expect_rejected(
	    "application/json", b, strlen(b), 422, "validation_failed",
	    "\"field\":\"type\",\"reason\":\"unknown event type \\\"order.teleported\\\"\"");
}

static void too_many_decimals_is_422(void **state)
{
	const char *b =
	    EV("m1", "order.created", "MD-1", "{\"total\":\"10.5\",\"currency\":\"JPY\"}");
	expect_rejected("application/json", b, strlen(b), 422, "validation_failed",
	                "\"field\":\"data.total\",\"reason\":\"has 1 decimal place");
}

static void time_without_offset_is_422(void **state)
{
	const char *b = "{\"id\":\"t1\",\"source\":\"shop\",\"type\":\"order.created\","
	                "\"occurred_at\":\"2025-03-01T10:00:00\",\"order\":\"TZ-1\"}";
	expect_rejected("application/json", b, strlen(b), 422, "validation_failed",
	                "\"field\":\"occurred_at\"");
}

static void oversized_body_is_413(void **state)
{
	size_t n = 9u << 20; /* the default limit is 8 MiB */
	char *b = malloc(n);
	memset(b, ' ', n);
	b[0] = '{';
	b[n - 1] = '}';
	expect_rejected("application/json", b, n, 413, "body_too_large", NULL);
	free(b);
}

static void deep_nesting_is_400(void **state)
{
	char b[4096];
	size_t n = 0;
	n += (size_t)sprintf(b, "{\"id\":\"deep\",\"source\":\"shop\",\"type\":\"order.created\","
	                        "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"order\":\"DN-1\","
	                        "\"data\":{\"x\":");
	for (int i = 0; i < 100; i++)
		b[n++] = '[';
	for (int i = 0; i < 100; i++)
		b[n++] = ']';
	n += (size_t)sprintf(b + n, "}}");
	expect_rejected("application/json", b, n, 400, "too_deep", "data.x");
}

static void wrong_media_type_is_415(void **state)
{
	const char *b = EV("w1", "order.created", "W-1", "{}");
	/* the answer names the header and what it said */
	expect_rejected("text/plain", b, strlen(b), 415, "unsupported_media_type",
	                "Content-Type header says \\\"text/plain\\\"");
	/* what curl -d sends without -H */
	expect_rejected("application/x-www-form-urlencoded", b, strlen(b), 415,
	                "unsupported_media_type", "application/x-www-form-urlencoded");
}

static void refund_in_other_currency_than_payment_is_rejected(void **state)
{
	struct http_resp r;
	post_event(&h,
	           EV("c1", "payment.captured", "CUR-1",
	              "{\"payment\":\"CP\",\"amount\":\"98633.00\",\"currency\":\"INR\"}"),
	           &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	const char *b = EV("c2", "payment.refunded", "CUR-1",
	                   "{\"payment\":\"CP\",\"refund\":\"re1\",\"amount\":\"1000.00\","
	                   "\"currency\":\"GBP\"}");
	expect_rejected("application/json", b, strlen(b), 422, "validation_failed",
	                "\"field\":\"data.currency\"");
	get(&h, "/v1/orders/CUR-1", &r);
	assert_true(has(&r, "\"refunded\":\"0.00\""));
	http_free(&r);
}

static void sandbox_key_sees_nothing_of_production(void **state)
{
	char *out = NULL;
	const char *args[] = {"key", "create", "--data", h.dir, "--env", "sandbox", NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	char sandbox[128];
	snprintf(sandbox, sizeof(sandbox), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	struct http_resp r;
	post_event(&h, EV("s1", "payment.failed", "SB-1", "{\"payment\":\"SBP\"}"), &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	http(&h, "GET", "/v1/orders/SB-1", sandbox, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 404);
	http_free(&r);
	http(&h, "GET", "/v1/exceptions?order=SB-1", sandbox, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"exceptions\":[]"));
	http_free(&r);
	/* the same id in sandbox is a different event, not a duplicate */
	const char *ev = EV("s1", "payment.failed", "SB-1", "{\"payment\":\"SBP\"}");
	http(&h, "POST", "/v1/events", sandbox, "application/json", ev, strlen(ev), &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	get(&h, "/v1/exceptions?order=SB-1", &r);
	assert_int_equal(count_of(&r, "\"kind\":\"payment_failed\""), 1);
	http_free(&r);
}

static void exceptions_list_filters_and_pages(void **state)
{
	struct http_resp r;
	for (int i = 0; i < 5; i++) {
		char ev[512];
		snprintf(ev, sizeof(ev),
		         "{\"id\":\"pf%d\",\"source\":\"shop\",\"type\":\"payment.failed\","
		         "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"order\":\"PG-%d\","
		         "\"data\":{\"payment\":\"PGP%d\"}}",
		         i, i, i);
		post_event(&h, ev, &r);
		assert_int_equal(r.status, 201);
		http_free(&r);
	}
	get(&h, "/v1/exceptions?kind=payment_failed&limit=2", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_of(&r, "\"kind\":\"payment_failed\""), 2);
	char *cur = strstr(r.body, "\"next_cursor\":\"");
	assert_non_null(cur);
	char path[256];
	snprintf(path, sizeof(path), "/v1/exceptions?kind=payment_failed&limit=100&cursor=%.*s",
	         (int)strcspn(cur + 15, "\""), cur + 15);
	http_free(&r);
	get(&h, path, &r);
	assert_int_equal(r.status, 200);
	assert_true(count_of(&r, "\"kind\":\"payment_failed\"") >= 3);
	assert_true(has(&r, "\"next_cursor\":null"));
	http_free(&r);
	get(&h, "/v1/exceptions?kind=nonsense", &r);
	assert_int_equal(r.status, 400);
	assert_true(has(&r, "\"field\":\"kind\""));
	http_free(&r);
	get(&h, "/v1/exceptions?limit=0", &r);
	assert_int_equal(r.status, 400);
	assert_true(has(&r, "\"field\":\"limit\""));
	http_free(&r);
}

static void unknown_path_is_404_and_wrong_method_405(void **state)
{
	struct http_resp r;
	get(&h, "/v1/nothing", &r);
	assert_int_equal(r.status, 404);
	assert_true(has(&r, "\"code\":\"not_found\""));
	http_free(&r);
	http(&h, "DELETE", "/v1/events", h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 405);
	http_free(&r);
}

static void sigterm_stops_with_status_0(void **state)
{
	assert_int_equal(harness_stop(&h), 0);
	harness_serve(&h, NULL);
	assert_still_serving();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(healthz_answers_without_a_key),
	    cmocka_unit_test(request_without_valid_key_is_401),
	    cmocka_unit_test(one_event_is_accepted_then_duplicate_then_conflict),
	    cmocka_unit_test(ndjson_batch_answers_each_line),
	    cmocka_unit_test(malformed_json_is_400),
	    cmocka_unit_test(invalid_utf8_is_400),
	    cmocka_unit_test(duplicate_keys_are_400),
	    cmocka_unit_test(wrong_types_are_422_naming_each_field),
	    cmocka_unit_test(missing_fields_are_422),
	    cmocka_unit_test(unknown_type_is_422),
	    cmocka_unit_test(too_many_decimals_is_422),
	    cmocka_unit_test(time_without_offset_is_422),
	    cmocka_unit_test(oversized_body_is_413),
	    cmocka_unit_test(deep_nesting_is_400),
	    cmocka_unit_test(wrong_media_type_is_415),
	    cmocka_unit_test(refund_in_other_currency_than_payment_is_rejected),
	    cmocka_unit_test(sandbox_key_sees_nothing_of_production),
	    cmocka_unit_test(exceptions_list_filters_and_pages),
	    cmocka_unit_test(unknown_path_is_404_and_wrong_method_405),
	    cmocka_unit_test(sigterm_stops_with_status_0),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
