/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_json.c - the strict JSON parser and the writers: every value type,
 * every class of rejection with its message and path, the depth limit,
 * large inputs, integer conversion, escaping, and a seeded random round trip
 * through the streaming writer and back.
 */
#include "testutil.h"

#include <inttypes.h>
#include <limits.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"

static struct ordex_arena *arena;

static int setup(void **state)
{
	(void)state;
	arena = ordex_arena_new(4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ordex_arena_free(arena);
	arena = NULL;
	return 0;
}

static struct ordex_json *parse_n(const char *s, size_t n)
{
	struct ordex_json *root = NULL;
	struct ordex_json_error err;
	int rc = ordex_json_parse(arena, s, n, NULL, &root, &err);

	if (rc)
		print_message("parse failed: %s (path \"%s\", offset %zu)\n", err.msg, err.path,
		              err.offset);
	assert_int_equal(rc, ORDEX_OK);
	assert_non_null(root);
	return root;
}

static struct ordex_json *parse(const char *s)
{
	return parse_n(s, strlen(s));
}

/* Parses n bytes expecting failure; returns the error for further checks. */
static struct ordex_json_error rejected_n(const char *s, size_t n, const char *msg,
                                          const char *path)
{
	struct ordex_json *root = (struct ordex_json *)1;
	struct ordex_json_error err;
	int rc = ordex_json_parse(arena, s, n, NULL, &root, &err);

	assert_int_equal(rc, ORDEX_E_INVAL);
	assert_int_equal(err.code, ORDEX_E_INVAL);
	assert_null(root);
	assert_string_equal(err.msg, msg);
	assert_string_equal(err.path, path);
	return err;
}

static struct ordex_json_error rejected(const char *s, const char *msg, const char *path)
{
	return rejected_n(s, strlen(s), msg, path);
}

/* The compact JSON of node, copied into the arena. */
static const char *written(const struct ordex_json *node)
{
	struct ordex_buf b;
	char *s;

	ordex_buf_init(&b, 0);
	assert_int_equal(ordex_json_write(&b, node), ORDEX_OK);
	s = ordex_arena_strndup(arena, b.data ? b.data : "", b.len);
	ordex_buf_free(&b);
	return s;
}

static const char *string_written(const char *s, size_t n)
{
	struct ordex_buf b;
	char *out;

	ordex_buf_init(&b, 0);
	assert_int_equal(ordex_json_write_string(&b, s, n), ORDEX_OK);
	out = ordex_arena_strndup(arena, b.data, b.len);
	ordex_buf_free(&b);
	return out;
}

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
		for (int i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				return false;
		p += n;
	}
	return true;
}

/* ---- valid documents ---- */

static void parses_null_true_and_false(void **state)
{
	(void)state;
	assert_int_equal(parse("null")->type, ORDEX_JSON_NULL);
	assert_int_equal(parse("true")->type, ORDEX_JSON_TRUE);
	assert_int_equal(parse("false")->type, ORDEX_JSON_FALSE);
}

static void parses_number_keeping_literal_text(void **state)
{
	struct ordex_json *n = parse("-12.50e+3");

	(void)state;
	assert_int_equal(n->type, ORDEX_JSON_NUMBER);
	assert_string_equal(n->str, "-12.50e+3");
	assert_int_equal(n->len, 9);
}

static void accepts_every_number_form_of_the_grammar(void **state)
{
	static const char *ok[] = {"0",
	                           "-0",
	                           "0.0",
	                           "1e5",
	                           "1E-5",
	                           "-1.5e+10",
	                           "10",
	                           "0e0",
	                           "9.999e999",
	                           "0.5",
	                           "-0.5",
	                           "1E+2",
	                           "123456789012345678901234567890"};

	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(ok); i++) {
		struct ordex_json *n = parse(ok[i]);
		assert_int_equal(n->type, ORDEX_JSON_NUMBER);
		assert_string_equal(n->str, ok[i]);
	}
}

static void parses_string(void **state)
{
	struct ordex_json *s = parse("\"hello\"");

	(void)state;
	assert_int_equal(s->type, ORDEX_JSON_STRING);
	assert_string_equal(ordex_json_string(s), "hello");
	assert_int_equal(s->len, 5);
}

static void parses_empty_array_and_object(void **state)
{
	struct ordex_json *a = parse("[]"), *o = parse("{}");

	(void)state;
	assert_int_equal(a->type, ORDEX_JSON_ARRAY);
	assert_int_equal(a->count, 0);
	assert_null(a->child);
	assert_int_equal(o->type, ORDEX_JSON_OBJECT);
	assert_int_equal(o->count, 0);
	assert_null(o->child);
}

static void parses_nested_document(void **state)
{
	struct ordex_json *r = parse("{\"id\":\"o-1\",\"lines\":[{\"sku\":\"A\",\"qty\":2},"
	                             "{\"sku\":\"B\",\"qty\":1}],\"paid\":true,\"note\":null}");
	struct ordex_json *lines = ordex_json_get(r, "lines");
	int64_t qty;

	(void)state;
	assert_int_equal(r->count, 4);
	assert_string_equal(ordex_json_string(ordex_json_get(r, "id")), "o-1");
	assert_int_equal(lines->type, ORDEX_JSON_ARRAY);
	assert_int_equal(lines->count, 2);
	assert_string_equal(ordex_json_string(ordex_json_get(ordex_json_at(lines, 1), "sku")), "B");
	assert_int_equal(ordex_json_int(ordex_json_get(ordex_json_at(lines, 0), "qty"), &qty),
	                 ORDEX_OK);
	assert_int_equal(qty, 2);
	assert_int_equal(ordex_json_get(r, "paid")->type, ORDEX_JSON_TRUE);
	assert_int_equal(ordex_json_get(r, "note")->type, ORDEX_JSON_NULL);
	assert_string_equal(ordex_json_get(r, "note")->key, "note");
}

static void accepts_whitespace_around_tokens(void **state)
{
	struct ordex_json *r = parse(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] } \n");

	(void)state;
	assert_int_equal(ordex_json_get(r, "a")->count, 2);
}

