/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exceptions.c - ordex exceptions: the open exceptions (or --status
 * resolved|all), highest priority first, as a table for people or, with
 * --json, as {"exceptions":[...]} in the same shape as the HTTP API.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/render.h"
#include "cli/cli.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "detect/detect.h"
#include "store/store.h"

int ordex_cmd_exceptions(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},   {"tenant", required_argument, NULL, 't'},
	    {"env", required_argument, NULL, 'e'},    {"kind", required_argument, NULL, 'k'},
	    {"status", required_argument, NULL, 's'}, {"order", required_argument, NULL, 'o'},
	    {"limit", required_argument, NULL, 'l'},  {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *tenant = NULL, *env = NULL;
	struct ordex_exception_filter f = {.status = "open"};
	long limit = -1;
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 't': tenant = optarg; break;
		case 'e': env = optarg; break;
		case 'k':
			if (!ordex_exception_kind_known(optarg)) {
				fprintf(stderr, "ordex: unknown --kind \"%s\"; kinds are %s\n",
				        optarg, ordex_exception_kinds());
				return 2;
			}
			f.kind = optarg;
			break;
		case 's':
			if (strcmp(optarg, "open") && strcmp(optarg, "resolved") &&
			    strcmp(optarg, "all")) {
				fprintf(stderr, "ordex: --status must be open, resolved or all\n");
				return 2;
			}
			f.status = strcmp(optarg, "all") ? optarg : NULL;
			break;
		case 'o': f.order_ref = optarg; break;
		case 'l': {
			char *end;
			limit = strtol(optarg, &end, 10);
			if (*end || limit < 1) {
				fprintf(stderr, "ordex: --limit must be a positive integer\n");
				return 2;
			}
			break;
		}
		case 'j': json = true; break;
		default:
			fprintf(stderr, "usage: ordex exceptions [--data DIR] [--tenant NAME] "
			                "[--env ENV] [--kind KIND]\n"
			                "                        [--status open|resolved|all] "
			                "[--order REF] [--limit N] [--json]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	char db[1024];
	ordex_cli_db_path(ordex_cli_data_dir(data), db, sizeof(db));
	struct ordex_store *st;
	struct ordex_store_options o = {.readonly = true};
	if (ordex_store_open_sqlite(db, &o, &st) != ORDEX_OK)
		return 1;
	struct ordex_scope sc;
	if (ordex_cli_scope(st, tenant, env, &sc)) {
		st->ops->close(st);
		return 1;
	}
	struct ordex_arena *a = ordex_arena_new(1 << 16);
	struct ordex_buf out;
	struct ordex_jw w;
	ordex_buf_init(&out, 0);
	ordex_jw_init(&w, &out);
	if (json) {
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "exceptions");
		ordex_jw_arr(&w);
	}
	int rc = ORDEX_OK;
	long shown = 0;
	for (;;) {
		struct ordex_exception_row *rows;
		size_t n;
		f.limit = 500;
		if (limit >= 0 && limit - shown < f.limit)
			f.limit = (int)(limit - shown);
		if (f.limit <= 0)
			break;
		if ((rc = st->ops->exception_list(st, &sc, &f, a, &rows, &n)))
			break;
		for (size_t i = 0; i < n; i++) {
			if (json)
				ordex_render_exception(&w, &rows[i]);
			else
				ordex_buf_printf(&out, "%-4d %-8s %-24s %-34s %s\n",
				                 rows[i].priority, rows[i].status, rows[i].kind,
				                 rows[i].order_ref, rows[i].why);
		}
		shown += (long)n;
		if (n < (size_t)f.limit)
			break;
		f.after_set = true;
		f.after_priority = rows[n - 1].priority;
		f.after_id = rows[n - 1].id;
		fwrite(out.data, 1, out.len, stdout);
		ordex_buf_reset(&out);
		ordex_arena_reset(a);
	}
	if (json) {
		ordex_jw_arr_end(&w);
		ordex_jw_obj_end(&w);
		ordex_buf_putc(&out, '\n');
	}
	if (out.len)
		fwrite(out.data, 1, out.len, stdout);
	if (!json)
		fprintf(stderr, "ordex: %ld exception%s\n", shown, shown == 1 ? "" : "s");
	ordex_buf_free(&out);
	ordex_arena_free(a);
	st->ops->close(st);
	return rc ? 1 : 0;
}
