/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_writer.c - the writer thread: per-item results, a rejection that
 * leaves nothing behind, group commit under concurrent submitters, and a
 * stop that drains the queue.
 *
 * Each test starts a writer on a fresh database with one tenant and its
 * production environment, and feeds it NDJSON bodies split by
 * ordex_ingest_split as a request thread would. What the writer stored is
 * read back through a second, readonly connection (a WAL reader) or with
 * plain SQLite. The concurrency tests hold the writer inside a command
 * (which runs on the writer thread) while the queue fills, so that
 * grouping and draining are certain instead of likely. Done callbacks run
 * on the flushing thread, after the flush that makes the group durable.
 */
#include "testutil.h"

#include <pthread.h>
#include <time.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "ingest/event.h"
#include "ingest/ingest.h"
#include "ingest/writer.h"
#include "unit_util.h"

struct fixture {
	struct unit_db db;
	struct ordex_writer *w;
	struct ordex_scope sc;
	struct ordex_arena *a;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unit_db_init(&f->db);
	struct ordex_store *st = unit_store_open(f->db.path, false);
	int64_t t = 0;
	assert_int_equal(st->ops->tenant_create(st, "acme", &t), ORDEX_OK);
	assert_int_equal(st->ops->env_create(st, t, "production"), ORDEX_OK);
	f->sc = (struct ordex_scope){t, "production"};
	assert_int_equal(ordex_writer_start(st, NULL, &f->w), ORDEX_OK);
	f->a = ordex_arena_new(16 * 1024);
	*state = f;
	return 0;
}

static void set_gate(bool closed, bool fails);

static int teardown(void **state)
{
	struct fixture *f = *state;
	set_gate(false, false); /* a failed flush test must not leave its flusher held */
	ordex_writer_stop(f->w);
	ordex_arena_free(f->a);
	unit_db_remove(&f->db);
	free(f);
	return 0;
}

/* Splits an NDJSON body (which must outlive the items) into items. */
static struct ordex_item *split(struct ordex_arena *a, const char *body, size_t *n)
{
	struct ordex_item *items = NULL;
	assert_int_equal(ordex_ingest_split(a, body, strlen(body), true, NULL, &items, n),
	                 ORDEX_OK);
	return items;
}

/* Applies body as one batch and waits for it; returns its items. */
static struct ordex_item *run(struct fixture *f, const char *body, size_t want_n)
{
	size_t n = 0;
	struct ordex_item *items = split(f->a, body, &n);
	assert_int_equal(n, want_n);
	struct ordex_batch b = {.scope = f->sc, .items = items, .n = n};
	assert_int_equal(ordex_writer_run(f->w, &b), ORDEX_OK);
	return items;
}

static struct ordex_store *reader(struct fixture *f)
{
	return unit_store_open(f->db.path, true);
}

static int64_t event_count(struct fixture *f)
{
	struct ordex_store *ro = reader(f);
	int64_t n = -1;
	assert_int_equal(ro->ops->event_count(ro, &f->sc, &n), ORDEX_OK);
	ro->ops->close(ro);
	return n;
}

static int64_t sql_count(struct fixture *f, const char *fmt, const char *arg)
{
	char q[512];
	snprintf(q, sizeof(q), fmt, arg);
	sqlite3 *db = unit_sql_open(f->db.path);
	int64_t n = unit_sql_int(db, q);
	sqlite3_close(db);
	return n;
}

static void assert_audit_verifies(struct fixture *f)
{
	struct ordex_store *ro = reader(f);
	struct ordex_audit_report rep;
	int rc = ordex_audit_verify(ro, &rep);
	ro->ops->close(ro);
	if (rc != ORDEX_OK)
		fail_msg("audit verify: tenant %lld seq %lld: %s", (long long)rep.bad_tenant,
		         (long long)rep.bad_seq, rep.reason);
}

#define ORDER_1001                                                                                 \
	"{\"id\":\"evt_o1\",\"source\":\"shop\",\"type\":\"order.created\","                       \
	"\"occurred_at\":\"2025-03-01T10:00:00-05:00\",\"order\":\"1001\","                        \
	"\"data\":{\"status\":\"open\",\"currency\":\"USD\",\"total\":\"25.00\"}}"
#define CAPTURE_1001                                                                               \
	"{\"id\":\"evt_p1\",\"source\":\"psp\",\"type\":\"payment.captured\","                     \
	"\"occurred_at\":\"2025-03-01T10:01:00-05:00\",\"order\":\"1001\","                        \
	"\"data\":{\"payment\":\"pay_1\",\"currency\":\"USD\",\"amount\":\"25.00\"}}"
#define STOCK_SKU9                                                                                 \
	"{\"id\":\"evt_s1\",\"source\":\"wms\",\"type\":\"inventory.level\","                      \
	"\"occurred_at\":\"2025-03-01T09:00:00Z\","                                                \
	"\"data\":{\"sku\":\"SKU-9\",\"location\":\"WH1\",\"available\":3}}"

/* ---- per-item results -------------------------------------------------- */

static void test_new_events_are_accepted_in_log_order(void **state)
{
	struct fixture *f = *state;
	struct ordex_item *it = run(f, ORDER_1001 "\n" CAPTURE_1001 "\n" STOCK_SKU9 "\n", 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(it[i].status, ORDEX_ITEM_ACCEPTED);
		assert_int_equal(it[i].seq, i + 1); /* a fresh log starts at 1 */
		assert_int_equal(it[i].line, i + 1);
	}
	assert_int_equal(event_count(f), 3);

	struct ordex_store *ro = reader(f);
	unsigned char sha[32];
	int64_t seq = 0;
	assert_int_equal(ro->ops->event_find(ro, &f->sc, "psp", "evt_p1", sha, &seq), ORDEX_OK);
	assert_int_equal(seq, 2);
	assert_memory_equal(sha, it[1].ev->sha256, 32);
	struct ordex_payment_row p;
	assert_int_equal(ro->ops->payment_get(ro, &f->sc, "pay_1", f->a, &p), ORDEX_OK);
	assert_string_equal(p.status, "captured");
	assert_int_equal(p.captured, 2500);
	ro->ops->close(ro);

	struct ordex_writer_stats ws;
	ordex_writer_get_stats(f->w, &ws);
	assert_int_equal(ws.accepted, 3);
	assert_int_equal(ws.events, 3);
	assert_audit_verifies(f);
}

