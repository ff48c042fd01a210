/* 1Password: the op:// grammar (every parse row of secret-reference-cases.json
 * and the op-vscode regex cases), resolution of every row against the vectors'
 * FullItem through the engine, the Connect HTTP sequence, ambiguity, TOTP and
 * the error taxonomy. */
#include "provhelp.h"
#include "providers/onepassword.h"
#include "refs/onepassword.h"
#include "vltest.h"

#ifndef VL_VECTORS_DIR
#define VL_VECTORS_DIR "../shared/vectors"
#endif

#define HOST "http://connect.example:8080"
#define CREDS "{\"host\":\"" HOST "/\",\"token\":\"test-connect-token\"}"
#define VID "ionaiwtdvgclrixbt6ztpqcxnq"
#define IID "yj3jfj2vzsbiwqabprflnl27lm"
#define T0 1700000000000ull

static cJSON *cases_json(void) {
  vl_mem_install_cjson_hooks();
  char *text = vlt_read_file(VL_VECTORS_DIR "/1password/secret-reference-cases.json", NULL);
  CHECK(text != NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  free(text);
  return j;
}

static int part_is(vl_opref_part p, const char *want) {
  if (!want) return p.p == NULL;
  return p.p && p.n == strlen(want) && memcmp(p.p, want, p.n) == 0;
}

static const char *jstr(const cJSON *o, const char *k) {
  const cJSON *it = cJSON_GetObjectItem(o, k);
  return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* ---------------------------------------------------------------- grammar */

static void test_grammar_vector_rows(void) {
  cJSON *j = cases_json();
  const cJSON *row;
  int n = 0;
  cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "parse_cases")) {
    const char *ref = jstr(row, "ref");
    vl_opref r;
    char err[200];
    vl_status st = vl_opref_parse(ref, strlen(ref), &r, err, sizeof err);
    if (jstr(row, "error")) {
      CHECK_EQ_INT(st, VL_ERR_REFERENCE);
      if (!strstr(err, jstr(row, "error"))) fprintf(stderr, "  %s: %s\n", ref, err);
      CHECK(strstr(err, jstr(row, "error")) != NULL);
      CHECK(strstr(err, "byte") != NULL);
      /* Names the reference by its head only: it did not parse, so it may be a pasted secret. */
      CHECK(strstr(err, "in op reference") != NULL);
      if (strlen(ref) > VL_QUOTE_HEAD) {
        char five[VL_QUOTE_HEAD + 2];
        snprintf(five, sizeof five, "%.*s", (int)VL_QUOTE_HEAD + 1, ref);
        CHECK(strstr(err, five) == NULL);
      }
    } else {
      CHECK_EQ_INT(st, VL_OK);
      CHECK(part_is(r.vault, jstr(row, "vault")));
      CHECK(part_is(r.item, jstr(row, "item") ? jstr(row, "item") : jstr(row, "item_id")));
      CHECK(part_is(r.section, jstr(row, "section")));
      CHECK(part_is(r.field, jstr(row, "field")));
      CHECK_EQ_INT(vl_opref_is_id(r.item.p, r.item.n), jstr(row, "item_id") != NULL);
      const cJSON *q = cJSON_GetObjectItem(row, "query");
      CHECK_EQ_STR(r.attr_lc, jstr(q, "attribute") ? jstr(q, "attribute") : "");
      CHECK_EQ_INT(r.ssh_openssh, jstr(q, "ssh-format") != NULL);
    }
    n++;
  }
  CHECK_EQ_INT(n, 10);
  cJSON_Delete(j);
}

static void test_grammar_op_vscode_cases(void) {
  vl_opref r;
  char err[200];
  CHECK_EQ_INT(vl_opref_parse("op://vault/item/field", 21, &r, err, sizeof err), VL_OK);
  CHECK(part_is(r.vault, "vault") && part_is(r.item, "item") && part_is(r.section, NULL) && part_is(r.field, "field"));
  static const char four[] = "op://vault/item/section/field";
  CHECK_EQ_INT(vl_opref_parse(four, strlen(four), &r, err, sizeof err), VL_OK);
  CHECK(part_is(r.section, "section") && part_is(r.field, "field"));
  CHECK_EQ_INT(vl_opref_parse("op://item/field", 15, &r, err, sizeof err), VL_ERR_REFERENCE);
  /* The editor regex finds references inside code; a link holds the reference
   * alone, so trailing code is refused at the byte where it starts. */
  static const char code2[] = "op://vault/item/field # comment";
  CHECK_EQ_INT(vl_opref_parse(code2, strlen(code2), &r, err, sizeof err), VL_ERR_REFERENCE);
  CHECK(strstr(err, "byte 22") != NULL); /* '#' */
  static const char code3[] = "op://vault/item/field\") {";
  CHECK_EQ_INT(vl_opref_parse(code3, strlen(code3), &r, err, sizeof err), VL_ERR_REFERENCE);
  CHECK(strstr(err, "byte 21") != NULL);
  /* What the regex cannot express but the grammar allows: '.', queries, IDs. */
  static const char dots[] = "op://my.vault/api.example.com/v1.key?attribute=label";
  CHECK_EQ_INT(vl_opref_parse(dots, strlen(dots), &r, err, sizeof err), VL_OK);
  CHECK(part_is(r.item, "api.example.com") && part_is(r.field, "v1.key"));
  CHECK_EQ_STR(r.attr_lc, "label");
}

