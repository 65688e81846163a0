/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.c - ordex audit verify: checks every tenant's hash chain and names
 * the first bad entry. Exit status 0 when the chains verify, 1 when one
 * does not, 2 on usage errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "core/common.h"
#include "store/store.h"

int ordex_cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		fprintf(stderr, "usage: ordex audit verify [--data DIR]\n");
		return 2;
	}
	const char *data = NULL;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			data = optarg;
		else
			return c == 'h' ? 0 : 2;
	}
	char db[1024];
	ordex_cli_db_path(ordex_cli_data_dir(data), db, sizeof(db));
	struct ordex_store *st;
	struct ordex_store_options o = {.readonly = true};
	if (ordex_store_open_sqlite(db, &o, &st) != ORDEX_OK)
		return 1;
	struct ordex_audit_report rep;
	int rc = ordex_audit_verify(st, &rep);
	st->ops->close(st);
	if (rc == ORDEX_OK) {
		printf("audit chain verified: %lld entries in %lld tenant%s\n",
		       (long long)rep.entries, (long long)rep.tenants, rep.tenants == 1 ? "" : "s");
		return 0;
	}
	if (rc == ORDEX_E_CORRUPT) {
		printf("audit chain broken: tenant %lld, entry %lld: %s\n",
		       (long long)rep.bad_tenant, (long long)rep.bad_seq, rep.reason);
		return 1;
	}
	fprintf(stderr, "ordex: could not read the audit log\n");
	return 1;
}
