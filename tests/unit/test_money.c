/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_money.c - ISO 4217 exponents, exact amount parsing and formatting.
 *
 * Each refusal is checked with the exact reason it gives, since those
 * reasons reach API clients. The bounds tests sit on both sides of
 * INT64_MIN and INT64_MAX for every exponent, and a seeded random run
 * checks that format and parse undo each other.
 */
#include "testutil.h"

#include "core/common.h"
#include "core/money.h"

static int64_t parse_ok(const char *s, const char *cur, int allow_negative)
{
	int64_t v = 0;
	char why[128] = "";
	if (ordex_money_parse(s, strlen(s), cur, allow_negative, &v, why, sizeof(why)) != ORDEX_OK)
		fail_msg("expected \"%s\" %s to parse, got \"%s\"", s, cur, why);
	return v;
}

static void assert_refused(const char *s, const char *cur, int allow_negative, const char *want)
{
	int64_t v = 12345;
	char why[128] = "";
	if (ordex_money_parse(s, strlen(s), cur, allow_negative, &v, why, sizeof(why)) !=
	    ORDEX_E_INVAL)
		fail_msg("expected \"%s\" %s to be refused", s, cur);
	if (strcmp(why, want) != 0)
		fail_msg("\"%s\" %s: why is \"%s\", want \"%s\"", s, cur, why, want);
	assert_int_equal(v, 12345);
}

static void assert_formats(int64_t v, const char *cur, const char *want)
{
	char out[ORDEX_MONEY_MAX_LEN];
	size_t n = ordex_money_format(v, cur, out);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_exponent_zero_for_jpy_krw_clp_isk_vnd(void **state)
{
	(void)state;
	assert_int_equal(ordex_currency_exponent("JPY"), 0);
	assert_int_equal(ordex_currency_exponent("KRW"), 0);
	assert_int_equal(ordex_currency_exponent("CLP"), 0);
	assert_int_equal(ordex_currency_exponent("ISK"), 0);
	assert_int_equal(ordex_currency_exponent("VND"), 0);
	assert_int_equal(ordex_currency_exponent("XOF"), 0);
}

static void test_exponent_two_for_usd_eur_gbp_and_others(void **state)
{
	static const char *two[] = {"USD", "EUR", "GBP", "BRL", "INR", "CAD", "AED",
	                            "ZWG", "XCG", "SLE", "VED", "MGA", "MRU"};
	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(two); i++)
		if (ordex_currency_exponent(two[i]) != 2)
			fail_msg("%s", two[i]);
}

static void test_exponent_three_for_dinars_and_rials(void **state)
{
	static const char *three[] = {"KWD", "BHD", "OMR", "JOD", "TND", "LYD", "IQD"};
	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(three); i++)
		if (ordex_currency_exponent(three[i]) != 3)
			fail_msg("%s", three[i]);
}

static void test_exponent_four_for_clf_uyw(void **state)
{
	(void)state;
	assert_int_equal(ordex_currency_exponent("CLF"), 4);
	assert_int_equal(ordex_currency_exponent("UYW"), 4);
}

static void test_exponent_unknown_codes(void **state)
{
	static const char *bad[] = {"usd", "Usd", "US",  "USDX", "",    "XYZ", "XXX",
	                            "XAU", "XTS", "HRK", "AAA",  "ZZZ", "U$D"};
	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(bad); i++)
		if (ordex_currency_exponent(bad[i]) != -1)
			fail_msg("%s", bad[i]);
	assert_int_equal(ordex_currency_exponent(NULL), -1);
}

/* A table out of order would hide codes from the binary search. */
static void test_every_table_code_is_found(void **state)
{
	char code[4] = "AAA";
	int found = 0, first = 0, last = 0;
	(void)state;
	for (code[0] = 'A'; code[0] <= 'Z'; code[0]++)
		for (code[1] = 'A'; code[1] <= 'Z'; code[1]++)
			for (code[2] = 'A'; code[2] <= 'Z'; code[2]++) {
				int e = ordex_currency_exponent(code);
				assert_true(e >= -1 && e <= 4);
				if (e >= 0) {
					found++;
					first += !strcmp(code, "AED");
					last += !strcmp(code, "ZWG");
				}
			}
	assert_int_equal(found, 165);
	assert_int_equal(first + last, 2);
}

