/* SPDX-License-Identifier: Apache-2.0 */
/*
 * migrations.h - the numbered schema migrations compiled into the binary
 * (generated from src/store/migrations/NNNN_name.sql by the build).
 */
#ifndef ORDEX_MIGRATIONS_H
#define ORDEX_MIGRATIONS_H

struct ordex_migration {
	int number;
	const char *name;
	const char *sql;
};

extern const struct ordex_migration ordex_migrations[];
extern const int ordex_migrations_count;

#endif
