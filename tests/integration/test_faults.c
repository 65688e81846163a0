/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_faults.c - kinds of fault found by review and by trying ordex as a
 * new user, each pinned by a test named after the fault: hostile NDJSON,
 * retries that differ only in whitespace, a byte order mark, keys used
 * beyond their role, late facts that must not undo newer ones, money that
 * must not be mixed or lost, and work that must not be capped.
 */
#include "testutil.h"

#include <curl/curl.h>
#include <time.h>

#include "harness.h"

#include <sqlite3.h>

static struct harness h;

static int setup(void **state)
{
	curl_global_init(CURL_GLOBAL_ALL);
	harness_init(&h);
	harness_serve(&h, NULL);
	return 0;
}

static int teardown(void **state)
{
	harness_cleanup(&h);
	curl_global_cleanup();
	return 0;
}

static long emit(const char *type, const char *order, const char *at, const char *data)
{
	return harness_emit(&h, "f", "test", type, order, at, data);
}

static void get_order(const char *order, struct http_resp *r)
{
	char path[256];
	snprintf(path, sizeof(path), "/v1/orders/%s", order);
	get(&h, path, r);
	assert_int_equal(r->status, 200);
}

static void ndjson_lines_of_only_carriage_returns_do_not_crash(void **state)
{
	size_t n = 20000;
	char *body = malloc(n * 4 + 512);
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(body + len, i % 2 ? " \r \n" : "\r\r\n", i % 2 ? 4 : 3);
		len += i % 2 ? 4 : 3;
	}
	len += (size_t)sprintf(body + len,
	                       "{\"id\":\"cr1\",\"source\":\"test\",\"type\":"
	                       "\"payment.failed\",\"occurred_at\":\"2025-01-01T00:00:00Z\","
	                       "\"order\":\"CR-1\",\"data\":{\"payment\":\"crp\"}}\r\n");
	struct http_resp r;
	http(&h, "POST", "/v1/events", h.key, "application/x-ndjson", body, len, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"accepted\":1"));
	assert_true(has(&r, "\"rejected\":0"));
	http_free(&r);
	free(body);
	http(&h, "GET", "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
}

static void retry_differing_only_in_whitespace_is_a_duplicate(void **state)
{
	const char *a = "{\"id\":\"ws1\",\"source\":\"test\",\"type\":\"order.created\","
	                "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"WS-1\"}";
	const char *b = "{ \"id\": \"ws1\", \"source\": \"test\", \"type\": \"order.created\",\n"
	                "  \"occurred_at\": \"2025-01-01T00:00:00Z\", \"order\": \"WS-1\" }\n";
	struct http_resp r;
	post_event(&h, a, &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	post_event(&h, b, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"status\":\"duplicate\""));
	http_free(&r);
	post_ndjson(&h, a, &r); /* the same event over NDJSON */
	assert_true(has(&r, "\"duplicate\":1"));
	http_free(&r);
}

