/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rows.c - the rows the writer writes, recorded and written again raw: the
 * reference that durable ingest is measured against.
 *
 * rows_capture() runs ordex's own writer in this process on a fresh data
 * directory and feeds it the corpus, one event per group, with SQLite's
 * pre-update hook on the writer's connection. Every row change the writer's
 * statements make (inserts, updates, deletes, at trigger depth 0) is kept
 * with its values: an insert with the whole new row, an update with the
 * columns whose value changed, a delete with its key. The changes between
 * two events belong to the event: its row, its audit entries, its
 * projections, the exceptions and allocations it moved; a duplicate's unit
 * is its receipt. Triggers are not recorded: their tables (the stock
 * totals) are written again by the same triggers when the rows are.
 * The metering rows are per group, whatever its size: they are recorded
 * with each event (one event a group) and written again once per replayed
 * transaction, those of its first event.
 *
 * rows_replay() writes the units again on another fresh directory with
 * the writer's pragmas (WAL, synchronous=FULL, the same cache), `batch`
 * units per transaction, through prepared statements that address rows by
 * rowid (or primary key): the cost of the writer's rows with none of its
 * reads, look-ups, logic or statement shapes.
 */
#include "rows.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Debian's SQLite is built with the hook; its header declares it only so */
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>

#include "core/arena.h"
#include "core/common.h"
#include "ingest/ingest.h"
#include "ingest/writer.h"
#include "store/store.h"

#define MAX_TABLES 64
#define MAX_COLS   63
#define MOVES      (UINT64_C(1) << 63) /* an update that changes the rowid */

struct table {
	char name[64];
	int ncol;
	char col[MAX_COLS][64];
	bool pk[MAX_COLS];
	int ipk; /* the column that is the rowid, or -1 */
	bool without_rowid;
	bool per_group; /* metering: written once a group, not once an event */
};

enum { W_INSERT, W_UPDATE, W_DELETE };

struct write {
	int table, op;
	uint64_t mask; /* the columns whose values follow, in column order */
	int64_t key, new_key;
	size_t val0, nval;
};

struct val {
	int type;
	int64_t i;
	double d;
	size_t off, n; /* text and blobs: bytes in rows->bytes */
};

struct rows {
	struct table t[MAX_TABLES];
	int nt;
	struct write *w;
	size_t nw, capw;
	struct val *v;
	size_t nv, capv;
	unsigned char *bytes;
	size_t nb, capb;
	size_t *unit; /* first write of each unit; unit[n_units] = nw */
	size_t n_units, cap_units;
	bool failed;
};

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : 1024;
	while (c < need)
		c *= 2;
	*cap = c;
	return ordex_xrealloc(p, c * size);
}

static void load_tables(struct rows *r, sqlite3 *db)
{
	sqlite3_stmt *q;
	sqlite3_prepare_v2(db,
	                   "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND "
	                   "name NOT LIKE 'sqlite_%' ORDER BY name",
	                   -1, &q, NULL);
	while (sqlite3_step(q) == SQLITE_ROW && r->nt < MAX_TABLES) {
		struct table *t = &r->t[r->nt++];
		memset(t, 0, sizeof(*t));
		snprintf(t->name, sizeof(t->name), "%s", (const char *)sqlite3_column_text(q, 0));
		const char *sql = (const char *)sqlite3_column_text(q, 1);
		t->without_rowid = sql && strstr(sql, "WITHOUT ROWID");
		t->per_group = !strcmp(t->name, "usage");
		t->ipk = -1;
	}
	sqlite3_finalize(q);
	for (int i = 0; i < r->nt; i++) {
		struct table *t = &r->t[i];
		char sql[160];
		snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")", t->name);
		sqlite3_prepare_v2(db, sql, -1, &q, NULL);
		int npk = 0, ipk = -1;
		while (sqlite3_step(q) == SQLITE_ROW && t->ncol < MAX_COLS) {
			int c = t->ncol++;
			snprintf(t->col[c], sizeof(t->col[c]), "%s",
			         (const char *)sqlite3_column_text(q, 1));
			const char *type = (const char *)sqlite3_column_text(q, 2);
			t->pk[c] = sqlite3_column_int(q, 5) > 0;
			if (t->pk[c]) {
				npk++;
				if (type && !strcasecmp(type, "INTEGER"))
					ipk = c;
			}
		}
		sqlite3_finalize(q);
		if (npk == 1 && !t->without_rowid)
			t->ipk = ipk;
	}
}

static int table_of(struct rows *r, const char *name)
{
	for (int i = 0; i < r->nt; i++)
		if (!strcmp(r->t[i].name, name))
			return i;
	return -1;
}

