/* plan → fetch → ingest → render for one request. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "limits.h"
#include "mem.h"
#include "policy.h"
#include "reqcodec.h"
#include "template.h"

struct vl_resolve {
  vl_vault *v;
  uint32_t flags;
  uint8_t *input; /* a private copy of the request; wiped on free */
  size_t input_len;
  vl_request req;
  size_t vault_tokens;
  int rendered;
};

/* Where a token sits, for the report. */
typedef struct {
  const char *kind; /* "url", "body", "headers" */
  long index;       /* header index, or -1 */
  const char *part; /* "name" / "value" for headers */
} vl_where;

typedef struct {
  vl_resolve *r;
  vl_buf report;
  size_t reported;
  int collect; /* 0 while running later Postman passes (tokens from values are never reported) */
} render_ctx;

static void report_token(render_ctx *c, const uint8_t *s, const vl_token *t, const vl_where *w, vl_reason why) {
  if (!c->collect) return;
  vl_buf *b = &c->report;
  vl_buf_put_str(b, c->reported++ ? ",{\"token\":\"" : "{\"token\":\"");
  vl_buf_put_json_str(b, s + t->start, t->end - t->start);
  vl_buf_put_str(b, "\",\"name\":\"");
  vl_buf_put_json_str(b, s + t->name_off, t->name_len);
  vl_buf_put_str(b, "\",\"where\":\"");
  char where[48];
  if (w->index >= 0)
    snprintf(where, sizeof where, "%s[%ld].%s", w->kind, w->index, w->part);
  else
    snprintf(where, sizeof where, "%s", w->kind);
  vl_buf_put_str(b, where);
  char tail[64];
  snprintf(tail, sizeof tail, "\",\"offset\":%zu,\"reason\":\"", t->start);
  vl_buf_put_str(b, tail);
  vl_buf_put_str(b, vl_reason_code(why));
  vl_buf_put_str(b, "\",\"message\":\"");
  vl_buf_put_str(b, vl_reason_message(why));
  vl_buf_put_str(b, "\"}");
}

/* Decides one token: the value to substitute, or why not. */
static vl_reason decide(const vl_vault *v, const uint8_t *s, const vl_token *t, int in_origin, const vl_origin *origin,
                        int text_field, const uint8_t **val, size_t *val_len) {
  const vl_link *l = vl_vault_find(v, s + t->name_off, t->name_len);
  if (!l) return VL_REASON_UNKNOWN;
  if (!l->enabled) return VL_REASON_DISABLED;
  if (l->domain_count) {
    /* A restricted secret never goes into the scheme or authority: it could
     * change the very host it is checked against. */
    if (in_origin || !origin->determined) return VL_REASON_DOMAIN_NOT_ALLOWED;
    int ok = 0;
    for (size_t i = 0; i < l->domain_count && !ok; i++) ok = vl_domain_match(&l->domains[i], origin);
    if (!ok) return VL_REASON_DOMAIN_NOT_ALLOWED;
  }
  if (l->provider != VL_PROVIDER_LOCAL) return VL_REASON_NOT_CONNECTED;
  if (text_field && !l->value_is_utf8) return VL_REASON_BINARY_VALUE;
  *val = l->value;
  *val_len = l->value_len;
  return VL_REASON_NONE;
}

/* One pass over s[from..to): copies text, substitutes what decide() allows.
 * Returns the number of {{…}} matches seen (Postman counts every match). */
static size_t render_span(render_ctx *c, const uint8_t *s, size_t n, size_t from, size_t to, int in_origin,
                          const vl_origin *origin, int text_field, const vl_where *w, vl_buf *out) {
  size_t pos = from, last = from, matches = 0;
  vl_token t;
  while (pos < to && vl_template_next(s, n, &pos, &t) && t.end <= to) {
    matches++;
    if (!t.is_vault) continue;
    const uint8_t *val = NULL;
    size_t val_len = 0;
    vl_reason why = decide(c->r->v, s, &t, in_origin, origin, text_field, &val, &val_len);
    if (why != VL_REASON_NONE) {
      report_token(c, s, &t, w, why);
      continue;
    }
    vl_buf_put(out, s + last, t.start - last);
    vl_buf_put(out, val, val_len);
    last = t.end;
  }
  /* Spans end where no token straddles them (vl_origin_region_end). */
  vl_buf_put(out, s + last, to - last);
  return matches;
}

/* Renders the URL once: the scheme+authority first (unrestricted secrets only),
 * then the origin of that result decides the rest. Appends to out. */
