/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_adapter_zendesk.c - the Zendesk adapter on Zendesk's own recordings
 * (../shared/data/zendesk: tickets, audits with events, suspended tickets,
 * ticket fields, metrics) and on hand-written webhook events, trigger
 * payloads and tickets that name orders.
 *
 * Every payload must end in exactly one outcome, and every event the
 * adapter writes must pass ordex_event_validate() like an event posted to
 * /v1/events. The recordings are arrays of {"method", "status",
 * "recorded_at", "body"}; each body is a payload, and a body that lists
 * objects ({"tickets": [...]}) gives one payload per element. Hand-written
 * documents use single quotes; doc() turns them into double quotes.
 */
#include "testutil.h"

#include "adapter_walk.h"

#define RECEIVED "2025-03-01T10:00:00-05:00"

/* What one payload gave: the adapter's output and its events, parsed. */
struct res {
	struct ordex_adapter_output out;
	struct ordex_json *ev[ORDEX_ADAPT_MAX_EVENTS];
};

/*
 * Runs the adapter on body, asserts that it ended in exactly one outcome
 * with what that outcome needs, and validates every event it wrote.
 */
static void map_node(const struct ordex_json *body, const char *received_at, struct res *r)
{
	struct ordex_adapter_input in = {.body = body, .received_at = received_at};

	memset(r, 0, sizeof(*r));
	ordex_adapter_output_init(&r->out, arena, "zendesk");
	int rc = ordex_adapter_zendesk.map(&in, &r->out);
	ordex_adapter_output_done(&r->out);
	assert_int_equal(rc, ORDEX_OK);
	assert_non_null(r->out.kind);
	switch (r->out.outcome) {
	case ORDEX_ADAPT_MAPPED:
		assert_true(r->out.n > 0);
		assert_int_equal(r->out.problems.n, 0);
		break;
	case ORDEX_ADAPT_IGNORED:
		assert_int_equal(r->out.n, 0);
		assert_non_null(r->out.ignored_why);
		break;
	case ORDEX_ADAPT_INCOMPLETE: assert_true(r->out.problems.n > 0); break;
	default: fail_msg("no outcome (kind \"%s\")", r->out.kind);
	}
	for (size_t i = 0; i < r->out.n; i++) {
		struct ordex_json_error err;
		struct ordex_event ev;
		struct ordex_problems probs = {0};
		rc = ordex_json_parse(arena, r->out.events[i], r->out.lens[i], NULL, &r->ev[i],
		                      &err);
		if (rc != ORDEX_OK)
			fail_msg("event %zu is not JSON: %s: %s", i, err.msg, r->out.events[i]);
		rc = ordex_event_validate(arena, r->ev[i], r->out.events[i], r->out.lens[i], &ev,
		                          &probs);
		for (int k = 0; k < probs.n; k++)
			print_message("  problem: \"%s\" %s in %s\n", probs.items[k].field,
			              probs.items[k].reason, r->out.events[i]);
		assert_int_equal(rc, ORDEX_OK);
	}
}

static void map_json(const char *json, const char *received_at, struct res *r)
{
	map_node(parse(json, strlen(json)), received_at, r);
}

/* A single-quoted document, mapped. */
static void map_doc(const char *s, struct res *r)
{
	map_json(doc(s), RECEIVED, r);
}

/* A member of an event by dotted path, as a string, or NULL. */
static const char *get(const struct ordex_json *ev, const char *path)
{
	const struct ordex_json *n = ordex_adapter_path(ev, path);
	return n && n->type == ORDEX_JSON_STRING ? n->str : NULL;
}

/* data.order_candidates joined by ',' ("" when absent). */
static const char *candidates(const struct ordex_json *ev)
{
	const struct ordex_json *c = ordex_adapter_path(ev, "data.order_candidates");
	char *s = ordex_arena_strdup(arena, "");
	for (const struct ordex_json *it = c ? c->child : NULL; it; it = it->next)
		s = ordex_arena_printf(arena, "%s%s%s", s, *s ? "," : "", it->str);
	return s;
}

static void assert_problem(const struct res *r, const char *field)
{
	for (int i = 0; i < r->out.problems.n; i++)
		if (strcmp(r->out.problems.items[i].field, field) == 0)
			return;
	fail_msg("no problem names \"%s\"", field);
}

/* ---- the recordings ---- */

