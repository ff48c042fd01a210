/* The tunnel transport's engine: jobs carried over connections the core
 * owns (TLS 1.2 + HTTP/1.1, or plain HTTP/1.1), bytes moved by the caller. */
#include "tunnel/tunnel.h"

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "engine.h"
#include "fmt.h"
#include "http/http1.h"
#include "input_limits.h"
#include "mem.h"
#include "policy.h"
#include "reqcodec.h"
#include "tls/anchors.h"
#include "tls/tls.h"

typedef enum { CONN_FREE = 0, CONN_BUSY, CONN_IDLE } conn_state;

typedef struct {
  uint32_t id; /* vault-unique, never 0 */
  conn_state state;
  int https;
  char host[VL_MAX_DOMAIN_BYTES + 3];
  uint16_t port;
  vl_tls *tls;       /* https only */
  int session_saved; /* this connection's session was exported */
  vl_http1_parser http;
  vl_buf plain_out;    /* the request not yet handed to TLS (https), or the bytes to send (http) */
  size_t plain_off;    /* how much of plain_out is handed on */
  uint32_t rh, job_id; /* the job it carries while busy */
  uint64_t last_ms;
} vl_conn;

typedef struct {
  char host[VL_MAX_DOMAIN_BYTES + 3];
  uint16_t port;
  vl_tls_session *s; /* holds a master secret: wiped by vl_tls_session_free */
} vl_saved_session;

struct vl_tunnel {
  vl_anchors *anchors;
  vl_conn conns[VL_MAX_TUNNEL_CONNS];
  vl_saved_session sessions[VL_MAX_TUNNEL_CONNS];
  uint32_t next_id;
};

static void conn_clear(vl_conn *c) {
  vl_tls_free(c->tls);
  vl_http1_parser_free(&c->http);
  vl_buf_free(&c->plain_out);
  vl_wipe(c, sizeof *c);
}

static void session_clear(vl_saved_session *s) {
  vl_tls_session_free(s->s);
  vl_wipe(s, sizeof *s);
}

static void tunnel_free(struct vl_tunnel *t) {
  if (!t) return;
  for (size_t i = 0; i < VL_MAX_TUNNEL_CONNS; i++) {
    if (t->conns[i].state != CONN_FREE) conn_clear(&t->conns[i]);
    session_clear(&t->sessions[i]);
  }
  vl_anchors_free(t->anchors);
  vl_free(t);
}

static void tunnel_forget(vl_vault *v) {
  struct vl_tunnel *t = v->tunnel;
  for (size_t i = 0; i < VL_MAX_TUNNEL_CONNS; i++) {
    if (t->conns[i].state == CONN_IDLE) conn_clear(&t->conns[i]);
    session_clear(&t->sessions[i]);
  }
}

static void tunnel_hook(vl_vault *v, vl_tunnel_event ev) {
  if (!v->tunnel) return;
  if (ev == VL_TUNNEL_FORGET) {
    tunnel_forget(v);
    return;
  }
  tunnel_free(v->tunnel);
  v->tunnel = NULL;
}

/* The vault reaches the tunnel only through this hook, set here on first use:
 * a module built without src/tunnel/ never links TLS or HTTP code. */
static struct vl_tunnel *tunnel_of(vl_vault *v) {
  if (!v->tunnel) v->tunnel = vl_calloc(sizeof *v->tunnel);
  if (v->tunnel) v->tunnel_hook = tunnel_hook;
  return v->tunnel;
}

static vl_conn *conn_by_id(vl_vault *v, uint32_t id) {
  struct vl_tunnel *t = v ? v->tunnel : NULL;
  for (size_t i = 0; t && id && i < VL_MAX_TUNNEL_CONNS; i++)
    if (t->conns[i].state != CONN_FREE && t->conns[i].id == id) return &t->conns[i];
  return NULL;
}

