/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_limits.c - rate limits over HTTP: ordex serve with --rate-per-key
 * 10 and --rate-per-tenant 15 (tokens a second, a request or an event
 * costing one). A key's eleventh request within the second is 429 with
 * Retry-After and RateLimit fields; a batch that does not fit is refused
 * whole (nothing of it is stored); a batch larger than the burst is 413;
 * two keys of one tenant share its 15; a tenant's own limit (ordex tenant
 * set) replaces the service's for keys looked up after it.
 */
#include "testutil.h"

#include <curl/curl.h>
#include <time.h>

#include "harness.h"

static struct harness h;

static int setup(void **state)
{
	curl_global_init(CURL_GLOBAL_ALL);
	harness_init(&h);
	static const char *const extra[] = {"--rate-per-key", "10", "--rate-per-tenant", "15",
	                                    NULL};
	harness_serve(&h, extra);
	return 0;
}

static int teardown(void **state)
{
	harness_stop(&h);
	harness_cleanup(&h);
	curl_global_cleanup();
	return 0;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	nanosleep(&ts, NULL);
}

/* A new key of the tenant through the API (one token of the admin's). */
static void new_key(const char *role, char *out, size_t n)
{
	char body[64];
	snprintf(body, sizeof(body), "{\"role\":\"%s\"}", role);
	struct http_resp r;
	http(&h, "POST", "/v1/keys", h.key, "application/json", body, strlen(body), &r);
	assert_int_equal(r.status, 201);
	const char *p = strstr(r.body, "\"key\":\"");
	assert_non_null(p);
	snprintf(out, n, "%.*s", (int)strcspn(p + 7, "\""), p + 7);
	http_free(&r);
}

static char *events(int from, int n)
{
	size_t cap = (size_t)n * 200 + 1;
	char *b = calloc(1, cap);
	for (int i = 0; i < n; i++)
		snprintf(b + strlen(b), cap - strlen(b),
		         "{\"id\":\"rl%d\",\"source\":\"test\",\"type\":\"order.cancelled\","
		         "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"RL-%d\"}\n",
		         from + i, from + i);
	return b;
}

static void post_ndjson_with(struct harness *hh, const char *key, const char *body,
                             struct http_resp *r)
{
	http(hh, "POST", "/v1/events", key, "application/x-ndjson", body, strlen(body), r);
}

static int stored(const char *key, int id)
{
	char path[64];
	snprintf(path, sizeof(path), "/v1/orders/RL-%d", id);
	struct http_resp r;
	http(&h, "GET", path, key, NULL, NULL, 0, &r);
	int st = (int)r.status;
	http_free(&r);
	return st;
}

