/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve.c - ordex serve: starts the HTTP service and runs until SIGINT or
 * SIGTERM, then stops accepting, lets the requests in flight commit and be
 * answered, and exits 0. The signals are blocked in every thread and taken
 * with sigwait() here, so no handler runs inside library code.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"
#include "cli/cli.h"
#include "core/common.h"
#include "http/server.h"

static void usage(void)
{
	fprintf(stderr,
	        "usage: ordex serve [--listen HOST:PORT] [--data DIR] [--threads N]\n"
	        "                   [--max-body BYTES] [--max-depth N] [--max-items N]\n"
	        "                   [--sync full|normal|off] [--fraud-threshold SCORE]\n"
	        "                   [--rate-per-key N] [--rate-per-tenant N]  (a second;\n"
	        "                    a request or an event is 1; 0: none, the default)\n"
	        "                   [--writeback-timeout MS] [--writeback-retry MS]\n"
	        "                    (a writeback request's time, at most 60000, default 10000;\n"
	        "                    the first retry's wait, doubling, default 10000)\n"
	        "                   [--no-store]  (benchmarks: validate, store nothing)\n"
	        "environment: ORDEX_LISTEN, ORDEX_DATA\n");
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s)
		return -1;
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	if (*end || v == 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

int ordex_cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"data", required_argument, NULL, 'd'},
	    {"threads", required_argument, NULL, 't'},
	    {"max-body", required_argument, NULL, 'b'},
	    {"max-depth", required_argument, NULL, 'D'},
	    {"max-items", required_argument, NULL, 'i'},
	    {"sync", required_argument, NULL, 's'},
	    {"fraud-threshold", required_argument, NULL, 'f'},
	    {"no-store", no_argument, NULL, 'N'},
	    {"rate-per-key", required_argument, NULL, 'K'},
	    {"rate-per-tenant", required_argument, NULL, 'T'},
	    {"writeback-timeout", required_argument, NULL, 'W'},
	    {"writeback-retry", required_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ordex_server_config cfg = {0};
	const char *data = NULL;
	const char *env_listen = getenv("ORDEX_LISTEN");
	cfg.listen = env_listen && *env_listen ? env_listen : "127.0.0.1:8080";
	cfg.sync = ORDEX_SYNC_FULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': cfg.listen = optarg; break;
		case 'd': data = optarg; break;
		case 't': cfg.threads = atoi(optarg); break;
		case 'b':
			if (parse_size(optarg, &cfg.max_body)) {
				fprintf(stderr, "ordex: invalid --max-body \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'D': cfg.max_depth = atoi(optarg); break;
		case 'i': cfg.max_items = (size_t)atol(optarg); break;
		case 'f': cfg.fraud_threshold = atoi(optarg); break;
		case 'N': cfg.no_store = true; break;
		case 'W':
		case 'R': {
			char *end;
			long v = strtol(optarg, &end, 10);
			long most = c == 'W' ? 60000 : 3600000;
			if (*end || v < 10 || v > most) {
				fprintf(stderr,
				        "ordex: --writeback-%s takes milliseconds, 10 to %ld\n",
				        c == 'W' ? "timeout" : "retry", most);
				return 2;
			}
			*(c == 'W' ? &cfg.writeback_timeout_ms : &cfg.writeback_retry_ms) = v;
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
				        "(0: no limit)\n",
				        c == 'K' ? "key" : "tenant");
				return 2;
			}
			*(c == 'K' ? &cfg.rate_per_key : &cfg.rate_per_tenant) = v;
			break;
		}
		case 's':
			if (!strcmp(optarg, "full"))
				cfg.sync = ORDEX_SYNC_FULL;
			else if (!strcmp(optarg, "normal"))
				cfg.sync = ORDEX_SYNC_NORMAL;
			else if (!strcmp(optarg, "off"))
				cfg.sync = ORDEX_SYNC_OFF;
			else {
				fprintf(stderr, "ordex: --sync must be full, normal or off\n");
				return 2;
			}
			break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	char db[1024];
	data = ordex_cli_data_dir(data);
	ordex_cli_db_path(data, db, sizeof(db));
	struct stat sb;
	if (stat(db, &sb) != 0) {
		fprintf(stderr,
		        "ordex: no database at \"%s\"; run \"ordex init --data %s\" first\n", db,
		        data);
		return 1;
	}
	cfg.db_path = db;
	cfg.data_dir = data;
	cfg.routes = ordex_api_routes;
	cfg.n_routes = ordex_api_routes_count;

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct ordex_server *srv;
	if (ordex_server_start(&cfg, &srv) != ORDEX_OK)
		return 1;
	char host[64];
	snprintf(host, sizeof(host), "%.*s", (int)(strrchr(cfg.listen, ':') - cfg.listen),
	         cfg.listen);
	if (cfg.no_store)
		fprintf(stderr, "ordex: --no-store: events are validated and answered, "
		                "never stored\n");
	fprintf(stderr, "ordex: listening on http://%s:%d (data \"%s\", sync %s)\n",
	        host[0] ? host : "127.0.0.1", ordex_server_port(srv), data,
	        cfg.sync == ORDEX_SYNC_FULL     ? "full"
	        : cfg.sync == ORDEX_SYNC_NORMAL ? "normal"
	                                        : "off");
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "ordex: %s received; finishing requests in flight\n",
	        sig == SIGINT ? "SIGINT" : "SIGTERM");
	ordex_server_stop(srv);
	fprintf(stderr, "ordex: stopped\n");
	return 0;
}
