#include "crypto/hash.h"

#include <bearssl_hash.h>
#include <bearssl_hmac.h>
#include <string.h>

#include "mem.h"

void vl_sha256(const void *data, size_t len, uint8_t out[VL_SHA256_LEN]) {
  br_sha256_context sc;
  br_sha256_init(&sc);
  br_sha256_update(&sc, data, len);
  br_sha256_out(&sc, out);
  vl_wipe(&sc, sizeof sc);
}

void vl_hmac_sha256_v(const void *key, size_t key_len, const vl_iov *parts, size_t count, uint8_t out[VL_SHA256_LEN]) {
  br_hmac_key_context kc;
  br_hmac_context hc;
  br_hmac_key_init(&kc, &br_sha256_vtable, key, key_len);
  br_hmac_init(&hc, &kc, 0);
  for (size_t i = 0; i < count; i++)
    if (parts[i].n) br_hmac_update(&hc, parts[i].p, parts[i].n);
  br_hmac_out(&hc, out);
  vl_wipe(&kc, sizeof kc);
  vl_wipe(&hc, sizeof hc);
}

void vl_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len, uint8_t out[VL_SHA256_LEN]) {
  vl_iov part = {msg, msg_len};
  vl_hmac_sha256_v(key, key_len, &part, 1, out);
}

vl_status vl_hmac_sha256_verify(const void *key, size_t key_len, const void *msg, size_t msg_len, const uint8_t *tag,
                                size_t tag_len, size_t want_len) {
  if (want_len < 16 || want_len > VL_SHA256_LEN) return VL_ERR_ARG;
  if (!tag || tag_len != want_len) return VL_ERR_AUTH;
  uint8_t mac[VL_SHA256_LEN];
  vl_hmac_sha256(key, key_len, msg, msg_len, mac);
  int ok = vl_ct_equal(mac, tag, want_len);
  vl_wipe(mac, sizeof mac);
  return ok ? VL_OK : VL_ERR_AUTH;
}

void vl_hkdf_extract(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len, uint8_t prk[VL_SHA256_LEN]) {
  /* HMAC pads a short key with zeros, so an empty salt already equals
   * RFC 5869's default of HashLen zero bytes. */
  vl_hmac_sha256(salt, salt_len, ikm, ikm_len, prk);
}

/* Upper bound on info parts: HPKE's LabeledExpand uses 5. */
#define VL_HKDF_MAX_PARTS 8u

vl_status vl_hkdf_expand_v(const void *prk, size_t prk_len, const vl_iov *info, size_t count, uint8_t *out,
                           size_t out_len) {
  if (out_len > VL_HKDF_SHA256_MAX_OKM) return VL_ERR_LIMIT;
  if (!out && out_len) return VL_ERR_ARG;
  if (count > VL_HKDF_MAX_PARTS) return VL_ERR_ARG;
  br_hmac_key_context kc;
  br_hmac_context hc;
  uint8_t t[VL_SHA256_LEN];
  br_hmac_key_init(&kc, &br_sha256_vtable, prk, prk_len);
  for (size_t done = 0, i = 1; done < out_len; i++) {
    uint8_t ctr = (uint8_t)i;
    br_hmac_init(&hc, &kc, 0);
    if (i > 1) br_hmac_update(&hc, t, sizeof t); /* T(i-1) */
    for (size_t j = 0; j < count; j++)
      if (info[j].n) br_hmac_update(&hc, info[j].p, info[j].n);
    br_hmac_update(&hc, &ctr, 1);
    br_hmac_out(&hc, t);
    size_t n = out_len - done < sizeof t ? out_len - done : sizeof t;
    memcpy(out + done, t, n);
    done += n;
  }
  vl_wipe(&kc, sizeof kc);
  vl_wipe(&hc, sizeof hc);
  vl_wipe(t, sizeof t);
  return VL_OK;
}

vl_status vl_hkdf_expand(const void *prk, size_t prk_len, const void *info, size_t info_len, uint8_t *out,
                         size_t out_len) {
  vl_iov part = {info, info_len};
  return vl_hkdf_expand_v(prk, prk_len, &part, 1, out, out_len);
}
