/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_workflow.c - the SQLite backend's workflow tables (migration
 * 0013): cases and their history, actions and approvals, policies, timers
 * and evidence files. The connection and helpers are sqlite.c's
 * (sqlite_int.h); the statements here are prepared on first use, like its.
 */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"

enum wstmt_id {
	W_CASE_ACTIVE,
	W_CASE_LAST,
	W_CASE_GET,
	W_CASE_INSERT,
	W_CASE_UPDATE,
	W_CASE_LIST,
	W_EXC_JOIN,
	W_EXC_OF_CASE,
	W_CASE_EVENT_ADD,
	W_CASE_EVENTS,
	W_ACTION_INSERT,
	W_ACTION_UPDATE,
	W_ACTION_GET,
	W_ACTIONS_OF_CASE,
	W_REFUNDS_HELD,
	W_APPROVAL_ADD,
	W_APPROVALS_OF,
	W_POLICY_LATEST,
	W_POLICY_VERSION,
	W_POLICY_PUT,
	W_TIMER_ARM,
	W_TIMER_ARM_EARLIER,
	W_TIMER_DISARM,
	W_TIMERS_OF_ORDER,
	W_TIMERS_DUE,
	W_TIMER_NEXT,
	W_TIMER_FIRE,
	W_ENVIRONMENTS,
	W_EVIDENCE_PUT,
	W_EVIDENCE_GET,
	W_COUNT
};

#define CASE_COLS                                                                                  \
	"c.id, c.order_ref, c.status, c.queue, c.assignee, c.priority, c.kinds, c.opened_at, "     \
	"c.updated_at, coalesce(c.resolved_at, 0), c.resolution, coalesce(c.sla_due_at, 0), "      \
	"coalesce(c.breached_at, 0), c.reopened, c.policy_version, c.updated_seq, o.brand, "       \
	"o.region, o.segment FROM cases c LEFT JOIN orders o ON o.tenant = c.tenant AND "          \
	"o.environment = c.environment AND o.ref = c.order_ref"
#define ACTION_COLS                                                                                \
	"id, case_id, order_ref, kind, payload, payload_hash, status, requested_by, "              \
	"requested_at, "                                                                           \
	"route, policy_version, reason, coalesce(decided_at, 0), decided_by, payment, "            \
	"coalesce(amount, 0), currency, updated_at"
#define EXC_COLS                                                                                   \
	"id, order_ref, kind, subject, status, severity, priority, why, evidence, seen, "          \
	"opened_at, updated_at, resolved_at, resolution, updated_seq"
#define TIMER_COLS                                                                                 \
	"id, tenant, environment, kind, subject, order_ref, due_at, coalesce(fired_at, 0)"

