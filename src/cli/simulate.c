/* SPDX-License-Identifier: Apache-2.0 */
/*
 * simulate.c - ordex simulate: a deterministic stream of realistic
 * canonical events (NDJSON on standard output), for demos and benchmarks.
 *
 * Orders arrive a few seconds apart over a catalogue of SKUs. Each order
 * draws its story from a private PRNG (xoshiro256** seeded by splitmix64;
 * never rand(), so the same seed gives the same bytes on every libc):
 * payments (mostly captured, some failing, some waiting for 3-D Secure,
 * a few held for risk review), fraud signals, shipments with carrier scans
 * (some late against promised_at, some exceptions and failed attempts),
 * cancellations, support tickets. Stock levels open the stream, a few
 * SKUs short, and are restated now and then.
 *
 * The events of an order lie days apart, so they wait in a min-heap by
 * time and leave it once the clock of order arrivals passes them. On the
 * way out they go through a small window from which a random line is
 * taken (bounded disorder: a line moves at most WINDOW places), and about
 * one line in twenty is put back into the window once more (an exact
 * duplicate, as a provider's retry would send).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/common.h"
#include "core/timeutil.h"

#define WINDOW     24
#define N_SKUS     240
#define DUP_PER_1K 50
#define SEC        1000000LL
#define HOUR       (3600 * SEC)
#define DAY        (24 * HOUR)

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n). */
static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? (uint64_t)(((unsigned __int128)next(r) * n) >> 64) : 0;
}

/* True with probability per_mille / 1000. */
static bool chance(struct rng *r, unsigned per_mille)
{
	return below(r, 1000) < per_mille;
}

/* ---- the pending heap: events ordered by (time, sequence) -------------- */

struct pending {
	int64_t at;
	uint64_t seq;
	char *line;
};

struct heap {
	struct pending *v;
	size_t n, cap;
};

static bool before(const struct pending *a, const struct pending *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_push(struct heap *h, struct pending p)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->v = ordex_xrealloc(h->v, h->cap * sizeof(*h->v));
	}
	size_t i = h->n++;
	while (i && before(&p, &h->v[(i - 1) / 2])) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = p;
}

