/* SigV4 against the official suites, read in place from ../shared/vectors:
 *   - aws-c-auth v4: every case's header-* canonical request, string to sign,
 *     signature and Authorization (the query-* presigned files are not used:
 *     vaultlink signs with headers only);
 *   - the classic aws4_testsuite: .creq, .sts, .authz;
 *   - the derived Secrets Manager GetSecretValue cases.
 * Directories are listed with opendir/readdir, which also works under
 * Emscripten's NODERAWFS, so the same file runs natively and as wasm. */
#include <cJSON.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "input_limits.h"
#include "mem.h"
#include "sigv4.h"
#include "vltest.h"

#define AWS_C_AUTH_DIR VL_VECTORS_DIR "/sigv4/aws-c-auth-signing-test-suite/v4"
#define CLASSIC_DIR VL_VECTORS_DIR "/sigv4/classic-aws4_testsuite"
#define DERIVED_FILE VL_VECTORS_DIR "/sigv4/derived-secretsmanager/getsecretvalue-sigv4.json"

/* ---- small helpers -------------------------------------------------------------- */

static vl_slice S(const char *s) {
  vl_slice v = {(const uint8_t *)s, s ? strlen(s) : 0};
  return v;
}

static char *read_text(const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return vlt_read_file(path, NULL);
}

/* Expected-output files may or may not end with a newline; the value does not. */
static char *read_expected(const char *dir, const char *name) {
  char *s = read_text(dir, name);
  if (s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = 0;
  }
  return s;
}

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Sorted directory listing (readdir order is unspecified). */
typedef struct {
  char **names;
  size_t n;
} listing;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static listing list_dir(const char *dir) {
  listing l = {NULL, 0};
  DIR *d = opendir(dir);
  if (!d) return l;
  struct dirent *e;
  size_t cap = 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (l.n == cap) {
      cap = cap ? cap * 2 : 64;
      l.names = realloc(l.names, cap * sizeof *l.names);
    }
    l.names[l.n++] = strdup(e->d_name);
  }
  closedir(d);
  if (l.n) qsort(l.names, l.n, sizeof *l.names, cmp_str);
  return l;
}

static void free_listing(listing *l) {
  for (size_t i = 0; i < l->n; i++) free(l->names[i]);
  free(l->names);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

/* Parses "2015-08-30T12:36:00Z" or "20150830T123600Z" into epoch ms. */
static uint64_t parse_time(const char *s) {
  int y, mo, d, h, mi, se;
  if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &se) != 6 &&
      sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &y, &mo, &d, &h, &mi, &se) != 6)
    return 0;
  int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
  return (uint64_t)((days * 86400 + h * 3600 + mi * 60 + se) * 1000);
}

/* ---- an HTTP/1.1 request file (request.txt / .req) ----------------------------- */

typedef struct {
  char *method, *path, *query, *body;
  size_t body_len;
  vl_header headers[64];
  char *hname[64], *hval[64];
  size_t header_count;
} http_req;

static void free_req(http_req *r) {
  free(r->method);
  free(r->path);
  free(r->query);
  free(r->body);
  for (size_t i = 0; i < r->header_count; i++) {
    free(r->hname[i]);
    free(r->hval[i]);
  }
  memset(r, 0, sizeof *r);
}

static char *dup_range(const char *p, size_t n) {
  char *s = malloc(n + 1);
  memcpy(s, p, n);
  s[n] = 0;
  return s;
}

/* "METHOD target HTTP/1.1", header lines (a line starting with a blank
 * continues the previous value), an empty line, the body. The target may
 * contain spaces (get-space), so it ends at the last " HTTP/". */
