/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.c - strict JSON parser into an arena, and the writers.
 *
 * The parser makes one pass with an explicit stack of open containers, so
 * hostile nesting costs arena memory up to the depth limit and never C stack.
 * Each value is linked into its parent as soon as it starts; the stack then
 * knows, at any failure, the path of the value being parsed. A string is
 * scanned once to validate it and find its end (eight bytes at a time while
 * they are plain ASCII), then copied, or decoded when it holds escapes.
 *
 * Duplicate keys are found by a linear scan in small objects; an object that
 * grows past LINEAR_KEYS members gets an open-addressing table in the arena,
 * keyed with SipHash-1-3 under a per-process random key so that a crafted
 * body cannot make it quadratic.
 *
 * Error paths name object members as ".key" when the key is an identifier
 * ([A-Za-z_][A-Za-z0-9_]*) and as ["key"] otherwise (JSON escapes for '"',
 * '\' and control characters), array elements as "[i]". Keys longer than
 * PATH_KEY_MAX bytes and paths longer than the field end in "...".
 *
 * The writers emit compact JSON; a string that is not valid UTF-8 has each
 * bad byte replaced by U+FFFD, so the output is always valid JSON.
 */
#include "core/json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"

#define DEFAULT_DEPTH 64
#define LINEAR_KEYS   16 /* objects with more members get a hash table */
#define PATH_KEY_MAX  48 /* bytes of a key shown in a path */
#define MSG_VALUE_MAX 64 /* bytes of a key or token shown in a message */
#define POOL_CHUNK    1024

struct keyslot {
	uint64_t hash;
	const struct ordex_json *node;
};

struct keyset {
	struct keyslot *slot;
	size_t mask;
	size_t used;
};

struct frame {
	struct ordex_json *node; /* the open array or object */
	struct ordex_json *last; /* its last member, NULL while empty */
	struct keyset *keys;     /* duplicate index of a large object */
	bool active;             /* last is still being parsed */
};

struct parser {
	struct ordex_arena *a;
	const unsigned char *start;
	const unsigned char *p;
	const unsigned char *end;
	struct ordex_json_error *err;
	struct frame *frames;
	size_t depth;
	size_t cap;
	size_t max_depth;
	size_t nodes;     /* values parsed so far */
	size_t max_nodes; /* a bound on memory: each value is a node in the arena */
	uint64_t key[2];  /* SipHash key, fetched with the first large object */
	bool keyed;
	char *pool; /* nodes and strings are carved from arena chunks */
	char *pool_end;
	size_t pool_next;
};

/* ---- character classes ---- */

static inline bool is_digit(unsigned c)
{
	return c - '0' < 10;
}

static inline bool is_ws(unsigned c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Bytes that may continue a bad number or literal, to show it whole. */
static bool is_token(unsigned c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' || c == '.' ||
	       c == '+' || c == '-';
}

static inline void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && is_ws(*ps->p))
		ps->p++;
}

/*
 * Length of the valid UTF-8 sequence at q (lead byte >= 0x80), or 0 when it
 * is overlong, a surrogate, past U+10FFFF or truncated (RFC 3629 table 4).
 */