vl_status vl_vault_tunnel_anchors(vl_vault *v, const uint8_t *data, size_t len) {
  if (!v || !data) return VL_ERR_ARG;
  struct vl_tunnel *t = tunnel_of(v);
  if (!t) return VL_ERR_NOMEM;
  if (!t->anchors && vl_anchors_new(&t->anchors) != VL_OK) return VL_ERR_NOMEM;
  char err[160] = "";
  vl_status st = vl_anchors_add(t->anchors, data, len, err, sizeof err);
  if (st) vl_set_error(v, "tunnel: trust anchors: %s", err);
  return st;
}

size_t vl_vault_tunnel_anchor_count(const vl_vault *v) {
  return v && v->tunnel && v->tunnel->anchors ? vl_anchors_count(v->tunnel->anchors) : 0;
}

/* The saved session for host:port, or a free slot to save one in. */
static vl_saved_session *session_for(struct vl_tunnel *t, const char *host, uint16_t port, int want_free) {
  vl_saved_session *free_slot = NULL;
  for (size_t i = 0; i < VL_MAX_TUNNEL_CONNS; i++) {
    vl_saved_session *s = &t->sessions[i];
    if (s->s && s->port == port && strcmp(s->host, host) == 0) return s;
    if (!s->s && !free_slot) free_slot = s;
  }
  if (!want_free) return NULL;
  return free_slot ? free_slot : &t->sessions[port % VL_MAX_TUNNEL_CONNS]; /* full: one gives way */
}

/* Only text the core wrote, and header names at most, reach a detail: a
 * relay's or parser's words are cut to a plain alphabet. */
static void plain_text(char *out, size_t n, const char *in) {
  size_t k = 0;
  for (; in && *in && k + 1 < n; in++) {
    char ch = *in;
    int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             strchr(" .,:;()/_'-+=#", ch) != NULL;
    out[k++] = ok ? ch : '?';
  }
  out[k] = 0;
}

/* Answers the connection's job with a named cause: "unreachable" (mark
 * "tunnel"), or "malformed_response" (mark "malformed": the answer broke a
 * limit or the HTTP grammar, as the fetch transport reports it). */
static void fail_as(vl_vault *v, vl_conn *c, const char *mark, const char *why, uint64_t now);

static void fail_job(vl_vault *v, vl_conn *c, const char *why, uint64_t now) {
  fail_as(v, c, "tunnel", why, now);
}

/* A parser failure: over a limit is a malformed answer; a broken stream is unreachable. */
static void fail_http(vl_vault *v, vl_conn *c, vl_status st, uint64_t now) {
  fail_as(v, c, st == VL_ERR_LIMIT ? "malformed" : "tunnel", vl_http1_error(&c->http), now);
}

static void fail_as(vl_vault *v, vl_conn *c, const char *mark, const char *why, uint64_t now) {
  if (!c->job_id) return;
  char detail[200];
  plain_text(detail, sizeof detail, why);
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_put(&b, "VLR1", 4);
  vl_wire_put_field(&b, (const uint8_t *)"", 0);
  vl_wire_put_field(&b, (const uint8_t *)"", 0);
  vl_buf_put_u32(&b, 2);
  vl_wire_put_field(&b, (const uint8_t *)"x-vaultlink-error", 17);
  vl_wire_put_field(&b, (const uint8_t *)mark, strlen(mark));
  vl_wire_put_field(&b, (const uint8_t *)"x-vaultlink-detail", 18);
  vl_wire_put_field(&b, (const uint8_t *)detail, strlen(detail));
  vl_buf_put_u32(&b, VL_BODY_NONE);
  vl_wire_put_field(&b, (const uint8_t *)"", 0);
  if (!b.failed) (void)vl_vault_job_done(v, c->rh, c->job_id, 0, b.p, b.len, now);
  vl_buf_free(&b);
  c->rh = c->job_id = 0;
}

