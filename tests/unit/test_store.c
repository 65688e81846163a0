/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store.c - the SQLite backend of the store interface.
 *
 * Each test gets a fresh database in its own temporary directory. The
 * schema tests look at the file with plain SQLite to see what opening
 * recorded; the others go through st->ops only, checking that every row is
 * kept apart by tenant and environment, that the "newest wins" and "count
 * once" rules hold in the backend, that keyset pages neither skip nor
 * repeat a row, and that a savepoint undoes only what came after it.
 */
#include "testutil.h"

#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "core/arena.h"
#include "ingest/event.h"
#include "store/migrations.h"
#include "unit_util.h"

struct fixture {
	struct unit_db db;
	struct ordex_store *st;
	struct ordex_arena *a;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unit_db_init(&f->db);
	f->st = unit_store_open(f->db.path, false);
	f->a = ordex_arena_new(4096);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->st)
		f->st->ops->close(f->st);
	ordex_arena_free(f->a);
	unit_db_remove(&f->db);
	free(f);
	return 0;
}

static int64_t make_tenant(struct ordex_store *st, const char *name)
{
	int64_t id = 0;
	assert_int_equal(st->ops->tenant_create(st, name, &id), ORDEX_OK);
	assert_int_equal(st->ops->env_create(st, id, "production"), ORDEX_OK);
	assert_int_equal(st->ops->env_create(st, id, "sandbox"), ORDEX_OK);
	return id;
}

static void put_order(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
                      int64_t total, int64_t *id)
{
	struct ordex_order_row o = {
	    .ref = ref,
	    .known = true,
	    .status = "open",
	    .version = -1,
	    .currency = "USD",
	    .total = total,
	    .total_set = true,
	    .first_seq = 1,
	    .updated_seq = 1,
	};
	assert_int_equal(st->ops->order_put(st, sc, &o), ORDEX_OK);
	assert_true(o.id > 0);
	if (id)
		*id = o.id;
}

/* A minimal stored event: the fields event_insert keeps. */
static void fill_event(struct ordex_event *ev, const char *source, const char *id, const char *raw)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = id;
	ev->source = source;
	ev->type_name = "order.created";
	ev->type = ORDEX_EV_ORDER_CREATED;
	ev->order = "1001";
	ev->occurred.us = 1740841200000000;
	ev->occurred.set = true;
	ev->raw = raw;
	ev->raw_len = strlen(raw);
	memset(ev->sha256, raw[0], 32);
	memcpy(ev->digest, ev->sha256, 32); /* dedupe compares the digest */
}

/* ---- schema and migrations --------------------------------------------- */

static void test_open_creates_schema_and_records_migrations(void **state)
{
	struct fixture *f = *state;
	int last = ordex_migrations[ordex_migrations_count - 1].number;
	assert_true(ordex_migrations_count > 0);
	assert_int_equal(ordex_store_schema_version(f->st), last);

	sqlite3 *db = unit_sql_open(f->db.path);
	assert_int_equal(unit_sql_int(db, "PRAGMA user_version"), last);
	assert_int_equal(unit_sql_int(db, "SELECT count(*) FROM schema_migrations"),
	                 ordex_migrations_count);
	for (int i = 0; i < ordex_migrations_count; i++) {
		char q[160];
		snprintf(q, sizeof(q), "SELECT count(*) FROM schema_migrations WHERE number = %d",
		         ordex_migrations[i].number);
		if (unit_sql_int(db, q) != 1)
			fail_msg("migration %d is not recorded", ordex_migrations[i].number);
	}
	static const char *const tables[] = {"tenants",   "environments", "api_keys",  "events",
	                                     "orders",    "order_lines",  "payments",  "refunds",
	                                     "shipments", "inventory",    "customers", "exceptions",
	                                     "audit"};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(tables); i++) {
		char q[160];
		snprintf(q, sizeof(q),
		         "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
		         tables[i]);
		if (unit_sql_int(db, q) != 1)
			fail_msg("table %s is missing", tables[i]);
	}
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static void test_reopen_applies_no_migration_again(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db = unit_sql_open(f->db.path);
	int64_t applied = unit_sql_int(db, "SELECT sum(applied_at) FROM schema_migrations");
	sqlite3_close(db);

	f->st->ops->close(f->st);
	f->st = unit_store_open(f->db.path, false);
	f->st->ops->close(f->st);
	f->st = unit_store_open(f->db.path, false);

	db = unit_sql_open(f->db.path);
	assert_int_equal(unit_sql_int(db, "SELECT count(*) FROM schema_migrations"),
	                 ordex_migrations_count);
	assert_int_equal(unit_sql_int(db, "SELECT sum(applied_at) FROM schema_migrations"),
	                 applied);
	assert_int_equal(unit_sql_int(db, "PRAGMA user_version"),
	                 ordex_migrations[ordex_migrations_count - 1].number);
	sqlite3_close(db);
}

static void test_readonly_open_of_uninitialized_file_fails_with_message(void **state)
{
	struct fixture *f = *state;
	char path[192];
	snprintf(path, sizeof(path), "%s/empty.db", f->db.dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);

	struct ordex_store *st = NULL;
	struct ordex_store_options o = {.readonly = true};
	struct unit_stderr cap;
	char err[1024];
	unit_stderr_begin(&cap);
	int rc = ordex_store_open_sqlite(path, &o, &st);
	unit_stderr_end(&cap, err, sizeof(err));

	assert_int_equal(rc, ORDEX_E_STORE);
	assert_null(st);
	char want[320];
	snprintf(want, sizeof(want),
	         "ordex: database \"%s\" is not initialized; run \"ordex init\"\n", path);
	assert_string_equal(err, want);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0); /* a readonly open wrote nothing */
}

