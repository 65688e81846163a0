/* SPDX-License-Identifier: Apache-2.0 */
/*
 * people.c - people and their sessions.
 *
 *   POST   /v1/users          {"username","password","role","scopes"}
 *   GET    /v1/users          usernames, roles, states; never a hash
 *   DELETE /v1/users/{id}     disabled; every session of theirs ends
 *   POST   /v1/sessions       {"tenant","environment","username","password"}
 *                             -> Set-Cookie ordex_session (HttpOnly,
 *                             SameSite=Strict, Secure over TLS) and a CSRF
 *                             token for X-CSRF-Token on requests that change
 *                             state; 8 hours
 *   DELETE /v1/sessions       signs out the session of the cookie
 *
 * Passwords are kept as argon2id hashes (libsodium crypto_pwhash_str,
 * 2 passes over 19 MiB, OWASP's minimum). Nobody creates a person with
 * more than it holds. Sign-ins, refused sign-ins, creations and disablings
 * are audited.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "api/api.h"
#include "api/render.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "authz/credential.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/sha256.h"
#include "core/timeutil.h"
#include "ingest/event.h"
#include "ingest/writer.h"
#include "store/store.h"

#define SESSION_US (8 * 3600 * INT64_C(1000000))
#define PW_MIN     ORDEX_PASSWORD_MIN
#define PW_MAX     ORDEX_PASSWORD_MAX

/* An audit entry whose body is {"by", "username", "why"?}. */
static int audit_person(struct ordex_audit *au, struct ordex_store *st,
                        const struct ordex_scope *sc, int64_t now, const char *kind, const char *by,
                        const char *username, const char *role, const char *why)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, by);
	ordex_jw_key(&w, "username");
	ordex_jw_str(&w, username);
	if (role) {
		ordex_jw_key(&w, "role");
		ordex_jw_str(&w, role);
	}
	if (why) {
		ordex_jw_key(&w, "why");
		ordex_jw_str(&w, why);
	}
	ordex_jw_obj_end(&w);
	char subject[80];
	snprintf(subject, sizeof(subject), "user:%s", username);
	int rc = ordex_audit_append(au, st, sc, now, kind, subject, b.data);
	ordex_buf_free(&b);
	return rc;
}

static void unavailable(struct ordex_req *rq)
{
	ordex_problem(ordex_req_response(rq), 503, "storage_unavailable", "Service unavailable",
	              "could not reach the database; nothing was changed", NULL);
}

/* ---- POST /v1/users ------------------------------------------------------ */

struct new_user {
	struct ordex_batch batch;
	const char *username, *role, *actor;
	unsigned scopes;
	const char *customers[3]; /* brand, region, segment; NULL: any */
	char pwhash[ORDEX_PWHASH_BYTES];
	int64_t id;
};

static int user_command(struct ordex_store *st, struct ordex_audit *au,
                        const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct new_user *u = ctx;
	int rc = st->ops->user_create(st, sc, u->username, u->pwhash, u->role, u->scopes,
	                              u->customers, u->actor, &u->id);
	if (rc == ORDEX_OK)
		rc = audit_person(au, st, sc, now, "user.created", u->actor, u->username, u->role,
		                  NULL);
	return rc;
}

static void user_created(struct ordex_req *rq, struct ordex_batch *b)
{
	struct new_user *u = (struct new_user *)b;
	struct ordex_response *r = ordex_req_response(rq);
	if (b->rc || b->command_rc == ORDEX_E_STORE) {
		unavailable(rq);
		return;
	}
	if (b->command_rc == ORDEX_E_CONFLICT) {
		struct ordex_problems p = {.n = 0};
		ordex_problem_add(&p, ordex_req_arena(rq), "username",
		                  "is taken in this environment");
		ordex_problem(r, 409, "conflict", "Conflict", "the username is taken", &p);
		return;
	}
	struct ordex_jw w;
	r->status = 201;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "id");
	ordex_jw_int(&w, u->id);
	ordex_jw_key(&w, "username");
	ordex_jw_str(&w, u->username);
	ordex_jw_key(&w, "role");
	ordex_jw_str(&w, u->role);
	ordex_jw_obj_end(&w);
}

