/*
 * The wasm ABI for HPKE, AEAD and sealed envelopes: thin wrappers over
 * src/crypto/ and src/envelope.h that the JS bridge and the interop tests
 * call. Buffers are allocated by the caller with vl_alloc (sizes in the
 * comments); results that do not fit the return value go to a small outbox.
 * Every entry point that touched secret bytes ends with vl_scrub_stack().
 */
#include <stdint.h>

#include "crypto/aead.h"
#include "crypto/hpke.h"
#include "crypto/x25519.h"
#include "envelope.h"
#include "mem.h"
#include "scrub.h"
#include "vaultlink.h"

static uintptr_t outbox[4];
static char last_error[256];

uintptr_t *vl_w_crypto_outbox(void);
const char *vl_w_crypto_error(void);
int vl_w_x25519_keygen(uint8_t *sk, uint8_t *pk);
int vl_w_x25519_public(uint8_t *pk, const uint8_t *sk);
int vl_w_aead_seal(uint32_t aead_id, const uint8_t *key, size_t key_len, const uint8_t *nonce, const uint8_t *aad,
                   size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out);
int vl_w_aead_open(uint32_t aead_id, const uint8_t *key, size_t key_len, const uint8_t *nonce, const uint8_t *aad,
                   size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out);
int vl_w_hpke_seal_base(uint32_t aead_id, const uint8_t *pkR, const uint8_t *info, size_t info_len, const uint8_t *aad,
                        size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *enc, uint8_t *out);
int vl_w_hpke_open_base(uint32_t aead_id, const uint8_t *skR, const uint8_t *pkR, const uint8_t *enc,
                        const uint8_t *info, size_t info_len, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                        size_t ct_len, uint8_t *out);
vl_hpke_ctx *vl_w_hpke_receiver_new(uint32_t aead_id, const uint8_t *enc, const uint8_t *skR, const uint8_t *pkR,
                                    const uint8_t *info, size_t info_len);
int vl_w_hpke_receiver_open(vl_hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len,
                            uint8_t *out);
int vl_w_hpke_export(vl_hpke_ctx *ctx, const uint8_t *exp_ctx, size_t exp_ctx_len, uint8_t *out, size_t out_len);
void vl_w_hpke_ctx_free(vl_hpke_ctx *ctx);
int vl_w_envelope_open(const uint8_t *env, size_t len, const uint8_t *skR, const uint8_t *pkR, const uint8_t *ref,
                       size_t ref_len, double now_ms);
int vl_w_envelope_seal(const uint8_t *pkR, uint32_t aead_id, const uint8_t *ref, size_t ref_len, double expires_ms,
                       const uint8_t *pt, size_t pt_len);

static uint64_t ms(double t) {
  return t > 0 ? (uint64_t)t : 0;
}

uintptr_t *vl_w_crypto_outbox(void) {
  return outbox;
}

/* The message of the last failed envelope call (never secret). */
const char *vl_w_crypto_error(void) {
  return last_error;
}

/* sk[32], pk[32] */
int vl_w_x25519_keygen(uint8_t *sk, uint8_t *pk) {
  int st = vl_x25519_keygen(sk, pk);
  vl_scrub_stack();
  return st;
}

/* pk[32] from sk[32] */
int vl_w_x25519_public(uint8_t *pk, const uint8_t *sk) {
  vl_x25519_public(pk, sk);
  vl_scrub_stack();
  return VL_OK;
}

/* nonce[12]; out[pt_len + 16] */
int vl_w_aead_seal(uint32_t aead_id, const uint8_t *key, size_t key_len, const uint8_t *nonce, const uint8_t *aad,
                   size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out) {
  int st = vl_aead_seal((uint16_t)aead_id, key, key_len, nonce, VL_AEAD_NONCE_LEN, aad, aad_len, pt, pt_len, out);
  vl_scrub_stack();
  return st;
}

/* nonce[12]; out[ct_len - 16], zeroed on failure */
int vl_w_aead_open(uint32_t aead_id, const uint8_t *key, size_t key_len, const uint8_t *nonce, const uint8_t *aad,
                   size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out) {
  int st = vl_aead_open((uint16_t)aead_id, key, key_len, nonce, VL_AEAD_NONCE_LEN, aad, aad_len, ct, ct_len, out);
  vl_scrub_stack();
  return st;
}

