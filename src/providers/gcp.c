/*
 * Google Cloud Secret Manager — AccessSecretVersion (providers.md §5).
 *
 * Link: {"provider":"gcp","gcp":{"name":"projects/P/secrets/S/versions/V","key"?}}
 *   or the name as shorthand. V is "latest", a version number or an alias;
 *   without "/versions/V" the latest is meant. Regional secrets
 *   (projects/P/locations/L/secrets/S/…) go to secretmanager.L.rep.googleapis.com.
 *   "key" selects a value from a JSON secret by dot path, as for AWS.
 * Credentials: {"accessToken","expiresAt"? (ms),"endpoint"?}: an OAuth 2.0
 *   token with the cloud-platform scope; one hour unless "expiresAt" says
 *   otherwise. "endpoint" replaces the base URL (emulators, private endpoints).
 *
 * payload.data is base64; payload.dataCrc32c (a decimal string) is the
 * CRC-32C of the decoded bytes and is checked: a mismatch wipes the value and
 * fails the fetch.
 */
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "fmt.h"
#include "mem.h"
#include "providers/provider.h"
#include "providers/quote.h"

#define GCP_DEFAULT_LIFETIME_MS ((uint64_t)3600 * 1000)

/* ---------------------------------------------------------------- names */

static int in_set(char c, const char *extra) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c && strchr(extra, c));
}

static vl_status name_error(char *err, size_t errlen, const char *what, size_t pos) {
  vl_snprintf(err, errlen, "name: %s (byte %zu)", what, pos);
  return VL_ERR_REFERENCE;
}

/* Checks segment [s, s+n) at byte pos: length bounds and characters. */
static vl_status check_seg(const char *s, size_t n, size_t lo, size_t hi, const char *extra, int lower_only,
                           const char *what, size_t pos, char *err, size_t errlen) {
  char msg[120];
  if (n < lo || n > hi) {
    vl_snprintf(msg, sizeof msg, "%s must be %zu-%zu characters", what, lo, hi);
    return name_error(err, errlen, msg, pos);
  }
  for (size_t i = 0; i < n; i++) {
    if (!in_set(s[i], extra) || (lower_only && s[i] >= 'A' && s[i] <= 'Z')) {
      vl_snprintf(msg, sizeof msg, "character not allowed in the %s", what);
      return name_error(err, errlen, msg, pos + i);
    }
  }
  return VL_OK;
}

/* Parses "projects/P[/locations/L]/secrets/S[/versions/V]" into params. */
static vl_status parse_name(const char *name, cJSON *params, char *err, size_t errlen) {
  const char *seg[9];
  size_t len[9], n = 0;
  const char *p = name;
  for (;;) {
    size_t k = strcspn(p, "/");
    if (n < 9) {
      seg[n] = p;
      len[n] = k;
    }
    n++;
    if (!p[k]) break;
    p += k + 1;
  }
#define SEG_IS(i, lit) (len[i] == sizeof(lit) - 1 && memcmp(seg[i], lit, len[i]) == 0)
  if (n < 1 || !SEG_IS(0, "projects")) return name_error(err, errlen, "must start with \"projects/\"", 0);
  size_t i = 2, loc = 0;
  if (n > 3 && SEG_IS(2, "locations")) {
    loc = 3;
    i = 4;
  }
  if (n != i + 2 && n != i + 4) {
    char head[VL_QUOTE_MAX];
    vl_quote_head(head, name);
    vl_snprintf(err, errlen,
                "name: %s has %zu '/'-separated segments, expected "
                "projects/P[/locations/L]/secrets/S[/versions/V]",
                head, n);
    return VL_ERR_REFERENCE;
  }
  if (!SEG_IS(i, "secrets")) return name_error(err, errlen, "expected \"secrets\"", (size_t)(seg[i] - name));
  if (n == i + 4 && !SEG_IS(i + 2, "versions"))
    return name_error(err, errlen, "expected \"versions\"", (size_t)(seg[i + 2] - name));
  vl_status st = check_seg(seg[1], len[1], 1, 100, "-.:", 1, "project", (size_t)(seg[1] - name), err, errlen);
  if (!st && loc) st = check_seg(seg[loc], len[loc], 1, 63, "-", 1, "location", (size_t)(seg[loc] - name), err, errlen);
  if (!st)
    st = check_seg(seg[i + 1], len[i + 1], 1, 255, "-_", 0, "secret id", (size_t)(seg[i + 1] - name), err, errlen);
  if (!st && n == i + 4)
    st = check_seg(seg[i + 3], len[i + 3], 1, 63, "-_", 0, "version", (size_t)(seg[i + 3] - name), err, errlen);
#undef SEG_IS
  if (st) return st;
  char buf[600];
  vl_snprintf(buf, sizeof buf, "%s%s", name, n == i + 2 ? "/versions/latest" : "");
  cJSON_AddStringToObject(params, "name", buf);
  if (loc) {
    vl_snprintf(buf, sizeof buf, "%.*s", (int)len[loc], seg[loc]);
    cJSON_AddStringToObject(params, "location", buf);
  }
  return VL_OK;
}

