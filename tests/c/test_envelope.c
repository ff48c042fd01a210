/* Sealed envelopes: round trips for each AEAD, the distinct failure statuses,
 * truncation at every length, and every single-bit flip of a sample envelope
 * rejected with the caller's output buffer left all zero. */
#include <stdint.h>

#include "crypto/aead.h"
#include "crypto/hpke.h"
#include "crypto/x25519.h"
#include "envelope.h"
#include "mem.h"
#include "vltest.h"

static const uint8_t ref[] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-key";
#define REF_LEN (sizeof ref - 1)
static const uint8_t value[] = "sk_live_51H8exampleexampleexample";
#define VALUE_LEN (sizeof value - 1)
static const uint64_t t0 = 1760000000000ull; /* "now" in the tests */

static uint8_t skR[32], pkR[32];

static void keys(void) {
  static const uint8_t ikm[] = "vaultlink envelope test recipient";
  vl_hpke_derive_keypair(ikm, sizeof ikm - 1, skR, pkR);
}

static int all_zero(const uint8_t *p, size_t n) {
  uint8_t d = 0;
  for (size_t i = 0; i < n; i++) d |= p[i];
  return d == 0;
}

static void test_roundtrip_each_aead(void) {
  keys();
  static const uint16_t aeads[] = {VL_AEAD_AES128GCM, VL_AEAD_AES256GCM, VL_AEAD_CHACHA20POLY1305};
  for (size_t i = 0; i < 3; i++) {
    uint8_t *env = NULL, *plain = NULL;
    size_t env_len = 0, plain_len = 0;
    uint64_t exp = 0;
    char err[256];
    CHECK_EQ_INT(vl_envelope_seal(pkR, aeads[i], ref, REF_LEN, t0 + 60000, value, VALUE_LEN, &env, &env_len), VL_OK);
    CHECK_EQ_INT(env_len, VL_ENVELOPE_FIXED_LEN + REF_LEN + VALUE_LEN + VL_AEAD_TAG_LEN);
    vl_envelope_header h;
    CHECK_EQ_INT(vl_envelope_parse(env, env_len, &h, err, sizeof err), VL_OK);
    CHECK_EQ_INT(h.aead_id, aeads[i]);
    CHECK_EQ_MEM(h.ref, h.ref_len, ref, REF_LEN);
    CHECK_EQ_INT(vl_envelope_open(env, env_len, skR, pkR, ref, REF_LEN, t0, &plain, &plain_len, &exp, err, sizeof err),
                 VL_OK);
    CHECK_EQ_MEM(plain, plain_len, value, VALUE_LEN);
    CHECK(exp == t0 + 60000);
    vl_free(plain);
    /* pkR may be omitted */
    CHECK_EQ_INT(vl_envelope_open(env, env_len, skR, NULL, ref, REF_LEN, t0, &plain, &plain_len, NULL, NULL, 0), VL_OK);
    vl_free(plain);
    vl_free(env);
  }
  uint8_t *env = NULL;
  size_t env_len = 0;
  CHECK_EQ_INT(vl_envelope_seal(pkR, VL_AEAD_EXPORT_ONLY, ref, REF_LEN, t0, value, VALUE_LEN, &env, &env_len),
               VL_ERR_UNSUPPORTED);
  CHECK_EQ_INT(vl_envelope_seal(pkR, VL_AEAD_AES128GCM, ref, 0, t0, value, VALUE_LEN, &env, &env_len), VL_ERR_LIMIT);
  CHECK(env == NULL);
}

