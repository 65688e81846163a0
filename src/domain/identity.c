/* SPDX-License-Identifier: Apache-2.0 */
/*
 * identity.c - which order an event is about, when it does not say it in
 * the merchant's own terms; and who the customer behind an e-mail is.
 *
 * An event names its order directly ("order"), through another system's
 * id of it (data.order_alias: Shopify's 450789469 for order "1001"), or
 * through references found in text (data.order_candidates, tickets). Order
 * events declare their aliases (data.aliases), which are kept. An event
 * whose order cannot be found yet is applied as far as it can be and kept
 * in pending_links under each name it used; when an order event later
 * brings that name, the waiting events are applied again with the order
 * known, whichever source each came from. Applying again is safe: every
 * projection is idempotent for the same fact.
 *
 * A stock level may name its item by the source's own id (Shopify's
 * inventory item); an inventory.item event says which SKU that is, and
 * levels that came first wait for it the same way.
 *
 * E-mail addresses match exactly after trimming and case folding. A
 * plus-address (hello+gifts@) of a known customer is never merged; it
 * becomes a suggestion for a person to confirm or dismiss.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "domain/project.h"
#include "domain/project_int.h"
#include "ingest/event.h"
#include "store/store.h"

static const char *subject_kind(const struct ordex_event *ev, const char **ref)
{
	if (ev->payment) {
		*ref = ev->payment;
		return "payment";
	}
	if (ev->shipment) {
		*ref = ev->shipment;
		return "shipment";
	}
	if (ev->ticket) {
		*ref = ev->ticket;
		return "ticket";
	}
	*ref = NULL;
	return "event";
}

/*
 * The name under which a fact waits in pending_links: its kind first, so
 * that an order alias from one source never drains what waits for a SKU or
 * a payment ("order:shopify", "text:", "sku:shopify", "payment:").
 */
static const char *wait_key(struct ordex_apply *ap, const char *kind, const char *source)
{
	return ordex_arena_printf(ap->a, "%s:%s", kind, source ? source : "");
}

int ordex__resolve_order(struct ordex_apply *ap, struct ordex_event *ev, int64_t seq, bool *parked)
{
	struct ordex_store *st = ap->st;
	*parked = false;
	if (ev->order)
		return ORDEX_OK;
	const char *ref = NULL;
	int rc = ORDEX_E_NOTFOUND;
	if (ev->order_alias.source) {
		rc = st->ops->alias_get(st, ap->sc, ev->order_alias.source, ev->order_alias.id,
		                        ap->a, &ref);
	} else {
		for (size_t i = 0; i < ev->n_candidates && rc == ORDEX_E_NOTFOUND; i++) {
			struct ordex_order_row o;
			rc = st->ops->order_get(st, ap->sc, ev->order_candidates[i], ap->a, &o);
			if (rc == ORDEX_OK)
				ref = o.ref;
			else if (rc == ORDEX_E_NOTFOUND)
				rc = st->ops->alias_get(st, ap->sc, NULL, ev->order_candidates[i],
				                        ap->a, &ref);
		}
	}
	/* a fraud signal about a payment: the payment's order */
	if (rc == ORDEX_E_NOTFOUND && !ev->order_alias.source && !ev->n_candidates &&
	    ev->type == ORDEX_EV_FRAUD_SIGNAL && ev->payment) {
		struct ordex_payment_row p;
		rc = st->ops->payment_get(st, ap->sc, ev->payment, ap->a, &p);
		if (rc == ORDEX_OK && p.order_ref)
			ref = p.order_ref;
		else if (rc == ORDEX_OK || rc == ORDEX_E_NOTFOUND) {
			*parked = true;
			return st->ops->pending_add(st, ap->sc, wait_key(ap, "payment", NULL),
			                            ev->payment, "payment", ev->payment, seq);
		}
	}
	if (rc == ORDEX_OK) {
		ev->order = ref;
		return st->ops->event_set_order(st, ap->sc, seq, ref);
	}
	if (rc != ORDEX_E_NOTFOUND)
		return rc;
	if (!ev->order_alias.source && !ev->n_candidates)
		return ORDEX_OK; /* the event names no order at all */
	const char *subject;
	const char *kind = subject_kind(ev, &subject);
	if (ev->order_alias.source) {
		rc = st->ops->pending_add(st, ap->sc, wait_key(ap, "order", ev->order_alias.source),
		                          ev->order_alias.id, kind, subject, seq);
	} else {
		rc = ORDEX_OK;
		for (size_t i = 0; rc == ORDEX_OK && i < ev->n_candidates; i++) {
			bool again = false; /* a name listed twice waits once */
			for (size_t j = 0; j < i; j++)
				again |= !strcmp(ev->order_candidates[j], ev->order_candidates[i]);
			if (!again)
				rc = st->ops->pending_add(st, ap->sc, wait_key(ap, "text", NULL),
				                          ev->order_candidates[i], kind, subject,
				                          seq);
		}
	}
	*parked = rc == ORDEX_OK;
	return rc;
}

