/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stock.c - detectors of what stands before shipping: inventory_shortage
 * (a line that stock cannot cover, after earlier orders took theirs) and
 * address_invalid.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "detect/detect_int.h"
#include "domain/project.h"

static bool reallocated(const struct ordex_apply *ap, const char *ref)
{
	for (int i = 0; i < ap->n_realloc; i++)
		if (!strcmp(ap->realloc[i], ref))
			return true;
	return false;
}

void ordex__detect_stock(struct ordex_apply *ap, const struct ordex_order_state *os,
                         struct ordex_conditions *cs)
{
	const struct ordex_order_row *o = &os->order;
	for (size_t i = 0; i < os->n_lines; i++) {
		const struct ordex_line_row *l = &os->lines[i];
		if (!l->open || l->level < 0 || l->allocated >= l->qty)
			continue;
		bool again = false;
		for (size_t j = 0; j < i; j++)
			again |= !strcmp(os->lines[j].sku, l->sku);
		if (again)
			continue; /* one condition per SKU; the first line speaks for it */
		int64_t want = 0, got = 0;
		for (size_t j = i; j < os->n_lines; j++) {
			if (strcmp(os->lines[j].sku, l->sku) != 0 || !os->lines[j].open)
				continue;
			want += os->lines[j].qty;
			got += os->lines[j].allocated;
		}
		ordex__condition(
		    cs, "inventory_shortage", l->sku, ORDEX_SEV_HIGH,
		    ordex_arena_printf(ap->a,
		                       "Short %lld of %s: the order needs %lld and only %lld "
		                       "can be allocated (%lld in stock across locations, the "
		                       "rest promised to earlier orders).",
		                       (long long)(want - got), l->sku, (long long)want,
		                       (long long)got, (long long)l->level),
		    reallocated(ap, o->ref) ? ap->seq : 0);
	}
	if (o->address_state < 0 && !o->cancelled_at)
		ordex__condition(
		    cs, "address_invalid", "", ORDEX_SEV_HIGH,
		    ordex_arena_printf(ap->a,
		                       "The shipping address cannot be used: %s. Ask "
		                       "the customer to correct it before the order "
		                       "ships.",
		                       o->address_why ? o->address_why : "it is invalid"),
		    o->address_seq);
}
