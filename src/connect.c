/* Provider credentials, their lifetimes, and the vault's status. */
#include <cJSON.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "fmt.h"
#include "input_limits.h"
#include "json.h"
#include "mem.h"
#include "providers/provider.h"

void vl_pstate_clear(vl_pstate *ps) {
  cJSON_Delete(ps->creds); /* the wiping hooks zero every node and string */
  cJSON_Delete(ps->scratch);
  vl_free(ps->sealed_creds);
  vl_free(ps->sealed_scratch);
  ps->creds = ps->scratch = NULL;
  ps->sealed_creds = ps->sealed_scratch = NULL;
  ps->sealed_creds_len = ps->sealed_scratch_len = 0;
  ps->connected = 0;
  ps->expires_ms = 0;
  ps->epoch++; /* answers to jobs planned before this are never ingested as current */
}

static void aad_for(char *aad, size_t n, const char *what, const vl_pstate *ps) {
  vl_snprintf(aad, n, "pstate-%s|%s", what, vl_provider_name(ps->id));
}

static vl_status open_tree(vl_vault *v, const char *what, const vl_pstate *ps, const uint8_t *sealed, size_t len,
                           cJSON **tree) {
  if (!sealed) return VL_OK;
  char aad[48];
  aad_for(aad, sizeof aad, what, ps);
  uint8_t *json = NULL;
  size_t n = 0;
  vl_status st = vl_vault_open(v, aad, sealed, len, &json, &n);
  if (st) return st;
  *tree = cJSON_ParseWithLength((const char *)json, n);
  vl_free(json);
  return *tree ? VL_OK : VL_ERR_NOMEM;
}

static vl_status seal_tree(vl_vault *v, const char *what, const vl_pstate *ps, cJSON **tree, uint8_t **sealed,
                           size_t *len) {
  if (!*tree) return VL_OK;
  char *json = vl_json_print(*tree);
  cJSON_Delete(*tree);
  *tree = NULL;
  if (!json) return VL_ERR_NOMEM;
  char aad[48];
  aad_for(aad, sizeof aad, what, ps);
  uint8_t *blob = NULL;
  size_t blob_len = 0;
  vl_status st = vl_vault_seal(v, aad, (const uint8_t *)json, strlen(json), &blob, &blob_len);
  vl_free(json); /* allocated through the wiping hooks */
  if (st) return st;
  vl_free(*sealed);
  *sealed = blob;
  *len = blob_len;
  return VL_OK;
}

vl_status vl_pstate_open(vl_vault *v, vl_pstate *ps) {
  vl_status st = open_tree(v, "creds", ps, ps->sealed_creds, ps->sealed_creds_len, &ps->creds);
  if (!st) st = open_tree(v, "scratch", ps, ps->sealed_scratch, ps->sealed_scratch_len, &ps->scratch);
  return st;
}

void vl_pstate_close(vl_vault *v, vl_pstate *ps) {
  vl_status st = seal_tree(v, "creds", ps, &ps->creds, &ps->sealed_creds, &ps->sealed_creds_len);
  if (!st) st = seal_tree(v, "scratch", ps, &ps->scratch, &ps->sealed_scratch, &ps->sealed_scratch_len);
  if (st) {
    vl_pstate_clear(ps);
    ps->reauth = 1;
  }
}

void vl_vault_check_credentials(vl_vault *v, uint64_t now_ms) {
  for (int i = 0; i < VL_PROVIDER_COUNT; i++) {
    vl_pstate *ps = &v->providers[i];
    if (ps->connected && ps->expires_ms && now_ms >= ps->expires_ms) {
      vl_pstate_clear(ps);
      ps->reauth = 1;
      ps->rejected = 0;
      vl_vault_tunnel_event(v, VL_TUNNEL_FORGET);
    }
    /* A value never outlives the credential it was fetched with: expired,
     * disconnected, rejected or replaced, its values are wiped now. */
    if (i != VL_PROVIDER_LOCAL) vl_cache_drop_stale(&v->cache, (uint32_t)i, ps->epoch, !ps->connected);
  }
}

