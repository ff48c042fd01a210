/* GCP Secret Manager through the engine: names, jobs, payload decoding with
 * the CRC-32C check (the vectors file drives real responses), JSON keys, the
 * error taxonomy and credential lifetimes. */
#include "crc32c.h"
#include "provhelp.h"
#include "providers/provider.h"
#include "vltest.h"

#define NAME "projects/my-project/secrets/db/versions/latest"
#define LINK "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"" NAME "\"}}}"
#define TOKEN "ya29.test-only-token"
#define CREDS "{\"accessToken\":\"" TOKEN "\"}"
#define T0 1700000000000ull
#define MIN 60000ull

static char *run_with(const char *link, const char *creds, const tresp *r, tjobs *s, char **url) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "s", link, NULL), VL_OK);
  CHECK_EQ_INT(tconnect(v, "gcp", creds, T0), VL_OK);
  char *rep;
  CHECK_EQ_INT(tflow(v, "https://api.test/?k={{vault:s}}", T0, r, r ? 1 : 0, s, url, &rep), VL_OK);
  CHECK(strstr(rep, TOKEN) == NULL);
  vl_vault_free(v);
  return rep;
}

static void test_job_and_value(void) {
  tresp ok = {200,
              {{"Content-Type", "application/json; charset=UTF-8"}},
              1,
              "{\"name\":\"projects/123456789/secrets/db/versions/3\",\"payload\":{\"data\":\"MTIzNDU2Nzg5\","
              "\"dataCrc32c\":\"3808858755\"}}"};
  tjobs s = {0};
  char *url;
  char *rep = run_with(LINK, CREDS, &ok, &s, &url);
  CHECK_EQ_INT(s.jobs, 1);
  CHECK(slice_eq(s.job.method, "GET"));
  CHECK(slice_eq(s.job.url, "https://secretmanager.googleapis.com/v1/" NAME ":access"));
  CHECK_EQ_STR(tjob_header(&s, "Authorization"), "Bearer " TOKEN);
  CHECK_EQ_STR(url, "https://api.test/?k=123456789");
  CHECK_EQ_STR(rep, "[]");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  /* Regional secrets go to the regional endpoint; shorthand without a version means latest. */
  rep = run_with("{\"source\":\"projects/p1/locations/europe-west1/secrets/s\"}", CREDS, NULL, &s, &url);
  CHECK(slice_eq(s.job.url,
                 "https://secretmanager.europe-west1.rep.googleapis.com/v1/projects/p1/locations/"
                 "europe-west1/secrets/s/versions/latest:access"));
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  /* The endpoint override (emulators). */
  rep = run_with("{\"source\":\"projects/123/secrets/s_1/versions/7\"}",
                 "{\"accessToken\":\"" TOKEN "\",\"endpoint\":\"http://127.0.0.1:9/\"}", NULL, &s, &url);
  CHECK(slice_eq(s.job.url, "http://127.0.0.1:9/v1/projects/123/secrets/s_1/versions/7:access"));
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
}

