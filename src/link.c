/* Link definitions: name → external source, allowed domains, enabled. */
#include <cJSON.h>
#include <stdarg.h>
#include <string.h>

#include "buf.h"
#include "crypto/random.h"
#include "engine.h"
#include "fmt.h"
#include "input_limits.h"
#include "json.h"
#include "mem.h"
#include "providers/provider.h"

static const char *const provider_names[VL_PROVIDER_COUNT] = {
    [VL_PROVIDER_LOCAL] = "local",         [VL_PROVIDER_AWS] = "aws",
    [VL_PROVIDER_AZURE] = "azure",         [VL_PROVIDER_1PASSWORD] = "1password",
    [VL_PROVIDER_HASHICORP] = "hashicorp", [VL_PROVIDER_GCP] = "gcp",
    [VL_PROVIDER_SEALED] = "sealed",
};

const char *vl_provider_name(vl_provider_id id) {
  return (unsigned)id < VL_PROVIDER_COUNT ? provider_names[id] : "unknown";
}

int vl_provider_lookup(const char *name) {
  for (int i = 0; i < VL_PROVIDER_COUNT; i++)
    if (strcmp(name, provider_names[i]) == 0) return i;
  return -1;
}

void vl_set_error(vl_vault *v, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vl_vsnprintf(v->err, sizeof v->err, fmt, ap);  // NOLINT(clang-analyzer-valist.Uninitialized): false positive
  va_end(ap);
}

const char *vl_vault_last_error(const vl_vault *v) {
  return v ? v->err : "no vault";
}

vl_vault *vl_vault_new(const vl_options *opts) {
  vl_mem_install_cjson_hooks();
  vl_vault *v = vl_calloc(sizeof *v);
  if (!v) return NULL;
  if (opts) v->opts = *opts;
  if (!v->opts.cache_ttl_minutes) v->opts.cache_ttl_minutes = 60;
  v->providers = vl_calloc(VL_PROVIDER_COUNT * sizeof *v->providers);
  if (!v->providers || vl_cache_init(&v->cache) != VL_OK || vl_random(v->idkey, sizeof v->idkey) != VL_OK) {
    vl_free(v->providers);
    vl_cache_free(&v->cache);
    vl_free(v); /* wipes the whole block, key pair included */
    return NULL;
  }
  for (int i = 0; i < VL_PROVIDER_COUNT; i++) {
    v->providers[i].id = (vl_provider_id)i;
    v->providers[i].vault = v;
  }
  /* Sealed envelopes need no credentials: the session key is the credential. */
  v->providers[VL_PROVIDER_SEALED].connected = 1;
  return v;
}

static void link_clear(vl_link *l) {
  vl_free(l->name);
  vl_free(l->def_json);
  vl_free(l->domains);
  vl_free(l->sealed_value);
  cJSON_Delete(l->params);
  vl_free(l->canonical);
  vl_free(l->cache_key);
  vl_wipe(l, sizeof *l);
}

void vl_vault_free(vl_vault *v) {
  if (!v) return;
  vl_vault_close_resolves(v); /* before the links and credentials they refer to */
  vl_vault_tunnel_event(v, VL_TUNNEL_FREE);
  for (size_t i = 0; i < v->link_count; i++) link_clear(&v->links[i]);
  vl_free(v->links);
  for (int i = 0; i < VL_PROVIDER_COUNT; i++) { vl_pstate_clear(&v->providers[i]); }
  vl_free(v->providers);
  vl_cache_free(&v->cache);
  vl_wipe(v->recipient_sk, sizeof v->recipient_sk);
  vl_free(v);
}

vl_status vl_vault_seal(vl_vault *v, const char *aad, const uint8_t *value, size_t len, uint8_t **sealed,
                        size_t *sealed_len) {
  /* A one-entry use of the cache's sealing: same key, same AEAD. */
  vl_cache tmp = v->cache;
  tmp.entries = NULL;
  tmp.count = tmp.cap = tmp.bytes = 0;
  vl_status st = vl_cache_put(&tmp, aad, NULL, value, len, UINT64_MAX, 0);
  v->cache.counter = tmp.counter;
  if (st) return st;
  *sealed = tmp.entries[0].sealed;
  *sealed_len = tmp.entries[0].sealed_len;
  tmp.entries[0].sealed = NULL;
  tmp.entries[0].sealed_len = 0;
  vl_free(tmp.entries[0].key);
  vl_free(tmp.entries[0].name);
  vl_free(tmp.entries);
  vl_wipe(&tmp, sizeof tmp);
  return VL_OK;
}

