/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_timeutil.c - RFC 3339 parsing, calendar arithmetic and formatting.
 *
 * Expected instants are written as other RFC 3339 strings or as numbers
 * worked out by hand, never by calling the C library's calendar, so the
 * tests do not share a mistake with the code. The day-number conversion is
 * also checked against a plain day-by-day count over all of 0001-9999, and
 * a seeded random walk checks that format and parse undo each other.
 */
#include "testutil.h"

#include <time.h>

#include "core/common.h"
#include "core/timeutil.h"

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY (86400 * US_PER_SEC)

static int64_t parse_ok(const char *s, int *off)
{
	int64_t us = 0;
	int o = 0;
	int rc = ordex_time_parse(s, strlen(s), &us, &o);
	if (rc != ORDEX_OK)
		fail_msg("expected \"%s\" to parse", s);
	if (off)
		*off = o;
	return us;
}

static void assert_rejected(const char *s)
{
	int64_t us = 0;
	int off = 0;
	if (ordex_time_parse(s, strlen(s), &us, &off) != ORDEX_E_INVAL)
		fail_msg("expected \"%s\" to be rejected", s);
}

static void assert_formats(int64_t us, int off, const char *want)
{
	char out[ORDEX_TIME_MAX_LEN];
	size_t n = ordex_time_format(us, off, out);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_days_from_civil_known_days(void **state)
{
	(void)state;
	assert_int_equal(ordex_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(ordex_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(ordex_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(ordex_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(ordex_days_from_civil(9999, 12, 31), 2932896);
	assert_int_equal(ordex_days_from_civil(0, 3, 1), -719468);
	assert_int_equal(ordex_days_from_civil(-1, 12, 31), -719529);
}

static int naive_leap(int y)
{
	if (y % 400 == 0)
		return 1;
	if (y % 100 == 0)
		return 0;
	return y % 4 == 0;
}

static void test_days_from_civil_matches_day_by_day_count(void **state)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t day = -719162; /* 0001-01-01 */
	(void)state;
	for (int y = 1; y <= 9999; y++)
		for (int m = 1; m <= 12; m++) {
			int n = len[m - 1] + (m == 2 && naive_leap(y));
			for (int d = 1; d <= n; d++, day++)
				if (ordex_days_from_civil(y, m, d) != day)
					fail_msg("%04d-%02d-%02d", y, m, d);
		}
	assert_int_equal(day, 2932897);
}

static void test_leap_years_accept_feb_29(void **state)
{
	static const char *ok[] = {"2000-02-29", "2024-02-29", "1600-02-29", "0004-02-29",
	                           "9996-02-29"};
	int y, m, d;
	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(ok); i++)
		assert_int_equal(ordex_date_parse(ok[i], 10, &y, &m, &d), ORDEX_OK);
	assert_int_equal(ordex_date_parse("2024-02-29", 10, &y, &m, &d), ORDEX_OK);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
	parse_ok("2000-02-29T12:00:00Z", NULL);
}

static void test_common_years_reject_feb_29(void **state)
{
	static const char *bad[] = {"1900-02-29", "2100-02-29", "2023-02-29", "0001-02-29"};
	int y = 0, m = 0, d = 0;
	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(bad); i++)
		assert_int_equal(ordex_date_parse(bad[i], 10, &y, &m, &d), ORDEX_E_INVAL);
	assert_rejected("1900-02-29T12:00:00Z");
	assert_rejected("2023-02-29T00:00:00+01:00");
}

static void test_date_parse_rejects_bad_dates(void **state)
{
	static const char *bad[] = {"2018-00-10", "2018-13-10", "2018-04-00", "2018-04-31",
	                            "2018-01-32", "0000-01-01", "2018/04/18", "2018-4-18x",
	                            "2018-04-1a", "+018-04-18", "2018-04-18"};
	size_t lens[] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 9};
	int y = 7, m = 7, d = 7;
	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(bad); i++)
		if (ordex_date_parse(bad[i], lens[i], &y, &m, &d) != ORDEX_E_INVAL)
			fail_msg("expected \"%.*s\" to be rejected", (int)lens[i], bad[i]);
	assert_int_equal(ordex_date_parse("2018-04-18Z", 11, &y, &m, &d), ORDEX_E_INVAL);
	assert_int_equal(y + m + d, 21);
}

