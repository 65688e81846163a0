/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scope.c - customer scope rules (see scope.h): checked when they are
 * stored, applied by the projection when an order event leaves a
 * dimension empty.
 *
 * The writer keeps each tenant environment's rules parsed in a cache, with
 * the version they came from; at its first use in a group the version in
 * force is read again (one point read), so rules stored by another process
 * hold from the next group.
 */
#include "domain/scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "domain/project.h"
#include "domain/project_int.h"
#include "ingest/event.h"
#include "policy/jsonlogic.h"
#include "store/store.h"

static const char *const dims[3] = {"brand", "region", "segment"};

int ordex_scope_rules_check(struct ordex_arena *a, const struct ordex_json *doc,
                            struct ordex_problems *p)
{
	int before = p->n;
	if (doc->type != ORDEX_JSON_OBJECT) {
		ordex_problem_add(p, a, "", "must be an object: {\"rules\": [...]}");
		return ORDEX_E_INVAL;
	}
	for (const struct ordex_json *m = doc->child; m; m = m->next)
		if (strcmp(m->key, "rules") != 0)
			ordex_problem_add(p, a, m->key, "is not part of a rule set (\"rules\")");
	const struct ordex_json *rules = ordex_json_get(doc, "rules");
	if (!rules || rules->type != ORDEX_JSON_ARRAY) {
		ordex_problem_add(p, a, "rules", "is required: an array of {\"set\", \"when\"}");
		return ORDEX_E_INVAL;
	}
	if (rules->count > ORDEX_SCOPE_RULES_MAX)
		ordex_problem_add(p, a, "rules", "holds at most %d rules", ORDEX_SCOPE_RULES_MAX);
	size_t i = 0;
	for (const struct ordex_json *r = rules->child; r; r = r->next, i++) {
		const char *at = ordex_arena_printf(a, "rules[%zu]", i);
		if (r->type != ORDEX_JSON_OBJECT) {
			ordex_problem_add(p, a, at, "must be an object {\"set\", \"when\"}");
			continue;
		}
		for (const struct ordex_json *m = r->child; m; m = m->next)
			if (strcmp(m->key, "set") && strcmp(m->key, "when"))
				ordex_problem_add(p, a, ordex_arena_printf(a, "%s.%s", at, m->key),
				                  "is not part of a rule (\"set\", \"when\")");
		const struct ordex_json *set = ordex_json_get(r, "set");
		if (!set || set->type != ORDEX_JSON_OBJECT || !set->count) {
			ordex_problem_add(p, a, ordex_arena_printf(a, "%s.set", at),
			                  "is required: an object naming brand, region or segment");
		} else {
			for (const struct ordex_json *m = set->child; m; m = m->next) {
				const char *f = ordex_arena_printf(a, "%s.set.%s", at, m->key);
				bool known = false;
				for (int d = 0; d < 3; d++)
					known = known || !strcmp(m->key, dims[d]);
				if (!known)
					ordex_problem_add(p, a, f,
					                  "is not brand, region or segment");
				else if (m->type != ORDEX_JSON_STRING || m->len < 1 ||
				         m->len > 64 || strlen(m->str) != m->len)
					ordex_problem_add(p, a, f,
					                  "must be a string of 1 to 64 bytes");
			}
		}
		const struct ordex_json *when = ordex_json_get(r, "when");
		struct ordex_jl_error err;
		if (!when)
			ordex_problem_add(p, a, ordex_arena_printf(a, "%s.when", at),
			                  "is required: a JsonLogic condition");
		else if (ordex_jl_check(when, NULL, &err) != ORDEX_OK)
			ordex_problem_add(p, a,
			                  ordex_arena_printf(a, "%s.when%s%s", at,
			                                     err.path[0] ? "." : "", err.path),
			                  "%s", err.msg);
	}
	return p->n > before ? ORDEX_E_INVAL : ORDEX_OK;
}

/* ---- the writer's cache ---------------------------------------------------- */

#define CACHE_ENTRIES 16

struct entry {
	int64_t tenant;
	char env[16];
	int64_t version; /* 0: no rules */
	uint64_t group;  /* the group it was last looked at in */
	struct ordex_arena *a;
	struct ordex_json *rules; /* the "rules" array, or NULL */
	bool used;
};

