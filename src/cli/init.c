/* SPDX-License-Identifier: Apache-2.0 */
/*
 * init.c - ordex init (a database, a first tenant with production and
 * sandbox, an admin key) and ordex key create (another key). The key is
 * printed once, alone, on the last line of standard output; only its hash
 * is kept.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "audit/audit.h"
#include "authz/authz.h"
#include "authz/credential.h"
#include "cli/cli.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/timeutil.h"
#include "core/vault.h"
#include "store/store.h"

static int mkdirs(const char *dir)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static const char *const roles[] = {
    "viewer",           "support_agent", "ops_reviewer", "fraud_reviewer",
    "finance_approver", "admin",         "auditor",      "ingest"};

static bool valid_role(const char *r)
{
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(roles); i++)
		if (!strcmp(roles[i], r))
			return true;
	return false;
}

/* A tenant with production and sandbox and an admin key for production,
 * in one transaction. */
static int create_tenant(struct ordex_store *st, const char *name, char *key, size_t keylen)
{
	struct ordex_scope sc = {.env = "production"};
	int rc = st->ops->begin(st);
	if (!rc)
		rc = st->ops->tenant_create(st, name, &sc.tenant);
	if (!rc)
		rc = st->ops->env_create(st, sc.tenant, "production");
	if (!rc)
		rc = st->ops->env_create(st, sc.tenant, "sandbox");
	if (!rc)
		rc = ordex_cli_key_create(st, &sc, "admin", key, keylen);
	if (!rc) {
		/* the first entry of the tenant's log, as the API's POST /v1/tenants */
		char body[200];
		snprintf(body, sizeof(body), "{\"by\":\"cli\",\"id\":%lld,\"admin_key\":\"%.12s\"}",
		         (long long)sc.tenant, key);
		struct ordex_audit *au = ordex_audit_new();
		rc =
		    ordex_audit_append(au, st, &sc, ordex_time_now(), "tenant.created", name, body);
		ordex_audit_free(au);
	}
	if (!rc)
		rc = st->ops->commit(st);
	if (rc)
		st->ops->rollback(st);
	return rc;
}

int ordex_cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"tenant", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *tenant = "default";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 't': tenant = optarg; break;
		default:
			fprintf(stderr, "usage: ordex init [--data DIR] [--tenant NAME]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	data = ordex_cli_data_dir(data);
	if (mkdirs(data) != 0) {
		fprintf(stderr, "ordex: could not create directory \"%s\": %s\n", data,
		        strerror(errno));
		return 1;
	}
	char db[1024];
	ordex_cli_db_path(data, db, sizeof(db));
	struct ordex_vault vault;
	if (ordex_vault_load(data, true, &vault) != ORDEX_OK)
		return 1;
	sodium_memzero(&vault, sizeof(vault));
	struct ordex_store *st;
	struct ordex_store_options o = {.sync = ORDEX_SYNC_FULL};
	if (ordex_store_open_sqlite(db, &o, &st) != ORDEX_OK)
		return 1;
	int64_t id;
	char first[64];
	int rc = st->ops->tenant_first(st, &id, first, sizeof(first));
	if (rc == ORDEX_OK) {
		fprintf(stderr,
		        "ordex: \"%s\" is already initialized (tenant \"%s\"); to get another "
		        "key run \"ordex key create --data %s\"\n",
		        db, first, data);
		st->ops->close(st);
		return 1;
	}
	char key[128];
	if (create_tenant(st, tenant, key, sizeof(key))) {
		st->ops->close(st);
		fprintf(stderr, "ordex: could not initialize \"%s\"\n", db);
		return 1;
	}
	st->ops->close(st);
	fprintf(stderr,
	        "ordex: initialized \"%s\": tenant \"%s\" with environments production and "
	        "sandbox\n"
	        "ordex: the admin key for production follows; it is shown only this once\n",
	        db, tenant);
	printf("%s\n", key);
	fflush(stdout);
	return 0;
}

/* An audit entry of a change made from the command line, in its transaction. */
static int cli_audit_as(struct ordex_store *st, const struct ordex_scope *sc, const char *kind,
                        const char *subject, const char *body)
{
	struct ordex_audit *au = ordex_audit_new();
	int rc = ordex_audit_append(au, st, sc, ordex_time_now(), kind, subject, body);
	ordex_audit_free(au);
	return rc;
}