static const char *const wsql[W_COUNT] = {
    [W_CASE_ACTIVE] = "SELECT " CASE_COLS " WHERE c.tenant = ?1 AND c.environment = ?2 AND "
                      "c.order_ref = ?3 AND c.status != 'resolved' ORDER BY c.id DESC LIMIT 1",
    [W_CASE_LAST] = "SELECT " CASE_COLS " WHERE c.tenant = ?1 AND c.environment = ?2 AND "
                    "c.order_ref = ?3 ORDER BY c.id DESC LIMIT 1",
    [W_CASE_GET] = "SELECT " CASE_COLS " WHERE c.tenant = ?1 AND c.environment = ?2 AND c.id = ?3",
    [W_CASE_INSERT] = "INSERT INTO cases (tenant, environment, order_ref, status, queue, assignee, "
                      "priority, kinds, opened_at, updated_at, resolved_at, resolution, "
                      "sla_due_at, breached_at, reopened, policy_version, updated_seq) VALUES "
                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, nullif(?11, 0), ?12, "
                      "nullif(?13, 0), nullif(?14, 0), ?15, ?16, ?17)",
    [W_CASE_UPDATE] = "UPDATE cases SET status = ?4, queue = ?5, assignee = ?6, priority = ?7, "
                      "kinds = ?8, opened_at = ?9, updated_at = ?10, resolved_at = nullif(?11, "
                      "0), resolution = ?12, sla_due_at = nullif(?13, 0), breached_at = "
                      "nullif(?14, 0), reopened = ?15, policy_version = ?16, updated_seq = ?17 "
                      "WHERE tenant = ?1 AND environment = ?2 AND id = ?18",
    [W_CASE_LIST] =
        "SELECT " CASE_COLS " WHERE c.tenant = ?1 AND c.environment = ?2 AND (?3 IS NULL OR "
        "c.queue = ?3) AND (?4 IS NULL OR c.status = ?4) AND (?5 IS NULL OR c.assignee = ?5) "
        "AND (?6 IS NULL OR c.order_ref = ?6) AND (?7 = 0 OR c.status != 'resolved') AND (?8 "
        "= 0 OR c.priority < ?9 OR (c.priority = ?9 AND c.id > ?10)) AND (?11 IS NULL OR "
        "o.brand = ?11) AND (?12 IS NULL OR o.region = ?12) AND (?13 IS NULL OR o.segment = "
        "?13) ORDER BY c.priority DESC, c.id LIMIT ?14",
    /* by the order's exceptions (exceptions_condition), not by every open
     * one (exceptions_queue, which the planner prefers for status =) */
    [W_EXC_JOIN] = "UPDATE exceptions SET case_id = ?4 WHERE tenant = ?1 AND environment = ?2 "
                   "AND order_ref = ?3 AND +status = 'open' AND case_id IS NOT ?4",
    [W_EXC_OF_CASE] = "SELECT " EXC_COLS " FROM exceptions WHERE tenant = ?1 AND environment = ?2 "
                      "AND case_id = ?3 ORDER BY id",
    [W_CASE_EVENT_ADD] = "INSERT INTO case_events (tenant, environment, case_id, at, kind, actor, "
                         "body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [W_CASE_EVENTS] = "SELECT id, at, kind, actor, body FROM case_events WHERE tenant = ?1 AND "
                      "environment = ?2 AND case_id = ?3 ORDER BY id",
    [W_ACTION_INSERT] = "INSERT INTO actions (tenant, environment, case_id, order_ref, kind, "
                        "payload, payload_hash, status, requested_by, requested_at, route, "
                        "policy_version, reason, decided_at, decided_by, payment, amount, "
                        "currency, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                        "?11, ?12, ?13, nullif(?14, 0), ?15, ?16, ?17, ?18, ?19)",
    [W_ACTION_UPDATE] = "UPDATE actions SET payload = ?6, payload_hash = ?7, status = ?8, route = "
                        "?11, policy_version = ?12, reason = ?13, decided_at = nullif(?14, 0), "
                        "decided_by = ?15, payment = ?16, amount = ?17, currency = ?18, "
                        "updated_at = ?19 WHERE tenant = ?1 AND environment = ?2 AND id = ?20",
    [W_ACTION_GET] = "SELECT " ACTION_COLS " FROM actions WHERE tenant = ?1 AND environment = ?2 "
                     "AND id = ?3",
    [W_ACTIONS_OF_CASE] = "SELECT " ACTION_COLS " FROM actions WHERE tenant = ?1 AND environment "
                          "= ?2 AND case_id = ?3 ORDER BY id",
    [W_REFUNDS_HELD] = "SELECT coalesce(sum(amount), 0) FROM actions WHERE tenant = ?1 AND "
                       "environment = ?2 AND payment = ?3 AND status IN ('approved', "
                       "'executing') AND id != ?4",
    [W_APPROVAL_ADD] = "INSERT INTO approvals (tenant, environment, action_id, approver, role, "
                       "decision, payload_hash, reason, at, expires_at) VALUES (?1, ?2, ?3, ?4, "
                       "?5, ?6, ?7, ?8, ?9, ?10)",
    [W_APPROVALS_OF] = "SELECT id, action_id, approver, role, decision, payload_hash, reason, at, "
                       "expires_at FROM approvals WHERE tenant = ?1 AND environment = ?2 AND "
                       "action_id = ?3 ORDER BY id",
    [W_POLICY_LATEST] = "SELECT version, body, created_at, created_by FROM policies WHERE tenant "
                        "= ?1 AND environment = ?2 ORDER BY version DESC LIMIT 1",
    [W_POLICY_VERSION] = "SELECT version, body, created_at, created_by FROM policies WHERE "
                         "tenant = ?1 AND environment = ?2 AND version = ?3",
    [W_POLICY_PUT] = "INSERT INTO policies (tenant, environment, version, body, created_at, "
                     "created_by) VALUES (?1, ?2, (SELECT coalesce(max(version), 0) + 1 FROM "
                     "policies WHERE tenant = ?1 AND environment = ?2), ?3, ?4, ?5) RETURNING "
                     "version",
    [W_TIMER_ARM] = "INSERT INTO timers (tenant, environment, kind, subject, order_ref, due_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (tenant, environment, kind, "
                    "subject) DO UPDATE SET due_at = excluded.due_at, order_ref = "
                    "excluded.order_ref, fired_at = NULL WHERE timers.due_at != excluded.due_at",
    [W_TIMER_ARM_EARLIER] = "INSERT INTO timers (tenant, environment, kind, subject, order_ref, "
                            "due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (tenant, "
                            "environment, kind, subject) DO UPDATE SET due_at = "
                            "excluded.due_at, order_ref = excluded.order_ref, fired_at = NULL "
                            "WHERE timers.due_at != excluded.due_at AND (timers.fired_at IS "
                            "NOT NULL OR excluded.due_at < timers.due_at)",
    [W_TIMER_DISARM] = "DELETE FROM timers WHERE tenant = ?1 AND environment = ?2 AND kind = ?3 "
                       "AND subject = ?4",
    [W_TIMERS_OF_ORDER] = "SELECT " TIMER_COLS " FROM timers WHERE tenant = ?1 AND environment = "
                          "?2 AND order_ref = ?3 ORDER BY id",
    [W_TIMERS_DUE] = "SELECT " TIMER_COLS " FROM timers WHERE tenant = ?1 AND environment = ?2 "
                     "AND fired_at IS NULL AND due_at <= ?3 ORDER BY due_at, id LIMIT ?4",
    [W_TIMER_NEXT] = "SELECT min(due_at) FROM timers WHERE tenant = ?1 AND environment = ?2 AND "
                     "fired_at IS NULL",
    [W_TIMER_FIRE] = "UPDATE timers SET fired_at = ?4 WHERE tenant = ?1 AND environment = ?2 AND "
                     "id = ?3 AND fired_at IS NULL",
    [W_ENVIRONMENTS] = "SELECT tenant, environment FROM environments ORDER BY tenant, environment",
    [W_EVIDENCE_PUT] = "INSERT INTO evidence (tenant, environment, sha256, content_type, size, "
                       "bytes, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                       "ON CONFLICT (tenant, environment, sha256) DO NOTHING",
    [W_EVIDENCE_GET] = "SELECT sha256, content_type, size, bytes, created_at, created_by FROM "
                       "evidence WHERE tenant = ?1 AND environment = ?2 AND sha256 = ?3",
};