struct ordex_scope_cache {
	struct entry e[CACHE_ENTRIES];
	uint64_t group;
	unsigned next; /* the entry replaced next when all are used */
};

struct ordex_scope_cache *ordex_scope_cache_new(void)
{
	struct ordex_scope_cache *c = ordex_xcalloc(1, sizeof(*c));
	c->group = 1;
	return c;
}

void ordex_scope_cache_free(struct ordex_scope_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < CACHE_ENTRIES; i++)
		ordex_arena_free(c->e[i].a);
	free(c);
}

void ordex_scope_cache_next_group(struct ordex_scope_cache *c)
{
	if (c)
		c->group++;
}

void ordex_scope_cache_forget(struct ordex_scope_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < CACHE_ENTRIES; i++)
		ordex_arena_free(c->e[i].a);
	memset(c->e, 0, sizeof(c->e));
	c->group++;
}

/* The rules of a body as stored, parsed into a. */
static int parse_rules(struct ordex_arena *a, const char *body, struct ordex_json **rules)
{
	struct ordex_json *doc;
	struct ordex_json_error jerr;
	if (ordex_json_parse(a, body, strlen(body), NULL, &doc, &jerr) != ORDEX_OK)
		return ORDEX_E_CORRUPT; /* it was valid when it was stored */
	*rules = ordex_json_get(doc, "rules");
	return ORDEX_OK;
}

/* The rules in force for the apply's scope (NULL: none), parsed. */
static int rules_of(struct ordex_apply *ap, const struct ordex_json **rules, int64_t *version)
{
	struct ordex_scope_cache *c = ap->scope_cache;
	struct ordex_store *st = ap->st;
	const char *body = NULL;
	int64_t v = 0;
	*rules = NULL;
	*version = 0;
	if (!c) { /* no cache: read and parse them for this event */
		int rc = st->ops->scope_rules_get(st, ap->sc, ap->a, &v, &body, NULL, NULL);
		if (rc)
			return rc == ORDEX_E_NOTFOUND ? ORDEX_OK : rc;
		struct ordex_json *r = NULL;
		rc = parse_rules(ap->a, body, &r);
		*rules = r;
		*version = v;
		return rc;
	}
	struct entry *e = NULL;
	for (int i = 0; i < CACHE_ENTRIES && !e; i++)
		if (c->e[i].used && c->e[i].tenant == ap->sc->tenant &&
		    !strcmp(c->e[i].env, ap->sc->env))
			e = &c->e[i];
	if (!e) {
		e = &c->e[c->next];
		c->next = (c->next + 1) % CACHE_ENTRIES;
		ordex_arena_free(e->a);
		memset(e, 0, sizeof(*e));
		e->tenant = ap->sc->tenant;
		snprintf(e->env, sizeof(e->env), "%s", ap->sc->env);
		e->used = true;
		e->group = c->group - 1; /* looked at below */
	}
	int rc = ORDEX_OK;
	if (e->group != c->group) {
		e->group = c->group;
		struct ordex_arena *tmp = ordex_arena_new(4096);
		rc = st->ops->scope_rules_get(st, ap->sc, tmp, &v, &body, NULL, NULL);
		if (rc == ORDEX_E_NOTFOUND)
			rc = ORDEX_OK, v = 0;
		if (rc == ORDEX_OK && v != e->version) {
			ordex_arena_free(e->a);
			e->a = NULL;
			e->rules = NULL;
			e->version = v;
			if (v) {
				e->a = ordex_arena_new(4096);
				rc = parse_rules(e->a, body, &e->rules);
			}
		}
		ordex_arena_free(tmp);
		if (rc)
			e->group = c->group - 1; /* not known good: look again next time */
	}
	*rules = e->rules;
	*version = e->version;
	return rc;
}

