/* AWS Secrets Manager through the engine: jobs, SigV4 headers, responses,
 * the error taxonomy, role assumption, and every expiry path of issue
 * "Secret hygiene" (TTL, provider hints, credential expiry, reset, relink). */
#include "engine.h"
#include "provhelp.h"
#include "vltest.h"

#define ARN "arn:aws:secretsmanager:us-west-2:123456789012:secret:db-AbCdEf"
#define LINK_PLAIN "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" ARN "\"}}}"
#define LINK_JSON \
  "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" ARN "\",\"format\":\"json\",\"key\":\"db.pass\"}}}"
#define CREDS "{\"accessKeyId\":\"AKIDEXAMPLE\",\"secretAccessKey\":\"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\"}"
#define T0 1700000000000ull
#define MIN 60000ull

static const tresp OK_PLAIN = {200,
                               {{"Content-Type", "application/x-amz-json-1.1"}},
                               1,
                               "{\"ARN\":\"" ARN "\",\"Name\":\"db\",\"SecretString\":\"pa55\",\"VersionId\":\"x\"}"};

static void test_get_secret_value_job_and_value(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "db", LINK_PLAIN, NULL), VL_OK);
  CHECK_EQ_INT(tconnect(v, "aws", CREDS, T0), VL_OK);
  tjobs s = {0};
  char *url, *rep;
  CHECK_EQ_INT(tflow(v, "https://h.com/?p={{vault:db}}", T0, &OK_PLAIN, 1, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 1);
  CHECK(slice_eq(s.job.method, "POST"));
  CHECK(slice_eq(s.job.url, "https://secretsmanager.us-west-2.amazonaws.com/"));
  CHECK_EQ_STR(tjob_header(&s, "X-Amz-Target"), "secretsmanager.GetSecretValue");
  CHECK_EQ_STR(tjob_header(&s, "Content-Type"), "application/x-amz-json-1.1");
  const char *auth = tjob_header(&s, "Authorization");
  CHECK(auth && strncmp(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-west-2/secretsmanager/aws4_request",
                        83) == 0);
  CHECK(strstr(auth, "SignedHeaders=content-type;host;x-amz-date;x-amz-target") != NULL);
  CHECK(tjob_header(&s, "Host") == NULL); /* the transport sets Host from the URL */
  CHECK(slice_eq(s.job.body, "{\"SecretId\":\"" ARN "\"}"));
  CHECK_EQ_STR(url, "https://h.com/?p=pa55");
  CHECK_EQ_STR(rep, "[]");
  vl_free(url);
  vl_free(rep);
  /* Cached: the next resolve makes no job. */
  tjobs s2 = {0};
  CHECK_EQ_INT(tflow(v, "https://h.com/?p={{vault:db}}", T0 + MIN, NULL, 0, &s2, &url, &rep), VL_OK);
  CHECK_EQ_INT(s2.jobs, 0);
  CHECK_EQ_STR(url, "https://h.com/?p=pa55");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  tjobs_clear(&s2);
  vl_vault_free(v);
}

