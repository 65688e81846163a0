/* SPDX-License-Identifier: Apache-2.0 */
/*
 * target.c - requests and answers per kind of target (see target.h).
 *
 * An outbox row's request is what ordex decided, as JSON:
 *   {"action": {"id", "kind", "payload", "reason", "approved_by"},
 *    "case", "order": {"ref", "email", "currency", "total"}, "ticket"}
 * and each kind turns it into its own call. Amounts go out in the form the
 * target takes (Stripe: minor units of the payment's currency; Shopify and
 * the webhook: the decimal string ordex approved, with its currency).
 */
#include "writeback/target.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "ingest/event.h"
#include "store/store.h"

static const struct {
	const char *kind;
	const char *actions;
} kinds[] = {
    {"webhook", " hold_fulfillment release_hold refund cancel_order cancel_line substitute_line "
                "reship request_address_correction issue_credit contact_customer "},
    {"shopify", " hold_fulfillment release_hold refund cancel_order "},
    {"stripe", " refund "},
    {"support", " contact_customer request_address_correction "},
};

const char *ordex_target_kind_actions(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].kind, kind))
			return kinds[i].actions;
	return NULL;
}

bool ordex_target_carries(struct ordex_arena *a, const char *actions_json, const char *kind)
{
	struct ordex_json *k;
	struct ordex_json_error jerr;
	if (!actions_json ||
	    ordex_json_parse(a, actions_json, strlen(actions_json), NULL, &k, &jerr) != ORDEX_OK)
		return false;
	for (const struct ordex_json *e = k->child; e; e = e->next)
		if (e->type == ORDEX_JSON_STRING && !strcmp(e->str, kind))
			return true;
	return false;
}

