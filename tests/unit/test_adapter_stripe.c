/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_adapter_stripe.c - the Stripe adapter.
 *
 * First against real payloads: every object of ../shared/data/stripe
 * (Stripe's OpenAPI fixtures, one payload per resource, and dj-stripe's
 * fixtures) ends in exactly one outcome, every event made passes canonical
 * validation, the same payload maps to the same bytes twice, and the key
 * fields of the payment intents, charges, refunds, disputes, reviews and
 * early fraud warnings are what Stripe's data says. A table of counts per
 * kind and outcome is printed and adds up to the number of payloads.
 *
 * Then hand-written events for what the fixtures lack: zero- and
 * three-decimal currencies (CASE-06), an order in metadata, a decline
 * code, one refund event per refund of a charge, refund statuses, Radar's
 * risk, reviews and early fraud warnings with and without an order.
 * Documents are written with single quotes; doc() makes them JSON.
 */
#include "testutil.h"

#include <inttypes.h>

#include "adapter_walk.h"

#define MAX_EV 16

/* What the adapter made of one payload, with each event validated. */
struct result {
	struct ordex_adapter_output out;
	struct ordex_event ev[MAX_EV];
	const struct ordex_json *doc[MAX_EV];
};

static struct result res;

static void show(const struct ordex_adapter_output *out)
{
	print_message("  outcome %s, kind %s, %zu events\n", outcome_name(out->outcome),
	              out->kind ? out->kind : "(null)", out->n);
	for (int i = 0; i < out->problems.n; i++)
		print_message("  missing: \"%s\" %s\n", out->problems.items[i].field,
		              out->problems.items[i].reason);
	for (size_t i = 0; i < out->n; i++)
		print_message("  event: %s\n", out->events[i]);
}

/*
 * Maps body into r and checks what holds for every payload: one outcome,
 * a kind, events only when mapped or incomplete, a reason when ignored, a
 * missing field when incomplete, and every event valid.
 */
static void run_into(struct result *r, const struct ordex_json *body, const char *topic)
{
	struct ordex_adapter_input in = {.topic = topic, .body = body};
	int rc;

	ordex_adapter_output_init(&r->out, arena, "stripe");
	rc = ordex_adapter_stripe.map(&in, &r->out);
	ordex_adapter_output_done(&r->out);
	if (rc != ORDEX_OK)
		show(&r->out);
	assert_int_equal(rc, ORDEX_OK);
	switch (r->out.outcome) {
	case ORDEX_ADAPT_MAPPED: assert_true(r->out.n >= 1); break;
	case ORDEX_ADAPT_IGNORED:
		assert_int_equal(r->out.n, 0);
		assert_non_null(r->out.ignored_why);
		break;
	case ORDEX_ADAPT_INCOMPLETE: assert_true(r->out.problems.n >= 1); break;
	default: show(&r->out); fail_msg("a payload ended in no outcome");
	}
	assert_non_null(r->out.kind);
	assert_true(r->out.n <= MAX_EV);
	for (size_t i = 0; i < r->out.n; i++) {
		struct ordex_json *doc = NULL;
		struct ordex_json_error err;
		struct ordex_problems probs;
		memset(&probs, 0, sizeof(probs));
		rc = ordex_json_parse(arena, r->out.events[i], r->out.lens[i], NULL, &doc, &err);
		if (rc)
			print_message("event %zu does not parse: %s\n", i, err.msg);
		assert_int_equal(rc, ORDEX_OK);
		rc = ordex_event_validate(arena, doc, r->out.events[i], r->out.lens[i], &r->ev[i],
		                          &probs);
		if (rc) {
			show(&r->out);
			for (int j = 0; j < probs.n; j++)
				print_message("  invalid: \"%s\" %s\n", probs.items[j].field,
				              probs.items[j].reason);
		}
		assert_int_equal(rc, ORDEX_OK);
		assert_string_equal(r->ev[i].source, "stripe");
		r->doc[i] = doc;
	}
}

static void run(const struct ordex_json *body)
{
	run_into(&res, body, NULL);
}

/* A document written with single quotes, mapped. */
static void run_doc(const char *s)
{
	run(parse_doc(s));
}

/* A string member of event i's data, as written. */
static const char *data_str(size_t i, const char *path)
{
	const struct ordex_json *n = ordex_adapter_path(ordex_json_get(res.doc[i], "data"), path);
	return n ? n->str : NULL;
}

static const char *id_of(size_t i)
{
	return ordex_json_string(ordex_json_get(res.doc[i], "id"));
}

/* ---- the shared data --------------------------------------------------- */

static struct walk_tally tally;

/* What the fixtures must map to, by the payload's id (and file when ids repeat). */
struct expect {
	const char *file; /* part of the file name, or NULL */
	const char *id;
	enum ordex_adapt_outcome outcome;
	const char *kind;
	const char *type; /* the first event's */
	const char *payment;
	const char *amount; /* as written */
	const char *currency;
	const char *reason;
	const char *field; /* incomplete: the first field named */
	int seen;
};

