/*
 * HPKE (RFC 9180), base mode only, with DHKEM(X25519, HKDF-SHA256) and
 * HKDF-SHA256; AEADs AES-128-GCM (0x0001), AES-256-GCM (0x0002),
 * ChaCha20-Poly1305 (0x0003) and export-only (0xFFFF).
 *
 * Base mode authenticates no sender: anyone holding pkR can encrypt to it. Bind
 * context into info and aad (envelope.c does), and keep recipient keys per
 * session. A context holds key material: end it with vl_hpke_ctx_wipe().
 */
#ifndef VL_CRYPTO_HPKE_H
#define VL_CRYPTO_HPKE_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "vaultlink.h"

#define VL_HPKE_KEM_X25519_SHA256 0x0020u
#define VL_HPKE_KDF_HKDF_SHA256 0x0001u
#define VL_HPKE_NENC 32u /* enc, pk, sk and shared secret lengths */
#define VL_HPKE_MAX_INFO ((size_t)64 * 1024)
#define VL_HPKE_MAX_EXPORT ((size_t)255 * 32)

/* An encryption context (RFC 9180 §5.2). Fields are internal. */
typedef struct {
  uint16_t aead_id;
  uint8_t suite_id[10];
  uint8_t key[32];
  size_t key_len;
  uint8_t base_nonce[VL_AEAD_NONCE_LEN];
  uint8_t exporter_secret[32];
  uint64_t seq; /* next sequence number; UINT64_MAX is the message limit */
} vl_hpke_ctx;

/* 1 if aead_id is one this build supports (including export-only). */
int vl_hpke_aead_supported(uint16_t aead_id);

/* DeriveKeyPair(ikm) (§7.1.3). For tests and vectors; real keys come from
 * vl_x25519_keygen(). VL_ERR_ARG for a NULL ikm or ikm_len > 64 KiB. */
vl_status vl_hpke_derive_keypair(const uint8_t *ikm, size_t ikm_len, uint8_t sk[VL_HPKE_NENC],
                                 uint8_t pk[VL_HPKE_NENC]);

/* Decap (§4.1): shared_secret from enc and the recipient's key pair. pkR may be
 * NULL (recomputed from skR). VL_ERR_CRYPTO for a low-order enc. */
vl_status vl_hpke_decap(uint8_t shared_secret[VL_HPKE_NENC], const uint8_t enc[VL_HPKE_NENC],
                        const uint8_t skR[VL_HPKE_NENC], const uint8_t *pkR);

/*
 * SetupBaseR: a receiver context from enc, the recipient key pair (pkR may be
 * NULL) and info. VL_ERR_UNSUPPORTED for an unknown AEAD, VL_ERR_LIMIT for an
 * info over VL_HPKE_MAX_INFO, VL_ERR_CRYPTO for a low-order enc. On failure
 * ctx is zeroed.
 */
vl_status vl_hpke_setup_base_r(vl_hpke_ctx *ctx, uint16_t aead_id, const uint8_t enc[VL_HPKE_NENC],
                               const uint8_t skR[VL_HPKE_NENC], const uint8_t *pkR, const uint8_t *info,
                               size_t info_len);

/* SetupBaseS with a fresh ephemeral key from vl_random(); writes enc. */
vl_status vl_hpke_setup_base_s(vl_hpke_ctx *ctx, uint16_t aead_id, const uint8_t pkR[VL_HPKE_NENC], const uint8_t *info,
                               size_t info_len, uint8_t enc[VL_HPKE_NENC]);

/* SetupBaseS with a caller-chosen ephemeral secret key skE (vectors only). */
vl_status vl_hpke_setup_base_s_derand(vl_hpke_ctx *ctx, uint16_t aead_id, const uint8_t pkR[VL_HPKE_NENC],
                                      const uint8_t *info, size_t info_len, const uint8_t skE[VL_HPKE_NENC],
                                      uint8_t enc[VL_HPKE_NENC]);

/*
 * Seal/Open the next message of a context. seal writes pt_len + 16 bytes to
 * out; open writes ct_len - 16. The sequence number advances only on success.
 * VL_ERR_LIMIT when the sequence space is exhausted, VL_ERR_UNSUPPORTED on an
 * export-only context, VL_ERR_AUTH (out zeroed) for a wrong tag.
 */
vl_status vl_hpke_seal(vl_hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len,
                       uint8_t *out);
vl_status vl_hpke_open(vl_hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len,
                       uint8_t *out);

/* Export(exporter_context, L) (§5.3); L <= 255*32 else VL_ERR_LIMIT. */
vl_status vl_hpke_export(const vl_hpke_ctx *ctx, const uint8_t *exp_ctx, size_t exp_ctx_len, uint8_t *out,
                         size_t out_len);

/* Zeroes a context. */
void vl_hpke_ctx_wipe(vl_hpke_ctx *ctx);

/* Single-shot open (SetupBaseR + Open); nothing but VL_OK leaves bytes in out. */
vl_status vl_hpke_open_base(uint16_t aead_id, const uint8_t skR[VL_HPKE_NENC], const uint8_t *pkR,
                            const uint8_t enc[VL_HPKE_NENC], const uint8_t *info, size_t info_len, const uint8_t *aad,
                            size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out);

/* Single-shot seal with a fresh ephemeral key; writes enc and pt_len + 16 bytes. */
vl_status vl_hpke_seal_base(uint16_t aead_id, const uint8_t pkR[VL_HPKE_NENC], const uint8_t *info, size_t info_len,
                            const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len,
                            uint8_t enc[VL_HPKE_NENC], uint8_t *out);
#endif
