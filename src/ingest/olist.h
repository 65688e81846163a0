/* SPDX-License-Identifier: Apache-2.0 */
/*
 * olist.h - turns the Olist e-commerce CSV set (orders, items, payments,
 * customers) into canonical events, the way a connector to that shop would
 * have sent them. See docs/import.md for the mapping.
 */
#ifndef ORDEX_OLIST_H
#define ORDEX_OLIST_H

#include <stddef.h>

struct ordex_olist_sink {
	/* one canonical event (JSON text, len bytes), from file:line */
	int (*event)(void *ctx, const char *json, size_t len, const char *file, long line);
	/* a row that cannot become an event, and why */
	void (*reject)(void *ctx, const char *file, long line, const char *reason);
	void *ctx;
};

/*
 * Reads the Olist files in dir and emits events, order by order, each
 * order's events in the order they happened. Returns ORDEX_OK, ORDEX_E_IO
 * (a file is missing or unreadable; message on stderr) or the first
 * non-zero return of sink->event.
 */
int ordex_olist_convert(const char *dir, const struct ordex_olist_sink *sink);

#endif
