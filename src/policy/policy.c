/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.c - policies (see policy.h): the default, the check before one is
 * stored, reading one, and routing an action.
 */
#include "policy/policy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz/authz.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "ingest/event.h"
#include "policy/jsonlogic.h"
#include "store/store.h"

/*
 * The default: each exception kind to a queue, SLAs by queue, and the
 * approvals the issue asks for: refunds and credits go to finance (two
 * approvers past 200.00 in the order's currency), anything on an order
 * under fraud review to a fraud reviewer, high-value orders to two ops
 * reviewers, messages and closing without action through, the rest to one
 * ops reviewer.
 */
const char ordex_policy_default[] =
    "{\"queues\":{\"payment_failed\":\"payments\",\"payment_pending\":\"payments\","
    "\"payment_action_required\":\"payments\",\"fraud_review\":\"fraud\",\"chargeback\":"
    "\"finance\",\"refund_mismatch\":\"finance\",\"inventory_shortage\":\"fulfillment\","
    "\"substitution_needed\":\"fulfillment\",\"fulfillment_late\":\"fulfillment\","
    "\"address_invalid\":\"fulfillment\",\"shipment_late\":\"shipping\",\"shipment_stalled\":"
    "\"shipping\",\"delivery_exception\":\"shipping\",\"returned_to_sender\":\"shipping\","
    "\"state_conflict\":\"operations\",\"customer_escalation\":\"support\",\"data_quality\":"
    "\"operations\",\"*\":\"operations\"},"
    "\"sla_hours\":{\"fraud\":4,\"payments\":8,\"finance\":24,\"fulfillment\":12,\"shipping\":24,"
    "\"support\":8,\"operations\":24,\"escalations\":4,\"*\":24},"
    "\"escalation_queue\":\"escalations\",\"reopen_within_hours\":72,\"approval_ttl_hours\":24,"
    "\"timers\":{\"payment_pending_hours\":24,\"shipment_stalled_hours\":72},"
    "\"routes\":["
    "{\"name\":\"refunds and credits over 200.00 need two finance approvers\",\"when\":{\"and\":"
    "[{\"in\":[{\"var\":\"action.kind\"},[\"refund\",\"issue_credit\"]]},{\">\":[{\"var\":"
    "\"action.amount\"},200]}]},\"approvers\":[\"finance_approver\"],\"approvals\":2},"
    "{\"name\":\"refunds and credits need a finance approver\",\"when\":{\"in\":[{\"var\":"
    "\"action.kind\"},[\"refund\",\"issue_credit\"]]},\"approvers\":[\"finance_approver\"],"
    "\"approvals\":1},"
    "{\"name\":\"an order under fraud review needs a fraud reviewer\",\"when\":{\"var\":"
    "\"order.fraud_review\"},\"approvers\":[\"fraud_reviewer\"],\"approvals\":1},"
    "{\"name\":\"orders over 1000.00 need two ops reviewers\",\"when\":{\">\":[{\"var\":"
    "\"order.total\"},1000]},\"approvers\":[\"ops_reviewer\"],\"approvals\":2},"
    "{\"name\":\"messages, escalations and closing without action go through\",\"when\":{\"in\":"
    "[{\"var\":\"action.kind\"},[\"contact_customer\",\"request_address_correction\","
    "\"escalate\",\"close_no_action\"]]},\"automatic\":true},"
    "{\"name\":\"anything else needs an ops reviewer\",\"when\":true,\"approvers\":"
    "[\"ops_reviewer\"],\"approvals\":1}]}";

static const char *const top_keys[] = {"queues",
                                       "sla_hours",
                                       "escalation_queue",
                                       "routes",
                                       "reopen_within_hours",
                                       "approval_ttl_hours",
                                       "timers",
                                       "note"};

static bool word_ok(const struct ordex_json *v)
{
	if (!v || v->type != ORDEX_JSON_STRING || v->len < 1 || v->len > 64 ||
	    strlen(v->str) != v->len)
		return false;
	for (const char *c = v->str; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '-'))
			return false;
	return true;
}