static void test_readonly_open_of_missing_file_fails_with_message(void **state)
{
	struct fixture *f = *state;
	char path[192];
	snprintf(path, sizeof(path), "%s/missing.db", f->db.dir);
	struct ordex_store *st = NULL;
	struct ordex_store_options o = {.readonly = true};
	struct unit_stderr cap;
	char err[1024];
	unit_stderr_begin(&cap);
	int rc = ordex_store_open_sqlite(path, &o, &st);
	unit_stderr_end(&cap, err, sizeof(err));

	assert_int_equal(rc, ORDEX_E_STORE);
	assert_null(st);
	char want[320];
	snprintf(want, sizeof(want), "ordex: could not open database \"%s\": ", path);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("stderr was \"%s\"", err);
	assert_int_equal(access(path, F_OK), -1); /* and did not create it */
}

static void test_readonly_open_of_initialized_file_reads(void **state)
{
	struct fixture *f = *state;
	int64_t t = make_tenant(f->st, "acme");
	struct ordex_store *ro = unit_store_open(f->db.path, true);
	int64_t id = 0;
	assert_int_equal(ro->ops->tenant_find(ro, "acme", &id), ORDEX_OK);
	assert_int_equal(id, t);
	ro->ops->close(ro);
}

struct opener {
	const char *path;
	int rc;
};

static void *open_store(void *arg)
{
	struct opener *o = arg;
	struct ordex_store *st = NULL;
	struct ordex_store_options opts = {.sync = ORDEX_SYNC_NORMAL};
	o->rc = ordex_store_open_sqlite(o->path, &opts, &st);
	if (st)
		st->ops->close(st);
	return NULL;
}

/*
 * Two processes (ordex serve, ordex import) may find the same new
 * database. Here a plain connection plays the other process: it holds the
 * write lock while our open reads the schema version and waits to write,
 * then applies the migrations and commits. Our open must see that they are
 * applied once it has the lock, and not run them a second time.
 */
static void test_open_racing_another_migrator_applies_nothing_twice(void **state)
{
	struct fixture *f = *state;
	char path[192];
	snprintf(path, sizeof(path), "%s/race.db", f->db.dir);
	sqlite3 *other = NULL;
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	sqlite3_busy_timeout(other, 10000);
	unit_sql_exec(other, "PRAGMA journal_mode = WAL");
	unit_sql_exec(other, "CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name "
	                     "TEXT NOT NULL, applied_at INTEGER NOT NULL)");
	unit_sql_exec(other, "BEGIN IMMEDIATE");

	pthread_t th;
	struct opener o = {path, -1};
	assert_int_equal(pthread_create(&th, NULL, open_store, &o), 0);
	/* let the open read version 0 and block on the lock */
	nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
	for (int i = 0; i < ordex_migrations_count; i++) {
		char q[256];
		unit_sql_exec(other, ordex_migrations[i].sql);
		snprintf(q, sizeof(q),
		         "INSERT INTO schema_migrations VALUES (%d, '%s', 1); "
		         "PRAGMA user_version = %d",
		         ordex_migrations[i].number, ordex_migrations[i].name,
		         ordex_migrations[i].number);
		unit_sql_exec(other, q);
	}
	unit_sql_exec(other, "COMMIT");
	pthread_join(th, NULL);

	assert_int_equal(o.rc, ORDEX_OK);
	assert_int_equal(unit_sql_int(other, "SELECT count(*) FROM schema_migrations"),
	                 ordex_migrations_count);
	assert_int_equal(unit_sql_int(other, "SELECT sum(applied_at) FROM schema_migrations"),
	                 ordex_migrations_count);
	sqlite3_close(other);
}

/* ---- tenants, environments, keys ---------------------------------------- */

static void test_tenant_and_environment_create_and_lookup(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	int64_t a = 0, b = 0, id = 0;
	char name[64];

	assert_int_equal(st->ops->tenant_first(st, &id, name, sizeof(name)), ORDEX_E_NOTFOUND);
	assert_int_equal(st->ops->tenant_create(st, "acme", &a), ORDEX_OK);
	assert_int_equal(st->ops->tenant_create(st, "globex", &b), ORDEX_OK);
	assert_true(a > 0 && b > 0 && a != b);
	assert_int_equal(st->ops->tenant_create(st, "acme", &id), ORDEX_E_CONFLICT);

	assert_int_equal(st->ops->tenant_find(st, "globex", &id), ORDEX_OK);
	assert_int_equal(id, b);
	assert_int_equal(st->ops->tenant_find(st, "initech", &id), ORDEX_E_NOTFOUND);
	assert_int_equal(st->ops->tenant_first(st, &id, name, sizeof(name)), ORDEX_OK);
	assert_int_equal(id, a);
	assert_string_equal(name, "acme");

	assert_int_equal(st->ops->env_create(st, a, "production"), ORDEX_OK);
	assert_int_equal(st->ops->env_create(st, a, "production"), ORDEX_OK); /* idempotent */
	assert_int_equal(st->ops->env_exists(st, a, "production"), ORDEX_OK);
	assert_int_equal(st->ops->env_exists(st, a, "sandbox"), ORDEX_E_NOTFOUND);
	assert_int_equal(st->ops->env_exists(st, b, "production"), ORDEX_E_NOTFOUND);
}

