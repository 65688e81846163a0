/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timers.c - durable timers fire exactly once, also across a crash.
 *
 * A timer is a row (kind, subject, due_at), armed in the transaction of
 * whatever started the wait. The clock thread watches for due timers on a
 * read connection and hands the writer a command that fires them: each
 * timer is marked fired in the same transaction as its effect, so that a
 * crash before the commit leaves it unfired (it fires after the restart)
 * and a crash after it leaves it fired (it never fires again).
 *
 * Effects: "sla" breaches its case (escalation queue, priority, history,
 * audit); the other kinds move their order's clock to the due time and
 * run the detectors, which judge the time-based conditions at that clock
 * (detect/clock.c). Every firing is audited (timer.fired).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "domain/project.h"
#include "ingest/event.h"
#include "ingest/writer.h"
#include "policy/policy.h"
#include "store/store.h"
#include "workflow/workflow.h"
#include "workflow/timers.h"
#include "workflow/workflow_int.h"

/* Timers fired per transaction: a backlog is worked through in steps. */
#define FIRE_BATCH 256

static int audit_fired(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                       int64_t now, const struct ordex_timer_row *t, const char *outcome)
{
	struct ordex_buf b;
	struct ordex_jw w;
	char due[ORDEX_TIME_MAX_LEN];
	ordex_time_format(t->due_at, 0, due);
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "timer");
	ordex_jw_int(&w, t->id);
	ordex_jw_key(&w, "kind");
	ordex_jw_str(&w, t->kind);
	ordex_jw_key(&w, "subject");
	ordex_jw_str(&w, t->subject);
	ordex_jw_key(&w, "order");
	ordex_jw_str(&w, t->order_ref);
	ordex_jw_key(&w, "due_at");
	ordex_jw_str(&w, due);
	ordex_jw_key(&w, "outcome");
	ordex_jw_str(&w, outcome);
	ordex_jw_obj_end(&w);
	int rc = ordex_audit_append(au, st, sc, now, "timer.fired", t->subject, b.data);
	ordex_buf_free(&b);
	return rc;
}

/* An SLA ran out: the case is breached and, unless it is there already, escalated. */
static int breach(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                  int64_t now, struct ordex_arena *a, const struct ordex_timer_row *t,
                  const char **outcome)
{
	long long id = 0;
	if (sscanf(t->subject, "case:%lld", &id) != 1 || id <= 0) {
		*outcome = "not a case";
		return ORDEX_OK;
	}
	struct ordex_case_row c;
	int rc = st->ops->case_get(st, sc, id, a, &c);
	if (rc == ORDEX_E_NOTFOUND || (rc == ORDEX_OK && !strcmp(c.status, "resolved"))) {
		*outcome = "the case is resolved";
		return ORDEX_OK;
	}
	if (rc)
		return rc;
	if (c.sla_due_at != t->due_at) {
		*outcome = "the case's clock was set again";
		return ORDEX_OK;
	}
	struct ordex_policy pol;
	if ((rc = ordex_policy_in_force(NULL, st, sc, a, &pol)))
		return rc;
	const char *esc = ordex_policy_escalation_queue(&pol);
	const char *from = c.queue;
	c.breached_at = t->due_at;
	c.updated_at = now;
	bool moved = esc && strcmp(esc, c.queue) != 0;
	if (moved) {
		c.queue = esc;
		c.priority += 100;
		/* the escalation queue's own clock starts */
		if ((rc = ordex__case_arm_sla(st, sc, &c, &pol, now)))
			return rc;
	}
	if ((rc = st->ops->case_put(st, sc, &c)))
		return rc;
	*outcome = moved ? "breached: escalated" : "breached";
	return ordex__case_record(
	    st, au, sc, now, c.id, "sla_breached", "ordex",
	    ordex__case_body(a, &c, moved ? "sla breached, escalated" : "sla breached", "ordex",
	                     ordex_arena_printf(a, "the SLA of queue %s ran out", from)));
}