/* What is waiting to be applied again within the event being applied. */
struct drain_item {
	const char *key, *ext, *value;
	struct drain_item *next;
};

struct ordex_drain {
	struct drain_item *head, *tail;
	int64_t *done; /* event seqs applied again in this drain */
	size_t n_done, cap_done;
};

static bool drained_before(struct ordex_drain *d, int64_t seq)
{
	for (size_t i = 0; i < d->n_done; i++)
		if (d->done[i] == seq)
			return true;
	return false;
}

/*
 * Applies a stored event again, now that its order (or SKU) is known, under
 * a savepoint of its own: a refusal now leaves it as it was. Every name the
 * event waited under is forgotten first, so it is applied once.
 */
static int replay(struct ordex_apply *ap, const struct ordex_pending_row *p, const char *ref)
{
	struct ordex_store *st = ap->st;
	struct ordex_drain *d = ap->drain;
	if (drained_before(d, p->event_seq))
		return ORDEX_OK;
	if (d->n_done == d->cap_done) {
		size_t cap = d->cap_done ? d->cap_done * 2 : 16;
		int64_t *g = ordex_arena_alloc(ap->a, sizeof(*g) * cap);
		if (d->n_done)
			memcpy(g, d->done, sizeof(*g) * d->n_done);
		d->done = g;
		d->cap_done = cap;
	}
	d->done[d->n_done++] = p->event_seq;
	/* everything from here is undone if the event is refused now: the
	 * other names it waits under, and the work its application queued */
	struct drain_item *tail = d->tail;
	int rc = ap->careful ? st->ops->savepoint(st) : ORDEX_OK;
	if (rc)
		return rc;
	rc = st->ops->pending_drop_event(st, ap->sc, p->event_seq);
	const char *raw = NULL;
	size_t len = 0;
	if (rc == ORDEX_OK)
		rc = st->ops->event_get(st, ap->sc, p->event_seq, ap->a, &raw, &len);
	if (rc == ORDEX_E_NOTFOUND)
		return ap->careful ? st->ops->release(st) : ORDEX_OK;
	struct ordex_event *ev = ordex_arena_zalloc(ap->a, sizeof(*ev));
	if (rc == ORDEX_OK) {
		struct ordex_json *doc;
		struct ordex_json_error jerr;
		struct ordex_problems probs = {.n = 0};
		struct ordex_json_limits jl = {.max_nodes = (size_t)-1};
		if (ordex_json_parse(ap->a, raw, len, &jl, &doc, &jerr) != ORDEX_OK ||
		    ordex_event_validate(ap->a, doc, raw, len, ev, &probs) != ORDEX_OK)
			rc = ORDEX_E_CORRUPT; /* it was valid when it was stored */
	}
	if (rc == ORDEX_OK && !strcmp(p->subject_kind, "stock")) {
		ev->sku = ref; /* a stock level that waited for its item's SKU */
	} else if (rc == ORDEX_OK) {
		ev->order = ref;
		rc = st->ops->event_set_order(st, ap->sc, p->event_seq, ref);
	}
	struct ordex_apply again = *ap;
	if (rc == ORDEX_OK)
		rc = ordex_apply_event(&again, ev, p->event_seq);
	ap->exceptions_opened = again.exceptions_opened;
	ap->exceptions_resolved = again.exceptions_resolved;
	if (rc == ORDEX_E_INVAL && !ap->careful)
		return ORDEX_E_AGAIN; /* only a savepoint undoes it alone */
	if (rc == ORDEX_E_INVAL) {    /* refused now: as it was, with a note */
		ordex_audit_reset(ap->au);
		if ((rc = st->ops->rollback_to(st)))
			return rc;
		d->n_done--;
		if (tail)
			tail->next = NULL;
		else
			d->head = NULL;
		d->tail = tail;
		return ordex__audit(
		    ap, "input.not_reapplied", ref,
		    ordex_arena_printf(ap->a, "{\"seq\":%lld}", (long long)p->event_seq));
	}
	return rc || !ap->careful ? rc : st->ops->release(st);
}

