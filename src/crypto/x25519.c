#include "crypto/x25519.h"

#include <bearssl_ec.h>
#include <string.h>

#include "crypto/random.h"
#include "mem.h"

vl_status vl_x25519(uint8_t out[VL_X25519_LEN], const uint8_t scalar[VL_X25519_LEN],
                    const uint8_t point[VL_X25519_LEN]) {
  uint8_t r[VL_X25519_LEN];
  memcpy(r, point, sizeof r);
  /* mul() fails only for a wrong length, which cannot happen here; it returns
   * 1 even for an all-zero result, hence the explicit check below. */
  uint32_t ok = br_ec_c25519_m31.mul(r, sizeof r, scalar, VL_X25519_LEN, BR_EC_curve25519);
  uint32_t z = 0;
  for (size_t i = 0; i < sizeof r; i++) z |= r[i];
  if (!ok || z == 0) {
    vl_wipe(r, sizeof r);
    vl_wipe(out, VL_X25519_LEN);
    return VL_ERR_CRYPTO;
  }
  memcpy(out, r, sizeof r);
  vl_wipe(r, sizeof r);
  return VL_OK;
}

void vl_x25519_public(uint8_t pk[VL_X25519_LEN], const uint8_t sk[VL_X25519_LEN]) {
  br_ec_c25519_m31.mulgen(pk, sk, VL_X25519_LEN, BR_EC_curve25519);
}

vl_status vl_x25519_keygen(uint8_t sk[VL_X25519_LEN], uint8_t pk[VL_X25519_LEN]) {
  vl_status st = vl_random(sk, VL_X25519_LEN);
  if (st != VL_OK) return st;
  vl_x25519_public(pk, sk);
  return VL_OK;
}