static size_t utf8_len(const unsigned char *q, const unsigned char *end)
{
	unsigned c = q[0];
	size_t avail = (size_t)(end - q);
	unsigned lo = 0x80, hi = 0xBF;

	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return avail >= 2 && (q[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
		return avail >= 3 && q[1] >= lo && q[1] <= hi && (q[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c < 0xF5) {
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
		if (avail < 4 || q[1] < lo || q[1] > hi)
			return 0;
		return (q[2] & 0xC0) == 0x80 && (q[3] & 0xC0) == 0x80 ? 4 : 0;
	}
	return 0;
}

static size_t utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static inline bool is_plain(unsigned c)
{
	return c - 0x20 < 0x60 && c != '"' && c != '\\';
}

/*
 * Counts the bytes at q before the first '"', '\', control byte or non-ASCII
 * byte, eight at a time: each such byte gets its high bit set in a mask.
 * Borrows can only mark bytes above the first marked one, so the lowest mark
 * is exact.
 */
static inline size_t plain_run(const unsigned char *q, const unsigned char *end)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	const unsigned char *s = q;

	while (end - q >= 8) {
		uint64_t v, quote, bslash, ctl, m;

		memcpy(&v, q, 8);
		quote = v ^ (ones * '"');
		bslash = v ^ (ones * '\\');
		ctl = (v - ones * 0x20) & ~v;
		quote = (quote - ones) & ~quote;
		bslash = (bslash - ones) & ~bslash;
		m = (v | ctl | quote | bslash) & highs;
		if (m) {
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return (size_t)(q - s) + (size_t)(__builtin_ctzll(m) >> 3);
#else
			break;
#endif
		}
		q += 8;
	}
	while (q < end && is_plain(*q))
		q++;
	return (size_t)(q - s);
}

/* ---- messages and paths ---- */

struct sbuf {
	char *d;
	size_t cap; /* including the NUL */
	size_t len;
	bool full;
};

static void sb_put(struct sbuf *sb, const char *s, size_t n)
{
	if (sb->full)
		return;
	if (n > sb->cap - 1 - sb->len) {
		n = sb->cap - 1 - sb->len;
		sb->full = true;
	}
	memcpy(sb->d + sb->len, s, n);
	sb->len += n;
	sb->d[sb->len] = '\0';
}

static void sb_puts(struct sbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

/*
 * Appends s with '"', '\' and control characters escaped, showing at most
 * max bytes of the result and "..." when it had to stop. s is valid UTF-8,
 * so stopping between characters keeps the result valid.
 */
static void sb_escaped(struct sbuf *sb, const char *s, size_t n, size_t max)
{
	size_t shown = 0;

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		char tmp[8];
		size_t k = 1, w;

		if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			w = 2;
		} else if (c < 0x20 || c == 0x7F) {
			w = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04X", c);
		} else {
			while (i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80)
				k++;
			w = 0;
		}
		if (shown + (w ? w : k) > max) {
			sb_puts(sb, "...");
			return;
		}
		if (w)
			sb_put(sb, tmp, w);
		else
			sb_put(sb, s + i, k);
		shown += w ? w : k;
		i += k;
	}
}

static bool is_ident(const char *k, size_t n)
{
	if (n == 0 || is_digit((unsigned char)k[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)k[i];
		if (!is_digit(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && c != '_')
			return false;
	}
	return true;
}

static void path_build(const struct parser *ps, char *out, size_t outsz)
{
	char tmp[sizeof(((struct ordex_json_error *)0)->path) + 64];
	struct sbuf sb = {tmp, sizeof(tmp), 0, false};
	size_t cut;

	tmp[0] = '\0';
	for (size_t i = 0; i < ps->depth && !sb.full; i++) {
		const struct frame *f = &ps->frames[i];
		const struct ordex_json *c = f->last;
		char num[32];

		if (!f->active)
			break;
		if (f->node->type == ORDEX_JSON_ARRAY) {
			snprintf(num, sizeof(num), "[%zu]", f->node->count - 1);
			sb_puts(&sb, num);
		} else if (is_ident(c->key, c->key_len)) {
			if (sb.len)
				sb_puts(&sb, ".");
			sb_escaped(&sb, c->key, c->key_len, PATH_KEY_MAX);
		} else {
			sb_puts(&sb, "[\"");
			sb_escaped(&sb, c->key, c->key_len, PATH_KEY_MAX);
			sb_puts(&sb, "\"]");
		}
	}
	if (!sb.full && sb.len < outsz) {
		memcpy(out, tmp, sb.len + 1);
		return;
	}
	/* keep a prefix that ends between two UTF-8 characters */
	cut = outsz - 4;
	while (cut > 0 && ((unsigned char)tmp[cut] & 0xC0) == 0x80)
		cut--;
	memcpy(out, tmp, cut);
	memcpy(out + cut, "...", 4);
}

static int fail(struct parser *ps, const unsigned char *at, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct parser *ps, const unsigned char *at, int code, const char *fmt, ...)
{
	struct ordex_json_error *e = ps->err;
	const unsigned char *bol = ps->start;
	size_t line = 1;
	va_list ap;

	if (!e)
		return code;
	for (const unsigned char *q = ps->start; q < at; q++) {
		if (*q == '\n') {
			line++;
			bol = q + 1;
		}
	}
	e->code = code;
	e->offset = (size_t)(at - ps->start);
	e->line = line > INT32_MAX ? INT32_MAX : (int)line;
	e->col = (size_t)(at - bol) >= INT32_MAX ? INT32_MAX : (int)(at - bol) + 1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	path_build(ps, e->path, sizeof(e->path));
	return code;
}

/* Quotes the token of a bad number or literal at s for a message. */
static const char *token_text(const struct parser *ps, const unsigned char *s, char *buf,
                              size_t bufsz)
{
	struct sbuf sb = {buf, bufsz, 0, false};
	size_t n = 1;

	while (s + n < ps->end && is_token(s[n]))
		n++;
	buf[0] = '\0';
	sb_escaped(&sb, (const char *)s, n, MSG_VALUE_MAX / 2);
	return buf;
}

/* ---- duplicate keys ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = ROTL(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = ROTL(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = ROTL(v2, 32);                                                                 \
	} while (0)

/* SipHash-1-3: keyed, so collisions cannot be computed without the key. */
static uint64_t siphash13(const char *s, size_t n, const uint64_t k[2])
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k[0], v1 = 0x646f72616e646f6dULL ^ k[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ k[0], v3 = 0x7465646279746573ULL ^ k[1];
	uint64_t m, last = (uint64_t)n << 56;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&m, s + i, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < n; j++)
		last |= (uint64_t)(unsigned char)s[i + j] << (8 * j);
	v3 ^= last;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static _Atomic uint64_t hash_seed[2];

/* The process-wide hash key, drawn on first use. Racing threads are harmless. */
static void hash_key(uint64_t k[2])
{
	k[0] = atomic_load_explicit(&hash_seed[0], memory_order_relaxed);
	k[1] = atomic_load_explicit(&hash_seed[1], memory_order_relaxed);
	if (k[0] | k[1])
		return;
#if defined(__linux__)
	if (getrandom(k, 2 * sizeof(k[0]), GRND_NONBLOCK) != (ssize_t)(2 * sizeof(k[0])))
#endif
	{
		k[0] = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)k;
		k[1] = (uint64_t)clock() * 0xC2B2AE3D27D4EB4FULL ^ (uint64_t)(uintptr_t)&hash_seed;
	}
	if (!(k[0] | k[1]))
		k[0] = 1;
	atomic_store_explicit(&hash_seed[0], k[0], memory_order_relaxed);
	atomic_store_explicit(&hash_seed[1], k[1], memory_order_relaxed);
}

static void ks_alloc(struct parser *ps, struct keyset *ks, size_t size)
{
	ks->slot = ordex_arena_zalloc(ps->a, size * sizeof(*ks->slot));
	ks->mask = size - 1;
	ks->used = 0;
}

static void ks_place(struct keyset *ks, uint64_t h, const struct ordex_json *n)
{
	size_t i = (size_t)h & ks->mask;

	while (ks->slot[i].node)
		i = (i + 1) & ks->mask;
	ks->slot[i].hash = h;
	ks->slot[i].node = n;
	ks->used++;
}

static uint64_t key_hash(struct parser *ps, const struct ordex_json *n)
{
	if (!ps->keyed) {
		hash_key(ps->key);
		ps->keyed = true;
	}
	return siphash13(n->key, n->key_len, ps->key);
}

/*
 * Returns true when n's key is already a member of f's object, else records
 * it (in the table of a large object; a small one is scanned each time).
 */
static bool key_seen(struct parser *ps, struct frame *f, const struct ordex_json *n)
{
	struct keyset *ks = f->keys;
	uint64_t h;
	size_t i;

	if (!ks) {
		if (f->node->count < LINEAR_KEYS) {
			for (const struct ordex_json *c = f->node->child; c; c = c->next)
				if (c->key_len == n->key_len && c->key[0] == n->key[0] &&
				    !memcmp(c->key, n->key, n->key_len))
					return true;
			return false;
		}
		ks = f->keys = ordex_arena_alloc(ps->a, sizeof(*ks));
		ks_alloc(ps, ks, 4 * LINEAR_KEYS);
		for (const struct ordex_json *c = f->node->child; c; c = c->next)
			ks_place(ks, key_hash(ps, c), c);
	}
	h = key_hash(ps, n);
	for (i = (size_t)h & ks->mask; ks->slot[i].node; i = (i + 1) & ks->mask) {
		const struct ordex_json *c = ks->slot[i].node;
		if (ks->slot[i].hash == h && c->key_len == n->key_len &&
		    !memcmp(c->key, n->key, n->key_len))
			return true;
	}
	if (2 * (ks->used + 1) > ks->mask + 1) {
		struct keyset old = *ks;
		ks_alloc(ps, ks, 2 * (old.mask + 1));
		for (size_t j = 0; j <= old.mask; j++)
			if (old.slot[j].node)
				ks_place(ks, old.slot[j].hash, old.slot[j].node);
	}
	ks_place(ks, h, n);
	return false;
}

/* ---- values ---- */

/*
 * Carves n bytes, aligned for a node, from the current chunk. Taking the
 * arena a chunk at a time saves a call per node and per string; the first
 * chunk is sized from the input so that a small body wastes little.
 */
static inline void *pool_alloc(struct parser *ps, size_t n)
{
	void *p;

	n = (n + 7) & ~(size_t)7;
	if ((size_t)(ps->pool_end - ps->pool) < n) {
		if (n > POOL_CHUNK / 4)
			return ordex_arena_alloc(ps->a, n);
		ps->pool = ordex_arena_alloc(ps->a, ps->pool_next);
		ps->pool_end = ps->pool + ps->pool_next;
		ps->pool_next = POOL_CHUNK;
	}
	p = ps->pool;
	ps->pool += n;
	return p;
}

static char *pool_strndup(struct parser *ps, const unsigned char *s, size_t n)
{
	char *d = pool_alloc(ps, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static struct ordex_json *node_new(struct parser *ps)
{
	struct ordex_json *n = pool_alloc(ps, sizeof(*n));

	n->type = ORDEX_JSON_NULL;
	n->str = NULL;
	n->len = 0;
	n->child = NULL;
	n->count = 0;
	n->next = NULL;
	n->key = NULL;
	n->key_len = 0;
	return n;
}

/* Links n as the last member of the innermost container and marks it open. */
static void link_child(struct parser *ps, struct ordex_json *n)
{
	struct frame *f = &ps->frames[ps->depth - 1];

	if (f->last)
		f->last->next = n;
	else
		f->node->child = n;
	f->last = n;
	f->node->count++;
	f->active = true;
}

static int push(struct parser *ps, struct ordex_json *n)
{
	struct frame *f;

	if (ps->depth == ps->max_depth)
		return fail(ps, ps->p, ORDEX_E_DEPTH, "nesting deeper than %zu levels",
		            ps->max_depth);
	if (ps->depth == ps->cap) {
		struct frame *grown = ordex_arena_alloc(ps->a, 2 * ps->cap * sizeof(*grown));
		memcpy(grown, ps->frames, ps->cap * sizeof(*grown));
		ps->frames = grown;
		ps->cap *= 2;
	}
	f = &ps->frames[ps->depth++];
	f->node = n;
	f->last = NULL;
	f->keys = NULL;
	f->active = false;
	return ORDEX_OK;
}

static int hex4(const unsigned char *q, const unsigned char *end, unsigned *cp)
{
	unsigned v = 0;

	if (end - q < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		unsigned c = q[i], d;
		if (is_digit(c))
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*cp = v;
	return 0;
}

/*
 * Checks the escape at q (a backslash inside the string that opened at s).
 * Returns its length in bytes, or 0 after failing.
 */
static size_t check_escape(struct parser *ps, const unsigned char *s, const unsigned char *q,
                           int *rc)
{
	const unsigned char *end = ps->end;
	unsigned cp, lo;

	if (end - q < 2) {
		*rc = fail(ps, s, ORDEX_E_INVAL, "unterminated string");
		return 0;
	}
	switch (q[1]) {
	case '"':
	case '\\':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't': return 2;
	case 'u': break;
	default:
		if (q[1] > 0x20 && q[1] < 0x7F)
			*rc = fail(ps, q, ORDEX_E_INVAL, "invalid escape sequence \"\\%c\"", q[1]);
		else
			*rc = fail(ps, q, ORDEX_E_INVAL, "invalid escape sequence");
		return 0;
	}
	if (hex4(q + 2, end, &cp)) {
		*rc = fail(ps, q, ORDEX_E_INVAL,
		           "\"\\u\" must be followed by four hexadecimal digits");
		return 0;
	}
	if (cp == 0) {
		*rc = fail(ps, q, ORDEX_E_INVAL, "\"\\u0000\" is not allowed in strings");
		return 0;
	}
	if (cp < 0xD800 || cp > 0xDFFF)
		return 6;
	if (cp <= 0xDBFF && end - q >= 8 && q[6] == '\\' && q[7] == 'u') {
		if (hex4(q + 8, end, &lo)) {
			*rc = fail(ps, q + 6, ORDEX_E_INVAL,
			           "\"\\u\" must be followed by four hexadecimal digits");
			return 0;
		}
		if (lo >= 0xDC00 && lo <= 0xDFFF)
			return 12;
	}
	*rc = fail(ps, q, ORDEX_E_INVAL, "unpaired UTF-16 surrogate \"\\u%.4s\"",
	           (const char *)q + 2);
	return 0;
}

/* Decodes the n validated bytes at s, which hold escapes, into the arena. */
static char *decode(struct parser *ps, const unsigned char *s, size_t n, size_t *len)
{
	char *d = pool_alloc(ps, n + 1), *o = d;
	const unsigned char *r = s, *end = s + n;

	while (r < end) {
		const unsigned char *bs = memchr(r, '\\', (size_t)(end - r));
		unsigned cp, lo;

		if (!bs) {
			memcpy(o, r, (size_t)(end - r));
			o += end - r;
			break;
		}
		memcpy(o, r, (size_t)(bs - r));
		o += bs - r;
		r = bs + 2;
		switch (bs[1]) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			hex4(bs + 2, end, &cp);
			r = bs + 6;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				hex4(bs + 8, end, &lo);
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				r = bs + 12;
			}
			o += utf8_put(o, cp);
			break;
		default: *o++ = (char)bs[1]; break;
		}
	}
	*o = '\0';
	*len = (size_t)(o - d);
	return d;
}

/* Parses the string that opens at ps->p into *out (arena, NUL-terminated). */
static int parse_string(struct parser *ps, const char **out, size_t *outlen)
{
	const unsigned char *s = ps->p + 1, *q = s, *end = ps->end;
	bool escaped = false;
	int rc = ORDEX_OK;

	for (;;) {
		q += plain_run(q, end);
		if (q == end)
			return fail(ps, ps->p, ORDEX_E_INVAL, "unterminated string");
		unsigned c = *q;
		if (c == '"')
			break;
		if (c == '\\') {
			size_t k = check_escape(ps, ps->p, q, &rc);
			if (!k)
				return rc;
			q += k;
			escaped = true;
		} else if (c < 0x20) {
			return fail(ps, q, ORDEX_E_INVAL,
			            "unescaped control character 0x%02X in string", c);
		} else {
			size_t k = utf8_len(q, end);
			if (!k)
				return fail(ps, q, ORDEX_E_INVAL, "invalid UTF-8 in string");
			q += k;
		}
	}
	if (escaped) {
		*out = decode(ps, s, (size_t)(q - s), outlen);
	} else {
		*out = pool_strndup(ps, s, (size_t)(q - s));
		*outlen = (size_t)(q - s);
	}
	ps->p = q + 1;
	return ORDEX_OK;
}

static int parse_number(struct parser *ps, struct ordex_json *v)
{
	const unsigned char *s = ps->p, *q = s, *end = ps->end;
	char tok[MSG_VALUE_MAX];

	if (*q == '-')
		q++;
	if (q == end || !is_digit(*q))
		goto bad;
	if (*q == '0')
		q++;
	else
		while (q < end && is_digit(*q))
			q++;
	if (q < end && *q == '.') {
		if (++q == end || !is_digit(*q))
			goto bad;
		while (q < end && is_digit(*q))
			q++;
	}
	if (q < end && (*q | 0x20) == 'e') {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q == end || !is_digit(*q))
			goto bad;
		while (q < end && is_digit(*q))
			q++;
	}
	/* "01", "1.5.3", "2x": show the whole token rather than a bare "1" */
	if (q < end && is_token(*q))
		goto bad;
	v->type = ORDEX_JSON_NUMBER;
	v->str = pool_strndup(ps, s, (size_t)(q - s));
	v->len = (size_t)(q - s);
	ps->p = q;
	return ORDEX_OK;
bad:
	return fail(ps, s, ORDEX_E_INVAL, "invalid number \"%s\"",
	            token_text(ps, s, tok, sizeof(tok)));
}

static int parse_literal(struct parser *ps, struct ordex_json *v, const char *word,
                         enum ordex_json_type type)
{
	size_t n = strlen(word);
	char tok[MSG_VALUE_MAX];

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) ||
	    (ps->p + n < ps->end && is_token(ps->p[n])))
		return fail(ps, ps->p, ORDEX_E_INVAL, "invalid token \"%s\"",
		            token_text(ps, ps->p, tok, sizeof(tok)));
	v->type = type;
	ps->p += n;
	return ORDEX_OK;
}

