#include "crypto/chacha20.h"

#include <bearssl_block.h>
#include <string.h>

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#if defined(__clang__) && defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define VL_CHACHA_VECTOR 1
#endif
#endif

#ifdef VL_CHACHA_VECTOR
typedef uint32_t vl_row __attribute__((vector_size(16)));

/* Both always inlined: at -Os a call per quarter round passed the four rows
 * through memory and was a fifth of a 4 KB resolve (tests/bench/resolve.bench.mjs). */
static inline __attribute__((always_inline)) vl_row rotl(vl_row x, int n) {
  return (x << n) | (x >> (32 - n));
}

/* The quarter round on the four columns (or, rows rotated, diagonals) at once. */
static inline __attribute__((always_inline)) void qround(vl_row *a, vl_row *b, vl_row *c, vl_row *d) {
  *a += *b;
  *d = rotl(*d ^ *a, 16);
  *c += *d;
  *b = rotl(*b ^ *c, 12);
  *a += *b;
  *d = rotl(*d ^ *a, 8);
  *c += *d;
  *b = rotl(*b ^ *c, 7);
}

uint32_t vl_chacha20_run(const void *key, const void *iv, uint32_t cc, void *data, size_t len) {
  const uint8_t *k = key, *n = iv;
  uint8_t *buf = data;
  const vl_row a0 = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
  const vl_row b0 = {le32(k), le32(k + 4), le32(k + 8), le32(k + 12)};
  const vl_row c0 = {le32(k + 16), le32(k + 20), le32(k + 24), le32(k + 28)};
  vl_row d0 = {cc, le32(n), le32(n + 4), le32(n + 8)};
  while (len > 0) {
    vl_row a = a0, b = b0, c = c0, d = d0;
    for (int i = 0; i < 10; i++) {
      qround(&a, &b, &c, &d); /* columns */
      b = __builtin_shufflevector(b, b, 1, 2, 3, 0);
      c = __builtin_shufflevector(c, c, 2, 3, 0, 1);
      d = __builtin_shufflevector(d, d, 3, 0, 1, 2);
      qround(&a, &b, &c, &d); /* diagonals */
      b = __builtin_shufflevector(b, b, 3, 0, 1, 2);
      c = __builtin_shufflevector(c, c, 2, 3, 0, 1);
      d = __builtin_shufflevector(d, d, 1, 2, 3, 0);
    }
    vl_row rows[4] = {a + a0, b + b0, c + c0, d + d0};
    size_t clen = len < 64 ? len : 64, u = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* The rows are the key stream's bytes in order: XOR 16 bytes at a time. */
    for (; u + 16 <= clen; u += 16) {
      vl_row m;
      memcpy(&m, buf + u, 16);
      m ^= rows[u >> 4];
      memcpy(buf + u, &m, 16);
    }
#endif
    uint32_t w[16];
    memcpy(w, rows, sizeof w);
    for (; u < clen; u++) buf[u] ^= (uint8_t)(w[u >> 2] >> ((u & 3) << 3));
    buf += clen;
    len -= clen;
    d0[0] = ++cc;
  }
  return cc;
}
#else
uint32_t vl_chacha20_run(const void *key, const void *iv, uint32_t cc, void *data, size_t len) {
  return br_chacha20_ct_run(key, iv, cc, data, len);
}
#endif