static int cli_audit(struct ordex_store *st, const struct ordex_scope *sc, const char *kind,
                     int64_t id, const char *body)
{
	char subject[32];
	snprintf(subject, sizeof(subject), "key:%lld", (long long)id);
	return cli_audit_as(st, sc, kind, subject, body);
}

static unsigned parse_scopes(const char *list)
{
	unsigned all = 0;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned bit = ordex_scope_parse(t);
		if (!bit)
			return 0;
		all |= bit;
	}
	return all;
}

static int key_list(struct ordex_store *st, const struct ordex_scope *sc)
{
	struct ordex_arena *a = ordex_arena_new(4096);
	struct ordex_key_row *keys;
	size_t n;
	int rc = st->ops->key_list(st, sc, a, &keys, &n);
	int64_t now = ordex_time_now();
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++) {
		const struct ordex_key_row *k = &keys[i];
		char scopes[96] = "";
		for (unsigned bit = 1; bit & ORDEX_SCOPE_ALL; bit <<= 1)
			if (k->scopes & bit)
				snprintf(scopes + strlen(scopes), sizeof(scopes) - strlen(scopes),
				         "%s%s", scopes[0] ? "," : "", ordex_scope_name(bit));
		const char *state = k->revoked_at && k->revoked_at <= now   ? "revoked"
		                    : k->expires_at && k->expires_at <= now ? "expired"
		                    : k->revoked_at                         ? "rotating"
		                                                            : "active";
		char used[ORDEX_TIME_MAX_LEN] = "-";
		if (k->last_used_at)
			ordex_time_format(k->last_used_at, 0, used);
		printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)k->id, k->prefix, k->role,
		       scopes[0] ? scopes : "-", state, k->name ? k->name : "-", used);
	}
	ordex_arena_free(a);
	return rc;
}