void vl_vault_drop_provider(vl_vault *v, vl_provider_id id, int reauth, int rejected) {
  vl_pstate *ps = &v->providers[id];
  vl_pstate_clear(ps);
  ps->reauth = reauth;
  ps->rejected = rejected;
  vl_vault_tunnel_event(v, VL_TUNNEL_FORGET);
  vl_cache_drop_stale(&v->cache, (uint32_t)id, ps->epoch, 1);
}

static vl_pstate *lookup(vl_vault *v, const char *provider) {
  int id = provider ? vl_provider_lookup(provider) : -1;
  if (id <= VL_PROVIDER_LOCAL) {
    vl_set_error(v, "connect: unknown provider \"%.40s\" (expected aws, azure, 1password, hashicorp, gcp, sealed)",
                 provider ? provider : "");
    return NULL;
  }
  return &v->providers[id];
}

vl_status vl_vault_connect(vl_vault *v, const char *provider, const uint8_t *creds, size_t creds_len, uint64_t now_ms) {
  if (!v) return VL_ERR_ARG;
  vl_pstate *ps = lookup(v, provider);
  if (!ps) return VL_ERR_ARG;
  const vl_provider_ops *ops = vl_provider_ops_for(ps->id);
  if (!ops || !ops->connect) {
    vl_set_error(v, "connect: provider \"%s\" is not supported by this build", provider);
    return VL_ERR_UNSUPPORTED;
  }
  if (!creds || creds_len == 0 || creds_len > VL_MAX_DEF_BYTES) {
    vl_set_error(v, "connect %s: credentials must be a JSON object of at most %zu bytes", provider, VL_MAX_DEF_BYTES);
    return VL_ERR_ARG;
  }
  size_t deep = vl_json_too_deep(creds, creds_len, VL_MAX_JSON_DEPTH);
  if (deep != SIZE_MAX) {
    vl_set_error(v, "connect %s: credentials nest deeper than %d levels (at byte %zu)", provider, VL_MAX_JSON_DEPTH,
                 deep);
    return VL_ERR_LIMIT;
  }
  const char *end = NULL;
  cJSON *j = cJSON_ParseWithLengthOpts((const char *)creds, creds_len, &end, 0);
  if (!cJSON_IsObject(j)) {
    /* Only the position: the text itself is secret. */
    vl_set_error(v, "connect %s: credentials are not a JSON object (error near byte %zu)", provider,
                 end ? (size_t)(end - (const char *)creds) : (size_t)0);
    cJSON_Delete(j);
    return VL_ERR_FORMAT;
  }
  vl_pstate next;
  memset(&next, 0, sizeof next);
  next.id = ps->id;
  next.connected = 1;
  next.creds = j;
  next.vault = ps->vault;
  char err[200] = "";
  vl_status st = ops->connect(&next, now_ms, err, sizeof err);
  if (st) {
    vl_set_error(v, "connect %s: %s", provider, err);
    vl_pstate_clear(&next);
    return st;
  }
  vl_pstate_clear(ps);
  next.epoch = ps->epoch; /* carried over, already bumped by the clear */
  *ps = next;
  vl_cache_drop_stale(&v->cache, (uint32_t)ps->id, ps->epoch, 0); /* fetched with the old credentials */
  vl_pstate_close(v, ps);                                         /* sealed at rest from now on */
  if (!ps->connected) {
    vl_set_error(v, "connect %s: could not seal the credentials", provider);
    return VL_ERR_NOMEM;
  }
  vl_vault_tunnel_event(v, VL_TUNNEL_FORGET); /* connections and TLS sessions opened under the old ones */
  /* New credentials may see other secrets: drop what the old ones fetched. */
  char prefix[32];
  vl_snprintf(prefix, sizeof prefix, "%s|", provider);
  vl_cache_drop(&v->cache, prefix);
  return VL_OK;
}

vl_status vl_vault_disconnect(vl_vault *v, const char *provider) {
  if (!v) return VL_ERR_ARG;
  vl_pstate *ps = lookup(v, provider);
  if (!ps) return VL_ERR_ARG;
  vl_vault_drop_provider(v, ps->id, 0, 0);
  char prefix[32];
  vl_snprintf(prefix, sizeof prefix, "%s|", provider);
  vl_cache_drop(&v->cache, prefix);
  return VL_OK;
}

