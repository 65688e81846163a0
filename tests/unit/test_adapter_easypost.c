/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_adapter_easypost.c - the EasyPost adapter against EasyPost's own
 * samples (../shared/data/easypost) and hand-written trackers for the
 * statuses the samples lack.
 *
 * Every payload must end in exactly one outcome, every event it makes must
 * pass the canonical validation, and the walk over the shared files prints
 * a table of kinds and outcomes that adds up to the payloads fed. A file
 * holds one object, a list (a JSON array, or a list response with
 * "has_more"), and each object in a list is one payload. Hand-written
 * documents use single quotes; doc() turns them into double quotes.
 */
#include "testutil.h"

#include "adapter_walk.h"

#define RECEIVED "2026-01-01T00:00:00Z"

static struct ordex_adapter_output out;
static struct ordex_event evs[ORDEX_ADAPT_MAX_EVENTS];

/*
 * Runs the adapter on body and checks what every payload must satisfy
 * (adapt_into()): events only when mapped or incomplete, each valid.
 */
static void adapt(const struct ordex_json *body)
{
	adapt_into(&ordex_adapter_easypost, RECEIVED, body, &out, evs);
}

static void adapt_text(const char *s)
{
	adapt(parse_doc(s));
}

static struct ordex_json *load(const char *name)
{
	return load_shared("easypost", name);
}

/* ---- the walk over every shared file ----------------------------------- */

/* What each shared file must give: its payloads' kind and outcome. */
static const struct walk_expect expected[] = {
    {"addresses-create-and-verify.json", "error", ORDEX_ADAPT_IGNORED},
    {"addresses-create.json", "address", ORDEX_ADAPT_IGNORED},
    {"addresses-verify-param.json", "address", ORDEX_ADAPT_INCOMPLETE},
    {"addresses-verify-strict-param.json", "error", ORDEX_ADAPT_IGNORED},
    {"addresses-verify.json", "address", ORDEX_ADAPT_INCOMPLETE},
    {"claim-cancel.json", "claim", ORDEX_ADAPT_IGNORED},
    {"claim-create.json", "claim", ORDEX_ADAPT_IGNORED},
    {"claim-retrieve.json", "claim", ORDEX_ADAPT_IGNORED},
    {"client-library-fixtures.json", "unknown", ORDEX_ADAPT_IGNORED},
    {"event-body_tracker-updated.json", "tracker", ORDEX_ADAPT_MAPPED},
    {"events-list.json", "tracker", ORDEX_ADAPT_INCOMPLETE},
    {"events-retrieve.json", "tracker", ORDEX_ADAPT_INCOMPLETE},
    {"insurance-create.json", "insurance", ORDEX_ADAPT_IGNORED},
    {"insurance-refund.json", "insurance", ORDEX_ADAPT_IGNORED},
    {"orders-create.json", "order", ORDEX_ADAPT_IGNORED},
    {"refunds-create.json", "refund", ORDEX_ADAPT_IGNORED},
    {"refunds-list.json", "refund", ORDEX_ADAPT_IGNORED},
    {"refunds-retrieve.json", "refund", ORDEX_ADAPT_IGNORED},
    {"returns-create.json", "shipment", ORDEX_ADAPT_IGNORED},
    {"shipping-refund-refund.json", "shipment", ORDEX_ADAPT_IGNORED},
    {"trackers-create.json", "tracker", ORDEX_ADAPT_MAPPED},
    {"trackers-list.json", "tracker", ORDEX_ADAPT_MAPPED},
    {"trackers-retrieve.json", "tracker", ORDEX_ADAPT_MAPPED},
    {"webhooks-create.json", "webhook", ORDEX_ADAPT_IGNORED},
};

/* Checks that hold for every event EasyPost data can give. */
static void check_event_fields(const struct ordex_event *ev)
{
	if (ev->type == ORDEX_EV_SHIPMENT_UPDATED) {
		/* the tracking number is the shipment; EasyPost knows no order */
		assert_non_null(ev->shipment);
		assert_non_null(ev->tracking);
		assert_string_equal(ev->shipment, ev->tracking);
		assert_non_null(ev->carrier);
		assert_null(ev->order);
		assert_true(strncmp(ev->id, "tracker/", 8) == 0);
	} else {
		assert_true(ev->type == ORDEX_EV_ADDRESS_VERIFIED ||
		            ev->type == ORDEX_EV_ADDRESS_INVALID);
		assert_non_null(ev->order);
	}
}

