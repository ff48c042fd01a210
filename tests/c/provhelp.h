/* Test helpers for provider flows: run a resolve job by job with canned answers. */
#ifndef VL_PROVHELP_H
#define VL_PROVHELP_H
#include <cJSON.h>
#include <stdio.h>

#include "reqhelp.h"

typedef struct {
  uint32_t status;
  const char *headers[4][2];
  size_t header_count;
  const char *body;
  size_t body_len; /* for binary bodies; 0 = strlen(body) */
} tresp;

static uint8_t *tresp_encode(const tresp *r, size_t *len) {
  treq t = {.method = "",
            .url = "",
            .body = r->body ? r->body : "",
            .body_kind = VL_BODY_BYTES,
            .body_len = r->body ? r->body_len : 0};
  for (size_t i = 0; i < r->header_count; i++) {
    t.headers[i][0] = r->headers[i][0];
    t.headers[i][1] = r->headers[i][1];
  }
  t.header_count = r->header_count;
  return treq_encode(&t, len);
}

#define TJOBS_KEEP 16
typedef struct {
  vl_request job; /* the last job (decoded), valid until the next call */
  uint8_t *copy;
  int jobs;                   /* how many jobs were handed out */
  uint8_t *all[TJOBS_KEEP];   /* the first TJOBS_KEEP jobs, as the core wrote them */
  size_t all_len[TJOBS_KEEP]; /* (across flows, until tjobs_clear) */
  int kept;
} tjobs;

/* Begins a resolve of url at now; answers each job in turn with answers[i]
 * (until they run out), then renders. Returns the rendered URL in *url_out
 * (vl_alloc'd) and the report. */
static vl_status tflow(vl_vault *v, const char *url, uint64_t now, const tresp *answers, size_t nanswers, tjobs *seen,
                       char **url_out, char **report) {
  size_t len;
  treq t = {.url = url};
  uint8_t *frame = treq_encode(&t, &len);
  vl_resolve *r = NULL;
  vl_status st = vl_resolve_begin(v, frame, len, 0, now, &r);
  vl_free(frame);
  if (st) return st;
  size_t used = 0;
  vl_job job;
  while (vl_resolve_next_job(r, &job) == VL_OK) {
    seen->jobs++;
    if (seen->kept < TJOBS_KEEP) {
      seen->all[seen->kept] = vl_memdup(job.request, job.request_len);
      seen->all_len[seen->kept++] = job.request_len;
    }
    vl_request_clear(&seen->job);
    vl_free(seen->copy);
    seen->copy = vl_memdup(job.request, job.request_len);
    char err[128];
    vl_request_decode(seen->copy, job.request_len, &seen->job, err, sizeof err);
    if (used < nanswers) {
      size_t rl;
      uint8_t *resp = tresp_encode(&answers[used], &rl);
      vl_resolve_job_done(r, job.id, answers[used].status, resp, rl, now);
      vl_free(resp);
      used++;
    }
  }
  uint8_t *o, *rep;
  size_t olen, rlen;
  st = vl_resolve_render(r, now, &o, &olen, &rep, &rlen);
  vl_resolve_free(r);
  if (st) return st;
  vl_request out;
  char err[128];
  vl_request_decode(o, olen, &out, err, sizeof err);
  *url_out = vl_memdup(out.url.p, out.url.n);
  vl_request_clear(&out);
  vl_free(o);
  *report = (char *)rep;
  return VL_OK;
}

static void tjobs_clear(tjobs *s) {
  vl_request_clear(&s->job);
  vl_free(s->copy);
  for (int i = 0; i < s->kept; i++) vl_free(s->all[i]);
  memset(s, 0, sizeof *s);
}

/* 1 if url's scheme://authority is exactly origin. */
static int turl_in_origin(const uint8_t *url, size_t n, const char *origin) {
  size_t o = strlen(origin);
  return n >= o && memcmp(url, origin, o) == 0 && (n == o || url[o] == '/' || url[o] == '?' || url[o] == '#');
}

