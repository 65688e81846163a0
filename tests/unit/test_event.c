/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_event.c - validation of canonical events: every type accepted with
 * its typed fields (money in minor units, times with their offsets, dates
 * as the end of a day), and every kind of rejection with the field's path
 * and the reason, all problems of a document reported together.
 *
 * Documents are written with single quotes for readability; doc() turns
 * them into double quotes before parsing. The raw bytes handed to the
 * validator are exactly what was parsed.
 */
#include "testutil.h"

#include <inttypes.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "ingest/event.h"

#define OCCURRED "'occurred_at':'2025-03-01T10:00:00-05:00'"
/* 2025-03-01T15:00:00Z */
#define OCCURRED_US INT64_C(1740841200000000)
#define ENV(type)   "'id':'evt_1','source':'shopify','type':'" type "'," OCCURRED

static struct ordex_arena *arena;
static struct ordex_event ev;
static struct ordex_problems probs;

static int setup(void **state)
{
	(void)state;
	arena = ordex_arena_new(4096);
	memset(&ev, 0, sizeof(ev));
	memset(&probs, 0, sizeof(probs));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ordex_arena_free(arena);
	arena = NULL;
	return 0;
}

static void show_problems(void)
{
	for (int i = 0; i < probs.n; i++)
		print_message("  problem: \"%s\" %s\n", probs.items[i].field,
		              probs.items[i].reason);
}

/* Parses and validates n bytes at raw; returns what the validator returned. */
static int validate_raw(const char *raw, size_t n)
{
	struct ordex_json *root = NULL;
	struct ordex_json_error err;
	int rc = ordex_json_parse(arena, raw, n, NULL, &root, &err);

	if (rc)
		print_message("parse failed: %s (path \"%s\")\n", err.msg, err.path);
	assert_int_equal(rc, ORDEX_OK);
	memset(&probs, 0, sizeof(probs));
	return ordex_event_validate(arena, root, raw, n, &ev, &probs);
}

