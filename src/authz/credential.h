/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credential.h - what a person's credentials must be, the same for the API
 * and the command line: a username's alphabet and length, a password's
 * length, and how it is kept (argon2id through libsodium's
 * crypto_pwhash_str, 2 passes over 19 MiB: OWASP's minimum).
 */
#ifndef ORDEX_CREDENTIAL_H
#define ORDEX_CREDENTIAL_H

#include <stdbool.h>
#include <stddef.h>

#define ORDEX_PASSWORD_MIN 12
#define ORDEX_PASSWORD_MAX 1024
/* crypto_pwhash_STRBYTES: a hash string's size with its terminator */
#define ORDEX_PWHASH_BYTES 128

/* 1 to 64 of a-z 0-9 . _ @ - + */
bool ordex_credential_username_ok(const char *username);

/* A tenant's name: 1 to 63 bytes of valid UTF-8 without control characters. */
bool ordex_credential_tenant_name_ok(const char *name);

/*
 * Hashes a password of n bytes into out (ORDEX_PWHASH_BYTES). Returns
 * ORDEX_OK, ORDEX_E_INVAL for a length out of bounds, or ORDEX_E_NOMEM when
 * the memory the hash needs is not there. Any thread; takes about 50 ms.
 */
int ordex_credential_hash(const char *password, size_t n, char out[ORDEX_PWHASH_BYTES]);

/* Whether password matches hash (a string from ordex_credential_hash). */
bool ordex_credential_verify(const char *hash, const char *password, size_t n);

/* An API key's secret: "ordex_" and 256 random bits in base64url. */
#define ORDEX_KEY_SECRET_BYTES 64
#define ORDEX_KEY_PREFIX_BYTES 16

/*
 * A new API key: its secret (shown once, never stored), the SHA-256 kept in
 * its place, and the prefix that names it in lists (its first 12 bytes).
 */
void ordex_credential_new_key(char secret[ORDEX_KEY_SECRET_BYTES], unsigned char hash[32],
                              char prefix[ORDEX_KEY_PREFIX_BYTES]);

#endif
