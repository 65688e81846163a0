/* SPDX-License-Identifier: Apache-2.0 */
/*
 * suggestion.c - confirming, dismissing and undoing identity suggestions.
 * A customer suggestion pairs a customer (ref_a) with an e-mail address
 * that only weakly matches it (ref_b, a plus-address, say).
 */
#include "domain/suggestion.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "store/store.h"

static int audit(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                 int64_t now, const char *kind, const struct ordex_suggestion_row *s,
                 const struct ordex_suggestion_decision *d)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "suggestion");
	ordex_jw_int(&w, s->id);
	ordex_jw_key(&w, "customer");
	ordex_jw_str(&w, s->ref_a);
	ordex_jw_key(&w, "email");
	ordex_jw_str(&w, s->ref_b);
	ordex_jw_key(&w, "orders_relinked");
	ordex_jw_int(&w, d->orders_relinked);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, d->actor ? d->actor : "unknown");
	ordex_jw_obj_end(&w);
	int rc = ordex_audit_append(au, st, sc, now, kind, s->ref_a, b.data);
	ordex_buf_free(&b);
	return rc;
}

/*
 * The customer whose own record carries the e-mail address (a namesake's),
 * or NULL for an address no customer has (a plus-address): the orders with
 * that address belonged to it before a merge and go back to it on undo.
 */
static const char *owner(struct ordex_store *st, const struct ordex_scope *sc,
                         struct ordex_arena *a, const char *email_norm)
{
	struct ordex_customer_row c;
	return st->ops->customer_by_email(st, sc, email_norm, a, &c) == ORDEX_OK ? c.ref : NULL;
}

int ordex_suggestion_decide(struct ordex_store *st, struct ordex_audit *au,
                            const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct ordex_suggestion_decision *d = ctx;
	struct ordex_arena *a = ordex_arena_new(1024);
	struct ordex_suggestion_row s;
	int rc = st->ops->suggestion_get(st, sc, d->id, a, &s);
	const char *kind = NULL, *status = NULL;
	if (rc)
		goto out;
	if (strcmp(s.kind, "customer") != 0) {
		rc = ORDEX_E_INVAL;
		d->why = "only customer suggestions can be decided";
		goto out;
	}
	if (!strcmp(d->decision, "confirm") || !strcmp(d->decision, "dismiss")) {
		if (strcmp(s.status, "open") != 0) {
			rc = ORDEX_E_CONFLICT;
			d->why = "the suggestion is not open";
			goto out;
		}
		if (!strcmp(d->decision, "confirm")) {
			const char *from = owner(st, sc, a, s.ref_b);
			const char *merged;
			rc = st->ops->customer_alias_get(st, sc, s.ref_b, a, &merged);
			if (rc == ORDEX_OK && strcmp(merged, s.ref_a) != 0) {
				/* another confirmed merge owns the address: undo it first */
				rc = ORDEX_E_CONFLICT;
				d->why =
				    "the address is merged into another customer already; undo "
				    "that merge first";
				goto out;
			}
			if (rc == ORDEX_OK || rc == ORDEX_E_NOTFOUND)
				rc = st->ops->customer_alias_put(st, sc, s.ref_b, s.ref_a,
				                                 s.created_seq);
			if (!rc)
				rc = st->ops->orders_relink_customer(st, sc, s.ref_b, from, s.ref_a,
				                                     &d->orders_relinked);
			kind = "identity.merged";
			status = "confirmed";
		} else {
			kind = "identity.dismissed";
			status = "dismissed";
		}
	} else if (!strcmp(d->decision, "undo")) {
		if (strcmp(s.status, "confirmed") != 0) {
			rc = ORDEX_E_CONFLICT;
			d->why = "only a confirmed suggestion can be undone";
			goto out;
		}
		const char *merged;
		rc = st->ops->customer_alias_get(st, sc, s.ref_b, a, &merged);
		if (rc == ORDEX_E_NOTFOUND || (rc == ORDEX_OK && strcmp(merged, s.ref_a) != 0)) {
			rc = ORDEX_E_CONFLICT;
			d->why = "the address is no longer merged into this customer";
			goto out;
		}
		if (!rc)
			rc = st->ops->customer_alias_delete(st, sc, s.ref_b);
		if (!rc)
			rc = st->ops->orders_relink_customer(st, sc, s.ref_b, s.ref_a,
			                                     owner(st, sc, a, s.ref_b),
			                                     &d->orders_relinked);
		kind = "identity.unmerged";
		status = "open"; /* back to undecided: a person may decide again */
	} else {
		rc = ORDEX_E_INVAL;
		d->why = "decision must be confirm, dismiss or undo";
		goto out;
	}
	if (!rc)
		rc = st->ops->suggestion_decide(st, sc, d->id, status, d->actor, now);
	if (!rc)
		rc = audit(st, au, sc, now, kind, &s, d);
	if (!rc)
		d->status = status;
out:
	ordex_arena_free(a);
	return rc;
}
