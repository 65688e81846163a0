/* SPDX-License-Identifier: Apache-2.0 */
/*
 * writeback.c - the command-line twins of /v1/targets and /v1/writebacks:
 *
 *   ordex target add --name N --kind K --url URL --actions a,b
 *                    (--secret-file FILE|- | --secret S) [--shadow]
 *   ordex target list
 *   ordex target remove ID
 *   ordex writeback list [--status S] [--limit N]
 *   ordex writeback retry|cancel ID [--reason TEXT]
 *
 * each with [--data DIR] [--tenant NAME] [--env ENV]. They run the API's
 * writer commands on the data directory, in one transaction, audited as
 * "cli"; the service may be running.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "core/vault.h"
#include "domain/connector.h" /* ORDEX_SECRET_MAX */
#include "store/store.h"
#include "writeback/config.h"
#include "writeback/outbox.h"
#include "writeback/target.h"

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: ordex target add --name NAME --kind webhook|shopify|stripe|support --url URL\n"
	    "                        --actions KIND[,KIND...] (--secret-file FILE|- | --secret S)\n"
	    "                        [--shadow]\n"
	    "       ordex target list\n"
	    "       ordex target remove ID\n"
	    "       ordex writeback list [--status STATUS] [--limit N]\n"
	    "       ordex writeback retry|cancel ID [--reason TEXT]\n"
	    "each takes [--data DIR] [--tenant NAME] [--env ENV] (default production)\n");
}

struct opts {
	const char *data, *tenant, *env;
	const char *name, *kind, *url, *actions, *secret, *secret_file, *status, *reason;
	bool shadow;
	long limit;
	int64_t id;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"tenant", required_argument, NULL, 't'},
	    {"env", required_argument, NULL, 'e'},
	    {"name", required_argument, NULL, 'n'},
	    {"kind", required_argument, NULL, 'k'},
	    {"url", required_argument, NULL, 'u'},
	    {"actions", required_argument, NULL, 'a'},
	    {"secret", required_argument, NULL, 'S'},
	    {"secret-file", required_argument, NULL, 'f'},
	    {"shadow", no_argument, NULL, 'w'},
	    {"status", required_argument, NULL, 's'},
	    {"reason", required_argument, NULL, 'r'},
	    {"limit", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	o->limit = 50;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->data = optarg; break;
		case 't': o->tenant = optarg; break;
		case 'e': o->env = optarg; break;
		case 'n': o->name = optarg; break;
		case 'k': o->kind = optarg; break;
		case 'u': o->url = optarg; break;
		case 'a': o->actions = optarg; break;
		case 'S': o->secret = optarg; break;
		case 'f': o->secret_file = optarg; break;
		case 'w': o->shadow = true; break;
		case 's': o->status = optarg; break;
		case 'r': o->reason = optarg; break;
		case 'l': {
			char *end;
			o->limit = strtol(optarg, &end, 10);
			if (*end || o->limit < 1 || o->limit > 10000) {
				fprintf(stderr, "ordex: --limit takes 1 to 10000\n");
				return 2;
			}
			break;
		}
		case 'h': usage(); return -1;
		default: usage(); return 2;
		}
	}
	return 0;
}

/* The ID operand after the verb, if the verb takes one. */
static int id_operand(int argc, char **argv, struct opts *o)
{
	if (optind >= argc) {
		fprintf(stderr, "ordex: %s %s needs an ID\n", argv[0], argv[1]);
		return 2;
	}
	char *end;
	long long v = strtoll(argv[optind], &end, 10);
	if (*end || v <= 0) {
		fprintf(stderr, "ordex: \"%s\" is not an ID\n", argv[optind]);
		return 2;
	}
	o->id = v;
	return 0;
}

static int open_store(const struct opts *o, struct ordex_store **st, struct ordex_scope *sc)
{
	char db[1024];
	ordex_cli_db_path(ordex_cli_data_dir(o->data), db, sizeof(db));
	struct ordex_store_options so = {.sync = ORDEX_SYNC_FULL};
	if (ordex_store_open_sqlite(db, &so, st) != ORDEX_OK)
		return 1;
	if (ordex_cli_scope(*st, o->tenant, o->env, sc) != ORDEX_OK) {
		(*st)->ops->close(*st);
		return 1;
	}
	return 0;
}

