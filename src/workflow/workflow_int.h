/* SPDX-License-Identifier: Apache-2.0 */
/*
 * workflow_int.h - what the workflow's files share (case.c, action.c).
 */
#ifndef ORDEX_WORKFLOW_INT_H
#define ORDEX_WORKFLOW_INT_H

#include <stdint.h>

struct ordex_action_row;
struct ordex_arena;
struct ordex_json;

struct ordex_audit;
struct ordex_case_row;
struct ordex_cmd_result;
struct ordex_actor;
struct ordex_policy;
struct ordex_scope;
struct ordex_store;

/* Writes kind (and its body) to the case's history and to the audit log. */
int ordex__case_record(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                       int64_t now, int64_t case_id, const char *kind, const char *actor,
                       const char *body);
/* A history entry's body: the case as it now stands, what happened, who, why. */
char *ordex__case_body(struct ordex_arena *a, const struct ordex_case_row *c, const char *what,
                       const char *actor, const char *why);
/* Sets the case's SLA clock from now by its queue's hours and arms its timer. */
int ordex__case_arm_sla(struct ordex_store *st, const struct ordex_scope *sc,
                        struct ordex_case_row *c, const struct ordex_policy *pol, int64_t now);
/* Cancels the case's drafts and actions awaiting approval but except, for why. */
int ordex__case_cancel_pending(struct ordex_store *st, struct ordex_audit *au,
                               const struct ordex_scope *sc, int64_t now, struct ordex_arena *a,
                               const struct ordex_case_row *c, int64_t except, const char *why);
/* Fills r with a refusal and returns ORDEX_E_INVAL (the command changes nothing). */
int ordex__refuse(struct ordex_cmd_result *r, int code, const char *field, const char *why);
/* The case, when the actor may see it (404 in r otherwise). */
int ordex__case_for(struct ordex_store *st, const struct ordex_scope *sc,
                    const struct ordex_actor *actor, int64_t id, struct ordex_arena *a,
                    struct ordex_case_row *c, struct ordex_cmd_result *r);

/*
 * What the policy's routes see of a stored action: its payload and amount
 * as stored, its order as it is now (ORDEX_E_INVAL: the order is gone;
 * the requester's role is not kept, so it is null).
 */
int ordex__action_route_data(struct ordex_store *st, const struct ordex_scope *sc,
                             struct ordex_arena *a, const struct ordex_action_row *r,
                             const struct ordex_case_row *c, struct ordex_json **out);

#endif