static void test_key_lookup_by_hash(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	int64_t t = make_tenant(st, "acme");
	struct ordex_scope sc = {t, "sandbox"};
	unsigned char h1[32], h2[32], unknown[32];
	memset(h1, 0x11, 32);
	memset(h2, 0x22, 32);
	memset(unknown, 0x33, 32);
	int64_t k1 = 0, k2 = 0, k3 = 0;
	struct ordex_key_new n1 = {.prefix = "ok_sb_1", .role = "ops_reviewer"};
	memcpy(n1.hash, h1, 32);
	assert_int_equal(st->ops->key_create(st, &sc, &n1, &k1), ORDEX_OK);
	sc.env = "production";
	struct ordex_key_new n2 = {.prefix = "ok_pr_2",
	                           .role = "admin",
	                           .scopes = 3,
	                           .name = "deploy",
	                           .expires_at = 5000,
	                           .created_by = "key:ok_pr_0"};
	memcpy(n2.hash, h2, 32);
	assert_int_equal(st->ops->key_create(st, &sc, &n2, &k2), ORDEX_OK);
	assert_true(k1 > 0 && k2 > 0 && k1 != k2);

	struct ordex_key_info ki;
	memset(&ki, 0, sizeof(ki));
	assert_int_equal(st->ops->key_lookup(st, h1, &ki), ORDEX_OK);
	assert_int_equal(ki.key_id, k1);
	assert_int_equal(ki.tenant, t);
	assert_string_equal(ki.tenant_name, "acme");
	assert_string_equal(ki.env, "sandbox");
	assert_string_equal(ki.role, "ops_reviewer");
	assert_int_equal(ki.scopes, 0);
	assert_int_equal(ki.expires_at, 0);

	assert_int_equal(st->ops->key_lookup(st, h2, &ki), ORDEX_OK);
	assert_int_equal(ki.key_id, k2);
	assert_string_equal(ki.env, "production");
	assert_string_equal(ki.role, "admin");
	assert_int_equal(ki.scopes, 3);
	assert_int_equal(ki.expires_at, 5000);
	assert_int_equal(ki.revoked_at, 0);

	assert_int_equal(st->ops->key_lookup(st, unknown, &ki), ORDEX_E_NOTFOUND);

	/* a revocation in the future (a rotation) leaves it working until then;
	 * one now ends it; a later revocation does not extend an earlier one */
	struct ordex_key_new n3 = {.prefix = "ok_pr_3", .role = "viewer"};
	memcpy(n3.hash, unknown, 32);
	assert_int_equal(st->ops->key_create(st, &sc, &n3, &k3), ORDEX_OK);
	assert_int_equal(st->ops->key_revoke(st, &sc, k3, 3000), ORDEX_OK);
	assert_int_equal(st->ops->key_lookup(st, unknown, &ki), ORDEX_OK);
	assert_int_equal(ki.revoked_at, 3000);
	assert_int_equal(st->ops->key_revoke(st, &sc, k3, 9000), ORDEX_OK);
	assert_int_equal(st->ops->key_lookup(st, unknown, &ki), ORDEX_OK);
	assert_int_equal(ki.revoked_at, 3000);
	/* not in this scope: not found */
	struct ordex_scope sandbox = {t, "sandbox"};
	assert_int_equal(st->ops->key_revoke(st, &sandbox, k3, 100), ORDEX_E_NOTFOUND);

	struct ordex_key_row *rows;
	size_t n;
	assert_int_equal(st->ops->key_list(st, &sc, f->a, &rows, &n), ORDEX_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id, k2);
	assert_string_equal(rows[0].name, "deploy");
	assert_string_equal(rows[0].created_by, "key:ok_pr_0");
	assert_int_equal(rows[1].revoked_at, 3000);
}

/* ---- scope isolation --------------------------------------------------- */

static void test_same_order_ref_in_four_scopes_is_four_rows(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	int64_t t1 = make_tenant(st, "acme"), t2 = make_tenant(st, "globex");
	struct ordex_scope sc[4] = {
	    {t1, "production"}, {t1, "sandbox"}, {t2, "production"}, {t2, "sandbox"}};
	int64_t ids[4];
	for (int i = 0; i < 4; i++)
		put_order(st, &sc[i], "1001", 1000 * (i + 1), &ids[i]);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < i; j++)
			assert_true(ids[i] != ids[j]);

	for (int i = 0; i < 4; i++) {
		struct ordex_order_row o;
		assert_int_equal(st->ops->order_get(st, &sc[i], "1001", f->a, &o), ORDEX_OK);
		assert_int_equal(o.id, ids[i]);
		assert_int_equal(o.total, 1000 * (i + 1));
	}
	/* a change in one scope stays there */
	struct ordex_order_row o;
	assert_int_equal(st->ops->order_get(st, &sc[2], "1001", f->a, &o), ORDEX_OK);
	o.status = "cancelled";
	assert_int_equal(st->ops->order_put(st, &sc[2], &o), ORDEX_OK);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(st->ops->order_get(st, &sc[i], "1001", f->a, &o), ORDEX_OK);
		assert_string_equal(o.status, i == 2 ? "cancelled" : "open");
	}
	/* a scope that holds no such order finds none of the others' */
	int64_t t3 = make_tenant(st, "initech");
	struct ordex_scope empty = {t3, "production"};
	assert_int_equal(st->ops->order_get(st, &empty, "1001", f->a, &o), ORDEX_E_NOTFOUND);
	struct ordex_scope other_env = {t1, "staging"};
	assert_int_equal(st->ops->order_get(st, &other_env, "1001", f->a, &o), ORDEX_E_NOTFOUND);
}

