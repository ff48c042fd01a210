/* Issue #13 §1–3: the vault tells the truth about credentials. connect's
 * verification (plan and ingest per provider, the result JSON, what happens
 * to a rejected or unreachable provider), rejected vs expired at send time,
 * key_not_found, and cached values that never outlive their credential. */
#include <stdlib.h>

#include "cache.h"
#include "engine.h"
#include "provhelp.h"
#include "providers/quote.h"
#include "vltest.h"

#define T0 1700000000000ull
#define SEC 1000ull
#define AWS_CREDS \
  "{\"accessKeyId\":\"AKIDEXAMPLE\",\"secretAccessKey\":\"wJalrXUtnFEMI-SECRET\",\"endpoint\":\"http://aws.test\"}"
#define HC_ADDR "http://vault.test:8200"
#define HC_TOKEN "{\"address\":\"" HC_ADDR "\",\"token\":\"hvs.TOPSECRET\"}"
#define OP_CREDS "{\"host\":\"http://op.test:8080\",\"token\":\"op-connect-SECRET\"}"
#define GCP_NAME "projects/p/secrets/db/versions/latest"
#define GCP_LINK "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"" GCP_NAME "\"}}}"
#define GCP_OK "{\"name\":\"projects/1/secrets/db/versions/1\",\"payload\":{\"data\":\"czNjcjN0\"}}"
#define AZ_JWT                                                                                                       \
  "eyJhbGciOiJub25lIn0."                                                                                             \
  "eyJhdWQiOiJodHRwczovL3ZhdWx0LmF6dXJlLm5ldCIsIm9pZCI6IjExMTExMTExLTIyMjItMzMzMy00NDQ0LTU1NTU1NTU1NTU1NSIsInVwbiI6" \
  "ImFsaWNlQGNvbnRvc28uY29tIiwiZXhwIjoxNzAwMDAzNjAwfQ.c2ln"
#define AZ_HOSTILE_JWT                                                                                               \
  "eyJhbGciOiJub25lIn0."                                                                                             \
  "eyJhdWQiOiJodHRwczovL3ZhdWx0LmF6dXJlLm5ldCIsIm9pZCI6Im5vdCBhIGd1aWQiLCJ1cG4iOiJodW50ZXIyIHNlY3JldCIsImV4cCI6MTcw" \
  "MDAwMzYwMH0.c2ln"

/* Runs a verification: answers its jobs in order (missing answers stay
 * outstanding), returns the result JSON (caller frees with free()). */
static char *tverify(vl_vault *v, const char *provider, uint64_t now, const tresp *answers, size_t n, tjobs *seen) {
  uint32_t h = 0;
  if (vl_vault_verify_open(v, provider, now, &h) != VL_OK) return NULL;
  vl_resolve *r = vl_vault_resolve_get(v, h);
  size_t used = 0;
  vl_job job;
  while (r && vl_resolve_next_job(r, &job) == VL_OK) {
    seen->jobs++;
    vl_request_clear(&seen->job);
    vl_free(seen->copy);
    seen->copy = vl_memdup(job.request, job.request_len);
    char err[128];
    vl_request_decode(seen->copy, job.request_len, &seen->job, err, sizeof err);
    if (seen->kept < TJOBS_KEEP) {
      seen->all[seen->kept] = vl_memdup(job.request, job.request_len);
      seen->all_len[seen->kept++] = job.request_len;
    }
    if (used >= n) break;
    size_t len;
    uint8_t *resp = tresp_encode(&answers[used], &len);
    vl_vault_job_done(v, h, job.id, answers[used].status, resp, len, now);
    used++;
    vl_free(resp);
  }
  uint8_t *out = NULL;
  size_t len = 0;
  vl_status st = vl_vault_verify_result(v, h, now, &out, &len);
  vl_vault_resolve_close(v, h);
  if (st) return NULL;
  char *copy = malloc(len + 1);
  memcpy(copy, out, len);
  copy[len] = 0;
  vl_free(out);
  return copy;
}

