/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_core.c - the arena and the bounded buffer: alignment, growth,
 * large allocations, reset; limits that fail whole and stick.
 */
#include "testutil.h"

#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "http/ratelimit.h"

static void arena_allocations_are_aligned_and_distinct(void **state)
{
	struct ordex_arena *a = ordex_arena_new(256);
	char *prev = NULL;
	for (int i = 1; i < 500; i++) {
		char *p = ordex_arena_alloc(a, (size_t)(i % 37) + 1);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, 0xAB, (size_t)(i % 37) + 1);
		assert_ptr_not_equal(p, prev);
		prev = p;
	}
	ordex_arena_free(a);
}

static void arena_large_allocation_gets_its_own_block(void **state)
{
	struct ordex_arena *a = ordex_arena_new(1024);
	char *small1 = ordex_arena_alloc(a, 16);
	char *big = ordex_arena_alloc(a, 1 << 20);
	memset(big, 1, 1 << 20);
	char *small2 = ordex_arena_alloc(a, 16);
	/* the small ones still come from the first block, side by side */
	assert_int_equal(small2 - small1, 16);
	assert_true(ordex_arena_used(a) >= (1 << 20) + 32);
	ordex_arena_free(a);
}

static void arena_reset_releases_everything_but_keeps_working(void **state)
{
	struct ordex_arena *a = ordex_arena_new(512);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 1000; i++)
			memset(ordex_arena_alloc(a, 100), i & 0xff, 100);
		ordex_arena_alloc(a, 100000);
		ordex_arena_reset(a);
		assert_int_equal(ordex_arena_used(a), 0);
	}
	ordex_arena_free(a);
	ordex_arena_free(NULL);
}

/*
 * A rewind gives back what came after its mark, blocks included, and keeps
 * what came before: rounds of a loop that each allocate megabytes leave
 * the arena where it was, and the earlier strings intact.
 */
static void arena_rewind_keeps_the_earlier_and_frees_the_later(void **state)
{
	struct ordex_arena *a = ordex_arena_new(256);
	char *keep = ordex_arena_strdup(a, "kept before the mark");
	size_t used = ordex_arena_used(a);
	for (int round = 0; round < 5; round++) {
		struct ordex_arena_mark m = ordex_arena_mark(a);
		for (int i = 0; i < 2000; i++)
			memset(ordex_arena_alloc(a, 200), 0xEE, 200); /* new blocks */
		memset(ordex_arena_alloc(a, 1 << 20), 0xEE, 1 << 20); /* a big one */
		assert_true(ordex_arena_used(a) > used + (1 << 20));
		ordex_arena_rewind(a, m);
		assert_int_equal(ordex_arena_used(a), used);
		assert_string_equal(keep, "kept before the mark");
		/* the next allocation continues right after the kept string */
		char *next = ordex_arena_alloc(a, 16);
		assert_true(next > keep && next - keep <= 32);
		ordex_arena_rewind(a, m);
	}
	ordex_arena_free(a);
}

static void arena_strings_are_copied_and_terminated(void **state)
{
	struct ordex_arena *a = ordex_arena_new(256);
	char src[] = "order-1001-extra";
	char *s = ordex_arena_strndup(a, src, 10);
	src[0] = 'X';
	assert_string_equal(s, "order-1001");
	assert_string_equal(ordex_arena_printf(a, "%s/%d", "a", 7), "a/7");
	char *z = ordex_arena_zalloc(a, 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(z[i], 0);
	ordex_arena_free(a);
}

/* A token bucket: full at first, refilled by time up to its burst, a cost
 * taken whole or not at all, and told how long to wait. */
static void bucket_takes_whole_costs_and_refills_with_time(void **state)
{
	struct ordex_bucket b = {0};
	struct ordex_rate r = {.rate = 10, .burst = 10};
	double left, wait;
	int64_t t = 1000000;
	assert_int_equal(ordex_bucket_take(&b, &r, t, 8, &left, &wait), ORDEX_TAKE_OK);
	assert_true(left > 1.99 && left < 2.01);
	/* 5 do not fit in 2: nothing is taken, 0.3 s to wait */
	assert_int_equal(ordex_bucket_take(&b, &r, t, 5, &left, &wait), ORDEX_TAKE_WAIT);
	assert_true(left > 1.99 && left < 2.01);
	assert_true(wait > 0.29 && wait < 0.31);
	/* after 0.3 s they do */
	assert_int_equal(ordex_bucket_take(&b, &r, t + 300000, 5, &left, &wait), ORDEX_TAKE_OK);
	assert_true(left > -0.01 && left < 0.01);
	/* a long pause refills to the burst, no more */
	assert_int_equal(ordex_bucket_peek(&b, &r, t + 60000000, 1, &left, &wait), ORDEX_TAKE_OK);
	assert_true(left > 9.99 && left < 10.01);
	/* more than the burst never fits */
	assert_int_equal(ordex_bucket_take(&b, &r, t + 60000000, 11, &left, &wait),
	                 ORDEX_TAKE_NEVER);
	/* no rate: no limit */
	struct ordex_rate none = {0, 0};
	assert_int_equal(ordex_bucket_take(&b, &none, t, 1e6, &left, &wait), ORDEX_TAKE_OK);
}

static void buf_appends_and_stays_terminated(void **state)
{
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ordex_buf_printf(&b, "%d,", i), ORDEX_OK);
	assert_int_equal(b.data[b.len], '\0');
	assert_true(strncmp(b.data, "0,1,2,", 6) == 0);
	assert_int_equal(ordex_buf_putc(&b, 'x'), ORDEX_OK);
	assert_int_equal(b.data[b.len - 1], 'x');
	size_t n;
	char *p = ordex_buf_steal(&b, &n);
	assert_int_equal(strlen(p), n);
	assert_null(b.data);
	free(p);
}

static void buf_limit_fails_whole_and_sticks(void **state)
{
	struct ordex_buf b;
	ordex_buf_init(&b, 10);
	assert_int_equal(ordex_buf_puts(&b, "12345678"), ORDEX_OK);
	assert_int_equal(ordex_buf_puts(&b, "abc"), ORDEX_E_TOOBIG);
	assert_int_equal(b.len, 8); /* nothing of the failed append */
	assert_string_equal(b.data, "12345678");
	assert_int_equal(ordex_buf_putc(&b, 'z'), ORDEX_E_TOOBIG); /* it sticks */
	assert_int_equal(b.err, ORDEX_E_TOOBIG);
	ordex_buf_reset(&b);
	assert_int_equal(ordex_buf_puts(&b, "ok"), ORDEX_OK);
	ordex_buf_free(&b);
}

static void buf_large_printf_goes_through_the_slow_path(void **state)
{
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	char big[1000];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ordex_buf_printf(&b, "<%s>", big), ORDEX_OK);
	assert_int_equal(b.len, 1001);
	assert_int_equal(b.data[0], '<');
	assert_int_equal(b.data[1000], '>');
	ordex_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(arena_allocations_are_aligned_and_distinct),
	    cmocka_unit_test(arena_large_allocation_gets_its_own_block),
	    cmocka_unit_test(arena_reset_releases_everything_but_keeps_working),
	    cmocka_unit_test(arena_rewind_keeps_the_earlier_and_frees_the_later),
	    cmocka_unit_test(arena_strings_are_copied_and_terminated),
	    cmocka_unit_test(bucket_takes_whole_costs_and_refills_with_time),
	    cmocka_unit_test(buf_appends_and_stays_terminated),
	    cmocka_unit_test(buf_limit_fails_whole_and_sticks),
	    cmocka_unit_test(buf_large_printf_goes_through_the_slow_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
