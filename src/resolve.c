/* plan → fetch → ingest → render for one request. */
#include <string.h>

#include "buf.h"
#include "cache.h"
#include "crypto/hash.h"
#include "engine.h"
#include "fmt.h"
#include "input_limits.h"
#include "mem.h"
#include "policy.h"
#include "providers/provider.h"
#include "reqcodec.h"
#include "template.h"

/* One external secret this resolve needs (one per cache key, however many
 * tokens use it). The reference is copied: links may change while jobs run. */
typedef enum { TASK_PENDING = 0, TASK_DONE = 1, TASK_FAILED = 2 } task_state;
typedef struct {
  char *cache_key;
  char *canonical;
  cJSON *params;
  char *name; /* the secret name, for status() */
  vl_provider_id pid;
  vl_fetch f;
  task_state state;
  vl_reason reason;
  char detail[200];
  /* The provider's credential epoch and the vault's cache epoch when the
   * fetch began: an answer that arrives after a reconnect, disconnect or
   * resetCache() belongs to the old credentials and is never cached. */
  uint32_t epoch, cache_epoch;
  unsigned restarts;    /* fetches begun again under newer credentials */
  int verify;           /* a credentials check (vl_vault_verify_open), not a fetch */
  uint32_t http_status; /* of the last answer ingested */
  uint8_t *identity;    /* verify: the validated identity (not secret), or NULL */
} vl_task;

/* How often a fetch is begun again because the credentials changed under it. */
#define VL_TASK_MAX_RESTARTS 2u

typedef struct {
  uint32_t id;
  size_t task;
  uint8_t *req; /* reqcodec; may carry credentials (signatures, tokens): wiped */
  size_t len;
  int handed, done;
  int shared; /* answered with the answer to an identical job (vl_vault_job_done) */
  uint8_t identity[VL_JOB_IDENTITY_LEN];
} vl_jobrec;

/* A value opened for this render only; wiped when the render ends. */
typedef struct {
  const char *key;
  uint8_t *value;
  size_t len;
  int utf8;
} vl_opened;

#define VL_PATCH_RECORD 20u      /* bytes of one VL_RESOLVE_PATCH record */
#define VL_PATCH_WHOLE_MAX 1024u /* text fields up to this long come back whole */

/* A {{vault:…}} token of the template and the field it is in (0 URL, 1 + 2i
 * header i's name, 2 + 2i its value, 1 + 2 × header count the body). */
typedef struct {
  vl_token t;
  uint32_t field;
  const vl_link *link; /* its link (or NULL: none), as begin found it; valid while links_gen holds */
} vl_ftoken;

struct vl_resolve {
  vl_vault *v;
  uint32_t flags;
  uint8_t *input; /* the request template; wiped on free */
  size_t input_len;
  vl_request req;
  vl_ftoken *toks; /* found once by begin, in field and offset order */
  size_t ntoks, cap_toks;
  uint32_t links_gen;        /* the vault's when begin looked the tokens' links up */
  vl_origin template_origin; /* the template URL's, parsed when first needed: template_origin() */
  int template_origin_parsed;
  vl_task *tasks;
  size_t ntasks;
  vl_jobrec *jobs;
  size_t njobs;
  vl_opened *opened;
  size_t nopened, cap_opened;
  unsigned touched; /* VL_TOUCHED_* since vl_resolve_take_touched last asked */
  uint64_t now_ms;
};

/* The last domain refusal's detail, until report_token() copies it (off the
 * render stack, and out of every vl_resolve: those are zeroed and wiped per
 * request). It names a secret and a host, never a value (vl_domain_explain). */
static char domain_why[VL_DOMAIN_EXPLAIN_BYTES];

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
  int stored;  /* tokens come from r->toks (one pass over the template), not a new scan */
  size_t ti;   /* the next of r->toks */
  uint32_t field;
  /* VL_RESOLVE_PATCH: substitutions go out as records, text is not copied. */
  int patch;
  int utf16;           /* the field is text: record offsets in UTF-16 code units */
  size_t cur_b, cur_u; /* a byte offset in the field and the same offset in code units */
  uint32_t npatches;
  vl_buf values;      /* patch mode: the values, text ones first (the body is the last field) */
  size_t text_bytes;  /* how many of values' bytes are text values */
  vl_buf *shadow;     /* patch mode: also the rendered text (a URL's origin region) */
  size_t substituted; /* tokens replaced by values so far */
  /* The URL's origin region had nothing replaced: its origin is the
   * template's, parsed only if a restricted secret asks (template_origin()). */
  int origin_is_template;
  const vl_ftoken *from; /* the stored token next_token() gave last, or NULL (a scan) */
} render_ctx;

static void report_token(render_ctx *c, const uint8_t *s, const vl_token *t, const vl_where *w, vl_reason why,
                         const char *detail) {
  if (!c->collect) return;
  vl_buf *b = &c->report;
  vl_buf_put_str(b, c->reported++ ? ",{\"token\":\"" : "{\"token\":\"");
  vl_buf_put_json_str(b, s + t->start, t->end - t->start);
  vl_buf_put_str(b, "\",\"name\":\"");
  vl_buf_put_json_str(b, s + t->name_off, t->name_len);
  vl_buf_put_str(b, "\",\"where\":\"");
  char where[48];
  if (w->index >= 0)
    vl_snprintf(where, sizeof where, "%s[%ld].%s", w->kind, w->index, w->part);
  else
    vl_snprintf(where, sizeof where, "%s", w->kind);
  vl_buf_put_str(b, where);
  char tail[64];
  vl_snprintf(tail, sizeof tail, "\",\"offset\":%zu,\"reason\":\"", t->start);
  vl_buf_put_str(b, tail);
  vl_buf_put_str(b, vl_reason_code(why));
  vl_buf_put_str(b, "\",\"message\":\"");
  vl_buf_put_str(b, vl_reason_message(why));
  if (detail && *detail) {
    vl_buf_put_str(b, "\",\"detail\":\"");
    vl_buf_put_json_str(b, (const uint8_t *)detail, strlen(detail));
  }
  vl_buf_put_str(b, "\"}");
}

static vl_task *find_task(vl_resolve *r, const char *key) {
  for (size_t i = 0; i < r->ntasks; i++)
    if (strcmp(r->tasks[i].cache_key, key) == 0) return &r->tasks[i];
  return NULL;
}

