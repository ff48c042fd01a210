/*
 * The TLS client's elliptic-curve implementation (vl_ec_tls): BearSSL's m31
 * code for every curve, with one change. ECDSA verification's x*A + y*G on
 * P-256 runs a variable-time interleaved (Straus) 4-bit-window double-scalar
 * multiplication on BearSSL's own P-256 field and point arithmetic, instead of
 * two separate constant-time multiplications: 256 doublings instead of 512,
 * no constant-time table scans, and half the time of br_ec_p256_m31's muladd
 * in wasm (tests/bench/tunnel.bench.mjs; a cold TLS GET verifies two P-256
 * signatures: the leaf certificate's and the ServerKeyExchange's).
 *
 * Variable time is safe there and only there: BearSSL calls muladd() only
 * from ECDSA verification, whose inputs (the public key, the signature and
 * the hash of signed public data) are all public. Key exchange (ECDHE) and
 * everything secret use mul() and mulgen(), which stay BearSSL's
 * constant-time code.
 *
 * Built inside the `bearssl` library target (CMakeLists.txt), not the core's:
 * it includes BearSSL's ec_p256_m31.c from the pinned source package in the
 * build tree, renamed, to reach its static field and point functions; no
 * BearSSL source is copied into the repository.
 */
#include "ec_tls.h" /* (this file is built without src/ on the include path) */

#define br_ec_p256_m31 vl_ec_p256_m31_base /* renamed: never clashes with BearSSL's own, which TLS no longer names */
#include "ec/ec_p256_m31.c"                // NOLINT(bugprone-suspicious-include): BearSSL's source, included on purpose
#undef br_ec_p256_m31

/* 1 when P is the point at infinity (z == 0 mod p). */
static int is_infinity(const p256_jacobian *P) {
  uint32_t z[9];
  uint32_t acc = 0;
  memcpy(z, P->z, sizeof z);
  reduce_final_f256(z);
  for (int i = 0; i < 9; i++) acc |= z[i];
  return acc == 0;
}

/* Q += T, with T not the point at infinity; *q_inf says whether Q is. BearSSL's
 * additions are wrong exactly when Q == T (they return infinity and 0) and
 * give infinity with 1 when Q == -T; both are handled here. */
static void add_point(p256_jacobian *Q, int *q_inf, const p256_jacobian *T, int t_affine) {
  if (*q_inf) {
    *Q = *T;
    *q_inf = 0;
    return;
  }
  p256_jacobian S = *Q;
  uint32_t distinct_y = t_affine ? p256_add_mixed(&S, T) : p256_add(&S, T);
  if (is_infinity(&S)) {
    if (distinct_y) { /* Q == -T */
      *q_inf = 1;
      return;
    }
    S = *T; /* Q == T: double instead */
    p256_double(&S);
  }
  *Q = S;
}

/* The 4-bit digit i (0 = most significant) of a 32-byte big-endian scalar. */
static unsigned digit(const unsigned char *s, int i) {
  return (unsigned)(s[i >> 1] >> ((i & 1) ? 0 : 4)) & 15u;
}

/* x*A + y*G (B == NULL) or x*A + y*B, as br_ec_impl.muladd: 1 on success, 0 if
 * a point is invalid or the result is the point at infinity. Variable time. */