static struct expect expects[] = {
    /* Stripe's OpenAPI examples */
    {NULL, "pi_1PgafyB7WZ01zgkWSjxsAJo3", ORDEX_ADAPT_MAPPED, "payment_intent", "payment.failed",
     "pi_1PgafyB7WZ01zgkWSjxsAJo3", "10.99", "USD", "idempotency_error", NULL, 0},
    {NULL, "ch_1PgafuB7WZ01zgkWXYmPNZs8", ORDEX_ADAPT_MAPPED, "charge", "payment.authorized",
     "ch_1PgafuB7WZ01zgkWXYmPNZs8", "1.00", "USD", NULL, NULL, 0},
    {NULL, "re_1Pgc72B7WZ01zgkWqPvrRrPE", ORDEX_ADAPT_MAPPED, "refund", "payment.refunded",
     "ch_1PgafuB7WZ01zgkWXYmPNZs8", "1.00", "USD", NULL, NULL, 0},
    {NULL, "dp_1Pgc71B7WZ01zgkWMevJiAUx", ORDEX_ADAPT_MAPPED, "dispute", "payment.disputed",
     "ch_1PgafuB7WZ01zgkWXYmPNZs8", "10.00", "USD", "general", NULL, 0},
    /* reviews and warnings that name only their payment: the order comes through it */
    {NULL, "prv_1Pgc79B7WZ01zgkWT6khp5C3", ORDEX_ADAPT_MAPPED, "review", "fraud.signal", NULL, NULL,
     NULL, NULL, NULL, 0},
    {NULL, "issfr_1Pgc79B7WZ01zgkWxwDzEIPX", ORDEX_ADAPT_MAPPED, "early_fraud_warning",
     "fraud.signal", NULL, NULL, NULL, NULL, NULL, 0},
    {NULL, "evt_1Pgc76B7WZ01zgkWwyRHS12y", ORDEX_ADAPT_IGNORED, "plan", NULL, NULL, NULL, NULL,
     NULL, NULL, 0},
    /* dj-stripe */
    {"charge_ch_fake", "ch_fakefakefakefakefake0001", ORDEX_ADAPT_MAPPED, "charge",
     "payment.captured", "pi_fakefakefakefakefake0001", "20.00", "USD", NULL, NULL, 0},
    {"payment_intent_pi_fakefakefakefakefake0001", "pi_fakefakefakefakefake0001",
     ORDEX_ADAPT_MAPPED, "payment_intent", "payment.captured", "pi_fakefakefakefakefake0001",
     "20.00", "USD", NULL, NULL, 0},
    {"payment_intent_pi_fakefakefakefakefake0002", "pi_fakefakefakefakefake0001",
     ORDEX_ADAPT_MAPPED, "payment_intent", "payment.failed", "pi_fakefakefakefakefake0001", "20.00",
     "USD", "canceled: requested_by_customer", NULL, 0},
    {NULL, "pi_1FG742B7kbjcJ8QqGKF6qIM0", ORDEX_ADAPT_MAPPED, "payment_intent", "payment.captured",
     "pi_1FG742B7kbjcJ8QqGKF6qIM0", "1902.00", "USD", NULL, NULL, 0},
    {NULL, "pi_1JAyTwJSZQVUcJYgBbsz0NuH", ORDEX_ADAPT_MAPPED, "payment_intent", "payment.captured",
     "pi_1JAyTwJSZQVUcJYgBbsz0NuH", "10.00", "USD", NULL, NULL, 0},
    /* dj-stripe's dispute charge carries Django's decimals, not Stripe's integers */
    {NULL, "ch_1JHRCWJSZQVUcJYgOCavbxio", ORDEX_ADAPT_INCOMPLETE, "charge", NULL, NULL, NULL, NULL,
     NULL, "amount", 0},
    {NULL, "dp_1JAyTwJSZQVUcJYgPqasUEn1", ORDEX_ADAPT_MAPPED, "dispute", "payment.disputed",
     "pi_1JAyTwJSZQVUcJYgBbsz0NuH", "10.00", "USD", "fraudulent", NULL, 0},
    {NULL, "prv_1N6QVaJSZQVUcJYg2ozEL1bt", ORDEX_ADAPT_MAPPED, "review", "fraud.signal", NULL, NULL,
     NULL, NULL, NULL, 0},
    {NULL, "issfr_1N68ieJSZQVUcJYgqWI2udNV", ORDEX_ADAPT_INCOMPLETE, "early_fraud_warning", NULL,
     NULL, NULL, NULL, NULL, "charge", 0},
    /* metadata.order_id on a saved card does not make it a payment */
    {NULL, "pm_fakefakefakefake0001", ORDEX_ADAPT_IGNORED, "payment_method", NULL, NULL, NULL, NULL,
     NULL, NULL, 0},
    {NULL, "cus_6lsBvm5rJ0zyHc", ORDEX_ADAPT_IGNORED, "customer", NULL, NULL, NULL, NULL, NULL,
     NULL, 0},
};

