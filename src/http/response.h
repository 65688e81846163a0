/* SPDX-License-Identifier: Apache-2.0 */
/*
 * response.h - what a handler hands back: a status, a content type and a
 * body; and problem details (RFC 9457) built once with a stable code.
 */
#ifndef ORDEX_RESPONSE_H
#define ORDEX_RESPONSE_H

#include <stddef.h>

#include "core/buf.h"

struct ordex_problems;

struct ordex_response {
	unsigned status;
	const char *content_type;
	struct ordex_buf body;
	const char *allow;      /* Allow header for 405, or NULL */
	const char *www_auth;   /* WWW-Authenticate for 401, or NULL */
	const char *set_cookie; /* Set-Cookie, or NULL */
	/* Content-Disposition of a file served as it was uploaded (sandboxed), or NULL */
	const char *disposition;

	/* rate limits (RateLimit-* fields; rl_limit 0: none), Retry-After for 429 */
	double rl_limit, rl_remaining;
	unsigned rl_reset, retry_after;
};

/*
 * Fills r with an application/problem+json body. code is the stable
 * machine-readable code ("validation_failed"); detail is for people;
 * probs (may be NULL) lists each field at fault.
 */
void ordex_problem(struct ordex_response *r, unsigned status, const char *code, const char *title,
                   const char *detail, const struct ordex_problems *probs);

#endif
