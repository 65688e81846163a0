/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect_int.h - what the detector families share. Each family looks at the
 * loaded state of one order and adds the conditions that hold now; the
 * engine (detect.c) reconciles them with the stored exceptions.
 */
#ifndef ORDEX_DETECT_INT_H
#define ORDEX_DETECT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"
#include "store/store.h"

struct ordex_apply;
struct ordex_arena;

enum ordex_severity {
	ORDEX_SEV_LOW = 1,
	ORDEX_SEV_MEDIUM = 2,
	ORDEX_SEV_HIGH = 3,
	ORDEX_SEV_CRITICAL = 4,
};

/* Everything the detectors may look at for one order. */
struct ordex_order_state {
	struct ordex_order_row order;
	struct ordex_line_row *lines;
	size_t n_lines;
	struct ordex_payment_row *payments;
	size_t n_payments;
	struct ordex_shipment_row *shipments;
	size_t n_shipments;
	struct ordex_issue_row *issues; /* what incomplete provider payloads lacked */
	size_t n_issues;
};

struct ordex_condition {
	const char *kind;
	const char *subject; /* "" for the whole order */
	enum ordex_severity severity;
	const char *why;
	int64_t evidence_seq; /* the event that established the condition */
};

/* The conditions that hold on one order: an arena array, as long as needed. */
struct ordex_conditions {
	struct ordex_arena *a;
	struct ordex_condition *c;
	int n, cap;
};

void ordex__condition(struct ordex_conditions *cs, const char *kind, const char *subject,
                      enum ordex_severity sev, const char *why, int64_t evidence_seq);

void ordex__detect_payment(struct ordex_apply *ap, const struct ordex_order_state *os,
                           struct ordex_conditions *cs);
void ordex__detect_stock(struct ordex_apply *ap, const struct ordex_order_state *os,
                         struct ordex_conditions *cs);
void ordex__detect_shipping(struct ordex_apply *ap, const struct ordex_order_state *os,
                            struct ordex_conditions *cs);
/* Writebacks of the order that died (writeback.c). ORDEX_OK or ORDEX_E_STORE. */
int ordex__detect_writeback(struct ordex_apply *ap, const struct ordex_order_state *os,
                            struct ordex_conditions *cs);
/* The conditions of time, at the order's clock (clock.c). ORDEX_OK or ORDEX_E_STORE. */
int ordex__detect_clock(struct ordex_apply *ap, const struct ordex_order_state *os,
                        struct ordex_conditions *cs);
/* Arms the timers of the waits the event at seq started (seq 0: a timer fired: every
 * wait its clock has not reached). */
int ordex__arm_clock(struct ordex_apply *ap, const struct ordex_order_state *os, int64_t seq);

/* "2018-04-18" for a date-only promise, else the full time, in the order's zone. */
const char *ordex__fmt_when(struct ordex_apply *ap, int64_t us, int offset_min, int date_only);

#endif