static void test_crc_vectors_through_the_flow(void) {
  vl_mem_install_cjson_hooks();
  char *text = vlt_read_file(VL_VECTORS_DIR "/gcp-secret-manager/crc32c-vectors.json", NULL);
  cJSON *j = cJSON_Parse(text);
  free(text);
  const cJSON *row;
  int n = 0;
  cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "vectors")) {
    const char *b64 = cJSON_GetObjectItem(row, "payload_data_base64")->valuestring;
    const char *dec = cJSON_GetObjectItem(row, "dataCrc32c_json")->valuestring;
    uint8_t *want;
    size_t want_len;
    vl_base64_decode(b64, strlen(b64), &want, &want_len);
    char body[512];
    snprintf(body, sizeof body, "{\"name\":\"x\",\"payload\":{\"data\":\"%s\",\"dataCrc32c\":\"%s\"}}", b64, dec);
    tresp ok = {200, {{0}}, 0, body};
    /* Render into a body so binary values come out as bytes. */
    vl_vault *v = vl_vault_new(NULL);
    tlink(v, "s", LINK, NULL);
    tconnect(v, "gcp", CREDS, T0);
    tjobs s = {0};
    char *url, *rep;
    treq t = {.url = "https://api.test/", .body = "{{vault:s}}", .body_kind = VL_BODY_BYTES};
    size_t len;
    uint8_t *frame = treq_encode(&t, &len);
    vl_resolve *r;
    CHECK_EQ_INT(vl_resolve_begin(v, frame, len, 0, T0, &r), VL_OK);
    vl_free(frame);
    vl_job job;
    CHECK_EQ_INT(vl_resolve_next_job(r, &job), VL_OK);
    size_t rl;
    uint8_t *resp = tresp_encode(&ok, &rl);
    vl_resolve_job_done(r, job.id, 200, resp, rl, T0);
    vl_free(resp);
    uint8_t *o, *report;
    size_t olen, replen;
    CHECK_EQ_INT(vl_resolve_render(r, T0, &o, &olen, &report, &replen), VL_OK);
    vl_request out;
    char err[128];
    CHECK_EQ_INT(vl_request_decode(o, olen, &out, err, sizeof err), VL_OK);
    int binary = strstr((char *)report, "binary_value") != NULL;
    if (!binary) CHECK_EQ_MEM(out.body.p, out.body.n, want, want_len);
    /* Only control or non-UTF-8 bytes may be refused as binary; text rows come out exact. */
    int plain = 1;
    for (size_t i = 0; i < want_len; i++)
      if (want[i] < 0x20 || want[i] >= 0x7f) plain = 0;
    CHECK(!binary || !plain);
    vl_request_clear(&out);
    vl_free(o);
    vl_free(report);
    vl_resolve_free(r);
    tjobs_clear(&s);
    vl_vault_free(v);
    /* The same payload with a checksum one off: refused, and the value is not reported. */
    snprintf(body, sizeof body, "{\"payload\":{\"data\":\"%s\",\"dataCrc32c\":\"%u\"}}", b64,
             (unsigned)(vl_crc32c(0, want, want_len) ^ 1u));
    tresp bad = {200, {{0}}, 0, body};
    rep = run_with(LINK, CREDS, &bad, &s, &url);
    CHECK_EQ_STR(treason(rep, 0), "malformed_response");
    CHECK(strstr(rep, "dataCrc32c") && strstr(rep, NAME));
    CHECK_EQ_STR(url, "https://api.test/?k={{vault:s}}");
    vl_free(url);
    vl_free(rep);
    tjobs_clear(&s);
    vl_free(want);
    n++;
  }
  CHECK_EQ_INT(n, 8);
  cJSON_Delete(j);
}

static void test_keys_and_encodings(void) {
  /* {"username":"david","password":"EXAMPLE-PASSWORD"} from the vectors file */
  tresp json = {200,
                {{0}},
                0,
                "{\"payload\":{\"data\":\"eyJ1c2VybmFtZSI6ImRhdmlkIiwicGFzc3dvcmQiOiJFWEFNUExFLVBBU1NXT1JEIn0=\","
                "\"dataCrc32c\":\"3077891775\"}}"};
  tjobs s = {0};
  char *url;
  char *rep = run_with("{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"" NAME "\",\"key\":\"password\"}}}",
                       CREDS, &json, &s, &url);
  CHECK_EQ_STR(url, "https://api.test/?k=EXAMPLE-PASSWORD");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  rep = run_with("{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"" NAME "\",\"key\":\"nope\"}}}", CREDS, &json,
                 &s, &url);
  CHECK_EQ_STR(treason(rep, 0), "key_not_found");
  CHECK(strstr(rep, "EXAMPLE") == NULL);
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  tresp notjson = {200, {{0}}, 0, "{\"payload\":{\"data\":\"bXkgc3VwZXIgc2VjcmV0IGRhdGE=\"}}"};
  rep = run_with("{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"" NAME "\",\"key\":\"a\"}}}", CREDS, &notjson,
                 &s, &url);
  CHECK_EQ_STR(treason(rep, 0), "malformed_response");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  /* No checksum (older versions): accepted. URL-safe base64 without padding: accepted. */
  tresp nocrc = {200, {{0}}, 0, "{\"payload\":{\"data\":\"Pz8-\"}}"}; /* "??>" */
  rep = run_with(LINK, CREDS, &nocrc, &s, &url);
  CHECK_EQ_STR(url, "https://api.test/?k=?\?>");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  tresp unpadded = {200, {{0}}, 0, "{\"payload\":{\"data\":\"YWI\",\"dataCrc32c\":2}}"};
  rep = run_with(LINK, CREDS, &unpadded, &s, &url);
  CHECK_EQ_STR(treason(rep, 0), "malformed_response"); /* "ab" has another CRC */
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  static const char *const malformed[] = {
      "{\"payload\":{\"data\":\"!!!!\"}}",
      "{\"payload\":{\"data\":\"YWI=\",\"dataCrc32c\":\"12x\"}}",
      "{\"payload\":{\"data\":\"YWI=\",\"dataCrc32c\":\"99999999999\"}}",
      "{\"payload\":{\"data\":5}}",
      "{\"name\":\"x\"}",
      "[]",
  };
  for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
    tresp r = {200, {{0}}, 0, malformed[i]};
    rep = run_with(LINK, CREDS, &r, &s, &url);
    CHECK_EQ_STR(treason(rep, 0), "malformed_response");
    vl_free(url);
    vl_free(rep);
    tjobs_clear(&s);
  }
}