static void test_end_of_day_negative_offset_ends_next_utc_day(void **state)
{
	(void)state;
	assert_int_equal(ordex_date_end_of_day(2018, 4, 18, -180),
	                 parse_ok("2018-04-19T02:59:59.999999Z", NULL));
	assert_formats(ordex_date_end_of_day(2018, 4, 18, -180), -180,
	               "2018-04-18T23:59:59.999999-03:00");
}

static void test_end_of_day_utc(void **state)
{
	(void)state;
	assert_int_equal(ordex_date_end_of_day(2018, 4, 18, 0),
	                 parse_ok("2018-04-18T23:59:59.999999Z", NULL));
	assert_int_equal(ordex_date_end_of_day(1970, 1, 1, 0), US_PER_DAY - 1);
}

static void test_end_of_day_positive_offset_ends_same_utc_day(void **state)
{
	(void)state;
	assert_int_equal(ordex_date_end_of_day(2018, 4, 18, 330),
	                 parse_ok("2018-04-18T18:29:59.999999Z", NULL));
	assert_int_equal(ordex_date_end_of_day(2018, 4, 18, 14 * 60),
	                 parse_ok("2018-04-18T09:59:59.999999Z", NULL));
	assert_int_equal(ordex_date_end_of_day(2018, 4, 18, 23 * 60 + 59),
	                 parse_ok("2018-04-18T00:00:59.999999Z", NULL));
}

static void test_end_of_day_crosses_year_and_month(void **state)
{
	(void)state;
	assert_int_equal(ordex_date_end_of_day(2018, 12, 31, -480),
	                 parse_ok("2019-01-01T07:59:59.999999Z", NULL));
	assert_int_equal(ordex_date_end_of_day(2024, 2, 29, -600),
	                 parse_ok("2024-03-01T09:59:59.999999Z", NULL));
	assert_int_equal(ordex_date_end_of_day(2024, 2, 28, -600),
	                 parse_ok("2024-02-29T09:59:59.999999Z", NULL));
}

static void test_parse_utc_instant(void **state)
{
	int off = 99;
	(void)state;
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z", &off), 0);
	assert_int_equal(off, 0);
	assert_int_equal(parse_ok("2001-09-09T01:46:40Z", NULL), INT64_C(1000000000) * US_PER_SEC);
	assert_int_equal(parse_ok("1969-12-31T23:59:59Z", NULL), -US_PER_SEC);
}

static void test_parse_keeps_offset(void **state)
{
	int off = 0;
	(void)state;
	assert_int_equal(parse_ok("2025-03-01T10:00:00-05:00", &off),
	                 parse_ok("2025-03-01T15:00:00Z", NULL));
	assert_int_equal(off, -300);
	assert_int_equal(parse_ok("2025-03-01T10:00:00+05:45", &off),
	                 parse_ok("2025-03-01T04:15:00Z", NULL));
	assert_int_equal(off, 345);
}

static void test_parse_accepts_lowercase_t_and_z(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2018-04-18t10:00:00z", NULL),
	                 parse_ok("2018-04-18T10:00:00Z", NULL));
}

static void test_parse_accepts_space_for_t(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2018-04-18 10:00:00+02:00", NULL),
	                 parse_ok("2018-04-18T08:00:00Z", NULL));
}

static void test_parse_negative_zero_offset_is_utc(void **state)
{
	int off = 5;
	(void)state;
	assert_int_equal(parse_ok("2018-04-18T10:00:00-00:00", &off),
	                 parse_ok("2018-04-18T10:00:00Z", NULL));
	assert_int_equal(off, 0);
}

static void test_parse_fraction_truncated_to_microseconds(void **state)
{
	int64_t base;
	(void)state;
	base = parse_ok("2018-04-18T10:00:00Z", NULL);
	assert_int_equal(parse_ok("2018-04-18T10:00:00.5Z", NULL), base + 500000);
	assert_int_equal(parse_ok("2018-04-18T10:00:00.000001Z", NULL), base + 1);
	assert_int_equal(parse_ok("2018-04-18T10:00:00.123456789Z", NULL), base + 123456);
	assert_int_equal(parse_ok("2018-04-18T10:00:00.999999999Z", NULL), base + 999999);
	assert_int_equal(parse_ok("2018-04-18T10:00:00.0000009Z", NULL), base);
}

