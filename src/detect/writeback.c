/* SPDX-License-Identifier: Apache-2.0 */
/*
 * writeback.c - what the other systems refused. A writeback that died (a
 * target refused it, or it failed for 72 hours) is an exception on its
 * order, carrying the target's code and words, until a person retries or
 * cancels it: nothing is altered and sent again by itself (CASE-09). A
 * refusal about the address is an address problem; any other is
 * writeback_failed. Orders count their dead writebacks, so that only
 * those with one read the outbox.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "detect/detect_int.h"
#include "core/common.h"
#include "domain/project.h"

static bool about_address(const struct ordex_outbox_row *r)
{
	const char *e = r->last_error ? r->last_error : "";
	return strcasestr(e, "address") != NULL || !strcmp(r->kind, "request_address_correction");
}

int ordex__detect_writeback(struct ordex_apply *ap, const struct ordex_order_state *os,
                            struct ordex_conditions *cs)
{
	if (os->order.rejected <= 0)
		return ORDEX_OK;
	struct ordex_outbox_row *rows;
	size_t n;
	int rc = ap->st->ops->outbox_of_order(ap->st, ap->sc, os->order.ref, ap->a, &rows, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct ordex_outbox_row *r = &rows[i];
		if (strcmp(r->status, "dead") != 0)
			continue;
		bool address = about_address(r);
		ordex__condition(cs, address ? "address_invalid" : "writeback_failed",
		                 ordex_arena_printf(ap->a, "writeback:%s", r->idem_key),
		                 !strcmp(r->kind, "refund") || !strcmp(r->kind, "hold_fulfillment")
		                     ? ORDEX_SEV_HIGH
		                     : ORDEX_SEV_MEDIUM,
		                 ordex_arena_printf(
		                     ap->a,
		                     "The approved %s was not carried out: %s. Nothing was changed "
		                     "or sent again; retry or cancel writeback %lld.",
		                     r->kind,
		                     r->last_error ? r->last_error : "the target refused it",
		                     (long long)r->id),
		                 0);
	}
	return ORDEX_OK;
}