static vl_status gcp_parse(const cJSON *member, const char *shorthand, cJSON **params_out, char **canonical, char *err,
                           size_t errlen) {
  const char *name = shorthand;
  if (shorthand && strncmp(shorthand, "projects/", 9) != 0) {
    vl_snprintf(err, errlen, "not a GCP secret version name");
    return VL_ERR_REFERENCE;
  }
  if (member) {
    name = vl_json_str(member, "name");
    if (!name) {
      vl_snprintf(err, errlen, "\"name\" (a string, projects/P/secrets/S/versions/V) is required");
      return VL_ERR_REFERENCE;
    }
  }
  if (!name || strlen(name) > 500) {
    vl_snprintf(err, errlen, "name: longer than 500 bytes");
    return VL_ERR_REFERENCE;
  }
  const cJSON *key = member ? cJSON_GetObjectItemCaseSensitive(member, "key") : NULL;
  if (key && (!cJSON_IsString(key) || strlen(key->valuestring) > 200)) {
    vl_snprintf(err, errlen, "\"key\" must be a string (a dot path into a JSON secret) of at most 200 bytes");
    return VL_ERR_REFERENCE;
  }
  cJSON *params = cJSON_CreateObject();
  if (!params) return VL_ERR_NOMEM;
  vl_status st = parse_name(name, params, err, errlen);
  if (st) {
    cJSON_Delete(params);
    return st;
  }
  if (key) cJSON_AddStringToObject(params, "key", key->valuestring);
  vl_buf c;
  vl_buf_init(&c, 0);
  vl_buf_put_str(&c, vl_json_str(params, "name"));
  if (key) {
    vl_buf_put_str(&c, "#");
    vl_buf_put_str(&c, key->valuestring);
  }
  vl_buf_put(&c, "", 1);
  size_t n;
  *canonical = (char *)vl_buf_take(&c, &n);
  if (!*canonical) {
    cJSON_Delete(params);
    return VL_ERR_NOMEM;
  }
  *params_out = params;
  return VL_OK;
}

/* ---------------------------------------------------------------- credentials */

static vl_status gcp_connect(vl_pstate *ps, uint64_t now_ms, char *err, size_t errlen) {
  const char *token = vl_json_str(ps->creds, "accessToken");
  if (!token || !*token) {
    vl_snprintf(err, errlen, "\"accessToken\" (a string, an OAuth 2.0 access token) is required");
    return VL_ERR_ARG;
  }
  if (strlen(token) > 8192) {
    vl_snprintf(err, errlen, "\"accessToken\" is longer than 8192 bytes");
    return VL_ERR_LIMIT;
  }
  for (const char *c = token; *c; c++) {
    if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e) {
      vl_snprintf(err, errlen, "\"accessToken\" contains a character not allowed in a header (byte %zu)",
                  (size_t)(c - token));
      return VL_ERR_ARG;
    }
  }
  const cJSON *ep = cJSON_GetObjectItemCaseSensitive(ps->creds, "endpoint");
  if (ep && (!cJSON_IsString(ep) ||
             (strncmp(ep->valuestring, "https://", 8) != 0 && strncmp(ep->valuestring, "http://", 7) != 0) ||
             strlen(ep->valuestring) > 200)) {
    vl_snprintf(err, errlen, "\"endpoint\" must be an http(s):// base URL of at most 200 bytes");
    return VL_ERR_ARG;
  }
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(ps->creds, "expiresAt");
  if (exp && !cJSON_IsNumber(exp)) {
    vl_snprintf(err, errlen, "\"expiresAt\" must be a number (ms since the epoch)");
    return VL_ERR_ARG;
  }
  ps->expires_ms = exp ? (uint64_t)exp->valuedouble : now_ms + GCP_DEFAULT_LIFETIME_MS;
  if (ps->expires_ms <= now_ms) {
    vl_snprintf(err, errlen, "the access token has already expired");
    return VL_ERR_EXPIRED;
  }
  return VL_OK;
}

