/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.c - ordex policy: the routing and approval policy of a tenant's
 * environment, from the command line, on the data directory.
 *
 *   ordex policy show [--version N]   the policy in force (or version N), as JSON
 *   ordex policy test FILE|-          what FILE would change over the active cases
 *                                     and pending actions, against the policy in
 *                                     force; nothing is stored
 *   ordex policy set FILE|-           checks FILE, stores it as the next version,
 *                                     audited (policy.updated, by "cli")
 *
 * A policy that does not check prints every problem with its JSON path and
 * exits 1, changing nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/sha256.h"
#include "core/timeutil.h"
#include "ingest/event.h"
#include "policy/policy.h"
#include "store/store.h"
#include "workflow/workflow.h"

static const char usage[] =
    "usage: ordex policy show [--version N] [--data DIR] [--tenant NAME] [--env ENV]\n"
    "       ordex policy test FILE|- [--data DIR] [--tenant NAME] [--env ENV]\n"
    "       ordex policy set FILE|-  [--data DIR] [--tenant NAME] [--env ENV]\n";

/* A whole file (or standard input for "-"), at most 1 MiB, NUL-terminated. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "ordex: could not open \"%s\": %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1u << 20, n = 0;
	char *buf = malloc(cap + 1);
	if (buf) {
		n = fread(buf, 1, cap + 1, f);
		buf[n > cap ? cap : n] = '\0';
	}
	if (f != stdin)
		fclose(f);
	if (buf && n > cap) {
		fprintf(stderr, "ordex: \"%s\" is larger than 1 MiB\n", path);
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* The policy in FILE, parsed and checked (problems printed), compact into *body. */
static int load(struct ordex_arena *a, const char *path, const char **body)
{
	size_t len;
	char *text = read_all(path, &len);
	if (!text)
		return ORDEX_E_IO;
	struct ordex_json *doc;
	struct ordex_json_error jerr;
	struct ordex_problems probs = {.n = 0};
	int rc = ordex_json_parse(a, text, len, NULL, &doc, &jerr);
	free(text);
	if (rc) {
		fprintf(stderr, "ordex: %s: not JSON: %s%s%s\n", path,
		        jerr.path[0] ? jerr.path : "", jerr.path[0] ? ": " : "", jerr.msg);
		return ORDEX_E_INVAL;
	}
	if (ordex_policy_check(a, doc, &probs) != ORDEX_OK) {
		fprintf(stderr, "ordex: %s is not a valid policy; nothing was changed:\n", path);
		for (int i = 0; i < probs.n; i++)
			fprintf(stderr, "  %s: %s\n",
			        probs.items[i].field[0] ? probs.items[i].field : "(top)",
			        probs.items[i].reason);
		if (probs.dropped)
			fprintf(stderr, "  (and %d more)\n", probs.dropped);
		return ORDEX_E_INVAL;
	}
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_json_write(&b, doc);
	*body = ordex_arena_strndup(a, b.data ? b.data : "{}", b.len);
	ordex_buf_free(&b);
	return ORDEX_OK;
}

static int show(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                int64_t version)
{
	int64_t got = 0, at = 0;
	const char *body = ordex_policy_default, *by = NULL;
	int rc = ORDEX_OK;
	if (version != 0) {
		rc = st->ops->policy_get(st, sc, version < 0 ? 0 : version, a, &got, &body, &at,
		                         &by);
		if (rc == ORDEX_E_NOTFOUND && version < 0) {
			rc = ORDEX_OK;
			body = ordex_policy_default;
		} else if (rc == ORDEX_E_NOTFOUND) {
			fprintf(stderr, "ordex: no policy version %lld in %s\n", (long long)version,
			        sc->env);
			return rc;
		}
	}
	if (rc)
		return rc;
	char when[ORDEX_TIME_MAX_LEN] = "";
	if (at)
		ordex_time_format(at, 0, when);
	if (got)
		fprintf(stderr, "ordex: policy version %lld, stored %s by %s\n", (long long)got,
		        when, by ? by : "?");
	else
		fprintf(stderr, "ordex: the default policy (version 0): none stored in %s\n",
		        sc->env);
	struct ordex_json *doc;
	struct ordex_json_error jerr;
	if (ordex_json_parse(a, body, strlen(body), NULL, &doc, &jerr))
		return ORDEX_E_CORRUPT;
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_json_write(&b, doc);
	printf("%.*s\n", (int)b.len, b.data);
	ordex_buf_free(&b);
	return ORDEX_OK;
}