static void test_grammar_rules_and_positions(void) {
  static const struct {
    const char *ref;
    vl_status st;
    const char *needle;
  } cases[] = {
      {"OP://Vault/Item/Field?ATTRIBUTE=OTP", VL_OK, NULL}, /* case-insensitive scheme and query */
      {"op://v/i/f?ssh-format=openssh&attribute=value", VL_OK, NULL},
      {"op://v/i/f?attribute=type&ssh-format=OpenSSH", VL_OK, NULL},
      {"op://v/i/s/f?attribute=purpose", VL_OK, NULL},
      {"op://Dev Team/My Item/Access Keys/key_1-a.b", VL_OK, NULL},
      {"op://v/i/f/", VL_ERR_REFERENCE, "empty name at byte 11"},
      {"op://v//f", VL_ERR_REFERENCE, "empty name at byte 7"},
      {"op:///i/f", VL_ERR_REFERENCE, "empty name at byte 5"},
      {"op://v/i/f@x", VL_ERR_REFERENCE, "byte 10"},
      {"op://v/it\xc3\xa9m/f", VL_ERR_REFERENCE, "byte 9"},
      {"op://v/i/ f", VL_ERR_REFERENCE, "starts with a space"},
      {"op://v/i/f ", VL_ERR_REFERENCE, "ends with a space at byte 10"},
      {"op://v/i/f?", VL_ERR_REFERENCE, "no '='"},
      {"op://v/i/f?attribute", VL_ERR_REFERENCE, "no '='"},
      {"op://v/i/f?attribute=", VL_ERR_REFERENCE, "empty query value at byte 21"},
      {"op://v/i/f?attribute=secret", VL_ERR_REFERENCE, "unknown attribute at byte 21"},
      {"op://v/i/f?attribute=otp&attribute=id", VL_ERR_REFERENCE, "twice"},
      {"op://v/i/f?ssh-format=pem", VL_ERR_REFERENCE, "openssh"},
      {"op://v/i/f?foo=bar", VL_ERR_REFERENCE, "unknown query parameter at byte 11"},
      {"op://v/i/f?attribute=otp&", VL_ERR_REFERENCE, "no '='"},
      {"https://v/i/f", VL_ERR_REFERENCE, "bad scheme"},
      {"op:/", VL_ERR_REFERENCE, "bad scheme"},
      {"", VL_ERR_REFERENCE, "bad scheme"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vl_opref r;
    char err[200] = "";
    vl_status st = vl_opref_parse(cases[i].ref, strlen(cases[i].ref), &r, err, sizeof err);
    if (st != cases[i].st || (cases[i].needle && !strstr(err, cases[i].needle)))
      fprintf(stderr, "  case %zu (%s): %s\n", i, cases[i].ref, err);
    CHECK_EQ_INT(st, cases[i].st);
    if (cases[i].needle) CHECK(strstr(err, cases[i].needle) != NULL);
  }
  char big[1100];
  memset(big, 'a', sizeof big);
  memcpy(big, "op://v/i/", 9);
  vl_opref r;
  char err[200];
  CHECK_EQ_INT(vl_opref_parse(big, sizeof big, &r, err, sizeof err), VL_ERR_REFERENCE);
  CHECK_EQ_INT(vl_opref_parse(big, 9 + 257, &r, err, sizeof err), VL_ERR_REFERENCE); /* name over 256 */
  CHECK_EQ_INT(vl_opref_parse(big, 9 + 256, &r, err, sizeof err), VL_OK);
  CHECK(vl_opref_is_id(IID, 26) && !vl_opref_is_id("YJ3JFJ2VZSBIWQABPRFLNL27LM", 26) && !vl_opref_is_id(IID, 25));
}

static void test_link_member_and_shorthand(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(
      tlink(v, "a", "{\"source\":{\"provider\":\"1password\",\"1password\":{\"secretReference\":\"op://v/i/f\"}}}",
            NULL),
      VL_OK);
  CHECK_EQ_INT(tlink(v, "b", "{\"source\":\"op://v/i/s/f?attribute=otp\"}", NULL), VL_OK);
  CHECK_EQ_INT(
      tlink(v, "c", "{\"source\":{\"provider\":\"1password\",\"1password\":{\"secretReference\":\"op://v/f\"}}}", NULL),
      VL_ERR_REFERENCE);
  CHECK(strstr(vl_vault_last_error(v), "too few segments") != NULL);
  CHECK(strstr(vl_vault_last_error(v), "\"op:/\xe2\x80\xa6\"") != NULL); /* the head, and the byte position */
  CHECK(strstr(vl_vault_last_error(v), "op://v/f") == NULL);
  CHECK_EQ_INT(tlink(v, "d", "{\"source\":{\"provider\":\"1password\",\"1password\":{}}}", NULL), VL_ERR_REFERENCE);
  CHECK(strstr(vl_vault_last_error(v), "secretReference") != NULL);
  vl_vault_free(v);
}

/* ---------------------------------------------------------------- resolution */

/* The vectors' FullItem, optionally without Connect's "totp" code. */
static char *full_item(int with_totp) {
  cJSON *j = cases_json();
  cJSON *item = cJSON_DetachItemFromObject(j, "connect_item_example");
  cJSON_Delete(j);
  if (!with_totp) {
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(item, "fields")) cJSON_DeleteItemFromObject((cJSON *)f, "totp");
  }
  char *s = cJSON_PrintUnformatted(item);
  cJSON_Delete(item);
  return s;
}