static int parse_req(const char *text, http_req *r) {
  memset(r, 0, sizeof *r);
  const char *eol = strchr(text, '\n');
  size_t line_len = eol ? (size_t)(eol - text) : strlen(text);
  const char *sp = memchr(text, ' ', line_len);
  if (!sp) return 0;
  r->method = dup_range(text, (size_t)(sp - text));
  const char *target = sp + 1, *tend = NULL;
  for (const char *q = target; q + 6 <= text + line_len; q++)
    if (memcmp(q, " HTTP/", 6) == 0) tend = q;
  if (!tend) return 0;
  const char *qm = memchr(target, '?', (size_t)(tend - target));
  r->path = dup_range(target, (size_t)((qm ? qm : tend) - target));
  r->query = qm ? dup_range(qm + 1, (size_t)(tend - qm - 1)) : dup_range("", 0);
  const char *p = eol ? eol + 1 : text + line_len;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n && p[n - 1] == '\r') n--;
    if (n == 0) {
      p = e ? e + 1 : p + strlen(p);
      break;
    }
    if ((p[0] == ' ' || p[0] == '\t') && r->header_count) {
      char *prev = r->hval[r->header_count - 1];
      size_t pl = strlen(prev);
      prev = realloc(prev, pl + 1 + n + 1);
      prev[pl] = ' ';
      memcpy(prev + pl + 1, p, n);
      prev[pl + 1 + n] = 0;
      r->hval[r->header_count - 1] = prev;
    } else {
      const char *colon = memchr(p, ':', n);
      if (!colon || r->header_count == 64) return 0;
      r->hname[r->header_count] = dup_range(p, (size_t)(colon - p));
      r->hval[r->header_count] = dup_range(colon + 1, n - (size_t)(colon - p) - 1);
      r->header_count++;
    }
    p = e ? e + 1 : p + n;
  }
  r->body_len = strlen(p);
  r->body = dup_range(p, r->body_len);
  return 1;
}

/* Removes header NAME (case-insensitive) and returns its value (caller frees). */
static char *take_header(http_req *r, const char *name) {
  for (size_t i = 0; i < r->header_count; i++) {
    if (strcasecmp(r->hname[i], name) != 0) continue;
    char *v = r->hval[i];
    free(r->hname[i]);
    memmove(&r->hname[i], &r->hname[i + 1], (r->header_count - i - 1) * sizeof r->hname[0]);
    memmove(&r->hval[i], &r->hval[i + 1], (r->header_count - i - 1) * sizeof r->hval[0]);
    r->header_count--;
    return v;
  }
  return NULL;
}

static void to_sigv4(http_req *r, vl_sigv4_request *q) {
  for (size_t i = 0; i < r->header_count; i++) {
    r->headers[i].name = S(r->hname[i]);
    r->headers[i].value = S(r->hval[i]);
  }
  q->method = S(r->method);
  q->path = S(r->path);
  q->query = S(r->query);
  q->headers = r->headers;
  q->header_count = r->header_count;
  q->body.p = (const uint8_t *)r->body;
  q->body.n = r->body_len;
}

static int buf_eq(const vl_buf *b, const char *s) {
  return s && b->len == strlen(s) && memcmp(b->p, s, b->len) == 0;
}

static void check_buf(const char *what, const char *where, const vl_buf *b, const char *expected) {
  if (buf_eq(b, expected)) return;
  CHECK(buf_eq(b, expected));
  fprintf(stderr, "    %s %s:\n--- got\n%.*s\n--- expected\n%s\n", where, what, (int)b->len, (const char *)b->p,
          expected ? expected : "(missing file)");
}

