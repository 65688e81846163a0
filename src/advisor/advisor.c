/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advisor.c - proposals and drafted messages for a case (see advisor.h).
 *
 * The facts of the order are read once (order, lines, payments, shipments,
 * the case's open exceptions, the customer's name); each open exception
 * adds its candidates; candidates of the same kind keep the best score; a
 * fraud review removes what would send goods or money out. The message is
 * drafted for the case's highest-priority exception that customers are
 * told about.
 */
#include "advisor/advisor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "domain/model.h"
#include "store/store.h"

struct facts {
	struct ordex_arena *a;
	const struct ordex_case_row *c;
	struct ordex_order_row order;
	bool order_known;
	struct ordex_line_row *lines;
	size_t n_lines;
	struct ordex_payment_row *pays;
	size_t n_pays;
	struct ordex_shipment_row *ships;
	size_t n_ships;
	struct ordex_exception_row *ex;
	size_t n_ex;
	const char *first_name; /* or NULL */
	/* the payment a refund goes back to, and what it can take */
	const struct ordex_payment_row *refund_to;
	int64_t refundable;
	bool fraud_review;
};

/* ---- the facts -------------------------------------------------------------------- */

static int gather(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                  const struct ordex_case_row *c, struct facts *f)
{
	memset(f, 0, sizeof(*f));
	f->a = a;
	f->c = c;
	int rc = st->ops->order_get(st, sc, c->order_ref, a, &f->order);
	if (rc && rc != ORDEX_E_NOTFOUND)
		return rc;
	f->order_known = rc == ORDEX_OK;
	if (f->order_known &&
	    (rc = st->ops->lines_get(st, sc, f->order.id, a, &f->lines, &f->n_lines)))
		return rc;
	if ((rc = st->ops->payments_for_order(st, sc, c->order_ref, a, &f->pays, &f->n_pays)) ||
	    (rc = st->ops->shipments_for_order(st, sc, c->order_ref, a, &f->ships, &f->n_ships)) ||
	    (rc = st->ops->exceptions_of_case(st, sc, c->id, a, &f->ex, &f->n_ex)))
		return rc;
	f->fraud_review = f->order_known && f->order.fraud_state == ORDEX_FRAUD_STATE_REVIEW;
	for (size_t i = 0; i < f->n_ex; i++)
		if (!strcmp(f->ex[i].status, "open") && !strcmp(f->ex[i].kind, "fraud_review"))
			f->fraud_review = true;
	/* one captured payment with something left: refunds go back to it */
	int with_capture = 0;
	for (size_t i = 0; i < f->n_pays; i++) {
		if (f->pays[i].captured <= 0)
			continue;
		with_capture++;
		int64_t held = 0;
		if ((rc = st->ops->refunds_held(st, sc, f->pays[i].ref, 0, &held)))
			return rc;
		f->refund_to = &f->pays[i];
		f->refundable = f->pays[i].captured - f->pays[i].refunded - held;
	}
	if (with_capture != 1 || f->refundable <= 0)
		f->refund_to = NULL;
	if (f->order_known && f->order.customer) {
		struct ordex_customer_row cu;
		rc = st->ops->customer_get(st, sc, f->order.customer, a, &cu);
		if (rc && rc != ORDEX_E_NOTFOUND)
			return rc;
		if (rc == ORDEX_OK && cu.name && cu.name[0]) {
			char *n = ordex_arena_strdup(a, cu.name);
			n[strcspn(n, " ")] = '\0';
			f->first_name = n;
		}
	}
	return ORDEX_OK;
}

static const char *money(const struct facts *f, int64_t minor, const char *currency)
{
	char m[ORDEX_MONEY_MAX_LEN];
	ordex_money_format(minor, currency, m);
	return ordex_arena_printf(f->a, "%s %s", m, currency);
}

