/* SPDX-License-Identifier: Apache-2.0 */
/*
 * connector.c - ordex connector add|list: the command-line twin of
 * POST/GET /v1/connectors. The secret is read from a file or standard
 * input (--secret-file -), or from --secret (visible to other users of
 * the machine in the process list: prefer a file); it is sealed with the
 * data directory's key and never printed.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/timeutil.h"
#include "core/vault.h"
#include "domain/connector.h"
#include "store/store.h"

static void usage(void)
{
	fprintf(stderr,
	        "usage: ordex connector add --source SOURCE (--secret-file FILE|- | --secret S)\n"
	        "                           [--overlap SECONDS] [--data DIR] [--tenant NAME] "
	        "[--env ENV]\n"
	        "       ordex connector list [--data DIR] [--tenant NAME] [--env ENV]\n"
	        "sources: shopify, stripe, easypost, aftership, zendesk\n");
}

static int list(struct ordex_store *st, const struct ordex_scope *sc)
{
	struct ordex_arena *a = ordex_arena_new(4096);
	struct ordex_connector_info *cs;
	size_t n;
	int rc = st->ops->connectors_list(st, sc, a, &cs, &n);
	int64_t now = ordex_time_now();
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++) {
		printf("%-10s /v1/webhooks/%s?connector=%s\n", cs[i].source, cs[i].source,
		       cs[i].public_id);
		struct ordex_secret_row *rows;
		size_t m;
		if ((rc = st->ops->secrets_list(st, sc, cs[i].id, a, &rows, &m)))
			break;
		for (size_t k = 0; k < m; k++) {
			char t[ORDEX_TIME_MAX_LEN] = "never";
			if (rows[k].expires_at)
				ordex_time_format(rows[k].expires_at, 0, t);
			bool valid = !rows[k].expires_at || rows[k].expires_at > now;
			printf("           secret %lld %s %s, expires %s\n", (long long)rows[k].id,
			       rows[k].hint, valid ? "valid" : "expired", t);
		}
	}
	ordex_arena_free(a);
	return rc ? 1 : 0;
}

int ordex_cmd_connector(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"tenant", required_argument, NULL, 't'},
	    {"env", required_argument, NULL, 'e'},
	    {"source", required_argument, NULL, 's'},
	    {"secret", required_argument, NULL, 'S'},
	    {"secret-file", required_argument, NULL, 'f'},
	    {"overlap", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	if (argc < 2 || (strcmp(argv[1], "add") && strcmp(argv[1], "list"))) {
		usage();
		return 2;
	}
	bool add = !strcmp(argv[1], "add");
	const char *data = NULL, *tenant = NULL, *env = NULL, *source = NULL, *secret_arg = NULL,
	           *secret_file = NULL;
	long overlap = -1; /* not given: the default window */
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 't': tenant = optarg; break;
		case 'e': env = optarg; break;
		case 's': source = optarg; break;
		case 'S': secret_arg = optarg; break;
		case 'f': secret_file = optarg; break;
		case 'o': {
			char *end;
			overlap = strtol(optarg, &end, 10);
			if (*end || overlap < 0 || overlap > 30L * 86400) {
				fprintf(stderr, "ordex: --overlap must be 0 to 2592000 seconds\n");
				return 2;
			}
			break;
		}
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	char secret[ORDEX_SECRET_MAX + 2];
	size_t secret_len = 0;
	if (add) {
		if (!source || !ordex_connector_source_known(source)) {
			fprintf(stderr,
			        "ordex: --source must be shopify, stripe, easypost, aftership "
			        "or zendesk\n");
			return 2;
		}
		if (!!secret_arg == !!secret_file) {
			fprintf(
			    stderr,
			    "ordex: give the signing secret with --secret-file (or --secret)\n");
			return 2;
		}
		if (secret_file) {
			if (ordex_cli_read_secret(secret_file, secret, sizeof(secret), &secret_len))
				return 1;
		} else {
			snprintf(secret, sizeof(secret), "%s", secret_arg);
			secret_len = strlen(secret);
		}
		if (!secret_len || secret_len > ORDEX_SECRET_MAX) {
			fprintf(stderr, "ordex: the secret must be 1 to %d bytes\n",
			        ORDEX_SECRET_MAX);
			return 2;
		}
	}
	const char *dir = ordex_cli_data_dir(data);
	char db[1024];
	ordex_cli_db_path(dir, db, sizeof(db));
	struct ordex_store *st;
	struct ordex_store_options o = {.sync = ORDEX_SYNC_FULL};
	if (ordex_store_open_sqlite(db, &o, &st) != ORDEX_OK)
		return 1;
	struct ordex_scope sc;
	int rc = ordex_cli_scope(st, tenant, env, &sc);
	if (rc == ORDEX_OK && !add) {
		rc = list(st, &sc);
		st->ops->close(st);
		return rc;
	}
	struct ordex_vault vault;
	if (rc == ORDEX_OK)
		rc = ordex_vault_load(dir, true, &vault);
	struct ordex_connector_add cmd = {
	    .source = source,
	    .secret = secret,
	    .secret_len = secret_len,
	    .overlap_s = overlap,
	    .vault = &vault,
	    .actor = "cli",
	};
	struct ordex_audit *au = ordex_audit_new();
	if (rc == ORDEX_OK)
		rc = st->ops->begin(st);
	if (rc == ORDEX_OK) {
		rc = ordex_connector_add(st, au, &sc, ordex_time_now(), &cmd);
		if (rc == ORDEX_OK)
			rc = st->ops->commit(st);
		else
			st->ops->rollback(st);
	}
	ordex_audit_free(au);
	st->ops->close(st);
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(&vault, sizeof(vault));
	if (rc) {
		fprintf(stderr, "ordex: could not add the connector%s%s\n", cmd.why ? ": " : "",
		        cmd.why ? cmd.why : "");
		return 1;
	}
	fprintf(stderr, "ordex: %s %s connector; secret %s stored sealed\n",
	        cmd.created ? "created the" : "rotated the secret of the", source, cmd.hint);
	printf("/v1/webhooks/%s?connector=%s\n", source, cmd.public_id);
	return 0;
}