int ordex_cmd_key(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},    {"tenant", required_argument, NULL, 't'},
	    {"env", required_argument, NULL, 'e'},     {"role", required_argument, NULL, 'r'},
	    {"scopes", required_argument, NULL, 's'},  {"name", required_argument, NULL, 'n'},
	    {"expires", required_argument, NULL, 'x'}, {"overlap", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	static const char usage[] =
	    "usage: ordex key create [--data DIR] [--tenant NAME] [--env production|sandbox]\n"
	    "                        [--role ROLE] [--scopes ingest,read,...] [--name NAME]\n"
	    "                        [--expires TIME]\n"
	    "       ordex key list   [--data DIR] [--tenant NAME] [--env ENV]\n"
	    "                        (id, prefix, role, scopes, state, name, last used)\n"
	    "       ordex key revoke ID [--overlap SECONDS] [--data DIR] [--tenant NAME] [--env "
	    "ENV]\n";
	const char *data = NULL, *tenant = NULL, *env = NULL;
	struct ordex_key_new k = {.role = "admin", .created_by = "cli"};
	long overlap = 0;
	const char *verb = argc >= 2 ? argv[1] : "";
	if (strcmp(verb, "create") && strcmp(verb, "list") && strcmp(verb, "revoke")) {
		fputs(usage, stderr);
		return 2;
	}
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 't': tenant = optarg; break;
		case 'e': env = optarg; break;
		case 'r': k.role = optarg; break;
		case 'n': k.name = optarg; break;
		case 's':
			if (!(k.scopes = parse_scopes(optarg))) {
				fprintf(stderr,
				        "ordex: --scopes must list ingest, read, cases, approve, "
				        "audit or manage, separated by commas\n");
				return 2;
			}
			break;
		case 'x': {
			int off;
			if (ordex_time_parse(optarg, strlen(optarg), &k.expires_at, &off) !=
			        ORDEX_OK ||
			    k.expires_at <= ordex_time_now()) {
				fprintf(stderr,
				        "ordex: --expires must be a future time with its offset, "
				        "like 2027-01-01T00:00:00Z\n");
				return 2;
			}
			break;
		}
		case 'o': {
			char *end;
			overlap = strtol(optarg, &end, 10);
			if (*end || overlap < 0 || overlap > 30L * 86400) {
				fprintf(stderr, "ordex: --overlap must be 0 to 2592000 seconds\n");
				return 2;
			}
			break;
		}
		default: fputs(usage, stderr); return c == 'h' ? 0 : 2;
		}
	}
	long long revoke_id = 0;
	if (!strcmp(verb, "revoke")) {
		char *end = NULL;
		if (optind != argc - 1 || (revoke_id = strtoll(argv[optind], &end, 10)) <= 0 ||
		    *end) {
			fprintf(stderr,
			        "usage: ordex key revoke ID (the id \"ordex key list\" shows)\n");
			return 2;
		}
	} else if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (!valid_role(k.role)) {
		fprintf(stderr, "ordex: unknown role \"%s\"\n", k.role);
		return 2;
	}
	char db[1024];
	ordex_cli_db_path(ordex_cli_data_dir(data), db, sizeof(db));
	struct ordex_store *st;
	struct ordex_store_options o = {.sync = ORDEX_SYNC_FULL};
	if (ordex_store_open_sqlite(db, &o, &st) != ORDEX_OK)
		return 1;
	struct ordex_scope sc;
	int rc = ordex_cli_scope(st, tenant, env, &sc);
	if (!rc && !strcmp(verb, "list")) {
		rc = key_list(st, &sc);
		st->ops->close(st);
		return rc ? 1 : 0;
	}
	char key[128] = "";
	int64_t id = revoke_id;
	if (!rc)
		rc = st->ops->begin(st);
	if (!rc && revoke_id) {
		rc =
		    st->ops->key_revoke(st, &sc, revoke_id, ordex_time_now() + overlap * 1000000LL);
		if (rc == ORDEX_E_NOTFOUND)
			fprintf(stderr, "ordex: no key %lld in %s\n", revoke_id, sc.env);
		if (!rc)
			rc = cli_audit(st, &sc, overlap ? "key.rotated" : "key.revoked", revoke_id,
			               "{\"by\":\"cli\"}");
	} else if (!rc) {
		rc = ordex_cli_key_new(st, &sc, &k, key, sizeof(key), &id);
		if (!rc) {
			char body[160];
			snprintf(body, sizeof(body),
			         "{\"by\":\"cli\",\"role\":\"%s\",\"scopes\":%u}", k.role,
			         k.scopes);
			rc = cli_audit(st, &sc, "key.created", id, body);
		}
	}
	if (!rc)
		rc = st->ops->commit(st);
	else
		st->ops->rollback(st);
	st->ops->close(st);
	if (rc)
		return 1;
	if (revoke_id) {
		fprintf(stderr, "ordex: key %lld %s; a running server drops it within 5 s\n",
		        revoke_id, overlap ? "ends after the overlap" : "revoked");
		return 0;
	}
	fprintf(stderr,
	        "ordex: new %s key %lld for environment \"%s\"; it is shown only this once\n",
	        k.role, (long long)id, sc.env);
	printf("%s\n", key);
	return 0;
}

/* ordex tenant create NAME: another tenant in the same database. */
static int tenant_create_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		default:
			fprintf(stderr, "usage: ordex tenant create NAME [--data DIR]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1 || !ordex_credential_tenant_name_ok(argv[optind])) {
		fprintf(stderr, "usage: ordex tenant create NAME [--data DIR] (a name of 1 to 63 "
		                "bytes)\n");
		return 2;
	}
	const char *name = argv[optind];
	char db[1024];
	ordex_cli_db_path(ordex_cli_data_dir(data), db, sizeof(db));
	struct ordex_store *st;
	struct ordex_store_options o = {.sync = ORDEX_SYNC_FULL};
	if (ordex_store_open_sqlite(db, &o, &st) != ORDEX_OK)
		return 1;
	int64_t id;
	if (st->ops->tenant_find(st, name, &id) == ORDEX_OK) {
		fprintf(stderr, "ordex: a tenant named \"%s\" exists already\n", name);
		st->ops->close(st);
		return 1;
	}
	char key[128];
	int rc = create_tenant(st, name, key, sizeof(key));
	st->ops->close(st);
	if (rc) {
		fprintf(stderr, "ordex: could not create tenant \"%s\"\n", name);
		return 1;
	}
	fprintf(stderr,
	        "ordex: tenant \"%s\" with environments production and sandbox; its admin key "
	        "for production follows, shown only this once\n",
	        name);
	printf("%s\n", key);
	return 0;
}