/* {"by","role","why"} written by the JSON writer (the values may hold quotes) */
static const char *json_body(struct ordex_arena *a, const char *by, const char *role,
                             const char *why)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, by);
	ordex_jw_key(&w, "role");
	ordex_jw_str(&w, role);
	ordex_jw_key(&w, "why");
	ordex_jw_str(&w, why);
	ordex_jw_obj_end(&w);
	const char *out = ordex_arena_strdup(a, b.data);
	ordex_buf_free(&b);
	return out;
}

/* A refused grant, recorded before the 403. */
struct refusal {
	struct ordex_batch batch;
	const char *why;
};

static void refused(struct ordex_req *rq, struct ordex_batch *b)
{
	ordex_problem(ordex_req_response(rq), 403, "forbidden", "Forbidden",
	              ((struct refusal *)b)->why, NULL);
}

void ordex_api_users_post(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	size_t len;
	const char *body = ordex_req_body(rq, &len);
	struct ordex_json *doc;
	struct ordex_json_error jerr;
	struct ordex_problems probs = {.n = 0};
	if (ordex_json_parse(a, body, len, NULL, &doc, &jerr) != ORDEX_OK) {
		ordex_problem_add(&probs, a, jerr.path, "%s", jerr.msg);
		ordex_problem(r, 400, "invalid_json", "Invalid JSON", "the body is not valid JSON",
		              &probs);
		return;
	}
	const struct ordex_json *un = ordex_json_get(doc, "username");
	const struct ordex_json *pw = ordex_json_get(doc, "password");
	const struct ordex_json *role = ordex_json_get(doc, "role");
	const struct ordex_json *scopes = ordex_json_get(doc, "scopes");
	struct new_user *u = ordex_arena_zalloc(a, sizeof(*u));
	if (!un || un->type != ORDEX_JSON_STRING || !ordex_credential_username_ok(un->str))
		ordex_problem_add(&probs, a, "username",
		                  "is required: 1 to 64 of a-z 0-9 . _ @ - +");
	if (!pw || pw->type != ORDEX_JSON_STRING || pw->len < PW_MIN || pw->len > PW_MAX)
		ordex_problem_add(&probs, a, "password", "is required: %d to %d bytes", PW_MIN,
		                  PW_MAX);
	if (!role || role->type != ORDEX_JSON_STRING || ordex_role_parse(role->str) < 0)
		ordex_problem_add(
		    &probs, a, "role",
		    "is required: viewer, support_agent, ops_reviewer, fraud_reviewer, "
		    "finance_approver, admin, auditor or ingest");
	if (scopes && scopes->type != ORDEX_JSON_ARRAY) {
		ordex_problem_add(&probs, a, "scopes", "must be an array of scope names");
	} else if (scopes) {
		size_t i = 0;
		for (const struct ordex_json *e = scopes->child; e; e = e->next, i++) {
			unsigned bit = e->type == ORDEX_JSON_STRING ? ordex_scope_parse(e->str) : 0;
			if (!bit)
				ordex_problem_add(
				    &probs, a, ordex_arena_printf(a, "scopes[%zu]", i),
				    "must be one of ingest, read, cases, approve, audit, "
				    "manage");
			u->scopes |= bit;
		}
	}
	ordex_api_customers(rq, doc, u->customers, &probs);
	if (probs.n) {
		ordex_problem(r, 422, "validation_failed", "Invalid user",
		              "the user was not created", &probs);
		return;
	}
	u->username = un->str;
	u->role = role->str;
	u->actor = ordex_req_actor(rq);
	u->batch.scope = *ordex_req_scope(rq);
	const struct ordex_principal *me = ordex_req_principal(rq);
	struct ordex_principal want = {
	    .tenant = me->tenant,
	    .env = me->env,
	    .role = (enum ordex_role)ordex_role_parse(u->role),
	    .scopes = u->scopes,
	    .customers = {u->customers[0], u->customers[1], u->customers[2]}};
	struct ordex_authz_decision d = ordex_authz_can_grant(me, &want);
	if (d.result != ORDEX_AUTHZ_ALLOW) {
		struct refusal *f = ordex_arena_zalloc(a, sizeof(*f));
		f->why = d.reason;
		f->batch.scope = u->batch.scope;
		f->batch.audit_kind = "user.grant_refused";
		f->batch.audit_subject = u->actor;
		f->batch.audit_body = json_body(a, u->actor, u->role, d.reason);
		if (ordex_req_submit(rq, &f->batch, refused) != ORDEX_OK)
			refused(rq, &f->batch);
		return;
	}
	if (ordex_credential_hash(pw->str, pw->len, u->pwhash) != ORDEX_OK) {
		ordex_problem(r, 503, "out_of_memory", "Service unavailable",
		              "could not hash the password; try again", NULL);
		return;
	}
	u->batch.command = user_command;
	u->batch.command_ctx = u;
	if (ordex_req_submit(rq, &u->batch, user_created) != ORDEX_OK)
		ordex_problem(r, 503, "shutting_down", "Shutting down", "the service is stopping",
		              NULL);
}