/* Runs a writer command on the data directory of o; 0, or 1 when it failed (said). */
static int on_store(const struct opts *o,
                    int (*cmd)(struct ordex_store *, struct ordex_audit *,
                               const struct ordex_scope *, int64_t, void *),
                    void *ctx, const struct ordex_cmd_result *res)
{
	struct ordex_store *st;
	struct ordex_scope sc;
	if (open_store(o, &st, &sc))
		return 1;
	int rc = ordex_cli_command(st, &sc, cmd, ctx, res, NULL);
	st->ops->close(st);
	return rc ? 1 : 0;
}

/* ---- targets ------------------------------------------------------------------ */

static int target_add(const struct opts *o, struct ordex_arena *a)
{
	if (!o->name || !o->kind || !o->url || !o->actions) {
		fprintf(stderr, "ordex: target add needs --name, --kind, --url and --actions\n");
		return 2;
	}
	if (!o->secret == !o->secret_file) {
		fprintf(stderr, "ordex: give the target's credential with --secret-file FILE|- (or "
		                "--secret S, visible in the process list)\n");
		return 2;
	}
	const char *list[32];
	int n = 0;
	char *copy = ordex_arena_strdup(a, o->actions), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		for (char *e = t + strlen(t); e > t && e[-1] == ' ';)
			*--e = '\0';
		if (n == 32) {
			fprintf(stderr, "ordex: --actions names more than 32 kinds\n");
			return 2;
		}
		list[n++] = t;
	}
	struct ordex_problems probs = {.n = 0};
	if (strlen(o->name) > 64 || !o->name[0])
		ordex_problem_add(&probs, a, "name", "is 1 to 64 characters");
	ordex_target_check(a, o->kind, o->url, list, n, &probs);
	if (probs.n) {
		/* the command line's names for the API's fields */
		for (int i = 0; i < probs.n; i++) {
			const char *f = probs.items[i].field;
			const char *opt = !strcmp(f, "base_url")      ? "--url"
			                  : !strncmp(f, "actions", 7) ? "--actions"
			                  : !strcmp(f, "name")        ? "--name"
			                  : !strcmp(f, "kind")        ? "--kind"
			                                              : f;
			fprintf(stderr, "ordex: %s%s: %s\n", opt,
			        !strncmp(f, "actions[", 8) ? f + 7 : "", probs.items[i].reason);
		}
		return 2;
	}
	char secret[ORDEX_SECRET_MAX + 2] = "";
	size_t secret_len;
	if (o->secret_file &&
	    ordex_cli_read_secret(o->secret_file, secret, sizeof(secret), &secret_len))
		return 1;
	if (o->secret)
		snprintf(secret, sizeof(secret), "%s", o->secret);
	if (!secret[0] || strlen(secret) > ORDEX_SECRET_MAX) {
		fprintf(stderr, "ordex: the credential must be 1 to %d bytes\n", ORDEX_SECRET_MAX);
		return 2;
	}
	struct ordex_store *st;
	struct ordex_scope sc;
	if (open_store(o, &st, &sc))
		return 1;
	struct ordex_vault vault;
	if (ordex_vault_load(ordex_cli_data_dir(o->data), true, &vault) != ORDEX_OK) {
		st->ops->close(st);
		return 1;
	}
	struct ordex_target_add k = {
	    .name = o->name,
	    .kind = o->kind,
	    .base_url = o->url,
	    .secret = secret[0] ? secret : NULL,
	    .actions = list,
	    .n_actions = n,
	    .shadow = o->shadow,
	    .actor = "cli",
	    .vault = &vault,
	    .a = a,
	};
	int rc = (ordex_cli_command(st, &sc, ordex_target_add_cmd, &k, &k.res, NULL) ? 1 : 0);
	st->ops->close(st);
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(&vault, sizeof(vault));
	if (rc)
		return rc;
	fprintf(stderr, "ordex: target %lld \"%s\" (%s) of %s carries out %s%s%s\n",
	        (long long)k.id, o->name, o->kind, sc.env, o->actions,
	        k.secret ? "; its credential is stored sealed" : "",
	        o->shadow ? "; shadow mode: nothing is sent" : "");
	printf("%lld\n", (long long)k.id);
	return 0;
}

static int target_list(const struct opts *o, struct ordex_arena *a)
{
	struct ordex_store *st;
	struct ordex_scope sc;
	if (open_store(o, &st, &sc))
		return 1;
	struct ordex_target_row *ts;
	size_t n;
	int rc = st->ops->target_list(st, &sc, a, &ts, &n);
	int64_t now = ordex_time_now();
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++)
		printf(
		    "%lld\t%s\t%s\t%s\t%s\t%s%s%s\n", (long long)ts[i].id, ts[i].name, ts[i].kind,
		    ts[i].base_url, ts[i].actions, ts[i].secret ? "credential" : "no credential",
		    ts[i].shadow ? "\tshadow" : "", ts[i].open_until > now ? "\tcircuit open" : "");
	st->ops->close(st);
	if (rc)
		fprintf(stderr, "ordex: failed: %s\n", ordex_strerror(rc));
	return rc ? 1 : 0;
}