static void feed(struct walk_tally *t, const char *file, const struct ordex_json *payload)
{
	adapt(payload);
	for (size_t i = 0; i < out.n; i++)
		check_event_fields(&evs[i]);
	walk_expect(expected, ORDEX_ARRAY_LEN(expected), file, &out);
	walk_count(t, &out);
}

/* One payload, or each object of a list (an array, or a response with has_more). */
static void walk(struct walk_tally *t, const char *file, const struct ordex_json *n)
{
	if (n->type == ORDEX_JSON_ARRAY) {
		for (const struct ordex_json *c = n->child; c; c = c->next)
			walk(t, file, c);
		return;
	}
	if (n->type == ORDEX_JSON_OBJECT && !ordex_json_get(n, "object") &&
	    ordex_json_get(n, "has_more")) {
		for (const struct ordex_json *c = n->child; c; c = c->next)
			if (c->type == ORDEX_JSON_ARRAY)
				walk(t, file, c);
		return;
	}
	feed(t, file, n);
}

static void test_every_shared_payload_has_one_outcome_and_valid_events(void **state)
{
	(void)state;
	walk_provider("easypost", walk);
}

/* ---- trackers from the samples ----------------------------------------- */

static void test_tracker_updated_event_maps_to_shipment_updated(void **state)
{
	(void)state;
	adapt(load("event-body_tracker-updated.json"));
	assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(out.kind, "tracker");
	assert_string_equal(out.event_id, "evt_1");
	assert_int_equal(out.n, 1);
	const struct ordex_event *ev = &evs[0];
	assert_string_equal(ev->id, "tracker/trk_1/in_transit@2024-08-02T19:26:51Z");
	assert_int_equal(ev->type, ORDEX_EV_SHIPMENT_UPDATED);
	assert_null(ev->order);
	assert_string_equal(ev->shipment, "1");
	assert_string_equal(ev->tracking, "1");
	assert_string_equal(ev->carrier, "FedEx");
	assert_int_equal(ev->ship_status, ORDEX_SHIP_IN_TRANSIT);
	/* the latest scan, not the Event's or the tracker's own time */
	assert_int_equal(ev->occurred.us, us_of("2024-08-02T18:50:00Z"));
	assert_string_equal(ev->location, "EDISON, NJ, US");
	assert_string_equal(ev->reason, "Arrived at FedEx location");
	/* carrier_detail.est_delivery_date_local: the promised day */
	assert_true(ev->eta.set);
	assert_true(ev->eta.date_only);
	assert_false(ev->delivered_at.set);
}

static void test_same_tracker_from_three_responses_gives_identical_bytes(void **state)
{
	(void)state;
	static const char *const files[] = {"trackers-create.json", "trackers-retrieve.json"};
	const char *first = NULL;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(files); i++) {
		adapt(load(files[i]));
		assert_int_equal(out.n, 1);
		if (!first)
			first = out.events[0];
		assert_string_equal(out.events[0], first);
	}
	adapt(ordex_json_at(ordex_json_get(load("trackers-list.json"), "trackers"), 0));
	assert_string_equal(out.events[0], first);
	assert_string_equal(evs[0].id, "tracker/trk_9135862729734d96ad2f9ed0f0565a27/"
	                               "pre_transit@2025-05-09T20:40:17Z");
	assert_int_equal(evs[0].ship_status, ORDEX_SHIP_LABEL_CREATED);
	assert_string_equal(evs[0].shipment, "EZ1000000001");
	assert_string_equal(evs[0].carrier, "USPS");
	assert_string_equal(evs[0].reason, "Shipping Label Created");
	assert_string_equal(evs[0].location, "HOUSTON, TX");
	assert_int_equal(evs[0].occurred.us, us_of("2025-04-10T09:17:17Z"));
	/* no local date: est_delivery_date as given */
	assert_int_equal(evs[0].eta.us, us_of("2025-05-09T20:40:17Z"));
	assert_false(evs[0].eta.date_only);
}

