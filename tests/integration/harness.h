/* SPDX-License-Identifier: Apache-2.0 */
/*
 * harness.h - integration tests start the real ordex binary (init, serve,
 * import ...) in a fresh data directory and talk HTTP to it on loopback
 * with libcurl.
 */
#ifndef ORDEX_HARNESS_H
#define ORDEX_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct harness {
	char dir[256]; /* the data directory */
	char key[128]; /* the admin key of production */
	char base[64]; /* "http://127.0.0.1:PORT" */
	pid_t pid;     /* the server, 0 when not running */
	int port;
	int n_emitted; /* events harness_emit made, for their ids */
};

struct http_resp {
	long status;
	char *body;
	size_t len;
	char content_type[128];
	/* rate limit fields, "" when absent */
	char retry_after[16], rl_limit[16], rl_remaining[16];
	char set_cookie[256];
};

/* Makes a data directory and runs ordex init in it; fills h->key. */
void harness_init(struct harness *h);
/* Starts ordex serve (extra: more arguments, NULL-terminated list). */
void harness_serve(struct harness *h, const char *const *extra);
/* SIGTERM, waits; returns the exit status (or -1 when killed by a signal). */
int harness_stop(struct harness *h);
/* SIGKILL and reap. */
void harness_kill9(struct harness *h);
/* Stops the server if running and removes the directory. */
void harness_cleanup(struct harness *h);

/*
 * Runs the ordex binary with args (NULL-terminated, without "ordex"),
 * stdout captured into *out (malloc'd, may be NULL), stderr into *err.
 * Returns the exit status.
 */
int harness_cli(const char *const *args, char **out, char **err);

/* One request. key may be NULL (no Authorization); ctype may be NULL. */
void http(struct harness *h, const char *method, const char *path, const char *key,
          const char *ctype, const char *body, size_t len, struct http_resp *r);
void http_free(struct http_resp *r);
/* http() with more request headers ("Name: value", NULL-terminated). */
void http_with(struct harness *h, const char *method, const char *path, const char *key,
               const char *ctype, const char *body, size_t len, const char *const *headers,
               struct http_resp *r);
/* POST one JSON event with the admin key. */
void post_event(struct harness *h, const char *json, struct http_resp *r);
/*
 * Posts an event of type from source about order (NULL: none) at time at
 * with data (a JSON object), under a fresh id (prefix and a count); returns
 * the HTTP status and prints the answer when it is not 2xx.
 */
long harness_emit(struct harness *h, const char *prefix, const char *source, const char *type,
                  const char *order, const char *at, const char *data);
/* POST NDJSON with the admin key. */
void post_ndjson(struct harness *h, const char *body, struct http_resp *r);
/* GET with the admin key. */
void get(struct harness *h, const char *path, struct http_resp *r);

/* Does body contain s? */
bool has(const struct http_resp *r, const char *s);
/* Counts occurrences of s in body. */
int count_of(const struct http_resp *r, const char *s);

/* ---- reading answers and the database ---- */
struct ordex_arena;
struct ordex_json;
#include <stdint.h>
/* An RFC 3339 time offset seconds from now (whole seconds), in a. */
const char *harness_at(struct ordex_arena *a, int offset);
/* The member at a dotted path ("action.approvals.0.current"), or NULL. */
const struct ordex_json *path_of(const struct ordex_json *v, const char *path);
/* The string at path, "" when absent; the integer at path, -1 when absent. */
const char *str_at(const struct ordex_json *v, const char *path);
int64_t int_at(const struct ordex_json *v, const char *path);
/* The first column of sql's first row (one ?1 argument, or none) read from h's
 * database; -1 when there is no row. */
int harness_db_int(struct harness *h, const char *sql, const char *arg);

#endif
