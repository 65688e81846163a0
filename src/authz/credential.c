/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credential.c - usernames and passwords (see credential.h).
 */
#include "authz/credential.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/common.h"
#include "core/sha256.h"

#define PW_OPS 2
#define PW_MEM (19u << 20)

_Static_assert(ORDEX_PWHASH_BYTES == crypto_pwhash_STRBYTES, "hash string size");

bool ordex_credential_username_ok(const char *u)
{
	size_t n = strlen(u);
	if (n < 1 || n > 64)
		return false;
	for (const char *p = u; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("._@-+", *p)))
			return false;
	return true;
}

bool ordex_credential_tenant_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n < 1 || n > 63)
		return false;
	const unsigned char *p = (const unsigned char *)name;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c < 0x20 || c == 0x7f)
			return false;
		size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
		if ((c >= 0x80 && (c < 0xC2 || c > 0xF4)) || i + k > n)
			return false;
		for (size_t j = 1; j < k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				return false;
		if (k == 2 && c == 0xC2 && p[i + 1] < 0xA0)
			return false; /* C1 controls */
		i += k;
	}
	return true;
}

int ordex_credential_hash(const char *password, size_t n, char out[ORDEX_PWHASH_BYTES])
{
	if (n < ORDEX_PASSWORD_MIN || n > ORDEX_PASSWORD_MAX)
		return ORDEX_E_INVAL;
	return crypto_pwhash_str(out, password, n, PW_OPS, PW_MEM) == 0 ? ORDEX_OK : ORDEX_E_NOMEM;
}

bool ordex_credential_verify(const char *hash, const char *password, size_t n)
{
	return crypto_pwhash_str_verify(hash, password, n) == 0;
}

void ordex_credential_new_key(char secret[ORDEX_KEY_SECRET_BYTES], unsigned char hash[32],
                              char prefix[ORDEX_KEY_PREFIX_BYTES])
{
	unsigned char raw[32];
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	snprintf(secret, ORDEX_KEY_SECRET_BYTES, "ordex_%s", b64);
	sodium_memzero(b64, sizeof(b64));
	ordex_sha256(hash, (const unsigned char *)secret, strlen(secret));
	snprintf(prefix, ORDEX_KEY_PREFIX_BYTES, "%.12s", secret);
}