static void test_resent_event_is_a_duplicate_with_the_original_seq(void **state)
{
	struct fixture *f = *state;
	run(f, ORDER_1001 "\n" CAPTURE_1001 "\n", 2);
	struct ordex_item *it = run(f, STOCK_SKU9 "\n" CAPTURE_1001 "\n", 2);
	assert_int_equal(it[0].status, ORDEX_ITEM_ACCEPTED);
	assert_int_equal(it[0].seq, 3);
	assert_int_equal(it[1].status, ORDEX_ITEM_DUPLICATE);
	assert_int_equal(it[1].seq, 2);
	assert_int_equal(event_count(f), 3);
	/* applied once, but its receipt is on record */
	assert_int_equal(sql_count(f,
	                           "SELECT count(*) FROM audit WHERE kind = 'input.duplicate' "
	                           "AND subject = '%s'",
	                           "evt_p1"),
	                 1);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM refunds%s", ""), 0);
	struct ordex_writer_stats ws;
	ordex_writer_get_stats(f->w, &ws);
	assert_int_equal(ws.duplicates, 1);
	assert_audit_verifies(f);
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/*
 * Duplicates answered on the request thread are recorded later, riding
 * along with the next group or a second after the oldest of them; a
 * steady trickle of duplicates (one every 200 ms) must not keep pushing
 * that second away. Old behaviour: nothing recorded while it lasts.
 */
static void test_a_trickle_of_duplicates_is_recorded_a_second_after_the_first(void **state)
{
	struct fixture *f = *state;
	struct ordex_item *it = run(f, ORDER_1001 "\n", 1);
	struct ordex_event ev = *it[0].ev;
	int64_t recorded = 0;
	for (int i = 0; i < 20 && !recorded; i++) { /* 4 s at most */
		ordex_writer_receipt(f->w, &f->sc, &ev, it[0].seq);
		sleep_ms(200);
		recorded =
		    sql_count(f, "SELECT count(*) FROM audit WHERE kind = '%s'", "input.duplicate");
		if (recorded)
			assert_true(i >= 3); /* not before the second is over */
	}
	assert_true(recorded > 0);
	assert_audit_verifies(f);
}

/* A store whose flush waits for the test to open a gate, or fails. */
static struct ordex_store_ops gated_ops, real_ops_of_gated;
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_closed, flush_fails;
static int flushes_waiting;

static int gated_sync(struct ordex_store *st)
{
	pthread_mutex_lock(&gate_mu);
	flushes_waiting++;
	pthread_cond_broadcast(&gate_cv);
	while (gate_closed)
		pthread_cond_wait(&gate_cv, &gate_mu);
	flushes_waiting--;
	bool fails = flush_fails;
	pthread_mutex_unlock(&gate_mu);
	return fails ? ORDEX_E_IO : real_ops_of_gated.sync(st);
}

static void set_gate(bool closed, bool fails)
{
	pthread_mutex_lock(&gate_mu);
	gate_closed = closed;
	flush_fails = fails;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

struct answer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
};

static void signal_answer(struct answer *an);

static void answer_done(struct ordex_batch *b)
{
	signal_answer(b->ctx);
}

static bool answered(struct answer *an)
{
	pthread_mutex_lock(&an->mu);
	bool done = an->done;
	pthread_mutex_unlock(&an->mu);
	return done;
}

/* Waits for an answer, failing the test after 30 s instead of hanging. */
static void wait_answer(struct answer *an)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&an->mu);
	while (!an->done && pthread_cond_timedwait(&an->cv, &an->mu, &until) == 0)
		;
	bool done = an->done;
	pthread_mutex_unlock(&an->mu);
	if (!done)
		fail_msg("no answer within 30 s");
}

static void signal_answer(struct answer *an)
{
	pthread_mutex_lock(&an->mu);
	an->done = true;
	pthread_cond_broadcast(&an->cv);
	pthread_mutex_unlock(&an->mu);
}

struct hold {
	struct answer entered, released;
};

/* A command runs on the writer thread: this one holds it until released. */
static int hold_writer(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                       int64_t now, void *ctx)
{
	(void)st, (void)au, (void)sc, (void)now;
	struct hold *h = ctx;
	signal_answer(&h->entered);
	wait_answer(&h->released);
	return ORDEX_OK;
}

struct pending {
	struct ordex_batch b;
	struct answer an;
};

static void pending_submit(struct fixture *f, struct pending *p, const char *body)
{
	size_t n = 0;
	struct ordex_item *items = split(f->a, body, &n);
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->an.mu, NULL);
	pthread_cond_init(&p->an.cv, NULL);
	p->b = (struct ordex_batch){
	    .scope = f->sc, .items = items, .n = n, .done = answer_done, .ctx = &p->an};
	assert_int_equal(ordex_writer_submit(f->w, &p->b), ORDEX_OK);
}

static void pending_destroy(struct pending *p)
{
	pthread_mutex_destroy(&p->an.mu);
	pthread_cond_destroy(&p->an.cv);
}

/*
 * Queues a held writer, then two one-event batches behind it and lets it
 * go: with one event per group, the first event's group has the second
 * queued behind it, so its flush goes to the flushing thread.
 */
static void submit_behind_held_writer(struct fixture *f, struct pending *first,
                                      struct pending *second, const char *body1, const char *body2)
{
	struct hold h;
	struct answer gate_an = {.done = false};
	struct answer *an[] = {&h.entered, &h.released, &gate_an};
	for (int i = 0; i < 3; i++) {
		an[i]->done = false;
		pthread_mutex_init(&an[i]->mu, NULL);
		pthread_cond_init(&an[i]->cv, NULL);
	}
	struct ordex_batch gate = {.scope = f->sc,
	                           .command = hold_writer,
	                           .command_ctx = &h,
	                           .done = answer_done,
	                           .ctx = &gate_an};
	assert_int_equal(ordex_writer_submit(f->w, &gate), ORDEX_OK);
	wait_answer(&h.entered); /* the writer took the gate alone: nothing queued */
	pending_submit(f, first, body1);
	pending_submit(f, second, body2);
	signal_answer(&h.released);
	wait_answer(&gate_an); /* its own commit synced itself */
	for (int i = 0; i < 3; i++) {
		pthread_mutex_destroy(&an[i]->mu);
		pthread_cond_destroy(&an[i]->cv);
	}
}

#define LEVEL_EVENT(id)                                                                            \
	"{\"id\":\"" id "\",\"source\":\"wms\",\"type\":\"inventory.level\","                      \
	"\"occurred_at\":\"2025-03-01T09:00:00Z\",\"data\":{\"sku\":\"SKU-1\","                    \
	"\"location\":\"WH1\",\"available\":3}}\n"

