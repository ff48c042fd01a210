/* Provider-controlled text in messages (issue #11 §4): for every provider and
 * every job of its flows, hostile answers place a canary in each string field
 * of the body (one field at a time, and all at once) and in each part of the
 * headers, under every interesting HTTP status. The canary must never show in
 * the report (detail, message) nor in vl_vault_last_error(). And the good
 * messages stay useful: a valid timestamp, integer or known name is quoted. */
#include <ctype.h>

#include "envelope.h"
#include "provhelp.h"
#include "providers/quote.h"
#include "vltest.h"

#define CANARY "CANARY-5b1e"
#define T0 1700000000000ull

/* ---------------------------------------------------------------- the table */

typedef struct {
  const char *name, *value; /* value: a slot template, "[[default]]" marks each field */
} thdr;

typedef struct {
  const char *name;
  const char *provider, *creds, *link;
  tresp prefix[3]; /* clean answers that lead to the stage */
  size_t nprefix;
  /* Body shapes: JSON ('{' or '[') is mutated leaf by leaf; anything else is a
   * slot template (XML, raw text). */
  const char *bodies[6];
  thdr headers[4][4]; /* header sets (up to 4 headers each), values are slot templates */
} stage;

#define HC_ADDR "https://vault.example:8200"
#define HC_TOKEN "{\"address\":\"" HC_ADDR "\",\"token\":\"hvs.TESTONLY\",\"expiresAt\":1800000000000}"
#define HC_LOOKUP "{\"address\":\"" HC_ADDR "\",\"token\":\"hvs.TESTONLY\"}"
#define HC_APPROLE "{\"address\":\"" HC_ADDR "\",\"approle\":{\"roleId\":\"rid\",\"secretId\":\"sid\"}}"
#define HC_LINK(extra) \
  "{\"source\":{\"provider\":\"hashicorp\",\"hashicorp\":{\"engine\":\"secret\",\"path\":\"db\"" extra "}}}"
#define HC_MOUNT_V2 \
  "{\"data\":{\"type\":\"kv\",\"options\":{\"version\":\"2\"},\"path\":\"secret/\"},\"errors\":[\"e\"]}"
#define HC_LOGIN_OK                                                                                                  \
  "{\"auth\":{\"client_token\":\"hvs.LOGIN\",\"accessor\":\"acc\",\"lease_duration\":300,\"renewable\":true,"        \
  "\"policies\":[\"default\"],\"token_type\":\"service\"},\"errors\":[\"invalid role or secret ID\"],\"warnings\":[" \
  "\"w\"]}"
#define HC_READ_DELETED                                                                                           \
  "{\"data\":{\"data\":null,\"metadata\":{\"created_time\":\"2024-01-01T00:00:00Z\",\"deletion_time\":\"2024-01-" \
  "02T00:00:00Z\",\"destroyed\":false,\"version\":4}},\"errors\":[]}"
#define HC_READ_OK                                                                                                \
  "{\"data\":{\"data\":{\"pw\":\"p\"},\"metadata\":{\"created_time\":\"2024-01-01T00:00:00Z\",\"deletion_time\":" \
  "\"\",\"destroyed\":false,\"version\":3}},\"lease_duration\":0,\"request_id\":\"r\"}"
#define HC_ERRORS \
  "{\"errors\":[\"1 error occurred:\\n\\t* permission denied\\n\\n\",\"invalid token\",\"Vault is sealed\"]}"
#define HC_WARNINGS "{\"data\":null,\"warnings\":[\"Invalid path for a versioned K/V secrets engine.\"]}"

/* Headers every provider might see. */
#define H_GENERIC                                                                            \
  {                                                                                          \
    {"Retry-After", "[[7]]"}, {"Content-Type", "[[application/json]]; charset=[[utf-8]]"}, { \
      "WWW-Authenticate",                                                                    \
          "[[Bearer]] realm=\"[[api]]\", error=\"[[invalid_token]]\", "                      \
          "error_description=\"[[The access token expired]]\""                               \
    }                                                                                        \
  }
#define H_DATE                                             \
  {                                                        \
    { "Retry-After", "[[Wed, 21 Oct 2015 07:28:00 GMT]]" } \
  }

#define AWS_ARN "arn:aws:secretsmanager:us-west-2:123456789012:secret:db-AbCdEf"
#define AWS_ROLE "arn:aws:iam::123456789012:role/reader"
#define AWS_KEYS "{\"accessKeyId\":\"AKIDEXAMPLE\",\"secretAccessKey\":\"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\"}"
#define AWS_WEB "{\"webIdentityToken\":\"eyJ.test.only\",\"roleArn\":\"" AWS_ROLE "\"}"
#define AWS_LINK "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" AWS_ARN "\"}}}"
#define AWS_LINK_ROLE \
  "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" AWS_ARN "\",\"roleArn\":\"" AWS_ROLE "\"}}}"
#define AWS_LINK_JSON \
  "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"" AWS_ARN "\",\"format\":\"json\",\"key\":\"k\"}}}"
#define AWS_STS_OK                                                                                             \
  "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>rsk" \
  "</SecretAccessKey><SessionToken>rtok</SessionToken><Expiration>2023-11-14T23:13:20Z</Expiration>"           \
  "</Credentials></AssumeRoleResult></AssumeRoleResponse>"
#define AWS_STS_SLOTS                                                                                           \
  "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>[[ASIAROLE]]</AccessKeyId><SecretAccessKey>" \
  "[[rsk]]</SecretAccessKey><SessionToken>[[rtok]]</SessionToken><Expiration>[[2023-11-14T23:13:20Z]]"          \
  "</Expiration></Credentials><AssumedRoleUser><Arn>[[arn:aws:sts::123456789012:assumed-role/reader/v]]</Arn>"  \
  "</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>"
#define AWS_STS_ERROR                                                                                       \
  "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>[[Sender]]</Type><Code>" \
  "[[AccessDenied]]</Code><Message>[[User is not authorized to perform: sts:AssumeRole; request expired]]"  \
  "</Message></Error><RequestId>[[4f1e]]</RequestId></ErrorResponse>"
#define AWS_HEADERS                                                                                      \
  {{"X-Amzn-Errortype", "[[ResourceNotFoundException]]:[[http://internal.amazon.com/coral/validate/]]"}, \
   {"Content-Type", "[[application/x-amz-json-1.1]]"},                                                   \
   {"x-amzn-RequestId", "[[4f1e]]"},                                                                     \
   {"Retry-After", "[[7]]"}},                                                                            \
  {                                                                                                      \
    { "X-Amzn-Errortype", "[[com.amazonaws.secretsmanager]]#[[ExpiredTokenException]]" }                 \
  }
