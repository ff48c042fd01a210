/*
 * vaultlink — the public C API of the core.
 *
 * The core is a sans-I/O state machine: the caller hands it bytes and the time
 * (milliseconds since the Unix epoch, from the caller's clock), it hands back
 * bytes and HTTP jobs. It never reads a clock, opens a socket or touches a file.
 * Every buffer that held secret bytes is wiped before it is freed (see mem.h).
 *
 * Resolving a request:
 *
 *   vl_resolve *r;
 *   vl_resolve_begin(v, req, req_len, flags, now_ms, &r);   // plan
 *   while (vl_resolve_next_job(r, &job) == VL_OK) {         // fetch (by the caller)
 *       ... perform job.request ...
 *       vl_resolve_job_done(r, job.id, http_status, resp, resp_len, now_ms);  // ingest
 *   }
 *   vl_resolve_render(r, now_ms, &out, &report);            // render
 *   vl_resolve_free(r);
 *
 * Requests, jobs and responses travel in the wire format of reqcodec.h.
 */
#ifndef VAULTLINK_H
#define VAULTLINK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One status enum for the whole core; vl_strerror() names each. A function that
 * fails leaves no partial output behind. */
typedef enum {
  VL_OK = 0,
  VL_ERR_NOMEM = 1,            /* allocation failed */
  VL_ERR_ARG = 2,              /* a parameter is invalid (NULL, wrong type, out of range) */
  VL_ERR_LIMIT = 3,            /* an input exceeds a limit in input_limits.h */
  VL_ERR_FORMAT = 4,           /* malformed input (encoding, JSON, wire format) */
  VL_ERR_REFERENCE = 5,        /* a link's external reference does not parse */
  VL_ERR_STATE = 6,            /* call out of order (e.g. job done twice) */
  VL_ERR_NOT_FOUND = 7,        /* no such link, job or entry */
  VL_ERR_CRYPTO = 8,           /* a cryptographic operation failed */
  VL_ERR_AUTH = 9,             /* authentication failed (AEAD tag, signature) */
  VL_ERR_EXPIRED = 10,         /* an envelope, credential or entry is past its expiry */
  VL_ERR_UNSUPPORTED = 11,     /* a provider or feature this build does not have */
  VL_ERR_DONE = 12,            /* iteration finished (no more jobs) — not a failure */
  VL_ERR_WRONG_RECIPIENT = 13, /* an envelope is sealed to a different key */
  VL_ERR_REF_MISMATCH = 14     /* an envelope is bound to a different external reference */
} vl_status;

/* A static, human-readable name for a status. Never NULL. */
const char *vl_strerror(vl_status status);

/* A stable snake_case code for a status ("bad_argument", "limit", …): the JS
 * shim's VaultError codes come from here. "error" for an unknown value. */
const char *vl_status_code(vl_status status);

/* Why a {{vault:NAME}} token was left literal (Postman's troubleshooting list). */
typedef enum {
  VL_REASON_NONE = 0,
  VL_REASON_UNKNOWN = 1,               /* no secret with that name ("empty" in Postman) */
  VL_REASON_DISABLED = 2,              /* the secret is disabled */
  VL_REASON_DOMAIN_NOT_ALLOWED = 3,    /* the request's URL is outside its allowed domains */
  VL_REASON_NOT_CONNECTED = 4,         /* its provider has no credentials */
  VL_REASON_REAUTH_REQUIRED = 5,       /* credentials expired (past their expiry, or the provider says so) */
  VL_REASON_PERMISSION_DENIED = 6,     /* the provider refused access */
  VL_REASON_NOT_FOUND = 7,             /* the external secret does not exist */
  VL_REASON_DISABLED_AT_PROVIDER = 8,  /* disabled, deleted or destroyed at the provider */
  VL_REASON_THROTTLED = 9,             /* the provider rate-limited us */
  VL_REASON_UNREACHABLE = 10,          /* network, CORS or TLS failure */
  VL_REASON_MALFORMED_RESPONSE = 11,   /* the provider's answer could not be understood */
  VL_REASON_MISCONFIGURED = 12,        /* the link itself cannot be used (bad reference, provider) */
  VL_REASON_BINARY_VALUE = 13,         /* a non-UTF-8 value cannot go into a text field */
  VL_REASON_CREDENTIALS_REJECTED = 14, /* the provider rejected the credentials (401/403), before their expiry */
  VL_REASON_KEY_NOT_FOUND = 15,        /* the secret exists but has no such key (format json, "key") */
  VL_REASON_COUNT = 16
} vl_reason;

