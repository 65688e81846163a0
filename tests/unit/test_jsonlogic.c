/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_jsonlogic.c - the JsonLogic evaluator: every test of the shared
 * suite (../shared/data/jsonlogic/tests.json, json-logic-js's), then the
 * coercions the suite leaves out, the bounds a hostile rule meets, and
 * rules refused before they are stored.
 */
#include "testutil.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "policy/jsonlogic.h"

static struct ordex_arena *arena;

static int setup(void **state)
{
	arena = ordex_arena_new(64 * 1024);
	return 0;
}

static int teardown(void **state)
{
	ordex_arena_free(arena);
	return 0;
}

static struct ordex_json *parse(const char *text)
{
	struct ordex_json *j;
	struct ordex_json_error e;
	if (ordex_json_parse(arena, text, strlen(text), NULL, &j, &e) != ORDEX_OK)
		fail_msg("bad JSON in the test: %s at %s: %s", e.msg, e.path, text);
	return j;
}

static char *text_of(const struct ordex_json *j)
{
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_json_write(&b, j);
	char *s = ordex_arena_strndup(arena, b.data ? b.data : "", b.len);
	ordex_buf_free(&b);
	return s;
}

/* rule over data gives want (compared as values) */
static void expect(const char *rule, const char *data, const char *want)
{
	struct ordex_json *out;
	struct ordex_jl_error err;
	int rc = ordex_jl_eval(arena, parse(rule), parse(data), NULL, &out, &err);
	if (rc != ORDEX_OK)
		fail_msg("%s over %s: %s at %s", rule, data, err.msg, err.path);
	if (!ordex_jl_same(out, parse(want)))
		fail_msg("%s over %s: %s, want %s", rule, data, text_of(out), want);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct ordex_buf b;
	char chunk[8192];
	size_t got;
	ordex_buf_init(&b, 0);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ordex_buf_append(&b, chunk, got);
	fclose(f);
	char *s = ordex_arena_strndup(arena, b.data ? b.data : "", b.len);
	ordex_buf_free(&b);
	return s;
}

static void test_the_shared_suite_passes_in_full(void **state)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/jsonlogic/tests.json", test_shared_data());
	char *text = read_all(path);
	if (!text) {
		print_message("shared data absent (%s): skipped\n", path);
		skip();
	}
	struct ordex_json *suite = parse(text);
	assert_int_equal(suite->type, ORDEX_JSON_ARRAY);
	int passed = 0, failed = 0, sections = 0;
	for (const struct ordex_json *t = suite->child; t; t = t->next) {
		if (t->type == ORDEX_JSON_STRING) {
			sections++;
			continue;
		}
		assert_int_equal(t->type, ORDEX_JSON_ARRAY);
		const struct ordex_json *rule = ordex_json_at(t, 0), *data = ordex_json_at(t, 1),
		                        *want = ordex_json_at(t, 2);
		struct ordex_json *out = NULL;
		struct ordex_jl_error err;
		int rc = ordex_jl_eval(arena, rule, data, NULL, &out, &err);
		if (rc == ORDEX_OK && ordex_jl_same(out, want)) {
			passed++;
			continue;
		}
		failed++;
		print_message("FAIL %s over %s: got %s, want %s%s%s\n", text_of(rule),
		              text_of(data), rc == ORDEX_OK ? text_of(out) : "an error",
		              text_of(want), rc == ORDEX_OK ? "" : ": ",
		              rc == ORDEX_OK ? "" : err.msg);
	}
	printf("jsonlogic suite: %d of %d tests passed (%d sections)\n", passed, passed + failed,
	       sections);
	assert_int_equal(failed, 0);
	assert_true(passed >= 275);
}