static char *tstatus(vl_vault *v, uint64_t now) {
  static char buf[4096];
  uint8_t *st;
  size_t n;
  vl_vault_status(v, now, &st, &n);
  snprintf(buf, sizeof buf, "%.*s", (int)n, (const char *)st);
  vl_free(st);
  return buf;
}

static int body_is(const tjobs *s, const char *want) {
  return s->job.body.n == strlen(want) && memcmp(s->job.body.p, want, s->job.body.n) == 0;
}

static void test_reason_codes(void) {
  CHECK_EQ_STR(vl_reason_code(VL_REASON_CREDENTIALS_REJECTED), "credentials_rejected");
  CHECK_EQ_STR(vl_reason_message(VL_REASON_CREDENTIALS_REJECTED), "the provider rejected the credentials");
  CHECK_EQ_STR(vl_reason_code(VL_REASON_KEY_NOT_FOUND), "key_not_found");
  CHECK_EQ_STR(vl_reason_message(VL_REASON_KEY_NOT_FOUND), "key not found in the secret");
  CHECK_EQ_STR(vl_reason_message(VL_REASON_NOT_FOUND), "the external secret does not exist");
  CHECK(strstr(vl_reason_message(VL_REASON_REAUTH_REQUIRED), "expired") != NULL);
}

/* The validators identities go through (src/providers/quote.c). */
static void test_identity_validators(void) {
#define V(fn, lit) fn(lit, sizeof lit - 1)
  CHECK(V(vl_valid_arn, "arn:aws:iam::123456789012:user/alice"));
  CHECK(V(vl_valid_arn, "arn:aws:sts::1:assumed-role/R/session@x"));
  CHECK(!V(vl_valid_arn, "arn:aws:iam::1:user/a b"));
  CHECK(!V(vl_valid_arn, "AKIDEXAMPLE/secret"));
  CHECK(!V(vl_valid_arn, "arn:"));
  CHECK(V(vl_valid_plain_name, "token-alice"));
  CHECK(!V(vl_valid_plain_name, "bad policy!"));
  CHECK(!V(vl_valid_plain_name, ""));
  CHECK(V(vl_valid_upn, "alice@contoso.test"));
  CHECK(!V(vl_valid_upn, "@contoso.test"));
  CHECK(!V(vl_valid_upn, "a@b@c"));
  CHECK(!V(vl_valid_upn, "hunter2 secret"));
#undef V
}