/* Whether host (up to its port) is this machine: plain HTTP is allowed there alone. */
static bool loopback(const char *host, size_t n)
{
	char h[64];
	if (n >= sizeof(h))
		return false;
	memcpy(h, host, n);
	h[n] = '\0';
	if (!strcasecmp(h, "localhost") || !strcmp(h, "[::1]"))
		return true;
	/* an IPv4 address literal in 127.0.0.0/8, not a name that starts like one */
	struct in_addr v4;
	return inet_pton(AF_INET, h, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

/* What is wrong with a target's base URL, or NULL. */
static const char *url_problem(const char *url)
{
	if (!url || strlen(url) > 512 || strpbrk(url, " \t\r\n\"<>\\^`{|}"))
		return "must be an https:// URL of at most 512 bytes";
	bool https = !strncasecmp(url, "https://", 8), http = !strncasecmp(url, "http://", 7);
	if (!https && !http)
		return "must be an https:// URL (http:// only to this machine)";
	const char *host = url + (https ? 8 : 7);
	size_t n = strcspn(host, "/?#");
	if (!n)
		return "names no host";
	if (memchr(host, '@', n))
		return "must not carry a user or password: give the credential as the secret";
	if (strpbrk(host, "?#"))
		return "must not have a query or fragment (credentials go in the secret)";
	/* the host without its port: "[::1]:8080" is "[::1]" */
	size_t hn = n;
	if (host[0] == '[') {
		const char *end = memchr(host, ']', n);
		hn = end ? (size_t)(end - host) + 1 : n;
	} else {
		const char *colon = memchr(host, ':', n);
		if (colon)
			hn = (size_t)(colon - host);
	}
	if (http && !loopback(host, hn))
		return "must be https:// (plain http:// only to this machine)";
	return NULL;
}

/* " a b c " as "a, b, c". */
static const char *listed(struct ordex_arena *a, const char *spaced)
{
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	for (const char *p = spaced; *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n)
			ordex_buf_printf(&b, "%s%.*s", b.len ? ", " : "", (int)n, p);
		p += n;
	}
	const char *out = ordex_arena_strndup(a, b.data ? b.data : "", b.len);
	ordex_buf_free(&b);
	return out;
}

int ordex_target_check(struct ordex_arena *a, const char *kind, const char *base_url,
                       const char *const *actions, int n_actions, struct ordex_problems *p)
{
	int before = p->n;
	const char *allowed = ordex_target_kind_actions(kind);
	if (!allowed)
		ordex_problem_add(p, a, "kind", "must be webhook, shopify, stripe or support");
	const char *why_url = url_problem(base_url);
	if (why_url)
		ordex_problem_add(p, a, "base_url", "%s", why_url);
	const char *list = allowed ? listed(a, allowed) : NULL;
	if (!n_actions && allowed)
		ordex_problem_add(p, a, "actions", "must name the action kinds it carries out (%s)",
		                  list);
	for (int i = 0; i < n_actions; i++) {
		const char *at = ordex_arena_printf(a, "actions[%d]", i);
		char w[80];
		snprintf(w, sizeof(w), " %s ", actions[i] ? actions[i] : "");
		if (!actions[i] || !actions[i][0])
			ordex_problem_add(p, a, at, "must be an action kind (a string)");
		else if (!strcmp(actions[i], "escalate") || !strcmp(actions[i], "close_no_action"))
			ordex_problem_add(
			    p, a, at,
			    "\"%s\" is done inside ordex once approved: no target carries "
			    "it out",
			    actions[i]);
		else if (allowed && (strchr(actions[i], ' ') || !strstr(allowed, w)))
			ordex_problem_add(p, a, at,
			                  "\"%.64s\" is not carried out by a %s target (%s)",
			                  actions[i], kind, list);
		for (int j = 0; j < i; j++)
			if (actions[j] && actions[i] && !strcmp(actions[i], actions[j]))
				ordex_problem_add(p, a, ordex_arena_printf(a, "actions[%d]", i),
				                  "is named twice");
	}
	return p->n > before ? ORDEX_E_INVAL : ORDEX_OK;
}

/* ---- what the row says ------------------------------------------------------ */

struct plan {
	const struct ordex_json *doc, *action, *payload, *order;
	const char *kind, *order_ref, *ticket;
	int64_t action_id;
};

static bool plan_of(struct ordex_arena *a, const struct ordex_outbox_row *r, struct plan *p)
{
	struct ordex_json *doc;
	struct ordex_json_error jerr;
	memset(p, 0, sizeof(*p));
	if (!r->request ||
	    ordex_json_parse(a, r->request, strlen(r->request), NULL, &doc, &jerr) != ORDEX_OK)
		return false;
	p->doc = doc;
	p->action = ordex_json_get(doc, "action");
	p->payload = ordex_json_get(p->action, "payload");
	p->order = ordex_json_get(doc, "order");
	p->kind = r->kind;
	p->order_ref = r->order_ref;
	p->ticket = ordex_json_string(ordex_json_get(doc, "ticket"));
	ordex_json_int(ordex_json_get(p->action, "id"), &p->action_id);
	return p->action && p->payload && p->payload->type == ORDEX_JSON_OBJECT;
}

static const char *pstr(const struct plan *p, const char *key)
{
	return ordex_json_string(ordex_json_get(p->payload, key));
}

static const struct ordex_json *parsed(struct ordex_arena *a, const char *body, size_t len)
{
	struct ordex_json *doc = NULL;
	struct ordex_json_error jerr;
	if (!body || !len || ordex_json_parse(a, body, len, NULL, &doc, &jerr) != ORDEX_OK)
		return NULL;
	return doc;
}

/* A scalar member as text (an id may be a number). */
static const char *text_of(struct ordex_arena *a, const struct ordex_json *v)
{
	if (!v)
		return NULL;
	if (v->type == ORDEX_JSON_STRING || v->type == ORDEX_JSON_NUMBER)
		return ordex_arena_strdup(a, v->str);
	return NULL;
}

/* A path segment: what is safe in a URL as it is, the rest %XX. */
static const char *escaped(struct ordex_arena *a, const char *s)
{
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
		if (isalnum(*c) || *c == '-' || *c == '_' || *c == '.' || *c == '~')
			ordex_buf_putc(&b, (char)*c);
		else
			ordex_buf_printf(&b, "%%%02X", *c);
	}
	const char *out = ordex_arena_strndup(a, b.data ? b.data : "", b.len);
	ordex_buf_free(&b);
	return out;
}

/* base_url without a trailing slash, then the path. */
static const char *url_of(struct ordex_arena *a, const struct ordex_target_row *t, const char *path)
{
	size_t n = strlen(t->base_url);
	while (n && t->base_url[n - 1] == '/')
		n--;
	return ordex_arena_printf(a, "%.*s%s", (int)n, t->base_url, path);
}

static void header(struct ordex_arena *a, struct ordex_call *c, const char *fmt, const char *v)
{
	if (c->n_headers < ORDEX_CALL_MAX_HEADERS)
		c->headers[c->n_headers++] = ordex_arena_printf(a, fmt, v);
}

