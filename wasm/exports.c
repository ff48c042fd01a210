/*
 * The wasm ABI: thin wrappers over src/vaultlink.h that the JS bridge calls.
 * Results that do not fit a return value go to a small "outbox" the bridge
 * reads right after the call. Every exported entry point that touched secret
 * bytes scrubs the unused stack before it returns (BearSSL and the core leave
 * temporaries there; see ../shared/reference/crypto-notes.md §5).
 */
#include <stdint.h>
#include <string.h>

#include "limits.h"
#include "mem.h"
#include "scrub.h"
#include "sigv4.h"
#include "vaultlink.h"

static uintptr_t outbox[5];

static uint64_t ms(double now) {
  return now > 0 ? (uint64_t)now : 0;
}

/* The core's limits the shim checks before it copies anything in (src/limits.h). */
uint32_t vl_w_limit(uint32_t which) {
  switch (which) {
    case 1: return (uint32_t)VL_MAX_RESPONSE_BYTES;
    case 2: return (uint32_t)VL_MAX_BODY_BYTES;
    case 3: return (uint32_t)VL_MAX_URL_BYTES;
    case 4: return (uint32_t)VL_MAX_HEADER_BYTES;
    case 5: return VL_MAX_HEADERS;
    default: return 0;
  }
}

uintptr_t *vl_w_outbox(void) {
  return outbox;
}

void vl_w_scrub_stack(void) {
  vl_scrub_stack();
}

vl_vault *vl_w_vault_new(uint32_t cache_ttl_minutes) {
  vl_options o = {cache_ttl_minutes};
  return vl_vault_new(&o);
}

void vl_w_vault_free(vl_vault *v) {
  vl_vault_free(v);
  vl_scrub_stack();
}

int vl_w_link(vl_vault *v, const uint8_t *name, size_t name_len, const uint8_t *def, size_t def_len,
              const uint8_t *value, size_t value_len) {
  int st = vl_vault_link(v, name, name_len, def, def_len, value, value_len);
  vl_scrub_stack();
  return st;
}

int vl_w_list(const vl_vault *v) {
  uint8_t *out = 0;
  size_t len = 0;
  int st = vl_vault_list(v, &out, &len);
  outbox[0] = (uintptr_t)out;
  outbox[1] = len;
  return st;
}

/* Resolves are named by handles the core checks (vl_vault_resolve_get): a
 * late call for a finished resolve is refused, never a use of freed memory. */
int vl_w_next_job(vl_vault *v, uint32_t h) {
  vl_job job = {0, 0, 0};
  vl_resolve *r = vl_vault_resolve_get(v, h);
  int st = r ? vl_resolve_next_job(r, &job) : VL_ERR_NOT_FOUND;
  outbox[0] = job.id;
  outbox[1] = (uintptr_t)job.request;
  outbox[2] = job.request_len;
  return st;
}

int vl_w_job_done(vl_vault *v, uint32_t h, uint32_t id, uint32_t http_status, const uint8_t *resp, size_t len,
                  double now) {
  vl_resolve *r = vl_vault_resolve_get(v, h);
  if (!r) return VL_ERR_NOT_FOUND;
  int st = vl_resolve_job_done(r, id, http_status, resp, len, ms(now));
  (void)vl_resolve_take_touched(r); /* a response was parsed: always the full depth */
  vl_scrub_stack();
  return st;
}

/* Renders into the outbox: {out, out_len, report, report_len}. The stack is
 * scrubbed when a value was opened (nothing else secret is touched by a
 * render), and only as deep as a render goes (tests/c/test_wasm_stack.c measures it):
 * see scrub_after(). */
static int render_to_outbox(vl_resolve *r, double now) {
  uint8_t *out = 0, *report = 0;
  size_t out_len = 0, report_len = 0;
  int st = vl_resolve_render(r, ms(now), &out, &out_len, &report, &report_len);
  outbox[0] = (uintptr_t)out;
  outbox[1] = out_len;
  outbox[2] = (uintptr_t)report;
  outbox[3] = report_len;
  return st;
}

/* Scrubs as deep as what r touched needs: a provider step (signing, HPKE) the
 * full VL_SCRUB_BYTES, a render that opened values VL_SCRUB_RENDER_BYTES. */
static void scrub_after(vl_resolve *r) {
  unsigned t = vl_resolve_take_touched(r);
  if (t & VL_TOUCHED_CREDENTIALS)
    vl_scrub_stack();
  else if (t & VL_TOUCHED_VALUES)
    vl_scrub_stack_bytes(VL_SCRUB_RENDER_BYTES);
}

