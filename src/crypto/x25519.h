/*
 * X25519 (RFC 7748) over BearSSL 0.6's br_ec_c25519_m31, the fastest
 * constant-time implementation on wasm32. BearSSL 0.6 reads scalars in RFC
 * 7748 (little-endian) byte order and clamps them itself; later BearSSL
 * versions read them big-endian, which the RFC 9180 vectors would catch.
 */
#ifndef VL_CRYPTO_X25519_H
#define VL_CRYPTO_X25519_H
#include <stdint.h>

#include "vaultlink.h"

#define VL_X25519_LEN 32u

/*
 * out = X25519(scalar, point). Returns VL_ERR_CRYPTO, with out zeroed, when the
 * result is all zero (a low-order point: RFC 7748 §6.1, RFC 9180 §7.1.4);
 * the check runs in constant time.
 */
vl_status vl_x25519(uint8_t out[VL_X25519_LEN], const uint8_t scalar[VL_X25519_LEN],
                    const uint8_t point[VL_X25519_LEN]);

/* pk = X25519(sk, 9). */
void vl_x25519_public(uint8_t pk[VL_X25519_LEN], const uint8_t sk[VL_X25519_LEN]);

/* A fresh key pair from vl_random(). VL_ERR_CRYPTO if the entropy source fails. */
vl_status vl_x25519_keygen(uint8_t sk[VL_X25519_LEN], uint8_t pk[VL_X25519_LEN]);
#endif
