/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_writeback.c - approved actions reach the other systems exactly once.
 *
 * The test plays the other systems itself: a real HTTP server on loopback
 * (libmicrohttpd, a thread per connection) that answers as a Stripe-shaped
 * refund API, a Shopify-shaped Admin API, a support desk and a generic
 * webhook receiver, and can fail on command: 500, 429 with Retry-After, a
 * reset connection, an answer that is not JSON, a refusal with a code, and
 * a timeout after the side effect happened. It counts side effects by
 * idempotency key (a Stripe-like API answers a repeated key with the first
 * answer; a Shopify refund has no key, so every POST is a refund) and
 * checks every webhook signature. ordex serve runs with short timeouts and
 * retries, production pointed at one such server and sandbox at another.
 *
 * The field cases: CASE-01 (the provider's refund webhook overtakes the
 * API's answer), CASE-09 (a refusal is an exception with the target's
 * code, never re-sent by itself), CASE-13 (a timeout after the refund was
 * made: asked or re-sent under the same key, one refund). Then a crash
 * campaign: kill -9 of ordex serve at random points while actions are
 * being delivered.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "harness.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT_T;
#else
typedef enum MHD_Result MHD_RESULT_T;
#endif

/* ---- the other systems ---------------------------------------------------------- */

enum fail_mode {
	F_NONE,
	F_500,
	F_429,
	F_RESET,
	F_MALFORMED,     /* the side effect happens, the answer is not JSON */
	F_TIMEOUT_AFTER, /* the side effect happens, the answer comes too late */
	F_REFUSE,        /* 422 with a carrier's code */
	F_REFUSE_OTHER,  /* 409: a refusal not about the address */
	F_ECHO_FIRST,    /* the side effect happens, its webhook reaches ordex first */
};

#define MAX_EFFECTS 4096

struct effect {
	char key[128]; /* the idempotency key, or ordex's key in a Shopify note */
	char order[64];
	char path[160];
	int effects;     /* side effects made under this key */
	int requests;    /* requests that carried it */
	long ref;        /* the id the target gave */
	char body[1024]; /* the first request's body */
};

struct fake {
	pthread_mutex_t mu;
	struct MHD_Daemon *d;
	int port;
	char url[64];
	const char *secret; /* the webhook kind's, to check signatures */
	int requests, lookups, bad_signatures;
	enum fail_mode mode;
	int fail_next; /* requests still to fail in mode */
	int delay_ms;  /* every answer waits this long */
	struct effect e[MAX_EFFECTS];
	int n;
	long next_ref;
	/* Shopify fulfilment orders: one per order, open until held, more on command;
	 * a hold's notes are kept, as Shopify keeps them in fulfillment_holds */
	struct {
		char order[64];
		char status[16];
		char notes[160];
	} fo[256];
	int n_fo;
};

static struct harness h;
static struct ordex_arena *A;
static struct fake prod, sand;
static char fin[128], ops[128], support[128], viewer[128], sandbox[128], sandfin[128], sandops[128];
#define TIMEOUT_MS 400

struct upload {
	char *data;
	size_t len;
};

static struct effect *effect_of(struct fake *f, const char *key)
{
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->e[i].key, key))
			return &f->e[i];
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ordex's key in a Shopify refund's note: "... (ordex ordex:12:refund)" */
static void note_key(const char *body, char *out, size_t cap)
{
	out[0] = 0;
	const char *p = body ? strstr(body, "(ordex ") : NULL;
	if (p)
		snprintf(out, cap, "%.*s", (int)strcspn(p + 7, ")\""), p + 7);
}

static bool signature_ok(struct fake *f, struct MHD_Connection *c, const struct upload *u)
{
	const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Ordex-Signature");
	if (!sig || strncmp(sig, "t=", 2))
		return false;
	const char *v1 = strstr(sig, ",v1=");
	if (!v1)
		return false;
	char ts[32];
	snprintf(ts, sizeof(ts), "%.*s", (int)(v1 - sig - 2), sig + 2);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)f->secret, strlen(f->secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)u->data, u->len);
	crypto_auth_hmacsha256_final(&st, mac);
	char hex[2 * sizeof(mac) + 1];
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	long age = labs((long)time(NULL) - atol(ts));
	return !strcmp(v1 + 4, hex) && age < 300;
}

static MHD_RESULT_T reply(struct MHD_Connection *c, unsigned status, const char *body,
                          const char *retry_after)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (retry_after)
		MHD_add_response_header(r, "Retry-After", retry_after);
	MHD_RESULT_T ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void post_echo(const char *key, long ref, const char *body);

/* The fulfilment order of order (made open when first asked for); its index. */
static int fo_of(struct fake *f, const char *order)
{
	for (int i = 0; i < f->n_fo; i++)
		if (!strcmp(f->fo[i].order, order))
			return i;
	if (f->n_fo == 256)
		return 0;
	snprintf(f->fo[f->n_fo].order, sizeof(f->fo[0].order), "%s", order);
	snprintf(f->fo[f->n_fo].status, sizeof(f->fo[0].status), "open");
	return f->n_fo++;
}

static void fake_fo_status(struct fake *f, const char *order, const char *status)
{
	pthread_mutex_lock(&f->mu);
	snprintf(f->fo[fo_of(f, order)].status, sizeof(f->fo[0].status), "%s", status);
	pthread_mutex_unlock(&f->mu);
}

/* Another fulfilment order of order, in status, held with notes (NULL: none); its id. */
static int fake_fo_add(struct fake *f, const char *order, const char *status, const char *notes)
{
	pthread_mutex_lock(&f->mu);
	fo_of(f, order);
	int i = f->n_fo++;
	snprintf(f->fo[i].order, sizeof(f->fo[0].order), "%s", order);
	snprintf(f->fo[i].status, sizeof(f->fo[0].status), "%s", status);
	snprintf(f->fo[i].notes, sizeof(f->fo[0].notes), "%s", notes ? notes : "");
	pthread_mutex_unlock(&f->mu);
	return 9000 + i;
}

static const char *fo_status_of(struct fake *f, int id, char *out)
{
	pthread_mutex_lock(&f->mu);
	snprintf(out, 16, "%s", f->fo[id - 9000].status);
	pthread_mutex_unlock(&f->mu);
	return out;
}

static const char *fo_status(struct fake *f, const char *order, char *out)
{
	pthread_mutex_lock(&f->mu);
	snprintf(out, 16, "%s", f->fo[fo_of(f, order)].status);
	pthread_mutex_unlock(&f->mu);
	return out;
}