struct tally {
	struct walk_tally counts;
	int texts; /* real subjects and descriptions read for order references */
};

static const char *lowered(const char *s)
{
	char *c = ordex_arena_strdup(arena, s);
	for (char *p = c; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return c;
}

/* A real ticket's event says what the ticket says. */
static void check_ticket(struct tally *t, const struct ordex_json *tk, const struct res *r)
{
	assert_int_equal(r->out.outcome, ORDEX_ADAPT_MAPPED);
	assert_int_equal(r->out.n, 1);
	const struct ordex_json *ev = r->ev[0];
	const char *id = ordex_adapter_str(tk, "id");
	const char *updated = ordex_adapter_str(tk, "updated_at");
	const char *created = ordex_adapter_str(tk, "created_at");
	assert_string_equal(get(ev, "data.ticket"), id);
	assert_string_equal(get(ev, "id"), ordex_arena_printf(arena, "ticket/%s@%s", id, updated));
	assert_string_equal(get(ev, "occurred_at"), updated);
	assert_string_equal(get(ev, "type"),
	                    strcmp(created, updated) == 0 ? "ticket.created" : "ticket.updated");
	assert_string_equal(get(ev, "data.status"), lowered(ordex_adapter_str(tk, "status")));
	assert_string_equal(get(ev, "data.subject"), ordex_adapter_str(tk, "subject"));
	const char *prio = ordex_adapter_str(tk, "priority");
	if (prio)
		assert_string_equal(get(ev, "data.priority"), prio);
	else
		assert_null(get(ev, "data.priority"));
	/* the recordings give only requester_id: no e-mail is made up */
	assert_null(get(ev, "data.requester_email"));
	/* their texts are test filler that names no order */
	assert_null(get(ev, "order"));
	assert_string_equal(candidates(ev), "");
	t->texts += 2;
}

/* A real audit: mapped with what it changed, or ignored. */
static void check_audit(const struct ordex_json *au, const struct res *r)
{
	if (r->out.outcome == ORDEX_ADAPT_IGNORED)
		return;
	assert_int_equal(r->out.outcome, ORDEX_ADAPT_MAPPED);
	const struct ordex_json *ev = r->ev[0];
	assert_string_equal(get(ev, "id"),
	                    ordex_arena_printf(arena, "audit/%s", ordex_adapter_str(au, "id")));
	assert_string_equal(get(ev, "data.ticket"), ordex_adapter_str(au, "ticket_id"));
	assert_string_equal(get(ev, "occurred_at"), ordex_adapter_str(au, "created_at"));
	const struct ordex_json *events = ordex_json_get(au, "events");
	for (const struct ordex_json *e = events->child; e; e = e->next) {
		const char *name = ordex_adapter_str(e, "field_name");
		if (name && (!strcmp(name, "status") || !strcmp(name, "priority")))
			assert_string_equal(get(ev, ordex_arena_printf(arena, "data.%s", name)),
			                    ordex_adapter_str(e, "value"));
	}
}

static void feed(struct tally *t, const struct ordex_json *payload, const char *list)
{
	struct res r;
	map_node(payload, NULL, &r);
	walk_count(&t->counts, &r.out);
	assert_null(r.out.event_id); /* API objects carry no notification id */
	const struct ordex_json *tk = ordex_json_get(payload, "ticket");
	if (list && strcmp(list, "tickets") == 0)
		check_ticket(t, payload, &r);
	else if (tk)
		check_ticket(t, tk, &r);
	else if (list && strcmp(list, "audits") == 0)
		check_audit(payload, &r);
}

/* A recording, a body, or a list in a body: every payload in it. */
static void walk(struct tally *t, const struct ordex_json *n)
{
	static const char *const lists[] = {"tickets", "audits", "suspended_tickets",
	                                    "ticket_fields", "ticket_metrics"};
	if (n->type == ORDEX_JSON_ARRAY) {
		for (const struct ordex_json *it = n->child; it; it = it->next)
			walk(t, it);
		return;
	}
	const struct ordex_json *body = ordex_json_get(n, "body");
	if (body && ordex_json_get(n, "recorded_at")) {
		walk(t, body);
		return;
	}
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const struct ordex_json *arr = ordex_json_get(n, lists[i]);
		if (arr && arr->type == ORDEX_JSON_ARRAY) {
			for (const struct ordex_json *it = arr->child; it; it = it->next)
				feed(t, it, lists[i]);
			return;
		}
	}
	feed(t, n, NULL);
}