static int test(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                const char *body)
{
	struct ordex_policy draft;
	int rc = ordex_policy_parse(a, body, -1, &draft);
	if (rc)
		return rc;
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	if ((rc = st->ops->begin(st)) == ORDEX_OK) {
		rc = ordex_policy_compare(st, sc, a, &draft, &w);
		st->ops->commit(st);
	}
	if (rc == ORDEX_OK)
		printf("%.*s\n", (int)b.len, b.data);
	ordex_buf_free(&b);
	return rc;
}

static int set(struct ordex_store *st, const struct ordex_scope *sc, const char *body)
{
	int64_t now = ordex_time_now(), version = 0;
	int rc = st->ops->begin(st);
	if (!rc)
		rc = st->ops->policy_put(st, sc, body, now, "cli", &version);
	if (!rc) {
		unsigned char h[32];
		char hex[65];
		ordex_sha256(h, (const unsigned char *)body, strlen(body));
		ordex_hex32(h, hex);
		struct ordex_buf b;
		struct ordex_jw w;
		ordex_buf_init(&b, 0);
		ordex_jw_init(&w, &b);
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "by");
		ordex_jw_str(&w, "cli");
		ordex_jw_key(&w, "version");
		ordex_jw_int(&w, version);
		ordex_jw_key(&w, "sha256");
		ordex_jw_str(&w, hex);
		ordex_jw_key(&w, "policy");
		ordex_jw_raw(&w, body, strlen(body));
		ordex_jw_obj_end(&w);
		struct ordex_audit *au = ordex_audit_new();
		rc = au ? ordex_audit_append(au, st, sc, now, "policy.updated", "cli", b.data)
		        : ORDEX_E_NOMEM;
		ordex_audit_free(au);
		ordex_buf_free(&b);
	}
	if (!rc)
		rc = st->ops->commit(st);
	else
		st->ops->rollback(st);
	if (!rc) {
		fprintf(stderr, "ordex: policy version %lld stored in %s; it holds from now\n",
		        (long long)version, sc->env);
		printf("%lld\n", (long long)version);
	}
	return rc;
}

int ordex_cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'}, {"tenant", required_argument, NULL, 't'},
	    {"env", required_argument, NULL, 'e'},  {"version", required_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *tenant = NULL, *env = NULL;
	int64_t version = -1; /* the one in force */
	const char *verb = argc >= 2 ? argv[1] : "";
	if (strcmp(verb, "show") && strcmp(verb, "test") && strcmp(verb, "set")) {
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
		case 'v': {
			char *end;
			version = strtoll(optarg, &end, 10);
			if (*end || version < 0 || end == optarg) {
				fprintf(stderr, "ordex: --version takes a version number (0: the "
				                "default policy)\n");
				return 2;
			}
			break;
		}
		default: fputs(usage, stderr); return c == 'h' ? 0 : 2;
		}
	}
	bool takes_file = strcmp(verb, "show") != 0;
	if (optind != argc - (takes_file ? 1 : 0)) {
		fputs(usage, stderr);
		return 2;
	}
	struct ordex_arena *a = ordex_arena_new(1 << 16);
	const char *body = NULL;
	if (takes_file) {
		int rc = load(a, argv[optind], &body);
		if (rc) {
			ordex_arena_free(a);
			return 1;
		}
	}
	char db[1024];
	ordex_cli_db_path(ordex_cli_data_dir(data), db, sizeof(db));
	struct ordex_store *st;
	struct ordex_store_options o = {.sync = ORDEX_SYNC_FULL};
	if (ordex_store_open_sqlite(db, &o, &st) != ORDEX_OK) {
		ordex_arena_free(a);
		return 1;
	}
	struct ordex_scope sc;
	int rc = ordex_cli_scope(st, tenant, env, &sc);
	if (!rc && !strcmp(verb, "show"))
		rc = show(st, &sc, a, version);
	else if (!rc && !strcmp(verb, "test"))
		rc = test(st, &sc, a, body);
	else if (!rc)
		rc = set(st, &sc, body);
	if (rc && rc != ORDEX_E_NOTFOUND)
		fprintf(stderr, "ordex: policy %s failed: %s\n", verb, ordex_strerror(rc));
	st->ops->close(st);
	ordex_arena_free(a);
	return rc ? 1 : 0;
}
