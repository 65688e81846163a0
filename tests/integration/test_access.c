/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_access.c - two tenants, each with production and sandbox, and a key
 * of every role in each of the four: every route tried with every key.
 * Expected, from the access table written here (docs/access.md): 403 where
 * the role lacks the route's operation; otherwise never 401 or 403. Every
 * key that may send events sends one, and it lands in the key's own tenant
 * and environment only: an order stored by one is 404 to each of the other
 * three scopes' keys, whatever their role, and visible to its own readers.
 */
#include "testutil.h"

#include <curl/curl.h>
#include <sodium.h>
#include <time.h>

#include "harness.h"

#include <sqlite3.h>

static struct harness h;

static const char *const roles[] = {
    "viewer",           "support_agent", "ops_reviewer", "fraud_reviewer",
    "finance_approver", "admin",         "auditor",      "ingest"};
enum { N_ROLES = 8, N_SCOPES = 4 };
static const char *const tenants[] = {"default", "globex"};
static const char *const envs[] = {"production", "sandbox"};

/* who may do what, by route operation (docs/access.md) */
static bool may(const char *role, const char *op)
{
	static const struct {
		const char *op, *roles;
	} table[] = {
	    {"events.ingest", " admin ingest "},
	    {"exceptions.read", " viewer support_agent ops_reviewer fraud_reviewer "
	                        "finance_approver admin auditor "},
	    {"orders.read", " viewer support_agent ops_reviewer fraud_reviewer finance_approver "
	                    "admin auditor "},
	    {"inventory.read", " viewer support_agent ops_reviewer fraud_reviewer "
	                       "finance_approver admin auditor "},
	    {"webhooks.read", " viewer support_agent ops_reviewer fraud_reviewer "
	                      "finance_approver admin auditor "},
	    {"connectors.read", " viewer support_agent ops_reviewer fraud_reviewer "
	                        "finance_approver admin auditor "},
	    {"connectors.write", " admin "},
	    {"identity.read", " viewer support_agent ops_reviewer fraud_reviewer "
	                      "finance_approver admin auditor "},
	    {"identity.decide", " ops_reviewer admin "},
	    {"metrics.read", " admin auditor "},
	    {"usage.read", " admin auditor "},
	    {"principals.manage", " admin "},
	    {"tenant.manage", " admin "},
	    {"policies.read", " viewer support_agent ops_reviewer fraud_reviewer finance_approver "
	                      "admin auditor "},
	    {"policies.write", " admin "},
	    {"audit.read", " admin auditor "},
	    {"audit.verify", " admin auditor "},
	    {"targets.read", " viewer support_agent ops_reviewer fraud_reviewer finance_approver "
	                     "admin auditor "},
	    {"targets.write", " admin "},
	    {"cases.read", " viewer support_agent ops_reviewer fraud_reviewer finance_approver "
	                   "admin auditor "},
	    {"cases.work", " support_agent ops_reviewer fraud_reviewer finance_approver admin "},
	    {"cases.assign", " ops_reviewer admin "},
	    {"actions.propose", " support_agent ops_reviewer fraud_reviewer finance_approver "
	                        "admin "},
	    /* the approve.* of the approver's role */
	    {"approve", " ops_reviewer fraud_reviewer finance_approver admin "},

	    {"any", " viewer support_agent ops_reviewer fraud_reviewer finance_approver admin "
	            "auditor ingest "},
	};
	char w[40];
	snprintf(w, sizeof(w), " %s ", role);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].op, op))
			return strstr(table[i].roles, w) != NULL;
	fail_msg("no access row for %s", op);
	return false;
}

static const struct {
	const char *method, *path, *op, *body;
} routes[] = {
    {"GET", "/v1/exceptions", "exceptions.read", NULL},
    {"GET", "/v1/orders/NOPE-1", "orders.read", NULL},
    {"GET", "/v1/inventory/NOPE-SKU", "inventory.read", NULL},
    {"GET", "/v1/webhooks", "webhooks.read", NULL},
    {"GET", "/v1/connectors", "connectors.read", NULL},
    {"POST", "/v1/connectors", "connectors.write", "{\"source\":\"nope\"}"},
    {"GET", "/v1/identity/suggestions", "identity.read", NULL},
    {"POST", "/v1/identity/suggestions/999999", "identity.decide", "{\"decision\":\"confirm\"}"},
    {"GET", "/metrics", "metrics.read", NULL},
    {"GET", "/v1/usage", "usage.read", NULL},
    {"GET", "/v1/keys", "principals.manage", NULL},
    {"POST", "/v1/keys", "principals.manage", "{\"role\":\"nobody\"}"},
    {"DELETE", "/v1/keys/999999", "principals.manage", NULL},
    {"GET", "/v1/users", "principals.manage", NULL},
    {"POST", "/v1/users", "principals.manage", "{\"username\":\"\"}"},
    {"DELETE", "/v1/users/999999", "principals.manage", NULL},
    {"POST", "/v1/events", "events.ingest", "{\"id\":\"bad\"}"},
    {"GET", "/v1/tenant", "tenant.manage", NULL},
    /* tenant-wide settings change from production only: 403 from a sandbox */
    {"PATCH", "/v1/tenant", "tenant.manage@production", "{\"fraud_threshold\":\"high\"}"},
    /* the operator's alone: 404 to other tenants' admins */
    {"POST", "/v1/tenants", "tenant.manage", "{\"name\":\"\"}"},
    {"GET", "/v1/roles", "any", NULL},
    {"GET", "/v1/scope-rules", "policies.read", NULL},
    {"PUT", "/v1/scope-rules", "policies.write", "{\"rules\":7}"},
    {"GET", "/v1/policies", "policies.read", NULL},
    {"GET", "/v1/policies/versions", "policies.read", NULL},
    {"PUT", "/v1/policies", "policies.write", "{\"routes\":7}"},
    {"POST", "/v1/policies/test", "policies.write", "{\"routes\":7}"},
    {"GET", "/v1/cases", "cases.read", NULL},
    {"GET", "/v1/cases/999999", "cases.read", NULL},
    {"POST", "/v1/cases/999999/claim", "cases.work", NULL},
    {"POST", "/v1/cases/999999/comments", "cases.work", "{\"text\":\"hello\"}"},
    {"POST", "/v1/cases/999999/assign", "cases.assign", "{\"assignee\":null}"},
    {"POST", "/v1/cases/999999/messages", "actions.propose", "{\"text\":\"hello\"}"},
    {"POST", "/v1/cases/999999/actions", "actions.propose",
     "{\"kind\":\"escalate\",\"payload\":{\"reason\":\"x\"}}"},
    {"GET", "/v1/actions/999999", "cases.read", NULL},
    {"GET", "/v1/audit", "audit.read", NULL},
    {"GET", "/v1/audit/verify", "audit.verify@production", NULL},
    {"GET", "/v1/targets", "targets.read", NULL},
    {"POST", "/v1/targets", "targets.write", "{\"name\":\"\"}"},
    {"DELETE", "/v1/targets/999999", "targets.write", NULL},
    {"GET", "/v1/writebacks", "targets.read", NULL},
    {"GET", "/v1/writebacks/999999", "targets.read", NULL},
    {"POST", "/v1/writebacks/999999/retry", "targets.write", NULL},
    {"POST", "/v1/actions/999999/approve", "approve",
     "{\"payload_sha256\":\"0000000000000000000000000000000000000000000000000000000000000000\"}"},
    {"POST", "/v1/actions/999999/reject", "approve", "{\"reason\":\"no\"}"},
    {"POST", "/v1/actions/999999/cancel", "actions.propose", NULL},
    {"PATCH", "/v1/actions/999999", "actions.propose", "{\"payload\":{}}"},
};