static void test_distinct_errors(void) {
  keys();
  uint8_t *env = NULL, *plain = (uint8_t *)1;
  size_t env_len = 0, plain_len = 99;
  char err[256];
  CHECK_EQ_INT(
      vl_envelope_seal(pkR, VL_AEAD_CHACHA20POLY1305, ref, REF_LEN, t0 + 1000, value, VALUE_LEN, &env, &env_len),
      VL_OK);

  uint8_t sk2[32], pk2[32];
  CHECK_EQ_INT(vl_x25519_keygen(sk2, pk2), VL_OK);
  CHECK_EQ_INT(vl_envelope_open(env, env_len, sk2, pk2, ref, REF_LEN, t0, &plain, &plain_len, NULL, err, sizeof err),
               VL_ERR_WRONG_RECIPIENT);
  CHECK(plain == NULL && plain_len == 0);
  CHECK(strstr(err, "key id") != NULL);

  CHECK_EQ_INT(vl_envelope_open(env, env_len, skR, pkR, (const uint8_t *)"op://vault/item/field", 21, t0, &plain,
                                &plain_len, NULL, err, sizeof err),
               VL_ERR_REF_MISMATCH);
  CHECK(strstr(err, "op://vault/item/field") != NULL);
  CHECK_EQ_INT(
      vl_envelope_open(env, env_len, skR, pkR, ref, REF_LEN - 1, t0, &plain, &plain_len, NULL, err, sizeof err),
      VL_ERR_REF_MISMATCH);

  CHECK_EQ_INT(
      vl_envelope_open(env, env_len, skR, pkR, ref, REF_LEN, t0 + 999, &plain, &plain_len, NULL, err, sizeof err),
      VL_OK);
  vl_free(plain);
  CHECK_EQ_INT(
      vl_envelope_open(env, env_len, skR, pkR, ref, REF_LEN, t0 + 1000, &plain, &plain_len, NULL, err, sizeof err),
      VL_ERR_EXPIRED);
  CHECK(plain == NULL && strstr(err, "expired") != NULL);

  /* a key pair whose pkR does not belong to skR: same key id, but HPKE fails */
  CHECK_EQ_INT(vl_envelope_open(env, env_len, sk2, pkR, ref, REF_LEN, t0, &plain, &plain_len, NULL, err, sizeof err),
               VL_ERR_AUTH);
  CHECK(plain == NULL && strstr(err, "authentication") != NULL);

  /* unsupported version and suite */
  uint8_t *copy = malloc(env_len);
  memcpy(copy, env, env_len);
  copy[3] = 2;
  CHECK_EQ_INT(vl_envelope_open(copy, env_len, skR, pkR, ref, REF_LEN, t0, &plain, &plain_len, NULL, err, sizeof err),
               VL_ERR_UNSUPPORTED);
  CHECK(strstr(err, "byte 3") != NULL);
  memcpy(copy, env, env_len);
  copy[9] = 0x04;
  CHECK_EQ_INT(vl_envelope_open(copy, env_len, skR, pkR, ref, REF_LEN, t0, &plain, &plain_len, NULL, err, sizeof err),
               VL_ERR_UNSUPPORTED);
  CHECK(strstr(err, "aead 0x0004") != NULL);
  memcpy(copy, env, env_len);
  copy[0] = 'X';
  CHECK_EQ_INT(vl_envelope_open(copy, env_len, skR, pkR, ref, REF_LEN, t0, &plain, &plain_len, NULL, err, sizeof err),
               VL_ERR_FORMAT);
  CHECK(strstr(err, "byte 0") != NULL);
  memcpy(copy, env, env_len);
  copy[58] = 0xFF; /* reference length 0xFF.. > max */
  CHECK_EQ_INT(vl_envelope_open(copy, env_len, skR, pkR, ref, REF_LEN, t0, &plain, &plain_len, NULL, err, sizeof err),
               VL_ERR_FORMAT);
  CHECK(strstr(err, "byte 58") != NULL);
  free(copy);

  /* no secret in any message: the value never appears */
  CHECK(strstr(err, (const char *)value) == NULL);
  vl_free(env);
}

static void test_truncation(void) {
  keys();
  uint8_t *env = NULL, *plain = NULL;
  size_t env_len = 0, plain_len = 0;
  char err[256];
  CHECK_EQ_INT(vl_envelope_seal(pkR, VL_AEAD_AES256GCM, ref, REF_LEN, t0 + 1000, value, VALUE_LEN, &env, &env_len),
               VL_OK);
  int format = 0, auth = 0;
  for (size_t n = 0; n < env_len; n++) {
    uint8_t *cut = malloc(n ? n : 1);
    memcpy(cut, env, n);
    vl_status st = vl_envelope_open(cut, n, skR, pkR, ref, REF_LEN, t0, &plain, &plain_len, NULL, err, sizeof err);
    CHECK(st != VL_OK);
    CHECK(plain == NULL);
    if (st == VL_ERR_FORMAT) {
      format++;
      CHECK(strstr(err, "byte") != NULL);
    }
    if (st == VL_ERR_AUTH) auth++;
    free(cut);
  }
  /* up to header + tag the format is caught; after it, the shortened ciphertext fails authentication */
  CHECK_EQ_INT(format, VL_ENVELOPE_FIXED_LEN + REF_LEN + VL_AEAD_TAG_LEN);
  CHECK_EQ_INT(auth, VALUE_LEN);
  vl_free(env);
}

