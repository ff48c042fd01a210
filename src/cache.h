/*
 * The value cache: every entry is sealed at rest with ChaCha20-Poly1305 under a
 * per-session random key, with the cache key as associated data (DESIGN.md I3).
 * Plaintext exists only in the buffer vl_cache_get hands out, which the caller
 * wipes (vl_free) as soon as the request is rendered.
 *
 * Expiry is enforced on every read with the caller's clock (I5); vl_cache_sweep
 * zeroes expired entries; the cache is bounded by entry count and sealed bytes
 * with least-recently-used eviction, and eviction wipes.
 */
#ifndef VL_CACHE_H
#define VL_CACHE_H
#include <stddef.h>
#include <stdint.h>

#include "vaultlink.h"

#define VL_CACHE_MAX_ENTRIES 1000u
#define VL_CACHE_MAX_BYTES ((size_t)8 * 1024 * 1024)

typedef struct vl_cache_entry {
  char *key;       /* "provider|canonical reference|selector": not secret */
  char *name;      /* the secret name that filled it, for status() */
  uint8_t *sealed; /* nonce(12) ‖ ciphertext ‖ tag(16) */
  size_t sealed_len;
  uint64_t expires_ms, last_used_ms;
  uint32_t owner; /* the provider whose credential fetched it (0: none, e.g. a sealed blob) */
  uint32_t epoch; /* that provider's credential epoch at the fetch: the value never outlives it */
} vl_cache_entry;

typedef struct {
  uint8_t key[32];   /* per-session sealing key */
  uint8_t prefix[4]; /* the nonces' first 4 bytes, random with the key */
  vl_cache_entry *entries;
  size_t count, cap, bytes;
  uint64_t counter; /* the nonces' last 8 bytes: one per seal, never reused */
} vl_cache;

/* Fresh random session key and nonce prefix (one entropy call). VL_ERR_CRYPTO
 * if no entropy. */
vl_status vl_cache_init(vl_cache *c);
/* Wipes every entry and the key. */
void vl_cache_free(vl_cache *c);

/* Seals value under key; replaces an entry with the same key. Evicts (and
 * wipes) least-recently-used entries to stay within the bounds. */
vl_status vl_cache_put(vl_cache *c, const char *key, const char *name, const uint8_t *value, size_t len,
                       uint64_t expires_ms, uint64_t now_ms);

/* vl_cache_put for a value fetched with credentials: the entry remembers the
 * provider (owner, nonzero) and its credential epoch, and goes with them
 * (vl_cache_drop_stale). */
vl_status vl_cache_put_owned(vl_cache *c, const char *key, const char *name, const uint8_t *value, size_t len,
                             uint64_t expires_ms, uint64_t now_ms, uint32_t owner, uint32_t epoch);

/* Wipes and removes owner's entries whose epoch is not epoch; with all, every
 * entry of owner. Returns how many went. */
size_t vl_cache_drop_stale(vl_cache *c, uint32_t owner, uint32_t epoch, int all);

/* Opens the entry for key into a new vl_alloc'd buffer (NUL-terminated).
 * VL_ERR_NOT_FOUND if absent; VL_ERR_EXPIRED if past its expiry (the entry is
 * then wiped and removed). */
/* Opens a blob sealed under c's key (nonce ‖ ciphertext ‖ tag) with aad:
 * *value is a new NUL-terminated buffer (vl_free() wipes it). */
vl_status vl_cache_open_sealed(const vl_cache *c, const char *aad, const uint8_t *sealed, size_t sealed_len,
                               uint8_t **value, size_t *len);
vl_status vl_cache_get(vl_cache *c, const char *key, uint64_t now_ms, uint8_t **value, size_t *len);

/* 1 if a live entry exists (no decryption). */
int vl_cache_has(const vl_cache *c, const char *key, uint64_t now_ms);

/* Removes entries whose key starts with prefix (all when prefix is ""). */
void vl_cache_drop(vl_cache *c, const char *prefix);
/* Removes expired entries; returns how many. */
size_t vl_cache_sweep(vl_cache *c, uint64_t now_ms);
#endif
