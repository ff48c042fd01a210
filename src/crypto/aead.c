#include "crypto/aead.h"

#include <bearssl_aead.h>
#include <bearssl_block.h>
#include <string.h>

#include "crypto/chacha20.h"
#include "mem.h"

size_t vl_aead_key_len(uint16_t aead_id) {
  if (aead_id == VL_AEAD_AES128GCM) return 16;
  if (aead_id == VL_AEAD_AES256GCM || aead_id == VL_AEAD_CHACHA20POLY1305) return 32;
  return 0;
}

static int bad_args(const uint8_t *key, const uint8_t *nonce, size_t nonce_len, const uint8_t *aad, size_t aad_len,
                    const uint8_t *in, size_t in_len, const uint8_t *out, size_t out_len) {
  return !key || !nonce || nonce_len != VL_AEAD_NONCE_LEN || (!aad && aad_len) || (!in && in_len) || (!out && out_len);
}

/* Runs GCM over buf in place; on decrypt, checks the tag and zeroes buf on failure. */
static vl_status gcm_run(const uint8_t *key, size_t key_len, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                         uint8_t *buf, size_t len, uint8_t *tag, int encrypt) {
  br_aes_ct64_ctr_keys ks;
  br_gcm_context gc;
  br_aes_ct64_ctr_init(&ks, key, key_len);
  br_gcm_init(&gc, &ks.vtable, br_ghash_ctmul64);
  br_gcm_reset(&gc, nonce, VL_AEAD_NONCE_LEN);
  br_gcm_aad_inject(&gc, aad, aad_len);
  br_gcm_flip(&gc);
  br_gcm_run(&gc, encrypt, buf, len);
  vl_status st = VL_OK;
  if (encrypt) {
    br_gcm_get_tag(&gc, tag);
  } else if (!br_gcm_check_tag(&gc, tag)) { /* constant-time comparison */
    vl_wipe(buf, len);
    st = VL_ERR_AUTH;
  }
  vl_wipe(&ks, sizeof ks);
  vl_wipe(&gc, sizeof gc);
  return st;
}

static int gcm_key_len_ok(size_t key_len) {
  return key_len == 16 || key_len == 24 || key_len == 32;
}

vl_status vl_aes_gcm_seal(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                          const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out) {
  if (bad_args(key, nonce, nonce_len, aad, aad_len, pt, pt_len, out, pt_len + VL_AEAD_TAG_LEN) ||
      !gcm_key_len_ok(key_len))
    return VL_ERR_ARG;
  if (pt_len) memmove(out, pt, pt_len);
  return gcm_run(key, key_len, nonce, aad, aad_len, out, pt_len, out + pt_len, 1);
}

vl_status vl_aes_gcm_open(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                          const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out) {
  if (bad_args(key, nonce, nonce_len, aad, aad_len, ct, ct_len, out, ct_len - VL_AEAD_TAG_LEN) ||
      !gcm_key_len_ok(key_len) || ct_len < VL_AEAD_TAG_LEN)
    return VL_ERR_ARG;
  size_t n = ct_len - VL_AEAD_TAG_LEN;
  uint8_t tag[VL_AEAD_TAG_LEN];
  memcpy(tag, ct + n, sizeof tag); /* before an in-place run can overwrite it */
  if (n) memmove(out, ct, n);
  vl_status st = gcm_run(key, key_len, nonce, aad, aad_len, out, n, tag, 0);
  vl_wipe(tag, sizeof tag);
  return st;
}

static void chacha20poly1305_run(const uint8_t *key, const uint8_t *nonce, uint8_t *data, size_t len,
                                 const uint8_t *aad, size_t aad_len, uint8_t *tag, int encrypt) {
  vl_chacha20_pre ps;
  vl_chacha20_pre_init(&ps, key, nonce);
  br_poly1305_ctmul_run(&ps, nonce, data, len, aad, aad_len, tag, vl_chacha20_pre_run, encrypt);
  vl_wipe(ps.stream, sizeof ps.stream);
}

vl_status vl_chacha20poly1305_seal(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                                   const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out) {
  if (bad_args(key, nonce, nonce_len, aad, aad_len, pt, pt_len, out, pt_len + VL_AEAD_TAG_LEN) || key_len != 32)
    return VL_ERR_ARG;
  if (pt_len) memmove(out, pt, pt_len);
  chacha20poly1305_run(key, nonce, out, pt_len, aad, aad_len, out + pt_len, 1);
  return VL_OK;
}

vl_status vl_chacha20poly1305_open(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                                   const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out) {
  if (bad_args(key, nonce, nonce_len, aad, aad_len, ct, ct_len, out, ct_len - VL_AEAD_TAG_LEN) || key_len != 32 ||
      ct_len < VL_AEAD_TAG_LEN)
    return VL_ERR_ARG;
  size_t n = ct_len - VL_AEAD_TAG_LEN;
  uint8_t tag[VL_AEAD_TAG_LEN], calc[VL_AEAD_TAG_LEN];
  memcpy(tag, ct + n, sizeof tag);
  if (n) memmove(out, ct, n);
  /* Computes the tag over the ciphertext and decrypts; checking is ours. */
  chacha20poly1305_run(key, nonce, out, n, aad, aad_len, calc, 0);
  vl_status st = vl_ct_equal(calc, tag, sizeof tag) ? VL_OK : VL_ERR_AUTH;
  if (st != VL_OK) vl_wipe(out, n);
  vl_wipe(tag, sizeof tag);
  vl_wipe(calc, sizeof calc);
  return st;
}

vl_status vl_aead_seal(uint16_t aead_id, const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                       const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out) {
  size_t nk = vl_aead_key_len(aead_id);
  if (!nk) return VL_ERR_UNSUPPORTED;
  if (key_len != nk) return VL_ERR_ARG;
  if (aead_id == VL_AEAD_CHACHA20POLY1305)
    return vl_chacha20poly1305_seal(key, key_len, nonce, nonce_len, aad, aad_len, pt, pt_len, out);
  return vl_aes_gcm_seal(key, key_len, nonce, nonce_len, aad, aad_len, pt, pt_len, out);
}

vl_status vl_aead_open(uint16_t aead_id, const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
                       const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out) {
  size_t nk = vl_aead_key_len(aead_id);
  if (!nk) return VL_ERR_UNSUPPORTED;
  if (key_len != nk) return VL_ERR_ARG;
  if (aead_id == VL_AEAD_CHACHA20POLY1305)
    return vl_chacha20poly1305_open(key, key_len, nonce, nonce_len, aad, aad_len, ct, ct_len, out);
  return vl_aes_gcm_open(key, key_len, nonce, nonce_len, aad, aad_len, ct, ct_len, out);
}
