/* The vault engine end to end through the C API: links, plan, render, report. */
#include <cJSON.h>

#include "input_limits.h"
#include "patchhelp.h"
#include "reqhelp.h"
#include "vltest.h"

static const char *LOCAL = "{\"source\":{\"provider\":\"local\"}}";

/* Parses the report and returns the reason code of entry i ("" if none). */
static const char *reason_at(const char *report, int i, char *buf, size_t buflen) {
  cJSON *j = cJSON_Parse(report);
  const cJSON *e = cJSON_GetArrayItem(j, i);
  const cJSON *r = cJSON_GetObjectItem(e, "reason");
  snprintf(buf, buflen, "%s", cJSON_IsString(r) ? r->valuestring : "");
  cJSON_Delete(j);
  return buf;
}

static int report_count(const char *report) {
  cJSON *j = cJSON_Parse(report);
  int n = cJSON_IsArray(j) ? cJSON_GetArraySize(j) : -1;
  cJSON_Delete(j);
  return n;
}

static void test_substitutes_everywhere(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "k", LOCAL, "S3CRET"), VL_OK);
  treq t = {.method = "POST",
            .url = "https://api.example.com/{{vault:k}}?q={{vault:k}}",
            .headers = {{"X-{{vault:k}}", "Bearer {{vault:k}}"}, {"Plain", "{{env}} {{vault:k}"}},
            .header_count = 2,
            .body = "{\"a\":\"{{vault:k}}\",\"b\":\"{{other}}\"}"};
  vl_request out;
  uint8_t *o;
  char *rep;
  CHECK_EQ_INT(tresolve(v, &t, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.method, "POST"));
  CHECK(slice_eq(out.url, "https://api.example.com/S3CRET?q=S3CRET"));
  CHECK(slice_eq(out.headers[0].name, "X-S3CRET"));
  CHECK(slice_eq(out.headers[0].value, "Bearer S3CRET"));
  CHECK(slice_eq(out.headers[1].value, "{{env}} {{vault:k}"));
  CHECK(slice_eq(out.body, "{\"a\":\"S3CRET\",\"b\":\"{{other}}\"}"));
  CHECK_EQ_INT(out.body_kind, VL_BODY_TEXT);
  CHECK_EQ_STR(rep, "[]");
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  vl_vault_free(v);
}

static void test_unresolved_reasons(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "off", "{\"source\":{\"provider\":\"local\"},\"enabled\":false}", "x"), VL_OK);
  CHECK_EQ_INT(tlink(v, "dom", "{\"source\":{\"provider\":\"local\"},\"domains\":[\"good.com\"]}", "x"), VL_OK);
  CHECK_EQ_INT(tlink(v, "aws",
                     "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":"
                     "\"arn:aws:secretsmanager:us-east-1:123456789012:secret:demo-AbCdEf\"}}}",
                     NULL),
               VL_OK);
  treq t = {.url = "https://evil.com/?a={{vault:nope}}&b={{vault:off}}&c={{vault:dom}}&d={{vault:aws}}"};
  vl_request out;
  uint8_t *o;
  char *rep;
  CHECK_EQ_INT(tresolve(v, &t, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, t.url)); /* every token stays literal */
  char b[64];
  CHECK_EQ_INT(report_count(rep), 4);
  CHECK_EQ_STR(reason_at(rep, 0, b, sizeof b), "unknown");
  CHECK_EQ_STR(reason_at(rep, 1, b, sizeof b), "disabled");
  CHECK_EQ_STR(reason_at(rep, 2, b, sizeof b), "domain_not_allowed");
  CHECK_EQ_STR(reason_at(rep, 3, b, sizeof b), "not_connected");
  CHECK(strstr(rep, "\"where\":\"url\"") != NULL);
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  /* Enabling it resolves it. */
  CHECK_EQ_INT(vl_vault_set_enabled(v, (const uint8_t *)"off", 3, 1), VL_OK);
  treq t2 = {.url = "https://evil.com/?b={{vault:off}}"};
  CHECK_EQ_INT(tresolve(v, &t2, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, "https://evil.com/?b=x"));
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  vl_vault_free(v);
}