static char keys[N_SCOPES][N_ROLES][128]; /* scope = tenant * 2 + env */

static void make_key(const char *tenant, const char *env, const char *role, char *out)
{
	char *o = NULL;
	const char *args[] = {"key",   "create", "--data", h.dir, "--tenant", tenant,
	                      "--env", env,      "--role", role,  NULL};
	assert_int_equal(harness_cli(args, &o, NULL), 0);
	snprintf(out, 128, "%.*s", (int)strcspn(o, "\n"), o);
	free(o);
}

static int setup(void **state)
{
	curl_global_init(CURL_GLOBAL_ALL);
	harness_init(&h);
	char *out = NULL;
	const char *args[] = {"tenant", "create", "globex", "--data", h.dir, NULL};
	if (harness_cli(args, &out, NULL) != 0)
		return -1;
	free(out);
	for (int t = 0; t < 2; t++)
		for (int e = 0; e < 2; e++)
			for (int r = 0; r < N_ROLES; r++)
				make_key(tenants[t], envs[e], roles[r], keys[t * 2 + e][r]);
	/* people of every role in globex's sandbox */
	char pwf[300];
	snprintf(pwf, sizeof(pwf), "%s/pw.txt", h.dir);
	FILE *f = fopen(pwf, "w");
	if (!f)
		return -1;
	fputs("correct horse battery\n", f);
	fclose(f);
	for (int r = 0; r < N_ROLES; r++) {
		char name[40];
		snprintf(name, sizeof(name), "p-%s", roles[r]);
		for (char *c = name; *c; c++)
			if (*c == '_')
				*c = '-';
		const char *mk[] = {"user",   "create", "--data",          h.dir,        "--tenant",
		                    "globex", "--env",  "sandbox",         "--username", name,
		                    "--role", roles[r], "--password-file", pwf,          NULL};
		if (harness_cli(mk, &out, NULL) != 0)
			return -1;
		free(out);
	}
	harness_serve(&h, NULL);
	return 0;
}

static int teardown(void **state)
{
	harness_stop(&h);
	harness_cleanup(&h);
	curl_global_cleanup();
	return 0;
}

static void every_route_with_every_key(void **state)
{
	int tried = 0, forbidden = 0;
	for (int sc = 0; sc < N_SCOPES; sc++)
		for (int r = 0; r < N_ROLES; r++)
			for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
				struct http_resp resp;
				const char *b = routes[i].body;
				http(&h, routes[i].method, routes[i].path, keys[sc][r],
				     b ? "application/json" : NULL, b, b ? strlen(b) : 0, &resp);
				const char *op = routes[i].op;
				bool prod_only = strstr(op, "@production") != NULL;
				char base[40];
				snprintf(base, sizeof(base), "%.*s", (int)strcspn(op, "@"), op);
				bool allowed = may(roles[r], base) && (!prod_only || sc % 2 == 0);
				bool got_forbidden = resp.status == 403;
				if (resp.status == 401 || allowed == got_forbidden)
					fail_msg("%s/%s %s: %s %s answered %ld", tenants[sc / 2],
					         envs[sc % 2], roles[r], routes[i].method,
					         routes[i].path, resp.status);
				tried++;
				forbidden += got_forbidden;
				http_free(&resp);
			}
	printf("access matrix: %d requests (%d forbidden), every one as the table says\n", tried,
	       forbidden);
	assert_int_equal(tried, N_SCOPES * N_ROLES * (int)(sizeof(routes) / sizeof(routes[0])));
}

