/*
 * The elliptic-curve implementation the TLS client uses (src/tls/ec_tls.c):
 * BearSSL's m31 code for P-256, P-384, P-521 and Curve25519, with a
 * variable-time P-256 muladd() for ECDSA verification (public inputs only).
 */
#ifndef VL_TLS_EC_TLS_H
#define VL_TLS_EC_TLS_H

#include <bearssl.h>

extern const br_ec_impl vl_ec_tls;

#endif
