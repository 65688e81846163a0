/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_adapter_aftership.c - the AfterShip adapter against AfterShip API
 * responses (../shared/data/aftership) and hand-written trackings and
 * webhooks for the tags, subtags, estimates and order links the samples
 * lack.
 *
 * Every payload must end in exactly one outcome, every event it makes must
 * pass the canonical validation, and the walk over the shared files prints
 * a table of kinds and outcomes that adds up to the payloads fed. A list
 * response (data.trackings[]) is walked as one payload per tracking; the
 * adapter also takes the whole list, which a test checks gives the same
 * events. Hand-written documents use single quotes; doc() turns them into
 * double quotes.
 */
#include "testutil.h"

#include "adapter_walk.h"

#define RECEIVED "2026-01-01T00:00:00Z"

static struct ordex_adapter_output out;
static struct ordex_event evs[ORDEX_ADAPT_MAX_EVENTS];

/* Runs the adapter on body and checks what every payload must satisfy (adapt_into()). */
static void adapt(const struct ordex_json *body)
{
	adapt_into(&ordex_adapter_aftership, RECEIVED, body, &out, evs);
}

static void adapt_text(const char *s)
{
	adapt(parse_doc(s));
}

static struct ordex_json *load(const char *name)
{
	return load_shared("aftership", name);
}

/* The i-th tracking of get_trackings.json. */
static const struct ordex_json *listed(size_t i)
{
	return ordex_json_at(ordex_adapter_path(load("get_trackings.json"), "data.trackings"), i);
}

/* node as JSON text inside before and after, parsed. */
static const struct ordex_json *wrap(const char *before, const struct ordex_json *node,
                                     const char *after)
{
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_buf_puts(&b, before);
	ordex_json_write(&b, node);
	ordex_buf_puts(&b, after);
	char *text = ordex_arena_strndup(arena, b.data, b.len);
	ordex_buf_free(&b);
	return parse(text, strlen(text));
}

/* ---- the walk over every shared file ----------------------------------- */

/* What each shared file must give: its payloads' kind and outcome. */
static const struct walk_expect expected[] = {
    {"delete_trackings.json", "tracking", ORDEX_ADAPT_IGNORED},
    {"error_created_tracking_number_is_failed.json", "error", ORDEX_ADAPT_IGNORED},
    {"error_invalid_api_key.json", "error", ORDEX_ADAPT_IGNORED},
    {"error_server_is_down.json", "error", ORDEX_ADAPT_IGNORED},
    {"get_trackings.json", "tracking", ORDEX_ADAPT_MAPPED},
    {"post_couriers_detect.json", "courier", ORDEX_ADAPT_IGNORED},
    {"post_trackings.json", "tracking", ORDEX_ADAPT_MAPPED},
};

static void check_event_fields(const struct ordex_event *ev)
{
	assert_int_equal(ev->type, ORDEX_EV_SHIPMENT_UPDATED);
	assert_non_null(ev->shipment);
	assert_non_null(ev->tracking);
	assert_string_equal(ev->shipment, ev->tracking);
	assert_non_null(ev->carrier);
	assert_true(ev->ship_status != ORDEX_SHIP_NONE);
	assert_true(strncmp(ev->id, "tracking/", 9) == 0);
}

static void feed(struct walk_tally *t, const char *file, const struct ordex_json *payload)
{
	adapt(payload);
	for (size_t i = 0; i < out.n; i++)
		check_event_fields(&evs[i]);
	walk_expect(expected, ORDEX_ARRAY_LEN(expected), file, &out);
	walk_count(t, &out);
}

/* One payload, or each tracking of a list response, or each element of an array. */
static void walk(struct walk_tally *t, const char *file, const struct ordex_json *n)
{
	const struct ordex_json *list = ordex_adapter_path(n, "data.trackings");
	if (n->type == ORDEX_JSON_ARRAY) {
		for (const struct ordex_json *c = n->child; c; c = c->next)
			walk(t, file, c);
	} else if (list && list->type == ORDEX_JSON_ARRAY) {
		for (const struct ordex_json *c = list->child; c; c = c->next)
			feed(t, file, c);
	} else {
		feed(t, file, n);
	}
}