static void test_aws_verify(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tconnect(v, "aws", AWS_CREDS, T0), VL_OK);
  tresp ok = {200,
              {{"Content-Type", "text/xml"}},
              1,
              "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
              "<Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAEXAMPLE</UserId>"
              "<Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"};
  tjobs s = {0};
  char *res = tverify(v, "aws", T0, &ok, 1, &s);
  CHECK_EQ_INT(s.jobs, 1);
  CHECK(slice_eq(s.job.method, "POST"));
  CHECK(slice_eq(s.job.url, "http://aws.test/"));
  CHECK(body_is(&s, "Action=GetCallerIdentity&Version=2011-06-15"));
  const char *authz = tjob_header(&s, "Authorization");
  CHECK(authz && strstr(authz, "Credential=AKIDEXAMPLE/20231114/us-east-1/sts/aws4_request") != NULL);
  CHECK_EQ_STR(res,
               "{\"provider\":\"aws\",\"ok\":true,\"verified\":true,\"identity\":\"arn:aws:iam::123456789012:"
               "user/alice\",\"expiresAt\":1700007200000,\"method\":\"sts:GetCallerIdentity\"}");
  CHECK(strstr(tstatus(v, T0), "\"provider\":\"aws\",\"connected\":true") != NULL);
  free(res);
  tjobs_clear(&s);

  /* A hostile Arn is not quoted. */
  tresp odd = {200, {{0}}, 0, "<Arn>wJalrXUtnFEMI SECRET leaked</Arn>"};
  res = tverify(v, "aws", T0, &odd, 1, &s);
  CHECK(strstr(res, "\"identity\":\"(unexpected value)\"") != NULL && strstr(res, "SECRET") == NULL);
  free(res);
  tjobs_clear(&s);

  /* A wrong secret key: STS says SignatureDoesNotMatch (403). Rejected, named, disconnected. */
  tresp bad = {403,
               {{0}},
               0,
               "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request "
               "signature we calculated does not match</Message></Error></ErrorResponse>"};
  res = tverify(v, "aws", T0, &bad, 1, &s);
  CHECK(strstr(res, "\"ok\":false") && strstr(res, "\"reason\":\"credentials_rejected\"") &&
        strstr(res, "\"status\":403"));
  CHECK(strstr(res, "\"message\":\"connect(\\\"aws\\\"): the provider rejected the credentials (HTTP 403)\"") != NULL);
  CHECK(strstr(res, "wJalr") == NULL && strstr(res, "AKIDEXAMPLE") == NULL);
  CHECK(strstr(tstatus(v, T0),
               "\"provider\":\"aws\",\"connected\":false,\"reauthRequired\":false,"
               "\"credentialsRejected\":true") != NULL);
  free(res);
  tjobs_clear(&s);
  /* Not connected any more: nothing to verify. */
  uint32_t h = 0;
  CHECK_EQ_INT(vl_vault_verify_open(v, "aws", T0, &h), VL_ERR_STATE);

  /* An unknown key id (InvalidClientTokenId) too. */
  CHECK_EQ_INT(tconnect(v, "aws", AWS_CREDS, T0), VL_OK);
  CHECK(strstr(tstatus(v, T0), "\"credentialsRejected\":false") != NULL); /* a new connection starts clean */
  tresp unknown = {403, {{0}}, 0, "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>"};
  res = tverify(v, "aws", T0, &unknown, 1, &s);
  CHECK(strstr(res, "\"reason\":\"credentials_rejected\"") != NULL);
  free(res);
  tjobs_clear(&s);

  /* Web identity credentials are not checked (the check would issue credentials). */
  CHECK_EQ_INT(tconnect(v, "aws", "{\"webIdentityToken\":\"eyJ.x.y\",\"roleArn\":\"arn:aws:iam::1:role/r\"}", T0),
               VL_OK);
  res = tverify(v, "aws", T0, NULL, 0, &s);
  CHECK_EQ_INT(s.jobs, 0);
  CHECK(strstr(res, "\"ok\":true,\"verified\":false") && strstr(res, "\"method\":\"none\""));
  free(res);
  tjobs_clear(&s);
  vl_vault_free(v);
}