static void what_a_scope_stores_only_it_sees(void **state)
{
	/* admin and ingest keys of each scope send an order of their own */
	for (int sc = 0; sc < N_SCOPES; sc++)
		for (int r = 0; r < N_ROLES; r++) {
			if (!may(roles[r], "events.ingest"))
				continue;
			char ev[256];
			snprintf(
			    ev, sizeof(ev),
			    "{\"id\":\"iso-%d-%d\",\"source\":\"t\",\"type\":\"order.cancelled\","
			    "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"ISO-%d-%d\"}",
			    sc, r, sc, r);
			struct http_resp resp;
			http(&h, "POST", "/v1/events", keys[sc][r], "application/json", ev,
			     strlen(ev), &resp);
			assert_int_equal(resp.status, 201);
			http_free(&resp);
		}
	/* every reader of every scope: its own scope's orders 200, others' 404 */
	int checks = 0;
	for (int owner = 0; owner < N_SCOPES; owner++)
		for (int r = 0; r < N_ROLES; r++) {
			if (!may(roles[r], "events.ingest"))
				continue;
			char path[64];
			snprintf(path, sizeof(path), "/v1/orders/ISO-%d-%d", owner, r);
			for (int sc = 0; sc < N_SCOPES; sc++)
				for (int rr = 0; rr < N_ROLES; rr++) {
					struct http_resp resp;
					http(&h, "GET", path, keys[sc][rr], NULL, NULL, 0, &resp);
					long want = !may(roles[rr], "orders.read") ? 403
					            : sc == owner                  ? 200
					                                           : 404;
					if (resp.status != want)
						fail_msg("%s/%s %s reading %s: %ld, wanted %ld",
						         tenants[sc / 2], envs[sc % 2], roles[rr],
						         path, resp.status, want);
					checks++;
					http_free(&resp);
				}
		}
	printf("access isolation: %d reads of 8 stored orders, 0 across a tenant or an "
	       "environment\n",
	       checks);
}

static long post(const char *key, const char *path, const char *body, struct http_resp *r)
{
	http(&h, "POST", path, key, "application/json", body, strlen(body), r);
	return r->status;
}

/* An order of a brand (or none) with a failed payment: one exception. */
static void branded_order(const char *admin, const char *ref, const char *brand)
{
	char ev[512];
	struct http_resp r;
	snprintf(ev, sizeof(ev),
	         "{\"id\":\"o-%s\",\"source\":\"shop\",\"type\":\"order.created\","
	         "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"order\":\"%s\",\"data\":{"
	         "\"currency\":\"USD\",\"total\":\"20.00\"%s%s%s}}",
	         ref, ref, brand ? ",\"brand\":\"" : "", brand ? brand : "", brand ? "\"" : "");
	assert_int_equal(post(admin, "/v1/events", ev, &r), 201);
	http_free(&r);
	snprintf(ev, sizeof(ev),
	         "{\"id\":\"p-%s\",\"source\":\"psp\",\"type\":\"payment.failed\","
	         "\"occurred_at\":\"2025-03-01T10:05:00Z\",\"order\":\"%s\",\"data\":{"
	         "\"payment\":\"pay-%s\",\"reason\":\"card declined\"}}",
	         ref, ref, ref);
	assert_int_equal(post(admin, "/v1/events", ev, &r), 201);
	http_free(&r);
}

static void new_key(const char *by, const char *body, char *out)
{
	struct http_resp r;
	assert_int_equal(post(by, "/v1/keys", body, &r), 201);
	const char *p = strstr(r.body, "\"key\":\"");
	assert_non_null(p);
	snprintf(out, 128, "%.*s", (int)strcspn(p + 7, "\""), p + 7);
	http_free(&r);
}

/*
 * Customer scopes: a key limited to brand acme sees acme's orders and their
 * exceptions, and nothing else: another brand's order and an order with no
 * brand are 404, exactly like orders that do not exist; the exception list
 * holds acme's only. An admin limited to acme hands on its limit and cannot
 * grant another brand.
 */
static void a_customer_scope_limits_what_is_seen(void **state)
{
	const char *admin = keys[0][5]; /* default/production admin */
	branded_order(admin, "CS-ACME", "acme");
	branded_order(admin, "CS-GLOBEX", "globex");
	branded_order(admin, "CS-NONE", NULL);
	char acme[128];
	new_key(admin, "{\"role\":\"viewer\",\"customers\":{\"brand\":\"acme\"}}", acme);
	struct http_resp r;
	http(&h, "GET", "/v1/orders/CS-ACME", acme, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"customers\":{\"brand\":\"acme\"}"));
	http_free(&r);
	http(&h, "GET", "/v1/orders/CS-GLOBEX", acme, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 404);
	http_free(&r);
	http(&h, "GET", "/v1/orders/CS-NONE", acme, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 404);
	http_free(&r);
	http(&h, "GET", "/v1/exceptions?status=all&limit=500", acme, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "CS-ACME"));
	assert_false(has(&r, "CS-GLOBEX"));
	assert_false(has(&r, "CS-NONE"));
	assert_false(has(&r, "ISO-")); /* the unbranded orders of the other tests */
	http_free(&r);
	/* the unlimited admin sees all three */
	http(&h, "GET", "/v1/exceptions?status=all&limit=500", admin, NULL, NULL, 0, &r);
	assert_true(has(&r, "CS-ACME") && has(&r, "CS-GLOBEX") && has(&r, "CS-NONE"));
	http_free(&r);
	/* an admin limited to acme: its keys are acme's too, never globex's */
	char acme_admin[128], inherited[128];
	new_key(admin, "{\"role\":\"admin\",\"customers\":{\"brand\":\"acme\"}}", acme_admin);
	new_key(acme_admin, "{\"role\":\"viewer\"}", inherited);
	http(&h, "GET", "/v1/orders/CS-GLOBEX", inherited, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 404);
	http_free(&r);
	assert_int_equal(post(acme_admin, "/v1/keys",
	                      "{\"role\":\"viewer\",\"customers\":{\"brand\":\"globex\"}}", &r),
	                 403);
	assert_true(has(&r, "outside the granter's scope"));
	http_free(&r);
	/* nor can it end a key wider than its own */
	assert_int_equal(post(admin, "/v1/keys", "{\"role\":\"viewer\"}", &r), 201);
	const char *idp = strstr(r.body, "\"id\":");
	char path[64];
	snprintf(path, sizeof(path), "/v1/keys/%ld", strtol(idp + 5, NULL, 10));
	http_free(&r);
	http(&h, "DELETE", path, acme_admin, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 403);
	http_free(&r);
	http(&h, "DELETE", path, admin, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	/* a key never outlives the key that granted it */
	char brief[128];
	new_key(admin, "{\"role\":\"admin\",\"expires_at\":\"2030-01-01T00:00:00Z\"}", brief);
	assert_int_equal(post(brief, "/v1/keys", "{\"role\":\"viewer\"}", &r), 201);
	assert_true(has(&r, "\"expires_at\":\"2030-01-01T00:00:00Z\""));
	http_free(&r);
	/* a limited principal sends no events: it could relabel another brand's
	 * order into its own and read it */
	const char *relabel = "{\"id\":\"relabel\",\"source\":\"shop\",\"type\":"
	                      "\"order.updated\",\"occurred_at\":\"2025-03-02T10:00:00Z\","
	                      "\"order\":\"CS-GLOBEX\",\"data\":{\"brand\":\"acme\"}}";
	assert_int_equal(post(acme_admin, "/v1/events", relabel, &r), 403);
	http_free(&r);
	http(&h, "GET", "/v1/orders/CS-GLOBEX", acme_admin, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 404);
	http_free(&r);
	assert_int_equal(post(admin, "/v1/keys",
	                      "{\"role\":\"viewer\",\"customers\":{\"planet\":\"mars\"}}", &r),
	                 422);
	assert_true(has(&r, "\"field\":\"customers.planet\""));
	http_free(&r);
}

