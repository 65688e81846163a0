/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zendesk.c - the Zendesk adapter: support tickets to ticket.created and
 * ticket.updated (docs/internals/adapters.md).
 *
 * Zendesk reaches ordex in three shapes, told apart by their members:
 * webhook event envelopes ({"type": "zen:event-type:ticket.status_changed",
 * "id", "time", "subject": "zen:ticket:35436", "detail": {the ticket}}),
 * trigger payloads a merchant writes ({"ticket": {...}}), and the REST
 * API's objects: a ticket, a list of tickets, audits with their events, and
 * suspended tickets, ticket fields and metrics, which are acknowledged and
 * ignored. A ticket becomes one event carrying its snapshot (id, subject,
 * status, priority, requester e-mail), id "ticket/<id>@<updated_at>"; an
 * audit becomes one event carrying only what it changed, id
 * "audit/<id>". Lists are unwrapped, one event per element.
 *
 * A ticket names its order only in fields and text, so the adapter gathers
 * references: a custom field titled as the order (or a trigger's "order"
 * member) is the envelope order; otherwise the references found in the
 * other custom fields, the tags ("order_1001"), the subject and the
 * description ("#1001", "order 1001", "Order: 1001") go, strongest first and
 * without repeats, into data.order_candidates. A bare number in an untitled
 * custom field is not taken: it is as likely an age or a count.
 *
 * The events of one Zendesk action (a status change and a comment, say)
 * arrive as several webhook deliveries with the same detail and updated_at.
 * The event written depends on the detail alone, never on the delivery's
 * own "event" member or time, so the deliveries dedupe as duplicates
 * instead of conflicting. Statuses and priorities are lower-cased ("OPEN"
 * in webhooks, "open" in the API); subjects are copied byte for byte.
 */
#include "ingest/adapters/adapter_int.h"

#include <stdbool.h>
#include <string.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/timeutil.h"

#define MAX_CANDIDATES 16 /* what the canonical event accepts */
#define MAX_TOKEN      64
#define EVENT_PREFIX   "zen:event-type:"

/* References to an order found in a ticket, strongest first. */
struct refs {
	const char *order; /* from a field that holds the order: the envelope order */
	const char *cand[MAX_CANDIDATES];
	size_t n;
};

/* What an event says of a ticket; NULL members are left out. */
struct facts {
	const char *ticket;
	const struct ordex_json *subject;
	const char *status;
	const char *priority;
	const char *email;
	struct refs refs;
};

/* Where an object sits in the payload, for field paths and side-loads. */
struct ctx {
	const struct ordex_adapter_input *in;
	struct ordex_adapter_output *out;
	const struct ordex_json *users; /* side-loaded users of a list, or NULL */
	const char *where;              /* "", "ticket.", "tickets[3]." */
};

/* The kinds of object the API returns, alone or in a list. */
static const struct {
	const char *list;
	const char *one;
	const char *kind;
	const char *why; /* NULL: mapped */
} shapes[] = {
    {"tickets", "ticket", "ticket", NULL},
    {"audits", "audit", "ticket_audit", NULL},
    {"suspended_tickets", "suspended_ticket", "suspended_ticket",
     "a suspended ticket is held out of the queue until an agent recovers it"},
    {"ticket_fields", "ticket_field", "ticket_field",
     "a ticket field definition does not concern orders"},
    {"ticket_metrics", "ticket_metric", "ticket_metric",
     "reply-time metrics do not concern orders"},
};

enum { SHAPE_TICKET, SHAPE_AUDIT, SHAPE_SUSPENDED, SHAPE_FIELD, SHAPE_METRIC };

/* Webhook ticket events that change what ordex keeps of a ticket. */
static const char *const used_events[] = {
    "created",
    "status_changed",
    "priority_changed",
    "comment_added",
    "subject_changed",
    "description_changed",
    "tags_changed",
    "custom_field_changed",
    "requester_changed",
    "custom_status_changed",
    "merged",
    "marked_as_spam",
    "soft_deleted",
    "undeleted",
};

/* Members a trigger payload may give the order in. */
static const char *const order_keys[] = {
    "order", "order_number", "order_name", "order_reference", "order_ref", "order_id",
};

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

static bool is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* The byte at p as an int without sign extension. */
static int at(const char *p)
{
	return (unsigned char)*p;
}

