/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tenant.c - the tenant's own administration, and the operator's.
 *
 *   GET   /v1/tenant    the caller's tenant: name, environments, settings
 *   PATCH /v1/tenant    {"fraud_threshold","rate_per_key","rate_per_tenant"}
 *                       tenant-wide, so from production only (a sandbox
 *                       credential changes nothing production sees)
 *   POST  /v1/tenants   {"name"}: another tenant with production and
 *                       sandbox and an admin key for its production, shown
 *                       once; the operator's alone (the tenant ordex init
 *                       created, from production), like /metrics
 *   GET   /v1/roles     every role with its operations, every key scope
 *                       with the operations it allows; any principal
 *
 * Changes go through the writer as commands and are audited: a setting
 * with its value before and after, a tenant in both tenants' logs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "core/timeutil.h"
#include "ingest/event.h"
#include "ingest/writer.h"
#include "store/store.h"

static void unavailable(struct ordex_req *rq, const char *what)
{
	ordex_problem(ordex_req_response(rq), 503, "storage_unavailable", "Service unavailable",
	              what, NULL);
}

static void rate_or_default(struct ordex_jw *w, const char *k, double v)
{
	ordex_jw_key(w, k);
	if (v > 0) {
		char num[32];
		int n = snprintf(num, sizeof(num), "%.15g", v);
		ordex_jw_raw(w, num, (size_t)n);
	} else {
		ordex_jw_null(w);
	}
}

/* A tenant as the API shows it; env, when given, is the caller's own. */
static void render_tenant(struct ordex_jw *w, const struct ordex_tenant_row *t, const char *env)
{
	ordex_jw_obj(w);
	ordex_jw_key(w, "id");
	ordex_jw_int(w, t->id);
	ordex_jw_key(w, "name");
	ordex_jw_str(w, t->name);
	ordex_jw_key(w, "environments");
	ordex_jw_arr(w);
	ordex_jw_str(w, "production");
	ordex_jw_str(w, "sandbox");
	ordex_jw_arr_end(w);
	if (env) {
		ordex_jw_key(w, "environment");
		ordex_jw_str(w, env);
	}
	ordex_jw_key(w, "fraud_threshold");
	if (t->fraud_threshold >= 0)
		ordex_jw_int(w, t->fraud_threshold);
	else
		ordex_jw_null(w);
	rate_or_default(w, "rate_per_key", t->rate_per_key);
	rate_or_default(w, "rate_per_tenant", t->rate_per_tenant);
	ordex_render_time(w, "created_at", t->created_at);
	ordex_jw_obj_end(w);
}

void ordex_api_tenant_get(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_tenant_row t;
	if (!st || st->ops->tenant_get(st, ordex_req_scope(rq)->tenant, &t) != ORDEX_OK) {
		unavailable(rq, "could not read the database");
		return;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	render_tenant(&w, &t, ordex_req_scope(rq)->env);
}

/* ---- PATCH /v1/tenant ----------------------------------------------------- */

struct settings {
	struct ordex_batch batch;
	const char *actor;
	int fraud_threshold;                  /* -2: unchanged; -1: back to the default */
	double rate_per_key, rate_per_tenant; /* < 0: unchanged; 0: the default */
	struct ordex_tenant_row before, after;
};

static int settings_command(struct ordex_store *st, struct ordex_audit *au,
                            const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct settings *s = ctx;
	int rc = st->ops->tenant_get(st, sc->tenant, &s->before);
	if (rc == ORDEX_OK && s->fraud_threshold > -2)
		rc = st->ops->tenant_set_fraud_threshold(st, sc->tenant, s->fraud_threshold);
	if (rc == ORDEX_OK && (s->rate_per_key >= 0 || s->rate_per_tenant >= 0))
		rc = st->ops->tenant_set_rates(st, sc->tenant, s->rate_per_key, s->rate_per_tenant);
	if (rc == ORDEX_OK)
		rc = st->ops->tenant_get(st, sc->tenant, &s->after);
	if (rc)
		return rc;
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, s->actor);
	ordex_jw_key(&w, "before");
	render_tenant(&w, &s->before, NULL);
	ordex_jw_key(&w, "after");
	render_tenant(&w, &s->after, NULL);
	ordex_jw_obj_end(&w);
	rc = ordex_audit_append(au, st, sc, now, "tenant.updated", s->actor, b.data);
	ordex_buf_free(&b);
	return rc;
}

static void settings_done(struct ordex_req *rq, struct ordex_batch *b)
{
	struct settings *s = (struct settings *)b;
	struct ordex_response *r = ordex_req_response(rq);
	if (b->rc || b->command_rc) {
		unavailable(rq, "the settings could not be stored; nothing was changed");
		return;
	}
	/* keys pick up their tenant's limits at their next look-up */
	ordex_req_forget_keys(rq);
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	render_tenant(&w, &s->after, NULL);
}

/* A rate from the body: tokens a second from 1 (a request costs one, and a
 * bucket holds a second's worth), or 0 or null for the default. */