#define AWS_BODIES                                                                                                     \
  "{\"__type\":\"com.amazonaws.secretsmanager#ResourceNotFoundException\",\"Message\":\"Secrets Manager can't find "   \
  "the specified secret.\"}",                                                                                          \
      "{\"__type\":\"InvalidSignatureException\",\"message\":\"Signature expired: 20240101T000000Z is now earlier\"}", \
      "{\"code\":\"ThrottlingException\",\"Message\":\"Rate exceeded\",\"__type\":\"x\"}",                             \
      "{\"ARN\":\"" AWS_ARN                                                                                            \
      "\",\"Name\":\"db\",\"SecretString\":\"{\\\"k\\\":\\\"v\\\"}\",\"VersionId\":\"v1\","                            \
      "\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1.5}",                                                       \
      "{\"ARN\":\"" AWS_ARN "\",\"SecretBinary\":\"cGE1NQ==\"}"

#define AZ_SID "https://myvault.vault.azure.net/secrets/db"
#define AZ_LINK "{\"source\":{\"provider\":\"azure\",\"azure\":{\"secretId\":\"" AZ_SID "\"}}}"
#define AZ_TOKEN "eyJ0eXAiOiJKV1QifQ.test-only.sig"
#define AZ_CREDS "{\"accessToken\":\"" AZ_TOKEN "\"}"
#define AZ_CREDS_TENANT "{\"accessToken\":\"" AZ_TOKEN "\",\"tenantId\":\"aaaaaaaa-0000-0000-0000-000000000000\"}"
#define AZ_CHALLENGE                                                                          \
  "Bearer authorization=\"https://login.windows.net/12345678-1234-1234-1234-123456789012\", " \
  "resource=\"https://vault.azure.net\""
#define AZ_BODIES                                                                                                    \
  "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation get is not allowed on a disabled secret.\","           \
  "\"innererror\":{\"code\":\"SecretDisabled\"}}}",                                                                  \
      "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: Request is missing a Bearer or PoP token.\"}}", \
      "{\"value\":\"s3cr3t\",\"id\":\"" AZ_SID                                                                       \
      "/4387e9f3d6e14c459867679a90fd0f79\",\"contentType\":\"text/plain\","                                          \
      "\"attributes\":{\"enabled\":true,\"nbf\":1,\"exp\":2000000000,\"recoveryLevel\":\"Recoverable\"},"            \
      "\"tags\":{\"env\":\"prod\"}}"
#define AZ_HEADERS                                                                                                     \
  {{"WWW-Authenticate",                                                                                                \
    "Bearer authorization=\"[[https://login.windows.net]]/[[12345678-1234-1234-1234-123456789012]]\", resource=\""     \
    "[[https://vault.azure.net]]\""}},                                                                                 \
      {{"WWW-Authenticate",                                                                                            \
        "Bearer authorization=\"https://login.microsoftonline.com/[[common]]\", scope=\"[[https://vault.azure.net/"    \
        ".default]]\", tenantId=\"[[12345678-1234-1234-1234-123456789012]]\""},                                        \
       {"Retry-After", "[[7]]"}},                                                                                      \
      {{"WWW-Authenticate",                                                                                            \
        "Bearer realm=\"[[]]\", authorization_uri=\"[[https://login.microsoftonline.com/common/oauth2/authorize]]\", " \
        "error=\"[[insufficient_claims]]\", claims=\"[[eyJhY2Nlc3NfdG9rZW4iOnt9fQ==]]\""}},                            \
      H_GENERIC

#define OP_CREDS "{\"host\":\"http://connect.example:8080/\",\"token\":\"test-connect-token\"}"
#define OP_VID "ionaiwtdvgclrixbt6ztpqcxnq"
#define OP_IID "yj3jfj2vzsbiwqabprflnl27lm"
#define OP_FID "certfileaaaaaaaaaaaaaaaaaa"
#define OP_LINK(ref) "{\"source\":{\"provider\":\"1password\",\"1password\":{\"secretReference\":\"" ref "\"}}}"
#define OP_VAULTS "[{\"id\":\"" OP_VID "\",\"name\":\"Shared\",\"type\":\"USER_CREATED\",\"contentVersion\":1}]"
#define OP_ITEMS "[{\"id\":\"" OP_IID "\",\"title\":\"Login\",\"vault\":{\"id\":\"" OP_VID "\"},\"state\":\"ACTIVE\"}]"
#define OP_ITEM                                                                                                        \
  "{\"id\":\"" OP_IID "\",\"title\":\"Login\",\"vault\":{\"id\":\"" OP_VID                                             \
  "\"},\"category\":\"LOGIN\","                                                                                        \
  "\"sections\":[{\"id\":\"s1\",\"label\":\"S\"}],\"fields\":[{\"id\":\"f1\",\"label\":\"pw\",\"type\":\"CONCEALED\"," \
  "\"purpose\":\"PASSWORD\",\"value\":\"v\",\"section\":{\"id\":\"s1\"}},{\"id\":\"otp1\",\"label\":\"otp\","          \
  "\"type\":\"OTP\",\"value\":\"otpauth://totp/"                                                                       \
  "x?secret=GEZDGNBVGY3TQOJQ\",\"totp\":\"\"}],\"files\":[{\"id\":\"" OP_FID                                           \
  "\",\"name\":\"cert.pem\",\"size\":3,\"content_path\":\"/v1/x\",\"section\":{\"id\":\"s1\"}}]}"
#define OP_ERROR "{\"status\":403,\"message\":\"Authorization: token does not have access\"}"

#define GCP_NAME "projects/my-project/secrets/db/versions/latest"
#define GCP_LINK "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"" GCP_NAME "\"}}}"
#define GCP_LINK_KEY "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"" GCP_NAME "\",\"key\":\"k\"}}}"
#define GCP_CREDS "{\"accessToken\":\"ya29.test-only-token\"}"

#define SE_URL "https://relay.example/e/42"
#define SE_REF "op://Private/Stripe/credential"
#define SE_LINK \
  "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"" SE_URL "\",\"reference\":\"" SE_REF "\"}}}"

