/*
 * Internal to src/tls: a thin X.509 class around BearSSL's minimal engine
 * that remembers what the engine's error codes cannot say (which certificate
 * was outside its validity and on which side, whether an untrusted leaf was
 * self-signed), and the mapping from BearSSL's codes to named messages.
 */
#ifndef VL_TLS_ERROR_H
#define VL_TLS_ERROR_H
#include <bearssl_x509.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  const br_x509_class *vtable; /* first: BearSSL calls through &vtable */
  br_x509_minimal_context minimal;
  br_x509_decoder_context dec; /* reads each certificate's dates alongside */
  uint32_t days, seconds;      /* the validation time, as minimal has it */
  unsigned certs;              /* certificates seen in the chain */
  unsigned bad_time_cert;      /* 1-based index of the first one outside its validity; 0: none */
  int not_yet_valid;           /* for that one: notBefore is after now (else notAfter is before) */
  int self_signed;             /* one certificate, untrusted, its issuer is its subject */
} vl_tls_chain_watch;

/* Sets the watch's vtable; the minimal context is initialised by the caller. */
void vl_tls_chain_watch_init(vl_tls_chain_watch *w);

/*
 * Writes a message naming BearSSL error code (BR_ERR_*, alerts included) or
 * VL_TLS_ERR_* into out, using what the watch saw; returns the code to
 * report, refined (VL_TLS_ERR_NOT_YET_VALID, VL_TLS_ERR_SELF_SIGNED) where
 * the watch knows better. handshake_done tells a handshake_failure alert
 * from a later one. server_name appears in host-name messages.
 */
int vl_tls_describe(int code, const vl_tls_chain_watch *w, int handshake_done, const char *server_name, char *out,
                    size_t outlen);
#endif