int vl_w_render(vl_vault *v, uint32_t h, double now) {
  vl_resolve *r = vl_vault_resolve_get(v, h);
  if (!r) return VL_ERR_NOT_FOUND;
  int st = render_to_outbox(r, now);
  scrub_after(r);
  return st;
}

/* Takes ownership of req (allocated with vl_alloc by the bridge): no copy.
 * The whole resolve in one call when no fetch is needed (local and cached
 * secrets): returns 0 with the render in the outbox and its status in
 * outbox[4]. Otherwise returns the resolve's handle, for
 * next_job/job_done/render/resolve_free. */
uint32_t vl_w_resolve(vl_vault *v, uint8_t *req, size_t len, uint32_t flags, double now) {
  uint32_t h = 0;
  memset(outbox, 0, sizeof outbox);
  int st = vl_vault_resolve_open(v, req, len, flags, ms(now), &h);
  vl_resolve *r = st == VL_OK ? vl_vault_resolve_get(v, h) : NULL;
  if (r && vl_resolve_jobs_waiting(r)) {
    scrub_after(r); /* planning may have signed with credentials */
    return h;
  }
  if (r) {
    st = render_to_outbox(r, now);
    scrub_after(r);
    vl_vault_resolve_close(v, h);
  }
  outbox[4] = (uintptr_t)st;
  return 0;
}

/* VL_ERR_NOT_FOUND for a handle that is not open: nothing is touched. */
int vl_w_resolve_free(vl_vault *v, uint32_t h) {
  return vl_vault_resolve_close(v, h); /* heap only: vl_free wipes */
}

int vl_w_connect(vl_vault *v, const char *provider, const uint8_t *creds, size_t len, double now) {
  int st = vl_vault_connect(v, provider, creds, len, ms(now));
  vl_scrub_stack();
  return st;
}

int vl_w_disconnect(vl_vault *v, const char *provider) {
  int st = vl_vault_disconnect(v, provider);
  vl_scrub_stack();
  return st;
}

int vl_w_status(vl_vault *v, double now) {
  uint8_t *out = 0;
  size_t len = 0;
  int st = vl_vault_status(v, ms(now), &out, &len);
  outbox[0] = (uintptr_t)out;
  outbox[1] = len;
  return st;
}

void vl_w_reset_cache(vl_vault *v) {
  vl_vault_reset_cache(v); /* opens provider state to forget names */
  vl_scrub_stack();
}

uint32_t vl_w_sweep(vl_vault *v, double now) {
  return (uint32_t)vl_vault_sweep(v, ms(now));
}

int vl_w_set_cache_ttl(vl_vault *v, uint32_t minutes) {
  return vl_vault_set_cache_ttl(v, minutes);
}

/* out[40] = the vault's recipient public key (32) ‖ its key id (8). Not secret. */
int vl_w_public_key(const vl_vault *v, uint8_t *out) {
  return vl_vault_public_key(v, out, out + 32);
}

/* Benchmark hook: signs a Secrets Manager GetSecretValue request (POST /,
 * awsJson1_1) the way the AWS provider does. The Authorization value goes to
 * the outbox (a vl_alloc'd copy the caller frees). */
int vl_w_sigv4_get_secret_value(const char *akid, const char *secret, const char *region, const char *host,
                                const uint8_t *body, size_t len, double now) {
  vl_header hs[3] = {
      {{(const uint8_t *)"Content-Type", 12}, {(const uint8_t *)"application/x-amz-json-1.1", 26}},
      {{(const uint8_t *)"Host", 4}, {(const uint8_t *)host, strlen(host)}},
      {{(const uint8_t *)"X-Amz-Target", 12}, {(const uint8_t *)"secretsmanager.GetSecretValue", 29}},
  };
  vl_sigv4_request req = {{(const uint8_t *)"POST", 4}, {(const uint8_t *)"/", 1}, {0, 0}, hs, 3, {body, len}};
  vl_aws_credentials c = {{(const uint8_t *)akid, strlen(akid)}, {(const uint8_t *)secret, strlen(secret)}, {0, 0}};
  vl_sigv4_result sig;
  memset(&sig, 0, sizeof sig);
  int st = vl_sigv4_sign(&req, &c, region, "secretsmanager", ms(now), VL_SIGV4_NORMALIZE_PATH, &sig);
  outbox[0] = st ? 0 : (uintptr_t)vl_memdup(sig.authorization.p, sig.authorization.len);
  outbox[1] = st ? 0 : sig.authorization.len;
  vl_sigv4_result_clear(&sig);
  vl_scrub_stack();
  return st;
}
