/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health.c - /healthz (the process answers) and /readyz (it can also read
 * its database).
 */
#include <string.h>

#include "api/api.h"
#include "core/buf.h"
#include "store/store.h"

void ordex_api_health(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	if (!strcmp(ordex_req_path(rq), "/readyz") && !ordex_req_store(rq)) {
		ordex_problem(r, 503, "not_ready", "Not ready", "could not open the database",
		              NULL);
		return;
	}
	r->status = 200;
	ordex_buf_puts(&r->body, "{\"status\":\"ok\"}");
}
