#include "sigv4.h"

#include <bearssl.h>
#include <string.h>

#include "input_limits.h"
#include "mem.h"

static const char hexdigits[] = "0123456789abcdef";
static const char hexupper[] = "0123456789ABCDEF";

static void hex_encode(const uint8_t *in, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hexdigits[in[i] >> 4];
    out[2 * i + 1] = hexdigits[in[i] & 15];
  }
  out[2 * n] = 0;
}

static int is_unreserved(uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

static int hexval(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-encodes every byte outside the unreserved set (and '/' when
 * keep_slash), with upper-case hex as SigV4 requires. */
static void put_uri_encoded(vl_buf *b, const uint8_t *s, size_t n, int keep_slash) {
  size_t run = 0; /* bytes copied verbatim in one vl_buf_put */
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      run++;
      continue;
    }
    vl_buf_put(b, s + i - run, run);
    run = 0;
    uint8_t esc[3] = {'%', (uint8_t)hexupper[c >> 4], (uint8_t)hexupper[c & 15]};
    vl_buf_put(b, esc, 3);
  }
  if (run) vl_buf_put(b, s + n - run, run);
}

/* Decodes %XX escapes into b, then encodes the result: the canonical form of
 * one query key or value. A '%' not followed by two hex digits is literal. */
static void put_query_component(vl_buf *b, const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c == '%' && n - i >= 3 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      c = (uint8_t)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
      i += 2;
    }
    put_uri_encoded(b, &c, 1, 0);
  }
}

/* ---- a stable merge sort over an index array --------------------------------
 * Query strings can hold tens of thousands of parameters, so an insertion sort
 * would be quadratic on hostile input. */
typedef int (*cmp_fn)(const void *ctx, size_t a, size_t b);

static void merge_sort(size_t *idx, size_t *tmp, size_t n, cmp_fn cmp, const void *ctx) {
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n;
      size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = cmp(ctx, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
      while (i < mid) tmp[k++] = idx[i++];
      while (j < hi) tmp[k++] = idx[j++];
    }
    memcpy(idx, tmp, n * sizeof *idx);
  }
}

static int cmp_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  size_t m = an < bn ? an : bn;
  int c = m ? memcmp(a, b, m) : 0;
  if (c) return c;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/* ---- canonical URI ------------------------------------------------------------ */

vl_status vl_sigv4_canonical_uri(const uint8_t *path, size_t n, unsigned flags, vl_buf *out) {
  if (!out || (!path && n)) return VL_ERR_ARG;
  if (n > VL_MAX_URL_BYTES) return VL_ERR_LIMIT;
  if (n == 0) {
    vl_buf_put(out, "/", 1);
    return out->failed ? out->why : VL_OK;
  }
  if (path[0] != '/') return VL_ERR_FORMAT;
  if (!(flags & VL_SIGV4_NORMALIZE_PATH)) {
    put_uri_encoded(out, path, n, 1);
    return out->failed ? out->why : VL_OK;
  }
  /* Normalise like RFC 3986 remove_dot_segments plus collapsing empty
   * segments (botocore: posixpath.normpath, then the trailing '/' restored). A
   * stack of segment (offset, length) pairs; at most n/2 + 1 segments. */
  size_t cap = n / 2 + 1, depth = 0;
  size_t *seg = vl_alloc(cap * 2 * sizeof *seg);
  if (!seg) return VL_ERR_NOMEM;
  size_t i = 0;
  while (i < n) {
    while (i < n && path[i] == '/') i++;
    size_t start = i;
    while (i < n && path[i] != '/') i++;
    size_t len = i - start;
    if (len == 0 || (len == 1 && path[start] == '.')) continue;
    if (len == 2 && path[start] == '.' && path[start + 1] == '.') {
      if (depth) depth--;
      continue;
    }
    seg[2 * depth] = start;
    seg[2 * depth + 1] = len;
    depth++;
  }
  vl_buf_put(out, "/", 1);
  for (size_t d = 0; d < depth; d++) {
    if (d) vl_buf_put(out, "/", 1);
    put_uri_encoded(out, path + seg[2 * d], seg[2 * d + 1], 0);
  }
  if (depth && path[n - 1] == '/') vl_buf_put(out, "/", 1);
  vl_free(seg);
  return out->failed ? out->why : VL_OK;
}

