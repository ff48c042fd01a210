/*
 * The provider interface: each external vault is a small state machine that
 * turns a link (a parsed reference) and the provider's credentials into HTTP
 * jobs, and responses into a value or a reason. No I/O: the engine hands jobs
 * to the caller and feeds responses back (DESIGN.md §2).
 *
 * Credentials and provider state live in cJSON trees built with the wiping
 * allocator (mem.h), so cJSON_Delete zeroes every byte of them.
 */
#ifndef VL_PROVIDER_H
#define VL_PROVIDER_H
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "engine.h"
#include "reqcodec.h"
#include "vaultlink.h"

/* Per-vault, per-provider state: credentials and what flows learned. */
typedef struct vl_pstate {
  vl_provider_id id;
  int connected;                /* credentials present */
  int reauth;                   /* credentials expired: "reauthentication required" */
  int rejected;                 /* the provider rejected the credentials (401/403): "credentials_rejected" */
  uint64_t expires_ms;          /* credential expiry (0 = none) */
  uint32_t epoch;               /* bumped whenever the credentials change or go: see vl_task */
  cJSON *creds;                 /* secret: wiped on free */
  cJSON *scratch;               /* provider-learned state (role credentials, tokens, mounts); may be secret */
  const struct vl_vault *vault; /* the owning vault (the sealed provider reads its recipient key) */
  /* At rest, creds and scratch are sealed like cached values (I3) and the
   * trees above are NULL; the engine opens them only around connect and step. */
  uint8_t *sealed_creds, *sealed_scratch;
  size_t sealed_creds_len, sealed_scratch_len;
} vl_pstate;

/* Opens a provider's sealed credentials and state into ps->creds/ps->scratch. */
vl_status vl_pstate_open(struct vl_vault *v, vl_pstate *ps);
/* Seals ps->creds/ps->scratch again and wipes the trees. On failure the
 * credentials are dropped (the provider then reports reauth_required). */
void vl_pstate_close(struct vl_vault *v, vl_pstate *ps);
/* Wipes credentials and state, sealed or open. */
void vl_pstate_clear(vl_pstate *ps);

/* One external secret being fetched for a resolve. */
typedef struct vl_fetch {
  const char *cache_key; /* "provider|canonical" */
  const cJSON *params;   /* the link's parsed reference (provider-specific) */
  const char *canonical; /* the link's canonical reference (for messages) */
  int stage;             /* provider-defined step counter */
  cJSON *scratch;        /* per-fetch state; may be secret: wiped */
} vl_fetch;

typedef enum { VL_STEP_JOB = 0, VL_STEP_VALUE = 1, VL_STEP_FAIL = 2 } vl_step_kind;

typedef struct {
  vl_buf job;     /* VL_STEP_JOB: the next request, reqcodec wire format */
  uint8_t *value; /* VL_STEP_VALUE: vl_alloc'd; the engine seals then wipes it */
  size_t value_len;
  uint64_t expires_ms; /* VL_STEP_VALUE: a provider expiry hint (0 = none) */
  vl_reason reason;    /* VL_STEP_FAIL */
  char detail[200];    /* VL_STEP_FAIL: names provider, reference, HTTP status; never a value */
} vl_step_out;

typedef struct vl_provider_ops {
  vl_provider_id id;
  /* Validates the link's provider member (object) or shorthand string (exactly
   * one non-NULL) into params (a cJSON object the engine owns) and a canonical
   * reference string (vl_alloc'd). Errors name the field and position. */
  vl_status (*parse)(const cJSON *member, const char *shorthand, cJSON **params, char **canonical, char *err,
                     size_t errlen);
  /* Takes credentials (ps->creds is already set to the parsed JSON); fills in
   * ps->expires_ms (explicit, or the provider's default lifetime). */
  vl_status (*connect)(vl_pstate *ps, uint64_t now_ms, char *err, size_t errlen);
  /* Starts (resp == NULL) or continues a fetch. */
  vl_step_kind (*step)(vl_pstate *ps, vl_fetch *f, uint32_t http_status, const vl_request *resp, uint64_t now_ms,
                       vl_step_out *out);
  /* Verifies the credentials (vl_vault_verify_open): starts (resp == NULL) or
   * continues like step, with f->params NULL and f->canonical "credentials".
   * VL_STEP_VALUE: out->value is the validated, non-secret identity (may be
   * NULL) and out->detail the method ("sts:GetCallerIdentity"; "none" when
   * nothing was checked). VL_STEP_FAIL: reason credentials_rejected for
   * credentials the provider refused. NULL: the provider has no check. */
  vl_step_kind (*verify)(vl_pstate *ps, vl_fetch *f, uint32_t http_status, const vl_request *resp, uint64_t now_ms,
                         vl_step_out *out);
} vl_provider_ops;

/* A verify outcome: identity (copied; NULL for none) and method. Returns VL_STEP_VALUE. */
vl_step_kind vl_verify_ok(vl_step_out *out, const char *identity, const char *method);

/* The ops table for a provider, or NULL if this build has none. */
const vl_provider_ops *vl_provider_ops_for(vl_provider_id id);

/* ---- helpers shared by providers ---- */

/* Starts a job: "VLR1", method, url, header count (headers follow with
 * vl_job_header), then vl_job_finish writes the body. */
void vl_job_begin(vl_buf *b, const char *method, const char *url, uint32_t header_count);
void vl_job_header(vl_buf *b, const char *name, const uint8_t *value, size_t len);
void vl_job_header_str(vl_buf *b, const char *name, const char *value);
void vl_job_finish(vl_buf *b, const uint8_t *body, size_t len);

/* The value of response header NAME (case-insensitive), or NULL. */
const vl_slice *vl_resp_header(const vl_request *resp, const char *name);

/* Sets a FAIL outcome with a formatted detail. Returns VL_STEP_FAIL. */
vl_step_kind vl_step_fail(vl_step_out *out, vl_reason reason, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Selects a value from JSON text by a dot path ("a.b", "\." for a literal dot;
 * "" = the whole text). Strings come out raw; other values as compact JSON.
 * VL_ERR_FORMAT if the text is not JSON, VL_ERR_NOT_FOUND if the path is missing. */
vl_status vl_json_select(const uint8_t *json, size_t len, const char *path, uint8_t **out, size_t *out_len);

/* The member at a dot path ("a.b", "\\." for a literal dot) in a parsed tree, or NULL. */
const cJSON *vl_json_path(const cJSON *root, const char *path);

/* Appends s percent-encoded: everything but A-Za-z0-9-_.~ (RFC 3986 unreserved). */
void vl_buf_put_pct(vl_buf *b, const char *s);

/* Standard base64 decode into a vl_alloc'd buffer. VL_ERR_FORMAT on bad input. */
vl_status vl_base64_decode(const char *in, size_t len, uint8_t **out, size_t *out_len);
/* The same, also accepting the URL-safe alphabet ('-', '_') and missing '='
 * padding (JWTs, proto3 JSON bytes, envelopes). */
vl_status vl_base64_decode_lenient(const char *in, size_t len, uint8_t **out, size_t *out_len);

/* Copies a string member of obj, or NULL. */
const char *vl_json_str(const cJSON *obj, const char *name);
#endif
