/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_diff.c - what a draft policy would change, before it is stored:
 * every active case's queue and SLA, every pending action's route, under
 * the policy in force and under the draft (POST /v1/policies/test, ordex
 * policy test). Every case and action of the history is looked at: an
 * action decided under the policy in force says how the draft would have
 * routed it. Only differences are listed; the counts say how much was
 * looked at.
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "policy/policy.h"
#include "store/store.h"
#include "workflow/workflow.h"
#include "workflow/workflow_int.h"

static void route(struct ordex_jw *w, const struct ordex_route_decision *d)
{
	ordex_jw_obj(w);
	ordex_jw_key(w, "name");
	ordex_jw_str(w, d->name);
	ordex_jw_key(w, "automatic");
	ordex_jw_bool(w, d->automatic);
	ordex_jw_key(w, "approvals");
	ordex_jw_int(w, d->approvals);
	ordex_jw_key(w, "approvers");
	ordex_jw_arr(w);
	for (int i = 0; i < d->n_approvers; i++)
		ordex_jw_str(w, d->approvers[i]);
	ordex_jw_arr_end(w);
	ordex_jw_obj_end(w);
}

static void hours(struct ordex_jw *w, const char *key, double h)
{
	char t[32];
	snprintf(t, sizeof(t), "%g", h);
	ordex_jw_key(w, key);
	ordex_jw_raw(w, t, strlen(t));
}

static bool same_route(const struct ordex_route_decision *x, const struct ordex_route_decision *y)
{
	if (x->automatic != y->automatic || x->approvals != y->approvals ||
	    x->n_approvers != y->n_approvers)
		return false;
	for (int i = 0; i < x->n_approvers; i++)
		if (strcmp(x->approvers[i], y->approvers[i]))
			return false;
	return true;
}

/* The route an action keeps, as a decision; false when it cannot be read. */
static bool stored_route(struct ordex_arena *a, const char *json, struct ordex_route_decision *d)
{
	struct ordex_json *r;
	struct ordex_json_error jerr;
	memset(d, 0, sizeof(*d));
	if (!json || ordex_json_parse(a, json, strlen(json), NULL, &r, &jerr) ||
	    r->type != ORDEX_JSON_OBJECT)
		return false;
	int64_t n;
	d->name = ordex_json_string(ordex_json_get(r, "name"));
	const struct ordex_json *au = ordex_json_get(r, "automatic");
	d->automatic = au && au->type == ORDEX_JSON_TRUE;
	if (ordex_json_int(ordex_json_get(r, "approvals"), &n) == ORDEX_OK)
		d->approvals = (int)n;
	const struct ordex_json *ap = ordex_json_get(r, "approvers");
	for (const struct ordex_json *e = ap ? ap->child : NULL; e && d->n_approvers < 8;
	     e = e->next)
		if (e->type == ORDEX_JSON_STRING)
			d->approvers[d->n_approvers++] = e->str;
	return true;
}

/* The leading kind of a case ("kinds" is a JSON array, highest priority first). */
static const char *leading_kind(struct ordex_arena *a, const struct ordex_case_row *c)
{
	struct ordex_json *k;
	struct ordex_json_error jerr;
	if (!c->kinds || ordex_json_parse(a, c->kinds, strlen(c->kinds), NULL, &k, &jerr) ||
	    k->type != ORDEX_JSON_ARRAY || !k->child)
		return NULL;
	return ordex_json_string(k->child);
}