/* A bought Shipment is its tracker: the same event, byte for byte. */
static void test_bought_shipment_gives_its_trackers_event(void **state)
{
	(void)state;
	const struct ordex_json *trk = load("trackers-retrieve.json");
	adapt(trk);
	const char *alone = out.events[0];

	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_buf_puts(&b, "{\"object\":\"Shipment\",\"id\":\"shp_1\",\"reference\":\"1001\","
	                   "\"tracking_code\":\"EZ1000000001\",\"tracker\":");
	ordex_json_write(&b, trk);
	ordex_buf_puts(&b, "}");
	char *text = ordex_arena_strndup(arena, b.data, b.len);
	ordex_buf_free(&b);
	adapt(parse(text, strlen(text)));
	assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(out.kind, "shipment");
	assert_int_equal(out.n, 1);
	assert_string_equal(out.events[0], alone);
}

static void test_mapping_twice_gives_the_same_bytes(void **state)
{
	(void)state;
	const struct ordex_json *body = load("event-body_tracker-updated.json");
	adapt(body);
	const char *first = out.events[0];
	adapt(body);
	assert_string_equal(out.events[0], first);
}

/* ---- every status, hand-written ---------------------------------------- */

/* A tracker whose latest scan (16:30Z) has status scan and message msg. */
static const char *tracker(const char *status, const char *detail, const char *scan,
                           const char *msg)
{
	return ordex_arena_printf(
	    arena,
	    "{'id':'trk_t','object':'Tracker','tracking_code':'EZ0000000042','carrier':'USPS',"
	    "'status':'%s','status_detail':'%s','created_at':'2025-05-01T10:00:00Z',"
	    "'updated_at':'2025-05-03T17:00:00Z','est_delivery_date':'2025-05-04T00:00:00Z',"
	    "'carrier_detail':{'est_delivery_date_local':null},'tracking_details':["
	    "{'object':'TrackingDetail','message':'Shipping Label Created','status':"
	    "'pre_transit','datetime':'2025-05-01T10:00:00Z','tracking_location':"
	    "{'city':'HOUSTON','state':'TX','country':'US','zip':'77063'}},"
	    "{'object':'TrackingDetail','message':'%s','status':'%s',"
	    "'datetime':'2025-05-03T11:30:00-05:00','tracking_location':"
	    "{'city':'CHARLESTON','state':'SC','country':'US','zip':null}}]}",
	    status, detail, msg, scan);
}

static void test_every_easypost_status_has_its_canonical_status(void **state)
{
	(void)state;
	static const struct {
		const char *status, *detail, *msg;
		enum ordex_ship_status want;
		const char *reason;
	} cases[] = {
	    {"pre_transit", "label_created", "Pre-Shipment Info Sent", ORDEX_SHIP_LABEL_CREATED,
	     "Pre-Shipment Info Sent"},
	    {"in_transit", "arrived_at_facility", "Arrived at Hub", ORDEX_SHIP_IN_TRANSIT,
	     "Arrived at Hub"},
	    {"out_for_delivery", "out_for_delivery", "Out for Delivery",
	     ORDEX_SHIP_OUT_FOR_DELIVERY, "Out for Delivery"},
	    {"delivered", "arrived_at_destination", "Delivered, In/At Mailbox",
	     ORDEX_SHIP_DELIVERED, "Delivered, In/At Mailbox"},
	    {"available_for_pickup", "arrived_at_pickup_location",
	     "Available for Pickup at Post Office", ORDEX_SHIP_FAILED_ATTEMPT,
	     "available for pickup: Available for Pickup at Post Office"},
	    {"return_to_sender", "return", "Return to Sender Processed", ORDEX_SHIP_RETURNED,
	     "Return to Sender Processed"},
	    {"failure", "delivery_exception", "Delivery Exception, Animal Interference",
	     ORDEX_SHIP_EXCEPTION, "Delivery Exception, Animal Interference"},
	    {"failure", "lost", "Package lost in transit", ORDEX_SHIP_LOST,
	     "Package lost in transit"},
	    {"cancelled", "cancelled", "Shipment cancelled by shipper", ORDEX_SHIP_EXCEPTION,
	     "cancelled: Shipment cancelled by shipper"},
	    {"error", "unknown", "Carrier reported an error", ORDEX_SHIP_EXCEPTION,
	     "tracking error: Carrier reported an error"},
	};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(cases); i++) {
		adapt_text(
		    tracker(cases[i].status, cases[i].detail, cases[i].status, cases[i].msg));
		assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
		assert_string_equal(out.kind, "tracker");
		assert_null(out.event_id);
		assert_int_equal(out.n, 1);
		const struct ordex_event *ev = &evs[0];
		if (ev->ship_status != cases[i].want)
			print_message("%s: got %s\n", cases[i].status,
			              ordex_ship_status_name(ev->ship_status));
		assert_int_equal(ev->ship_status, cases[i].want);
		assert_string_equal(ev->reason, cases[i].reason);
		assert_string_equal(ev->shipment, "EZ0000000042");
		assert_string_equal(ev->tracking, "EZ0000000042");
		assert_string_equal(ev->carrier, "USPS");
		assert_null(ev->order);
		assert_string_equal(ev->location, "CHARLESTON, SC, US");
		assert_int_equal(ev->occurred.us, us_of("2025-05-03T16:30:00Z"));
		assert_int_equal(ev->occurred.offset_min, -300);
		assert_int_equal(ev->eta.us, us_of("2025-05-04T00:00:00Z"));
		assert_string_equal(
		    ev->id, ordex_arena_printf(arena, "tracker/trk_t/%s@2025-05-03T17:00:00Z",
		                               cases[i].status));
		if (cases[i].want == ORDEX_SHIP_DELIVERED)
			assert_int_equal(ev->delivered_at.us, us_of("2025-05-03T16:30:00Z"));
		else
			assert_false(ev->delivered_at.set);
	}
}