static void test_hashicorp_verify(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tconnect(v, "hashicorp", HC_TOKEN, T0), VL_OK);
  tresp ok = {200,
              {{0}},
              0,
              "{\"data\":{\"accessor\":\"ACCESSOR-X\",\"id\":\"hvs.TOPSECRET\",\"display_name\":\"token-alice\","
              "\"policies\":[\"default\",\"app-read\",\"bad policy!\"],\"ttl\":60}}"};
  tjobs s = {0};
  char *res = tverify(v, "hashicorp", T0, &ok, 1, &s);
  CHECK_EQ_INT(s.jobs, 1);
  CHECK(slice_eq(s.job.url, HC_ADDR "/v1/auth/token/lookup-self"));
  CHECK_EQ_STR(tjob_header(&s, "X-Vault-Token"), "hvs.TOPSECRET");
  CHECK_EQ_STR(res,
               "{\"provider\":\"hashicorp\",\"ok\":true,\"verified\":true,\"identity\":\"token-alice, policies "
               "default, app-read, (unexpected value)\",\"expiresAt\":1700000060000,\"method\":\"vault:token/"
               "lookup-self\"}");
  free(res);
  tjobs_clear(&s);
  /* The ttl learned by the check is the credential's expiry. */
  CHECK(strstr(tstatus(v, T0), "\"expiresAt\":1700000060000") != NULL);

  CHECK_EQ_INT(tconnect(v, "hashicorp", HC_TOKEN, T0), VL_OK);
  tresp invalid = {
      403, {{0}}, 0, "{\"errors\":[\"2 errors occurred:\\n\\t* permission denied\\n\\t* invalid token\\n\\n\"]}"};
  res = tverify(v, "hashicorp", T0, &invalid, 1, &s);
  CHECK(strstr(res, "\"reason\":\"credentials_rejected\"") && strstr(res, "(HTTP 403)") &&
        strstr(res, "connect(\\\"hashicorp\\\")") && !strstr(res, "TOPSECRET"));
  CHECK(strstr(tstatus(v, T0), "\"provider\":\"hashicorp\",\"connected\":false") != NULL);
  free(res);
  tjobs_clear(&s);

  /* AppRole: the login is the check; its token is kept for the fetches. */
  CHECK_EQ_INT(
      tconnect(v, "hashicorp",
               "{\"address\":\"" HC_ADDR "\",\"approle\":{\"roleId\":\"rid\",\"secretId\":\"sid-SECRET\"}}", T0),
      VL_OK);
  tresp login = {200,
                 {{0}},
                 0,
                 "{\"auth\":{\"client_token\":\"hvs.LOGIN\",\"accessor\":\"A\",\"policies\":[\"default\"],"
                 "\"lease_duration\":120}}"};
  res = tverify(v, "hashicorp", T0, &login, 1, &s);
  CHECK(slice_eq(s.job.url, HC_ADDR "/v1/auth/approle/login"));
  CHECK(strstr(res, "\"ok\":true,\"verified\":true") && strstr(res, "\"method\":\"vault:approle login\"") &&
        strstr(res, "\"expiresAt\":1700000120000") && !strstr(res, "hvs.LOGIN"));
  free(res);
  tjobs_clear(&s);
  /* The first fetch uses the login's token: no second login. */
  tlink(v, "x",
        "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":{\"engine\":\"secret\",\"path\":\"db\","
        "\"key\":\"pw\",\"kv\":2}}}",
        NULL);
  tresp read = {200, {{0}}, 0, "{\"data\":{\"data\":{\"pw\":\"p4ss\"}}}"};
  char *url, *rep;
  tflow(v, "https://h.test/{{vault:x}}", T0, &read, 1, &s, &url, &rep);
  CHECK_EQ_INT(s.jobs, 1);
  CHECK_EQ_STR(tjob_header(&s, "X-Vault-Token"), "hvs.LOGIN");
  CHECK_EQ_STR(url, "https://h.test/p4ss");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  CHECK_EQ_INT(
      tconnect(v, "hashicorp",
               "{\"address\":\"" HC_ADDR "\",\"approle\":{\"roleId\":\"rid\",\"secretId\":\"sid-SECRET\"}}", T0),
      VL_OK);
  tresp refused = {400, {{0}}, 0, "{\"errors\":[\"invalid role or secret ID\"]}"};
  res = tverify(v, "hashicorp", T0, &refused, 1, &s);
  CHECK(strstr(res, "\"reason\":\"credentials_rejected\"") && strstr(res, "(HTTP 400)") && !strstr(res, "sid-"));
  free(res);
  tjobs_clear(&s);
  vl_vault_free(v);
}

