/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest.h - from bytes to writer items: splitting a body (one JSON
 * document, or NDJSON with one event per line), parsing each document
 * strictly and validating it as a canonical event. Runs on request threads
 * and in ordex import, before the writer.
 */
#ifndef ORDEX_INGEST_H
#define ORDEX_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "ingest/writer.h"

struct ordex_arena;

struct ordex_ingest_limits {
	int max_depth;    /* JSON nesting; 0: 32 */
	size_t max_items; /* events per body; 0: 10000 */
};

/*
 * Splits body into items (allocated from a). ndjson: one document per
 * non-blank line; otherwise the body is one document. Items that fail to
 * parse or validate get status ORDEX_ITEM_REJECTED and their problems; the
 * others are ORDEX_ITEM_PENDING with ev set. Returns ORDEX_OK or
 * ORDEX_E_TOOBIG when there are more than max_items documents.
 */
int ordex_ingest_split(struct ordex_arena *a, const char *body, size_t len, bool ndjson,
                       const struct ordex_ingest_limits *lim, struct ordex_item **items, size_t *n);

/* How many of the n items were refused by parsing or validation (metered as rejected). */
size_t ordex_ingest_rejected(const struct ordex_item *items, size_t n);

#endif
