/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.c - delivery workers: threads that send the outbox (libcurl).
 *
 * Each worker looks for due rows on its own read connection and, for each,
 * asks the writer to claim it (the claim is what makes a row one worker's:
 * two workers that saw the same row cannot both have it), sends it, and
 * asks the writer to settle the attempt. Nothing is sent before the claim
 * is durable, so after a crash a row is never thought unsent when it may
 * have been sent: it is "unknown", and the next attempt first asks the
 * target where the target can be asked, else sends the same request under
 * the same idempotency key. At start the writer turns every row that was
 * being sent into an unknown one, due now.
 */
#include "writeback/worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/timeutil.h"
#include "core/vault.h"
#include "ingest/writer.h"
#include "store/store.h"
#include "writeback/outbox.h"
#include "writeback/target.h"

#define ANSWER_MAX (64u << 10)

struct ordex_deliverer;

struct worker {
	struct ordex_deliverer *d;
	pthread_t thread;
	struct ordex_store *st; /* read-only */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	CURL *curl;
};

struct ordex_deliverer {
	struct ordex_delivery_config cfg;
	struct worker *w;
	int n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct ordex_delivery_counts counts;
};

/* ---- the writer, synchronously --------------------------------------------------- */

static void batch_done(struct ordex_batch *b)
{
	struct worker *w = b->ctx;
	pthread_mutex_lock(&w->mu);
	w->done = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Runs cmd in the writer under scope sc and waits; its result. */
static int run(struct worker *w, const struct ordex_scope *sc,
               int (*cmd)(struct ordex_store *, struct ordex_audit *, const struct ordex_scope *,
                          int64_t, void *),
               void *ctx)
{
	struct ordex_batch b;
	memset(&b, 0, sizeof(b));
	b.scope = *sc;
	b.command = cmd;
	b.command_ctx = ctx;
	b.done = batch_done;
	b.ctx = w;
	w->done = false;
	if (ordex_writer_submit(w->d->cfg.writer, &b) != ORDEX_OK)
		return ORDEX_E_SHUTDOWN;
	pthread_mutex_lock(&w->mu);
	while (!w->done)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	return b.rc ? b.rc : b.command_rc;
}

/* ---- HTTP ------------------------------------------------------------------ */

struct reply {
	struct ordex_buf body;
	char retry_after[32];
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	size_t len = size * n;
	if (r->body.len + len <= ANSWER_MAX)
		ordex_buf_append(&r->body, p, len);
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	size_t len = size * n;
	if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
		const char *v = p + 12;
		while (*v == ' ')
			v++;
		snprintf(r->retry_after, sizeof(r->retry_after), "%.*s", (int)strcspn(v, "\r\n"),
		         v);
	}
	return len;
}

/* Whether the request can have reached the target: a failure before it was sent is not. */
static bool maybe_sent(CURLcode c)
{
	return !(c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST ||
	         c == CURLE_COULDNT_RESOLVE_PROXY || c == CURLE_URL_MALFORMAT ||
	         c == CURLE_UNSUPPORTED_PROTOCOL || c == CURLE_SSL_CONNECT_ERROR);
}

/* Sends call; status 0 when no answer came (*code says why). */
static long perform(struct worker *w, const struct ordex_call *call, struct reply *rep,
                    CURLcode *code)
{
	CURL *c = w->curl;
	curl_easy_reset(c);
	struct curl_slist *hs = NULL;
	for (int i = 0; i < call->n_headers; i++)
		hs = curl_slist_append(hs, call->headers[i]);
	hs = curl_slist_append(hs, "Expect:");
	hs = curl_slist_append(hs, "User-Agent: ordex");
	curl_easy_setopt(c, CURLOPT_URL, call->url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call->method);
	if (call->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, call->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
	} else if (!strcmp(call->method, "GET")) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, rep);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, rep);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, w->d->cfg.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                 w->d->cfg.timeout_ms < 3000 ? w->d->cfg.timeout_ms : 3000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	*code = curl_easy_perform(c);
	long status = 0;
	if (*code == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hs);
	return status;
}

/* ---- one row ------------------------------------------------------------------ */

/*
 * Records how an attempt went. If the writer cannot (the disk is failing,
 * the service is stopping), the row stays "sending" and is taken up again
 * when its lease ends or the service restarts: asked, or sent again under
 * the same key. Said on standard error, for the operator.
 */
static void settle(struct worker *w, const struct ordex_scope *sc, struct ordex_outbox_settle *s)
{
	int rc = run(w, sc, ordex_outbox_settle, s);
	if (rc)
		fprintf(stderr,
		        "ordex: could not record attempt %d of writeback %lld (%s); it is taken up "
		        "again later under the same key\n",
		        s->attempt, (long long)s->id, ordex_strerror(rc));
}