static MHD_RESULT_T on_request(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **con_cls)
{
	(void)version;
	struct fake *f = cls;
	struct upload *u = *con_cls;
	if (!u) {
		u = calloc(1, sizeof(*u));
		*con_cls = u;
		return MHD_YES;
	}
	if (*size) {
		u->data = realloc(u->data, u->len + *size + 1);
		memcpy(u->data + u->len, data, *size);
		u->len += *size;
		u->data[u->len] = 0;
		*size = 0;
		return MHD_YES;
	}
	char text[16384];
	snprintf(text, sizeof(text), "%.*s", (int)u->len, u->data ? u->data : "");

	/* a Stripe refund lookup: the payment's refunds with their metadata */
	if (!strcmp(method, "GET") && !strcmp(url, "/v1/refunds")) {
		const char *pi =
		    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "payment_intent");
		char want[96];
		snprintf(want, sizeof(want), "payment_intent=%s&", pi ? pi : "?");
		pthread_mutex_lock(&f->mu);
		f->lookups++;
		char out[8192] = "{\"object\":\"list\",\"has_more\":false,\"data\":[";
		size_t o = strlen(out);
		for (int i = 0; i < f->n; i++)
			if (!strcmp(f->e[i].path, "/v1/refunds") && strstr(f->e[i].body, want) &&
			    o < sizeof(out) - 200)
				o += (size_t)snprintf(
				    out + o, sizeof(out) - o,
				    "%s{\"id\":\"re_%ld\",\"metadata\":{\"ordex_key\":"
				    "\"%s\"}}",
				    out[o - 1] == '[' ? "" : ",", f->e[i].ref, f->e[i].key);
		snprintf(out + o, sizeof(out) - o, "]}");
		pthread_mutex_unlock(&f->mu);
		return reply(c, 200, out, NULL);
	}
	/* Shopify: an order's fulfilment orders, and holding or releasing one */
	const char *fos = strstr(url, "/fulfillment_orders");
	if (fos && !strcmp(method, "GET")) {
		const char *op = strstr(url, "/orders/");
		char order[64];
		snprintf(order, sizeof(order), "%.*s", op ? (int)strcspn(op + 8, "/") : 0,
		         op ? op + 8 : "");
		pthread_mutex_lock(&f->mu);
		f->lookups++;
		fo_of(f, order);
		char out[4096] = "{\"fulfillment_orders\":[";
		size_t o = strlen(out);
		for (int i = 0; i < f->n_fo && o < sizeof(out) - 400; i++) {
			if (strcmp(f->fo[i].order, order) != 0)
				continue;
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			                      "%s{\"id\":%d,\"order_id\":\"%s\",\"status\":\"%s\","
			                      "\"fulfillment_holds\":[",
			                      out[o - 1] == '[' ? "" : ",", 9000 + i, order,
			                      f->fo[i].status);
			if (!strcmp(f->fo[i].status, "on_hold"))
				o += (size_t)snprintf(
				    out + o, sizeof(out) - o,
				    "{\"reason\":\"other\",\"reason_notes\":\"%s\"}",
				    f->fo[i].notes[0] ? f->fo[i].notes : "held by the merchant");
			o += (size_t)snprintf(out + o, sizeof(out) - o, "]}");
		}
		snprintf(out + o, sizeof(out) - o, "]}");
		pthread_mutex_unlock(&f->mu);
		return reply(c, 200, out, NULL);
	}
	if (fos && !strcmp(method, "POST")) {
		int i = atoi(fos + strlen("/fulfillment_orders/")) - 9000;
		bool hold = strstr(url, "/hold.json") != NULL;
		pthread_mutex_lock(&f->mu);
		f->requests++;
		bool ok = i >= 0 && i < f->n_fo;
		if (ok) {
			snprintf(f->fo[i].status, sizeof(f->fo[0].status), "%s",
			         hold ? "on_hold" : "open");
			/* the hold's reason_notes, as sent */
			const char *rn = hold ? strstr(text, "\"reason_notes\":\"") : NULL;
			snprintf(f->fo[i].notes, sizeof(f->fo[0].notes), "%.*s",
			         rn ? (int)strcspn(rn + 16, "\"") : 0, rn ? rn + 16 : "");
			char key[64];
			snprintf(key, sizeof(key), "fo:%d:%s", 9000 + i, hold ? "hold" : "release");
			struct effect *e = effect_of(f, key);
			if (!e && f->n < MAX_EFFECTS) {
				e = &f->e[f->n++];
				memset(e, 0, sizeof(*e));
				snprintf(e->key, sizeof(e->key), "%s", key);
				snprintf(e->body, sizeof(e->body), "%.1000s", text);
			}
			if (e) {
				e->effects++;
				e->requests++;
			}
		}
		pthread_mutex_unlock(&f->mu);
		if (!ok)
			return reply(c, 404, "{\"errors\":\"Not Found\"}", NULL);
		char out[128];
		snprintf(out, sizeof(out), "{\"fulfillment_order\":{\"id\":%d,\"status\":\"%s\"}}",
		         9000 + i, hold ? "on_hold" : "open");
		return reply(c, 200, out, NULL);
	}
	/* a Shopify refund lookup: the order's refunds with their notes */
	if (!strcmp(method, "GET")) {
		pthread_mutex_lock(&f->mu);
		f->lookups++;
		char out[8192] = "{\"refunds\":[";
		size_t o = strlen(out);
		for (int i = 0; i < f->n; i++)
			if (strstr(url, "/refunds.json") && strstr(f->e[i].path, "/refunds.json") &&
			    !strncmp(url, f->e[i].path, strlen(url)) && o < sizeof(out) - 200)
				o += (size_t)snprintf(out + o, sizeof(out) - o,
				                      "%s{\"id\":%ld,\"note\":\"(ordex %s)\"}",
				                      out[o - 1] == '[' ? "" : ",", f->e[i].ref,
				                      f->e[i].key);
		snprintf(out + o, sizeof(out) - o, "]}");
		pthread_mutex_unlock(&f->mu);
		return reply(c, 200, out, NULL);
	}

	const char *ikey = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
	if (!ikey)
		ikey = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Ordex-Idempotency-Key");
	char key[128];
	bool keyed = ikey != NULL;
	if (ikey)
		snprintf(key, sizeof(key), "%s", ikey);
	else
		note_key(text, key, sizeof(key));
	bool webhook = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Ordex-Signature") != NULL;

	pthread_mutex_lock(&f->mu);
	f->requests++;
	if (webhook && !signature_ok(f, c, u))
		f->bad_signatures++;
	enum fail_mode mode = F_NONE;
	if (f->fail_next > 0) {
		mode = f->mode;
		f->fail_next--;
	}
	int delay = f->delay_ms;
	pthread_mutex_unlock(&f->mu);

	if (delay)
		sleep_ms(delay);
	switch (mode) {
	case F_500: return reply(c, 500, "{\"error\":{\"message\":\"internal error\"}}", NULL);
	case F_429: return reply(c, 429, "{\"error\":{\"message\":\"slow down\"}}", "1");
	case F_RESET: return MHD_NO; /* the connection is closed without an answer */
	case F_REFUSE:
		pthread_mutex_lock(&f->mu);
		if (f->n < MAX_EFFECTS) {
			struct effect *e = &f->e[f->n++];
			memset(e, 0, sizeof(*e));
			snprintf(e->key, sizeof(e->key), "refused:%s", key);
			e->requests = 1;
			snprintf(e->body, sizeof(e->body), "%.1000s", text);
		}
		pthread_mutex_unlock(&f->mu);
		return reply(c, 422,
		             "{\"error\":{\"code\":\"ADDRESS.PARAMETERS.INVALID_CHARACTER\","
		             "\"message\":\"address line 1 has characters the carrier does not "
		             "accept\"}}",
		             NULL);
	case F_REFUSE_OTHER:
		return reply(c, 409,
		             "{\"error\":{\"code\":\"ORDER_LOCKED\",\"message\":\"the order is "
		             "archived and cannot be changed\"}}",
		             NULL);
	default: break;
	}

	/* the side effect, once per key where the request carries one */
	pthread_mutex_lock(&f->mu);
	struct effect *e = key[0] ? effect_of(f, key) : NULL;
	if (!e && f->n < MAX_EFFECTS) {
		e = &f->e[f->n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->key, sizeof(e->key), "%s", key[0] ? key : "(none)");
		snprintf(e->path, sizeof(e->path), "%s", url);
		snprintf(e->body, sizeof(e->body), "%.1000s", text);
		e->ref = ++f->next_ref;
	}
	if (e) {
		e->requests++;
		if (!keyed || e->effects == 0)
			e->effects++;
	}
	long ref = e ? e->ref : 0;
	pthread_mutex_unlock(&f->mu);

	if (mode == F_ECHO_FIRST)
		post_echo(key, ref, text);
	if (mode == F_TIMEOUT_AFTER)
		sleep_ms(TIMEOUT_MS + 400);
	if (mode == F_MALFORMED)
		return reply(c, 200, "<html>502 Bad Gateway</html>", NULL);
	char out[256];
	if (strstr(url, "/v1/refunds"))
		snprintf(out, sizeof(out),
		         "{\"id\":\"re_%ld\",\"object\":\"refund\",\"status\":"
		         "\"succeeded\"}",
		         ref);
	else if (strstr(url, "/refunds.json"))
		snprintf(out, sizeof(out), "{\"refund\":{\"id\":%ld}}", ref);
	else if (strstr(url, "/fulfillment_orders/"))
		snprintf(out, sizeof(out), "{\"fulfillment_order\":{\"id\":%ld}}", ref);
	else if (strstr(url, "/tickets"))
		snprintf(out, sizeof(out), "{\"ticket\":{\"id\":%ld}}", ref);
	else
		snprintf(out, sizeof(out), "{\"received\":%ld}", ref);
	return reply(c, 200, out, NULL);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct upload *u = *con_cls;
	if (u) {
		free(u->data);
		free(u);
	}
	*con_cls = NULL;
}

static void fake_start(struct fake *f, const char *secret)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->mu, NULL);
	f->secret = secret;
	f->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
	                        NULL, NULL, on_request, f, MHD_OPTION_NOTIFY_COMPLETED, on_done,
	                        NULL, MHD_OPTION_END);
	assert_non_null(f->d);
	f->port = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT)->port;
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", f->port);
}

static void fake_fail(struct fake *f, enum fail_mode mode, int n)
{
	pthread_mutex_lock(&f->mu);
	f->mode = mode;
	f->fail_next = n;
	pthread_mutex_unlock(&f->mu);
}

