/* SPDX-License-Identifier: Apache-2.0 */
/*
 * harness.c - starting the real ordex binary and talking to it.
 *
 * The server listens on port 0 (the kernel picks a free one) and writes
 * its "listening on" line to DIR/serve.log, which is polled for the port.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"

static const char *bin(void)
{
	const char *b = getenv("ORDEX_BIN");
	return b && *b ? b : "build/ordex";
}

static void die(const char *what)
{
	fprintf(stderr, "harness: %s\n", what);
	exit(2);
}

static char *read_fd(int fd)
{
	size_t cap = 4096, n = 0;
	char *p = malloc(cap);
	ssize_t got;
	while ((got = read(fd, p + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (cap - n < 2)
			p = realloc(p, cap *= 2);
	}
	p[n] = '\0';
	return p;
}

/* Reads a whole file and removes it. */
static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	char *p = fd >= 0 ? read_fd(fd) : calloc(1, 1);
	if (fd >= 0)
		close(fd);
	unlink(path);
	return p;
}

int harness_cli(const char *const *args, char **out, char **err)
{
	/* files, not pipes: a chatty child never blocks on a full pipe */
	char po[64], pe[64];
	snprintf(po, sizeof(po), "/tmp/ordex-cli-out-XXXXXX");
	snprintf(pe, sizeof(pe), "/tmp/ordex-cli-err-XXXXXX");
	int fo = mkstemp(po), fe = mkstemp(pe);
	if (fo < 0 || fe < 0)
		die("mkstemp failed");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fo, 1);
		dup2(fe, 2);
		const char *argv[64] = {bin()};
		int i = 0;
		while (args[i] && i < 62) {
			argv[i + 1] = args[i];
			i++;
		}
		argv[i + 1] = NULL;
		execv(bin(), (char *const *)argv);
		_exit(127);
	}
	close(fo);
	close(fe);
	int st;
	waitpid(pid, &st, 0);
	char *o = slurp(po), *e = slurp(pe);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void harness_init(struct harness *h)
{
	memset(h, 0, sizeof(*h));
	const char *tmp = getenv("TMPDIR");
	snprintf(h->dir, sizeof(h->dir), "%s/ordex-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(h->dir))
		die("mkdtemp failed");
	char *out = NULL, *err = NULL;
	const char *args[] = {"init", "--data", h->dir, NULL};
	int rc = harness_cli(args, &out, &err);
	if (rc != 0) {
		fprintf(stderr, "%s", err);
		die("ordex init failed");
	}
	/* the key is the last line of standard output */
	char *last = out, *nl;
	while ((nl = strchr(last, '\n')) && nl[1])
		last = nl + 1;
	snprintf(h->key, sizeof(h->key), "%.*s", (int)strcspn(last, "\n"), last);
	free(out);
	free(err);
}

void harness_serve(struct harness *h, const char *const *extra)
{
	char log[300];
	snprintf(log, sizeof(log), "%s/serve.log", h->dir);
	unlink(log);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		dup2(fd, 1);
		const char *argv[64] = {bin(),  "serve",    "--data",
		                        h->dir, "--listen", "127.0.0.1:0"};
		int i = 6;
		for (int j = 0; extra && extra[j] && i < 62; j++)
			argv[i++] = extra[j];
		argv[i] = NULL;
		execv(bin(), (char *const *)argv);
		_exit(127);
	}
	h->pid = pid;
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(log, "r");
		if (f) {
			char line[512];
			while (fgets(line, sizeof(line), f)) {
				char *p = strstr(line, "listening on http://127.0.0.1:");
				if (p) {
					h->port =
					    atoi(p + strlen("listening on http://127.0.0.1:"));
					snprintf(h->base, sizeof(h->base), "http://127.0.0.1:%d",
					         h->port);
					fclose(f);
					return;
				}
			}
			fclose(f);
		}
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			h->pid = 0;
			die("ordex serve exited at start; see serve.log");
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	die("ordex serve did not start within 5 s");
}

