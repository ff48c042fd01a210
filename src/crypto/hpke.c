#include "crypto/hpke.h"

#include <string.h>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/x25519.h"
#include "mem.h"

static const uint8_t kem_suite_id[5] = {'K', 'E', 'M', 0x00, 0x20};
static const char hpke_v1[] = "HPKE-v1";

static vl_iov str_iov(const char *s) {
  vl_iov v = {s, strlen(s)};
  return v;
}

/* LabeledExtract(salt, label, ikm) = HKDF-Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm) */
static void labeled_extract(const uint8_t *suite, size_t suite_len, const uint8_t *salt, size_t salt_len,
                            const char *label, const uint8_t *ikm, size_t ikm_len, uint8_t prk[VL_SHA256_LEN]) {
  vl_iov parts[4] = {str_iov(hpke_v1), {suite, suite_len}, str_iov(label), {ikm, ikm_len}};
  vl_hmac_sha256_v(salt, salt_len, parts, 4, prk);
}

/* LabeledExpand(prk, label, info, L) = HKDF-Expand(prk, I2OSP(L,2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L) */
static vl_status labeled_expand(const uint8_t *suite, size_t suite_len, const uint8_t prk[VL_SHA256_LEN],
                                const char *label, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len) {
  if (out_len > VL_HKDF_SHA256_MAX_OKM) return VL_ERR_LIMIT;
  uint8_t l2[2] = {(uint8_t)(out_len >> 8), (uint8_t)out_len};
  vl_iov parts[5] = {{l2, 2}, str_iov(hpke_v1), {suite, suite_len}, str_iov(label), {info, info_len}};
  return vl_hkdf_expand_v(prk, VL_SHA256_LEN, parts, 5, out, out_len);
}

int vl_hpke_aead_supported(uint16_t aead_id) {
  return aead_id == VL_AEAD_EXPORT_ONLY || vl_aead_key_len(aead_id) != 0;
}

vl_status vl_hpke_derive_keypair(const uint8_t *ikm, size_t ikm_len, uint8_t sk[VL_HPKE_NENC],
                                 uint8_t pk[VL_HPKE_NENC]) {
  if ((!ikm && ikm_len) || ikm_len > VL_HPKE_MAX_INFO || !sk || !pk) return VL_ERR_ARG;
  uint8_t prk[VL_SHA256_LEN];
  labeled_extract(kem_suite_id, sizeof kem_suite_id, NULL, 0, "dkp_prk", ikm, ikm_len, prk);
  vl_status st = labeled_expand(kem_suite_id, sizeof kem_suite_id, prk, "sk", NULL, 0, sk, VL_HPKE_NENC);
  vl_wipe(prk, sizeof prk);
  if (st == VL_OK) vl_x25519_public(pk, sk);
  return st;
}

/* ExtractAndExpand(dh, enc ‖ pkR) into the KEM shared secret. */
static vl_status extract_and_expand(const uint8_t dh[VL_HPKE_NENC], const uint8_t enc[VL_HPKE_NENC],
                                    const uint8_t pkR[VL_HPKE_NENC], uint8_t ss[VL_HPKE_NENC]) {
  uint8_t prk[VL_SHA256_LEN], kem_context[2 * VL_HPKE_NENC];
  labeled_extract(kem_suite_id, sizeof kem_suite_id, NULL, 0, "eae_prk", dh, VL_HPKE_NENC, prk);
  memcpy(kem_context, enc, VL_HPKE_NENC);
  memcpy(kem_context + VL_HPKE_NENC, pkR, VL_HPKE_NENC);
  vl_status st = labeled_expand(kem_suite_id, sizeof kem_suite_id, prk, "shared_secret", kem_context,
                                sizeof kem_context, ss, VL_HPKE_NENC);
  vl_wipe(prk, sizeof prk);
  return st;
}

vl_status vl_hpke_decap(uint8_t shared_secret[VL_HPKE_NENC], const uint8_t enc[VL_HPKE_NENC],
                        const uint8_t skR[VL_HPKE_NENC], const uint8_t *pkR) {
  if (!shared_secret || !enc || !skR) return VL_ERR_ARG;
  uint8_t dh[VL_HPKE_NENC], pk[VL_HPKE_NENC];
  if (pkR) {
    memcpy(pk, pkR, sizeof pk);
  } else {
    vl_x25519_public(pk, skR);
  }
  vl_status st = vl_x25519(dh, skR, enc);
  if (st == VL_OK) st = extract_and_expand(dh, enc, pk, shared_secret);
  vl_wipe(dh, sizeof dh);
  if (st != VL_OK) vl_wipe(shared_secret, VL_HPKE_NENC);
  return st;
}

