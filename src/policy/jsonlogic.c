/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonlogic.c - a JsonLogic evaluator (see jsonlogic.h).
 *
 * The rule is walked as parsed (struct ordex_json). Values during
 * evaluation are struct val: JavaScript's types as json-logic-js sees them
 * (undefined for a missing argument, null, booleans, numbers as doubles,
 * strings, arrays), with objects of the data or the rule kept as their JSON
 * node and the objects reduce builds ({current, accumulator}) as a small map.
 * The coercions follow ECMAScript: ToNumber, ToPrimitive (an array is its
 * elements joined with commas), Number::toString for cat and var paths,
 * abstract equality and relational comparison. Strings are UTF-8 and
 * substr counts code points.
 */
#include "policy/jsonlogic.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/json.h"

enum vt { V_UNDEF, V_NULL, V_BOOL, V_NUM, V_STR, V_ARR, V_OBJ, V_MAP };

struct val {
	enum vt t;
	bool b;
	double n;
	const char *s; /* V_STR: not NUL-terminated */
	size_t len;
	struct val *items; /* V_ARR; V_MAP: the values */
	size_t count;
	const char **keys;            /* V_MAP */
	const struct ordex_json *obj; /* V_OBJ */
};

#define MAX_PATH 32

struct ctx {
	struct ordex_arena *a;
	size_t steps, max_steps, base, max_bytes;
	size_t *budget;
	int max_depth;
	int rc;
	struct ordex_jl_error *err;
	/* where the evaluation is: one operation and argument index per level */
	const char *op_at[MAX_PATH];
	int arg_at[MAX_PATH];
	int depth;
	int nest; /* of the value being converted */
};

static const struct val UNDEF = {.t = V_UNDEF};
static const struct val JNULL = {.t = V_NULL};

static struct val num(double n)
{
	return (struct val){.t = V_NUM, .n = n};
}

static struct val boolean(bool b)
{
	return (struct val){.t = V_BOOL, .b = b};
}

static struct val str(const char *s, size_t n)
{
	return (struct val){.t = V_STR, .s = s, .len = n};
}

static void fail(struct ctx *c, int rc, const char *fmt, ...);

/*
 * Whether n more bytes fit the evaluation's bound; checked before every
 * allocation whose size a rule controls (a value doubled by cat in a reduce
 * grows fast, and a check every few steps would come too late).
 */
static bool room(struct ctx *c, size_t n)
{
	if (c->rc)
		return false;
	if (ordex_arena_used(c->a) - c->base + n > c->max_bytes) {
		fail(c, ORDEX_E_TOOBIG, "the rule's values grow past %zu bytes", c->max_bytes);
		return false;
	}
	return true;
}

static void where(const struct ctx *c, char *out, size_t n)
{
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < c->depth && i < MAX_PATH && o + 1 < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s[%d]", i && c->op_at[i][0] ? "." : "",
		                      c->op_at[i], c->arg_at[i]);
}

static void fail(struct ctx *c, int rc, const char *fmt, ...)
{
	if (c->rc)
		return;
	c->rc = rc;
	where(c, c->err->path, sizeof(c->err->path));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
}

/* Counts a step; false once a bound is reached (the error is set). */
static bool step(struct ctx *c)
{
	if (c->rc)
		return false;
	if (++c->steps > c->max_steps) {
		fail(c, ORDEX_E_TOOBIG, "the rule takes more than %zu steps", c->max_steps);
		return false;
	}
	if (c->budget && !(*c->budget)--) {
		*c->budget = 0;
		fail(c, ORDEX_E_TOOBIG, "the rules take more steps than one input may");
		return false;
	}
	if ((c->steps & 63) == 0 && ordex_arena_used(c->a) - c->base > c->max_bytes) {
		fail(c, ORDEX_E_TOOBIG, "the rule's values grow past %zu bytes", c->max_bytes);
		return false;
	}
	return true;
}

/* ---- JavaScript's conversions ----------------------------------------- */

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* ECMAScript StringToNumber: the whole string, trimmed, or NaN. */
static double string_to_number(const char *s, size_t n)
{
	while (n && is_space(*s))
		s++, n--;
	while (n && is_space(s[n - 1]))
		n--;
	if (!n)
		return 0;
	char buf[128];
	if (n >= sizeof(buf))
		return NAN;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
		double v = 0;
		for (size_t i = 2; i < n; i++) {
			char ch = buf[i];
			int d = ch >= '0' && ch <= '9'   ? ch - '0'
			        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
			                                 : -1;
			if (d < 0)
				return NAN;
			v = v * 16 + d;
		}
		return v;
	}
	const char *p = buf;
	if (*p == '+' || *p == '-')
		p++;
	if (!strcmp(p, "Infinity"))
		return buf[0] == '-' ? -INFINITY : INFINITY;
	for (const char *q = p; *q; q++)
		if (!((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' ||
		      *q == '+' || *q == '-'))
			return NAN;
	char *end;
	double v = strtod(buf, &end);
	return *end ? NAN : v;
}

