/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h - the storage interface. All SQL lives behind it.
 *
 * A struct ordex_store is one connection to one database. The writer owns
 * one and runs every change inside begin/commit; readers each take their
 * own (SQLite WAL readers never wait for the writer). Backends implement
 * struct ordex_store_ops; callers go through st->ops. Every operation on
 * data takes the tenant and environment (struct ordex_scope) and no query
 * runs without both.
 *
 * Return codes: ORDEX_OK, ORDEX_E_NOTFOUND where a lookup finds nothing,
 * ORDEX_E_STORE when the database fails (the message is logged). Rows
 * returned by *_get and lists are allocated from the arena passed in.
 * A connection is used by one thread at a time.
 */
#ifndef ORDEX_STORE_H
#define ORDEX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"

struct ordex_arena;
struct ordex_event;
struct ordex_store;

enum ordex_sync { ORDEX_SYNC_FULL, ORDEX_SYNC_NORMAL, ORDEX_SYNC_OFF };

struct ordex_store_options {
	enum ordex_sync sync;
	bool readonly;
	/*
	 * With sync FULL: ops->defer_sync(true) lets commits write the log
	 * without waiting for the disk, and ops->sync makes every commit so far
	 * durable with one flush. For the writer, which applies the next group
	 * while the last one's flush runs on another thread, and acknowledges
	 * only after the flush.
	 */
	bool deferred_sync;
};

/* A tenant's own settings (the service's defaults apply where unset). */
struct ordex_tenant_row {
	int64_t id;
	char name[64];
	int fraud_threshold;                  /* -1: the default */
	double rate_per_key, rate_per_tenant; /* 0: the defaults */
	int64_t created_at;
};

/* What a credential is, for recording its use. */
enum ordex_credential { ORDEX_CREDENTIAL_KEY, ORDEX_CREDENTIAL_SESSION };

struct ordex_key_info {
	int64_t key_id;
	int64_t tenant;
	char tenant_name[64];
	char env[16];
	char role[32];
	unsigned scopes;                      /* enum ordex_scope_bit bits; 0: the whole role */
	int64_t expires_at;                   /* 0: never */
	int64_t revoked_at;                   /* 0: not revoked; in the future: a rotation's end */
	double rate_per_key, rate_per_tenant; /* the tenant's limits; 0: the defaults */
	char brand[65], region[65], segment[65]; /* customer scope; "": any */
	int64_t last_used_at;                    /* 0: never used */
};

/* A key to store: only its hash, never the secret. */
struct ordex_key_new {
	const char *prefix; /* the first characters, to recognize it in lists */
	unsigned char hash[32];
	const char *role;
	unsigned scopes;
	const char *name;                     /* or NULL */
	int64_t expires_at;                   /* 0: never */
	const char *created_by;               /* the granting principal, or NULL (ordex init) */
	const char *brand, *region, *segment; /* customer scope; NULL: any */
};

struct ordex_usage_row {
	int64_t hour; /* the bucket's first hour */
	const char *metric;
	int64_t count;
};

struct ordex_user_row {
	int64_t id;
	const char *username, *pwhash, *role, *created_by;
	const char *brand, *region, *segment; /* customer scope; NULL: any */
	unsigned scopes;
	int64_t created_at, disabled_at;       /* 0: active */
	int64_t last_sign_in_at, last_seen_at; /* 0: never */
};

/* A live session with its person. */
struct ordex_session_info {
	int64_t session_id, user_id, tenant;
	char env[16];
	char username[64];
	char role[32];
	unsigned scopes;
	char csrf[48];
	int64_t expires_at;
	int64_t ended_at, disabled_at; /* 0: not ended; the person not disabled */
	int64_t last_seen_at;          /* its last request recorded (or its start) */
	double rate_per_key, rate_per_tenant;
	char brand[65], region[65], segment[65]; /* customer scope; "": any */
};

/* A key as listed: metadata only. */
struct ordex_key_row {
	int64_t id;
	const char *prefix, *name, *role, *created_by;
	const char *brand, *region, *segment; /* customer scope; NULL: any */
	unsigned scopes;
	int64_t created_at, expires_at, revoked_at; /* 0: none */
	int64_t last_used_at;                       /* 0: never used */
};

struct ordex_event_info {
	int64_t seq;
	const char *source;
	const char *id;
	const char *type;
	const char *order_ref;
	const char *subject;
	int64_t occurred_at;
	int occurred_offset;
	int64_t received_at;
	const char *raw;
	size_t raw_len;
	unsigned char sha256[32];
};

struct ordex_exception_filter {
	const char *kind;   /* NULL: any */
	const char *status; /* NULL: any */
	const char *order_ref;
	/* keyset: rows strictly after (priority, id) in (priority desc, id asc) */
	bool after_set;
	int after_priority;
	int64_t after_id;
	int limit;
	/* only exceptions of orders in this customer scope (NULL members: any) */
	const char *brand, *region, *segment;
};

struct ordex_audit_row {
	int64_t tenant;
	int64_t seq;
	const char *env;
	int64_t at;
	const char *kind;
	const char *subject;
	const char *body;
	unsigned char prev[32];
	unsigned char hash[32];
};

