/* SPDX-License-Identifier: Apache-2.0 */
/*
 * money.c - ISO 4217 exponents and exact decimal amounts.
 *
 * The currency table holds ISO 4217 list one as of amendment 180 (2025):
 * every active code with a minor unit, sorted, so a lookup is a binary
 * search of eight steps at most. Left out are codes with no minor unit
 * (precious metals XAU/XAG/XPD/XPT, bond units XBA-XBD, XDR, XSU, XUA, and
 * XTS/XXX), for which an amount in minor units means nothing, and codes
 * withdrawn from list one (HRK, CUC, SLL, ZWL, ANG, BGN). A code that ISO
 * adds or withdraws is a one-line change here, kept in order.
 *
 * Parsing reads the digits into an unsigned magnitude, checking for
 * overflow before every multiply, then scales by the digits the fraction
 * lacks. It never rounds: an amount with more decimals than the currency
 * allows is refused.
 */
#include "core/money.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/common.h"

struct currency {
	char code[4];
	signed char exponent;
};

static const struct currency currencies[] = {
    {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"AOA", 2}, {"ARS", 2}, {"AUD", 2}, {"AWG", 2},
    {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2}, {"BHD", 3}, {"BIF", 0}, {"BMD", 2}, {"BND", 2},
    {"BOB", 2}, {"BOV", 2}, {"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2}, {"BYN", 2}, {"BZD", 2},
    {"CAD", 2}, {"CDF", 2}, {"CHE", 2}, {"CHF", 2}, {"CHW", 2}, {"CLF", 4}, {"CLP", 0}, {"CNY", 2},
    {"COP", 2}, {"COU", 2}, {"CRC", 2}, {"CUP", 2}, {"CVE", 2}, {"CZK", 2}, {"DJF", 0}, {"DKK", 2},
    {"DOP", 2}, {"DZD", 2}, {"EGP", 2}, {"ERN", 2}, {"ETB", 2}, {"EUR", 2}, {"FJD", 2}, {"FKP", 2},
    {"GBP", 2}, {"GEL", 2}, {"GHS", 2}, {"GIP", 2}, {"GMD", 2}, {"GNF", 0}, {"GTQ", 2}, {"GYD", 2},
    {"HKD", 2}, {"HNL", 2}, {"HTG", 2}, {"HUF", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3},
    {"IRR", 2}, {"ISK", 0}, {"JMD", 2}, {"JOD", 3}, {"JPY", 0}, {"KES", 2}, {"KGS", 2}, {"KHR", 2},
    {"KMF", 0}, {"KPW", 2}, {"KRW", 0}, {"KWD", 3}, {"KYD", 2}, {"KZT", 2}, {"LAK", 2}, {"LBP", 2},
    {"LKR", 2}, {"LRD", 2}, {"LSL", 2}, {"LYD", 3}, {"MAD", 2}, {"MDL", 2}, {"MGA", 2}, {"MKD", 2},
    {"MMK", 2}, {"MNT", 2}, {"MOP", 2}, {"MRU", 2}, {"MUR", 2}, {"MVR", 2}, {"MWK", 2}, {"MXN", 2},
    {"MXV", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2}, {"NGN", 2}, {"NIO", 2}, {"NOK", 2}, {"NPR", 2},
    {"NZD", 2}, {"OMR", 3}, {"PAB", 2}, {"PEN", 2}, {"PGK", 2}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2},
    {"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RSD", 2}, {"RUB", 2}, {"RWF", 0}, {"SAR", 2}, {"SBD", 2},
    {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2}, {"SHP", 2}, {"SLE", 2}, {"SOS", 2}, {"SRD", 2},
    {"SSP", 2}, {"STN", 2}, {"SVC", 2}, {"SYP", 2}, {"SZL", 2}, {"THB", 2}, {"TJS", 2}, {"TMT", 2},
    {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2}, {"TWD", 2}, {"TZS", 2}, {"UAH", 2}, {"UGX", 0},
    {"USD", 2}, {"USN", 2}, {"UYI", 0}, {"UYU", 2}, {"UYW", 4}, {"UZS", 2}, {"VED", 2}, {"VES", 2},
    {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAD", 2}, {"XAF", 0}, {"XCD", 2}, {"XCG", 2}, {"XOF", 0},
    {"XPF", 0}, {"YER", 2}, {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
};

/*
 * Returns the ISO 4217 exponent (0 to 4) of code, which must be exactly
 * three upper-case ASCII letters and a NUL, or -1 when it is not an active
 * currency with a minor unit (lower case, NULL and other lengths included).
 * Pure, any thread.
 */
int ordex_currency_exponent(const char *code)
{
	size_t lo = 0, hi = ORDEX_ARRAY_LEN(currencies);

	if (!code)
		return -1;
	for (int i = 0; i < 3; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return -1;
	if (code[3] != '\0')
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(code, currencies[mid].code, 3);
		if (c == 0)
			return currencies[mid].exponent;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
	if (why && whylen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return ORDEX_E_INVAL;
}

/*
 * Copies what the caller sent as a currency into a short printable form
 * for a message: at most 8 bytes, anything but plain printable ASCII (and
 * the quote and backslash) shown as '?', "..." when cut.
 */
static void printable(const char *s, char out[12])
{
	size_t i = 0;

	if (!s)
		s = "";
	for (; s[i] && i < 8; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\' ? s[i] : '?';
	if (s[i]) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

/*
 * Parses exactly n bytes of s (no NUL needed) as an amount of currency in
 * major units and writes it in minor units to *minor: "50.00" USD is 5000,
 * "500" JPY is 500, "1.234" KWD is 1234, "1.5" USD is 150.
 *
 * The form is one or more ASCII digits, then optionally '.' and one or more
 * digits: "0.50" is read but ".50" and "50." are not. Leading zeros are
 * allowed. A leading '-' is allowed only when allow_negative ("-0" too is
 * refused without it). No '+', exponent, spaces or thousands separators.
 * More decimal places than the currency's exponent are refused even when
 * they are zeros ("1.000" USD, "500.0" JPY), never rounded. The result
 * must fit an int64_t, from INT64_MIN to INT64_MAX minor units.
 *
 * Returns ORDEX_OK, or ORDEX_E_INVAL with *minor untouched and, when why
 * is not NULL, a reason that reads after the field's name written into why
 * (whylen bytes, cut to fit): "is not a decimal amount", "must not be
 * negative", "has 3 decimal places; USD allows 2", "is too large", or
 * "unknown currency \"XYZ\"" (the code cut to 8 printable bytes). Pure, any
 * thread.
 */
int ordex_money_parse(const char *s, size_t n, const char *currency, int allow_negative,
                      int64_t *minor, char *why, size_t whylen)
{
	int exp = ordex_currency_exponent(currency);
	size_t i = 0, nint, nfrac = 0;
	int neg = 0;

	if (exp < 0) {
		char shown[12];
		printable(currency, shown);
		return refuse(why, whylen, "unknown currency \"%s\"", shown);
	}
	if (!s)
		n = 0;
	if (i < n && s[i] == '-') {
		neg = 1;
		i++;
	}
	size_t int_at = i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	nint = i - int_at;
	size_t frac_at = i + 1;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			nfrac++;
		if (nfrac == 0)
			return refuse(why, whylen, "is not a decimal amount");
	}
	if (i != n || nint == 0)
		return refuse(why, whylen, "is not a decimal amount");
	if (neg && !allow_negative)
		return refuse(why, whylen, "must not be negative");
	if (nfrac > (size_t)exp)
		return refuse(why, whylen, "has %zu decimal place%s; %s allows %d", nfrac,
		              nfrac == 1 ? "" : "s", currency, exp);

	/* A negative amount may reach one further than a positive one. */
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;
	for (size_t k = 0; k < nint + (size_t)exp; k++) {
		unsigned dig = 0;
		if (k < nint)
			dig = (unsigned)(s[int_at + k] - '0');
		else if (k - nint < nfrac)
			dig = (unsigned)(s[frac_at + (k - nint)] - '0');
		if (v > (limit - dig) / 10)
			return refuse(why, whylen, "is too large");
		v = v * 10 + dig;
	}
	if (!neg)
		*minor = (int64_t)v;
	else if (v == (uint64_t)INT64_MAX + 1)
		*minor = INT64_MIN;
	else
		*minor = -(int64_t)v;
	return ORDEX_OK;
}

/*
 * Writes minor units of currency as a decimal in major units with exactly
 * the currency's exponent of decimals: "-12.34" USD, "500" JPY, "1.234"
 * KWD, "0.05" USD. What it writes, ordex_money_parse() reads back to the
 * same value. An unknown currency writes "" and returns 0. out must hold
 * ORDEX_MONEY_MAX_LEN bytes; it is NUL-terminated. Returns the length
 * without the NUL. Pure, any thread.
 */
size_t ordex_money_format(int64_t minor, const char *currency, char *out)
{
	int exp = ordex_currency_exponent(currency);
	char tmp[24];
	int nd = 0;
	char *p = out;

	if (exp < 0) {
		*out = '\0';
		return 0;
	}
	/* The magnitude of INT64_MIN does not fit an int64_t, but does a uint64_t. */
	uint64_t v = minor < 0 ? -(uint64_t)minor : (uint64_t)minor;
	do {
		tmp[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (nd <= exp)
		tmp[nd++] = '0';
	if (minor < 0)
		*p++ = '-';
	while (nd) {
		if (nd == exp)
			*p++ = '.';
		*p++ = tmp[--nd];
	}
	*p = '\0';
	return (size_t)(p - out);
}