static void test_parse_usd_in_cents(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("50.00", "USD", 0), 5000);
	assert_int_equal(parse_ok("0.50", "USD", 0), 50);
	assert_int_equal(parse_ok("1.5", "USD", 0), 150);
	assert_int_equal(parse_ok("12", "USD", 0), 1200);
	assert_int_equal(parse_ok("0", "USD", 0), 0);
}

static void test_parse_jpy_whole_yen(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("500", "JPY", 0), 500);
	assert_int_equal(parse_ok("1000", "KRW", 0), 1000);
}

static void test_parse_kwd_in_fils(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1.234", "KWD", 0), 1234);
	assert_int_equal(parse_ok("1.2", "KWD", 0), 1200);
}

static void test_parse_clf_four_places(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1.2345", "CLF", 0), 12345);
}

static void test_parse_accepts_leading_zeros(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("007.50", "USD", 0), 750);
	assert_int_equal(parse_ok("0000000000000000000000000001", "JPY", 0), 1);
}

static void test_parse_refuses_too_many_decimals(void **state)
{
	(void)state;
	assert_refused("1.234", "USD", 0, "has 3 decimal places; USD allows 2");
	assert_refused("1.2345", "KWD", 0, "has 4 decimal places; KWD allows 3");
	assert_refused("1.23456", "CLF", 0, "has 5 decimal places; CLF allows 4");
}

static void test_parse_refuses_trailing_zero_decimals(void **state)
{
	(void)state;
	assert_refused("1.000", "USD", 0, "has 3 decimal places; USD allows 2");
	assert_refused("500.0", "JPY", 0, "has 1 decimal place; JPY allows 0");
	assert_refused("500.00", "KRW", 1, "has 2 decimal places; KRW allows 0");
}

static void test_parse_refuses_unknown_currency(void **state)
{
	(void)state;
	assert_refused("1.00", "XYZ", 0, "unknown currency \"XYZ\"");
	assert_refused("1.00", "usd", 0, "unknown currency \"usd\"");
	assert_refused("1.00", "", 0, "unknown currency \"\"");
	assert_refused("1.00", NULL, 0, "unknown currency \"\"");
}

static void test_parse_unknown_currency_is_shown_safely(void **state)
{
	(void)state;
	assert_refused("1", "a\"b\\c\nd", 0, "unknown currency \"a?b?c?d\"");
	assert_refused("1", "ABCDEFGHIJKLMNOP", 0, "unknown currency \"ABCDEFGH...\"");
}

static void test_parse_refuses_point_without_digits_on_both_sides(void **state)
{
	(void)state;
	assert_refused(".50", "USD", 0, "is not a decimal amount");
	assert_refused("50.", "USD", 0, "is not a decimal amount");
	assert_refused(".", "USD", 0, "is not a decimal amount");
	assert_refused("-.5", "USD", 1, "is not a decimal amount");
}

static void test_parse_refuses_malformed(void **state)
{
	static const char *bad[] = {"",     "-",     "+1",    "1e3", "1E3",  " 1",
	                            "1 ",   "1,000", "1.2.3", "--1", "0x10", "1_000",
	                            "1.-2", "1-",    "one",   "١٢",  "1.00 "};
	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(bad); i++)
		assert_refused(bad[i], "USD", 1, "is not a decimal amount");
}

static void test_parse_refuses_embedded_nul(void **state)
{
	const char s[] = "1\0.00";
	int64_t v = 3;
	char why[64];
	(void)state;
	assert_int_equal(ordex_money_parse(s, sizeof(s) - 1, "USD", 0, &v, why, sizeof(why)),
	                 ORDEX_E_INVAL);
	assert_string_equal(why, "is not a decimal amount");
	assert_int_equal(ordex_money_parse(NULL, 0, "USD", 0, &v, why, sizeof(why)), ORDEX_E_INVAL);
	assert_int_equal(v, 3);
}

static void test_parse_reads_only_n_bytes(void **state)
{
	int64_t v = 0;
	(void)state;
	assert_int_equal(ordex_money_parse("12.34xyz", 5, "USD", 0, &v, NULL, 0), ORDEX_OK);
	assert_int_equal(v, 1234);
}

