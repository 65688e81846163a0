/* SPDX-License-Identifier: Apache-2.0 */
/*
 * request.h - what an API handler sees of a request, and the route table
 * the server dispatches on.
 *
 * A handler runs on a request thread with the body complete and the
 * credential checked (unless the route is public). It fills the response,
 * or hands a batch to the writer with ordex_req_submit() and builds the
 * response in its continuation once the batch is durable.
 */
#ifndef ORDEX_REQUEST_H
#define ORDEX_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"
#include "http/response.h"

struct ordex_arena;
struct ordex_batch;
struct ordex_event;
struct ordex_principal;
struct ordex_req;
struct ordex_store;
struct ordex_vault;
struct ordex_writer_stats;

typedef void (*ordex_handler_fn)(struct ordex_req *rq);

/* A route anyone may call without a key: health checks, signed webhooks. */
#define ORDEX_ROUTE_PUBLIC (-1)
/* A route any signed-in principal may call, about itself (sign out). */
#define ORDEX_ROUTE_SIGNED_IN (-2)

struct ordex_route {
	const char *method;
	const char *prefix; /* path, or prefix when it ends in '/' */
	int op;             /* enum ordex_op the key must be allowed, or ORDEX_ROUTE_PUBLIC */
	ordex_handler_fn handler;
	/* what a call is metered as when op names no operation ("api.<op>"
	 * otherwise); NULL: "api.session" */
	const char *metric;
};

/* Limits the server applies, for handlers that parse bodies. */
struct ordex_req_limits {
	size_t max_body;
	int max_depth;
	size_t max_items;
};

struct ordex_arena *ordex_req_arena(struct ordex_req *rq);
struct ordex_response *ordex_req_response(struct ordex_req *rq);
const char *ordex_req_method(struct ordex_req *rq);
/* The path, and the part after the route's prefix (percent-decoded). */
const char *ordex_req_path(struct ordex_req *rq);
const char *ordex_req_path_rest(struct ordex_req *rq);
const char *ordex_req_header(struct ordex_req *rq, const char *name);
/* A query parameter (decoded), or NULL. */
const char *ordex_req_query(struct ordex_req *rq, const char *name);
const char *ordex_req_body(struct ordex_req *rq, size_t *len);
const struct ordex_scope *ordex_req_scope(struct ordex_req *rq);
const struct ordex_req_limits *ordex_req_limits(struct ordex_req *rq);
/* The role of the request's key ("admin", "viewer", ...); "" when public. */
const char *ordex_req_role(struct ordex_req *rq);
/* The sealing key of the data directory. */
const struct ordex_vault *ordex_req_vault(struct ordex_req *rq);
/* The first bytes of the key, to name who acted in audit entries. */
const char *ordex_req_actor(struct ordex_req *rq);
/* Records a duplicate answered without the writer (see ordex_writer_receipt). */
void ordex_req_receipt(struct ordex_req *rq, const struct ordex_event *ev, int64_t seq);
/*
 * Spends cost tokens of the key's and the tenant's rate limits, both or
 * neither. Returns ORDEX_OK, or ORDEX_E_BUSY with the answer written (429
 * with Retry-After, or 413 for a batch larger than the burst).
 */
int ordex_req_charge(struct ordex_req *rq, double cost);
/*
 * A sign-in's limits, before its password is checked: per person (tenant,
 * environment, username: 5, then one every 12 s) and per client address
 * (30, then one every 2 s), both or neither. ORDEX_OK, or ORDEX_E_BUSY with
 * 429 written. A sign-in that succeeds gives its person's token back
 * (ordex_req_signin_succeeded): only failures count against a person.
 */
int ordex_req_charge_signin(struct ordex_req *rq, const char *tenant, const char *env,
                            const char *username);
void ordex_req_signin_succeeded(struct ordex_req *rq, const char *tenant, const char *env,
                                const char *username);
/*
 * A signed webhook's limits: before its signature is checked, the
 * connector's own (it spends like a key of its tenant: the tenant's per-key
 * rate, else the service's); once it verifies, the tenant's bucket
 * (ordex_req_charge_tenant). ORDEX_OK or ORDEX_E_BUSY with 429 written.
 */
int ordex_req_charge_connector(struct ordex_req *rq, int64_t connector, double rate_per_key);
int ordex_req_charge_tenant(struct ordex_req *rq, int64_t tenant, double rate_per_tenant);
/* When the caller's key stops working (expiry or rotation), or 0: never. */
int64_t ordex_req_credential_end(struct ordex_req *rq);
/* The session the request is signed in with, or 0 (an API key). */
int64_t ordex_req_session_id(struct ordex_req *rq);
/* A cookie of the request, or NULL. */
const char *ordex_req_cookie(struct ordex_req *rq, const char *name);
/* Whether the request came over TLS (directly or as its proxy says). */
bool ordex_req_secure(struct ordex_req *rq);
/* Adds n to a metering count of the caller's tenant and environment. */
void ordex_req_count(struct ordex_req *rq, const char *metric, int64_t n);
/*
 * Refuses the request as the router would (403 once access.denied, with
 * the operation and why, is in the tenant's audit log), for refusals only
 * a handler can decide (op is an enum ordex_op).
 */
void ordex_req_deny(struct ordex_req *rq, int op, const char *why);
/* The same, answering with detail (a rule of the workflow, said as it is). */
void ordex_req_deny_detail(struct ordex_req *rq, int op, const char *why, const char *detail);

/* Drops the cached keys, so that a revocation holds from the next request. */
void ordex_req_forget_keys(struct ordex_req *rq);
/* Who is acting: the authenticated key's tenant, environment and role. */
const struct ordex_principal *ordex_req_principal(struct ordex_req *rq);
/* The highest event seq known durable (see ordex_writer_durable_seq). */
int64_t ordex_req_durable_seq(struct ordex_req *rq);
/* This thread's read-only connection, or NULL (then answer 503). */
struct ordex_store *ordex_req_store(struct ordex_req *rq);
/*
 * Hands b to the writer and suspends the request. When b is durable the
 * request resumes on a request thread and then(rq, b) builds the response.
 * Returns ORDEX_OK or ORDEX_E_SHUTDOWN (the request is not suspended).
 */
int ordex_req_submit(struct ordex_req *rq, struct ordex_batch *b,
                     void (*then)(struct ordex_req *rq, struct ordex_batch *b));
/*
 * The writer's counters since the server started (commits, events, the
 * largest group), for /metrics. Any request thread.
 */
void ordex_req_writer_stats(struct ordex_req *rq, struct ordex_writer_stats *out);
/* Durable timers the service's clock has fired (0 once it has stopped). */
uint64_t ordex_req_timers_fired(struct ordex_req *rq);
/* What the writeback workers did since the service started. */
struct ordex_delivery_counts;
void ordex_req_delivery_counts(struct ordex_req *rq, struct ordex_delivery_counts *out);

#endif
