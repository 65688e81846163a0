/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cases.c - the field cases of ../shared/cases/CASES.md that concern
 * ingest and state (CASE-02, 03, 04, 08, 10, 12), each written in the
 * canonical event format and sent to the real server over HTTP.
 * Lines of a case that stand for later workflow (writeback, resolutions)
 * are left to the issues that build that workflow.
 */
#include "testutil.h"

#include <pthread.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "harness.h"

static struct harness h;

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

static long post(const char *json, char *answer, size_t n)
{
	struct http_resp r;
	post_event(&h, json, &r);
	if (answer)
		snprintf(answer, n, "%s", r.body);
	long st = r.status;
	if (st >= 300)
		fprintf(stderr, "answer %ld: %s\n", st, r.body);
	http_free(&r);
	return st;
}

/* Counts audit entries of kind whose subject or body mentions what. */
static int audit_count(const char *kind, const char *what)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/ordex.db", h.dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT count(*) FROM audit WHERE kind = ?1 AND "
	                                    "(subject = ?2 OR instr(body, ?2) > 0)",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, what, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

static void CASE_02_same_order_paid_webhook_twice_is_one_duplicate(void **state)
{
	assert_int_equal(post("{\"id\":\"e-1\",\"source\":\"shop\",\"type\":\"order.created\","
	                      "\"occurred_at\":\"2025-03-01T09:59:00Z\",\"order\":\"O-202\","
	                      "\"data\":{\"lines\":[{\"sku\":\"SKU-A\",\"qty\":1}]}}",
	                      NULL, 0),
	                 201);
	assert_int_equal(post("{\"id\":\"inv-a-1\",\"source\":\"wms\",\"type\":\"inventory.level\","
	                      "\"occurred_at\":\"2025-03-01T09:59:30Z\","
	                      "\"data\":{\"sku\":\"SKU-A\",\"location\":\"WH1\",\"available\":5}}",
	                      NULL, 0),
	                 201);
	/* the deliveries d-1 and d-2 carry the same event; the delivery id is
	 * transport metadata, not part of the event's identity */
	const char *paid = "{\"id\":\"e-2\",\"source\":\"shop\",\"type\":\"order.updated\","
	                   "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"order\":\"O-202\","
	                   "\"data\":{\"financial_status\":\"paid\",\"total\":\"25.00\","
	                   "\"currency\":\"EUR\"}}";
	char ans[512];
	assert_int_equal(post(paid, ans, sizeof(ans)), 201);
	assert_int_equal(post(paid, ans, sizeof(ans)), 200);
	assert_non_null(strstr(ans, "\"status\":\"duplicate\""));

	struct http_resp r;
	get(&h, "/v1/inventory/SKU-A", &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"level\":5"));
	assert_true(has(&r, "\"allocated\":1")); /* one reservation, not two */
	assert_true(has(&r, "\"available\":4"));
	http_free(&r);
	get(&h, "/v1/orders/O-202", &r);
	assert_true(has(&r, "\"financial_status\":\"paid\""));
	assert_int_equal(count_of(&r, "\"type\":\"order.updated\",\"source\""), 1);
	http_free(&r);
	/* both receipts are in the audit log */
	assert_int_equal(audit_count("input.accepted", "e-2"), 1);
	/* the duplicate's receipt rides along with the next commit, within a second */
	for (int i = 0; i < 40 && audit_count("input.duplicate", "e-2") == 0; i++)
		usleep(50000);
	assert_int_equal(audit_count("input.duplicate", "e-2"), 1);
}

