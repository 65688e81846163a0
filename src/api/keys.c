/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.c - service identities: the API keys of the caller's tenant and
 * environment.
 *
 *   GET    /v1/keys       metadata only (prefix, name, role, scopes, times)
 *   POST   /v1/keys       {"role","scopes":[...],"name","expires_at",
 *                          "replaces","overlap_seconds"}: a new key, its
 *                          secret shown once; with "replaces", a rotation:
 *                          the old key keeps working overlap_seconds more
 *   DELETE /v1/keys/{id}  revoked at once
 *
 * Nobody grants more than it holds (ordex_authz_can_grant): a refused grant
 * is answered 403 and recorded in the audit log with who asked for what.
 * Every grant and revocation is audited with its author.
 */
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

#define MAX_OVERLAP_S (30LL * 86400)

struct grant {
	struct ordex_batch batch;
	struct ordex_key_new key;
	char secret[ORDEX_KEY_SECRET_BYTES];
	int64_t id;
	int64_t replaces;  /* 0: none */
	int64_t overlap_s; /* the replaced key's remaining life */
	const char *actor;
	const char *why; /* a refusal in the writer */
};

/* Audit entry of a grant, a revocation or a refused grant. */
static int audit_key(struct ordex_audit *au, struct ordex_store *st, const struct ordex_scope *sc,
                     int64_t now, const char *kind, const char *actor, int64_t id,
                     const struct ordex_key_new *k, const char *why)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, actor);
	if (id) {
		ordex_jw_key(&w, "key");
		ordex_jw_int(&w, id);
	}
	if (k) {
		ordex_jw_key(&w, "prefix");
		if (k->prefix)
			ordex_jw_str(&w, k->prefix);
		else
			ordex_jw_null(&w);
		ordex_jw_key(&w, "role");
		ordex_jw_str(&w, k->role);
		ordex_jw_key(&w, "scopes");
		ordex_render_scopes(&w, k->scopes);
		ordex_render_time(&w, "expires_at", k->expires_at);
	}
	if (why) {
		ordex_jw_key(&w, "why");
		ordex_jw_str(&w, why);
	}
	ordex_jw_obj_end(&w);
	char subject[32];
	snprintf(subject, sizeof(subject), "key:%lld", (long long)id);
	int rc = ordex_audit_append(au, st, sc, now, kind, subject, b.data);
	ordex_buf_free(&b);
	return rc;
}

/* In the writer: store the key, end the one it replaces, audit both. */
static int grant_command(struct ordex_store *st, struct ordex_audit *au,
                         const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct grant *g = ctx;
	int rc = st->ops->key_create(st, sc, &g->key, &g->id);
	if (rc == ORDEX_OK)
		rc = audit_key(au, st, sc, now, "key.created", g->actor, g->id, &g->key, NULL);
	if (rc == ORDEX_OK && g->replaces) {
		rc = st->ops->key_revoke(st, sc, g->replaces, now + g->overlap_s * 1000000LL);
		if (rc == ORDEX_E_NOTFOUND) {
			g->why = "no such key to replace in this environment";
			return ORDEX_E_NOTFOUND;
		}
		if (rc == ORDEX_OK)
			rc = audit_key(au, st, sc, now, "key.rotated", g->actor, g->replaces, NULL,
			               NULL);
	}
	return rc;
}

static void granted(struct ordex_req *rq, struct ordex_batch *b)
{
	struct grant *g = (struct grant *)b;
	struct ordex_response *r = ordex_req_response(rq);
	if (b->rc || b->command_rc == ORDEX_E_STORE) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "the key could not be stored; nothing was changed", NULL);
		return;
	}
	if (b->command_rc == ORDEX_E_NOTFOUND) {
		struct ordex_problems p = {.n = 0};
		ordex_problem_add(&p, ordex_req_arena(rq), "replaces", "%s", g->why);
		ordex_problem(r, 404, "not_found", "Not found", g->why, &p);
		return;
	}
	if (g->replaces)
		ordex_req_forget_keys(rq);
	struct ordex_jw w;
	r->status = 201;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "id");
	ordex_jw_int(&w, g->id);
	ordex_jw_key(&w, "key");
	ordex_jw_str(&w, g->secret);
	ordex_jw_key(&w, "prefix");
	ordex_jw_str(&w, g->key.prefix);
	ordex_jw_key(&w, "role");
	ordex_jw_str(&w, g->key.role);
	ordex_jw_key(&w, "scopes");
	ordex_render_scopes(&w, g->key.scopes);
	ordex_render_time(&w, "expires_at", g->key.expires_at);
	ordex_jw_key(&w, "note");
	ordex_jw_str(&w, "the key is shown only this once");
	ordex_jw_obj_end(&w);
	sodium_memzero(g->secret, sizeof(g->secret));
}

