/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c - libmicrohttpd glue: request lifecycle, limits, credentials,
 * per-thread read connections, suspension while the writer commits, and
 * a graceful stop.
 *
 * Lifecycle of one request (MHD calls the access handler repeatedly):
 *   1st call      allocate struct ordex_req; refuse a declared body over
 *                 the limit with 413 at once
 *   upload calls  append to a bounded buffer; past the limit the rest is
 *                 discarded and the answer will be 413
 *   last call     authenticate, route, run the handler; a handler that
 *                 submits to the writer suspends the connection
 *   resumed call  the continuation builds the response
 * The request (and its arena) is freed by the completion callback.
 */
#include "http/server.h"
#include "http/ratelimit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "authz/authz.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/sha256.h"
#include "core/timeutil.h"
#include "core/vault.h"
#include "ingest/writer.h"
#include "workflow/timers.h"
#include "writeback/worker.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT_T;
#else
typedef enum MHD_Result MHD_RESULT_T;
#endif

#define KEY_CACHE  64
#define KEY_TTL_US (5 * 1000000LL)

struct cached_key {
	unsigned char hash[32];
	struct ordex_key_info info;
	int64_t expires;
	int64_t touched; /* its use last recorded (ordex_writer_touch) */
	bool used;
};

/* A credential's last use is recorded at most this often. */
#define TOUCH_EVERY_US (60 * INT64_C(1000000))

/* Rate buckets by credential (id > 0) and tenant (id < 0), direct-mapped:
 * a collision starts the newcomer's bucket full and forgets the other's. */
#define BUCKETS 4096 /* a power of two */
#define PROBE   16
struct rate_slot {
	int64_t id;
	struct ordex_bucket b;
	int64_t horizon; /* µs idle after which the bucket is full again */
};

/* A dead credential's last recorded use, to record at most one a minute. */
struct dead_slot {
	int64_t id;
	int64_t recorded_at;
	int64_t unrecorded; /* uses since, answered but not recorded */
};
#define DEAD_SLOTS    1024
#define DEAD_EVERY_US (60 * INT64_C(1000000))

struct ordex_server {
	struct ordex_server_config cfg;
	struct rate_slot buckets[BUCKETS];
	/* what is spent before anyone is known (sign-ins, connectors): a table
	 * of its own, at positions a caller cannot choose (a keyed hash) */
	struct rate_slot pre[BUCKETS];
	unsigned char pre_key[crypto_generichash_KEYBYTES];
	struct dead_slot dead[DEAD_SLOTS];
	/* credentials nobody has, recorded in the operator's log: this minute's count */
	int64_t unknown_minute;
	int unknown_recorded;
	uint64_t key_gen;                        /* under mu: bumped by every forget_keys */
	char api_metric[ORDEX_OP_COUNT + 1][48]; /* "api.<operation>", counted per call */
	struct ordex_req_limits limits;
	struct MHD_Daemon *d;
	struct ordex_writer *writer;
	struct ordex_clock *clock;        /* fires durable timers through the writer */
	struct ordex_deliverer *delivery; /* sends the outbox */

	pthread_key_t reader_key;
	pthread_mutex_t mu;
	struct cached_key keys[KEY_CACHE];
	atomic_int in_flight;
	int port;
	struct ordex_vault vault;
	atomic_bool listening;
	char start_error[256]; /* what libmicrohttpd said while starting */
};

/*
 * libmicrohttpd's own messages: kept while the daemon starts (to explain a
 * failure in ordex's words), printed with a prefix afterwards.
 */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct ordex_server *s = cls;
	if (!atomic_load(&s->listening)) {
		vsnprintf(s->start_error, sizeof(s->start_error), fmt, ap);
		s->start_error[strcspn(s->start_error, "\n")] = '\0';
		return;
	}
	char m[512];
	vsnprintf(m, sizeof(m), fmt, ap);
	fprintf(stderr, "ordex: http: %s%s", m, strchr(m, '\n') ? "" : "\n");
}

struct ordex_req {
	struct ordex_server *srv;
	struct MHD_Connection *conn;
	struct ordex_arena *a;
	struct ordex_buf body;
	bool too_big;
	bool started; /* the handler ran */
	bool resumed; /* the writer finished */
	const char *method;
	const char *path;
	const char *rest;
	struct ordex_scope scope;
	char env[16];
	char role[32];
	struct ordex_principal principal;
	char actor[80];
	struct ordex_key_info key; /* the authenticated key (or a session's person) */
	bool csrf_failed;          /* a session's state-changing request without its token */
	const char *dead;          /* why a credential that exists no longer works, or NULL */
	int64_t session_id;        /* signed in with a session: its id; else 0 */
	struct ordex_response resp;
	struct ordex_batch *batch;
	void (*then)(struct ordex_req *rq, struct ordex_batch *b);
};

/* ---- the handler API --------------------------------------------------- */

struct ordex_arena *ordex_req_arena(struct ordex_req *rq)
{
	return rq->a;
}

struct ordex_response *ordex_req_response(struct ordex_req *rq)
{
	return &rq->resp;
}

const char *ordex_req_method(struct ordex_req *rq)
{
	return rq->method;
}

const char *ordex_req_path(struct ordex_req *rq)
{
	return rq->path;
}

const char *ordex_req_path_rest(struct ordex_req *rq)
{
	return rq->rest;
}

const char *ordex_req_header(struct ordex_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

int64_t ordex_req_credential_end(struct ordex_req *rq)
{
	int64_t e = rq->key.expires_at, r = rq->key.revoked_at;
	return !e ? r : !r ? e : e < r ? e : r;
}

int64_t ordex_req_session_id(struct ordex_req *rq)
{
	return rq->session_id;
}

const char *ordex_req_cookie(struct ordex_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, name);
}

bool ordex_req_secure(struct ordex_req *rq)
{
	const char *p = ordex_req_header(rq, "X-Forwarded-Proto");
	return p && !strcasecmp(p, "https");
}