/* ---- canonical query ------------------------------------------------------------ */

typedef struct {
  size_t key_off, key_len, val_off, val_len;
} qparam;

typedef struct {
  const qparam *params;
  const uint8_t *bytes;
} qsort_ctx;

static int cmp_qparam(const void *ctx, size_t a, size_t b) {
  const qsort_ctx *q = ctx;
  const qparam *pa = &q->params[a], *pb = &q->params[b];
  int c = cmp_bytes(q->bytes + pa->key_off, pa->key_len, q->bytes + pb->key_off, pb->key_len);
  if (c) return c;
  return cmp_bytes(q->bytes + pa->val_off, pa->val_len, q->bytes + pb->val_off, pb->val_len);
}

vl_status vl_sigv4_canonical_query(const uint8_t *query, size_t n, vl_buf *out) {
  if (!out || (!query && n)) return VL_ERR_ARG;
  if (n > VL_MAX_URL_BYTES) return VL_ERR_LIMIT;
  if (n == 0) return VL_OK;
  size_t count = 1;
  for (size_t i = 0; i < n; i++) count += query[i] == '&';
  qparam *params = vl_alloc(count * sizeof *params);
  size_t *idx = vl_alloc(count * sizeof *idx);
  size_t *tmp = vl_alloc(count * sizeof *tmp);
  vl_buf enc;
  vl_buf_init(&enc, 0);
  vl_status st = VL_OK;
  if (!params || !idx || !tmp) {
    st = VL_ERR_NOMEM;
    goto done;
  }
  size_t used = 0;
  for (size_t i = 0; i <= n;) {
    size_t start = i;
    while (i < n && query[i] != '&') i++;
    size_t end = i++;
    if (end == start) continue; /* "a=1&&b=2": empty pieces carry nothing */
    size_t eq = start;
    while (eq < end && query[eq] != '=') eq++;
    qparam *p = &params[used];
    p->key_off = enc.len;
    put_query_component(&enc, query + start, eq - start);
    p->key_len = enc.len - p->key_off;
    p->val_off = enc.len;
    if (eq < end) put_query_component(&enc, query + eq + 1, end - eq - 1);
    p->val_len = enc.len - p->val_off;
    idx[used] = used;
    used++;
  }
  if (enc.failed) {
    st = enc.why;
    goto done;
  }
  /* enc.p is NULL when every key and value is empty ("=&=") */
  const uint8_t *base = enc.p ? enc.p : (const uint8_t *)"";
  qsort_ctx ctx = {params, base};
  merge_sort(idx, tmp, used, cmp_qparam, &ctx);
  for (size_t k = 0; k < used; k++) {
    const qparam *p = &params[idx[k]];
    if (k) vl_buf_put(out, "&", 1);
    vl_buf_put(out, base + p->key_off, p->key_len);
    vl_buf_put(out, "=", 1);
    vl_buf_put(out, base + p->val_off, p->val_len);
  }
  if (out->failed) st = out->why;
done:
  vl_free(params);
  vl_free(idx);
  vl_free(tmp);
  vl_buf_free(&enc);
  return st;
}

/* ---- time ------------------------------------------------------------------------- */

