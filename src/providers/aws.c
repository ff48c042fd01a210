/*
 * AWS Secrets Manager (GetSecretValue, awsJson1_1) with STS AssumeRole and
 * AssumeRoleWithWebIdentity (awsQuery, XML), signed with SigV4 in the core
 * (providers.md §1).
 *
 * Link: {"provider":"aws","aws":{"secretArn","roleArn"?,"version"?,"format"?:"plaintext"|"json","key"?}}
 *   or the shorthand "arn:aws:secretsmanager:…". "version" is a VersionId when
 *   it looks like one (32–64 characters with a '-'), otherwise a VersionStage;
 *   "versionId"/"versionStage" say it explicitly. With format "json", "key"
 *   selects a value by dot path ("db.password", "\." for a literal dot).
 * Credentials: {"accessKeyId","secretAccessKey","sessionToken"?,"expiresAt"?}
 *   or {"webIdentityToken","roleArn","roleSessionName"?}, plus optional
 *   "endpoint" (base URL overriding secretsmanager.{region}.amazonaws.com, used
 *   for emulators and VPC endpoints), "stsEndpoint", "fips": true.
 *   Long-lived keys last 2 h (as Postman); temporary ones until "expiresAt".
 * Where the signature goes: "endpoint"/"stsEndpoint" from connect, else
 *   https://{secretsmanager|sts}.REGION.SUFFIX, SUFFIX from a known partition
 *   and REGION of [a-z0-9-]: a link picks an AWS region, never a host.
 */
#include "providers/aws.h"

#include <string.h>

#include "fmt.h"
#include "input_limits.h"
#include "json.h"
#include "mem.h"
#include "providers/provider.h"
#include "providers/quote.h"
#include "sigv4.h"

#define AWS_DEFAULT_LIFETIME_MS ((uint64_t)2 * 3600 * 1000)
#define ROLE_REFRESH_MARGIN_MS ((uint64_t)60 * 1000)

enum { STAGE_START = 0, STAGE_ASSUME = 1, STAGE_GET = 2 };

/* ---------------------------------------------------------------- parsing */

static int valid_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("/_+=.@-", c);
}

/* The partitions whose endpoints this file knows (endpoint_suffix): the
 * signed request goes to secretsmanager.REGION.SUFFIX, so a link can choose
 * among AWS's own hosts, never another. */
static const struct {
  const char *partition, *suffix;
} PARTITIONS[] = {
    {"aws", "amazonaws.com"},        {"aws-cn", "amazonaws.com.cn"}, {"aws-us-gov", "amazonaws.com"},
    {"aws-iso", "c2s.ic.gov"},       {"aws-iso-b", "sc2s.sgov.gov"}, {"aws-iso-e", "cloud.adc-e.uk"},
    {"aws-iso-f", "csp.hci.ic.gov"}, {"aws-eusc", "amazonaws.eu"},
};

static int known_partition(const char *p, size_t n) {
  for (size_t i = 0; i < sizeof PARTITIONS / sizeof PARTITIONS[0]; i++)
    if (strlen(PARTITIONS[i].partition) == n && memcmp(p, PARTITIONS[i].partition, n) == 0) return 1;
  return 0;
}