/*
 * A commit handed to the flushing thread is answered only after the flush
 * that makes it durable: while the flush is held, the event is committed (a
 * reader sees it) but not acknowledged, and the durable seq stays below
 * it, so the request path does not answer a duplicate of it either. A
 * flush that fails answers its groups as failed; sent again, the event is
 * a duplicate.
 */
static void test_a_commit_is_answered_only_after_its_flush(void **state)
{
	struct fixture *f = *state;
	struct ordex_store_options o = {.sync = ORDEX_SYNC_FULL, .deferred_sync = true};
	struct ordex_store *st = NULL;
	ordex_writer_stop(f->w); /* this test's writer flushes through the gate */
	assert_int_equal(ordex_store_open_sqlite(f->db.path, &o, &st), ORDEX_OK);
	real_ops_of_gated = *st->ops;
	gated_ops = *st->ops;
	gated_ops.sync = gated_sync;
	st->ops = &gated_ops;
	set_gate(false, false);
	struct ordex_writer_config cfg = {.max_group_events = 1};
	assert_int_equal(ordex_writer_start(st, &cfg, &f->w), ORDEX_OK);
	int64_t durable0 = ordex_writer_durable_seq(f->w);

	set_gate(true, false);
	struct pending p1, p2;
	submit_behind_held_writer(f, &p1, &p2, ORDER_1001 "\n", LEVEL_EVENT("evt_l1"));
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&gate_mu);
	while (flushes_waiting == 0 && pthread_cond_timedwait(&gate_cv, &gate_mu, &until) == 0)
		;
	int waiting = flushes_waiting;
	pthread_mutex_unlock(&gate_mu);
	if (!waiting)
		fail_msg("the commit never reached the flusher within 30 s");
	/* committed and visible, not acknowledged, not durable */
	struct ordex_store *ro = reader(f);
	unsigned char digest[32];
	int64_t seq = 0;
	assert_int_equal(ro->ops->event_find(ro, &f->sc, "shop", "evt_o1", digest, &seq), ORDEX_OK);
	ro->ops->close(ro);
	sleep_ms(50);
	assert_false(answered(&p1.an));
	assert_true(ordex_writer_durable_seq(f->w) < seq);
	assert_int_equal(ordex_writer_durable_seq(f->w), durable0);

	set_gate(false, false);
	wait_answer(&p1.an);
	wait_answer(&p2.an);
	assert_int_equal(p1.b.rc, ORDEX_OK);
	assert_int_equal(p1.b.items[0].status, ORDEX_ITEM_ACCEPTED);
	assert_int_equal(p1.b.items[0].seq, seq);
	assert_int_equal(p2.b.items[0].status, ORDEX_ITEM_ACCEPTED);
	assert_true(ordex_writer_durable_seq(f->w) >= p2.b.items[0].seq);
	pending_destroy(&p1);
	pending_destroy(&p2);

	/* a flush that fails: its groups are answered as failed, the durable seq
	 * stays, and the writer takes nothing more (a later fsync could succeed
	 * without the pages the failed one dropped) */
	int64_t durable = ordex_writer_durable_seq(f->w);
	set_gate(false, true);
	submit_behind_held_writer(f, &p1, &p2, CAPTURE_1001 "\n", LEVEL_EVENT("evt_l2"));
	wait_answer(&p1.an);
	wait_answer(&p2.an);
	assert_int_equal(p1.b.rc, ORDEX_E_IO);
	assert_int_equal(p1.b.items[0].status, ORDEX_ITEM_FAILED);
	assert_non_null(strstr(p1.b.items[0].reason, "durable"));
	assert_int_equal(p2.b.items[0].status, ORDEX_ITEM_FAILED);
	assert_int_equal(ordex_writer_durable_seq(f->w), durable);
	pending_destroy(&p1);
	pending_destroy(&p2);
	set_gate(false, false);
	size_t n = 0;
	struct ordex_item *again = split(f->a, CAPTURE_1001 "\n", &n);
	struct ordex_batch refused = {.scope = f->sc, .items = again, .n = n};
	assert_int_equal(ordex_writer_submit(f->w, &refused), ORDEX_E_SHUTDOWN);
	struct ordex_writer_stats ws;
	ordex_writer_get_stats(f->w, &ws);
	assert_true(ws.flushes >= 2);

	/* after a restart, what was committed is found: the resend is a duplicate */
	ordex_writer_stop(f->w);
	assert_int_equal(ordex_writer_start(unit_store_open(f->db.path, false), NULL, &f->w),
	                 ORDEX_OK);
	struct ordex_item *items = run(f, CAPTURE_1001 "\n", 1);
	assert_int_equal(items[0].status, ORDEX_ITEM_DUPLICATE);
}

/* A store whose next commits fail, as a full disk would make them. */
static struct ordex_store_ops failing_ops, real_ops_of_failing;
static int commits_to_fail;

static int failing_commit(struct ordex_store *st)
{
	if (commits_to_fail > 0) {
		commits_to_fail--;
		return ORDEX_E_STORE;
	}
	const struct ordex_store_ops *real = st->ops;
	st->ops = &real_ops_of_failing;
	int rc = st->ops->commit(st);
	st->ops = real;
	return rc;
}

/*
 * Metering counts a group's events only if the group commits: a failed
 * commit stores nothing, and the same event sent again is counted once.
 * Counts of requests (ordex_writer_count) wait for the next commit instead.
 */
static void test_usage_counts_what_was_stored_once(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = unit_store_open(f->db.path, false);
	real_ops_of_failing = *st->ops;
	failing_ops = *st->ops;
	failing_ops.commit = failing_commit;
	st->ops = &failing_ops;
	ordex_writer_stop(f->w);
	assert_int_equal(ordex_writer_start(st, NULL, &f->w), ORDEX_OK);
	ordex_writer_count(f->w, &f->sc, "api.events.ingest", 1);
	commits_to_fail = 1;
	size_t n = 0;
	struct ordex_item *items = split(f->a, ORDER_1001 "\n", &n);
	struct ordex_batch b = {.scope = f->sc, .items = items, .n = n};
	assert_int_equal(ordex_writer_run(f->w, &b), ORDEX_E_STORE);
	assert_int_equal(items[0].status, ORDEX_ITEM_FAILED);
	ordex_writer_count(f->w, &f->sc, "api.events.ingest", 1);
	items = run(f, ORDER_1001 "\n", 1);
	assert_int_equal(items[0].status, ORDEX_ITEM_ACCEPTED);
	assert_int_equal(sql_count(f,
	                           "SELECT coalesce(sum(count), 0) FROM usage WHERE metric = '%s'",
	                           "events.accepted"),
	                 1);
	assert_int_equal(sql_count(f,
	                           "SELECT coalesce(sum(count), 0) FROM usage WHERE metric = '%s'",
	                           "api.events.ingest"),
	                 2);
}