static void test_onepassword_verify(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tconnect(v, "1password", OP_CREDS, T0), VL_OK);
  tresp ok = {
      200, {{0}}, 0, "[{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaa\",\"name\":\"Private\"},{\"id\":\"b\",\"name\":\"Ops\"}]"};
  tjobs s = {0};
  char *res = tverify(v, "1password", T0, &ok, 1, &s);
  CHECK(slice_eq(s.job.url, "http://op.test:8080/v1/vaults"));
  CHECK_EQ_STR(tjob_header(&s, "Authorization"), "Bearer op-connect-SECRET");
  CHECK_EQ_STR(res,
               "{\"provider\":\"1password\",\"ok\":true,\"verified\":true,\"identity\":\"2 vaults visible\","
               "\"expiresAt\":null,\"method\":\"connect:GET /v1/vaults\"}");
  CHECK(strstr(res, "Private") == NULL); /* vault names are not quoted */
  free(res);
  tjobs_clear(&s);
  tresp bad = {401, {{0}}, 0, "{\"status\":401,\"message\":\"Invalid token signature\"}"};
  res = tverify(v, "1password", T0, &bad, 1, &s);
  CHECK(strstr(res, "\"message\":\"connect(\\\"1password\\\"): the provider rejected the credentials (HTTP 401)\""));
  CHECK(strstr(tstatus(v, T0), "\"provider\":\"1password\",\"connected\":false") != NULL);
  free(res);
  tjobs_clear(&s);
  vl_vault_free(v);
}

static void test_azure_and_gcp_verify(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tconnect(v, "azure", "{\"accessToken\":\"" AZ_JWT "\"}", T0), VL_OK);
  tjobs s = {0};
  char *res = tverify(v, "azure", T0, NULL, 0, &s);
  CHECK_EQ_INT(s.jobs, 0); /* the claims: no request */
  CHECK_EQ_STR(res,
               "{\"provider\":\"azure\",\"ok\":true,\"verified\":true,\"identity\":\"oid "
               "11111111-2222-3333-4444-555555555555, upn alice@contoso.com\",\"expiresAt\":1700003600000,"
               "\"method\":\"azure:token-claims\"}");
  free(res);
  CHECK_EQ_INT(tconnect(v, "azure", "{\"accessToken\":\"" AZ_HOSTILE_JWT "\"}", T0), VL_OK);
  res = tverify(v, "azure", T0, NULL, 0, &s);
  CHECK(strstr(res, "oid (unexpected value), upn (unexpected value)") && !strstr(res, "hunter2"));
  free(res);
  CHECK_EQ_INT(tconnect(v, "azure", "{\"accessToken\":\"opaque-token\"}", T0), VL_OK);
  res = tverify(v, "azure", T0, NULL, 0, &s);
  CHECK(strstr(res, "\"verified\":false") && strstr(res, "\"method\":\"none\""));
  free(res);
  /* GCP has no cheap check: connected, not verified, no request. */
  CHECK_EQ_INT(tconnect(v, "gcp", "{\"accessToken\":\"ya29.x\"}", T0), VL_OK);
  res = tverify(v, "gcp", T0, NULL, 0, &s);
  CHECK_EQ_INT(s.jobs, 0);
  CHECK(strstr(res, "\"ok\":true,\"verified\":false") && strstr(res, "\"method\":\"none\""));
  CHECK(strstr(tstatus(v, T0), "\"provider\":\"gcp\",\"connected\":true") != NULL);
  free(res);
  tjobs_clear(&s);
  vl_vault_free(v);
}