static void skips_leading_byte_order_mark(void **state)
{
	struct ordex_json *r = parse("\xEF\xBB\xBF{\"a\":1}");

	(void)state;
	assert_int_equal(r->type, ORDEX_JSON_OBJECT);
}

static void decodes_every_short_escape(void **state)
{
	struct ordex_json *s = parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");

	(void)state;
	assert_string_equal(s->str, "\"\\/\b\f\n\r\t");
	assert_int_equal(s->len, 8);
}

static void decodes_unicode_escapes_to_utf8(void **state)
{
	(void)state;
	assert_string_equal(parse("\"\\u00e9\"")->str, "\xC3\xA9");
	assert_string_equal(parse("\"\\u20AC\"")->str, "\xE2\x82\xAC");
	assert_string_equal(parse("\"a\\u0041b\"")->str, "aAb");
}

static void combines_surrogate_pair_into_one_code_point(void **state)
{
	struct ordex_json *s = parse("\"\\uD83D\\uDE00\"");

	(void)state;
	assert_int_equal(s->len, 4);
	assert_memory_equal(s->str, "\xF0\x9F\x98\x80", 5);
	assert_string_equal(parse("\"\\udbff\\udfff\"")->str, "\xF4\x8F\xBF\xBF");
	assert_string_equal(parse("\"\\uD800\\uDC00\"")->str, "\xF0\x90\x80\x80");
}

static void accepts_utf8_at_every_boundary(void **state)
{
	static const char *ok[] = {
	    "\"\xC2\x80\"",         "\"\xDF\xBF\"",         "\"\xE0\xA0\x80\"",
	    "\"\xED\x9F\xBF\"",     "\"\xEE\x80\x80\"",     "\"\xEF\xBF\xBF\"",
	    "\"\xF0\x90\x80\x80\"", "\"\xF4\x8F\xBF\xBF\"", "\"\x7F\""};

	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(ok); i++) {
		struct ordex_json *s = parse(ok[i]);
		assert_int_equal(s->len, strlen(ok[i]) - 2);
		assert_memory_equal(s->str, ok[i] + 1, s->len);
	}
}

static void keeps_long_ascii_strings_intact(void **state)
{
	char in[320], want[300];

	(void)state;
	for (int i = 0; i < 257; i++)
		want[i] = (char)('a' + i % 26);
	want[257] = '\0';
	snprintf(in, sizeof(in), "\"%s\"", want);
	assert_string_equal(parse(in)->str, want);
}

static void get_finds_members_and_returns_null_otherwise(void **state)
{
	struct ordex_json *r = parse("{\"a\":1,\"ab\":2}");

	(void)state;
	assert_string_equal(ordex_json_get(r, "ab")->str, "2");
	assert_null(ordex_json_get(r, "b"));
	assert_null(ordex_json_get(r, "a\xC3"));
	assert_null(ordex_json_get(parse("[1]"), "a"));
	assert_null(ordex_json_get(NULL, "a"));
}

static void at_returns_elements_and_null_past_the_end(void **state)
{
	struct ordex_json *r = parse("[10,20,30]");

	(void)state;
	assert_string_equal(ordex_json_at(r, 0)->str, "10");
	assert_string_equal(ordex_json_at(r, 2)->str, "30");
	assert_null(ordex_json_at(r, 3));
	assert_null(ordex_json_at(parse("{}"), 0));
	assert_null(ordex_json_at(NULL, 0));
}

static void string_accessor_returns_null_for_other_types(void **state)
{
	(void)state;
	assert_null(ordex_json_string(parse("1")));
	assert_null(ordex_json_string(parse("null")));
	assert_null(ordex_json_string(NULL));
}

static void type_names_cover_every_type(void **state)
{
	(void)state;
	assert_string_equal(ordex_json_type_name(ORDEX_JSON_NULL), "null");
	assert_string_equal(ordex_json_type_name(ORDEX_JSON_FALSE), "boolean");
	assert_string_equal(ordex_json_type_name(ORDEX_JSON_TRUE), "boolean");
	assert_string_equal(ordex_json_type_name(ORDEX_JSON_NUMBER), "number");
	assert_string_equal(ordex_json_type_name(ORDEX_JSON_STRING), "string");
	assert_string_equal(ordex_json_type_name(ORDEX_JSON_ARRAY), "array");
	assert_string_equal(ordex_json_type_name(ORDEX_JSON_OBJECT), "object");
	assert_string_equal(ordex_json_type_name((enum ordex_json_type)99), "unknown");
}

/* ---- rejections: grammar ---- */

static void rejects_empty_input(void **state)
{
	(void)state;
	rejected("", "empty input", "");
	rejected(" \n\t ", "empty input", "");
	rejected("\xEF\xBB\xBF", "empty input", "");
	rejected_n(NULL, 0, "empty input", "");
}

static void rejects_trailing_comma_in_array(void **state)
{
	struct ordex_json_error e = rejected("{\"a\":[1,2,]}", "trailing comma in array", "a");

	(void)state;
	assert_int_equal(e.offset, 10);
}

static void rejects_trailing_comma_in_object(void **state)
{
	(void)state;
	rejected("{\"a\":1,}", "trailing comma in object", "");
}

static void rejects_comments(void **state)
{
	(void)state;
	rejected("[1 /* one */]", "expected ',' or ']' after array element", "");
	rejected("// note\n1", "expected value, found \"/\"", "");
}

static void rejects_nan_and_infinity(void **state)
{
	(void)state;
	rejected("NaN", "invalid token \"NaN\"", "");
	rejected("[Infinity]", "invalid token \"Infinity\"", "[0]");
	rejected("{\"a\":-Infinity}", "invalid number \"-Infinity\"", "a");
}

static void rejects_leading_zeros(void **state)
{
	(void)state;
	rejected("01", "invalid number \"01\"", "");
	rejected("[-007]", "invalid number \"-007\"", "[0]");
	rejected("00.5", "invalid number \"00.5\"", "");
}

static void rejects_leading_plus(void **state)
{
	(void)state;
	rejected("+1", "invalid number \"+1\"", "");
	rejected("[1e+5,+1]", "invalid number \"+1\"", "[1]");
}