/* A webhook delivery as received: the evidence behind the events it made. */
struct ordex_delivery {
	const char *source;
	const char *delivery_id; /* the provider's id, or the body's SHA-256 in hex */
	const char *topic;
	const char *kind;
	const char *outcome; /* mapped, ignored, incomplete */
	const char *note;
	int events;
	int64_t received_at;
	unsigned char sha256[32];
	const char *raw;
	size_t raw_len;
};

struct ordex_connector_info {
	int64_t id;
	int64_t tenant;
	char env[16];
	char source[32];
	char public_id[48];
	int64_t created_at;
	/* the tenant's rate limits (connector_by_public only; 0: the defaults) */
	double rate_per_key, rate_per_tenant;
};

struct ordex_secret_row {
	int64_t id;
	const unsigned char *sealed;
	size_t sealed_len;
	const char *hint;
	int64_t created_at;
	int64_t expires_at; /* 0: no end */
};

struct ordex_ticket_row {
	int64_t id;
	const char *ref;
	const char *order_ref;
	const char *customer;
	const char *email;
	const char *subject;
	const char *status;
	const char *priority;
	int64_t status_at;
	int64_t updated_seq;
};

struct ordex_pending_row {
	int64_t id;
	const char *source;
	const char *ext_id;
	const char *subject_kind; /* payment, shipment, ticket, event */
	const char *subject_ref;
	int64_t event_seq;
};

struct ordex_issue_row {
	const char *key;
	const char *reason;
	int64_t seq;
};

struct ordex_suggestion_row {
	int64_t id;
	const char *kind;
	const char *ref_a;
	const char *ref_b;
	const char *reason;
	const char *status;
	int64_t created_seq;
};

typedef int (*ordex_delivery_stat_fn)(void *ctx, const char *source, const char *kind,
                                      const char *outcome, int64_t count);

typedef int (*ordex_audit_fn)(void *ctx, const struct ordex_audit_row *row);
typedef int (*ordex_event_fn)(void *ctx, const struct ordex_event_info *ev);

/* ---- workflow: cases, actions, approvals, policies, timers, evidence ---- */

struct ordex_case_row {
	int64_t id; /* 0 until stored */
	const char *order_ref;
	const char *status; /* open, proposed, awaiting_approval, approved, executing, resolved */
	const char *queue;
	const char *assignee; /* or NULL */
	int priority;
	const char *kinds; /* JSON array of the open exceptions' kinds */
	int64_t opened_at, updated_at;
	int64_t resolved_at; /* 0: not resolved */
	const char *resolution;
	int64_t sla_due_at;  /* 0: no SLA */
	int64_t breached_at; /* 0: within its SLA */
	int reopened;
	int64_t policy_version;
	int64_t updated_seq;
	/* the order's customer scope (read with the case, for visibility) */
	const char *brand, *region, *segment;
};

struct ordex_case_filter {
	const char *queue, *status, *assignee, *order_ref; /* NULL: any */
	bool active;                                       /* only cases not resolved */
	bool after_set;                                    /* keyset: after (priority, id) */
	int after_priority;
	int64_t after_id;
	int limit;
	const char *brand, *region, *segment; /* customer scope; NULL members: any */
};

struct ordex_case_event_row {
	int64_t id;
	int64_t at;
	const char *kind;
	const char *actor;
	const char *body; /* JSON */
};

struct ordex_action_row {
	int64_t id; /* 0 until stored */
	int64_t case_id;
	const char *order_ref;
	const char *kind;
	const char *payload; /* canonical JSON */
	unsigned char payload_hash[32];
	const char *status;
	const char *requested_by;
	int64_t requested_at;
	const char *route; /* JSON: what the policy decided */
	int64_t policy_version;
	const char *reason;
	int64_t decided_at; /* 0: not decided */
	const char *decided_by;
	/* a refund's hold on its payment while approved and not yet executed */
	const char *payment; /* or NULL */
	int64_t amount;
	char currency[4];
	int64_t updated_at;
};

struct ordex_approval_row {
	int64_t id;
	int64_t action_id;
	const char *approver;
	const char *role;
	const char *decision; /* approve, reject */
	unsigned char payload_hash[32];
	const char *reason;
	int64_t at, expires_at;
};

struct ordex_timer_row {
	int64_t id;
	int64_t tenant;
	char env[16];
	const char *kind;
	const char *subject;
	const char *order_ref; /* or NULL */
	int64_t due_at;
	int64_t fired_at; /* 0: not fired */
};

struct ordex_evidence_row {
	char sha256[65];
	const char *content_type;
	const unsigned char *bytes;
	size_t size;
	int64_t created_at;
	const char *created_by;
};

/* ---- writeback: targets, the outbox, attempts ---- */

struct ordex_target_row {
	int64_t id; /* 0 until stored */
	int64_t tenant;
	char env[16];
	const char *name;
	const char *kind; /* webhook, shopify, stripe, support */
	const char *base_url;
	const unsigned char *secret; /* sealed; NULL: none */
	size_t secret_len;
	const char *actions; /* JSON array of action kinds */
	bool shadow;         /* record what would be sent, send nothing */
	int64_t created_at;
	const char *created_by;
	int64_t removed_at;
	int failures;       /* in a row, for the circuit breaker */
	int64_t open_until; /* the circuit is open (nothing sent) until then */
};