static void CASE_03_update_before_create_keeps_the_newer_version(void **state)
{
	assert_int_equal(post("{\"id\":\"o303-v2\",\"source\":\"shop\",\"type\":\"order.updated\","
	                      "\"occurred_at\":\"2025-04-02T12:00:01Z\",\"order\":\"O-303\","
	                      "\"data\":{\"version\":2,\"updated_at\":\"2025-04-02T12:00:01Z\","
	                      "\"financial_status\":\"paid\",\"total\":\"40.00\","
	                      "\"currency\":\"CAD\"}}",
	                      NULL, 0),
	                 201);
	assert_int_equal(post("{\"id\":\"o303-v1\",\"source\":\"shop\",\"type\":\"order.created\","
	                      "\"occurred_at\":\"2025-04-02T12:00:00Z\",\"order\":\"O-303\","
	                      "\"data\":{\"version\":1,\"updated_at\":\"2025-04-02T12:00:00Z\","
	                      "\"financial_status\":\"pending\",\"total\":\"40.00\","
	                      "\"currency\":\"CAD\"}}",
	                      NULL, 0),
	                 201);
	struct http_resp r;
	get(&h, "/v1/orders/O-303", &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"known\":true"));
	assert_true(has(&r, "\"financial_status\":\"paid\""));
	assert_true(has(&r, "\"version\":2"));
	assert_true(has(&r, "\"exceptions\":[]"));
	assert_int_equal(count_of(&r, "\"seq\":"), 2); /* both versions in history */
	http_free(&r);
	assert_int_equal(audit_count("order.out_of_order", "O-303"), 1);
}

static void CASE_04_capture_before_authorization_stays_captured(void **state)
{
	assert_int_equal(post("{\"id\":\"o404\",\"source\":\"shop\",\"type\":\"order.created\","
	                      "\"occurred_at\":\"2025-05-05T08:59:00Z\",\"order\":\"O-404\","
	                      "\"data\":{\"total\":\"120.00\",\"currency\":\"GBP\"}}",
	                      NULL, 0),
	                 201);
	assert_int_equal(post("{\"id\":\"e-41\",\"source\":\"psp\",\"type\":\"payment.captured\","
	                      "\"occurred_at\":\"2025-05-05T09:00:03Z\",\"order\":\"O-404\","
	                      "\"data\":{\"payment\":\"P-4\",\"amount\":\"120.00\","
	                      "\"currency\":\"GBP\"}}",
	                      NULL, 0),
	                 201);
	assert_int_equal(post("{\"id\":\"e-40\",\"source\":\"psp\",\"type\":\"payment.authorized\","
	                      "\"occurred_at\":\"2025-05-05T09:00:01Z\",\"order\":\"O-404\","
	                      "\"data\":{\"payment\":\"P-4\",\"amount\":\"120.00\","
	                      "\"currency\":\"GBP\"}}",
	                      NULL, 0),
	                 201);
	struct http_resp r;
	get(&h, "/v1/orders/O-404", &r);
	assert_true(has(&r, "{\"payment\":\"P-4\",\"status\":\"captured\",\"currency\":\"GBP\","
	                    "\"amount\":\"120.00\",\"captured\":\"120.00\""));
	assert_true(has(&r, "\"exceptions\":[]"));
	assert_true(has(&r, "\"type\":\"payment.authorized\"")); /* kept in history */
	http_free(&r);
}

struct racer {
	const char *json;
	long status;
};

static void *race(void *arg)
{
	struct racer *rc = arg;
	struct http_resp r;
	post_event(&h, rc->json, &r);
	rc->status = r.status;
	http_free(&r);
	return NULL;
}