static void rejects_malformed_numbers(void **state)
{
	static const char *bad[] = {"-",     "1.",   ".5", "1e",  "1e+",  "1E-", "--1",
	                            "1.5.3", "0x10", "1a", "-.5", "1.e5", "2-1"};

	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(bad); i++) {
		char want[64];
		snprintf(want, sizeof(want), "invalid number \"%s\"", bad[i]);
		rejected(bad[i], want, "");
	}
}

static void rejects_misspelled_literals(void **state)
{
	(void)state;
	rejected("tru", "invalid token \"tru\"", "");
	rejected("[nul]", "invalid token \"nul\"", "[0]");
	rejected("falsey", "invalid token \"falsey\"", "");
	rejected("True", "invalid token \"True\"", "");
}

static void rejects_single_quoted_strings(void **state)
{
	(void)state;
	rejected("['a']", "expected value, found \"'\"", "[0]");
}

static void rejects_trailing_data_after_value(void **state)
{
	struct ordex_json_error e = rejected("{\"a\":1} x", "unexpected data after JSON value", "");

	(void)state;
	assert_int_equal(e.offset, 8);
	rejected("1 2", "unexpected data after JSON value", "");
	rejected("[]]", "unexpected data after JSON value", "");
}

static void rejects_truncated_document(void **state)
{
	struct ordex_json_error e = rejected("{\"a\":[1,2", "unexpected end of input", "a");

	(void)state;
	assert_int_equal(e.offset, 9);
	rejected("[", "unexpected end of input", "[0]");
	rejected("{\"a\"", "unexpected end of input", "");
	rejected("{\"a\":", "unexpected end of input", "a");
}

static void rejects_missing_comma_between_members(void **state)
{
	(void)state;
	rejected("{\"a\":1 \"b\":2}", "expected ',' or '}' after object member", "");
	rejected("[1 2]", "expected ',' or ']' after array element", "");
}

static void rejects_missing_colon(void **state)
{
	(void)state;
	rejected("{\"a\" 1}", "expected ':' after object key", "");
}

static void rejects_non_string_key(void **state)
{
	(void)state;
	rejected("{a:1}", "expected string for object key", "");
	rejected("{\"a\":1,2:3}", "expected string for object key", "");
}

static void rejects_non_ascii_outside_strings(void **state)
{
	(void)state;
	rejected("[1,\xC3\xA9]", "expected value, found byte 0xC3", "[1]");
	rejected("[1\xC2\xA0]", "expected ',' or ']' after array element", "");
	rejected("[\xEF\xBB\xBF"
	         "1]",
	         "expected value, found byte 0xEF", "[0]");
}

static void rejects_unterminated_string(void **state)
{
	struct ordex_json_error e = rejected("[\"abc", "unterminated string", "[0]");

	(void)state;
	assert_int_equal(e.offset, 1);
	rejected("\"ab\\", "unterminated string", "");
}

/* ---- rejections: strings ---- */

static void rejects_raw_control_characters_in_strings(void **state)
{
	struct ordex_json_error e =
	    rejected("\"a\tb\"", "unescaped control character 0x09 in string", "");

	(void)state;
	assert_int_equal(e.offset, 2);
	rejected("\"\n\"", "unescaped control character 0x0A in string", "");
	rejected_n("\"\0\"", 3, "unescaped control character 0x00 in string", "");
}

static void rejects_unknown_escapes(void **state)
{
	(void)state;
	rejected("\"\\x\"", "invalid escape sequence \"\\x\"", "");
	rejected("\"\\'\"", "invalid escape sequence \"\\'\"", "");
	rejected("\"\\\xC3\xA9\"", "invalid escape sequence", "");
}

static void rejects_unicode_escape_without_four_hex_digits(void **state)
{
	(void)state;
	rejected("\"\\u12G4\"", "\"\\u\" must be followed by four hexadecimal digits", "");
	rejected("\"\\u12\"", "\"\\u\" must be followed by four hexadecimal digits", "");
}

static void rejects_escaped_nul(void **state)
{
	(void)state;
	rejected("{\"a\":\"x\\u0000\"}", "\"\\u0000\" is not allowed in strings", "a");
}

static void rejects_unpaired_high_surrogate(void **state)
{
	struct ordex_json_error e =
	    rejected("\"ab\\uD800\"", "unpaired UTF-16 surrogate \"\\uD800\"", "");

	(void)state;
	assert_int_equal(e.offset, 3);
	rejected("\"\\ud83dx\"", "unpaired UTF-16 surrogate \"\\ud83d\"", "");
	rejected("\"\\uD800\\u0041\"", "unpaired UTF-16 surrogate \"\\uD800\"", "");
	rejected("\"\\uD800\\uD800\\uDC00\"", "unpaired UTF-16 surrogate \"\\uD800\"", "");
}

static void rejects_unpaired_low_surrogate(void **state)
{
	(void)state;
	rejected("\"\\uDC00\"", "unpaired UTF-16 surrogate \"\\uDC00\"", "");
	rejected("\"\\uDFFF\\uDFFF\"", "unpaired UTF-16 surrogate \"\\uDFFF\"", "");
}

static void rejects_overlong_utf8(void **state)
{
	static const char *bad[] = {"\"\xC0\x80\"", "\"\xC1\xBF\"", "\"\xE0\x9F\xBF\"",
	                            "\"\xF0\x8F\xBF\xBF\""};

	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(bad); i++)
		assert_int_equal(rejected(bad[i], "invalid UTF-8 in string", "").offset, 1);
}

static void rejects_utf8_encoded_surrogates(void **state)
{
	(void)state;
	rejected("\"\xED\xA0\x80\"", "invalid UTF-8 in string", "");
	rejected("\"\xED\xBF\xBF\"", "invalid UTF-8 in string", "");
}

static void rejects_code_points_above_10ffff(void **state)
{
	(void)state;
	rejected("\"\xF4\x90\x80\x80\"", "invalid UTF-8 in string", "");
	rejected("\"\xF5\x80\x80\x80\"", "invalid UTF-8 in string", "");
	rejected("\"\xFF\"", "invalid UTF-8 in string", "");
}