static const struct ordex_shipment_row *latest_shipment(const struct facts *f)
{
	const struct ordex_shipment_row *s = NULL;
	for (size_t i = 0; i < f->n_ships; i++)
		if (!s || f->ships[i].status_seq > s->status_seq)
			s = &f->ships[i];
	return s;
}

/* A line's name in payloads: its ref, else its number. */
static void line_id(struct ordex_jw *w, const struct ordex_line_row *l)
{
	if (l->ref && l->ref[0])
		ordex_jw_str(w, l->ref);
	else
		ordex_jw_int(w, l->line_no);
}

/* ---- proposals ------------------------------------------------------------------ */

struct list {
	struct ordex_arena *a;
	struct ordex_proposal *p;
	size_t n, cap;
};

/* Adds a candidate; one of the same kind and payload keeps the higher score. */
static void add(struct list *l, const char *kind, int score, const char *answers, const char *why,
                struct ordex_buf *payload)
{
	const char *pl =
	    ordex_arena_strndup(l->a, payload->data ? payload->data : "{}", payload->len);
	ordex_buf_free(payload);
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->p[i].kind, kind) && !strcmp(l->p[i].payload, pl)) {
			if (score > l->p[i].score) {
				l->p[i].score = score;
				l->p[i].answers = answers;
				l->p[i].why = why;
			}
			return;
		}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct ordex_proposal *p = ordex_arena_alloc(l->a, cap * sizeof(*p));
		if (l->n)
			memcpy(p, l->p, l->n * sizeof(*p));
		l->p = p;
		l->cap = cap;
	}
	l->p[l->n++] = (struct ordex_proposal){kind, pl, why, answers, score};
}

/* Starts a payload {"reason": reason, ...}; the caller adds members and closes it. */
static void start(struct ordex_buf *b, struct ordex_jw *w, const char *reason_key,
                  const char *reason)
{
	ordex_buf_init(b, 0);
	ordex_jw_init(w, b);
	ordex_jw_obj(w);
	if (reason_key) {
		ordex_jw_key(w, reason_key);
		ordex_jw_str(w, reason);
	}
}

static void simple(struct list *l, const char *kind, int score, const char *answers,
                   const char *why, const char *reason_key, const char *reason)
{
	struct ordex_buf b;
	struct ordex_jw w;
	start(&b, &w, reason_key, reason);
	ordex_jw_obj_end(&w);
	add(l, kind, score, answers, why, &b);
}

static void contact(struct list *l, int score, const char *answers, const char *why,
                    const char *message)
{

	struct ordex_buf b;
	struct ordex_jw w;
	start(&b, &w, "message", message);
	ordex_jw_key(&w, "channel");
	ordex_jw_str(&w, "email");
	ordex_jw_key(&w, "template");
	ordex_jw_str(&w, answers);
	ordex_jw_obj_end(&w);
	add(l, "contact_customer", score, answers, why, &b);
}

static void escalate(struct list *l, int score, const char *answers, const char *why,
                     const char *queue, const char *reason)
{
	struct ordex_buf b;
	struct ordex_jw w;
	start(&b, &w, "reason", reason);
	if (queue) {
		ordex_jw_key(&w, "queue");
		ordex_jw_str(&w, queue);
	}
	ordex_jw_obj_end(&w);
	add(l, "escalate", score, answers, why, &b);
}

static void refund(struct list *l, const struct facts *f, int score, const char *answers,
                   int64_t amount, const char *reason)
{
	if (!f->refund_to || amount <= 0)
		return;
	if (amount > f->refundable)
		amount = f->refundable;
	const char *cur = f->refund_to->currency;
	char m[ORDEX_MONEY_MAX_LEN];
	ordex_money_format(amount, cur, m);
	struct ordex_buf b;
	struct ordex_jw w;
	start(&b, &w, "reason", reason);
	ordex_jw_key(&w, "payment");
	ordex_jw_str(&w, f->refund_to->ref);
	ordex_jw_key(&w, "amount");
	ordex_jw_str(&w, m);
	ordex_jw_key(&w, "currency");
	ordex_jw_str(&w, cur);
	ordex_jw_obj_end(&w);
	add(l, "refund", score, answers,
	    ordex_arena_printf(l->a, "%s of %s refundable on payment %s", money(f, amount, cur),
	                       money(f, f->refundable, cur), f->refund_to->ref),
	    &b);
}

