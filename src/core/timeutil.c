/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timeutil.c - RFC 3339 parsing and formatting by plain arithmetic.
 *
 * Nothing here asks the C library about calendars: no mktime, timegm, TZ or
 * locale. Dates become day numbers with a days-from-civil conversion that
 * counts years from 1 March, so the leap day is the last day of its year
 * and a 400-year era always holds 146097 days; the inverse does the same
 * steps backwards. An instant is then days * 86400 s plus the time of day,
 * less the UTC offset, in microseconds. Parsing walks fixed-width fields and
 * fails on the first byte that does not belong, so there is no state to
 * clean up and outputs are written only on success.
 */
#include "core/timeutil.h"

#include <time.h>

#include "core/common.h"

#define US_PER_SEC    INT64_C(1000000)
#define US_PER_MIN    (60 * US_PER_SEC)
#define US_PER_DAY    (86400 * US_PER_SEC)
#define MAX_OFFSET    (23 * 60 + 59)
#define DAYS_TO_EPOCH INT64_C(719468) /* 0000-03-01 to 1970-01-01 */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/*
 * Returns the proleptic Gregorian day number of y-m-d, counted from
 * 1970-01-01. Valid for any date whose year fits an int; a month or day out
 * of range gives a meaningless but well-defined number. Pure, any thread.
 */
int64_t ordex_days_from_civil(int y, int m, int d)
{
	/* Years start on 1 March: January and February belong to the year before. */
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = floor_div(yy, 400);
	int64_t yoe = yy - era * 400;                        /* [0, 399] */
	int64_t mp = m > 2 ? m - 3 : m + 9;                  /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d - 1;            /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
	return era * 146097 + doe - DAYS_TO_EPOCH;
}

/* The inverse of ordex_days_from_civil(). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += DAYS_TO_EPOCH;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	/* Subtract the leap days seen so far, then a year is 365 days. */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Reads exactly n decimal digits; 0 on success, -1 if any byte is not one. */
static int digits(const char *s, size_t n, int *v)
{
	int x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

/* "YYYY-MM-DD" in the first 10 bytes of s, checked against the calendar. */
static int read_date(const char *s, int *y, int *m, int *d)
{
	if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) || s[7] != '-' ||
	    digits(s + 8, 2, d))
		return -1;
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

/*
 * Parses "YYYY-MM-DD" (exactly n = 10 bytes, no NUL needed) into y, m and d.
 * Years 0001-9999; the day must exist, so 02-29 only in leap years. Returns
 * ORDEX_OK, or ORDEX_E_INVAL with the outputs untouched. Pure, any thread.
 */
int ordex_date_parse(const char *s, size_t n, int *y, int *m, int *d)
{
	int yy, mm, dd;

	if (!s || n != 10 || read_date(s, &yy, &mm, &dd))
		return ORDEX_E_INVAL;
	*y = yy;
	*m = mm;
	*d = dd;
	return ORDEX_OK;
}

/*
 * Parses a UTC offset of exactly n bytes: "Z" or "z" (0), or "+hh:mm" /
 * "-hh:mm" with hh 00-23 and mm 00-59, into minutes east of UTC. "-00:00"
 * (RFC 3339's "offset unknown") reads as 0. Returns ORDEX_OK, or
 * ORDEX_E_INVAL with *offset_min untouched. Pure, any thread.
 */
int ordex_offset_parse(const char *s, size_t n, int *offset_min)
{
	int h, m;

	if (!s)
		return ORDEX_E_INVAL;
	if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*offset_min = 0;
		return ORDEX_OK;
	}
	if (n != 6 || (s[0] != '+' && s[0] != '-') || digits(s + 1, 2, &h) || s[3] != ':' ||
	    digits(s + 4, 2, &m) || h > 23 || m > 59)
		return ORDEX_E_INVAL;
	*offset_min = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
	return ORDEX_OK;
}

/*
 * Parses an RFC 3339 date-time of exactly n bytes (no NUL needed):
 * "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)". 't' and a space may stand
 * for 'T', 'z' for 'Z'. The offset is required. Years 0001-9999, hours
 * 00-23, minutes 00-59, offsets up to 23:59; the date must exist. The
 * fraction has 1 to 9 digits and is truncated to microseconds.
 *
 * A leap second (:60) is accepted only where one can occur, in the last
 * minute of a UTC day ("23:59:60Z", "15:59:60-08:00"); since an instant
 * counts no leap seconds, it reads as the last microsecond of that minute,
 * :59.999999, and its fraction is dropped. Formatting it shows :59.999999.
 *
 * On success writes the instant to *us and the offset as given to
 * *offset_min (either may be NULL) and returns ORDEX_OK; otherwise returns
 * ORDEX_E_INVAL and writes nothing. Pure, any thread.
 */
