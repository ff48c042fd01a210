#include "tls/tls_error.h"

#include <bearssl_ssl.h>
#include <string.h>

#include "fmt.h"
#include "tls/tls.h"

/* ---------------------------------------------------------- the chain watch */

static vl_tls_chain_watch *watch_of(const br_x509_class **ctx) {
  return (vl_tls_chain_watch *)(void *)ctx;
}

static void watch_start_chain(const br_x509_class **ctx, const char *server_name) {
  vl_tls_chain_watch *w = watch_of(ctx);
  w->certs = 0;
  w->bad_time_cert = 0;
  w->not_yet_valid = 0;
  w->self_signed = 0;
  br_x509_minimal_vtable.start_chain(&w->minimal.vtable, server_name);
}

static void watch_start_cert(const br_x509_class **ctx, uint32_t length) {
  vl_tls_chain_watch *w = watch_of(ctx);
  w->certs++;
  br_x509_decoder_init(&w->dec, NULL, NULL);
  br_x509_minimal_vtable.start_cert(&w->minimal.vtable, length);
}

static void watch_append(const br_x509_class **ctx, const unsigned char *buf, size_t len) {
  vl_tls_chain_watch *w = watch_of(ctx);
  br_x509_decoder_push(&w->dec, buf, len);
  br_x509_minimal_vtable.append(&w->minimal.vtable, buf, len);
}

/* -1, 0, 1 as (d1, s1) is before, at, after (d2, s2). */
static int cmp_time(uint32_t d1, uint32_t s1, uint32_t d2, uint32_t s2) {
  if (d1 != d2) return d1 < d2 ? -1 : 1;
  return s1 < s2 ? -1 : s1 > s2;
}

static void watch_end_cert(const br_x509_class **ctx) {
  vl_tls_chain_watch *w = watch_of(ctx);
  br_x509_minimal_vtable.end_cert(&w->minimal.vtable);
  const br_x509_decoder_context *d = &w->dec;
  if (w->bad_time_cert || !d->decoded || d->err) return;
  /* The same comparisons as x509_minimal.t0: notBefore after now, or notAfter before it. */
  if (cmp_time(d->notbefore_days, d->notbefore_seconds, w->days, w->seconds) > 0) {
    w->bad_time_cert = w->certs;
    w->not_yet_valid = 1;
  } else if (cmp_time(d->notafter_days, d->notafter_seconds, w->days, w->seconds) < 0) {
    w->bad_time_cert = w->certs;
  }
}

static unsigned watch_end_chain(const br_x509_class **ctx) {
  vl_tls_chain_watch *w = watch_of(ctx);
  unsigned err = br_x509_minimal_vtable.end_chain(&w->minimal.vtable);
  /* With one certificate, minimal leaves its subject's hash in current_dn_hash
   * and its issuer's in saved_dn_hash (both SHA-256, the DN hash it was given). */
  if (err == BR_ERR_X509_NOT_TRUSTED && w->certs == 1 &&
      memcmp(w->minimal.current_dn_hash, w->minimal.saved_dn_hash, 32) == 0)
    w->self_signed = 1;
  return err;
}

static const br_x509_pkey *watch_get_pkey(const br_x509_class *const *ctx, unsigned *usages) {
  const vl_tls_chain_watch *w = (const vl_tls_chain_watch *)(const void *)ctx;
  return br_x509_minimal_vtable.get_pkey(&w->minimal.vtable, usages);
}

static const br_x509_class watch_vtable = {
    sizeof(vl_tls_chain_watch),
    watch_start_chain,
    watch_start_cert,
    watch_append,
    watch_end_cert,
    watch_end_chain,
    watch_get_pkey,
};

void vl_tls_chain_watch_init(vl_tls_chain_watch *w) {
  w->vtable = &watch_vtable;
}

/* ---------------------------------------------------------- naming errors */

static const char *alert_name(unsigned a) {
  switch (a) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown alert";
  }
}