static const char *json_str(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int json_true(const cJSON *o, const char *key) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* ---- aws-c-auth v4 ---------------------------------------------------------------- */

static int run_aws_c_auth_case(const char *name) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s", AWS_C_AUTH_DIR, name);
  char *ctx_text = read_text(dir, "context.json");
  char *req_text = read_text(dir, "request.txt");
  char *exp_creq = read_expected(dir, "header-canonical-request.txt");
  char *exp_sts = read_expected(dir, "header-string-to-sign.txt");
  char *exp_sig = read_expected(dir, "header-signature.txt");
  char *exp_sreq = read_text(dir, "header-signed-request.txt");
  cJSON *ctx = ctx_text ? cJSON_Parse(ctx_text) : NULL;
  int ran = 0;
  CHECK(ctx && req_text && exp_creq && exp_sts && exp_sig && exp_sreq);
  http_req r;
  if (ctx && req_text && exp_creq && exp_sts && exp_sig && exp_sreq && parse_req(req_text, &r)) {
    const cJSON *cr = cJSON_GetObjectItemCaseSensitive(ctx, "credentials");
    vl_aws_credentials creds = {S(json_str(cr, "access_key_id")), S(json_str(cr, "secret_access_key")),
                                S(json_str(cr, "token"))};
    unsigned flags = (json_true(ctx, "normalize") ? VL_SIGV4_NORMALIZE_PATH : 0) |
                     (json_true(ctx, "sign_body") ? VL_SIGV4_ADD_CONTENT_SHA256 : 0) |
                     (json_true(ctx, "omit_session_token") ? VL_SIGV4_OMIT_SESSION_TOKEN : 0);
    vl_sigv4_request q;
    to_sigv4(&r, &q);
    vl_sigv4_result out;
    vl_status st = vl_sigv4_sign(&q, &creds, json_str(ctx, "region"), json_str(ctx, "service"),
                                 parse_time(json_str(ctx, "timestamp")), flags, &out);
    CHECK_EQ_INT(st, VL_OK);
    if (st == VL_OK) {
      check_buf("canonical request", name, &out.canonical_request, exp_creq);
      check_buf("string to sign", name, &out.string_to_sign, exp_sts);
      CHECK_EQ_STR(out.signature, exp_sig);
      /* The signed request carries "Authorization:<value>" on its own line. */
      const char *a = strstr(exp_sreq, "\nAuthorization:");
      CHECK(a != NULL);
      if (a) {
        a += strlen("\nAuthorization:");
        size_t an = strcspn(a, "\r\n");
        char *exp_authz = dup_range(a, an);
        check_buf("Authorization", name, &out.authorization, exp_authz);
        free(exp_authz);
      }
      /* Every header the signer added appears in the signed request too. */
      char line[64];
      snprintf(line, sizeof line, "X-Amz-Date:%s", out.amz_date);
      CHECK(strstr(exp_sreq, line) != NULL);
      vl_sigv4_result_clear(&out);
      ran = 1;
    }
    free_req(&r);
  }
  if (!ran) fprintf(stderr, "    case %s did not run\n", name);
  cJSON_Delete(ctx);
  free(ctx_text);
  free(req_text);
  free(exp_creq);
  free(exp_sts);
  free(exp_sig);
  free(exp_sreq);
  return ran;
}

static void aws_c_auth_suite(void) {
  listing l = list_dir(AWS_C_AUTH_DIR);
  size_t cases = 0, header_cases = 0, passed = 0;
  for (size_t i = 0; i < l.n; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", AWS_C_AUTH_DIR, l.names[i]);
    if (!is_dir(path)) continue;
    cases++;
    snprintf(path, sizeof path, "%s/%s/header-canonical-request.txt", AWS_C_AUTH_DIR, l.names[i]);
    if (!file_exists(path)) continue; /* none: every case has a header form */
    header_cases++;
    int before = vlt_failed_checks;
    if (run_aws_c_auth_case(l.names[i]) && vlt_failed_checks == before) passed++;
  }
  free_listing(&l);
  printf("     aws-c-auth: %zu cases, %zu with header-* files, %zu passed\n", cases, header_cases, passed);
  CHECK_EQ_INT(cases, 38); /* the suite's documented size: guards against an unread directory */
  CHECK_EQ_INT(header_cases, cases);
  CHECK_EQ_INT(passed, header_cases);
}

/* ---- classic aws4_testsuite ------------------------------------------------------- */

typedef struct {
  char *key_id, *secret, *region, *service;
} classic_ctx;