struct ordex_outbox_row {
	int64_t id; /* 0 until stored */
	int64_t tenant;
	char env[16];
	int64_t action_id, case_id, target_id;
	const char *kind;
	const char *order_ref;
	const char *idem_key;
	const char *request; /* JSON */
	const char *status;  /* pending, sending, unknown, delivered, dead, cancelled, shadowed */
	int attempts;
	int64_t next_at, first_at;
	int last_status; /* HTTP status of the last answer; 0: none */
	const char *last_error;
	const char *answer;       /* the target's last answer (or, shadowed, what would be sent) */
	const char *external_ref; /* what the target calls it (a refund's id) */
	int64_t created_at, updated_at, delivered_at;
};

struct ordex_attempt_row {
	int n;
	int64_t started_at, ended_at;
	const char *outcome; /* delivered, retry, unknown, dead, shadowed, looked_up */
	int http_status;     /* 0: no answer */
	const char *error;
};

struct ordex_outbox_stats {
	int64_t pending, sending, unknown, delivered, dead, cancelled, shadowed;
	int64_t attempts, failed_attempts;
	int64_t oldest_pending_at; /* 0: nothing pending */
};

struct ordex_store_ops {
	const char *name;
	void (*close)(struct ordex_store *st);

	/* on a read-only connection: a consistent snapshot until commit */
	int (*begin)(struct ordex_store *st);
	int (*commit)(struct ordex_store *st);
	int (*rollback)(struct ordex_store *st);
	/* nested undo points inside a transaction, one per input */
	int (*savepoint)(struct ordex_store *st);
	int (*release)(struct ordex_store *st);
	int (*rollback_to)(struct ordex_store *st);
	/*
	 * Makes every commit so far durable (opened with deferred_sync; else
	 * commits are durable already and this returns at once). The only op
	 * that may run on another thread while the store's own thread works.
	 */
	int (*sync)(struct ordex_store *st);
	/* opened with deferred_sync: whether the next commits wait for the
	 * disk themselves (false, the default) or leave it to sync (true) */
	int (*defer_sync)(struct ordex_store *st, bool on);

