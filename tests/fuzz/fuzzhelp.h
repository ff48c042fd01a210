/* Shared pieces of the provider fuzz targets: wire frames, and the check that
 * a credential never leaks into a rendered request or report. */
#ifndef VL_FUZZHELP_H
#define VL_FUZZHELP_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "reqcodec.h"
#include "vaultlink.h"

#define FZ_NOW 1700000000000ull

static int fz_contains(const uint8_t *h, size_t hn, const char *needle, size_t nn) {
  for (size_t i = 0; i + nn <= hn; i++)
    if (memcmp(h + i, needle, nn) == 0) return 1;
  return 0;
}

/* A request (method, url) or response ("", "") frame with at most one header
 * (hname NULL: none) and a byte body (body NULL: no body). */
static uint8_t *fz_frame(const char *method, const char *url, const char *hname, const uint8_t *hval, size_t hlen,
                         const uint8_t *body, size_t body_len, size_t *len) {
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_put(&b, "VLR1", 4);
  vl_wire_put_field(&b, (const uint8_t *)method, strlen(method));
  vl_wire_put_field(&b, (const uint8_t *)url, strlen(url));
  vl_buf_put_u32(&b, hname ? 1 : 0);
  if (hname) {
    vl_wire_put_field(&b, (const uint8_t *)hname, strlen(hname));
    vl_wire_put_field(&b, hval, hlen);
  }
  vl_buf_put_u32(&b, body ? VL_BODY_BYTES : VL_BODY_NONE);
  vl_wire_put_field(&b, body, body ? body_len : 0);
  return vl_buf_take(&b, len);
}

/* Renders r (which must succeed), then aborts if token shows up in the output
 * or the report although the input never carried it; frees r. */
static void fz_render_without(vl_resolve *r, const uint8_t *data, size_t size, const char *token) {
  uint8_t *out, *rep;
  size_t olen, rlen, tl = strlen(token);
  if (vl_resolve_render(r, FZ_NOW, &out, &olen, &rep, &rlen) != VL_OK) abort();
  int echoed = fz_contains(data, size, token, tl);
  if (!echoed && (fz_contains(out, olen, token, tl) || fz_contains(rep, rlen, token, tl))) abort();
  vl_free(out);
  vl_free(rep);
  vl_resolve_free(r);
}
#endif
