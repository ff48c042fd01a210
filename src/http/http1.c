#include "http/http1.h"

#include <stdarg.h>
#include <string.h>

#include "fmt.h"
#include "input_limits.h"
#include "mem.h"

/* ------------------------------------------------------------- byte classes */

static int is_tchar(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* VCHAR or obs-text: what a reason phrase or field value may hold besides SP and HTAB. */
static int is_visible(uint8_t c) {
  return (c >= 0x21 && c <= 0x7E) || c >= 0x80;
}

static int is_field_byte(uint8_t c) {
  return is_visible(c) || c == ' ' || c == '\t';
}

static int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static uint8_t lower(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* s[0..n) equals the lowercase NUL-terminated word, ignoring ASCII case. */
static int ci_equal(const uint8_t *s, size_t n, const char *word) {
  size_t w = strlen(word);
  if (n != w) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower(s[i]) != lower((uint8_t)word[i])) return 0;
  return 1;
}

static int is_ows(uint8_t c) {
  return c == ' ' || c == '\t';
}

/* ----------------------------------------------------------- request writer */

#define WFAIL(st, ...)                                        \
  do {                                                        \
    if (err && errlen) vl_snprintf(err, errlen, __VA_ARGS__); \
    return (st);                                              \
  } while (0)

static int is_token(vl_slice s) {
  if (s.n == 0 || !s.p) return 0;
  for (size_t i = 0; i < s.n; i++)
    if (!is_tchar(s.p[i])) return 0;
  return 1;
}

/* reg-name, IPv4, [IPv6] and :port characters (RFC 3986 host and port). */
static int is_host_byte(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c != 0 && strchr("-._~%!$&'()*+,;=:[]", c) != NULL;
}

/* Fields the writer sets itself: a caller's copy would contradict the framing. */
static int is_owned_header(vl_slice name) {
  static const char *const owned[] = {"host", "content-length", "transfer-encoding", "connection", "upgrade"};
  for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
    if (ci_equal(name.p, name.n, owned[i])) return 1;
  return 0;
}

static int needs_length(vl_slice method) {
  return ci_equal(method.p, method.n, "post") || ci_equal(method.p, method.n, "put") ||
         ci_equal(method.p, method.n, "patch");
}

static vl_status check_request(const vl_http1_request *req, char *err, size_t errlen) {
  if (req->method.n > VL_MAX_METHOD_BYTES)
    WFAIL(VL_ERR_LIMIT, "HTTP request: method longer than %u bytes", VL_MAX_METHOD_BYTES);
  if (!is_token(req->method)) WFAIL(VL_ERR_ARG, "HTTP request: method is not a token");
  if (req->host.n == 0 || !req->host.p) WFAIL(VL_ERR_ARG, "HTTP request: empty host");
  /* A name, or a bracketed IPv6 literal, plus ":port". */
  if (req->host.n > VL_MAX_DOMAIN_BYTES + 8)
    WFAIL(VL_ERR_LIMIT, "HTTP request: host longer than %u bytes", VL_MAX_DOMAIN_BYTES + 8);
  for (size_t i = 0; i < req->host.n; i++)
    if (!is_host_byte(req->host.p[i])) WFAIL(VL_ERR_ARG, "HTTP request: invalid byte in host at offset %zu", i);
  if (req->target.n > VL_MAX_URL_BYTES)
    WFAIL(VL_ERR_LIMIT, "HTTP request: target longer than %zu bytes", VL_MAX_URL_BYTES);
  if (req->target.n == 0 || !req->target.p || req->target.p[0] != '/')
    WFAIL(VL_ERR_ARG, "HTTP request: target does not start with '/'");
  for (size_t i = 0; i < req->target.n; i++) {
    uint8_t c = req->target.p[i];
    if (c < 0x21 || c > 0x7E || c == '#') WFAIL(VL_ERR_ARG, "HTTP request: invalid byte in target at offset %zu", i);
  }
  if (req->header_count > VL_MAX_HEADERS) WFAIL(VL_ERR_LIMIT, "HTTP request: more than %u headers", VL_MAX_HEADERS);
  if (req->header_count && !req->headers) WFAIL(VL_ERR_ARG, "HTTP request: headers missing");
  for (size_t i = 0; i < req->header_count; i++) {
    vl_slice name = req->headers[i].name, value = req->headers[i].value;
    if (name.n > VL_MAX_HEADER_BYTES || value.n > VL_MAX_HEADER_BYTES)
      WFAIL(VL_ERR_LIMIT, "HTTP request: header %zu longer than %zu bytes", i, VL_MAX_HEADER_BYTES);
    if (!is_token(name)) WFAIL(VL_ERR_ARG, "HTTP request: header %zu has a name that is not a token", i);
    int shown = name.n > 40 ? 40 : (int)name.n;
    if (is_owned_header(name))
      WFAIL(VL_ERR_ARG, "HTTP request: header %zu (%.*s) is set by the HTTP writer", i, shown, (const char *)name.p);
    if (value.n && !value.p)
      WFAIL(VL_ERR_ARG, "HTTP request: header %zu (%.*s) value missing", i, shown, (const char *)name.p);
    for (size_t k = 0; k < value.n; k++) {
      uint8_t c = value.p[k];
      if ((c < 0x20 && c != '\t') || c == 0x7F)
        WFAIL(VL_ERR_ARG,
              "HTTP request: header %zu (%.*s) value holds a control byte (CR, LF, NUL or other) at offset %zu", i,
              shown, (const char *)name.p, k);
    }
  }
  if (req->body.n > VL_MAX_BODY_BYTES)
    WFAIL(VL_ERR_LIMIT, "HTTP request: body longer than %zu bytes", VL_MAX_BODY_BYTES);
  if (req->body.n && !req->body.p) WFAIL(VL_ERR_ARG, "HTTP request: body missing");
  return VL_OK;
}

vl_status vl_http1_write_request(const vl_http1_request *req, vl_buf *out, char *err, size_t errlen) {
  if (err && errlen) err[0] = 0;
  if (!req || !out) WFAIL(VL_ERR_ARG, "HTTP request: NULL argument");
  vl_status st = check_request(req, err, errlen);
  if (st != VL_OK) return st;
  if (out->failed) WFAIL(out->why, "HTTP request: output buffer already failed");

  char length[32] = "";
  if (req->body.n > 0 || needs_length(req->method)) vl_snprintf(length, sizeof length, "%zu", req->body.n);
  const char *connection = req->close ? "close" : "keep-alive";

  size_t total = req->method.n + 1 + req->target.n + 11 + 6 + req->host.n + 2;
  for (size_t i = 0; i < req->header_count; i++) total += req->headers[i].name.n + 2 + req->headers[i].value.n + 2;
  if (length[0]) total += 16 + strlen(length) + 2;
  total += 12 + strlen(connection) + 2 + 2 + req->body.n;

  size_t start = out->len;
  vl_buf_reserve(out, start + total);
  vl_buf_put(out, req->method.p, req->method.n);
  vl_buf_put(out, " ", 1);
  vl_buf_put(out, req->target.p, req->target.n);
  vl_buf_put_str(out, " HTTP/1.1\r\nHost: ");
  vl_buf_put(out, req->host.p, req->host.n);
  vl_buf_put(out, "\r\n", 2);
  for (size_t i = 0; i < req->header_count; i++) {
    vl_buf_put(out, req->headers[i].name.p, req->headers[i].name.n);
    vl_buf_put(out, ": ", 2);
    vl_buf_put(out, req->headers[i].value.p, req->headers[i].value.n);
    vl_buf_put(out, "\r\n", 2);
  }
  if (length[0]) {
    vl_buf_put_str(out, "Content-Length: ");
    vl_buf_put_str(out, length);
    vl_buf_put(out, "\r\n", 2);
  }
  vl_buf_put_str(out, "Connection: ");
  vl_buf_put_str(out, connection);
  vl_buf_put_str(out, "\r\n\r\n");
  vl_buf_put(out, req->body.p, req->body.n);
  if (out->failed) {
    st = out->why;
    /* Leave no partial request (it may hold a credential) behind. */
    if (out->p && out->len > start) vl_wipe(out->p + start, out->len - start);
    out->len = start;
    out->failed = 0;
    out->why = VL_OK;
    WFAIL(st, "HTTP request: %s writing %zu bytes", st == VL_ERR_LIMIT ? "output limit reached" : "out of memory",
          total);
  }
  return VL_OK;
}

/* ---------------------------------------------------------- response parser */

enum {
  S_START,    /* before the status line; empty lines (CRLF) are skipped */
  S_START_LF, /* after a CR there */
  S_VERSION,  /* "HTTP/1." and the minor digit; vpos counts bytes matched */
  S_VERSION_SP,
  S_STATUS, /* three digits; vpos counts */
  S_STATUS_END,
  S_REASON,
  S_LINE_LF, /* LF ending the status line */
  S_FIELD_START,
  S_NAME,
  S_VALUE_OWS,
  S_VALUE,
  S_VALUE_LF,
  S_HEAD_END_LF, /* the LF of the empty line ending the fields (or trailers) */
  S_BODY_LENGTH,
  S_BODY_CLOSE,
  S_CHUNK_SIZE_START,
  S_CHUNK_SIZE,
  S_EXT_NAME_START,
  S_EXT_NAME,
  S_EXT_VALUE_START,
  S_EXT_TOKEN,
  S_EXT_QUOTED,
  S_EXT_QUOTED_PAIR,
  S_EXT_AFTER_QUOTE,
  S_CHUNK_LINE_LF,
  S_CHUNK_DATA,
  S_CHUNK_DATA_CR,
  S_CHUNK_DATA_LF,
  S_DONE,
  S_FAILED
};

enum { FIELD_NAME_OFF, FIELD_NAME_LEN, FIELD_VALUE_OFF, FIELD_VALUE_LEN, FIELD_WORDS };

static size_t body_max(size_t max_body) {
  return (max_body == 0 || max_body > VL_MAX_RESPONSE_BYTES) ? VL_MAX_RESPONSE_BYTES : max_body;
}

/* Empties b, wiping what it held, keeping its storage for the next response. */
static void buf_clear(vl_buf *b) {
  if (b->p && b->len) vl_wipe(b->p, b->len);
  b->len = 0;
  b->failed = 0;
  b->why = VL_OK;
}

static void start_message(vl_http1_parser *p) {
  p->state = S_START;
  p->vpos = 0;
  p->status = 0;
  p->minor = 0;
  p->conn_close = p->conn_keep_alive = p->has_cl = p->has_te = p->keep_alive = 0;
  p->content_length = p->remaining = 0;
  p->in_trailer = 0;
  buf_clear(&p->head);
  buf_clear(&p->fields);
}

void vl_http1_parser_init(vl_http1_parser *p, int is_head, size_t max_body) {
  memset(p, 0, sizeof *p);
  p->max_body = body_max(max_body);
  vl_buf_init(&p->head, VL_MAX_RESPONSE_HEAD_BYTES);
  vl_buf_init(&p->fields, (size_t)VL_MAX_RESPONSE_HEADERS * FIELD_WORDS * sizeof(uint32_t));
  vl_buf_init(&p->body, p->max_body);
  p->is_head = is_head ? 1 : 0;
  start_message(p);
}

void vl_http1_parser_reset(vl_http1_parser *p, int is_head) {
  start_message(p);
  buf_clear(&p->body);
  p->is_head = is_head ? 1 : 0;
  p->failure = VL_OK;
  p->ended = 0;
  p->pos = 0;
  p->head_bytes = 0;
  p->line_bytes = 0;
  p->err[0] = 0;
}

void vl_http1_parser_free(vl_http1_parser *p) {
  if (!p) return;
  vl_buf_free(&p->head);
  vl_buf_free(&p->fields);
  vl_buf_free(&p->body);
  vl_wipe(p, sizeof *p);
}

/* Records the failure (sticky) with the byte offset where it happened. */
static vl_status fail(vl_http1_parser *p, vl_status st, uint64_t at, const char *fmt, ...) {
  char what[120];
  va_list ap;
  va_start(ap, fmt);
  vl_vsnprintf(what, sizeof what, fmt, ap);  // NOLINT(clang-analyzer-valist.Uninitialized): false positive
  va_end(ap);
  vl_snprintf(p->err, sizeof p->err, "HTTP response: %s at byte %llu", what, (unsigned long long)at);
  p->failure = st;
  p->state = S_FAILED;
  return st;
}

static vl_status buf_failure(vl_http1_parser *p, const vl_buf *b, uint64_t at, const char *what) {
  if (b->why == VL_ERR_LIMIT) {
    if (b == &p->body) return fail(p, VL_ERR_LIMIT, at, "body longer than %zu bytes", p->max_body);
    return fail(p, VL_ERR_LIMIT, at, "%s over %zu bytes", what, VL_MAX_RESPONSE_HEAD_BYTES);
  }
  return fail(p, VL_ERR_NOMEM, at, "out of memory storing the %s", what);
}

static size_t field_count(const vl_http1_parser *p) {
  return p->fields.len / (FIELD_WORDS * sizeof(uint32_t));
}

static void field_at(const vl_http1_parser *p, size_t i, uint32_t w[FIELD_WORDS]) {
  memcpy(w, p->fields.p + i * FIELD_WORDS * sizeof(uint32_t), FIELD_WORDS * sizeof(uint32_t));
}

/* Calls back for each element of a comma-separated list value (OWS trimmed, empty elements skipped). */
static void list_elements(const uint8_t *v, size_t n, void (*each)(vl_http1_parser *, const uint8_t *, size_t),
                          vl_http1_parser *p) {
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && v[j] != ',') j++;
    size_t a = i, b = j;
    while (a < b && is_ows(v[a])) a++;
    while (b > a && is_ows(v[b - 1])) b--;
    if (b > a) each(p, v + a, b - a);
    i = j + 1;
  }
}

