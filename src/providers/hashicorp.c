/*
 * HashiCorp Vault KV v1 / v2 (providers.md §3), with token, AppRole, userpass
 * and JWT auth. OIDC is a browser redirect flow (web/src/auth/vault-oidc.js)
 * that ends in a token.
 *
 * Link: {"provider":"hashicorp","hashicorp":{"engine","path","key"?,"version"?,"kv"?:1|2,"namespace"?}}
 *   or the shorthand "hashicorp:ENGINE/PATH#KEY@vN" (ENGINE is the first segment).
 *   "path" may be given relative to the engine ("myapp"), or as the API path
 *   Postman's own tests use ("/secret/data/myapp"): leading '/' are dropped,
 *   then a leading "ENGINE/" and then a leading "data/" segment (unless "kv" is
 *   1, where "data/" is an ordinary name). A KV v2 secret whose own name starts
 *   with "data/" is therefore written "data/data/NAME". "key" selects a member
 *   of the secret's map (a literal name first, then a dot path "db.password");
 *   without it the whole map is the value, as compact JSON. "version" (v2 only)
 *   is a positive integer; "", "0" and "latest" mean the latest. "kv" skips the
 *   mount detection. "namespace" is relative to the credentials' namespace.
 * Credentials: {"address":"https://vault.example:8200","namespace"?,"namespaceMode"?:"path"|"header",
 *   "expiresAt"?, and one of "token" | "approle":{"roleId","secretId"} |
 *   "userpass":{"username","password"} | "jwt":{"role","jwt"}, "mount"?}.
 *   Namespaces go into the path by default ("/v1/ns1/secret/…"): Vault's
 *   default CORS headers do not include X-Vault-Namespace. "mount" names the
 *   auth method's mount (default approle, userpass, jwt).
 *   A token without "expiresAt" is looked up once (auth/token/lookup-self) to
 *   learn its ttl; a login's lease_duration becomes the credential's expiry.
 * Where the token goes: to "address" from connect, always; a link names only
 *   path segments (percent-encoded, no "..", '?', '#'), and never a first
 *   segment of Vault's own API (sys, auth, identity, audit).
 *
 * ps->scratch holds {"token": login token, "lookedUp": true, "mounts": {"NS|ENGINE": 1|2}}.
 */
#include <string.h>

#include "fmt.h"
#include "input_limits.h"
#include "json.h"
#include "mem.h"
#include "providers/provider.h"
#include "providers/quote.h"

#define HC_MAX_PART 512
#define HC_MAX_ADDRESS 256

enum { STAGE_START = 0, STAGE_LOGIN = 1, STAGE_LOOKUP = 2, STAGE_MOUNT = 3, STAGE_READ = 4 };

/* ---------------------------------------------------------------- parsing */

/* A '/'-separated Vault path: no empty, "." or ".." segments, none ending in
 * '.' (Vault answers 404), no control bytes, '?', '#' or '%'. Returns the byte
 * offset of the first bad byte, or -1 when valid. */
static long bad_path_byte(const char *s) {
  size_t n = strlen(s), seg = 0;
  for (size_t i = 0; i <= n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (i == n || c == '/') {
      if (i == seg) return (long)i;              /* empty segment */
      if (s[i - 1] == '.') return (long)(i - 1); /* ".", ".." or "name." */
      seg = i + 1;
    } else if (c < 0x20 || c == 0x7f || c == '?' || c == '#' || c == '%' || c == '\\') {
      return (long)i;
    }
  }
  return -1;
}

/* Trims leading and trailing '/' into out. */
static void trim_slashes(const char *s, char *out, size_t outlen) {
  while (*s == '/') s++;
  size_t n = strlen(s);
  while (n && s[n - 1] == '/') n--;
  vl_snprintf(out, outlen, "%.*s", (int)n, s);
}

static vl_status check_part(const char *field, const char *raw, const char *trimmed, int allow_empty, char *err,
                            size_t errlen) {
  if (strlen(raw) > HC_MAX_PART) {
    vl_snprintf(err, errlen, "\"%s\" is longer than %d bytes", field, HC_MAX_PART);
    return VL_ERR_REFERENCE;
  }
  if (!*trimmed) {
    if (allow_empty) return VL_OK;
    vl_snprintf(err, errlen, "\"%s\" must not be empty", field);
    return VL_ERR_REFERENCE;
  }
  long bad = bad_path_byte(trimmed);
  if (bad >= 0) {
    size_t lead = strspn(raw, "/");
    vl_snprintf(err, errlen, "\"%s\": byte %ld is not allowed here (empty, \".\"-ending or reserved character)", field,
                bad + (long)lead);
    return VL_ERR_REFERENCE;
  }
  return VL_OK;
}

/* "version": a string or number; returns 0 for latest, -1 when invalid. */
static long parse_version(const cJSON *v, char *err, size_t errlen) {
  if (!v || cJSON_IsNull(v)) return 0;
  if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    if (d >= 0 && d <= 2147483647.0 && d == (double)(long)d) return (long)d;
    vl_snprintf(err, errlen, "\"version\" must be a whole number 0..2147483647");
    return -1;
  }
  if (!cJSON_IsString(v)) {
    vl_snprintf(err, errlen, "\"version\" must be a string or a number");
    return -1;
  }
  const char *s = v->valuestring;
  if (!*s || strcmp(s, "latest") == 0) return 0;
  if (s[0] == 'v' || s[0] == 'V') s++;
  long n = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9' || n > (2147483647L - (*p - '0')) / 10) { /* long is 32 bits on wasm32 */
      vl_snprintf(err, errlen, "\"version\": byte %zu is not a digit (expected a version number or \"latest\")",
                  (size_t)(p - v->valuestring));
      return -1;
    }
    n = n * 10 + (*p - '0');
  }
  if (!*s) {
    vl_snprintf(err, errlen, "\"version\": no digits after 'v' (byte 1)");
    return -1;
  }
  return n;
}

