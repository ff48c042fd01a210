/*
 * 1Password over the Connect REST API (providers.md §4).
 *
 * Link: {"provider":"1password","1password":{"secretReference":"op://…"}} or
 *   the shorthand "op://…" (grammar: refs/onepassword.h).
 * Credentials: {"host":"http(s)://connect-host:8080","token":"<Connect token>",
 *   "expiresAt"?: ms since the epoch}. Postman treats a 1Password token as valid
 *   forever, so without "expiresAt" the credentials do not expire (a 401 from
 *   Connect still drops them: "reauthentication required").
 *
 * Requests (each with "Authorization: Bearer <token>"):
 *   vault by name  GET /v1/vaults?filter=name eq "<name>"   (then GET /v1/vaults
 *                  if the filter is refused or matches nothing, in case the
 *                  server compares case-sensitively or only knows "title eq")
 *   item by title  GET /v1/vaults/{vid}/items?filter=title eq "<title>"  (same
 *                  fallback to the unfiltered list)
 *   item           GET /v1/vaults/{vid}/items/{iid}
 *   file           GET /v1/vaults/{vid}/items/{iid}/files/{fid}/content
 * A vault or item written as a 26-character ID is used directly; if Connect
 * answers 404 it is looked up once more as a name. Names are compared
 * case-insensitively on the client; two matches are an error ("ambiguous").
 *
 * Names learned from Connect (vault name → ID, vault ID + item title → ID)
 * are remembered for OP_NAME_TTL_MS in the provider's state (sealed with the
 * credentials), so the next field of the same item costs one request. A
 * remembered ID that Connect answers 404 for is forgotten and the name looked
 * up again; resetCache() and disconnect() forget them all.
 */
#include "providers/onepassword.h"

#include <string.h>

#include "fmt.h"
#include "input_limits.h"
#include "mem.h"
#include "refs/onepassword.h"
#include "totp.h"

enum {
  STAGE_START = 0,
  STAGE_VAULT_FILTER = 1,
  STAGE_VAULT_LIST = 2,
  STAGE_ITEM_FILTER = 3,
  STAGE_ITEM_LIST = 4,
  STAGE_ITEM = 5,
  STAGE_FILE = 6
};

#define OP_MAX_TOKEN_BYTES 8192u
#define OP_MAX_HOST_BYTES 512u
#define OP_MAX_MATCHES 64u /* sections sharing one label */
#define OP_NAME_TTL_MS ((uint64_t)5 * 60 * 1000)
#define OP_MAX_NAMES 256 /* remembered names; the whole table is dropped when full */
#define OP_MAX_NAME_KEY 600u

/* ---------------------------------------------------------------- helpers */