static const stage STAGES[] = {
    /* ---- hashicorp: login, token lookup, mount detection, reads */
    {"hashicorp/approle-login",
     "hashicorp",
     HC_APPROLE,
     HC_LINK(",\"key\":\"pw\",\"kv\":2"),
     {{0}},
     0,
     {HC_LOGIN_OK, HC_ERRORS},
     {H_GENERIC, H_DATE}},
    {"hashicorp/token-lookup",
     "hashicorp",
     HC_LOOKUP,
     HC_LINK(",\"key\":\"pw\",\"kv\":2"),
     {{0}},
     0,
     {"{\"data\":{\"ttl\":300,\"id\":\"hvs.x\",\"display_name\":\"token\",\"expire_time\":\"2024-01-01T00:00:00Z\"}}",
      HC_ERRORS},
     {H_GENERIC, H_DATE}},
    {"hashicorp/mount-detection",
     "hashicorp",
     HC_TOKEN,
     HC_LINK(",\"key\":\"pw\""),
     {{0}},
     0,
     {HC_MOUNT_V2, "{\"data\":{\"type\":\"pki\",\"path\":\"pki/\"}}", HC_ERRORS},
     {H_GENERIC, H_DATE}},
    {"hashicorp/read-after-detection",
     "hashicorp",
     HC_TOKEN,
     HC_LINK(",\"key\":\"pw\""),
     {{200, {{0}}, 0, HC_MOUNT_V2}},
     1,
     {HC_READ_DELETED, HC_READ_OK, HC_WARNINGS, HC_ERRORS},
     {H_GENERIC, H_DATE}},
    {"hashicorp/read-kv2",
     "hashicorp",
     HC_TOKEN,
     HC_LINK(",\"key\":\"pw\",\"kv\":2"),
     {{0}},
     0,
     {HC_READ_DELETED, HC_READ_OK, "{\"data\":{\"data\":{},\"metadata\":{\"destroyed\":true,\"version\":5}}}",
      HC_ERRORS},
     {H_GENERIC, H_DATE}},
    {"hashicorp/read-kv1",
     "hashicorp",
     HC_TOKEN,
     HC_LINK(",\"key\":\"pw\",\"kv\":1"),
     {{0}},
     0,
     {"{\"data\":{\"pw\":\"p\"},\"lease_duration\":60}", HC_WARNINGS, HC_ERRORS},
     {H_GENERIC}},
    {"hashicorp/read-after-login",
     "hashicorp",
     HC_APPROLE,
     HC_LINK(",\"key\":\"pw\",\"kv\":2"),
     {{200, {{0}}, 0, HC_LOGIN_OK}},
     1,
     {HC_READ_DELETED, HC_ERRORS},
     {H_GENERIC}},
    /* ---- aws: GetSecretValue, STS AssumeRole and AssumeRoleWithWebIdentity */
    {"aws/get-secret-value", "aws", AWS_KEYS, AWS_LINK, {{0}}, 0, {AWS_BODIES}, {AWS_HEADERS}},
    {"aws/get-secret-value-json", "aws", AWS_KEYS, AWS_LINK_JSON, {{0}}, 0, {AWS_BODIES}, {AWS_HEADERS}},
    {"aws/sts-assume-role",
     "aws",
     AWS_KEYS,
     AWS_LINK_ROLE,
     {{0}},
     0,
     {AWS_STS_ERROR, AWS_STS_SLOTS, "{\"__type\":\"AccessDenied\",\"message\":\"m\"}"},
     {AWS_HEADERS}},
    {"aws/sts-web-identity", "aws", AWS_WEB, AWS_LINK, {{0}}, 0, {AWS_STS_ERROR, AWS_STS_SLOTS}, {AWS_HEADERS}},
    {"aws/get-after-role",
     "aws",
     AWS_KEYS,
     AWS_LINK_ROLE,
     {{200, {{0}}, 0, AWS_STS_OK}},
     1,
     {AWS_BODIES},
     {AWS_HEADERS}},
    /* ---- azure: the challenge, then the read with the token */
    {"azure/challenge", "azure", AZ_CREDS_TENANT, AZ_LINK, {{0}}, 0, {AZ_BODIES}, {AZ_HEADERS}},
    {"azure/challenge-any-tenant", "azure", AZ_CREDS, AZ_LINK, {{0}}, 0, {AZ_BODIES}, {AZ_HEADERS}},
    {"azure/get-secret",
     "azure",
     AZ_CREDS,
     AZ_LINK,
     {{401, {{"WWW-Authenticate", AZ_CHALLENGE}}, 1, "{}"}},
     1,
     {AZ_BODIES},
     {AZ_HEADERS}},
    /* ---- 1password: vault and item lookups by name, the item, a file */
    {"1password/vault-filter",
     "1password",
     OP_CREDS,
     OP_LINK("op://Shared/Login/pw"),
     {{0}},
     0,
     {OP_VAULTS, OP_ERROR},
     {H_GENERIC}},
    {"1password/item-filter",
     "1password",
     OP_CREDS,
     OP_LINK("op://Shared/Login/pw"),
     {{200, {{0}}, 0, OP_VAULTS}},
     1,
     {OP_ITEMS, OP_ERROR},
     {H_GENERIC}},
    {"1password/item",
     "1password",
     OP_CREDS,
     OP_LINK("op://Shared/Login/pw"),
     {{200, {{0}}, 0, OP_VAULTS}, {200, {{0}}, 0, OP_ITEMS}},
     2,
     {OP_ITEM, OP_ERROR},
     {H_GENERIC}},
    {"1password/item-otp",
     "1password",
     OP_CREDS,
     OP_LINK("op://" OP_VID "/" OP_IID "/otp?attribute=otp"),
     {{0}},
     0,
     {OP_ITEM, OP_ERROR},
     {H_GENERIC}},
    {"1password/item-section-file",
     "1password",
     OP_CREDS,
     OP_LINK("op://" OP_VID "/" OP_IID "/S/cert.pem?attribute=size"),
     {{0}},
     0,
     {OP_ITEM},
     {H_GENERIC}},
    {"1password/file-content",
     "1password",
     OP_CREDS,
     OP_LINK("op://" OP_VID "/" OP_IID "/cert.pem"),
     {{200, {{0}}, 0, OP_ITEM}},
     1,
     {"[[file bytes]]", OP_ERROR},
     {H_GENERIC}},
    /* ---- gcp: AccessSecretVersion */
    {"gcp/access",
     "gcp",
     GCP_CREDS,
     GCP_LINK,
     {{0}},
     0,
     {"{\"error\":{\"code\":403,\"message\":\"Permission 'secretmanager.versions.access' denied\",\"status\":"
      "\"PERMISSION_DENIED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":"
      "\"IAM_PERMISSION_DENIED\",\"domain\":\"secretmanager.googleapis.com\"}]}}",
      "{\"name\":\"projects/1/secrets/db/versions/3\",\"payload\":{\"data\":\"c2VjcmV0\",\"dataCrc32c\":\"1\"}}"},
     {H_GENERIC}},
    {"gcp/access-key",
     "gcp",
     GCP_CREDS,
     GCP_LINK_KEY,
     {{0}},
     0,
     {"{\"name\":\"projects/1/secrets/db/versions/3\",\"payload\":{\"data\":\"eyJrIjoidiJ9\"}}"},
     {H_GENERIC}},
    /* ---- sealed: the relay's answer (envelopes proper: test_sealed_envelopes) */
    {"sealed/relay",
     "sealed",
     NULL,
     SE_LINK,
     {{0}},
     0,
     {"{\"envelope\":\"VkxFAQ==\",\"error\":\"e\"}", "[[VkxFAQ==]]", "[[VLE]]\x01[[0123456789abcdef]]"},
     {H_GENERIC}},
};