/* A recorded file: every payload in it, counted and said. */
static void walk_file(void *ctx, const char *path, const char *name, struct ordex_json *root)
{
	struct tally *t = ctx;
	int before = t->counts.payloads;
	(void)path;
	walk(t, root);
	print_message("  %-32s %3d payloads\n", name, t->counts.payloads - before);
}

static void test_every_recorded_payload_has_one_outcome(void **state)
{
	(void)state;
	static const struct walk_table table = {"  ", 18, WALK_NOTHING, NULL};
	const char *dir = shared_dir("zendesk");
	struct tally t = {0};

	int files = walk_dir(dir, false, walk_file, &t);
	if (files < 0) {
		print_message("skipped: no Zendesk data in \"%s\" (set ORDEX_SHARED_DATA)\n", dir);
		skip();
	}
	int sum = walk_print(&t.counts, &table);
	print_message("  %-18s %28d payloads, %d real texts without an order reference\n", "total",
	              sum, t.texts);
	assert_int_equal(sum, t.counts.payloads);
	assert_int_equal(files, 8);
	assert_int_equal(t.counts.payloads, 328);
	/* 100 + 1 listed, 4 + 1 recent, 1 created, 2 updated */
	assert_int_equal(walk_counted(&t.counts, "ticket", ORDEX_ADAPT_MAPPED), 109);
	/* the audit that creates ticket 1, a priority change, a status change */
	assert_int_equal(walk_counted(&t.counts, "ticket_audit", ORDEX_ADAPT_MAPPED), 3);
	/* comments, and tag changes without an order tag (tag2, tag3, ...) */
	assert_int_equal(walk_counted(&t.counts, "ticket_audit", ORDEX_ADAPT_IGNORED), 97);
	assert_int_equal(walk_counted(&t.counts, "ticket_metric", ORDEX_ADAPT_IGNORED), 101);
	assert_int_equal(walk_counted(&t.counts, "ticket_field", ORDEX_ADAPT_IGNORED), 16);
	assert_int_equal(walk_counted(&t.counts, "suspended_ticket", ORDEX_ADAPT_IGNORED), 2);
	for (int k = 0; k < t.counts.n_rows; k++)
		assert_int_equal(t.counts.rows[k].n[ORDEX_ADAPT_INCOMPLETE], 0);
}

/* ---- the recordings, one by one ---- */

/* Reads one recording's body (index i) from a shared file, or skips. */
static const struct ordex_json *recording(const char *file, size_t i)
{
	size_t len;
	const char *path = ordex_arena_printf(arena, "%s/%s", shared_dir("zendesk"), file);
	char *text = read_file(path, &len);
	if (!text) {
		print_message("skipped: \"%s\" is absent\n", path);
		skip();
	}
	return ordex_json_get(ordex_json_at(parse(text, len), i), "body");
}

static void test_created_ticket_maps_to_ticket_created(void **state)
{
	(void)state;
	struct res r;
	map_node(recording("ticket_create.json", 0), NULL, &r);
	assert_int_equal(r.out.n, 1); /* the ticket; the audit beside it says the same */
	assert_string_equal(r.out.kind, "ticket");
	const struct ordex_json *ev = r.ev[0];
	assert_string_equal(get(ev, "id"), "ticket/8867@2015-12-30T01:45:29Z");
	assert_string_equal(get(ev, "type"), "ticket.created");
	assert_string_equal(get(ev, "source"), "zendesk");
	assert_string_equal(get(ev, "data.ticket"), "8867");
	assert_string_equal(get(ev, "data.subject"), "This is a question?");
	assert_string_equal(get(ev, "data.status"), "new");
	assert_string_equal(get(ev, "data.priority"), "normal");
	assert_null(get(ev, "data.requester_email"));
	assert_null(ordex_adapter_path(ev, "data.order_candidates"));
}

