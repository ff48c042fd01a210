/* TOTP (RFC 6238) and base32: all 24 rows of ../shared/vectors/totp/rfc6238-vectors.json,
 * both through vl_hotp and through otpauth:// URIs, plus the URI parser's errors. */
#include <cJSON.h>

#include "mem.h"
#include "totp.h"
#include "vltest.h"

#ifndef VL_VECTORS_DIR
#define VL_VECTORS_DIR "../shared/vectors"
#endif

static cJSON *load_vectors(void) {
  vl_mem_install_cjson_hooks();
  char *text = vlt_read_file(VL_VECTORS_DIR "/totp/rfc6238-vectors.json", NULL);
  CHECK(text != NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  free(text);
  return j;
}

static vl_totp_alg alg_of(const char *s) {
  return strcmp(s, "SHA256") == 0 ? VL_TOTP_SHA256 : strcmp(s, "SHA512") == 0 ? VL_TOTP_SHA512 : VL_TOTP_SHA1;
}

static void test_rfc6238_rows_hotp(void) {
  cJSON *j = load_vectors();
  const cJSON *row;
  int n = 0;
  cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "totp")) {
    const char *key = cJSON_GetObjectItem(row, "secret_ascii")->valuestring;
    double t = cJSON_GetObjectItem(row, "unix_time")->valuedouble;
    unsigned period = (unsigned)cJSON_GetObjectItem(row, "period")->valueint;
    unsigned digits = (unsigned)cJSON_GetObjectItem(row, "digits")->valueint;
    char code[9];
    CHECK_EQ_INT(vl_hotp((const uint8_t *)key, strlen(key), alg_of(cJSON_GetObjectItem(row, "algorithm")->valuestring),
                         digits, (uint64_t)t / period, code),
                 VL_OK);
    CHECK_EQ_STR(code, cJSON_GetObjectItem(row, "expected")->valuestring);
    n++;
  }
  CHECK_EQ_INT(n, 24);
  cJSON_Delete(j);
}

static void test_rfc6238_rows_through_otpauth_uris(void) {
  cJSON *j = load_vectors();
  const cJSON *row;
  int n = 0;
  cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "totp")) {
    char uri[400], code[9], err[120];
    snprintf(uri, sizeof uri, "otpauth://totp/ACME%%20Co:a@b.c?secret=%s&issuer=ACME&algorithm=%s&digits=%d&period=%d",
             cJSON_GetObjectItem(row, "secret_base32")->valuestring, cJSON_GetObjectItem(row, "algorithm")->valuestring,
             cJSON_GetObjectItem(row, "digits")->valueint, cJSON_GetObjectItem(row, "period")->valueint);
    uint64_t now = (uint64_t)cJSON_GetObjectItem(row, "unix_time")->valuedouble * 1000u + 999u, until = 0;
    CHECK_EQ_INT(vl_totp_from_uri(uri, strlen(uri), now, code, &until, err, sizeof err), VL_OK);
    CHECK_EQ_STR(code, cJSON_GetObjectItem(row, "expected")->valuestring);
    CHECK(until > now && until - now <= 30000u && until % 30000u == 0);
    n++;
  }
  CHECK_EQ_INT(n, 24);
  cJSON_Delete(j);
}

static void test_vector_item_totp_at_59(void) {
  /* The FullItem's "totp": "287082" is the RFC seed's SHA-1 code at t = 59 (defaults: SHA1, 6 digits, 30 s). */
  static const char uri[] = "otpauth://totp/GitHub:octocat?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub";
  char code[9], err[120];
  uint64_t until;
  CHECK_EQ_INT(vl_totp_from_uri(uri, strlen(uri), 59000u, code, &until, err, sizeof err), VL_OK);
  CHECK_EQ_STR(code, "287082");
  CHECK_EQ_INT(until, 60000u);
  /* A bare base32 secret (lower case, spaces, padding) works the same. */
  static const char bare[] = "gezd gnbv gy3t qojq gezd gnbv gy3t qojq====";
  CHECK_EQ_INT(vl_totp_from_uri(bare, strlen(bare), 59000u, code, &until, err, sizeof err), VL_OK);
  CHECK_EQ_STR(code, "287082");
}

