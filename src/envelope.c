#include "envelope.h"

#include <stdarg.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/hpke.h"
#include "crypto/random.h"
#include "crypto/x25519.h"
#include "fmt.h"
#include "mem.h"

static const uint8_t magic[3] = {'V', 'L', 'E'};
static const char info_label[] = "vaultlink envelope v1";

enum { OFF_VERSION = 3, OFF_SUITE = 4, OFF_ENC = 10, OFF_EXPIRES = 42, OFF_KEY_ID = 50, OFF_REF_LEN = 58 };

static uint16_t get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static vl_status fail(char *err, size_t errlen, vl_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (err && errlen) vl_vsnprintf(err, errlen, fmt, ap);  // NOLINT(clang-analyzer-valist.Uninitialized): false positive
  va_end(ap);
  return st;
}

/* Writes a printable, truncated copy of a (non-secret) reference for messages. */
static void printable(char *out, size_t outlen, const uint8_t *s, size_t n) {
  size_t j = 0;
  for (size_t i = 0; i < n && j + 4 < outlen; i++) out[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
  if (j + 4 >= outlen && n > j) {
    memcpy(out + j, "...", 3);
    j += 3;
  }
  out[j] = 0;
}

void vl_envelope_key_id(const uint8_t pk[32], uint8_t key_id[VL_ENVELOPE_KEY_ID_LEN]) {
  uint8_t h[VL_SHA256_LEN];
  vl_sha256(pk, 32, h);
  memcpy(key_id, h, VL_ENVELOPE_KEY_ID_LEN);
}

vl_status vl_envelope_parse(const uint8_t *env, size_t len, vl_envelope_header *h, char *err, size_t errlen) {
  if (!env || !h) return fail(err, errlen, VL_ERR_ARG, "envelope: no input");
  memset(h, 0, sizeof *h);
  if (len < sizeof magic || memcmp(env, magic, sizeof magic) != 0)
    return fail(err, errlen, VL_ERR_FORMAT, "malformed envelope: no \"VLE\" magic at byte 0");
  if (len <= OFF_VERSION) return fail(err, errlen, VL_ERR_FORMAT, "malformed envelope: truncated at byte %zu", len);
  if (env[OFF_VERSION] != VL_ENVELOPE_VERSION)
    return fail(err, errlen, VL_ERR_UNSUPPORTED, "envelope version %u at byte 3 is not supported (this build reads %u)",
                env[OFF_VERSION], VL_ENVELOPE_VERSION);
  if (len < VL_ENVELOPE_FIXED_LEN)
    return fail(err, errlen, VL_ERR_FORMAT, "malformed envelope: truncated at byte %zu (the header needs %u bytes)",
                len, VL_ENVELOPE_FIXED_LEN);
  h->kem_id = get16(env + OFF_SUITE);
  h->kdf_id = get16(env + OFF_SUITE + 2);
  h->aead_id = get16(env + OFF_SUITE + 4);
  if (h->kem_id != VL_HPKE_KEM_X25519_SHA256 || h->kdf_id != VL_HPKE_KDF_HKDF_SHA256 ||
      vl_aead_key_len(h->aead_id) == 0)
    return fail(err, errlen, VL_ERR_UNSUPPORTED,
                "envelope suite kem 0x%04x, kdf 0x%04x, aead 0x%04x at byte 4 is not supported "
                "(kem 0x0020, kdf 0x0001, aead 0x0001/0x0002/0x0003)",
                h->kem_id, h->kdf_id, h->aead_id);
  h->expires_ms = get64(env + OFF_EXPIRES);
  memcpy(h->key_id, env + OFF_KEY_ID, VL_ENVELOPE_KEY_ID_LEN);
  h->ref_len = get16(env + OFF_REF_LEN);
  if (h->ref_len == 0 || h->ref_len > VL_ENVELOPE_MAX_REF)
    return fail(err, errlen, VL_ERR_FORMAT, "malformed envelope: reference length %zu at byte %u is not in 1..%u",
                h->ref_len, OFF_REF_LEN, VL_ENVELOPE_MAX_REF);
  h->header_len = VL_ENVELOPE_FIXED_LEN + h->ref_len;
  if (len < h->header_len + VL_AEAD_TAG_LEN)
    return fail(err, errlen, VL_ERR_FORMAT,
                "malformed envelope: truncated at byte %zu (reference and tag need %zu bytes)", len,
                h->header_len + VL_AEAD_TAG_LEN);
  h->ref = env + VL_ENVELOPE_FIXED_LEN;
  h->ct_len = len - h->header_len;
  if (h->ct_len - VL_AEAD_TAG_LEN > VL_ENVELOPE_MAX_PLAIN)
    return fail(err, errlen, VL_ERR_LIMIT, "envelope: ciphertext at byte %zu is over the %zu-byte limit", h->header_len,
                VL_ENVELOPE_MAX_PLAIN);
  return VL_OK;
}

/* HPKE info: label ‖ I2OSP(ref_len, 2) ‖ ref ‖ key id ‖ I2OSP(expires_ms, 8). */
static uint8_t *build_info(const uint8_t *ref, size_t ref_len, const uint8_t key_id[VL_ENVELOPE_KEY_ID_LEN],
                           uint64_t expires_ms, size_t *info_len) {
  size_t label = sizeof info_label - 1;
  size_t n = label + 2 + ref_len + VL_ENVELOPE_KEY_ID_LEN + 8;
  uint8_t *info = vl_alloc(n);
  if (!info) return NULL;
  memcpy(info, info_label, label);
  put16(info + label, (uint16_t)ref_len);
  memcpy(info + label + 2, ref, ref_len);
  memcpy(info + label + 2 + ref_len, key_id, VL_ENVELOPE_KEY_ID_LEN);
  put64(info + label + 2 + ref_len + VL_ENVELOPE_KEY_ID_LEN, expires_ms);
  *info_len = n;
  return info;
}

vl_status vl_envelope_open_buf(const uint8_t *env, size_t len, const uint8_t skR[32], const uint8_t *pkR,
                               const uint8_t *expected_ref, size_t ref_len, uint64_t now_ms, uint8_t *out,
                               size_t out_cap, size_t *out_len, uint64_t *expires_ms, char *err, size_t errlen) {
  if (err && errlen) err[0] = 0;
  if (out_len) *out_len = 0;
  if (!env || !skR || (!expected_ref && ref_len) || (!out && out_cap) || !out_len)
    return fail(err, errlen, VL_ERR_ARG, "envelope: missing argument");

  vl_envelope_header h;
  vl_status st = vl_envelope_parse(env, len, &h, err, errlen);
  if (st != VL_OK) return st;

  uint8_t pk[32], kid[VL_ENVELOPE_KEY_ID_LEN];
  if (pkR) {
    memcpy(pk, pkR, sizeof pk);
  } else {
    vl_x25519_public(pk, skR);
  }
  vl_envelope_key_id(pk, kid);
  if (memcmp(kid, h.key_id, sizeof kid) != 0) {
    return fail(err, errlen, VL_ERR_WRONG_RECIPIENT,
                "envelope is sealed to key id %02x%02x%02x%02x%02x%02x%02x%02x (byte 50), "
                "not to this key (%02x%02x%02x%02x%02x%02x%02x%02x)",
                h.key_id[0], h.key_id[1], h.key_id[2], h.key_id[3], h.key_id[4], h.key_id[5], h.key_id[6], h.key_id[7],
                kid[0], kid[1], kid[2], kid[3], kid[4], kid[5], kid[6], kid[7]);
  }
  if (!expected_ref || h.ref_len != ref_len || !h.ref || memcmp(h.ref, expected_ref, ref_len) != 0) {
    char got[80], want[80];
    printable(got, sizeof got, h.ref, h.ref_len);
    printable(want, sizeof want, expected_ref, ref_len);
    return fail(err, errlen, VL_ERR_REF_MISMATCH, "envelope is bound to reference \"%s\" (byte 60), not \"%s\"", got,
                want);
  }
  if (now_ms >= h.expires_ms)
    return fail(err, errlen, VL_ERR_EXPIRED, "envelope expired at %llu ms (byte 42); now is %llu ms",
                (unsigned long long)h.expires_ms, (unsigned long long)now_ms);
  size_t n = h.ct_len - VL_AEAD_TAG_LEN;
  if (n > out_cap)
    return fail(err, errlen, VL_ERR_LIMIT, "envelope: the value needs %zu bytes, the buffer holds %zu", n, out_cap);

  size_t info_len = 0;
  uint8_t *info = build_info(h.ref, h.ref_len, h.key_id, h.expires_ms, &info_len);
  if (!info) return fail(err, errlen, VL_ERR_NOMEM, "envelope: out of memory");
  /* vl_hpke_open_base zeroes out on any failure after decrypting. */
  st = vl_hpke_open_base(h.aead_id, skR, pk, env + OFF_ENC, info, info_len, env, h.header_len, env + h.header_len,
                         h.ct_len, out);
  vl_free(info);
  if (st != VL_OK)
    return fail(err, errlen, VL_ERR_AUTH,
                "envelope failed authentication: it was modified, or sealed with a different key");
  *out_len = n;
  if (expires_ms) *expires_ms = h.expires_ms;
  return VL_OK;
}

vl_status vl_envelope_open(const uint8_t *env, size_t len, const uint8_t skR[32], const uint8_t *pkR,
                           const uint8_t *expected_ref, size_t ref_len, uint64_t now_ms, uint8_t **plain,
                           size_t *plain_len, uint64_t *expires_ms, char *err, size_t errlen) {
  if (plain) *plain = NULL;
  if (plain_len) *plain_len = 0;
  if (!plain || !plain_len) return fail(err, errlen, VL_ERR_ARG, "envelope: missing argument");
  /* The value is at most len bytes; allocate before any decryption. */
  size_t cap = len > VL_ENVELOPE_MAX_PLAIN ? VL_ENVELOPE_MAX_PLAIN : len;
  uint8_t *out = vl_alloc(cap ? cap : 1);
  if (!out) return fail(err, errlen, VL_ERR_NOMEM, "envelope: out of memory");
  size_t n = 0;
  vl_status st =
      vl_envelope_open_buf(env, len, skR, pkR, expected_ref, ref_len, now_ms, out, cap, &n, expires_ms, err, errlen);
  if (st != VL_OK) {
    vl_free(out); /* wipes */
    return st;
  }
  *plain = out;
  *plain_len = n;
  return VL_OK;
}

vl_status vl_envelope_seal_derand(const uint8_t pkR[32], uint16_t aead_id, const uint8_t *ref, size_t ref_len,
                                  uint64_t expires_ms, const uint8_t *plain, size_t plain_len, const uint8_t skE[32],
                                  uint8_t **env, size_t *env_len) {
  if (env) *env = NULL;
  if (env_len) *env_len = 0;
  if (!pkR || !ref || (!plain && plain_len) || !skE || !env || !env_len) return VL_ERR_ARG;
  if (vl_aead_key_len(aead_id) == 0) return VL_ERR_UNSUPPORTED;
  if (ref_len == 0 || ref_len > VL_ENVELOPE_MAX_REF || plain_len > VL_ENVELOPE_MAX_PLAIN) return VL_ERR_LIMIT;

  size_t header_len = VL_ENVELOPE_FIXED_LEN + ref_len, total = header_len + plain_len + VL_AEAD_TAG_LEN;
  uint8_t *e = vl_calloc(total);
  if (!e) return VL_ERR_NOMEM;
  memcpy(e, magic, sizeof magic);
  e[OFF_VERSION] = VL_ENVELOPE_VERSION;
  put16(e + OFF_SUITE, VL_HPKE_KEM_X25519_SHA256);
  put16(e + OFF_SUITE + 2, VL_HPKE_KDF_HKDF_SHA256);
  put16(e + OFF_SUITE + 4, aead_id);
  put64(e + OFF_EXPIRES, expires_ms);
  vl_envelope_key_id(pkR, e + OFF_KEY_ID);
  put16(e + OFF_REF_LEN, (uint16_t)ref_len);
  memcpy(e + VL_ENVELOPE_FIXED_LEN, ref, ref_len);

  size_t info_len = 0;
  uint8_t *info = build_info(ref, ref_len, e + OFF_KEY_ID, expires_ms, &info_len);
  if (!info) {
    vl_free(e);
    return VL_ERR_NOMEM;
  }
  /* enc must be in the header before sealing, since the header is the AAD:
   * set up the context first, then seal. */
  vl_hpke_ctx ctx;
  vl_status st = vl_hpke_setup_base_s_derand(&ctx, aead_id, pkR, info, info_len, skE, e + OFF_ENC);
  if (st == VL_OK) st = vl_hpke_seal(&ctx, e, header_len, plain, plain_len, e + header_len);
  vl_hpke_ctx_wipe(&ctx);
  vl_free(info);
  if (st != VL_OK) {
    vl_free(e);
    return st;
  }
  *env = e;
  *env_len = total;
  return VL_OK;
}

vl_status vl_envelope_seal(const uint8_t pkR[32], uint16_t aead_id, const uint8_t *ref, size_t ref_len,
                           uint64_t expires_ms, const uint8_t *plain, size_t plain_len, uint8_t **env,
                           size_t *env_len) {
  uint8_t skE[32];
  vl_status st = vl_random(skE, sizeof skE);
  if (st == VL_OK)
    st = vl_envelope_seal_derand(pkR, aead_id, ref, ref_len, expires_ms, plain, plain_len, skE, env, env_len);
  vl_wipe(skE, sizeof skE);
  return st;
}
