/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cases.c - the work on exceptions: cases, their actions and approvals
 * (workflow/workflow.h, docs/internals/workflow.md).
 *
 *   GET  /v1/cases                      the queue: active cases, highest priority
 *                                       first (?queue= ?status= ?assignee= ?order=
 *                                       ?limit= ?cursor=)
 *   GET  /v1/cases/{id}                 a case with its exceptions, actions and
 *                                       their approvals, proposals and history
 *   GET  /v1/cases/{id}/evidence/{sha}  a file attached to the case
 *   POST /v1/cases/{id}/claim|release   take the case, or give it back
 *   POST /v1/cases/{id}/assign          {"assignee": "ana" | null}
 *   POST /v1/cases/{id}/comments        {"text": ...}
 *   POST /v1/cases/{id}/messages        {"text": ...}: a message drafted to the customer
 *   POST /v1/cases/{id}/evidence        the file as the body, its Content-Type, ?name=
 *   POST /v1/cases/{id}/actions         {"kind", "payload", "reason", "draft"}
 *   GET  /v1/actions/{id}               an action, its route and approvals
 *   PATCH /v1/actions/{id}              {"payload": ...}: the requester changes it
 *   POST /v1/actions/{id}/approve       {"payload_sha256", "reason"}
 *   POST /v1/actions/{id}/reject        {"reason"}
 *   POST /v1/actions/{id}/override      {"reason", "kind", "payload"}
 *   POST /v1/actions/{id}/cancel|submit the requester withdraws it, or submits a draft
 *
 * The operation a POST needs depends on its verb (claiming is cases.work,
 * assigning cases.assign, proposing actions.propose, approving the
 * approve.* of the approver's role), so the routes are open to any
 * signed-in principal and the handlers decide, refusing through the
 * audited path. A case of an order outside the principal's customers is
 * not found. What the workflow refuses (the requester approving, a stale
 * payload hash, a refund above what is refundable) changes nothing and
 * says which field and why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/render.h"
#include "authz/authz.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/sha256.h"
#include "ingest/event.h"
#include "ingest/writer.h"
#include "store/store.h"
#include "workflow/workflow.h"

/* The largest text of a comment or message, in bytes. */
#define TEXT_MAX 4000

static void not_found(struct ordex_req *rq, const char *what)
{
	ordex_problem(ordex_req_response(rq), 404, "not_found", "Not found", what, NULL);
}

/* Whether the caller may do op at all; if not, refuses (audited) and says so. */
static bool may(struct ordex_req *rq, enum ordex_op op)
{
	struct ordex_authz_decision d = ordex_authz_check(ordex_req_principal(rq), op, NULL);
	if (d.result == ORDEX_AUTHZ_ALLOW)
		return true;
	ordex_req_deny(rq, op, d.reason);
	return false;
}

static bool sees(struct ordex_req *rq, enum ordex_op op, const char *brand, const char *region,
                 const char *segment)
{
	const struct ordex_scope *sc = ordex_req_scope(rq);
	struct ordex_resource res = {sc->tenant, sc->env, brand, region, segment};
	return ordex_authz_check(ordex_req_principal(rq), op, &res).result == ORDEX_AUTHZ_ALLOW;
}

static struct ordex_actor actor_of(struct ordex_req *rq)
{
	const struct ordex_principal *p = ordex_req_principal(rq);
	return (struct ordex_actor){
	    .name = ordex_req_actor(rq),
	    .role = ordex_req_role(rq),
	    .brand = p->customers.brand,
	    .region = p->customers.region,
	    .segment = p->customers.segment,
	};
}

/* A text member: a string, not blank, at most max bytes; NULL with a problem if not. */
static const char *text_of(struct ordex_arena *a, const struct ordex_json *doc, const char *key,
                           bool required, size_t max, struct ordex_problems *probs)
{
	const struct ordex_json *v = ordex_json_get(doc, key);
	if (!v || v->type == ORDEX_JSON_NULL) {
		if (required)
			ordex_problem_add(probs, a, key, "is required");
		return NULL;
	}
	if (v->type != ORDEX_JSON_STRING) {
		ordex_problem_add(probs, a, key, "must be a string, not %s",
		                  ordex_json_type_name(v->type));
		return NULL;
	}
	size_t n = strlen(v->str);
	const char *p = v->str;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (!*p) {
		if (required)
			ordex_problem_add(probs, a, key, "must not be blank");
		return NULL;
	}
	if (n > max) {
		ordex_problem_add(probs, a, key, "is longer than %zu bytes", max);
		return NULL;
	}
	return v->str;
}

/* A refusal of the workflow, as the answer (403s are audited like the router's). */
static void refused(struct ordex_req *rq, enum ordex_op op, const struct ordex_cmd_result *res,
                    const struct ordex_problems *given)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_problems probs = {.n = 0};
	if (given && given->n)
		probs = *given;
	else if (res->field)
		ordex_problem_add(&probs, a, res->field, "%s", res->why);
	const char *why = res->why ? res->why : "refused";
	switch (res->code) {
	case 403: ordex_req_deny_detail(rq, op, why, why); break;
	case 404: not_found(rq, why); break;
	case 409:
		ordex_problem(r, 409, "conflict", "Conflict", why, probs.n ? &probs : NULL);
		break;
	case 422:
		ordex_problem(r, 422, "validation_failed", "Invalid request", why,
		              probs.n ? &probs : NULL);
		break;
	default:
		ordex_problem(r, 400, "invalid_request", "Invalid request", why,
		              probs.n ? &probs : NULL);
	}
}

