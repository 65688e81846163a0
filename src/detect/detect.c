/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect.c - the detector engine.
 *
 * After an event is applied, each order it touched is loaded whole (order,
 * lines with their SKU's stock, payments, shipments) and every family adds
 * the conditions that hold now. Reconciliation with the stored exceptions:
 * - a condition without an exception opens one;
 * - a condition whose exception is open and that brings new evidence (an
 *   event not yet listed) counts as seen again;
 * - a condition whose exception was resolved reopens it;
 * - an open exception whose condition no longer holds resolves, naming the
 *   event that cleared it.
 * One exception per (order, kind, subject). Each change is audited.
 *
 * Priority: severity sets the hundreds (low 100 ... critical 400); the order
 * value adds up to 99 on a log scale (10 points per factor of ten of the
 * total in major units), so among equals the bigger order comes first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "detect/detect_int.h"
#include "domain/project.h"
#include "ingest/event.h"
#include "store/store.h"
#include "workflow/workflow.h"

static const char *const sev_names[] = {"", "low", "medium", "high", "critical"};

void ordex__condition(struct ordex_conditions *cs, const char *kind, const char *subject,
                      enum ordex_severity sev, const char *why, int64_t evidence_seq)
{
	for (int i = 0; i < cs->n; i++)
		if (!strcmp(cs->c[i].kind, kind) && !strcmp(cs->c[i].subject, subject))
			return;
	if (cs->n == cs->cap) {
		int cap = cs->cap ? cs->cap * 2 : 16;
		struct ordex_condition *g = ordex_arena_alloc(cs->a, sizeof(*g) * (size_t)cap);
		if (cs->n)
			memcpy(g, cs->c, sizeof(*g) * (size_t)cs->n);
		cs->c = g;
		cs->cap = cap;
	}
	struct ordex_condition *c = &cs->c[cs->n++];
	c->kind = kind;
	c->subject = subject;
	c->severity = sev;
	c->why = why;
	c->evidence_seq = evidence_seq;
}

const char *ordex__fmt_when(struct ordex_apply *ap, int64_t us, int offset_min, int date_only)
{
	char t[ORDEX_TIME_MAX_LEN];
	size_t n = ordex_time_format(us, offset_min, t);
	if (date_only && n >= 10)
		return ordex_arena_strndup(ap->a, t, 10);
	/* "2018-04-06 02:32 -03:00": readable, and still exact to the minute */
	if (n >= 16) {
		const char *off = t + 19;
		while (*off && *off != 'Z' && *off != '+' && *off != '-')
			off++;
		return ordex_arena_printf(ap->a, "%.10s %.5s %s", t, t + 11,
		                          *off == 'Z' ? "UTC" : off);
	}
	return ordex_arena_strdup(ap->a, t);
}

static int priority(const struct ordex_order_row *o, enum ordex_severity sev)
{
	int p = (int)sev * 100;
	if (o->total_set && o->total > 0) {
		int e = ordex_currency_exponent(o->currency);
		double major = (double)o->total / pow(10.0, e < 0 ? 2 : e);
		int v = (int)(10.0 * log10(1.0 + major));
		p += v > 99 ? 99 : v;
	}
	return p;
}

static int load_state(struct ordex_apply *ap, const char *ref, struct ordex_order_state *os)
{
	struct ordex_store *st = ap->st;
	int rc = st->ops->order_get(st, ap->sc, ref, ap->a, &os->order);
	if (rc)
		return rc;
	if ((rc = st->ops->lines_get(st, ap->sc, os->order.id, ap->a, &os->lines, &os->n_lines)))
		return rc;
	if ((rc = st->ops->payments_for_order(st, ap->sc, ref, ap->a, &os->payments,
	                                      &os->n_payments)))
		return rc;
	if ((rc = st->ops->issues_for_order(st, ap->sc, ref, ap->a, &os->issues, &os->n_issues)))
		return rc;
	return st->ops->shipments_for_order(st, ap->sc, ref, ap->a, &os->shipments,
	                                    &os->n_shipments);
}

struct ranked {
	int priority, index;
	const char *kind;
};

/* Highest priority first; among equals, as the detectors found them. */
static int by_priority(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	if (a->priority != b->priority)
		return b->priority - a->priority;
	return a->index - b->index;
}

/* Does the JSON array of seqs in evidence list seq? */
static bool has_evidence(const char *evidence, int64_t seq)
{
	char needle[32];
	int n = snprintf(needle, sizeof(needle), "%lld", (long long)seq);
	for (const char *p = evidence; (p = strstr(p, needle)); p += n) {
		char before = p == evidence ? '[' : p[-1];
		char after = p[n];
		if ((before == '[' || before == ',') && (after == ']' || after == ','))
			return true;
	}
	return false;
}

static const char *add_evidence(struct ordex_apply *ap, const char *evidence, int64_t seq)
{
	if (!seq) /* a timer: time, not an event, made the change */
		return evidence ? evidence : "[]";
	if (!evidence || !strcmp(evidence, "[]"))
		return ordex_arena_printf(ap->a, "[%lld]", (long long)seq);
	if (has_evidence(evidence, seq))
		return evidence;
	size_t n = strlen(evidence);
	return ordex_arena_printf(ap->a, "%.*s,%lld]", (int)(n - 1), evidence, (long long)seq);
}

static int audit_exception(struct ordex_apply *ap, const char *what,
                           const struct ordex_exception_row *e, const struct ordex_event *ev)
{
	struct ordex_buf b;
	struct ordex_jw w;
	ordex_buf_init(&b, 0);
	ordex_jw_init(&w, &b);
	ordex_jw_obj(&w);
	ordex_jw_key(&w, "seq");
	ordex_jw_int(&w, ap->seq);
	ordex_jw_key(&w, "exception");
	ordex_jw_int(&w, e->id);
	ordex_jw_key(&w, "order");
	ordex_jw_str(&w, e->order_ref);
	ordex_jw_key(&w, "kind");
	ordex_jw_str(&w, e->kind);
	ordex_jw_key(&w, "subject");
	ordex_jw_str(&w, e->subject);
	ordex_jw_key(&w, "status");
	ordex_jw_str(&w, e->status);
	ordex_jw_key(&w, "severity");
	ordex_jw_str(&w, e->severity);
	ordex_jw_key(&w, "priority");
	ordex_jw_int(&w, e->priority);
	ordex_jw_key(&w, "seen");
	ordex_jw_int(&w, e->seen);
	ordex_jw_key(&w, "why");
	ordex_jw_str(&w, e->resolution ? e->resolution : e->why);
	ordex_jw_key(&w, "event");
	ordex_jw_str(&w, ordex_arena_printf(ap->a, "%s/%s", ev->source, ev->id));
	ordex_jw_obj_end(&w);
	char kind[48];
	snprintf(kind, sizeof(kind), "exception.%s", what);
	int rc = ordex__audit(ap, kind, e->order_ref, b.data);
	ordex_buf_free(&b);
	return rc;
}

int ordex_detect_order(struct ordex_apply *ap, const char *order_ref, const struct ordex_event *ev,
                       int64_t seq)
{
	struct ordex_order_state os;
	memset(&os, 0, sizeof(os));
	int rc = load_state(ap, order_ref, &os);
	if (rc == ORDEX_E_NOTFOUND)
		return ORDEX_OK;
	if (rc)
		return rc;
	struct ordex_conditions cs = {.a = ap->a};
	ordex__detect_payment(ap, &os, &cs);
	ordex__detect_stock(ap, &os, &cs);
	ordex__detect_shipping(ap, &os, &cs);
	if ((rc = ordex__detect_writeback(ap, &os, &cs)))
		return rc;
	if ((rc = ordex__detect_clock(ap, &os, &cs)) || (rc = ordex__arm_clock(ap, &os, seq)))
		return rc;

	struct ordex_exception_row *ex;
	size_t n_ex;
	if ((rc = ap->st->ops->exceptions_for_order(ap->st, ap->sc, order_ref, ap->a, &ex, &n_ex)))
		return rc;
	int64_t when = ev->occurred.us;
	bool opened = false, had_open = false;
	for (size_t j = 0; j < n_ex; j++)
		had_open = had_open || !strcmp(ex[j].status, "open");
	int top = 0;
	const char **kinds = ordex_arena_alloc(ap->a, sizeof(*kinds) * (size_t)(cs.n ? cs.n : 1));

	for (int i = 0; i < cs.n; i++) {
		const struct ordex_condition *c = &cs.c[i];
		struct ordex_exception_row *e = NULL;
		for (size_t j = 0; j < n_ex && !e; j++)
			if (!strcmp(ex[j].kind, c->kind) && !strcmp(ex[j].subject, c->subject))
				e = &ex[j];
		int64_t evidence = c->evidence_seq ? c->evidence_seq : seq;
		int prio = priority(&os.order, c->severity);
		const char *sev = sev_names[c->severity];
		const char *what = NULL;
		struct ordex_exception_row fresh;
		if (!e) {
			memset(&fresh, 0, sizeof(fresh));
			e = &fresh;
			e->order_ref = order_ref;
			e->kind = c->kind;
			e->subject = c->subject;
			e->evidence = "[]";
			e->opened_at = when;
			what = "opened";
		} else if (strcmp(e->status, "open") != 0) {
			e->opened_at = when;
			e->resolved_at = 0;
			e->resolution = NULL;
			what = "reopened";
		} else if (c->evidence_seq && !has_evidence(e->evidence, evidence)) {
			what = "seen";
		} else if (strcmp(e->why, c->why) != 0 || e->priority != prio ||
		           strcmp(e->severity, sev) != 0) {
			what = "updated";
		}
		if (!what)
			continue;
		if (strcmp(what, "updated") != 0) {
			e->seen++;
			e->evidence = add_evidence(ap, e->evidence, evidence);
		}
		e->status = "open";
		e->severity = sev;
		e->priority = prio;
		e->why = c->why;
		e->updated_at = when;
		e->updated_seq = seq;
		if ((rc = ap->st->ops->exception_put(ap->st, ap->sc, e)))
			return rc;
		if ((rc = audit_exception(ap, what, e, ev)))
			return rc;
		if (!strcmp(what, "opened") || !strcmp(what, "reopened")) {
			ap->exceptions_opened++;
			opened = true;
		}
	}
	/* the case follows: its kinds, highest priority first */
	struct ranked *rk = ordex_arena_alloc(ap->a, sizeof(*rk) * (size_t)(cs.n ? cs.n : 1));
	for (int i = 0; i < cs.n; i++) {
		rk[i].priority = priority(&os.order, cs.c[i].severity);
		rk[i].kind = cs.c[i].kind;
		rk[i].index = i;
	}
	qsort(rk, (size_t)cs.n, sizeof(*rk), by_priority);
	for (int i = 0; i < cs.n; i++)
		kinds[i] = rk[i].kind;
	top = cs.n ? rk[0].priority : 0;

	for (size_t j = 0; j < n_ex; j++) {
		struct ordex_exception_row *e = &ex[j];
		if (strcmp(e->status, "open") != 0)
			continue;
		bool holds = false;
		for (int i = 0; i < cs.n && !holds; i++)
			holds =
			    !strcmp(cs.c[i].kind, e->kind) && !strcmp(cs.c[i].subject, e->subject);
		if (holds)
			continue;
		e->status = "resolved";
		e->resolved_at = when;
		e->updated_at = when;
		e->updated_seq = seq;
		e->evidence = add_evidence(ap, e->evidence, seq);
		e->resolution =
		    ordex_arena_printf(ap->a, "Cleared by %s %s/%s (event %lld).", ev->type_name,
		                       ev->source, ev->id, (long long)seq);
		if ((rc = ap->st->ops->exception_put(ap->st, ap->sc, e)))
			return rc;
		if ((rc = audit_exception(ap, "resolved", e, ev)))
			return rc;
		ap->exceptions_resolved++;
	}
	struct ordex_case_change ch = {
	    .order_ref = order_ref,
	    .n_open = cs.n,
	    .kinds = kinds,
	    .priority = top,
	    .opened = opened,
	    .had_open = had_open,
	    .cause = ordex_arena_printf(ap->a, "%s %s/%s", ev->type_name, ev->source, ev->id),
	};
	return ordex_case_sync(ap, &ch);
}

int ordex_detect_now(struct ordex_store *st, struct ordex_audit *au, const struct ordex_scope *sc,
                     int64_t now, struct ordex_arena *a,
                     const struct ordex_tenant_settings *settings, const char *order_ref,
                     const char *what, int64_t when, int *opened)
{
	struct ordex_apply ap = {
	    .st = st,
	    .au = au,
	    .a = a,
	    .sc = sc,
	    .settings = settings,
	    .now = now,
	    .careful = true,
	};
	struct ordex_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type_name = "timer";
	ev.source = "ordex";
	ev.id = what;
	ev.occurred.us = when;
	int rc = ordex_detect_order(&ap, order_ref, &ev, 0);
	if (opened)
		*opened = ap.exceptions_opened;
	return rc;
}