static const char ITEMS[] =
    "[{\"id\":\"" IID "\",\"title\":\"GitHub\",\"vault\":{\"id\":\"" VID "\"},\"category\":\"LOGIN\"}]";

/* Links ref as "x", connects, and resolves {{vault:x}} with the given answers. */
static char *resolve_ref(const char *ref, const tresp *answers, size_t n, uint64_t now, tjobs *s, char **report) {
  vl_vault *v = vl_vault_new(NULL);
  char def[600];
  snprintf(def, sizeof def, "{\"source\":{\"provider\":\"1password\",\"1password\":{\"secretReference\":\"%s\"}}}",
           ref);
  CHECK_EQ_INT(tlink(v, "x", def, NULL), VL_OK);
  CHECK_EQ_INT(tconnect(v, "1password", CREDS, now), VL_OK);
  char *url = NULL;
  CHECK_EQ_INT(tflow(v, "https://api.test/?k={{vault:x}}", now, answers, n, s, &url, report), VL_OK);
  vl_vault_free(v);
  return url;
}

static void test_resolution_vector_rows(void) {
  cJSON *j = cases_json();
  char *item = full_item(1);
  const cJSON *row;
  int n = 0;
  cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "resolution_cases_against_example")) {
    const char *ref = jstr(row, "ref"), *expect = jstr(row, "expect");
    char want[200];
    if (strncmp(expect, "<field.totp", 11) == 0)
      snprintf(want, sizeof want, "287082");
    else
      snprintf(want, sizeof want, "%.*s", (int)strcspn(expect, " "), expect); /* "STRING (CLI prints …)" */
    /* The vault is an ID: items?filter=title eq …, then the item. Row 2 spells the title "github". */
    tresp answers[2] = {{200, {{"Content-Type", "application/json"}}, 1, ITEMS}, {200, {{0}}, 0, item}};
    tjobs s = {0};
    char *report = NULL;
    char *url = resolve_ref(ref, answers, 2, T0, &s, &report);
    CHECK_EQ_INT(s.jobs, 2);
    CHECK(slice_eq(s.job.url, HOST "/v1/vaults/" VID "/items/" IID));
    if (strncmp(expect, "error:", 6) == 0) {
      CHECK_EQ_STR(treason(report, 0), "key_not_found");
      CHECK(strstr(report, "field \\\"nope\\\" not found") != NULL);
      CHECK_EQ_STR(url, "https://api.test/?k={{vault:x}}");
    } else {
      char full[300];
      snprintf(full, sizeof full, "https://api.test/?k=%s",
               strcmp(want, "otpauth://totp/GitHub:octocat") == 0 ? expect : want);
      if (strcmp(url, full) != 0) fprintf(stderr, "  %s -> %s (%s)\n", ref, url, report);
      CHECK_EQ_STR(url, full);
      CHECK_EQ_STR(report, "[]");
    }
    vl_free(url);
    vl_free(report);
    tjobs_clear(&s);
    n++;
  }
  CHECK_EQ_INT(n, 8);
  cJSON_free(item);
  cJSON_Delete(j);
}

static void test_totp_computed_from_uri_with_callers_clock(void) {
  char *item = full_item(0); /* no "totp" from Connect */
  tresp answers[2] = {{200, {{0}}, 0, ITEMS}, {200, {{0}}, 0, item}};
  tjobs s = {0};
  char *report;
  char *url =
      resolve_ref("op://" VID "/GitHub/Security/one-time password?attribute=totp", answers, 2, 59000u, &s, &report);
  CHECK_EQ_STR(url, "https://api.test/?k=287082");
  CHECK_EQ_STR(report, "[]");
  vl_free(url);
  vl_free(report);
  tjobs_clear(&s);
  /* The code is cached only until the end of its period. */
  vl_vault *v = vl_vault_new(NULL);
  tlink(v, "x", "{\"source\":\"op://" VID "/GitHub/one-time password?attribute=otp\"}", NULL);
  tconnect(v, "1password", CREDS, 59000u);
  CHECK_EQ_INT(tflow(v, "https://api.test/{{vault:x}}", 59000u, answers, 2, &s, &url, &report), VL_OK);
  CHECK_EQ_STR(url, "https://api.test/287082");
  vl_free(url);
  vl_free(report);
  tjobs s2 = {0};
  CHECK_EQ_INT(tflow(v, "https://api.test/{{vault:x}}", 59999u, NULL, 0, &s2, &url, &report), VL_OK);
  CHECK_EQ_INT(s2.jobs, 0);
  CHECK_EQ_STR(url, "https://api.test/287082");
  vl_free(url);
  vl_free(report);
  tjobs s3 = {0};
  /* Next period: fetched again (the item only: its title is remembered). */
  CHECK_EQ_INT(tflow(v, "https://api.test/{{vault:x}}", 60000u, answers + 1, 1, &s3, &url, &report), VL_OK);
  CHECK_EQ_INT(s3.jobs, 1);
  CHECK(strcmp(url, "https://api.test/287082") != 0 && strlen(url) == strlen("https://api.test/287082"));
  vl_free(url);
  vl_free(report);
  tjobs_clear(&s);
  tjobs_clear(&s2);
  tjobs_clear(&s3);
  vl_vault_free(v);
  cJSON_free(item);
}

/* Drives one resolve, answering in order and recording every job. */
typedef struct {
  char urls[6][300];
  char auth[6][100];
  int jobs;
} trace;