vl_status vl_sigv4_amz_date(uint64_t now_ms, char out[17]) {
  uint64_t secs = now_ms / 1000;
  uint64_t days = secs / 86400, rem = secs % 86400;
  if (days > 2932896) return VL_ERR_ARG; /* 9999-12-31 */
  /* civil_from_days (H. Hinnant), for days >= 0 */
  uint64_t z = days + 719468;
  uint64_t era = z / 146097;
  uint64_t doe = z - era * 146097;
  uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  uint64_t y = yoe + era * 400;
  uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  uint64_t mp = (5 * doy + 2) / 153;
  uint64_t d = doy - (153 * mp + 2) / 5 + 1;
  uint64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  unsigned v[6] = {(unsigned)y,         (unsigned)m, (unsigned)d, (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
                   (unsigned)(rem % 60)};
  char *p = out;
  for (unsigned div = 1000; div; div /= 10) *p++ = (char)('0' + v[0] / div % 10);
  for (int f = 1; f < 6; f++) {
    if (f == 3) *p++ = 'T';
    *p++ = (char)('0' + v[f] / 10);
    *p++ = (char)('0' + v[f] % 10);
  }
  *p++ = 'Z';
  *p = 0;
  return VL_OK;
}

/* ---- headers ------------------------------------------------------------------------ */

static int is_tchar(uint8_t c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static uint8_t lower(uint8_t c) {
  return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static int name_is(const uint8_t *s, size_t n, const char *lit) {
  size_t m = strlen(lit);
  if (n != m) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower(s[i]) != (uint8_t)lit[i]) return 0;
  return 1;
}

static int name_has_prefix(const uint8_t *s, size_t n, const char *lit) {
  size_t m = strlen(lit);
  if (n < m) return 0;
  for (size_t i = 0; i < m; i++)
    if (lower(s[i]) != (uint8_t)lit[i]) return 0;
  return 1;
}

/* The headers @smithy/signature-v4 never signs (constants.ts): hop-by-hop,
 * browser-controlled or rewritten by proxies. */
static int is_unsignable(const uint8_t *s, size_t n) {
  static const char *const names[] = {
      "cache-control", "connection",     "expect", "from",    "keep-alive",        "max-forwards",
      "pragma",        "referer",        "te",     "trailer", "transfer-encoding", "upgrade",
      "user-agent",    "x-amzn-trace-id"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (name_is(s, n, names[i])) return 1;
  return name_has_prefix(s, n, "proxy-") || name_has_prefix(s, n, "sec-");
}

/* Headers the signer owns: the caller may not pass them in. */
static int is_reserved(const uint8_t *s, size_t n) {
  return name_is(s, n, "authorization") || name_is(s, n, "x-amz-date") || name_is(s, n, "x-amz-security-token") ||
         name_is(s, n, "x-amz-content-sha256");
}

typedef struct {
  size_t name_off, name_len, val_off, val_len;
} hentry;

typedef struct {
  const hentry *h;
  const uint8_t *bytes;
} hsort_ctx;

static int cmp_hentry(const void *ctx, size_t a, size_t b) {
  const hsort_ctx *q = ctx;
  return cmp_bytes(q->bytes + q->h[a].name_off, q->h[a].name_len, q->bytes + q->h[b].name_off, q->h[b].name_len);
}

/* Appends a lower-cased name and a trimmed, blank-collapsed value to store. */
/* Appends the lowercased name and the trimmed value (inner runs of blanks
 * folded to one space) to store; the output is never longer than the input,
 * so room for both is made once and the bytes written in place. */
static void add_entry(vl_buf *store, hentry *e, const uint8_t *name, size_t nn, const uint8_t *val, size_t vn) {
  e->name_off = e->val_off = store->len;
  e->name_len = e->val_len = 0;
  vl_buf_reserve(store, store->len + nn + vn);
  if (store->failed || store->cap < store->len + nn + vn) {
    store->failed = 1; /* reserve only records OOM past max; make sure it is seen */
    if (!store->why) store->why = VL_ERR_NOMEM;
    return;
  }
  uint8_t *w = store->p + store->len;
  for (size_t i = 0; i < nn; i++) *w++ = lower(name[i]);
  e->name_len = nn;
  e->val_off = store->len + nn;
  int pending_blank = 0, started = 0;
  for (size_t i = 0; i < vn; i++) {
    uint8_t c = val[i];
    if (c == ' ' || c == '\t') {
      pending_blank = started;
      continue;
    }
    if (pending_blank) *w++ = ' ';
    pending_blank = 0;
    started = 1;
    *w++ = c;
  }
  e->val_len = (size_t)(w - store->p) - e->val_off;
  store->len = (size_t)(w - store->p);
}

static int value_ok(const uint8_t *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (v[i] == '\r' || v[i] == '\n' || v[i] == 0) return 0;
  return 1;
}

static int scope_part_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > VL_SIGV4_MAX_SCOPE_PART) return 0;
  for (size_t i = 0; i < n; i++)
    if ((uint8_t)s[i] <= 0x20 || (uint8_t)s[i] >= 0x7F || s[i] == '/') return 0;
  return 1;
}

/* Printable ASCII without blanks, ',' or '/': safe inside the Credential=
 * field and as a header value. */
static int key_id_ok(vl_slice s) {
  if (s.n == 0 || s.n > VL_SIGV4_MAX_KEY_ID) return 0;
  for (size_t i = 0; i < s.n; i++)
    if (s.p[i] <= 0x20 || s.p[i] >= 0x7F || s.p[i] == ',' || s.p[i] == '/') return 0;
  return 1;
}

static int token_ok(vl_slice s) {
  for (size_t i = 0; i < s.n; i++)
    if (s.p[i] <= 0x20 || s.p[i] >= 0x7F) return 0;
  return 1;
}

/* Appends the canonical headers block ("name:value\n" per name) to creq and
 * the signed-headers list to signed_list. */
static vl_status canonical_headers(const vl_sigv4_request *req, const vl_aws_credentials *creds, const char *amz_date,
                                   const char *payload_hex, unsigned flags, vl_buf *creq, vl_buf *signed_list) {
  size_t max = req->header_count + 3;
  hentry *h = vl_alloc(max * sizeof *h);
  size_t *idx = vl_alloc(max * sizeof *idx);
  size_t *tmp = vl_alloc(max * sizeof *tmp);
  vl_buf store;
  vl_buf_init(&store, 0);
  vl_status st = VL_OK;
  size_t count = 0;
  int have_host = 0;
  if (!h || !idx || !tmp) {
    st = VL_ERR_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < req->header_count; i++) {
    const vl_header *x = &req->headers[i];
    if (x->name.n == 0 || x->name.n > VL_MAX_HEADER_BYTES || x->value.n > VL_MAX_HEADER_BYTES) {
      st = x->name.n == 0 ? VL_ERR_FORMAT : VL_ERR_LIMIT;
      goto done;
    }
    for (size_t k = 0; k < x->name.n; k++)
      if (!is_tchar(x->name.p[k])) {
        st = VL_ERR_FORMAT;
        goto done;
      }
    if (!value_ok(x->value.p, x->value.n)) {
      st = VL_ERR_FORMAT;
      goto done;
    }
    if (is_reserved(x->name.p, x->name.n)) {
      st = VL_ERR_ARG;
      goto done;
    }
    if (is_unsignable(x->name.p, x->name.n)) continue;
    if (name_is(x->name.p, x->name.n, "host")) have_host = 1;
    add_entry(&store, &h[count++], x->name.p, x->name.n, x->value.p, x->value.n);
  }
  if (!have_host) {
    st = VL_ERR_ARG;
    goto done;
  }
  add_entry(&store, &h[count++], (const uint8_t *)"x-amz-date", 10, (const uint8_t *)amz_date, 16);
  if (creds->session_token.n && !(flags & VL_SIGV4_OMIT_SESSION_TOKEN))
    add_entry(&store, &h[count++], (const uint8_t *)"x-amz-security-token", 20, creds->session_token.p,
              creds->session_token.n);
  if (flags & VL_SIGV4_ADD_CONTENT_SHA256)
    add_entry(&store, &h[count++], (const uint8_t *)"x-amz-content-sha256", 20, (const uint8_t *)payload_hex, 64);
  if (store.failed) {
    st = store.why;
    goto done;
  }
  for (size_t i = 0; i < count; i++) idx[i] = i;
  hsort_ctx ctx = {h, store.p};
  merge_sort(idx, tmp, count, cmp_hentry, &ctx);
  for (size_t i = 0; i < count;) {
    const hentry *e = &h[idx[i]];
    if (i) vl_buf_put(signed_list, ";", 1);
    vl_buf_put(signed_list, store.p + e->name_off, e->name_len);
    vl_buf_put(creq, store.p + e->name_off, e->name_len);
    vl_buf_put(creq, ":", 1);
    vl_buf_put(creq, store.p + e->val_off, e->val_len);
    size_t j = i + 1;
    for (; j < count && cmp_hentry(&ctx, idx[i], idx[j]) == 0; j++) {
      const hentry *d = &h[idx[j]];
      vl_buf_put(creq, ",", 1);
      vl_buf_put(creq, store.p + d->val_off, d->val_len);
    }
    vl_buf_put(creq, "\n", 1);
    i = j;
  }
  if (creq->failed) st = creq->why;
  if (signed_list->failed) st = signed_list->why;
done:
  vl_free(h);
  vl_free(idx);
  vl_free(tmp);
  vl_buf_free(&store);
  return st;
}

/* ---- crypto ------------------------------------------------------------------------- */

static void sha256_hex(const uint8_t *p, size_t n, char out[65]) {
  br_sha256_context c;
  uint8_t d[32];
  br_sha256_init(&c);
  br_sha256_update(&c, p, n);
  br_sha256_out(&c, d);
  hex_encode(d, 32, out);
  vl_wipe(&c, sizeof c);
  vl_wipe(d, sizeof d);
}

static void hmac_sha256(const uint8_t *key, size_t kn, const void *msg, size_t mn, uint8_t out[32]) {
  br_hmac_key_context kc;
  br_hmac_context hc;
  br_hmac_key_init(&kc, &br_sha256_vtable, key, kn);
  br_hmac_init(&hc, &kc, 0);
  br_hmac_update(&hc, msg, mn);
  br_hmac_out(&hc, out);
  vl_wipe(&kc, sizeof kc);
  vl_wipe(&hc, sizeof hc);
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request") */
static vl_status signing_key(vl_slice secret, const char *date8, const char *region, const char *service,
                             uint8_t out[32]) {
  uint8_t *k0 = vl_alloc(4 + secret.n);
  if (!k0) return VL_ERR_NOMEM;
  static const uint8_t aws4[4] = {'A', 'W', 'S', '4'};
  memcpy(k0, aws4, sizeof aws4);
  memcpy(k0 + 4, secret.p, secret.n);
  uint8_t a[32], b[32];
  hmac_sha256(k0, 4 + secret.n, date8, 8, a);
  vl_free(k0); /* wipes */
  hmac_sha256(a, 32, region, strlen(region), b);
  hmac_sha256(b, 32, service, strlen(service), a);
  hmac_sha256(a, 32, "aws4_request", 12, out);
  vl_wipe(a, sizeof a);
  vl_wipe(b, sizeof b);
  return VL_OK;
}

/* ---- the signer ----------------------------------------------------------------------- */

void vl_sigv4_result_clear(vl_sigv4_result *r) {
  if (!r) return;
  vl_buf_free(&r->authorization);
  vl_buf_free(&r->canonical_request);
  vl_buf_free(&r->string_to_sign);
  vl_wipe(r, sizeof *r);
}

static vl_status check_args(const vl_sigv4_request *req, const vl_aws_credentials *creds, const char *region,
                            const char *service) {
  if (!req || !creds || !region || !service) return VL_ERR_ARG;
  if ((!req->method.p && req->method.n) || (!req->path.p && req->path.n) || (!req->query.p && req->query.n) ||
      (!req->body.p && req->body.n) || (!req->headers && req->header_count))
    return VL_ERR_ARG;
  if (req->method.n == 0) return VL_ERR_ARG;
  if (req->method.n > VL_MAX_METHOD_BYTES || req->header_count > VL_MAX_HEADERS) return VL_ERR_LIMIT;
  for (size_t i = 0; i < req->method.n; i++)
    if (!is_tchar(req->method.p[i])) return VL_ERR_FORMAT;
  if (req->path.n + req->query.n > VL_MAX_URL_BYTES || req->body.n > VL_MAX_BODY_BYTES) return VL_ERR_LIMIT;
  if (!scope_part_ok(region) || !scope_part_ok(service)) return VL_ERR_ARG;
  if (creds->access_key_id.n > VL_SIGV4_MAX_KEY_ID || creds->secret_access_key.n > VL_SIGV4_MAX_SECRET ||
      creds->session_token.n > VL_SIGV4_MAX_TOKEN)
    return VL_ERR_LIMIT;
  if (!key_id_ok(creds->access_key_id) || creds->secret_access_key.n == 0 || !creds->secret_access_key.p)
    return VL_ERR_ARG;
  if (creds->session_token.n && (!creds->session_token.p || !token_ok(creds->session_token))) return VL_ERR_ARG;
  return VL_OK;
}

vl_status vl_sigv4_sign(const vl_sigv4_request *req, const vl_aws_credentials *creds, const char *region,
                        const char *service, uint64_t now_ms, unsigned flags, vl_sigv4_result *out) {
  if (!out) return VL_ERR_ARG;
  memset(out, 0, sizeof *out);
  vl_status st = check_args(req, creds, region, service);
  if (st != VL_OK) return st;
  st = vl_sigv4_amz_date(now_ms, out->amz_date);
  if (st != VL_OK) return st;

  vl_buf *creq = &out->canonical_request, *sts = &out->string_to_sign, *authz = &out->authorization;
  vl_buf signed_list;
  vl_buf_init(creq, 0);
  vl_buf_init(sts, 0);
  vl_buf_init(authz, 0);
  vl_buf_init(&signed_list, 0);
  uint8_t ksign[32], sig[32];
  char date8[9], scope_hash[65];
  memcpy(date8, out->amz_date, 8);
  date8[8] = 0;
  sha256_hex(req->body.p, req->body.n, out->payload_sha256);

  vl_buf_put(creq, req->method.p, req->method.n);
  vl_buf_put(creq, "\n", 1);
  if ((st = vl_sigv4_canonical_uri(req->path.p, req->path.n, flags, creq)) != VL_OK) goto fail;
  vl_buf_put(creq, "\n", 1);
  if ((st = vl_sigv4_canonical_query(req->query.p, req->query.n, creq)) != VL_OK) goto fail;
  vl_buf_put(creq, "\n", 1);
  st = canonical_headers(req, creds, out->amz_date, out->payload_sha256, flags, creq, &signed_list);
  if (st != VL_OK) goto fail;
  vl_buf_put(creq, "\n", 1);
  vl_buf_put(creq, signed_list.p, signed_list.len);
  vl_buf_put(creq, "\n", 1);
  vl_buf_put(creq, out->payload_sha256, 64);
  if (creq->failed) {
    st = creq->why;
    goto fail;
  }

  sha256_hex(creq->p, creq->len, scope_hash);
  vl_buf_put_str(sts, "AWS4-HMAC-SHA256\n");
  vl_buf_put(sts, out->amz_date, 16);
  vl_buf_put(sts, "\n", 1);
  vl_buf_put(sts, date8, 8);
  vl_buf_put(sts, "/", 1);
  vl_buf_put_str(sts, region);
  vl_buf_put(sts, "/", 1);
  vl_buf_put_str(sts, service);
  vl_buf_put_str(sts, "/aws4_request\n");
  vl_buf_put(sts, scope_hash, 64);
  if (sts->failed) {
    st = sts->why;
    goto fail;
  }

  if ((st = signing_key(creds->secret_access_key, date8, region, service, ksign)) != VL_OK) goto fail;
  hmac_sha256(ksign, 32, sts->p, sts->len, sig);
  hex_encode(sig, 32, out->signature);

  vl_buf_put_str(authz, "AWS4-HMAC-SHA256 Credential=");
  vl_buf_put(authz, creds->access_key_id.p, creds->access_key_id.n);
  vl_buf_put(authz, "/", 1);
  vl_buf_put(authz, date8, 8);
  vl_buf_put(authz, "/", 1);
  vl_buf_put_str(authz, region);
  vl_buf_put(authz, "/", 1);
  vl_buf_put_str(authz, service);
  vl_buf_put_str(authz, "/aws4_request, SignedHeaders=");
  vl_buf_put(authz, signed_list.p, signed_list.len);
  vl_buf_put_str(authz, ", Signature=");
  vl_buf_put(authz, out->signature, 64);
  if (authz->failed) st = authz->why;

fail:
  vl_wipe(ksign, sizeof ksign);
  vl_wipe(sig, sizeof sig);
  vl_wipe(scope_hash, sizeof scope_hash);
  vl_buf_free(&signed_list);
  if (st != VL_OK) vl_sigv4_result_clear(out);
  return st;
}
