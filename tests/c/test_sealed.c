/* The per-session recipient key and the "sealed" provider through the engine:
 * one GET, the envelope opened in the core with the session key, its expiry as
 * the cache hint, and each failure mapped to a reason (issue "End-to-end
 * decryption"). */
#include "crypto/x25519.h"
#include "engine.h"
#include "envelope.h"
#include "provhelp.h"
#include "vltest.h"

#define T0 1700000000000ull
#define MIN 60000ull
#define REF "op://Private/Stripe/credential"
#define URL "https://relay.example/e/42"
#define LINK "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"" URL "\",\"reference\":\"" REF "\"}}}"

static char *b64(const uint8_t *p, size_t n, int urlsafe) {
  const char *abc = urlsafe ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                            : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char *o = vl_alloc(n / 3 * 4 + 8);
  size_t k = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t w = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    o[k++] = abc[w >> 18 & 63];
    o[k++] = abc[w >> 12 & 63];
    o[k++] = i + 1 < n ? abc[w >> 6 & 63] : '=';
    o[k++] = i + 2 < n ? abc[w & 63] : '=';
  }
  o[k] = 0;
  return o;
}

static uint8_t *seal_to(const uint8_t pk[32], const char *ref, uint64_t expires, const char *value, size_t *len) {
  uint8_t *env = NULL;
  CHECK_EQ_INT(vl_envelope_seal(pk, 3, (const uint8_t *)ref, strlen(ref), expires, (const uint8_t *)value,
                                strlen(value), &env, len),
               VL_OK);
  return env;
}

/* One resolve of url; every job is answered with (status, body); returns the
 * rendered URL and the report. */
static void sflow(vl_vault *v, const char *url, uint64_t now, uint32_t status, const uint8_t *body, size_t body_len,
                  tjobs *seen, char **url_out, char **report) {
  tresp answers[4];
  for (size_t i = 0; i < 4; i++) answers[i] = (tresp){status, {{0}}, 0, body_len ? (const char *)body : "", body_len};
  CHECK_EQ_INT(tflow(v, url, now, answers, 4, seen, url_out, report), VL_OK);
}

static void test_public_key_is_per_session(void) {
  vl_vault *a = vl_vault_new(NULL), *b = vl_vault_new(NULL);
  uint8_t pa[32], pb[32], ida[8], idb[8], want[32], want_id[8];
  CHECK_EQ_INT(vl_vault_public_key(a, pa, ida), VL_OK);
  CHECK_EQ_INT(vl_vault_public_key(b, pb, idb), VL_OK);
  CHECK(memcmp(pa, pb, 32) != 0);
  vl_x25519_public(want, a->recipient_sk); /* the pair matches */
  CHECK_EQ_MEM(pa, 32, want, 32);
  vl_envelope_key_id(pa, want_id);
  CHECK_EQ_MEM(ida, 8, want_id, 8);
  CHECK_EQ_INT(vl_vault_public_key(a, pa, NULL), VL_OK);
  CHECK_EQ_INT(vl_vault_public_key(NULL, pa, ida), VL_ERR_ARG);
  CHECK_EQ_INT(vl_vault_public_key(a, NULL, ida), VL_ERR_ARG);
  /* The sealed provider starts connected: the session key is its credential. */
  uint8_t *st;
  size_t n;
  vl_vault_status(a, T0, &st, &n);
  CHECK(strstr((char *)st, "\"provider\":\"sealed\",\"connected\":true") != NULL);
  vl_free(st);
  vl_vault_free(a);
  vl_vault_free(b);
}

