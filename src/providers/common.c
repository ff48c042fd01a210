/* Helpers every provider uses, and the registry of providers in this build. */
#include <stdarg.h>
#include <string.h>

#include "fmt.h"
#include "input_limits.h"
#include "json.h"
#include "mem.h"
#include "providers/provider.h"

/* Each provider file defines its ops; NULL entries are providers not built. */
extern const vl_provider_ops vl_provider_aws;
extern const vl_provider_ops vl_provider_1password;
extern const vl_provider_ops vl_provider_sealed;
extern const vl_provider_ops vl_provider_azure;
extern const vl_provider_ops vl_provider_gcp;
extern const vl_provider_ops vl_provider_hashicorp;

const vl_provider_ops *vl_provider_ops_for(vl_provider_id id) {
  switch (id) {
    case VL_PROVIDER_AWS: return &vl_provider_aws;
    case VL_PROVIDER_1PASSWORD: return &vl_provider_1password;
    case VL_PROVIDER_SEALED: return &vl_provider_sealed;
    case VL_PROVIDER_AZURE: return &vl_provider_azure;
    case VL_PROVIDER_GCP: return &vl_provider_gcp;
    case VL_PROVIDER_HASHICORP: return &vl_provider_hashicorp;
    default: return NULL;
  }
}

void vl_job_begin(vl_buf *b, const char *method, const char *url, uint32_t header_count) {
  vl_buf_put(b, "VLR1", 4);
  vl_wire_put_field(b, (const uint8_t *)method, strlen(method));
  vl_wire_put_field(b, (const uint8_t *)url, strlen(url));
  vl_buf_put_u32(b, header_count);
}

void vl_job_header(vl_buf *b, const char *name, const uint8_t *value, size_t len) {
  vl_wire_put_field(b, (const uint8_t *)name, strlen(name));
  vl_wire_put_field(b, value, len);
}

void vl_job_header_str(vl_buf *b, const char *name, const char *value) {
  vl_job_header(b, name, (const uint8_t *)value, strlen(value));
}

void vl_job_finish(vl_buf *b, const uint8_t *body, size_t len) {
  vl_buf_put_u32(b, body ? VL_BODY_BYTES : VL_BODY_NONE);
  vl_wire_put_field(b, body, body ? len : 0);
}

static int ieq(const uint8_t *a, size_t n, const char *b) {
  if (strlen(b) != n) return 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t x = a[i], y = (uint8_t)b[i];
    if (x >= 'A' && x <= 'Z') x = (uint8_t)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (uint8_t)(y + 32);
    if (x != y) return 0;
  }
  return 1;
}

const vl_slice *vl_resp_header(const vl_request *resp, const char *name) {
  for (size_t i = 0; resp && i < resp->header_count; i++)
    if (ieq(resp->headers[i].name.p, resp->headers[i].name.n, name)) return &resp->headers[i].value;
  return NULL;
}

vl_step_kind vl_step_fail(vl_step_out *out, vl_reason reason, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vl_vsnprintf(out->detail, sizeof out->detail, fmt, ap);  // NOLINT(clang-analyzer-valist.Uninitialized)
  va_end(ap);
  out->reason = reason;
  return VL_STEP_FAIL;
}

vl_step_kind vl_verify_ok(vl_step_out *out, const char *identity, const char *method) {
  out->value = identity ? vl_memdup(identity, strlen(identity)) : NULL;
  out->value_len = out->value ? strlen(identity) : 0;
  vl_snprintf(out->detail, sizeof out->detail, "%s", method);
  return VL_STEP_VALUE;
}

const char *vl_json_str(const cJSON *obj, const char *name) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
  return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Nesting depth of a parsed tree (the limit is enforced after parsing). */
static int depth(const cJSON *j) {
  int d = 0;
  for (const cJSON *c = j ? j->child : NULL; c; c = c->next) {
    int k = depth(c);
    if (k > d) d = k;
  }
  return d + 1;
}

