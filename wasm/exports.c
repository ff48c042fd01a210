/*
 * The wasm ABI: thin wrappers over src/vaultlink.h that the JS bridge calls.
 * Results that do not fit a return value go to a small "outbox" the bridge
 * reads right after the call. Every exported entry point that touched secret
 * bytes scrubs the unused stack before it returns (BearSSL and the core leave
 * temporaries there; see ../shared/reference/crypto-notes.md §5).
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "input_limits.h"
#include "mem.h"
#include "policy.h"
#include "reqcodec.h"
#include "scrub.h"
#include "sigv4.h"
#include "vaultlink.h"

/* One convention for every entry point that does something: it returns a
 * vl_status, and whatever else it produces goes to the outbox, which the
 * bridge reads right after the call. Pure queries (vl_w_outbox, vl_w_limit,
 * vl_w_status_code, vl_w_last_error) return their value. */
static uintptr_t outbox[8];
static uint8_t job_identity[VL_JOB_IDENTITY_LEN];
static char job_host[VL_MAX_DOMAIN_BYTES + 3];

static uint64_t ms(double now) {
  return now > 0 ? (uint64_t)now : 0;
}

static void clear_outbox(void) {
  memset(outbox, 0, sizeof outbox);
}

/* The core's limits the shim checks before it copies anything in (src/input_limits.h). */
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

/* The stable code of a status ("bad_argument"): the shim's error codes. */
const char *vl_w_status_code(int st) {
  return vl_status_code((vl_status)st);
}

const char *vl_w_last_error(const vl_vault *v) {
  return vl_vault_last_error(v);
}

/* outbox[0] = the vault. */
int vl_w_vault_new(uint32_t cache_ttl_minutes) {
  clear_outbox();
  vl_options o = {cache_ttl_minutes};
  vl_vault *v = vl_vault_new(&o);
  outbox[0] = (uintptr_t)v;
  return v ? VL_OK : VL_ERR_NOMEM;
}

int vl_w_vault_free(vl_vault *v) {
  vl_vault_free(v);
  vl_scrub_stack();
  return VL_OK;
}

int vl_w_link(vl_vault *v, const uint8_t *name, size_t name_len, const uint8_t *def, size_t def_len,
              const uint8_t *value, size_t value_len) {
  int st = vl_vault_link(v, name, name_len, def, def_len, value, value_len);
  vl_scrub_stack();
  return st;
}

int vl_w_unlink(vl_vault *v, const uint8_t *name, size_t name_len) {
  int st = vl_vault_unlink(v, name, name_len);
  vl_scrub_stack();
  return st;
}

int vl_w_set_enabled(vl_vault *v, const uint8_t *name, size_t name_len, int enabled) {
  return vl_vault_set_enabled(v, name, name_len, enabled);
}

/* outbox = {json, json_len}: the caller frees it. */
int vl_w_list(const vl_vault *v) {
  uint8_t *out = 0;
  size_t len = 0;
  clear_outbox();
  int st = vl_vault_list(v, &out, &len);
  outbox[0] = (uintptr_t)out;
  outbox[1] = len;
  return st;
}

/* Resolves are named by handles the core checks (vl_vault_resolve_get): a
 * late call for a finished resolve is refused, never a use of freed memory.
 * outbox = {id, request, request_len, identity (VL_JOB_IDENTITY_LEN bytes), provider name}. */
int vl_w_next_job(vl_vault *v, uint32_t h) {
  vl_job job;
  memset(&job, 0, sizeof job);
  clear_outbox();
  vl_resolve *r = vl_vault_resolve_get(v, h);
  int st = r ? vl_resolve_next_job(r, &job) : VL_ERR_NOT_FOUND;
  memcpy(job_identity, job.identity, sizeof job_identity);
  outbox[0] = job.id;
  outbox[1] = (uintptr_t)job.request;
  outbox[2] = job.request_len;
  outbox[3] = (uintptr_t)job_identity;
  outbox[4] = (uintptr_t)job.provider; /* a static name */
  return st;
}

/* The request of job id while it is outstanding: outbox = {request, len}
 * (owned by the core; valid until the job is answered). */
int vl_w_job_request(vl_vault *v, uint32_t h, uint32_t id) {
  clear_outbox();
  const uint8_t *req = 0;
  size_t len = 0;
  vl_resolve *r = vl_vault_resolve_get(v, h);
  int st = r ? vl_resolve_job_request(r, id, &req, &len) : VL_ERR_NOT_FOUND;
  outbox[0] = (uintptr_t)req;
  outbox[1] = len;
  return st;
}

/* Where job id goes, for a transport that routes (not secret):
 * outbox = {scheme (1 http, 2 https), port, host, host_len}. */