static void keep_value(struct rows *r, sqlite3_value *x)
{
	r->v = grow(r->v, &r->capv, r->nv + 1, sizeof(*r->v));
	struct val *v = &r->v[r->nv++];
	memset(v, 0, sizeof(*v));
	v->type = sqlite3_value_type(x);
	switch (v->type) {
	case SQLITE_INTEGER: v->i = sqlite3_value_int64(x); break;
	case SQLITE_FLOAT: v->d = sqlite3_value_double(x); break;
	case SQLITE_TEXT:
	case SQLITE_BLOB: {
		const void *p = v->type == SQLITE_TEXT ? (const void *)sqlite3_value_text(x)
		                                       : sqlite3_value_blob(x);
		v->n = (size_t)sqlite3_value_bytes(x);
		r->bytes = grow(r->bytes, &r->capb, r->nb + v->n + 1, 1);
		v->off = r->nb;
		if (v->n)
			memcpy(r->bytes + r->nb, p, v->n);
		r->nb += v->n;
		break;
	}
	default: break;
	}
}

static bool same_value(sqlite3_value *a, sqlite3_value *b)
{
	int t = sqlite3_value_type(a);
	if (t != sqlite3_value_type(b))
		return false;
	switch (t) {
	case SQLITE_NULL: return true;
	case SQLITE_INTEGER: return sqlite3_value_int64(a) == sqlite3_value_int64(b);
	case SQLITE_FLOAT: return sqlite3_value_double(a) == sqlite3_value_double(b);
	default: {
		int n = sqlite3_value_bytes(a);
		if (n != sqlite3_value_bytes(b))
			return false;
		const void *p =
		    t == SQLITE_TEXT ? (const void *)sqlite3_value_text(a) : sqlite3_value_blob(a);
		const void *q =
		    t == SQLITE_TEXT ? (const void *)sqlite3_value_text(b) : sqlite3_value_blob(b);
		return n == 0 || memcmp(p, q, (size_t)n) == 0;
	}
	}
}

static void hook(void *ctx, sqlite3 *db, int op, const char *zdb, const char *zname,
                 sqlite3_int64 k1, sqlite3_int64 k2)
{
	struct rows *r = ctx;
	if (sqlite3_preupdate_depth(db) > 0 || strcmp(zdb, "main") != 0)
		return;
	int ti = table_of(r, zname);
	if (ti < 0) {
		r->failed = true;
		return;
	}
	struct table *t = &r->t[ti];
	r->w = grow(r->w, &r->capw, r->nw + 1, sizeof(*r->w));
	struct write *w = &r->w[r->nw++];
	memset(w, 0, sizeof(*w));
	w->table = ti;
	w->key = k1;
	w->new_key = k2;
	w->val0 = r->nv;
	int n = sqlite3_preupdate_count(db);
	if (n > t->ncol)
		n = t->ncol;
	sqlite3_value *nv, *ov;
	if (op == SQLITE_INSERT || (op == SQLITE_UPDATE && t->without_rowid)) {
		/* a row in full (an update of a keyless table is written as a replace) */
		w->op = W_INSERT;
		for (int c = 0; c < n; c++) {
			if (c == t->ipk)
				continue;
			sqlite3_preupdate_new(db, c, &nv);
			w->mask |= UINT64_C(1) << c;
			keep_value(r, nv);
		}
	} else if (op == SQLITE_UPDATE) {
		w->op = W_UPDATE;
		if (k1 != k2)
			w->mask |= MOVES;
		for (int c = 0; c < n; c++) {
			if (c == t->ipk)
				continue;
			sqlite3_preupdate_old(db, c, &ov);
			sqlite3_preupdate_new(db, c, &nv);
			if (same_value(ov, nv))
				continue;
			w->mask |= UINT64_C(1) << c;
			keep_value(r, nv);
		}
	} else {
		w->op = W_DELETE;
		if (t->without_rowid)
			for (int c = 0; c < n; c++) {
				if (!t->pk[c])
					continue;
				sqlite3_preupdate_old(db, c, &ov);
				w->mask |= UINT64_C(1) << c;
				keep_value(r, ov);
			}
	}
	w->nval = r->nv - w->val0;
}

static void unit_begin(struct rows *r)
{
	r->unit = grow(r->unit, &r->cap_units, r->n_units + 2, sizeof(*r->unit));
	r->unit[r->n_units++] = r->nw;
	r->unit[r->n_units] = r->nw;
}