const char *ordex_req_query(struct ordex_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *ordex_req_body(struct ordex_req *rq, size_t *len)
{
	*len = rq->body.len;
	return rq->body.data ? rq->body.data : "";
}

const struct ordex_scope *ordex_req_scope(struct ordex_req *rq)
{
	return &rq->scope;
}

/*
 * The bucket of a credential or tenant: open addressing over a short probe
 * window. A live bucket is never taken over; a slot is reused only when it
 * is free or its own bucket has been idle long enough to be full again (so
 * forgetting it gives nothing away), else the least recently used of the
 * window (only when more credentials are active at once than the window
 * holds). horizon is how long this bucket takes to fill from empty.
 */
static struct ordex_bucket *bucket(struct rate_slot *table, int64_t id, int64_t now,
                                   int64_t horizon)
{
	uint64_t h = (uint64_t)id * UINT64_C(0x9E3779B97F4A7C15);
	size_t start = (size_t)(h >> 52) & (BUCKETS - 1), pick = BUCKETS;
	for (size_t i = 0; i < PROBE; i++) {
		struct rate_slot *slot = &table[(start + i) & (BUCKETS - 1)];
		if (slot->id == id)
			return &slot->b;
		bool reusable = !slot->id || now - slot->b.at >= slot->horizon;
		if (pick == BUCKETS && reusable)
			pick = (start + i) & (BUCKETS - 1);
	}
	if (pick == BUCKETS) { /* all live: the least recently used */
		pick = start;
		for (size_t i = 1; i < PROBE; i++) {
			size_t j = (start + i) & (BUCKETS - 1);
			if (table[j].b.at < table[pick].b.at)
				pick = j;
		}
	}
	table[pick].id = id;
	table[pick].b = (struct ordex_bucket){0};
	table[pick].horizon = horizon;
	return &table[pick].b;
}

static int64_t horizon_of(const struct ordex_rate *r)
{
	return r->rate > 0 ? (int64_t)(r->burst / r->rate * 1e6) + 1 : 0;
}

/* Bucket ids of what comes before authentication, in their own table. */
#define SIGNIN_NAME_BUCKET (INT64_C(1) << 60)
#define SIGNIN_ADDR_BUCKET (INT64_C(2) << 60)
#define CONNECTOR_BUCKET   (INT64_C(3) << 60)

/* A keyed hash of the parts (each with its length, so none runs into the next). */
static int64_t pre_bucket_of(struct ordex_server *s, int64_t range, const void *const *parts,
                             const size_t *lens, int n)
{
	crypto_generichash_state st;
	unsigned char h[8];
	crypto_generichash_init(&st, s->pre_key, sizeof(s->pre_key), sizeof(h));
	for (int i = 0; i < n; i++) {
		uint64_t len = lens[i];
		crypto_generichash_update(&st, (const unsigned char *)&len, sizeof(len));
		crypto_generichash_update(&st, parts[i], lens[i]);
	}
	crypto_generichash_final(&st, h, sizeof(h));
	uint64_t v;
	memcpy(&v, h, sizeof(v));
	return range | (int64_t)(v & ((UINT64_C(1) << 59) - 1));
}

static int refuse_rate(struct ordex_req *rq, const struct ordex_rate *rate, double wait,
                       const char *what)
{
	struct ordex_response *r = &rq->resp;
	r->retry_after = (unsigned)(wait + 0.999);
	if (!r->retry_after)
		r->retry_after = 1;
	r->rl_limit = rate->burst;
	r->rl_remaining = 0;
	r->rl_reset = r->retry_after;
	ordex_problem(r, 429, "rate_limited", "Too many requests",
	              ordex_arena_printf(rq->a, "%s; try again in %u s", what, r->retry_after),
	              NULL);
	return ORDEX_E_BUSY;
}

/*
 * Takes cost from two buckets of the pre-authentication table, both or
 * neither (b may have no rate: then only a counts), or refuses with 429
 * naming the bucket that is spent.
 */
static int charge_pre(struct ordex_req *rq, int64_t ida, const struct ordex_rate *ra,
                      const char *whata, int64_t idb, const struct ordex_rate *rb,
                      const char *whatb)
{
	struct ordex_server *s = rq->srv;
	int64_t now = ordex_time_now();
	double la = 0, lb = 0, wa = 0, wb = 0;
	enum ordex_take ta = ORDEX_TAKE_OK, tb = ORDEX_TAKE_OK;
	pthread_mutex_lock(&s->mu);
	struct ordex_bucket *a = ra->rate > 0 ? bucket(s->pre, ida, now, horizon_of(ra)) : NULL;
	struct ordex_bucket *b =
	    rb && rb->rate > 0 ? bucket(s->pre, idb, now, horizon_of(rb)) : NULL;
	if (a)
		ta = ordex_bucket_peek(a, ra, now, 1, &la, &wa);
	if (b)
		tb = ordex_bucket_peek(b, rb, now, 1, &lb, &wb);
	if (ta == ORDEX_TAKE_OK && tb == ORDEX_TAKE_OK) {
		if (a)
			ordex_bucket_take(a, ra, now, 1, &la, &wa);
		if (b)
			ordex_bucket_take(b, rb, now, 1, &lb, &wb);
	}
	pthread_mutex_unlock(&s->mu);
	if (ta != ORDEX_TAKE_OK)
		return refuse_rate(rq, ra, wa, whata);
	if (tb != ORDEX_TAKE_OK)
		return refuse_rate(rq, rb, wb, whatb);
	return ORDEX_OK;
}

/* guessing one person's password: 5 tries, then one every 12 s; from one
 * address: 30, then one every 2 s (people behind one proxy share it) */
static const struct ordex_rate SIGNIN_PER_NAME = {5.0 / 60.0, 5}, SIGNIN_PER_ADDR = {0.5, 30};

static int64_t signin_name_bucket(struct ordex_server *s, const char *tenant, const char *env,
                                  const char *username)
{
	const void *parts[3] = {tenant, env, username};
	size_t lens[3] = {strlen(tenant), strlen(env), strlen(username)};
	return pre_bucket_of(s, SIGNIN_NAME_BUCKET, parts, lens, 3);
}

int ordex_req_charge_signin(struct ordex_req *rq, const char *tenant, const char *env,
                            const char *username)
{
	struct ordex_server *s = rq->srv;
	int64_t name = signin_name_bucket(s, tenant, env, username), addr = 0;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		const void *p = sa->sa_family == AF_INET6
		                    ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
		                    : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
		size_t len = sa->sa_family == AF_INET6 ? 16 : 4;
		addr = pre_bucket_of(s, SIGNIN_ADDR_BUCKET, &p, &len, 1);
	}
	return charge_pre(rq, name, &SIGNIN_PER_NAME, "too many sign-ins for this person", addr,
	                  addr ? &SIGNIN_PER_ADDR : NULL, "too many sign-ins from this address");
}

