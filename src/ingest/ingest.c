/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest.c - splitting, parsing and validating request bodies and files.
 * A line that fails is reported with its line number and the rest go on.
 */
#include "ingest/ingest.h"

#include <string.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "ingest/event.h"

/* A line holding nothing but spaces, tabs and carriage returns. */
static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/*
 * Parses and validates one document. The bytes kept as evidence are the
 * document without a leading byte order mark and without surrounding
 * whitespace (a trailing CR of a CRLF line included), so that what is
 * stored is always a JSON value that can be shown as one.
 */
static void parse_one(struct ordex_arena *a, const char *p, size_t n, int depth,
                      struct ordex_item *it)
{
	/* where the kept bytes start in the body, for the error's position */
	long line = it->line, col = 0;
	if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3, n -= 3;
	while (n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
		col = *p == '\n' ? 0 : col + 1;
		line += *p == '\n';
		p++, n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	struct ordex_problems *probs = ordex_arena_zalloc(a, sizeof(*probs));
	struct ordex_json *doc;
	struct ordex_json_error err;
	struct ordex_json_limits jl = {.max_depth = depth};
	it->problems = probs;
	int rc = ordex_json_parse(a, p, n, &jl, &doc, &err);
	if (rc != ORDEX_OK) {
		it->json_rc = rc;
		ordex_problem_add(probs, a, err.path, "%s (line %ld, column %ld)", err.msg,
		                  line + err.line - 1,
		                  err.line == 1 ? col + err.col : (long)err.col);
		it->status = ORDEX_ITEM_REJECTED;
		return;
	}
	struct ordex_event *ev = ordex_arena_zalloc(a, sizeof(*ev));
	if (ordex_event_validate(a, doc, p, n, ev, probs) != ORDEX_OK) {
		it->status = ORDEX_ITEM_REJECTED;
		return;
	}
	it->ev = ev;
	it->status = ORDEX_ITEM_PENDING;
}

int ordex_ingest_split(struct ordex_arena *a, const char *body, size_t len, bool ndjson,
                       const struct ordex_ingest_limits *lim, struct ordex_item **items, size_t *n)
{
	int depth = lim && lim->max_depth ? lim->max_depth : 32;
	size_t max = lim && lim->max_items ? lim->max_items : 10000;
	if (!ndjson) {
		struct ordex_item *it = ordex_arena_zalloc(a, sizeof(*it));
		it->line = 1;
		parse_one(a, body, len, depth, it);
		*items = it;
		*n = 1;
		return ORDEX_OK;
	}
	/* count the documents first so the items are one array; both passes
	 * decide what a blank line is with the same function */
	size_t docs = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(body + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - body) : len;
		if (!blank(body + i, end - i))
			docs++;
		i = end + 1;
	}
	if (docs > max)
		return ORDEX_E_TOOBIG;
	struct ordex_item *out = ordex_arena_zalloc(a, sizeof(*out) * (docs + 1));
	size_t k = 0;
	long line = 0;
	for (size_t i = 0; i < len && k < docs;) {
		const char *nl = memchr(body + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - body) : len;
		line++;
		if (!blank(body + i, end - i)) {
			out[k].line = line;
			parse_one(a, body + i, end - i, depth, &out[k]);
			k++;
		}
		i = end + 1;
	}
	*items = out;
	*n = k;
	return ORDEX_OK;
}

size_t ordex_ingest_rejected(const struct ordex_item *items, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += items[i].status == ORDEX_ITEM_REJECTED;
	return k;
}