static void reship(struct list *l, const struct facts *f, int score, const char *answers,
                   const char *why)
{
	if (!f->n_lines)
		return;
	struct ordex_buf b;
	struct ordex_jw w;
	start(&b, &w, "reason", why);
	ordex_jw_key(&w, "lines");
	ordex_jw_arr(&w);
	for (size_t i = 0; i < f->n_lines; i++)
		line_id(&w, &f->lines[i]);
	ordex_jw_arr_end(&w);
	ordex_jw_obj_end(&w);
	add(l, "reship", score, answers, why, &b);
}

/* The candidates for the lines of an order short of stock. */
static void short_lines(struct list *l, const struct facts *f, const char *answers)
{
	for (size_t i = 0; i < f->n_lines; i++) {
		const struct ordex_line_row *ln = &f->lines[i];
		int64_t missing = ln->qty - ln->allocated;
		if (!ln->open || missing <= 0)
			continue;
		const char *why =
		    ordex_arena_printf(l->a, "%lld of %lld × %s not in stock", (long long)missing,
		                       (long long)ln->qty, ln->sku);
		struct ordex_buf b;
		struct ordex_jw w;
		start(&b, &w, "reason", "not in stock");
		ordex_jw_key(&w, "line");
		line_id(&w, ln);
		ordex_jw_key(&w, "qty");
		ordex_jw_int(&w, missing);
		ordex_jw_obj_end(&w);
		add(l, "cancel_line", 55, answers, why, &b);
		/* a line's price is in the order's currency: refunded only from a
		 * payment in that same currency */
		if (ln->price > 0 && f->refund_to && f->order_known &&
		    !strcmp(f->refund_to->currency, f->order.currency))
			refund(l, f, 50, answers, ln->price * missing,
			       ordex_arena_printf(l->a, "%s not in stock", ln->sku));
	}
}

/* A conflict between what a payment system reports and what ordex did (writeback). */
static bool reconcile(const struct ordex_exception_row *e)
{
	return e->subject && !strncmp(e->subject, "issue:reconcile:", 16);
}

