/* Allowed domains: entry parsing, strict URL origins, matching. */
#include "policy.h"
#include "vltest.h"

static int matches(const char *entry, const char *url) {
  vl_domain d;
  char err[160];
  if (vl_domain_parse((const uint8_t *)entry, strlen(entry), &d, err, sizeof err) != VL_OK) return -1;
  vl_origin o;
  vl_origin_parse((const uint8_t *)url, strlen(url), &o);
  return vl_domain_match(&d, &o);
}

static void test_postman_pattern_rules(void) {
  CHECK_EQ_INT(matches("example.com", "https://example.com/any/path?q=1"), 1);
  CHECK_EQ_INT(matches("example.com", "https://example.com:8443/x"), 1);                    /* any port */
  CHECK_EQ_INT(matches("example.com", "http://example.com/"), 0);                           /* default https only */
  CHECK_EQ_INT(matches("http://api.example.com/v1", "http://api.example.com:81/other"), 1); /* path ignored */
  CHECK_EQ_INT(matches("http://api.example.com/v1", "https://api.example.com/v1"), 0);
  CHECK_EQ_INT(matches("*.example.com", "https://example.com/"), 1);
  CHECK_EQ_INT(matches("*.example.com", "https://a.b.example.com:9/"), 1);
  CHECK_EQ_INT(matches("*.example.com", "https://badexample.com/"), 0);
  CHECK_EQ_INT(matches("example.com", "https://sub.example.com/"), 0);
  CHECK_EQ_INT(matches("EXAMPLE.com", "https://example.COM/"), 1); /* hosts are case-insensitive */
  CHECK_EQ_INT(matches("example.com:8443", "https://example.com:8443/"), 1);
  CHECK_EQ_INT(matches("example.com:8443", "https://example.com/"), 0);
  CHECK_EQ_INT(matches("127.0.0.1", "https://127.0.0.1/"), 1);
  CHECK_EQ_INT(matches("[::1]", "https://[::1]:8/"), 1);
}

static void test_hostile_urls_never_match(void) {
  static const char *const urls[] = {
      "https://example.com@evil.com/",
      "https://evil.com#@example.com",
      "https://evil.com?@example.com",
      "https://example.com\\@evil.com/",
      "https://example.com.evil.com/",
      "https://evil.com/example.com",
      "https://user@example.com/",
      "https://exa%6dple.com/",
      "https://example.com./",
      " https://example.com/",
      "https://exam\tple.com/",
      "https://example.com\n.evil.com/",
      "https:/example.com/",
      "https:\\\\example.com/",
      "//example.com/",
      "example.com/x",
      "ftp://example.com/",
      "https://examp\xc3\xa9le.com/",
      "https://example.com:99999/",
      "https://example.com:8o/",
      "https://{{vault:h}}/",
      "https://example.com{{x}}/",
      "https://0x7f.0.0.1/",
      "https://2130706433/",
      "https://example..com/",
      "https://.example.com/",
      "https://[::1/",
  };
  for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
    int m = matches("example.com", urls[i]);
    int m2 = matches("127.0.0.1", urls[i]);
    if (m != 0 || m2 != 0) fprintf(stderr, "  leaked to: %s\n", urls[i]);
    CHECK_EQ_INT(m, 0);
    CHECK_EQ_INT(m2, 0);
  }
}

static void test_bad_entries_are_errors(void) {
  static const char *const bad[] = {
      "",   "   ",         "ftp://example.com", "user@example.com", "exa mple.com",  "example.com:port",
      "*.", "exämple.com", "example..com",      "http://",          "example.com?x", "[::1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    vl_domain d;
    char err[160] = "";
    vl_status st = vl_domain_parse((const uint8_t *)bad[i], strlen(bad[i]), &d, err, sizeof err);
    CHECK_EQ_INT(st, VL_ERR_FORMAT);
    CHECK(strstr(err, "domain entry") != NULL); /* the message says what was wrong */
  }
}

static void test_origin_region(void) {
  const char *u = "https://{{vault:a/b}}.example.com/path?x={{vault:k}}";
  size_t e = vl_origin_region_end((const uint8_t *)u, strlen(u));
  CHECK_EQ_INT(e, strlen("https://{{vault:a/b}}.example.com"));
  const char *v = "https:{{vault:h}}";
  CHECK_EQ_INT(vl_origin_region_end((const uint8_t *)v, strlen(v)), strlen(v));
  const char *w = "{{vault:s}}://host/p";
  CHECK_EQ_INT(vl_origin_region_end((const uint8_t *)w, strlen(w)), strlen("{{vault:s}}://host"));
}

VLT_MAIN(TEST(test_postman_pattern_rules), TEST(test_hostile_urls_never_match), TEST(test_bad_entries_are_errors),
         TEST(test_origin_region))
