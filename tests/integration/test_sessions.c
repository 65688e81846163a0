/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sessions.c - people over HTTP: an admin key creates a person, who
 * signs in with a password and gets an HttpOnly, SameSite=Strict cookie
 * and a CSRF token. The cookie reads; a state-changing request needs the
 * token as well (a cross-site form would send the cookie alone). A wrong
 * password, a forged cookie, a signed-out or disabled person are refused,
 * and a person cannot create someone with more power than their own.
 */
#include "testutil.h"

#include <curl/curl.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/common.h"
#include "harness.h"

#include <sqlite3.h>
#include <time.h>

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
	harness_stop(&h);
	harness_cleanup(&h);
	curl_global_cleanup();
	return 0;
}

static long create_user(const char *name, const char *role)
{
	char body[200];
	snprintf(body, sizeof(body),
	         "{\"username\":\"%s\",\"password\":\"correct horse battery\",\"role\":\"%s\"}",
	         name, role);
	struct http_resp r;
	http(&h, "POST", "/v1/users", h.key, "application/json", body, strlen(body), &r);
	assert_int_equal(r.status, 201);
	const char *p = strstr(r.body, "\"id\":");
	long id = p ? strtol(p + 5, NULL, 10) : -1;
	http_free(&r);
	return id;
}

struct session {
	char cookie[160]; /* "Cookie: ordex_session=..." */
	char csrf[120];   /* "X-CSRF-Token: ..." */
};

static long sign_in(const char *name, const char *password, struct session *s,
                    const char *const *headers, struct http_resp *keep)
{
	char body[300];
	snprintf(body, sizeof(body),
	         "{\"tenant\":\"default\",\"username\":\"%s\",\"password\":\"%s\"}", name,
	         password);
	struct http_resp r;
	http_with(&h, "POST", "/v1/sessions", NULL, "application/json", body, strlen(body), headers,
	          &r);
	long status = r.status;
	if (status == 201) {
		const char *v = strstr(r.set_cookie, "ordex_session=");
		assert_non_null(v);
		snprintf(s->cookie, sizeof(s->cookie), "Cookie: %.*s", (int)strcspn(v, ";"), v);
		const char *c = strstr(r.body, "\"csrf_token\":\"");
		assert_non_null(c);
		c += 14;
		snprintf(s->csrf, sizeof(s->csrf), "X-CSRF-Token: %.*s", (int)strcspn(c, "\""), c);
	}
	if (keep)
		*keep = r;
	else
		http_free(&r);
	return status;
}

static long as(const struct session *s, bool with_csrf, const char *method, const char *path,
               const char *body)
{
	const char *hd[] = {s->cookie, with_csrf ? s->csrf : NULL, NULL};
	struct http_resp r;
	http_with(&h, method, path, NULL, body ? "application/json" : NULL, body,
	          body ? strlen(body) : 0, hd, &r);
	long st = r.status;
	http_free(&r);
	return st;
}

static int audit_count(const char *kind, const char *like);