static const struct {
  int code;
  const char *text;
} fixed[] = {
    {BR_ERR_UNSUPPORTED_VERSION,
     "protocol version: the server answered with a version other than TLS 1.2 (or is not speaking TLS)"},
    {BR_ERR_BAD_VERSION, "protocol version: the server's records carry a version other than TLS 1.2"},
    {BR_ERR_BAD_CIPHER_SUITE, "no common cipher suite: the server chose one this client did not offer"},
    {BR_ERR_BAD_MAC, "record authentication failed (bad MAC): data altered in transit"},
    {BR_ERR_NO_RANDOM, "no entropy for TLS"},
    {BR_ERR_BAD_LENGTH, "the server's records are malformed (is it speaking TLS?)"},
    {BR_ERR_TOO_LARGE, "the server sent a record larger than TLS allows"},
    {BR_ERR_UNKNOWN_TYPE, "the server sent a record of unknown type (is it speaking TLS?)"},
    {BR_ERR_UNEXPECTED, "the server sent an unexpected handshake message"},
    {BR_ERR_BAD_HANDSHAKE, "the server sent a malformed handshake message"},
    {BR_ERR_BAD_SIGNATURE, "the server's key exchange signature does not verify"},
    {BR_ERR_WRONG_KEY_USAGE, "the server's certificate key does not allow this key exchange"},
    {BR_ERR_BAD_FINISHED, "the handshake's Finished message does not verify"},
    {BR_ERR_RESUME_MISMATCH, "the server resumed the session with different parameters"},
    {BR_ERR_INVALID_ALGORITHM, "the server used a signature algorithm this client did not offer"},
    {BR_ERR_LIMIT_EXCEEDED, "the server's handshake exceeds this client's limits"},
    {BR_ERR_BAD_SECRENEG, "the server's secure renegotiation extension is wrong"},
    {BR_ERR_EXTRA_EXTENSION, "the server sent an extension this client did not ask for"},
    {BR_ERR_X509_EMPTY_CHAIN, "the server sent no certificate"},
    {BR_ERR_X509_NOT_CA, "an intermediate certificate is not a CA"},
    {BR_ERR_X509_BAD_SIGNATURE, "a certificate's signature does not verify"},
    {BR_ERR_X509_DN_MISMATCH, "the certificate chain is out of order (an issuer and subject do not match)"},
    {BR_ERR_X509_CRITICAL_EXTENSION, "a certificate has an unsupported critical extension"},
    {BR_ERR_X509_FORBIDDEN_KEY_USAGE, "the certificate's key usage forbids TLS server use"},
    {BR_ERR_X509_WEAK_PUBLIC_KEY, "a certificate's public key is too small"},
    {BR_ERR_X509_WRONG_KEY_TYPE, "a certificate's key type does not match its use"},
    {BR_ERR_X509_TIME_UNKNOWN, "no time to check certificates against"},
    {BR_ERR_X509_NOT_TRUSTED,
     "unknown issuer (not trusted): the certificate chain does not lead to a trust anchor (an unknown CA, or a "
     "missing intermediate)"},
    {VL_TLS_ERR_SELF_SIGNED,
     "self-signed certificate: the server's certificate is its own issuer and not a trust "
     "anchor"},
    {VL_TLS_ERR_CLOSED_IN_HANDSHAKE, "unexpected close: the connection closed during the TLS handshake"},
    {VL_TLS_ERR_TRUNCATED, "unexpected close: the connection closed without close_notify (data may be truncated)"},
};

int vl_tls_describe(int code, const vl_tls_chain_watch *w, int handshake_done, const char *server_name, char *out,
                    size_t outlen) {
  if (code == BR_ERR_X509_NOT_TRUSTED && w->self_signed) code = VL_TLS_ERR_SELF_SIGNED;
  if (code == BR_ERR_X509_EXPIRED && w->bad_time_cert && w->not_yet_valid) code = VL_TLS_ERR_NOT_YET_VALID;
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    if (fixed[i].code == code) {
      vl_snprintf(out, outlen, "%s", fixed[i].text);
      return code;
    }
  }
  const char *pos = "";
  char where[48] = "";
  if (w->bad_time_cert) {
    pos = w->bad_time_cert == 1 ? "the server's certificate" : "an intermediate certificate";
    vl_snprintf(where, sizeof where, " (certificate %u of %u sent)", w->bad_time_cert, w->certs);
  }
  if (code == VL_TLS_ERR_NOT_YET_VALID) {
    vl_snprintf(out, outlen, "certificate not yet valid: %s starts after the current time%s", pos, where);
  } else if (code == BR_ERR_X509_EXPIRED) {
    if (w->bad_time_cert)
      vl_snprintf(out, outlen, "certificate expired: %s ended before the current time%s", pos, where);
    else
      vl_snprintf(out, outlen, "certificate expired or not yet valid");
  } else if (code == BR_ERR_X509_BAD_SERVER_NAME) {
    vl_snprintf(out, outlen, "certificate not valid for this host name (%s)", server_name);
  } else if (code >= BR_ERR_RECV_FATAL_ALERT && code < BR_ERR_RECV_FATAL_ALERT + 256) {
    unsigned a = (unsigned)(code - BR_ERR_RECV_FATAL_ALERT);
    if (a == 70 && !handshake_done)
      vl_snprintf(out, outlen, "server requires TLS 1.3 (or another version): it refused TLS 1.2 with alert 70 (%s)",
                  alert_name(a));
    else if ((a == 40 || a == 71) && !handshake_done)
      vl_snprintf(out, outlen, "no common cipher suite (or other handshake parameters): server sent alert %u (%s)", a,
                  alert_name(a));
    else if (a == 112)
      vl_snprintf(out, outlen, "server does not know this host name (%s): it sent alert 112 (%s)", server_name,
                  alert_name(a));
    else
      vl_snprintf(out, outlen, "server sent alert %u (%s)", a, alert_name(a));
  } else if (code >= BR_ERR_SEND_FATAL_ALERT && code < BR_ERR_SEND_FATAL_ALERT + 256) {
    unsigned a = (unsigned)(code - BR_ERR_SEND_FATAL_ALERT);
    vl_snprintf(out, outlen, "this client aborted with alert %u (%s)", a, alert_name(a));
  } else if (code >= BR_ERR_X509_OK && code <= BR_ERR_X509_NOT_TRUSTED) {
    vl_snprintf(out, outlen, "a certificate could not be decoded (BearSSL X.509 error %d)", code);
  } else {
    vl_snprintf(out, outlen, "TLS error (BearSSL error %d)", code);
  }
  return code;
}