static struct pending heap_pop(struct heap *h)
{
	struct pending top = h->v[0], last = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(&h->v[c + 1], &h->v[c]))
			c++;
		if (!before(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

/* ---- the generator ----------------------------------------------------- */

struct sim {
	struct rng r;   /* the story of each order */
	struct rng out; /* disorder and duplicates on the way out */
	uint64_t seed;
	uint64_t n_events; /* ids and heap order */
	struct heap heap;
	char *window[WINDOW];
	int in_window;
	int64_t price[N_SKUS];
	uint64_t written;
};

static void emit_line(struct sim *s, char *line)
{
	fputs(line, stdout);
	s->written++;
	free(line);
}

/* Into the window; when full, a random line of it leaves. */
static void out_push(struct sim *s, char *line)
{
	if (s->in_window == WINDOW) {
		uint64_t k = below(&s->out, WINDOW);
		char *leaving = s->window[k];
		s->window[k] = line;
		if (chance(&s->out, DUP_PER_1K)) {
			/* a retry of the same delivery, a few lines later */
			size_t n = strlen(leaving) + 1;
			char *again = ordex_xmalloc(n);
			memcpy(again, leaving, n);
			uint64_t j = below(&s->out, WINDOW);
			emit_line(s, s->window[j]);
			s->window[j] = again;
		}
		emit_line(s, leaving);
		return;
	}
	s->window[s->in_window++] = line;
}

static void out_flush(struct sim *s)
{
	while (s->in_window > 0) {
		uint64_t k = below(&s->out, (uint64_t)s->in_window);
		char *line = s->window[k];
		s->window[k] = s->window[--s->in_window];
		emit_line(s, line);
	}
}

static void release_until(struct sim *s, int64_t t)
{
	while (s->heap.n && s->heap.v[0].at <= t)
		out_push(s, heap_pop(&s->heap).line);
}

/*
 * Queues one event at time at (shown in the zone off minutes east of UTC).
 * data is the inside of the data object, without braces.
 */
static void ev(struct sim *s, const char *source, const char *type, int64_t at, int off,
               const char *order, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void ev(struct sim *s, const char *source, const char *type, int64_t at, int off,
               const char *order, const char *fmt, ...)
{
	char data[1536], when[ORDEX_TIME_MAX_LEN], ord[96] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(data, sizeof(data), fmt, ap);
	va_end(ap);
	ordex_time_format(at - at % SEC, off, when);
	if (order)
		snprintf(ord, sizeof(ord), ",\"order\":\"%s\"", order);
	uint64_t n = s->n_events++;
	char *line = ordex_xmalloc(2048);
	snprintf(line, 2048,
	         "{\"id\":\"sim%llu-%llu\",\"source\":\"%s\",\"type\":\"%s\","
	         "\"occurred_at\":\"%s\"%s,\"data\":{%s}}\n",
	         (unsigned long long)s->seed, (unsigned long long)n, source, type, when, ord, data);
	heap_push(&s->heap, (struct pending){at, n, line});
}

static void money(int64_t minor, char *out, size_t n)
{
	snprintf(out, n, "\"%lld.%02lld\"", (long long)(minor / 100), (long long)(minor % 100));
}

static const char *const cities[] = {"Lisbon",  "Porto",   "Austin", "Denver",
                                     "Chicago", "Seattle", "Boston", "Atlanta"};
static const char *const carriers[] = {"ups", "fedex", "usps", "dhl"};
static const int zones[] = {-300, -360, -420, -480, 0, 60};

static void stock(struct sim *s, int64_t at, int sku, int available)
{
	ev(s, "wms", "inventory.level", at, 0, NULL,
	   "\"sku\":\"SKU-%04d\",\"location\":\"wh-east\",\"available\":%d", sku, available);
}

/* The whole story of order i, placed at t. */
static void order_story(struct sim *s, uint64_t i, int64_t t)
{
	struct rng *r = &s->r;
	char ref[40], cust[32], total_s[32], amt[32], lines[1024];
	snprintf(ref, sizeof(ref), "S%llu-%llu", (unsigned long long)s->seed,
	         (unsigned long long)i);
	uint64_t cid = below(r, 1 + i / 2 + 50);
	snprintf(cust, sizeof(cust), "cus_%llu", (unsigned long long)cid);
	int off = zones[below(r, ORDEX_ARRAY_LEN(zones))];
	int n_lines = 1 + (int)below(r, 4);
	int64_t total = 0;
	size_t len = 0;
	for (int l = 0; l < n_lines; l++) {
		/* a few SKUs sell much more than the rest */
		int sku = chance(r, 300) ? (int)below(r, 12) : (int)below(r, N_SKUS);
		int qty = 1 + (int)below(r, chance(r, 100) ? 6 : 2);
		int64_t p = s->price[sku];
		total += p * qty;
		char ps[32];
		money(p, ps, sizeof(ps));
		len += (size_t)snprintf(lines + len, sizeof(lines) - len,
		                        "%s{\"id\":\"L%d\",\"sku\":\"SKU-%04d\",\"qty\":%d,"
		                        "\"price\":%s}",
		                        l ? "," : "", l + 1, sku, qty, ps);
	}
	money(total, total_s, sizeof(total_s));
	int64_t promised = t + (2 + (int64_t)below(r, 3)) * DAY;
	char prom[ORDEX_TIME_MAX_LEN];
	ordex_time_format(promised - promised % SEC, off, prom);
	const char *city = cities[below(r, ORDEX_ARRAY_LEN(cities))];
	char tz[16];
	snprintf(tz, sizeof(tz), "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
	ev(s, "shop", "order.created", t, off, ref,
	   "\"version\":1,\"status\":\"open\",\"financial_status\":\"pending\",\"total\":%s,"
	   "\"currency\":\"USD\",\"customer\":\"%s\",\"email\":\"%s@example.com\","
	   "\"lines\":[%s],\"shipping_address\":{\"line1\":\"%llu Main St\",\"city\":\"%s\","
	   "\"country\":\"US\"},\"promised_at\":\"%s\",\"time_zone\":\"%s\"",
	   total_s, cust, cust, lines, (unsigned long long)(1 + below(r, 9000)), city, prom, tz);

	/* payment: most captured, some failing, some 3-D Secure, some review */
	char pay[64];
	snprintf(pay, sizeof(pay), "pi_%s", ref);
	money(total, amt, sizeof(amt));
	int64_t pt = t + (int64_t)(5 + below(r, 120)) * SEC;
	bool paid = true;
	uint64_t roll = below(r, 1000);
	if (roll < 70) {
		ev(s, "psp", "payment.failed", pt, 0, ref,
		   "\"payment\":\"%s\",\"amount\":%s,\"currency\":\"USD\",\"reason\":\"%s\"", pay,
		   amt, chance(r, 500) ? "card_declined" : "insufficient_funds");
		paid = chance(r, 400);
		if (paid) {
			snprintf(pay, sizeof(pay), "pi_%s_r", ref);
			pt += (int64_t)(1 + below(r, 20)) * HOUR;
		}
	} else if (roll < 120) {
		ev(s, "psp", "payment.requires_action", pt, 0, ref,
		   "\"payment\":\"%s\",\"amount\":%s,\"currency\":\"USD\",\"reason\":\"3ds\"", pay,
		   amt);
		paid = chance(r, 600);
		pt += (int64_t)(2 + below(r, 30)) * 60 * SEC;
	} else if (roll < 160) {
		ev(s, "psp", "payment.pending", pt, 0, ref,
		   "\"payment\":\"%s\",\"amount\":%s,\"currency\":\"USD\"", pay, amt);
		pt += (int64_t)(1 + below(r, 6)) * HOUR;
	}
	bool review = paid && chance(r, 30);
	if (paid) {
		if (review)
			ev(s, "psp", "payment.authorized", pt, 0, ref,
			   "\"payment\":\"%s\",\"amount\":%s,\"currency\":\"USD\","
			   "\"risk\":{\"decision\":\"review\",\"score\":%d}",
			   pay, amt, 70 + (int)below(r, 25));
		else
			ev(s, "psp", "payment.authorized", pt, 0, ref,
			   "\"payment\":\"%s\",\"amount\":%s,\"currency\":\"USD\","
			   "\"risk\":{\"decision\":\"accept\",\"score\":%d}",
			   pay, amt, (int)below(r, 40));
		if (!review)
			ev(s, "psp", "payment.captured", pt + (int64_t)below(r, 600) * SEC, 0, ref,
			   "\"payment\":\"%s\",\"amount\":%s,\"currency\":\"USD\"", pay, amt);
	}

	/* fraud screening on a few orders; some above the threshold */
	if (chance(r, 60)) {
		int score = (int)below(r, 100);
		ev(s, "fraud", "fraud.signal", t + 30 * SEC, 0, ref,
		   "\"score\":%d,\"kind\":\"velocity\"%s", score,
		   score > 85 ? ",\"recommendation\":\"review\",\"severity\":\"high\"" : "");
	}
	if (chance(r, 15))
		ev(s, "addr", "address.invalid", t + 60 * SEC, 0, ref,
		   "\"reason\":\"street number not found\"");
	if (chance(r, 20)) {
		ev(s, "shop", "order.cancelled", t + (int64_t)(1 + below(r, 10)) * HOUR, off, ref,
		   "\"reason\":\"customer\"");
		return;
	}
	if (!paid || review)
		return;

	/* the parcel: label, scans, and how it ends */
	char shp[64], trk[32];
	snprintf(shp, sizeof(shp), "shp_%s", ref);
	snprintf(trk, sizeof(trk), "1Z%012llu", (unsigned long long)below(r, 1000000000000ULL));
	const char *carrier = carriers[below(r, ORDEX_ARRAY_LEN(carriers))];
	int64_t st = pt + (int64_t)(4 + below(r, 30)) * HOUR;
	char eta[ORDEX_TIME_MAX_LEN];
	bool late = chance(r, 100);
	int64_t deliver = late ? promised + (int64_t)(6 + below(r, 60)) * HOUR
	                       : promised - (int64_t)(2 + below(r, 30)) * HOUR;
	if (deliver < st + 6 * HOUR)
		deliver = st + 6 * HOUR;
	ordex_time_format(deliver - deliver % SEC, 0, eta);
	ev(s, "carrier", "shipment.created", st, 0, ref,
	   "\"shipment\":\"%s\",\"carrier\":\"%s\",\"tracking\":\"%s\",\"status\":\"label_"
	   "created\"",
	   shp, carrier, trk);
	int64_t scan = st + (int64_t)(2 + below(r, 10)) * HOUR;
	ev(s, "carrier", "shipment.updated", scan, 0, ref,
	   "\"shipment\":\"%s\",\"status\":\"in_transit\",\"location\":\"%s hub\",\"eta\":\"%s\"",
	   shp, cities[below(r, ORDEX_ARRAY_LEN(cities))], eta);
	uint64_t end = below(r, 1000);
	if (end < 30) {
		ev(s, "carrier", "shipment.updated", scan + 12 * HOUR, 0, ref,
		   "\"shipment\":\"%s\",\"status\":\"exception\",\"reason\":\"damaged in transit\"",
		   shp);
		if (chance(r, 500))
			return;
	} else if (end < 50) {
		ev(s, "carrier", "shipment.updated", deliver - 2 * HOUR, 0, ref,
		   "\"shipment\":\"%s\",\"status\":\"failed_attempt\",\"reason\":\"no one home\"",
		   shp);
		deliver += DAY;
	}
	ev(s, "carrier", "shipment.updated", deliver - 3 * HOUR, 0, ref,
	   "\"shipment\":\"%s\",\"status\":\"out_for_delivery\",\"location\":\"%s\"", shp, city);
	if (chance(r, 8)) {
		ev(s, "carrier", "shipment.updated", deliver + DAY, 0, ref,
		   "\"shipment\":\"%s\",\"status\":\"lost\"", shp);
		return;
	}
	ev(s, "carrier", "shipment.updated", deliver, 0, ref,
	   "\"shipment\":\"%s\",\"status\":\"delivered\",\"location\":\"%s\"", shp, city);

	/* support: late parcels draw tickets */
	if (chance(r, late ? 400 : 25)) {
		char tk[64];
		snprintf(tk, sizeof(tk), "tk_%s", ref);
		ev(s, "desk", "ticket.created", deliver + 2 * HOUR, 0, ref,
		   "\"ticket\":\"%s\",\"subject\":\"Where is my order %s?\",\"status\":\"open\","
		   "\"requester_email\":\"%s@example.com\"",
		   tk, ref, cust);
		ev(s, "desk", "ticket.updated", deliver + 20 * HOUR, 0, ref,
		   "\"ticket\":\"%s\",\"status\":\"solved\"", tk);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: ordex simulate --orders N [--seed S] [--start RFC3339]\n"
	                "writes canonical events (NDJSON) to standard output\n");
}

int ordex_cmd_simulate(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"orders", required_argument, NULL, 'n'},
	    {"seed", required_argument, NULL, 's'},
	    {"start", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	long long orders = -1;
	unsigned long long seed = 1;
	const char *start = "2025-03-01T08:00:00Z";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': orders = atoll(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 't': start = optarg; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (orders < 0 || orders > 100000000) {
		fprintf(stderr, "ordex: simulate needs --orders N (0 to 100000000)\n");
		return 2;
	}
	int64_t t;
	int off;
	if (ordex_time_parse(start, strlen(start), &t, &off) != ORDEX_OK) {
		fprintf(stderr, "ordex: invalid --start \"%s\": expected RFC 3339 with an offset\n",
		        start);
		return 2;
	}
	struct sim *s = ordex_xcalloc(1, sizeof(*s));
	s->seed = seed;
	rng_seed(&s->r, seed);
	rng_seed(&s->out, seed ^ 0x5bd1e995u);
	for (int k = 0; k < N_SKUS; k++)
		s->price[k] = 199 + (int64_t)below(&s->r, 30000);
	/* opening stock: most SKUs plentiful, a few short */
	for (int k = 0; k < N_SKUS; k++)
		stock(s, t - HOUR, k,
		      chance(&s->r, 60) ? (int)below(&s->r, 3) : 200 + (int)below(&s->r, 2000));
	for (long long i = 0; i < orders; i++) {
		t += (int64_t)(1 + below(&s->r, 8)) * SEC;
		release_until(s, t);
		order_story(s, (uint64_t)i, t);
		if (i % 500 == 499) {
			/* a restock count, now and then one SKU runs dry */
			for (int k = 0; k < 6; k++)
				stock(s, t, (int)below(&s->r, N_SKUS),
				      chance(&s->r, 200) ? 0 : 50 + (int)below(&s->r, 1000));
		}
	}
	release_until(s, INT64_MAX);
	out_flush(s);
	free(s->heap.v);
	free(s);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ordex: could not write to standard output\n");
		return 1;
	}
	return 0;
}