/* ---- reading ----------------------------------------------------------------- */

static const char *const STATUSES[] = {"open",     "proposed",  "awaiting_approval",
                                       "approved", "executing", "resolved"};

void ordex_api_cases_list(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_problems probs = {.n = 0};
	struct ordex_case_filter f = {.active = true, .limit = 50};

	f.queue = ordex_req_query(rq, "queue");
	const char *status = ordex_req_query(rq, "status");
	if (status && !strcmp(status, "all")) {
		f.active = false;
	} else if (status && strcmp(status, "active")) {
		bool known = false;
		for (size_t i = 0; i < sizeof(STATUSES) / sizeof(STATUSES[0]) && !known; i++)
			known = !strcmp(status, STATUSES[i]);
		if (!known)
			ordex_problem_add(&probs, a, "status",
			                  "must be active (the default), all, open, proposed, "
			                  "awaiting_approval, approved, executing or resolved");
		f.status = status;
		f.active = false;
	}
	const char *assignee = ordex_req_query(rq, "assignee");
	if (assignee && !strcmp(assignee, "me"))
		f.assignee = ordex_req_actor(rq);
	else if (assignee && assignee[0] && !strchr(assignee, ':'))
		f.assignee = ordex_arena_printf(a, "user:%s", assignee);
	else
		f.assignee = assignee;
	f.order_ref = ordex_req_query(rq, "order");
	ordex_api_limit(rq, &f.limit, &probs);
	const char *cursor = ordex_req_query(rq, "cursor");
	if (cursor) {
		int prio;
		long long id;
		char tail;
		if (sscanf(cursor, "%d.%lld%c", &prio, &id, &tail) != 2 || id < 0)
			ordex_problem_add(&probs, a, "cursor",
			                  "is not a cursor returned by this endpoint");
		else {
			f.after_set = true;
			f.after_priority = prio;
			f.after_id = id;
		}
	}
	if (probs.n) {
		ordex_problem(r, 400, "invalid_parameter", "Invalid query parameter",
		              "a query parameter is not valid", &probs);
		return;
	}
	const struct ordex_customer_scope *cs = &ordex_req_principal(rq)->customers;
	f.brand = cs->brand;
	f.region = cs->region;
	f.segment = cs->segment;
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_case_row *rows;
	size_t n;
	if (!st || st->ops->case_list(st, ordex_req_scope(rq), &f, a, &rows, &n)) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_jw w;
	r->status = 200;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "cases");
	ordex_jw_arr(&w);
	for (size_t i = 0; i < n; i++)
		ordex_render_case(&w, &rows[i]);
	ordex_jw_arr_end(&w);
	ordex_jw_key(&w, "next_cursor");
	if (n == (size_t)f.limit) {
		char c[48];
		snprintf(c, sizeof(c), "%d.%lld", rows[n - 1].priority, (long long)rows[n - 1].id);
		ordex_jw_str(&w, c);
	} else {
		ordex_jw_null(&w);
	}
	ordex_jw_obj_end(&w);
}

