/* SPDX-License-Identifier: Apache-2.0 */
/*
 * project.h - applying one accepted event to the projections, and
 * re-evaluating the detectors for every order the event touched.
 *
 * Runs on the writer thread inside the batch's transaction, under a
 * savepoint for the event. ordex_apply_event() returns ORDEX_E_INVAL when
 * the event contradicts what is stored in a way that must not be taken
 * (a refund in another currency than its payment, say); field and reason
 * are then set and the caller rolls the savepoint back.
 */
#ifndef ORDEX_PROJECT_H
#define ORDEX_PROJECT_H

#include <stdint.h>

#include "domain/model.h"

struct ordex_arena;
struct ordex_audit;
struct ordex_event;
struct ordex_store;

struct ordex_tenant_settings {
	int fraud_threshold; /* a score at or above this opens fraud_review */
};

struct ordex_scope_cache;
struct ordex_policy_cache;

struct ordex_apply {
	struct ordex_store *st;
	struct ordex_audit *au;
	struct ordex_arena *a;
	const struct ordex_scope *sc;
	const struct ordex_tenant_settings *settings;
	int64_t now;
	/* false: no savepoints are taken, and a refusal that only one could undo
	 * (a replayed fact refused now) answers ORDEX_E_AGAIN: the caller undoes
	 * the whole transaction and applies the event again, carefully */
	bool careful;
	/* the writer's parsed scope rules and policies (NULL: read for each
	 * event that needs them) */
	struct ordex_scope_cache *scope_cache;
	struct ordex_policy_cache *policy_cache;
	/* set by ordex_apply_event */
	int64_t seq; /* the event being applied */
	/* the orders the event touched, and those whose allocation changed:
	 * arrays in the arena, as long as they need to be */
	const char **touched;
	int n_touched, cap_touched;
	const char **realloc;
	int n_realloc, cap_realloc;
	const char *field;
	const char *reason;
	int exceptions_opened;
	int exceptions_resolved;
	/* the facts waiting to be applied again while one is being applied:
	 * a queue, drained iteratively, so that a chain of waiting facts does
	 * not become a chain of nested calls (shared by the copies) */
	struct ordex_drain *drain;
};

/*
 * Applies ev (already stored with log position seq) and runs the detectors.
 * Returns ORDEX_OK, ORDEX_E_INVAL (field/reason set), ORDEX_E_AGAIN (only
 * when not careful) or ORDEX_E_STORE.
 */
int ordex_apply_event(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq);

/* Detectors (src/detect): re-evaluates the conditions on one order. */
int ordex_detect_order(struct ordex_apply *ap, const char *order_ref, const struct ordex_event *ev,
                       int64_t seq);

/*
 * Runs the detectors on an order outside any event, for a change that is not
 * an event (a timer that fired, a writeback settled): the cause is named
 * "source/id" (what) and dated when; *opened counts what it opened.
 */
int ordex_detect_now(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                     int64_t now, struct ordex_arena *a,
                     const struct ordex_tenant_settings *settings, const char *order_ref,
                     const char *what, int64_t when, int *opened);

/* Writes an audit entry whose body is built with printf-like JSON. */
int ordex__audit(struct ordex_apply *ap, const char *kind, const char *subject, const char *body);

/* Lower-cased, trimmed copy of an e-mail address in the arena. */
char *ordex_email_normalize(struct ordex_arena *a, const char *email);

#endif