static char *run_trace(const char *ref, const tresp *answers, size_t n, trace *t, char **report) {
  vl_vault *v = vl_vault_new(NULL);
  char def[400];
  snprintf(def, sizeof def, "{\"source\":\"%s\"}", ref);
  CHECK_EQ_INT(tlink(v, "x", def, NULL), VL_OK);
  CHECK_EQ_INT(tconnect(v, "1password", CREDS, T0), VL_OK);
  treq q = {.url = "https://api.test/{{vault:x}}"};
  size_t len;
  uint8_t *frame = treq_encode(&q, &len);
  vl_resolve *r = NULL;
  CHECK_EQ_INT(vl_resolve_begin(v, frame, len, 0, T0, &r), VL_OK);
  vl_free(frame);
  vl_job job;
  memset(t, 0, sizeof *t);
  while (vl_resolve_next_job(r, &job) == VL_OK && t->jobs < 6) {
    vl_request rq;
    char err[128];
    CHECK_EQ_INT(vl_request_decode(job.request, job.request_len, &rq, err, sizeof err), VL_OK);
    snprintf(t->urls[t->jobs], sizeof t->urls[0], "%s %.*s", "GET", (int)rq.url.n, (const char *)rq.url.p);
    CHECK(slice_eq(rq.method, "GET"));
    for (size_t h = 0; h < rq.header_count; h++)
      if (slice_eq(rq.headers[h].name, "Authorization"))
        snprintf(t->auth[t->jobs], sizeof t->auth[0], "%.*s", (int)rq.headers[h].value.n,
                 (const char *)rq.headers[h].value.p);
    vl_request_clear(&rq);
    size_t i = (size_t)t->jobs++;
    tresp a = i < n ? answers[i] : (tresp){599, {{0}}, 0, ""};
    size_t rl;
    uint8_t *resp = tresp_encode(&a, &rl);
    vl_resolve_job_done(r, job.id, a.status, resp, rl, T0);
    vl_free(resp);
  }
  uint8_t *o, *rep;
  size_t olen, rlen;
  CHECK_EQ_INT(vl_resolve_render(r, T0, &o, &olen, &rep, &rlen), VL_OK);
  vl_resolve_free(r);
  vl_request out;
  char err[128];
  vl_request_decode(o, olen, &out, err, sizeof err);
  char *url = vl_memdup(out.url.p, out.url.n);
  vl_request_clear(&out);
  vl_free(o);
  *report = (char *)rep;
  vl_vault_free(v);
  return url;
}

#define PD_VID "mgmtvaultaaaaaaaaaaaaaaaaa"
#define PD_IID "pagerdutyaaaaaaaaaaaaaaaaa"
#define PD_FID "certfileaaaaaaaaaaaaaaaaaa"
static const char PD_ITEM[] =
    "{\"id\":\"" PD_IID "\",\"title\":\"PagerDuty\",\"vault\":{\"id\":\"" PD_VID
    "\"},\"category\":\"LOGIN\","
    "\"sections\":[{\"id\":\"adm\",\"label\":\"Admin\"}],"
    "\"fields\":[{\"id\":\"e1\",\"section\":{\"id\":\"adm\"},\"type\":\"EMAIL\",\"label\":\"email\",\"value\":\"ops@"
    "example.test\"}],"
    "\"files\":[{\"id\":\"" PD_FID "\",\"name\":\"cert.pem\",\"size\":11,\"content_path\":\"v1/vaults/" PD_VID
    "/items/" PD_IID "/files/" PD_FID "/content\",\"section\":{\"id\":\"adm\"}}]}";

static void test_http_sequence_for_name_based_reference(void) {
  tresp answers[4] = {
      {200, {{0}}, 0, "[{\"id\":\"" PD_VID "\",\"name\":\"Management\"}]"},
      {200, {{0}}, 0, "[{\"id\":\"" PD_IID "\",\"title\":\"PagerDuty\"}]"},
      {200, {{0}}, 0, PD_ITEM},
      {200, {{"Content-Type", "application/octet-stream"}}, 1, "CERTIFICATE"},
  };
  trace t;
  char *report;
  char *url = run_trace("op://Management/PagerDuty/Admin/email", answers, 3, &t, &report);
  CHECK_EQ_INT(t.jobs, 3);
  CHECK_EQ_STR(t.urls[0], "GET " HOST "/v1/vaults?filter=name%20eq%20%22Management%22");
  CHECK_EQ_STR(t.urls[1], "GET " HOST "/v1/vaults/" PD_VID "/items?filter=title%20eq%20%22PagerDuty%22");
  CHECK_EQ_STR(t.urls[2], "GET " HOST "/v1/vaults/" PD_VID "/items/" PD_IID);
  for (int i = 0; i < 3; i++) CHECK_EQ_STR(t.auth[i], "Bearer test-connect-token");
  CHECK_EQ_STR(url, "https://api.test/ops@example.test");
  vl_free(url);
  vl_free(report);
  /* A file attachment named in the field position: the 4th request. */
  url = run_trace("op://management/pagerduty/admin/CERT.pem", answers, 4, &t, &report);
  CHECK_EQ_INT(t.jobs, 4);
  CHECK_EQ_STR(t.urls[3], "GET " HOST "/v1/vaults/" PD_VID "/items/" PD_IID "/files/" PD_FID "/content");
  CHECK_EQ_STR(url, "https://api.test/CERTIFICATE");
  vl_free(url);
  vl_free(report);
  /* File attributes come from the item, without fetching the content. */
  url = run_trace("op://Management/PagerDuty/cert.pem?attribute=size", answers, 3, &t, &report);
  CHECK_EQ_INT(t.jobs, 3);
  CHECK_EQ_STR(url, "https://api.test/11");
  vl_free(url);
  vl_free(report);
}