static sqlite3_stmt *wstmt(struct sqlite_store *s, enum wstmt_id id)
{
	if (!s->wstmts)
		s->wstmts = ordex_xcalloc(W_COUNT, sizeof(*s->wstmts));
	sqlite3_stmt *q = s->wstmts[id];
	if (!q) {
		if (sqlite3_prepare_v3(s->db, wsql[id], -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) !=
		    SQLITE_OK) {
			fail(s, "prepare a statement");
			return NULL;
		}
		s->wstmts[id] = q;
	} else {
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}
	return q;
}

void ordex__sqlite_workflow_close(struct sqlite_store *s)
{
	if (!s->wstmts)
		return;
	for (int i = 0; i < W_COUNT; i++)
		sqlite3_finalize(s->wstmts[i]);
	free(s->wstmts);
	s->wstmts = NULL;
}

static void blob32(sqlite3_stmt *q, int i, unsigned char out[32])
{
	const void *p = sqlite3_column_blob(q, i);
	if (p && sqlite3_column_bytes(q, i) == 32)
		memcpy(out, p, 32);
	else
		memset(out, 0, 32);
}

/* ---- cases ------------------------------------------------------------------ */

static void read_case(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_case_row *c)
{
	c->id = sqlite3_column_int64(q, 0);
	c->order_ref = col_text(q, 1, a);
	c->status = col_text(q, 2, a);
	c->queue = col_text(q, 3, a);
	c->assignee = col_text(q, 4, a);
	c->priority = sqlite3_column_int(q, 5);
	c->kinds = col_text(q, 6, a);
	c->opened_at = sqlite3_column_int64(q, 7);
	c->updated_at = sqlite3_column_int64(q, 8);
	c->resolved_at = sqlite3_column_int64(q, 9);
	c->resolution = col_text(q, 10, a);
	c->sla_due_at = sqlite3_column_int64(q, 11);
	c->breached_at = sqlite3_column_int64(q, 12);
	c->reopened = sqlite3_column_int(q, 13);
	c->policy_version = sqlite3_column_int64(q, 14);
	c->updated_seq = sqlite3_column_int64(q, 15);
	c->brand = col_text(q, 16, a);
	c->region = col_text(q, 17, a);
	c->segment = col_text(q, 18, a);
}

