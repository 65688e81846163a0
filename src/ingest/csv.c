/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csv.c - reads one physical line at a time and keeps reading while a
 * quoted field is open, then splits the record in place: quotes removed,
 * doubled quotes undone, fields NUL-terminated.
 */
#include "ingest/csv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"

int ordex_csv_open(struct ordex_csv *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->f = fopen(path, "rb");
	if (!c->f) {
		snprintf(c->err, sizeof(c->err), "could not open \"%s\": %s", path,
		         strerror(errno));
		return ORDEX_E_IO;
	}
	c->next_line = 1;
	return ORDEX_OK;
}

void ordex_csv_close(struct ordex_csv *c)
{
	if (c->f)
		fclose(c->f);
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

int ordex_csv_parse_record(char *p, size_t n, char **fields, size_t max, size_t *count)
{
	size_t k = 0;
	size_t i = 0;
	char *out = p;
	for (;;) {
		if (k == max)
			return ORDEX_E_TOOBIG;
		fields[k++] = out;
		if (i < n && p[i] == '"') {
			i++;
			for (;;) {
				if (i >= n)
					return ORDEX_E_INVAL; /* unterminated quote */
				if (p[i] == '"') {
					if (i + 1 < n && p[i + 1] == '"') {
						*out++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				*out++ = p[i++];
			}
			if (i < n && p[i] != ',')
				return ORDEX_E_INVAL; /* text after a closing quote */
		} else {
			while (i < n && p[i] != ',') {
				if (p[i] == '"')
					return ORDEX_E_INVAL; /* a quote inside a bare field */
				*out++ = p[i++];
			}
		}
		if (i >= n) {
			*out = '\0';
			break;
		}
		*out++ = '\0';
		i++; /* the comma */
	}
	*count = k;
	return ORDEX_OK;
}

/*
 * Is a quoted field still open at the end of the first n bytes of a
 * record? As in the parser, a quote opens a field only at its start, or
 * right after the quote that closed it (a doubled quote); a stray quote in
 * a bare field is an error of this record alone and must not run it on
 * into the lines that follow.
 */
static bool open_quote(const char *p, size_t n)
{
	bool in = false, may_open = true;
	for (size_t i = 0; i < n; i++) {
		if (in) {
			if (p[i] == '"') {
				in = false;
				may_open = true;
			}
		} else if (p[i] == '"' && may_open) {
			in = true;
		} else {
			may_open = p[i] == ',';
		}
	}
	return in;
}

/*
 * Like fgets, but returns the number of bytes read (0 at the end of the
 * file), so that a NUL byte in the input is seen rather than taken for the
 * end of the line. The file belongs to this reader alone.
 */
static size_t read_line(FILE *f, char *p, size_t n)
{
	size_t i = 0;
	int ch;
	while (i + 1 < n && (ch = getc_unlocked(f)) != EOF) {
		p[i++] = (char)ch;
		if (ch == '\n')
			break;
	}
	p[i] = '\0';
	return i;
}

int ordex_csv_next(struct ordex_csv *c)
{
	static const char bom[] = "\xEF\xBB\xBF";
	size_t len = 0;
	bool nul = false;
	c->line = c->next_line;
	for (;;) {
		if (c->cap - len < 4096) {
			c->cap = c->cap ? c->cap * 2 : 8192;
			c->buf = ordex_xrealloc(c->buf, c->cap);
		}
		size_t got = read_line(c->f, c->buf + len, c->cap - len);
		if (got == 0) {
			if (len == 0)
				return 0;
			break;
		}
		if (memchr(c->buf + len, '\0', got))
			nul = true;
		len += got;
		if (len > ORDEX_CSV_MAX_RECORD) {
			snprintf(c->err, sizeof(c->err), "record longer than %d bytes",
			         ORDEX_CSV_MAX_RECORD);
			/* skip to the end of this line */
			while (len && c->buf[len - 1] != '\n')
				len = read_line(c->f, c->buf, c->cap);
			c->next_line++;
			return ORDEX_E_INVAL;
		}
		if (c->buf[len - 1] != '\n')
			continue; /* the line goes on */
		c->next_line++;
		size_t skip = c->line == 1 && len >= 3 && !memcmp(c->buf, bom, 3) ? 3 : 0;
		if (!open_quote(c->buf + skip, len - skip))
			break;
	}
	if (nul) {
		snprintf(c->err, sizeof(c->err), "contains a NUL byte");
		return ORDEX_E_INVAL;
	}
	while (len && (c->buf[len - 1] == '\n' || c->buf[len - 1] == '\r'))
		len--;
	c->buf[len] = '\0';
	char *p = c->buf;
	if (c->line == 1 && len >= 3 && !memcmp(p, bom, 3)) {
		p += 3;
		len -= 3;
	}
	int rc = ordex_csv_parse_record(p, len, c->fields, ORDEX_CSV_MAX_FIELDS, &c->n);
	if (rc == ORDEX_E_TOOBIG) {
		snprintf(c->err, sizeof(c->err), "more than %d fields", ORDEX_CSV_MAX_FIELDS);
		return ORDEX_E_INVAL;
	}
	if (rc) {
		snprintf(c->err, sizeof(c->err), "malformed quoting");
		return ORDEX_E_INVAL;
	}
	return 1;
}

int ordex_csv_column(const struct ordex_csv *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->fields[i], name))
			return (int)i;
	return -1;
}