static void candidates(struct list *l, const struct facts *f, const struct ordex_exception_row *e)
{
	const char *k = e->kind;
	const char *why = e->why ? e->why : k;
	const char *ref = f->c->order_ref;
	if (!strcmp(k, "fraud_review")) {
		simple(l, "hold_fulfillment", 95, k, why, "reason", "fraud review open");
		contact(l, 70, k, "verify the order with the customer",
		        ordex_arena_printf(l->a,
		                           "We need to confirm a few details before we send "
		                           "order %s.",
		                           ref));
		simple(l, "cancel_order", 45, k, "cancel and void the payment if it is fraud",
		       "reason", "fraud review: cancel and void the payment");
	} else if (!strcmp(k, "payment_failed") || !strcmp(k, "payment_action_required")) {
		contact(l, 90, k, why,
		        ordex_arena_printf(l->a, "Your payment for order %s needs your attention.",
		                           ref));
		simple(l, "hold_fulfillment", 60, k, "nothing ships unpaid", "reason",
		       "payment not complete");
		simple(l, "cancel_order", 30, k, "if the customer does not pay", "reason",
		       "payment never completed");
	} else if (!strcmp(k, "payment_pending")) {
		simple(l, "hold_fulfillment", 70, k, why, "reason", "payment pending");
		contact(
		    l, 50, k, why,
		    ordex_arena_printf(l->a, "Your payment for order %s is still pending.", ref));
		escalate(l, 35, k, "the payment provider may need chasing", NULL,
		         "payment pending too long");
	} else if (!strcmp(k, "chargeback")) {
		escalate(l, 85, k, why, "finance", "chargeback: respond with evidence");
	} else if (!strcmp(k, "refund_mismatch")) {
		escalate(l, 80, k, why, "finance", "refunds do not match the payments");
	} else if (!strcmp(k, "inventory_shortage") || !strcmp(k, "substitution_needed")) {
		contact(l, 80, k, why,
		        ordex_arena_printf(l->a,
		                           "Part of order %s is out of stock: may we send a "
		                           "substitute, or refund it?",
		                           ref));
		short_lines(l, f, k);
	} else if (!strcmp(k, "address_invalid")) {
		struct ordex_buf b;
		struct ordex_jw w;
		start(&b, &w, "message",
		      ordex_arena_printf(l->a, "Please confirm the delivery address of order %s.",
		                         ref));
		ordex_jw_obj_end(&w);
		add(l, "request_address_correction", 95, k, why, &b);
		simple(l, "hold_fulfillment", 70, k, "do not ship to an address that fails",
		       "reason", "address invalid");
	} else if (!strcmp(k, "fulfillment_late")) {
		contact(l, 70, k, why,
		        ordex_arena_printf(l->a, "Order %s is taking longer than we said.", ref));
		escalate(l, 60, k, "the warehouse has not shipped in time", "warehouse",
		         "fulfilment late");
	} else if (!strcmp(k, "shipment_late") || !strcmp(k, "shipment_stalled")) {
		contact(l, 75, k, why,
		        ordex_arena_printf(l->a, "The delivery of order %s is delayed.", ref));
		escalate(l, !strcmp(k, "shipment_stalled") ? 70 : 45, k,
		         "ask the carrier to trace the parcel", "carrier", "carrier trace");
		reship(l, f, !strcmp(k, "shipment_stalled") ? 40 : 20, k,
		       "send again if the parcel is lost");
	} else if (!strcmp(k, "delivery_exception") || !strcmp(k, "returned_to_sender")) {
		contact(l, 80, k, why,
		        ordex_arena_printf(l->a, "The carrier could not deliver order %s.", ref));
		reship(l, f, !strcmp(k, "returned_to_sender") ? 60 : 45, k,
		       "send again once the address is confirmed");
		if (f->refund_to)
			refund(l, f, 40, k, f->refundable, "not delivered");
	} else if (!strcmp(k, "state_conflict") && reconcile(e)) {
		/* a payment system disagrees with what ordex did: people, not the customer */
		escalate(l, 85, k, why, "finance",
		         "a payment system disagrees with what ordex did");
	} else if (!strcmp(k, "writeback_failed")) {
		escalate(l, 75, k, why, "operations",
		         "a system refused an approved action: retry or cancel its writeback");
		contact(l, 40, k, why,
		        ordex_arena_printf(
		            l->a, "Sorting out order %s is taking longer than we hoped.", ref));
	} else if (!strcmp(k, "state_conflict")) {
		/* cancelled but shipped (CASE-12): intercept, ask for a return, or write off */
		escalate(l, 80, k, "ask the carrier to intercept the parcel", "carrier",
		         "intercept: the order was cancelled after it shipped");
		contact(l, 70, k, why,
		        ordex_arena_printf(l->a, "Order %s was cancelled but had already shipped.",
		                           ref));
		simple(l, "close_no_action", 30, k, "write the shipment off", "reason",
		       "written off: cancelled after shipping");
	} else if (!strcmp(k, "customer_escalation")) {
		contact(
		    l, 90, k, why,
		    ordex_arena_printf(l->a, "We are sorry about the trouble with order %s.", ref));
		escalate(l, 50, k, "an unhappy customer", NULL, "customer escalation");
	} else if (!strcmp(k, "data_quality")) {
		escalate(l, 40, k, why, NULL, "a system sent incomplete data");
		simple(l, "close_no_action", 20, k, "nothing the customer sees", "reason",
		       "data fixed at the source");
	}
}

