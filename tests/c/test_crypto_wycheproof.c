/* Wycheproof vectors (../shared/vectors/wycheproof) against the crypto wrappers:
 * every test case gets its expected verdict, and the case counts are checked so
 * a truncated or missing file cannot pass silently. */
#include <cJSON.h>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/x25519.h"
#include "vltest.h"

static cJSON *load_json(const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", VL_VECTORS_DIR, rel);
  char *text = vlt_read_file(path, NULL);
  if (!text) {
    fprintf(stderr, "  cannot read %s\n", path);
    return NULL;
  }
  cJSON *j = cJSON_Parse(text);
  free(text);
  return j;
}

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : "";
}

static int num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) ? v->valueint : -1;
}

static int has_flag(const cJSON *t, const char *flag) {
  const cJSON *f;
  cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(t, "flags")) {
    if (cJSON_IsString(f) && strcmp(f->valuestring, flag) == 0) return 1;
  }
  return 0;
}

static int all_zero(const unsigned char *p, size_t n) {
  unsigned char d = 0;
  for (size_t i = 0; i < n; i++) d |= p[i];
  return d == 0;
}

typedef vl_status (*aead_fn)(const uint8_t *, size_t, const uint8_t *, size_t, const uint8_t *, size_t, const uint8_t *,
                             size_t, uint8_t *);

typedef struct {
  int total, valid, invalid, nonce_rejected;
} aead_counts;

static void run_aead_file(const char *rel, aead_fn seal, aead_fn open, aead_counts *c) {
  cJSON *root = load_json(rel);
  CHECK(root != NULL);
  if (!root) return;
  const cJSON *g, *t;
  cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(root, "testGroups")) {
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests")) {
      int failed_before = vlt_failed_checks;
      size_t kl, nl, al, ml, cl, tl;
      unsigned char *key = vlt_unhex(str(t, "key"), &kl), *iv = vlt_unhex(str(t, "iv"), &nl);
      unsigned char *aad = vlt_unhex(str(t, "aad"), &al), *msg = vlt_unhex(str(t, "msg"), &ml);
      unsigned char *ct = vlt_unhex(str(t, "ct"), &cl), *tag = vlt_unhex(str(t, "tag"), &tl);
      int valid = strcmp(str(t, "result"), "valid") == 0;
      unsigned char *ctt = malloc(cl + tl + 1), *out = calloc(1, ml + cl + tl + 16);
      memcpy(ctt, ct, cl);
      memcpy(ctt + cl, tag, tl);
      c->total++;
      vl_status so = open(key, kl, iv, nl, aad, al, ctt, cl + tl, out);
      if (nl != VL_AEAD_NONCE_LEN) {
        /* The wrappers accept only 96-bit nonces, valid per Wycheproof or not. */
        c->nonce_rejected++;
        CHECK_EQ_INT(so, VL_ERR_ARG);
        CHECK_EQ_INT(seal(key, kl, iv, nl, aad, al, msg, ml, out), VL_ERR_ARG);
        CHECK(all_zero(out, ml + cl + tl));
      } else if (valid) {
        c->valid++;
        CHECK_EQ_INT(so, VL_OK);
        CHECK_EQ_MEM(out, cl, msg, ml);
        memset(out, 0, ml + cl + tl);
        CHECK_EQ_INT(seal(key, kl, iv, nl, aad, al, msg, ml, out), VL_OK);
        CHECK_EQ_MEM(out, ml + VL_AEAD_TAG_LEN, ctt, cl + tl);
      } else {
        c->invalid++;
        CHECK(so != VL_OK);
        CHECK(all_zero(out, ml + cl + tl)); /* no unauthenticated plaintext */
      }
      if (vlt_failed_checks != failed_before) fprintf(stderr, "  %s tcId %d\n", rel, num(t, "tcId"));
      free(key), free(iv), free(aad), free(msg), free(ct), free(tag), free(ctt), free(out);
    }
  }
  cJSON_Delete(root);
}

static void test_aes_gcm(void) {
  aead_counts c = {0, 0, 0, 0};
  run_aead_file("wycheproof/aes_gcm_test.json", vl_aes_gcm_seal, vl_aes_gcm_open, &c);
  printf("  aes_gcm: %d cases: %d valid, %d invalid, %d non-96-bit nonces rejected\n", c.total, c.valid, c.invalid,
         c.nonce_rejected);
  CHECK_EQ_INT(c.total, 316);
  CHECK_EQ_INT(c.valid + c.invalid, 197); /* the 96-bit-IV cases */
}

