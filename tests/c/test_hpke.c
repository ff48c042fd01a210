/* RFC 9180 vectors (base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AEADs
 * 1/2/3/0xFFFF) from ../shared/vectors/hpke: key derivation, the key schedule,
 * every encryption (opened by a receiver context and re-sealed by a sender
 * context built from skEm), every export; plus the context's edge cases. */
#include <cJSON.h>
#include <stdint.h>

#include "crypto/hpke.h"
#include "crypto/x25519.h"
#include "vltest.h"

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : "";
}

/* A field decoded from hex; freed by the caller. */
static unsigned char *hex(const cJSON *o, const char *k, size_t *len) {
  return vlt_unhex(str(o, k), len);
}

static cJSON *load_vectors(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/hpke/rfc9180_base_x25519_sha256.json", VL_VECTORS_DIR);
  char *text = vlt_read_file(path, NULL);
  if (!text) fprintf(stderr, "  cannot read %s\n", path);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  free(text);
  return j;
}

static int suites, encryptions, exports;

static void check_suite(const cJSON *v) {
  uint16_t aead = (uint16_t)cJSON_GetObjectItemCaseSensitive(v, "aead_id")->valueint;
  CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(v, "mode")->valueint, 0);
  CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(v, "kem_id")->valueint, VL_HPKE_KEM_X25519_SHA256);
  CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(v, "kdf_id")->valueint, VL_HPKE_KDF_HKDF_SHA256);
  size_t n_info, n_ikmr, n_ikme, n_skr, n_ske, n_pkr, n_pke, n_enc, n_ss, n_key, n_nonce, n_exp;
  unsigned char *info = hex(v, "info", &n_info), *ikmR = hex(v, "ikmR", &n_ikmr), *ikmE = hex(v, "ikmE", &n_ikme);
  unsigned char *skRm = hex(v, "skRm", &n_skr), *skEm = hex(v, "skEm", &n_ske), *pkRm = hex(v, "pkRm", &n_pkr);
  unsigned char *pkEm = hex(v, "pkEm", &n_pke), *enc = hex(v, "enc", &n_enc), *ss = hex(v, "shared_secret", &n_ss);
  unsigned char *key = hex(v, "key", &n_key), *nonce = hex(v, "base_nonce", &n_nonce);
  unsigned char *exp = hex(v, "exporter_secret", &n_exp);

  /* DeriveKeyPair for both parties (the vectors' sk are unclamped). */
  uint8_t sk[32], pk[32], out_ss[32], out_enc[32];
  CHECK_EQ_INT(vl_hpke_derive_keypair(ikmR, n_ikmr, sk, pk), VL_OK);
  CHECK_EQ_MEM(sk, 32, skRm, n_skr);
  CHECK_EQ_MEM(pk, 32, pkRm, n_pkr);
  CHECK_EQ_INT(vl_hpke_derive_keypair(ikmE, n_ikme, sk, pk), VL_OK);
  CHECK_EQ_MEM(sk, 32, skEm, n_ske);
  CHECK_EQ_MEM(pk, 32, pkEm, n_pke);

  CHECK_EQ_INT(vl_hpke_decap(out_ss, enc, skRm, pkRm), VL_OK);
  CHECK_EQ_MEM(out_ss, 32, ss, n_ss);
  CHECK_EQ_INT(vl_hpke_decap(out_ss, enc, skRm, NULL), VL_OK); /* pkR recomputed */
  CHECK_EQ_MEM(out_ss, 32, ss, n_ss);

  vl_hpke_ctx r, s;
  CHECK_EQ_INT(vl_hpke_setup_base_r(&r, aead, enc, skRm, pkRm, info, n_info), VL_OK);
  CHECK_EQ_INT(vl_hpke_setup_base_s_derand(&s, aead, pkRm, info, n_info, skEm, out_enc), VL_OK);
  CHECK_EQ_MEM(out_enc, 32, enc, n_enc);
  CHECK_EQ_MEM(r.key, r.key_len, key, n_key);
  CHECK_EQ_MEM(r.base_nonce, n_key ? sizeof r.base_nonce : 0, nonce, n_nonce);
  CHECK_EQ_MEM(r.exporter_secret, 32, exp, n_exp);

  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(v, "encryptions")) {
    size_t n_aad, n_ct, n_pt;
    unsigned char *aad = hex(e, "aad", &n_aad), *ct = hex(e, "ct", &n_ct), *pt = hex(e, "pt", &n_pt);
    unsigned char *buf = calloc(1, n_ct + 16);
    CHECK_EQ_INT(vl_hpke_open(&r, aad, n_aad, ct, n_ct, buf), VL_OK);
    CHECK_EQ_MEM(buf, n_ct - 16, pt, n_pt);
    CHECK_EQ_INT(vl_hpke_seal(&s, aad, n_aad, pt, n_pt, buf), VL_OK);
    CHECK_EQ_MEM(buf, n_pt + 16, ct, n_ct);
    encryptions++;
    free(aad), free(ct), free(pt), free(buf);
  }
  CHECK(r.seq == s.seq);

  const cJSON *x;
  cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(v, "exports")) {
    size_t n_ctx, n_val;
    unsigned char *ectx = hex(x, "exporter_context", &n_ctx), *val = hex(x, "exported_value", &n_val);
    size_t L = (size_t)cJSON_GetObjectItemCaseSensitive(x, "L")->valueint;
    unsigned char *out = calloc(1, L + 1);
    CHECK_EQ_INT(vl_hpke_export(&r, ectx, n_ctx, out, L), VL_OK);
    CHECK_EQ_MEM(out, L, val, n_val);
    CHECK_EQ_INT(vl_hpke_export(&s, ectx, n_ctx, out, L), VL_OK);
    CHECK_EQ_MEM(out, L, val, n_val);
    exports++;
    free(ectx), free(val), free(out);
  }

  if (aead == VL_AEAD_EXPORT_ONLY) {
    uint8_t buf[32] = {0};
    CHECK_EQ_INT(vl_hpke_seal(&s, NULL, 0, buf, 0, buf), VL_ERR_UNSUPPORTED);
    CHECK_EQ_INT(vl_hpke_open(&r, NULL, 0, buf, 16, buf), VL_ERR_UNSUPPORTED);
  }
  vl_hpke_ctx_wipe(&r);
  vl_hpke_ctx_wipe(&s);
  suites++;
  free(info), free(ikmR), free(ikmE), free(skRm), free(skEm), free(pkRm), free(pkEm), free(enc), free(ss);
  free(key), free(nonce), free(exp);
}