/* A refused grant: recorded, then answered 403. */
struct refusal {
	struct ordex_batch batch;
	const char *why;
};

static void refused(struct ordex_req *rq, struct ordex_batch *b)
{
	struct refusal *f = (struct refusal *)b;
	ordex_problem(ordex_req_response(rq), 403, "forbidden", "Forbidden", f->why, NULL);
}

/* Records a refusal (kind, with who asked, what, why), then answers 403. */
static void refuse_as(struct ordex_req *rq, const char *kind, const char *what, const char *why)
{
	struct ordex_arena *a = ordex_req_arena(rq);
	struct refusal *f = ordex_arena_zalloc(a, sizeof(*f));
	f->why = why;
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, ordex_req_actor(rq));
	ordex_jw_key(&w, "what");
	ordex_jw_str(&w, what);
	ordex_jw_key(&w, "why");
	ordex_jw_str(&w, why);
	ordex_jw_obj_end(&w);
	f->batch.scope = *ordex_req_scope(rq);
	f->batch.audit_kind = kind;
	f->batch.audit_subject = ordex_req_actor(rq);
	f->batch.audit_body = ordex_arena_strdup(a, b.data);
	ordex_buf_free(&b);
	if (ordex_req_submit(rq, &f->batch, refused) != ORDEX_OK)
		ordex_problem(ordex_req_response(rq), 403, "forbidden", "Forbidden", why, NULL);
}

static void refuse(struct ordex_req *rq, const struct ordex_key_new *k, const char *why)
{
	refuse_as(
	    rq, "key.grant_refused",
	    ordex_arena_printf(ordex_req_arena(rq), "a %s key (scopes %u)", k->role, k->scopes),
	    why);
}

/*
 * May the caller end key id (revoke or replace it)? Only a key it could
 * have granted: nobody ends a key with more power or a wider customer
 * scope than its own. NULL: yes (or no such key: the command says 404).
 */
static const char *may_end(struct ordex_req *rq, int64_t id)
{
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_key_row k;
	if (!st || st->ops->key_get(st, ordex_req_scope(rq), id, ordex_req_arena(rq), &k))
		return NULL;
	const struct ordex_principal *me = ordex_req_principal(rq);
	int role = ordex_role_parse(k.role);
	struct ordex_principal target = {.tenant = me->tenant,
	                                 .env = me->env,
	                                 .role =
	                                     role < 0 ? ORDEX_ROLE_COUNT : (enum ordex_role)role,
	                                 .scopes = k.scopes,
	                                 .customers = {k.brand, k.region, k.segment}};
	struct ordex_authz_decision d = ordex_authz_can_grant(me, &target);
	return d.result == ORDEX_AUTHZ_ALLOW ? NULL : d.reason;
}

int ordex_api_customers(struct ordex_req *rq, const struct ordex_json *doc, const char *out[3],
                        struct ordex_problems *probs)
{
	static const char *const dims[3] = {"brand", "region", "segment"};
	struct ordex_arena *a = ordex_req_arena(rq);
	const struct ordex_customer_scope *mine = &ordex_req_principal(rq)->customers;
	const char *own[3] = {mine->brand, mine->region, mine->segment};
	const struct ordex_json *cs = ordex_json_get(doc, "customers");
	for (int i = 0; i < 3; i++)
		out[i] = own[i]; /* by default, the creator's own limits */
	if (!cs)
		return ORDEX_OK;
	if (cs->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(probs, a, "customers",
		                  "must be an object of brand, region and segment");
		return ORDEX_E_INVAL;
	}
	for (const struct ordex_json *m = cs->child; m; m = m->next) {
		int i = 0;
		while (i < 3 && strcmp(m->key, dims[i]) != 0)
			i++;
		if (i == 3 || m->type != ORDEX_JSON_STRING || !m->len || m->len > 64) {
			ordex_problem_add(probs, a, ordex_arena_printf(a, "customers.%s", m->key),
			                  i == 3
			                      ? "is not a scope dimension: brand, region, segment"
			                      : "must be a string of 1 to 64 bytes");
			continue;
		}
		out[i] = m->str;
	}
	return probs->n ? ORDEX_E_INVAL : ORDEX_OK;
}

