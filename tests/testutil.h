/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testutil.h - what every cmocka test includes: cmocka's prerequisites in
 * the order it needs them, and where the shared field data lives.
 */
#ifndef ORDEX_TESTUTIL_H
#define ORDEX_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The shared data folder: $ORDEX_SHARED_DATA or ../shared/data. */
static inline const char *test_shared_data(void)
{
	const char *d = getenv("ORDEX_SHARED_DATA");
	return d && *d ? d : "../shared/data";
}

#endif