int ordex_policy_compare(struct ordex_store *st, const struct ordex_scope *sc,
                         struct ordex_arena *a, const struct ordex_policy *draft,
                         struct ordex_jw *w)
{
	struct ordex_policy cur;
	int rc = ordex_policy_in_force(NULL, st, sc, a, &cur);
	if (rc)
		return rc;
	struct ordex_buf queues, slas, routes;
	struct ordex_jw qw, sw, rw;
	ordex_buf_init(&queues, 0);
	ordex_buf_init(&slas, 0);
	ordex_buf_init(&routes, 0);
	ordex_jw_init(&qw, &queues);
	ordex_jw_init(&sw, &slas);
	ordex_jw_init(&rw, &routes);
	ordex_jw_arr(&qw);
	ordex_jw_arr(&sw);
	ordex_jw_arr(&rw);
	int64_t n_cases = 0, n_active = 0, n_actions = 0, n_unroutable = 0;
	bool truncated = false;
	/* every case there is: open ones may change queue; every action, decided
	 * or not, is routed again, so that the draft is tried on the history */
	struct ordex_case_filter f = {.limit = 500};
	for (;;) {
		struct ordex_case_row *rows;
		size_t n;
		if ((rc = st->ops->case_list(st, sc, &f, a, &rows, &n)))
			break;
		for (size_t i = 0; i < n && rc == ORDEX_OK; i++) {
			const struct ordex_case_row *c = &rows[i];
			n_cases++;
			bool active = strcmp(c->status, "resolved") != 0;
			n_active += active;
			const char *kind = active ? leading_kind(a, c) : NULL;
			if (kind) {
				const char *q0 = ordex_policy_queue(&cur, kind);
				const char *q1 = ordex_policy_queue(draft, kind);
				if (strcmp(q0, q1)) {
					ordex_jw_obj(&qw);
					ordex_jw_key(&qw, "case");
					ordex_jw_int(&qw, c->id);
					ordex_jw_key(&qw, "order");
					ordex_jw_str(&qw, c->order_ref);
					ordex_jw_key(&qw, "kind");
					ordex_jw_str(&qw, kind);
					ordex_jw_key(&qw, "from");
					ordex_jw_str(&qw, q0);
					ordex_jw_key(&qw, "to");
					ordex_jw_str(&qw, q1);
					ordex_jw_obj_end(&qw);
				}
			}
			double h0 = ordex_policy_sla_hours(&cur, c->queue);
			double h1 = ordex_policy_sla_hours(draft, c->queue);
			if (active && h0 != h1) {
				ordex_jw_obj(&sw);
				ordex_jw_key(&sw, "case");
				ordex_jw_int(&sw, c->id);
				ordex_jw_key(&sw, "queue");
				ordex_jw_str(&sw, c->queue);
				hours(&sw, "from_hours", h0);
				hours(&sw, "to_hours", h1);
				ordex_jw_obj_end(&sw);
			}
			struct ordex_action_row *acts;
			size_t m;
			if ((rc = st->ops->actions_of_case(st, sc, c->id, a, &acts, &m)))
				break;
			for (size_t j = 0; j < m; j++) {
				n_actions++;
				struct ordex_json *data;
				rc = ordex__action_route_data(st, sc, a, &acts[j], c, &data);
				if (rc == ORDEX_E_INVAL) {
					n_unroutable++; /* its payload no longer holds */
					rc = ORDEX_OK;
					continue;
				}
				if (rc)
					break;
				/* how it was routed (as kept), how the draft would route it */
				struct ordex_route_decision d0, d1;
				if (!stored_route(a, acts[j].route, &d0))
					ordex_policy_route(a, &cur, data, &d0);
				ordex_policy_route(a, draft, data, &d1);
				if (same_route(&d0, &d1))
					continue;
				ordex_jw_obj(&rw);
				ordex_jw_key(&rw, "action");
				ordex_jw_int(&rw, acts[j].id);
				ordex_jw_key(&rw, "case");
				ordex_jw_int(&rw, c->id);
				ordex_jw_key(&rw, "kind");
				ordex_jw_str(&rw, acts[j].kind);
				ordex_jw_key(&rw, "status");
				ordex_jw_str(&rw, acts[j].status);
				ordex_jw_key(&rw, "decided");
				ordex_jw_bool(&rw, acts[j].decided_at != 0);
				ordex_jw_key(&rw, "from");
				route(&rw, &d0);
				ordex_jw_key(&rw, "to");
				route(&rw, &d1);
				ordex_jw_obj_end(&rw);
			}
		}
		if (rc || n < (size_t)f.limit)
			break;
		if (n_cases >= ORDEX_POLICY_TEST_MAX_CASES) {
			truncated = true;
			break;
		}
		f.after_set = true;
		f.after_priority = rows[n - 1].priority;
		f.after_id = rows[n - 1].id;
	}
	ordex_jw_arr_end(&qw);
	ordex_jw_arr_end(&sw);
	ordex_jw_arr_end(&rw);
	if (rc == ORDEX_OK) {
		ordex_jw_obj(w);
		ordex_jw_key(w, "in_force");
		ordex_jw_int(w, cur.version);
		ordex_jw_key(w, "cases_checked");
		ordex_jw_int(w, n_cases);
		ordex_jw_key(w, "truncated");
		ordex_jw_bool(w, truncated);
		ordex_jw_key(w, "active_cases");
		ordex_jw_int(w, n_active);
		ordex_jw_key(w, "actions_checked");
		ordex_jw_int(w, n_actions);
		ordex_jw_key(w, "actions_unroutable");
		ordex_jw_int(w, n_unroutable);
		ordex_jw_key(w, "queue_changes");
		ordex_jw_raw(w, queues.data, queues.len);
		ordex_jw_key(w, "sla_changes");
		ordex_jw_raw(w, slas.data, slas.len);
		ordex_jw_key(w, "route_changes");
		ordex_jw_raw(w, routes.data, routes.len);
		ordex_jw_obj_end(w);
	}
	ordex_buf_free(&queues);
	ordex_buf_free(&slas);
	ordex_buf_free(&routes);
	return rc;
}
