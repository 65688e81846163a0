/* SPDX-License-Identifier: Apache-2.0 */
/*
 * adapter.h - provider adapters: one payload as a provider sends it in,
 * zero or more canonical events (docs/events.md) out.
 *
 * An adapter is a pure function of its input: no database, no clock, no
 * globals. It writes each canonical event as JSON through the builder
 * below; the caller then validates those events exactly like events posted
 * to /v1/events, so an adapter cannot smuggle in what the canonical format
 * forbids. The outcome says what happened to the payload:
 *   MAPPED      one or more events were produced
 *   IGNORED     the payload does not bear on orders (acknowledged, stored,
 *               counted); ignored_why says what it was
 *   INCOMPLETE  it bears on orders but lacks fields the mapping needs;
 *               problems names each, order names the order when known
 * Every adapter sets kind (what the payload was: "order", "refund",
 * "tracker", ...) and event_id (the provider's id of this notification,
 * the dedupe key of the delivery) when the payload has one.
 * Adapters run on request threads; all memory comes from out->a.
 */
#ifndef ORDEX_ADAPTER_H
#define ORDEX_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/json.h"
#include "ingest/event.h"

struct ordex_arena;

struct ordex_adapter_input {
	/* the provider's event name when a header carries it (Shopify's
	 * X-Shopify-Topic "orders/create"), else NULL: the adapter reads the
	 * body's own type field, or recognizes the object by its shape */
	const char *topic;
	/* the provider's id of the notification from a header (Shopify's
	 * X-Shopify-Event-Id or X-Shopify-Webhook-Id), else NULL */
	const char *delivery_id;
	const struct ordex_json *body;
	/* when nothing in the payload says when it happened, RFC 3339 */
	const char *received_at;
};

enum ordex_adapt_outcome {
	ORDEX_ADAPT_MAPPED = 1,
	ORDEX_ADAPT_IGNORED,
	ORDEX_ADAPT_INCOMPLETE,
};

#define ORDEX_ADAPT_MAX_EVENTS 256

struct ordex_adapter_output {
	struct ordex_arena *a;
	enum ordex_adapt_outcome outcome;
	const char *kind;
	const char *event_id;
	const char *ignored_why;
	const char *order; /* INCOMPLETE: the order concerned, if known */
	struct ordex_problems problems;
	/* the canonical events, as JSON text in the arena */
	const char *events[ORDEX_ADAPT_MAX_EVENTS];
	size_t lens[ORDEX_ADAPT_MAX_EVENTS];
	size_t n;
	/* builder state */
	struct ordex_buf b;
	struct ordex_jw w;
	const char *source;
};

struct ordex_adapter {
	const char *source; /* "shopify", "stripe", ... */
	/* Fills out (outcome, kind, event_id, events). Returns ORDEX_OK, or
	 * ORDEX_E_TOOBIG when the payload would make too many events. */
	int (*map)(const struct ordex_adapter_input *in, struct ordex_adapter_output *out);
};

extern const struct ordex_adapter ordex_adapter_shopify;
extern const struct ordex_adapter ordex_adapter_stripe;
extern const struct ordex_adapter ordex_adapter_easypost;
extern const struct ordex_adapter ordex_adapter_aftership;
extern const struct ordex_adapter ordex_adapter_zendesk;

/* The adapter of a source name, or NULL. */
const struct ordex_adapter *ordex_adapter_find(const char *source);

/* Prepares out for one payload of source. */
void ordex_adapter_output_init(struct ordex_adapter_output *out, struct ordex_arena *a,
                               const char *source);
/* Frees the builder's buffer (the events stay in the arena). */
void ordex_adapter_output_done(struct ordex_adapter_output *out);

/*
 * Starts a canonical event and returns the writer positioned inside its
 * "data" object: the adapter adds data members, then calls
 * ordex_adapter_end(). id must be unique within the source and stable
 * across redeliveries (derive it from the provider's ids). order may be
 * NULL. occurred_at is RFC 3339 with an offset.
 */
struct ordex_jw *ordex_adapter_begin(struct ordex_adapter_output *out, const char *id,
                                     const char *type, const char *occurred_at, const char *order);
/* Closes the event begun last and keeps it; sets outcome MAPPED. */
int ordex_adapter_end(struct ordex_adapter_output *out);

/* Marks the payload not order-relevant. */
void ordex_adapter_ignore(struct ordex_adapter_output *out, const char *kind, const char *why);
/* Adds a missing or unusable field; sets outcome INCOMPLETE. */
void ordex_adapter_missing(struct ordex_adapter_output *out, const char *field, const char *reason);

/* Helpers every adapter needs. */
/* A member as a string: strings as they are, numbers as their literal, else NULL. */
const char *ordex_adapter_str(const struct ordex_json *obj, const char *key);
/* Nested lookup by a dotted path ("data.object.metadata.order_id"), or NULL. */
const struct ordex_json *ordex_adapter_path(const struct ordex_json *obj, const char *path);
/* Unix seconds as RFC 3339 UTC in the arena. */
const char *ordex_adapter_unix_time(struct ordex_arena *a, int64_t seconds);
/* Minor units of currency (any case) as a decimal in major units ("12.34"), in the arena;
 * NULL when the currency is unknown. */
const char *ordex_adapter_minor_to_decimal(struct ordex_arena *a, int64_t minor,
                                           const char *currency);

#endif