static int one_case(struct ordex_store *st, const struct ordex_scope *sc, enum wstmt_id id,
                    const char *order_ref, int64_t case_id, struct ordex_arena *a,
                    struct ordex_case_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, id);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	if (order_ref)
		bind_text(q, 3, order_ref);
	else
		sqlite3_bind_int64(q, 3, case_id);
	ONE_ROW(
	    s, q, { read_case(q, a, out); }, "read a case");
}

int ordex__sqlite_case_active(struct ordex_store *st, const struct ordex_scope *sc,
                              const char *order_ref, struct ordex_arena *a,
                              struct ordex_case_row *out)
{
	return one_case(st, sc, W_CASE_ACTIVE, order_ref, 0, a, out);
}

int ordex__sqlite_case_last(struct ordex_store *st, const struct ordex_scope *sc,
                            const char *order_ref, struct ordex_arena *a,
                            struct ordex_case_row *out)
{
	return one_case(st, sc, W_CASE_LAST, order_ref, 0, a, out);
}

int ordex__sqlite_case_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                           struct ordex_arena *a, struct ordex_case_row *out)
{
	return one_case(st, sc, W_CASE_GET, NULL, id, a, out);
}

int ordex__sqlite_case_put(struct ordex_store *st, const struct ordex_scope *sc,
                           struct ordex_case_row *c)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, c->id ? W_CASE_UPDATE : W_CASE_INSERT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, c->order_ref);
	bind_text(q, 4, c->status);
	bind_text(q, 5, c->queue);
	bind_text(q, 6, c->assignee);
	sqlite3_bind_int(q, 7, c->priority);
	bind_text(q, 8, c->kinds ? c->kinds : "[]");
	sqlite3_bind_int64(q, 9, c->opened_at);
	sqlite3_bind_int64(q, 10, c->updated_at);
	sqlite3_bind_int64(q, 11, c->resolved_at);
	bind_text(q, 12, c->resolution);
	sqlite3_bind_int64(q, 13, c->sla_due_at);
	sqlite3_bind_int64(q, 14, c->breached_at);
	sqlite3_bind_int(q, 15, c->reopened);
	sqlite3_bind_int64(q, 16, c->policy_version);
	sqlite3_bind_int64(q, 17, c->updated_seq);
	if (c->id)
		sqlite3_bind_int64(q, 18, c->id);
	bool insert = !c->id;
	int rc = exec(s, q, "store a case");
	if (rc == ORDEX_OK && insert)
		c->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int ordex__sqlite_case_list(struct ordex_store *st, const struct ordex_scope *sc,
                            const struct ordex_case_filter *f, struct ordex_arena *a,
                            struct ordex_case_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_CASE_LIST);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, f->queue);
	bind_text(q, 4, f->status);
	bind_text(q, 5, f->assignee);
	bind_text(q, 6, f->order_ref);
	sqlite3_bind_int(q, 7, f->active);
	sqlite3_bind_int(q, 8, f->after_set);
	sqlite3_bind_int(q, 9, f->after_priority);
	sqlite3_bind_int64(q, 10, f->after_id);
	bind_text(q, 11, f->brand);
	bind_text(q, 12, f->region);
	bind_text(q, 13, f->segment);
	sqlite3_bind_int(q, 14, f->limit > 0 ? f->limit : 50);
	COLLECT(s, q, a, rows, n, struct ordex_case_row, read_case, "list cases");
}

