/* SPDX-License-Identifier: Apache-2.0 */
/*
 * adapter_walk.h - what the adapter tests share: an arena per test,
 * documents written with single quotes, the checks every payload must
 * pass, and the walk over a provider's folder of the shared data
 * (../shared/data/<provider>) with the table of kinds and outcomes it
 * prints.
 *
 * Include after testutil.h. It defines the test file's arena, made by
 * setup() and freed by teardown() around each test, and everything here
 * allocates from it.
 */
#ifndef ORDEX_ADAPTER_WALK_H
#define ORDEX_ADAPTER_WALK_H

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "ingest/adapters/adapter.h"
#include "ingest/event.h"

static struct ordex_arena *arena;

static inline int setup(void **state)
{
	(void)state;
	arena = ordex_arena_new(1 << 16);
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	ordex_arena_free(arena);
	arena = NULL;
	return 0;
}

/* ---- documents --------------------------------------------------------- */

static inline const char *outcome_name(enum ordex_adapt_outcome o)
{
	switch (o) {
	case ORDEX_ADAPT_MAPPED: return "mapped";
	case ORDEX_ADAPT_IGNORED: return "ignored";
	case ORDEX_ADAPT_INCOMPLETE: return "incomplete";
	}
	return "none";
}

/* s with every ' turned into ", in the arena. */
static inline const char *doc(const char *s)
{
	char *d = ordex_arena_strdup(arena, s);
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

/* text (n bytes) parsed; fails the test when it is not JSON. */
static inline struct ordex_json *parse(const char *text, size_t n)
{
	struct ordex_json *root = NULL;
	struct ordex_json_error err;
	if (ordex_json_parse(arena, text, n, NULL, &root, &err) != ORDEX_OK)
		fail_msg("could not parse: %s at \"%s\" (line %d, column %d)", err.msg, err.path,
		         err.line, err.col);
	return root;
}

/* A document written with single quotes, parsed. */
static inline struct ordex_json *parse_doc(const char *s)
{
	const char *d = doc(s);
	return parse(d, strlen(d));
}

/* The instant of an RFC 3339 time; fails the test when t is not one. */
static inline int64_t us_of(const char *t)
{
	int64_t us;
	int off;
	assert_int_equal(ordex_time_parse(t, strlen(t), &us, &off), ORDEX_OK);
	return us;
}

/* ---- running an adapter ------------------------------------------------ */

/*
 * Runs ad on body, received at received_at, into *out, and checks what
 * every payload must satisfy: one outcome, a kind, a reason when ignored,
 * a problem when incomplete, and each event valid and from ad's source
 * (parsed into evs[], which holds ORDEX_ADAPT_MAX_EVENTS).
 */
static inline void adapt_into(const struct ordex_adapter *ad, const char *received_at,
                              const struct ordex_json *body, struct ordex_adapter_output *out,
                              struct ordex_event *evs)
{
	struct ordex_adapter_input in = {.body = body, .received_at = received_at};

	ordex_adapter_output_init(out, arena, ad->source);
	assert_int_equal(ad->map(&in, out), ORDEX_OK);
	ordex_adapter_output_done(out);
	assert_true(out->outcome == ORDEX_ADAPT_MAPPED || out->outcome == ORDEX_ADAPT_IGNORED ||
	            out->outcome == ORDEX_ADAPT_INCOMPLETE);
	assert_non_null(out->kind);
	switch (out->outcome) {
	case ORDEX_ADAPT_MAPPED: assert_true(out->n > 0); break;
	case ORDEX_ADAPT_IGNORED:
		assert_int_equal(out->n, 0);
		assert_non_null(out->ignored_why);
		assert_true(strlen(out->ignored_why) > 10);
		break;
	case ORDEX_ADAPT_INCOMPLETE: assert_true(out->problems.n > 0); break;
	}
	for (size_t i = 0; i < out->n; i++) {
		struct ordex_problems probs = {0};
		struct ordex_json *d = parse(out->events[i], out->lens[i]);
		int rc =
		    ordex_event_validate(arena, d, out->events[i], out->lens[i], &evs[i], &probs);
		if (rc) {
			print_message("invalid event %s\n", out->events[i]);
			for (int j = 0; j < probs.n; j++)
				print_message("  problem: \"%s\" %s\n", probs.items[j].field,
				              probs.items[j].reason);
		}
		assert_int_equal(rc, ORDEX_OK);
		assert_string_equal(evs[i].source, ad->source);
	}
}

/* Whether out names field among its problems. */
static inline bool has_problem_at(const struct ordex_adapter_output *out, const char *field)
{
	for (int i = 0; i < out->problems.n; i++)
		if (!strcmp(out->problems.items[i].field, field))
			return true;
	return false;
}

/* ---- the shared data --------------------------------------------------- */

/* The shared data folder of provider, in the arena. */
static inline const char *shared_dir(const char *provider)
{
	return ordex_arena_printf(arena, "%s/%s", test_shared_data(), provider);
}

/* The bytes of the file at path in the arena, NUL-terminated, *n of them; NULL if unreadable. */
static inline char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct ordex_buf b;
	char chunk[8192];
	size_t got;
	ordex_buf_init(&b, 0);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ordex_buf_append(&b, chunk, got);
	fclose(f);
	char *text = ordex_arena_strndup(arena, b.data ? b.data : "", b.len);
	*n = b.len;
	ordex_buf_free(&b);
	return text;
}