/* Splits an ARN into its 7 fields. Errors give the byte position. */
static vl_status parse_arn(const char *arn, cJSON *params, char *err, size_t errlen) {
  const char *f[8];
  size_t len[8], n = 0;
  if (!arn) {
    vl_snprintf(err, errlen, "no ARN");
    return VL_ERR_REFERENCE;
  }
  const char *p = arn;
  f[0] = p;
  while (*p && n < 7) {
    if (*p == ':') {
      len[n] = (size_t)(p - f[n]);
      f[++n] = p + 1;
    }
    p++;
  }
  if (n < 6) {
    char head[VL_QUOTE_MAX];
    vl_quote_head(head, arn);
    vl_snprintf(err, errlen,
                "secretArn %s has %zu ':'-separated fields, expected 7 "
                "(arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME)",
                head, n + 1);
    return VL_ERR_REFERENCE;
  }
  len[6] = strlen(f[6]);
  if (memchr(f[6], ':', len[6])) {
    vl_snprintf(err, errlen, "secretArn: ':' at byte %zu (secret names cannot contain ':')",
                (size_t)((const char *)memchr(f[6], ':', len[6]) - arn));
    return VL_ERR_REFERENCE;
  }
  if (len[0] != 3 || memcmp(f[0], "arn", 3) != 0) {
    vl_snprintf(err, errlen, "secretArn must start with \"arn:\" (byte 0)");
    return VL_ERR_REFERENCE;
  }
  if (!known_partition(f[1], len[1])) {
    vl_snprintf(err, errlen, "secretArn: partition at byte %zu is not aws, aws-cn, aws-us-gov, …",
                (size_t)(f[1] - arn));
    return VL_ERR_REFERENCE;
  }
  if (len[2] != 14 || memcmp(f[2], "secretsmanager", 14) != 0) {
    vl_snprintf(err, errlen, "secretArn: service at byte %zu must be \"secretsmanager\"", (size_t)(f[2] - arn));
    return VL_ERR_REFERENCE;
  }
  int region_ok = len[3] >= 1 && len[3] <= 32;
  for (size_t i = 0; i < len[3]; i++) {
    char c = f[3][i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) region_ok = 0;
  }
  if (!region_ok) {
    vl_snprintf(err, errlen, "secretArn: region at byte %zu is not a region name", (size_t)(f[3] - arn));
    return VL_ERR_REFERENCE;
  }
  int account_ok = len[4] == 12;
  for (size_t i = 0; i < len[4]; i++)
    if (f[4][i] < '0' || f[4][i] > '9') account_ok = 0;
  if (!account_ok) {
    vl_snprintf(err, errlen, "secretArn: account at byte %zu must be 12 digits", (size_t)(f[4] - arn));
    return VL_ERR_REFERENCE;
  }
  if (len[5] != 6 || memcmp(f[5], "secret", 6) != 0) {
    vl_snprintf(err, errlen, "secretArn: resource type at byte %zu must be \"secret\"", (size_t)(f[5] - arn));
    return VL_ERR_REFERENCE;
  }
  if (len[6] < 1 || len[6] > 520) {
    vl_snprintf(err, errlen, "secretArn: the secret name at byte %zu must be 1-520 characters", (size_t)(f[6] - arn));
    return VL_ERR_REFERENCE;
  }
  for (size_t i = 0; i < len[6]; i++) {
    if (!valid_name_char(f[6][i])) {
      vl_snprintf(err, errlen, "secretArn: character at byte %zu is not allowed in a secret name",
                  (size_t)(f[6] - arn) + i);
      return VL_ERR_REFERENCE;
    }
  }
  char buf[40];
  vl_snprintf(buf, sizeof buf, "%.*s", (int)len[1], f[1]);
  cJSON_AddStringToObject(params, "partition", buf);
  vl_snprintf(buf, sizeof buf, "%.*s", (int)len[3], f[3]);
  cJSON_AddStringToObject(params, "region", buf);
  cJSON_AddStringToObject(params, "arn", arn);
  return VL_OK;
}

static int looks_like_version_id(const char *v) {
  size_t n = strlen(v);
  return n >= 32 && n <= 64 && strchr(v, '-') != NULL;
}

static vl_status aws_parse(const cJSON *member, const char *shorthand, cJSON **params_out, char **canonical, char *err,
                           size_t errlen) {
  const char *arn = shorthand;
  if (shorthand && strncmp(shorthand, "arn:", 4) != 0) {
    vl_snprintf(err, errlen, "not an ARN");
    return VL_ERR_REFERENCE;
  }
  if (member) {
    arn = vl_json_str(member, "secretArn");
    if (!arn) {
      vl_snprintf(err, errlen, "\"secretArn\" (a string) is required");
      return VL_ERR_REFERENCE;
    }
  }
  cJSON *params = cJSON_CreateObject();
  if (!params) return VL_ERR_NOMEM;
  vl_status st = parse_arn(arn, params, err, errlen);
  const char *format = member ? vl_json_str(member, "format") : NULL;
  if (!st && format && strcmp(format, "plaintext") != 0 && strcmp(format, "json") != 0) {
    char head[VL_QUOTE_MAX];
    vl_quote_head(head, format);
    vl_snprintf(err, errlen, "\"format\" must be \"plaintext\" or \"json\", got %s", head);
    st = VL_ERR_REFERENCE;
  }
  const char *key = member ? vl_json_str(member, "key") : NULL;
  if (!st && key && (!format || strcmp(format, "json") != 0)) {
    vl_snprintf(err, errlen, "\"key\" needs \"format\": \"json\"");
    st = VL_ERR_REFERENCE;
  }
  const char *role = member ? vl_json_str(member, "roleArn") : NULL;
  if (!st && role && (strncmp(role, "arn:aws", 7) != 0 || !vl_strstr(role, ":iam::") || !vl_strstr(role, ":role/"))) {
    char head[VL_QUOTE_MAX];
    vl_quote_head(head, role);
    vl_snprintf(err, errlen, "\"roleArn\" %s is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", head);
    st = VL_ERR_REFERENCE;
  }
  const char *version = member ? vl_json_str(member, "version") : NULL;
  const char *vid = member ? vl_json_str(member, "versionId") : NULL;
  const char *vstage = member ? vl_json_str(member, "versionStage") : NULL;
  if (version && !vid && !vstage) {
    if (looks_like_version_id(version))
      vid = version;
    else
      vstage = version;
  }
  if (!st && vstage && (strlen(vstage) < 1 || strlen(vstage) > 256)) {
    vl_snprintf(err, errlen, "version stage must be 1-256 characters");
    st = VL_ERR_REFERENCE;
  }
  if (!st && vid && (strlen(vid) < 32 || strlen(vid) > 64)) {
    vl_snprintf(err, errlen, "\"versionId\" must be 32-64 characters");
    st = VL_ERR_REFERENCE;
  }
  if (st) {
    cJSON_Delete(params);
    return st;
  }
  if (role) cJSON_AddStringToObject(params, "roleArn", role);
  if (vid) cJSON_AddStringToObject(params, "versionId", vid);
  if (vstage) cJSON_AddStringToObject(params, "versionStage", vstage);
  cJSON_AddStringToObject(params, "format", format ? format : "plaintext");
  if (key) cJSON_AddStringToObject(params, "key", key);
  vl_buf c;
  vl_buf_init(&c, 0);
  vl_buf_put_str(&c, arn);
  if (vid || vstage) {
    vl_buf_put_str(&c, vid ? "?versionId=" : "?versionStage=");
    vl_buf_put_str(&c, vid ? vid : vstage);
  }
  if (format && strcmp(format, "json") == 0) {
    vl_buf_put_str(&c, "#json:");
    vl_buf_put_str(&c, key ? key : "");
  }
  if (role) {
    vl_buf_put_str(&c, " as ");
    vl_buf_put_str(&c, role);
  }
  size_t n;
  *canonical = (char *)vl_buf_take(&c, &n);
  *params_out = params;
  return *canonical ? VL_OK : VL_ERR_NOMEM;
}

