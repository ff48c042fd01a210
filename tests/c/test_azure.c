/* Azure Key Vault: the identifier and challenge tables, the recorded sessions
 * driven job by job, the challenge checks (resource host, tenant, CAE),
 * nbf/exp, the error rows and every failure path. */
#include "provhelp.h"
#include "providers/azure.h"
#include "providers/provider.h"
#include "vltest.h"

#define AZ_DIR VL_VECTORS_DIR "/azure-keyvault"
#define SID "https://myvault.vault.azure.net/secrets/db"
#define LINK "{\"source\":{\"provider\":\"azure\",\"azure\":{\"secretId\":\"" SID "\"}}}"
#define TOKEN "eyJ0eXAiOiJKV1QifQ.test-only.sig"
#define CREDS "{\"accessToken\":\"" TOKEN "\"}"
#define T0 1700000000000ull
#define MIN 60000ull
#define CHALLENGE                                                                             \
  "Bearer authorization=\"https://login.windows.net/12345678-1234-1234-1234-123456789012\", " \
  "resource=\"https://vault.azure.net\""
#define UNAUTH_BODY \
  "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: Request is missing a Bearer or PoP token.\"}}"

static const tresp R401 = {401, {{"WWW-Authenticate", CHALLENGE}}, 1, UNAUTH_BODY};
static const tresp R200 = {200,
                           {{"Content-Type", "application/json; charset=utf-8"}},
                           1,
                           "{\"value\":\"s3cr3t\",\"attributes\":{\"enabled\":true}}"};

static cJSON *load(const char *path) {
  vl_mem_install_cjson_hooks(); /* so the vaults' hooks free what this parses */
  char *text = vlt_read_file(path, NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (!j) fprintf(stderr, "  cannot read %s\n", path);
  return j;
}

static const char *jstr(const cJSON *o, const char *k) {
  const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(i) ? i->valuestring : NULL;
}

static void test_identifier_table(void) {
  cJSON *j = load(AZ_DIR "/identifier-and-challenge-cases.json");
  CHECK(j != NULL);
  const cJSON *row;
  int n = 0;
  cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "secret_identifier_cases")) {
    const char *input = jstr(row, "input");
    const cJSON *expect = cJSON_GetObjectItem(row, "expect");
    vl_azure_id id;
    char err[200] = "";
    vl_status st = vl_azure_parse_id(input, &id, err, sizeof err);
    n++;
    if (cJSON_IsString(expect)) {
      if (st == VL_OK) fprintf(stderr, "  accepted %s\n", input);
      CHECK_EQ_INT(st, VL_ERR_REFERENCE);
      CHECK(err[0] != 0);
      continue;
    }
    if (st) fprintf(stderr, "  refused %s: %s\n", input, err);
    CHECK_EQ_INT(st, VL_OK);
    CHECK_EQ_STR(id.vault_url, jstr(expect, "vaultUrl"));
    CHECK_EQ_STR(id.collection, jstr(expect, "collection"));
    CHECK_EQ_STR(id.name, jstr(expect, "name"));
    const char *version = jstr(expect, "version");
    CHECK_EQ_INT(id.has_version, version != NULL);
    CHECK_EQ_STR(id.version, version ? version : "");
    const char *scope = jstr(expect, "token_scope");
    if (scope) {
      char want[128];
      snprintf(want, sizeof want, "https://%s/.default", id.suffix ? id.suffix : "?");
      CHECK_EQ_STR(want, scope);
    }
    const char *authority = jstr(expect, "authority");
    if (authority) {
      char got[128];
      snprintf(got, sizeof got, "https://%s", id.authority ? id.authority : "?");
      CHECK_EQ_STR(got, authority);
    }
  }
  CHECK_EQ_INT(n, 10);
  cJSON_Delete(j);
}