/* The shared file <provider>/<name>, parsed; skips the test when the shared data is absent. */
static inline struct ordex_json *load_shared(const char *provider, const char *name)
{
	const char *path = ordex_arena_printf(arena, "%s/%s", shared_dir(provider), name);
	size_t n;
	char *text = read_file(path, &n);
	if (!text) {
		print_message("shared data absent (%s): skipped\n", path);
		skip();
	}
	return parse(text, n);
}

/* What walk_dir() calls for each JSON file: its path, its name and its document. */
typedef void walk_file_fn(void *ctx, const char *path, const char *name, struct ordex_json *root);

/*
 * Calls fn for every *.json file in dir, in name order, and when deep for
 * those of its sub-folders too, each where its folder sorts. Names that
 * start with '.' are passed over. Returns the number of files, or -1 when
 * dir cannot be read.
 */
static inline int walk_dir(const char *dir, bool deep, walk_file_fn *fn, void *ctx)
{
	struct dirent **names;
	int files = 0;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		const char *path = ordex_arena_printf(arena, "%s/%s", dir, name);
		size_t len = strlen(name);
		struct stat st;
		if (name[0] != '.' && stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode) && deep) {
				int sub = walk_dir(path, deep, fn, ctx);
				if (sub > 0)
					files += sub;
			} else if (S_ISREG(st.st_mode) && len > 5 &&
			           !strcmp(name + len - 5, ".json")) {
				struct ordex_json *root = NULL;
				struct ordex_json_error err;
				size_t size;
				char *text = read_file(path, &size);
				assert_non_null(text);
				if (ordex_json_parse(arena, text, size, NULL, &root, &err) !=
				    ORDEX_OK)
					fail_msg("\"%s\" does not parse: %s at \"%s\"", path,
					         err.msg, err.path);
				fn(ctx, path, name, root);
				files++;
			}
		}
		free(names[i]);
	}
	free(names);
	return files;
}

/* What a shared file must give: the kind and outcome of every payload in it. */
struct walk_expect {
	const char *file;
	const char *kind;
	enum ordex_adapt_outcome outcome;
};

/* Checks out, a payload of file, against the expectations (n of them) that name file. */
static inline void walk_expect(const struct walk_expect *expected, size_t n, const char *file,
                               const struct ordex_adapter_output *out)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(expected[i].file, file))
			continue;
		if (strcmp(out->kind, expected[i].kind) || out->outcome != expected[i].outcome)
			print_message("%s: %s %s, expected %s %s\n", file, out->kind,
			              outcome_name(out->outcome), expected[i].kind,
			              outcome_name(expected[i].outcome));
		assert_string_equal(out->kind, expected[i].kind);
		assert_int_equal(out->outcome, expected[i].outcome);
	}
}

/* ---- the table of kinds and outcomes ----------------------------------- */

#define WALK_MAX_KINDS 256

/* The payloads a walk fed, by kind and outcome, and the events they made. */
struct walk_tally {
	struct walk_row {
		const char *kind;
		int n[4]; /* by outcome: n[ORDEX_ADAPT_MAPPED], ... */
		int events;
	} rows[WALK_MAX_KINDS]; /* in the order the kinds were first seen */
	int n_rows;
	int payloads;
	int events;
};

/* Counts out, the result of one payload. */
static inline void walk_count(struct walk_tally *t, const struct ordex_adapter_output *out)
{
	int k = 0;
	while (k < t->n_rows && strcmp(t->rows[k].kind, out->kind))
		k++;
	if (k == t->n_rows) {
		assert_true(t->n_rows < WALK_MAX_KINDS);
		t->rows[t->n_rows++].kind = ordex_arena_strdup(arena, out->kind);
	}
	t->rows[k].n[out->outcome]++;
	t->rows[k].events += (int)out->n;
	t->payloads++;
	t->events += (int)out->n;
}

/* How many payloads of kind ended in o. */
static inline int walk_counted(const struct walk_tally *t, const char *kind,
                               enum ordex_adapt_outcome o)
{
	for (int k = 0; k < t->n_rows; k++)
		if (!strcmp(t->rows[k].kind, kind))
			return t->rows[k].n[o];
	return 0;
}

