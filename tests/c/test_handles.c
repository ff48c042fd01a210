/* Resolve handles and credential epochs (issue #11 §1 and §3): a late answer
 * never reaches a freed resolve or another resolve's job, and a value
 * fetched with old credentials (or before a cache reset) is never cached. */
#include "input_limits.h"
#include "provhelp.h"
#include "vltest.h"

#define NAME "projects/p/secrets/db/versions/latest"
#define LINK "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"" NAME "\"}}}"
#define CREDS_A "{\"accessToken\":\"ya29.token-A\"}"
#define CREDS_B "{\"accessToken\":\"ya29.token-B\"}"
#define T0 1700000000000ull
/* "admin-only" and "user-value", base64 */
#define ANSWER_A "{\"payload\":{\"data\":\"YWRtaW4tb25seQ==\"}}"
#define ANSWER_B "{\"payload\":{\"data\":\"dXNlci12YWx1ZQ==\"}}"

static vl_vault *gcp_vault(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "s", LINK, NULL), VL_OK);
  CHECK_EQ_INT(tconnect(v, "gcp", CREDS_A, T0), VL_OK);
  return v;
}

static uint32_t open_handle(vl_vault *v, const char *url) {
  treq t = {.url = url};
  size_t len;
  uint8_t *frame = treq_encode(&t, &len);
  uint32_t h = 0;
  CHECK_EQ_INT(vl_vault_resolve_open(v, frame, len, 0, T0, &h), VL_OK); /* takes frame */
  CHECK(h != 0);
  return h;
}

static vl_status answer(vl_resolve *r, uint32_t id, uint32_t status, const char *body) {
  tresp a = {status, {{"Content-Type", "application/json"}}, 1, body, 0};
  size_t len;
  uint8_t *resp = tresp_encode(&a, &len);
  vl_status st = vl_resolve_job_done(r, id, status, resp, len, T0);
  vl_free(resp);
  return st;
}

/* Renders r and returns the URL (vl_alloc'd); *report gets the report. */
static char *render_url(vl_resolve *r, char **report) {
  uint8_t *o = NULL, *rep = NULL;
  size_t olen = 0, rlen = 0;
  CHECK_EQ_INT(vl_resolve_render(r, T0, &o, &olen, &rep, &rlen), VL_OK);
  vl_request out;
  char err[128];
  CHECK_EQ_INT(vl_request_decode(o, olen, &out, err, sizeof err), VL_OK);
  char *url = vl_memdup(out.url.p, out.url.n);
  vl_request_clear(&out);
  vl_free(o);
  *report = (char *)rep;
  return url;
}

/* The first job's bearer token, to tell which credentials signed it. */
static int job_uses(const vl_job *job, const char *token) {
  vl_request q;
  char err[128];
  if (vl_request_decode(job->request, job->request_len, &q, err, sizeof err) != VL_OK) return 0;
  int hit = 0;
  for (size_t i = 0; i < q.header_count; i++)
    if (q.headers[i].value.n >= strlen(token) &&
        memcmp(q.headers[i].value.p + q.headers[i].value.n - strlen(token), token, strlen(token)) == 0)
      hit = 1;
  vl_request_clear(&q);
  return hit;
}

static void test_closed_handle_is_refused(void) {
  vl_vault *v = gcp_vault();
  uint32_t h = open_handle(v, "https://api.test/{{vault:s}}");
  vl_resolve *r = vl_vault_resolve_get(v, h);
  CHECK(r != NULL);
  CHECK_EQ_INT(vl_vault_resolve_close(v, h), VL_OK);
  CHECK(vl_vault_resolve_get(v, h) == NULL);
  CHECK(strstr(vl_vault_last_error(v), "not open") != NULL);
  CHECK_EQ_INT(vl_vault_resolve_close(v, h), VL_ERR_NOT_FOUND); /* twice: nothing touched */
  CHECK(vl_vault_resolve_get(v, 0) == NULL);
  CHECK(vl_vault_resolve_get(v, h ^ 1u) == NULL); /* another slot, never opened */
  vl_vault_free(v);
}