/* pkR[32]; enc[32]; out[pt_len + 16] */
int vl_w_hpke_seal_base(uint32_t aead_id, const uint8_t *pkR, const uint8_t *info, size_t info_len, const uint8_t *aad,
                        size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *enc, uint8_t *out) {
  int st = vl_hpke_seal_base((uint16_t)aead_id, pkR, info, info_len, aad, aad_len, pt, pt_len, enc, out);
  vl_scrub_stack();
  return st;
}

/* skR[32], pkR[32] or NULL, enc[32]; out[ct_len - 16], zeroed on failure */
int vl_w_hpke_open_base(uint32_t aead_id, const uint8_t *skR, const uint8_t *pkR, const uint8_t *enc,
                        const uint8_t *info, size_t info_len, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                        size_t ct_len, uint8_t *out) {
  int st = vl_hpke_open_base((uint16_t)aead_id, skR, pkR, enc, info, info_len, aad, aad_len, ct, ct_len, out);
  vl_scrub_stack();
  return st;
}

/* A receiver context for a stream of messages; NULL on failure (status in outbox[0]). */
vl_hpke_ctx *vl_w_hpke_receiver_new(uint32_t aead_id, const uint8_t *enc, const uint8_t *skR, const uint8_t *pkR,
                                    const uint8_t *info, size_t info_len) {
  vl_hpke_ctx *ctx = vl_alloc(sizeof *ctx);
  int st = ctx ? vl_hpke_setup_base_r(ctx, (uint16_t)aead_id, enc, skR, pkR, info, info_len) : VL_ERR_NOMEM;
  if (st != VL_OK) {
    vl_free(ctx);
    ctx = NULL;
  }
  outbox[0] = (uintptr_t)st;
  vl_scrub_stack();
  return ctx;
}

/* The next message of the stream; out[ct_len - 16] */
int vl_w_hpke_receiver_open(vl_hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len,
                            uint8_t *out) {
  int st = vl_hpke_open(ctx, aad, aad_len, ct, ct_len, out);
  vl_scrub_stack();
  return st;
}

int vl_w_hpke_export(vl_hpke_ctx *ctx, const uint8_t *exp_ctx, size_t exp_ctx_len, uint8_t *out, size_t out_len) {
  int st = vl_hpke_export(ctx, exp_ctx, exp_ctx_len, out, out_len);
  vl_scrub_stack();
  return st;
}

/* Wipes and frees a context. */
void vl_w_hpke_ctx_free(vl_hpke_ctx *ctx) {
  vl_free(ctx);
}

/* On success outbox = {value, value_len, expires_ms low 32 bits, high 32 bits};
 * the value is freed with vl_free (the bridge zero-fills it first). */
int vl_w_envelope_open(const uint8_t *env, size_t len, const uint8_t *skR, const uint8_t *pkR, const uint8_t *ref,
                       size_t ref_len, double now_ms) {
  uint8_t *plain = NULL;
  size_t plain_len = 0;
  uint64_t exp = 0;
  int st = vl_envelope_open(env, len, skR, pkR, ref, ref_len, ms(now_ms), &plain, &plain_len, &exp, last_error,
                            sizeof last_error);
  outbox[0] = (uintptr_t)plain;
  outbox[1] = plain_len;
  outbox[2] = (uintptr_t)(uint32_t)exp;
  outbox[3] = (uintptr_t)(uint32_t)(exp >> 32);
  vl_scrub_stack();
  return st;
}

/* On success outbox = {envelope, envelope_len}; freed with vl_free. */
int vl_w_envelope_seal(const uint8_t *pkR, uint32_t aead_id, const uint8_t *ref, size_t ref_len, double expires_ms,
                       const uint8_t *pt, size_t pt_len) {
  uint8_t *env = NULL;
  size_t env_len = 0;
  int st = vl_envelope_seal(pkR, (uint16_t)aead_id, ref, ref_len, ms(expires_ms), pt, pt_len, &env, &env_len);
  outbox[0] = (uintptr_t)env;
  outbox[1] = env_len;
  vl_scrub_stack();
  return st;
}
