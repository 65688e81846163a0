/* SPDX-License-Identifier: Apache-2.0 */
/*
 * user.c - ordex user: people of a tenant's environment from the command
 * line, on the data directory, audited like the API's.
 *
 *   ordex user create --username U --role R --password-file F|- [--scopes ...]
 *                     [--brand B] [--region R] [--segment S]
 *   ordex user list
 *   ordex user disable ID     (every session of theirs ends)
 *
 * The password is read from a file or standard input, never from the
 * command line, where other users of the machine could see it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit/audit.h"
#include "authz/authz.h"
#include "authz/credential.h"
#include "cli/cli.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "store/store.h"

static const char usage[] =
    "usage: ordex user create --username NAME --role ROLE --password-file FILE|-\n"
    "                         [--scopes ingest,read,...] [--brand B] [--region R]\n"
    "                         [--segment S] [--data DIR] [--tenant NAME] [--env ENV]\n"
    "       ordex user list    [--data DIR] [--tenant NAME] [--env ENV]\n"
    "                          (id, username, role, scopes, state, customers, last seen)\n"
    "       ordex user disable ID [--data DIR] [--tenant NAME] [--env ENV]\n";

/* The first line of a file (or of standard input for "-"), without its newline. */
static int read_password(const char *path, char *out, size_t n, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "ordex: could not open \"%s\": %s\n", path, strerror(errno));
		return ORDEX_E_IO;
	}
	size_t k = fread(out, 1, n - 1, f);
	if (f != stdin)
		fclose(f);
	out[k] = '\0';
	k = strcspn(out, "\r\n");
	out[k] = '\0';
	*len = k;
	return ORDEX_OK;
}

static int audit_user(struct ordex_store *st, const struct ordex_scope *sc, const char *kind,
                      const char *username, const char *role)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "by");
	ordex_jw_str(&w, "cli");
	ordex_jw_key(&w, "username");
	ordex_jw_str(&w, username);
	if (role) {
		ordex_jw_key(&w, "role");
		ordex_jw_str(&w, role);
	}
	ordex_jw_obj_end(&w);
	char subject[80];
	snprintf(subject, sizeof(subject), "user:%s", username);
	struct ordex_audit *au = ordex_audit_new();
	int rc = ordex_audit_append(au, st, sc, ordex_time_now(), kind, subject, b.data);
	ordex_audit_free(au);
	ordex_buf_free(&b);
	return rc;
}

static int list(struct ordex_store *st, const struct ordex_scope *sc)
{
	struct ordex_arena *a = ordex_arena_new(4096);
	struct ordex_user_row *rows;
	size_t n;
	int rc = st->ops->user_list(st, sc, a, &rows, &n);
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++) {
		const struct ordex_user_row *u = &rows[i];
		char scopes[96] = "", limits[220] = "";
		for (unsigned bit = 1; bit & ORDEX_SCOPE_ALL; bit <<= 1)
			if (u->scopes & bit)
				snprintf(scopes + strlen(scopes), sizeof(scopes) - strlen(scopes),
				         "%s%s", scopes[0] ? "," : "", ordex_scope_name(bit));
		const char *dim[3] = {u->brand, u->region, u->segment};
		static const char *const names[3] = {"brand", "region", "segment"};
		for (int d = 0; d < 3; d++)
			if (dim[d])
				snprintf(limits + strlen(limits), sizeof(limits) - strlen(limits),
				         "%s%s=%s", limits[0] ? "," : "", names[d], dim[d]);
		char seen[ORDEX_TIME_MAX_LEN] = "-";
		if (u->last_seen_at)
			ordex_time_format(u->last_seen_at, 0, seen);
		printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)u->id, u->username, u->role,
		       scopes[0] ? scopes : "-", u->disabled_at ? "disabled" : "active",
		       limits[0] ? limits : "-", seen);
	}
	ordex_arena_free(a);
	return rc;
}

