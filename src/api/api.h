/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.h - the HTTP API's route table (one handler file per resource).
 */
#ifndef ORDEX_API_H
#define ORDEX_API_H

#include <stddef.h>
#include <stdint.h>

#include "http/request.h"

extern const struct ordex_route ordex_api_routes[];

/* ---- what the handlers share (common.c) ---- */
struct ordex_json;
struct ordex_problems;
/* 503 answers: the database cannot be read; the writer takes nothing more. */
void ordex_api_unavailable(struct ordex_req *rq);
void ordex_api_shutting_down(struct ordex_req *rq);
/* The decimal id at the start of s (then '/' or the end; *after: what follows); 0: none. */
int64_t ordex_api_id(const char *s, const char **after);
/*
 * The body as JSON (empty: {}): members not among allowed (NULL-terminated;
 * names lists them for people), or a body that is not an object, are added
 * to probs. NULL when the body is not JSON (the 400 is answered).
 */
struct ordex_json *ordex_api_body(struct ordex_req *rq, const char *const *allowed,
                                  const char *names, struct ordex_problems *probs);
/* The same, answering 422 when a member is not allowed; NULL when answered. */
struct ordex_json *ordex_api_body_object(struct ordex_req *rq, const char *const *allowed,
                                         const char *names);
/* ?limit= (1-500) into *limit when given; a problem when it is not valid. */
int ordex_api_limit(struct ordex_req *rq, int *limit, struct ordex_problems *probs);
/* ?cursor= as a seq or id to list below (INT64_MAX: from the newest). */
int ordex_api_seq_cursor(struct ordex_req *rq, int64_t *before, struct ordex_problems *probs);
extern const size_t ordex_api_routes_count;

void ordex_api_health(struct ordex_req *rq);
void ordex_api_metrics(struct ordex_req *rq);
void ordex_api_events_post(struct ordex_req *rq);
void ordex_api_exceptions_list(struct ordex_req *rq);
void ordex_api_order_get(struct ordex_req *rq);
void ordex_api_inventory_get(struct ordex_req *rq);
void ordex_api_webhook_post(struct ordex_req *rq);
void ordex_api_webhooks_stats(struct ordex_req *rq);
void ordex_api_connectors_post(struct ordex_req *rq);
void ordex_api_connectors_list(struct ordex_req *rq);
void ordex_api_suggestions_list(struct ordex_req *rq);
void ordex_api_suggestion_decide(struct ordex_req *rq);
/*
 * The "customers" member of a grant ({"brand","region","segment"}) into
 * out (brand, region, segment; NULL: any); without it, the caller's own
 * limits. Problems name the field.
 */
struct ordex_json;
struct ordex_problems;
int ordex_api_customers(struct ordex_req *rq, const struct ordex_json *doc, const char *out[3],
                        struct ordex_problems *probs);
void ordex_api_keys_list(struct ordex_req *rq);
void ordex_api_usage_get(struct ordex_req *rq);
void ordex_api_users_post(struct ordex_req *rq);
void ordex_api_users_list(struct ordex_req *rq);
void ordex_api_users_delete(struct ordex_req *rq);
void ordex_api_sessions_post(struct ordex_req *rq);
void ordex_api_sessions_delete(struct ordex_req *rq);
void ordex_api_keys_post(struct ordex_req *rq);
void ordex_api_keys_delete(struct ordex_req *rq);
void ordex_api_tenant_get(struct ordex_req *rq);
void ordex_api_tenant_patch(struct ordex_req *rq);
void ordex_api_tenants_post(struct ordex_req *rq);
void ordex_api_roles_get(struct ordex_req *rq);
void ordex_api_scope_rules_get(struct ordex_req *rq);
void ordex_api_scope_rules_put(struct ordex_req *rq);
void ordex_api_cases_list(struct ordex_req *rq);
void ordex_api_policies_get(struct ordex_req *rq);
void ordex_api_policy_versions(struct ordex_req *rq);
void ordex_api_policies_put(struct ordex_req *rq);
void ordex_api_policies_test(struct ordex_req *rq);

void ordex_api_case_get(struct ordex_req *rq);
void ordex_api_case_post(struct ordex_req *rq);
void ordex_api_action_get(struct ordex_req *rq);
void ordex_api_action_post(struct ordex_req *rq);
void ordex_api_action_patch(struct ordex_req *rq);

void ordex_api_targets_post(struct ordex_req *rq);
void ordex_api_targets_list(struct ordex_req *rq);
void ordex_api_targets_delete(struct ordex_req *rq);
void ordex_api_writebacks_list(struct ordex_req *rq);
void ordex_api_writeback_get(struct ordex_req *rq);
void ordex_api_writeback_post(struct ordex_req *rq);
void ordex_api_audit_list(struct ordex_req *rq);
void ordex_api_audit_verify(struct ordex_req *rq);

#endif