/* parseFloat: the longest decimal prefix after leading space, or NaN. */
static double parse_float_prefix(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && is_space(s[i]))
		i++;
	size_t start = i;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (n - i >= 8 && !memcmp(s + i, "Infinity", 8))
		return s[start] == '-' ? -INFINITY : INFINITY;
	size_t digits = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (!digits)
		return NAN;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < n && s[j] >= '0' && s[j] <= '9') {
			while (j < n && s[j] >= '0' && s[j] <= '9')
				j++;
			i = j;
		}
	}
	char buf[128];
	size_t len = i - start < sizeof(buf) - 1 ? i - start : sizeof(buf) - 1;
	memcpy(buf, s + start, len);
	buf[len] = '\0';
	return strtod(buf, NULL);
}

/* Number::toString: the shortest digits that read back, laid out as JavaScript does. */
static size_t number_text(double v, char *out, size_t n)
{
	if (isnan(v))
		return (size_t)snprintf(out, n, "NaN");
	if (isinf(v))
		return (size_t)snprintf(out, n, v < 0 ? "-Infinity" : "Infinity");
	if (v == 0)
		return (size_t)snprintf(out, n, "0");
	char e[40];
	int p;
	for (p = 1; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	/* e is [-]d[.ddd]e[+-]xx: the digits and the exponent */
	bool neg = e[0] == '-';
	char digits[24];
	size_t k = 0;
	const char *q = e + neg;
	for (; *q && *q != 'e'; q++)
		if (*q >= '0' && *q <= '9')
			digits[k++] = *q;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	digits[k] = '\0';
	int x = atoi(q + 1) + 1; /* value = 0.digits * 10^x */
	size_t o = 0;
	if (neg)
		out[o++] = '-';
#define PUTC(ch)                                                                                   \
	do {                                                                                       \
		if (o + 1 < n)                                                                     \
			out[o++] = (ch);                                                           \
	} while (0)
	if ((int)k <= x && x <= 21) {
		for (size_t i = 0; i < k; i++)
			PUTC(digits[i]);
		for (int i = (int)k; i < x; i++)
			PUTC('0');
	} else if (0 < x && x <= 21) {
		for (size_t i = 0; i < k; i++) {
			if ((int)i == x)
				PUTC('.');
			PUTC(digits[i]);
		}
	} else if (-6 < x && x <= 0) {
		PUTC('0');
		PUTC('.');
		for (int i = 0; i < -x; i++)
			PUTC('0');
		for (size_t i = 0; i < k; i++)
			PUTC(digits[i]);
	} else {
		PUTC(digits[0]);
		if (k > 1) {
			PUTC('.');
			for (size_t i = 1; i < k; i++)
				PUTC(digits[i]);
		}
		o += (size_t)snprintf(out + o, n > o ? n - o : 0, "e%c%d", x - 1 < 0 ? '-' : '+',
		                      abs(x - 1));
	}
#undef PUTC
	if (o >= n)
		o = n - 1;
	out[o] = '\0';
	return o;
}

static struct val to_string(struct ctx *c, struct val v);

/* Values nest at most this deep (a reduce can nest its accumulator): the
 * JSON they become is read back by a parser with a depth limit of 64. */
#define MAX_NEST 48

static struct val to_primitive(struct ctx *c, struct val v)
{
	if (v.t == V_ARR || v.t == V_OBJ || v.t == V_MAP)
		return to_string(c, v);
	return v;
}

static double to_number(struct ctx *c, struct val v)
{
	switch (v.t) {
	case V_UNDEF: return NAN;
	case V_NULL: return 0;
	case V_BOOL: return v.b ? 1 : 0;
	case V_NUM: return v.n;
	case V_STR: return string_to_number(v.s, v.len);
	default: return to_number(c, to_primitive(c, v));
	}
}

static struct val to_string(struct ctx *c, struct val v)
{
	char tmp[64];
	switch (v.t) {
	case V_UNDEF: return str("undefined", 9);
	case V_NULL: return str("null", 4);
	case V_BOOL: return v.b ? str("true", 4) : str("false", 5);
	case V_NUM: {
		size_t n = number_text(v.n, tmp, sizeof(tmp));
		return str(ordex_arena_strndup(c->a, tmp, n), n);
	}
	case V_STR: return v;
	case V_OBJ:
	case V_MAP: return str("[object Object]", 15);
	case V_ARR: break;
	}
	/* Array.prototype.join(","): null and undefined elements are empty */
	if (++c->nest > MAX_NEST) {
		fail(c, ORDEX_E_TOOBIG, "a value nests deeper than %d", MAX_NEST);
		c->nest--;
		return str("", 0);
	}
	size_t total = 0;
	if (!room(c, sizeof(struct val) * v.count)) {
		c->nest--;
		return str("", 0);
	}
	struct val *parts = ordex_arena_alloc(c->a, sizeof(*parts) * (v.count ? v.count : 1));
	for (size_t i = 0; i < v.count; i++) {
		struct val e = v.items[i];
		parts[i] = e.t == V_UNDEF || e.t == V_NULL ? str("", 0) : to_string(c, e);
		total += parts[i].len + (i ? 1 : 0);
	}
	if (!room(c, total + 1)) {
		c->nest--;
		return str("", 0);
	}
	char *out = ordex_arena_alloc(c->a, total + 1), *p = out;
	for (size_t i = 0; i < v.count; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, parts[i].s, parts[i].len);
		p += parts[i].len;
	}
	*p = '\0';
	c->nest--;
	return str(out, total);
}

