/* TOTP/HOTP with BearSSL's HMAC; see totp.h. */
#include "totp.h"

#include <bearssl.h>
#include <string.h>

#include "fmt.h"
#include "mem.h"

vl_status vl_hotp(const uint8_t *key, size_t key_len, vl_totp_alg alg, unsigned digits, uint64_t counter,
                  char code[9]) {
  static const uint32_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  const br_hash_class *h = alg == VL_TOTP_SHA1     ? &br_sha1_vtable
                           : alg == VL_TOTP_SHA256 ? &br_sha256_vtable
                           : alg == VL_TOTP_SHA512 ? &br_sha512_vtable
                                                   : NULL;
  if (!h || digits < 6 || digits > 8) return VL_ERR_ARG;
  br_hmac_key_context kc;
  br_hmac_context hc;
  uint8_t msg[8], mac[64];
  for (int i = 7; i >= 0; i--) {
    msg[i] = (uint8_t)counter;
    counter >>= 8;
  }
  br_hmac_key_init(&kc, h, key, key_len);
  br_hmac_init(&hc, &kc, 0);
  br_hmac_update(&hc, msg, sizeof msg);
  size_t n = br_hmac_out(&hc, mac);
  /* RFC 4226 §5.3 dynamic truncation */
  unsigned off = mac[n - 1] & 0x0f;
  uint32_t bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 | (uint32_t)mac[off + 2] << 8 |
                 (uint32_t)mac[off + 3];
  uint32_t v = bin % pow10[digits];
  for (int i = (int)digits - 1; i >= 0; i--) {
    code[i] = (char)('0' + v % 10);
    v /= 10;
  }
  code[digits] = 0;
  vl_wipe(&bin, sizeof bin);
  vl_wipe(&v, sizeof v);
  vl_wipe(&kc, sizeof kc);
  vl_wipe(&hc, sizeof hc);
  vl_wipe(mac, sizeof mac);
  vl_wipe(msg, sizeof msg);
  return VL_OK;
}

vl_status vl_base32_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len) {
  uint32_t acc = 0;
  unsigned bits = 0;
  size_t n = 0;
  while (len && (in[len - 1] == '=' || in[len - 1] == ' ')) len--;
  for (size_t i = 0; i < len; i++) {
    char c = in[i];
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a';
    else if (c >= '2' && c <= '7')
      v = c - '2' + 26;
    else if (c == ' ')
      continue;
    else {
      vl_wipe(&acc, sizeof acc);
      return VL_ERR_FORMAT;
    }
    acc = (acc << 5 | (uint32_t)v) & 0x1fff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (n >= cap) {
        vl_wipe(&acc, sizeof acc);
        return VL_ERR_LIMIT;
      }
      out[n++] = (uint8_t)(acc >> bits);
    }
  }
  vl_wipe(&acc, sizeof acc);
  *out_len = n;
  return n ? VL_OK : VL_ERR_FORMAT;
}

static int ieqn(const char *a, size_t n, const char *b) {
  if (strlen(b) != n) return 0;
  for (size_t i = 0; i < n; i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
    if (x != y) return 0;
  }
  return 1;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes p[0..n) into out (cap bytes, NUL-terminated); 0 on error. */
static int pct_decode(const char *p, size_t n, char *out, size_t cap, size_t *out_n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (c == '%') {
      if (i + 2 >= n) return 0;
      int hi = hexval(p[i + 1]), lo = hexval(p[i + 2]);
      if (hi < 0 || lo < 0) return 0;
      c = (char)(hi << 4 | lo);
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    if (k + 1 >= cap) return 0;
    out[k++] = c;
  }
  out[k] = 0;
  *out_n = k;
  return 1;
}

static unsigned parse_uint(const char *p, size_t n, unsigned max) {
  unsigned v = 0;
  if (n == 0 || n > 6) return 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return 0;
    v = v * 10 + (unsigned)(p[i] - '0');
  }
  return v <= max ? v : 0;
}

vl_status vl_totp_from_uri(const char *uri, size_t len, uint64_t now_ms, char code[9], uint64_t *valid_until_ms,
                           char *err, size_t errlen) {
  vl_totp_alg alg = VL_TOTP_SHA1;
  unsigned digits = 6, period = 30;
  const char *secret = uri;
  size_t secret_n = len;
  char sbuf[VL_TOTP_MAX_KEY * 2 + 16];
  uint8_t key[VL_TOTP_MAX_KEY];
  size_t key_n = 0;
  vl_status st = VL_OK;
  err[0] = 0;
  if (len >= 10 && ieqn(uri, 10, "otpauth://")) {
    if (len < 15 || !ieqn(uri + 10, 5, "totp/")) {
      vl_snprintf(err, errlen, "only otpauth://totp/ URIs are supported");
      return VL_ERR_FORMAT;
    }
    const char *q = memchr(uri, '?', len);
    secret = NULL;
    secret_n = 0;
    for (size_t i = q ? (size_t)(q - uri) + 1 : len; i < len;) {
      size_t k = i;
      while (i < len && uri[i] != '&') i++;
      const char *eq = memchr(uri + k, '=', i - k);
      size_t kn = eq ? (size_t)(eq - uri) - k : i - k;
      const char *v = eq ? eq + 1 : uri + i;
      size_t vn = (size_t)(uri + i - v);
      if (ieqn(uri + k, kn, "secret")) {
        secret = v;
        secret_n = vn;
      } else if (ieqn(uri + k, kn, "algorithm")) {
        if (ieqn(v, vn, "SHA1"))
          alg = VL_TOTP_SHA1;
        else if (ieqn(v, vn, "SHA256"))
          alg = VL_TOTP_SHA256;
        else if (ieqn(v, vn, "SHA512"))
          alg = VL_TOTP_SHA512;
        else {
          vl_snprintf(err, errlen, "otpauth algorithm must be SHA1, SHA256 or SHA512");
          return VL_ERR_FORMAT;
        }
      } else if (ieqn(uri + k, kn, "digits")) {
        digits = parse_uint(v, vn, 8);
        if (digits < 6) {
          vl_snprintf(err, errlen, "otpauth digits must be 6, 7 or 8");
          return VL_ERR_FORMAT;
        }
      } else if (ieqn(uri + k, kn, "period")) {
        period = parse_uint(v, vn, 86400);
        if (!period) {
          vl_snprintf(err, errlen, "otpauth period must be 1-86400 seconds");
          return VL_ERR_FORMAT;
        }
      }
      if (i < len) i++;
    }
    if (!secret) {
      vl_snprintf(err, errlen, "otpauth URI has no secret parameter");
      return VL_ERR_FORMAT;
    }
  }
  size_t dn = 0;
  if (!pct_decode(secret, secret_n, sbuf, sizeof sbuf, &dn)) {
    st = VL_ERR_FORMAT;
  } else {
    st = vl_base32_decode(sbuf, dn, key, sizeof key, &key_n);
  }
  if (st) {
    vl_snprintf(err, errlen, "the TOTP secret is not base32 (or over %u bytes)", VL_TOTP_MAX_KEY);
  } else {
    uint64_t counter = now_ms / 1000u / period;
    st = vl_hotp(key, key_n, alg, digits, counter, code);
    *valid_until_ms = (counter + 1) * period * 1000u;
  }
  vl_wipe(key, sizeof key);
  vl_wipe(sbuf, sizeof sbuf);
  return st == VL_OK ? VL_OK : VL_ERR_FORMAT;
}
