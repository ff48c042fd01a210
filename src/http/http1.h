/*
 * A sans-I/O HTTP/1.1 client codec for the tunnel transport: a request writer
 * and an incremental, strict response parser. No sockets, no TLS, no clock:
 * the caller moves bytes (in the tunnel, the plaintext side of a BearSSL
 * engine) and this module frames them.
 *
 * The parser reads one response per reset: interim 1xx responses are skipped,
 * and it stops at the last byte of the final response, so bytes that follow
 * on a keep-alive connection are left to the caller. It never reports a
 * partial body as complete: a body cut short by the end of the stream is an
 * error (vl_http1_eof), and a body delimited by the connection's close is
 * accepted only on a clean close (TLS close_notify).
 *
 * What it refuses (each with VL_ERR_FORMAT unless noted): any version but
 * HTTP/1.0 and HTTP/1.1; a status outside 100..599; 101 (we never ask to
 * switch protocols); bare CR or LF; obs-fold; a header name that is not a
 * token or is followed by whitespace; control bytes in a reason or value;
 * a Content-Length that is not all digits, overflows, or disagrees with
 * another; Transfer-Encoding other than exactly one "chunked", or in an
 * HTTP/1.0 response, or together with Content-Length; a malformed chunk
 * line, extension or trailer; a body delimited by close on an HTTP/1.1
 * response that does not say "Connection: close" (we would wait forever);
 * more than VL_MAX_RESPONSE_HEADERS fields, more than
 * VL_MAX_RESPONSE_HEAD_BYTES of status lines and fields, a chunk line over
 * VL_MAX_CHUNK_LINE_BYTES, or a body over the parser's maximum (VL_ERR_LIMIT).
 *
 * What it accepts beyond the bare grammar: empty lines (CRLF) before a status
 * line (RFC 9112 §2.2; counted against the header limit); a status line
 * without a reason phrase; duplicate Content-Length fields with one value;
 * chunk extensions (checked, ignored); trailer fields (checked, counted
 * against the header limit, not kept); "Proxy-Connection: close" as close.
 *
 * Error details name what was wrong and its byte offset counted from the first
 * byte fed after init/reset. They may quote a header name, never a header
 * value or body byte.
 */
#ifndef VL_HTTP1_H
#define VL_HTTP1_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "reqcodec.h"
#include "vaultlink.h"

/* ------------------------------------------------------------ request writer */

typedef struct {
  vl_slice method;          /* a token, e.g. "GET" (at most VL_MAX_METHOD_BYTES) */
  vl_slice host;            /* the Host header value: host[:port], or [v6]:port */
  vl_slice target;          /* origin-form: "/path?query", starts with '/' */
  const vl_header *headers; /* extra fields, written in order; may be NULL when header_count is 0 */
  size_t header_count;
  vl_slice body; /* body.n == 0: no body */
  int close;     /* 1: send "Connection: close", 0: "Connection: keep-alive" */
} vl_http1_request;

/*
 * Appends the request's bytes to out:
 *
 *   METHOD SP target SP "HTTP/1.1" CRLF
 *   "Host: " host CRLF
 *   each header as "name: value" CRLF, in order
 *   "Content-Length: " n CRLF    when body.n > 0, or the method is POST, PUT or PATCH
 *   "Connection: keep-alive" or "Connection: close" CRLF
 *   CRLF, body
 *
 * req: the request; its slices are only read.
 * out: an initialised buffer (vl_buf_init); the bytes are appended. The output
 *      holds credentials: the caller frees it with vl_buf_free, which wipes.
 * err, errlen: receives a message on failure (may be NULL when errlen is 0).
 *
 * Fails, leaving out exactly as it was, with:
 *   VL_ERR_ARG    req or out NULL; the method not a token; the host empty or
 *                 holding a byte outside the URI host/port characters; the
 *                 target not starting with '/' or holding a byte outside
 *                 0x21..0x7E or a '#'; header i's name not a token, or its
 *                 value holding CR, LF, NUL or another control byte but HTAB
 *                 (the message names the index, and the name unless the name
 *                 is itself bad); header i being one this writer owns (Host,
 *                 Content-Length, Transfer-Encoding, Connection, Upgrade).
 *   VL_ERR_LIMIT  method, target, a header or the body over input_limits.h, or
 *                 more than VL_MAX_HEADERS headers, or out's own max.
 *   VL_ERR_NOMEM  out of memory.
 */
vl_status vl_http1_write_request(const vl_http1_request *req, vl_buf *out, char *err, size_t errlen);

/* ----------------------------------------------------------- response parser */

/*
 * The parser's context: caller-owned, no hidden allocation beyond the three
 * buffers (which wipe). Every field is private; use the functions below.
 */