/* p starts with the lower-case word w, in any case. */
static bool word_at(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(end - p) < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(at(p + i)) != w[i])
			return false;
	return true;
}

static bool has(const struct ordex_json *obj, const char *key)
{
	return ordex_json_get(obj, key) != NULL;
}

static bool all_digits(const char *s)
{
	size_t n = 0;
	for (; is_digit(at(s + n)); n++)
		;
	return n > 0 && n <= 20 && s[n] == '\0';
}

/* s in lower case (ASCII), in the arena; NULL stays NULL. */
static const char *lowered(struct ordex_arena *a, const char *s)
{
	if (!s)
		return NULL;
	char *c = ordex_arena_strdup(a, s);
	for (char *p = c; *p; p++)
		*p = (char)lower(at(p));
	return c;
}

/* An RFC 3339 time rewritten in the one form ordex writes, or NULL. */
static const char *norm_time(struct ordex_arena *a, const char *s)
{
	int64_t us;
	int off;
	char t[ORDEX_TIME_MAX_LEN];
	if (!s || ordex_time_parse(s, strlen(s), &us, &off) != ORDEX_OK)
		return NULL;
	ordex_time_format(us, off, t);
	return ordex_arena_strdup(a, t);
}

static const char *field(struct ctx *c, const char *key)
{
	return ordex_arena_printf(c->out->a, "%s%s", c->where, key);
}

/*
 * The length of an order reference at p: letters and digits, with '-'
 * between them, at least one digit, at most MAX_TOKEN bytes; 0 if none.
 */
static size_t token_len(const char *p, const char *end)
{
	size_t n = 0;
	bool digit = false;
	while (p + n < end) {
		int ch = at(p + n);
		if (is_alnum(ch))
			digit |= is_digit(ch);
		else if (!(ch == '-' && n > 0 && p + n + 1 < end && is_alnum(at(p + n + 1))))
			break;
		if (++n > MAX_TOKEN)
			return 0;
	}
	return digit ? n : 0;
}

static void refs_add(struct ordex_arena *a, struct refs *r, const char *s, size_t n)
{
	if (r->n == MAX_CANDIDATES)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (strlen(r->cand[i]) == n && memcmp(r->cand[i], s, n) == 0)
			return;
	r->cand[r->n++] = ordex_arena_strndup(a, s, n);
}

static const char *skip_separators(const char *p, const char *end)
{
	for (int i = 0; p < end && i < 8; p++, i++) {
		int ch = at(p);
		if (!is_space(ch) && ch != ':' && ch != '#' && ch != '-' && ch != '_' && ch != '.')
			break;
	}
	return p;
}

/*
 * The reference after the word "order" at p: "order 1001", "Order: #1001",
 * "order no. 1001", "order_1001". Not "orders" or "ordered".
 */
static size_t after_order(const char *p, const char *end, const char **tok)
{
	static const char *const qualifiers[] = {"number", "num",       "nr", "no",
	                                         "id",     "reference", "ref"};
	p += 5;
	if (p < end && is_alpha(at(p)))
		return 0;
	p = skip_separators(p, end);
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(qualifiers); i++) {
		size_t n = strlen(qualifiers[i]);
		if (word_at(p, end, qualifiers[i]) && (p + n == end || !is_alpha(at(p + n)))) {
			p = skip_separators(p + n, end);
			break;
		}
	}
	*tok = p;
	return token_len(p, end);
}

/* The word before '#' at p is one that numbers something else ("ticket #5"). */
static bool numbers_other(const char *s, const char *p)
{
	static const char *const words[] = {"ticket", "case", "request"};
	while (p > s && is_space(at(p - 1)))
		p--;
	const char *w = p;
	while (w > s && is_alpha(at(w - 1)))
		w--;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(words); i++)
		if ((size_t)(p - w) == strlen(words[i]) && word_at(w, p, words[i]))
			return true;
	return false;
}

/* Adds the references written in text: "#1001", "order 1001", "Order: 1001". */
static void scan_text(struct ordex_arena *a, struct refs *r, const char *s, size_t len)
{
	const char *end = s + len;
	const char *p = s;
	while (p < end) {
		const char *tok = NULL;
		size_t n = 0;
		int prev = p > s ? at(p - 1) : ' ';
		if (!is_alnum(prev) && lower(at(p)) == 'o' && word_at(p, end, "order"))
			n = after_order(p, end, &tok);
		else if (*p == '#' && !is_alnum(prev) && prev != '&' && prev != '#' &&
		         p + 1 < end && is_digit(at(p + 1)) && !numbers_other(s, p)) {
			tok = p + 1;
			n = token_len(tok, end);
		}
		if (n) {
			refs_add(a, r, tok, n);
			p = tok + n;
		} else {
			p++;
		}
	}
}

