#include "cache.h"

#include <string.h>

#include "crypto/aead.h"
#include "crypto/random.h"
#include "mem.h"

#define NONCE_LEN 12u
#define TAG_LEN 16u

vl_status vl_cache_init(vl_cache *c) {
  memset(c, 0, sizeof *c);
  uint8_t fresh[sizeof c->key + sizeof c->prefix];
  vl_status st = vl_random(fresh, sizeof fresh);
  memcpy(c->key, fresh, sizeof c->key);
  memcpy(c->prefix, fresh + sizeof c->key, sizeof c->prefix);
  vl_wipe(fresh, sizeof fresh);
  return st;
}

static void entry_clear(vl_cache *c, vl_cache_entry *e) {
  c->bytes -= e->sealed_len;
  vl_free(e->key);
  vl_free(e->name);
  vl_free(e->sealed);
  vl_wipe(e, sizeof *e);
}

static void remove_at(vl_cache *c, size_t i) {
  entry_clear(c, &c->entries[i]);
  c->entries[i] = c->entries[c->count - 1];
  vl_wipe(&c->entries[c->count - 1], sizeof *c->entries);
  c->count--;
}

void vl_cache_free(vl_cache *c) {
  while (c->count) remove_at(c, c->count - 1);
  vl_free(c->entries);
  vl_wipe(c, sizeof *c);
}

static long find(const vl_cache *c, const char *key) {
  for (size_t i = 0; i < c->count; i++)
    if (strcmp(c->entries[i].key, key) == 0) return (long)i;
  return -1;
}

static void evict_lru(vl_cache *c) {
  size_t victim = 0;
  for (size_t i = 1; i < c->count; i++)
    if (c->entries[i].last_used_ms < c->entries[victim].last_used_ms) victim = i;
  remove_at(c, victim);
}

vl_status vl_cache_put(vl_cache *c, const char *key, const char *name, const uint8_t *value, size_t len,
                       uint64_t expires_ms, uint64_t now_ms) {
  return vl_cache_put_owned(c, key, name, value, len, expires_ms, now_ms, 0, 0);
}

size_t vl_cache_drop_stale(vl_cache *c, uint32_t owner, uint32_t epoch, int all) {
  size_t n = 0;
  for (size_t i = c->count; i-- > 0;) {
    const vl_cache_entry *e = &c->entries[i];
    if (owner && e->owner == owner && (all || e->epoch != epoch)) {
      remove_at(c, i);
      n++;
    }
  }
  return n;
}

vl_status vl_cache_put_owned(vl_cache *c, const char *key, const char *name, const uint8_t *value, size_t len,
                             uint64_t expires_ms, uint64_t now_ms, uint32_t owner, uint32_t epoch) {
  if (expires_ms <= now_ms) return VL_OK; /* already expired: nothing to keep */
  size_t sealed_len = NONCE_LEN + len + TAG_LEN;
  if (sealed_len > VL_CACHE_MAX_BYTES) return VL_ERR_LIMIT;
  long old = find(c, key);
  if (old >= 0) remove_at(c, (size_t)old);
  while (c->count && (c->count >= VL_CACHE_MAX_ENTRIES || c->bytes + sealed_len > VL_CACHE_MAX_BYTES)) evict_lru(c);
  if (c->count == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 16;
    vl_cache_entry *e = vl_realloc(c->entries, cap * sizeof *e);
    if (!e) return VL_ERR_NOMEM;
    c->entries = e;
    c->cap = cap;
  }
  uint8_t *sealed = vl_alloc(sealed_len);
  char *k = vl_memdup(key, strlen(key));
  char *n = vl_memdup(name ? name : "", name ? strlen(name) : 0);
  vl_status st = (sealed && k && n) ? VL_OK : VL_ERR_NOMEM;
  if (st == VL_OK) {
    /* nonce = the session's random prefix ‖ a 64-bit counter: unique under
     * the session key, which dies with the cache. No entropy call per seal
     * (each was a round trip out of wasm to crypto.getRandomValues). */
    memcpy(sealed, c->prefix, sizeof c->prefix);
    uint64_t ctr = ++c->counter;
    for (int i = 0; i < 8; i++) sealed[4 + i] = (uint8_t)(ctr >> (8 * i));
    st = vl_chacha20poly1305_seal(c->key, sizeof c->key, sealed, NONCE_LEN, (const uint8_t *)key, strlen(key), value,
                                  len, sealed + NONCE_LEN);
  }
  if (st) {
    vl_free(sealed);
    vl_free(k);
    vl_free(n);
    return st;
  }
  vl_cache_entry *e = &c->entries[c->count++];
  e->key = k;
  e->name = n;
  e->sealed = sealed;
  e->sealed_len = sealed_len;
  e->expires_ms = expires_ms;
  e->last_used_ms = now_ms;
  e->owner = owner;
  e->epoch = epoch;
  c->bytes += sealed_len;
  return VL_OK;
}

vl_status vl_cache_get(vl_cache *c, const char *key, uint64_t now_ms, uint8_t **value, size_t *len) {
  *value = NULL;
  *len = 0;
  long i = find(c, key);
  if (i < 0) return VL_ERR_NOT_FOUND;
  vl_cache_entry *e = &c->entries[i];
  if (now_ms >= e->expires_ms) {
    remove_at(c, (size_t)i);
    return VL_ERR_EXPIRED;
  }
  vl_status st = vl_cache_open_sealed(c, key, e->sealed, e->sealed_len, value, len);
  if (st == VL_OK) e->last_used_ms = now_ms;
  return st;
}

vl_status vl_cache_open_sealed(const vl_cache *c, const char *aad, const uint8_t *sealed, size_t sealed_len,
                               uint8_t **value, size_t *len) {
  *value = NULL;
  *len = 0;
  if (sealed_len < NONCE_LEN + TAG_LEN) return VL_ERR_AUTH;
  size_t n = sealed_len - NONCE_LEN - TAG_LEN;
  uint8_t *out = vl_alloc(n + 1);
  if (!out) return VL_ERR_NOMEM;
  vl_status st = vl_chacha20poly1305_open(c->key, sizeof c->key, sealed, NONCE_LEN, (const uint8_t *)aad, strlen(aad),
                                          sealed + NONCE_LEN, sealed_len - NONCE_LEN, out);
  if (st) {
    vl_free(out);
    return st;
  }
  out[n] = 0;
  *value = out;
  *len = n;
  return VL_OK;
}

int vl_cache_has(const vl_cache *c, const char *key, uint64_t now_ms) {
  long i = find(c, key);
  return i >= 0 && now_ms < c->entries[i].expires_ms;
}

void vl_cache_drop(vl_cache *c, const char *prefix) {
  size_t pl = strlen(prefix);
  for (size_t i = c->count; i-- > 0;)
    if (strncmp(c->entries[i].key, prefix, pl) == 0) remove_at(c, i);
}

size_t vl_cache_sweep(vl_cache *c, uint64_t now_ms) {
  size_t n = 0;
  for (size_t i = c->count; i-- > 0;) {
    if (now_ms >= c->entries[i].expires_ms) {
      remove_at(c, i);
      n++;
    }
  }
  return n;
}