static void set_body(struct ordex_arena *a, struct ordex_call *c, struct ordex_buf *b)
{
	c->body = ordex_arena_strndup(a, b->data ? b->data : "", b->len);
	c->body_len = b->len;
	ordex_buf_free(b);
}

/* What may be shown of a call: method, URL, headers without credentials, body. */
static void shown(struct ordex_arena *a, struct ordex_call *c)
{
	struct ordex_buf b;
	ordex_buf_init(&b, 0);
	ordex_buf_printf(&b, "%s %s\n", c->method, c->url);
	for (int i = 0; i < c->n_headers; i++) {
		const char *h = c->headers[i];
		if (!strncasecmp(h, "Authorization:", 14) ||
		    !strncasecmp(h, "X-Shopify-Access-Token:", 23))
			ordex_buf_printf(&b, "%.*s: (credential)\n", (int)strcspn(h, ":"), h);
		else
			ordex_buf_printf(&b, "%s\n", h);
	}
	if (c->body)
		ordex_buf_printf(&b, "\n%.*s", (int)c->body_len, c->body);
	c->shown = ordex_arena_strndup(a, b.data ? b.data : "", b.len);
	ordex_buf_free(&b);
}

/* ---- the kinds --------------------------------------------------------------- */

static int webhook(struct ordex_arena *a, const struct ordex_target_row *t, const char *secret,
                   const struct ordex_outbox_row *r, const struct plan *p, int64_t now,
                   struct ordex_call *c)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "idempotency_key");
	ordex_jw_str(&w, r->idem_key);
	ordex_jw_key(&w, "environment");
	ordex_jw_str(&w, r->env);
	for (const struct ordex_json *m = p->doc->child; m; m = m->next) {
		ordex_jw_key(&w, m->key);
		ordex_jw_node(&w, m);
	}
	ordex_jw_obj_end(&w);
	set_body(a, c, &b);
	c->method = "POST";
	c->url = url_of(a, t, "");
	char ts[24];
	snprintf(ts, sizeof(ts), "%lld", (long long)(now / 1000000));
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state hs;
	crypto_auth_hmacsha256_init(&hs, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&hs, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&hs, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&hs, (const unsigned char *)c->body, c->body_len);
	crypto_auth_hmacsha256_final(&hs, mac);
	char hex[2 * sizeof(mac) + 1];
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	header(a, c, "Content-Type: %s", "application/json");
	header(a, c, "X-Ordex-Idempotency-Key: %s", r->idem_key);
	header(a, c, "X-Ordex-Event: action.%s", p->kind);
	header(a, c, "X-Ordex-Signature: %s", ordex_arena_printf(a, "t=%s,v1=%s", ts, hex));
	return ORDEX_OK;
}

/* The approved amount of a payload in minor units of its currency. */
static bool minor_amount(const struct plan *p, int64_t *minor, const char **cur)
{
	const char *amount = pstr(p, "amount");
	*cur = pstr(p, "currency");
	return amount && *cur &&
	       ordex_money_parse(amount, strlen(amount), *cur, 0, minor, NULL, 0) == ORDEX_OK;
}

static int stripe(struct ordex_arena *a, const struct ordex_target_row *t, const char *secret,
                  const struct ordex_outbox_row *r, const struct plan *p, struct ordex_call *c,
                  const char **why)
{
	int64_t minor;
	const char *cur;
	const char *payment = pstr(p, "payment");
	if (!payment || !minor_amount(p, &minor, &cur)) {
		*why = "the refund names no payment, or no amount in its currency";
		return ORDEX_E_INVAL;
	}
	bool charge = !strncmp(payment, "ch_", 3) || !strncmp(payment, "py_", 3);
	c->method = "POST";
	c->url = url_of(a, t, "/v1/refunds");
	c->body = ordex_arena_printf(a,
	                             "%s=%s&amount=%lld&metadata%%5Bordex_key%%5D=%s"
	                             "&metadata%%5Bordex_action%%5D=%lld&metadata%%5Border%%5D=%s",
	                             charge ? "charge" : "payment_intent", escaped(a, payment),
	                             (long long)minor, escaped(a, r->idem_key),
	                             (long long)p->action_id, escaped(a, r->order_ref));
	c->body_len = strlen(c->body);
	header(a, c, "Authorization: Bearer %s", secret);
	header(a, c, "Idempotency-Key: %s", r->idem_key);
	header(a, c, "Content-Type: %s", "application/x-www-form-urlencoded");
	return ORDEX_OK;
}

