/* SPDX-License-Identifier: Apache-2.0 */
/*
 * suggestion.h - a person's decision on a weak identity match: confirm
 * (the e-mail becomes the customer's and its orders join the customer),
 * dismiss, or undo a confirmation. Every decision is audited with who
 * made it; an undo puts the orders back as they were.
 */
#ifndef ORDEX_SUGGESTION_H
#define ORDEX_SUGGESTION_H

#include <stdint.h>

#include "domain/model.h"

struct ordex_audit;
struct ordex_store;

struct ordex_suggestion_decision {
	/* in */
	int64_t id;
	const char *decision; /* confirm, dismiss, undo */
	const char *actor;
	/* out */
	const char *status; /* the suggestion's status after the decision */
	const char *why;    /* when refused */
	int64_t orders_relinked;
};

/*
 * A writer command. Returns ORDEX_OK, ORDEX_E_NOTFOUND (no such suggestion
 * in this tenant and environment), ORDEX_E_CONFLICT (the decision does not
 * apply to its status; why says so), ORDEX_E_INVAL or ORDEX_E_STORE.
 */
int ordex_suggestion_decide(struct ordex_store *st, struct ordex_audit *au,
                            const struct ordex_scope *sc, int64_t now, void *ctx);

#endif
