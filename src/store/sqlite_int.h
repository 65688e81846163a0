/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_int.h - what the SQLite backend's files share (sqlite.c, the
 * store's core; sqlite_workflow.c, cases, actions, approvals, policies,
 * timers and evidence): the connection and the helpers every operation
 * uses to bind, step and read.
 */
#ifndef ORDEX_SQLITE_INT_H
#define ORDEX_SQLITE_INT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "core/common.h"
#include "store/store.h"

struct sqlite_store {
	struct ordex_store base;
	sqlite3 *db;
	sqlite3_stmt **stmts;  /* sqlite.c's, prepared on first use */
	sqlite3_stmt **wstmts; /* sqlite_workflow.c's, prepared on first use */
	sqlite3_stmt **bstmts; /* sqlite_writeback.c's, prepared on first use */
	char path[512];
	bool readonly;
	/* deferred_sync: the log file, flushed by s_sync on its own thread */
	bool deferred;      /* opened with deferred_sync (and sync FULL) */
	bool commit_nosync; /* the store's thread: commits now leave the flush to s_sync */
	/*
	 * The order last written or read in the writer's open transaction, so
	 * that the detectors do not read again what the projection just wrote
	 * (see s_order_get). Only ever set inside a transaction of a store that
	 * writes, which no other connection can write to meanwhile; forgotten
	 * at its end, at a rollback and when a statement writes orders another
	 * way.
	 */
	bool in_txn;
	struct {
		bool valid;
		int64_t tenant;
		char env[16];
		struct ordex_order_row row;
		struct ordex_arena *a; /* its strings */
	} order;
	int wal_fd;
	dev_t wal_dev;
	ino_t wal_ino;
};

static inline struct sqlite_store *S(struct ordex_store *st)
{
	return (struct sqlite_store *)st;
}

static inline int fail(struct sqlite_store *s, const char *what)
{
	fprintf(stderr, "ordex: database error: could not %s: %s\n", what, sqlite3_errmsg(s->db));
	return ORDEX_E_STORE;
}

static inline void bind_text(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

static inline void bind_scope(sqlite3_stmt *q, const struct ordex_scope *sc)
{
	sqlite3_bind_int64(q, 1, sc->tenant);
	sqlite3_bind_text(q, 2, sc->env, -1, SQLITE_STATIC);
}

static inline const char *col_text(sqlite3_stmt *q, int i, struct ordex_arena *a)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	if (!t)
		return NULL;
	return ordex_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(q, i));
}

static inline void col_currency(sqlite3_stmt *q, int i, char out[4])
{
	const unsigned char *t = sqlite3_column_text(q, i);
	memset(out, 0, 4);
	if (t)
		strncpy(out, (const char *)t, 3);
}

/*
 * Steps a bound statement that gives at most one row, runs on_row on it,
 * and returns from the calling function: ORDEX_OK, ORDEX_E_NOTFOUND or
 * ORDEX_E_STORE (logged as "could not <what>").
 */
#define ONE_ROW(s, q, on_row, what)                                                                \
	do {                                                                                       \
		int rc_ = sqlite3_step(q);                                                         \
		if (rc_ == SQLITE_ROW)                                                             \
			on_row sqlite3_reset(q);                                                   \
		if (rc_ == SQLITE_DONE)                                                            \
			return ORDEX_E_NOTFOUND;                                                   \
		return rc_ == SQLITE_ROW ? ORDEX_OK : fail((s), (what));                           \
	} while (0)

/* Runs a statement that returns no rows. */
static inline int exec(struct sqlite_store *s, sqlite3_stmt *q, const char *what)
{
	if (!q)
		return ORDEX_E_STORE;
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return fail(s, what);
	return ORDEX_OK;
}

#define COLLECT(s, q, a, rows, n, T, reader, what)                                                 \
	do {                                                                                       \
		size_t cap_ = 8, n_ = 0;                                                           \
		T *r_ = ordex_arena_alloc((a), cap_ * sizeof(T));                                  \
		int rc_;                                                                           \
		while ((rc_ = sqlite3_step(q)) == SQLITE_ROW) {                                    \
			if (n_ == cap_) {                                                          \
				T *g_ = ordex_arena_alloc((a), 2 * cap_ * sizeof(T));              \
				memcpy(g_, r_, cap_ * sizeof(T));                                  \
				r_ = g_;                                                           \
				cap_ *= 2;                                                         \
			}                                                                          \
			memset(&r_[n_], 0, sizeof(T));                                             \
			reader(q, (a), &r_[n_]);                                                   \
			n_++;                                                                      \
		}                                                                                  \
		sqlite3_reset(q);                                                                  \
		if (rc_ != SQLITE_DONE)                                                            \
			return fail((s), (what));                                                  \
		*(rows) = r_;                                                                      \
		*(n) = n_;                                                                         \
		return ORDEX_OK;                                                                   \
	} while (0)