static void count(struct ordex_deliverer *d, uint64_t *field)
{
	pthread_mutex_lock(&d->mu);
	(*field)++;
	pthread_mutex_unlock(&d->mu);
}

/* Sends call for row r and judges the answer into s (an HTTP status, a verdict, the
 * target's words). Whether the target carried it out. */
static bool send_call(struct worker *w, struct ordex_arena *a, const struct ordex_target_row *t,
                      const struct ordex_outbox_row *r, const struct ordex_call *call,
                      struct ordex_outbox_settle *s)
{
	struct ordex_deliverer *d = w->d;
	struct reply rep;
	CURLcode code;
	memset(&rep, 0, sizeof(rep));
	ordex_buf_init(&rep.body, 0);
	long status = perform(w, call, &rep, &code);
	count(d, &d->counts.attempts);
	s->http_status = status;
	memset(&s->answer, 0, sizeof(s->answer));
	s->transport = NULL;
	if (code != CURLE_OK) {
		s->answer.verdict = maybe_sent(code) ? ORDEX_UNKNOWN : ORDEX_RETRY;
		s->transport = ordex_arena_printf(
		    a, "%s%s", curl_easy_strerror(code),
		    maybe_sent(code) ? " (it may have been carried out)" : " (nothing was sent)");
		count(d, &d->counts.failed);
	} else {
		ordex_target_judge(a, t, r, status, rep.body.data, rep.body.len,
		                   rep.retry_after[0] ? rep.retry_after : NULL, ordex_time_now(),
		                   &s->answer);
		s->answer_text = ordex_arena_strndup(a, rep.body.data ? rep.body.data : "",
		                                     rep.body.len > 4096 ? 4096 : rep.body.len);
		count(d, s->answer.verdict == ORDEX_DELIVERED ? &d->counts.delivered
		         : s->answer.verdict == ORDEX_DEAD    ? &d->counts.dead
		                                              : &d->counts.failed);
	}
	ordex_buf_free(&rep.body);
	return s->answer.verdict == ORDEX_DELIVERED;
}

/*
 * A row of several requests (a Shopify hold or release): the list first,
 * then each fulfilment order not yet in the state asked for. A failure
 * stops there and is the attempt's; what succeeded is not done again at
 * the next attempt, whose list no longer names it.
 */
static void steps(struct worker *w, struct ordex_arena *a, const struct ordex_target_row *t,
                  const char *secret, const struct ordex_outbox_row *r,
                  const struct ordex_call *list, struct ordex_outbox_settle *s)
{
	struct reply rep;
	CURLcode code;
	memset(&rep, 0, sizeof(rep));
	ordex_buf_init(&rep.body, 0);
	long status = perform(w, list, &rep, &code);
	s->http_status = status;
	const char **ids = NULL, *why_not = NULL;
	int n = 0, got = -1;
	if (code != CURLE_OK) {
		s->answer.verdict = ORDEX_RETRY; /* a list read changes nothing */
		s->transport = ordex_arena_printf(a, "%s (reading the fulfilment orders)",
		                                  curl_easy_strerror(code));
	} else if (status < 200 || status >= 300) {
		ordex_target_judge(a, t, r, status, rep.body.data, rep.body.len,
		                   rep.retry_after[0] ? rep.retry_after : NULL, ordex_time_now(),
		                   &s->answer);
	} else if ((got = ordex_target_steps_judge(a, t, r, rep.body.data, rep.body.len, &ids, &n,
	                                           &why_not)) == -1) {
		s->answer.verdict = ORDEX_RETRY;
		s->transport = "the target's list of fulfilment orders could not be read";
	} else if (got == -2) {
		/* nothing can be held: the row is dead, for a person to see (the goods
		 * may be on their way) */
		s->answer.verdict = ORDEX_DEAD;
		s->answer.message = why_not;
		s->answer_text = ordex_arena_strndup(a, rep.body.data ? rep.body.data : "",
		                                     rep.body.len > 4096 ? 4096 : rep.body.len);
	}
	ordex_buf_free(&rep.body);
	if (got < 0) {
		count(w->d, got == -2 ? &w->d->counts.dead : &w->d->counts.failed);
		return;
	}
	struct ordex_buf done;
	ordex_buf_init(&done, 0);
	for (int i = 0; i < n; i++) {
		/* well inside the claim's lease: what is done stays done, and the next
		 * attempt's list no longer names it */
		if (ordex_time_now() - s->started_at > ORDEX_OUTBOX_LEASE_US / 3) {
			memset(&s->answer, 0, sizeof(s->answer));
			s->answer.verdict = ORDEX_RETRY;
			s->transport =
			    "stopped between fulfilment orders; the rest at the next attempt";
			ordex_buf_free(&done);
			return;
		}
		struct ordex_call call;
		const char *why = NULL;
		if (ordex_target_step_request(a, t, secret, r, ids[i], s->started_at, &call,
		                              &why)) {
			s->answer.verdict = ORDEX_DEAD;
			s->answer.message = why;
			ordex_buf_free(&done);
			return;
		}
		if (!send_call(w, a, t, r, &call, s)) {
			ordex_buf_free(&done);
			return;
		}
		ordex_buf_printf(&done, "%s%s", done.len ? "," : "", ids[i]);
	}
	s->answer.verdict = ORDEX_DELIVERED;
	/* every fulfilment order acted on, or none: there was nothing left to do */
	s->answer.external_ref = n ? ordex_arena_strndup(a, done.data, done.len) : NULL;
	if (!n)
		s->answer_text = why_not;
	ordex_buf_free(&done);
}

