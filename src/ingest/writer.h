/* SPDX-License-Identifier: Apache-2.0 */
/*
 * writer.h - the one path through which every change of state goes.
 *
 * Producers (HTTP request threads, ordex import) submit batches of
 * validated events. One writer thread takes everything queued, applies it
 * in one transaction (each event under its own savepoint, so a rejected
 * event leaves nothing behind) and commits once: group commit. Only after
 * the commit is durable does it call each batch's done callback, on the
 * writer's flushing thread: the writer applies the next group while the
 * last one is flushed (see docs/internals/writer.md). A batch and its items
 * belong to the submitter and must stay valid until done is called.
 */
#ifndef ORDEX_WRITER_H
#define ORDEX_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"
#include "domain/project.h"
#include "store/store.h"

struct ordex_audit;
struct ordex_delivery;
struct ordex_event;
struct ordex_problems;
struct ordex_store;
struct ordex_writer;

enum ordex_item_status {
	ORDEX_ITEM_PENDING = 0,
	ORDEX_ITEM_ACCEPTED,
	ORDEX_ITEM_DUPLICATE,
	ORDEX_ITEM_CONFLICT,
	ORDEX_ITEM_REJECTED, /* by validation (before the writer) or by state */
	ORDEX_ITEM_FAILED,   /* the database failed; nothing was stored */
};

struct ordex_item {
	const struct ordex_event *ev;          /* NULL when validation rejected it */
	const struct ordex_problems *problems; /* validation's findings, or NULL */
	long line;                             /* 1-based line in the body or file */
	int json_rc; /* the JSON parser's failure (ORDEX_E_INVAL, ORDEX_E_DEPTH) or 0 */
	enum ordex_item_status status;
	int64_t seq;        /* log position when accepted, or the original's */
	const char *field;  /* rejected: the field at fault */
	const char *reason; /* rejected or conflict: why (static or writer-owned copy) */
	char reason_buf[256];
	char field_buf[64];
	bool applied; /* writer-internal: the writer set this item's result */
};

struct ordex_batch;
typedef void (*ordex_batch_done_fn)(struct ordex_batch *b);

struct ordex_batch {
	struct ordex_scope scope;
	struct ordex_item *items;
	size_t n;
	/* optional: the webhook delivery the items came from, stored first
	 * (once per provider id); its row id is linked from each event */
	struct ordex_delivery *delivery;
	int64_t delivery_seq;    /* out */
	bool delivery_duplicate; /* out: these very bytes were received before under
	                          * this provider id (a retry with other bytes is
	                          * stored as a delivery of its own) */
	/* optional: an audit entry for the batch itself (a refused webhook) */
	const char *audit_kind;
	const char *audit_subject;
	const char *audit_body;
	/* optional: a change of configuration, applied in the batch's transaction
	 * under its own savepoint; its result lands in command_rc (a result other
	 * than ORDEX_OK or ORDEX_E_STORE undoes only the command) */
	int (*command)(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
	               int64_t now, void *ctx);
	void *command_ctx;
	int command_rc;
	ordex_batch_done_fn done;
	void *ctx;
	int rc;                   /* ORDEX_OK, or why the whole batch failed */
	struct ordex_batch *next; /* queue link, writer-owned */
};

struct ordex_writer_stats {
	uint64_t commits;
	uint64_t flushes; /* WAL flushes: one makes every commit before it durable */
	uint64_t events;
	uint64_t accepted;
	uint64_t duplicates;
	uint64_t rejected;
	uint64_t max_group;
	uint64_t replays; /* groups applied again because an event was refused */
};

struct ordex_writer_config {
	size_t max_group_events; /* events per transaction; 0: 4096 */
	struct ordex_tenant_settings settings;
};

/* Starts the writer thread over st (which it then owns and closes). */
int ordex_writer_start(struct ordex_store *st, const struct ordex_writer_config *cfg,
                       struct ordex_writer **out);
/*
 * Queues b. Returns ORDEX_OK (done will be called) or ORDEX_E_SHUTDOWN
 * (done will not be called). Any thread.
 */
int ordex_writer_submit(struct ordex_writer *w, struct ordex_batch *b);
/*
 * Applies b and waits for it: a convenience for the CLI and tests.
 * Returns b->rc.
 */
int ordex_writer_run(struct ordex_writer *w, struct ordex_batch *b);
/*
 * Records the receipt of a duplicate that was answered without the writer
 * (its original is durable already). The audit entry rides along with the
 * next group's commit, or is committed within a second when nothing else
 * comes: a lone duplicate costs its request no fsync. A crash in that
 * second loses the receipt record, never an event. Copies what it needs;
 * any thread.
 */
void ordex_writer_receipt(struct ordex_writer *w, const struct ordex_scope *sc,
                          const struct ordex_event *ev, int64_t seq);
/*
 * Adds n to a metering count of sc's tenant and environment in the current
 * hour (GET /v1/usage); written with the next transaction, or within a
 * second when nothing else comes. Any thread.
 */
void ordex_writer_count(struct ordex_writer *w, const struct ordex_scope *sc, const char *metric,
                        int64_t n);
/*
 * Records that a credential (a key or a session of sc, by id) was used at `at`:
 * written with the next transaction, or within a second when none comes,
 * the latest use of each kept. Any thread.
 */
void ordex_writer_touch(struct ordex_writer *w, const struct ordex_scope *sc,
                        enum ordex_credential kind, int64_t id, int64_t at);
/*
 * The highest event seq known durable: an event at or below it may be
 * answered as stored. One above it was committed (readers see it) but its
 * flush may still be running. Any thread.
 */
int64_t ordex_writer_durable_seq(struct ordex_writer *w);

/*
 * Stops taking batches (a submit then returns ORDEX_E_SHUTDOWN) and
 * returns once every queued batch is applied and its done called. The
 * writer stays allocated, so late submits are refused safely.
 */
void ordex_writer_drain(struct ordex_writer *w);
/* Drains, then closes the store and frees the writer. */
void ordex_writer_stop(struct ordex_writer *w);
void ordex_writer_get_stats(struct ordex_writer *w, struct ordex_writer_stats *out);

#endif