static void test_event_find_dedupes_on_tenant_env_source_and_id(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	int64_t t1 = make_tenant(st, "acme"), t2 = make_tenant(st, "globex");
	struct ordex_scope prod = {t1, "production"}, sand = {t1, "sandbox"},
	                   other = {t2, "production"};
	struct ordex_event ev;
	unsigned char sha[32];
	int64_t seq = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;

	fill_event(&ev, "shopify", "evt_1", "A-body");
	assert_int_equal(st->ops->event_insert(st, &prod, &ev, NULL, 1, 0, &s1), ORDEX_OK);
	memset(sha, 0, sizeof(sha));
	assert_int_equal(st->ops->event_find(st, &prod, "shopify", "evt_1", sha, &seq), ORDEX_OK);
	assert_int_equal(seq, s1);
	assert_memory_equal(sha, ev.sha256, 32);

	/* each part of the key on its own makes a different event */
	assert_int_equal(st->ops->event_find(st, &prod, "stripe", "evt_1", sha, &seq),
	                 ORDEX_E_NOTFOUND);
	assert_int_equal(st->ops->event_find(st, &prod, "shopify", "evt_2", sha, &seq),
	                 ORDEX_E_NOTFOUND);
	assert_int_equal(st->ops->event_find(st, &sand, "shopify", "evt_1", sha, &seq),
	                 ORDEX_E_NOTFOUND);
	assert_int_equal(st->ops->event_find(st, &other, "shopify", "evt_1", sha, &seq),
	                 ORDEX_E_NOTFOUND);

	fill_event(&ev, "stripe", "evt_1", "B-body");
	assert_int_equal(st->ops->event_insert(st, &prod, &ev, NULL, 1, 0, &s2), ORDEX_OK);
	fill_event(&ev, "shopify", "evt_1", "C-body");
	assert_int_equal(st->ops->event_insert(st, &sand, &ev, NULL, 1, 0, &s3), ORDEX_OK);
	fill_event(&ev, "shopify", "evt_1", "D-body");
	assert_int_equal(st->ops->event_insert(st, &other, &ev, NULL, 1, 0, &s4), ORDEX_OK);
	assert_true(s1 < s2 && s2 < s3 && s3 < s4);

	assert_int_equal(st->ops->event_find(st, &prod, "stripe", "evt_1", sha, &seq), ORDEX_OK);
	assert_int_equal(seq, s2);
	assert_int_equal(sha[0], 'B');
	assert_int_equal(st->ops->event_find(st, &sand, "shopify", "evt_1", sha, &seq), ORDEX_OK);
	assert_int_equal(seq, s3);
	assert_int_equal(sha[0], 'C');
	assert_int_equal(st->ops->event_find(st, &other, "shopify", "evt_1", sha, &seq), ORDEX_OK);
	assert_int_equal(seq, s4);
	assert_int_equal(sha[0], 'D');
	assert_int_equal(st->ops->event_find(st, &prod, "shopify", "evt_1", sha, &seq), ORDEX_OK);
	assert_int_equal(seq, s1);
	assert_int_equal(sha[0], 'A');

	int64_t n = 0;
	assert_int_equal(st->ops->event_count(st, &prod, &n), ORDEX_OK);
	assert_int_equal(n, 2);
	assert_int_equal(st->ops->event_count(st, &other, &n), ORDEX_OK);
	assert_int_equal(n, 1);
}

/* ---- newest wins, count once ------------------------------------------- */

static void test_inventory_put_ignores_an_older_as_of(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	struct ordex_scope sc = {make_tenant(st, "acme"), "production"};
	bool applied = false;
	struct ordex_stock k;

	assert_int_equal(st->ops->stock(st, &sc, "SKU-1", &k), ORDEX_OK);
	assert_false(k.known);
	assert_int_equal(k.level, 0);

	assert_int_equal(st->ops->inventory_put(st, &sc, "SKU-1", "WH1", 5, 2000, 1, &applied),
	                 ORDEX_OK);
	assert_true(applied);
	assert_int_equal(st->ops->inventory_put(st, &sc, "SKU-1", "WH1", 9, 1000, 2, &applied),
	                 ORDEX_OK);
	assert_false(applied);
	assert_int_equal(st->ops->stock(st, &sc, "SKU-1", &k), ORDEX_OK);
	assert_true(k.known);
	assert_int_equal(k.level, 5);

	assert_int_equal(st->ops->inventory_put(st, &sc, "SKU-1", "WH1", 7, 3000, 3, &applied),
	                 ORDEX_OK);
	assert_true(applied);
	/* another location is its own clock, and levels add up */
	assert_int_equal(st->ops->inventory_put(st, &sc, "SKU-1", "WH2", 4, 500, 4, &applied),
	                 ORDEX_OK);
	assert_true(applied);
	assert_int_equal(st->ops->stock(st, &sc, "SKU-1", &k), ORDEX_OK);
	assert_int_equal(k.level, 11);
}

/* xorshift64*: the same sequence on every platform, unlike rand(). */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* The SKU totals the stock op reads, summed the slow way from the rows. */
static void assert_stock_matches_rows(struct fixture *f, const struct ordex_scope *sc,
                                      const char *sku)
{
	struct ordex_store *st = f->st;
	struct ordex_stock k;
	assert_int_equal(st->ops->stock(st, sc, sku, &k), ORDEX_OK);
	struct ordex_line_row *lines;
	size_t n;
	assert_int_equal(st->ops->demand_for_sku(st, sc, sku, f->a, &lines, &n), ORDEX_OK);
	int64_t allocated = 0, short_lines = 0;
	for (size_t i = 0; i < n; i++) {
		allocated += lines[i].allocated;
		short_lines += lines[i].allocated < lines[i].qty;
	}
	assert_int_equal(k.allocated, allocated);
	assert_int_equal(k.short_lines, short_lines);
}