int ordex_cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"tenant", required_argument, NULL, 't'},
	    {"env", required_argument, NULL, 'e'},
	    {"username", required_argument, NULL, 'u'},
	    {"role", required_argument, NULL, 'r'},
	    {"scopes", required_argument, NULL, 's'},
	    {"password-file", required_argument, NULL, 'p'},
	    {"brand", required_argument, NULL, 'b'},
	    {"region", required_argument, NULL, 'g'},
	    {"segment", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *tenant = NULL, *env = NULL, *username = NULL, *role = NULL,
	           *pwfile = NULL;
	const char *customers[3] = {NULL, NULL, NULL};
	unsigned scopes = 0;
	const char *verb = argc >= 2 ? argv[1] : "";
	if (strcmp(verb, "create") && strcmp(verb, "list") && strcmp(verb, "disable")) {
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
		case 'u': username = optarg; break;
		case 'r': role = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'b': customers[0] = optarg; break;
		case 'g': customers[1] = optarg; break;
		case 'm': customers[2] = optarg; break;
		case 's': {
			char buf[128];
			snprintf(buf, sizeof(buf), "%s", optarg);
			for (char *save, *t = strtok_r(buf, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				unsigned bit = ordex_scope_parse(t);
				if (!bit) {
					fprintf(
					    stderr,
					    "ordex: --scopes: \"%s\" is not one of ingest, read, "
					    "cases, approve, audit, manage\n",
					    t);
					return 2;
				}
				scopes |= bit;
			}
			break;
		}
		default: fputs(usage, stderr); return c == 'h' ? 0 : 2;
		}
	}
	long long disable_id = 0;
	if (!strcmp(verb, "disable")) {
		char *end = NULL;
		if (optind != argc - 1 || (disable_id = strtoll(argv[optind], &end, 10)) <= 0 ||
		    *end) {
			fprintf(stderr, "usage: ordex user disable ID (the id \"ordex user list\" "
			                "shows)\n");
			return 2;
		}
	} else if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	char password[ORDEX_PASSWORD_MAX + 2];
	char hash[ORDEX_PWHASH_BYTES];
	if (!strcmp(verb, "create")) {
		int bad = 0;
		if (!username || !ordex_credential_username_ok(username)) {
			fprintf(stderr,
			        "ordex: --username is required: 1 to 64 of a-z 0-9 . _ @ - +\n");
			bad = 1;
		}
		if (!role || ordex_role_parse(role) < 0) {
			fprintf(stderr,
			        "ordex: --role is required: viewer, support_agent, "
			        "ops_reviewer, fraud_reviewer, finance_approver, admin, auditor "
			        "or ingest\n");
			bad = 1;
		}
		for (int d = 0; d < 3; d++)
			if (customers[d] && (!customers[d][0] || strlen(customers[d]) > 64)) {
				fprintf(stderr,
				        "ordex: --brand, --region and --segment take 1 to 64 "
				        "bytes\n");
				bad = 1;
			}
		if (!pwfile) {
			fprintf(stderr, "ordex: --password-file is required (\"-\" reads standard "
			                "input)\n");
			bad = 1;
		}
		if (bad)
			return 2;
		size_t len = 0;
		if (read_password(pwfile, password, sizeof(password), &len))
			return 1;
		int rc = ordex_credential_hash(password, len, hash);
		sodium_memzero(password, sizeof(password));
		if (rc == ORDEX_E_INVAL) {
			fprintf(stderr, "ordex: the password must be %d to %d bytes\n",
			        ORDEX_PASSWORD_MIN, ORDEX_PASSWORD_MAX);
			return 2;
		}
		if (rc) {
			fprintf(stderr, "ordex: could not hash the password: out of memory\n");
			return 1;
		}
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
		rc = list(st, &sc);
		st->ops->close(st);
		return rc ? 1 : 0;
	}
	int64_t id = disable_id;
	const char *name = username;
	struct ordex_arena *a = ordex_arena_new(4096);
	if (!rc)
		rc = st->ops->begin(st);
	if (!rc && disable_id) {
		struct ordex_user_row *rows;
		size_t n;
		rc = st->ops->user_list(st, &sc, a, &rows, &n);
		name = NULL;
		for (size_t i = 0; !rc && i < n; i++)
			if (rows[i].id == disable_id)
				name = rows[i].username;
		rc = rc ? rc : st->ops->user_disable(st, &sc, disable_id, ordex_time_now());
		if (rc == ORDEX_E_NOTFOUND)
			fprintf(stderr, "ordex: no active person %lld in %s\n", disable_id, sc.env);
		if (!rc)
			rc = audit_user(st, &sc, "user.disabled", name ? name : "?", NULL);
	} else if (!rc) {
		rc = st->ops->user_create(st, &sc, username, hash, role, scopes, customers, "cli",
		                          &id);
		if (rc == ORDEX_E_CONFLICT)
			fprintf(stderr, "ordex: the username \"%s\" is taken in %s\n", username,
			        sc.env);
		if (!rc)
			rc = audit_user(st, &sc, "user.created", username, role);
	}
	if (!rc)
		rc = st->ops->commit(st);
	else
		st->ops->rollback(st);
	st->ops->close(st);
	if (!rc && disable_id)
		fprintf(stderr,
		        "ordex: %s (%lld) disabled; their sessions end from the next request\n",
		        name ? name : "the person", disable_id);
	else if (!rc)
		fprintf(stderr, "ordex: %s created with role %s in \"%s\"; id follows\n", username,
		        role, sc.env);
	if (!rc && !disable_id)
		printf("%lld\n", (long long)id);
	ordex_arena_free(a);
	return rc ? 1 : 0;
}