static void test_rfc9180_vectors(void) {
  cJSON *root = load_vectors();
  CHECK(root != NULL);
  if (!root) return;
  const cJSON *v;
  cJSON_ArrayForEach(v, root) check_suite(v);
  printf("  rfc9180 base: %d suites, %d encryptions, %d exports\n", suites, encryptions, exports);
  CHECK_EQ_INT(suites, 4);
  CHECK_EQ_INT(encryptions, 771);
  CHECK_EQ_INT(exports, 12);
  cJSON_Delete(root);
}

static void test_roundtrip_and_failures(void) {
  uint8_t skR[32], pkR[32], enc[32], ct[48], pt[32];
  CHECK_EQ_INT(vl_x25519_keygen(skR, pkR), VL_OK);
  const uint8_t msg[32] = "thirty-two bytes of secret value";
  static const uint16_t aeads[] = {VL_AEAD_AES128GCM, VL_AEAD_AES256GCM, VL_AEAD_CHACHA20POLY1305};
  for (size_t i = 0; i < 3; i++) {
    CHECK_EQ_INT(
        vl_hpke_seal_base(aeads[i], pkR, (const uint8_t *)"info", 4, (const uint8_t *)"aad", 3, msg, 32, enc, ct),
        VL_OK);
    memset(pt, 0, sizeof pt);
    CHECK_EQ_INT(vl_hpke_open_base(aeads[i], skR, pkR, enc, (const uint8_t *)"info", 4, (const uint8_t *)"aad", 3, ct,
                                   sizeof ct, pt),
                 VL_OK);
    CHECK_EQ_MEM(pt, 32, msg, 32);
    memset(pt, 0, sizeof pt);
    /* a different info gives a different key: authentication fails, pt stays zero */
    CHECK_EQ_INT(vl_hpke_open_base(aeads[i], skR, pkR, enc, (const uint8_t *)"inf0", 4, (const uint8_t *)"aad", 3, ct,
                                   sizeof ct, pt),
                 VL_ERR_AUTH);
    for (size_t j = 0; j < sizeof pt; j++) CHECK_EQ_INT(pt[j], 0);
  }
  CHECK_EQ_INT(vl_hpke_seal_base(0x0004, pkR, NULL, 0, NULL, 0, msg, 32, enc, ct), VL_ERR_UNSUPPORTED);

  /* a low-order enc (the all-zero point) is rejected by Decap */
  uint8_t zero[32] = {0};
  vl_hpke_ctx ctx;
  CHECK_EQ_INT(vl_hpke_setup_base_r(&ctx, VL_AEAD_AES128GCM, zero, skR, pkR, NULL, 0), VL_ERR_CRYPTO);
  CHECK_EQ_INT(vl_hpke_setup_base_s(&ctx, VL_AEAD_AES128GCM, zero, NULL, 0, enc), VL_ERR_CRYPTO);

  /* the sequence limit: the last number is refused, and the counter does not wrap */
  CHECK_EQ_INT(vl_hpke_setup_base_s(&ctx, VL_AEAD_CHACHA20POLY1305, pkR, NULL, 0, enc), VL_OK);
  ctx.seq = UINT64_MAX - 1;
  CHECK_EQ_INT(vl_hpke_seal(&ctx, NULL, 0, msg, 32, ct), VL_OK);
  CHECK_EQ_INT(vl_hpke_seal(&ctx, NULL, 0, msg, 32, ct), VL_ERR_LIMIT);
  CHECK(ctx.seq == UINT64_MAX);
  vl_hpke_ctx r;
  CHECK_EQ_INT(vl_hpke_setup_base_r(&r, VL_AEAD_CHACHA20POLY1305, enc, skR, pkR, NULL, 0), VL_OK);
  r.seq = UINT64_MAX - 1;
  CHECK_EQ_INT(vl_hpke_open(&r, NULL, 0, ct, sizeof ct, pt), VL_OK);
  CHECK_EQ_MEM(pt, 32, msg, 32);
  CHECK_EQ_INT(vl_hpke_open(&r, NULL, 0, ct, sizeof ct, pt), VL_ERR_LIMIT);
  /* a failed open does not advance the receiver */
  r.seq = 5;
  CHECK_EQ_INT(vl_hpke_open(&r, NULL, 0, ct, sizeof ct, pt), VL_ERR_AUTH);
  CHECK(r.seq == 5);
  CHECK_EQ_INT(vl_hpke_export(&r, NULL, 0, pt, 255 * 32 + 1), VL_ERR_LIMIT);
  vl_hpke_ctx_wipe(&ctx);
  vl_hpke_ctx_wipe(&r);
}

VLT_MAIN(TEST(test_rfc9180_vectors), TEST(test_roundtrip_and_failures))