static char lower(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int ieq(const char *a, const char *b) {
  if (!a || !b) return 0;
  for (; *a && *b; a++, b++)
    if (lower(*a) != lower(*b)) return 0;
  return *a == *b;
}

static char *part_dup(const vl_opref_part *p) {
  return p->p ? vl_memdup(p->p, p->n) : NULL;
}

/* ---------------------------------------------------------------- parsing */

static vl_status op_parse(const cJSON *member, const char *shorthand, cJSON **params_out, char **canonical, char *err,
                          size_t errlen) {
  const char *ref = shorthand;
  if (shorthand && !((shorthand[0] == 'o' || shorthand[0] == 'O') && (shorthand[1] == 'p' || shorthand[1] == 'P') &&
                     shorthand[2] == ':')) {
    vl_snprintf(err, errlen, "not an op:// reference");
    return VL_ERR_REFERENCE;
  }
  if (member) {
    ref = vl_json_str(member, "secretReference");
    if (!ref) {
      vl_snprintf(err, errlen, "\"secretReference\" (an op:// string) is required");
      return VL_ERR_REFERENCE;
    }
  }
  if (!ref) {
    vl_snprintf(err, errlen, "no reference");
    return VL_ERR_REFERENCE;
  }
  vl_opref r;
  vl_status st = vl_opref_parse(ref, strlen(ref), &r, err, errlen);
  if (st) return st;
  cJSON *params = cJSON_CreateObject();
  if (!params) return VL_ERR_NOMEM;
  const vl_opref_part *parts[4] = {&r.vault, &r.item, &r.section, &r.field};
  static const char *const keys[4] = {"vault", "item", "section", "field"};
  int ok = 1;
  for (size_t i = 0; i < 4; i++) {
    if (!parts[i]->p) continue;
    char *s = part_dup(parts[i]);
    ok = ok && s && cJSON_AddStringToObject(params, keys[i], s);
    vl_free(s);
  }
  if (r.attr_lc[0]) ok = ok && cJSON_AddStringToObject(params, "attribute", r.attr_lc);
  if (r.ssh_openssh) ok = ok && cJSON_AddTrueToObject(params, "openssh");
  *canonical = ok ? vl_memdup(ref, strlen(ref)) : NULL;
  if (!*canonical) {
    cJSON_Delete(params);
    return VL_ERR_NOMEM;
  }
  *params_out = params;
  return VL_OK;
}

/* ---------------------------------------------------------------- credentials */

static vl_status op_connect(vl_pstate *ps, uint64_t now_ms, char *err, size_t errlen) {
  const char *host = vl_json_str(ps->creds, "host");
  const char *token = vl_json_str(ps->creds, "token");
  if (!host || !token || !*token) {
    vl_snprintf(err, errlen, "\"host\" (the Connect server URL) and \"token\" (strings) are required");
    return VL_ERR_ARG;
  }
  if (strncmp(host, "http://", 7) != 0 && strncmp(host, "https://", 8) != 0) {
    vl_snprintf(err, errlen, "\"host\" must be an http:// or https:// URL (byte 0)");
    return VL_ERR_ARG;
  }
  if (strlen(host) > OP_MAX_HOST_BYTES || strlen(token) > OP_MAX_TOKEN_BYTES) {
    vl_snprintf(err, errlen, "\"host\" or \"token\" too long");
    return VL_ERR_LIMIT;
  }
  for (const char *c = token; *c; c++) {
    if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e) {
      vl_snprintf(err, errlen, "\"token\": byte %zu is not a visible ASCII character", (size_t)(c - token));
      return VL_ERR_ARG;
    }
  }
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(ps->creds, "expiresAt");
  if (exp && !cJSON_IsNumber(exp)) {
    vl_snprintf(err, errlen, "\"expiresAt\" must be a number (ms since the epoch)");
    return VL_ERR_ARG;
  }
  ps->expires_ms = exp ? (uint64_t)exp->valuedouble : 0; /* Connect tokens: no expiry unless told */
  if (exp && ps->expires_ms <= now_ms) {
    vl_snprintf(err, errlen, "the credentials have already expired");
    return VL_ERR_EXPIRED;
  }
  return VL_OK;
}

/* ---------------------------------------------------------------- requests */

/* A GET job for host + path (+ "?filter=<attr> eq \"<name>\"" when name). */
static vl_step_kind get_job(vl_pstate *ps, vl_fetch *f, int stage, const char *path, const char *filter_attr,
                            const char *name, vl_step_out *out) {
  const char *host = vl_json_str(ps->creds, "host");
  const char *token = vl_json_str(ps->creds, "token");
  size_t hn = strlen(host);
  while (hn && host[hn - 1] == '/') hn--;
  vl_buf url;
  vl_buf_init(&url, VL_MAX_URL_BYTES);
  vl_buf_put(&url, host, hn);
  vl_buf_put_str(&url, path);
  if (name) {
    vl_buf_put_str(&url, "?filter=");
    vl_buf_put_str(&url, filter_attr);
    vl_buf_put_str(&url, "%20eq%20%22");
    vl_buf_put_pct(&url, name);
    vl_buf_put_str(&url, "%22");
  }
  vl_buf_put(&url, "", 1);
  vl_buf auth;
  vl_buf_init(&auth, 0);
  vl_buf_put_str(&auth, "Bearer ");
  vl_buf_put_str(&auth, token);
  int ok = !url.failed && !auth.failed;
  if (ok) {
    vl_job_begin(&out->job, "GET", (const char *)url.p, 2);
    vl_job_header_str(&out->job, "Accept", stage == STAGE_FILE ? "*/*" : "application/json");
    vl_job_header(&out->job, "Authorization", auth.p, auth.len);
    vl_job_finish(&out->job, NULL, 0);
    ok = !out->job.failed;
  }
  vl_buf_free(&url);
  vl_buf_free(&auth); /* wipes the token copy */
  if (!ok)
    return vl_step_fail(out, VL_REASON_MISCONFIGURED, "1password: could not build the request for %.120s",
                        f->canonical);
  f->stage = stage;
  return VL_STEP_JOB;
}

