/* libFuzzer target for the trust-anchor loader (PEM and DER, src/tls/anchors.c).
 * Seeds: throwaway test roots and a leaf (tests/fuzz/corpus/fuzz_anchors/).
 * Invariants: no crash or leak; all or nothing (a failure leaves the set as
 * it was, with a NUL-terminated message naming what failed); the same input
 * again adds no anchor (duplicates are one); every anchor holds an RSA or EC
 * key whose bytes lie inside its own block. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input_limits.h"
#include "mem.h"
#include "tls/anchors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_anchor(const br_x509_trust_anchor *ta) {
  if (ta->flags & ~(unsigned)BR_X509_TA_CA) abort();
  if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
    if (!ta->pkey.key.rsa.nlen || !ta->pkey.key.rsa.elen) abort();
    volatile unsigned char x = ta->pkey.key.rsa.n[ta->pkey.key.rsa.nlen - 1] ^ ta->pkey.key.rsa.e[0];
    (void)x;
  } else if (ta->pkey.key_type == BR_KEYTYPE_EC) {
    if (!ta->pkey.key.ec.qlen) abort();
    volatile unsigned char x = ta->pkey.key.ec.q[ta->pkey.key.ec.qlen - 1];
    (void)x;
  } else {
    abort();
  }
  if (ta->dn.len) {
    volatile unsigned char x = ta->dn.data[ta->dn.len - 1];
    (void)x;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t before = vl_mem_in_use();
  vl_anchors *a = NULL;
  if (vl_anchors_new(&a) != VL_OK) abort();
  char err[256];
  /* Twice: the second add starts from a non-empty set (indexes, growth), and
   * holds only certificates the set already has: it adds nothing. */
  for (int round = 0; round < 2; round++) {
    size_t n0 = vl_anchors_count(a);
    memset(err, 'Z', sizeof err);
    vl_status st = vl_anchors_add(a, data, size, err, sizeof err);
    if (!memchr(err, 0, sizeof err)) abort();
    if (st == VL_OK) {
      if (round == 0 ? vl_anchors_count(a) <= n0 : vl_anchors_count(a) != n0) abort();
      if (vl_anchors_count(a) > VL_MAX_ANCHORS) abort();
    } else {
      if (vl_anchors_count(a) != n0 || err[0] == 0) abort();
      if (st != VL_ERR_FORMAT && st != VL_ERR_UNSUPPORTED && st != VL_ERR_LIMIT) abort();
    }
  }
  size_t n;
  const br_x509_trust_anchor *tas = vl_anchors_list(a, &n);
  for (size_t i = 0; i < n; i++) check_anchor(&tas[i]);
  vl_anchors_free(a);
  if (vl_mem_in_use() != before) abort();
  return 0;
}