static void CASE_08_concurrent_checkouts_never_oversell(void **state)
{
	assert_int_equal(post("{\"id\":\"inv-d\",\"source\":\"wms\",\"type\":\"inventory.level\","
	                      "\"occurred_at\":\"2025-07-01T09:00:00Z\","
	                      "\"data\":{\"sku\":\"SKU-D\",\"location\":\"WH1\",\"available\":3}}",
	                      NULL, 0),
	                 201);
	struct racer a = {.json =
	                      "{\"id\":\"o1101\",\"source\":\"shop\",\"type\":\"order.created\","
	                      "\"occurred_at\":\"2025-07-01T10:00:00.100Z\",\"order\":\"O-1101\","
	                      "\"data\":{\"lines\":[{\"sku\":\"SKU-D\",\"qty\":2}]}}"};
	struct racer b = {.json =
	                      "{\"id\":\"o1102\",\"source\":\"shop\",\"type\":\"order.created\","
	                      "\"occurred_at\":\"2025-07-01T10:00:00.100Z\",\"order\":\"O-1102\","
	                      "\"data\":{\"lines\":[{\"sku\":\"SKU-D\",\"qty\":2}]}}"};
	pthread_t ta, tb;
	pthread_create(&ta, NULL, race, &a);
	pthread_create(&tb, NULL, race, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.status, 201);
	assert_int_equal(b.status, 201);

	struct http_resp r;
	get(&h, "/v1/inventory/SKU-D", &r);
	assert_true(has(&r, "\"allocated\":3"));
	assert_true(has(&r, "\"available\":0"));
	assert_true(has(&r, "\"short\":1"));
	http_free(&r);
	/* whichever order won holds 2; the other holds 1 and is short 1 */
	int short_orders = 0;
	const char *orders[] = {"O-1101", "O-1102"};
	for (int i = 0; i < 2; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/v1/orders/%s", orders[i]);
		get(&h, path, &r);
		if (has(&r, "\"allocated\":1")) {
			short_orders++;
			assert_true(has(&r, "\"kind\":\"inventory_shortage\""));
			assert_true(has(&r, "Short 1 of SKU-D"));
		} else {
			assert_true(has(&r, "\"allocated\":2"));
			assert_false(has(&r, "inventory_shortage"));
		}
		http_free(&r);
	}
	assert_int_equal(short_orders, 1);
	/* more stock arrives: the shortage clears by itself, with its evidence */
	assert_int_equal(post("{\"id\":\"inv-d2\",\"source\":\"wms\",\"type\":\"inventory.level\","
	                      "\"occurred_at\":\"2025-07-01T11:00:00Z\","
	                      "\"data\":{\"sku\":\"SKU-D\",\"location\":\"WH1\",\"available\":4}}",
	                      NULL, 0),
	                 201);
	get(&h, "/v1/exceptions?kind=inventory_shortage&status=resolved", &r);
	assert_int_equal(count_of(&r, "\"kind\":\"inventory_shortage\""), 1);
	assert_true(has(&r, "Cleared by inventory.level wms/inv-d2"));
	http_free(&r);
}

static void CASE_10_null_and_missing_fields_are_quarantined(void **state)
{
	char ans[2048];
	assert_int_equal(post("{\"id\":\"c10-1\",\"source\":\"shop\",\"type\":\"order.created\","
	                      "\"occurred_at\":\"2025-08-01T10:00:00Z\",\"order\":\"O-1701\","
	                      "\"data\":{\"total\":\"30.00\",\"currency\":\"USD\","
	                      "\"shipping_address\":null}}",
	                      NULL, 0),
	                 201);
	assert_int_equal(post("{\"id\":\"c10-2\",\"source\":\"psp\",\"type\":\"payment.captured\","
	                      "\"occurred_at\":\"2025-08-01T10:01:00Z\",\"order\":\"O-1701\","
	                      "\"data\":{\"payment\":\"P-17\",\"currency\":\"USD\"}}",
	                      ans, sizeof(ans)),
	                 422);
	assert_non_null(strstr(ans, "\"field\":\"data.amount\",\"reason\":\"is required\""));
	assert_int_equal(post("{\"id\":\"c10-3\",\"source\":\"psp\",\"type\":\"payment.refunded\","
	                      "\"occurred_at\":\"2025-08-01T10:02:00Z\",\"order\":\"O-1701\","
	                      "\"data\":{\"payment\":\"P-17\",\"refund\":\"re_17\",\"amount\":null,"
	                      "\"currency\":\"USD\"}}",
	                      ans, sizeof(ans)),
	                 422);
	assert_non_null(strstr(ans, "\"field\":\"data.amount\",\"reason\":\"must not be null\""));
	assert_int_equal(
	    post("{\"id\":\"c10-4\",\"source\":\"carrier\",\"type\":\"shipment.updated\","
	         "\"occurred_at\":\"2025-08-01T10:03:00Z\","
	         "\"data\":{\"shipment\":null,\"status\":\"delivered\"}}",
	         ans, sizeof(ans)),
	    422);
	assert_non_null(strstr(ans, "\"field\":\"data.shipment\",\"reason\":\"must not be null\""));
	assert_int_equal(post("{\"id\":\"c10-5\",\"source\":\"psp\",\"type\":\"payment.captured\","
	                      "\"occurred_at\":\"2025-08-01T10:04:00Z\",\"order\":\"O-1701\","
	                      "\"data\":{\"payment\":\"P-17\",\"amount\":\"30.00\","
	                      "\"currency\":\"USD\"}}",
	                      NULL, 0),
	                 201);
	struct http_resp r;
	get(&h, "/v1/orders/O-1701", &r);
	assert_true(has(&r, "\"status\":\"captured\""));
	assert_true(has(&r, "\"captured\":\"30.00\""));
	assert_true(has(&r, "\"refunded\":\"0.00\""));
	assert_int_equal(count_of(&r, "\"kind\":"), 1);
	assert_true(has(&r, "\"kind\":\"address_invalid\""));
	assert_true(has(&r, "the order has no shipping address"));
	assert_int_equal(count_of(&r, "\"seq\":"), 2); /* the rejected lines left nothing */
	http_free(&r);
}