static bool truthy(struct val v)
{
	switch (v.t) {
	case V_UNDEF:
	case V_NULL: return false;
	case V_BOOL: return v.b;
	case V_NUM: return v.n != 0 && !isnan(v.n);
	case V_STR: return v.len > 0;
	case V_ARR: return v.count > 0;
	default: return true;
	}
}

static bool same_string(struct val x, struct val y)
{
	return x.len == y.len && (x.len == 0 || memcmp(x.s, y.s, x.len) == 0);
}

/* === */
static bool strict_eq(struct val x, struct val y)
{
	if (x.t != y.t)
		return false;
	switch (x.t) {
	case V_UNDEF:
	case V_NULL: return true;
	case V_BOOL: return x.b == y.b;
	case V_NUM: return x.n == y.n;
	case V_STR: return same_string(x, y);
	case V_ARR: return x.items == y.items && x.count == y.count;
	case V_OBJ: return x.obj == y.obj;
	case V_MAP: return x.keys == y.keys && x.items == y.items;
	}
	return false;
}

/* == (the abstract equality comparison) */
static bool loose_eq(struct ctx *c, struct val x, struct val y)
{
	bool xn = x.t == V_UNDEF || x.t == V_NULL, yn = y.t == V_UNDEF || y.t == V_NULL;
	if (xn || yn)
		return xn && yn;
	if (x.t == y.t)
		return strict_eq(x, y);
	if (x.t == V_BOOL)
		return loose_eq(c, num(x.b ? 1 : 0), y);
	if (y.t == V_BOOL)
		return loose_eq(c, x, num(y.b ? 1 : 0));
	if (x.t == V_NUM && y.t == V_STR)
		return x.n == string_to_number(y.s, y.len);
	if (x.t == V_STR && y.t == V_NUM)
		return string_to_number(x.s, x.len) == y.n;
	bool xo = x.t == V_ARR || x.t == V_OBJ || x.t == V_MAP;
	bool yo = y.t == V_ARR || y.t == V_OBJ || y.t == V_MAP;
	if (xo && !yo)
		return loose_eq(c, to_primitive(c, x), y);
	if (yo && !xo)
		return loose_eq(c, x, to_primitive(c, y));
	return false;
}

/* x < y: 1, 0, or -1 when undefined (a NaN on either side) */
static int less(struct ctx *c, struct val x, struct val y)
{
	struct val px = to_primitive(c, x), py = to_primitive(c, y);
	if (px.t == V_STR && py.t == V_STR) {
		size_t n = px.len < py.len ? px.len : py.len;
		int d = n ? memcmp(px.s, py.s, n) : 0;
		return d < 0 || (d == 0 && px.len < py.len);
	}
	double a = to_number(c, px), b = to_number(c, py);
	if (isnan(a) || isnan(b))
		return -1;
	return a < b;
}

static bool lt(struct ctx *c, struct val x, struct val y)
{
	return less(c, x, y) == 1;
}

static bool le(struct ctx *c, struct val x, struct val y)
{
	return less(c, y, x) == 0;
}

/* ---- values from JSON and back ------------------------------------------ */

static struct val from_json(struct ctx *c, const struct ordex_json *j)
{
	switch (j->type) {
	case ORDEX_JSON_NULL: return JNULL;
	case ORDEX_JSON_FALSE: return boolean(false);
	case ORDEX_JSON_TRUE: return boolean(true);
	case ORDEX_JSON_NUMBER: return num(strtod(j->str, NULL));
	case ORDEX_JSON_STRING: return str(j->str, j->len);
	case ORDEX_JSON_OBJECT: return (struct val){.t = V_OBJ, .obj = j};
	case ORDEX_JSON_ARRAY: break;
	}
	struct val v = {.t = V_ARR, .count = j->count};
	if (!room(c, sizeof(*v.items) * j->count))
		return (struct val){.t = V_ARR};
	v.items = ordex_arena_alloc(c->a, sizeof(*v.items) * (j->count ? j->count : 1));
	size_t i = 0;
	for (const struct ordex_json *e = j->child; e; e = e->next)
		v.items[i++] = from_json(c, e);
	return v;
}