/* The case, if the caller may see it: ORDEX_E_NOTFOUND as for one that does not exist. */
static int visible_case(struct ordex_req *rq, struct ordex_store *st, int64_t id,
                        struct ordex_case_row *c)
{
	int rc = st->ops->case_get(st, ordex_req_scope(rq), id, ordex_req_arena(rq), c);
	if (rc == ORDEX_OK && !sees(rq, ORDEX_OP_CASES_READ, c->brand, c->region, c->segment))
		rc = ORDEX_E_NOTFOUND;
	return rc;
}

/* Whether the case's history holds evidence with this hash. */
static int has_evidence(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                        int64_t case_id, const char *sha, const char **name)
{
	struct ordex_case_event_row *ev;
	size_t n;
	int rc = st->ops->case_events(st, sc, case_id, a, &ev, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ev[i].kind, "evidence"))
			continue;
		struct ordex_json *b;
		struct ordex_json_error jerr;
		if (ordex_json_parse(a, ev[i].body, strlen(ev[i].body), NULL, &b, &jerr))
			continue;
		const char *s = ordex_json_string(ordex_json_get(b, "sha256"));
		if (s && !strcmp(s, sha)) {
			*name = ordex_json_string(ordex_json_get(b, "name"));
			return ORDEX_OK;
		}
	}
	return ORDEX_E_NOTFOUND;
}

/* A file name fit for a header: printable ASCII without quotes or slashes. */
static const char *header_name(struct ordex_arena *a, const char *name)
{
	char *out = ordex_arena_strdup(a, name && name[0] ? name : "evidence");
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || *p == '"' ||
		    *p == '\\' || *p == '/' || *p == ';')
			*p = '_';
	return out;
}

static void evidence_get(struct ordex_req *rq, struct ordex_store *st, int64_t case_id,
                         const char *sha)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	const struct ordex_scope *sc = ordex_req_scope(rq);
	struct ordex_case_row c;
	struct ordex_evidence_row e;
	const char *name = NULL;
	int rc = visible_case(rq, st, case_id, &c);
	if (rc == ORDEX_OK)
		rc = has_evidence(st, sc, a, case_id, sha, &name);
	if (rc == ORDEX_OK)
		rc = st->ops->evidence_get(st, sc, sha, a, &e);
	if (rc == ORDEX_E_NOTFOUND) {
		not_found(rq, "no such evidence on this case");
		return;
	}
	if (rc) {
		ordex_api_unavailable(rq);
		return;
	}
	r->status = 200;
	r->content_type = ordex_arena_strdup(a, e.content_type);
	r->disposition = ordex_arena_printf(a, "attachment; filename=\"%s\"", header_name(a, name));
	ordex_buf_append(&r->body, e.bytes, e.size);
}

void ordex_api_case_get(struct ordex_req *rq)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_arena *a = ordex_req_arena(rq);
	const char *rest;
	int64_t id = ordex_api_id(ordex_req_path_rest(rq), &rest);
	if (!id) {
		not_found(rq, "no such case");
		return;
	}
	struct ordex_store *st = ordex_req_store(rq);
	if (!st) {
		ordex_api_unavailable(rq);
		return;
	}
	if (!strncmp(rest, "evidence/", 9) && strlen(rest + 9) == 64) {
		evidence_get(rq, st, id, rest + 9);
		return;
	}
	if (*rest) {
		not_found(rq, "no such resource of a case");
		return;
	}
	const struct ordex_scope *sc = ordex_req_scope(rq);
	/* one snapshot: the case, its actions and history agree */
	if (st->ops->begin(st)) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_case_row c;
	int rc = visible_case(rq, st, id, &c);
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	if (rc == ORDEX_OK)
		rc = ordex_render_case_view(&w, st, sc, a, &c);
	st->ops->commit(st);
	if (rc == ORDEX_E_NOTFOUND) {
		ordex_buf_reset(&r->body);
		not_found(rq, "no such case");
		return;
	}
	if (rc) {
		ordex_buf_reset(&r->body);
		ordex_api_unavailable(rq);
		return;
	}
	r->status = 200;
}

/* ---- what people do on a case ---------------------------------------------- */

struct case_call {
	struct ordex_batch batch;
	struct ordex_case_cmd k;
	enum ordex_op op;
	int64_t action_id; /* of a proposal */
	struct ordex_action_cmd act;
	bool proposing;
};