static void test_same_ticket_state_gives_same_bytes(void **state)
{
	(void)state;
	struct res put, got, again;
	/* PUT answers with the ticket, then GET reads it back: one fact */
	map_node(recording("ticket_update_after_save.json", 0), NULL, &put);
	map_node(recording("ticket_update_after_save.json", 1), NULL, &got);
	map_node(recording("ticket_update_after_save.json", 1), NULL, &again);
	assert_string_equal(get(put.ev[0], "id"), "ticket/8868@2015-12-30T01:45:37Z");
	assert_string_equal(get(put.ev[0], "type"), "ticket.updated");
	assert_string_equal(get(put.ev[0], "data.subject"), "TESTDATA");
	assert_int_equal(put.out.lens[0], got.out.lens[0]);
	assert_memory_equal(put.out.events[0], got.out.events[0], got.out.lens[0]);
	assert_string_equal(got.out.events[0], again.out.events[0]);
}

static void test_recorded_list_maps_each_element(void **state)
{
	(void)state;
	struct res r;
	map_node(recording("tickets_recent.json", 0), NULL, &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(r.out.kind, "ticket");
	assert_int_equal(r.out.n, 4);
	assert_string_equal(get(r.ev[1], "data.ticket"), "8868");

	map_node(recording("ticket_audits_with_events.json", 0), NULL, &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(r.out.kind, "ticket_audit");
	assert_int_equal(r.out.n, 3);
	/* the creating audit finds the requester among the side-loaded users */
	assert_string_equal(get(r.ev[0], "type"), "ticket.created");
	assert_string_equal(get(r.ev[0], "id"), "audit/21078917");
	assert_string_equal(get(r.ev[0], "data.status"), "open");
	assert_string_equal(get(r.ev[0], "data.requester_email"), "sdavidovitz+qa@zendesk.com");

	map_node(recording("ticket_metrics.json", 0), NULL, &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(r.out.kind, "ticket_metric");
	assert_string_equal(r.out.ignored_why, "reply-time metrics do not concern orders");
}

/* ---- order references ---- */

static void test_subject_reference_is_a_candidate(void **state)
{
	(void)state;
	struct res r;
	map_doc("{'id':4101,'subject':'Where is my order #1001?','status':'open',"
	        "'created_at':'2025-03-01T10:00:00Z','updated_at':'2025-03-01T10:00:00Z'}",
	        &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_null(get(r.ev[0], "order"));
	assert_string_equal(candidates(r.ev[0]), "1001");
	assert_string_equal(get(r.ev[0], "type"), "ticket.created");
	assert_string_equal(get(r.ev[0], "id"), "ticket/4101@2025-03-01T10:00:00Z");
}

static void test_order_tag_is_a_candidate(void **state)
{
	(void)state;
	struct res r;
	map_doc("{'id':4102,'subject':'Damaged','tags':['vip','order_2002'],"
	        "'updated_at':'2025-03-01T10:00:00Z'}",
	        &r);
	assert_string_equal(candidates(r.ev[0]), "2002");
	assert_null(get(r.ev[0], "order"));
	map_doc("{'id':4102,'tags':['order-1001','ordered','order_','reorder_5']}", &r);
	assert_string_equal(candidates(r.ev[0]), "1001");
}

static void test_order_custom_field_is_the_envelope_order(void **state)
{
	(void)state;
	struct res r;
	map_doc("{'id':4103,'subject':'Where is my order #1001?','tags':['order_2002'],"
	        "'custom_fields':[{'id':20015156,'value':'42'},"
	        "{'id':360001,'title':'Order number','value':'#3003'}],"
	        "'updated_at':'2025-03-01T10:00:00Z'}",
	        &r);
	assert_string_equal(get(r.ev[0], "order"), "3003");
	assert_null(ordex_adapter_path(r.ev[0], "data.order_candidates"));

	/* a trigger may name the field in its own JSON */
	map_doc(
	    "{'ticket':{'id':'4104','order_number':'1001','updated_at':'2025-03-01T10:00:00Z'}}",
	    &r);
	assert_string_equal(get(r.ev[0], "order"), "1001");
	map_doc("{'ticket':{'id':'4104','custom_fields':{'Shopify order':'Order #EU1001'}}}", &r);
	assert_string_equal(get(r.ev[0], "order"), "EU1001");
	/* a field named as the order but holding no reference names none */
	map_doc("{'id':4105,'custom_fields':[{'id':1,'title':'Order status','value':'shipped'}]}",
	        &r);
	assert_null(get(r.ev[0], "order"));
}

static void test_candidates_are_strongest_first_without_repeats(void **state)
{
	(void)state;
	struct res r;
	map_doc("{'id':4106,'subject':'Order: 1001 and order #4004',"
	        "'description':'It is order 5005, not #2002. Ticket #7 said so.',"
	        "'tags':['order_2002','vip','order-1001'],"
	        "'custom_fields':[{'id':1,'value':42},{'id':2,'value':'see #3003'},"
	        "{'id':3,'value':null}],'updated_at':'2025-03-01T10:00:00Z'}",
	        &r);
	assert_null(get(r.ev[0], "order"));
	assert_string_equal(candidates(r.ev[0]), "3003,2002,1001,4004,5005");
}

static void test_reference_patterns(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
	    {"Where is my order #1001?", "1001"},
	    {"order 1001", "1001"},
	    {"Order: 1001", "1001"},
	    {"order #1001", "1001"},
	    {"ORDER NO. 1001", "1001"},
	    {"order number: #1001", "1001"},
	    {"Order#1001", "1001"},
	    {"re: #1001, #1002", "1001,1002"},
	    {"order 1001-A arrived", "1001-A"},
	    {"(#1001)", "1001"},
	    {"I ordered 3 items", ""},
	    {"reorder 77", ""},
	    {"my orders 55", ""},
	    {"the order is late", ""},
	    {"ticket #5 and case #6", ""},
	    {"don&#39;t", ""},
	    {"C#1 or #hashtag", ""},
	    {"#", ""},
	    {"order", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct res r;
		struct ordex_jw w;
		struct ordex_buf b;
		ordex_buf_init(&b, 0);
		ordex_jw_init(&w, &b);
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "id");
		ordex_jw_str(&w, "4107");
		ordex_jw_key(&w, "subject");
		ordex_jw_str(&w, cases[i].text);
		ordex_jw_obj_end(&w);
		map_json(ordex_arena_strdup(arena, b.data), RECEIVED, &r);
		ordex_buf_free(&b);
		if (strcmp(candidates(r.ev[0]), cases[i].want) != 0)
			fail_msg("\"%s\": candidates \"%s\", want \"%s\"", cases[i].text,
			         candidates(r.ev[0]), cases[i].want);
	}
}

static void test_text_is_copied_byte_for_byte(void **state)
{
	(void)state;
	/* Arabic "my order has not arrived", a parcel and a face, then the reference */
	static const char subject[] = "\xd8\xb7\xd9\x84\xd8\xa8\xd9\x8a \xd9\x84\xd9\x85 "
	                              "\xd9\x8a\xd8\xb5\xd9\x84 \xf0\x9f\x93\xa6\xf0\x9f\x98\xa2 "
	                              "  order #4004 ";
	static const char json[] =
	    "{\"id\":4108,\"updated_at\":\"2025-03-01T10:00:00+03:00\","
	    "\"subject\":\"\xd8\xb7\xd9\x84\xd8\xa8\xd9\x8a \xd9\x84\xd9\x85 "
	    "\xd9\x8a\xd8\xb5\xd9\x84 \xf0\x9f\x93\xa6\xf0\x9f\x98\xa2   order #4004 \","
	    "\"description\":\"\xd8\xb1\xd9\x82\xd9\x85 \xd8\xa7\xd9\x84\xd8\xb7\xd9\x84\xd8\xa8 "
	    "#5005 \xf0\x9f\x99\x8f\\n\\u00e9t\\u00e9\"}";
	struct res r;
	map_json(json, RECEIVED, &r);
	const char *got = get(r.ev[0], "data.subject");
	assert_non_null(got);
	assert_int_equal(strlen(got), strlen(subject));
	assert_memory_equal(got, subject, strlen(subject));
	/* written as UTF-8, not escaped */
	assert_non_null(strstr(r.out.events[0], subject));
	assert_string_equal(candidates(r.ev[0]), "4004,5005");
	/* the offset of the time is kept */
	assert_string_equal(get(r.ev[0], "occurred_at"), "2025-03-01T10:00:00+03:00");
}

/* ---- requesters, webhooks, triggers, audits ---- */

static void test_requester_email_only_when_given(void **state)
{
	(void)state;
	struct res r;
	map_doc("{'id':4109,'requester_id':20014182,'requester':{'email':'Ana@Example.com'}}", &r);
	assert_string_equal(get(r.ev[0], "data.requester_email"), "Ana@Example.com");
	map_doc("{'id':4110,'requester_id':1,'via':{'channel':'email','source':{'from':"
	        "{'address':'bo@example.org','name':'Bo'},'to':{}}}}",
	        &r);
	assert_string_equal(get(r.ev[0], "data.requester_email"), "bo@example.org");
	map_doc("{'id':4111,'requester_id':20014182,'via':{'channel':'api','source':{'from':{}}}}",
	        &r);
	assert_null(get(r.ev[0], "data.requester_email"));
	/* a list side-loads its users */
	map_doc("{'tickets':[{'id':1,'requester_id':7},{'id':2,'requester_id':8}],"
	        "'users':[{'id':8,'email':'cy@example.net'}]}",
	        &r);
	assert_int_equal(r.out.n, 2);
	assert_null(get(r.ev[0], "data.requester_email"));
	assert_string_equal(get(r.ev[1], "data.requester_email"), "cy@example.net");
}

#define DETAIL                                                                                     \
	"'detail':{'id':'5158','subject':'Order #1001 never came','status':'OPEN',"                \
	"'priority':'LOW','requester_id':'8447388090494','tags':['order_1001'],"                   \
	"'created_at':'2025-01-08T10:12:07Z','updated_at':'2025-01-08T10:14:00Z',"                 \
	"'via':{'channel':'web_service'}}"

static void test_webhook_events(void **state)
{
	(void)state;
	struct res r, s;
	map_doc("{'type':'zen:event-type:ticket.created','account_id':1,'id':'cbe4-1',"
	        "'time':'2025-01-08T10:12:07.672717030Z','subject':'zen:ticket:5158',"
	        "'detail':{'id':'5158','subject':'Order #1001 never came','status':'NEW',"
	        "'created_at':'2025-01-08T10:12:07Z','updated_at':'2025-01-08T10:12:07Z'},"
	        "'event':{'current':{'status':'NEW'}}}",
	        &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(r.out.kind, "ticket_event");
	assert_string_equal(r.out.event_id, "cbe4-1");
	assert_string_equal(get(r.ev[0], "type"), "ticket.created");
	assert_string_equal(get(r.ev[0], "id"), "ticket/5158@2025-01-08T10:12:07Z");
	assert_string_equal(get(r.ev[0], "data.ticket"), "5158");
	assert_string_equal(get(r.ev[0], "data.status"), "new");
	assert_string_equal(candidates(r.ev[0]), "1001");

	/* two deliveries of one action: the same event, so a duplicate, not a conflict */
	map_doc("{'type':'zen:event-type:ticket.status_changed','id':'e-2',"
	        "'time':'2025-01-08T10:14:00.1Z','subject':'zen:ticket:5158'," DETAIL ","
	        "'event':{'current':'OPEN','previous':'NEW'}}",
	        &r);
	map_doc("{'type':'zen:event-type:ticket.priority_changed','id':'e-3',"
	        "'time':'2025-01-08T10:14:00.2Z','subject':'zen:ticket:5158'," DETAIL ","
	        "'event':{'current':'LOW','previous':'NORMAL'}}",
	        &s);
	assert_string_equal(r.out.event_id, "e-2");
	assert_string_equal(s.out.event_id, "e-3");
	assert_string_equal(get(r.ev[0], "type"), "ticket.updated");
	assert_string_equal(get(r.ev[0], "data.status"), "open");
	assert_string_equal(get(r.ev[0], "data.priority"), "low");
	assert_null(get(r.ev[0], "data.requester_email"));
	assert_string_equal(r.out.events[0], s.out.events[0]);

	map_doc("{'type':'zen:event-type:ticket.agent_assignment_changed','id':'e-4'," DETAIL
	        ",'event':{'current':'1','previous':'2'}}",
	        &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(r.out.kind, "ticket_event");
	assert_string_equal(r.out.event_id, "e-4");
	map_doc("{'type':'zen:event-type:user.active_changed','id':'e-5','detail':{'id':'1'}}", &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(r.out.kind, "user_event");
	/* the envelope names the ticket when the detail does not; no detail at all is incomplete */
	map_doc("{'type':'zen:event-type:ticket.comment_added','id':'e-6','subject':'zen:ticket:9',"
	        "'time':'2025-01-08T11:00:00Z','detail':{'status':'SOLVED'}}",
	        &r);
	assert_string_equal(get(r.ev[0], "id"), "ticket/9@2025-01-08T11:00:00Z");
	map_doc("{'type':'zen:event-type:ticket.created','id':'e-7'}", &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_problem(&r, "detail");
}

static void test_trigger_payload(void **state)
{
	(void)state;
	struct res r;
	/* placeholders render tags as one string and dates for people */
	map_doc("{'ticket':{'id':'35436','subject':'Late parcel','status':'Open',"
	        "'priority':'Urgent','requester':{'email':'dee@example.com','name':'Dee'},"
	        "'tags':'vip order_2002','created_at':'March 1, 2025 10:00',"
	        "'updated_at':'March 1, 2025 10:00'}}",
	        &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(r.out.kind, "ticket");
	assert_string_equal(get(r.ev[0], "occurred_at"), RECEIVED);
	assert_string_equal(get(r.ev[0], "data.status"), "open");
	assert_string_equal(get(r.ev[0], "data.priority"), "urgent");
	assert_string_equal(get(r.ev[0], "data.requester_email"), "dee@example.com");
	assert_string_equal(candidates(r.ev[0]), "2002");
}

static void test_ticket_without_id_is_incomplete(void **state)
{
	(void)state;
	struct res r;
	map_doc("{'subject':'Where is my order #1001?','status':'open'}", &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_string_equal(r.out.kind, "ticket");
	assert_problem(&r, "id");
	assert_null(r.out.order);
	map_doc("{'ticket':{'subject':'Refund','order':'#1001'}}", &r);
	assert_problem(&r, "ticket.id");
	assert_string_equal(r.out.order, "1001");
	map_doc("{'ticket':{'id':'{{ticket.id}}'}}", &r);
	assert_problem(&r, "ticket.id");
	/* one bad element of a list: the others are still mapped */
	map_doc("{'tickets':[{'id':1,'status':'new'},{'status':'new'}]}", &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_int_equal(r.out.n, 1);
	assert_problem(&r, "tickets[1].id");
}

static void test_audits(void **state)
{
	(void)state;
	struct res r;
	map_doc("{'audit':{'id':11,'ticket_id':4112,'created_at':'2025-03-02T08:00:00Z',"
	        "'events':[{'id':1,'type':'Comment','body':'Any news on #9999?'},"
	        "{'id':2,'type':'Change','field_name':'status','value':'solved',"
	        "'previous_value':'open'}]}}",
	        &r);
	assert_string_equal(get(r.ev[0], "id"), "audit/11");
	assert_string_equal(get(r.ev[0], "type"), "ticket.updated");
	assert_string_equal(get(r.ev[0], "data.ticket"), "4112");
	assert_string_equal(get(r.ev[0], "data.status"), "solved");
	/* comments are not read for references once the ticket exists */
	assert_string_equal(candidates(r.ev[0]), "");

	map_doc("{'id':12,'ticket_id':4112,'created_at':'2025-03-02T08:00:00Z','events':["
	        "{'type':'Change','field_name':'tags','value':['order_1001'],'previous_value':[]},"
	        "{'type':'Change','field_name':'360001','value':'Order 3003'}]}",
	        &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_MAPPED);
	assert_string_equal(candidates(r.ev[0]), "3003,1001");
	assert_null(get(r.ev[0], "data.status"));

	map_doc("{'id':13,'ticket_id':4112,'created_at':'2025-03-02T08:00:00Z','events':["
	        "{'type':'Change','field_name':'assignee_id','value':'5'},"
	        "{'type':'Change','field_name':'tags','value':['vip']}]}",
	        &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(r.out.ignored_why,
	                    "the audit changes only ticket fields ordex does not use");
	map_doc("{'id':14,'ticket_id':4112,'events':[{'type':'Comment','body':'thanks'}]}", &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(r.out.ignored_why,
	                    "a comment does not change what ordex keeps of a ticket");
	map_doc(
	    "{'audit':{'id':15,'events':[{'type':'Change','field_name':'status','value':'open'}]}}",
	    &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_problem(&r, "audit.ticket_id");
}

static void test_ignored_kinds_say_why(void **state)
{
	(void)state;
	struct res r;
	map_doc("{'ticket_metric':{'id':1,'ticket_id':2,'reply_time_in_minutes':{'calendar':0}}}",
	        &r);
	assert_string_equal(r.out.kind, "ticket_metric");
	assert_string_equal(r.out.ignored_why, "reply-time metrics do not concern orders");
	map_doc("{'id':3,'subject':'Where is my order #1001?','cause':'Detected as spam'}", &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(r.out.kind, "suspended_ticket");
	map_doc("{'id':4,'type':'text','title':'Order number','position':1}", &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_IGNORED);
	assert_string_equal(r.out.kind, "ticket_field");
}

static void test_odd_payloads_end_in_one_outcome(void **state)
{
	(void)state;
	static const char *const docs[] = {
	    "null",
	    "42",
	    "'x'",
	    "[]",
	    "{}",
	    "[1,[{}],{'id':5,'status':'new'}]",
	    "{'ticket':5}",
	    "{'ticket':null,'audit':{}}",
	    "{'tickets':[1,'x',null,{}]}",
	    "{'tickets':[]}",
	    "{'audits':[{'ticket_id':1,'events':'x'},{'events':[null,1,{'type':7}]}]}",
	    "{'type':'zen:event-type:','detail':{}}",
	    "{'type':'zen:event-type:ticket.created','detail':[]}",
	    "{'type':'zen:event-type:ticket.created','subject':'zen:ticket:','detail':{}}",
	    "{'id':1.5,'subject':''}",
	    "{'id':-1,'status':'new'}",
	    ("{'id':1,'subject':7,'status':{},'priority':[],'tags':{'a':1},'custom_fields':7,"
	     "'requester':'x','via':{'source':{'from':{'address':5}}},'description':null}"),
	    "{'id':1,'updated_at':'2025-02-30T00:00:00Z','created_at':7}",
	    "{'id':1,'custom_fields':[null,5,{'title':7,'value':{}},{'name':'order','value':[1]}]}",
	    "{'id':1,'tags':'order_ order order-# #order order__1 ,,, order_1001,order_1002'}",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct res r;
		map_doc(docs[i], &r);
	}
	/* without any time at all, an otherwise good ticket is incomplete */
	struct res r;
	map_json("{\"id\":1,\"status\":\"new\"}", NULL, &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_INCOMPLETE);
	assert_problem(&r, "updated_at");
	map_node(NULL, RECEIVED, &r);
	assert_int_equal(r.out.outcome, ORDEX_ADAPT_IGNORED);
}

static void test_too_many_elements_fail_with_toobig(void **state)
{
	(void)state;
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_buf_puts(&b, "{\"tickets\":[");
	for (int i = 0; i <= ORDEX_ADAPT_MAX_EVENTS; i++)
		ordex_buf_printf(&b, "%s{\"id\":%d,\"status\":\"new\"}", i ? "," : "", i + 1);
	ordex_buf_puts(&b, "]}");
	struct ordex_json *root = NULL;
	struct ordex_json_error err;
	assert_int_equal(ordex_json_parse(arena, b.data, b.len, NULL, &root, &err), ORDEX_OK);
	struct ordex_adapter_input in = {.body = root, .received_at = RECEIVED};
	struct ordex_adapter_output out;
	ordex_adapter_output_init(&out, arena, "zendesk");
	assert_int_equal(ordex_adapter_zendesk.map(&in, &out), ORDEX_E_TOOBIG);
	ordex_adapter_output_done(&out);
	ordex_buf_free(&b);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_every_recorded_payload_has_one_outcome),
	    T(test_created_ticket_maps_to_ticket_created),
	    T(test_same_ticket_state_gives_same_bytes),
	    T(test_recorded_list_maps_each_element),
	    T(test_subject_reference_is_a_candidate),
	    T(test_order_tag_is_a_candidate),
	    T(test_order_custom_field_is_the_envelope_order),
	    T(test_candidates_are_strongest_first_without_repeats),
	    T(test_reference_patterns),
	    T(test_text_is_copied_byte_for_byte),
	    T(test_requester_email_only_when_given),
	    T(test_webhook_events),
	    T(test_trigger_payload),
	    T(test_ticket_without_id_is_incomplete),
	    T(test_audits),
	    T(test_ignored_kinds_say_why),
	    T(test_odd_payloads_end_in_one_outcome),
	    T(test_too_many_elements_fail_with_toobig),
	};
#undef T
	return cmocka_run_group_tests_name("adapter_zendesk", tests, NULL, NULL);
}