static void test_name_lookup_fallbacks(void) {
  /* The filter matched nothing (a case-sensitive server): list all and match here. */
  tresp answers[5] = {
      {200, {{0}}, 0, "[]"},
      {200,
       {{0}},
       0,
       "[{\"id\":\"" PD_VID "\",\"name\":\"Management\"},{\"id\":\"othervaultaaaaaaaaaaaaaaaa\",\"name\":\"Dev\"}]"},
      {400, {{0}}, 0, "{\"status\":400,\"message\":\"Invalid filter\"}"},
      {200, {{0}}, 0, "[{\"id\":\"" PD_IID "\",\"title\":\"PagerDuty\"}]"},
      {200, {{0}}, 0, PD_ITEM},
  };
  trace t;
  char *report;
  char *url = run_trace("op://MANAGEMENT/PAGERDUTY/Admin/email", answers, 5, &t, &report);
  CHECK_EQ_INT(t.jobs, 5);
  CHECK_EQ_STR(t.urls[1], "GET " HOST "/v1/vaults");
  CHECK_EQ_STR(t.urls[3], "GET " HOST "/v1/vaults/" PD_VID "/items");
  CHECK_EQ_STR(url, "https://api.test/ops@example.test");
  vl_free(url);
  vl_free(report);
  /* An ID-shaped item name that is not an ID: 404, then by title. */
  tresp by_title[3] = {
      {404, {{0}}, 0, "{\"status\":404,\"message\":\"item not found\"}"},
      {200, {{0}}, 0, "[{\"id\":\"" PD_IID "\",\"title\":\"abcdefghijklmnopqrstuvwxyz\"}]"},
      {200, {{0}}, 0, PD_ITEM},
  };
  url = run_trace("op://" PD_VID "/abcdefghijklmnopqrstuvwxyz/Admin/email", by_title, 3, &t, &report);
  CHECK_EQ_INT(t.jobs, 3);
  CHECK_EQ_STR(t.urls[0], "GET " HOST "/v1/vaults/" PD_VID "/items/abcdefghijklmnopqrstuvwxyz");
  CHECK_EQ_STR(t.urls[1],
               "GET " HOST "/v1/vaults/" PD_VID "/items?filter=title%20eq%20%22abcdefghijklmnopqrstuvwxyz%22");
  CHECK_EQ_STR(url, "https://api.test/ops@example.test");
  vl_free(url);
  vl_free(report);
  /* Not found anywhere: not_found naming the item. */
  tresp none[2] = {{200, {{0}}, 0, "[]"}, {200, {{0}}, 0, "[{\"id\":\"" PD_IID "\",\"title\":\"Other\"}]"}};
  url = run_trace("op://" PD_VID "/Missing Item/f", none, 2, &t, &report);
  CHECK_EQ_STR(treason(report, 0), "not_found");
  CHECK(strstr(report, "item \\\"Missing Item\\\" not found") != NULL);
  vl_free(url);
  vl_free(report);
}

static void test_ambiguity_is_an_error_that_says_so(void) {
  trace t;
  char *report, *url;
  tresp two_items[1] = {{200,
                         {{0}},
                         0,
                         "[{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaa\",\"title\":\"GitHub\"},"
                         "{\"id\":\"bbbbbbbbbbbbbbbbbbbbbbbbbb\",\"title\":\"github\"}]"}};
  url = run_trace("op://" VID "/GitHub/password", two_items, 1, &t, &report);
  CHECK_EQ_STR(treason(report, 0), "misconfigured");
  CHECK(strstr(report, "ambiguous: 2 items") != NULL);
  vl_free(url);
  vl_free(report);
  tresp two_vaults[1] = {{200,
                          {{0}},
                          0,
                          "[{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaa\",\"name\":\"Private\"},"
                          "{\"id\":\"bbbbbbbbbbbbbbbbbbbbbbbbbb\",\"name\":\"Private\"}]"}};
  url = run_trace("op://Private/GitHub/password", two_vaults, 1, &t, &report);
  CHECK(strstr(report, "ambiguous: 2 vaults") != NULL);
  vl_free(url);
  vl_free(report);
  /* Two same-label fields in named sections, none in the default section. */
  static const char item[] =
      "{\"id\":\"" IID
      "\",\"title\":\"GitHub\",\"sections\":[{\"id\":\"s1\",\"label\":\"A\"},{\"id\":\"s2\",\"label\":\"B\"}],"
      "\"fields\":[{\"id\":\"f1\",\"section\":{\"id\":\"s1\"},\"label\":\"token\",\"value\":\"one\"},"
      "{\"id\":\"f2\",\"section\":{\"id\":\"s2\"},\"label\":\"token\",\"value\":\"two\"}]}";
  tresp fields[2] = {{200, {{0}}, 0, ITEMS}, {200, {{0}}, 0, item}};
  url = run_trace("op://" VID "/GitHub/token", fields, 2, &t, &report);
  CHECK_EQ_STR(treason(report, 0), "misconfigured");
  CHECK(strstr(report, "ambiguous: 2 fields") != NULL);
  CHECK(strstr(report, "one") == NULL && strstr(report, "two") == NULL);
  vl_free(url);
  vl_free(report);
  url = run_trace("op://" VID "/GitHub/b/token", fields, 2, &t, &report);
  CHECK_EQ_STR(url, "https://api.test/two");
  vl_free(url);
  vl_free(report);
  url = run_trace("op://" VID "/GitHub/f1", fields, 2, &t, &report);
  CHECK_EQ_STR(url, "https://api.test/one");
  vl_free(url);
  vl_free(report);
}