static void test_challenge_table(void) {
  cJSON *j = load(AZ_DIR "/identifier-and-challenge-cases.json");
  const cJSON *row;
  int n = 0;
  cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "www_authenticate_cases")) {
    const char *h = jstr(row, "header");
    const cJSON *expect = cJSON_GetObjectItem(row, "expect");
    vl_azure_challenge c;
    CHECK_EQ_INT(vl_azure_parse_challenge(h, strlen(h), &c), VL_OK);
    n++;
    const char *req = jstr(row, "request_url");
    if (req) { /* the resource check: a suffix after '.', not a prefix */
      char scope[600];
      CHECK(vl_azure_challenge_scope(&c, scope, sizeof scope));
      CHECK_EQ_STR(scope, "https://vault.azure.net/.default");
      CHECK(!vl_azure_resource_matches(scope, req + strlen("https://")));
      CHECK(vl_azure_resource_matches(scope, "myvault.vault.azure.net"));
      CHECK(!vl_azure_resource_matches(scope, "vault.azure.net"));
      CHECK(!vl_azure_resource_matches(scope, "myvault.vault.azure.net.evil.example"));
      CHECK(!vl_azure_resource_matches(scope, "evilvault.azure.net"));
      continue;
    }
    static const struct {
      const char *key;
      size_t off;
    } fields[] = {{"authorization", offsetof(vl_azure_challenge, authorization)},
                  {"resource", offsetof(vl_azure_challenge, resource)},
                  {"scope", offsetof(vl_azure_challenge, scope)},
                  {"tenantId", offsetof(vl_azure_challenge, tenant_id)},
                  {"claims", offsetof(vl_azure_challenge, claims)},
                  {"error", offsetof(vl_azure_challenge, error)}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
      const char *want = jstr(expect, fields[i].key);
      const char *got = (const char *)&c + fields[i].off;
      if (want) CHECK_EQ_STR(got, want);
    }
    /* No tenant where the SDK derives none (no path in the authorization URL). */
    if (!jstr(expect, "tenantId") && c.authorization[0] && !strstr(c.authorization, "authorize"))
      CHECK_EQ_STR(c.tenant_id, "");
    const char *scope_want = jstr(expect, "scope_to_request");
    if (scope_want) {
      char scope[600];
      CHECK(vl_azure_challenge_scope(&c, scope, sizeof scope));
      CHECK_EQ_STR(scope, scope_want);
    }
    const char *decoded = jstr(expect, "claims_decoded");
    if (decoded) {
      uint8_t *d;
      size_t dl;
      CHECK_EQ_INT(vl_base64_decode(c.claims, strlen(c.claims), &d, &dl), VL_OK);
      CHECK_EQ_MEM(d, dl, decoded, strlen(decoded));
      vl_free(d);
    }
  }
  CHECK_EQ_INT(n, 8);
  /* Values the SDK keeps are bounded; a non-URL authorization is refused. */
  vl_azure_challenge c;
  CHECK_EQ_INT(vl_azure_parse_challenge("Bearer authorization=\"nope\"", 27, &c), VL_ERR_FORMAT);
  char big[3000];
  memset(big, 'a', sizeof big);
  memcpy(big, "claims=\"", 8);
  big[sizeof big - 1] = '"';
  CHECK_EQ_INT(vl_azure_parse_challenge(big, sizeof big, &c), VL_ERR_LIMIT);
  cJSON_Delete(j);
}

/* A recorded exchange's response, with the headers the flow reads. */
typedef struct {
  tresp r;
  char *body;
} rec_resp;

static void rec_take(const cJSON *entry, rec_resp *out) {
  memset(out, 0, sizeof *out);
  out->r.status = (uint32_t)cJSON_GetObjectItem(entry, "StatusCode")->valueint;
  const cJSON *h = cJSON_GetObjectItem(entry, "ResponseHeaders");
  static const char *const keep[] = {"WWW-Authenticate", "Content-Type", "x-ms-keyvault-region", "x-ms-request-id"};
  for (size_t i = 0; i < 4; i++) {
    const char *v = jstr(h, keep[i]);
    if (v) {
      out->r.headers[out->r.header_count][0] = keep[i];
      out->r.headers[out->r.header_count][1] = v;
      out->r.header_count++;
    }
  }
  out->body = cJSON_PrintUnformatted(cJSON_GetObjectItem(entry, "ResponseBody"));
  out->r.body = out->body;
}

/* The recorded GET URL with our api-version instead of the recording's. */
static void rec_url(const cJSON *entry, char *out, size_t n) {
  const char *u = jstr(entry, "RequestUri");
  const char *q = strstr(u, "?api-version=");
  snprintf(out, n, "%.*s?api-version=" VL_AZURE_API_VERSION, (int)(q - u), u);
}

