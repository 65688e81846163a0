/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench.c - make bench: ordex measured against what this machine can do,
 * side by side in one run (DESIGN.md section 12, issue 4).
 *
 * Every row of the table is a ratio of two figures taken in this run: a
 * workload of ordex against a probe of the machine (a bare libmicrohttpd
 * server, a raw SQLite transaction writing the writer's rows, ...). The
 * servers run as child processes pinned to CPU 0, the load generator and
 * the probes to CPU 1 (CPU-bound probes move to CPU 0 while they run, the
 * core the service gets). The load generator is one thread, epoll over
 * raw keep-alive sockets on loopback, one request in flight per
 * connection (closed loop) or paced to a rate (open loop).
 *
 *   bench bare PORT THREADS       a bare MHD server (child process)
 *   bench run ORDEX WORKDIR RESULTS_JSON QUICK
 *
 * Every loop is bounded by a count and a deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "ingest/event.h"
#include "ingest/ingest.h"
#include "policy/jsonlogic.h"
#include "rows.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT_T;
#else
typedef enum MHD_Result MHD_RESULT_T;
#endif

#define MAX_CONNS 128
#define RBUF      (256 * 1024)

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static int n_cpus;
static char sim_start[32]; /* the corpora's first hour (ordex simulate --start) */

static void pin(int cpu)
{
	if (n_cpus < 2)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ---- the bare server: the HTTP ceiling on this library ------------------ */

struct bare_req {
	size_t got;
};

static const char bare_answer[] =
    "{\"status\":\"accepted\",\"source\":\"shop\",\"id\":\"sim7-000000\",\"seq\":1000}";

static MHD_RESULT_T bare_handler(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
	struct bare_req *r = *con_cls;
	if (!r) {
		*con_cls = calloc(1, sizeof(*r));
		return MHD_YES;
	}
	if (*upload_size) {
		r->got += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    sizeof(bare_answer) - 1, (void *)bare_answer, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_RESULT_T ret = MHD_queue_response(c, 201, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void bare_done(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

/* Same daemon flags and pool as ordex serve (src/http/server.c). */
static int run_bare(int port, int threads)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	        MHD_USE_ERROR_LOG,
	    0, NULL, NULL, bare_handler, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_NOTIFY_COMPLETED, bare_done,
	    NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)4096, MHD_OPTION_END);
	if (!d)
		return 1;
	/* the parent ends us with SIGTERM; bounded anyway */
	for (int i = 0; i < 3600; i++)
		sleep(1);
	MHD_stop_daemon(d);
	return 0;
}

/* ---- child processes ---------------------------------------------------- */

static pid_t spawn(int cpu, const char *log, char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		die("could not fork: %s", strerror(errno));
	if (pid == 0) {
		pin(cpu);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int run_wait(int cpu, const char *log, char *const argv[])
{
	pid_t pid = spawn(cpu, log, argv);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void stop_child(pid_t pid, int sig)
{
	kill(pid, sig);
	for (int i = 0; i < 300; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int connect_port(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void wait_port(int port)
{
	for (int i = 0; i < 500; i++) {
		int fd = connect_port(port);
		if (fd >= 0) {
			close(fd);
			return;
		}
		usleep(10000);
	}
	die("nothing listens on port %d", port);
}

static int port_seq = 23000;

static int next_port(void)
{
	return port_seq++ + (getpid() % 500) * 20;
}

/* ---- HTTP over raw sockets ---------------------------------------------- */

/* Parses a complete response at p (n bytes): status and total length. */
static bool response_complete(const char *p, size_t n, int *status, size_t *total)
{
	const char *end = memmem(p, n, "\r\n\r\n", 4);
	if (!end)
		return false;
	size_t hdr = (size_t)(end - p) + 4;
	size_t cl = 0;
	for (const char *h = p; h < end; h++) {
		if ((*h == '\n') && strncasecmp(h + 1, "Content-Length:", 15) == 0) {
			cl = strtoul(h + 16, NULL, 10);
			break;
		}
	}
	if (n < hdr + cl)
		return false;
	*status = atoi(p + 9);
	*total = hdr + cl;
	return true;
}

/* One blocking request on a new connection; the body into out (size n). */
static int http_simple(int port, const char *req, size_t len, char *out, size_t n)
{
	int fd = connect_port(port);
	if (fd < 0)
		return -1;
	struct timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, req, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	size_t got = 0;
	int status = -1;
	size_t total;
	while (got < n - 1) {
		ssize_t r = read(fd, out + got, n - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		if (response_complete(out, got, &status, &total))
			break;
	}
	out[got] = '\0';
	close(fd);
	return status;
}

static const char *key; /* the admin key of the data directory in use */

static uint64_t metric(int port, const char *name)
{
	char req[512], out[8192];
	int n = snprintf(req, sizeof(req),
	                 "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
	                 "Connection: close\r\n\r\n",
	                 key);
	if (http_simple(port, req, (size_t)n, out, sizeof(out)) != 200)
		return 0;
	char pat[96];
	snprintf(pat, sizeof(pat), "\n%s ", name);
	const char *p = strstr(out, pat);
	return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

/* ---- requests ----------------------------------------------------------- */

struct reqs {
	char **p;
	size_t *len;
	size_t n;
};

static void reqs_add(struct reqs *r, const char *path, const char *ctype, const char *body,
                     size_t blen)
{
	size_t cap = blen + 512;
	char *p = ordex_xmalloc(cap);
	int h = snprintf(p, cap,
	                 "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
	                 "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
	                 path, key, ctype, blen);
	memcpy(p + h, body, blen);
	r->p = ordex_xrealloc(r->p, (r->n + 1) * sizeof(*r->p));
	r->len = ordex_xrealloc(r->len, (r->n + 1) * sizeof(*r->len));
	r->p[r->n] = p;
	r->len[r->n] = (size_t)h + blen;
	r->n++;
}

static void reqs_free(struct reqs *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->p[i]);
	free(r->p);
	free(r->len);
	memset(r, 0, sizeof(*r));
}

struct corpus {
	char **line;
	size_t *len;
	size_t n;
	size_t bytes;
};

static void corpus_load(struct corpus *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("could not open \"%s\"", path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0 && c->n < 4000000) {
		while (n && line[n - 1] == '\n')
			n--;
		c->line = ordex_xrealloc(c->line, (c->n + 1) * sizeof(*c->line));
		c->len = ordex_xrealloc(c->len, (c->n + 1) * sizeof(*c->len));
		c->line[c->n] = ordex_xstrndup(line, (size_t)n);
		c->len[c->n] = (size_t)n;
		c->bytes += (size_t)n;
		c->n++;
	}
	free(line);
	fclose(f);
}

/* One event per request (application/json), lines [from, from + n). */
static void reqs_events(struct reqs *r, const struct corpus *c, size_t from, size_t n)
{
	for (size_t i = from; i < from + n && i < c->n; i++)
		reqs_add(r, "/v1/events", "application/json", c->line[i], c->len[i]);
}

/* Appends the corpus as NDJSON bodies of per_body events each. */
static void reqs_bodies(struct reqs *r, const struct corpus *src, size_t per_body)
{
	for (size_t i = 0; i < src->n; i += per_body) {
		size_t len = 0;
		for (size_t j = i; j < i + per_body && j < src->n; j++)
			len += src->len[j] + 1;
		char *body = ordex_xmalloc(len + 1), *p = body;
		for (size_t j = i; j < i + per_body && j < src->n; j++) {
			memcpy(p, src->line[j], src->len[j]);
			p += src->len[j];
			*p++ = '\n';
		}
		reqs_add(r, "/v1/events", "application/x-ndjson", body, len);
		free(body);
	}
}

/* ---- the load generator ------------------------------------------------- */

struct lat {
	int64_t *v;
	size_t n, cap;
};

static void lat_add(struct lat *l, int64_t ns)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = ordex_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = ns;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Percentile q (0..1) in milliseconds. */
static double lat_ms(struct lat *l, double q)
{
	if (!l->n)
		return 0;
	qsort(l->v, l->n, sizeof(*l->v), cmp64);
	size_t i = (size_t)(q * (double)(l->n - 1) + 0.5);
	return (double)l->v[i] / 1e6;
}

struct load {
	int port;
	int conns;
	const struct reqs *rq;
	double rate;     /* requests per second over all connections; 0: closed loop */
	int64_t seconds; /* duration bound, ns */
	bool get_probe;  /* one more connection: GET /v1/exceptions every 50 ms */
	bool stop_on_error;
	volatile sig_atomic_t *kill_flag; /* set: stop sending; kill_at_ns: when */
	int64_t kill_at_ns;
	pid_t kill_pid;
	/* out */
	size_t sent, done, errors, s200, s201, other;
	double secs;
	struct lat lat, get_lat;
	bool *acked; /* per request: answered 200 or 201 */
};

struct conn {
	int fd;
	bool busy;
	bool is_get;
	size_t idx;
	int64_t t0;
	char *buf;
	size_t n;
};

static void send_all(int fd, const char *p, size_t n)
{
	for (int tries = 0; n && tries < 100000; tries++) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR)
			return;
	}
}

static void run_load(struct load *L)
{
	int ep = epoll_create1(0);
	int n = L->conns + (L->get_probe ? 1 : 0);
	struct conn *c = ordex_xcalloc((size_t)n, sizeof(*c));
	char get_req[512];
	int get_len = snprintf(get_req, sizeof(get_req),
	                       "GET /v1/exceptions?limit=20 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	                       "Authorization: Bearer %s\r\n\r\n",
	                       key);
	for (int i = 0; i < n; i++) {
		c[i].fd = connect_port(L->port);
		if (c[i].fd < 0)
			die("could not connect to port %d", L->port);
		fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
		c[i].buf = ordex_xmalloc(RBUF);
		c[i].is_get = i == L->conns;
		struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &e);
	}
	int64_t t0 = now_ns(), deadline = t0 + L->seconds;
	int64_t next_send = t0, next_get = t0;
	double gap = L->rate > 0 ? 1e9 / L->rate : 0;
	size_t next = 0;
	bool killed = false;
	int busy = 0;
	for (long loop = 0; loop < 100000000L; loop++) {
		int64_t now = now_ns();
		if (L->kill_pid && !killed && now - t0 >= L->kill_at_ns) {
			kill(L->kill_pid, SIGKILL);
			killed = true;
		}
		bool sending = now < deadline && next < L->rq->n && !killed;
		if (!sending && busy == 0)
			break;
		if (now > deadline + 30 * 1000000000LL)
			break; /* answers that never come */
		for (int i = 0; sending && i < L->conns; i++) {
			if (c[i].busy || next >= L->rq->n)
				continue;
			if (gap > 0 && now < next_send)
				break;
			c[i].busy = true;
			c[i].idx = next++;
			c[i].t0 = now;
			c[i].n = 0;
			busy++;
			L->sent++;
			send_all(c[i].fd, L->rq->p[c[i].idx], L->rq->len[c[i].idx]);
			if (gap > 0)
				next_send += (int64_t)gap;
		}
		if (L->get_probe && sending && !c[L->conns].busy && now >= next_get) {
			struct conn *g = &c[L->conns];
			g->busy = true;
			g->t0 = now;
			g->n = 0;
			busy++;
			send_all(g->fd, get_req, (size_t)get_len);
			next_get = now + 50 * 1000000LL;
		}
		int timeout = 10;
		if (gap > 0 && sending) {
			int64_t w = (next_send - now_ns()) / 1000000;
			timeout = w < 0 ? 0 : w > 10 ? 10 : (int)w;
		}
		struct epoll_event evs[MAX_CONNS + 1];
		int k = epoll_wait(ep, evs, MAX_CONNS + 1, timeout);
		for (int e = 0; e < k; e++) {
			struct conn *x = &c[evs[e].data.u32];
			ssize_t r = read(x->fd, x->buf + x->n, RBUF - x->n);
			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				/* the server went away */
				epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
				if (x->busy) {
					x->busy = false;
					busy--;
					L->errors++;
				}
				close(x->fd);
				x->fd = -1;
				x->busy = true; /* never again */
				busy++;
				busy--;
				continue;
			}
			x->n += (size_t)r;
			int status;
			size_t total;
			if (!x->busy || !response_complete(x->buf, x->n, &status, &total))
				continue;
			int64_t dt = now_ns() - x->t0;
			x->busy = false;
			busy--;
			if (x->is_get) {
				lat_add(&L->get_lat, dt);
				continue;
			}
			L->done++;
			lat_add(&L->lat, dt);
			if (status == 200)
				L->s200++;
			else if (status == 201)
				L->s201++;
			else
				L->other++;
			if (L->acked && (status == 200 || status == 201))
				L->acked[x->idx] = true;
		}
		if (killed) {
			/* every live connection will see EOF; stop waiting for them */
			bool any = false;
			for (int i = 0; i < n; i++)
				any |= c[i].fd >= 0 && c[i].busy;
			if (!any)
				break;
		}
	}
	L->secs = (double)(now_ns() - t0) / 1e9;
	for (int i = 0; i < n; i++) {
		if (c[i].fd >= 0)
			close(c[i].fd);
		free(c[i].buf);
	}
	free(c);
	close(ep);
}

/* ---- the table ---------------------------------------------------------- */

struct row {
	char name[96];
	char mode[24];
	char measured[64];
	char reference[64];
	double ratio;
	char goal[24];
	const char *status; /* "met", "MISSED", "info" */
};

static struct row rows[64];
static int n_rows;

static void add_row(const char *name, const char *mode, const char *measured, const char *reference,
                    double ratio, const char *goal, int met)
{
	struct row *r = &rows[n_rows++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->mode, sizeof(r->mode), "%s", mode);
	snprintf(r->measured, sizeof(r->measured), "%s", measured);
	snprintf(r->reference, sizeof(r->reference), "%s", reference);
	r->ratio = ratio;
	snprintf(r->goal, sizeof(r->goal), "%s", goal ? goal : "");
	r->status = met < 0 ? "info" : met ? "met" : "MISSED";
	fprintf(stderr, "bench: %-52s %s | %s | %.3f\n", name, measured, reference, ratio);
}

static char *fmt(const char *f, ...)
{
	static char ring[32][96];
	static int k;
	char *out = ring[k++ % 32];
	va_list ap;
	va_start(ap, f);
	vsnprintf(out, sizeof(ring[0]), f, ap);
	va_end(ap);
	return out;
}

static void print_table(FILE *f)
{
	fprintf(f, "\n%-54s %-11s %-26s %-26s %8s %-8s %s\n", "row", "durability", "measured",
	        "reference (same run)", "ratio", "goal", "");
	for (int i = 0; i < 150; i++)
		fputc('-', f);
	fputc('\n', f);
	for (int i = 0; i < n_rows; i++) {
		struct row *r = &rows[i];
		fprintf(f, "%-54s %-11s %-26s %-26s %8.3f %-8s %s\n", r->name, r->mode, r->measured,
		        r->reference, r->ratio, r->goal, r->status);
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_json(const char *path, bool quick, double seconds)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die("could not write \"%s\"", path);
	fprintf(f, "{\"quick\":%s,\"cpus\":%d,\"seconds\":%.1f,\"rows\":[\n",
	        quick ? "true" : "false", n_cpus, seconds);
	for (int i = 0; i < n_rows; i++) {
		struct row *r = &rows[i];
		fprintf(f, "  {\"row\":");
		json_str(f, r->name);
		fprintf(f, ",\"durability\":");
		json_str(f, r->mode);
		fprintf(f, ",\"measured\":");
		json_str(f, r->measured);
		fprintf(f, ",\"reference\":");
		json_str(f, r->reference);
		fprintf(f, ",\"ratio\":%.4f,\"goal\":", r->ratio);
		json_str(f, r->goal);
		fprintf(f, ",\"status\":");
		json_str(f, r->status);
		fprintf(f, "}%s\n", i + 1 < n_rows ? "," : "");
	}
	fprintf(f, "]}\n");
	fclose(f);
}

/* ---- data directories and servers --------------------------------------- */

static const char *ordex_bin;
static const char *work;
static char keybuf[256];
/* the servers' pool size: the CPUs they run on (one when pinned to CPU 0),
 * what ordex serve picks by default */
static int serve_threads = 1;

/* A fresh data directory DIR with a new admin key in keybuf. */
static void fresh_dir(const char *dir)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && '%s' init --data '%s' 2>/dev/null", dir,
	         ordex_bin, dir);
	FILE *p = popen(cmd, "r");
	if (!p)
		die("could not run ordex init");
	keybuf[0] = '\0';
	char line[256];
	while (fgets(line, sizeof(line), p))
		if (strncmp(line, "ordex_", 6) == 0)
			snprintf(keybuf, sizeof(keybuf), "%s", line);
	pclose(p);
	keybuf[strcspn(keybuf, "\r\n")] = '\0';
	if (!keybuf[0])
		die("ordex init printed no key");
	key = keybuf;
}

static pid_t serve(const char *dir, int port, const char *sync, bool no_store)
{
	char listen[64], threads[16], log[1024];
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(threads, sizeof(threads), "%d", serve_threads);
	snprintf(log, sizeof(log), "%s/serve.log", work);
	char *argv[] = {(char *)ordex_bin,
	                "serve",
	                "--data",
	                (char *)dir,
	                "--listen",
	                listen,
	                "--threads",
	                threads,
	                "--sync",
	                (char *)sync,
	                no_store ? "--no-store" : NULL,
	                NULL};
	pid_t pid = spawn(0, log, argv);
	wait_port(port);
	return pid;
}

static pid_t bare(int port)
{
	char p[16], t[16], log[1024], self[1024];
	snprintf(p, sizeof(p), "%d", port);
	snprintf(t, sizeof(t), "%d", serve_threads);
	snprintf(log, sizeof(log), "%s/bare.log", work);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	char *argv[] = {self, "bare", p, t, NULL};
	pid_t pid = spawn(0, log, argv);
	wait_port(port);
	return pid;
}

static long status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long v = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			v = atol(line + strlen(field) + 1);
	if (f)
		fclose(f);
	return v;
}

/* ---- probes ------------------------------------------------------------- */

/* fdatasync of a 4 KiB append in dir: median and p99, microseconds. */
static void probe_fsync(const char *dir, int iters, double *p50, double *p99)
{
	char path[1100];
	snprintf(path, sizeof(path), "%s/fsync.probe", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("could not create \"%s\"", path);
	char page[4096];
	memset(page, 'x', sizeof(page));
	struct lat l = {0};
	for (int i = 0; i < iters; i++) {
		if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			break;
		int64_t t = now_ns();
		fdatasync(fd);
		lat_add(&l, now_ns() - t);
	}
	close(fd);
	unlink(path);
	*p50 = lat_ms(&l, 0.5) * 1000;
	*p99 = lat_ms(&l, 0.99) * 1000;
	free(l.v);
}

/* Parses and validates every line, as a request thread does. */
static double parse_corpus(const struct corpus *c)
{
	struct ordex_ingest_limits lim = {0};
	int64_t t = now_ns();
	struct ordex_arena *a = ordex_arena_new(1 << 20);
	for (size_t i = 0; i < c->n; i++) {
		struct ordex_item *it;
		size_t n;
		ordex_ingest_split(a, c->line[i], c->len[i], false, &lim, &it, &n);
		ordex_arena_reset(a);
	}
	double secs = (double)(now_ns() - t) / 1e9;
	ordex_arena_free(a);
	return (double)c->n / secs;
}

/*
 * JsonLogic: a typical policy condition (a refund over a limit, in one of
 * the currencies, on an order without a fraud hold, with a line of a SKU)
 * over an action and its order as the policy sees them, parsed once.
 * Microseconds per evaluation, on the service's core.
 */
static double probe_jsonlogic(void)
{
	static const char rule[] =
	    "{\"and\":[{\"==\":[{\"var\":\"action.kind\"},\"refund\"]},{\">\":[{\"var\":"
	    "\"action.amount\"},200]},{\"in\":[{\"var\":\"order.currency\"},[\"USD\",\"EUR\","
	    "\"GBP\"]]},{\"<\":[{\"var\":\"order.fraud_score\"},75]},{\"some\":[{\"var\":"
	    "\"order.lines\"},{\"==\":[{\"var\":\"sku\"},\"SKU-0007\"]}]}]}";
	static const char data[] =
	    "{\"action\":{\"kind\":\"refund\",\"amount\":250.00,\"currency\":\"USD\","
	    "\"payment\":\"pay_1\"},\"case\":{\"queue\":\"payments\",\"kinds\":"
	    "[\"refund_mismatch\"]},\"order\":{\"ref\":\"1001\",\"currency\":\"USD\","
	    "\"total\":420.00,\"fraud_score\":12,\"status\":\"open\",\"brand\":\"acme\","
	    "\"lines\":[{\"sku\":\"SKU-0003\",\"qty\":1,\"price\":120.00},{\"sku\":"
	    "\"SKU-0007\",\"qty\":2,\"price\":150.00}],\"captured\":420.00,\"refunded\":0}}";
	struct ordex_arena *keep = ordex_arena_new(8192), *a = ordex_arena_new(65536);
	struct ordex_json *r, *d, *out;
	struct ordex_json_error je;
	if (ordex_json_parse(keep, rule, strlen(rule), NULL, &r, &je) != ORDEX_OK ||
	    ordex_json_parse(keep, data, strlen(data), NULL, &d, &je) != ORDEX_OK)
		die("bench: the JsonLogic probe does not parse");
	int n = 200000;
	int64_t t = now_ns();
	for (int i = 0; i < n; i++) {
		struct ordex_jl_error err;
		if (ordex_jl_eval(a, r, d, NULL, &out, &err) != ORDEX_OK || !ordex_jl_truthy(out))
			die("bench: the JsonLogic probe did not hold: %s", err.msg);
		ordex_arena_reset(a);
	}
	double us = (double)(now_ns() - t) / 1e3 / n;
	ordex_arena_free(a);
	ordex_arena_free(keep);
	return us;
}

static double probe_hmac(const struct corpus *c)
{
	unsigned char k[32] = {1}, mac[32];
	int64_t t = now_ns();
	for (size_t i = 0; i < c->n; i++)
		crypto_auth_hmacsha256(mac, (const unsigned char *)c->line[i], c->len[i], k);
	return (double)c->n / ((double)(now_ns() - t) / 1e9);
}

/*
 * The raw reference: the rows the writer wrote for the corpus (recorded once
 * by rows_capture), written again on a fresh database, `batch` events per
 * transaction, with the writer's pragmas. Events per second, for at most
 * `seconds`.
 */
static struct rows *writer_rows;

static double probe_sqlite(const char *dir, int batch, size_t units, double seconds)
{
	fresh_dir(dir);
	char db[1100];
	snprintf(db, sizeof(db), "%s/ordex.db", dir);
	double rate = rows_replay(writer_rows, db, batch, units, seconds);
	if (rate < 0)
		die("could not write the writer's rows again");
	return rate;
}

static const int batch_sizes[] = {1, 8, 32, 128, 512};
static double sqlite_rate[5];

/* The raw rate at batch b, interpolated on log(b) between the measured sizes. */
static double sqlite_at(double b)
{
	if (b <= 1)
		return sqlite_rate[0];
	for (int i = 1; i < 5; i++) {
		if (b <= batch_sizes[i]) {
			double x0 = log(batch_sizes[i - 1]), x1 = log(batch_sizes[i]);
			double f = (log(b) - x0) / (x1 - x0);
			return exp(log(sqlite_rate[i - 1]) +
			           f * (log(sqlite_rate[i]) - log(sqlite_rate[i - 1])));
		}
	}
	return sqlite_rate[4];
}

/* ---- the run ------------------------------------------------------------ */

struct ingest_result {
	double rate, per_fsync, p50, p99;
	uint64_t commits, flushes, events, fired;
};

/*
 * One run of ingest on a fresh directory: one event per request, or NDJSON
 * bodies of per_body events (rates are then events per second; latencies
 * are per request).
 */
static struct ingest_result ingest(const char *dir, const struct corpus *c, int conns,
                                   const char *sync, bool no_store, double seconds,
                                   struct reqs *keep, size_t per_body)
{
	fresh_dir(dir);
	int port = next_port();
	pid_t pid = serve(dir, port, sync, no_store);
	struct reqs r = {0};
	if (per_body > 1)
		reqs_bodies(&r, c, per_body);
	else
		reqs_events(&r, c, 0, c->n);
	uint64_t c0 = metric(port, "ordex_writer_commits_total");
	uint64_t f0 = metric(port, "ordex_writer_flushes_total");
	uint64_t e0 = metric(port, "ordex_writer_events_total");
	uint64_t t0 = metric(port, "ordex_timers_fired_total");
	struct load L = {
	    .port = port, .conns = conns, .rq = &r, .seconds = (int64_t)(seconds * 1e9)};
	run_load(&L);
	struct ingest_result out = {0};
	out.commits = metric(port, "ordex_writer_commits_total") - c0;
	out.flushes = metric(port, "ordex_writer_flushes_total") - f0;
	out.events = metric(port, "ordex_writer_events_total") - e0;
	out.fired = metric(port, "ordex_timers_fired_total") - t0;
	stop_child(pid, SIGTERM);
	out.rate = per_body > 1 ? (double)out.events / L.secs : (double)L.done / L.secs;
	/* one flush (fsync) may cover several commits: the batch the raw
	 * transaction is compared at is the larger, events per fsync */
	out.per_fsync = out.flushes ? (double)out.events / (double)out.flushes : 0;
	out.p50 = lat_ms(&L.lat, 0.5);
	out.p99 = lat_ms(&L.lat, 0.99);
	if (L.other || L.errors)
		fprintf(stderr, "bench: %zu answers other than 200/201, %zu errors\n", L.other,
		        L.errors);
	if (keep && per_body <= 1) {
		/* the requests answered, for the duplicate storm on the same data */
		for (size_t i = 0; i < L.done && i < r.n; i++)
			reqs_add(keep, "/v1/events", "application/json", c->line[i], c->len[i]);
	}
	free(L.lat.v);
	free(L.get_lat.v);
	reqs_free(&r);
	return out;
}

static double bare_rate(const struct corpus *c, int conns, double seconds, double *p99)
{
	int port = next_port();
	pid_t pid = bare(port);
	struct reqs r = {0};
	key = "ordex_bench_bare_key_0000000000000000";
	reqs_events(&r, c, 0, c->n);
	struct load L = {
	    .port = port, .conns = conns, .rq = &r, .seconds = (int64_t)(seconds * 1e9)};
	run_load(&L);
	stop_child(pid, SIGTERM);
	double rate = (double)L.done / L.secs;
	*p99 = lat_ms(&L.lat, 0.99);
	free(L.lat.v);
	reqs_free(&r);
	return rate;
}

static int cmd_run(const char *bin, const char *wdir, const char *json, bool quick)
{
	ordex_bin = bin;
	work = wdir;
	n_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	serve_threads = n_cpus >= 2 ? 1 : n_cpus;
	pin(1);
	signal(SIGPIPE, SIG_IGN);
	int64_t t_start = now_ns();
	double D = quick ? 2.5 : 6.0; /* seconds per workload */
	const char *mode = "sync=FULL";
	char dir[1024], path[1024];

	/* the corpus: ordex simulate, same seed every run, dated from the hour
	 * the bench starts, as a live source's events are: a wait an event
	 * starts (a payment pending for 24 h, no carrier scan for 72 h) ends
	 * hours or days later, so the service's clock fires no timer during a
	 * run, as it would not when these events were live. (Dated in the past,
	 * every such wait is over on arrival and the clock fires them by the
	 * thousand, a backlog no live service has, which the recorded rows of
	 * the clockless writer do not hold.) */
	struct corpus c = {0}, c2 = {0};
	int orders = quick ? 4000 : 12000;
	char cmd[2048];
	time_t wall = time(NULL);
	struct tm tm_start;
	gmtime_r(&wall, &tm_start);
	strftime(sim_start, sizeof(sim_start), "%Y-%m-%dT%H:00:00Z", &tm_start);
	snprintf(path, sizeof(path), "%s/corpus.ndjson", work);
	snprintf(cmd, sizeof(cmd), "'%s' simulate --orders %d --seed 7 --start %s > '%s'", bin,
	         orders, sim_start, path);
	if (system(cmd) != 0)
		die("ordex simulate failed");
	corpus_load(&c, path);
	snprintf(path, sizeof(path), "%s/corpus8.ndjson", work);
	snprintf(cmd, sizeof(cmd), "'%s' simulate --orders %d --seed 8 --start %s > '%s'", bin,
	         orders, sim_start, path);
	if (system(cmd) != 0)
		die("ordex simulate failed");
	corpus_load(&c2, path);
	fprintf(stderr, "bench: corpus of %zu events (%d orders), %d CPUs%s\n", c.n, orders, n_cpus,
	        n_cpus >= 2 ? ", server on CPU 0, load on CPU 1" : ", not pinned");

	/* probes of the machine; CPU-bound ones on the service's core */
	pin(0);
	double parse_rate = parse_corpus(&c);
	double hmac_rate = probe_hmac(&c);
	double jl_us = probe_jsonlogic();
	pin(1);
	double fs50, fs99;
	snprintf(dir, sizeof(dir), "%s/probe", work);
	fresh_dir(dir);
	probe_fsync(dir, quick ? 50 : 300, &fs50, &fs99);

	/* what the writer writes per event, from a replay with ordex import */
	snprintf(dir, sizeof(dir), "%s/import", work);
	fresh_dir(dir);
	char log[1024];
	snprintf(log, sizeof(log), "%s/import.log", work);
	snprintf(path, sizeof(path), "%s/corpus.ndjson", work);
	char *iargv[] = {(char *)bin, "import", "--quiet", "--data", dir, path, NULL};
	int64_t ti = now_ns();
	int irc = run_wait(0, log, iargv);
	double import_secs = (double)(now_ns() - ti) / 1e9;
	double import_rate = (double)c.n / import_secs;
	/* the rows the writer writes per event: recorded from its own run */
	snprintf(dir, sizeof(dir), "%s/capture", work);
	fresh_dir(dir);
	char capdb[1100];
	snprintf(capdb, sizeof(capdb), "%s/ordex.db", dir);
	writer_rows = rows_capture(capdb, c.line, c.len, c.n);
	if (!writer_rows)
		die("could not record the writer's rows");
	fprintf(stderr, "bench: the writer writes %.2f rows per event (%zu events recorded)\n",
	        rows_per_unit(writer_rows), rows_units(writer_rows));

	for (int i = 0; i < 5; i++) {
		snprintf(dir, sizeof(dir), "%s/raw%d", work, batch_sizes[i]);
		sqlite_rate[i] =
		    probe_sqlite(dir, batch_sizes[i], 0, quick ? 0.6 : (i == 0 ? 3.0 : 2.0));
		fprintf(stderr, "bench: raw SQLite txn, batch %3d: %.0f events/s\n", batch_sizes[i],
		        sqlite_rate[i]);
	}
	add_row("row changes the writer makes per event (recorded)", "info",
	        fmt("%.2f rows", rows_per_unit(writer_rows)),
	        fmt("%zu events of the corpus", rows_units(writer_rows)),
	        rows_per_unit(writer_rows), NULL, -1);
	double fsync_rate = 1e6 / fs50;
	add_row("raw SQLite txn batch 1 / fdatasync rate", mode, fmt("%.0f txn/s", sqlite_rate[0]),
	        fmt("%.0f fdatasync/s (p50 %.0f us)", fsync_rate, fs50),
	        sqlite_rate[0] / fsync_rate, NULL, -1);
	for (int i = 1; i < 5; i++)
		add_row(fmt("raw SQLite txn batch %d / batch 1", batch_sizes[i]), mode,
		        fmt("%.0f ev/s", sqlite_rate[i]), fmt("%.0f ev/s", sqlite_rate[0]),
		        sqlite_rate[i] / sqlite_rate[0], NULL, -1);
	add_row("JsonLogic: a typical policy condition / 10 us", "cpu",
	        fmt("%.2f us an evaluation", jl_us), "10 us", jl_us / 10.0, "<= 1.00",
	        jl_us <= 10.0);
	add_row("HMAC-SHA256 / parse+validate (same bodies)", "cpu", fmt("%.0f ev/s", hmac_rate),
	        fmt("%.0f ev/s", parse_rate), hmac_rate / parse_rate, NULL, -1);

	/* HTTP: bare server, ordex with storage stubbed, durable ingest */
	static const int conn_full[] = {1, 4, 16, 64}, conn_quick[] = {1, 16};
	const int *conns = quick ? conn_quick : conn_full;
	int n_conns = quick ? 2 : 4;
	struct ingest_result best = {0};
	int best_conns = 0;
	struct reqs acked = {0};
	double bare_best = 0, stub_best = 0;
	for (int i = 0; i < n_conns; i++) {
		int k = conns[i];
		double bp99;
		double b = bare_rate(&c, k, D, &bp99);
		snprintf(dir, sizeof(dir), "%s/stub", work);
		struct ingest_result s = ingest(dir, &c, k, "full", true, D, NULL, 1);
		snprintf(dir, sizeof(dir), "%s/durable", work);
		bool last = i == n_conns - 1;
		if (last)
			reqs_free(&acked);
		struct ingest_result d =
		    ingest(dir, &c, k, "full", false, D, last ? &acked : NULL, 1);
		if (b > bare_best)
			bare_best = b;
		if (s.rate > stub_best)
			stub_best = s.rate;
		add_row(fmt("HTTP stub (--no-store) / bare MHD, %d conn", k), "none (stub)",
		        fmt("%.0f req/s p99 %.2f ms", s.rate, s.p99),
		        fmt("%.0f req/s p99 %.2f ms", b, bp99), s.rate / b, ">= 0.60",
		        s.rate / b >= 0.6);
		/* the stub parses and validates every event on the service's one
		 * core: with nothing else over the bare server it would reach
		 * 1 / (1/bare + 1/parse), parse+validate measured above */
		if (n_cpus >= 2)
			add_row(
			    fmt("ceiling: bare MHD + parse/validate on one core / bare, %d conn",
			        k),
			    "model", fmt("%.0f req/s", 1.0 / (1.0 / b + 1.0 / parse_rate)),
			    fmt("%.0f req/s", b), 1.0 / (1.0 + b / parse_rate), NULL, -1);
		/* the reference at the batch the writer reached, measured right after
		 * the run (fsync latency drifts over minutes on this kind of disk):
		 * the rows of the same events the run took, into a database as fresh
		 * as the run's, so both end with the same data; the figure
		 * interpolated from the probes above is shown beside it */
		int eb = (int)lround(d.per_fsync);
		snprintf(dir, sizeof(dir), "%s/raw-adjacent", work);
		double ref = probe_sqlite(dir, eb < 1 ? 1 : eb, (size_t)d.events, 4 * D);
		add_row(fmt("durable ingest / raw txn @ batch %.1f, %d conn", d.per_fsync, k), mode,
		        fmt("%.0f ev/s p50 %.2f p99 %.2f", d.rate, d.p50, d.p99),
		        fmt("%.0f ev/s (earlier: %.0f)", ref, sqlite_at(d.per_fsync)), d.rate / ref,
		        ">= 0.70", d.rate / ref >= 0.7);
		/* where the service has one core, its HTTP path and its writer share
		 * it: a writer that cost exactly the raw transaction would reach
		 * 1 / (1/raw + 1/stub), a model from the two measured rates */
		if (n_cpus >= 2)
			add_row(fmt("ceiling: raw txn + HTTP stub on one core / raw, %d conn", k),
			        "model", fmt("%.0f ev/s", 1.0 / (1.0 / ref + 1.0 / s.rate)),
			        fmt("%.0f ev/s", ref), 1.0 / (1.0 + ref / s.rate), NULL, -1);
		if (d.rate > best.rate) {
			best = d;
			best_conns = k;
		}
	}
	/* the same with NDJSON bodies (a connector or an importer sending in
	 * bulk): the HTTP work of a request is shared by its events, and what
	 * remains is mostly the writer's against its own rows */
	{
		snprintf(dir, sizeof(dir), "%s/durable-bodies", work);
		struct ingest_result d = ingest(dir, &c, 16, "full", false, D, NULL, 20);
		int eb = (int)lround(d.per_fsync);
		snprintf(dir, sizeof(dir), "%s/raw-adjacent", work);
		double ref = probe_sqlite(dir, eb < 1 ? 1 : eb, (size_t)d.events, 4 * D);
		add_row(fmt("durable ingest, bodies of 20 / raw txn @ batch %.0f, 16 conn",
		            d.per_fsync),
		        mode, fmt("%.0f ev/s p50 %.2f p99 %.2f", d.rate, d.p50, d.p99),
		        fmt("%.0f ev/s", ref), d.rate / ref, ">= 0.70", d.rate / ref >= 0.7);
	}
	add_row(fmt("timers fired during the durable run (%d conn)", best_conns), "info",
	        fmt("%llu fired", (unsigned long long)best.fired),
	        fmt("%llu events", (unsigned long long)best.events), (double)best.fired, NULL, -1);
	add_row(fmt("events per fsync at saturation (%d conn)", best_conns), mode,
	        fmt("%llu ev / %llu fsyncs (%llu commits)", (unsigned long long)best.events,
	            (unsigned long long)best.flushes, (unsigned long long)best.commits),
	        "1 fsync per flush", best.per_fsync, ">= 10", best.per_fsync >= 10);

	/* a storm of duplicates: the same requests again, on the same data */
	{
		snprintf(dir, sizeof(dir), "%s/durable", work);
		int port = next_port();
		pid_t pid = serve(dir, port, "full", false);
		/* the key of that directory is still in keybuf */
		uint64_t c0 = metric(port, "ordex_writer_commits_total");
		struct load L = {
		    .port = port, .conns = best_conns, .rq = &acked, .seconds = (int64_t)(D * 1e9)};
		run_load(&L);
		uint64_t commits = metric(port, "ordex_writer_commits_total") - c0;
		double dup_rate = (double)L.done / L.secs;
		add_row(fmt("duplicate storm / new events, %d conn", best_conns), mode,
		        fmt("%.0f dup/s (%zu of %zu dup)", dup_rate, L.s200, L.done),
		        fmt("%.0f ev/s", best.rate), dup_rate / best.rate, ">= 3.0",
		        dup_rate / best.rate >= 3.0);
		free(L.lat.v);
		/* one duplicate alone: does it cost a commit (an fsync) of its own? */
		struct reqs one = {0};
		size_t lone = acked.n < 50 ? acked.n : 50;
		for (size_t i = 0; i < lone; i++)
			reqs_add(&one, "/v1/events", "application/json", c.line[i], c.len[i]);
		c0 = metric(port, "ordex_writer_commits_total");
		struct load L1 = {.port = port, .conns = 1, .rq = &one, .seconds = 5000000000LL};
		run_load(&L1);
		commits = metric(port, "ordex_writer_commits_total") - c0;
		add_row("commits per lone duplicate (1 conn)", mode,
		        fmt("%llu commits / %zu dup, p50 %.2f ms", (unsigned long long)commits,
		            L1.done, lat_ms(&L1.lat, 0.5)),
		        "0 wanted", L1.done ? (double)commits / (double)L1.done : 0, "0",
		        commits == 0);
		free(L1.lat.v);
		reqs_free(&one);

		/* GET /v1/exceptions while ingest runs at half its maximum */
		struct reqs r2 = {0};
		reqs_events(&r2, &c2, 0, c2.n);
		struct load H = {.port = port,
		                 .conns = best_conns,
		                 .rq = &r2,
		                 .rate = best.rate / 2,
		                 .seconds = (int64_t)(D * 1e9),
		                 .get_probe = true};
		run_load(&H);
		double g50 = lat_ms(&H.get_lat, 0.5), g99 = lat_ms(&H.get_lat, 0.99);
		add_row(fmt("GET /v1/exceptions p99 at half load / 20 ms"), mode,
		        fmt("p99 %.2f ms, p50 %.2f (%zu GETs)", g99, g50, H.get_lat.n),
		        fmt("ingest %.0f ev/s", (double)H.done / H.secs), g99 / 20.0, "<= 1.00",
		        g99 <= 20.0);
		free(H.lat.v);
		free(H.get_lat.v);
		reqs_free(&r2);
		stop_child(pid, SIGTERM);
	}

	/* ordex import against the raw transaction writing the rows of the
	 * whole corpus, as the import does */
	snprintf(dir, sizeof(dir), "%s/raw-import", work);
	double import_ref = probe_sqlite(dir, 512, 0, 120);
	add_row(fmt("ordex import / raw txn @ batch 512%s", irc ? " (import FAILED)" : ""), mode,
	        fmt("%.0f ev/s", import_rate),
	        fmt("%.0f ev/s, all %zu events", import_ref, rows_units(writer_rows)),
	        import_rate / import_ref, NULL, -1);
	add_row("durable HTTP best / ordex import", mode, fmt("%.0f ev/s", best.rate),
	        fmt("%.0f ev/s", import_rate), best.rate / import_rate, NULL, -1);

	/* peak RSS per 100k orders held: NDJSON bodies of 100 events */
	{
		snprintf(dir, sizeof(dir), "%s/rss", work);
		fresh_dir(dir);
		int port = next_port();
		pid_t pid = serve(dir, port, "full", false);
		long base = status_kb(pid, "VmRSS:");
		struct reqs r = {0};
		/* a corpus of its own, three times the others: SQLite's bounded page
		 * caches fill during the first third, so what the rest adds is what
		 * orders cost (with the main corpus the split was within the cache
		 * fill and two full runs gave 27.3 and 38.5 MB for the same build) */
		int rss_orders = quick ? orders : 3 * orders;
		struct corpus c3 = {0};
		snprintf(path, sizeof(path), "%s/corpus9.ndjson", work);
		snprintf(cmd, sizeof(cmd), "'%s' simulate --orders %d --seed 9 --start %s > '%s'",
		         bin, rss_orders, sim_start, path);
		if (system(cmd) != 0)
			die("ordex simulate failed");
		corpus_load(&c3, path);
		reqs_bodies(&r, &c3, 100);
		/* the first third, then the rest: the growth over the rest is what
		 * orders cost, apart from the fixed caches */
		struct reqs r1 = {r.p, r.len, r.n / 3},
		            r2 = {r.p + r.n / 3, r.len + r.n / 3, r.n - r.n / 3};
		struct load L = {.port = port, .conns = 4, .rq = &r1, .seconds = 120000000000LL};
		run_load(&L);
		long hwm1 = status_kb(pid, "VmHWM:");
		struct load L2 = {.port = port, .conns = 4, .rq = &r2, .seconds = 120000000000LL};
		run_load(&L2);
		long hwm = status_kb(pid, "VmHWM:");
		stop_child(pid, SIGTERM);
		double rest = rss_orders - (double)rss_orders / 3.0;
		double per100k = (double)(hwm - hwm1) / 1024.0 * 100000.0 / rest;
		double all100k = (double)(hwm - base) / 1024.0 * 100000.0 / rss_orders;
		add_row(fmt("peak RSS growth per 100k orders / 30 MB"), mode,
		        fmt("%.1f MB (last 2/3; all %.0f MB)", per100k, all100k),
		        fmt("HWM %.1f MB, %d orders", hwm / 1024.0, rss_orders), per100k / 30.0,
		        "<= 1.00", per100k <= 30.0);
		free(L2.lat.v);
		reqs_free(&r);
		free(L.lat.v);
		for (size_t i = 0; i < c3.n; i++)
			free(c3.line[i]);
		free(c3.line);
		free(c3.len);
	}

	/* kill -9 during ingest: every acknowledged event must come back */
	{
		snprintf(dir, sizeof(dir), "%s/crash", work);
		fresh_dir(dir);
		int port = next_port();
		pid_t pid = serve(dir, port, "full", false);
		struct reqs r = {0};
		reqs_events(&r, &c, 0, c.n);
		bool *ack = ordex_xcalloc(r.n, sizeof(bool));
		struct load L = {.port = port,
		                 .conns = 16,
		                 .rq = &r,
		                 .seconds = (int64_t)(D * 1e9),
		                 .kill_pid = pid,
		                 .kill_at_ns = (int64_t)(D * 0.6e9),
		                 .acked = ack};
		run_load(&L);
		waitpid(pid, NULL, 0);
		struct reqs again = {0};
		for (size_t i = 0; i < r.n; i++)
			if (ack[i])
				reqs_add(&again, "/v1/events", "application/json", c.line[i],
				         c.len[i]);
		pid = serve(dir, port, "full", false);
		struct load V = {.port = port, .conns = 16, .rq = &again, .seconds = 60000000000LL};
		run_load(&V);
		stop_child(pid, SIGTERM);
		size_t lost = V.s201 + (again.n - V.done);
		add_row("kill -9 during ingest: acknowledged events lost", mode,
		        fmt("%zu lost of %zu acked", lost, again.n), "0 allowed",
		        again.n ? (double)lost / (double)again.n : 0, "0", lost == 0);
		free(ack);
		reqs_free(&again);
		reqs_free(&r);
		free(L.lat.v);
		free(V.lat.v);
	}

	double secs = (double)(now_ns() - t_start) / 1e9;
	print_table(stdout);
	printf("\n%s run, %.0f s, %d CPUs; durability: sync=FULL is WAL + fsync per commit "
	       "(acknowledged = on disk)\n",
	       quick ? "quick" : "full", secs, n_cpus);
	(void)bare_best;
	(void)stub_best;
	write_json(json, quick, secs);
	printf("figures written to %s\n", json);
	reqs_free(&acked);
	return 0;
}

/*
 * bench load KEY PORT CONNS SECONDS FILE [PER_BODY]: posts the NDJSON
 * events of FILE, one per request (or PER_BODY per NDJSON body), to a
 * running server at closed loop over CONNS keep-alive connections, from
 * CPU 1 where there is one. For profiling a server by hand: the figures
 * are those of one run, with no reference.
 */
static int cmd_load(int argc, char **argv)
{
	key = argv[0];
	n_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (n_cpus >= 2)
		pin(1);
	struct corpus c = {0};
	corpus_load(&c, argv[4]);
	struct reqs r = {0};
	if (argc > 5 && atoi(argv[5]) > 1)
		reqs_bodies(&r, &c, (size_t)atoi(argv[5]));
	else
		reqs_events(&r, &c, 0, c.n);
	struct load L = {.port = atoi(argv[1]),
	                 .conns = atoi(argv[2]),
	                 .rq = &r,
	                 .seconds = (int64_t)(atof(argv[3]) * 1e9)};
	run_load(&L);
	printf(
	    "%zu requests in %.2f s: %.0f req/s, %zu answered 201, %zu 200, %zu other, %zu errors; "
	    "p50 %.2f ms p99 %.2f ms\n",
	    L.done, L.secs, (double)L.done / L.secs, L.s201, L.s200, L.other, L.errors,
	    lat_ms(&L.lat, 0.5), lat_ms(&L.lat, 0.99));
	return 0;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		die("could not initialize libsodium");
	if (argc == 4 && !strcmp(argv[1], "bare"))
		return run_bare(atoi(argv[2]), atoi(argv[3]));
	if ((argc == 7 || argc == 8) && !strcmp(argv[1], "load"))
		return cmd_load(argc - 2, argv + 2);
	if (argc == 6 && !strcmp(argv[1], "run"))
		return cmd_run(argv[2], argv[3], argv[4], atoi(argv[5]) != 0);
	fprintf(stderr,
	        "usage: bench run ORDEX WORKDIR RESULTS_JSON QUICK | bench bare PORT THREADS\n"
	        "       bench load KEY PORT CONNS SECONDS NDJSON [PER_BODY]\n");
	return 2;
}