/* A stable snake_case code ("domain_not_allowed") and a sentence for a reason. */
const char *vl_reason_code(vl_reason reason);
const char *vl_reason_message(vl_reason reason);

/* ---------------------------------------------------------------- the vault */

typedef struct vl_vault vl_vault;

typedef struct {
  uint32_t cache_ttl_minutes; /* 0 means the default, 60 (as Postman) */
} vl_options;

/* Creates an empty vault. opts may be NULL. Returns NULL only when out of memory. */
vl_vault *vl_vault_new(const vl_options *opts);

/* Wipes every secret, credential and link, then frees the vault. NULL is a no-op. */
void vl_vault_free(vl_vault *v);

/* The detail of the last failure on this vault: names the input, field and byte
 * position that were wrong; never contains a secret. Never NULL (may be ""). */
const char *vl_vault_last_error(const vl_vault *v);

/*
 * Defines (or replaces) the secret NAME.
 *
 * def is JSON, not secret:
 *   {"source": {"provider": "local"} | a Postman Variable.source object | "shorthand",
 *    "domains": ["example.com", "*.example.org", "http://host:8080/path"],   // optional
 *    "enabled": true}                                                        // optional
 * value/value_len carry the secret value for provider "local" (copied; the caller
 * wipes its copy) and must be NULL/0 for other providers.
 *
 * Fails with VL_ERR_ARG (bad name), VL_ERR_FORMAT (bad JSON, a field of the
 * wrong type, a "value" in the source: values never travel in definitions),
 * VL_ERR_REFERENCE (a reference that does not parse; the message quotes at
 * most its first 4 bytes, as it may be a secret pasted in the wrong place),
 * VL_ERR_LIMIT (too long, too many domains). On failure the previous
 * definition of NAME, if any, is unchanged. Replacing a link drops its cached
 * value.
 */
vl_status vl_vault_link(vl_vault *v, const uint8_t *name, size_t name_len, const uint8_t *def, size_t def_len,
                        const uint8_t *value, size_t value_len);

/* Removes NAME and wipes its value. VL_ERR_NOT_FOUND if there is none. */
vl_status vl_vault_unlink(vl_vault *v, const uint8_t *name, size_t name_len);

/* Enables or disables NAME. VL_ERR_NOT_FOUND if there is none. */
vl_status vl_vault_set_enabled(vl_vault *v, const uint8_t *name, size_t name_len, int enabled);

/* Writes a JSON list of links ([{name, provider, source, domains, enabled}], never values)
 * into a new buffer the caller frees with vl_free(). */
vl_status vl_vault_list(const vl_vault *v, uint8_t **out, size_t *out_len);

/*
 * The vault's per-session recipient public key (X25519, 32 bytes) for sealed
 * envelopes (docs/envelope.md), and its key id = SHA-256(pk)[0..8]. The key
 * pair is generated with the vault and its secret half never leaves the core;
 * vl_vault_free wipes it. key_id may be NULL. VL_ERR_ARG for a NULL v or pk.
 */
vl_status vl_vault_public_key(vl_vault *v, uint8_t pk[32], uint8_t key_id[8]);

/* ---------------------------------------------------------------- providers */

/*
 * Connects a provider ("aws", "hashicorp", "azure", "1password", "gcp"): the
 * credentials (JSON, secret; the caller wipes its copy) move into the core.
 * Each credential gets an expiry: creds "expiresAt" (ms since the epoch), a
 * token response's lifetime, or the provider's default; at expiry it is wiped
 * and the provider reports "reauth_required". Replaces earlier credentials.
 * Nothing is sent: vl_vault_verify_open checks them with the provider.
 * Values cached under earlier credentials are wiped.
 */
