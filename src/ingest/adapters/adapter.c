/* SPDX-License-Identifier: Apache-2.0 */
/*
 * adapter.c - the registry of adapters and the builder they share.
 */
#include "ingest/adapters/adapter_int.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/money.h"
#include "core/timeutil.h"

static const struct ordex_adapter *const adapters[] = {
    &ordex_adapter_shopify,   &ordex_adapter_stripe,  &ordex_adapter_easypost,
    &ordex_adapter_aftership, &ordex_adapter_zendesk,
};

const struct ordex_adapter *ordex_adapter_find(const char *source)
{
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(adapters); i++)
		if (!strcmp(adapters[i]->source, source))
			return adapters[i];
	return NULL;
}

void ordex_adapter_output_init(struct ordex_adapter_output *out, struct ordex_arena *a,
                               const char *source)
{
	memset(out, 0, sizeof(*out));
	out->a = a;
	out->source = source;
	ordex_buf_init(&out->b, 1 << 20);
}

void ordex_adapter_output_done(struct ordex_adapter_output *out)
{
	ordex_buf_free(&out->b);
}

struct ordex_jw *ordex_adapter_begin(struct ordex_adapter_output *out, const char *id,
                                     const char *type, const char *occurred_at, const char *order)
{
	struct ordex_jw *w = &out->w;
	ordex_buf_reset(&out->b);
	ordex_jw_init(w, &out->b);
	ordex_jw_obj(w);
	ordex_jw_key(w, "id");
	ordex_jw_str(w, id);
	ordex_jw_key(w, "source");
	ordex_jw_str(w, out->source);
	ordex_jw_key(w, "type");
	ordex_jw_str(w, type);
	ordex_jw_key(w, "occurred_at");
	ordex_jw_str(w, occurred_at);
	if (order) {
		ordex_jw_key(w, "order");
		ordex_jw_str(w, order);
	}
	ordex_jw_key(w, "data");
	ordex_jw_obj(w);
	return w;
}

int ordex_adapter_end(struct ordex_adapter_output *out)
{
	ordex_jw_obj_end(&out->w);
	ordex_jw_obj_end(&out->w);
	if (out->b.err)
		return out->b.err;
	if (out->n == ORDEX_ADAPT_MAX_EVENTS)
		return ORDEX_E_TOOBIG;
	out->events[out->n] = ordex_arena_strndup(out->a, out->b.data, out->b.len);
	out->lens[out->n] = out->b.len;
	out->n++;
	if (out->outcome != ORDEX_ADAPT_INCOMPLETE)
		out->outcome = ORDEX_ADAPT_MAPPED;
	return ORDEX_OK;
}

void ordex_adapter_ignore(struct ordex_adapter_output *out, const char *kind, const char *why)
{
	out->outcome = ORDEX_ADAPT_IGNORED;
	if (kind)
		out->kind = kind;
	out->ignored_why = why;
}

void ordex_adapter_missing(struct ordex_adapter_output *out, const char *field, const char *reason)
{
	out->outcome = ORDEX_ADAPT_INCOMPLETE;
	ordex_problem_add(&out->problems, out->a, field, "%s", reason);
}

const char *ordex_adapter_str(const struct ordex_json *obj, const char *key)
{
	const struct ordex_json *n = ordex_json_get(obj, key);
	if (!n)
		return NULL;
	if (n->type == ORDEX_JSON_STRING || n->type == ORDEX_JSON_NUMBER)
		return n->str;
	return NULL;
}

const struct ordex_json *ordex_adapter_path(const struct ordex_json *obj, const char *path)
{
	char key[128];
	const struct ordex_json *n = obj;
	while (n && *path) {
		size_t len = strcspn(path, ".");
		if (len >= sizeof(key))
			return NULL;
		memcpy(key, path, len);
		key[len] = '\0';
		n = ordex_json_get(n, key);
		path += len;
		if (*path == '.')
			path++;
	}
	return n;
}

const char *ordex_adapter_unix_time(struct ordex_arena *a, int64_t seconds)
{
	char t[ORDEX_TIME_MAX_LEN];
	ordex_time_format(seconds * 1000000, 0, t);
	return ordex_arena_strdup(a, t);
}

const char *ordex_adapter_minor_to_decimal(struct ordex_arena *a, int64_t minor,
                                           const char *currency)
{
	char up[4];
	if (!currency || ordex__currency(currency, strlen(currency), up) < 0)
		return NULL;
	char m[ORDEX_MONEY_MAX_LEN];
	ordex_money_format(minor, up, m);
	return ordex_arena_strdup(a, m);
}