void ordex_api_keys_post(struct ordex_req *rq)
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
	if (doc->type != ORDEX_JSON_OBJECT) {
		ordex_problem(r, 422, "validation_failed", "Invalid key",
		              "the body must be a JSON object", NULL);
		return;
	}
	struct grant *g = ordex_arena_zalloc(a, sizeof(*g));
	const struct ordex_json *role = ordex_json_get(doc, "role");
	const struct ordex_json *scopes = ordex_json_get(doc, "scopes");
	const struct ordex_json *name = ordex_json_get(doc, "name");
	const struct ordex_json *exp = ordex_json_get(doc, "expires_at");
	const struct ordex_json *rep = ordex_json_get(doc, "replaces");
	const struct ordex_json *ov = ordex_json_get(doc, "overlap_seconds");
	if (!role || role->type != ORDEX_JSON_STRING || ordex_role_parse(role->str) < 0)
		ordex_problem_add(
		    &probs, a, "role",
		    "is required: viewer, support_agent, ops_reviewer, fraud_reviewer, "
		    "finance_approver, admin, auditor or ingest");
	else
		g->key.role = role->str;
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
			g->key.scopes |= bit;
		}
	}
	if (name && (name->type != ORDEX_JSON_STRING || name->len > 128))
		ordex_problem_add(&probs, a, "name", "must be a string of at most 128 bytes");
	else if (name)
		g->key.name = name->str;
	int64_t now = ordex_time_now();
	if (exp) {
		int off;
		if (exp->type != ORDEX_JSON_STRING ||
		    ordex_time_parse(exp->str, exp->len, &g->key.expires_at, &off) != ORDEX_OK)
			ordex_problem_add(&probs, a, "expires_at",
			                  "must be a time with its offset (RFC 3339)");
		else if (g->key.expires_at <= now)
			ordex_problem_add(&probs, a, "expires_at", "must be in the future");
	}
	if (rep && (ordex_json_int(rep, &g->replaces) != ORDEX_OK || g->replaces <= 0))
		ordex_problem_add(&probs, a, "replaces", "must be the id of a key");
	g->overlap_s = 0;
	if (ov && (!rep || ordex_json_int(ov, &g->overlap_s) != ORDEX_OK || g->overlap_s < 0 ||
	           g->overlap_s > MAX_OVERLAP_S))
		ordex_problem_add(&probs, a, "overlap_seconds",
		                  rep ? "must be an integer from 0 to 2592000 (30 days)"
		                      : "applies only with replaces");
	const char *cust[3];
	ordex_api_customers(rq, doc, cust, &probs);
	if (probs.n) {
		ordex_problem(r, 422, "validation_failed", "Invalid key", "the key was not created",
		              &probs);
		return;
	}
	g->key.brand = cust[0];
	g->key.region = cust[1];
	g->key.segment = cust[2];
	/* nobody grants more than it holds */
	const struct ordex_principal *me = ordex_req_principal(rq);
	struct ordex_principal want = {.tenant = me->tenant,
	                               .env = me->env,
	                               .role = (enum ordex_role)ordex_role_parse(g->key.role),
	                               .scopes = g->key.scopes,
	                               .customers = {cust[0], cust[1], cust[2]}};
	struct ordex_authz_decision d = ordex_authz_can_grant(me, &want);
	if (d.result != ORDEX_AUTHZ_ALLOW) {
		refuse(rq, &g->key, d.reason);
		return;
	}
	const char *why = g->replaces ? may_end(rq, g->replaces) : NULL;
	if (why) {
		refuse_as(rq, "key.grant_refused", "replace a key", why);
		return;
	}
	/* a key never outlives the key that granted it */
	int64_t end = ordex_req_credential_end(rq);
	if (end && (!g->key.expires_at || g->key.expires_at > end))
		g->key.expires_at = end;
	char prefix[ORDEX_KEY_PREFIX_BYTES];
	ordex_credential_new_key(g->secret, g->key.hash, prefix);
	g->key.prefix = ordex_arena_strdup(a, prefix);
	g->key.created_by = ordex_req_actor(rq);
	g->actor = ordex_req_actor(rq);
	g->batch.scope = *ordex_req_scope(rq);
	g->batch.command = grant_command;
	g->batch.command_ctx = g;
	if (ordex_req_submit(rq, &g->batch, granted) != ORDEX_OK)
		ordex_problem(r, 503, "shutting_down", "Shutting down", "the service is stopping",
		              NULL);
}

struct revoke {
	struct ordex_batch batch;
	int64_t id;
	const char *actor;
};

