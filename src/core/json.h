/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h - strict JSON (RFC 8259) parser into an arena, and a writer.
 *
 * The parser is written for input from outside: it rejects invalid UTF-8
 * (overlong forms, surrogates, code points past U+10FFFF), unpaired
 * surrogate escapes, "\u0000", raw control characters in strings, duplicate
 * object keys, trailing bytes, and nesting deeper than a limit. A failure
 * fills struct ordex_json_error with the byte offset, line and column, the
 * path of the value at fault ("data.lines[2].sku") and a short message.
 *
 * Numbers are kept as their literal text, so money and large integers lose
 * nothing; ordex_json_int() converts exactly or fails. Strings are decoded
 * to UTF-8 and NUL-terminated. All nodes live in the caller's arena.
 * A leading UTF-8 byte order mark is skipped.
 */
#ifndef ORDEX_JSON_H
#define ORDEX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ordex_arena;
struct ordex_buf;

enum ordex_json_type {
	ORDEX_JSON_NULL,
	ORDEX_JSON_FALSE,
	ORDEX_JSON_TRUE,
	ORDEX_JSON_NUMBER,
	ORDEX_JSON_STRING,
	ORDEX_JSON_ARRAY,
	ORDEX_JSON_OBJECT,
};

struct ordex_json {
	enum ordex_json_type type;
	/* STRING: decoded UTF-8; NUMBER: literal text. NUL-terminated. */
	const char *str;
	size_t len;
	/* ARRAY/OBJECT: first member and member count. */
	struct ordex_json *child;
	size_t count;
	/* Next sibling in the parent array or object. */
	struct ordex_json *next;
	/* Member name when the parent is an object (decoded, NUL-terminated). */
	const char *key;
	size_t key_len;
};

struct ordex_json_limits {
	int max_depth;    /* arrays and objects nested deeper fail; 0: 64 */
	size_t max_nodes; /* more values than this fail with ORDEX_E_TOOBIG; 0: 200000 */
};

struct ordex_json_error {
	size_t offset;  /* byte offset into the input */
	int line;       /* 1-based */
	int col;        /* 1-based, in bytes */
	char path[160]; /* "" for the root, else "a.b[3].c" */
	char msg[160];
	int code; /* ORDEX_E_INVAL or ORDEX_E_DEPTH */
};

/*
 * Parses n bytes at p into *out. Returns ORDEX_OK, ORDEX_E_INVAL,
 * ORDEX_E_DEPTH or ORDEX_E_TOOBIG (err filled). Nodes are allocated from a. Thread-safe with
 * distinct arenas. lim may be NULL.
 */
int ordex_json_parse(struct ordex_arena *a, const char *p, size_t n,
                     const struct ordex_json_limits *lim, struct ordex_json **out,
                     struct ordex_json_error *err);

/* Member of an object by key, or NULL (also when obj is not an object). */
struct ordex_json *ordex_json_get(const struct ordex_json *obj, const char *key);
/* Element i of an array, or NULL. */
struct ordex_json *ordex_json_at(const struct ordex_json *arr, size_t i);

/* The string value, or NULL when node is absent or not a string. */
const char *ordex_json_string(const struct ordex_json *node);
/*
 * Converts a NUMBER holding an integer (no fraction, no exponent) that fits
 * int64_t. Returns ORDEX_OK or ORDEX_E_INVAL.
 */
int ordex_json_int(const struct ordex_json *node, int64_t *v);
const char *ordex_json_type_name(enum ordex_json_type t);

/* Appends node as compact JSON, members in their original order. */
int ordex_json_write(struct ordex_buf *b, const struct ordex_json *node);
/* Appends s (n bytes of UTF-8) as a quoted JSON string. */
int ordex_json_write_string(struct ordex_buf *b, const char *s, size_t n);

/*
 * A streaming writer that places commas and colons. Errors (a bound of the
 * buffer) stick in the buffer's err field; check it once at the end.
 */
#define ORDEX_JW_MAX_DEPTH 64
struct ordex_jw {
	struct ordex_buf *b;
	int depth;
	bool first[ORDEX_JW_MAX_DEPTH];
	bool after_key;
};

void ordex_jw_init(struct ordex_jw *w, struct ordex_buf *b);
void ordex_jw_obj(struct ordex_jw *w);     /* { */
void ordex_jw_obj_end(struct ordex_jw *w); /* } */
void ordex_jw_arr(struct ordex_jw *w);     /* [ */
void ordex_jw_arr_end(struct ordex_jw *w); /* ] */
void ordex_jw_key(struct ordex_jw *w, const char *k);
void ordex_jw_str(struct ordex_jw *w, const char *s); /* NULL writes null */
void ordex_jw_strn(struct ordex_jw *w, const char *s, size_t n);
void ordex_jw_int(struct ordex_jw *w, int64_t v);
void ordex_jw_bool(struct ordex_jw *w, bool v);
void ordex_jw_null(struct ordex_jw *w);
/* Inserts n bytes of already valid JSON as one value. */
void ordex_jw_raw(struct ordex_jw *w, const char *json, size_t n);
/* Writes a parsed node as one value. */
void ordex_jw_node(struct ordex_jw *w, const struct ordex_json *node);

#endif
