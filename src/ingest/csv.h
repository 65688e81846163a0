/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csv.h - an RFC 4180 CSV reader over a file: quoted fields with doubled
 * quotes and embedded newlines, CRLF or LF line ends, a UTF-8 BOM skipped.
 * Records are bounded (ORDEX_CSV_MAX_FIELDS fields, ORDEX_CSV_MAX_RECORD
 * bytes); a record past a bound is an error, not a crash.
 */
#ifndef ORDEX_CSV_H
#define ORDEX_CSV_H

#include <stddef.h>
#include <stdio.h>

#define ORDEX_CSV_MAX_FIELDS 64
#define ORDEX_CSV_MAX_RECORD (1 << 20)

struct ordex_csv {
	FILE *f;
	char *buf;
	size_t cap;
	long line; /* line where the current record starts, 1-based */
	long next_line;
	char *fields[ORDEX_CSV_MAX_FIELDS];
	size_t n;
	char err[128];
};

/* Opens path. Returns ORDEX_OK or ORDEX_E_IO (err says why). */
int ordex_csv_open(struct ordex_csv *c, const char *path);
void ordex_csv_close(struct ordex_csv *c);
/*
 * Reads the next record into c->fields/c->n (valid until the next call).
 * Returns 1 for a record, 0 at the end, ORDEX_E_INVAL for a malformed or
 * oversized record (err set; reading may go on with the next line).
 */
int ordex_csv_next(struct ordex_csv *c);
/* Parses one record from memory (for tests and the fuzzer). */
int ordex_csv_parse_record(char *p, size_t n, char **fields, size_t max, size_t *count);
/* Index of the column named name in the header record, or -1. */
int ordex_csv_column(const struct ordex_csv *c, const char *name);

#endif