static void rejects_truncated_utf8_sequences(void **state)
{
	struct ordex_json_error e =
	    rejected("{\"k\":\"ab\xE2\x82\"}", "invalid UTF-8 in string", "k");

	(void)state;
	assert_int_equal(e.offset, 8);
	rejected("\"\xF0\x9F\x98", "invalid UTF-8 in string", "");
	rejected("\"\x80\"", "invalid UTF-8 in string", "");
	rejected("\"\xC3\xA9\xA9\"", "invalid UTF-8 in string", "");
}

static void rejects_invalid_utf8_past_a_long_ascii_run(void **state)
{
	struct ordex_json_error e =
	    rejected("\"abcdefghijklmnopqrstuvwxyz\xE9\"", "invalid UTF-8 in string", "");

	(void)state;
	assert_int_equal(e.offset, 27);
}

/* ---- rejections: duplicate keys ---- */

static void rejects_duplicate_key_with_its_path(void **state)
{
	const char *doc = "{\"data\":{\"lines\":[{\"sku\":\"a\"},{\"sku\":\"b\"},"
	                  "{\"sku\":\"c\",\"qty\":1,\"sku\":\"d\"}]}}";
	struct ordex_json_error e = rejected(doc, "duplicate key \"sku\"", "data.lines[2].sku");

	(void)state;
	assert_int_equal(e.offset, (size_t)(strstr(doc, "\"sku\":\"d\"") - doc));
}

static void compares_decoded_keys_for_duplicates(void **state)
{
	(void)state;
	rejected("{\"a\":1,\"\\u0061\":2}", "duplicate key \"a\"", "a");
	parse("{\"a\":1,\"A\":2,\"a \":3}");
}

static void rejects_duplicate_key_in_large_object(void **state)
{
	struct ordex_buf b;

	(void)state;
	ordex_buf_init(&b, 0);
	ordex_buf_putc(&b, '{');
	for (int i = 0; i < 40; i++)
		ordex_buf_printf(&b, "\"k%d\":%d,", i, i);
	ordex_buf_puts(&b, "\"k3\":0}");
	rejected(b.data, "duplicate key \"k3\"", "k3");
	ordex_buf_free(&b);
}

static void parses_object_with_many_keys_in_linear_time(void **state)
{
	struct ordex_buf b;
	struct ordex_json *r;

	(void)state;
	ordex_buf_init(&b, 0);
	ordex_buf_putc(&b, '{');
	for (int i = 0; i < 100000; i++)
		ordex_buf_printf(&b, "%s\"key_%d\":%d", i ? "," : "", i, i);
	ordex_buf_putc(&b, '}');
	r = parse_n(b.data, b.len);
	assert_int_equal(r->count, 100000);
	assert_string_equal(ordex_json_get(r, "key_99999")->str, "99999");
	ordex_buf_free(&b);
}

static void quotes_escaped_duplicate_key(void **state)
{
	(void)state;
	rejected("{\"a\\\"b\":1,\"a\\\"b\":2}", "duplicate key \"a\\\"b\"", "[\"a\\\"b\"]");
}

/* ---- error position and path ---- */

static void reports_line_and_column(void **state)
{
	const char *doc = "{\n  \"a\": 1,\n  \"b\": tru\n}";
	struct ordex_json_error e = rejected(doc, "invalid token \"tru\"", "b");

	(void)state;
	assert_int_equal(e.offset, (size_t)(strstr(doc, "tru") - doc));
	assert_int_equal(e.line, 3);
	assert_int_equal(e.col, 8);
}

static void reports_line_one_column_one_for_first_byte(void **state)
{
	struct ordex_json_error e = rejected("}", "expected value, found \"}\"", "");

	(void)state;
	assert_int_equal(e.offset, 0);
	assert_int_equal(e.line, 1);
	assert_int_equal(e.col, 1);
}

static void writes_non_identifier_keys_in_brackets(void **state)
{
	(void)state;
	rejected("{\"weird key\":{\"a\":[1,tru]}}", "invalid token \"tru\"",
	         "[\"weird key\"].a[1]");
	rejected("{\"\":{\"9a\":x}}", "invalid token \"x\"", "[\"\"][\"9a\"]");
	rejected("{\"_a1\":{\"\xC3\xA9\":x}}", "invalid token \"x\"", "_a1[\"\xC3\xA9\"]");
	rejected("[{\"a\\nb\":x}]", "invalid token \"x\"", "[0][\"a\\u000Ab\"]");
}

static void names_array_elements_by_index(void **state)
{
	(void)state;
	rejected("[[],[0,{}],[1,2,[3,\"\\q\"]]]", "invalid escape sequence \"\\q\"", "[2][2][1]");
}

static void truncates_long_path_safely(void **state)
{
	struct ordex_json_limits lim = {.max_depth = 1000};
	struct ordex_buf b;
	struct ordex_json *root;
	struct ordex_json_error err;

	(void)state;
	ordex_buf_init(&b, 0);
	for (int i = 0; i < 100; i++)
		ordex_buf_puts(&b, "[");
	ordex_buf_puts(&b, "x");
	assert_int_equal(ordex_json_parse(arena, b.data, b.len, &lim, &root, &err), ORDEX_E_INVAL);
	assert_true(strlen(err.path) < sizeof(err.path));
	assert_true(strlen(err.path) > 100);
	assert_string_equal(err.path + strlen(err.path) - 3, "...");
	assert_memory_equal(err.path, "[0][0][0]", 9);
	ordex_buf_free(&b);
}