static void test_domains_and_host_tokens(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "key", "{\"source\":{\"provider\":\"local\"},\"domains\":[\"*.good.com\"]}", "K"), VL_OK);
  CHECK_EQ_INT(tlink(v, "host", LOCAL, "api.good.com"), VL_OK);
  CHECK_EQ_INT(tlink(v, "evilhost", LOCAL, "good.com.evil.com"), VL_OK);
  vl_request out;
  uint8_t *o;
  char *rep;
  /* An unrestricted secret may set the host; the restricted one is checked against the result. */
  treq t = {.url = "https://{{vault:host}}/x?k={{vault:key}}", .headers = {{"A", "{{vault:key}}"}}, .header_count = 1};
  CHECK_EQ_INT(tresolve(v, &t, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, "https://api.good.com/x?k=K"));
  CHECK(slice_eq(out.headers[0].value, "K"));
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  treq t2 = {.url = "https://{{vault:evilhost}}/x?k={{vault:key}}", .body = "{{vault:key}}"};
  CHECK_EQ_INT(tresolve(v, &t2, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, "https://good.com.evil.com/x?k={{vault:key}}"));
  CHECK(slice_eq(out.body, "{{vault:key}}"));
  CHECK_EQ_INT(report_count(rep), 2);
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  /* A restricted secret never goes into the authority itself. */
  treq t3 = {.url = "https://{{vault:key}}.good.com/"};
  CHECK_EQ_INT(tresolve(v, &t3, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, t3.url));
  char b[64];
  CHECK_EQ_STR(reason_at(rep, 0, b, sizeof b), "domain_not_allowed");
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  vl_vault_free(v);
}

static void test_no_reexpansion_unless_compat(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "a", LOCAL, "<{{vault:b}}>"), VL_OK);
  CHECK_EQ_INT(tlink(v, "b", LOCAL, "B"), VL_OK);
  CHECK_EQ_INT(tlink(v, "loop", LOCAL, "x{{vault:loop}}"), VL_OK);
  vl_request out;
  uint8_t *o;
  char *rep;
  treq t = {.url = "https://h.com/{{vault:a}}", .body = "{{vault:loop}}"};
  CHECK_EQ_INT(tresolve(v, &t, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, "https://h.com/<{{vault:b}}>"));
  CHECK(slice_eq(out.body, "x{{vault:loop}}"));
  CHECK_EQ_STR(rep, "[]"); /* tokens that came from values are not reported */
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  CHECK_EQ_INT(tresolve(v, &t, VL_RESOLVE_POSTMAN_COMPAT, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, "https://h.com/<B>"));
  /* 19 passes, as postman-collection's VARS_SUBREPLACE_LIMIT */
  CHECK(slice_eq(out.body, "xxxxxxxxxxxxxxxxxxx{{vault:loop}}"));
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  vl_vault_free(v);
}

static void test_binary_values(void) {
  vl_vault *v = vl_vault_new(NULL);
  const uint8_t bin[] = {0xff, 0x00, 0xfe};
  CHECK_EQ_INT(vl_vault_link(v, (const uint8_t *)"bin", 3, (const uint8_t *)LOCAL, strlen(LOCAL), bin, 3), VL_OK);
  vl_request out;
  uint8_t *o;
  char *rep;
  treq t = {.url = "https://h.com/?{{vault:bin}}", .body = "[{{vault:bin}}]", .body_kind = VL_BODY_BYTES};
  CHECK_EQ_INT(tresolve(v, &t, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, "https://h.com/?{{vault:bin}}"));
  CHECK_EQ_MEM(out.body.p, out.body.n, "[\xff\x00\xfe]", 5);
  char b[64];
  CHECK_EQ_STR(reason_at(rep, 0, b, sizeof b), "binary_value");
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  vl_vault_free(v);
}