int ordex__sqlite_exceptions_join_case(struct ordex_store *st, const struct ordex_scope *sc,
                                       const char *order_ref, int64_t case_id)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_EXC_JOIN);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, order_ref);
	sqlite3_bind_int64(q, 4, case_id);
	return exec(s, q, "join exceptions to a case");
}

static void read_exc(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_exception_row *e)
{
	e->id = sqlite3_column_int64(q, 0);
	e->order_ref = col_text(q, 1, a);
	e->kind = col_text(q, 2, a);
	e->subject = col_text(q, 3, a);
	e->status = col_text(q, 4, a);
	e->severity = col_text(q, 5, a);
	e->priority = sqlite3_column_int(q, 6);
	e->why = col_text(q, 7, a);
	e->evidence = col_text(q, 8, a);
	e->seen = sqlite3_column_int(q, 9);
	e->opened_at = sqlite3_column_int64(q, 10);
	e->updated_at = sqlite3_column_int64(q, 11);
	e->resolved_at = sqlite3_column_int64(q, 12);
	e->resolution = col_text(q, 13, a);
	e->updated_seq = sqlite3_column_int64(q, 14);
}

int ordex__sqlite_exceptions_of_case(struct ordex_store *st, const struct ordex_scope *sc,
                                     int64_t case_id, struct ordex_arena *a,
                                     struct ordex_exception_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_EXC_OF_CASE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, case_id);
	COLLECT(s, q, a, rows, n, struct ordex_exception_row, read_exc, "read a case's exceptions");
}

int ordex__sqlite_case_event_add(struct ordex_store *st, const struct ordex_scope *sc,
                                 int64_t case_id, int64_t at, const char *kind, const char *actor,
                                 const char *body)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_CASE_EVENT_ADD);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, case_id);
	sqlite3_bind_int64(q, 4, at);
	bind_text(q, 5, kind);
	bind_text(q, 6, actor);
	bind_text(q, 7, body ? body : "{}");
	return exec(s, q, "record a case's history");
}

static void read_event(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_case_event_row *e)
{
	e->id = sqlite3_column_int64(q, 0);
	e->at = sqlite3_column_int64(q, 1);
	e->kind = col_text(q, 2, a);
	e->actor = col_text(q, 3, a);
	e->body = col_text(q, 4, a);
}

int ordex__sqlite_case_events(struct ordex_store *st, const struct ordex_scope *sc, int64_t case_id,
                              struct ordex_arena *a, struct ordex_case_event_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_CASE_EVENTS);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, case_id);
	COLLECT(s, q, a, rows, n, struct ordex_case_event_row, read_event, "read a case's history");
}