/* The service's metrics are the operator's: another tenant's admin, or a
 * sandbox key, finds nothing there. */
static void metrics_are_the_operators(void **state)
{
	struct http_resp r;
	http(&h, "GET", "/metrics", keys[0][5], NULL, NULL, 0, &r); /* default/production */
	assert_int_equal(r.status, 200);
	http_free(&r);
	http(&h, "GET", "/metrics", keys[1][5], NULL, NULL, 0, &r); /* default/sandbox */
	assert_int_equal(r.status, 404);
	http_free(&r);
	http(&h, "GET", "/metrics", keys[2][5], NULL, NULL, 0, &r); /* globex/production */
	assert_int_equal(r.status, 404);
	http_free(&r);
}

/* An order of a brand with one line of SCOPE-SKU. */
static void order_of_sku(const char *admin, const char *ref, const char *brand, int qty)
{
	char ev[512];
	struct http_resp r;
	snprintf(ev, sizeof(ev),
	         "{\"id\":\"o-%s\",\"source\":\"shop\",\"type\":\"order.created\","
	         "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"order\":\"%s\",\"data\":{"
	         "\"currency\":\"USD\",\"total\":\"20.00\",\"brand\":\"%s\",\"lines\":[{\"id\":"
	         "\"1\",\"sku\":\"SCOPE-SKU\",\"qty\":%d,\"price\":\"10.00\"}]}}",
	         ref, ref, brand, qty);
	assert_int_equal(post(admin, "/v1/events", ev, &r), 201);
	http_free(&r);
}

/*
 * A customer scope holds on every view: stock shows what the scope's own
 * orders hold (the level and what is free are the warehouse's); the views
 * that span every customer (webhook deliveries, identity suggestions,
 * metering) are refused; principals are listed only within the scope.
 */
static void a_customer_scope_holds_on_every_view(void **state)
{
	const char *admin = keys[0][5];
	struct http_resp r;
	const char *lvl =
	    "{\"id\":\"lvl-scope\",\"source\":\"wms\",\"type\":\"inventory.level\","
	    "\"occurred_at\":\"2025-03-01T08:00:00Z\",\"data\":{\"sku\":\"SCOPE-SKU\","
	    "\"location\":\"WH1\",\"available\":10}}";
	assert_int_equal(post(admin, "/v1/events", lvl, &r), 201);
	http_free(&r);
	order_of_sku(admin, "SC-ACME", "acme", 2);
	order_of_sku(admin, "SC-GLOBEX", "globex", 3);
	char viewer[128], acme_admin[128];
	new_key(admin, "{\"role\":\"viewer\",\"customers\":{\"brand\":\"acme\"}}", viewer);
	new_key(admin, "{\"role\":\"admin\",\"customers\":{\"brand\":\"acme\"},\"name\":\"acme\"}",
	        acme_admin);
	http(&h, "GET", "/v1/inventory/SCOPE-SKU", viewer, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"level\":10,\"allocated\":2,\"available\":5,\"open_demand\":2"));
	http_free(&r);
	http(&h, "GET", "/v1/inventory/SCOPE-SKU", admin, NULL, NULL, 0, &r);
	assert_true(has(&r, "\"level\":10,\"allocated\":5,\"available\":5,\"open_demand\":5"));
	http_free(&r);
	static const char *const spans[] = {"/v1/webhooks", "/v1/identity/suggestions", "/v1/usage",
	                                    "/v1/scope-rules", "/metrics"};
	for (int i = 0; i < 5; i++) {
		http(&h, "GET", spans[i], acme_admin, NULL, NULL, 0, &r);
		if (r.status != 403 || !has(&r, "read what spans them all"))
			fail_msg("%s answered %ld to a limited admin", spans[i], r.status);
		http_free(&r);
		http(&h, "GET", spans[i], admin, NULL, NULL, 0, &r);
		assert_int_equal(r.status, 200);
		http_free(&r);
	}
	/* principals: the limited admin lists its own scope's, the admin all */
	http(&h, "GET", "/v1/keys", acme_admin, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"name\":\"acme\""));
	assert_false(has(&r, "\"customers\":null"));
	http_free(&r);
	http(&h, "GET", "/v1/keys", admin, NULL, NULL, 0, &r);
	assert_true(has(&r, "\"customers\":null"));
	assert_true(has(&r, "\"customers\":{\"brand\":\"acme\"}"));
	http_free(&r);
}

