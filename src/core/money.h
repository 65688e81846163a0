/* SPDX-License-Identifier: Apache-2.0 */
/*
 * money.h - ISO 4217 currencies and exact decimal amounts.
 *
 * Amounts are int64_t counts of a currency's minor unit (cents for USD,
 * yen for JPY, fils for KWD). ordex_money_parse() reads a decimal in major
 * units ("50.00", "500", "1.234") and refuses, never rounds, an amount with
 * more decimal places than the currency's ISO 4217 exponent. Pure and
 * thread-safe.
 */
#ifndef ORDEX_MONEY_H
#define ORDEX_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define ORDEX_MONEY_MAX_LEN 32

/*
 * The ISO 4217 exponent (0 to 4) of an upper-case three-letter code, or -1
 * when the code is not a known active currency.
 */
int ordex_currency_exponent(const char *code);

/*
 * Parses a decimal amount of currency (digits, an optional '.' and
 * fraction; a leading '-' only when allow_negative). Trailing zeros beyond
 * the exponent are still too many decimals ("1.000" USD is refused), so
 * that what was sent is what is kept. On failure returns ORDEX_E_INVAL and
 * writes a reason such as "has 3 decimal places; USD allows 2" into why
 * (whylen bytes) when why is not NULL.
 */
int ordex_money_parse(const char *s, size_t n, const char *currency, int allow_negative,
                      int64_t *minor, char *why, size_t whylen);
/* Writes minor as a decimal in major units ("50.00"); returns the length. */
size_t ordex_money_format(int64_t minor, const char *currency, char *out);

#endif