vl_status vl_vault_connect(vl_vault *v, const char *provider, const uint8_t *creds, size_t creds_len, uint64_t now_ms);

/*
 * Verifies a provider's current credentials (issue #13): a resolve with no
 * request whose one task asks the provider who the credentials are, with the
 * cheapest side-effect-free call it has (aws: STS GetCallerIdentity; hashicorp:
 * auth/token/lookup-self, or the login for login methods; 1password: GET
 * /v1/vaults; azure: the access token's claims, no request; gcp and sealed:
 * none). Open it, run its jobs like a resolve's (vl_resolve_next_job on
 * vl_vault_resolve_get(v, handle), vl_vault_job_done), then read the result
 * and close the handle with vl_vault_resolve_close. A check that needs no
 * request is decided in open (no jobs waiting).
 *
 * The result is JSON, never a credential:
 *   {"provider","ok":true,"verified":bool,"identity"?:string,"expiresAt":ms|null,"method":string}
 *   {"provider","ok":false,"reason":"credentials_rejected"|"unreachable"|…,"status":http,"message":string}
 * identity is provider text that passed a validator (quote.c), else
 * "(unexpected value)". When ok is false the provider was disconnected
 * (credentials and cached values wiped), unless it was reconnected meanwhile.
 * VL_ERR_STATE from result while jobs are still outstanding is not reported:
 * outstanding jobs count as "unreachable".
 */
vl_status vl_vault_verify_open(vl_vault *v, const char *provider, uint64_t now_ms, uint32_t *handle);
vl_status vl_vault_verify_result(vl_vault *v, uint32_t handle, uint64_t now_ms, uint8_t **out, size_t *out_len);

/* Wipes a provider's credentials and learned state; its links stay unresolved. */
vl_status vl_vault_disconnect(vl_vault *v, const char *provider);

/* JSON status, never values: {"providers":[{provider, connected, reauthRequired,
 * expiresAt}], "cache":[{name, key, expiresAt}], "cacheTtlMinutes"}. */
vl_status vl_vault_status(vl_vault *v, uint64_t now_ms, uint8_t **out, size_t *out_len);

/* Wipes every cached value, and what providers remember about names
 * (1Password vault and item names → IDs). */
void vl_vault_reset_cache(vl_vault *v);

/* Wipes expired cache entries and credentials; returns how many entries went. */
size_t vl_vault_sweep(vl_vault *v, uint64_t now_ms);

/* Sets the cache expiration (minutes, 1..525600) for values cached from now on. */
vl_status vl_vault_set_cache_ttl(vl_vault *v, uint32_t minutes);

/* ---------------------------------------------------------------- resolve */

typedef struct vl_resolve vl_resolve;

enum {
  /* Postman's repeated passes: a substituted value is expanded again, up to 19
   * passes. Off by default: a secret value is never re-expanded. */
  VL_RESOLVE_POSTMAN_COMPAT = 1u << 0,
  /* Render returns only the substitutions, for a caller that still holds the
   * template (the JS shim). Little-endian u32s: "VLP1", count, text_bytes, 0;
   * count records {field, start, end, units, bytes}; then the values (UTF-8
   * for text fields), back to back. field: 0 the URL, 1 + 2i header i's name,
   * 2 + 2i its value, 1 + 2 × header count the body. Records come in field
   * and offset order. start/end delimit the token and units measures the
   * value in the caller's units: UTF-16 code units in text fields (the
   * template is the UTF-8 of well-formed strings), bytes in a byte body;
   * bytes is the value's length in the values. text_bytes: how many of the
   * values' bytes are text. A short text field (up to 1 KiB) with any
   * substitution comes back as one record spanning it, its value the rendered
   * field. Long text is never copied, so a large body costs what its tokens
   * cost. Ignored with VL_RESOLVE_POSTMAN_COMPAT (its passes rescan
   * rendered text, so that mode renders the whole request). */
  VL_RESOLVE_PATCH = 1u << 1
};

/* One HTTP job for the caller to perform. request is in the reqcodec wire
 * format and stays valid until the job is done or the resolve is freed.
 * identity names what the job asks for (a keyed hash under a per-vault
 * random key, so it reveals nothing about the credentials in the request):
 * two jobs with the same identity, in any resolves of one vault, are the
 * same request under the same credentials, and one answer serves both. A
 * signature's timestamp does not change it. */
