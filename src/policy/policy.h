/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.h - a tenant environment's policy: which queue a case goes to,
 * its SLA, how long a resolved case may be reopened, how long approvals
 * hold, the time-based detectors' hours, and for each proposed action who
 * must approve it and how many of them (docs/internals/policy.md).
 *
 * A policy is JSON, checked whole before it is stored (every problem with
 * its JSON path), versioned, and read through a cache the writer keeps. A
 * sensible default holds until a tenant stores its own (version 0).
 * Routes are JsonLogic conditions over the action, its order and its case,
 * tried in order; the first that holds decides.
 */
#ifndef ORDEX_POLICY_H
#define ORDEX_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ordex_arena;
struct ordex_json;
struct ordex_problems;
struct ordex_store;
struct ordex_scope;

/* The policy that holds when a tenant has stored none. */
extern const char ordex_policy_default[];

struct ordex_policy {
	int64_t version; /* 0: the default */
	const struct ordex_json *doc;
};

/* How an action is to be approved, as a route decided it. */
struct ordex_route_decision {
	int rule;                 /* index of the route that held; -1: none did */
	const char *name;         /* the route's name, or NULL */
	bool automatic;           /* approved by the policy itself */
	int approvals;            /* distinct approvers needed */
	const char *approvers[8]; /* roles any of which may approve */
	int n_approvers;
	const char *queue; /* the route's queue for the case, or NULL */
};

/*
 * Checks a policy as sent. Problems go into p with their paths
 * ("routes[2].when.and[0]", "sla_hours.fraud"). ORDEX_OK or ORDEX_E_INVAL.
 */
int ordex_policy_check(struct ordex_arena *a, const struct ordex_json *doc,
                       struct ordex_problems *p);

/* Parses a stored (or the default) policy body into a. */
int ordex_policy_parse(struct ordex_arena *a, const char *body, int64_t version,
                       struct ordex_policy *out);

/* The queue of a case whose leading exception is of this kind. */
const char *ordex_policy_queue(const struct ordex_policy *p, const char *kind);
/* Hours of a queue's SLA; 0: none. */
double ordex_policy_sla_hours(const struct ordex_policy *p, const char *queue);
/* A number of the policy's top level (reopen_within_hours, ...) or a default. */
double ordex_policy_number(const struct ordex_policy *p, const char *path, double dflt);
/* The queue a breached case moves to (NULL: it stays). */
const char *ordex_policy_escalation_queue(const struct ordex_policy *p);

/*
 * Routes an action: data is {"action", "order", "case", "requester"} as
 * the policy sees them. A route that errs (a bound reached) is passed over.
 */
void ordex_policy_route(struct ordex_arena *a, const struct ordex_policy *p,
                        const struct ordex_json *data, struct ordex_route_decision *out);

/* The route decision as JSON (what an action keeps as its route). */
char *ordex_policy_route_json(struct ordex_arena *a, const struct ordex_route_decision *d,
                              int64_t version);

/* The writer's policies per tenant and environment (writer thread only). */
struct ordex_policy_cache;
struct ordex_policy_cache *ordex_policy_cache_new(void);
void ordex_policy_cache_free(struct ordex_policy_cache *c);
void ordex_policy_cache_next_group(struct ordex_policy_cache *c);
/* A rolled-back transaction: what it may have read of itself is forgotten. */
void ordex_policy_cache_forget(struct ordex_policy_cache *c);
/*
 * The policy in force for sc: the cache's (looked at again once a group)
 * or, with c NULL, read and parsed into a. ORDEX_OK or ORDEX_E_STORE.
 */
int ordex_policy_in_force(struct ordex_policy_cache *c, struct ordex_store *st,
                          const struct ordex_scope *sc, struct ordex_arena *a,
                          struct ordex_policy *out);

#endif