/* ---------------------------------------------------------------- request */

static vl_step_kind access_job(const vl_pstate *ps, vl_fetch *f, vl_step_out *out) {
  const char *ep = vl_json_str(ps->creds, "endpoint");
  const char *loc = vl_json_str(f->params, "location");
  char base[260];
  if (ep) {
    size_t n = strlen(ep);
    while (n && ep[n - 1] == '/') n--;
    vl_snprintf(base, sizeof base, "%.*s", (int)n, ep);
  } else if (loc) {
    vl_snprintf(base, sizeof base, "https://secretmanager.%s.rep.googleapis.com", loc);
  } else {
    vl_snprintf(base, sizeof base, "https://secretmanager.googleapis.com");
  }
  char url[900];
  vl_snprintf(url, sizeof url, "%s/v1/%s:access", base, vl_json_str(f->params, "name"));
  const char *token = vl_json_str(ps->creds, "accessToken");
  size_t tl = strlen(token);
  char *bearer = vl_alloc(tl + 8);
  if (!bearer) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "gcp: out of memory for %.120s", f->canonical);
  vl_snprintf(bearer, tl + 8, "Bearer %s", token);
  vl_job_begin(&out->job, "GET", url, 2);
  vl_job_header_str(&out->job, "Accept", "application/json");
  vl_job_header(&out->job, "Authorization", (const uint8_t *)bearer, tl + 7);
  vl_job_finish(&out->job, NULL, 0);
  vl_free(bearer); /* wipes */
  f->stage = 1;
  return VL_STEP_JOB;
}

/* ---------------------------------------------------------------- response */

/* google.rpc.Code names: the only error "status" a detail quotes. */
static const char *const STATUS_NAMES[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED",
                                           NULL};

static vl_reason reason_for(const char *status_text, uint32_t http) {
  if (strcmp(status_text, "NOT_FOUND") == 0 || http == 404) return VL_REASON_NOT_FOUND;
  if (strcmp(status_text, "PERMISSION_DENIED") == 0 || http == 403) return VL_REASON_PERMISSION_DENIED;
  /* Before the token's expiry a refusal is a rejection (the engine turns it
   * into reauth_required past it). */
  if (strcmp(status_text, "UNAUTHENTICATED") == 0 || http == 401) return VL_REASON_CREDENTIALS_REJECTED;
  if (strcmp(status_text, "FAILED_PRECONDITION") == 0) return VL_REASON_DISABLED_AT_PROVIDER;
  if (strcmp(status_text, "RESOURCE_EXHAUSTED") == 0 || http == 429) return VL_REASON_THROTTLED;
  if (strcmp(status_text, "UNAVAILABLE") == 0 || http >= 500) return VL_REASON_UNREACHABLE;
  return VL_REASON_MISCONFIGURED;
}

/* Parses a decimal uint32 (an int64 in JSON, as a string or a number). */
static int read_crc(const cJSON *j, uint32_t *out) {
  if (cJSON_IsNumber(j)) {
    if (j->valuedouble < 0 || j->valuedouble > 4294967295.0 || j->valuedouble != (double)(uint32_t)j->valuedouble)
      return 0;
    *out = (uint32_t)j->valuedouble;
    return 1;
  }
  if (!cJSON_IsString(j) || !j->valuestring[0] || strlen(j->valuestring) > 20) return 0;
  uint64_t v = 0;
  for (const char *c = j->valuestring; *c; c++) {
    if (*c < '0' || *c > '9') return 0;
    v = v * 10 + (uint64_t)(*c - '0');
    if (v > 0xFFFFFFFFu) return 0;
  }
  *out = (uint32_t)v;
  return 1;
}

