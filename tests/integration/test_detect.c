/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_detect.c - each detector over HTTP: the condition opens one
 * exception with a why and its evidence, a repeat counts as seen again,
 * and the event that clears it resolves it by itself, named in the
 * resolution. Also: the tenant's fraud threshold, and a shipment scan that
 * names only its parcel landing in the order's timeline.
 */
#include "testutil.h"

#include <curl/curl.h>

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

/* Posts an event of type about order at time with data; expects 201. */
static void emit(const char *type, const char *order, const char *at, const char *data)
{
	assert_int_equal(harness_emit(&h, "d", "test", type, order, at, data), 201);
}

/* The exceptions of an order in any status. */
static void exceptions_of(const char *order, struct http_resp *r)
{
	char path[256];
	snprintf(path, sizeof(path), "/v1/exceptions?status=all&order=%s", order);
	get(&h, path, r);
	assert_int_equal(r->status, 200);
}

static void payment_failed_opens_repeats_and_clears_on_success(void **state)
{
	struct http_resp r;
	emit("order.created", "PF-1", "2025-03-01T10:00:00Z",
	     "{\"total\":\"80.00\",\"currency\":\"USD\"}");
	emit("payment.failed", "PF-1", "2025-03-01T10:01:00Z",
	     "{\"payment\":\"pf1-a\",\"reason\":\"card_declined\"}");
	emit("payment.failed", "PF-1", "2025-03-01T10:05:00Z",
	     "{\"payment\":\"pf1-a\",\"reason\":\"insufficient_funds\"}");
	exceptions_of("PF-1", &r);
	assert_int_equal(count_of(&r, "\"kind\":\"payment_failed\""), 1);
	assert_true(has(&r, "\"seen\":2"));
	assert_true(has(&r, "insufficient_funds"));
	http_free(&r);
	emit("payment.captured", "PF-1", "2025-03-01T10:09:00Z",
	     "{\"payment\":\"pf1-b\",\"amount\":\"80.00\",\"currency\":\"USD\"}");
	exceptions_of("PF-1", &r);
	assert_true(has(&r, "\"status\":\"resolved\""));
	assert_true(has(&r, "Cleared by payment.captured test/d"));
	http_free(&r);
}

static void payment_action_required_clears_when_authorized(void **state)
{
	struct http_resp r;
	emit("payment.requires_action", "PA-1", "2025-03-01T10:00:00Z", "{\"payment\":\"pa1\"}");
	exceptions_of("PA-1", &r);
	assert_true(has(
	    &r, "\"kind\":\"payment_action_required\",\"subject\":\"pa1\",\"status\":\"open\""));
	http_free(&r);
	emit("payment.authorized", "PA-1", "2025-03-01T10:03:00Z",
	     "{\"payment\":\"pa1\",\"amount\":\"10.00\",\"currency\":\"EUR\"}");
	exceptions_of("PA-1", &r);
	assert_true(has(&r, "\"status\":\"resolved\""));
	http_free(&r);
}

static void fraud_review_follows_the_threshold_and_holds_through_payment(void **state)
{
	struct http_resp r;
	emit("fraud.signal", "FR-1", "2025-03-01T10:00:00Z", "{\"score\":70}");
	exceptions_of("FR-1", &r);
	assert_true(has(&r, "\"exceptions\":[]")); /* 70 is below the default 75 */
	http_free(&r);
	const char *args[] = {"tenant", "set", "--data", h.dir, "--fraud-threshold", "60", NULL};
	assert_int_equal(harness_cli(args, NULL, NULL), 0);
	emit("fraud.signal", "FR-1", "2025-03-01T10:01:00Z",
	     "{\"score\":70,\"kind\":\"velocity\"}");
	exceptions_of("FR-1", &r);
	assert_true(has(&r, "\"kind\":\"fraud_review\""));
	assert_true(has(&r, "threshold 60"));
	http_free(&r);
	/* being paid does not clear a fraud hold (CASE-14) */
	emit("order.updated", "FR-1", "2025-03-01T10:02:00Z", "{\"financial_status\":\"paid\"}");
	emit("payment.captured", "FR-1", "2025-03-01T10:02:00Z",
	     "{\"payment\":\"fr1\",\"amount\":\"450.00\",\"currency\":\"USD\"}");
	exceptions_of("FR-1", &r);
	assert_true(has(&r, "\"kind\":\"fraud_review\",\"subject\":\"\",\"status\":\"open\""));
	http_free(&r);
	emit("fraud.signal", "FR-1", "2025-03-01T11:00:00Z", "{\"recommendation\":\"accept\"}");
	exceptions_of("FR-1", &r);
	assert_true(has(&r, "\"kind\":\"fraud_review\",\"subject\":\"\",\"status\":\"resolved\""));
	http_free(&r);
	const char *reset[] = {"tenant", "set", "--data", h.dir, "--fraud-threshold", "75", NULL};
	assert_int_equal(harness_cli(reset, NULL, NULL), 0);
}

static void payment_risk_review_opens_fraud_review(void **state)
{
	struct http_resp r;
	emit("payment.authorized", "FR-2", "2025-03-01T10:00:00Z",
	     "{\"payment\":\"fr2\",\"amount\":\"450.00\",\"currency\":\"USD\",\"risk\":{"
	     "\"decision\":\"review\",\"score\":82}}");
	exceptions_of("FR-2", &r);
	assert_true(has(&r, "\"kind\":\"fraud_review\""));
	assert_true(has(&r, "score 82"));
	http_free(&r);
}