/* The receipts a failed commit took with it are recorded by the next. */
static void test_receipts_survive_a_failed_commit(void **state)
{
	struct fixture *f = *state;
	struct ordex_item *it = run(f, ORDER_1001 "\n", 1);
	struct ordex_event ev = *it[0].ev;

	struct ordex_store *st = unit_store_open(f->db.path, false);
	real_ops_of_failing = *st->ops;
	failing_ops = *st->ops;
	failing_ops.commit = failing_commit;
	st->ops = &failing_ops;
	struct ordex_writer *w2;
	assert_int_equal(ordex_writer_start(st, NULL, &w2), ORDEX_OK);
	commits_to_fail = 1;
	ordex_writer_receipt(w2, &f->sc, &ev, it[0].seq);
	int64_t recorded = 0;
	for (int i = 0; i < 40 && !recorded; i++) { /* 4 s at most */
		sleep_ms(100);
		recorded =
		    sql_count(f, "SELECT count(*) FROM audit WHERE kind = '%s'", "input.duplicate");
	}
	assert_int_equal(commits_to_fail, 0); /* the first attempt did fail */
	assert_int_equal(recorded, 1);
	ordex_writer_stop(w2);
	assert_audit_verifies(f);
}

static void test_repeat_within_one_batch_is_a_duplicate_of_the_first(void **state)
{
	struct fixture *f = *state;
	struct ordex_item *it = run(f, ORDER_1001 "\n" STOCK_SKU9 "\n" ORDER_1001 "\n", 3);
	assert_int_equal(it[0].status, ORDEX_ITEM_ACCEPTED);
	assert_int_equal(it[1].status, ORDEX_ITEM_ACCEPTED);
	assert_int_equal(it[2].status, ORDEX_ITEM_DUPLICATE);
	assert_int_equal(it[2].seq, it[0].seq);
	assert_int_equal(event_count(f), 2);
}

static void test_same_id_with_other_bytes_is_a_conflict(void **state)
{
	struct fixture *f = *state;
	run(f, ORDER_1001 "\n" CAPTURE_1001 "\n", 2);
	struct ordex_item *it =
	    run(f,
	        "{\"id\":\"evt_p1\",\"source\":\"psp\",\"type\":\"payment.captured\","
	        "\"occurred_at\":\"2025-03-01T10:01:00-05:00\",\"order\":\"1001\","
	        "\"data\":{\"payment\":\"pay_1\",\"currency\":\"USD\",\"amount\":\"99.00\"}}\n",
	        1);
	assert_int_equal(it[0].status, ORDEX_ITEM_CONFLICT);
	assert_int_equal(it[0].seq, 2);
	assert_string_equal(it[0].field, "id");
	assert_non_null(it[0].reason);
	assert_int_equal(event_count(f), 2);

	struct ordex_store *ro = reader(f);
	struct ordex_payment_row p;
	assert_int_equal(ro->ops->payment_get(ro, &f->sc, "pay_1", f->a, &p), ORDEX_OK);
	assert_int_equal(p.captured, 2500);
	ro->ops->close(ro);
	assert_int_equal(
	    sql_count(f, "SELECT count(*) FROM audit WHERE body LIKE '%%%s%%'", "99.00"), 0);
}

static void test_item_rejected_by_validation_is_left_alone(void **state)
{
	struct fixture *f = *state;
	struct ordex_item *it = run(f,
	                            ORDER_1001 "\n"
	                                       "{\"id\":\"evt_bad\",\"source\":\"shop\",\"type\":"
	                                       "\"order.created\"}\n" STOCK_SKU9 "\n",
	                            3);
	assert_int_equal(it[0].status, ORDEX_ITEM_ACCEPTED);
	assert_int_equal(it[1].status, ORDEX_ITEM_REJECTED);
	assert_null(it[1].ev);
	assert_non_null(it[1].problems);
	assert_true(it[1].problems->n > 0);
	assert_int_equal(it[1].seq, 0);
	assert_int_equal(it[2].status, ORDEX_ITEM_ACCEPTED);
	assert_int_equal(event_count(f), 2);
}

/* ---- a rejection by state ----------------------------------------------- */