static void test_every_shared_payload_has_one_outcome_and_valid_events(void **state)
{
	(void)state;
	walk_provider("aftership", walk);
}

/* ---- the samples ------------------------------------------------------- */

static void test_delivered_tracking_has_time_place_and_message(void **state)
{
	(void)state;
	adapt(listed(0));
	assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(out.kind, "tracking");
	assert_null(out.event_id);
	assert_int_equal(out.n, 1);
	const struct ordex_event *ev = &evs[0];
	assert_string_equal(
	    ev->id, "tracking/5b74f4958776db0e00b6f5ed/Delivered@2018-08-16T03:50:54+00:00");
	assert_string_equal(ev->shipment, "1111111111111");
	assert_string_equal(ev->tracking, "1111111111111");
	assert_string_equal(ev->carrier, "fedex");
	assert_int_equal(ev->ship_status, ORDEX_SHIP_DELIVERED);
	/* the Delivered checkpoint, not shipment_delivery_date (no offset) */
	assert_int_equal(ev->delivered_at.us, us_of("2018-08-01T13:19:47-04:00"));
	assert_int_equal(ev->occurred.us, us_of("2018-08-01T13:19:47-04:00"));
	assert_int_equal(ev->occurred.offset_min, -240);
	assert_string_equal(ev->location, "Deal, NJ");
	assert_string_equal(ev->reason,
	                    "Delivered - Left at front door. Signature Service not requested.");
	assert_false(ev->eta.set);
	assert_null(ev->order);
}

static void test_expired_tracking_is_an_exception_at_its_update(void **state)
{
	(void)state;
	adapt(listed(1));
	assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
	const struct ordex_event *ev = &evs[0];
	assert_string_equal(ev->shipment, "2222222222222");
	assert_string_equal(ev->carrier, "ups");
	assert_int_equal(ev->ship_status, ORDEX_SHIP_EXCEPTION);
	assert_string_equal(ev->reason, "tracking expired with no final status from the carrier");
	assert_int_equal(ev->occurred.us, us_of("2018-06-22T07:21:57+00:00"));
	assert_null(ev->location);
}

static void test_pending_tracking_is_a_label(void **state)
{
	(void)state;
	adapt(load("post_trackings.json"));
	assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
	const struct ordex_event *ev = &evs[0];
	assert_int_equal(ev->ship_status, ORDEX_SHIP_LABEL_CREATED);
	assert_string_equal(ev->id,
	                    "tracking/5b766a5cc7c33c0e007de3c9/Pending@2018-08-17T06:25:32+00:00");
	assert_int_equal(ev->occurred.us, us_of("2018-08-17T06:25:32+00:00"));
	/* order_promised_delivery_date is the merchant's promise, not an estimate */
	assert_false(ev->eta.set);
	assert_null(ev->reason);
}