static void test_error_taxonomy(void) {
  static const struct {
    uint32_t status;
    const char *reason;
  } cases[] = {{401, "credentials_rejected"}, {403, "permission_denied"}, {404, "not_found"},    {429, "throttled"},
               {500, "unreachable"},          {503, "unreachable"},       {400, "misconfigured"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tresp a = {cases[i].status, {{0}}, 0, "{\"status\":0,\"message\":\"x\"}"};
    trace t;
    char *report;
    /* (A 400 on the name filter means "list instead", so the 400 case reads the item by ID.) */
    const char *ref = cases[i].status == 400 ? "op://" VID "/" IID "/password" : "op://Private/GitHub/password";
    char *url = run_trace(ref, &a, 1, &t, &report);
    CHECK_EQ_INT(t.jobs, 1);
    CHECK_EQ_STR(url, "https://api.test/{{vault:x}}");
    CHECK_EQ_STR(treason(report, 0), cases[i].reason);
    CHECK(strstr(report, ref) != NULL);
    char http[16];
    snprintf(http, sizeof http, "HTTP %u", cases[i].status);
    CHECK(strstr(report, http) != NULL);
    CHECK(strstr(report, "test-connect-token") == NULL);
    vl_free(url);
    vl_free(report);
  }
  tresp bad[2] = {{200, {{0}}, 0, ITEMS}, {200, {{0}}, 0, "not json"}};
  trace t;
  char *report;
  char *url = run_trace("op://" VID "/GitHub/password", bad, 2, &t, &report);
  CHECK_EQ_STR(treason(report, 0), "malformed_response");
  vl_free(url);
  vl_free(report);
  /* A 401 drops the credentials: the next resolve says credentials rejected without a job. */
  vl_vault *v = vl_vault_new(NULL);
  tlink(v, "x", "{\"source\":\"op://Private/GitHub/password\"}", NULL);
  tconnect(v, "1password", CREDS, T0);
  tresp r401 = {401, {{0}}, 0, "{\"status\":401,\"message\":\"Invalid token signature\"}"};
  tjobs s = {0};
  CHECK_EQ_INT(tflow(v, "https://api.test/{{vault:x}}", T0, &r401, 1, &s, &url, &report), VL_OK);
  vl_free(url);
  vl_free(report);
  tjobs s2 = {0};
  CHECK_EQ_INT(tflow(v, "https://api.test/{{vault:x}}", T0, NULL, 0, &s2, &url, &report), VL_OK);
  CHECK_EQ_INT(s2.jobs, 0);
  CHECK_EQ_STR(treason(report, 0), "credentials_rejected");
  vl_free(url);
  vl_free(report);
  tjobs_clear(&s);
  tjobs_clear(&s2);
  vl_vault_free(v);
}

static void test_attributes_and_values_never_in_messages(void) {
  char *item = full_item(1);
  cJSON *params = cJSON_CreateObject();
  cJSON_AddStringToObject(params, "field", "password");
  vl_step_out out;
  char *fid;
  static const struct {
    const char *field, *section, *attr, *want;
  } cases[] = {
      {"password", NULL, NULL, "hunter2"},
      {"password", NULL, "value", "hunter2"},
      {"password", NULL, "label", "password"},
      {"password", NULL, "title", "password"},
      {"password", NULL, "type", "CONCEALED"},
      {"password", NULL, "purpose", "PASSWORD"},
      {"notesPlain", NULL, NULL, ""},
      {"one-time password", "Section_tq2m5dcdtv7hpgcp2ba6lrhkzq", "id", "TOTP_ayb4mhwl5pvmcqh3gplpnw7tne"},
      {"PASSWORD", "security", "id", "kqz4jb3m2dlbmnntfzgmjbtjnm"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "field", cases[i].field);
    if (cases[i].section) cJSON_AddStringToObject(p, "section", cases[i].section);
    if (cases[i].attr) cJSON_AddStringToObject(p, "attribute", cases[i].attr);
    memset(&out, 0, sizeof out);
    CHECK_EQ_INT(vl_onepassword_pick((const uint8_t *)item, strlen(item), p, "op://ref", T0, &out, &fid),
                 VL_STEP_VALUE);
    CHECK_EQ_MEM(out.value, out.value_len, cases[i].want, strlen(cases[i].want));
    vl_free(out.value);
    cJSON_Delete(p);
  }
  /* Failures name the reference and the field, never a value. */
  static const struct {
    const char *field, *section, *attr, *reason_needle;
  } bad[] = {
      {"password", NULL, "otp", "not a one-time password"},
      {"password", NULL, "size", "applies to files"},
      {"password", "Nope", NULL, "section \"Nope\" not found"},
      {"missing", NULL, NULL, "field \"missing\" not found"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "field", bad[i].field);
    if (bad[i].section) cJSON_AddStringToObject(p, "section", bad[i].section);
    if (bad[i].attr) cJSON_AddStringToObject(p, "attribute", bad[i].attr);
    memset(&out, 0, sizeof out);
    CHECK_EQ_INT(vl_onepassword_pick((const uint8_t *)item, strlen(item), p, "op://ref", T0, &out, &fid), VL_STEP_FAIL);
    if (!strstr(out.detail, bad[i].reason_needle)) fprintf(stderr, "  %s\n", out.detail);
    CHECK(strstr(out.detail, bad[i].reason_needle) != NULL);
    CHECK(strstr(out.detail, "op://ref") != NULL);
    CHECK(strstr(out.detail, "hunter2") == NULL && strstr(out.detail, "GEZDGNBV") == NULL);
    cJSON_Delete(p);
  }
  cJSON_Delete(params);
  /* ssh-format=openssh: Connect's openssh form when present; otherwise only an OpenSSH-format value. */
  static const char ssh[] =
      "{\"fields\":[{\"id\":\"private_key\",\"type\":\"SSHKEY\",\"label\":\"private key\",\"value\":\"-----BEGIN "
      "PRIVATE KEY-----pkcs8\",\"ssh_formats\":{\"openssh\":{\"value\":\"-----BEGIN OPENSSH PRIVATE "
      "KEY-----x\"}}},{\"id\":\"k2\",\"label\":\"pkcs8 only\",\"value\":\"-----BEGIN PRIVATE KEY-----y\"}]}";
  cJSON *p = cJSON_CreateObject();
  cJSON_AddStringToObject(p, "field", "private key");
  cJSON_AddTrueToObject(p, "openssh");
  memset(&out, 0, sizeof out);
  CHECK_EQ_INT(vl_onepassword_pick((const uint8_t *)ssh, strlen(ssh), p, "r", T0, &out, &fid), VL_STEP_VALUE);
  CHECK_EQ_MEM(out.value, out.value_len, "-----BEGIN OPENSSH PRIVATE KEY-----x", 36);
  vl_free(out.value);
  cJSON_ReplaceItemInObject(p, "field", cJSON_CreateString("pkcs8 only"));
  memset(&out, 0, sizeof out);
  CHECK_EQ_INT(vl_onepassword_pick((const uint8_t *)ssh, strlen(ssh), p, "r", T0, &out, &fid), VL_STEP_FAIL);
  CHECK(strstr(out.detail, "OpenSSH") != NULL && strstr(out.detail, "y") == NULL);
  cJSON_Delete(p);
  cJSON_free(item);
}

static void test_credentials(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tconnect(v, "1password", "{\"host\":\"connect:8080\",\"token\":\"t\"}", T0), VL_ERR_ARG);
  CHECK_EQ_INT(tconnect(v, "1password", "{\"host\":\"http://c\"}", T0), VL_ERR_ARG);
  CHECK_EQ_INT(tconnect(v, "1password", "{\"host\":\"http://c\",\"token\":\"a b\"}", T0), VL_ERR_ARG);
  CHECK_EQ_INT(tconnect(v, "1password", "{\"host\":\"http://c\",\"token\":\"t\",\"expiresAt\":5}", T0), VL_ERR_EXPIRED);
  /* No expiry by default: still connected a year later. */
  CHECK_EQ_INT(tconnect(v, "1password", CREDS, T0), VL_OK);
  tlink(v, "x", "{\"source\":\"op://Private/GitHub/password\"}", NULL);
  tjobs s = {0};
  char *url, *report;
  uint64_t later = T0 + 365ull * 86400000ull;
  CHECK_EQ_INT(tflow(v, "https://api.test/{{vault:x}}", later, NULL, 0, &s, &url, &report), VL_OK);
  CHECK_EQ_INT(s.jobs, 1);
  vl_free(url);
  vl_free(report);
  /* With expiresAt: reauthentication required after it. */
  CHECK_EQ_INT(tconnect(v, "1password", "{\"host\":\"http://c\",\"token\":\"t\",\"expiresAt\":1700000060000}", T0),
               VL_OK);
  tjobs s2 = {0};
  CHECK_EQ_INT(tflow(v, "https://api.test/{{vault:x}}", T0 + 61000u, NULL, 0, &s2, &url, &report), VL_OK);
  CHECK_EQ_INT(s2.jobs, 0);
  CHECK_EQ_STR(treason(report, 0), "reauth_required");
  vl_free(url);
  vl_free(report);
  tjobs_clear(&s);
  tjobs_clear(&s2);
  vl_vault_free(v);
}

