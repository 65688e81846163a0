/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.h - the delivery workers that send the outbox (see worker.c).
 */
#ifndef ORDEX_WORKER_H
#define ORDEX_WORKER_H

#include <stdint.h>

#include "domain/project.h" /* struct ordex_tenant_settings */

struct ordex_vault;
struct ordex_writer;

struct ordex_delivery_config {
	const char *db_path;
	struct ordex_writer *writer;
	const struct ordex_vault *vault; /* opens the targets' credentials */
	struct ordex_tenant_settings settings;
	int threads;           /* 0: 2 */
	long timeout_ms;       /* a request's whole time; 0: 10 s */
	int64_t retry_base_us; /* the first retry's wait, doubling; 0: 10 s */
};

/* What the workers did since they started, for /metrics. */
struct ordex_delivery_counts {
	uint64_t attempts, delivered, failed, dead, shadowed, lookups;
};

struct ordex_deliverer;
/* Settles what a previous run left in flight, then starts the workers. */
int ordex_delivery_start(const struct ordex_delivery_config *cfg, struct ordex_deliverer **out);
/* Stops them (before the writer stops); a request under way finishes first. */
void ordex_delivery_stop(struct ordex_deliverer *d);
void ordex_delivery_counts(struct ordex_deliverer *d, struct ordex_delivery_counts *out);

#endif
