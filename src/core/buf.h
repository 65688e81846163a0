/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.h - growable byte buffer with an upper bound.
 *
 * A buffer that collects bytes an outsider controls (a request body, a
 * response) is given a limit; an append past it fails with ORDEX_E_TOOBIG
 * and sets b->err, leaving the contents as they were. Later appends keep
 * failing, so a caller may append freely and check b->err once. The data is
 * always NUL-terminated after a successful append. limit 0 means no limit.
 */
#ifndef ORDEX_BUF_H
#define ORDEX_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct ordex_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t limit;
	int err;
};

void ordex_buf_init(struct ordex_buf *b, size_t limit);
/* Frees the storage and re-initializes the buffer with the same limit. */
void ordex_buf_free(struct ordex_buf *b);
/* Empties the buffer and clears err, keeping the storage. */
void ordex_buf_reset(struct ordex_buf *b);
int ordex_buf_append(struct ordex_buf *b, const void *p, size_t n);
int ordex_buf_puts(struct ordex_buf *b, const char *s);
int ordex_buf_putc(struct ordex_buf *b, char c);
int ordex_buf_printf(struct ordex_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ordex_buf_vprintf(struct ordex_buf *b, const char *fmt, va_list ap);
/* Hands the storage to the caller (free() it) and empties the buffer. */
char *ordex_buf_steal(struct ordex_buf *b, size_t *len);

#endif
