/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ratelimit.c - the token bucket of ratelimit.h.
 */
#include "http/ratelimit.h"

static void refill(struct ordex_bucket *b, const struct ordex_rate *r, int64_t now)
{
	if (!b->at) {
		b->tokens = r->burst;
		b->at = now;
		return;
	}
	if (now > b->at) {
		b->tokens += (double)(now - b->at) / 1e6 * r->rate;
		if (b->tokens > r->burst)
			b->tokens = r->burst;
		b->at = now;
	}
}

enum ordex_take ordex_bucket_peek(struct ordex_bucket *b, const struct ordex_rate *r, int64_t now,
                                  double cost, double *remaining, double *wait_s)
{
	*wait_s = 0;
	if (r->rate <= 0) {
		*remaining = -1;
		return ORDEX_TAKE_OK;
	}
	refill(b, r, now);
	*remaining = b->tokens;
	if (cost > r->burst)
		return ORDEX_TAKE_NEVER;
	if (b->tokens >= cost)
		return ORDEX_TAKE_OK;
	*wait_s = (cost - b->tokens) / r->rate;
	return ORDEX_TAKE_WAIT;
}

enum ordex_take ordex_bucket_take(struct ordex_bucket *b, const struct ordex_rate *r, int64_t now,
                                  double cost, double *remaining, double *wait_s)
{
	enum ordex_take t = ordex_bucket_peek(b, r, now, cost, remaining, wait_s);
	if (t == ORDEX_TAKE_OK && r->rate > 0) {
		b->tokens -= cost;
		*remaining = b->tokens;
	}
	return t;
}