static void byte_order_mark_keeps_the_order_page_valid_json(void **state)
{
	const char *b =
	    "\xEF\xBB\xBF{\"id\":\"bom1\",\"source\":\"test\",\"type\":\"order.created\","
	    "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"BOM-1\"}";
	struct http_resp r;
	post_event(&h, b, &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	get_order("BOM-1", &r);
	assert_false(has(&r, "\xEF\xBB\xBF"));
	assert_true(has(&r, "\"event\":{\"id\":\"bom1\""));
	http_free(&r);
}

static void viewer_key_may_read_but_not_write(void **state)
{
	char *out = NULL;
	const char *args[] = {"key", "create", "--data", h.dir, "--role", "viewer", NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	char viewer[128];
	snprintf(viewer, sizeof(viewer), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	const char *ev = "{\"id\":\"v1\",\"source\":\"test\",\"type\":\"order.cancelled\","
	                 "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"V-1\"}";
	struct http_resp r;
	http(&h, "POST", "/v1/events", viewer, "application/json", ev, strlen(ev), &r);
	assert_int_equal(r.status, 403);
	assert_true(has(&r, "\"code\":\"forbidden\""));
	http_free(&r);
	http(&h, "GET", "/v1/exceptions", viewer, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	http(&h, "GET", "/v1/orders/V-1", viewer, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 404); /* nothing was stored */
	http_free(&r);
	/* the refusal names the role and the operation */
	http(&h, "GET", "/metrics", viewer, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 403);
	assert_true(has(&r, "viewer\\\" may not do metrics.read")); /* JSON-escaped */
	http_free(&r);
}

/* Each role reaches the routes of its operations (docs/access.md), no more. */
static void roles_reach_the_routes_of_their_operations(void **state)
{
	static const struct {
		const char *role, *method, *path;
		int status;
	} cases[] = {
	    {"auditor", "GET", "/metrics", 200},
	    {"auditor", "POST", "/v1/connectors", 403},
	    {"ingest", "GET", "/v1/exceptions", 403},
	    {"ingest", "GET", "/metrics", 403},
	    {"support_agent", "GET", "/v1/identity/suggestions", 200},
	    {"support_agent", "POST", "/v1/identity/suggestions/999999", 403},
	    /* an ops reviewer may decide: the suggestion does not exist, so 404 */
	    {"ops_reviewer", "POST", "/v1/identity/suggestions/999999", 404},
	    {"finance_approver", "POST", "/v1/connectors", 403},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		const char *args[] = {"key",    "create",      "--data", h.dir,
		                      "--role", cases[i].role, NULL};
		assert_int_equal(harness_cli(args, &out, NULL), 0);
		char key[128];
		snprintf(key, sizeof(key), "%.*s", (int)strcspn(out, "\n"), out);
		free(out);
		const char *body =
		    !strcmp(cases[i].method, "POST") ? "{\"decision\":\"confirm\"}" : NULL;
		struct http_resp r;
		http(&h, cases[i].method, cases[i].path, key, body ? "application/json" : NULL,
		     body, body ? strlen(body) : 0, &r);
		if (r.status != cases[i].status)
			fail_msg("%s %s %s: %d, wanted %d", cases[i].role, cases[i].method,
			         cases[i].path, r.status, cases[i].status);
		http_free(&r);
	}
}

/* The "key" of a POST /v1/keys answer, copied out of the JSON. */
static void key_of(const struct http_resp *r, char *out, size_t n)
{
	const char *p = strstr(r->body, "\"key\":\"");
	assert_non_null(p);
	p += 7;
	snprintf(out, n, "%.*s", (int)strcspn(p, "\""), p);
}

static long id_of(const struct http_resp *r)
{
	const char *p = strstr(r->body, "\"id\":");
	assert_non_null(p);
	return strtol(p + 5, NULL, 10);
}

/*
 * Service identities through the API: a key narrowed to ingest sends events
 * and reads nothing; a viewer cannot grant itself admin (refused, audited);
 * a revoked key is refused on its very next request; a rotation leaves the
 * old key working for its overlap; an expiry in the past is refused.
 */
static void keys_are_granted_narrowed_rotated_and_revoked(void **state)
{
	struct http_resp r;
	const char *ingest_only = "{\"role\":\"admin\",\"scopes\":[\"ingest\"],\"name\":\"shop\"}";
	http(&h, "POST", "/v1/keys", h.key, "application/json", ingest_only, strlen(ingest_only),
	     &r);
	assert_int_equal(r.status, 201);
	assert_true(has(&r, "\"scopes\":[\"ingest\"]"));
	char shop[128];
	key_of(&r, shop, sizeof(shop));
	long shop_id = id_of(&r);
	http_free(&r);
	const char *ev = "{\"id\":\"k1\",\"source\":\"test\",\"type\":\"order.cancelled\","
	                 "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"K-1\"}";
	http(&h, "POST", "/v1/events", shop, "application/json", ev, strlen(ev), &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	http(&h, "GET", "/v1/exceptions", shop, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 403);
	assert_true(has(&r, "scopes do not include"));
	http_free(&r);

	/* a viewer asks for an admin key: refused and recorded */
	const char *v = "{\"role\":\"viewer\"}";
	http(&h, "POST", "/v1/keys", h.key, "application/json", v, strlen(v), &r);
	assert_int_equal(r.status, 201);
	char viewer[128];
	key_of(&r, viewer, sizeof(viewer));
	http_free(&r);
	const char *up = "{\"role\":\"admin\"}";
	http(&h, "POST", "/v1/keys", viewer, "application/json", up, strlen(up), &r);
	assert_int_equal(r.status, 403);
	http_free(&r);

	/* an admin key narrowed to manage cannot mint a full admin key */
	const char *mgr = "{\"role\":\"admin\",\"scopes\":[\"manage\"]}";
	http(&h, "POST", "/v1/keys", h.key, "application/json", mgr, strlen(mgr), &r);
	assert_int_equal(r.status, 201);
	char manager[128];
	key_of(&r, manager, sizeof(manager));
	http_free(&r);
	http(&h, "POST", "/v1/keys", manager, "application/json", up, strlen(up), &r);
	assert_int_equal(r.status, 403);
	assert_true(has(&r, "does not hold"));
	http_free(&r);

	/* revoked: the very next request is refused */
	char path[64];
	snprintf(path, sizeof(path), "/v1/keys/%ld", shop_id);
	http(&h, "DELETE", path, h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	http(&h, "POST", "/v1/events", shop, "application/json", ev, strlen(ev), &r);
	assert_int_equal(r.status, 401);
	http_free(&r);
	http(&h, "DELETE", "/v1/keys/999999", h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 404);
	http_free(&r);

	/* rotation: the replaced key works during its overlap, the new one too */
	const char *rot = "{\"role\":\"viewer\",\"replaces\":%ld,\"overlap_seconds\":3600}";
	char body[128];
	http(&h, "POST", "/v1/keys", h.key, "application/json", v, strlen(v), &r);
	long old_id = id_of(&r);
	char old_key[128];
	key_of(&r, old_key, sizeof(old_key));
	http_free(&r);
	snprintf(body, sizeof(body), rot, old_id);
	http(&h, "POST", "/v1/keys", h.key, "application/json", body, strlen(body), &r);
	assert_int_equal(r.status, 201);
	char new_key[128];
	key_of(&r, new_key, sizeof(new_key));
	http_free(&r);
	http(&h, "GET", "/v1/exceptions", old_key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	http(&h, "GET", "/v1/exceptions", new_key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	http(&h, "GET", "/v1/keys", h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"state\":\"rotating\""));
	assert_true(has(&r, "\"state\":\"revoked\""));
	assert_false(has(&r, old_key)); /* secrets are never listed */
	http_free(&r);

	/* bad input names the field */
	const char *bad = "{\"role\":\"root\",\"scopes\":[\"everything\"],"
	                  "\"expires_at\":\"2001-01-01T00:00:00Z\"}";
	http(&h, "POST", "/v1/keys", h.key, "application/json", bad, strlen(bad), &r);
	assert_int_equal(r.status, 422);
	assert_true(has(&r, "\"field\":\"role\""));
	assert_true(has(&r, "\"field\":\"scopes[0]\""));
	assert_true(has(&r, "\"field\":\"expires_at\""));
	http_free(&r);

	/* the audit log holds the grants, the refusals and the revocation */
	char *out = NULL;
	const char *args[] = {"audit", "verify", "--data", h.dir, NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	free(out);
	sqlite3 *db = NULL;
	char dbp[300];
	snprintf(dbp, sizeof(dbp), "%s/ordex.db", h.dir);
	assert_int_equal(sqlite3_open(dbp, &db), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT kind, count(*) FROM audit WHERE kind LIKE "
	                                    "'key.%' AND body NOT LIKE '%\"by\":\"cli\"%' "
	                                    "GROUP BY kind ORDER BY kind",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	char seen[256] = "";
	while (sqlite3_step(q) == SQLITE_ROW)
		snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s=%d ",
		         sqlite3_column_text(q, 0), sqlite3_column_int(q, 1));
	sqlite3_finalize(q);
	assert_string_equal(seen, "key.created=5 key.grant_refused=1 key.revoked=1 key.rotated=1 ");
	/* the viewer's attempt never reached the handler: the router refused and
	 * recorded it, naming the operation; so was the ingest-only key's read */
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT count(*) FROM audit WHERE kind = "
	                                    "'access.denied' AND (body LIKE "
	                                    "'%\"operation\":\"principals.manage\"%POST /v1/keys%' "
	                                    "OR body LIKE '%\"request\":\"GET /v1/exceptions\"%"
	                                    "scopes do not include%')",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 2);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* The number after "name": in a JSON body, or -1. */
static long json_count(const struct http_resp *r, const char *name)
{
	char k[80];
	snprintf(k, sizeof(k), "\"%s\":", name);
	const char *p = strstr(r->body, k);
	return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

/*
 * ordex import names each refused line by the file's line number, and a line
 * that is not JSON by its column on that line (it is parsed alone, so its
 * own "line 1" would point at the file's first line); it is metered like
 * the API: received, and accepted or rejected.
 */
/* A total of `ordex usage --env sandbox` (0 when it has none). */
static long sandbox_total(const char *metric)
{
	const char *args[] = {"usage", "--data", h.dir, "--env", "sandbox", NULL};
	char *out = NULL;
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	char key[96];
	snprintf(key, sizeof(key), "total\t%s\t", metric);
	const char *at = strstr(out, key);
	long n = at ? atol(at + strlen(key)) : 0;
	free(out);
	return n;
}

static void import_names_the_files_lines(void **state)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/bad.ndjson", h.dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"id\":\"imp-1\",\"source\":\"file\",\"type\":\"order.created\","
	      "\"occurred_at\":\"2026-12-04T10:00:00Z\",\"order\":\"IMP-1\"}\n"
	      "{\"id\":\"imp-2\",\"source\":\"file\"}\n"
	      "not json\n",
	      f);
	fclose(f);
	long received = sandbox_total("events.received"),
	     rejected = sandbox_total("events.rejected"),
	     accepted = sandbox_total("events.accepted");
	const char *args[] = {"import", "--data", h.dir, "--env", "sandbox", path, NULL};
	char *out = NULL, *err = NULL;
	assert_int_equal(harness_cli(args, &out, &err), 3); /* some lines refused */
	/* metered like the API: every line received, in one outcome each */
	assert_int_equal(sandbox_total("events.received"), received + 3);
	assert_int_equal(sandbox_total("events.rejected"), rejected + 2);
	assert_int_equal(sandbox_total("events.accepted"), accepted + 1);
	char want[700];
	snprintf(want, sizeof(want), "%s:2: rejected: type: is required", path);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "%s:3: rejected: invalid token \"not\" (column 1)", path);
	assert_non_null(strstr(err, want));
	assert_null(strstr(err, "line 1,"));
	free(out);
	free(err);
}

/*
 * Metering: what a sandbox key sent is what GET /v1/usage counts for the
 * sandbox: events received, accepted, duplicate (in the request and answered
 * early), rejected (invalid, or a conflict refused early), stored bytes, and
 * API calls by operation.
 */
static void usage_counts_what_was_sent(void **state)
{
	char *out = NULL;
	const char *args[] = {"key",     "create", "--data", h.dir, "--env",
	                      "sandbox", "--role", "admin",  NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	char sb[128];
	snprintf(sb, sizeof(sb), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	/* 3 new events, 1 repeated inside the batch, 1 invalid */
	const char *batch = "{\"id\":\"u1\",\"source\":\"t\",\"type\":\"order.cancelled\","
	                    "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"U-1\"}\n"
	                    "{\"id\":\"u2\",\"source\":\"t\",\"type\":\"order.cancelled\","
	                    "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"U-2\"}\n"
	                    "{\"id\":\"u1\",\"source\":\"t\",\"type\":\"order.cancelled\","
	                    "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"U-1\"}\n"
	                    "{\"id\":\"u3\",\"source\":\"t\",\"type\":\"order.cancelled\","
	                    "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"U-3\"}\n"
	                    "{\"id\":\"u4\",\"source\":\"t\",\"type\":\"order.cancelled\"}\n";
	struct http_resp r;
	http(&h, "POST", "/v1/events", sb, "application/x-ndjson", batch, strlen(batch), &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	/* two more requests: one duplicate answered early, one new */
	const char *dup = "{\"id\":\"u2\",\"source\":\"t\",\"type\":\"order.cancelled\","
	                  "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"U-2\"}";
	http(&h, "POST", "/v1/events", sb, "application/json", dup, strlen(dup), &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	/* and a conflict with an event already durable, refused early too */
	const char *changed = "{\"id\":\"u3\",\"source\":\"t\",\"type\":\"order.cancelled\","
	                      "\"occurred_at\":\"2025-01-02T00:00:00Z\",\"order\":\"U-3\"}";
	http(&h, "POST", "/v1/events", sb, "application/json", changed, strlen(changed), &r);
	assert_int_equal(r.status, 409);
	http_free(&r);
	for (int i = 0; i < 3; i++) {
		http(&h, "GET", "/v1/exceptions", sb, NULL, NULL, 0, &r);
		assert_int_equal(r.status, 200);
		http_free(&r);
	}
	/* counts are written with the next transaction or within a second */
	struct timespec ts = {1, 300000000};
	nanosleep(&ts, NULL);
	http(&h, "GET", "/v1/usage?bucket=day", sb, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_count(&r, "events.received"), 7);
	assert_int_equal(json_count(&r, "events.accepted"), 3);
	assert_int_equal(json_count(&r, "events.duplicate"), 2);
	assert_int_equal(json_count(&r, "events.rejected"), 2);
	/* every event received is in exactly one of the outcomes */
	assert_int_equal(json_count(&r, "events.received"), json_count(&r, "events.accepted") +
	                                                        json_count(&r, "events.duplicate") +
	                                                        json_count(&r, "events.rejected"));
	assert_int_equal(json_count(&r, "api.events.ingest"), 3);
	assert_int_equal(json_count(&r, "api.exceptions.read"), 3);
	assert_true(json_count(&r, "bytes.stored") > 3 * 90);
	http_free(&r);
	/* the counts above are exact although production took traffic from the
	 * other tests on the same server: environments are counted apart */
	http(&h, "GET", "/v1/usage", h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"environment\":\"production\""));
	assert_true(json_count(&r, "events.received") >= 1);
	http_free(&r);
	/* ordex usage prints the same counts */
	const char *uargs[] = {"usage",   "--data",   h.dir, "--env",
	                       "sandbox", "--bucket", "day", NULL};
	assert_int_equal(harness_cli(uargs, &out, NULL), 0);
	assert_non_null(strstr(out, "total\tevents.received\t7\n"));
	assert_non_null(strstr(out, "total\tevents.accepted\t3\n"));
	assert_non_null(strstr(out, "total\tapi.exceptions.read\t3\n"));
	free(out);
	const char *bad[] = {"usage", "--data", h.dir, "--bucket", "week", NULL};
	char *err = NULL;
	assert_int_equal(harness_cli(bad, &out, &err), 2);
	assert_non_null(strstr(err, "--bucket must be hour or day"));
	free(out);
	free(err);
	http(&h, "GET", "/v1/usage?from=yesterday", sb, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 400);
	assert_true(has(&r, "\"field\":\"from\""));
	http_free(&r);
}

static void late_accept_does_not_release_a_newer_fraud_hold(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("fraud.signal", "FH-1", "2025-05-02T10:00:00Z", "{\"score\":80}"),
	                 201);
	assert_int_equal(
	    emit("fraud.signal", "FH-1", "2025-05-01T10:00:00Z", "{\"recommendation\":\"accept\"}"),
	    201);
	get_order("FH-1", &r);
	assert_true(has(&r, "\"fraud\":{\"state\":\"review\""));
	assert_true(has(&r, "\"kind\":\"fraud_review\",\"subject\":\"\",\"status\":\"open\""));
	http_free(&r);
}

static void late_invalid_address_does_not_undo_a_newer_verification(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("address.verified", "AV-1", "2025-05-01T10:30:00Z", "{}"), 201);
	assert_int_equal(emit("address.invalid", "AV-1", "2025-05-01T10:00:00Z", "{}"), 201);
	get_order("AV-1", &r);
	assert_true(has(&r, "\"address\":{\"state\":\"valid\"}"));
	assert_false(has(&r, "address_invalid"));
	http_free(&r);
}

static void cancelled_order_stays_cancelled_after_a_late_update(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("order.created", "CX-1", "2025-05-01T09:00:00Z", "{}"), 201);
	assert_int_equal(emit("order.cancelled", "CX-1", "2025-05-01T10:00:00Z", "{}"), 201);
	assert_int_equal(
	    emit("order.updated", "CX-1", "2025-05-01T09:30:00Z", "{\"status\":\"processing\"}"),
	    201);
	get_order("CX-1", &r);
	assert_true(has(&r, "\"status\":\"cancelled\""));
	http_free(&r);
}

static void failure_after_authorization_raises_payment_failed(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("payment.authorized", "PF-9", "2025-03-01T10:00:00Z",
	                      "{\"payment\":\"pf9\",\"amount\":\"10.00\",\"currency\":\"USD\"}"),
	                 201);
	assert_int_equal(emit("payment.failed", "PF-9", "2025-03-08T10:00:00Z",
	                      "{\"payment\":\"pf9\",\"reason\":\"authorization expired\"}"),
	                 201);
	get_order("PF-9", &r);
	assert_true(has(&r, "\"kind\":\"payment_failed\""));
	assert_true(has(&r, "authorization expired"));
	http_free(&r);
}

static void refund_seen_before_its_capture_does_not_lock_the_currency(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("payment.refunded", "RC-1", "2025-03-02T10:00:00Z",
	                      "{\"payment\":\"rc1\",\"refund\":\"re1\",\"amount\":\"30.00\","
	                      "\"currency\":\"USD\"}"),
	                 201);
	assert_int_equal(emit("payment.captured", "RC-1", "2025-03-01T10:00:00Z",
	                      "{\"payment\":\"rc1\",\"amount\":\"20.00\",\"currency\":\"USD\"}"),
	                 201);
	get_order("RC-1", &r);
	assert_true(has(&r, "\"status\":\"captured\""));
	assert_true(has(&r, "\"refunded\":\"30.00\""));
	assert_true(has(&r, "\"kind\":\"refund_mismatch\"")); /* 30 refunded of 20 */
	http_free(&r);
	/* the same refund again with a smaller amount changes nothing */
	assert_int_equal(emit("payment.refunded", "RC-1", "2025-03-03T10:00:00Z",
	                      "{\"payment\":\"rc1\",\"refund\":\"re1\",\"amount\":\"5.00\","
	                      "\"currency\":\"USD\"}"),
	                 201);
	get_order("RC-1", &r);
	assert_true(has(&r, "\"refunded\":\"30.00\""));
	http_free(&r);
}

static void dispute_raises_a_chargeback(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("payment.disputed", "DP-1", "2025-03-02T10:00:00Z",
	                      "{\"payment\":\"dp1\",\"amount\":\"30.00\",\"currency\":\"USD\","
	                      "\"reason\":\"fraudulent\"}"),
	                 201);
	get_order("DP-1", &r);
	assert_true(has(&r, "\"kind\":\"chargeback\""));
	http_free(&r);
}

static void order_already_in_transit_takes_no_stock(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("inventory.level", NULL, "2025-06-01T08:00:00Z",
	                      "{\"sku\":\"SKU-T1\",\"location\":\"W\",\"available\":1}"),
	                 201);
	assert_int_equal(emit("shipment.updated", "B-1", "2025-06-01T09:00:00Z",
	                      "{\"shipment\":\"b1\",\"status\":\"in_transit\"}"),
	                 201);
	assert_int_equal(emit("order.created", "B-1", "2025-06-01T08:30:00Z",
	                      "{\"lines\":[{\"sku\":\"SKU-T1\",\"qty\":1}]}"),
	                 201);
	assert_int_equal(emit("order.created", "B-2", "2025-06-01T10:00:00Z",
	                      "{\"lines\":[{\"sku\":\"SKU-T1\",\"qty\":1}]}"),
	                 201);
	get_order("B-2", &r);
	assert_false(has(&r, "inventory_shortage"));
	assert_true(has(&r, "\"allocated\":1"));
	http_free(&r);
}

static void stock_arriving_clears_every_short_order_not_just_some(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("inventory.level", NULL, "2025-06-02T08:00:00Z",
	                      "{\"sku\":\"SKU-MANY\",\"location\":\"W\",\"available\":0}"),
	                 201);
	char body[100 * 256];
	size_t len = 0;
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(
		    body + len, sizeof(body) - len,
		    "{\"id\":\"many%d\",\"source\":\"test\",\"type\":\"order."
		    "created\",\"occurred_at\":\"2025-06-02T09:00:00Z\",\"order\":"
		    "\"M-%d\",\"data\":{\"lines\":[{\"sku\":\"SKU-MANY\",\"qty\":1}]}}"
		    "\n",
		    i, i);
	post_ndjson(&h, body, &r);
	assert_true(has(&r, "\"accepted\":100"));
	http_free(&r);
	get(&h, "/v1/exceptions?kind=inventory_shortage&limit=500", &r);
	int open = count_of(&r, "Short 1 of SKU-MANY");
	http_free(&r);
	assert_int_equal(open, 100);
	assert_int_equal(emit("inventory.level", NULL, "2025-06-02T10:00:00Z",
	                      "{\"sku\":\"SKU-MANY\",\"location\":\"W\",\"available\":1000}"),
	                 201);
	get(&h, "/v1/exceptions?kind=inventory_shortage&limit=500", &r);
	assert_int_equal(count_of(&r, "SKU-MANY"), 0);
	http_free(&r);
}

static void a_date_promise_means_the_end_of_the_day_where_the_order_is(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("order.created", "TZP-1", "2025-03-01T10:00:00-03:00", "{}"), 201);
	/* the OMS writes in UTC; the date is still the customer's day */
	assert_int_equal(emit("order.updated", "TZP-1", "2025-03-02T10:00:00Z",
	                      "{\"promised_at\":\"2025-03-06\"}"),
	                 201);
	get_order("TZP-1", &r);
	assert_true(has(&r, "\"promised_by\":\"2025-03-06T23:59:59.999999-03:00\""));
	http_free(&r);
}

