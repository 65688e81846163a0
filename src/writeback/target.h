/* SPDX-License-Identifier: Apache-2.0 */
/*
 * target.h - the kinds of system approved actions are written back to, and
 * how each is spoken to (docs/internals/writeback.md):
 *
 *   webhook  a generic JSON webhook ordex signs (X-Ordex-Signature:
 *            t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t "." body)>), any
 *            action; receivers deduplicate by X-Ordex-Idempotency-Key
 *   shopify  a Shopify-shaped Admin API: fulfilment holds and releases,
 *            refunds, cancellations (X-Shopify-Access-Token)
 *   stripe   a Stripe-shaped refund API (Bearer key, Idempotency-Key)
 *   support  a support desk (Zendesk-shaped): the approved message as a
 *            public comment on the order's ticket, or a new ticket
 *
 * Pure functions: the request to send for an outbox row, and what an answer
 * means (delivered, to be retried, outcome unknown, never going to work).
 */
#ifndef ORDEX_TARGET_H
#define ORDEX_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ordex_arena;
struct ordex_outbox_row;
struct ordex_problems;
struct ordex_target_row;

/* The action kinds a target kind carries out (space-separated), or NULL: no such kind. */
const char *ordex_target_kind_actions(const char *kind);

/* Whether a target's stored list of action kinds (a JSON array) names kind. */
bool ordex_target_carries(struct ordex_arena *a, const char *actions_json, const char *kind);

#define ORDEX_CALL_MAX_HEADERS 8

/* One HTTP request. */
struct ordex_call {
	const char *method;
	const char *url;
	const char *headers[ORDEX_CALL_MAX_HEADERS]; /* "Name: value" */
	int n_headers;
	const char *body; /* NULL: none */
	size_t body_len;
	const char *shown; /* the request as it may be shown (no credential) */
};

/*
 * The request that carries out row r at target t (secret: the opened
 * credential, "" when none). ORDEX_OK or ORDEX_E_INVAL (why set: the row
 * cannot be said to this target, which will never change).
 */
int ordex_target_request(struct ordex_arena *a, const struct ordex_target_row *t,
                         const char *secret, const struct ordex_outbox_row *r, int64_t now,
                         struct ordex_call *out, const char **why);

/*
 * Rows of more than one request: a Shopify hold or release acts on each of
 * the order's fulfilment orders by its own id, so their list is read
 * first. The request that lists them (false: the row is one request).
 */
bool ordex_target_steps(struct ordex_arena *a, const struct ordex_target_row *t, const char *secret,
                        const struct ordex_outbox_row *r, struct ordex_call *out);
/*
 * From the list's 2xx answer, the ids to act on: 1 (*n of them); 0 nothing
 * is left to do, the row is done (*why says so); -2 it cannot be done (a
 * hold of an order whose fulfilment orders are all past holding: *why);
 * -1 the answer cannot be read.
 */
int ordex_target_steps_judge(struct ordex_arena *a, const struct ordex_target_row *t,
                             const struct ordex_outbox_row *r, const char *body, size_t len,
                             const char ***ids, int *n, const char **why);
/* The request for one of them (ordex_target_request with the step's id). */
int ordex_target_step_request(struct ordex_arena *a, const struct ordex_target_row *t,
                              const char *secret, const struct ordex_outbox_row *r,
                              const char *step, int64_t now, struct ordex_call *out,
                              const char **why);

/*
 * For an outcome that is not known: the request that asks the target
 * whether the row was carried out, when the target can be asked (refunds
 * of Stripe, by ordex's key in their metadata, and of Shopify, by the key
 * in their note; false: it cannot, and the row is sent again under the
 * same idempotency key).
 */
bool ordex_target_lookup(struct ordex_arena *a, const struct ordex_target_row *t,
                         const char *secret, const struct ordex_outbox_row *r,
                         struct ordex_call *out);

enum ordex_verdict {
	ORDEX_DELIVERED, /* done: external_ref may name it */
	ORDEX_RETRY,     /* not done: try again later (retry_after_us when the target said) */
	ORDEX_UNKNOWN,   /* it may or may not have been done */
	ORDEX_DEAD,      /* refused, and the same request will never succeed */
};

struct ordex_answer {
	enum ordex_verdict verdict;
	const char *external_ref; /* the target's id of what it did */
	const char *code;         /* the target's error code, when it gave one */
	const char *message;      /* the target's words, or ordex's */
	int64_t retry_after_us;   /* 0: none given */
};

/* What an HTTP answer (status, body, Retry-After) to row r's request means. */
void ordex_target_judge(struct ordex_arena *a, const struct ordex_target_row *t,
                        const struct ordex_outbox_row *r, long status, const char *body, size_t len,
                        const char *retry_after, int64_t now, struct ordex_answer *out);

/*
 * What the answer to a lookup means: 1 found (done, external_ref set), 0 not
 * done (send it), -1 the answer tells neither (ask again later).
 */
int ordex_target_lookup_judge(struct ordex_arena *a, const struct ordex_target_row *t,
                              const struct ordex_outbox_row *r, long status, const char *body,
                              size_t len, const char **external_ref);

/* Checks a target as configured: kind, URL, actions. Problems name the fields. */
int ordex_target_check(struct ordex_arena *a, const char *kind, const char *base_url,
                       const char *const *actions, int n_actions, struct ordex_problems *p);

#endif
