/* SPDX-License-Identifier: Apache-2.0 */
/*
 * payment.c - detectors of the money side: payment_failed,
 * payment_action_required and fraud_review.
 *
 * A failed payment matters only while nothing else on the order has been
 * authorized or captured (a retry that succeeded clears it). A fraud review
 * holds until a signal recommends accepting the order; a payment that
 * succeeds or an order marked paid does not clear it (CASE-14).
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/money.h"
#include "detect/detect_int.h"
#include "domain/project.h"

void ordex__detect_payment(struct ordex_apply *ap, const struct ordex_order_state *os,
                           struct ordex_conditions *cs)
{
	const struct ordex_payment_row *failed = NULL, *ok = NULL;
	if (os->order.cancelled_at)
		return; /* nothing will be paid for or shipped: no payment or fraud hold */
	for (size_t i = 0; i < os->n_payments; i++) {
		const struct ordex_payment_row *p = &os->payments[i];
		if (!strcmp(p->status, "authorized") || !strcmp(p->status, "captured"))
			ok = p;
		else if (!strcmp(p->status, "failed"))
			failed = p;
		char cap[ORDEX_MONEY_MAX_LEN], ref[ORDEX_MONEY_MAX_LEN];
		if (p->captured > 0 && p->refunded > p->captured) {
			ordex_money_format(p->captured, p->currency, cap);
			ordex_money_format(p->refunded, p->currency, ref);
			ordex__condition(
			    cs, "refund_mismatch", p->ref, ORDEX_SEV_HIGH,
			    ordex_arena_printf(ap->a,
			                       "Payment %s has %s %s refunded but only "
			                       "%s %s captured; check for a duplicate "
			                       "or mistaken refund.",
			                       p->ref, ref, p->currency, cap, p->currency),
			    p->updated_seq);
		}
		if (p->disputed)
			ordex__condition(
			    cs, "chargeback", p->ref, ORDEX_SEV_HIGH,
			    ordex_arena_printf(ap->a,
			                       "The customer disputed payment %s%s%s%s; "
			                       "answer the dispute with evidence before "
			                       "its deadline.",
			                       p->ref, p->reason ? " (" : "",
			                       p->reason ? p->reason : "", p->reason ? ")" : ""),
			    p->updated_seq);
	}
	if (failed && !ok)
		ordex__condition(
		    cs, "payment_failed", "", ORDEX_SEV_HIGH,
		    ordex_arena_printf(ap->a,
		                       "Payment %s failed%s%s%s and no other payment on the "
		                       "order has succeeded, so it cannot be fulfilled until "
		                       "the customer pays.",
		                       failed->ref, failed->reason ? " (" : "",
		                       failed->reason ? failed->reason : "",
		                       failed->reason ? ")" : ""),
		    failed->status_seq);
	for (size_t i = 0; i < os->n_payments && !ok; i++) {
		const struct ordex_payment_row *p = &os->payments[i];
		if (strcmp(p->status, "requires_action") != 0)
			continue;
		ordex__condition(cs, "payment_action_required", p->ref, ORDEX_SEV_MEDIUM,
		                 ordex_arena_printf(ap->a,
		                                    "Payment %s is waiting for the customer to "
		                                    "complete an action (such as 3-D Secure) and "
		                                    "will not be captured until they do.",
		                                    p->ref),
		                 p->status_seq);
	}
	if (os->order.fraud_state == ORDEX_FRAUD_STATE_REVIEW)
		ordex__condition(
		    cs, "fraud_review", "", ORDEX_SEV_HIGH,
		    ordex_arena_printf(ap->a,
		                       "Fraud screening flagged the order: %s. Hold "
		                       "fulfilment until a reviewer clears it.",
		                       os->order.fraud_why ? os->order.fraud_why : "a risk signal"),
		    os->order.fraud_seq);
}