static int json_depth(const struct ordex_json *j)
{
	int d = 0;
	if (j->type == ORDEX_JSON_ARRAY || j->type == ORDEX_JSON_OBJECT)
		for (const struct ordex_json *e = j->child; e; e = e->next) {
			int k = json_depth(e);
			if (k > d)
				d = k;
		}
	return d + (j->type == ORDEX_JSON_ARRAY || j->type == ORDEX_JSON_OBJECT);
}

/* The value as JSON in a, or NULL when it nests deeper than MAX_NEST. */
static struct ordex_json *to_json(struct ordex_arena *a, struct val v, int depth)
{
	if (depth > MAX_NEST)
		return NULL;
	struct ordex_json *j = ordex_arena_zalloc(a, sizeof(*j));
	switch (v.t) {
	case V_UNDEF:
	case V_NULL: j->type = ORDEX_JSON_NULL; break;
	case V_BOOL: j->type = v.b ? ORDEX_JSON_TRUE : ORDEX_JSON_FALSE; break;
	case V_NUM: {
		if (isnan(v.n) || isinf(v.n)) { /* JSON has neither: JSON.stringify's null */
			j->type = ORDEX_JSON_NULL;
			break;
		}
		char t[64];
		size_t n = number_text(v.n, t, sizeof(t));
		j->type = ORDEX_JSON_NUMBER;
		j->str = ordex_arena_strndup(a, t, n);
		j->len = n;
		break;
	}
	case V_STR:
		j->type = ORDEX_JSON_STRING;
		j->str = ordex_arena_strndup(a, v.s, v.len);
		j->len = v.len;
		break;
	case V_OBJ: return depth + json_depth(v.obj) > MAX_NEST ? NULL : (struct ordex_json *)v.obj;
	case V_ARR:
	case V_MAP: {
		j->type = v.t == V_ARR ? ORDEX_JSON_ARRAY : ORDEX_JSON_OBJECT;
		j->count = v.count;
		struct ordex_json **tail = &j->child;
		for (size_t i = 0; i < v.count; i++) {
			/* linked through a node of its own: the value may be the data's */
			struct ordex_json *m = ordex_arena_alloc(a, sizeof(*m));
			struct ordex_json *e = to_json(a, v.items[i], depth + 1);
			if (!e)
				return NULL;
			*m = *e;
			m->key = v.t == V_MAP ? v.keys[i] : NULL;
			m->key_len = v.t == V_MAP ? strlen(v.keys[i]) : 0;
			m->next = NULL;
			*tail = m;
			tail = &m->next;
		}
		break;
	}
	}
	return j;
}

/* ---- the operations ------------------------------------------------------ */

static struct val eval(struct ctx *c, const struct ordex_json *rule, struct val data);

static struct val arg(const struct val *v, size_t n, size_t i)
{
	return i < n ? v[i] : UNDEF;
}

/* data[key] for one segment of a var path; UNDEF when it is not there */
static struct val member(struct ctx *c, struct val data, const char *key, size_t n)
{
	if (data.t == V_OBJ) {
		for (const struct ordex_json *m = data.obj->child; m; m = m->next)
			if (m->key_len == n && !memcmp(m->key, key, n))
				return from_json(c, m);
		return UNDEF;
	}
	if (data.t == V_MAP) {
		for (size_t i = 0; i < data.count; i++)
			if (strlen(data.keys[i]) == n && !memcmp(data.keys[i], key, n))
				return data.items[i];
		return UNDEF;
	}
	if (data.t == V_ARR) {
		if (!n || n > 18)
			return UNDEF;
		size_t idx = 0;
		for (size_t i = 0; i < n; i++) {
			if (key[i] < '0' || key[i] > '9')
				return UNDEF;
			idx = idx * 10 + (size_t)(key[i] - '0');
		}
		if (n > 1 && key[0] == '0')
			return UNDEF;
		return idx < data.count ? data.items[idx] : UNDEF;
	}
	return UNDEF;
}

static struct val var(struct ctx *c, struct val data, struct val path, struct val fallback)
{
	struct val not_found = fallback.t == V_UNDEF ? JNULL : fallback;
	if (path.t == V_UNDEF || path.t == V_NULL || (path.t == V_STR && !path.len))
		return data;
	struct val p = to_string(c, path);
	size_t i = 0;
	for (;;) {
		size_t j = i;
		while (j < p.len && p.s[j] != '.')
			j++;
		if (data.t == V_UNDEF || data.t == V_NULL)
			return not_found;
		data = member(c, data, p.s + i, j - i);
		if (data.t == V_UNDEF)
			return not_found;
		if (j >= p.len)
			return data;
		i = j + 1;
	}
}

static struct val array_of(struct ctx *c, size_t n)
{
	struct val v = {.t = V_ARR, .count = 0};
	if (!room(c, sizeof(*v.items) * n))
		n = 0; /* the error is set: the evaluation stops */
	v.items = ordex_arena_alloc(c->a, sizeof(*v.items) * (n ? n : 1));
	return v;
}