static void scan_node(struct ordex_arena *a, struct refs *r, const struct ordex_json *n)
{
	if (n && n->type == ORDEX_JSON_STRING)
		scan_text(a, r, n->str, n->len);
}

/* One tag: "order_1001", "order-1001", "order1001". */
static void scan_tag(struct ordex_arena *a, struct refs *r, const char *s, size_t len)
{
	const char *tok;
	size_t n;
	if (word_at(s, s + len, "order") && (n = after_order(s, s + len, &tok)))
		refs_add(a, r, tok, n);
}

/* Tags as the API sends them (an array) or as a trigger renders them ("vip order_1001"). */
static void scan_tags(struct ordex_arena *a, struct refs *r, const struct ordex_json *tags)
{
	if (!tags)
		return;
	if (tags->type == ORDEX_JSON_ARRAY) {
		for (const struct ordex_json *t = tags->child; t; t = t->next)
			if (t->type == ORDEX_JSON_STRING)
				scan_tag(a, r, t->str, t->len);
		return;
	}
	if (tags->type != ORDEX_JSON_STRING)
		return;
	const char *p = tags->str, *end = p + tags->len;
	while (p < end) {
		while (p < end && (is_space(at(p)) || *p == ','))
			p++;
		const char *t = p;
		while (p < end && !is_space(at(p)) && *p != ',')
			p++;
		if (p > t)
			scan_tag(a, r, t, (size_t)(p - t));
	}
}

/* A field name that says it holds the order: "Order number", "shopify_order". */
static bool names_order(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((p == s || !is_alpha(at(p - 1))) && word_at(p, p + strlen(p), "order"))
			return true;
	return false;
}

/*
 * The order in the value of a field known to hold it: "1001", "#1001",
 * "Order #1001", "1001 (paid)". NULL when the value has no reference.
 */
static const char *order_value(struct ordex_arena *a, const struct ordex_json *v)
{
	if (!v || (v->type != ORDEX_JSON_STRING && v->type != ORDEX_JSON_NUMBER))
		return NULL;
	const char *s = v->str, *end = s + v->len;
	while (s < end && is_space(at(s)))
		s++;
	while (end > s && is_space(at(end - 1)))
		end--;
	if (s < end && *s == '#')
		s++;
	size_t n = token_len(s, end);
	if (n && s + n == end)
		return ordex_arena_strndup(a, s, n);
	struct refs r = {0};
	scan_text(a, &r, v->str, v->len);
	if (r.n)
		return r.cand[0];
	return n ? ordex_arena_strndup(a, s, n) : NULL;
}

/* One custom field: the order when its title says so, else references in its text. */
static void custom_field(struct ordex_arena *a, struct refs *r, const char *title,
                         const struct ordex_json *value)
{
	if (title && names_order(title)) {
		if (!r->order)
			r->order = order_value(a, value);
		return;
	}
	scan_node(a, r, value);
}

/*
 * Custom fields as the API sends them ([{"id", "value"}], a title when a
 * merchant's trigger adds one) or as a trigger may write them ({"Order": "1001"}).
 */
static void scan_custom_fields(struct ordex_arena *a, struct refs *r,
                               const struct ordex_json *fields)
{
	static const char *const title_keys[] = {"title", "name", "raw_title", "key"};
	if (!fields)
		return;
	if (fields->type == ORDEX_JSON_OBJECT) {
		for (const struct ordex_json *f = fields->child; f; f = f->next)
			custom_field(a, r, f->key, f);
		return;
	}
	if (fields->type != ORDEX_JSON_ARRAY)
		return;
	for (const struct ordex_json *f = fields->child; f; f = f->next) {
		const char *title = NULL;
		for (size_t i = 0; i < ORDEX_ARRAY_LEN(title_keys) && !title; i++)
			title = ordex__str(f, title_keys[i]);
		custom_field(a, r, title, ordex_json_get(f, "value"));
	}
}

