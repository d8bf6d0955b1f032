/* ag_crypto — the digests and encodings the CLI needs (SHA-256 of /out files
 * and inline results, base64 of MCP content), from OpenSSL's libcrypto,
 * loaded on first use: a run that hashes nothing (most runs) does not pay
 * for loading and binding libcrypto at every start (about half of
 * `sandboxrun --version`). The network service links libcrypto anyway; the
 * same library serves it here.
 * Each call is 0 (or a length) on success, -1 when libcrypto refuses (out
 * of memory); a process that cannot load libcrypto ends at its first call
 * (said why), as one that links it would not have started. Thread-safe. */
#ifndef AG_CRYPTO_H
#define AG_CRYPTO_H

#include <stddef.h>

#define AG_SHA256_HEX 65   /* 64 hex digits and a NUL */

/* SHA-256 of data as lowercase hex. */
int ag_sha256_hex(const void *data, size_t n, char hex[AG_SHA256_HEX]);

/* A running SHA-256: begin, update as often as needed, end (frees it, also
 * on failure). begin returns NULL on failure. */
struct ag_sha256;
struct ag_sha256 *ag_sha256_begin(void);
int ag_sha256_update(struct ag_sha256 *c, const void *data, size_t n);
int ag_sha256_end(struct ag_sha256 *c, char hex[AG_SHA256_HEX]);

/* Base64 (RFC 4648, padded, no line breaks) of n bytes into out, which has
 * room for 4 * ((n + 2) / 3) + 1; the length written (NUL-terminated). */
int ag_base64_encode(char *out, const void *in, size_t n);
/* Decode len base64 characters (a multiple of 4) into out (room for
 * len / 4 * 3); the length, counting the padding's zero bytes, or -1. */
int ag_base64_decode(unsigned char *out, const char *in, size_t len);

#endif