static int tmem_has(const uint8_t *h, size_t hn, const char *needle) {
  size_t nn = strlen(needle);
  for (size_t i = 0; nn && i + nn <= hn; i++)
    if (memcmp(h + i, needle, nn) == 0) return 1;
  return 0;
}

/* The index of the first kept job that goes outside origin (scheme://host[:port])
 * and still carries a credential: an Authorization, X-Vault-Token or
 * X-Amz-Security-Token header (any case), or the bytes of secret anywhere in
 * the request. -1 when every credential stayed at origin. */
static int tjobs_credential_outside(const tjobs *s, const char *origin, const char *secret) {
  static const char *const cred_headers[] = {"authorization", "x-vault-token", "x-amz-security-token"};
  for (int i = 0; i < s->kept; i++) {
    vl_request r;
    char err[128];
    if (vl_request_decode(s->all[i], s->all_len[i], &r, err, sizeof err) != VL_OK) return i;
    int outside = !turl_in_origin(r.url.p, r.url.n, origin), carries = tmem_has(s->all[i], s->all_len[i], secret);
    for (size_t h = 0; h < r.header_count; h++) {
      for (size_t c = 0; c < sizeof cred_headers / sizeof *cred_headers; c++) {
        const char *want = cred_headers[c];
        size_t wl = strlen(want);
        if (r.headers[h].name.n != wl) continue;
        int same = 1;
        for (size_t k = 0; k < wl; k++) {
          uint8_t ch = r.headers[h].name.p[k];
          if ((ch >= 'A' && ch <= 'Z' ? ch + 32 : ch) != (uint8_t)want[k]) same = 0;
        }
        carries |= same;
      }
    }
    vl_request_clear(&r);
    if (outside && carries) return i;
  }
  return -1;
}

/* How many kept jobs go to origin. */
static int tjobs_to_origin(const tjobs *s, const char *origin) {
  int n = 0;
  for (int i = 0; i < s->kept; i++) {
    vl_request r;
    char err[128];
    if (vl_request_decode(s->all[i], s->all_len[i], &r, err, sizeof err) != VL_OK) continue;
    n += turl_in_origin(r.url.p, r.url.n, origin);
    vl_request_clear(&r);
  }
  return n;
}

/* The "detail" of report entry i ("" if none). */
static const char *tdetail(const char *report, int i) {
  static char buf[256];
  cJSON *j = cJSON_Parse(report);
  const cJSON *d = cJSON_GetObjectItem(cJSON_GetArrayItem(j, i), "detail");
  snprintf(buf, sizeof buf, "%s", cJSON_IsString(d) ? d->valuestring : "");
  cJSON_Delete(j);
  return buf;
}

static const char *tjob_header(const tjobs *s, const char *name) {
  static char buf[4096];
  for (size_t i = 0; i < s->job.header_count; i++) {
    if (s->job.headers[i].name.n == strlen(name) && memcmp(s->job.headers[i].name.p, name, strlen(name)) == 0) {
      snprintf(buf, sizeof buf, "%.*s", (int)s->job.headers[i].value.n, (const char *)s->job.headers[i].value.p);
      return buf;
    }
  }
  return NULL;
}

/* The reason code of report entry i. */
static const char *treason(const char *report, int i) {
  static char buf[64];
  cJSON *j = cJSON_Parse(report);
  const cJSON *r = cJSON_GetObjectItem(cJSON_GetArrayItem(j, i), "reason");
  snprintf(buf, sizeof buf, "%s", cJSON_IsString(r) ? r->valuestring : "");
  cJSON_Delete(j);
  return buf;
}

static vl_status tconnect(vl_vault *v, const char *provider, const char *creds, uint64_t now) {
  return vl_vault_connect(v, provider, (const uint8_t *)creds, strlen(creds), now);
}
#endif