/* The references of a ticket, strongest first; outer is the object around it. */
static void ticket_refs(struct ordex_arena *a, const struct ordex_json *t,
                        const struct ordex_json *outer, struct refs *r)
{
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(order_keys) && !r->order; i++)
		r->order = order_value(a, ordex_json_get(t, order_keys[i]));
	for (size_t i = 0; outer && i < ORDEX_ARRAY_LEN(order_keys) && !r->order; i++)
		r->order = order_value(a, ordex_json_get(outer, order_keys[i]));
	const struct ordex_json *cf = ordex_json_get(t, "custom_fields");
	scan_custom_fields(a, r, cf ? cf : ordex_json_get(t, "fields"));
	scan_tags(a, r, ordex_json_get(t, "tags"));
	scan_node(a, r, ordex_json_get(t, "subject"));
	scan_node(a, r, ordex_json_get(t, "description"));
}

static const char *user_email(const struct ordex_json *users, const char *id)
{
	if (!users || users->type != ORDEX_JSON_ARRAY || !id)
		return NULL;
	for (const struct ordex_json *u = users->child; u; u = u->next) {
		const char *uid = ordex__str(u, "id");
		if (uid && strcmp(uid, id) == 0)
			return ordex__str(u, "email");
	}
	return NULL;
}

static const char *from_address(const struct ordex_json *obj)
{
	const struct ordex_json *n = ordex_adapter_path(obj, "via.source.from.address");
	return n && n->type == ORDEX_JSON_STRING && n->len ? n->str : NULL;
}

/* The requester's e-mail when the payload gives it; a requester_id alone does not. */
static const char *ticket_email(struct ctx *c, const struct ordex_json *t)
{
	const char *e = ordex__str(ordex_json_get(t, "requester"), "email");
	if (!e)
		e = ordex__str(t, "requester_email");
	if (!e)
		e = from_address(t);
	if (!e)
		e = user_email(c->users, ordex__str(t, "requester_id"));
	return e;
}

static const struct ordex_json *text(const struct ordex_json *n)
{
	return n && n->type == ORDEX_JSON_STRING && n->len ? n : NULL;
}

static int emit(struct ordex_adapter_output *out, const char *id, bool created,
                const char *occurred_at, const struct facts *f)
{
	const char *type = created ? "ticket.created" : "ticket.updated";
	struct ordex_jw *w = ordex_adapter_begin(out, id, type, occurred_at, f->refs.order);
	ordex_jw_key(w, "ticket");
	ordex_jw_str(w, f->ticket);
	if (f->subject) {
		ordex_jw_key(w, "subject");
		ordex_jw_strn(w, f->subject->str, f->subject->len);
	}
	ordex__put(w, "status", f->status);
	ordex__put(w, "priority", f->priority);
	ordex__put(w, "requester_email", f->email);
	if (!f->refs.order && f->refs.n) {
		ordex_jw_key(w, "order_candidates");
		ordex_jw_arr(w);
		for (size_t i = 0; i < f->refs.n; i++)
			ordex_jw_str(w, f->refs.cand[i]);
		ordex_jw_arr_end(w);
	}
	return ordex_adapter_end(out);
}

/*
 * A ticket: an API object, a trigger's "ticket", or a webhook's detail
 * (env is then the webhook envelope, event its type after "ticket.").
 */
static int map_ticket(struct ctx *c, const struct ordex_json *t, const struct ordex_json *outer,
                      const struct ordex_json *env, const char *event)
{
	struct ordex_adapter_output *out = c->out;
	struct ordex_arena *a = out->a;
	struct facts f = {0};

	out->kind = env ? "ticket_event" : "ticket";
	ticket_refs(a, t, outer, &f.refs);
	const char *id = ordex__str(t, "id");
	const char *subject = env ? ordex__str(env, "subject") : NULL;
	if (!id && subject && strncmp(subject, "zen:ticket:", 11) == 0)
		id = subject + 11;
	if (!id || !all_digits(id)) {
		ordex_adapter_missing(out, field(c, "id"),
		                      id ? "must be a Zendesk ticket id" : "is required");
		out->order = f.refs.order;
		return ORDEX_OK;
	}
	const char *updated = ordex__str(t, "updated_at"), *created = ordex__str(t, "created_at");
	const char *when = norm_time(a, updated);
	if (!when)
		when = norm_time(a, created);
	if (!when && env)
		when = norm_time(a, ordex__str(env, "time"));
	if (!when)
		when = norm_time(a, c->in->received_at);
	if (!when) {
		ordex_adapter_missing(out, field(c, "updated_at"), "is required");
		out->order = f.refs.order;
		return ORDEX_OK;
	}
	f.ticket = id;
	f.subject = text(ordex_json_get(t, "subject"));
	f.status = lowered(a, ordex__str(t, "status"));
	f.priority = lowered(a, ordex__str(t, "priority"));
	f.email = ticket_email(c, t);
	bool is_new =
	    (event && strcmp(event, "created") == 0) || ordex__same_instant(created, updated);
	return emit(out, ordex_arena_printf(a, "ticket/%s@%s", id, when), is_new, when, &f);
}