/* A wait of an order ran out: its clock moves there and the detectors look again. */
static int tick(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                int64_t now, struct ordex_arena *a, const struct ordex_tenant_settings *settings,
                const struct ordex_timer_row *t, const char **outcome)
{
	struct ordex_order_row o;
	int rc = t->order_ref ? st->ops->order_get(st, sc, t->order_ref, a, &o) : ORDEX_E_NOTFOUND;
	if (rc == ORDEX_E_NOTFOUND) {
		*outcome = "no such order";
		return ORDEX_OK;
	}
	if (rc)
		return rc;
	if (o.clock_at < t->due_at) {
		o.clock_at = t->due_at;
		if ((rc = st->ops->order_put(st, sc, &o)))
			return rc;
	}
	int opened = 0;
	rc = ordex_detect_now(st, au, sc, now, a, settings, t->order_ref,
	                      ordex_arena_printf(a, "%s:%s", t->kind, t->subject), t->due_at,
	                      &opened);
	*outcome = opened ? "exception opened" : "nothing holds";
	return rc;
}

int ordex_timers_fire(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                      int64_t now, void *ctx)
{
	(void)sc; /* every environment's timers, each in its own scope */
	struct ordex_timer_run *run = ctx;
	struct ordex_arena *a = ordex_arena_new(1 << 14);
	int64_t *tenants;
	const char **envs;
	size_t n_env;
	int rc = st->ops->environments(st, a, &tenants, &envs, &n_env);
	run->fired = 0;
	run->more = false;
	for (size_t e = 0; rc == ORDEX_OK && e < n_env; e++) {
		struct ordex_scope env = {tenants[e], envs[e]};
		struct ordex_tenant_settings settings = run->settings;
		rc = st->ops->tenant_settings(st, env.tenant, &settings.fraud_threshold);
		if (rc == ORDEX_E_NOTFOUND)
			rc = ORDEX_OK;
		struct ordex_timer_row *due;
		size_t n = 0;
		if (rc == ORDEX_OK)
			rc = st->ops->timers_due(st, &env, now, FIRE_BATCH - run->fired, a, &due,
			                         &n);
		for (size_t i = 0; rc == ORDEX_OK && i < n; i++) {
			/* each under its own savepoint: a timer whose effect fails is
			 * still fired, with the failure in the audit log, and never
			 * holds up the others */
			if ((rc = st->ops->savepoint(st)))
				break;
			/* marked first: an effect may arm the same timer again */
			rc = st->ops->timer_fire(st, &env, due[i].id, now);
			if (rc == ORDEX_E_NOTFOUND) {
				rc = st->ops->release(st);
				continue;
			}
			const char *outcome = "";
			if (rc == ORDEX_OK)
				rc = !strcmp(due[i].kind, "sla")
				         ? breach(st, au, &env, now, a, &due[i], &outcome)
				         : tick(st, au, &env, now, a, &settings, &due[i], &outcome);
			bool undone = false;
			if (rc != ORDEX_OK && rc != ORDEX_E_STORE) {
				/* rolling back to the savepoint also ends it */
				outcome = ordex_arena_printf(a, "failed: %s", ordex_strerror(rc));
				ordex_audit_reset(au);
				undone = true;
				rc = st->ops->rollback_to(st);
				if (rc == ORDEX_OK)
					rc = st->ops->timer_fire(st, &env, due[i].id, now);
			}
			if (rc == ORDEX_OK)
				rc = audit_fired(st, au, &env, now, &due[i], outcome);
			if (rc == ORDEX_OK && !undone)
				rc = st->ops->release(st);
			run->fired++;
		}
		if (run->fired >= FIRE_BATCH) {
			run->more = true;
			break;
		}
	}
	ordex_arena_free(a);
	return rc;
}

/* ---- the clock thread ----------------------------------------------------------- */

