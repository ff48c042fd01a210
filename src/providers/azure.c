/*
 * Azure Key Vault — Get Secret (providers.md §2).
 *
 * Link: {"provider":"azure","azure":{"secretId":"https://{vault}.vault.azure.net/secrets/{name}[/{version}]"}}
 *   or the identifier URL as shorthand (a known Key Vault DNS suffix is then
 *   required: vault.azure.net, vault.azure.cn, vault.usgovcloudapi.net,
 *   vault.microsoftazure.de).
 * Credentials: {"accessToken","expiresAt"? (ms),"tenantId"?,"endpoint"?}.
 *   "endpoint" replaces scheme://host of every request (emulators, proxies);
 *   the identifier's host stays the subject of the challenge's resource check.
 *   Where the token goes: to "endpoint" when connect gave one, else only to a
 *   host under a known Key Vault suffix (the table CLOUDS). A link to any
 *   other host (an object-form secretId may name one) is not fetched and
 *   stays misconfigured: a shared link cannot collect the token, whatever
 *   resource that host's challenge claims.
 *   Lifetime: "expiresAt", else one day (as Postman), and never past the
 *   token's own "exp" when it is a JWT. A JWT for another audience than Key
 *   Vault is refused at connect, naming the audience it has.
 *
 * The flow follows the SDK's challenge policy (keyVaultAuthenticationPolicy):
 * the first request to a vault host goes without a token; its 401 challenge
 * names the tenant and the resource, the request host must end with
 * "." + the resource host, and only then the token is sent. What a host's
 * challenge said is kept in the provider scratch, so later requests to it
 * carry the token at once. A 401 to a request that carried the token means
 * a fresh token is needed (expired, revoked, wrong tenant or a CAE claims
 * challenge): reauth_required, naming tenant and scope.
 */
#include "providers/azure.h"

#include <string.h>

#include "fmt.h"
#include "mem.h"
#include "providers/provider.h"
#include "providers/quote.h"

#define AZURE_DEFAULT_LIFETIME_MS ((uint64_t)24 * 3600 * 1000)

enum { STAGE_CHALLENGE = 1, STAGE_GET = 2 };

/* ---------------------------------------------------------------- identifiers */

static const struct {
  const char *suffix, *authority;
} CLOUDS[] = {
    {"vault.azure.net", "login.microsoftonline.com"},
    {"vault.azure.cn", "login.chinacloudapi.cn"},
    {"vault.usgovcloudapi.net", "login.microsoftonline.us"},
    {"vault.microsoftazure.de", "login.microsoftonline.de"},
};
static const char *const HSM_SUFFIXES[] = {"managedhsm.azure.net", "managedhsm.chinacloudapi.cn",
                                           "managedhsm.usgovcloudapi.net"};