static int bad_value(struct parser *ps)
{
	unsigned c = *ps->p;
	char tok[MSG_VALUE_MAX];

	if (c == '+' || c == '.')
		return fail(ps, ps->p, ORDEX_E_INVAL, "invalid number \"%s\"",
		            token_text(ps, ps->p, tok, sizeof(tok)));
	if (is_token(c))
		return fail(ps, ps->p, ORDEX_E_INVAL, "invalid token \"%s\"",
		            token_text(ps, ps->p, tok, sizeof(tok)));
	if (c > 0x20 && c < 0x7F)
		return fail(ps, ps->p, ORDEX_E_INVAL, "expected value, found \"%c\"", c);
	return fail(ps, ps->p, ORDEX_E_INVAL, "expected value, found byte 0x%02X", c);
}

int ordex_json_parse(struct ordex_arena *a, const char *p, size_t n,
                     const struct ordex_json_limits *lim, struct ordex_json **out,
                     struct ordex_json_error *err)
{
	struct frame local[32];
	struct parser ps;
	struct ordex_json *v, *root;
	struct frame *f;
	int rc;

	*out = NULL;
	if (err) {
		err->offset = 0;
		err->line = err->col = 0;
		err->path[0] = err->msg[0] = '\0';
		err->code = ORDEX_OK;
	}
	ps.a = a;
	ps.start = ps.p = (const unsigned char *)(p ? p : "");
	ps.end = ps.start + (p ? n : 0);
	ps.err = err;
	ps.frames = local;
	ps.depth = 0;
	ps.cap = ORDEX_ARRAY_LEN(local);
	ps.max_depth = lim && lim->max_depth > 0 ? (size_t)lim->max_depth : DEFAULT_DEPTH;
	ps.nodes = 0;
	ps.max_nodes = lim && lim->max_nodes ? lim->max_nodes : 200000;
	ps.keyed = false;
	ps.pool = ps.pool_end = NULL;
	ps.pool_next = n < (POOL_CHUNK - 128) / 4 ? (4 * n + 128 + 15) & ~(size_t)15 : POOL_CHUNK;