static void test_error_taxonomy(void) {
  static const struct {
    tresp r;
    const char *reason;
  } cases[] = {
      {{404,
        {{0}},
        0,
        "{\"error\":{\"code\":404,\"message\":\"Secret [projects/1/secrets/db] not found or has no versions.\","
        "\"status\":\"NOT_FOUND\"}}"},
       "not_found"},
      {{403,
        {{0}},
        0,
        "{\"error\":{\"code\":403,\"message\":\"Permission 'secretmanager.versions.access' denied\","
        "\"status\":\"PERMISSION_DENIED\"}}"},
       "permission_denied"},
      {{401,
        {{0}},
        0,
        "{\"error\":{\"code\":401,\"message\":\"Request had invalid authentication credentials.\","
        "\"status\":\"UNAUTHENTICATED\"}}"},
       "credentials_rejected"},
      {{400,
        {{0}},
        0,
        "{\"error\":{\"code\":400,\"message\":\"SecretVersion [projects/1/secrets/db/versions/1] is in DISABLED "
        "state.\",\"status\":\"FAILED_PRECONDITION\"}}"},
       "disabled_at_provider"},
      {{429, {{0}}, 0, "{\"error\":{\"code\":429,\"message\":\"Quota exceeded\",\"status\":\"RESOURCE_EXHAUSTED\"}}"},
       "throttled"},
      {{400, {{0}}, 0, "{\"error\":{\"code\":400,\"message\":\"bad\",\"status\":\"INVALID_ARGUMENT\"}}"},
       "misconfigured"},
      {{503, {{0}}, 0, "{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\"}}"}, "unreachable"},
      {{502, {{0}}, 0, "<html>bad gateway</html>"}, "unreachable"},
      {{404, {{0}}, 0, ""}, "not_found"},
      {{200, {{0}}, 0, "not json"}, "malformed_response"},
      {{0, {{"x-vaultlink-error", "network"}}, 1, ""}, "unreachable"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tjobs s = {0};
    char *url;
    char *rep = run_with(LINK, CREDS, &cases[i].r, &s, &url);
    if (strcmp(treason(rep, 0), cases[i].reason) != 0) fprintf(stderr, "  case %zu: %s\n", i, rep);
    CHECK_EQ_STR(treason(rep, 0), cases[i].reason);
    CHECK(strstr(rep, NAME) != NULL);
    CHECK(strstr(rep, "Permission '") == NULL); /* provider messages stay out */
    CHECK_EQ_STR(url, "https://api.test/?k={{vault:s}}");
    vl_free(url);
    vl_free(rep);
    tjobs_clear(&s);
  }
}

static void test_unauthenticated_wipes_credentials(void) {
  vl_vault *v = vl_vault_new(NULL);
  tlink(v, "s", LINK, NULL);
  tconnect(v, "gcp", CREDS, T0);
  tresp r = {401, {{0}}, 0, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}"};
  tjobs s = {0};
  char *url, *rep;
  tflow(v, "https://h.com/{{vault:s}}", T0, &r, 1, &s, &url, &rep);
  vl_free(url);
  vl_free(rep);
  uint8_t *st;
  size_t n;
  vl_vault_status(v, T0, &st, &n);
  /* Refused before its expiry: rejected, not expired (issue #13). */
  CHECK(strstr((char *)st,
               "\"provider\":\"gcp\",\"connected\":false,\"reauthRequired\":false,"
               "\"credentialsRejected\":true") != NULL);
  vl_free(st);
  /* The next resolve makes no request. */
  tjobs_clear(&s);
  tflow(v, "https://h.com/{{vault:s}}", T0, NULL, 0, &s, &url, &rep);
  CHECK_EQ_INT(s.jobs, 0);
  CHECK_EQ_STR(treason(rep, 0), "credentials_rejected");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_vault_free(v);
}

static void test_links_and_connect(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "a", "{\"source\":\"" NAME "\"}", NULL), VL_OK);
  CHECK_EQ_INT(tlink(v, "b", "{\"source\":\"projects/1234567/secrets/A-b_c/versions/12\"}", NULL), VL_OK);
  static const struct {
    const char *name, *msg;
  } bad[] = {
      {"project/p/secrets/s", "projects/"},
      {"projects/p/secrets/s/versions", "segments"},
      {"projects/p/keys/s/versions/1", "\"secrets\""},
      {"projects/p/secrets/s/version/1", "\"versions\""},
      {"projects/P/secrets/s", "byte 9"},
      {"projects/p/secrets/s.x", "byte 20"},
      {"projects/p/secrets//versions/1", "secret id"},
      {"projects/p/locations/EU/secrets/s", "location"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char def[300];
    snprintf(def, sizeof def, "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"%s\"}}}", bad[i].name);
    CHECK_EQ_INT(tlink(v, "bad", def, NULL), VL_ERR_REFERENCE);
    if (!strstr(vl_vault_last_error(v), bad[i].msg)) fprintf(stderr, "  %s: %s\n", bad[i].name, vl_vault_last_error(v));
    CHECK(strstr(vl_vault_last_error(v), bad[i].msg) != NULL);
  }
  CHECK_EQ_INT(tlink(v, "bad", "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"" NAME "\",\"key\":1}}}", NULL),
               VL_ERR_REFERENCE);
  CHECK_EQ_INT(tconnect(v, "gcp", "{}", T0), VL_ERR_ARG);
  CHECK_EQ_INT(tconnect(v, "gcp", "{\"accessToken\":\"x\",\"endpoint\":5}", T0), VL_ERR_ARG);
  CHECK_EQ_INT(tconnect(v, "gcp", "{\"accessToken\":\"x\",\"expiresAt\":5}", T0), VL_ERR_EXPIRED);
  CHECK_EQ_INT(tconnect(v, "gcp", CREDS, T0), VL_OK);
  uint8_t *st;
  size_t n;
  vl_vault_status(v, T0, &st, &n);
  char want[64];
  snprintf(want, sizeof want, "\"expiresAt\":%llu", (unsigned long long)(T0 + 60 * MIN));
  CHECK(strstr((char *)st, want) != NULL);
  vl_free(st);
  vl_vault_free(v);
}