static void test_recorded_sessions(void) {
  static const struct {
    const char *file, *reason;
  } recs[] = {{"recording_can_get_a_secret.json", NULL},
              {"recording_can_get_a_secret_non_existing.json", "not_found"},
              {"recording_cant_get_a_disabled_secret.json", "disabled_at_provider"}};
  for (size_t i = 0; i < 3; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", AZ_DIR, recs[i].file);
    cJSON *j = load(path);
    const cJSON *entries = cJSON_GetObjectItem(j, "Entries");
    int count = cJSON_GetArraySize(entries);
    const cJSON *first = cJSON_GetArrayItem(entries, 0), *last = cJSON_GetArrayItem(entries, count - 1);
    CHECK_EQ_STR(jstr(last, "RequestMethod"), "GET");
    /* The secret's name from the recorded GET: /secrets/{name}/?api-version=… */
    const char *u = jstr(last, "RequestUri");
    const char *name = strstr(u, "/secrets/") + 9;
    char link[400];
    snprintf(link, sizeof link,
             "{\"source\":{\"provider\":\"azure\",\"azure\":{\"secretId\":\"https://keyvault-name.vault.azure.net/"
             "secrets/%.*s\"}}}",
             (int)(strchr(name, '/') - name), name);
    vl_vault *v = vl_vault_new(NULL);
    CHECK_EQ_INT(tlink(v, "s", link, NULL), VL_OK);
    /* The recordings' sanitised host has a '_'; the endpoint override serves it. */
    CHECK_EQ_INT(tconnect(v, "azure",
                          "{\"accessToken\":\"" TOKEN "\",\"endpoint\":\"https://keyvault_name.vault.azure.net\"}", T0),
                 VL_OK);
    rec_resp a, b;
    rec_take(first, &a);
    rec_take(last, &b);
    tresp answers[2] = {a.r, b.r};
    CHECK_EQ_INT(a.r.status, 401);
    tjobs s = {0};
    char *url, *rep;
    CHECK_EQ_INT(tflow(v, "https://api.test/?k={{vault:s}}", T0, answers, 2, &s, &url, &rep), VL_OK);
    CHECK_EQ_INT(s.jobs, 2);
    char want[400];
    rec_url(last, want, sizeof want);
    CHECK(slice_eq(s.job.url, want));
    CHECK(slice_eq(s.job.method, "GET"));
    CHECK_EQ_STR(tjob_header(&s, "Authorization"), "Bearer " TOKEN);
    if (!recs[i].reason) {
      CHECK_EQ_STR(url, "https://api.test/?k=SECRET_VALUE");
      CHECK_EQ_STR(rep, "[]");
    } else {
      CHECK_EQ_STR(url, "https://api.test/?k={{vault:s}}");
      CHECK_EQ_STR(treason(rep, 0), recs[i].reason);
      CHECK(strstr(rep, "keyvault-name.vault.azure.net/secrets/") != NULL);
      CHECK(strstr(rep, "HTTP 40") != NULL);
      CHECK(strstr(rep, TOKEN) == NULL);
    }
    vl_free(url);
    vl_free(rep);
    cJSON_free(a.body);
    cJSON_free(b.body);
    tjobs_clear(&s);
    vl_vault_free(v);
    cJSON_Delete(j);
  }
}

static void test_challenge_then_token_then_learned(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "db", LINK, NULL), VL_OK);
  CHECK_EQ_INT(tconnect(v, "azure", CREDS, T0), VL_OK);
  /* The first job carries no token. */
  tjobs s = {0};
  char *url, *rep;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0, NULL, 0, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 1);
  CHECK(slice_eq(s.job.url, SID "/?api-version=" VL_AZURE_API_VERSION));
  CHECK(tjob_header(&s, "Authorization") == NULL);
  CHECK_EQ_STR(tjob_header(&s, "Accept"), "application/json");
  CHECK(s.job.body.n == 0);
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  tresp two[2] = {R401, R200};
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0, two, 2, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 2);
  CHECK_EQ_STR(tjob_header(&s, "Authorization"), "Bearer " TOKEN);
  CHECK_EQ_STR(url, "https://h.com/s3cr3t");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  /* The host's challenge is remembered: after a cache reset one job, with the token. */
  vl_vault_reset_cache(v);
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0 + MIN, &R200, 1, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 1);
  CHECK_EQ_STR(tjob_header(&s, "Authorization"), "Bearer " TOKEN);
  CHECK_EQ_STR(url, "https://h.com/s3cr3t");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  /* A version in the identifier goes into the path. */
  CHECK_EQ_INT(tlink(v, "old",
                     "{\"source\":{\"provider\":\"azure\",\"azure\":{\"secretId\":\"" SID
                     "/4387e9f3d6e14c459867679a90fd0f79\"}}}",
                     NULL),
               VL_OK);
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:old}}", T0 + MIN, &R200, 1, &s, &url, &rep), VL_OK);
  CHECK(slice_eq(s.job.url, SID "/4387e9f3d6e14c459867679a90fd0f79?api-version=" VL_AZURE_API_VERSION));
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_vault_free(v);
}

static int rejected_flagged(vl_vault *v, uint64_t now) {
  uint8_t *st;
  size_t n;
  vl_vault_status(v, now, &st, &n);
  int r = strstr((char *)st,
                 "\"provider\":\"azure\",\"connected\":false,\"reauthRequired\":false,"
                 "\"credentialsRejected\":true") != NULL;
  vl_free(st);
  return r;
}

static int reauth_flagged(vl_vault *v, uint64_t now) {
  uint8_t *st;
  size_t n;
  vl_vault_status(v, now, &st, &n);
  int r = strstr((char *)st, "\"provider\":\"azure\",\"connected\":false,\"reauthRequired\":true") != NULL;
  vl_free(st);
  return r;
}

