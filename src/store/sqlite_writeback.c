/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_writeback.c - the SQLite backend's writeback tables (migration
 * 0014): targets, the outbox and its attempts. The connection and helpers
 * are sqlite.c's (sqlite_int.h).
 */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"

enum bstmt_id {
	B_TARGET_ADD,
	B_TARGET_LIST,
	B_TARGET_LIST_ALL,
	B_TARGET_GET,
	B_TARGET_REMOVE,
	B_TARGET_CIRCUIT,
	B_OUTBOX_WAKE,
	B_OUTBOX_ADD,
	B_OUTBOX_GET,
	B_OUTBOX_BY_KEY,
	B_OUTBOX_BY_REF,
	B_OUTBOX_UPDATE,
	B_OUTBOX_OF_ACTION,
	B_OUTBOX_OF_ORDER,
	B_OUTBOX_LIST,
	B_OUTBOX_LIST_STATUS,
	B_OUTBOX_DUE,
	B_OUTBOX_NEXT,
	B_OUTBOX_RECOVER,
	B_OUTBOX_STATS,
	B_ATTEMPT_STATS,
	B_ATTEMPT_ADD,
	B_ATTEMPTS_OF,
	B_COUNT
};

#define TARGET_COLS                                                                                \
	"id, tenant, environment, name, kind, base_url, secret, actions, shadow, created_at, "     \
	"created_by, coalesce(removed_at, 0), failures, open_until"
#define OUTBOX_COLS                                                                                \
	"id, tenant, environment, action_id, case_id, target_id, kind, order_ref, idem_key, "      \
	"request, status, attempts, next_at, first_at, last_status, last_error, answer, "          \
	"external_ref, created_at, updated_at, coalesce(delivered_at, 0)"

