/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonlogic.h - JsonLogic (jsonlogic.com): rules as JSON, evaluated over a
 * JSON document, with the semantics of the reference implementation
 * (json-logic-js): JavaScript's coercions for ==, <, +, cat; truthiness
 * where an empty array is false; "and" and "or" answer the deciding value.
 *
 * Rules come from tenants, so evaluation is bounded: nesting depth, the
 * number of steps (each operation and each element an iterating operation
 * visits), and the bytes a result may grow to. A bound reached is an error,
 * never a partial answer. ordex_jl_check() refuses an unknown operation
 * before a rule is stored, naming its JSON path.
 *
 * Thread-safe with distinct arenas; results live in the caller's arena.
 */
#ifndef ORDEX_JSONLOGIC_H
#define ORDEX_JSONLOGIC_H

#include <stdbool.h>
#include <stddef.h>

struct ordex_arena;
struct ordex_json;

struct ordex_jl_limits {
	int max_depth;    /* rule nesting; 0: 32 */
	size_t max_steps; /* 0: 100000 */
	size_t max_bytes; /* arena growth of one evaluation; 0: 1 MiB */
	/* steps shared by several evaluations (the rules of one event), taken
	 * from *budget as they go; NULL: none beyond max_steps */
	size_t *budget;
};

struct ordex_jl_error {
	char path[160]; /* JSON path in the rule: "and[1].>[0]" */
	char msg[160];
};

/*
 * Checks that every operation in rule is one JsonLogic has and that the
 * rule is within the depth bound. Returns ORDEX_OK or ORDEX_E_INVAL (err).
 */
int ordex_jl_check(const struct ordex_json *rule, const struct ordex_jl_limits *lim,
                   struct ordex_jl_error *err);

/*
 * Evaluates rule over data (NULL: an empty object) into *out, a JSON value
 * in a. Returns ORDEX_OK, ORDEX_E_INVAL (an unknown operation), or
 * ORDEX_E_TOOBIG (a bound reached); err names the rule's path and why.
 */
int ordex_jl_eval(struct ordex_arena *a, const struct ordex_json *rule,
                  const struct ordex_json *data, const struct ordex_jl_limits *lim,
                  struct ordex_json **out, struct ordex_jl_error *err);

/* JsonLogic's truthiness of a JSON value: false, null, 0, "" and [] are false. */
bool ordex_jl_truthy(const struct ordex_json *v);

/* Whether two JSON values are the same value (numbers compared as numbers). */
bool ordex_jl_same(const struct ordex_json *x, const struct ordex_json *y);

#endif