/* ---------------------------------------------------------------- credentials */

static vl_status aws_connect(vl_pstate *ps, uint64_t now_ms, char *err, size_t errlen) {
  const char *akid = vl_json_str(ps->creds, "accessKeyId");
  const char *secret = vl_json_str(ps->creds, "secretAccessKey");
  const char *wit = vl_json_str(ps->creds, "webIdentityToken");
  if (wit) {
    if (!vl_json_str(ps->creds, "roleArn")) {
      vl_snprintf(err, errlen, "\"webIdentityToken\" needs \"roleArn\"");
      return VL_ERR_ARG;
    }
  } else if (!akid || !secret || !*akid || !*secret) {
    vl_snprintf(err, errlen, "\"accessKeyId\" and \"secretAccessKey\" (strings) are required");
    return VL_ERR_ARG;
  } else if (strlen(akid) > VL_SIGV4_MAX_KEY_ID || strlen(secret) > VL_SIGV4_MAX_SECRET) {
    vl_snprintf(err, errlen, "access key id or secret access key too long");
    return VL_ERR_LIMIT;
  }
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(ps->creds, "expiresAt");
  if (exp && !cJSON_IsNumber(exp)) {
    vl_snprintf(err, errlen, "\"expiresAt\" must be a number (ms since the epoch)");
    return VL_ERR_ARG;
  }
  ps->expires_ms = exp ? (uint64_t)exp->valuedouble : now_ms + AWS_DEFAULT_LIFETIME_MS;
  if (ps->expires_ms <= now_ms) {
    vl_snprintf(err, errlen, "the credentials have already expired");
    return VL_ERR_EXPIRED;
  }
  return VL_OK;
}

/* ---------------------------------------------------------------- requests */

static const char *endpoint_suffix(const char *partition) {
  for (size_t i = 0; i < sizeof PARTITIONS / sizeof PARTITIONS[0]; i++)
    if (strcmp(partition, PARTITIONS[i].partition) == 0) return PARTITIONS[i].suffix;
  return "amazonaws.com"; /* unreachable: parse_arn admits only the partitions above */
}

/* Base URL (no trailing '/') for a service. */
static void base_url(const vl_pstate *ps, const cJSON *params, const char *service, char *out, size_t outlen) {
  const char *override = vl_json_str(ps->creds, strcmp(service, "sts") == 0 ? "stsEndpoint" : "endpoint");
  if (!override && strcmp(service, "sts") == 0) override = vl_json_str(ps->creds, "endpoint");
  if (override) {
    size_t n = strlen(override);
    while (n && override[n - 1] == '/') n--;
    vl_snprintf(out, outlen, "%.*s", (int)n, override);
    return;
  }
  int fips = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ps->creds, "fips"));
  vl_snprintf(out, outlen, "https://%s%s.%s.%s", service, fips ? "-fips" : "", vl_json_str(params, "region"),
              endpoint_suffix(vl_json_str(params, "partition")));
}