struct rows *rows_capture(const char *db_path, char *const *line, const size_t *len, size_t n)
{
	struct rows *r = ordex_xcalloc(1, sizeof(*r));
	struct ordex_store_options o = {.sync = ORDEX_SYNC_OFF};
	struct ordex_store *st;
	if (ordex_store_open_sqlite(db_path, &o, &st) != ORDEX_OK) {
		free(r);
		return NULL;
	}
	sqlite3 *db = ordex_store_sqlite_handle(st);
	int64_t tenant = 0;
	char tname[64];
	if (!db || st->ops->tenant_first(st, &tenant, tname, sizeof(tname)) != ORDEX_OK) {
		st->ops->close(st);
		free(r);
		return NULL;
	}
	load_tables(r, db);
	struct ordex_writer *w;
	if (ordex_writer_start(st, NULL, &w) != ORDEX_OK) {
		st->ops->close(st);
		free(r);
		return NULL;
	}
	struct ordex_scope sc = {tenant, "production"};
	struct ordex_arena *a = ordex_arena_new(64 * 1024);
	/* the hook runs on the writer's thread; each run waits for its group, so
	 * the units are cut between two runs without a race */
	sqlite3_preupdate_hook(db, hook, r);
	struct ordex_ingest_limits lim = {0};
	for (size_t i = 0; i < n; i++) {
		struct ordex_item *it;
		size_t k = 0;
		ordex_ingest_split(a, line[i], len[i], false, &lim, &it, &k);
		unit_begin(r);
		struct ordex_batch b = {.scope = sc, .items = it, .n = k};
		if (k == 1 && it->ev)
			ordex_writer_run(w, &b);
		ordex_arena_reset(a);
	}
	ordex_writer_drain(w);
	sqlite3_preupdate_hook(db, NULL, NULL);
	ordex_writer_stop(w); /* closes the store */
	ordex_arena_free(a);
	r->unit = grow(r->unit, &r->cap_units, r->n_units + 1, sizeof(*r->unit));
	r->unit[r->n_units] = r->nw;
	if (r->failed) {
		rows_free(r);
		return NULL;
	}
	return r;
}

void rows_free(struct rows *r)
{
	if (!r)
		return;
	free(r->w);
	free(r->v);
	free(r->bytes);
	free(r->unit);
	free(r);
}

size_t rows_units(const struct rows *r)
{
	return r->n_units;
}

double rows_per_unit(const struct rows *r)
{
	size_t n = 0;
	for (size_t k = 0; k < r->nw; k++)
		n += !r->t[r->w[k].table].per_group;
	return r->n_units ? (double)n / (double)r->n_units : 0;
}

/* ---- replay ------------------------------------------------------------- */

struct shape {
	int table, op;
	uint64_t mask;
	sqlite3_stmt *s;
};

struct replay {
	sqlite3 *db;
	struct shape *sh;
	size_t n, cap;
};

static sqlite3_stmt *shape_of(struct replay *rp, const struct rows *r, const struct write *w)
{
	for (size_t i = 0; i < rp->n; i++)
		if (rp->sh[i].table == w->table && rp->sh[i].op == w->op &&
		    rp->sh[i].mask == w->mask)
			return rp->sh[i].s;
	const struct table *t = &r->t[w->table];
	char sql[8192];
	size_t o = 0;
	int arg = 0;
#define PUT(...) (o += (size_t)snprintf(sql + o, sizeof(sql) - o, __VA_ARGS__))
	if (w->op == W_INSERT) {
		PUT("INSERT%s INTO \"%s\" (", t->without_rowid ? " OR REPLACE" : "", t->name);
		bool first = true;
		if (!t->without_rowid) {
			PUT("rowid");
			first = false;
		}
		for (int c = 0; c < t->ncol; c++)
			if (w->mask >> c & 1) {
				PUT("%s\"%s\"", first ? "" : ", ", t->col[c]);
				first = false;
			}
		PUT(") VALUES (");
		int nargs = (t->without_rowid ? 0 : 1) + __builtin_popcountll(w->mask & ~MOVES);
		for (int i = 0; i < nargs; i++)
			PUT("%s?%d", i ? ", " : "", i + 1);
		PUT(")");
	} else if (w->op == W_UPDATE) {
		/* the rowid only when it moves: in SET it rewrites every index */
		PUT("UPDATE \"%s\" SET ", t->name);
		bool first = true;
		if (w->mask & MOVES) {
			PUT("rowid = ?%d", ++arg);
			first = false;
		}
		for (int c = 0; c < t->ncol; c++)
			if (w->mask >> c & 1) {
				PUT("%s\"%s\" = ?%d", first ? "" : ", ", t->col[c], ++arg);
				first = false;
			}
		if (first)
			PUT("rowid = rowid");
		PUT(" WHERE rowid = ?%d", arg + 1);
	} else if (t->without_rowid) {
		PUT("DELETE FROM \"%s\" WHERE ", t->name);
		bool first = true;
		for (int c = 0; c < t->ncol; c++)
			if (w->mask >> c & 1) {
				PUT("%s\"%s\" = ?%d", first ? "" : " AND ", t->col[c], ++arg);
				first = false;
			}
	} else {
		PUT("DELETE FROM \"%s\" WHERE rowid = ?1", t->name);
	}
#undef PUT
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v3(rp->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench: could not prepare \"%s\": %s\n", sql,
		        sqlite3_errmsg(rp->db));
		return NULL;
	}
	rp->sh = grow(rp->sh, &rp->cap, rp->n + 1, sizeof(*rp->sh));
	rp->sh[rp->n++] = (struct shape){w->table, w->op, w->mask, s};
	return s;
}