static void truncates_long_keys_in_path_and_message_on_character_boundaries(void **state)
{
	struct ordex_buf b;
	struct ordex_json *root;
	struct ordex_json_error err;

	(void)state;
	ordex_buf_init(&b, 0);
	for (int level = 0; level < 4; level++) {
		ordex_buf_puts(&b, "{\"");
		for (int i = 0; i < 300; i++)
			ordex_buf_puts(&b, "\xE2\x82\xAC");
		ordex_buf_puts(&b, "\":");
	}
	ordex_buf_puts(&b, "{\"a\":1,\"a\":2}}}}}");
	assert_int_equal(ordex_json_parse(arena, b.data, b.len, NULL, &root, &err), ORDEX_E_INVAL);
	assert_string_equal(err.msg, "duplicate key \"a\"");
	assert_true(valid_utf8(err.path));
	assert_memory_equal(err.path, "[\"\xE2\x82\xAC", 5);
	assert_string_equal(err.path + strlen(err.path) - 3, "...");
	ordex_buf_free(&b);

	ordex_buf_init(&b, 0);
	ordex_buf_puts(&b, "{\"");
	for (int i = 0; i < 300; i++)
		ordex_buf_puts(&b, "\xC3\xA9");
	ordex_buf_puts(&b, "\":1,\"");
	for (int i = 0; i < 300; i++)
		ordex_buf_puts(&b, "\xC3\xA9");
	ordex_buf_puts(&b, "\":2}");
	assert_int_equal(ordex_json_parse(arena, b.data, b.len, NULL, &root, &err), ORDEX_E_INVAL);
	assert_true(valid_utf8(err.msg));
	assert_true(valid_utf8(err.path));
	assert_memory_equal(err.msg, "duplicate key \"\xC3\xA9", 17);
	assert_string_equal(err.msg + strlen(err.msg) - 4, "...\"");
	ordex_buf_free(&b);
}

/* ---- depth ---- */

static char *nested(const char *open, int levels, const char *close)
{
	struct ordex_buf b;
	char *s;

	ordex_buf_init(&b, 0);
	for (int i = 0; i < levels; i++)
		ordex_buf_puts(&b, open);
	ordex_buf_puts(&b, "1");
	for (int i = 0; i < levels; i++)
		ordex_buf_puts(&b, close);
	s = ordex_arena_strndup(arena, b.data, b.len);
	ordex_buf_free(&b);
	return s;
}

static void accepts_nesting_at_the_limit(void **state)
{
	struct ordex_json_limits lim = {.max_depth = 32};
	struct ordex_json *root;
	struct ordex_json_error err;
	const char *s = nested("[", 32, "]");

	(void)state;
	assert_int_equal(ordex_json_parse(arena, s, strlen(s), &lim, &root, &err), ORDEX_OK);
}

static void rejects_nesting_past_the_limit(void **state)
{
	struct ordex_json_limits lim = {.max_depth = 32};
	struct ordex_json *root;
	struct ordex_json_error err;
	const char *s = nested("{\"a\":", 33, "}");

	(void)state;
	assert_int_equal(ordex_json_parse(arena, s, strlen(s), &lim, &root, &err), ORDEX_E_DEPTH);
	assert_int_equal(err.code, ORDEX_E_DEPTH);
	assert_string_equal(err.msg, "nesting deeper than 32 levels");
	assert_int_equal(err.offset, 32 * 5);
	assert_memory_equal(err.path, "a.a.a.a", 7);
}

static void limits_depth_to_64_by_default(void **state)
{
	struct ordex_json_limits zero = {0};
	struct ordex_json *root;
	struct ordex_json_error err;
	const char *ok = nested("[", 64, "]"), *deep = nested("[", 65, "]");

	(void)state;
	assert_int_equal(ordex_json_parse(arena, ok, strlen(ok), NULL, &root, &err), ORDEX_OK);
	assert_int_equal(ordex_json_parse(arena, deep, strlen(deep), NULL, &root, &err),
	                 ORDEX_E_DEPTH);
	assert_string_equal(err.msg, "nesting deeper than 64 levels");
	assert_int_equal(ordex_json_parse(arena, deep, strlen(deep), &zero, &root, &err),
	                 ORDEX_E_DEPTH);
}

static void rejects_megabyte_of_open_brackets_quickly(void **state)
{
	size_t n = 1 << 20;
	char *s = malloc(n);
	struct ordex_json *root;
	struct ordex_json_error err;

	(void)state;
	memset(s, '[', n);
	assert_int_equal(ordex_json_parse(arena, s, n, NULL, &root, &err), ORDEX_E_DEPTH);
	assert_int_equal(err.offset, 64);
	free(s);
}

static void parses_and_writes_megabyte_deep_nesting_without_recursion(void **state)
{
	size_t half = 1 << 19;
	char *s = malloc(2 * half);
	struct ordex_json_limits lim = {.max_depth = INT_MAX, .max_nodes = SIZE_MAX};
	struct ordex_json *root;
	struct ordex_json_error err;
	struct ordex_buf b;

	(void)state;
	memset(s, '[', half);
	memset(s + half, ']', half);
	assert_int_equal(ordex_json_parse(arena, s, 2 * half, &lim, &root, &err), ORDEX_OK);
	ordex_buf_init(&b, 0);
	assert_int_equal(ordex_json_write(&b, root), ORDEX_OK);
	assert_int_equal(b.len, 2 * half);
	assert_memory_equal(b.data, s, 2 * half);
	ordex_buf_free(&b);
	free(s);
}

/* ---- large documents ---- */

static void parses_array_of_100k_elements(void **state)
{
	struct ordex_buf b;
	struct ordex_json *r, *c;
	size_t i = 0;

	(void)state;
	ordex_buf_init(&b, 0);
	ordex_buf_putc(&b, '[');
	for (int k = 0; k < 100000; k++)
		ordex_buf_printf(&b, "%s%d", k ? "," : "", k);
	ordex_buf_putc(&b, ']');
	r = parse_n(b.data, b.len);
	assert_int_equal(r->count, 100000);
	for (c = r->child; c; c = c->next)
		i++;
	assert_int_equal(i, 100000);
	assert_string_equal(ordex_json_at(r, 99999)->str, "99999");
	assert_string_equal(written(r), b.data);
	ordex_buf_free(&b);
}

/* ---- integers ---- */

static int64_t int_of(const char *lit, int want_rc)
{
	int64_t v = 12345;

	assert_int_equal(ordex_json_int(parse(lit), &v), want_rc);
	return v;
}

static void converts_int64_extremes_exactly(void **state)
{
	(void)state;
	assert_true(int_of("9223372036854775807", ORDEX_OK) == INT64_MAX);
	assert_true(int_of("-9223372036854775808", ORDEX_OK) == INT64_MIN);
	assert_true(int_of("0", ORDEX_OK) == 0);
	assert_true(int_of("-0", ORDEX_OK) == 0);
	assert_true(int_of("-1", ORDEX_OK) == -1);
	assert_true(int_of("1234567890123", ORDEX_OK) == 1234567890123LL);
}

