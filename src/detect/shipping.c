/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shipping.c - detectors of the parcel's journey: shipment_late (delivered
 * after the promise, or an ETA past it), delivery_exception (exception,
 * failed attempt, returned, lost), state_conflict (shipped although the
 * order was cancelled) and data_quality (the order says delivered but no
 * shipment has a delivery time; a provider's payload about the order
 * lacked what ordex needs).
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "detect/detect_int.h"
#include "domain/project.h"
#include "ingest/event.h"

static const char *parcel(struct ordex_apply *ap, const struct ordex_shipment_row *s)
{
	if (s->carrier && s->tracking)
		return ordex_arena_printf(ap->a, "Shipment %s (%s %s)", s->ref, s->carrier,
		                          s->tracking);
	if (s->tracking)
		return ordex_arena_printf(ap->a, "Shipment %s (tracking %s)", s->ref, s->tracking);
	return ordex_arena_printf(ap->a, "Shipment %s", s->ref);
}

/* How late, in the largest units that say it exactly enough, never rounded up:
 * "45 minutes", "38 hours", "15 days 14 hours". */
static const char *lateness(struct ordex_apply *ap, int64_t late_us)
{
	int64_t minutes = late_us / 60000000LL;
	if (minutes < 120)
		return ordex_arena_printf(ap->a, "%lld minute%s", (long long)minutes,
		                          minutes == 1 ? "" : "s");
	int64_t hours = minutes / 60;
	if (hours < 48)
		return ordex_arena_printf(ap->a, "%lld hours", (long long)hours);
	int64_t days = hours / 24, rest = hours % 24;
	if (!rest)
		return ordex_arena_printf(ap->a, "%lld days", (long long)days);
	return ordex_arena_printf(ap->a, "%lld days %lld hour%s", (long long)days, (long long)rest,
	                          rest == 1 ? "" : "s");
}

void ordex__detect_shipping(struct ordex_apply *ap, const struct ordex_order_state *os,
                            struct ordex_conditions *cs)
{
	const struct ordex_order_row *o = &os->order;
	bool any_delivered = false;
	for (size_t i = 0; i < os->n_shipments; i++) {
		const struct ordex_shipment_row *s = &os->shipments[i];
		if (s->status == ORDEX_SHIP_DELIVERED && s->delivered_at)
			any_delivered = true;
		if (o->promised_at && s->status == ORDEX_SHIP_DELIVERED && s->delivered_at &&
		    s->delivered_at > o->promised_at) {
			ordex__condition(cs, "shipment_late", s->ref, ORDEX_SEV_MEDIUM,
			                 ordex_arena_printf(
			                     ap->a,
			                     "%s was delivered %s, %s after the promised %s; the "
			                     "customer waited longer than promised.",
			                     parcel(ap, s),
			                     ordex__fmt_when(ap, s->delivered_at, o->tz_offset, 0),
			                     lateness(ap, s->delivered_at - o->promised_at),
			                     ordex__fmt_when(ap, o->promised_at, o->promised_offset,
			                                     o->promised_date_only)),
			                 s->status_seq);
		} else if (o->promised_at && s->status != ORDEX_SHIP_DELIVERED && s->eta &&
		           s->eta > o->promised_at && !o->cancelled_at) {
			ordex__condition(
			    cs, "shipment_late", s->ref, ORDEX_SEV_HIGH,
			    ordex_arena_printf(
			        ap->a,
			        "%s is now expected %s, %s after the promised %s; tell "
			        "the customer before they ask.",
			        parcel(ap, s), ordex__fmt_when(ap, s->eta, o->tz_offset, 0),
			        lateness(ap, s->eta - o->promised_at),
			        ordex__fmt_when(ap, o->promised_at, o->promised_offset,
			                        o->promised_date_only)),
			    s->eta_seq);
		}
		const char *what = NULL;
		enum ordex_severity sev = ORDEX_SEV_HIGH;
		switch (s->status) {
		case ORDEX_SHIP_EXCEPTION: what = "reports a delivery exception"; break;
		case ORDEX_SHIP_FAILED_ATTEMPT:
			what = "reports a failed delivery attempt";
			sev = ORDEX_SEV_MEDIUM;
			break;
		case ORDEX_SHIP_RETURNED: what = "is being returned to the sender"; break;
		case ORDEX_SHIP_LOST:
			what = "is reported lost";
			sev = ORDEX_SEV_CRITICAL;
			break;
		default: break;
		}
		if (what && !o->cancelled_at)
			ordex__condition(cs, "delivery_exception", s->ref, sev,
			                 ordex_arena_printf(ap->a, "%s %s%s%s%s%s.", parcel(ap, s),
			                                    what, s->location ? " at " : "",
			                                    s->location ? s->location : "",
			                                    s->reason ? ": " : "",
			                                    s->reason ? s->reason : ""),
			                 s->status_seq);
		if (o->cancelled_at && s->status >= ORDEX_SHIP_LABEL_CREATED &&
		    s->status != ORDEX_SHIP_RETURNED)
			ordex__condition(cs, "state_conflict", s->ref,
			                 s->status == ORDEX_SHIP_LABEL_CREATED ? ORDEX_SEV_HIGH
			                                                       : ORDEX_SEV_CRITICAL,
			                 ordex_arena_printf(
			                     ap->a,
			                     "The order was cancelled %s but %s is on its way "
			                     "(%s); the customer may receive goods they "
			                     "cancelled or were refunded for.",
			                     ordex__fmt_when(ap, o->cancelled_at, o->tz_offset, 0),
			                     parcel(ap, s), ordex_ship_status_name(s->status)),
			                 s->status_seq > o->cancelled_seq ? s->status_seq
			                                                  : o->cancelled_seq);
	}
	/* a difference between what a target reports and what ordex did is a
	 * conflict between systems (reconciliation); the rest are gaps in data */
	for (size_t i = 0; i < os->n_issues; i++)
		ordex__condition(cs,
		                 !strncmp(os->issues[i].key, "reconcile:", 10) ? "state_conflict"
		                                                               : "data_quality",
		                 ordex_arena_printf(ap->a, "issue:%s", os->issues[i].key),
		                 ORDEX_SEV_MEDIUM, os->issues[i].reason, os->issues[i].seq);
	if (o->status && !strcmp(o->status, "delivered") && !any_delivered)
		ordex__condition(cs, "data_quality", "delivered_without_time", ORDEX_SEV_LOW,
		                 "The order is marked delivered but no shipment recorded when it "
		                 "was delivered, so lateness cannot be checked.",
		                 o->status_seq);
}