/* What may be done while a fraud review is open: nothing that sends goods or money. */
static bool during_fraud_review(const char *kind)
{
	return !strcmp(kind, "hold_fulfillment") || !strcmp(kind, "contact_customer") ||
	       !strcmp(kind, "cancel_order");
}

static int by_score(const void *x, const void *y)
{
	const struct ordex_proposal *a = x, *b = y;
	if (a->score != b->score)
		return b->score - a->score;
	return strcmp(a->kind, b->kind);
}

/* ---- the message ------------------------------------------------------------------ */

/* A fact named in the draft, as stated. */
struct fact_list {
	struct ordex_buf b;
	struct ordex_jw w;
};

static void fact(struct fact_list *fl, const char *name, const char *value)
{
	ordex_jw_key(&fl->w, name);
	ordex_jw_str(&fl->w, value);
}

static const char *day_of(struct ordex_arena *a, int64_t us, int offset)
{
	char t[ORDEX_TIME_MAX_LEN];
	ordex_time_format(us, offset, t);
	t[10] = '\0';
	return ordex_arena_strdup(a, t);
}

static void draft(const struct facts *f, struct ordex_draft *d)
{
	struct ordex_arena *a = f->a;
	const struct ordex_exception_row *e = NULL;
	static const char *const told[] = {
	    "payment_failed",     "payment_action_required", "fraud_review",
	    "inventory_shortage", "substitution_needed",     "address_invalid",
	    "shipment_stalled",   "delivery_exception",      "returned_to_sender",
	    "shipment_late",      "fulfillment_late",        "state_conflict",
	    "customer_escalation"};
	/* the exceptions come highest priority first; customers hear of the first told */
	for (size_t i = 0; i < f->n_ex && !e; i++) {
		if (strcmp(f->ex[i].status, "open"))
			continue;
		for (size_t j = 0; j < sizeof(told) / sizeof(told[0]); j++)
			if (!strcmp(f->ex[i].kind, told[j]) && !reconcile(&f->ex[i]))
				e = &f->ex[i];
	}
	memset(d, 0, sizeof(*d));
	if (!e)
		return;
	struct fact_list fl;
	ordex_buf_init(&fl.b, 0);
	ordex_jw_init(&fl.w, &fl.b);
	ordex_jw_obj(&fl.w);
	const char *ref = f->c->order_ref;
	fact(&fl, "order", ref);
	const char *hello =
	    f->first_name ? ordex_arena_printf(a, "Hello %s,", f->first_name) : "Hello,";
	if (f->first_name)
		fact(&fl, "first_name", f->first_name);
	const char *k = e->kind;
	const char *body;
	const struct ordex_shipment_row *s = latest_shipment(f);
	d->template_name = k;
	if (f->fraud_review) {
		/* never say why: a customer under review hears only that details are checked */
		d->template_name = "verification";
		body = ordex_arena_printf(a,
		                          "before we send order %s we need to confirm a few "
		                          "details. We will be in touch shortly; nothing is needed "
		                          "from you until then.",
		                          ref);
	} else if (!strcmp(k, "payment_failed") || !strcmp(k, "payment_action_required")) {
		const char *total = NULL;
		if (f->order_known && f->order.total_set && f->order.currency[0]) {
			total = money(f, f->order.total, f->order.currency);
			fact(&fl, "total", total);
		}
		body = ordex_arena_printf(
		    a, "we could not complete the payment for order %s%s%s%s. %s", ref,
		    total ? " (" : "", total ? total : "", total ? ")" : "",
		    !strcmp(k, "payment_action_required")
		        ? "Your bank asks you to confirm it: please follow the link in its message."
		        : "Please check your payment details so that we can send your order.");
	} else if (!strcmp(k, "inventory_shortage") || !strcmp(k, "substitution_needed")) {
		const char *sku = NULL;
		for (size_t i = 0; i < f->n_lines && !sku; i++)
			if (f->lines[i].open && f->lines[i].allocated < f->lines[i].qty)
				sku = f->lines[i].sku;
		if (sku)
			fact(&fl, "sku", sku);
		body = ordex_arena_printf(a,
		                          "%s%s in order %s is out of stock. Would you like us to "
		                          "send a substitute, wait for new stock, or refund it?",
		                          sku ? "the item " : "an item", sku ? sku : "", ref);
	} else if (!strcmp(k, "address_invalid")) {
		body = ordex_arena_printf(a,
		                          "we could not confirm the delivery address of order %s. "
		                          "Please reply with the full address, so that your parcel "
		                          "reaches you.",
		                          ref);
	} else if (!strcmp(k, "fulfillment_late")) {
		const char *by = NULL;
		if (f->order_known && f->order.promised_at) {
			by = day_of(a, f->order.promised_at, f->order.promised_offset);
			fact(&fl, "promised", by);
		}
		body =
		    ordex_arena_printf(a,
		                       "order %s is taking longer to leave our warehouse than we "
		                       "said%s%s%s. We are on it and will write again when it "
		                       "ships.",
		                       ref, by ? " (by " : "", by ? by : "", by ? ")" : "");
	} else if (s && (!strcmp(k, "shipment_late") || !strcmp(k, "shipment_stalled") ||
	                 !strcmp(k, "delivery_exception") || !strcmp(k, "returned_to_sender"))) {
		const char *parcel = "your parcel";
		if (s->tracking && s->tracking[0]) {
			fact(&fl, "tracking", s->tracking);
			if (s->carrier && s->carrier[0]) {
				fact(&fl, "carrier", s->carrier);
				parcel = ordex_arena_printf(a, "your %s parcel %s", s->carrier,
				                            s->tracking);
			} else {
				parcel = ordex_arena_printf(a, "your parcel %s", s->tracking);
			}
		}
		const char *eta = NULL;
		if (s->eta && !strcmp(k, "shipment_late")) {
			eta = day_of(a, s->eta, f->order_known ? f->order.tz_offset : 0);
			fact(&fl, "eta", eta);
		}
		if (!strcmp(k, "shipment_late"))
			body =
			    ordex_arena_printf(a, "%s for order %s is running late.%s%s%s", parcel,
			                       ref, eta ? " The carrier now expects it on " : "",
			                       eta ? eta : "", eta ? "." : "");
		else if (!strcmp(k, "shipment_stalled"))
			body = ordex_arena_printf(a,
			                          "%s for order %s has not moved for a while. We "
			                          "have asked the carrier to look for it.",
			                          parcel, ref);
		else
			body = ordex_arena_printf(
			    a,
			    "the carrier could not deliver %s for order %s%s. "
			    "Please confirm your address and we will send it "
			    "again.",
			    parcel, ref,
			    !strcmp(k, "returned_to_sender") ? ", and it is on its way back to us"
			                                     : "");
	} else if (!strcmp(k, "state_conflict")) {
		body = ordex_arena_printf(a,
		                          "order %s was cancelled as you asked, but it had already "
		                          "left us. If it reaches you, please refuse it or send it "
		                          "back; you will not be charged twice.",
		                          ref);
	} else {
		body = ordex_arena_printf(a,
		                          "we are sorry about the trouble with order %s. We are "
		                          "looking into it and will write again soon.",
		                          ref);
	}
	ordex_jw_obj_end(&fl.w);
	/* the first letter of what follows "Hello," is a capital */
	char *text = ordex_arena_printf(a, "%s\n\n%s\n", hello, body);
	char *first = text + strlen(hello) + 2;
	if (*first >= 'a' && *first <= 'z')
		*first = (char)(*first - 'a' + 'A');
	d->text = text;
	d->facts = ordex_arena_strndup(a, fl.b.data ? fl.b.data : "{}", fl.b.len);
	ordex_buf_free(&fl.b);
}