/* s with every ' turned into ", in the arena. */
static const char *doc(const char *s)
{
	char *d = ordex_arena_strdup(arena, s);
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static int validate(const char *s)
{
	const char *d = doc(s);
	return validate_raw(d, strlen(d));
}

static void accepted(const char *s)
{
	int rc = validate(s);
	if (rc != ORDEX_OK)
		show_problems();
	assert_int_equal(rc, ORDEX_OK);
	assert_int_equal(probs.n, 0);
}

static void rejected(const char *s)
{
	assert_int_equal(validate(s), ORDEX_E_INVAL);
	assert_true(probs.n > 0);
}

/* Asserts that one of the problems is exactly field and reason. */
static void has_problem(const char *field, const char *reason)
{
	for (int i = 0; i < probs.n; i++)
		if (!strcmp(probs.items[i].field, field) && !strcmp(probs.items[i].reason, reason))
			return;
	print_message("no problem \"%s\" %s among:\n", field, reason);
	show_problems();
	fail();
}

static void has_problems(int n)
{
	if (probs.n != n)
		show_problems();
	assert_int_equal(probs.n, n);
	assert_int_equal(probs.dropped, 0);
}

/* A rejection with exactly one problem. */
static void rejected_one(const char *s, const char *field, const char *reason)
{
	rejected(s);
	has_problem(field, reason);
	has_problems(1);
}

/* ---- accepted: the envelope ---- */

static void test_envelope_fields_are_extracted(void **state)
{
	(void)state;
	accepted("{" ENV("order.cancelled") ",'order':'1001','data':{'reason':'customer asked'}}");
	assert_string_equal(ev.id, "evt_1");
	assert_string_equal(ev.source, "shopify");
	assert_string_equal(ev.type_name, "order.cancelled");
	assert_int_equal(ev.type, ORDEX_EV_ORDER_CANCELLED);
	assert_string_equal(ev.order, "1001");
	assert_string_equal(ev.reason, "customer asked");
}

static void test_occurred_at_keeps_its_offset(void **state)
{
	(void)state;
	accepted("{" ENV("customer.updated") ",'data':{'customer':'c1'}}");
	assert_true(ev.occurred.set);
	assert_false(ev.occurred.date_only);
	assert_int_equal(ev.occurred.us, OCCURRED_US);
	assert_int_equal(ev.occurred.offset_min, -300);
}

static void test_occurred_at_in_utc_has_offset_zero(void **state)
{
	(void)state;
	accepted("{'id':'e','source':'oms','type':'customer.updated',"
	         "'occurred_at':'2025-03-01T15:00:00.5Z','data':{'customer':'c1'}}");
	assert_int_equal(ev.occurred.us, OCCURRED_US + 500000);
	assert_int_equal(ev.occurred.offset_min, 0);
}

static void test_defaults_when_fields_are_absent(void **state)
{
	(void)state;
	accepted("{" ENV("order.created") ",'order':'1001'}");
	assert_int_equal(ev.version, -1);
	assert_int_equal(ev.risk_score, -1);
	assert_false(ev.total.set);
	assert_false(ev.lines_set);
	assert_false(ev.promised.set);
	assert_int_equal(ev.address_state, 0);
	assert_string_equal(ev.currency, "");
}

static void test_source_allows_lower_case_digits_and_punctuation(void **state)
{
	(void)state;
	accepted("{'id':'e','source':'wms-eu_2.b','type':'customer.updated'," OCCURRED
	         ",'data':{'customer':'c1'}}");
	assert_string_equal(ev.source, "wms-eu_2.b");
}

static void test_every_type_name_round_trips(void **state)
{
	(void)state;
	for (int t = 1; t < ORDEX_EV_COUNT; t++) {
		const char *name = ordex_event_type_name((enum ordex_event_type)t);
		assert_true(strlen(name) > 0);
		assert_int_equal(ordex_event_type_from_name(name), t);
	}
	assert_int_equal(ordex_event_type_from_name(""), ORDEX_EV_UNKNOWN);
	assert_int_equal(ordex_event_type_from_name("Order.Created"), ORDEX_EV_UNKNOWN);
	assert_string_equal(ordex_event_type_name(ORDEX_EV_UNKNOWN), "unknown");
	assert_string_equal(ordex_event_type_name(ORDEX_EV_COUNT), "unknown");
}

static void test_raw_bytes_and_their_sha256_are_kept(void **state)
{
	(void)state;
	static const unsigned char want[32] = {
	    0xca, 0x17, 0x84, 0x88, 0x2c, 0x6a, 0x97, 0x14, 0xa3, 0xa8, 0x9d,
	    0x1e, 0x76, 0xd3, 0x8a, 0x25, 0x2e, 0x55, 0x9a, 0xbe, 0x3c, 0x17,
	    0x01, 0x8a, 0x42, 0xda, 0xc7, 0xd3, 0x7b, 0xf6, 0x1d, 0x7f,
	};
	const char *raw =
	    "{\"id\":\"e1\",\"source\":\"oms\",\"type\":\"customer.updated\","
	    "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"data\":{\"customer\":\"c1\"}}";

	assert_int_equal(validate_raw(raw, strlen(raw)), ORDEX_OK);
	assert_ptr_equal(ev.raw, raw);
	assert_int_equal(ev.raw_len, strlen(raw));
	assert_memory_equal(ev.sha256, want, 32);
}

static void test_sha256_is_of_the_bytes_not_the_document(void **state)
{
	(void)state;
	unsigned char first[32];

	accepted("{" ENV("customer.updated") ",'data':{'customer':'c1'}}");
	memcpy(first, ev.sha256, 32);
	accepted("{ " ENV("customer.updated") ", 'data': {'customer': 'c1'} }");
	assert_memory_not_equal(first, ev.sha256, 32);
}

/* ---- accepted: orders ---- */

static void test_order_created_extracts_typed_fields(void **state)
{
	(void)state;
	accepted(
	    "{" ENV("order.created") ",'order':'1001','data':{"
	                             "'version':3,'status':'open','financial_status':'paid',"
	                             "'customer':'cus_9','email':'a@example.com','currency':'USD',"
	                             "'total':'50.00','updated_at':'2025-03-01T09:00:00+01:00',"
	                             "'lines':[{'id':'l1','sku':'SKU-1','qty':2,'price':'20.00'},"
	                             "{'sku':'SKU-2','qty':1,'price':10}],"
	                             "'shipping_address':{'line1':'1 Main St','city':'Springfield',"
	                             "'country':'US'}}}");
	assert_int_equal(ev.type, ORDEX_EV_ORDER_CREATED);
	assert_int_equal(ev.version, 3);
	assert_string_equal(ev.status, "open");
	assert_string_equal(ev.financial_status, "paid");
	assert_string_equal(ev.customer, "cus_9");
	assert_string_equal(ev.email, "a@example.com");
	assert_string_equal(ev.currency, "USD");
	assert_true(ev.total.set);
	assert_int_equal(ev.total.minor, 5000);
	assert_true(ev.updated_at.set);
	assert_int_equal(ev.updated_at.offset_min, 60);
	assert_int_equal(ev.updated_at.us, OCCURRED_US - 7 * INT64_C(3600000000));
	assert_true(ev.lines_set);
	assert_int_equal(ev.n_lines, 2);
	assert_string_equal(ev.lines[0].ref, "l1");
	assert_string_equal(ev.lines[0].sku, "SKU-1");
	assert_int_equal(ev.lines[0].qty, 2);
	assert_true(ev.lines[0].price.set);
	assert_int_equal(ev.lines[0].price.minor, 2000);
	assert_null(ev.lines[1].ref);
	assert_string_equal(ev.lines[1].sku, "SKU-2");
	assert_int_equal(ev.lines[1].qty, 1);
	assert_int_equal(ev.lines[1].price.minor, 1000);
	assert_int_equal(ev.address_state, 1);
}

static void test_order_updated_is_validated_like_order_created(void **state)
{
	(void)state;
	accepted("{" ENV("order.updated") ",'order':'1001','data':{'version':4,"
	                                  "'currency':'EUR','total':'12.5'}}");
	assert_int_equal(ev.type, ORDEX_EV_ORDER_UPDATED);
	assert_int_equal(ev.version, 4);
	assert_int_equal(ev.total.minor, 1250);
}

static void test_order_total_in_jpy_has_no_minor_digits(void **state)
{
	(void)state;
	accepted("{" ENV("order.created") ",'order':'1','data':{'currency':'JPY','total':'500'}}");
	assert_int_equal(ev.total.minor, 500);
}

static void test_order_total_in_kwd_has_three_minor_digits(void **state)
{
	(void)state;
	accepted(
	    "{" ENV("order.created") ",'order':'1','data':{'currency':'KWD','total':'1.234'}}");
	assert_int_equal(ev.total.minor, 1234);
}

static void test_order_with_empty_lines_array(void **state)
{
	(void)state;
	accepted("{" ENV("order.created") ",'order':'1','data':{'lines':[]}}");
	assert_true(ev.lines_set);
	assert_int_equal(ev.n_lines, 0);
}

static void test_promised_date_is_end_of_day_in_order_time_zone(void **state)
{
	(void)state;
	accepted("{" ENV("order.created") ",'order':'1','data':{"
	                                  "'promised_at':'2018-04-18','time_zone':'-03:00'}}");
	assert_true(ev.tz_set);
	assert_int_equal(ev.tz_offset_min, -180);
	assert_true(ev.promised.set);
	assert_true(ev.promised.date_only);
	assert_int_equal(ev.promised.offset_min, -180);
	/* 2018-04-18T23:59:59.999999-03:00 is 2018-04-19T02:59:59.999999Z */
	assert_int_equal(ev.promised.us, INT64_C(1524106799999999));
}

static void test_promised_date_without_time_zone_uses_occurred_offset(void **state)
{
	(void)state;
	accepted("{" ENV("order.created") ",'order':'1','data':{'promised_at':'2018-04-18'}}");
	assert_false(ev.tz_set);
	assert_true(ev.promised.date_only);
	assert_int_equal(ev.promised.offset_min, -300);
	/* 2018-04-18T23:59:59.999999-05:00 */
	assert_int_equal(ev.promised.us, INT64_C(1524106799999999) + 2 * INT64_C(3600000000));
}

static void test_promised_time_keeps_its_own_offset(void **state)
{
	(void)state;
	accepted("{" ENV(
	    "order.created") ",'order':'1','data':{"
	                     "'promised_at':'2025-03-01T17:00:00+02:00','time_zone':'-03:00'}}");
	assert_true(ev.promised.set);
	assert_false(ev.promised.date_only);
	assert_int_equal(ev.promised.offset_min, 120);
	assert_int_equal(ev.promised.us, OCCURRED_US);
}

static void test_shipping_address_null_is_missing_not_rejected(void **state)
{
	(void)state;
	accepted("{" ENV("order.created") ",'order':'1','data':{'shipping_address':null}}");
	assert_int_equal(ev.address_state, -1);
	assert_string_equal(ev.address_why, "the order has no shipping address");
}

static void test_shipping_address_without_city_is_missing(void **state)
{
	(void)state;
	accepted("{" ENV("order.created") ",'order':'1','data':{'shipping_address':"
	                                  "{'line1':'1 Main St','city':'','country':'US'}}}");
	assert_int_equal(ev.address_state, -1);
	assert_string_equal(ev.address_why, "the shipping address has no city");
}

static void test_shipping_address_without_country_is_missing(void **state)
{
	(void)state;
	accepted("{" ENV("order.created") ",'order':'1','data':{'shipping_address':"
	                                  "{'line1':'1 Main St','city':'X','country':null}}}");
	assert_int_equal(ev.address_state, -1);
	assert_string_equal(ev.address_why, "the shipping address has no country");
}

/* ---- accepted: payments ---- */

static void test_payment_authorized_amount_in_cents(void **state)
{
	(void)state;
	accepted("{" ENV("payment.authorized") ",'order':'1001','data':{'payment':'pi_1',"
	                                       "'amount':'50.00','currency':'USD','risk':{'"
	                                       "decision':'allow','score':12}}}");
	assert_int_equal(ev.type, ORDEX_EV_PAYMENT_AUTHORIZED);
	assert_string_equal(ev.payment, "pi_1");
	assert_string_equal(ev.currency, "USD");
	assert_true(ev.amount.set);
	assert_int_equal(ev.amount.minor, 5000);
	assert_string_equal(ev.risk_decision, "allow");
	assert_int_equal(ev.risk_score, 12);
}

static void test_payment_captured_amount_in_yen(void **state)
{
	(void)state;
	accepted("{" ENV("payment.captured") ",'data':{'payment':'pi_1','amount':'500',"
	                                     "'currency':'JPY'}}");
	assert_int_equal(ev.type, ORDEX_EV_PAYMENT_CAPTURED);
	assert_null(ev.order);
	assert_int_equal(ev.amount.minor, 500);
}

static void test_payment_refunded_amount_in_fils(void **state)
{
	(void)state;
	accepted("{" ENV("payment.refunded") ",'data':{'payment':'pi_1','refund':'re_1',"
	                                     "'amount':'1.234','currency':'KWD'}}");
	assert_int_equal(ev.type, ORDEX_EV_PAYMENT_REFUNDED);
	assert_string_equal(ev.refund, "re_1");
	assert_int_equal(ev.amount.minor, 1234);
}

static void test_payment_disputed_with_reason(void **state)
{
	(void)state;
	accepted("{" ENV("payment.disputed") ",'data':{'payment':'pi_1','amount':'9.99',"
	                                     "'currency':'GBP','reason':'fraudulent'}}");
	assert_int_equal(ev.type, ORDEX_EV_PAYMENT_DISPUTED);
	assert_int_equal(ev.amount.minor, 999);
	assert_string_equal(ev.reason, "fraudulent");
}

static void test_payment_amount_as_json_number(void **state)
{
	(void)state;
	accepted("{" ENV("payment.captured") ",'data':{'payment':'pi_1','amount':50.5,"
	                                     "'currency':'USD'}}");
	assert_int_equal(ev.amount.minor, 5050);
}

static void test_payment_states_without_amount(void **state)
{
	(void)state;
	static const char *const types[] = {"payment.pending", "payment.requires_action",
	                                    "payment.failed"};
	static const enum ordex_event_type want[] = {
	    ORDEX_EV_PAYMENT_PENDING, ORDEX_EV_PAYMENT_REQUIRES_ACTION, ORDEX_EV_PAYMENT_FAILED};
	for (size_t i = 0; i < 3; i++) {
		const char *s =
		    ordex_arena_printf(arena,
		                       "{'id':'e','source':'stripe','type':'%s'," OCCURRED
		                       ",'data':{'payment':'pi_1','reason':'card_declined'}}",
		                       types[i]);
		accepted(s);
		assert_int_equal(ev.type, want[i]);
		assert_false(ev.amount.set);
		assert_string_equal(ev.reason, "card_declined");
	}
}

/* ---- accepted: the other types ---- */

static void test_fraud_signal_extracts_score_recommendation_severity(void **state)
{
	(void)state;
	accepted("{" ENV(
	    "fraud.signal") ",'order':'1001','data':{'score':87,"
	                    "'recommendation':'investigate','severity':'high','kind':'velocity'}}");
	assert_int_equal(ev.type, ORDEX_EV_FRAUD_SIGNAL);
	assert_int_equal(ev.risk_score, 87);
	assert_int_equal(ev.fraud_rec, ORDEX_FRAUD_INVESTIGATE);
	assert_string_equal(ev.severity, "high");
	assert_string_equal(ev.signal_kind, "velocity");
}

static void test_fraud_signal_with_only_a_recommendation(void **state)
{
	(void)state;
	accepted("{" ENV("fraud.signal") ",'order':'1','data':{'recommendation':'cancel'}}");
	assert_int_equal(ev.fraud_rec, ORDEX_FRAUD_CANCEL);
	assert_int_equal(ev.risk_score, -1);
	assert_null(ev.severity);
}

static void test_fraud_signal_with_only_score_zero(void **state)
{
	(void)state;
	accepted("{" ENV("fraud.signal") ",'order':'1','data':{'score':0}}");
	assert_int_equal(ev.risk_score, 0);
	assert_int_equal(ev.fraud_rec, ORDEX_FRAUD_NONE);
}

static void test_inventory_level_extracts_sku_location_available(void **state)
{
	(void)state;
	accepted("{" ENV("inventory.level") ",'data':{'sku':'SKU-1','location':'wh-1',"
	                                    "'available':-3}}");
	assert_int_equal(ev.type, ORDEX_EV_INVENTORY_LEVEL);
	assert_string_equal(ev.sku, "SKU-1");
	assert_string_equal(ev.location, "wh-1");
	assert_int_equal(ev.available, -3);
}

static void test_shipment_created_defaults_to_label_created(void **state)
{
	(void)state;
	accepted("{" ENV("shipment.created") ",'order':'1','data':{'shipment':'shp_1',"
	                                     "'carrier':'ups','tracking':'1Z999'}}");
	assert_int_equal(ev.type, ORDEX_EV_SHIPMENT_CREATED);
	assert_string_equal(ev.shipment, "shp_1");
	assert_int_equal(ev.ship_status, ORDEX_SHIP_LABEL_CREATED);
	assert_string_equal(ev.carrier, "ups");
	assert_string_equal(ev.tracking, "1Z999");
}

static void test_shipment_updated_accepts_every_status(void **state)
{
	(void)state;
	for (int s = ORDEX_SHIP_LABEL_CREATED; s <= ORDEX_SHIP_LOST; s++) {
		const char *name = ordex_ship_status_name((enum ordex_ship_status)s);
		accepted(ordex_arena_printf(
		    arena,
		    "{" ENV("shipment.updated") ",'data':{'shipment':'shp_1','status':'%s'}}",
		    name));
		assert_int_equal(ev.ship_status, s);
	}
}

static void test_shipment_eta_date_and_delivered_time(void **state)
{
	(void)state;
	accepted("{" ENV("shipment.updated") ",'data':{'shipment':'shp_1','status':'delivered',"
	                                     "'location':'Porch','eta':'2018-04-18',"
	                                     "'delivered_at':'2025-03-01T12:00:00-03:00'}}");
	assert_int_equal(ev.ship_status, ORDEX_SHIP_DELIVERED);
	assert_string_equal(ev.location, "Porch");
	assert_true(ev.eta.date_only);
	assert_int_equal(ev.eta.offset_min, -300);
	assert_true(ev.delivered_at.set);
	assert_int_equal(ev.delivered_at.offset_min, -180);
	assert_int_equal(ev.delivered_at.us, OCCURRED_US);
}

static void test_address_verified_and_invalid(void **state)
{
	(void)state;
	accepted("{" ENV("address.verified") ",'order':'1'}");
	assert_int_equal(ev.type, ORDEX_EV_ADDRESS_VERIFIED);
	accepted("{" ENV("address.invalid") ",'order':'1','data':{'reason':'no such street'}}");
	assert_int_equal(ev.type, ORDEX_EV_ADDRESS_INVALID);
	assert_string_equal(ev.reason, "no such street");
}

static void test_customer_updated_extracts_fields(void **state)
{
	(void)state;
	accepted("{" ENV("customer.updated") ",'data':{'customer':'cus_1',"
	                                     "'email':'A@Example.com','name':'Ana'}}");
	assert_int_equal(ev.type, ORDEX_EV_CUSTOMER_UPDATED);
	assert_string_equal(ev.customer, "cus_1");
	assert_string_equal(ev.email, "A@Example.com");
	assert_string_equal(ev.name, "Ana");
}

static void test_ticket_created_and_updated(void **state)
{
	(void)state;
	accepted("{" ENV("ticket.created") ",'order':'1','data':{'ticket':'t_1',"
	                                   "'subject':'where is my parcel','status':'open',"
	                                   "'requester_email':'a@example.com'}}");
	assert_int_equal(ev.type, ORDEX_EV_TICKET_CREATED);
	assert_string_equal(ev.ticket, "t_1");
	assert_string_equal(ev.subject, "where is my parcel");
	assert_string_equal(ev.status, "open");
	assert_string_equal(ev.email, "a@example.com");
	accepted("{" ENV("ticket.updated") ",'data':{'ticket':'t_1','status':'solved'}}");
	assert_int_equal(ev.type, ORDEX_EV_TICKET_UPDATED);
}

/* ---- rejected: the envelope ---- */

static void test_rejects_a_document_that_is_not_an_object(void **state)
{
	(void)state;
	rejected_one("['id']", "", "an event must be a JSON object");
	rejected_one("null", "", "an event must be a JSON object");
}

static void test_rejects_missing_envelope_fields_all_at_once(void **state)
{
	(void)state;
	rejected("{}");
	has_problem("id", "is required");
	has_problem("source", "is required");
	has_problem("type", "is required");
	has_problem("occurred_at", "is required");
	has_problems(4);
}

static void test_rejects_null_envelope_fields(void **state)
{
	(void)state;
	rejected("{'id':null,'source':null,'type':null,'occurred_at':null}");
	has_problem("id", "must not be null");
	has_problem("source", "must not be null");
	has_problem("type", "must not be null");
	has_problem("occurred_at", "must not be null");
	has_problems(4);
}

static void test_rejects_envelope_fields_of_wrong_type(void **state)
{
	(void)state;
	rejected("{'id':1,'source':true,'type':['x'],'occurred_at':{},'order':1001}");
	has_problem("id", "must be a string, not number");
	has_problem("source", "must be a string, not boolean");
	has_problem("type", "must be a string, not array");
	has_problem("occurred_at", "must be a string, not object");
	has_problem("order", "must be a string, not number");
	has_problems(5);
}

static void test_rejects_empty_strings(void **state)
{
	(void)state;
	rejected("{'id':'','source':'','type':'','occurred_at':''}");
	has_problem("id", "must not be empty");
	has_problem("source", "must not be empty");
	has_problem("type", "must not be empty");
	has_problem("occurred_at", "must not be empty");
	has_problems(4);
}

static void test_rejects_an_id_longer_than_256_bytes(void **state)
{
	(void)state;
	char id[258];
	memset(id, 'a', 257);
	id[257] = '\0';
	rejected_one(
	    ordex_arena_printf(arena,
	                       "{'id':'%s','source':'oms','type':'customer.updated'," OCCURRED
	                       ",'data':{'customer':'c'}}",
	                       id),
	    "id", "is longer than 256 bytes");
	/* exactly 256 is fine */
	id[256] = '\0';
	accepted(ordex_arena_printf(arena,
	                            "{'id':'%s','source':'oms','type':'customer.updated'," OCCURRED
	                            ",'data':{'customer':'c'}}",
	                            id));
}

static void test_rejects_a_too_long_order_reference(void **state)
{
	(void)state;
	char ref[300];
	memset(ref, '7', 299);
	ref[299] = '\0';
	rejected_one(ordex_arena_printf(arena, "{" ENV("order.cancelled") ",'order':'%s'}", ref),
	             "order", "is longer than 256 bytes");
}

static void test_rejects_an_unknown_type(void **state)
{
	(void)state;
	rejected_one("{" ENV("order.shipped") ",'order':'1'}", "type",
	             "unknown event type \"order.shipped\"");
}

static void test_rejects_a_source_with_upper_case(void **state)
{
	(void)state;
	rejected_one("{'id':'e','source':'Shopify','type':'customer.updated'," OCCURRED
	             ",'data':{'customer':'c'}}",
	             "source", "must use only a-z, 0-9, '_', '-' and '.'");
}

static void test_rejects_occurred_at_without_offset(void **state)
{
	(void)state;
	rejected_one("{'id':'e','source':'oms','type':'customer.updated',"
	             "'occurred_at':'2025-03-01T10:00:00','data':{'customer':'c'}}",
	             "occurred_at", "must be an RFC 3339 time with an offset");
}

static void test_rejects_occurred_at_as_a_date(void **state)
{
	(void)state;
	rejected_one("{'id':'e','source':'oms','type':'customer.updated',"
	             "'occurred_at':'2025-03-01','data':{'customer':'c'}}",
	             "occurred_at", "must be an RFC 3339 time with an offset");
}

static void test_rejects_data_that_is_not_an_object(void **state)
{
	(void)state;
	rejected("{" ENV("customer.updated") ",'data':['c']}");
	has_problem("data", "must be an object, not array");
	has_problem("data.customer", "is required");
	has_problems(2);
}

static void test_envelope_and_data_problems_are_reported_together(void **state)
{
	(void)state;
	rejected("{'source':'oms','type':'payment.captured','occurred_at':'yesterday',"
	         "'data':{'payment':'','amount':'1.001','currency':'USD'}}");
	has_problem("id", "is required");
	has_problem("occurred_at", "must be an RFC 3339 time with an offset");
	has_problem("data.payment", "must not be empty");
	has_problem("data.amount", "has 3 decimal places; USD allows 2");
	has_problems(4);
}

static void test_problems_past_the_limit_are_counted_as_dropped(void **state)
{
	(void)state;
	char *s = ordex_arena_printf(arena, "{" ENV("order.created") ",'order':'1','data':{"
	                                                             "'lines':[");
	for (int i = 0; i < 20; i++)
		s = ordex_arena_printf(arena, "%s%s{'qty':0}", s, i ? "," : "");
	s = ordex_arena_printf(arena, "%s]}}", s);
	rejected(s);
	assert_int_equal(probs.n, ORDEX_MAX_PROBLEMS);
	assert_int_equal(probs.dropped, 40 - ORDEX_MAX_PROBLEMS);
	has_problem("data.lines[0].sku", "is required");
	has_problem("data.lines[0].qty", "must be between 1 and 1000000");
}

/* ---- rejected: money ---- */

static void test_rejects_amount_with_too_many_decimals(void **state)
{
	(void)state;
	rejected_one("{" ENV("payment.captured") ",'data':{'payment':'p','amount':'50.001',"
	                                         "'currency':'USD'}}",
	             "data.amount", "has 3 decimal places; USD allows 2");
	rejected_one("{" ENV("payment.captured") ",'data':{'payment':'p','amount':'500.0',"
	                                         "'currency':'JPY'}}",
	             "data.amount", "has 1 decimal place; JPY allows 0");
}

static void test_rejects_amount_without_currency(void **state)
{
	(void)state;
	rejected("{" ENV("payment.captured") ",'data':{'payment':'p','amount':'50.00'}}");
	has_problem("data.currency", "is required");
	has_problem("data.amount", "needs a valid data.currency");
	has_problems(2);
}

static void test_rejects_order_total_without_currency(void **state)
{
	(void)state;
	rejected("{" ENV("order.created") ",'order':'1','data':{'total':'50.00'}}");
	has_problem("data.currency", "is required");
	has_problem("data.total", "needs a valid data.currency");
	has_problems(2);
}

static void test_rejects_line_price_without_currency(void **state)
{
	(void)state;
	rejected_one("{" ENV("order.created") ",'order':'1','data':{'lines':["
	                                      "{'sku':'a','qty':1,'price':'2.00'}]}}",
	             "data.lines[0].price", "needs a valid data.currency");
}

static void test_rejects_unknown_currency(void **state)
{
	(void)state;
	rejected("{" ENV("payment.captured") ",'data':{'payment':'p','amount':'5',"
	                                     "'currency':'XYZ'}}");
	has_problem("data.currency", "unknown currency \"XYZ\"");
	has_problem("data.amount", "needs a valid data.currency");
	has_problems(2);
}

static void test_rejects_lower_case_currency(void **state)
{
	(void)state;
	rejected("{" ENV("payment.captured") ",'data':{'payment':'p','amount':'5',"
	                                     "'currency':'usd'}}");
	has_problem("data.currency", "unknown currency \"usd\"");
}

static void test_rejects_a_currency_name_as_unknown_not_as_too_long(void **state)
{
	(void)state;
	rejected("{" ENV("payment.captured") ",'data':{'payment':'p','amount':'5',"
	                                     "'currency':'US Dollar'}}");
	has_problem("data.currency", "unknown currency \"US Dollar\"");
	has_problems(2);
}

static void test_rejects_a_currency_of_wrong_type(void **state)
{
	(void)state;
	rejected("{" ENV("payment.captured") ",'data':{'payment':'p','amount':'5',"
	                                     "'currency':840}}");
	has_problem("data.currency", "must be a string, not number");
	has_problem("data.amount", "needs a valid data.currency");
	has_problems(2);
}

static void test_rejects_negative_amount(void **state)
{
	(void)state;
	rejected_one("{" ENV("payment.refunded") ",'data':{'payment':'p','refund':'r',"
	                                         "'amount':'-5.00','currency':'USD'}}",
	             "data.amount", "must not be negative");
}

static void test_rejects_amount_that_is_not_a_decimal(void **state)
{
	(void)state;
	rejected_one("{" ENV("payment.captured") ",'data':{'payment':'p','amount':'5,00',"
	                                         "'currency':'EUR'}}",
	             "data.amount", "is not a decimal amount");
	rejected_one("{" ENV("payment.captured") ",'data':{'payment':'p','amount':5e2,"
	                                         "'currency':'EUR'}}",
	             "data.amount", "is not a decimal amount");
	rejected_one("{" ENV("payment.captured") ",'data':{'payment':'p','amount':true,"
	                                         "'currency':'EUR'}}",
	             "data.amount", "must be a decimal amount, not boolean");
}

static void test_rejects_an_amount_too_large(void **state)
{
	(void)state;
	rejected_one(
	    "{" ENV("payment.captured") ",'data':{'payment':'p',"
	                                "'amount':'92233720368547758.08','currency':'USD'}}",
	    "data.amount", "is too large");
}

/* ---- rejected: required data fields ---- */

static void test_rejects_payment_without_required_fields(void **state)
{
	(void)state;
	rejected("{" ENV("payment.refunded") "}");
	has_problem("data.payment", "is required");
	has_problem("data.currency", "is required");
	has_problem("data.amount", "is required");
	has_problem("data.refund", "is required");
	has_problems(4);
}

static void test_rejects_null_required_data_fields(void **state)
{
	(void)state;
	rejected("{" ENV("payment.refunded") ",'data':{'payment':null,'refund':null,"
	                                     "'amount':null,'currency':null}}");
	has_problem("data.payment", "must not be null");
	has_problem("data.currency", "must not be null");
	has_problem("data.amount", "must not be null");
	has_problem("data.refund", "must not be null");
	has_problems(4);
}

static void test_rejects_payment_risk_of_wrong_shape(void **state)
{
	(void)state;
	rejected_one("{" ENV("payment.failed") ",'data':{'payment':'p','risk':'high'}}",
	             "data.risk", "must be an object");
	rejected_one("{" ENV("payment.failed") ",'data':{'payment':'p','risk':{'score':101}}}",
	             "data.risk.score", "must be between 0 and 100");
}

static void test_rejects_order_created_without_order_reference(void **state)
{
	(void)state;
	rejected_one("{" ENV("order.created") ",'data':{}}", "order",
	             "is required for order.created");
}

static void test_rejects_order_created_with_null_order_reference(void **state)
{
	(void)state;
	rejected_one("{" ENV("order.created") ",'order':null}", "order", "must not be null");
	assert_null(ev.order);
}

static void test_rejects_types_that_need_an_order_without_one(void **state)
{
	(void)state;
	rejected_one(
	    "{" ENV("order.cancelled") "}", "order",
	    "is required for order.cancelled (or data.order_alias or data.order_candidates)");
	rejected_one(
	    "{" ENV("address.invalid") "}", "order",
	    "is required for address.invalid (or data.order_alias or data.order_candidates)");
	rejected_one("{" ENV("fraud.signal") ",'data':{'score':5}}", "order",
	             "is required for fraud.signal (or data.order_alias or data.order_candidates)");
}

static void test_rejects_order_with_bad_version_and_time_zone(void **state)
{
	(void)state;
	rejected("{" ENV("order.created") ",'order':'1','data':{'version':-1,"
	                                  "'time_zone':'America/Sao_Paulo'}}");
	has_problem("data.version", "must be between 0 and 9223372036854775807");
	has_problem("data.time_zone", "must be a UTC offset such as \"-03:00\"");
	has_problems(2);
	rejected_one("{" ENV("order.created") ",'order':'1','data':{'time_zone':'-3'}}",
	             "data.time_zone", "must be a UTC offset such as \"-03:00\"");
	rejected_one("{" ENV("order.created") ",'order':'1','data':{'version':'3'}}",
	             "data.version", "must be an integer");
}

static void test_rejects_promised_at_that_is_neither_time_nor_date(void **state)
{
	(void)state;
	rejected_one("{" ENV("order.created") ",'order':'1','data':{'promised_at':'2018-02-30'}}",
	             "data.promised_at", "names a day that does not exist (2018-02-30)");
	rejected_one(
	    "{" ENV("order.created") ",'order':'1','data':{'promised_at':'2018-02-28T25:00:00Z'}}",
	    "data.promised_at", "must be an RFC 3339 time with an offset or a date YYYY-MM-DD");
	rejected_one(
	    "{" ENV(
	        "order.created") ",'order':'1','data':{'promised_at':'2025-02-29T10:00:00+01:00'}}",
	    "data.promised_at", "names a day that does not exist (2025-02-29)");
}

static void test_rejects_updated_at_as_a_date(void **state)
{
	(void)state;
	rejected_one("{" ENV("order.updated") ",'order':'1','data':{'updated_at':'2018-04-18'}}",
	             "data.updated_at", "must be an RFC 3339 time with an offset");
}

static void test_rejects_shipping_address_that_is_not_an_object(void **state)
{
	(void)state;
	rejected_one("{" ENV("order.created") ",'order':'1','data':{'shipping_address':'x'}}",
	             "data.shipping_address", "must be an object or null, not string");
	rejected_one("{" ENV("order.created") ",'order':'1','data':{'shipping_address':"
	                                      "{'line1':'a','city':7,'country':'US'}}}",
	             "data.shipping_address.city", "must be a string or null, not number");
}

/* ---- rejected: lines ---- */

static void test_rejects_lines_that_are_not_an_array(void **state)
{
	(void)state;
	rejected_one("{" ENV("order.created") ",'order':'1','data':{'lines':{'sku':'a'}}}",
	             "data.lines", "must be an array, not object");
	assert_false(ev.lines_set);
}

static void test_rejects_a_line_that_is_not_an_object(void **state)
{
	(void)state;
	rejected_one("{" ENV("order.created") ",'order':'1','data':{'lines':["
	                                      "{'sku':'a','qty':1},'b']}}",
	             "data.lines[1]", "must be an object");
}

static void test_rejects_line_problems_with_their_index(void **state)
{
	(void)state;
	rejected("{" ENV(
	    "order.created") ",'order':'1','data':{'currency':'USD','lines':["
	                     "{'sku':'a','qty':1},{'sku':'b','qty':0},{'qty':1.5,'price':'1.001'},"
	                     "{'sku':'','qty':'2'}]}}");
	has_problem("data.lines[1].qty", "must be between 1 and 1000000");
	has_problem("data.lines[2].sku", "is required");
	has_problem("data.lines[2].qty", "must be an integer");
	has_problem("data.lines[2].price", "has 3 decimal places; USD allows 2");
	has_problem("data.lines[3].sku", "must not be empty");
	has_problem("data.lines[3].qty", "must be an integer");
	has_problems(6);
}

static void test_rejects_a_line_without_qty(void **state)
{
	(void)state;
	rejected_one("{" ENV("order.created") ",'order':'1','data':{'lines':["
	                                      "{'sku':'a','qty':1},{'sku':'b'}]}}",
	             "data.lines[1].qty", "is required");
}

static void test_rejects_duplicate_line_ids(void **state)
{
	(void)state;
	rejected_one(
	    "{" ENV("order.created") ",'order':'1','data':{'lines':["
	                             "{'id':'x','sku':'a','qty':1},{'id':'y','sku':'b','qty':1},"
	                             "{'id':'x','sku':'c','qty':1}]}}",
	    "data.lines[2].id", "repeats line id \"x\"");
}

static void test_a_line_id_repeated_thrice_is_one_problem_per_line(void **state)
{
	(void)state;
	rejected(
	    "{" ENV("order.created") ",'order':'1','data':{'lines':["
	                             "{'id':'x','sku':'a','qty':1},{'id':'x','sku':'b','qty':1},"
	                             "{'id':'x','sku':'c','qty':1}]}}");
	has_problem("data.lines[1].id", "repeats line id \"x\"");
	has_problem("data.lines[2].id", "repeats line id \"x\"");
	has_problems(2);
}

static void test_rejects_more_than_1000_lines(void **state)
{
	(void)state;
	size_t cap = 1001 * 24 + 256;
	char *s = ordex_arena_alloc(arena, cap);
	size_t n =
	    (size_t)snprintf(s, cap, "{" ENV("order.created") ",'order':'1','data':{'lines':[");
	for (int i = 0; i < 1001; i++)
		n += (size_t)snprintf(s + n, cap - n, "%s{'sku':'a','qty':1}", i ? "," : "");
	snprintf(s + n, cap - n, "]}}");
	rejected_one(s, "data.lines", "has more than 1000 lines");
}

/* ---- rejected: shipments, fraud, inventory, others ---- */

static void test_rejects_shipment_status_not_in_the_list(void **state)
{
	(void)state;
	rejected_one("{" ENV("shipment.updated") ",'data':{'shipment':'s','status':'shipped'}}",
	             "data.status",
	             "must be one of label_created, in_transit, out_for_delivery, failed_attempt, "
	             "exception, delivered, returned, lost");
	rejected("{" ENV("shipment.updated") ",'data':{'shipment':'s','status':'Delivered'}}");
	has_problem("data.status",
	            "must be one of label_created, in_transit, out_for_delivery, failed_attempt, "
	            "exception, delivered, returned, lost");
}

static void test_rejects_shipment_updated_without_status(void **state)
{
	(void)state;
	rejected_one("{" ENV("shipment.updated") ",'data':{'shipment':'s'}}", "data.status",
	             "is required");
}

static void test_rejects_shipment_without_shipment_reference(void **state)
{
	(void)state;
	rejected_one("{" ENV("shipment.created") ",'data':{'carrier':'ups'}}", "data.shipment",
	             "is required");
}

static void test_rejects_shipment_times_that_are_malformed(void **state)
{
	(void)state;
	rejected("{" ENV("shipment.updated") ",'data':{'shipment':'s','status':'delivered',"
	                                     "'eta':'soon','delivered_at':'2018-04-18'}}");
	has_problem("data.eta", "must be an RFC 3339 time with an offset or a date YYYY-MM-DD");
	has_problem("data.delivered_at", "must be an RFC 3339 time with an offset");
	has_problems(2);
}

static void test_rejects_fraud_signal_without_score_recommendation_or_severity(void **state)
{
	(void)state;
	rejected_one("{" ENV("fraud.signal") ",'order':'1','data':{'kind':'velocity'}}", "data",
	             "needs at least one of score, recommendation, severity");
}

static void test_fraud_signal_without_signal_is_reported_with_envelope_problems(void **state)
{
	(void)state;
	rejected("{'source':'oms','type':'fraud.signal'," OCCURRED ",'order':'1','data':{}}");
	has_problem("id", "is required");
	has_problem("data", "needs at least one of score, recommendation, severity");
	has_problems(2);
}

static void test_rejects_fraud_values_out_of_range(void **state)
{
	(void)state;
	rejected("{" ENV("fraud.signal") ",'order':'1','data':{'score':101,"
	                                 "'recommendation':'block','severity':'extreme'}}");
	has_problem("data.score", "must be between 0 and 100");
	has_problem("data.recommendation", "must be one of accept, review, investigate, cancel");
	has_problem("data.severity", "must be one of low, medium, high, critical");
	has_problems(3);
}

static void test_rejects_inventory_level_without_sku_location_available(void **state)
{
	(void)state;
	rejected("{" ENV("inventory.level") ",'data':{}}");
	has_problem("data.sku", "is required");
	has_problem("data.location", "is required");
	has_problem("data.available", "is required");
	has_problems(3);
}

static void test_rejects_inventory_available_that_is_not_an_integer(void **state)
{
	(void)state;
	rejected_one("{" ENV("inventory.level") ",'data':{'sku':'a','location':'b',"
	                                        "'available':'12'}}",
	             "data.available", "must be an integer");
	rejected_one("{" ENV("inventory.level") ",'data':{'sku':'a','location':'b',"
	                                        "'available':2000000000}}",
	             "data.available", "must be between -1000000000 and 1000000000");
}

static void test_rejects_customer_and_ticket_without_their_reference(void **state)
{
	(void)state;
	rejected_one("{" ENV("customer.updated") ",'data':{'email':'a@b'}}", "data.customer",
	             "is required");
	rejected_one("{" ENV("ticket.created") ",'data':{'subject':'hi'}}", "data.ticket",
	             "is required");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_envelope_fields_are_extracted),
	    T(test_occurred_at_keeps_its_offset),
	    T(test_occurred_at_in_utc_has_offset_zero),
	    T(test_defaults_when_fields_are_absent),
	    T(test_source_allows_lower_case_digits_and_punctuation),
	    T(test_every_type_name_round_trips),
	    T(test_raw_bytes_and_their_sha256_are_kept),
	    T(test_sha256_is_of_the_bytes_not_the_document),
	    T(test_order_created_extracts_typed_fields),
	    T(test_order_updated_is_validated_like_order_created),
	    T(test_order_total_in_jpy_has_no_minor_digits),
	    T(test_order_total_in_kwd_has_three_minor_digits),
	    T(test_order_with_empty_lines_array),
	    T(test_promised_date_is_end_of_day_in_order_time_zone),
	    T(test_promised_date_without_time_zone_uses_occurred_offset),
	    T(test_promised_time_keeps_its_own_offset),
	    T(test_shipping_address_null_is_missing_not_rejected),
	    T(test_shipping_address_without_city_is_missing),
	    T(test_shipping_address_without_country_is_missing),
	    T(test_payment_authorized_amount_in_cents),
	    T(test_payment_captured_amount_in_yen),
	    T(test_payment_refunded_amount_in_fils),
	    T(test_payment_disputed_with_reason),
	    T(test_payment_amount_as_json_number),
	    T(test_payment_states_without_amount),
	    T(test_fraud_signal_extracts_score_recommendation_severity),
	    T(test_fraud_signal_with_only_a_recommendation),
	    T(test_fraud_signal_with_only_score_zero),
	    T(test_inventory_level_extracts_sku_location_available),
	    T(test_shipment_created_defaults_to_label_created),
	    T(test_shipment_updated_accepts_every_status),
	    T(test_shipment_eta_date_and_delivered_time),
	    T(test_address_verified_and_invalid),
	    T(test_customer_updated_extracts_fields),
	    T(test_ticket_created_and_updated),
	    T(test_rejects_a_document_that_is_not_an_object),
	    T(test_rejects_missing_envelope_fields_all_at_once),
	    T(test_rejects_null_envelope_fields),
	    T(test_rejects_envelope_fields_of_wrong_type),
	    T(test_rejects_empty_strings),
	    T(test_rejects_an_id_longer_than_256_bytes),
	    T(test_rejects_a_too_long_order_reference),
	    T(test_rejects_an_unknown_type),
	    T(test_rejects_a_source_with_upper_case),
	    T(test_rejects_occurred_at_without_offset),
	    T(test_rejects_occurred_at_as_a_date),
	    T(test_rejects_data_that_is_not_an_object),
	    T(test_envelope_and_data_problems_are_reported_together),
	    T(test_problems_past_the_limit_are_counted_as_dropped),
	    T(test_rejects_amount_with_too_many_decimals),
	    T(test_rejects_amount_without_currency),
	    T(test_rejects_order_total_without_currency),
	    T(test_rejects_line_price_without_currency),
	    T(test_rejects_unknown_currency),
	    T(test_rejects_lower_case_currency),
	    T(test_rejects_a_currency_name_as_unknown_not_as_too_long),
	    T(test_rejects_a_currency_of_wrong_type),
	    T(test_rejects_negative_amount),
	    T(test_rejects_amount_that_is_not_a_decimal),
	    T(test_rejects_an_amount_too_large),
	    T(test_rejects_payment_without_required_fields),
	    T(test_rejects_null_required_data_fields),
	    T(test_rejects_payment_risk_of_wrong_shape),
	    T(test_rejects_order_created_without_order_reference),
	    T(test_rejects_order_created_with_null_order_reference),
	    T(test_rejects_types_that_need_an_order_without_one),
	    T(test_rejects_order_with_bad_version_and_time_zone),
	    T(test_rejects_promised_at_that_is_neither_time_nor_date),
	    T(test_rejects_updated_at_as_a_date),
	    T(test_rejects_shipping_address_that_is_not_an_object),
	    T(test_rejects_lines_that_are_not_an_array),
	    T(test_rejects_a_line_that_is_not_an_object),
	    T(test_rejects_line_problems_with_their_index),
	    T(test_rejects_a_line_without_qty),
	    T(test_rejects_duplicate_line_ids),
	    T(test_a_line_id_repeated_thrice_is_one_problem_per_line),
	    T(test_rejects_more_than_1000_lines),
	    T(test_rejects_shipment_status_not_in_the_list),
	    T(test_rejects_shipment_updated_without_status),
	    T(test_rejects_shipment_without_shipment_reference),
	    T(test_rejects_shipment_times_that_are_malformed),
	    T(test_rejects_fraud_signal_without_score_recommendation_or_severity),
	    T(test_fraud_signal_without_signal_is_reported_with_envelope_problems),
	    T(test_rejects_fraud_values_out_of_range),
	    T(test_rejects_inventory_level_without_sku_location_available),
	    T(test_rejects_inventory_available_that_is_not_an_integer),
	    T(test_rejects_customer_and_ticket_without_their_reference),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