/* Every slot is used once more: the old handle of a reused slot names nothing. */
static void test_reused_slot_gets_a_new_generation(void) {
  vl_vault *v = gcp_vault();
  uint32_t first = open_handle(v, "https://api.test/{{vault:s}}");
  CHECK_EQ_INT(vl_vault_resolve_close(v, first), VL_OK);
  uint32_t same_slot = 0;
  for (unsigned i = 0; i < VL_MAX_RESOLVES && !same_slot; i++) {
    uint32_t h = open_handle(v, "https://api.test/{{vault:s}}");
    if ((h & (VL_MAX_RESOLVES - 1u)) == (first & (VL_MAX_RESOLVES - 1u)))
      same_slot = h;
    else
      CHECK_EQ_INT(vl_vault_resolve_close(v, h), VL_OK);
  }
  CHECK(same_slot != 0);
  CHECK(same_slot != first);
  CHECK(vl_vault_resolve_get(v, first) == NULL);
  CHECK(vl_vault_resolve_get(v, same_slot) != NULL);
  CHECK_EQ_INT(vl_vault_resolve_close(v, first), VL_ERR_NOT_FOUND);
  CHECK(vl_vault_resolve_get(v, same_slot) != NULL); /* the stale close left it alone */
  vl_vault_free(v);                                  /* frees the open one (ASan: no leak) */
}

static void test_table_full_is_a_limit(void) {
  vl_vault *v = gcp_vault();
  for (unsigned i = 0; i < VL_MAX_RESOLVES; i++) open_handle(v, "https://api.test/");
  treq t = {.url = "https://api.test/"};
  size_t len;
  uint8_t *frame = treq_encode(&t, &len);
  uint32_t h = 7;
  CHECK_EQ_INT(vl_vault_resolve_open(v, frame, len, 0, T0, &h), VL_ERR_LIMIT);
  CHECK_EQ_INT(h, 0);
  CHECK(strstr(vl_vault_last_error(v), "resolves open at once") != NULL);
  vl_vault_free(v);
}

/* The reproduction of #11 §1 at the C level: two resolves' jobs never share an
 * id, so one resolve's answer cannot be ingested as another's. */
static void test_job_ids_are_unique_in_a_vault(void) {
  vl_vault *v = gcp_vault();
  CHECK_EQ_INT(tlink(v, "d", "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"projects/p/secrets/d\"}}}", NULL),
               VL_OK);
  uint32_t h1 = open_handle(v, "https://b.example/{{vault:s}}");
  uint32_t h2 = open_handle(v, "https://evil.example/{{vault:d}}");
  vl_resolve *r1 = vl_vault_resolve_get(v, h1), *r2 = vl_vault_resolve_get(v, h2);
  vl_job j1, j2;
  CHECK_EQ_INT(vl_resolve_next_job(r1, &j1), VL_OK);
  CHECK_EQ_INT(vl_resolve_next_job(r2, &j2), VL_OK);
  CHECK(j1.id != j2.id);
  CHECK_EQ_INT(answer(r2, j1.id, 200, ANSWER_A), VL_ERR_NOT_FOUND); /* r1's job, offered to r2 */
  char *rep;
  char *url = render_url(r2, &rep);
  CHECK_EQ_STR(url, "https://evil.example/{{vault:d}}");
  CHECK_EQ_STR(treason(rep, 0), "unreachable");
  vl_free(url);
  vl_free(rep);
  vl_vault_free(v);
}

/* #11 §3: an answer fetched under credentials A arrives after a reconnect
 * with B: it is not cached; the fetch begins again under B. */
static void test_answer_from_before_a_reconnect_is_not_cached(void) {
  vl_vault *v = gcp_vault();
  uint32_t h = open_handle(v, "https://api.test/{{vault:s}}");
  vl_resolve *r = vl_vault_resolve_get(v, h);
  vl_job job;
  CHECK_EQ_INT(vl_resolve_next_job(r, &job), VL_OK);
  CHECK(job_uses(&job, "token-A"));
  uint32_t old = job.id;
  CHECK_EQ_INT(tconnect(v, "gcp", CREDS_B, T0), VL_OK);
  CHECK_EQ_INT(answer(r, old, 200, ANSWER_A), VL_OK);
  vl_job again;
  CHECK_EQ_INT(vl_resolve_next_job(r, &again), VL_OK); /* begun again, under B */
  CHECK(again.id != old);
  CHECK(job_uses(&again, "token-B"));
  CHECK_EQ_INT(answer(r, again.id, 200, ANSWER_B), VL_OK);
  char *rep;
  char *url = render_url(r, &rep);
  CHECK_EQ_STR(url, "https://api.test/user-value");
  vl_free(url);
  vl_free(rep);
  vl_vault_resolve_close(v, h);
  /* The cache holds B's answer only: a new resolve needs no job. */
  h = open_handle(v, "https://api.test/{{vault:s}}");
  r = vl_vault_resolve_get(v, h);
  CHECK_EQ_INT(vl_resolve_next_job(r, &job), VL_ERR_DONE);
  url = render_url(r, &rep);
  CHECK_EQ_STR(url, "https://api.test/user-value");
  vl_free(url);
  vl_free(rep);
  vl_vault_free(v);
}

