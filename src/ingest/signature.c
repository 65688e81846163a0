/* SPDX-License-Identifier: Apache-2.0 */
/*
 * signature.c - webhook signature schemes of the providers ordex ingests.
 *
 * Verification runs in two steps. The headers are first read into a claim:
 * the digests the sender asserts (decoded from hex or base64 to 32 bytes;
 * Stripe may send several), the text signed in front of the body (Stripe's
 * "T." and Zendesk's timestamp) and the timestamp to hold against now. A
 * header that cannot be read this way fails before any secret is touched.
 * Then each secret becomes a key (EasyPost keys with the NFKD form of its
 * secret, via libunistring; the others with the secret's bytes as given),
 * the HMAC-SHA256 of the signed text is computed once per secret, and it is
 * compared with every asserted digest by sodium_memcmp(). Only a matching
 * signature is then checked for freshness, so that the reason tells a
 * forgery from a late or replayed delivery.
 */
#include "ingest/signature.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uninorm.h>
#include <unistr.h>

#include "core/common.h"
#include "core/timeutil.h"

#define DIGEST     crypto_auth_hmacsha256_BYTES
#define MAX_DIGEST 64 /* v1 values one Stripe header may carry */
#define B64_LEN    44 /* base64 of 32 bytes, with its one "=" */
#define HEX_LEN    (2 * DIGEST)
#define MAX_UNIX   INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

#define H_SHOPIFY    "X-Shopify-Hmac-Sha256"
#define H_STRIPE     "Stripe-Signature"
#define H_EASYPOST   "X-Hmac-Signature"
#define H_AS_TRACK   "aftership-hmac-sha256"
#define H_AS_RETURNS "as-signature-hmac-sha256"
#define H_AS_LEGACY  "am-webhook-signature"
#define H_ZENDESK    "X-Zendesk-Webhook-Signature"
#define H_ZENDESK_TS "X-Zendesk-Webhook-Signature-Timestamp"

#define EASYPOST_PREFIX  "hmac-sha256-hex="
#define AS_LEGACY_PREFIX "hmac-sha256="

static const struct {
	const char *name;
	enum ordex_sig_scheme scheme;
} sources[] = {
    {"shopify", ORDEX_SIG_SHOPIFY},   {"stripe", ORDEX_SIG_STRIPE},
    {"easypost", ORDEX_SIG_EASYPOST}, {"aftership", ORDEX_SIG_AFTERSHIP},
    {"zendesk", ORDEX_SIG_ZENDESK},
};

/* What the headers assert, before any secret is involved. */
struct claim {
	unsigned char digest[MAX_DIGEST][DIGEST];
	size_t ndigest;
	const char *pre; /* signed in front of the body, or NULL */
	size_t pre_len;
	const char *sep; /* signed between pre and the body */
	int timed;       /* time holds the sender's timestamp */
	int64_t time;
};

struct key {
	const unsigned char *p;
	size_t n;
	uint8_t *own; /* NFKD form from libunistring, freed by key_release() */
};

