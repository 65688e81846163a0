/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault.h - secrets at rest. Provider signing secrets must be kept in a
 * form HMAC can use, so they cannot be hashed; they are sealed with a key
 * kept beside the database (DIR/ordex.key, 32 random bytes, mode 0600,
 * made by ordex init) using XSalsa20-Poly1305 (libsodium secretbox). A
 * copy of the database alone reveals no secret.
 */
#ifndef ORDEX_VAULT_H
#define ORDEX_VAULT_H

#include <stdbool.h>
#include <stddef.h>

struct ordex_arena;

#define ORDEX_VAULT_KEY_BYTES 32
#define ORDEX_VAULT_OVERHEAD  40 /* nonce (24) and tag (16) */

struct ordex_vault {
	unsigned char key[ORDEX_VAULT_KEY_BYTES];
};

/*
 * Loads DIR/ordex.key, creating it when create is true and it is missing.
 * Returns ORDEX_OK, ORDEX_E_NOTFOUND or ORDEX_E_IO (message on stderr).
 */
int ordex_vault_load(const char *dir, bool create, struct ordex_vault *v);
/* Seals n bytes into out (n + ORDEX_VAULT_OVERHEAD bytes). */
void ordex_vault_seal(const struct ordex_vault *v, const void *plain, size_t n, unsigned char *out);
/*
 * Opens a sealed secret into the arena (NUL-terminated). Returns ORDEX_OK
 * or ORDEX_E_CORRUPT when it was not sealed with this key or was altered.
 */
int ordex_vault_open(const struct ordex_vault *v, const unsigned char *sealed, size_t n,
                     struct ordex_arena *a, char **plain, size_t *plen);

#endif