/* The host[:port] of a base URL, for the signed Host header. */
static void host_of(const char *url, char *out, size_t outlen) {
  const char *p = vl_strstr(url, "://");
  p = p ? p + 3 : url;
  size_t n = strcspn(p, "/?#");
  vl_snprintf(out, outlen, "%.*s", (int)n, p);
}

typedef struct {
  const char *akid, *secret, *token;
} creds_view;

/* Builds a signed POST job. */
static int signed_job(vl_step_out *out, const char *url, const char *region, const char *service,
                      const char *content_type, const char *target, const uint8_t *body, size_t body_len,
                      const creds_view *cv, uint64_t now_ms) {
  char host[256];
  host_of(url, host, sizeof host);
  vl_header hs[3];
  size_t hn = 0;
  hs[hn++] = (vl_header){{(const uint8_t *)"Content-Type", 12}, {(const uint8_t *)content_type, strlen(content_type)}};
  hs[hn++] = (vl_header){{(const uint8_t *)"Host", 4}, {(const uint8_t *)host, strlen(host)}};
  if (target) hs[hn++] = (vl_header){{(const uint8_t *)"X-Amz-Target", 12}, {(const uint8_t *)target, strlen(target)}};
  vl_sigv4_request req = {{(const uint8_t *)"POST", 4}, {(const uint8_t *)"/", 1}, {NULL, 0}, hs, hn, {body, body_len}};
  vl_aws_credentials c = {{(const uint8_t *)cv->akid, strlen(cv->akid)},
                          {(const uint8_t *)cv->secret, strlen(cv->secret)},
                          {(const uint8_t *)(cv->token ? cv->token : ""), cv->token ? strlen(cv->token) : 0}};
  vl_sigv4_result sig;
  memset(&sig, 0, sizeof sig);
  if (vl_sigv4_sign(&req, &c, region, service, now_ms, VL_SIGV4_NORMALIZE_PATH, &sig) != VL_OK) {
    vl_sigv4_result_clear(&sig);
    return 0;
  }
  char full[600];
  vl_snprintf(full, sizeof full, "%s/", url);
  /* Host is set by the transport from the URL (browsers forbid setting it). */
  vl_job_begin(&out->job, "POST", full, (uint32_t)(hn - 1 + 2 + (cv->token ? 1 : 0)));
  vl_job_header_str(&out->job, "Content-Type", content_type);
  if (target) vl_job_header_str(&out->job, "X-Amz-Target", target);
  vl_job_header_str(&out->job, "X-Amz-Date", sig.amz_date);
  if (cv->token) vl_job_header_str(&out->job, "X-Amz-Security-Token", cv->token);
  vl_job_header(&out->job, "Authorization", sig.authorization.p, sig.authorization.len);
  vl_job_finish(&out->job, body, body_len);
  vl_sigv4_result_clear(&sig);
  return !out->job.failed;
}

static vl_step_kind get_secret_job(vl_pstate *ps, vl_fetch *f, const creds_view *cv, uint64_t now_ms,
                                   vl_step_out *out) {
  cJSON *body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "SecretId", vl_json_str(f->params, "arn"));
  if (vl_json_str(f->params, "versionId"))
    cJSON_AddStringToObject(body, "VersionId", vl_json_str(f->params, "versionId"));
  if (vl_json_str(f->params, "versionStage"))
    cJSON_AddStringToObject(body, "VersionStage", vl_json_str(f->params, "versionStage"));
  char *text = vl_json_print(body);
  cJSON_Delete(body);
  char url[512];
  base_url(ps, f->params, "secretsmanager", url, sizeof url);
  int ok =
      text && signed_job(out, url, vl_json_str(f->params, "region"), "secretsmanager", "application/x-amz-json-1.1",
                         "secretsmanager.GetSecretValue", (const uint8_t *)text, strlen(text), cv, now_ms);
  vl_free(text);
  if (!ok)
    return vl_step_fail(out, VL_REASON_MISCONFIGURED, "aws: could not sign the request for %.120s", f->canonical);
  f->stage = STAGE_GET;
  return VL_STEP_JOB;
}

/* Role credentials learned from STS, cached per role until their expiry. */
static const cJSON *role_creds(vl_pstate *ps, const char *role, uint64_t now_ms) {
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(ps->scratch, role);
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(r, "expiresAt");
  if (!r || !cJSON_IsNumber(exp) || (uint64_t)exp->valuedouble <= now_ms + ROLE_REFRESH_MARGIN_MS) return NULL;
  return r;
}