static void case_answer(struct ordex_req *rq, struct case_call *cc)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_case_row c;
	if (!st || visible_case(rq, st, cc->proposing ? cc->act.case_id : cc->k.case_id, &c)) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_jw w;
	ordex_jw_init(&w, &r->body);
	if (cc->proposing) {
		struct ordex_action_row act;
		struct ordex_approval_row *ap;
		size_t m;
		const struct ordex_scope *sc = ordex_req_scope(rq);
		if (st->ops->action_get(st, sc, cc->act.new_action_id, ordex_req_arena(rq), &act) ||
		    st->ops->approvals_of(st, sc, act.id, ordex_req_arena(rq), &ap, &m)) {
			ordex_api_unavailable(rq);
			return;
		}
		r->status = 201;
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "action");
		ordex_render_action(&w, &act, ap, m);
		ordex_jw_key(&w, "approvals_needed");
		ordex_jw_int(&w, cc->act.approvals_need);
		ordex_jw_key(&w, "case");
		ordex_render_case(&w, &c);
		ordex_jw_obj_end(&w);
		return;
	}
	r->status = 200;
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "case");
	ordex_render_case(&w, &c);
	ordex_jw_obj_end(&w);
}

static void case_done(struct ordex_req *rq, struct ordex_batch *b)
{
	struct case_call *cc = (struct case_call *)b;
	struct ordex_cmd_result *res = cc->proposing ? &cc->act.res : &cc->k.res;
	if (b->rc) {
		ordex_api_unavailable(rq);
		return;
	}
	if (b->command_rc == ORDEX_E_INVAL && res->code) {
		refused(rq, cc->op, res, cc->proposing ? &cc->act.problems : NULL);
		return;
	}
	if (b->command_rc) {
		ordex_api_unavailable(rq);
		return;
	}
	if (cc->proposing) {
		ordex_req_count(rq, "actions.proposed", 1);
		if (cc->act.status &&
		    (!strcmp(cc->act.status, "approved") || !strcmp(cc->act.status, "executed")))
			ordex_req_count(rq, "actions.approved", 1);
		if (cc->act.status && !strcmp(cc->act.status, "executed"))
			ordex_req_count(rq, "actions.executed", 1);
	}
	case_answer(rq, cc);
}