/* ---- GET /v1/users, DELETE /v1/users/{id} ------------------------------- */

void ordex_api_users_list(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_user_row *users;
	size_t n;
	if (!st || st->ops->user_list(st, ordex_req_scope(rq), ordex_req_arena(rq), &users, &n)) {
		unavailable(rq);
		return;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "users");
	ordex_jw_arr(&w);
	const struct ordex_principal *me = ordex_req_principal(rq);
	for (size_t i = 0; i < n; i++) {
		/* a principal limited to some customers sees the people within them */
		struct ordex_customer_scope theirs = {users[i].brand, users[i].region,
		                                      users[i].segment};
		if (!ordex_authz_within(&theirs, &me->customers))
			continue;
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "id");
		ordex_jw_int(&w, users[i].id);
		ordex_jw_key(&w, "username");
		ordex_jw_str(&w, users[i].username);
		ordex_jw_key(&w, "role");
		ordex_jw_str(&w, users[i].role);
		ordex_jw_key(&w, "scopes");
		ordex_render_scopes(&w, users[i].scopes);
		ordex_render_customers(&w, users[i].brand, users[i].region, users[i].segment);
		ordex_jw_key(&w, "state");
		ordex_jw_str(&w, users[i].disabled_at ? "disabled" : "active");
		ordex_render_time(&w, "created_at", users[i].created_at);
		ordex_render_time(&w, "disabled_at", users[i].disabled_at);
		ordex_render_time(&w, "last_sign_in_at", users[i].last_sign_in_at);
		ordex_render_time(&w, "last_seen_at", users[i].last_seen_at);
		ordex_jw_key(&w, "created_by");
		if (users[i].created_by)
			ordex_jw_str(&w, users[i].created_by);
		else
			ordex_jw_null(&w);
		ordex_jw_obj_end(&w);
	}
	ordex_jw_arr_end(&w);
	ordex_jw_obj_end(&w);
}

struct disable {
	struct ordex_batch batch;
	int64_t id;
	const char *actor;
};

static int disable_command(struct ordex_store *st, struct ordex_audit *au,
                           const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct disable *v = ctx;
	int rc = st->ops->user_disable(st, sc, v->id, now);
	if (rc == ORDEX_OK) {
		char who[32];
		snprintf(who, sizeof(who), "%lld", (long long)v->id);
		rc = audit_person(au, st, sc, now, "user.disabled", v->actor, who, NULL, NULL);
	}
	return rc;
}