/* The same tracking bare, in a list response and in a webhook: the same bytes. */
static void test_tracking_gives_the_same_event_however_it_comes(void **state)
{
	(void)state;
	const char *bare[3];
	for (size_t i = 0; i < 3; i++) {
		adapt(listed(i));
		bare[i] = out.events[0];
	}
	adapt(load("get_trackings.json"));
	assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(out.kind, "tracking");
	assert_int_equal(out.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(out.events[i], bare[i]);

	adapt(wrap("{\"event\":\"tracking_update\",\"event_id\":\"ev-9f1c\","
	           "\"is_tracking_first_tag\":false,\"msg\":",
	           listed(0), ",\"ts\":1533144000}"));
	assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(out.event_id, "ev-9f1c");
	assert_string_equal(out.events[0], bare[0]);

	adapt(wrap("{\"meta\":{\"code\":200},\"data\":{\"tracking\":", listed(1), "}}"));
	assert_string_equal(out.events[0], bare[1]);
}

/* ---- every tag, hand-written ------------------------------------------- */

/*
 * A tracking whose latest checkpoint (11:30-05:00) has tag cp and message
 * msg; extra adds members.
 */
static const char *tracking(const char *tag, const char *subtag, const char *submsg, const char *cp,
                            const char *msg, const char *extra)
{
	return ordex_arena_printf(
	    arena,
	    "{'id':'at_1','tracking_number':'1Z999AA10123456784','slug':'ups','tag':'%s',"
	    "'subtag':'%s','subtag_message':'%s','created_at':'2025-05-01T10:00:00+00:00',"
	    "'updated_at':'2025-05-03T17:00:00+00:00','emails':['a@example.com']%s,"
	    "'checkpoints':[{'tag':'InfoReceived','subtag':'InfoReceived_001','message':"
	    "'Label created','checkpoint_time':'2025-05-01T06:00:00-04:00','location':"
	    "'NEW YORK, NY'},{'tag':'%s','message':'%s','checkpoint_time':"
	    "'2025-05-03T11:30:00-05:00','city':'MEMPHIS','state':'TN','country_name':'USA',"
	    "'location':null}]}",
	    tag, subtag, submsg, extra, cp, msg);
}

static void test_every_tag_and_subtag_has_its_canonical_status(void **state)
{
	(void)state;
	static const struct {
		const char *tag, *subtag, *submsg, *msg;
		enum ordex_ship_status want;
		const char *reason;
	} cases[] = {
	    {"Pending", "Pending_001", "Pending", "Awaiting carrier", ORDEX_SHIP_LABEL_CREATED,
	     "Awaiting carrier"},
	    {"InfoReceived", "InfoReceived_001", "Info Received", "Label created",
	     ORDEX_SHIP_LABEL_CREATED, "Label created"},
	    {"InTransit", "InTransit_007", "Departure Scan", "Departed facility",
	     ORDEX_SHIP_IN_TRANSIT, "Departed facility"},
	    {"OutForDelivery", "OutForDelivery_001", "Out for Delivery", "Out for delivery",
	     ORDEX_SHIP_OUT_FOR_DELIVERY, "Out for delivery"},
	    {"AttemptFail", "AttemptFail_001", "Failed Attempt", "Customer not available",
	     ORDEX_SHIP_FAILED_ATTEMPT, "Failed Attempt: Customer not available"},
	    {"Delivered", "Delivered_001", "Delivered", "Delivered to front porch",
	     ORDEX_SHIP_DELIVERED, "Delivered to front porch"},
	    {"AvailableForPickup", "AvailableForPickup_001", "Available for pickup",
	     "Held at UPS Access Point", ORDEX_SHIP_FAILED_ATTEMPT,
	     "Available for pickup: Held at UPS Access Point"},
	    {"Exception", "Exception_001", "Exception", "Weather delay", ORDEX_SHIP_EXCEPTION,
	     "Exception: Weather delay"},
	    {"Exception", "Exception_007", "Incorrect Address", "Address incomplete",
	     ORDEX_SHIP_EXCEPTION, "Incorrect Address: Address incomplete"},
	    {"Exception", "Exception_010", "Returning to sender", "Returning to shipper",
	     ORDEX_SHIP_RETURNED, "Returning to sender: Returning to shipper"},
	    {"Exception", "Exception_011", "Returned to sender", "Returned to shipper",
	     ORDEX_SHIP_RETURNED, "Returned to sender: Returned to shipper"},
	    {"Exception", "Exception_012", "Shipment damage", "Package damaged",
	     ORDEX_SHIP_EXCEPTION, "Shipment damage: Package damaged"},
	    {"Exception", "Exception_013", "Shipment lost", "Package cannot be located",
	     ORDEX_SHIP_LOST, "Shipment lost: Package cannot be located"},
	};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(cases); i++) {
		adapt_text(tracking(cases[i].tag, cases[i].subtag, cases[i].submsg, cases[i].tag,
		                    cases[i].msg, ",'expected_delivery':'2025-05-06'"));
		assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
		assert_int_equal(out.n, 1);
		const struct ordex_event *ev = &evs[0];
		if (ev->ship_status != cases[i].want)
			print_message("%s %s: got %s\n", cases[i].tag, cases[i].subtag,
			              ordex_ship_status_name(ev->ship_status));
		assert_int_equal(ev->ship_status, cases[i].want);
		assert_string_equal(ev->reason, cases[i].reason);
		assert_string_equal(ev->shipment, "1Z999AA10123456784");
		assert_string_equal(ev->carrier, "ups");
		assert_null(ev->order);
		assert_string_equal(ev->location, "MEMPHIS, TN, USA");
		assert_int_equal(ev->occurred.us, us_of("2025-05-03T16:30:00Z"));
		assert_true(ev->eta.set && ev->eta.date_only);
		assert_string_equal(
		    ev->id, ordex_arena_printf(arena, "tracking/at_1/%s@2025-05-03T17:00:00+00:00",
		                               cases[i].tag));
		if (cases[i].want == ORDEX_SHIP_DELIVERED)
			assert_int_equal(ev->delivered_at.us, us_of("2025-05-03T16:30:00Z"));
		else
			assert_false(ev->delivered_at.set);
	}

	adapt_text(tracking("Expired", "Expired_001", "Expired", "InTransit", "Departed", ""));
	assert_int_equal(evs[0].ship_status, ORDEX_SHIP_EXCEPTION);
	assert_string_equal(evs[0].reason,
	                    "tracking expired with no final status from the carrier");
	assert_int_equal(evs[0].occurred.us, us_of("2025-05-03T17:00:00Z"));

	adapt_text(tracking("Teleported", "x", "x", "Teleported", "m", ",'order_number':'#55'"));
	assert_int_equal(out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_true(has_problem_at(&out, "tag"));
	assert_string_equal(out.order, "55");
}

/* Once a checkpoint said return to sender, Delivered is delivered to the sender. */
static void test_return_to_sender_wins_over_later_tags(void **state)
{
	(void)state;
	adapt_text(tracking("Delivered", "Delivered_001", "Delivered", "Delivered",
	                    "Delivered to shipper", ",'return_to_sender':true"));
	assert_int_equal(evs[0].ship_status, ORDEX_SHIP_RETURNED);
	assert_string_equal(evs[0].reason, "delivered back to the sender: Delivered to shipper");
	assert_false(evs[0].delivered_at.set);

	adapt_text(tracking("InTransit", "InTransit_007", "Departure Scan", "InTransit",
	                    "Departed facility", ",'return_to_sender':true"));
	assert_int_equal(evs[0].ship_status, ORDEX_SHIP_RETURNED);
	assert_string_equal(evs[0].reason, "returning to sender: Departed facility");
}

static void test_estimates_become_eta(void **state)
{
	(void)state;
	static const struct {
		const char *extra;
		const char *eta; /* NULL: none */
		bool date_only;
	} cases[] = {
	    {",'expected_delivery':'2025-05-06'", "2025-05-06", true},
	    {",'expected_delivery':'2025-05-06T10:00:00'", "2025-05-06", true},
	    {",'expected_delivery':'2025-05-06T10:00:00+02:00'", "2025-05-06T10:00:00+02:00",
	     false},
	    {",'expected_delivery':null,'aftership_estimated_delivery_date':"
	     "{'estimated_delivery_date':'2025-05-07','confidence_score':null}",
	     "2025-05-07", true},
	    {",'expected_delivery':'soon'", NULL, false},
	    {",'expected_delivery':'2025-02-30'", NULL, false},
	    {",'expected_delivery':'2025-05-06X'", NULL, false},
	};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(cases); i++) {
		adapt_text(tracking("InTransit", "InTransit_001", "In Transit", "InTransit", "m",
		                    cases[i].extra));
		const struct ordex_event *ev = &evs[0];
		if (!cases[i].eta) {
			assert_false(ev->eta.set);
			continue;
		}
		assert_true(ev->eta.set);
		assert_int_equal(ev->eta.date_only, cases[i].date_only);
		if (cases[i].date_only) {
			/* the end of that day at the offset of occurred_at (-05:00) */
			const char *end =
			    ordex_arena_printf(arena, "%sT23:59:59.999999-05:00", cases[i].eta);
			assert_int_equal(ev->eta.us, us_of(end));
		} else {
			assert_int_equal(ev->eta.us, us_of(cases[i].eta));
		}
	}
}