/* The classic suite ships no context file; it uses the same credentials,
 * region and service as aws-c-auth's get-vanilla, so those are read there. */
static int classic_context(classic_ctx *c) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/get-vanilla", AWS_C_AUTH_DIR);
  char *t = read_text(dir, "context.json");
  cJSON *j = t ? cJSON_Parse(t) : NULL;
  free(t);
  if (!j) return 0;
  const cJSON *cr = cJSON_GetObjectItemCaseSensitive(j, "credentials");
  c->key_id = strdup(json_str(cr, "access_key_id"));
  c->secret = strdup(json_str(cr, "secret_access_key"));
  c->region = strdup(json_str(j, "region"));
  c->service = strdup(json_str(j, "service"));
  cJSON_Delete(j);
  return 1;
}

static int run_classic_case(const classic_ctx *c, const char *dir, const char *name) {
  char fname[512];
  snprintf(fname, sizeof fname, "%s.req", name);
  char *req_text = read_text(dir, fname);
  snprintf(fname, sizeof fname, "%s.creq", name);
  char *exp_creq = read_expected(dir, fname);
  snprintf(fname, sizeof fname, "%s.sts", name);
  char *exp_sts = read_expected(dir, fname);
  snprintf(fname, sizeof fname, "%s.authz", name);
  char *exp_authz = read_expected(dir, fname);
  int ran = 0;
  http_req r;
  CHECK(req_text && exp_creq && exp_sts && exp_authz);
  if (req_text && exp_creq && exp_sts && exp_authz && parse_req(req_text, &r)) {
    /* The signer adds X-Amz-Date and X-Amz-Security-Token itself: they become
     * inputs (the time, the credentials) instead of headers. */
    char *date = take_header(&r, "X-Amz-Date");
    char *token = take_header(&r, "X-Amz-Security-Token");
    if (!token) {
      /* Documented quirk (vectors/README.md): get-vanilla-with-session-token's
       * .req lacks the token that its .creq signs; take it from the .creq. */
      const char *t = strstr(exp_creq, "\nx-amz-security-token:");
      if (t) {
        t += strlen("\nx-amz-security-token:");
        token = dup_range(t, strcspn(t, "\n"));
      }
    }
    CHECK(date != NULL);
    vl_aws_credentials creds = {S(c->key_id), S(c->secret), S(token)};
    vl_sigv4_request q;
    to_sigv4(&r, &q);
    vl_sigv4_result out;
    vl_status st =
        vl_sigv4_sign(&q, &creds, c->region, c->service, date ? parse_time(date) : 0, VL_SIGV4_NORMALIZE_PATH, &out);
    CHECK_EQ_INT(st, VL_OK);
    if (st == VL_OK) {
      check_buf("canonical request", name, &out.canonical_request, exp_creq);
      check_buf("string to sign", name, &out.string_to_sign, exp_sts);
      check_buf("Authorization", name, &out.authorization, exp_authz);
      CHECK(date && strcmp(out.amz_date, date) == 0);
      vl_sigv4_result_clear(&out);
      ran = 1;
    }
    free(date);
    free(token);
    free_req(&r);
  }
  if (!ran) fprintf(stderr, "    classic case %s did not run\n", name);
  free(req_text);
  free(exp_creq);
  free(exp_sts);
  free(exp_authz);
  return ran;
}

/* A case is a directory D holding D.req; normalize-path/ and post-sts-token/
 * group cases one level down. */
static void walk_classic(const classic_ctx *c, const char *dir, int depth, size_t *cases, size_t *passed) {
  listing l = list_dir(dir);
  for (size_t i = 0; i < l.n; i++) {
    char sub[1024], req[1280];
    snprintf(sub, sizeof sub, "%s/%s", dir, l.names[i]);
    if (!is_dir(sub)) continue;
    snprintf(req, sizeof req, "%s/%s.req", sub, l.names[i]);
    if (file_exists(req)) {
      (*cases)++;
      int before = vlt_failed_checks;
      if (run_classic_case(c, sub, l.names[i]) && vlt_failed_checks == before) (*passed)++;
    } else if (depth < 2) {
      walk_classic(c, sub, depth + 1, cases, passed);
    }
  }
  free_listing(&l);
}