/*
 * Scope attributes set by rules: where the source gives none, the tenant's
 * rules (JsonLogic over the order and the event) fill them; what the source
 * gives wins; a key limited to a region a rule set sees those orders; bad
 * rules are refused whole with every problem's path; rules are per
 * environment and audited.
 */
static void scope_attributes_are_set_by_rules(void **state)
{
	const char *admin = keys[0][5], *sandbox = keys[1][5];
	struct http_resp r;
	const char *bad =
	    "{\"rules\":[{\"set\":{\"region\":\"eu\"},\"when\":{\"and\":[true,{\"nope\":"
	    "[]}]}},{\"set\":{\"planet\":\"mars\",\"brand\":7}},{\"colour\":1}]}";
	http(&h, "PUT", "/v1/scope-rules", admin, "application/json", bad, strlen(bad), &r);
	assert_int_equal(r.status, 422);
	assert_true(has(&r, "\"field\":\"rules[0].when.and[1]\""));
	assert_true(has(&r, "\"field\":\"rules[1].set.planet\""));
	assert_true(has(&r, "\"field\":\"rules[1].set.brand\""));
	assert_true(has(&r, "\"field\":\"rules[1].when\""));
	assert_true(has(&r, "\"field\":\"rules[2].colour\""));
	http_free(&r);
	const char *rules =
	    "{\"rules\":[{\"set\":{\"region\":\"eu\"},\"when\":{\"in\":[{\"var\":"
	    "\"event.data.shipping_address.country\"},[\"FR\",\"DE\"]]}},{\"set\":{\"brand\":"
	    "\"acme\",\"segment\":\"vip\"},\"when\":{\">=\":[{\"var\":\"order.total\"},500]}}]}";
	http(&h, "PUT", "/v1/scope-rules", admin, "application/json", rules, strlen(rules), &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"version\":1,\"rules\":2"));
	http_free(&r);
	static const char *const orders[] = {
	    "{\"id\":\"o-SR-EU\",\"source\":\"shop\",\"type\":\"order.created\",\"occurred_at\":"
	    "\"2025-03-01T10:00:00Z\",\"order\":\"SR-EU\",\"data\":{\"currency\":\"EUR\",\"total\":"
	    "\"20.00\",\"shipping_address\":{\"line1\":\"1 rue\",\"city\":\"Lyon\",\"country\":"
	    "\"FR\"}}}",
	    "{\"id\":\"o-SR-BIG\",\"source\":\"shop\",\"type\":\"order.created\",\"occurred_at\":"
	    "\"2025-03-01T10:00:00Z\",\"order\":\"SR-BIG\",\"data\":{\"currency\":\"USD\","
	    "\"total\":"
	    "\"600.00\",\"brand\":\"globex\",\"shipping_address\":{\"line1\":\"1 Main\",\"city\":"
	    "\"Austin\",\"country\":\"US\"}}}"};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(post(admin, "/v1/events", orders[i], &r), 201);
		http_free(&r);
	}
	http(&h, "GET", "/v1/orders/SR-EU", admin, NULL, NULL, 0, &r);
	assert_true(has(&r, "\"region\":\"eu\""));
	assert_false(has(&r, "\"segment\":\"vip\""));
	http_free(&r);
	http(&h, "GET", "/v1/orders/SR-BIG", admin, NULL, NULL, 0, &r);
	assert_true(has(&r, "\"brand\":\"globex\"")); /* the source's, not the rule's */
	assert_true(has(&r, "\"segment\":\"vip\""));
	http_free(&r);
	char eu[128];
	new_key(admin, "{\"role\":\"viewer\",\"customers\":{\"region\":\"eu\"}}", eu);
	http(&h, "GET", "/v1/orders/SR-EU", eu, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	http(&h, "GET", "/v1/orders/SR-BIG", eu, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 404);
	http_free(&r);
	http(&h, "GET", "/v1/scope-rules", admin, NULL, NULL, 0, &r);
	assert_true(has(&r, "\"version\":1"));
	assert_true(has(&r, "\"set\":{\"region\":\"eu\"}"));
	http_free(&r);
	http(&h, "GET", "/v1/scope-rules", sandbox, NULL, NULL, 0, &r);
	assert_true(has(&r, "\"version\":0,\"rules\":[]"));
	http_free(&r);
	char dbp[300];
	snprintf(dbp, sizeof(dbp), "%s/ordex.db", h.dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbp, &db), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT group_concat(body, ' ') FROM audit WHERE kind "
	                                    "= 'order.scope_by_rule'",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	const char *bodies = (const char *)sqlite3_column_text(q, 0);
	assert_non_null(bodies);
	assert_non_null(
	    strstr(bodies, "\"order\":\"SR-EU\",\"region\":\"eu\",\"rule\":0,\"version\":1"));
	assert_non_null(strstr(bodies, "\"order\":\"SR-BIG\",\"segment\":\"vip\",\"rule\":1"));
	assert_null(strstr(bodies, "\"brand\":\"acme\""));
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT count(*) FROM audit WHERE kind = "
	                                    "'scope_rules.updated'",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/*
 * People are principals like keys: a person of every role, signed in,
 * tries every route with the session cookie and its CSRF token, and is
 * answered as the table says for their role; nothing of another tenant or
 * environment is theirs to see.
 */
static void every_route_with_every_person(void **state)
{
	int tried = 0;
	for (int r = 0; r < N_ROLES; r++) {
		char body[200];
		char name[40];
		snprintf(name, sizeof(name), "p-%s", roles[r]);
		for (char *c = name; *c; c++)
			if (*c == '_')
				*c = '-';
		snprintf(body, sizeof(body),
		         "{\"tenant\":\"globex\",\"environment\":\"sandbox\",\"username\":\"%s\","
		         "\"password\":\"correct horse battery\"}",
		         name);
		struct http_resp s;
		http(&h, "POST", "/v1/sessions", NULL, "application/json", body, strlen(body), &s);
		assert_int_equal(s.status, 201);
		char cookie[200], csrf[160];
		const char *v = strstr(s.set_cookie, "ordex_session=");
		snprintf(cookie, sizeof(cookie), "Cookie: %.*s", (int)strcspn(v, ";"), v);
		const char *t = strstr(s.body, "\"csrf_token\":\"") + 14;
		snprintf(csrf, sizeof(csrf), "X-CSRF-Token: %.*s", (int)strcspn(t, "\""), t);
		http_free(&s);
		const char *hd[] = {cookie, csrf, NULL};
		for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
			struct http_resp resp;
			const char *b = routes[i].body;
			http_with(&h, routes[i].method, routes[i].path, NULL,
			          b ? "application/json" : NULL, b, b ? strlen(b) : 0, hd, &resp);
			const char *op = routes[i].op;
			char base[40];
			snprintf(base, sizeof(base), "%.*s", (int)strcspn(op, "@"), op);
			bool allowed = may(roles[r], base) && !strstr(op, "@production");
			if (resp.status == 401 || allowed == (resp.status == 403))
				fail_msg("person %s: %s %s answered %ld", roles[r],
				         routes[i].method, routes[i].path, resp.status);
			tried++;
			http_free(&resp);
		}
		/* what default's production stored is not theirs */
		struct http_resp o;
		http_with(&h, "GET", "/v1/orders/SC-ACME", NULL, NULL, NULL, 0, hd, &o);
		assert_true(o.status == 404 || o.status == 403);
		http_free(&o);
	}
	printf("access matrix of people: %d requests, every one as the table says\n", tried);
}

