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

/* Wipes and frees the vault's tunnel state (connections, sessions, anchors). */
void vl_tunnel_free(struct vl_tunnel *t);

/* Credentials changed or went (connect, disconnect, expiry): idle
 * connections and remembered TLS sessions are wiped; busy ones finish and
 * close (their answers are dropped by the credential epoch). */
void vl_tunnel_forget(vl_vault *v);
#endif