void ordex_req_signin_succeeded(struct ordex_req *rq, const char *tenant, const char *env,
                                const char *username)
{
	/* a sign-in that succeeds gives its person's token back: only failures
	 * count against a person, so a guesser cannot spend a person's right
	 * sign-ins (the address's token stays spent) */
	struct ordex_server *s = rq->srv;
	int64_t name = signin_name_bucket(s, tenant, env, username);
	pthread_mutex_lock(&s->mu);
	struct ordex_bucket *b =
	    bucket(s->pre, name, ordex_time_now(), horizon_of(&SIGNIN_PER_NAME));
	b->tokens += 1;
	if (b->tokens > SIGNIN_PER_NAME.burst)
		b->tokens = SIGNIN_PER_NAME.burst;
	pthread_mutex_unlock(&s->mu);
}

int ordex_req_charge_connector(struct ordex_req *rq, int64_t connector, double rate_per_key)
{
	/* a connector spends like a key of its tenant, before its signature is
	 * checked; the tenant's own bucket only once it is (ordex_req_charge_tenant),
	 * so forged deliveries cannot spend what the tenant's real traffic needs */
	struct ordex_server *s = rq->srv;
	struct ordex_rate per_conn = {rate_per_key > 0 ? rate_per_key : s->cfg.rate_per_key, 0};
	per_conn.burst = per_conn.rate;
	const void *p = &connector;
	size_t len = sizeof(connector);
	return charge_pre(rq, pre_bucket_of(s, CONNECTOR_BUCKET, &p, &len, 1), &per_conn,
	                  "the connector's rate limit is spent; nothing was stored", 0, NULL, NULL);
}

int ordex_req_charge_tenant(struct ordex_req *rq, int64_t tenant, double rate_per_tenant)
{
	struct ordex_server *s = rq->srv;
	struct ordex_rate r = {rate_per_tenant > 0 ? rate_per_tenant : s->cfg.rate_per_tenant, 0};
	if (r.rate <= 0)
		return ORDEX_OK;
	r.burst = r.rate;
	int64_t now = ordex_time_now();
	double left, wait;
	pthread_mutex_lock(&s->mu);
	struct ordex_bucket *b = bucket(s->buckets, -tenant, now, horizon_of(&r));
	enum ordex_take t = ordex_bucket_take(b, &r, now, 1, &left, &wait);
	pthread_mutex_unlock(&s->mu);
	return t == ORDEX_TAKE_OK
	           ? ORDEX_OK
	           : refuse_rate(rq, &r, wait,
	                         "the tenant's rate limit is spent; nothing was stored");
}

int ordex_req_charge(struct ordex_req *rq, double cost)
{
	struct ordex_server *s = rq->srv;
	struct ordex_rate per_key = {
	    rq->key.rate_per_key > 0 ? rq->key.rate_per_key : s->cfg.rate_per_key, 0};
	struct ordex_rate per_tenant = {
	    rq->key.rate_per_tenant > 0 ? rq->key.rate_per_tenant : s->cfg.rate_per_tenant, 0};
	if (per_key.rate <= 0 && per_tenant.rate <= 0)
		return ORDEX_OK;
	per_key.burst = per_key.rate; /* a second's worth */
	per_tenant.burst = per_tenant.rate;
	int64_t now = ordex_time_now();
	double left_k, left_t, wait_k, wait_t;
	pthread_mutex_lock(&s->mu);
	/* a bucket idle for a whole second is full: its slot may be reused */
	struct ordex_bucket *bk = bucket(s->buckets, rq->key.key_id, now, horizon_of(&per_key));
	struct ordex_bucket *bt = bucket(s->buckets, -rq->key.tenant, now, horizon_of(&per_tenant));
	enum ordex_take tk = ordex_bucket_peek(bk, &per_key, now, cost, &left_k, &wait_k);
	enum ordex_take tt = ordex_bucket_peek(bt, &per_tenant, now, cost, &left_t, &wait_t);
	if (tk == ORDEX_TAKE_OK && tt == ORDEX_TAKE_OK) {
		ordex_bucket_take(bk, &per_key, now, cost, &left_k, &wait_k);
		ordex_bucket_take(bt, &per_tenant, now, cost, &left_t, &wait_t);
	}
	pthread_mutex_unlock(&s->mu);
	/* the tighter of the two speaks in the headers */
	bool key_tighter = per_key.rate > 0 && (per_tenant.rate <= 0 || left_k <= left_t);
	struct ordex_response *r = &rq->resp;
	r->rl_limit = key_tighter ? per_key.burst : per_tenant.burst;
	r->rl_remaining = key_tighter ? left_k : left_t;
	if (r->rl_remaining < 0)
		r->rl_remaining = 0;
	r->rl_reset = 1;
	if (tk == ORDEX_TAKE_OK && tt == ORDEX_TAKE_OK)
		return ORDEX_OK;
	if (tk == ORDEX_TAKE_NEVER || tt == ORDEX_TAKE_NEVER) {
		ordex_problem(r, 413, "batch_over_rate_limit", "Batch over the rate limit",
		              ordex_arena_printf(
		                  rq->a,
		                  "the batch needs %.0f tokens and the limit allows at "
		                  "most %.0f a second: split it",
		                  cost, tk == ORDEX_TAKE_NEVER ? per_key.burst : per_tenant.burst),
		              NULL);
		return ORDEX_E_BUSY;
	}
	double wait = wait_k > wait_t ? wait_k : wait_t;
	r->retry_after = (unsigned)(wait + 0.999);
	if (!r->retry_after)
		r->retry_after = 1;
	r->rl_reset = r->retry_after;
	ordex_problem(r, 429, "rate_limited", "Too many requests",
	              ordex_arena_printf(rq->a,
	                                 "the %s's rate limit is spent; nothing was applied, send "
	                                 "it again in %u s",
	                                 tk != ORDEX_TAKE_OK ? "key" : "tenant", r->retry_after),
	              NULL);
	return ORDEX_E_BUSY;
}

void ordex_req_count(struct ordex_req *rq, const char *metric, int64_t n)
{
	if (rq->srv->writer && rq->scope.env)
		ordex_writer_count(rq->srv->writer, &rq->scope, metric, n);
}