static void connection_option(vl_http1_parser *p, const uint8_t *s, size_t n) {
  if (ci_equal(s, n, "close")) p->conn_close = 1;
  if (ci_equal(s, n, "keep-alive")) p->conn_keep_alive = 1;
}

static void proxy_connection_option(vl_http1_parser *p, const uint8_t *s, size_t n) {
  /* Not standard, but some servers mean it; honouring only "close" can never keep a connection wrongly. */
  if (ci_equal(s, n, "close")) p->conn_close = 1;
}

/* Interprets one completed header field of the response (not of a trailer). */
static vl_status framing_field(vl_http1_parser *p, const uint8_t *name, size_t nn, const uint8_t *v, size_t vn) {
  uint64_t at = p->line_pos;
  if (ci_equal(name, nn, "content-length")) {
    if (vn == 0) return fail(p, VL_ERR_FORMAT, at, "empty Content-Length");
    uint64_t cl = 0;
    for (size_t i = 0; i < vn; i++) {
      if (v[i] < '0' || v[i] > '9') return fail(p, VL_ERR_FORMAT, at, "Content-Length is not a decimal number");
      if (cl > (UINT64_MAX - 9) / 10) return fail(p, VL_ERR_FORMAT, at, "Content-Length overflows");
      cl = cl * 10 + (uint64_t)(v[i] - '0');
    }
    if (p->has_cl && cl != p->content_length) return fail(p, VL_ERR_FORMAT, at, "conflicting Content-Length fields");
    p->has_cl = 1;
    p->content_length = cl;
  } else if (ci_equal(name, nn, "transfer-encoding")) {
    if (p->has_te) return fail(p, VL_ERR_FORMAT, at, "more than one Transfer-Encoding field");
    if (!ci_equal(v, vn, "chunked"))
      return fail(p, VL_ERR_FORMAT, at, "Transfer-Encoding other than a single \"chunked\"");
    p->has_te = 1;
  } else if (ci_equal(name, nn, "connection")) {
    list_elements(v, vn, connection_option, p);
  } else if (ci_equal(name, nn, "proxy-connection")) {
    list_elements(v, vn, proxy_connection_option, p);
  }
  return VL_OK;
}

