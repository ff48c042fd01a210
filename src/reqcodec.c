#include "reqcodec.h"

#include <string.h>

#include "fmt.h"
#include "input_limits.h"
#include "mem.h"

typedef struct {
  const uint8_t *p;
  size_t n, off;
} reader;

static int read_u32(reader *r, uint32_t *v) {
  if (r->n - r->off < 4) return 0;
  const uint8_t *p = r->p + r->off;
  *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  r->off += 4;
  return 1;
}

/* Reads a length-prefixed field; 0 = truncated, -1 = over max. */
static int read_field(reader *r, vl_slice *s, size_t max) {
  uint32_t len;
  if (!read_u32(r, &len)) return 0;
  if (len > max) return -1;
  if (r->n - r->off < len) return 0;
  s->p = r->p + r->off;
  s->n = len;
  r->off += len;
  return 1;
}

#define FAIL(st, ...)                      \
  do {                                     \
    vl_snprintf(err, errlen, __VA_ARGS__); \
    vl_request_clear(out);                 \
    return (st);                           \
  } while (0)

/* what names the field; for a header it is "name"/"value" and index >= 0.
 * (Messages are only formatted on failure: decoding is on every resolve's path.) */
static vl_status field(reader *r, vl_slice *s, size_t max, const char *what, long index, vl_request *out, char *err,
                       size_t errlen) {
  size_t at = r->off;
  int k = read_field(r, s, max);
  char label[40];
  if (k <= 0) {
    if (index >= 0)
      vl_snprintf(label, sizeof label, "header %ld %s", index, what);
    else
      vl_snprintf(label, sizeof label, "%s", what);
  }
  if (k == 0) FAIL(VL_ERR_FORMAT, "request: %s truncated at byte %zu", label, at);
  if (k < 0) FAIL(VL_ERR_LIMIT, "request: %s longer than %zu bytes (at byte %zu)", label, max, at);
  return VL_OK;
}

vl_status vl_request_decode(const uint8_t *in, size_t n, vl_request *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (!in || n < 4 || memcmp(in, "VLR1", 4) != 0) FAIL(VL_ERR_FORMAT, "request: bad magic (expected VLR1)");
  reader r = {in, n, 4};
  vl_status st;
  if ((st = field(&r, &out->method, VL_MAX_METHOD_BYTES, "method", -1, out, err, errlen))) return st;
  if ((st = field(&r, &out->url, VL_MAX_URL_BYTES, "url", -1, out, err, errlen))) return st;
  uint32_t count;
  if (!read_u32(&r, &count)) FAIL(VL_ERR_FORMAT, "request: header count truncated at byte %zu", r.off);
  if (count > VL_MAX_HEADERS) FAIL(VL_ERR_LIMIT, "request: %u headers, limit is %u", count, VL_MAX_HEADERS);
  if (count) {
    out->headers = vl_calloc(count * sizeof *out->headers);
    if (!out->headers) FAIL(VL_ERR_NOMEM, "request: out of memory for %u headers", count);
  }
  for (uint32_t i = 0; i < count; i++) {
    if ((st = field(&r, &out->headers[i].name, VL_MAX_HEADER_BYTES, "name", (long)i, out, err, errlen))) return st;
    out->header_count = i + 1;
    if ((st = field(&r, &out->headers[i].value, VL_MAX_HEADER_BYTES, "value", (long)i, out, err, errlen))) return st;
  }
  if (!read_u32(&r, &out->body_kind)) FAIL(VL_ERR_FORMAT, "request: body kind truncated at byte %zu", r.off);
  if (out->body_kind > VL_BODY_BYTES) FAIL(VL_ERR_FORMAT, "request: unknown body kind %u", out->body_kind);
  if ((st = field(&r, &out->body, VL_MAX_BODY_BYTES, "body", -1, out, err, errlen))) return st;
  if (r.off != n) FAIL(VL_ERR_FORMAT, "request: %zu trailing bytes after the body", n - r.off);
  return VL_OK;
}

void vl_request_clear(vl_request *r) {
  vl_free(r->headers);
  memset(r, 0, sizeof *r);
}

void vl_wire_put_field(vl_buf *b, const uint8_t *p, size_t n) {
  vl_buf_put_u32(b, (uint32_t)n);
  vl_buf_put(b, p, n);
}
