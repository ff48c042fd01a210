#include "template.h"

#include <string.h>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

/* The first i >= from with s[i] == s[i+1] == '{' (and i + 1 < n), or n.
 * 32 bytes a step: the '{' positions as a bit mask, pairs where a bit and the
 * next one are both set (the byte after the block supplies the last). */
static size_t find_open(const uint8_t *s, size_t n, size_t i) {
  const v128_t brace = wasm_i8x16_splat('{');
  while (i + 33 <= n) {
    uint32_t m = (uint32_t)wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(s + i), brace)) |
                 (uint32_t)wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(s + i + 16), brace)) << 16;
    if (m) {
      uint32_t pairs = m & ((m >> 1) | (uint32_t)(s[i + 32] == '{') << 31);
      if (pairs) return i + (size_t)__builtin_ctz(pairs);
    }
    i += 32;
  }
  for (; i + 1 < n; i++)
    if (s[i] == '{' && s[i + 1] == '{') return i;
  return n;
}
#elif defined(__GNUC__) || defined(__clang__)
/* 16 bytes at a time with the compiler's portable vector extension (SSE2
 * natively). */
typedef uint8_t vl_v16 __attribute__((vector_size(16)));

/* The first i >= from with s[i] == s[i+1] == '{' (and i + 1 < n), or n. */
static size_t find_open(const uint8_t *s, size_t n, size_t i) {
  const vl_v16 brace = {'{', '{', '{', '{', '{', '{', '{', '{', '{', '{', '{', '{', '{', '{', '{', '{'};
  while (i + 17 <= n) {
    vl_v16 a, b;
    memcpy(&a, s + i, 16);
    memcpy(&b, s + i + 1, 16);
    vl_v16 hit = (vl_v16)((a == brace) & (b == brace));
    uint64_t lo, hi;
    memcpy(&lo, &hit, 8);
    memcpy(&hi, (const uint8_t *)&hit + 8, 8);
    if (lo | hi) {
      for (size_t k = 0; k < 16; k++)
        if (s[i + k] == '{' && s[i + k + 1] == '{') return i + k;
    }
    i += 16;
  }
  for (; i + 1 < n; i++)
    if (s[i] == '{' && s[i + 1] == '{') return i;
  return n;
}
#else
static size_t find_open(const uint8_t *s, size_t n, size_t i) {
  for (; i + 1 < n; i++)
    if (s[i] == '{' && s[i + 1] == '{') return i;
  return n;
}
#endif

int vl_template_next(const uint8_t *s, size_t n, size_t *pos, vl_token *tok) {
  size_t i = *pos;
  while (i + 4 <= n) {
    i = find_open(s, n, i);
    if (i + 4 > n) return 0;
    /* Content: a run of bytes that are neither '{' nor '}', then "}}". */
    size_t j = i + 2;
    while (j < n && s[j] != '{' && s[j] != '}') j++;
    if (j + 1 < n && s[j] == '}' && s[j + 1] == '}') {
      tok->start = i;
      tok->end = j + 2;
      size_t c = i + 2, clen = j - c;
      tok->is_vault = clen >= VL_VAULT_PREFIX_LEN && memcmp(s + c, VL_VAULT_PREFIX, VL_VAULT_PREFIX_LEN) == 0;
      tok->name_off = tok->is_vault ? c + VL_VAULT_PREFIX_LEN : c;
      tok->name_len = tok->is_vault ? clen - VL_VAULT_PREFIX_LEN : clen;
      *pos = j + 2;
      return 1;
    }
    if (j >= n) return 0;
    /* No match can start inside the brace-free run: the next candidate is the
     * brace that stopped it ("{{{x}}" matches at offset 1) or the byte after. */
    i = (s[j] == '{') ? (j - 1 > i ? j - 1 : i + 1) : j + 1;
  }
  return 0;
}
