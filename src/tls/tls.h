/*
 * A sans-I/O TLS 1.2 client on BearSSL, for the tunnel transport: the core
 * runs TLS itself and the caller only moves opaque record bytes between this
 * object and a relay (a WebSocket in the browser, a TCP socket natively).
 *
 * What it speaks: TLS 1.2 only; ECDHE-ECDSA and ECDHE-RSA with AES-128-GCM,
 * AES-256-GCM and ChaCha20-Poly1305 (6 suites, forward secrecy and AEAD
 * only); X25519, P-256, P-384 and P-521 key exchange; SNI and ALPN
 * "http/1.1"; session-ID resumption (BearSSL has no tickets and no TLS 1.3).
 * The server's chain is checked against a vl_anchors set, the caller's time
 * and the server name given at creation (SAN dNSName, one-label "*."
 * wildcard, or the CN when there is no SAN). Entropy comes from vl_random().
 *
 * The pump (one connection; every call is non-blocking):
 *
 *   vl_tls *c;
 *   vl_tls_new(anchors, "kv.vault.azure.net", session_or_NULL, now_ms, &c);
 *   for (;;) {
 *     while ((n = vl_tls_pending_ciphertext(c, &out)) > 0) {      // 1. records out
 *       sent = relay_send(out, n); vl_tls_ciphertext_sent(c, sent);
 *     }
 *     while ((n = vl_tls_read_plaintext(c, &in)) > 0) {           // 2. app data in
 *       consume(in, n); vl_tls_plaintext_done(c, n);
 *     }
 *     if (vl_tls_state_get(c) == VL_TLS_READY && have_request) {  // 3. app data out
 *       k = vl_tls_write_plaintext(c, req, len); vl_tls_flush(c);  // k may be < len
 *     }
 *     if (vl_tls_state_get(c) >= VL_TLS_CLOSED) break;           // done or failed
 *     n = relay_recv(buf);                                        // 4. records in
 *     if (n == 0) vl_tls_transport_closed(c);                     //    relay EOF
 *     else for (off = 0; off < n;) off += vl_tls_feed_ciphertext(c, buf + off, n - off), step 1 and 2;
 *   }
 *   if (vl_tls_state_get(c) == VL_TLS_FAILED) report(vl_tls_error(c));
 *   vl_tls_session_export(c, &s);   // keep per origin for a faster next connection
 *   vl_tls_free(c);
 *
 * vl_tls_feed_ciphertext may take fewer bytes than offered: the engine first
 * wants its pending records sent or its plaintext read. Feed the rest after
 * steps 1 and 2.
 *
 * Memory: one vl_tls is about 40 KiB (BearSSL's full-size bidirectional
 * buffer, 33,178 bytes, so any server's 16 KiB records fit), allocated with
 * vl_alloc and wiped whole by vl_tls_free. Plaintext the caller has taken is
 * wiped from the buffer at once.
 */
#ifndef VL_TLS_H
#define VL_TLS_H
#include <stddef.h>
#include <stdint.h>

#include "tls/anchors.h"
#include "vaultlink.h"

typedef struct vl_tls vl_tls;
typedef struct vl_tls_session vl_tls_session;

typedef enum {
  VL_TLS_HANDSHAKING = 0, /* before the handshake completed */
  VL_TLS_READY = 1,       /* application data flows both ways */
  VL_TLS_CLOSED = 2,      /* closed cleanly (close_notify) after a completed handshake */
  VL_TLS_FAILED = 3       /* failed: vl_tls_error() says why */
} vl_tls_state;

/* vl_tls_error_code() values beyond BearSSL's own (BR_ERR_*, alerts at
 * BR_ERR_RECV_FATAL_ALERT + n and BR_ERR_SEND_FATAL_ALERT + n). */
#define VL_TLS_ERR_CLOSED_IN_HANDSHAKE 1024 /* transport or peer closed before the handshake finished */
#define VL_TLS_ERR_TRUNCATED 1025           /* transport closed without the peer's close_notify */
#define VL_TLS_ERR_NOT_YET_VALID 1026       /* a certificate's notBefore is after now */
#define VL_TLS_ERR_SELF_SIGNED 1027         /* the leaf is self-signed and not an anchor */

/*
 * Creates a client connection for server_name and starts its handshake (the
 * ClientHello is pending at once: vl_tls_pending_ciphertext).
 *
 * anchors: the trust anchors (at least one); linked, not copied: the set must
 * outlive the connection and must not be added to meanwhile. server_name: a
 * DNS host name (1..VL_MAX_SERVER_NAME_BYTES, NUL-terminated), sent as SNI
 * and matched against the certificate; IP addresses are not supported by
 * BearSSL's name check. session: NULL, or one exported earlier for the same
 * server_name: the client offers to resume it (the server may decline; then
 * a full handshake runs). now_ms: the caller's clock (ms since the Unix
 * epoch) against which certificate validity is checked.
 *
 * Returns VL_OK with *out set, VL_ERR_ARG (NULL or empty arguments, no
 * anchors, a session for another server name), VL_ERR_LIMIT (server_name too
 * long), VL_ERR_CRYPTO (no entropy, or BearSSL refused to start), VL_ERR_NOMEM;
 * on failure *out is NULL.
 */