static vl_step_kind assume_job(vl_pstate *ps, vl_fetch *f, const char *role, int web_identity, uint64_t now_ms,
                               vl_step_out *out) {
  vl_buf form;
  vl_buf_init(&form, 0);
  vl_buf_put_str(&form, web_identity ? "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn="
                                     : "Action=AssumeRole&Version=2011-06-15&RoleArn=");
  vl_buf_put_pct(&form, role);
  vl_buf_put_str(&form, "&RoleSessionName=");
  const char *session = vl_json_str(ps->creds, "roleSessionName");
  vl_buf_put_pct(&form, session ? session : "vaultlink");
  vl_buf_put_str(&form, "&DurationSeconds=3600");
  if (web_identity) {
    vl_buf_put_str(&form, "&WebIdentityToken=");
    vl_buf_put_pct(&form, vl_json_str(ps->creds, "webIdentityToken"));
  }
  char url[512];
  base_url(ps, f->params, "sts", url, sizeof url);
  if (!vl_json_str(ps->creds, "stsEndpoint") && !vl_json_str(ps->creds, "endpoint"))
    vl_snprintf(url, sizeof url, "https://sts.%s.%s", vl_json_str(f->params, "region"),
                endpoint_suffix(vl_json_str(f->params, "partition")));
  static const char ctype[] = "application/x-www-form-urlencoded; charset=utf-8";
  int ok;
  if (web_identity) { /* AssumeRoleWithWebIdentity is unsigned: the token is the credential */
    char full[600];
    vl_snprintf(full, sizeof full, "%s/", url);
    vl_job_begin(&out->job, "POST", full, 1);
    vl_job_header_str(&out->job, "Content-Type", ctype);
    vl_job_finish(&out->job, form.p, form.len);
    ok = !out->job.failed && !form.failed;
  } else {
    creds_view cv = {vl_json_str(ps->creds, "accessKeyId"), vl_json_str(ps->creds, "secretAccessKey"),
                     vl_json_str(ps->creds, "sessionToken")};
    ok = !form.failed &&
         signed_job(out, url, vl_json_str(f->params, "region"), "sts", ctype, NULL, form.p, form.len, &cv, now_ms);
  }
  vl_buf_free(&form);
  if (!ok) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "aws: could not build the STS request for %.120s", role);
  f->stage = STAGE_ASSUME;
  return VL_STEP_JOB;
}

/* ---------------------------------------------------------------- responses */

/* Text of the first <tag>…</tag> in xml, entity-decoded, into a vl_alloc'd string. */
static char *xml_text(const vl_slice *xml, const char *tag) {
  char open[64], close[64];
  vl_snprintf(open, sizeof open, "<%s>", tag);
  vl_snprintf(close, sizeof close, "</%s>", tag);
  const char *s = (const char *)xml->p, *end = s + xml->n;
  size_t ol = strlen(open), cl = strlen(close);
  for (const char *p = s; p + ol <= end; p++) {
    if (memcmp(p, open, ol) != 0) continue;
    const char *v = p + ol;
    for (const char *q = v; q + cl <= end; q++) {
      if (memcmp(q, close, cl) != 0) continue;
      char *out = vl_alloc((size_t)(q - v) + 1);
      if (!out) return NULL;
      size_t n = 0;
      for (const char *c = v; c < q; c++) {
        static const char *const ents[][2] = {
            {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}};
        int hit = 0;
        for (size_t e = 0; e < 5 && !hit; e++) {
          size_t el = strlen(ents[e][0]);
          if ((size_t)(q - c) >= el && memcmp(c, ents[e][0], el) == 0) {
            out[n++] = ents[e][1][0];
            c += el - 1;
            hit = 1;
          }
        }
        if (!hit) out[n++] = *c;
      }
      out[n] = 0;
      return out;
    }
    return NULL;
  }
  return NULL;
}

/* ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff]Z" → ms since the epoch; 0 if malformed. */
static uint64_t iso8601_ms(const char *s) {
  /* Fixed layout: digits at these offsets, separators between. */
  static const char shape[] = "dddd-dd-ddTdd:dd:dd";
  if (!s || strlen(s) < sizeof shape - 1) return 0;
  for (size_t i = 0; i + 1 < sizeof shape; i++) {
    if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i]) return 0;
  }
#define DIGITS2(at) ((s[at] - '0') * 10 + (s[(at) + 1] - '0'))
  int y = DIGITS2(0) * 100 + DIGITS2(2), mo = DIGITS2(5), d = DIGITS2(8), h = DIGITS2(11), mi = DIGITS2(14),
      sec = DIGITS2(17);