static void test_order_reference_links_the_order(void **state)
{
	(void)state;
	static const struct {
		const char *extra;
		const char *order, *alias;
	} cases[] = {
	    {",'order_number':'#1001'", "1001", NULL},
	    {",'order_id':'1001','source':'api'", "1001", NULL},
	    {",'order_id':'#A-7','source':'web'", "A-7", NULL},
	    {",'order_id':'5678901234','source':'shopify'", NULL, "5678901234"},
	    {",'order_id':'5678901234','source':'api','order_id_path':"
	     "'https://shop.myshopify.com/admin/orders/5678901234'",
	     NULL, "5678901234"},
	    {",'order_id':'5678901234','source':'api'", "5678901234", NULL},
	    {",'order_id':'5678901234','order_number':'#1002','source':'shopify'", "1002", NULL},
	    {",'order_id':null,'order_number':''", NULL, NULL},
	};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(cases); i++) {
		adapt_text(tracking("InTransit", "InTransit_001", "In Transit", "InTransit", "m",
		                    cases[i].extra));
		const struct ordex_event *ev = &evs[0];
		if (cases[i].order)
			assert_string_equal(ev->order, cases[i].order);
		else
			assert_null(ev->order);
		if (cases[i].alias) {
			assert_string_equal(ev->order_alias.source, "shopify");
			assert_string_equal(ev->order_alias.id, cases[i].alias);
		} else {
			assert_null(ev->order_alias.source);
		}
	}
}