static void disabled(struct ordex_req *rq, struct ordex_batch *b)
{
	struct ordex_response *r = ordex_req_response(rq);
	if (b->rc || b->command_rc == ORDEX_E_STORE) {
		unavailable(rq);
		return;
	}
	if (b->command_rc == ORDEX_E_NOTFOUND) {
		ordex_problem(r, 404, "not_found", "Not found", "no such active user", NULL);
		return;
	}
	r->status = 200;
	ordex_buf_puts(&r->body, "{\"disabled\":true}");
}

void ordex_api_users_delete(struct ordex_req *rq)
{
	const char *rest = ordex_req_path_rest(rq);
	char *end;
	long long id = strtoll(rest, &end, 10);
	if (!*rest || *end || id <= 0) {
		ordex_problem(ordex_req_response(rq), 404, "not_found", "Not found", "no such user",
		              NULL);
		return;
	}
	/* nobody disables a person with more power than their own; a person
	 * outside the caller's customer scope is nobody it can see (404) */
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_user_row *users;
	size_t n = 0;
	if (!st || st->ops->user_list(st, ordex_req_scope(rq), ordex_req_arena(rq), &users, &n) !=
	               ORDEX_OK) {
		unavailable(rq);
		return;
	}
	const struct ordex_principal *me = ordex_req_principal(rq);
	for (size_t i = 0; i < n; i++) {
		if (users[i].id != id)
			continue;
		struct ordex_customer_scope theirs = {users[i].brand, users[i].region,
		                                      users[i].segment};
		if (!ordex_authz_within(&theirs, &me->customers)) {
			ordex_problem(ordex_req_response(rq), 404, "not_found", "Not found",
			              "no such user", NULL);
			return;
		}
		int role = ordex_role_parse(users[i].role);
		struct ordex_principal target = {
		    .tenant = me->tenant,
		    .env = me->env,
		    .role = role < 0 ? ORDEX_ROLE_COUNT : (enum ordex_role)role,
		    .scopes = users[i].scopes,
		    .customers = {users[i].brand, users[i].region, users[i].segment}};
		struct ordex_authz_decision d = ordex_authz_can_grant(me, &target);
		if (d.result != ORDEX_AUTHZ_ALLOW) {
			ordex_req_deny(rq, ORDEX_OP_PRINCIPALS_MANAGE,
			               ordex_arena_printf(ordex_req_arena(rq),
			                                  "may not disable %s: %s",
			                                  users[i].username, d.reason));
			return;
		}
	}
	struct disable *v = ordex_arena_zalloc(ordex_req_arena(rq), sizeof(*v));
	v->id = id;
	v->actor = ordex_req_actor(rq);
	v->batch.scope = *ordex_req_scope(rq);
	v->batch.command = disable_command;
	v->batch.command_ctx = v;
	if (ordex_req_submit(rq, &v->batch, disabled) != ORDEX_OK)
		ordex_problem(ordex_req_response(rq), 503, "shutting_down", "Shutting down",
		              "the service is stopping", NULL);
}

/* ---- POST /v1/sessions --------------------------------------------------- */

struct signin {
	struct ordex_batch batch;
	int64_t user_id;
	const char *username, *role;
	unsigned char token_hash[32];
	char token[64], csrf[48];
	int64_t expires_at;
	bool ok; /* false: a refused sign-in being recorded */
};

static int signin_command(struct ordex_store *st, struct ordex_audit *au,
                          const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct signin *s = ctx;
	if (!s->ok)
		return audit_person(au, st, sc, now, "session.refused", s->username, s->username,
		                    NULL, "unknown user, disabled user or wrong password");
	int64_t id;
	int rc =
	    st->ops->session_create(st, sc, s->user_id, s->token_hash, s->csrf, s->expires_at, &id);
	if (rc == ORDEX_OK)
		rc = audit_person(au, st, sc, now, "session.started", s->username, s->username,
		                  s->role, NULL);
	return rc;
}

