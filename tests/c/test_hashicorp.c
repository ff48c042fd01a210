/* HashiCorp Vault through the engine: KV v1/v2, mount detection, versions,
 * namespaces, every auth method, the error taxonomy, credential lifetimes,
 * and every client-side row of ../shared/vectors/hashicorp-vault/kv-wire-cases.json. */
#include <strings.h>

#include "engine.h"
#include "provhelp.h"
#include "vltest.h"

#define T0 1700000000000ull
#define SEC 1000ull
#define ADDR "https://vault.example:8200"
#define TOKEN_CREDS "{\"address\":\"" ADDR "\",\"token\":\"hvs.TESTONLY\",\"expiresAt\":1800000000000}"
#define LINK(engine, path, extra) \
  "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":{\"engine\":\"" engine "\",\"path\":\"" path "\"" extra "}}}"

static const tresp MOUNT_V2 = {
    200, {{0}}, 0, "{\"data\":{\"type\":\"kv\",\"options\":{\"version\":\"2\"},\"path\":\"secret/\"}}"};
static const tresp MOUNT_V1 = {
    200, {{0}}, 0, "{\"data\":{\"type\":\"kv\",\"options\":{\"version\":\"1\"},\"path\":\"secret/\"}}"};

/* Resolves "https://h.com/?k={{vault:NAME}}" with answers; returns the value
 * part (or the literal token) and the report through the out params. */
typedef struct {
  char *url, *rep;
  tjobs s;
} trun;

static void run(vl_vault *v, const char *name, uint64_t now, const tresp *answers, size_t n, trun *r) {
  char url[128];
  snprintf(url, sizeof url, "https://h.com/?k={{vault:%s}}", name);
  vl_free(r->url);
  vl_free(r->rep);
  r->url = r->rep = NULL;
  r->s.jobs = 0;
  CHECK_EQ_INT(tflow(v, url, now, answers, n, &r->s, &r->url, &r->rep), VL_OK);
}

static const char *value_of(const trun *r) {
  const char *q = strstr(r->url, "?k=");
  return q ? q + 3 : r->url;
}

static void trun_clear(trun *r) {
  vl_free(r->url);
  vl_free(r->rep);
  tjobs_clear(&r->s);
  memset(r, 0, sizeof *r);
}

static int job_url_is(const trun *r, const char *url) {
  int ok = slice_eq(r->s.job.url, url);
  if (!ok) fprintf(stderr, "  job url: %.*s\n", (int)r->s.job.url.n, (const char *)r->s.job.url.p);
  return ok;
}

static vl_vault *vault_with(const char *link, const char *creds) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "x", link, NULL), VL_OK);
  if (vl_vault_last_error(v)[0]) fprintf(stderr, "  %s\n", vl_vault_last_error(v));
  CHECK_EQ_INT(tconnect(v, "hashicorp", creds, T0), VL_OK);
  return v;
}

/* The provider's line in vl_vault_status. */
static char *hc_status(vl_vault *v, uint64_t now) {
  uint8_t *st;
  size_t n;
  vl_vault_status(v, now, &st, &n);
  static char buf[256];
  const char *p = strstr((char *)st, "{\"provider\":\"hashicorp\"");
  snprintf(buf, sizeof buf, "%.*s", p ? (int)strcspn(p, "}") : 0, p ? p : "");
  vl_free(st);
  return buf;
}

/* ---------------------------------------------------------------- vectors */

static char *print_body(const cJSON *c) {
  const cJSON *b = cJSON_GetObjectItem(cJSON_GetObjectItem(c, "response"), "body");
  return b ? cJSON_PrintUnformatted(b) : NULL;
}

static int status_of(const cJSON *c) {
  return cJSON_GetObjectItem(cJSON_GetObjectItem(c, "response"), "status")->valueint;
}