/* Side effects and requests under key (an exact key, or ordex's key of action id). */
static int effects_of(struct fake *f, const char *key, int *requests)
{
	pthread_mutex_lock(&f->mu);
	struct effect *e = effect_of(f, key);
	int n = e ? e->effects : 0;
	if (requests)
		*requests = e ? e->requests : 0;
	pthread_mutex_unlock(&f->mu);
	return n;
}

/* ---- ordex -------------------------------------------------------------------------- */

static const char *at(int offset)
{
	return harness_at(A, offset);
}

static struct ordex_json *call(const char *method, const char *path, const char *key,
                               const char *body, long expect)
{
	struct http_resp r;
	http(&h, method, path, key, body ? "application/json" : NULL, body, body ? strlen(body) : 0,
	     &r);
	if (expect && r.status != expect)
		fail_msg("%s %s: expected %ld, got %ld: %s", method, path, expect, r.status,
		         r.body);
	struct ordex_json *doc = NULL;
	struct ordex_json_error jerr;
	if (r.body && r.len && ordex_json_parse(A, r.body, r.len, NULL, &doc, &jerr) != ORDEX_OK)
		fail_msg("%s %s: not JSON: %s", method, path, r.body);
	http_free(&r);
	return doc;
}

static void emit_as(const char *key, const char *source, const char *type, const char *order,
                    const char *data)
{
	char body[2048];
	static int n;
	snprintf(body, sizeof(body),
	         "{\"id\":\"wb-%d-%d\",\"source\":\"%s\",\"type\":\"%s\",\"occurred_at\":\"%s\","
	         "\"order\":\"%s\",\"data\":%s}",
	         (int)getpid(), ++n, source, type, at(0), order, data);
	struct http_resp r;
	http(&h, "POST", "/v1/events", key, "application/json", body, strlen(body), &r);
	if (r.status >= 300)
		fail_msg("%s: %ld %s", type, r.status, r.body);
	http_free(&r);
}

static int64_t case_of(const char *key, const char *order)
{
	char path[160];
	snprintf(path, sizeof(path), "/v1/cases?order=%s", order);
	struct ordex_json *d = call("GET", path, key, NULL, 200);
	int64_t id = int_at(d, "cases.0.id");
	if (id <= 0)
		fail_msg("no active case for %s", order);
	return id;
}

/* An order paid amount whose parcel hit an exception, in the environment of key. */
static int64_t paid_case(const char *key, const char *order, const char *amount, const char *name)
{
	char d[1024];
	snprintf(d, sizeof(d),
	         "{\"lines\":[{\"id\":\"L1\",\"sku\":\"SKU-%s\",\"qty\":1,\"price\":\"%s\"}],"
	         "\"total\":\"%s\",\"currency\":\"USD\",\"customer\":\"c-%s\",\"email\":"
	         "\"%s@example.test\",\"shipping_address\":{\"name\":\"%s\",\"line1\":\"12 Rue de "
	         "l\u2019\u00c9glise \U0001F3E1\",\"city\":\"Lyon\",\"postal_code\":\"69001\","
	         "\"country\":\"FR\"}}",
	         order, amount, amount, order, order, name ? name : "Ana");
	emit_as(key, "shop", "order.created", order, d);
	snprintf(d, sizeof(d), "{\"payment\":\"pi_%s\",\"amount\":\"%s\",\"currency\":\"USD\"}",
	         order, amount);
	emit_as(key, "psp", "payment.captured", order, d);
	snprintf(d, sizeof(d), "{\"shipment\":\"S-%s\",\"carrier\":\"UPS\",\"tracking\":\"1Z%s\"}",
	         order, order);
	emit_as(key, "carrier", "shipment.created", order, d);
	snprintf(d, sizeof(d),
	         "{\"shipment\":\"S-%s\",\"status\":\"exception\",\"reason\":\"damaged\"}", order);
	emit_as(key, "carrier", "shipment.updated", order, d);
	return case_of(key, order);
}

/* Proposes kind with payload on case c as requester, approved by approver (NULL:
 * the policy approves it); the action's id. */
static int64_t approved(int64_t c, const char *requester, const char *approver, const char *kind,
                        const char *payload)
{
	char path[96], body[1024];
	snprintf(path, sizeof(path), "/v1/cases/%lld/actions", (long long)c);
	snprintf(body, sizeof(body), "{\"kind\":\"%s\",\"payload\":%s,\"reason\":\"test\"}", kind,
	         payload);
	struct ordex_json *p = call("POST", path, requester, body, 201);
	int64_t id = int_at(p, "action.id");
	if (approver) {
		snprintf(body, sizeof(body), "{\"payload_sha256\":\"%s\"}",
		         str_at(p, "action.payload_sha256"));
		snprintf(path, sizeof(path), "/v1/actions/%lld/approve", (long long)id);
		call("POST", path, approver, body, 200);
	}
	return id;
}

static const char *key_of(int64_t action, const char *kind)
{
	return ordex_arena_printf(A, "ordex:%lld:%s", (long long)action, kind);
}

/* The writeback of an action, as GET /v1/writebacks/{id} shows it (NULL: none yet). */
static struct ordex_json *writeback_of(const char *key, int64_t action)
{
	char list[96] = "/v1/writebacks?limit=500";
	for (;;) {
		struct ordex_json *l = call("GET", list, key, NULL, 200);
		const struct ordex_json *rows = ordex_json_get(l, "writebacks");
		for (const struct ordex_json *r = rows ? rows->child : NULL; r; r = r->next) {
			if (int_at(r, "action") == action) {
				char path[64];
				snprintf(path, sizeof(path), "/v1/writebacks/%lld",
				         (long long)int_at(r, "id"));
				return call("GET", path, key, NULL, 200);
			}
		}
		const char *next = ordex_json_string(ordex_json_get(l, "next_cursor"));
		if (!next)
			return NULL;
		snprintf(list, sizeof(list), "/v1/writebacks?limit=500&cursor=%s", next);
	}
}

/* Waits until the action's writeback has status (up to seconds); its view. */
static struct ordex_json *wait_status(const char *key, int64_t action, const char *status,
                                      int seconds)
{
	struct ordex_json *w = NULL;
	for (int i = 0; i < seconds * 20; i++) {
		w = writeback_of(key, action);
		if (w && !strcmp(str_at(w, "status"), status))
			return w;
		sleep_ms(50);
	}
	fail_msg("writeback of action %lld: wanted %s, is %s (%s)", (long long)action, status,
	         w ? str_at(w, "status") : "absent", w ? str_at(w, "last_error") : "");
	return NULL;
}

static int db_int(const char *sql, const char *arg)
{
	return harness_db_int(&h, sql, arg);
}

/* The provider's own report of a refund, as its webhook would bring it (CASE-01). */
static void post_echo(const char *key, long ref, const char *body)
{
	/* the payment and order from the refund request's form */
	char order[64] = "", payment[64] = "";
	const char *o = strstr(body, "metadata%5Border%5D=");
	const char *p = strstr(body, "payment_intent=");
	if (o)
		snprintf(order, sizeof(order), "%.*s", (int)strcspn(o + 20, "&"), o + 20);
	if (p)
		snprintf(payment, sizeof(payment), "%.*s", (int)strcspn(p + 15, "&"), p + 15);
	const char *amount = strstr(body, "amount=");
	long minor = amount ? atol(amount + 7) : 0;
	char data[512];
	snprintf(data, sizeof(data),
	         "{\"payment\":\"%s\",\"refund\":\"re_%ld\",\"amount\":\"%ld.%02ld\",\"currency\":"
	         "\"USD\",\"writeback_key\":\"%s\"}",
	         payment, ref, minor / 100, minor % 100, key);
	emit_as(h.key, "stripe", "payment.refunded", order, data);
}

static void make_key(const char *env, const char *role, char *out)
{
	char *o = NULL;
	const char *args[] = {"key", "create", "--data", h.dir, "--env", env, "--role", role, NULL};
	assert_int_equal(harness_cli(args, &o, NULL), 0);
	snprintf(out, 128, "%.*s", (int)strcspn(o, "\n"), o);
	free(o);
}

static const char *const SERVE[] = {"--writeback-timeout", "400", "--writeback-retry", "50", NULL};