static int parse_kv(const cJSON *kv, char *err, size_t errlen) {
  if (!kv || cJSON_IsNull(kv)) return 0;
  if (cJSON_IsNumber(kv) && (kv->valuedouble == 1 || kv->valuedouble == 2)) return (int)kv->valuedouble;
  if (cJSON_IsString(kv)) {
    const char *s = kv->valuestring;
    if (s[0] == 'v' || s[0] == 'V') s++;
    if (strcmp(s, "1") == 0) return 1;
    if (strcmp(s, "2") == 0) return 2;
  }
  vl_snprintf(err, errlen, "\"kv\" must be 1 or 2");
  return -1;
}

static const char *opt_str(const cJSON *member, const char *name, int *bad) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(member, name);
  if (!it || cJSON_IsNull(it)) return NULL;
  if (!cJSON_IsString(it)) *bad = 1;
  return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Vault's own API lives under these first segments (in any namespace), not a
 * secrets engine: a read there (auth/token/lookup-self, sys/…) answers with
 * the token or the server's state, which a shared link could then have
 * substituted into a request to a domain of its choosing. */
static const char *reserved_segment(const char *path) {
  static const char *const reserved[] = {"sys", "auth", "identity", "audit"};
  size_t n = strcspn(path, "/");
  for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
    if (strlen(reserved[i]) == n && strncmp(path, reserved[i], n) == 0) return reserved[i];
  return NULL;
}

/* The first reserved segment of a namespace ("a/auth/b" → "auth"), or NULL. */
static const char *reserved_in_namespace(const char *ns) {
  for (const char *p = ns; *p; p += strcspn(p, "/"), p += *p == '/') {
    const char *r = reserved_segment(p);
    if (r) return r;
  }
  return NULL;
}

static vl_status parse_member(const cJSON *member, cJSON **params_out, char **canonical, char *err, size_t errlen) {
  int bad = 0;
  const char *engine_raw = opt_str(member, "engine", &bad);
  if (!engine_raw || bad) {
    vl_snprintf(err, errlen, "\"engine\" (a string: the KV mount, e.g. \"secret\") is required");
    return VL_ERR_REFERENCE;
  }
  const char *path_raw = opt_str(member, "path", &bad);
  if (!path_raw || bad) {
    vl_snprintf(err, errlen, "\"path\" (a string) is required");
    return VL_ERR_REFERENCE;
  }
  const char *key = opt_str(member, "key", &bad);
  if (bad) {
    vl_snprintf(err, errlen, "\"key\" must be a string");
    return VL_ERR_REFERENCE;
  }
  const char *ns_raw = opt_str(member, "namespace", &bad);
  if (bad) {
    vl_snprintf(err, errlen, "\"namespace\" must be a string");
    return VL_ERR_REFERENCE;
  }
  int kv = parse_kv(cJSON_GetObjectItemCaseSensitive(member, "kv"), err, errlen);
  if (kv < 0) return VL_ERR_REFERENCE;
  long version = parse_version(cJSON_GetObjectItemCaseSensitive(member, "version"), err, errlen);
  if (version < 0) return VL_ERR_REFERENCE;
  if (version > 0 && kv == 1) {
    vl_snprintf(err, errlen, "\"version\" needs KV v2 (the link says \"kv\": 1)");
    return VL_ERR_REFERENCE;
  }
  char engine[HC_MAX_PART + 1], path[HC_MAX_PART + 1], ns[HC_MAX_PART + 1] = "";
  trim_slashes(engine_raw, engine, sizeof engine);
  vl_status st = check_part("engine", engine_raw, engine, 0, err, errlen);
  if (st) return st;
  if (reserved_segment(engine)) {
    vl_snprintf(err, errlen, "\"engine\": \"%s/\" is Vault's own API, not a secrets engine", reserved_segment(engine));
    return VL_ERR_REFERENCE;
  }
  trim_slashes(path_raw, path, sizeof path);
  if (strlen(path_raw) > HC_MAX_PART) return check_part("path", path_raw, path, 0, err, errlen);
  /* Normalise the API-path form: "/secret/data/myapp" → "myapp". */
  size_t skip = 0, el = strlen(engine);
  int prefixed = strncmp(path, engine, el) == 0 && path[el] == '/';
  if (prefixed) skip = el + 1;
  if (kv != 1 && strncmp(path + skip, "data/", 5) == 0) skip += 5;
  if (kv != 1 && prefixed && strcmp(path + skip, "data") == 0) skip += 4; /* "/secret/data/" */
  if (skip) memmove(path, path + skip, strlen(path + skip) + 1);
  if (!*path) {
    vl_snprintf(err, errlen, "\"path\" names no secret below the engine (only the engine's own name, or \"data\")");
    return VL_ERR_REFERENCE;
  }
  long bad_at = bad_path_byte(path);
  if (bad_at >= 0) {
    /* Report the position in the text as given. */
    vl_snprintf(err, errlen, "\"path\": byte %ld is not allowed here (empty, \".\"-ending or reserved character)",
                bad_at + (long)strspn(path_raw, "/") + (long)skip);
    return VL_ERR_REFERENCE;
  }
  if (ns_raw) {
    trim_slashes(ns_raw, ns, sizeof ns);
    st = check_part("namespace", ns_raw, ns, 1, err, errlen);
    if (st) return st;
    if (reserved_in_namespace(ns)) {
      vl_snprintf(err, errlen, "\"namespace\": \"%s\" is reserved by Vault and names no namespace",
                  reserved_in_namespace(ns));
      return VL_ERR_REFERENCE;
    }
  }
  if (key && (!*key || strlen(key) > VL_MAX_NAME_BYTES)) {
    vl_snprintf(err, errlen, "\"key\" must be 1-%u bytes", (unsigned)VL_MAX_NAME_BYTES);
    return VL_ERR_REFERENCE;
  }
  for (size_t i = 0; key && key[i]; i++) {
    if ((unsigned char)key[i] < 0x20) {
      vl_snprintf(err, errlen, "\"key\": byte %zu is a control character", i);
      return VL_ERR_REFERENCE;
    }
  }
  cJSON *params = cJSON_CreateObject();
  if (!params) return VL_ERR_NOMEM;
  cJSON_AddStringToObject(params, "engine", engine);
  cJSON_AddStringToObject(params, "path", path);
  if (key) cJSON_AddStringToObject(params, "key", key);
  if (*ns) cJSON_AddStringToObject(params, "namespace", ns);
  if (version) cJSON_AddNumberToObject(params, "version", (double)version);
  if (kv) cJSON_AddNumberToObject(params, "kv", kv);
  /* Canonical: [NS:]ENGINE/PATH[#KEY][@vN][ kvN]. The cache key, so it carries
   * everything that changes the value. */
  vl_buf c;
  vl_buf_init(&c, 0);
  if (*ns) {
    vl_buf_put_str(&c, ns);
    vl_buf_put_str(&c, ":");
  }
  vl_buf_put_str(&c, engine);
  vl_buf_put_str(&c, "/");
  vl_buf_put_str(&c, path);
  if (key) {
    vl_buf_put_str(&c, "#");
    vl_buf_put_str(&c, key);
  }
  char tail[40] = "";
  if (version) vl_snprintf(tail, sizeof tail, "@v%ld", version);
  if (kv) vl_snprintf(tail + strlen(tail), sizeof tail - strlen(tail), " kv%d", kv);
  vl_buf_put_str(&c, tail);
  size_t n;
  *canonical = (char *)vl_buf_take(&c, &n);
  if (!*canonical) {
    cJSON_Delete(params);
    return VL_ERR_NOMEM;
  }
  *params_out = params;
  return VL_OK;
}