#define SHOPIFY_API "/admin/api/2024-01"

static int shopify(struct ordex_arena *a, const struct ordex_target_row *t, const char *secret,
                   const struct ordex_outbox_row *r, const struct plan *p, const char *fo,
                   struct ordex_call *c, const char **why)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	const char *order = escaped(a, r->order_ref);
	const char *reason = pstr(p, "reason");
	const char *note = ordex_arena_printf(a, "%s%s(ordex %s)", reason ? reason : "",
	                                      reason ? " " : "", r->idem_key);
	c->method = "POST";
	if (!strcmp(p->kind, "hold_fulfillment") || !strcmp(p->kind, "release_hold")) {
		/* one of the order's fulfilment orders, by its own id (read first: see
		 * ordex_target_steps); without one, as it would be shown */
		bool hold = !strcmp(p->kind, "hold_fulfillment");
		c->url = url_of(a, t,
		                ordex_arena_printf(a, SHOPIFY_API "/fulfillment_orders/%s/%s.json",
		                                   fo ? escaped(a, fo) : "{fulfillment_order}",
		                                   hold ? "hold" : "release_hold"));
		ordex_jw_obj(&w);
		if (hold) {
			ordex_jw_key(&w, "fulfillment_hold");
			ordex_jw_obj(&w);
			ordex_jw_key(&w, "reason");
			ordex_jw_str(&w, "other");
			ordex_jw_key(&w, "reason_notes");
			ordex_jw_str(&w, note);
			ordex_jw_obj_end(&w);
		}
		ordex_jw_obj_end(&w);
	} else if (!strcmp(p->kind, "refund")) {
		const char *amount = pstr(p, "amount"), *cur = pstr(p, "currency");
		if (!amount || !cur) {
			ordex_buf_free(&b);
			*why = "the refund has no amount in its currency";
			return ORDEX_E_INVAL;
		}
		c->url = url_of(
		    a, t, ordex_arena_printf(a, SHOPIFY_API "/orders/%s/refunds.json", order));
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "refund");
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "currency");
		ordex_jw_str(&w, cur);
		ordex_jw_key(&w, "notify");
		ordex_jw_bool(&w, false);
		ordex_jw_key(&w, "note");
		ordex_jw_str(&w, note);
		ordex_jw_key(&w, "transactions");
		ordex_jw_arr(&w);
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "kind");
		ordex_jw_str(&w, "refund");
		ordex_jw_key(&w, "amount");
		ordex_jw_str(&w, amount);
		if (pstr(p, "payment")) {
			ordex_jw_key(&w, "parent_id");
			ordex_jw_str(&w, pstr(p, "payment"));
		}
		ordex_jw_obj_end(&w);
		ordex_jw_arr_end(&w);
		ordex_jw_obj_end(&w);
		ordex_jw_obj_end(&w);
	} else if (!strcmp(p->kind, "cancel_order")) {
		c->url = url_of(a, t,
		                ordex_arena_printf(a, SHOPIFY_API "/orders/%s/cancel.json", order));
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "reason");
		ordex_jw_str(&w, "other");
		ordex_jw_key(&w, "email");
		ordex_jw_bool(&w, false);
		ordex_jw_obj_end(&w);
	} else {
		ordex_buf_free(&b);
		*why = "a shopify target does not carry out this kind";
		return ORDEX_E_INVAL;
	}
	set_body(a, c, &b);
	header(a, c, "X-Shopify-Access-Token: %s", secret);
	header(a, c, "Content-Type: %s", "application/json");
	return ORDEX_OK;
}