static void test_parse_fraction_before_epoch_counts_forward(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1969-12-31T23:59:59.25Z", NULL), -750000);
}

static void test_parse_leap_second_is_last_microsecond_of_minute(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2016-12-31T23:59:60Z", NULL),
	                 parse_ok("2016-12-31T23:59:59.999999Z", NULL));
	assert_int_equal(parse_ok("2016-12-31T23:59:60.5Z", NULL),
	                 parse_ok("2016-12-31T23:59:59.999999Z", NULL));
	/* RFC 3339's own example, a leap second seen from -08:00. */
	assert_int_equal(parse_ok("1990-12-31T15:59:60-08:00", NULL),
	                 parse_ok("1990-12-31T23:59:59.999999Z", NULL));
}

static void test_parse_rejects_leap_second_off_utc_day_end(void **state)
{
	(void)state;
	assert_rejected("2016-12-31T12:00:60Z");
	assert_rejected("2016-12-31T23:58:60Z");
	assert_rejected("2016-12-31T23:59:60+01:00");
}

static void test_parse_rejects_second_61(void **state)
{
	(void)state;
	assert_rejected("2016-12-31T23:59:61Z");
	assert_rejected("2016-12-31T23:59:99Z");
}

static void test_parse_rejects_missing_offset(void **state)
{
	(void)state;
	assert_rejected("2018-04-18T10:00:00");
	assert_rejected("2018-04-18T10:00:00.123");
	assert_rejected("2018-04-18");
}

static void test_parse_rejects_hour_24(void **state)
{
	(void)state;
	assert_rejected("2018-04-18T24:00:00Z");
}

static void test_parse_rejects_minute_60(void **state)
{
	(void)state;
	assert_rejected("2018-04-18T10:60:00Z");
}

static void test_parse_rejects_month_out_of_range(void **state)
{
	(void)state;
	assert_rejected("2018-00-18T10:00:00Z");
	assert_rejected("2018-13-18T10:00:00Z");
}

static void test_parse_rejects_day_past_month_end(void **state)
{
	(void)state;
	assert_rejected("2018-04-31T10:00:00Z");
	assert_rejected("2018-01-32T10:00:00Z");
	assert_rejected("2018-01-00T10:00:00Z");
}

static void test_parse_rejects_year_zero(void **state)
{
	(void)state;
	assert_rejected("0000-01-01T00:00:00Z");
}

static void test_parse_rejects_offset_over_23_59(void **state)
{
	(void)state;
	assert_rejected("2018-04-18T10:00:00+24:00");
	assert_rejected("2018-04-18T10:00:00-24:00");
	assert_rejected("2018-04-18T10:00:00+05:60");
}

static void test_parse_rejects_malformed_offset(void **state)
{
	(void)state;
	assert_rejected("2018-04-18T10:00:00+0500");
	assert_rejected("2018-04-18T10:00:00+05");
	assert_rejected("2018-04-18T10:00:00 +05:00");
	assert_rejected("2018-04-18T10:00:00UTC");
	assert_rejected("2018-04-18T10:00:00+5:00");
}

static void test_parse_rejects_fraction_over_9_digits(void **state)
{
	(void)state;
	assert_rejected("2018-04-18T10:00:00.1234567890Z");
}

static void test_parse_rejects_empty_fraction(void **state)
{
	(void)state;
	assert_rejected("2018-04-18T10:00:00.Z");
	assert_rejected("2018-04-18T10:00:00,5Z");
}

static void test_parse_rejects_other_separators(void **state)
{
	(void)state;
	assert_rejected("2018-04-18X10:00:00Z");
	assert_rejected("2018-04-18_10:00:00Z");
	assert_rejected("2018/04/18T10:00:00Z");
	assert_rejected("2018-04-18T10.00.00Z");
}

static void test_parse_rejects_short_fields(void **state)
{
	(void)state;
	assert_rejected("2018-4-18T10:00:00Z");
	assert_rejected("2018-04-18T1:00:00Z");
	assert_rejected("18-04-18T10:00:00Z");
	assert_rejected("+2018-04-18T10:00:00Z");
	assert_rejected("2018-04-18T10:00Z");
}

