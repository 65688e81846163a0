/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advisor.h - what to do about a case: ranked proposals and the message to
 * the customer, drafted from the facts ordex holds (DESIGN.md section 6).
 *
 * The advisor reads; it never acts. Each proposal is a complete action
 * (kind and payload, ready for POST /v1/cases/{id}/actions) with the facts
 * that make it worth doing and the exception it answers, ranked by how
 * much it helps the customer. Two rules hold whatever the exceptions:
 *
 *   - while a fraud review of the order is open, only holding fulfilment,
 *     contacting the customer, and cancelling (which voids the payment) are
 *     proposed (CASE-14): nothing that sends goods or money out;
 *   - money is proposed only within what the order's payments make
 *     refundable, in the payment's currency.
 *
 * A drafted message says only what the facts say: each template names the
 * facts it needs, and a template whose facts are not known gives way to a
 * plainer one (no tracking number is invented, no date promised that no
 * system gave). The facts used are returned with the text.
 */
#ifndef ORDEX_ADVISOR_H
#define ORDEX_ADVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ordex_arena;
struct ordex_case_row;
struct ordex_jw;
struct ordex_scope;
struct ordex_store;

struct ordex_proposal {
	const char *kind;    /* the action */
	const char *payload; /* JSON object */
	const char *why;     /* the facts behind it, for people */
	const char *answers; /* the exception kind it addresses */
	int score;           /* 0..100, higher first */
};

struct ordex_draft {
	const char *template_name; /* NULL: no message is due */
	const char *text;
	const char *facts; /* JSON object: every fact the text states */
};

struct ordex_advice {
	struct ordex_proposal *proposals;
	size_t n;
	bool fraud_review;
	struct ordex_draft message;
};

/* Advice on case c, read through st. ORDEX_OK or ORDEX_E_STORE. */
int ordex_advisor_advise(struct ordex_store *st, const struct ordex_scope *sc,
                         struct ordex_arena *a, const struct ordex_case_row *c,
                         struct ordex_advice *out);

/* Writes the advice on c as a JSON value ({"fraud_review", "actions", "message"}). */
int ordex_advisor_render(struct ordex_jw *w, struct ordex_store *st, const struct ordex_scope *sc,
                         struct ordex_arena *a, const struct ordex_case_row *c);

#endif