static char lower(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* host ends with "." + suffix */
static int has_dot_suffix(const char *host, const char *suffix) {
  size_t h = strlen(host), s = strlen(suffix);
  return h > s + 1 && host[h - s - 1] == '.' && strcmp(host + h - s, suffix) == 0;
}

static int ieq_prefix(const char *s, const char *prefix) {
  for (; *prefix; s++, prefix++)
    if (lower(*s) != *prefix) return 0;
  return 1;
}

static vl_status id_error(char *err, size_t errlen, const char *what, size_t pos) {
  vl_snprintf(err, errlen, "secretId: %s (byte %zu)", what, pos);
  return VL_ERR_REFERENCE;
}

/* Checks the vault-name rules on the host's first label. */
static vl_status check_vault_name(const char *host, char *err, size_t errlen, size_t host_pos) {
  size_t n = strcspn(host, ".");
  if (n < 3 || n > 24) return id_error(err, errlen, "the vault name must be 3-24 characters", host_pos);
  if (!((host[0] >= 'a' && host[0] <= 'z')))
    return id_error(err, errlen, "the vault name must start with a letter", host_pos);
  if (host[n - 1] == '-')
    return id_error(err, errlen, "the vault name must end with a letter or digit", host_pos + n - 1);
  for (size_t i = 0; i < n; i++) {
    if (!is_alnum(host[i]) && host[i] != '-')
      return id_error(err, errlen, "the vault name allows only [0-9a-zA-Z-]", host_pos + i);
    if (host[i] == '-' && i && host[i - 1] == '-')
      return id_error(err, errlen, "the vault name cannot contain \"--\"", host_pos + i);
  }
  return VL_OK;
}

vl_status vl_azure_parse_id(const char *identifier, vl_azure_id *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  const char *s = identifier;
  size_t len = strlen(s);
  while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--; /* the SDK trims */
  size_t lead = 0;
  while (lead < len && (s[lead] == ' ' || s[lead] == '\t')) lead++;
  const char *p = s + lead, *end = s + len;
  size_t scheme = ieq_prefix(p, "https://") ? 8 : ieq_prefix(p, "http://") ? 7 : 0;
  if (!scheme) return id_error(err, errlen, "must be an https:// URL", lead);
  const char *host = p + scheme;
  const char *host_end = host;
  while (host_end < end && *host_end != '/' && *host_end != '?' && *host_end != '#') host_end++;
  size_t host_len = (size_t)(host_end - host);
  const char *port = memchr(host, ':', host_len);
  size_t name_len = port ? (size_t)(port - host) : host_len;
  if (name_len == 0 || name_len >= sizeof out->host) return id_error(err, errlen, "bad host", (size_t)(host - s));
  if (host_len + scheme >= sizeof out->vault_url) return id_error(err, errlen, "host too long", (size_t)(host - s));
  for (size_t i = 0; i < host_len; i++) {
    char c = host[i];
    if (!is_alnum(c) && c != '-' && c != '.' && c != '_' && !(c == ':' && host + i >= port))
      return id_error(err, errlen, "character not allowed in the host", (size_t)(host - s) + i);
  }
  for (size_t i = 0; i < name_len; i++) out->host[i] = lower(host[i]);
  vl_snprintf(out->vault_url, sizeof out->vault_url, "%.*s", (int)(scheme + host_len), p);
  for (size_t i = 0; i < scheme + name_len; i++) out->vault_url[i] = lower(out->vault_url[i]);
  /* Path: up to '?' or '#' (url.parse keeps the query apart; it is ignored). */
  const char *path = host_end, *path_end = path;
  while (path_end < end && *path_end != '?' && *path_end != '#') path_end++;
  const char *seg[5];
  size_t seglen[5], nseg = 0;
  const char *q = path;
  /* "".split("/") is [""]: a missing path is one segment. */
  for (;;) {
    const char *slash = q;
    while (slash < path_end && *slash != '/') slash++;
    if (nseg < 5) {
      seg[nseg] = q;
      seglen[nseg] = (size_t)(slash - q);
    }
    nseg++;
    if (slash >= path_end) break;
    q = slash + 1;
  }
  for (size_t i = 0; i < sizeof HSM_SUFFIXES / sizeof HSM_SUFFIXES[0]; i++)
    if (has_dot_suffix(out->host, HSM_SUFFIXES[i]))
      return id_error(err, errlen, "a Managed HSM pool holds keys only, not secrets", (size_t)(host - s));
  if (nseg != 3 && nseg != 4) {
    vl_snprintf(err, errlen, "secretId: bad number of path segments (%zu), expected /secrets/NAME[/VERSION]", nseg);
    return VL_ERR_REFERENCE;
  }
  if (!((seglen[1] == 7 && memcmp(seg[1], "secrets", 7) == 0) ||
        (seglen[1] == 14 && memcmp(seg[1], "deletedsecrets", 14) == 0)))
    return id_error(err, errlen, "path segment 1 must be \"secrets\" or \"deletedsecrets\"", (size_t)(seg[1] - s));
  vl_snprintf(out->collection, sizeof out->collection, "%.*s", (int)seglen[1], seg[1]);
  if (seglen[2] < 1 || seglen[2] > 127)
    return id_error(err, errlen, "the secret name must be 1-127 characters", (size_t)(seg[2] - s));
  for (size_t i = 0; i < seglen[2]; i++)
    if (!is_alnum(seg[2][i]) && seg[2][i] != '-')
      return id_error(err, errlen, "the secret name allows only [0-9a-zA-Z-]", (size_t)(seg[2] - s) + i);
  memcpy(out->name, seg[2], seglen[2]);
  if (nseg == 4) {
    out->has_version = 1;
    if (seglen[3] >= sizeof out->version) return id_error(err, errlen, "the version is too long", (size_t)(seg[3] - s));
    for (size_t i = 0; i < seglen[3]; i++)
      if (!is_alnum(seg[3][i]))
        return id_error(err, errlen, "the version allows only [0-9a-zA-Z]", (size_t)(seg[3] - s) + i);
    memcpy(out->version, seg[3], seglen[3]);
  }
  for (size_t i = 0; i < sizeof CLOUDS / sizeof CLOUDS[0]; i++) {
    if (has_dot_suffix(out->host, CLOUDS[i].suffix)) {
      out->suffix = CLOUDS[i].suffix;
      out->authority = CLOUDS[i].authority;
      if (strchr(out->host, '.') != out->host + strlen(out->host) - strlen(CLOUDS[i].suffix) - 1)
        return id_error(err, errlen, "the vault name cannot contain '.'", (size_t)(host - s));
      return check_vault_name(out->host, err, errlen, (size_t)(host - s));
    }
  }
  return VL_OK;
}

/* ---------------------------------------------------------------- the challenge */

static vl_status keep(char *dst, size_t cap, const char *v, size_t n) {
  if (n >= cap) return VL_ERR_LIMIT;
  memcpy(dst, v, n);
  dst[n] = 0;
  return VL_OK;
}

/* Stores one 'key="value"' part if its key is one the SDK keeps. */
static vl_status take_pair(vl_azure_challenge *c, const char *part, size_t n, int *have_authorization) {
  int quoted = 0; /* the SDK's /\w="/ */
  for (size_t i = 0; i + 2 < n; i++)
    if ((is_alnum(part[i]) || part[i] == '_') && part[i + 1] == '=' && part[i + 2] == '"') quoted = 1;
  if (!quoted) return VL_OK;
  const char *eq = memchr(part, '=', n);
  size_t klen = (size_t)(eq - part);
  const char *val = eq + 1;
  size_t vlen = n - klen - 1;
  /* .slice(1, -1): drop the first and the last character */
  if (vlen >= 2) {
    val++;
    vlen -= 2;
  } else {
    vlen = 0;
  }
#define KEY_IS(k) (klen == sizeof(k) - 1 && memcmp(part, k, klen) == 0)
  if (KEY_IS("authorization")) {
    *have_authorization = 1;
    return keep(c->authorization, sizeof c->authorization, val, vlen);
  }
  if (KEY_IS("authorization_uri") || KEY_IS("authorization_url")) {
    if (*have_authorization) return VL_OK;
    return keep(c->authorization, sizeof c->authorization, val, vlen);
  }
  if (KEY_IS("resource")) return keep(c->resource, sizeof c->resource, val, vlen);
  if (KEY_IS("scope")) return keep(c->scope, sizeof c->scope, val, vlen);
  if (KEY_IS("tenantId")) return keep(c->tenant_id, sizeof c->tenant_id, val, vlen);
  if (KEY_IS("claims")) return keep(c->claims, sizeof c->claims, val, vlen);
  if (KEY_IS("error")) return keep(c->error, sizeof c->error, val, vlen);
#undef KEY_IS
  return VL_OK;
}

/* The path of an absolute URL without its leading '/', or NULL if not a URL. */
static const char *url_path(const char *url, size_t *n) {
  const char *p = vl_strstr(url, "://");
  if (!p || p == url) return NULL;
  for (const char *c = url; c < p; c++)
    if (!is_alnum(*c) && *c != '+' && *c != '-' && *c != '.') return NULL;
  p += 3;
  size_t h = strcspn(p, "/?#");
  if (h == 0) return NULL;
  p += h;
  if (*p != '/') {
    *n = 0;
    return p;
  }
  p++;
  *n = strcspn(p, "?#");
  return p;
}

vl_status vl_azure_parse_challenge(const char *header, size_t len, vl_azure_challenge *out) {
  memset(out, 0, sizeof *out);
  int have_authorization = 0;
  size_t i = 0, start = 0;
  while (i <= len) {
    /* A delimiter is /,? +/: an optional comma, then at least one space. */
    size_t dlen = 0;
    if (i < len && header[i] == ' ') {
      dlen = 1;
    } else if (i + 1 < len && header[i] == ',' && header[i + 1] == ' ') {
      dlen = 2;
    }
    if (i == len || dlen) {
      if (i > start) {
        vl_status st = take_pair(out, header + start, i - start, &have_authorization);
        if (st) return st;
      }
      if (i == len) break;
      i += dlen;
      while (i < len && header[i] == ' ') i++;
      start = i;
      continue;
    }
    i++;
  }
  if (out->authorization[0] && have_authorization) {
    size_t n;
    const char *path = url_path(out->authorization, &n);
    if (!path) return VL_ERR_FORMAT;
    if (n && !out->tenant_id[0]) return keep(out->tenant_id, sizeof out->tenant_id, path, n);
  } else if (out->authorization[0] && !out->tenant_id[0]) {
    /* authorization_uri (CAE): https://login…/{tenant}/oauth2/authorize; report its first segment. */
    size_t n;
    const char *path = url_path(out->authorization, &n);
    if (path && n)
      keep(out->tenant_id, sizeof out->tenant_id, path, strcspn(path, "/?#") < n ? strcspn(path, "/?#") : n);
  }
  return VL_OK;
}

int vl_azure_challenge_scope(const vl_azure_challenge *c, char *out, size_t outlen) {
  int n;
  if (c->resource[0])
    n = vl_snprintf(out, outlen, "%s/.default", c->resource);
  else if (c->scope[0])
    n = vl_snprintf(out, outlen, "%s", c->scope);
  else
    return 0;
  return n > 0 && (size_t)n < outlen;
}

int vl_azure_resource_matches(const char *scope, const char *request_host) {
  const char *p = vl_strstr(scope, "://");
  if (!p || p == scope) return 0;
  p += 3;
  size_t h = strcspn(p, "/?#");
  const char *at = memchr(p, '@', h);
  if (at) {
    h -= (size_t)(at + 1 - p);
    p = at + 1;
  }
  const char *colon = memchr(p, ':', h);
  if (colon) h = (size_t)(colon - p);
  size_t r = strlen(request_host);
  if (h == 0 || r < h + 2 || request_host[r - h - 1] != '.') return 0;
  for (size_t i = 0; i < h; i++)
    if (lower(p[i]) != lower(request_host[r - h + i])) return 0;
  return 1;
}

/* ---------------------------------------------------------------- link and credentials */

static vl_status azure_parse(const cJSON *member, const char *shorthand, cJSON **params_out, char **canonical,
                             char *err, size_t errlen) {
  const char *sid = shorthand;
  if (shorthand && !ieq_prefix(shorthand, "https://")) {
    vl_snprintf(err, errlen, "not an Azure secret identifier");
    return VL_ERR_REFERENCE;
  }
  if (member) {
    sid = vl_json_str(member, "secretId");
    if (!sid) {
      vl_snprintf(err, errlen, "\"secretId\" (a string, the secret identifier URL) is required");
      return VL_ERR_REFERENCE;
    }
  }
  vl_azure_id id;
  vl_status st = vl_azure_parse_id(sid, &id, err, errlen);
  if (st) return st;
  if (shorthand && !id.suffix) {
    vl_snprintf(err, errlen, "not an Azure Key Vault host");
    return VL_ERR_REFERENCE;
  }
  if (!ieq_prefix(id.vault_url, "https://")) {
    vl_snprintf(err, errlen, "secretId: must be an https:// URL (byte 0)");
    return VL_ERR_REFERENCE;
  }
  if (strcmp(id.collection, "secrets") != 0) {
    vl_snprintf(err, errlen, "secretId: /deletedsecrets/… names a deleted secret; recover it, then link /secrets/NAME");
    return VL_ERR_REFERENCE;
  }
  cJSON *params = cJSON_CreateObject();
  if (!params) return VL_ERR_NOMEM;
  cJSON_AddStringToObject(params, "vaultUrl", id.vault_url);
  cJSON_AddStringToObject(params, "host", id.host);
  cJSON_AddStringToObject(params, "name", id.name);
  cJSON_AddStringToObject(params, "version", id.version);
  char c[512];
  vl_snprintf(c, sizeof c, "%s/secrets/%s%s%s", id.vault_url, id.name, id.version[0] ? "/" : "", id.version);
  *canonical = vl_memdup(c, strlen(c) + 1);
  if (!*canonical) {
    cJSON_Delete(params);
    return VL_ERR_NOMEM;
  }
  *params_out = params;
  return VL_OK;
}

/* The claims of an access token that is a JWT (its payload, base64url JSON),
 * or NULL for an opaque token. Read, not verified: the signature is Key
 * Vault's to check; the claims only let connect() refuse a token meant for
 * another service and learn when it expires. */
static cJSON *jwt_claims(const char *token) {
  const char *dot1 = strchr(token, '.');
  const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
  if (!dot2 || dot2 == dot1 + 1) return NULL;
  uint8_t *json = NULL;
  size_t json_len = 0;
  cJSON *claims = NULL;
  if (vl_base64_decode_lenient(dot1 + 1, (size_t)(dot2 - dot1 - 1), &json, &json_len) == VL_OK) {
    claims = cJSON_ParseWithLength((const char *)json, json_len);
    if (claims && !cJSON_IsObject(claims)) {
      cJSON_Delete(claims);
      claims = NULL;
    }
  }
  vl_free(json);
  return claims;
}

/* Key Vault's audiences: its resource URI in each cloud, or its app ID. */
static int key_vault_audience(const char *aud) {
  static const char *const known[] = {"https://vault.azure.net", "https://vault.azure.cn",
                                      "https://vault.usgovcloudapi.net", "https://vault.microsoftazure.de",
                                      "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"};
  if (!aud) return 0;
  size_t n = strlen(aud);
  if (n && aud[n - 1] == '/') n--;
  for (size_t i = 0; i < sizeof known / sizeof *known; i++)
    if (strlen(known[i]) == n && strncmp(aud, known[i], n) == 0) return 1;
  return 0;
}

/* Resources a token for another audience is commonly for (connect names them). */
static const char *const KNOWN_AUDIENCES[] = {"https://graph.microsoft.com",
                                              "https://graph.microsoft.com/",
                                              "https://graph.windows.net",
                                              "https://graph.windows.net/",
                                              "https://management.azure.com",
                                              "https://management.azure.com/",
                                              "https://management.core.windows.net",
                                              "https://management.core.windows.net/",
                                              "https://storage.azure.com",
                                              "https://storage.azure.com/",
                                              "https://database.windows.net",
                                              "https://database.windows.net/",
                                              "https://vault.azure.net",
                                              "https://vault.azure.cn",
                                              "https://vault.usgovcloudapi.net",
                                              "https://vault.microsoftazure.de",
                                              "https://managedhsm.azure.net",
                                              NULL};

/* Checks a JWT access token's "aud" and reads its "exp" (ms, 0 if none). */
static vl_status check_claims(const char *token, uint64_t *exp_ms, char *err, size_t errlen) {
  *exp_ms = 0;
  cJSON *claims = jwt_claims(token);
  if (!claims) return VL_OK; /* opaque: Key Vault decides */
  vl_status st = VL_OK;
  const cJSON *aud = cJSON_GetObjectItemCaseSensitive(claims, "aud");
  int ok = !aud;
  const char *named = aud && cJSON_IsString(aud) ? aud->valuestring : NULL;
  if (named) ok = key_vault_audience(named);
  const cJSON *a;
  if (cJSON_IsArray(aud)) cJSON_ArrayForEach(a, aud) ok |= cJSON_IsString(a) && key_vault_audience(a->valuestring);
  if (!ok) {
    /* The claims are the identity provider's text: name a known resource or a GUID only. */
    const char *known = named ? vl_quote_uuid_or_enum(named, KNOWN_AUDIENCES) : "(several)";
    int quoted = named && known == named;
    vl_snprintf(err, errlen,
                "\"accessToken\" is for audience %s%s%s, not Key Vault (sign in with the scope "
                "https://vault.azure.net/.default or user_impersonation)",
                quoted ? "\"" : "", known, quoted ? "\"" : "");
    st = VL_ERR_ARG;
  }
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
  if (!st && cJSON_IsNumber(exp) && exp->valuedouble > 0 && exp->valuedouble < 1e13)
    *exp_ms = (uint64_t)exp->valuedouble * 1000u;
  cJSON_Delete(claims);
  return st;
}

static vl_status azure_connect(vl_pstate *ps, uint64_t now_ms, char *err, size_t errlen) {
  const char *token = vl_json_str(ps->creds, "accessToken");
  if (!token || !*token) {
    vl_snprintf(err, errlen, "\"accessToken\" (a string, an Entra ID access token for Key Vault) is required");
    return VL_ERR_ARG;
  }
  for (const char *c = token; *c; c++) {
    if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e) {
      vl_snprintf(err, errlen, "\"accessToken\" contains a character not allowed in a header (byte %zu)",
                  (size_t)(c - token));
      return VL_ERR_ARG;
    }
  }
  if (strlen(token) > 16384) {
    vl_snprintf(err, errlen, "\"accessToken\" is longer than 16384 bytes");
    return VL_ERR_LIMIT;
  }
  const char *endpoint = vl_json_str(ps->creds, "endpoint");
  if (cJSON_GetObjectItemCaseSensitive(ps->creds, "endpoint") &&
      (!endpoint || !(ieq_prefix(endpoint, "https://") || ieq_prefix(endpoint, "http://")) || strlen(endpoint) > 200)) {
    vl_snprintf(err, errlen, "\"endpoint\" must be an http(s):// base URL of at most 200 bytes");
    return VL_ERR_ARG;
  }
  const cJSON *tenant = cJSON_GetObjectItemCaseSensitive(ps->creds, "tenantId");
  if (tenant && (!cJSON_IsString(tenant) || strlen(tenant->valuestring) > 100)) {
    vl_snprintf(err, errlen, "\"tenantId\" must be a string (a tenant id or domain)");
    return VL_ERR_ARG;
  }
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(ps->creds, "expiresAt");
  if (exp && !cJSON_IsNumber(exp)) {
    vl_snprintf(err, errlen, "\"expiresAt\" must be a number (ms since the epoch)");
    return VL_ERR_ARG;
  }
  uint64_t claimed = 0;
  vl_status st = check_claims(token, &claimed, err, errlen);
  if (st) return st;
  ps->expires_ms = exp ? (uint64_t)exp->valuedouble : now_ms + AZURE_DEFAULT_LIFETIME_MS;
  if (claimed && claimed < ps->expires_ms) ps->expires_ms = claimed; /* the token's own "exp" */
  if (ps->expires_ms <= now_ms) {
    vl_snprintf(err, errlen, "the access token has already expired");
    return VL_ERR_EXPIRED;
  }
  return VL_OK;
}