static void test_json_key_binary_and_versions(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "j", LINK_JSON, NULL), VL_OK);
  CHECK_EQ_INT(
      tlink(v, "bin",
            "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" ARN "\",\"version\":\"AWSPREVIOUS\"}}}",
            NULL),
      VL_OK);
  CHECK_EQ_INT(tlink(v, "vid",
                     "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" ARN
                     "\",\"version\":\"EXAMPLE1-90ab-cdef-fedc-ba987SECRET1\"}}}",
                     NULL),
               VL_OK);
  tconnect(v, "aws", CREDS, T0);
  tresp json = {200, {{0}}, 0, "{\"SecretString\":\"{\\\"db\\\":{\\\"pass\\\":\\\"s3\\\",\\\"port\\\":5432}}\"}"};
  tjobs s = {0};
  char *url, *rep;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:j}}", T0, &json, 1, &s, &url, &rep), VL_OK);
  CHECK_EQ_STR(url, "https://h.com/s3");
  vl_free(url);
  vl_free(rep);
  tresp bin = {200, {{0}}, 0, "{\"SecretBinary\":\"YmluYXJ5LXZhbHVl\"}"}; /* "binary-value" */
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:bin}}", T0, &bin, 1, &s, &url, &rep), VL_OK);
  CHECK(slice_eq(s.job.body, "{\"SecretId\":\"" ARN "\",\"VersionStage\":\"AWSPREVIOUS\"}"));
  CHECK_EQ_STR(url, "https://h.com/binary-value");
  vl_free(url);
  vl_free(rep);
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:vid}}", T0, &OK_PLAIN, 1, &s, &url, &rep), VL_OK);
  CHECK(slice_eq(s.job.body, "{\"SecretId\":\"" ARN "\",\"VersionId\":\"EXAMPLE1-90ab-cdef-fedc-ba987SECRET1\"}"));
  vl_free(url);
  vl_free(rep);
  /* A missing key is key_not_found (the secret exists); a non-JSON secret with format json is malformed. */
  vl_vault_reset_cache(v);
  tresp nokey = {200, {{0}}, 0, "{\"SecretString\":\"{\\\"other\\\":1}\"}"};
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:j}}", T0, &nokey, 1, &s, &url, &rep), VL_OK);
  CHECK_EQ_STR(treason(rep, 0), "key_not_found");
  CHECK(strstr(rep, "db.pass") != NULL && strstr(rep, "other") == NULL);
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_vault_free(v);
}

static void test_error_taxonomy(void) {
  static const struct {
    tresp resp;
    const char *reason;
  } cases[] = {
      {{400,
        {{0}},
        0,
        "{\"__type\":\"ResourceNotFoundException\",\"Message\":\"Secrets Manager can't find the specified secret.\"}"},
       "not_found"},
      {{400, {{0}}, 0, "{\"__type\":\"AccessDeniedException\",\"Message\":\"User: x is not authorized\"}"},
       "permission_denied"},
      {{400, {{"X-Amzn-Errortype", "ThrottlingException:http://internal.amazon.com/coral/x"}}, 1, "{}"}, "throttled"},
      {{400,
        {{0}},
        0,
        "{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\",\"message\":\"The security token included in "
        "the request is expired\"}"},
       "reauth_required"},
      {{400,
        {{0}},
        0,
        "{\"__type\":\"InvalidSignatureException\",\"Message\":\"Signature expired: 20231114T000000Z is now earlier "
        "than …\"}"},
       "misconfigured"},
      /* A wrong key (unknown id, or a signature the secret does not make) is
       * rejected, not expired (issue #13). */
      {{400, {{0}}, 0, "{\"__type\":\"UnrecognizedClientException\",\"Message\":\"invalid\"}"}, "credentials_rejected"},
      {{400,
        {{0}},
        0,
        "{\"__type\":\"InvalidSignatureException\",\"Message\":\"The request signature we calculated\"}"},
       "credentials_rejected"},
      {{403, {{0}}, 0, "{\"__type\":\"InvalidClientTokenId\",\"Message\":\"invalid\"}"}, "credentials_rejected"},
      {{400, {{0}}, 0, "{\"code\":\"InvalidRequestException\",\"Message\":\"marked for deletion\"}"},
       "disabled_at_provider"},
      {{503, {{0}}, 0, "{\"__type\":\"ServiceUnavailable\"}"}, "unreachable"},
      {{200, {{0}}, 0, "not json"}, "malformed_response"},
      {{0, {{"x-vaultlink-error", "network"}}, 1, ""}, "unreachable"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vl_vault *v = vl_vault_new(NULL);
    tlink(v, "db", LINK_PLAIN, NULL);
    tconnect(v, "aws", CREDS, T0);
    tjobs s = {0};
    char *url, *rep;
    CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0, &cases[i].resp, 1, &s, &url, &rep), VL_OK);
    CHECK_EQ_STR(url, "https://h.com/{{vault:db}}"); /* the token stays literal */
    if (strcmp(treason(rep, 0), cases[i].reason) != 0) fprintf(stderr, "  case %zu: %s\n", i, rep);
    CHECK_EQ_STR(treason(rep, 0), cases[i].reason);
    CHECK(strstr(rep, ARN) != NULL); /* the detail names the reference */
    vl_free(url);
    vl_free(rep);
    tjobs_clear(&s);
    vl_vault_free(v);
  }
}