static const char *scratch_str(const vl_fetch *f, const char *key) {
  return vl_json_str(f->scratch, key);
}

static void scratch_set(vl_fetch *f, const char *key, const char *value) {
  cJSON_DeleteItemFromObjectCaseSensitive(f->scratch, key);
  cJSON_AddStringToObject(f->scratch, key, value);
}

/* ---------------------------------------------------------------- remembered names */

/* The key for a vault name ("v:<name>") or an item title in a vault
 * ("i:<vid>:<title>"), lowercased as names compare. 0 if too long to keep. */
static int name_key(char *key, const char *vid, const char *name) {
  size_t at = 0;
  const char *parts[3] = {vid ? "i:" : "v:", vid ? vid : "", name};
  for (int p = 0; p < 3; p++) {
    for (const char *c = parts[p]; c && *c; c++) {
      if (at + 2 >= OP_MAX_NAME_KEY) return 0;
      key[at++] = lower(*c);
    }
    if (p == 1 && vid) key[at++] = ':';
  }
  key[at] = 0;
  return 1;
}

static const char *names_get(vl_pstate *ps, const char *key, uint64_t now_ms) {
  cJSON *names = cJSON_GetObjectItemCaseSensitive(ps->scratch, "names");
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(names, key);
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(e, "exp");
  if (!e) return NULL;
  if (!cJSON_IsNumber(exp) || (double)now_ms >= exp->valuedouble) {
    cJSON_DeleteItemFromObjectCaseSensitive(names, key);
    return NULL;
  }
  return vl_json_str(e, "id");
}

static void names_put(vl_pstate *ps, const char *key, const char *id, uint64_t now_ms) {
  if (!ps->scratch) ps->scratch = cJSON_CreateObject();
  cJSON *names = cJSON_GetObjectItemCaseSensitive(ps->scratch, "names");
  if (names && cJSON_GetArraySize(names) >= OP_MAX_NAMES) {
    cJSON_DeleteItemFromObjectCaseSensitive(ps->scratch, "names");
    names = NULL;
  }
  if (!names) names = cJSON_AddObjectToObject(ps->scratch, "names");
  cJSON *e = cJSON_CreateObject();
  if (!names || !e || !cJSON_AddStringToObject(e, "id", id) ||
      !cJSON_AddNumberToObject(e, "exp", (double)(now_ms + OP_NAME_TTL_MS))) {
    cJSON_Delete(e);
    return; /* not remembered: looked up again next time */
  }
  cJSON_DeleteItemFromObjectCaseSensitive(names, key);
  cJSON_AddItemToObject(names, key, e);
}

static void names_drop(vl_pstate *ps, const char *key) {
  cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(ps->scratch, "names"), key);
}

static int flag(const vl_fetch *f, const char *name) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f->scratch, name));
}

static void set_flag(vl_fetch *f, const char *name, int on) {
  cJSON_DeleteItemFromObjectCaseSensitive(f->scratch, name);
  if (on) cJSON_AddTrueToObject(f->scratch, name);
}

static vl_step_kind vault_lookup(vl_pstate *ps, vl_fetch *f, vl_step_out *out) {
  cJSON_DeleteItemFromObjectCaseSensitive(f->scratch, "vid");
  return get_job(ps, f, STAGE_VAULT_FILTER, "/v1/vaults", "name", vl_json_str(f->params, "vault"), out);
}

static vl_step_kind item_lookup(vl_pstate *ps, vl_fetch *f, int list, vl_step_out *out) {
  char path[128];
  vl_snprintf(path, sizeof path, "/v1/vaults/%.40s/items", scratch_str(f, "vid"));
  return get_job(ps, f, list ? STAGE_ITEM_LIST : STAGE_ITEM_FILTER, path, "title",
                 list ? NULL : vl_json_str(f->params, "item"), out);
}

static vl_step_kind item_get(vl_pstate *ps, vl_fetch *f, vl_step_out *out) {
  char path[160];
  vl_snprintf(path, sizeof path, "/v1/vaults/%.40s/items/%.40s", scratch_str(f, "vid"), scratch_str(f, "iid"));
  return get_job(ps, f, STAGE_ITEM, path, NULL, NULL, out);
}

