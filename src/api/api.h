/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.h - the HTTP API's route table (one handler file per resource).
 */
#ifndef ORDEX_API_H
#define ORDEX_API_H

#include <stddef.h>

#include "http/request.h"

extern const struct ordex_route ordex_api_routes[];
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