void vl_vault_reset_cache(vl_vault *v) {
  if (!v) return;
  vl_cache_drop(&v->cache, "");
  v->cache_epoch++; /* fetches already under way are not cached */
  /* What providers remember about names (1Password: names → IDs) goes too:
   * after a reset, every reference is looked up afresh. */
  for (int i = 0; i < VL_PROVIDER_COUNT; i++) {
    vl_pstate *ps = &v->providers[i];
    if (!ps->connected || !ps->sealed_scratch) continue;
    if (vl_pstate_open(v, ps) != VL_OK) { /* as a step would: unreadable credentials are dropped */
      vl_pstate_clear(ps);
      ps->reauth = 1;
      continue;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(ps->scratch, "names");
    vl_pstate_close(v, ps);
  }
}

size_t vl_vault_sweep(vl_vault *v, uint64_t now_ms) {
  if (!v) return 0;
  vl_vault_check_credentials(v, now_ms);
  return vl_cache_sweep(&v->cache, now_ms);
}

vl_status vl_vault_set_cache_ttl(vl_vault *v, uint32_t minutes) {
  if (!v) return VL_ERR_ARG;
  if (minutes < 1 || minutes > 525600) {
    vl_set_error(v, "cache TTL must be 1..525600 minutes, got %u", (unsigned)minutes);
    return VL_ERR_ARG;
  }
  v->opts.cache_ttl_minutes = minutes;
  return VL_OK;
}

static void put_u64(vl_buf *b, uint64_t x) {
  char tmp[32];
  vl_snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)x);
  vl_buf_put_str(b, tmp);
}

vl_status vl_vault_status(vl_vault *v, uint64_t now_ms, uint8_t **out, size_t *out_len) {
  if (!v || !out || !out_len) return VL_ERR_ARG;
  vl_vault_check_credentials(v, now_ms);
  vl_cache_sweep(&v->cache, now_ms);
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_put_str(&b, "{\"providers\":[");
  int first = 1;
  for (int i = 1; i < VL_PROVIDER_COUNT; i++) {
    const vl_pstate *ps = &v->providers[i];
    if (!vl_provider_ops_for(ps->id)) continue;
    vl_buf_put_str(&b, first ? "{\"provider\":\"" : ",{\"provider\":\"");
    first = 0;
    vl_buf_put_str(&b, vl_provider_name(ps->id));
    vl_buf_put_str(&b, ps->connected ? "\",\"connected\":true" : "\",\"connected\":false");
    vl_buf_put_str(&b, ps->reauth ? ",\"reauthRequired\":true" : ",\"reauthRequired\":false");
    vl_buf_put_str(&b, ps->rejected ? ",\"credentialsRejected\":true,\"expiresAt\":"
                                    : ",\"credentialsRejected\":false,\"expiresAt\":");
    if (ps->connected && ps->expires_ms)
      put_u64(&b, ps->expires_ms);
    else
      vl_buf_put_str(&b, "null");
    vl_buf_put_str(&b, "}");
  }
  vl_buf_put_str(&b, "],\"cache\":[");
  for (size_t i = 0; i < v->cache.count; i++) {
    const vl_cache_entry *e = &v->cache.entries[i];
    vl_buf_put_str(&b, i ? ",{\"name\":\"" : "{\"name\":\"");
    vl_buf_put_json_str(&b, (const uint8_t *)e->name, strlen(e->name));
    vl_buf_put_str(&b, "\",\"key\":\"");
    vl_buf_put_json_str(&b, (const uint8_t *)e->key, strlen(e->key));
    vl_buf_put_str(&b, "\",\"expiresAt\":");
    put_u64(&b, e->expires_ms);
    vl_buf_put_str(&b, "}");
  }
  vl_buf_put_str(&b, "],\"cacheTtlMinutes\":");
  put_u64(&b, v->opts.cache_ttl_minutes);
  vl_buf_put_str(&b, "}");
  if (b.failed) {
    vl_status st = b.why;
    vl_buf_free(&b);
    return st;
  }
  *out = vl_buf_take(&b, out_len);
  return *out ? VL_OK : VL_ERR_NOMEM;
}