static void add_target(const char *key, const char *name, const char *kind, const char *url,
                       const char *secret, const char *actions)
{
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"name\":\"%s\",\"kind\":\"%s\",\"base_url\":\"%s\",\"secret\":\"%s\","
	         "\"actions\":%s}",
	         name, kind, url, secret, actions);
	struct ordex_json *t = call("POST", "/v1/targets", key, body, 201);
	assert_string_equal(str_at(t, "kind"), kind);
	assert_true(path_of(t, "credential")->type == ORDEX_JSON_TRUE);
	assert_null(ordex_json_get(t, "secret"));
}

static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	A = ordex_arena_new(1 << 16);
	fake_start(&prod, "whsec-production-0123456789");
	fake_start(&sand, "whsec-sandbox-0123456789");
	harness_init(&h);
	make_key("production", "finance_approver", fin);
	make_key("production", "ops_reviewer", ops);
	make_key("production", "support_agent", support);
	make_key("production", "viewer", viewer);
	make_key("sandbox", "admin", sandbox);
	make_key("sandbox", "finance_approver", sandfin);
	make_key("sandbox", "ops_reviewer", sandops);
	harness_serve(&h, SERVE);
	/* production: refunds to a Stripe-shaped API, messages to the desk, the rest signed */
	char u[96];
	snprintf(u, sizeof(u), "%s/", prod.url);
	add_target(h.key, "stripe", "stripe", prod.url, "sk_test_prod", "[\"refund\"]");
	snprintf(u, sizeof(u), "%s/desk", prod.url);
	add_target(h.key, "desk", "support", u, "desk-token",
	           "[\"contact_customer\",\"request_address_correction\"]");
	snprintf(u, sizeof(u), "%s/hooks/ordex", prod.url);
	add_target(h.key, "warehouse", "webhook", u, prod.secret,
	           "[\"hold_fulfillment\",\"release_hold\",\"reship\",\"cancel_order\"]");
	/* sandbox: refunds to a Shopify-shaped shop of its own */
	snprintf(u, sizeof(u), "%s/shop", sand.url);
	add_target(sandbox, "shop", "shopify", u, "shpat_sandbox",
	           "[\"refund\",\"hold_fulfillment\",\"release_hold\"]");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	harness_cleanup(&h);
	MHD_stop_daemon(prod.d);
	MHD_stop_daemon(sand.d);
	ordex_arena_free(A);
	curl_global_cleanup();
	return 0;
}

/* ---- the tests -------------------------------------------------------------------- */

static void targets_are_checked_and_never_show_their_secrets(void **state)
{
	(void)state;
	struct ordex_json *e = call("POST", "/v1/targets", h.key,
	                            "{\"name\":\"x\",\"kind\":\"fax\",\"base_url\":\"ftp://x\","
	                            "\"actions\":[\"refund\"],\"colour\":1}",
	                            422);
	char all[2048] = "";
	for (const struct ordex_json *p = ordex_json_get(e, "errors")->child; p; p = p->next)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s;", str_at(p, "field"));
	assert_non_null(strstr(all, "kind;"));
	assert_non_null(strstr(all, "colour;"));
	assert_non_null(strstr(all, "secret;"));
	/* no credentials in the URL, and plain HTTP only to this machine */
	const char *urls[] = {"https://user:pass@shop.example", "http://shop.example/x",
	                      "https://shop.example/?token=1", "http://127.attacker.example/x",
	                      "http://127.0.0.1.nip.io/x"};
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		char b[300];
		snprintf(b, sizeof(b),
		         "{\"name\":\"u\",\"kind\":\"webhook\",\"base_url\":\"%s\",\"secret\":"
		         "\"s\",\"actions\":[\"issue_credit\"]}",
		         urls[i]);
		e = call("POST", "/v1/targets", h.key, b, 422);
		assert_string_equal(str_at(e, "errors.0.field"), "base_url");
	}
	/* this machine, by its IPv6 loopback with a port, may be spoken to in plain HTTP */
	e = call("POST", "/v1/targets", h.key,
	         "{\"name\":\"v6\",\"kind\":\"webhook\",\"base_url\":\"http://[::1]:1/x\","
	         "\"secret\":\"s\",\"actions\":[\"substitute_line\"]}",
	         201);
	char del[64];
	snprintf(del, sizeof(del), "/v1/targets/%lld", (long long)int_at(e, "id"));
	call("DELETE", del, h.key, NULL, 200);
	/* a live payment key is refused in a sandbox */
	e = call("POST", "/v1/targets", sandbox,
	         "{\"name\":\"live\",\"kind\":\"webhook\",\"base_url\":\"https://pay.example\","
	         "\"secret\":\"sk_live_0123\",\"actions\":[\"issue_credit\"]}",
	         409);
	assert_string_equal(str_at(e, "errors.0.field"), "secret");
	/* a stripe target carries out refunds only */
	e = call("POST", "/v1/targets", h.key,
	         "{\"name\":\"x\",\"kind\":\"stripe\",\"base_url\":\"http://127.0.0.1:1\","
	         "\"secret\":\"sk_test_1\",\"actions\":[\"reship\",\"escalate\"]}",
	         422);
	assert_string_equal(str_at(e, "errors.0.field"), "actions[0]");
	assert_string_equal(str_at(e, "errors.0.reason"),
	                    "\"reship\" is not carried out by a stripe target (refund)");
	assert_non_null(strstr(str_at(e, "errors.1.reason"), "done inside ordex"));
	/* one target per action kind and environment */
	e = call("POST", "/v1/targets", h.key,
	         "{\"name\":\"y\",\"kind\":\"webhook\",\"base_url\":\"http://127.0.0.1:1\","
	         "\"secret\":\"s\",\"actions\":[\"refund\"]}",
	         409);
	assert_string_equal(str_at(e, "errors.0.field"), "actions[0]");
	/* the list shows no secret, anywhere */
	struct http_resp r;
	http(&h, "GET", "/v1/targets", h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "sk_test_prod"));
	assert_null(strstr(r.body, "desk-token"));
	assert_int_equal(count_of(&r, "\"credential\":true"), 3);
	http_free(&r);
	/* reading targets is for those who read; configuring them is an admin's */
	call("GET", "/v1/targets", viewer, NULL, 200);
	call("POST", "/v1/targets", ops,
	     "{\"name\":\"z\",\"kind\":\"webhook\",\"base_url\":\"http://127.0.0.1:1\","
	     "\"secret\":\"s\",\"actions\":[\"issue_credit\"]}",
	     403);
	assert_true(db_int("SELECT count(*) FROM audit WHERE kind = 'target.added'", NULL) >= 4);
}

static void a_refund_is_carried_out_once_with_its_idempotency_key(void **state)
{
	(void)state;
	int64_t c = paid_case(h.key, "WB-1", "80.00", NULL);
	int64_t id = approved(c, support, fin, "refund", "{\"amount\":\"30.00\"}");
	struct ordex_json *w = wait_status(viewer, id, "delivered", 10);
	const char *key = key_of(id, "refund");
	assert_string_equal(str_at(w, "idempotency_key"), key);
	assert_int_equal(int_at(w, "attempts"), 1);
	int requests;
	assert_int_equal(effects_of(&prod, key, &requests), 1);
	assert_int_equal(requests, 1);
	/* the form Stripe takes: minor units, the payment, ordex's key in the metadata */
	pthread_mutex_lock(&prod.mu);
	const char *body = effect_of(&prod, key)->body;
	assert_non_null(strstr(body, "payment_intent=pi_WB-1"));
	assert_non_null(strstr(body, "amount=3000"));
	assert_non_null(strstr(body, "metadata%5Bordex_key%5D=ordex%3A"));
	pthread_mutex_unlock(&prod.mu);
	/* the refund is booked by the provider's id; the action executed, the case resolved */
	assert_true(str_at(w, "external_ref")[0] == 'r');
	struct ordex_json *o = call("GET", "/v1/orders/WB-1", viewer, NULL, 200);
	assert_string_equal(str_at(o, "payments.0.refunded"), "30.00");
	char path[64];
	snprintf(path, sizeof(path), "/v1/actions/%lld", (long long)id);
	assert_string_equal(str_at(call("GET", path, viewer, NULL, 200), "action.status"),
	                    "executed");
	assert_true(db_int("SELECT count(*) FROM audit WHERE kind = 'writeback.delivered'", NULL) >=
	            1);
}