#undef DIGITS2
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970) return 0;
  /* days from civil (Howard Hinnant) */
  int yy = y - (mo <= 2);
  int era = yy / 400;
  unsigned yoe = (unsigned)(yy - era * 400);
  unsigned doy = (unsigned)((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = (int64_t)era * 146097 + (int64_t)doe - 719468;
  return (uint64_t)(((days * 24 + h) * 60 + mi) * 60 + sec) * 1000u;
}

/* awsJson1_1 error code: X-Amzn-Errortype, else body "code", else "__type";
 * then cut from the first ':' and up to the last '#' (Smithy errors.smithy). */
void vl_aws_error_code(const vl_request *resp, const cJSON *body, char *code, size_t codelen, char *msg,
                       size_t msglen) {
  const vl_slice *h = vl_resp_header(resp, "x-amzn-errortype");
  char raw[256] = "";
  if (h)
    vl_snprintf(raw, sizeof raw, "%.*s", (int)(h->n < 255 ? h->n : 255), (const char *)h->p);
  else if (vl_json_str(body, "code"))
    vl_snprintf(raw, sizeof raw, "%s", vl_json_str(body, "code"));
  else if (vl_json_str(body, "__type"))
    vl_snprintf(raw, sizeof raw, "%s", vl_json_str(body, "__type"));
  char *colon = strchr(raw, ':');
  if (colon) *colon = 0;
  char *hash = strrchr(raw, '#');
  vl_snprintf(code, codelen, "%s", hash ? hash + 1 : raw);
  const char *m = vl_json_str(body, "Message");
  if (!m) m = vl_json_str(body, "message");
  vl_snprintf(msg, msglen, "%s", m ? m : "");
}

static vl_reason reason_for(const char *code, const char *msg, unsigned status) {
  if (strcmp(code, "ResourceNotFoundException") == 0) return VL_REASON_NOT_FOUND;
  if (strcmp(code, "AccessDeniedException") == 0 || strcmp(code, "AccessDenied") == 0 ||
      strcmp(code, "DecryptionFailure") == 0)
    return VL_REASON_PERMISSION_DENIED;
  if (strcmp(code, "InvalidRequestException") == 0) return VL_REASON_DISABLED_AT_PROVIDER;
  if (strcmp(code, "ThrottlingException") == 0 || strcmp(code, "Throttling") == 0 || status == 429)
    return VL_REASON_THROTTLED;
  if (strcmp(code, "ExpiredTokenException") == 0 || strcmp(code, "ExpiredToken") == 0)
    return VL_REASON_REAUTH_REQUIRED; /* AWS says the session expired */
  /* An unknown access key id, or a signature the secret key does not make:
   * the credentials are wrong, not expired (issue #13). */
  if (strcmp(code, "UnrecognizedClientException") == 0 || strcmp(code, "InvalidClientTokenId") == 0)
    return VL_REASON_CREDENTIALS_REJECTED;
  if (strcmp(code, "InvalidSignatureException") == 0 || strcmp(code, "SignatureDoesNotMatch") == 0) {
    /* "Signature expired": the clock is off, not the key. */
    if (vl_strstr(msg, "expired") || vl_strstr(msg, "Signature not yet current")) return VL_REASON_MISCONFIGURED;
    return VL_REASON_CREDENTIALS_REJECTED;
  }
  if (strcmp(code, "RequestExpired") == 0) return VL_REASON_MISCONFIGURED;
  if (status >= 500) return VL_REASON_UNREACHABLE;
  return VL_REASON_MISCONFIGURED;
}

/* The error codes a detail may name: those reason_for maps, and the other
 * documented Secrets Manager, STS and common AWS errors (providers.md §1.4). */
static const char *const KNOWN_CODES[] = {"ResourceNotFoundException",
                                          "InvalidRequestException",
                                          "InvalidParameterException",
                                          "DecryptionFailure",
                                          "AccessDeniedException",
                                          "AccessDenied",
                                          "UnrecognizedClientException",
                                          "InvalidClientTokenId",
                                          "InvalidSignatureException",
                                          "SignatureDoesNotMatch",
                                          "IncompleteSignature",
                                          "RequestExpired",
                                          "ExpiredTokenException",
                                          "ExpiredToken",
                                          "ThrottlingException",
                                          "Throttling",
                                          "InternalServiceError",
                                          "InternalFailure",
                                          "ServiceUnavailable",
                                          "ValidationException",
                                          "ValidationError",
                                          "MissingAuthenticationToken",
                                          "InvalidIdentityToken",
                                          "IDPRejectedClaim",
                                          "IDPCommunicationError",
                                          "MalformedPolicyDocument",
                                          "PackedPolicyTooLarge",
                                          "RegionDisabledException",
                                          "InvalidAction",
                                          "MissingParameter",
                                          "OptInRequired",
                                          "NotAuthorized",
                                          "LimitExceededException",
                                          "InvalidNextTokenException",
                                          NULL};

static vl_step_kind fail_with_code(vl_fetch *f, const char *code, const char *msg, unsigned status, vl_step_out *out) {
  vl_reason why = reason_for(code, msg, status);
  /* msg is the provider's free text: it may steer the hint, never be quoted. */
  const char *hint = why == VL_REASON_MISCONFIGURED && (vl_strstr(msg, "expired") || vl_strstr(code, "RequestExpired"))
                         ? " (is this device's clock right?)"
                         : "";
  const char *known = code[0] ? vl_quote_enum(code, KNOWN_CODES) : "error";
  return vl_step_fail(out, why, "aws: %s%s (HTTP %u) for %.120s%s", known == code || !code[0] ? "" : "error code ",
                      known, status, f->canonical, hint);
}

static vl_step_kind on_assume(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, uint64_t now_ms,
                              vl_step_out *out) {
  if (status != 200) {
    char *code = xml_text(&resp->body, "Code"), *msg = xml_text(&resp->body, "Message");
    vl_step_kind k = fail_with_code(f, code ? code : "", msg ? msg : "", status, out);
    if (code && strcmp(code, "AccessDenied") == 0) out->reason = VL_REASON_PERMISSION_DENIED;
    vl_free(code);
    vl_free(msg);
    return k;
  }
  char *akid = xml_text(&resp->body, "AccessKeyId"), *secret = xml_text(&resp->body, "SecretAccessKey");
  char *token = xml_text(&resp->body, "SessionToken"), *exp = xml_text(&resp->body, "Expiration");
  uint64_t exp_ms = iso8601_ms(exp);
  vl_step_kind k;
  if (!akid || !secret || !token || !exp_ms) {
    k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "aws: STS answer without credentials for %.120s", f->canonical);
  } else {
    const char *role = vl_json_str(f->params, "roleArn");
    if (!role) role = vl_json_str(ps->creds, "roleArn");
    if (!ps->scratch) ps->scratch = cJSON_CreateObject();
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "accessKeyId", akid);
    cJSON_AddStringToObject(r, "secretAccessKey", secret);
    cJSON_AddStringToObject(r, "sessionToken", token);
    cJSON_AddNumberToObject(r, "expiresAt", (double)exp_ms);
    cJSON_DeleteItemFromObjectCaseSensitive(ps->scratch, role);
    cJSON_AddItemToObject(ps->scratch, role, r);
    creds_view cv = {akid, secret, token};
    k = get_secret_job(ps, f, &cv, now_ms, out);
  }
  vl_free(akid);
  vl_free(secret);
  vl_free(token);
  vl_free(exp);
  return k;
}

