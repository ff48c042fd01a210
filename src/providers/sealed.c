/*
 * The "sealed" provider: a relay (or any static host) serves a sealed
 * envelope (docs/envelope.md) that the vault side made for this tab's
 * per-session recipient key; the core fetches it with one GET and opens it
 * here, so the value exists in plaintext only inside wasm (DESIGN.md I8).
 *
 * Link: {"provider":"sealed","sealed":{"url":"https://relay.example/e/42","reference":"op://Private/Stripe/key"}}
 *   "reference" is the external reference the envelope must be bound to; it
 *   defaults to the URL itself. The URL must be https (http only for
 *   localhost, 127.0.0.1 and [::1]).
 * Credentials: none are needed — the session key is the credential, so the
 *   provider starts connected. connect("sealed", {"origin": "https://relay.example",
 *   "headers": {...}, "expiresAt"?}) binds the provider to one relay: its
 *   headers (a relay's bearer token) go with GETs to that origin only, and a
 *   link to any other origin stays unresolved (misconfigured), so a shared
 *   link cannot carry the token elsewhere. "origin" is scheme://host[:port]
 *   (https; http only for localhost, 127.0.0.1 and [::1]) and is required
 *   with "headers"; connect({}) or connect({"origin"}) without headers is
 *   fine (public envelope URLs). Origins compare by scheme, host (ASCII case
 *   folded) and effective port; a URL whose authority is not plain
 *   (user info, '%', '\\', …) matches none. disconnect stops fetching until
 *   the next connect.
 * Response body: the envelope as raw bytes ("VLE…"), as base64 text (standard
 *   or URL-safe, whitespace and missing padding tolerated), or as JSON
 *   {"envelope": "<base64>"}. The envelope's expiry caps the cache TTL.
 */
#include <string.h>

#include "crypto/x25519.h"
#include "envelope.h"
#include "fmt.h"
#include "input_limits.h"
#include "mem.h"
#include "providers/provider.h"

#define SEALED_MAX_URL 2048u
#define SEALED_MAX_HEADERS 16
#define SEALED_MAX_HOST 253u
static const char accept_types[] = "application/vnd.vaultlink.envelope, application/octet-stream, text/plain";

vl_status vl_vault_public_key(vl_vault *v, uint8_t pk[32], uint8_t key_id[8]) {
  if (!v || !pk) return VL_ERR_ARG;
  if (!v->have_recipient) { /* made on first use: a vault without envelopes never pays for it */
    vl_status st = vl_x25519_keygen(v->recipient_sk, v->recipient_pk);
    if (st != VL_OK) return st;
    v->have_recipient = 1;
  }
  memcpy(pk, v->recipient_pk, 32);
  if (key_id) vl_envelope_key_id(v->recipient_pk, key_id);
  return VL_OK;
}

/* ---------------------------------------------------------------- parsing */

static int is_loopback_http(const char *url) {
  static const char *const hosts[] = {"http://localhost", "http://127.0.0.1", "http://[::1]"};
  for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
    size_t n = strlen(hosts[i]);
    if (strncmp(url, hosts[i], n) == 0 && (url[n] == 0 || url[n] == ':' || url[n] == '/')) return 1;
  }
  return 0;
}

static vl_status check_url(const char *url, char *err, size_t errlen) {
  size_t n = strlen(url);
  if (n == 0 || n > SEALED_MAX_URL) {
    vl_snprintf(err, errlen, "\"url\" must be 1-%u bytes", SEALED_MAX_URL);
    return VL_ERR_REFERENCE;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)url[i];
    if (c <= 0x20 || c == 0x7f) {
      vl_snprintf(err, errlen, "\"url\": a space or control character at byte %zu", i);
      return VL_ERR_REFERENCE;
    }
  }
  int https = strncmp(url, "https://", 8) == 0 && n > 8 && url[8] != '/';
  if (!https && !is_loopback_http(url)) {
    char head[VL_QUOTE_MAX];
    vl_quote_head(head, url);
    vl_snprintf(err, errlen, "\"url\" %s must start with https:// (http:// only for localhost)", head);
    return VL_ERR_REFERENCE;
  }
  return VL_OK;
}