static void say(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static int known(enum ordex_sig_scheme s)
{
	return s >= ORDEX_SIG_SHOPIFY && s <= ORDEX_SIG_ZENDESK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes exactly one hex SHA-256 digest; the text is public, so no need for constant time. */
static int unhex(const char *s, size_t n, unsigned char *out)
{
	if (n != HEX_LEN)
		return -1;
	for (size_t i = 0; i < DIGEST; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Decodes exactly one padded, canonical base64 SHA-256 digest. */
static int unbase64(const char *s, size_t n, unsigned char *out)
{
	size_t got = 0;

	if (n != B64_LEN)
		return -1;
	if (sodium_base642bin(out, DIGEST, s, n, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL))
		return -1;
	return got == DIGEST ? 0 : -1;
}

/* Fetches a header, bounded. ORDEX_E_NOTFOUND when absent (why not set), ORDEX_E_AUTH when too
 * long. */
static int header(const struct ordex_sig_input *in, const char *name, const char **v, size_t *n,
                  char *why, size_t whylen)
{
	const char *s = in->header(in->ctx, name);

	if (!s)
		return ORDEX_E_NOTFOUND;
	*n = strnlen(s, ORDEX_SIG_MAX_HEADER + 1);
	if (*n > ORDEX_SIG_MAX_HEADER) {
		say(why, whylen, "header \"%s\" is longer than %d bytes", name,
		    ORDEX_SIG_MAX_HEADER);
		return ORDEX_E_AUTH;
	}
	*v = s;
	return ORDEX_OK;
}

static int required(const struct ordex_sig_input *in, const char *name, const char **v, size_t *n,
                    char *why, size_t whylen)
{
	int rc = header(in, name, v, n, why, whylen);

	if (rc == ORDEX_E_NOTFOUND) {
		say(why, whylen, "missing header \"%s\"", name);
		rc = ORDEX_E_AUTH;
	}
	return rc;
}

static int malformed(const char *name, const char *detail, char *why, size_t whylen)
{
	say(why, whylen, "malformed %s header: %s", name, detail);
	return ORDEX_E_AUTH;
}

/* Steps over the literal text a provider puts before its digest. */
static int skip_prefix(const char *name, const char *prefix, const char **v, size_t *n, char *why,
                       size_t whylen)
{
	size_t pl = strlen(prefix);

	if (*n < pl || memcmp(*v, prefix, pl)) {
		say(why, whylen, "malformed %s header: no \"%s\" prefix", name, prefix);
		return ORDEX_E_AUTH;
	}
	*v += pl;
	*n -= pl;
	return ORDEX_OK;
}

static int claim_base64(struct claim *c, const char *name, const char *v, size_t n, char *why,
                        size_t whylen)
{
	if (unbase64(v, n, c->digest[0]))
		return malformed(name, "not a base64 sha-256 digest", why, whylen);
	c->ndigest = 1;
	return ORDEX_OK;
}

/*
 * "t=T,v1=HEX,v1=HEX,v0=HEX": one t of decimal digits, at least one v1 of
 * 64 hex digits. v0 and schemes Stripe may add later are ignored, which is
 * what keeps a downgrade to v0 from verifying.
 */
static int claim_stripe(struct claim *c, const char *v, size_t n, char *why, size_t whylen)
{
	const char *p = v, *end = v + n;

	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		size_t kl, vl;

		if (!eq || eq == p)
			return malformed(H_STRIPE, "element is not key=value", why, whylen);
		kl = (size_t)(eq - p);
		vl = (size_t)(e - eq - 1);
		if (kl == 1 && *p == 't') {
			if (c->pre)
				return malformed(H_STRIPE, "more than one timestamp", why, whylen);
			/* 12 digits reach year 33658; more would only risk overflow */
			if (vl < 1 || vl > 12)
				return malformed(H_STRIPE, "timestamp is not a number", why,
				                 whylen);
			c->time = 0;
			for (size_t i = 0; i < vl; i++) {
				char d = eq[1 + i];
				if (d < '0' || d > '9')
					return malformed(H_STRIPE, "timestamp is not a number", why,
					                 whylen);
				c->time = c->time * 10 + (d - '0');
			}
			c->pre = eq + 1;
			c->pre_len = vl;
		} else if (kl == 2 && p[0] == 'v' && p[1] == '1') {
			if (c->ndigest == MAX_DIGEST)
				return malformed(H_STRIPE, "too many signatures", why, whylen);
			if (unhex(eq + 1, vl, c->digest[c->ndigest]))
				return malformed(H_STRIPE, "v1 is not a hex sha-256 digest", why,
				                 whylen);
			c->ndigest++;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	if (!c->pre)
		return malformed(H_STRIPE, "no timestamp", why, whylen);
	if (!c->ndigest) {
		say(why, whylen, "no v1 signature in %s header", H_STRIPE);
		return ORDEX_E_AUTH;
	}
	c->sep = ".";
	c->timed = 1;
	return ORDEX_OK;
}

static int claim_zendesk(struct claim *c, const struct ordex_sig_input *in, char *why,
                         size_t whylen)
{
	const char *v, *ts;
	size_t n, tn;
	int64_t us;
	int off, rc;

	if ((rc = required(in, H_ZENDESK, &v, &n, why, whylen)) ||
	    (rc = required(in, H_ZENDESK_TS, &ts, &tn, why, whylen)))
		return rc;
	if ((rc = claim_base64(c, H_ZENDESK, v, n, why, whylen)))
		return rc;
	if (ordex_time_parse(ts, tn, &us, &off))
		return malformed(H_ZENDESK_TS, "not an rfc 3339 time", why, whylen);
	/* the text as sent is what was signed, not a reformatting of it */
	c->pre = ts;
	c->pre_len = tn;
	c->sep = "";
	c->timed = 1;
	c->time = us / 1000000 - (us % 1000000 < 0);
	return ORDEX_OK;
}

static int claim_aftership(struct claim *c, const struct ordex_sig_input *in, char *why,
                           size_t whylen)
{
	/* Tracking, then Returns and Warranty, then Returns accounts made before 2022-10-25. */
	static const char *const names[] = {H_AS_TRACK, H_AS_RETURNS, H_AS_LEGACY};
	const char *v;
	size_t n;

	for (size_t i = 0; i < ORDEX_ARRAY_LEN(names); i++) {
		int rc = header(in, names[i], &v, &n, why, whylen);
		if (rc == ORDEX_E_NOTFOUND)
			continue;
		if (rc)
			return rc;
		if (!strcmp(names[i], H_AS_LEGACY) &&
		    (rc = skip_prefix(names[i], AS_LEGACY_PREFIX, &v, &n, why, whylen)))
			return rc;
		return claim_base64(c, names[i], v, n, why, whylen);
	}
	say(why, whylen, "missing header \"%s\" (or \"%s\", \"%s\")", H_AS_TRACK, H_AS_RETURNS,
	    H_AS_LEGACY);
	return ORDEX_E_AUTH;
}

static int claim_read(struct claim *c, enum ordex_sig_scheme s, const struct ordex_sig_input *in,
                      char *why, size_t whylen)
{
	const char *v;
	size_t n;
	int rc;

	switch (s) {
	case ORDEX_SIG_SHOPIFY:
		if ((rc = required(in, H_SHOPIFY, &v, &n, why, whylen)))
			return rc;
		return claim_base64(c, H_SHOPIFY, v, n, why, whylen);
	case ORDEX_SIG_STRIPE:
		if ((rc = required(in, H_STRIPE, &v, &n, why, whylen)))
			return rc;
		return claim_stripe(c, v, n, why, whylen);
	case ORDEX_SIG_EASYPOST:
		if ((rc = required(in, H_EASYPOST, &v, &n, why, whylen)))
			return rc;
		/* the official clients compare the whole "hmac-sha256-hex=..." text */
		if ((rc = skip_prefix(H_EASYPOST, EASYPOST_PREFIX, &v, &n, why, whylen)))
			return rc;
		if (unhex(v, n, c->digest[0]))
			return malformed(H_EASYPOST, "not a hex sha-256 digest", why, whylen);
		c->ndigest = 1;
		return ORDEX_OK;
	case ORDEX_SIG_AFTERSHIP: return claim_aftership(c, in, why, whylen);
	case ORDEX_SIG_ZENDESK: return claim_zendesk(c, in, why, whylen);
	}
	return ORDEX_E_INVAL;
}

/*
 * The HMAC key for secret under scheme s. EasyPost signs with the UTF-8 of
 * the secret's NFKD form, so "s\u00e9cret" and "se\u0301cret" are one key.
 */
static int key_make(struct key *k, enum ordex_sig_scheme s, const char *secret)
{
	size_t n = strlen(secret);

	k->own = NULL;
	if (s != ORDEX_SIG_EASYPOST) {
		k->p = (const unsigned char *)secret;
		k->n = n;
		return ORDEX_OK;
	}
	/* u8_normalize() would replace invalid bytes with U+FFFD: refuse them instead */
	if (u8_check((const uint8_t *)secret, n))
		return ORDEX_E_INVAL;
	k->own = u8_normalize(UNINORM_NFKD, (const uint8_t *)secret, n, NULL, &k->n);
	if (!k->own)
		return ORDEX_E_NOMEM;
	k->p = k->own;
	return ORDEX_OK;
}

static void key_release(struct key *k)
{
	if (k->own) {
		sodium_memzero(k->own, k->n);
		free(k->own);
		k->own = NULL;
	}
}

static void mac(const struct key *k, const struct claim *c, const void *body, size_t len,
                unsigned char *out)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, k->p, k->n);
	if (c->pre) {
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)c->pre, c->pre_len);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)c->sep, strlen(c->sep));
	}
	if (len)
		crypto_auth_hmacsha256_update(&st, body, len);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

