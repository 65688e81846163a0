/* SPDX-License-Identifier: Apache-2.0 */
/*
 * signature.h - verification of the signatures commerce providers put on
 * their webhooks, before a body is parsed or trusted.
 *
 * Each provider documents one scheme (an HMAC-SHA256 over the raw body,
 * sometimes with a timestamp in front, sent hex or base64 in a header);
 * ordex_sig_verify() implements exactly that scheme and nothing looser.
 * Several secrets may be tried, so that a rotated secret and its successor
 * both verify during the overlap. Headers are read through a callback, as
 * the HTTP layer hands them out; digests are compared in constant time.
 * ordex_sig_sign() makes the headers a provider would send, for tests and
 * for tools that replay webhooks.
 */
#ifndef ORDEX_SIGNATURE_H
#define ORDEX_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

enum ordex_sig_scheme {
	/* X-Shopify-Hmac-Sha256: base64(HMAC(secret, body)) */
	ORDEX_SIG_SHOPIFY = 1,
	/* Stripe-Signature: t=T,v1=hex(HMAC(secret, T "." body)),... */
	ORDEX_SIG_STRIPE,
	/* X-Hmac-Signature: hmac-sha256-hex=hex(HMAC(NFKD(secret), body)) */
	ORDEX_SIG_EASYPOST,
	/* aftership-hmac-sha256, as-signature-hmac-sha256 or
	 * am-webhook-signature (hmac-sha256=...): base64(HMAC(secret, body)) */
	ORDEX_SIG_AFTERSHIP,
	/* X-Zendesk-Webhook-Signature: base64(HMAC(secret, TS body)), TS in
	 * X-Zendesk-Webhook-Signature-Timestamp */
	ORDEX_SIG_ZENDESK,
};

/* Signature headers longer than this are rejected without being decoded. */
#define ORDEX_SIG_MAX_HEADER 4096
/* The replay window when the caller passes tolerance 0, in seconds. */
#define ORDEX_SIG_DEFAULT_TOLERANCE 300

/*
 * Returns the value of the request header name, matched without regard to
 * case as HTTP requires (libmicrohttpd's lookup does this), or NULL when
 * the request has none. The value must stay valid for the duration of the
 * ordex_sig_verify() call.
 */
typedef const char *(*ordex_sig_header_fn)(void *ctx, const char *name);

struct ordex_sig_input {
	ordex_sig_header_fn header;
	void *ctx;        /* passed to header */
	const void *body; /* the raw bytes as received; may be NULL when len is 0 */
	size_t len;
	int64_t now; /* unix seconds, for schemes that carry a timestamp */
	/*
	 * Largest distance in seconds allowed between the signed timestamp and
	 * now, in either direction (Stripe, Zendesk). 0 takes
	 * ORDEX_SIG_DEFAULT_TOLERANCE: Stripe's own default, and ordex policy
	 * for Zendesk, which documents no window. Negative skips the check, for
	 * replaying stored deliveries and fixed test vectors.
	 */
	int tolerance;
};

/*
 * Sets *out to the scheme of a source name ("shopify", "stripe",
 * "easypost", "aftership", "zendesk"; lower case, as sources are named in
 * ordex). Returns ORDEX_OK, or ORDEX_E_NOTFOUND for any other name
 * (including providers whose schemes ordex does not implement, such as
 * "square" and "adyen"). Thread-safe.
 */
int ordex_sig_scheme_for(const char *source, enum ordex_sig_scheme *out);

/*
 * Verifies the request described by in under scheme s against each of the
 * n secrets in turn. Returns ORDEX_OK when one of them verifies and sets
 * *which to its index (which may be NULL); otherwise *which is -1 and the
 * result is ORDEX_E_AUTH, with a short lower-case reason written into why
 * (whylen bytes, always NUL-terminated; why may be NULL): a missing or
 * malformed header, "signature does not match", or a timestamp outside the
 * tolerance. The reason never contains a secret or an expected digest, so
 * it may be logged. Returns ORDEX_E_INVAL, also with a reason, for a bad
 * call: an unknown scheme, no secrets or an empty one (secrets are
 * NUL-terminated strings, used as key bytes as given), no header callback,
 * or an EasyPost secret that is not valid UTF-8. On success why is "".
 * Thread-safe; libsodium must have been initialized (sodium_init()).
 */
int ordex_sig_verify(enum ordex_sig_scheme s, const char *const *secrets, size_t n,
                     const struct ordex_sig_input *in, int *which, char *why, size_t whylen);

/*
 * Writes the header lines a provider would send with body under scheme s,
 * signed with secret at time now (unix seconds, used by Stripe and
 * Zendesk), into out: one "Name: value\n" line per header, NUL-terminated.
 * Returns ORDEX_OK, ORDEX_E_TOOBIG when outlen bytes are not enough (out is
 * then ""), or ORDEX_E_INVAL for an unknown scheme, an empty secret, now
 * outside years 1970-9999, or an EasyPost secret that is not valid UTF-8.
 * Thread-safe.
 */
int ordex_sig_sign(enum ordex_sig_scheme s, const char *secret, const void *body, size_t len,
                   int64_t now, char *out, size_t outlen);

#endif