/* ---- what is not about orders, and what cannot be mapped --------------- */

static void test_errors_couriers_and_deletions_are_ignored(void **state)
{
	(void)state;
	static const struct {
		const char *file, *kind, *says;
	} cases[] = {
	    {"error_created_tracking_number_is_failed.json", "error",
	     "meta.code 4003: Tracking number already exists."},
	    {"error_invalid_api_key.json", "error", "meta.code 401: Invalid API Key."},
	    {"error_server_is_down.json", "error", "meta.code 500"},
	    {"post_couriers_detect.json", "courier", "couriers"},
	    {"delete_trackings.json", "tracking", "delete"},
	};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(cases); i++) {
		adapt(load(cases[i].file));
		assert_int_equal(out.outcome, ORDEX_ADAPT_IGNORED);
		assert_string_equal(out.kind, cases[i].kind);
		if (!strstr(out.ignored_why, cases[i].says))
			print_message("%s: \"%s\"\n", cases[i].file, out.ignored_why);
		assert_non_null(strstr(out.ignored_why, cases[i].says));
	}
}

static void test_unusable_payloads_are_incomplete_with_the_field(void **state)
{
	(void)state;
	adapt_text("{'event':'tracking_update','event_id':'e1','ts':1533144000}");
	assert_int_equal(out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(out.event_id, "e1");
	assert_true(has_problem_at(&out, "msg"));

	adapt_text("{'event':'tracking_update','msg':{'tag':'InTransit','order_id':'9'}}");
	assert_int_equal(out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_true(has_problem_at(&out, "msg.tracking_number"));
	assert_string_equal(out.order, "9");

	adapt_text("{'meta':{'code':200},'data':{'trackings':[{'tracking_number':'A','slug':'dhl',"
	           "'tag':'InTransit','updated_at':'2025-01-01T00:00:00Z'},"
	           "{'tracking_number':'B','tag':'Bogus','order_number':'77'},7]}}");
	assert_int_equal(out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_int_equal(out.n, 1);
	assert_string_equal(evs[0].shipment, "A");
	assert_string_equal(out.order, "77");
	assert_true(has_problem_at(&out, "data.trackings[1].tag"));
	assert_true(has_problem_at(&out, "data.trackings[2]"));
}

/* With no time in the tracking, the webhook's ts, then the time of receipt. */
static void test_time_falls_back_to_ts_then_receipt(void **state)
{
	(void)state;
	adapt_text("{'event':'tracking_update','msg':{'tracking_number':'A','tag':'InTransit'},"
	           "'ts':1533144000}");
	assert_int_equal(evs[0].occurred.us, INT64_C(1533144000000000));
	adapt_text("{'tracking_number':'A','tag':'InTransit'}");
	assert_int_equal(evs[0].occurred.us, us_of(RECEIVED));
	assert_string_equal(evs[0].id, "tracking/A/InTransit@" RECEIVED);
}

static void test_odd_shapes_end_in_one_outcome(void **state)
{
	(void)state;
	static const char *const docs[] = {
	    "[]",
	    "null",
	    "'tracking'",
	    "{}",
	    "{'event':'tracking_update','msg':7}",
	    "{'event':'tracking_update','msg':{}}",
	    "{'event':'something_else'}",
	    "{'event':5,'msg':{'tag':5}}",
	    "{'meta':7}",
	    "{'meta':{'code':'200'},'data':{}}",
	    "{'meta':{'code':200.5}}",
	    "{'meta':{'code':200},'data':{'trackings':[]}}",
	    "{'meta':{'code':200},'data':{'trackings':{}}}",
	    "{'meta':{'code':200},'data':{'tracking':[]}}",
	    "{'meta':{'code':200},'data':{'tracking':{'tracking_number':'A'}}}",
	    "{'data':{'tracking':{'tracking_number':'A','tag':'Delivered','checkpoints':"
	    "[1,{'tag':'Delivered','checkpoint_time':'2025-01-01T00:00:00'},{'tag':null}]}}}",
	    "{'tracking_number':'','tag':''}",
	    "{'tracking_number':12,'tag':'Delivered','shipment_delivery_date':"
	    "'2025-01-01T10:00:00Z','checkpoints':'none','expected_delivery':7,"
	    "'aftership_estimated_delivery_date':'x','return_to_sender':'yes',"
	    "'order_id':'','source':null}",
	    "{'tracking_number':'A','tag':'Exception','subtag':null,'subtag_message':'',"
	    "'checkpoints':[{'tag':'Exception','message':'','location':'','city':'',"
	    "'country_iso3':'USA','checkpoint_time':'2025-01-01T00:00:00+09:00'}]}",
	};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(docs); i++) {
		adapt_text(docs[i]);
		print_message("  %-60.60s %-9s %s\n", docs[i], out.kind, outcome_name(out.outcome));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_every_shared_payload_has_one_outcome_and_valid_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delivered_tracking_has_time_place_and_message,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expired_tracking_is_an_exception_at_its_update,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pending_tracking_is_a_label, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tracking_gives_the_same_event_however_it_comes,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_every_tag_and_subtag_has_its_canonical_status,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_return_to_sender_wins_over_later_tags, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_estimates_become_eta, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_order_reference_links_the_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors_couriers_and_deletions_are_ignored, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_unusable_payloads_are_incomplete_with_the_field,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_time_falls_back_to_ts_then_receipt, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_odd_shapes_end_in_one_outcome, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