static void CASE_12_shipment_after_cancel_is_recorded_as_a_conflict(void **state)
{
	const char *evs[] = {
	    "{\"id\":\"c12-1\",\"source\":\"shop\",\"type\":\"order.created\","
	    "\"occurred_at\":\"2025-09-01T08:50:00Z\",\"order\":\"O-2001\",\"data\":{\"lines\":"
	    "[{\"sku\":\"SKU-G\",\"qty\":1}],\"total\":\"35.00\",\"currency\":\"USD\"}}",
	    "{\"id\":\"c12-2\",\"source\":\"psp\",\"type\":\"payment.captured\","
	    "\"occurred_at\":\"2025-09-01T08:51:00Z\",\"order\":\"O-2001\","
	    "\"data\":{\"payment\":\"P-20\",\"amount\":\"35.00\",\"currency\":\"USD\"}}",
	    "{\"id\":\"c12-3\",\"source\":\"oms\",\"type\":\"order.updated\","
	    "\"occurred_at\":\"2025-09-01T09:00:00Z\",\"order\":\"O-2001\","
	    "\"data\":{\"status\":\"fulfillment_requested\"}}",
	    "{\"id\":\"c12-4\",\"source\":\"shop\",\"type\":\"order.cancelled\","
	    "\"occurred_at\":\"2025-09-01T09:30:00Z\",\"order\":\"O-2001\","
	    "\"data\":{\"reason\":\"customer_request\"}}",
	    "{\"id\":\"c12-5\",\"source\":\"psp\",\"type\":\"payment.refunded\","
	    "\"occurred_at\":\"2025-09-01T09:35:00Z\",\"order\":\"O-2001\","
	    "\"data\":{\"payment\":\"P-20\",\"refund\":\"re_20\",\"amount\":\"35.00\","
	    "\"currency\":\"USD\"}}",
	    "{\"id\":\"c12-6\",\"source\":\"carrier\",\"type\":\"shipment.created\","
	    "\"occurred_at\":\"2025-09-01T09:20:00Z\",\"order\":\"O-2001\","
	    "\"data\":{\"shipment\":\"S-20\",\"tracking\":\"TRK2020\",\"status\":\"in_transit\"}}",
	};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		assert_int_equal(post(evs[i], NULL, 0), 201);
	/* the refund webhook redelivered: still one refund */
	assert_int_equal(post(evs[4], NULL, 0), 200);
	struct http_resp r;
	get(&h, "/v1/orders/O-2001", &r);
	assert_true(has(&r, "\"cancelled\":true"));
	assert_true(has(&r, "{\"shipment\":\"S-20\",\"status\":\"in_transit\""));
	assert_true(has(&r, "\"refunded\":\"35.00\""));
	assert_true(has(&r, "\"kind\":\"state_conflict\""));
	assert_true(has(&r, "TRK2020"));
	assert_true(has(&r, "\"open\":false")); /* the line no longer holds stock */
	http_free(&r);
	get(&h, "/v1/exceptions?kind=state_conflict&order=O-2001", &r);
	assert_int_equal(count_of(&r, "\"kind\":\"state_conflict\""), 1);
	assert_true(has(&r, "\"severity\":\"critical\""));
	http_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(CASE_02_same_order_paid_webhook_twice_is_one_duplicate),
	    cmocka_unit_test(CASE_03_update_before_create_keeps_the_newer_version),
	    cmocka_unit_test(CASE_04_capture_before_authorization_stays_captured),
	    cmocka_unit_test(CASE_08_concurrent_checkouts_never_oversell),
	    cmocka_unit_test(CASE_10_null_and_missing_fields_are_quarantined),
	    cmocka_unit_test(CASE_12_shipment_after_cancel_is_recorded_as_a_conflict),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
