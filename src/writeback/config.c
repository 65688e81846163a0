/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - adding and removing writeback targets, as writer commands
 * shared by the API and the command line. A target's credential is sealed
 * before it is stored and never shown again. An environment has one
 * target per action kind, and a target of one environment may not point
 * at the origin (scheme, host and port) of one of the tenant's other
 * environment, whatever the path (a sandbox never reaches a production
 * system through ordex).
 */
#include "writeback/config.h"
#include "writeback/target.h"

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
#include "workflow/workflow_int.h" /* ordex__refuse */

/*
 * A URL's origin as "scheme://host:port", lower-cased, with the default
 * port made explicit and any user information dropped: two targets at one
 * origin reach the same system, whatever their paths.
 */
static void origin_of(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://");
	size_t ns = p ? (size_t)(p - url) : 0;
	const char *host = p ? p + 3 : url;
	size_t nh = strcspn(host, "/?#");
	const char *at = memchr(host, '@', nh);
	if (at) {
		nh -= (size_t)(at + 1 - host);
		host = at + 1;
	}
	char scheme[16] = "", auth[300] = "";
	snprintf(scheme, sizeof(scheme), "%.*s", (int)ns, url);
	snprintf(auth, sizeof(auth), "%.*s", (int)nh, host);
	for (char *c = scheme; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	for (char *c = auth; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	/* a port after the host (not inside an IPv6 literal's brackets) */
	const char *colon = strrchr(auth, ':');
	bool has_port = colon && !strchr(colon, ']');
	snprintf(out, cap, "%s://%s%s", scheme, auth,
	         has_port                   ? ""
	         : !strcmp(scheme, "https") ? ":443"
	                                    : ":80");
}

static bool same_origin(const char *x, const char *y)
{
	char ox[340], oy[340];
	origin_of(x, ox, sizeof(ox));
	origin_of(y, oy, sizeof(oy));
	return !strcmp(ox, oy);
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
			if (ordex_target_carries(a, ts[i].actions, k->actions[j]))
				return ordex__refuse(
				    &k->res, 409, ordex_arena_printf(a, "actions[%d]", j),
				    ordex_arena_printf(a,
				                       "target %lld (%s) carries out %s in %s "
				                       "already: remove it first",
				                       (long long)ts[i].id, ts[i].name,
				                       k->actions[j], sc->env));
	const char *other = !strcmp(sc->env, "production") ? "sandbox" : "production";
	/* removed ones too: a system production once wrote to is production's */
	struct ordex_scope osc = {sc->tenant, other};
	if ((rc = st->ops->target_list_all(st, &osc, a, &ts, &n)))
		return rc;
	for (size_t i = 0; i < n; i++)
		if (same_origin(ts[i].base_url, k->base_url))
			return ordex__refuse(
			    &k->res, 409, "base_url",
			    ordex_arena_printf(a,
			                       "is the origin of target %lld of %s: an "
			                       "environment's writebacks never reach "
			                       "another's systems",
			                       (long long)ts[i].id, other));
	if (!k->secret || !k->secret[0])
		return ordex__refuse(&k->res, 422, "secret",
		                     "is required: the credential the target takes");
	/* a live payment credential has no business in a sandbox */
	if (strcmp(sc->env, "production") != 0 && k->secret &&
	    (!strncmp(k->secret, "sk_live_", 8) || !strncmp(k->secret, "rk_live_", 8)))
		return ordex__refuse(
		    &k->res, 409, "secret",
		    "is a live Stripe key: a sandbox's targets take test credentials");
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
		return ordex__refuse(
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
		return ordex__refuse(&k->res, 404, NULL, "no such target");
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