static void test_wire_vectors(void) {
  vl_mem_install_cjson_hooks(); /* before the first cJSON allocation: the vault frees with the same hooks */
  size_t len;
  char *text = vlt_read_file(VL_VECTORS_DIR "/hashicorp-vault/kv-wire-cases.json", &len);
  CHECK(text != NULL);
  if (!text) return;
  cJSON *root = cJSON_Parse(text);
  const cJSON *c;
  int covered = 0, total = 0;
  cJSON *std_headers = NULL;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases")) {
    if (strcmp(cJSON_GetObjectItem(c, "name")->valuestring, "cors-std-allowed-headers") == 0)
      std_headers = cJSON_GetObjectItem(c, "value");
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases")) {
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "request"), "path"));
    char *body = print_body(c);
    total++;
    trun r = {0};
    if (strncmp(name, "kv2-read-", 9) == 0 || strcmp(name, "policy-denied") == 0 ||
        strcmp(name, "invalid-or-expired-token") == 0 || strcmp(name, "rate-limit-quota") == 0 ||
        strcmp(name, "sealed") == 0 || strcmp(name, "kv2-mount-read-with-v1-style-path") == 0) {
      /* A KV v2 read of secret/my-secret (version 2 where the vector asks for it). */
      int versioned = path && strstr(path, "?version=2") != NULL;
      int v1_style = strcmp(name, "kv2-mount-read-with-v1-style-path") == 0;
      const char *link = v1_style    ? LINK("secret", "my-secret", ",\"key\":\"product\",\"kv\":1")
                         : versioned ? LINK("secret", "my-secret", ",\"key\":\"foo\",\"version\":2")
                                     : LINK("secret", "my-secret", ",\"key\":\"product\"");
      vl_vault *v = vault_with(link, TOKEN_CREDS);
      tresp ans[2] = {MOUNT_V2, {(uint32_t)status_of(c), {{0}}, 0, body}};
      if (v1_style)
        ans[1].body =
            "{\"request_id\":\"r\",\"data\":null,\"warnings\":[\"Invalid path for a versioned K/V secrets engine. See "
            "the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for "
            "this operation.\"]}";
      if (strcmp(name, "rate-limit-quota") == 0) {
        ans[1].headers[0][0] = "Retry-After";
        ans[1].headers[0][1] = "7";
        ans[1].header_count = 1;
      }
      const tresp *a = v1_style ? &ans[1] : ans;
      run(v, "x", T0, a, v1_style ? 1 : 2, &r);
      CHECK_EQ_INT(r.s.jobs, v1_style ? 1 : 2);
      if (path) {
        char want[256];
        snprintf(want, sizeof want, ADDR "%s", path);
        CHECK(job_url_is(&r, want));
        CHECK(slice_eq(r.s.job.method, cJSON_GetObjectItem(cJSON_GetObjectItem(c, "request"), "method")->valuestring));
      }
      CHECK_EQ_STR(tjob_header(&r.s, "X-Vault-Token"), "hvs.TESTONLY");
      const char *want_reason = strcmp(name, "kv2-read-latest-ok") == 0                 ? ""
                                : strcmp(name, "kv2-read-version-ok") == 0              ? ""
                                : strcmp(name, "kv2-read-soft-deleted-version") == 0    ? "disabled_at_provider"
                                : strcmp(name, "kv2-read-destroyed-version") == 0       ? "disabled_at_provider"
                                : strcmp(name, "kv2-read-missing-path-or-version") == 0 ? "not_found"
                                : strcmp(name, "policy-denied") == 0                    ? "permission_denied"
                                : strcmp(name, "invalid-or-expired-token") == 0         ? "credentials_rejected"
                                : strcmp(name, "rate-limit-quota") == 0                 ? "throttled"
                                : strcmp(name, "sealed") == 0                           ? "unreachable"
                                                                                        : "misconfigured";
      if (*want_reason) {
        if (strcmp(treason(r.rep, 0), want_reason) != 0) fprintf(stderr, "  %s: %s\n", name, r.rep);
        CHECK_EQ_STR(treason(r.rep, 0), want_reason);
        CHECK(strstr(r.rep, "secret/my-secret") != NULL); /* the detail names the reference */
        CHECK_EQ_STR(value_of(&r), "{{vault:x}}");
      } else {
        CHECK_EQ_STR(r.rep, "[]");
        CHECK_EQ_STR(value_of(&r), versioned ? "bar" : "mate70");
      }
      if (strcmp(name, "sealed") == 0) CHECK(strstr(r.rep, "vault is sealed") != NULL);
      if (strcmp(name, "kv2-read-soft-deleted-version") == 0) CHECK(strstr(r.rep, "deleted") != NULL);
      if (strcmp(name, "kv2-read-destroyed-version") == 0) CHECK(strstr(r.rep, "destroyed") != NULL);
      if (strcmp(name, "rate-limit-quota") == 0) CHECK(strstr(r.rep, "retry after 7") != NULL);
      if (strcmp(name, "invalid-or-expired-token") == 0)
        CHECK(strstr(hc_status(v, T0), "\"credentialsRejected\":true")); /* before its expiry: rejected */
      trun_clear(&r);
      vl_vault_free(v);
      covered++;
    } else if (strcmp(name, "kv1-read-ok") == 0) {
      vl_vault *v = vault_with(LINK("secret", "foo", ",\"key\":\"FOO\""), TOKEN_CREDS);
      tresp ans[2] = {MOUNT_V1, {200, {{0}}, 0, body}};
      run(v, "x", T0, ans, 2, &r);
      CHECK(job_url_is(&r, ADDR "/v1/secret/foo"));
      CHECK_EQ_STR(value_of(&r), "BAR");
      /* lease_duration 2764800 s is longer than the 60-minute cache: cached 60 minutes. */
      run(v, "x", T0 + 3600 * SEC - 1, NULL, 0, &r);
      CHECK_EQ_INT(r.s.jobs, 0);
      trun_clear(&r);
      vl_vault_free(v);
      covered++;
    } else if (strcmp(name, "jwt-login") == 0) {
      const cJSON *rb = cJSON_GetObjectItem(cJSON_GetObjectItem(c, "request"), "body");
      char creds[512];
      snprintf(creds, sizeof creds, "{\"address\":\"" ADDR "\",\"jwt\":{\"role\":\"%s\",\"jwt\":\"%s\"}}",
               cJSON_GetObjectItem(rb, "role")->valuestring, cJSON_GetObjectItem(rb, "jwt")->valuestring);
      vl_vault *v = vault_with(LINK("secret", "my-secret", ",\"key\":\"product\",\"kv\":2"), creds);
      tresp ans[2] = {{200, {{0}}, 0, body}, {200, {{0}}, 0, "{\"data\":{\"data\":{\"product\":\"p\"}}}"}};
      run(v, "x", T0, ans, 1, &r); /* stop after the login to inspect it */
      CHECK(job_url_is(&r, ADDR "/v1/secret/data/my-secret"));
      CHECK_EQ_STR(tjob_header(&r.s, "X-Vault-Token"),
                   cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "response"), "body"), "auth")
                       ->child->valuestring); /* auth.client_token */
      CHECK_EQ_INT(r.s.jobs, 2);
      /* The login's lease_duration became the credential's expiry. */
      CHECK(strstr(hc_status(v, T0), "\"expiresAt\":1702764800000") != NULL);
      trun_clear(&r);
      vl_vault_free(v);
      v = vault_with(LINK("secret", "my-secret", ",\"key\":\"product\",\"kv\":2"), creds);
      tjobs s = {0};
      char *u, *rep;
      tflow(v, "https://h.com/{{vault:x}}", T0, NULL, 0, &s, &u, &rep);
      char want[128];
      snprintf(want, sizeof want, ADDR "%s", path);
      CHECK(slice_eq(s.job.url, want));
      CHECK(slice_eq(s.job.method, "POST"));
      cJSON *sent = cJSON_ParseWithLength((const char *)s.job.body.p, s.job.body.n);
      CHECK_EQ_STR(cJSON_GetObjectItem(sent, "role")->valuestring, cJSON_GetObjectItem(rb, "role")->valuestring);
      CHECK_EQ_STR(cJSON_GetObjectItem(sent, "jwt")->valuestring, cJSON_GetObjectItem(rb, "jwt")->valuestring);
      CHECK(tjob_header(&s, "X-Vault-Token") == NULL); /* logins are unauthenticated */
      cJSON_Delete(sent);
      vl_free(u);
      vl_free(rep);
      tjobs_clear(&s);
      vl_vault_free(v);
      covered++;
    } else if (strncmp(name, "oidc-", 5) == 0 || strcmp(name, "cors-config-read") == 0) {
      /* Browser-side (web/src/auth/vault-oidc.js, tests/js/hashicorp-e2e) and
       * server configuration: no C client behaviour. */
      covered++;
    } else if (strcmp(name, "cors-std-allowed-headers") == 0) {
      /* Every header a default-configured job sends is in Vault's default CORS list. */
      tresp ans[2] = {{200, {{0}}, 0, "{\"data\":{\"ttl\":0}}"}, MOUNT_V2};
      for (int step = 0; step < 3; step++) { /* lookup-self, mount detection, read */
        vl_vault *v =
            vault_with(LINK("secret", "x", ""), "{\"address\":\"" ADDR "\",\"token\":\"t\",\"namespace\":\"ns1\"}");
        run(v, "x", T0, ans, (size_t)step, &r);
        CHECK_EQ_INT(r.s.jobs, step + 1);
        for (size_t i = 0; i < r.s.job.header_count; i++) {
          int listed = 0;
          const cJSON *h;
          cJSON_ArrayForEach(h, std_headers) {
            listed |=
                r.s.job.headers[i].name.n == strlen(h->valuestring) &&
                strncasecmp((const char *)r.s.job.headers[i].name.p, h->valuestring, r.s.job.headers[i].name.n) == 0;
          }
          CHECK(listed);
        }
        vl_vault_free(v);
      }
      trun_clear(&r);
      covered++;
    } else {
      fprintf(stderr, "  vector case %s is not covered\n", name);
    }
    cJSON_free(body);
  }
  CHECK(total >= 16);
  CHECK_EQ_INT(covered, total);
  cJSON_Delete(root);
  free(text);
}