static void test_parse_negative_only_when_allowed(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("-12.34", "USD", 1), -1234);
	assert_int_equal(parse_ok("-500", "JPY", 1), -500);
	assert_refused("-12.34", "USD", 0, "must not be negative");
	assert_refused("-0", "USD", 0, "must not be negative");
}

static void test_parse_negative_zero_is_zero(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("-0.00", "USD", 1), 0);
}

static void test_parse_int64_max_is_the_ceiling(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("92233720368547758.07", "USD", 0), INT64_MAX);
	assert_refused("92233720368547758.08", "USD", 0, "is too large");
	assert_int_equal(parse_ok("9223372036854775807", "JPY", 0), INT64_MAX);
	assert_refused("9223372036854775808", "JPY", 0, "is too large");
	assert_int_equal(parse_ok("9223372036854775.807", "KWD", 0), INT64_MAX);
	assert_refused("9223372036854775.808", "KWD", 0, "is too large");
	assert_int_equal(parse_ok("922337203685477.5807", "CLF", 0), INT64_MAX);
	assert_refused("922337203685477.5808", "CLF", 0, "is too large");
}

static void test_parse_int64_min_is_the_floor(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("-92233720368547758.08", "USD", 1), INT64_MIN);
	assert_refused("-92233720368547758.09", "USD", 1, "is too large");
	assert_int_equal(parse_ok("-9223372036854775808", "JPY", 1), INT64_MIN);
	assert_refused("-9223372036854775809", "JPY", 1, "is too large");
}

static void test_parse_overflow_when_scaling_by_exponent(void **state)
{
	(void)state;
	/* Fits as a count of dollars, not of cents. */
	assert_refused("922337203685477581", "USD", 0, "is too large");
	assert_refused("92233720368547758.1", "USD", 0, "is too large");
	assert_refused("99999999999999999999999999999999", "JPY", 1, "is too large");
}

static void test_parse_why_may_be_null_or_short(void **state)
{
	int64_t v;
	char why[8];
	(void)state;
	assert_int_equal(ordex_money_parse("x", 1, "USD", 0, &v, NULL, 0), ORDEX_E_INVAL);
	assert_int_equal(ordex_money_parse("x", 1, "USD", 0, &v, why, sizeof(why)), ORDEX_E_INVAL);
	assert_string_equal(why, "is not ");
}

static void test_format_usd_two_decimals(void **state)
{
	(void)state;
	assert_formats(5000, "USD", "50.00");
	assert_formats(-1234, "USD", "-12.34");
	assert_formats(5, "USD", "0.05");
	assert_formats(-5, "USD", "-0.05");
	assert_formats(0, "USD", "0.00");
}

static void test_format_jpy_no_point(void **state)
{
	(void)state;
	assert_formats(500, "JPY", "500");
	assert_formats(0, "JPY", "0");
	assert_formats(-7, "KRW", "-7");
}

static void test_format_kwd_three_decimals(void **state)
{
	(void)state;
	assert_formats(1234, "KWD", "1.234");
	assert_formats(1, "KWD", "0.001");
	assert_formats(12345, "CLF", "1.2345");
}

static void test_format_int64_bounds(void **state)
{
	(void)state;
	assert_formats(INT64_MAX, "USD", "92233720368547758.07");
	assert_formats(INT64_MIN, "USD", "-92233720368547758.08");
	assert_formats(INT64_MIN, "JPY", "-9223372036854775808");
	assert_formats(INT64_MIN, "CLF", "-922337203685477.5808");
}

static void test_format_unknown_currency_writes_nothing(void **state)
{
	char out[ORDEX_MONEY_MAX_LEN] = "junk";
	(void)state;
	assert_int_equal(ordex_money_format(100, "XYZ", out), 0);
	assert_string_equal(out, "");
}

static void test_format_parse_round_trip(void **state)
{
	static const char *in[][2] = {
	    {"50.00", "USD"}, {"-12.34", "USD"}, {"500", "JPY"},    {"1.234", "KWD"},
	    {"0.05", "EUR"},  {"-0.001", "BHD"}, {"1.0000", "UYW"}, {"9223372036854775807", "KRW"},
	};
	char out[ORDEX_MONEY_MAX_LEN];
	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(in); i++) {
		int64_t v = parse_ok(in[i][0], in[i][1], 1);
		ordex_money_format(v, in[i][1], out);
		assert_string_equal(out, in[i][0]);
	}
}