/* ---- together ------------------------------------------------------------------- */

int ordex_advisor_advise(struct ordex_store *st, const struct ordex_scope *sc,
                         struct ordex_arena *a, const struct ordex_case_row *c,
                         struct ordex_advice *out)
{
	memset(out, 0, sizeof(*out));
	struct facts f;
	int rc = gather(st, sc, a, c, &f);
	if (rc)
		return rc;
	out->fraud_review = f.fraud_review;
	if (!strcmp(c->status, "resolved"))
		return ORDEX_OK; /* nothing to do about a resolved case */
	struct list l = {.a = a};
	for (size_t i = 0; i < f.n_ex; i++)
		if (!strcmp(f.ex[i].status, "open"))
			candidates(&l, &f, &f.ex[i]);
	size_t kept = 0;
	for (size_t i = 0; i < l.n; i++)
		if (!f.fraud_review || during_fraud_review(l.p[i].kind))
			l.p[kept++] = l.p[i];
	l.n = kept;
	if (l.n)
		qsort(l.p, l.n, sizeof(*l.p), by_score);
	out->proposals = l.p;
	out->n = l.n;
	draft(&f, &out->message);
	/* one proposal to contact the customer (the best placed), saying what the draft says */
	bool contacted = false;
	kept = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (strcmp(out->proposals[i].kind, "contact_customer")) {
			out->proposals[kept++] = out->proposals[i];
			continue;
		}
		if (contacted)
			continue;
		contacted = true;
		out->proposals[kept++] = out->proposals[i];
		if (!out->message.text)
			continue;
		struct ordex_buf b;
		struct ordex_jw w;
		start(&b, &w, "message", out->message.text);
		ordex_jw_key(&w, "channel");
		ordex_jw_str(&w, "email");
		ordex_jw_key(&w, "template");
		ordex_jw_str(&w, out->message.template_name);
		ordex_jw_obj_end(&w);
		out->proposals[kept - 1].payload = ordex_arena_strndup(a, b.data, b.len);
		ordex_buf_free(&b);
	}
	out->n = kept;
	return ORDEX_OK;
}

