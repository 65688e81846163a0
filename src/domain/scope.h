/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scope.h - customer scope rules: where a source gives an order no brand,
 * region or segment, a tenant's rules may.
 *
 *   {"rules": [{"set": {"region": "eu"},
 *               "when": {"in": [{"var": "event.data.shipping_address.country"},
 *                               ["FR", "DE", "IT"]]}}, ...]}
 *
 * A rule's condition is JsonLogic over {"order": the order as stored
 * (ref, status, currency, total in major units, customer, email, brand,
 * region, segment, ship_to), "event": the event as received}. Rules are
 * tried in order when an order event is applied; each dimension the source
 * left empty takes the value of the first rule that holds and sets it. What
 * a source gives wins over any rule (a later snapshot naming a brand
 * replaces a brand a rule set). Each value set by a rule is audited with
 * the rule's index and the version of the rules.
 */
#ifndef ORDEX_SCOPE_H
#define ORDEX_SCOPE_H

#include <stddef.h>
#include <stdint.h>

struct ordex_arena;
struct ordex_json;
struct ordex_problems;

#define ORDEX_SCOPE_RULES_MAX 100

/*
 * Checks a rule set as sent (doc, parsed): the shape above, values of 1 to
 * 64 bytes, conditions that JsonLogic knows (ordex_jl_check). Every problem
 * goes into p with its JSON path ("rules[2].when.and[0]"). Returns ORDEX_OK
 * or ORDEX_E_INVAL.
 */
int ordex_scope_rules_check(struct ordex_arena *a, const struct ordex_json *doc,
                            struct ordex_problems *p);

/* The writer's parsed rules per tenant and environment (writer thread only). */
struct ordex_scope_cache;
struct ordex_scope_cache *ordex_scope_cache_new(void);
void ordex_scope_cache_free(struct ordex_scope_cache *c);
/* A new group: each entry's version is looked at again before its next use. */
void ordex_scope_cache_next_group(struct ordex_scope_cache *c);
/* A rolled-back transaction: what it may have read of itself is forgotten. */
void ordex_scope_cache_forget(struct ordex_scope_cache *c);

#endif
