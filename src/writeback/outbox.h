/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outbox.h - approved actions on their way to the other systems, exactly
 * once (docs/internals/writeback.md).
 *
 * An approved action becomes an outbox row in the transaction of its
 * approval, with its idempotency key ("ordex:<action>:<kind>"), for the one
 * target of its environment that carries out its kind. Delivery workers
 * (worker.c) claim a row, send it, and settle the attempt, each step a
 * writer command: a row is "sending" durably before its request leaves, so
 * a crash leaves an outcome that is known to be unknown, which is settled
 * by asking the target where it can be asked and otherwise by sending the
 * same request under the same key.
 */
#ifndef ORDEX_OUTBOX_H
#define ORDEX_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/project.h" /* struct ordex_tenant_settings */
#include "store/store.h"
#include "workflow/workflow.h" /* struct ordex_cmd_result */
#include "writeback/target.h"

struct ordex_apply;
struct ordex_arena;
struct ordex_audit;

/*
 * Queues the approved action r of case c (in the approval's transaction).
 * *queued: a target carries it out (the action is now executing); false:
 * no target of the environment does, and it stays approved.
 */
int ordex_outbox_enqueue(struct ordex_store *st, struct ordex_audit *au,
                         const struct ordex_scope *sc, int64_t now, struct ordex_arena *a,
                         struct ordex_action_row *r, struct ordex_case_row *c, bool *queued);

/* How long a claimed row may be in flight before it counts as unknown. */
#define ORDEX_OUTBOX_LEASE_US (INT64_C(300) * 1000000) /* > a lookup and a request of 60 s each */
/* How long failures are retried before a row is dead. */
#define ORDEX_OUTBOX_GIVE_UP_US (INT64_C(72) * 3600 * 1000000)

/* The worker takes a row (ctx: struct ordex_outbox_claim; batch scope: the row's). */
struct ordex_outbox_claim {
	int64_t id;
	int64_t probe_us; /* a half-open circuit waits this long for a probe (0: the lease) */
	struct ordex_tenant_settings settings; /* the detectors' (a row that dies here) */
	struct ordex_arena *a;                 /* the worker's: what is read lives there */
	/* out */
	bool claimed;
	bool unknown_before; /* its last attempt's outcome is not known */
	struct ordex_outbox_row row;
	struct ordex_target_row target;
};
int ordex_outbox_claim(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                       int64_t now, void *ctx);

/* The worker records how an attempt went (ctx: struct ordex_outbox_settle). */
struct ordex_outbox_settle {
	int64_t id;
	int attempt;
	int64_t started_at;
	struct ordex_answer answer;
	long http_status;
	const char *transport;   /* what failed before an answer, or NULL */
	const char *answer_text; /* the target's answer (or, shadowed, what would be sent) */
	bool shadowed;
	bool looked_up; /* the target was asked, and said it is done */
	int64_t retry_base_us;
	int64_t unknown_wait_us; /* an unknown outcome is asked about no sooner */
	struct ordex_tenant_settings settings;
};
int ordex_outbox_settle(struct ordex_store *st, struct ordex_audit *au,
                        const struct ordex_scope *sc, int64_t now, void *ctx);

/* A person retries or cancels a dead row (ctx: struct ordex_outbox_decide). */
struct ordex_outbox_decide {
	struct ordex_cmd_result res;
	int64_t id;
	const char *verb; /* retry, cancel */
	const char *actor;
	const char *reason;
	struct ordex_arena *a;
	struct ordex_tenant_settings settings;
	const char *status; /* out */
};
int ordex_outbox_decide(struct ordex_store *st, struct ordex_audit *au,
                        const struct ordex_scope *sc, int64_t now, void *ctx);

/*
 * After a restart: every row that was being sent is unknown, due after wait_us
 * (a request's whole time); n says how many (ctx: struct ordex_outbox_recovery).
 */
struct ordex_outbox_recovery {
	int64_t wait_us;
	int64_t n; /* out */
};
int ordex_outbox_recover(struct ordex_store *st, struct ordex_audit *au,
                         const struct ordex_scope *sc, int64_t now, void *ctx);

/*
 * A refund the payment provider reports (payment.refunded at seq): when it
 * is ordex's own writeback (its key, or the refund's id already known),
 * the row is settled delivered from it, never booked twice; a difference
 * from what ordex sent, or a delivered refund the provider reports failed
 * or cancelled, is a conflict on the order.
 */
int ordex_outbox_echo(struct ordex_apply *ap, const char *key, const char *refund_ref,
                      const char *refund_status, int64_t amount, const char *currency,
                      const char *payment_ref, const char *order_ref, int64_t seq,
                      const char *event);

#endif