static void expect_str(const char *what, const char *got, const char *want, const char *id)
{
	if (!want)
		return;
	if (!got || strcmp(got, want) != 0) {
		show(&res.out);
		fail_msg("%s of \"%s\": got \"%s\", want \"%s\"", what, id, got ? got : "(null)",
		         want);
	}
}

static void check_fixture(const char *file, const struct ordex_json *payload)
{
	const char *id = ordex_json_string(ordex_json_get(payload, "id"));
	for (size_t i = 0; id && i < ORDEX_ARRAY_LEN(expects); i++) {
		struct expect *e = &expects[i];
		if (strcmp(e->id, id) != 0 || (e->file && !strstr(file, e->file)))
			continue;
		e->seen++;
		expect_str("outcome", outcome_name(res.out.outcome), outcome_name(e->outcome), id);
		expect_str("kind", res.out.kind, e->kind, id);
		if (e->field) {
			assert_true(res.out.problems.n >= 1);
			expect_str("missing field", res.out.problems.items[0].field, e->field, id);
		}
		if (!e->type)
			continue;
		assert_true(res.out.n >= 1);
		expect_str("type", res.ev[0].type_name, e->type, id);
		expect_str("payment", res.ev[0].payment, e->payment, id);
		expect_str("amount", data_str(0, "amount"), e->amount, id);
		expect_str("currency", res.ev[0].currency, e->currency, id);
		expect_str("reason", res.ev[0].reason, e->reason, id);
		/* none of the fixtures carries an order reference */
		assert_null(res.ev[0].order);
	}
}

/* Whether minor is one of the Stripe amounts of o (or of the refunds it lists). */
static bool stripe_amount(const struct ordex_json *o, int64_t minor)
{
	static const char *const keys[] = {"amount", "amount_received", "amount_capturable",
	                                   "amount_captured"};
	int64_t v;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(keys); i++)
		if (ordex_json_int(ordex_json_get(o, keys[i]), &v) == ORDEX_OK && v == minor)
			return true;
	const struct ordex_json *list = ordex_adapter_path(o, "refunds.data");
	for (const struct ordex_json *r = list ? list->child : NULL; r; r = r->next)
		if (stripe_amount(r, minor))
			return true;
	return false;
}

/*
 * What holds for every event, by kind: a payment names its payment (and a
 * refund its refund), a fraud signal its order, and an amount is one of
 * Stripe's integers read in its currency (all the fixtures are in USD,
 * where Stripe's exponent is ISO's).
 */
static void check_kind(const struct ordex_json *p)
{
	const struct ordex_json *o = ordex_adapter_path(p, "data.object");
	if (!o)
		o = p;
	for (size_t i = 0; i < res.out.n; i++) {
		const struct ordex_event *ev = &res.ev[i];
		if (ev->type == ORDEX_EV_FRAUD_SIGNAL) {
			/* its order, or the payment that leads ordex to it */
			assert_true(ev->order || ev->payment || ev->order_alias.source);
			assert_int_not_equal(ev->fraud_rec, ORDEX_FRAUD_NONE);
			continue;
		}
		assert_non_null(ev->payment);
		if (ev->type == ORDEX_EV_PAYMENT_REFUNDED)
			assert_non_null(ev->refund);
		if (ev->amount.set && !strcmp(ev->currency, "USD") &&
		    !stripe_amount(o, ev->amount.minor)) {
			show(&res.out);
			fail_msg("amount %" PRId64 " is none of the payload's", ev->amount.minor);
		}
	}
}

/* Kinds that bear on orders first, then by name. */
static int row_order(const void *x, const void *y)
{
	const struct walk_row *a = x, *b = y;
	bool ra = a->n[ORDEX_ADAPT_MAPPED] + a->n[ORDEX_ADAPT_INCOMPLETE] > 0;
	bool rb = b->n[ORDEX_ADAPT_MAPPED] + b->n[ORDEX_ADAPT_INCOMPLETE] > 0;
	if (ra != rb)
		return ra ? -1 : 1;
	return strcmp(a->kind, b->kind);
}

static struct result again;

static void payload(const char *file, const struct ordex_json *p)
{
	run(p);
	walk_count(&tally, &res.out);
	check_kind(p);
	check_fixture(file, p);

	run_into(&again, p, NULL);
	assert_int_equal(again.out.outcome, res.out.outcome);
	assert_int_equal(again.out.n, res.out.n);
	for (size_t i = 0; i < res.out.n; i++) {
		assert_int_equal(again.out.lens[i], res.out.lens[i]);
		assert_memory_equal(again.out.events[i], res.out.events[i], res.out.lens[i]);
	}
}

