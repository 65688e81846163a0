/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.c - bounded growable buffer. Capacity doubles; an append that would
 * pass the limit fails whole with ORDEX_E_TOOBIG and the error sticks.
 */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"

void ordex_buf_init(struct ordex_buf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
	b->err = 0;
}

void ordex_buf_free(struct ordex_buf *b)
{
	free(b->data);
	ordex_buf_init(b, b->limit);
}

void ordex_buf_reset(struct ordex_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int reserve(struct ordex_buf *b, size_t n)
{
	if (b->err)
		return b->err;
	if (n > SIZE_MAX - b->len - 1 || (b->limit && b->len + n > b->limit)) {
		b->err = ORDEX_E_TOOBIG;
		return b->err;
	}
	size_t need = b->len + n + 1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < need)
			cap *= 2;
		b->data = ordex_xrealloc(b->data, cap);
		b->cap = cap;
	}
	return ORDEX_OK;
}

int ordex_buf_append(struct ordex_buf *b, const void *p, size_t n)
{
	int rc = reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return ORDEX_OK;
}

int ordex_buf_puts(struct ordex_buf *b, const char *s)
{
	return ordex_buf_append(b, s, strlen(s));
}

int ordex_buf_putc(struct ordex_buf *b, char c)
{
	if (!b->err && b->len + 1 < b->cap && (!b->limit || b->len + 1 <= b->limit)) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return ORDEX_OK;
	}
	return ordex_buf_append(b, &c, 1);
}

int ordex_buf_vprintf(struct ordex_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char small[256];
	int n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return ORDEX_E_INVAL;
	if ((size_t)n < sizeof(small))
		return ordex_buf_append(b, small, (size_t)n);
	int rc = reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return ORDEX_OK;
}

int ordex_buf_printf(struct ordex_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = ordex_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *ordex_buf_steal(struct ordex_buf *b, size_t *len)
{
	char *p = b->data;
	if (len)
		*len = b->len;
	if (!p)
		p = ordex_xstrdup("");
	ordex_buf_init(b, b->limit);
	return p;
}