#define VL_JOB_IDENTITY_LEN 16
typedef struct {
  uint32_t id;
  const uint8_t *request;
  size_t request_len;
  uint8_t identity[VL_JOB_IDENTITY_LEN];
  const char *provider; /* "aws", "azure", …: whose job it is (a transport may route on it) */
} vl_job;

/*
 * Plan: copies the request (reqcodec wire format) into the core, finds the
 * {{vault:NAME}} tokens, applies the allowed-domain rules and queues a job for
 * every external secret that is missing from the cache. Fails without side
 * effects on a malformed request (VL_ERR_FORMAT) or one over the limits
 * (VL_ERR_LIMIT); the detail names the field.
 */
vl_status vl_resolve_begin(vl_vault *v, const uint8_t *req, size_t req_len, uint32_t flags, uint64_t now_ms,
                           vl_resolve **out);

/* Like vl_resolve_begin, but takes ownership of req, which must come from
 * vl_alloc(): no copy is made, and req is freed (wiped) in every case. */
vl_status vl_resolve_begin_owned(vl_vault *v, uint8_t *req, size_t req_len, uint32_t flags, uint64_t now_ms,
                                 vl_resolve **out);

/* How many jobs are waiting to be handed out by vl_resolve_next_job. */
size_t vl_resolve_jobs_waiting(const vl_resolve *r);

/* What secret material the calls on r touched since the last time this was
 * asked (then cleared): a wasm entry point scrubs the stack that deep. */
enum {
  VL_TOUCHED_VALUES = 1u << 0,     /* a render opened sealed values */
  VL_TOUCHED_CREDENTIALS = 1u << 1 /* a provider step ran */
};
unsigned vl_resolve_take_touched(vl_resolve *r);

/* The next job not yet handed out; VL_ERR_DONE when there is none right now. */
vl_status vl_resolve_next_job(vl_resolve *r, vl_job *job);

/* The request of job id while it is outstanding (handed out, not answered);
 * VL_ERR_NOT_FOUND otherwise. The bytes stay owned by the resolve. */
vl_status vl_resolve_job_request(vl_resolve *r, uint32_t id, const uint8_t **req, size_t *len);

/* Ingest: the response to job id (reqcodec response format). http_status 0
 * means the transport failed (network, CORS, timeout). May queue follow-up jobs. */
vl_status vl_resolve_job_done(vl_resolve *r, uint32_t id, uint32_t http_status, const uint8_t *resp, size_t resp_len,
                              uint64_t now_ms);

/*
 * Render: writes the substituted request (reqcodec wire format) and the JSON
 * report of unresolved tokens ([{token, name, where, reason, message}]) into new
 * buffers. The request buffer holds secrets: free it with vl_free(), which
 * wipes. Jobs still outstanding count as "provider unreachable".
 */
vl_status vl_resolve_render(vl_resolve *r, uint64_t now_ms, uint8_t **out, size_t *out_len, uint8_t **report,
                            size_t *report_len);

/* Wipes and frees a resolve. NULL is a no-op. */
void vl_resolve_free(vl_resolve *r);

/*
 * Resolves by handle, for a caller that cannot be trusted with a pointer's
 * lifetime (the wasm shim: a late answer from a transport must never reach a
 * freed resolve, or a new one at the same address). The vault keeps its
 * resolves in a table of VL_MAX_RESOLVES slots; a handle is the slot and that
 * slot's generation, bumped each time the slot is taken, so the handle of a
 * closed resolve never names another one. Job ids are unique in the vault, so
 * an answer is only ever ingested for the exact job it was fetched for.
 *
 * vl_vault_resolve_open is vl_resolve_begin_owned (req comes from vl_alloc
 * and is always freed) that stores the resolve and writes its handle (never
 * 0). VL_ERR_LIMIT when every slot is in use.
 * vl_vault_resolve_get returns the open resolve a handle names, or NULL (and
 * sets the vault's last error) for 0, a closed or a stale handle.
 * vl_vault_resolve_close wipes and frees it; VL_ERR_NOT_FOUND if the handle
 * is not open (nothing is touched). vl_vault_free closes every open one.
 */