/* ---------------------------------------------------------------- KV */

static void test_kv1_detection_cache_and_lease_hint(void) {
  vl_vault *v = vault_with(LINK("kv", "app/db", ",\"key\":\"pass\""), TOKEN_CREDS);
  trun r = {0};
  tresp ans[2] = {{200, {{0}}, 0, "{\"data\":{\"type\":\"generic\",\"options\":null,\"path\":\"kv/\"}}"},
                  {200, {{0}}, 0, "{\"lease_duration\":120,\"data\":{\"pass\":\"p1\"}}"}};
  run(v, "x", T0, ans, 2, &r);
  CHECK_EQ_INT(r.s.jobs, 2);
  CHECK(job_url_is(&r, ADDR "/v1/kv/app/db"));
  CHECK_EQ_STR(value_of(&r), "p1");
  /* lease_duration (120 s) is an expiry hint shorter than the cache TTL. */
  run(v, "x", T0 + 120 * SEC - 1, NULL, 0, &r);
  CHECK_EQ_INT(r.s.jobs, 0);
  CHECK_EQ_STR(value_of(&r), "p1");
  /* Expired: fetched again, and the mount's version is remembered (one job). */
  run(v, "x", T0 + 120 * SEC, &ans[1], 1, &r);
  CHECK_EQ_INT(r.s.jobs, 1);
  CHECK(job_url_is(&r, ADDR "/v1/kv/app/db"));
  trun_clear(&r);
  vl_vault_free(v);

  /* A server without the detection endpoint (404) is KV v1. */
  v = vault_with(LINK("old", "a", ",\"key\":\"k\""), TOKEN_CREDS);
  tresp old[2] = {{404, {{0}}, 0, "{\"errors\":[]}"}, {200, {{0}}, 0, "{\"data\":{\"k\":\"v\"}}"}};
  run(v, "x", T0, old, 2, &r);
  CHECK(job_url_is(&r, ADDR "/v1/old/a"));
  CHECK_EQ_STR(value_of(&r), "v");
  trun_clear(&r);
  vl_vault_free(v);

  /* A non-KV engine is a misconfigured link. */
  v = vault_with(LINK("pki", "a", ""), TOKEN_CREDS);
  tresp pki = {200, {{0}}, 0, "{\"data\":{\"type\":\"pki\",\"path\":\"pki/\"}}"};
  run(v, "x", T0, &pki, 1, &r);
  CHECK_EQ_STR(treason(r.rep, 0), "misconfigured");
  CHECK(strstr(r.rep, "pki") != NULL);
  trun_clear(&r);
  vl_vault_free(v);
}

static void test_kv2_detection_url_and_override(void) {
  vl_vault *v = vault_with(LINK("secret", "myapp", ",\"key\":\"password\""), TOKEN_CREDS);
  trun r = {0};
  run(v, "x", T0, NULL, 0, &r);
  CHECK(job_url_is(&r, ADDR "/v1/sys/internal/ui/mounts/secret/myapp"));
  CHECK(slice_eq(r.s.job.method, "GET"));
  tresp ans[2] = {MOUNT_V2, {200, {{0}}, 0, "{\"lease_duration\":0,\"data\":{\"data\":{\"password\":\"pw\"}}}"}};
  run(v, "x", T0, ans, 2, &r);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/myapp"));
  CHECK_EQ_STR(value_of(&r), "pw");
  trun_clear(&r);
  vl_vault_free(v);
  /* "kv": 2 skips detection. */
  v = vault_with(LINK("secret", "myapp", ",\"key\":\"password\",\"kv\":2"), TOKEN_CREDS);
  run(v, "x", T0, &ans[1], 1, &r);
  CHECK_EQ_INT(r.s.jobs, 1);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/myapp"));
  CHECK_EQ_STR(value_of(&r), "pw");
  trun_clear(&r);
  vl_vault_free(v);
  /* Mount detection refused by policy: permission denied, naming the reference. */
  v = vault_with(LINK("secret", "myapp", ""), TOKEN_CREDS);
  tresp denied = {403, {{0}}, 0, "{\"errors\":[\"preflight capability check returned 403\"]}"};
  run(v, "x", T0, &denied, 1, &r);
  CHECK_EQ_STR(treason(r.rep, 0), "permission_denied");
  CHECK(strstr(r.rep, "mount detection") != NULL);
  trun_clear(&r);
  vl_vault_free(v);
}