static void failures_are_retried_under_the_same_key_until_delivered(void **state)
{
	(void)state;
	/* a 500, a 429 saying come back in a second, a reset connection, then it works */
	int64_t c = paid_case(h.key, "WB-2", "60.00", NULL);
	fake_fail(&prod, F_500, 1);
	int64_t id = approved(c, support, fin, "refund", "{\"amount\":\"10.00\"}");
	const char *key = key_of(id, "refund");
	for (int i = 0; i < 100 && effects_of(&prod, key, NULL) == 0; i++) {
		pthread_mutex_lock(&prod.mu);
		bool done = prod.fail_next == 0;
		pthread_mutex_unlock(&prod.mu);
		if (done)
			break;
		sleep_ms(20);
	}
	fake_fail(&prod, F_429, 1);
	sleep_ms(300);
	struct ordex_json *w = wait_status(viewer, id, "delivered", 15);
	/* the 429 said one second: the next attempt waited for it (retries start at 50 ms) */
	assert_true(db_int("SELECT count(*) FROM outbox_attempts a JOIN outbox o ON o.id = "
	                   "a.outbox_id WHERE o.idem_key = ?1 AND a.http_status = 429",
	                   key_of(id, "refund")) == 1);
	assert_true(db_int("SELECT min(b.started_at - a.ended_at) >= 950000 FROM outbox_attempts a "
	                   "JOIN outbox o ON o.id = a.outbox_id JOIN outbox_attempts b ON "
	                   "b.outbox_id = a.outbox_id AND b.n = a.n + 1 WHERE o.idem_key = ?1 AND "
	                   "a.http_status = 429",
	                   key_of(id, "refund")) == 1);
	assert_true(int_at(w, "attempts") >= 2);
	/* the writeback shows every attempt: the 500, the 429, then the one that worked */
	int history = 0, retries = 0;
	for (const struct ordex_json *a = path_of(w, "history")->child; a; a = a->next) {
		history++;
		retries += !strcmp(str_at(a, "outcome"), "retry");
	}
	assert_int_equal(history, int_at(w, "attempts"));
	assert_true(retries >= 2);
	assert_string_equal(str_at(w, "history.0.error"), "internal error");
	int requests;
	assert_int_equal(effects_of(&prod, key, &requests), 1);
	assert_int_equal(
	    db_int("SELECT count(DISTINCT n) FROM outbox_attempts a JOIN outbox o ON o.id = "
	           "a.outbox_id WHERE o.idem_key = ?1",
	           key),
	    int_at(w, "attempts"));

	/* a reset connection and an answer that is not JSON: retried, still one refund */
	c = paid_case(h.key, "WB-3", "60.00", NULL);
	fake_fail(&prod, F_RESET, 1);
	id = approved(c, support, fin, "refund", "{\"amount\":\"11.00\"}");
	w = wait_status(viewer, id, "delivered", 15);
	assert_int_equal(effects_of(&prod, key_of(id, "refund"), NULL), 1);
	c = paid_case(h.key, "WB-4", "60.00", NULL);
	fake_fail(&prod, F_MALFORMED, 1);
	id = approved(c, support, fin, "refund", "{\"amount\":\"12.00\"}");
	w = wait_status(viewer, id, "delivered", 15);
	assert_int_equal(effects_of(&prod, key_of(id, "refund"), &requests), 1);
	assert_int_equal(requests, 1); /* an answer without the refund's id: asked, found */
	struct ordex_json *o = call("GET", "/v1/orders/WB-4", viewer, NULL, 200);
	assert_string_equal(str_at(o, "payments.0.refunded"), "12.00");
}

static void CASE_13_a_timeout_after_the_refund_was_made_is_not_a_second_refund(void **state)
{
	(void)state;
	/* Stripe-shaped: sent again under the same key, answered with the first refund */
	int64_t c = paid_case(h.key, "O-2201", "20.00", NULL);
	fake_fail(&prod, F_TIMEOUT_AFTER, 1);
	int64_t id = approved(c, support, fin, "refund", "{\"amount\":\"20.00\"}");
	const char *key = key_of(id, "refund");
	pthread_mutex_lock(&prod.mu);
	int lookups = prod.lookups;
	pthread_mutex_unlock(&prod.mu);
	struct ordex_json *w = wait_status(viewer, id, "delivered", 15);
	int requests;
	assert_int_equal(effects_of(&prod, key, &requests), 1);
	assert_int_equal(requests, 1); /* asked, found, not sent again */
	pthread_mutex_lock(&prod.mu);
	assert_true(prod.lookups > lookups);
	pthread_mutex_unlock(&prod.mu);
	assert_true(db_int("SELECT count(*) FROM outbox_attempts a JOIN outbox o ON o.id = "
	                   "a.outbox_id WHERE o.idem_key = ?1 AND a.outcome = 'unknown'",
	                   key) == 1);
	assert_true(db_int("SELECT count(*) FROM outbox_attempts a JOIN outbox o ON o.id = "
	                   "a.outbox_id WHERE o.idem_key = ?1 AND a.outcome = 'looked_up'",
	                   key) == 1);
	/* the provider's webhook about the same refund books nothing more */
	char data[256];
	snprintf(data, sizeof(data),
	         "{\"payment\":\"pi_O-2201\",\"refund\":\"%s\",\"amount\":\"20.00\",\"currency\":"
	         "\"USD\"}",
	         str_at(w, "external_ref"));
	emit_as(h.key, "stripe", "payment.refunded", "O-2201", data);
	struct ordex_json *o = call("GET", "/v1/orders/O-2201", viewer, NULL, 200);
	assert_string_equal(str_at(o, "payments.0.refunded"), "20.00");

	/* Shopify-shaped (no idempotency key): the shop is asked, and nothing is sent again */
	c = paid_case(sandbox, "O-2202", "25.00", NULL);
	fake_fail(&sand, F_TIMEOUT_AFTER, 1);
	id = approved(c, sandbox, sandfin, "refund", "{\"amount\":\"25.00\"}");
	key = key_of(id, "refund");
	w = wait_status(sandbox, id, "delivered", 15);
	assert_int_equal(effects_of(&sand, key, &requests), 1);
	assert_int_equal(requests, 1);
	pthread_mutex_lock(&sand.mu);
	assert_true(sand.lookups >= 1);
	pthread_mutex_unlock(&sand.mu);
	assert_true(db_int("SELECT count(*) FROM outbox_attempts a JOIN outbox o ON o.id = "
	                   "a.outbox_id WHERE o.idem_key = ?1 AND a.outcome = 'looked_up'",
	                   key) == 1);
}

static void CASE_01_the_refund_webhook_overtaking_the_answer_is_one_refund(void **state)
{
	(void)state;
	int64_t c = paid_case(h.key, "O-101", "50.00", NULL);
	fake_fail(&prod, F_ECHO_FIRST, 1);
	int64_t id = approved(c, support, fin, "refund", "{\"amount\":\"15.00\"}");
	const char *key = key_of(id, "refund");
	struct ordex_json *w = wait_status(viewer, id, "delivered", 15);
	int requests;
	assert_int_equal(effects_of(&prod, key, &requests), 1);
	assert_int_equal(requests, 1); /* no second gateway call */
	struct ordex_json *o = call("GET", "/v1/orders/O-101", viewer, NULL, 200);
	assert_string_equal(str_at(o, "payments.0.refunded"), "15.00");
	assert_int_equal(db_int("SELECT count(*) FROM refunds r JOIN payments p ON p.id = "
	                        "r.payment_id WHERE p.ref = 'pi_O-101'",
	                        NULL),
	                 1);
	/* the receipt of the webhook and the API's answer are both in the audit log */
	assert_true(
	    db_int("SELECT count(*) FROM audit WHERE kind = 'writeback.echo' AND subject = ?1",
	           key) == 1);
	assert_true(db_int("SELECT count(*) FROM audit WHERE kind = 'writeback.delivered' AND "
	                   "subject = ?1",
	                   key) >= 1);
	(void)w;
}