/* ---- actions and approvals ---------------------------------------------------- */

static void read_action(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_action_row *r)
{
	r->id = sqlite3_column_int64(q, 0);
	r->case_id = sqlite3_column_int64(q, 1);
	r->order_ref = col_text(q, 2, a);
	r->kind = col_text(q, 3, a);
	r->payload = col_text(q, 4, a);
	blob32(q, 5, r->payload_hash);
	r->status = col_text(q, 6, a);
	r->requested_by = col_text(q, 7, a);
	r->requested_at = sqlite3_column_int64(q, 8);
	r->route = col_text(q, 9, a);
	r->policy_version = sqlite3_column_int64(q, 10);
	r->reason = col_text(q, 11, a);
	r->decided_at = sqlite3_column_int64(q, 12);
	r->decided_by = col_text(q, 13, a);
	r->payment = col_text(q, 14, a);
	r->amount = sqlite3_column_int64(q, 15);
	col_currency(q, 16, r->currency);
	r->updated_at = sqlite3_column_int64(q, 17);
}

int ordex__sqlite_action_put(struct ordex_store *st, const struct ordex_scope *sc,
                             struct ordex_action_row *r)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, r->id ? W_ACTION_UPDATE : W_ACTION_INSERT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, r->case_id);
	bind_text(q, 4, r->order_ref);
	bind_text(q, 5, r->kind);
	bind_text(q, 6, r->payload);
	sqlite3_bind_blob(q, 7, r->payload_hash, 32, SQLITE_STATIC);
	bind_text(q, 8, r->status);
	bind_text(q, 9, r->requested_by);
	sqlite3_bind_int64(q, 10, r->requested_at);
	bind_text(q, 11, r->route);
	sqlite3_bind_int64(q, 12, r->policy_version);
	bind_text(q, 13, r->reason);
	sqlite3_bind_int64(q, 14, r->decided_at);
	bind_text(q, 15, r->decided_by);
	bind_text(q, 16, r->payment);
	if (r->payment)
		sqlite3_bind_int64(q, 17, r->amount);
	bind_text(q, 18, r->currency[0] ? r->currency : NULL);
	sqlite3_bind_int64(q, 19, r->updated_at);
	if (r->id)
		sqlite3_bind_int64(q, 20, r->id);
	bool insert = !r->id;
	int rc = exec(s, q, "store an action");
	if (rc == ORDEX_OK && insert)
		r->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int ordex__sqlite_action_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                             struct ordex_arena *a, struct ordex_action_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_ACTION_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	ONE_ROW(
	    s, q, { read_action(q, a, out); }, "read an action");
}

int ordex__sqlite_actions_of_case(struct ordex_store *st, const struct ordex_scope *sc,
                                  int64_t case_id, struct ordex_arena *a,
                                  struct ordex_action_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_ACTIONS_OF_CASE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, case_id);
	COLLECT(s, q, a, rows, n, struct ordex_action_row, read_action, "read a case's actions");
}

int ordex__sqlite_refunds_held(struct ordex_store *st, const struct ordex_scope *sc,
                               const char *payment, int64_t except_action, int64_t *held)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_REFUNDS_HELD);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, payment);
	sqlite3_bind_int64(q, 4, except_action);
	ONE_ROW(
	    s, q, { *held = sqlite3_column_int64(q, 0); }, "sum held refunds");
}

int ordex__sqlite_approval_add(struct ordex_store *st, const struct ordex_scope *sc,
                               struct ordex_approval_row *r)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_APPROVAL_ADD);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, r->action_id);
	bind_text(q, 4, r->approver);
	bind_text(q, 5, r->role);
	bind_text(q, 6, r->decision);
	sqlite3_bind_blob(q, 7, r->payload_hash, 32, SQLITE_STATIC);
	bind_text(q, 8, r->reason);
	sqlite3_bind_int64(q, 9, r->at);
	sqlite3_bind_int64(q, 10, r->expires_at);
	return insert_id(s, q, &r->id, "record an approval");
}