/* "hashicorp:ENGINE/PATH[#KEY][@vN]" → the member form. */
static vl_status parse_shorthand(const char *s, cJSON **params_out, char **canonical, char *err, size_t errlen) {
  static const char prefix[] = "hashicorp:";
  if (strncmp(s, prefix, sizeof prefix - 1) != 0) {
    vl_snprintf(err, errlen, "not a hashicorp: reference");
    return VL_ERR_REFERENCE;
  }
  s += sizeof prefix - 1;
  if (strlen(s) > HC_MAX_PART) {
    vl_snprintf(err, errlen, "reference longer than %d bytes", HC_MAX_PART);
    return VL_ERR_REFERENCE;
  }
  char buf[HC_MAX_PART + 1];
  vl_snprintf(buf, sizeof buf, "%s", s);
  char *at = strrchr(buf, '@');
  char *hash = strchr(buf, '#');
  if (at && hash && at < hash) at = NULL;
  if (at) *at++ = 0;
  if (hash) *hash++ = 0;
  char *slash = strchr(buf + strspn(buf, "/"), '/');
  if (!slash) {
    vl_snprintf(err, errlen, "expected ENGINE/PATH after \"hashicorp:\" (byte %zu)", sizeof prefix - 1 + strlen(buf));
    return VL_ERR_REFERENCE;
  }
  *slash = 0;
  cJSON *m = cJSON_CreateObject();
  if (!m) return VL_ERR_NOMEM;
  cJSON_AddStringToObject(m, "engine", buf);
  cJSON_AddStringToObject(m, "path", slash + 1);
  if (hash) cJSON_AddStringToObject(m, "key", hash);
  if (at) cJSON_AddStringToObject(m, "version", at);
  vl_status st = parse_member(m, params_out, canonical, err, errlen);
  cJSON_Delete(m);
  return st;
}

static vl_status hc_parse(const cJSON *member, const char *shorthand, cJSON **params_out, char **canonical, char *err,
                          size_t errlen) {
  if (shorthand) return parse_shorthand(shorthand, params_out, canonical, err, errlen);
  return parse_member(member, params_out, canonical, err, errlen);
}

/* ---------------------------------------------------------------- credentials */

static int nonempty(const char *s) {
  return s && *s;
}

