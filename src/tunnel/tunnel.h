/*
 * The tunnel engine's internals (the public calls are in vaultlink.h): a
 * per-vault pool of connections, each a TLS 1.2 client (src/tls/) or a
 * plain TCP byte stream, carrying HTTP/1.1 (src/http/) for one job at a
 * time. The caller moves opaque bytes between a connection and a relay
 * stream; the answer to a job is parsed and ingested inside the core, so
 * neither the request nor the response exists outside wasm.
 */
#ifndef VL_TUNNEL_H
#define VL_TUNNEL_H
#include "vaultlink.h"

struct vl_tunnel;

/* What the vault tells its tunnel (through vl_vault.tunnel_hook, which the
 * tunnel sets when it first makes its state: a module without src/tunnel/
 * references none of its code). FORGET: credentials changed or went
 * (connect, disconnect, expiry): idle connections and remembered TLS sessions
 * are wiped; busy ones finish and close (their answers are dropped by the
 * credential epoch). FREE: wipe and free connections, sessions and anchors. */
typedef enum { VL_TUNNEL_FORGET, VL_TUNNEL_FREE } vl_tunnel_event;
typedef void (*vl_tunnel_hook_fn)(vl_vault *v, vl_tunnel_event ev);
#endif
