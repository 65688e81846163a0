/* SPDX-License-Identifier: Apache-2.0 */
/*
 * connector.h - a tenant environment's link to one provider: the webhook
 * URL's public id and the signing secrets, sealed at rest. Adding a secret
 * to a connector that has one is a rotation: the older secrets stay valid
 * for an overlap window, then expire, so that the provider can switch
 * without a single refused delivery.
 */
#ifndef ORDEX_CONNECTOR_H
#define ORDEX_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"

struct ordex_arena;
struct ordex_audit;
struct ordex_store;
struct ordex_vault;

#define ORDEX_SECRET_MAX 512

struct ordex_connector_add {
	/* in */
	const char *source;
	const char *secret;
	size_t secret_len;
	int64_t overlap_s; /* how long older secrets stay valid; 0: not at all; <0: 24 hours */
	const struct ordex_vault *vault;
	const char *actor; /* who asked, for the audit log */
	/* out */
	bool created;
	int64_t secret_id;
	char public_id[48];
	char hint[32];
	const char *why; /* refused: the reason */
};

/*
 * Creates the connector if missing and adds the secret (a writer command:
 * see struct ordex_batch). Returns ORDEX_OK, ORDEX_E_INVAL (unknown source,
 * empty or oversized secret), ORDEX_E_CONFLICT (the secret signs for another
 * environment of the tenant: a sandbox's deliveries would be taken as
 * production's) or ORDEX_E_STORE; why says what was refused.
 */
int ordex_connector_add(struct ordex_store *st, struct ordex_audit *au,
                        const struct ordex_scope *sc, int64_t now, void *ctx);

/*
 * The secrets of a connector that are valid at now, opened, newest first,
 * in the arena. Returns ORDEX_OK (*n may be 0) or an error.
 */
int ordex_connector_secrets(struct ordex_store *st, const struct ordex_scope *sc, int64_t connector,
                            const struct ordex_vault *v, int64_t now, struct ordex_arena *a,
                            const char ***secrets, size_t **lens, size_t *n);

/* Is source one ordex has an adapter for? */
bool ordex_connector_source_known(const char *source);

#endif
