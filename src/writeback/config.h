/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h - writeback targets added and removed, as writer commands (the
 * API's and the command line's; see config.c).
 */
#ifndef ORDEX_WRITEBACK_CONFIG_H
#define ORDEX_WRITEBACK_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "workflow/workflow.h" /* struct ordex_cmd_result */

struct ordex_arena;
struct ordex_audit;
struct ordex_scope;
struct ordex_store;
struct ordex_vault;

struct ordex_target_add {
	struct ordex_cmd_result res;
	const char *name, *kind, *base_url;
	const char *secret; /* plain; sealed before it is stored */
	const char *const *actions;
	int n_actions;
	bool shadow;
	const char *actor;
	const struct ordex_vault *vault;
	struct ordex_arena *a;
	int64_t id; /* out */
};
/* Checked already (ordex_target_check); refuses a kind carried elsewhere or another env's URL. */
int ordex_target_add_cmd(struct ordex_store *st, struct ordex_audit *au,
                         const struct ordex_scope *sc, int64_t now, void *ctx);

struct ordex_target_remove {
	struct ordex_cmd_result res;
	int64_t id;
	const char *actor;
	struct ordex_arena *a;
};
/* What was queued for it dies at its next attempt, for a person to see. */
int ordex_target_remove_cmd(struct ordex_store *st, struct ordex_audit *au,
                            const struct ordex_scope *sc, int64_t now, void *ctx);

#endif