/* Opens a value once per render: a local secret's sealed value or a cache entry. */
static vl_status open_value(vl_resolve *r, const vl_link *l, const vl_opened **out) {
  for (size_t i = 0; i < r->nopened; i++) {
    if (r->opened[i].key == l->cache_key || strcmp(r->opened[i].key, l->cache_key) == 0) {
      *out = &r->opened[i];
      return VL_OK;
    }
  }
  vl_opened o = {l->cache_key, NULL, 0, 0};
  r->touched |= VL_TOUCHED_VALUES;
  vl_status st = l->provider == VL_PROVIDER_LOCAL
                     ? vl_vault_open(r->v, l->cache_key, l->sealed_value, l->sealed_len, &o.value, &o.len)
                     : vl_cache_get(&r->v->cache, l->cache_key, r->now_ms, &o.value, &o.len);
  if (st) return st;
  o.utf8 = l->provider == VL_PROVIDER_LOCAL ? l->value_is_utf8 : vl_utf8_valid(o.value, o.len);
  if (r->nopened == r->cap_opened) {
    /* Room for one value per template token at once; Postman's passes may
     * find more tokens in values, then it doubles. */
    size_t cap = r->cap_opened ? 2 * r->cap_opened : (r->ntoks > 4 ? r->ntoks : 4);
    vl_opened *grown = vl_realloc(r->opened, cap * sizeof *grown);
    if (!grown) {
      vl_free(o.value);
      return VL_ERR_NOMEM;
    }
    r->opened = grown;
    r->cap_opened = cap;
  }
  r->opened[r->nopened] = o;
  *out = &r->opened[r->nopened++];
  return VL_OK;
}

static void close_values(vl_resolve *r) {
  for (size_t i = 0; i < r->nopened; i++) vl_free(r->opened[i].value);
  vl_free(r->opened);
  r->opened = NULL;
  r->nopened = r->cap_opened = 0;
}

/* Why an external secret has no value right now. */
static vl_reason missing_reason(vl_resolve *r, const vl_link *l, const char **detail) {
  const vl_task *t = find_task(r, l->cache_key);
  if (t && t->state == TASK_FAILED) {
    *detail = t->detail;
    return t->reason;
  }
  if (t && t->state == TASK_PENDING) return VL_REASON_UNREACHABLE; /* no response arrived */
  const vl_pstate *ps = &r->v->providers[l->provider];
  if (ps->reauth) return VL_REASON_REAUTH_REQUIRED;
  if (ps->rejected) return VL_REASON_CREDENTIALS_REJECTED;
  return VL_REASON_NOT_CONNECTED;
}

/* The template URL's origin, parsed on first use: only a secret with allowed
 * domains reads an origin, so a request that uses none never parses it. */
static const vl_origin *template_origin(vl_resolve *r) {
  if (!r->template_origin_parsed) {
    vl_origin_parse(r->req.url.p, r->req.url.n, &r->template_origin);
    r->template_origin_parsed = 1;
  }
  return &r->template_origin;
}

/* Decides one token: the value to substitute, or why not. */
static vl_reason decide(render_ctx *c, const uint8_t *s, const vl_token *t, int in_origin, const vl_origin *origin,
                        int text_field, const uint8_t **val, size_t *val_len, const char **detail) {
  vl_resolve *r = c->r;
  const vl_link *l =
      c->from && r->links_gen == r->v->links_gen ? c->from->link : vl_vault_find(r->v, s + t->name_off, t->name_len);
  if (!l) return VL_REASON_UNKNOWN;
  if (!l->enabled) return VL_REASON_DISABLED;
  if (l->domain_count) {
    /* A restricted secret never goes into the scheme or authority: it could
     * change the very host it is checked against. */
    if (!in_origin && c->origin_is_template) origin = template_origin(r);
    int ok = 0;
    for (size_t i = 0; i < l->domain_count && !ok && !in_origin; i++) ok = vl_domain_match(&l->domains[i], origin);
    if (!ok) {
      vl_domain_explain(s + t->name_off, t->name_len, l->domains, l->domain_count, origin, in_origin, domain_why,
                        sizeof domain_why);
      *detail = domain_why;
      return VL_REASON_DOMAIN_NOT_ALLOWED;
    }
  }
  const vl_opened *o;
  vl_status st = open_value(r, l, &o);
  if (st == VL_ERR_NOT_FOUND || st == VL_ERR_EXPIRED) return missing_reason(r, l, detail);
  if (st) return VL_REASON_MISCONFIGURED;
  if (text_field && !o->utf8) return VL_REASON_BINARY_VALUE;
  *val = o->value;
  *val_len = o->len;
  return VL_REASON_NONE;
}

/* The next token of s[*pos..to): from the template's stored tokens (the field
 * c->field) or by scanning (a Postman pass over rendered text). Matches are
 * position-determined (postman-collection's regex cannot overlap), so both
 * give the same tokens. */
static int next_token(render_ctx *c, const uint8_t *s, size_t n, size_t *pos, size_t to, vl_token *t) {
  c->from = NULL;
  if (!c->stored) return *pos < to && vl_template_next(s, n, pos, t) && t->end <= to;
  const vl_resolve *r = c->r;
  while (c->ti < r->ntoks && r->toks[c->ti].field < c->field) c->ti++;
  if (c->ti >= r->ntoks) return 0;
  const vl_ftoken *f = &r->toks[c->ti];
  if (f->field != c->field || f->t.start < *pos || f->t.end > to) return 0;
  *t = f->t;
  *pos = t->end;
  c->from = f;
  c->ti++;
  return 1;
}

/* Patch mode: one record {u32 field, start, end, units, bytes}; the value
 * itself goes to c->values unless it is already there (in_values). */
static void put_record(render_ctx *c, vl_buf *out, size_t start, size_t end, const uint8_t *val, size_t val_len,
                       int in_values) {
  size_t units = c->utf16 ? vl_utf16_len(val, val_len) : val_len;
  uint32_t rec[VL_PATCH_RECORD / 4] = {c->field, (uint32_t)start, (uint32_t)end, (uint32_t)units, (uint32_t)val_len};
  uint8_t le[VL_PATCH_RECORD];
  for (size_t i = 0; i < VL_PATCH_RECORD; i++) le[i] = (uint8_t)(rec[i / 4] >> (8 * (i % 4)));
  vl_buf_put(out, le, sizeof le);
  if (!in_values) vl_buf_put(&c->values, val, val_len);
  if (c->utf16) c->text_bytes += val_len;
  c->npatches++;
}

/* Patch mode: the record for token t. Offsets and units are in the caller's
 * units (UTF-16 code units for text, bytes for a byte body). The cursor only
 * moves forward, so each field is counted once. */
static void put_patch(render_ctx *c, const uint8_t *s, const vl_token *t, const uint8_t *val, size_t val_len,
                      vl_buf *out) {
  size_t start = c->cur_u + (c->utf16 ? vl_utf16_len(s + c->cur_b, t->start - c->cur_b) : t->start - c->cur_b);
  size_t end = start + (c->utf16 ? vl_utf16_len(s + t->start, t->end - t->start) : t->end - t->start);
  c->cur_b = t->end;
  c->cur_u = end;
  put_record(c, out, start, end, val, val_len, 0);
}

/* One pass over s[from..to): substitutes what decide() allows, writing the
 * text (or, in patch mode, records) to out. Returns the number of {{…}}
 * matches seen (Postman counts every match). */