static inline int insert_id(struct sqlite_store *s, sqlite3_stmt *q, int64_t *id, const char *what)
{
	int rc = exec(s, q, what);
	if (rc == ORDEX_OK && id)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

/* sqlite_workflow.c: its statements, and its operations in the ops table */
void ordex__sqlite_workflow_close(struct sqlite_store *s);
int ordex__sqlite_case_active(struct ordex_store *st, const struct ordex_scope *sc,
                              const char *order_ref, struct ordex_arena *a,
                              struct ordex_case_row *out);
int ordex__sqlite_case_last(struct ordex_store *st, const struct ordex_scope *sc,
                            const char *order_ref, struct ordex_arena *a,
                            struct ordex_case_row *out);
int ordex__sqlite_case_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                           struct ordex_arena *a, struct ordex_case_row *out);
int ordex__sqlite_case_put(struct ordex_store *st, const struct ordex_scope *sc,
                           struct ordex_case_row *c);
int ordex__sqlite_case_list(struct ordex_store *st, const struct ordex_scope *sc,
                            const struct ordex_case_filter *f, struct ordex_arena *a,
                            struct ordex_case_row **rows, size_t *n);
int ordex__sqlite_exceptions_join_case(struct ordex_store *st, const struct ordex_scope *sc,
                                       const char *order_ref, int64_t case_id);
int ordex__sqlite_exceptions_of_case(struct ordex_store *st, const struct ordex_scope *sc,
                                     int64_t case_id, struct ordex_arena *a,
                                     struct ordex_exception_row **rows, size_t *n);
int ordex__sqlite_case_event_add(struct ordex_store *st, const struct ordex_scope *sc,
                                 int64_t case_id, int64_t at, const char *kind, const char *actor,
                                 const char *body);
int ordex__sqlite_case_events(struct ordex_store *st, const struct ordex_scope *sc, int64_t case_id,
                              struct ordex_arena *a, struct ordex_case_event_row **rows, size_t *n);
int ordex__sqlite_action_put(struct ordex_store *st, const struct ordex_scope *sc,
                             struct ordex_action_row *r);
int ordex__sqlite_action_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                             struct ordex_arena *a, struct ordex_action_row *out);
int ordex__sqlite_actions_of_case(struct ordex_store *st, const struct ordex_scope *sc,
                                  int64_t case_id, struct ordex_arena *a,
                                  struct ordex_action_row **rows, size_t *n);
int ordex__sqlite_refunds_held(struct ordex_store *st, const struct ordex_scope *sc,
                               const char *payment, int64_t except_action, int64_t *held);
int ordex__sqlite_approval_add(struct ordex_store *st, const struct ordex_scope *sc,
                               struct ordex_approval_row *r);
int ordex__sqlite_approvals_of(struct ordex_store *st, const struct ordex_scope *sc,
                               int64_t action_id, struct ordex_arena *a,
                               struct ordex_approval_row **rows, size_t *n);
int ordex__sqlite_policy_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t version,
                             struct ordex_arena *a, int64_t *got, const char **body, int64_t *at,
                             const char **by);
int ordex__sqlite_policy_put(struct ordex_store *st, const struct ordex_scope *sc, const char *body,
                             int64_t at, const char *by, int64_t *version);
int ordex__sqlite_timer_arm_earlier(struct ordex_store *st, const struct ordex_scope *sc,
                                    const char *kind, const char *subject, const char *order_ref,
                                    int64_t due_at);
int ordex__sqlite_timer_arm(struct ordex_store *st, const struct ordex_scope *sc, const char *kind,
                            const char *subject, const char *order_ref, int64_t due_at);
int ordex__sqlite_timer_disarm(struct ordex_store *st, const struct ordex_scope *sc,
                               const char *kind, const char *subject);
int ordex__sqlite_timers_of_order(struct ordex_store *st, const struct ordex_scope *sc,
                                  const char *order_ref, struct ordex_arena *a,
                                  struct ordex_timer_row **rows, size_t *n);