int ordex_cmd_tenant(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"tenant", required_argument, NULL, 't'},
	    {"fraud-threshold", required_argument, NULL, 'f'},
	    {"rate-per-key", required_argument, NULL, 'K'},
	    {"rate-per-tenant", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *tenant = NULL;
	long threshold = -1;
	double rates[2] = {-1, -1}; /* per key, per tenant; -1: unchanged */
	if (argc >= 2 && !strcmp(argv[1], "create"))
		return tenant_create_cmd(argc, argv);
	if (argc < 2 || strcmp(argv[1], "set") != 0) {
		fprintf(stderr,
		        "usage: ordex tenant create NAME [--data DIR]\n"
		        "       ordex tenant set [--data DIR] [--tenant NAME] "
		        "[--fraud-threshold SCORE] [--rate-per-key N] [--rate-per-tenant N]\n");
		return 2;
	}
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 't': tenant = optarg; break;
		case 'f': {
			char *end;
			threshold = strtol(optarg, &end, 10);
			if (*end || threshold < 0 || threshold > 100) {
				fprintf(stderr, "ordex: --fraud-threshold must be 0 to 100\n");
				return 2;
			}
			break;
		}
		case 'K':
		case 'T': {
			char *end;
			double v = strtod(optarg, &end);
			if (*end || !(v == 0 || (v >= 1 && v <= 1e9))) {
				fprintf(stderr,
				        "ordex: --rate-per-%s must be a number of events a second, "
				        "at least 1 "
				        "(0: the service's default)\n",
				        c == 'K' ? "key" : "tenant");
				return 2;
			}
			rates[c == 'K' ? 0 : 1] = v;
			break;
		}
		default: return c == 'h' ? 0 : 2;
		}
	}
	if (threshold < 0 && rates[0] < 0 && rates[1] < 0) {
		fprintf(stderr, "ordex: nothing to set; give --fraud-threshold, --rate-per-key or "
		                "--rate-per-tenant\n");
		return 2;
	}
	char db[1024];
	ordex_cli_db_path(ordex_cli_data_dir(data), db, sizeof(db));
	struct ordex_store *st;
	struct ordex_store_options o = {.sync = ORDEX_SYNC_FULL};
	if (ordex_store_open_sqlite(db, &o, &st) != ORDEX_OK)
		return 1;
	struct ordex_scope sc;
	int rc = ordex_cli_scope(st, tenant, NULL, &sc);
	if (!rc)
		rc = st->ops->begin(st);
	if (!rc && threshold >= 0)
		rc = st->ops->tenant_set_fraud_threshold(st, sc.tenant, (int)threshold);
	if (!rc && (rates[0] >= 0 || rates[1] >= 0))
		rc = st->ops->tenant_set_rates(st, sc.tenant, rates[0], rates[1]);
	if (!rc) {
		/* audited like the API's PATCH /v1/tenant: what is in force after */
		struct ordex_tenant_row t;
		rc = st->ops->tenant_get(st, sc.tenant, &t);
		char body[256];
		snprintf(body, sizeof(body),
		         "{\"by\":\"cli\",\"after\":{\"fraud_threshold\":%d,\"rate_per_key\":%.15g,"
		         "\"rate_per_tenant\":%.15g}}",
		         t.fraud_threshold, t.rate_per_key, t.rate_per_tenant);
		if (!rc)
			rc = cli_audit_as(st, &sc, "tenant.updated", "cli", body);
	}
	if (!rc)
		rc = st->ops->commit(st);
	else
		st->ops->rollback(st);
	st->ops->close(st);
	if (rc)
		return 1;
	if (threshold >= 0)
		fprintf(stderr, "ordex: fraud threshold set to %ld\n", threshold);
	for (int i = 0; i < 2; i++) {
		if (rates[i] > 0)
			fprintf(stderr, "ordex: rate per %s set to %g a second\n",
			        i ? "tenant" : "key", rates[i]);
		else if (rates[i] == 0)
			fprintf(stderr, "ordex: rate per %s back to the service's default\n",
			        i ? "tenant" : "key");
	}
	return 0;
}
