/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clock.c - the conditions time makes: payment_pending (a payment pending
 * longer than the policy's payment_pending_hours), shipment_stalled (no
 * carrier scan for shipment_stalled_hours) and fulfillment_late (not
 * shipped by the order's ship_by time).
 *
 * They are judged at the order's clock, not at the wall clock: clock_at is
 * the due time of the last timer fired for the order, stored with it, so
 * that applying an event gives the same answer whenever it runs. Each
 * event that starts such a wait arms a durable timer for the moment it
 * runs out (workflow/timers.c fires it, exactly once, and moves the clock);
 * a wait that ended before its timer fires leaves a timer that finds
 * nothing.
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/common.h"
#include "detect/detect_int.h"
#include "domain/project.h"
#include "ingest/event.h"
#include "policy/policy.h"

#define HOUR_US INT64_C(3600000000)

struct waits {
	int64_t payment_pending, shipment_stalled; /* microseconds */
};

static int waits_of(struct ordex_apply *ap, struct waits *w)
{
	struct ordex_policy pol;
	int rc = ordex_policy_in_force(ap->policy_cache, ap->st, ap->sc, ap->a, &pol);
	if (rc)
		return rc;
	w->payment_pending =
	    (int64_t)(ordex_policy_number(&pol, "timers.payment_pending_hours", 24) *
	              (double)HOUR_US);
	w->shipment_stalled =
	    (int64_t)(ordex_policy_number(&pol, "timers.shipment_stalled_hours", 72) *
	              (double)HOUR_US);
	return ORDEX_OK;
}

/* A parcel still on its way, that a carrier scan would move on. */
static bool on_its_way(const struct ordex_shipment_row *s)
{
	return s->status == ORDEX_SHIP_LABEL_CREATED || s->status == ORDEX_SHIP_IN_TRANSIT ||
	       s->status == ORDEX_SHIP_OUT_FOR_DELIVERY || s->status == ORDEX_SHIP_FAILED_ATTEMPT;
}

static bool waits_for_time(const struct ordex_order_state *os)
{
	if (os->order.cancelled_at)
		return false;
	if (os->order.ship_by)
		return true;
	for (size_t i = 0; i < os->n_payments; i++)
		if (!strcmp(os->payments[i].status, "pending"))
			return true;
	for (size_t i = 0; i < os->n_shipments; i++)
		if (on_its_way(&os->shipments[i]))
			return true;
	return false;
}

static const char *hours(struct ordex_apply *ap, int64_t us)
{
	int64_t h = us / HOUR_US;
	if (h >= 1)
		return ordex_arena_printf(ap->a, "%lld hour%s", (long long)h, h == 1 ? "" : "s");
	return ordex_arena_printf(ap->a, "%lld minutes", (long long)(us / 60000000));
}

int ordex__detect_clock(struct ordex_apply *ap, const struct ordex_order_state *os,
                        struct ordex_conditions *cs)
{
	const struct ordex_order_row *o = &os->order;
	if (!waits_for_time(os))
		return ORDEX_OK;
	struct waits w;
	int rc = waits_of(ap, &w);
	if (rc)
		return rc;
	int64_t clock = o->clock_at;
	for (size_t i = 0; clock && i < os->n_payments; i++) {
		const struct ordex_payment_row *p = &os->payments[i];
		if (strcmp(p->status, "pending") || clock - p->status_at < w.payment_pending)
			continue;
		ordex__condition(
		    cs, "payment_pending", p->ref, ORDEX_SEV_MEDIUM,
		    ordex_arena_printf(ap->a,
		                       "Payment %s has been pending for more than %s "
		                       "(since %s); the order waits for it.",
		                       p->ref, hours(ap, w.payment_pending),
		                       ordex__fmt_when(ap, p->status_at, o->tz_offset, 0)),
		    p->status_seq);
	}
	bool shipped = false;
	for (size_t i = 0; i < os->n_shipments; i++) {
		const struct ordex_shipment_row *s = &os->shipments[i];
		shipped = true;
		if (!clock || !on_its_way(s) || clock - s->status_at < w.shipment_stalled)
			continue;
		ordex__condition(cs, "shipment_stalled", s->ref, ORDEX_SEV_MEDIUM,
		                 ordex_arena_printf(
		                     ap->a,
		                     "Shipment %s%s%s has had no carrier scan for more than %s "
		                     "(the last: %s); ask the carrier to trace it.",
		                     s->ref, s->tracking ? " " : "", s->tracking ? s->tracking : "",
		                     hours(ap, w.shipment_stalled),
		                     ordex__fmt_when(ap, s->status_at, o->tz_offset, 0)),
		                 s->status_seq);
	}
	if (clock && o->ship_by && !shipped && clock >= o->ship_by)
		ordex__condition(
		    cs, "fulfillment_late", "", ORDEX_SEV_MEDIUM,
		    ordex_arena_printf(ap->a,
		                       "Order %s was to ship by %s and has not "
		                       "shipped; tell the customer and chase the "
		                       "warehouse.",
		                       o->ref, ordex__fmt_when(ap, o->ship_by, o->tz_offset, 0)),
		    o->updated_seq);
	return ORDEX_OK;
}

int ordex__arm_clock(struct ordex_apply *ap, const struct ordex_order_state *os, int64_t seq)
{
	const struct ordex_order_row *o = &os->order;
	if (!waits_for_time(os))
		return ORDEX_OK;
	struct waits w;
	bool have = false;
	int rc;
	struct ordex_store *st = ap->st;
	/*
	 * An event arms what it started waiting (one timer write at most per
	 * change); a timer that fired (seq 0) arms again every wait its clock
	 * has not reached, so that a wait the policy made longer is judged at
	 * its new end. A wait the clock has passed needs no timer: the
	 * detectors just judged it.
	 */
	for (size_t i = 0; i < os->n_payments; i++) {
		const struct ordex_payment_row *p = &os->payments[i];
		if ((seq && p->status_seq != seq) || strcmp(p->status, "pending"))
			continue;
		if (!have && (rc = waits_of(ap, &w)))
			return rc;
		have = true;
		int64_t due = p->status_at + w.payment_pending;
		if (due > o->clock_at && (rc = st->ops->timer_arm_earlier(
		                              st, ap->sc, "payment_pending", p->ref, o->ref, due)))
			return rc;
	}
	bool shipped = false;
	for (size_t i = 0; i < os->n_shipments; i++) {
		const struct ordex_shipment_row *s = &os->shipments[i];
		shipped = true;
		if ((seq && s->status_seq != seq) || !on_its_way(s))
			continue;
		if (!have && (rc = waits_of(ap, &w)))
			return rc;
		have = true;
		int64_t due = s->status_at + w.shipment_stalled;
		if (due > o->clock_at && (rc = st->ops->timer_arm_earlier(
		                              st, ap->sc, "shipment_stalled", s->ref, o->ref, due)))
			return rc;
	}
	if (o->ship_by && !shipped && (!seq || o->updated_seq == seq) && o->clock_at < o->ship_by &&
	    (rc = st->ops->timer_arm_earlier(st, ap->sc, "fulfillment_late", o->ref, o->ref,
	                                     o->ship_by)))
		return rc;
	return ORDEX_OK;
}