/* ---------------------------------------------------------------- requests */

/* 1 if host is a Key Vault host of a cloud this file knows. */
static int key_vault_host(const char *host) {
  for (size_t i = 0; i < sizeof CLOUDS / sizeof CLOUDS[0]; i++)
    if (has_dot_suffix(host, CLOUDS[i].suffix)) return 1;
  return 0;
}

/* The token goes to the connection's endpoint, or to Key Vault itself. */
static int token_may_go(const vl_pstate *ps, const vl_fetch *f) {
  return vl_json_str(ps->creds, "endpoint") != NULL || key_vault_host(vl_json_str(f->params, "host"));
}

static vl_step_kind outside_key_vault(vl_fetch *f, vl_step_out *out) {
  return vl_step_fail(out, VL_REASON_MISCONFIGURED,
                      "azure: the token was not sent: %.90s is not on a Key Vault host (*.vault.azure.net, "
                      "*.vault.azure.cn, …) and connect gave no \"endpoint\"",
                      f->canonical);
}

static vl_step_kind get_job(const vl_pstate *ps, vl_fetch *f, int with_token, vl_step_out *out) {
  const char *endpoint = vl_json_str(ps->creds, "endpoint");
  size_t n = endpoint ? strlen(endpoint) : 0;
  while (n && endpoint[n - 1] == '/') n--;
  const char *version = vl_json_str(f->params, "version");
  char url[600];
  /* The SDK's form: an empty version segment means the latest. */
  vl_snprintf(url, sizeof url, "%.*s/secrets/%s/%s?api-version=" VL_AZURE_API_VERSION, endpoint ? (int)n : 300,
              endpoint ? endpoint : vl_json_str(f->params, "vaultUrl"), vl_json_str(f->params, "name"), version);
  vl_job_begin(&out->job, "GET", url, with_token ? 2 : 1);
  vl_job_header_str(&out->job, "Accept", "application/json");
  if (with_token) {
    const char *token = vl_json_str(ps->creds, "accessToken");
    size_t tl = strlen(token);
    char *bearer = vl_alloc(tl + 8);
    if (!bearer) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "azure: out of memory for %.120s", f->canonical);
    vl_snprintf(bearer, tl + 8, "Bearer %s", token);
    vl_job_header(&out->job, "Authorization", (const uint8_t *)bearer, tl + 7);
    vl_free(bearer); /* wipes */
  }
  vl_job_finish(&out->job, NULL, 0);
  f->stage = with_token ? STAGE_GET : STAGE_CHALLENGE;
  return VL_STEP_JOB;
}