static struct val missing(struct ctx *c, struct val data, const struct val *keys, size_t n)
{
	struct val out = array_of(c, n);
	for (size_t i = 0; i < n && step(c); i++) {
		struct val v = var(c, data, keys[i], UNDEF);
		if (v.t == V_NULL || v.t == V_UNDEF || (v.t == V_STR && !v.len))
			out.items[out.count++] = keys[i];
	}
	return out;
}

/* UTF-8 code points of s as offsets: offs[k] is where the k-th starts */
static size_t code_points(struct ctx *c, struct val s, size_t **offs)
{
	if (!room(c, sizeof(size_t) * (s.len + 1)))
		s.len = 0;
	size_t *o = ordex_arena_alloc(c->a, sizeof(*o) * (s.len + 1));
	size_t k = 0;
	for (size_t i = 0; i < s.len; i++)
		if (((unsigned char)s.s[i] & 0xC0) != 0x80)
			o[k++] = i;
	o[k] = s.len;
	*offs = o;
	return k;
}

/* String.prototype.substr(start, length), in code points */
static struct val substr(struct ctx *c, struct val s, double start, double length, bool has_len)
{
	size_t *o;
	size_t n = code_points(c, s, &o);
	double st = isnan(start) ? 0 : trunc(start);
	if (st < 0)
		st = (double)n + st < 0 ? 0 : (double)n + st;
	if (st > (double)n)
		st = (double)n;
	double ln = !has_len ? (double)n - st : isnan(length) ? 0 : trunc(length);
	if (ln < 0)
		ln = 0;
	if (st + ln > (double)n)
		ln = (double)n - st;
	size_t from = o[(size_t)st], to = o[(size_t)(st + ln)];
	return str(s.s + from, to - from);
}

static struct val op_substr(struct ctx *c, const struct val *v, size_t n)
{
	struct val s = to_string(c, arg(v, n, 0));
	double start = to_number(c, arg(v, n, 1));
	struct val end = arg(v, n, 2);
	if (end.t != V_UNDEF) {
		double e = to_number(c, end);
		if (e < 0) {
			struct val tail = substr(c, s, start, 0, false);
			size_t *o;
			double len = (double)code_points(c, tail, &o);
			return substr(c, tail, 0, len + e, true);
		}
		return substr(c, s, start, e, true);
	}
	return substr(c, s, start, 0, false);
}

static struct val op_cat(struct ctx *c, const struct val *v, size_t n)
{
	size_t total = 0;
	struct val *parts = ordex_arena_alloc(c->a, sizeof(*parts) * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		parts[i] = to_string(c, v[i]);
		total += parts[i].len;
	}
	if (!room(c, total + 1))
		return str("", 0);
	char *out = ordex_arena_alloc(c->a, total + 1), *p = out;
	for (size_t i = 0; i < n; i++) {
		memcpy(p, parts[i].s, parts[i].len);
		p += parts[i].len;
	}
	*p = '\0';
	return str(out, total);
}

static double parse_float(struct ctx *c, struct val v)
{
	if (v.t == V_NUM)
		return v.n;
	struct val s = to_string(c, v);
	return parse_float_prefix(s.s, s.len);
}

static struct val op_in(struct ctx *c, struct val a, struct val b)
{
	if (b.t == V_STR) {
		if (!b.len)
			return boolean(false);
		struct val needle = to_string(c, a);
		if (!needle.len)
			return boolean(true);
		for (size_t i = 0; i + needle.len <= b.len; i++)
			if (!memcmp(b.s + i, needle.s, needle.len))
				return boolean(true);
		return boolean(false);
	}
	if (b.t == V_ARR) {
		for (size_t i = 0; i < b.count; i++)
			if (strict_eq(a, b.items[i]))
				return boolean(true);
	}
	return boolean(false);
}

static struct val op_merge(struct ctx *c, const struct val *v, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += v[i].t == V_ARR ? v[i].count : 1;
	struct val out = array_of(c, total);
	for (size_t i = 0; i < n; i++) {
		if (v[i].t == V_ARR)
			for (size_t k = 0; k < v[i].count; k++)
				out.items[out.count++] = v[i].items[k];
		else
			out.items[out.count++] = v[i];
	}
	return out;
}