static const uint32_t STATUSES[] = {200, 400, 401, 403, 404, 409, 429, 500, 503};
#define NSTATUS (sizeof STATUSES / sizeof STATUSES[0])

/* ---------------------------------------------------------------- variants */

enum { V_BARE, V_SUFFIX, V_PREFIX, V_MIDDLE, V_COUNT };
static const char *const VARIANT_NAMES[] = {"bare", "suffix", "prefix", "middle"};

/* The canary placed in (or instead of) a plausible value d. vl_alloc'd. */
static char *variant(const char *d, size_t dn, int kind) {
  size_t cn = strlen(CANARY), half = dn / 2;
  char *o = vl_alloc(dn + cn + 1);
  size_t n = 0;
  if (kind == V_BARE) {
    memcpy(o, CANARY, cn);
    n = cn;
  } else if (kind == V_SUFFIX) {
    memcpy(o, d, dn);
    memcpy(o + dn, CANARY, cn);
    n = dn + cn;
  } else if (kind == V_PREFIX) {
    memcpy(o, CANARY, cn);
    memcpy(o + cn, d, dn);
    n = dn + cn;
  } else {
    memcpy(o, d, half);
    memcpy(o + half, CANARY, cn);
    memcpy(o + half + cn, d + half, dn - half);
    n = dn + cn;
  }
  o[n] = 0;
  return o;
}

/* ---------------------------------------------------------------- slot templates */

#define ALL_SLOTS (-2)
#define NO_SLOT (-1)

static size_t count_slots(const char *t) {
  size_t n = 0;
  for (const char *p = t ? strstr(t, "[[") : NULL; p; p = strstr(p + 2, "[["), n++) {}
  return n;
}

/* The template with slot `which` (or every slot: ALL_SLOTS) holding a variant
 * and the others their default. vl_alloc'd. */
static char *expand(const char *t, long which, int kind, size_t *len) {
  vl_buf b;
  vl_buf_init(&b, 0);
  long k = 0;
  const char *p = t;
  for (;;) {
    const char *open = strstr(p, "[["), *close = open ? strstr(open + 2, "]]") : NULL;
    if (!open || !close) {
      vl_buf_put_str(&b, p);
      break;
    }
    vl_buf_put(&b, p, (size_t)(open - p));
    const char *d = open + 2;
    size_t dn = (size_t)(close - d);
    if (which == ALL_SLOTS || which == k) {
      char *v = variant(d, dn, kind);
      vl_buf_put_str(&b, v);
      vl_free(v);
    } else {
      vl_buf_put(&b, d, dn);
    }
    k++;
    p = close + 2;
  }
  char *out = (char *)vl_buf_take(&b, len);
  return out;
}

/* ---------------------------------------------------------------- JSON leaves */

static size_t count_leaves(const cJSON *j) {
  if (!cJSON_IsArray(j) && !cJSON_IsObject(j)) return 1;
  size_t n = 0;
  for (const cJSON *c = j->child; c; c = c->next) n += count_leaves(c);
  return n;
}

/* Replaces leaf `which` (DFS order; ALL_SLOTS: every leaf) by a string variant
 * of its text; writes the leaf's path into path. Returns the next leaf index. */
static long mutate_leaves(cJSON *j, long at, long which, int kind, char *path, size_t pathlen, const char *prefix) {
  for (cJSON *c = j->child; c; c = c->next) {
    char here[160];
    if (c->string)
      snprintf(here, sizeof here, "%s%s%s", prefix, *prefix ? "." : "", c->string);
    else
      snprintf(here, sizeof here, "%s[]", prefix);
    if (cJSON_IsArray(c) || cJSON_IsObject(c)) {
      at = mutate_leaves(c, at, which, kind, path, pathlen, here);
      continue;
    }
    if (which == ALL_SLOTS || which == at) {
      char *text = cJSON_IsString(c) ? NULL : cJSON_PrintUnformatted(c);
      const char *d = cJSON_IsString(c) ? c->valuestring : text;
      char *v = variant(d, strlen(d), kind);
      cJSON_free(text);
      /* In place, so the member keeps its key. */
      char *copy = cJSON_malloc(strlen(v) + 1);
      memcpy(copy, v, strlen(v) + 1);
      vl_free(v);
      cJSON_free(c->valuestring);
      c->valuestring = copy;
      c->type = cJSON_String | (c->type & cJSON_StringIsConst);
      if (which == at) snprintf(path, pathlen, "%s", here);
    }
    at++;
  }
  return at;
}

static char *mutate_json(const char *shape, long which, int kind, char *path, size_t pathlen) {
  cJSON *j = cJSON_Parse(shape);
  if (!j) return NULL;
  if (which == ALL_SLOTS) snprintf(path, pathlen, "every leaf");
  mutate_leaves(j, 0, which, kind, path, pathlen, "");
  char *text = cJSON_PrintUnformatted(j);
  cJSON_Delete(j);
  return text;
}

/* ---------------------------------------------------------------- the check */

static int has_canary(const char *s) {
  static const char needle[] = "canary";
  for (; s && *s; s++) {
    size_t i = 0;
    while (needle[i] && tolower((unsigned char)s[i]) == needle[i]) i++;
    if (!needle[i]) return 1;
  }
  return 0;
}

/* The first string in a parsed report that carries the canary, or NULL. */
static const char *leaked_string(const cJSON *j) {
  if (cJSON_IsString(j)) return has_canary(j->valuestring) ? j->valuestring : NULL;
  for (const cJSON *c = j ? j->child : NULL; c; c = c->next) {
    const char *hit = leaked_string(c);
    if (hit) return hit;
  }
  return NULL;
}

typedef struct {
  size_t runs, leaks;
  char seen[64][96]; /* distinct "stage field" pairs that leaked, printed once */
  size_t nseen;
} tally;

static void note_leak(tally *t, const stage *s, const char *where, const char *variant_name, uint32_t status,
                      const char *text) {
  t->leaks++;
  char key[96];
  snprintf(key, sizeof key, "%s %s", s->name, where);
  for (size_t i = 0; i < t->nseen; i++)
    if (strcmp(t->seen[i], key) == 0) return;
  if (t->nseen < sizeof t->seen / sizeof t->seen[0]) snprintf(t->seen[t->nseen++], sizeof t->seen[0], "%s", key);
  fprintf(stderr, "  LEAK %s: %s (%s, HTTP %u): %.220s\n", s->name, where, variant_name, (unsigned)status, text);
}