/* What a vault host's challenge said: {"tenant","scope"} in ps->scratch[host]. */
static const cJSON *learned(const vl_pstate *ps, const char *host) {
  return cJSON_GetObjectItemCaseSensitive(ps->scratch, host);
}

static void learn(vl_pstate *ps, const char *host, const char *tenant, const char *scope) {
  if (!ps->scratch) ps->scratch = cJSON_CreateObject();
  if (!ps->scratch) return;
  cJSON *e = cJSON_CreateObject();
  if (!e) return;
  cJSON_AddStringToObject(e, "tenant", tenant);
  cJSON_AddStringToObject(e, "scope", scope);
  cJSON_DeleteItemFromObjectCaseSensitive(ps->scratch, host);
  cJSON_AddItemToObject(ps->scratch, host, e);
}

/* ---------------------------------------------------------------- responses */

static int is_generic_tenant(const char *t) {
  return !*t || strcmp(t, "common") == 0 || strcmp(t, "organizations") == 0 || strcmp(t, "consumers") == 0;
}

static int ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (lower(*a) != lower(*b)) return 0;
  return *a == *b;
}

/* The scopes a challenge may name in a detail: Key Vault's and Managed HSM's in each cloud. */
static const char *const KNOWN_SCOPES[] = {"https://vault.azure.net/.default",
                                           "https://vault.azure.cn/.default",
                                           "https://vault.usgovcloudapi.net/.default",
                                           "https://vault.microsoftazure.de/.default",
                                           "https://vault.azure.net/user_impersonation",
                                           "https://managedhsm.azure.net/.default",
                                           "https://managedhsm.chinacloudapi.cn/.default",
                                           "https://managedhsm.usgovcloudapi.net/.default",
                                           NULL};