/*
 * What waited under (key, ext) is applied again with value. Inside a drain
 * the work is queued; the outermost call drains the queue in order, so that
 * a chain of waiting facts (an order alias that brings another) is a loop,
 * not a recursion.
 */
static int take_and_replay(struct ordex_apply *ap, const char *key, const char *ext,
                           const char *value)
{
	struct drain_item *it = ordex_arena_zalloc(ap->a, sizeof(*it));
	it->key = ordex_arena_strdup(ap->a, key);
	it->ext = ordex_arena_strdup(ap->a, ext);
	it->value = ordex_arena_strdup(ap->a, value);
	if (ap->drain) {
		if (ap->drain->tail)
			ap->drain->tail->next = it;
		else
			ap->drain->head = it;
		ap->drain->tail = it;
		return ORDEX_OK;
	}
	struct ordex_drain d = {.head = it, .tail = it};
	ap->drain = &d;
	int rc = ORDEX_OK;
	while (rc == ORDEX_OK && d.head) {
		struct drain_item *cur = d.head;
		d.head = cur->next;
		if (!d.head)
			d.tail = NULL;
		struct ordex_pending_row *rows;
		size_t n;
		rc =
		    ap->st->ops->pending_take(ap->st, ap->sc, cur->key, cur->ext, ap->a, &rows, &n);
		for (size_t i = 0; rc == ORDEX_OK && i < n; i++)
			rc = replay(ap, &rows[i], cur->value);
	}
	ap->drain = NULL;
	return rc;
}

int ordex__link_order(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	struct ordex_store *st = ap->st;
	int rc = ORDEX_OK;
	for (size_t i = 0; rc == ORDEX_OK && i < ev->n_aliases; i++)
		rc = st->ops->alias_put(st, ap->sc, ev->aliases[i].source, ev->aliases[i].id,
		                        ev->order, seq);
	if (rc == ORDEX_OK)
		rc = take_and_replay(ap, wait_key(ap, "text", NULL), ev->order, ev->order);
	for (size_t i = 0; rc == ORDEX_OK && i < ev->n_aliases; i++) {
		rc = take_and_replay(ap, wait_key(ap, "order", ev->aliases[i].source),
		                     ev->aliases[i].id, ev->order);
		if (rc == ORDEX_OK)
			rc = take_and_replay(ap, wait_key(ap, "text", NULL), ev->aliases[i].id,
			                     ev->order);
	}
	return rc;
}

/* "hello+gifts@example.test" -> "hello@example.test"; NULL when there is no tag. */
static const char *plus_base(struct ordex_arena *a, const char *email)
{
	const char *at = strchr(email, '@');
	const char *plus = strchr(email, '+');
	if (!at || !plus || plus > at || plus == email)
		return NULL;
	return ordex_arena_printf(a, "%.*s%s", (int)(plus - email), email, at);
}