static bool body_has(const struct http_resp *r, const char *s)
{
	return r->body && strstr(r->body, s) != NULL;
}

/* The number after "key": in a JSON body (the first), or -1. */
static long num_after(const struct http_resp *r, const char *key)
{
	char k[64];
	snprintf(k, sizeof(k), "\"%s\":", key);
	const char *p = r->body ? strstr(r->body, k) : NULL;
	return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

static void str_after(const struct http_resp *r, const char *key, char *out, size_t cap)
{
	char k[64];
	snprintf(k, sizeof(k), "\"%s\":\"", key);
	const char *p = r->body ? strstr(r->body, k) : NULL;
	snprintf(out, cap, "%.*s", p ? (int)strcspn(p + strlen(k), "\"") : 0,
	         p ? p + strlen(k) : "");
}

/*
 * Writes with real ids: one scope's case, action, key, person and writeback
 * target are attacked by the admin, support agent and finance approver of
 * each of the three other scopes (another tenant, another environment):
 * every attempt is 404, and afterwards nothing of the owner's has changed.
 */
static void writes_with_real_ids_never_cross_a_tenant_or_an_environment(void **state)
{
	(void)state;
	enum { SUPPORT = 1, OPS = 2, FINANCE = 4, ADMIN = 5 };
	const char *owner = keys[0][ADMIN];
	struct http_resp r;
	char ev[512];
	const char *evs[] = {
	    "{\"id\":\"x-1\",\"source\":\"shop\",\"type\":\"order.created\",\"occurred_at\":"
	    "\"2025-03-01T10:00:00Z\",\"order\":\"XW-1\",\"data\":{\"currency\":\"USD\","
	    "\"total\":\"20.00\"}}",
	    "{\"id\":\"x-2\",\"source\":\"psp\",\"type\":\"payment.captured\",\"occurred_at\":"
	    "\"2025-03-01T10:01:00Z\",\"order\":\"XW-1\",\"data\":{\"payment\":\"pay-xw\","
	    "\"amount\":\"20.00\",\"currency\":\"USD\"}}",
	    "{\"id\":\"x-3\",\"source\":\"carrier\",\"type\":\"shipment.created\","
	    "\"occurred_at\":\"2025-03-01T10:02:00Z\",\"order\":\"XW-1\",\"data\":{"
	    "\"shipment\":\"S-XW\",\"carrier\":\"UPS\",\"tracking\":\"1ZXW\"}}",
	    "{\"id\":\"x-4\",\"source\":\"carrier\",\"type\":\"shipment.updated\","
	    "\"occurred_at\":\"2025-03-01T10:03:00Z\",\"order\":\"XW-1\",\"data\":{"
	    "\"shipment\":\"S-XW\",\"status\":\"exception\",\"reason\":\"damaged\"}}",
	};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		assert_int_equal(post(owner, "/v1/events", evs[i], &r), 201);
		http_free(&r);
	}
	http(&h, "GET", "/v1/cases?order=XW-1", owner, NULL, NULL, 0, &r);
	long c = num_after(&r, "id");
	http_free(&r);
	assert_true(c > 0);
	snprintf(ev, sizeof(ev), "/v1/cases/%ld/actions", c);
	assert_int_equal(post(keys[0][SUPPORT], ev,
	                      "{\"kind\":\"refund\",\"payload\":{\"amount\":\"5.00\"},"
	                      "\"reason\":\"x\"}",
	                      &r),
	                 201);
	char hash[80];
	long a = num_after(&r, "id");
	str_after(&r, "payload_sha256", hash, sizeof(hash));
	http_free(&r);
	/* the action's own id: the answer names the action first */
	assert_int_equal(post(owner, "/v1/keys", "{\"role\":\"viewer\"}", &r), 201);
	long k = num_after(&r, "id");
	char victim[128];
	str_after(&r, "key", victim, sizeof(victim));
	http_free(&r);
	assert_int_equal(post(owner, "/v1/users",
	                      "{\"username\":\"victim\",\"password\":\"correct horse battery\","
	                      "\"role\":\"viewer\"}",
	                      &r),
	                 201);
	long u = num_after(&r, "id");
	http_free(&r);
	assert_int_equal(post(owner, "/v1/targets",
	                      "{\"name\":\"desk\",\"kind\":\"support\",\"base_url\":"
	                      "\"https://desk.example\",\"secret\":\"t\",\"actions\":"
	                      "[\"contact_customer\"]}",
	                      &r),
	                 201);
	long t = num_after(&r, "id");
	http_free(&r);
	assert_true(a > 0 && k > 0 && u > 0 && t > 0);

	char approve[160];
	snprintf(approve, sizeof(approve), "{\"payload_sha256\":\"%s\"}", hash);
	struct {
		const char *method, *fmt, *body;
		long id;
	} tries[] = {
	    {"GET", "/v1/cases/%ld", NULL, c},
	    {"POST", "/v1/cases/%ld/claim", "{}", c},
	    {"POST", "/v1/cases/%ld/comments", "{\"text\":\"was here\"}", c},
	    {"POST", "/v1/cases/%ld/assign", "{\"assignee\":null}", c},
	    {"POST", "/v1/cases/%ld/messages", "{\"text\":\"hello\"}", c},
	    {"POST", "/v1/cases/%ld/actions",
	     "{\"kind\":\"escalate\",\"payload\":{\"reason\":\"x\"},\"reason\":\"x\"}", c},
	    {"GET", "/v1/actions/%ld", NULL, a},
	    {"POST", "/v1/actions/%ld/approve", approve, a},
	    {"POST", "/v1/actions/%ld/reject", "{\"reason\":\"no\"}", a},
	    {"POST", "/v1/actions/%ld/cancel", "{}", a},
	    {"PATCH", "/v1/actions/%ld", "{\"payload\":{\"amount\":\"1.00\"}}", a},
	    {"DELETE", "/v1/keys/%ld", NULL, k},
	    {"DELETE", "/v1/users/%ld", NULL, u},
	    {"DELETE", "/v1/targets/%ld", NULL, t},
	    {"GET", "/v1/orders/XW-1%.0ld", NULL, 0},
	};
	int attempts = 0;
	const int who[] = {ADMIN, SUPPORT, FINANCE, OPS};
	for (int sc = 1; sc < N_SCOPES; sc++)
		for (size_t w = 0; w < sizeof(who) / sizeof(who[0]); w++)
			for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
				char path[96];
				snprintf(path, sizeof(path), tries[i].fmt, tries[i].id);
				http(&h, tries[i].method, path, keys[sc][who[w]],
				     tries[i].body ? "application/json" : NULL, tries[i].body,
				     tries[i].body ? strlen(tries[i].body) : 0, &r);
				/* 404, or 403 where the role may not do it anywhere */
				if (r.status != 404 && r.status != 403)
					fail_msg("%s/%s %s: %s %s answered %ld: %s",
					         tenants[sc / 2], envs[sc % 2], roles[who[w]],
					         tries[i].method, path, r.status, r.body);
				if (who[w] == ADMIN && r.status != 404)
					fail_msg("an admin of %s/%s: %s %s answered %ld, not 404",
					         tenants[sc / 2], envs[sc % 2], tries[i].method,
					         path, r.status);
				http_free(&r);
				attempts++;
			}
	/* nothing of the owner's changed */
	snprintf(ev, sizeof(ev), "/v1/cases/%ld", c);
	http(&h, "GET", ev, owner, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "was here"));
	assert_null(strstr(r.body, "\"assignee\":\""));
	assert_non_null(strstr(r.body, "awaiting_approval"));
	http_free(&r);
	http(&h, "GET", "/v1/exceptions", victim, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	http(&h, "GET", "/v1/users", owner, NULL, NULL, 0, &r);
	assert_non_null(strstr(r.body, "victim"));
	assert_null(strstr(r.body, "\"disabled_at\":\""));
	http_free(&r);
	http(&h, "GET", "/v1/targets", owner, NULL, NULL, 0, &r);
	assert_non_null(strstr(r.body, "\"desk\""));
	http_free(&r);
	printf("access writes: %d attempts on real ids from 3 other scopes, 0 crossed\n", attempts);
}