static bool is_type(const struct ordex_json *e, const char *type)
{
	const char *t = ordex__str(e, "type");
	return t && strcmp(t, type) == 0;
}

/*
 * An audit: one change of a ticket with its events. Mapped when it creates
 * the ticket or changes what ordex keeps (status, priority, subject, the
 * requester, an order reference in the tags or a custom field); comments
 * alone and other fields are ignored. The event carries only what changed.
 */
static int map_audit(struct ctx *c, const struct ordex_json *au)
{
	struct ordex_adapter_output *out = c->out;
	struct ordex_arena *a = out->a;
	struct facts f = {0};
	const struct ordex_json *events = ordex_json_get(au, "events");
	bool creates = false, changes = false, comments = false, others = false;
	const char *requester = NULL;

	out->kind = "ticket_audit";
	if (events && events->type != ORDEX_JSON_ARRAY)
		events = NULL;
	for (const struct ordex_json *e = events ? events->child : NULL; e; e = e->next) {
		if (is_type(e, "Comment")) {
			comments = true;
			continue;
		}
		others = true;
		if (!is_type(e, "Create") && !is_type(e, "Change"))
			continue;
		creates |= is_type(e, "Create");
		const char *name = ordex__str(e, "field_name");
		const struct ordex_json *v = ordex_json_get(e, "value");
		if (!name)
			continue;
		if (strcmp(name, "status") == 0) {
			f.status = lowered(a, ordex__str(e, "value"));
			changes = true;
		} else if (strcmp(name, "priority") == 0) {
			f.priority = lowered(a, ordex__str(e, "value"));
			changes = true;
		} else if (strcmp(name, "subject") == 0) {
			f.subject = text(v);
			changes = true;
		} else if (strcmp(name, "requester_id") == 0) {
			requester = ordex__str(e, "value");
		}
	}
	/* strongest first: custom fields (named by id), tags, subject, first comment */
	for (const struct ordex_json *e = events ? events->child : NULL; e; e = e->next) {
		const char *name = ordex__str(e, "field_name");
		if (name && all_digits(name))
			scan_node(a, &f.refs, ordex_json_get(e, "value"));
	}
	for (const struct ordex_json *e = events ? events->child : NULL; e; e = e->next) {
		const char *name = ordex__str(e, "field_name");
		if (name && strcmp(name, "tags") == 0)
			scan_tags(a, &f.refs, ordex_json_get(e, "value"));
	}
	if (f.subject)
		scan_node(a, &f.refs, f.subject);
	for (const struct ordex_json *e = events ? events->child : NULL; creates && e;
	     e = e->next) {
		if (is_type(e, "Comment")) {
			/* the comment that creates a ticket is its description */
			scan_node(a, &f.refs, ordex_json_get(e, "body"));
			break;
		}
	}
	f.email = user_email(c->users, requester);
	if (!f.email && creates)
		f.email = from_address(au);

	if (!creates && !changes && !f.refs.n && !f.email) {
		ordex_adapter_ignore(
		    out, NULL,
		    comments && !others
		        ? "a comment does not change what ordex keeps of a ticket"
		        : "the audit changes only ticket fields ordex does not use");
		return ORDEX_OK;
	}
	const char *id = ordex__str(au, "id"), *ticket = ordex__str(au, "ticket_id");
	if (!id)
		ordex_adapter_missing(out, field(c, "id"), "is required");
	if (!ticket || !all_digits(ticket))
		ordex_adapter_missing(out, field(c, "ticket_id"),
		                      ticket ? "must be a Zendesk ticket id" : "is required");
	const char *when = norm_time(a, ordex__str(au, "created_at"));
	if (!when)
		when = norm_time(a, c->in->received_at);
	if (!when)
		ordex_adapter_missing(out, field(c, "created_at"), "is required");
	if (out->outcome == ORDEX_ADAPT_INCOMPLETE)
		return ORDEX_OK;
	f.ticket = ticket;
	return emit(out, ordex_arena_printf(a, "audit/%s", id), creates, when, &f);
}