/* Once the vault id is known: the item directly by ID, by a remembered
 * title, or by looking the title up. */
static vl_step_kind after_vault(vl_pstate *ps, vl_fetch *f, uint64_t now_ms, vl_step_out *out) {
  const char *item = vl_json_str(f->params, "item");
  if (vl_opref_is_id(item, strlen(item)) && !flag(f, "itemByName")) {
    scratch_set(f, "iid", item);
    return item_get(ps, f, out);
  }
  char key[OP_MAX_NAME_KEY];
  const char *iid = name_key(key, scratch_str(f, "vid"), item) ? names_get(ps, key, now_ms) : NULL;
  if (iid) {
    scratch_set(f, "iid", iid);
    set_flag(f, "itemRemembered", 1);
    return item_get(ps, f, out);
  }
  return item_lookup(ps, f, 0, out);
}

/* ---------------------------------------------------------------- responses */

static vl_step_kind http_fail(const vl_fetch *f, uint32_t status, const char *what, vl_step_out *out) {
  const char *c = f->canonical;
  switch (status) {
    case 401:
      return vl_step_fail(out, VL_REASON_CREDENTIALS_REJECTED,
                          "1password: Connect refused the token (HTTP 401) while reading the %s for %.120s", what, c);
    case 403:
      return vl_step_fail(out, VL_REASON_PERMISSION_DENIED,
                          "1password: the %s for %.120s is not in the token's scope (HTTP 403)", what, c);
    case 404: return vl_step_fail(out, VL_REASON_NOT_FOUND, "1password: %s not found (HTTP 404) for %.120s", what, c);
    case 429:
      return vl_step_fail(out, VL_REASON_THROTTLED, "1password: rate-limited (HTTP 429) reading the %s for %.120s",
                          what, c);
    default: break;
  }
  if (status >= 500)
    return vl_step_fail(out, VL_REASON_UNREACHABLE, "1password: Connect failed (HTTP %u) reading the %s for %.120s",
                        (unsigned)status, what, c);
  return vl_step_fail(out, VL_REASON_MISCONFIGURED, "1password: HTTP %u reading the %s for %.120s", (unsigned)status,
                      what, c);
}

static int too_deep(const cJSON *j, int d) {
  if (d > VL_MAX_JSON_DEPTH) return 1;
  for (const cJSON *c = j ? j->child : NULL; c; c = c->next)
    if (too_deep(c, d + 1)) return 1;
  return 0;
}

static cJSON *parse_body(const vl_request *resp) {
  cJSON *j = cJSON_ParseWithLength((const char *)resp->body.p, resp->body.n);
  if (j && too_deep(j, 1)) {
    cJSON_Delete(j);
    return NULL;
  }
  return j;
}

/* From a list of vaults (name) or item summaries (title): the one whose `key`
 * matches `want` case-insensitively. Returns the match count; *id the match. */
static int match_list(const cJSON *arr, const char *key, const char *want, const char **id) {
  int n = 0;
  *id = NULL;
  const cJSON *e;
  cJSON_ArrayForEach(e, arr) {
    if (!ieq(vl_json_str(e, key), want) || !vl_json_str(e, "id")) continue;
    const char *state = vl_json_str(e, "state");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "trashed")) || (state && strcmp(state, "DELETED") == 0))
      continue;
    if (n++ == 0) *id = vl_json_str(e, "id");
  }
  return n;
}