void ordex_req_forget_keys(struct ordex_req *rq)
{
	struct ordex_server *s = rq->srv;
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < KEY_CACHE; i++)
		s->keys[i].used = false;
	s->key_gen++; /* a look-up that began before this is not cached */
	pthread_mutex_unlock(&s->mu);
}

const struct ordex_principal *ordex_req_principal(struct ordex_req *rq)
{
	return &rq->principal;
}

const char *ordex_req_role(struct ordex_req *rq)
{
	return rq->role;
}

const char *ordex_req_actor(struct ordex_req *rq)
{
	return rq->actor;
}

const struct ordex_vault *ordex_req_vault(struct ordex_req *rq)
{
	return &rq->srv->vault;
}

const struct ordex_req_limits *ordex_req_limits(struct ordex_req *rq)
{
	return &rq->srv->limits;
}

static void reader_close(void *p)
{
	struct ordex_store *st = p;
	if (st)
		st->ops->close(st);
}

struct ordex_store *ordex_req_store(struct ordex_req *rq)
{
	struct ordex_server *s = rq->srv;
	struct ordex_store *st = pthread_getspecific(s->reader_key);
	if (st)
		return st;
	struct ordex_store_options o = {.sync = ORDEX_SYNC_FULL, .readonly = true};
	if (ordex_store_open_sqlite(s->cfg.db_path, &o, &st) != ORDEX_OK)
		return NULL;
	pthread_setspecific(s->reader_key, st);
	return st;
}

void ordex_req_receipt(struct ordex_req *rq, const struct ordex_event *ev, int64_t seq)
{
	ordex_writer_receipt(rq->srv->writer, &rq->scope, ev, seq);
}

int64_t ordex_req_durable_seq(struct ordex_req *rq)
{
	return ordex_writer_durable_seq(rq->srv->writer);
}

static void batch_done(struct ordex_batch *b)
{
	struct ordex_req *rq = b->ctx;
	rq->resumed = true;
	MHD_resume_connection(rq->conn);
}

int ordex_req_submit(struct ordex_req *rq, struct ordex_batch *b,
                     void (*then)(struct ordex_req *rq, struct ordex_batch *b))
{
	rq->batch = b;
	rq->then = then;
	b->done = batch_done;
	b->ctx = rq;
	MHD_suspend_connection(rq->conn);
	if (rq->srv->cfg.no_store) {
		/* benchmarks: the same suspend and resume, without the writer */
		for (size_t i = 0; i < b->n; i++)
			if (b->items[i].ev && b->items[i].status == ORDEX_ITEM_PENDING)
				b->items[i].status = ORDEX_ITEM_ACCEPTED;
		b->rc = ORDEX_OK;
		batch_done(b);
		return ORDEX_OK;
	}
	int rc = ordex_writer_submit(rq->srv->writer, b);
	if (rc != ORDEX_OK) {
		rq->batch = NULL;
		MHD_resume_connection(rq->conn);
	}
	return rc;
}

void ordex_req_writer_stats(struct ordex_req *rq, struct ordex_writer_stats *out)
{
	ordex_writer_get_stats(rq->srv->writer, out);
}

uint64_t ordex_req_timers_fired(struct ordex_req *rq)
{
	struct ordex_server *s = rq->srv;
	pthread_mutex_lock(&s->mu); /* the clock ends under it (stop_background) */
	uint64_t n = ordex_clock_fired(s->clock);
	pthread_mutex_unlock(&s->mu);
	return n;
}

void ordex_req_delivery_counts(struct ordex_req *rq, struct ordex_delivery_counts *out)
{
	struct ordex_server *s = rq->srv;
	pthread_mutex_lock(&s->mu); /* the workers end under it (stop_background) */
	ordex_delivery_counts(s->delivery, out);
	pthread_mutex_unlock(&s->mu);
}

/* ---- credentials ------------------------------------------------------- */

/*
 * Finds the key behind "Authorization: Bearer <key>". A short cache keeps
 * the database out of the hot path. A key revoked through the API is
 * dropped from it at once (ordex_req_forget_keys); expiry and rotation
 * deadlines are checked on every use; a key revoked from another process
 * (the CLI, on the database) stops within the cache's lifetime
 * (KEY_TTL_US).
 */
/* The customer scope of a key or person; "" in a dimension: any. */
static struct ordex_customer_scope customers_of(const struct ordex_key_info *k)
{
	return (struct ordex_customer_scope){k->brand[0] ? k->brand : NULL,
	                                     k->region[0] ? k->region : NULL,
	                                     k->segment[0] ? k->segment : NULL};
}

/* Person ids share the rate buckets' key space above every key id. */
#define PERSON_BUCKET (INT64_C(1) << 40)

/*
 * A person's session: the ordex_session cookie, looked up on every request
 * (so a logout or a disabled person holds from the next one). Requests
 * that change state must carry the session's token in X-CSRF-Token: a
 * cookie alone, as a cross-site form would send it, changes nothing.
 */
