/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event.h - the canonical event (docs/events.md), validated.
 *
 * ordex_event_validate() turns one parsed JSON document into a struct
 * ordex_event whose fields are already typed: money in minor units, times
 * in microseconds with their offsets, references as strings. It runs on
 * request threads, before the writer, and collects every problem it finds
 * (field path and reason). The writer never looks at JSON again.
 */
#ifndef ORDEX_EVENT_H
#define ORDEX_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ordex_arena;
struct ordex_json;

enum ordex_event_type {
	ORDEX_EV_UNKNOWN = 0,
	ORDEX_EV_ORDER_CREATED,
	ORDEX_EV_ORDER_UPDATED,
	ORDEX_EV_ORDER_CANCELLED,
	ORDEX_EV_PAYMENT_AUTHORIZED,
	ORDEX_EV_PAYMENT_CAPTURED,
	ORDEX_EV_PAYMENT_PENDING,
	ORDEX_EV_PAYMENT_REQUIRES_ACTION,
	ORDEX_EV_PAYMENT_FAILED,
	ORDEX_EV_PAYMENT_REFUNDED,
	ORDEX_EV_PAYMENT_DISPUTED,
	ORDEX_EV_FRAUD_SIGNAL,
	ORDEX_EV_INVENTORY_LEVEL,
	ORDEX_EV_SHIPMENT_CREATED,
	ORDEX_EV_SHIPMENT_UPDATED,
	ORDEX_EV_ADDRESS_VERIFIED,
	ORDEX_EV_ADDRESS_INVALID,
	ORDEX_EV_CUSTOMER_UPDATED,
	ORDEX_EV_TICKET_CREATED,
	ORDEX_EV_TICKET_UPDATED,
	ORDEX_EV_DATA_ISSUE,
	ORDEX_EV_INVENTORY_ITEM,
	ORDEX_EV_INVENTORY_LOCATION,
	ORDEX_EV_COUNT
};

/* Shipment statuses in the order a parcel normally moves through them. */
enum ordex_ship_status {
	ORDEX_SHIP_NONE = 0,
	ORDEX_SHIP_LABEL_CREATED,
	ORDEX_SHIP_IN_TRANSIT,
	ORDEX_SHIP_OUT_FOR_DELIVERY,
	ORDEX_SHIP_FAILED_ATTEMPT,
	ORDEX_SHIP_EXCEPTION,
	ORDEX_SHIP_DELIVERED,
	ORDEX_SHIP_RETURNED,
	ORDEX_SHIP_LOST,
};

enum ordex_fraud_rec {
	ORDEX_FRAUD_NONE = 0,
	ORDEX_FRAUD_ACCEPT,
	ORDEX_FRAUD_REVIEW,
	ORDEX_FRAUD_INVESTIGATE,
	ORDEX_FRAUD_CANCEL,
};

/* A time as given: an instant and the offset it was written with. */
struct ordex_when {
	int64_t us;
	int offset_min;
	bool set;
	bool date_only; /* given as YYYY-MM-DD: us is the end of that day */
};

struct ordex_money_field {
	int64_t minor;
	bool set;
};

struct ordex_alias {
	const char *source; /* NULL: not set */
	const char *id;
};

struct ordex_line {
	const char *ref; /* line id, may be NULL */
	const char *sku;
	int64_t qty;
	struct ordex_money_field price;
};

struct ordex_event {
	/* envelope */
	const char *id;
	const char *source;
	const char *type_name;
	enum ordex_event_type type;
	const char *order; /* NULL when the event names no order */
	struct ordex_when occurred;

	/* raw bytes as received and their SHA-256 */
	const char *raw;
	size_t raw_len;
	unsigned char sha256[32];
	/* SHA-256 of the compact form: equal for the same content however it
	 * was spaced, so a retry with a trailing newline is a duplicate */
	unsigned char digest[32];

	/* typed data; which fields are set depends on type */
	char currency[4];
	struct ordex_money_field amount; /* payments */
	struct ordex_money_field total;  /* orders */
	int64_t version;                 /* -1: none */
	struct ordex_when updated_at;
	struct ordex_when promised;
	struct ordex_when ship_by; /* orders: when it must leave the warehouse */
	int tz_offset_min;
	bool tz_set;
	const char *status; /* order status, ticket status */
	const char *financial_status;
	const char *customer;
	const char *email;
	const char *name;
	struct ordex_line *lines;
	size_t n_lines;
	bool lines_set;
	int address_state;   /* 0 not given, 1 valid, -1 missing or null */
	const char *ship_to; /* the shipping address object, compact JSON, as given */
	const char *brand, *region, *segment; /* orders: customer scope attributes */
	const char *address_key; /* line1, postal code and country folded, to compare */
	const char *address_why;
	const char *payment;
	const char *refund;
	const char
	    *refund_status; /* payment.refunded: succeeded (NULL), pending, failed, canceled */
	const char *writeback_key; /* payment.refunded: ordex's writeback it echoes */
	const char *reason;
	const char *risk_decision;
	int risk_score; /* -1: none */
	enum ordex_fraud_rec fraud_rec;
	const char *severity;
	const char *signal_kind;
	const char *sku;
	const char *item; /* the source's own id of a stock item, when it does not name the SKU */
	const char *location;
	const char *warehouse; /* inventory.location: the warehouse a source's location is */
	int64_t available;
	const char *shipment;
	enum ordex_ship_status ship_status;
	const char *carrier;
	const char *tracking;
	struct ordex_when eta;
	struct ordex_when delivered_at;
	const char *ticket;
	const char *subject;
	const char *priority;

	/* identity: other systems' ids of this order (order events) */
	struct ordex_alias *aliases;
	size_t n_aliases;
	/* how an event without "order" names its order: another system's id,
	 * or references found in text (tickets), tried in order */
	struct ordex_alias order_alias;
	const char **order_candidates;
	size_t n_candidates;
	/* data.issue: what a provider payload lacked */
	const char *issue_key;
};

/* One problem with an input: the field at fault and why. */
struct ordex_problem {
	const char *field; /* "data.amount"; "" for the document */
	const char *reason;
};

#define ORDEX_MAX_PROBLEMS 16

struct ordex_problems {
	struct ordex_problem items[ORDEX_MAX_PROBLEMS];
	int n;
	int dropped;
};

void ordex_problem_add(struct ordex_problems *p, struct ordex_arena *a, const char *field,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Validates one parsed document as a canonical event and fills ev (strings
 * point into doc or a). raw/raw_len are kept as the evidence bytes and
 * hashed. Returns ORDEX_OK, or ORDEX_E_INVAL with every problem found in
 * probs. Thread-safe; called on request threads.
 */
int ordex_event_validate(struct ordex_arena *a, const struct ordex_json *doc, const char *raw,
                         size_t raw_len, struct ordex_event *ev, struct ordex_problems *probs);

enum ordex_event_type ordex_event_type_from_name(const char *name);
const char *ordex_event_type_name(enum ordex_event_type t);
const char *ordex_ship_status_name(enum ordex_ship_status s);

#endif