static void test_item_rejected_by_state_leaves_nothing_and_the_rest_applies(void **state)
{
	struct fixture *f = *state;
	run(f, ORDER_1001 "\n" CAPTURE_1001 "\n", 2);
	int64_t audit_before = sql_count(f, "SELECT count(*) FROM audit%s", "");

	struct ordex_item *it =
	    run(f,
	        "{\"id\":\"evt_o2\",\"source\":\"shop\",\"type\":\"order.updated\","
	        "\"occurred_at\":\"2025-03-01T11:00:00-05:00\",\"order\":\"1001\","
	        "\"data\":{\"status\":\"processing\"}}\n"
	        "{\"id\":\"evt_r_eur\",\"source\":\"psp\",\"type\":\"payment.refunded\","
	        "\"occurred_at\":\"2025-03-01T12:00:00-05:00\",\"order\":\"1001\","
	        "\"data\":{\"payment\":\"pay_1\",\"refund\":\"re_eur\",\"currency\":\"EUR\","
	        "\"amount\":\"5.00\"}}\n" STOCK_SKU9 "\n"
	        "{\"id\":\"evt_r_usd\",\"source\":\"psp\",\"type\":\"payment.refunded\","
	        "\"occurred_at\":\"2025-03-01T12:05:00-05:00\",\"order\":\"1001\","
	        "\"data\":{\"payment\":\"pay_1\",\"refund\":\"re_usd\",\"currency\":\"USD\","
	        "\"amount\":\"5.00\"}}\n",
	        4);

	assert_int_equal(it[1].status, ORDEX_ITEM_REJECTED);
	assert_string_equal(it[1].field, "data.currency");
	assert_string_equal(it[1].reason, "differs from payment \"pay_1\" in \"USD\"; amounts are "
	                                  "never mixed across currencies");
	assert_int_equal(it[1].seq, 0);
	assert_int_equal(it[0].status, ORDEX_ITEM_ACCEPTED);
	assert_int_equal(it[2].status, ORDEX_ITEM_ACCEPTED);
	assert_int_equal(it[3].status, ORDEX_ITEM_ACCEPTED);
	assert_true(it[0].seq < it[2].seq && it[2].seq < it[3].seq);

	/* no event row, no audit entry */
	struct ordex_store *ro = reader(f);
	unsigned char sha[32];
	int64_t seq;
	assert_int_equal(ro->ops->event_find(ro, &f->sc, "psp", "evt_r_eur", sha, &seq),
	                 ORDEX_E_NOTFOUND);
	assert_int_equal(event_count(f), 5);
	assert_int_equal(sql_count(f,
	                           "SELECT count(*) FROM audit WHERE subject = '%1$s' OR "
	                           "instr(body, '%1$s') > 0 OR instr(body, 're_eur') > 0",
	                           "evt_r_eur"),
	                 0);
	assert_true(sql_count(f, "SELECT count(*) FROM audit%s", "") > audit_before);

	/* no projection change: only the USD refund counted */
	struct ordex_payment_row p;
	assert_int_equal(ro->ops->payment_get(ro, &f->sc, "pay_1", f->a, &p), ORDEX_OK);
	assert_string_equal(p.currency, "USD");
	assert_int_equal(p.refunded, 500);
	assert_int_equal(p.updated_seq, it[3].seq);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM refunds WHERE ref = '%s'", "re_eur"),
	                 0);
	assert_int_equal(sql_count(f, "SELECT count(*) FROM refunds WHERE ref = '%s'", "re_usd"),
	                 1);

	/* the others of the batch applied, before and after it */
	struct ordex_order_row o;
	assert_int_equal(ro->ops->order_get(ro, &f->sc, "1001", f->a, &o), ORDEX_OK);
	assert_string_equal(o.status, "processing");
	struct ordex_stock k;
	assert_int_equal(ro->ops->stock(ro, &f->sc, "SKU-9", &k), ORDEX_OK);
	assert_true(k.known);
	assert_int_equal(k.level, 3);
	ro->ops->close(ro);

	struct ordex_writer_stats ws;
	ordex_writer_get_stats(f->w, &ws);
	assert_int_equal(ws.rejected, 1);
	assert_audit_verifies(f);
}

/* ---- concurrency ------------------------------------------------------- */

enum { THREADS = 4, PER_THREAD = 50, BATCHES = THREADS * PER_THREAD, MAX_PROBES = 20000 };

struct shared {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int submitted; /* batches queued by the submitters */
	int done;      /* done calls of those batches */
	bool gate_entered;
	int probes; /* probe batches the writer took */
	int probe_done;
	bool probe_overflow;
	struct ordex_writer *w;
};

struct sub {
	struct ordex_batch b;
	int calls;
	int rc;
	struct shared *sh;
};

static void sub_done(struct ordex_batch *b)
{
	struct sub *s = b->ctx;
	pthread_mutex_lock(&s->sh->mu);
	s->calls++;
	s->sh->done++;
	pthread_cond_broadcast(&s->sh->cv);
	pthread_mutex_unlock(&s->sh->mu);
}

/* Wait (bounded) until *counter reaches want; false on timeout. */
static bool wait_for(struct shared *sh, const int *counter, int want)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	bool ok = true;
	pthread_mutex_lock(&sh->mu);
	while (*counter < want && ok)
		ok = pthread_cond_timedwait(&sh->cv, &sh->mu, &until) == 0 || *counter >= want;
	pthread_mutex_unlock(&sh->mu);
	return ok;
}

static void shared_init(struct shared *sh, struct ordex_writer *w)
{
	memset(sh, 0, sizeof(*sh));
	pthread_mutex_init(&sh->mu, NULL);
	pthread_cond_init(&sh->cv, NULL);
	sh->w = w;
}

static void shared_destroy(struct shared *sh)
{
	pthread_mutex_destroy(&sh->mu);
	pthread_cond_destroy(&sh->cv);
}

/* One small batch: a single inventory level with a unique id. */
static void make_sub(struct sub *s, struct shared *sh, struct ordex_arena *a,
                     const struct ordex_scope *sc, int k)
{
	const char *body = ordex_arena_printf(
	    a,
	    "{\"id\":\"evt_%d\",\"source\":\"wms\",\"type\":\"inventory.level\","
	    "\"occurred_at\":\"2025-03-01T09:00:00Z\",\"data\":{\"sku\":\"SKU-%d\","
	    "\"location\":\"WH1\",\"available\":%d}}\n",
	    k, k % 7, k);
	size_t n = 0;
	struct ordex_item *items = split(a, body, &n);
	assert_int_equal(n, 1);
	memset(s, 0, sizeof(*s));
	s->b.scope = *sc;
	s->b.items = items;
	s->b.n = n;
	s->b.done = sub_done;
	s->b.ctx = s;
	s->sh = sh;
}

struct submitter {
	struct shared *sh;
	struct sub *subs;
	int first;
	const struct ordex_scope *sc;
	struct ordex_arena *a;
};

static void *submit_main(void *arg)
{
	struct submitter *t = arg;
	/* split everything first so the submissions come in a burst */
	for (int i = 0; i < PER_THREAD; i++)
		make_sub(&t->subs[i], t->sh, t->a, t->sc, t->first + i);
	for (int i = 0; i < PER_THREAD; i++) {
		t->subs[i].rc = ordex_writer_submit(t->sh->w, &t->subs[i].b);
		pthread_mutex_lock(&t->sh->mu);
		t->sh->submitted++;
		pthread_cond_broadcast(&t->sh->cv);
		pthread_mutex_unlock(&t->sh->mu);
	}
	return NULL;
}

static void gate_done(struct ordex_batch *b)
{
	(void)b;
}

/* A command runs on the writer thread: this one holds it until every
 * submitter has queued. */
static int gate_wait_for_submitters(struct ordex_store *st, struct ordex_audit *au,
                                    const struct ordex_scope *sc, int64_t now, void *ctx)
{
	(void)st, (void)au, (void)sc, (void)now;
	struct shared *sh = ctx;
	pthread_mutex_lock(&sh->mu);
	sh->gate_entered = true;
	pthread_cond_broadcast(&sh->cv);
	while (sh->submitted < BATCHES)
		pthread_cond_wait(&sh->cv, &sh->mu);
	pthread_mutex_unlock(&sh->mu);
	return ORDEX_OK;
}

