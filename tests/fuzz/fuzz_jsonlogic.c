/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_jsonlogic.c - libFuzzer target for the JsonLogic evaluator.
 *
 * The input is a rule and, after the first newline, the data it is
 * evaluated over (both JSON; inputs that do not parse are skipped). Under
 * small bounds every evaluation must end with a result or with a bound
 * named (ORDEX_E_TOOBIG, ORDEX_E_INVAL) and a NUL-terminated message; a
 * result must be JSON the writer can write and the parser read back, and
 * the check that rules get before they are stored must agree with the
 * evaluation on unknown operations. Any breach calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "policy/jsonlogic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nl = memchr(p, '\n', size);
	size_t rule_len = nl ? (size_t)(nl - p) : size;
	struct ordex_arena *a = ordex_arena_new(4096);
	struct ordex_json *rule, *doc = NULL, *out = NULL, *back;
	struct ordex_json_error jerr;
	if (ordex_json_parse(a, p, rule_len, NULL, &rule, &jerr) != ORDEX_OK ||
	    (nl &&
	     ordex_json_parse(a, nl + 1, size - rule_len - 1, NULL, &doc, &jerr) != ORDEX_OK)) {
		ordex_arena_free(a);
		return 0;
	}
	struct ordex_jl_limits lim = {.max_depth = 16, .max_steps = 20000, .max_bytes = 1 << 20};
	struct ordex_jl_error err;
	int checked = ordex_jl_check(rule, &lim, &err);
	int rc = ordex_jl_eval(a, rule, doc, &lim, &out, &err);
	if (rc == ORDEX_OK) {
		struct ordex_buf b;
		ordex_buf_init(&b, 0);
		if (ordex_json_write(&b, out) != ORDEX_OK)
			abort();
		if (ordex_json_parse(a, b.data ? b.data : "null", b.data ? b.len : 4, NULL, &back,
		                     &jerr) != ORDEX_OK)
			abort();
		ordex_buf_free(&b);
		(void)ordex_jl_truthy(out);
	} else {
		if (rc != ORDEX_E_TOOBIG && rc != ORDEX_E_INVAL)
			abort();
		if (!memchr(err.msg, '\0', sizeof(err.msg)) || !err.msg[0] ||
		    !memchr(err.path, '\0', sizeof(err.path)))
			abort();
	}
	/* an evaluation that met an unknown operation was refused by the check */
	if (rc == ORDEX_E_INVAL && strstr(err.msg, "unknown operation") && checked == ORDEX_OK)
		abort();
	ordex_arena_free(a);
	return 0;
}
