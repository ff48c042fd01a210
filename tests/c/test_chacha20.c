/* vl_chacha20_run (src/crypto/chacha20.c): RFC 8439 §2.4.2's vector, and the
 * same key stream as BearSSL's br_chacha20_ct_run for every length across
 * block boundaries, several counters and keys. */
#include <bearssl_block.h>
#include <string.h>

#include "crypto/chacha20.h"
#include "mem.h"
#include "vltest.h"

static void test_rfc8439_vector(void) {
  uint8_t key[32], nonce[12] = {0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0};
  for (int i = 0; i < 32; i++) key[i] = (uint8_t)i;
  static const char pt[] =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be "
      "it.";
  static const uint8_t ct[114] = {
      0x6e, 0x2e, 0x35, 0x9a, 0x25, 0x68, 0xf9, 0x80, 0x41, 0xba, 0x07, 0x28, 0xdd, 0x0d, 0x69, 0x81, 0xe9, 0x7e, 0x7a,
      0xec, 0x1d, 0x43, 0x60, 0xc2, 0x0a, 0x27, 0xaf, 0xcc, 0xfd, 0x9f, 0xae, 0x0b, 0xf9, 0x1b, 0x65, 0xc5, 0x52, 0x47,
      0x33, 0xab, 0x8f, 0x59, 0x3d, 0xab, 0xcd, 0x62, 0xb3, 0x57, 0x16, 0x39, 0xd6, 0x24, 0xe6, 0x51, 0x52, 0xab, 0x8f,
      0x53, 0x0c, 0x35, 0x9f, 0x08, 0x61, 0xd8, 0x07, 0xca, 0x0d, 0xbf, 0x50, 0x0d, 0x6a, 0x61, 0x56, 0xa3, 0x8e, 0x08,
      0x8a, 0x22, 0xb6, 0x5e, 0x52, 0xbc, 0x51, 0x4d, 0x16, 0xcc, 0xf8, 0x06, 0x81, 0x8c, 0xe9, 0x1a, 0xb7, 0x79, 0x37,
      0x36, 0x5a, 0xf9, 0x0b, 0xbf, 0x74, 0xa3, 0x5b, 0xe6, 0xb4, 0x0b, 0x8e, 0xed, 0xf2, 0x78, 0x5e, 0x42, 0x87, 0x4d};
  uint8_t buf[114];
  memcpy(buf, pt, sizeof buf);
  CHECK_EQ_INT(vl_chacha20_run(key, nonce, 1, buf, sizeof buf), 3); /* 114 bytes: blocks 1 and 2 */
  CHECK(memcmp(buf, ct, sizeof ct) == 0);
  vl_chacha20_run(key, nonce, 1, buf, sizeof buf); /* the same stream again decrypts */
  CHECK(memcmp(buf, pt, sizeof buf) == 0);
}

static void test_same_stream_as_bearssl(void) {
  uint8_t key[32], nonce[12], a[300], b[300];
  uint32_t seed = 0x9e3779b9u;
  for (int round = 0; round < 8; round++) {
    for (size_t i = 0; i < sizeof key; i++) key[i] = (uint8_t)((seed = seed * 1664525u + 1013904223u) >> 24);
    for (size_t i = 0; i < sizeof nonce; i++) nonce[i] = (uint8_t)((seed = seed * 1664525u + 1013904223u) >> 24);
    const uint32_t counters[] = {0, 1, 7, 0xfffffffeu};
    for (size_t len = 0; len <= sizeof a; len++) {
      uint32_t cc = counters[len % 4];
      for (size_t i = 0; i < len; i++) a[i] = b[i] = (uint8_t)(i * 31 + (size_t)round);
      uint32_t ra = vl_chacha20_run(key, nonce, cc, a, len);
      uint32_t rb = br_chacha20_ct_run(key, nonce, cc, b, len);
      CHECK_EQ_INT(ra, rb);
      CHECK(memcmp(a, b, len) == 0);
    }
  }
}

/* The stream with blocks 0 and 1 computed ahead (what ChaCha20-Poly1305
 * uses): the same bytes and counters as BearSSL's, from every counter it
 * covers or starts after, for lengths across both precomputed blocks. */
static void test_precomputed_stream_as_bearssl(void) {
  uint8_t key[32], nonce[12], a[300], b[300];
  for (size_t i = 0; i < sizeof key; i++) key[i] = (uint8_t)(0xa5 ^ (i * 7));
  for (size_t i = 0; i < sizeof nonce; i++) nonce[i] = (uint8_t)(i * 13 + 1);
  vl_chacha20_pre pre;
  vl_chacha20_pre_init(&pre, key, nonce);
  for (uint32_t cc = 0; cc < 4; cc++) {
    for (size_t len = 0; len <= sizeof a; len++) {
      for (size_t i = 0; i < len; i++) a[i] = b[i] = (uint8_t)(i * 29 + cc);
      CHECK_EQ_INT(vl_chacha20_pre_run(&pre, nonce, cc, a, len), br_chacha20_ct_run(key, nonce, cc, b, len));
      CHECK(memcmp(a, b, len) == 0);
    }
  }
  vl_wipe(&pre, sizeof pre);
}

VLT_MAIN(TEST(test_rfc8439_vector), TEST(test_same_stream_as_bearssl), TEST(test_precomputed_stream_as_bearssl))