static int provider_reauth(vl_vault *v, uint64_t now) {
  uint8_t *st;
  size_t n;
  vl_vault_status(v, now, &st, &n);
  int r = strstr((char *)st, "\"provider\":\"aws\",\"connected\":false,\"reauthRequired\":true") != NULL;
  vl_free(st);
  return r;
}

static void test_expired_token_wipes_credentials(void) {
  vl_vault *v = vl_vault_new(NULL);
  tlink(v, "db", LINK_PLAIN, NULL);
  tconnect(v, "aws", CREDS, T0);
  tresp expired = {400, {{0}}, 0, "{\"__type\":\"ExpiredTokenException\",\"message\":\"expired\"}"};
  tjobs s = {0};
  char *url, *rep;
  tflow(v, "https://h.com/{{vault:db}}", T0, &expired, 1, &s, &url, &rep);
  vl_free(url);
  vl_free(rep);
  CHECK(provider_reauth(v, T0));
  /* Next resolve: no job, reason reauth_required. */
  tjobs s2 = {0};
  tflow(v, "https://h.com/{{vault:db}}", T0, NULL, 0, &s2, &url, &rep);
  CHECK_EQ_INT(s2.jobs, 0);
  CHECK_EQ_STR(treason(rep, 0), "reauth_required");
  vl_free(url);
  vl_free(rep);
  /* Reconnecting clears it. */
  CHECK_EQ_INT(tconnect(v, "aws", CREDS, T0), VL_OK);
  CHECK(!provider_reauth(v, T0));
  tjobs_clear(&s);
  tjobs_clear(&s2);
  vl_vault_free(v);
}

static void test_credential_lifetimes(void) {
  vl_vault *v = vl_vault_new(NULL);
  tlink(v, "db", LINK_PLAIN, NULL);
  /* Long-lived keys: 2 h, as Postman. */
  tconnect(v, "aws", CREDS, T0);
  CHECK(!provider_reauth(v, T0 + 120 * MIN - 1));
  CHECK(provider_reauth(v, T0 + 120 * MIN));
  /* Explicit expiry (temporary credentials). */
  char creds[256];
  snprintf(creds, sizeof creds,
           "{\"accessKeyId\":\"ASIAX\",\"secretAccessKey\":\"s\",\"sessionToken\":\"tok\",\"expiresAt\":%llu}",
           (unsigned long long)(T0 + 5 * MIN));
  CHECK_EQ_INT(tconnect(v, "aws", creds, T0), VL_OK);
  tjobs s = {0};
  char *url, *rep;
  tflow(v, "https://h.com/{{vault:db}}", T0, &OK_PLAIN, 1, &s, &url, &rep);
  CHECK_EQ_STR(tjob_header(&s, "X-Amz-Security-Token"), "tok");
  CHECK(strstr(tjob_header(&s, "Authorization"), "x-amz-security-token") != NULL); /* signed */
  vl_free(url);
  vl_free(rep);
  CHECK(provider_reauth(v, T0 + 5 * MIN));
  /* Already-expired credentials are refused. */
  snprintf(creds, sizeof creds, "{\"accessKeyId\":\"A\",\"secretAccessKey\":\"s\",\"expiresAt\":%llu}",
           (unsigned long long)(T0 - 1));
  CHECK_EQ_INT(tconnect(v, "aws", creds, T0), VL_ERR_EXPIRED);
  /* Errors about credentials never echo them. */
  CHECK_EQ_INT(tconnect(v, "aws", "{\"accessKeyId\":\"AKIA-SECRETISH\"}", T0), VL_ERR_ARG);
  CHECK(strstr(vl_vault_last_error(v), "SECRETISH") == NULL);
  CHECK_EQ_INT(tconnect(v, "aws", "{\"secretAccessKey\":\"abc", T0), VL_ERR_FORMAT);
  CHECK(strstr(vl_vault_last_error(v), "abc") == NULL);
  tjobs_clear(&s);
  vl_vault_free(v);
}