/* Encap with a given ephemeral secret key. */
static vl_status encap(uint8_t ss[VL_HPKE_NENC], uint8_t enc[VL_HPKE_NENC], const uint8_t pkR[VL_HPKE_NENC],
                       const uint8_t skE[VL_HPKE_NENC]) {
  uint8_t dh[VL_HPKE_NENC], pkE[VL_HPKE_NENC];
  vl_x25519_public(pkE, skE);
  vl_status st = vl_x25519(dh, skE, pkR);
  if (st == VL_OK) st = extract_and_expand(dh, pkE, pkR, ss);
  if (st == VL_OK) memcpy(enc, pkE, VL_HPKE_NENC);
  vl_wipe(dh, sizeof dh);
  if (st != VL_OK) vl_wipe(ss, VL_HPKE_NENC);
  return st;
}

/* KeySchedule (§5.1), mode_base: default psk and psk_id are empty. */
static vl_status key_schedule(vl_hpke_ctx *ctx, uint16_t aead_id, const uint8_t ss[VL_HPKE_NENC], const uint8_t *info,
                              size_t info_len) {
  uint8_t *suite = ctx->suite_id;
  const size_t slen = sizeof ctx->suite_id;
  memcpy(suite, "HPKE", 4);
  suite[4] = 0x00; /* kem_id 0x0020 */
  suite[5] = 0x20;
  suite[6] = 0x00; /* kdf_id 0x0001 */
  suite[7] = 0x01;
  suite[8] = (uint8_t)(aead_id >> 8);
  suite[9] = (uint8_t)aead_id;
  ctx->aead_id = aead_id;
  ctx->seq = 0;

  uint8_t ksc[1 + 2 * VL_SHA256_LEN], secret[VL_SHA256_LEN];
  ksc[0] = 0x00; /* mode_base */
  labeled_extract(suite, slen, NULL, 0, "psk_id_hash", NULL, 0, ksc + 1);
  labeled_extract(suite, slen, NULL, 0, "info_hash", info, info_len, ksc + 1 + VL_SHA256_LEN);
  labeled_extract(suite, slen, ss, VL_HPKE_NENC, "secret", NULL, 0, secret); /* psk = "" */

  vl_status st = VL_OK;
  ctx->key_len = vl_aead_key_len(aead_id);
  if (ctx->key_len) {
    st = labeled_expand(suite, slen, secret, "key", ksc, sizeof ksc, ctx->key, ctx->key_len);
    if (st == VL_OK)
      st = labeled_expand(suite, slen, secret, "base_nonce", ksc, sizeof ksc, ctx->base_nonce, VL_AEAD_NONCE_LEN);
  }
  if (st == VL_OK)
    st = labeled_expand(suite, slen, secret, "exp", ksc, sizeof ksc, ctx->exporter_secret, VL_SHA256_LEN);
  vl_wipe(ksc, sizeof ksc);
  vl_wipe(secret, sizeof secret);
  return st;
}

void vl_hpke_ctx_wipe(vl_hpke_ctx *ctx) {
  if (ctx) vl_wipe(ctx, sizeof *ctx);
}

static vl_status check_setup_args(const vl_hpke_ctx *ctx, uint16_t aead_id, const uint8_t *info, size_t info_len) {
  if (!ctx || (!info && info_len)) return VL_ERR_ARG;
  if (!vl_hpke_aead_supported(aead_id)) return VL_ERR_UNSUPPORTED;
  if (info_len > VL_HPKE_MAX_INFO) return VL_ERR_LIMIT;
  return VL_OK;
}

vl_status vl_hpke_setup_base_r(vl_hpke_ctx *ctx, uint16_t aead_id, const uint8_t enc[VL_HPKE_NENC],
                               const uint8_t skR[VL_HPKE_NENC], const uint8_t *pkR, const uint8_t *info,
                               size_t info_len) {
  vl_status st = check_setup_args(ctx, aead_id, info, info_len);
  if (st != VL_OK) return st;
  if (!enc || !skR) return VL_ERR_ARG;
  uint8_t ss[VL_HPKE_NENC];
  st = vl_hpke_decap(ss, enc, skR, pkR);
  if (st == VL_OK) st = key_schedule(ctx, aead_id, ss, info, info_len);
  vl_wipe(ss, sizeof ss);
  if (st != VL_OK) vl_hpke_ctx_wipe(ctx);
  return st;
}

vl_status vl_hpke_setup_base_s_derand(vl_hpke_ctx *ctx, uint16_t aead_id, const uint8_t pkR[VL_HPKE_NENC],
                                      const uint8_t *info, size_t info_len, const uint8_t skE[VL_HPKE_NENC],
                                      uint8_t enc[VL_HPKE_NENC]) {
  vl_status st = check_setup_args(ctx, aead_id, info, info_len);
  if (st != VL_OK) return st;
  if (!pkR || !skE || !enc) return VL_ERR_ARG;
  uint8_t ss[VL_HPKE_NENC], e[VL_HPKE_NENC];
  st = encap(ss, e, pkR, skE);
  if (st == VL_OK) st = key_schedule(ctx, aead_id, ss, info, info_len);
  vl_wipe(ss, sizeof ss);
  if (st == VL_OK) {
    memcpy(enc, e, VL_HPKE_NENC);
  } else {
    vl_hpke_ctx_wipe(ctx);
  }
  return st;
}