	/* tenants, environments and keys */
	int (*tenant_create)(struct ordex_store *st, const char *name, int64_t *id);
	int (*tenant_find)(struct ordex_store *st, const char *name, int64_t *id);
	int (*tenant_first)(struct ordex_store *st, int64_t *id, char *name, size_t namelen);
	/* *fraud_threshold is left as it is when the tenant has none of its own */
	int (*tenant_settings)(struct ordex_store *st, int64_t tenant, int *fraud_threshold);
	/* threshold < 0: back to the service's default */
	int (*tenant_set_fraud_threshold)(struct ordex_store *st, int64_t tenant, int threshold);
	int (*tenant_get)(struct ordex_store *st, int64_t tenant, struct ordex_tenant_row *out);
	/* a tenant's rate limits; < 0 leaves one as it is, 0 returns it to the default */
	int (*tenant_set_rates)(struct ordex_store *st, int64_t tenant, double per_key,
	                        double per_tenant);
	int (*env_create)(struct ordex_store *st, int64_t tenant, const char *env);
	int (*env_exists)(struct ordex_store *st, int64_t tenant, const char *env);
	int (*key_create)(struct ordex_store *st, const struct ordex_scope *sc,
	                  const struct ordex_key_new *k, int64_t *id);
	/* the key with this hash, whatever its state (expires_at and revoked_at
	 * tell whether it still works: the caller decides, and records the use
	 * of a dead one); ORDEX_E_NOTFOUND when no key has it */
	int (*key_lookup)(struct ordex_store *st, const unsigned char hash[32],
	                  struct ordex_key_info *out);
	/* metering: adds n to a metric's count in an hour */
	int (*usage_add)(struct ordex_store *st, const struct ordex_scope *sc, int64_t hour,
	                 const char *metric, int64_t n);
	/* the counts of [from_hour, to_hour), summed per bucket of `bucket` hours */
	int (*usage_list)(struct ordex_store *st, const struct ordex_scope *sc, int64_t from_hour,
	                  int64_t to_hour, int bucket, struct ordex_arena *a,
	                  struct ordex_usage_row **rows, size_t *n);
	/* people and their sessions */
	/* customers: brand, region, segment the person is limited to (NULL: any) */
	int (*user_create)(struct ordex_store *st, const struct ordex_scope *sc,
	                   const char *username, const char *pwhash, const char *role,
	                   unsigned scopes, const char *const customers[3], const char *created_by,
	                   int64_t *id);
	int (*user_find)(struct ordex_store *st, const struct ordex_scope *sc, const char *username,
	                 struct ordex_arena *a, struct ordex_user_row *out);
	int (*user_list)(struct ordex_store *st, const struct ordex_scope *sc,
	                 struct ordex_arena *a, struct ordex_user_row **rows, size_t *n);
	/* disables the person and ends every session of theirs */
	int (*user_disable)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                    int64_t at);
	int (*session_create)(struct ordex_store *st, const struct ordex_scope *sc, int64_t user_id,
	                      const unsigned char token_hash[32], const char *csrf,
	                      int64_t expires_at, int64_t *id);
	/* the session of this token, whatever its state (ended_at, expires_at
	 * and the person's disabled_at say whether it still works) */
	int (*session_lookup)(struct ordex_store *st, const unsigned char token_hash[32],
	                      struct ordex_session_info *out);
	int (*session_end)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                   int64_t at);
	/* the customer scope rules in force (the newest version; ORDEX_E_NOTFOUND: none) */
	int (*scope_rules_get)(struct ordex_store *st, const struct ordex_scope *sc,
	                       struct ordex_arena *a, int64_t *version, const char **body,
	                       int64_t *created_at, const char **created_by);
	/* stores body (validated JSON) as the next version; *version is it */
	int (*scope_rules_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                       const char *body, int64_t at, const char *by, int64_t *version);
	/* records that a key or session (by id) was used at `at` (never back in time) */
	int (*credential_touch)(struct ordex_store *st, const struct ordex_scope *sc,
	                        enum ordex_credential kind, int64_t id, int64_t at);
	int (*key_list)(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
	                struct ordex_key_row **rows, size_t *n);
	int (*key_get)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	               struct ordex_arena *a, struct ordex_key_row *out);
	/* ends the key at `at` (now, or later for a rotation's overlap); a key
	 * already ending sooner keeps its time; ORDEX_E_NOTFOUND if it is not
	 * in the scope */
	int (*key_revoke)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                  int64_t at);

	/* events, in the writer's log order (seq) */
	int (*event_find)(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
	                  const char *id, unsigned char sha256[32], int64_t *seq);
	/* ORDEX_E_DUPLICATE, writing nothing, when (source, id) is stored already:
	 * event_find then tells a duplicate from a conflict */
	int (*event_insert)(struct ordex_store *st, const struct ordex_scope *sc,
	                    const struct ordex_event *ev, const char *subject, int64_t received_at,
	                    int64_t delivery, int64_t *seq);
	/* the raw bytes of a stored event (to apply it again once its order is known) */
	int (*event_get)(struct ordex_store *st, const struct ordex_scope *sc, int64_t seq,
	                 struct ordex_arena *a, const char **raw, size_t *len);
	/* links the events about subject (a shipment, a payment: type_prefix "shipment." or
	 * "payment." says which, as subjects of other kinds may share the name) */
	int (*events_link_subject)(struct ordex_store *st, const struct ordex_scope *sc,
	                           const char *subject, const char *type_prefix,
	                           const char *order_ref);
	/* renames a stored event's subject to the name its shipment or payment is kept under */
	int (*event_set_subject)(struct ordex_store *st, const struct ordex_scope *sc, int64_t seq,
	                         const char *subject);
	/* links a stored event to the order its subject turned out to belong to */
	int (*event_set_order)(struct ordex_store *st, const struct ordex_scope *sc, int64_t seq,
	                       const char *order_ref);
	int (*events_for_order)(struct ordex_store *st, const struct ordex_scope *sc,
	                        const char *order_ref, ordex_event_fn fn, void *ctx);
	int (*event_count)(struct ordex_store *st, const struct ordex_scope *sc, int64_t *n);
	/* the highest event seq stored, in any tenant (0: none) */
	int (*event_last_seq)(struct ordex_store *st, int64_t *seq);

	/* orders and lines */
	int (*order_get)(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
	                 struct ordex_arena *a, struct ordex_order_row *out);
	int (*order_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                 struct ordex_order_row *row);
	/* the customers (ref, e-mail) of other orders shipping to the same address */
	int (*customers_at_address)(struct ordex_store *st, const struct ordex_scope *sc,
	                            const char *address_key, const char *customer,
	                            struct ordex_arena *a, struct ordex_customer_row **rows,
	                            size_t *n);
	int (*lines_get)(struct ordex_store *st, const struct ordex_scope *sc, int64_t order_id,
	                 struct ordex_arena *a, struct ordex_line_row **rows, size_t *n);
	int (*lines_replace)(struct ordex_store *st, const struct ordex_scope *sc, int64_t order_id,
	                     const struct ordex_line_row *rows, size_t n);
	/* open demand for a SKU, in allocation order */
	int (*demand_for_sku)(struct ordex_store *st, const struct ordex_scope *sc, const char *sku,
	                      struct ordex_arena *a, struct ordex_line_row **rows, size_t *n);
	/* the same, of the orders in a customer scope only (brand, region,
	 * segment; NULL: any) */
	int (*demand_in_scope)(struct ordex_store *st, const struct ordex_scope *sc,
	                       const char *sku, const char *const customers[3],
	                       struct ordex_arena *a, struct ordex_line_row **rows, size_t *n);
	/* the first (up to limit) open lines of the SKU short of stock, in
	 * allocation order */
	int (*demand_short_lines)(struct ordex_store *st, const struct ordex_scope *sc,
	                          const char *sku, int64_t limit, struct ordex_arena *a,
	                          struct ordex_line_row **rows, size_t *n);
	/* a SKU's level and what its open demand holds (zeros for an unknown SKU) */
	int (*stock)(struct ordex_store *st, const struct ordex_scope *sc, const char *sku,
	             struct ordex_stock *out);
	int (*line_set_allocated)(struct ordex_store *st, const struct ordex_scope *sc,
	                          int64_t order_id, int line_no, int64_t allocated);
	int (*lines_set_open)(struct ordex_store *st, const struct ordex_scope *sc,
	                      int64_t order_id, bool open);

	/* payments and refunds */
	int (*payment_get)(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
	                   struct ordex_arena *a, struct ordex_payment_row *out);
	int (*payment_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                   struct ordex_payment_row *row);
	int (*payments_for_order)(struct ordex_store *st, const struct ordex_scope *sc,
	                          const char *order_ref, struct ordex_arena *a,
	                          struct ordex_payment_row **rows, size_t *n);
	/* records a refund once per ref; *added is the change of the amount counted (a refund
	 * only grows, unless void: failed or canceled, it counts nothing) */
	int (*refund_record)(struct ordex_store *st, const struct ordex_scope *sc,
	                     int64_t payment_id, const char *ref, int64_t amount,
	                     const char *currency, int64_t at, int64_t seq, bool void_,
	                     int64_t *added);

	/* shipments */
	int (*shipment_get)(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
	                    struct ordex_arena *a, struct ordex_shipment_row *out);
	int (*shipment_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                    struct ordex_shipment_row *row);
	/* the shipment carrying a tracking number, whatever its ref */
	int (*shipment_by_tracking)(struct ordex_store *st, const struct ordex_scope *sc,
	                            const char *tracking, struct ordex_arena *a,
	                            struct ordex_shipment_row *out);
	int (*shipments_for_order)(struct ordex_store *st, const struct ordex_scope *sc,
	                           const char *order_ref, struct ordex_arena *a,
	                           struct ordex_shipment_row **rows, size_t *n);

	/* inventory: the newest level per SKU and location wins */
	int (*inventory_put)(struct ordex_store *st, const struct ordex_scope *sc, const char *sku,
	                     const char *location, int64_t available, int64_t as_of, int64_t seq,
	                     bool *applied);
	/* moves a location's levels under another name (the newer level wins) */
	int (*inventory_relocate)(struct ordex_store *st, const struct ordex_scope *sc,
	                          const char *from, const char *to, struct ordex_arena *a,
	                          const char ***skus, size_t *n);
	/* a source's location is this warehouse */
	int (*warehouse_alias_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                           const char *source, const char *location, const char *warehouse,
	                           int64_t seq);
	int (*warehouse_alias_get)(struct ordex_store *st, const struct ordex_scope *sc,
	                           const char *source, const char *location, struct ordex_arena *a,
	                           const char **warehouse);

	/* customers */
	int (*customer_get)(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
	                    struct ordex_arena *a, struct ordex_customer_row *out);
	int (*customer_by_email)(struct ordex_store *st, const struct ordex_scope *sc,
	                         const char *email_norm, struct ordex_arena *a,
	                         struct ordex_customer_row *out);
	/* customers whose normalized name starts with prefix, other than ref (at most 64) */
	int (*customers_by_name)(struct ordex_store *st, const struct ordex_scope *sc,
	                         const char *name_norm, const char *ref, struct ordex_arena *a,
	                         struct ordex_customer_row **rows, size_t *n);
	int (*customer_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                    struct ordex_customer_row *row);

	/* exceptions */
	int (*exceptions_for_order)(struct ordex_store *st, const struct ordex_scope *sc,
	                            const char *order_ref, struct ordex_arena *a,
	                            struct ordex_exception_row **rows, size_t *n);
	int (*exception_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                     struct ordex_exception_row *row);
	int (*exception_list)(struct ordex_store *st, const struct ordex_scope *sc,
	                      const struct ordex_exception_filter *f, struct ordex_arena *a,
	                      struct ordex_exception_row **rows, size_t *n);
	int (*exception_count)(struct ordex_store *st, const struct ordex_scope *sc,
	                       const char *status, int64_t *n);

	/* connectors and their sealed secrets */
	int (*connector_get)(struct ordex_store *st, const struct ordex_scope *sc,
	                     const char *source, int64_t *id);
	int (*connector_create)(struct ordex_store *st, const struct ordex_scope *sc,
	                        const char *source, const char *public_id, int64_t *id);
	/* the connector behind a webhook URL, across tenants */
	int (*connector_by_public)(struct ordex_store *st, const char *public_id,
	                           struct ordex_connector_info *out);
	int (*connectors_list)(struct ordex_store *st, const struct ordex_scope *sc,
	                       struct ordex_arena *a, struct ordex_connector_info **rows,
	                       size_t *n);
	int (*secret_add)(struct ordex_store *st, const struct ordex_scope *sc, int64_t connector,
	                  const unsigned char *sealed, size_t len, const char *hint, int64_t *id);
	int (*secrets_list)(struct ordex_store *st, const struct ordex_scope *sc, int64_t connector,
	                    struct ordex_arena *a, struct ordex_secret_row **rows, size_t *n);
	/* the tenant's secrets still valid at now in its other environments */
	int (*secrets_elsewhere)(struct ordex_store *st, const struct ordex_scope *sc, int64_t now,
	                         struct ordex_arena *a, struct ordex_secret_row **rows, size_t *n);
	/* ends a secret's life at expires_at (rotation: the old one overlaps) */
	int (*secret_expire)(struct ordex_store *st, const struct ordex_scope *sc,
	                     int64_t connector, int64_t id, int64_t expires_at);

	/* the inbox of webhook deliveries */
	int (*delivery_find)(struct ordex_store *st, const struct ordex_scope *sc,
	                     const char *source, const char *delivery_id, int64_t *id,
	                     unsigned char sha256[32]);
	int (*delivery_insert)(struct ordex_store *st, const struct ordex_scope *sc,
	                       const struct ordex_delivery *d, int64_t *id);
	int (*delivery_stats)(struct ordex_store *st, const struct ordex_scope *sc,
	                      ordex_delivery_stat_fn fn, void *ctx);

	/* identity: aliases of orders, and facts waiting for their order */
	int (*alias_put)(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
	                 const char *ext_id, const char *ref, int64_t seq);
	/* source NULL: any source */
	int (*alias_get)(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
	                 const char *ext_id, struct ordex_arena *a, const char **ref);
	int (*pending_add)(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
	                   const char *ext_id, const char *subject_kind, const char *subject_ref,
	                   int64_t event_seq);
	/* the links waiting for (source, ext_id), removed as they are returned */
	int (*pending_take)(struct ordex_store *st, const struct ordex_scope *sc,
	                    const char *source, const char *ext_id, struct ordex_arena *a,
	                    struct ordex_pending_row **rows, size_t *n);

	/* forgets every name an event waits under (it is being applied) */
	int (*pending_drop_event)(struct ordex_store *st, const struct ordex_scope *sc,
	                          int64_t event_seq);

	/* support tickets */
	int (*ticket_get)(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
	                  struct ordex_arena *a, struct ordex_ticket_row *out);
	int (*ticket_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                  struct ordex_ticket_row *row);
	int (*tickets_for_order)(struct ordex_store *st, const struct ordex_scope *sc,
	                         const char *order_ref, struct ordex_arena *a,
	                         struct ordex_ticket_row **rows, size_t *n);

	/* data issues raised by incomplete provider payloads */
	int (*issue_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                 const char *order_ref, const char *key, const char *reason, int64_t seq);
	int (*issues_for_order)(struct ordex_store *st, const struct ordex_scope *sc,
	                        const char *order_ref, struct ordex_arena *a,
	                        struct ordex_issue_row **rows, size_t *n);

	/* another name of a shipment (a fulfillment's id for a carrier's tracking number) */
	int (*shipment_alias_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                          const char *name, const char *ref, int64_t seq);
	int (*shipment_alias_get)(struct ordex_store *st, const struct ordex_scope *sc,
	                          const char *name, struct ordex_arena *a, const char **ref);
	/* one parcel kept under two names: from's row goes (its fields were
	 * folded into into's by the caller), its names, its shipment events and
	 * its exceptions follow into (where into has the same exception already,
	 * from's is left to be resolved by detection), and from becomes another
	 * name of into */
	int (*shipment_merge)(struct ordex_store *st, const struct ordex_scope *sc,
	                      const char *from, const char *into, int64_t seq);
	/* a source's own id of a stock item, and the SKU it is */
	int (*sku_alias_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                     const char *source, const char *item, const char *sku, int64_t seq);
	int (*sku_alias_get)(struct ordex_store *st, const struct ordex_scope *sc,
	                     const char *source, const char *item, struct ordex_arena *a,
	                     const char **sku);
	/* confirmed e-mail addresses of a customer beyond its own */
	int (*customer_alias_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                          const char *email_norm, const char *customer_ref, int64_t seq);
	int (*customer_alias_delete)(struct ordex_store *st, const struct ordex_scope *sc,
	                             const char *email_norm);
	int (*customer_alias_get)(struct ordex_store *st, const struct ordex_scope *sc,
	                          const char *email_norm, struct ordex_arena *a, const char **ref);
	/* sets the customer of the orders with that e-mail whose customer is from (NULL: none) */
	int (*orders_relink_customer)(struct ordex_store *st, const struct ordex_scope *sc,
	                              const char *email_norm, const char *from, const char *to,
	                              int64_t *changed);

	/* identity suggestions: weak matches for a person to decide */
	int (*suggestion_add)(struct ordex_store *st, const struct ordex_scope *sc,
	                      const char *kind, const char *ref_a, const char *ref_b,
	                      const char *reason, int64_t seq, bool *added);
	int (*suggestion_list)(struct ordex_store *st, const struct ordex_scope *sc,
	                       const char *status, struct ordex_arena *a,
	                       struct ordex_suggestion_row **rows, size_t *n);
	int (*suggestion_get)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                      struct ordex_arena *a, struct ordex_suggestion_row *out);
	int (*suggestion_decide)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                         const char *status, const char *by, int64_t at);

	/* cases: the active (not resolved) case of an order, its newest, one by id */
	int (*case_active)(struct ordex_store *st, const struct ordex_scope *sc,
	                   const char *order_ref, struct ordex_arena *a,
	                   struct ordex_case_row *out);
	int (*case_last)(struct ordex_store *st, const struct ordex_scope *sc,
	                 const char *order_ref, struct ordex_arena *a, struct ordex_case_row *out);
	int (*case_get)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                struct ordex_arena *a, struct ordex_case_row *out);
	/* inserts (id 0: id set) or updates */
	int (*case_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                struct ordex_case_row *c);
	/* by priority (highest first), then id */
	int (*case_list)(struct ordex_store *st, const struct ordex_scope *sc,
	                 const struct ordex_case_filter *f, struct ordex_arena *a,
	                 struct ordex_case_row **rows, size_t *n);
	/* the order's open exceptions not yet in a case join case_id */
	int (*exceptions_join_case)(struct ordex_store *st, const struct ordex_scope *sc,
	                            const char *order_ref, int64_t case_id);
	int (*exceptions_of_case)(struct ordex_store *st, const struct ordex_scope *sc,
	                          int64_t case_id, struct ordex_arena *a,
	                          struct ordex_exception_row **rows, size_t *n);
	int (*case_event_add)(struct ordex_store *st, const struct ordex_scope *sc, int64_t case_id,
	                      int64_t at, const char *kind, const char *actor, const char *body);
	int (*case_events)(struct ordex_store *st, const struct ordex_scope *sc, int64_t case_id,
	                   struct ordex_arena *a, struct ordex_case_event_row **rows, size_t *n);

	/* actions: inserts (id 0) or updates */
	int (*action_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                  struct ordex_action_row *r);
	int (*action_get)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                  struct ordex_arena *a, struct ordex_action_row *out);
	int (*actions_of_case)(struct ordex_store *st, const struct ordex_scope *sc,
	                       int64_t case_id, struct ordex_arena *a,
	                       struct ordex_action_row **rows, size_t *n);
	/* what approved refunds not yet executed hold of a payment (minor units) */
	int (*refunds_held)(struct ordex_store *st, const struct ordex_scope *sc,
	                    const char *payment, int64_t except_action, int64_t *held);
	int (*approval_add)(struct ordex_store *st, const struct ordex_scope *sc,
	                    struct ordex_approval_row *r);
	int (*approvals_of)(struct ordex_store *st, const struct ordex_scope *sc, int64_t action_id,
	                    struct ordex_arena *a, struct ordex_approval_row **rows, size_t *n);

	/* policies: version 0 reads the one in force; ORDEX_E_NOTFOUND: none stored */
	int (*policy_get)(struct ordex_store *st, const struct ordex_scope *sc, int64_t version,
	                  struct ordex_arena *a, int64_t *got, const char **body, int64_t *at,
	                  const char **by);
	int (*policy_put)(struct ordex_store *st, const struct ordex_scope *sc, const char *body,
	                  int64_t at, const char *by, int64_t *version);

	/* timers: armed for (kind, subject) at due_at; a timer armed again for another
	 * time is unfired again, for the same time it stays as it is (fired once) */
	int (*timer_arm)(struct ordex_store *st, const struct ordex_scope *sc, const char *kind,
	                 const char *subject, const char *order_ref, int64_t due_at);
	/* the same, but a timer still to fire is only ever moved earlier: a later
	 * due waits for the timer to fire, when what it judges is armed anew (a
	 * wait that each new fact pushes back costs a write per wait, not per fact) */
	int (*timer_arm_earlier)(struct ordex_store *st, const struct ordex_scope *sc,
	                         const char *kind, const char *subject, const char *order_ref,
	                         int64_t due_at);
	int (*timer_disarm)(struct ordex_store *st, const struct ordex_scope *sc, const char *kind,
	                    const char *subject);
	int (*timers_of_order)(struct ordex_store *st, const struct ordex_scope *sc,
	                       const char *order_ref, struct ordex_arena *a,
	                       struct ordex_timer_row **rows, size_t *n);
	/* unfired timers due at or before now, earliest first, at most limit */
	int (*timers_due)(struct ordex_store *st, const struct ordex_scope *sc, int64_t now,
	                  int limit, struct ordex_arena *a, struct ordex_timer_row **rows,
	                  size_t *n);
	/* the earliest unfired timer's due time (ORDEX_E_NOTFOUND: none) */
	int (*timer_next)(struct ordex_store *st, const struct ordex_scope *sc, int64_t *due_at);
	/* marks it fired; ORDEX_E_NOTFOUND when it is not armed and unfired any more */
	int (*timer_fire)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                  int64_t at);
	/* every (tenant, environment) there is, for the timer loop */
	int (*environments)(struct ordex_store *st, struct ordex_arena *a, int64_t **tenants,
	                    const char ***envs, size_t *n);

	/* evidence files, by their SHA-256 (stored once) */
	int (*evidence_put)(struct ordex_store *st, const struct ordex_scope *sc,
	                    const struct ordex_evidence_row *e);
	int (*evidence_get)(struct ordex_store *st, const struct ordex_scope *sc,
	                    const char *sha256, struct ordex_arena *a,
	                    struct ordex_evidence_row *out);

	/* writeback targets: ORDEX_E_CONFLICT when the name is taken */
	int (*target_add)(struct ordex_store *st, const struct ordex_scope *sc,
	                  struct ordex_target_row *t);
	int (*target_list)(struct ordex_store *st, const struct ordex_scope *sc,
	                   struct ordex_arena *a, struct ordex_target_row **rows, size_t *n);
	/* every one, removed ones too */
	int (*target_list_all)(struct ordex_store *st, const struct ordex_scope *sc,
	                       struct ordex_arena *a, struct ordex_target_row **rows, size_t *n);
	/* one, removed or not */
	int (*target_get)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                  struct ordex_arena *a, struct ordex_target_row *out);
	int (*target_remove)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                     int64_t at);
	int (*target_circuit)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                      int failures, int64_t open_until);
	/* a target's rows put off to put_off_to (its circuit) become due at now */
	int (*outbox_wake)(struct ordex_store *st, const struct ordex_scope *sc, int64_t target_id,
	                   int64_t put_off_to, int64_t now);
	/* the outbox: ORDEX_E_CONFLICT when the idempotency key is there already */
	int (*outbox_add)(struct ordex_store *st, const struct ordex_scope *sc,
	                  struct ordex_outbox_row *r);
	int (*outbox_get)(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
	                  struct ordex_arena *a, struct ordex_outbox_row *out);
	int (*outbox_by_key)(struct ordex_store *st, const struct ordex_scope *sc, const char *key,
	                     struct ordex_arena *a, struct ordex_outbox_row *out);
	int (*outbox_by_ref)(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
	                     struct ordex_arena *a, struct ordex_outbox_row *out);
	/* status, attempts, times, answer and reference */
	int (*outbox_update)(struct ordex_store *st, const struct ordex_scope *sc,
	                     const struct ordex_outbox_row *r);
	int (*outbox_of_action)(struct ordex_store *st, const struct ordex_scope *sc,
	                        int64_t action_id, struct ordex_arena *a,
	                        struct ordex_outbox_row **rows, size_t *n);
	int (*outbox_of_order)(struct ordex_store *st, const struct ordex_scope *sc,
	                       const char *order_ref, struct ordex_arena *a,
	                       struct ordex_outbox_row **rows, size_t *n);
	/* newest first, after_id (0: from the newest); status NULL: any */
	int (*outbox_list)(struct ordex_store *st, const struct ordex_scope *sc, const char *status,
	                   int64_t before_id, int limit, struct ordex_arena *a,
	                   struct ordex_outbox_row **rows, size_t *n);
	/* of every tenant and environment: rows to send at now, earliest first */
	int (*outbox_due)(struct ordex_store *st, int64_t now, int limit, struct ordex_arena *a,
	                  struct ordex_outbox_row **rows, size_t *n);
	/* the earliest time something is to be sent (ORDEX_E_NOTFOUND: nothing) */
	int (*outbox_next)(struct ordex_store *st, int64_t *at);
	/* after a restart: what was being sent has an unknown outcome, to be looked at now */
	int (*outbox_recover)(struct ordex_store *st, int64_t now, int64_t *n);
	int (*outbox_stats)(struct ordex_store *st, const struct ordex_scope *sc,
	                    struct ordex_outbox_stats *out);
	/* a row's attempts, oldest first */
	int (*attempts_of)(struct ordex_store *st, const struct ordex_scope *sc, int64_t outbox_id,
	                   struct ordex_arena *a, struct ordex_attempt_row **rows, size_t *n);
	int (*attempt_add)(struct ordex_store *st, const struct ordex_scope *sc, int64_t outbox_id,
	                   int n, int64_t started_at, int64_t ended_at, const char *outcome,
	                   int http_status, const char *error);

	/* the audit chain, per tenant */
	int (*audit_head)(struct ordex_store *st, int64_t tenant, int64_t *seq,
	                  unsigned char hash[32]);
	int (*audit_append)(struct ordex_store *st, const struct ordex_audit_row *row);
	int (*audit_scan)(struct ordex_store *st, int64_t tenant, ordex_audit_fn fn, void *ctx);
	/* an environment's entries, newest first, before before_seq; kind exact or a prefix
	 * ending in '*', subject exact (NULL: any) */
	int (*audit_list)(struct ordex_store *st, const struct ordex_scope *sc, const char *kind,
	                  const char *subject, int64_t before_seq, int limit, struct ordex_arena *a,
	                  struct ordex_audit_row **rows, size_t *n);
	int (*audit_tenants)(struct ordex_store *st, int64_t **tenants, size_t *n,
	                     struct ordex_arena *a);
};

struct ordex_store {
	const struct ordex_store_ops *ops;
};

/*
 * Opens the SQLite database at path (created when missing), applies the
 * pending migrations unless opts->readonly, and returns the connection in
 * *out. Returns ORDEX_OK or ORDEX_E_STORE with a message on stderr.
 */
int ordex_store_open_sqlite(const char *path, const struct ordex_store_options *opts,
                            struct ordex_store **out);

/* The schema version the database is at. */
int ordex_store_schema_version(struct ordex_store *st);

/*
 * The SQLite connection of a store of the SQLite backend, NULL for another
 * backend. For make bench alone, which records the rows the writer writes
 * (through SQLite's pre-update hook) to write them again raw; product code
 * goes through st->ops.
 */
struct sqlite3 *ordex_store_sqlite_handle(struct ordex_store *st);

#endif
