/* SPDX-License-Identifier: Apache-2.0 */
/*
 * authz.h - who may do what: one decision for every request.
 *
 * A principal (a person's session or a service's key) acts in one tenant
 * and one environment, with one role, optionally narrowed by key scopes and
 * by a customer scope (brand, region, segment). ordex_authz_check decides
 * an operation on a resource:
 *
 *   1. the operation must be in the role and, when the key has scopes, in
 *      one of them; otherwise 403, whatever the resource (so a refusal
 *      never tells whether the object exists);
 *      A principal limited to some customers is also refused the operations
 *      that reach beyond them (sending events, tenant-wide configuration,
 *      identity merges);
 *   2. the resource must be in the principal's tenant, environment and
 *      customer scope; otherwise 404, exactly like an object that does not
 *      exist (an admin of one tenant is nobody in another).
 *
 * A check without a resource (a list, a count) is decided by step 1 alone;
 * the caller then filters what it returns with the same scope.
 */
#ifndef ORDEX_AUTHZ_H
#define ORDEX_AUTHZ_H

#include <stdbool.h>
#include <stdint.h>

enum ordex_role {
	ORDEX_ROLE_VIEWER,
	ORDEX_ROLE_SUPPORT_AGENT,
	ORDEX_ROLE_OPS_REVIEWER,
	ORDEX_ROLE_FRAUD_REVIEWER,
	ORDEX_ROLE_FINANCE_APPROVER,
	ORDEX_ROLE_ADMIN,
	ORDEX_ROLE_AUDITOR,
	ORDEX_ROLE_INGEST, /* a service identity that only sends events */
	ORDEX_ROLE_COUNT,
};

/* Every operation of the API, present and planned, by what it touches. */
enum ordex_op {
	ORDEX_OP_EVENTS_INGEST,     /* POST /v1/events */
	ORDEX_OP_EXCEPTIONS_READ,   /* lists and counts of exceptions */
	ORDEX_OP_ORDERS_READ,       /* an order, its timeline and evidence */
	ORDEX_OP_CUSTOMERS_READ,    /* customers and their orders */
	ORDEX_OP_INVENTORY_READ,    /* stock levels and demand */
	ORDEX_OP_WEBHOOKS_READ,     /* webhook deliveries and their outcomes */
	ORDEX_OP_CONNECTORS_READ,   /* connectors, never their secrets */
	ORDEX_OP_CONNECTORS_WRITE,  /* add, rotate, remove */
	ORDEX_OP_IDENTITY_READ,     /* identity suggestions */
	ORDEX_OP_IDENTITY_DECIDE,   /* confirm, dismiss, undo a suggestion */
	ORDEX_OP_CASES_READ,        /* cases, queues, comments */
	ORDEX_OP_CASES_WORK,        /* claim, comment, attach evidence */
	ORDEX_OP_CASES_ASSIGN,      /* assign to others, reopen */
	ORDEX_OP_ACTIONS_PROPOSE,   /* propose an action, draft a message */
	ORDEX_OP_APPROVE_OPS,       /* holds, releases, reships, address fixes */
	ORDEX_OP_APPROVE_FRAUD,     /* fraud-sensitive actions */
	ORDEX_OP_APPROVE_FINANCE,   /* refunds and credits */
	ORDEX_OP_POLICIES_READ,     /* routing and approval policies */
	ORDEX_OP_POLICIES_WRITE,    /* upload, activate */
	ORDEX_OP_TARGETS_READ,      /* write-back targets and deliveries */
	ORDEX_OP_TARGETS_WRITE,     /* configure targets, retry or cancel */
	ORDEX_OP_AUDIT_READ,        /* the audit log */
	ORDEX_OP_AUDIT_VERIFY,      /* verify the hash chain */
	ORDEX_OP_USAGE_READ,        /* metering for cost attribution */
	ORDEX_OP_METRICS_READ,      /* GET /metrics */
	ORDEX_OP_PRINCIPALS_MANAGE, /* people, keys, grants */
	ORDEX_OP_TENANT_MANAGE,     /* tenant settings, environments, limits */
	ORDEX_OP_COUNT,
};

/*
 * Key scopes narrow a role: a key with scopes may do only the operations of
 * its role that also fall in one of them. No scope at all: the whole role.
 */
enum ordex_scope_bit {
	ORDEX_SCOPE_INGEST = 1u << 0,  /* send events */
	ORDEX_SCOPE_READ = 1u << 1,    /* read orders, exceptions, stock, ... */
	ORDEX_SCOPE_CASES = 1u << 2,   /* work cases, propose actions */
	ORDEX_SCOPE_APPROVE = 1u << 3, /* approve actions */
	ORDEX_SCOPE_AUDIT = 1u << 4,   /* audit log, usage, metrics */
	ORDEX_SCOPE_MANAGE = 1u << 5,  /* configuration and principals */
	ORDEX_SCOPE_ALL = (1u << 6) - 1,
};

/* The customers a principal is limited to; NULL in a dimension: any. */
struct ordex_customer_scope {
	const char *brand, *region, *segment;
};

struct ordex_principal {
	int64_t tenant;
	const char *env;
	enum ordex_role role;
	unsigned scopes; /* ORDEX_SCOPE_* bits; 0: not narrowed */
	struct ordex_customer_scope customers;
};

/* Where an object lives and which customers it belongs to. */
struct ordex_resource {
	int64_t tenant;
	const char *env;
	const char *brand, *region, *segment; /* NULL: not set on the object */
};

enum ordex_authz_result {
	ORDEX_AUTHZ_ALLOW,
	ORDEX_AUTHZ_FORBIDDEN, /* 403: the operation is not the principal's */
	ORDEX_AUTHZ_NOT_FOUND, /* 404: the object is not the principal's to see */
};

struct ordex_authz_decision {
	enum ordex_authz_result result;
	const char *reason; /* static text for the answer and the audit entry */
};

/* Decides op on res (NULL: a list or count, decided by the operation alone). */
struct ordex_authz_decision ordex_authz_check(const struct ordex_principal *p, enum ordex_op op,
                                              const struct ordex_resource *res);

/*
 * May granter give a principal these powers? Only with PRINCIPALS_MANAGE,
 * within its own tenant and environment, and never more than it holds: every
 * operation of the new role and scopes must be granter's own, and the new
 * customer scope at least as narrow as granter's.
 */
struct ordex_authz_decision ordex_authz_can_grant(const struct ordex_principal *granter,
                                                  const struct ordex_principal *grantee);

/*
 * Is every customer `inner` may see one `outer` may see? (A grant must be
 * within its granter's scope; a limited principal lists only the principals
 * within its own.)
 */
bool ordex_authz_within(const struct ordex_customer_scope *inner,
                        const struct ordex_customer_scope *outer);

/* Is the customer scope satisfied by these attributes? */
bool ordex_authz_in_customer_scope(const struct ordex_customer_scope *cs, const char *brand,
                                   const char *region, const char *segment);

/* Names: "viewer", ...; "events.ingest", ... Parsing returns -1 when unknown. */
const char *ordex_role_name(enum ordex_role r);
int ordex_role_parse(const char *name);
const char *ordex_op_name(enum ordex_op op);
int ordex_op_parse(const char *name);
/* "ingest", "read", ...: one scope bit, or 0 when unknown */
unsigned ordex_scope_parse(const char *name);
const char *ordex_scope_name(unsigned bit);

#endif