int ordex__customer_for_email(struct ordex_apply *ap, const char *email, const char **ref)
{
	struct ordex_store *st = ap->st;
	struct ordex_customer_row c;
	const char *norm = ordex_email_normalize(ap->a, email);
	*ref = NULL;
	/* a person's confirmation that this address is a customer's comes first */
	int rc = st->ops->customer_alias_get(st, ap->sc, norm, ap->a, ref);
	if (rc != ORDEX_E_NOTFOUND)
		return rc;
	rc = st->ops->customer_by_email(st, ap->sc, norm, ap->a, &c);
	if (rc == ORDEX_OK) {
		*ref = c.ref;
		return ORDEX_OK;
	}
	if (rc != ORDEX_E_NOTFOUND)
		return rc;
	const char *base = plus_base(ap->a, norm);
	if (!base)
		return ORDEX_OK;
	rc = st->ops->customer_by_email(st, ap->sc, base, ap->a, &c);
	if (rc == ORDEX_E_NOTFOUND)
		return ORDEX_OK;
	if (rc)
		return rc;
	bool added;
	const char *why =
	    ordex_arena_printf(ap->a,
	                       "%s is a plus-address of %s, the e-mail of customer %s; "
	                       "the same person perhaps, not merged without a person",
	                       norm, base, c.ref);
	rc = st->ops->suggestion_add(st, ap->sc, "customer", c.ref, norm, why, ap->seq, &added);
	if (rc == ORDEX_OK && added)
		rc = ordex__audit(ap, "identity.suggested", c.ref, why);
	return rc;
}

/* The pending_links source under which stock levels wait for an item's SKU. */
static const char *stock_key(struct ordex_apply *ap, const char *source)
{
	return wait_key(ap, "sku", source);
}

int ordex__resolve_sku(struct ordex_apply *ap, struct ordex_event *ev, int64_t seq, bool *parked)
{
	*parked = false;
	if (ev->sku || !ev->item)
		return ORDEX_OK;
	const char *sku;
	int rc = ap->st->ops->sku_alias_get(ap->st, ap->sc, ev->source, ev->item, ap->a, &sku);
	if (rc == ORDEX_OK) {
		ev->sku = sku;
		return ORDEX_OK;
	}
	if (rc != ORDEX_E_NOTFOUND)
		return rc;
	*parked = true;
	return ap->st->ops->pending_add(ap->st, ap->sc, stock_key(ap, ev->source), ev->item,
	                                "stock", ev->item, seq);
}

int ordex__link_sku(struct ordex_apply *ap, const struct ordex_event *ev, int64_t seq)
{
	int rc = ap->st->ops->sku_alias_put(ap->st, ap->sc, ev->source, ev->item, ev->sku, seq);
	if (rc == ORDEX_OK) {
		const char *body =
		    ordex_arena_printf(ap->a, "{\"seq\":%lld,\"source\":", (long long)seq);
		struct ordex_buf b;
		ordex_buf_init(&b, 0);
		ordex_buf_puts(&b, body);
		ordex_json_write_string(&b, ev->source, strlen(ev->source));
		ordex_buf_puts(&b, ",\"item\":");
		ordex_json_write_string(&b, ev->item, strlen(ev->item));
		ordex_buf_puts(&b, ",\"sku\":");
		ordex_json_write_string(&b, ev->sku, strlen(ev->sku));
		ordex_buf_putc(&b, '}');
		rc = ordex__audit(ap, "inventory.item", ev->sku, b.data);
		ordex_buf_free(&b);
	}
	if (rc == ORDEX_OK)
		rc = take_and_replay(ap, stock_key(ap, ev->source), ev->item, ev->sku);
	return rc;
}

/* "  Zoë   ÜNAL " -> "zoë Ünal": ASCII letters folded, runs of spaces made one. */
char *ordex__name_normalize(struct ordex_arena *a, const char *name)
{
	size_t n = strlen(name);
	char *out = ordex_arena_alloc(a, n + 1), *o = out;
	bool space = true; /* drops leading spaces */
	for (const char *p = name; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			space = true;
			continue;
		}
		if (space && o != out)
			*o++ = ' ';
		space = false;
		*o++ = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
	}
	*o = '\0';
	return out;
}

