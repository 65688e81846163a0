/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_authz.c - the one authorization decision, against a reference model
 * written here independently: roles as lists of operation names, scopes as
 * a table of names, visibility as plain comparisons. The matrix test walks
 * every role x operation x key scope x tenant x environment x customer
 * scope x resource; the differential test draws a million random cases.
 * Both print their counts; a single mismatch or a single allow across
 * tenants fails.
 */
#include "testutil.h"

#include <stdio.h>

#include "authz/authz.h"

/* ---- the reference model ------------------------------------------------ */

/* What each role may do, written from the access rules, not from authz.c. */
static const struct {
	const char *role;
	const char *ops;
} ref_roles[] = {
    {"viewer", " exceptions.read orders.read customers.read inventory.read webhooks.read "
               "connectors.read identity.read cases.read policies.read targets.read "},
    {"support_agent", " exceptions.read orders.read customers.read inventory.read webhooks.read "
                      "connectors.read identity.read cases.read policies.read targets.read "
                      "cases.work actions.propose "},
    {"ops_reviewer", " exceptions.read orders.read customers.read inventory.read webhooks.read "
                     "connectors.read identity.read cases.read policies.read targets.read "
                     "cases.work actions.propose cases.assign approve.ops identity.decide "},
    {"fraud_reviewer", " exceptions.read orders.read customers.read inventory.read "
                       "webhooks.read connectors.read identity.read cases.read policies.read "
                       "targets.read cases.work actions.propose approve.fraud "},
    {"finance_approver", " exceptions.read orders.read customers.read inventory.read "
                         "webhooks.read connectors.read identity.read cases.read "
                         "policies.read targets.read cases.work actions.propose "
                         "approve.finance "},
    {"admin", " exceptions.read orders.read customers.read inventory.read webhooks.read "
              "connectors.read identity.read cases.read policies.read targets.read cases.work "
              "actions.propose cases.assign approve.ops approve.fraud approve.finance "
              "events.ingest connectors.write identity.decide policies.write targets.write "
              "audit.read audit.verify usage.read metrics.read principals.manage "
              "tenant.manage "},
    {"auditor", " exceptions.read orders.read customers.read inventory.read webhooks.read "
                "connectors.read identity.read cases.read policies.read targets.read "
                "audit.read audit.verify usage.read metrics.read "},
    {"ingest", " events.ingest "},
};

/* Which key scope each operation falls in. */
static const struct {
	const char *op, *scope;
} ref_scopes[] = {
    {"events.ingest", "ingest"},   {"exceptions.read", "read"},     {"orders.read", "read"},
    {"customers.read", "read"},    {"inventory.read", "read"},      {"webhooks.read", "read"},
    {"connectors.read", "read"},   {"connectors.write", "manage"},  {"identity.read", "read"},
    {"identity.decide", "manage"}, {"cases.read", "read"},          {"cases.work", "cases"},
    {"cases.assign", "cases"},     {"actions.propose", "cases"},    {"approve.ops", "approve"},
    {"approve.fraud", "approve"},  {"approve.finance", "approve"},  {"policies.read", "read"},
    {"policies.write", "manage"},  {"targets.read", "read"},        {"targets.write", "manage"},
    {"audit.read", "audit"},       {"audit.verify", "audit"},       {"usage.read", "audit"},
    {"metrics.read", "audit"},     {"principals.manage", "manage"}, {"tenant.manage", "manage"},
};

static const char *const ref_scope_names[] = {"ingest",  "read",  "cases",
                                              "approve", "audit", "manage"};

static bool ref_role_has(int role, const char *op)
{
	char word[64];
	snprintf(word, sizeof(word), " %s ", op);
	return strstr(ref_roles[role].ops, word) != NULL;
}

static bool ref_scope_has(unsigned mask, const char *op)
{
	if (!mask)
		return true;
	for (size_t i = 0; i < sizeof(ref_scopes) / sizeof(ref_scopes[0]); i++) {
		if (strcmp(ref_scopes[i].op, op) != 0)
			continue;
		for (int b = 0; b < 6; b++)
			if ((mask >> b & 1) && !strcmp(ref_scope_names[b], ref_scopes[i].scope))
				return true;
		return false;
	}
	return false;
}