static void test_cache_ttl_reset_relink_disconnect(void) {
  vl_options o = {5};
  vl_vault *v = vl_vault_new(&o);
  tlink(v, "db", LINK_PLAIN, NULL);
  tconnect(v, "aws", CREDS, T0);
  tjobs s = {0};
  char *url, *rep;
  tflow(v, "https://h.com/{{vault:db}}", T0, &OK_PLAIN, 1, &s, &url, &rep);
  vl_free(url);
  vl_free(rep);
  CHECK_EQ_INT(s.jobs, 1);
  /* Within the 5-minute TTL: cached. At 5 minutes: fetched again. */
  tflow(v, "https://h.com/{{vault:db}}", T0 + 5 * MIN - 1, &OK_PLAIN, 1, &s, &url, &rep);
  CHECK_EQ_INT(s.jobs, 1);
  vl_free(url);
  vl_free(rep);
  tflow(v, "https://h.com/{{vault:db}}", T0 + 5 * MIN, &OK_PLAIN, 1, &s, &url, &rep);
  CHECK_EQ_INT(s.jobs, 2);
  vl_free(url);
  vl_free(rep);
  /* Sweep wipes expired entries. */
  CHECK_EQ_INT(vl_vault_sweep(v, T0 + 5 * MIN + 1), 0);
  CHECK_EQ_INT(vl_vault_sweep(v, T0 + 10 * MIN), 1);
  /* Reset cache, relink and disconnect each force a fetch. */
  tflow(v, "https://h.com/{{vault:db}}", T0 + 11 * MIN, &OK_PLAIN, 1, &s, &url, &rep);
  vl_free(url);
  vl_free(rep);
  CHECK_EQ_INT(s.jobs, 3);
  vl_vault_reset_cache(v);
  tflow(v, "https://h.com/{{vault:db}}", T0 + 11 * MIN, &OK_PLAIN, 1, &s, &url, &rep);
  vl_free(url);
  vl_free(rep);
  CHECK_EQ_INT(s.jobs, 4);
  tlink(v, "db", LINK_PLAIN, NULL); /* relink */
  tflow(v, "https://h.com/{{vault:db}}", T0 + 11 * MIN, &OK_PLAIN, 1, &s, &url, &rep);
  vl_free(url);
  vl_free(rep);
  CHECK_EQ_INT(s.jobs, 5);
  CHECK_EQ_INT(vl_vault_disconnect(v, "aws"), VL_OK);
  tflow(v, "https://h.com/{{vault:db}}", T0 + 11 * MIN, NULL, 0, &s, &url, &rep);
  CHECK_EQ_INT(s.jobs, 5);
  CHECK_EQ_STR(treason(rep, 0), "not_connected");
  CHECK_EQ_STR(url, "https://h.com/{{vault:db}}");
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_vault_free(v);
}

static void test_assume_role(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "db",
                     "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" ARN
                     "\",\"roleArn\":\"arn:aws:iam::123456789012:role/reader\"}}}",
                     NULL),
               VL_OK);
  tconnect(v, "aws", CREDS, T0);
  tresp sts = {200,
               {{0}},
               0,
               "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>"
               "<SecretAccessKey>rs&amp;k</SecretAccessKey><SessionToken>rtok</SessionToken>"
               "<Expiration>2023-11-14T23:13:20Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"};
  tresp answers[2] = {sts, OK_PLAIN};
  tjobs s = {0};
  char *url, *rep;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:db}}", T0, answers, 2, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 2);
  CHECK_EQ_STR(url, "https://h.com/pa55");
  CHECK_EQ_STR(tjob_header(&s, "X-Amz-Security-Token"), "rtok"); /* GetSecretValue signed as the role */
  CHECK(strstr(tjob_header(&s, "Authorization"), "Credential=ASIAROLE/") != NULL);
  vl_free(url);
  vl_free(rep);
  /* Role credentials are reused until their Expiration. */
  vl_vault_reset_cache(v);
  tflow(v, "https://h.com/{{vault:db}}", T0 + 1000, &OK_PLAIN, 1, &s, &url, &rep);
  CHECK_EQ_INT(s.jobs, 3);
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_vault_free(v);
}

