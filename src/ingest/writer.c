/* SPDX-License-Identifier: Apache-2.0 */
/*
 * writer.c - the writer thread and group commit.
 *
 * The queue is a mutex-protected list. The writer sleeps until something is
 * queued, takes batches up to max_group_events, and applies them in one
 * transaction:
 *   for each event: look up (tenant, environment, source, id)
 *     same bytes      -> duplicate (an audit entry records the receipt)
 *     different bytes -> conflict, nothing stored
 *     new             -> store the event; audit; project; detect
 *   COMMIT
 * without a savepoint per event (see apply_batches): should the state refuse
 * an event, the transaction is rolled back and the group applied again with
 * one, the refused event rolled back to it.
 * With more queued behind the group, the commit only writes the WAL frames
 * and the group goes to the flushing thread, which flushes the WAL once
 * for every group committed since its last flush (one fsync), then calls
 * every batch's done. With nothing queued, the commit syncs itself and the
 * writer answers the group. While a group is applied and flushed, new batches
 * queue up and form the next group, so the group grows with the load and
 * the fsync cost is shared; and the writer applies group n+1 while group
 * n's flush runs. If the database fails, the transaction is rolled back
 * and every batch of the group fails whole: nothing half-applied is ever
 * acknowledged. If the flush fails, the group's events are answered as
 * failed and the writer takes nothing more (see flush()).
 */
#include "ingest/writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "domain/scope.h"
#include "policy/policy.h"
#include "ingest/event.h"
#include "store/store.h"

struct usage;
struct usage_list {
	struct usage *v;
	size_t n, cap;
};

struct ordex_writer {
	struct ordex_store *st;
	struct ordex_writer_config cfg;
	struct ordex_audit *au;
	struct ordex_arena *a;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ordex_batch *head, *tail;
	struct receipt *receipts; /* duplicates answered early, to audit */
	size_t n_receipts;
	struct timespec receipts_due; /* the oldest waiting receipt's deadline */
	bool receipts_failing;        /* the last attempt to record them failed */
	bool stopping;
	struct ordex_writer_stats stats;
	/* committed groups waiting for the flush, linked through next */
	pthread_t flusher;
	pthread_cond_t flush_cv;
	struct ordex_batch *flush_head, *flush_tail;
	int64_t flush_seq; /* the highest seq they hold */
	bool flush_stopping;
	bool flushing;     /* the flusher is between taking groups and answering them */
	bool busy;         /* batches queued while the last group was applied */
	bool flush_failed; /* the disk refused a flush: nothing more is taken */
	/* metering: counts from requests waiting for the next transaction
	 * (under mu), and the open group's own (writer thread only: dropped if
	 * the group rolls back, so a retried event is never counted twice) */
	struct usage_list usage, group_usage;
	/* credentials used since the last transaction (under mu): kind, id and
	 * the latest use, written with the next transaction */
	struct touch *touches;
	size_t n_touches, cap_touches;
	struct ordex_scope_cache *scope_rules; /* writer thread */
	struct ordex_policy_cache *policies;   /* writer thread */
	_Atomic int64_t durable_seq;
	int64_t group_seq; /* writer thread: the highest seq of the open group */
};