/* Hands the parsed response to the job (inside the core: it never leaves). */
static void answer_job(vl_vault *v, vl_conn *c, uint64_t now) {
  vl_http1_response r;
  if (vl_http1_response_get(&c->http, &r) != VL_OK) {
    fail_job(v, c, "the response could not be read", now);
    return;
  }
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_reserve(&b, r.body.n + 64 * (r.header_count + 1));
  vl_buf_put(&b, "VLR1", 4);
  vl_wire_put_field(&b, (const uint8_t *)"", 0);
  vl_wire_put_field(&b, (const uint8_t *)"", 0);
  vl_buf_put_u32(&b, (uint32_t)r.header_count);
  for (size_t i = 0; i < r.header_count; i++) {
    vl_header h;
    if (vl_http1_header(&c->http, i, &h) != VL_OK) h.name.n = h.value.n = 0;
    vl_wire_put_field(&b, h.name.p, h.name.n);
    vl_wire_put_field(&b, h.value.p, h.value.n);
  }
  vl_buf_put_u32(&b, VL_BODY_BYTES);
  vl_wire_put_field(&b, r.body.p, r.body.n);
  if (b.failed)
    fail_job(v, c, "out of memory for the response", now);
  else
    (void)vl_vault_job_done(v, c->rh, c->job_id, r.status, b.p, b.len, now); /* fans out to identical jobs */
  vl_buf_free(&b);                                                           /* wipes: it held the answer */
  c->rh = c->job_id = 0;
}

/* Moves bytes inside one connection: request out into TLS, plaintext in
 * into the parser; answers the job when the response is complete or the
 * connection failed. Returns VL_TUNNEL_WAIT, _DONE (idle, reusable) or
 * _CLOSE (the connection was freed; the caller closes its stream). */
static int pump(vl_vault *v, vl_conn *c, uint64_t now) {
  if (c->tls) {
    if (vl_tls_state_get(c->tls) == VL_TLS_READY) {
      if (!c->session_saved) { /* remember it: the next connection to this origin resumes */
        vl_saved_session *s = session_for(v->tunnel, c->host, c->port, 1);
        vl_tls_session *ns = NULL;
        if (vl_tls_session_export(c->tls, &ns) == VL_OK) {
          session_clear(s);
          vl_snprintf(s->host, sizeof s->host, "%s", c->host);
          s->port = c->port;
          s->s = ns;
        }
        c->session_saved = 1;
      }
      while (c->plain_off < c->plain_out.len) {
        size_t k = vl_tls_write_plaintext(c->tls, c->plain_out.p + c->plain_off, c->plain_out.len - c->plain_off);
        if (!k) break;
        c->plain_off += k;
      }
      if (c->plain_out.len && c->plain_off == c->plain_out.len) {
        vl_tls_flush(c->tls);
        vl_buf_free(&c->plain_out); /* wipes the request (credentials) */
        vl_buf_init(&c->plain_out, 0);
        c->plain_off = 0;
      }
    }
    const uint8_t *in;
    size_t n;
    while (c->job_id && (n = vl_tls_read_plaintext(c->tls, &in)) > 0) {
      size_t used = 0;
      vl_status st = vl_http1_feed(&c->http, in, n, &used);
      (void)vl_tls_plaintext_done(c->tls, n); /* wiped in the engine */
      if (st) {
        fail_http(v, c, st, now);
        break;
      }
      if (vl_http1_done(&c->http)) {
        int reuse = used == n;
        vl_http1_response r;
        if (vl_http1_response_get(&c->http, &r) != VL_OK || !r.keep_alive) reuse = 0;
        answer_job(v, c, now);
        if (!reuse) break;
        c->state = CONN_IDLE;
        c->last_ms = now;
        vl_http1_parser_reset(&c->http, 0);
        return VL_TUNNEL_DONE;
      }
    }
    if (vl_tls_state_get(c->tls) == VL_TLS_FAILED) {
      char why[200];
      vl_snprintf(why, sizeof why, "TLS: %s", vl_tls_error(c->tls));
      fail_job(v, c, why, now);
    }
    if (!c->job_id && c->state == CONN_BUSY) {
      conn_clear(c);
      return VL_TUNNEL_CLOSE;
    }
    return VL_TUNNEL_WAIT;
  }
  return VL_TUNNEL_WAIT;
}