static void test_unreachable_and_races(void) {
  vl_vault *v = vl_vault_new(NULL);
  tjobs s = {0};
  /* The transport failed: unreachable, and the provider stays disconnected. */
  CHECK_EQ_INT(tconnect(v, "aws", AWS_CREDS, T0), VL_OK);
  tresp down = {0, {{"x-vaultlink-error", "network"}}, 1, ""};
  char *res = tverify(v, "aws", T0, &down, 1, &s);
  CHECK(strstr(res, "\"ok\":false") && strstr(res, "\"reason\":\"unreachable\"") && strstr(res, "\"status\":0"));
  CHECK(strstr(tstatus(v, T0),
               "\"provider\":\"aws\",\"connected\":false,\"reauthRequired\":false,"
               "\"credentialsRejected\":false") != NULL);
  free(res);
  tjobs_clear(&s);
  /* No answer at all counts as unreachable too. */
  CHECK_EQ_INT(tconnect(v, "aws", AWS_CREDS, T0), VL_OK);
  res = tverify(v, "aws", T0, NULL, 0, &s);
  CHECK(strstr(res, "\"reason\":\"unreachable\"") != NULL);
  CHECK(strstr(tstatus(v, T0), "\"provider\":\"aws\",\"connected\":false") != NULL);
  free(res);
  tjobs_clear(&s);
  /* Reconnected while the check ran: the old check neither passes nor
   * disconnects the new credentials. */
  CHECK_EQ_INT(tconnect(v, "aws", AWS_CREDS, T0), VL_OK);
  uint32_t h = 0;
  CHECK_EQ_INT(vl_vault_verify_open(v, "aws", T0, &h), VL_OK);
  vl_job job;
  CHECK_EQ_INT(vl_resolve_next_job(vl_vault_resolve_get(v, h), &job), VL_OK);
  CHECK_EQ_INT(tconnect(v, "aws", AWS_CREDS, T0), VL_OK);
  tresp bad = {403, {{0}}, 0, "<Error><Code>InvalidClientTokenId</Code></Error>"};
  size_t len;
  uint8_t *resp = tresp_encode(&bad, &len);
  vl_vault_job_done(v, h, job.id, 403, resp, len, T0);
  vl_free(resp);
  uint8_t *out;
  CHECK_EQ_INT(vl_vault_verify_result(v, h, T0, &out, &len), VL_OK);
  CHECK(strstr((char *)out, "\"ok\":false") != NULL);
  vl_free(out);
  vl_vault_resolve_close(v, h);
  CHECK(strstr(tstatus(v, T0), "\"provider\":\"aws\",\"connected\":true") != NULL);
  /* A resolve handle is not a verification, and the other way round. */
  CHECK_EQ_INT(vl_vault_verify_open(v, "local", T0, &h), VL_ERR_ARG);
  CHECK_EQ_INT(vl_vault_verify_open(v, "nope", T0, &h), VL_ERR_ARG);
  vl_vault_free(v);
}

/* Rejected before the expiry, expired after it (issue #13 §1, send time). */
static void test_send_time_rejected_vs_expired(void) {
  vl_vault *v = vl_vault_new(NULL);
  tlink(v, "s", GCP_LINK, NULL);
  CHECK_EQ_INT(tconnect(v, "gcp", "{\"accessToken\":\"ya29.x\",\"expiresAt\":1700000005000}", T0), VL_OK);
  tresp r401 = {401, {{0}}, 0, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}"};
  tjobs s = {0};
  char *url, *rep;
  tflow(v, "https://h.test/{{vault:s}}", T0, &r401, 1, &s, &url, &rep);
  CHECK_EQ_STR(treason(rep, 0), "credentials_rejected");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  /* A fetch begun before the expiry and answered after it: expired. */
  CHECK_EQ_INT(tconnect(v, "gcp", "{\"accessToken\":\"ya29.x\",\"expiresAt\":1700000005000}", T0), VL_OK);
  size_t len;
  uint8_t *frame = treq_encode(&(treq){.url = "https://h.test/{{vault:s}}"}, &len);
  vl_resolve *r;
  CHECK_EQ_INT(vl_resolve_begin(v, frame, len, 0, T0, &r), VL_OK);
  vl_free(frame);
  vl_job job;
  CHECK_EQ_INT(vl_resolve_next_job(r, &job), VL_OK);
  uint8_t *resp = tresp_encode(&r401, &len);
  CHECK_EQ_INT(vl_resolve_job_done(r, job.id, 401, resp, len, T0 + 6 * SEC), VL_OK);
  vl_free(resp);
  uint8_t *o, *report;
  size_t olen, rlen;
  CHECK_EQ_INT(vl_resolve_render(r, T0 + 6 * SEC, &o, &olen, &report, &rlen), VL_OK);
  CHECK_EQ_STR(treason((char *)report, 0), "reauth_required");
  vl_free(o);
  vl_free(report);
  vl_resolve_free(r);
  vl_vault_free(v);
}