static vl_status hc_connect(vl_pstate *ps, uint64_t now_ms, char *err, size_t errlen) {
  const char *addr = vl_json_str(ps->creds, "address");
  if (!addr || (strncmp(addr, "https://", 8) != 0 && strncmp(addr, "http://", 7) != 0)) {
    vl_snprintf(err, errlen, "\"address\" (https://HOST[:PORT]) is required");
    return VL_ERR_ARG;
  }
  size_t host_at = strncmp(addr, "https://", 8) == 0 ? 8 : 7;
  size_t bad = strcspn(addr + host_at, "?#@ \t\r\n");
  if (strlen(addr) > HC_MAX_ADDRESS || addr[host_at] == 0 || addr[host_at] == '/' || addr[host_at + bad]) {
    vl_snprintf(err, errlen, "\"address\" must be a base URL of at most %d bytes (byte %zu)", HC_MAX_ADDRESS,
                host_at + bad);
    return VL_ERR_ARG;
  }
  const cJSON *ns = cJSON_GetObjectItemCaseSensitive(ps->creds, "namespace");
  if (ns && !cJSON_IsNull(ns)) {
    char t[HC_MAX_PART + 1];
    if (!cJSON_IsString(ns)) {
      vl_snprintf(err, errlen, "\"namespace\" must be a string");
      return VL_ERR_ARG;
    }
    trim_slashes(ns->valuestring, t, sizeof t);
    if (check_part("namespace", ns->valuestring, t, 1, err, errlen)) return VL_ERR_ARG;
  }
  const char *mode = vl_json_str(ps->creds, "namespaceMode");
  if (mode && strcmp(mode, "path") != 0 && strcmp(mode, "header") != 0) {
    vl_snprintf(err, errlen, "\"namespaceMode\" must be \"path\" or \"header\"");
    return VL_ERR_ARG;
  }
  const cJSON *mount = cJSON_GetObjectItemCaseSensitive(ps->creds, "mount");
  if (mount) {
    char t[HC_MAX_PART + 1];
    if (!cJSON_IsString(mount)) {
      vl_snprintf(err, errlen, "\"mount\" must be a string");
      return VL_ERR_ARG;
    }
    trim_slashes(mount->valuestring, t, sizeof t);
    if (check_part("mount", mount->valuestring, t, 0, err, errlen)) return VL_ERR_ARG;
  }
  const cJSON *ar = cJSON_GetObjectItemCaseSensitive(ps->creds, "approle");
  const cJSON *up = cJSON_GetObjectItemCaseSensitive(ps->creds, "userpass");
  const cJSON *jw = cJSON_GetObjectItemCaseSensitive(ps->creds, "jwt");
  const cJSON *tok = cJSON_GetObjectItemCaseSensitive(ps->creds, "token");
  int methods = (tok != NULL) + (ar != NULL) + (up != NULL) + (jw != NULL);
  if (methods != 1) {
    vl_snprintf(err, errlen, "exactly one of \"token\", \"approle\", \"userpass\", \"jwt\" is required (got %d)",
                methods);
    return VL_ERR_ARG;
  }
  if (tok && !(cJSON_IsString(tok) && nonempty(tok->valuestring))) {
    vl_snprintf(err, errlen, "\"token\" must be a non-empty string");
    return VL_ERR_ARG;
  }
  if (ar && !(nonempty(vl_json_str(ar, "roleId")) && vl_json_str(ar, "secretId"))) {
    vl_snprintf(err, errlen, "\"approle\" needs \"roleId\" and \"secretId\" (strings)");
    return VL_ERR_ARG;
  }
  if (up && !(nonempty(vl_json_str(up, "username")) && vl_json_str(up, "password"))) {
    vl_snprintf(err, errlen, "\"userpass\" needs \"username\" and \"password\" (strings)");
    return VL_ERR_ARG;
  }
  if (jw && !(nonempty(vl_json_str(jw, "role")) && nonempty(vl_json_str(jw, "jwt")))) {
    vl_snprintf(err, errlen, "\"jwt\" needs \"role\" and \"jwt\" (strings)");
    return VL_ERR_ARG;
  }
  const char *tv = tok ? tok->valuestring : NULL;
  for (size_t i = 0; tv && tv[i]; i++) {
    if ((unsigned char)tv[i] < 0x21 || (unsigned char)tv[i] > 0x7e) {
      vl_snprintf(err, errlen, "\"token\": byte %zu is not a visible ASCII character", i);
      return VL_ERR_ARG;
    }
  }
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(ps->creds, "expiresAt");
  if (exp && !cJSON_IsNull(exp) && !cJSON_IsNumber(exp)) {
    vl_snprintf(err, errlen, "\"expiresAt\" must be a number (ms since the epoch)");
    return VL_ERR_ARG;
  }
  /* Without "expiresAt" the lifetime is learned on the first fetch (lookup-self or the login's lease). */
  ps->expires_ms = cJSON_IsNumber(exp) ? (uint64_t)exp->valuedouble : 0;
  if (cJSON_IsNumber(exp) && ps->expires_ms <= now_ms) {
    vl_snprintf(err, errlen, "the credentials have already expired");
    return VL_ERR_EXPIRED;
  }
  return VL_OK;
}

/* ---------------------------------------------------------------- requests */

static cJSON *scratch(vl_pstate *ps) {
  if (!ps->scratch) ps->scratch = cJSON_CreateObject();
  return ps->scratch;
}

/* Appends s percent-encoded, keeping unreserved bytes and (when keep_slash) '/'. */
static void put_path(vl_buf *b, const char *s, int keep_slash) {
  static const char hex[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-_.~", c) ||
        (keep_slash && c == '/')) {
      vl_buf_put(b, &c, 1);
    } else {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      vl_buf_put(b, e, 3);
    }
  }
}

/* The namespace a request runs in: the credentials' then the link's ("a/b/" or ""). */
static void namespace_of(const vl_pstate *ps, const cJSON *params, char *out, size_t outlen) {
  char a[HC_MAX_PART + 1] = "";
  const char *cn = vl_json_str(ps->creds, "namespace");
  if (cn) trim_slashes(cn, a, sizeof a);
  const char *ln = params ? vl_json_str(params, "namespace") : NULL;
  vl_snprintf(out, outlen, "%s%s%s%s", a, *a ? "/" : "", ln ? ln : "", ln ? "/" : "");
}

static int header_mode(const vl_pstate *ps) {
  const char *m = vl_json_str(ps->creds, "namespaceMode");
  return m && strcmp(m, "header") == 0;
}

/* Builds a job to {address}/v1/{ns}{api}. api is already encoded. */
static vl_step_kind vault_job(vl_pstate *ps, vl_fetch *f, vl_step_out *out, const char *method, const char *ns,
                              const char *api, const char *token, const uint8_t *body, size_t body_len, int stage) {
  const char *addr = vl_json_str(ps->creds, "address");
  size_t al = strlen(addr);
  while (al && addr[al - 1] == '/') al--;
  int hdr = header_mode(ps) && *ns;
  vl_buf url;
  vl_buf_init(&url, 0);
  vl_buf_put(&url, addr, al);
  vl_buf_put_str(&url, "/v1/");
  if (!hdr) put_path(&url, ns, 1);
  vl_buf_put_str(&url, api);
  size_t ulen;
  char *u = (char *)vl_buf_take(&url, &ulen);
  if (!u) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "hashicorp: out of memory for %.120s", f->canonical);
  vl_job_begin(&out->job, method, u, (uint32_t)((token != NULL) + hdr + (body != NULL)));
  if (token) vl_job_header_str(&out->job, "X-Vault-Token", token);
  if (hdr) vl_job_header_str(&out->job, "X-Vault-Namespace", ns);
  if (body) vl_job_header_str(&out->job, "Content-Type", "application/json");
  vl_job_finish(&out->job, body, body_len);
  vl_free(u);
  if (out->job.failed)
    return vl_step_fail(out, VL_REASON_MISCONFIGURED, "hashicorp: could not build the request for %.120s",
                        f->canonical);
  f->stage = stage;
  return VL_STEP_JOB;
}

