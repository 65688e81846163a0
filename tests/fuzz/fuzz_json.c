/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_json.c - libFuzzer target for the JSON parser and writer.
 *
 * Every input is parsed in a fresh arena. A document that parses is written
 * back, the output parsed again and written again; the two writes must be
 * byte-identical. A rejection must leave a sane error: offset within the
 * input, line and column from 1, a message, a known code, and a message and
 * path that are NUL-terminated valid UTF-8. Any breach calls abort().
 * tests/fuzz/replay.c supplies main() for replaying the corpus without
 * libFuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n;) {
		size_t k = p[i] < 0x80             ? 1
		           : (p[i] & 0xE0) == 0xC0 ? 2
		           : (p[i] & 0xF0) == 0xE0 ? 3
		                                   : 4;
		if (p[i] >= 0x80 && (p[i] < 0xC2 || p[i] > 0xF4))
			abort();
		if (i + k > n)
			abort();
		for (size_t j = 1; j < k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				abort();
		i += k;
	}
}

static void check_error(const struct ordex_json_error *err, int rc, size_t size)
{
	if (rc != ORDEX_E_INVAL && rc != ORDEX_E_DEPTH)
		abort();
	if (err->code != rc || err->offset > size || err->line < 1 || err->col < 1)
		abort();
	if ((size_t)err->col > err->offset + 1)
		abort();
	check_text(err->msg, sizeof(err->msg));
	check_text(err->path, sizeof(err->path));
	if (!err->msg[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ordex_arena *a = ordex_arena_new(4096);
	struct ordex_json *root, *again;
	struct ordex_json_error err;
	struct ordex_buf first, second;
	int rc;

	rc = ordex_json_parse(a, (const char *)data, size, NULL, &root, &err);
	if (rc != ORDEX_OK) {
		if (root)
			abort();
		check_error(&err, rc, size);
		ordex_arena_free(a);
		return 0;
	}
	ordex_buf_init(&first, 0);
	ordex_buf_init(&second, 0);
	if (ordex_json_write(&first, root) != ORDEX_OK)
		abort();
	/* compact output is never longer than its input, less a skipped BOM */
	if (first.len > size)
		abort();
	if (ordex_json_parse(a, first.data, first.len, NULL, &again, &err) != ORDEX_OK)
		abort();
	if (ordex_json_write(&second, again) != ORDEX_OK)
		abort();
	if (first.len != second.len || memcmp(first.data, second.data, first.len))
		abort();
	ordex_buf_free(&first);
	ordex_buf_free(&second);
	ordex_arena_free(a);
	return 0;
}