	if (ps.end - ps.p >= 3 && !memcmp(ps.p, "\xEF\xBB\xBF", 3))
		ps.p += 3;
	skip_ws(&ps);
	if (ps.p == ps.end)
		return fail(&ps, ps.p, ORDEX_E_INVAL, "empty input");
	root = v = node_new(&ps);

value:
	/* ps.p is past any whitespace; v is the node to fill */
	if (++ps.nodes > ps.max_nodes)
		return fail(&ps, ps.p, ORDEX_E_TOOBIG, "more than %zu values", ps.max_nodes);
	if (ps.p == ps.end)
		return fail(&ps, ps.p, ORDEX_E_INVAL, "unexpected end of input");
	switch (*ps.p) {
	case '[':
		if ((rc = push(&ps, v)))
			return rc;
		v->type = ORDEX_JSON_ARRAY;
		ps.p++;
		skip_ws(&ps);
		if (ps.p < ps.end && *ps.p == ']') {
			ps.p++;
			ps.depth--;
			goto next;
		}
		v = node_new(&ps);
		link_child(&ps, v);
		goto value;
	case '{':
		if ((rc = push(&ps, v)))
			return rc;
		v->type = ORDEX_JSON_OBJECT;
		ps.p++;
		skip_ws(&ps);
		if (ps.p < ps.end && *ps.p == '}') {
			ps.p++;
			ps.depth--;
			goto next;
		}
		goto key;
	case '"':
		if ((rc = parse_string(&ps, &v->str, &v->len)))
			return rc;
		v->type = ORDEX_JSON_STRING;
		break;
	case 't':
		if ((rc = parse_literal(&ps, v, "true", ORDEX_JSON_TRUE)))
			return rc;
		break;
	case 'f':
		if ((rc = parse_literal(&ps, v, "false", ORDEX_JSON_FALSE)))
			return rc;
		break;
	case 'n':
		if ((rc = parse_literal(&ps, v, "null", ORDEX_JSON_NULL)))
			return rc;
		break;
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		if ((rc = parse_number(&ps, v)))
			return rc;
		break;
	default: return bad_value(&ps);
	}

next:
	/* a value is complete; see what follows it in its container */
	if (ps.depth == 0)
		goto done;
	f = &ps.frames[ps.depth - 1];
	f->active = false;
	skip_ws(&ps);
	if (ps.p == ps.end)
		return fail(&ps, ps.p, ORDEX_E_INVAL, "unexpected end of input");
	if (f->node->type == ORDEX_JSON_ARRAY) {
		if (*ps.p == ',') {
			ps.p++;
			skip_ws(&ps);
			if (ps.p < ps.end && *ps.p == ']')
				return fail(&ps, ps.p, ORDEX_E_INVAL, "trailing comma in array");
			v = node_new(&ps);
			link_child(&ps, v);
			goto value;
		}
		if (*ps.p == ']') {
			ps.p++;
			ps.depth--;
			goto next;
		}
		return fail(&ps, ps.p, ORDEX_E_INVAL, "expected ',' or ']' after array element");
	}
	if (*ps.p == '}') {
		ps.p++;
		ps.depth--;
		goto next;
	}
	if (*ps.p != ',')
		return fail(&ps, ps.p, ORDEX_E_INVAL, "expected ',' or '}' after object member");
	ps.p++;
	skip_ws(&ps);
	if (ps.p < ps.end && *ps.p == '}')
		return fail(&ps, ps.p, ORDEX_E_INVAL, "trailing comma in object");

key:
	/* inside an object, past whitespace, where a member must start */
	if (ps.p == ps.end)
		return fail(&ps, ps.p, ORDEX_E_INVAL, "unexpected end of input");
	if (*ps.p != '"')
		return fail(&ps, ps.p, ORDEX_E_INVAL, "expected string for object key");
	{
		const unsigned char *at = ps.p;
		char shown[MSG_VALUE_MAX + 4];
		struct sbuf sb = {shown, sizeof(shown), 0, false};

		v = node_new(&ps);
		if ((rc = parse_string(&ps, &v->key, &v->key_len)))
			return rc;
		f = &ps.frames[ps.depth - 1];
		if (key_seen(&ps, f, v)) {
			link_child(&ps, v);
			sb_escaped(&sb, v->key, v->key_len, MSG_VALUE_MAX);
			return fail(&ps, at, ORDEX_E_INVAL, "duplicate key \"%s\"",
			            sb.len ? shown : "");
		}
	}
	skip_ws(&ps);
	if (ps.p == ps.end)
		return fail(&ps, ps.p, ORDEX_E_INVAL, "unexpected end of input");
	if (*ps.p != ':')
		return fail(&ps, ps.p, ORDEX_E_INVAL, "expected ':' after object key");
	ps.p++;
	link_child(&ps, v);
	skip_ws(&ps);
	goto value;

done:
	skip_ws(&ps);
	if (ps.p != ps.end)
		return fail(&ps, ps.p, ORDEX_E_INVAL, "unexpected data after JSON value");
	*out = root;
	return ORDEX_OK;
}

