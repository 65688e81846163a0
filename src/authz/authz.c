/* SPDX-License-Identifier: Apache-2.0 */
/*
 * authz.c - roles as sets of operations, key scopes as a mask over them,
 * and the one decision every handler asks for (see authz.h).
 */
#include "authz/authz.h"

#include <string.h>

#include "core/common.h"

typedef uint32_t opset; /* bit per enum ordex_op */

#define OP(o) ((opset)1 << (o))

_Static_assert(ORDEX_OP_COUNT <= 32, "operations must fit an opset");

static const char *const op_names[ORDEX_OP_COUNT] = {
    [ORDEX_OP_EVENTS_INGEST] = "events.ingest",
    [ORDEX_OP_EXCEPTIONS_READ] = "exceptions.read",
    [ORDEX_OP_ORDERS_READ] = "orders.read",
    [ORDEX_OP_CUSTOMERS_READ] = "customers.read",
    [ORDEX_OP_INVENTORY_READ] = "inventory.read",
    [ORDEX_OP_WEBHOOKS_READ] = "webhooks.read",
    [ORDEX_OP_CONNECTORS_READ] = "connectors.read",
    [ORDEX_OP_CONNECTORS_WRITE] = "connectors.write",
    [ORDEX_OP_IDENTITY_READ] = "identity.read",
    [ORDEX_OP_IDENTITY_DECIDE] = "identity.decide",
    [ORDEX_OP_CASES_READ] = "cases.read",
    [ORDEX_OP_CASES_WORK] = "cases.work",
    [ORDEX_OP_CASES_ASSIGN] = "cases.assign",
    [ORDEX_OP_ACTIONS_PROPOSE] = "actions.propose",
    [ORDEX_OP_APPROVE_OPS] = "approve.ops",
    [ORDEX_OP_APPROVE_FRAUD] = "approve.fraud",
    [ORDEX_OP_APPROVE_FINANCE] = "approve.finance",
    [ORDEX_OP_POLICIES_READ] = "policies.read",
    [ORDEX_OP_POLICIES_WRITE] = "policies.write",
    [ORDEX_OP_TARGETS_READ] = "targets.read",
    [ORDEX_OP_TARGETS_WRITE] = "targets.write",
    [ORDEX_OP_AUDIT_READ] = "audit.read",
    [ORDEX_OP_AUDIT_VERIFY] = "audit.verify",
    [ORDEX_OP_USAGE_READ] = "usage.read",
    [ORDEX_OP_METRICS_READ] = "metrics.read",
    [ORDEX_OP_PRINCIPALS_MANAGE] = "principals.manage",
    [ORDEX_OP_TENANT_MANAGE] = "tenant.manage",
};

static const char *const role_names[ORDEX_ROLE_COUNT] = {
    [ORDEX_ROLE_VIEWER] = "viewer",
    [ORDEX_ROLE_SUPPORT_AGENT] = "support_agent",
    [ORDEX_ROLE_OPS_REVIEWER] = "ops_reviewer",
    [ORDEX_ROLE_FRAUD_REVIEWER] = "fraud_reviewer",
    [ORDEX_ROLE_FINANCE_APPROVER] = "finance_approver",
    [ORDEX_ROLE_ADMIN] = "admin",
    [ORDEX_ROLE_AUDITOR] = "auditor",
    [ORDEX_ROLE_INGEST] = "ingest",
};

/* What every person reads: the operational picture, no configuration. */
#define READS                                                                                      \
	(OP(ORDEX_OP_EXCEPTIONS_READ) | OP(ORDEX_OP_ORDERS_READ) | OP(ORDEX_OP_CUSTOMERS_READ) |   \
	 OP(ORDEX_OP_INVENTORY_READ) | OP(ORDEX_OP_WEBHOOKS_READ) | OP(ORDEX_OP_CONNECTORS_READ) | \
	 OP(ORDEX_OP_IDENTITY_READ) | OP(ORDEX_OP_CASES_READ) | OP(ORDEX_OP_POLICIES_READ) |       \
	 OP(ORDEX_OP_TARGETS_READ))
/* Working a case: claim, comment, propose, draft. */
#define CASEWORK (OP(ORDEX_OP_CASES_WORK) | OP(ORDEX_OP_ACTIONS_PROPOSE))