typedef struct {
  int state;
  int is_head;       /* the request was HEAD: the response has no body */
  vl_status failure; /* sticky: VL_OK until an error */
  uint64_t pos;      /* bytes consumed since init/reset */
  size_t max_body;

  /* the response being read */
  int ended; /* vl_http1_eof was called */
  unsigned status, minor, vpos;
  int conn_close, conn_keep_alive, has_cl, has_te, keep_alive;
  uint64_t content_length, remaining;
  size_t head_bytes; /* counts against VL_MAX_RESPONSE_HEAD_BYTES */
  size_t line_bytes; /* chunk line length so far */
  int in_trailer;    /* header states are reading trailer fields */
  uint64_t line_pos; /* where the current header line started */
  size_t name_off;   /* in head: the current field's name */
  size_t value_off;  /* in head: the current field's value */
  size_t value_end;  /* in head: one past the value's last non-whitespace byte */

  vl_buf head;   /* header names and values, back to back */
  vl_buf fields; /* one entry per header: four uint32_t (name off/len, value off/len) */
  vl_buf body;   /* the decoded body (max: max_body) */
  char err[160];
} vl_http1_parser;

/*
 * Prepares p to read the response to one request.
 * is_head: 1 when the request's method was HEAD (no body follows, whatever the
 *          framing headers say), else 0.
 * max_body: the largest body accepted; 0 or anything above
 *          VL_MAX_RESPONSE_BYTES means VL_MAX_RESPONSE_BYTES.
 * Never fails; allocates nothing until bytes arrive.
 */
void vl_http1_parser_init(vl_http1_parser *p, int is_head, size_t max_body);

/*
 * Readies p for the next response on the same connection (keep-alive): wipes
 * the previous response's headers and body, keeps the buffers' storage and
 * max_body, clears any error and restarts byte offsets at 0.
 * is_head: as for vl_http1_parser_init, for the next request.
 */
void vl_http1_parser_reset(vl_http1_parser *p, int is_head);

/* Wipes and frees p's buffers; p may be initialised again. NULL is a no-op. */
void vl_http1_parser_free(vl_http1_parser *p);

/*
 * Feeds n bytes of the stream. Consumes bytes up to the end of the response
 * and no further: *consumed < n only when the response completed inside
 * in[0..n) (the rest belongs to whatever the connection carries next). Once
 * the response is complete (vl_http1_done), further calls consume nothing and
 * return VL_OK. Bytes may arrive in pieces of any size, down to one.
 *
 * p: the parser. in: the bytes (may be NULL when n is 0).
 * consumed: receives the count of bytes taken from in (on failure, the count
 *           before the offending byte). May be NULL.
 *
 * Returns VL_OK, or (and from then on, every call returns it again):
 *   VL_ERR_FORMAT a protocol violation (see the top of this file); the detail
 *                 (vl_http1_error) names it and the byte offset.
 *   VL_ERR_LIMIT  a limit was exceeded (header bytes, header count, chunk
 *                 line, body size).
 *   VL_ERR_NOMEM  out of memory.
 *   VL_ERR_STATE  the stream already ended (vl_http1_eof was called).
 */
vl_status vl_http1_feed(vl_http1_parser *p, const uint8_t *in, size_t n, size_t *consumed);

/*
 * Tells p the stream ended: the peer closed the connection.
 * clean: 1 when the close was authenticated (TLS close_notify received),
 *        0 when the transport just went away.
 *
 * Returns VL_OK when a complete response is available: it already was, or its
 * body was delimited by the close and the close is clean. Otherwise returns
 * (sticky) VL_ERR_FORMAT with a detail saying where the stream was cut: before
 * any byte, in the status line or header fields, inside a Content-Length or
 * chunked body, or (clean 0) at the end of a close-delimited body that may have
 * been truncated by an attacker. A failure already recorded is returned as is.
 */
vl_status vl_http1_eof(vl_http1_parser *p, int clean);

/* 1 when a complete response has been read (its headers and body are
 * available), else 0. */
int vl_http1_done(const vl_http1_parser *p);

/* The detail of the failure, or "" when there is none. Never NULL; never holds
 * a header value or body byte. */
const char *vl_http1_error(const vl_http1_parser *p);

typedef struct {
  unsigned status;     /* 200..599 (interim 1xx responses are skipped) */
  unsigned minor;      /* 1 for HTTP/1.1, 0 for HTTP/1.0 */
  int keep_alive;      /* 1 when the connection may carry the next request */
  size_t header_count; /* fields of the final response, trailers not included */
  vl_slice body;       /* the decoded body (chunked framing removed); points into p */
} vl_http1_response;

/*
 * The complete response. Its slices stay valid until the next reset or free
 * of p.
 * Returns VL_OK, VL_ERR_ARG (NULL argument) or VL_ERR_STATE (no complete
 * response: still reading, or failed).
 */
vl_status vl_http1_response_get(const vl_http1_parser *p, vl_http1_response *out);

/*
 * Header i (0-based, in arrival order) of the complete response: name as sent,
 * value without leading and trailing whitespace. Slices point into p.
 * Returns VL_OK, VL_ERR_ARG (NULL argument), VL_ERR_STATE (no complete
 * response) or VL_ERR_NOT_FOUND (i >= header_count).
 */
vl_status vl_http1_header(const vl_http1_parser *p, size_t i, vl_header *out);

/*
 * The first header of the complete response whose name equals name (ASCII
 * case-insensitive, name NUL-terminated). Returns 1 and sets *value, or 0 when
 * there is none (or no complete response).
 */
int vl_http1_find(const vl_http1_parser *p, const char *name, vl_slice *value);
#endif