/* A status the latest scan does not show happened at updated_at, told plainly. */
static void test_status_without_its_scan_uses_updated_at(void **state)
{
	(void)state;
	adapt_text(tracker("cancelled", "cancelled", "pre_transit", "Label Created"));
	assert_int_equal(evs[0].ship_status, ORDEX_SHIP_EXCEPTION);
	assert_string_equal(evs[0].reason, "cancelled");
	assert_int_equal(evs[0].occurred.us, us_of("2025-05-03T17:00:00Z"));

	adapt_text(tracker("delivered", "arrived_at_destination", "in_transit", "On its way"));
	assert_int_equal(evs[0].ship_status, ORDEX_SHIP_DELIVERED);
	assert_null(evs[0].reason);
	assert_int_equal(evs[0].delivered_at.us, us_of("2025-05-03T17:00:00Z"));
}

static void test_delivered_at_is_the_last_delivered_scan(void **state)
{
	(void)state;
	adapt_text("{'id':'trk_d','object':'Tracker','tracking_code':'T1','carrier':'UPS',"
	           "'status':'delivered','updated_at':'2025-05-05T09:00:00Z','tracking_details':["
	           "{'status':'delivered','message':'Delivered','datetime':'2025-05-04T14:00:00Z'},"
	           "{'status':'delivered','message':'Delivered to neighbour',"
	           "'datetime':'2025-05-04T15:10:00+02:00'},"
	           "{'status':'in_transit','message':'x','datetime':'2025-05-01T00:00:00Z'}]}");
	assert_int_equal(evs[0].ship_status, ORDEX_SHIP_DELIVERED);
	/* 15:10+02:00 is 13:10Z, before 14:00Z */
	assert_int_equal(evs[0].delivered_at.us, us_of("2025-05-04T14:00:00Z"));
	assert_string_equal(evs[0].reason, "Delivered");
	assert_null(evs[0].location);
}