static const opset role_ops[ORDEX_ROLE_COUNT] = {
    [ORDEX_ROLE_VIEWER] = READS,
    [ORDEX_ROLE_SUPPORT_AGENT] = READS | CASEWORK,
    [ORDEX_ROLE_OPS_REVIEWER] = READS | CASEWORK | OP(ORDEX_OP_CASES_ASSIGN) |
                                OP(ORDEX_OP_APPROVE_OPS) | OP(ORDEX_OP_IDENTITY_DECIDE),
    [ORDEX_ROLE_FRAUD_REVIEWER] = READS | CASEWORK | OP(ORDEX_OP_APPROVE_FRAUD),
    [ORDEX_ROLE_FINANCE_APPROVER] = READS | CASEWORK | OP(ORDEX_OP_APPROVE_FINANCE),
    /* an admin holds every operation, so that it can grant every role (a
     * grant never exceeds what the granter holds). Which roles may approve
     * an action is the policy's to say, at the approval gate, beside this */
    [ORDEX_ROLE_ADMIN] = (opset)((1ull << ORDEX_OP_COUNT) - 1),
    [ORDEX_ROLE_AUDITOR] = READS | OP(ORDEX_OP_AUDIT_READ) | OP(ORDEX_OP_AUDIT_VERIFY) |
                           OP(ORDEX_OP_USAGE_READ) | OP(ORDEX_OP_METRICS_READ),
    [ORDEX_ROLE_INGEST] = OP(ORDEX_OP_EVENTS_INGEST),
};

static const char *const scope_names[] = {"ingest", "read", "cases", "approve", "audit", "manage"};

/* Which scope an operation falls in. */
static unsigned scope_of(enum ordex_op op)
{
	switch (op) {
	case ORDEX_OP_EVENTS_INGEST: return ORDEX_SCOPE_INGEST;
	case ORDEX_OP_CASES_WORK:
	case ORDEX_OP_CASES_ASSIGN:
	case ORDEX_OP_ACTIONS_PROPOSE: return ORDEX_SCOPE_CASES;
	case ORDEX_OP_APPROVE_OPS:
	case ORDEX_OP_APPROVE_FRAUD:
	case ORDEX_OP_APPROVE_FINANCE: return ORDEX_SCOPE_APPROVE;
	case ORDEX_OP_AUDIT_READ:
	case ORDEX_OP_AUDIT_VERIFY:
	case ORDEX_OP_USAGE_READ:
	case ORDEX_OP_METRICS_READ: return ORDEX_SCOPE_AUDIT;
	case ORDEX_OP_CONNECTORS_WRITE:
	case ORDEX_OP_IDENTITY_DECIDE:
	case ORDEX_OP_POLICIES_WRITE:
	case ORDEX_OP_TARGETS_WRITE:
	case ORDEX_OP_PRINCIPALS_MANAGE:
	case ORDEX_OP_TENANT_MANAGE: return ORDEX_SCOPE_MANAGE;
	default: return ORDEX_SCOPE_READ;
	}
}

/* The operations a principal may perform, anywhere it can see. */
static opset effective(const struct ordex_principal *p)
{
	if ((unsigned)p->role >= ORDEX_ROLE_COUNT)
		return 0;
	opset ops = role_ops[p->role];
	if (!p->scopes)
		return ops;
	opset kept = 0;
	for (int op = 0; op < ORDEX_OP_COUNT; op++)
		if ((ops & OP(op)) && (scope_of((enum ordex_op)op) & p->scopes))
			kept |= OP(op);
	return kept;
}

/* Operations that reach beyond any one customer: sending events (which may
 * name or relabel any order), tenant-wide configuration, identity merges,
 * and the reads of what spans every customer (webhook deliveries, identity
 * suggestions across customers, metering, the audit log, the service's
 * metrics, policies and scope rules, which name other customers' brands,
 * regions and segments, and the writeback outbox), which no view narrows
 * to a customer scope. */
#define TENANT_WIDE                                                                                \
	(OP(ORDEX_OP_EVENTS_INGEST) | OP(ORDEX_OP_CONNECTORS_WRITE) |                              \
	 OP(ORDEX_OP_IDENTITY_DECIDE) | OP(ORDEX_OP_POLICIES_WRITE) | OP(ORDEX_OP_TARGETS_WRITE) | \
	 OP(ORDEX_OP_TENANT_MANAGE) | OP(ORDEX_OP_WEBHOOKS_READ) | OP(ORDEX_OP_IDENTITY_READ) |    \
	 OP(ORDEX_OP_USAGE_READ) | OP(ORDEX_OP_AUDIT_READ) | OP(ORDEX_OP_AUDIT_VERIFY) |           \
	 OP(ORDEX_OP_METRICS_READ) | OP(ORDEX_OP_POLICIES_READ) | OP(ORDEX_OP_TARGETS_READ))

static bool limited(const struct ordex_customer_scope *cs)
{
	return cs->brand || cs->region || cs->segment;
}

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

bool ordex_authz_in_customer_scope(const struct ordex_customer_scope *cs, const char *brand,
                                   const char *region, const char *segment)
{
	return (!cs->brand || same(cs->brand, brand)) &&
	       (!cs->region || same(cs->region, region)) &&
	       (!cs->segment || same(cs->segment, segment));
}

