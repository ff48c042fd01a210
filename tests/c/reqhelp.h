/* Test helpers: build reqcodec frames and read rendered ones. */
#ifndef VL_REQHELP_H
#define VL_REQHELP_H
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "reqcodec.h"
#include "vaultlink.h"

typedef struct {
  const char *method, *url, *body;
  const char *headers[8][2];
  size_t header_count;
  uint32_t body_kind;
  size_t body_len; /* for bytes bodies with NULs; 0 = strlen(body) */
} treq;

static uint8_t *treq_encode(const treq *t, size_t *len) {
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_put(&b, "VLR1", 4);
  const char *m = t->method ? t->method : "GET";
  vl_wire_put_field(&b, (const uint8_t *)m, strlen(m));
  vl_wire_put_field(&b, (const uint8_t *)t->url, strlen(t->url));
  vl_buf_put_u32(&b, (uint32_t)t->header_count);
  for (size_t i = 0; i < t->header_count; i++) {
    vl_wire_put_field(&b, (const uint8_t *)t->headers[i][0], strlen(t->headers[i][0]));
    vl_wire_put_field(&b, (const uint8_t *)t->headers[i][1], strlen(t->headers[i][1]));
  }
  uint32_t kind = t->body ? (t->body_kind ? t->body_kind : VL_BODY_TEXT) : VL_BODY_NONE;
  vl_buf_put_u32(&b, kind);
  size_t bl = t->body ? (t->body_len ? t->body_len : strlen(t->body)) : 0;
  vl_wire_put_field(&b, (const uint8_t *)(t->body ? t->body : ""), bl);
  return vl_buf_take(&b, len);
}

/* Runs a whole resolve; returns status. On success out, outbuf and report are set. */
static vl_status tresolve(vl_vault *v, const treq *t, uint32_t flags, vl_request *out, uint8_t **outbuf,
                          char **report) {
  size_t len, olen, rlen;
  uint8_t *frame = treq_encode(t, &len), *o = NULL, *rep = NULL;
  vl_resolve *r = NULL;
  vl_status st = vl_resolve_begin(v, frame, len, flags, 1000, &r);
  vl_free(frame);
  if (st) return st;
  vl_job job;
  st = vl_resolve_next_job(r, &job);
  if (st != VL_ERR_DONE) {
    vl_resolve_free(r);
    return VL_ERR_STATE;
  }
  st = vl_resolve_render(r, 1000, &o, &olen, &rep, &rlen);
  vl_resolve_free(r);
  if (st) return st;
  char err[128];
  st = vl_request_decode(o, olen, out, err, sizeof err);
  *outbuf = o;
  *report = (char *)rep;
  return st;
}

static int slice_eq(vl_slice s, const char *want) {
  return s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

static vl_status tlink(vl_vault *v, const char *name, const char *def, const char *value) {
  return vl_vault_link(v, (const uint8_t *)name, strlen(name), (const uint8_t *)def, strlen(def),
                       (const uint8_t *)value, value ? strlen(value) : 0);
}
#endif