static int fresh(const struct ordex_sig_input *in, int64_t t, char *why, size_t whylen)
{
	int tol = in->tolerance ? in->tolerance : ORDEX_SIG_DEFAULT_TOLERANCE;
	uint64_t d;
	const char *side;

	if (tol < 0)
		return ORDEX_OK;
	/* exact in uint64_t whichever the signs, so a hostile now cannot overflow */
	if (in->now >= t) {
		d = (uint64_t)in->now - (uint64_t)t;
		side = "before";
	} else {
		d = (uint64_t)t - (uint64_t)in->now;
		side = "after";
	}
	if (d <= (uint64_t)tol)
		return ORDEX_OK;
	say(why, whylen, "timestamp is %" PRIu64 " s %s now (tolerance %d s)", d, side, tol);
	return ORDEX_E_AUTH;
}

/* Refuses a call that could never verify: an unknown scheme, no or unusable secrets. */
static int check_call(enum ordex_sig_scheme s, const char *const *secrets, size_t n,
                      const struct ordex_sig_input *in, char *why, size_t whylen)
{
	if (!known(s)) {
		say(why, whylen, "unknown signature scheme %d", (int)s);
		return ORDEX_E_INVAL;
	}
	if (!in || !in->header || (!in->body && in->len)) {
		say(why, whylen, "no request to verify");
		return ORDEX_E_INVAL;
	}
	if (!secrets || !n) {
		say(why, whylen, "no secret configured");
		return ORDEX_E_INVAL;
	}
	for (size_t i = 0; i < n; i++) {
		/* an empty key would let anyone sign */
		if (!secrets[i] || !secrets[i][0]) {
			say(why, whylen, "secret %zu is empty", i);
			return ORDEX_E_INVAL;
		}
		if (s == ORDEX_SIG_EASYPOST &&
		    u8_check((const uint8_t *)secrets[i], strlen(secrets[i]))) {
			say(why, whylen, "secret %zu is not valid UTF-8", i);
			return ORDEX_E_INVAL;
		}
	}
	return ORDEX_OK;
}