static void rejects_int64_overflow(void **state)
{
	(void)state;
	assert_true(int_of("9223372036854775808", ORDEX_E_INVAL) == 12345);
	assert_true(int_of("-9223372036854775809", ORDEX_E_INVAL) == 12345);
	int_of("18446744073709551616", ORDEX_E_INVAL);
	int_of("99999999999999999999999", ORDEX_E_INVAL);
}

static void rejects_fraction_and_exponent_as_int(void **state)
{
	(void)state;
	int_of("1.0", ORDEX_E_INVAL);
	int_of("1e3", ORDEX_E_INVAL);
	int_of("-2E0", ORDEX_E_INVAL);
}

static void rejects_int_of_non_number(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(ordex_json_int(parse("\"12\""), &v), ORDEX_E_INVAL);
	assert_int_equal(ordex_json_int(parse("true"), &v), ORDEX_E_INVAL);
	assert_int_equal(ordex_json_int(NULL, &v), ORDEX_E_INVAL);
}

/* ---- writer ---- */

static void writes_compact_json_in_original_order(void **state)
{
	(void)state;
	assert_string_equal(written(parse("{ \"z\" : [ 1 , 2.50 , \"x\" ] , \"a\" : { } , "
	                                  "\"m\" : [ ] , \"d\" : null , \"e\" : true , "
	                                  "\"f\" : false , \"g\" : { \"h\" : [ [ ] ] } }")),
	                    "{\"z\":[1,2.50,\"x\"],\"a\":{},\"m\":[],\"d\":null,\"e\":true,"
	                    "\"f\":false,\"g\":{\"h\":[[]]}}");
}

static void writes_numbers_verbatim(void **state)
{
	(void)state;
	assert_string_equal(written(parse("[1E+2,-0.000,12345678901234567890123,1e-7]")),
	                    "[1E+2,-0.000,12345678901234567890123,1e-7]");
}

static void round_trips_parse_and_write(void **state)
{
	const char *doc =
	    "{\"id\":\"o-1\",\"total\":\"10.00\",\"lines\":[{\"sku\":\"A\\\"1\","
	    "\"qty\":2,\"price\":1.5e1}],\"tags\":[\"\xC3\xA9t\xC3\xA9\","
	    "\"\xF0\x9F\x98\x80\",\"a\\\\b\",\"\\n\"],\"x\":{},\"y\":[null,true,false]}";
	const char *once = written(parse(doc));

	(void)state;
	assert_string_equal(once, doc);
	assert_string_equal(written(parse(once)), doc);
}

