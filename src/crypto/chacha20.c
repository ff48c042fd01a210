#include "crypto/chacha20.h"

#include <bearssl_block.h>
#include <string.h>

#include "mem.h"

/* The vector path stores the key stream as rows of 32-bit words and uses
 * their bytes in memory order: that is the stream only on a little-endian
 * machine (wasm, x86, arm64), so anything else takes BearSSL's. */
#if defined(__clang__) && defined(__has_builtin) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#if __has_builtin(__builtin_shufflevector)
#define VL_CHACHA_VECTOR 1
#endif
#endif

#ifdef VL_CHACHA_VECTOR
static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

typedef uint32_t vl_row __attribute__((vector_size(16)));

/* All always inlined: at -Os a call per quarter round passed the rows through
 * memory and was a fifth of a 4 KB resolve (tests/bench/resolve.bench.mjs).
 * Every rotation is two shifts and an or, also by 16 and 8: with a byte
 * shuffle (i8x16.shuffle) for the rotation by 8, two blocks took 8-10%
 * longer under V8 (Node 20 and Chromium 156, measured side by side); by 16
 * the two measured the same. */
static inline __attribute__((always_inline)) vl_row rotl(vl_row x, int n) {
  return (x << n) | (x >> (32 - n));
}

/* The quarter round on the four columns (or, rows rotated, diagonals) at once,
 * for two blocks side by side (rows a..d and e..h): two independent
 * dependency chains, which the CPU overlaps (one block alone is a chain of
 * dependent vector operations). */
static inline __attribute__((always_inline)) void qround2(vl_row *a, vl_row *b, vl_row *c, vl_row *d, vl_row *e,
                                                          vl_row *f, vl_row *g, vl_row *h) {
  *a += *b, *e += *f;
  *d = rotl(*d ^ *a, 16), *h = rotl(*h ^ *e, 16);
  *c += *d, *g += *h;
  *b = rotl(*b ^ *c, 12), *f = rotl(*f ^ *g, 12);
  *a += *b, *e += *f;
  *d = rotl(*d ^ *a, 8), *h = rotl(*h ^ *e, 8);
  *c += *d, *g += *h;
  *b = rotl(*b ^ *c, 7), *f = rotl(*f ^ *g, 7);
}

/* A row's words rotated left by one, two and three lanes. */
static inline __attribute__((always_inline)) vl_row lanes1(vl_row x) {
  return __builtin_shufflevector(x, x, 1, 2, 3, 0);
}

static inline __attribute__((always_inline)) vl_row lanes2(vl_row x) {
  return __builtin_shufflevector(x, x, 2, 3, 0, 1);
}

static inline __attribute__((always_inline)) vl_row lanes3(vl_row x) {
  return __builtin_shufflevector(x, x, 3, 0, 1, 2);
}

/* Key stream blocks in[3][0] and the next (128 bytes) into out[0..7], as
 * rows. One copy (not inlined) for both callers: the module is size-bound. */
static __attribute__((noinline)) void two_blocks(const vl_row in[4], vl_row out[8]) {
  const vl_row a0 = in[0], b0 = in[1], c0 = in[2], d0 = in[3];
  vl_row d1 = d0;
  d1[0] += 1;
  vl_row a = a0, b = b0, c = c0, d = d0, e = a0, f = b0, g = c0, h = d1;
  for (int i = 0; i < 10; i++) {
    qround2(&a, &b, &c, &d, &e, &f, &g, &h); /* columns */
    b = lanes1(b), f = lanes1(f), c = lanes2(c), g = lanes2(g), d = lanes3(d), h = lanes3(h);
    qround2(&a, &b, &c, &d, &e, &f, &g, &h); /* diagonals */
    b = lanes3(b), f = lanes3(f), c = lanes2(c), g = lanes2(g), d = lanes1(d), h = lanes1(h);
  }
  out[0] = a + a0, out[1] = b + b0, out[2] = c + c0, out[3] = d + d0;
  out[4] = e + a0, out[5] = f + b0, out[6] = g + c0, out[7] = h + d1;
}

/* buf[0, len) ^= ks[0, len). */
static void xor_stream(uint8_t *buf, const uint8_t *ks, size_t len) {
  size_t u = 0;
  /* 16 bytes at a time. */
  for (; u + 16 <= len; u += 16) {
    vl_row m, k;
    memcpy(&m, buf + u, 16);
    memcpy(&k, ks + u, 16);
    m ^= k;
    memcpy(buf + u, &m, 16);
  }
  for (; u < len; u++) buf[u] ^= ks[u];
}

static void init_rows(const uint8_t *k, const uint8_t *n, uint32_t cc, vl_row r[4]) {
  r[0] = (vl_row){0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
  r[1] = (vl_row){le32(k), le32(k + 4), le32(k + 8), le32(k + 12)};
  r[2] = (vl_row){le32(k + 16), le32(k + 20), le32(k + 24), le32(k + 28)};
  r[3] = (vl_row){cc, le32(n), le32(n + 4), le32(n + 8)};
}

void vl_chacha20_pre_init(vl_chacha20_pre *p, const void *key, const void *iv) {
  vl_row r[4];
  init_rows(key, iv, 0, r);
  two_blocks(r, (vl_row *)(void *)p->stream); /* 16-byte aligned */
  p->key = key;
  vl_wipe(r + 1, 2 * sizeof r[1]);
}

uint32_t vl_chacha20_run(const void *key, const void *iv, uint32_t cc, void *data, size_t len) {
  uint8_t *buf = data;
  vl_row r[4], ks[8];
  init_rows(key, iv, cc, r);
  while (len > 0) {
    /* Two blocks per pass (the second one wasted when one is left). */
    two_blocks(r, ks);
    size_t clen = len < 128 ? len : 128;
    xor_stream(buf, (const uint8_t *)ks, clen);
    buf += clen;
    len -= clen;
    cc += (uint32_t)((clen + 63) / 64);
    r[3][0] = cc;
  }
  vl_wipe(ks, sizeof ks);
  vl_wipe(r + 1, 2 * sizeof r[1]);
  return cc;
}
#else
uint32_t vl_chacha20_run(const void *key, const void *iv, uint32_t cc, void *data, size_t len) {
  return br_chacha20_ct_run(key, iv, cc, data, len);
}

static void xor_stream(uint8_t *buf, const uint8_t *ks, size_t len) {
  for (size_t u = 0; u < len; u++) buf[u] ^= ks[u];
}

void vl_chacha20_pre_init(vl_chacha20_pre *p, const void *key, const void *iv) {
  memset(p->stream, 0, sizeof p->stream);
  br_chacha20_ct_run(key, iv, 0, p->stream, sizeof p->stream);
  p->key = key;
}
#endif

uint32_t vl_chacha20_pre_run(const void *pre, const void *iv, uint32_t cc, void *data, size_t len) {
  const vl_chacha20_pre *p = pre;
  uint8_t *d = data;
  if (cc < 2) {
    size_t off = (size_t)cc * 64, n = len < sizeof p->stream - off ? len : sizeof p->stream - off;
    xor_stream(d, p->stream + off, n);
    d += n;
    len -= n;
    cc += (uint32_t)((n + 63) / 64);
  }
  return len ? vl_chacha20_run(p->key, iv, cc, d, len) : cc;
}