/* One resolve of {{vault:name}} at now; returns how many requests it made
 * and leaves the last request's URL in last. */
static int fetches(vl_vault *v, const char *name, uint64_t now, const tresp *answers, size_t n, const char *want,
                   char *last, size_t lastlen) {
  char url[200], *got, *report;
  snprintf(url, sizeof url, "https://api.test/{{vault:%s}}", name);
  tjobs s = {0};
  CHECK_EQ_INT(tflow(v, url, now, answers, n, &s, &got, &report), VL_OK);
  char expect[200];
  snprintf(expect, sizeof expect, "https://api.test/%s", want);
  CHECK_EQ_STR(got, expect);
  snprintf(last, lastlen, "%.*s", (int)s.job.url.n, (const char *)s.job.url.p);
  int jobs = s.jobs;
  tjobs_clear(&s);
  vl_free(got);
  vl_free(report);
  return jobs;
}

static void test_names_are_remembered(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "email", "{\"source\":\"op://Management/PagerDuty/Admin/email\"}", NULL), VL_OK);
  CHECK_EQ_INT(tlink(v, "size", "{\"source\":\"op://management/PAGERDUTY/cert.pem?attribute=size\"}", NULL), VL_OK);
  CHECK_EQ_INT(tconnect(v, "1password", CREDS, T0), VL_OK);
  CHECK_EQ_INT(vl_vault_set_cache_ttl(v, 1), VL_OK); /* values expire after a minute, names after five */
  const tresp full[3] = {
      {200, {{0}}, 0, "[{\"id\":\"" PD_VID "\",\"name\":\"Management\"}]"},
      {200, {{0}}, 0, "[{\"id\":\"" PD_IID "\",\"title\":\"PagerDuty\"}]"},
      {200, {{0}}, 0, PD_ITEM},
  };
  const tresp item[1] = {{200, {{0}}, 0, PD_ITEM}};
  const tresp gone[3] = {
      {404, {{0}}, 0, "{\"status\":404,\"message\":\"item not found\"}"},
      {200, {{0}}, 0, "[{\"id\":\"" PD_IID "\",\"title\":\"PagerDuty\"}]"},
      {200, {{0}}, 0, PD_ITEM},
  };
  const char *by_id = HOST "/v1/vaults/" PD_VID "/items/" PD_IID;
  char last[300];
  const uint64_t min = 60000u;
  CHECK_EQ_INT(fetches(v, "email", T0, full, 3, "ops@example.test", last, sizeof last), 3);
  /* Another field of the same item, its names in other case: the item by ID only. */
  CHECK_EQ_INT(fetches(v, "size", T0 + 1000, item, 1, "11", last, sizeof last), 1);
  CHECK_EQ_STR(last, by_id);
  /* The value expired, the names did not. */
  CHECK_EQ_INT(fetches(v, "email", T0 + 2 * min, item, 1, "ops@example.test", last, sizeof last), 1);
  /* A remembered item that is gone: forgotten, then looked up by title. */
  CHECK_EQ_INT(fetches(v, "size", T0 + 3 * min, gone, 3, "11", last, sizeof last), 3);
  CHECK_EQ_STR(last, by_id);
  /* Names expire too. */
  CHECK_EQ_INT(fetches(v, "email", T0 + 10 * min, full, 3, "ops@example.test", last, sizeof last), 3);
  /* resetCache() forgets values and names. */
  CHECK_EQ_INT(fetches(v, "size", T0 + 10 * min + 1, item, 1, "11", last, sizeof last), 1);
  vl_vault_reset_cache(v);
  CHECK_EQ_INT(fetches(v, "size", T0 + 10 * min + 2, full, 3, "11", last, sizeof last), 3);
  /* So does disconnecting. */
  CHECK_EQ_INT(vl_vault_disconnect(v, "1password"), VL_OK);
  CHECK_EQ_INT(tconnect(v, "1password", CREDS, T0 + 10 * min + 3), VL_OK);
  vl_vault_reset_cache(v);
  CHECK_EQ_INT(fetches(v, "email", T0 + 10 * min + 4, full, 3, "ops@example.test", last, sizeof last), 3);
  vl_vault_free(v);
}