static void deliver(struct worker *w, const struct ordex_outbox_row *due)
{
	struct ordex_deliverer *d = w->d;
	struct ordex_arena *a = ordex_arena_new(1 << 14);
	struct ordex_scope sc = {due->tenant, due->env};
	/* a probe has a lookup and a request to answer in */
	struct ordex_outbox_claim claim = {.id = due->id,
	                                   .a = a,
	                                   .probe_us = (int64_t)d->cfg.timeout_ms * 2000 + 5000000,
	                                   .settings = d->cfg.settings};
	if (run(w, &sc, ordex_outbox_claim, &claim) || !claim.claimed) {
		ordex_arena_free(a);
		return;
	}
	const struct ordex_target_row *t = &claim.target;
	struct ordex_outbox_settle s = {
	    .id = claim.row.id,
	    .attempt = claim.row.attempts,
	    .started_at = ordex_time_now(),
	    .retry_base_us = d->cfg.retry_base_us,
	    .unknown_wait_us = (int64_t)d->cfg.timeout_ms * 1000 + 1000000,
	    .settings = d->cfg.settings,
	};
	char *secret = "";
	size_t slen;
	if (t->secret && ordex_vault_open(d->cfg.vault, t->secret, t->secret_len, a, &secret,
	                                  &slen) != ORDEX_OK) {
		s.answer.verdict = ORDEX_RETRY;
		s.transport =
		    "the target's credential cannot be opened with this data directory's key";
		settle(w, &sc, &s);
		ordex_arena_free(a);
		return;
	}
	struct ordex_call call;
	const char *why = NULL;
	if (ordex_target_request(a, t, secret, &claim.row, s.started_at, &call, &why) != ORDEX_OK) {
		s.answer.verdict = ORDEX_DEAD;
		s.answer.message = why;
		settle(w, &sc, &s);
		count(d, &d->counts.dead);
		ordex_arena_free(a);
		return;
	}
	if (t->shadow) {
		s.shadowed = true;
		s.answer_text = call.shown;
		settle(w, &sc, &s);
		count(d, &d->counts.shadowed);
		ordex_arena_free(a);
		return;
	}
	struct reply rep;
	CURLcode code;
	/* any attempt after the first asks first, where the target can be asked:
	 * an outcome that was not known may have been carried out, and a payment
	 * system forgets an idempotency key long before retries end */
	struct ordex_call look;
	if ((claim.unknown_before || claim.row.attempts > 1) &&
	    ordex_target_lookup(a, t, secret, &claim.row, &look)) {
		memset(&rep, 0, sizeof(rep));
		ordex_buf_init(&rep.body, 0);
		long st = perform(w, &look, &rep, &code);
		count(d, &d->counts.lookups);
		const char *ref = NULL;
		int found = code == CURLE_OK
		                ? ordex_target_lookup_judge(a, t, &claim.row, st, rep.body.data,
		                                            rep.body.len, &ref)
		                : -1;
		ordex_buf_free(&rep.body);
		if (found != 0) {
			s.http_status = st;
			if (found > 0) {
				s.looked_up = true;
				s.answer.verdict = ORDEX_DELIVERED;
				s.answer.external_ref = ref;
				count(d, &d->counts.delivered);
			} else {
				s.answer.verdict = ORDEX_UNKNOWN;
				s.transport = "the target could not be asked whether it was done";
				count(d, &d->counts.failed);
			}
			settle(w, &sc, &s);
			ordex_arena_free(a);
			return;
		}
	}
	struct ordex_call list;
	if (ordex_target_steps(a, t, secret, &claim.row, &list)) {
		steps(w, a, t, secret, &claim.row, &list, &s);
	} else {
		send_call(w, a, t, &claim.row, &call, &s);
	}
	settle(w, &sc, &s);
	ordex_arena_free(a);
}

/* ---- the threads ----------------------------------------------------------------- */