/* A tenant from a challenge as a detail shows it: a GUID or a generic tenant name. */
static const char *quote_tenant(const char *t) {
  static const char *const generic[] = {"common", "organizations", "consumers", NULL};
  return vl_quote_uuid_or_enum(t, generic);
}

/* Parses the response's challenge header; 0 if there is none. */
static int read_challenge(const vl_request *resp, vl_azure_challenge *c, vl_status *st) {
  const vl_slice *h = vl_resp_header(resp, "www-authenticate");
  if (!h) return 0;
  *st = vl_azure_parse_challenge((const char *)h->p, h->n, c);
  return 1;
}

/* The unauthenticated first request was challenged: check it, then send the token. */
static vl_step_kind on_challenge(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp,
                                 vl_step_out *out) {
  vl_azure_challenge c;
  vl_status st = VL_OK;
  char scope[600];
  if (!read_challenge(resp, &c, &st) || st || !vl_azure_challenge_scope(&c, scope, sizeof scope))
    return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE,
                        "azure: HTTP %u without a usable Bearer challenge (WWW-Authenticate) for %.120s",
                        (unsigned)status, f->canonical);
  const char *host = vl_json_str(f->params, "host");
  if (!vl_azure_resource_matches(scope, host))
    return vl_step_fail(out, VL_REASON_MISCONFIGURED,
                        "azure: challenge (HTTP %u) for %.90s names resource %.60s, which does not match the vault "
                        "host; the token was not sent",
                        (unsigned)status, f->canonical, vl_quote_enum(scope, KNOWN_SCOPES));
  const char *mine = vl_json_str(ps->creds, "tenantId");
  if (mine && !is_generic_tenant(mine) && !is_generic_tenant(c.tenant_id) && !ieq(mine, c.tenant_id))
    return vl_step_fail(out, VL_REASON_REAUTH_REQUIRED,
                        "azure: challenge (HTTP %u) for %.90s: the vault is in tenant %.40s, scope %.60s; the token is "
                        "for tenant %.40s",
                        (unsigned)status, f->canonical, quote_tenant(c.tenant_id), vl_quote_enum(scope, KNOWN_SCOPES),
                        mine);
  if (!token_may_go(ps, f)) return outside_key_vault(f, out);
  learn(ps, host, c.tenant_id, scope);
  return get_job(ps, f, 1, out);
}