/* The empty line after the fields: decides how the body is framed. */
static vl_status headers_complete(vl_http1_parser *p, uint64_t at) {
  if (p->in_trailer) {
    p->state = S_DONE;
    return VL_OK;
  }
  if (p->status == 101) return fail(p, VL_ERR_FORMAT, at, "unexpected 101 Switching Protocols");
  if (p->status < 200) { /* interim: its fields are dropped, the final response follows */
    size_t bytes = p->head_bytes;
    start_message(p);
    p->head_bytes = bytes;
    return VL_OK;
  }
  if (p->has_te && p->has_cl) return fail(p, VL_ERR_FORMAT, at, "both Transfer-Encoding and Content-Length");
  if (p->has_te && p->minor == 0) return fail(p, VL_ERR_FORMAT, at, "Transfer-Encoding in an HTTP/1.0 response");
  p->keep_alive = p->minor == 1 ? !p->conn_close : (p->conn_keep_alive && !p->conn_close);
  if (p->is_head || p->status == 204 || p->status == 304) {
    p->state = S_DONE;
  } else if (p->has_te) {
    p->state = S_CHUNK_SIZE_START;
    p->line_bytes = 0;
  } else if (p->has_cl) {
    if (p->content_length > p->max_body)
      return fail(p, VL_ERR_LIMIT, at, "Content-Length %llu over the %zu-byte body limit",
                  (unsigned long long)p->content_length, p->max_body);
    p->remaining = p->content_length;
    if (p->remaining == 0) {
      p->state = S_DONE;
    } else {
      vl_buf_reserve(&p->body, (size_t)p->remaining);
      p->state = S_BODY_LENGTH;
    }
  } else if (p->minor == 0 || p->conn_close) {
    p->keep_alive = 0;
    p->state = S_BODY_CLOSE;
  } else {
    return fail(p, VL_ERR_FORMAT, at,
                "HTTP/1.1 response without Content-Length or chunked framing and without Connection: close");
  }
  return VL_OK;
}