static size_t render_url_pass(render_ctx *c, const uint8_t *s, size_t n, vl_origin *origin, vl_buf *out) {
  static const vl_where w = {"url", -1, ""};
  size_t region = vl_origin_region_end(s, n);
  size_t field_start = out->len;
  vl_origin none;
  memset(&none, 0, sizeof none);
  size_t matches = render_span(c, s, n, 0, region, 1, &none, 1, &w, out);
  size_t head = out->len;
  vl_buf_put(out, s + region, n - region); /* tail still literal: parse the host */
  if (out->failed) return matches;
  vl_origin_parse(out->p + field_start, out->len - field_start, origin);
  out->len = head;
  matches += render_span(c, s, n, region, n, 0, origin, 1, &w, out);
  return matches;
}

/* Runs one field. Default mode renders straight into out. Postman mode runs
 * the repeated passes: pass 1 on the template, then again on the result while
 * the previous pass saw any {{…}} match, at most VL_POSTMAN_PASS_LIMIT passes
 * in all (postman-collection Substitutor.parse). */
static vl_status render_field(render_ctx *c, const uint8_t *s, size_t n, int is_url, int text_field, const vl_where *w,
                              vl_origin *origin, vl_buf *out) {
  if (!(c->r->flags & VL_RESOLVE_POSTMAN_COMPAT)) {
    size_t at = out->len;
    vl_buf_put_u32(out, 0); /* length, patched below */
    if (is_url)
      render_url_pass(c, s, n, origin, out);
    else
      render_span(c, s, n, 0, n, 0, origin, text_field, w, out);
    if (out->failed) return out->why;
    size_t len = out->len - at - 4;
    if (len > UINT32_MAX) return VL_ERR_LIMIT;
    uint8_t le[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
    memcpy(out->p + at, le, 4);
    return VL_OK;
  }
  vl_buf cur, next;
  vl_buf_init(&cur, VL_MAX_OUTPUT_BYTES);
  size_t matches =
      is_url ? render_url_pass(c, s, n, origin, &cur) : render_span(c, s, n, 0, n, 0, origin, text_field, w, &cur);
  int saved = c->collect;
  c->collect = 0;
  for (int pass = 2; pass <= VL_POSTMAN_PASS_LIMIT && matches && !cur.failed; pass++) {
    vl_buf_init(&next, VL_MAX_OUTPUT_BYTES);
    matches = is_url ? render_url_pass(c, cur.p, cur.len, origin, &next)
                     : render_span(c, cur.p, cur.len, 0, cur.len, 0, origin, text_field, w, &next);
    vl_buf_free(&cur);
    cur = next;
  }
  c->collect = saved;
  vl_status st = VL_OK;
  if (cur.failed)
    st = cur.why;
  else
    vl_wire_put_field(out, cur.p, cur.len);
  vl_buf_free(&cur);
  return st;
}

vl_status vl_resolve_begin(vl_vault *v, const uint8_t *req, size_t req_len, uint32_t flags, uint64_t now_ms,
                           vl_resolve **out) {
  if (!v || !out) return VL_ERR_ARG;
  *out = NULL;
  uint8_t *copy = vl_memdup(req ? req : (const uint8_t *)"", req_len);
  if (!copy) return VL_ERR_NOMEM;
  return vl_resolve_begin_owned(v, copy, req_len, flags, now_ms, out);
}

vl_status vl_resolve_begin_owned(vl_vault *v, uint8_t *req, size_t req_len, uint32_t flags, uint64_t now_ms,
                                 vl_resolve **out) {
  (void)now_ms;
  if (!v || !out) {
    vl_free(req);
    return VL_ERR_ARG;
  }
  *out = NULL;
  if (flags & ~(uint32_t)VL_RESOLVE_POSTMAN_COMPAT) {
    vl_set_error(v, "resolve: unknown flags 0x%x", (unsigned)flags);
    vl_free(req);
    return VL_ERR_ARG;
  }
  vl_resolve *r = vl_calloc(sizeof *r);
  if (!r) {
    vl_free(req);
    return VL_ERR_NOMEM;
  }
  r->v = v;
  r->flags = flags;
  r->input = req;
  r->input_len = req_len;
  vl_status st = vl_request_decode(r->input, r->input_len, &r->req, v->err, sizeof v->err);
  if (st) {
    vl_resolve_free(r);
    return st;
  }
  /* Plan: count vault tokens (the limit applies before any work is done). */
  const vl_slice *fields[2 + 2 * VL_MAX_HEADERS];
  size_t nf = 0;
  fields[nf++] = &r->req.url;
  for (size_t i = 0; i < r->req.header_count; i++) {
    fields[nf++] = &r->req.headers[i].name;
    fields[nf++] = &r->req.headers[i].value;
  }
  fields[nf++] = &r->req.body;
  for (size_t f = 0; f < nf; f++) {
    size_t pos = 0;
    vl_token t;
    while (vl_template_next(fields[f]->p, fields[f]->n, &pos, &t)) {
      if (t.is_vault && ++r->vault_tokens > VL_MAX_TOKENS) {
        vl_set_error(v, "resolve: more than %u {{vault:…}} tokens in one request", VL_MAX_TOKENS);
        vl_resolve_free(r);
        return VL_ERR_LIMIT;
      }
    }
  }
  *out = r;
  return VL_OK;
}

vl_status vl_resolve_next_job(vl_resolve *r, vl_job *job) {
  if (!r || !job) return VL_ERR_ARG;
  return VL_ERR_DONE; /* local secrets need no fetch; providers queue jobs here */
}

vl_status vl_resolve_job_done(vl_resolve *r, uint32_t id, uint32_t http_status, const uint8_t *resp, size_t resp_len,
                              uint64_t now_ms) {
  (void)http_status, (void)resp, (void)resp_len, (void)now_ms;
  if (!r) return VL_ERR_ARG;
  vl_set_error(r->v, "resolve: no job %u is outstanding", (unsigned)id);
  return VL_ERR_NOT_FOUND;
}

vl_status vl_resolve_render(vl_resolve *r, uint64_t now_ms, uint8_t **out, size_t *out_len, uint8_t **report,
                            size_t *report_len) {
  (void)now_ms;
  if (!r || !out || !out_len || !report || !report_len) return VL_ERR_ARG;
  *out = *report = NULL;
  *out_len = *report_len = 0;
  render_ctx c;
  memset(&c, 0, sizeof c);
  c.r = r;
  c.collect = 1;
  vl_buf_init(&c.report, 0);
  vl_buf_put_str(&c.report, "[");
  vl_buf o;
  vl_buf_init(&o, VL_MAX_OUTPUT_BYTES);
  vl_buf_reserve(&o, r->input_len + 1024);
  vl_buf_put(&o, "VLR1", 4);
  vl_wire_put_field(&o, r->req.method.p, r->req.method.n);
  vl_origin origin;
  memset(&origin, 0, sizeof origin);
  static const vl_where url_w = {"url", -1, ""};
  vl_status st = render_field(&c, r->req.url.p, r->req.url.n, 1, 1, &url_w, &origin, &o);
  vl_buf_put_u32(&o, (uint32_t)r->req.header_count);
  for (size_t i = 0; i < r->req.header_count && !st; i++) {
    vl_where wn = {"headers", (long)i, "name"}, wv = {"headers", (long)i, "value"};
    st = render_field(&c, r->req.headers[i].name.p, r->req.headers[i].name.n, 0, 1, &wn, &origin, &o);
    if (!st) st = render_field(&c, r->req.headers[i].value.p, r->req.headers[i].value.n, 0, 1, &wv, &origin, &o);
  }
  if (!st) {
    static const vl_where body_w = {"body", -1, ""};
    vl_buf_put_u32(&o, r->req.body_kind);
    st = render_field(&c, r->req.body.p, r->req.body.n, 0, r->req.body_kind != VL_BODY_BYTES, &body_w, &origin, &o);
  }
  vl_buf_put_str(&c.report, "]");
  if (!st && o.failed) st = o.why;
  if (!st && c.report.failed) st = c.report.why;
  if (st) {
    vl_set_error(r->v,
                 st == VL_ERR_LIMIT ? "resolve: the rendered request would exceed %zu bytes"
                                    : "resolve: out of memory while rendering (limit %zu bytes)",
                 VL_MAX_OUTPUT_BYTES);
    vl_buf_free(&o);
    vl_buf_free(&c.report);
    return st;
  }
  *out = vl_buf_take(&o, out_len);
  *report = vl_buf_take(&c.report, report_len);
  if (!*out || !*report) {
    vl_free(*out);
    vl_free(*report);
    vl_buf_free(&o);
    vl_buf_free(&c.report);
    *out = *report = NULL;
    return VL_ERR_NOMEM;
  }
  r->rendered = 1;
  return VL_OK;
}

void vl_resolve_free(vl_resolve *r) {
  if (!r) return;
  vl_request_clear(&r->req);
  vl_free(r->input);
  vl_free(r);
}