/*
 * Migration 0004's triggers keep one row of totals per SKU. Random line,
 * allocation, open/close and stock changes, some inside savepoints that
 * are rolled back and some in transactions that are rolled back, must
 * leave the totals equal to the sums over the rows they summarize.
 */
static void test_sku_stock_totals_follow_every_change_and_rollback(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	struct ordex_scope sc = {make_tenant(st, "acme"), "production"};
	struct ordex_scope other = {sc.tenant, "sandbox"};
	static const char *const skus[] = {"A", "B", "C"};
	static const char *const locs[] = {"WH1", "WH2"};
	int64_t ids[6];
	for (int i = 0; i < 6; i++)
		put_order(st, i % 2 ? &other : &sc, (char[]){(char)('a' + i), 0}, 100, &ids[i]);
	int64_t level[2][3][2] = {0}; /* scope, sku, location: what the test put */
	bool known[2][3][2] = {0};
	uint64_t r = 42;
	int64_t seq = 1;
	for (int round = 0; round < 60; round++) {
		bool tx = next_random(&r) % 2;
		bool undo_tx = tx && next_random(&r) % 4 == 0;
		int64_t saved[2][3][2];
		bool saved_known[2][3][2];
		memcpy(saved, level, sizeof(level));
		memcpy(saved_known, known, sizeof(known));
		if (tx)
			assert_int_equal(st->ops->begin(st), ORDEX_OK);
		for (int op = 0; op < 8; op++) {
			bool sp = tx && next_random(&r) % 3 == 0;
			int64_t sp_level[2][3][2];
			bool sp_known[2][3][2];
			memcpy(sp_level, level, sizeof(level));
			memcpy(sp_known, known, sizeof(known));
			if (sp)
				assert_int_equal(st->ops->savepoint(st), ORDEX_OK);
			int o = (int)(next_random(&r) % 6);
			const struct ordex_scope *osc = o % 2 ? &other : &sc;
			switch (next_random(&r) % 4) {
			case 0: { /* new lines for an order */
				struct ordex_line_row rows[3];
				size_t n = 1 + next_random(&r) % 3;
				for (size_t i = 0; i < n; i++) {
					int64_t qty = 1 + (int64_t)(next_random(&r) % 5);
					rows[i] = (struct ordex_line_row){
					    .order_id = ids[o],
					    .line_no = (int)i + 1,
					    .sku = skus[next_random(&r) % 3],
					    .qty = qty,
					    .price = 100,
					    .allocated =
					        (int64_t)(next_random(&r) % (uint64_t)(qty + 1)),
					    .seq = seq++,
					    .open = next_random(&r) % 4 != 0};
				}
				assert_int_equal(st->ops->lines_replace(st, osc, ids[o], rows, n),
				                 ORDEX_OK);
				break;
			}
			case 1: /* one line's allocation */
				assert_int_equal(
				    st->ops->line_set_allocated(st, osc, ids[o],
				                                1 + (int)(next_random(&r) % 3),
				                                (int64_t)(next_random(&r) % 6)),
				    ORDEX_OK);
				break;
			case 2: /* the order closes or reopens */
				assert_int_equal(
				    st->ops->lines_set_open(st, osc, ids[o], next_random(&r) % 2),
				    ORDEX_OK);
				break;
			default: { /* a stock level */
				int s = (int)(next_random(&r) % 3), l = (int)(next_random(&r) % 2);
				int64_t v = (int64_t)(next_random(&r) % 20) - 5;
				bool applied = false;
				assert_int_equal(st->ops->inventory_put(st, osc, skus[s], locs[l],
				                                        v, seq, seq, &applied),
				                 ORDEX_OK);
				seq++;
				assert_true(applied);
				level[o % 2][s][l] = v;
				known[o % 2][s][l] = true;
			}
			}
			if (sp && next_random(&r) % 2) { /* rolls back and releases */
				assert_int_equal(st->ops->rollback_to(st), ORDEX_OK);
				memcpy(level, sp_level, sizeof(level));
				memcpy(known, sp_known, sizeof(known));
			} else if (sp) {
				assert_int_equal(st->ops->release(st), ORDEX_OK);
			}
		}
		if (undo_tx) {
			assert_int_equal(st->ops->rollback(st), ORDEX_OK);
			memcpy(level, saved, sizeof(level));
			memcpy(known, saved_known, sizeof(known));
		} else if (tx) {
			assert_int_equal(st->ops->commit(st), ORDEX_OK);
		}
		for (int e = 0; e < 2; e++)
			for (int s = 0; s < 3; s++) {
				const struct ordex_scope *esc = e ? &other : &sc;
				assert_stock_matches_rows(f, esc, skus[s]);
				struct ordex_stock k;
				assert_int_equal(st->ops->stock(st, esc, skus[s], &k), ORDEX_OK);
				assert_int_equal(k.known, known[e][s][0] || known[e][s][1]);
				assert_int_equal(k.level, level[e][s][0] + level[e][s][1]);
			}
	}
}

static int64_t make_payment(struct ordex_store *st, const struct ordex_scope *sc, const char *ref)
{
	struct ordex_payment_row p = {
	    .ref = ref,
	    .order_ref = "1001",
	    .status = "captured",
	    .rank = 3,
	    .currency = "USD",
	    .amount = 10000,
	    .captured = 10000,
	    .updated_seq = 1,
	};
	assert_int_equal(st->ops->payment_put(st, sc, &p), ORDEX_OK);
	return p.id;
}