/* JavaScript's coercions where the suite is thin. */
static void test_coercions_follow_javascript(void **state)
{
	expect("{\"==\":[0,\"\"]}", "{}", "true");
	expect("{\"==\":[null,0]}", "{}", "false");
	expect("{\"==\":[[1],1]}", "{}", "true");
	expect("{\"==\":[[1,2],\"1,2\"]}", "{}", "true");
	expect("{\"==\":[true,\"1\"]}", "{}", "true");
	expect("{\"==\":[\"0x10\",16]}", "{}", "true");
	expect("{\"<\":[\"a\",\"b\"]}", "{}", "true");
	expect("{\"<\":[\"10\",\"9\"]}", "{}", "true"); /* strings compare as strings */
	expect("{\"<\":[10,\"9\"]}", "{}", "false");
	expect("{\">\":[\"abc\",1]}", "{}", "false"); /* NaN: neither */
	expect("{\"<=\":[\"abc\",1]}", "{}", "false");
	expect("{\"+\":[\"1.5e1\",\"2px\"]}", "{}", "17");
	expect("{\"cat\":[1.5,\" \",0.1,\" \",1e21,\" \",1e-7,\" \",null,\" \",[1,[2,3]]]}", "{}",
	       "\"1.5 0.1 1e+21 1e-7 null 1,2,3\"");
	expect("{\"cat\":[100,\" \",0.000001,\" \",123456789012]}", "{}",
	       "\"100 0.000001 123456789012\"");
	expect("{\"/\":[1,0]}", "{}", "null"); /* Infinity has no JSON */
	expect("{\"%\":[-7,3]}", "{}", "-1");
	expect("{\"substr\":[\"Zoë Ünal\",1,3]}", "{}", "\"oë \"");
	expect("{\"in\":[\"Ü\",\"Zoë Ünal\"]}", "{}", "true");
	expect("{\"var\":\"a.1.b\"}", "{\"a\":[{\"b\":1},{\"b\":2}]}", "2");
	expect("{\"var\":[\"a.x\",\"none\"]}", "{\"a\":{}}", "\"none\"");
	expect("{\"and\":[1,\"\",2]}", "{}", "\"\"");
	expect("{\"or\":[0,[],\"x\"]}", "{}", "\"x\"");
	expect("{\"reduce\":[{\"var\":\"xs\"},{\"+\":[{\"var\":\"current\"},{\"var\":"
	       "\"accumulator\"}]},0]}",
	       "{\"xs\":[1,2,3,4]}", "10");
	expect("{\"map\":[[1,2],{\"var\":\"\"}]}", "{}", "[1,2]");
}

/* Rules of a tenant's policy, as they will be written. */
static void test_policy_rules_decide_on_an_action(void **state)
{
	const char *rule = "{\"and\":[{\"==\":[{\"var\":\"action.kind\"},\"refund\"]},"
	                   "{\">\":[{\"var\":\"action.amount\"},20000]},"
	                   "{\"in\":[{\"var\":\"order.currency\"},[\"USD\",\"CAD\"]]}]}";
	expect(
	    rule,
	    "{\"action\":{\"kind\":\"refund\",\"amount\":25000},\"order\":{\"currency\":\"USD\"}}",
	    "true");
	expect(
	    rule,
	    "{\"action\":{\"kind\":\"refund\",\"amount\":15000},\"order\":{\"currency\":\"USD\"}}",
	    "false");
	expect(rule, "{\"action\":{\"kind\":\"refund\",\"amount\":25000}}", "false");
	expect("{\"if\":[{\"missing\":[\"order.region\"]},\"unrouted\",{\"cat\":[\"queue-\","
	       "{\"var\":\"order.region\"}]}]}",
	       "{\"order\":{\"region\":\"eu\"}}", "\"queue-eu\"");
}

static int eval_rc(const char *rule, const char *data, const struct ordex_jl_limits *lim,
                   struct ordex_jl_error *err)
{
	struct ordex_json *out;
	return ordex_jl_eval(arena, parse(rule), parse(data), lim, &out, err);
}