/* The operations with evaluated arguments, by name. */
static struct val apply_op(struct ctx *c, const char *op, const struct val *v, size_t n,
                           struct val data)
{
	struct val a = arg(v, n, 0), b = arg(v, n, 1);
	if (!strcmp(op, "=="))
		return boolean(loose_eq(c, a, b));
	if (!strcmp(op, "==="))
		return boolean(strict_eq(a, b));
	if (!strcmp(op, "!="))
		return boolean(!loose_eq(c, a, b));
	if (!strcmp(op, "!=="))
		return boolean(!strict_eq(a, b));
	if (!strcmp(op, ">"))
		return boolean(lt(c, b, a));
	if (!strcmp(op, ">="))
		return boolean(le(c, b, a));
	if (!strcmp(op, "<")) {
		struct val z = arg(v, n, 2);
		return boolean(z.t == V_UNDEF ? lt(c, a, b) : lt(c, a, b) && lt(c, b, z));
	}
	if (!strcmp(op, "<=")) {
		struct val z = arg(v, n, 2);
		return boolean(z.t == V_UNDEF ? le(c, a, b) : le(c, a, b) && le(c, b, z));
	}
	if (!strcmp(op, "!!"))
		return boolean(truthy(a));
	if (!strcmp(op, "!"))
		return boolean(!truthy(a));
	if (!strcmp(op, "%"))
		return num(fmod(to_number(c, a), to_number(c, b)));
	if (!strcmp(op, "log"))
		return a;
	if (!strcmp(op, "in"))
		return op_in(c, a, b);
	if (!strcmp(op, "cat"))
		return op_cat(c, v, n);
	if (!strcmp(op, "substr"))
		return op_substr(c, v, n);
	if (!strcmp(op, "+")) {
		double s = 0;
		for (size_t i = 0; i < n; i++)
			s += parse_float(c, v[i]);
		return num(s);
	}
	if (!strcmp(op, "*")) {
		if (!n) {
			fail(c, ORDEX_E_INVAL, "\"*\" needs at least one value");
			return JNULL;
		}
		if (n == 1)
			return v[0]; /* reduce without an initial value: the value itself */
		double p = parse_float(c, v[0]);
		for (size_t i = 1; i < n; i++)
			p *= parse_float(c, v[i]);
		return num(p);
	}
	if (!strcmp(op, "-"))
		return b.t == V_UNDEF ? num(-to_number(c, a))
		                      : num(to_number(c, a) - to_number(c, b));
	if (!strcmp(op, "/"))
		return num(to_number(c, a) / to_number(c, b));
	if (!strcmp(op, "min") || !strcmp(op, "max")) {
		bool mn = op[1] == 'i';
		double r = mn ? INFINITY : -INFINITY;
		for (size_t i = 0; i < n; i++) {
			double x = to_number(c, v[i]);
			if (isnan(x))
				return num(NAN);
			if (mn ? x < r : x > r)
				r = x;
		}
		return num(r);
	}
	if (!strcmp(op, "merge"))
		return op_merge(c, v, n);
	if (!strcmp(op, "var"))
		return var(c, data, a, b);
	if (!strcmp(op, "missing")) {
		if (a.t == V_ARR)
			return missing(c, data, a.items, a.count);
		return missing(c, data, v, n);
	}
	if (!strcmp(op, "missing_some")) {
		double need = to_number(c, a);
		if (b.t != V_ARR)
			return array_of(c, 0);
		struct val m = missing(c, data, b.items, b.count);
		if ((double)(b.count - m.count) >= need)
			return array_of(c, 0);
		return m;
	}
	fail(c, ORDEX_E_INVAL, "unknown operation \"%s\"", op);
	return JNULL;
}

static bool known_op(const char *op)
{
	static const char *const ops[] = {"==",  "===",    "!=",  "!==",     ">",
	                                  "<=",  "<",      ">=",  "!!",      "!",
	                                  "%",   "log",    "in",  "cat",     "substr",
	                                  "+",   "*",      "-",   "/",       "min",
	                                  "max", "merge",  "var", "missing", "missing_some",
	                                  "if",  "?:",     "and", "or",      "filter",
	                                  "map", "reduce", "all", "none",    "some"};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i], op))
			return true;
	return false;
}

/* An object with exactly one member is an operation. */
static bool is_logic(const struct ordex_json *j)
{
	return j->type == ORDEX_JSON_OBJECT && j->count == 1;
}

/* The arguments of an operation as nodes: its array, or the one value. */
static size_t args_of(const struct ordex_json *op, const struct ordex_json ***out,
                      struct ordex_arena *a)
{
	const struct ordex_json *v = op->child;
	if (v->type != ORDEX_JSON_ARRAY) {
		const struct ordex_json **one = ordex_arena_alloc(a, sizeof(*one));
		one[0] = v;
		*out = one;
		return 1;
	}
	const struct ordex_json **list =
	    ordex_arena_alloc(a, sizeof(*list) * (v->count ? v->count : 1));
	size_t n = 0;
	for (const struct ordex_json *e = v->child; e; e = e->next)
		list[n++] = e;
	*out = list;
	return n;
}

static struct val eval_at(struct ctx *c, const char *op, int i, const struct ordex_json *rule,
                          struct val data)
{
	if (c->depth < MAX_PATH) {
		c->op_at[c->depth] = op;
		c->arg_at[c->depth] = i;
	}
	c->depth++;
	struct val v = eval(c, rule, data);
	c->depth--;
	return v;
}

