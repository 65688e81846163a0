/* SPDX-License-Identifier: Apache-2.0 */
/*
 * usage.c - ordex usage: the metering counts of a tenant's environment for
 * cost attribution, per hour or day, as tab-separated lines (bucket start,
 * metric, count) followed by the totals; the same counts as GET /v1/usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/timeutil.h"
#include "store/store.h"

#define HOUR_US (3600 * INT64_C(1000000))

static int parse_when(const char *name, const char *v, int64_t *out)
{
	int off;
	if (ordex_time_parse(v, strlen(v), out, &off) == ORDEX_OK)
		return 0;
	fprintf(stderr, "ordex: --%s must be a time with its offset, like 2026-12-01T00:00:00Z\n",
	        name);
	return -1;
}

int ordex_cmd_usage(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'}, {"tenant", required_argument, NULL, 't'},
	    {"env", required_argument, NULL, 'e'},  {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 'T'},   {"bucket", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *tenant = NULL, *env = NULL;
	int64_t now = ordex_time_now(), to = now, from = -1;
	int bucket = 1;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 't': tenant = optarg; break;
		case 'e': env = optarg; break;
		case 'f':
			if (parse_when("from", optarg, &from))
				return 2;
			break;
		case 'T':
			if (parse_when("to", optarg, &to))
				return 2;
			break;
		case 'b':
			if (strcmp(optarg, "hour") && strcmp(optarg, "day")) {
				fprintf(stderr, "ordex: --bucket must be hour or day\n");
				return 2;
			}
			bucket = strcmp(optarg, "day") ? 1 : 24;
			break;
		default:
			fprintf(
			    stderr,
			    "usage: ordex usage [--data DIR] [--tenant NAME] [--env ENV]\n"
			    "                   [--from TIME] [--to TIME] [--bucket hour|day]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (from < 0)
		from = to - 24 * HOUR_US;
	if (from >= to) {
		fprintf(stderr, "ordex: --from must be before --to\n");
		return 2;
	}
	char db[1024];
	ordex_cli_db_path(ordex_cli_data_dir(data), db, sizeof(db));
	struct ordex_store *st;
	struct ordex_store_options o = {.sync = ORDEX_SYNC_FULL, .readonly = true};
	if (ordex_store_open_sqlite(db, &o, &st) != ORDEX_OK)
		return 1;
	struct ordex_scope sc;
	int rc = ordex_cli_scope(st, tenant, env, &sc);
	struct ordex_arena *a = ordex_arena_new(4096);
	struct ordex_usage_row *rows = NULL;
	size_t n = 0;
	if (!rc)
		rc = st->ops->usage_list(st, &sc, from / HOUR_US, (to + HOUR_US - 1) / HOUR_US,
		                         bucket, a, &rows, &n);
	if (!rc) {
		for (size_t i = 0; i < n; i++) {
			char t[ORDEX_TIME_MAX_LEN];
			ordex_time_format(rows[i].hour * HOUR_US, 0, t);
			printf("%s\t%s\t%lld\n", t, rows[i].metric, (long long)rows[i].count);
		}
		for (size_t i = 0; i < n; i++) {
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = !strcmp(rows[j].metric, rows[i].metric);
			if (seen)
				continue;
			long long sum = 0;
			for (size_t j = i; j < n; j++)
				if (!strcmp(rows[j].metric, rows[i].metric))
					sum += rows[j].count;
			printf("total\t%s\t%lld\n", rows[i].metric, sum);
		}
		if (!n)
			fprintf(stderr, "ordex: nothing was counted in %s between those times\n",
			        sc.env);
	}
	ordex_arena_free(a);
	st->ops->close(st);
	return rc ? 1 : 0;
}
