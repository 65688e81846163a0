/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.c - what the subcommands share: the data directory, the tenant
 * and environment a command acts on, and API key creation.
 *
 * An API key is "ordex_" and 43 characters of URL-safe base64 over 32
 * random bytes (256 bits). Only its SHA-256 is stored (a key that random
 * needs no slow hash), with the first 12 characters as a prefix by which a
 * person can recognise it in a list.
 */
#include "authz/credential.h"
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/common.h"
#include "store/store.h"

const char *ordex_cli_data_dir(const char *opt)
{
	if (opt && *opt)
		return opt;
	const char *env = getenv("ORDEX_DATA");
	return env && *env ? env : "data";
}

void ordex_cli_db_path(const char *dir, char *out, size_t n)
{
	snprintf(out, n, "%s/ordex.db", dir);
}

int ordex_cli_scope(struct ordex_store *st, const char *tenant, const char *env,
                    struct ordex_scope *sc)
{
	char name[64];
	int rc = tenant ? st->ops->tenant_find(st, tenant, &sc->tenant)
	                : st->ops->tenant_first(st, &sc->tenant, name, sizeof(name));
	if (rc == ORDEX_E_NOTFOUND) {
		if (tenant)
			fprintf(stderr, "ordex: no tenant named \"%s\"\n", tenant);
		else
			fprintf(stderr, "ordex: the database has no tenant; run \"ordex init\"\n");
		return rc;
	}
	if (rc)
		return rc;
	sc->env = env ? env : "production";
	rc = st->ops->env_exists(st, sc->tenant, sc->env);
	if (rc == ORDEX_E_NOTFOUND)
		fprintf(stderr, "ordex: the tenant has no environment \"%s\"\n", sc->env);
	return rc;
}

int ordex_cli_key_create(struct ordex_store *st, const struct ordex_scope *sc, const char *role,
                         char *key, size_t keylen)
{
	struct ordex_key_new k = {.role = role};
	return ordex_cli_key_new(st, sc, &k, key, keylen, NULL);
}

int ordex_cli_key_new(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_key_new *k,
                      char *key, size_t keylen, int64_t *id)
{
	char secret[ORDEX_KEY_SECRET_BYTES], prefix[ORDEX_KEY_PREFIX_BYTES];
	ordex_credential_new_key(secret, k->hash, prefix);
	snprintf(key, keylen, "%s", secret);
	sodium_memzero(secret, sizeof(secret));
	k->prefix = prefix;
	int rc = st->ops->key_create(st, sc, k, id);
	k->prefix = NULL; /* it lived on this stack */
	return rc;
}