int ordex_time_parse(const char *s, size_t n, int64_t *us, int *offset_min)
{
	int y, mo, d, h, mi, sec, off;
	int64_t frac = 0;
	size_t i = 19;

	/* The shortest form is "YYYY-MM-DDTHH:MM:SSZ". */
	if (!s || n < 20 || read_date(s, &y, &mo, &d))
		return ORDEX_E_INVAL;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return ORDEX_E_INVAL;
	if (digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 60)
		return ORDEX_E_INVAL;
	if (s[i] == '.') {
		size_t start = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (i - start < 6)
				frac = frac * 10 + (s[i] - '0');
			i++;
		}
		size_t nfrac = i - start;
		if (nfrac < 1 || nfrac > 9)
			return ORDEX_E_INVAL;
		for (; nfrac < 6; nfrac++)
			frac *= 10;
	}
	if (ordex_offset_parse(s + i, n - i, &off))
		return ORDEX_E_INVAL;

	int64_t t = ordex_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
	t = (t - (int64_t)off * 60) * US_PER_SEC;
	if (sec == 60) {
		if (floor_div(t, US_PER_MIN) - floor_div(t, US_PER_DAY) * 1440 != 1439)
			return ORDEX_E_INVAL;
		t += US_PER_MIN - 1;
	} else {
		t += sec * US_PER_SEC + frac;
	}
	if (us)
		*us = t;
	if (offset_min)
		*offset_min = off;
	return ORDEX_OK;
}

/*
 * Returns the instant of 23:59:59.999999 local time on y-m-d in a zone
 * offset_min minutes east of UTC: for 2018-04-18 at -03:00 that is
 * 2018-04-19T02:59:59.999999Z. y-m-d must be a real date in years
 * 0001-9999 and offset_min within +-23:59, as ordex_date_parse() and
 * ordex_offset_parse() give them. Pure, any thread.
 */
int64_t ordex_date_end_of_day(int y, int m, int d, int offset_min)
{
	int64_t next_midnight = (ordex_days_from_civil(y, m, d) + 1) * US_PER_DAY;
	return next_midnight - 1 - (int64_t)offset_min * US_PER_MIN;
}

/* Writes v as at least width decimal digits, zero-padded; returns the end. */
static char *put_digits(char *p, uint64_t v, int width)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/*
 * Writes us as RFC 3339 local time in the zone offset_min minutes east of
 * UTC, then the offset: "Z" when it is 0, else "+hh:mm" / "-hh:mm". The
 * fraction appears, as six digits, only when it is not zero. An offset
 * beyond +-23:59 cannot be written and the time is shown in UTC instead.
 * Instants outside years 0001-9999 (which parsing never yields) are written
 * with as many year digits as needed and a '-' for years before 0000; that
 * is not RFC 3339 but still fits. out must hold ORDEX_TIME_MAX_LEN bytes; it
 * is NUL-terminated. Returns the length without the NUL. Pure, any thread.
 */
size_t ordex_time_format(int64_t us, int offset_min, char *out)
{
	int64_t y, days, tod;
	int m, d;
	char *p = out;

	if (offset_min < -MAX_OFFSET || offset_min > MAX_OFFSET)
		offset_min = 0;
	/* Split first, then shift, so that no sum can overflow at the int64 ends. */
	days = us / US_PER_DAY;
	tod = us % US_PER_DAY;
	tod += (int64_t)offset_min * US_PER_MIN;
	while (tod < 0) {
		tod += US_PER_DAY;
		days--;
	}
	while (tod >= US_PER_DAY) {
		tod -= US_PER_DAY;
		days++;
	}
	civil_from_days(days, &y, &m, &d);

	if (y < 0)
		*p++ = '-';
	p = put_digits(p, (uint64_t)(y < 0 ? -y : y), 4);
	*p++ = '-';
	p = put_digits(p, (uint64_t)m, 2);
	*p++ = '-';
	p = put_digits(p, (uint64_t)d, 2);
	*p++ = 'T';
	int64_t secs = tod / US_PER_SEC;
	p = put_digits(p, (uint64_t)(secs / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (uint64_t)(secs / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (uint64_t)(secs % 60), 2);
	if (tod % US_PER_SEC) {
		*p++ = '.';
		p = put_digits(p, (uint64_t)(tod % US_PER_SEC), 6);
	}
	if (offset_min == 0) {
		*p++ = 'Z';
	} else {
		int a = offset_min < 0 ? -offset_min : offset_min;
		*p++ = offset_min < 0 ? '-' : '+';
		p = put_digits(p, (uint64_t)(a / 60), 2);
		*p++ = ':';
		p = put_digits(p, (uint64_t)(a % 60), 2);
	}
	*p = '\0';
	return (size_t)(p - out);
}

/*
 * Returns the wall-clock time (CLOCK_REALTIME) in microseconds since the
 * epoch; it can step backwards when the clock is set. Any thread.
 */
int64_t ordex_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}