/* What walk_print() writes after the outcomes of a kind, if anything. */
enum walk_column {
	WALK_NOTHING,
	WALK_EVENTS, /* "events": the events its payloads made */
	WALK_SUM,    /* "total": its payloads */
};

/* How walk_print() lays out the table. */
struct walk_table {
	const char *indent;    /* before every line */
	int width;             /* of the kind column */
	enum walk_column last; /* a last column */
	const char *total;     /* the label of the row of sums, or NULL for none; without a
	                        * last column, that row ends in "  = <payloads>" */
};

/*
 * Prints a line per kind: its payloads mapped, ignored and incomplete, and
 * the last column the layout asks for; the header line before them and the
 * row of sums after. Returns the number of payloads in the table.
 */
static inline int walk_print(const struct walk_tally *t, const struct walk_table *l)
{
	static const char *const titles[] = {[WALK_EVENTS] = "events", [WALK_SUM] = "total"};
	int sum[4] = {0}, events = 0;
	char line[512];
	int len, last = l->last ? (int)strlen(titles[l->last]) + 1 : 0;

	len = snprintf(line, sizeof(line), "%s%-*s %7s %8s %11s", l->indent, l->width, "kind",
	               "mapped", "ignored", "incomplete");
	if (l->last)
		snprintf(line + len, sizeof(line) - (size_t)len, " %*s", last, titles[l->last]);
	print_message("%s\n", line);
	for (int k = 0; k < t->n_rows; k++) {
		const struct walk_row *r = &t->rows[k];
		int payloads = r->n[ORDEX_ADAPT_MAPPED] + r->n[ORDEX_ADAPT_IGNORED] +
		               r->n[ORDEX_ADAPT_INCOMPLETE];
		len = snprintf(line, sizeof(line), "%s%-*s %7d %8d %11d", l->indent, l->width,
		               r->kind, r->n[ORDEX_ADAPT_MAPPED], r->n[ORDEX_ADAPT_IGNORED],
		               r->n[ORDEX_ADAPT_INCOMPLETE]);
		if (l->last)
			snprintf(line + len, sizeof(line) - (size_t)len, " %*d", last,
			         l->last == WALK_EVENTS ? r->events : payloads);
		print_message("%s\n", line);
		for (int o = ORDEX_ADAPT_MAPPED; o <= ORDEX_ADAPT_INCOMPLETE; o++)
			sum[o] += r->n[o];
		events += r->events;
	}
	int all = sum[ORDEX_ADAPT_MAPPED] + sum[ORDEX_ADAPT_IGNORED] + sum[ORDEX_ADAPT_INCOMPLETE];
	if (l->total) {
		len = snprintf(line, sizeof(line), "%s%-*s %7d %8d %11d", l->indent, l->width,
		               l->total, sum[ORDEX_ADAPT_MAPPED], sum[ORDEX_ADAPT_IGNORED],
		               sum[ORDEX_ADAPT_INCOMPLETE]);
		if (l->last)
			snprintf(line + len, sizeof(line) - (size_t)len, " %*d", last,
			         l->last == WALK_EVENTS ? events : all);
		else
			snprintf(line + len, sizeof(line) - (size_t)len, "  = %d", all);
		print_message("%s\n", line);
	}
	return all;
}

/* ---- a provider's folder, the whole walk ------------------------------ */

/* What walk_provider() hands each shared file to: count every payload of root (from file) in t. */
typedef void walk_payloads_fn(struct walk_tally *t, const char *file,
                              const struct ordex_json *root);

struct walk_files {
	struct walk_tally tally;
	walk_payloads_fn *fn;
};

static inline void walk_provider_file(void *ctx, const char *path, const char *name,
                                      struct ordex_json *root)
{
	struct walk_files *w = ctx;
	int before = w->tally.payloads;
	(void)path;
	w->fn(&w->tally, name, root);
	assert_true(w->tally.payloads > before);
}

/*
 * The walk over provider's shared folder: fn must find at least one
 * payload in every file. Prints "<provider>: <files> files, <payloads>
 * payloads" and the table, whose payloads must add up; skips the test when
 * the shared data is absent.
 */
static inline void walk_provider(const char *provider, walk_payloads_fn *fn)
{
	static const struct walk_table table = {"  ", 12, WALK_NOTHING, "total"};
	const char *dir = shared_dir(provider);
	struct walk_files w = {.fn = fn};

	int files = walk_dir(dir, false, walk_provider_file, &w);
	if (files < 0) {
		print_message("shared data absent (%s): skipped\n", dir);
		skip();
	}
	print_message("%s: %d files, %d payloads\n", provider, files, w.tally.payloads);
	assert_int_equal(walk_print(&w.tally, &table), w.tally.payloads);
	assert_true(files > 0);
}

#endif
