/* SPDX-License-Identifier: Apache-2.0 */
/*
 * import.c - ordex import: feeds files through the same writer as HTTP.
 *
 * Canonical input: NDJSON (one event per line; "-" reads standard input),
 * or a .json file holding one event or an array of events. --format olist
 * reads the Olist CSV set from a directory. Events are parsed and
 * validated here, grouped into batches of BATCH items and handed to the
 * writer with up to IN_FLIGHT batches queued, so parsing overlaps the
 * commits. Each rejected row is named by file and line; the rest goes on.
 * Exit status: 0 when every event was accepted or a duplicate, 3 when some
 * were rejected, 1 on a fatal error.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "ingest/event.h"
#include "ingest/ingest.h"
#include "ingest/olist.h"
#include "ingest/writer.h"
#include "store/store.h"

#define BATCH     512
#define IN_FLIGHT 4

struct import;

struct ibatch {
	struct ordex_batch b;
	struct import *im;
	struct ordex_arena *a;
	struct ordex_item items[BATCH];
	const char *file[BATCH];
};

struct import {
	struct ordex_writer *w;
	struct ordex_scope sc;
	struct ordex_ingest_limits lim;
	struct ibatch *cur;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int in_flight;
	bool failed;
	uint64_t total, accepted, duplicate, rejected;
	int64_t started, last_progress;
	bool quiet;
};

static void print_problems(const char *file, long line, const struct ordex_item *it)
{
	if (it->problems && it->problems->n) {
		for (int i = 0; i < it->problems->n; i++) {
			const struct ordex_problem *p = &it->problems->items[i];
			/* each line is parsed alone: its "line 1" is the file's line */
			const char *at = strstr(p->reason, " (line 1, column ");
			if (at)
				fprintf(stderr, "%s:%ld: rejected: %s%s%.*s (column %s\n", file,
				        line, p->field, p->field[0] ? ": " : "",
				        (int)(at - p->reason), p->reason,
				        at + strlen(" (line 1, column "));
			else
				fprintf(stderr, "%s:%ld: rejected: %s%s%s\n", file, line, p->field,
				        p->field[0] ? ": " : "", p->reason);
		}
	} else {
		fprintf(stderr, "%s:%ld: rejected: %s%s%s\n", file, line,
		        it->field ? it->field : "", it->field ? ": " : "",
		        it->reason ? it->reason : "unknown reason");
	}
}

static void batch_done(struct ordex_batch *b)
{
	struct ibatch *ib = (struct ibatch *)b;
	struct import *im = ib->im;
	pthread_mutex_lock(&im->mu);
	if (b->rc)
		im->failed = true;
	for (size_t i = 0; i < b->n; i++) {
		const struct ordex_item *it = &b->items[i];
		im->total++;
		if (it->status == ORDEX_ITEM_ACCEPTED)
			im->accepted++;
		else if (it->status == ORDEX_ITEM_DUPLICATE)
			im->duplicate++;
		else {
			im->rejected++;
			print_problems(ib->file[i], it->line, it);
		}
	}
	int64_t now = ordex_time_now();
	if (!im->quiet && now - im->last_progress > 2000000) {
		im->last_progress = now;
		fprintf(stderr,
		        "ordex: import: %llu events so far (%llu accepted, %llu duplicate, %llu "
		        "rejected)\n",
		        (unsigned long long)im->total, (unsigned long long)im->accepted,
		        (unsigned long long)im->duplicate, (unsigned long long)im->rejected);
	}
	im->in_flight--;
	pthread_cond_signal(&im->cv);
	pthread_mutex_unlock(&im->mu);
	ordex_arena_free(ib->a);
	free(ib);
}