static const char *login_method(const vl_pstate *ps) {
  if (cJSON_GetObjectItemCaseSensitive(ps->creds, "approle")) return "approle";
  if (cJSON_GetObjectItemCaseSensitive(ps->creds, "userpass")) return "userpass";
  if (cJSON_GetObjectItemCaseSensitive(ps->creds, "jwt")) return "jwt";
  return NULL;
}

static vl_step_kind login_job(vl_pstate *ps, vl_fetch *f, const char *method, vl_step_out *out) {
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(ps->creds, method);
  const char *mount_raw = vl_json_str(ps->creds, "mount");
  char mount[HC_MAX_PART + 1];
  trim_slashes(mount_raw ? mount_raw : method, mount, sizeof mount);
  cJSON *body = cJSON_CreateObject();
  vl_buf api;
  vl_buf_init(&api, 0);
  vl_buf_put_str(&api, "auth/");
  put_path(&api, mount, 1);
  vl_buf_put_str(&api, "/login");
  if (strcmp(method, "approle") == 0) {
    cJSON_AddStringToObject(body, "role_id", vl_json_str(m, "roleId"));
    cJSON_AddStringToObject(body, "secret_id", vl_json_str(m, "secretId"));
  } else if (strcmp(method, "userpass") == 0) {
    vl_buf_put_str(&api, "/");
    put_path(&api, vl_json_str(m, "username"), 0);
    cJSON_AddStringToObject(body, "password", vl_json_str(m, "password"));
  } else {
    cJSON_AddStringToObject(body, "role", vl_json_str(m, "role"));
    cJSON_AddStringToObject(body, "jwt", vl_json_str(m, "jwt"));
  }
  char *text = vl_json_print(body);
  cJSON_Delete(body);
  size_t alen;
  char *a = (char *)vl_buf_take(&api, &alen);
  char ns[2 * HC_MAX_PART + 4];
  namespace_of(ps, NULL, ns, sizeof ns);
  vl_step_kind k;
  if (!text || !a)
    k = vl_step_fail(out, VL_REASON_MISCONFIGURED, "hashicorp: out of memory for %.120s", f->canonical);
  else
    k = vault_job(ps, f, out, "POST", ns, a, NULL, (const uint8_t *)text, strlen(text), STAGE_LOGIN);
  vl_free(text); /* the password / secret id: wiped */
  vl_free(a);
  return k;
}

static const char *client_token(const vl_pstate *ps) {
  const char *t = vl_json_str(ps->creds, "token");
  return t ? t : vl_json_str(ps->scratch, "token");
}

static void mount_key(const vl_pstate *ps, const cJSON *params, char *out, size_t outlen) {
  char ns[2 * HC_MAX_PART + 4];
  namespace_of(ps, params, ns, sizeof ns);
  vl_snprintf(out, outlen, "%s|%s", ns, vl_json_str(params, "engine"));
}

/* The KV version for this fetch: the link's override, the cached detection, or 0 (unknown). */
static int kv_version(const vl_pstate *ps, const cJSON *params) {
  const cJSON *kv = cJSON_GetObjectItemCaseSensitive(params, "kv");
  if (cJSON_IsNumber(kv)) return (int)kv->valuedouble;
  char key[3 * HC_MAX_PART];
  mount_key(ps, params, key, sizeof key);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ps->scratch, "mounts"), key);
  return cJSON_IsNumber(v) ? (int)v->valuedouble : 0;
}

static void remember_kv(vl_pstate *ps, const cJSON *params, int version) {
  char key[3 * HC_MAX_PART];
  mount_key(ps, params, key, sizeof key);
  cJSON *s = scratch(ps);
  cJSON *mounts = cJSON_GetObjectItemCaseSensitive(s, "mounts");
  if (!mounts) mounts = cJSON_AddObjectToObject(s, "mounts");
  if (!mounts) return;
  cJSON_DeleteItemFromObjectCaseSensitive(mounts, key);
  cJSON_AddNumberToObject(mounts, key, version);
}

static void forget_kv(vl_pstate *ps, const cJSON *params) {
  char key[3 * HC_MAX_PART];
  mount_key(ps, params, key, sizeof key);
  cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(ps->scratch, "mounts"), key);
}

/* The next job this fetch needs: login, token lookup, mount detection, read. */
static vl_step_kind next_job(vl_pstate *ps, vl_fetch *f, vl_step_out *out) {
  const char *method = login_method(ps);
  if (method && !vl_json_str(ps->scratch, "token")) return login_job(ps, f, method, out);
  char ns[2 * HC_MAX_PART + 4];
  const char *token = client_token(ps);
  if (!method && !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ps->creds, "expiresAt")) &&
      !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ps->scratch, "lookedUp"))) {
    namespace_of(ps, NULL, ns, sizeof ns);
    return vault_job(ps, f, out, "GET", ns, "auth/token/lookup-self", token, NULL, 0, STAGE_LOOKUP);
  }
  namespace_of(ps, f->params, ns, sizeof ns);
  int kv = kv_version(ps, f->params);
  vl_buf api;
  vl_buf_init(&api, 0);
  if (!kv) {
    vl_buf_put_str(&api, "sys/internal/ui/mounts/");
    put_path(&api, vl_json_str(f->params, "engine"), 1);
    vl_buf_put_str(&api, "/");
    put_path(&api, vl_json_str(f->params, "path"), 1);
  } else {
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(f->params, "version");
    if (kv == 1 && ver) {
      vl_buf_free(&api);
      return vl_step_fail(out, VL_REASON_MISCONFIGURED, "hashicorp: engine is KV v1, which has no versions, for %.120s",
                          f->canonical);
    }
    put_path(&api, vl_json_str(f->params, "engine"), 1);
    vl_buf_put_str(&api, kv == 2 ? "/data/" : "/");
    put_path(&api, vl_json_str(f->params, "path"), 1);
    if (ver) {
      char q[32];
      vl_snprintf(q, sizeof q, "?version=%ld", (long)ver->valuedouble);
      vl_buf_put_str(&api, q);
    }
  }
  size_t alen;
  char *a = (char *)vl_buf_take(&api, &alen);
  vl_step_kind k = a ? vault_job(ps, f, out, "GET", ns, a, token, NULL, 0, kv ? STAGE_READ : STAGE_MOUNT)
                     : vl_step_fail(out, VL_REASON_MISCONFIGURED, "hashicorp: out of memory for %.120s", f->canonical);
  vl_free(a);
  return k;
}