/* One resolve with the stage's prefix and then `hostile`; checks the report and the last error. */
static void run_case(vl_vault *v, const stage *s, const tresp *hostile, const char *where, const char *variant_name,
                     tally *t) {
  vl_vault_reset_cache(v);
  if (s->creds && tconnect(v, s->provider, s->creds, T0) != VL_OK) {
    fprintf(stderr, "  %s: connect failed: %s\n", s->name, vl_vault_last_error(v));
    CHECK(0);
    return;
  }
  tresp answers[4];
  size_t n = 0;
  for (size_t i = 0; i < s->nprefix; i++) answers[n++] = s->prefix[i];
  answers[n++] = *hostile;
  tjobs seen = {0};
  char *url = NULL, *rep = NULL;
  vl_status st = tflow(v, "https://api.test/?k={{vault:x}}", T0, answers, n, &seen, &url, &rep);
  CHECK_EQ_INT(st, VL_OK);
  if (seen.jobs < (int)n) {
    fprintf(stderr, "  %s: the flow ended after %d of %zu jobs (stage not reached)\n", s->name, seen.jobs, n);
    CHECK(0);
  }
  t->runs++;
  cJSON *r = rep ? cJSON_Parse(rep) : NULL;
  const char *hit = r ? leaked_string(r) : (has_canary(rep) ? rep : NULL);
  if (hit) note_leak(t, s, where, variant_name, hostile->status, hit);
  if (has_canary(vl_vault_last_error(v))) note_leak(t, s, where, variant_name, hostile->status, vl_vault_last_error(v));
  cJSON_Delete(r);
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&seen);
}

static size_t count_sets(const stage *s) {
  size_t n = 0;
  while (n < 4 && s->headers[n][0].name) n++;
  return n;
}

/* Fills r's headers from set `set` of the stage; slot `which` of header `hi`
 * gets the canary (hi < 0: all defaults). The values are kept in vals. */
static void fill_headers(const stage *s, size_t set, long hi, long which, int kind, tresp *r, char *vals[4]) {
  r->header_count = 0;
  for (size_t h = 0; h < 4 && s->headers[set][h].name; h++) {
    size_t len;
    vals[h] = expand(s->headers[set][h].value, (long)h == hi ? which : NO_SLOT, kind, &len);
    r->headers[h][0] = s->headers[set][h].name;
    r->headers[h][1] = vals[h];
    r->header_count++;
  }
}

static void free_headers(char *vals[4]) {
  for (size_t h = 0; h < 4; h++) {
    vl_free(vals[h]);
    vals[h] = NULL;
  }
}

/* The body of shape b with slot/leaf `which` mutated; path names it. */
static int is_json_shape(const char *shape) {
  return shape[0] == '{' || (shape[0] == '[' && shape[1] != '[');
}

static char *make_body(const char *shape, long which, int kind, char *path, size_t pathlen, size_t *len) {
  if (is_json_shape(shape)) {
    char *text = mutate_json(shape, which, kind, path, pathlen);
    *len = text ? strlen(text) : 0;
    return text;
  }
  if (which == ALL_SLOTS)
    snprintf(path, pathlen, "every slot");
  else
    snprintf(path, pathlen, "slot %ld", which);
  return expand(shape, which, kind, len);
}

static size_t fields_of(const char *shape) {
  if (is_json_shape(shape)) {
    cJSON *j = cJSON_Parse(shape);
    size_t n = j ? count_leaves(j) : 0;
    CHECK(j != NULL);
    cJSON_Delete(j);
    return n;
  }
  return count_slots(shape);
}

static void free_body(const char *shape, char *body) {
  if (is_json_shape(shape))
    cJSON_free(body);
  else
    vl_free(body);
}

static void run_stage(const stage *s, tally *t) {
  vl_vault *v = vl_vault_new(NULL);
  if (tlink(v, "x", s->link, NULL) != VL_OK) {
    fprintf(stderr, "  %s: link refused: %s\n", s->name, vl_vault_last_error(v));
    CHECK(0);
    vl_vault_free(v);
    return;
  }
  size_t nsets = count_sets(s);
  char *hv[4] = {0};
  /* Every body field, under the first header set's plausible values. */
  for (size_t b = 0; b < 6 && s->bodies[b]; b++) {
    size_t nf = fields_of(s->bodies[b]);
    for (long f = ALL_SLOTS; f < (long)nf; f++) {
      if (f == NO_SLOT) continue;
      for (int kind = 0; kind < V_COUNT; kind++) {
        char path[160] = "";
        size_t blen;
        char *body = make_body(s->bodies[b], f, kind, path, sizeof path, &blen);
        CHECK(body != NULL);
        if (!body) continue;
        char where[200];
        snprintf(where, sizeof where, "body %zu %s", b, path);
        for (size_t si = 0; si < NSTATUS; si++) {
          tresp r = {STATUSES[si], {{0}}, 0, body, blen};
          if (nsets) fill_headers(s, 0, -1, NO_SLOT, kind, &r, hv);
          run_case(v, s, &r, where, VARIANT_NAMES[kind], t);
          free_headers(hv);
        }
        free_body(s->bodies[b], body);
      }
    }
  }
  /* Every header slot of every set, with the first body shape. */
  for (size_t set = 0; set < nsets; set++) {
    for (size_t h = 0; h < 4 && s->headers[set][h].name; h++) {
      size_t nslots = count_slots(s->headers[set][h].value);
      for (long slot = 0; slot < (long)nslots; slot++) {
        for (int kind = 0; kind < V_COUNT; kind++) {
          char where[200];
          snprintf(where, sizeof where, "header %s slot %ld", s->headers[set][h].name, slot);
          for (size_t si = 0; si < NSTATUS; si++) {
            char path[160];
            size_t blen;
            char *body = make_body(s->bodies[0], NO_SLOT, kind, path, sizeof path, &blen);
            tresp r = {STATUSES[si], {{0}}, 0, body, blen};
            fill_headers(s, set, (long)h, slot, kind, &r, hv);
            run_case(v, s, &r, where, VARIANT_NAMES[kind], t);
            free_headers(hv);
            free_body(s->bodies[0], body);
          }
        }
      }
    }
  }
  vl_vault_free(v);
}

static void run_provider(const char *provider) {
  vl_mem_install_cjson_hooks();
  tally *t = calloc(1, sizeof *t);
  size_t stages = 0;
  for (size_t i = 0; i < sizeof STAGES / sizeof STAGES[0]; i++) {
    if (strcmp(STAGES[i].provider, provider) != 0) continue;
    run_stage(&STAGES[i], t);
    stages++;
  }
  fprintf(stderr, "  %s: %zu stages, %zu hostile answers, %zu leaks\n", provider, stages, t->runs, t->leaks);
  CHECK(stages > 0 && t->runs > 100);
  CHECK_EQ_INT(t->leaks, 0);
  free(t);
}

static void test_hashicorp_canary(void) {
  run_provider("hashicorp");
}
static void test_aws_canary(void) {
  run_provider("aws");
}
static void test_azure_canary(void) {
  run_provider("azure");
}
static void test_onepassword_canary(void) {
  run_provider("1password");
}
static void test_gcp_canary(void) {
  run_provider("gcp");
}
static void test_sealed_canary(void) {
  run_provider("sealed");
}

