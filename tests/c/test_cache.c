/* The sealed value cache: sealing, associated data, expiry, sweep, LRU. */
#include <unistd.h>

#include "cache.h"
#include "mem.h"
#include "vltest.h"

/* The test's own entropy source, counting calls (a C definition takes the
 * place of the C library's, natively and in wasm): deterministic bytes are
 * enough for what these tests check. */
static unsigned entropy_calls;
int getentropy(void *buf, size_t len) {
  static uint8_t next;
  entropy_calls++;
  for (size_t i = 0; i < len; i++) ((uint8_t *)buf)[i] = next += 37;
  return 0;
}

static void test_seal_roundtrip_and_binding(void) {
  vl_cache c;
  CHECK_EQ_INT(vl_cache_init(&c), VL_OK);
  CHECK_EQ_INT(vl_cache_put(&c, "aws|arn:1", "n", (const uint8_t *)"hunter2", 7, 2000, 1000), VL_OK);
  /* Sealed at rest: the plaintext is nowhere in the entry. */
  CHECK(c.entries[0].sealed_len == 12 + 7 + 16);
  int found = 0;
  for (size_t i = 0; i + 7 <= c.entries[0].sealed_len; i++)
    if (memcmp(c.entries[0].sealed + i, "hunter2", 7) == 0) found = 1;
  CHECK(!found);
  uint8_t *v;
  size_t n;
  CHECK_EQ_INT(vl_cache_get(&c, "aws|arn:1", 1500, &v, &n), VL_OK);
  CHECK_EQ_MEM(v, n, "hunter2", 7);
  vl_free(v);
  /* The key is the associated data: an entry moved under another key fails. */
  char *k = c.entries[0].key;
  c.entries[0].key = vl_memdup("aws|arn:2", 9);
  CHECK_EQ_INT(vl_cache_get(&c, "aws|arn:2", 1500, &v, &n), VL_ERR_AUTH);
  CHECK(v == NULL);
  vl_free(c.entries[0].key);
  c.entries[0].key = k;
  /* A flipped ciphertext bit fails too. */
  c.entries[0].sealed[13] ^= 1;
  CHECK_EQ_INT(vl_cache_get(&c, "aws|arn:1", 1500, &v, &n), VL_ERR_AUTH);
  vl_cache_free(&c);
}

static void test_expiry_on_read_and_sweep(void) {
  vl_cache c;
  vl_cache_init(&c);
  vl_cache_put(&c, "a", "a", (const uint8_t *)"1", 1, 2000, 1000);
  vl_cache_put(&c, "b", "b", (const uint8_t *)"2", 1, 5000, 1000);
  CHECK_EQ_INT(vl_cache_put(&c, "dead", "d", (const uint8_t *)"3", 1, 900, 1000), VL_OK); /* already expired */
  CHECK_EQ_INT(c.count, 2);
  uint8_t *v;
  size_t n;
  CHECK(vl_cache_has(&c, "a", 1999));
  CHECK(!vl_cache_has(&c, "a", 2000));
  CHECK_EQ_INT(vl_cache_get(&c, "a", 2000, &v, &n), VL_ERR_EXPIRED); /* the caller's clock decides */
  CHECK_EQ_INT(c.count, 1);
  CHECK_EQ_INT(vl_cache_get(&c, "a", 2000, &v, &n), VL_ERR_NOT_FOUND);
  CHECK_EQ_INT(vl_cache_sweep(&c, 4999), 0);
  CHECK_EQ_INT(vl_cache_sweep(&c, 5000), 1);
  CHECK_EQ_INT(c.count, 0);
  CHECK_EQ_INT(c.bytes, 0);
  vl_cache_free(&c);
}

static void test_lru_bounds_and_drop(void) {
  vl_cache c;
  vl_cache_init(&c);
  char key[32];
  for (unsigned i = 0; i < VL_CACHE_MAX_ENTRIES + 5; i++) {
    snprintf(key, sizeof key, "p|k%u", i);
    CHECK_EQ_INT(vl_cache_put(&c, key, "n", (const uint8_t *)"v", 1, 1000000, 10 + i), VL_OK);
    if (i == 3) { /* touch k0: it becomes recent and survives eviction */
      uint8_t *v;
      size_t n;
      CHECK_EQ_INT(vl_cache_get(&c, "p|k0", 1000, &v, &n), VL_OK);
      vl_free(v);
    }
  }
  CHECK_EQ_INT(c.count, VL_CACHE_MAX_ENTRIES);
  CHECK(vl_cache_has(&c, "p|k0", 2000));
  CHECK(!vl_cache_has(&c, "p|k1", 2000)); /* least recently used went first */
  /* Byte bound. */
  uint8_t *big = vl_calloc(VL_CACHE_MAX_BYTES / 2);
  CHECK_EQ_INT(vl_cache_put(&c, "q|big1", "b", big, VL_CACHE_MAX_BYTES / 2, 1000000, 5000), VL_OK);
  CHECK_EQ_INT(vl_cache_put(&c, "q|big2", "b", big, VL_CACHE_MAX_BYTES / 2, 1000000, 5001), VL_OK);
  CHECK(c.bytes <= VL_CACHE_MAX_BYTES);
  CHECK(vl_cache_has(&c, "q|big2", 6000));
  vl_free(big);
  vl_cache_drop(&c, "p|");
  for (size_t i = 0; i < c.count; i++) CHECK(strncmp(c.entries[i].key, "p|", 2) != 0);
  vl_cache_drop(&c, "");
  CHECK_EQ_INT(c.count, 0);
  vl_cache_free(&c);
}

/* Every seal under one session key has its own nonce (the session's prefix and
 * a counter), and sealing draws no entropy: one call, at init. Each draw was a
 * round trip out of wasm to crypto.getRandomValues on every seal. */
static void test_nonces_unique_no_entropy_per_seal(void) {
  vl_cache c;
  unsigned before = entropy_calls;
  CHECK_EQ_INT(vl_cache_init(&c), VL_OK);
  CHECK(entropy_calls == before + 1);
  enum { N = 64 };
  uint8_t nonces[N][12];
  for (int i = 0; i < N; i++) {
    char key[16];
    key[0] = (char)('a' + i % 26);
    key[1] = (char)('a' + i / 26);
    key[2] = 0;
    CHECK_EQ_INT(vl_cache_put(&c, key, "n", (const uint8_t *)"same", 4, 2000, 1000), VL_OK);
    memcpy(nonces[i], c.entries[c.count - 1].sealed, 12);
  }
  CHECK(entropy_calls == before + 1);
  for (int i = 0; i < N; i++) {
    CHECK(memcmp(nonces[i], nonces[0], 4) == 0); /* the session's prefix */
    for (int j = i + 1; j < N; j++) CHECK(memcmp(nonces[i], nonces[j], 12) != 0);
  }
  /* A new session has a new key and prefix. */
  vl_cache d;
  CHECK_EQ_INT(vl_cache_init(&d), VL_OK);
  CHECK(memcmp(c.key, d.key, sizeof c.key) != 0);
  CHECK(memcmp(c.prefix, d.prefix, sizeof c.prefix) != 0);
  vl_cache_free(&d);
  vl_cache_free(&c);
}

VLT_MAIN(TEST(test_seal_roundtrip_and_binding), TEST(test_nonces_unique_no_entropy_per_seal),
         TEST(test_expiry_on_read_and_sweep), TEST(test_lru_bounds_and_drop))