static bool number_in(const struct ordex_json *v, double lo, double hi)
{
	if (!v || v->type != ORDEX_JSON_NUMBER)
		return false;
	double d = strtod(v->str, NULL);
	return isfinite(d) && d >= lo && d <= hi;
}

static void check_route(struct ordex_arena *a, const struct ordex_json *r, size_t i,
                        struct ordex_problems *p)
{
	const char *at = ordex_arena_printf(a, "routes[%zu]", i);
	if (r->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(p, a, at,
		                  "must be an object {\"when\", \"approvers\", \"approvals\"}");
		return;
	}
	static const char *const keys[] = {"name",      "when",      "approvers",
	                                   "approvals", "automatic", "queue"};
	for (const struct ordex_json *m = r->child; m; m = m->next) {
		bool known = false;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			known = known || !strcmp(m->key, keys[k]);
		if (!known)
			ordex_problem_add(p, a, ordex_arena_printf(a, "%s.%s", at, m->key),
			                  "is not part of a route");
	}
	const struct ordex_json *name = ordex_json_get(r, "name");
	if (name && (name->type != ORDEX_JSON_STRING || name->len > 200))
		ordex_problem_add(p, a, ordex_arena_printf(a, "%s.name", at),
		                  "must be a string of at most 200 bytes");
	const struct ordex_json *when = ordex_json_get(r, "when");
	struct ordex_jl_error err;
	if (!when)
		ordex_problem_add(p, a, ordex_arena_printf(a, "%s.when", at),
		                  "is required: a JsonLogic condition (true for every action)");
	else if (ordex_jl_check(when, NULL, &err) != ORDEX_OK)
		ordex_problem_add(
		    p, a,
		    ordex_arena_printf(a, "%s.when%s%s", at, err.path[0] ? "." : "", err.path),
		    "%s", err.msg);
	const struct ordex_json *autom = ordex_json_get(r, "automatic");
	if (autom && autom->type != ORDEX_JSON_TRUE && autom->type != ORDEX_JSON_FALSE)
		ordex_problem_add(p, a, ordex_arena_printf(a, "%s.automatic", at),
		                  "must be true or false");
	bool automatic = autom && autom->type == ORDEX_JSON_TRUE;
	const struct ordex_json *apps = ordex_json_get(r, "approvers");
	if (!automatic &&
	    (!apps || apps->type != ORDEX_JSON_ARRAY || !apps->count || apps->count > 8)) {
		ordex_problem_add(p, a, ordex_arena_printf(a, "%s.approvers", at),
		                  "is required unless the route is automatic: 1 to 8 role names");
	} else if (apps && apps->type == ORDEX_JSON_ARRAY) {
		size_t k = 0;
		for (const struct ordex_json *e = apps->child; e; e = e->next, k++) {
			int role = e->type == ORDEX_JSON_STRING ? ordex_role_parse(e->str) : -1;
			if (role < 0 || role == ORDEX_ROLE_INGEST || role == ORDEX_ROLE_VIEWER ||
			    role == ORDEX_ROLE_AUDITOR)
				ordex_problem_add(
				    p, a, ordex_arena_printf(a, "%s.approvers[%zu]", at, k),
				    "must be a role that may approve: ops_reviewer, "
				    "fraud_reviewer, finance_approver, support_agent or admin");
		}
	}
	const struct ordex_json *n = ordex_json_get(r, "approvals");
	if (!automatic && n && !number_in(n, 1, 5))
		ordex_problem_add(p, a, ordex_arena_printf(a, "%s.approvals", at),
		                  "must be a number of distinct approvers from 1 to 5");
	int64_t iv;
	if (n && n->type == ORDEX_JSON_NUMBER && ordex_json_int(n, &iv) != ORDEX_OK)
		ordex_problem_add(p, a, ordex_arena_printf(a, "%s.approvals", at),
		                  "must be a whole number");
	const struct ordex_json *q = ordex_json_get(r, "queue");
	if (q && !word_ok(q))
		ordex_problem_add(p, a, ordex_arena_printf(a, "%s.queue", at),
		                  "must be a queue name: 1 to 64 of a-z 0-9 _ -");
}