static void classic_suite(void) {
  classic_ctx c;
  CHECK(classic_context(&c));
  size_t cases = 0, passed = 0;
  walk_classic(&c, CLASSIC_DIR, 0, &cases, &passed);
  printf("     classic: %zu cases, %zu passed\n", cases, passed);
  CHECK_EQ_INT(cases, 34); /* documented size of the suite */
  CHECK_EQ_INT(passed, cases);
  free(c.key_id);
  free(c.secret);
  free(c.region);
  free(c.service);
}

/* ---- derived Secrets Manager cases ------------------------------------------------- */

static void derived_secretsmanager(void) {
  char *text = vlt_read_file(DERIVED_FILE, NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  CHECK(j != NULL);
  const cJSON *cases = cJSON_GetObjectItemCaseSensitive(j, "cases");
  size_t n = 0, passed = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cases) {
    n++;
    const char *name = json_str(c, "name");
    const cJSON *cr = cJSON_GetObjectItemCaseSensitive(c, "credentials");
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(c, "request");
    const char *url = json_str(rq, "url");
    const char *body = json_str(rq, "body");
    CHECK(name && cr && rq && url && body);
    if (!name || !cr || !rq || !url || !body) continue;
    /* https://host/path?query */
    const char *after_scheme = strstr(url, "://");
    const char *path = after_scheme ? strchr(after_scheme + 3, '/') : NULL;
    CHECK(path != NULL);
    if (!path) continue;
    const char *qm = strchr(path, '?');
    char *path_s = dup_range(path, qm ? (size_t)(qm - path) : strlen(path));
    vl_header hs[16];
    size_t hn = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(rq, "headers")) {
      if (hn == 16 || !cJSON_IsString(h)) break;
      hs[hn].name = S(h->string);
      hs[hn].value = S(h->valuestring);
      hn++;
    }
    vl_sigv4_request q = {S(json_str(rq, "method")), S(path_s), S(qm ? qm + 1 : ""), hs, hn, S(body)};
    vl_aws_credentials creds = {S(json_str(cr, "access_key_id")), S(json_str(cr, "secret_access_key")),
                                S(json_str(cr, "token"))};
    vl_sigv4_result out;
    vl_status st = vl_sigv4_sign(&q, &creds, json_str(c, "region"), json_str(c, "service"),
                                 parse_time(json_str(c, "x_amz_date")), VL_SIGV4_NORMALIZE_PATH, &out);
    CHECK_EQ_INT(st, VL_OK);
    if (st == VL_OK) {
      int before = vlt_failed_checks;
      check_buf("canonical request", name, &out.canonical_request, json_str(c, "canonical_request"));
      check_buf("string to sign", name, &out.string_to_sign, json_str(c, "string_to_sign"));
      check_buf("Authorization", name, &out.authorization, json_str(c, "authorization"));
      CHECK(json_str(c, "signature") && strcmp(out.signature, json_str(c, "signature")) == 0);
      CHECK(strcmp(out.amz_date, json_str(c, "x_amz_date")) == 0);
      if (vlt_failed_checks == before) passed++;
      vl_sigv4_result_clear(&out);
    }
    free(path_s);
  }
  printf("     derived-secretsmanager: %zu cases, %zu passed\n", n, passed);
  CHECK_EQ_INT(n, 3);
  CHECK_EQ_INT(passed, n);
  cJSON_Delete(j);
  free(text);
}

/* ---- behaviour beyond the vectors ------------------------------------------------ */