static void test_link_parsing(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "s", LINK, NULL), VL_OK);
  CHECK_EQ_INT(
      tlink(v, "u", "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"http://localhost:8080/e\"}}}", NULL),
      VL_OK);
  static const char *const bad[] = {
      "{\"source\":{\"provider\":\"sealed\",\"sealed\":{}}}",
      "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"http://relay.example/e\"}}}",
      "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"https://relay.example/a b\"}}}",
      "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"https:///x\"}}}",
      "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"" URL "\",\"reference\":7}}}",
      "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"" URL "\",\"reference\":\"\"}}}",
      "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"http://localhost.evil.example/\"}}}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    vl_status st = tlink(v, "b", bad[i], NULL);
    if (st != VL_ERR_REFERENCE) fprintf(stderr, "  case %zu: %d %s\n", i, st, vl_vault_last_error(v));
    CHECK_EQ_INT(st, VL_ERR_REFERENCE);
  }
  CHECK(strstr(vl_vault_last_error(v), "https://") != NULL);
  vl_vault_free(v);
}

static void test_open_raw_base64_json(void) {
  vl_vault *v = vl_vault_new(NULL);
  uint8_t pk[32];
  vl_vault_public_key(v, pk, NULL);
  CHECK_EQ_INT(tlink(v, "s", LINK, NULL), VL_OK);
  size_t el;
  uint8_t *env = seal_to(pk, REF, T0 + 5 * MIN, "sk_test_sealed_1", &el);
  tjobs s = {0};
  char *url, *rep;
  sflow(v, "https://api.example/?k={{vault:s}}", T0, 200, env, el, &s, &url, &rep);
  CHECK_EQ_INT(s.jobs, 1);
  CHECK(slice_eq(s.job.method, "GET"));
  CHECK(slice_eq(s.job.url, URL));
  CHECK(tjob_header(&s, "Accept") && strstr(tjob_header(&s, "Accept"), "vnd.vaultlink.envelope"));
  CHECK_EQ_STR(url, "https://api.example/?k=sk_test_sealed_1");
  CHECK_EQ_STR(rep, "[]");
  vl_free(url);
  vl_free(rep);
  /* Cached until the envelope's expiry (shorter than the 60 min TTL). */
  uint8_t *st;
  size_t n;
  vl_vault_status(v, T0, &st, &n);
  char want[64];
  snprintf(want, sizeof want, "\"expiresAt\":%llu}", (unsigned long long)(T0 + 5 * MIN));
  CHECK(strstr((char *)st, want) != NULL);
  vl_free(st);
  tjobs s2 = {0};
  sflow(v, "https://api.example/?k={{vault:s}}", T0 + 4 * MIN, 200, NULL, 0, &s2, &url, &rep);
  CHECK_EQ_INT(s2.jobs, 0);
  CHECK_EQ_STR(url, "https://api.example/?k=sk_test_sealed_1");
  vl_free(url);
  vl_free(rep);
  vl_free(env);

  /* base64 text with line breaks; URL-safe without padding; JSON. */
  env = seal_to(pk, REF, T0 + 60 * MIN, "v2", &el);
  char *text = b64(env, el, 0), *url_safe = b64(env, el, 1);
  size_t tl = strlen(text);
  char *wrapped = vl_alloc(tl + tl / 20 + 4);
  size_t k = 0;
  for (size_t i = 0; i < tl; i++) {
    wrapped[k++] = text[i];
    if (i % 20 == 19) wrapped[k++] = '\n';
  }
  wrapped[k++] = '\n';
  while (strchr(url_safe, '=')) *strchr(url_safe, '=') = 0;
  char *json = vl_alloc(tl + 32);
  snprintf(json, tl + 32, "{\"envelope\":\"%s\"}", text);
  const char *bodies[] = {wrapped, url_safe, json};
  size_t lens[] = {k, strlen(url_safe), strlen(json)};
  for (size_t i = 0; i < 3; i++) {
    vl_vault_reset_cache(v);
    sflow(v, "https://api.example/{{vault:s}}", T0, 200, (const uint8_t *)bodies[i], lens[i], &s, &url, &rep);
    if (strcmp(url, "https://api.example/v2") != 0) fprintf(stderr, "  body %zu: %s\n", i, rep);
    CHECK_EQ_STR(url, "https://api.example/v2");
    vl_free(url);
    vl_free(rep);
  }
  vl_free(wrapped);
  vl_free(url_safe);
  vl_free(json);
  vl_free(text);
  vl_free(env);
  tjobs_clear(&s);
  tjobs_clear(&s2);
  vl_vault_free(v);
}