static void read_approval(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_approval_row *r)
{
	r->id = sqlite3_column_int64(q, 0);
	r->action_id = sqlite3_column_int64(q, 1);
	r->approver = col_text(q, 2, a);
	r->role = col_text(q, 3, a);
	r->decision = col_text(q, 4, a);
	blob32(q, 5, r->payload_hash);
	r->reason = col_text(q, 6, a);
	r->at = sqlite3_column_int64(q, 7);
	r->expires_at = sqlite3_column_int64(q, 8);
}

int ordex__sqlite_approvals_of(struct ordex_store *st, const struct ordex_scope *sc,
                               int64_t action_id, struct ordex_arena *a,
                               struct ordex_approval_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_APPROVALS_OF);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, action_id);
	COLLECT(s, q, a, rows, n, struct ordex_approval_row, read_approval,
	        "read an action's approvals");
}

/* ---- policies --------------------------------------------------------------- */

int ordex__sqlite_policy_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t version,
                             struct ordex_arena *a, int64_t *got, const char **body, int64_t *at,
                             const char **by)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, version ? W_POLICY_VERSION : W_POLICY_LATEST);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	if (version)
		sqlite3_bind_int64(q, 3, version);
	ONE_ROW(
	    s, q,
	    {
		    *got = sqlite3_column_int64(q, 0);
		    *body = col_text(q, 1, a);
		    if (at)
			    *at = sqlite3_column_int64(q, 2);
		    if (by)
			    *by = col_text(q, 3, a);
	    },
	    "read a policy");
}

int ordex__sqlite_policy_put(struct ordex_store *st, const struct ordex_scope *sc, const char *body,
                             int64_t at, const char *by, int64_t *version)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_POLICY_PUT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, body);
	sqlite3_bind_int64(q, 4, at);
	bind_text(q, 5, by);
	ONE_ROW(
	    s, q, { *version = sqlite3_column_int64(q, 0); }, "store a policy");
}

/* ---- timers ------------------------------------------------------------------- */

int ordex__sqlite_timer_arm(struct ordex_store *st, const struct ordex_scope *sc, const char *kind,
                            const char *subject, const char *order_ref, int64_t due_at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_TIMER_ARM);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, kind);
	bind_text(q, 4, subject);
	bind_text(q, 5, order_ref);
	sqlite3_bind_int64(q, 6, due_at);
	return exec(s, q, "arm a timer");
}

int ordex__sqlite_timer_arm_earlier(struct ordex_store *st, const struct ordex_scope *sc,
                                    const char *kind, const char *subject, const char *order_ref,
                                    int64_t due_at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_TIMER_ARM_EARLIER);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, kind);
	bind_text(q, 4, subject);
	bind_text(q, 5, order_ref);
	sqlite3_bind_int64(q, 6, due_at);
	return exec(s, q, "arm a timer");
}

int ordex__sqlite_timer_disarm(struct ordex_store *st, const struct ordex_scope *sc,
                               const char *kind, const char *subject)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_TIMER_DISARM);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, kind);
	bind_text(q, 4, subject);
	return exec(s, q, "disarm a timer");
}

static void read_timer(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_timer_row *t)
{
	t->id = sqlite3_column_int64(q, 0);
	t->tenant = sqlite3_column_int64(q, 1);
	snprintf(t->env, sizeof(t->env), "%s", (const char *)sqlite3_column_text(q, 2));
	t->kind = col_text(q, 3, a);
	t->subject = col_text(q, 4, a);
	t->order_ref = col_text(q, 5, a);
	t->due_at = sqlite3_column_int64(q, 6);
	t->fired_at = sqlite3_column_int64(q, 7);
}

