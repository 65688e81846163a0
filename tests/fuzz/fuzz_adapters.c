/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_adapters.c - every provider adapter on any JSON: it must not crash,
 * must decide an outcome, and every event it makes must be a valid
 * canonical event (an adapter cannot smuggle in what the format forbids).
 * The first input byte picks a Shopify topic, so that topic-driven paths
 * are reached too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "ingest/adapters/adapter.h"
#include "ingest/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const topics[] = {
    NULL,
    "orders/create",
    "orders/updated",
    "orders/cancelled",
    "refunds/create",
    "fulfillments/create",
    "fulfillment_events/create",
    "order_transactions/create",
    "disputes/create",
    "inventory_levels/update",
    "customers/update",
    "fulfillment_orders/placed_on_hold",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *topic = topics[data[0] % (sizeof(topics) / sizeof(topics[0]))];
	struct ordex_arena *a = ordex_arena_new(4096);
	struct ordex_json *doc;
	struct ordex_json_error err;
	if (ordex_json_parse(a, (const char *)data + 1, size - 1, NULL, &doc, &err) == ORDEX_OK) {
		static const char *const sources[] = {"shopify", "stripe", "easypost", "aftership",
		                                      "zendesk"};
		for (size_t s = 0; s < sizeof(sources) / sizeof(sources[0]); s++) {
			const struct ordex_adapter *ad = ordex_adapter_find(sources[s]);
			struct ordex_adapter_input in = {
			    .topic = s == 0 ? topic : NULL,
			    .body = doc,
			    .received_at = "2025-01-01T00:00:00Z",
			};
			struct ordex_adapter_output out;
			ordex_adapter_output_init(&out, a, sources[s]);
			int rc = ad->map(&in, &out);
			ordex_adapter_output_done(&out);
			if (rc == ORDEX_E_TOOBIG)
				continue;
			if (rc != ORDEX_OK)
				abort();
			for (size_t i = 0; i < out.n; i++) {
				struct ordex_json *ev_doc;
				struct ordex_event ev;
				struct ordex_problems probs = {.n = 0};
				if (ordex_json_parse(a, out.events[i], out.lens[i], NULL, &ev_doc,
				                     &err) != ORDEX_OK)
					abort(); /* an adapter wrote invalid JSON */
				(void)ordex_event_validate(a, ev_doc, out.events[i], out.lens[i],
				                           &ev, &probs);
			}
		}
	}
	ordex_arena_free(a);
	return 0;
}