/* Plain HTTP: the bytes go to the parser as they come. */
static int feed_plain(vl_vault *v, vl_conn *c, const uint8_t *in, size_t n, uint64_t now) {
  size_t used = 0;
  vl_status st = vl_http1_feed(&c->http, in, n, &used);
  if (st) {
    fail_http(v, c, st, now);
    conn_clear(c);
    return VL_TUNNEL_CLOSE;
  }
  if (!vl_http1_done(&c->http)) return VL_TUNNEL_WAIT;
  vl_http1_response r;
  int reuse = used == n && vl_http1_response_get(&c->http, &r) == VL_OK && r.keep_alive;
  answer_job(v, c, now);
  if (!reuse) {
    conn_clear(c);
    return VL_TUNNEL_CLOSE;
  }
  c->state = CONN_IDLE;
  c->last_ms = now;
  vl_http1_parser_reset(&c->http, 0);
  return VL_TUNNEL_DONE;
}

/* The job's request as HTTP/1.1 bytes (they hold its credentials). */
static vl_status write_request(vl_vault *v, const vl_request *q, const vl_origin *o, vl_buf *out) {
  /* origin-form target: what follows the authority, "/" when empty */
  const uint8_t *u = q->url.p;
  size_t n = q->url.n, at = 0;
  while (at + 2 < n && !(u[at] == ':' && u[at + 1] == '/' && u[at + 2] == '/')) at++;
  at = at + 3 <= n ? at + 3 : n;
  while (at < n && u[at] != '/' && u[at] != '?' && u[at] != '#') at++;
  size_t end = at;
  while (end < n && u[end] != '#') end++;
  char host[VL_MAX_DOMAIN_BYTES + 12];
  int default_port = o->port < 0 || (o->scheme == VL_SCHEME_HTTPS ? o->port == 443 : o->port == 80);
  if (default_port)
    vl_snprintf(host, sizeof host, "%.*s", (int)o->host_len, o->host);
  else
    vl_snprintf(host, sizeof host, "%.*s:%d", (int)o->host_len, o->host, (int)o->port);
  vl_header hs[VL_MAX_HEADERS];
  size_t nh = 0;
  vl_slice host_slice = {(const uint8_t *)host, strlen(host)};
  for (size_t i = 0; i < q->header_count && nh < VL_MAX_HEADERS; i++) {
    const vl_slice *name = &q->headers[i].name;
    if (name->n == 4 && (name->p[0] | 0x20) == 'h' && (name->p[1] | 0x20) == 'o' && (name->p[2] | 0x20) == 's' &&
        (name->p[3] | 0x20) == 't') {
      host_slice = q->headers[i].value; /* signed by SigV4: sent as given */
      continue;
    }
    if (name->n == 14 && strncasecmp((const char *)name->p, "content-length", 14) == 0) continue;
    hs[nh++] = q->headers[i];
  }
  char target_slash[1] = {'/'};
  vl_http1_request hr = {
      q->method,
      host_slice,
      end > at && u[at] == '/' ? (vl_slice){u + at, end - at} : (vl_slice){(const uint8_t *)target_slash, 1},
      hs,
      nh,
      q->body,
      0};
  vl_buf_init(out, 0);
  char err[160] = "";
  vl_status st = vl_http1_write_request(&hr, out, err, sizeof err);
  if (st) vl_set_error(v, "tunnel: the job's request cannot be sent: %s", err);
  return st;
}

