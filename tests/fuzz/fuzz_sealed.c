/* libFuzzer target for the sealed provider's response handling: the input is
 * the relay's answer body (raw envelope, base64 text or {"envelope": …}),
 * ingested through the engine for a sealed link. Invariants: no crash, no
 * leak (every allocation of a resolve is returned), and the token is either
 * left literal with a reason or replaced. The recipient key is fixed
 * (DeriveKeyPair of a constant, as fuzz_envelope) so seeds can reach HPKE. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto/hpke.h"
#include "engine.h"
#include "fuzzhelp.h"
#include "mem.h"
#include "reqcodec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char link_def[] =
    "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"https://relay.example/e\",\"reference\":\"x\"}}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t before = vl_mem_in_use();
  vl_vault *v = vl_vault_new(NULL);
  if (!v) abort();
  static const uint8_t ikm[] = "vaultlink fuzz recipient";
  if (vl_hpke_derive_keypair(ikm, sizeof ikm - 1, v->recipient_sk, v->recipient_pk) != VL_OK) abort();
  if (vl_vault_link(v, (const uint8_t *)"s", 1, (const uint8_t *)link_def, sizeof link_def - 1, NULL, 0) != VL_OK)
    abort();
  size_t rl, resp_len;
  uint8_t *req = fz_frame("GET", "https://api.example/{{vault:s}}", NULL, NULL, 0, NULL, 0, &rl);
  uint8_t *resp = fz_frame("", "", NULL, NULL, 0, data, size, &resp_len);
  vl_resolve *r = NULL;
  if (vl_resolve_begin_owned(v, req, rl, 0, 0, &r) != VL_OK) abort();
  vl_job job;
  int jobs = 0;
  while (vl_resolve_next_job(r, &job) == VL_OK) {
    jobs++;
    if (vl_resolve_job_done(r, job.id, 200, resp, resp_len, 0) != VL_OK) abort();
  }
  if (jobs != 1) abort();
  uint8_t *out, *report;
  size_t out_len, report_len;
  if (vl_resolve_render(r, 0, &out, &out_len, &report, &report_len) != VL_OK) abort();
  /* Either the value went in (empty report) or the token stayed with a reason. */
  int literal = 0;
  for (size_t i = 0; i + 11 <= out_len && !literal; i++) literal = memcmp(out + i, "{{vault:s}}", 11) == 0;
  if (literal != (report_len > 2)) abort();
  vl_free(out);
  vl_free(report);
  vl_resolve_free(r);
  vl_free(resp);
  vl_vault_free(v);
  if (vl_mem_in_use() != before) abort();
  return 0;
}
