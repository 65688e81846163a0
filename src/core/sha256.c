/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sha256.c - SHA-256 through libcrypto's EVP interface.
 *
 * The digest is fetched once: OpenSSL 3's one-shot SHA256() fetches it on
 * every call, which cost 700 ns a hash, more than hashing a kilobyte. Should
 * libcrypto fail (it does not, short of running out of memory), libsodium's
 * implementation gives the same bytes.
 */
#include "core/sha256.h"

#include <pthread.h>
#include <stdbool.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <sodium.h>

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "ordex needs OpenSSL 3 (Debian 12's libssl-dev) for EVP_MD_fetch"
#endif

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void ordex_sha256(unsigned char out[ORDEX_SHA256_BYTES], const void *p, size_t n)
{
	pthread_once(&sha256_once, fetch);
	EVP_MD_CTX *ctx = sha256_md ? EVP_MD_CTX_new() : NULL;
	unsigned int len = 0;
	bool ok = ctx && EVP_DigestInit_ex2(ctx, sha256_md, NULL) == 1 &&
	          EVP_DigestUpdate(ctx, p, n) == 1 && EVP_DigestFinal_ex(ctx, out, &len) == 1 &&
	          len == ORDEX_SHA256_BYTES;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error(); /* the thread's queue is libcurl's too */
		crypto_hash_sha256(out, p, n);
	}
}