static void test_refund_record_counts_a_ref_once(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	struct ordex_scope sc = {make_tenant(st, "acme"), "production"};
	int64_t pid = make_payment(st, &sc, "pay_1");
	int64_t added = -1;

	assert_int_equal(
	    st->ops->refund_record(st, &sc, pid, "re_1", 2500, "USD", 1, 1, false, &added),
	    ORDEX_OK);
	assert_int_equal(added, 2500);
	assert_int_equal(
	    st->ops->refund_record(st, &sc, pid, "re_1", 2500, "USD", 2, 2, false, &added),
	    ORDEX_OK);
	assert_int_equal(added, 0);
	assert_int_equal(
	    st->ops->refund_record(st, &sc, pid, "re_2", 1000, "USD", 3, 3, false, &added),
	    ORDEX_OK);
	assert_int_equal(added, 1000);

	/* the same refund ref in another environment is another refund */
	struct ordex_scope sand = {sc.tenant, "sandbox"};
	int64_t spid = make_payment(st, &sand, "pay_1");
	assert_int_equal(
	    st->ops->refund_record(st, &sand, spid, "re_1", 2500, "USD", 4, 4, false, &added),
	    ORDEX_OK);
	assert_int_equal(added, 2500);
}

static void test_refund_record_update_adds_only_the_difference(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	struct ordex_scope sc = {make_tenant(st, "acme"), "production"};
	int64_t pid = make_payment(st, &sc, "pay_1");
	int64_t added = -1;

	assert_int_equal(
	    st->ops->refund_record(st, &sc, pid, "re_1", 2500, "USD", 1, 1, false, &added),
	    ORDEX_OK);
	assert_int_equal(added, 2500);
	assert_int_equal(
	    st->ops->refund_record(st, &sc, pid, "re_1", 4000, "USD", 2, 2, false, &added),
	    ORDEX_OK);
	assert_int_equal(added, 1500);
	assert_int_equal(
	    st->ops->refund_record(st, &sc, pid, "re_1", 4000, "USD", 3, 3, false, &added),
	    ORDEX_OK);
	assert_int_equal(added, 0);
}

/* ---- exception list pages ---------------------------------------------- */

static void put_exception(struct ordex_store *st, const struct ordex_scope *sc,
                          const char *order_ref, int priority, int64_t *id)
{
	struct ordex_exception_row e = {
	    .order_ref = order_ref,
	    .kind = "payment_failed",
	    .subject = "",
	    .status = "open",
	    .severity = "high",
	    .priority = priority,
	    .why = "the payment failed",
	    .evidence = "[1]",
	    .seen = 1,
	    .opened_at = 1,
	    .updated_at = 1,
	    .updated_seq = 1,
	};
	assert_int_equal(st->ops->exception_put(st, sc, &e), ORDEX_OK);
	*id = e.id;
}

static void test_exception_list_pages_return_every_row_once_in_order(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	int64_t t = make_tenant(st, "acme");
	struct ordex_scope sc = {t, "production"}, sand = {t, "sandbox"};
	enum { N = 37, PAGE = 5 };
	static const int prio[] = {50, 90, 10, 50, 70, 90, 50}; /* many ties */
	int64_t ids[N];
	for (int i = 0; i < N; i++) {
		char ref[16], dummy[16];
		int64_t other;
		snprintf(ref, sizeof(ref), "o%02d", i);
		put_exception(st, &sc, ref, prio[i % ORDEX_ARRAY_LEN(prio)], &ids[i]);
		/* interleaved rows of another scope must never show up */
		snprintf(dummy, sizeof(dummy), "s%02d", i);
		put_exception(st, &sand, dummy, prio[i % ORDEX_ARRAY_LEN(prio)], &other);
	}

	int seen[N] = {0};
	int total = 0, pages = 0, last_prio = 1 << 30;
	int64_t last_id = 0;
	struct ordex_exception_filter flt = {.limit = PAGE};
	for (;;) {
		struct ordex_exception_row *rows;
		size_t n = 0;
		assert_int_equal(st->ops->exception_list(st, &sc, &flt, f->a, &rows, &n), ORDEX_OK);
		if (n == 0)
			break;
		assert_true(n <= PAGE);
		pages++;
		for (size_t i = 0; i < n; i++) {
			const struct ordex_exception_row *r = &rows[i];
			assert_true(r->order_ref[0] == 'o');
			int k = atoi(r->order_ref + 1);
			assert_true(k >= 0 && k < N);
			assert_int_equal(r->id, ids[k]);
			seen[k]++;
			total++;
			/* priority desc, then id asc, across page boundaries too */
			if (r->priority > last_prio ||
			    (r->priority == last_prio && r->id <= last_id))
				fail_msg("row %lld (priority %d) after %lld (priority %d)",
				         (long long)r->id, r->priority, (long long)last_id,
				         last_prio);
			last_prio = r->priority;
			last_id = r->id;
		}
		flt.after_set = true;
		flt.after_priority = rows[n - 1].priority;
		flt.after_id = rows[n - 1].id;
	}
	assert_int_equal(total, N);
	assert_int_equal(pages, (N + PAGE - 1) / PAGE);
	for (int i = 0; i < N; i++)
		if (seen[i] != 1)
			fail_msg("row o%02d seen %d times", i, seen[i]);
}

/* ---- transactions ------------------------------------------------------ */