static const char *const bsql[B_COUNT] = {
    [B_TARGET_ADD] = "INSERT INTO targets (tenant, environment, name, kind, base_url, secret, "
                     "actions, shadow, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                     "?7, ?8, ?9, ?10)",
    [B_TARGET_LIST] = "SELECT " TARGET_COLS " FROM targets WHERE tenant = ?1 AND environment = "
                      "?2 AND removed_at IS NULL ORDER BY id",
    [B_TARGET_LIST_ALL] = "SELECT " TARGET_COLS " FROM targets WHERE tenant = ?1 AND "
                          "environment = ?2 ORDER BY id",
    [B_TARGET_GET] = "SELECT " TARGET_COLS " FROM targets WHERE tenant = ?1 AND environment = "
                     "?2 AND id = ?3",
    [B_TARGET_REMOVE] = "UPDATE targets SET removed_at = ?4 WHERE tenant = ?1 AND environment = "
                        "?2 AND id = ?3 AND removed_at IS NULL",
    [B_TARGET_CIRCUIT] = "UPDATE targets SET failures = ?4, open_until = ?5 WHERE tenant = ?1 "
                         "AND environment = ?2 AND id = ?3",
    [B_OUTBOX_WAKE] = "UPDATE outbox SET next_at = ?5 WHERE tenant = ?1 AND environment = ?2 "
                      "AND target_id = ?3 AND status IN ('pending', 'unknown') AND next_at = ?4",
    [B_OUTBOX_ADD] = "INSERT INTO outbox (tenant, environment, action_id, case_id, target_id, "
                     "kind, order_ref, idem_key, request, status, attempts, next_at, first_at, "
                     "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                     "?11, ?12, ?13, ?14, ?15)",
    [B_OUTBOX_GET] = "SELECT " OUTBOX_COLS " FROM outbox WHERE tenant = ?1 AND environment = ?2 "
                     "AND id = ?3",
    [B_OUTBOX_BY_KEY] = "SELECT " OUTBOX_COLS " FROM outbox WHERE tenant = ?1 AND environment = "
                        "?2 AND idem_key = ?3",
    [B_OUTBOX_BY_REF] = "SELECT " OUTBOX_COLS " FROM outbox WHERE tenant = ?1 AND environment = "
                        "?2 AND external_ref = ?3 ORDER BY id LIMIT 1",
    [B_OUTBOX_UPDATE] = "UPDATE outbox SET status = ?4, attempts = ?5, next_at = ?6, "
                        "last_status = ?7, last_error = ?8, answer = ?9, external_ref = ?10, "
                        "updated_at = ?11, delivered_at = nullif(?12, 0) WHERE tenant = ?1 AND "
                        "environment = ?2 AND id = ?3",
    [B_OUTBOX_OF_ACTION] = "SELECT " OUTBOX_COLS " FROM outbox WHERE tenant = ?1 AND "
                           "environment = ?2 AND action_id = ?3 ORDER BY id",
    [B_OUTBOX_OF_ORDER] = "SELECT " OUTBOX_COLS " FROM outbox WHERE tenant = ?1 AND "
                          "environment = ?2 AND order_ref = ?3 ORDER BY id",
    [B_OUTBOX_LIST] = "SELECT " OUTBOX_COLS " FROM outbox WHERE tenant = ?1 AND environment = "
                      "?2 AND id < ?3 ORDER BY id DESC LIMIT ?4",
    [B_OUTBOX_LIST_STATUS] = "SELECT " OUTBOX_COLS " FROM outbox WHERE tenant = ?1 AND "
                             "environment = ?2 AND id < ?3 AND status = ?5 ORDER BY id DESC "
                             "LIMIT ?4",
    [B_OUTBOX_DUE] = "SELECT " OUTBOX_COLS " FROM outbox WHERE status IN ('pending', "
                     "'sending', 'unknown') AND next_at <= ?1 ORDER BY next_at, id LIMIT ?2",
    [B_OUTBOX_NEXT] = "SELECT min(next_at) FROM outbox WHERE status IN ('pending', 'sending', "
                      "'unknown')",
    [B_OUTBOX_RECOVER] = "UPDATE outbox SET status = 'unknown', next_at = ?1 WHERE status = "
                         "'sending'",
    [B_OUTBOX_STATS] = "SELECT status, count(*), min(CASE WHEN status IN ('pending', "
                       "'sending', 'unknown') THEN first_at END) FROM outbox WHERE tenant = ?1 "
                       "AND environment = ?2 GROUP BY status",
    [B_ATTEMPT_STATS] = "SELECT count(*), coalesce(sum(outcome NOT IN ('delivered', "
                        "'shadowed', 'looked_up')), 0) FROM outbox_attempts WHERE tenant = ?1 "
                        "AND environment = ?2",
    [B_ATTEMPTS_OF] = "SELECT n, started_at, coalesce(ended_at, 0), outcome, http_status, "
                      "error FROM outbox_attempts WHERE tenant = ?1 AND environment = ?2 AND "
                      "outbox_id = ?3 ORDER BY id",
    [B_ATTEMPT_ADD] = "INSERT INTO outbox_attempts (tenant, environment, outbox_id, n, "
                      "started_at, ended_at, outcome, http_status, error) VALUES (?1, ?2, ?3, "
                      "?4, ?5, nullif(?6, 0), ?7, ?8, ?9)",
};

static sqlite3_stmt *bstmt(struct sqlite_store *s, enum bstmt_id id)
{
	if (!s->bstmts)
		s->bstmts = ordex_xcalloc(B_COUNT, sizeof(*s->bstmts));
	sqlite3_stmt *q = s->bstmts[id];
	if (!q) {
		if (sqlite3_prepare_v3(s->db, bsql[id], -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) !=
		    SQLITE_OK) {
			fail(s, "prepare a statement");
			return NULL;
		}
		s->bstmts[id] = q;
	} else {
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}
	return q;
}

void ordex__sqlite_writeback_close(struct sqlite_store *s)
{
	if (!s->bstmts)
		return;
	for (int i = 0; i < B_COUNT; i++)
		sqlite3_finalize(s->bstmts[i]);
	free(s->bstmts);
	s->bstmts = NULL;
}

static void col_env(sqlite3_stmt *q, int i, char out[16])
{
	const unsigned char *t = sqlite3_column_text(q, i);
	snprintf(out, 16, "%s", t ? (const char *)t : "");
}

/* ---- targets ------------------------------------------------------------------ */

