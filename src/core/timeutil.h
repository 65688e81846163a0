/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timeutil.h - RFC 3339 times, calendar dates, and formatting.
 *
 * Instants are int64_t microseconds since 1970-01-01T00:00:00Z ("us").
 * An instant read from outside keeps its original UTC offset in minutes,
 * so it can be shown as it was given. Parsing is strict: the offset is
 * required ("Z" or "+hh:mm"/"-hh:mm"), fields are range-checked against the
 * real calendar, fractions of up to 9 digits are accepted (truncated to
 * microseconds). Years 0001-9999. All functions are pure and thread-safe.
 */
#ifndef ORDEX_TIMEUTIL_H
#define ORDEX_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define ORDEX_TIME_MAX_LEN 40

/* Parses an RFC 3339 date-time. Returns ORDEX_OK or ORDEX_E_INVAL. */
int ordex_time_parse(const char *s, size_t n, int64_t *us, int *offset_min);
/* Parses "YYYY-MM-DD". Returns ORDEX_OK or ORDEX_E_INVAL. */
int ordex_date_parse(const char *s, size_t n, int *y, int *m, int *d);
/*
 * The last microsecond of the local day y-m-d in a zone offset_min minutes
 * east of UTC: 23:59:59.999999 local, as a UTC instant.
 */
int64_t ordex_date_end_of_day(int y, int m, int d, int offset_min);
/* Parses "+hh:mm", "-hh:mm" or "Z" into minutes. ORDEX_OK or ORDEX_E_INVAL. */
int ordex_offset_parse(const char *s, size_t n, int *offset_min);
/*
 * Writes us as RFC 3339 in the zone offset_min minutes east of UTC
 * ("Z" when 0), with ".ffffff" only when the fraction is not zero.
 * out must hold ORDEX_TIME_MAX_LEN bytes. Returns the length.
 */
size_t ordex_time_format(int64_t us, int offset_min, char *out);
/* The current time in microseconds (CLOCK_REALTIME). */
int64_t ordex_time_now(void);
/* Days since 1970-01-01 of a proleptic Gregorian date (may be negative). */
int64_t ordex_days_from_civil(int y, int m, int d);

#endif
