/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_adapter_shopify.c - the Shopify adapter against Shopify's own
 * example payloads (../shared/data/shopify, Admin API responses of the
 * shape webhooks send) and hand-written webhook bodies for the topics those
 * lack: cancellations, fulfillment holds, risk assessments, zero-decimal
 * currencies, names in any script, and payloads missing what the mapping
 * needs.
 *
 * Every payload must end in exactly one outcome, every event produced must
 * pass the canonical validation, and across all the shared payloads one
 * event id never names two different facts.
 *
 * Hand-written documents use single quotes for readability; doc() turns
 * them into double quotes.
 */
#include "testutil.h"

#include "adapter_walk.h"

#define RECEIVED "2025-03-01T10:00:00-05:00"

static struct ordex_adapter_output out;
static struct ordex_event ev;
static struct ordex_problems probs;

/* ---- helpers ----------------------------------------------------------- */

static void show_problems(const struct ordex_problems *p)
{
	for (int i = 0; i < p->n; i++)
		print_message("  problem: \"%s\" %s\n", p->items[i].field, p->items[i].reason);
}

/* A member by dotted path as a string (strings and numbers), or NULL. */
static const char *str_at(const struct ordex_json *d, const char *path)
{
	const struct ordex_json *n = ordex_adapter_path(d, path);
	return n && (n->type == ORDEX_JSON_STRING || n->type == ORDEX_JSON_NUMBER) ? n->str : NULL;
}

/* Parses and validates event i of out into ev; returns its document. */
static const struct ordex_json *event(size_t i)
{
	assert_true(i < out.n);
	struct ordex_json *d = parse(out.events[i], out.lens[i]);
	memset(&probs, 0, sizeof(probs));
	if (ordex_event_validate(arena, d, out.events[i], out.lens[i], &ev, &probs) != ORDEX_OK) {
		print_message("event %zu refused: %.*s\n", i, (int)out.lens[i], out.events[i]);
		show_problems(&probs);
		fail();
	}
	return d;
}

/* A snapshot's id: prefix, then '/' and the object's digest (16 hex digits). */
static void snapshot_id(const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(ev.id, prefix, n))
		print_message("id \"%s\" does not start with \"%s\"\n", ev.id, prefix);
	assert_int_equal(strncmp(ev.id, prefix, n), 0);
	assert_int_equal(strlen(ev.id), n + 17);
	assert_int_equal(ev.id[n], '/');
	assert_int_equal(strspn(ev.id + n + 1, "0123456789abcdef"), 16);
}

/* What every payload must satisfy: one outcome, and events that validate. */
static void check_outcome(void)
{
	assert_non_null(out.kind);
	switch (out.outcome) {
	case ORDEX_ADAPT_MAPPED:
		assert_true(out.n > 0);
		assert_int_equal(out.problems.n, 0);
		break;
	case ORDEX_ADAPT_IGNORED:
		assert_int_equal(out.n, 0);
		assert_non_null(out.ignored_why);
		assert_true(strlen(out.ignored_why) > 0);
		break;
	case ORDEX_ADAPT_INCOMPLETE: assert_true(out.problems.n > 0); break;
	default: fail_msg("payload of kind \"%s\" has no outcome", out.kind);
	}
	for (size_t i = 0; i < out.n; i++)
		event(i);
}

static void run_body(const char *topic, const char *delivery, const struct ordex_json *body)
{
	struct ordex_adapter_input in = {
	    .topic = topic, .delivery_id = delivery, .body = body, .received_at = RECEIVED};
	ordex_adapter_output_init(&out, arena, "shopify");
	assert_int_equal(ordex_adapter_shopify.map(&in, &out), ORDEX_OK);
	ordex_adapter_output_done(&out);
	check_outcome();
}

/* Maps a hand-written payload (single quotes) under topic. */
static void run(const char *topic, const char *s)
{
	run_body(topic, NULL, parse_doc(s));
}

static void outcome_is(enum ordex_adapt_outcome o, size_t events)
{
	if (out.outcome != o || out.n != events) {
		print_message("outcome %d with %zu events, kind \"%s\"\n", out.outcome, out.n,
		              out.kind);
		show_problems(&out.problems);
		for (size_t i = 0; i < out.n; i++)
			print_message("  %.*s\n", (int)out.lens[i], out.events[i]);
	}
	assert_int_equal(out.outcome, o);
	assert_int_equal(out.n, events);
}

static void has_problem(const char *field, const char *reason)
{
	for (int i = 0; i < out.problems.n; i++)
		if (!strcmp(out.problems.items[i].field, field) &&
		    (!reason || strstr(out.problems.items[i].reason, reason)))
			return;
	print_message("no problem \"%s\" (%s) among:\n", field, reason ? reason : "any");
	show_problems(&out.problems);
	fail();
}