/* filter, map, all, none, some: the data to iterate (an array, or nothing) */
static struct val scoped(struct ctx *c, const char *op, const struct ordex_json **args, size_t n,
                         struct val data)
{
	struct val s = n ? eval_at(c, op, 0, args[0], data) : UNDEF;
	return s.t == V_ARR ? s : array_of(c, 0);
}

static struct val filter(struct ctx *c, const char *op, const struct ordex_json **args, size_t n,
                         struct val data)
{
	struct val s = scoped(c, op, args, n, data);
	struct val out = array_of(c, s.count);
	for (size_t i = 0; i < s.count && n > 1 && step(c); i++)
		if (truthy(eval_at(c, op, 1, args[1], s.items[i])))
			out.items[out.count++] = s.items[i];
	return out;
}

static struct val control(struct ctx *c, const char *op, const struct ordex_json **args, size_t n,
                          struct val data, bool *done)
{
	*done = true;
	if (!strcmp(op, "if") || !strcmp(op, "?:")) {
		size_t i;
		for (i = 0; i + 1 < n; i += 2)
			if (truthy(eval_at(c, op, (int)i, args[i], data)))
				return eval_at(c, op, (int)i + 1, args[i + 1], data);
		if (n == i + 1)
			return eval_at(c, op, (int)i, args[i], data);
		return JNULL;
	}
	if (!strcmp(op, "and") || !strcmp(op, "or")) {
		bool is_and = op[0] == 'a';
		struct val cur = UNDEF;
		for (size_t i = 0; i < n && !c->rc; i++) {
			cur = eval_at(c, op, (int)i, args[i], data);
			if (truthy(cur) != is_and)
				return cur;
		}
		return cur;
	}
	if (!strcmp(op, "filter"))
		return filter(c, op, args, n, data);
	if (!strcmp(op, "map")) {
		struct val s = scoped(c, op, args, n, data);
		struct val out = array_of(c, s.count);
		for (size_t i = 0; i < s.count && step(c); i++)
			out.items[out.count++] =
			    n > 1 ? eval_at(c, op, 1, args[1], s.items[i]) : JNULL;
		return out;
	}
	if (!strcmp(op, "reduce")) {
		struct val s = n ? eval_at(c, op, 0, args[0], data) : UNDEF;
		struct val acc = n > 2 ? eval_at(c, op, 2, args[2], data) : JNULL;
		if (s.t != V_ARR)
			return acc;
		static const char *keys[2] = {"current", "accumulator"};
		for (size_t i = 0; i < s.count && n > 1 && step(c); i++) {
			struct val *pair = ordex_arena_alloc(c->a, sizeof(*pair) * 2);
			pair[0] = s.items[i];
			pair[1] = acc;
			struct val scope = {.t = V_MAP, .keys = keys, .items = pair, .count = 2};
			acc = eval_at(c, op, 1, args[1], scope);
		}
		return acc;
	}
	if (!strcmp(op, "all")) {
		struct val s = scoped(c, op, args, n, data);
		if (!s.count)
			return boolean(false);
		for (size_t i = 0; i < s.count && step(c); i++)
			if (n < 2 || !truthy(eval_at(c, op, 1, args[1], s.items[i])))
				return boolean(false);
		return boolean(true);
	}
	if (!strcmp(op, "none"))
		return boolean(filter(c, op, args, n, data).count == 0);
	if (!strcmp(op, "some"))
		return boolean(filter(c, op, args, n, data).count > 0);
	*done = false;
	return UNDEF;
}

static const struct ordex_json empty_object = {.type = ORDEX_JSON_OBJECT};

static struct val eval(struct ctx *c, const struct ordex_json *rule, struct val data)
{
	if (!step(c))
		return JNULL;
	if (c->depth > c->max_depth) {
		fail(c, ORDEX_E_TOOBIG, "the rule is nested deeper than %d", c->max_depth);
		return JNULL;
	}
	if (rule->type == ORDEX_JSON_ARRAY) {
		struct val out = array_of(c, rule->count);
		int i = 0;
		for (const struct ordex_json *e = rule->child; e && !c->rc; e = e->next)
			out.items[out.count++] = eval_at(c, "", i++, e, data);
		return out;
	}
	if (!is_logic(rule))
		return from_json(c, rule);
	/* json-logic-js: data = data || {} */
	if (!truthy(data) && data.t != V_ARR)
		data = (struct val){.t = V_OBJ, .obj = &empty_object};
	const char *op = rule->child->key;
	const struct ordex_json **args;
	size_t n = args_of(rule, &args, c->a);
	bool done;
	struct val v = control(c, op, args, n, data, &done);
	if (done)
		return v;
	struct val *vals = ordex_arena_alloc(c->a, sizeof(*vals) * (n ? n : 1));
	for (size_t i = 0; i < n && !c->rc; i++)
		vals[i] = eval_at(c, op, (int)i, args[i], data);
	if (c->rc)
		return JNULL;
	return apply_op(c, op, vals, n, data);
}

