/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.c - appending to and verifying the per-tenant hash chains.
 *
 * The canonical bytes of an entry are its fields in a fixed order, each
 * written as its length in decimal, ':' and its bytes (so that no field,
 * however it was chosen by an outsider, can shift into the next):
 *   "ordex-audit-v1", tenant, seq, environment, at, kind, subject, body
 * Numbers are decimal. The first entry of a chain has seq 1 and a prev of
 * 32 zero bytes. Verification walks each chain in seq order and checks that
 * seq has no gap, that prev is the hash before it, and that hash is right.
 */
#include "audit/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/sha256.h"
#include "store/store.h"

#define MAX_HEADS 16

struct head {
	int64_t tenant;
	int64_t seq;
	unsigned char hash[32];
};

struct ordex_audit {
	struct head heads[MAX_HEADS];
	int n;
};

struct ordex_audit *ordex_audit_new(void)
{
	return ordex_xcalloc(1, sizeof(struct ordex_audit));
}

void ordex_audit_free(struct ordex_audit *au)
{
	free(au);
}

void ordex_audit_reset(struct ordex_audit *au)
{
	au->n = 0;
}

/* n in decimal at p (no terminator); returns the digits written (at most 20). */
static size_t put_u64(char *p, uint64_t n)
{
	char t[20];
	size_t k = 0;
	do
		t[k++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	for (size_t i = 0; i < k; i++)
		p[i] = t[k - 1 - i];
	return k;
}

/* The canonical bytes being built: a field is its decimal length, ':' and
 * its bytes, so that no field can spill into the next. */
struct canon {
	char small[1024];
	char *p;
	size_t n, cap;
};

static void put(struct canon *c, const char *p, size_t n)
{
	if (c->n + n > c->cap) {
		size_t cap = c->cap * 2 > c->n + n ? c->cap * 2 : c->n + n;
		char *g = ordex_xmalloc(cap);
		memcpy(g, c->p, c->n);
		if (c->p != c->small)
			free(c->p);
		c->p = g;
		c->cap = cap;
	}
	memcpy(c->p + c->n, p, n);
	c->n += n;
}

static void field(struct canon *c, const char *p, size_t n)
{
	char len[24];
	size_t k = put_u64(len, n);
	len[k++] = ':';
	put(c, len, k);
	put(c, p, n);
}

static void field_i64(struct canon *c, int64_t v)
{
	char num[24];
	size_t k = 0;
	if (v < 0)
		num[k++] = '-';
	k += put_u64(num + k, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
	field(c, num, k);
}

void ordex_audit_hash(const struct ordex_audit_row *r, unsigned char out[32])
{
	/* built whole and hashed once: a hash update per field (and a printf
	 * per number) cost more than the hashing */
	struct canon c = {.n = 0, .cap = sizeof(c.small)};
	c.p = c.small;
	put(&c, (const char *)r->prev, 32);
	field(&c, "ordex-audit-v1", 14);
	field_i64(&c, r->tenant);
	field_i64(&c, r->seq);
	field(&c, r->env, strlen(r->env));
	field_i64(&c, r->at);
	field(&c, r->kind, strlen(r->kind));
	field(&c, r->subject, strlen(r->subject));
	field(&c, r->body, strlen(r->body));
	ordex_sha256(out, (const unsigned char *)c.p, c.n);
	if (c.p != c.small)
		free(c.p);
}

static struct head *head_for(struct ordex_audit *au, struct ordex_store *st, int64_t tenant,
                             int *rc)
{
	for (int i = 0; i < au->n; i++)
		if (au->heads[i].tenant == tenant)
			return &au->heads[i];
	if (au->n == MAX_HEADS)
		au->n = 0; /* a batch touching this many tenants just reloads */
	struct head *h = &au->heads[au->n];
	h->tenant = tenant;
	*rc = st->ops->audit_head(st, tenant, &h->seq, h->hash);
	if (*rc == ORDEX_E_NOTFOUND) {
		h->seq = 0;
		memset(h->hash, 0, 32);
		*rc = ORDEX_OK;
	}
	if (*rc)
		return NULL;
	au->n++;
	return h;
}

int ordex_audit_append(struct ordex_audit *au, struct ordex_store *st, const struct ordex_scope *sc,
                       int64_t at, const char *kind, const char *subject, const char *body)
{
	int rc = ORDEX_OK;
	struct head *h = head_for(au, st, sc->tenant, &rc);
	if (!h)
		return rc;
	struct ordex_audit_row r = {
	    .tenant = sc->tenant,
	    .seq = h->seq + 1,
	    .env = sc->env,
	    .at = at,
	    .kind = kind,
	    .subject = subject ? subject : "",
	    .body = body,
	};
	memcpy(r.prev, h->hash, 32);
	ordex_audit_hash(&r, r.hash);
	if ((rc = st->ops->audit_append(st, &r)) != ORDEX_OK)
		return rc;
	h->seq = r.seq;
	memcpy(h->hash, r.hash, 32);
	return ORDEX_OK;
}

struct verify {
	struct ordex_audit_report *rep;
	struct ordex_store *st;
	struct ordex_arena *a;
	int64_t expect_seq;
	unsigned char prev[32];
};

/*
 * An accepted input's entry records the SHA-256 of the bytes received; the
 * stored event must still hash to it, so the evidence cannot be edited
 * without the chain noticing.
 */
static const char *check_evidence(struct verify *v, const struct ordex_audit_row *r)
{
	if (strcmp(r->kind, "input.accepted") != 0)
		return NULL;
	ordex_arena_reset(v->a);
	struct ordex_json *doc;
	struct ordex_json_error err;
	if (ordex_json_parse(v->a, r->body, strlen(r->body), NULL, &doc, &err) != ORDEX_OK)
		return "entry body is not valid JSON";
	int64_t seq;
	const char *want = ordex_json_string(ordex_json_get(doc, "sha256"));
	if (ordex_json_int(ordex_json_get(doc, "seq"), &seq) != ORDEX_OK || !want)
		return "entry does not name its event and hash";
	struct ordex_scope sc = {.tenant = r->tenant, .env = r->env};
	const char *raw;
	size_t len;
	int rc = v->st->ops->event_get(v->st, &sc, seq, v->a, &raw, &len);
	if (rc == ORDEX_E_NOTFOUND)
		return "the event it records is missing";
	if (rc)
		return "the event it records could not be read";
	unsigned char h[32];
	char hex[65];
	ordex_sha256(h, (const unsigned char *)raw, len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	if (strcmp(hex, want) != 0)
		return "the stored event's bytes do not match the SHA-256 recorded when it was "
		       "accepted";
	return NULL;
}

static int verify_row(void *ctx, const struct ordex_audit_row *r)
{
	struct verify *v = ctx;
	unsigned char h[32];
	const char *why = NULL;
	if (r->seq != v->expect_seq)
		why = r->seq > v->expect_seq ? "entries are missing before this one"
		                             : "entry is out of order";
	else if (memcmp(r->prev, v->prev, 32) != 0)
		why = "previous hash does not match the entry before it";
	else {
		ordex_audit_hash(r, h);
		if (memcmp(h, r->hash, 32) != 0)
			why = "hash does not match the entry's contents";
		else
			why = check_evidence(v, r);
	}
	if (why) {
		v->rep->bad_tenant = r->tenant;
		v->rep->bad_seq = r->seq;
		snprintf(v->rep->reason, sizeof(v->rep->reason), "%s", why);
		return ORDEX_E_CORRUPT;
	}
	v->rep->entries++;
	v->expect_seq++;
	memcpy(v->prev, r->hash, 32);
	return ORDEX_OK;
}

int ordex_audit_verify_tenant(struct ordex_store *st, int64_t tenant,
                              struct ordex_audit_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	struct verify v = {.rep = rep, .st = st, .a = ordex_arena_new(4096), .expect_seq = 1};
	rep->tenants = 1;
	int rc = st->ops->audit_scan(st, tenant, verify_row, &v);
	ordex_arena_free(v.a);
	if (rc == ORDEX_E_CORRUPT && !rep->bad_seq) {
		rep->bad_tenant = tenant;
		snprintf(rep->reason, sizeof(rep->reason), "an entry has missing fields");
	}
	return rc;
}

int ordex_audit_verify(struct ordex_store *st, struct ordex_audit_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	struct ordex_arena *a = ordex_arena_new(1024);
	int64_t *tenants;
	size_t n;
	int rc = st->ops->audit_tenants(st, &tenants, &n, a);
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++) {
		struct verify v = {
		    .rep = rep, .st = st, .a = ordex_arena_new(4096), .expect_seq = 1};
		rep->tenants++;
		rc = st->ops->audit_scan(st, tenants[i], verify_row, &v);
		ordex_arena_free(v.a);
		if (rc == ORDEX_E_CORRUPT && !rep->bad_seq) {
			rep->bad_tenant = tenants[i];
			snprintf(rep->reason, sizeof(rep->reason), "an entry has missing fields");
		}
	}
	ordex_arena_free(a);
	return rc;
}