static void test_chacha20poly1305(void) {
  aead_counts c = {0, 0, 0, 0};
  run_aead_file("wycheproof/chacha20_poly1305_test.json", vl_chacha20poly1305_seal, vl_chacha20poly1305_open, &c);
  printf("  chacha20_poly1305: %d cases: %d valid, %d invalid, %d non-96-bit nonces rejected\n", c.total, c.valid,
         c.invalid, c.nonce_rejected);
  CHECK_EQ_INT(c.total, 325);
  CHECK_EQ_INT(c.nonce_rejected, 9);
}

static void test_aead_in_place(void) {
  uint8_t key[32] = {1}, nonce[12] = {2}, buf[64 + 16], ref[64 + 16];
  for (size_t i = 0; i < 64; i++) buf[i] = (uint8_t)i;
  CHECK_EQ_INT(vl_aead_seal(VL_AEAD_AES256GCM, key, 32, nonce, 12, NULL, 0, buf, 64, ref), VL_OK);
  CHECK_EQ_INT(vl_aead_seal(VL_AEAD_AES256GCM, key, 32, nonce, 12, NULL, 0, buf, 64, buf), VL_OK);
  CHECK_EQ_MEM(buf, sizeof buf, ref, sizeof ref);
  CHECK_EQ_INT(vl_aead_open(VL_AEAD_AES256GCM, key, 32, nonce, 12, NULL, 0, buf, sizeof buf, buf), VL_OK);
  for (size_t i = 0; i < 64; i++) CHECK_EQ_INT(buf[i], i);
  CHECK_EQ_INT(vl_aead_seal(VL_AEAD_EXPORT_ONLY, key, 32, nonce, 12, NULL, 0, buf, 64, ref), VL_ERR_UNSUPPORTED);
  CHECK_EQ_INT(vl_aead_seal(VL_AEAD_AES128GCM, key, 32, nonce, 12, NULL, 0, buf, 64, ref), VL_ERR_ARG);
  CHECK_EQ_INT(vl_aead_open(VL_AEAD_CHACHA20POLY1305, key, 32, nonce, 12, NULL, 0, buf, 15, buf), VL_ERR_ARG);
}

static void test_x25519(void) {
  cJSON *root = load_json("wycheproof/x25519_test.json");
  CHECK(root != NULL);
  if (!root) return;
  int total = 0, zero = 0, matched = 0;
  const cJSON *g, *t;
  cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(root, "testGroups")) {
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests")) {
      int failed_before = vlt_failed_checks;
      size_t pl, sl, xl;
      unsigned char *pub = vlt_unhex(str(t, "public"), &pl), *priv = vlt_unhex(str(t, "private"), &sl);
      unsigned char *shared = vlt_unhex(str(t, "shared"), &xl);
      uint8_t out[32];
      memset(out, 0xAA, sizeof out);
      total++;
      CHECK_EQ_INT(pl, 32);
      CHECK_EQ_INT(sl, 32);
      vl_status st = vl_x25519(out, priv, pub);
      if (has_flag(t, "ZeroSharedSecret")) {
        /* RFC 9180 §7.1.4: an all-zero DH output must abort. */
        zero++;
        CHECK_EQ_INT(st, VL_ERR_CRYPTO);
        CHECK(all_zero(out, sizeof out));
      } else {
        CHECK_EQ_INT(st, VL_OK);
        CHECK_EQ_MEM(out, sizeof out, shared, xl);
        if (st == VL_OK && memcmp(out, shared, 32) == 0) matched++;
      }
      if (vlt_failed_checks != failed_before) fprintf(stderr, "  x25519 tcId %d\n", num(t, "tcId"));
      free(pub), free(priv), free(shared);
    }
  }
  printf("  x25519: %d cases: %d matched, %d zero shared secrets rejected\n", total, matched, zero);
  CHECK_EQ_INT(total, 518);
  CHECK_EQ_INT(zero, 31);
  CHECK_EQ_INT(matched, 518 - 31);
  cJSON_Delete(root);
}