static void a_body_of_millions_of_tiny_values_is_refused_not_inflated(void **state)
{
	size_t n = 1 << 20; /* about 3 MiB of [0,0,...]: millions of nodes if taken */
	char *b = malloc(n * 2 + 16);
	size_t len = 0;
	b[len++] = '[';
	for (size_t i = 0; i < n; i++) {
		b[len++] = '0';
		b[len++] = ',';
	}
	b[len - 1] = ']';
	struct http_resp r;
	http(&h, "POST", "/v1/events", h.key, "application/json", b, len, &r);
	assert_int_equal(r.status, 413);
	assert_true(has(&r, "\"code\":\"too_many_values\""));
	http_free(&r);
	free(b);
}

static void one_parcel_known_by_two_names_is_one_shipment(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("shipment.created", "TN-1", "2025-06-03T09:00:00Z",
	                      "{\"shipment\":\"shop-fulfillment-77\",\"tracking\":\"TRK-9\","
	                      "\"status\":\"in_transit\"}"),
	                 201);
	assert_int_equal(emit("shipment.updated", NULL, "2025-06-04T09:00:00Z",
	                      "{\"shipment\":\"TRK-9\",\"tracking\":\"TRK-9\","
	                      "\"status\":\"delivered\"}"),
	                 201);
	get_order("TN-1", &r);
	assert_int_equal(count_of(&r, "\"status_at\":"), 1); /* one row in "shipments" */
	assert_true(has(&r, "{\"shipment\":\"shop-fulfillment-77\",\"status\":\"delivered\""));
	assert_int_equal(count_of(&r, "\"type\":\"shipment.updated\",\"source\""), 1);
	http_free(&r);
}