/* One object of a known shape (an element of a list, or wrapped by its name). */
static int map_shape(struct ctx *c, int shape, const struct ordex_json *o,
                     const struct ordex_json *outer)
{
	if (shapes[shape].why) {
		ordex_adapter_ignore(c->out, shapes[shape].kind, shapes[shape].why);
		return ORDEX_OK;
	}
	if (!o || o->type != ORDEX_JSON_OBJECT) {
		c->out->kind = shapes[shape].kind;
		ordex_adapter_missing(
		    c->out,
		    c->where[0] ? ordex_arena_strndup(c->out->a, c->where, strlen(c->where) - 1)
		                : "",
		    "must be an object");
		return ORDEX_OK;
	}
	if (shape == SHAPE_AUDIT)
		return map_audit(c, o);
	return map_ticket(c, o, outer, NULL, NULL);
}

static int map_object(struct ctx *c, const struct ordex_json *o);

/*
 * The elements of a list, each mapped as if it came alone. The payload is
 * INCOMPLETE when one element is, MAPPED when one made an event, else
 * IGNORED.
 */
static int map_list(struct ctx *c, const char *key, int shape, const struct ordex_json *arr,
                    const struct ordex_json *users)
{
	struct ordex_adapter_output *out = c->out;
	struct ctx sub = *c;
	bool incomplete = false, mapped = false;
	const char *why = NULL, *kind = shape >= 0 ? shapes[shape].kind : NULL;
	size_t i = 0;

	if (users && users->type == ORDEX_JSON_ARRAY)
		sub.users = users;
	for (const struct ordex_json *it = arr->child; it; it = it->next, i++) {
		sub.where = ordex_arena_printf(out->a, "%s%s[%zu].", c->where, key, i);
		out->outcome = 0;
		out->ignored_why = NULL;
		int rc = shape >= 0 ? map_shape(&sub, shape, it, NULL) : map_object(&sub, it);
		if (rc != ORDEX_OK)
			return rc;
		/* a mixed array is named by its first element that bears on orders */
		if (!kind || (!mapped && !incomplete && out->outcome != ORDEX_ADAPT_IGNORED))
			kind = out->kind;
		incomplete |= out->outcome == ORDEX_ADAPT_INCOMPLETE;
		mapped |= out->outcome == ORDEX_ADAPT_MAPPED;
		if (out->outcome == ORDEX_ADAPT_IGNORED && !why)
			why = out->ignored_why;
	}
	out->kind = kind ? kind : "unknown";
	out->ignored_why = NULL;
	if (incomplete)
		out->outcome = ORDEX_ADAPT_INCOMPLETE;
	else if (mapped)
		out->outcome = ORDEX_ADAPT_MAPPED;
	else
		ordex_adapter_ignore(out, NULL, why ? why : "an empty list");
	return ORDEX_OK;
}

/* A webhook event envelope; name is its type after "zen:event-type:". */
static int map_event(struct ctx *c, const struct ordex_json *env, const char *name)
{
	struct ordex_adapter_output *out = c->out;
	struct ordex_arena *a = out->a;

	out->event_id = ordex__str(env, "id");
	if (strncmp(name, "ticket.", 7) != 0) {
		char domain[33];
		size_t n = 0;
		while (n < sizeof(domain) - 1 && (is_alpha(at(name + n)) || name[n] == '_'))
			domain[n] = (char)lower(at(name + n)), n++;
		domain[n] = '\0';
		ordex_adapter_ignore(
		    out, n ? ordex_arena_printf(a, "%s_event", domain) : "event",
		    ordex_arena_printf(a, "a \"%s\" event does not concern orders", name));
		return ORDEX_OK;
	}
	const char *what = name + 7;
	bool used = false;
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(used_events) && !used; i++)
		used = strcmp(what, used_events[i]) == 0;
	if (!used) {
		ordex_adapter_ignore(
		    out, "ticket_event",
		    ordex_arena_printf(a, "\"%s\" does not change what ordex keeps of a ticket",
		                       name));
		return ORDEX_OK;
	}
	const struct ordex_json *detail = ordex_json_get(env, "detail");
	if (!detail || detail->type != ORDEX_JSON_OBJECT) {
		out->kind = "ticket_event";
		ordex_adapter_missing(out, field(c, "detail"),
		                      detail ? "must be an object" : "is required");
		return ORDEX_OK;
	}
	struct ctx sub = *c;
	sub.where = ordex_arena_printf(a, "%sdetail.", c->where);
	return map_ticket(&sub, detail, env, env, what);
}