int ordex_policy_check(struct ordex_arena *a, const struct ordex_json *doc,
                       struct ordex_problems *p)
{
	int before = p->n;
	if (doc->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(p, a, "", "must be an object (see the default policy)");
		return ORDEX_E_INVAL;
	}
	for (const struct ordex_json *m = doc->child; m; m = m->next) {
		bool known = false;
		for (size_t k = 0; k < sizeof(top_keys) / sizeof(top_keys[0]); k++)
			known = known || !strcmp(m->key, top_keys[k]);
		if (!known)
			ordex_problem_add(p, a, m->key, "is not part of a policy");
	}
	const struct ordex_json *queues = ordex_json_get(doc, "queues");
	if (queues && queues->type != ORDEX_JSON_OBJECT)
		ordex_problem_add(p, a, "queues", "must map exception kinds (or \"*\") to queues");
	else if (queues)
		for (const struct ordex_json *m = queues->child; m; m = m->next)
			if (!word_ok(m))
				ordex_problem_add(p, a, ordex_arena_printf(a, "queues.%s", m->key),
				                  "must be a queue name: 1 to 64 of a-z 0-9 _ -");
	const struct ordex_json *sla = ordex_json_get(doc, "sla_hours");
	if (sla && sla->type != ORDEX_JSON_OBJECT)
		ordex_problem_add(p, a, "sla_hours", "must map queues (or \"*\") to hours");
	else if (sla)
		for (const struct ordex_json *m = sla->child; m; m = m->next)
			if (!number_in(m, 0, 24 * 365))
				ordex_problem_add(p, a,
				                  ordex_arena_printf(a, "sla_hours.%s", m->key),
				                  "must be hours from 0 (none) to 8760");
	const struct ordex_json *esc = ordex_json_get(doc, "escalation_queue");
	if (esc && esc->type != ORDEX_JSON_NULL && !word_ok(esc))
		ordex_problem_add(p, a, "escalation_queue",
		                  "must be a queue name (or null: a breached case stays)");
	static const char *const hours[] = {"reopen_within_hours", "approval_ttl_hours"};
	for (int k = 0; k < 2; k++) {
		const struct ordex_json *v = ordex_json_get(doc, hours[k]);
		if (v && !number_in(v, 0, 24 * 365))
			ordex_problem_add(p, a, hours[k], "must be hours from 0 to 8760");
	}
	const struct ordex_json *timers = ordex_json_get(doc, "timers");
	if (timers && timers->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(p, a, "timers", "must be an object of hours");
	} else if (timers) {
		for (const struct ordex_json *m = timers->child; m; m = m->next) {
			const char *f = ordex_arena_printf(a, "timers.%s", m->key);
			if (strcmp(m->key, "payment_pending_hours") &&
			    strcmp(m->key, "shipment_stalled_hours"))
				ordex_problem_add(p, a, f,
				                  "is not a timer (payment_pending_hours, "
				                  "shipment_stalled_hours)");
			else if (!number_in(m, 0.01, 24 * 365))
				ordex_problem_add(p, a, f, "must be hours from 0.01 to 8760");
		}
	}
	const struct ordex_json *routes = ordex_json_get(doc, "routes");
	if (!routes || routes->type != ORDEX_JSON_ARRAY || !routes->count || routes->count > 100) {
		ordex_problem_add(p, a, "routes",
		                  "is required: 1 to 100 routes, tried in order, the first that "
		                  "holds deciding");
	} else {
		size_t i = 0;
		for (const struct ordex_json *r = routes->child; r; r = r->next, i++)
			check_route(a, r, i, p);
	}
	return p->n > before ? ORDEX_E_INVAL : ORDEX_OK;
}