int ordex_cmd_target(int argc, char **argv)
{
	if (argc < 2 ||
	    (strcmp(argv[1], "add") && strcmp(argv[1], "list") && strcmp(argv[1], "remove"))) {
		usage();
		return 2;
	}
	struct opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct ordex_arena *a = ordex_arena_new(1 << 14);
	if (!strcmp(argv[1], "add")) {
		rc = target_add(&o, a);
	} else if (!strcmp(argv[1], "list")) {
		rc = target_list(&o, a);
	} else if (!(rc = id_operand(argc, argv, &o))) {
		struct ordex_target_remove k = {.id = o.id, .actor = "cli", .a = a};
		if (!(rc = on_store(&o, ordex_target_remove_cmd, &k, &k.res)))
			fprintf(stderr, "ordex: target %lld removed\n", (long long)o.id);
	}
	ordex_arena_free(a);
	return rc;
}

/* ---- the outbox ------------------------------------------------------------------ */

static int writeback_list(const struct opts *o, struct ordex_arena *a)
{
	static const char *const statuses[] = {"pending", "sending",   "unknown", "delivered",
	                                       "dead",    "cancelled", "shadowed"};
	bool ok = !o->status;
	for (size_t i = 0; !ok && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		ok = !strcmp(statuses[i], o->status);
	if (!ok) {
		fprintf(stderr,
		        "ordex: --status is one of pending, sending, unknown, delivered, dead, "
		        "cancelled, shadowed\n");
		return 2;
	}
	struct ordex_store *st;
	struct ordex_scope sc;
	if (open_store(o, &st, &sc))
		return 1;
	struct ordex_outbox_row *rows;
	size_t n = 0;
	struct ordex_outbox_stats s;
	int rc = st->ops->begin(st);
	if (!rc)
		rc = st->ops->outbox_list(st, &sc, o->status, INT64_MAX, (int)o->limit, a, &rows,
		                          &n);
	if (!rc)
		rc = st->ops->outbox_stats(st, &sc, &s);
	st->ops->commit(st);
	for (size_t i = 0; !rc && i < n; i++) {
		char t[ORDEX_TIME_MAX_LEN];
		ordex_time_format(rows[i].created_at, 0, t);
		printf("%lld\t%s\t%s\t%s\t%s\tattempts %d\t%s%s%s\n", (long long)rows[i].id, t,
		       rows[i].status, rows[i].kind, rows[i].order_ref, rows[i].attempts,
		       rows[i].idem_key, rows[i].last_error ? "\t" : "",
		       rows[i].last_error ? rows[i].last_error : "");
	}
	if (!rc)
		fprintf(
		    stderr,
		    "ordex: %lld pending, %lld sending, %lld unknown, %lld delivered, %lld dead, "
		    "%lld cancelled, %lld shadowed; %lld attempts, %lld failed\n",
		    (long long)s.pending, (long long)s.sending, (long long)s.unknown,
		    (long long)s.delivered, (long long)s.dead, (long long)s.cancelled,
		    (long long)s.shadowed, (long long)s.attempts, (long long)s.failed_attempts);
	st->ops->close(st);
	if (rc)
		fprintf(stderr, "ordex: failed: %s\n", ordex_strerror(rc));
	return rc ? 1 : 0;
}

int ordex_cmd_writeback(int argc, char **argv)
{
	if (argc < 2 ||
	    (strcmp(argv[1], "list") && strcmp(argv[1], "retry") && strcmp(argv[1], "cancel"))) {
		usage();
		return 2;
	}
	struct opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct ordex_arena *a = ordex_arena_new(1 << 14);
	if (!strcmp(argv[1], "list")) {
		rc = writeback_list(&o, a);
	} else if (!(rc = id_operand(argc, argv, &o))) {
		struct ordex_outbox_decide k = {
		    .id = o.id, .verb = argv[1], .actor = "cli", .reason = o.reason, .a = a};
		if (!(rc = on_store(&o, ordex_outbox_decide, &k, &k.res)))
			fprintf(stderr, "ordex: writeback %lld is %s\n", (long long)o.id, k.status);
	}
	ordex_arena_free(a);
	return rc;
}