static vl_status sealed_parse(const cJSON *member, const char *shorthand, cJSON **params_out, char **canonical,
                              char *err, size_t errlen) {
  if (!member || shorthand) {
    /* No shorthand: an https URL alone is ambiguous with other providers. */
    vl_snprintf(err, errlen, "use {\"provider\":\"sealed\",\"sealed\":{\"url\",\"reference\"}}");
    return VL_ERR_REFERENCE;
  }
  const char *url = vl_json_str(member, "url");
  if (!url) {
    vl_snprintf(err, errlen, "\"url\" (a string) is required");
    return VL_ERR_REFERENCE;
  }
  vl_status st = check_url(url, err, errlen);
  if (st) return st;
  const cJSON *refj = cJSON_GetObjectItemCaseSensitive(member, "reference");
  if (refj && !cJSON_IsString(refj)) {
    vl_snprintf(err, errlen, "\"reference\" must be a string");
    return VL_ERR_REFERENCE;
  }
  const char *ref = refj ? refj->valuestring : url;
  size_t rl = strlen(ref);
  if (rl == 0 || rl > VL_ENVELOPE_MAX_REF) {
    vl_snprintf(err, errlen, "\"reference\" must be 1-%u bytes", VL_ENVELOPE_MAX_REF);
    return VL_ERR_REFERENCE;
  }
  cJSON *params = cJSON_CreateObject();
  if (!params || !cJSON_AddStringToObject(params, "url", url) || !cJSON_AddStringToObject(params, "reference", ref)) {
    cJSON_Delete(params);
    return VL_ERR_NOMEM;
  }
  vl_buf c;
  vl_buf_init(&c, 0);
  vl_buf_put_str(&c, ref);
  vl_buf_put_str(&c, " via ");
  vl_buf_put_str(&c, url);
  size_t n;
  *canonical = (char *)vl_buf_take(&c, &n);
  if (!*canonical) {
    cJSON_Delete(params);
    return VL_ERR_NOMEM;
  }
  *params_out = params;
  return VL_OK;
}

/* ---------------------------------------------------------------- origins */

/* scheme, host (lowercased) and effective port of a URL's origin. */
typedef struct {
  int https;
  char host[SEALED_MAX_HOST + 1];
  unsigned port;
} sealed_origin;

static char lower_ascii(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int host_char(char c, int bracketed) {
  if (bracketed)
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-';
}

/* Reads "scheme://host[:port]" at the start of s into o; *rest is what
 * follows (empty, or starting with '/', '?' or '#'). Returns 0 unless the
 * authority is plain: an https or http scheme, a DNS name, IPv4 or [IPv6]
 * host of the characters those allow, a decimal port 1-65535. Anything else
 * (user info, percent-encoding, backslashes) is refused rather than guessed
 * at, so no URL is taken for the relay's origin that a browser would send
 * elsewhere. */
static int read_origin(const char *s, sealed_origin *o, const char **rest) {
  memset(o, 0, sizeof *o);
  size_t at;
  if (strncmp(s, "https://", 8) == 0) {
    o->https = 1;
    at = 8;
  } else if (strncmp(s, "http://", 7) == 0) {
    at = 7;
  } else {
    return 0;
  }
  const char *h = s + at;
  int bracketed = *h == '[';
  size_t n = bracketed ? 1 : 0;
  while (h[n] && host_char(h[n], bracketed)) n++;
  if (bracketed) {
    if (h[n] != ']' || n < 3) return 0;
    n++;
  }
  if (n == 0 || n > SEALED_MAX_HOST) return 0;
  for (size_t i = 0; i < n; i++) o->host[i] = lower_ascii(h[i]);
  const char *p = h + n;
  o->port = o->https ? 443u : 80u;
  if (*p == ':') {
    p++;
    unsigned long port = 0;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 8) {
      port = port * 10 + (unsigned long)(*p++ - '0');
      digits++;
    }
    if (digits && (port == 0 || port > 65535)) return 0;
    if (digits) o->port = (unsigned)port; /* "host:" is the default port, as in a browser */
  }
  if (*p && *p != '/' && *p != '?' && *p != '#') return 0;
  *rest = p;
  return 1;
}