static double rate_of(struct ordex_arena *a, const struct ordex_json *v, const char *name,
                      struct ordex_problems *p)
{
	if (!v)
		return -1;
	if (v->type == ORDEX_JSON_NULL)
		return 0;
	double d = -1;
	if (v->type == ORDEX_JSON_NUMBER) {
		char num[64];
		snprintf(num, sizeof(num), "%.*s", (int)v->len, v->str);
		char *end;
		d = strtod(num, &end);
		if (*end)
			d = -1;
	}
	if (!isfinite(d) || (d != 0 && (d < 1 || d > 1e6))) {
		ordex_problem_add(p, a, name,
		                  "must be tokens a second from 1 to 1000000 (0 or null: the "
		                  "service's default)");
		return -1;
	}
	return d;
}

void ordex_api_tenant_patch(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	const struct ordex_scope *sc = ordex_req_scope(rq);
	if (strcmp(sc->env, "production") != 0) {
		ordex_req_deny(
		    rq, ORDEX_OP_TENANT_MANAGE,
		    "a tenant's settings hold for both its environments: change them with "
		    "a production credential");
		return;
	}
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
	struct settings *s = ordex_arena_zalloc(a, sizeof(*s));
	s->fraud_threshold = -2;
	if (doc->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(&probs, a, "", "must be an object of settings");
	} else {
		for (const struct ordex_json *m = doc->child; m; m = m->next)
			if (strcmp(m->key, "fraud_threshold") && strcmp(m->key, "rate_per_key") &&
			    strcmp(m->key, "rate_per_tenant"))
				ordex_problem_add(
				    &probs, a, m->key,
				    "is not a setting (fraud_threshold, rate_per_key, "
				    "rate_per_tenant)");
		const struct ordex_json *f = ordex_json_get(doc, "fraud_threshold");
		int64_t v;
		if (f && f->type == ORDEX_JSON_NULL)
			s->fraud_threshold = -1;
		else if (f && (ordex_json_int(f, &v) != ORDEX_OK || v < 0 || v > 100))
			ordex_problem_add(&probs, a, "fraud_threshold",
			                  "must be an integer score from 0 to 100, or null: the "
			                  "service's default");
		else if (f)
			s->fraud_threshold = (int)v;
		s->rate_per_key =
		    rate_of(a, ordex_json_get(doc, "rate_per_key"), "rate_per_key", &probs);
		s->rate_per_tenant =
		    rate_of(a, ordex_json_get(doc, "rate_per_tenant"), "rate_per_tenant", &probs);
	}
	if (probs.n) {
		ordex_problem(r, 422, "validation_failed", "Invalid settings",
		              "nothing was changed", &probs);
		return;
	}
	if (s->fraud_threshold == -2 && s->rate_per_key < 0 && s->rate_per_tenant < 0) {
		ordex_api_tenant_get(rq); /* nothing to change: what is in force */
		return;
	}
	s->actor = ordex_req_actor(rq);
	s->batch.scope = *sc;
	s->batch.command = settings_command;
	s->batch.command_ctx = s;
	if (ordex_req_submit(rq, &s->batch, settings_done) != ORDEX_OK)
		ordex_problem(r, 503, "shutting_down", "Shutting down", "the service is stopping",
		              NULL);
}

/* ---- POST /v1/tenants ------------------------------------------------------ */

struct new_tenant {
	struct ordex_batch batch;
	const char *name, *actor;
	int64_t id;
	char secret[ORDEX_KEY_SECRET_BYTES];
	char prefix[ORDEX_KEY_PREFIX_BYTES];
	struct ordex_key_new key;
};

static int tenant_command(struct ordex_store *st, struct ordex_audit *au,
                          const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct new_tenant *t = ctx;
	int64_t existing;
	int rc = st->ops->tenant_find(st, t->name, &existing);
	if (rc == ORDEX_OK)
		return ORDEX_E_CONFLICT;
	if (rc != ORDEX_E_NOTFOUND)
		return rc;
	rc = st->ops->tenant_create(st, t->name, &t->id);
	struct ordex_scope prod = {t->id, "production"};
	if (rc == ORDEX_OK)
		rc = st->ops->env_create(st, t->id, "production");
	if (rc == ORDEX_OK)
		rc = st->ops->env_create(st, t->id, "sandbox");
	int64_t key_id = 0;
	if (rc == ORDEX_OK)
		rc = st->ops->key_create(st, &prod, &t->key, &key_id);
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, t->actor);
	ordex_jw_key(&w, "tenant");
	ordex_jw_str(&w, t->name);
	ordex_jw_key(&w, "id");
	ordex_jw_int(&w, t->id);
	ordex_jw_key(&w, "admin_key");
	ordex_jw_str(&w, t->prefix);
	ordex_jw_obj_end(&w);
	/* in the operator's log, and as the first entry of the new tenant's */
	if (rc == ORDEX_OK)
		rc = ordex_audit_append(au, st, sc, now, "tenant.created", t->name, b.data);
	if (rc == ORDEX_OK)
		rc = ordex_audit_append(au, st, &prod, now, "tenant.created", t->name, b.data);
	ordex_buf_free(&b);
	return rc;
}