int ordex__sqlite_timers_of_order(struct ordex_store *st, const struct ordex_scope *sc,
                                  const char *order_ref, struct ordex_arena *a,
                                  struct ordex_timer_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_TIMERS_OF_ORDER);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, order_ref);
	COLLECT(s, q, a, rows, n, struct ordex_timer_row, read_timer, "read an order's timers");
}

int ordex__sqlite_timers_due(struct ordex_store *st, const struct ordex_scope *sc, int64_t now,
                             int limit, struct ordex_arena *a, struct ordex_timer_row **rows,
                             size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_TIMERS_DUE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_int(q, 4, limit);
	COLLECT(s, q, a, rows, n, struct ordex_timer_row, read_timer, "read due timers");
}

int ordex__sqlite_timer_next(struct ordex_store *st, const struct ordex_scope *sc, int64_t *due_at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_TIMER_NEXT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	int rc = sqlite3_step(q);
	bool none = rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_NULL;
	if (rc == SQLITE_ROW && !none)
		*due_at = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (rc != SQLITE_ROW)
		return fail(s, "read the next timer");
	return none ? ORDEX_E_NOTFOUND : ORDEX_OK;
}

int ordex__sqlite_timer_fire(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                             int64_t at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_TIMER_FIRE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	sqlite3_bind_int64(q, 4, at);
	int rc = exec(s, q, "fire a timer");
	if (rc == ORDEX_OK && sqlite3_changes(s->db) == 0)
		return ORDEX_E_NOTFOUND;
	return rc;
}

int ordex__sqlite_environments(struct ordex_store *st, struct ordex_arena *a, int64_t **tenants,
                               const char ***envs, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_ENVIRONMENTS);
	if (!q)
		return ORDEX_E_STORE;
	size_t cap = 16, k = 0;
	int64_t *t = ordex_arena_alloc(a, cap * sizeof(*t));
	const char **e = ordex_arena_alloc(a, cap * sizeof(*e));
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (k == cap) {
			int64_t *t2 = ordex_arena_alloc(a, 2 * cap * sizeof(*t2));
			const char **e2 = ordex_arena_alloc(a, 2 * cap * sizeof(*e2));
			memcpy(t2, t, cap * sizeof(*t));
			memcpy(e2, e, cap * sizeof(*e));
			t = t2;
			e = e2;
			cap *= 2;
		}
		t[k] = sqlite3_column_int64(q, 0);
		e[k] = col_text(q, 1, a);
		k++;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return fail(s, "list environments");
	*tenants = t;
	*envs = e;
	*n = k;
	return ORDEX_OK;
}

/* ---- evidence ------------------------------------------------------------------ */

int ordex__sqlite_evidence_put(struct ordex_store *st, const struct ordex_scope *sc,
                               const struct ordex_evidence_row *e)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_EVIDENCE_PUT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, e->sha256);
	bind_text(q, 4, e->content_type);
	sqlite3_bind_int64(q, 5, (int64_t)e->size);
	sqlite3_bind_blob(q, 6, e->bytes, (int)e->size, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, e->created_at);
	bind_text(q, 8, e->created_by);
	return exec(s, q, "store evidence");
}

int ordex__sqlite_evidence_get(struct ordex_store *st, const struct ordex_scope *sc,
                               const char *sha256, struct ordex_arena *a,
                               struct ordex_evidence_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = wstmt(s, W_EVIDENCE_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, sha256);
	ONE_ROW(
	    s, q,
	    {
		    snprintf(out->sha256, sizeof(out->sha256), "%s",
		             (const char *)sqlite3_column_text(q, 0));
		    out->content_type = col_text(q, 1, a);
		    out->size = (size_t)sqlite3_column_int64(q, 2);
		    unsigned char *b = ordex_arena_alloc(a, out->size ? out->size : 1);
		    if (out->size)
			    memcpy(b, sqlite3_column_blob(q, 3), out->size);
		    out->bytes = b;
		    out->created_at = sqlite3_column_int64(q, 4);
		    out->created_by = col_text(q, 5, a);
	    },
	    "read evidence");
}