/* Every payload of a file: a resources map, a list, or one object (an event or not). */
static void payloads(const char *file, const struct ordex_json *n)
{
	const struct ordex_json *resources = ordex_json_get(n, "resources");
	if (resources && resources->type == ORDEX_JSON_OBJECT) {
		for (const struct ordex_json *r = resources->child; r; r = r->next)
			payload(file, r);
	} else if (n->type == ORDEX_JSON_ARRAY) {
		for (const struct ordex_json *e = n->child; e; e = e->next)
			payloads(file, e);
	} else {
		payload(file, n);
	}
}

static void walk_file(void *ctx, const char *path, const char *name, struct ordex_json *root)
{
	(void)ctx;
	(void)name;
	payloads(path, root);
}

static void test_every_shared_payload_maps_to_one_outcome(void **state)
{
	(void)state;
	static const struct walk_table table = {"", 40, WALK_SUM, "all"};
	const char *dir = shared_dir("stripe");
	int files = walk_dir(dir, true, walk_file, NULL);
	if (files < 0) {
		print_message("skipped: no Stripe data at \"%s\" (set ORDEX_SHARED_DATA)\n", dir);
		skip();
	}
	assert_true(files > 0);

	qsort(tally.rows, (size_t)tally.n_rows, sizeof(tally.rows[0]), row_order);
	int sum = walk_print(&tally, &table);
	print_message("%d files, %d payloads, %d canonical events\n", files, tally.payloads,
	              tally.events);
	assert_int_equal(sum, tally.payloads);
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(expects); i++)
		if (!expects[i].seen)
			fail_msg("no payload \"%s\" in the shared data", expects[i].id);
}

/* ---- hand-written payloads --------------------------------------------- */

/* A bare succeeded payment intent of amount_received in currency. */
static void run_pi(const char *currency, const char *received)
{
	char *s = ordex_arena_printf(arena,
	                             "{'id':'pi_c6','object':'payment_intent','status':'succeeded',"
	                             "'amount':%s,'amount_received':%s,'currency':'%s',"
	                             "'created':1740841200,'metadata':{}}",
	                             received, received, currency);
	run_doc(s);
}

static void test_case06_zero_and_three_decimal_currencies(void **state)
{
	(void)state;
	/* ¥9899 is 9899, never 98.99 or 989900 */
	run_pi("jpy", "9899");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(data_str(0, "amount"), "9899");
	assert_string_equal(res.ev[0].currency, "JPY");
	assert_int_equal(res.ev[0].amount.minor, 9899);
	assert_string_equal(res.ev[0].type_name, "payment.captured");
	assert_string_equal(id_of(0), "pi_c6/succeeded");

	run_pi("krw", "50000");
	assert_string_equal(data_str(0, "amount"), "50000");

	run_pi("kwd", "1234");
	assert_string_equal(data_str(0, "amount"), "1.234");
	assert_string_equal(res.ev[0].currency, "KWD");
	assert_int_equal(res.ev[0].amount.minor, 1234);

	run_pi("usd", "1099");
	assert_string_equal(data_str(0, "amount"), "10.99");

	/* MGA: zero-decimal in Stripe, two decimals in ISO 4217 */
	run_pi("mga", "500");
	assert_string_equal(data_str(0, "amount"), "500");
	assert_int_equal(res.ev[0].amount.minor, 50000);

	/* ISK: two decimals in Stripe, none in ISO; a fraction cannot be kept */
	run_pi("isk", "1000");
	assert_string_equal(data_str(0, "amount"), "10");
	assert_int_equal(res.ev[0].amount.minor, 10);
	run_pi("isk", "1050");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_int_equal(res.out.n, 0);
	assert_string_equal(res.out.problems.items[0].field, "amount_received");

	run_pi("xyz", "100");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(res.out.problems.items[0].field, "currency");
}