static void read_target(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_target_row *t)
{
	t->id = sqlite3_column_int64(q, 0);
	t->tenant = sqlite3_column_int64(q, 1);
	col_env(q, 2, t->env);
	t->name = col_text(q, 3, a);
	t->kind = col_text(q, 4, a);
	t->base_url = col_text(q, 5, a);
	const void *blob = sqlite3_column_blob(q, 6);
	t->secret_len = (size_t)sqlite3_column_bytes(q, 6);
	if (blob && t->secret_len) {
		unsigned char *copy = ordex_arena_alloc(a, t->secret_len);
		memcpy(copy, blob, t->secret_len);
		t->secret = copy;
	} else {
		t->secret = NULL;
		t->secret_len = 0;
	}
	t->actions = col_text(q, 7, a);
	t->shadow = sqlite3_column_int(q, 8) != 0;
	t->created_at = sqlite3_column_int64(q, 9);
	t->created_by = col_text(q, 10, a);
	t->removed_at = sqlite3_column_int64(q, 11);
	t->failures = sqlite3_column_int(q, 12);
	t->open_until = sqlite3_column_int64(q, 13);
}

int ordex__sqlite_target_add(struct ordex_store *st, const struct ordex_scope *sc,
                             struct ordex_target_row *t)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_TARGET_ADD);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, t->name);
	bind_text(q, 4, t->kind);
	bind_text(q, 5, t->base_url);
	if (t->secret)
		sqlite3_bind_blob(q, 6, t->secret, (int)t->secret_len, SQLITE_STATIC);
	bind_text(q, 7, t->actions);
	sqlite3_bind_int(q, 8, t->shadow);
	sqlite3_bind_int64(q, 9, t->created_at);
	bind_text(q, 10, t->created_by);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_CONSTRAINT)
		return ORDEX_E_CONFLICT;
	if (rc != SQLITE_DONE)
		return fail(s, "store a target");
	t->id = sqlite3_last_insert_rowid(s->db);
	return ORDEX_OK;
}

int ordex__sqlite_target_list(struct ordex_store *st, const struct ordex_scope *sc,
                              struct ordex_arena *a, struct ordex_target_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_TARGET_LIST);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	COLLECT(s, q, a, rows, n, struct ordex_target_row, read_target, "list targets");
}

int ordex__sqlite_target_list_all(struct ordex_store *st, const struct ordex_scope *sc,
                                  struct ordex_arena *a, struct ordex_target_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_TARGET_LIST_ALL);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	COLLECT(s, q, a, rows, n, struct ordex_target_row, read_target, "list targets");
}

int ordex__sqlite_target_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                             struct ordex_arena *a, struct ordex_target_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_TARGET_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	ONE_ROW(
	    s, q, { read_target(q, a, out); }, "read a target");
}

int ordex__sqlite_target_remove(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                                int64_t at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_TARGET_REMOVE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	sqlite3_bind_int64(q, 4, at);
	int rc = exec(s, q, "remove a target");
	if (rc == ORDEX_OK && sqlite3_changes(s->db) == 0)
		return ORDEX_E_NOTFOUND;
	return rc;
}

int ordex__sqlite_target_circuit(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                                 int failures, int64_t open_until)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_TARGET_CIRCUIT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	sqlite3_bind_int(q, 4, failures);
	sqlite3_bind_int64(q, 5, open_until);
	return exec(s, q, "set a target's circuit");
}

/* ---- the outbox ------------------------------------------------------------- */

int ordex__sqlite_outbox_wake(struct ordex_store *st, const struct ordex_scope *sc,
                              int64_t target_id, int64_t put_off_to, int64_t now)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_OUTBOX_WAKE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, target_id);
	sqlite3_bind_int64(q, 4, put_off_to);
	sqlite3_bind_int64(q, 5, now);
	return exec(s, q, "wake a target's rows");
}

static void read_outbox(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_outbox_row *r)
{
	r->id = sqlite3_column_int64(q, 0);
	r->tenant = sqlite3_column_int64(q, 1);
	col_env(q, 2, r->env);
	r->action_id = sqlite3_column_int64(q, 3);
	r->case_id = sqlite3_column_int64(q, 4);
	r->target_id = sqlite3_column_int64(q, 5);
	r->kind = col_text(q, 6, a);
	r->order_ref = col_text(q, 7, a);
	r->idem_key = col_text(q, 8, a);
	r->request = col_text(q, 9, a);
	r->status = col_text(q, 10, a);
	r->attempts = sqlite3_column_int(q, 11);
	r->next_at = sqlite3_column_int64(q, 12);
	r->first_at = sqlite3_column_int64(q, 13);
	r->last_status = sqlite3_column_int(q, 14);
	r->last_error = col_text(q, 15, a);
	r->answer = col_text(q, 16, a);
	r->external_ref = col_text(q, 17, a);
	r->created_at = sqlite3_column_int64(q, 18);
	r->updated_at = sqlite3_column_int64(q, 19);
	r->delivered_at = sqlite3_column_int64(q, 20);
}