static void a_provider_report_that_differs_from_what_was_sent_is_a_state_conflict(void **state)
{
	(void)state;
	int64_t c = paid_case(h.key, "WB-R1", "50.00", NULL);
	int64_t id = approved(c, support, fin, "refund", "{\"amount\":\"10.00\"}");
	struct ordex_json *w = wait_status(viewer, id, "delivered", 10);
	char data[300];
	snprintf(data, sizeof(data),
	         "{\"payment\":\"pi_WB-R1\",\"refund\":\"%s\",\"amount\":\"12.00\",\"currency\":"
	         "\"USD\",\"writeback_key\":\"%s\"}",
	         str_at(w, "external_ref"), key_of(id, "refund"));
	emit_as(h.key, "stripe", "payment.refunded", "WB-R1", data);
	struct ordex_json *x =
	    call("GET", "/v1/exceptions?order=WB-R1&kind=state_conflict", viewer, NULL, 200);
	const char *why = str_at(x, "exceptions.0.why");
	if (!strstr(why, "10.00") || !strstr(why, "12.00"))
		fail_msg("both sides are not shown: %s", why);
	/* the provider later reports the refund failed: ordex's delivered refund disagrees */
	snprintf(data, sizeof(data),
	         "{\"payment\":\"pi_WB-R1\",\"refund\":\"%s\",\"amount\":\"10.00\",\"currency\":"
	         "\"USD\",\"refund_status\":\"failed\",\"writeback_key\":\"%s\"}",
	         str_at(w, "external_ref"), key_of(id, "refund"));
	emit_as(h.key, "stripe", "payment.refunded", "WB-R1", data);
	x = call("GET", "/v1/exceptions?order=WB-R1&kind=state_conflict&status=open", viewer, NULL,
	         200);
	int conflicts = 0;
	for (const struct ordex_json *e = ordex_json_get(x, "exceptions")->child; e; e = e->next)
		conflicts += strstr(str_at(e, "why"), "has not been refunded") != NULL;
	assert_int_equal(conflicts, 1);
	assert_string_equal(str_at(writeback_of(viewer, id), "status"), "delivered");
	/* the advice: finance looks at it; the customer is told nothing about a cancellation */
	char path[96];
	snprintf(path, sizeof(path), "/v1/cases/%lld", (long long)case_of(viewer, "WB-R1"));
	struct ordex_json *v = call("GET", path, viewer, NULL, 200);
	bool finance = false;
	for (const struct ordex_json *p = path_of(v, "advice.actions")->child; p; p = p->next)
		finance = finance || (!strcmp(str_at(p, "kind"), "escalate") &&
		                      !strcmp(str_at(p, "payload.queue"), "finance"));
	assert_true(finance);
	assert_null(strstr(str_at(v, "advice.message.text"), "cancelled"));
}

static void a_shopify_hold_acts_on_each_fulfilment_order_once(void **state)
{
	(void)state;
	char st[16];
	/* the order's fulfilment order is read, then held by its own id */
	int64_t c = paid_case(sandbox, "WB-H1", "20.00", NULL);
	int64_t id = approved(c, sandbox, sandops, "hold_fulfillment", "{\"reason\":\"check\"}");
	struct ordex_json *w = wait_status(sandbox, id, "delivered", 10);
	assert_string_equal(fo_status(&sand, "WB-H1", st), "on_hold");
	char key[64];
	snprintf(key, sizeof(key), "fo:%s:hold", str_at(w, "external_ref"));
	assert_int_equal(effects_of(&sand, key, NULL), 1);
	pthread_mutex_lock(&sand.mu);
	struct effect *e = effect_of(&sand, key);
	assert_non_null(strstr(e->body, "(ordex ordex:"));
	pthread_mutex_unlock(&sand.mu);
	/* held already (by someone at the shop): nothing is sent, and it is done */
	c = paid_case(sandbox, "WB-H2", "20.00", NULL);
	fake_fo_status(&sand, "WB-H2", "on_hold");
	pthread_mutex_lock(&sand.mu);
	int before = sand.requests;
	pthread_mutex_unlock(&sand.mu);
	id = approved(c, sandbox, sandops, "hold_fulfillment", "{\"reason\":\"check\"}");
	wait_status(sandbox, id, "delivered", 10);
	pthread_mutex_lock(&sand.mu);
	assert_int_equal(sand.requests, before);
	pthread_mutex_unlock(&sand.mu);
	/* a release takes the holds ordex placed, and leaves the merchant's */
	c = paid_case(sandbox, "WB-H3", "20.00", NULL);
	fake_fo_status(&sand, "WB-H3", "closed");
	int ours = fake_fo_add(&sand, "WB-H3", "on_hold", "check (ordex ordex:1:hold_fulfillment)");
	int theirs = fake_fo_add(&sand, "WB-H3", "on_hold", NULL);
	id = approved(c, sandbox, sandops, "release_hold", "{\"reason\":\"cleared\"}");
	w = wait_status(sandbox, id, "delivered", 10);
	assert_string_equal(fo_status_of(&sand, ours, st), "open");
	assert_string_equal(fo_status_of(&sand, theirs, st), "on_hold");
	char ours_id[16];
	snprintf(ours_id, sizeof(ours_id), "%d", ours);
	assert_string_equal(str_at(w, "external_ref"), ours_id);
	snprintf(key, sizeof(key), "fo:%d:release", ours);
	assert_int_equal(effects_of(&sand, key, NULL), 1);
	snprintf(key, sizeof(key), "fo:%d:release", theirs);
	assert_int_equal(effects_of(&sand, key, NULL), 0);
	/* an order whose every fulfilment order is past holding: the hold is dead,
	 * with the statuses, for a person to see, and nothing is sent */
	c = paid_case(sandbox, "WB-H4", "20.00", NULL);
	fake_fo_status(&sand, "WB-H4", "closed");
	fake_fo_add(&sand, "WB-H4", "in_progress", NULL);
	id = approved(c, sandbox, sandops, "hold_fulfillment", "{\"reason\":\"check\"}");
	w = wait_status(sandbox, id, "dead", 10);
	assert_non_null(strstr(str_at(w, "last_error"), "can be held"));
	assert_non_null(strstr(str_at(w, "last_error"), "in_progress"));
	struct ordex_json *x =
	    call("GET", "/v1/exceptions?order=WB-H4&kind=writeback_failed", sandbox, NULL, 200);
	assert_non_null(path_of(x, "exceptions.0"));
}

static void CASE_09_a_refusal_is_an_exception_with_the_targets_code_and_is_not_resent(void **state)
{
	(void)state;
	int64_t c = paid_case(h.key, "O-1501", "30.00", "Zo\u00eb \u00dcnal \U0001F381");
	fake_fail(&prod, F_REFUSE, 1);
	int64_t id = approved(c, support, ops, "reship", "{\"reason\":\"damaged\"}");
	const char *key = key_of(id, "reship");
	struct ordex_json *w = wait_status(viewer, id, "dead", 10);
	assert_int_equal(int_at(w, "last_status"), 422);
	assert_non_null(strstr(str_at(w, "last_error"), "ADDRESS.PARAMETERS.INVALID_CHARACTER"));
	/* the name and address went out byte-exact, as UTF-8 */
	char refused_key[160];
	snprintf(refused_key, sizeof(refused_key), "refused:%s", key);
	pthread_mutex_lock(&prod.mu);
	struct effect *e = effect_of(&prod, refused_key);
	assert_non_null(e);
	if (!strstr(e->body, "Zo\u00eb \u00dcnal \U0001F381"))
		fail_msg("not byte-exact: %s", e->body);
	assert_non_null(strstr(e->body, "l\u2019\u00c9glise \U0001F3E1"));
	pthread_mutex_unlock(&prod.mu);
	/* an exception on the order carries the carrier's code */
	struct ordex_json *x =
	    call("GET", "/v1/exceptions?order=O-1501&kind=address_invalid", viewer, NULL, 200);
	assert_non_null(
	    strstr(str_at(x, "exceptions.0.why"), "ADDRESS.PARAMETERS.INVALID_CHARACTER"));
	/* and nothing is sent again by itself */
	sleep_ms(1000);
	int requests;
	assert_int_equal(effects_of(&prod, key, &requests), 0);
	assert_int_equal(int_at(writeback_of(viewer, id), "attempts"), 1);
	/* a person retries the same request: carried out once, and the exception clears */
	char path[96];
	snprintf(path, sizeof(path), "/v1/writebacks/%lld/retry", (long long)int_at(w, "id"));
	call("POST", path, ops, "{}", 403); /* a reviewer does not handle dead letters */
	call("POST", path, h.key, "{\"reason\":\"the carrier takes UTF-8 now\"}", 200);
	wait_status(viewer, id, "delivered", 10);
	assert_int_equal(effects_of(&prod, key, NULL), 1);
	x = call("GET", "/v1/exceptions?order=O-1501&kind=address_invalid&status=open", viewer,
	         NULL, 200);
	assert_null(path_of(x, "exceptions.0"));
	call("POST", path, h.key, NULL, 409); /* only a dead one is retried */
	assert_true(db_int("SELECT count(*) FROM audit WHERE kind = 'writeback.retried'", NULL) ==
	            1);
}