static void test_link_errors_name_the_problem(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "k", LOCAL, "v1"), VL_OK);
  CHECK_EQ_INT(tlink(v, "k", "{\"source\":", NULL), VL_ERR_FORMAT);
  CHECK(strstr(vl_vault_last_error(v), "byte") != NULL);
  CHECK_EQ_INT(tlink(v, "k", "{\"source\":{\"provider\":\"keeper\"}}", NULL), VL_ERR_REFERENCE);
  CHECK(strstr(vl_vault_last_error(v), "keeper") != NULL);
  CHECK_EQ_INT(tlink(v, "k", "{\"source\":{\"provider\":\"local\"},\"domains\":[\"ok.com\",\"bad host\"]}", "v2"),
               VL_ERR_FORMAT);
  CHECK(strstr(vl_vault_last_error(v), "domains[1]") != NULL);
  CHECK(strstr(vl_vault_last_error(v), "v2") == NULL); /* never the value */
  CHECK_EQ_INT(tlink(v, "k", "{\"source\":{\"provider\":\"local\"},\"enabled\":\"yes\"}", "v2"), VL_ERR_FORMAT);
  CHECK_EQ_INT(tlink(v, "a{b", LOCAL, "x"), VL_ERR_ARG);
  CHECK_EQ_INT(tlink(v, "", LOCAL, "x"), VL_ERR_ARG);
  CHECK_EQ_INT(tlink(v, "aws", "{\"source\":{\"provider\":\"aws\"}}", NULL), VL_ERR_REFERENCE);
  CHECK_EQ_INT(tlink(v, "x", "{\"source\":{\"provider\":\"aws\",\"aws\":{}}}", NULL), VL_ERR_REFERENCE);
  CHECK(strstr(vl_vault_last_error(v), "secretArn") != NULL);
  CHECK_EQ_INT(tlink(v, "x", "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"arn:aws:s3:::b\"}}}", NULL),
               VL_ERR_REFERENCE);
  CHECK_EQ_INT(
      tlink(v, "x", "{\"source\":\"arn:aws:secretsmanager:us-east-1:123456789012:secret:demo-AbCdEf\"}", "value"),
      VL_ERR_ARG);
  /* The failed relinks left the old definition in place. */
  vl_request out;
  uint8_t *o;
  char *rep;
  treq t = {.url = "https://h.com/{{vault:k}}"};
  CHECK_EQ_INT(tresolve(v, &t, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, "https://h.com/v1"));
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  /* Relink replaces; unlink removes. */
  CHECK_EQ_INT(tlink(v, "k", LOCAL, "v3"), VL_OK);
  CHECK_EQ_INT(tresolve(v, &t, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, "https://h.com/v3"));
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  CHECK_EQ_INT(vl_vault_unlink(v, (const uint8_t *)"k", 1), VL_OK);
  CHECK_EQ_INT(vl_vault_unlink(v, (const uint8_t *)"k", 1), VL_ERR_NOT_FOUND);
  uint8_t *list;
  size_t list_len;
  CHECK_EQ_INT(vl_vault_list(v, &list, &list_len), VL_OK);
  CHECK_EQ_MEM(list, list_len, "[]", 2);
  vl_free(list);
  vl_vault_free(v);
}

static void test_report_is_valid_json_for_odd_names(void) {
  vl_vault *v = vl_vault_new(NULL);
  vl_request out;
  uint8_t *o;
  char *rep;
  treq t = {.url = "https://h.com/", .body = "{{vault:a\"b\\c\x01\xff}}", .body_kind = VL_BODY_BYTES};
  CHECK_EQ_INT(tresolve(v, &t, 0, &out, &o, &rep), VL_OK);
  cJSON *j = cJSON_Parse(rep);
  CHECK(cJSON_IsArray(j) && cJSON_GetArraySize(j) == 1);
  const cJSON *name = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "name");
  CHECK(cJSON_IsString(name) && strcmp(name->valuestring, "a\"b\\c\x01\xef\xbf\xbd") == 0);
  cJSON_Delete(j);
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  vl_vault_free(v);
}

static void test_no_leaks(void) {
  size_t before = vl_mem_in_use();
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "k", LOCAL, "value"), VL_OK);
  vl_request out;
  uint8_t *o;
  char *rep;
  treq t = {.url = "https://h.com/{{vault:k}}{{vault:z}}"};
  CHECK_EQ_INT(tresolve(v, &t, 0, &out, &o, &rep), VL_OK);
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  vl_vault_free(v);
  CHECK_EQ_INT(vl_mem_in_use(), before);
}