static int is_loopback_host(const char *host) {
  return strcmp(host, "localhost") == 0 || strcmp(host, "127.0.0.1") == 0 || strcmp(host, "[::1]") == 0;
}

static int same_origin(const sealed_origin *a, const sealed_origin *b) {
  return a->https == b->https && a->port == b->port && strcmp(a->host, b->host) == 0;
}

/* The origin as text, without its default port. */
static void origin_text(const sealed_origin *o, char *out, size_t outlen) {
  unsigned dflt = o->https ? 443u : 80u;
  if (o->port == dflt)
    vl_snprintf(out, outlen, "%s://%s", o->https ? "https" : "http", o->host);
  else
    vl_snprintf(out, outlen, "%s://%s:%u", o->https ? "https" : "http", o->host, o->port);
}

/* ---------------------------------------------------------------- relay options */

/* Checks "origin" and stores it back normalised (lowercase, no default port). */
static vl_status take_origin(vl_pstate *ps, int have_headers, char *err, size_t errlen) {
  const cJSON *oj = cJSON_GetObjectItemCaseSensitive(ps->creds, "origin");
  if (!oj) {
    if (!have_headers) return VL_OK;
    vl_snprintf(err, errlen,
                "\"origin\" (https://HOST[:PORT], the relay) is required with \"headers\": they go to that origin "
                "only");
    return VL_ERR_ARG;
  }
  sealed_origin o;
  const char *rest = "";
  if (!cJSON_IsString(oj) || strlen(oj->valuestring) > SEALED_MAX_HOST + 16 ||
      !read_origin(oj->valuestring, &o, &rest) || (*rest && strcmp(rest, "/") != 0)) {
    vl_snprintf(err, errlen, "\"origin\" must be scheme://host[:port] alone (no user info, path, query or fragment)");
    return VL_ERR_ARG;
  }
  if (!o.https && !is_loopback_host(o.host)) {
    vl_snprintf(err, errlen, "\"origin\" must be https:// (http:// only for localhost, 127.0.0.1 and [::1])");
    return VL_ERR_ARG;
  }
  char text[SEALED_MAX_HOST + 24];
  origin_text(&o, text, sizeof text);
  cJSON *norm = cJSON_CreateString(text);
  if (!norm) return VL_ERR_NOMEM;
  cJSON_ReplaceItemInObjectCaseSensitive(ps->creds, "origin", norm);
  return VL_OK;
}

static vl_status sealed_connect(vl_pstate *ps, uint64_t now_ms, char *err, size_t errlen) {
  const cJSON *headers = cJSON_GetObjectItemCaseSensitive(ps->creds, "headers");
  if (headers && !cJSON_IsObject(headers)) {
    vl_snprintf(err, errlen, "\"headers\" must be an object of strings");
    return VL_ERR_ARG;
  }
  int count = 0;
  const cJSON *h;
  cJSON_ArrayForEach(h, headers) {
    if (!cJSON_IsString(h) || !h->string || !*h->string) {
      vl_snprintf(err, errlen, "\"headers\"[%d] must be a string with a non-empty name", count);
      return VL_ERR_ARG;
    }
    if (++count > SEALED_MAX_HEADERS) {
      vl_snprintf(err, errlen, "more than %d relay headers", SEALED_MAX_HEADERS);
      return VL_ERR_LIMIT;
    }
  }
  vl_status st = take_origin(ps, count > 0, err, errlen);
  if (st) return st;
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(ps->creds, "expiresAt");
  if (exp && !cJSON_IsNumber(exp)) {
    vl_snprintf(err, errlen, "\"expiresAt\" must be a number (ms since the epoch)");
    return VL_ERR_ARG;
  }
  ps->expires_ms = exp ? (uint64_t)exp->valuedouble : 0;
  if (exp && ps->expires_ms <= now_ms) {
    vl_snprintf(err, errlen, "the relay credentials have already expired");
    return VL_ERR_EXPIRED;
  }
  return VL_OK;
}