static void test_postman_path_forms(void) {
  /* postman-runtime's test link: {engine:'secret', path:'/secret/data/myapp', key:'value'}. */
  static const char *const forms[] = {"/secret/data/myapp", "secret/data/myapp", "data/myapp", "myapp", "/myapp/"};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    char link[256];
    snprintf(link, sizeof link,
             "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":{\"engine\":\"secret\",\"path\":\"%s\",\"key\":"
             "\"value\"}}}",
             forms[i]);
    vl_vault *v = vault_with(link, TOKEN_CREDS);
    trun r = {0};
    tresp ans[2] = {MOUNT_V2, {200, {{0}}, 0, "{\"data\":{\"data\":{\"value\":\"ok\"}}}"}};
    run(v, "x", T0, ans, 2, &r);
    CHECK(job_url_is(&r, ADDR "/v1/secret/data/myapp"));
    CHECK_EQ_STR(value_of(&r), "ok");
    vl_vault_reset_cache(v);
    tresp missing = {404, {{0}}, 0, "{\"errors\":[]}"};
    run(v, "x", T0, &missing, 1, &r);
    CHECK(strstr(r.rep, "for secret/myapp#value\"") != NULL); /* the canonical reference */
    trun_clear(&r);
    vl_vault_free(v);
  }
  /* With "kv": 1, "data/" is an ordinary name. */
  vl_vault *v = vault_with(LINK("secret", "/secret/data/myapp", ",\"kv\":1"), TOKEN_CREDS);
  trun r = {0};
  tresp one = {200, {{0}}, 0, "{\"data\":{\"a\":1}}"};
  run(v, "x", T0, &one, 1, &r);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/myapp"));
  CHECK_EQ_STR(value_of(&r), "{\"a\":1}"); /* no key: the whole map as compact JSON */
  trun_clear(&r);
  vl_vault_free(v);
  /* Names with reserved characters are percent-encoded. */
  v = vault_with(LINK("secret", "team a/caf\u00e9", ",\"kv\":2"), TOKEN_CREDS);
  run(v, "x", T0, NULL, 0, &r);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/team%20a/caf%C3%A9"));
  trun_clear(&r);
  vl_vault_free(v);
  /* The shorthand. */
  v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "s", "{\"source\":\"hashicorp:secret/myapp#value@v3\"}", NULL), VL_OK);
  tconnect(v, "hashicorp", TOKEN_CREDS, T0);
  tresp ans[2] = {MOUNT_V2, {200, {{0}}, 0, "{\"data\":{\"data\":{\"value\":\"v3\"}}}"}};
  run(v, "s", T0, ans, 2, &r);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/myapp?version=3"));
  CHECK_EQ_STR(value_of(&r), "v3");
  trun_clear(&r);
  vl_vault_free(v);
}