static vl_step_kind on_get(vl_fetch *f, uint32_t status, const vl_request *resp, vl_step_out *out) {
  cJSON *body = cJSON_ParseWithLength((const char *)resp->body.p, resp->body.n);
  vl_step_kind k;
  if (status != 200) {
    char code[128], msg[256];
    vl_aws_error_code(resp, body, code, sizeof code, msg, sizeof msg);
    k = fail_with_code(f, code, msg, status, out);
    vl_wipe(msg, sizeof msg);
  } else if (!cJSON_IsObject(body)) {
    k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "aws: GetSecretValue answer is not JSON for %.120s",
                     f->canonical);
  } else {
    const char *str = vl_json_str(body, "SecretString");
    const char *bin = vl_json_str(body, "SecretBinary");
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    vl_status st = VL_OK;
    if (str) {
      raw_len = strlen(str);
      raw = vl_memdup(str, raw_len);
      if (!raw) st = VL_ERR_NOMEM;
    } else if (bin) {
      st = vl_base64_decode(bin, strlen(bin), &raw, &raw_len);
    } else {
      st = VL_ERR_FORMAT;
    }
    if (st) {
      k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "aws: no readable SecretString/SecretBinary for %.120s",
                       f->canonical);
    } else if (strcmp(vl_json_str(f->params, "format"), "json") == 0) {
      const char *key = vl_json_str(f->params, "key");
      st = vl_json_select(raw, raw_len, key ? key : "", &out->value, &out->value_len);
      if (st == VL_ERR_NOT_FOUND)
        k = vl_step_fail(out, VL_REASON_KEY_NOT_FOUND, "aws: key \"%.60s\" not in the secret %.120s", key ? key : "",
                         f->canonical);
      else if (st)
        k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "aws: the secret %.120s is not JSON (format: json)",
                         f->canonical);
      else
        k = VL_STEP_VALUE;
    } else {
      out->value = raw;
      out->value_len = raw_len;
      raw = NULL;
      k = VL_STEP_VALUE;
    }
    vl_free(raw);
  }
  cJSON_Delete(body); /* wiping hooks: the parsed SecretString is zeroed */
  return k;
}