/* ---------------------------------------------------------------- the envelope */

static int b64_char(uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '-' || c == '_';
}

/* Base64 text (standard or URL-safe; whitespace skipped; '=' padding optional)
 * into a vl_alloc'd buffer. VL_ERR_FORMAT on anything else. */
static vl_status decode_text(const uint8_t *s, size_t n, uint8_t **out, size_t *out_len) {
  char *norm = vl_alloc(n + 4);
  if (!norm) return VL_ERR_NOMEM;
  size_t k = 0, pad = 0;
  vl_status st = VL_OK;
  for (size_t i = 0; i < n && !st; i++) {
    uint8_t c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      pad++;
      continue;
    }
    if (pad || !b64_char(c)) st = VL_ERR_FORMAT; /* a character after padding, or not base64 */
    norm[k++] = (char)c;
  }
  if (!st && (k == 0 || pad > 2)) st = VL_ERR_FORMAT;
  if (!st) st = vl_base64_decode_lenient(norm, k, out, out_len); /* both alphabets, padding optional */
  vl_free(norm);
  return st;
}

/* The envelope bytes of a response body (raw, base64 or {"envelope": base64}). */
static vl_status envelope_bytes(const vl_slice *body, uint8_t **env, size_t *env_len) {
  *env = NULL;
  *env_len = 0;
  if (body->n >= 3 && memcmp(body->p, "VLE", 3) == 0) {
    *env = vl_memdup(body->p, body->n);
    *env_len = body->n;
    return *env ? VL_OK : VL_ERR_NOMEM;
  }
  size_t i = 0;
  while (i < body->n && (body->p[i] == ' ' || body->p[i] == '\t' || body->p[i] == '\r' || body->p[i] == '\n')) i++;
  if (i < body->n && body->p[i] == '{') {
    cJSON *j = cJSON_ParseWithLength((const char *)body->p, body->n);
    const char *text = vl_json_str(j, "envelope");
    vl_status st = text ? decode_text((const uint8_t *)text, strlen(text), env, env_len) : VL_ERR_FORMAT;
    cJSON_Delete(j);
    return st;
  }
  return decode_text(body->p, body->n, env, env_len);
}