int ordex_advisor_render(struct ordex_jw *w, struct ordex_store *st, const struct ordex_scope *sc,
                         struct ordex_arena *a, const struct ordex_case_row *c)
{
	struct ordex_advice adv;
	int rc = ordex_advisor_advise(st, sc, a, c, &adv);
	if (rc)
		return rc;
	ordex_jw_obj(w);
	ordex_jw_key(w, "fraud_review");
	ordex_jw_bool(w, adv.fraud_review);
	ordex_jw_key(w, "actions");
	ordex_jw_arr(w);
	for (size_t i = 0; i < adv.n; i++) {
		const struct ordex_proposal *p = &adv.proposals[i];
		ordex_jw_obj(w);
		ordex_jw_key(w, "kind");
		ordex_jw_str(w, p->kind);
		ordex_jw_key(w, "payload");
		ordex_jw_raw(w, p->payload, strlen(p->payload));
		ordex_jw_key(w, "why");
		ordex_jw_str(w, p->why);
		ordex_jw_key(w, "answers");
		ordex_jw_str(w, p->answers);
		ordex_jw_key(w, "score");
		ordex_jw_int(w, p->score);
		ordex_jw_obj_end(w);
	}
	ordex_jw_arr_end(w);
	ordex_jw_key(w, "message");
	if (adv.message.text) {
		ordex_jw_obj(w);
		ordex_jw_key(w, "template");
		ordex_jw_str(w, adv.message.template_name);
		ordex_jw_key(w, "text");
		ordex_jw_str(w, adv.message.text);
		ordex_jw_key(w, "facts");
		ordex_jw_raw(w, adv.message.facts, strlen(adv.message.facts));
		ordex_jw_obj_end(w);
	} else {
		ordex_jw_null(w);
	}
	ordex_jw_obj_end(w);
	return ORDEX_OK;
}