/* Issue #11 §2: the token goes to secretmanager[.LOCATION.rep].googleapis.com
 * or the connection's "endpoint". A location that would name another host is
 * refused; a project id with '.' and ':' (domain-scoped) stays in the path. */
static void test_credential_never_goes_to_link_origin(void) {
  vl_vault *v = vl_vault_new(NULL);
  static const char *const refused[] = {
      "projects/p/locations/evil.example/secrets/s",
      "projects/p/locations/evil.example#/secrets/s",
      "projects/p/locations/x@evil/secrets/s",
  };
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    char def[200];
    snprintf(def, sizeof def, "{\"source\":\"%s\"}", refused[i]);
    CHECK_EQ_INT(tlink(v, "x", def, NULL), VL_ERR_REFERENCE);
  }
  static const char *const names[][2] = {
      {"projects/evil.example:p/secrets/s", "https://secretmanager.googleapis.com"},
      {"projects/p/locations/us-east1/secrets/s", "https://secretmanager.us-east1.rep.googleapis.com"},
  };
  CHECK_EQ_INT(tconnect(v, "gcp", CREDS, T0), VL_OK);
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char def[200];
    snprintf(def, sizeof def, "{\"source\":\"%s\"}", names[i][0]);
    CHECK_EQ_INT(tlink(v, "x", def, NULL), VL_OK);
    tjobs s = {0};
    char *url, *rep;
    CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:x}}", T0, NULL, 0, &s, &url, &rep), VL_OK);
    CHECK_EQ_INT(s.jobs, 1);
    CHECK_EQ_INT(tjobs_to_origin(&s, names[i][1]), 1);
    CHECK_EQ_INT(tjobs_credential_outside(&s, names[i][1], TOKEN), -1);
    vl_free(url);
    vl_free(rep);
    tjobs_clear(&s);
  }
  CHECK_EQ_INT(tconnect(v, "gcp", "{\"accessToken\":\"" TOKEN "\",\"endpoint\":\"http://localhost:9090/\"}", T0),
               VL_OK);
  tjobs s = {0};
  char *url, *rep;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:x}}", T0, NULL, 0, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(tjobs_to_origin(&s, "http://localhost:9090"), 1);
  CHECK_EQ_INT(tjobs_credential_outside(&s, "http://localhost:9090", TOKEN), -1);
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_vault_free(v);
}

VLT_MAIN(TEST(test_job_and_value), TEST(test_crc_vectors_through_the_flow), TEST(test_keys_and_encodings),
         TEST(test_error_taxonomy), TEST(test_unauthenticated_wipes_credentials), TEST(test_links_and_connect),
         TEST(test_credential_never_goes_to_link_origin))
