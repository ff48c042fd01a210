/*
 * AEADs over BearSSL 0.6 with explicitly chosen constant-time implementations:
 * AES-GCM on br_aes_ct64_ctr + br_ghash_ctmul64, ChaCha20-Poly1305 on
 * vl_chacha20_pre_run (crypto/chacha20.h: the rows of a block as vectors,
 * blocks 0 and 1 computed together) + br_poly1305_ctmul_run. Nonces are exactly 12 bytes
 * (BearSSL's GCM would accept any length, even 0) and tags 16 bytes, appended
 * to the ciphertext. Open checks the tag in constant time and, on failure,
 * zeroes the whole output so no unauthenticated plaintext survives.
 */
#ifndef VL_CRYPTO_AEAD_H
#define VL_CRYPTO_AEAD_H
#include <stddef.h>
#include <stdint.h>

#include "vaultlink.h"

#define VL_AEAD_NONCE_LEN 12u
#define VL_AEAD_TAG_LEN 16u

/* HPKE AEAD identifiers (RFC 9180 §7.3). */
enum {
  VL_AEAD_AES128GCM = 0x0001,
  VL_AEAD_AES256GCM = 0x0002,
  VL_AEAD_CHACHA20POLY1305 = 0x0003,
  VL_AEAD_EXPORT_ONLY = 0xFFFF
};

/* Key length (Nk) of an AEAD id; 0 for export-only or an unknown id. */
size_t vl_aead_key_len(uint16_t aead_id);

/*
 * AES-GCM with a 16-, 24- or 32-byte key. seal writes pt_len + 16 bytes to
 * out; open reads ct_len >= 16 bytes (ciphertext ‖ tag) and writes
 * ct_len - 16 bytes to out. out may equal the input (in place).
 * VL_ERR_ARG for a bad key or nonce length or a too-short ct; VL_ERR_AUTH for
 * a wrong tag (out zeroed).
 */
vl_status vl_aes_gcm_seal(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                          const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out);
vl_status vl_aes_gcm_open(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                          const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out);

/* ChaCha20-Poly1305 (RFC 8439), 32-byte key; same conventions as AES-GCM. */
vl_status vl_chacha20poly1305_seal(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                                   const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out);
vl_status vl_chacha20poly1305_open(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                                   const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out);

/*
 * Dispatch on an HPKE AEAD id (1, 2 or 3); key_len must equal
 * vl_aead_key_len(aead_id). VL_ERR_UNSUPPORTED for any other id.
 */
vl_status vl_aead_seal(uint16_t aead_id, const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                       const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out);
vl_status vl_aead_open(uint16_t aead_id, const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                       const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out);
#endif