static bool stopping(struct ordex_deliverer *d)
{
	pthread_mutex_lock(&d->mu);
	bool s = d->stop;
	pthread_mutex_unlock(&d->mu);
	return s;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ordex_deliverer *d = w->d;
	int me = (int)(w - d->w);
	while (!stopping(d)) {
		struct ordex_arena *a = ordex_arena_new(1 << 14);
		struct ordex_outbox_row *rows = NULL;
		size_t n = 0;
		int64_t now = ordex_time_now(), next = now + 1000000;
		if (w->st->ops->begin(w->st) == ORDEX_OK) {
			if (w->st->ops->outbox_due(w->st, now, 8, a, &rows, &n) != ORDEX_OK)
				n = 0;
			int64_t at;
			if (!n && w->st->ops->outbox_next(w->st, &at) == ORDEX_OK && at < next)
				next = at;
			w->st->ops->commit(w->st);
		}
		/* workers take every other row of what is due, so that they seldom meet
		 * (by the configured count, fixed before any worker runs: the count of
		 * those started is still growing while the first already looks) */
		int workers = d->cfg.threads;
		for (size_t i = 0; i < n && !stopping(d); i++)
			if (workers == 1 || (int)(rows[i].id % workers) == me ||
			    n < (size_t)workers)
				deliver(w, &rows[i]);
		ordex_arena_free(a);
		if (n)
			continue;
		int64_t wait = next - now;
		if (wait > 500000)
			wait = 500000; /* rows queued meanwhile are seen within half a second */
		if (wait < 1000)
			wait = 1000;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = (int64_t)ts.tv_nsec + wait * 1000;
		ts.tv_sec += (time_t)(ns / 1000000000);
		ts.tv_nsec = (long)(ns % 1000000000);
		pthread_mutex_lock(&d->mu);
		if (!d->stop)
			pthread_cond_timedwait(&d->cv, &d->mu, &ts);
		pthread_mutex_unlock(&d->mu);
	}
	return NULL;
}

int ordex_delivery_start(const struct ordex_delivery_config *cfg, struct ordex_deliverer **out)
{
	struct ordex_deliverer *d = ordex_xcalloc(1, sizeof(*d));
	d->cfg = *cfg;
	if (d->cfg.threads < 1)
		d->cfg.threads = 2;
	if (d->cfg.timeout_ms <= 0)
		d->cfg.timeout_ms = 10000;
	if (d->cfg.retry_base_us <= 0)
		d->cfg.retry_base_us = 10 * INT64_C(1000000);
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	d->w = ordex_xcalloc((size_t)d->cfg.threads, sizeof(*d->w));
	/* what was being sent when the last run ended has an unknown outcome */
	struct worker *first = &d->w[0];
	first->d = d;
	pthread_mutex_init(&first->mu, NULL);
	pthread_cond_init(&first->cv, NULL);
	struct ordex_outbox_recovery rec = {.wait_us = (int64_t)d->cfg.timeout_ms * 1000 + 1000000};
	struct ordex_scope none = {0, "production"};
	int rc = run(first, &none, ordex_outbox_recover, &rec);
	int64_t recovered = rec.n;
	if (rc == ORDEX_OK && recovered)
		fprintf(
		    stderr,
		    "ordex: %lld writeback%s in flight at the last stop: asking or sending again "
		    "under the same key\n",
		    (long long)recovered, recovered == 1 ? "" : "s");
	for (int i = 0; rc == ORDEX_OK && i < d->cfg.threads; i++) {
		struct worker *w = &d->w[i];
		w->d = d;
		if (i) {
			pthread_mutex_init(&w->mu, NULL);
			pthread_cond_init(&w->cv, NULL);
		}
		struct ordex_store_options o = {.sync = ORDEX_SYNC_FULL, .readonly = true};
		if ((rc = ordex_store_open_sqlite(cfg->db_path, &o, &w->st)))
			break;
		if (!(w->curl = curl_easy_init())) {
			rc = ORDEX_E_NOMEM;
			break;
		}
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			rc = ORDEX_E_NOMEM;
			break;
		}
		d->n = i + 1;
	}
	if (rc) {
		ordex_delivery_stop(d);
		return rc;
	}
	*out = d;
	return ORDEX_OK;
}

void ordex_delivery_stop(struct ordex_deliverer *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	d->stop = true;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	for (int i = 0; i < d->n; i++)
		pthread_join(d->w[i].thread, NULL);
	for (int i = 0; i < d->cfg.threads; i++) {
		struct worker *w = &d->w[i];
		if (w->curl)
			curl_easy_cleanup(w->curl);
		if (w->st)
			w->st->ops->close(w->st);
		if (w->d) {
			pthread_mutex_destroy(&w->mu);
			pthread_cond_destroy(&w->cv);
		}
	}
	free(d->w);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	free(d);
}

void ordex_delivery_counts(struct ordex_deliverer *d, struct ordex_delivery_counts *out)
{
	memset(out, 0, sizeof(*out));
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	*out = d->counts;
	pthread_mutex_unlock(&d->mu);
}