static int support(struct ordex_arena *a, const struct ordex_target_row *t, const char *secret,
                   const struct ordex_outbox_row *r, const struct plan *p, struct ordex_call *c,
                   const char **why)
{
	const char *message = pstr(p, "message");
	if (!message) {
		*why = "there is no message to send";
		return ORDEX_E_INVAL;
	}
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "ticket");
	ordex_jw_obj(&w);
	if (!p->ticket) {
		const char *email = ordex_json_string(ordex_json_get(p->order, "email"));
		if (!email) {
			ordex_buf_free(&b);
			*why = "the order has no ticket and no customer e-mail to open one with";
			return ORDEX_E_INVAL;
		}
		ordex_jw_key(&w, "subject");
		ordex_jw_str(&w, ordex_arena_printf(a, "Your order %s", r->order_ref));
		ordex_jw_key(&w, "requester");
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "email");
		ordex_jw_str(&w, email);
		ordex_jw_obj_end(&w);
		ordex_jw_key(&w, "external_id");
		ordex_jw_str(&w, r->order_ref);
	}
	ordex_jw_key(&w, "comment");
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "body");
	ordex_jw_str(&w, message);
	ordex_jw_key(&w, "public");
	ordex_jw_bool(&w, true);
	ordex_jw_obj_end(&w);
	ordex_jw_obj_end(&w);
	ordex_jw_obj_end(&w);
	set_body(a, c, &b);
	if (p->ticket) {
		c->method = "PUT";
		c->url = url_of(
		    a, t, ordex_arena_printf(a, "/api/v2/tickets/%s.json", escaped(a, p->ticket)));
	} else {
		c->method = "POST";
		c->url = url_of(a, t, "/api/v2/tickets.json");
	}
	header(a, c, "Authorization: Bearer %s", secret);
	header(a, c, "Idempotency-Key: %s", r->idem_key);
	header(a, c, "Content-Type: %s", "application/json");
	return ORDEX_OK;
}

static int request(struct ordex_arena *a, const struct ordex_target_row *t, const char *secret,
                   const struct ordex_outbox_row *r, const char *step, int64_t now,
                   struct ordex_call *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	struct plan p;
	if (!plan_of(a, r, &p)) {
		*why = "the writeback's request cannot be read";
		return ORDEX_E_INVAL;
	}
	int rc;
	if (!strcmp(t->kind, "webhook"))
		rc = webhook(a, t, secret ? secret : "", r, &p, now, out);
	else if (!strcmp(t->kind, "stripe"))
		rc = stripe(a, t, secret ? secret : "", r, &p, out, why);
	else if (!strcmp(t->kind, "shopify"))
		rc = shopify(a, t, secret ? secret : "", r, &p, step, out, why);
	else if (!strcmp(t->kind, "support"))
		rc = support(a, t, secret ? secret : "", r, &p, out, why);
	else {
		*why = "the target's kind is not known";
		rc = ORDEX_E_INVAL;
	}
	if (rc == ORDEX_OK)
		shown(a, out);
	return rc;
}

int ordex_target_request(struct ordex_arena *a, const struct ordex_target_row *t,
                         const char *secret, const struct ordex_outbox_row *r, int64_t now,
                         struct ordex_call *out, const char **why)
{
	return request(a, t, secret, r, NULL, now, out, why);
}

/* ---- rows of more than one request ------------------------------------------- */

static bool shopify_hold(const struct ordex_target_row *t, const struct ordex_outbox_row *r)
{
	return !strcmp(t->kind, "shopify") &&
	       (!strcmp(r->kind, "hold_fulfillment") || !strcmp(r->kind, "release_hold"));
}

bool ordex_target_steps(struct ordex_arena *a, const struct ordex_target_row *t, const char *secret,
                        const struct ordex_outbox_row *r, struct ordex_call *out)
{
	memset(out, 0, sizeof(*out));
	if (!shopify_hold(t, r))
		return false;
	out->method = "GET";
	out->url = url_of(a, t,
	                  ordex_arena_printf(a, SHOPIFY_API "/orders/%s/fulfillment_orders.json",
	                                     escaped(a, r->order_ref)));
	header(a, out, "X-Shopify-Access-Token: %s", secret ? secret : "");
	shown(a, out);
	return true;
}

/* Whether a fulfilment order's holds include one ordex placed (its key in the notes). */
static bool held_by_ordex(const struct ordex_json *fo)
{
	const struct ordex_json *holds = ordex_json_get(fo, "fulfillment_holds");
	for (const struct ordex_json *h = holds && holds->type == ORDEX_JSON_ARRAY ? holds->child
	                                                                           : NULL;
	     h; h = h->next) {
		const char *notes = ordex_json_string(ordex_json_get(h, "reason_notes"));
		if (notes && strstr(notes, "(ordex ordex:"))
			return true;
	}
	return false;
}