/* Resolves {{vault:s}} at now with the GCP answer (or none): the URL. */
static void gcp_send(vl_vault *v, uint64_t now, const tresp *a, char **url, char **rep, int *jobs) {
  tjobs s = {0};
  tflow(v, "https://h.test/{{vault:s}}", now, a, a ? 1 : 0, &s, url, rep);
  *jobs = s.jobs;
  tjobs_clear(&s);
}

static void test_cache_never_outlives_its_credential(void) {
  tresp ok = {200, {{0}}, 0, GCP_OK};
  char *url, *rep;
  int jobs;
  /* Expiry: connect with an 8 s credential, send, then 10 s later the value is gone. */
  vl_vault *v = vl_vault_new(NULL);
  tlink(v, "s", GCP_LINK, NULL);
  CHECK_EQ_INT(tconnect(v, "gcp", "{\"accessToken\":\"ya29.x\",\"expiresAt\":1700000008000}", T0), VL_OK);
  gcp_send(v, T0, &ok, &url, &rep, &jobs);
  CHECK_EQ_STR(url, "https://h.test/s3cr3t");
  vl_free(url);
  vl_free(rep);
  CHECK(strstr(tstatus(v, T0 + 7 * SEC), "\"cache\":[{\"name\":\"s\"") != NULL);
  gcp_send(v, T0 + 7 * SEC, NULL, &url, &rep, &jobs); /* from the cache */
  CHECK_EQ_INT(jobs, 0);
  CHECK_EQ_STR(url, "https://h.test/s3cr3t");
  vl_free(url);
  vl_free(rep);
  gcp_send(v, T0 + 10 * SEC, NULL, &url, &rep, &jobs);
  CHECK_EQ_INT(jobs, 0);
  CHECK_EQ_STR(url, "https://h.test/{{vault:s}}");
  CHECK_EQ_STR(treason(rep, 0), "reauth_required");
  vl_free(url);
  vl_free(rep);
  CHECK(strstr(tstatus(v, T0 + 10 * SEC), "\"cache\":[]") != NULL);
  vl_vault_free(v);

  /* The status call alone (any vault entry with the caller's clock) wipes it at the expiry. */
  v = vl_vault_new(NULL);
  tlink(v, "s", GCP_LINK, NULL);
  tconnect(v, "gcp", "{\"accessToken\":\"ya29.x\",\"expiresAt\":1700000008000}", T0);
  gcp_send(v, T0, &ok, &url, &rep, &jobs);
  vl_free(url);
  vl_free(rep);
  CHECK(strstr(tstatus(v, T0 + 8 * SEC - 1), "\"cache\":[{") != NULL);
  CHECK(strstr(tstatus(v, T0 + 8 * SEC), "\"cache\":[]") != NULL);
  vl_vault_free(v);

  /* sweep: counts the wiped entry. */
  v = vl_vault_new(NULL);
  tlink(v, "s", GCP_LINK, NULL);
  tconnect(v, "gcp", "{\"accessToken\":\"ya29.x\",\"expiresAt\":1700000008000}", T0);
  gcp_send(v, T0, &ok, &url, &rep, &jobs);
  vl_free(url);
  vl_free(rep);
  CHECK_EQ_INT(v->cache.count, 1);
  vl_vault_sweep(v, T0 + 9 * SEC);
  CHECK_EQ_INT(v->cache.count, 0);
  vl_vault_free(v);

  /* Disconnect and reconnect with other credentials wipe it too. */
  v = vl_vault_new(NULL);
  tlink(v, "s", GCP_LINK, NULL);
  tconnect(v, "gcp", "{\"accessToken\":\"ya29.one\"}", T0);
  gcp_send(v, T0, &ok, &url, &rep, &jobs);
  vl_free(url);
  vl_free(rep);
  CHECK_EQ_INT(v->cache.count, 1);
  CHECK_EQ_INT(vl_vault_disconnect(v, "gcp"), VL_OK);
  CHECK_EQ_INT(v->cache.count, 0);
  CHECK(strstr(tstatus(v, T0), "\"cache\":[]") != NULL);
  tconnect(v, "gcp", "{\"accessToken\":\"ya29.one\"}", T0);
  gcp_send(v, T0, &ok, &url, &rep, &jobs);
  vl_free(url);
  vl_free(rep);
  CHECK_EQ_INT(v->cache.count, 1);
  tconnect(v, "gcp", "{\"accessToken\":\"ya29.two\"}", T0);
  CHECK_EQ_INT(v->cache.count, 0);
  gcp_send(v, T0, NULL, &url, &rep, &jobs);
  CHECK_EQ_INT(jobs, 1); /* fetched again under the new credentials */
  vl_free(url);
  vl_free(rep);
  vl_vault_free(v);

  /* A rejection at send time wipes what the credential fetched before. */
  v = vl_vault_new(NULL);
  tlink(v, "s", GCP_LINK, NULL);
  tlink(v, "t", "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"projects/p/secrets/other/versions/1\"}}}", NULL);
  tconnect(v, "gcp", "{\"accessToken\":\"ya29.x\"}", T0);
  gcp_send(v, T0, &ok, &url, &rep, &jobs);
  vl_free(url);
  vl_free(rep);
  tjobs s = {0};
  tresp r401 = {401, {{0}}, 0, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}"};
  tflow(v, "https://h.test/{{vault:t}}", T0, &r401, 1, &s, &url, &rep);
  CHECK_EQ_STR(treason(rep, 0), "credentials_rejected");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  CHECK_EQ_INT(v->cache.count, 0);
  vl_vault_free(v);
}