static bool url_has(const struct ordex_json *o, const char *part)
{
	const char *u = ordex__str(o, "url");
	return u && strstr(u, part);
}

/* An object on its own: told apart by its members. */
static int map_object(struct ctx *c, const struct ordex_json *o)
{
	struct ordex_adapter_output *out = c->out;

	if (!o || o->type != ORDEX_JSON_OBJECT) {
		if (o && o->type == ORDEX_JSON_ARRAY && !c->where[0])
			return map_list(c, "", -1, o, NULL);
		ordex_adapter_ignore(out, "unknown", "a Zendesk payload is a JSON object");
		return ORDEX_OK;
	}
	const char *type = ordex__str(o, "type");
	if (type && strncmp(type, EVENT_PREFIX, strlen(EVENT_PREFIX)) == 0)
		return map_event(c, o, type + strlen(EVENT_PREFIX));
	for (int s = 0; s < (int)ORDEX_ARRAY_LEN(shapes); s++) {
		const struct ordex_json *arr = ordex_json_get(o, shapes[s].list);
		if (arr && arr->type == ORDEX_JSON_ARRAY)
			return map_list(c, shapes[s].list, s, arr, ordex_json_get(o, "users"));
	}
	/* {"ticket": ..., "audit": ...} answers a create or an update: the ticket says it all */
	for (int s = 0; s < (int)ORDEX_ARRAY_LEN(shapes); s++) {
		const struct ordex_json *one = ordex_json_get(o, shapes[s].one);
		if (one && (one->type == ORDEX_JSON_OBJECT || !shapes[s].why)) {
			struct ctx sub = *c;
			sub.where = ordex_arena_printf(out->a, "%s%s.", c->where, shapes[s].one);
			const struct ordex_json *users = ordex_json_get(o, "users");
			if (users && users->type == ORDEX_JSON_ARRAY)
				sub.users = users;
			return map_shape(&sub, s, one, o);
		}
	}
	if (has(o, "reply_time_in_minutes") || has(o, "full_resolution_time_in_minutes") ||
	    url_has(o, "/ticket_metrics/"))
		return map_shape(c, SHAPE_METRIC, o, NULL);
	if (has(o, "cause") || url_has(o, "/suspended_tickets/"))
		return map_shape(c, SHAPE_SUSPENDED, o, NULL);
	if (url_has(o, "/ticket_fields/") ||
	    (has(o, "title") && has(o, "type") && !has(o, "subject") && !has(o, "status")))
		return map_shape(c, SHAPE_FIELD, o, NULL);
	const struct ordex_json *events = ordex_json_get(o, "events");
	if (has(o, "ticket_id") && events && events->type == ORDEX_JSON_ARRAY)
		return map_shape(c, SHAPE_AUDIT, o, NULL);
	static const char *const ticket_members[] = {"subject",   "raw_subject", "description",
	                                             "status",    "priority",    "requester_id",
	                                             "requester", "tags",        "custom_fields"};
	bool ticket = url_has(o, "/tickets/");
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(ticket_members) && !ticket; i++)
		ticket = has(o, ticket_members[i]);
	if (ticket)
		return map_shape(c, SHAPE_TICKET, o, NULL);
	ordex_adapter_ignore(out, "unknown",
	                     "not a Zendesk ticket, ticket event or audit ordex recognizes");
	return ORDEX_OK;
}

static int map(const struct ordex_adapter_input *in, struct ordex_adapter_output *out)
{
	struct ctx c = {.in = in, .out = out, .where = ""};
	int rc = map_object(&c, in->body);
	if (!out->event_id && in->delivery_id)
		out->event_id = in->delivery_id;
	return rc;
}

const struct ordex_adapter ordex_adapter_zendesk = {"zendesk", map};