static void test_rollback_to_savepoint_undoes_only_later_work(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	struct ordex_scope sc = {make_tenant(st, "acme"), "production"};
	struct ordex_order_row o;

	assert_int_equal(st->ops->begin(st), ORDEX_OK);
	put_order(st, &sc, "before", 100, NULL);
	assert_int_equal(st->ops->savepoint(st), ORDEX_OK);
	put_order(st, &sc, "inside", 200, NULL);
	assert_int_equal(st->ops->order_get(st, &sc, "before", f->a, &o), ORDEX_OK);
	o.total = 999;
	assert_int_equal(st->ops->order_put(st, &sc, &o), ORDEX_OK);
	assert_int_equal(st->ops->rollback_to(st), ORDEX_OK);
	put_order(st, &sc, "after", 300, NULL);
	/* the next item's savepoint works after a rollback to the last one */
	assert_int_equal(st->ops->savepoint(st), ORDEX_OK);
	put_order(st, &sc, "kept", 400, NULL);
	assert_int_equal(st->ops->release(st), ORDEX_OK);
	assert_int_equal(st->ops->commit(st), ORDEX_OK);

	assert_int_equal(st->ops->order_get(st, &sc, "before", f->a, &o), ORDEX_OK);
	assert_int_equal(o.total, 100);
	assert_int_equal(st->ops->order_get(st, &sc, "inside", f->a, &o), ORDEX_E_NOTFOUND);
	assert_int_equal(st->ops->order_get(st, &sc, "after", f->a, &o), ORDEX_OK);
	assert_int_equal(o.total, 300);
	assert_int_equal(st->ops->order_get(st, &sc, "kept", f->a, &o), ORDEX_OK);
	assert_int_equal(o.total, 400);
}

/* Every column of an order, read back: what the store gave inside the
 * transaction (where it keeps the order last written or read) must be what
 * a read of the committed row gives. */
static void assert_same_order(const struct ordex_order_row *a, const struct ordex_order_row *b)
{
#define SAME_STR(f) assert_true((!a->f && !b->f) || (a->f && b->f && !strcmp(a->f, b->f)))
	assert_int_equal(a->id, b->id);
	SAME_STR(ref);
	SAME_STR(status);
	SAME_STR(financial_status);
	SAME_STR(customer);
	SAME_STR(email);
	SAME_STR(address_why);
	SAME_STR(fraud_why);
	SAME_STR(ship_to);
	SAME_STR(address_key);
	SAME_STR(brand);
	SAME_STR(region);
	SAME_STR(segment);
#undef SAME_STR
	assert_string_equal(a->currency, b->currency);
	assert_int_equal(a->known, b->known);
	assert_int_equal(a->status_seq, b->status_seq);
	assert_int_equal(a->cancelled_at, b->cancelled_at);
	assert_int_equal(a->cancelled_seq, b->cancelled_seq);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->version_at, b->version_at);
	assert_int_equal(a->total_set, b->total_set);
	assert_int_equal(a->total, b->total);
	assert_int_equal(a->placed_at, b->placed_at);
	assert_int_equal(a->tz_offset, b->tz_offset);
	assert_int_equal(a->promised_at, b->promised_at);
	assert_int_equal(a->promised_offset, b->promised_offset);
	assert_int_equal(a->promised_date_only, b->promised_date_only);
	assert_int_equal(a->address_state, b->address_state);
	assert_int_equal(a->address_seq, b->address_seq);
	assert_int_equal(a->fraud_state, b->fraud_state);
	assert_int_equal(a->fraud_score, b->fraud_score);
	assert_int_equal(a->fraud_seq, b->fraud_seq);
	assert_int_equal(a->first_seq, b->first_seq);
	assert_int_equal(a->updated_seq, b->updated_seq);
	assert_int_equal(a->fraud_at, b->fraud_at);
	assert_int_equal(a->address_at, b->address_at);
	assert_int_equal(a->clock_at, b->clock_at);
	assert_int_equal(a->ship_by, b->ship_by);
	assert_int_equal(a->rejected, b->rejected);
}