/* The document a rule's condition sees: {"order": ..., "event": ...}. */
static struct ordex_json *rule_data(struct ordex_apply *ap, const struct ordex_order_row *o,
                                    const struct ordex_event *ev)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "order");
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "ref");
	ordex_jw_str(&w, o->ref);
	ordex_jw_key(&w, "status");
	ordex_jw_str(&w, o->status);
	ordex_jw_key(&w, "currency");
	ordex_jw_str(&w, o->currency[0] ? o->currency : NULL);
	ordex_jw_key(&w, "total");
	if (o->total_set && o->currency[0]) {
		char t[48];
		size_t n = ordex_money_format(o->total, o->currency, t);
		ordex_jw_raw(&w, t, n);
	} else {
		ordex_jw_null(&w);
	}
	ordex_jw_key(&w, "customer");
	ordex_jw_str(&w, o->customer);
	ordex_jw_key(&w, "email");
	ordex_jw_str(&w, o->email);
	for (int d = 0; d < 3; d++) {
		const char *v = d == 0 ? o->brand : d == 1 ? o->region : o->segment;
		ordex_jw_key(&w, dims[d]);
		ordex_jw_str(&w, v);
	}
	ordex_jw_key(&w, "ship_to");
	if (o->ship_to)
		ordex_jw_raw(&w, o->ship_to, strlen(o->ship_to));
	else
		ordex_jw_null(&w);
	ordex_jw_obj_end(&w);
	ordex_jw_key(&w, "event");
	ordex_jw_raw(&w, ev->raw, ev->raw_len);
	ordex_jw_obj_end(&w);
	struct ordex_json *doc = NULL;
	struct ordex_json_error jerr;
	struct ordex_json_limits lim = {.max_nodes = 100000};
	if (ordex_json_parse(ap->a, b.data, b.len, &lim, &doc, &jerr) != ORDEX_OK)
		doc = NULL;
	ordex_buf_free(&b);
	return doc;
}

int ordex__scope_by_rules(struct ordex_apply *ap, struct ordex_order_row *o,
                          const struct ordex_event *ev)
{
	if (o->brand && o->region && o->segment)
		return ORDEX_OK;
	const struct ordex_json *rules;
	int64_t version;
	int rc = rules_of(ap, &rules, &version);
	if (rc || !rules || !rules->count)
		return rc;
	struct ordex_json *data = rule_data(ap, o, ev);
	if (!data)
		return ORDEX_OK;
	const char **slot[3] = {&o->brand, &o->region, &o->segment};
	/* one budget of steps for all the rules of one event, and each rule's
	 * values given back once it is judged: a tenant's rules cannot hold the
	 * writer up for long, nor its memory */
	size_t budget = 20000;
	struct ordex_jl_limits lim = {.max_bytes = 256 << 10, .budget = &budget};
	size_t i = 0;
	for (const struct ordex_json *r = rules->child; r; r = r->next, i++) {
		const struct ordex_json *set = ordex_json_get(r, "set");
		bool wanted = false;
		for (int d = 0; d < 3; d++)
			wanted = wanted || (!*slot[d] && ordex_json_get(set, dims[d]));
		if (!wanted)
			continue;
		struct ordex_json *out;
		struct ordex_jl_error err;
		struct ordex_arena_mark mark = ordex_arena_mark(ap->a);
		/* a rule that errs (a bound reached) decides nothing: the next is tried */
		bool holds = ordex_jl_eval(ap->a, ordex_json_get(r, "when"), data, &lim, &out,
		                           &err) == ORDEX_OK &&
		             ordex_jl_truthy(out);
		ordex_arena_rewind(ap->a, mark);
		if (!holds)
			continue;
		for (int d = 0; d < 3; d++) {
			const struct ordex_json *v = ordex_json_get(set, dims[d]);
			if (*slot[d] || !v)
				continue;
			*slot[d] = ordex_arena_strdup(ap->a, v->str);
			/* the body through the JSON writer: values are the tenant's */
			struct ordex_buf b;
			struct ordex_jw w;
			ordex_buf_init(&b, 0);
			ordex_jw_init(&w, &b);
			ordex_jw_obj(&w);
			ordex_jw_key(&w, "seq");
			ordex_jw_int(&w, ap->seq);
			ordex_jw_key(&w, "order");
			ordex_jw_str(&w, o->ref);
			ordex_jw_key(&w, dims[d]);
			ordex_jw_str(&w, v->str);
			ordex_jw_key(&w, "rule");
			ordex_jw_int(&w, (int64_t)i);
			ordex_jw_key(&w, "version");
			ordex_jw_int(&w, version);
			ordex_jw_obj_end(&w);
			const char *body = ordex_arena_strdup(ap->a, b.data);
			ordex_buf_free(&b);
			if ((rc = ordex__audit(ap, "order.scope_by_rule", o->ref, body)))
				return rc;
		}
		if (o->brand && o->region && o->segment)
			break;
	}
	return ORDEX_OK;
}