static void test_parse_rejects_non_digits(void **state)
{
	(void)state;
	assert_rejected("2018-0a-18T10:00:00Z");
	assert_rejected("2018-04-18T1 :00:00Z");
	assert_rejected("2018-04-18T10:00:-1Z");
}

static void test_parse_rejects_surrounding_bytes(void **state)
{
	(void)state;
	assert_rejected(" 2018-04-18T10:00:00Z");
	assert_rejected("2018-04-18T10:00:00Z ");
	assert_rejected("2018-04-18T10:00:00ZZ");
	assert_rejected("2018-04-18T10:00:00+05:00:00");
}

static void test_parse_rejects_empty_and_truncated(void **state)
{
	const char *s = "2018-04-18T10:00:00+05:00";
	int64_t us;
	(void)state;
	assert_int_equal(ordex_time_parse("", 0, &us, NULL), ORDEX_E_INVAL);
	assert_int_equal(ordex_time_parse(NULL, 0, &us, NULL), ORDEX_E_INVAL);
	for (size_t n = 0; n < strlen(s); n++)
		assert_int_equal(ordex_time_parse(s, n, &us, NULL), ORDEX_E_INVAL);
}

static void test_parse_reads_only_n_bytes(void **state)
{
	const char s[] = "2018-04-18T10:00:00Zgarbage";
	int64_t us = 0;
	(void)state;
	assert_int_equal(ordex_time_parse(s, 20, &us, NULL), ORDEX_OK);
	assert_int_equal(us, parse_ok("2018-04-18T10:00:00Z", NULL));
}

static void test_parse_rejects_embedded_nul(void **state)
{
	const char s[] = "2018-04-18T10:00:00\0Z";
	int64_t us;
	(void)state;
	assert_int_equal(ordex_time_parse(s, sizeof(s) - 1, &us, NULL), ORDEX_E_INVAL);
}

static void test_parse_failure_leaves_outputs_untouched(void **state)
{
	int64_t us = 42;
	int off = 7;
	(void)state;
	assert_int_equal(ordex_time_parse("2018-04-31T10:00:00+01:00", 25, &us, &off),
	                 ORDEX_E_INVAL);
	assert_int_equal(us, 42);
	assert_int_equal(off, 7);
}

static void test_offset_parse_reads_minutes(void **state)
{
	int off = 1;
	(void)state;
	assert_int_equal(ordex_offset_parse("Z", 1, &off), ORDEX_OK);
	assert_int_equal(off, 0);
	assert_int_equal(ordex_offset_parse("z", 1, &off), ORDEX_OK);
	assert_int_equal(off, 0);
	assert_int_equal(ordex_offset_parse("+05:30", 6, &off), ORDEX_OK);
	assert_int_equal(off, 330);
	assert_int_equal(ordex_offset_parse("-23:59", 6, &off), ORDEX_OK);
	assert_int_equal(off, -1439);
}

static void test_offset_parse_rejects_bad_offsets(void **state)
{
	static const char *bad[] = {"",      "ZZ",      "+24:00", "+00:60", "05:00",
	                            "+0500", "+05:00 ", "UTC",    "+5:00",  "-05:0"};
	int off = 77;
	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(bad); i++)
		if (ordex_offset_parse(bad[i], strlen(bad[i]), &off) != ORDEX_E_INVAL)
			fail_msg("expected \"%s\" to be rejected", bad[i]);
	assert_int_equal(off, 77);
}

static void test_format_utc_has_z_and_no_fraction(void **state)
{
	(void)state;
	assert_formats(0, 0, "1970-01-01T00:00:00Z");
	assert_formats(INT64_C(1000000000) * US_PER_SEC, 0, "2001-09-09T01:46:40Z");
}

static void test_format_writes_fraction_as_six_digits_when_nonzero(void **state)
{
	(void)state;
	assert_formats(1, 0, "1970-01-01T00:00:00.000001Z");
	assert_formats(500000, 0, "1970-01-01T00:00:00.500000Z");
	assert_formats(US_PER_SEC, 0, "1970-01-01T00:00:01Z");
}