/* Runs one resolve of {{vault:db}} against answers; returns the report (vl_alloc'd). */
static char *run(const char *creds, const tresp *answers, size_t n, int *jobs) {
  vl_vault *v = vl_vault_new(NULL);
  tlink(v, "db", LINK, NULL);
  CHECK_EQ_INT(tconnect(v, "azure", creds, T0), VL_OK);
  tjobs s = {0};
  char *url, *rep;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0, answers, n, &s, &url, &rep), VL_OK);
  CHECK_EQ_STR(url, "https://h.com/{{vault:db}}");
  CHECK(strstr(rep, TOKEN) == NULL);
  CHECK(strstr(rep, "s3cr3t") == NULL);
  if (jobs) *jobs = s.jobs;
  vl_free(url);
  tjobs_clear(&s);
  vl_vault_free(v);
  return rep;
}

static void test_challenge_checks(void) {
  int jobs;
  /* A challenge for another cloud's resource: the token is never sent. */
  tresp cn = {401,
              {{"WWW-Authenticate",
                "Bearer authorization=\"https://login.chinacloudapi.cn/t1\", resource=\"https://vault.azure.cn\""}},
              1,
              UNAUTH_BODY};
  char *rep = run(CREDS, &cn, 1, &jobs);
  CHECK_EQ_INT(jobs, 1);
  CHECK_EQ_STR(treason(rep, 0), "misconfigured");
  CHECK(strstr(rep, "vault.azure.cn") && strstr(rep, "not sent") && strstr(rep, SID));
  vl_free(rep);
  /* A resource that is only a prefix of the host is refused too. */
  tresp prefix = {
      401, {{"WWW-Authenticate", "Bearer resource=\"https://myvault.vault.azure.net.evil.example\""}}, 1, ""};
  rep = run(CREDS, &prefix, 1, &jobs);
  CHECK_EQ_INT(jobs, 1);
  CHECK_EQ_STR(treason(rep, 0), "misconfigured");
  vl_free(rep);
  /* 401 without a challenge header, or with an unusable one. */
  tresp bare = {401, {{0}}, 0, UNAUTH_BODY};
  rep = run(CREDS, &bare, 1, NULL);
  CHECK_EQ_STR(treason(rep, 0), "malformed_response");
  vl_free(rep);
  tresp badauth = {
      401, {{"WWW-Authenticate", "Bearer authorization=\"not a url\", resource=\"https://vault.azure.net\""}}, 1, ""};
  rep = run(CREDS, &badauth, 1, NULL);
  CHECK_EQ_STR(treason(rep, 0), "malformed_response");
  vl_free(rep);
  /* The vault's tenant is not the token's: a fresh token is needed, naming tenant and scope. */
  rep = run("{\"accessToken\":\"" TOKEN "\",\"tenantId\":\"aaaaaaaa-0000-0000-0000-000000000000\"}", &R401, 1, &jobs);
  CHECK_EQ_INT(jobs, 1);
  CHECK_EQ_STR(treason(rep, 0), "reauth_required");
  CHECK(strstr(rep, "12345678-1234-1234-1234-123456789012") && strstr(rep, "https://vault.azure.net/.default"));
  vl_free(rep);
  /* "common" matches any tenant. */
  tresp ok2[2] = {R401, R200};
  vl_vault *v = vl_vault_new(NULL);
  tlink(v, "db", LINK, NULL);
  tconnect(v, "azure", "{\"accessToken\":\"" TOKEN "\",\"tenantId\":\"common\"}", T0);
  tjobs s = {0};
  char *url;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0, ok2, 2, &s, &url, &rep), VL_OK);
  CHECK_EQ_STR(url, "https://h.com/s3cr3t");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  /* The token itself refused before its expiry (wrong, revoked): credentials_rejected, credentials wiped. */
  vl_vault_reset_cache(v);
  tresp refused = {401,
                   {{"WWW-Authenticate", CHALLENGE}},
                   1,
                   "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10022: Invalid audience.\"}}"};
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0, &refused, 1, &s, &url, &rep), VL_OK);
  CHECK_EQ_STR(treason(rep, 0), "credentials_rejected");
  CHECK(strstr(rep, "tenant 12345678-1234-1234-1234-123456789012") &&
        strstr(rep, "scope https://vault.azure.net/.default"));
  CHECK(rejected_flagged(v, T0));
  CHECK(!reauth_flagged(v, T0));
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_vault_free(v);
  /* CAE: the claims challenge on the token's request. */
  tresp cae = {401,
               {{"WWW-Authenticate",
                 "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", "
                 "error=\"insufficient_claims\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnt9fQ==\""}},
               1,
               "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10038: token revoked\"}}"};
  tresp flow[2] = {R401, cae};
  rep = run(CREDS, flow, 2, &jobs);
  CHECK_EQ_INT(jobs, 2);
  CHECK_EQ_STR(treason(rep, 0), "reauth_required");
  CHECK(strstr(rep, "insufficient_claims") && strstr(rep, "https://vault.azure.net/.default"));
  vl_free(rep);
}

