/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kinds.c - the exception kinds of DESIGN.md §5, in one place for the API
 * and the CLI to check filters against.
 */
#include <string.h>

#include "core/common.h"
#include "detect/detect.h"

static const char *const kinds[] = {
    "payment_failed",     "payment_pending",    "payment_action_required", "fraud_review",
    "chargeback",         "inventory_shortage", "substitution_needed",     "address_invalid",
    "fulfillment_late",   "shipment_late",      "shipment_stalled",        "delivery_exception",
    "returned_to_sender", "state_conflict",     "refund_mismatch",         "customer_escalation",
    "data_quality",       "writeback_failed",
};

bool ordex_exception_kind_known(const char *kind)
{
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(kinds); i++)
		if (!strcmp(kinds[i], kind))
			return true;
	return false;
}

const char *ordex_exception_kinds(void)
{
	return "payment_failed, payment_pending, payment_action_required, fraud_review, "
	       "chargeback, inventory_shortage, substitution_needed, address_invalid, "
	       "fulfillment_late, shipment_late, shipment_stalled, delivery_exception, "
	       "returned_to_sender, state_conflict, refund_mismatch, customer_escalation, "
	       "data_quality, writeback_failed";
}