static void test_versions(void) {
  static const char *const forms[] = {"\"3\"", "3", "\"v3\""};
  for (size_t i = 0; i < 3; i++) {
    char link[256];
    snprintf(link, sizeof link,
             "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":{\"engine\":\"secret\",\"path\":\"a\",\"key\":"
             "\"k\",\"version\":%s,\"kv\":2}}}",
             forms[i]);
    vl_vault *v = vault_with(link, TOKEN_CREDS);
    trun r = {0};
    run(v, "x", T0, NULL, 0, &r);
    CHECK(job_url_is(&r, ADDR "/v1/secret/data/a?version=3"));
    trun_clear(&r);
    vl_vault_free(v);
  }
  /* "latest", "" and 0 mean no version parameter. */
  vl_vault *v = vault_with(LINK("secret", "a", ",\"version\":\"latest\",\"kv\":2"), TOKEN_CREDS);
  trun r = {0};
  run(v, "x", T0, NULL, 0, &r);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/a"));
  trun_clear(&r);
  vl_vault_free(v);
  /* A version on a detected KV v1 engine is a misconfigured link. */
  v = vault_with(LINK("secret", "a", ",\"version\":2"), TOKEN_CREDS);
  run(v, "x", T0, &MOUNT_V1, 1, &r);
  CHECK_EQ_STR(treason(r.rep, 0), "misconfigured");
  CHECK(strstr(r.rep, "no versions") != NULL);
  trun_clear(&r);
  vl_vault_free(v);
  /* Two versions of one path are cached apart. */
  v = vl_vault_new(NULL);
  tlink(v, "a", LINK("secret", "a", ",\"key\":\"k\",\"version\":1,\"kv\":2"), NULL);
  tlink(v, "b", LINK("secret", "a", ",\"key\":\"k\",\"version\":2,\"kv\":2"), NULL);
  tconnect(v, "hashicorp", TOKEN_CREDS, T0);
  tresp v1 = {200, {{0}}, 0, "{\"data\":{\"data\":{\"k\":\"one\"}}}"},
        v2 = {200, {{0}}, 0, "{\"data\":{\"data\":{\"k\":\"two\"}}}"};
  run(v, "a", T0, &v1, 1, &r);
  CHECK_EQ_STR(value_of(&r), "one");
  run(v, "b", T0, &v2, 1, &r);
  CHECK_EQ_STR(value_of(&r), "two");
  run(v, "a", T0, NULL, 0, &r);
  CHECK_EQ_STR(value_of(&r), "one");
  trun_clear(&r);
  vl_vault_free(v);
}

static void test_namespaces(void) {
  /* Path-prefix form (default): the credentials' namespace, then the link's. */
  vl_vault *v =
      vault_with(LINK("secret", "a", ",\"namespace\":\"team\",\"kv\":2"),
                 "{\"address\":\"" ADDR "/\",\"token\":\"t\",\"expiresAt\":1800000000000,\"namespace\":\"ns1/\"}");
  trun r = {0};
  run(v, "x", T0, NULL, 0, &r);
  CHECK(job_url_is(&r, ADDR "/v1/ns1/team/secret/data/a"));
  CHECK(tjob_header(&r.s, "X-Vault-Namespace") == NULL);
  trun_clear(&r);
  vl_vault_free(v);
  /* Header form: X-Vault-Namespace, the path without prefix. */
  v = vault_with(LINK("secret", "a", ",\"namespace\":\"team\""),
                 "{\"address\":\"" ADDR
                 "\",\"token\":\"t\",\"expiresAt\":1800000000000,\"namespace\":\"ns1\","
                 "\"namespaceMode\":\"header\"}");
  run(v, "x", T0, NULL, 0, &r);
  CHECK(job_url_is(&r, ADDR "/v1/sys/internal/ui/mounts/secret/a"));
  CHECK_EQ_STR(tjob_header(&r.s, "X-Vault-Namespace"), "ns1/team/");
  tresp ans[2] = {MOUNT_V2, {200, {{0}}, 0, "{\"data\":{\"data\":{\"k\":1}}}"}};
  run(v, "x", T0, ans, 2, &r);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/a"));
  CHECK_EQ_STR(tjob_header(&r.s, "X-Vault-Namespace"), "ns1/team/");
  trun_clear(&r);
  vl_vault_free(v);
  /* Mount versions are remembered per namespace. */
  v = vl_vault_new(NULL);
  tlink(v, "a", LINK("secret", "a", ",\"namespace\":\"n1\""), NULL);
  tlink(v, "b", LINK("secret", "a", ",\"namespace\":\"n2\""), NULL);
  tconnect(v, "hashicorp", TOKEN_CREDS, T0);
  tresp a1[2] = {MOUNT_V1, {200, {{0}}, 0, "{\"data\":{\"k\":1}}"}};
  run(v, "a", T0, a1, 2, &r);
  CHECK(job_url_is(&r, ADDR "/v1/n1/secret/a"));
  run(v, "b", T0, NULL, 0, &r);
  CHECK(job_url_is(&r, ADDR "/v1/n2/sys/internal/ui/mounts/secret/a"));
  trun_clear(&r);
  vl_vault_free(v);
}

static void test_key_selection(void) {
  static const char body[] =
      "{\"data\":{\"data\":{\"s\":\"str\",\"n\":5432,\"b\":true,\"o\":{\"u\":\"x\",\"p\":[1,2]},\"db.pass\":\"lit\","
      "\"nul\":null}}}";
  static const char *const cases[][2] = {
      {"s", "str"}, {"n", "5432"},      {"b", "true"},  {"o", "{\"u\":\"x\",\"p\":[1,2]}"},
      {"o.u", "x"}, {"db.pass", "lit"}, {"nul", "null"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char link[256];
    snprintf(link, sizeof link,
             "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":{\"engine\":\"secret\",\"path\":\"a\",\"key\":"
             "\"%s\",\"kv\":2}}}",
             cases[i][0]);
    vl_vault *v = vault_with(link, TOKEN_CREDS);
    trun r = {0};
    tresp ans = {200, {{0}}, 0, body};
    run(v, "x", T0, &ans, 1, &r);
    CHECK_EQ_STR(value_of(&r), cases[i][1]);
    trun_clear(&r);
    vl_vault_free(v);
  }
  /* A missing key is key_not_found and the detail names the key, never a value. */
  vl_vault *v = vault_with(LINK("secret", "a", ",\"key\":\"zz\",\"kv\":2"), TOKEN_CREDS);
  trun r = {0};
  tresp ans = {200, {{0}}, 0, body};
  run(v, "x", T0, &ans, 1, &r);
  CHECK_EQ_STR(treason(r.rep, 0), "key_not_found");
  CHECK(strstr(r.rep, "zz") != NULL && strstr(r.rep, "str") == NULL && strstr(r.rep, "lit") == NULL);
  trun_clear(&r);
  vl_vault_free(v);
}

/* ---------------------------------------------------------------- errors */

static void test_error_taxonomy(void) {
  static const struct {
    tresp resp;
    const char *reason, *detail;
  } cases[] = {
      {{404, {{0}}, 0, "{\"errors\":[]}"}, "not_found", "HTTP 404"},
      {{403, {{0}}, 0, "{\"errors\":[\"1 error occurred:\\n\\t* permission denied\\n\\n\"]}"},
       "permission_denied",
       "permission denied"},
      {{403, {{0}}, 0, "{\"errors\":[\"permission denied\"]}"}, "permission_denied", "HTTP 403"},
      {{403, {{0}}, 0, ""}, "permission_denied", "CORS"},
      {{403, {{0}}, 0, "{\"errors\":[\"2 errors occurred:\\n\\t* permission denied\\n\\t* invalid token\\n\\n\"]}"},
       "credentials_rejected",
       "token invalid"},
      {{429, {{0}}, 0, "{\"errors\":[\"rate limit quota exceeded\"]}"}, "throttled", "HTTP 429"},
      {{503, {{0}}, 0, "{\"errors\":[\"Vault is sealed\"]}"}, "unreachable", "vault is sealed"},
      {{503, {{0}}, 0, "{\"errors\":[]}"}, "unreachable", "HTTP 503"},
      {{502, {{0}}, 0, "<html>bad gateway</html>"}, "unreachable", "HTTP 502"},
      {{500, {{0}}, 0, "{\"errors\":[\"internal error\"]}"}, "unreachable", "HTTP 500"},
      {{473, {{0}}, 0, "{\"errors\":[]}"}, "unreachable", "HTTP 473"},
      {{400, {{0}}, 0, "{\"errors\":[\"bad\"]}"}, "misconfigured", "HTTP 400"},
      {{200, {{0}}, 0, "not json"}, "malformed_response", "not a JSON object"},
      {{200, {{0}}, 0, "{\"data\":{\"metadata\":{}}}"}, "malformed_response", "data.data"},
      {{200,
        {{0}},
        0,
        "{\"data\":{\"data\":null,\"metadata\":{\"deletion_time\":\"2026-01-01T00:00:00Z\",\"version\":4}}}"},
       "disabled_at_provider",
       "version 4 was deleted"},
      {{0, {{"x-vaultlink-error", "network"}}, 1, ""}, "unreachable", "network"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vl_vault *v = vault_with(LINK("secret", "db", ",\"key\":\"pw\",\"kv\":2"), TOKEN_CREDS);
    trun r = {0};
    run(v, "x", T0, &cases[i].resp, 1, &r);
    CHECK_EQ_STR(value_of(&r), "{{vault:x}}");
    if (strcmp(treason(r.rep, 0), cases[i].reason) != 0 || !strstr(r.rep, cases[i].detail))
      fprintf(stderr, "  case %zu: %s\n", i, r.rep);
    CHECK_EQ_STR(treason(r.rep, 0), cases[i].reason);
    CHECK(strstr(r.rep, cases[i].detail) != NULL);
    CHECK(strstr(r.rep, "secret/db#pw") != NULL || cases[i].resp.status == 0 || strstr(r.rep, "secret/db"));
    CHECK(strstr(r.rep, "TESTONLY") == NULL); /* the token never appears */
    trun_clear(&r);
    vl_vault_free(v);
  }
}

static void test_invalid_token_wipes_credentials(void) {
  vl_vault *v = vault_with(LINK("secret", "db", ",\"kv\":2"), TOKEN_CREDS);
  trun r = {0};
  tresp bad = {
      403, {{0}}, 0, "{\"errors\":[\"2 errors occurred:\\n\\t* permission denied\\n\\t* invalid token\\n\\n\"]}"};
  run(v, "x", T0, &bad, 1, &r);
  CHECK(strstr(hc_status(v, T0), "\"connected\":false,\"reauthRequired\":false,\"credentialsRejected\":true") != NULL);
  run(v, "x", T0, NULL, 0, &r);
  CHECK_EQ_INT(r.s.jobs, 0);
  CHECK_EQ_STR(treason(r.rep, 0), "credentials_rejected");
  CHECK_EQ_INT(tconnect(v, "hashicorp", TOKEN_CREDS, T0), VL_OK);
  CHECK(strstr(hc_status(v, T0), "\"connected\":true,\"reauthRequired\":false") != NULL);
  trun_clear(&r);
  vl_vault_free(v);
}

/* ---------------------------------------------------------------- auth */

static void test_token_lookup_self_expiry(void) {
  vl_vault *v = vault_with(LINK("secret", "db", ",\"key\":\"pw\",\"kv\":2"),
                           "{\"address\":\"" ADDR "\",\"token\":\"hvs.TESTONLY\"}");
  CHECK(strstr(hc_status(v, T0), "\"expiresAt\":null") != NULL);
  trun r = {0};
  tresp ans[2] = {{200, {{0}}, 0, "{\"data\":{\"ttl\":60,\"policies\":[\"default\"]}}"},
                  {200, {{0}}, 0, "{\"data\":{\"data\":{\"pw\":\"p\"}}}"}};
  run(v, "x", T0, ans, 1, &r);
  CHECK_EQ_INT(r.s.jobs, 2);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/db"));
  run(v, "x", T0, &ans[1], 1, &r);
  CHECK_EQ_STR(value_of(&r), "p");
  CHECK_EQ_INT(r.s.jobs, 1);
  CHECK(strstr(hc_status(v, T0), "\"expiresAt\":1700000060000") != NULL);
  /* Looked up once: the next fetch goes straight to the read. */
  vl_vault_reset_cache(v);
  run(v, "x", T0 + SEC, &ans[1], 1, &r);
  CHECK_EQ_INT(r.s.jobs, 1);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/db"));
  /* The clock ends it. */
  CHECK(strstr(hc_status(v, T0 + 60 * SEC - 1), "\"connected\":true") != NULL);
  CHECK(strstr(hc_status(v, T0 + 60 * SEC), "\"connected\":false,\"reauthRequired\":true") != NULL);
  vl_vault_reset_cache(v);
  run(v, "x", T0 + 60 * SEC, NULL, 0, &r);
  CHECK_EQ_STR(treason(r.rep, 0), "reauth_required");
  trun_clear(&r);
  vl_vault_free(v);

  /* The first job is lookup-self with the token; ttl 0 never expires. */
  v = vault_with(LINK("secret", "db", ",\"key\":\"pw\",\"kv\":2"), "{\"address\":\"" ADDR "\",\"token\":\"root\"}");
  tresp forever[2] = {{200, {{0}}, 0, "{\"data\":{\"ttl\":0}}"}, ans[1]};
  run(v, "x", T0, forever, 1, &r);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/db"));
  run(v, "x", T0, NULL, 0, &r);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/db")); /* lookedUp is sticky */
  CHECK(strstr(hc_status(v, T0), "\"expiresAt\":null") != NULL);
  trun_clear(&r);
  vl_vault_free(v);
  v = vault_with(LINK("secret", "db", ",\"kv\":2"), "{\"address\":\"" ADDR "\",\"token\":\"root\"}");
  run(v, "x", T0, NULL, 0, &r);
  CHECK(job_url_is(&r, ADDR "/v1/auth/token/lookup-self"));
  CHECK_EQ_STR(tjob_header(&r.s, "X-Vault-Token"), "root");
  /* A policy without lookup-self: go on without an expiry. An invalid token: rejected. */
  tresp nolookup[2] = {{403, {{0}}, 0, "{\"errors\":[\"1 error occurred:\\n\\t* permission denied\\n\\n\"]}"}, ans[1]};
  run(v, "x", T0, nolookup, 1, &r);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/db"));
  trun_clear(&r);
  vl_vault_free(v);
  v = vault_with(LINK("secret", "db", ",\"kv\":2"), "{\"address\":\"" ADDR "\",\"token\":\"gone\"}");
  tresp invalid = {403, {{0}}, 0, "{\"errors\":[\"permission denied\",\"invalid token\"]}"};
  run(v, "x", T0, &invalid, 1, &r);
  CHECK_EQ_STR(treason(r.rep, 0), "credentials_rejected"); /* no known expiry: refused, not expired */
  trun_clear(&r);
  vl_vault_free(v);
  /* Explicit expiresAt: no lookup, and the clock still ends it. */
  v = vault_with(LINK("secret", "db", ",\"kv\":2"),
                 "{\"address\":\"" ADDR "\",\"token\":\"t\",\"expiresAt\":1700000005000}");
  run(v, "x", T0, NULL, 0, &r);
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/db"));
  CHECK(strstr(hc_status(v, T0 + 5 * SEC), "\"reauthRequired\":true") != NULL);
  trun_clear(&r);
  vl_vault_free(v);
}

static void test_logins(void) {
  static const char login_ok[] =
      "{\"auth\":{\"client_token\":\"hvs.LOGINTOKEN\",\"accessor\":\"a\",\"policies\":[\"default\"],"
      "\"lease_duration\":300,\"renewable\":true}}";
  static const struct {
    const char *creds, *url, *field, *value;
  } cases[] = {
      {"{\"address\":\"" ADDR "\",\"approle\":{\"roleId\":\"rid\",\"secretId\":\"sid\"}}",
       ADDR "/v1/auth/approle/login", "secret_id", "sid"},
      {"{\"address\":\"" ADDR "\",\"approle\":{\"roleId\":\"rid\",\"secretId\":\"sid\"},\"mount\":\"ci/approle\"}",
       ADDR "/v1/auth/ci/approle/login", "role_id", "rid"},
      {"{\"address\":\"" ADDR "\",\"userpass\":{\"username\":\"Ann Lee\",\"password\":\"pw\"}}",
       ADDR "/v1/auth/userpass/login/Ann%20Lee", "password", "pw"},
      {"{\"address\":\"" ADDR "\",\"jwt\":{\"role\":\"dev\",\"jwt\":\"eyJ.x.y\"},\"mount\":\"postman-jwt\"}",
       ADDR "/v1/auth/postman-jwt/login", "jwt", "eyJ.x.y"},
      {"{\"address\":\"" ADDR "\",\"namespace\":\"ns1\",\"userpass\":{\"username\":\"u\",\"password\":\"pw\"}}",
       ADDR "/v1/ns1/auth/userpass/login/u", "password", "pw"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vl_vault *v = vault_with(LINK("secret", "db", ",\"key\":\"pw\",\"kv\":2"), cases[i].creds);
    trun r = {0};
    run(v, "x", T0, NULL, 0, &r);
    CHECK(job_url_is(&r, cases[i].url));
    CHECK(slice_eq(r.s.job.method, "POST"));
    CHECK_EQ_STR(tjob_header(&r.s, "Content-Type"), "application/json");
    CHECK(tjob_header(&r.s, "X-Vault-Token") == NULL);
    cJSON *b = cJSON_ParseWithLength((const char *)r.s.job.body.p, r.s.job.body.n);
    CHECK(cJSON_IsString(cJSON_GetObjectItem(b, cases[i].field)));
    if (cJSON_IsString(cJSON_GetObjectItem(b, cases[i].field)))
      CHECK_EQ_STR(cJSON_GetObjectItem(b, cases[i].field)->valuestring, cases[i].value);
    cJSON_Delete(b);
    /* The login token reads the secret and its lease is the credential's lifetime. */
    tresp ans[2] = {{200, {{0}}, 0, login_ok}, {200, {{0}}, 0, "{\"data\":{\"data\":{\"pw\":\"p\"}}}"}};
    run(v, "x", T0, ans, 2, &r);
    CHECK_EQ_STR(value_of(&r), "p");
    CHECK_EQ_STR(tjob_header(&r.s, "X-Vault-Token"), "hvs.LOGINTOKEN");
    CHECK(strstr(hc_status(v, T0), "\"expiresAt\":1700000300000") != NULL);
    /* Reused: no second login. */
    vl_vault_reset_cache(v);
    run(v, "x", T0 + SEC, &ans[1], 1, &r);
    CHECK_EQ_INT(r.s.jobs, 1);
    CHECK_EQ_STR(tjob_header(&r.s, "X-Vault-Token"), "hvs.LOGINTOKEN");
    /* Expired with the lease. */
    vl_vault_reset_cache(v);
    run(v, "x", T0 + 300 * SEC, NULL, 0, &r);
    CHECK_EQ_INT(r.s.jobs, 0);
    CHECK_EQ_STR(treason(r.rep, 0), "reauth_required");
    trun_clear(&r);
    vl_vault_free(v);
  }
  /* A refused login (400) cannot succeed later: rejected, credentials wiped. */
  vl_vault *v = vault_with(LINK("secret", "db", ",\"kv\":2"), cases[0].creds);
  trun r = {0};
  tresp refused = {400, {{0}}, 0, "{\"errors\":[\"invalid role or secret ID\"]}"};
  run(v, "x", T0, &refused, 1, &r);
  CHECK_EQ_STR(treason(r.rep, 0), "credentials_rejected");
  CHECK(strstr(r.rep, "approle login refused") != NULL && strstr(r.rep, "sid") == NULL);
  CHECK(strstr(hc_status(v, T0), "\"connected\":false,\"reauthRequired\":false,\"credentialsRejected\":true") != NULL);
  trun_clear(&r);
  vl_vault_free(v);
  /* A login answer without a token is malformed; a sealed server is unreachable. */
  v = vault_with(LINK("secret", "db", ",\"kv\":2"), cases[0].creds);
  tresp empty = {200, {{0}}, 0, "{\"auth\":null}"};
  run(v, "x", T0, &empty, 1, &r);
  CHECK_EQ_STR(treason(r.rep, 0), "malformed_response");
  tresp sealed = {503, {{0}}, 0, "{\"errors\":[\"Vault is sealed\"]}"};
  run(v, "x", T0, &sealed, 1, &r);
  CHECK_EQ_STR(treason(r.rep, 0), "unreachable");
  CHECK(strstr(r.rep, "vault is sealed") != NULL);
  trun_clear(&r);
  vl_vault_free(v);
}

/* ---------------------------------------------------------------- validation */

static void test_bad_links_name_field_and_position(void) {
  static const char *const bad[][2] = {
      {"{\"path\":\"a\"}", "\"engine\""},
      {"{\"engine\":\"secret\"}", "\"path\""},
      {"{\"engine\":\"\",\"path\":\"a\"}", "\"engine\" must not be empty"},
      {"{\"engine\":\"secret\",\"path\":\"a//b\"}", "\"path\": byte 2"},
      {"{\"engine\":\"secret\",\"path\":\"/secret/data/a/../b\"}", "\"path\": byte 16"},
      {"{\"engine\":\"secret\",\"path\":\"a?b\"}", "\"path\": byte 1"},
      {"{\"engine\":\"sec#ret\",\"path\":\"a\"}", "\"engine\": byte 3"},
      {"{\"engine\":\"secret\",\"path\":\"/secret/data/\"}", "names no secret"},
      {"{\"engine\":\"secret\",\"path\":\"a\",\"version\":\"3x\"}", "\"version\": byte 1"},
      {"{\"engine\":\"secret\",\"path\":\"a\",\"version\":-1}", "\"version\""},
      {"{\"engine\":\"secret\",\"path\":\"a\",\"version\":\"2147483648\"}", "\"version\": byte 9"},
      {"{\"engine\":\"secret\",\"path\":\"a\",\"kv\":3}", "\"kv\" must be 1 or 2"},
      {"{\"engine\":\"secret\",\"path\":\"a\",\"kv\":1,\"version\":2}", "needs KV v2"},
      {"{\"engine\":\"secret\",\"path\":\"a\",\"key\":\"\"}", "\"key\""},
      {"{\"engine\":\"secret\",\"path\":\"a\",\"key\":7}", "\"key\" must be a string"},
      {"{\"engine\":\"secret\",\"path\":\"a\",\"namespace\":\"ns1//x\"}", "\"namespace\": byte 4"},
  };
  vl_vault *v = vl_vault_new(NULL);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char def[512];
    snprintf(def, sizeof def, "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":%s}}", bad[i][0]);
    CHECK_EQ_INT(tlink(v, "x", def, NULL), VL_ERR_REFERENCE);
    if (!strstr(vl_vault_last_error(v), bad[i][1])) fprintf(stderr, "  %zu: %s\n", i, vl_vault_last_error(v));
    CHECK(strstr(vl_vault_last_error(v), bad[i][1]) != NULL);
  }
  CHECK_EQ_INT(tlink(v, "x", "{\"source\":\"hashicorp:secret\"}", NULL), VL_ERR_REFERENCE);
  vl_vault_free(v);
}

static void test_connect_validation(void) {
  static const char *const bad[][2] = {
      {"{\"token\":\"t\"}", "\"address\""},
      {"{\"address\":\"ftp://x\",\"token\":\"t\"}", "\"address\""},
      {"{\"address\":\"https://u@x\",\"token\":\"t\"}", "byte 9"},
      {"{\"address\":\"" ADDR "\"}", "exactly one of"},
      {"{\"address\":\"" ADDR "\",\"token\":\"t\",\"approle\":{\"roleId\":\"r\",\"secretId\":\"s\"}}",
       "exactly one of"},
      {"{\"address\":\"" ADDR "\",\"token\":\"\"}", "non-empty"},
      {"{\"address\":\"" ADDR "\",\"token\":\"hvs.SECRET PART\"}", "byte 10"},
      {"{\"address\":\"" ADDR "\",\"approle\":{\"roleId\":\"r\"}}", "secretId"},
      {"{\"address\":\"" ADDR "\",\"userpass\":{\"password\":\"SECRETPW\"}}", "username"},
      {"{\"address\":\"" ADDR "\",\"jwt\":{\"jwt\":\"SECRETJWT\"}}", "role"},
      {"{\"address\":\"" ADDR "\",\"token\":\"t\",\"namespaceMode\":\"x\"}", "namespaceMode"},
      {"{\"address\":\"" ADDR "\",\"token\":\"t\",\"expiresAt\":\"soon\"}", "expiresAt"},
  };
  vl_vault *v = vl_vault_new(NULL);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK(tconnect(v, "hashicorp", bad[i][0], T0) != VL_OK);
    if (!strstr(vl_vault_last_error(v), bad[i][1])) fprintf(stderr, "  %zu: %s\n", i, vl_vault_last_error(v));
    CHECK(strstr(vl_vault_last_error(v), bad[i][1]) != NULL);
    CHECK(strstr(vl_vault_last_error(v), "SECRET") == NULL);
  }
  CHECK_EQ_INT(tconnect(v, "hashicorp", "{\"address\":\"" ADDR "\",\"token\":\"t\",\"expiresAt\":1}", T0),
               VL_ERR_EXPIRED);
  vl_vault_free(v);
}

/* Issue #11 §2: the token goes to the connection's "address" only. A link
 * names path segments, which are encoded below /v1/, and may not name Vault's
 * own API (a read of auth/token/lookup-self answers with the token itself). */
static void test_credential_never_goes_to_link_origin(void) {
  vl_vault *v = vl_vault_new(NULL);
  static const char *const refused[] = {
      LINK("sys", "internal/ui/mounts", ""),
      LINK("auth", "token/lookup-self", ",\"kv\":1"),
      LINK("/auth/", "token/lookup-self", ",\"kv\":1"),
      LINK("identity", "entity/id", ",\"kv\":1"),
      LINK("secret", "x", ",\"namespace\":\"auth\""),
      LINK("token", "lookup-self", ",\"namespace\":\"team/auth\",\"kv\":1"),
      "{\"source\":\"hashicorp:auth/token/lookup-self\"}",
      "{\"source\":\"hashicorp:sys/internal/ui/mounts\"}",
  };
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    if (tlink(v, "x", refused[i], NULL) != VL_ERR_REFERENCE) fprintf(stderr, "  accepted %s\n", refused[i]);
    CHECK_EQ_INT(tlink(v, "x", refused[i], NULL), VL_ERR_REFERENCE);
  }
  vl_vault_free(v);
  static const char *const hostlike[] = {
      LINK("evil.example", "x", ",\"key\":\"k\""),
      LINK("secret", "@evil.example/x", ",\"key\":\"k\""),
      LINK("secret", "https:/evil.example/x", ",\"key\":\"k\""),
      LINK("secret", "x", ",\"key\":\"k\",\"namespace\":\"@evil.example:443\""),
  };
  static const tresp data = {200, {{0}}, 0, "{\"data\":{\"data\":{\"k\":\"v\"}}}"};
  for (size_t i = 0; i < sizeof hostlike / sizeof *hostlike; i++) {
    v = vault_with(hostlike[i], TOKEN_CREDS);
    trun r = {0};
    const tresp answers[2] = {MOUNT_V2, data};
    run(v, "x", T0, answers, 2, &r);
    CHECK_EQ_INT(r.s.jobs, 2);
    CHECK_EQ_INT(tjobs_to_origin(&r.s, ADDR), r.s.kept);
    CHECK_EQ_INT(tjobs_credential_outside(&r.s, ADDR, "hvs.TESTONLY"), -1);
    CHECK_EQ_STR(value_of(&r), "v");
    trun_clear(&r);
    vl_vault_free(v);
  }
}

/* Issue #11 §6: the canonical "[NS:]ENGINE/PATH[#KEY][@vN]" is ambiguous
 * (':' may be in a namespace or an engine, "@v2" in a key); cache keys are
 * built from the fields apart. */
static void test_cache_keys_do_not_collide(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "n1", LINK("c", "p", ",\"namespace\":\"a:b\",\"kv\":2"), NULL), VL_OK);
  CHECK_EQ_INT(tlink(v, "n2", LINK("b:c", "p", ",\"namespace\":\"a\",\"kv\":2"), NULL), VL_OK);
  CHECK_EQ_STR(vl_vault_find(v, (const uint8_t *)"n1", 2)->canonical,
               vl_vault_find(v, (const uint8_t *)"n2", 2)->canonical);
  CHECK(strcmp(vl_vault_find(v, (const uint8_t *)"n1", 2)->cache_key,
               vl_vault_find(v, (const uint8_t *)"n2", 2)->cache_key) != 0);
  CHECK_EQ_INT(tlink(v, "k1", LINK("secret", "p", ",\"key\":\"k@v2\",\"kv\":2"), NULL), VL_OK);
  CHECK_EQ_INT(tlink(v, "k2", LINK("secret", "p", ",\"key\":\"k\",\"version\":2,\"kv\":2"), NULL), VL_OK);
  CHECK_EQ_STR(vl_vault_find(v, (const uint8_t *)"k1", 2)->canonical,
               vl_vault_find(v, (const uint8_t *)"k2", 2)->canonical);
  CHECK(strcmp(vl_vault_find(v, (const uint8_t *)"k1", 2)->cache_key,
               vl_vault_find(v, (const uint8_t *)"k2", 2)->cache_key) != 0);
  CHECK_EQ_INT(tconnect(v, "hashicorp", TOKEN_CREDS, T0), VL_OK);
  static const tresp latest = {200, {{0}}, 0, "{\"data\":{\"data\":{\"k@v2\":\"one\",\"k\":\"latest\"}}}"};
  static const tresp v2 = {200, {{0}}, 0, "{\"data\":{\"data\":{\"k\":\"two\"}}}"};
  trun r = {0};
  run(v, "k1", T0, &latest, 1, &r);
  CHECK_EQ_STR(value_of(&r), "one");
  run(v, "k2", T0, &v2, 1, &r);
  CHECK_EQ_INT(r.s.jobs, 1); /* fetched, not served k1's value */
  CHECK(job_url_is(&r, ADDR "/v1/secret/data/p?version=2"));
  CHECK_EQ_STR(value_of(&r), "two");
  trun_clear(&r);
  vl_vault_free(v);
}

VLT_MAIN(TEST(test_wire_vectors), TEST(test_kv1_detection_cache_and_lease_hint),
         TEST(test_kv2_detection_url_and_override), TEST(test_postman_path_forms), TEST(test_versions),
         TEST(test_namespaces), TEST(test_key_selection), TEST(test_error_taxonomy),
         TEST(test_invalid_token_wipes_credentials), TEST(test_token_lookup_self_expiry), TEST(test_logins),
         TEST(test_bad_links_name_field_and_position), TEST(test_connect_validation),
         TEST(test_credential_never_goes_to_link_origin), TEST(test_cache_keys_do_not_collide))
