/* libFuzzer: the AWS grammars and response parsers through the engine.
 * data[0] picks the target: ARN/source parsing, a GetSecretValue JSON answer,
 * or an STS (awsQuery XML) answer followed by a GetSecretValue answer. Any
 * input either resolves or leaves the token literal with a reason; nothing
 * crashes, leaks or half-renders. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzzhelp.h"
#include "mem.h"
#include "reqcodec.h"
#include "vaultlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARN "arn:aws:secretsmanager:us-east-1:123456789012:secret:fz-AbCdEf"
static const char CREDS[] = "{\"accessKeyId\":\"AKIDFUZZ\",\"secretAccessKey\":\"fuzz-secret\"}";

static void run(vl_vault *v, const uint8_t *body, size_t len, uint32_t status) {
  static const char url[] = "https://h.test/{{vault:x}}";
  vl_buf req;
  vl_buf_init(&req, 0);
  vl_buf_put(&req, "VLR1", 4);
  vl_wire_put_field(&req, (const uint8_t *)"GET", 3);
  vl_wire_put_field(&req, (const uint8_t *)url, sizeof url - 1);
  vl_buf_put_u32(&req, 0);
  vl_buf_put_u32(&req, 0);
  vl_buf_put_u32(&req, 0);
  vl_resolve *r = NULL;
  if (vl_resolve_begin(v, req.p, req.len, 0, 1700000000000ull, &r) == VL_OK) {
    vl_job job;
    int answered = 0;
    while (vl_resolve_next_job(r, &job) == VL_OK && answered < 4) {
      size_t rl;
      uint8_t *resp =
          fz_frame("", "", "Content-Type", (const uint8_t *)"application/x-amz-json-1.1", 26, body, len, &rl);
      vl_resolve_job_done(r, job.id, status, resp, rl, 1700000000000ull);
      vl_free(resp);
      answered++;
    }
    uint8_t *out = NULL, *rep = NULL;
    size_t ol, rl;
    if (vl_resolve_render(r, 1700000000000ull, &out, &ol, &rep, &rl) == VL_OK) {
      vl_request dec;
      char err[128];
      if (vl_request_decode(out, ol, &dec, err, sizeof err) != VL_OK) abort();
      vl_request_clear(&dec);
    }
    vl_free(out);
    vl_free(rep);
    vl_resolve_free(r);
  }
  vl_buf_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  vl_vault *v = vl_vault_new(NULL);
  uint8_t mode = data[0] % 3;
  uint32_t status = data[1] % 2 ? 200 : 400;
  data += 2;
  size -= 2;
  if (mode == 0) {
    /* The input is a link definition (JSON): ARN grammar, versions, keys, roles. */
    vl_status st = vl_vault_link(v, (const uint8_t *)"x", 1, data, size, NULL, 0);
    if (st != VL_OK && vl_vault_last_error(v)[0] == 0) abort(); /* every refusal says why */
  } else {
    const char *def = mode == 1 ? "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" ARN
                                  "\",\"format\":\"json\",\"key\":\"a.b\"}}}"
                                : "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" ARN
                                  "\",\"roleArn\":\"arn:aws:iam::123456789012:role/r\"}}}";
    vl_vault_link(v, (const uint8_t *)"x", 1, (const uint8_t *)def, strlen(def), NULL, 0);
    vl_vault_connect(v, "aws", (const uint8_t *)CREDS, sizeof CREDS - 1, 1700000000000ull);
    run(v, data, size, status);
  }
  vl_vault_free(v);
  return 0;
}