static void test_bad_arns_name_the_position(void) {
  vl_vault *v = vl_vault_new(NULL);
  static const char *const bad[][2] = {
      {"arn:aws:secretsmanager:us-east-1:1234:secret:x", "12 digits"},
      {"arn:aws:s3:us-east-1:123456789012:secret:x", "secretsmanager"},
      {"arn:aws:secretsmanager:us-east-1:123456789012:secret:a b", "byte 54"},
      {"arn:aws:secretsmanager:us-east-1", "7"},
      {"arn:aws:secretsmanager:US_EAST:123456789012:secret:x", "region"},
  };
  for (size_t i = 0; i < 5; i++) {
    char def[256];
    snprintf(def, sizeof def, "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"%s\"}}}", bad[i][0]);
    CHECK_EQ_INT(tlink(v, "x", def, NULL), VL_ERR_REFERENCE);
    if (!strstr(vl_vault_last_error(v), bad[i][1])) fprintf(stderr, "  %s\n", vl_vault_last_error(v));
    CHECK(strstr(vl_vault_last_error(v), bad[i][1]) != NULL);
  }
  vl_vault_free(v);
}

/* Issue #11 §2: the signed request's host comes from the ARN's partition and
 * region. A link may pick an AWS region, never a host: a partition or region
 * that would name one is refused, and an endpoint from connect takes every
 * request, STS included. */
static void test_credential_never_goes_to_link_origin(void) {
  vl_vault *v = vl_vault_new(NULL);
  static const char *const hostile[] = {
      "arn:aws.evil.example:secretsmanager:us-east-1:123456789012:secret:x",
      "arn:awsevil:secretsmanager:us-east-1:123456789012:secret:x",
      "arn:aws:secretsmanager:evil.example:123456789012:secret:x",
      "arn:aws:secretsmanager:us-east-1.evil.example#:123456789012:secret:x",
      "arn:aws:secretsmanager:evil.example/:123456789012:secret:x",
  };
  for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
    char def[256];
    snprintf(def, sizeof def, "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"%s\"}}}", hostile[i]);
    if (tlink(v, "x", def, NULL) != VL_ERR_REFERENCE) fprintf(stderr, "  accepted %s\n", hostile[i]);
    CHECK_EQ_INT(tlink(v, "x", def, NULL), VL_ERR_REFERENCE);
    snprintf(def, sizeof def, "{\"source\":\"%s\"}", hostile[i]);
    CHECK_EQ_INT(tlink(v, "x", def, NULL), VL_ERR_REFERENCE);
  }
  /* Without an endpoint: AWS's own host for the ARN's region and partition. */
  static const char *const arns[][2] = {
      {ARN, "https://secretsmanager.us-west-2.amazonaws.com"},
      {"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-AbCdEf",
       "https://secretsmanager.cn-north-1.amazonaws.com.cn"},
      {"arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-AbCdEf",
       "https://secretsmanager.us-gov-west-1.amazonaws.com"},
  };
  CHECK_EQ_INT(tconnect(v, "aws", CREDS, T0), VL_OK);
  for (size_t i = 0; i < sizeof arns / sizeof *arns; i++) {
    char def[256];
    snprintf(def, sizeof def, "{\"source\":\"%s\"}", arns[i][0]);
    CHECK_EQ_INT(tlink(v, "x", def, NULL), VL_OK);
    tjobs s = {0};
    char *url, *rep;
    CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:x}}", T0, NULL, 0, &s, &url, &rep), VL_OK);
    CHECK_EQ_INT(s.jobs, 1);
    CHECK_EQ_INT(tjobs_to_origin(&s, arns[i][1]), 1);
    CHECK_EQ_INT(tjobs_credential_outside(&s, arns[i][1], "AKIDEXAMPLE"), -1);
    vl_free(url);
    vl_free(rep);
    tjobs_clear(&s);
  }
  /* With an endpoint, every request goes there, whatever region or role the link names. */
  CHECK_EQ_INT(tconnect(v, "aws",
                        "{\"accessKeyId\":\"AKIDEXAMPLE\",\"secretAccessKey\":\"k\",\"sessionToken\":\"sess-tok\","
                        "\"endpoint\":\"http://127.0.0.1:4566\"}",
                        T0),
               VL_OK);
  CHECK_EQ_INT(tlink(v, "x",
                     "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"arn:aws-cn:secretsmanager:cn-north-1:"
                     "123456789012:secret:db-AbCdEf\",\"roleArn\":\"arn:aws:iam::123456789012:role/r\"}}}",
                     NULL),
               VL_OK);
  tjobs s = {0};
  char *url, *rep;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:x}}", T0, NULL, 0, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 1); /* STS AssumeRole, signed */
  CHECK_EQ_INT(tjobs_to_origin(&s, "http://127.0.0.1:4566"), 1);
  CHECK_EQ_INT(tjobs_credential_outside(&s, "http://127.0.0.1:4566", "sess-tok"), -1);
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_vault_free(v);
}

