/*
 * Trust anchors for the TLS client, loaded at runtime: the app's own CAs or
 * the default set (web/dist/roots.der, made by scripts/roots). Each anchor is
 * an owned copy of what BearSSL's X.509 engine needs from a CA certificate:
 * the subject DN, the public key (RSA n/e or EC curve and point) and the CA
 * flag (BR_X509_TA_CA when Basic Constraints says CA, as BearSSL's
 * tools/certs.c sets it). Nothing here is secret.
 *
 *   vl_anchors *a;
 *   vl_anchors_new(&a);
 *   vl_anchors_add(a, pem_or_der, len, err, sizeof err);   // any number of times
 *   vl_tls_new(a, "example.com", NULL, now_ms, &conn);     // a outlives conn
 *   vl_anchors_free(a);
 */
#ifndef VL_TLS_ANCHORS_H
#define VL_TLS_ANCHORS_H
#include <bearssl_x509.h>
#include <stddef.h>
#include <stdint.h>

#include "vaultlink.h"

typedef struct vl_anchors vl_anchors;

/*
 * Creates an empty anchor set in *out. Returns VL_OK, VL_ERR_ARG (out NULL)
 * or VL_ERR_NOMEM (then *out is NULL).
 */
vl_status vl_anchors_new(vl_anchors **out);

/*
 * Adds every certificate in data[0..len) to the set. The input is either
 * PEM text (one or more "-----BEGIN CERTIFICATE-----" or "X509 CERTIFICATE"
 * blocks; text between blocks is ignored) or DER (one certificate, or
 * certificates back to back). DER is recognised by its first byte (0x30, a
 * SEQUENCE); anything else is read as PEM. A certificate whose anchor the set
 * already has (the same subject, key and CA flag: a bundle listing a root
 * twice, or a root given again) is skipped: it takes no position and counts
 * toward no limit.
 *
 * All or nothing: on failure the set is as it was before the call. Failures:
 * VL_ERR_ARG (a or data NULL), VL_ERR_LIMIT (len over
 * VL_MAX_ANCHORS_INPUT_BYTES, or the set would exceed VL_MAX_ANCHORS),
 * VL_ERR_FORMAT (no certificate found, bad PEM, a PEM object that is not a
 * certificate, a DER element that does not decode as a certificate),
 * VL_ERR_UNSUPPORTED (a key that is neither RSA nor EC), VL_ERR_NOMEM.
 * err (may be NULL, errlen 0) gets a message naming the anchor by its
 * 1-based position in the set and the input byte where its encoding
 * starts: "trust anchor 3: not a certificate (byte 120)".
 */
vl_status vl_anchors_add(vl_anchors *a, const uint8_t *data, size_t len, char *err, size_t errlen);

/* Number of anchors in the set (0 for NULL). */
size_t vl_anchors_count(const vl_anchors *a);

/* The anchors as BearSSL's X.509 engine takes them, valid until the next
 * vl_anchors_add or vl_anchors_free; *n gets the count. NULL when empty. */
const br_x509_trust_anchor *vl_anchors_list(const vl_anchors *a, size_t *n);

/* Frees the set and every copy it owns. NULL is a no-op. */
void vl_anchors_free(vl_anchors *a);
#endif