/* A header line ended (its LF seen): stores the field and interprets it. */
static vl_status field_complete(vl_http1_parser *p) {
  if (p->in_trailer) return VL_OK; /* trailers are checked, not kept */
  uint32_t w[FIELD_WORDS];
  w[FIELD_NAME_OFF] = (uint32_t)p->name_off;
  w[FIELD_NAME_LEN] = (uint32_t)(p->value_off - p->name_off);
  w[FIELD_VALUE_OFF] = (uint32_t)p->value_off;
  w[FIELD_VALUE_LEN] = (uint32_t)(p->value_end - p->value_off);
  p->head.len = p->value_end; /* drop trailing whitespace */
  vl_buf_put(&p->fields, w, sizeof w);
  if (p->fields.failed) return buf_failure(p, &p->fields, p->line_pos, "header fields");
  return framing_field(p, p->head.p + w[FIELD_NAME_OFF], w[FIELD_NAME_LEN], p->head.p + w[FIELD_VALUE_OFF],
                       w[FIELD_VALUE_LEN]);
}

static int is_head_state(int s) {
  return s <= S_HEAD_END_LF;
}

/* Appends to head unless reading trailers. */
static vl_status keep(vl_http1_parser *p, const uint8_t *s, size_t n, uint64_t at) {
  if (p->in_trailer || n == 0) return VL_OK;
  vl_buf_put(&p->head, s, n);
  return p->head.failed ? buf_failure(p, &p->head, at, "header section") : VL_OK;
}