int ordex__sqlite_outbox_add(struct ordex_store *st, const struct ordex_scope *sc,
                             struct ordex_outbox_row *r)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_OUTBOX_ADD);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, r->action_id);
	sqlite3_bind_int64(q, 4, r->case_id);
	sqlite3_bind_int64(q, 5, r->target_id);
	bind_text(q, 6, r->kind);
	bind_text(q, 7, r->order_ref);
	bind_text(q, 8, r->idem_key);
	bind_text(q, 9, r->request);
	bind_text(q, 10, r->status);
	sqlite3_bind_int(q, 11, r->attempts);
	sqlite3_bind_int64(q, 12, r->next_at);
	sqlite3_bind_int64(q, 13, r->first_at);
	sqlite3_bind_int64(q, 14, r->created_at);
	sqlite3_bind_int64(q, 15, r->updated_at);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_CONSTRAINT)
		return ORDEX_E_CONFLICT;
	if (rc != SQLITE_DONE)
		return fail(s, "queue a writeback");
	r->id = sqlite3_last_insert_rowid(s->db);
	return ORDEX_OK;
}

static int one_outbox(struct ordex_store *st, const struct ordex_scope *sc, enum bstmt_id id,
                      int64_t n, const char *text, struct ordex_arena *a,
                      struct ordex_outbox_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, id);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	if (text)
		bind_text(q, 3, text);
	else
		sqlite3_bind_int64(q, 3, n);
	ONE_ROW(
	    s, q, { read_outbox(q, a, out); }, "read a writeback");
}

int ordex__sqlite_outbox_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                             struct ordex_arena *a, struct ordex_outbox_row *out)
{
	return one_outbox(st, sc, B_OUTBOX_GET, id, NULL, a, out);
}

int ordex__sqlite_outbox_by_key(struct ordex_store *st, const struct ordex_scope *sc,
                                const char *key, struct ordex_arena *a,
                                struct ordex_outbox_row *out)
{
	return one_outbox(st, sc, B_OUTBOX_BY_KEY, 0, key, a, out);
}

int ordex__sqlite_outbox_by_ref(struct ordex_store *st, const struct ordex_scope *sc,
                                const char *ref, struct ordex_arena *a,
                                struct ordex_outbox_row *out)
{
	return one_outbox(st, sc, B_OUTBOX_BY_REF, 0, ref, a, out);
}

int ordex__sqlite_outbox_update(struct ordex_store *st, const struct ordex_scope *sc,
                                const struct ordex_outbox_row *r)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_OUTBOX_UPDATE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, r->id);
	bind_text(q, 4, r->status);
	sqlite3_bind_int(q, 5, r->attempts);
	sqlite3_bind_int64(q, 6, r->next_at);
	sqlite3_bind_int(q, 7, r->last_status);
	bind_text(q, 8, r->last_error);
	bind_text(q, 9, r->answer);
	bind_text(q, 10, r->external_ref);
	sqlite3_bind_int64(q, 11, r->updated_at);
	sqlite3_bind_int64(q, 12, r->delivered_at);
	return exec(s, q, "update a writeback");
}

static int many_outbox(struct ordex_store *st, const struct ordex_scope *sc, enum bstmt_id id,
                       int64_t n, const char *text, struct ordex_arena *a,
                       struct ordex_outbox_row **rows, size_t *count)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, id);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	if (text)
		bind_text(q, 3, text);
	else
		sqlite3_bind_int64(q, 3, n);
	COLLECT(s, q, a, rows, count, struct ordex_outbox_row, read_outbox, "list writebacks");
}

int ordex__sqlite_outbox_of_action(struct ordex_store *st, const struct ordex_scope *sc,
                                   int64_t action_id, struct ordex_arena *a,
                                   struct ordex_outbox_row **rows, size_t *n)
{
	return many_outbox(st, sc, B_OUTBOX_OF_ACTION, action_id, NULL, a, rows, n);
}

int ordex__sqlite_outbox_of_order(struct ordex_store *st, const struct ordex_scope *sc,
                                  const char *order_ref, struct ordex_arena *a,
                                  struct ordex_outbox_row **rows, size_t *n)
{
	return many_outbox(st, sc, B_OUTBOX_OF_ORDER, 0, order_ref, a, rows, n);
}