/* Fields of {"error":{"code","message","innererror":{"code"}}}. */
static void error_codes(const cJSON *body, char *code, size_t codelen, char *inner, size_t innerlen, char *msg,
                        size_t msglen) {
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(body, "error");
  const char *c = vl_json_str(e, "code");
  const char *i = vl_json_str(cJSON_GetObjectItemCaseSensitive(e, "innererror"), "code");
  const char *m = vl_json_str(e, "message");
  vl_snprintf(code, codelen, "%s", c ? c : "");
  vl_snprintf(inner, innerlen, "%s", i ? i : "");
  vl_snprintf(msg, msglen, "%s", m ? m : "");
}

/* Key Vault's error and inner error codes (providers.md §2.4 and the service's
 * documented codes): the ones a detail may name. */
static const char *const KNOWN_ERRORS[] = {"Unauthorized",
                                           "Forbidden",
                                           "NotFound",
                                           "SecretNotFound",
                                           "BadParameter",
                                           "BadRequest",
                                           "Conflict",
                                           "Throttled",
                                           "TooManyRequests",
                                           "InternalServerError",
                                           "ServiceUnavailable",
                                           "AccessDenied",
                                           "SecretDisabled",
                                           "ForbiddenByPolicy",
                                           "ForbiddenByFirewall",
                                           "ForbiddenByRbac",
                                           "ForbiddenByConnection",
                                           "TokenExpired",
                                           "VaultNotFound",
                                           "ObjectIsBeingDeleted",
                                           "ObjectIsDeletedButRecoverable",
                                           NULL};