static vl_status put_body(vl_http1_parser *p, const uint8_t *s, size_t n, uint64_t at) {
  /* The offset named is the first byte over the limit, however the bytes were split. */
  if (n > p->max_body - p->body.len)
    return fail(p, VL_ERR_LIMIT, at + (p->max_body - p->body.len), "body longer than %zu bytes", p->max_body);
  vl_buf_put(&p->body, s, n);
  return p->body.failed ? buf_failure(p, &p->body, at, "body") : VL_OK;
}

/* Runs of bytes matching a class, for the states that take many bytes at once. */
static size_t run_of(const uint8_t *in, size_t n, int (*ok)(uint8_t)) {
  size_t k = 0;
  while (k < n && ok(in[k])) k++;
  return k;
}

/*
 * Advances p over a prefix of in[0..n) (n >= 1) within one state, and sets
 * *used to the bytes taken. On failure *used is the count before the
 * offending byte. Invariant: p->pos is the stream offset of in[0].
 */
static vl_status step(vl_http1_parser *p, const uint8_t *in, size_t n, size_t *used) {
  const uint64_t at = p->pos;
  uint8_t c = in[0];
  *used = 0;
  if (is_head_state(p->state)) {
    /* A whole run is taken below only by the NAME/VALUE/REASON states, which
     * count it themselves; every other head state takes one byte. */
    if (p->state != S_NAME && p->state != S_VALUE && p->state != S_REASON) {
      if (p->head_bytes + 1 > VL_MAX_RESPONSE_HEAD_BYTES)
        return fail(p, VL_ERR_LIMIT, at, "status line and header fields over %zu bytes", VL_MAX_RESPONSE_HEAD_BYTES);
      p->head_bytes++;
    }
  } else if (p->state >= S_CHUNK_SIZE_START && p->state <= S_CHUNK_LINE_LF) {
    if (++p->line_bytes > VL_MAX_CHUNK_LINE_BYTES)
      return fail(p, VL_ERR_LIMIT, at, "chunk line over %u bytes", VL_MAX_CHUNK_LINE_BYTES);
  }

  switch (p->state) {
    case S_START:
      if (c == '\r') {
        p->state = S_START_LF;
      } else if (c == 'H') {
        p->state = S_VERSION;
        p->vpos = 1;
      } else {
        return fail(p, VL_ERR_FORMAT, at, "status line does not start with \"HTTP/\"");
      }
      break;
    case S_START_LF:
      if (c != '\n') return fail(p, VL_ERR_FORMAT, at, "expected LF after CR");
      p->state = S_START;
      break;
    case S_VERSION:
      if (p->vpos < 7) {
        if (c != (uint8_t) "HTTP/1."[p->vpos]) {
          if (p->vpos < 5) return fail(p, VL_ERR_FORMAT, at, "status line does not start with \"HTTP/\"");
          return fail(p, VL_ERR_FORMAT, at, "unsupported HTTP version (only 1.0 and 1.1)");
        }
        p->vpos++;
      } else {
        if (c != '0' && c != '1') return fail(p, VL_ERR_FORMAT, at, "unsupported HTTP version (only 1.0 and 1.1)");
        p->minor = (unsigned)(c - '0');
        p->state = S_VERSION_SP;
      }
      break;
    case S_VERSION_SP:
      if (c != ' ') return fail(p, VL_ERR_FORMAT, at, "expected one space after the HTTP version");
      p->state = S_STATUS;
      p->vpos = 0;
      break;
    case S_STATUS:
      if (c < '0' || c > '9') return fail(p, VL_ERR_FORMAT, at, "status code is not three digits");
      if (p->vpos == 0 && (c < '1' || c > '5')) return fail(p, VL_ERR_FORMAT, at, "status code outside 100..599");
      p->status = p->status * 10 + (unsigned)(c - '0');
      if (++p->vpos == 3) p->state = S_STATUS_END;
      break;
    case S_STATUS_END:
      if (c == ' ') {
        p->state = S_REASON;
      } else if (c == '\r') {
        p->state = S_LINE_LF;
      } else {
        return fail(p, VL_ERR_FORMAT, at, "status code is not three digits followed by a space");
      }
      break;
    case S_REASON: {
      size_t k = run_of(in, n, is_field_byte);
      size_t take = k < n ? k + 1 : k; /* the CR too, when it is here */
      if (p->head_bytes + take > VL_MAX_RESPONSE_HEAD_BYTES)
        return fail(p, VL_ERR_LIMIT, at + (VL_MAX_RESPONSE_HEAD_BYTES - p->head_bytes),
                    "status line and header fields over %zu bytes", VL_MAX_RESPONSE_HEAD_BYTES);
      if (k < n && in[k] != '\r') {
        *used = k;
        return fail(p, VL_ERR_FORMAT, at + k, in[k] == '\n' ? "LF without CR" : "invalid byte in the reason phrase");
      }
      p->head_bytes += take;
      if (k < n) p->state = S_LINE_LF;
      *used = take;
      return VL_OK;
    }
    case S_LINE_LF:
    case S_VALUE_LF:
      if (c != '\n') return fail(p, VL_ERR_FORMAT, at, "expected LF after CR");
      if (p->state == S_VALUE_LF) {
        vl_status st = field_complete(p);
        if (st != VL_OK) return st;
      }
      p->state = S_FIELD_START;
      break;
    case S_FIELD_START:
      if (c == '\r') {
        p->state = S_HEAD_END_LF;
      } else if (is_tchar(c)) {
        if (!p->in_trailer && field_count(p) >= VL_MAX_RESPONSE_HEADERS)
          return fail(p, VL_ERR_LIMIT, at, "more than %u header fields", VL_MAX_RESPONSE_HEADERS);
        p->line_pos = at;
        p->name_off = p->head.len;
        p->state = S_NAME;
        p->head_bytes--; /* S_NAME counts this byte with its run */
        return VL_OK;    /* S_NAME takes this byte */
      } else if (c == ' ' || c == '\t') {
        return fail(p, VL_ERR_FORMAT, at, "line folding (obs-fold) or whitespace before a header name");
      } else {
        return fail(p, VL_ERR_FORMAT, at, "invalid byte at the start of a header line");
      }
      break;
    case S_NAME: {
      size_t k = run_of(in, n, is_tchar);
      size_t take = k < n ? k + 1 : k; /* and the ':' */
      if (p->head_bytes + take > VL_MAX_RESPONSE_HEAD_BYTES)
        return fail(p, VL_ERR_LIMIT, at + (VL_MAX_RESPONSE_HEAD_BYTES - p->head_bytes),
                    "status line and header fields over %zu bytes", VL_MAX_RESPONSE_HEAD_BYTES);
      vl_status st = keep(p, in, k, at);
      if (st != VL_OK) return st;
      p->head_bytes += take;
      if (k < n) {
        if (in[k] != ':') {
          *used = k;
          if (in[k] == ' ' || in[k] == '\t')
            return fail(p, VL_ERR_FORMAT, at + k, "whitespace between a header name and its colon");
          return fail(p, VL_ERR_FORMAT, at + k, "invalid byte in a header name");
        }
        p->value_off = p->value_end = p->in_trailer ? p->name_off : p->head.len;
        p->state = S_VALUE_OWS;
      }
      *used = take;
      return VL_OK;
    }
    case S_VALUE_OWS:
      if (is_ows(c)) break;
      if (c == '\r') {
        p->state = S_VALUE_LF;
      } else if (is_visible(c)) {
        p->state = S_VALUE;
        p->head_bytes--;
        return VL_OK; /* S_VALUE takes this byte */
      } else {
        return fail(p, VL_ERR_FORMAT, at, "invalid byte in a header value");
      }
      break;
    case S_VALUE: {
      size_t k = run_of(in, n, is_field_byte);
      size_t take = k < n ? k + 1 : k; /* and the CR */
      if (p->head_bytes + take > VL_MAX_RESPONSE_HEAD_BYTES)
        return fail(p, VL_ERR_LIMIT, at + (VL_MAX_RESPONSE_HEAD_BYTES - p->head_bytes),
                    "status line and header fields over %zu bytes", VL_MAX_RESPONSE_HEAD_BYTES);
      if (!p->in_trailer) {
        size_t base = p->head.len, last = k;
        while (last > 0 && is_ows(in[last - 1])) last--;
        vl_status st = keep(p, in, k, at);
        if (st != VL_OK) return st;
        if (last > 0) p->value_end = base + last;
      }
      p->head_bytes += take;
      if (k < n) {
        if (in[k] != '\r') {
          *used = k;
          return fail(p, VL_ERR_FORMAT, at + k, in[k] == '\n' ? "LF without CR" : "invalid byte in a header value");
        }
        p->state = S_VALUE_LF;
      }
      *used = take;
      return VL_OK;
    }
    case S_HEAD_END_LF: {
      if (c != '\n') return fail(p, VL_ERR_FORMAT, at, "expected LF after CR");
      *used = 1;
      return headers_complete(p, at + 1);
    }
    case S_BODY_LENGTH: {
      size_t k = n < p->remaining ? n : (size_t)p->remaining;
      vl_status st = put_body(p, in, k, at);
      if (st != VL_OK) return st;
      p->remaining -= k;
      if (p->remaining == 0) p->state = S_DONE;
      *used = k;
      return VL_OK;
    }
    case S_BODY_CLOSE: {
      vl_status st = put_body(p, in, n, at);
      if (st != VL_OK) return st;
      *used = n;
      return VL_OK;
    }
    case S_CHUNK_SIZE_START:
    case S_CHUNK_SIZE: {
      int h = hex_value(c);
      if (h >= 0) {
        p->remaining = p->remaining * 16 + (uint64_t)h;
        /* Bounds the size (and so rules out overflow): it must fit the body limit. */
        if (p->remaining > p->max_body - p->body.len)
          return fail(p, VL_ERR_LIMIT, at, "chunk size takes the body over %zu bytes", p->max_body);
        p->state = S_CHUNK_SIZE;
      } else if (p->state == S_CHUNK_SIZE_START) {
        return fail(p, VL_ERR_FORMAT, at, "chunk size is not hexadecimal");
      } else if (c == ';') {
        p->state = S_EXT_NAME_START;
      } else if (c == '\r') {
        p->state = S_CHUNK_LINE_LF;
      } else {
        return fail(p, VL_ERR_FORMAT, at, "invalid byte after the chunk size");
      }
      break;
    }
    case S_EXT_NAME_START:
      if (!is_tchar(c)) return fail(p, VL_ERR_FORMAT, at, "chunk extension without a name");
      p->state = S_EXT_NAME;
      break;
    case S_EXT_NAME:
    case S_EXT_TOKEN:
      if (is_tchar(c)) break;
      if (c == '=' && p->state == S_EXT_NAME) {
        p->state = S_EXT_VALUE_START;
      } else if (c == ';') {
        p->state = S_EXT_NAME_START;
      } else if (c == '\r') {
        p->state = S_CHUNK_LINE_LF;
      } else {
        return fail(p, VL_ERR_FORMAT, at, "invalid byte in a chunk extension");
      }
      break;
    case S_EXT_VALUE_START:
      if (c == '"') {
        p->state = S_EXT_QUOTED;
      } else if (is_tchar(c)) {
        p->state = S_EXT_TOKEN;
      } else {
        return fail(p, VL_ERR_FORMAT, at, "chunk extension without a value after '='");
      }
      break;
    case S_EXT_QUOTED:
      if (c == '"') {
        p->state = S_EXT_AFTER_QUOTE;
      } else if (c == '\\') {
        p->state = S_EXT_QUOTED_PAIR;
      } else if (!is_field_byte(c)) {
        return fail(p, VL_ERR_FORMAT, at, "invalid byte in a quoted chunk extension value");
      }
      break;
    case S_EXT_QUOTED_PAIR:
      if (!is_field_byte(c)) return fail(p, VL_ERR_FORMAT, at, "invalid escaped byte in a chunk extension value");
      p->state = S_EXT_QUOTED;
      break;
    case S_EXT_AFTER_QUOTE:
      if (c == ';') {
        p->state = S_EXT_NAME_START;
      } else if (c == '\r') {
        p->state = S_CHUNK_LINE_LF;
      } else {
        return fail(p, VL_ERR_FORMAT, at, "invalid byte after a quoted chunk extension value");
      }
      break;
    case S_CHUNK_LINE_LF:
      if (c != '\n') return fail(p, VL_ERR_FORMAT, at, "expected LF after CR in a chunk line");
      if (p->remaining == 0) { /* the last chunk: trailer fields follow */
        p->in_trailer = 1;
        p->state = S_FIELD_START;
      } else {
        p->state = S_CHUNK_DATA;
      }
      break;
    case S_CHUNK_DATA: {
      size_t k = n < p->remaining ? n : (size_t)p->remaining;
      vl_status st = put_body(p, in, k, at);
      if (st != VL_OK) return st;
      p->remaining -= k;
      if (p->remaining == 0) p->state = S_CHUNK_DATA_CR;
      *used = k;
      return VL_OK;
    }
    case S_CHUNK_DATA_CR:
      if (c != '\r') return fail(p, VL_ERR_FORMAT, at, "chunk data not followed by CRLF");
      p->state = S_CHUNK_DATA_LF;
      break;
    case S_CHUNK_DATA_LF:
      if (c != '\n') return fail(p, VL_ERR_FORMAT, at, "chunk data not followed by CRLF");
      p->state = S_CHUNK_SIZE_START;
      p->line_bytes = 0;
      break;
    default: return fail(p, VL_ERR_STATE, at, "parser in an unknown state");
  }
  *used = 1;
  return VL_OK;
}

