/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rows.h - the rows ordex's writer writes per event, recorded once and
 * written again raw (see rows.c). For make bench only.
 */
#ifndef ORDEX_BENCH_ROWS_H
#define ORDEX_BENCH_ROWS_H

#include <stddef.h>

struct rows;

/*
 * Runs the writer on the database at db_path (initialized, no events yet)
 * over the n NDJSON lines, one event a group, recording each event's row
 * changes. Returns NULL when the store cannot be opened or a change names
 * a table the schema does not have. Free with rows_free.
 */
struct rows *rows_capture(const char *db_path, char *const *line, const size_t *len, size_t n);
void rows_free(struct rows *r);

/* Events recorded (accepted and duplicate), and row changes per event (metering apart). */
size_t rows_units(const struct rows *r);
double rows_per_unit(const struct rows *r);

/*
 * Writes the recorded rows again on the database at db_path (initialized,
 * no events), batch events per transaction, WAL and synchronous=FULL: the
 * first `units` events (0: all), for at most `seconds`; the metering rows,
 * which the writer writes once a group, once a transaction. Events per
 * second, or -1 on a failure (printed).
 */
double rows_replay(const struct rows *r, const char *db_path, int batch, size_t units,
                   double seconds);

#endif