static int authenticate_session(struct ordex_req *rq, const char *token)
{
	size_t n = strlen(token);
	if (n < 16 || n > 128)
		return ORDEX_E_AUTH;
	unsigned char hash[32];
	ordex_sha256(hash, (const unsigned char *)token, n);
	struct ordex_store *st = ordex_req_store(rq);
	if (!st)
		return ORDEX_E_STORE;
	struct ordex_session_info si;
	int rc = st->ops->session_lookup(st, hash, &si);
	if (rc)
		return rc == ORDEX_E_NOTFOUND ? ORDEX_E_AUTH : rc;
	int64_t now = ordex_time_now();
	snprintf(rq->env, sizeof(rq->env), "%s", si.env);
	snprintf(rq->role, sizeof(rq->role), "%s", si.role);
	snprintf(rq->actor, sizeof(rq->actor), "user:%s", si.username);
	rq->session_id = si.session_id;
	rq->scope.tenant = si.tenant;
	rq->scope.env = rq->env;
	memset(&rq->key, 0, sizeof(rq->key));
	rq->key.key_id = PERSON_BUCKET + si.user_id;
	rq->key.tenant = si.tenant;
	rq->key.rate_per_key = si.rate_per_key;
	rq->key.rate_per_tenant = si.rate_per_tenant;
	memcpy(rq->key.brand, si.brand, sizeof(si.brand));
	memcpy(rq->key.region, si.region, sizeof(si.region));
	memcpy(rq->key.segment, si.segment, sizeof(si.segment));
	int role = ordex_role_parse(rq->role);
	rq->principal = (struct ordex_principal){
	    .tenant = si.tenant,
	    .env = rq->env,
	    .role = role < 0 ? ORDEX_ROLE_COUNT : (enum ordex_role)role,
	    .scopes = si.scopes,
	    .customers = customers_of(&rq->key),
	};
	if (si.disabled_at)
		rq->dead = "the person was disabled";
	else if (si.ended_at)
		rq->dead = "the session was ended (signed out)";
	else if (si.expires_at <= now)
		rq->dead = "the session has expired";
	if (rq->dead)
		return ORDEX_E_AUTH;
	if (now - si.last_seen_at >= TOUCH_EVERY_US && rq->srv->writer)
		ordex_writer_touch(rq->srv->writer, &rq->scope, ORDEX_CREDENTIAL_SESSION,
		                   si.session_id, now);
	bool safe = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD") ||
	            !strcmp(rq->method, "OPTIONS");
	const char *sent = ordex_req_header(rq, "X-CSRF-Token");
	rq->csrf_failed = !safe && (!sent || strlen(sent) != strlen(si.csrf) ||
	                            sodium_memcmp(sent, si.csrf, strlen(si.csrf)) != 0);
	return ORDEX_OK;
}

static int authenticate(struct ordex_req *rq)
{
	const char *h = ordex_req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h) {
		const char *cookie = ordex_req_cookie(rq, "ordex_session");
		return cookie ? authenticate_session(rq, cookie) : ORDEX_E_AUTH;
	}
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return ORDEX_E_AUTH;
	const char *key = h + 7;
	while (*key == ' ')
		key++;
	size_t n = strlen(key);
	if (n < 16 || n > 128)
		return ORDEX_E_AUTH;
	unsigned char hash[32];
	ordex_sha256(hash, (const unsigned char *)key, n);
	struct ordex_server *s = rq->srv;
	int64_t now = ordex_time_now();
	struct ordex_key_info info;
	bool hit = false, touch = false;
	pthread_mutex_lock(&s->mu);
	uint64_t gen = s->key_gen;
	unsigned slot = hash[0] % KEY_CACHE;
	struct cached_key *c = &s->keys[slot];
	/* a cached key still ends at its own expiry or rotation deadline */
	if (c->used && c->expires > now && sodium_memcmp(c->hash, hash, 32) == 0 &&
	    (!c->info.expires_at || c->info.expires_at > now) &&
	    (!c->info.revoked_at || c->info.revoked_at > now)) {
		info = c->info;
		hit = true;
		if (now - c->touched >= TOUCH_EVERY_US) {
			c->touched = now;
			touch = true;
		}
	}
	pthread_mutex_unlock(&s->mu);
	if (!hit) {
		struct ordex_store *st = ordex_req_store(rq);
		if (!st)
			return ORDEX_E_STORE;
		int rc = st->ops->key_lookup(st, hash, &info);
		if (rc)
			return rc == ORDEX_E_NOTFOUND ? ORDEX_E_AUTH : rc;
		touch = now - info.last_used_at >= TOUCH_EVERY_US;
		pthread_mutex_lock(&s->mu);
		if (s->key_gen == gen) { /* no revocation while it was looked up */
			memcpy(c->hash, hash, 32);
			c->info = info;
			c->expires = now + KEY_TTL_US;
			c->touched = touch ? now : info.last_used_at;
			c->used = true;
		}
		pthread_mutex_unlock(&s->mu);
	}
	snprintf(rq->env, sizeof(rq->env), "%s", info.env);
	snprintf(rq->role, sizeof(rq->role), "%s", info.role);
	int role = ordex_role_parse(rq->role);
	snprintf(rq->actor, sizeof(rq->actor), "key:%.12s", key);
	rq->key = info;
	rq->scope.tenant = info.tenant;
	rq->scope.env = rq->env;
	rq->principal = (struct ordex_principal){
	    .tenant = info.tenant,
	    .env = rq->env,
	    .role = role < 0 ? ORDEX_ROLE_COUNT : (enum ordex_role)role, /* unknown: nothing */
	    .scopes = info.scopes,
	    .customers = customers_of(&rq->key),
	};
	/* a key that exists but no longer works is refused like an unknown one,
	 * and its use recorded in its tenant's log */
	bool revoked = info.revoked_at && info.revoked_at <= now;
	bool expired = info.expires_at && info.expires_at <= now;
	if (revoked && (!expired || info.revoked_at <= info.expires_at))
		rq->dead = "the key was revoked";
	else if (expired)
		rq->dead = "the key has expired";
	if (rq->dead)
		return ORDEX_E_AUTH;
	if (touch && s->writer)
		ordex_writer_touch(s->writer, &rq->scope, ORDEX_CREDENTIAL_KEY, info.key_id, now);
	return ORDEX_OK;
}

/* ---- routing and responses --------------------------------------------- */

static MHD_RESULT_T send_response(struct ordex_req *rq)
{
	struct ordex_response *r = &rq->resp;
	size_t len;
	char *body = ordex_buf_steal(&r->body, &len);
	struct MHD_Response *mr = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!mr) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        r->content_type ? r->content_type : "application/json");
	MHD_add_response_header(mr, "Cache-Control", "no-store");
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	if (r->disposition) {
		MHD_add_response_header(mr, "Content-Disposition", r->disposition);
		MHD_add_response_header(mr, "Content-Security-Policy",
		                        "sandbox; default-src 'none'");
	}

	if (r->allow)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->www_auth)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->www_auth);
	if (r->set_cookie)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
	if (r->rl_limit > 0) {
		char v[32];
		snprintf(v, sizeof(v), "%.0f", r->rl_limit);
		MHD_add_response_header(mr, "RateLimit-Limit", v);
		snprintf(v, sizeof(v), "%.0f", r->rl_remaining);
		MHD_add_response_header(mr, "RateLimit-Remaining", v);
		snprintf(v, sizeof(v), "%u", r->rl_reset);
		MHD_add_response_header(mr, "RateLimit-Reset", v);
	}
	if (r->retry_after) {
		char v[16];
		snprintf(v, sizeof(v), "%u", r->retry_after);
		MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, v);
	}
	MHD_RESULT_T ret = MHD_queue_response(rq->conn, r->status ? r->status : 200, mr);
	MHD_destroy_response(mr);
	return ret;
}