/* ---------------------------------------------------------------- responses */

/* 1 if any of the body's "errors" strings contains needle. */
static int errors_contain(const cJSON *body, const char *needle) {
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(body, "errors")) {
    if (cJSON_IsString(e) && vl_strstr(e->valuestring, needle)) return 1;
  }
  return 0;
}

/* Vault's error taxonomy (providers.md §3.3). what: "read", "login", … */
static vl_step_kind fail_status(const vl_fetch *f, uint32_t status, const vl_request *resp, const cJSON *body,
                                const char *what, vl_step_out *out) {
  const char *c = f->canonical;
  if (status == 403) {
    if (errors_contain(body, "invalid token")) /* past its expiry, the engine calls it reauth_required */
      return vl_step_fail(out, VL_REASON_CREDENTIALS_REJECTED,
                          "hashicorp: token invalid, revoked or expired (HTTP 403) on %s for %.120s", what, c);
    if (!cJSON_IsObject(body))
      return vl_step_fail(
          out, VL_REASON_PERMISSION_DENIED,
          "hashicorp: refused with an empty body (HTTP 403; origin not allowed by CORS?) on %s for %.120s", what, c);
    return vl_step_fail(out, VL_REASON_PERMISSION_DENIED, "hashicorp: permission denied (HTTP 403) on %s for %.120s",
                        what, c);
  }
  if (status == 404)
    return vl_step_fail(out, VL_REASON_NOT_FOUND, "hashicorp: no secret (HTTP 404) on %s for %.120s", what, c);
  if (status == 429) {
    char buf[40], after[64] = "";
    const char *ra = vl_quote_retry_after(vl_resp_header(resp, "retry-after"), buf, sizeof buf);
    if (ra) vl_snprintf(after, sizeof after, ", retry after %s", ra);
    return vl_step_fail(out, VL_REASON_THROTTLED, "hashicorp: rate limit quota exceeded (HTTP 429%s) on %s for %.120s",
                        after, what, c);
  }
  if (status == 503 && errors_contain(body, "sealed"))
    return vl_step_fail(out, VL_REASON_UNREACHABLE, "hashicorp: vault is sealed (HTTP 503) on %s for %.120s", what, c);
  if (status >= 500 || status == 412 || status == 472 || status == 473)
    return vl_step_fail(out, VL_REASON_UNREACHABLE, "hashicorp: server unavailable (HTTP %u) on %s for %.120s",
                        (unsigned)status, what, c);
  return vl_step_fail(out, VL_REASON_MISCONFIGURED, "hashicorp: request refused (HTTP %u) on %s for %.120s",
                      (unsigned)status, what, c);
}

static uint64_t seconds_after(uint64_t now_ms, double seconds) {
  return seconds > 0 && seconds < 1e12 ? now_ms + (uint64_t)(seconds * 1000.0) : 0;
}

static vl_step_kind on_login(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, const cJSON *body,
                             uint64_t now_ms, vl_step_out *out) {
  if (status == 400)
    /* Vault answers a refused login with 400 ("invalid role or secret ID",
     * "invalid username or password", a JWT claim error): these credentials
     * cannot be used. */
    return vl_step_fail(out, VL_REASON_CREDENTIALS_REJECTED, "hashicorp: %s login refused (HTTP 400) for %.120s",
                        login_method(ps), f->canonical);
  if (status != 200) return fail_status(f, status, resp, body, "login", out);
  const cJSON *auth = cJSON_GetObjectItemCaseSensitive(body, "auth");
  const char *tok = vl_json_str(auth, "client_token");
  if (!tok || !*tok)
    return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE,
                        "hashicorp: login answer without auth.client_token for %.120s", f->canonical);
  cJSON *s = scratch(ps);
  if (!s) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "hashicorp: out of memory for %.120s", f->canonical);
  cJSON_DeleteItemFromObjectCaseSensitive(s, "token");
  cJSON_AddStringToObject(s, "token", tok);
  const cJSON *ld = cJSON_GetObjectItemCaseSensitive(auth, "lease_duration");
  uint64_t exp = cJSON_IsNumber(ld) ? seconds_after(now_ms, ld->valuedouble) : 0;
  if (exp && (!ps->expires_ms || exp < ps->expires_ms)) ps->expires_ms = exp;
  return next_job(ps, f, out);
}

static vl_step_kind on_lookup(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, const cJSON *body,
                              uint64_t now_ms, vl_step_out *out) {
  if (status == 403 && errors_contain(body, "invalid token"))
    return fail_status(f, status, resp, body, "token lookup", out);
  if (status >= 500 || status == 429) return fail_status(f, status, resp, body, "token lookup", out);
  cJSON *s = scratch(ps);
  if (!s) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "hashicorp: out of memory for %.120s", f->canonical);
  if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "lookedUp"))) cJSON_AddTrueToObject(s, "lookedUp");
  /* A policy without lookup-self (403) leaves the token's lifetime unknown: go on without one. */
  const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(body, "data"), "ttl");
  uint64_t exp = status == 200 && cJSON_IsNumber(ttl) ? seconds_after(now_ms, ttl->valuedouble) : 0;
  if (exp && (!ps->expires_ms || exp < ps->expires_ms)) ps->expires_ms = exp;
  return next_job(ps, f, out);
}

