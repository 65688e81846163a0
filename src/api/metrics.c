/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c - GET /metrics: the writer's counters in the Prometheus text
 * format (version 0.0.4). The counters are the whole service's, across
 * tenants, so only the operator's tenant (the first, created by ordex
 * init) may read them, from production; any other caller gets 404.
 *
 * events per commit (ordex_writer_events_total / ordex_writer_commits_total)
 * is how many events shared one fsync: the measure of group commit.
 */
#include <inttypes.h>
#include <string.h>

#include "api/api.h"
#include "core/common.h"
#include "store/store.h"
#include "core/buf.h"
#include "ingest/writer.h"
#include "writeback/worker.h"

static void counter(struct ordex_buf *b, const char *name, const char *help, const char *type,
                    uint64_t v)
{
	ordex_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help, name, type,
	                 name, v);
}

void ordex_api_metrics(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	/* the counters are the whole service's: only the operator's tenant (the
	 * one ordex init created) may read them, from production */
	struct ordex_store *st = ordex_req_store(rq);
	const struct ordex_scope *sc = ordex_req_scope(rq);
	int64_t first = 0;
	char name[64];
	if (!st || st->ops->tenant_first(st, &first, name, sizeof(name)) != ORDEX_OK ||
	    first != sc->tenant || strcmp(sc->env, "production") != 0) {
		ordex_problem(r, 404, "not_found", "Not found",
		              "the service's metrics are for the operator's tenant", NULL);
		return;
	}
	struct ordex_writer_stats ws;
	ordex_req_writer_stats(rq, &ws);
	r->status = 200;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	counter(&r->body, "ordex_writer_commits_total", "Transactions the writer committed.",
	        "counter", ws.commits);
	counter(&r->body, "ordex_writer_flushes_total",
	        "WAL flushes (fsync); one makes every commit before it durable.", "counter",
	        ws.flushes);
	counter(&r->body, "ordex_writer_events_total", "Events the writer handled.", "counter",
	        ws.events);
	counter(&r->body, "ordex_writer_accepted_total", "Events accepted and stored.", "counter",
	        ws.accepted);
	counter(&r->body, "ordex_writer_duplicates_total", "Events recognized as duplicates.",
	        "counter", ws.duplicates);
	counter(&r->body, "ordex_writer_rejected_total",
	        "Events the writer refused (conflicts it found, state, storage).", "counter",
	        ws.rejected);
	counter(&r->body, "ordex_writer_replays_total",
	        "Groups applied again, an event at a time, because the state refused one of them.",
	        "counter", ws.replays);
	counter(&r->body, "ordex_timers_fired_total",
	        "Durable timers fired (time-based detection, SLA clocks).", "counter",
	        ordex_req_timers_fired(rq));
	counter(&r->body, "ordex_writer_max_group_events", "The largest group of one transaction.",
	        "gauge", ws.max_group);
	struct ordex_delivery_counts dc;
	ordex_req_delivery_counts(rq, &dc);
	counter(&r->body, "ordex_writeback_attempts_total",
	        "Requests sent to writeback targets (lookups apart).", "counter", dc.attempts);
	counter(&r->body, "ordex_writeback_delivered_total", "Writebacks the targets carried out.",
	        "counter", dc.delivered);
	counter(&r->body, "ordex_writeback_failed_total",
	        "Attempts that failed and will be retried (or whose outcome is unknown).",
	        "counter", dc.failed);
	counter(&r->body, "ordex_writeback_dead_total",
	        "Writebacks refused for good (dead letters, for a person to retry or cancel).",
	        "counter", dc.dead);
	counter(&r->body, "ordex_writeback_lookups_total",
	        "Targets asked whether a writeback of unknown outcome was carried out.", "counter",
	        dc.lookups);
	counter(&r->body, "ordex_writeback_shadowed_total",
	        "Writebacks recorded in shadow mode, not sent.", "counter", dc.shadowed);
}