static void hex(const unsigned char *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

struct usage {
	int64_t tenant;
	char env[16];
	char metric[48];
	int64_t n;
};

static void list_add(struct usage_list *l, int64_t tenant, const char *env, const char *metric,
                     int64_t n)
{
	for (size_t i = 0; i < l->n; i++) {
		struct usage *u = &l->v[i];
		if (u->tenant == tenant && !strcmp(u->env, env) && !strcmp(u->metric, metric)) {
			u->n += n;
			return;
		}
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = ordex_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	struct usage *u = &l->v[l->n++];
	u->tenant = tenant;
	snprintf(u->env, sizeof(u->env), "%s", env);
	snprintf(u->metric, sizeof(u->metric), "%s", metric);
	u->n = n;
}

struct touch {
	int64_t tenant;
	char env[16];
	enum ordex_credential kind;
	int64_t id, at;
};

/* With w->mu held: anything waiting to be written without a group? */
static bool pending_locked(const struct ordex_writer *w)
{
	return w->receipts || w->usage.n || w->n_touches;
}

/* With w->mu held: an idle writer is woken by the first thing waiting, to
 * set its timer (see writer_main); later ones ride along. */
static void wait_for_ride_locked(struct ordex_writer *w)
{
	clock_gettime(CLOCK_REALTIME, &w->receipts_due);
	w->receipts_due.tv_sec += 1;
	pthread_cond_signal(&w->cv);
}

void ordex_writer_touch(struct ordex_writer *w, const struct ordex_scope *sc,
                        enum ordex_credential kind, int64_t id, int64_t at)
{
	pthread_mutex_lock(&w->mu);
	bool first = !pending_locked(w);
	size_t i = 0;
	while (i < w->n_touches && (w->touches[i].kind != kind || w->touches[i].id != id))
		i++;
	if (i == w->n_touches && w->n_touches < 4096) {
		if (w->n_touches == w->cap_touches) {
			w->cap_touches = w->cap_touches ? w->cap_touches * 2 : 16;
			w->touches =
			    ordex_xrealloc(w->touches, w->cap_touches * sizeof(*w->touches));
		}
		struct touch *t = &w->touches[w->n_touches++];
		*t = (struct touch){.tenant = sc->tenant, .kind = kind, .id = id, .at = at};
		snprintf(t->env, sizeof(t->env), "%s", sc->env);
	} else if (i < w->n_touches && w->touches[i].at < at) {
		w->touches[i].at = at;
	}
	if (first)
		wait_for_ride_locked(w);
	pthread_mutex_unlock(&w->mu);
}

/* A count of the open group (writer thread). */
static void usage_add(struct ordex_writer *w, const struct ordex_scope *sc, const char *metric,
                      int64_t n)
{
	list_add(&w->group_usage, sc->tenant, sc->env, metric, n);
}

void ordex_writer_count(struct ordex_writer *w, const struct ordex_scope *sc, const char *metric,
                        int64_t n)
{
	if (!n)
		return;
	pthread_mutex_lock(&w->mu);
	bool first = !pending_locked(w);
	if (first) {
		clock_gettime(CLOCK_REALTIME, &w->receipts_due);
		w->receipts_due.tv_sec += 1;
	}
	list_add(&w->usage, sc->tenant, sc->env, metric, n);
	/* only the first count wakes an idle writer (to set its timer): a wake-up
	 * per request would cost a context switch each on a busy core */
	if (first)
		pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* What an input's audit entry records; a duplicate's receipt keeps a copy. */
struct receipt {
	struct receipt *next;
	struct ordex_scope sc;
	char env[16];
	char *source, *id, *type, *order;
	unsigned char sha256[32];
	int64_t seq;
};

static int audit_receipt(struct ordex_writer *w, const struct receipt *r, const char *what)
{
	struct ordex_buf b;
	struct ordex_jw j;
	char sha[65];
	hex(r->sha256, 32, sha);
	ordex_buf_init(&b, 0);
	ordex_jw_init(&j, &b);
	ordex_jw_obj(&j);
	ordex_jw_key(&j, "seq");
	ordex_jw_int(&j, r->seq);
	ordex_jw_key(&j, "source");
	ordex_jw_str(&j, r->source);
	ordex_jw_key(&j, "id");
	ordex_jw_str(&j, r->id);
	ordex_jw_key(&j, "type");
	ordex_jw_str(&j, r->type);
	if (r->order) {
		ordex_jw_key(&j, "order");
		ordex_jw_str(&j, r->order);
	}
	ordex_jw_key(&j, "sha256");
	ordex_jw_str(&j, sha);
	ordex_jw_obj_end(&j);
	char kind[32];
	snprintf(kind, sizeof(kind), "input.%s", what);
	int rc = ordex_audit_append(w->au, w->st, &r->sc, ordex_time_now(), kind, r->id, b.data);
	ordex_buf_free(&b);
	return rc;
}

static int audit_input(struct ordex_writer *w, const struct ordex_scope *sc,
                       const struct ordex_event *ev, int64_t seq, const char *what)
{
	struct receipt r = {
	    .sc = *sc,
	    .source = (char *)ev->source,
	    .id = (char *)ev->id,
	    .type = (char *)ev->type_name,
	    .order = (char *)ev->order,
	    .seq = seq,
	};
	memcpy(r.sha256, ev->sha256, 32);
	return audit_receipt(w, &r, what);
}

static const char *subject_of(const struct ordex_event *ev)
{
	if (ev->payment)
		return ev->payment;
	if (ev->shipment)
		return ev->shipment;
	if (ev->sku)
		return ev->sku;
	if (ev->customer && ev->type == ORDEX_EV_CUSTOMER_UPDATED)
		return ev->customer;
	if (ev->ticket)
		return ev->ticket;
	return NULL;
}

/* An event whose (source, id) is stored: a duplicate, or a conflict when its content differs. */
static int stored_already(struct ordex_writer *w, const struct ordex_scope *sc,
                          struct ordex_item *it)
{
	struct ordex_store *st = w->st;
	const struct ordex_event *ev = it->ev;
	unsigned char sha[32];
	int64_t seq;
	int rc = st->ops->event_find(st, sc, ev->source, ev->id, sha, &seq);
	if (rc == ORDEX_E_NOTFOUND)
		return ORDEX_E_STORE; /* the insert found it a moment ago */
	if (rc)
		return rc;
	it->seq = seq;
	if (memcmp(sha, ev->digest, 32) == 0) {
		it->status = ORDEX_ITEM_DUPLICATE;
		usage_add(w, sc, "events.duplicate", 1);
		return audit_input(w, sc, ev, seq, "duplicate");
	}
	usage_add(w, sc, "events.rejected", 1);
	it->status = ORDEX_ITEM_CONFLICT;
	it->field = "id";
	it->reason = "was already received from this source with different content";
	return ORDEX_OK;
}

/*
 * Applies one event. Returns ORDEX_OK, ORDEX_E_STORE (the group fails) or,
 * when not careful, ORDEX_E_AGAIN: the state refused the event, and
 * without a savepoint of its own its writes can only be undone with the
 * whole transaction (the group is then applied again, carefully).
 */
static int apply_item(struct ordex_writer *w, const struct ordex_scope *sc,
                      const struct ordex_tenant_settings *settings, struct ordex_item *it,
                      int64_t now, int64_t delivery, bool careful)
{
	struct ordex_store *st = w->st;
	const struct ordex_event *ev = it->ev;
	int64_t seq;
	it->applied = true;
	int rc;
	if (careful && (rc = st->ops->savepoint(st)))
		return rc;
	/* stored unless its key is: the insert is the look-up of a new event */
	rc = st->ops->event_insert(st, sc, ev, subject_of(ev), now, delivery, &seq);
	if (rc == ORDEX_E_DUPLICATE) {
		if (careful && (rc = st->ops->release(st)))
			return rc;
		return stored_already(w, sc, it);
	}
	if (rc == ORDEX_OK)
		rc = audit_input(w, sc, ev, seq, "accepted");
	struct ordex_apply ap = {
	    .st = st,
	    .au = w->au,
	    .a = w->a,
	    .sc = sc,
	    .settings = settings,
	    .now = now,
	    .careful = careful,
	    .scope_cache = w->scope_rules,
	    .policy_cache = w->policies,
	};
	if (rc == ORDEX_OK)
		rc = ordex_apply_event(&ap, ev, seq);
	if (rc == ORDEX_E_INVAL && !careful)
		return ORDEX_E_AGAIN;
	if (rc == ORDEX_E_INVAL) {
		/* the state refuses the event: undo everything it did */
		ordex_audit_reset(w->au);
		if ((rc = st->ops->rollback_to(st)))
			return rc;
		it->status = ORDEX_ITEM_REJECTED;
		usage_add(w, sc, "events.rejected", 1);
		snprintf(it->field_buf, sizeof(it->field_buf), "%s", ap.field ? ap.field : "");
		snprintf(it->reason_buf, sizeof(it->reason_buf), "%s", ap.reason);
		it->field = it->field_buf;
		it->reason = it->reason_buf;
		ordex_arena_reset(w->a);
		return ORDEX_OK;
	}
	if (rc)
		return rc;
	if (careful && (rc = st->ops->release(st)))
		return rc;
	it->status = ORDEX_ITEM_ACCEPTED;
	it->seq = seq;
	if (seq > w->group_seq)
		w->group_seq = seq;
	usage_add(w, sc, "events.accepted", 1);
	usage_add(w, sc, "bytes.stored", (int64_t)ev->raw_len);
	if (ap.exceptions_opened)
		usage_add(w, sc, "exceptions.opened", ap.exceptions_opened);
	/* what one event needed is not needed by the next: memory stays bounded
	 * by the largest event, not by the size of the group */
	ordex_arena_reset(w->a);
	return ORDEX_OK;
}

/*
 * Stores a webhook delivery once per (source, provider id) with an audit
 * entry of its receipt; a redelivery is recorded in the audit log only.
 */
static int store_delivery(struct ordex_writer *w, struct ordex_batch *b, int64_t now)
{
	struct ordex_store *st = w->st;
	/* a copy: a retry renamed below must not change the caller's id */
	struct ordex_delivery copy = *b->delivery, *d = &copy;
	unsigned char seen[32];
	int rc = st->ops->delivery_find(st, &b->scope, d->source, d->delivery_id, &b->delivery_seq,
	                                seen);
	if (rc == ORDEX_OK && memcmp(seen, d->sha256, 32) != 0) {
		/* a retry of the same notification whose bytes changed (Stripe's
		 * pending_webhooks, EasyPost's pending_urls): kept as evidence of its
		 * own; its events are deduplicated one by one like any others */
		char tag[17];
		hex(d->sha256, 8, tag);
		d->delivery_id = ordex_arena_printf(w->a, "%s#%s", d->delivery_id, tag);
		rc = st->ops->delivery_find(st, &b->scope, d->source, d->delivery_id,
		                            &b->delivery_seq, seen);
	}
	if (rc == ORDEX_OK)
		b->delivery_duplicate = true;
	else if (rc == ORDEX_E_NOTFOUND)
		rc = st->ops->delivery_insert(st, &b->scope, d, &b->delivery_seq);
	if (rc)
		return rc;
	struct ordex_buf buf;
	struct ordex_jw j;
	char sha[65];
	hex(d->sha256, 32, sha);
	ordex_buf_init(&buf, 0);
	ordex_jw_init(&j, &buf);
	ordex_jw_obj(&j);
	ordex_jw_key(&j, "delivery");
	ordex_jw_int(&j, b->delivery_seq);
	ordex_jw_key(&j, "source");
	ordex_jw_str(&j, d->source);
	ordex_jw_key(&j, "delivery_id");
	ordex_jw_str(&j, d->delivery_id);
	ordex_jw_key(&j, "topic");
	ordex_jw_str(&j, d->topic);
	ordex_jw_key(&j, "kind");
	ordex_jw_str(&j, d->kind);
	ordex_jw_key(&j, "outcome");
	ordex_jw_str(&j, d->outcome);
	ordex_jw_key(&j, "events");
	ordex_jw_int(&j, d->events);
	ordex_jw_key(&j, "sha256");
	ordex_jw_str(&j, sha);
	ordex_jw_obj_end(&j);
	rc = ordex_audit_append(w->au, st, &b->scope, now,
	                        b->delivery_duplicate ? "webhook.duplicate" : "webhook.received",
	                        d->delivery_id, buf.data);
	ordex_buf_free(&buf);
	return rc;
}

static int run_command(struct ordex_writer *w, struct ordex_batch *b, int64_t now)
{
	struct ordex_store *st = w->st;
	int rc = st->ops->savepoint(st);
	if (rc)
		return rc;
	b->command_rc = b->command(st, w->au, &b->scope, now, b->command_ctx);
	/* a command may change the rules or the policy the next events read */
	ordex_scope_cache_next_group(w->scope_rules);
	ordex_policy_cache_next_group(w->policies);
	if (b->command_rc == ORDEX_E_STORE)
		return ORDEX_E_STORE;
	if (b->command_rc != ORDEX_OK) {
		ordex_audit_reset(w->au);
		return st->ops->rollback_to(st);
	}
	return st->ops->release(st);
}

static void count(struct ordex_writer *w, const struct ordex_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		switch (b->items[i].status) {
		case ORDEX_ITEM_ACCEPTED: w->stats.accepted++; break;
		case ORDEX_ITEM_DUPLICATE: w->stats.duplicates++; break;
		default: w->stats.rejected++; break;
		}
	}
	w->stats.events += b->n;
}

static void free_receipts(struct receipt *r)
{
	while (r) {
		struct receipt *next = r->next;
		free(r->source);
		free(r->id);
		free(r->type);
		free(r->order);
		free(r);
		r = next;
	}
}

/* Receipts kept waiting at most; past it a storm of duplicates flushes. */
#define RECEIPTS_MAX 4096

/*
 * A failed transaction took the receipts with it: they go back to wait for
 * the next one, a second from now, up to RECEIPTS_MAX in all; the rest,
 * and all of them once the writer stops, are dropped (the duplicates
 * themselves were answered and counted).
 */
static void requeue_receipts(struct ordex_writer *w, struct receipt *r)
{
	pthread_mutex_lock(&w->mu);
	struct receipt *keep = NULL, **tail = &keep;
	while (r && !w->stopping && w->n_receipts < RECEIPTS_MAX) {
		struct receipt *next = r->next;
		r->next = NULL;
		*tail = r;
		tail = &r->next;
		w->n_receipts++;
		r = next;
	}
	*tail = w->receipts;
	w->receipts = keep;
	w->receipts_failing = true;
	clock_gettime(CLOCK_REALTIME, &w->receipts_due);
	w->receipts_due.tv_sec += 1;
	pthread_mutex_unlock(&w->mu);
	free_receipts(r);
}

/* Answers each batch of a list (linked through next) with rc. */
static void finish(struct ordex_writer *w, struct ordex_batch *b, int rc, const char *why)
{
	while (b) {
		struct ordex_batch *next = b->next;
		b->next = NULL;
		b->rc = rc;
		if (rc) {
			for (size_t i = 0; i < b->n; i++) {
				struct ordex_item *it = &b->items[i];
				if (it->ev) {
					it->status = ORDEX_ITEM_FAILED;
					it->reason = why;
				}
			}
		}
		pthread_mutex_lock(&w->mu);
		count(w, b);
		pthread_mutex_unlock(&w->mu);
		b->done(b);
		b = next;
	}
}

/*
 * One flush: every commit so far is durable, then groups are answered. A
 * flush the disk refused is final: after a failed fsync the kernel may have
 * dropped the pages and a later fsync can succeed without them, so no later
 * flush may vouch for those commits. The writer then takes nothing more
 * (submit answers as if shutting down) and the durable seq stays where it
 * was; a restart syncs the log again and finds what is on disk.
 */
static void flush(struct ordex_writer *w, struct ordex_batch *groups, int64_t seq)
{
	pthread_mutex_lock(&w->mu);
	bool failed = w->flush_failed;
	pthread_mutex_unlock(&w->mu);
	int rc = failed ? ORDEX_E_IO : w->st->ops->sync(w->st);
	if (rc == ORDEX_OK && seq > atomic_load(&w->durable_seq))
		atomic_store(&w->durable_seq, seq);
	pthread_mutex_lock(&w->mu);
	w->stats.flushes += rc == ORDEX_OK;
	if (rc && !w->flush_failed) {
		w->flush_failed = true;
		fprintf(stderr, "ordex: could not flush the log to disk; nothing more is "
		                "acknowledged: restart ordex once the disk is healthy\n");
	}
	pthread_mutex_unlock(&w->mu);
	finish(w, groups, rc,
	       "could not be made durable (the disk refused a flush); send it again");
}

/*
 * The group's receipts and batches, in the open transaction. Events get a
 * savepoint each only when careful: a savepoint makes SQLite copy every
 * page the event changes that the group had changed already (a statement
 * journal, written to a file past 64 KiB), which cost the writer a third
 * of its time, and refusals are rare. Not careful, a refused event ends
 * the run with ORDEX_E_AGAIN and the caller applies the group again.
 */
static int apply_batches(struct ordex_writer *w, struct ordex_batch *group,
                         const struct receipt *receipts, int64_t now, bool careful)
{
	struct ordex_store *st = w->st;
	int rc = ORDEX_OK;
	for (const struct receipt *r = receipts; rc == ORDEX_OK && r; r = r->next)
		rc = audit_receipt(w, r, "duplicate");
	for (struct ordex_batch *b = group; rc == ORDEX_OK && b; b = b->next) {
		/* the tenant's own settings over the service's defaults */
		struct ordex_tenant_settings settings = w->cfg.settings;
		rc = st->ops->tenant_settings(st, b->scope.tenant, &settings.fraud_threshold);
		if (rc == ORDEX_E_NOTFOUND)
			rc = ORDEX_OK;
		if (rc == ORDEX_OK && b->audit_kind)
			rc = ordex_audit_append(w->au, st, &b->scope, now, b->audit_kind,
			                        b->audit_subject, b->audit_body);
		if (rc == ORDEX_OK && b->delivery)
			rc = store_delivery(w, b, now);
		if (rc == ORDEX_OK && b->command)
			rc = run_command(w, b, now);
		for (size_t i = 0; i < b->n && !careful; i++)
			b->items[i].applied = false;
		for (size_t i = 0; rc == ORDEX_OK && i < b->n; i++) {
			struct ordex_item *it = &b->items[i];
			if (!it->ev || it->status != ORDEX_ITEM_PENDING)
				continue;
			rc = apply_item(w, &b->scope, &settings, it, now, b->delivery_seq, careful);
		}
	}
	return rc;
}

/* After a rollback: the parsed rules and policies it may have read of its own
 * (a version stored in the same transaction) are no longer true. */
static void forget_reads(struct ordex_writer *w)
{
	ordex_scope_cache_forget(w->scope_rules);
	ordex_policy_cache_forget(w->policies);
}

/* Forgets what a rolled-back run of the group set, before it runs again. */
static void undo(struct ordex_writer *w, struct ordex_batch *group)
{
	for (struct ordex_batch *b = group; b; b = b->next) {
		b->delivery_seq = 0;
		b->delivery_duplicate = false;
		b->command_rc = ORDEX_OK;
		for (size_t i = 0; i < b->n; i++) {
			struct ordex_item *it = &b->items[i];
			if (!it->applied)
				continue;
			it->applied = false;
			it->status = ORDEX_ITEM_PENDING;
			it->seq = 0;
			it->field = it->reason = NULL;
		}
	}
	ordex_audit_reset(w->au);
	w->group_usage.n = 0;
	w->group_seq = 0;
	ordex_arena_reset(w->a);
}

/* Applies a group of batches in one transaction. */
static void apply_group(struct ordex_writer *w, struct ordex_batch *group)
{
	struct ordex_store *st = w->st;
	int64_t now = ordex_time_now();
	ordex_audit_reset(w->au);
	ordex_scope_cache_next_group(w->scope_rules);
	ordex_policy_cache_next_group(w->policies);
	w->group_seq = 0;
	/* Under load, the group's flush goes to the flusher and the writer goes
	 * on with the next group. Idle, there is nothing to overlap with: the
	 * commit syncs itself (SQLite's own synchronous=FULL path, measured
	 * faster for a lone client than a separate flush) and is answered here.
	 * Load is what queued while the last group was applied (the writer
	 * takes everything queued, so the queue itself is empty here), and
	 * whatever still waits for the flusher. The setting cannot change
	 * inside a transaction, so it is chosen before it begins. */
	pthread_mutex_lock(&w->mu);
	bool deferred = w->busy || w->head || w->flush_head || w->flushing;
	bool refused = w->flush_failed;
	pthread_mutex_unlock(&w->mu);
	if (refused) {
		finish(
		    w, group, ORDEX_E_IO,
		    "not stored: the disk refused an earlier flush; send it again after a restart");
		return;
	}
	int rc = st->ops->defer_sync(st, deferred);
	bool begun = false;
	if (rc == ORDEX_OK)
		begun = (rc = st->ops->begin(st)) == ORDEX_OK;
	pthread_mutex_lock(&w->mu);
	struct receipt *receipts = w->receipts;
	w->receipts = NULL;
	w->n_receipts = 0;
	pthread_mutex_unlock(&w->mu);
	if (rc == ORDEX_OK)
		rc = apply_batches(w, group, receipts, now, false);
	if (rc == ORDEX_E_AGAIN) {
		/* an event was refused, and without savepoints only the whole
		 * transaction can undo it: the group is applied again with a
		 * savepoint per event, which gives every event the result it would
		 * have had (the state before each is the same in both runs) */
		begun = false;
		rc = st->ops->rollback(st);
		undo(w, group);
		forget_reads(w);
		pthread_mutex_lock(&w->mu);
		w->stats.replays++;
		pthread_mutex_unlock(&w->mu);
		if (rc == ORDEX_OK)
			begun = (rc = st->ops->begin(st)) == ORDEX_OK;
		if (rc == ORDEX_OK)
			rc = apply_batches(w, group, receipts, now, true);
	}
	/* the counts of requests since the last transaction and of this group,
	 * in the same transaction; should it fail, the requests' are put back
	 * and the group's dropped (its events are not stored) */
	pthread_mutex_lock(&w->mu);
	struct usage_list taken = w->usage;
	w->usage = (struct usage_list){0};
	struct touch *touches = w->touches;
	size_t n_touches = w->n_touches;
	w->touches = NULL;
	w->n_touches = w->cap_touches = 0;
	pthread_mutex_unlock(&w->mu);
	/* the uses of credentials: a failed transaction loses them, which only
	 * leaves a last-use time a minute older */
	for (size_t i = 0; rc == ORDEX_OK && i < n_touches; i++) {
		struct ordex_scope tsc = {touches[i].tenant, touches[i].env};
		rc = st->ops->credential_touch(st, &tsc, touches[i].kind, touches[i].id,
		                               touches[i].at);
	}
	free(touches);
	int64_t hour = now / (3600 * INT64_C(1000000));
	const struct usage_list *lists[2] = {&taken, &w->group_usage};
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; rc == ORDEX_OK && i < lists[l]->n; i++) {
			const struct usage *u = &lists[l]->v[i];
			struct ordex_scope usc = {u->tenant, u->env};
			rc = st->ops->usage_add(st, &usc, hour, u->metric, u->n);
		}
	w->group_usage.n = 0;
	if (rc == ORDEX_OK)
		rc = st->ops->commit(st);
	if (rc && taken.n) {
		pthread_mutex_lock(&w->mu);
		for (size_t i = 0; i < taken.n; i++)
			list_add(&w->usage, taken.v[i].tenant, taken.v[i].env, taken.v[i].metric,
			         taken.v[i].n);
		pthread_mutex_unlock(&w->mu);
	}
	free(taken.v);
	if (rc) {
		if (begun)
			st->ops->rollback(st);
		ordex_audit_reset(w->au);
		forget_reads(w);
	}
	if (rc) {
		requeue_receipts(w, receipts);
	} else {
		free_receipts(receipts);
		pthread_mutex_lock(&w->mu);
		w->receipts_failing = false;
		pthread_mutex_unlock(&w->mu);
	}
	ordex_arena_reset(w->a);
	pthread_mutex_lock(&w->mu);
	w->stats.commits += rc == ORDEX_OK;
	w->busy = w->head != NULL;
	pthread_mutex_unlock(&w->mu);
	if (rc) {
		finish(w, group, rc, "could not be stored; nothing was applied, send it again");
		return;
	}
	/* committed: answered once a flush has made it durable */
	if (!group)
		return; /* receipts alone: durable with the next flush */
	if (!deferred) {
		/* the commit synced itself */
		if (w->group_seq > atomic_load(&w->durable_seq))
			atomic_store(&w->durable_seq, w->group_seq);
		pthread_mutex_lock(&w->mu);
		w->stats.flushes++;
		pthread_mutex_unlock(&w->mu);
		finish(w, group, ORDEX_OK, NULL);
		return;
	}
	pthread_mutex_lock(&w->mu);
	if (w->group_seq > w->flush_seq)
		w->flush_seq = w->group_seq;
	if (w->flush_tail)
		w->flush_tail->next = group;
	else
		w->flush_head = group;
	while (group->next)
		group = group->next;
	w->flush_tail = group;
	pthread_cond_signal(&w->flush_cv);
	pthread_mutex_unlock(&w->mu);
}

/*
 * The flushing thread: one flush makes every group committed before it
 * durable; then their requests are answered.
 */
static void *flusher_main(void *arg)
{
	struct ordex_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->flush_head && !w->flush_stopping)
			pthread_cond_wait(&w->flush_cv, &w->mu);
		if (!w->flush_head)
			break;
		struct ordex_batch *groups = w->flush_head;
		int64_t seq = w->flush_seq;
		w->flush_head = w->flush_tail = NULL;
		w->flushing = true;
		pthread_mutex_unlock(&w->mu);
		flush(w, groups, seq);
		pthread_mutex_lock(&w->mu);
		w->flushing = false;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void *writer_main(void *arg)
{
	struct ordex_writer *w = arg;
	size_t max = w->cfg.max_group_events ? w->cfg.max_group_events : 4096;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->stopping) {
			if (!pending_locked(w)) {
				pthread_cond_wait(&w->cv, &w->mu);
				continue;
			}
			/* receipts alone wait for a group to ride along, up to a
			 * second after the oldest of them or until there are many */
			if (w->n_receipts >= RECEIPTS_MAX && !w->receipts_failing)
				break;
			if (pthread_cond_timedwait(&w->cv, &w->mu, &w->receipts_due) == ETIMEDOUT &&
			    !w->head)
				break;
		}
		if (!w->head && pending_locked(w) && w->flush_failed) {
			/* nothing more is written after a refused flush */
			struct receipt *r = w->receipts;
			w->receipts = NULL;
			w->n_receipts = 0;
			w->usage.n = 0;
			w->n_touches = 0;
			pthread_mutex_unlock(&w->mu);
			free_receipts(r);
			pthread_mutex_lock(&w->mu);
			continue;
		}
		if (!w->head && pending_locked(w)) {
			pthread_mutex_unlock(&w->mu);
			apply_group(w, NULL);
			pthread_mutex_lock(&w->mu);
			continue;
		}
		if (!w->head && w->stopping)
			break;
		/* take batches up to max events; at least one */
		struct ordex_batch *group = w->head, *last = w->head;
		size_t events = last->n;
		while (last->next && events + last->next->n <= max) {
			last = last->next;
			events += last->n;
		}
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		if (events > w->stats.max_group)
			w->stats.max_group = events;
		pthread_mutex_unlock(&w->mu);
		apply_group(w, group);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int ordex_writer_start(struct ordex_store *st, const struct ordex_writer_config *cfg,
                       struct ordex_writer **out)
{
	struct ordex_writer *w = ordex_xcalloc(1, sizeof(*w));
	w->st = st;
	if (cfg)
		w->cfg = *cfg;
	if (!w->cfg.settings.fraud_threshold)
		w->cfg.settings.fraud_threshold = 75;
	/* what a previous run committed is made durable before it is answered
	 * for (a duplicate of it is acknowledged from a read connection) */
	int64_t last = 0;
	int rc = st->ops->sync(st);
	if (rc == ORDEX_OK)
		rc = st->ops->event_last_seq(st, &last);
	if (rc) {
		free(w);
		return rc;
	}
	atomic_init(&w->durable_seq, last);
	w->au = ordex_audit_new();
	w->a = ordex_arena_new(64 * 1024);
	w->scope_rules = ordex_scope_cache_new();
	w->policies = ordex_policy_cache_new();
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_cond_init(&w->flush_cv, NULL);
	if (pthread_create(&w->flusher, NULL, flusher_main, w) != 0) {
		ordex_audit_free(w->au);
		ordex_arena_free(w->a);
		ordex_scope_cache_free(w->scope_rules);
		ordex_policy_cache_free(w->policies);
		free(w);
		return ORDEX_E_NOMEM;
	}
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_mutex_lock(&w->mu);
		w->flush_stopping = true;
		pthread_cond_signal(&w->flush_cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->flusher, NULL);
		ordex_audit_free(w->au);
		ordex_arena_free(w->a);
		ordex_scope_cache_free(w->scope_rules);
		ordex_policy_cache_free(w->policies);
		free(w);
		return ORDEX_E_NOMEM;
	}
	*out = w;
	return ORDEX_OK;
}