const cJSON *vl_json_path(const cJSON *root, const char *path) {
  const cJSON *cur = root;
  char seg[VL_MAX_NAME_BYTES + 1];
  const char *p = path;
  while (cur && *p) {
    size_t n = 0;
    while (*p && *p != '.') {
      if (*p == '\\' && p[1]) p++;
      if (n < VL_MAX_NAME_BYTES) seg[n++] = *p;
      p++;
    }
    seg[n] = 0;
    if (*p == '.') p++;
    cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, seg) : NULL;
  }
  vl_wipe(seg, sizeof seg);
  return cur;
}

void vl_buf_put_pct(vl_buf *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-_.~", c)) {
      vl_buf_put(b, &c, 1);
    } else {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      vl_buf_put(b, e, 3);
    }
  }
}

vl_status vl_json_select(const uint8_t *json, size_t len, const char *path, uint8_t **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  if (!path || !*path) {
    *out = vl_memdup(json, len);
    *out_len = len;
    return *out ? VL_OK : VL_ERR_NOMEM;
  }
  cJSON *root = cJSON_ParseWithLength((const char *)json, len);
  if (!root || depth(root) > VL_MAX_JSON_DEPTH) {
    cJSON_Delete(root);
    return VL_ERR_FORMAT;
  }
  const cJSON *cur = vl_json_path(root, path);
  vl_status st = VL_OK;
  if (!cur)
    st = VL_ERR_NOT_FOUND;
  else if (cJSON_IsString(cur)) {
    *out_len = strlen(cur->valuestring);
    *out = vl_memdup(cur->valuestring, *out_len);
  } else {
    st = vl_json_source(json, len, root, cur, out, out_len); /* digit for digit as the provider wrote it */
  }
  cJSON_Delete(root);
  if (st == VL_OK && !*out) st = VL_ERR_NOMEM;
  return st;
}

static int b64val(uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

vl_status vl_base64_decode(const char *in, size_t len, uint8_t **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  if (len % 4) return VL_ERR_FORMAT;
  uint8_t *o = vl_alloc(len / 4 * 3 + 1);
  if (!o) return VL_ERR_NOMEM;
  size_t n = 0;
  for (size_t i = 0; i < len; i += 4) {
    int v[4];
    for (int k = 0; k < 4; k++) {
      uint8_t c = (uint8_t)in[i + k];
      v[k] = c == '=' && i + 4 == len && k >= 2 ? -2 : b64val(c);
      if (v[k] == -1 || (k == 3 && v[2] == -2 && v[3] != -2)) {
        vl_free(o);
        return VL_ERR_FORMAT;
      }
    }
    uint32_t w = (uint32_t)(v[0] << 18 | v[1] << 12 | (v[2] < 0 ? 0 : v[2]) << 6 | (v[3] < 0 ? 0 : v[3]));
    o[n++] = (uint8_t)(w >> 16);
    if (v[2] >= 0) o[n++] = (uint8_t)(w >> 8);
    if (v[3] >= 0) o[n++] = (uint8_t)w;
  }
  o[n] = 0;
  *out = o;
  *out_len = n;
  return VL_OK;
}

vl_status vl_base64_decode_lenient(const char *in, size_t len, uint8_t **out, size_t *out_len) {
  int url_safe = memchr(in, '-', len) || memchr(in, '_', len);
  if (len % 4 == 0 && !url_safe) return vl_base64_decode(in, len, out, out_len);
  *out = NULL;
  *out_len = 0;
  if (len % 4 == 1) return VL_ERR_FORMAT;
  char *norm = vl_alloc(len + 4);
  if (!norm) return VL_ERR_NOMEM;
  for (size_t i = 0; i < len; i++) norm[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
  size_t m = len;
  while (m % 4) norm[m++] = '=';
  vl_status st = vl_base64_decode(norm, m, out, out_len);
  vl_free(norm); /* wipes */
  return st;
}