int ordex__sqlite_outbox_list(struct ordex_store *st, const struct ordex_scope *sc,
                              const char *status, int64_t before_id, int limit,
                              struct ordex_arena *a, struct ordex_outbox_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, status ? B_OUTBOX_LIST_STATUS : B_OUTBOX_LIST);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, before_id > 0 ? before_id : INT64_MAX);
	sqlite3_bind_int(q, 4, limit);
	if (status)
		bind_text(q, 5, status);
	COLLECT(s, q, a, rows, n, struct ordex_outbox_row, read_outbox, "list writebacks");
}

int ordex__sqlite_outbox_due(struct ordex_store *st, int64_t now, int limit, struct ordex_arena *a,
                             struct ordex_outbox_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_OUTBOX_DUE);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int(q, 2, limit);
	COLLECT(s, q, a, rows, n, struct ordex_outbox_row, read_outbox, "list due writebacks");
}

int ordex__sqlite_outbox_next(struct ordex_store *st, int64_t *at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_OUTBOX_NEXT);
	if (!q)
		return ORDEX_E_STORE;
	int rc = sqlite3_step(q);
	bool none = rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_NULL;
	if (rc == SQLITE_ROW)
		*at = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (rc != SQLITE_ROW)
		return fail(s, "find the next writeback");
	return none ? ORDEX_E_NOTFOUND : ORDEX_OK;
}

int ordex__sqlite_outbox_recover(struct ordex_store *st, int64_t now, int64_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_OUTBOX_RECOVER);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, now);
	int rc = exec(s, q, "recover writebacks");
	if (rc == ORDEX_OK && n)
		*n = sqlite3_changes(s->db);
	return rc;
}

int ordex__sqlite_outbox_stats(struct ordex_store *st, const struct ordex_scope *sc,
                               struct ordex_outbox_stats *out)
{
	struct sqlite_store *s = S(st);
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *q = bstmt(s, B_OUTBOX_STATS);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(q, 0);
		int64_t count = sqlite3_column_int64(q, 1);
		if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
			int64_t oldest = sqlite3_column_int64(q, 2);
			if (!out->oldest_pending_at || oldest < out->oldest_pending_at)
				out->oldest_pending_at = oldest;
		}
		if (!status)
			continue;
		int64_t *slot = !strcmp(status, "pending")     ? &out->pending
		                : !strcmp(status, "sending")   ? &out->sending
		                : !strcmp(status, "unknown")   ? &out->unknown
		                : !strcmp(status, "delivered") ? &out->delivered
		                : !strcmp(status, "dead")      ? &out->dead
		                : !strcmp(status, "cancelled") ? &out->cancelled
		                : !strcmp(status, "shadowed")  ? &out->shadowed
		                                               : NULL;
		if (slot)
			*slot = count;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return fail(s, "count writebacks");
	q = bstmt(s, B_ATTEMPT_STATS);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		out->attempts = sqlite3_column_int64(q, 0);
		out->failed_attempts = sqlite3_column_int64(q, 1);
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? ORDEX_OK : fail(s, "count attempts");
}

int ordex__sqlite_attempt_add(struct ordex_store *st, const struct ordex_scope *sc,
                              int64_t outbox_id, int n, int64_t started_at, int64_t ended_at,
                              const char *outcome, int http_status, const char *error)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_ATTEMPT_ADD);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, outbox_id);
	sqlite3_bind_int(q, 4, n);
	sqlite3_bind_int64(q, 5, started_at);
	sqlite3_bind_int64(q, 6, ended_at);
	bind_text(q, 7, outcome);
	sqlite3_bind_int(q, 8, http_status);
	bind_text(q, 9, error);
	return exec(s, q, "record an attempt");
}

static void read_attempt(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_attempt_row *r)
{
	r->n = sqlite3_column_int(q, 0);
	r->started_at = sqlite3_column_int64(q, 1);
	r->ended_at = sqlite3_column_int64(q, 2);
	r->outcome = col_text(q, 3, a);
	r->http_status = sqlite3_column_int(q, 4);
	r->error = col_text(q, 5, a);
}

int ordex__sqlite_attempts_of(struct ordex_store *st, const struct ordex_scope *sc,
                              int64_t outbox_id, struct ordex_arena *a,
                              struct ordex_attempt_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = bstmt(s, B_ATTEMPTS_OF);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, outbox_id);
	COLLECT(s, q, a, rows, n, struct ordex_attempt_row, read_attempt, "list attempts");
}