/* Found by fuzz_request: Postman passes over an empty URL did pointer
 * arithmetic on a NULL buffer (UBSan). */
static void test_empty_fields_in_postman_mode(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "k", LOCAL, ""), VL_OK);
  vl_request out;
  uint8_t *o;
  char *rep;
  treq t = {.url = "", .headers = {{"", "{{vault:k}}"}}, .header_count = 1, .body = "{{vault:k}}"};
  CHECK_EQ_INT(tresolve(v, &t, VL_RESOLVE_POSTMAN_COMPAT, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, ""));
  CHECK(slice_eq(out.headers[0].value, ""));
  CHECK(slice_eq(out.body, ""));
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  vl_vault_free(v);
}

/* Renders t twice, in full and as patches, and requires the patches spliced
 * into the template to give the same bytes and the same report. */
static void check_patch_equals_full(vl_vault *v, const treq *t) {
  size_t len, full_len, patch_len, rlen1, rlen2, rebuilt_len = 0;
  uint8_t *frame = treq_encode(t, &len), *full = NULL, *patch = NULL, *rep1 = NULL, *rep2 = NULL;
  vl_resolve *r1 = NULL, *r2 = NULL;
  CHECK_EQ_INT(vl_resolve_begin(v, frame, len, 0, 1000, &r1), VL_OK);
  CHECK_EQ_INT(vl_resolve_begin(v, frame, len, VL_RESOLVE_PATCH, 1000, &r2), VL_OK);
  CHECK_EQ_INT(vl_resolve_render(r1, 1000, &full, &full_len, &rep1, &rlen1), VL_OK);
  CHECK_EQ_INT(vl_resolve_render(r2, 1000, &patch, &patch_len, &rep2, &rlen2), VL_OK);
  vl_request tpl;
  char err[128];
  CHECK_EQ_INT(vl_request_decode(frame, len, &tpl, err, sizeof err), VL_OK);
  uint8_t *rebuilt = patch_apply(&tpl, patch, patch_len, &rebuilt_len);
  CHECK(rebuilt != NULL);
  CHECK(rebuilt && rebuilt_len == full_len && memcmp(rebuilt, full, full_len) == 0);
  CHECK_EQ_STR((char *)rep1, (char *)rep2);
  vl_request_clear(&tpl);
  vl_free(rebuilt);
  vl_free(full);
  vl_free(patch);
  vl_free(rep1);
  vl_free(rep2);
  vl_resolve_free(r1);
  vl_resolve_free(r2);
  vl_free(frame);
}

static void test_patch_output_matches_full_render(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "k", LOCAL, "S3CRET"), VL_OK);
  CHECK_EQ_INT(tlink(v, "uni", LOCAL, "\xc3\xa9\xf0\x9f\x98\x80\xe6\x97\xa5"), VL_OK); /* é😀日 */
  CHECK_EQ_INT(tlink(v, "empty", LOCAL, ""), VL_OK);
  CHECK_EQ_INT(tlink(v, "host", LOCAL, "good.com"), VL_OK);
  CHECK_EQ_INT(tlink(v, "dom", "{\"source\":{\"provider\":\"local\"},\"domains\":[\"good.com\"]}", "D"), VL_OK);
  CHECK_EQ_INT(tlink(v, "\xf0\x9f\x94\x91", LOCAL, "key\xe2\x82\xac"), VL_OK); /* 🔑 → key€ */
  const treq cases[] = {
      {.url = "https://api.example.com/{{vault:k}}?q={{vault:k}}",
       .headers = {{"X-{{vault:k}}", "Bearer {{vault:k}}"}, {"Plain", "{{env}}"}},
       .header_count = 2,
       .body = "{\"a\":\"{{vault:k}}\",\"b\":\"{{other}}\"}"},
      /* non-ASCII before, between and inside tokens; astral characters count 2 */
      {.url = "https://good.com/\xc3\xa9/{{vault:uni}}/\xf0\x9f\x98\x80{{vault:dom}}",
       .headers = {{"\xe6\x97\xa5{{vault:\xf0\x9f\x94\x91}}", "\xf0\x9f\x98\x80{{vault:uni}}{{vault:uni}}x"}},
       .header_count = 1,
       .body = "\xe6\x97\xa5\xe6\x9c\xac{{vault:empty}}\xf0\x9f\x98\x80{{vault:k}}{{vault:nope}}{{vault:uni}}"},
      /* a token in the host: the origin is that of the rendered URL */
      {.url = "https://{{vault:host}}/{{vault:dom}}", .header_count = 0, .body = NULL},
      {.url = "https://evil.com/{{vault:dom}}{{vault:k}}", .header_count = 0, .body = "{{vault:dom}}"},
      /* a byte body keeps byte offsets */
      {.url = "https://h.com/",
       .header_count = 0,
       .body = "\xff\x00{{vault:uni}}\x80{{vault:k}}",
       .body_kind = VL_BODY_BYTES,
       .body_len = 27},
      {.url = "", .header_count = 1, .headers = {{"", ""}}, .body = ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) check_patch_equals_full(v, &cases[i]);
  vl_vault_free(v);
}