static void test_format_shows_local_time_with_offset(void **state)
{
	(void)state;
	assert_formats(0, -300, "1969-12-31T19:00:00-05:00");
	assert_formats(0, 345, "1970-01-01T05:45:00+05:45");
	assert_formats(0, -1439, "1969-12-31T00:01:00-23:59");
}

static void test_format_before_epoch(void **state)
{
	(void)state;
	assert_formats(-1, 0, "1969-12-31T23:59:59.999999Z");
	assert_formats(parse_ok("0001-01-01T00:00:00Z", NULL), 0, "0001-01-01T00:00:00Z");
}

static void test_format_out_of_range_offset_shows_utc(void **state)
{
	(void)state;
	assert_formats(0, 1440, "1970-01-01T00:00:00Z");
	assert_formats(0, -100000, "1970-01-01T00:00:00Z");
}

static void test_format_extreme_instants_fit_the_buffer(void **state)
{
	static const int64_t us[] = {INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1};
	static const int offs[] = {-1439, -1, 0, 1, 1439};
	char out[ORDEX_TIME_MAX_LEN];
	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(us); i++)
		for (size_t j = 0; j < ORDEX_ARRAY_LEN(offs); j++) {
			size_t n = ordex_time_format(us[i], offs[j], out);
			assert_true(n < ORDEX_TIME_MAX_LEN);
			assert_int_equal(n, strlen(out));
		}
	assert_formats(INT64_MAX, 0, "294247-01-10T04:00:54.775807Z");
	assert_formats(INT64_MIN, 0, "-290308-12-21T19:59:05.224192Z");
}

static void test_round_trip_keeps_offset_and_text(void **state)
{
	static const char *in[] = {
	    "2018-04-18T23:59:59.999999-03:00", "2025-03-01T10:00:00-05:00",
	    "2024-02-29T00:00:00+14:00",        "0001-01-01T00:00:00Z",
	    "9999-12-31T23:59:59.999999Z",      "2018-04-18T10:00:00.000001+05:45",
	    "1969-12-31T23:59:59.5Z",           "2000-01-01T00:00:00-23:59",
	};
	static const char *want[] = {
	    "2018-04-18T23:59:59.999999-03:00", "2025-03-01T10:00:00-05:00",
	    "2024-02-29T00:00:00+14:00",        "0001-01-01T00:00:00Z",
	    "9999-12-31T23:59:59.999999Z",      "2018-04-18T10:00:00.000001+05:45",
	    "1969-12-31T23:59:59.500000Z",      "2000-01-01T00:00:00-23:59",
	};
	(void)state;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(in); i++) {
		int off;
		int64_t us = parse_ok(in[i], &off);
		assert_formats(us, off, want[i]);
	}
}

static void test_round_trip_normalises_accepted_variants(void **state)
{
	int off;
	int64_t us;
	(void)state;
	us = parse_ok("2018-04-18 10:00:00.123456789-00:00", &off);
	assert_formats(us, off, "2018-04-18T10:00:00.123456Z");
	us = parse_ok("2016-12-31t23:59:60z", &off);
	assert_formats(us, off, "2016-12-31T23:59:59.999999Z");
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
	const int64_t lo = parse_ok("0001-01-02T00:00:00Z", NULL);
	const int64_t hi = parse_ok("9999-12-30T00:00:00Z", NULL);
	uint64_t seed = UINT64_C(0x6f72646578); /* fixed: failures repeat */
	char out[ORDEX_TIME_MAX_LEN];
	(void)state;
	for (int i = 0; i < 200000; i++) {
		uint64_t r = next_random(&seed);
		int64_t us = lo + (int64_t)(r % (uint64_t)(hi - lo));
		if (i % 3 == 0)
			us -= us % US_PER_SEC; /* whole seconds take the other branch */
		int off = (int)(next_random(&seed) % (2 * 1439 + 1)) - 1439;
		if (i % 5 == 0)
			off = 0;
		size_t n = ordex_time_format(us, off, out);
		int64_t back = 0;
		int back_off = 99999;
		if (ordex_time_parse(out, n, &back, &back_off) != ORDEX_OK)
			fail_msg("could not parse back \"%s\"", out);
		if (back != us || back_off != off)
			fail_msg("\"%s\" read back as %lld %d, want %lld %d", out, (long long)back,
			         back_off, (long long)us, off);
	}
}