static void signed_in(struct ordex_req *rq, struct ordex_batch *b)
{
	struct signin *s = (struct signin *)b;
	struct ordex_response *r = ordex_req_response(rq);
	if (b->rc || b->command_rc) {
		unavailable(rq);
		return;
	}
	if (!s->ok) {
		ordex_problem(r, 401, "unauthorized", "Unauthorized",
		              "unknown user or wrong password", NULL);
		return;
	}
	r->set_cookie = ordex_arena_printf(
	    ordex_req_arena(rq),
	    "ordex_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", s->token,
	    (int)(SESSION_US / 1000000), ordex_req_secure(rq) ? "; Secure" : "");
	char t[ORDEX_TIME_MAX_LEN];
	ordex_time_format(s->expires_at, 0, t);
	struct ordex_jw w;
	r->status = 201;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "username");
	ordex_jw_str(&w, s->username);
	ordex_jw_key(&w, "role");
	ordex_jw_str(&w, s->role);
	ordex_jw_key(&w, "csrf_token");
	ordex_jw_str(&w, s->csrf);
	ordex_jw_key(&w, "expires_at");
	ordex_jw_str(&w, t);
	ordex_jw_obj_end(&w);
	sodium_memzero(s->token, sizeof(s->token));
}

static void random_b64(char *out, size_t outlen, size_t bytes)
{
	unsigned char raw[32];
	randombytes_buf(raw, bytes);
	sodium_bin2base64(out, outlen, raw, bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[ORDEX_PWHASH_BYTES];

static void make_dummy(void)
{
	if (ordex_credential_hash("ordex-no-such-person", 20, dummy_hash) != ORDEX_OK)
		dummy_hash[0] = '\0'; /* a verification against it fails, as it should */
}

void ordex_api_sessions_post(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	size_t len;
	const char *body = ordex_req_body(rq, &len);
	struct ordex_json *doc;
	struct ordex_json_error jerr;
	struct ordex_problems probs = {.n = 0};
	if (ordex_json_parse(a, body, len, NULL, &doc, &jerr) != ORDEX_OK) {
		ordex_problem_add(&probs, a, jerr.path, "%s", jerr.msg);
		ordex_problem(r, 400, "invalid_json", "Invalid JSON", "the body is not valid JSON",
		              &probs);
		return;
	}
	const struct ordex_json *tn = ordex_json_get(doc, "tenant");
	const struct ordex_json *en = ordex_json_get(doc, "environment");
	const struct ordex_json *un = ordex_json_get(doc, "username");
	const struct ordex_json *pw = ordex_json_get(doc, "password");
	if (!tn || tn->type != ORDEX_JSON_STRING)
		ordex_problem_add(&probs, a, "tenant", "is required: the tenant's name");
	if (en && en->type != ORDEX_JSON_STRING)
		ordex_problem_add(&probs, a, "environment", "must be production or sandbox");
	if (!un || un->type != ORDEX_JSON_STRING)
		ordex_problem_add(&probs, a, "username", "is required");
	if (!pw || pw->type != ORDEX_JSON_STRING || pw->len > PW_MAX)
		ordex_problem_add(&probs, a, "password", "is required");
	if (probs.n) {
		ordex_problem(r, 422, "validation_failed", "Invalid sign-in",
		              "nobody was signed in", &probs);
		return;
	}
	/* a cross-site form cannot send JSON: a sign-in is JSON or nothing */
	const char *ct = ordex_req_header(rq, "Content-Type");
	if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
		ordex_problem(r, 415, "unsupported_media_type", "Unsupported media type",
		              "a sign-in is sent as application/json", NULL);
		return;
	}
	/* nothing is recorded for a name that cannot exist or an environment
	 * other than the two there are */
	const char *env = en ? en->str : "production";
	if (!ordex_credential_username_ok(un->str) || tn->len < 1 || tn->len > 63 ||
	    strlen(tn->str) != tn->len || (strcmp(env, "production") && strcmp(env, "sandbox"))) {
		ordex_problem(r, 401, "unauthorized", "Unauthorized",
		              "unknown user or wrong password", NULL);
		return;
	}
	/* guessing is limited per person and per address, before a password is
	 * checked (each check is 19 MiB and about 50 ms of the service's time) */
	if (ordex_req_charge_signin(rq, tn->str, env, un->str) != ORDEX_OK)
		return;
	struct ordex_store *st = ordex_req_store(rq);
	if (!st) {
		unavailable(rq);
		return;
	}
	struct signin *s = ordex_arena_zalloc(a, sizeof(*s));
	s->username = un->str;
	s->batch.scope.env = env;
	int64_t tenant = 0;
	struct ordex_user_row u = {0};
	bool found = st->ops->tenant_find(st, tn->str, &tenant) == ORDEX_OK &&
	             st->ops->env_exists(st, tenant, s->batch.scope.env) == ORDEX_OK;
	s->batch.scope.tenant = tenant;
	found = found && st->ops->user_find(st, &s->batch.scope, un->str, a, &u) == ORDEX_OK &&
	        !u.disabled_at;
	/* the same work whether or not the person exists: a verification against
	 * a hash of nothing, so the time does not tell */
	pthread_once(&dummy_once, make_dummy);
	bool verified = ordex_credential_verify(found ? u.pwhash : dummy_hash, pw->str, pw->len);
	s->ok = found && verified;
	if (!tenant || st->ops->env_exists(st, tenant, env) != ORDEX_OK) {
		/* no tenant or environment of that name: nothing to record it under */
		ordex_problem(r, 401, "unauthorized", "Unauthorized",
		              "unknown user or wrong password", NULL);
		return;
	}
	if (s->ok) {
		ordex_req_signin_succeeded(rq, tn->str, env, un->str);
		s->user_id = u.id;
		s->role = u.role;
		random_b64(s->token, sizeof(s->token), 32);
		random_b64(s->csrf, sizeof(s->csrf), 24);
		ordex_sha256(s->token_hash, (const unsigned char *)s->token, strlen(s->token));
		s->expires_at = ordex_time_now() + SESSION_US;
	}
	s->batch.command = signin_command;
	s->batch.command_ctx = s;
	if (ordex_req_submit(rq, &s->batch, signed_in) != ORDEX_OK)
		ordex_problem(r, 503, "shutting_down", "Shutting down", "the service is stopping",
		              NULL);
}

/* ---- DELETE /v1/sessions ------------------------------------------------- */

struct signout {
	struct ordex_batch batch;
	int64_t id;
	const char *actor;
};

static int signout_command(struct ordex_store *st, struct ordex_audit *au,
                           const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct signout *o = ctx;
	int rc = st->ops->session_end(st, sc, o->id, now);
	if (rc == ORDEX_OK)
		rc = ordex_audit_append(au, st, sc, now, "session.ended", o->actor, "{}");
	return rc;
}

static void signed_out(struct ordex_req *rq, struct ordex_batch *b)
{
	struct ordex_response *r = ordex_req_response(rq);
	if (b->rc || b->command_rc) {
		unavailable(rq);
		return;
	}
	r->status = 200;
	r->set_cookie = "ordex_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
	ordex_buf_puts(&r->body, "{\"signed_out\":true}");
}

void ordex_api_sessions_delete(struct ordex_req *rq)
{
	int64_t id = ordex_req_session_id(rq);
	if (!id) {
		ordex_problem(ordex_req_response(rq), 400, "not_signed_in", "Not signed in",
		              "this request carries an API key, not a session", NULL);
		return;
	}
	struct signout *o = ordex_arena_zalloc(ordex_req_arena(rq), sizeof(*o));
	o->id = id;
	o->actor = ordex_req_actor(rq);
	o->batch.scope = *ordex_req_scope(rq);
	o->batch.command = signout_command;
	o->batch.command_ctx = o;
	if (ordex_req_submit(rq, &o->batch, signed_out) != ORDEX_OK)
		ordex_problem(ordex_req_response(rq), 503, "shutting_down", "Shutting down",
		              "the service is stopping", NULL);
}