/* Vault's built-in secrets engines: the mount types a detail may name. */
static const char *const MOUNT_TYPES[] = {
    "kv",           "generic",  "pki",     "transit",   "database",  "aws",        "azure",
    "gcp",          "gcpkms",   "ssh",     "totp",      "ldap",      "openldap",   "ad",
    "kmip",         "consul",   "nomad",   "rabbitmq",  "transform", "kubernetes", "terraform",
    "mongodbatlas", "alicloud", "keymgmt", "cubbyhole", "identity",  "system",     NULL};

static vl_step_kind on_mount(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, const cJSON *body,
                             vl_step_out *out) {
  int version;
  if (status == 404) {
    version = 1; /* a server without the endpoint predates KV v2 (the Vault CLI's rule) */
  } else if (status != 200) {
    return fail_status(f, status, resp, body, "mount detection", out);
  } else {
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(body, "data");
    const char *type = vl_json_str(data, "type");
    if (!type)
      return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE,
                          "hashicorp: mount detection answer without data.type for %.120s", f->canonical);
    if (strcmp(type, "kv") != 0 && strcmp(type, "generic") != 0) {
      const char *known = vl_quote_enum(type, MOUNT_TYPES);
      return vl_step_fail(out, VL_REASON_MISCONFIGURED, "hashicorp: engine is a %s%s%s mount, not KV, for %.120s",
                          known == type ? "\"" : "", known, known == type ? "\"" : "", f->canonical);
    }
    const char *ov = vl_json_str(cJSON_GetObjectItemCaseSensitive(data, "options"), "version");
    version = ov && strcmp(ov, "2") == 0 ? 2 : 1;
  }
  remember_kv(ps, f->params, version);
  if (kv_version(ps, f->params) != version)
    return vl_step_fail(out, VL_REASON_MISCONFIGURED, "hashicorp: could not record the KV version for %.120s",
                        f->canonical);
  return next_job(ps, f, out);
}

/* key → value: a literal member name first, then a dot path. */
static const cJSON *select_key(const cJSON *map, const char *key) {
  const cJSON *hit = cJSON_GetObjectItemCaseSensitive(map, key);
  if (hit || !strchr(key, '.')) return hit;
  return vl_json_path(map, key);
}

/* A KV v2 version that exists but whose data is gone: deleted or destroyed. */
static int gone_version(const cJSON *data, const vl_fetch *f, vl_step_out *out) {
  const cJSON *md = cJSON_GetObjectItemCaseSensitive(data, "metadata");
  if (!cJSON_IsObject(md)) return 0;
  const cJSON *ver = cJSON_GetObjectItemCaseSensitive(md, "version");
  /* A version is a positive 32-bit integer; anything else reads as 0 (unknown). */
  long v =
      cJSON_IsNumber(ver) && ver->valuedouble >= 1 && ver->valuedouble <= 2147483647.0 ? (long)ver->valuedouble : 0;
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(md, "destroyed"))) {
    vl_step_fail(out, VL_REASON_DISABLED_AT_PROVIDER, "hashicorp: version %ld was destroyed (HTTP 404) for %.120s", v,
                 f->canonical);
    return 1;
  }
  const char *dt = vl_json_str(md, "deletion_time");
  if (dt && *dt) {
    vl_step_fail(out, VL_REASON_DISABLED_AT_PROVIDER, "hashicorp: version %ld was deleted at %s (HTTP 404) for %.120s",
                 v, vl_quote_rfc3339(dt), f->canonical);
    return 1;
  }
  return 0;
}

static vl_step_kind on_read(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, const cJSON *body,
                            uint64_t now_ms, vl_step_out *out) {
  int kv = kv_version(ps, f->params);
  const cJSON *data = cJSON_GetObjectItemCaseSensitive(body, "data");
  if (status == 404) {
    if (kv == 2 && gone_version(data, f, out)) return VL_STEP_FAIL;
    const cJSON *w;
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(body, "warnings")) {
      if (cJSON_IsString(w) && vl_strstr(w->valuestring, "Invalid path for a versioned K/V")) {
        forget_kv(ps, f->params);
        return vl_step_fail(out, VL_REASON_MISCONFIGURED,
                            "hashicorp: the engine is KV v2 but was read as KV v1 (HTTP 404) for %.120s", f->canonical);
      }
    }
  }
  if (status != 200) return fail_status(f, status, resp, body, "read", out);
  const cJSON *map = kv == 2 ? cJSON_GetObjectItemCaseSensitive(data, "data") : data;
  if (kv == 2 && cJSON_IsNull(map) && gone_version(data, f, out)) return VL_STEP_FAIL;
  if (!cJSON_IsObject(map))
    return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "hashicorp: answer without %s for %.120s",
                        kv == 2 ? "data.data" : "data", f->canonical);
  const char *key = vl_json_str(f->params, "key");
  const cJSON *val = key ? select_key(map, key) : map;
  if (!val)
    return vl_step_fail(out, VL_REASON_KEY_NOT_FOUND, "hashicorp: key \"%.60s\" not in the secret %.120s", key,
                        f->canonical);
  if (cJSON_IsString(val)) {
    out->value_len = strlen(val->valuestring);
    out->value = vl_memdup(val->valuestring, out->value_len);
  } else {
    /* A number or object as the provider wrote it, digit for digit. */
    if (vl_json_source(resp->body.p, resp->body.n, body, val, &out->value, &out->value_len) != VL_OK) out->value = NULL;
  }
  if (!out->value) {
    out->value_len = 0;
    return vl_step_fail(out, VL_REASON_MISCONFIGURED, "hashicorp: out of memory for %.120s", f->canonical);
  }
  const cJSON *ld = cJSON_GetObjectItemCaseSensitive(body, "lease_duration");
  out->expires_ms = cJSON_IsNumber(ld) ? seconds_after(now_ms, ld->valuedouble) : 0;
  return VL_STEP_VALUE;
}

