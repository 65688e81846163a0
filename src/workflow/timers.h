/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timers.h - durable timers: the writer command that fires what is due,
 * and the clock thread that hands it to the writer (see timers.c).
 */
#ifndef ORDEX_TIMERS_H
#define ORDEX_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/project.h" /* struct ordex_tenant_settings */

struct ordex_audit;
struct ordex_scope;
struct ordex_store;
struct ordex_writer;

struct ordex_timer_run {
	struct ordex_tenant_settings settings; /* the service's defaults */
	int fired;                             /* out: timers fired */
	bool more;                             /* out: more were due than one run fires */
};

/*
 * A writer command (ctx: struct ordex_timer_run): fires the timers of
 * every environment due at now, each marked fired in the transaction of
 * its effect, at most a few hundred a run.
 */
int ordex_timers_fire(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                      int64_t now, void *ctx);

struct ordex_clock;
/* Starts the clock thread: it watches db_path for due timers and has w fire them. */
int ordex_clock_start(const char *db_path, struct ordex_writer *w,
                      const struct ordex_tenant_settings *settings, struct ordex_clock **out);
/* Stops it (before the writer stops); a firing under way finishes first. */
void ordex_clock_stop(struct ordex_clock *c);
/* Timers fired since it started. */
uint64_t ordex_clock_fired(struct ordex_clock *c);

#endif