/* The carrier's scans come first (kept under the tracking number, no
 * order), the shop's fulfillment second without a tracking number; when the
 * shop adds the number, the two rows are one parcel: one shipment, its
 * newest scan, the carrier's events on the order's timeline. */
static void a_tracking_number_added_later_joins_the_carriers_shipment(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("shipment.updated", NULL, "2025-06-05T09:00:00Z",
	                      "{\"shipment\":\"TRK-51\",\"tracking\":\"TRK-51\","
	                      "\"carrier\":\"UPS\",\"status\":\"out_for_delivery\"}"),
	                 201);
	assert_int_equal(
	    emit("shipment.created", "TN-5", "2025-06-04T09:00:00Z",
	         "{\"shipment\":\"shop-fulfillment-51\",\"status\":\"label_created\"}"),
	    201);
	get_order("TN-5", &r);
	assert_int_equal(count_of(&r, "\"status_at\":"), 1);
	assert_true(has(&r, "\"status\":\"label_created\""));
	http_free(&r);
	assert_int_equal(emit("shipment.updated", "TN-5", "2025-06-04T10:00:00Z",
	                      "{\"shipment\":\"shop-fulfillment-51\",\"tracking\":\"TRK-51\","
	                      "\"status\":\"in_transit\"}"),
	                 201);
	get_order("TN-5", &r);
	assert_int_equal(count_of(&r, "\"status_at\":"), 1);
	assert_true(
	    has(&r, "{\"shipment\":\"shop-fulfillment-51\",\"status\":\"out_for_delivery\""));
	assert_true(has(&r, "\"carrier\":\"UPS\""));
	assert_int_equal(count_of(&r, "\"type\":\"shipment.updated\",\"source\""), 2);
	http_free(&r);
	/* a later scan under the tracking number lands on the one shipment */
	assert_int_equal(emit("shipment.updated", NULL, "2025-06-05T15:00:00Z",
	                      "{\"shipment\":\"TRK-51\",\"tracking\":\"TRK-51\","
	                      "\"status\":\"delivered\"}"),
	                 201);
	get_order("TN-5", &r);
	assert_int_equal(count_of(&r, "\"status_at\":"), 1);
	assert_true(has(&r, "{\"shipment\":\"shop-fulfillment-51\",\"status\":\"delivered\""));
	http_free(&r);
	/* an exception the carrier's row raised stays the one exception, now
	 * under the shipment's name: not resolved and opened again */
	assert_int_equal(emit("order.created", "TN-7", "2025-06-06T08:00:00Z", "{}"), 201);
	assert_int_equal(emit("shipment.updated", "TN-7", "2025-06-06T12:00:00Z",
	                      "{\"shipment\":\"TRK-71\",\"tracking\":\"TRK-71\","
	                      "\"status\":\"exception\",\"reason\":\"damaged\"}"),
	                 201);
	assert_int_equal(
	    emit("shipment.created", "TN-7", "2025-06-06T09:00:00Z",
	         "{\"shipment\":\"shop-fulfillment-71\",\"status\":\"label_created\"}"),
	    201);
	get(&h, "/v1/exceptions?order=TN-7", &r);
	assert_int_equal(count_of(&r, "\"kind\":\"delivery_exception\""), 1);
	http_free(&r);
	assert_int_equal(emit("shipment.updated", "TN-7", "2025-06-06T10:00:00Z",
	                      "{\"shipment\":\"shop-fulfillment-71\",\"tracking\":\"TRK-71\","
	                      "\"status\":\"in_transit\"}"),
	                 201);
	get(&h, "/v1/exceptions?order=TN-7&status=all", &r);
	assert_int_equal(count_of(&r, "\"kind\":\"delivery_exception\""), 1);
	assert_true(has(&r, "\"subject\":\"shop-fulfillment-71\""));
	assert_false(has(&r, "\"status\":\"resolved\""));
	http_free(&r);
	/* a tracking number that is another order's parcel is refused */
	assert_int_equal(
	    emit("shipment.created", "TN-6", "2025-06-05T09:00:00Z",
	         "{\"shipment\":\"shop-fulfillment-61\",\"status\":\"label_created\"}"),
	    201);
	assert_int_equal(emit("shipment.updated", "TN-6", "2025-06-05T10:00:00Z",
	                      "{\"shipment\":\"shop-fulfillment-61\",\"tracking\":\"TRK-51\","
	                      "\"status\":\"in_transit\"}"),
	                 422);
}