static void test_otpauth_defaults_example(void) {
  cJSON *j = load_vectors();
  const char *uri = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "otpauth_uri"), "uri")->valuestring;
  char code[9], err[120];
  uint64_t until;
  CHECK_EQ_INT(vl_totp_from_uri(uri, strlen(uri), 1700000000000ull, code, &until, err, sizeof err), VL_OK);
  CHECK_EQ_INT(strlen(code), 6);
  /* Same secret, defaults omitted: same code. */
  static const char dflt[] = "otpauth://totp/x?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ";
  char code2[9];
  CHECK_EQ_INT(vl_totp_from_uri(dflt, strlen(dflt), 1700000000000ull, code2, &until, err, sizeof err), VL_OK);
  CHECK_EQ_STR(code, code2);
  cJSON_Delete(j);
}

static void test_uri_errors_name_the_parameter_not_the_secret(void) {
  static const struct {
    const char *uri, *needle;
  } cases[] = {
      {"otpauth://hotp/x?secret=GEZDGNBV&counter=1", "totp"},
      {"otpauth://totp/x?issuer=a", "no secret"},
      {"otpauth://totp/x?secret=GEZDGNBV&algorithm=MD5", "algorithm"},
      {"otpauth://totp/x?secret=GEZDGNBV&digits=9", "digits"},
      {"otpauth://totp/x?secret=GEZDGNBV&digits=5", "digits"},
      {"otpauth://totp/x?secret=GEZDGNBV&period=0", "period"},
      {"otpauth://totp/x?secret=GEZ1GNBV", "base32"},
      {"otpauth://totp/x?secret=%ZZ", "base32"},
      {"otpauth://totp/x?secret=", "base32"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char code[9], err[120];
    uint64_t until;
    CHECK_EQ_INT(vl_totp_from_uri(cases[i].uri, strlen(cases[i].uri), 0, code, &until, err, sizeof err), VL_ERR_FORMAT);
    if (!strstr(err, cases[i].needle)) fprintf(stderr, "  case %zu: %s\n", i, err);
    CHECK(strstr(err, cases[i].needle) != NULL);
    CHECK(strstr(err, "GEZ") == NULL);
  }
}

static void test_base32(void) {
  uint8_t out[16];
  size_t n = 0;
  CHECK_EQ_INT(vl_base32_decode("MZXW6YTBOI======", 16, out, sizeof out, &n), VL_OK); /* RFC 4648 "foobar" */
  CHECK_EQ_MEM(out, n, "foobar", 6);
  CHECK_EQ_INT(vl_base32_decode("mzxw6ytboi", 10, out, sizeof out, &n), VL_OK);
  CHECK_EQ_MEM(out, n, "foobar", 6);
  CHECK_EQ_INT(vl_base32_decode("MZ1W", 4, out, sizeof out, &n), VL_ERR_FORMAT);
  CHECK_EQ_INT(vl_base32_decode("MZXW6YTBOI", 10, out, 3, &n), VL_ERR_LIMIT);
  CHECK_EQ_INT(vl_base32_decode("", 0, out, sizeof out, &n), VL_ERR_FORMAT);
  char code[9];
  CHECK_EQ_INT(vl_hotp((const uint8_t *)"k", 1, VL_TOTP_SHA1, 9, 0, code), VL_ERR_ARG);
  CHECK_EQ_INT(vl_hotp((const uint8_t *)"k", 1, (vl_totp_alg)7, 6, 0, code), VL_ERR_ARG);
}

VLT_MAIN(TEST(test_rfc6238_rows_hotp), TEST(test_rfc6238_rows_through_otpauth_uris), TEST(test_vector_item_totp_at_59),
         TEST(test_otpauth_defaults_example), TEST(test_uri_errors_name_the_parameter_not_the_secret),
         TEST(test_base32))