vl_status vl_vault_open(vl_vault *v, const char *aad, const uint8_t *sealed, size_t sealed_len, uint8_t **value,
                        size_t *len) {
  return vl_cache_open_sealed(&v->cache, aad, sealed, sealed_len, value, len);
}

static int name_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  if (c) return c;
  return an < bn ? -1 : an > bn;
}

/* Binary search: index of NAME, or where it would go (with *found = 0). */
static size_t find_index(const vl_vault *v, const uint8_t *name, size_t n, int *found) {
  size_t lo = 0, hi = v->link_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = name_cmp(v->links[mid].name, v->links[mid].name_len, name, n);
    if (c == 0) {
      *found = 1;
      return mid;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *found = 0;
  return lo;
}

const vl_link *vl_vault_find(const vl_vault *v, const uint8_t *name, size_t name_len) {
  int found;
  size_t i = find_index(v, name, name_len, &found);
  return found ? &v->links[i] : NULL;
}

static vl_status check_name(vl_vault *v, const uint8_t *name, size_t n) {
  if (!name || n == 0) {
    vl_set_error(v, "link: the secret name is empty");
    return VL_ERR_ARG;
  }
  if (n > VL_MAX_NAME_BYTES) {
    vl_set_error(v, "link: the secret name is %zu bytes, limit is %u", n, VL_MAX_NAME_BYTES);
    return VL_ERR_LIMIT;
  }
  for (size_t i = 0; i < n; i++) {
    if (name[i] == 0) {
      vl_set_error(v, "link: the secret name contains a NUL byte at byte %zu", i);
      return VL_ERR_ARG;
    }
    if (name[i] == '{' || name[i] == '}') {
      vl_set_error(v, "link: the secret name contains '%c' at byte %zu ({{vault:NAME}} cannot hold braces)", name[i],
                   i);
      return VL_ERR_ARG;
    }
  }
  if (!vl_utf8_valid(name, n)) {
    vl_set_error(v, "link: the secret name is not valid UTF-8");
    return VL_ERR_ARG;
  }
  return VL_OK;
}

/* A provider name as given, in quotes, when it has the shape of one (up to 16
 * of [a-z0-9-]); anything else may be a value pasted in the wrong place and is
 * quoted only by its head. */
static void quote_identifier(char *out, size_t outlen, const char *s) {
  size_t n = strlen(s);
  int shaped = n >= 1 && n <= 16;
  for (size_t i = 0; i < n && shaped; i++)
    shaped = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-';
  if (shaped) {
    vl_snprintf(out, outlen, "\"%s\"", s);
    return;
  }
  char head[VL_QUOTE_MAX];
  vl_quote_head(head, s);
  vl_snprintf(out, outlen, "%s", head);
}

/* Parses the "source" member: {"provider": …} or a string shorthand. */
static vl_status parse_source(vl_vault *v, const cJSON *src, vl_link *l) {
  if (cJSON_IsString(src)) {
    /* Shorthand: the first provider whose grammar accepts it (arn:, https://…vault.azure.net, op://, …). */
    char err[200] = "", why[200] = "";
    for (int id = 1; id < VL_PROVIDER_COUNT; id++) {
      const vl_provider_ops *ops = vl_provider_ops_for((vl_provider_id)id);
      if (!ops || !ops->parse) continue;
      err[0] = 0;
      if (ops->parse(NULL, src->valuestring, &l->params, &l->canonical, err, sizeof err) == VL_OK) {
        l->provider = (vl_provider_id)id;
        return VL_OK;
      }
      /* A grammar whose prefix matched says where the rest went wrong ("not an ARN" means it did not). */
      if (!why[0] && strncmp(err, "not ", 4) != 0 && strncmp(err, "use ", 4) != 0)
        vl_snprintf(why, sizeof why, "%s: %s", vl_provider_name((vl_provider_id)id), err);
    }
    /* The string may be a secret pasted where a reference belongs: quote only its head. */
    char head[VL_QUOTE_MAX];
    vl_quote_head(head, src->valuestring);
    if (why[0])
      vl_set_error(v, "link: the source string %s is not a valid reference (%s)", head, why);
    else
      vl_set_error(v,
                   "link: the source string %s is not a reference any provider recognises (from byte 0; an ARN, "
                   "an Azure secret identifier, an op:// reference, a GCP secret version name)",
                   head);
    return VL_ERR_REFERENCE;
  }
  if (!cJSON_IsObject(src)) {
    vl_set_error(v, "link: \"source\" must be an object with a \"provider\" or a reference string");
    return VL_ERR_FORMAT;
  }
  const cJSON *prov = cJSON_GetObjectItemCaseSensitive(src, "provider");
  if (!cJSON_IsString(prov)) {
    vl_set_error(v, "link: \"source.provider\" must be a string");
    return VL_ERR_FORMAT;
  }
  int id = vl_provider_lookup(prov->valuestring);
  if (id < 0) {
    char shown[48];
    quote_identifier(shown, sizeof shown, prov->valuestring);
    vl_set_error(v,
                 "link: unknown provider %s (expected local, aws, azure, 1password, hashicorp, gcp, "
                 "sealed)",
                 shown);
    return VL_ERR_REFERENCE;
  }
  l->provider = (vl_provider_id)id;
  const cJSON *member = id == VL_PROVIDER_LOCAL ? NULL : cJSON_GetObjectItemCaseSensitive(src, prov->valuestring);
  /* A value never travels in a definition: definitions are exported and shared (I2). */
  if (cJSON_GetObjectItemCaseSensitive(src, "value") || cJSON_GetObjectItemCaseSensitive(member, "value")) {
    const char *where = cJSON_GetObjectItemCaseSensitive(src, "value") ? "" : prov->valuestring;
    if (id == VL_PROVIDER_LOCAL)
      vl_set_error(v, "link: source.value: a local secret's value is passed apart from its definition, never in it");
    else
      vl_set_error(v, "link: source.%s%svalue: only a local secret has a value", where, *where ? "." : "");
    return VL_ERR_FORMAT;
  }
  if (id == VL_PROVIDER_LOCAL) return VL_OK;
  if (!cJSON_IsObject(member)) {
    vl_set_error(v, "link: source for provider \"%s\" needs a \"%s\" object", prov->valuestring, prov->valuestring);
    return VL_ERR_REFERENCE;
  }
  const vl_provider_ops *ops = vl_provider_ops_for((vl_provider_id)id);
  if (!ops || !ops->parse) {
    /* Known provider without support in this build: keep the link, it reports not_connected. */
    l->params = cJSON_Duplicate(member, 1);
    l->canonical = vl_json_print(member);
    return l->params && l->canonical ? VL_OK : VL_ERR_NOMEM;
  }
  char err[200] = "";
  vl_status st = ops->parse(member, NULL, &l->params, &l->canonical, err, sizeof err);
  if (st) vl_set_error(v, "link: %s source: %s", prov->valuestring, err);
  return st;
}

static vl_status parse_domains(vl_vault *v, const cJSON *arr, vl_link *l) {
  if (!arr || cJSON_IsNull(arr)) return VL_OK;
  if (!cJSON_IsArray(arr)) {
    vl_set_error(v, "link: \"domains\" must be an array of strings");
    return VL_ERR_FORMAT;
  }
  int n = cJSON_GetArraySize(arr);
  if (n > (int)VL_MAX_DOMAINS) {
    vl_set_error(v, "link: %d allowed domains, limit is %u", n, VL_MAX_DOMAINS);
    return VL_ERR_LIMIT;
  }
  if (n == 0) return VL_OK;
  l->domains = vl_calloc((size_t)n * sizeof *l->domains);
  if (!l->domains) return VL_ERR_NOMEM;
  int i = 0;
  const cJSON *d;
  cJSON_ArrayForEach(d, arr) {
    if (!cJSON_IsString(d)) {
      vl_set_error(v, "link: domains[%d] is not a string", i);
      return VL_ERR_FORMAT;
    }
    char err[160];
    vl_status st =
        vl_domain_parse((const uint8_t *)d->valuestring, strlen(d->valuestring), &l->domains[i], err, sizeof err);
    if (st) {
      char head[VL_QUOTE_MAX];
      vl_quote_head(head, d->valuestring);
      vl_set_error(v, "link: domains[%d] %s: %s", i, head, err);
      return st;
    }
    i++;
  }
  l->domain_count = (size_t)n;
  return VL_OK;
}

/* "provider|" + the parsed reference as compact JSON. The parameters carry
 * everything that selects the value, each field apart, so two references that
 * differ in any field never share a cache entry (a version "S#json:password"
 * is not version "S" with key "password"); a shorthand and its object form
 * share one. The canonical string stays for messages. */
static char *cache_key_for(vl_provider_id provider, const cJSON *params) {
  char *json = vl_json_print(params);
  if (!json) return NULL;
  vl_buf key;
  vl_buf_init(&key, 0);
  vl_buf_put_str(&key, vl_provider_name(provider));
  vl_buf_put_str(&key, "|");
  vl_buf_put_str(&key, json);
  vl_free(json);
  size_t klen;
  return (char *)vl_buf_take(&key, &klen);
}

vl_status vl_vault_link(vl_vault *v, const uint8_t *name, size_t name_len, const uint8_t *def, size_t def_len,
                        const uint8_t *value, size_t value_len) {
  if (!v) return VL_ERR_ARG;
  vl_status st = check_name(v, name, name_len);
  if (st) return st;
  if (!def || def_len == 0 || def_len > VL_MAX_DEF_BYTES) {
    vl_set_error(v, "link \"%.*s\": definition is %s", (int)(name_len > 64 ? 64 : name_len), (const char *)name,
                 def_len ? "too long" : "empty");
    return def_len ? VL_ERR_LIMIT : VL_ERR_ARG;
  }
  if (value_len > VL_MAX_SECRET_BYTES) {
    vl_set_error(v, "link: secret value is %zu bytes, limit is %zu", value_len, VL_MAX_SECRET_BYTES);
    return VL_ERR_LIMIT;
  }
  if (v->link_count >= VL_MAX_LINKS && !vl_vault_find(v, name, name_len)) {
    vl_set_error(v, "link: the vault already has %u secrets (the limit)", VL_MAX_LINKS);
    return VL_ERR_LIMIT;
  }
  size_t deep = vl_json_too_deep(def, def_len, VL_MAX_JSON_DEPTH);
  if (deep != SIZE_MAX) {
    vl_set_error(v, "link: definition nests deeper than %d levels (at byte %zu)", VL_MAX_JSON_DEPTH, deep);
    return VL_ERR_LIMIT;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts((const char *)def, def_len, &end, 0);
  if (!root || !cJSON_IsObject(root)) {
    size_t at = end ? (size_t)(end - (const char *)def) : 0;
    vl_set_error(v, "link: definition is not a JSON object (error near byte %zu)", at);
    cJSON_Delete(root);
    return VL_ERR_FORMAT;
  }
  vl_link l;
  memset(&l, 0, sizeof l);
  l.enabled = 1;
  const cJSON *enabled = cJSON_GetObjectItemCaseSensitive(root, "enabled");
  if (enabled && !cJSON_IsBool(enabled)) {
    vl_set_error(v, "link: \"enabled\" must be true or false");
    st = VL_ERR_FORMAT;
    goto fail;
  }
  if (enabled) l.enabled = cJSON_IsTrue(enabled);
  if ((st = parse_source(v, cJSON_GetObjectItemCaseSensitive(root, "source"), &l))) goto fail;
  if ((st = parse_domains(v, cJSON_GetObjectItemCaseSensitive(root, "domains"), &l))) goto fail;
  if (l.provider == VL_PROVIDER_LOCAL) {
    /* Sealed at rest under the session key, bound to the name (I3). */
    vl_buf key;
    vl_buf_init(&key, 0);
    vl_buf_put_str(&key, "local|");
    vl_buf_put(&key, name, name_len);
    size_t klen;
    l.cache_key = (char *)vl_buf_take(&key, &klen);
    if (!l.cache_key) {
      st = VL_ERR_NOMEM;
      goto fail;
    }
    l.value_is_utf8 = value ? vl_utf8_valid(value, value_len) : 1;
    st = vl_vault_seal(v, l.cache_key, value ? value : (const uint8_t *)"", value_len, &l.sealed_value, &l.sealed_len);
    if (st) goto fail;
  } else if (value_len) {
    vl_set_error(v, "link: a value can only be given for provider \"local\"");
    st = VL_ERR_ARG;
    goto fail;
  }
  l.name = vl_memdup(name, name_len);
  l.name_len = name_len;
  if (l.provider != VL_PROVIDER_LOCAL) {
    l.cache_key = cache_key_for(l.provider, l.params);
    if (!l.cache_key) {
      st = VL_ERR_NOMEM;
      goto fail;
    }
  }
  /* Canonical, non-secret definition for listing and export. */
  cJSON *canon = cJSON_CreateObject();
  cJSON_AddItemToObject(canon, "name", cJSON_CreateString((const char *)l.name));
  /* The provider a shorthand resolved to, so listings need not re-parse it. */
  cJSON_AddStringToObject(canon, "provider", vl_provider_name(l.provider));
  cJSON_AddItemToObject(canon, "source", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(root, "source"), 1));
  const cJSON *domains = cJSON_GetObjectItemCaseSensitive(root, "domains");
  cJSON_AddItemToObject(canon, "domains",
                        domains && !cJSON_IsNull(domains) ? cJSON_Duplicate(domains, 1) : cJSON_CreateArray());
  cJSON_AddBoolToObject(canon, "enabled", l.enabled);
  l.def_json = vl_json_print(canon);
  cJSON_Delete(canon);
  if (!l.name || !l.def_json) {
    st = VL_ERR_NOMEM;
    goto fail;
  }
  cJSON_Delete(root);

  int found;
  size_t at = find_index(v, name, name_len, &found);
  if (found) {
    /* Relinking a name drops what was cached for its old reference. */
    if (v->links[at].provider != VL_PROVIDER_LOCAL) vl_cache_drop(&v->cache, v->links[at].cache_key);
    link_clear(&v->links[at]);
    v->links[at] = l;
    v->links_gen++;
    return VL_OK;
  }
  if (v->link_count == v->link_cap) {
    size_t cap = v->link_cap ? v->link_cap * 2 : 16;
    vl_link *links = vl_realloc(v->links, cap * sizeof *links);
    if (!links) {
      link_clear(&l);
      return VL_ERR_NOMEM;
    }
    v->links = links;
    v->link_cap = cap;
  }
  memmove(&v->links[at + 1], &v->links[at], (v->link_count - at) * sizeof *v->links);
  v->links[at] = l;
  v->link_count++;
  v->links_gen++;
  return VL_OK;
fail:
  cJSON_Delete(root);
  link_clear(&l);
  return st;
}

vl_status vl_vault_unlink(vl_vault *v, const uint8_t *name, size_t name_len) {
  if (!v) return VL_ERR_ARG;
  int found;
  size_t at = find_index(v, name, name_len, &found);
  if (!found) {
    vl_set_error(v, "unlink: no secret with that name");
    return VL_ERR_NOT_FOUND;
  }
  if (v->links[at].provider != VL_PROVIDER_LOCAL) vl_cache_drop(&v->cache, v->links[at].cache_key);
  link_clear(&v->links[at]);
  memmove(&v->links[at], &v->links[at + 1], (v->link_count - at - 1) * sizeof *v->links);
  v->link_count--;
  vl_wipe(&v->links[v->link_count], sizeof *v->links);
  v->links_gen++;
  return VL_OK;
}

vl_status vl_vault_set_enabled(vl_vault *v, const uint8_t *name, size_t name_len, int enabled) {
  if (!v) return VL_ERR_ARG;
  int found;
  size_t at = find_index(v, name, name_len, &found);
  if (!found) {
    vl_set_error(v, "enable: no secret with that name");
    return VL_ERR_NOT_FOUND;
  }
  vl_link *l = &v->links[at];
  l->enabled = enabled != 0;
  /* Keep the canonical definition in step. */
  cJSON *canon = cJSON_Parse(l->def_json);
  if (!canon) return VL_ERR_NOMEM;
  cJSON_ReplaceItemInObjectCaseSensitive(canon, "enabled", cJSON_CreateBool(l->enabled));
  char *json = vl_json_print(canon);
  cJSON_Delete(canon);
  if (!json) return VL_ERR_NOMEM;
  vl_free(l->def_json);
  l->def_json = json;
  return VL_OK;
}

vl_status vl_vault_list(const vl_vault *v, uint8_t **out, size_t *out_len) {
  if (!v || !out || !out_len) return VL_ERR_ARG;
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_put_str(&b, "[");
  for (size_t i = 0; i < v->link_count; i++) {
    if (i) vl_buf_put_str(&b, ",");
    vl_buf_put_str(&b, v->links[i].def_json);
  }
  vl_buf_put_str(&b, "]");
  if (b.failed) {
    vl_status st = b.why;
    vl_buf_free(&b);
    return st;
  }
  *out = vl_buf_take(&b, out_len);
  return *out ? VL_OK : VL_ERR_NOMEM;
}