static vl_step_kind hc_step(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, uint64_t now_ms,
                            vl_step_out *out) {
  if (!resp) return next_job(ps, f, out);
  cJSON *body = resp->body.n ? cJSON_ParseWithLength((const char *)resp->body.p, resp->body.n) : NULL;
  vl_step_kind k;
  if (status == 200 && !cJSON_IsObject(body))
    k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "hashicorp: answer is not a JSON object (HTTP 200) for %.120s",
                     f->canonical);
  else if (f->stage == STAGE_LOGIN)
    k = on_login(ps, f, status, resp, body, now_ms, out);
  else if (f->stage == STAGE_LOOKUP)
    k = on_lookup(ps, f, status, resp, body, now_ms, out);
  else if (f->stage == STAGE_MOUNT)
    k = on_mount(ps, f, status, resp, body, out);
  else
    k = on_read(ps, f, status, resp, body, now_ms, out);
  cJSON_Delete(body); /* wiping hooks: the parsed secret map is zeroed */
  return k;
}

/* ---------------------------------------------------------------- verify */

/* "NAME, policies a, b": display_name and up to 8 policies, each validated. */
static void identity_of(const cJSON *obj, const char *name_member, char *out, size_t n) {
  const char *dn = vl_json_str(obj, name_member);
  size_t at =
      (size_t)vl_snprintf(out, n, "%s", dn ? (vl_valid_plain_name(dn, strlen(dn)) ? dn : VL_UNEXPECTED) : "token");
  const cJSON *p;
  int count = 0;
  cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(obj, "policies")) {
    if (count == 8 || at >= n) break;
    const char *name = cJSON_IsString(p) && vl_valid_plain_name(p->valuestring, strlen(p->valuestring)) ? p->valuestring
                                                                                                        : VL_UNEXPECTED;
    at += (size_t)vl_snprintf(out + at, n - at, "%s%s", count++ ? ", " : ", policies ", name);
  }
}

/* token: auth/token/lookup-self (learns the ttl too); a login method: the
 * login itself (its token is kept for the fetches, as a first fetch would). */
static vl_step_kind hc_verify(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, uint64_t now_ms,
                              vl_step_out *out) {
  const char *method = login_method(ps);
  char ns[2 * HC_MAX_PART + 4];
  if (!resp) {
    if (method) return login_job(ps, f, method, out);
    namespace_of(ps, NULL, ns, sizeof ns);
    return vault_job(ps, f, out, "GET", ns, "auth/token/lookup-self", client_token(ps), NULL, 0, STAGE_LOOKUP);
  }
  cJSON *body = resp->body.n ? cJSON_ParseWithLength((const char *)resp->body.p, resp->body.n) : NULL;
  vl_step_kind k;
  char id[300];
  if (f->stage == STAGE_LOGIN && status == 400) {
    k = vl_step_fail(out, VL_REASON_CREDENTIALS_REJECTED, "hashicorp: %s login refused (HTTP 400)", method);
  } else if (status == 403 && f->stage == STAGE_LOOKUP && cJSON_IsObject(body) &&
             !errors_contain(body, "invalid token")) {
    /* A valid token whose policy does not allow lookup-self: it exists, but who it is stays unknown. */
    k = vl_verify_ok(out, "(lookup-self not allowed by the token's policy)", "vault:token/lookup-self");
  } else if (status != 200) {
    k = fail_status(f, status, resp, body, f->stage == STAGE_LOGIN ? "login" : "token lookup", out);
  } else if (f->stage == STAGE_LOGIN) {
    const cJSON *auth = cJSON_GetObjectItemCaseSensitive(body, "auth");
    const char *tok = vl_json_str(auth, "client_token");
    cJSON *s = scratch(ps);
    if (!tok || !*tok || !s) {
      k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "hashicorp: login answer without auth.client_token");
    } else {
      cJSON_DeleteItemFromObjectCaseSensitive(s, "token");
      cJSON_AddStringToObject(s, "token", tok);
      const cJSON *ld = cJSON_GetObjectItemCaseSensitive(auth, "lease_duration");
      uint64_t exp = cJSON_IsNumber(ld) ? seconds_after(now_ms, ld->valuedouble) : 0;
      if (exp && (!ps->expires_ms || exp < ps->expires_ms)) ps->expires_ms = exp;
      identity_of(auth, "display_name", id, sizeof id);
      char how[64];
      vl_snprintf(how, sizeof how, "vault:%s login", method);
      k = vl_verify_ok(out, id, how);
    }
  } else {
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(body, "data");
    cJSON *s = scratch(ps);
    if (!cJSON_IsObject(data) || !s) {
      k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "hashicorp: lookup-self answer without data");
    } else {
      if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "lookedUp"))) cJSON_AddTrueToObject(s, "lookedUp");
      const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(data, "ttl");
      uint64_t exp = cJSON_IsNumber(ttl) ? seconds_after(now_ms, ttl->valuedouble) : 0;
      if (exp && (!ps->expires_ms || exp < ps->expires_ms)) ps->expires_ms = exp;
      identity_of(data, "display_name", id, sizeof id);
      k = vl_verify_ok(out, id, "vault:token/lookup-self");
    }
  }
  cJSON_Delete(body);
  return k;
}

const vl_provider_ops vl_provider_hashicorp = {VL_PROVIDER_HASHICORP, hc_parse, hc_connect, hc_step, hc_verify};
