#include "buf.h"

#include <string.h>

#include "mem.h"

void vl_buf_init(vl_buf *b, size_t max) {
  memset(b, 0, sizeof *b);
  b->max = max;
}

static int grow(vl_buf *b, size_t need) {
  if (b->failed) return 0;
  if (b->max && need > b->max) {
    b->failed = 1;
    b->why = VL_ERR_LIMIT;
    return 0;
  }
  if (need <= b->cap) return 1;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  if (b->max && cap > b->max) cap = b->max;
  uint8_t *p = vl_realloc(b->p, cap); /* wipes the old block */
  if (!p) {
    b->failed = 1;
    b->why = VL_ERR_NOMEM;
    return 0;
  }
  b->p = p;
  b->cap = cap;
  return 1;
}

void vl_buf_reserve(vl_buf *b, size_t n) {
  if (b->max && n > b->max) n = b->max;
  (void)grow(b, n);
}

void vl_buf_put(vl_buf *b, const void *p, size_t n) {
  /* Most puts fit (renders reserve up front): no call to grow() then. */
  if (n == 0 || ((b->failed || n > b->cap - b->len) && !grow(b, b->len + n))) return;
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

void vl_buf_put_u32(vl_buf *b, uint32_t v) {
  uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  vl_buf_put(b, le, 4);
}

void vl_buf_put_str(vl_buf *b, const char *s) {
  vl_buf_put(b, s, strlen(s));
}

size_t vl_json_too_deep(const uint8_t *s, size_t n, unsigned max) {
  unsigned depth = 0;
  int in_string = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = 0;
    } else if (c == '"') {
      in_string = 1;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return i;
    } else if ((c == ']' || c == '}') && depth) {
      depth--;
    }
  }
  return SIZE_MAX;
}

size_t vl_utf8_seq(const uint8_t *s, size_t n) {
  uint8_t c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t min, cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    min = 0x80;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    min = 0x800;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    min = 0x10000;
    cp = c & 0x07;
  } else
    return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

int vl_utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    size_t k = vl_utf8_seq(s + i, n - i);
    if (!k) return 0;
    i += k;
  }
  return 1;
}

#if defined(__GNUC__) || defined(__clang__)
typedef uint8_t vl_u8x16 __attribute__((vector_size(16)));

static int all_ascii16(const uint8_t *s) {
  vl_u8x16 v;
  memcpy(&v, s, 16);
  const vl_u8x16 high = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                         0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
  v &= high;
  uint64_t lo, hi;
  memcpy(&lo, &v, 8);
  memcpy(&hi, (const uint8_t *)&v + 8, 8);
  return (lo | hi) == 0;
}
#else
static int all_ascii16(const uint8_t *s) {
  uint8_t acc = 0;
  for (int k = 0; k < 16; k++) acc |= s[k];
  return acc < 0x80;
}
#endif

size_t vl_utf16_len(const uint8_t *s, size_t n) {
  size_t units = 0, i = 0;
  while (i < n) {
    if (i + 16 <= n && all_ascii16(s + i)) {
      units += 16;
      i += 16;
      continue;
    }
    size_t end = i + 16 <= n ? i + 16 : n;
    for (; i < end; i++) units += (size_t)((s[i] & 0xC0) != 0x80) + (size_t)(s[i] >= 0xF0);
  }
  return units;
}

void vl_buf_put_json_str(vl_buf *b, const uint8_t *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c == '"' || c == '\\') {
      uint8_t e[2] = {'\\', c};
      vl_buf_put(b, e, 2);
      i++;
    } else if (c < 0x20 || c == 0x7F) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      vl_buf_put(b, e, 6);
      i++;
    } else if (c < 0x80) {
      vl_buf_put(b, &c, 1);
      i++;
    } else {
      size_t k = vl_utf8_seq(s + i, n - i);
      if (k) {
        vl_buf_put(b, s + i, k);
        i += k;
      } else {
        vl_buf_put_str(b, "\\ufffd");
        i++;
      }
    }
  }
}

uint8_t *vl_buf_take(vl_buf *b, size_t *len) {
  uint8_t *p = b->p;
  /* Always NUL-terminated (the NUL is not counted): reports are C strings. */
  if (!p || b->cap == b->len) p = vl_realloc(p, b->len + 1);
  if (!p) return NULL;
  p[b->len] = 0;
  *len = b->len;
  b->p = NULL;
  b->len = b->cap = 0;
  return p;
}

void vl_buf_free(vl_buf *b) {
  vl_free(b->p); /* wipes */
  b->p = NULL;
  b->len = b->cap = 0;
}

void vl_quote_head(char out[VL_QUOTE_MAX], const char *s) {
  size_t n = 0;
  while (n < VL_QUOTE_HEAD && s && s[n]) {
    unsigned char c = (unsigned char)s[n];
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      memcpy(out, "(unprintable)", sizeof "(unprintable)");
      return;
    }
    n++;
  }
  size_t k = 0;
  out[k++] = '"';
  if (n) memcpy(out + k, s, n);
  k += n;
  if (s && s[n]) {
    memcpy(out + k, "\xe2\x80\xa6", 3); /* … */
    k += 3;
  }
  out[k++] = '"';
  out[k] = 0;
}

const char *vl_strstr(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  if (!n) return hay;
  for (; *hay; hay++)
    if (*hay == *needle && strncmp(hay, needle, n) == 0) return hay;
  return NULL;
}