static void a_person_signs_in_reads_and_needs_the_csrf_token_to_change(void **state)
{
	create_user("ana", "admin");
	struct session s;
	struct http_resp r;
	assert_int_equal(sign_in("ana", "correct horse battery", &s, NULL, &r), 201);
	assert_non_null(strstr(r.set_cookie, "HttpOnly"));
	assert_non_null(strstr(r.set_cookie, "SameSite=Strict"));
	assert_null(strstr(r.set_cookie, "Secure")); /* plain HTTP */
	http_free(&r);
	/* behind a TLS proxy the cookie is Secure */
	struct session s2;
	const char *tls[] = {"X-Forwarded-Proto: https", NULL};
	assert_int_equal(sign_in("ana", "correct horse battery", &s2, tls, &r), 201);
	assert_non_null(strstr(r.set_cookie, "; Secure"));
	http_free(&r);

	assert_int_equal(as(&s, false, "GET", "/v1/exceptions", NULL), 200);
	/* a cross-site form sends the cookie, never the token */
	const char *key = "{\"role\":\"viewer\"}";
	assert_int_equal(as(&s, false, "POST", "/v1/keys", key), 403);
	assert_int_equal(as(&s, true, "POST", "/v1/keys", key), 201);
	/* a wrong token is no token */
	struct session wrong = s;
	snprintf(wrong.csrf, sizeof(wrong.csrf), "X-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(as(&wrong, true, "POST", "/v1/keys", key), 403);
	/* both refusals are in the audit log, with who and why */
	assert_int_equal(audit_count("access.denied", "%user:ana%X-CSRF-Token%"), 2);

	/* sign out: the cookie is dead from the next request */
	assert_int_equal(as(&s, true, "DELETE", "/v1/sessions", NULL), 200);
	assert_int_equal(as(&s, false, "GET", "/v1/exceptions", NULL), 401);
	/* the other session is untouched */
	assert_int_equal(as(&s2, false, "GET", "/v1/exceptions", NULL), 200);
}

static void refusals_are_the_same_and_recorded(void **state)
{
	create_user("bo", "viewer");
	struct session s;
	assert_int_equal(sign_in("bo", "wrong password here", &s, NULL, NULL), 401);
	assert_int_equal(sign_in("nobody", "correct horse battery", &s, NULL, NULL), 401);
	struct session forged = {.cookie =
	                             "Cookie: ordex_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
	assert_int_equal(as(&forged, false, "GET", "/v1/exceptions", NULL), 401);
	/* a sign-in is JSON: a cross-site form (text/plain) cannot sign anyone in */
	struct http_resp r;
	const char *login = "{\"tenant\":\"default\",\"username\":\"bo\",\"password\":"
	                    "\"correct horse battery\"}";
	http(&h, "POST", "/v1/sessions", NULL, "text/plain", login, strlen(login), &r);
	assert_int_equal(r.status, 415);
	http_free(&r);
	/* names that cannot exist are refused without a trace in the audit log */
	char big[1200];
	snprintf(big, sizeof(big),
	         "{\"tenant\":\"default\",\"environment\":\"%0900d\",\"username\":\"bo\","
	         "\"password\":\"x\"}",
	         0);
	http(&h, "POST", "/v1/sessions", NULL, "application/json", big, strlen(big), &r);
	assert_int_equal(r.status, 401);
	http_free(&r);
	const char *odd = "{\"tenant\":\"default\",\"username\":\"NOT A NAME\",\"password\":\"x\"}";
	http(&h, "POST", "/v1/sessions", NULL, "application/json", odd, strlen(odd), &r);
	assert_int_equal(r.status, 401);
	http_free(&r);
	/* bad input names the field */
	const char *bad = "{\"tenant\":7}";
	http(&h, "POST", "/v1/sessions", NULL, "application/json", bad, strlen(bad), &r);
	assert_int_equal(r.status, 422);
	assert_true(has(&r, "\"field\":\"tenant\""));
	assert_true(has(&r, "\"field\":\"username\""));
	http_free(&r);
	const char *weak = "{\"username\":\"cy\",\"password\":\"short\",\"role\":\"viewer\"}";
	http(&h, "POST", "/v1/users", h.key, "application/json", weak, strlen(weak), &r);
	assert_int_equal(r.status, 422);
	assert_true(has(&r, "\"field\":\"password\""));
	http_free(&r);
	const char *taken =
	    "{\"username\":\"bo\",\"password\":\"correct horse battery\",\"role\":\"viewer\"}";
	http(&h, "POST", "/v1/users", h.key, "application/json", taken, strlen(taken), &r);
	assert_int_equal(r.status, 409);
	http_free(&r);
	/* the refused sign-in is in the audit log, which verifies */
	char *out = NULL;
	const char *args[] = {"audit", "verify", "--data", h.dir, NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	free(out);
	char dbp[300];
	snprintf(dbp, sizeof(dbp), "%s/ordex.db", h.dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbp, &db), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT count(*) FROM audit WHERE kind = "
	                                    "'session.refused' AND subject = 'user:bo'",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 1); /* the wrong password only */
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT count(*) FROM audit WHERE kind = "
	                                    "'session.refused' AND (length(body) > 300 OR subject "
	                                    "LIKE '%NOT A NAME%')",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static void nobody_creates_more_than_they_hold_and_disabling_ends_sessions(void **state)
{
	long id = create_user("cy", "ops_reviewer");
	create_user("di", "admin");
	struct session ops, adm;
	assert_int_equal(sign_in("cy", "correct horse battery", &ops, NULL, NULL), 201);
	assert_int_equal(sign_in("di", "correct horse battery", &adm, NULL, NULL), 201);
	/* an ops reviewer manages nobody */
	const char *admin_user =
	    "{\"username\":\"eve\",\"password\":\"correct horse battery\",\"role\":\"admin\"}";
	assert_int_equal(as(&ops, true, "POST", "/v1/users", admin_user), 403);
	/* an admin person disables the ops reviewer: their session ends */
	char path[64];
	snprintf(path, sizeof(path), "/v1/users/%ld", id);
	assert_int_equal(as(&ops, false, "GET", "/v1/exceptions", NULL), 200);
	assert_int_equal(as(&adm, true, "DELETE", path, NULL), 200);
	assert_int_equal(as(&ops, false, "GET", "/v1/exceptions", NULL), 401);
	assert_int_equal(sign_in("cy", "correct horse battery", &ops, NULL, NULL), 401);
	struct http_resp r;
	http(&h, "GET", "/v1/users", h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "\"username\":\"cy\",\"role\":\"ops_reviewer\",\"scopes\":[],"
	                    "\"customers\":null,\"state\":\"disabled\""));
	assert_false(has(&r, "argon2")); /* hashes never leave */
	http_free(&r);
}

/* The count of audit entries of a kind whose body holds `like` (a LIKE pattern). */
static int audit_count(const char *kind, const char *like)
{
	char dbp[300], q[400];
	snprintf(dbp, sizeof(dbp), "%s/ordex.db", h.dir);
	snprintf(q, sizeof(q), "SELECT count(*) FROM audit WHERE kind = '%s' AND body LIKE '%s'",
	         kind, like);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbp, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/*
 * Credentials that exist but no longer work (a revoked or expired key, a
 * signed-out session, the session of a disabled person) are answered 401
 * like unknown ones, and each attempt is recorded in the tenant's log with
 * why; an unknown credential names no tenant and is only answered.
 */
static void dead_credentials_are_refused_and_recorded(void **state)
{
	struct http_resp r;
	/* a key that expires in two seconds, and one revoked at once */
	char body[160], exp[32];
	time_t t = time(NULL) + 2;
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	snprintf(body, sizeof(body), "{\"role\":\"viewer\",\"expires_at\":\"%s\"}", exp);
	http(&h, "POST", "/v1/keys", h.key, "application/json", body, strlen(body), &r);
	assert_int_equal(r.status, 201);
	char soon[128];
	const char *k = strstr(r.body, "\"key\":\"");
	assert_non_null(k);
	snprintf(soon, sizeof(soon), "%.*s", (int)strcspn(k + 7, "\""), k + 7);
	http_free(&r);
	const char *v = "{\"role\":\"viewer\"}";
	http(&h, "POST", "/v1/keys", h.key, "application/json", v, strlen(v), &r);
	assert_int_equal(r.status, 201);
	char gone[128], path[64];
	k = strstr(r.body, "\"key\":\"");
	snprintf(gone, sizeof(gone), "%.*s", (int)strcspn(k + 7, "\""), k + 7);
	snprintf(path, sizeof(path), "/v1/keys/%ld",
	         strtol(strstr(r.body, "\"id\":") + 5, NULL, 10));
	http_free(&r);
	http(&h, "GET", "/v1/exceptions", soon, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	http(&h, "DELETE", path, h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	http(&h, "GET", "/v1/exceptions", gone, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.body, "the key was revoked"));
	http_free(&r);
	/* a leaked key used in a loop: answered every time, recorded once a minute */
	for (int i = 0; i < 30; i++) {
		http(&h, "GET", "/v1/exceptions", gone, NULL, NULL, 0, &r);
		assert_int_equal(r.status, 401);
		http_free(&r);
	}
	struct timespec two = {2, 300000000};
	nanosleep(&two, NULL);
	http(&h, "GET", "/v1/exceptions", soon, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.body, "the key has expired"));
	http_free(&r);
	/* a key nobody has and a forged session cookie: answered alike, recorded in the
	 * operator's log once a minute per address (never the credential itself) */
	for (int i = 0; i < 3; i++) {
		http(&h, "GET", "/v1/exceptions",
		     "ordex_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, 0, &r);
		assert_int_equal(r.status, 401);
		assert_null(strstr(r.body, "revoked"));
		http_free(&r);
		const char *forged[] = {"Cookie: ordex_session=forgedforgedforgedforgedforged",
		                        NULL};
		http_with(&h, "POST", "/v1/keys", NULL, "application/json", "{}", 2, forged, &r);
		assert_int_equal(r.status, 401);
		http_free(&r);
	}

	/* a signed-out session, and the session of a person since disabled */
	create_user("fay", "viewer");
	long gus = create_user("gus", "viewer");
	struct session fay, g;
	assert_int_equal(sign_in("fay", "correct horse battery", &fay, NULL, NULL), 201);
	assert_int_equal(sign_in("gus", "correct horse battery", &g, NULL, NULL), 201);
	assert_int_equal(as(&fay, true, "DELETE", "/v1/sessions", NULL), 200);
	assert_int_equal(as(&fay, false, "GET", "/v1/exceptions", NULL), 401);
	snprintf(path, sizeof(path), "/v1/users/%ld", gus);
	http(&h, "DELETE", path, h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	assert_int_equal(as(&g, false, "GET", "/v1/exceptions", NULL), 401);

	char like[64];
	snprintf(like, sizeof(like), "%%key:%.12s%%the key was revoked%%", gone);
	assert_int_equal(audit_count("access.denied", like), 1);
	snprintf(like, sizeof(like), "%%key:%.12s%%the key has expired%%", soon);
	assert_int_equal(audit_count("access.denied", like), 1);
	assert_int_equal(audit_count("access.denied", "%user:fay%the session was ended%"), 1);
	assert_int_equal(audit_count("access.denied", "%user:gus%the person was disabled%"), 1);
	assert_int_equal(audit_count("access.denied", "%ordex_AAAA%"), 0);
	assert_int_equal(audit_count("access.denied", "%unknown:127.0.0.1%an API key nobody has%"),
	                 1);
	assert_int_equal(
	    audit_count("access.denied", "%unknown:127.0.0.1%a session cookie nobody has%"), 1);
	assert_int_equal(audit_count("access.denied", "%forgedforged%"), 0);
	/* a tenant name no tenant can have: refused before any work, and the
	 * service is still there */
	size_t big = 3u << 20;
	char *huge = malloc(big + 100);
	memcpy(huge, "{\"tenant\":\"", 11);
	memset(huge + 11, 'a', big);
	strcpy(huge + 11 + big, "\",\"username\":\"fay\",\"password\":\"x\"}");
	http(&h, "POST", "/v1/sessions", NULL, "application/json", huge, strlen(huge), &r);
	assert_int_equal(r.status, 401);
	http_free(&r);
	free(huge);
	http(&h, "GET", "/v1/exceptions", h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	char *out = NULL;
	const char *args[] = {"audit", "verify", "--data", h.dir, NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	free(out);
}

/* People from the command line: created with a password from a file, they
 * sign in over HTTP; listed without their hash; disabled, their session
 * ends; a short password and a taken name are refused. */
static void people_from_the_command_line(void **state)
{
	char pwf[300];
	snprintf(pwf, sizeof(pwf), "%s/pw.txt", h.dir);
	FILE *f = fopen(pwf, "w");
	assert_non_null(f);
	fputs("correct horse battery\n", f);
	fclose(f);
	char *out = NULL, *err = NULL;
	const char *mk[] = {"user",   "create",        "--data",  h.dir,  "--username",      "hal",
	                    "--role", "support_agent", "--brand", "acme", "--password-file", pwf,
	                    NULL};
	assert_int_equal(harness_cli(mk, &out, &err), 0);
	long id = strtol(out, NULL, 10);
	assert_true(id > 0);
	free(out);
	free(err);
	assert_int_equal(harness_cli(mk, &out, &err), 1);
	assert_non_null(strstr(err, "is taken"));
	free(out);
	free(err);
	struct session s;
	assert_int_equal(sign_in("hal", "correct horse battery", &s, NULL, NULL), 201);
	assert_int_equal(as(&s, false, "GET", "/v1/exceptions", NULL), 200);
	const char *ls[] = {"user", "list", "--data", h.dir, NULL};
	assert_int_equal(harness_cli(ls, &out, NULL), 0);
	assert_non_null(strstr(out, "\thal\tsupport_agent\t-\tactive\tbrand=acme\t"));
	assert_null(strstr(out, "argon2"));
	free(out);
	char ids[24];
	snprintf(ids, sizeof(ids), "%ld", id);
	const char *off[] = {"user", "disable", ids, "--data", h.dir, NULL};
	assert_int_equal(harness_cli(off, &out, &err), 0);
	free(out);
	free(err);
	assert_int_equal(as(&s, false, "GET", "/v1/exceptions", NULL), 401);
	f = fopen(pwf, "w");
	fputs("short\n", f);
	fclose(f);
	const char *weak[] = {"user",   "create", "--data",          h.dir, "--username", "ivy",
	                      "--role", "viewer", "--password-file", pwf,   NULL};
	assert_int_equal(harness_cli(weak, &out, &err), 2);
	assert_non_null(strstr(err, "12 to 1024 bytes"));
	free(out);
	free(err);
}

/* A key's last use and a person's last sign-in and request are recorded
 * (within a second, riding along with the writer's next transaction) and
 * listed; a key never used lists null. */
static void the_last_use_of_a_credential_is_listed(void **state)
{
	struct http_resp r;
	const char *v = "{\"role\":\"viewer\",\"name\":\"used\"}";
	http(&h, "POST", "/v1/keys", h.key, "application/json", v, strlen(v), &r);
	assert_int_equal(r.status, 201);
	char used[128];
	const char *k = strstr(r.body, "\"key\":\"");
	snprintf(used, sizeof(used), "%.*s", (int)strcspn(k + 7, "\""), k + 7);
	http_free(&r);
	const char *n = "{\"role\":\"viewer\",\"name\":\"idle\"}";
	http(&h, "POST", "/v1/keys", h.key, "application/json", n, strlen(n), &r);
	assert_int_equal(r.status, 201);
	http_free(&r);
	http(&h, "GET", "/v1/exceptions", used, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	create_user("jo", "viewer");
	struct session s;
	assert_int_equal(sign_in("jo", "correct horse battery", &s, NULL, NULL), 201);
	assert_int_equal(as(&s, false, "GET", "/v1/exceptions", NULL), 200);
	struct timespec wait = {1, 500000000};
	nanosleep(&wait, NULL);
	http(&h, "GET", "/v1/keys", h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	const char *u = strstr(r.body, "\"name\":\"used\"");
	const char *i = strstr(r.body, "\"name\":\"idle\"");
	assert_non_null(u);
	assert_non_null(i);
	const char *ul = strstr(u, "\"last_used_at\":");
	const char *il = strstr(i, "\"last_used_at\":");
	assert_non_null(ul);
	assert_non_null(il);
	assert_int_equal(strncmp(ul, "\"last_used_at\":\"20", 18), 0);
	assert_int_equal(strncmp(il, "\"last_used_at\":null", 19), 0);
	http_free(&r);
	http(&h, "GET", "/v1/users", h.key, NULL, NULL, 0, &r);
	const char *jo = strstr(r.body, "\"username\":\"jo\"");
	assert_non_null(jo);
	assert_non_null(strstr(jo, "\"last_sign_in_at\":\"20"));
	assert_non_null(strstr(jo, "\"last_seen_at\":\"20"));
	http_free(&r);
}

/* The audit log over HTTP: an auditor reads it page by page, filtered, with each
 * entry's hash linked to the one before; the tenant's chain verifies; a viewer may
 * not read it, and a sandbox auditor reads only the sandbox's entries. */
static void the_audit_log_is_read_and_verified_over_http(void **state)
{
	(void)state;
	struct http_resp r;
	const char *v = "{\"role\":\"auditor\"}";
	http(&h, "POST", "/v1/keys", h.key, "application/json", v, strlen(v), &r);
	assert_int_equal(r.status, 201);
	char auditor[128];
	const char *k = strstr(r.body, "\"key\":\"") + 7;
	snprintf(auditor, sizeof(auditor), "%.*s", (int)strcspn(k, "\""), k);
	http_free(&r);

	/* every entry, newest first, two by two: each links to the one before it */
	struct ordex_arena *a = ordex_arena_new(1 << 16);
	char path[160] = "/v1/audit?limit=2";
	int pages = 0, entries = 0, linked = 0;
	int64_t last_seq = INT64_MAX;
	char prev_of_last[65] = "";
	while (pages < 1000) {
		http(&h, "GET", path, auditor, NULL, NULL, 0, &r);
		assert_int_equal(r.status, 200);
		struct ordex_json *doc;
		struct ordex_json_error jerr;
		assert_int_equal(ordex_json_parse(a, r.body, r.len, NULL, &doc, &jerr), ORDEX_OK);
		http_free(&r);
		pages++;
		for (const struct ordex_json *e = ordex_json_get(doc, "entries")->child; e;
		     e = e->next) {
			int64_t seq;
			assert_int_equal(ordex_json_int(ordex_json_get(e, "seq"), &seq), ORDEX_OK);
			assert_true(seq < last_seq);
			const char *hash = ordex_json_string(ordex_json_get(e, "hash"));
			if (seq == last_seq - 1) {
				assert_string_equal(prev_of_last, hash);
				linked++;
			}
			snprintf(prev_of_last, sizeof(prev_of_last), "%s",
			         ordex_json_string(ordex_json_get(e, "prev")));
			last_seq = seq;
			entries++;
		}
		const char *next = ordex_json_string(ordex_json_get(doc, "next_cursor"));
		if (!next)
			break;
		snprintf(path, sizeof(path), "/v1/audit?limit=2&cursor=%s", next);
	}
	assert_true(entries > 10);
	assert_true(linked > 5);
	assert_int_equal(last_seq, 1);
	/* filtered by kind, a prefix */
	http(&h, "GET", "/v1/audit?kind=access.*&limit=500", auditor, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(count_of(&r, "\"kind\":\"access.denied\"") >= 3);
	assert_int_equal(count_of(&r, "\"kind\":\"key."), 0);
	http_free(&r);
	http(&h, "GET", "/v1/audit?kind=access%3Bdrop", auditor, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 400);
	http_free(&r);
	/* the chain verifies */
	http(&h, "GET", "/v1/audit/verify", auditor, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"verified\":true"));
	http_free(&r);
	/* a viewer may not; a sandbox auditor sees the sandbox's entries only */
	const char *vw = "{\"role\":\"viewer\"}";
	http(&h, "POST", "/v1/keys", h.key, "application/json", vw, strlen(vw), &r);
	k = strstr(r.body, "\"key\":\"") + 7;
	char viewer[128];
	snprintf(viewer, sizeof(viewer), "%.*s", (int)strcspn(k, "\""), k);
	http_free(&r);
	http(&h, "GET", "/v1/audit", viewer, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 403);
	http_free(&r);
	char *out = NULL;
	const char *mk[] = {"key",     "create", "--data",  h.dir, "--env",
	                    "sandbox", "--role", "auditor", NULL};
	assert_int_equal(harness_cli(mk, &out, NULL), 0);
	char sand[128];
	snprintf(sand, sizeof(sand), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	http(&h, "GET", "/v1/audit?limit=500", sand, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"seq\":")); /* its own entries (its key's making) */
	assert_null(strstr(r.body, "access.denied"));
	assert_null(strstr(r.body, "user:ana"));
	http_free(&r);
	/* a sandbox credential does not verify the tenant's chain (it spans production) */
	http(&h, "GET", "/v1/audit/verify", sand, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 403);
	http_free(&r);
	ordex_arena_free(a);
}

/* The key commands: created narrowed, listed without secrets, revoked. */
static void keys_from_the_command_line(void **state)
{
	char *out = NULL, *err = NULL;
	const char *mk[] = {"key",      "create", "--data", h.dir,    "--role", "admin",
	                    "--scopes", "read",   "--name", "report", NULL};
	assert_int_equal(harness_cli(mk, &out, NULL), 0);
	char key[128];
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	struct http_resp r;
	http(&h, "GET", "/v1/exceptions", key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	http_free(&r);
	const char *ev = "{\"id\":\"c1\",\"source\":\"t\",\"type\":\"order.cancelled\","
	                 "\"occurred_at\":\"2025-01-01T00:00:00Z\",\"order\":\"C-1\"}";
	http(&h, "POST", "/v1/events", key, "application/json", ev, strlen(ev), &r);
	assert_int_equal(r.status, 403); /* read only */
	http_free(&r);
	const char *ls[] = {"key", "list", "--data", h.dir, NULL};
	assert_int_equal(harness_cli(ls, &out, NULL), 0);
	assert_non_null(strstr(out, "\tadmin\tread\tactive\treport\t"));
	assert_null(strstr(out, key)); /* only the prefix */
	free(out);
	/* a second key, revoked before it is ever used: refused at once */
	const char *mk2[] = {"key", "create", "--data", h.dir, "--role", "viewer", NULL};
	assert_int_equal(harness_cli(mk2, &out, NULL), 0);
	char key2[128];
	snprintf(key2, sizeof(key2), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	assert_int_equal(harness_cli(ls, &out, NULL), 0);
	const char *last = out + strlen(out) - 1;
	while (last > out && last[-1] != '\n')
		last--;
	char id2[16];
	snprintf(id2, sizeof(id2), "%.*s", (int)strcspn(last, "\t"), last);
	free(out);
	const char *rv[] = {"key", "revoke", id2, "--data", h.dir, NULL};
	assert_int_equal(harness_cli(rv, &out, &err), 0);
	free(out);
	free(err);
	http(&h, "GET", "/v1/exceptions", key2, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 401);
	http_free(&r);
	const char *bad[] = {"key", "revoke", "999999", "--data", h.dir, NULL};
	assert_int_equal(harness_cli(bad, &out, &err), 1);
	assert_non_null(strstr(err, "no key 999999"));
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_person_signs_in_reads_and_needs_the_csrf_token_to_change),
	    cmocka_unit_test(refusals_are_the_same_and_recorded),
	    cmocka_unit_test(nobody_creates_more_than_they_hold_and_disabling_ends_sessions),
	    cmocka_unit_test(keys_from_the_command_line),
	    cmocka_unit_test(dead_credentials_are_refused_and_recorded),
	    cmocka_unit_test(people_from_the_command_line),
	    cmocka_unit_test(the_last_use_of_a_credential_is_listed),
	    cmocka_unit_test(the_audit_log_is_read_and_verified_over_http),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
