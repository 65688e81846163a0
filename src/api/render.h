/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.h - JSON shapes of the resources, shared by the HTTP API and the
 * CLI so that both print the same thing.
 */
#ifndef ORDEX_RENDER_H
#define ORDEX_RENDER_H

#include <stddef.h>

#include "domain/model.h"

struct ordex_jw;
struct ordex_store;
struct ordex_scope;
struct ordex_arena;
struct ordex_case_row;
struct ordex_action_row;
struct ordex_approval_row;

void ordex_render_exception(struct ordex_jw *w, const struct ordex_exception_row *e);

/* A key's or a person's scopes as an array of names ("ingest", "read", ...). */
void ordex_render_scopes(struct ordex_jw *w, unsigned scopes);
/* "key": an RFC 3339 time in UTC, or null for 0. */
void ordex_render_time(struct ordex_jw *w, const char *key, int64_t us);
/* "customers": the dimensions a principal is limited to, or null: any customer. */
void ordex_render_customers(struct ordex_jw *w, const char *brand, const char *region,
                            const char *segment);

/* A case as listed: its order, status, queue, assignee, SLA, customers. */
void ordex_render_case(struct ordex_jw *w, const struct ordex_case_row *c);
/*
 * An action with its payload's SHA-256 (what an approver names) and, when
 * ap is not NULL, every approval and rejection, each saying whether it is
 * of the payload as it stands.
 */
void ordex_render_action(struct ordex_jw *w, const struct ordex_action_row *r,
                         const struct ordex_approval_row *ap, size_t n_ap);

/*
 * The view of one case: {"case", "exceptions", "actions" (with approvals),
 * "advice" (ranked proposals, the drafted message), "history"}. Read it in
 * one snapshot. ORDEX_OK or ORDEX_E_STORE.
 */
int ordex_render_case_view(struct ordex_jw *w, struct ordex_store *st, const struct ordex_scope *sc,
                           struct ordex_arena *a, const struct ordex_case_row *c);

/*
 * Writes the order view: state, lines, payments, shipments, exceptions and
 * the timeline of its events. Returns ORDEX_OK, ORDEX_E_NOTFOUND or
 * ORDEX_E_STORE.
 */
int ordex_render_order(struct ordex_jw *w, struct ordex_store *st, const struct ordex_scope *sc,
                       const char *ref, struct ordex_arena *a);

#endif
