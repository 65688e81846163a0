/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model.h - the projected state of orders and what hangs off them, as the
 * writer and the readers see it. These are plain rows: the store loads and
 * saves them, the projections in this folder change them, the detectors
 * read them. Strings point into an arena owned by the caller of the load.
 */
#ifndef ORDEX_MODEL_H
#define ORDEX_MODEL_H

#include <stdbool.h>
#include <stdint.h>

/* Whose data: every row and every query carries both. */
struct ordex_scope {
	int64_t tenant;
	const char *env; /* "production" or "sandbox" */
};

enum ordex_fraud_state {
	ORDEX_FRAUD_STATE_NONE = 0,
	ORDEX_FRAUD_STATE_REVIEW = 1,
	ORDEX_FRAUD_STATE_CLEARED = 2,
};

struct ordex_order_row {
	int64_t id; /* 0 until stored */
	const char *ref;
	bool known; /* an order.created or order.updated was seen */
	const char *status;
	const char *financial_status;
	int64_t status_seq;
	int64_t cancelled_at; /* 0: not cancelled */
	int64_t cancelled_seq;
	/* the newest snapshot applied: version (-1 none), then time */
	int64_t version;
	int64_t version_at;
	char currency[4];
	int64_t total;
	bool total_set;
	const char *customer;
	const char *email;
	int64_t placed_at;
	int tz_offset;
	int64_t promised_at; /* 0: no promise */
	int promised_offset;
	bool promised_date_only;
	int address_state; /* 0 unknown, 1 valid, -1 invalid */
	const char *address_why;
	const char *ship_to;                  /* the shipping address, JSON object as given */
	const char *address_key;              /* line1, postal code and country folded, or NULL */
	const char *brand, *region, *segment; /* customer scope attributes, or NULL */
	/* the time the order's time-based conditions are judged at: the due
	 * time of the last timer fired for it (0: never), and when it must
	 * leave the warehouse (0: no such promise) */
	int64_t clock_at;
	int64_t ship_by;
	int rejected; /* dead writebacks, not yet retried or cancelled (detect/writeback.c) */
	int64_t address_seq;
	int64_t address_at; /* when the address fact occurred */
	int fraud_state;
	int fraud_score;
	const char *fraud_why;
	int64_t fraud_seq;
	int64_t fraud_at; /* when the fraud state's signal occurred */
	int64_t first_seq;
	int64_t updated_seq;
};

struct ordex_line_row {
	int64_t order_id;
	const char *order_ref; /* filled by the demand queries, not by lines_get */
	int line_no;
	const char *ref;
	const char *sku;
	int64_t qty;
	int64_t price; /* -1: none */
	int64_t allocated;
	int64_t seq;   /* allocation order: the event that created the line */
	bool open;     /* still demand: order neither cancelled nor shipped */
	int64_t level; /* lines_get only: the SKU's stock level, at least 0; -1 unknown */
};

/* what allocation knows of a SKU (store op stock) */
struct ordex_stock {
	bool known;          /* some location reported a level */
	int64_t level;       /* summed over locations, may be negative */
	int64_t allocated;   /* held by open lines */
	int64_t short_lines; /* open lines holding less than they ask */
};

struct ordex_payment_row {
	int64_t id;
	const char *ref;
	const char *order_ref;
	const char *status;
	int rank;
	int64_t status_at;
	int64_t status_seq;
	char currency[4];
	int64_t amount;
	int64_t captured;
	int64_t refunded;
	bool disputed;
	const char *reason;
	int64_t updated_seq;
};

struct ordex_shipment_row {
	int64_t id;
	const char *ref;
	const char *order_ref;
	const char *carrier;
	const char *tracking;
	int status; /* enum ordex_ship_status */
	int64_t status_at;
	int64_t status_seq;
	int64_t eta; /* 0: none */
	int64_t eta_seq;
	int64_t delivered_at; /* 0: none */
	const char *location;
	const char *reason;
	int64_t updated_seq;
};

struct ordex_customer_row {
	int64_t id;
	const char *ref;
	const char *email;
	const char *email_norm;
	const char *name;
	const char *name_norm; /* case-folded, spaces collapsed: to find namesakes */
	int64_t updated_seq;
};

struct ordex_exception_row {
	int64_t id;
	const char *order_ref;
	const char *kind;
	const char *subject; /* "" when the condition is about the whole order */
	const char *status;  /* "open" or "resolved" */
	const char *severity;
	int priority;
	const char *why;
	const char *evidence; /* JSON array of event seqs */
	int seen;
	int64_t opened_at;
	int64_t updated_at;
	int64_t resolved_at;
	const char *resolution; /* why it cleared, with the clearing event */
	int64_t updated_seq;
};

#endif
