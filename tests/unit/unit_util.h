/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit_util.h - what the store, audit and writer tests share: a fresh
 * database in its own temporary directory (removed with everything SQLite
 * left beside it), a store opened on it, and a way to read what a call
 * printed on stderr. Include after testutil.h.
 */
#ifndef ORDEX_UNIT_UTIL_H
#define ORDEX_UNIT_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/common.h"
#include "store/store.h"

struct unit_db {
	char dir[64];
	char path[128];
};

/* Makes a new temporary directory; path names a database inside it. */
static inline void unit_db_init(struct unit_db *d)
{
	snprintf(d->dir, sizeof(d->dir), "/tmp/ordex-unit-XXXXXX");
	if (!mkdtemp(d->dir))
		fail_msg("could not create a temporary directory");
	snprintf(d->path, sizeof(d->path), "%s/ordex.db", d->dir);
}

/* Removes the directory and every file in it (the database, -wal, -shm). */
static inline void unit_db_remove(struct unit_db *d)
{
	DIR *dp = opendir(d->dir);
	if (dp) {
		struct dirent *e;
		char p[512];
		while ((e = readdir(dp)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(p, sizeof(p), "%s/%s", d->dir, e->d_name);
			unlink(p);
		}
		closedir(dp);
	}
	rmdir(d->dir);
}

/* Opens the store read-write (migrating) or readonly; fails the test if it cannot. */
static inline struct ordex_store *unit_store_open(const char *path, bool readonly)
{
	struct ordex_store *st = NULL;
	struct ordex_store_options o = {.sync = ORDEX_SYNC_NORMAL, .readonly = readonly};
	if (ordex_store_open_sqlite(path, &o, &st) != ORDEX_OK)
		fail_msg("could not open the store at \"%s\"", path);
	return st;
}

/* A plain SQLite connection, for what the store interface does not offer. */
static inline sqlite3 *unit_sql_open(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fail_msg("could not open \"%s\": %s", path, db ? sqlite3_errmsg(db) : "no memory");
	sqlite3_busy_timeout(db, 10000);
	return db;
}

/* Runs SQL that returns no rows; fails the test on an error. */
static inline void unit_sql_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		char copy[256];
		snprintf(copy, sizeof(copy), "%s", msg ? msg : "unknown");
		sqlite3_free(msg);
		fail_msg("\"%s\" failed: %s", sql, copy);
	}
}

/* The integer in the first column of the first row of sql. */
static inline int64_t unit_sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		fail_msg("could not prepare \"%s\": %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		fail_msg("\"%s\" returned no row", sql);
	}
	int64_t v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* Sends stderr to a temporary file until unit_stderr_end(). */
struct unit_stderr {
	int saved;
	char path[64];
};

static inline void unit_stderr_begin(struct unit_stderr *c)
{
	snprintf(c->path, sizeof(c->path), "/tmp/ordex-stderr-XXXXXX");
	int fd = mkstemp(c->path);
	if (fd < 0)
		fail_msg("could not create a file for stderr");
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* Restores stderr and copies what was written (NUL-terminated, truncated) into out. */
static inline void unit_stderr_end(struct unit_stderr *c, char *out, size_t outlen)
{
	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	out[0] = '\0';
	FILE *f = fopen(c->path, "r");
	if (f) {
		size_t n = fread(out, 1, outlen - 1, f);
		out[n] = '\0';
		fclose(f);
	}
	unlink(c->path);
}

#endif