static void flush(struct import *im)
{
	struct ibatch *ib = im->cur;
	if (!ib)
		return;
	im->cur = NULL;
	pthread_mutex_lock(&im->mu);
	while (im->in_flight >= IN_FLIGHT)
		pthread_cond_wait(&im->cv, &im->mu);
	im->in_flight++;
	pthread_mutex_unlock(&im->mu);
	ib->b.done = batch_done;
	ib->b.scope = im->sc;
	ib->b.items = ib->items;
	/* metered as the API meters a request: what came, and what was refused
	 * before the writer (the writer counts its own outcomes) */
	ordex_writer_count(im->w, &im->sc, "events.received", (int64_t)ib->b.n);
	ordex_writer_count(im->w, &im->sc, "events.rejected",
	                   (int64_t)ordex_ingest_rejected(ib->items, ib->b.n));
	if (ordex_writer_submit(im->w, &ib->b) != ORDEX_OK) {
		pthread_mutex_lock(&im->mu);
		im->in_flight--;
		im->failed = true;
		pthread_mutex_unlock(&im->mu);
		ordex_arena_free(ib->a);
		free(ib);
	}
}

/* Adds one document (len bytes at p, copied) from file:line. */
static int add(struct import *im, const char *p, size_t len, const char *file, long line)
{
	if (!im->cur) {
		im->cur = ordex_xcalloc(1, sizeof(*im->cur));
		im->cur->im = im;
		im->cur->a = ordex_arena_new(256 * 1024);
	}
	struct ibatch *ib = im->cur;
	char *copy = ordex_arena_strndup(ib->a, p, len);
	struct ordex_item *it;
	size_t n;
	ordex_ingest_split(ib->a, copy, len, false, &im->lim, &it, &n);
	it->line = line;
	ib->items[ib->b.n] = *it;
	ib->file[ib->b.n] = file;
	ib->b.n++;
	if (ib->b.n == BATCH)
		flush(im);
	return ORDEX_OK;
}

static int olist_event(void *ctx, const char *json, size_t len, const char *file, long line)
{
	return add(ctx, json, len, file, line);
}

static void olist_reject(void *ctx, const char *file, long line, const char *reason)
{
	struct import *im = ctx;
	pthread_mutex_lock(&im->mu);
	im->total++;
	im->rejected++;
	fprintf(stderr, "%s:%ld: rejected: %s\n", file, line, reason);
	pthread_mutex_unlock(&im->mu);
	ordex_writer_count(im->w, &im->sc, "events.received", 1);
	ordex_writer_count(im->w, &im->sc, "events.rejected", 1);
}

static int import_lines(struct import *im, FILE *f, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long no = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		no++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		size_t i = 0;
		while (i < (size_t)n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == (size_t)n)
			continue;
		add(im, line, (size_t)n, name, no);
	}
	free(line);
	return ferror(f) ? ORDEX_E_IO : ORDEX_OK;
}