static void stock_level_named_by_item_waits_for_the_items_sku(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("order.created", "SK-1", "2025-06-05T09:00:00Z",
	                      "{\"lines\":[{\"sku\":\"PINK-1\",\"qty\":5}]}"),
	                 201);
	/* the shop reports stock under its own item id before saying which SKU it is */
	assert_int_equal(emit("inventory.level", NULL, "2025-06-05T09:30:00Z",
	                      "{\"item\":\"808950810\",\"location\":\"L1\",\"available\":2}"),
	                 201);
	get(&h, "/v1/inventory/PINK-1", &r);
	assert_true(has(&r, "\"known\":false"));
	http_free(&r);
	assert_int_equal(emit("inventory.item", NULL, "2025-06-05T10:00:00Z",
	                      "{\"item\":\"808950810\",\"sku\":\"PINK-1\"}"),
	                 201);
	get(&h, "/v1/inventory/PINK-1", &r);
	assert_true(has(&r, "\"level\":2"));
	http_free(&r);
	get_order("SK-1", &r);
	assert_true(has(&r, "Short 3 of PINK-1"));
	http_free(&r);
	/* later levels of that item apply at once */
	assert_int_equal(emit("inventory.level", NULL, "2025-06-05T11:00:00Z",
	                      "{\"item\":\"808950810\",\"location\":\"L1\",\"available\":9}"),
	                 201);
	get_order("SK-1", &r);
	assert_false(has(&r, "\"status\":\"open\""));
	http_free(&r);
}