static bool eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* 0 allow, 403, 404: the same rules, written as plainly as possible. */
static int ref_check(int tenant, const char *env, int role, unsigned scopes, const char *brand,
                     const char *op, bool has_res, int rtenant, const char *renv,
                     const char *rbrand)
{
	if (!ref_role_has(role, op) || !ref_scope_has(scopes, op))
		return 403;
	/* limited to some customers: nothing that reaches all of them, whether
	 * it changes them or reads them */
	static const char *const wide = " events.ingest connectors.write identity.decide "
	                                "policies.write targets.write tenant.manage "
	                                "webhooks.read identity.read usage.read audit.read "
	                                "audit.verify metrics.read policies.read targets.read ";
	char w[64];
	snprintf(w, sizeof(w), " %s ", op);
	if (brand && strstr(wide, w))
		return 403;
	if (!has_res)
		return 0;
	if (rtenant != tenant || strcmp(renv, env) != 0)
		return 404;
	if (brand && !eq(brand, rbrand))
		return 404;
	return 0;
}

static int code_of(struct ordex_authz_decision d)
{
	return d.result == ORDEX_AUTHZ_ALLOW ? 0 : d.result == ORDEX_AUTHZ_FORBIDDEN ? 403 : 404;
}

/* ---- one case through both ------------------------------------------------ */

struct tally {
	long decisions, mismatches, cross_tenant_allows, allows, forbidden, not_found;
};

static void one(struct tally *t, int tenant, const char *env, int role, unsigned scopes,
                const char *brand, int op, bool has_res, int rtenant, const char *renv,
                const char *rbrand)
{
	const char *op_name = ordex_op_name((enum ordex_op)op);
	int role_id = ordex_role_parse(ref_roles[role].role);
	assert_true(role_id >= 0);
	struct ordex_principal p = {.tenant = tenant,
	                            .env = env,
	                            .role = (enum ordex_role)role_id,
	                            .scopes = scopes,
	                            .customers = {.brand = brand}};
	struct ordex_resource r = {.tenant = rtenant, .env = renv, .brand = rbrand};
	int got = code_of(ordex_authz_check(&p, (enum ordex_op)op, has_res ? &r : NULL));
	int want =
	    ref_check(tenant, env, role, scopes, brand, op_name, has_res, rtenant, renv, rbrand);
	t->decisions++;
	if (got != want) {
		if (t->mismatches++ < 5)
			fprintf(stderr,
			        "mismatch: %s scopes %#x brand %s op %s on %s: got %d, the model "
			        "%d\n",
			        ref_roles[role].role, scopes, brand ? brand : "-", op_name,
			        has_res ? "an object" : "a list", got, want);
	}
	if (got == 0 && has_res && rtenant != tenant)
		t->cross_tenant_allows++;
	t->allows += got == 0;
	t->forbidden += got == 403;
	t->not_found += got == 404;
}

static const char *const envs[] = {"production", "sandbox"};
static const char *const brands[] = {NULL, "acme", "globex"};

/* Every combination: roles x operations x scopes x tenants x envs x
 * customer scopes x resources (none, and each tenant/env/brand). */
