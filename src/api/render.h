/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.h - JSON shapes of the resources, shared by the HTTP API and the
 * CLI so that both print the same thing.
 */
#ifndef ORDEX_RENDER_H
#define ORDEX_RENDER_H

#include "domain/model.h"

struct ordex_jw;
struct ordex_store;
struct ordex_arena;

void ordex_render_exception(struct ordex_jw *w, const struct ordex_exception_row *e);

/*
 * Writes the order view: state, lines, payments, shipments, exceptions and
 * the timeline of its events. Returns ORDEX_OK, ORDEX_E_NOTFOUND or
 * ORDEX_E_STORE.
 */
int ordex_render_order(struct ordex_jw *w, struct ordex_store *st, const struct ordex_scope *sc,
                       const char *ref, struct ordex_arena *a);

#endif
