/* libFuzzer: GCP Secret Manager. The first byte picks the target:
 *   0  a secret version name as a link shorthand (the name grammar);
 *   1+ a resolve whose provider answer comes from the input: a status index
 *      byte, then the body (payload.data base64, dataCrc32c, error shapes).
 * Invariants: no crash, no leak; a failed link has a message; the token never
 * appears in the rendered request or the report unless the answer echoed it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzzhelp.h"
#include "mem.h"
#include "reqcodec.h"
#include "vaultlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char TOKEN[] = "ya29.fuzz-token-91f2";

static void link_case(const uint8_t *data, size_t size) {
  vl_vault *v = vl_vault_new(NULL);
  vl_buf def;
  vl_buf_init(&def, 0);
  vl_buf_put_str(&def, "{\"source\":");
  vl_buf_put_json_str(&def, data, size);
  vl_buf_put_str(&def, "}");
  if (!def.failed && vl_vault_link(v, (const uint8_t *)"s", 1, def.p, def.len, NULL, 0) != VL_OK &&
      !vl_vault_last_error(v)[0])
    abort();
  vl_buf_free(&def);
  vl_vault_free(v);
}

static void resolve_case(const uint8_t *data, size_t size) {
  static const char link[] =
      "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"projects/p/secrets/s/versions/latest\"}}}";
  static const char link_key[] =
      "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"projects/p/secrets/s/versions/latest\",\"key\":\"a.b\"}}}";
  vl_vault *v = vl_vault_new(NULL);
  const char *l = data[0] & 1 ? link_key : link;
  vl_vault_link(v, (const uint8_t *)"s", 1, (const uint8_t *)l, strlen(l), NULL, 0);
  char creds[96];
  snprintf(creds, sizeof creds, "{\"accessToken\":\"%s\"}", TOKEN);
  vl_vault_connect(v, "gcp", (const uint8_t *)creds, strlen(creds), 1700000000000ull);
  size_t len;
  uint8_t *req = fz_frame("GET", "https://api.test/{{vault:s}}", NULL, NULL, 0, NULL, 0, &len);
  vl_resolve *r = NULL;
  if (vl_resolve_begin(v, req, len, 0, 1700000000000ull, &r) != VL_OK) abort();
  vl_free(req);
  vl_job job;
  if (vl_resolve_next_job(r, &job) == VL_OK) {
    static const uint32_t statuses[] = {200, 200, 200, 401, 403, 404, 429, 400, 500, 0};
    uint32_t status = size > 1 ? statuses[data[1] % 10] : 200;
    size_t rl;
    uint8_t *resp =
        fz_frame("", "", NULL, NULL, 0, size > 2 ? data + 2 : (const uint8_t *)"", size > 2 ? size - 2 : 0, &rl);
    vl_resolve_job_done(r, job.id, status, resp, rl, 1700000000000ull);
    vl_free(resp);
  }
  fz_render_without(r, data, size, TOKEN);
  vl_vault_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 8192) return 0;
  if (data[0] == 0)
    link_case(data + 1, size - 1);
  else
    resolve_case(data, size);
  return 0;
}