static vl_step_kind on_envelope(const vl_pstate *ps, vl_fetch *f, const vl_request *resp, uint64_t now_ms,
                                vl_step_out *out) {
  uint8_t *env;
  size_t env_len;
  vl_status st = envelope_bytes(&resp->body, &env, &env_len);
  if (st == VL_ERR_NOMEM)
    return vl_step_fail(out, VL_REASON_MISCONFIGURED, "sealed: out of memory reading the envelope for %.120s",
                        f->canonical);
  if (st)
    return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE,
                        "sealed: the answer for %.120s is not an envelope (raw, base64 or {\"envelope\"})",
                        f->canonical);
  const char *ref = vl_json_str(f->params, "reference");
  const vl_vault *v = ps->vault;
  uint8_t *plain = NULL;
  size_t plain_len = 0;
  uint64_t expires_ms = 0;
  char err[160] = "";
  if (!v->have_recipient) { /* publicKey() was never asked: nothing can be sealed to this session */
    vl_free(env);
    return vl_step_fail(out, VL_REASON_MISCONFIGURED,
                        "sealed: the envelope for %.120s was sealed for another session (not this vault's "
                        "publicKey(); re-seal to the current key id)",
                        f->canonical);
  }
  st = vl_envelope_open(env, env_len, v->recipient_sk, v->recipient_pk, (const uint8_t *)ref, strlen(ref), now_ms,
                        &plain, &plain_len, &expires_ms, err, sizeof err);
  vl_free(env);
  switch (st) {
    case VL_OK:
      out->value = plain;
      out->value_len = plain_len;
      out->expires_ms = expires_ms; /* the envelope's expiry caps the cache TTL */
      return VL_STEP_VALUE;
    case VL_ERR_WRONG_RECIPIENT:
      return vl_step_fail(out, VL_REASON_MISCONFIGURED,
                          "sealed: the envelope for %.120s was sealed for another session (not this vault's "
                          "publicKey(); re-seal to the current key id)",
                          f->canonical);
    case VL_ERR_REF_MISMATCH:
      return vl_step_fail(out, VL_REASON_MISCONFIGURED,
                          "sealed: the envelope served for %.120s is bound to a different reference", f->canonical);
    case VL_ERR_EXPIRED:
      return vl_step_fail(out, VL_REASON_DISABLED_AT_PROVIDER, "sealed: the envelope for %.120s has expired",
                          f->canonical);
    case VL_ERR_AUTH:
      return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE,
                          "sealed: the envelope for %.120s failed authentication (tampered, or corrupted)",
                          f->canonical);
    case VL_ERR_NOMEM:
      return vl_step_fail(out, VL_REASON_MISCONFIGURED, "sealed: out of memory opening the envelope for %.120s",
                          f->canonical);
    default: /* format, unsupported suite, limit: err names the field or byte */
      return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "sealed: %.120s: %s", f->canonical, err);
  }
}

static vl_reason reason_for_status(uint32_t status) {
  if (status == 401 || status == 403) return VL_REASON_PERMISSION_DENIED;
  if (status == 404) return VL_REASON_NOT_FOUND;
  if (status == 410) return VL_REASON_DISABLED_AT_PROVIDER;
  if (status == 429) return VL_REASON_THROTTLED;
  if (status >= 500) return VL_REASON_UNREACHABLE;
  return VL_REASON_MISCONFIGURED;
}

static vl_step_kind sealed_step(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, uint64_t now_ms,
                                vl_step_out *out) {
  if (!ps->vault) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "sealed: no session key for %.120s", f->canonical);
  if (!resp) {
    const char *url = vl_json_str(f->params, "url");
    const char *bound = vl_json_str(ps->creds, "origin");
    if (bound) {
      /* A connection given an origin fetches only there: its headers are that relay's. */
      sealed_origin want, have;
      const char *rest;
      if (!read_origin(bound, &want, &rest) || !read_origin(url, &have, &rest) || !same_origin(&want, &have))
        return vl_step_fail(out, VL_REASON_MISCONFIGURED,
                            "sealed: %.100s is outside the origin the sealed connection was given (%.80s); not "
                            "fetched",
                            url, bound);
    }
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(ps->creds, "headers");
    vl_job_begin(&out->job, "GET", url, 1u + (uint32_t)cJSON_GetArraySize(headers));
    vl_job_header_str(&out->job, "Accept", accept_types);
    const cJSON *h;
    cJSON_ArrayForEach(h, headers) {
      vl_job_header_str(&out->job, h->string, h->valuestring);
    }
    vl_job_finish(&out->job, NULL, 0);
    f->stage = 1;
    return VL_STEP_JOB;
  }
  if (status != 200)
    return vl_step_fail(out, reason_for_status(status), "sealed: the relay answered HTTP %u for %.120s",
                        (unsigned)status, f->canonical);
  return on_envelope(ps, f, resp, now_ms, out);
}

const vl_provider_ops vl_provider_sealed = {VL_PROVIDER_SEALED, sealed_parse, sealed_connect, sealed_step, NULL};