int ordex_target_steps_judge(struct ordex_arena *a, const struct ordex_target_row *t,
                             const struct ordex_outbox_row *r, const char *body, size_t len,
                             const char ***ids, int *n, const char **why)
{
	(void)t;
	*ids = NULL;
	*n = 0;
	*why = NULL;
	const struct ordex_json *doc = parsed(a, body, len);
	const struct ordex_json *list = doc ? ordex_json_get(doc, "fulfillment_orders") : NULL;
	if (!list || list->type != ORDEX_JSON_ARRAY)
		return -1;
	/* a hold takes what can still be held, and is done when what is left is held
	 * already (by anyone); a release takes only the holds ordex placed, and leaves
	 * those of the merchant or another app. What is in the state asked for needs
	 * nothing, so a retry does nothing twice */
	bool hold = !strcmp(r->kind, "hold_fulfillment");
	int cap = 0, held = 0;
	for (const struct ordex_json *e = list->child; e; e = e->next)
		cap++;
	*ids = ordex_arena_alloc(a, sizeof(**ids) * (size_t)(cap ? cap : 1));
	struct ordex_buf seen;
	ordex_buf_init(&seen, 0);
	for (const struct ordex_json *e = list->child; e; e = e->next) {
		const char *st = ordex_json_string(ordex_json_get(e, "status"));
		const char *id = text_of(a, ordex_json_get(e, "id"));
		if (!st || !id)
			continue;
		ordex_buf_printf(&seen, "%s%s %s", seen.len ? ", " : "", id, st);
		held += !strcmp(st, "on_hold");
		bool act = hold ? !strcmp(st, "open") || !strcmp(st, "scheduled")
		                : !strcmp(st, "on_hold") && held_by_ordex(e);
		if (act)
			(*ids)[(*n)++] = id;
	}
	int out = 1;
	if (!*n && hold && !held) {
		/* nothing is held and nothing can be: the goods may be on their way */
		*why = cap ? ordex_arena_printf(a,
		                                "no fulfilment order of the order can be held "
		                                "(%.*s)",
		                                (int)seen.len, seen.data)
		           : "the order has no fulfilment orders to hold";
		out = -2;
	} else if (!*n) {
		*why = hold   ? "every fulfilment order that can be held is held already"
		       : held ? "the holds left were not placed by ordex: they stay"
		              : "nothing is held";
		out = 0;
	}
	ordex_buf_free(&seen);
	return out;
}

int ordex_target_step_request(struct ordex_arena *a, const struct ordex_target_row *t,
                              const char *secret, const struct ordex_outbox_row *r,
                              const char *step, int64_t now, struct ordex_call *out,
                              const char **why)
{
	return request(a, t, secret, r, step, now, out, why);
}

bool ordex_target_lookup(struct ordex_arena *a, const struct ordex_target_row *t,
                         const char *secret, const struct ordex_outbox_row *r,
                         struct ordex_call *out)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(r->kind, "refund") != 0)
		return false;
	out->method = "GET";
	if (!strcmp(t->kind, "shopify")) {
		/* a Shopify refund has no idempotency key: its note carries ordex's */
		out->url = url_of(a, t,
		                  ordex_arena_printf(a, SHOPIFY_API "/orders/%s/refunds.json",
		                                     escaped(a, r->order_ref)));
		header(a, out, "X-Shopify-Access-Token: %s", secret ? secret : "");
	} else if (!strcmp(t->kind, "stripe")) {
		/* Stripe keeps an idempotency key for a day, and retries run for three:
		 * the payment's refunds are read, ordex's key is in their metadata */
		struct plan p;
		const char *payment = plan_of(a, r, &p) ? pstr(&p, "payment") : NULL;
		if (!payment)
			return false;
		bool charge = !strncmp(payment, "ch_", 3) || !strncmp(payment, "py_", 3);
		out->url = url_of(a, t,
		                  ordex_arena_printf(a, "/v1/refunds?%s=%s&limit=100",
		                                     charge ? "charge" : "payment_intent",
		                                     escaped(a, payment)));
		header(a, out, "Authorization: Bearer %s", secret ? secret : "");
	} else {
		return false;
	}
	shown(a, out);
	return true;
}

/* ---- answers ----------------------------------------------------------------- */

