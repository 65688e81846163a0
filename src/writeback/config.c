/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - adding and removing writeback targets, as writer commands
 * shared by the API and the command line. A target's credential is sealed
 * before it is stored and never shown again. An environment has one
 * target per action kind, and a target of one environment may not point
 * where one of the tenant's other environment does (a sandbox never
 * reaches a production system through ordex).
 */
#include "writeback/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/vault.h"
#include "store/store.h"

static int refuse(struct ordex_cmd_result *r, int code, const char *field, const char *why)
{
	r->code = code;
	r->field = field;
	r->why = why;
	return ORDEX_E_INVAL;
}

static bool names(struct ordex_arena *a, const char *actions_json, const char *kind)
{
	struct ordex_json *k;
	struct ordex_json_error jerr;
	if (!actions_json ||
	    ordex_json_parse(a, actions_json, strlen(actions_json), NULL, &k, &jerr) != ORDEX_OK)
		return false;
	for (const struct ordex_json *e = k->child; e; e = e->next)
		if (e->type == ORDEX_JSON_STRING && !strcmp(e->str, kind))
			return true;
	return false;
}

/* The same place, whatever the case of the scheme and host or a trailing slash. */
static bool same_url(const char *x, const char *y)
{
	size_t nx = strlen(x), ny = strlen(y);
	while (nx && x[nx - 1] == '/')
		nx--;
	while (ny && y[ny - 1] == '/')
		ny--;
	if (nx != ny)
		return false;
	const char *path_x = strchr(strstr(x, "//") ? strstr(x, "//") + 2 : x, '/');
	size_t host_end = path_x ? (size_t)(path_x - x) : nx;
	for (size_t i = 0; i < nx; i++) {
		char a = x[i], b = y[i];
		if (i < host_end) {
			a = (char)(a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a);
			b = (char)(b >= 'A' && b <= 'Z' ? b - 'A' + 'a' : b);
		}
		if (a != b)
			return false;
	}
	return true;
}

int ordex_target_add_cmd(struct ordex_store *st, struct ordex_audit *au,
                         const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct ordex_target_add *k = ctx;
	struct ordex_arena *a = k->a;
	struct ordex_target_row *ts;
	size_t n;
	int rc = st->ops->target_list(st, sc, a, &ts, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < k->n_actions; j++)
			if (names(a, ts[i].actions, k->actions[j]))
				return refuse(
				    &k->res, 409, ordex_arena_printf(a, "actions[%d]", j),
				    ordex_arena_printf(a,
				                       "target %lld (%s) carries out %s in %s "
				                       "already: remove it first",
				                       (long long)ts[i].id, ts[i].name,
				                       k->actions[j], sc->env));
	const char *other = !strcmp(sc->env, "production") ? "sandbox" : "production";
	struct ordex_scope osc = {sc->tenant, other};
	if ((rc = st->ops->target_list(st, &osc, a, &ts, &n)))
		return rc;
	for (size_t i = 0; i < n; i++)
		if (same_url(ts[i].base_url, k->base_url))
			return refuse(&k->res, 409, "base_url",
			              ordex_arena_printf(a,
			                                 "is where target %lld of %s points: an "
			                                 "environment's writebacks never reach "
			                                 "another's systems",
			                                 (long long)ts[i].id, other));
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_arr(&w);
	for (int j = 0; j < k->n_actions; j++)
		ordex_jw_str(&w, k->actions[j]);
	ordex_jw_arr_end(&w);
	const char *actions = ordex_arena_strndup(a, b.data, b.len);
	ordex_buf_free(&b);
	unsigned char *sealed = NULL;
	if (k->secret && k->secret[0]) {
		sealed = ordex_arena_alloc(a, strlen(k->secret) + ORDEX_VAULT_OVERHEAD);
		ordex_vault_seal(k->vault, k->secret, strlen(k->secret), sealed);
	}
	struct ordex_target_row t = {
	    .name = k->name,
	    .kind = k->kind,
	    .base_url = k->base_url,
	    .secret = sealed,
	    .secret_len = sealed ? strlen(k->secret) + ORDEX_VAULT_OVERHEAD : 0,
	    .actions = actions,
	    .shadow = k->shadow,
	    .created_at = now,
	    .created_by = k->actor,
	};
	rc = st->ops->target_add(st, sc, &t);
	if (rc == ORDEX_E_CONFLICT)
		return refuse(
		    &k->res, 409, "name",
		    ordex_arena_printf(a, "a target named \"%s\" is there already", k->name));
	if (rc)
		return rc;
	k->id = t.id;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, k->actor);
	ordex_jw_key(&w, "target");
	ordex_jw_int(&w, t.id);
	ordex_jw_key(&w, "name");
	ordex_jw_str(&w, t.name);
	ordex_jw_key(&w, "kind");
	ordex_jw_str(&w, t.kind);
	ordex_jw_key(&w, "base_url");
	ordex_jw_str(&w, t.base_url);
	ordex_jw_key(&w, "actions");
	ordex_jw_raw(&w, actions, strlen(actions));
	ordex_jw_key(&w, "shadow");
	ordex_jw_bool(&w, t.shadow);
	ordex_jw_key(&w, "credential");
	ordex_jw_bool(&w, sealed != NULL);
	ordex_jw_obj_end(&w);
	rc = ordex_audit_append(au, st, sc, now, "target.added", t.name, b.data);
	ordex_buf_free(&b);
	return rc;
}

int ordex_target_remove_cmd(struct ordex_store *st, struct ordex_audit *au,
                            const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct ordex_target_remove *k = ctx;
	struct ordex_target_row t;
	int rc = st->ops->target_get(st, sc, k->id, k->a, &t);
	if (rc == ORDEX_E_NOTFOUND || (rc == ORDEX_OK && t.removed_at))
		return refuse(&k->res, 404, NULL, "no such target");
	if (rc)
		return rc;
	if ((rc = st->ops->target_remove(st, sc, k->id, now)))
		return rc;
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, k->actor);
	ordex_jw_key(&w, "target");
	ordex_jw_int(&w, k->id);
	ordex_jw_obj_end(&w);
	rc = ordex_audit_append(au, st, sc, now, "target.removed", t.name, b.data);
	ordex_buf_free(&b);
	return rc;
}