int ordex_policy_parse(struct ordex_arena *a, const char *body, int64_t version,
                       struct ordex_policy *out)
{
	struct ordex_json *doc;
	struct ordex_json_error err;
	if (ordex_json_parse(a, body, strlen(body), NULL, &doc, &err) != ORDEX_OK)
		return ORDEX_E_CORRUPT;
	out->version = version;
	out->doc = doc;
	return ORDEX_OK;
}

static const struct ordex_json *by_name_or_star(const struct ordex_json *map, const char *name)
{
	if (!map)
		return NULL;
	const struct ordex_json *v = name ? ordex_json_get(map, name) : NULL;
	return v ? v : ordex_json_get(map, "*");
}

const char *ordex_policy_queue(const struct ordex_policy *p, const char *kind)
{
	const struct ordex_json *v = by_name_or_star(ordex_json_get(p->doc, "queues"), kind);
	return v && v->type == ORDEX_JSON_STRING ? v->str : "operations";
}

double ordex_policy_sla_hours(const struct ordex_policy *p, const char *queue)
{
	const struct ordex_json *v = by_name_or_star(ordex_json_get(p->doc, "sla_hours"), queue);
	return v && v->type == ORDEX_JSON_NUMBER ? strtod(v->str, NULL) : 0;
}

double ordex_policy_number(const struct ordex_policy *p, const char *path, double dflt)
{
	const struct ordex_json *v = p->doc;
	char seg[64];
	for (const char *s = path; v && *s;) {
		size_t n = strcspn(s, ".");
		snprintf(seg, sizeof(seg), "%.*s", (int)n, s);
		v = ordex_json_get(v, seg);
		s += n + (s[n] == '.');
	}
	return v && v->type == ORDEX_JSON_NUMBER ? strtod(v->str, NULL) : dflt;
}

const char *ordex_policy_escalation_queue(const struct ordex_policy *p)
{
	const struct ordex_json *v = ordex_json_get(p->doc, "escalation_queue");
	return v && v->type == ORDEX_JSON_STRING ? v->str : NULL;
}

void ordex_policy_route(struct ordex_arena *a, const struct ordex_policy *p,
                        const struct ordex_json *data, struct ordex_route_decision *out)
{
	memset(out, 0, sizeof(*out));
	out->rule = -1;
	const struct ordex_json *routes = ordex_json_get(p->doc, "routes");
	int i = 0;
	for (const struct ordex_json *r = routes ? routes->child : NULL; r; r = r->next, i++) {
		struct ordex_json *res;
		struct ordex_jl_error err;
		if (ordex_jl_eval(a, ordex_json_get(r, "when"), data, NULL, &res, &err) !=
		        ORDEX_OK ||
		    !ordex_jl_truthy(res))
			continue;
		out->rule = i;
		out->name = ordex_json_string(ordex_json_get(r, "name"));
		const struct ordex_json *autom = ordex_json_get(r, "automatic");
		out->automatic = autom && autom->type == ORDEX_JSON_TRUE;
		int64_t n = 1;
		const struct ordex_json *nv = ordex_json_get(r, "approvals");
		if (nv)
			ordex_json_int(nv, &n);
		out->approvals = out->automatic ? 0 : (int)n;
		const struct ordex_json *apps = ordex_json_get(r, "approvers");
		for (const struct ordex_json *e = apps ? apps->child : NULL;
		     e && out->n_approvers < 8; e = e->next)
			out->approvers[out->n_approvers++] = e->str;
		out->queue = ordex_json_string(ordex_json_get(r, "queue"));
		return;
	}
	/* no route held: only an admin decides */
	out->approvals = 1;
	out->approvers[0] = "admin";
	out->n_approvers = 1;
}