/* The error a target gave: {"code","message"}, {"error":{...}}, {"errors": ...}. */
static void error_of(struct ordex_arena *a, const struct ordex_json *doc, const char *body,
                     size_t len, struct ordex_answer *out)
{
	const struct ordex_json *e = doc ? ordex_json_get(doc, "error") : NULL;
	const struct ordex_json *src = e && e->type == ORDEX_JSON_OBJECT ? e : doc;
	if (src && src->type == ORDEX_JSON_OBJECT) {
		out->code = text_of(a, ordex_json_get(src, "code"));
		out->message = text_of(a, ordex_json_get(src, "message"));
		if (!out->message && e && e->type == ORDEX_JSON_STRING)
			out->message = ordex_arena_strdup(a, e->str);
		const struct ordex_json *errs = ordex_json_get(src, "errors");
		if (!out->message && errs) {
			struct ordex_buf b;
			ordex_buf_init(&b, 0);
			ordex_json_write(&b, errs);
			out->message = ordex_arena_strndup(a, b.data ? b.data : "", b.len);
			ordex_buf_free(&b);
		}
	}
	if (!out->message && body && len)
		out->message = ordex_arena_strndup(a, body, len > 500 ? 500 : len);
}

void ordex_target_judge(struct ordex_arena *a, const struct ordex_target_row *t,
                        const struct ordex_outbox_row *r, long status, const char *body, size_t len,
                        const char *retry_after, int64_t now, struct ordex_answer *out)
{
	memset(out, 0, sizeof(*out));
	const struct ordex_json *doc = parsed(a, body, len);
	if (retry_after) {
		/* seconds, or an HTTP date; at most a day */
		char *end;
		long s = strtol(retry_after, &end, 10);
		if (end == retry_after || *end) {
			struct tm tm;
			memset(&tm, 0, sizeof(tm));
			const char *rest = strptime(retry_after, "%a, %d %b %Y %H:%M:%S GMT", &tm);
			s = rest && !*rest ? (long)(timegm(&tm) - now / 1000000) : -1;
			if (rest && !*rest && s < 0)
				s = 0; /* a date already past: now */
		}
		if (s >= 0)
			out->retry_after_us = (int64_t)(s > 86400 ? 86400 : s) * 1000000;
	}
	if (status >= 200 && status < 300) {
		out->verdict = ORDEX_DELIVERED;
		const struct ordex_json *obj = doc;
		if (!strcmp(t->kind, "shopify") && doc)
			obj = ordex_json_get(doc, !strcmp(r->kind, "refund") ? "refund"
			                                                     : "fulfillment_order");
		else if (!strcmp(t->kind, "support") && doc)
			obj = ordex_json_get(doc, "ticket");
		out->external_ref = obj ? text_of(a, ordex_json_get(obj, "id")) : NULL;
		/* a payment system's refund must come back with the refund's id, which
		 * books it; a webhook receiver's answer need name nothing */
		if (!strcmp(r->kind, "refund") && strcmp(t->kind, "webhook") != 0 &&
		    !out->external_ref) {
			out->verdict = ORDEX_UNKNOWN;
			out->message = "the target answered without the refund's id";
		}
		return;
	}
	error_of(a, doc, body, len, out);
	if (status == 408 || status == 425 || status == 429 || status >= 500 ||
	    (status == 409 && !strcmp(t->kind, "stripe"))) {
		/* Stripe answers 409 while the same key is still being processed */
		out->verdict = ORDEX_RETRY;
		return;
	}
	out->verdict = ORDEX_DEAD;
	if (!out->message)
		out->message = ordex_arena_printf(a, "answered %ld", status);
}

int ordex_target_lookup_judge(struct ordex_arena *a, const struct ordex_target_row *t,
                              const struct ordex_outbox_row *r, long status, const char *body,
                              size_t len, const char **external_ref)
{
	*external_ref = NULL;
	if (status < 200 || status >= 300)
		return -1;
	const struct ordex_json *doc = parsed(a, body, len);
	bool stripe = !strcmp(t->kind, "stripe");
	const struct ordex_json *list =
	    doc ? ordex_json_get(doc, stripe ? "data" : "refunds") : NULL;
	if (!list || list->type != ORDEX_JSON_ARRAY)
		return -1; /* an answer that says nothing either way */
	for (const struct ordex_json *e = list->child; e; e = e->next) {
		const char *mark = stripe ? ordex_json_string(ordex_json_get(
		                                ordex_json_get(e, "metadata"), "ordex_key"))
		                          : ordex_json_string(ordex_json_get(e, "note"));
		if (mark &&
		    (stripe ? !strcmp(mark, r->idem_key) : strstr(mark, r->idem_key) != NULL)) {
			*external_ref = text_of(a, ordex_json_get(e, "id"));
			return 1;
		}
	}
	return 0;
}