static void writes_escapes_as_short_forms_or_u00xx(void **state)
{
	(void)state;
	assert_string_equal(string_written("\"\\/\b\f\n\r\t\x01\x1f\x7f", 11),
	                    "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
	assert_string_equal(string_written("a\0b", 3), "\"a\\u0000b\"");
}

static void keeps_non_ascii_utf8_unescaped(void **state)
{
	(void)state;
	assert_string_equal(string_written("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9),
	                    "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
}

static void replaces_invalid_utf8_when_writing(void **state)
{
	(void)state;
	assert_string_equal(string_written("a\xFF"
	                                   "b\xC3",
	                                   4),
	                    "\"a\xEF\xBF\xBD"
	                    "b\xEF\xBF\xBD\"");
	assert_string_equal(string_written("\xED\xA0\x80", 3),
	                    "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

static void writes_null_for_missing_node(void **state)
{
	(void)state;
	assert_string_equal(written(NULL), "null");
}

static void streaming_writer_places_commas_and_colons(void **state)
{
	struct ordex_buf b;
	struct ordex_jw w;

	(void)state;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "a");
	ordex_jw_int(&w, 1);
	ordex_jw_key(&w, "b");
	ordex_jw_arr(&w);
	ordex_jw_int(&w, 1);
	ordex_jw_str(&w, "two");
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "c");
	ordex_jw_null(&w);
	ordex_jw_obj_end(&w);
	ordex_jw_arr(&w);
	ordex_jw_arr_end(&w);
	ordex_jw_arr_end(&w);
	ordex_jw_key(&w, "d");
	ordex_jw_obj(&w);
	ordex_jw_obj_end(&w);
	ordex_jw_key(&w, "e");
	ordex_jw_bool(&w, false);
	ordex_jw_obj_end(&w);
	assert_int_equal(b.err, ORDEX_OK);
	assert_string_equal(b.data,
	                    "{\"a\":1,\"b\":[1,\"two\",{\"c\":null},[]],\"d\":{},\"e\":false}");
	ordex_buf_free(&b);
}

static void streaming_writer_writes_every_value_kind(void **state)
{
	struct ordex_buf b;
	struct ordex_jw w;

	(void)state;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_arr(&w);
	ordex_jw_int(&w, INT64_MIN);
	ordex_jw_int(&w, INT64_MAX);
	ordex_jw_int(&w, 0);
	ordex_jw_str(&w, NULL);
	ordex_jw_strn(&w, "a\"b", 3);
	ordex_jw_bool(&w, true);
	ordex_jw_raw(&w, "{\"r\":1.50}", 10);
	ordex_jw_node(&w, parse("{\"n\":[1,{}]}"));
	ordex_jw_node(&w, NULL);
	ordex_jw_arr_end(&w);
	assert_int_equal(b.err, ORDEX_OK);
	assert_string_equal(b.data, "[-9223372036854775808,9223372036854775807,0,null,\"a\\\"b\","
	                            "true,{\"r\":1.50},{\"n\":[1,{}]},null]");
	ordex_buf_free(&b);
}

static void streaming_writer_escapes_keys(void **state)
{
	struct ordex_buf b;
	struct ordex_jw w;

	(void)state;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "a\"\n");
	ordex_jw_int(&w, 1);
	ordex_jw_obj_end(&w);
	assert_string_equal(b.data, "{\"a\\\"\\n\":1}");
	ordex_buf_free(&b);
}

static void streaming_writer_fails_past_max_depth(void **state)
{
	struct ordex_buf b;
	struct ordex_jw w;

	(void)state;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	for (int i = 0; i < ORDEX_JW_MAX_DEPTH; i++)
		ordex_jw_arr(&w);
	assert_int_equal(b.err, ORDEX_OK);
	ordex_jw_arr(&w);
	assert_int_equal(b.err, ORDEX_E_DEPTH);
	ordex_buf_free(&b);
}

static void streaming_writer_error_sticks_in_buffer(void **state)
{
	struct ordex_buf b;
	struct ordex_jw w;

	(void)state;
	ordex_buf_init(&b, 16);
	ordex_jw_init(&w, &b);
	ordex_jw_arr(&w);
	ordex_jw_str(&w, "0123456789abcdef");
	assert_int_equal(b.err, ORDEX_E_TOOBIG);
	ordex_jw_int(&w, 1);
	ordex_jw_arr_end(&w);
	assert_int_equal(b.err, ORDEX_E_TOOBIG);
	assert_true(b.len <= 16);
	ordex_buf_free(&b);
}

static void streaming_writer_rejects_unbalanced_calls(void **state)
{
	struct ordex_buf b;
	struct ordex_jw w;

	(void)state;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_arr_end(&w);
	assert_int_equal(b.err, ORDEX_E_INVAL);
	ordex_buf_free(&b);

	ordex_jw_init(&w, &b);
	ordex_jw_key(&w, "top");
	assert_int_equal(b.err, ORDEX_E_INVAL);
	ordex_buf_free(&b);
}

/* ---- randomized round trip ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t rand_string(char *out, size_t max_chars)
{
	size_t n = 0, chars = rnd() % (max_chars + 1);

	for (size_t i = 0; i < chars; i++) {
		uint32_t cp;
		switch (rnd() % 6) {
		case 0: cp = 1 + rnd() % 0x1F; break;
		case 1: cp = "\"\\/ aZ"[rnd() % 6]; break;
		case 2: cp = 0x80 + rnd() % 0x780; break;
		case 3:
			cp = 0x800 + rnd() % 0xF800;
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xE000;
			break;
		case 4: cp = 0x10000 + rnd() % 0x100000; break;
		default: cp = 0x20 + rnd() % 0x5F; break;
		}
		if (cp < 0x80) {
			out[n++] = (char)cp;
		} else if (cp < 0x800) {
			out[n++] = (char)(0xC0 | cp >> 6);
			out[n++] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			out[n++] = (char)(0xE0 | cp >> 12);
			out[n++] = (char)(0x80 | (cp >> 6 & 0x3F));
			out[n++] = (char)(0x80 | (cp & 0x3F));
		} else {
			out[n++] = (char)(0xF0 | cp >> 18);
			out[n++] = (char)(0x80 | (cp >> 12 & 0x3F));
			out[n++] = (char)(0x80 | (cp >> 6 & 0x3F));
			out[n++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	out[n] = '\0';
	return n;
}

static struct ordex_json *rand_value(int depth)
{
	struct ordex_json *v = ordex_arena_zalloc(arena, sizeof(*v));
	char tmp[256];
	int kind = (int)(rnd() % (depth < 5 ? 8 : 6));

	switch (kind) {
	case 0: v->type = ORDEX_JSON_NULL; break;
	case 1: v->type = rnd() % 2 ? ORDEX_JSON_TRUE : ORDEX_JSON_FALSE; break;
	case 2:
		v->type = ORDEX_JSON_NUMBER;
		v->str = ordex_arena_printf(arena, "%" PRId64, (int64_t)rnd());
		v->len = strlen(v->str);
		break;
	case 3:
		v->type = ORDEX_JSON_NUMBER;
		v->str = ordex_arena_printf(arena, "%s%u.%03ue%s%u", rnd() % 2 ? "-" : "",
		                            (unsigned)(rnd() % 1000), (unsigned)(rnd() % 1000),
		                            rnd() % 2 ? "+" : "-", (unsigned)(rnd() % 300));
		v->len = strlen(v->str);
		break;
	case 4:
	case 5:
		v->type = ORDEX_JSON_STRING;
		v->len = rand_string(tmp, 40);
		v->str = ordex_arena_strndup(arena, tmp, v->len);
		break;
	default: {
		struct ordex_json **tail = &v->child;
		size_t n = rnd() % 8;
		v->type = kind == 6 ? ORDEX_JSON_ARRAY : ORDEX_JSON_OBJECT;
		for (size_t i = 0; i < n; i++) {
			struct ordex_json *c = rand_value(depth + 1);
			if (v->type == ORDEX_JSON_OBJECT) {
				/* a suffix keeps the keys of one object distinct */
				size_t kl = rand_string(tmp, 10);
				kl += (size_t)snprintf(tmp + kl, sizeof(tmp) - kl, "#%zu", i);
				c->key = ordex_arena_strndup(arena, tmp, kl);
				c->key_len = kl;
			}
			*tail = c;
			tail = &c->next;
			v->count++;
		}
		break;
	}
	}
	return v;
}

static void emit(struct ordex_jw *w, const struct ordex_json *v)
{
	switch (v->type) {
	case ORDEX_JSON_NULL: ordex_jw_null(w); break;
	case ORDEX_JSON_TRUE: ordex_jw_bool(w, true); break;
	case ORDEX_JSON_FALSE: ordex_jw_bool(w, false); break;
	case ORDEX_JSON_NUMBER: ordex_jw_raw(w, v->str, v->len); break;
	case ORDEX_JSON_STRING: ordex_jw_strn(w, v->str, v->len); break;
	case ORDEX_JSON_ARRAY:
		ordex_jw_arr(w);
		for (const struct ordex_json *c = v->child; c; c = c->next)
			emit(w, c);
		ordex_jw_arr_end(w);
		break;
	case ORDEX_JSON_OBJECT:
		ordex_jw_obj(w);
		for (const struct ordex_json *c = v->child; c; c = c->next) {
			ordex_jw_key(w, c->key);
			emit(w, c);
		}
		ordex_jw_obj_end(w);
		break;
	}
}