static void test_concurrent_submitters_are_all_applied_in_fewer_commits(void **state)
{
	struct fixture *f = *state;
	static struct sub subs[BATCHES];
	struct shared sh;
	shared_init(&sh, f->w);

	struct ordex_batch gate = {.scope = f->sc,
	                           .command = gate_wait_for_submitters,
	                           .command_ctx = &sh,
	                           .done = gate_done};
	assert_int_equal(ordex_writer_submit(f->w, &gate), ORDEX_OK);

	pthread_t th[THREADS];
	struct submitter t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		t[i] = (struct submitter){&sh, &subs[i * PER_THREAD], i * PER_THREAD, &f->sc,
		                          ordex_arena_new(16 * 1024)};
		assert_int_equal(pthread_create(&th[i], NULL, submit_main, &t[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	if (!wait_for(&sh, &sh.done, BATCHES))
		fail_msg("only %d of %d batches done", sh.done, BATCHES);

	struct ordex_writer_stats ws;
	ordex_writer_get_stats(f->w, &ws);
	ordex_writer_stop(f->w);
	f->w = NULL;

	for (int i = 0; i < BATCHES; i++) {
		assert_int_equal(subs[i].rc, ORDEX_OK);
		if (subs[i].calls != 1)
			fail_msg("batch %d: done called %d times", i, subs[i].calls);
		assert_int_equal(subs[i].b.rc, ORDEX_OK);
		assert_int_equal(subs[i].b.items[0].status, ORDEX_ITEM_ACCEPTED);
	}
	assert_int_equal(ws.events, BATCHES);
	assert_int_equal(ws.accepted, BATCHES);
	/* BATCHES + 1 batches (with the gate); commits may still lack the last group */
	if (!(ws.commits >= 1 && ws.commits < BATCHES + 1))
		fail_msg("%llu commits for %d batches", (unsigned long long)ws.commits,
		         BATCHES + 1);
	assert_true(ws.max_group >= 2);
	assert_int_equal(event_count(f), BATCHES);
	assert_audit_verifies(f);

	for (int i = 0; i < THREADS; i++)
		ordex_arena_free(t[i].a);
	shared_destroy(&sh);
}

static void probe_done(struct ordex_batch *b)
{
	struct shared *sh = b->ctx;
	pthread_mutex_lock(&sh->mu);
	sh->probe_done++;
	pthread_mutex_unlock(&sh->mu);
}

/*
 * Runs on the writer thread: holds it until ordex_writer_stop() has begun,
 * which a submission refused with ORDEX_E_SHUTDOWN shows. The probes that
 * were still taken are empty batches that must get their done too.
 */
static struct ordex_batch probes[MAX_PROBES];

/* Holds the writer thread, submitting probes until the writer refuses them. */
static int gate_wait_for_stop(struct ordex_store *st, struct ordex_audit *au,
                              const struct ordex_scope *sc, int64_t now, void *ctx)
{
	(void)st, (void)au, (void)now;
	struct shared *sh = ctx;
	pthread_mutex_lock(&sh->mu);
	sh->gate_entered = true;
	pthread_cond_broadcast(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
	for (;;) {
		if (sh->probes == MAX_PROBES) {
			sh->probe_overflow = true;
			return ORDEX_OK;
		}
		struct ordex_batch *p = &probes[sh->probes];
		*p = (struct ordex_batch){.scope = *sc, .done = probe_done, .ctx = sh};
		if (ordex_writer_submit(sh->w, p) == ORDEX_E_SHUTDOWN)
			return ORDEX_OK;
		sh->probes++;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
}

static void test_stop_drains_the_queue(void **state)
{
	struct fixture *f = *state;
	enum { N = 100 };
	static struct sub subs[N];
	struct shared sh;
	shared_init(&sh, f->w);
	for (int i = 0; i < N; i++)
		make_sub(&subs[i], &sh, f->a, &f->sc, i);

	struct ordex_batch gate = {
	    .scope = f->sc, .command = gate_wait_for_stop, .command_ctx = &sh, .done = gate_done};
	assert_int_equal(ordex_writer_submit(f->w, &gate), ORDEX_OK);
	pthread_mutex_lock(&sh.mu);
	while (!sh.gate_entered)
		pthread_cond_wait(&sh.cv, &sh.mu);
	pthread_mutex_unlock(&sh.mu);
	/* the writer is held: all of these are still queued when stop begins */
	for (int i = 0; i < N; i++)
		assert_int_equal(ordex_writer_submit(f->w, &subs[i].b), ORDEX_OK);
	ordex_writer_stop(f->w);
	f->w = NULL;

	assert_false(sh.probe_overflow);
	assert_int_equal(sh.probe_done, sh.probes);
	assert_int_equal(sh.done, N);
	for (int i = 0; i < N; i++) {
		if (subs[i].calls != 1)
			fail_msg("batch %d: done called %d times", i, subs[i].calls);
		assert_int_equal(subs[i].b.items[0].status, ORDEX_ITEM_ACCEPTED);
	}
	assert_int_equal(event_count(f), N);
	shared_destroy(&sh);
}

/* ---- one group or one event at a time: the same result ------------------ */

/*
 * A deterministic stream with everything a group must get right: stock,
 * orders and their lines, payments, refunds in the payment's currency and
 * in another (refused), exact duplicates, conflicts, shipments, and facts
 * that wait for an order named only as a candidate, some of which the order
 * refuses when it arrives (a replay refused). Each line is its own
 * allocation, so that a batch can point into it.
 */
static unsigned lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(*x >> 33);
}

static char **stream_of(int orders, int *n_out)
{
	int cap = orders * 12 + 16, n = 0;
	char **v = calloc((size_t)cap, sizeof(*v));
	uint64_t x = 12345;
#define RND()    lcg(&x)
#define ADD(...) (v[n] = malloc(512), snprintf(v[n], 512, __VA_ARGS__), n++)
	for (int k = 0; k < 6; k++)
		ADD("{\"id\":\"lvl-%d\",\"source\":\"wms\",\"type\":\"inventory.level\","
		    "\"occurred_at\":\"2025-03-01T08:00:00Z\",\"data\":{\"sku\":\"SKU-%d\","
		    "\"location\":\"WH1\",\"available\":%d}}",
		    k, k, k < 2 ? 3 : 40);
	for (int i = 0; i < orders; i++) {
		unsigned r = RND();
		const char *cur = r % 7 == 0 ? "EUR" : "USD";
		if (r % 5 == 0) /* waits for the order: refused by it when it is USD */
			ADD("{\"id\":\"held-%d\",\"source\":\"desk\",\"type\":\"order.updated\","
			    "\"occurred_at\":\"2025-03-01T12:00:00Z\",\"data\":{\"status\":"
			    "\"held\","
			    "\"currency\":\"EUR\",\"order_candidates\":[\"O-%d\"]}}",
			    i, i);
		ADD("{\"id\":\"o-%d\",\"source\":\"shop\",\"type\":\"order.created\","
		    "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"order\":\"O-%d\",\"data\":{"
		    "\"status\":\"open\",\"currency\":\"%s\",\"total\":\"20.00\",\"lines\":["
		    "{\"id\":\"l1\",\"sku\":\"SKU-%u\",\"qty\":%u,\"price\":\"10.00\"}]}}",
		    i, i, cur, r / 7 % 6, 1 + r / 3 % 2);
		if (r % 11 == 0) /* a provider's retry */
			ADD("%s", v[n - 1]);
		ADD("{\"id\":\"p-%d\",\"source\":\"psp\",\"type\":\"payment.captured\","
		    "\"occurred_at\":\"2025-03-01T10:01:00Z\",\"order\":\"O-%d\",\"data\":{"
		    "\"payment\":\"pay-%d\",\"currency\":\"%s\",\"amount\":\"20.00\"}}",
		    i, i, i, cur);
		if (r % 3 == 0) /* another currency: refused by the payment */
			ADD("{\"id\":\"r-%d\",\"source\":\"psp\",\"type\":\"payment.refunded\","
			    "\"occurred_at\":\"2025-03-01T11:00:00Z\",\"order\":\"O-%d\",\"data\":{"
			    "\"payment\":\"pay-%d\",\"refund\":\"re-%d\",\"currency\":\"JPY\","
			    "\"amount\":\"500\"}}",
			    i, i, i, i);
		if (r % 4 == 0)
			ADD("{\"id\":\"q-%d\",\"source\":\"psp\",\"type\":\"payment.refunded\","
			    "\"occurred_at\":\"2025-03-01T11:05:00Z\",\"order\":\"O-%d\",\"data\":{"
			    "\"payment\":\"pay-%d\",\"refund\":\"rq-%d\",\"currency\":\"%s\","
			    "\"amount\":\"5.00\"}}",
			    i, i, i, i, cur);
		if (r % 13 == 0) /* the same id with other bytes: a conflict */
			ADD("{\"id\":\"p-%d\",\"source\":\"psp\",\"type\":\"payment.captured\","
			    "\"occurred_at\":\"2025-03-01T10:01:00Z\",\"order\":\"O-%d\",\"data\":{"
			    "\"payment\":\"pay-%d\",\"currency\":\"%s\",\"amount\":\"21.00\"}}",
			    i, i, i, cur);
		if (r % 2 == 0) {
			ADD("{\"id\":\"s-%d\",\"source\":\"carrier\",\"type\":\"shipment.created\","
			    "\"occurred_at\":\"2025-03-02T09:00:00Z\",\"order\":\"O-%d\",\"data\":{"
			    "\"shipment\":\"S-%d\",\"tracking\":\"T%d\"}}",
			    i, i, i, i);
			ADD("{\"id\":\"t-%d\",\"source\":\"carrier\",\"type\":\"shipment.updated\","
			    "\"occurred_at\":\"2025-03-02T15:00:00Z\",\"data\":{\"shipment\":\"S-%"
			    "d\","
			    "\"status\":\"%s\"}}",
			    i, i, r % 8 == 0 ? "exception" : "in_transit");
		}
		if (r % 9 == 0) /* stock restated: tops up or shortens the queue */
			ADD("{\"id\":\"lvl-%d-%d\",\"source\":\"wms\",\"type\":\"inventory.level\","
			    "\"occurred_at\":\"2025-03-01T%02d:30:00Z\",\"data\":{\"sku\":\"SKU-%"
			    "u\","
			    "\"location\":\"WH1\",\"available\":%u}}",
			    i, 0, 9 + i % 12, r / 5 % 6, r / 11 % 10);
	}
#undef ADD
#undef RND
	*n_out = n;
	return v;
}

/* What a database holds, as one string, without the times of the writing. */
static char *state_of(const char *path)
{
	static const char *const q[] = {
	    "SELECT group_concat(x, '|') FROM (SELECT ref || ',' || known || ',' || status || ',' "
	    "|| currency || ',' || coalesce(total, '') AS x FROM orders ORDER BY ref)",
	    "SELECT group_concat(x, '|') FROM (SELECT order_id || ',' || line_no || ',' || sku || "
	    "',' || qty || ',' || allocated || ',' || open AS x FROM order_lines ORDER BY "
	    "order_id, line_no)",
	    "SELECT group_concat(x, '|') FROM (SELECT ref || ',' || status || ',' || currency || "
	    "',' || captured || ',' || refunded AS x FROM payments ORDER BY ref)",
	    "SELECT group_concat(x, '|') FROM (SELECT ref || ',' || status AS x FROM shipments "
	    "ORDER BY ref)",
	    "SELECT group_concat(x, '|') FROM (SELECT order_ref || ',' || kind || ',' || "
	    "coalesce(subject, '') || ',' || status || ',' || seen || ',' || priority || ',' || "
	    "why AS x FROM exceptions ORDER BY order_ref, kind, subject)",
	    "SELECT group_concat(x, '|') FROM (SELECT id || ',' || source || ',' || ext_id || ',' "
	    "|| coalesce(order_ref, '') AS x FROM events ORDER BY id)",
	    "SELECT group_concat(x, '|') FROM (SELECT sku || ',' || available || ',' || allocated "
	    "|| ',' || short AS x FROM sku_stock ORDER BY sku)",
	    "SELECT group_concat(x, '|') FROM (SELECT kind || ',' || subject AS x FROM audit "
	    "ORDER BY seq)",
	    "SELECT group_concat(x, '|') FROM (SELECT subject_kind || ',' || subject_ref || ',' "
	    "|| event_seq AS x FROM pending_links ORDER BY event_seq, subject_ref)",
	};
	sqlite3 *db = unit_sql_open(path);
	size_t cap = 1 << 20, len = 0;
	char *out = malloc(cap);
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(db, q[i], -1, &s, NULL) != SQLITE_OK)
			fail_msg("state query %zu: %s", i, sqlite3_errmsg(db));
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
			const char *t = (const char *)sqlite3_column_text(s, 0);
			size_t k = strlen(t);
			while (len + k + 2 > cap)
				out = realloc(out, cap *= 2);
			memcpy(out + len, t, k);
			len += k;
		}
		out[len++] = '\n';
		out[len] = '\0';
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return out;
}

struct group_hold {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool entered, open;
	int done;
};

/* Runs on the writer thread and holds it until the test opens it. */
static int hold_group(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                      int64_t now, void *ctx)
{
	(void)st, (void)au, (void)sc, (void)now;
	struct group_hold *h = ctx;
	pthread_mutex_lock(&h->mu);
	h->entered = true;
	pthread_cond_broadcast(&h->cv);
	while (!h->open)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
	return ORDEX_OK;
}

static void group_done(struct ordex_batch *b)
{
	struct group_hold *h = b->ctx;
	pthread_mutex_lock(&h->mu);
	h->done++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/*
 * The writer applies a group without a savepoint per event, and applies it
 * again with them when the state refuses one (a refund in another
 * currency, a waiting fact its order refuses). Whatever the grouping, every
 * event must get the result, and the database the state, that it gets
 * when each event is a group of its own.
 */
static void test_a_group_gives_every_event_the_result_it_has_alone(void **state)
{
	struct fixture *f = *state;
	int n = 0;
	char **lines = stream_of(120, &n);
	struct ordex_arena *a = ordex_arena_new(64 * 1024);

	/* one event a group */
	enum ordex_item_status *alone = calloc((size_t)n, sizeof(*alone));
	int64_t *alone_seq = calloc((size_t)n, sizeof(*alone_seq));
	for (int i = 0; i < n; i++) {
		size_t k = 0;
		struct ordex_item *it = split(a, lines[i], &k);
		assert_int_equal(k, 1);
		struct ordex_batch b = {.scope = f->sc, .items = it, .n = 1};
		assert_int_equal(ordex_writer_run(f->w, &b), ORDEX_OK);
		alone[i] = it->status;
		alone_seq[i] = it->seq;
	}
	struct ordex_writer_stats ws;
	ordex_writer_get_stats(f->w, &ws);
	assert_true(ws.replays > 0); /* the stream has refusals */
	uint64_t refused = ws.rejected;

	/* the whole stream in one group of batches of 7 */
	struct unit_db db2;
	unit_db_init(&db2);
	struct ordex_store *st2 = unit_store_open(db2.path, false);
	int64_t t = 0;
	assert_int_equal(st2->ops->tenant_create(st2, "acme", &t), ORDEX_OK);
	assert_int_equal(st2->ops->env_create(st2, t, "production"), ORDEX_OK);
	assert_int_equal(t, f->sc.tenant);
	struct ordex_writer *w2;
	assert_int_equal(ordex_writer_start(st2, NULL, &w2), ORDEX_OK);
	struct group_hold h = {.open = false};
	pthread_mutex_init(&h.mu, NULL);
	pthread_cond_init(&h.cv, NULL);
	struct ordex_batch gate = {.scope = f->sc,
	                           .command = hold_group,
	                           .command_ctx = &h,
	                           .done = group_done,
	                           .ctx = &h};
	assert_int_equal(ordex_writer_submit(w2, &gate), ORDEX_OK);
	pthread_mutex_lock(&h.mu);
	while (!h.entered)
		pthread_cond_wait(&h.cv, &h.mu);
	pthread_mutex_unlock(&h.mu);
	int n_batches = (n + 6) / 7;
	struct ordex_batch *bs = calloc((size_t)n_batches, sizeof(*bs));
	for (int j = 0; j < n_batches; j++) {
		size_t len = 0;
		for (int i = j * 7; i < n && i < j * 7 + 7; i++)
			len += strlen(lines[i]) + 1;
		char *body = ordex_arena_alloc(a, len + 1), *p = body;
		for (int i = j * 7; i < n && i < j * 7 + 7; i++)
			p += sprintf(p, "%s\n", lines[i]);
		size_t k = 0;
		bs[j] = (struct ordex_batch){.scope = f->sc, .done = group_done, .ctx = &h};
		bs[j].items = split(a, body, &k);
		bs[j].n = k;
		assert_int_equal(ordex_writer_submit(w2, &bs[j]), ORDEX_OK);
	}
	pthread_mutex_lock(&h.mu);
	h.open = true;
	pthread_cond_broadcast(&h.cv);
	while (h.done < n_batches + 1)
		pthread_cond_wait(&h.cv, &h.mu);
	pthread_mutex_unlock(&h.mu);
	ordex_writer_get_stats(w2, &ws);
	assert_true(ws.replays > 0);
	assert_true(ws.commits <= 3); /* the gate's group, and the stream's */
	assert_int_equal(ws.rejected, refused);
	for (int i = 0; i < n; i++) {
		const struct ordex_item *it = &bs[i / 7].items[i % 7];
		if (it->status != alone[i] || it->seq != alone_seq[i])
			fail_msg("line %d: %d seq %lld in a group, %d seq %lld alone: %s", i,
			         (int)it->status, (long long)it->seq, (int)alone[i],
			         (long long)alone_seq[i], lines[i]);
	}
	ordex_writer_stop(w2);

	char *one = state_of(f->db.path), *grouped = state_of(db2.path);
	assert_string_equal(grouped, one);
	assert_true(strstr(one, "input.not_reapplied") != NULL); /* a replay was refused */
	assert_audit_verifies(f);
	free(one);
	free(grouped);
	unit_db_remove(&db2);
	pthread_mutex_destroy(&h.mu);
	pthread_cond_destroy(&h.cv);
	free(bs);
	free(alone);
	free(alone_seq);
	for (int i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	ordex_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_new_events_are_accepted_in_log_order),
	    T(test_resent_event_is_a_duplicate_with_the_original_seq),
	    T(test_repeat_within_one_batch_is_a_duplicate_of_the_first),
	    T(test_a_trickle_of_duplicates_is_recorded_a_second_after_the_first),
	    T(test_receipts_survive_a_failed_commit),
	    T(test_usage_counts_what_was_stored_once),
	    T(test_a_commit_is_answered_only_after_its_flush),
	    T(test_same_id_with_other_bytes_is_a_conflict),
	    T(test_item_rejected_by_validation_is_left_alone),
	    T(test_item_rejected_by_state_leaves_nothing_and_the_rest_applies),
	    T(test_concurrent_submitters_are_all_applied_in_fewer_commits),
	    T(test_stop_drains_the_queue),
	    T(test_a_group_gives_every_event_the_result_it_has_alone),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