static void test_cache_owner_epochs(void) {
  vl_cache c;
  CHECK_EQ_INT(vl_cache_init(&c), VL_OK);
  CHECK_EQ_INT(vl_cache_put_owned(&c, "gcp|a", "a", (const uint8_t *)"1", 1, 9000, 1000, 5, 7), VL_OK);
  CHECK_EQ_INT(vl_cache_put_owned(&c, "gcp|b", "b", (const uint8_t *)"2", 1, 9000, 1000, 5, 8), VL_OK);
  CHECK_EQ_INT(vl_cache_put_owned(&c, "aws|c", "c", (const uint8_t *)"3", 1, 9000, 1000, 1, 7), VL_OK);
  CHECK_EQ_INT(vl_cache_put(&c, "local|d", "d", (const uint8_t *)"4", 1, 9000, 1000), VL_OK);
  CHECK_EQ_INT(vl_cache_drop_stale(&c, 5, 8, 0), 1); /* gcp|a was fetched with epoch 7 */
  CHECK(!vl_cache_has(&c, "gcp|a", 2000) && vl_cache_has(&c, "gcp|b", 2000) && vl_cache_has(&c, "aws|c", 2000));
  CHECK_EQ_INT(vl_cache_drop_stale(&c, 1, 0, 1), 1); /* every aws entry */
  CHECK_EQ_INT(vl_cache_drop_stale(&c, 0, 0, 1), 0); /* owner 0 is never dropped this way */
  CHECK(vl_cache_has(&c, "local|d", 2000));
  CHECK_EQ_INT(c.count, 2);
  vl_cache_free(&c);
}

VLT_MAIN(TEST(test_reason_codes), TEST(test_identity_validators), TEST(test_aws_verify), TEST(test_hashicorp_verify),
         TEST(test_onepassword_verify), TEST(test_azure_and_gcp_verify), TEST(test_unreachable_and_races),
         TEST(test_send_time_rejected_vs_expired), TEST(test_cache_never_outlives_its_credential),
         TEST(test_cache_owner_epochs))