/* Issue #11 §6: a value where a reference belongs (link('x', 'sk_live_…'))
 * was quoted up to 80 bytes. A string that does not parse is quoted by its
 * first 4 bytes at most (if printable), with the byte position. */
static void test_link_errors_quote_only_the_head(void) {
  vl_vault *v = vl_vault_new(NULL);
  static const char *const defs[] = {
      "{\"source\":\"sk_live_51HqLyjWDarjtT1zdp7dcXYZtailTAIL0123456789\"}",
      "{\"source\":\"arn:sk_live_51HqLyjWDarjtT1zdp7dcXYZtailTAIL0123456789\"}",
      "{\"source\":\"op://sk_live_51HqLyjWDarjtT1zdp7dcXYZtailTAIL0123456789\"}",
      "{\"source\":\"projects/sk_live_51HqLyjWDarjtT1zdp7dcXYZtailTAIL0123456789\"}",
      "{\"source\":{\"provider\":\"sk_live_51HqLyjWDarjtT1zdp7dcXYZtailTAIL0123456789\"}}",
      "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"sk_live_51HqLyjWDarjtT1zdp7dcXYZtailTAIL0123456789\"}"
      "}}",
      "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"arn:aws:secretsmanager:us-east-1:123456789012:"
      "secret:x\",\"roleArn\":\"sk_live_51HqLyjWDarjtT1zdp7dcXYZtailTAIL0123456789\"}}}",
      "{\"source\":{\"provider\":\"gcp\",\"gcp\":{\"name\":\"sk_live_51HqLyjWDarjtT1zdp7dcXYZtailTAIL0123456789\"}}}",
      "{\"source\":{\"provider\":\"1password\",\"1password\":{\"secretReference\":\"sk_live_"
      "51HqLyjWDarjtT1zdp7dcXYZtailTAIL0123456789\"}}}",
      "{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"sk_live_51HqLyjWDarjtT1zdp7dcXYZtailTAIL0123456789\"}"
      "}}",
      "{\"source\":{\"provider\":\"local\"},\"domains\":[\"sk_live_51HqLyjWDarjtT1zdp7dcXYZ tailTAIL0123456789\"]}",
  };
  for (size_t i = 0; i < sizeof defs / sizeof *defs; i++) {
    CHECK(tlink(v, "x", defs[i], NULL) != VL_OK);
    const char *e = vl_vault_last_error(v);
    if (strstr(e, "sk_li") || strstr(e, "tail") || strstr(e, "51Hq")) fprintf(stderr, "  %zu: %s\n", i, e);
    CHECK(strstr(e, "sk_li") == NULL); /* 5 bytes: more than the head */
    CHECK(strstr(e, "51Hq") == NULL);
    CHECK(strstr(e, "tail") == NULL);
    CHECK(strstr(e, "TAIL") == NULL);
  }
  /* The shorthand's head and where it went wrong. */
  CHECK_EQ_INT(tlink(v, "x", defs[0], NULL), VL_ERR_REFERENCE);
  CHECK(strstr(vl_vault_last_error(v), "\"sk_l\xe2\x80\xa6\"") != NULL);
  CHECK(strstr(vl_vault_last_error(v), "byte 0") != NULL);
  /* Not printable: nothing of it. */
  CHECK_EQ_INT(tlink(v, "x", "{\"source\":\"\\u0001secret-value\"}", NULL), VL_ERR_REFERENCE);
  CHECK(strstr(vl_vault_last_error(v), "(unprintable)") != NULL);
  CHECK(strstr(vl_vault_last_error(v), "t-val") == NULL);
  /* A string that has a provider's prefix says what is wrong with it, and where. */
  CHECK_EQ_INT(tlink(v, "x", "{\"source\":\"arn:aws:secretsmanager:us-east-1:1234:secret:x\"}", NULL),
               VL_ERR_REFERENCE);
  CHECK(strstr(vl_vault_last_error(v), "12 digits") != NULL);
  CHECK(strstr(vl_vault_last_error(v), "byte 33") != NULL);
  /* A provider name that looks like one is named. */
  CHECK_EQ_INT(tlink(v, "x", "{\"source\":{\"provider\":\"keeper\"}}", NULL), VL_ERR_REFERENCE);
  CHECK(strstr(vl_vault_last_error(v), "\"keeper\"") != NULL);
  vl_vault_free(v);
}