vl_status vl_http1_feed(vl_http1_parser *p, const uint8_t *in, size_t n, size_t *consumed) {
  if (consumed) *consumed = 0;
  if (!p || (!in && n)) return VL_ERR_ARG;
  if (p->failure != VL_OK) return p->failure;
  if (p->ended) return VL_ERR_STATE;
  size_t i = 0;
  while (i < n && p->state != S_DONE) {
    size_t used = 0;
    vl_status st = step(p, in + i, n - i, &used);
    i += used;
    p->pos += used;
    if (st != VL_OK) {
      if (consumed) *consumed = i;
      return st;
    }
  }
  if (consumed) *consumed = i;
  return VL_OK;
}

vl_status vl_http1_eof(vl_http1_parser *p, int clean) {
  if (!p) return VL_ERR_ARG;
  if (p->failure != VL_OK) return p->failure;
  p->ended = 1;
  if (p->state == S_DONE) return VL_OK;
  if (p->state == S_BODY_CLOSE) {
    if (clean) {
      p->state = S_DONE;
      return VL_OK;
    }
    return fail(p, VL_ERR_FORMAT, p->pos,
                "connection closed without close_notify after %zu body bytes: the body may be truncated", p->body.len);
  }
  if (p->pos == 0) return fail(p, VL_ERR_FORMAT, 0, "connection closed before the response began");
  if (is_head_state(p->state))
    return fail(p, VL_ERR_FORMAT, p->pos, "connection closed in the %s: response truncated",
                p->in_trailer ? "trailer fields" : "status line or header fields");
  if (p->state == S_BODY_LENGTH)
    return fail(p, VL_ERR_FORMAT, p->pos, "connection closed after %zu of %llu body bytes: response truncated",
                p->body.len, (unsigned long long)p->content_length);
  return fail(p, VL_ERR_FORMAT, p->pos, "connection closed inside the chunked body after %zu bytes: response truncated",
              p->body.len);
}