int ordex__sqlite_timers_due(struct ordex_store *st, const struct ordex_scope *sc, int64_t now,
                             int limit, struct ordex_arena *a, struct ordex_timer_row **rows,
                             size_t *n);
int ordex__sqlite_timer_next(struct ordex_store *st, const struct ordex_scope *sc, int64_t *due_at);
int ordex__sqlite_timer_fire(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                             int64_t at);
int ordex__sqlite_environments(struct ordex_store *st, struct ordex_arena *a, int64_t **tenants,
                               const char ***envs, size_t *n);
int ordex__sqlite_evidence_put(struct ordex_store *st, const struct ordex_scope *sc,
                               const struct ordex_evidence_row *e);
int ordex__sqlite_evidence_get(struct ordex_store *st, const struct ordex_scope *sc,
                               const char *sha256, struct ordex_arena *a,
                               struct ordex_evidence_row *out);

/* sqlite_writeback.c: targets, the outbox and its attempts */
void ordex__sqlite_writeback_close(struct sqlite_store *s);
int ordex__sqlite_target_add(struct ordex_store *st, const struct ordex_scope *sc,
                             struct ordex_target_row *t);
int ordex__sqlite_target_list(struct ordex_store *st, const struct ordex_scope *sc,
                              struct ordex_arena *a, struct ordex_target_row **rows, size_t *n);
int ordex__sqlite_target_list_all(struct ordex_store *st, const struct ordex_scope *sc,
                                  struct ordex_arena *a, struct ordex_target_row **rows, size_t *n);
int ordex__sqlite_target_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                             struct ordex_arena *a, struct ordex_target_row *out);
int ordex__sqlite_target_remove(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                                int64_t at);
int ordex__sqlite_target_circuit(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                                 int failures, int64_t open_until);
int ordex__sqlite_outbox_wake(struct ordex_store *st, const struct ordex_scope *sc,
                              int64_t target_id, int64_t put_off_to, int64_t now);
int ordex__sqlite_outbox_add(struct ordex_store *st, const struct ordex_scope *sc,
                             struct ordex_outbox_row *r);
int ordex__sqlite_outbox_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                             struct ordex_arena *a, struct ordex_outbox_row *out);
int ordex__sqlite_outbox_by_key(struct ordex_store *st, const struct ordex_scope *sc,
                                const char *key, struct ordex_arena *a,
                                struct ordex_outbox_row *out);
int ordex__sqlite_outbox_by_ref(struct ordex_store *st, const struct ordex_scope *sc,
                                const char *ref, struct ordex_arena *a,
                                struct ordex_outbox_row *out);
int ordex__sqlite_outbox_update(struct ordex_store *st, const struct ordex_scope *sc,
                                const struct ordex_outbox_row *r);
int ordex__sqlite_outbox_of_action(struct ordex_store *st, const struct ordex_scope *sc,
                                   int64_t action_id, struct ordex_arena *a,
                                   struct ordex_outbox_row **rows, size_t *n);
int ordex__sqlite_outbox_of_order(struct ordex_store *st, const struct ordex_scope *sc,
                                  const char *order_ref, struct ordex_arena *a,
                                  struct ordex_outbox_row **rows, size_t *n);
int ordex__sqlite_outbox_list(struct ordex_store *st, const struct ordex_scope *sc,
                              const char *status, int64_t before_id, int limit,
                              struct ordex_arena *a, struct ordex_outbox_row **rows, size_t *n);
int ordex__sqlite_outbox_due(struct ordex_store *st, int64_t now, int limit, struct ordex_arena *a,
                             struct ordex_outbox_row **rows, size_t *n);
int ordex__sqlite_outbox_next(struct ordex_store *st, int64_t *at);
int ordex__sqlite_outbox_recover(struct ordex_store *st, int64_t now, int64_t *n);
int ordex__sqlite_outbox_stats(struct ordex_store *st, const struct ordex_scope *sc,
                               struct ordex_outbox_stats *out);
int ordex__sqlite_attempts_of(struct ordex_store *st, const struct ordex_scope *sc,
                              int64_t outbox_id, struct ordex_arena *a,
                              struct ordex_attempt_row **rows, size_t *n);
int ordex__sqlite_attempt_add(struct ordex_store *st, const struct ordex_scope *sc,
                              int64_t outbox_id, int n, int64_t started_at, int64_t ended_at,
                              const char *outcome, int http_status, const char *error);

#endif