/* xorshift64*: the same sequence on every platform, unlike rand(). */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static void test_randomized_format_parse_round_trip(void **state)
{
	static const char *curs[] = {"JPY", "USD", "KWD", "CLF"};
	uint64_t seed = UINT64_C(0x6d6f6e6579); /* fixed: failures repeat */
	char out[ORDEX_MONEY_MAX_LEN];
	(void)state;
	for (int i = 0; i < 200000; i++) {
		uint64_t r = next_random(&seed);
		int64_t v;
		/* Mix full-range values with small ones and the bounds. */
		switch (i % 4) {
		case 0: v = (int64_t)r; break;
		case 1: v = (int64_t)(r % 2000001) - 1000000; break;
		case 2: v = (int64_t)(r >> (1 + r % 63)) * (r & 1 ? -1 : 1); break;
		default:
			v = (i / 4) & 1 ? INT64_MIN + (int64_t)(r % 1000)
			                : INT64_MAX - (int64_t)(r % 1000);
		}
		const char *cur = curs[i % 4 == 3 ? (uint64_t)(i / 8) % 4 : r % 4];
		size_t n = ordex_money_format(v, cur, out);
		assert_true(n < ORDEX_MONEY_MAX_LEN);
		int64_t back = 0;
		char why[64] = "";
		if (ordex_money_parse(out, n, cur, 1, &back, why, sizeof(why)) != ORDEX_OK)
			fail_msg("could not parse back \"%s\" %s: %s", out, cur, why);
		if (back != v)
			fail_msg("\"%s\" %s read back as %lld, want %lld", out, cur,
			         (long long)back, (long long)v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exponent_zero_for_jpy_krw_clp_isk_vnd),
	    cmocka_unit_test(test_exponent_two_for_usd_eur_gbp_and_others),
	    cmocka_unit_test(test_exponent_three_for_dinars_and_rials),
	    cmocka_unit_test(test_exponent_four_for_clf_uyw),
	    cmocka_unit_test(test_exponent_unknown_codes),
	    cmocka_unit_test(test_every_table_code_is_found),
	    cmocka_unit_test(test_parse_usd_in_cents),
	    cmocka_unit_test(test_parse_jpy_whole_yen),
	    cmocka_unit_test(test_parse_kwd_in_fils),
	    cmocka_unit_test(test_parse_clf_four_places),
	    cmocka_unit_test(test_parse_accepts_leading_zeros),
	    cmocka_unit_test(test_parse_refuses_too_many_decimals),
	    cmocka_unit_test(test_parse_refuses_trailing_zero_decimals),
	    cmocka_unit_test(test_parse_refuses_unknown_currency),
	    cmocka_unit_test(test_parse_unknown_currency_is_shown_safely),
	    cmocka_unit_test(test_parse_refuses_point_without_digits_on_both_sides),
	    cmocka_unit_test(test_parse_refuses_malformed),
	    cmocka_unit_test(test_parse_refuses_embedded_nul),
	    cmocka_unit_test(test_parse_reads_only_n_bytes),
	    cmocka_unit_test(test_parse_negative_only_when_allowed),
	    cmocka_unit_test(test_parse_negative_zero_is_zero),
	    cmocka_unit_test(test_parse_int64_max_is_the_ceiling),
	    cmocka_unit_test(test_parse_int64_min_is_the_floor),
	    cmocka_unit_test(test_parse_overflow_when_scaling_by_exponent),
	    cmocka_unit_test(test_parse_why_may_be_null_or_short),
	    cmocka_unit_test(test_format_usd_two_decimals),
	    cmocka_unit_test(test_format_jpy_no_point),
	    cmocka_unit_test(test_format_kwd_three_decimals),
	    cmocka_unit_test(test_format_int64_bounds),
	    cmocka_unit_test(test_format_unknown_currency_writes_nothing),
	    cmocka_unit_test(test_format_parse_round_trip),
	    cmocka_unit_test(test_randomized_format_parse_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