static vl_status sign_simple(const vl_header *hs, size_t hn, const char *path, const char *query, unsigned flags,
                             vl_sigv4_result *out) {
  vl_sigv4_request q = {S("GET"), S(path), S(query), hs, hn, S("")};
  vl_aws_credentials creds = {S("AKIDEXAMPLE"), S("not-a-real-secret-key"), S("")};
  return vl_sigv4_sign(&q, &creds, "us-east-1", "secretsmanager", 1440938160000ull, flags, out);
}

static void rejects_bad_input(void) {
  vl_sigv4_result out;
  vl_header host = {S("Host"), S("example.amazonaws.com")};
  CHECK_EQ_INT(sign_simple(NULL, 0, "/", "", 0, &out), VL_ERR_ARG); /* no Host */
  vl_header crlf[2] = {host, {S("X-Test"), S("a\r\nInjected: 1")}};
  CHECK_EQ_INT(sign_simple(crlf, 2, "/", "", 0, &out), VL_ERR_FORMAT);
  vl_header badname[2] = {host, {S("Bad Name"), S("x")}};
  CHECK_EQ_INT(sign_simple(badname, 2, "/", "", 0, &out), VL_ERR_FORMAT);
  vl_header reserved[2] = {host, {S("X-Amz-Date"), S("20150830T123600Z")}};
  CHECK_EQ_INT(sign_simple(reserved, 2, "/", "", 0, &out), VL_ERR_ARG);
  vl_header authz[2] = {host, {S("authorization"), S("x")}};
  CHECK_EQ_INT(sign_simple(authz, 2, "/", "", 0, &out), VL_ERR_ARG);
  CHECK_EQ_INT(sign_simple(&host, 1, "no-slash", "", 0, &out), VL_ERR_FORMAT);

  vl_sigv4_request q = {S("GET"), S("/"), S(""), &host, 1, S("")};
  vl_aws_credentials creds = {S("AKIDEXAMPLE"), S("k"), S("")};
  CHECK_EQ_INT(vl_sigv4_sign(&q, &creds, "us/east", "s", 0, 0, &out), VL_ERR_ARG);
  CHECK_EQ_INT(vl_sigv4_sign(&q, &creds, "", "s", 0, 0, &out), VL_ERR_ARG);
  vl_aws_credentials bad_id = {S("AKID,EXAMPLE"), S("k"), S("")};
  CHECK_EQ_INT(vl_sigv4_sign(&q, &bad_id, "r", "s", 0, 0, &out), VL_ERR_ARG);
  vl_aws_credentials bad_token = {S("AKID"), S("k"), S("tok\nen")};
  CHECK_EQ_INT(vl_sigv4_sign(&q, &bad_token, "r", "s", 0, 0, &out), VL_ERR_ARG);
  CHECK_EQ_INT(vl_sigv4_sign(&q, &creds, "r", "s", 253402300800000ull, 0, &out), VL_ERR_ARG); /* year 10000 */

  /* Too many headers. */
  size_t many = VL_MAX_HEADERS + 1;
  vl_header *hs = calloc(many, sizeof *hs);
  for (size_t i = 0; i < many; i++) hs[i] = host;
  CHECK_EQ_INT(sign_simple(hs, many, "/", "", 0, &out), VL_ERR_LIMIT);
  free(hs);
  /* A failed call leaves nothing allocated. */
  CHECK(out.authorization.p == NULL && out.canonical_request.p == NULL);
}

/* Headers the AWS JS signer never signs do not change the signature. */
static void skips_unsignable_headers(void) {
  vl_header base[1] = {{S("Host"), S("example.amazonaws.com")}};
  vl_header extra[4] = {{S("User-Agent"), S("test/1.0")},
                        {S("Host"), S("example.amazonaws.com")},
                        {S("Sec-Fetch-Mode"), S("cors")},
                        {S("X-Amzn-Trace-Id"), S("Root=1")}};
  vl_sigv4_result a, b;
  CHECK_EQ_INT(sign_simple(base, 1, "/", "", 0, &a), VL_OK);
  CHECK_EQ_INT(sign_simple(extra, 4, "/", "", 0, &b), VL_OK);
  CHECK_EQ_STR(a.signature, b.signature);
  vl_sigv4_result_clear(&a);
  vl_sigv4_result_clear(&b);
}