static void address_invalid_clears_when_verified(void **state)
{
	struct http_resp r;
	emit("order.created", "AD-1", "2025-03-01T10:00:00Z",
	     "{\"shipping_address\":{\"line1\":\"12 Rue de "
	     "l\u2019\u00c9glise\",\"city\":\"Lyon\"}}");
	exceptions_of("AD-1", &r);
	assert_true(has(&r, "the shipping address has no country"));
	http_free(&r);
	emit("address.verified", "AD-1", "2025-03-01T11:00:00Z", "{}");
	exceptions_of("AD-1", &r);
	assert_true(has(&r, "\"status\":\"resolved\""));
	http_free(&r);
	emit("address.invalid", "AD-1", "2025-03-01T12:00:00Z",
	     "{\"reason\":\"postal code does not match the city\"}");
	exceptions_of("AD-1", &r);
	assert_true(has(&r, "\"status\":\"open\""));
	assert_true(has(&r, "postal code does not match the city"));
	http_free(&r);
}

static void late_eta_opens_shipment_late_and_clears_when_back_on_time(void **state)
{
	struct http_resp r;
	emit("order.created", "SL-1", "2025-03-01T10:00:00-05:00",
	     "{\"promised_at\":\"2025-03-05\"}");
	emit("shipment.updated", "SL-1", "2025-03-02T10:00:00-05:00",
	     "{\"shipment\":\"sl1\",\"status\":\"in_transit\",\"eta\":\"2025-03-07T12:00:00-05:"
	     "00\"}");
	exceptions_of("SL-1", &r);
	assert_true(has(&r, "\"kind\":\"shipment_late\",\"subject\":\"sl1\",\"status\":\"open\""));
	assert_true(has(&r, "after the promised 2025-03-05"));
	http_free(&r);
	emit("shipment.updated", "SL-1", "2025-03-03T10:00:00-05:00",
	     "{\"shipment\":\"sl1\",\"status\":\"in_transit\",\"eta\":\"2025-03-05T18:00:00-05:"
	     "00\"}");
	exceptions_of("SL-1", &r);
	assert_true(has(&r, "\"status\":\"resolved\""));
	http_free(&r);
	/* delivered within the promised day (23:00 local) is on time */
	emit("shipment.updated", "SL-1", "2025-03-05T23:00:00-05:00",
	     "{\"shipment\":\"sl1\",\"status\":\"delivered\"}");
	exceptions_of("SL-1", &r);
	assert_false(has(&r, "\"status\":\"open\""));
	http_free(&r);
}

static void delivery_exception_clears_when_the_parcel_moves_on(void **state)
{
	struct http_resp r;
	emit("shipment.updated", "DE-1", "2025-03-02T10:00:00Z",
	     "{\"shipment\":\"de1\",\"status\":\"failed_attempt\",\"carrier\":\"UPS\",\"tracking\":"
	     "\"1Z9\",\"location\":\"Lyon\",\"reason\":\"no one home\"}");
	exceptions_of("DE-1", &r);
	assert_true(has(
	    &r, "Shipment de1 (UPS 1Z9) reports a failed delivery attempt at Lyon: no one home."));
	http_free(&r);
	/* an older scan arriving late changes nothing */
	emit("shipment.updated", NULL, "2025-03-01T10:00:00Z",
	     "{\"shipment\":\"de1\",\"status\":\"in_transit\"}");
	exceptions_of("DE-1", &r);
	assert_true(has(&r, "\"status\":\"open\""));
	http_free(&r);
	emit("shipment.updated", NULL, "2025-03-03T10:00:00Z",
	     "{\"shipment\":\"de1\",\"status\":\"delivered\"}");
	exceptions_of("DE-1", &r);
	assert_true(has(&r, "\"status\":\"resolved\""));
	http_free(&r);
	/* the scans that named only the parcel are in the order's timeline */
	get(&h, "/v1/orders/DE-1", &r);
	assert_int_equal(count_of(&r, "\"type\":\"shipment.updated\",\"source\""), 3);
	assert_true(has(&r, "{\"shipment\":\"de1\",\"status\":\"delivered\""));
	http_free(&r);
}

static void delivered_without_time_is_data_quality(void **state)
{
	struct http_resp r;
	emit("order.updated", "DQ-1", "2025-03-01T10:00:00Z", "{\"status\":\"delivered\"}");
	exceptions_of("DQ-1", &r);
	assert_true(has(&r, "\"kind\":\"data_quality\""));
	http_free(&r);
	emit("shipment.updated", "DQ-1", "2025-03-01T09:00:00Z",
	     "{\"shipment\":\"dq1\",\"status\":\"delivered\"}");
	exceptions_of("DQ-1", &r);
	assert_true(has(&r, "\"status\":\"resolved\""));
	http_free(&r);
}

static void exceptions_come_highest_priority_first(void **state)
{
	struct http_resp r;
	get(&h, "/v1/exceptions?limit=500", &r);
	int last = 1000;
	for (const char *p = r.body; (p = strstr(p, "\"priority\":")); p++) {
		int v = atoi(p + 11);
		assert_true(v <= last);
		last = v;
	}
	http_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(payment_failed_opens_repeats_and_clears_on_success),
	    cmocka_unit_test(payment_action_required_clears_when_authorized),
	    cmocka_unit_test(fraud_review_follows_the_threshold_and_holds_through_payment),
	    cmocka_unit_test(payment_risk_review_opens_fraud_review),
	    cmocka_unit_test(address_invalid_clears_when_verified),
	    cmocka_unit_test(late_eta_opens_shipment_late_and_clears_when_back_on_time),
	    cmocka_unit_test(delivery_exception_clears_when_the_parcel_moves_on),
	    cmocka_unit_test(delivered_without_time_is_data_quality),
	    cmocka_unit_test(exceptions_come_highest_priority_first),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