static void an_update_naming_its_order_by_alias_waits_for_the_order(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("order.updated", NULL, "2025-06-06T10:00:00Z",
	                      "{\"status\":\"on_hold\",\"order_alias\":{\"source\":\"shop2\","
	                      "\"id\":\"999\"}}"),
	                 201);
	get(&h, "/v1/orders/AL-1", &r);
	assert_int_equal(r.status, 404);
	http_free(&r);
	assert_int_equal(emit("order.created", "AL-1", "2025-06-06T09:00:00Z",
	                      "{\"aliases\":[{\"source\":\"shop2\",\"id\":\"999\"}]}"),
	                 201);
	get_order("AL-1", &r);
	assert_true(has(&r, "\"status\":\"on_hold\""));
	assert_int_equal(count_of(&r, "\"type\":\"order.updated\",\"source\""), 1);
	http_free(&r);
}

static void a_fraud_signal_about_a_payment_reaches_the_payments_order(void **state)
{
	struct http_resp r;
	/* the payment first, then the signal naming only the payment */
	assert_int_equal(emit("payment.authorized", "FP-1", "2025-06-07T09:00:00Z",
	                      "{\"payment\":\"pi_fp1\",\"amount\":\"90.00\",\"currency\":\"USD\"}"),
	                 201);
	assert_int_equal(emit("fraud.signal", NULL, "2025-06-07T09:05:00Z",
	                      "{\"payment\":\"pi_fp1\",\"recommendation\":\"review\"}"),
	                 201);
	get_order("FP-1", &r);
	assert_true(has(&r, "\"kind\":\"fraud_review\""));
	http_free(&r);
	/* the signal first: it waits for the payment's order */
	assert_int_equal(emit("fraud.signal", NULL, "2025-06-07T10:05:00Z",
	                      "{\"payment\":\"pi_fp2\",\"recommendation\":\"investigate\"}"),
	                 201);
	assert_int_equal(emit("payment.authorized", "FP-2", "2025-06-07T10:00:00Z",
	                      "{\"payment\":\"pi_fp2\",\"amount\":\"90.00\",\"currency\":\"USD\"}"),
	                 201);
	get_order("FP-2", &r);
	assert_true(has(&r, "\"kind\":\"fraud_review\""));
	http_free(&r);
}