vl_status vl_vault_tunnel_begin(vl_vault *v, uint32_t handle, uint32_t job_id, uint64_t now_ms, uint32_t *conn_id,
                                int *fresh) {
  if (!v || !conn_id || !fresh) return VL_ERR_ARG;
  *conn_id = 0;
  *fresh = 0;
  vl_resolve *r = vl_vault_resolve_get(v, handle);
  const uint8_t *req = NULL;
  size_t len = 0;
  if (!r || vl_resolve_job_request(r, job_id, &req, &len) != VL_OK) {
    vl_set_error(v, "tunnel: job %u is not outstanding", (unsigned)job_id);
    return VL_ERR_NOT_FOUND;
  }
  struct vl_tunnel *t = tunnel_of(v);
  if (!t) return VL_ERR_NOMEM;
  vl_request q;
  char err[120];
  vl_status st = vl_request_decode(req, len, &q, err, sizeof err);
  if (st) return st;
  vl_origin o;
  vl_origin_parse(q.url.p, q.url.n, &o);
  if (!o.determined || !o.scheme) {
    vl_request_clear(&q);
    vl_set_error(v, "tunnel: job %u has no usable origin", (unsigned)job_id);
    return VL_ERR_FORMAT;
  }
  int https = o.scheme == VL_SCHEME_HTTPS;
  uint16_t port = (uint16_t)(o.port >= 0 ? o.port : https ? 443 : 80);
  char host[VL_MAX_DOMAIN_BYTES + 3];
  vl_snprintf(host, sizeof host, "%.*s", (int)o.host_len, o.host);
  if (https && (!t->anchors || !vl_anchors_count(t->anchors))) {
    vl_request_clear(&q);
    vl_set_error(v, "tunnel: no trust anchors (pass trustAnchors, or load the default set)");
    return VL_ERR_STATE;
  }
  vl_conn *c = NULL;
  for (size_t i = 0; i < VL_MAX_TUNNEL_CONNS && !c; i++) {
    vl_conn *k = &t->conns[i];
    if (k->state == CONN_IDLE && k->https == https && k->port == port && strcmp(k->host, host) == 0) c = k;
  }
  if (!c) {
    for (size_t i = 0; i < VL_MAX_TUNNEL_CONNS && !c; i++)
      if (t->conns[i].state == CONN_FREE) c = &t->conns[i];
    if (!c) { /* every slot in use: the least recently used idle one gives way */
      for (size_t i = 0; i < VL_MAX_TUNNEL_CONNS; i++)
        if (t->conns[i].state == CONN_IDLE && (!c || t->conns[i].last_ms < c->last_ms)) c = &t->conns[i];
      if (!c) {
        vl_request_clear(&q);
        vl_set_error(v, "tunnel: more than %u connections busy at once", VL_MAX_TUNNEL_CONNS);
        return VL_ERR_LIMIT;
      }
      conn_clear(c);
    }
    memset(c, 0, sizeof *c);
    if (++t->next_id == 0) t->next_id = 1;
    c->id = t->next_id;
    c->https = https;
    c->port = port;
    vl_snprintf(c->host, sizeof c->host, "%s", host);
    vl_buf_init(&c->plain_out, 0);
    if (https) {
      vl_saved_session *s = session_for(t, host, port, 0);
      st = vl_tls_new(t->anchors, host, s ? s->s : NULL, now_ms, &c->tls);
      if (st) {
        vl_request_clear(&q);
        vl_set_error(v, "tunnel: TLS could not start for %s (%s)", host, vl_strerror(st));
        memset(c, 0, sizeof *c);
        return st;
      }
    }
    *fresh = 1;
  }
  int head = q.method.n == 4 && memcmp(q.method.p, "HEAD", 4) == 0;
  if (*fresh)
    vl_http1_parser_init(&c->http, head, VL_MAX_RESPONSE_BYTES);
  else
    vl_http1_parser_reset(&c->http, head);
  st = write_request(v, &q, &o, &c->plain_out);
  vl_request_clear(&q);
  if (st) {
    conn_clear(c);
    return st;
  }
  c->plain_off = 0;
  c->state = CONN_BUSY;
  c->rh = handle;
  c->job_id = job_id;
  c->last_ms = now_ms;
  *conn_id = c->id;
  if (c->tls) (void)pump(v, c, now_ms);
  return VL_OK;
}

size_t vl_vault_tunnel_output(vl_vault *v, uint32_t conn_id, const uint8_t **out) {
  vl_conn *c = conn_by_id(v, conn_id);
  *out = NULL;
  if (!c) return 0;
  if (c->tls) return vl_tls_pending_ciphertext(c->tls, out);
  *out = c->plain_out.p + c->plain_off;
  return c->plain_out.len - c->plain_off;
}