static void a_key_is_limited_and_told_when_to_come_back(void **state)
{
	char viewer[128];
	new_key("viewer", viewer, sizeof(viewer));
	struct http_resp r;
	int ok = 0, limited = 0;
	char last_remaining[16] = "";
	for (int i = 0; i < 12; i++) {
		http(&h, "GET", "/v1/exceptions", viewer, NULL, NULL, 0, &r);
		if (r.status == 200) {
			ok++;
			assert_string_equal(r.rl_limit, "10");
			snprintf(last_remaining, sizeof(last_remaining), "%s", r.rl_remaining);
		} else {
			assert_int_equal(r.status, 429);
			assert_true(has(&r, "\"code\":\"rate_limited\""));
			assert_true(atoi(r.retry_after) >= 1);
			/* the refusal says the limit too, and that nothing is left */
			assert_string_equal(r.rl_limit, "10");
			assert_string_equal(r.rl_remaining, "0");
			limited++;
		}
		http_free(&r);
	}
	/* the requests took well under a second: about 10 pass */
	assert_true(ok >= 10 && ok <= 11);
	assert_true(limited >= 1);
	assert_true(atoi(last_remaining) <= 1);
	sleep_s(1.1);
	http(&h, "GET", "/v1/exceptions", viewer, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
}

static void a_batch_is_taken_whole_or_refused_whole(void **state)
{
	char ingest[128], reader[128];
	new_key("ingest", ingest, sizeof(ingest));
	new_key("viewer", reader, sizeof(reader));
	sleep_s(1.1); /* the tenant's bucket refills */
	struct http_resp r;
	char *b8 = events(0, 8), *b5 = events(100, 5), *b12 = events(200, 12);
	post_ndjson_with(&h, ingest, b8, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_of(&r, "\"status\":\"accepted\""), 8);
	http_free(&r);
	/* 2 tokens left of the key's 10: five events do not fit, none is stored */
	post_ndjson_with(&h, ingest, b5, &r);
	assert_int_equal(r.status, 429);
	assert_true(atoi(r.retry_after) >= 1);
	http_free(&r);
	sleep_s(1.1);
	for (int i = 100; i < 105; i++)
		assert_int_equal(stored(reader, i), 404);
	/* twelve never fit a burst of ten */
	post_ndjson_with(&h, ingest, b12, &r);
	assert_int_equal(r.status, 413);
	assert_true(has(&r, "split it"));
	http_free(&r);
	free(b8);
	free(b5);
	free(b12);
}

static void keys_of_a_tenant_share_its_limit(void **state)
{
	char a[128], b[128];
	new_key("viewer", a, sizeof(a));
	new_key("viewer", b, sizeof(b));
	sleep_s(1.1);
	struct http_resp r;
	int ok = 0;
	for (int i = 0; i < 10; i++) { /* a takes 10 of the tenant's 15 */
		http(&h, "GET", "/v1/exceptions", a, NULL, NULL, 0, &r);
		ok += r.status == 200;
		http_free(&r);
	}
	assert_true(ok >= 9);
	int b_ok = 0, b_tenant = 0;
	for (int i = 0; i < 10; i++) { /* b has its own 10, the tenant about 5 */
		http(&h, "GET", "/v1/exceptions", b, NULL, NULL, 0, &r);
		b_ok += r.status == 200;
		b_tenant += r.status == 429 && has(&r, "tenant's rate limit");
		http_free(&r);
	}
	assert_true(b_ok >= 4 && b_ok <= 8);
	assert_true(b_tenant >= 1);
}

static void a_tenants_own_limit_replaces_the_default(void **state)
{
	char *out = NULL;
	const char *args[] = {"tenant", "set", "--data", h.dir, "--rate-per-key", "3", NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	free(out);
	const char *bad[] = {"tenant", "set", "--data", h.dir, "--rate-per-key", "lots", NULL};
	char *err = NULL;
	assert_int_equal(harness_cli(bad, &out, &err), 2);
	assert_non_null(strstr(err, "--rate-per-key must be a number"));
	free(out);
	free(err);
	sleep_s(1.1);
	char k[128];
	new_key("viewer", k, sizeof(k));
	struct http_resp r;
	int ok = 0;
	for (int i = 0; i < 6; i++) {
		http(&h, "GET", "/v1/exceptions", k, NULL, NULL, 0, &r);
		if (r.status == 200)
			assert_string_equal(r.rl_limit, "3");
		ok += r.status == 200;
		http_free(&r);
	}
	assert_true(ok >= 3 && ok <= 4);
}

/* Refused requests are limited too: each is an audit entry, so a flood of
 * them must not turn into a flood of transactions. */
static void refusals_spend_the_limit_too(void **state)
{
	char viewer[128];
	sleep_s(1.1); /* the tenant's bucket refills after the test before */
	new_key("viewer", viewer, sizeof(viewer));
	sleep_s(1.1);
	int refused = 0, limited = 0;
	for (int i = 0; i < 14; i++) {
		struct http_resp r;
		const char *b = "{\"role\":\"admin\"}";
		http(&h, "POST", "/v1/keys", viewer, "application/json", b, strlen(b), &r);
		refused += r.status == 403;
		limited += r.status == 429;
		http_free(&r);
	}
	assert_true(refused >= 9 && refused <= 11);
	assert_true(limited >= 3);
}

/* Guessing a person's password is limited before any password is checked:
 * five tries, then 429 with Retry-After even for the right one; another
 * person from the same address still signs in. */
static void guessing_a_password_is_limited(void **state)
{
	sleep_s(1.1);
	const char *mk[] = {"{\"username\":\"kim\",\"password\":\"correct horse battery\","
	                    "\"role\":\"viewer\"}",
	                    "{\"username\":\"lee\",\"password\":\"correct horse battery\","
	                    "\"role\":\"viewer\"}"};
	struct http_resp r;
	for (int i = 0; i < 2; i++) {
		http(&h, "POST", "/v1/users", h.key, "application/json", mk[i], strlen(mk[i]), &r);
		assert_int_equal(r.status, 201);
		http_free(&r);
	}
	const char *wrong = "{\"tenant\":\"default\",\"username\":\"kim\",\"password\":\"guess\"}";
	const char *right = "{\"tenant\":\"default\",\"username\":\"kim\",\"password\":"
	                    "\"correct horse battery\"}";
	for (int i = 0; i < 5; i++) {
		http(&h, "POST", "/v1/sessions", NULL, "application/json", wrong, strlen(wrong),
		     &r);
		assert_int_equal(r.status, 401);
		http_free(&r);
	}
	http(&h, "POST", "/v1/sessions", NULL, "application/json", wrong, strlen(wrong), &r);
	assert_int_equal(r.status, 429);
	assert_true(atoi(r.retry_after) >= 1);
	assert_true(has(&r, "too many sign-ins for this person"));
	http_free(&r);
	http(&h, "POST", "/v1/sessions", NULL, "application/json", right, strlen(right), &r);
	assert_int_equal(r.status, 429);
	http_free(&r);
	const char *other = "{\"tenant\":\"default\",\"username\":\"lee\",\"password\":"
	                    "\"correct horse battery\"}";
	http(&h, "POST", "/v1/sessions", NULL, "application/json", other, strlen(other), &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
}

/* A connector's deliveries spend like a key of its tenant, before their
 * signature is checked: a flood of forged ones (each a refusal in the audit
 * log) meets 429 after the tenant's per-key rate. */
static void a_flood_of_forged_deliveries_is_limited(void **state)
{
	char sf[300];
	snprintf(sf, sizeof(sf), "%s/shop.secret", h.dir);
	FILE *f = fopen(sf, "w");
	assert_non_null(f);
	fputs("a-secret-for-the-limits-test", f);
	fclose(f);
	char *out = NULL;
	const char *add[] = {"connector", "add",           "--data", h.dir, "--source",
	                     "shopify",   "--secret-file", sf,       NULL};
	assert_int_equal(harness_cli(add, &out, NULL), 0);
	char path[200];
	snprintf(path, sizeof(path), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	assert_non_null(strstr(path, "/v1/webhooks/shopify?connector="));
	sleep_s(1.1);
	int refused = 0, limited = 0;
	const char *body = "{\"id\":1}";
	const char *hd[] = {"X-Shopify-Hmac-Sha256: Zm9yZ2Vk", "X-Shopify-Topic: orders/create",
	                    NULL};
	for (int i = 0; i < 14; i++) {
		struct http_resp r;
		http_with(&h, "POST", path, NULL, "application/json", body, strlen(body), hd, &r);
		refused += r.status == 401;
		limited += r.status == 429;
		if (r.status == 429)
			assert_true(has(&r, "rate limit is spent"));
		http_free(&r);
	}
	assert_true(refused >= 9 && refused <= 11);
	assert_true(limited >= 3);
}

/* From one address, thirty sign-ins, then one every two seconds, whoever
 * they are for: a guesser trying many people is limited too. */
static void many_sign_ins_from_one_address_are_limited(void **state)
{
	int limited = 0;
	for (int i = 0; i < 40 && !limited; i++) {
		char body[160];
		snprintf(
		    body, sizeof(body),
		    "{\"tenant\":\"default\",\"username\":\"nobody%d\",\"password\":\"guess\"}", i);
		struct http_resp r;
		http(&h, "POST", "/v1/sessions", NULL, "application/json", body, strlen(body), &r);
		if (r.status == 429) {
			assert_true(has(&r, "too many sign-ins from this address"));
			limited = 1;
		} else {
			assert_int_equal(r.status, 401);
		}
		http_free(&r);
	}
	assert_true(limited);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_key_is_limited_and_told_when_to_come_back),
	    cmocka_unit_test(a_batch_is_taken_whole_or_refused_whole),
	    cmocka_unit_test(keys_of_a_tenant_share_its_limit),
	    cmocka_unit_test(refusals_spend_the_limit_too),
	    cmocka_unit_test(guessing_a_password_is_limited),
	    cmocka_unit_test(many_sign_ins_from_one_address_are_limited),
	    cmocka_unit_test(a_flood_of_forged_deliveries_is_limited),
	    cmocka_unit_test(a_tenants_own_limit_replaces_the_default),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