int harness_stop(struct harness *h)
{
	if (!h->pid)
		return 0;
	kill(h->pid, SIGTERM);
	int st;
	waitpid(h->pid, &st, 0);
	h->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void harness_kill9(struct harness *h)
{
	if (!h->pid)
		return;
	kill(h->pid, SIGKILL);
	int st;
	waitpid(h->pid, &st, 0);
	h->pid = 0;
}

void harness_cleanup(struct harness *h)
{
	harness_stop(h);
	if (h->dir[0] && !getenv("ORDEX_KEEP_TEST_DATA")) {
		char cmd[400];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "harness: could not remove %s\n", h->dir);
	}
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct http_resp *r = ctx;
	size_t add = size * n;
	r->body = realloc(r->body, r->len + add + 1);
	memcpy(r->body + r->len, p, add);
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

void http(struct harness *h, const char *method, const char *path, const char *key,
          const char *ctype, const char *body, size_t len, struct http_resp *r)
{
	http_with(h, method, path, key, ctype, body, len, NULL, r);
}

void http_with(struct harness *h, const char *method, const char *path, const char *key,
               const char *ctype, const char *body, size_t len, const char *const *headers,
               struct http_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->body = calloc(1, 1);
	CURL *c = curl_easy_init();
	char url[1024];
	snprintf(url, sizeof(url), "%s%s", h->base, path);
	struct curl_slist *hd = NULL;
	char auth[200], ct[200];
	if (key) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
		hd = curl_slist_append(hd, auth);
	}
	if (ctype) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		hd = curl_slist_append(hd, ct);
	}
	hd = curl_slist_append(hd, "Expect:");
	for (size_t i = 0; headers && headers[i]; i++)
		hd = curl_slist_append(hd, headers[i]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
		char *t = NULL;
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &t);
		if (t)
			snprintf(r->content_type, sizeof(r->content_type), "%s", t);
		struct curl_header *hv;
		if (curl_easy_header(c, "Retry-After", 0, CURLH_HEADER, -1, &hv) == CURLHE_OK)
			snprintf(r->retry_after, sizeof(r->retry_after), "%s", hv->value);
		if (curl_easy_header(c, "RateLimit-Limit", 0, CURLH_HEADER, -1, &hv) == CURLHE_OK)
			snprintf(r->rl_limit, sizeof(r->rl_limit), "%s", hv->value);
		if (curl_easy_header(c, "RateLimit-Remaining", 0, CURLH_HEADER, -1, &hv) ==
		    CURLHE_OK)
			snprintf(r->rl_remaining, sizeof(r->rl_remaining), "%s", hv->value);
		if (curl_easy_header(c, "Set-Cookie", 0, CURLH_HEADER, -1, &hv) == CURLHE_OK)
			snprintf(r->set_cookie, sizeof(r->set_cookie), "%s", hv->value);
	} else {
		r->status = -1;
	}
	curl_slist_free_all(hd);
	curl_easy_cleanup(c);
}

void http_free(struct http_resp *r)
{
	free(r->body);
	r->body = NULL;
}

void post_event(struct harness *h, const char *json, struct http_resp *r)
{
	http(h, "POST", "/v1/events", h->key, "application/json", json, strlen(json), r);
}

long harness_emit(struct harness *h, const char *prefix, const char *source, const char *type,
                  const char *order, const char *at, const char *data)
{
	char ev[4096];
	snprintf(ev, sizeof(ev),
	         "{\"id\":\"%s%d\",\"source\":\"%s\",\"type\":\"%s\",\"occurred_at\":\"%s\"%s%s%s,"
	         "\"data\":%s}",
	         prefix, ++h->n_emitted, source, type, at, order ? ",\"order\":\"" : "",
	         order ? order : "", order ? "\"" : "", data);
	struct http_resp r;
	post_event(h, ev, &r);
	long status = r.status;
	if (status >= 300)
		fprintf(stderr, "answer %ld: %s\n", status, r.body);
	http_free(&r);
	return status;
}

void post_ndjson(struct harness *h, const char *body, struct http_resp *r)
{
	http(h, "POST", "/v1/events", h->key, "application/x-ndjson", body, strlen(body), r);
}

void get(struct harness *h, const char *path, struct http_resp *r)
{
	http(h, "GET", path, h->key, NULL, NULL, 0, r);
}

bool has(const struct http_resp *r, const char *s)
{
	return r->body && strstr(r->body, s) != NULL;
}

int count_of(const struct http_resp *r, const char *s)
{
	int n = 0;
	size_t l = strlen(s);
	for (const char *p = r->body; p && (p = strstr(p, s)); p += l)
		n++;
	return n;
}

/* ---- reading answers and the database ---------------------------------------- */

const char *harness_at(struct ordex_arena *a, int offset)
{
	char t[ORDEX_TIME_MAX_LEN];
	int64_t us = ordex_time_now() + (int64_t)offset * 1000000;
	ordex_time_format(us - us % 1000000, 0, t);
	return ordex_arena_strdup(a, t);
}

const struct ordex_json *path_of(const struct ordex_json *v, const char *path)
{
	char seg[64];
	for (const char *s = path; v && *s;) {
		size_t n = strcspn(s, ".");
		snprintf(seg, sizeof(seg), "%.*s", (int)n, s);
		if (seg[0] >= '0' && seg[0] <= '9')
			v = ordex_json_at(v, (size_t)atoi(seg));
		else
			v = ordex_json_get(v, seg);
		s += n + (s[n] == '.');
	}
	return v;
}

const char *str_at(const struct ordex_json *v, const char *path)
{
	const char *s = ordex_json_string(path_of(v, path));
	return s ? s : "";
}

int64_t int_at(const struct ordex_json *v, const char *path)
{
	int64_t n = -1;
	const struct ordex_json *x = path_of(v, path);
	if (!x || ordex_json_int(x, &n) != ORDEX_OK)
		return -1;
	return n;
}

int harness_db_int(struct harness *h, const char *sql, const char *arg)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/ordex.db", h->dir);
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die("could not open the test database");
	sqlite3_busy_timeout(db, 5000);
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		fprintf(stderr, "harness: %s: %s\n", sql, sqlite3_errmsg(db));
		die("a query of the test database does not prepare");
	}
	if (arg)
		sqlite3_bind_text(q, 1, arg, -1, SQLITE_STATIC);
	int n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}