/* ---- access ---- */

struct ordex_json *ordex_json_get(const struct ordex_json *obj, const char *key)
{
	size_t n;

	if (!obj || obj->type != ORDEX_JSON_OBJECT || !key)
		return NULL;
	n = strlen(key);
	for (struct ordex_json *c = obj->child; c; c = c->next)
		if (c->key_len == n && c->key && !memcmp(c->key, key, n))
			return c;
	return NULL;
}

struct ordex_json *ordex_json_at(const struct ordex_json *arr, size_t i)
{
	struct ordex_json *c;

	if (!arr || arr->type != ORDEX_JSON_ARRAY)
		return NULL;
	for (c = arr->child; c && i; c = c->next)
		i--;
	return c;
}

const char *ordex_json_string(const struct ordex_json *node)
{
	return node && node->type == ORDEX_JSON_STRING ? node->str : NULL;
}

int ordex_json_int(const struct ordex_json *node, int64_t *v)
{
	const char *s, *e;
	uint64_t limit = INT64_MAX, acc = 0;
	bool neg = false;

	if (!node || node->type != ORDEX_JSON_NUMBER || !node->str)
		return ORDEX_E_INVAL;
	s = node->str;
	e = s + node->len;
	if (s < e && *s == '-') {
		neg = true;
		limit = (uint64_t)INT64_MAX + 1;
		s++;
	}
	if (s == e)
		return ORDEX_E_INVAL;
	for (; s < e; s++) {
		unsigned d = (unsigned char)*s - '0';
		if (d > 9 || acc > (limit - d) / 10)
			return ORDEX_E_INVAL;
		acc = acc * 10 + d;
	}
	if (!neg)
		*v = (int64_t)acc;
	else if (acc > (uint64_t)INT64_MAX)
		*v = INT64_MIN;
	else
		*v = -(int64_t)acc;
	return ORDEX_OK;
}