/*
 * A provider's webhook lands in the environment of the connector it was sent
 * to: a sandbox connector's delivery is seen in the sandbox, and production
 * of the same tenant does not know the order.
 */
static void a_sandbox_webhook_never_lands_in_production(void **state)
{
	(void)state;
	enum { ADMIN = 5, VIEWER = 0 };
	struct http_resp r;
	const char *secret = "whsec_sandbox_isolation_0123";
	char body[256];
	snprintf(body, sizeof(body), "{\"source\":\"stripe\",\"secret\":\"%s\"}", secret);
	assert_int_equal(post(keys[1][ADMIN], "/v1/connectors", body, &r), 201);
	char path[160];
	str_after(&r, "webhook_path", path, sizeof(path));
	http_free(&r);
	const char *ev =
	    "{\"id\":\"evt_iso_1\",\"object\":\"event\",\"type\":"
	    "\"payment_intent.payment_failed\",\"created\":1740841200,\"data\":{\"object\":{"
	    "\"id\":\"pi_iso\",\"object\":\"payment_intent\",\"amount\":1000,\"currency\":"
	    "\"usd\",\"status\":\"requires_payment_method\",\"created\":1740841200,"
	    "\"metadata\":{\"order_id\":\"ISO-WH\"},\"last_payment_error\":{\"code\":"
	    "\"card_declined\"}}}}";
	char ts[24], signed_payload[2048], sig[256];
	snprintf(ts, sizeof(ts), "%ld", (long)time(NULL));
	snprintf(signed_payload, sizeof(signed_payload), "%s.%s", ts, ev);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)signed_payload,
	                              strlen(signed_payload));
	crypto_auth_hmacsha256_final(&st, mac);
	char hex[65];
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	snprintf(sig, sizeof(sig), "Stripe-Signature: t=%s,v1=%s", ts, hex);
	const char *hd[] = {sig, NULL};
	http_with(&h, "POST", path, NULL, "application/json", ev, strlen(ev), hd, &r);
	if (r.status != 200)
		fail_msg("webhook: %ld %s", r.status, r.body);
	http_free(&r);
	http(&h, "GET", "/v1/orders/ISO-WH", keys[1][VIEWER], NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	for (int sc = 0; sc < N_SCOPES; sc++) {
		if (sc == 1)
			continue;
		http(&h, "GET", "/v1/orders/ISO-WH", keys[sc][VIEWER], NULL, NULL, 0, &r);
		assert_int_equal(r.status, 404);
		http_free(&r);
	}
}