vl_status vl_vault_resolve_open(vl_vault *v, uint8_t *req, size_t req_len, uint32_t flags, uint64_t now_ms,
                                uint32_t *handle);
vl_resolve *vl_vault_resolve_get(vl_vault *v, uint32_t handle);
vl_status vl_vault_resolve_close(vl_vault *v, uint32_t handle);

/*
 * Ingests the answer to job id of the resolve handle names (as
 * vl_resolve_job_done), then gives the same answer to every other job handed
 * out, in any open resolve of the vault, with the same identity: a caller
 * performs identical jobs once. An answer for a job that was already answered
 * that way is ignored (VL_OK). VL_ERR_NOT_FOUND for a handle that is not open
 * or a job that is not outstanding.
 */
vl_status vl_vault_job_done(vl_vault *v, uint32_t handle, uint32_t id, uint32_t http_status, const uint8_t *resp,
                            size_t resp_len, uint64_t now_ms);

/* ---------------------------------------------------------------- tunnel */

/*
 * The tunnel transport (DESIGN.md §5): the core carries a job over a
 * connection it owns (TLS 1.2 for https origins, certificates checked
 * against the vault's trust anchors and the caller's clock; plain TCP for
 * http) and parses the answer itself, so the job's request and response never
 * leave the core. The caller opens a byte stream to the job's origin through
 * a relay and moves bytes:
 *
 *   vl_vault_tunnel_begin(v, h, id, now, &conn, &fresh);  // fresh: open a stream to the origin
 *   loop:
 *     n = vl_vault_tunnel_output(v, conn, &p); send p[0..n); vl_vault_tunnel_sent(v, conn, n, now);
 *     on bytes from the stream: vl_vault_tunnel_input(v, conn, bytes, n, now, &state);
 *     on the stream's end:      vl_vault_tunnel_closed(v, conn, why, now, &state);
 *     on a timeout:             vl_vault_tunnel_abort(v, conn, "timed out", now);
 *   until state is VL_TUNNEL_DONE (the job is answered; the connection stays
 *   open for the next job to the same origin) or VL_TUNNEL_CLOSE (answered,
 *   or failed and answered "unreachable" with the cause named; the
 *   connection is gone: close the stream).
 *
 * A job answered this way is ingested as vl_vault_job_done does (identical
 * jobs get the same answer). Connections and remembered TLS sessions are
 * wiped on vl_vault_free, and idle ones when credentials change or expire.
 */
enum { VL_TUNNEL_WAIT = 0, VL_TUNNEL_DONE = 1, VL_TUNNEL_CLOSE = 2 };

/* Adds trust anchors (PEM text or DER certificates) for https origins. */
vl_status vl_vault_tunnel_anchors(vl_vault *v, const uint8_t *data, size_t len);
size_t vl_vault_tunnel_anchor_count(const vl_vault *v);
vl_status vl_vault_tunnel_begin(vl_vault *v, uint32_t handle, uint32_t job_id, uint64_t now_ms, uint32_t *conn,
                                int *fresh);
size_t vl_vault_tunnel_output(vl_vault *v, uint32_t conn, const uint8_t **out);
vl_status vl_vault_tunnel_sent(vl_vault *v, uint32_t conn, size_t n, uint64_t now_ms);
vl_status vl_vault_tunnel_input(vl_vault *v, uint32_t conn, const uint8_t *in, size_t n, uint64_t now_ms, int *state);
vl_status vl_vault_tunnel_closed(vl_vault *v, uint32_t conn, const char *why, uint64_t now_ms, int *state);
vl_status vl_vault_tunnel_abort(vl_vault *v, uint32_t conn, const char *why, uint64_t now_ms);
int vl_vault_tunnel_live(vl_vault *v, uint32_t conn);
void vl_vault_tunnel_drop(vl_vault *v, uint32_t conn);

/* ---------------------------------------------------------------- memory */

/* The core's allocator: size-prefixed, zero-filled on free. Everything the
 * core returns is freed with vl_free(). */
void *vl_alloc(size_t n);
void vl_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
