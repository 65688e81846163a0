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

#include "audit/audit.h"
#include "core/common.h"
#include "ingest/event.h"
#include "workflow/workflow.h"
#include "core/timeutil.h"
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

int ordex_cli_read_secret(const char *path, char *out, size_t outlen, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "ordex: could not open \"%s\"\n", path);
		return ORDEX_E_IO;
	}
	size_t n = fread(out, 1, outlen - 1, f);
	if (f != stdin)
		fclose(f);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		n--; /* a file written by an editor ends in a newline that is not the secret's */
	out[n] = '\0';
	*len = n;
	return ORDEX_OK;
}

static void print_refusal(const struct ordex_cmd_result *r, const struct ordex_problems *p)
{
	if (p && p->n) {
		for (int i = 0; i < p->n; i++)
			fprintf(stderr, "ordex: refused: %s: %s\n", p->items[i].field,
			        p->items[i].reason);
		return;
	}
	fprintf(stderr, "ordex: refused: %s%s%s\n", r->field ? r->field : "", r->field ? ": " : "",
	        r->why ? r->why : "");
}

int ordex_cli_command(struct ordex_store *st, const struct ordex_scope *sc,
                      int (*cmd)(struct ordex_store *, struct ordex_audit *,
                                 const struct ordex_scope *, int64_t, void *),
                      void *ctx, const struct ordex_cmd_result *res,
                      const struct ordex_problems *probs)
{
	struct ordex_audit *au = ordex_audit_new();
	int rc = au ? st->ops->begin(st) : ORDEX_E_NOMEM;
	if (!rc)
		rc = cmd(st, au, sc, ordex_time_now(), ctx);
	if (!rc)
		rc = st->ops->commit(st);
	else
		st->ops->rollback(st);
	ordex_audit_free(au);
	if (rc == ORDEX_E_INVAL && res->code)
		print_refusal(res, probs);
	else if (rc)
		fprintf(stderr, "ordex: failed: %s\n", ordex_strerror(rc));
	return rc;
}