static void test_matrix_agrees_with_the_model(void **state)
{
	(void)state;
	const int n_roles = (int)(sizeof(ref_roles) / sizeof(ref_roles[0]));
	assert_int_equal(n_roles, ORDEX_ROLE_COUNT);
	assert_int_equal(sizeof(ref_scopes) / sizeof(ref_scopes[0]), ORDEX_OP_COUNT);
	/* no scope, each scope alone, and two pairs */
	const unsigned masks[] = {0,
	                          ORDEX_SCOPE_INGEST,
	                          ORDEX_SCOPE_READ,
	                          ORDEX_SCOPE_CASES,
	                          ORDEX_SCOPE_APPROVE,
	                          ORDEX_SCOPE_AUDIT,
	                          ORDEX_SCOPE_MANAGE,
	                          ORDEX_SCOPE_READ | ORDEX_SCOPE_CASES,
	                          ORDEX_SCOPE_INGEST | ORDEX_SCOPE_MANAGE};
	struct tally t = {0};
	for (int role = 0; role < n_roles; role++)
		for (int op = 0; op < ORDEX_OP_COUNT; op++)
			for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++)
				for (int tenant = 1; tenant <= 2; tenant++)
					for (int e = 0; e < 2; e++)
						for (int b = 0; b < 3; b++) {
							one(&t, tenant, envs[e], role, masks[m],
							    brands[b], op, false, 0, "", NULL);
							for (int rt = 1; rt <= 2; rt++)
								for (int re = 0; re < 2; re++)
									for (int rb = 0; rb < 3;
									     rb++)
										one(&t, tenant,
										    envs[e], role,
										    masks[m],
										    brands[b], op,
										    true, rt,
										    envs[re],
										    brands[rb]);
						}
	printf("authz matrix: %ld decisions (%ld allowed, %ld 403, %ld 404), %ld mismatches, %ld "
	       "allowed across tenants\n",
	       t.decisions, t.allows, t.forbidden, t.not_found, t.mismatches,
	       t.cross_tenant_allows);
	assert_int_equal(t.mismatches, 0);
	assert_int_equal(t.cross_tenant_allows, 0);
	assert_true(t.allows > 0 && t.forbidden > 0 && t.not_found > 0);
}

/* xorshift64*: the same sequence on every platform, unlike rand(). */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static void test_a_million_random_decisions_agree_with_the_model(void **state)
{
	(void)state;
	static const char *const some_envs[] = {"production", "sandbox", "staging"};
	static const char *const some_brands[] = {NULL, "acme", "globex", "initech"};
	struct tally t = {0};
	uint64_t s = 0x9e3779b97f4a7c15u;
	for (long i = 0; i < 1000000; i++) {
		uint64_t r = next_random(&s);
		int tenant = 1 + (int)(r % 3);
		const char *env = some_envs[(r >> 2) % 3];
		int role = (int)((r >> 4) % ORDEX_ROLE_COUNT);
		unsigned scopes = (r >> 8) % 3 == 0 ? 0 : (unsigned)((r >> 10) % 64);
		const char *brand = some_brands[(r >> 16) % 4];
		int op = (int)((r >> 18) % ORDEX_OP_COUNT);
		uint64_t r2 = next_random(&s);
		bool has_res = r2 % 5 != 0;
		int rtenant = 1 + (int)((r2 >> 3) % 3);
		const char *renv = some_envs[(r2 >> 5) % 3];
		const char *rbrand = some_brands[(r2 >> 7) % 4];
		one(&t, tenant, env, role, scopes, brand, op, has_res, rtenant, renv, rbrand);
	}
	printf("authz differential: %ld random decisions (%ld allowed, %ld 403, %ld 404), %ld "
	       "mismatches, %ld allowed across tenants\n",
	       t.decisions, t.allows, t.forbidden, t.not_found, t.mismatches,
	       t.cross_tenant_allows);
	assert_true(t.decisions >= 1000000);
	assert_int_equal(t.mismatches, 0);
	assert_int_equal(t.cross_tenant_allows, 0);
}