/* As emit(), from another source. */
static long emit_from(const char *source, const char *type, const char *at, const char *data)
{
	return harness_emit(&h, "f", source, type, NULL, at, data);
}

static void one_warehouse_under_two_names_is_counted_once(void **state)
{
	struct http_resp r;
	assert_int_equal(emit_from("shop", "inventory.level", "2025-06-08T09:00:00Z",
	                           "{\"sku\":\"WH-SKU\",\"location\":\"location-5\","
	                           "\"available\":3}"),
	                 201);
	assert_int_equal(emit_from("wms", "inventory.level", "2025-06-08T10:00:00Z",
	                           "{\"sku\":\"WH-SKU\",\"location\":\"WH-EAST\",\"available\":4}"),
	                 201);
	get(&h, "/v1/inventory/WH-SKU", &r);
	assert_true(has(&r, "\"level\":7")); /* not yet known to be one place */
	http_free(&r);
	assert_int_equal(emit_from("shop", "inventory.location", "2025-06-08T11:00:00Z",
	                           "{\"location\":\"location-5\",\"warehouse\":\"WH-EAST\"}"),
	                 201);
	get(&h, "/v1/inventory/WH-SKU", &r);
	assert_true(has(&r, "\"level\":4")); /* one warehouse; its newer level */
	http_free(&r);
	assert_int_equal(emit_from("shop", "inventory.level", "2025-06-08T12:00:00Z",
	                           "{\"sku\":\"WH-SKU\",\"location\":\"location-5\","
	                           "\"available\":2}"),
	                 201);
	get(&h, "/v1/inventory/WH-SKU", &r);
	assert_true(has(&r, "\"level\":2"));
	http_free(&r);
	/* the same location said again is nothing new; another warehouse for
	 * it is refused, naming the field, and changes nothing */
	assert_int_equal(emit_from("shop", "inventory.location", "2025-06-08T13:00:00Z",
	                           "{\"location\":\"location-5\",\"warehouse\":\"WH-EAST\"}"),
	                 201);
	char ev[512];
	snprintf(ev, sizeof(ev),
	         "{\"id\":\"f%d\",\"source\":\"shop\",\"type\":\"inventory.location\","
	         "\"occurred_at\":\"2025-06-08T14:00:00Z\",\"data\":{\"location\":\"location-5\","
	         "\"warehouse\":\"WH-WEST\"}}",
	         ++h.n_emitted);
	post_event(&h, ev, &r);
	assert_int_equal(r.status, 422);
	assert_true(has(&r, "\"field\":\"data.warehouse\""));
	assert_true(has(&r, "is warehouse \\\"WH-EAST\\\" already"));
	http_free(&r);
	assert_int_equal(emit_from("shop", "inventory.level", "2025-06-08T15:00:00Z",
	                           "{\"sku\":\"WH-SKU\",\"location\":\"location-5\","
	                           "\"available\":1}"),
	                 201);
	get(&h, "/v1/inventory/WH-SKU", &r);
	assert_true(has(&r, "\"level\":1"));
	assert_false(has(&r, "WH-WEST"));
	http_free(&r);
}