/* Issue #11 §6: a "value" field on a non-local source was kept and exported by
 * links(). It is refused, naming the field; links() never holds one. */
static void test_value_field_is_refused(void) {
  vl_vault *v = vl_vault_new(NULL);
  static const char *const defs[][2] = {
      {"{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"arn:aws:secretsmanager:us-east-1:123456789012:"
       "secret:x\"},\"value\":\"PASTED-SECRET\"}}",
       "source.value: only a local secret has a value"},
      {"{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":\"arn:aws:secretsmanager:us-east-1:123456789012:"
       "secret:x\",\"value\":\"PASTED-SECRET\"}}}",
       "source.aws.value: only a local secret has a value"},
      {"{\"source\":{\"provider\":\"sealed\",\"sealed\":{\"url\":\"https://r.example/e\"},\"value\":42}}",
       "source.value"},
      {"{\"source\":{\"provider\":\"local\",\"value\":\"PASTED-SECRET\"}}", "source.value"},
  };
  for (size_t i = 0; i < sizeof defs / sizeof *defs; i++) {
    CHECK_EQ_INT(tlink(v, "x", defs[i][0], NULL), VL_ERR_FORMAT);
    if (!strstr(vl_vault_last_error(v), defs[i][1])) fprintf(stderr, "  %zu: %s\n", i, vl_vault_last_error(v));
    CHECK(strstr(vl_vault_last_error(v), defs[i][1]) != NULL);
    CHECK(strstr(vl_vault_last_error(v), "PASTED") == NULL);
  }
  uint8_t *list;
  size_t n;
  CHECK_EQ_INT(vl_vault_list(v, &list, &n), VL_OK);
  CHECK_EQ_STR((const char *)list, "[]");
  vl_free(list);
  vl_vault_free(v);
}

/* No token in the URL's scheme or authority: a restricted secret is checked
 * against the template's own host (parsed only then, resolve.c's
 * template_origin()), wherever the token is, in both render modes. */
static void test_domains_against_the_template_host(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "key", "{\"source\":{\"provider\":\"local\"},\"domains\":[\"*.good.com\"]}", "K"), VL_OK);
  CHECK_EQ_INT(tlink(v, "free", LOCAL, "F"), VL_OK);
  vl_request out;
  uint8_t *o;
  char *rep;
  treq ok = {.url = "https://api.good.com/x?k={{vault:key}}&f={{vault:free}}",
             .headers = {{"A", "{{vault:key}}"}},
             .header_count = 1,
             .body = "b={{vault:key}}"};
  CHECK_EQ_INT(tresolve(v, &ok, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, "https://api.good.com/x?k=K&f=F"));
  CHECK(slice_eq(out.headers[0].value, "K"));
  CHECK(slice_eq(out.body, "b=K"));
  CHECK_EQ_INT(report_count(rep), 0);
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  check_patch_equals_full(v, &ok);
  treq bad = ok; /* the same request, to another host */
  bad.url = "https://api.evil.com/x?k={{vault:key}}&f={{vault:free}}";
  CHECK_EQ_INT(tresolve(v, &bad, 0, &out, &o, &rep), VL_OK);
  CHECK(slice_eq(out.url, "https://api.evil.com/x?k={{vault:key}}&f=F"));
  CHECK(slice_eq(out.headers[0].value, "{{vault:key}}"));
  CHECK(slice_eq(out.body, "b={{vault:key}}"));
  CHECK_EQ_INT(report_count(rep), 3);
  char b[64];
  for (int i = 0; i < 3; i++) CHECK_EQ_STR(reason_at(rep, i, b, sizeof b), "domain_not_allowed");
  CHECK(strstr(rep, "api.evil.com") != NULL); /* the detail names the template's host */
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  check_patch_equals_full(v, &bad);
  vl_vault_free(v);
}