static void tenant_created(struct ordex_req *rq, struct ordex_batch *b)
{
	struct new_tenant *t = (struct new_tenant *)b;
	struct ordex_response *r = ordex_req_response(rq);
	if (b->command_rc == ORDEX_E_CONFLICT) {
		struct ordex_problems p = {.n = 0};
		ordex_problem_add(&p, ordex_req_arena(rq), "name", "is taken by another tenant");
		ordex_problem(r, 409, "conflict", "Conflict", "a tenant has this name", &p);
		return;
	}
	if (b->rc || b->command_rc) {
		unavailable(rq, "the tenant could not be created; nothing was changed");
		return;
	}
	struct ordex_jw w;
	r->status = 201;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "id");
	ordex_jw_int(&w, t->id);
	ordex_jw_key(&w, "name");
	ordex_jw_str(&w, t->name);
	ordex_jw_key(&w, "environments");
	ordex_jw_arr(&w);
	ordex_jw_str(&w, "production");
	ordex_jw_str(&w, "sandbox");
	ordex_jw_arr_end(&w);
	ordex_jw_key(&w, "admin_key");
	ordex_jw_str(&w, t->secret);
	ordex_jw_key(&w, "note");
	ordex_jw_str(&w, "the admin key of the new tenant's production; it is shown only this "
	                 "once");
	ordex_jw_obj_end(&w);
	sodium_memzero(t->secret, sizeof(t->secret));
}

void ordex_api_tenants_post(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_store *st = ordex_req_store(rq);
	const struct ordex_scope *sc = ordex_req_scope(rq);
	int64_t first = 0;
	char fname[64];
	if (!st || st->ops->tenant_first(st, &first, fname, sizeof(fname)) != ORDEX_OK) {
		unavailable(rq, "could not read the database");
		return;
	}
	/* creating tenants is the operator's: to anyone else the route is not there */
	if (first != sc->tenant || strcmp(sc->env, "production") != 0) {
		ordex_problem(r, 404, "not_found", "Not found",
		              "tenants are created by the operator's tenant", NULL);
		return;
	}
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
	const struct ordex_json *name = ordex_json_get(doc, "name");
	if (!name || name->type != ORDEX_JSON_STRING ||
	    !ordex_credential_tenant_name_ok(name->str)) {
		ordex_problem_add(&probs, a, "name",
		                  "is required: 1 to 63 bytes, printable, no control characters");
		ordex_problem(r, 422, "validation_failed", "Invalid tenant",
		              "no tenant was created", &probs);
		return;
	}
	struct new_tenant *t = ordex_arena_zalloc(a, sizeof(*t));
	t->name = name->str;
	t->actor = ordex_req_actor(rq);
	ordex_credential_new_key(t->secret, t->key.hash, t->prefix);
	t->key.prefix = t->prefix;
	t->key.role = "admin";
	t->key.created_by = t->actor;
	t->batch.scope = *sc;
	t->batch.command = tenant_command;
	t->batch.command_ctx = t;
	if (ordex_req_submit(rq, &t->batch, tenant_created) != ORDEX_OK)
		ordex_problem(r, 503, "shutting_down", "Shutting down", "the service is stopping",
		              NULL);
}

/* ---- GET /v1/roles ---------------------------------------------------------- */

void ordex_api_roles_get(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "roles");
	ordex_jw_obj(&w);
	for (int role = 0; role < ORDEX_ROLE_COUNT; role++) {
		ordex_jw_key(&w, ordex_role_name((enum ordex_role)role));
		ordex_jw_arr(&w);
		struct ordex_principal p = {.tenant = 1, .env = "production", .role = role};
		for (int op = 0; op < ORDEX_OP_COUNT; op++)
			if (ordex_authz_check(&p, (enum ordex_op)op, NULL).result ==
			    ORDEX_AUTHZ_ALLOW)
				ordex_jw_str(&w, ordex_op_name((enum ordex_op)op));
		ordex_jw_arr_end(&w);
	}
	ordex_jw_obj_end(&w);
	ordex_jw_key(&w, "scopes");
	ordex_jw_obj(&w);
	for (unsigned bit = 1; bit & ORDEX_SCOPE_ALL; bit <<= 1) {
		ordex_jw_key(&w, ordex_scope_name(bit));
		ordex_jw_arr(&w);
		struct ordex_principal p = {
		    .tenant = 1, .env = "production", .role = ORDEX_ROLE_ADMIN, .scopes = bit};
		for (int op = 0; op < ORDEX_OP_COUNT; op++)
			if (ordex_authz_check(&p, (enum ordex_op)op, NULL).result ==
			    ORDEX_AUTHZ_ALLOW)
				ordex_jw_str(&w, ordex_op_name((enum ordex_op)op));
		ordex_jw_arr_end(&w);
	}
	ordex_jw_obj_end(&w);
	ordex_jw_obj_end(&w);
}
