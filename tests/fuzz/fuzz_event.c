/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_event.c - libFuzzer target for canonical event validation.
 *
 * Every input is parsed as JSON in a fresh arena; whatever parses is
 * validated as an event. An accepted event must hold what the writer relies
 * on: envelope strings present and bounded, a known type whose name matches,
 * an occurred_at, the fields its type requires, money never negative, lines
 * with a SKU and a quantity, the raw bytes and their SHA-256. A rejection
 * must name at least one problem, each with a field and a reason. Any
 * breach calls abort(). tests/fuzz/replay.c supplies main() for replaying
 * the corpus without libFuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "ingest/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

/* A present string of 1 to max bytes. */
static void check_str(const char *s, size_t max)
{
	CHECK(s);
	size_t n = strlen(s);
	CHECK(n >= 1 && n <= max);
}

static void check_money(const struct ordex_event *ev, const struct ordex_money_field *m)
{
	if (!m->set)
		return;
	CHECK(m->minor >= 0);
	CHECK(ordex_currency_exponent(ev->currency) >= 0);
}

static void check_accepted(const struct ordex_event *ev, const struct ordex_problems *p)
{
	CHECK(p->n == 0 && p->dropped == 0);
	check_str(ev->id, 256);
	check_str(ev->source, 64);
	for (const char *c = ev->source; *c; c++)
		CHECK((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '-' || *c == '.');
	check_str(ev->type_name, 64);
	CHECK(ev->type > ORDEX_EV_UNKNOWN && ev->type < ORDEX_EV_COUNT);
	CHECK(strcmp(ev->type_name, ordex_event_type_name(ev->type)) == 0);
	CHECK(ordex_event_type_from_name(ev->type_name) == ev->type);
	CHECK(ev->occurred.set && !ev->occurred.date_only);
	if (ev->order)
		check_str(ev->order, 256);
	if (ev->currency[0])
		CHECK(ordex_currency_exponent(ev->currency) >= 0);
	check_money(ev, &ev->amount);
	check_money(ev, &ev->total);
	CHECK(ev->version >= -1);
	CHECK(ev->risk_score >= -1 && ev->risk_score <= 100);
	CHECK(ev->address_state >= -1 && ev->address_state <= 1);
	CHECK(ev->address_state >= 0 || ev->address_why);
	CHECK(ev->lines_set || ev->n_lines == 0);
	CHECK(ev->n_lines <= 1000);
	for (size_t i = 0; i < ev->n_lines; i++) {
		const struct ordex_line *l = &ev->lines[i];
		check_str(l->sku, 256);
		CHECK(l->qty >= 1 && l->qty <= 1000000);
		check_money(ev, &l->price);
		for (size_t j = 0; l->ref && j < i; j++)
			CHECK(!ev->lines[j].ref || strcmp(l->ref, ev->lines[j].ref) != 0);
	}

	switch (ev->type) {
	case ORDEX_EV_ORDER_CREATED:
	case ORDEX_EV_ORDER_UPDATED:
	case ORDEX_EV_ORDER_CANCELLED:
	case ORDEX_EV_ADDRESS_VERIFIED:
	case ORDEX_EV_ADDRESS_INVALID: check_str(ev->order, 256); break;
	case ORDEX_EV_PAYMENT_AUTHORIZED:
	case ORDEX_EV_PAYMENT_CAPTURED:
	case ORDEX_EV_PAYMENT_DISPUTED:
		check_str(ev->payment, 256);
		CHECK(ev->amount.set);
		break;
	case ORDEX_EV_PAYMENT_REFUNDED:
		check_str(ev->payment, 256);
		check_str(ev->refund, 256);
		CHECK(ev->amount.set);
		break;
	case ORDEX_EV_PAYMENT_PENDING:
	case ORDEX_EV_PAYMENT_REQUIRES_ACTION:
	case ORDEX_EV_PAYMENT_FAILED: check_str(ev->payment, 256); break;
	case ORDEX_EV_FRAUD_SIGNAL:
		check_str(ev->order, 256);
		CHECK(ev->risk_score >= 0 || ev->fraud_rec != ORDEX_FRAUD_NONE || ev->severity);
		break;
	case ORDEX_EV_INVENTORY_LEVEL:
		check_str(ev->sku, 256);
		check_str(ev->location, 256);
		CHECK(ev->available >= -1000000000 && ev->available <= 1000000000);
		break;
	case ORDEX_EV_SHIPMENT_CREATED:
	case ORDEX_EV_SHIPMENT_UPDATED:
		check_str(ev->shipment, 256);
		CHECK(ev->ship_status >= ORDEX_SHIP_LABEL_CREATED &&
		      ev->ship_status <= ORDEX_SHIP_LOST);
		CHECK(ordex_ship_status_name(ev->ship_status)[0]);
		break;
	case ORDEX_EV_CUSTOMER_UPDATED: check_str(ev->customer, 256); break;
	case ORDEX_EV_TICKET_CREATED:
	case ORDEX_EV_TICKET_UPDATED: check_str(ev->ticket, 256); break;
	default: abort();
	}
}

static void check_rejected(const struct ordex_problems *p)
{
	CHECK(p->n >= 1 && p->n <= ORDEX_MAX_PROBLEMS);
	CHECK(p->dropped >= 0);
	CHECK(p->n == ORDEX_MAX_PROBLEMS || p->dropped == 0);
	for (int i = 0; i < p->n; i++) {
		CHECK(p->items[i].field && p->items[i].reason);
		CHECK(p->items[i].reason[0]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ordex_arena *a = ordex_arena_new(4096);
	struct ordex_json *root;
	struct ordex_json_error err;
	struct ordex_event ev;
	struct ordex_problems probs;
	unsigned char sha[32];

	if (ordex_json_parse(a, (const char *)data, size, NULL, &root, &err) != ORDEX_OK) {
		ordex_arena_free(a);
		return 0;
	}
	memset(&probs, 0, sizeof(probs));
	int rc = ordex_event_validate(a, root, (const char *)data, size, &ev, &probs);
	CHECK(ev.raw == (const char *)data && ev.raw_len == size);
	crypto_hash_sha256(sha, data, size);
	CHECK(memcmp(sha, ev.sha256, sizeof(sha)) == 0);
	if (rc == ORDEX_OK)
		check_accepted(&ev, &probs);
	else if (rc == ORDEX_E_INVAL)
		check_rejected(&probs);
	else
		abort();
	ordex_arena_free(a);
	return 0;
}