static void a_failed_refund_stops_counting_for_good(void **state)
{
	struct http_resp r;
	assert_int_equal(emit("payment.captured", "RF-1", "2025-06-09T09:00:00Z",
	                      "{\"payment\":\"rf1\",\"amount\":\"50.00\",\"currency\":\"USD\"}"),
	                 201);
	assert_int_equal(emit("payment.refunded", "RF-1", "2025-06-09T10:00:00Z",
	                      "{\"payment\":\"rf1\",\"refund\":\"re_f\",\"amount\":\"20.00\","
	                      "\"currency\":\"USD\",\"refund_status\":\"pending\"}"),
	                 201);
	get_order("RF-1", &r);
	assert_true(has(&r, "\"refunded\":\"20.00\""));
	http_free(&r);
	assert_int_equal(emit("payment.refunded", "RF-1", "2025-06-09T11:00:00Z",
	                      "{\"payment\":\"rf1\",\"refund\":\"re_f\",\"amount\":\"20.00\","
	                      "\"currency\":\"USD\",\"refund_status\":\"failed\"}"),
	                 201);
	get_order("RF-1", &r);
	assert_true(has(&r, "\"refunded\":\"0.00\""));
	http_free(&r);
	/* the success notice arriving late does not count it again */
	assert_int_equal(emit("payment.refunded", "RF-1", "2025-06-09T10:30:00Z",
	                      "{\"payment\":\"rf1\",\"refund\":\"re_f\",\"amount\":\"20.00\","
	                      "\"currency\":\"USD\"}"),
	                 201);
	get_order("RF-1", &r);
	assert_true(has(&r, "\"refunded\":\"0.00\""));
	http_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ndjson_lines_of_only_carriage_returns_do_not_crash),
	    cmocka_unit_test(retry_differing_only_in_whitespace_is_a_duplicate),
	    cmocka_unit_test(byte_order_mark_keeps_the_order_page_valid_json),
	    cmocka_unit_test(viewer_key_may_read_but_not_write),
	    cmocka_unit_test(roles_reach_the_routes_of_their_operations),
	    cmocka_unit_test(keys_are_granted_narrowed_rotated_and_revoked),
	    cmocka_unit_test(usage_counts_what_was_sent),
	    cmocka_unit_test(late_accept_does_not_release_a_newer_fraud_hold),
	    cmocka_unit_test(late_invalid_address_does_not_undo_a_newer_verification),
	    cmocka_unit_test(cancelled_order_stays_cancelled_after_a_late_update),
	    cmocka_unit_test(failure_after_authorization_raises_payment_failed),
	    cmocka_unit_test(refund_seen_before_its_capture_does_not_lock_the_currency),
	    cmocka_unit_test(dispute_raises_a_chargeback),
	    cmocka_unit_test(order_already_in_transit_takes_no_stock),
	    cmocka_unit_test(stock_arriving_clears_every_short_order_not_just_some),
	    cmocka_unit_test(a_date_promise_means_the_end_of_the_day_where_the_order_is),
	    cmocka_unit_test(one_parcel_known_by_two_names_is_one_shipment),
	    cmocka_unit_test(a_tracking_number_added_later_joins_the_carriers_shipment),
	    cmocka_unit_test(a_body_of_millions_of_tiny_values_is_refused_not_inflated),
	    cmocka_unit_test(stock_level_named_by_item_waits_for_the_items_sku),
	    cmocka_unit_test(an_update_naming_its_order_by_alias_waits_for_the_order),
	    cmocka_unit_test(a_fraud_signal_about_a_payment_reaches_the_payments_order),
	    cmocka_unit_test(one_warehouse_under_two_names_is_counted_once),
	    cmocka_unit_test(a_failed_refund_stops_counting_for_good),
	    cmocka_unit_test(import_names_the_files_lines),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