/* Issue #11 §6: cache keys were "aws|" + a concatenated canonical string, so
 * version stage "S#json:password" and version "S" + key "password" shared an
 * entry and one link received the other's value. */
static void test_cache_keys_do_not_collide(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(
      tlink(v, "a",
            "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" ARN "\",\"version\":\"S#json:password\"}}}",
            NULL),
      VL_OK);
  CHECK_EQ_INT(tlink(v, "b",
                     "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" ARN
                     "\",\"version\":\"S\",\"format\":\"json\",\"key\":\"password\"}}}",
                     NULL),
               VL_OK);
  CHECK(strcmp(vl_vault_find(v, (const uint8_t *)"a", 1)->cache_key,
               vl_vault_find(v, (const uint8_t *)"b", 1)->cache_key) != 0);
  CHECK_EQ_INT(tconnect(v, "aws", CREDS, T0), VL_OK);
  static const tresp stage_a = {200, {{0}}, 0, "{\"SecretString\":\"value-of-stage-S#json:password\"}"};
  static const tresp stage_s = {200, {{0}}, 0, "{\"SecretString\":\"{\\\"password\\\":\\\"pw-of-stage-S\\\"}\"}"};
  tjobs s = {0};
  char *url, *rep;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:a}}", T0, &stage_a, 1, &s, &url, &rep), VL_OK);
  CHECK_EQ_STR(url, "https://h.com/value-of-stage-S#json:password");
  CHECK(strstr(tjob_header(&s, "X-Amz-Target"), "GetSecretValue") != NULL);
  vl_free(url);
  vl_free(rep);
  /* b is not served a's cached value: it is fetched, for stage "S". */
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:b}}", T0, &stage_s, 1, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 2);
  CHECK(tmem_has(s.job.body.p, s.job.body.n, "\"VersionStage\":\"S\""));
  CHECK_EQ_STR(url, "https://h.com/pw-of-stage-S");
  vl_free(url);
  vl_free(rep);
  /* Both cached apart: one resolve of both costs no job and gives each its own. */
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:a}}/{{vault:b}}", T0, NULL, 0, &s, &url, &rep), VL_OK);
  CHECK_EQ_INT(s.jobs, 2);
  CHECK_EQ_STR(url, "https://h.com/value-of-stage-S#json:password/pw-of-stage-S");
  vl_free(url);
  vl_free(rep);
  /* A shorthand and its object form are one secret, one entry. */
  CHECK_EQ_INT(tlink(v, "c", "{\"source\":\"" ARN "\"}", NULL), VL_OK);
  CHECK_EQ_INT(tlink(v, "d", LINK_PLAIN, NULL), VL_OK);
  CHECK_EQ_STR(vl_vault_find(v, (const uint8_t *)"c", 1)->cache_key,
               vl_vault_find(v, (const uint8_t *)"d", 1)->cache_key);
  tjobs_clear(&s);
  vl_vault_free(v);
}

VLT_MAIN(TEST(test_get_secret_value_job_and_value), TEST(test_json_key_binary_and_versions), TEST(test_error_taxonomy),
         TEST(test_expired_token_wipes_credentials), TEST(test_credential_lifetimes),
         TEST(test_cache_ttl_reset_relink_disconnect), TEST(test_assume_role), TEST(test_bad_arns_name_the_position),
         TEST(test_credential_never_goes_to_link_origin), TEST(test_cache_keys_do_not_collide))