/* A .json file: one event, or an array of events. */
static int import_json(struct import *im, FILE *f, const char *name)
{
	struct ordex_buf b;
	ordex_buf_init(&b, (size_t)1 << 30);
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (ordex_buf_append(&b, chunk, got)) {
			fprintf(stderr, "ordex: \"%s\" is larger than 1 GiB; use NDJSON\n", name);
			ordex_buf_free(&b);
			return ORDEX_E_TOOBIG;
		}
	struct ordex_arena *a = ordex_arena_new(1 << 20);
	struct ordex_json *doc;
	struct ordex_json_error err;
	struct ordex_json_limits jl = {.max_depth = im->lim.max_depth};
	int rc = ORDEX_OK;
	if (b.len && ordex_json_parse(a, b.data, b.len, &jl, &doc, &err) == ORDEX_OK &&
	    doc->type == ORDEX_JSON_ARRAY) {
		long i = 0;
		struct ordex_buf one;
		ordex_buf_init(&one, 0);
		for (struct ordex_json *e = doc->child; e; e = e->next) {
			ordex_buf_reset(&one);
			ordex_json_write(&one, e);
			add(im, one.data, one.len, name, ++i);
		}
		ordex_buf_free(&one);
	} else {
		add(im, b.data ? b.data : "", b.len, name, 1);
	}
	ordex_arena_free(a);
	ordex_buf_free(&b);
	return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

int ordex_cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'}, {"tenant", required_argument, NULL, 't'},
	    {"env", required_argument, NULL, 'e'},  {"format", required_argument, NULL, 'f'},
	    {"sync", required_argument, NULL, 's'}, {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *tenant = NULL, *env = NULL, *format = "canonical";
	enum ordex_sync sync = ORDEX_SYNC_FULL;
	bool quiet = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 't': tenant = optarg; break;
		case 'e': env = optarg; break;
		case 'f': format = optarg; break;
		case 'q': quiet = true; break;
		case 's':
			sync = !strcmp(optarg, "off")      ? ORDEX_SYNC_OFF
			       : !strcmp(optarg, "normal") ? ORDEX_SYNC_NORMAL
			                                   : ORDEX_SYNC_FULL;
			break;
		default:
			fprintf(stderr,
			        "usage: ordex import [--data DIR] [--tenant NAME] [--env ENV]\n"
			        "                    [--format canonical|olist] PATH...\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (strcmp(format, "canonical") && strcmp(format, "olist")) {
		fprintf(stderr, "ordex: unknown --format \"%s\": canonical or olist\n", format);
		return 2;
	}
	if (optind >= argc) {
		fprintf(stderr,
		        "ordex: import needs at least one PATH (\"-\" for standard input)\n");
		return 2;
	}
	char db[1024];
	ordex_cli_db_path(ordex_cli_data_dir(data), db, sizeof(db));
	struct stat sb;
	if (stat(db, &sb) != 0) {
		fprintf(stderr, "ordex: no database at \"%s\"; run \"ordex init\" first\n", db);
		return 1;
	}
	struct ordex_store *st;
	struct ordex_store_options o = {.sync = sync, .deferred_sync = true};
	if (ordex_store_open_sqlite(db, &o, &st) != ORDEX_OK)
		return 1;
	struct import im = {.quiet = quiet};
	if (ordex_cli_scope(st, tenant, env, &im.sc)) {
		st->ops->close(st);
		return 1;
	}
	/* the scope's env must outlive the store's strings */
	im.sc.env = env ? env : "production";
	pthread_mutex_init(&im.mu, NULL);
	pthread_cond_init(&im.cv, NULL);
	im.started = im.last_progress = ordex_time_now();
	if (ordex_writer_start(st, NULL, &im.w) != ORDEX_OK) {
		st->ops->close(st);
		return 1;
	}
	int rc = ORDEX_OK;
	for (int i = optind; rc == ORDEX_OK && i < argc; i++) {
		const char *path = argv[i];
		if (!strcmp(format, "olist")) {
			struct ordex_olist_sink sink = {olist_event, olist_reject, &im};
			rc = ordex_olist_convert(path, &sink);
			continue;
		}
		FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
		if (!f) {
			fprintf(stderr, "ordex: could not open \"%s\": %s\n", path,
			        strerror(errno));
			rc = ORDEX_E_IO;
			break;
		}
		rc = ends_with(path, ".json")
		         ? import_json(&im, f, path)
		         : import_lines(&im, f, strcmp(path, "-") ? path : "stdin");
		if (f != stdin)
			fclose(f);
	}
	flush(&im);
	pthread_mutex_lock(&im.mu);
	while (im.in_flight > 0)
		pthread_cond_wait(&im.cv, &im.mu);
	pthread_mutex_unlock(&im.mu);
	ordex_writer_stop(im.w);
	double secs = (double)(ordex_time_now() - im.started) / 1e6;
	printf("read %llu events in %.1f s: %llu accepted, %llu duplicate, %llu rejected\n",
	       (unsigned long long)im.total, secs, (unsigned long long)im.accepted,
	       (unsigned long long)im.duplicate, (unsigned long long)im.rejected);
	if (im.failed) {
		fprintf(stderr, "ordex: the database failed; some events were not stored\n");
		return 1;
	}
	if (rc)
		return 1;
	return im.rejected ? 3 : 0;
}