/*
 * Edit distance of two byte strings, stopping early past max (names are
 * short: a row of costs on the stack is enough).
 */
static int distance(const char *a, const char *b, int max)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 126 || lb > 126 || (la > lb ? la - lb : lb - la) > (size_t)max)
		return max + 1;
	int row[128];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0], best = row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int cost = diag + (a[i - 1] != b[j - 1]);
			int v = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
			row[j] = cost < v ? cost : v;
			diag = up;
			if (row[j] < best)
				best = row[j];
		}
		if (best > max)
			return max + 1;
	}
	return row[lb];
}

/*
 * Namesakes: customers under another e-mail whose folded name is the same,
 * or one typing slip away for names of 8 bytes or more ("Mira Sol" and
 * "Mira Soll"). Candidates share the name's first three bytes, found in
 * the name index.
 */
int ordex__customer_namesakes(struct ordex_apply *ap, const struct ordex_customer_row *c)
{
	if (!c->name_norm || strlen(c->name_norm) < 3 || !c->email_norm)
		return ORDEX_OK;
	char prefix[4];
	memcpy(prefix, c->name_norm, 3);
	prefix[3] = '\0';
	struct ordex_customer_row *rows;
	size_t n;
	int rc = ap->st->ops->customers_by_name(ap->st, ap->sc, prefix, c->ref, ap->a, &rows, &n);
	int slack = strlen(c->name_norm) >= 8 ? 1 : 0;
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++) {
		if (!rows[i].email_norm || !rows[i].name_norm ||
		    !strcmp(rows[i].email_norm, c->email_norm))
			continue;
		int d = distance(c->name_norm, rows[i].name_norm, slack);
		if (d > slack)
			continue;
		bool added;
		const char *why =
		    ordex_arena_printf(ap->a,
		                       "customer %s (%s) has %s name as customer %s (%s); the same "
		                       "person perhaps, not "
		                       "merged without a person",
		                       c->ref, c->email_norm, d ? "nearly the same" : "the same",
		                       rows[i].ref, rows[i].email_norm);
		rc = ap->st->ops->suggestion_add(ap->st, ap->sc, "customer", rows[i].ref,
		                                 c->email_norm, why, ap->seq, &added);
		if (rc == ORDEX_OK && added)
			rc = ordex__audit(ap, "identity.suggested", rows[i].ref, why);
	}
	return rc;
}

int ordex__link_payment(struct ordex_apply *ap, const char *payment, const char *order_ref)
{
	return take_and_replay(ap, wait_key(ap, "payment", NULL), payment, order_ref);
}

int ordex__address_namesakes(struct ordex_apply *ap, const struct ordex_order_row *o)
{
	if (!o->address_key || !o->customer || !o->email)
		return ORDEX_OK;
	const char *norm = ordex_email_normalize(ap->a, o->email);
	struct ordex_customer_row *rows;
	size_t n;
	int rc = ap->st->ops->customers_at_address(ap->st, ap->sc, o->address_key, o->customer,
	                                           ap->a, &rows, &n);
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++) {
		const char *other = ordex_email_normalize(ap->a, rows[i].email);
		if (!strcmp(other, norm))
			continue;
		bool added;
		const char *why =
		    ordex_arena_printf(ap->a,
		                       "order %s of customer %s (%s) ships to the same address as "
		                       "orders of customer %s "
		                       "(%s); the same person perhaps, not merged without a person",
		                       o->ref, o->customer, norm, rows[i].ref, other);
		rc = ap->st->ops->suggestion_add(ap->st, ap->sc, "customer", rows[i].ref, norm, why,
		                                 ap->seq, &added);
		if (rc == ORDEX_OK && added)
			rc = ordex__audit(ap, "identity.suggested", rows[i].ref, why);
	}
	return rc;
}
