/* libFuzzer target for the sealed-envelope parser and opener. The recipient
 * key is fixed (DeriveKeyPair of a constant), so seeds sealed to its public key
 * (tests/fuzz/corpus/fuzz_envelope/) reach the HPKE path; the fuzzer opens
 * with the reference the input claims, so mutations get past the reference
 * check. Invariants: no crash or leak, a NUL-terminated message on failure,
 * no output on failure, and a successful open has consistent lengths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hpke.h"
#include "envelope.h"
#include "mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t sk[32], pk[32];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    static const uint8_t ikm[] = "vaultlink fuzz recipient";
    if (vl_hpke_derive_keypair(ikm, sizeof ikm - 1, sk, pk) != VL_OK) abort();
    ready = 1;
  }
  vl_envelope_header h;
  char err[256];
  const uint8_t *ref = (const uint8_t *)"x";
  size_t ref_len = 1;
  if (vl_envelope_parse(data, size, &h, err, sizeof err) == VL_OK) {
    if (h.header_len + h.ct_len != size || h.ct_len < 16 || h.ref_len == 0) abort();
    ref = h.ref;
    ref_len = h.ref_len;
  }
  size_t before = vl_mem_in_use();
  uint8_t *plain = (uint8_t *)data; /* must be overwritten with NULL on failure */
  size_t plain_len = 12345;
  uint64_t exp = 0;
  err[0] = 'Z';
  vl_status st = vl_envelope_open(data, size, sk, pk, ref, ref_len, 0, &plain, &plain_len, &exp, err, sizeof err);
  if (st == VL_OK) {
    if (!plain || plain_len + 16 + h.header_len != size || exp != h.expires_ms) abort();
    vl_free(plain);
  } else {
    if (plain != NULL || plain_len != 0 || memchr(err, 0, sizeof err) == NULL || err[0] == 0) abort();
  }
  if (vl_mem_in_use() != before) abort();
  return 0;
}