static void test_every_bit_flip_rejected(void) {
  keys();
  static const uint16_t aeads[] = {VL_AEAD_AES128GCM, VL_AEAD_AES256GCM, VL_AEAD_CHACHA20POLY1305};
  uint8_t skE[32];
  memset(skE, 0x42, sizeof skE);
  for (size_t a = 0; a < 3; a++) {
    uint8_t *env = NULL;
    size_t env_len = 0;
    CHECK_EQ_INT(vl_envelope_seal_derand(pkR, aeads[a], ref, REF_LEN, t0 + 1000, value, VALUE_LEN, skE, &env, &env_len),
                 VL_OK);
    uint8_t *copy = malloc(env_len);
    uint8_t out[256];
    char err[256];
    int flips = 0, by_status[32] = {0};
    size_t before = vl_mem_in_use();
    for (size_t bit = 0; bit < env_len * 8; bit++) {
      memcpy(copy, env, env_len);
      copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      memset(out, 0, sizeof out);
      size_t out_len = 77;
      vl_status st = vl_envelope_open_buf(copy, env_len, skR, pkR, ref, REF_LEN, t0, out, sizeof out, &out_len, NULL,
                                          err, sizeof err);
      CHECK(st != VL_OK);
      CHECK_EQ_INT(out_len, 0);
      CHECK(all_zero(out, sizeof out));
      if ((unsigned)st < 32) by_status[st]++;
      flips++;
    }
    CHECK_EQ_INT(vl_mem_in_use(), before);
    CHECK_EQ_INT(flips, (int)(env_len * 8));
    printf(
        "  aead %u: %d flips rejected: format %d, unsupported %d, wrong recipient %d, ref mismatch %d, expired %d, "
        "auth %d\n",
        aeads[a], flips, by_status[VL_ERR_FORMAT], by_status[VL_ERR_UNSUPPORTED], by_status[VL_ERR_WRONG_RECIPIENT],
        by_status[VL_ERR_REF_MISMATCH], by_status[VL_ERR_EXPIRED], by_status[VL_ERR_AUTH]);
    CHECK_EQ_INT(by_status[VL_ERR_WRONG_RECIPIENT], 64);
    CHECK(by_status[VL_ERR_REF_MISMATCH] >= (int)REF_LEN * 8); /* plus shorter reference lengths */
    /* the untouched envelope still opens */
    size_t out_len = 0;
    CHECK_EQ_INT(
        vl_envelope_open_buf(env, env_len, skR, pkR, ref, REF_LEN, t0, out, sizeof out, &out_len, NULL, NULL, 0),
        VL_OK);
    CHECK_EQ_MEM(out, out_len, value, VALUE_LEN);
    free(copy);
    vl_free(env);
  }
}

static void test_open_buf_too_small(void) {
  keys();
  uint8_t *env = NULL, out[8] = {0};
  size_t env_len = 0, out_len = 5;
  CHECK_EQ_INT(vl_envelope_seal(pkR, VL_AEAD_AES128GCM, ref, REF_LEN, t0 + 1, value, VALUE_LEN, &env, &env_len), VL_OK);
  CHECK_EQ_INT(vl_envelope_open_buf(env, env_len, skR, pkR, ref, REF_LEN, t0, out, sizeof out, &out_len, NULL, NULL, 0),
               VL_ERR_LIMIT);
  CHECK_EQ_INT(out_len, 0);
  CHECK(all_zero(out, sizeof out));
  vl_free(env);
}

VLT_MAIN(TEST(test_roundtrip_each_aead), TEST(test_distinct_errors), TEST(test_truncation),
         TEST(test_every_bit_flip_rejected), TEST(test_open_buf_too_small))