int vl_w_job_origin(vl_vault *v, uint32_t h, uint32_t id) {
  clear_outbox();
  const uint8_t *req = 0;
  size_t len = 0;
  vl_request q;
  char err[64];
  vl_resolve *r = vl_vault_resolve_get(v, h);
  int st = r ? vl_resolve_job_request(r, id, &req, &len) : VL_ERR_NOT_FOUND;
  if (st) return st;
  st = vl_request_decode(req, len, &q, err, sizeof err);
  if (st) return st;
  vl_origin o;
  vl_origin_parse(q.url.p, q.url.n, &o);
  vl_request_clear(&q);
  if (!o.determined || !o.scheme) return VL_ERR_FORMAT;
  memcpy(job_host, o.host, o.host_len);
  outbox[0] = o.scheme;
  outbox[1] = (uintptr_t)(o.port >= 0 ? o.port : o.scheme == VL_SCHEME_HTTPS ? 443 : 80);
  outbox[2] = (uintptr_t)job_host;
  outbox[3] = o.host_len;
  return VL_OK;
}

int vl_w_job_done(vl_vault *v, uint32_t h, uint32_t id, uint32_t http_status, const uint8_t *resp, size_t len,
                  double now) {
  int st = vl_vault_job_done(v, h, id, http_status, resp, len, ms(now));
  vl_resolve *r = vl_vault_resolve_get(v, h);
  (void)vl_resolve_take_touched(r); /* a response was parsed: always the full depth */
  vl_scrub_stack();
  return st;
}

/* Renders into outbox[1..4]: {out, out_len, report, report_len}. The stack is
 * scrubbed when a value was opened (nothing else secret is touched by a
 * render), and only as deep as a render goes (tests/c/test_wasm_stack.c measures it):
 * see scrub_after(). */
static int render_to_outbox(vl_resolve *r, double now) {
  uint8_t *out = 0, *report = 0;
  size_t out_len = 0, report_len = 0;
  int st = vl_resolve_render(r, ms(now), &out, &out_len, &report, &report_len);
  outbox[1] = (uintptr_t)out;
  outbox[2] = out_len;
  outbox[3] = (uintptr_t)report;
  outbox[4] = report_len;
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
  clear_outbox();
  vl_resolve *r = vl_vault_resolve_get(v, h);
  if (!r) return VL_ERR_NOT_FOUND;
  int st = render_to_outbox(r, now);
  scrub_after(r);
  return st;
}

/* Takes ownership of req (allocated with vl_alloc by the bridge): no copy.
 * outbox[0] = the resolve's handle while it has jobs for the caller (then
 * next_job/job_done/render/resolve_free), or 0 when the whole resolve was
 * done in this call (local and cached secrets), with the render in
 * outbox[1..4]. */