/* ---------------------------------------------------------------- sealed envelopes */

static char *b64url(const uint8_t *p, size_t n) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  char *o = vl_alloc(n / 3 * 4 + 8);
  size_t k = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t w = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    o[k++] = abc[w >> 18 & 63];
    o[k++] = abc[w >> 12 & 63];
    if (i + 1 < n) o[k++] = abc[w >> 6 & 63];
    if (i + 2 < n) o[k++] = abc[w & 63];
  }
  o[k] = 0;
  return o;
}

/* Envelopes whose reference, value or recipient is hostile: the messages name
 * none of their bytes. */
static void test_sealed_envelopes(void) {
  vl_vault *v = vl_vault_new(NULL), *other = vl_vault_new(NULL);
  uint8_t pk[32], opk[32];
  vl_vault_public_key(v, pk, NULL);
  vl_vault_public_key(other, opk, NULL);
  CHECK_EQ_INT(tlink(v, "x", SE_LINK, NULL), VL_OK);
  static const struct {
    int other_key;
    const char *ref;
    uint64_t expires;
  } cases[] = {
      {0, CANARY, T0 + 60000},        /* bound to another reference */
      {0, SE_REF CANARY, T0 + 60000}, /* the reference with a tail */
      {1, SE_REF, T0 + 60000},        /* sealed for another session */
      {0, SE_REF, T0 - 1},            /* expired */
      {1, CANARY SE_REF, T0 - 1},     /* all of them */
  };
  size_t leaks = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t *env = NULL;
    size_t el = 0;
    CHECK_EQ_INT(vl_envelope_seal(cases[i].other_key ? opk : pk, 3, (const uint8_t *)cases[i].ref, strlen(cases[i].ref),
                                  cases[i].expires, (const uint8_t *)CANARY, strlen(CANARY), &env, &el),
                 VL_OK);
    char *text = b64url(env, el);
    char json[1024];
    snprintf(json, sizeof json, "{\"envelope\":\"%s\"}", text);
    /* raw, base64url text, JSON; and truncated raw (a format error naming a byte) */
    const tresp forms[] = {{200, {{0}}, 0, (const char *)env, el},
                           {200, {{0}}, 0, text, 0},
                           {200, {{0}}, 0, json, 0},
                           {200, {{0}}, 0, (const char *)env, el > 80 ? 80 : el}};
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
      vl_vault_reset_cache(v);
      tjobs s = {0};
      char *url = NULL, *rep = NULL;
      CHECK_EQ_INT(tflow(v, "https://api.test/?k={{vault:x}}", T0, &forms[f], 1, &s, &url, &rep), VL_OK);
      CHECK(strstr(url, "{{vault:x}}") != NULL); /* none of these opens */
      if (has_canary(rep) || has_canary(vl_vault_last_error(v))) {
        fprintf(stderr, "  LEAK sealed envelope case %zu form %zu: %s\n", i, f, rep);
        leaks++;
      }
      vl_free(url);
      vl_free(rep);
      tjobs_clear(&s);
    }
    vl_free(text);
    vl_free(env);
  }
  CHECK_EQ_INT(leaks, 0);
  vl_vault_free(v);
  vl_vault_free(other);
}

/* ---------------------------------------------------------------- connect: Entra tokens */

/* An Entra access token's claims are the identity provider's text: connect
 * refuses a wrong audience without quoting anything but a known one. */
static void test_azure_token_claims_canary(void) {
  vl_mem_install_cjson_hooks();
  static const char shape[] =
      "{\"aud\":\"https://graph.microsoft.com\",\"iss\":\"https://sts.windows.net/"
      "12345678-1234-1234-1234-123456789012/\",\"tid\":\"12345678-1234-1234-1234-123456789012\",\"appid\":"
      "\"04b07795-8ddb-461a-bbee-02f9e1bf7b46\",\"scp\":\"user_impersonation\",\"exp\":1700003600,\"roles\":"
      "[\"Secrets.Read\"]}";
  static const char *const auds[] = {"\"aud\":\"https://graph.microsoft.com\"", "\"aud\":[\"a\",\"b\"]",
                                     "\"aud\":\"https://vault.azure.net\"", "\"aud\":7"};
  size_t runs = 0, leaks = 0;
  for (size_t a = 0; a < sizeof auds / sizeof auds[0]; a++) {
    char base[600];
    const char *tail = strchr(shape, ',');
    snprintf(base, sizeof base, "{%s%s", auds[a], tail);
    size_t nf = fields_of(base);
    for (long f = ALL_SLOTS; f < (long)nf; f++) {
      if (f == NO_SLOT) continue;
      for (int kind = 0; kind < V_COUNT; kind++) {
        char path[160] = "";
        char *claims = mutate_json(base, f, kind, path, sizeof path);
        char *hdr = b64url((const uint8_t *)"{\"typ\":\"JWT\",\"alg\":\"RS256\"}", 27);
        char *pay = b64url((const uint8_t *)claims, strlen(claims));
        char creds[2048];
        snprintf(creds, sizeof creds, "{\"accessToken\":\"%s.%s.sig\"}", hdr, pay);
        vl_vault *v = vl_vault_new(NULL);
        vl_status st = tconnect(v, "azure", creds, T0);
        runs++;
        if (has_canary(vl_vault_last_error(v))) {
          fprintf(stderr, "  LEAK azure connect: claims %s (%s) → %d: %s\n", path, VARIANT_NAMES[kind], st,
                  vl_vault_last_error(v));
          leaks++;
        }
        vl_vault_free(v);
        vl_free(hdr);
        vl_free(pay);
        cJSON_free(claims);
      }
    }
  }
  fprintf(stderr, "  azure connect: %zu tokens, %zu leaks\n", runs, leaks);
  CHECK(runs > 50);
  CHECK_EQ_INT(leaks, 0);
}

/* ---------------------------------------------------------------- the good messages */

/* One resolve of {{vault:x}}; returns the report (vl_alloc'd). */
static char *one(const char *provider, const char *creds, const char *link, const tresp *answers, size_t n) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "x", link, NULL), VL_OK);
  if (creds) CHECK_EQ_INT(tconnect(v, provider, creds, T0), VL_OK);
  tjobs s = {0};
  char *url = NULL, *rep = NULL;
  CHECK_EQ_INT(tflow(v, "https://api.test/?k={{vault:x}}", T0, answers, n, &s, &url, &rep), VL_OK);
  vl_free(url);
  tjobs_clear(&s);
  vl_vault_free(v);
  return rep;
}

static void expect_in(char *rep, const char *want) {
  if (!strstr(rep, want)) fprintf(stderr, "  want \"%s\" in %s\n", want, rep);
  CHECK(strstr(rep, want) != NULL);
  vl_free(rep);
}