vl_status vl_hpke_setup_base_s(vl_hpke_ctx *ctx, uint16_t aead_id, const uint8_t pkR[VL_HPKE_NENC], const uint8_t *info,
                               size_t info_len, uint8_t enc[VL_HPKE_NENC]) {
  uint8_t skE[VL_HPKE_NENC];
  vl_status st = vl_random(skE, sizeof skE);
  if (st == VL_OK) st = vl_hpke_setup_base_s_derand(ctx, aead_id, pkR, info, info_len, skE, enc);
  vl_wipe(skE, sizeof skE);
  return st;
}

/* nonce = base_nonce XOR I2OSP(seq, Nn) */
static void compute_nonce(const vl_hpke_ctx *ctx, uint8_t nonce[VL_AEAD_NONCE_LEN]) {
  memcpy(nonce, ctx->base_nonce, VL_AEAD_NONCE_LEN);
  for (size_t i = 0; i < 8; i++) nonce[VL_AEAD_NONCE_LEN - 1 - i] ^= (uint8_t)(ctx->seq >> (8 * i));
}

static vl_status check_message(const vl_hpke_ctx *ctx) {
  if (!ctx) return VL_ERR_ARG;
  if (!ctx->key_len) return VL_ERR_UNSUPPORTED; /* export-only */
  /* RFC 9180 caps seq at 2^96 - 1; a uint64_t counter stops at 2^64 - 1. */
  if (ctx->seq == UINT64_MAX) return VL_ERR_LIMIT;
  return VL_OK;
}

vl_status vl_hpke_seal(vl_hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len,
                       uint8_t *out) {
  vl_status st = check_message(ctx);
  if (st != VL_OK) return st;
  uint8_t nonce[VL_AEAD_NONCE_LEN];
  compute_nonce(ctx, nonce);
  st = vl_aead_seal(ctx->aead_id, ctx->key, ctx->key_len, nonce, sizeof nonce, aad, aad_len, pt, pt_len, out);
  if (st == VL_OK) ctx->seq++;
  vl_wipe(nonce, sizeof nonce);
  return st;
}

vl_status vl_hpke_open(vl_hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len,
                       uint8_t *out) {
  vl_status st = check_message(ctx);
  if (st != VL_OK) return st;
  uint8_t nonce[VL_AEAD_NONCE_LEN];
  compute_nonce(ctx, nonce);
  st = vl_aead_open(ctx->aead_id, ctx->key, ctx->key_len, nonce, sizeof nonce, aad, aad_len, ct, ct_len, out);
  if (st == VL_OK) ctx->seq++;
  vl_wipe(nonce, sizeof nonce);
  return st;
}

vl_status vl_hpke_export(const vl_hpke_ctx *ctx, const uint8_t *exp_ctx, size_t exp_ctx_len, uint8_t *out,
                         size_t out_len) {
  if (!ctx || (!exp_ctx && exp_ctx_len) || (!out && out_len)) return VL_ERR_ARG;
  if (exp_ctx_len > VL_HPKE_MAX_INFO) return VL_ERR_LIMIT;
  return labeled_expand(ctx->suite_id, sizeof ctx->suite_id, ctx->exporter_secret, "sec", exp_ctx, exp_ctx_len, out,
                        out_len);
}

vl_status vl_hpke_open_base(uint16_t aead_id, const uint8_t skR[VL_HPKE_NENC], const uint8_t *pkR,
                            const uint8_t enc[VL_HPKE_NENC], const uint8_t *info, size_t info_len, const uint8_t *aad,
                            size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out) {
  vl_hpke_ctx ctx;
  vl_status st = vl_hpke_setup_base_r(&ctx, aead_id, enc, skR, pkR, info, info_len);
  if (st == VL_OK) st = vl_hpke_open(&ctx, aad, aad_len, ct, ct_len, out);
  vl_hpke_ctx_wipe(&ctx);
  return st;
}

vl_status vl_hpke_seal_base(uint16_t aead_id, const uint8_t pkR[VL_HPKE_NENC], const uint8_t *info, size_t info_len,
                            const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len,
                            uint8_t enc[VL_HPKE_NENC], uint8_t *out) {
  vl_hpke_ctx ctx;
  uint8_t e[VL_HPKE_NENC];
  vl_status st = vl_hpke_setup_base_s(&ctx, aead_id, pkR, info, info_len, e);
  if (st == VL_OK) st = vl_hpke_seal(&ctx, aad, aad_len, pt, pt_len, out);
  if (st == VL_OK) memcpy(enc, e, VL_HPKE_NENC);
  vl_hpke_ctx_wipe(&ctx);
  return st;
}
