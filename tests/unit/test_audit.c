/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_audit.c - the per-tenant hash chains: how appends link entries,
 * and that verification finds each kind of tampering and names the first
 * entry it breaks.
 *
 * Every test starts from two committed chains in a fresh database, tenant
 * "acme" with 3 entries and tenant "globex" with 5, appended interleaved.
 * Tampering goes around the store with plain SQLite on the same file, the
 * way someone with access to the database would; most of it hits the second
 * tenant, so a report that always named the first one would fail.
 */
#include "testutil.h"

#include "audit/audit.h"
#include "core/arena.h"
#include "unit_util.h"

enum { N_ACME = 3, N_GLOBEX = 5 };

struct fixture {
	struct unit_db db;
	struct ordex_store *st;
	struct ordex_audit *au;
	struct ordex_scope acme, globex;
};

static void append(struct fixture *f, const struct ordex_scope *sc, const char *kind,
                   const char *subject, int n)
{
	char body[64];
	snprintf(body, sizeof(body), "{\"n\":%d}", n);
	assert_int_equal(
	    ordex_audit_append(f->au, f->st, sc, 1740841200000000 + n, kind, subject, body),
	    ORDEX_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unit_db_init(&f->db);
	f->st = unit_store_open(f->db.path, false);
	f->au = ordex_audit_new();
	struct ordex_store *st = f->st;
	int64_t a, g;
	assert_int_equal(st->ops->tenant_create(st, "acme", &a), ORDEX_OK);
	assert_int_equal(st->ops->tenant_create(st, "globex", &g), ORDEX_OK);
	f->acme = (struct ordex_scope){a, "production"};
	f->globex = (struct ordex_scope){g, "sandbox"};

	ordex_audit_reset(f->au);
	assert_int_equal(st->ops->begin(st), ORDEX_OK);
	for (int i = 1; i <= N_GLOBEX; i++) {
		if (i <= N_ACME)
			append(f, &f->acme, "test.entry", "evt_a", i);
		append(f, &f->globex, "order.changed", "1001", i);
	}
	assert_int_equal(st->ops->commit(st), ORDEX_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	ordex_audit_free(f->au);
	f->st->ops->close(f->st);
	unit_db_remove(&f->db);
	free(f);
	return 0;
}

/* Runs printf-formatted SQL on the database file, outside the store. */
static void tamper(struct fixture *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tamper(struct fixture *f, const char *fmt, ...)
{
	char q[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	sqlite3 *db = unit_sql_open(f->db.path);
	unit_sql_exec(db, q);
	sqlite3_close(db);
}

static void assert_bad(struct fixture *f, int64_t tenant, int64_t seq, const char *reason)
{
	struct ordex_audit_report rep;
	int rc = ordex_audit_verify(f->st, &rep);
	if (rc != ORDEX_E_CORRUPT)
		fail_msg("verify returned %d, want ORDEX_E_CORRUPT", rc);
	assert_int_equal(rep.bad_tenant, tenant);
	assert_int_equal(rep.bad_seq, seq);
	assert_string_equal(rep.reason, reason);
}

static void assert_verifies(struct fixture *f, int64_t entries)
{
	struct ordex_audit_report rep;
	int rc = ordex_audit_verify(f->st, &rep);
	if (rc != ORDEX_OK)
		fail_msg("verify returned %d: tenant %lld seq %lld: %s", rc,
		         (long long)rep.bad_tenant, (long long)rep.bad_seq, rep.reason);
	assert_int_equal(rep.bad_tenant, 0);
	assert_int_equal(rep.entries, entries);
}

/* ---- appending ---------------------------------------------------------- */

struct chain {
	struct ordex_audit_row rows[16];
	char bodies[16][64];
	int n;
};

static int collect(void *ctx, const struct ordex_audit_row *r)
{
	struct chain *c = ctx;
	if (c->n == 16)
		return ORDEX_E_TOOBIG;
	c->rows[c->n] = *r;
	snprintf(c->bodies[c->n], sizeof(c->bodies[0]), "%s", r->body);
	c->rows[c->n].env = c->rows[c->n].kind = c->rows[c->n].subject = NULL;
	c->rows[c->n].body = c->bodies[c->n];
	c->n++;
	return ORDEX_OK;
}

static void assert_chain(struct fixture *f, const struct ordex_scope *sc, int n)
{
	struct chain c = {.n = 0};
	unsigned char zero[32] = {0}, head[32];
	int64_t seq = 0;
	assert_int_equal(f->st->ops->audit_scan(f->st, sc->tenant, collect, &c), ORDEX_OK);
	assert_int_equal(c.n, n);
	for (int i = 0; i < n; i++) {
		char want[64];
		assert_int_equal(c.rows[i].tenant, sc->tenant);
		assert_int_equal(c.rows[i].seq, i + 1);
		assert_memory_equal(c.rows[i].prev, i ? c.rows[i - 1].hash : zero, 32);
		snprintf(want, sizeof(want), "{\"n\":%d}", i + 1);
		assert_string_equal(c.bodies[i], want);
	}
	assert_int_equal(f->st->ops->audit_head(f->st, sc->tenant, &seq, head), ORDEX_OK);
	assert_int_equal(seq, n);
	assert_memory_equal(head, c.rows[n - 1].hash, 32);
}

static void test_appends_form_one_chain_per_tenant_from_seq_1(void **state)
{
	struct fixture *f = *state;
	assert_chain(f, &f->acme, N_ACME);
	assert_chain(f, &f->globex, N_GLOBEX);
	int64_t seq;
	unsigned char h[32];
	assert_int_equal(f->st->ops->audit_head(f->st, 999, &seq, h), ORDEX_E_NOTFOUND);
}

static void test_stored_hash_covers_prev_and_canonical_bytes(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db = unit_sql_open(f->db.path);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT tenant, seq, environment, at, kind, subject, "
	                                    "body, prev, hash FROM audit ORDER BY tenant, seq",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	int rows = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct ordex_audit_row r = {
		    .tenant = sqlite3_column_int64(q, 0),
		    .seq = sqlite3_column_int64(q, 1),
		    .env = (const char *)sqlite3_column_text(q, 2),
		    .at = sqlite3_column_int64(q, 3),
		    .kind = (const char *)sqlite3_column_text(q, 4),
		    .subject = (const char *)sqlite3_column_text(q, 5),
		    .body = (const char *)sqlite3_column_text(q, 6),
		};
		unsigned char h[32];
		assert_int_equal(sqlite3_column_bytes(q, 7), 32);
		assert_int_equal(sqlite3_column_bytes(q, 8), 32);
		memcpy(r.prev, sqlite3_column_blob(q, 7), 32);
		ordex_audit_hash(&r, h);
		assert_memory_equal(h, sqlite3_column_blob(q, 8), 32);
		rows++;
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_int_equal(rows, N_ACME + N_GLOBEX);
}

static void test_verify_passes_on_untouched_chains(void **state)
{
	struct fixture *f = *state;
	struct ordex_audit_report rep;
	assert_int_equal(ordex_audit_verify(f->st, &rep), ORDEX_OK);
	assert_int_equal(rep.tenants, 2);
	assert_int_equal(rep.entries, N_ACME + N_GLOBEX);
	assert_int_equal(rep.bad_tenant, 0);
	assert_int_equal(rep.bad_seq, 0);
}

static void test_appends_across_more_tenants_than_cached_heads_verify(void **state)
{
	struct fixture *f = *state;
	enum { TENANTS = 40, ROUNDS = 3 };
	struct ordex_scope sc[TENANTS];
	for (int i = 0; i < TENANTS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "tenant-%d", i);
		assert_int_equal(f->st->ops->tenant_create(f->st, name, &sc[i].tenant), ORDEX_OK);
		sc[i].env = "production";
	}
	ordex_audit_reset(f->au);
	assert_int_equal(f->st->ops->begin(f->st), ORDEX_OK);
	for (int r = 1; r <= ROUNDS; r++)
		for (int i = 0; i < TENANTS; i++)
			append(f, &sc[i], "test.entry", "evt", r);
	assert_int_equal(f->st->ops->commit(f->st), ORDEX_OK);
	for (int i = 0; i < TENANTS; i++)
		assert_chain(f, &sc[i], ROUNDS);
	assert_verifies(f, N_ACME + N_GLOBEX + TENANTS * ROUNDS);
}

/* ---- tampering --------------------------------------------------------- */

static void test_verify_names_an_edited_body(void **state)
{
	struct fixture *f = *state;
	tamper(f, "UPDATE audit SET body = '{\"n\":33}' WHERE tenant = %lld AND seq = 3",
	       (long long)f->globex.tenant);
	assert_bad(f, f->globex.tenant, 3, "hash does not match the entry's contents");
}

static void test_verify_names_an_edited_kind(void **state)
{
	struct fixture *f = *state;
	tamper(f, "UPDATE audit SET kind = 'input.duplicate' WHERE tenant = %lld AND seq = 2",
	       (long long)f->acme.tenant);
	assert_bad(f, f->acme.tenant, 2, "hash does not match the entry's contents");
}

static void test_verify_names_the_entry_after_a_deleted_middle_row(void **state)
{
	struct fixture *f = *state;
	tamper(f, "DELETE FROM audit WHERE tenant = %lld AND seq = 3", (long long)f->globex.tenant);
	assert_bad(f, f->globex.tenant, 4, "entries are missing before this one");
}

static void test_verify_names_two_rows_swapped_by_seq(void **state)
{
	struct fixture *f = *state;
	long long t = (long long)f->globex.tenant;
	tamper(f,
	       "UPDATE audit SET seq = -2 WHERE tenant = %lld AND seq = 2; "
	       "UPDATE audit SET seq = 2 WHERE tenant = %lld AND seq = 3; "
	       "UPDATE audit SET seq = 3 WHERE tenant = %lld AND seq = -2",
	       t, t, t);
	assert_bad(f, f->globex.tenant, 2, "previous hash does not match the entry before it");
}

/*
 * Makes room at seq 3 of globex's chain and inserts an entry there that
 * links to entry 2. With recompute the forger computed its hash the way
 * ordex does; otherwise the hash is made up.
 */
static void insert_forged(struct fixture *f, bool recompute)
{
	long long t = (long long)f->globex.tenant;
	tamper(f,
	       "UPDATE audit SET seq = seq + 1000 WHERE tenant = %lld AND seq >= 3; "
	       "UPDATE audit SET seq = seq - 999 WHERE tenant = %lld AND seq >= 1000",
	       t, t);
	sqlite3 *db = unit_sql_open(f->db.path);
	char q[160];
	snprintf(q, sizeof(q), "SELECT hash FROM audit WHERE tenant = %lld AND seq = 2", t);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	struct ordex_audit_row r = {
	    .tenant = f->globex.tenant,
	    .seq = 3,
	    .env = f->globex.env,
	    .at = 1740841200000000,
	    .kind = "refund.approved",
	    .subject = "1001",
	    .body = "{\"amount\":\"5000.00\"}",
	};
	memcpy(r.prev, sqlite3_column_blob(s, 0), 32);
	sqlite3_finalize(s);
	if (recompute)
		ordex_audit_hash(&r, r.hash);
	else
		memset(r.hash, 0xab, 32);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "INSERT INTO audit (tenant, seq, environment, at, "
	                                    "kind, subject, body, prev, hash) VALUES (?1, ?2, ?3, "
	                                    "?4, ?5, ?6, ?7, ?8, ?9)",
	                                    -1, &s, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(s, 1, r.tenant);
	sqlite3_bind_int64(s, 2, r.seq);
	sqlite3_bind_text(s, 3, r.env, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, r.at);
	sqlite3_bind_text(s, 5, r.kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, r.subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, r.body, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 8, r.prev, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 9, r.hash, 32, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_verify_names_an_inserted_row_with_a_forged_hash(void **state)
{
	struct fixture *f = *state;
	insert_forged(f, false);
	assert_bad(f, f->globex.tenant, 3, "hash does not match the entry's contents");
}

static void test_verify_names_the_entry_after_an_inserted_row_with_a_recomputed_hash(void **state)
{
	struct fixture *f = *state;
	insert_forged(f, true);
	/* the forged entry is self-consistent; the one it displaced no longer links */
	assert_bad(f, f->globex.tenant, 4, "previous hash does not match the entry before it");
}

/* ---- transactions ------------------------------------------------------ */

static void test_rollback_and_reset_leave_the_chain_verifiable(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;

	ordex_audit_reset(f->au);
	assert_int_equal(st->ops->begin(st), ORDEX_OK);
	append(f, &f->acme, "test.entry", "lost", 90);
	append(f, &f->globex, "test.entry", "lost", 91);
	assert_int_equal(st->ops->rollback(st), ORDEX_OK);
	ordex_audit_reset(f->au);

	assert_int_equal(st->ops->begin(st), ORDEX_OK);
	append(f, &f->acme, "test.entry", "kept", N_ACME + 1);
	assert_int_equal(st->ops->commit(st), ORDEX_OK);

	assert_verifies(f, N_ACME + 1 + N_GLOBEX);
	assert_chain(f, &f->acme, N_ACME + 1);
	assert_chain(f, &f->globex, N_GLOBEX);
}

static void test_rollback_to_savepoint_and_reset_leave_the_chain_verifiable(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;

	ordex_audit_reset(f->au);
	assert_int_equal(st->ops->begin(st), ORDEX_OK);
	append(f, &f->acme, "test.entry", "kept", N_ACME + 1);
	assert_int_equal(st->ops->savepoint(st), ORDEX_OK);
	append(f, &f->acme, "test.entry", "undone", 90);
	append(f, &f->acme, "test.entry", "undone", 91);
	assert_int_equal(st->ops->rollback_to(st), ORDEX_OK);
	ordex_audit_reset(f->au);
	append(f, &f->acme, "test.entry", "kept", N_ACME + 2);
	assert_int_equal(st->ops->commit(st), ORDEX_OK);

	assert_verifies(f, N_ACME + 2 + N_GLOBEX);
	assert_chain(f, &f->acme, N_ACME + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_appends_form_one_chain_per_tenant_from_seq_1),
	    T(test_stored_hash_covers_prev_and_canonical_bytes),
	    T(test_verify_passes_on_untouched_chains),
	    T(test_appends_across_more_tenants_than_cached_heads_verify),
	    T(test_verify_names_an_edited_body),
	    T(test_verify_names_an_edited_kind),
	    T(test_verify_names_the_entry_after_a_deleted_middle_row),
	    T(test_verify_names_two_rows_swapped_by_seq),
	    T(test_verify_names_an_inserted_row_with_a_forged_hash),
	    T(test_verify_names_the_entry_after_an_inserted_row_with_a_recomputed_hash),
	    T(test_rollback_and_reset_leave_the_chain_verifiable),
	    T(test_rollback_to_savepoint_and_reset_leave_the_chain_verifiable),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