static void test_time_now_is_wall_clock(void **state)
{
	int64_t now = ordex_time_now();
	int64_t sys = (int64_t)time(NULL) * US_PER_SEC;
	(void)state;
	assert_true(now > parse_ok("2020-01-01T00:00:00Z", NULL));
	assert_true(now - sys < 5 * US_PER_SEC && sys - now < 5 * US_PER_SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_days_from_civil_known_days),
	    cmocka_unit_test(test_days_from_civil_matches_day_by_day_count),
	    cmocka_unit_test(test_leap_years_accept_feb_29),
	    cmocka_unit_test(test_common_years_reject_feb_29),
	    cmocka_unit_test(test_date_parse_rejects_bad_dates),
	    cmocka_unit_test(test_end_of_day_negative_offset_ends_next_utc_day),
	    cmocka_unit_test(test_end_of_day_utc),
	    cmocka_unit_test(test_end_of_day_positive_offset_ends_same_utc_day),
	    cmocka_unit_test(test_end_of_day_crosses_year_and_month),
	    cmocka_unit_test(test_parse_utc_instant),
	    cmocka_unit_test(test_parse_keeps_offset),
	    cmocka_unit_test(test_parse_accepts_lowercase_t_and_z),
	    cmocka_unit_test(test_parse_accepts_space_for_t),
	    cmocka_unit_test(test_parse_negative_zero_offset_is_utc),
	    cmocka_unit_test(test_parse_fraction_truncated_to_microseconds),
	    cmocka_unit_test(test_parse_fraction_before_epoch_counts_forward),
	    cmocka_unit_test(test_parse_leap_second_is_last_microsecond_of_minute),
	    cmocka_unit_test(test_parse_rejects_leap_second_off_utc_day_end),
	    cmocka_unit_test(test_parse_rejects_second_61),
	    cmocka_unit_test(test_parse_rejects_missing_offset),
	    cmocka_unit_test(test_parse_rejects_hour_24),
	    cmocka_unit_test(test_parse_rejects_minute_60),
	    cmocka_unit_test(test_parse_rejects_month_out_of_range),
	    cmocka_unit_test(test_parse_rejects_day_past_month_end),
	    cmocka_unit_test(test_parse_rejects_year_zero),
	    cmocka_unit_test(test_parse_rejects_offset_over_23_59),
	    cmocka_unit_test(test_parse_rejects_malformed_offset),
	    cmocka_unit_test(test_parse_rejects_fraction_over_9_digits),
	    cmocka_unit_test(test_parse_rejects_empty_fraction),
	    cmocka_unit_test(test_parse_rejects_other_separators),
	    cmocka_unit_test(test_parse_rejects_short_fields),
	    cmocka_unit_test(test_parse_rejects_non_digits),
	    cmocka_unit_test(test_parse_rejects_surrounding_bytes),
	    cmocka_unit_test(test_parse_rejects_empty_and_truncated),
	    cmocka_unit_test(test_parse_reads_only_n_bytes),
	    cmocka_unit_test(test_parse_rejects_embedded_nul),
	    cmocka_unit_test(test_parse_failure_leaves_outputs_untouched),
	    cmocka_unit_test(test_offset_parse_reads_minutes),
	    cmocka_unit_test(test_offset_parse_rejects_bad_offsets),
	    cmocka_unit_test(test_format_utc_has_z_and_no_fraction),
	    cmocka_unit_test(test_format_writes_fraction_as_six_digits_when_nonzero),
	    cmocka_unit_test(test_format_shows_local_time_with_offset),
	    cmocka_unit_test(test_format_before_epoch),
	    cmocka_unit_test(test_format_out_of_range_offset_shows_utc),
	    cmocka_unit_test(test_format_extreme_instants_fit_the_buffer),
	    cmocka_unit_test(test_round_trip_keeps_offset_and_text),
	    cmocka_unit_test(test_round_trip_normalises_accepted_variants),
	    cmocka_unit_test(test_randomized_format_parse_round_trip),
	    cmocka_unit_test(test_time_now_is_wall_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