static void str_is(const struct ordex_json *d, const char *path, const char *want)
{
	const char *got = str_at(d, path);
	if (!got || strcmp(got, want))
		print_message("%s is \"%s\", not \"%s\"\n", path, got ? got : "(absent)", want);
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void absent(const struct ordex_json *d, const char *path)
{
	assert_null(ordex_adapter_path(d, path));
}

/* ---- the shared fixtures ----------------------------------------------- */

/* What each file holds: the kind and, per payload, M mapped, I ignored, X incomplete. */
static const struct {
	const char *file, *kind, *outcomes;
} expected[] = {
    {"abandoned_checkout.json", "checkout", "I"},
    {"checkouts.json", "checkout", "I"},
    {"customer.json", "customer", "M"},
    {"customers_search.json", "customer", "M"},
    {"dispute.json", "dispute", "X"},
    {"disputes.json", "dispute", "XMMMMMM"},
    {"draft_order.json", "draft_order", "I"},
    {"draft_order_completed.json", "draft_order", "I"},
    {"draft_orders.json", "draft_order", "I"},
    {"events.json", "event", "III"},
    {"fulfillment.json", "fulfillment", "M"},
    {"fulfillment_event.json", "fulfillment_event", "M"},
    {"fulfillment_orders.json", "fulfillment_order", "I"},
    {"inventory_item.json", "inventory_item", "M"},
    {"inventory_items.json", "inventory_item", "MMM"},
    {"inventory_level.json", "inventory_level", "M"},
    {"inventory_levels.json", "inventory_level", "MMMM"},
    {"location.json", "location", "M"},
    {"location_inventory_levels.json", "inventory_level", "MM"},
    {"locations.json", "location", "MM"},
    {"order.json", "order", "M"},
    {"order_risk.json", "order_risk", "M"},
    {"order_risks.json", "order_risk", "MM"},
    {"orders.json", "order", "M"},
    {"payouts_transactions.json", "balance_transaction", "IIIIIIIIIIIIIIIIIIIIIIIII"},
    {"product.json", "product", "I"},
    {"refund.json", "refund", "M"},
    {"refund_calculate.json", "refund", "I"},
    {"shipping_zones.json", "shipping_zone", "I"},
    {"tender_transactions.json", "tender_transaction", "III"},
    {"transaction.json", "transaction", "X"},
    {"transactions.json", "transaction", "X"},
    {"variant.json", "variant", "I"},
    {"variants.json", "variant", "IIII"},
};

#define MAX_EVENTS 512

static struct {
	struct walk_tally counts;
	const char *files[256]; /* the names of the files walked */
	size_t n_files;
	int checked;
	/* every event seen, to prove ids distinct per fact and stable */
	struct {
		const char *id, *bytes;
		size_t len;
	} seen[MAX_EVENTS];
	int n_seen, duplicates;
} tally;

/* Same id, same bytes: a redelivery. Same id, other bytes would be a 409. */
static void remember_ids(void)
{
	for (size_t i = 0; i < out.n; i++) {
		const struct ordex_json *d = parse(out.events[i], out.lens[i]);
		const char *id = str_at(d, "id");
		int j = 0;
		while (j < tally.n_seen && strcmp(tally.seen[j].id, id))
			j++;
		if (j < tally.n_seen) {
			if (tally.seen[j].len != out.lens[i] ||
			    memcmp(tally.seen[j].bytes, out.events[i], out.lens[i]))
				fail_msg("id \"%s\" names two different facts:\n%s\n%.*s", id,
				         tally.seen[j].bytes, (int)out.lens[i], out.events[i]);
			tally.duplicates++;
			continue;
		}
		assert_true(tally.n_seen < MAX_EVENTS);
		tally.seen[j].id = id;
		tally.seen[j].bytes = out.events[i];
		tally.seen[j].len = out.lens[i];
		tally.n_seen++;
	}
}

static void check_order_json(void)
{
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	const struct ordex_json *d = event(0);
	assert_string_equal(ev.type_name, "order.created");
	assert_string_equal(ev.order, "1001");
	snapshot_id("order/450789469/created@2008-01-10T11:00:00-05:00");
	str_is(d, "occurred_at", "2008-01-10T11:00:00-05:00");
	str_is(d, "data.total", "409.94");
	assert_int_equal(ev.total.minor, 40994);
	assert_string_equal(ev.currency, "USD");
	assert_int_equal(ev.n_lines, 3);
	assert_string_equal(ev.lines[0].sku, "IPOD2008GREEN");
	assert_string_equal(ev.lines[0].ref, "466157049");
	assert_int_equal(ev.lines[0].qty, 1);
	assert_int_equal(ev.lines[0].price.minor, 19900);
	assert_string_equal(ev.lines[2].sku, "IPOD2008BLACK");
	assert_int_equal(ev.n_aliases, 1);
	assert_string_equal(ev.aliases[0].source, "shopify");
	assert_string_equal(ev.aliases[0].id, "450789469");
	assert_string_equal(ev.customer, "shopify-207119551");
	assert_string_equal(ev.email, "bob.norman@hostmail.com");
	assert_string_equal(ev.financial_status, "authorized");
	assert_string_equal(ev.status, "open");
	assert_int_equal(ev.address_state, 1);
	str_is(d, "data.shipping_address.line1", "Chestnut Street 92");
	str_is(d, "data.shipping_address.city", "Louisville");
	str_is(d, "data.shipping_address.country", "United States");
	str_is(d, "data.shipping_address.country_code", "US");
	str_is(d, "data.shipping_address.zip", "40202");
	str_is(d, "data.shipping_address.name", "Bob Norman");
}

static void check_orders_json(void)
{
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	const struct ordex_json *d = event(0);
	assert_string_equal(ev.order, "1001");
	str_is(d, "data.total", "598.94");
	assert_int_equal(ev.total.minor, 59894);
	assert_string_equal(ev.financial_status, "partially_refunded");
	assert_false(ev.lines_set); /* the list response leaves line_items out */
	assert_string_equal(ev.aliases[0].id, "450789469");
}

static void check_refund_json(void)
{
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	const struct ordex_json *d = event(0);
	assert_string_equal(ev.type_name, "payment.refunded");
	assert_string_equal(ev.id, "refund/509562969/179259969");
	assert_int_equal(ev.amount.minor, 20900);
	assert_string_equal(ev.currency, "USD");
	assert_string_equal(ev.refund, "179259969");
	assert_string_equal(ev.payment, "179259969"); /* no parent: the refund is its own root */
	assert_string_equal(ev.reason, "it broke during shipping");
	assert_string_equal(ev.order_alias.source, "shopify");
	assert_string_equal(ev.order_alias.id, "450789469");
	assert_null(ev.order);
	str_is(d, "occurred_at", "2005-08-05T12:59:12-04:00");
}

static void check_fixture(const char *file, size_t i)
{
	const struct ordex_json *d;
	if (!strcmp(file, "order.json")) {
		check_order_json();
	} else if (!strcmp(file, "orders.json")) {
		check_orders_json();
	} else if (!strcmp(file, "refund.json")) {
		check_refund_json();
	} else if (!strcmp(file, "transaction.json")) {
		/* the API's example has no currency: an authorization cannot be mapped without */
		has_problem("transaction.currency", "is required");
		assert_null(out.order);
	} else if (!strcmp(file, "transactions.json")) {
		has_problem("[0].currency", "is required");
	} else if (!strcmp(file, "fulfillment.json")) {
		d = event(0);
		assert_string_equal(ev.type_name, "shipment.created");
		assert_string_equal(ev.shipment, "shopify-fulfillment-255858046");
		assert_string_equal(ev.tracking, "1Z2345");
		assert_string_equal(ev.carrier, "null-company");
		assert_int_equal(ev.ship_status, ORDEX_SHIP_LABEL_CREATED); /* pending */
		assert_string_equal(ev.order_alias.id, "450789469");
		str_is(d, "data.fulfillment", "255858046");
	} else if (!strcmp(file, "fulfillment_event.json")) {
		d = event(0);
		assert_string_equal(ev.type_name, "shipment.updated");
		assert_string_equal(ev.shipment, "shopify-fulfillment-2608403447971");
		assert_int_equal(ev.ship_status, ORDEX_SHIP_LABEL_CREATED); /* label_printed */
		assert_string_equal(ev.order_alias.id, "2776493818019");
		str_is(d, "occurred_at", "2021-01-25T16:32:23-05:00");
	} else if (!strcmp(file, "order_risk.json") || !strcmp(file, "order_risks.json")) {
		d = event(0);
		assert_string_equal(ev.type_name, "fraud.signal");
		assert_int_equal(ev.fraud_rec, ORDEX_FRAUD_CANCEL);
		assert_int_equal(ev.risk_score, 100); /* "1.0" */
		assert_string_equal(ev.signal_kind, "order_risk");
		assert_string_equal(ev.order_alias.id, "450789469");
	} else if (!strcmp(file, "dispute.json")) {
		has_problem("dispute.order_id", "is required");
	} else if (!strcmp(file, "disputes.json") && i == 0) {
		has_problem("disputes[0].order_id", "is required");
	} else if (!strcmp(file, "disputes.json") && i == 1) {
		d = event(0);
		assert_string_equal(ev.type_name, "payment.disputed");
		assert_string_equal(ev.payment, "shopify-dispute-815713555");
		assert_int_equal(ev.amount.minor, 1150);
		assert_string_equal(ev.currency, "USD");
		assert_string_equal(ev.reason, "credit_not_processed");
		assert_string_equal(ev.order_alias.id, "625362839");
		str_is(d, "data.status", "needs_response");
	} else if (!strcmp(file, "inventory_level.json")) {
		event(0);
		assert_string_equal(ev.type_name, "inventory.level");
		assert_null(ev.sku); /* the item's SKU comes from the inventory item */
		assert_string_equal(ev.item, "808950810");
		assert_string_equal(ev.location, "location-905684977");
		assert_int_equal(ev.available, 6);
	} else if (!strcmp(file, "location.json")) {
		d = event(0);
		assert_string_equal(ev.type_name, "inventory.location");
		assert_string_equal(ev.location, "location-487838322");
		assert_string_equal(ev.warehouse, "Fifth Avenue AppleStore");
	} else if (!strcmp(file, "inventory_item.json")) {
		event(0);
		assert_string_equal(ev.type_name, "inventory.item");
		assert_string_equal(ev.item, "808950810");
		assert_string_equal(ev.sku, "IPOD2008PINK");
	} else if (!strcmp(file, "customer.json")) {
		event(0);
		assert_string_equal(ev.type_name, "customer.updated");
		assert_string_equal(ev.customer, "shopify-207119551");
		assert_string_equal(ev.email, "bob.norman@hostmail.com");
		assert_string_equal(ev.name, "Bob Norman");
	} else {
		return;
	}
	tally.checked++;
}

/* One payload of a file: map it, check it, and map it again for the same bytes. */
static void fixture_payload(const char *file, size_t i, const struct ordex_json *body,
                            char want_outcome, const char *want_kind)
{
	run_body(NULL, NULL, body);
	if (want_kind) {
		if (strcmp(out.kind, want_kind))
			print_message("%s[%zu]: kind \"%s\", not \"%s\"\n", file, i, out.kind,
			              want_kind);
		assert_string_equal(out.kind, want_kind);
		enum ordex_adapt_outcome o = want_outcome == 'M'   ? ORDEX_ADAPT_MAPPED
		                             : want_outcome == 'I' ? ORDEX_ADAPT_IGNORED
		                                                   : ORDEX_ADAPT_INCOMPLETE;
		if (out.outcome != o) {
			print_message("%s[%zu]: outcome %d, not %c\n", file, i, out.outcome,
			              want_outcome);
			show_problems(&out.problems);
		}
		assert_int_equal(out.outcome, o);
	}
	walk_count(&tally.counts, &out);
	remember_ids();
	check_fixture(file, i);

	/* the same payload again: the same events, byte for byte */
	size_t n = out.n;
	const char *first[ORDEX_ADAPT_MAX_EVENTS];
	for (size_t k = 0; k < n; k++)
		first[k] = out.events[k];
	run_body(NULL, NULL, body);
	assert_int_equal(out.n, n);
	for (size_t k = 0; k < n; k++)
		assert_string_equal(out.events[k], first[k]);
}

static struct ordex_json *one_of(const struct ordex_json *el)
{
	struct ordex_json *cp = ordex_arena_alloc(arena, sizeof(*cp));
	*cp = *el;
	cp->next = NULL;
	cp->key = NULL;
	cp->key_len = 0;
	struct ordex_json *arr = ordex_arena_zalloc(arena, sizeof(*arr));
	arr->type = ORDEX_JSON_ARRAY;
	arr->child = cp;
	arr->count = 1;
	return arr;
}

/*
 * Every object of a file is one payload. A list ([...] or {"orders":
 * [...]}) is unwrapped: each element is handed over as a list of one, so
 * that its path in the payload is the path in the file.
 */
static void fixture_file(void *ctx, const char *path, const char *file, struct ordex_json *root)
{
	(void)ctx;
	(void)path;
	if (tally.n_files < ORDEX_ARRAY_LEN(tally.files))
		tally.files[tally.n_files++] = ordex_arena_strdup(arena, file);

	const char *want = NULL, *kind = NULL;
	for (size_t k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
		if (!strcmp(expected[k].file, file)) {
			want = expected[k].outcomes;
			kind = expected[k].kind;
		}
	if (!want)
		print_message("  %s: not in the expectations; checked for outcomes only\n", file);

	const struct ordex_json *list = NULL;
	if (root->type == ORDEX_JSON_ARRAY)
		list = root;
	else if (root->type == ORDEX_JSON_OBJECT && root->count == 1 &&
	         root->child->type == ORDEX_JSON_ARRAY)
		list = root->child;
	if (!list) {
		if (want)
			assert_int_equal(strlen(want), 1);
		fixture_payload(file, 0, root, want ? want[0] : 0, kind);
		return;
	}
	if (want)
		assert_int_equal(strlen(want), list->count);
	size_t i = 0;
	for (const struct ordex_json *el = list->child; el; el = el->next, i++) {
		struct ordex_json *body = one_of(el);
		if (list != root) {
			struct ordex_json *env = ordex_arena_zalloc(arena, sizeof(*env));
			body->key = list->key;
			body->key_len = list->key_len;
			env->type = ORDEX_JSON_OBJECT;
			env->child = body;
			env->count = 1;
			body = env;
		}
		fixture_payload(file, i, body, want ? want[i] : 0, kind);
	}
}

static void test_every_shared_payload_maps_to_one_outcome(void **state)
{
	(void)state;
	static const struct walk_table table = {"  ", 22, WALK_EVENTS, "total"};
	const char *dir = shared_dir("shopify");

	memset(&tally, 0, sizeof(tally));
	if (walk_dir(dir, false, fixture_file, NULL) < 0) {
		print_message("shared data \"%s\" is absent; skipping\n", dir);
		skip();
	}
	int sum = walk_print(&tally.counts, &table);
	print_message("  %zu files, %d payloads, %d distinct event ids, %d repeats of the same "
	              "fact\n",
	              tally.n_files, tally.counts.payloads, tally.n_seen, tally.duplicates);
	assert_int_equal(sum, tally.counts.payloads);

	/* when the folder is the one described in its PROVENANCE.md, all of it is pinned */
	size_t listed = 0, found = 0;
	int payloads = 0;
	for (size_t k = 0; k < sizeof(expected) / sizeof(expected[0]); k++) {
		listed++;
		for (size_t i = 0; i < tally.n_files; i++)
			if (!strcmp(tally.files[i], expected[k].file)) {
				found++;
				payloads += (int)strlen(expected[k].outcomes);
			}
	}
	if (found == listed && tally.n_files == listed) {
		assert_int_equal(tally.counts.payloads, payloads);
		assert_int_equal(tally.checked, 17);
	}
}

/* ---- orders ------------------------------------------------------------ */

#define ORDER_1002                                                                                 \
	"'id':1002001,'name':'#1002','created_at':'2025-03-01T09:00:00-05:00',"                    \
	"'updated_at':'2025-03-01T09:30:00-05:00','currency':'USD','total_price':'25.00',"         \
	"'financial_status':'paid','fulfillment_status':null,'email':'ana@example.com',"           \
	"'line_items':[{'id':1,'sku':'MUG','variant_id':11,'quantity':1,'price':'25.00',"          \
	"'requires_shipping':true}],'shipping_address':{'address1':'Rua A 1','city':'Porto',"      \
	"'country':'Portugal','country_code':'PT','zip':'4000-001'}"

static void test_cancelled_order_is_updated_and_cancelled(void **state)
{
	(void)state;
	run("orders/cancelled", "{" ORDER_1002 ",'cancelled_at':'2025-03-01T09:30:00-05:00',"
	                        "'cancel_reason':'customer'}");
	outcome_is(ORDEX_ADAPT_MAPPED, 2);
	event(0);
	assert_string_equal(ev.type_name, "order.updated");
	snapshot_id("order/1002001@2025-03-01T09:30:00-05:00");
	assert_string_equal(ev.order, "1002");
	assert_string_equal(ev.status, "cancelled");
	const struct ordex_json *d = event(1);
	assert_string_equal(ev.type_name, "order.cancelled");
	assert_string_equal(ev.id, "order/1002001/cancelled@2025-03-01T09:30:00-05:00");
	assert_string_equal(ev.order, "1002");
	assert_string_equal(ev.reason, "customer");
	str_is(d, "occurred_at", "2025-03-01T09:30:00-05:00");
	assert_string_equal(ev.aliases[0].id, "1002001");

	/* orders/updated of the same snapshot: the same two facts, the same bytes */
	const char *a = out.events[0], *b = out.events[1];
	run("orders/updated", "{" ORDER_1002 ",'cancelled_at':'2025-03-01T09:30:00-05:00',"
	                      "'cancel_reason':'customer'}");
	outcome_is(ORDEX_ADAPT_MAPPED, 2);
	assert_string_equal(out.events[0], a);
	assert_string_equal(out.events[1], b);
}

static void test_topic_decides_created_or_updated(void **state)
{
	(void)state;
	run("orders/create", "{" ORDER_1002 "}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	const struct ordex_json *d = event(0);
	assert_string_equal(ev.type_name, "order.created");
	snapshot_id("order/1002001/created@2025-03-01T09:30:00-05:00");
	str_is(d, "occurred_at", "2025-03-01T09:00:00-05:00"); /* created_at */
	str_is(d, "data.updated_at", "2025-03-01T09:30:00-05:00");
	assert_string_equal(ev.status, "open");
	assert_string_equal(ev.lines[0].sku, "MUG");
	str_is(d, "data.shipping_address.line1", "Rua A 1");
	str_is(d, "data.shipping_address.country", "Portugal");

	run("orders/updated", "{" ORDER_1002 "}");
	event(0);
	assert_string_equal(ev.type_name, "order.updated");
	snapshot_id("order/1002001@2025-03-01T09:30:00-05:00");

	/* without a topic, a snapshot changed since creation is an update */
	run(NULL, "{" ORDER_1002 "}");
	event(0);
	assert_string_equal(ev.type_name, "order.updated");

	/* orders/edited with the whole order is an update too */
	run("orders/edited", "{" ORDER_1002 "}");
	event(0);
	assert_string_equal(ev.type_name, "order.updated");
}

static void test_zero_decimal_currency_is_kept_as_sent(void **state)
{
	(void)state;
	run("orders/create",
	    "{'id':7001,'name':'#7001','created_at':'2025-03-01T09:00:00+09:00',"
	    "'updated_at':'2025-03-01T09:00:00+09:00','currency':'JPY','total_price':'9899',"
	    "'line_items':[{'id':1,'sku':'TEA','quantity':2,'price':'4950'}]}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	const struct ordex_json *d = event(0);
	str_is(d, "data.total", "9899");
	assert_string_equal(ev.currency, "JPY");
	assert_int_equal(ev.total.minor, 9899);
	assert_int_equal(ev.lines[0].price.minor, 4950);
	assert_int_equal(ev.lines[0].qty, 2);

	/* a fraction of a yen is refused, not rounded */
	run("orders/create", "{'id':7002,'name':'#7002','updated_at':'2025-03-01T09:00:00+09:00',"
	                     "'currency':'JPY','total_price':'10.5'}");
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("total_price", "decimal");
	assert_string_equal(out.order, "7002");
}

static void test_names_are_kept_byte_for_byte(void **state)
{
	(void)state;
	/* emoji, Arabic and Hebrew (right to left), a combining accent */
	static const char name[] = "Jose\xCC\x81 \xF0\x9F\x9A\x9A \xD8\xA3\xD8\xAD\xD9\x85\xD8\xAF";
	static const char street[] = "\xD7\xA8\xD7\x97\xD7\x95\xD7\x91 \xD7\x94\xD7\xA8\xD7\xA6\xD7"
	                             "\x9C 12";
	static const char city[] = "\xD8\xA7\xD9\x84\xD9\x82\xD8\xA7\xD9\x87\xD8\xB1\xD8\xA9";
	char body[1024];
	snprintf(body, sizeof(body),
	         "{'id':8001,'name':'#8001','updated_at':'2025-03-01T09:00:00Z',"
	         "'created_at':'2025-03-01T09:00:00Z','shipping_address':{'name':'%s',"
	         "'address1':'%s','city':'%s','country':'Egypt','country_code':'EG'}}",
	         name, street, city);
	run("orders/create", body);
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	const struct ordex_json *d = event(0);
	str_is(d, "data.shipping_address.name", name);
	str_is(d, "data.shipping_address.line1", street);
	str_is(d, "data.shipping_address.city", city);
	assert_non_null(strstr(out.events[0], name)); /* written as UTF-8, not escaped */
	assert_int_equal(ev.address_state, 1);

	static const char first[] = "\xD9\x85\xD8\xB1\xD9\x8A\xD9\x85";
	static const char last[] = "\xF0\x9F\x98\x80";
	snprintf(body, sizeof(body),
	         "{'id':207119551,'email':'Bob.Norman@Hostmail.com','first_name':'%s',"
	         "'last_name':'%s','updated_at':'2025-03-01T09:00:00Z','orders_count':1}",
	         first, last);
	run("customers/update", body);
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	event(0);
	char both[64];
	snprintf(both, sizeof(both), "%s %s", first, last);
	assert_string_equal(ev.name, both);
	assert_string_equal(ev.email, "Bob.Norman@Hostmail.com"); /* as sent; ordex folds case */
	assert_string_equal(ev.customer, "shopify-207119551");
	snapshot_id("customer/207119551@2025-03-01T09:00:00Z");
}

static void test_order_without_id_or_name_is_incomplete(void **state)
{
	(void)state;
	run("orders/create", "{'updated_at':'2025-03-01T09:00:00Z','currency':'USD'}");
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("id", "is required");
	has_problem("name", "is required");
	assert_null(out.order);

	run(NULL, "{'order':{'name':'#1003','updated_at':'2025-03-01T09:00:00Z'}}");
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("order.id", "is required");
	assert_int_equal(out.problems.n, 1);
	assert_string_equal(out.order, "1003"); /* ordex raises data_quality on it */

	/* order_number stands in for a missing name */
	run("orders/create", "{'id':5,'order_number':1005,'updated_at':'2025-03-01T09:00:00Z'}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	event(0);
	assert_string_equal(ev.order, "1005");

	run("orders/create", "{'id':5,'name':'#1005','line_items':[{'id':1,'quantity':'two'}],"
	                     "'updated_at':'2025-03-01T09:00:00Z','created_at':'x'}");
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("line_items[0].quantity", "whole number");
	has_problem("created_at", "RFC 3339");
}

static void test_line_skus_fall_back_and_removed_lines_go(void **state)
{
	(void)state;
	run("orders/updated",
	    "{'id':9,'name':'#1009','updated_at':'2025-03-01T09:00:00Z','currency':'EUR',"
	    "'total_price':'30.00','line_items':["
	    "{'id':1,'sku':'','variant_id':39072856,'quantity':1,'price':'10.00'},"
	    "{'id':2,'sku':null,'variant_id':null,'quantity':1,'price':'10.00'},"
	    "{'id':3,'sku':'GONE','quantity':2,'current_quantity':0,'price':'10.00'},"
	    "{'id':4,'sku':'KEPT','quantity':3,'current_quantity':1,'price':'10.00',"
	    "'requires_shipping':true}],'shipping_address':null}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	event(0);
	assert_int_equal(ev.n_lines, 3);
	assert_string_equal(ev.lines[0].sku, "variant-39072856");
	assert_string_equal(ev.lines[1].sku, "custom-2");
	assert_string_equal(ev.lines[2].sku, "KEPT");
	assert_int_equal(ev.lines[2].qty, 1);
	assert_int_equal(ev.address_state, -1); /* it ships and has no address */

	/* nothing to ship: no address is no problem */
	run("orders/updated", "{'id':9,'name':'#1009','updated_at':'2025-03-01T09:00:00Z',"
	                      "'line_items':[{'id':1,'sku':'EBOOK','quantity':1,"
	                      "'requires_shipping':false}]}");
	const struct ordex_json *d = event(0);
	absent(d, "data.shipping_address");
	assert_int_equal(ev.address_state, 0);
}

static void test_order_edit_and_deletion_are_ignored(void **state)
{
	(void)state;
	run("orders/edited", "{'order_edit':{'id':78912328,'order_id':450789469,"
	                     "'created_at':'2025-03-01T09:00:00Z','line_items':{'additions':"
	                     "[{'id':466157049,'delta':1}],'removals':[]}}}");
	outcome_is(ORDEX_ADAPT_IGNORED, 0);
	assert_string_equal(out.kind, "order_edit");

	run("orders/delete", "{'id':450789469}");
	outcome_is(ORDEX_ADAPT_IGNORED, 0);
	assert_string_equal(out.kind, "order");
}

/* ---- payments ---------------------------------------------------------- */

static void test_transactions_map_by_kind_and_status(void **state)
{
	(void)state;
	static const struct {
		const char *kind, *status, *parent, *type, *payment;
	} cases[] = {
	    {"authorization", "success", "null", "payment.authorized", "500"},
	    {"authorization", "pending", "null", "payment.pending", "500"},
	    {"authorization", "failure", "null", "payment.failed", "500"},
	    {"sale", "success", "null", "payment.captured", "500"},
	    {"sale", "error", "null", "payment.failed", "500"},
	    {"capture", "success", "400", "payment.captured", "400"},
	    {"capture", "pending", "400", "payment.pending", "400"},
	    {"refund", "success", "400", "payment.refunded", "400"},
	    {"refund", "pending", "400", "payment.refunded", "400"},
	    {"void", "success", "400", NULL, NULL},
	    {"refund", "failure", "400", NULL, NULL},
	    {"change", "success", "null", NULL, NULL},
	    {"suggested_refund", "success", "400", NULL, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char body[512];
		snprintf(body, sizeof(body),
		         "{'id':500,'order_id':450789469,'kind':'%s','status':'%s',"
		         "'parent_id':%s,'amount':'409.94','currency':'usd','gateway':'bogus',"
		         "'error_code':'card_declined','message':'declined',"
		         "'created_at':'2025-03-01T10:00:00-05:00'}",
		         cases[i].kind, cases[i].status, cases[i].parent);
		run("order_transactions/create", body);
		assert_string_equal(out.kind, "transaction");
		if (!cases[i].type) {
			outcome_is(ORDEX_ADAPT_IGNORED, 0);
			continue;
		}
		outcome_is(ORDEX_ADAPT_MAPPED, 1);
		const struct ordex_json *d = event(0);
		assert_string_equal(ev.type_name, cases[i].type);
		assert_string_equal(ev.payment, cases[i].payment);
		assert_int_equal(ev.amount.minor, 40994);
		assert_string_equal(ev.currency, "USD");
		assert_string_equal(ev.order_alias.id, "450789469");
		char id[64];
		snprintf(id, sizeof(id), "transaction/500/%s", cases[i].status);
		assert_string_equal(ev.id, id);
		if (ev.type == ORDEX_EV_PAYMENT_FAILED)
			assert_string_equal(ev.reason, "card_declined");
		if (ev.type == ORDEX_EV_PAYMENT_REFUNDED)
			assert_string_equal(ev.refund, "500");
		else
			absent(d, "data.refund");
	}

	/* a failure without its currency still reports the failure */
	run("order_transactions/create",
	    "{'id':501,'order_id':1,'kind':'sale','status':'failure','amount':'5.00',"
	    "'created_at':'2025-03-01T10:00:00Z'}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	const struct ordex_json *d = event(0);
	assert_int_equal(ev.type, ORDEX_EV_PAYMENT_FAILED);
	absent(d, "data.amount");

	run("order_transactions/create", "{'id':502,'order_id':1,'kind':'gift','status':'success',"
	                                 "'amount':'5.00','currency':'USD'}");
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("kind", "unknown transaction kind");
}

static void test_refund_without_order_id_is_incomplete(void **state)
{
	(void)state;
	static const char refund[] =
	    "{'id':509562969,'created_at':'2016-06-20T13:35:06-04:00','note':'broken',"
	    "'transactions':[{'id':179259969,'kind':'refund','status':'success',"
	    "'amount':'209.00','currency':'USD','parent_id':389404469}]}";
	run("refunds/create", refund);
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("order_id", "is required");
	assert_int_equal(out.problems.n, 1);
	assert_string_equal(out.kind, "refund");

	char wrapped[512];
	snprintf(wrapped, sizeof(wrapped), "{'refund':%s}", refund);
	run(NULL, wrapped);
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("refund.order_id", "is required");
}

/* A refund ordex asked for carries its key in the note: the report is its echo (CASE-01). */
static void test_a_refund_of_ordex_carries_its_key(void **state)
{
	(void)state;
	run("refunds/create",
	    "{'id':78,'order_id':450789469,'created_at':'2025-03-02T10:00:00Z',"
	    "'note':'damaged in transit (ordex ordex:42:refund)','transactions':["
	    "{'id':3,'kind':'refund','status':'success','amount':'10.00','currency':'USD',"
	    "'parent_id':900}]}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	str_is(event(0), "data.writeback_key", "ordex:42:refund");
	/* a person's reason quoting another key earlier: only the marker at the end counts */
	run("refunds/create",
	    "{'id':80,'order_id':450789469,'created_at':'2025-03-02T10:00:00Z',"
	    "'note':'like (ordex ordex:17:refund) before (ordex ordex:43:refund)','transactions':["
	    "{'id':5,'kind':'refund','status':'success','amount':'10.00','currency':'USD',"
	    "'parent_id':900}]}");
	str_is(event(0), "data.writeback_key", "ordex:43:refund");
	run("refunds/create",
	    "{'id':81,'order_id':450789469,'created_at':'2025-03-02T10:00:00Z',"
	    "'note':'see (ordex ordex:17:refund) please','transactions':["
	    "{'id':6,'kind':'refund','status':'success','amount':'10.00','currency':'USD',"
	    "'parent_id':900}]}");
	absent(event(0), "data.writeback_key");
	/* a note that only looks like one names no key */
	run("refunds/create",
	    "{'id':79,'order_id':450789469,'created_at':'2025-03-02T10:00:00Z',"
	    "'note':'(ordex ordex:42:refund','transactions':["
	    "{'id':4,'kind':'refund','status':'success','amount':'10.00','currency':'USD',"
	    "'parent_id':900}]}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	absent(event(0), "data.writeback_key");
}

static void test_refund_splits_by_transaction(void **state)
{
	(void)state;
	run("refunds/create",
	    "{'id':77,'order_id':450789469,'created_at':'2025-03-02T10:00:00Z','transactions':["
	    "{'id':1,'kind':'refund','status':'success','amount':'10.00','currency':'USD',"
	    "'parent_id':900,'processed_at':'2025-03-02T10:00:01Z'},"
	    "{'id':2,'kind':'refund','status':'failure','amount':'5.00','currency':'USD'},"
	    "{'id':3,'kind':'refund','status':'pending','amount':'2.50','currency':'USD',"
	    "'parent_id':901}]}");
	outcome_is(ORDEX_ADAPT_MAPPED, 2);
	const struct ordex_json *d = event(0);
	assert_string_equal(ev.id, "refund/77/1");
	assert_string_equal(ev.payment, "900");
	assert_string_equal(ev.refund, "1");
	assert_int_equal(ev.amount.minor, 1000);
	str_is(d, "occurred_at", "2025-03-02T10:00:01Z");
	d = event(1);
	assert_string_equal(ev.id, "refund/77/3");
	assert_string_equal(ev.payment, "901");
	str_is(d, "occurred_at", "2025-03-02T10:00:00Z");

	/* a transaction lacking its currency spoils the whole refund, named by its path */
	run("refunds/create", "{'id':78,'order_id':1,'created_at':'2025-03-02T10:00:00Z',"
	                      "'transactions':[{'id':1,'kind':'refund','status':'success',"
	                      "'amount':'1.00'}]}");
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("transactions[0].currency", "is required");

	run("refunds/create", "{'id':79,'order_id':1,'created_at':'2025-03-02T10:00:00Z',"
	                      "'restock':true,'transactions':[]}");
	outcome_is(ORDEX_ADAPT_IGNORED, 0);
}

static void test_dispute_names_its_order_by_alias(void **state)
{
	(void)state;
	run("disputes/create", "{'id':815713555,'order_id':625362839,'type':'chargeback',"
	                       "'amount':'11.50','currency':'USD','reason':'fraudulent',"
	                       "'status':'needs_response','initiated_at':"
	                       "'2013-05-03T20:00:00-04:00'}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	event(0);
	assert_string_equal(ev.type_name, "payment.disputed");
	assert_string_equal(ev.id, "dispute/815713555/needs_response");
	assert_string_equal(ev.reason, "fraudulent");
	assert_int_equal(ev.amount.minor, 1150);
	assert_string_equal(ev.order_alias.id, "625362839");

	run("disputes/update", "{'id':815713555,'order_id':625362839,'type':'chargeback',"
	                       "'amount':'11.50','currency':'USD','reason':'fraudulent',"
	                       "'status':'won','initiated_at':'2013-05-03T20:00:00-04:00',"
	                       "'finalized_on':'2013-07-10T20:00:00-04:00'}");
	const struct ordex_json *d = event(0);
	assert_string_equal(ev.id, "dispute/815713555/won");
	str_is(d, "occurred_at", "2013-07-10T20:00:00-04:00");
}

/* ---- shipments --------------------------------------------------------- */

static void test_fulfillment_statuses_map_to_shipment_statuses(void **state)
{
	(void)state;
	static const struct {
		const char *shipment_status, *status;
		enum ordex_ship_status want;
	} cases[] = {
	    {"confirmed", "success", ORDEX_SHIP_LABEL_CREATED},
	    {"label_printed", "success", ORDEX_SHIP_LABEL_CREATED},
	    {"label_purchased", "success", ORDEX_SHIP_LABEL_CREATED},
	    {"in_transit", "success", ORDEX_SHIP_IN_TRANSIT},
	    {"out_for_delivery", "success", ORDEX_SHIP_OUT_FOR_DELIVERY},
	    {"attempted_delivery", "success", ORDEX_SHIP_FAILED_ATTEMPT},
	    {"delivered", "success", ORDEX_SHIP_DELIVERED},
	    {"failure", "success", ORDEX_SHIP_EXCEPTION},
	    {"ready_for_pickup", "success", ORDEX_SHIP_OUT_FOR_DELIVERY},
	    {NULL, "pending", ORDEX_SHIP_LABEL_CREATED},
	    {NULL, "open", ORDEX_SHIP_LABEL_CREATED},
	    {NULL, "success", ORDEX_SHIP_IN_TRANSIT},
	    {NULL, "cancelled", ORDEX_SHIP_EXCEPTION},
	    {NULL, "error", ORDEX_SHIP_EXCEPTION},
	    {NULL, "failure", ORDEX_SHIP_EXCEPTION},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char body[512], ss[64] = "null";
		if (cases[i].shipment_status)
			snprintf(ss, sizeof(ss), "'%s'", cases[i].shipment_status);
		snprintf(body, sizeof(body),
		         "{'id':255858046,'order_id':450789469,'status':'%s','shipment_status':%s,"
		         "'tracking_company':'UPS','tracking_number':'1Z999',"
		         "'created_at':'2025-03-01T10:00:00Z','updated_at':'2025-03-02T10:00:00Z'}",
		         cases[i].status, ss);
		run("fulfillments/update", body);
		outcome_is(ORDEX_ADAPT_MAPPED, 1);
		event(0);
		assert_string_equal(ev.type_name, "shipment.updated");
		if (ev.ship_status != cases[i].want)
			print_message("%s/%s -> %s\n", cases[i].shipment_status, cases[i].status,
			              ordex_ship_status_name(ev.ship_status));
		assert_int_equal(ev.ship_status, cases[i].want);
		assert_string_equal(ev.shipment, "shopify-fulfillment-255858046");
		assert_string_equal(ev.tracking, "1Z999");
		assert_string_equal(ev.carrier, "UPS");
		char id[96];
		snprintf(id, sizeof(id), "fulfillment/255858046/%s@2025-03-02T10:00:00Z",
		         ordex_ship_status_name(cases[i].want));
		snapshot_id(id);
	}

	/* no tracking number: the fulfillment is the shipment */
	run("fulfillments/create", "{'id':42,'order_id':450789469,'status':'pending',"
	                           "'created_at':'2025-03-01T10:00:00Z',"
	                           "'updated_at':'2025-03-01T10:00:00Z','tracking_numbers':[]}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	const struct ordex_json *d = event(0);
	assert_string_equal(ev.type_name, "shipment.created");
	assert_string_equal(ev.shipment, "shopify-fulfillment-42");
	absent(d, "data.tracking");

	run("fulfillments/update", "{'id':42,'order_id':1,'status':'teleported',"
	                           "'updated_at':'2025-03-01T10:00:00Z'}");
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("status", "unknown status");
}

static void test_fulfillment_event_reports_where_and_when(void **state)
{
	(void)state;
	run("fulfillment_events/create",
	    "{'id':12584341209251,'fulfillment_id':2608403447971,'status':'attempted_delivery',"
	    "'message':'nobody home','happened_at':'2025-03-03T16:32:23-05:00',"
	    "'city':'Louisville','province':'Kentucky','country':'United States',"
	    "'estimated_delivery_at':'2025-03-04T12:00:00-05:00','order_id':2776493818019}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	const struct ordex_json *d = event(0);
	assert_string_equal(ev.id, "fulfillment_event/12584341209251");
	assert_int_equal(ev.ship_status, ORDEX_SHIP_FAILED_ATTEMPT);
	assert_string_equal(ev.location, "Louisville, Kentucky, United States");
	assert_string_equal(ev.reason, "nobody home");
	assert_true(ev.eta.set);
	str_is(d, "data.eta", "2025-03-04T12:00:00-05:00");

	run("fulfillment_events/create", "{'id':1,'fulfillment_id':2,'status':'delivered',"
	                                 "'happened_at':'2025-03-03T16:32:23Z'}");
	event(0);
	assert_int_equal(ev.ship_status, ORDEX_SHIP_DELIVERED);
	assert_string_equal(ev.shipment, "shopify-fulfillment-2");

	run("fulfillment_events/create", "{'id':1,'fulfillment_id':2,'status':'lost_in_space',"
	                                 "'happened_at':'2025-03-03T16:32:23Z'}");
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("status", "unknown status");
}

/* ---- fraud and holds --------------------------------------------------- */

#define HOLD_FO(status)                                                                            \
	"'fulfillment_order':{'id':'gid://shopify/FulfillmentOrder/77','order_id':450789469,"      \
	"'status':'" status "'}"

static void test_fraud_hold_is_a_fraud_signal(void **state)
{
	(void)state;
	struct ordex_adapter_input in = {.topic = "fulfillment_orders/placed_on_hold",
	                                 .delivery_id = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
	                                 .received_at = RECEIVED};
	in.body = parse_doc("{" HOLD_FO("on_hold") ",'created_fulfillment_hold':{'id':"
	                                           "'gid://shopify/FulfillmentHold/1','reason':"
	                                           "'high_risk_of_fraud','reason_notes':"
	                                           "'card testing'}}");
	ordex_adapter_output_init(&out, arena, "shopify");
	assert_int_equal(ordex_adapter_shopify.map(&in, &out), ORDEX_OK);
	ordex_adapter_output_done(&out);
	check_outcome();
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	assert_string_equal(out.kind, "fulfillment_order");
	assert_string_equal(out.event_id, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
	event(0);
	assert_string_equal(ev.type_name, "fraud.signal");
	assert_int_equal(ev.fraud_rec, ORDEX_FRAUD_REVIEW);
	assert_string_equal(ev.signal_kind, "fraud_hold");
	assert_null(ev.order); /* a fulfillment order knows the order by its Shopify id only */
	assert_string_equal(ev.order_alias.id, "450789469");
	assert_string_equal(ev.id,
	                    "fulfillment_order/77/on_hold/b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");

	/* released: accept, when the hold released was the fraud hold */
	run("fulfillment_orders/hold_released",
	    "{" HOLD_FO("open") ",'released_fulfillment_hold':{'reason':'HIGH_RISK_OF_FRAUD'}}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	event(0);
	assert_int_equal(ev.fraud_rec, ORDEX_FRAUD_ACCEPT);

	/* without a topic, the hold comes from the fulfillment order's own holds */
	run(NULL, "{'fulfillment_order':{'id':77,'order_id':450789469,'status':'on_hold',"
	          "'updated_at':'2025-03-01T10:00:00Z','fulfillment_holds':[{'reason':"
	          "'high_risk_of_fraud','reason_notes':''}]}}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	event(0);
	assert_int_equal(ev.fraud_rec, ORDEX_FRAUD_REVIEW);
	assert_string_equal(ev.id, "fulfillment_order/77/on_hold@2025-03-01T10:00:00Z");
}

static void test_address_hold_and_other_holds(void **state)
{
	(void)state;
	run("fulfillment_orders/placed_on_hold",
	    "{" HOLD_FO("on_hold") ",'created_fulfillment_hold':{'reason':'incorrect_address',"
	                           "'reason_notes':'no such street'}}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	const struct ordex_json *d = event(0);
	assert_string_equal(ev.type_name, "address.invalid");
	assert_string_equal(ev.reason, "no such street");
	str_is(d, "data.hold_reason", "incorrect_address");
	assert_string_equal(ev.order_alias.id, "450789469");

	run("fulfillment_orders/hold_released",
	    "{" HOLD_FO("open") ",'released_fulfillment_hold':{'reason':'incorrect_address'}}");
	event(0);
	assert_string_equal(ev.type_name, "address.verified");

	/* other holds set the order's status, naming the order by its Shopify id */
	run("fulfillment_orders/placed_on_hold",
	    "{" HOLD_FO("on_hold") ",'created_fulfillment_hold':{'reason':'awaiting_payment'}}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	event(0);
	assert_string_equal(ev.type_name, "order.updated");
	assert_string_equal(ev.status, "on_hold");
	assert_string_equal(ev.order_alias.id, "450789469");
	run("fulfillment_orders/hold_released", "{" HOLD_FO("open") "}");
	outcome_is(ORDEX_ADAPT_IGNORED, 0);

	/* a fraud hold on a fulfillment order that names no order cannot be placed */
	run("fulfillment_orders/placed_on_hold",
	    "{'fulfillment_order':{'id':'gid://shopify/FulfillmentOrder/1','status':'on_hold'},"
	    "'created_fulfillment_hold':{'reason':'high_risk_of_fraud'}}");
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("fulfillment_order.order_id", "is required");

	run("fulfillment_orders/cancelled", "{" HOLD_FO("cancelled") "}");
	outcome_is(ORDEX_ADAPT_IGNORED, 0);
}

static void test_risk_assessment_is_a_fraud_signal(void **state)
{
	(void)state;
	run("orders/risk_assessment_changed",
	    "{'provider_id':null,'provider_title':'Shopify','risk_level':'high',"
	    "'created_at':null,'order_id':null,"
	    "'admin_graphql_api_order_id':'gid://shopify/Order/1234567'}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	const struct ordex_json *d = event(0);
	assert_string_equal(ev.type_name, "fraud.signal");
	assert_string_equal(ev.severity, "high");
	assert_int_equal(ev.fraud_rec, ORDEX_FRAUD_NONE);
	assert_string_equal(ev.order_alias.id, "1234567");
	str_is(d, "occurred_at", RECEIVED);

	run("orders/risk_assessment_changed",
	    "{'risk_level':'low','created_at':'2025-03-01T10:00:00Z','order_id':1234567}");
	event(0);
	assert_int_equal(ev.fraud_rec, ORDEX_FRAUD_ACCEPT);
	assert_string_equal(ev.id, "risk_assessment/1234567/low@2025-03-01T10:00:00Z");

	run("orders/risk_assessment_changed", "{'risk_level':'pending','order_id':1234567}");
	outcome_is(ORDEX_ADAPT_IGNORED, 0);

	/* REST order risks: a 0-1 score as a percentage */
	run(NULL, "{'risk':{'id':1,'order_id':2,'recommendation':'investigate','score':'0.755',"
	          "'message':'proxy'}}");
	event(0);
	assert_int_equal(ev.risk_score, 76);
	assert_int_equal(ev.fraud_rec, ORDEX_FRAUD_INVESTIGATE);
	run(NULL, "{'risk':{'id':1,'order_id':2,'score':'7.5'}}");
	outcome_is(ORDEX_ADAPT_INCOMPLETE, 0);
	has_problem("risk.score", "from 0 to 1");
}

/* ---- stock, lists, and what is not about orders ------------------------ */

static void test_inventory_levels(void **state)
{
	(void)state;
	run("inventory_levels/update", "{'inventory_item_id':808950810,'location_id':905684977,"
	                               "'available':-2,'updated_at':'2018-05-07T15:51:26-04:00'}");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	event(0);
	assert_int_equal(ev.available, -2);
	snapshot_id("inventory_level/808950810/905684977@2018-05-07T15:51:26-04:00");

	run("inventory_levels/disconnect", "{'inventory_item_id':1,'location_id':2}");
	event(0);
	assert_int_equal(ev.available, 0);

	run("inventory_levels/update", "{'inventory_item_id':1,'location_id':2,'available':null}");
	outcome_is(ORDEX_ADAPT_IGNORED, 0);
}

static void test_lists_map_each_element(void **state)
{
	(void)state;
	run(NULL, "{'refunds':[{'id':1,'order_id':9,'created_at':'2025-03-02T10:00:00Z',"
	          "'transactions':[{'id':11,'kind':'refund','status':'success','amount':'1.00',"
	          "'currency':'USD'}]},{'id':2,'created_at':'2025-03-02T10:00:00Z',"
	          "'transactions':[]}]}");
	assert_int_equal(out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_int_equal(out.n, 1);
	has_problem("refunds[1].order_id", "is required");
	assert_string_equal(out.kind, "refund");

	run(NULL, "[{'id':1,'order_id':9,'kind':'sale','status':'success','amount':'1.00',"
	          "'currency':'USD','gateway':'x','created_at':'2025-03-02T10:00:00Z'},"
	          "{'id':2,'order_id':9,'kind':'void','status':'success','amount':'1.00',"
	          "'gateway':'x'}]");
	outcome_is(ORDEX_ADAPT_MAPPED, 1);
	assert_string_equal(out.kind, "transaction");
}

static void test_what_is_not_about_orders_is_ignored(void **state)
{
	(void)state;
	static const char *const topics[][2] = {
	    {"products/create", "product"},   {"draft_orders/create", "draft_order"},
	    {"checkouts/update", "checkout"}, {"app/uninstalled", "unknown"},
	    {"customers/delete", "customer"}, {"tender_transactions/create", "tender_transaction"},
	};
	for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++) {
		run(topics[i][0], "{'id':1}");
		outcome_is(ORDEX_ADAPT_IGNORED, 0);
		assert_string_equal(out.kind, topics[i][1]);
	}
	run("draft_orders/update", "{'id':1,'name':'#D1','line_items':[]}");
	assert_non_null(strstr(out.ignored_why, "not an order yet"));
}

static void test_odd_bodies_end_in_one_outcome(void **state)
{
	(void)state;
	static const char *const bodies[] = {
	    "{}",
	    "[]",
	    "'text'",
	    "42",
	    "null",
	    "{'order':'x'}",
	    "{'order':[]}",
	    "{'orders':[1,2]}",
	    "[[]]",
	    "{'order':{'id':{},'name':[],'line_items':{},'updated_at':5}}",
	    "{'refund':{'transactions':'no'}}",
	    "{'fulfillment_order':{}}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		run(NULL, bodies[i]);
		run("orders/create", bodies[i]);
		run("refunds/create", bodies[i]);
		run("fulfillments/update", bodies[i]);
	}
	run_body("orders/create", NULL, NULL);
	assert_int_equal(out.outcome, ORDEX_ADAPT_INCOMPLETE);
	run_body(NULL, NULL, NULL);
	assert_int_equal(out.outcome, ORDEX_ADAPT_IGNORED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_every_shared_payload_maps_to_one_outcome, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cancelled_order_is_updated_and_cancelled, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_topic_decides_created_or_updated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zero_decimal_currency_is_kept_as_sent, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_names_are_kept_byte_for_byte, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_order_without_id_or_name_is_incomplete, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_line_skus_fall_back_and_removed_lines_go, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_order_edit_and_deletion_are_ignored, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_transactions_map_by_kind_and_status, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_refund_without_order_id_is_incomplete, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_refund_splits_by_transaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dispute_names_its_order_by_alias, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fulfillment_statuses_map_to_shipment_statuses,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fulfillment_event_reports_where_and_when, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_fraud_hold_is_a_fraud_signal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_address_hold_and_other_holds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_risk_assessment_is_a_fraud_signal, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_inventory_levels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lists_map_each_element, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_what_is_not_about_orders_is_ignored, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_odd_bodies_end_in_one_outcome, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_a_refund_of_ordex_carries_its_key, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
