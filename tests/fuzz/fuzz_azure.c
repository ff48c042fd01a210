/* libFuzzer: Azure Key Vault parsers. The first byte picks the target:
 *   0  a secret identifier (vl_azure_parse_id);
 *   1  a WWW-Authenticate value (vl_azure_parse_challenge, scope, resource check);
 *   2+ a resolve whose provider answers (challenge, then secret) come from
 *      the input: a status index byte, WWW-Authenticate, body, split at 0xff;
 *   0xfe  connect with a JWT access token whose claims are the input
 *      (audience check, exp): it connects, or fails naming the audience or
 *      the expiry, and the token's signature never shows in the message
 *      (unless the claims themselves contain its text).
 * Invariants: no crash, no leak; the rendered request and the report never
 * contain the token unless the answer echoed it; every failure names a reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzzhelp.h"
#include "mem.h"
#include "providers/azure.h"
#include "reqcodec.h"
#include "vaultlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char TOKEN[] = "fuzz-token-7c1e";

/* Next 0xff-separated piece of the input. */
static const uint8_t *piece(const uint8_t **p, const uint8_t *end, size_t *n) {
  const uint8_t *s = *p;
  const uint8_t *e = s;
  while (e < end && *e != 0xff) e++;
  *n = (size_t)(e - s);
  *p = e < end ? e + 1 : e;
  return s;
}

static void resolve_case(const uint8_t *data, size_t size) {
  static const char link[] =
      "{\"source\":{\"provider\":\"azure\",\"azure\":{\"secretId\":\"https://myvault.vault.azure.net/secrets/db\"}}}";
  vl_vault *v = vl_vault_new(NULL);
  vl_vault_link(v, (const uint8_t *)"db", 2, (const uint8_t *)link, strlen(link), NULL, 0);
  char creds[128];
  snprintf(creds, sizeof creds, "{\"accessToken\":\"%s\"%s}", TOKEN, data[0] & 1 ? ",\"tenantId\":\"common\"" : "");
  vl_vault_connect(v, "azure", (const uint8_t *)creds, strlen(creds), 1700000000000ull);
  size_t len;
  uint8_t *req = fz_frame("GET", "https://api.test/{{vault:db}}", NULL, NULL, 0, NULL, 0, &len);
  vl_resolve *r = NULL;
  if (vl_resolve_begin(v, req, len, 0, 1700000000000ull, &r) != VL_OK) abort();
  vl_free(req);
  const uint8_t *p = data + 1, *end = data + size;
  vl_job job;
  for (int i = 0; i < 4 && vl_resolve_next_job(r, &job) == VL_OK; i++) {
    static const uint32_t statuses[] = {200, 401, 403, 404, 429, 400, 500, 503, 0, 302};
    uint32_t status = p < end ? statuses[*p++ % 10] : 401u;
    size_t hn, bn;
    const uint8_t *h = piece(&p, end, &hn);
    const uint8_t *b = piece(&p, end, &bn);
    size_t rl;
    uint8_t *resp = fz_frame("", "", hn ? "WWW-Authenticate" : NULL, h, hn, b, bn, &rl);
    vl_resolve_job_done(r, job.id, status, resp, rl, 1700000000000ull);
    vl_free(resp);
  }
  fz_render_without(r, data, size, TOKEN);
  vl_vault_free(v);
}

/* An independent statement of the rule: the scope's host (after any user
 * info, before any port) is a proper dot-suffix of host, case-insensitively. */
static int proper_suffix(const char *scope, const char *host) {
  const char *h = strstr(scope, "://");
  if (!h) return 0;
  h += 3;
  size_t seg = strcspn(h, "/?#");
  const char *at = memchr(h, '@', seg);
  if (at) {
    seg -= (size_t)(at + 1 - h);
    h = at + 1;
  }
  size_t hl = strcspn(h, ":/?#");
  if (hl > seg) hl = seg;
  size_t rl = strlen(host);
  if (hl == 0 || hl + 1 >= rl || host[rl - hl - 1] != '.') return 0;
  for (size_t i = 0; i < hl; i++) {
    char a = h[i], b = host[rl - hl + i];
    if (a >= 'A' && a <= 'Z') a = (char)(a + 32);
    if (a != b) return 0;
  }
  return 1;
}

static void jwt_case(const uint8_t *claims, size_t n) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  vl_buf c;
  vl_buf_init(&c, 0);
  vl_buf_put_str(&c, "{\"accessToken\":\"eyJhbGciOiJSUzI1NiJ9.");
  for (size_t i = 0; i < n; i += 3) { /* base64url, unpadded */
    uint32_t w =
        (uint32_t)claims[i] << 16 | (i + 1 < n ? (uint32_t)claims[i + 1] << 8 : 0) | (i + 2 < n ? claims[i + 2] : 0);
    char q[4] = {tbl[w >> 18 & 63], tbl[w >> 12 & 63], tbl[w >> 6 & 63], tbl[w & 63]};
    vl_buf_put(&c, q, i + 2 < n ? 4 : i + 1 < n ? 3 : 2);
  }
  vl_buf_put_str(&c, ".c2lnLWZ1enotOWQx\"}"); /* "sig-fuzz-9d1" */
  vl_vault *v = vl_vault_new(NULL);
  vl_status st = vl_vault_connect(v, "azure", c.p, c.len, 1700000000000ull);
  const char *e = vl_vault_last_error(v);
  if (st != VL_OK && st != VL_ERR_ARG && st != VL_ERR_EXPIRED && st != VL_ERR_LIMIT && st != VL_ERR_NOMEM) abort();
  if (st != VL_OK && !e[0]) abort();
  /* The message may quote the audience claim, never the rest of the token. */
  static const char sig[] = "c2lnLWZ1enotOWQx";
  int in_claims = 0;
  for (size_t i = 0; i + sizeof sig - 1 <= n && !in_claims; i++)
    in_claims = memcmp(claims + i, sig, sizeof sig - 1) == 0;
  if (strstr(e, sig) && !in_claims) abort();
  vl_vault_free(v);
  vl_buf_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 8192) return 0;
  char *s = vl_alloc(size);
  if (!s) return 0;
  memcpy(s, data + 1, size - 1);
  s[size - 1] = 0;
  if (data[0] == 0) {
    vl_azure_id id;
    char err[200];
    if (vl_azure_parse_id(s, &id, err, sizeof err) == VL_OK) {
      if (!id.name[0] || strlen(id.name) > 127) abort();
      if (strcmp(id.collection, "secrets") != 0 && strcmp(id.collection, "deletedsecrets") != 0) abort();
    } else if (!err[0]) {
      abort();
    }
  } else if (data[0] == 1) {
    vl_azure_challenge c;
    if (vl_azure_parse_challenge((const char *)data + 1, size - 1, &c) == VL_OK) {
      char scope[600];
      if (vl_azure_challenge_scope(&c, scope, sizeof scope)) {
        /* As the SDK: a match means the request host ends with "." + the
         * resource host (so the same host, or an unrelated one, never matches). */
        if (vl_azure_resource_matches(scope, "vault.azure.net") && !proper_suffix(scope, "vault.azure.net")) abort();
        (void)vl_azure_resource_matches(scope, "myvault.vault.azure.net");
      }
    }
  } else if (data[0] == 0xfe) {
    jwt_case(data + 1, size - 1);
  } else {
    resolve_case(data, size);
  }
  vl_free(s);
  return 0;
}