static size_t render_span(render_ctx *c, const uint8_t *s, size_t n, size_t from, size_t to, int in_origin,
                          const vl_origin *origin, int text_field, const vl_where *w, vl_buf *out) {
  if (to <= from) return 0; /* also keeps pointer arithmetic off an empty (NULL) buffer */
  size_t pos = from, last = from, matches = 0;
  vl_token t;
  vl_buf *text = c->patch ? c->shadow : out; /* where literal text and values go, if anywhere */
  while (next_token(c, s, n, &pos, to, &t)) {
    matches++;
    if (!t.is_vault) continue;
    const uint8_t *val = NULL;
    size_t val_len = 0;
    const char *detail = NULL;
    vl_reason why = decide(c, s, &t, in_origin, origin, text_field, &val, &val_len, &detail);
    if (why != VL_REASON_NONE) {
      report_token(c, s, &t, w, why, detail);
      continue;
    }
    if (c->patch) put_patch(c, s, &t, val, val_len, out);
    if (text) {
      vl_buf_put(text, s + last, t.start - last);
      vl_buf_put(text, val, val_len);
    }
    last = t.end;
    c->substituted++;
  }
  /* Spans end where no token straddles them (vl_origin_region_end). */
  if (text) vl_buf_put(text, s + last, to - last);
  return matches;
}

/* Renders the URL once: the scheme+authority first (unrestricted secrets only),
 * then the origin of that result decides the rest. Appends to out. */
static size_t render_url_pass(render_ctx *c, const uint8_t *s, size_t n, vl_origin *origin, vl_buf *out) {
  static const vl_where w = {"url", -1, ""};
  if (n == 0) { /* an empty URL (or an empty Postman pass): no host, nothing to render */
    memset(origin, 0, sizeof *origin);
    return 0;
  }
  c->origin_is_template = 0;
  size_t region = vl_origin_region_end(s, n);
  static const vl_origin none; /* the origin region's own tokens are checked against no origin */
  /* The origin region is rendered as text to parse the host: into out, or in
   * patch mode (records carry no text) into a buffer aside. */
  vl_buf head;
  vl_buf_init(&head, VL_MAX_OUTPUT_BYTES);
  vl_buf *text = c->patch ? &head : out;
  size_t start = text->len, before = c->substituted;
  if (c->patch) c->shadow = &head;
  size_t matches = render_span(c, s, n, 0, region, 1, &none, 1, &w, out);
  c->shadow = NULL;
  size_t region_end = text->len;
  vl_buf_put(text, s + region, n - region); /* tail still literal: parse the host */
  if (!text->failed) {
    if (c->stored && c->substituted == before) {
      c->origin_is_template = 1; /* nothing replaced: the template's own, parsed if asked for */
    } else {
      vl_origin_parse(text->p + start, text->len - start, origin);
      origin->from_values = c->substituted != before; /* its host holds a value: never quoted */
    }
    text->len = region_end;
  }
  if (head.failed && !out->failed) {
    out->failed = 1;
    out->why = head.why;
  }
  vl_buf_free(&head);
  if (out->failed) return matches;
  matches += render_span(c, s, n, region, n, 0, origin, 1, &w, out);
  return matches;
}

/* Runs one field. Default mode renders straight into out. Postman mode runs
 * the repeated passes: pass 1 on the template, then again on the result while
 * the previous pass saw any {{…}} match, at most VL_POSTMAN_PASS_LIMIT passes
 * in all (postman-collection Substitutor.parse). */
