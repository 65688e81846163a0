/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.h - region allocator for requests and jobs.
 *
 * Everything a request or a writer batch allocates comes from one arena and
 * is released at once by ordex_arena_free() or ordex_arena_reset(). Blocks
 * grow geometrically; a large allocation gets a block of its own. Allocation
 * aborts on out-of-memory (sizes an outsider controls are bounded before they
 * reach an arena). An arena belongs to one thread at a time.
 */
#ifndef ORDEX_ARENA_H
#define ORDEX_ARENA_H

#include <stddef.h>

struct ordex_arena;

/* Returns a new arena whose first block holds at least chunk bytes. */
struct ordex_arena *ordex_arena_new(size_t chunk);
/* Frees the arena and everything allocated from it; NULL does nothing. */
void ordex_arena_free(struct ordex_arena *a);
/* Releases every allocation but keeps the first block for reuse. */
void ordex_arena_reset(struct ordex_arena *a);

/* A point to come back to: see ordex_arena_rewind. */
struct ordex_arena_mark {
	const void *head, *big;
	size_t used, total;
};

struct ordex_arena_mark ordex_arena_mark(const struct ordex_arena *a);
/*
 * Releases everything allocated since m was taken (and frees the blocks
 * that came with it), keeping what was allocated before: for a loop whose
 * rounds each need memory only until the round ends. No reset may come
 * between the mark and its rewind.
 */
void ordex_arena_rewind(struct ordex_arena *a, struct ordex_arena_mark m);

/* Returns n bytes aligned for any type; never NULL. */
void *ordex_arena_alloc(struct ordex_arena *a, size_t n);
/* Returns n zeroed bytes; never NULL. */
void *ordex_arena_zalloc(struct ordex_arena *a, size_t n);
/* Copies n bytes of s and a NUL terminator into the arena. */
char *ordex_arena_strndup(struct ordex_arena *a, const char *s, size_t n);
char *ordex_arena_strdup(struct ordex_arena *a, const char *s);
/* printf into the arena. */
char *ordex_arena_printf(struct ordex_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Bytes handed out since the last reset (for limits and metrics). */
size_t ordex_arena_used(const struct ordex_arena *a);

#endif