static void test_failures_map_to_reasons(void) {
  vl_vault *v = vl_vault_new(NULL), *other = vl_vault_new(NULL);
  uint8_t pk[32], opk[32];
  vl_vault_public_key(v, pk, NULL);
  vl_vault_public_key(other, opk, NULL);
  CHECK_EQ_INT(tlink(v, "s", LINK, NULL), VL_OK);
  size_t l1, l2, l3, l4;
  uint8_t *wrong_key = seal_to(opk, REF, T0 + MIN, "x1", &l1);
  uint8_t *wrong_ref = seal_to(pk, "op://Private/Other/credential", T0 + MIN, "x2", &l2);
  uint8_t *expired = seal_to(pk, REF, T0 - 1, "x3", &l3);
  uint8_t *tampered = seal_to(pk, REF, T0 + MIN, "x4", &l4);
  tampered[l4 - 1] ^= 1;
  static const char garbage[] = "<html>not an envelope</html>";
  const struct {
    uint32_t status;
    const uint8_t *body;
    size_t len;
    const char *reason, *detail;
  } cases[] = {
      {200, wrong_key, l1, "misconfigured", "another session"},
      {200, wrong_ref, l2, "misconfigured", "different reference"},
      {200, expired, l3, "disabled_at_provider", "expired"},
      {200, tampered, l4, "malformed_response", "tampered"},
      {200, (const uint8_t *)garbage, sizeof garbage - 1, "malformed_response", "not an envelope"},
      {200, (const uint8_t *)"VLE\x01", 4, "malformed_response", "malformed envelope"},
      {404, NULL, 0, "not_found", "HTTP 404"},
      {403, NULL, 0, "permission_denied", "HTTP 403"},
      {410, NULL, 0, "disabled_at_provider", "HTTP 410"},
      {429, NULL, 0, "throttled", "HTTP 429"},
      {502, NULL, 0, "unreachable", "HTTP 502"},
      {0, NULL, 0, "unreachable", "network"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tjobs s = {0};
    char *url, *rep;
    sflow(v, "https://api.example/{{vault:s}}", T0, cases[i].status, cases[i].body, cases[i].len, &s, &url, &rep);
    CHECK_EQ_STR(url, "https://api.example/{{vault:s}}");
    if (strcmp(treason(rep, 0), cases[i].reason) != 0 || !strstr(rep, cases[i].detail))
      fprintf(stderr, "  case %zu: %s\n", i, rep);
    CHECK_EQ_STR(treason(rep, 0), cases[i].reason);
    CHECK(strstr(rep, cases[i].detail) != NULL);
    CHECK(strstr(rep, REF) != NULL); /* the detail names the reference */
    CHECK(strstr(rep, "x1") == NULL && strstr(rep, "x4") == NULL);
    vl_free(url);
    vl_free(rep);
    tjobs_clear(&s);
  }
  vl_free(wrong_key);
  vl_free(wrong_ref);
  vl_free(expired);
  vl_free(tampered);
  vl_vault_free(v);
  vl_vault_free(other);
}

static void test_relay_options_and_disconnect(void) {
  vl_vault *v = vl_vault_new(NULL);
  uint8_t pk[32];
  vl_vault_public_key(v, pk, NULL);
  CHECK_EQ_INT(tlink(v, "s", LINK, NULL), VL_OK);
  CHECK_EQ_INT(
      tconnect(v, "sealed",
               "{\"origin\":\"https://relay.example\",\"headers\":{\"Authorization\":\"Bearer relay-token\"}}", T0),
      VL_OK);
  size_t el;
  uint8_t *env = seal_to(pk, REF, T0 + MIN, "v", &el);
  tjobs s = {0};
  char *url, *rep;
  sflow(v, "https://api.example/{{vault:s}}", T0, 200, env, el, &s, &url, &rep);
  CHECK_EQ_STR(tjob_header(&s, "Authorization"), "Bearer relay-token");
  CHECK_EQ_STR(url, "https://api.example/v");
  vl_free(url);
  vl_free(rep);
  /* Bad relay options are refused and leave the old ones. */
  CHECK_EQ_INT(tconnect(v, "sealed", "{\"headers\":[1]}", T0), VL_ERR_ARG);
  CHECK_EQ_INT(tconnect(v, "sealed", "{\"headers\":{\"a\":1}}", T0), VL_ERR_ARG);
  CHECK_EQ_INT(tconnect(v, "sealed", "{\"expiresAt\":1}", T0), VL_ERR_EXPIRED);
  /* Disconnect: no fetch until the next connect; cached values are dropped. */
  CHECK_EQ_INT(vl_vault_disconnect(v, "sealed"), VL_OK);
  tjobs s2 = {0};
  sflow(v, "https://api.example/{{vault:s}}", T0, 200, env, el, &s2, &url, &rep);
  CHECK_EQ_INT(s2.jobs, 0);
  CHECK_EQ_STR(treason(rep, 0), "not_connected");
  vl_free(url);
  vl_free(rep);
  CHECK_EQ_INT(tconnect(v, "sealed", "{}", T0), VL_OK);
  sflow(v, "https://api.example/{{vault:s}}", T0, 200, env, el, &s2, &url, &rep);
  CHECK_EQ_STR(url, "https://api.example/v");
  CHECK(tjob_header(&s2, "Authorization") == NULL);
  vl_free(url);
  vl_free(rep);
  vl_free(env);
  tjobs_clear(&s);
  tjobs_clear(&s2);
  vl_vault_free(v);
}

/* Issue #11 §2: a shared link naming another host must not receive the relay's
 * token. With an origin, only links under it are fetched (with the headers);
 * others stay unresolved, saying why. */
static void test_credential_never_goes_to_link_origin(void) {
  vl_vault *v = vl_vault_new(NULL);
  uint8_t pk[32];
  vl_vault_public_key(v, pk, NULL);
  size_t el;
  uint8_t *env = seal_to(pk, REF, T0 + MIN, "v", &el);
  /* Headers without an origin are refused: they would go wherever a link points. */
  CHECK_EQ_INT(tconnect(v, "sealed", "{\"headers\":{\"Authorization\":\"Bearer relay-token\"}}", T0), VL_ERR_ARG);
  CHECK(strstr(vl_vault_last_error(v), "\"origin\"") != NULL);
  static const char *const bad_origins[] = {
      "http://relay.example",
      "https://relay.example/e",
      "https://u@relay.example",
      "https://relay.example?x",
      "https://relay.example:99999",
      "ftp://relay.example",
      "https://",
      "https://relay.example%2e",
      "https://relay.example\\\\x",
      "relay.example",
  };
  for (size_t i = 0; i < sizeof bad_origins / sizeof *bad_origins; i++) {
    char creds[200];
    snprintf(creds, sizeof creds, "{\"origin\":\"%s\",\"headers\":{\"X-Relay\":\"t\"}}", bad_origins[i]);
    if (tconnect(v, "sealed", creds, T0) != VL_ERR_ARG) fprintf(stderr, "  accepted origin %s\n", bad_origins[i]);
    CHECK_EQ_INT(tconnect(v, "sealed", creds, T0), VL_ERR_ARG);
  }
  CHECK_EQ_INT(tconnect(v, "sealed", "{\"origin\":\"http://localhost:8080\",\"headers\":{\"X-Relay\":\"t\"}}", T0),
               VL_OK);
  CHECK_EQ_INT(tconnect(v, "sealed",
                        "{\"origin\":\"https://RELAY.example:443/\",\"headers\":{\"Authorization\":\"Bearer "
                        "relay-token\"}}",
                        T0),
               VL_OK);
  /* Same origin (host case and the default port do not matter): fetched with the token. */
  static const char *const inside[] = {"https://relay.example/e/42", "https://Relay.Example:443/e/42",
                                       "https://relay.example:/e/42", "https://relay.example?e=42"};
  for (size_t i = 0; i < sizeof inside / sizeof *inside; i++) {
    char def[300];
    snprintf(def, sizeof def,
             "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"%s\",\"reference\":\"" REF "\"}}}", inside[i]);
    CHECK_EQ_INT(tlink(v, "s", def, NULL), VL_OK);
    tjobs s = {0};
    char *url, *rep;
    sflow(v, "https://api.example/{{vault:s}}", T0, 200, env, el, &s, &url, &rep);
    CHECK_EQ_INT(s.jobs, 1);
    CHECK_EQ_STR(tjob_header(&s, "Authorization"), "Bearer relay-token");
    CHECK_EQ_STR(url, "https://api.example/v");
    vl_free(url);
    vl_free(rep);
    tjobs_clear(&s);
  }
  /* Elsewhere, or not plainly anywhere: no job at all, and the report says why. */
  static const char *const outside[] = {
      "https://evil.example/e/1",
      "https://relay.example.evil.example/e",
      "https://relay.example@evil.example/e",
      "https://relay.example:8443/e",
      "http://localhost/e",
      "https://relay.example\\\\@evil.example/",
      "https://evil.example/relay.example",
      "https://relay.example%2f@evil.example/",
  };
  for (size_t i = 0; i < sizeof outside / sizeof *outside; i++) {
    char def[300];
    snprintf(def, sizeof def,
             "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"%s\",\"reference\":\"" REF "\"}}}",
             outside[i]);
    CHECK_EQ_INT(tlink(v, "x", def, NULL), VL_OK);
    tjobs s = {0};
    char *url, *rep;
    sflow(v, "https://api.example/{{vault:x}}", T0, 200, env, el, &s, &url, &rep);
    if (s.jobs) fprintf(stderr, "  fetched %s\n", outside[i]);
    CHECK_EQ_INT(s.jobs, 0);
    CHECK_EQ_INT(tjobs_credential_outside(&s, "https://relay.example", "relay-token"), -1);
    CHECK_EQ_STR(treason(rep, 0), "misconfigured");
    CHECK(strstr(tdetail(rep, 0), "is outside the origin the sealed connection was given (https://relay.example)") !=
          NULL);
    CHECK(strstr(rep, "relay-token") == NULL);
    vl_free(url);
    vl_free(rep);
    tjobs_clear(&s);
  }
  /* Without headers the connection may name no origin: public envelope URLs anywhere, no credential. */
  CHECK_EQ_INT(tconnect(v, "sealed", "{}", T0), VL_OK);
  CHECK_EQ_INT(
      tlink(v, "x",
            "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"https://evil.example/e\",\"reference\":\"" REF
            "\"}}}",
            NULL),
      VL_OK);
  tjobs s = {0};
  char *url, *rep;
  sflow(v, "https://api.example/{{vault:x}}", T0, 200, env, el, &s, &url, &rep);
  CHECK_EQ_INT(s.jobs, 1);
  CHECK(tjob_header(&s, "Authorization") == NULL);
  CHECK_EQ_STR(url, "https://api.example/v");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_free(env);
  vl_vault_free(v);
}

VLT_MAIN(TEST(test_public_key_is_per_session), TEST(test_link_parsing), TEST(test_open_raw_base64_json),
         TEST(test_failures_map_to_reasons), TEST(test_relay_options_and_disconnect),
         TEST(test_credential_never_goes_to_link_origin))