static void limits_of(const struct ordex_jl_limits *lim, struct ctx *c)
{
	c->max_depth = lim && lim->max_depth ? lim->max_depth : 32;
	c->max_steps = lim && lim->max_steps ? lim->max_steps : 100000;
	c->max_bytes = lim && lim->max_bytes ? lim->max_bytes : (size_t)1 << 20;
}

int ordex_jl_eval(struct ordex_arena *a, const struct ordex_json *rule,
                  const struct ordex_json *data, const struct ordex_jl_limits *lim,
                  struct ordex_json **out, struct ordex_jl_error *err)
{
	struct ordex_jl_error scratch;
	struct ctx c = {.a = a, .err = err ? err : &scratch, .base = ordex_arena_used(a)};
	limits_of(lim, &c);
	c.budget = lim ? lim->budget : NULL;
	c.err->path[0] = c.err->msg[0] = '\0';
	struct val d = data ? from_json(&c, data) : (struct val){.t = V_OBJ, .obj = &empty_object};
	struct val v = eval(&c, rule, d);
	if (c.rc)
		return c.rc;
	if (!(*out = to_json(a, v, 0))) {
		snprintf(c.err->msg, sizeof(c.err->msg), "the result nests deeper than %d",
		         MAX_NEST);
		return ORDEX_E_TOOBIG;
	}
	return ORDEX_OK;
}

/* ---- checking a rule before it is stored --------------------------------- */

static int check(const struct ordex_json *j, int depth, int max, char *path, size_t plen,
                 struct ordex_jl_error *err)
{
	if (depth > max) {
		snprintf(err->path, sizeof(err->path), "%s", path);
		snprintf(err->msg, sizeof(err->msg), "the rule is nested deeper than %d", max);
		return ORDEX_E_INVAL;
	}
	size_t len = strlen(path);
	if (j->type == ORDEX_JSON_ARRAY) {
		int i = 0;
		for (const struct ordex_json *e = j->child; e; e = e->next, i++) {
			snprintf(path + len, plen - len, "[%d]", i);
			int rc = check(e, depth + 1, max, path, plen, err);
			if (rc)
				return rc;
		}
		path[len] = '\0';
		return ORDEX_OK;
	}
	if (!is_logic(j))
		return ORDEX_OK;
	const struct ordex_json *m = j->child;
	if (!known_op(m->key)) {
		snprintf(err->path, sizeof(err->path), "%s", path);
		snprintf(err->msg, sizeof(err->msg), "\"%.60s\" is not a JsonLogic operation",
		         m->key);
		return ORDEX_E_INVAL;
	}
	snprintf(path + len, plen - len, "%s%s", len ? "." : "", m->key);
	int rc = check(m, depth + 1, max, path, plen, err);
	path[len] = '\0';
	return rc;
}

int ordex_jl_check(const struct ordex_json *rule, const struct ordex_jl_limits *lim,
                   struct ordex_jl_error *err)
{
	struct ctx c;
	limits_of(lim, &c);
	char path[160] = "";
	return check(rule, 0, c.max_depth, path, sizeof(path), err);
}

/* ---- JSON values ------------------------------------------------------------ */

bool ordex_jl_truthy(const struct ordex_json *v)
{
	switch (v->type) {
	case ORDEX_JSON_NULL:
	case ORDEX_JSON_FALSE: return false;
	case ORDEX_JSON_TRUE: return true;
	case ORDEX_JSON_NUMBER: {
		double d = strtod(v->str, NULL);
		return d != 0 && !isnan(d);
	}
	case ORDEX_JSON_STRING: return v->len > 0;
	case ORDEX_JSON_ARRAY: return v->count > 0;
	case ORDEX_JSON_OBJECT: return true;
	}
	return false;
}

bool ordex_jl_same(const struct ordex_json *x, const struct ordex_json *y)
{
	if (x->type != y->type)
		return false;
	switch (x->type) {
	case ORDEX_JSON_NUMBER: return strtod(x->str, NULL) == strtod(y->str, NULL);
	case ORDEX_JSON_STRING: return x->len == y->len && !memcmp(x->str, y->str, x->len);
	case ORDEX_JSON_ARRAY: {
		if (x->count != y->count)
			return false;
		for (const struct ordex_json *a = x->child, *b = y->child; a && b;
		     a = a->next, b = b->next)
			if (!ordex_jl_same(a, b))
				return false;
		return true;
	}
	case ORDEX_JSON_OBJECT: {
		if (x->count != y->count)
			return false;
		for (const struct ordex_json *a = x->child; a; a = a->next) {
			const struct ordex_json *b = ordex_json_get(y, a->key);
			if (!b || !ordex_jl_same(a, b))
				return false;
		}
		return true;
	}
	default: return true;
	}
}