static void test_hkdf(void) {
  cJSON *root = load_json("wycheproof/hkdf_sha256_test.json");
  CHECK(root != NULL);
  if (!root) return;
  int total = 0, valid = 0, too_large = 0;
  const cJSON *g, *t;
  cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(root, "testGroups")) {
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests")) {
      int failed_before = vlt_failed_checks;
      size_t il, sl, nl, ol;
      unsigned char *ikm = vlt_unhex(str(t, "ikm"), &il), *salt = vlt_unhex(str(t, "salt"), &sl);
      unsigned char *info = vlt_unhex(str(t, "info"), &nl), *okm = vlt_unhex(str(t, "okm"), &ol);
      size_t size = (size_t)num(t, "size");
      uint8_t prk[32], *out = calloc(1, size + 1);
      total++;
      vl_hkdf_extract(salt, sl, ikm, il, prk);
      vl_status st = vl_hkdf_expand(prk, sizeof prk, info, nl, out, size);
      if (strcmp(str(t, "result"), "valid") == 0) {
        valid++;
        CHECK_EQ_INT(st, VL_OK);
        CHECK_EQ_MEM(out, size, okm, ol);
      } else {
        too_large++;
        CHECK_EQ_INT(st, VL_ERR_LIMIT);
        CHECK(size > VL_HKDF_SHA256_MAX_OKM);
        CHECK(all_zero(out, size));
      }
      if (vlt_failed_checks != failed_before) fprintf(stderr, "  hkdf tcId %d\n", num(t, "tcId"));
      free(ikm), free(salt), free(info), free(okm), free(out);
    }
  }
  printf("  hkdf_sha256: %d cases: %d valid, %d over 255*32 rejected\n", total, valid, too_large);
  CHECK_EQ_INT(total, 86);
  CHECK_EQ_INT(too_large, 3);
  cJSON_Delete(root);
}

static void test_hmac(void) {
  cJSON *root = load_json("wycheproof/hmac_sha256_test.json");
  CHECK(root != NULL);
  if (!root) return;
  int total = 0, valid = 0, invalid = 0, truncated = 0;
  const cJSON *g, *t;
  cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(root, "testGroups")) {
    size_t want = (size_t)num(g, "tagSize") / 8;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests")) {
      int failed_before = vlt_failed_checks;
      size_t kl, ml, tl;
      unsigned char *key = vlt_unhex(str(t, "key"), &kl), *msg = vlt_unhex(str(t, "msg"), &ml);
      unsigned char *tag = vlt_unhex(str(t, "tag"), &tl);
      total++;
      if (want < 32) truncated++;
      vl_status st = vl_hmac_sha256_verify(key, kl, msg, ml, tag, tl, want);
      if (strcmp(str(t, "result"), "valid") == 0) {
        valid++;
        uint8_t mac[32];
        vl_hmac_sha256(key, kl, msg, ml, mac);
        CHECK_EQ_MEM(mac, want, tag, tl);
        CHECK_EQ_INT(st, VL_OK);
      } else {
        invalid++;
        CHECK_EQ_INT(st, VL_ERR_AUTH);
      }
      if (vlt_failed_checks != failed_before) fprintf(stderr, "  hmac tcId %d\n", num(t, "tcId"));
      free(key), free(msg), free(tag);
    }
  }
  printf("  hmac_sha256: %d cases: %d valid, %d invalid, %d with truncated tags\n", total, valid, invalid, truncated);
  CHECK_EQ_INT(total, 174);
  CHECK_EQ_INT(valid, 66);
  CHECK(truncated > 0);
  cJSON_Delete(root);
}

static void test_sha256_and_random(void) {
  /* FIPS 180-2 "abc" */
  size_t n;
  unsigned char *want = vlt_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", &n);
  uint8_t out[32];
  vl_sha256("abc", 3, out);
  CHECK_EQ_MEM(out, 32, want, n);
  free(want);
  uint8_t a[600], b[600];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  CHECK_EQ_INT(vl_random(a, sizeof a), VL_OK); /* > 256: exercises the loop */
  CHECK_EQ_INT(vl_random(b, sizeof b), VL_OK);
  CHECK(memcmp(a, b, sizeof a) != 0);
  CHECK(!all_zero(a + 512, 88));
  CHECK_EQ_INT(vl_random(NULL, 0), VL_OK);
  CHECK_EQ_INT(vl_random(NULL, 1), VL_ERR_ARG);
}

VLT_MAIN(TEST(test_aes_gcm), TEST(test_chacha20poly1305), TEST(test_aead_in_place), TEST(test_x25519), TEST(test_hkdf),
         TEST(test_hmac), TEST(test_sha256_and_random))
