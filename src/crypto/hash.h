/*
 * SHA-256, HMAC-SHA256 and HKDF-SHA256 (RFC 5869) over BearSSL 0.6's
 * br_sha256 / br_hmac. HKDF is built on HMAC rather than br_hkdf because HPKE
 * needs the PRK bytes and an Expand from a given PRK, which br_hkdf hides.
 * Every context and temporary is wiped before a function returns.
 */
#ifndef VL_CRYPTO_HASH_H
#define VL_CRYPTO_HASH_H
#include <stddef.h>
#include <stdint.h>

#include "vaultlink.h"

#define VL_SHA256_LEN 32u
#define VL_HKDF_SHA256_MAX_OKM ((size_t)255 * 32) /* RFC 5869: L <= 255 * HashLen */

/* One piece of a message given as several parts (HPKE's labeled inputs). */
typedef struct {
  const void *p;
  size_t n;
} vl_iov;

/* out = SHA-256(data). */
void vl_sha256(const void *data, size_t len, uint8_t out[VL_SHA256_LEN]);

/* out = HMAC-SHA256(key, parts[0] ‖ … ‖ parts[count-1]). key may be NULL/0. */
void vl_hmac_sha256_v(const void *key, size_t key_len, const vl_iov *parts, size_t count, uint8_t out[VL_SHA256_LEN]);

/* out = HMAC-SHA256(key, msg). */
void vl_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len, uint8_t out[VL_SHA256_LEN]);

/*
 * Verifies a possibly truncated HMAC-SHA256 tag in constant time. tag_len is
 * the length received, want_len the length the protocol defines (16..32).
 * VL_OK if tag_len == want_len and tag equals the first want_len bytes of the
 * MAC; VL_ERR_ARG for a want_len outside 16..32; VL_ERR_AUTH otherwise.
 */
vl_status vl_hmac_sha256_verify(const void *key, size_t key_len, const void *msg, size_t msg_len, const uint8_t *tag,
                                size_t tag_len, size_t want_len);

/* HKDF-Extract: prk = HMAC-SHA256(salt, ikm); an empty salt means 32 zero bytes. */
void vl_hkdf_extract(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len, uint8_t prk[VL_SHA256_LEN]);

/*
 * HKDF-Expand from prk with info = info[0] ‖ … ‖ info[count-1] into out_len
 * bytes. VL_ERR_LIMIT if out_len > 255*32 (out is left untouched), VL_ERR_ARG
 * for a NULL out with out_len > 0.
 */
vl_status vl_hkdf_expand_v(const void *prk, size_t prk_len, const vl_iov *info, size_t count, uint8_t *out,
                           size_t out_len);

/* HKDF-Expand with a single info string. */
vl_status vl_hkdf_expand(const void *prk, size_t prk_len, const void *info, size_t info_len, uint8_t *out,
                         size_t out_len);
#endif