static int revoke_command(struct ordex_store *st, struct ordex_audit *au,
                          const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct revoke *v = ctx;
	int rc = st->ops->key_revoke(st, sc, v->id, now);
	if (rc == ORDEX_OK)
		rc = audit_key(au, st, sc, now, "key.revoked", v->actor, v->id, NULL, NULL);
	return rc;
}

static void revoked(struct ordex_req *rq, struct ordex_batch *b)
{
	struct revoke *v = (struct revoke *)b;
	struct ordex_response *r = ordex_req_response(rq);
	if (b->rc || b->command_rc == ORDEX_E_STORE) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "the key could not be revoked; nothing was changed", NULL);
		return;
	}
	if (b->command_rc == ORDEX_E_NOTFOUND) {
		ordex_problem(r, 404, "not_found", "Not found", "no such key", NULL);
		return;
	}
	ordex_req_forget_keys(rq); /* the next request with it is refused */
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "id");
	ordex_jw_int(&w, v->id);
	ordex_jw_key(&w, "revoked");
	ordex_jw_bool(&w, true);
	ordex_jw_obj_end(&w);
}

void ordex_api_keys_delete(struct ordex_req *rq)
{
	const char *rest = ordex_req_path_rest(rq);
	char *end;
	long long id = strtoll(rest, &end, 10);
	if (!*rest || *end || id <= 0) {
		ordex_problem(ordex_req_response(rq), 404, "not_found", "Not found", "no such key",
		              NULL);
		return;
	}
	const char *why = may_end(rq, id);
	if (why) {
		refuse_as(rq, "key.revoke_refused", "revoke a key", why);
		return;
	}
	struct revoke *v = ordex_arena_zalloc(ordex_req_arena(rq), sizeof(*v));
	v->id = id;
	v->actor = ordex_req_actor(rq);
	v->batch.scope = *ordex_req_scope(rq);
	v->batch.command = revoke_command;
	v->batch.command_ctx = v;
	if (ordex_req_submit(rq, &v->batch, revoked) != ORDEX_OK)
		ordex_problem(ordex_req_response(rq), 503, "shutting_down", "Shutting down",
		              "the service is stopping", NULL);
}

void ordex_api_keys_list(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_key_row *keys;
	size_t n;
	if (!st || st->ops->key_list(st, ordex_req_scope(rq), ordex_req_arena(rq), &keys, &n) !=
	               ORDEX_OK) {
		ordex_problem(r, 503, "storage_unavailable", "Service unavailable",
		              "could not read the database", NULL);
		return;
	}
	int64_t now = ordex_time_now();
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "keys");
	ordex_jw_arr(&w);
	const struct ordex_principal *me = ordex_req_principal(rq);
	for (size_t i = 0; i < n; i++) {
		const struct ordex_key_row *k = &keys[i];
		/* a principal limited to some customers sees the principals within them */
		struct ordex_customer_scope theirs = {k->brand, k->region, k->segment};
		if (!ordex_authz_within(&theirs, &me->customers))
			continue;
		const char *state = k->revoked_at && k->revoked_at <= now   ? "revoked"
		                    : k->expires_at && k->expires_at <= now ? "expired"
		                    : k->revoked_at                         ? "rotating"
		                                                            : "active";
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "id");
		ordex_jw_int(&w, k->id);
		ordex_jw_key(&w, "prefix");
		ordex_jw_str(&w, k->prefix);
		ordex_jw_key(&w, "name");
		if (k->name)
			ordex_jw_str(&w, k->name);
		else
			ordex_jw_null(&w);
		ordex_jw_key(&w, "role");
		ordex_jw_str(&w, k->role);
		ordex_jw_key(&w, "scopes");
		ordex_render_scopes(&w, k->scopes);
		ordex_jw_key(&w, "state");
		ordex_jw_str(&w, state);
		ordex_render_time(&w, "created_at", k->created_at);
		ordex_render_time(&w, "expires_at", k->expires_at);
		ordex_render_time(&w, "revoked_at", k->revoked_at);
		ordex_render_time(&w, "last_used_at", k->last_used_at);
		ordex_render_customers(&w, k->brand, k->region, k->segment);
		ordex_jw_key(&w, "created_by");
		if (k->created_by)
			ordex_jw_str(&w, k->created_by);
		else
			ordex_jw_null(&w);
		ordex_jw_obj_end(&w);
	}
	ordex_jw_arr_end(&w);
	ordex_jw_obj_end(&w);
}