static void test_an_order_read_in_its_transaction_is_what_was_stored(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	struct ordex_scope sc = {make_tenant(st, "acme"), "production"};
	struct ordex_scope sand = {sc.tenant, "sandbox"};
	struct ordex_order_row w = {
	    .ref = "A-1",
	    .known = true,
	    .status = "open",
	    .financial_status = "paid",
	    .status_seq = 3,
	    .version = 7,
	    .version_at = 11,
	    .currency = "EUR",
	    .total = 12345,
	    .total_set = true,
	    .customer = "c-1",
	    .email = "a@example.com",
	    .placed_at = 99,
	    .tz_offset = -300,
	    .promised_at = 1234,
	    .promised_offset = 60,
	    .promised_date_only = true,
	    .address_state = 2,
	    .address_why = "no such street",
	    .address_seq = 4,
	    .fraud_state = 1,
	    .fraud_score = 80,
	    .fraud_why = "velocity",
	    .fraud_seq = 5,
	    .first_seq = 1,
	    .updated_seq = 6,
	    .fraud_at = 77,
	    .address_at = 78,
	    .ship_to = "{\"city\":\"Lyon\"}",
	    .address_key = "k-1",
	    .brand = "north",
	    .region = "eu",
	    .segment = NULL,
	    .clock_at = 555,
	    .ship_by = 666,
	    .rejected = 1,
	};
	struct ordex_order_row in, again, out;
	assert_int_equal(st->ops->begin(st), ORDEX_OK);
	assert_int_equal(st->ops->order_put(st, &sc, &w), ORDEX_OK);
	/* the caller's row changing afterwards changes nothing stored */
	w.status = "changed after";
	w.total = 1;
	assert_int_equal(st->ops->order_get(st, &sc, "A-1", f->a, &in), ORDEX_OK);
	assert_string_equal(in.status, "open");
	assert_int_equal(in.total, 12345);
	/* the same reference in another environment is another order */
	assert_int_equal(st->ops->order_get(st, &sand, "A-1", f->a, &again), ORDEX_E_NOTFOUND);
	put_order(st, &sand, "A-1", 5, NULL);
	assert_int_equal(st->ops->order_get(st, &sand, "A-1", f->a, &again), ORDEX_OK);
	assert_int_equal(again.total, 5);
	assert_int_equal(st->ops->order_get(st, &sc, "A-1", f->a, &again), ORDEX_OK);
	assert_same_order(&in, &again);
	assert_int_equal(st->ops->commit(st), ORDEX_OK);
	assert_int_equal(st->ops->order_get(st, &sc, "A-1", f->a, &out), ORDEX_OK);
	assert_same_order(&in, &out);

	/* undone by a rollback to a savepoint: the stored row again */
	assert_int_equal(st->ops->begin(st), ORDEX_OK);
	assert_int_equal(st->ops->order_get(st, &sc, "A-1", f->a, &in), ORDEX_OK);
	assert_int_equal(st->ops->savepoint(st), ORDEX_OK);
	in.total = 1;
	in.customer = NULL;
	assert_int_equal(st->ops->order_put(st, &sc, &in), ORDEX_OK);
	assert_int_equal(st->ops->rollback_to(st), ORDEX_OK);
	assert_int_equal(st->ops->order_get(st, &sc, "A-1", f->a, &again), ORDEX_OK);
	assert_same_order(&out, &again);
	/* written by another statement (a customer's orders moved to another) */
	int64_t changed = 0;
	assert_int_equal(
	    st->ops->orders_relink_customer(st, &sc, "a@example.com", "c-1", "c-2", &changed),
	    ORDEX_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(st->ops->order_get(st, &sc, "A-1", f->a, &again), ORDEX_OK);
	assert_string_equal(again.customer, "c-2");
	/* and a rolled-back transaction leaves nothing behind */
	in = again;
	in.status = "cancelled";
	assert_int_equal(st->ops->order_put(st, &sc, &in), ORDEX_OK);
	assert_int_equal(st->ops->rollback(st), ORDEX_OK);
	assert_int_equal(st->ops->order_get(st, &sc, "A-1", f->a, &again), ORDEX_OK);
	assert_same_order(&out, &again);
}

static void test_reader_does_not_wait_for_an_open_write_transaction(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	struct ordex_scope sc = {make_tenant(st, "acme"), "production"};
	put_order(st, &sc, "committed", 100, NULL);
	struct ordex_store *ro = unit_store_open(f->db.path, true);

	assert_int_equal(st->ops->begin(st), ORDEX_OK);
	put_order(st, &sc, "pending", 200, NULL);
	struct timespec t0, t1;
	struct ordex_order_row o;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ro->ops->order_get(ro, &sc, "committed", f->a, &o), ORDEX_OK);
	assert_int_equal(ro->ops->order_get(ro, &sc, "pending", f->a, &o), ORDEX_E_NOTFOUND);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* the busy timeout is 10 s; a WAL reader answers at once */
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	assert_int_equal(st->ops->commit(st), ORDEX_OK);
	assert_int_equal(ro->ops->order_get(ro, &sc, "pending", f->a, &o), ORDEX_OK);
	ro->ops->close(ro);
}

static void test_refund_record_void_counts_nothing_for_good(void **state)
{
	struct fixture *f = *state;
	struct ordex_store *st = f->st;
	int64_t t = make_tenant(st, "acme");
	struct ordex_scope sc = {t, "production"};
	int64_t pid = 77, added = 0;
	assert_int_equal(
	    st->ops->refund_record(st, &sc, pid, "re_v", 3000, "USD", 1, 1, false, &added),
	    ORDEX_OK);
	assert_int_equal(added, 3000);
	/* it failed: what was counted comes off */
	assert_int_equal(
	    st->ops->refund_record(st, &sc, pid, "re_v", 3000, "USD", 2, 2, true, &added),
	    ORDEX_OK);
	assert_int_equal(added, -3000);
	/* a late "succeeded" does not bring it back */
	assert_int_equal(
	    st->ops->refund_record(st, &sc, pid, "re_v", 3000, "USD", 3, 3, false, &added),
	    ORDEX_OK);
	assert_int_equal(added, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_open_creates_schema_and_records_migrations),
	    T(test_reopen_applies_no_migration_again),
	    T(test_open_racing_another_migrator_applies_nothing_twice),
	    T(test_readonly_open_of_uninitialized_file_fails_with_message),
	    T(test_readonly_open_of_missing_file_fails_with_message),
	    T(test_readonly_open_of_initialized_file_reads),
	    T(test_tenant_and_environment_create_and_lookup),
	    T(test_key_lookup_by_hash),
	    T(test_same_order_ref_in_four_scopes_is_four_rows),
	    T(test_event_find_dedupes_on_tenant_env_source_and_id),
	    T(test_inventory_put_ignores_an_older_as_of),
	    T(test_sku_stock_totals_follow_every_change_and_rollback),
	    T(test_refund_record_counts_a_ref_once),
	    T(test_refund_record_update_adds_only_the_difference),
	    T(test_refund_record_void_counts_nothing_for_good),
	    T(test_exception_list_pages_return_every_row_once_in_order),
	    T(test_rollback_to_savepoint_undoes_only_later_work),
	    T(test_an_order_read_in_its_transaction_is_what_was_stored),
	    T(test_reader_does_not_wait_for_an_open_write_transaction),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