static void test_envelope_with_order_id_links_the_order(void **state)
{
	(void)state;
	run_doc("{'id':'evt_1','object':'event','type':'payment_intent.succeeded',"
	        "'created':1740841200,'data':{'object':{'id':'pi_1','object':'payment_intent',"
	        "'status':'succeeded','amount':5000,'amount_received':5000,'currency':'usd',"
	        "'created':1740800000,'metadata':{'order_id':'1001',"
	        "'shopify_order_id':'450789469'}}}}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(res.out.kind, "payment_intent");
	assert_string_equal(res.out.event_id, "evt_1");
	assert_int_equal(res.out.n, 1);
	assert_string_equal(id_of(0), "evt_1");
	assert_string_equal(res.ev[0].type_name, "payment.captured");
	assert_string_equal(res.ev[0].order, "1001");
	assert_string_equal(res.ev[0].payment, "pi_1");
	assert_string_equal(data_str(0, "amount"), "50.00");
	assert_string_equal(res.ev[0].currency, "USD");
	/* the event's created, not the object's */
	assert_int_equal(res.ev[0].occurred.us, INT64_C(1740841200000000));
	assert_string_equal(res.ev[0].order_alias.source, "shopify");
	assert_string_equal(res.ev[0].order_alias.id, "450789469");

	/* order_number, then order; only a Shopify id: an alias and no order */
	run_doc("{'id':'pi_2','object':'payment_intent','status':'processing','amount':100,"
	        "'currency':'eur','created':1740841200,'metadata':{'order_number':'A-7'}}");
	assert_string_equal(res.ev[0].type_name, "payment.pending");
	assert_string_equal(res.ev[0].order, "A-7");
	assert_null(res.out.event_id);
	run_doc("{'id':'pi_3','object':'payment_intent','status':'requires_action','amount':100,"
	        "'currency':'eur','created':1740841200,'metadata':{'shopify_order_id':'42'}}");
	assert_string_equal(res.ev[0].type_name, "payment.requires_action");
	assert_null(res.ev[0].order);
	assert_string_equal(res.ev[0].order_alias.id, "42");
	run_doc("{'id':'pi_4','object':'payment_intent','status':'requires_capture','amount':700,"
	        "'amount_capturable':700,'currency':'gbp','created':1740841200,'metadata':{}}");
	assert_string_equal(res.ev[0].type_name, "payment.authorized");
	assert_string_equal(data_str(0, "amount"), "7.00");
	assert_null(res.ev[0].order);
	assert_null(res.ev[0].order_alias.source);

	/* a reference too long for the canonical format is named, not dropped */
	char longref[300];
	memset(longref, 'x', sizeof(longref) - 1);
	longref[sizeof(longref) - 1] = '\0';
	run_doc(ordex_arena_printf(arena,
	                           "{'id':'pi_5','object':'payment_intent','status':'succeeded',"
	                           "'amount':1,'currency':'usd','created':1,'metadata':{'order_id':"
	                           "'%s'}}",
	                           longref));
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(res.out.problems.items[0].field, "metadata.order_id");
}

static void test_payment_failed_names_the_decline_code(void **state)
{
	(void)state;
	run_doc("{'id':'evt_2','object':'event','type':'payment_intent.payment_failed',"
	        "'created':1740841200,'data':{'object':{'id':'pi_9','object':'payment_intent',"
	        "'status':'requires_payment_method','amount':2000,'currency':'usd',"
	        "'created':1740800000,'metadata':{'order_id':'1002'},'last_payment_error':{"
	        "'type':'card_error','code':'card_declined','decline_code':'insufficient_funds',"
	        "'message':'Your card has insufficient funds.','charge':'ch_9'}}}}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(res.ev[0].type_name, "payment.failed");
	assert_string_equal(res.ev[0].reason,
	                    "insufficient_funds: Your card has insufficient funds.");
	assert_string_equal(res.ev[0].payment, "pi_9");
	assert_string_equal(res.ev[0].order, "1002");
	assert_string_equal(data_str(0, "amount"), "20.00");

	/* the same failure as a bare object: its id says which attempt */
	run(ordex_adapter_path(
	    parse_doc("{'d':{'id':'pi_9','object':'payment_intent',"
	              "'status':'requires_payment_method','amount':2000,"
	              "'currency':'usd','created':1740800000,'last_payment_error':{"
	              "'code':'expired_card','message':'Your card has expired.',"
	              "'charge':'ch_9'}}}"),
	    "d"));
	assert_string_equal(id_of(0), "pi_9/payment_failed/ch_9");
	assert_string_equal(res.ev[0].reason, "expired_card: Your card has expired.");

	/* without an error a payment waiting for a method is pending */
	run_doc("{'id':'pi_8','object':'payment_intent','status':'requires_payment_method',"
	        "'amount':2000,'currency':'usd','created':1740800000,'last_payment_error':null}");
	assert_string_equal(res.ev[0].type_name, "payment.pending");

	/* a canceled intent failed, and says why; its time is canceled_at */
	run_doc("{'id':'pi_7','object':'payment_intent','status':'canceled','amount':2000,"
	        "'currency':'usd','created':1740800000,'canceled_at':1740841200,"
	        "'cancellation_reason':'abandoned'}");
	assert_string_equal(res.ev[0].type_name, "payment.failed");
	assert_string_equal(res.ev[0].reason, "canceled: abandoned");
	assert_int_equal(res.ev[0].occurred.us, INT64_C(1740841200000000));

	/* a failed charge: decline code from the outcome, then the message */
	run_doc("{'id':'ch_3','object':'charge','status':'failed','amount':900,'currency':'eur',"
	        "'captured':false,'created':1740841200,'payment_intent':'pi_3',"
	        "'failure_code':'card_declined','failure_message':'Your card was declined.',"
	        "'outcome':{'type':'issuer_declined','reason':'do_not_honor',"
	        "'risk_level':'normal','risk_score':20}}");
	assert_string_equal(res.ev[0].type_name, "payment.failed");
	assert_string_equal(res.ev[0].reason, "do_not_honor: Your card was declined.");
	assert_string_equal(res.ev[0].payment, "pi_3");
	assert_int_equal(res.ev[0].risk_score, 20);
	assert_null(res.ev[0].risk_decision);
}

static void test_bare_review_without_order_is_incomplete(void **state)
{
	(void)state;
	/* with no order in sight, the signal names its payment: ordex finds the order
	 * through it, now or when the payment's order becomes known */
	run_doc("{'id':'prv_1','object':'review','open':true,'reason':'rule','charge':'ch_1',"
	        "'payment_intent':null,'created':1740841200}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(res.out.kind, "review");
	assert_int_equal(res.out.n, 1);
	assert_null(res.ev[0].order);
	assert_string_equal(res.ev[0].payment, "ch_1");

	/* naming no payment at all, it cannot reach an order */
	run_doc("{'id':'prv_0','object':'review','open':true,'reason':'rule','charge':null,"
	        "'payment_intent':null,'created':1740841200}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_int_equal(res.out.n, 0);
}

static void test_review_verdicts_with_an_expanded_payment(void **state)
{
	(void)state;
	const char *fmt = "{'id':'evt_%s','object':'event','type':'review.%s',"
	                  "'created':1740841200,'data':{'object':{'id':'prv_2','object':'review',"
	                  "'open':%s,'closed_reason':%s,'reason':'rule','created':1740800000,"
	                  "'payment_intent':{'id':'pi_2','object':'payment_intent',"
	                  "'metadata':{'order_id':'1003'}}}}}";
	run_doc(ordex_arena_printf(arena, fmt, "o", "opened", "true", "null"));
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(res.ev[0].type_name, "fraud.signal");
	assert_string_equal(res.ev[0].order, "1003");
	assert_int_equal(res.ev[0].fraud_rec, ORDEX_FRAUD_REVIEW);
	assert_string_equal(data_str(0, "payment"), "pi_2");
	assert_string_equal(res.ev[0].signal_kind, "radar_review");

	run_doc(ordex_arena_printf(arena, fmt, "a", "closed", "false", "'approved'"));
	assert_int_equal(res.ev[0].fraud_rec, ORDEX_FRAUD_ACCEPT);
	run_doc(ordex_arena_printf(arena, fmt, "c", "closed", "false", "'refunded_as_fraud'"));
	assert_int_equal(res.ev[0].fraud_rec, ORDEX_FRAUD_CANCEL);
	run_doc(ordex_arena_printf(arena, fmt, "r", "closed", "false", "'refunded'"));
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(res.out.kind, "review");
	assert_non_null(strstr(res.out.ignored_why, "\"refunded\""));

	/* only Shopify's id of the order: the signal names the order by that alias */
	run_doc("{'id':'prv_3','object':'review','open':true,'created':1740800000,"
	        "'charge':{'id':'ch_3','object':'charge','metadata':{'shopify_order_id':'4507'}}}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_null(res.ev[0].order);
	assert_string_equal(res.ev[0].order_alias.source, "shopify");
	assert_string_equal(res.ev[0].order_alias.id, "4507");
}

static void test_review_closed_otherwise_is_ignored(void **state)
{
	(void)state;
	run_doc("{'id':'prv_4','object':'review','open':false,'closed_reason':'refunded',"
	        "'created':1,'payment_intent':'pi_4'}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(res.out.kind, "review");
	assert_non_null(strstr(res.out.ignored_why, "\"refunded\""));
}

static void test_early_fraud_warning_asks_to_investigate(void **state)
{
	(void)state;
	run_doc("{'id':'evt_w','object':'event','type':'radar.early_fraud_warning.created',"
	        "'created':1740841200,'data':{'object':{'id':'issfr_1',"
	        "'object':'radar.early_fraud_warning','actionable':true,'fraud_type':"
	        "'unauthorized_use_of_card','created':1740800000,'charge':{'id':'ch_w',"
	        "'object':'charge','metadata':{'order_number':'1004'}}}}}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(res.out.kind, "early_fraud_warning");
	assert_string_equal(res.ev[0].type_name, "fraud.signal");
	assert_string_equal(res.ev[0].order, "1004");
	assert_int_equal(res.ev[0].fraud_rec, ORDEX_FRAUD_INVESTIGATE);
	assert_string_equal(data_str(0, "payment"), "ch_w");
	assert_string_equal(data_str(0, "fraud_type"), "unauthorized_use_of_card");

	run_doc("{'id':'issfr_2','object':'radar.early_fraud_warning','actionable':true,"
	        "'charge':'ch_x','created':1740800000}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(res.ev[0].payment, "ch_x"); /* the order comes through the payment */
}

static void test_charge_refunded_makes_one_event_per_refund(void **state)
{
	(void)state;
	run_doc("{'id':'evt_9','object':'event','type':'charge.refunded','created':1740841200,"
	        "'data':{'object':{'id':'ch_9','object':'charge','status':'succeeded',"
	        "'captured':true,'amount':3000,'amount_refunded':1500,'currency':'jpy',"
	        "'payment_intent':'pi_9','created':1740800000,'metadata':{'order_id':'1005'},"
	        "'refunds':{'object':'list','data':["
	        "{'id':'re_2','object':'refund','amount':500,'currency':'jpy','status':'succeeded',"
	        "'charge':'ch_9','payment_intent':'pi_9','created':1740840000,'reason':null},"
	        "{'id':'re_1','object':'refund','amount':1000,'currency':'jpy','status':"
	        "'succeeded','charge':'ch_9','payment_intent':'pi_9','created':1740830000,"
	        "'reason':'requested_by_customer'},"
	        "{'id':'re_3','object':'refund','amount':100,'currency':'jpy','status':'pending',"
	        "'charge':'ch_9','created':1740841000}]}}}}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(res.out.kind, "charge");
	assert_int_equal(res.out.n, 2);
	assert_string_equal(id_of(0), "evt_9/re_2");
	assert_string_equal(id_of(1), "evt_9/re_1");
	assert_string_equal(res.ev[0].refund, "re_2");
	assert_string_equal(data_str(0, "amount"), "500");
	assert_string_equal(data_str(1, "amount"), "1000");
	assert_string_equal(res.ev[1].reason, "requested_by_customer");
	for (int i = 0; i < 2; i++) {
		assert_string_equal(res.ev[i].type_name, "payment.refunded");
		assert_string_equal(res.ev[i].payment, "pi_9");
		assert_string_equal(res.ev[i].order, "1005");
		assert_string_equal(res.ev[i].currency, "JPY");
	}

	/* newer API versions do not list refunds: each refund cannot be named */
	run_doc("{'id':'evt_10','object':'event','type':'charge.refunded','created':1740841200,"
	        "'data':{'object':{'id':'ch_9','object':'charge','status':'succeeded',"
	        "'captured':true,'amount':3000,'amount_refunded':1500,'currency':'usd',"
	        "'payment_intent':'pi_9','created':1740800000,'metadata':{'order_id':'1005'}}}}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(res.out.order, "1005");
	assert_string_equal(res.out.problems.items[0].field, "data.object.refunds.data");

	/* a bare charge is a snapshot: captured, and the refund it lists */
	run_doc("{'id':'ch_b','object':'charge','status':'succeeded','captured':true,"
	        "'amount':3000,'amount_captured':3000,'amount_refunded':1000,'currency':'usd',"
	        "'created':1740800000,'refunds':{'data':[{'id':'re_b','amount':1000,"
	        "'status':'succeeded','created':1740830000}]}}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_int_equal(res.out.n, 2);
	assert_string_equal(id_of(0), "ch_b/captured");
	assert_string_equal(res.ev[0].payment, "ch_b");
	assert_string_equal(id_of(1), "ch_b/re_b");
	assert_string_equal(res.ev[1].payment, "ch_b");
	assert_string_equal(res.ev[1].currency, "USD");
	assert_int_equal(res.ev[1].occurred.us, INT64_C(1740830000000000));
}

static void test_refund_statuses(void **state)
{
	(void)state;
	const char *fmt = "{'id':'re_5','object':'refund','amount':500,'currency':'jpy',"
	                  "'status':'%s','payment_intent':'pi_5','charge':'ch_5',"
	                  "'created':1740841200,'metadata':{'order':'1006'}}";
	run_doc(ordex_arena_printf(arena, fmt, "succeeded"));
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(res.ev[0].type_name, "payment.refunded");
	assert_string_equal(id_of(0), "re_5/succeeded");
	assert_string_equal(res.ev[0].refund, "re_5");
	assert_string_equal(res.ev[0].payment, "pi_5");
	assert_string_equal(res.ev[0].order, "1006");
	assert_string_equal(data_str(0, "amount"), "500");
	assert_int_equal(res.ev[0].amount.minor, 500);

	/* under way it counts; failed or canceled it stops counting */
	run_doc(ordex_arena_printf(arena, fmt, "pending"));
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(id_of(0), "re_5/pending");
	assert_string_equal(res.ev[0].refund_status, "pending");
	run_doc(ordex_arena_printf(arena, fmt, "failed"));
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(res.ev[0].type_name, "payment.refunded");
	assert_string_equal(res.ev[0].refund_status, "failed");
	run_doc(ordex_arena_printf(arena, fmt, "canceled"));
	assert_string_equal(res.ev[0].refund_status, "canceled");

	/* a refund ordex asked for carries its idempotency key: its report is an echo */
	run_doc("{'id':'re_7','object':'refund','amount':500,'currency':'usd','status':'succeeded',"
	        "'payment_intent':'pi_7','created':1740841200,'metadata':{'order':'1008',"
	        "'ordex_key':'ordex:42:refund','ordex_action':'42'}}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(res.ev[0].writeback_key, "ordex:42:refund");
	run_doc(ordex_arena_printf(arena, fmt, "succeeded"));
	assert_null(res.ev[0].writeback_key);

	/* a refund naming no payment at all */
	run_doc("{'id':'re_6','object':'refund','amount':500,'currency':'usd',"
	        "'status':'succeeded','created':1740841200}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(res.out.problems.items[0].field, "payment_intent");
}

static void test_radar_risk_on_a_charge(void **state)
{
	(void)state;
	run_doc("{'id':'evt_c','object':'event','type':'charge.succeeded','created':1740841200,"
	        "'data':{'object':{'id':'ch_r','object':'charge','status':'succeeded',"
	        "'captured':false,'amount':12000,'currency':'usd','payment_intent':'pi_r',"
	        "'created':1740841200,'metadata':{'order_id':'1007'},'outcome':{"
	        "'type':'authorized','risk_level':'elevated','risk_score':70}}}}");
	assert_string_equal(res.ev[0].type_name, "payment.authorized");
	assert_string_equal(res.ev[0].risk_decision, "review");
	assert_int_equal(res.ev[0].risk_score, 70);
	assert_string_equal(data_str(0, "amount"), "120.00");

	run_doc("{'id':'ch_m','object':'charge','status':'succeeded','captured':true,"
	        "'amount':100,'currency':'usd','created':1,'outcome':{'type':'manual_review',"
	        "'risk_level':'normal','risk_score':10}}");
	assert_string_equal(res.ev[0].type_name, "payment.captured");
	assert_string_equal(res.ev[0].risk_decision, "review");

	run_doc("{'id':'ch_n','object':'charge','status':'succeeded','captured':true,"
	        "'amount':100,'currency':'usd','created':1,'outcome':{'type':'authorized',"
	        "'risk_level':'normal','risk_score':3}}");
	assert_string_equal(res.ev[0].risk_decision, "accept");
	assert_int_equal(res.ev[0].risk_score, 3);
}

static void test_dispute_names_the_payment(void **state)
{
	(void)state;
	run_doc("{'id':'evt_d','object':'event','type':'charge.dispute.created',"
	        "'created':1740841200,'data':{'object':{'id':'dp_1','object':'dispute',"
	        "'amount':1234,'currency':'kwd','reason':'product_not_received',"
	        "'status':'needs_response','charge':'ch_d','payment_intent':'pi_d',"
	        "'created':1740841200,'metadata':{}}}}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(res.out.kind, "dispute");
	assert_string_equal(res.ev[0].type_name, "payment.disputed");
	assert_string_equal(res.ev[0].payment, "pi_d");
	assert_string_equal(data_str(0, "amount"), "1.234");
	assert_string_equal(res.ev[0].currency, "KWD");
	assert_string_equal(res.ev[0].reason, "product_not_received");
	assert_string_equal(data_str(0, "dispute_status"), "needs_response");
}

static void test_what_is_not_about_orders_is_ignored(void **state)
{
	(void)state;
	run_doc("{'id':'evt_i','object':'event','type':'invoice.paid','created':1,"
	        "'data':{'object':{'id':'in_1','object':'invoice'}}}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(res.out.kind, "invoice");
	assert_string_equal(res.out.event_id, "evt_i");
	assert_non_null(strstr(res.out.ignored_why, "invoice.paid"));

	run_doc("{'id':'po_1','object':'payout','amount':100,'currency':'usd'}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(res.out.kind, "payout");

	run_doc("[1,2]");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_IGNORED);
	run_doc("{'hello':'world'}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_IGNORED);

	/* about a payment, but unusable: incomplete, never dropped */
	run_doc("{'id':'evt_x','object':'event','type':'payment_intent.succeeded','created':1,"
	        "'data':{}}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(res.out.kind, "payment_intent");
	assert_string_equal(res.out.problems.items[0].field, "data.object");
	run_doc("{'id':'pi_u','object':'payment_intent','status':'teleported','amount':1,"
	        "'currency':'usd','created':1}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(res.out.problems.items[0].field, "status");
	run_doc("{'id':'pi_v','object':'payment_intent','status':'succeeded','amount':'10.00',"
	        "'currency':'usd','created':1}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(res.out.problems.items[0].field, "amount");
	run_doc("{'id':'ch_t','object':'charge','status':'succeeded','captured':true,"
	        "'amount':100,'currency':'usd'}");
	assert_int_equal(res.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(res.out.problems.items[0].field, "created");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_every_shared_payload_maps_to_one_outcome, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_case06_zero_and_three_decimal_currencies, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_envelope_with_order_id_links_the_order, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_payment_failed_names_the_decline_code, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_bare_review_without_order_is_incomplete, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_review_verdicts_with_an_expanded_payment, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_review_closed_otherwise_is_ignored, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_early_fraud_warning_asks_to_investigate, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_charge_refunded_makes_one_event_per_refund, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_refund_statuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_radar_risk_on_a_charge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dispute_names_the_payment, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_what_is_not_about_orders_is_ignored, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