static void test_valid_values_still_quoted(void) {
  /* Vault: a deletion_time (RFC 3339, with a fraction), Retry-After seconds or
   * an HTTP-date, a known mount type. */
  tresp del = {404,
               {{0}},
               0,
               "{\"data\":{\"data\":null,\"metadata\":{\"deletion_time\":\"2024-03-01T10:20:30.123456789Z\","
               "\"version\":4}}}"};
  expect_in(one("hashicorp", HC_TOKEN, HC_LINK(",\"kv\":2"), &del, 1),
            "version 4 was deleted at 2024-03-01T10:20:30.123456789Z");
  del.body = "{\"data\":{\"data\":null,\"metadata\":{\"deletion_time\":\"2024-03-01T10:20:30+02:00\",\"version\":4}}}";
  expect_in(one("hashicorp", HC_TOKEN, HC_LINK(",\"kv\":2"), &del, 1), "deleted at 2024-03-01T10:20:30+02:00");
  del.body = "{\"data\":{\"data\":null,\"metadata\":{\"deletion_time\":\"2024-02-30T10:20:30Z\",\"version\":4}}}";
  expect_in(one("hashicorp", HC_TOKEN, HC_LINK(",\"kv\":2"), &del, 1), "deleted at (unexpected value)");
  tresp rl = {429, {{"Retry-After", "7"}}, 1, "{\"errors\":[\"rate limit quota exceeded\"]}"};
  expect_in(one("hashicorp", HC_TOKEN, HC_LINK(",\"kv\":2"), &rl, 1), "retry after 7 s");
  rl.headers[0][1] = "Wed, 21 Oct 2015 07:28:00 GMT";
  expect_in(one("hashicorp", HC_TOKEN, HC_LINK(",\"kv\":2"), &rl, 1), "retry after Wed, 21 Oct 2015 07:28:00 GMT");
  rl.headers[0][1] = "7s";
  expect_in(one("hashicorp", HC_TOKEN, HC_LINK(",\"kv\":2"), &rl, 1), "retry after (unexpected value)");
  tresp pki = {200, {{0}}, 0, "{\"data\":{\"type\":\"pki\",\"path\":\"pki/\"}}"};
  expect_in(one("hashicorp", HC_TOKEN, HC_LINK(""), &pki, 1), "engine is a \\\"pki\\\" mount, not KV");
  pki.body = "{\"data\":{\"type\":\"my-plugin\",\"path\":\"pki/\"}}";
  expect_in(one("hashicorp", HC_TOKEN, HC_LINK(""), &pki, 1), "engine is a (unexpected value) mount, not KV");
  /* AWS: an error code we know (from each place it can come from); one we do not. */
  tresp nf = {400, {{0}}, 0, "{\"__type\":\"com.amazonaws.secretsmanager#ResourceNotFoundException\"}"};
  expect_in(one("aws", AWS_KEYS, AWS_LINK, &nf, 1), "aws: ResourceNotFoundException (HTTP 400)");
  tresp hdr = {400, {{"X-Amzn-Errortype", "DecryptionFailure:http://internal.amazon.com/"}}, 1, "{}"};
  expect_in(one("aws", AWS_KEYS, AWS_LINK, &hdr, 1), "aws: DecryptionFailure (HTTP 400)");
  nf.body = "{\"__type\":\"FooError\",\"message\":\"m\"}";
  expect_in(one("aws", AWS_KEYS, AWS_LINK, &nf, 1), "aws: error code (unexpected value) (HTTP 400)");
  tresp sts = {403,
               {{0}},
               0,
               "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error>"
               "</ErrorResponse>"};
  expect_in(one("aws", AWS_KEYS, AWS_LINK_ROLE, &sts, 1), "aws: AccessDenied (HTTP 403)");
  /* Azure: known error codes, the challenge's tenant (a GUID) and a Key Vault scope. */
  tresp chal = {401, {{"WWW-Authenticate", AZ_CHALLENGE}}, 1, "{}"};
  tresp dis[2] = {
      chal,
      {403,
       {{0}},
       0,
       "{\"error\":{\"code\":\"Forbidden\",\"message\":\"m\",\"innererror\":{\"code\":\"SecretDisabled\"}}}"}};
  expect_in(one("azure", AZ_CREDS, AZ_LINK, dis, 2), "azure: SecretDisabled (HTTP 403)");
  dis[1].body = "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"m\"}}";
  dis[1].status = 404;
  expect_in(one("azure", AZ_CREDS, AZ_LINK, dis, 2), "azure: SecretNotFound (HTTP 404)");
  dis[1].body = "{\"error\":{\"code\":\"NotAKeyVaultCode\",\"message\":\"m\"}}";
  expect_in(one("azure", AZ_CREDS, AZ_LINK, dis, 2), "azure: error code (unexpected value) (HTTP 404)");
  expect_in(one("azure", AZ_CREDS_TENANT, AZ_LINK, &chal, 1),
            "the vault is in tenant 12345678-1234-1234-1234-123456789012, scope https://vault.azure.net/.default");
  tresp odd = {
      401,
      {{"WWW-Authenticate",
        "Bearer authorization=\"https://login.windows.net/contoso.example\", resource=\"https://vault.azure.net\""}},
      1,
      "{}"};
  expect_in(one("azure", AZ_CREDS_TENANT, AZ_LINK, &odd, 1), "the vault is in tenant (unexpected value)");
  /* GCP: a canonical status name, and one that is not. */
  tresp g = {403, {{0}}, 0, "{\"error\":{\"code\":403,\"message\":\"m\",\"status\":\"PERMISSION_DENIED\"}}"};
  expect_in(one("gcp", GCP_CREDS, GCP_LINK, &g, 1), "gcp: PERMISSION_DENIED (HTTP 403)");
  g.body = "{\"error\":{\"code\":403,\"message\":\"m\",\"status\":\"NOPE\"}}";
  expect_in(one("gcp", GCP_CREDS, GCP_LINK, &g, 1), "gcp: status (unexpected value) (HTTP 403)");
  g.body = "{}";
  expect_in(one("gcp", GCP_CREDS, GCP_LINK, &g, 1), "gcp: error (HTTP 403)");
}