const char *ordex_json_type_name(enum ordex_json_type t)
{
	switch (t) {
	case ORDEX_JSON_NULL: return "null";
	case ORDEX_JSON_FALSE:
	case ORDEX_JSON_TRUE: return "boolean";
	case ORDEX_JSON_NUMBER: return "number";
	case ORDEX_JSON_STRING: return "string";
	case ORDEX_JSON_ARRAY: return "array";
	case ORDEX_JSON_OBJECT: return "object";
	}
	return "unknown";
}

/* ---- writing ---- */

int ordex_json_write_string(struct ordex_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end, *run;

	if (!s)
		n = 0;
	end = p + n;
	run = p;
	ordex_buf_putc(b, '"');
	while (p < end) {
		unsigned c = *p;
		char esc[6];
		size_t k;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0x80 && (k = utf8_len(p, end))) {
			p += k;
			continue;
		}
		ordex_buf_append(b, run, (size_t)(p - run));
		switch (c) {
		case '"': ordex_buf_append(b, "\\\"", 2); break;
		case '\\': ordex_buf_append(b, "\\\\", 2); break;
		case '\b': ordex_buf_append(b, "\\b", 2); break;
		case '\f': ordex_buf_append(b, "\\f", 2); break;
		case '\n': ordex_buf_append(b, "\\n", 2); break;
		case '\r': ordex_buf_append(b, "\\r", 2); break;
		case '\t': ordex_buf_append(b, "\\t", 2); break;
		default:
			if (c >= 0x80) {
				ordex_buf_append(b, "\xEF\xBF\xBD", 3);
				break;
			}
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			ordex_buf_append(b, esc, 6);
			break;
		}
		run = ++p;
	}
	ordex_buf_append(b, run, (size_t)(p - run));
	ordex_buf_putc(b, '"');
	return b->err;
}

