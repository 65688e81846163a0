/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_time.c - libFuzzer target for the time and money parsers.
 *
 * The input is handed as it is to every parser in timeutil.h and to
 * ordex_money_parse() with currencies of each exponent. Whatever parses is
 * formatted and parsed again, and the two readings must agree; so must the
 * readings with and without allow_negative. The first bytes are also read
 * as an instant, an offset and an amount, to push every value through
 * format then parse. A disagreement aborts, which libFuzzer and the replay
 * main() both report as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "core/money.h"
#include "core/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static const char *const currencies[] = {"JPY", "USD", "KWD", "CLF", "XYZ"};

static void time_round_trip(int64_t us, int off)
{
	char out[ORDEX_TIME_MAX_LEN];
	int64_t back;
	int back_off;
	size_t n = ordex_time_format(us, off, out);

	CHECK(n < ORDEX_TIME_MAX_LEN && n == strlen(out));
	CHECK(ordex_time_parse(out, n, &back, &back_off) == ORDEX_OK);
	CHECK(back == us && back_off == off);
}

static void money_round_trip(int64_t v, const char *cur)
{
	char out[ORDEX_MONEY_MAX_LEN];
	int64_t back;
	size_t n = ordex_money_format(v, cur, out);

	CHECK(n < ORDEX_MONEY_MAX_LEN && n == strlen(out));
	CHECK(ordex_money_parse(out, n, cur, 1, &back, NULL, 0) == ORDEX_OK);
	CHECK(back == v);
}

static void check_time_text(const char *s, size_t n)
{
	int64_t us;
	int off, y, m, d;

	if (ordex_time_parse(s, n, &us, &off) == ORDEX_OK) {
		CHECK(off >= -(23 * 60 + 59) && off <= 23 * 60 + 59);
		time_round_trip(us, off);
		/* Its date part is a date, and the day ends after it began. */
		CHECK(ordex_date_parse(s, 10, &y, &m, &d) == ORDEX_OK);
		CHECK(us <= ordex_date_end_of_day(y, m, d, off));
		CHECK(us > ordex_date_end_of_day(y, m, d, off) - INT64_C(86400000000));
	}
	if (ordex_date_parse(s, n, &y, &m, &d) == ORDEX_OK) {
		int64_t end = ordex_date_end_of_day(y, m, d, 0);
		time_round_trip(end, 0);
		CHECK(ordex_days_from_civil(y, m, d) == (end + 1) / INT64_C(86400000000) - 1);
	}
	if (ordex_offset_parse(s, n, &off) == ORDEX_OK)
		CHECK(off >= -(23 * 60 + 59) && off <= 23 * 60 + 59);
}

static void check_money_text(const char *s, size_t n)
{
	char why[96];

	for (size_t i = 0; i < ORDEX_ARRAY_LEN(currencies); i++) {
		const char *cur = currencies[i];
		int64_t neg_ok = 0, plain = 0;
		int rc_neg = ordex_money_parse(s, n, cur, 1, &neg_ok, why, sizeof(why));
		int rc = ordex_money_parse(s, n, cur, 0, &plain, why, sizeof(why));

		CHECK(rc == ORDEX_OK || rc == ORDEX_E_INVAL);
		CHECK(rc_neg == ORDEX_OK || rc_neg == ORDEX_E_INVAL);
		/* Forbidding negatives only ever refuses more. */
		if (rc == ORDEX_OK)
			CHECK(rc_neg == ORDEX_OK && plain == neg_ok && plain >= 0);
		else
			CHECK(why[0] != '\0');
		if (rc_neg == ORDEX_OK)
			money_round_trip(neg_ok, cur);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parsers take a length; a copy lets ASan see any read past it. */
	char *s = malloc(size ? size : 1);
	if (!s)
		return 0;
	if (size)
		memcpy(s, data, size);
	check_time_text(s, size);
	check_money_text(s, size);
	free(s);

	if (size >= 10) {
		int64_t v;
		memcpy(&v, data, sizeof(v));
		/* Keep the instant inside years 0001-9999, where parsing reaches. */
		const int64_t lo = INT64_C(-62135596800000000);   /* 0001-01-01T00:00:00Z */
		const int64_t span = INT64_C(315537897600000000); /* to 10000-01-01 */
		uint64_t r = (uint64_t)v % (uint64_t)(span - 2 * INT64_C(86400000000));
		int off = (int)(((unsigned)data[8] << 8 | data[9]) % (2 * 1439 + 1)) - 1439;
		time_round_trip(lo + INT64_C(86400000000) + (int64_t)r, off);
		for (size_t i = 0; i + 1 < ORDEX_ARRAY_LEN(currencies); i++)
			money_round_trip(v, currencies[i]);
	}
	return 0;
}