struct denial {
	struct ordex_batch batch;
	const char *detail;
};

static void denied(struct ordex_req *rq, struct ordex_batch *b)
{
	struct denial *dn = (struct denial *)b;
	ordex_problem(&rq->resp, 403, "forbidden", "Forbidden", dn->detail, NULL);
}

/*
 * Records a refusal in the caller's tenant's audit log (access.denied: who,
 * role, operation when there is one, method and path, why, and how many
 * like it went unrecorded before) and answers with then once it is stored;
 * should the writer be stopping, it answers anyway.
 */
static void record_refusal(struct ordex_req *rq, const char *op, const char *why,
                           int64_t unrecorded, const char *detail,
                           void (*then)(struct ordex_req *rq, struct ordex_batch *b))
{
	struct denial *dn = ordex_arena_zalloc(rq->a, sizeof(*dn));
	dn->detail = detail;
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, rq->actor);
	ordex_jw_key(&w, "role");
	ordex_jw_str(&w, rq->role);
	if (op) {
		ordex_jw_key(&w, "operation");
		ordex_jw_str(&w, op);
	}
	ordex_jw_key(&w, "request");
	ordex_jw_str(&w, ordex_arena_printf(rq->a, "%s %s", rq->method, rq->path));
	ordex_jw_key(&w, "why");
	ordex_jw_str(&w, why);
	if (unrecorded) {
		ordex_jw_key(&w, "unrecorded_before");
		ordex_jw_int(&w, unrecorded);
	}
	ordex_jw_obj_end(&w);
	dn->batch.scope = rq->scope;
	dn->batch.audit_kind = "access.denied";
	dn->batch.audit_subject = rq->actor;
	dn->batch.audit_body = ordex_arena_strdup(rq->a, b.data ? b.data : "{}");
	ordex_buf_free(&b);
	if (ordex_req_submit(rq, &dn->batch, then) != ORDEX_OK)
		then(rq, &dn->batch);
}

/* A refused operation: 403 once its audit entry is stored. */
static void deny(struct ordex_req *rq, enum ordex_op op, const char *why)
{
	record_refusal(rq, ordex_op_name(op), why, 0,
	               ordex_arena_printf(rq->a, "a key with role \"%s\" may not do %s: %s",
	                                  rq->role, ordex_op_name(op), why),
	               denied);
}

void ordex_req_deny(struct ordex_req *rq, int op, const char *why)
{
	deny(rq, (enum ordex_op)op, why);
}

void ordex_req_deny_detail(struct ordex_req *rq, int op, const char *why, const char *detail)
{
	record_refusal(rq, ordex_op_name((enum ordex_op)op), why, 0, detail, denied);
}

static void unauthorized(struct ordex_req *rq, const char *detail)
{
	rq->resp.www_auth = "Bearer realm=\"ordex\"";
	ordex_problem(&rq->resp, 401, "unauthorized", "Unauthorized", detail, NULL);
}

static const char *const AUTH_HOWTO =
    "send a valid API key as \"Authorization: Bearer <key>\", or sign in (POST "
    "/v1/sessions) and send the session cookie";

static void refused_dead(struct ordex_req *rq, struct ordex_batch *b)
{
	(void)b;
	unauthorized(rq, ordex_arena_printf(rq->a, "%s; %s", rq->dead, AUTH_HOWTO));
}

/*
 * A revoked or expired key, an ended or expired session, a disabled
 * person: answered 401 like a credential nobody has, once the attempt is in
 * the credential's tenant's audit log (who, which request, why). An unknown
 * credential names no tenant: see refuse_unknown.
 */
/*
 * Whether this use of a dead credential is to be recorded: the first, then
 * at most one a minute per credential, which carries how many went
 * unrecorded since (*since). A leaked key used in a loop is one entry a
 * minute, not one a request.
 */
static bool dead_to_record(struct ordex_server *s, int64_t id, int64_t now, int64_t *since)
{
	uint64_t h = (uint64_t)id * UINT64_C(0x9E3779B97F4A7C15);
	struct dead_slot *d = &s->dead[(h >> 54) % DEAD_SLOTS];
	bool record;
	pthread_mutex_lock(&s->mu);
	if (d->id != id || now - d->recorded_at >= DEAD_EVERY_US) {
		*since = d->id == id ? d->unrecorded : 0;
		d->id = id;
		d->recorded_at = now;
		d->unrecorded = 0;
		record = true;
	} else {
		d->unrecorded++;
		record = false;
	}
	pthread_mutex_unlock(&s->mu);
	return record;
}

static void refuse_dead(struct ordex_req *rq)
{
	int64_t since = 0;
	int64_t id = rq->session_id ? -rq->session_id : rq->key.key_id;
	if (!dead_to_record(rq->srv, id, ordex_time_now(), &since)) {
		refused_dead(rq, NULL);
		return;
	}
	record_refusal(rq, NULL, rq->dead, since, NULL, refused_dead);
}

/*
 * A credential nobody has (a forged or mistyped key, a forged or stale
 * session cookie) names no tenant: the attempt goes to the operator's
 * tenant's audit log (the tenant ordex init made, production), with the
 * client's address and what was presented (never the credential), at most
 * once a minute per address with the count since, and at most 60 entries a
 * minute in all, so that a flood cannot fill the log. A request that
 * presents nothing is only answered.
 */
#define UNKNOWN_PER_MINUTE 60

static void refused_unknown(struct ordex_req *rq, struct ordex_batch *b)
{
	(void)b;
	unauthorized(rq, AUTH_HOWTO);
}