static vl_step_kind aws_step(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, uint64_t now_ms,
                             vl_step_out *out) {
  if (!resp) {
    const char *role = vl_json_str(f->params, "roleArn");
    int web = vl_json_str(ps->creds, "webIdentityToken") != NULL;
    if (web && !role) role = vl_json_str(ps->creds, "roleArn");
    if (role) {
      const cJSON *rc = role_creds(ps, role, now_ms);
      if (!rc) return assume_job(ps, f, role, web && !vl_json_str(f->params, "roleArn"), now_ms, out);
      creds_view cv = {vl_json_str(rc, "accessKeyId"), vl_json_str(rc, "secretAccessKey"),
                       vl_json_str(rc, "sessionToken")};
      return get_secret_job(ps, f, &cv, now_ms, out);
    }
    creds_view cv = {vl_json_str(ps->creds, "accessKeyId"), vl_json_str(ps->creds, "secretAccessKey"),
                     vl_json_str(ps->creds, "sessionToken")};
    return get_secret_job(ps, f, &cv, now_ms, out);
  }
  if (f->stage == STAGE_ASSUME) return on_assume(ps, f, status, resp, now_ms, out);
  return on_get(f, status, resp, out);
}

/* ---------------------------------------------------------------- verify */

enum { STAGE_WHOAMI = 3 };

/* The STS endpoint for the check: "stsEndpoint", else "endpoint", else
 * https://sts.REGION.amazonaws.com with the credentials' "region" (default
 * us-east-1, [a-z0-9-] only). Returns the signing region. */
static const char *verify_url(const vl_pstate *ps, char *url, size_t n) {
  const char *region = vl_json_str(ps->creds, "region");
  int ok = region && *region && strlen(region) <= 30;
  for (const char *c = region; ok && *c; c++) ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-';
  if (!ok) region = "us-east-1";
  const char *override = vl_json_str(ps->creds, "stsEndpoint");
  if (!override) override = vl_json_str(ps->creds, "endpoint");
  if (override) {
    size_t len = strlen(override);
    while (len && override[len - 1] == '/') len--;
    vl_snprintf(url, n, "%.*s", (int)len, override);
  } else {
    vl_snprintf(url, n, "https://sts.%s.amazonaws.com", region);
  }
  return region;
}

/* STS GetCallerIdentity (signed, read-only, needs no permission): who the
 * keys are. Web identity credentials are not checked (the check would be an
 * AssumeRoleWithWebIdentity, which issues credentials). */
static vl_step_kind aws_verify(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, uint64_t now_ms,
                               vl_step_out *out) {
  if (!resp) {
    if (vl_json_str(ps->creds, "webIdentityToken")) return vl_verify_ok(out, NULL, "none");
    char url[512];
    const char *region = verify_url(ps, url, sizeof url);
    static const char form[] = "Action=GetCallerIdentity&Version=2011-06-15";
    creds_view cv = {vl_json_str(ps->creds, "accessKeyId"), vl_json_str(ps->creds, "secretAccessKey"),
                     vl_json_str(ps->creds, "sessionToken")};
    if (!signed_job(out, url, region, "sts", "application/x-www-form-urlencoded; charset=utf-8", NULL,
                    (const uint8_t *)form, sizeof form - 1, &cv, now_ms))
      return vl_step_fail(out, VL_REASON_MISCONFIGURED, "aws: could not sign GetCallerIdentity");
    f->stage = STAGE_WHOAMI;
    return VL_STEP_JOB;
  }
  if (status != 200) {
    char *code = xml_text(&resp->body, "Code"), *msg = xml_text(&resp->body, "Message");
    /* InvalidClientTokenId, SignatureDoesNotMatch: rejected; ExpiredToken:
     * expired; "Signature expired": the clock (fail_with_code). */
    vl_step_kind k = fail_with_code(f, code ? code : "", msg ? msg : "", status, out);
    vl_free(code);
    vl_free(msg);
    return k;
  }
  char *arn = xml_text(&resp->body, "Arn");
  vl_step_kind k =
      arn ? vl_verify_ok(out, vl_valid_arn(arn, strlen(arn)) ? arn : VL_UNEXPECTED, "sts:GetCallerIdentity")
          : vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "aws: GetCallerIdentity answer without Arn");
  vl_free(arn);
  return k;
}

const vl_provider_ops vl_provider_aws = {VL_PROVIDER_AWS, aws_parse, aws_connect, aws_step, aws_verify};
