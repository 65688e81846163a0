/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.h - the hash-chained audit log.
 *
 * Each tenant has one chain. An entry's hash is SHA-256 over the previous
 * entry's hash and the entry's canonical bytes (docs/internals/audit.md),
 * so an edited, removed or reordered entry breaks every hash after it.
 * Appends happen inside the writer's transaction, so an entry exists
 * exactly when the change it records does.
 */
#ifndef ORDEX_AUDIT_H
#define ORDEX_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"

struct ordex_store;
struct ordex_audit_row;

/* The writer's view of the chains: heads cached within one transaction. */
struct ordex_audit;

struct ordex_audit *ordex_audit_new(void);
void ordex_audit_free(struct ordex_audit *au);
/* Forgets cached heads; call at every begin and after every rollback. */
void ordex_audit_reset(struct ordex_audit *au);

/*
 * Appends one entry (body is canonical JSON) for sc's tenant at time at.
 * Must be called inside a transaction on st. Returns ORDEX_OK or
 * ORDEX_E_STORE. Writer thread only.
 */
int ordex_audit_append(struct ordex_audit *au, struct ordex_store *st, const struct ordex_scope *sc,
                       int64_t at, const char *kind, const char *subject, const char *body);

/* Hashes an entry as stored: SHA-256(prev || canonical bytes). */
void ordex_audit_hash(const struct ordex_audit_row *row, unsigned char out[32]);

struct ordex_audit_report {
	int64_t tenants;
	int64_t entries;
	int64_t bad_tenant; /* 0 when the chain verified */
	int64_t bad_seq;
	char reason[200];
};

/*
 * Verifies every tenant's chain. Returns ORDEX_OK when all verify,
 * ORDEX_E_CORRUPT with the first bad entry in rep, or ORDEX_E_STORE.
 */
int ordex_audit_verify(struct ordex_store *st, struct ordex_audit_report *rep);
/* The same for one tenant's chain. */
int ordex_audit_verify_tenant(struct ordex_store *st, int64_t tenant,
                              struct ordex_audit_report *rep);

#endif