/* The media type of a Content-Type header, lower-case, without parameters. */
static const char *media_type(struct ordex_arena *a, const char *h)
{
	if (!h)
		return NULL;
	char *t = ordex_arena_strdup(a, h);
	char *semi = strchr(t, ';');
	if (semi)
		*semi = '\0';
	size_t n = strlen(t);
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		t[--n] = '\0';
	for (char *p = t; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return t;
}

static bool evidence_input(struct ordex_req *rq, struct case_call *cc)
{
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_problems probs = {.n = 0};
	size_t len;
	const char *body = ordex_req_body(rq, &len);
	const char *ct = media_type(a, ordex_req_header(rq, "Content-Type"));
	const char *why;
	if (len > ORDEX_EVIDENCE_MAX) {
		ordex_problem_add(&probs, a, "body", "is larger than %zu bytes",
		                  ORDEX_EVIDENCE_MAX);
		ordex_problem(ordex_req_response(rq), 413, "body_too_large", "Body too large",
		              "an evidence file is at most 5 MiB; nothing was stored", &probs);
		return false;
	}
	if (!len)
		ordex_problem_add(&probs, a, "body", "is empty: send the file as the body");
	if (!ct)
		ordex_problem_add(&probs, a, "Content-Type", "is required: the file's media type");
	else if (len && (why = ordex_evidence_check(ct, (const unsigned char *)body, len)))
		ordex_problem_add(&probs, a, "Content-Type", "%s", why);
	const char *name = ordex_req_query(rq, "name");
	if (name && (strlen(name) > 200 || !name[0]))
		ordex_problem_add(&probs, a, "name", "must be 1 to 200 bytes");
	if (probs.n) {
		ordex_problem(ordex_req_response(rq), 422, "validation_failed", "Invalid evidence",
		              "nothing was stored", &probs);
		return false;
	}
	unsigned char h[32];
	char *hex = ordex_arena_alloc(a, 65);
	ordex_sha256(h, (const unsigned char *)body, len);
	ordex_hex32(h, hex);
	cc->k.sha256 = hex;
	cc->k.content_type = ct;
	cc->k.bytes = (const unsigned char *)body;
	cc->k.size = len;
	cc->k.name = name ? name : "evidence";
	return true;
}

static const char *const NO_FIELDS[] = {NULL};
static const char *const ASSIGN_FIELDS[] = {"assignee", NULL};
static const char *const TEXT_FIELDS[] = {"text", NULL};
static const char *const PROPOSE_FIELDS[] = {"kind", "payload", "reason", "draft", NULL};

void ordex_api_case_post(struct ordex_req *rq)
{
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_problems probs = {.n = 0};
	const char *verb;
	int64_t id = ordex_api_id(ordex_req_path_rest(rq), &verb);
	static const struct {
		const char *path, *verb;
		enum ordex_op op;
	} verbs[] = {
	    {"claim", "claim", ORDEX_OP_CASES_WORK},
	    {"release", "release", ORDEX_OP_CASES_WORK},
	    {"assign", "assign", ORDEX_OP_CASES_ASSIGN},
	    {"comments", "comment", ORDEX_OP_CASES_WORK},
	    {"messages", "message", ORDEX_OP_ACTIONS_PROPOSE},
	    {"evidence", "evidence", ORDEX_OP_CASES_WORK},
	    {"actions", "propose", ORDEX_OP_ACTIONS_PROPOSE},
	};
	int which = -1;
	for (int i = 0; id && i < (int)(sizeof(verbs) / sizeof(verbs[0])); i++)
		if (!strcmp(verb, verbs[i].path))
			which = i;
	if (which < 0) {
		not_found(rq, "no such case, or nothing of that name to do to one");
		return;
	}
	if (!may(rq, verbs[which].op))
		return;
	struct ordex_store *st = ordex_req_store(rq);
	if (!st) {
		ordex_api_unavailable(rq);
		return;
	}
	struct case_call *cc = ordex_arena_zalloc(a, sizeof(*cc));
	cc->op = verbs[which].op;
	cc->k.actor = actor_of(rq);
	cc->k.case_id = id;
	cc->k.verb = verbs[which].verb;
	cc->k.a = a;
	struct ordex_json *doc = NULL;
	if (!strcmp(cc->k.verb, "evidence")) {
		if (!evidence_input(rq, cc))
			return;
	} else if (!strcmp(cc->k.verb, "assign")) {
		if (!(doc = ordex_api_body_object(rq, ASSIGN_FIELDS, "assignee")))
			return;
		const struct ordex_json *v = ordex_json_get(doc, "assignee");
		if (!v)
			ordex_problem_add(&probs, a, "assignee",
			                  "is required: a person's user name, or null to unassign");
		else if (v->type == ORDEX_JSON_NULL)
			cc->k.assignee = "";
		else if (v->type != ORDEX_JSON_STRING || !v->str[0] || strlen(v->str) > 80)
			ordex_problem_add(&probs, a, "assignee",
			                  "must be a person's user name, or null");
		else /* the command checks the person: active, working cases, seeing the customer */
			cc->k.assignee = !strncmp(v->str, "user:", 5)
			                     ? v->str
			                     : ordex_arena_printf(a, "user:%s", v->str);
	} else if (!strcmp(cc->k.verb, "comment") || !strcmp(cc->k.verb, "message")) {
		if (!(doc = ordex_api_body_object(rq, TEXT_FIELDS, "text")))
			return;
		cc->k.text = text_of(a, doc, "text", true, TEXT_MAX, &probs);
	} else if (!strcmp(cc->k.verb, "propose")) {
		if (!(doc = ordex_api_body_object(rq, PROPOSE_FIELDS,
		                                  "kind, payload, reason, draft")))
			return;
		cc->proposing = true;
		cc->act.actor = cc->k.actor;
		cc->act.verb = "propose";
		cc->act.case_id = id;
		cc->act.a = a;
		cc->act.kind = text_of(a, doc, "kind", true, 64, &probs);
		cc->act.payload = ordex_json_get(doc, "payload");
		if (!cc->act.payload)
			ordex_problem_add(&probs, a, "payload",
			                  "is required: what exactly the action does");
		cc->act.reason = text_of(a, doc, "reason", false, TEXT_MAX, &probs);
		const struct ordex_json *draft = ordex_json_get(doc, "draft");
		if (draft && draft->type != ORDEX_JSON_TRUE && draft->type != ORDEX_JSON_FALSE)
			ordex_problem_add(&probs, a, "draft", "must be true or false");
		cc->act.submit = !(draft && draft->type == ORDEX_JSON_TRUE);
	} else if (!ordex_api_body_object(rq, NO_FIELDS, "none")) {
		return;
	}
	if (probs.n) {
		ordex_problem(ordex_req_response(rq), 422, "validation_failed", "Invalid request",
		              "nothing was changed", &probs);
		return;
	}
	cc->batch.scope = *ordex_req_scope(rq);
	cc->batch.command = cc->proposing ? ordex_action_command : ordex_case_command;
	cc->batch.command_ctx = cc->proposing ? (void *)&cc->act : (void *)&cc->k;
	if (ordex_req_submit(rq, &cc->batch, case_done) != ORDEX_OK)
		ordex_api_shutting_down(rq);
}

/* ---- actions ------------------------------------------------------------------ */

static int visible_action(struct ordex_req *rq, struct ordex_store *st, int64_t id,
                          struct ordex_action_row *act, struct ordex_case_row *c)
{
	int rc = st->ops->action_get(st, ordex_req_scope(rq), id, ordex_req_arena(rq), act);
	if (rc == ORDEX_OK)
		rc = visible_case(rq, st, act->case_id, c);
	return rc;
}

static void action_view(struct ordex_req *rq, int64_t id, unsigned status, const char *extra_key,
                        int64_t extra)
{
	struct ordex_response *r = ordex_req_response(rq);
	struct ordex_store *st = ordex_req_store(rq);
	struct ordex_action_row act;
	struct ordex_case_row c;
	struct ordex_approval_row *ap;
	size_t m;
	if (!st) {
		ordex_api_unavailable(rq);
		return;
	}
	int rc = visible_action(rq, st, id, &act, &c);
	if (rc == ORDEX_OK)
		rc = st->ops->approvals_of(st, ordex_req_scope(rq), id, ordex_req_arena(rq), &ap,
		                           &m);
	if (rc == ORDEX_E_NOTFOUND) {
		not_found(rq, "no such action");
		return;
	}
	if (rc) {
		ordex_api_unavailable(rq);
		return;
	}
	struct ordex_jw w;
	r->status = status;
	ordex_jw_init(&w, &r->body);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "action");
	ordex_render_action(&w, &act, ap, m);
	if (extra_key) {
		ordex_jw_key(&w, extra_key);
		ordex_jw_int(&w, extra);
	}
	ordex_jw_key(&w, "case");
	ordex_render_case(&w, &c);
	ordex_jw_obj_end(&w);
}