static vl_status render_field(render_ctx *c, const uint8_t *s, size_t n, int is_url, int text_field, const vl_where *w,
                              vl_origin *origin, vl_buf *out) {
  if (!(c->r->flags & VL_RESOLVE_POSTMAN_COMPAT) && c->patch) {
    c->cur_b = c->cur_u = 0;
    c->utf16 = text_field;
    if (text_field && n <= VL_PATCH_WHOLE_MAX) {
      /* A short text field comes back whole, as one record over all of it:
       * one string to decode beats splicing pieces. Nothing replaced, no record. */
      size_t at = c->values.len, before = c->substituted;
      c->patch = 0;
      if (is_url)
        render_url_pass(c, s, n, origin, &c->values);
      else
        render_span(c, s, n, 0, n, 0, origin, text_field, w, &c->values);
      c->patch = 1;
      if (c->values.failed) return c->values.why;
      if (c->substituted == before)
        c->values.len = at; /* the template's own bytes: the caller keeps its string */
      else
        put_record(c, out, 0, vl_utf16_len(s, n), c->values.p + at, c->values.len - at, 1);
      return out->failed ? out->why : VL_OK;
    }
    if (is_url)
      render_url_pass(c, s, n, origin, out);
    else
      render_span(c, s, n, 0, n, 0, origin, text_field, w, out);
    return out->failed ? out->why : VL_OK;
  }
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

/* Why a provider without credentials cannot fetch (not_connected, reauth_required, credentials_rejected). */
static vl_reason unconnected_reason(const vl_pstate *ps) {
  return ps->reauth     ? VL_REASON_REAUTH_REQUIRED
         : ps->rejected ? VL_REASON_CREDENTIALS_REJECTED
                        : VL_REASON_NOT_CONNECTED;
}

/* Runs one provider step (or verify step) with its credentials opened just for the call. */
static vl_step_kind run_step(vl_resolve *r, const vl_provider_ops *ops, vl_pstate *ps, vl_fetch *f, int verify,
                             uint32_t http_status, const vl_request *resp, vl_step_out *o) {
  r->touched |= VL_TOUCHED_CREDENTIALS;
  if (vl_pstate_open(r->v, ps) != VL_OK) {
    vl_pstate_clear(ps);
    ps->reauth = 1;
    return vl_step_fail(o, VL_REASON_REAUTH_REQUIRED, "%s: credentials could not be opened", vl_provider_name(ps->id));
  }
  vl_step_kind kind = !verify       ? ops->step(ps, f, http_status, resp, r->now_ms, o)
                      : ops->verify ? ops->verify(ps, f, http_status, resp, r->now_ms, o)
                                    : vl_verify_ok(o, NULL, "none");
  vl_pstate_close(r->v, ps);
  return kind;
}

/* Header names that change between two signings of one request under the
 * same credentials (SigV4's date and signature): not part of an identity. */
static int volatile_header(const vl_slice *name) {
  static const char *const names[] = {"authorization", "x-amz-date"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    size_t n = strlen(names[i]);
    if (name->n != n) continue;
    size_t k = 0;
    while (k < n && (name->p[k] | 0x20) == names[i][k]) k++;
    if (k == n) return 1;
  }
  return 0;
}

/* identity = HMAC-SHA256(idkey, provider ‖ credential epoch ‖ cache epoch ‖ method ‖ url ‖
 * stable headers ‖ body)[0..16], each part length-prefixed. The epoch stands
 * for the credentials, so the Authorization header can be left out. */
static void job_identity(const vl_vault *v, const vl_task *t, vl_jobrec *j) {
  memset(j->identity, 0, sizeof j->identity);
  vl_request q;
  char err[64];
  if (!j->req || vl_request_decode(j->req, j->len, &q, err, sizeof err) != VL_OK) return;
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_put_u32(&b, (uint32_t)t->pid);
  vl_buf_put_u32(&b, t->epoch);
  vl_buf_put_u32(&b, t->cache_epoch); /* a fetch from before a reset serves nobody after it */
  vl_wire_put_field(&b, q.method.p, q.method.n);
  vl_wire_put_field(&b, q.url.p, q.url.n);
  for (size_t i = 0; i < q.header_count; i++) {
    if (volatile_header(&q.headers[i].name)) continue;
    vl_wire_put_field(&b, q.headers[i].name.p, q.headers[i].name.n);
    vl_wire_put_field(&b, q.headers[i].value.p, q.headers[i].value.n);
  }
  vl_wire_put_field(&b, q.body.p, q.body.n);
  vl_request_clear(&q);
  if (!b.failed) {
    uint8_t mac[VL_SHA256_LEN];
    vl_hmac_sha256(v->idkey, sizeof v->idkey, b.p, b.len, mac);
    memcpy(j->identity, mac, sizeof j->identity);
    vl_wipe(mac, sizeof mac);
  }
  vl_buf_free(&b); /* wipes: it held the request's credentials */
}

/* Applies a provider step's outcome to task ti. */
static void task_outcome(vl_resolve *r, size_t ti, vl_step_kind kind, vl_step_out *o) {
  vl_task *t = &r->tasks[ti];
  if (kind == VL_STEP_JOB) {
    vl_jobrec *grown = o->job.failed ? NULL : vl_realloc(r->jobs, (r->njobs + 1) * sizeof *grown);
    if (!grown) {
      t->state = TASK_FAILED;
      t->reason = VL_REASON_MISCONFIGURED;
      vl_snprintf(t->detail, sizeof t->detail, "%s: could not build the request for %.120s", vl_provider_name(t->pid),
                  t->canonical);
    } else {
      r->jobs = grown;
      vl_jobrec *j = &r->jobs[r->njobs++];
      memset(j, 0, sizeof *j);
      if (++r->v->next_job_id == 0) r->v->next_job_id = 1; /* 0 is never a job */
      j->id = r->v->next_job_id;
      j->task = ti;
      j->req = vl_buf_take(&o->job, &j->len);
      job_identity(r->v, t, j);
      t->state = TASK_PENDING;
    }
  } else if (kind == VL_STEP_VALUE && t->verify) {
    t->state = TASK_DONE;
    t->identity = o->value; /* validated by the provider: not secret */
    o->value = NULL;
    memcpy(t->detail, o->detail, sizeof t->detail); /* the method */
  } else if (kind == VL_STEP_VALUE) {
    uint64_t expiry = r->now_ms + (uint64_t)r->v->opts.cache_ttl_minutes * 60000u;
    if (o->expires_ms && o->expires_ms < expiry) expiry = o->expires_ms; /* the shorter wins */
    /* The value remembers the credential that fetched it, and goes with it. */
    vl_status st = vl_cache_put_owned(&r->v->cache, t->cache_key, t->name, o->value, o->value_len, expiry, r->now_ms,
                                      (uint32_t)t->pid, t->epoch);
    vl_free(o->value); /* plaintext gone: it lives on only sealed */
    o->value = NULL;
    t->state = st ? TASK_FAILED : TASK_DONE;
    if (st) {
      t->reason = VL_REASON_MISCONFIGURED;
      vl_snprintf(t->detail, sizeof t->detail, "%s: value of %.120s could not be cached (%s)", vl_provider_name(t->pid),
                  t->canonical, vl_strerror(st));
    } else if (expiry <= r->now_ms) {
      t->state = TASK_FAILED;
      t->reason = VL_REASON_DISABLED_AT_PROVIDER;
      vl_snprintf(t->detail, sizeof t->detail, "%s: %.120s has expired", vl_provider_name(t->pid), t->canonical);
    }
  } else {
    t->state = TASK_FAILED;
    t->reason = o->reason;
    memcpy(t->detail, o->detail, sizeof t->detail);
    const vl_pstate *ps = &r->v->providers[t->pid];
    /* A refusal of credentials past their expiry is an expiry. */
    if (t->reason == VL_REASON_CREDENTIALS_REJECTED && ps->expires_ms && r->now_ms >= ps->expires_ms)
      t->reason = VL_REASON_REAUTH_REQUIRED;
    /* Credentials the provider refused are useless: wiped with what they
     * fetched (a verification decides in vl_vault_verify_result). */
    if (!t->verify && ps->connected && t->epoch == ps->epoch &&
        (t->reason == VL_REASON_REAUTH_REQUIRED || t->reason == VL_REASON_CREDENTIALS_REJECTED))
      vl_vault_drop_provider(r->v, t->pid, t->reason == VL_REASON_REAUTH_REQUIRED,
                             t->reason == VL_REASON_CREDENTIALS_REJECTED);
  }
  vl_free(o->value);
  vl_buf_free(&o->job);
}

/* Plans the fetch of one external secret, unless cached or already planned. */
static void plan_link(vl_resolve *r, const vl_link *l) {
  if (find_task(r, l->cache_key) || vl_cache_has(&r->v->cache, l->cache_key, r->now_ms)) return;
  if (l->domain_count && template_origin(r)->determined) {
    /* The host is known and final: do not fetch what cannot be used. */
    int ok = 0;
    for (size_t i = 0; i < l->domain_count && !ok; i++) ok = vl_domain_match(&l->domains[i], template_origin(r));
    if (!ok) return;
  }
  vl_task *grown = vl_realloc(r->tasks, (r->ntasks + 1) * sizeof *grown);
  if (!grown) return; /* reported as not connected; nothing half-done */
  r->tasks = grown;
  vl_task *t = &r->tasks[r->ntasks];
  memset(t, 0, sizeof *t);
  t->cache_key = vl_memdup(l->cache_key, strlen(l->cache_key));
  t->canonical = vl_memdup(l->canonical, strlen(l->canonical));
  t->name = vl_memdup(l->name, l->name_len);
  t->params = cJSON_Duplicate(l->params, 1);
  t->pid = l->provider;
  if (!t->cache_key || !t->canonical || !t->name || !t->params) {
    vl_free(t->cache_key);
    vl_free(t->canonical);
    vl_free(t->name);
    cJSON_Delete(t->params);
    return;
  }
  t->f.cache_key = t->cache_key;
  t->f.canonical = t->canonical;
  t->f.params = t->params;
  size_t ti = r->ntasks++;
  vl_pstate *ps = &r->v->providers[t->pid];
  const vl_provider_ops *ops = vl_provider_ops_for(t->pid);
  if (!ops || !ps->connected) {
    t->state = TASK_FAILED;
    t->reason = unconnected_reason(ps);
    vl_snprintf(t->detail, sizeof t->detail, "%s: %s", vl_provider_name(t->pid),
                !ops           ? "not supported by this build"
                : ps->reauth   ? "credentials expired"
                : ps->rejected ? "the provider rejected the credentials"
                               : "not connected");
    return;
  }
  t->epoch = ps->epoch;
  t->cache_epoch = r->v->cache_epoch;
  vl_step_out o;
  memset(&o, 0, sizeof o);
  vl_buf_init(&o.job, VL_MAX_BODY_BYTES);
  task_outcome(r, ti, run_step(r, ops, ps, &r->tasks[ti].f, 0, 0, NULL, &o), &o);
}

/* The shim's out-of-band word on an answer (x-vaultlink-error: timeout,
 * cors, transport, too_large) is MARK. */
static int marked(const vl_slice *e, const char *mark) {
  return e && e->n == strlen(mark) && memcmp(e->p, mark, e->n) == 0;
}

/* The tunnel engine's detail (x-vaultlink-detail) as printable ASCII, cut to n. */
static void plain_detail(char *out, size_t n, const vl_slice *d) {
  size_t k = 0;
  for (; d && k < d->n && k + 1 < n; k++) {
    uint8_t ch = d->p[k];
    out[k] = (char)(ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\' ? ch : '?');
  }
  out[k] = 0;
}

/* The credentials (or the cache) changed since task t's fetch began: its
 * answer is dropped unread and the fetch begins again under the current
 * credentials, at most VL_TASK_MAX_RESTARTS times; after that, or when the
 * provider is no longer connected, the token reports why. */
static vl_step_kind restart_stale(vl_resolve *r, vl_task *t, const vl_provider_ops *ops, vl_pstate *ps,
                                  vl_step_out *o) {
  if (!ops || !ps->connected)
    return vl_step_fail(o, unconnected_reason(ps), "%s: disconnected while fetching %.120s", vl_provider_name(t->pid),
                        t->canonical);
  if (t->verify)
    return vl_step_fail(o, VL_REASON_NOT_CONNECTED, "%s: the credentials changed while they were being verified",
                        vl_provider_name(t->pid));
  if (t->restarts >= VL_TASK_MAX_RESTARTS)
    return vl_step_fail(o, VL_REASON_REAUTH_REQUIRED,
                        "%s: the credentials or the cache changed %u times while fetching %.120s",
                        vl_provider_name(t->pid), t->restarts + 1, t->canonical);
  t->restarts++;
  t->epoch = ps->epoch;
  t->cache_epoch = r->v->cache_epoch;
  cJSON_Delete(t->f.scratch); /* what the old flow learned (maybe with the old credentials) */
  t->f.scratch = NULL;
  t->f.stage = 0;
  return run_step(r, ops, ps, &t->f, 0, 0, NULL, o);
}

/* Field f of the template (0 the URL, 1 + 2i header i's name, 2 + 2i its
 * value, 1 + 2 × header count the body). */
static const vl_slice *field_of(const vl_resolve *r, uint32_t f) {
  if (f == 0) return &r->req.url;
  if (f > 2 * r->req.header_count) return &r->req.body;
  const vl_header *h = &r->req.headers[(f - 1) / 2];
  return f % 2 ? &h->name : &h->value;
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
  if (!v || !out) {
    vl_free(req);
    return VL_ERR_ARG;
  }
  *out = NULL;
  if (flags & ~(uint32_t)(VL_RESOLVE_POSTMAN_COMPAT | VL_RESOLVE_PATCH)) {
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
  /* Find the vault tokens once (the limit applies before any work is done). */
  size_t nf = 2 + 2 * r->req.header_count;
  for (size_t f = 0; f < nf; f++) {
    const vl_slice *field = field_of(r, (uint32_t)f);
    size_t pos = 0;
    vl_token t;
    while (vl_template_next(field->p, field->n, &pos, &t)) {
      if (!t.is_vault) continue;
      if (r->ntoks == VL_MAX_TOKENS) {
        vl_set_error(v, "resolve: more than %u {{vault:…}} tokens in one request", VL_MAX_TOKENS);
        vl_resolve_free(r);
        return VL_ERR_LIMIT;
      }
      if (r->ntoks == r->cap_toks) {
        size_t cap = r->cap_toks ? r->cap_toks * 2 : 8;
        vl_ftoken *grown = vl_realloc(r->toks, cap * sizeof *grown);
        if (!grown) {
          vl_resolve_free(r);
          return VL_ERR_NOMEM;
        }
        r->toks = grown;
        r->cap_toks = cap;
      }
      r->toks[r->ntoks].t = t;
      r->toks[r->ntoks++].field = (uint32_t)f;
    }
  }
  r->now_ms = now_ms;
  vl_vault_check_credentials(v, now_ms);
  for (size_t i = 0; i < r->ntoks; i++) {
    vl_ftoken *ft = &r->toks[i];
    const vl_link *l = ft->link = vl_vault_find(v, field_of(r, ft->field)->p + ft->t.name_off, ft->t.name_len);
    if (l && l->enabled && l->provider != VL_PROVIDER_LOCAL) plan_link(r, l);
  }
  r->links_gen = v->links_gen;
  *out = r;
  return VL_OK;
}

size_t vl_resolve_jobs_waiting(const vl_resolve *r) {
  size_t n = 0;
  for (size_t i = 0; r && i < r->njobs; i++) n += !r->jobs[i].handed;
  return n;
}

unsigned vl_resolve_take_touched(vl_resolve *r) {
  if (!r) return 0;
  unsigned t = r->touched;
  r->touched = 0;
  return t;
}

vl_status vl_resolve_next_job(vl_resolve *r, vl_job *job) {
  if (!r || !job) return VL_ERR_ARG;
  for (size_t i = 0; i < r->njobs; i++) {
    vl_jobrec *j = &r->jobs[i];
    if (j->handed) continue;
    j->handed = 1;
    job->id = j->id;
    job->request = j->req;
    job->request_len = j->len;
    memcpy(job->identity, j->identity, sizeof job->identity);
    job->provider = vl_provider_name(r->tasks[j->task].pid);
    return VL_OK;
  }
  return VL_ERR_DONE;
}

vl_status vl_resolve_job_done(vl_resolve *r, uint32_t id, uint32_t http_status, const uint8_t *resp, size_t resp_len,
                              uint64_t now_ms) {
  if (!r) return VL_ERR_ARG;
  vl_jobrec *j = NULL;
  for (size_t i = 0; i < r->njobs && !j; i++)
    if (r->jobs[i].id == id && r->jobs[i].handed && !r->jobs[i].done) j = &r->jobs[i];
  if (!j) {
    vl_set_error(r->v, "resolve: no job %u is outstanding", (unsigned)id);
    return VL_ERR_NOT_FOUND;
  }
  j->done = 1;
  vl_free(j->req);
  j->req = NULL;
  r->now_ms = now_ms;
  vl_vault_check_credentials(r->v, now_ms); /* an expired credential ingests nothing */
  size_t ti = j->task;
  vl_task *t = &r->tasks[ti];
  t->http_status = http_status;
  vl_step_out o;
  memset(&o, 0, sizeof o);
  vl_buf_init(&o.job, VL_MAX_BODY_BYTES);
  vl_pstate *ps = &r->v->providers[t->pid];
  const vl_provider_ops *ops = vl_provider_ops_for(t->pid);
  vl_request resp_req;
  char err[160] = "";
  int decoded = resp && resp_len <= VL_MAX_RESPONSE_BYTES &&
                vl_request_decode(resp, resp_len, &resp_req, err, sizeof err) == VL_OK;
  const vl_slice *mark = decoded ? vl_resp_header(&resp_req, "x-vaultlink-error") : NULL;
  vl_step_kind kind;
  if (!ops || !ps->connected || t->epoch != ps->epoch || t->cache_epoch != r->v->cache_epoch) {
    kind = restart_stale(r, t, ops, ps, &o); /* the response is never read */
  } else if (resp_len > VL_MAX_RESPONSE_BYTES || marked(mark, "too_large")) {
    kind = vl_step_fail(&o, VL_REASON_MALFORMED_RESPONSE, "%s: response over %zu bytes (HTTP %u)",
                        vl_provider_name(t->pid), VL_MAX_RESPONSE_BYTES, (unsigned)http_status);
  } else if (http_status == 0 && marked(mark, "malformed")) {
    const vl_slice *md = vl_resp_header(&resp_req, "x-vaultlink-detail");
    char what[120];
    plain_detail(what, sizeof what, md);
    kind = vl_step_fail(&o, VL_REASON_MALFORMED_RESPONSE, "%s: %s for %.120s", vl_provider_name(t->pid), what,
                        t->canonical);
  } else if (http_status == 0) {
    char tunnel_why[120] = ""; /* room left for the reference in the detail */
    const vl_slice *td = decoded && marked(mark, "tunnel") ? vl_resp_header(&resp_req, "x-vaultlink-detail") : NULL;
    if (td) plain_detail(tunnel_why, sizeof tunnel_why, td); /* the tunnel engine's own words */
    const char *why = td                          ? tunnel_why
                      : marked(mark, "timeout")   ? "timed out"
                      : marked(mark, "cors")      ? "blocked by CORS or the network (a page cannot reach it "
                                                    "directly; the tunnel transport can)"
                      : marked(mark, "network")   ? "network error"
                      : marked(mark, "transport") ? "the transport failed"
                                                  : "network error, CORS refusal or timeout";
    kind = vl_step_fail(&o, VL_REASON_UNREACHABLE, "%s: %s for %.120s", vl_provider_name(t->pid), why, t->canonical);
  } else if (!decoded) {
    vl_set_error(r->v, "resolve: job %u response: %s", (unsigned)id, err);
    kind = vl_step_fail(&o, VL_REASON_MALFORMED_RESPONSE, "%s: unreadable response (HTTP %u)", vl_provider_name(t->pid),
                        (unsigned)http_status);
  } else {
    kind = run_step(r, ops, ps, &t->f, t->verify, http_status, &resp_req, &o);
  }
  if (decoded) vl_request_clear(&resp_req);
  task_outcome(r, ti, kind, &o);
  return VL_OK;
}

/* Room for a patch render's values: the short text fields with tokens come
 * back whole (render_field), about their template's length each; a value of
 * a token elsewhere is typically under 64 bytes. */
static size_t values_estimate(const vl_resolve *r) {
  size_t n = 0;
  for (size_t i = 0; i < r->ntoks; i++) {
    uint32_t f = r->toks[i].field;
    const vl_slice *s = field_of(r, f);
    int text = s != &r->req.body || r->req.body_kind != VL_BODY_BYTES;
    if (!text || s->n > VL_PATCH_WHOLE_MAX)
      n += 64;
    else if (!i || r->toks[i - 1].field != f) /* once per field: tokens are in field order */
      n += s->n + 32;                         /* + 32: its values may be longer than their tokens */
  }
  return n;
}

vl_status vl_resolve_render(vl_resolve *r, uint64_t now_ms, uint8_t **out, size_t *out_len, uint8_t **report,
                            size_t *report_len) {
  if (!r || !out || !out_len || !report || !report_len) return VL_ERR_ARG;
  *out = *report = NULL;
  *out_len = *report_len = 0;
  r->now_ms = now_ms;
  vl_vault_check_credentials(r->v, now_ms);
  render_ctx c;
  memset(&c, 0, sizeof c);
  c.r = r;
  c.collect = 1;
  vl_buf_init(&c.report, 0);
  vl_buf_put_str(&c.report, "[");
  /* Postman's passes rescan rendered text; otherwise begin's tokens are used. */
  c.stored = !(r->flags & VL_RESOLVE_POSTMAN_COMPAT);
  c.patch = c.stored && (r->flags & VL_RESOLVE_PATCH);
  vl_buf_init(&c.values, VL_MAX_OUTPUT_BYTES);
  vl_buf o;
  vl_buf_init(&o, VL_MAX_OUTPUT_BYTES);
  if (c.patch) {
    /* Room for every record and typical values up front (the values are
     * appended to o at the end), and for the short fields that come back
     * whole (render_field): no regrowth. */
    size_t values = values_estimate(r);
    vl_buf_reserve(&o, 16 + VL_PATCH_RECORD * r->ntoks + values + 1);
    vl_buf_reserve(&c.values, values);
    vl_buf_put(&o, "VLP1", 4);
    vl_buf_put(&o, "\0\0\0\0\0\0\0\0\0\0\0\0", 12); /* record count, text bytes, reserved: set below */
  } else {
    vl_buf_reserve(&o, r->input_len + 1024);
    vl_buf_put(&o, "VLR1", 4);
    vl_wire_put_field(&o, r->req.method.p, r->req.method.n);
  }
  vl_origin origin;
  memset(&origin, 0, sizeof origin);
  static const vl_where url_w = {"url", -1, ""};
  c.field = 0;
  vl_status st = render_field(&c, r->req.url.p, r->req.url.n, 1, 1, &url_w, &origin, &o);
  if (!c.patch) vl_buf_put_u32(&o, (uint32_t)r->req.header_count);
  for (size_t i = 0; i < r->req.header_count && !st; i++) {
    vl_where wn = {"headers", (long)i, "name"}, wv = {"headers", (long)i, "value"};
    c.field = (uint32_t)(1 + 2 * i);
    st = render_field(&c, r->req.headers[i].name.p, r->req.headers[i].name.n, 0, 1, &wn, &origin, &o);
    c.field++;
    if (!st) st = render_field(&c, r->req.headers[i].value.p, r->req.headers[i].value.n, 0, 1, &wv, &origin, &o);
  }
  if (!st) {
    static const vl_where body_w = {"body", -1, ""};
    if (!c.patch) vl_buf_put_u32(&o, r->req.body_kind);
    c.field = (uint32_t)(1 + 2 * r->req.header_count);
    st = render_field(&c, r->req.body.p, r->req.body.n, 0, r->req.body_kind != VL_BODY_BYTES, &body_w, &origin, &o);
  }
  if (c.patch) {
    if (c.values.failed && !o.failed) {
      o.failed = 1;
      o.why = c.values.why;
    }
    vl_buf_reserve(&o, o.len + c.values.len + 1); /* the + 1: vl_buf_take's NUL */
    if (c.values.len) vl_buf_put(&o, c.values.p, c.values.len);
    if (!o.failed) {
      uint32_t head[2] = {c.npatches, (uint32_t)c.text_bytes};
      for (size_t i = 0; i < 8; i++) o.p[4 + i] = (uint8_t)(head[i / 4] >> (8 * (i % 4)));
    }
  }
  vl_buf_free(&c.values); /* wipes the values */
  vl_buf_put_str(&c.report, "]");
  close_values(r); /* plaintext values exist only during the render */
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
  return VL_OK;
}

void vl_resolve_free(vl_resolve *r) {
  if (!r) return;
  close_values(r);
  for (size_t i = 0; i < r->ntasks; i++) {
    vl_task *t = &r->tasks[i];
    vl_free(t->cache_key);
    vl_free(t->canonical);
    vl_free(t->name);
    cJSON_Delete(t->params);
    cJSON_Delete(t->f.scratch);
    vl_free(t->identity);
  }
  vl_free(r->tasks);
  for (size_t i = 0; i < r->njobs; i++) vl_free(r->jobs[i].req);
  vl_free(r->jobs);
  vl_free(r->toks);
  vl_request_clear(&r->req);
  vl_free(r->input);
  vl_free(r);
}

/* ---------------------------------------------------------------- handles */

static vl_rslot *slot_of(vl_vault *v, uint32_t handle) {
  if (!v || !handle) return NULL;
  vl_rslot *s = &v->rslots[handle & (VL_MAX_RESOLVES - 1u)];
  return s->r && s->gen == handle >> VL_RSLOT_BITS ? s : NULL;
}

vl_status vl_vault_resolve_open(vl_vault *v, uint8_t *req, size_t req_len, uint32_t flags, uint64_t now_ms,
                                uint32_t *handle) {
  if (!v || !handle) {
    vl_free(req);
    return VL_ERR_ARG;
  }
  *handle = 0;
  vl_rslot *s = NULL;
  /* Round robin from the last slot taken: a slot is reused as late as possible. */
  for (size_t i = 0; i < VL_MAX_RESOLVES && !s; i++) {
    vl_rslot *c = &v->rslots[(v->rslot_next + i) & (VL_MAX_RESOLVES - 1u)];
    if (!c->r) s = c;
  }
  if (!s) {
    vl_set_error(v, "resolve: more than %u resolves open at once", VL_MAX_RESOLVES);
    vl_free(req);
    return VL_ERR_LIMIT;
  }
  vl_resolve *r = NULL;
  vl_status st = vl_resolve_begin_owned(v, req, req_len, flags, now_ms, &r);
  if (st) return st;
  size_t at = (size_t)(s - v->rslots);
  v->rslot_next = (uint32_t)((at + 1) & (VL_MAX_RESOLVES - 1u));
  s->gen = (s->gen + 1) & ((1u << (32 - VL_RSLOT_BITS)) - 1u);
  if (!s->gen) s->gen = 1; /* so no handle is 0 */
  s->r = r;
  *handle = s->gen << VL_RSLOT_BITS | (uint32_t)at;
  return VL_OK;
}

vl_resolve *vl_vault_resolve_get(vl_vault *v, uint32_t handle) {
  vl_rslot *s = slot_of(v, handle);
  if (!s) {
    if (v) vl_set_error(v, "resolve: handle 0x%x is not open (finished, freed or wiped)", (unsigned)handle);
    return NULL;
  }
  return s->r;
}

vl_status vl_vault_resolve_close(vl_vault *v, uint32_t handle) {
  vl_rslot *s = slot_of(v, handle);
  if (!s) return VL_ERR_NOT_FOUND;
  vl_resolve *r = s->r;
  s->r = NULL; /* the generation stays: this handle never matches again */
  vl_resolve_free(r);
  return VL_OK;
}

static vl_jobrec *find_job(vl_resolve *r, uint32_t id) {
  for (size_t i = 0; i < r->njobs; i++)
    if (r->jobs[i].id == id) return &r->jobs[i];
  return NULL;
}

vl_status vl_resolve_job_request(vl_resolve *r, uint32_t id, const uint8_t **req, size_t *len) {
  const vl_jobrec *j = r ? find_job(r, id) : NULL;
  if (!j || !j->handed || j->done || !j->req) return VL_ERR_NOT_FOUND;
  *req = j->req;
  *len = j->len;
  return VL_OK;
}

static int identity_set(const uint8_t *id) {
  uint8_t any = 0;
  for (size_t i = 0; i < VL_JOB_IDENTITY_LEN; i++) any |= id[i];
  return any != 0;
}

vl_status vl_vault_job_done(vl_vault *v, uint32_t handle, uint32_t id, uint32_t http_status, const uint8_t *resp,
                            size_t resp_len, uint64_t now_ms) {
  vl_resolve *r = vl_vault_resolve_get(v, handle);
  if (!r) return VL_ERR_NOT_FOUND;
  const vl_jobrec *j = find_job(r, id);
  if (j && j->done && j->shared) return VL_OK; /* an identical job's answer came first */
  uint8_t identity[VL_JOB_IDENTITY_LEN] = {0};
  if (j) memcpy(identity, j->identity, sizeof identity);
  vl_status st = vl_resolve_job_done(r, id, http_status, resp, resp_len, now_ms);
  if (st || !identity_set(identity)) return st;
  /* Every other job handed out for the same request gets the same answer:
   * the caller performed it once (and a tunnel's answer never leaves wasm). */
  for (size_t s = 0; s < VL_MAX_RESOLVES; s++) {
    vl_resolve *o = v->rslots[s].r;
    for (size_t i = 0; o && i < o->njobs; i++) {
      vl_jobrec *k = &o->jobs[i];
      if (!k->handed || k->done || memcmp(k->identity, identity, sizeof identity) != 0) continue;
      k->shared = 1;
      (void)vl_resolve_job_done(o, k->id, http_status, resp, resp_len, now_ms); /* may grow o->jobs */
    }
  }
  return VL_OK;
}

void vl_vault_close_resolves(vl_vault *v) {
  for (size_t i = 0; i < VL_MAX_RESOLVES; i++) {
    vl_resolve_free(v->rslots[i].r);
    v->rslots[i].r = NULL;
  }
}

/* ---------------------------------------------------------------- verify */

vl_status vl_vault_verify_open(vl_vault *v, const char *provider, uint64_t now_ms, uint32_t *handle) {
  if (!v || !handle) return VL_ERR_ARG;
  *handle = 0;
  int id = provider ? vl_provider_lookup(provider) : -1;
  if (id <= VL_PROVIDER_LOCAL) {
    vl_set_error(v, "verify: unknown provider \"%.40s\"", provider ? provider : "");
    return VL_ERR_ARG;
  }
  vl_vault_check_credentials(v, now_ms);
  vl_pstate *ps = &v->providers[id];
  const vl_provider_ops *ops = vl_provider_ops_for((vl_provider_id)id);
  if (!ops || !ps->connected) {
    vl_set_error(v, "verify: provider \"%s\" is not connected", vl_provider_name((vl_provider_id)id));
    return VL_ERR_STATE;
  }
  /* A request with no tokens: the resolve carries only the check. */
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_job_begin(&b, "GET", "verify:", 0);
  vl_job_finish(&b, NULL, 0);
  size_t len = 0;
  uint8_t *req = b.failed ? NULL : vl_buf_take(&b, &len);
  vl_buf_free(&b);
  if (!req) return VL_ERR_NOMEM;
  uint32_t h = 0;
  vl_status st = vl_vault_resolve_open(v, req, len, 0, now_ms, &h);
  if (st) return st;
  vl_resolve *r = vl_vault_resolve_get(v, h);
  vl_task *t = vl_calloc(sizeof *t);
  char *key = vl_memdup("verify", 6), *canon = vl_memdup("credentials", 11), *name = vl_memdup("", 0);
  if (!t || !key || !canon || !name) {
    vl_free(t);
    vl_free(key);
    vl_free(canon);
    vl_free(name);
    vl_vault_resolve_close(v, h);
    return VL_ERR_NOMEM;
  }
  r->tasks = t;
  r->ntasks = 1;
  t->cache_key = key;
  t->canonical = canon;
  t->name = name;
  t->pid = (vl_provider_id)id;
  t->verify = 1;
  t->f.cache_key = key;
  t->f.canonical = canon;
  t->epoch = ps->epoch;
  t->cache_epoch = v->cache_epoch;
  vl_step_out o;
  memset(&o, 0, sizeof o);
  vl_buf_init(&o.job, VL_MAX_BODY_BYTES);
  task_outcome(r, 0, run_step(r, ops, ps, &t->f, 1, 0, NULL, &o), &o);
  *handle = h;
  return VL_OK;
}

vl_status vl_vault_verify_result(vl_vault *v, uint32_t handle, uint64_t now_ms, uint8_t **out, size_t *out_len) {
  if (!v || !out || !out_len) return VL_ERR_ARG;
  *out = NULL;
  *out_len = 0;
  vl_resolve *r = vl_vault_resolve_get(v, handle);
  if (!r) return VL_ERR_NOT_FOUND;
  if (r->ntasks != 1 || !r->tasks[0].verify) {
    vl_set_error(v, "verify: handle 0x%x is a resolve, not a verification", (unsigned)handle);
    return VL_ERR_ARG;
  }
  vl_vault_check_credentials(v, now_ms);
  vl_task *t = &r->tasks[0];
  vl_pstate *ps = &v->providers[t->pid];
  const char *name = vl_provider_name(t->pid);
  int current = ps->connected && t->epoch == ps->epoch; /* not reconnected or dropped meanwhile */
  if (t->state == TASK_PENDING) {
    t->state = TASK_FAILED;
    t->reason = VL_REASON_UNREACHABLE;
    vl_snprintf(t->detail, sizeof t->detail, "%s: no answer to the verification request", name);
  }
  if (t->state == TASK_DONE && !current) {
    t->state = TASK_FAILED;
    t->reason = ps->reauth ? VL_REASON_REAUTH_REQUIRED : VL_REASON_NOT_CONNECTED;
    vl_snprintf(t->detail, sizeof t->detail, "%s: the credentials changed or expired while they were verified", name);
  }
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_put_str(&b, "{\"provider\":\"");
  vl_buf_put_str(&b, name);
  char num[96];
  if (t->state == TASK_DONE) {
    int verified = strcmp(t->detail, "none") != 0;
    vl_buf_put_str(&b, verified ? "\",\"ok\":true,\"verified\":true" : "\",\"ok\":true,\"verified\":false");
    if (t->identity) {
      vl_buf_put_str(&b, ",\"identity\":\"");
      vl_buf_put_json_str(&b, t->identity, strlen((const char *)t->identity));
      vl_buf_put_str(&b, "\"");
    }
    if (ps->expires_ms)
      vl_snprintf(num, sizeof num, ",\"expiresAt\":%llu,\"method\":\"", (unsigned long long)ps->expires_ms);
    else
      vl_snprintf(num, sizeof num, ",\"expiresAt\":null,\"method\":\"");
    vl_buf_put_str(&b, num);
    vl_buf_put_json_str(&b, (const uint8_t *)t->detail, strlen(t->detail));
    vl_buf_put_str(&b, "\"}");
  } else {
    /* Not verified: the provider is left disconnected (on a rejection it says so). */
    if (current) vl_vault_drop_provider(v, t->pid, 0, t->reason == VL_REASON_CREDENTIALS_REJECTED);
    /* Rejected: the fixed sentence and the status. Otherwise the provider's
     * detail (validated text only) says what went wrong. */
    char msg[320];
    if (t->reason == VL_REASON_CREDENTIALS_REJECTED && t->http_status)
      vl_snprintf(msg, sizeof msg, "connect(\"%s\"): %s (HTTP %u)", name, vl_reason_message(t->reason),
                  (unsigned)t->http_status);
    else
      vl_snprintf(msg, sizeof msg, "connect(\"%s\"): %s (%s)", name, vl_reason_message(t->reason), t->detail);
    vl_buf_put_str(&b, "\",\"ok\":false,\"verified\":false,\"reason\":\"");
    vl_buf_put_str(&b, vl_reason_code(t->reason));
    vl_snprintf(num, sizeof num, "\",\"status\":%u,\"message\":\"", (unsigned)t->http_status);
    vl_buf_put_str(&b, num);
    vl_buf_put_json_str(&b, (const uint8_t *)msg, strlen(msg));
    vl_buf_put_str(&b, "\",\"detail\":\"");
    vl_buf_put_json_str(&b, (const uint8_t *)t->detail, strlen(t->detail));
    vl_buf_put_str(&b, "\"}");
  }
  if (b.failed) {
    vl_status st = b.why;
    vl_buf_free(&b);
    return st;
  }
  *out = vl_buf_take(&b, out_len);
  return *out ? VL_OK : VL_ERR_NOMEM;
}