/* A hostile rule meets a bound and an error, never a hang or a crash. */
static void test_hostile_rules_meet_their_bounds(void **state)
{
	struct ordex_jl_error err;
	/* nesting */
	char deep[4096] = "", *p = deep;
	for (int i = 0; i < 50; i++)
		p += sprintf(p, "{\"!\":");
	p += sprintf(p, "true");
	for (int i = 0; i < 50; i++)
		*p++ = '}';
	*p = '\0';
	assert_int_equal(eval_rc(deep, "{}", NULL, &err), ORDEX_E_TOOBIG);
	assert_non_null(strstr(err.msg, "nested deeper"));
	/* work: a map of a map of a map over a long array */
	char xs[8192] = "[", *q = xs + 1;
	for (int i = 0; i < 1000; i++)
		q += sprintf(q, "%s%d", i ? "," : "", i);
	strcpy(q, "]");
	char data[9000];
	snprintf(data, sizeof(data), "{\"xs\":%s}", xs);
	/* (the inner map's data is each element, so its list is written out) */
	char heavy[9000];
	snprintf(heavy, sizeof(heavy), "{\"map\":[{\"var\":\"xs\"},{\"map\":[%s,{\"+\":[1,2]}]}]}",
	         xs);
	struct ordex_jl_limits roomy = {.max_bytes = (size_t)256 << 20};
	assert_int_equal(eval_rc(heavy, data, &roomy, &err), ORDEX_E_TOOBIG);
	assert_non_null(strstr(err.msg, "steps"));
	assert_int_equal(strncmp(err.path, "map[1].map[", 11), 0);
	assert_int_equal(eval_rc(heavy, data, NULL, &err), ORDEX_E_TOOBIG); /* bytes or steps */
	/* size: a string doubled by cat over and over */
	struct ordex_jl_limits small = {.max_bytes = 64 * 1024};
	const char *grow = "{\"reduce\":[{\"var\":\"xs\"},{\"cat\":[{\"var\":\"accumulator\"},"
	                   "{\"var\":\"accumulator\"}]},\"xx\"]}";
	assert_int_equal(eval_rc(grow, data, &small, &err), ORDEX_E_TOOBIG);
	assert_non_null(strstr(err.msg, "bytes"));
	/* a value quadrupled each step outgrows the bound before it is made: the
	 * arena stays near the bound (it reached gigabytes when the size was
	 * looked at every 64 steps) */
	char quad[512] = "{\"reduce\":[[", *r = quad + strlen(quad);
	for (int i = 0; i < 40; i++)
		r += sprintf(r, "%s%d", i ? "," : "", i);
	strcpy(r, "],{\"cat\":[{\"var\":\"accumulator\"},{\"var\":\"accumulator\"},{\"var\":"
	          "\"accumulator\"},{\"var\":\"accumulator\"}]},\"xxxxxxxxxxx\"]}");
	ordex_arena_reset(arena);
	assert_int_equal(eval_rc(quad, "{}", NULL, &err), ORDEX_E_TOOBIG);
	assert_non_null(strstr(err.msg, "bytes"));
	assert_true(ordex_arena_used(arena) < (size_t)3 << 20);
	/* a budget shared by several evaluations: the second runs out of it */
	size_t budget = 120;
	struct ordex_jl_limits shared = {.budget = &budget};
	const char *some = "{\"map\":[[1,2,3,4,5,6,7,8,9,10],{\"+\":[{\"var\":\"\"},1]}]}";
	assert_int_equal(eval_rc(some, "{}", &shared, &err), ORDEX_OK);
	assert_true(budget > 0 && budget < 60); /* it took more than half */
	assert_int_equal(eval_rc(some, "{}", &shared, &err), ORDEX_E_TOOBIG);
	assert_non_null(strstr(err.msg, "one input"));
	/* an unknown operation, when evaluated */
	assert_int_equal(eval_rc("{\"and\":[true,{\"bogus\":[1]}]}", "{}", NULL, &err),
	                 ORDEX_E_INVAL);
	assert_non_null(strstr(err.msg, "bogus"));
}

/* Before a rule is stored: unknown operations named with their path. */
static void test_a_rule_is_checked_before_it_is_stored(void **state)
{
	struct ordex_jl_error err;
	assert_int_equal(ordex_jl_check(parse("{\"and\":[{\">\":[{\"var\":\"a\"},1]},"
	                                      "{\"if\":[true,{\"refund_all\":[]}]}]}"),
	                                NULL, &err),
	                 ORDEX_E_INVAL);
	assert_string_equal(err.path, "and[1].if[1]");
	assert_non_null(strstr(err.msg, "\"refund_all\" is not a JsonLogic operation"));
	assert_int_equal(
	    ordex_jl_check(parse("{\"or\":[{\"var\":\"x\"},{\"missing\":[\"y\"]}]}"), NULL, &err),
	    ORDEX_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_the_shared_suite_passes_in_full),
	    cmocka_unit_test(test_coercions_follow_javascript),
	    cmocka_unit_test(test_policy_rules_decide_on_an_action),
	    cmocka_unit_test(test_hostile_rules_meet_their_bounds),
	    cmocka_unit_test(test_a_rule_is_checked_before_it_is_stored),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
