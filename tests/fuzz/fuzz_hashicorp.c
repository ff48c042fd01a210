/* libFuzzer: the HashiCorp Vault provider. The first byte picks what is fuzzed:
 *   even: the link source parser. The rest is the "hashicorp" member (JSON) or,
 *         with bit 1 set, a shorthand string. A link is accepted or refused
 *         with a message.
 *   odd:  response parsing. Bits 1-2 pick the credentials (token with/without
 *         expiresAt, AppRole, userpass), bits 3-4 the link's "kv" (detect, 1,
 *         2). The rest is up to 5 responses separated by NUL bytes, each
 *         "<2-byte big-endian status><body>", answering the jobs in turn.
 * Checks: no crash, the report is JSON, and every byte allocated is freed. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "providers/provider.h"
#include "vaultlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1700000000000ull

static void fuzz_link(const uint8_t *p, size_t n, int shorthand) {
  vl_buf def;
  vl_buf_init(&def, 0);
  if (shorthand) {
    vl_buf_put_str(&def, "{\"source\":\"hashicorp:");
    vl_buf_put_json_str(&def, p, n);
    vl_buf_put_str(&def, "\"}");
  } else {
    vl_buf_put_str(&def, "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":");
    vl_buf_put(&def, p, n);
    vl_buf_put_str(&def, "}}");
  }
  vl_vault *v = vl_vault_new(NULL);
  vl_status st = vl_vault_link(v, (const uint8_t *)"x", 1, def.p, def.len, NULL, 0);
  if (st != VL_OK && vl_vault_last_error(v)[0] == 0) abort();
  vl_vault_free(v);
  vl_buf_free(&def);
}

static void fuzz_responses(uint8_t flags, const uint8_t *p, size_t n) {
  static const char *const creds[] = {
      "{\"address\":\"https://vault.test\",\"token\":\"t\",\"expiresAt\":1800000000000}",
      "{\"address\":\"https://vault.test\",\"token\":\"t\",\"namespace\":\"ns1\"}",
      "{\"address\":\"https://vault.test\",\"approle\":{\"roleId\":\"r\",\"secretId\":\"s\"}}",
      "{\"address\":\"https://vault.test\",\"userpass\":{\"username\":\"u\",\"password\":\"p\"},"
      "\"namespaceMode\":\"header\",\"namespace\":\"n\"}",
  };
  static const char *const links[] = {
      "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":{\"engine\":\"secret\",\"path\":\"a\",\"key\":\"k.x\"}}}",
      "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":{\"engine\":\"secret\",\"path\":\"a\",\"kv\":1}}}",
      "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":{\"engine\":\"secret\",\"path\":\"a\",\"key\":\"k\","
      "\"version\":2,\"kv\":2}}}",
      "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":{\"engine\":\"secret\",\"path\":\"a\",\"version\":2}}}",
  };
  size_t before = vl_mem_in_use();
  vl_vault *v = vl_vault_new(NULL);
  const char *l = links[(flags >> 3) & 3], *c = creds[(flags >> 1) & 3];
  if (vl_vault_link(v, (const uint8_t *)"x", 1, (const uint8_t *)l, strlen(l), NULL, 0) != VL_OK) abort();
  if (vl_vault_connect(v, "hashicorp", (const uint8_t *)c, strlen(c), T0) != VL_OK) abort();
  vl_buf req;
  vl_buf_init(&req, 0);
  vl_job_begin(&req, "GET", "https://h.com/?k={{vault:x}}", 0);
  vl_job_finish(&req, NULL, 0);
  vl_resolve *r = NULL;
  if (vl_resolve_begin(v, req.p, req.len, 0, T0, &r) != VL_OK) abort();
  vl_buf_free(&req);
  vl_job job;
  const uint8_t *end = p + n;
  for (int i = 0; i < 5 && vl_resolve_next_job(r, &job) == VL_OK && p < end; i++) {
    const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
    const uint8_t *stop = nul ? nul : end;
    uint32_t status = stop - p >= 2 ? (uint32_t)(p[0] << 8 | p[1]) % 600 : 200;
    const uint8_t *body = stop - p >= 2 ? p + 2 : stop;
    vl_buf resp;
    vl_buf_init(&resp, 0);
    vl_job_begin(&resp, "", "", 1);
    vl_job_header_str(&resp, "Retry-After", "3");
    vl_job_finish(&resp, body, (size_t)(stop - body));
    vl_resolve_job_done(r, job.id, status, resp.p, resp.len, T0 + 1);
    vl_buf_free(&resp);
    p = nul ? nul + 1 : end;
  }
  uint8_t *out = NULL, *rep = NULL;
  size_t olen, rlen;
  if (vl_resolve_render(r, T0 + 2, &out, &olen, &rep, &rlen) == VL_OK) {
    cJSON *j = cJSON_ParseWithLength((const char *)rep, rlen);
    if (!cJSON_IsArray(j)) abort();
    cJSON_Delete(j);
  }
  vl_free(out);
  vl_free(rep);
  vl_resolve_free(r);
  vl_vault_free(v);
  if (vl_mem_in_use() != before) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 8192) return 0;
  if (data[0] & 1)
    fuzz_responses(data[0], data + 1, size - 1);
  else
    fuzz_link(data + 1, size - 1, data[0] & 2);
  return 0;
}