/* Issue #11 §2: the Connect token goes to the connection's "host" only. A
 * reference names vaults, items and fields, never a host; names and IDs
 * (the link's, and those Connect answers with) stay below /v1/ on that host. */
static void test_credential_never_goes_to_link_origin(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "x", "{\"source\":\"op://evil.example:8080/item/password\"}", NULL), VL_ERR_REFERENCE);
  CHECK_EQ_INT(tlink(v, "x", "{\"source\":\"op://user@evil.example/item/password\"}", NULL), VL_ERR_REFERENCE);
  CHECK_EQ_INT(tlink(v, "x", "{\"source\":\"op://evil.example/item/password\"}", NULL), VL_OK);
  CHECK_EQ_INT(tconnect(v, "1password", CREDS, T0), VL_OK);
  static const tresp answers[3] = {
      {200, {{0}}, 0, "[{\"id\":\"@evil.example\",\"name\":\"evil.example\"}]"},
      {200, {{0}}, 0, "[{\"id\":\"x#@evil.example\",\"title\":\"item\"}]"},
      {404, {{0}}, 0, "{\"status\":404,\"message\":\"no\"}"},
  };
  tjobs s = {0};
  char *url, *rep;
  CHECK_EQ_INT(tflow(v, "https://h.com/{{vault:x}}", T0, answers, 3, &s, &url, &rep), VL_OK);
  CHECK(s.jobs >= 1);
  CHECK_EQ_INT(tjobs_to_origin(&s, HOST), s.kept);
  CHECK_EQ_INT(tjobs_credential_outside(&s, HOST, "test-connect-token"), -1);
  vl_free(url);
  vl_free(rep);
  tjobs_clear(&s);
  vl_vault_free(v);
}

VLT_MAIN(TEST(test_names_are_remembered), TEST(test_grammar_vector_rows), TEST(test_grammar_op_vscode_cases),
         TEST(test_grammar_rules_and_positions), TEST(test_link_member_and_shorthand),
         TEST(test_resolution_vector_rows), TEST(test_totp_computed_from_uri_with_callers_clock),
         TEST(test_http_sequence_for_name_based_reference), TEST(test_name_lookup_fallbacks),
         TEST(test_ambiguity_is_an_error_that_says_so), TEST(test_error_taxonomy),
         TEST(test_attributes_and_values_never_in_messages), TEST(test_credentials),
         TEST(test_credential_never_goes_to_link_origin))
