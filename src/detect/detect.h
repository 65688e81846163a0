/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect.h - what the rest of ordex may know about the detectors: the
 * kinds of exception there are.
 */
#ifndef ORDEX_DETECT_H
#define ORDEX_DETECT_H

#include <stdbool.h>

/* Is kind one of the exception kinds (docs/events.md)? */
bool ordex_exception_kind_known(const char *kind);
/* The kinds, comma-separated, for messages. */
const char *ordex_exception_kinds(void);

#endif