static void write_scalar(struct ordex_buf *b, const struct ordex_json *n)
{
	switch (n->type) {
	case ORDEX_JSON_FALSE: ordex_buf_append(b, "false", 5); break;
	case ORDEX_JSON_TRUE: ordex_buf_append(b, "true", 4); break;
	case ORDEX_JSON_NUMBER:
		if (n->str && n->len)
			ordex_buf_append(b, n->str, n->len);
		else
			ordex_buf_append(b, "null", 4);
		break;
	case ORDEX_JSON_STRING:
		if (n->str)
			ordex_json_write_string(b, n->str, n->len);
		else
			ordex_buf_append(b, "null", 4);
		break;
	case ORDEX_JSON_ARRAY: ordex_buf_append(b, "[]", 2); break;
	case ORDEX_JSON_OBJECT: ordex_buf_append(b, "{}", 2); break;
	default: ordex_buf_append(b, "null", 4); break;
	}
}

static void write_key(struct ordex_buf *b, const struct ordex_json *n)
{
	ordex_json_write_string(b, n->key, n->key ? n->key_len : 0);
	ordex_buf_putc(b, ':');
}

/*
 * Walks the tree with its own stack (in the heap past 64 levels), so that a
 * tree parsed with a generous depth limit cannot exhaust the C stack.
 */
