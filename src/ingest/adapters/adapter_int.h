/* SPDX-License-Identifier: Apache-2.0 */
/*
 * adapter_int.h - what the adapters share among themselves and show nobody
 * else: reading members of a provider's payload the way every adapter
 * reads them, and writing the data members of a canonical event. The
 * functions live in fields.c; like the adapters, they are pure and take
 * their memory from the arena they are given.
 */
#ifndef ORDEX_ADAPTER_INT_H
#define ORDEX_ADAPTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/adapters/adapter.h"

struct ordex_arena;
struct ordex_jw;

/* ---- reading a payload ------------------------------------------------- */

/* A member as a non-empty string (numbers as their literal), else NULL. */
const char *ordex__str(const struct ordex_json *obj, const char *key);
/* A non-empty JSON string member, else NULL: "" says none, and numbers do not count. */
const char *ordex__text(const struct ordex_json *obj, const char *key);
/* A member that is a JSON object (an expanded reference, a nested record), else NULL. */
const struct ordex_json *ordex__obj(const struct ordex_json *obj, const char *key);

/* s when it is an RFC 3339 time with an offset, else NULL; *us (if not NULL) its instant. */
const char *ordex__rfc3339(const char *s, int64_t *us);
/* Whether x and y are both RFC 3339 times of the same instant, whatever their offsets. */
bool ordex__same_instant(const char *x, const char *y);
/*
 * When a fact happened: the first of obj's members keys (a NULL-terminated
 * list) that is an RFC 3339 time with an offset; else when, a time the
 * caller has already checked (an enclosing event's), if not NULL; else the
 * time the payload was received, if it is one. NULL when there is none.
 */
const char *ordex__occurred(const struct ordex_adapter_input *in, const struct ordex_json *obj,
                            const char *const *keys, const char *when);

/*
 * An ISO 4217 code in any case: writes it upper-cased into up (always
 * NUL-terminated, "" when s is not three bytes long) and returns its
 * exponent, or -1 when the currency is unknown.
 */
int ordex__currency(const char *s, size_t len, char up[4]);

/* The path of key inside the object at prefix ("prefix.key"; key itself at the top, ""). */
const char *ordex__field(struct ordex_arena *a, const char *prefix, const char *key);

/*
 * What a carrier said of a status, as a canonical reason: its message,
 * else fallback; after prefix ("prefix: message", or prefix alone) when
 * there is one. NULL when there is nothing to say.
 */
const char *ordex__reason(struct ordex_arena *a, const char *prefix, const char *msg,
                          const char *fallback);

/*
 * A status word of a tracking service (AfterShip's tag, EasyPost's
 * tracker status) and what it means: the canonical shipment status, and
 * how its reason reads (see ordex__reason()).
 */
struct ordex_tracking_status {
	const char *name;
	const char *status;
	const char *prefix;   /* said before the carrier's message */
	const char *fallback; /* said when the carrier gave no message */
};

/* The entry of table (n entries) whose name is name, or NULL (also when name is NULL). */
const struct ordex_tracking_status *ordex__find_status(const struct ordex_tracking_status *table,
                                                       size_t n, const char *name);

/* ---- writing an event's data ------------------------------------------- */

/* A string member, left out when val is NULL. */
void ordex__put(struct ordex_jw *w, const char *key, const char *val);
/* {"source": source, "id": id}: the order as another provider names it. */
void ordex__put_alias(struct ordex_jw *w, const char *source, const char *id);
/* data.order_alias, the order known only by its id at source; left out when id is NULL. */
void ordex__put_order_alias(struct ordex_jw *w, const char *source, const char *id);

#endif