static void a_dead_letter_can_be_cancelled_and_the_metrics_show_the_outbox(void **state)
{
	(void)state;
	int64_t c = paid_case(h.key, "WB-5", "40.00", NULL);
	fake_fail(&prod, F_REFUSE_OTHER, 1);
	int64_t id = approved(c, support, ops, "hold_fulfillment", "{\"reason\":\"check\"}");
	struct ordex_json *w = wait_status(viewer, id, "dead", 10);
	/* a refusal not about the address: writeback_failed, with the target's words, and
	 * the advice is to have operations retry or cancel it */
	struct ordex_json *x =
	    call("GET", "/v1/exceptions?order=WB-5&kind=writeback_failed&status=open", viewer, NULL,
	         200);
	assert_non_null(strstr(str_at(x, "exceptions.0.why"), "ORDER_LOCKED"));
	char path[96];
	snprintf(path, sizeof(path), "/v1/cases/%lld", (long long)case_of(viewer, "WB-5"));
	struct ordex_json *v = call("GET", path, viewer, NULL, 200);
	bool ops_escalation = false;
	for (const struct ordex_json *p = path_of(v, "advice.actions")->child; p; p = p->next)
		ops_escalation =
		    ops_escalation || (!strcmp(str_at(p, "kind"), "escalate") &&
		                       !strcmp(str_at(p, "payload.queue"), "operations"));
	assert_true(ops_escalation);
	snprintf(path, sizeof(path), "/v1/writebacks/%lld/cancel", (long long)int_at(w, "id"));
	call("POST", path, h.key, "{\"reason\":\"held by phone\"}", 200);
	snprintf(path, sizeof(path), "/v1/actions/%lld", (long long)id);
	assert_string_equal(str_at(call("GET", path, viewer, NULL, 200), "action.status"),
	                    "cancelled");
	struct ordex_json *l = call("GET", "/v1/writebacks", viewer, NULL, 200);
	assert_true(int_at(l, "counts.delivered") >= 5);
	assert_true(int_at(l, "counts.cancelled") >= 1);
	assert_true(int_at(l, "counts.failed_attempts") >= 3);
	assert_int_equal(int_at(l, "counts.pending"), 0);
	struct http_resp r;
	http(&h, "GET", "/metrics", h.key, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "ordex_writeback_delivered_total"));
	assert_true(has(&r, "ordex_writeback_dead_total"));
	http_free(&r);
	/* the webhook receiver checked every signature */
	pthread_mutex_lock(&prod.mu);
	assert_int_equal(prod.bad_signatures, 0);
	pthread_mutex_unlock(&prod.mu);
}

static void a_sandbox_never_reaches_a_production_target(void **state)
{
	(void)state;
	/* a sandbox target may not point at the origin of production's, whatever the path
	 * (the scheme's and host's case do not make it another place) */
	char body[300];
	snprintf(body, sizeof(body),
	         "{\"name\":\"p\",\"kind\":\"webhook\",\"base_url\":\"HTTP://127.0.0.1:%d/"
	         "elsewhere\",\"secret\":\"s\",\"actions\":[\"cancel_order\"]}",
	         prod.port);
	struct ordex_json *e = call("POST", "/v1/targets", sandbox, body, 409);
	assert_string_equal(str_at(e, "errors.0.field"), "base_url");
	/* a sandbox cancellation: production's webhook target carries cancellations, the
	 * sandbox has no target for them, so it stays approved and nothing is sent */
	pthread_mutex_lock(&prod.mu);
	int before = prod.requests;
	pthread_mutex_unlock(&prod.mu);
	int64_t c = paid_case(sandbox, "WB-S1", "10.00", NULL);
	int64_t id = approved(c, sandbox, sandops, "cancel_order", "{\"reason\":\"x\"}");
	sleep_ms(800);
	char path[64];
	snprintf(path, sizeof(path), "/v1/actions/%lld", (long long)id);
	assert_string_equal(str_at(call("GET", path, sandbox, NULL, 200), "action.status"),
	                    "approved");
	pthread_mutex_lock(&prod.mu);
	assert_int_equal(prod.requests, before);
	pthread_mutex_unlock(&prod.mu);
	/* and neither environment sees the other's targets or outbox */
	struct http_resp r;
	http(&h, "GET", "/v1/writebacks?limit=500", sandbox, NULL, NULL, 0, &r);
	assert_null(strstr(r.body, "WB-1"));
	http_free(&r);
	http(&h, "GET", "/v1/targets", sandbox, NULL, NULL, 0, &r);
	assert_null(strstr(r.body, "stripe"));
	http_free(&r);
	snprintf(path, sizeof(path), "/v1/writebacks/%lld",
	         (long long)int_at(
	             writeback_of(viewer, approved(paid_case(h.key, "WB-6", "9.00", NULL), support,
	                                           fin, "refund", "{\"amount\":\"1.00\"}")),
	             "id"));
	call("GET", path, sandbox, NULL, 404);
}

/* The circuit of a target that keeps failing opens, holds, and closes on one probe. */
static void a_failing_target_opens_its_circuit_and_one_probe_closes_it(void **state)
{
	(void)state;
	char u[96];
	snprintf(u, sizeof(u), "%s/flaky", sand.url);
	char body[300];
	snprintf(body, sizeof(body),
	         "{\"name\":\"flaky\",\"kind\":\"webhook\",\"base_url\":\"%s\",\"secret\":\"s\","
	         "\"actions\":[\"issue_credit\"]}",
	         u);
	call("POST", "/v1/targets", sandbox, body, 201);
	fake_fail(&sand, F_500, 1000);
	int64_t c1 = paid_case(sandbox, "WB-F1", "20.00", NULL);
	int64_t a1 = approved(c1, sandbox, sandfin, "issue_credit",
	                      "{\"amount\":\"5.00\",\"currency\":\"USD\"}");
	/* five failures in a row (50, 100, 200, 400 ms apart) open it */
	const char *circuit = "";
	for (int i = 0; i < 100; i++) {
		struct ordex_json *ts = call("GET", "/v1/targets", sandbox, NULL, 200);
		for (const struct ordex_json *t = ordex_json_get(ts, "targets")->child; t;
		     t = t->next)
			if (!strcmp(str_at(t, "name"), "flaky"))
				circuit = str_at(t, "circuit");
		if (!strcmp(circuit, "open"))
			break;
		sleep_ms(100);
	}
	assert_string_equal(circuit, "open");
	/* while it is open nothing is sent, also for a row queued meanwhile */
	int64_t c2 = paid_case(sandbox, "WB-F2", "20.00", NULL);
	int64_t a2 = approved(c2, sandbox, sandfin, "issue_credit",
	                      "{\"amount\":\"6.00\",\"currency\":\"USD\"}");
	pthread_mutex_lock(&sand.mu);
	int before = sand.requests;
	sand.fail_next = 0; /* the target has recovered, but ordex does not know yet */
	pthread_mutex_unlock(&sand.mu);
	sleep_ms(2000);
	pthread_mutex_lock(&sand.mu);
	assert_int_equal(sand.requests, before);
	pthread_mutex_unlock(&sand.mu);
	/* after 30 s one row probes; its success closes the circuit and wakes the other */
	wait_status(sandbox, a1, "delivered", 40);
	wait_status(sandbox, a2, "delivered", 5);
	assert_int_equal(effects_of(&sand, key_of(a1, "issue_credit"), NULL), 1);
	assert_int_equal(effects_of(&sand, key_of(a2, "issue_credit"), NULL), 1);
	struct ordex_json *ts = call("GET", "/v1/targets", sandbox, NULL, 200);
	for (const struct ordex_json *t = ordex_json_get(ts, "targets")->child; t; t = t->next)
		if (!strcmp(str_at(t, "name"), "flaky")) {
			assert_string_equal(str_at(t, "circuit"), "closed");
			assert_int_equal(int_at(t, "failures_in_a_row"), 0);
		}
}