vl_status vl_vault_tunnel_sent(vl_vault *v, uint32_t conn_id, size_t n, uint64_t now_ms) {
  vl_conn *c = conn_by_id(v, conn_id);
  if (!c) return VL_ERR_NOT_FOUND;
  if (c->tls) {
    vl_status st = vl_tls_ciphertext_sent(c->tls, n);
    if (!st) (void)pump(v, c, now_ms);
    return st;
  }
  if (n > c->plain_out.len - c->plain_off) return VL_ERR_ARG;
  c->plain_off += n;
  if (c->plain_off == c->plain_out.len) {
    vl_buf_free(&c->plain_out);
    vl_buf_init(&c->plain_out, 0);
    c->plain_off = 0;
  }
  return VL_OK;
}

vl_status vl_vault_tunnel_input(vl_vault *v, uint32_t conn_id, const uint8_t *in, size_t n, uint64_t now_ms,
                                int *state) {
  *state = VL_TUNNEL_CLOSE;
  vl_conn *c = conn_by_id(v, conn_id);
  if (!c) return VL_ERR_NOT_FOUND;
  c->last_ms = now_ms;
  if (c->state == CONN_IDLE) { /* a server speaking when nothing was asked: not to be trusted again */
    conn_clear(c);
    return VL_OK;
  }
  if (!c->tls) {
    *state = feed_plain(v, c, in, n, now_ms);
    return VL_OK;
  }
  size_t off = 0;
  int s = VL_TUNNEL_WAIT;
  while (off < n) {
    size_t k = vl_tls_feed_ciphertext(c->tls, in + off, n - off);
    off += k;
    s = pump(v, c, now_ms);
    if (s != VL_TUNNEL_WAIT) break;
    if (!k) {
      const uint8_t *pending;
      if (vl_tls_pending_ciphertext(c->tls, &pending) > 0) break; /* the caller must send first */
      if (vl_tls_state_get(c->tls) >= VL_TLS_CLOSED) break;
    }
  }
  if (s == VL_TUNNEL_DONE && off < n) { /* bytes past the response: no pipelining here */
    conn_clear(c);
    s = VL_TUNNEL_CLOSE;
  }
  *state = s;
  return VL_OK;
}

vl_status vl_vault_tunnel_closed(vl_vault *v, uint32_t conn_id, const char *why, uint64_t now_ms, int *state) {
  *state = VL_TUNNEL_CLOSE;
  vl_conn *c = conn_by_id(v, conn_id);
  if (!c) return VL_ERR_NOT_FOUND;
  if (c->job_id) {
    int clean = 0;
    if (c->tls) {
      vl_tls_transport_closed(c->tls);
      clean = vl_tls_state_get(c->tls) == VL_TLS_CLOSED;
      (void)pump(v, c, now_ms);
    } else {
      clean = 1; /* plain TCP: EOF is all there is */
    }
    if (c->job_id) {
      if (vl_http1_eof(&c->http, clean) == VL_OK && vl_http1_done(&c->http)) {
        answer_job(v, c, now_ms);
      } else {
        char msg[200];
        const char *e = vl_http1_error(&c->http);
        /* The parser's words first (they say how much arrived), then the relay's. */
        if (*e)
          vl_snprintf(msg, sizeof msg, "closed early: %s (relay: %s)", e, why && *why ? why : "stream ended");
        else
          vl_snprintf(msg, sizeof msg, "closed before the response was complete (relay: %s)",
                      why && *why ? why : "stream ended");
        fail_job(v, c, msg, now_ms);
      }
    }
  }
  conn_clear(c);
  return VL_OK;
}

vl_status vl_vault_tunnel_abort(vl_vault *v, uint32_t conn_id, const char *why, uint64_t now_ms) {
  vl_conn *c = conn_by_id(v, conn_id);
  if (!c) return VL_ERR_NOT_FOUND;
  fail_job(v, c, why && *why ? why : "aborted", now_ms);
  conn_clear(c);
  return VL_OK;
}

int vl_vault_tunnel_live(vl_vault *v, uint32_t conn_id) {
  return conn_by_id(v, conn_id) != NULL;
}

void vl_vault_tunnel_drop(vl_vault *v, uint32_t conn_id) {
  vl_conn *c = conn_by_id(v, conn_id);
  if (c) conn_clear(c);
}