static vl_step_kind on_list(vl_pstate *ps, vl_fetch *f, const vl_request *resp, uint64_t now_ms, vl_step_out *out) {
  int vaults = f->stage == STAGE_VAULT_FILTER || f->stage == STAGE_VAULT_LIST;
  int filtered = f->stage == STAGE_VAULT_FILTER || f->stage == STAGE_ITEM_FILTER;
  const char *want = vl_json_str(f->params, vaults ? "vault" : "item");
  cJSON *body = parse_body(resp);
  if (!cJSON_IsArray(body)) {
    cJSON_Delete(body);
    return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "1password: the %s list is not a JSON array for %.120s",
                        vaults ? "vault" : "item", f->canonical);
  }
  const char *id;
  int n = match_list(body, vaults ? "name" : "title", want, &id);
  vl_step_kind k;
  if (n == 0 && filtered) {
    k = vaults ? get_job(ps, f, STAGE_VAULT_LIST, "/v1/vaults", NULL, NULL, out) : item_lookup(ps, f, 1, out);
  } else if (n == 0) {
    k = vl_step_fail(out, VL_REASON_NOT_FOUND, "1password: %s \"%.60s\" not found for %.120s",
                     vaults ? "vault" : "item", want, f->canonical);
  } else if (n > 1) {
    k = vl_step_fail(out, VL_REASON_MISCONFIGURED,
                     "1password: ambiguous: %d %s named \"%.60s\" for %.120s (use its ID)", n,
                     vaults ? "vaults" : "items", want, f->canonical);
  } else if (vaults) {
    char key[OP_MAX_NAME_KEY];
    if (name_key(key, NULL, want)) names_put(ps, key, id, now_ms);
    scratch_set(f, "vid", id);
    set_flag(f, "vaultByName", 1);
    k = after_vault(ps, f, now_ms, out);
  } else {
    char key[OP_MAX_NAME_KEY];
    if (name_key(key, scratch_str(f, "vid"), want)) names_put(ps, key, id, now_ms);
    scratch_set(f, "iid", id);
    k = item_get(ps, f, out);
  }
  cJSON_Delete(body);
  return k;
}

/* ---------------------------------------------------------------- item → value */

static const char *section_of(const cJSON *obj) {
  return vl_json_str(cJSON_GetObjectItemCaseSensitive(obj, "section"), "id");
}

typedef struct {
  const char *ids[OP_MAX_MATCHES];
  size_t n;
  int all; /* 3-part form: every section is in scope */
} scope;

static int in_scope(const scope *s, const cJSON *obj) {
  if (s->all) return 1;
  const char *sid = section_of(obj);
  for (size_t i = 0; sid && i < s->n; i++)
    if (strcmp(s->ids[i], sid) == 0) return 1;
  return 0;
}

static vl_step_kind value_out(vl_step_out *out, const char *s) {
  out->value_len = strlen(s);
  out->value = vl_memdup(s, out->value_len);
  if (!out->value) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "1password: out of memory");
  return VL_STEP_VALUE;
}

static int looks_otpauth(const char *v) {
  static const char scheme[] = "otpauth://";
  for (size_t i = 0; v && i < sizeof scheme - 1; i++)
    if (lower(v[i]) != scheme[i]) return 0;
  return v != NULL;
}

static vl_step_kind otp_value(const cJSON *field, const char *canonical, uint64_t now_ms, vl_step_out *out) {
  const char *type = vl_json_str(field, "type");
  const char *value = vl_json_str(field, "value");
  const char *totp = vl_json_str(field, "totp");
  if (!ieq(type, "OTP") && !ieq(type, "TOTP") && !looks_otpauth(value))
    return vl_step_fail(out, VL_REASON_MISCONFIGURED,
                        "1password: ?attribute=otp on a field that is not a one-time password for %.120s", canonical);
  char code[9], err[120];
  uint64_t until = 0;
  vl_status st = value ? vl_totp_from_uri(value, strlen(value), now_ms, code, &until, err, sizeof err) : VL_ERR_FORMAT;
  vl_step_kind k;
  if (totp && *totp) { /* Connect's own code for its current period */
    k = value_out(out, totp);
    out->expires_ms = st == VL_OK ? until : now_ms + 30000u - now_ms % 30000u;
  } else if (st) {
    k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "1password: %s for %.120s",
                     value ? err : "the one-time password field has no value", canonical);
  } else {
    k = value_out(out, code);
    out->expires_ms = until;
  }
  vl_wipe(code, sizeof code);
  return k;
}

static vl_step_kind openssh_value(const cJSON *field, const char *canonical, vl_step_out *out) {
  const cJSON *fmt =
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(field, "ssh_formats"), "openssh");
  const char *v = vl_json_str(fmt, "value");
  if (v) return value_out(out, v);
  v = vl_json_str(field, "value");
  if (v && strncmp(v, "-----BEGIN OPENSSH PRIVATE KEY-----", 35) == 0) return value_out(out, v);
  return vl_step_fail(out, VL_REASON_MISCONFIGURED,
                      "1password: ?ssh-format=openssh: the field has no OpenSSH form for %.120s", canonical);
}

