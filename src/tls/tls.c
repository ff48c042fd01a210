#include "tls/tls.h"

#include <bearssl.h>
#include <string.h>

#include "crypto/random.h"
#include "input_limits.h"
#include "mem.h"
#include "tls/ec_tls.h"
#include "tls/tls_error.h"

/* RFC 5246 §F.1.4 suggests an upper limit of 24 hours on session ID lifetimes. */
#define SESSION_LIFETIME_MS ((uint64_t)24 * 3600 * 1000)

struct vl_tls_session {
  char server_name[VL_MAX_SERVER_NAME_BYTES + 1];
  uint64_t expires_ms;
  br_ssl_session_parameters params; /* holds the master secret */
};

struct vl_tls {
  br_ssl_client_context cc;
  vl_tls_chain_watch x509;
  /* Full size both ways: BearSSL advertises max_fragment_length when the
   * input side is smaller, and many servers ignore it and send 16 KiB records. */
  unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
  char server_name[VL_MAX_SERVER_NAME_BYTES + 1];
  uint64_t now_ms;
  unsigned char offered_id[32];
  size_t offered_len;
  int handshake_done, resumed, closing, closed;
  int code; /* BR_ERR_* or VL_TLS_ERR_*; 0 while not failed */
  char detail[224];
};

/* TLS 1.2, ECDHE only (forward secrecy), AEAD only; the server picks. */
static const uint16_t suites[] = {
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,       BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,       BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const char *alpn[] = {"http/1.1"}; /* BearSSL takes const char **, and never writes */

/* Implementations named explicitly (the core never takes *_get_default()):
 * constant-time AES (ct64: 64-bit arithmetic, which wasm has natively),
 * GHASH and Poly1305 with constant-time multiplies, the m31 EC code (X25519,
 * P-256, P-384, P-521; also what the core's own X25519 uses) with a
 * variable-time P-256 muladd for ECDSA verification only (vl_ec_tls,
 * src/tls/ec_tls.c), and i31 RSA. */
static void configure(vl_tls *c, const br_x509_trust_anchor *tas, size_t n) {
  br_ssl_engine_context *eng = &c->cc.eng;
  br_x509_minimal_context *xc = &c->x509.minimal;
  br_ssl_client_zero(&c->cc);
  br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
  br_ssl_engine_set_suites(eng, suites, sizeof suites / sizeof suites[0]);

  br_x509_minimal_init(xc, &br_sha256_vtable, tas, n);
  br_x509_minimal_set_hash(xc, br_sha1_ID, &br_sha1_vtable); /* older intermediates */
  br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
  br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
  br_x509_minimal_set_hash(xc, br_sha512_ID, &br_sha512_vtable);
  br_x509_minimal_set_rsa(xc, br_rsa_i31_pkcs1_vrfy);
  br_x509_minimal_set_ecdsa(xc, &vl_ec_tls, br_ecdsa_i31_vrfy_asn1);
  vl_tls_chain_watch_init(&c->x509);
  br_ssl_engine_set_x509(eng, &c->x509.vtable);

  br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
  br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
  br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
  br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
  br_ssl_engine_set_rsavrfy(eng, br_rsa_i31_pkcs1_vrfy);
  br_ssl_engine_set_ec(eng, &vl_ec_tls); /* ECDHE, and the server's ECDSA key */
  br_ssl_engine_set_ecdsa(eng, br_ecdsa_i31_vrfy_asn1);
  br_ssl_engine_set_gcm(eng, &br_sslrec_in_gcm_vtable, &br_sslrec_out_gcm_vtable);
  br_ssl_engine_set_aes_ctr(eng, &br_aes_ct64_ctr_vtable);
  br_ssl_engine_set_ghash(eng, br_ghash_ctmul64);
  br_ssl_engine_set_chapol(eng, &br_sslrec_in_chapol_vtable, &br_sslrec_out_chapol_vtable);
  br_ssl_engine_set_chacha20(eng, br_chacha20_ct_run);
  br_ssl_engine_set_poly1305(eng, br_poly1305_ctmul_run);
  br_ssl_engine_set_protocol_names(eng, alpn, 1);
  br_ssl_engine_set_buffer(eng, c->iobuf, sizeof c->iobuf, 1);
}

static void set_failure(vl_tls *c, int code) {
  c->code = vl_tls_describe(code, &c->x509, c->handshake_done, c->server_name, c->detail, sizeof c->detail);
}

/* Brings the cached state up to date with the engine after every call that
 * can move it. */
static void settle(vl_tls *c) {
  if (c->code || c->closed) return;
  br_ssl_engine_context *eng = &c->cc.eng;
  unsigned st = br_ssl_engine_current_state(eng);
  if (st & BR_SSL_CLOSED) {
    int err = br_ssl_engine_last_error(eng);
    if (err == BR_ERR_OK && !c->handshake_done) err = VL_TLS_ERR_CLOSED_IN_HANDSHAKE;
    if (err != BR_ERR_OK)
      set_failure(c, err);
    else
      c->closed = 1;
    return;
  }
  if (!c->handshake_done && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) {
    c->handshake_done = 1;
    /* RFC 5246 §7.4.1.3: the server resumes by echoing the offered session ID. */
    c->resumed = c->offered_len && eng->session.session_id_len == c->offered_len &&
                 memcmp(eng->session.session_id, c->offered_id, c->offered_len) == 0;
  }
}

vl_status vl_tls_new(const vl_anchors *anchors, const char *server_name, const vl_tls_session *session, uint64_t now_ms,
                     vl_tls **out) {
  if (!out) return VL_ERR_ARG;
  *out = NULL;
  size_t n_anchors = 0;
  const br_x509_trust_anchor *tas = vl_anchors_list(anchors, &n_anchors);
  if (!tas || !server_name || !server_name[0]) return VL_ERR_ARG;
  size_t name_len = strlen(server_name);
  if (name_len > VL_MAX_SERVER_NAME_BYTES) return VL_ERR_LIMIT;
  if (session && strcmp(session->server_name, server_name) != 0) return VL_ERR_ARG;
  if (session && now_ms >= session->expires_ms) session = NULL; /* stale: a full handshake */

  vl_tls *c = vl_calloc(sizeof *c);
  if (!c) return VL_ERR_NOMEM;
  memcpy(c->server_name, server_name, name_len + 1);
  c->now_ms = now_ms;
  configure(c, tas, n_anchors);
  /* BearSSL counts days from 1 January 0 AD; 719528 of them precede 1970. */
  uint64_t unix_s = now_ms / 1000;
  c->x509.days = (uint32_t)(unix_s / 86400 + 719528);
  c->x509.seconds = (uint32_t)(unix_s % 86400);
  br_x509_minimal_set_time(&c->x509.minimal, c->x509.days, c->x509.seconds);

  uint8_t seed[32];
  if (vl_random(seed, sizeof seed) != VL_OK) {
    vl_free(c);
    return VL_ERR_CRYPTO;
  }
  br_ssl_engine_inject_entropy(&c->cc.eng, seed, sizeof seed);
  vl_wipe(seed, sizeof seed);

  if (session && session->params.session_id_len) {
    br_ssl_engine_set_session_parameters(&c->cc.eng, &session->params);
    c->offered_len = session->params.session_id_len;
    memcpy(c->offered_id, session->params.session_id, c->offered_len);
  }
  if (!br_ssl_client_reset(&c->cc, c->server_name, c->offered_len != 0)) {
    vl_free(c);
    return VL_ERR_CRYPTO;
  }
  settle(c);
  *out = c;
  return VL_OK;
}

void vl_tls_free(vl_tls *c) {
  vl_free(c); /* vl_free wipes the whole block: keys, buffers, plaintext */
}

vl_tls_state vl_tls_state_get(const vl_tls *c) {
  if (!c || c->code) return VL_TLS_FAILED;
  if (c->closed) return VL_TLS_CLOSED;
  return c->handshake_done ? VL_TLS_READY : VL_TLS_HANDSHAKING;
}

static int live(const vl_tls *c) {
  return c && !c->code && !c->closed;
}

size_t vl_tls_feed_ciphertext(vl_tls *c, const uint8_t *bytes, size_t len) {
  size_t done = 0;
  if (!bytes) return 0;
  while (live(c) && done < len) {
    size_t room;
    unsigned char *buf = br_ssl_engine_recvrec_buf(&c->cc.eng, &room);
    if (!buf) break;
    size_t n = len - done < room ? len - done : room;
    memcpy(buf, bytes + done, n);
    br_ssl_engine_recvrec_ack(&c->cc.eng, n);
    done += n;
    settle(c);
  }
  return done;
}

size_t vl_tls_pending_ciphertext(vl_tls *c, const uint8_t **out) {
  size_t len = 0;
  const unsigned char *buf = c && !c->code ? br_ssl_engine_sendrec_buf(&c->cc.eng, &len) : NULL;
  if (out) *out = buf;
  return buf ? len : 0;
}

vl_status vl_tls_ciphertext_sent(vl_tls *c, size_t n) {
  if (!c) return VL_ERR_ARG;
  size_t len = 0;
  if (c->code || !br_ssl_engine_sendrec_buf(&c->cc.eng, &len)) return VL_ERR_STATE;
  if (n > len) return VL_ERR_ARG;
  if (n) br_ssl_engine_sendrec_ack(&c->cc.eng, n);
  settle(c);
  return VL_OK;
}

size_t vl_tls_write_plaintext(vl_tls *c, const uint8_t *bytes, size_t len) {
  size_t done = 0;
  if (!bytes || !c || c->closing) return 0;
  while (live(c) && c->handshake_done && done < len) {
    size_t room;
    unsigned char *buf = br_ssl_engine_sendapp_buf(&c->cc.eng, &room);
    if (!buf) break;
    size_t n = len - done < room ? len - done : room;
    memcpy(buf, bytes + done, n);
    br_ssl_engine_sendapp_ack(&c->cc.eng, n);
    done += n;
    settle(c);
  }
  return done;
}

void vl_tls_flush(vl_tls *c) {
  if (!live(c)) return;
  br_ssl_engine_flush(&c->cc.eng, 0);
  settle(c);
}

size_t vl_tls_read_plaintext(vl_tls *c, const uint8_t **out) {
  size_t len = 0;
  const unsigned char *buf = c && !c->code ? br_ssl_engine_recvapp_buf(&c->cc.eng, &len) : NULL;
  if (out) *out = buf;
  return buf ? len : 0;
}

vl_status vl_tls_plaintext_done(vl_tls *c, size_t n) {
  if (!c) return VL_ERR_ARG;
  size_t len = 0;
  unsigned char *buf = c->code ? NULL : br_ssl_engine_recvapp_buf(&c->cc.eng, &len);
  if (!buf) return VL_ERR_STATE;
  if (n > len) return VL_ERR_ARG;
  vl_wipe(buf, n); /* the caller has its copy; none stays in the record buffer */
  if (n) br_ssl_engine_recvapp_ack(&c->cc.eng, n);
  settle(c);
  return VL_OK;
}

void vl_tls_close(vl_tls *c) {
  if (!live(c)) return;
  c->closing = 1;
  br_ssl_engine_close(&c->cc.eng);
  settle(c);
}

void vl_tls_transport_closed(vl_tls *c) {
  if (!live(c)) return;
  if (!c->handshake_done)
    set_failure(c, VL_TLS_ERR_CLOSED_IN_HANDSHAKE);
  else if (c->closing)
    c->closed = 1; /* we asked to close; the peer's reply is moot */
  else
    set_failure(c, VL_TLS_ERR_TRUNCATED);
}

const char *vl_tls_error(const vl_tls *c) {
  if (!c) return "no connection";
  return c->code ? c->detail : "";
}

int vl_tls_error_code(const vl_tls *c) {
  return c ? c->code : 0;
}

uint16_t vl_tls_cipher_suite(const vl_tls *c) {
  return c && c->handshake_done ? c->cc.eng.session.cipher_suite : 0;
}

const char *vl_tls_alpn(const vl_tls *c) {
  if (!c || !c->handshake_done) return NULL;
  unsigned k = c->cc.eng.selected_protocol; /* br_ssl_engine_get_selected_protocol, without its non-const pointer */
  return k == 0 || k == 0xFFFF ? NULL : alpn[k - 1];
}

int vl_tls_resumed(const vl_tls *c) {
  return c ? c->resumed : 0;
}

vl_status vl_tls_session_export(const vl_tls *c, vl_tls_session **out) {
  if (!c || !out) return VL_ERR_ARG;
  *out = NULL;
  /* Not after a fatal alert (RFC 5246 §7.2.2); a bare EOF after the handshake is no reason to forget it. */
  if (!c->handshake_done || (c->code && c->code != VL_TLS_ERR_TRUNCATED) || !c->cc.eng.session.session_id_len)
    return VL_ERR_STATE;
  vl_tls_session *s = vl_calloc(sizeof *s);
  if (!s) return VL_ERR_NOMEM;
  memcpy(s->server_name, c->server_name, sizeof s->server_name);
  s->expires_ms = c->now_ms + SESSION_LIFETIME_MS;
  br_ssl_engine_get_session_parameters(&c->cc.eng, &s->params);
  *out = s;
  return VL_OK;
}

void vl_tls_session_free(vl_tls_session *s) {
  vl_free(s);
}