int ordex_json_write(struct ordex_buf *b, const struct ordex_json *node)
{
	const struct ordex_json *local[64], **stack = local;
	size_t depth = 0, cap = ORDEX_ARRAY_LEN(local);
	const struct ordex_json *n = node;

	if (!n) {
		ordex_buf_append(b, "null", 4);
		return b->err;
	}
	while (!b->err) {
		bool open =
		    (n->type == ORDEX_JSON_ARRAY || n->type == ORDEX_JSON_OBJECT) && n->child;

		if (open) {
			if (depth == cap) {
				if (stack == local) {
					stack = ordex_xmalloc(2 * cap * sizeof(*stack));
					memcpy(stack, local, sizeof(local));
				} else {
					stack = ordex_xrealloc(stack, 2 * cap * sizeof(*stack));
				}
				cap *= 2;
			}
			ordex_buf_putc(b, n->type == ORDEX_JSON_ARRAY ? '[' : '{');
			stack[depth++] = n;
			n = n->child;
			if (stack[depth - 1]->type == ORDEX_JSON_OBJECT)
				write_key(b, n);
			continue;
		}
		write_scalar(b, n);
		/* climb until a sibling is found or the top is closed */
		while (depth && !n->next) {
			n = stack[--depth];
			ordex_buf_putc(b, n->type == ORDEX_JSON_ARRAY ? ']' : '}');
		}
		if (!depth)
			break;
		n = n->next;
		ordex_buf_putc(b, ',');
		if (stack[depth - 1]->type == ORDEX_JSON_OBJECT)
			write_key(b, n);
	}
	if (stack != local)
		free(stack);
	return b->err;
}

/* ---- streaming writer ---- */

static void jw_fail(struct ordex_jw *w, int code)
{
	if (!w->b->err)
		w->b->err = code;
}

/* Places the comma before a value or key, unless a key just preceded it. */
static void jw_sep(struct ordex_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth - 1])
			ordex_buf_putc(w->b, ',');
		w->first[w->depth - 1] = false;
	}
}

static void jw_open(struct ordex_jw *w, char c)
{
	jw_sep(w);
	if (w->depth == ORDEX_JW_MAX_DEPTH) {
		jw_fail(w, ORDEX_E_DEPTH);
		return;
	}
	ordex_buf_putc(w->b, c);
	w->first[w->depth++] = true;
}

static void jw_close(struct ordex_jw *w, char c)
{
	if (w->depth == 0 || w->after_key) {
		jw_fail(w, ORDEX_E_INVAL);
		return;
	}
	w->depth--;
	ordex_buf_putc(w->b, c);
}

void ordex_jw_init(struct ordex_jw *w, struct ordex_buf *b)
{
	w->b = b;
	w->depth = 0;
	w->after_key = false;
	memset(w->first, 0, sizeof(w->first));
}

void ordex_jw_obj(struct ordex_jw *w)
{
	jw_open(w, '{');
}

void ordex_jw_obj_end(struct ordex_jw *w)
{
	jw_close(w, '}');
}

void ordex_jw_arr(struct ordex_jw *w)
{
	jw_open(w, '[');
}

void ordex_jw_arr_end(struct ordex_jw *w)
{
	jw_close(w, ']');
}

void ordex_jw_key(struct ordex_jw *w, const char *k)
{
	if (w->depth == 0 || w->after_key) {
		jw_fail(w, ORDEX_E_INVAL);
		return;
	}
	jw_sep(w);
	ordex_json_write_string(w->b, k, k ? strlen(k) : 0);
	ordex_buf_putc(w->b, ':');
	w->after_key = true;
}

void ordex_jw_str(struct ordex_jw *w, const char *s)
{
	if (!s) {
		ordex_jw_null(w);
		return;
	}
	ordex_jw_strn(w, s, strlen(s));
}

void ordex_jw_strn(struct ordex_jw *w, const char *s, size_t n)
{
	jw_sep(w);
	ordex_json_write_string(w->b, s, n);
}

void ordex_jw_int(struct ordex_jw *w, int64_t v)
{
	char tmp[24], *o = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--o = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--o = '-';
	jw_sep(w);
	ordex_buf_append(w->b, o, (size_t)(tmp + sizeof(tmp) - o));
}

void ordex_jw_bool(struct ordex_jw *w, bool v)
{
	jw_sep(w);
	ordex_buf_append(w->b, v ? "true" : "false", v ? 4 : 5);
}

void ordex_jw_null(struct ordex_jw *w)
{
	jw_sep(w);
	ordex_buf_append(w->b, "null", 4);
}

void ordex_jw_raw(struct ordex_jw *w, const char *json, size_t n)
{
	jw_sep(w);
	ordex_buf_append(w->b, json, n);
}

void ordex_jw_node(struct ordex_jw *w, const struct ordex_json *node)
{
	jw_sep(w);
	ordex_json_write(w->b, node);
}
