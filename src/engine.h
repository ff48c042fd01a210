/* Internal structures of the vault engine (links and resolves). */
#ifndef VL_ENGINE_H
#define VL_ENGINE_H
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "input_limits.h"
#include "policy.h"
#include "reqcodec.h"
#include "tunnel/tunnel.h"
#include "vaultlink.h"

typedef enum {
  VL_PROVIDER_LOCAL = 0,
  VL_PROVIDER_AWS,
  VL_PROVIDER_AZURE,
  VL_PROVIDER_1PASSWORD,
  VL_PROVIDER_HASHICORP,
  VL_PROVIDER_GCP,
  VL_PROVIDER_SEALED,
  VL_PROVIDER_COUNT
} vl_provider_id;

const char *vl_provider_name(vl_provider_id id);
/* Looks a provider up by its Postman name ("aws", "1password", …); -1 if none. */
int vl_provider_lookup(const char *name);

typedef struct {
  uint8_t *name;
  size_t name_len;
  char *def_json; /* canonical, non-secret: {"name","source","domains","enabled"} */
  vl_provider_id provider;
  vl_domain *domains;
  size_t domain_count;
  int enabled;
  uint8_t *sealed_value; /* provider "local": the value, sealed under the session key */
  size_t sealed_len;
  int value_is_utf8;
  cJSON *params;   /* external providers: the parsed reference */
  char *canonical; /* external providers: canonical reference (not secret) */
  char *cache_key; /* "provider|canonical" for external, "local|name" for local */
} vl_link;

struct vl_pstate;

/* One slot of the vault's resolve table (see vl_vault_resolve_open). */
typedef struct {
  struct vl_resolve *r; /* NULL when free */
  uint32_t gen;         /* bumped every time the slot is taken: stale handles miss */
} vl_rslot;

struct vl_vault {
  vl_link *links; /* sorted by name (bytewise) */
  size_t link_count, link_cap;
  uint32_t links_gen; /* bumped when links are added, replaced or removed: a resolve's found links go stale */
  vl_options opts;
  vl_cache cache;
  struct vl_pstate *providers; /* VL_PROVIDER_COUNT entries */
  /* Per-session X25519 recipient key pair for sealed envelopes (DESIGN.md I8):
   * made on first use (vl_vault_public_key: no envelope can be sealed to a key
   * nobody asked for), never exported, wiped by vl_vault_free. */
  uint8_t recipient_sk[32], recipient_pk[32];
  int have_recipient;
  /* Resolves named by handle (slot | generation << VL_RSLOT_BITS) for callers
   * that cannot be trusted with pointers' lifetimes (the wasm shim). */
  vl_rslot rslots[VL_MAX_RESOLVES];
  /* Job ids are unique in a vault, never per resolve: an answer can only be
   * ingested as the answer to the exact job it was fetched for. */
  uint32_t next_job_id;
  uint32_t rslot_next; /* where the next free-slot search starts */
  /* Bumped by vl_vault_reset_cache: a fetch begun before a reset is never cached. */
  uint32_t cache_epoch;
  uint8_t idkey[32];             /* keys job identities (vl_job.identity); random per vault */
  struct vl_tunnel *tunnel;      /* the tunnel transport's connections (src/tunnel/), made on first use */
  vl_tunnel_hook_fn tunnel_hook; /* set with it; NULL in a module without the tunnel */
  char err[256];
};

/* Tells the tunnel, if this vault has one, that credentials changed (FORGET)
 * or that the vault is going (FREE). */
static inline void vl_vault_tunnel_event(vl_vault *v, vl_tunnel_event ev) {
  if (v && v->tunnel_hook) v->tunnel_hook(v, ev);
}

/* Frees (wipes) every resolve still open in the handle table. */
void vl_vault_close_resolves(vl_vault *v);

/* Wipes expired credentials (their provider then reports reauth_required). */
void vl_vault_check_credentials(vl_vault *v, uint64_t now_ms);

/* Wipes a provider's credentials, state and cached values; then it reports
 * reauth_required (reauth), credentials_rejected (rejected) or not_connected. */
void vl_vault_drop_provider(vl_vault *v, vl_provider_id id, int reauth, int rejected);

/* Seals/opens a small blob (nonce ‖ ct ‖ tag) under the vault's session key. */
vl_status vl_vault_seal(vl_vault *v, const char *aad, const uint8_t *value, size_t len, uint8_t **sealed,
                        size_t *sealed_len);
vl_status vl_vault_open(vl_vault *v, const char *aad, const uint8_t *sealed, size_t sealed_len, uint8_t **value,
                        size_t *len);

/* Finds the link NAME, or NULL. */
const vl_link *vl_vault_find(const vl_vault *v, const uint8_t *name, size_t name_len);

void vl_set_error(vl_vault *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
#endif