/* A few decisions spelled out, so that the rules read as they are meant. */
static void test_rules_as_written(void **state)
{
	(void)state;
	struct ordex_principal admin1 = {
	    .tenant = 1, .env = "production", .role = ORDEX_ROLE_ADMIN};
	struct ordex_resource order2 = {.tenant = 2, .env = "production"};
	struct ordex_resource order1 = {.tenant = 1, .env = "production", .brand = "acme"};
	struct ordex_resource sandbox1 = {.tenant = 1, .env = "sandbox"};
	/* an admin of one tenant is nobody in another, and sandbox is elsewhere */
	assert_int_equal(ordex_authz_check(&admin1, ORDEX_OP_ORDERS_READ, &order2).result,
	                 ORDEX_AUTHZ_NOT_FOUND);
	assert_int_equal(ordex_authz_check(&admin1, ORDEX_OP_ORDERS_READ, &sandbox1).result,
	                 ORDEX_AUTHZ_NOT_FOUND);
	assert_int_equal(ordex_authz_check(&admin1, ORDEX_OP_ORDERS_READ, &order1).result,
	                 ORDEX_AUTHZ_ALLOW);
	/* a viewer reads but does not approve money */
	struct ordex_principal viewer = {
	    .tenant = 1, .env = "production", .role = ORDEX_ROLE_VIEWER};
	assert_int_equal(ordex_authz_check(&viewer, ORDEX_OP_ORDERS_READ, &order1).result,
	                 ORDEX_AUTHZ_ALLOW);
	assert_int_equal(ordex_authz_check(&viewer, ORDEX_OP_APPROVE_FINANCE, &order1).result,
	                 ORDEX_AUTHZ_FORBIDDEN);
	/* an ingest key reads nothing, whether the object exists or not */
	struct ordex_principal ingest = {
	    .tenant = 1, .env = "production", .role = ORDEX_ROLE_INGEST};
	assert_int_equal(ordex_authz_check(&ingest, ORDEX_OP_ORDERS_READ, &order1).result,
	                 ORDEX_AUTHZ_FORBIDDEN);
	assert_int_equal(ordex_authz_check(&ingest, ORDEX_OP_ORDERS_READ, &order2).result,
	                 ORDEX_AUTHZ_FORBIDDEN);
	assert_int_equal(ordex_authz_check(&ingest, ORDEX_OP_EVENTS_INGEST, NULL).result,
	                 ORDEX_AUTHZ_ALLOW);
	/* an admin key narrowed to ingest sends events and manages nothing */
	struct ordex_principal narrowed = admin1;
	narrowed.scopes = ORDEX_SCOPE_INGEST;
	assert_int_equal(ordex_authz_check(&narrowed, ORDEX_OP_EVENTS_INGEST, NULL).result,
	                 ORDEX_AUTHZ_ALLOW);
	assert_int_equal(ordex_authz_check(&narrowed, ORDEX_OP_CONNECTORS_WRITE, NULL).result,
	                 ORDEX_AUTHZ_FORBIDDEN);
	/* a brand-limited agent sees its brand's orders only; unbranded are out */
	struct ordex_principal agent = {.tenant = 1,
	                                .env = "production",
	                                .role = ORDEX_ROLE_SUPPORT_AGENT,
	                                .customers = {.brand = "acme"}};
	struct ordex_resource globex = {.tenant = 1, .env = "production", .brand = "globex"};
	struct ordex_resource plain = {.tenant = 1, .env = "production"};
	assert_int_equal(ordex_authz_check(&agent, ORDEX_OP_ORDERS_READ, &order1).result,
	                 ORDEX_AUTHZ_ALLOW);
	assert_int_equal(ordex_authz_check(&agent, ORDEX_OP_ORDERS_READ, &globex).result,
	                 ORDEX_AUTHZ_NOT_FOUND);
	assert_int_equal(ordex_authz_check(&agent, ORDEX_OP_ORDERS_READ, &plain).result,
	                 ORDEX_AUTHZ_NOT_FOUND);
	/* unknown roles and operations are refused */
	struct ordex_principal odd = {.tenant = 1, .env = "production", .role = ORDEX_ROLE_COUNT};
	assert_int_equal(ordex_authz_check(&odd, ORDEX_OP_ORDERS_READ, NULL).result,
	                 ORDEX_AUTHZ_FORBIDDEN);
	assert_int_equal(ordex_authz_check(&admin1, ORDEX_OP_COUNT, NULL).result,
	                 ORDEX_AUTHZ_FORBIDDEN);
	assert_int_equal(ordex_role_parse("finance_approver"), ORDEX_ROLE_FINANCE_APPROVER);
	assert_int_equal(ordex_role_parse("root"), -1);
	assert_int_equal(ordex_op_parse(ordex_op_name(ORDEX_OP_APPROVE_FRAUD)),
	                 ORDEX_OP_APPROVE_FRAUD);
	assert_int_equal(ordex_scope_parse("approve"), ORDEX_SCOPE_APPROVE);
	assert_int_equal(ordex_scope_parse("everything"), 0);
}

/*
 * Grants: nobody gives what it does not hold. Every granter role x grantee
 * role x grantee scope, against the model: allowed exactly when the granter
 * manages principals and every operation the grantee would get is one the
 * granter has; and never across tenants or environments or to a wider
 * customer scope.
 */
