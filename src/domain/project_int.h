/* SPDX-License-Identifier: Apache-2.0 */
/*
 * project_int.h - what the projection files share (project.c, identity.c).
 */
#ifndef ORDEX_PROJECT_INT_H
#define ORDEX_PROJECT_INT_H

#include <stdbool.h>
#include <stdint.h>

struct ordex_apply;
struct ordex_event;

/*
 * Finds the order of an event that names it by alias or in text, sets
 * ev->order and links the stored event. When it is not known yet, keeps the
 * event waiting under each name (*parked).
 */
int ordex__resolve_order(struct ordex_apply *ap, struct ordex_event *ev, int64_t seq, bool *parked);
/* Applies again what waited for a payment's order (fraud signals about it). */
int ordex__link_payment(struct ordex_apply *ap, const char *payment, const char *order_ref);
/* Keeps an order event's aliases and applies again what waited for them. */
int ordex__link_order(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq);
/* The SKU of a stock level that names only its item; waits for it (*parked). */
int ordex__resolve_sku(struct ordex_apply *ap, struct ordex_event *ev, int64_t seq, bool *parked);
/* Keeps an item's SKU and applies again the levels that waited for it. */
int ordex__link_sku(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq);
struct ordex_arena;
struct ordex_customer_row;
/* A name folded for comparison, in the arena. */
char *ordex__name_normalize(struct ordex_arena *a, const char *name);
/* Suggests the customers with the same name and another e-mail as the same person. */
int ordex__customer_namesakes(struct ordex_apply *ap, const struct ordex_customer_row *c);
struct ordex_order_row;
/* Suggests the customers of other orders to the same address as the same person. */
int ordex__address_namesakes(struct ordex_apply *ap, const struct ordex_order_row *o);
/*
 * Fills the customer scope dimensions the order lacks from the tenant's
 * scope rules over the order and the event (domain/scope.h).
 */
int ordex__scope_by_rules(struct ordex_apply *ap, struct ordex_order_row *o,
                          const struct ordex_event *ev);
/* The customer behind an e-mail (NULL when none); suggests plus-address matches. */
int ordex__customer_for_email(struct ordex_apply *ap, const char *email, const char **ref);

#endif