static void test_error_rows(void) {
  cJSON *j = load(AZ_DIR "/identifier-and-challenge-cases.json");
  static const char *const want[] = {"credentials_rejected", "not_found", "disabled_at_provider", "permission_denied"};
  int i = 0;
  const cJSON *row;
  cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "error_bodies")) {
    char *body = cJSON_PrintUnformatted(cJSON_GetObjectItem(row, "body"));
    tresp r = {(uint32_t)cJSON_GetObjectItem(row, "status")->valueint, {{"WWW-Authenticate", CHALLENGE}}, 1, body};
    tresp flow[2] = {R401, r};
    char *rep = run(CREDS, flow, 2, NULL);
    if (strcmp(treason(rep, 0), want[i]) != 0) fprintf(stderr, "  row %d: %s\n", i, rep);
    CHECK_EQ_STR(treason(rep, 0), want[i]);
    CHECK(strstr(rep, SID) != NULL);
    char status[16];
    snprintf(status, sizeof status, "HTTP %d", cJSON_GetObjectItem(row, "status")->valueint);
    CHECK(strstr(rep, status) != NULL);
    CHECK(strstr(rep, "appid=") == NULL); /* provider messages stay out of the report */
    vl_free(rep);
    cJSON_free(body);
    i++;
  }
  CHECK_EQ_INT(i, 4);
  cJSON_Delete(j);
  static const struct {
    tresp r;
    const char *reason;
  } more[] = {
      {{429, {{"Retry-After", "3"}}, 1, "{\"error\":{\"code\":\"Throttled\",\"message\":\"Rate limit\"}}"},
       "throttled"},
      {{403,
        {{0}},
        0,
        "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Caller is not "
        "authorized\",\"innererror\":{\"code\":\"ForbiddenByRbac\"}}}"},
       "permission_denied"},
      {{403,
        {{0}},
        0,
        "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation get is not allowed on an expired secret.\"}}"},
       "disabled_at_provider"},
      {{404, {{0}}, 0, ""}, "not_found"},
      {{400, {{0}}, 0, "{\"error\":{\"code\":\"BadParameter\",\"message\":\"x\"}}"}, "misconfigured"},
      {{503, {{0}}, 0, "<html>"}, "unreachable"},
      {{200, {{0}}, 0, "not json"}, "malformed_response"},
      {{200, {{0}}, 0, "{\"id\":\"x\"}"}, "malformed_response"},
      {{200, {{0}}, 0, "{\"value\":\"s3cr3t\",\"attributes\":{\"enabled\":false}}"}, "disabled_at_provider"},
      {{0, {{"x-vaultlink-error", "network"}}, 1, ""}, "unreachable"},
  };
  for (size_t k = 0; k < sizeof more / sizeof more[0]; k++) {
    tresp flow[2] = {R401, more[k].r};
    char *rep = run(CREDS, flow, 2, NULL);
    if (strcmp(treason(rep, 0), more[k].reason) != 0) fprintf(stderr, "  case %zu: %s\n", k, rep);
    CHECK_EQ_STR(treason(rep, 0), more[k].reason);
    vl_free(rep);
  }
  /* The unauthenticated request itself failing is unreachable; a page's
   * CORS/network refusal says so, a plain network error does not guess CORS. */
  tresp cors = {0, {{"x-vaultlink-error", "cors"}}, 1, ""};
  char *rep = run(CREDS, &cors, 1, NULL);
  CHECK_EQ_STR(treason(rep, 0), "unreachable");
  CHECK(strstr(rep, "CORS") != NULL);
  vl_free(rep);
  tresp net = {0, {{"x-vaultlink-error", "network"}}, 1, ""};
  rep = run(CREDS, &net, 1, NULL);
  CHECK_EQ_STR(treason(rep, 0), "unreachable");
  CHECK(strstr(rep, "network error") != NULL);
  vl_free(rep);
}