static uint32_t muladd_vartime(unsigned char *A, const unsigned char *B, size_t len, const unsigned char *x,
                               size_t xlen, const unsigned char *y, size_t ylen, int curve) {
  if (B != NULL) return api_muladd(A, B, len, x, xlen, y, ylen, curve); /* never used by ECDSA */
  if (xlen > 32 || ylen > 32) return 0;
  p256_jacobian W[16]; /* W[k] = k*A, k = 1..15 */
  if (!p256_decode(&W[1], A, len)) return 0;
  W[2] = W[1];
  p256_double(&W[2]);
  for (int k = 3; k < 16; k++) {
    int inf = 0;
    W[k] = W[k - 1];
    add_point(&W[k], &inf, &W[1], 0); /* k*A is never A or -A: A has prime order n */
  }
  unsigned char xs[32] = {0}, ys[32] = {0};
  memcpy(xs + 32 - xlen, x, xlen);
  memcpy(ys + 32 - ylen, y, ylen);
  p256_jacobian Q;
  memset(&Q, 0, sizeof Q);
  int q_inf = 1;
  for (int i = 0; i < 64; i++) {
    if (!q_inf)
      for (int d = 0; d < 4; d++) p256_double(&Q);
    unsigned dx = digit(xs, i), dy = digit(ys, i);
    if (dx) add_point(&Q, &q_inf, &W[dx], 0);
    if (dy) {
      p256_jacobian T; /* dy*G, affine, from BearSSL's own window */
      memcpy(T.x, &Gwin[dy - 1][0], sizeof T.x);
      memcpy(T.y, &Gwin[dy - 1][9], sizeof T.y);
      memset(T.z, 0, sizeof T.z);
      T.z[0] = 1;
      add_point(&Q, &q_inf, &T, 1);
    }
  }
  if (q_inf) return 0;
  p256_to_affine(&Q);
  p256_encode(A, &Q);
  return 1;
}

/* The dispatch br_ec_all_m31 does, with P-256's muladd above. */
static const unsigned char *tls_generator(int curve, size_t *len) {
  switch (curve) {
    case BR_EC_secp256r1: return api_generator(curve, len);
    case BR_EC_curve25519: return br_ec_c25519_m31.generator(curve, len);
    default: return br_ec_prime_i31.generator(curve, len);
  }
}

static const unsigned char *tls_order(int curve, size_t *len) {
  switch (curve) {
    case BR_EC_secp256r1: return api_order(curve, len);
    case BR_EC_curve25519: return br_ec_c25519_m31.order(curve, len);
    default: return br_ec_prime_i31.order(curve, len);
  }
}

static size_t tls_xoff(int curve, size_t *len) {
  switch (curve) {
    case BR_EC_secp256r1: return api_xoff(curve, len);
    case BR_EC_curve25519: return br_ec_c25519_m31.xoff(curve, len);
    default: return br_ec_prime_i31.xoff(curve, len);
  }
}

static uint32_t tls_mul(unsigned char *G, size_t Glen, const unsigned char *k, size_t klen, int curve) {
  switch (curve) {
    case BR_EC_secp256r1: return api_mul(G, Glen, k, klen, curve);
    case BR_EC_curve25519: return br_ec_c25519_m31.mul(G, Glen, k, klen, curve);
    default: return br_ec_prime_i31.mul(G, Glen, k, klen, curve);
  }
}

static size_t tls_mulgen(unsigned char *R, const unsigned char *k, size_t klen, int curve) {
  switch (curve) {
    case BR_EC_secp256r1: return api_mulgen(R, k, klen, curve);
    case BR_EC_curve25519: return br_ec_c25519_m31.mulgen(R, k, klen, curve);
    default: return br_ec_prime_i31.mulgen(R, k, klen, curve);
  }
}

static uint32_t tls_muladd(unsigned char *A, const unsigned char *B, size_t len, const unsigned char *x, size_t xlen,
                           const unsigned char *y, size_t ylen, int curve) {
  switch (curve) {
    case BR_EC_secp256r1: return muladd_vartime(A, B, len, x, xlen, y, ylen, curve);
    case BR_EC_curve25519: return 0; /* no such operation on Curve25519 */
    default: return br_ec_prime_i31.muladd(A, B, len, x, xlen, y, ylen, curve);
  }
}

const br_ec_impl vl_ec_tls = {
    (uint32_t)0x23800000, /* P-256, P-384, P-521, Curve25519: br_ec_all_m31's set */
    &tls_generator,       &tls_order, &tls_xoff, &tls_mul, &tls_mulgen, &tls_muladd,
};
