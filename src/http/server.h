/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h - ordex serve: the HTTP front end on libmicrohttpd.
 *
 * A pool of request threads parses, authenticates and validates; the
 * writer applies. A request whose batch is with the writer is suspended
 * (its thread goes on serving others) and resumed when the commit lands,
 * so many requests share one fsync. Reads use a read-only SQLite
 * connection per request thread and never wait for the writer.
 */
#ifndef ORDEX_SERVER_H
#define ORDEX_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "http/request.h"
#include "store/store.h"

struct ordex_server;

struct ordex_server_config {
	const char *listen;     /* "127.0.0.1:8080"; port 0 picks a free one */
	const char *db_path;    /* the SQLite database */
	const char *data_dir;   /* where the database and the sealing key live */
	int threads;            /* request threads; 0: number of CPUs */
	size_t max_body;        /* bytes; 0: 8 MiB */
	int max_depth;          /* JSON nesting; 0: 32 */
	size_t max_items;       /* events per request; 0: 10000 */
	enum ordex_sync sync;   /* durability of the writer */
	int fraud_threshold;    /* 0: 75 */
	bool no_store;          /* benchmarks only: answer "accepted" after validation,
	                           without the writer (nothing is stored) */
	double rate_per_key;    /* tokens a second per key (a request 1, an event 1); 0: none */
	double rate_per_tenant; /* the same for all of a tenant's keys together; 0: none */
	/* writeback: a request's whole time (0: 10 s), the first retry's wait,
	 * doubling (0: 10 s), delivery threads (0: 2) */
	long writeback_timeout_ms;
	long writeback_retry_ms;
	int writeback_threads;
	const struct ordex_route *routes;
	size_t n_routes;
};

/* Starts serving. Returns ORDEX_OK, or an error with a message on stderr. */
int ordex_server_start(const struct ordex_server_config *cfg, struct ordex_server **out);
/* The port actually bound. */
int ordex_server_port(const struct ordex_server *s);
/*
 * Stops accepting connections, lets requests in flight finish (their
 * batches commit and are answered), then stops the writer and frees.
 */
void ordex_server_stop(struct ordex_server *s);

#endif
