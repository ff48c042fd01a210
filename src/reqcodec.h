/*
 * The wire format for requests, jobs and responses between the shim and the
 * core. Little-endian, length-prefixed, no escaping, so a 10 MB body crosses the
 * boundary with two memcpys:
 *
 *   "VLR1"
 *   u32 method_len, method bytes
 *   u32 url_len,    url bytes
 *   u32 header_count, then per header: u32 name_len, name, u32 value_len, value
 *   u32 body_kind (0 none, 1 UTF-8 text, 2 bytes), u32 body_len, body bytes
 *
 * A response uses the same layout (method and url empty).
 */
#ifndef VL_REQCODEC_H
#define VL_REQCODEC_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "vaultlink.h"

enum { VL_BODY_NONE = 0, VL_BODY_TEXT = 1, VL_BODY_BYTES = 2 };

typedef struct {
  const uint8_t *p;
  size_t n;
} vl_slice;

typedef struct {
  vl_slice name, value;
} vl_header;

typedef struct {
  vl_slice method, url;
  vl_header *headers; /* vl_alloc'd array; slices point into the decoded input */
  size_t header_count;
  uint32_t body_kind;
  vl_slice body;
} vl_request;

/* Decodes in[0..n) without copying. Enforces input_limits.h. On failure writes a
 * message naming the field and byte offset into err and leaves out empty. */
vl_status vl_request_decode(const uint8_t *in, size_t n, vl_request *out, char *err, size_t errlen);

/* Frees the header array (not the bytes it points into). */
void vl_request_clear(vl_request *r);

/* Appends the encoding of one field (u32 length + bytes). */
void vl_wire_put_field(vl_buf *b, const uint8_t *p, size_t n);
#endif