static void test_unknown_without_scans_is_a_label_and_with_scans_is_ignored(void **state)
{
	(void)state;
	adapt_text("{'id':'trk_u','object':'Tracker','tracking_code':'EZ7000000007',"
	           "'carrier':'USPS','status':'unknown','updated_at':'2025-05-05T09:00:00Z',"
	           "'tracking_details':[]}");
	assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
	assert_int_equal(evs[0].ship_status, ORDEX_SHIP_LABEL_CREATED);
	assert_int_equal(evs[0].occurred.us, us_of("2025-05-05T09:00:00Z"));
	assert_string_equal(evs[0].id, "tracker/trk_u/unknown@2025-05-05T09:00:00Z");
	assert_null(evs[0].reason);

	adapt_text(tracker("unknown", "unknown", "in_transit", "Arrived"));
	assert_int_equal(out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(out.kind, "tracker");
	assert_non_null(strstr(out.ignored_why, "unknown"));
}

static void test_unusable_trackers_are_incomplete_with_the_field(void **state)
{
	(void)state;
	adapt_text(tracker("teleported", "x", "in_transit", "m"));
	assert_int_equal(out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_true(has_problem_at(&out, "status"));
	assert_string_equal(out.problems.items[0].reason, "has an unknown value \"teleported\"");

	adapt_text("{'object':'Event','id':'evt_2','description':'tracker.updated',"
	           "'result':{'object':'Tracker','id':'trk_x','status':'delivered'}}");
	assert_int_equal(out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(out.event_id, "evt_2");
	assert_true(has_problem_at(&out, "result.tracking_code"));
	assert_null(out.order);

	adapt(load("events-retrieve.json"));
	assert_int_equal(out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(out.event_id, "evt_ad2365c22d1511f0b5364ffbb3e7a1f1");
	assert_true(has_problem_at(&out, "result"));
}

static void test_return_trackers_are_ignored(void **state)
{
	(void)state;
	adapt_text("{'id':'trk_r','object':'Tracker','tracking_code':'R1','status':'delivered',"
	           "'is_return':true,'updated_at':'2025-05-05T09:00:00Z'}");
	assert_int_equal(out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(out.kind, "tracker");
	assert_non_null(strstr(out.ignored_why, "return"));
}

/* ---- addresses --------------------------------------------------------- */

static void test_address_verification_without_order_is_incomplete(void **state)
{
	(void)state;
	adapt(load("addresses-verify-param.json"));
	assert_int_equal(out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(out.kind, "address");
	assert_int_equal(out.n, 0);
	assert_null(out.order);
	assert_true(has_problem_at(&out, "reference"));

	adapt(load("addresses-verify.json"));
	assert_int_equal(out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_true(has_problem_at(&out, "address.reference"));
}

static void test_address_verification_with_reference_names_the_order(void **state)
{
	(void)state;
	adapt_text("{'id':'adr_1','object':'Address','reference':'1001','street1':'000 unknown',"
	           "'updated_at':'2025-05-09T20:37:55+00:00','verifications':{'delivery':"
	           "{'success':false,'errors':[{'code':'E.ADDRESS.NOT_FOUND','field':'address',"
	           "'message':'Address not found'},{'code':'E.HOUSE_NUMBER.INVALID',"
	           "'message':'Invalid house number'}]}}}");
	assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
	assert_int_equal(evs[0].type, ORDEX_EV_ADDRESS_INVALID);
	assert_string_equal(evs[0].order, "1001");
	assert_string_equal(evs[0].id, "address/adr_1/invalid@2025-05-09T20:37:55+00:00");
	assert_string_equal(evs[0].reason, "Address not found (E.ADDRESS.NOT_FOUND); "
	                                   "Invalid house number (E.HOUSE_NUMBER.INVALID)");

	adapt_text("{'address':{'id':'adr_2','object':'Address','reference':'1002',"
	           "'created_at':'2025-05-09T20:37:55Z','verifications':{'delivery':"
	           "{'success':true,'errors':[]}}}}");
	assert_int_equal(out.outcome, ORDEX_ADAPT_MAPPED);
	assert_int_equal(evs[0].type, ORDEX_EV_ADDRESS_VERIFIED);
	assert_string_equal(evs[0].order, "1002");
	assert_null(evs[0].reason);
}

static void test_address_without_delivery_verification_is_ignored(void **state)
{
	(void)state;
	adapt(load("addresses-create.json"));
	assert_int_equal(out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(out.kind, "address");
}

/* ---- what is not about orders ------------------------------------------ */

static void test_ignored_objects_say_what_they_were(void **state)
{
	(void)state;
	static const struct {
		const char *file, *kind, *says;
	} cases[] = {
	    {"claim-cancel.json", "claim", "type \"damage\", status \"cancelled\""},
	    {"insurance-refund.json", "insurance", "status \"cancelled\""},
	    {"refunds-retrieve.json", "refund", "postage refund (status \"submitted\")"},
	    {"orders-create.json", "order", "not the merchant's order"},
	    {"webhooks-create.json", "webhook", "webhook endpoint"},
	    {"shipping-refund-refund.json", "shipment", "postage refund is \"submitted\""},
	    {"returns-create.json", "shipment", "return shipment"},
	    {"addresses-create-and-verify.json", "error",
	     "(\"ADDRESS.VERIFY.FAILURE\": Unable to verify address.)"},
	    {"client-library-fixtures.json", "unknown", "no \"object\" member"},
	};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(cases); i++) {
		adapt(load(cases[i].file));
		assert_int_equal(out.outcome, ORDEX_ADAPT_IGNORED);
		assert_string_equal(out.kind, cases[i].kind);
		if (!strstr(out.ignored_why, cases[i].says))
			print_message("%s: \"%s\"\n", cases[i].file, out.ignored_why);
		assert_non_null(strstr(out.ignored_why, cases[i].says));
	}
	adapt_text("{'object':'ScanForm','id':'sf_1'}");
	assert_string_equal(out.kind, "scan_form");
	assert_string_equal(out.ignored_why, "an EasyPost scan_form does not concern orders");
	adapt_text("{'object':'Event','id':'evt_3','description':'batch.created',"
	           "'result':{'object':'Batch','id':'batch_1'}}");
	assert_string_equal(out.kind, "batch");
	assert_string_equal(out.event_id, "evt_3");
	assert_int_equal(out.outcome, ORDEX_ADAPT_IGNORED);
}

/* client-library-fixtures.json holds request parameters, not API objects. */
static void test_client_library_inputs_are_ignored(void **state)
{
	(void)state;
	const struct ordex_json *cat = load("client-library-fixtures.json");
	int n = 0;
	for (const struct ordex_json *g = cat->child; g; g = g->next) {
		adapt(g);
		assert_int_equal(out.outcome, ORDEX_ADAPT_IGNORED);
		n++;
		for (const struct ordex_json *e = g->type == ORDEX_JSON_OBJECT ? g->child : NULL; e;
		     e = e->next) {
			adapt(e);
			assert_int_equal(out.outcome, ORDEX_ADAPT_IGNORED);
			n++;
		}
	}
	print_message("client-library-fixtures.json: %d inputs, all ignored\n", n);
	assert_true(n > 40);
}

/* ---- hostile shapes ---------------------------------------------------- */

static void test_odd_shapes_end_in_one_outcome(void **state)
{
	(void)state;
	static const char *const docs[] = {
	    "[]",
	    "null",
	    "'Tracker'",
	    "{}",
	    "{'object':null}",
	    "{'object':7}",
	    "{'object':'Event'}",
	    "{'object':'Event','description':'tracker.created','result':[]}",
	    "{'object':'Event','result':{'tracking_code':'X'}}",
	    "{'object':'Event','description':'tracker.updated','result':{'tracking_code':'X',"
	    "'status':'in_transit'}}",
	    "{'object':'Tracker','tracking_code':'X','status':'in_transit','tracking_details':7}",
	    "{'object':'Tracker','tracking_code':'X','status':'in_transit','tracking_details':"
	    "[1,null,{'datetime':5},{'datetime':'yesterday'},{'datetime':'2025-01-01T00:00:00Z',"
	    "'tracking_location':'here','message':''}]}",
	    "{'object':'Tracker','tracking_code':12345,'status':'pre_transit','carrier':'',"
	    "'updated_at':'2025-13-01T00:00:00Z','est_delivery_date':'soon',"
	    "'carrier_detail':{'est_delivery_date_local':'2025-02-30'}}",
	    "{'object':'Tracker','tracking_code':'','status':''}",
	    "{'object':'Address','verifications':{'delivery':{'success':'no'}}}",
	    "{'object':'Address','verifications':{'delivery':{'success':false,'errors':[{},7]}},"
	    "'reference':'1001'}",
	    "{'object':'Address','verifications':[]}",
	    "{'object':'Shipment','tracker':{'object':'Tracker'}}",
	    "{'object':'Shipment','is_return':true,'tracker':{'object':'Tracker'}}",
	    "{'error':'boom'}",
	    "{'error':{}}",
	    "{'address':{'object':'Parcel'}}",
	    "{'has_more':false,'trackers':[]}",
	    "{'object':'AVeryLongObjectNameThatGoesOnAndOnAndOnAndOnAndOnAndOnAndOnAndOnAndOnX'}",
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
	    cmocka_unit_test_setup_teardown(test_tracker_updated_event_maps_to_shipment_updated,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_same_tracker_from_three_responses_gives_identical_bytes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bought_shipment_gives_its_trackers_event, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_mapping_twice_gives_the_same_bytes, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_every_easypost_status_has_its_canonical_status,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_status_without_its_scan_uses_updated_at, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_delivered_at_is_the_last_delivered_scan, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unknown_without_scans_is_a_label_and_with_scans_is_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unusable_trackers_are_incomplete_with_the_field,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_return_trackers_are_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_address_verification_without_order_is_incomplete,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_address_verification_with_reference_names_the_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_address_without_delivery_verification_is_ignored,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ignored_objects_say_what_they_were, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_client_library_inputs_are_ignored, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_odd_shapes_end_in_one_outcome, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