static void shadow_mode_records_what_would_be_sent(void **state)
{
	(void)state;
	char u[96];
	snprintf(u, sizeof(u), "%s/shadow", sand.url);
	char body[300];
	snprintf(body, sizeof(body),
	         "{\"name\":\"quiet\",\"kind\":\"support\",\"base_url\":\"%s\",\"secret\":\"t\","
	         "\"actions\":[\"contact_customer\"],\"shadow\":true}",
	         u);
	call("POST", "/v1/targets", sandbox, body, 201);
	pthread_mutex_lock(&sand.mu);
	int before = sand.requests;
	pthread_mutex_unlock(&sand.mu);
	int64_t c = paid_case(sandbox, "WB-S2", "10.00", NULL);
	/* a message goes through by the policy: no approver */
	int64_t id =
	    approved(c, sandbox, NULL, "contact_customer",
	             "{\"message\":\"Your parcel was damaged; a new one is on its way.\"}");
	struct ordex_json *w = wait_status(sandbox, id, "shadowed", 10);
	assert_non_null(strstr(str_at(w, "answer"), "POST "));
	assert_non_null(strstr(str_at(w, "answer"), "a new one is on its way"));
	assert_null(strstr(str_at(w, "answer"), "Bearer t"));
	pthread_mutex_lock(&sand.mu);
	assert_int_equal(sand.requests, before);
	pthread_mutex_unlock(&sand.mu);
}

static void the_command_line_configures_targets_and_handles_dead_letters(void **state)
{
	(void)state;
	char url[96];
	snprintf(url, sizeof(url), "%s/cli", sand.url);
	char *out = NULL, *err = NULL;
	const char *bad[] = {"target",    "add",    "--data",   h.dir, "--env", "sandbox",
	                     "--name",    "x",      "--kind",   "fax", "--url", url,
	                     "--actions", "refund", "--secret", "s",   NULL};
	assert_int_equal(harness_cli(bad, &out, &err), 2);
	assert_non_null(strstr(err, "kind"));
	free(out);
	free(err);
	const char *add[] = {"target",       "add",    "--data",    h.dir,         "--env",
	                     "sandbox",      "--name", "credits",   "--kind",      "webhook",
	                     "--url",        url,      "--actions", "cancel_line", "--secret",
	                     "cli-secret-1", NULL};
	assert_int_equal(harness_cli(add, &out, &err), 0);
	long id = atol(out);
	assert_true(id > 0);
	free(out);
	free(err);
	const char *list[] = {"target", "list", "--data", h.dir, "--env", "sandbox", NULL};
	assert_int_equal(harness_cli(list, &out, NULL), 0);
	assert_non_null(strstr(out, "credits"));
	assert_null(strstr(out, "cli-secret-1"));
	free(out);

	/* a dead letter, retried from the command line */
	int64_t c = paid_case(h.key, "WB-CLI", "40.00", NULL);
	fake_fail(&prod, F_REFUSE, 1);
	int64_t action = approved(c, support, ops, "cancel_order", "{\"reason\":\"fraud\"}");
	struct ordex_json *w = wait_status(viewer, action, "dead", 10);
	const char *dead[] = {"writeback", "list", "--data", h.dir, "--status", "dead", NULL};
	assert_int_equal(harness_cli(dead, &out, NULL), 0);
	assert_non_null(strstr(out, key_of(action, "cancel_order")));
	free(out);
	char wid[32];
	snprintf(wid, sizeof(wid), "%lld", (long long)int_at(w, "id"));
	const char *retry[] = {"writeback", "retry",    wid,     "--data",
	                       h.dir,       "--reason", "fixed", NULL};
	assert_int_equal(harness_cli(retry, NULL, NULL), 0);
	wait_status(viewer, action, "delivered", 10);
	assert_int_equal(effects_of(&prod, key_of(action, "cancel_order"), NULL), 1);
	assert_int_equal(harness_cli(retry, NULL, &err), 1); /* delivered: nothing to retry */
	assert_non_null(strstr(err, "only a dead one"));
	free(err);
	char tid[32];
	snprintf(tid, sizeof(tid), "%ld", id);
	const char *rm[] = {"target", "remove", tid, "--data", h.dir, "--env", "sandbox", NULL};
	assert_int_equal(harness_cli(rm, NULL, NULL), 0);
	assert_int_equal(harness_cli(rm, NULL, NULL), 1);
}

/* ---- the crash campaign ------------------------------------------------------------ */

static void crash_campaign_loses_no_action_and_repeats_no_side_effect(void **state)
{
	(void)state;
	int kills = getenv("ORDEX_CRASH_KILLS") ? atoi(getenv("ORDEX_CRASH_KILLS")) : 200;
	unsigned seed = (unsigned)time(NULL);
	srand(seed);
	prod.delay_ms = 15; /* answers take a while: kills land while requests are out */
	sand.delay_ms = 15;
	int64_t ids[1024];
	const char *kinds[1024], *orders[1024];
	struct fake *at_target[1024];
	const char *reader[1024];
	int n = 0;
	for (int k = 0; k < kills && n < 1024; k++) {
		/* one more approved action, then a kill at a random point of its delivery:
		 * a Stripe refund (keyed), a message to the desk (keyed), or a Shopify refund
		 * in the sandbox, which has no key: every POST there is a refund, and only
		 * asking the shop after a crash keeps it from being made twice */
		orders[n] = ordex_arena_printf(A, "WB-C%d", k);
		int which = k % 3;
		const char *owner = which == 2 ? sandbox : h.key;
		int64_t c = paid_case(owner, orders[n], "5.00", NULL);
		kinds[n] = which == 1 ? "contact_customer" : "refund";
		at_target[n] = which == 2 ? &sand : &prod;
		reader[n] = which == 2 ? sandbox : viewer;
		ids[n] = which == 0 ? approved(c, support, fin, "refund", "{\"amount\":\"1.00\"}")
		         : which == 1
		             ? approved(c, support, NULL, "contact_customer",
		                        "{\"message\":\"news about your order\"}")
		             : approved(c, sandbox, sandfin, "refund", "{\"amount\":\"1.00\"}");
		n++;
		sleep_ms(rand() % 60);
		harness_kill9(&h);
		harness_serve(&h, SERVE);
	}
	/* let it finish, then count */
	int lost = 0, duplicates = 0, resent = 0, refunds_wrong = 0;
	for (int i = 0; i < n; i++) {
		wait_status(reader[i], ids[i], "delivered", 30);
		int requests;
		int eff = effects_of(at_target[i], key_of(ids[i], kinds[i]), &requests);
		if (eff == 0)
			lost++;
		if (eff > 1)
			duplicates++;
		if (requests > 1)
			resent += requests - 1;
		if (at_target[i] == &prod && !strcmp(kinds[i], "refund")) {
			char path[64];
			snprintf(path, sizeof(path), "/v1/orders/%s", orders[i]);
			struct ordex_json *o = call("GET", path, viewer, NULL, 200);
			refunds_wrong += strcmp(str_at(o, "payments.0.refunded"), "1.00") != 0;
		}
	}
	sand.delay_ms = 0;
	prod.delay_ms = 0;
	char *out = NULL;
	const char *args[] = {"audit", "verify", "--data", h.dir, NULL};
	int verify = harness_cli(args, &out, NULL);
	printf("crash campaign (seed %u): %d kills, %d approved actions, lost %d, duplicate side "
	       "effects %d, refunds booked other than once %d, requests sent again under the same "
	       "key %d; audit verify %s\n",
	       seed, kills, n, lost, duplicates, refunds_wrong, resent,
	       verify == 0 ? "ok" : "FAILED");
	free(out);
	assert_int_equal(lost, 0);
	assert_int_equal(duplicates, 0);
	assert_int_equal(refunds_wrong, 0);
	assert_int_equal(verify, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(targets_are_checked_and_never_show_their_secrets),
	    cmocka_unit_test(a_refund_is_carried_out_once_with_its_idempotency_key),
	    cmocka_unit_test(failures_are_retried_under_the_same_key_until_delivered),
	    cmocka_unit_test(CASE_13_a_timeout_after_the_refund_was_made_is_not_a_second_refund),
	    cmocka_unit_test(CASE_01_the_refund_webhook_overtaking_the_answer_is_one_refund),
	    cmocka_unit_test(a_provider_report_that_differs_from_what_was_sent_is_a_state_conflict),
	    cmocka_unit_test(a_shopify_hold_acts_on_each_fulfilment_order_once),
	    cmocka_unit_test(
	        CASE_09_a_refusal_is_an_exception_with_the_targets_code_and_is_not_resent),
	    cmocka_unit_test(a_dead_letter_can_be_cancelled_and_the_metrics_show_the_outbox),
	    cmocka_unit_test(a_sandbox_never_reaches_a_production_target),
	    cmocka_unit_test(a_failing_target_opens_its_circuit_and_one_probe_closes_it),
	    cmocka_unit_test(shadow_mode_records_what_would_be_sent),
	    cmocka_unit_test(the_command_line_configures_targets_and_handles_dead_letters),
	    cmocka_unit_test(crash_campaign_loses_no_action_and_repeats_no_side_effect),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