static void canonical_pieces(void) {
  struct {
    const char *in;
    unsigned flags;
    const char *want;
  } uris[] = {
      {"", VL_SIGV4_NORMALIZE_PATH, "/"},
      {"/a/b/../c/./d", VL_SIGV4_NORMALIZE_PATH, "/a/c/d"},
      {"/../..", VL_SIGV4_NORMALIZE_PATH, "/"},
      {"/a%20b", 0, "/a%2520b"}, /* double encoding: the wire path is encoded again */
      {"/a b/", VL_SIGV4_NORMALIZE_PATH, "/a%20b/"},
      {"/~user/x+y", 0, "/~user/x%2By"},
  };
  for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
    vl_buf b;
    vl_buf_init(&b, 0);
    CHECK_EQ_INT(vl_sigv4_canonical_uri((const uint8_t *)uris[i].in, strlen(uris[i].in), uris[i].flags, &b), VL_OK);
    if (!buf_eq(&b, uris[i].want)) fprintf(stderr, "    uri %s -> %.*s\n", uris[i].in, (int)b.len, (char *)b.p);
    CHECK(buf_eq(&b, uris[i].want));
    vl_buf_free(&b);
  }
  struct {
    const char *in, *want;
  } queries[] = {
      {"b=2&a=1", "a=1&b=2"}, {"a-b=1&a=2", "a=2&a-b=1"}, /* sorted by key, not by "key=value" */
      {"k&&j=", "j=&k="},     {"x=%zz&y=%41", "x=%25zz&y=A"},
      {"q=a+b", "q=a%2Bb"},   {"=&=", "=&="}, /* found by fuzz_sigv4: every piece empty */
  };
  for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
    vl_buf b;
    vl_buf_init(&b, 0);
    CHECK_EQ_INT(vl_sigv4_canonical_query((const uint8_t *)queries[i].in, strlen(queries[i].in), &b), VL_OK);
    if (!buf_eq(&b, queries[i].want)) fprintf(stderr, "    query %s -> %.*s\n", queries[i].in, (int)b.len, (char *)b.p);
    CHECK(buf_eq(&b, queries[i].want));
    vl_buf_free(&b);
  }
}

static void amz_date_edges(void) {
  struct {
    const char *iso;
    const char *want;
  } rows[] = {{"1970-01-01T00:00:00Z", "19700101T000000Z"},
              {"2000-02-29T23:59:59Z", "20000229T235959Z"},
              {"2100-03-01T00:00:00Z", "21000301T000000Z"},
              {"9999-12-31T23:59:59Z", "99991231T235959Z"}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char d[17];
    CHECK_EQ_INT(vl_sigv4_amz_date(parse_time(rows[i].iso) + 999, d), VL_OK);
    CHECK_EQ_STR(d, rows[i].want);
  }
}

static void no_leaks(void) {
  size_t before = vl_mem_in_use();
  vl_header hs[2] = {{S("Host"), S("example.amazonaws.com")}, {S("X-A"), S("  a   b  ")}};
  vl_sigv4_result r;
  CHECK_EQ_INT(sign_simple(hs, 2, "//x/../y", "b=1&a=2", VL_SIGV4_NORMALIZE_PATH | VL_SIGV4_ADD_CONTENT_SHA256, &r),
               VL_OK);
  CHECK(vl_mem_in_use() > before);
  vl_sigv4_result_clear(&r);
  CHECK_EQ_INT(vl_mem_in_use(), before);
}

VLT_MAIN(TEST(aws_c_auth_suite), TEST(classic_suite), TEST(derived_secretsmanager), TEST(rejects_bad_input),
         TEST(skips_unsignable_headers), TEST(canonical_pieces), TEST(amz_date_edges), TEST(no_leaks))