/* Links added, replaced and removed between begin and render (a resolve's
 * jobs take a while): the render uses the links as they are then, not where
 * begin found them (resolve.c caches those while the vault's links_gen holds). */
static void test_links_changed_between_begin_and_render(void) {
  for (int patch = 0; patch < 2; patch++) {
    vl_vault *v = vl_vault_new(NULL);
    CHECK_EQ_INT(tlink(v, "m", LOCAL, "M"), VL_OK);
    CHECK_EQ_INT(tlink(v, "z", LOCAL, "Z"), VL_OK);
    treq t = {.url = "https://x.com/{{vault:m}}/{{vault:z}}", .headers = {{"A", "{{vault:m}}"}}, .header_count = 1};
    size_t len, olen, rlen;
    uint8_t *frame = treq_encode(&t, &len), *o = NULL, *rep = NULL;
    vl_resolve *r = NULL;
    uint32_t flags = patch ? VL_RESOLVE_PATCH : 0;
    CHECK_EQ_INT(vl_resolve_begin(v, frame, len, flags, 1000, &r), VL_OK);
    CHECK_EQ_INT(tlink(v, "a", LOCAL, "A"), VL_OK); /* sorts first: m and z move */
    CHECK_EQ_INT(vl_vault_unlink(v, (const uint8_t *)"z", 1), VL_OK);
    CHECK_EQ_INT(tlink(v, "m", LOCAL, "M2"), VL_OK); /* relinked */
    CHECK_EQ_INT(vl_resolve_render(r, 1000, &o, &olen, &rep, &rlen), VL_OK);
    if (patch) {
      vl_request tpl;
      char err[128];
      size_t rebuilt_len = 0;
      CHECK_EQ_INT(vl_request_decode(frame, len, &tpl, err, sizeof err), VL_OK);
      uint8_t *full = patch_apply(&tpl, o, olen, &rebuilt_len);
      vl_request_clear(&tpl);
      vl_free(o);
      o = full;
      olen = rebuilt_len;
    }
    vl_request out;
    char err[128];
    CHECK_EQ_INT(vl_request_decode(o, olen, &out, err, sizeof err), VL_OK);
    CHECK(slice_eq(out.url, "https://x.com/M2/{{vault:z}}"));
    CHECK(slice_eq(out.headers[0].value, "M2"));
    char b[64];
    CHECK_EQ_INT(report_count((char *)rep), 1);
    CHECK_EQ_STR(reason_at((char *)rep, 0, b, sizeof b), "unknown");
    vl_request_clear(&out);
    vl_free(o);
    vl_free(rep);
    vl_resolve_free(r);
    vl_free(frame);
    vl_vault_free(v);
  }
}

VLT_MAIN(TEST(test_patch_output_matches_full_render), TEST(test_empty_fields_in_postman_mode),
         TEST(test_substitutes_everywhere), TEST(test_unresolved_reasons), TEST(test_domains_and_host_tokens),
         TEST(test_domains_against_the_template_host), TEST(test_links_changed_between_begin_and_render),
         TEST(test_no_reexpansion_unless_compat), TEST(test_binary_values), TEST(test_link_errors_name_the_problem),
         TEST(test_report_is_valid_json_for_odd_names), TEST(test_no_leaks), TEST(test_link_errors_quote_only_the_head),
         TEST(test_value_field_is_refused))
