/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_signature.c - libFuzzer target for webhook signature verification.
 *
 * The input is "SIGNATURE\nTIMESTAMP\nBODY": the first line is the value of
 * every signature header a scheme asks for, the second the value of the
 * Zendesk timestamp header, the rest the body (a missing line is empty).
 * It is verified under every scheme, with and without a replay window and
 * with AfterShip's three header names one at a time. Verification must
 * answer ORDEX_OK or ORDEX_E_AUTH with a terminated reason. Then the body
 * is signed under every scheme, and the signature must verify and must
 * stop verifying when a byte of the body changes. Any breach calls abort().
 * tests/fuzz/replay.c supplies main() for replaying the corpus without
 * libFuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "core/common.h"
#include "ingest/signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#define NOW   INT64_C(1714564800) /* 2024-05-01T12:00:00Z */
#define TS    "X-Zendesk-Webhook-Signature-Timestamp"
#define NLINE 4

static const enum ordex_sig_scheme schemes[] = {
    ORDEX_SIG_SHOPIFY, ORDEX_SIG_STRIPE, ORDEX_SIG_EASYPOST, ORDEX_SIG_AFTERSHIP, ORDEX_SIG_ZENDESK,
};

/* the second is "s\u00e9cret", which EasyPost keys as "se\u0301cret" */
static const char *const secrets[] = {"fuzz-secret", "s\xc3\xa9"
                                                     "cret"};

struct fuzz_headers {
	const char *sig;  /* every signature header but the one below */
	const char *ts;   /* X-Zendesk-Webhook-Signature-Timestamp */
	const char *only; /* when set, the one signature header present */
	/* or, for the round trip, the lines ordex_sig_sign() wrote */
	const char *name[NLINE];
	const char *value[NLINE];
	int n;
};

static const char *lookup(void *ctx, const char *name)
{
	const struct fuzz_headers *h = ctx;

	if (h->n) {
		for (int i = 0; i < h->n; i++)
			if (!strcasecmp(h->name[i], name))
				return h->value[i];
		return NULL;
	}
	if (!strcasecmp(name, TS))
		return h->ts;
	if (h->only && strcasecmp(name, h->only))
		return NULL;
	return h->sig;
}

static void check_answer(int rc, int which, const char *why, size_t whylen)
{
	CHECK(rc == ORDEX_OK || rc == ORDEX_E_AUTH);
	CHECK(strnlen(why, whylen) < whylen);
	if (rc == ORDEX_OK)
		CHECK(which >= 0 && which < (int)ORDEX_ARRAY_LEN(secrets) && !why[0]);
	else
		CHECK(which == -1 && why[0]);
}

static void verify_all(struct fuzz_headers *h, const uint8_t *body, size_t len)
{
	static const int tolerance[] = {0, -1, 1};
	static const char *const aftership[] = {"aftership-hmac-sha256", "as-signature-hmac-sha256",
	                                        "am-webhook-signature"};
	char why[160];
	int which, rc;

	for (size_t i = 0; i < ORDEX_ARRAY_LEN(schemes); i++) {
		for (size_t t = 0; t < ORDEX_ARRAY_LEN(tolerance); t++) {
			struct ordex_sig_input in = {lookup, h, body, len, NOW, tolerance[t]};
			rc = ordex_sig_verify(schemes[i], secrets, ORDEX_ARRAY_LEN(secrets), &in,
			                      &which, why, sizeof(why));
			check_answer(rc, which, why, sizeof(why));
		}
	}
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(aftership); i++) {
		struct ordex_sig_input in = {lookup, h, body, len, NOW, 0};
		h->only = aftership[i];
		rc = ordex_sig_verify(ORDEX_SIG_AFTERSHIP, secrets, ORDEX_ARRAY_LEN(secrets), &in,
		                      &which, why, sizeof(why));
		check_answer(rc, which, why, sizeof(why));
	}
	h->only = NULL;
}

/* Splits "Name: value\n" lines in place. */
static void load_lines(struct fuzz_headers *h, char *p)
{
	h->n = 0;
	while (*p) {
		char *nl = strchr(p, '\n');
		char *colon = strstr(p, ": ");
		CHECK(nl && colon && colon < nl && h->n < NLINE);
		*colon = '\0';
		*nl = '\0';
		h->name[h->n] = p;
		h->value[h->n] = colon + 2;
		h->n++;
		p = nl + 1;
	}
}

static void round_trip(uint8_t *body, size_t len)
{
	char out[512], why[160];
	int which;

	for (size_t i = 0; i < ORDEX_ARRAY_LEN(schemes); i++) {
		struct fuzz_headers h = {.n = 0};
		struct ordex_sig_input in = {lookup, &h, body, len, NOW, 0};

		CHECK(ordex_sig_sign(schemes[i], secrets[1], body, len, NOW, out, sizeof(out)) ==
		      ORDEX_OK);
		load_lines(&h, out);
		CHECK(ordex_sig_verify(schemes[i], secrets, 2, &in, &which, why, sizeof(why)) ==
		      ORDEX_OK);
		CHECK(which == 1);
		if (len) {
			body[len / 2] ^= 0x20;
			CHECK(ordex_sig_verify(schemes[i], secrets, 2, &in, &which, why,
			                       sizeof(why)) == ORDEX_E_AUTH);
			body[len / 2] ^= 0x20;
		}
	}
}

/* The next line of [*p, end) as a NUL-terminated copy; empty at the end. */
static char *next_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	CHECK(s);
	memcpy(s, *p, n);
	s[n] = '\0';
	*p = nl ? nl + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct fuzz_headers h = {.n = 0};
	char *sig, *ts;
	uint8_t *body;
	size_t len;

	CHECK(sodium_init() >= 0);
	sig = next_line(&p, end);
	ts = next_line(&p, end);
	len = (size_t)(end - p);
	/* a copy of its own, so that reads past the body are caught */
	body = malloc(len ? len : 1);
	CHECK(body);
	if (len)
		memcpy(body, p, len);
	h.sig = sig;
	h.ts = ts;

	verify_all(&h, body, len);
	round_trip(body, len);

	free(body);
	free(ts);
	free(sig);
	return 0;
}