int vl_w_resolve(vl_vault *v, uint8_t *req, size_t len, uint32_t flags, double now) {
  uint32_t h = 0;
  clear_outbox();
  int st = vl_vault_resolve_open(v, req, len, flags, ms(now), &h);
  if (st) return st;
  vl_resolve *r = vl_vault_resolve_get(v, h);
  if (vl_resolve_jobs_waiting(r)) {
    scrub_after(r); /* planning may have signed with credentials */
    outbox[0] = h;
    return VL_OK;
  }
  st = render_to_outbox(r, now);
  scrub_after(r);
  vl_vault_resolve_close(v, h);
  return st;
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

/* Verifies the provider's credentials (vl_vault_verify_open): outbox[0] =
 * the handle (always; its jobs run as a resolve's: next_job/job_done, then
 * vl_w_verify_result and vl_w_resolve_free). */
int vl_w_verify(vl_vault *v, const char *provider, double now) {
  uint32_t h = 0;
  clear_outbox();
  int st = vl_vault_verify_open(v, provider, ms(now), &h);
  outbox[0] = h;
  vl_scrub_stack(); /* planning signed with the credentials */
  return st;
}

/* outbox = {json, json_len} (not secret): the caller frees it. */
int vl_w_verify_result(vl_vault *v, uint32_t h, double now) {
  uint8_t *out = 0;
  size_t len = 0;
  clear_outbox();
  int st = vl_vault_verify_result(v, h, ms(now), &out, &len);
  outbox[0] = (uintptr_t)out;
  outbox[1] = len;
  vl_scrub_stack(); /* a failed check wipes the credentials */
  return st;
}

int vl_w_disconnect(vl_vault *v, const char *provider) {
  int st = vl_vault_disconnect(v, provider);
  vl_scrub_stack();
  return st;
}

/* outbox = {json, json_len}: the caller frees it. */
int vl_w_status(vl_vault *v, double now) {
  uint8_t *out = 0;
  size_t len = 0;
  clear_outbox();
  int st = vl_vault_status(v, ms(now), &out, &len);
  outbox[0] = (uintptr_t)out;
  outbox[1] = len;
  return st;
}

int vl_w_reset_cache(vl_vault *v) {
  vl_vault_reset_cache(v); /* opens provider state to forget names */
  vl_scrub_stack();
  return VL_OK;
}

/* outbox[0] = how many cache entries went. */
int vl_w_sweep(vl_vault *v, double now) {
  clear_outbox();
  outbox[0] = (uintptr_t)vl_vault_sweep(v, ms(now));
  return VL_OK;
}

int vl_w_set_cache_ttl(vl_vault *v, uint32_t minutes) {
  return vl_vault_set_cache_ttl(v, minutes);
}

/* ---- the tunnel (vaultlink.h): the caller moves opaque bytes only ---- */

int vl_w_tunnel_anchors(vl_vault *v, const uint8_t *data, size_t len) {
  clear_outbox();
  int st = vl_vault_tunnel_anchors(v, data, len);
  outbox[0] = vl_vault_tunnel_anchor_count(v);
  return st;
}

/* outbox[0] = how many trust anchors the vault has. */
int vl_w_tunnel_anchor_count(const vl_vault *v) {
  clear_outbox();
  outbox[0] = vl_vault_tunnel_anchor_count(v);
  return VL_OK;
}

/* outbox = {conn, fresh}: fresh = 1 when the caller opens a stream for it. */
int vl_w_tunnel_begin(vl_vault *v, uint32_t h, uint32_t id, double now) {
  uint32_t conn = 0;
  int fresh = 0;
  clear_outbox();
  int st = vl_vault_tunnel_begin(v, h, id, ms(now), &conn, &fresh);
  outbox[0] = conn;
  outbox[1] = (uintptr_t)fresh;
  vl_scrub_stack(); /* the request (credentials) was written into TLS */
  return st;
}

/* outbox = {bytes, len}: TLS records (or, for an http origin, plain bytes) to send. */
int vl_w_tunnel_output(vl_vault *v, uint32_t conn) {
  const uint8_t *p = 0;
  clear_outbox();
  size_t n = vl_vault_tunnel_output(v, conn, &p);
  outbox[0] = (uintptr_t)p;
  outbox[1] = n;
  return VL_OK;
}

int vl_w_tunnel_sent(vl_vault *v, uint32_t conn, size_t n, double now) {
  int st = vl_vault_tunnel_sent(v, conn, n, ms(now));
  vl_scrub_stack();
  return st;
}

/* outbox[0] = VL_TUNNEL_WAIT, _DONE or _CLOSE. */
int vl_w_tunnel_input(vl_vault *v, uint32_t conn, const uint8_t *in, size_t n, double now) {
  int state = VL_TUNNEL_CLOSE;
  clear_outbox();
  int st = vl_vault_tunnel_input(v, conn, in, n, ms(now), &state);
  outbox[0] = (uintptr_t)state;
  vl_scrub_stack(); /* a response was decrypted and parsed */
  return st;
}

int vl_w_tunnel_closed(vl_vault *v, uint32_t conn, const char *why, double now) {
  int state = VL_TUNNEL_CLOSE;
  clear_outbox();
  int st = vl_vault_tunnel_closed(v, conn, why, ms(now), &state);
  outbox[0] = (uintptr_t)state;
  vl_scrub_stack();
  return st;
}

int vl_w_tunnel_abort(vl_vault *v, uint32_t conn, const char *why, double now) {
  int st = vl_vault_tunnel_abort(v, conn, why, ms(now));
  vl_scrub_stack();
  return st;
}

/* outbox[0] = 1 while conn exists. */
int vl_w_tunnel_live(vl_vault *v, uint32_t conn) {
  clear_outbox();
  outbox[0] = (uintptr_t)vl_vault_tunnel_live(v, conn);
  return VL_OK;
}

int vl_w_tunnel_drop(vl_vault *v, uint32_t conn) {
  vl_vault_tunnel_drop(v, conn);
  vl_scrub_stack();
  return VL_OK;
}

/* Zeroes every byte the instance ever wrote: data, stack and heap lie below
 * the heap's break (sbrk(0)); above it memory was never written (grown pages
 * start zeroed), and writing zeros there would only make the OS commit pages.
 * The last call into an instance that is being thrown away (bridge.js
 * destroy()). Nothing may run in it afterwards. */
void vl_w_wipe_memory(void) {
  volatile uintptr_t base = 0; /* address 0 on purpose: all of it */
  uintptr_t top = (uintptr_t)sbrk(0);
  explicit_bzero((void *)base, top);
}

/* out[40] = the vault's recipient public key (32) ‖ its key id (8). Not secret. */
int vl_w_public_key(vl_vault *v, uint8_t *out) {
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