/* The audience of a refused Entra token is named when it is a known resource or a GUID. */
static void test_azure_known_audience_quoted(void) {
  static const struct {
    const char *aud, *want;
  } cases[] = {
      {"https://graph.microsoft.com", "audience \"https://graph.microsoft.com\""},
      {"00000003-0000-0000-c000-000000000000", "audience \"00000003-0000-0000-c000-000000000000\""},
      {"https://graph.microsoft.com.evil", "audience (unexpected value)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char claims[200];
    snprintf(claims, sizeof claims, "{\"aud\":\"%s\",\"exp\":1800000000}", cases[i].aud);
    char *pay = b64url((const uint8_t *)claims, strlen(claims));
    char creds[600];
    snprintf(creds, sizeof creds, "{\"accessToken\":\"eyJhbGciOiJSUzI1NiJ9.%s.sig\"}", pay);
    vl_free(pay);
    vl_vault *v = vl_vault_new(NULL);
    CHECK_EQ_INT(tconnect(v, "azure", creds, T0), VL_ERR_ARG);
    if (!strstr(vl_vault_last_error(v), cases[i].want)) fprintf(stderr, "  %s\n", vl_vault_last_error(v));
    CHECK(strstr(vl_vault_last_error(v), cases[i].want) != NULL);
    vl_vault_free(v);
  }
}

/* ---------------------------------------------------------------- the validators */

static int valid(int (*fn)(const char *, size_t), const char *s) {
  return fn(s, strlen(s));
}

static void test_validators(void) {
  static const char *const good_times[] = {"2024-01-01T00:00:00Z",           "2024-02-29T23:59:60Z",
                                           "2000-02-29t12:00:00z",           "2024-03-01T10:20:30.1Z",
                                           "2024-03-01T10:20:30.123456789Z", "2024-03-01T10:20:30-07:30",
                                           "1970-01-01T00:00:00+00:00"};
  static const char *const bad_times[] = {"2023-02-29T00:00:00Z",
                                          "1900-02-29T00:00:00Z",
                                          "2024-13-01T00:00:00Z",
                                          "2024-04-31T00:00:00Z",
                                          "2024-01-01T24:00:00Z",
                                          "2024-01-01T00:60:00Z",
                                          "2024-01-01T00:00:61Z",
                                          "2024-01-01T00:00:00",
                                          "2024-01-01 00:00:00Z",
                                          "2024-01-01T00:00:00.Z",
                                          "2024-01-01T00:00:00.1234567890Z",
                                          "2024-01-01T00:00:00+24:00",
                                          "2024-01-01T00:00:00+0100",
                                          "2024-01-01T00:00:00ZZ",
                                          "+2024-01-01T00:00:00Z",
                                          "",
                                          "2024-01-01"};
  for (size_t i = 0; i < sizeof good_times / sizeof *good_times; i++) CHECK(valid(vl_valid_rfc3339, good_times[i]));
  for (size_t i = 0; i < sizeof bad_times / sizeof *bad_times; i++) {
    if (valid(vl_valid_rfc3339, bad_times[i])) fprintf(stderr, "  accepted %s\n", bad_times[i]);
    CHECK(!valid(vl_valid_rfc3339, bad_times[i]));
  }
  CHECK(vl_valid_rfc3339("2024-01-01T00:00:00Z", 19) == 0); /* a length, not a terminator */
  CHECK(vl_valid_uint("0", 1, 10) && vl_valid_uint("4294967295", 10, 10));
  CHECK(!vl_valid_uint("12345678901", 11, 10) && !vl_valid_uint("", 0, 10) && !vl_valid_uint("-1", 2, 10) &&
        !vl_valid_uint(" 7", 2, 10) && !vl_valid_uint("7 ", 2, 10) && !vl_valid_uint("1e3", 3, 10));
  CHECK(valid(vl_valid_http_date, "Sun, 06 Nov 1994 08:49:37 GMT"));
  CHECK(valid(vl_valid_http_date, "Thu, 29 Feb 2024 00:00:00 GMT"));
  CHECK(!valid(vl_valid_http_date, "Sunday, 06-Nov-94 08:49:37 GMT")); /* obsolete forms */
  CHECK(!valid(vl_valid_http_date, "Sun Nov  6 08:49:37 1994"));
  CHECK(!valid(vl_valid_http_date, "Sun, 06 Nov 1994 08:49:37 UTC"));
  CHECK(!valid(vl_valid_http_date, "Xyz, 06 Nov 1994 08:49:37 GMT"));
  CHECK(!valid(vl_valid_http_date, "Sun, 31 Nov 1994 08:49:37 GMT"));
  CHECK(!valid(vl_valid_http_date, "Sun, 06 Nov 1994 25:49:37 GMT"));
  CHECK(valid(vl_valid_uuid, "12345678-1234-1234-1234-123456789012"));
  CHECK(valid(vl_valid_uuid, "ABCDEF00-abcd-ABCD-0000-0123456789aB"));
  CHECK(!valid(vl_valid_uuid, "12345678-1234-1234-1234-12345678901") &&
        !valid(vl_valid_uuid, "12345678_1234-1234-1234-123456789012") &&
        !valid(vl_valid_uuid, "1234567g-1234-1234-1234-123456789012"));
  static const char *const names[] = {"kv", "generic", NULL};
  CHECK(vl_valid_enum("kv", 2, names) && vl_valid_enum("kvx", 2, names) && !vl_valid_enum("kvx", 3, names));
  CHECK(!vl_valid_enum("KV", 2, names) && !vl_valid_enum("k", 1, names) && !vl_valid_enum(NULL, 0, names));
  CHECK_EQ_STR(vl_quote_enum("generic", names), "generic");
  CHECK_EQ_STR(vl_quote_enum("pki", names), VL_UNEXPECTED);
  CHECK_EQ_STR(vl_quote_enum(NULL, names), VL_UNEXPECTED);
  CHECK_EQ_STR(vl_quote_rfc3339("2024-01-01T00:00:00Z" CANARY), VL_UNEXPECTED);
  CHECK_EQ_STR(vl_quote_uuid_or_enum("common", (const char *const[]){"common", NULL}), "common");
  CHECK_EQ_STR(vl_quote_uuid_or_enum("contoso.example", NULL), VL_UNEXPECTED);
  char buf[40];
  vl_slice ra = {(const uint8_t *)"120", 3};
  CHECK_EQ_STR(vl_quote_retry_after(&ra, buf, sizeof buf), "120 s");
  ra = (vl_slice){(const uint8_t *)"Sun, 06 Nov 1994 08:49:37 GMT", 29};
  CHECK_EQ_STR(vl_quote_retry_after(&ra, buf, sizeof buf), "Sun, 06 Nov 1994 08:49:37 GMT");
  ra = (vl_slice){(const uint8_t *)"120" CANARY, 14};
  CHECK_EQ_STR(vl_quote_retry_after(&ra, buf, sizeof buf), VL_UNEXPECTED);
  CHECK(vl_quote_retry_after(NULL, buf, sizeof buf) == NULL);
}

VLT_MAIN(TEST(test_validators), TEST(test_hashicorp_canary), TEST(test_aws_canary), TEST(test_azure_canary),
         TEST(test_onepassword_canary), TEST(test_gcp_canary), TEST(test_sealed_canary), TEST(test_sealed_envelopes),
         TEST(test_azure_token_claims_canary), TEST(test_valid_values_still_quoted),
         TEST(test_azure_known_audience_quoted))