static struct ordex_authz_decision decide(enum ordex_authz_result r, const char *why)
{
	return (struct ordex_authz_decision){r, why};
}

struct ordex_authz_decision ordex_authz_check(const struct ordex_principal *p, enum ordex_op op,
                                              const struct ordex_resource *res)
{
	if ((unsigned)op >= ORDEX_OP_COUNT)
		return decide(ORDEX_AUTHZ_FORBIDDEN, "no such operation");
	if (!p || !p->env || p->tenant <= 0)
		return decide(ORDEX_AUTHZ_FORBIDDEN, "no principal");
	if ((unsigned)p->role >= ORDEX_ROLE_COUNT)
		return decide(ORDEX_AUTHZ_FORBIDDEN, "the role is not known");
	if (!(role_ops[p->role] & OP(op)))
		return decide(ORDEX_AUTHZ_FORBIDDEN, "the role does not include this operation");
	if (!(effective(p) & OP(op)))
		return decide(ORDEX_AUTHZ_FORBIDDEN,
		              "the key's scopes do not include this operation");
	if (limited(&p->customers) && (OP(op) & TENANT_WIDE))
		return decide(ORDEX_AUTHZ_FORBIDDEN,
		              "a principal limited to some customers cannot send events, change "
		              "what all customers share, or read what spans them all");
	if (!res)
		return decide(ORDEX_AUTHZ_ALLOW, "allowed");
	if (res->tenant != p->tenant || !same(res->env, p->env))
		return decide(ORDEX_AUTHZ_NOT_FOUND, "not found");
	if (!ordex_authz_in_customer_scope(&p->customers, res->brand, res->region, res->segment))
		return decide(ORDEX_AUTHZ_NOT_FOUND, "not found");
	return decide(ORDEX_AUTHZ_ALLOW, "allowed");
}

bool ordex_authz_within(const struct ordex_customer_scope *grantee,
                        const struct ordex_customer_scope *granter)
{
	return (!granter->brand || same(granter->brand, grantee->brand)) &&
	       (!granter->region || same(granter->region, grantee->region)) &&
	       (!granter->segment || same(granter->segment, grantee->segment));
}

struct ordex_authz_decision ordex_authz_can_grant(const struct ordex_principal *granter,
                                                  const struct ordex_principal *grantee)
{
	struct ordex_authz_decision d =
	    ordex_authz_check(granter, ORDEX_OP_PRINCIPALS_MANAGE, NULL);
	if (d.result != ORDEX_AUTHZ_ALLOW)
		return d;
	if (grantee->tenant != granter->tenant || !same(grantee->env, granter->env))
		return decide(ORDEX_AUTHZ_FORBIDDEN,
		              "a grant stays within the granter's tenant and environment");
	if ((unsigned)grantee->role >= ORDEX_ROLE_COUNT)
		return decide(ORDEX_AUTHZ_FORBIDDEN, "the role is not known");
	if (grantee->scopes & ~(unsigned)ORDEX_SCOPE_ALL)
		return decide(ORDEX_AUTHZ_FORBIDDEN, "a scope is not known");
	opset have = effective(granter), want = effective(grantee);
	if (want & ~have)
		return decide(ORDEX_AUTHZ_FORBIDDEN,
		              "the grant includes operations the granter does not hold");
	if (!ordex_authz_within(&grantee->customers, &granter->customers))
		return decide(ORDEX_AUTHZ_FORBIDDEN,
		              "the grant reaches customers outside the granter's scope");
	return decide(ORDEX_AUTHZ_ALLOW, "allowed");
}

const char *ordex_role_name(enum ordex_role r)
{
	return (unsigned)r < ORDEX_ROLE_COUNT ? role_names[r] : "unknown";
}

int ordex_role_parse(const char *name)
{
	for (int i = 0; name && i < ORDEX_ROLE_COUNT; i++)
		if (!strcmp(role_names[i], name))
			return i;
	return -1;
}

const char *ordex_op_name(enum ordex_op op)
{
	return (unsigned)op < ORDEX_OP_COUNT ? op_names[op] : "unknown";
}

int ordex_op_parse(const char *name)
{
	for (int i = 0; name && i < ORDEX_OP_COUNT; i++)
		if (!strcmp(op_names[i], name))
			return i;
	return -1;
}

unsigned ordex_scope_parse(const char *name)
{
	for (size_t i = 0; name && i < ORDEX_ARRAY_LEN(scope_names); i++)
		if (!strcmp(scope_names[i], name))
			return 1u << i;
	return 0;
}

const char *ordex_scope_name(unsigned bit)
{
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(scope_names); i++)
		if (bit == 1u << i)
			return scope_names[i];
	return "unknown";
}
