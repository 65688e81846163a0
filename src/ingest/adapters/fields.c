/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fields.c - the payload readers and data writers the adapters share
 * (adapter_int.h). Each provider's quirks stay in its own adapter; what is
 * here reads and writes alike for all of them.
 */
#include "ingest/adapters/adapter_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "core/timeutil.h"

const char *ordex__str(const struct ordex_json *obj, const char *key)
{
	const char *s = ordex_adapter_str(obj, key);
	return s && *s ? s : NULL;
}

const char *ordex__text(const struct ordex_json *obj, const char *key)
{
	const struct ordex_json *n = ordex_json_get(obj, key);
	return n && n->type == ORDEX_JSON_STRING && n->len ? n->str : NULL;
}

const struct ordex_json *ordex__obj(const struct ordex_json *obj, const char *key)
{
	const struct ordex_json *n = ordex_json_get(obj, key);
	return n && n->type == ORDEX_JSON_OBJECT ? n : NULL;
}

const char *ordex__rfc3339(const char *s, int64_t *us)
{
	int64_t t;
	int off;
	if (!s || ordex_time_parse(s, strlen(s), &t, &off) != ORDEX_OK)
		return NULL;
	if (us)
		*us = t;
	return s;
}

bool ordex__same_instant(const char *x, const char *y)
{
	int64_t ux, uy;
	return ordex__rfc3339(x, &ux) && ordex__rfc3339(y, &uy) && ux == uy;
}

const char *ordex__occurred(const struct ordex_adapter_input *in, const struct ordex_json *obj,
                            const char *const *keys, const char *when)
{
	for (; *keys; keys++) {
		const char *t = ordex__rfc3339(ordex__str(obj, *keys), NULL);
		if (t)
			return t;
	}
	return when ? when : ordex__rfc3339(in->received_at, NULL);
}

int ordex__currency(const char *s, size_t len, char up[4])
{
	up[0] = '\0';
	if (!s || len != 3)
		return -1;
	for (int i = 0; i < 3; i++)
		up[i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
	up[3] = '\0';
	return ordex_currency_exponent(up);
}

const char *ordex__field(struct ordex_arena *a, const char *prefix, const char *key)
{
	return *prefix ? ordex_arena_printf(a, "%s.%s", prefix, key) : key;
}

const char *ordex__reason(struct ordex_arena *a, const char *prefix, const char *msg,
                          const char *fallback)
{
	if (!prefix)
		return msg ? msg : fallback;
	return msg ? ordex_arena_printf(a, "%s: %s", prefix, msg) : prefix;
}

const struct ordex_tracking_status *ordex__find_status(const struct ordex_tracking_status *table,
                                                       size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(name, table[i].name))
			return &table[i];
	return NULL;
}

void ordex__put(struct ordex_jw *w, const char *key, const char *val)
{
	if (!val)
		return;
	ordex_jw_key(w, key);
	ordex_jw_str(w, val);
}

void ordex__put_alias(struct ordex_jw *w, const char *source, const char *id)
{
	ordex_jw_obj(w);
	ordex_jw_key(w, "source");
	ordex_jw_str(w, source);
	ordex_jw_key(w, "id");
	ordex_jw_str(w, id);
	ordex_jw_obj_end(w);
}

void ordex__put_order_alias(struct ordex_jw *w, const char *source, const char *id)
{
	if (!id)
		return;
	ordex_jw_key(w, "order_alias");
	ordex__put_alias(w, source, id);
}
