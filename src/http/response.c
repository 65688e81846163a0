/* SPDX-License-Identifier: Apache-2.0 */
/*
 * response.c - problem details. The type URI is stable per code so that
 * clients can switch on either; "errors" lists every field at fault.
 */
#include "http/response.h"

#include <stdio.h>

#include "core/json.h"
#include "ingest/event.h"

void ordex_problem(struct ordex_response *r, unsigned status, const char *code, const char *title,
                   const char *detail, const struct ordex_problems *probs)
{
	struct ordex_jw w;
	ordex_buf_reset(&r->body);
	r->status = status;
	r->content_type = "application/problem+json";
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	char type[128];
	snprintf(type, sizeof(type), "https://ordex.dev/problems/%s", code);
	ordex_jw_key(&w, "type");
	ordex_jw_str(&w, type);
	ordex_jw_key(&w, "title");
	ordex_jw_str(&w, title);
	ordex_jw_key(&w, "status");
	ordex_jw_int(&w, status);
	ordex_jw_key(&w, "code");
	ordex_jw_str(&w, code);
	if (detail) {
		ordex_jw_key(&w, "detail");
		ordex_jw_str(&w, detail);
	}
	if (probs && probs->n) {
		ordex_jw_key(&w, "errors");
		ordex_jw_arr(&w);
		for (int i = 0; i < probs->n; i++) {
			ordex_jw_obj(&w);
			ordex_jw_key(&w, "field");
			ordex_jw_str(&w, probs->items[i].field);
			ordex_jw_key(&w, "reason");
			ordex_jw_str(&w, probs->items[i].reason);
			ordex_jw_obj_end(&w);
		}
		if (probs->dropped) {
			char more[64];
			snprintf(more, sizeof(more), "and %d more problems not listed",
			         probs->dropped);
			ordex_jw_obj(&w);
			ordex_jw_key(&w, "field");
			ordex_jw_str(&w, "");
			ordex_jw_key(&w, "reason");
			ordex_jw_str(&w, more);
			ordex_jw_obj_end(&w);
		}
		ordex_jw_arr_end(&w);
	}
	ordex_jw_obj_end(&w);
}