static vl_step_kind on_refused(const vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp,
                               const cJSON *body, vl_step_out *out) {
  char code[64], inner[64], msg[256];
  error_codes(body, code, sizeof code, inner, sizeof inner, msg, sizeof msg);
  /* The inner code says more; a code we do not know is not quoted. */
  const char *known = vl_valid_enum(inner, strlen(inner), KNOWN_ERRORS) ? inner
                      : vl_valid_enum(code, strlen(code), KNOWN_ERRORS) ? code
                                                                        : NULL;
  int odd = !known && (inner[0] || code[0]);
  if (!known) known = odd ? VL_UNEXPECTED : "error";
  const char *unknown = odd ? "error code " : ""; /* "error code (unexpected value)" */
  if (status == 401) {
    vl_azure_challenge c;
    vl_status st = VL_OK;
    char scope[600] = "";
    int have = read_challenge(resp, &c, &st) && st == VL_OK;
    const cJSON *l = learned(ps, vl_json_str(f->params, "host"));
    if (!have || !vl_azure_challenge_scope(&c, scope, sizeof scope))
      vl_snprintf(scope, sizeof scope, "%s", vl_json_str(l, "scope") ? vl_json_str(l, "scope") : "");
    const char *tenant = have && c.tenant_id[0] ? c.tenant_id : vl_json_str(l, "tenant");
    const char *tq = tenant && *tenant ? quote_tenant(tenant) : "unknown";
    const char *sq = scope[0] ? vl_quote_enum(scope, KNOWN_SCOPES) : "unknown";
    if (have && strcmp(c.error, "insufficient_claims") == 0)
      return vl_step_fail(out, VL_REASON_REAUTH_REQUIRED,
                          "azure: CAE insufficient_claims (HTTP 401) for %.90s: token revoked or lacking claims; "
                          "sign in again, tenant %.40s, scope %.60s",
                          f->canonical, tq, sq);
    return vl_step_fail(out, VL_REASON_CREDENTIALS_REJECTED,
                        "azure: %s%.30s (HTTP 401) for %.90s: a fresh token is needed for tenant %.40s, scope %.60s",
                        unknown, known, f->canonical, tq, sq);
  }
  vl_reason why;
  const char *hint = "";
  if (status == 404) {
    why = VL_REASON_NOT_FOUND;
  } else if (status == 429) {
    why = VL_REASON_THROTTLED;
    hint = vl_resp_header(resp, "retry-after") ? " (Retry-After given)" : "";
  } else if (status == 403) {
    if (strcmp(inner, "SecretDisabled") == 0 || vl_strstr(msg, "disabled")) {
      why = VL_REASON_DISABLED_AT_PROVIDER;
      hint = ": the secret is disabled";
    } else if (vl_strstr(msg, "expired") || vl_strstr(msg, "not yet valid") || vl_strstr(msg, "not valid before")) {
      why = VL_REASON_DISABLED_AT_PROVIDER;
      hint = ": the secret is outside its activation (nbf) / expiry (exp) window";
    } else {
      why = VL_REASON_PERMISSION_DENIED;
      if (strcmp(inner, "ForbiddenByFirewall") == 0) hint = ": the vault's firewall refused this network";
    }
  } else if (status >= 500) {
    why = VL_REASON_UNREACHABLE;
  } else {
    why = VL_REASON_MISCONFIGURED;
  }
  vl_wipe(msg, sizeof msg);
  return vl_step_fail(out, why, "azure: %s%.40s (HTTP %u) for %.120s%s", unknown, known, (unsigned)status, f->canonical,
                      hint);
}

