/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ratelimit.h - token buckets: each credential and each tenant may spend
 * `rate` tokens a second, saved up to `burst`. A request costs one token,
 * a batch of events one per event; a cost is taken whole or not at all, so
 * a limited batch is refused whole, never half applied.
 */
#ifndef ORDEX_RATELIMIT_H
#define ORDEX_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ordex_bucket {
	double tokens;
	int64_t at; /* µs of the last refill; 0: new (full) */
};

struct ordex_rate {
	double rate;  /* tokens a second; <= 0: unlimited */
	double burst; /* capacity */
};

enum ordex_take {
	ORDEX_TAKE_OK,
	ORDEX_TAKE_WAIT,  /* not now: *wait_s says when */
	ORDEX_TAKE_NEVER, /* more than the burst: it can never pass whole */
};

/*
 * Refills b to now and takes cost if it is there. *remaining is what is
 * left (or there, when refused); *wait_s how long until cost would fit.
 */
enum ordex_take ordex_bucket_take(struct ordex_bucket *b, const struct ordex_rate *r, int64_t now,
                                  double cost, double *remaining, double *wait_s);
/* Whether cost would fit now, without taking it (for taking from two at once). */
enum ordex_take ordex_bucket_peek(struct ordex_bucket *b, const struct ordex_rate *r, int64_t now,
                                  double cost, double *remaining, double *wait_s);

#endif