static vl_step_kind field_value(const cJSON *field, const cJSON *params, const char *canonical, uint64_t now_ms,
                                vl_step_out *out) {
  const char *attr = vl_json_str(params, "attribute");
  if (!attr || strcmp(attr, "value") == 0) {
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(params, "openssh"))) return openssh_value(field, canonical, out);
    const char *v = vl_json_str(field, "value");
    return value_out(out, v ? v : "");
  }
  if (strcmp(attr, "otp") == 0 || strcmp(attr, "totp") == 0) return otp_value(field, canonical, now_ms, out);
  if (strcmp(attr, "type") == 0 || strcmp(attr, "purpose") == 0 || strcmp(attr, "id") == 0 ||
      strcmp(attr, "label") == 0 || strcmp(attr, "title") == 0) {
    const char *v = vl_json_str(field, strcmp(attr, "title") == 0 ? "label" : attr);
    return value_out(out, v ? v : "");
  }
  return vl_step_fail(out, VL_REASON_MISCONFIGURED, "1password: ?attribute=%s applies to files, not fields, for %.120s",
                      attr, canonical);
}

static vl_step_kind file_value(const cJSON *file, const cJSON *params, const char *canonical, vl_step_out *out,
                               char **file_id) {
  const char *attr = vl_json_str(params, "attribute");
  if (!attr || strcmp(attr, "content") == 0 || strcmp(attr, "value") == 0) {
    const char *id = vl_json_str(file, "id");
    *file_id = id ? vl_memdup(id, strlen(id)) : NULL;
    if (!*file_id) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "1password: out of memory");
    return VL_STEP_JOB;
  }
  if (strcmp(attr, "name") == 0 || strcmp(attr, "id") == 0)
    return value_out(out, vl_json_str(file, attr) ? vl_json_str(file, attr) : "");
  if (strcmp(attr, "size") == 0) {
    const cJSON *sz = cJSON_GetObjectItemCaseSensitive(file, "size");
    char buf[32];
    if (!cJSON_IsNumber(sz) || !(sz->valuedouble >= 0 && sz->valuedouble <= 9007199254740991.0))
      return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "1password: the file has no usable size for %.120s",
                          canonical);
    vl_snprintf(buf, sizeof buf, "%llu", (unsigned long long)sz->valuedouble);
    return value_out(out, buf);
  }
  if (strcmp(attr, "type") == 0) return value_out(out, "file");
  return vl_step_fail(out, VL_REASON_MISCONFIGURED, "1password: ?attribute=%s does not apply to a file for %.120s",
                      attr, canonical);
}

/* The field named `want` in scope: an exact ID first, then ID or label
 * case-insensitively, where (3-part form) the default section wins. Returns
 * the match count (0, 1, or more = ambiguous) and *hit the match. */
static int find_field(const cJSON *fields, const scope *s, const char *want, const cJSON **hit) {
  const cJSON *e, *one = NULL, *dflt = NULL;
  int n = 0, nd = 0;
  *hit = NULL;
  cJSON_ArrayForEach(e, fields) {
    const char *id = vl_json_str(e, "id");
    if (in_scope(s, e) && id && strcmp(id, want) == 0) {
      if (n++ == 0) one = e;
    }
  }
  if (n == 1) {
    *hit = one;
    return 1;
  }
  n = 0;
  cJSON_ArrayForEach(e, fields) {
    if (!in_scope(s, e) || !(ieq(vl_json_str(e, "label"), want) || ieq(vl_json_str(e, "id"), want))) continue;
    if (n++ == 0) one = e;
    if (s->all && !section_of(e) && nd++ == 0) dflt = e;
  }
  if (n > 1 && nd == 1) {
    *hit = dflt;
    return 1;
  }
  *hit = n == 1 ? one : NULL;
  return n;
}

