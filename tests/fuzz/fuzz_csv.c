/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_csv.c - libFuzzer target for the CSV reader.
 *
 * The input is split as one record on a copy of its bytes, with the full
 * field bound and with a small one taken from its first byte: a success
 * must give between 1 and max fields, each a NUL-terminated string inside
 * the copy, in order, holding no more bytes than the input; a failure is
 * ORDEX_E_INVAL or ORDEX_E_TOOBIG. The input is then read as a whole file
 * from memory, record by record: each record starts on a later line than
 * the one before, has 1 to ORDEX_CSV_MAX_FIELDS fields, and there are no
 * more records than lines. Any breach calls abort(). tests/fuzz/replay.c
 * supplies main() for replaying the corpus without libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "ingest/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static void split(const uint8_t *data, size_t size, size_t max)
{
	/* one byte more: the parser NUL-terminates the last field in place */
	char *copy = malloc(size + 1);
	char *fields[ORDEX_CSV_MAX_FIELDS];
	size_t count = 0, text = 0;

	memcpy(copy, data, size);
	copy[size] = '\0';
	int rc = ordex_csv_parse_record(copy, size, fields, max, &count);
	if (rc == ORDEX_OK) {
		CHECK(count >= 1 && count <= max);
		for (size_t i = 0; i < count; i++) {
			CHECK(fields[i] >= copy && fields[i] <= copy + size);
			CHECK(i == 0 || fields[i] > fields[i - 1]);
			size_t n = strnlen(fields[i], (size_t)(copy + size + 1 - fields[i]));
			CHECK(fields[i] + n <= copy + size);
			text += n;
		}
		/* quotes and separators only ever shrink the record */
		CHECK(text + count - 1 <= size);
	} else {
		CHECK(rc == ORDEX_E_INVAL || rc == ORDEX_E_TOOBIG);
	}
	free(copy);
}

static void read_all(const uint8_t *data, size_t size)
{
	struct ordex_csv c;
	size_t lines = 1;
	long last = 0;
	int records = 0, r;

	if (size == 0)
		return;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	/* what ordex_csv_open() does, over memory instead of a path */
	memset(&c, 0, sizeof(c));
	c.f = fmemopen((void *)data, size, "rb");
	if (!c.f)
		return;
	c.next_line = 1;
	while ((r = ordex_csv_next(&c)) != 0) {
		CHECK(r == 1 || r == ORDEX_E_INVAL);
		CHECK(c.line > last);
		last = c.line;
		CHECK(++records <= (int)lines);
		if (r == 1) {
			CHECK(c.n >= 1 && c.n <= ORDEX_CSV_MAX_FIELDS);
			for (size_t i = 0; i < c.n; i++)
				CHECK(c.fields[i] != NULL);
			int k = ordex_csv_column(&c, c.fields[c.n - 1]);
			CHECK(k >= 0 && (size_t)k < c.n && !strcmp(c.fields[k], c.fields[c.n - 1]));
		} else {
			CHECK(c.err[0]);
		}
	}
	CHECK(ordex_csv_next(&c) == 0);
	ordex_csv_close(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	split(data, size, ORDEX_CSV_MAX_FIELDS);
	split(data, size, size ? (size_t)(data[0] % 8) + 1 : 1);
	read_all(data, size);
	return 0;
}
