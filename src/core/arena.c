/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.c - region allocator. A list of blocks; allocations are bumped
 * from the newest one. Requests larger than a quarter of the block size get
 * a block of their own so that they do not waste the tail of the current
 * one. Reset frees every block except the first.
 */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"

#define ALIGN 16

struct block {
	struct block *next;
	size_t size;
	size_t used;
	_Alignas(ALIGN) unsigned char data[];
};

struct ordex_arena {
	struct block *head;  /* newest block, small allocations come from here */
	struct block *first; /* oldest block, kept by reset */
	struct block *big;   /* blocks holding one large allocation each */
	size_t chunk;
	size_t total;
};

static struct block *block_new(size_t size)
{
	struct block *b = ordex_xmalloc(sizeof(*b) + size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

static void free_chain(struct block *b, const struct block *stop)
{
	while (b != stop) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
}

struct ordex_arena *ordex_arena_new(size_t chunk)
{
	struct ordex_arena *a = ordex_xmalloc(sizeof(*a));
	if (chunk < 256)
		chunk = 256;
	a->chunk = chunk;
	a->first = a->head = block_new(chunk);
	a->big = NULL;
	a->total = 0;
	return a;
}

void ordex_arena_free(struct ordex_arena *a)
{
	if (!a)
		return;
	free_chain(a->head, NULL);
	free_chain(a->big, NULL);
	free(a);
}

void ordex_arena_reset(struct ordex_arena *a)
{
	free_chain(a->head, a->first);
	free_chain(a->big, NULL);
	a->head = a->first;
	a->big = NULL;
	a->first->used = 0;
	a->total = 0;
}

struct ordex_arena_mark ordex_arena_mark(const struct ordex_arena *a)
{
	return (struct ordex_arena_mark){a->head, a->big, a->head->used, a->total};
}

void ordex_arena_rewind(struct ordex_arena *a, struct ordex_arena_mark m)
{
	free_chain(a->head, m.head);
	free_chain(a->big, m.big);
	a->head = (struct block *)m.head;
	a->big = (struct block *)m.big;
	a->head->used = m.used;
	a->total = m.total;
}

void *ordex_arena_alloc(struct ordex_arena *a, size_t n)
{
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (need < n)
		abort();
	a->total += need;
	if (need > a->chunk / 4) {
		struct block *b = block_new(need);
		b->used = need;
		b->next = a->big;
		a->big = b;
		return b->data;
	}
	struct block *h = a->head;
	if (h->size - h->used < need) {
		/* grow with use, so a large batch does not walk many small blocks */
		size_t size = a->chunk;
		while (size < a->total / 2 && size < ((size_t)1 << 24))
			size *= 2;
		h = block_new(size);
		h->next = a->head;
		a->head = h;
	}
	void *p = h->data + h->used;
	h->used += need;
	return p;
}

void *ordex_arena_zalloc(struct ordex_arena *a, size_t n)
{
	void *p = ordex_arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

char *ordex_arena_strndup(struct ordex_arena *a, const char *s, size_t n)
{
	char *p = ordex_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ordex_arena_strdup(struct ordex_arena *a, const char *s)
{
	return ordex_arena_strndup(a, s, strlen(s));
}

char *ordex_arena_printf(struct ordex_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	char *p = ordex_arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t ordex_arena_used(const struct ordex_arena *a)
{
	return a->total;
}
