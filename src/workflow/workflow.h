/* SPDX-License-Identifier: Apache-2.0 */
/*
 * workflow.h - from exception to decision: cases, actions and approvals
 * (DESIGN.md sections 5 and 6, docs/internals/workflow.md).
 *
 * Cases follow their order's exceptions inside the writer's transaction
 * (ordex_case_sync, called by the detector engine): the first exception
 * opens a case in the queue the policy gives its kind, with an SLA clock;
 * a new exception within the reopening window brings a resolved case back;
 * when every exception clears, a case that is not being acted on resolves
 * by itself and its pending actions are cancelled.
 *
 * Everything people do goes through the writer as a command (functions of
 * the writer's command type, with a context struct of inputs and results):
 * claiming, assigning, commenting, attaching evidence, proposing an action,
 * approving, rejecting, overriding. Each is audited and written to the
 * case's history in the same transaction. A refusal sets code, field and
 * why in the context and changes nothing.
 *
 * Hard rules no policy can loosen: the requester of an action never
 * approves it; an approval binds to the SHA-256 of the exact payload (a
 * changed payload needs new approvals); a refund never exceeds what was
 * captured less what was refunded and what approved refunds hold, and is in
 * the charge's currency; fulfilment is not released while a fraud review is
 * open.
 */
#ifndef ORDEX_WORKFLOW_H
#define ORDEX_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/event.h" /* struct ordex_problems */

struct ordex_apply;
struct ordex_arena;
struct ordex_audit;
struct ordex_json;
struct ordex_policy;
struct ordex_scope;
struct ordex_store;

/* What detection found on one order, for its case. */
struct ordex_case_change {
	const char *order_ref;
	int n_open;         /* conditions that hold now */
	const char **kinds; /* their kinds, highest priority first */
	int priority;       /* the highest of them */
	bool opened;        /* an exception was opened or reopened */
	bool had_open;      /* an exception was open before */
	const char *cause;  /* the event or timer, as "source/id" */
};

int ordex_case_sync(struct ordex_apply *ap, const struct ordex_case_change *ch);

/* The result every command context starts with. */
struct ordex_cmd_result {
	int code;          /* 0: done; else the HTTP status of the refusal */
	const char *field; /* the field at fault, or NULL */
	const char *why;
};

/* Whether a principal may act on a case (its order in the customer scope). */
struct ordex_actor {
	const char *name; /* "key:ordex_ab12cd", "user:ana" */
	const char *role;
	const char *brand, *region, *segment;
};

struct ordex_case_cmd {
	struct ordex_cmd_result res;
	struct ordex_actor actor;
	int64_t case_id;
	const char *verb; /* claim, release, assign, comment, evidence, message */
	const char *text; /* comment, message */
	const char *assignee;
	const char *sha256, *name, *content_type; /* evidence: stored once by its hash */
	const unsigned char *bytes;
	size_t size;
	struct ordex_arena *a; /* the caller's: what a refusal says lives there */
};

int ordex_case_command(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                       int64_t now, void *ctx);

/* The largest evidence file. */
#define ORDEX_EVIDENCE_MAX ((size_t)5 << 20)
/*
 * Whether bytes may be kept as evidence of media type type (lower case, no
 * parameters): NULL when they may, else why not. The types allowed are
 * images (PNG, JPEG, GIF, WebP), PDF, plain text, CSV and e-mail; a binary
 * type's bytes must start as that type does, a text holds no NUL.
 */
const char *ordex_evidence_check(const char *type, const unsigned char *bytes, size_t n);

struct ordex_action_cmd {
	struct ordex_cmd_result res;
	struct ordex_actor actor;
	const char *verb; /* propose, approve, reject, override, change */
	int64_t case_id;  /* propose */
	int64_t action_id;
	const char *kind;                 /* propose, override */
	const struct ordex_json *payload; /* propose, override, change */
	const char *payload_hash;         /* approve: the hex SHA-256 the approver saw */
	const char *reason;               /* reject, override, propose */
	struct ordex_arena *a;            /* the request's */
	bool submit; /* propose: route it now (false: a draft, case "proposed") */
	/* results */
	int64_t new_action_id;
	const char *status;
	int approvals_have, approvals_need;
	struct ordex_problems problems; /* every problem of a refused payload */
};

int ordex_action_command(struct ordex_store *st, struct ordex_audit *au,
                         const struct ordex_scope *sc, int64_t now, void *ctx);

/*
 * What draft would change against the policy in force: the queue of every
 * active case's leading kind, its SLA hours, the route of every action of
 * the history (decided ones: how it would have been routed), written to w
 * as {"in_force", "cases_checked", "active_cases", "actions_checked",
 * "actions_unroutable", "queue_changes", "sla_changes", "route_changes"}.
 */
struct ordex_jw;
/* The cases a policy test looks at, highest priority first ("truncated" past them). */
#define ORDEX_POLICY_TEST_MAX_CASES 20000
int ordex_policy_compare(struct ordex_store *st, const struct ordex_scope *sc,
                         struct ordex_arena *a, const struct ordex_policy *draft,
                         struct ordex_jw *w);

/*
 * What writeback did with an approved action: "executing" (sent, or sent
 * again after a person retried it), "executed", "failed" (why: the
 * target's refusal), "cancelled", "shadowed" (recorded, not sent). The
 * case follows: carried out with nothing else under way, it resolves;
 * failed, it is open again with the error in its history.
 */
int ordex_action_outcome(struct ordex_store *st, struct ordex_audit *au,
                         const struct ordex_scope *sc, int64_t now, struct ordex_arena *a,
                         int64_t action_id, const char *outcome, const char *why);

/* The canonical form of a JSON value: members sorted by name, compact. */
char *ordex_canonical_json(struct ordex_arena *a, const struct ordex_json *v);

/* Lower-case hex of 32 bytes into out (65). */
void ordex_hex32(const unsigned char h[32], char out[65]);

#endif