void ordex_api_action_get(struct ordex_req *rq)
{
	const char *rest;
	int64_t id = ordex_api_id(ordex_req_path_rest(rq), &rest);
	if (!id || *rest) {
		not_found(rq, "no such action");
		return;
	}
	action_view(rq, id, 200, NULL, 0);
}

struct action_call {
	struct ordex_batch batch;
	struct ordex_action_cmd k;
	enum ordex_op op;
};

static void action_done(struct ordex_req *rq, struct ordex_batch *b)
{
	struct action_call *ac = (struct action_call *)b;
	if (b->rc) {
		ordex_api_unavailable(rq);
		return;
	}
	if (b->command_rc == ORDEX_E_INVAL && ac->k.res.code) {
		refused(rq, ac->op, &ac->k.res, &ac->k.problems);
		return;
	}
	if (b->command_rc) {
		ordex_api_unavailable(rq);
		return;
	}
	const char *s = ac->k.status ? ac->k.status : "";
	if (ac->k.new_action_id)
		ordex_req_count(rq, "actions.proposed", 1);
	/* approved now: by the last approver, or by the policy on submit or change */
	if (!strcmp(s, "approved") || !strcmp(s, "executed"))
		ordex_req_count(rq, "actions.approved", 1);
	if (!strcmp(s, "executed"))
		ordex_req_count(rq, "actions.executed", 1);
	if (!strcmp(ac->k.verb, "approve"))
		action_view(rq, ac->k.action_id, 200, "approvals_needed",
		            ac->k.approvals_need ? ac->k.approvals_need : ac->k.approvals_have);
	else if (ac->k.new_action_id)
		action_view(rq, ac->k.new_action_id, 201, "replaces", ac->k.action_id);
	else
		action_view(rq, ac->k.action_id, 200, NULL, 0);
}

/* Which approve.* a principal exercises: its role's (an admin's: any of them). */
static enum ordex_op approve_op(const char *role)
{
	if (!strcmp(role, "finance_approver"))
		return ORDEX_OP_APPROVE_FINANCE;
	if (!strcmp(role, "fraud_reviewer"))
		return ORDEX_OP_APPROVE_FRAUD;
	return ORDEX_OP_APPROVE_OPS;
}