static void bind_val(sqlite3_stmt *s, int i, const struct rows *r, const struct val *v)
{
	switch (v->type) {
	case SQLITE_INTEGER: sqlite3_bind_int64(s, i, v->i); break;
	case SQLITE_FLOAT: sqlite3_bind_double(s, i, v->d); break;
	case SQLITE_TEXT:
		sqlite3_bind_text(s, i, (const char *)r->bytes + v->off, (int)v->n, SQLITE_STATIC);
		break;
	case SQLITE_BLOB:
		sqlite3_bind_blob(s, i, r->bytes + v->off, (int)v->n, SQLITE_STATIC);
		break;
	default: sqlite3_bind_null(s, i); break;
	}
}

static int write_one(struct replay *rp, const struct rows *r, const struct write *w)
{
	sqlite3_stmt *s = shape_of(rp, r, w);
	if (!s)
		return -1;
	const struct table *t = &r->t[w->table];
	int i = 1;
	if (w->op == W_INSERT && !t->without_rowid)
		sqlite3_bind_int64(s, i++, w->new_key);
	else if (w->op == W_UPDATE && (w->mask & MOVES))
		sqlite3_bind_int64(s, i++, w->new_key);
	else if (w->op == W_DELETE && !t->without_rowid)
		sqlite3_bind_int64(s, i++, w->key);
	for (size_t k = 0; k < w->nval; k++)
		bind_val(s, i++, r, &r->v[w->val0 + k]);
	if (w->op == W_UPDATE)
		sqlite3_bind_int64(s, i, w->key);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

double rows_replay(const struct rows *r, const char *db_path, int batch, size_t units,
                   double seconds)
{
	struct replay rp = {0};
	if (sqlite3_open_v2(db_path, &rp.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -1;
	/* the writer's own settings (src/store/sqlite.c) */
	sqlite3_exec(rp.db,
	             "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
	             "PRAGMA foreign_keys = OFF; PRAGMA cache_size = -16000; "
	             "PRAGMA temp_store = FILE; PRAGMA recursive_triggers = ON",
	             NULL, NULL, NULL);
	sqlite3_stmt *begin, *commit;
	sqlite3_prepare_v2(rp.db, "BEGIN IMMEDIATE", -1, &begin, NULL);
	sqlite3_prepare_v2(rp.db, "COMMIT", -1, &commit, NULL);
	int64_t t0 = now_ns(), limit = (int64_t)(seconds * 1e9);
	size_t u = 0;
	int rc = 0;
	size_t end = units && units < r->n_units ? units : r->n_units;
	while (u < end && now_ns() - t0 < limit && rc == 0) {
		sqlite3_step(begin);
		sqlite3_reset(begin);
		for (int b = 0; b < batch && u < end && rc == 0; b++, u++)
			for (size_t k = r->unit[u]; k < r->unit[u + 1] && rc == 0; k++)
				if (b == 0 || !r->t[r->w[k].table].per_group)
					rc = write_one(&rp, r, &r->w[k]);
		if (rc == 0 && sqlite3_step(commit) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(commit);
	}
	double rate = (double)u / ((double)(now_ns() - t0) / 1e9);
	if (rc)
		fprintf(stderr, "bench: replaying the writer's rows failed: %s\n",
		        sqlite3_errmsg(rp.db));
	for (size_t i = 0; i < rp.n; i++)
		sqlite3_finalize(rp.sh[i].s);
	free(rp.sh);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_close(rp.db);
	return rc ? -1 : rate;
}