vl_step_kind vl_onepassword_pick(const uint8_t *json, size_t len, const cJSON *params, const char *canonical,
                                 uint64_t now_ms, vl_step_out *out, char **file_id) {
  *file_id = NULL;
  cJSON *item = cJSON_ParseWithLength((const char *)json, len);
  if (!cJSON_IsObject(item) || too_deep(item, 1)) {
    cJSON_Delete(item);
    return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "1password: the item is not a JSON object for %.120s",
                        canonical);
  }
  const char *section = vl_json_str(params, "section");
  const char *want = vl_json_str(params, "field");
  vl_step_kind k = VL_STEP_FAIL;
  scope s;
  memset(&s, 0, sizeof s);
  s.all = section == NULL;
  const cJSON *e;
  if (section) {
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(item, "sections")) {
      const char *id = vl_json_str(e, "id");
      if (id && s.n < OP_MAX_MATCHES && (strcmp(id, section) == 0 || ieq(vl_json_str(e, "label"), section)))
        s.ids[s.n++] = id;
    }
    if (s.n == 0) {
      k = vl_step_fail(out, VL_REASON_NOT_FOUND, "1password: section \"%.60s\" not found for %.120s", section,
                       canonical);
      goto done;
    }
  }
  const cJSON *field;
  int n = find_field(cJSON_GetObjectItemCaseSensitive(item, "fields"), &s, want, &field);
  if (n == 1) {
    k = field_value(field, params, canonical, now_ms, out);
  } else if (n > 1) {
    k = vl_step_fail(out, VL_REASON_MISCONFIGURED,
                     "1password: ambiguous: %d fields named \"%.60s\" for %.120s (use the section or the field ID)", n,
                     want, canonical);
  } else {
    const cJSON *file = NULL;
    int nf = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(item, "files")) {
      const char *id = vl_json_str(e, "id");
      if (!id || !in_scope(&s, e) || !(ieq(vl_json_str(e, "name"), want) || strcmp(id, want) == 0)) continue;
      if (nf++ == 0) file = e;
    }
    if (nf == 1)
      k = file_value(file, params, canonical, out, file_id);
    else if (nf > 1)
      k = vl_step_fail(out, VL_REASON_MISCONFIGURED,
                       "1password: ambiguous: %d files named \"%.60s\" for %.120s (use the file ID)", nf, want,
                       canonical);
    else
      k = vl_step_fail(out, VL_REASON_KEY_NOT_FOUND, "1password: field \"%.60s\" not found for %.120s", want,
                       canonical);
  }
done:
  cJSON_Delete(item); /* wiping hooks: every field value is zeroed */
  return k;
}

static vl_step_kind on_item(vl_pstate *ps, vl_fetch *f, const vl_request *resp, uint64_t now_ms, vl_step_out *out) {
  char *fid = NULL;
  vl_step_kind k = vl_onepassword_pick(resp->body.p, resp->body.n, f->params, f->canonical, now_ms, out, &fid);
  if (k != VL_STEP_JOB) return k;
  if (!fid) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "1password: out of memory");
  size_t fl = strlen(fid);
  if (fl == 0 || fl > 40 || strspn(fid, "abcdefghijklmnopqrstuvwxyz0123456789") != fl) {
    vl_free(fid);
    return vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "1password: the file has an unusable ID for %.120s",
                        f->canonical);
  }
  char path[200];
  vl_snprintf(path, sizeof path, "/v1/vaults/%.40s/items/%.40s/files/%.40s/content", scratch_str(f, "vid"),
              scratch_str(f, "iid"), fid);
  vl_free(fid);
  return get_job(ps, f, STAGE_FILE, path, NULL, NULL, out);
}

static int id_shaped(const char *s) {
  return s && vl_opref_is_id(s, strlen(s));
}

