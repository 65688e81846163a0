/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.h - error codes and the few helpers every module uses.
 *
 * Functions return ORDEX_OK (0) or a negative ORDEX_E_* code. Small internal
 * allocations go through ordex_xmalloc() and friends, which abort on
 * out-of-memory; sizes an outsider controls never do (see buf.h).
 */
#ifndef ORDEX_COMMON_H
#define ORDEX_COMMON_H

#include <stddef.h>
#include <stdint.h>

enum {
	ORDEX_OK = 0,
	ORDEX_E_NOMEM = -1,
	ORDEX_E_INVAL = -2,  /* malformed or invalid input */
	ORDEX_E_TOOBIG = -3, /* a bound was exceeded */
	ORDEX_E_IO = -4,
	ORDEX_E_NOTFOUND = -5,
	ORDEX_E_CONFLICT = -6,  /* same key, different content */
	ORDEX_E_DUPLICATE = -7, /* same key, same content */
	ORDEX_E_DEPTH = -8,     /* nesting too deep */
	ORDEX_E_STORE = -9,     /* the database failed */
	ORDEX_E_AUTH = -10,
	ORDEX_E_SHUTDOWN = -11, /* the component is stopping */
	ORDEX_E_CORRUPT = -12,  /* stored data fails a check */
	ORDEX_E_BUSY = -13,     /* a rate limit is spent */
	ORDEX_E_AGAIN = -14,    /* undone whole; to be done again another way */
};

/* A short lower-case description of an ORDEX_E_* code; never NULL. */
const char *ordex_strerror(int rc);

void *ordex_xmalloc(size_t n);
void *ordex_xcalloc(size_t nmemb, size_t n);
void *ordex_xrealloc(void *p, size_t n);
char *ordex_xstrdup(const char *s);
char *ordex_xstrndup(const char *s, size_t n);

#define ORDEX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ORDEX_UNUSED(x)    ((void)(x))

#endif