char *ordex_policy_route_json(struct ordex_arena *a, const struct ordex_route_decision *d,
                              int64_t version)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "policy_version");
	ordex_jw_int(&w, version);
	ordex_jw_key(&w, "rule");
	ordex_jw_int(&w, d->rule);
	ordex_jw_key(&w, "name");
	ordex_jw_str(&w, d->name);
	ordex_jw_key(&w, "automatic");
	ordex_jw_bool(&w, d->automatic);
	ordex_jw_key(&w, "approvals");
	ordex_jw_int(&w, d->approvals);
	ordex_jw_key(&w, "approvers");
	ordex_jw_arr(&w);
	for (int i = 0; i < d->n_approvers; i++)
		ordex_jw_str(&w, d->approvers[i]);
	ordex_jw_arr_end(&w);
	if (d->queue) {
		ordex_jw_key(&w, "queue");
		ordex_jw_str(&w, d->queue);
	}
	ordex_jw_obj_end(&w);
	char *s = ordex_arena_strndup(a, b.data, b.len);
	ordex_buf_free(&b);
	return s;
}

/* ---- the writer's cache ------------------------------------------------------ */

#define CACHE_ENTRIES 16

struct pentry {
	int64_t tenant;
	char env[16];
	uint64_t group;
	struct ordex_arena *a;
	struct ordex_policy policy;
	bool used;
};

struct ordex_policy_cache {
	struct pentry e[CACHE_ENTRIES];
	uint64_t group;
	unsigned next;
};

struct ordex_policy_cache *ordex_policy_cache_new(void)
{
	struct ordex_policy_cache *c = ordex_xcalloc(1, sizeof(*c));
	c->group = 1;
	return c;
}

void ordex_policy_cache_free(struct ordex_policy_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < CACHE_ENTRIES; i++)
		ordex_arena_free(c->e[i].a);
	free(c);
}

void ordex_policy_cache_next_group(struct ordex_policy_cache *c)
{
	if (c)
		c->group++;
}

void ordex_policy_cache_forget(struct ordex_policy_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < CACHE_ENTRIES; i++)
		ordex_arena_free(c->e[i].a);
	memset(c->e, 0, sizeof(c->e));
	c->group++;
}

/* The stored policy (or the default) into a. */
static int load(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                struct ordex_policy *out)
{
	int64_t version = 0;
	const char *body = NULL;
	int rc = st->ops->policy_get(st, sc, 0, a, &version, &body, NULL, NULL);
	if (rc == ORDEX_E_NOTFOUND)
		return ordex_policy_parse(a, ordex_policy_default, 0, out);
	if (rc)
		return rc;
	return ordex_policy_parse(a, body, version, out);
}

int ordex_policy_in_force(struct ordex_policy_cache *c, struct ordex_store *st,
                          const struct ordex_scope *sc, struct ordex_arena *a,
                          struct ordex_policy *out)
{
	if (!c)
		return load(st, sc, a, out);
	struct pentry *e = NULL;
	for (int i = 0; i < CACHE_ENTRIES && !e; i++)
		if (c->e[i].used && c->e[i].tenant == sc->tenant && !strcmp(c->e[i].env, sc->env))
			e = &c->e[i];
	if (e && e->group == c->group) {
		*out = e->policy;
		return ORDEX_OK;
	}
	if (e) {
		/* looked at again once a group: the version in force may have moved */
		int64_t version = 0;
		const char *body = NULL;
		struct ordex_arena *tmp = ordex_arena_new(4096);
		int rc = st->ops->policy_get(st, sc, 0, tmp, &version, &body, NULL, NULL);
		ordex_arena_free(tmp);
		if (rc && rc != ORDEX_E_NOTFOUND)
			return rc;
		if (rc == ORDEX_E_NOTFOUND)
			version = 0;
		if (version == e->policy.version) {
			e->group = c->group;
			*out = e->policy;
			return ORDEX_OK;
		}
	} else {
		e = &c->e[c->next];
		c->next = (c->next + 1) % CACHE_ENTRIES;
	}
	ordex_arena_free(e->a);
	memset(e, 0, sizeof(*e));
	e->a = ordex_arena_new(8192);
	int rc = load(st, sc, e->a, &e->policy);
	if (rc) {
		ordex_arena_free(e->a);
		memset(e, 0, sizeof(*e));
		return rc;
	}
	e->tenant = sc->tenant;
	snprintf(e->env, sizeof(e->env), "%s", sc->env);
	e->group = c->group;
	e->used = true;
	*out = e->policy;
	return ORDEX_OK;
}