static vl_step_kind op_step(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, uint64_t now_ms,
                            vl_step_out *out) {
  if (!f->scratch) f->scratch = cJSON_CreateObject();
  if (!f->scratch) return vl_step_fail(out, VL_REASON_MISCONFIGURED, "1password: out of memory");
  if (!resp) {
    const char *vault = vl_json_str(f->params, "vault");
    if (!id_shaped(vault)) {
      char key[OP_MAX_NAME_KEY];
      const char *vid = name_key(key, NULL, vault) ? names_get(ps, key, now_ms) : NULL;
      if (!vid) return vault_lookup(ps, f, out);
      scratch_set(f, "vid", vid);
      set_flag(f, "vaultByName", 1);
      set_flag(f, "vaultRemembered", 1);
      return after_vault(ps, f, now_ms, out);
    }
    scratch_set(f, "vid", vault);
    return after_vault(ps, f, now_ms, out);
  }
  int vault_by_id = !flag(f, "vaultByName");
  int item_by_id = !flag(f, "itemByName") && id_shaped(vl_json_str(f->params, "item")) && f->stage == STAGE_ITEM;
  if (status != 200) {
    /* A remembered ID that is gone (deleted, moved): forget it, look the name up. */
    char key[OP_MAX_NAME_KEY];
    if (status == 404 && f->stage == STAGE_ITEM && flag(f, "itemRemembered")) {
      set_flag(f, "itemRemembered", 0);
      if (name_key(key, scratch_str(f, "vid"), vl_json_str(f->params, "item"))) names_drop(ps, key);
      return item_lookup(ps, f, 0, out);
    }
    if (status == 404 && (f->stage == STAGE_ITEM_FILTER || f->stage == STAGE_ITEM_LIST || f->stage == STAGE_ITEM) &&
        flag(f, "vaultRemembered")) {
      set_flag(f, "vaultRemembered", 0);
      set_flag(f, "itemRemembered", 0);
      if (name_key(key, NULL, vl_json_str(f->params, "vault"))) names_drop(ps, key);
      return vault_lookup(ps, f, out);
    }
    /* An ID-shaped name that is not an ID: look it up by name once. */
    if (status == 404 && f->stage == STAGE_ITEM && item_by_id) {
      set_flag(f, "itemByName", 1);
      return item_lookup(ps, f, 0, out);
    }
    if (status == 404 && (f->stage == STAGE_ITEM_FILTER || f->stage == STAGE_ITEM_LIST || f->stage == STAGE_ITEM) &&
        vault_by_id)
      return vault_lookup(ps, f, out);
    /* A server that does not understand the filter: list and match here. */
    if (status == 400 && f->stage == STAGE_VAULT_FILTER)
      return get_job(ps, f, STAGE_VAULT_LIST, "/v1/vaults", NULL, NULL, out);
    if (status == 400 && f->stage == STAGE_ITEM_FILTER) return item_lookup(ps, f, 1, out);
    static const char *const what[] = {"", "vault", "vault list", "item", "item list", "item", "file"};
    return http_fail(f, status, what[f->stage >= 0 && f->stage <= STAGE_FILE ? f->stage : 0], out);
  }
  switch (f->stage) {
    case STAGE_VAULT_FILTER:
    case STAGE_VAULT_LIST:
    case STAGE_ITEM_FILTER:
    case STAGE_ITEM_LIST: return on_list(ps, f, resp, now_ms, out);
    case STAGE_ITEM: return on_item(ps, f, resp, now_ms, out);
    case STAGE_FILE:
      out->value = vl_memdup(resp->body.p, resp->body.n);
      out->value_len = resp->body.n;
      return out->value ? VL_STEP_VALUE : vl_step_fail(out, VL_REASON_MISCONFIGURED, "1password: out of memory");
    default:
      return vl_step_fail(out, VL_REASON_MISCONFIGURED, "1password: unexpected response for %.120s", f->canonical);
  }
}

/* GET /v1/vaults: read-only, answers for any valid token; the identity is
 * how many vaults the token sees (their names are not quoted). */
static vl_step_kind op_verify(vl_pstate *ps, vl_fetch *f, uint32_t status, const vl_request *resp, uint64_t now_ms,
                              vl_step_out *out) {
  (void)now_ms;
  if (!resp) return get_job(ps, f, STAGE_VAULT_LIST, "/v1/vaults", NULL, NULL, out);
  if (status != 200) return http_fail(f, status, "vault list", out);
  cJSON *list = cJSON_ParseWithLength((const char *)resp->body.p, resp->body.n);
  vl_step_kind k;
  if (!cJSON_IsArray(list)) {
    k = vl_step_fail(out, VL_REASON_MALFORMED_RESPONSE, "1password: the vault list is not a JSON array (HTTP 200)");
  } else {
    char id[48];
    int n = cJSON_GetArraySize(list);
    vl_snprintf(id, sizeof id, "%d vault%s visible", n, n == 1 ? "" : "s");
    k = vl_verify_ok(out, id, "connect:GET /v1/vaults");
  }
  cJSON_Delete(list);
  return k;
}

const vl_provider_ops vl_provider_1password = {VL_PROVIDER_1PASSWORD, op_parse, op_connect, op_step, op_verify};
