/* libFuzzer target for the SigV4 canonicaliser: the input is a tiny HTTP
 * request ("<flags byte><target>\n<name>:<value>\n…\n\n<body>") signed with
 * fixed test credentials. Checks that the signer never crashes, never leaks,
 * and that every success yields a well-formed Authorization value. */
#include <stdint.h>
#include <string.h>

#include "input_limits.h"
#include "mem.h"
#include "sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FUZZ_HEADERS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned flags = data[0] & 7u;
  const uint8_t *p = data + 1, *end = data + size;
  size_t before = vl_mem_in_use();

  const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
  const uint8_t *tend = nl ? nl : end;
  const uint8_t *qm = memchr(p, '?', (size_t)(tend - p));
  vl_sigv4_request req;
  memset(&req, 0, sizeof req);
  req.method.p = (const uint8_t *)"POST";
  req.method.n = 4;
  req.path.p = p;
  req.path.n = (size_t)((qm ? qm : tend) - p);
  if (qm) {
    req.query.p = qm + 1;
    req.query.n = (size_t)(tend - qm - 1);
  }

  vl_header hs[MAX_FUZZ_HEADERS + 1];
  size_t hn = 0;
  hs[hn].name.p = (const uint8_t *)"Host";
  hs[hn].name.n = 4;
  hs[hn].value.p = (const uint8_t *)"example.amazonaws.com";
  hs[hn].value.n = 21;
  hn++;
  p = nl ? nl + 1 : end;
  while (p < end && hn <= MAX_FUZZ_HEADERS) {
    const uint8_t *e = memchr(p, '\n', (size_t)(end - p));
    const uint8_t *le = e ? e : end;
    if (le == p) { /* blank line: the body follows */
      p = e ? e + 1 : end;
      break;
    }
    const uint8_t *colon = memchr(p, ':', (size_t)(le - p));
    hs[hn].name.p = p;
    hs[hn].name.n = (size_t)((colon ? colon : le) - p);
    hs[hn].value.p = colon ? colon + 1 : le;
    hs[hn].value.n = colon ? (size_t)(le - colon - 1) : 0;
    hn++;
    p = e ? e + 1 : end;
  }
  req.headers = hs;
  req.header_count = hn;
  req.body.p = p;
  req.body.n = (size_t)(end - p);

  vl_aws_credentials creds;
  creds.access_key_id.p = (const uint8_t *)"AKIDEXAMPLE";
  creds.access_key_id.n = 11;
  creds.secret_access_key.p = (const uint8_t *)"fuzz-secret";
  creds.secret_access_key.n = 11;
  creds.session_token.p = (const uint8_t *)"fuzz-token";
  creds.session_token.n = (flags & 4u) ? 10 : 0;

  vl_sigv4_result out;
  vl_status st = vl_sigv4_sign(&req, &creds, "us-east-1", "secretsmanager", 1440938160000ull, flags, &out);
  if (st == VL_OK) {
    static const char prefix[] =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/secretsmanager/aws4_request, SignedHeaders=";
    if (out.authorization.len < sizeof prefix - 1 || memcmp(out.authorization.p, prefix, sizeof prefix - 1) != 0)
      __builtin_trap();
    if (strlen(out.signature) != 64) __builtin_trap();
    /* The canonical request never carries a raw CR or an unescaped blank in its URI line. */
    const uint8_t *c = out.canonical_request.p;
    const uint8_t *l1 = memchr(c, '\n', out.canonical_request.len);
    const uint8_t *l2 = l1 ? memchr(l1 + 1, '\n', out.canonical_request.len - (size_t)(l1 + 1 - c)) : NULL;
    if (!l1 || !l2) __builtin_trap();
    for (const uint8_t *q = l1 + 1; q < l2; q++)
      if (*q == ' ' || *q == '\r' || *q == '?') __builtin_trap();
    vl_sigv4_result_clear(&out);
  } else if (out.authorization.p || out.canonical_request.p || out.string_to_sign.p) {
    __builtin_trap();
  }
  if (vl_mem_in_use() != before) __builtin_trap();
  return 0;
}