static void assert_same_tree(const struct ordex_json *a, const struct ordex_json *b)
{
	assert_non_null(b);
	assert_int_equal(a->type, b->type);
	if (a->type == ORDEX_JSON_STRING || a->type == ORDEX_JSON_NUMBER) {
		assert_int_equal(a->len, b->len);
		assert_memory_equal(a->str, b->str, a->len);
		assert_int_equal(b->str[b->len], '\0');
	}
	assert_int_equal(a->count, b->count);
	for (a = a->child, b = b->child; a; a = a->next, b = b->next) {
		assert_non_null(b);
		if (a->key) {
			assert_int_equal(a->key_len, b->key_len);
			assert_memory_equal(a->key, b->key, a->key_len);
		}
		assert_same_tree(a, b);
	}
	assert_null(b);
}

static void random_documents_round_trip_through_writer_and_parser(void **state)
{
	(void)state;
	rng_state = 0x5EEDF00DCAFEULL;
	for (int i = 0; i < 2000; i++) {
		struct ordex_json *model = rand_value(0), *back;
		struct ordex_buf b;
		struct ordex_jw w;

		ordex_buf_init(&b, 0);
		ordex_jw_init(&w, &b);
		emit(&w, model);
		assert_int_equal(b.err, ORDEX_OK);
		back = parse_n(b.data, b.len);
		assert_same_tree(model, back);
		assert_string_equal(written(back), b.data);
		ordex_buf_free(&b);
		if (i % 100 == 99)
			ordex_arena_reset(arena);
	}
}

/* Memory follows values: a bound on their number is a bound on the arena. */
static void value_count_past_the_limit_is_too_big(void **state)
{
	(void)state;
	struct ordex_json_limits lim = {.max_nodes = 5};
	struct ordex_json *doc;
	struct ordex_json_error err;
	assert_int_equal(ordex_json_parse(arena, "[1,2,3,4]", 9, &lim, &doc, &err), ORDEX_OK);
	assert_int_equal(ordex_json_parse(arena, "[1,2,3,4,5]", 11, &lim, &doc, &err),
	                 ORDEX_E_TOOBIG);
	assert_string_equal(err.msg, "more than 5 values");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(parses_null_true_and_false),
	    T(parses_number_keeping_literal_text),
	    T(accepts_every_number_form_of_the_grammar),
	    T(parses_string),
	    T(parses_empty_array_and_object),
	    T(parses_nested_document),
	    T(accepts_whitespace_around_tokens),
	    T(skips_leading_byte_order_mark),
	    T(decodes_every_short_escape),
	    T(decodes_unicode_escapes_to_utf8),
	    T(combines_surrogate_pair_into_one_code_point),
	    T(accepts_utf8_at_every_boundary),
	    T(keeps_long_ascii_strings_intact),
	    T(get_finds_members_and_returns_null_otherwise),
	    T(at_returns_elements_and_null_past_the_end),
	    T(string_accessor_returns_null_for_other_types),
	    T(type_names_cover_every_type),
	    T(rejects_empty_input),
	    T(rejects_trailing_comma_in_array),
	    T(rejects_trailing_comma_in_object),
	    T(rejects_comments),
	    T(rejects_nan_and_infinity),
	    T(rejects_leading_zeros),
	    T(rejects_leading_plus),
	    T(rejects_malformed_numbers),
	    T(rejects_misspelled_literals),
	    T(rejects_single_quoted_strings),
	    T(rejects_trailing_data_after_value),
	    T(rejects_truncated_document),
	    T(rejects_missing_comma_between_members),
	    T(rejects_missing_colon),
	    T(rejects_non_string_key),
	    T(rejects_non_ascii_outside_strings),
	    T(rejects_unterminated_string),
	    T(rejects_raw_control_characters_in_strings),
	    T(rejects_unknown_escapes),
	    T(rejects_unicode_escape_without_four_hex_digits),
	    T(rejects_escaped_nul),
	    T(rejects_unpaired_high_surrogate),
	    T(rejects_unpaired_low_surrogate),
	    T(rejects_overlong_utf8),
	    T(rejects_utf8_encoded_surrogates),
	    T(rejects_code_points_above_10ffff),
	    T(rejects_truncated_utf8_sequences),
	    T(rejects_invalid_utf8_past_a_long_ascii_run),
	    T(rejects_duplicate_key_with_its_path),
	    T(compares_decoded_keys_for_duplicates),
	    T(rejects_duplicate_key_in_large_object),
	    T(parses_object_with_many_keys_in_linear_time),
	    T(quotes_escaped_duplicate_key),
	    T(reports_line_and_column),
	    T(reports_line_one_column_one_for_first_byte),
	    T(writes_non_identifier_keys_in_brackets),
	    T(names_array_elements_by_index),
	    T(truncates_long_path_safely),
	    T(truncates_long_keys_in_path_and_message_on_character_boundaries),
	    T(accepts_nesting_at_the_limit),
	    T(rejects_nesting_past_the_limit),
	    T(limits_depth_to_64_by_default),
	    T(rejects_megabyte_of_open_brackets_quickly),
	    T(parses_and_writes_megabyte_deep_nesting_without_recursion),
	    T(parses_array_of_100k_elements),
	    T(converts_int64_extremes_exactly),
	    T(rejects_int64_overflow),
	    T(rejects_fraction_and_exponent_as_int),
	    T(rejects_int_of_non_number),
	    T(writes_compact_json_in_original_order),
	    T(writes_numbers_verbatim),
	    T(round_trips_parse_and_write),
	    T(writes_escapes_as_short_forms_or_u00xx),
	    T(keeps_non_ascii_utf8_unescaped),
	    T(replaces_invalid_utf8_when_writing),
	    T(writes_null_for_missing_node),
	    T(streaming_writer_places_commas_and_colons),
	    T(streaming_writer_writes_every_value_kind),
	    T(streaming_writer_escapes_keys),
	    T(streaming_writer_fails_past_max_depth),
	    T(streaming_writer_error_sticks_in_buffer),
	    T(streaming_writer_rejects_unbalanced_calls),
	    T(random_documents_round_trip_through_writer_and_parser),
	    T(value_count_past_the_limit_is_too_big),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