/* A nbf or exp claim as whole seconds for a message (rounded, clamped). */
static long long whole_seconds(double s) {
  if (!(s > -9e18)) return -9000000000000000000LL;
  if (s > 9e18) return 9000000000000000000LL;
  return (long long)(s < 0 ? s - 0.5 : s + 0.5);
}

static vl_step_kind on_secret(vl_fetch *f, const cJSON *body, uint64_t now_ms, vl_step_out *out) {
  const cJSON *value = cJSON_GetObjectItemCaseSensitive(body, "value");
  if (!cJSON_IsString(value))
    return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "azure: the answer has no \"value\" (HTTP 200) for %.120s",
                        f->canonical);
  const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(body, "attributes");
  const cJSON *enabled = cJSON_GetObjectItemCaseSensitive(attrs, "enabled");
  const cJSON *nbf = cJSON_GetObjectItemCaseSensitive(attrs, "nbf");
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(attrs, "exp");
  double now_s = (double)(uint64_t)(now_ms / 1000u); /* whole seconds, as nbf/exp */
  if (cJSON_IsFalse(enabled))
    return vl_step_fail(out, VL_REASON_DISABLED_AT_PROVIDER, "azure: the secret is disabled (HTTP 200) for %.120s",
                        f->canonical);
  if (cJSON_IsNumber(nbf) && nbf->valuedouble > now_s)
    return vl_step_fail(out, VL_REASON_DISABLED_AT_PROVIDER,
                        "azure: the secret is not valid before %lld (nbf, Unix seconds) for %.120s",
                        whole_seconds(nbf->valuedouble), f->canonical);
  if (cJSON_IsNumber(exp) && exp->valuedouble <= now_s)
    return vl_step_fail(out, VL_REASON_DISABLED_AT_PROVIDER,
                        "azure: the secret expired at %lld (exp, Unix seconds) for %.120s",
                        whole_seconds(exp->valuedouble), f->canonical);
  if (cJSON_IsNumber(exp) && exp->valuedouble < 1.8e16 / 1000.0) out->expires_ms = (uint64_t)exp->valuedouble * 1000u;
  out->value_len = strlen(value->valuestring);
  out->value = vl_memdup(value->valuestring, out->value_len);
  if (!out->value) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "azure: out of memory for %.120s", f->canonical);
  return VL_STEP_VALUE;
}

static vl_step_kind azure_step(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, uint64_t now_ms,
                               vl_step_out *out) {
  if (!resp) {
    if (!token_may_go(ps, f)) return outside_key_vault(f, out);
    return get_job(ps, f, learned(ps, vl_json_str(f->params, "host")) != NULL, out);
  }
  if (f->stage == STAGE_CHALLENGE && status == 401) return on_challenge(ps, f, status, resp, out);
  cJSON *body = cJSON_ParseWithLength((const char *)resp->body.p, resp->body.n);
  vl_step_kind k;
  if (status == 200)
    k = cJSON_IsObject(body) ? on_secret(f, body, now_ms, out)
                             : vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE,
                                            "azure: the answer is not JSON (HTTP 200) for %.120s", f->canonical);
  else
    k = on_refused(ps, f, status, resp, body, out);
  cJSON_Delete(body); /* wiping hooks: the parsed value is zeroed */
  return k;
}

/* The access token's claims (no request: Key Vault has no cheap identity
 * call): oid and upn (or appid for an application), validated. An opaque
 * token is not checked. */
static vl_step_kind azure_verify(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, uint64_t now_ms,
                                 vl_step_out *out) {
  (void)f;
  (void)status;
  (void)resp;
  (void)now_ms;
  cJSON *claims = jwt_claims(vl_json_str(ps->creds, "accessToken"));
  if (!claims) return vl_verify_ok(out, NULL, "none");
  const char *oid = vl_json_str(claims, "oid"), *upn = vl_json_str(claims, "upn");
  if (!upn) upn = vl_json_str(claims, "preferred_username");
  const char *app = vl_json_str(claims, "appid");
  char id[200];
  vl_snprintf(id, sizeof id, "oid %s%s%s", oid ? vl_quote_uuid_or_enum(oid, NULL) : "(none)",
              upn   ? ", upn "
              : app ? ", appid "
                    : "",
              upn   ? (vl_valid_upn(upn, strlen(upn)) ? upn : VL_UNEXPECTED)
              : app ? vl_quote_uuid_or_enum(app, NULL)
                    : "");
  cJSON_Delete(claims);
  return vl_verify_ok(out, id, "azure:token-claims");
}

const vl_provider_ops vl_provider_azure = {VL_PROVIDER_AZURE, azure_parse, azure_connect, azure_step, azure_verify};