int ordex_sig_scheme_for(const char *source, enum ordex_sig_scheme *out)
{
	for (size_t i = 0; source && i < ORDEX_ARRAY_LEN(sources); i++) {
		if (!strcmp(source, sources[i].name)) {
			*out = sources[i].scheme;
			return ORDEX_OK;
		}
	}
	return ORDEX_E_NOTFOUND;
}

int ordex_sig_verify(enum ordex_sig_scheme s, const char *const *secrets, size_t n,
                     const struct ordex_sig_input *in, int *which, char *why, size_t whylen)
{
	struct claim c;
	unsigned char got[DIGEST];
	int rc, found = -1;

	if (which)
		*which = -1;
	say(why, whylen, "%s", "");
	if ((rc = check_call(s, secrets, n, in, why, whylen)))
		return rc;
	memset(&c, 0, sizeof(c));
	if ((rc = claim_read(&c, s, in, why, whylen)))
		return rc;

	for (size_t i = 0; i < n && found < 0; i++) {
		struct key k;
		if ((rc = key_make(&k, s, secrets[i]))) {
			say(why, whylen, "could not derive the key of secret %zu", i);
			return rc;
		}
		mac(&k, &c, in->body, in->len, got);
		key_release(&k);
		/* every asserted digest is compared, so timing does not say which matched */
		for (size_t j = 0; j < c.ndigest; j++)
			if (sodium_memcmp(got, c.digest[j], DIGEST) == 0 && found < 0)
				found = (int)i;
	}
	sodium_memzero(got, sizeof(got));
	if (found < 0) {
		say(why, whylen, "signature does not match");
		return ORDEX_E_AUTH;
	}
	if (c.timed && (rc = fresh(in, c.time, why, whylen)))
		return rc;
	if (which)
		*which = found;
	return ORDEX_OK;
}

int ordex_sig_sign(enum ordex_sig_scheme s, const char *secret, const void *body, size_t len,
                   int64_t now, char *out, size_t outlen)
{
	struct claim c;
	struct key k;
	unsigned char d[DIGEST];
	char t[ORDEX_TIME_MAX_LEN], hex[HEX_LEN + 1], b64[B64_LEN + 1];
	int w = -1, rc;

	if (!out || !outlen)
		return ORDEX_E_TOOBIG;
	out[0] = '\0';
	if (!known(s) || !secret || !*secret || (!body && len) || now < 0 || now > MAX_UNIX)
		return ORDEX_E_INVAL;
	memset(&c, 0, sizeof(c));
	if (s == ORDEX_SIG_STRIPE) {
		snprintf(t, sizeof(t), "%" PRId64, now);
		c.sep = ".";
	} else if (s == ORDEX_SIG_ZENDESK) {
		ordex_time_format(now * 1000000, 0, t);
		c.sep = "";
	}
	if (c.sep) {
		c.pre = t;
		c.pre_len = strlen(t);
	}
	if ((rc = key_make(&k, s, secret)))
		return rc;
	mac(&k, &c, body, len, d);
	key_release(&k);
	sodium_bin2hex(hex, sizeof(hex), d, DIGEST);
	sodium_bin2base64(b64, sizeof(b64), d, DIGEST, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(d, sizeof(d));

	switch (s) {
	case ORDEX_SIG_SHOPIFY: w = snprintf(out, outlen, "%s: %s\n", H_SHOPIFY, b64); break;
	case ORDEX_SIG_STRIPE:
		w = snprintf(out, outlen, "%s: t=%s,v1=%s\n", H_STRIPE, t, hex);
		break;
	case ORDEX_SIG_EASYPOST:
		w = snprintf(out, outlen, "%s: %s%s\n", H_EASYPOST, EASYPOST_PREFIX, hex);
		break;
	case ORDEX_SIG_AFTERSHIP: w = snprintf(out, outlen, "%s: %s\n", H_AS_TRACK, b64); break;
	case ORDEX_SIG_ZENDESK:
		w = snprintf(out, outlen, "%s: %s\n%s: %s\n", H_ZENDESK, b64, H_ZENDESK_TS, t);
		break;
	}
	if (w < 0 || (size_t)w >= outlen) {
		out[0] = '\0';
		return ORDEX_E_TOOBIG;
	}
	return ORDEX_OK;
}
