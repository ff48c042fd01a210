/* Test helper: rebuilds the full rendered request (reqcodec frame) from the
 * template and a VL_RESOLVE_PATCH output, the way the JS shim splices, so a
 * test can require patch output ≡ full render. UTF-16 offsets are mapped back
 * to bytes by decoding sequence lengths (not the core's counting). */
#ifndef VL_PATCHHELP_H
#define VL_PATCHHELP_H
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "reqcodec.h"

static uint32_t ph_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The byte offset of UTF-16 offset u in UTF-8 s[0..n); SIZE_MAX if u falls
 * inside a character or past the end. */
static size_t ph_u16_to_byte(const uint8_t *s, size_t n, size_t u) {
  size_t units = 0, i = 0;
  while (i < n && units < u) {
    uint8_t b = s[i];
    units += b >= 0xF0 ? 2 : 1;
    i += b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
  }
  return units == u && i <= n ? i : SIZE_MAX;
}

static size_t ph_units(const uint8_t *s, size_t n) {
  size_t units = 0;
  for (size_t i = 0; i < n;) {
    uint8_t b = s[i];
    units += b >= 0xF0 ? 2 : 1;
    i += b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
  }
  return units;
}

/* Returns a new frame (vl_free it) or NULL when the patch output is malformed
 * or inconsistent (offsets out of order or inside a character, wrong units). */
static uint8_t *patch_apply(const vl_request *t, const uint8_t *p, size_t n, size_t *out_len) {
  if (n < 16 || memcmp(p, "VLP1", 4) != 0) return NULL;
  uint32_t count = ph_u32(p + 4), text_bytes = ph_u32(p + 8);
  if ((n - 16) / 20 < count) return NULL;
  size_t vo = 16 + (size_t)20 * count, text_seen = 0;
  uint32_t body_field = 1 + 2 * (uint32_t)t->header_count;
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_put(&b, "VLR1", 4);
  vl_wire_put_field(&b, t->method.p, t->method.n);
  size_t k = 0;
  int ok = 1;
  for (uint32_t f = 0; f <= body_field && ok; f++) {
    const vl_slice *src = f == 0            ? &t->url
                          : f == body_field ? &t->body
                          : (f & 1)         ? &t->headers[(f - 1) / 2].name
                                            : &t->headers[(f - 1) / 2].value;
    int text = !(f == body_field && t->body_kind == VL_BODY_BYTES);
    if (f == 1) vl_buf_put_u32(&b, (uint32_t)t->header_count);
    if (f == body_field) vl_buf_put_u32(&b, t->body_kind);
    vl_buf field;
    vl_buf_init(&field, 0);
    size_t last = 0;
    for (; k < count && ph_u32(p + 16 + 20 * k) == f; k++) {
      const uint8_t *rec = p + 16 + 20 * k;
      size_t start = ph_u32(rec + 4), end = ph_u32(rec + 8), units = ph_u32(rec + 12), bytes = ph_u32(rec + 16);
      if (text) {
        start = ph_u16_to_byte(src->p, src->n, start);
        end = ph_u16_to_byte(src->p, src->n, end);
      }
      if (start == SIZE_MAX || end == SIZE_MAX || start < last || end < start || end > src->n || n - vo < bytes ||
          (text ? ph_units(p + vo, bytes) : bytes) != units) {
        ok = 0;
        break;
      }
      vl_buf_put(&field, src->p + last, start - last);
      vl_buf_put(&field, p + vo, bytes);
      vo += bytes;
      if (text) text_seen += bytes;
      last = end;
    }
    if (ok) vl_buf_put(&field, src->p + last, src->n - last);
    vl_wire_put_field(&b, field.p, field.len);
    vl_buf_free(&field);
  }
  if (!ok || k != count || vo != n || text_seen != text_bytes) {
    vl_buf_free(&b);
    return NULL;
  }
  return vl_buf_take(&b, out_len);
}
#endif