static void test_nbf_exp(void) {
  uint64_t now_s = T0 / 1000;
  char body[200];
  /* Not yet valid. */
  snprintf(body, sizeof body, "{\"value\":\"s3cr3t\",\"attributes\":{\"enabled\":true,\"nbf\":%llu}}",
           (unsigned long long)(now_s + 3600));
  tresp r = {200, {{0}}, 0, body};
  tresp flow[2] = {R401, r};
  char *rep = run(CREDS, flow, 2, NULL);
  CHECK_EQ_STR(treason(rep, 0), "disabled_at_provider");
  CHECK(strstr(rep, "not valid before") && strstr(rep, "nbf"));
  vl_free(rep);
  /* Expired. */
  snprintf(body, sizeof body, "{\"value\":\"s3cr3t\",\"attributes\":{\"enabled\":true,\"exp\":%llu}}",
           (unsigned long long)(now_s - 1));
  rep = run(CREDS, flow, 2, NULL);
  CHECK_EQ_STR(treason(rep, 0), "disabled_at_provider");
  CHECK(strstr(rep, "expired") && strstr(rep, "exp"));
  vl_free(rep);
  /* Valid for 10 more minutes: served, and cached only until exp. */
  snprintf(body, sizeof body, "{\"value\":\"s3cr3t\",\"attributes\":{\"enabled\":true,\"nbf\":%llu,\"exp\":%llu}}",
           (unsigned long long)(now_s - 60), (unsigned long long)(now_s + 600));
  vl_vault *v = vl_vault_new(NULL);
  tlink(v, "db", LINK, NULL);
  tconnect(v, "azure", CREDS, T0);
  tjobs s = {0};
  char *url;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0, flow, 2, &s, &url, &rep), VL_OK);
  CHECK_EQ_STR(url, "https://h.com/s3cr3t");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0 + 9 * MIN, NULL, 0, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 0);
  CHECK_EQ_STR(url, "https://h.com/s3cr3t");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0 + 11 * MIN, NULL, 0, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 1); /* past exp: fetched again */
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_vault_free(v);
}

static void test_links(void) {
  vl_vault *v = vl_vault_new(NULL);
  /* Shorthand: the identifier URL, in every cloud. */
  CHECK_EQ_INT(tlink(v, "a", "{\"source\":\"" SID "\"}", NULL), VL_OK);
  CHECK_EQ_INT(tlink(v, "cn", "{\"source\":\"https://myvault.vault.azure.cn/secrets/db-password\"}", NULL), VL_OK);
  CHECK_EQ_INT(tlink(v, "gov", "{\"source\":\"https://MyVault.Vault.UsGovCloudApi.net/secrets/x/\"}", NULL), VL_OK);
  vl_vault_connect(v, "azure", (const uint8_t *)CREDS, strlen(CREDS), T0);
  tjobs s = {0};
  char *url, *rep;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:gov}}", T0, NULL, 0, &s, &url, &rep), VL_OK);
  CHECK(slice_eq(s.job.url, "https://myvault.vault.usgovcloudapi.net/secrets/x/?api-version=" VL_AZURE_API_VERSION));
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  /* The object form allows other hosts (private DNS, proxies); shorthand does not. */
  CHECK_EQ_INT(
      tlink(v, "own",
            "{\"source\":{\"provider\":\"azure\",\"azure\":{\"secretId\":\"https://kv.example.internal/secrets/x\"}}}",
            NULL),
      VL_OK);
  CHECK(tlink(v, "own2", "{\"source\":\"https://kv.example.internal/secrets/x\"}", NULL) != VL_OK);
  static const struct {
    const char *sid, *msg;
  } bad[] = {
      {"http://myvault.vault.azure.net/secrets/x", "https"},
      {"https://myvault.vault.azure.net/keys/x", "segment 1"},
      {"https://myvault.vault.azure.net/secrets/a/b/c", "segments"},
      {"https://myvault.vault.azure.net/secrets/", "1-127"},
      {"https://myvault.vault.azure.net/secrets/a_b", "byte 41"},
      {"https://my--vault.vault.azure.net/secrets/x", "--"},
      {"https://ab.vault.azure.net/secrets/x", "3-24"},
      {"https://1vault.vault.azure.net/secrets/x", "letter"},
      {"https://myhsm.managedhsm.azure.net/secrets/x", "Managed HSM"},
      {"https://myvault.vault.azure.net/deletedsecrets/x", "deleted"},
      {"https://myvault.vault.azure.net/secrets/x/ver-1", "version"},
      {"https://user@myvault.vault.azure.net/secrets/x", "host"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char def[300];
    snprintf(def, sizeof def, "{\"source\":{\"provider\":\"azure\",\"azure\":{\"secretId\":\"%s\"}}}", bad[i].sid);
    CHECK_EQ_INT(tlink(v, "bad", def, NULL), VL_ERR_REFERENCE);
    if (!strstr(vl_vault_last_error(v), bad[i].msg)) fprintf(stderr, "  %s: %s\n", bad[i].sid, vl_vault_last_error(v));
    CHECK(strstr(vl_vault_last_error(v), bad[i].msg) != NULL);
  }
  CHECK_EQ_INT(tlink(v, "bad", "{\"source\":{\"provider\":\"azure\",\"azure\":{}}}", NULL), VL_ERR_REFERENCE);
  CHECK(strstr(vl_vault_last_error(v), "secretId") != NULL);
  vl_vault_free(v);
}