/*
 * The tenant's own administration through the API: its settings read and
 * changed from production (each change audited with before and after,
 * unknown settings and bad values named, a sandbox admin refused); a new
 * tenant created by the operator alone, whose admin key works at once in
 * that tenant only; what every role may do, for anyone to ask.
 */
static void tenants_are_administered_through_the_api(void **state)
{
	const char *prod = keys[0][5], *sandbox = keys[1][5], *globex = keys[2][5];
	struct http_resp r;
	http(&h, "GET", "/v1/tenant", prod, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "\"name\":\"default\""));
	assert_true(body_has(&r, "\"environment\":\"production\""));
	assert_true(body_has(&r, "\"fraud_threshold\":null"));
	http_free(&r);
	const char *set = "{\"fraud_threshold\":60,\"rate_per_key\":50}";
	http(&h, "PATCH", "/v1/tenant", prod, "application/json", set, strlen(set), &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "\"fraud_threshold\":60"));
	assert_true(body_has(&r, "\"rate_per_key\":50"));
	assert_true(body_has(&r, "\"rate_per_tenant\":null"));
	http_free(&r);
	const char *bad = "{\"fraud_threshold\":101,\"rate_per_key\":0.5,\"colour\":\"red\"}";
	http(&h, "PATCH", "/v1/tenant", prod, "application/json", bad, strlen(bad), &r);
	assert_int_equal(r.status, 422);
	assert_true(body_has(&r, "\"field\":\"fraud_threshold\""));
	assert_true(body_has(&r, "\"field\":\"rate_per_key\""));
	assert_true(body_has(&r, "\"field\":\"colour\""));
	http_free(&r);
	http(&h, "PATCH", "/v1/tenant", sandbox, "application/json", set, strlen(set), &r);
	assert_int_equal(r.status, 403);
	assert_true(body_has(&r, "production credential"));
	http_free(&r);
	const char *back = "{\"rate_per_key\":null,\"fraud_threshold\":null}";
	http(&h, "PATCH", "/v1/tenant", prod, "application/json", back, strlen(back), &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "\"rate_per_key\":null"));
	assert_true(body_has(&r, "\"fraud_threshold\":null"));
	http_free(&r);

	const char *mk = "{\"name\":\"initech\"}";
	http(&h, "POST", "/v1/tenants", globex, "application/json", mk, strlen(mk), &r);
	assert_int_equal(r.status, 404); /* not the operator */
	http_free(&r);
	http(&h, "POST", "/v1/tenants", prod, "application/json", mk, strlen(mk), &r);
	assert_int_equal(r.status, 201);
	const char *k = strstr(r.body, "\"admin_key\":\"");
	assert_non_null(k);
	char key[128];
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(k + 13, "\""), k + 13);
	http_free(&r);
	http(&h, "POST", "/v1/tenants", prod, "application/json", mk, strlen(mk), &r);
	assert_int_equal(r.status, 409);
	assert_true(body_has(&r, "\"field\":\"name\""));
	http_free(&r);
	http(&h, "GET", "/v1/tenant", key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "\"name\":\"initech\""));
	http_free(&r);
	http(&h, "GET", "/v1/orders/NOPE-1", key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 404);
	http_free(&r);

	http(&h, "GET", "/v1/roles", keys[3][7], NULL, NULL, 0, &r); /* an ingest key */
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "\"ingest\":[\"events.ingest\"]"));
	assert_true(body_has(&r, "\"tenant.manage\""));
	http_free(&r);

	char *out = NULL;
	const char *args[] = {"audit", "verify", "--data", h.dir, NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	assert_non_null(strstr(out, "in 3 tenants"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_route_with_every_key),
	    cmocka_unit_test(what_a_scope_stores_only_it_sees),
	    cmocka_unit_test(a_customer_scope_limits_what_is_seen),
	    cmocka_unit_test(a_customer_scope_holds_on_every_view),
	    cmocka_unit_test(scope_attributes_are_set_by_rules),
	    cmocka_unit_test(metrics_are_the_operators),
	    cmocka_unit_test(every_route_with_every_person),
	    cmocka_unit_test(writes_with_real_ids_never_cross_a_tenant_or_an_environment),
	    cmocka_unit_test(a_sandbox_webhook_never_lands_in_production),
	    cmocka_unit_test(tenants_are_administered_through_the_api),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