int vl_http1_done(const vl_http1_parser *p) {
  return p && p->state == S_DONE && p->failure == VL_OK;
}

const char *vl_http1_error(const vl_http1_parser *p) {
  return p ? p->err : "";
}

vl_status vl_http1_response_get(const vl_http1_parser *p, vl_http1_response *out) {
  if (!p || !out) return VL_ERR_ARG;
  memset(out, 0, sizeof *out);
  if (!vl_http1_done(p)) return VL_ERR_STATE;
  out->status = p->status;
  out->minor = p->minor;
  out->keep_alive = p->keep_alive;
  out->header_count = field_count(p);
  out->body.p = p->body.p ? p->body.p : (const uint8_t *)"";
  out->body.n = p->body.len;
  return VL_OK;
}

vl_status vl_http1_header(const vl_http1_parser *p, size_t i, vl_header *out) {
  if (!p || !out) return VL_ERR_ARG;
  memset(out, 0, sizeof *out);
  if (!vl_http1_done(p)) return VL_ERR_STATE;
  if (i >= field_count(p)) return VL_ERR_NOT_FOUND;
  uint32_t w[FIELD_WORDS];
  field_at(p, i, w);
  out->name.p = p->head.p + w[FIELD_NAME_OFF];
  out->name.n = w[FIELD_NAME_LEN];
  out->value.p = p->head.p + w[FIELD_VALUE_OFF];
  out->value.n = w[FIELD_VALUE_LEN];
  return VL_OK;
}

int vl_http1_find(const vl_http1_parser *p, const char *name, vl_slice *value) {
  if (!p || !name || !vl_http1_done(p)) return 0;
  vl_header h;
  for (size_t i = 0; vl_http1_header(p, i, &h) == VL_OK; i++) {
    if (ci_equal(h.name.p, h.name.n, name)) {
      if (value) *value = h.value;
      return 1;
    }
  }
  return 0;
}
