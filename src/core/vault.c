/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault.c - the data directory's sealing key and secretbox around it.
 * Sealed form: nonce (24 bytes) then the secretbox of the secret.
 */
#include "core/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/common.h"

_Static_assert(ORDEX_VAULT_OVERHEAD == crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES,
               "vault overhead");

int ordex_vault_load(const char *dir, bool create, struct ordex_vault *v)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/ordex.key", dir);
	int fd = open(path, O_RDONLY);
	if (fd < 0 && errno == ENOENT && create) {
		randombytes_buf(v->key, sizeof(v->key));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || write(fd, v->key, sizeof(v->key)) != (ssize_t)sizeof(v->key) ||
		    fsync(fd) != 0) {
			fprintf(stderr, "ordex: could not write \"%s\": %s\n", path,
			        strerror(errno));
			if (fd >= 0)
				close(fd);
			return ORDEX_E_IO;
		}
		close(fd);
		return ORDEX_OK;
	}
	if (fd < 0) {
		if (errno == ENOENT)
			return ORDEX_E_NOTFOUND;
		fprintf(stderr, "ordex: could not read \"%s\": %s\n", path, strerror(errno));
		return ORDEX_E_IO;
	}
	ssize_t got = read(fd, v->key, sizeof(v->key));
	close(fd);
	if (got != (ssize_t)sizeof(v->key)) {
		fprintf(stderr, "ordex: \"%s\" is not a 32-byte key\n", path);
		return ORDEX_E_IO;
	}
	return ORDEX_OK;
}

void ordex_vault_seal(const struct ordex_vault *v, const void *plain, size_t n, unsigned char *out)
{
	randombytes_buf(out, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, plain, n, out, v->key);
}

int ordex_vault_open(const struct ordex_vault *v, const unsigned char *sealed, size_t n,
                     struct ordex_arena *a, char **plain, size_t *plen)
{
	if (n < ORDEX_VAULT_OVERHEAD)
		return ORDEX_E_CORRUPT;
	size_t len = n - ORDEX_VAULT_OVERHEAD;
	unsigned char *p = ordex_arena_alloc(a, len + 1);
	if (crypto_secretbox_open_easy(p, sealed + crypto_secretbox_NONCEBYTES,
	                               n - crypto_secretbox_NONCEBYTES, sealed, v->key) != 0)
		return ORDEX_E_CORRUPT;
	p[len] = '\0';
	*plain = (char *)p;
	*plen = len;
	return ORDEX_OK;
}