struct ordex_clock {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, done;
	struct ordex_writer *writer;
	struct ordex_store *st; /* read-only */
	struct ordex_timer_run run;
	struct ordex_batch batch;
	uint64_t fired_total;
};

static void fired(struct ordex_batch *b)
{
	struct ordex_clock *c = b->ctx;
	pthread_mutex_lock(&c->mu);
	c->done = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* The earliest unfired timer of any environment; INT64_MAX: none. */
static int64_t next_due(struct ordex_clock *c)
{
	struct ordex_arena *a = ordex_arena_new(4096);
	int64_t *tenants;
	const char **envs;
	size_t n;
	int64_t best = INT64_MAX;
	if (c->st->ops->begin(c->st) == ORDEX_OK) {
		if (c->st->ops->environments(c->st, a, &tenants, &envs, &n) == ORDEX_OK)
			for (size_t i = 0; i < n; i++) {
				struct ordex_scope sc = {tenants[i], envs[i]};
				int64_t due;
				if (c->st->ops->timer_next(c->st, &sc, &due) == ORDEX_OK &&
				    due < best)
					best = due;
			}
		c->st->ops->commit(c->st);
	}
	ordex_arena_free(a);
	return best;
}

static void *clock_main(void *arg)
{
	struct ordex_clock *c = arg;
	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		pthread_mutex_unlock(&c->mu);
		int64_t due = next_due(c), now = ordex_time_now();
		bool more = false;
		if (due <= now) {
			memset(&c->batch, 0, sizeof(c->batch));
			c->batch.scope = (struct ordex_scope){0, "production"};
			c->batch.command = ordex_timers_fire;
			c->batch.command_ctx = &c->run;
			c->batch.done = fired;
			c->batch.ctx = c;
			c->done = false;
			if (ordex_writer_submit(c->writer, &c->batch) == ORDEX_OK) {
				pthread_mutex_lock(&c->mu);
				while (!c->done)
					pthread_cond_wait(&c->cv, &c->mu);
				pthread_mutex_unlock(&c->mu);
				if (c->batch.rc == ORDEX_OK && c->batch.command_rc == ORDEX_OK) {
					pthread_mutex_lock(&c->mu);
					c->fired_total += (uint64_t)c->run.fired;
					pthread_mutex_unlock(&c->mu);
					more = c->run.more;
				}
			}
		}
		pthread_mutex_lock(&c->mu);
		if (more || c->stop)
			continue;
		/* at most a second: timers armed meanwhile are seen within it */
		int64_t wait = due > now ? due - now : 1000000;
		if (wait > 1000000)
			wait = 1000000;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = (int64_t)ts.tv_nsec + wait * 1000;
		ts.tv_sec += (time_t)(ns / 1000000000);
		ts.tv_nsec = (long)(ns % 1000000000);
		pthread_cond_timedwait(&c->cv, &c->mu, &ts);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int ordex_clock_start(const char *db_path, struct ordex_writer *w,
                      const struct ordex_tenant_settings *settings, struct ordex_clock **out)
{
	struct ordex_clock *c = ordex_xcalloc(1, sizeof(*c));
	struct ordex_store_options o = {.sync = ORDEX_SYNC_FULL, .readonly = true};
	int rc = ordex_store_open_sqlite(db_path, &o, &c->st);
	if (rc) {
		free(c);
		return rc;
	}
	c->writer = w;
	c->run.settings = *settings;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, clock_main, c) != 0) {
		c->st->ops->close(c->st);
		free(c);
		return ORDEX_E_NOMEM;
	}
	*out = c;
	return ORDEX_OK;
}

void ordex_clock_stop(struct ordex_clock *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	c->st->ops->close(c->st);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

uint64_t ordex_clock_fired(struct ordex_clock *c)
{
	if (!c)
		return 0;
	pthread_mutex_lock(&c->mu);
	uint64_t n = c->fired_total;
	pthread_mutex_unlock(&c->mu);
	return n;
}
