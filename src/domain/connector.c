/* SPDX-License-Identifier: Apache-2.0 */
/*
 * connector.c - connectors and their secrets: creation, rotation with an
 * overlap window, and the secrets valid at a moment.
 */
#include "domain/connector.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/vault.h"
#include "ingest/adapters/adapter.h"
#include "store/store.h"

#define DAY_US (86400LL * 1000000LL)

bool ordex_connector_source_known(const char *source)
{
	return ordex_adapter_find(source) != NULL;
}

/*
 * "…c1f9": enough to tell secrets apart, never enough to help guess one:
 * the last four characters of a secret of at least 16, else nothing.
 */
static void hint_of(const char *secret, size_t n, char *out, size_t outlen)
{
	if (n < 16)
		snprintf(out, outlen, "…");
	else
		snprintf(out, outlen, "…%.4s", secret + n - 4);
}

/*
 * Refuses a secret that is valid in another environment of the tenant: a
 * delivery signed with it would verify in both, so sandbox traffic could
 * reach production's orders.
 */
static int used_elsewhere(struct ordex_store *st, const struct ordex_scope *sc, int64_t now,
                          struct ordex_connector_add *c)
{
	struct ordex_arena *a = ordex_arena_new(1024);
	struct ordex_secret_row *rows;
	size_t n;
	int rc = st->ops->secrets_elsewhere(st, sc, now, a, &rows, &n);
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++) {
		char *plain;
		size_t len;
		if (ordex_vault_open(c->vault, rows[i].sealed, rows[i].sealed_len, a, &plain, &len))
			continue;
		bool same = len == c->secret_len && !sodium_memcmp(plain, c->secret, len);
		sodium_memzero(plain, len);
		if (same) {
			c->why = "the secret is in use in another environment of this tenant; give "
			         "each environment its own";
			rc = ORDEX_E_CONFLICT;
		}
	}
	ordex_arena_free(a);
	return rc;
}

int ordex_connector_add(struct ordex_store *st, struct ordex_audit *au,
                        const struct ordex_scope *sc, int64_t now, void *ctx)
{
	struct ordex_connector_add *c = ctx;
	if (!ordex_connector_source_known(c->source)) {
		c->why = "source must be one ordex has an adapter for";
		return ORDEX_E_INVAL;
	}
	if (!c->secret_len || c->secret_len > ORDEX_SECRET_MAX) {
		c->why = "secret must be 1 to 512 bytes";
		return ORDEX_E_INVAL;
	}
	int rc = used_elsewhere(st, sc, now, c);
	if (rc)
		return rc;
	int64_t id;
	rc = st->ops->connector_get(st, sc, c->source, &id);
	if (rc == ORDEX_E_NOTFOUND) {
		unsigned char raw[12];
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(c->public_id, sizeof(c->public_id), raw, sizeof(raw),
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		rc = st->ops->connector_create(st, sc, c->source, c->public_id, &id);
		c->created = true;
	}
	if (rc)
		return rc;
	struct ordex_arena *a = ordex_arena_new(1024);
	struct ordex_secret_row *rows;
	size_t n;
	rc = st->ops->secrets_list(st, sc, id, a, &rows, &n);
	int64_t until = now + (c->overlap_s >= 0 ? c->overlap_s * 1000000LL : DAY_US);
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++)
		if (!rows[i].expires_at || rows[i].expires_at > until)
			rc = st->ops->secret_expire(st, sc, id, rows[i].id, until);
	unsigned char sealed[ORDEX_SECRET_MAX + ORDEX_VAULT_OVERHEAD];
	ordex_vault_seal(c->vault, c->secret, c->secret_len, sealed);
	hint_of(c->secret, c->secret_len, c->hint, sizeof(c->hint));
	if (rc == ORDEX_OK)
		rc = st->ops->secret_add(st, sc, id, sealed, c->secret_len + ORDEX_VAULT_OVERHEAD,
		                         c->hint, &c->secret_id);
	if (rc == ORDEX_OK && !c->created) {
		struct ordex_connector_info *all;
		size_t m;
		rc = st->ops->connectors_list(st, sc, a, &all, &m);
		for (size_t i = 0; rc == ORDEX_OK && i < m; i++)
			if (!strcmp(all[i].source, c->source))
				snprintf(c->public_id, sizeof(c->public_id), "%s",
				         all[i].public_id);
	}
	if (rc == ORDEX_OK) {
		struct ordex_buf b;
		struct ordex_jw w;
		ordex_buf_init(&b, 0);
		ordex_jw_init(&w, &b);
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "source");
		ordex_jw_str(&w, c->source);
		ordex_jw_key(&w, "secret_id");
		ordex_jw_int(&w, c->secret_id);
		ordex_jw_key(&w, "hint");
		ordex_jw_str(&w, c->hint);
		ordex_jw_key(&w, "rotation");
		ordex_jw_bool(&w, n > 0);
		ordex_jw_key(&w, "by");
		ordex_jw_str(&w, c->actor ? c->actor : "unknown");
		ordex_jw_obj_end(&w);
		rc = ordex_audit_append(au, st, sc, now,
		                        c->created ? "connector.created" : "connector.secret_added",
		                        c->source, b.data);
		ordex_buf_free(&b);
	}
	ordex_arena_free(a);
	return rc;
}

int ordex_connector_secrets(struct ordex_store *st, const struct ordex_scope *sc, int64_t connector,
                            const struct ordex_vault *v, int64_t now, struct ordex_arena *a,
                            const char ***secrets, size_t **lens, size_t *n)
{
	struct ordex_secret_row *rows;
	size_t m;
	int rc = st->ops->secrets_list(st, sc, connector, a, &rows, &m);
	if (rc)
		return rc;
	*secrets = ordex_arena_alloc(a, sizeof(char *) * (m + 1));
	*lens = ordex_arena_alloc(a, sizeof(size_t) * (m + 1));
	*n = 0;
	for (size_t i = m; i-- > 0;) {
		if (rows[i].expires_at && rows[i].expires_at <= now)
			continue;
		char *plain;
		size_t len;
		if (ordex_vault_open(v, rows[i].sealed, rows[i].sealed_len, a, &plain, &len))
			continue; /* sealed with another key: not usable here */
		(*secrets)[*n] = plain;
		(*lens)[*n] = len;
		(*n)++;
	}
	return ORDEX_OK;
}