vl_status vl_tls_new(const vl_anchors *anchors, const char *server_name, const vl_tls_session *session, uint64_t now_ms,
                     vl_tls **out);

/* Wipes the whole connection (keys, buffers, plaintext) and frees it. Sends
 * nothing: call vl_tls_close and drain first for a clean close. NULL is a no-op. */
void vl_tls_free(vl_tls *c);

/* The connection's state (see vl_tls_state). VL_TLS_FAILED for NULL. */
vl_tls_state vl_tls_state_get(const vl_tls *c);

/*
 * Hands received record bytes (from the relay) to the engine. Returns how
 * many of the len bytes it took: fewer (even 0) when it first needs its
 * pending ciphertext sent or its plaintext read, or when the connection is
 * closed or failed. Never fails otherwise; a bad record shows as
 * VL_TLS_FAILED.
 */
size_t vl_tls_feed_ciphertext(vl_tls *c, const uint8_t *bytes, size_t len);

/*
 * Points *out at record bytes waiting to go to the relay and returns their
 * count (0: nothing to send; *out is then NULL). The bytes stay valid until
 * vl_tls_ciphertext_sent or any other call on c.
 */
size_t vl_tls_pending_ciphertext(vl_tls *c, const uint8_t **out);

/*
 * Marks the first n pending bytes as sent. VL_ERR_ARG if c is NULL or n is
 * more than vl_tls_pending_ciphertext last returned; VL_ERR_STATE if nothing
 * is pending.
 */
vl_status vl_tls_ciphertext_sent(vl_tls *c, size_t n);

/*
 * Copies up to len plaintext bytes into the engine's outgoing record and
 * returns how many it took: 0 before the handshake completes (VL_TLS_READY)
 * or after close. A full record is sealed and queued as it fills; a partial
 * one waits for vl_tls_flush. The engine overwrites the plaintext with its
 * ciphertext in place; the caller wipes its own copy.
 */
size_t vl_tls_write_plaintext(vl_tls *c, const uint8_t *bytes, size_t len);

/* Seals whatever plaintext is buffered into a record, now. */
void vl_tls_flush(vl_tls *c);

/*
 * Points *out at decrypted application data and returns its length (0:
 * none yet; *out is then NULL). Valid until vl_tls_plaintext_done or any
 * other call on c.
 */
size_t vl_tls_read_plaintext(vl_tls *c, const uint8_t **out);

/*
 * Marks the first n bytes from vl_tls_read_plaintext as consumed; they are
 * wiped in the engine's buffer. VL_ERR_ARG if n is more than is available;
 * VL_ERR_STATE if nothing is.
 */
vl_status vl_tls_plaintext_done(vl_tls *c, size_t n);

/*
 * Starts a clean close: queues a close_notify (send it with the pump). The
 * state becomes VL_TLS_CLOSED once the peer's close_notify arrives; a caller
 * that does not wait for it can free the connection after sending.
 */
void vl_tls_close(vl_tls *c);

/*
 * Tells the connection the relay closed (EOF, or the WebSocket stream
 * ended). Before the handshake completed this fails it (closed during the
 * handshake); after it, without the peer's close_notify, it fails it as
 * truncated (the caller decides whether what it received is complete, e.g.
 * by Content-Length). After a clean close it changes nothing.
 */
void vl_tls_transport_closed(vl_tls *c);

/*
 * Why the connection failed, named: "certificate expired (certificate 1 of
 * 2)", "certificate not valid for this host name", "unknown issuer: the
 * chain does not lead to a trusted anchor", "self-signed certificate",
 * "server requires TLS 1.3 ...", "no common cipher suite ...", "server sent
 * alert 42 (bad_certificate)", "connection closed during the TLS
 * handshake"... "" when it has not failed. Never NULL, never secret.
 */
const char *vl_tls_error(const vl_tls *c);

/* The failure as a number: BearSSL's BR_ERR_* code or a VL_TLS_ERR_*; 0 if
 * none. */
int vl_tls_error_code(const vl_tls *c);

/* After the handshake: the negotiated cipher suite (BR_TLS_*), or 0. */
uint16_t vl_tls_cipher_suite(const vl_tls *c);

/* After the handshake: the ALPN protocol the server chose ("http/1.1"), or
 * NULL when it chose none. */
const char *vl_tls_alpn(const vl_tls *c);

/* 1 once a handshake has completed as the resumption of the offered
 * session (the server echoed its session ID), else 0. */
int vl_tls_resumed(const vl_tls *c);

/*
 * Exports the session of a completed handshake into a new *out for the next
 * connection to the same server name. It holds the master secret: keep it in
 * core memory only and free it with vl_tls_session_free (which wipes).
 * VL_ERR_ARG (NULL), VL_ERR_STATE (no completed handshake, a failure other
 * than a bare EOF after it (VL_TLS_ERR_TRUNCATED), or the server
 * gave no session ID: nothing to resume), VL_ERR_NOMEM.
 */
vl_status vl_tls_session_export(const vl_tls *c, vl_tls_session **out);

/* Wipes and frees an exported session. NULL is a no-op. */
void vl_tls_session_free(vl_tls_session *s);
#endif