static void test_connect(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tconnect(v, "azure", "{}", T0), VL_ERR_ARG);
  CHECK(strstr(vl_vault_last_error(v), "accessToken") != NULL);
  CHECK_EQ_INT(tconnect(v, "azure", "{\"accessToken\":\"a b\"}", T0), VL_ERR_ARG);
  CHECK_EQ_INT(tconnect(v, "azure", "{\"accessToken\":\"x\",\"expiresAt\":\"soon\"}", T0), VL_ERR_ARG);
  CHECK_EQ_INT(tconnect(v, "azure", "{\"accessToken\":\"x\",\"endpoint\":\"ftp://x\"}", T0), VL_ERR_ARG);
  CHECK_EQ_INT(tconnect(v, "azure", "{\"accessToken\":\"x\",\"expiresAt\":1000}", T0), VL_ERR_EXPIRED);
  CHECK(strstr(vl_vault_last_error(v), "x\"") == NULL);
  /* Default lifetime: one day. */
  CHECK_EQ_INT(tconnect(v, "azure", CREDS, T0), VL_OK);
  uint8_t *st;
  size_t n;
  vl_vault_status(v, T0, &st, &n);
  char want[64];
  snprintf(want, sizeof want, "\"expiresAt\":%llu", (unsigned long long)(T0 + 24 * 60 * MIN));
  CHECK(strstr((char *)st, want) != NULL);
  CHECK(strstr((char *)st, TOKEN) == NULL);
  vl_free(st);
  /* The token expires: the link reports reauth_required without a request. */
  tlink(v, "db", LINK, NULL);
  tjobs s = {0};
  char *url, *rep;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0 + 24 * 60 * MIN + 1, NULL, 0, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 0);
  CHECK_EQ_STR(treason(rep, 0), "reauth_required");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  /* An explicit expiry wins. */
  CHECK_EQ_INT(tconnect(v, "azure", "{\"accessToken\":\"x\",\"expiresAt\":1700000600000}", T0), VL_OK);
  vl_vault_status(v, T0, &st, &n);
  CHECK(strstr((char *)st, "\"expiresAt\":1700000600000") != NULL);
  vl_free(st);
  vl_vault_free(v);
}

/* A JWT with this payload (unsigned: connect reads claims, Key Vault checks signatures). */
static void jwt(char *out, size_t outlen, const char *payload) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t n = strlen(payload), o = (size_t)snprintf(out, outlen, "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.");
  for (size_t i = 0; i < n && o + 5 < outlen; i += 3) {
    uint32_t w = (uint32_t)(uint8_t)payload[i] << 16 | (i + 1 < n ? (uint32_t)(uint8_t)payload[i + 1] << 8 : 0) |
                 (i + 2 < n ? (uint8_t)payload[i + 2] : 0);
    out[o++] = tbl[w >> 18 & 63];
    out[o++] = tbl[w >> 12 & 63];
    if (i + 1 < n) out[o++] = tbl[w >> 6 & 63];
    if (i + 2 < n) out[o++] = tbl[w & 63];
  }
  snprintf(out + o, outlen - o, ".c2lnbmF0dXJl");
}

static vl_status connect_jwt(vl_vault *v, const char *payload) {
  char token[600], creds[700];
  jwt(token, sizeof token, payload);
  snprintf(creds, sizeof creds, "{\"accessToken\":\"%s\"}", token);
  return tconnect(v, "azure", creds, T0);
}

static void test_connect_reads_jwt_claims(void) {
  vl_vault *v = vl_vault_new(NULL);
  /* A token for another service is refused, naming its audience. */
  CHECK_EQ_INT(connect_jwt(v, "{\"aud\":\"https://management.azure.com/\",\"exp\":1900000000}"), VL_ERR_ARG);
  CHECK(strstr(vl_vault_last_error(v), "audience \"https://management.azure.com/\"") != NULL);
  CHECK_EQ_INT(connect_jwt(v, "{\"aud\":[\"https://graph.microsoft.com\"]}"), VL_ERR_ARG);
  /* Key Vault's audiences, in each cloud, with or without the slash, or its app ID. */
  CHECK_EQ_INT(connect_jwt(v, "{\"aud\":\"https://vault.azure.net\"}"), VL_OK);
  CHECK_EQ_INT(connect_jwt(v, "{\"aud\":\"https://vault.usgovcloudapi.net/\"}"), VL_OK);
  CHECK_EQ_INT(connect_jwt(v, "{\"aud\":\"cfa8b339-82a2-471a-a3c9-0fc0be7a4093\"}"), VL_OK);
  CHECK_EQ_INT(connect_jwt(v, "{\"aud\":[\"x\",\"https://vault.azure.cn\"]}"), VL_OK);
  /* The token's exp bounds the credentials' lifetime. */
  CHECK_EQ_INT(connect_jwt(v, "{\"aud\":\"https://vault.azure.net\",\"exp\":1700003600}"), VL_OK);
  uint8_t *st;
  size_t n;
  vl_vault_status(v, T0, &st, &n);
  CHECK(strstr((char *)st, "\"expiresAt\":1700003600000") != NULL);
  vl_free(st);
  CHECK_EQ_INT(connect_jwt(v, "{\"aud\":\"https://vault.azure.net\",\"exp\":1699999999}"), VL_ERR_EXPIRED);
  /* Opaque tokens and undecodable payloads are Key Vault's to judge. */
  CHECK_EQ_INT(tconnect(v, "azure", "{\"accessToken\":\"opaque-token\"}", T0), VL_OK);
  CHECK_EQ_INT(tconnect(v, "azure", "{\"accessToken\":\"a.%%%.b\"}", T0), VL_OK);
  vl_vault_free(v);
}

