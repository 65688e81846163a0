/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes.c - which handler serves which path. A prefix ending in '/'
 * matches everything below it; the rest is the resource's id.
 */
#include "api/api.h"
#include "authz/authz.h"

const struct ordex_route ordex_api_routes[] = {
    {"GET", "/healthz", ORDEX_ROUTE_PUBLIC, ordex_api_health, NULL},
    {"GET", "/readyz", ORDEX_ROUTE_PUBLIC, ordex_api_health, NULL},
    {"GET", "/metrics", ORDEX_OP_METRICS_READ, ordex_api_metrics, NULL},
    {"POST", "/v1/events", ORDEX_OP_EVENTS_INGEST, ordex_api_events_post, NULL},
    {"GET", "/v1/exceptions", ORDEX_OP_EXCEPTIONS_READ, ordex_api_exceptions_list, NULL},
    {"GET", "/v1/orders/", ORDEX_OP_ORDERS_READ, ordex_api_order_get, NULL},
    {"GET", "/v1/inventory/", ORDEX_OP_INVENTORY_READ, ordex_api_inventory_get, NULL},
    /* signed by the provider, not keyed: the handler checks the signature */
    {"POST", "/v1/webhooks/", ORDEX_ROUTE_PUBLIC, ordex_api_webhook_post, NULL},
    {"GET", "/v1/webhooks", ORDEX_OP_WEBHOOKS_READ, ordex_api_webhooks_stats, NULL},
    {"POST", "/v1/connectors", ORDEX_OP_CONNECTORS_WRITE, ordex_api_connectors_post, NULL},
    {"GET", "/v1/connectors", ORDEX_OP_CONNECTORS_READ, ordex_api_connectors_list, NULL},
    {"GET", "/v1/identity/suggestions", ORDEX_OP_IDENTITY_READ, ordex_api_suggestions_list, NULL},
    {"POST", "/v1/identity/suggestions/", ORDEX_OP_IDENTITY_DECIDE, ordex_api_suggestion_decide,
     NULL},
    {"GET", "/v1/keys", ORDEX_OP_PRINCIPALS_MANAGE, ordex_api_keys_list, NULL},
    {"GET", "/v1/usage", ORDEX_OP_USAGE_READ, ordex_api_usage_get, NULL},
    {"POST", "/v1/users", ORDEX_OP_PRINCIPALS_MANAGE, ordex_api_users_post, NULL},
    {"GET", "/v1/users", ORDEX_OP_PRINCIPALS_MANAGE, ordex_api_users_list, NULL},
    {"DELETE", "/v1/users/", ORDEX_OP_PRINCIPALS_MANAGE, ordex_api_users_delete, NULL},
    /* a person's password is the credential */
    {"POST", "/v1/sessions", ORDEX_ROUTE_PUBLIC, ordex_api_sessions_post, NULL},
    {"DELETE", "/v1/sessions", ORDEX_ROUTE_SIGNED_IN, ordex_api_sessions_delete, NULL},
    {"POST", "/v1/keys", ORDEX_OP_PRINCIPALS_MANAGE, ordex_api_keys_post, NULL},
    {"DELETE", "/v1/keys/", ORDEX_OP_PRINCIPALS_MANAGE, ordex_api_keys_delete, NULL},
    {"GET", "/v1/tenant", ORDEX_OP_TENANT_MANAGE, ordex_api_tenant_get, NULL},
    {"PATCH", "/v1/tenant", ORDEX_OP_TENANT_MANAGE, ordex_api_tenant_patch, NULL},
    /* the operator's tenant alone (the handler answers 404 to any other) */
    {"POST", "/v1/tenants", ORDEX_OP_TENANT_MANAGE, ordex_api_tenants_post, NULL},
    {"GET", "/v1/scope-rules", ORDEX_OP_POLICIES_READ, ordex_api_scope_rules_get, NULL},
    {"PUT", "/v1/scope-rules", ORDEX_OP_POLICIES_WRITE, ordex_api_scope_rules_put, NULL},
    {"GET", "/v1/policies", ORDEX_OP_POLICIES_READ, ordex_api_policies_get, NULL},
    {"GET", "/v1/policies/versions", ORDEX_OP_POLICIES_READ, ordex_api_policy_versions, NULL},
    {"PUT", "/v1/policies", ORDEX_OP_POLICIES_WRITE, ordex_api_policies_put, NULL},
    /* a draft tried on the whole history (nothing is stored): the policy
     * writer's tool, and work enough not to be every reader's */
    {"POST", "/v1/policies/test", ORDEX_OP_POLICIES_WRITE, ordex_api_policies_test, NULL},
    {"GET", "/v1/cases", ORDEX_OP_CASES_READ, ordex_api_cases_list, NULL},
    {"GET", "/v1/cases/", ORDEX_OP_CASES_READ, ordex_api_case_get, NULL},
    {"GET", "/v1/actions/", ORDEX_OP_CASES_READ, ordex_api_action_get, NULL},
    /* the operation depends on the verb (claim, assign, propose, approve ...):
     * the handlers decide, through the audited refusal */
    {"POST", "/v1/cases/", ORDEX_ROUTE_SIGNED_IN, ordex_api_case_post, "api.cases.work"},
    {"POST", "/v1/actions/", ORDEX_ROUTE_SIGNED_IN, ordex_api_action_post, "api.actions.decide"},
    {"PATCH", "/v1/actions/", ORDEX_ROUTE_SIGNED_IN, ordex_api_action_patch, "api.actions.change"},
    /* writeback: the other systems' targets, and what was sent to them */
    {"POST", "/v1/targets", ORDEX_OP_TARGETS_WRITE, ordex_api_targets_post, NULL},
    {"GET", "/v1/targets", ORDEX_OP_TARGETS_READ, ordex_api_targets_list, NULL},
    {"DELETE", "/v1/targets/", ORDEX_OP_TARGETS_WRITE, ordex_api_targets_delete, NULL},
    {"GET", "/v1/writebacks", ORDEX_OP_TARGETS_READ, ordex_api_writebacks_list, NULL},
    {"GET", "/v1/writebacks/", ORDEX_OP_TARGETS_READ, ordex_api_writeback_get, NULL},
    {"POST", "/v1/writebacks/", ORDEX_OP_TARGETS_WRITE, ordex_api_writeback_post, NULL},
    /* the audit log of the caller's environment, and the tenant's chain checked */
    {"GET", "/v1/audit", ORDEX_OP_AUDIT_READ, ordex_api_audit_list, NULL},
    {"GET", "/v1/audit/verify", ORDEX_OP_AUDIT_VERIFY, ordex_api_audit_verify, NULL},
    /* what each role and scope allows: any principal may ask */
    {"GET", "/v1/roles", ORDEX_ROUTE_SIGNED_IN, ordex_api_roles_get, "api.roles"},
};

const size_t ordex_api_routes_count = sizeof(ordex_api_routes) / sizeof(ordex_api_routes[0]);