static void refuse_unknown(struct ordex_req *rq)
{
	bool key = ordex_req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION) != NULL;
	bool cookie = !key && ordex_req_cookie(rq, "ordex_session") != NULL;
	if ((!key && !cookie) || !rq->srv->writer) {
		unauthorized(rq, AUTH_HOWTO);
		return;
	}
	char addr[INET6_ADDRSTRLEN] = "unknown";
	uint64_t h = UINT64_C(1469598103934665603);
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		const void *p = sa->sa_family == AF_INET6
		                    ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
		                    : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
		inet_ntop(sa->sa_family, p, addr, sizeof(addr));
	}
	for (const char *c = addr; *c; c++)
		h = (h ^ (unsigned char)*c) * UINT64_C(1099511628211);
	h = (h ^ (key ? 'k' : 'c')) * UINT64_C(1099511628211); /* keys and cookies apart */
	/* ids of addresses lie below every session's (negative) and key's id */
	int64_t id = INT64_MIN / 2 - (int64_t)(h >> 8);
	int64_t now = ordex_time_now(), since = 0;
	bool record = dead_to_record(rq->srv, id, now, &since);
	if (record) {
		struct ordex_server *s = rq->srv;
		pthread_mutex_lock(&s->mu);
		if (now / DEAD_EVERY_US != s->unknown_minute) {
			s->unknown_minute = now / DEAD_EVERY_US;
			s->unknown_recorded = 0;
		}
		record = s->unknown_recorded++ < UNKNOWN_PER_MINUTE;
		pthread_mutex_unlock(&s->mu);
	}
	/* the operator's tenant is looked up only for what is recorded: a flood of
	 * guesses costs no read each */
	struct ordex_store *st = record ? ordex_req_store(rq) : NULL;
	int64_t first = 0;
	char name[64];
	if (!st || st->ops->tenant_first(st, &first, name, sizeof(name)) != ORDEX_OK) {
		unauthorized(rq, AUTH_HOWTO);
		return;
	}
	rq->scope.tenant = first;
	rq->scope.env = "production";
	snprintf(rq->actor, sizeof(rq->actor), "unknown:%s", addr);
	snprintf(rq->role, sizeof(rq->role), "none");
	record_refusal(rq, NULL,
	               key ? "an API key nobody has (forged, mistyped or deleted)"
	                   : "a session cookie nobody has (forged, or of a deleted session)",
	               since, NULL, refused_unknown);
}

static void route(struct ordex_req *rq)
{
	const struct ordex_server_config *cfg = &rq->srv->cfg;
	const struct ordex_route *match = NULL;
	char allow[64] = "";
	for (size_t i = 0; i < cfg->n_routes; i++) {
		const struct ordex_route *r = &cfg->routes[i];
		size_t pl = strlen(r->prefix);
		bool is_prefix = r->prefix[pl - 1] == '/';
		bool ok = is_prefix ? strncmp(rq->path, r->prefix, pl) == 0 && rq->path[pl]
		                    : strcmp(rq->path, r->prefix) == 0;
		if (!ok)
			continue;
		if (strlen(allow) + strlen(r->method) + 3 < sizeof(allow))
			snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
			         allow[0] ? ", " : "", r->method);
		if (!match && strcmp(rq->method, r->method) == 0) {
			match = r;
			rq->rest = rq->path + (is_prefix ? pl : strlen(rq->path));
		}
	}
	if (!match) {
		if (allow[0]) {
			rq->resp.allow = ordex_arena_strdup(rq->a, allow);
			ordex_problem(&rq->resp, 405, "method_not_allowed", "Method not allowed",
			              ordex_arena_printf(rq->a, "this path takes %s", allow), NULL);
		} else {
			ordex_problem(&rq->resp, 404, "not_found", "Not found", "no such path",
			              NULL);
		}
		return;
	}
	if (match->op != ORDEX_ROUTE_PUBLIC) {
		int rc = authenticate(rq);
		if (rc == ORDEX_E_AUTH && rq->dead) {
			refuse_dead(rq);
			return;
		}
		if (rc == ORDEX_E_AUTH) {
			refuse_unknown(rq);
			return;
		}
		if (rc) {
			ordex_problem(&rq->resp, 503, "storage_unavailable", "Service unavailable",
			              "could not read the database", NULL);
			return;
		}
		/* spent before the decision, so that refused requests (each an audit
		 * entry) are limited too; events are charged per event by their handler */
		if (match->op != ORDEX_OP_EVENTS_INGEST && ordex_req_charge(rq, 1) != ORDEX_OK)
			return;
		/* ORDEX_ROUTE_SIGNED_IN: any principal, for its own session */
		enum ordex_op op =
		    match->op == ORDEX_ROUTE_SIGNED_IN ? ORDEX_OP_COUNT : (enum ordex_op)match->op;
		struct ordex_authz_decision d =
		    op == ORDEX_OP_COUNT
		        ? (struct ordex_authz_decision){ORDEX_AUTHZ_ALLOW, "allowed"}
		        : ordex_authz_check(&rq->principal, op, NULL);
		if (d.result != ORDEX_AUTHZ_ALLOW) {
			deny(rq, op, d.reason);
			return;
		}
		if (rq->csrf_failed) {
			deny(rq, op,
			     "a signed-in request that changes state needs the session's "
			     "X-CSRF-Token");
			return;
		}
		ordex_req_count(rq,
		                op == ORDEX_OP_COUNT && match->metric ? match->metric
		                                                      : rq->srv->api_metric[op],
		                1);
	}
	match->handler(rq);
}

static MHD_RESULT_T on_request(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
	struct ordex_server *s = cls;
	struct ordex_req *rq = *con_cls;
	if (!rq) {
		rq = ordex_xcalloc(1, sizeof(*rq));
		rq->srv = s;
		rq->conn = conn;
		rq->a = ordex_arena_new(16 * 1024);
		rq->method = ordex_arena_strdup(rq->a, method);
		rq->path = ordex_arena_strdup(rq->a, url);
		ordex_buf_init(&rq->body, s->limits.max_body);
		ordex_buf_init(&rq->resp.body, 0);
		atomic_fetch_add(&s->in_flight, 1);
		*con_cls = rq;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > s->limits.max_body) {
			rq->too_big = true;
			char d[96];
			snprintf(d, sizeof(d), "the body is larger than %zu bytes",
			         s->limits.max_body);
			ordex_problem(&rq->resp, 413, "body_too_large", "Body too large", d, NULL);
			return send_response(rq);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!rq->too_big && ordex_buf_append(&rq->body, upload_data, *upload_data_size))
			rq->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->resumed) {
		/* then() may hand the writer another batch (a refusal to audit) */
		struct ordex_batch *b = rq->batch;
		rq->resumed = false;
		rq->batch = NULL;
		rq->then(rq, b);
		if (rq->batch)
			return MHD_YES;
		return send_response(rq);
	}
	if (rq->started)
		return MHD_YES;
	rq->started = true;
	if (rq->too_big) {
		char d[96];
		snprintf(d, sizeof(d), "the body is larger than %zu bytes", s->limits.max_body);
		ordex_problem(&rq->resp, 413, "body_too_large", "Body too large", d, NULL);
		return send_response(rq);
	}
	route(rq);
	if (rq->batch)
		return MHD_YES; /* suspended until the writer is done */
	return send_response(rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct ordex_server *s = cls;
	struct ordex_req *rq = *con_cls;
	if (!rq)
		return;
	ordex_buf_free(&rq->body);
	ordex_buf_free(&rq->resp.body);
	ordex_arena_free(rq->a);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&s->in_flight, 1);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof(host))
		return ORDEX_E_INVAL;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return ORDEX_E_INVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (!host[0] || !strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return ORDEX_E_INVAL;
	return ORDEX_OK;
}