int ordex_writer_submit(struct ordex_writer *w, struct ordex_batch *b)
{
	b->next = NULL;
	b->rc = ORDEX_OK;
	pthread_mutex_lock(&w->mu);
	if (w->stopping || w->flush_failed) {
		pthread_mutex_unlock(&w->mu);
		return ORDEX_E_SHUTDOWN;
	}
	if (w->tail)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return ORDEX_OK;
}

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	void *ctx;
	ordex_batch_done_fn fn;
};

static void waiter_done(struct ordex_batch *b)
{
	struct waiter *wt = b->ctx;
	pthread_mutex_lock(&wt->mu);
	wt->done = true;
	pthread_cond_signal(&wt->cv);
	pthread_mutex_unlock(&wt->mu);
}

int ordex_writer_run(struct ordex_writer *w, struct ordex_batch *b)
{
	struct waiter wt = {.done = false};
	pthread_mutex_init(&wt.mu, NULL);
	pthread_cond_init(&wt.cv, NULL);
	b->done = waiter_done;
	b->ctx = &wt;
	int rc = ordex_writer_submit(w, b);
	if (rc == ORDEX_OK) {
		pthread_mutex_lock(&wt.mu);
		while (!wt.done)
			pthread_cond_wait(&wt.cv, &wt.mu);
		pthread_mutex_unlock(&wt.mu);
		rc = b->rc;
	}
	pthread_mutex_destroy(&wt.mu);
	pthread_cond_destroy(&wt.cv);
	return rc;
}