/* Decodes proto3-JSON bytes: standard base64, also accepting the URL-safe
 * alphabet and missing padding (proto3 JSON parsers accept both). */
static vl_status decode_bytes(const char *in, uint8_t **out, size_t *out_len) {
  return vl_base64_decode_lenient(in, strlen(in), out, out_len);
}

static vl_step_kind on_payload(vl_fetch *f, const cJSON *body, vl_step_out *out) {
  const cJSON *payload = cJSON_GetObjectItemCaseSensitive(body, "payload");
  if (!cJSON_IsObject(payload))
    return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "gcp: the answer has no \"payload\" (HTTP 200) for %.120s",
                        f->canonical);
  const cJSON *data = cJSON_GetObjectItemCaseSensitive(payload, "data");
  const cJSON *crc = cJSON_GetObjectItemCaseSensitive(payload, "dataCrc32c");
  if (data && !cJSON_IsString(data))
    return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "gcp: payload.data is not a string (HTTP 200) for %.120s",
                        f->canonical);
  uint8_t *raw = NULL;
  size_t raw_len = 0;
  vl_status st = decode_bytes(data ? data->valuestring : "", &raw, &raw_len);
  if (st)
    return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "gcp: payload.data is not base64 (HTTP 200) for %.120s",
                        f->canonical);
  vl_step_kind k = VL_STEP_VALUE;
  uint32_t want = 0;
  if (crc && !read_crc(crc, &want)) {
    k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE,
                     "gcp: payload.dataCrc32c is not a decimal CRC-32C (HTTP 200) for %.120s", f->canonical);
  } else if (crc && vl_crc32c(0, raw, raw_len) != want) {
    k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE,
                     "gcp: payload.dataCrc32c does not match the data (corrupted in transit; value discarded) for "
                     "%.120s",
                     f->canonical);
  } else if (vl_json_str(f->params, "key")) {
    const char *key = vl_json_str(f->params, "key");
    st = vl_json_select(raw, raw_len, key, &out->value, &out->value_len);
    if (st == VL_ERR_NOT_FOUND)
      k = vl_step_fail(out, VL_REASON_KEY_NOT_FOUND, "gcp: key \"%.60s\" not in the secret %.120s", key, f->canonical);
    else if (st)
      k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "gcp: the secret %.120s is not JSON (a key was given)",
                       f->canonical);
  } else {
    out->value = raw;
    out->value_len = raw_len;
    raw = NULL;
  }
  vl_free(raw); /* wipes */
  return k;
}

static vl_step_kind gcp_step(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, uint64_t now_ms,
                             vl_step_out *out) {
  (void)now_ms;
  if (!resp) return access_job(ps, f, out);
  cJSON *body = cJSON_ParseWithLength((const char *)resp->body.p, resp->body.n);
  vl_step_kind k;
  if (status == 200) {
    k = cJSON_IsObject(body) ? on_payload(f, body, out)
                             : vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE,
                                            "gcp: the answer is not JSON (HTTP 200) for %.120s", f->canonical);
  } else {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(body, "error");
    const char *st = vl_json_str(e, "status");
    vl_reason why = reason_for(st ? st : "", status);
    const char *hint = why == VL_REASON_DISABLED_AT_PROVIDER   ? ": the version is disabled or destroyed"
                       : why == VL_REASON_CREDENTIALS_REJECTED ? ": the access token is expired or invalid"
                                                               : "";
    const char *known = st ? vl_quote_enum(st, STATUS_NAMES) : "error";
    k = vl_step_fail(out, why, "gcp: %s%s (HTTP %u)%s for %.120s", st && known != st ? "status " : "", known,
                     (unsigned)status, hint, f->canonical);
  }
  cJSON_Delete(body); /* wiping hooks */
  return k;
}

/* No verify: Secret Manager has no side-effect-free "who am I" call that
 * needs no secret name, and the token-info endpoint is another host
 * (oauth2.googleapis.com) the token would have to be sent to. connect
 * reports verified:false, method "none"; a wrong token shows at the first
 * send as credentials_rejected (README). */
const vl_provider_ops vl_provider_gcp = {VL_PROVIDER_GCP, gcp_parse, gcp_connect, gcp_step, NULL};