/* Issue #11 §2: an object-form secretId may name any host. The token goes to
 * Key Vault hosts or the connection's endpoint only; a host whose challenge
 * names itself as the resource (which passes the SDK's resource check) is
 * never sent the token, nor even asked. */
static void test_credential_never_goes_to_link_origin(void) {
  static const tresp evil_challenge = {
      401,
      {{"WWW-Authenticate",
        "Bearer authorization=\"https://login.microsoftonline.com/t\", resource=\"https://evil.example\""}},
      1,
      UNAUTH_BODY};
  const tresp answers[2] = {evil_challenge, R200};
  static const char *const foreign[] = {"https://myvault.evil.example/secrets/db",
                                        "https://vault.azure.net.evil.example/secrets/db",
                                        "https://myvault.vault.azure.net.evil.example:443/secrets/db"};
  for (size_t i = 0; i < sizeof foreign / sizeof *foreign; i++) {
    vl_vault *v = vl_vault_new(NULL);
    char def[300];
    snprintf(def, sizeof def, "{\"source\":{\"provider\":\"azure\",\"azure\":{\"secretId\":\"%s\"}}}", foreign[i]);
    CHECK_EQ_INT(tlink(v, "db", def, NULL), VL_OK);
    CHECK_EQ_INT(tconnect(v, "azure", CREDS, T0), VL_OK);
    tjobs s = {0};
    char *url, *rep;
    CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0, answers, 2, &s, &url, &rep), VL_OK);
    if (s.jobs) fprintf(stderr, "  fetched %s\n", foreign[i]);
    CHECK_EQ_INT(s.jobs, 0);
    CHECK_EQ_INT(tjobs_credential_outside(&s, "https://myvault.vault.azure.net", TOKEN), -1);
    CHECK_EQ_STR(treason(rep, 0), "misconfigured");
    CHECK(strstr(tdetail(rep, 0), "not on a Key Vault host") != NULL);
    CHECK(strstr(tdetail(rep, 0), "the token was not sent") != NULL);
    CHECK_EQ_STR(url, "https://h.com/{{vault:db}}");
    vl_free(url);
    vl_free(rep);
    tjobs_clear(&s);
    /* An endpoint from connect is where the token goes, whatever host the link names. */
    CHECK_EQ_INT(tconnect(v, "azure", "{\"accessToken\":\"" TOKEN "\",\"endpoint\":\"https://kv.internal:8443\"}", T0),
                 VL_OK);
    const tresp ok[2] = {{401,
                          {{"WWW-Authenticate",
                            "Bearer authorization=\"https://login.microsoftonline.com/t\", "
                            "resource=\"https://evil.example\""}},
                          1,
                          UNAUTH_BODY},
                         R200};
    CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0, ok, 2, &s, &url, &rep), VL_OK);
    CHECK(s.jobs >= 1);
    CHECK_EQ_INT(tjobs_to_origin(&s, "https://kv.internal:8443"), s.jobs);
    CHECK_EQ_INT(tjobs_credential_outside(&s, "https://kv.internal:8443", TOKEN), -1);
    vl_free(url);
    vl_free(rep);
    tjobs_clear(&s);
    vl_vault_free(v);
  }
  /* A Key Vault host still gets the token after its challenge. */
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "db", LINK, NULL), VL_OK);
  CHECK_EQ_INT(tconnect(v, "azure", CREDS, T0), VL_OK);
  tjobs s = {0};
  char *url, *rep;
  const tresp kv[2] = {R401, R200};
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0, kv, 2, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 2);
  CHECK_EQ_STR(url, "https://h.com/s3cr3t");
  CHECK_EQ_INT(tjobs_credential_outside(&s, "https://myvault.vault.azure.net", TOKEN), -1);
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_vault_free(v);
}

VLT_MAIN(TEST(test_connect_reads_jwt_claims), TEST(test_identifier_table), TEST(test_challenge_table),
         TEST(test_recorded_sessions), TEST(test_challenge_then_token_then_learned), TEST(test_challenge_checks),
         TEST(test_error_rows), TEST(test_nbf_exp), TEST(test_links), TEST(test_connect),
         TEST(test_credential_never_goes_to_link_origin))