static const char *const APPROVE_FIELDS[] = {"payload_sha256", "reason", NULL};
static const char *const REASON_FIELDS[] = {"reason", NULL};
static const char *const OVERRIDE_FIELDS[] = {"reason", "kind", "payload", NULL};
static const char *const CHANGE_FIELDS[] = {"payload", NULL};

static void action_call(struct ordex_req *rq, int64_t id, const char *verb)
{
	struct ordex_arena *a = ordex_req_arena(rq);
	struct ordex_problems probs = {.n = 0};
	struct action_call *ac = ordex_arena_zalloc(a, sizeof(*ac));
	ac->k.actor = actor_of(rq);
	ac->k.action_id = id;
	ac->k.a = a;
	bool decision =
	    !strcmp(verb, "approve") || !strcmp(verb, "reject") || !strcmp(verb, "override");
	ac->op = decision ? approve_op(ordex_req_role(rq)) : ORDEX_OP_ACTIONS_PROPOSE;
	if (!may(rq, ac->op))
		return;
	struct ordex_json *doc;
	if (!strcmp(verb, "approve")) {
		if (!(doc = ordex_api_body_object(rq, APPROVE_FIELDS, "payload_sha256, reason")))
			return;
		const struct ordex_json *h = ordex_json_get(doc, "payload_sha256");
		if (!h || h->type != ORDEX_JSON_STRING || strlen(h->str) != 64 ||
		    strspn(h->str, "0123456789abcdef") != 64)
			ordex_problem_add(&probs, a, "payload_sha256",
			                  "is required: the lower-case hex SHA-256 of the payload "
			                  "you approve, as the action shows it");
		else
			ac->k.payload_hash = h->str;
		ac->k.reason = text_of(a, doc, "reason", false, TEXT_MAX, &probs);
	} else if (!strcmp(verb, "reject") || !strcmp(verb, "cancel")) {
		if (!(doc = ordex_api_body_object(rq, REASON_FIELDS, "reason")))
			return;
		ac->k.reason = text_of(a, doc, "reason", !strcmp(verb, "reject"), TEXT_MAX, &probs);
	} else if (!strcmp(verb, "override")) {
		if (!(doc = ordex_api_body_object(rq, OVERRIDE_FIELDS, "reason, kind, payload")))
			return;
		ac->k.reason = text_of(a, doc, "reason", true, TEXT_MAX, &probs);
		ac->k.kind = text_of(a, doc, "kind", true, 64, &probs);
		ac->k.payload = ordex_json_get(doc, "payload");
		if (!ac->k.payload)
			ordex_problem_add(&probs, a, "payload",
			                  "is required: what exactly to do instead");
	} else if (!strcmp(verb, "change")) {
		if (!(doc = ordex_api_body_object(rq, CHANGE_FIELDS, "payload")))
			return;
		ac->k.payload = ordex_json_get(doc, "payload");
		if (!ac->k.payload)
			ordex_problem_add(&probs, a, "payload", "is required");
	} else if (!ordex_api_body_object(rq, NO_FIELDS, "none")) {
		return;
	}
	if (probs.n) {
		ordex_problem(ordex_req_response(rq), 422, "validation_failed", "Invalid request",
		              "nothing was changed", &probs);
		return;
	}
	ac->k.verb = verb;
	ac->batch.scope = *ordex_req_scope(rq);
	ac->batch.command = ordex_action_command;
	ac->batch.command_ctx = &ac->k;
	if (ordex_req_submit(rq, &ac->batch, action_done) != ORDEX_OK)
		ordex_api_shutting_down(rq);
}

void ordex_api_action_post(struct ordex_req *rq)
{
	const char *verb;
	int64_t id = ordex_api_id(ordex_req_path_rest(rq), &verb);
	static const char *const verbs[] = {"approve", "reject", "override", "cancel", "submit"};
	for (size_t i = 0; id && i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verb, verbs[i])) {
			action_call(rq, id, verbs[i]);
			return;
		}
	not_found(rq, "no such action, or nothing of that name to do to one");
}

void ordex_api_action_patch(struct ordex_req *rq)
{
	const char *rest;
	int64_t id = ordex_api_id(ordex_req_path_rest(rq), &rest);
	if (!id || *rest) {
		not_found(rq, "no such action");
		return;
	}
	action_call(rq, id, "change");
}