static void test_answer_from_before_reset_cache_is_not_cached(void) {
  vl_vault *v = gcp_vault();
  uint32_t h = open_handle(v, "https://api.test/{{vault:s}}");
  vl_resolve *r = vl_vault_resolve_get(v, h);
  vl_job job;
  CHECK_EQ_INT(vl_resolve_next_job(r, &job), VL_OK);
  vl_vault_reset_cache(v);
  CHECK_EQ_INT(answer(r, job.id, 200, ANSWER_A), VL_OK);
  vl_job again;
  CHECK_EQ_INT(vl_resolve_next_job(r, &again), VL_OK);
  CHECK(again.id != job.id);
  vl_vault_reset_cache(v); /* and again, and again: bounded */
  CHECK_EQ_INT(answer(r, again.id, 200, ANSWER_A), VL_OK);
  CHECK_EQ_INT(vl_resolve_next_job(r, &again), VL_OK);
  vl_vault_reset_cache(v);
  CHECK_EQ_INT(answer(r, again.id, 200, ANSWER_A), VL_OK);
  CHECK_EQ_INT(vl_resolve_next_job(r, &again), VL_ERR_DONE);
  char *rep;
  char *url = render_url(r, &rep);
  CHECK_EQ_STR(url, "https://api.test/{{vault:s}}");
  CHECK_EQ_STR(treason(rep, 0), "reauth_required");
  CHECK(strstr(rep, "changed 3 times") != NULL);
  CHECK(strstr(rep, "admin-only") == NULL);
  vl_free(url);
  vl_free(rep);
  uint8_t *st = NULL;
  size_t st_len = 0;
  CHECK_EQ_INT(vl_vault_status(v, T0, &st, &st_len), VL_OK);
  CHECK(strstr((const char *)st, "\"cache\":[]") != NULL);
  vl_free(st);
  vl_vault_free(v);
}

static void test_answer_after_disconnect_is_dropped(void) {
  vl_vault *v = gcp_vault();
  uint32_t h = open_handle(v, "https://api.test/{{vault:s}}");
  vl_resolve *r = vl_vault_resolve_get(v, h);
  vl_job job;
  CHECK_EQ_INT(vl_resolve_next_job(r, &job), VL_OK);
  CHECK_EQ_INT(vl_vault_disconnect(v, "gcp"), VL_OK);
  CHECK_EQ_INT(tconnect(v, "gcp", CREDS_A, T0), VL_OK); /* the same credentials, connected again */
  CHECK_EQ_INT(vl_vault_disconnect(v, "gcp"), VL_OK);
  CHECK_EQ_INT(answer(r, job.id, 200, ANSWER_A), VL_OK);
  CHECK_EQ_INT(vl_resolve_next_job(r, &job), VL_ERR_DONE);
  char *rep;
  char *url = render_url(r, &rep);
  CHECK_EQ_STR(url, "https://api.test/{{vault:s}}");
  CHECK_EQ_STR(treason(rep, 0), "not_connected");
  vl_free(url);
  vl_free(rep);
  vl_vault_free(v);
}

int main(void) {
  static const vlt_case cases[] = {
      TEST(test_closed_handle_is_refused),
      TEST(test_reused_slot_gets_a_new_generation),
      TEST(test_table_full_is_a_limit),
      TEST(test_job_ids_are_unique_in_a_vault),
      TEST(test_answer_from_before_a_reconnect_is_not_cached),
      TEST(test_answer_from_before_reset_cache_is_not_cached),
      TEST(test_answer_after_disconnect_is_dropped),
  };
  return vlt_run(cases, sizeof cases / sizeof cases[0]);
}