static void test_nobody_grants_more_than_it_holds(void **state)
{
	(void)state;
	long checked = 0, allowed = 0;
	for (int gr = 0; gr < ORDEX_ROLE_COUNT; gr++)
		for (unsigned gs = 0; gs < 64; gs += 7)
			for (int ee = 0; ee < ORDEX_ROLE_COUNT; ee++)
				for (unsigned es = 0; es < 64; es++) {
					struct ordex_principal granter = {.tenant = 1,
					                                  .env = "production",
					                                  .role =
					                                      (enum ordex_role)gr,
					                                  .scopes = gs};
					struct ordex_principal grantee = {.tenant = 1,
					                                  .env = "production",
					                                  .role =
					                                      (enum ordex_role)ee,
					                                  .scopes = es};
					bool want = ref_role_has(gr, "principals.manage") &&
					            ref_scope_has(gs, "principals.manage");
					for (int op = 0; want && op < ORDEX_OP_COUNT; op++) {
						const char *n = ordex_op_name((enum ordex_op)op);
						if (ref_role_has(ee, n) && ref_scope_has(es, n) &&
						    !(ref_role_has(gr, n) && ref_scope_has(gs, n)))
							want = false;
					}
					bool got =
					    ordex_authz_can_grant(&granter, &grantee).result ==
					    ORDEX_AUTHZ_ALLOW;
					if (got != want)
						fail_msg("grant by %s/%#x of %s/%#x: got %d, the "
						         "model %d",
						         ordex_role_name(granter.role), gs,
						         ordex_role_name(grantee.role), es, got,
						         want);
					checked++;
					allowed += got;
					/* the same grant across a boundary is always refused */
					grantee.tenant = 2;
					assert_int_not_equal(
					    ordex_authz_can_grant(&granter, &grantee).result,
					    ORDEX_AUTHZ_ALLOW);
					grantee.tenant = 1;
					grantee.env = "sandbox";
					assert_int_not_equal(
					    ordex_authz_can_grant(&granter, &grantee).result,
					    ORDEX_AUTHZ_ALLOW);
				}
	printf("authz grants: %ld checked, %ld allowed\n", checked, allowed);
	assert_true(allowed > 0);
	/* an admin limited to one brand cannot create an unlimited principal */
	struct ordex_principal brand_admin = {.tenant = 1,
	                                      .env = "production",
	                                      .role = ORDEX_ROLE_ADMIN,
	                                      .customers = {.brand = "acme"}};
	struct ordex_principal wide = {.tenant = 1, .env = "production", .role = ORDEX_ROLE_VIEWER};
	assert_int_equal(ordex_authz_can_grant(&brand_admin, &wide).result, ORDEX_AUTHZ_FORBIDDEN);
	wide.customers.brand = "acme";
	assert_int_equal(ordex_authz_can_grant(&brand_admin, &wide).result, ORDEX_AUTHZ_ALLOW);
	/* an admin can create a finance approver; an admin key narrowed to
	 * management cannot, since approving is outside its scopes */
	struct ordex_principal admin = {.tenant = 1, .env = "production", .role = ORDEX_ROLE_ADMIN};
	struct ordex_principal finance = {
	    .tenant = 1, .env = "production", .role = ORDEX_ROLE_FINANCE_APPROVER};
	assert_int_equal(ordex_authz_can_grant(&admin, &finance).result, ORDEX_AUTHZ_ALLOW);
	admin.scopes = ORDEX_SCOPE_MANAGE;
	assert_int_equal(ordex_authz_can_grant(&admin, &finance).result, ORDEX_AUTHZ_FORBIDDEN);
	/* nor can anyone grant itself a wider role than its own */
	struct ordex_principal ops = {
	    .tenant = 1, .env = "production", .role = ORDEX_ROLE_OPS_REVIEWER};
	struct ordex_principal self_admin = ops;
	self_admin.role = ORDEX_ROLE_ADMIN;
	assert_int_equal(ordex_authz_can_grant(&ops, &self_admin).result, ORDEX_AUTHZ_FORBIDDEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules_as_written),
	    cmocka_unit_test(test_matrix_agrees_with_the_model),
	    cmocka_unit_test(test_a_million_random_decisions_agree_with_the_model),
	    cmocka_unit_test(test_nobody_grants_more_than_it_holds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