/*
 * Ends the clock (a firing under way commits first) and the writeback
 * workers (a request under way is settled first). Requests still being
 * answered may read their counters (GET /metrics): they are taken away
 * under the server's lock before they are freed.
 */
static void stop_background(struct ordex_server *s)
{
	pthread_mutex_lock(&s->mu);
	struct ordex_clock *clock = s->clock;
	struct ordex_deliverer *delivery = s->delivery;
	s->clock = NULL;
	s->delivery = NULL;
	pthread_mutex_unlock(&s->mu);
	ordex_clock_stop(clock);
	ordex_delivery_stop(delivery);
}

int ordex_server_start(const struct ordex_server_config *cfg, struct ordex_server **out)
{
	struct sockaddr_in sa;
	if (parse_listen(cfg->listen, &sa) != ORDEX_OK) {
		fprintf(stderr, "ordex: invalid listen address \"%s\": expected HOST:PORT\n",
		        cfg->listen);
		return ORDEX_E_INVAL;
	}
	struct ordex_server *s = ordex_xcalloc(1, sizeof(*s));
	s->cfg = *cfg;
	randombytes_buf(s->pre_key, sizeof(s->pre_key));
	s->limits.max_body = cfg->max_body ? cfg->max_body : 8u << 20;
	s->limits.max_depth = cfg->max_depth ? cfg->max_depth : 32;
	s->limits.max_items = cfg->max_items ? cfg->max_items : 10000;
	pthread_mutex_init(&s->mu, NULL);
	pthread_key_create(&s->reader_key, reader_close);
	for (int op = 0; op < ORDEX_OP_COUNT; op++)
		snprintf(s->api_metric[op], sizeof(s->api_metric[op]), "api.%s",
		         ordex_op_name((enum ordex_op)op));
	snprintf(s->api_metric[ORDEX_OP_COUNT], sizeof(s->api_metric[0]), "api.session");

	if (cfg->data_dir && ordex_vault_load(cfg->data_dir, true, &s->vault) != ORDEX_OK) {
		free(s);
		return ORDEX_E_IO;
	}
	struct ordex_store *wst;
	struct ordex_store_options o = {.sync = cfg->sync, .deferred_sync = true};
	int rc = ordex_store_open_sqlite(cfg->db_path, &o, &wst);
	if (rc) {
		free(s);
		return rc;
	}
	struct ordex_writer_config wc = {.settings.fraud_threshold = cfg->fraud_threshold};
	if ((rc = ordex_writer_start(wst, &wc, &s->writer))) {
		wst->ops->close(wst);
		free(s);
		return rc;
	}
	/* by default one request thread per CPU this process may run on (a
	 * container's or taskset's limit, not the machine's count): more
	 * threads than cores only add context switches (measured on one core:
	 * 52-56k requests/s with one thread, 40-46k with two) */
	int threads = cfg->threads;
	cpu_set_t cpus;
	if (threads <= 0 && sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		threads = CPU_COUNT(&cpus);
	if (threads <= 0)
		threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                            MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
	                        0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
	                        (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
	                        (unsigned)threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
	                        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_END);
	if (!s->d) {
		const char *why = strstr(s->start_error, ": ");
		fprintf(stderr, "ordex: could not listen on \"%s\"%s%s\n", cfg->listen,
		        why ? ": " : "", why ? why + 2 : "");
		ordex_writer_stop(s->writer);
		free(s);
		return ORDEX_E_IO;
	}
	if (!cfg->no_store &&
	    (rc = ordex_clock_start(cfg->db_path, s->writer, &wc.settings, &s->clock))) {
		fprintf(stderr, "ordex: could not start the timers' clock\n");
		MHD_stop_daemon(s->d);
		ordex_writer_stop(s->writer);
		free(s);
		return rc;
	}
	struct ordex_delivery_config dc = {
	    .db_path = cfg->db_path,
	    .writer = s->writer,
	    .vault = &s->vault,
	    .settings = wc.settings,
	    .threads = cfg->writeback_threads,
	    .timeout_ms = cfg->writeback_timeout_ms,
	    .retry_base_us = (int64_t)cfg->writeback_retry_ms * 1000,
	};
	if (!cfg->no_store && (rc = ordex_delivery_start(&dc, &s->delivery))) {
		fprintf(stderr, "ordex: could not start the writeback workers\n");
		stop_background(s);
		MHD_stop_daemon(s->d);
		ordex_writer_stop(s->writer);
		free(s);
		return rc;
	}
	atomic_store(&s->listening, true);
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : ntohs(sa.sin_port);
	*out = s;
	return ORDEX_OK;
}

int ordex_server_port(const struct ordex_server *s)
{
	return s->port;
}

void ordex_server_stop(struct ordex_server *s)
{
	if (!s)
		return;
	/* stop accepting; requests already here finish and are answered */
	MHD_socket fd = MHD_quiesce_daemon(s->d);
	stop_background(s);

	/* every queued batch commits and resumes its connection; later submits
	 * are refused with 503, so no connection stays suspended */
	ordex_writer_drain(s->writer);
	for (int i = 0; i < 500 && atomic_load(&s->in_flight) > 0; i++) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	ordex_writer_stop(s->writer);
	pthread_key_delete(s->reader_key);
	pthread_mutex_destroy(&s->mu);
	sodium_memzero(&s->vault, sizeof(s->vault));
	free(s);
}
