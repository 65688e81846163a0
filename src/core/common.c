/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.c - error strings and allocation wrappers that abort on
 * out-of-memory. Only small internal allocations use them; sizes an
 * outsider controls are bounded first (buf.c).
 */
#include "core/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ordex_strerror(int rc)
{
	switch (rc) {
	case ORDEX_OK: return "ok";
	case ORDEX_E_NOMEM: return "out of memory";
	case ORDEX_E_INVAL: return "invalid input";
	case ORDEX_E_TOOBIG: return "too large";
	case ORDEX_E_IO: return "input/output error";
	case ORDEX_E_NOTFOUND: return "not found";
	case ORDEX_E_CONFLICT: return "conflict";
	case ORDEX_E_DUPLICATE: return "duplicate";
	case ORDEX_E_DEPTH: return "nested too deeply";
	case ORDEX_E_STORE: return "database error";
	case ORDEX_E_AUTH: return "not authorized";
	case ORDEX_E_SHUTDOWN: return "shutting down";
	case ORDEX_E_CORRUPT: return "stored data is corrupt";
	case ORDEX_E_BUSY: return "a rate limit is spent";
	case ORDEX_E_AGAIN: return "to be done again";
	}
	return "unknown error";
}

static void oom(size_t n)
{
	fprintf(stderr, "ordex: out of memory allocating %zu bytes\n", n);
	abort();
}

void *ordex_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *ordex_xcalloc(size_t nmemb, size_t n)
{
	void *p = calloc(nmemb ? nmemb : 1, n ? n : 1);
	if (!p)
		oom(nmemb * n);
	return p;
}

void *ordex_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *ordex_xstrndup(const char *s, size_t n)
{
	char *p = ordex_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ordex_xstrdup(const char *s)
{
	return ordex_xstrndup(s, strlen(s));
}
