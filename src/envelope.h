/*
 * Sealed envelopes: one secret value, HPKE-sealed (RFC 9180 base mode) by the
 * vault side to a recipient key that lives only in wasm memory, and bound to
 * the external reference it answers, the recipient's key id and an expiry.
 * The byte format is documented in docs/envelope.md; in short (big-endian):
 *
 *   0   3  magic "VLE"          50   8  key id = SHA-256(pkR)[0..8]
 *   3   1  version (1)          58   2  reference length n (1..VL_ENVELOPE_MAX_REF)
 *   4   6  kem, kdf, aead ids   60   n  reference
 *   10 32  enc                  60+n    ciphertext ‖ 16-byte tag
 *   42  8  expiry (ms since the Unix epoch)
 *
 * The header (bytes 0 .. 60+n) is the AEAD's associated data, and HPKE's info
 * is "vaultlink envelope v1" ‖ n (2 bytes) ‖ reference ‖ key id ‖ expiry, so
 * a value opened for one reference, key or lifetime cannot be replayed as
 * another.
 */
#ifndef VL_ENVELOPE_H
#define VL_ENVELOPE_H
#include <stddef.h>
#include <stdint.h>

#include "vaultlink.h"

#define VL_ENVELOPE_VERSION 1u
#define VL_ENVELOPE_KEY_ID_LEN 8u
#define VL_ENVELOPE_FIXED_LEN 60u                  /* header bytes before the reference */
#define VL_ENVELOPE_MAX_REF 2048u                  /* longest external reference */
#define VL_ENVELOPE_MAX_PLAIN ((size_t)256 * 1024) /* = VL_MAX_SECRET_BYTES */

/* What an envelope's header says, before anything is decrypted or trusted. */
typedef struct {
  uint16_t kem_id, kdf_id, aead_id;
  uint64_t expires_ms;
  uint8_t key_id[VL_ENVELOPE_KEY_ID_LEN];
  const uint8_t *ref; /* points into the envelope */
  size_t ref_len;
  size_t header_len; /* = VL_ENVELOPE_FIXED_LEN + ref_len */
  size_t ct_len;     /* ciphertext and tag */
} vl_envelope_header;

/* key_id = the first 8 bytes of SHA-256(pk). */
void vl_envelope_key_id(const uint8_t pk[32], uint8_t key_id[VL_ENVELOPE_KEY_ID_LEN]);

/*
 * Parses and checks an envelope's header without decrypting: VL_ERR_FORMAT
 * (bad magic, truncated, bad reference length; err names the byte offset),
 * VL_ERR_UNSUPPORTED (version or suite), VL_ERR_LIMIT (ciphertext over
 * VL_ENVELOPE_MAX_PLAIN). err/errlen may be NULL/0. Fields are unauthenticated
 * until vl_envelope_open succeeds.
 */
vl_status vl_envelope_parse(const uint8_t *env, size_t len, vl_envelope_header *h, char *err, size_t errlen);

/*
 * Opens an envelope with the recipient key pair (pkR may be NULL: derived
 * from skR). expected_ref is the reference the caller asked for; now_ms the
 * caller's clock. On success *plain (freed with vl_free(), which wipes) holds
 * the value, *plain_len its length and *expires_ms (may be NULL) its expiry.
 *
 * Failures, each distinct, checked in this order: VL_ERR_ARG, then those of
 * vl_envelope_parse, VL_ERR_WRONG_RECIPIENT (key id is not pkR's),
 * VL_ERR_REF_MISMATCH, VL_ERR_EXPIRED (now_ms >= expiry), VL_ERR_AUTH (HPKE
 * open failed: tampered, or sealed to another key), VL_ERR_NOMEM. On failure
 * *plain is NULL, *plain_len 0, and no plaintext byte was left anywhere.
 * err gets a message naming the offset or field; it never holds a secret.
 */
vl_status vl_envelope_open(const uint8_t *env, size_t len, const uint8_t skR[32], const uint8_t *pkR,
                           const uint8_t *expected_ref, size_t ref_len, uint64_t now_ms, uint8_t **plain,
                           size_t *plain_len, uint64_t *expires_ms, char *err, size_t errlen);

/*
 * vl_envelope_open into a caller buffer of out_cap bytes (VL_ERR_LIMIT if the
 * value does not fit; out must not overlap env). On any failure out holds no plaintext: bytes written
 * before the tag check are zeroed again, and *out_len is 0.
 */
vl_status vl_envelope_open_buf(const uint8_t *env, size_t len, const uint8_t skR[32], const uint8_t *pkR,
                               const uint8_t *expected_ref, size_t ref_len, uint64_t now_ms, uint8_t *out,
                               size_t out_cap, size_t *out_len, uint64_t *expires_ms, char *err, size_t errlen);

/*
 * Seals plain (1 .. VL_ENVELOPE_MAX_PLAIN bytes; 0 allowed) to pkR with a
 * fresh ephemeral key, for ref, expiring at expires_ms. aead_id is 1, 2 or 3.
 * *env (freed with vl_free()) receives the envelope. VL_ERR_ARG,
 * VL_ERR_UNSUPPORTED (aead), VL_ERR_LIMIT (sizes), VL_ERR_CRYPTO (entropy or a
 * low-order pkR), VL_ERR_NOMEM.
 */
vl_status vl_envelope_seal(const uint8_t pkR[32], uint16_t aead_id, const uint8_t *ref, size_t ref_len,
                           uint64_t expires_ms, const uint8_t *plain, size_t plain_len, uint8_t **env, size_t *env_len);

/* vl_envelope_seal with a caller-chosen ephemeral secret key (tests, fuzz seeds). */
vl_status vl_envelope_seal_derand(const uint8_t pkR[32], uint16_t aead_id, const uint8_t *ref, size_t ref_len,
                                  uint64_t expires_ms, const uint8_t *plain, size_t plain_len, const uint8_t skE[32],
                                  uint8_t **env, size_t *env_len);
#endif
