/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sha256.h - SHA-256, the hash of events, audit entries, evidence, payloads
 * and credentials. OpenSSL's libcrypto, which uses the processor's SHA
 * instructions where it has them: on this project's machines about five
 * times libsodium's portable code (1 KiB: 0.84 against 3.99 us), and every
 * event is hashed twice and every audit entry once.
 */
#ifndef ORDEX_SHA256_H
#define ORDEX_SHA256_H

#include <stddef.h>

#define ORDEX_SHA256_BYTES 32

/* out = SHA-256 of the n bytes at p. Any thread. */
void ordex_sha256(unsigned char out[ORDEX_SHA256_BYTES], const void *p, size_t n);

#endif
