/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h - the subcommands of the ordex binary and what they share: where
 * the data lives, which tenant and environment a command acts on.
 * Messages go to standard error; results (a key, JSON) to standard output.
 * Each command returns the process exit status.
 */
#ifndef ORDEX_CLI_H
#define ORDEX_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"

struct ordex_store;

int ordex_cmd_serve(int argc, char **argv);
int ordex_cmd_init(int argc, char **argv);
int ordex_cmd_key(int argc, char **argv);
int ordex_cmd_tenant(int argc, char **argv);
int ordex_cmd_connector(int argc, char **argv);
int ordex_cmd_import(int argc, char **argv);
int ordex_cmd_exceptions(int argc, char **argv);
int ordex_cmd_audit(int argc, char **argv);
int ordex_cmd_simulate(int argc, char **argv);
int ordex_cmd_usage(int argc, char **argv);
int ordex_cmd_user(int argc, char **argv);
int ordex_cmd_policy(int argc, char **argv);
int ordex_cmd_case(int argc, char **argv);
int ordex_cmd_action(int argc, char **argv);
int ordex_cmd_target(int argc, char **argv);
int ordex_cmd_writeback(int argc, char **argv);

/* The data directory: --data, else $ORDEX_DATA, else "data". */
const char *ordex_cli_data_dir(const char *opt);
/* DIR/ordex.db into out (size n). */
void ordex_cli_db_path(const char *dir, char *out, size_t n);

/*
 * Resolves --tenant (name; default: the first tenant) and --env (default
 * production) against the database. Prints the reason and returns an error
 * when either does not exist.
 */
int ordex_cli_scope(struct ordex_store *st, const char *tenant, const char *env,
                    struct ordex_scope *sc);

/*
 * Creates an API key for sc with role, stores its hash and writes the
 * secret (NUL-terminated, at most 96 bytes) into key.
 */
struct ordex_key_new;
/* A new key with k's role, scopes, name and expiry: the secret into key, the row id into *id. */
int ordex_cli_key_new(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_key_new *k,
                      char *key, size_t keylen, int64_t *id);
int ordex_cli_key_create(struct ordex_store *st, const struct ordex_scope *sc, const char *role,
                         char *key, size_t keylen);

/* Reads a secret from a file or standard input ("-"), without its trailing newline. */
int ordex_cli_read_secret(const char *path, char *out, size_t outlen, size_t *len);

/*
 * Runs a writer command on the data directory in one transaction (a
 * refusal rolls it back and is printed: problems when probs has any, else
 * res). ORDEX_OK or the command's error.
 */
struct ordex_audit;
struct ordex_cmd_result;
struct ordex_problems;
int ordex_cli_command(struct ordex_store *st, const struct ordex_scope *sc,
                      int (*cmd)(struct ordex_store *, struct ordex_audit *,
                                 const struct ordex_scope *, int64_t, void *),
                      void *ctx, const struct ordex_cmd_result *res,
                      const struct ordex_problems *probs);

#endif