void ordex_writer_receipt(struct ordex_writer *w, const struct ordex_scope *sc,
                          const struct ordex_event *ev, int64_t seq)
{
	struct receipt *r = ordex_xcalloc(1, sizeof(*r));
	snprintf(r->env, sizeof(r->env), "%s", sc->env);
	r->sc.tenant = sc->tenant;
	r->sc.env = r->env;
	r->source = ordex_xstrdup(ev->source);
	r->id = ordex_xstrdup(ev->id);
	r->type = ordex_xstrdup(ev->type_name);
	r->order = ev->order ? ordex_xstrdup(ev->order) : NULL;
	memcpy(r->sha256, ev->sha256, 32);
	r->seq = seq;
	pthread_mutex_lock(&w->mu);
	if (w->stopping || (w->receipts_failing && w->n_receipts >= RECEIPTS_MAX)) {
		/* too late to ride along, or the store is failing and enough wait:
		 * the receipt is not recorded (the duplicate is still counted) */
		if (!w->stopping) {
			w->stats.duplicates++;
			w->stats.events++;
		}
		pthread_mutex_unlock(&w->mu);
		free_receipts(r);
		return;
	}
	/* an idle writer is woken to set its timer by the first thing waiting,
	 * and again when enough wait; a wake-up per duplicate would cost two
	 * context switches each on a busy core */
	bool wake = !pending_locked(w);
	if (!w->receipts) {
		clock_gettime(CLOCK_REALTIME, &w->receipts_due);
		w->receipts_due.tv_sec += 1;
	}
	r->next = w->receipts;
	w->receipts = r;
	w->n_receipts++;
	wake = wake || w->n_receipts == RECEIPTS_MAX;
	list_add(&w->usage, sc->tenant, sc->env, "events.duplicate", 1);
	w->stats.duplicates++;
	w->stats.events++;
	if (wake)
		pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void ordex_writer_drain(struct ordex_writer *w)
{
	pthread_mutex_lock(&w->mu);
	bool joined = w->stopping;
	w->stopping = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (joined)
		return;
	pthread_join(w->thread, NULL);
	/* the writer's last groups are flushed and answered, then the flusher ends */
	pthread_mutex_lock(&w->mu);
	w->flush_stopping = true;
	pthread_cond_signal(&w->flush_cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->flusher, NULL);
}

void ordex_writer_stop(struct ordex_writer *w)
{
	if (!w)
		return;
	ordex_writer_drain(w);
	w->st->ops->close(w->st);
	ordex_audit_free(w->au);
	ordex_arena_free(w->a);
	ordex_scope_cache_free(w->scope_rules);
	ordex_policy_cache_free(w->policies);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->flush_cv);
	free(w->usage.v);
	free(w->group_usage.v);
	free(w->touches);
	free(w);
}

int64_t ordex_writer_durable_seq(struct ordex_writer *w)
{
	return atomic_load(&w->durable_seq);
}

void ordex_writer_get_stats(struct ordex_writer *w, struct ordex_writer_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->stats;
	pthread_mutex_unlock(&w->mu);
}
