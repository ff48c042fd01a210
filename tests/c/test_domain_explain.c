/* Why a secret is not allowed for a URL: the domain_not_allowed detail names the
 * cause (scheme, port or host), the closest entry and the entry that would allow
 * it; never a value; bounded in length. Issue 13 §4. */
#include <cJSON.h>

#include "policy.h"
#include "reqhelp.h"
#include "vltest.h"

/* The explanation for secret "x" with entries (comma-separated) and url. */
static const char *explain(const char *entries, const char *url, char *out, size_t outlen) {
  vl_domain d[8];
  size_t n = 0;
  for (const char *e = entries; *e && n < 8;) {
    size_t len = strcspn(e, ",");
    char err[160];
    CHECK_EQ_INT(vl_domain_parse((const uint8_t *)e, len, &d[n], err, sizeof err), VL_OK);
    n++;
    e += len + (e[len] == ',');
  }
  vl_origin o;
  vl_origin_parse((const uint8_t *)url, strlen(url), &o);
  vl_domain_explain((const uint8_t *)"x", 1, d, n, &o, 0, out, outlen);
  return out;
}

static void test_scheme_cause(void) {
  char b[VL_DOMAIN_EXPLAIN_BYTES];
  /* The case of the issue: an entry without a scheme means https only. */
  CHECK_EQ_STR(explain("127.0.0.1", "http://127.0.0.1:8787/x", b, sizeof b),
               "\"{{vault:x}}\" is not allowed for http://127.0.0.1:8787: closest entry \"127.0.0.1\" means https "
               "only (no scheme) \xE2\x80\x94 add \"http://127.0.0.1:8787\"");
  /* An explicit scheme says so without the hint. */
  CHECK_EQ_STR(explain("http://api.example.com", "https://api.example.com/", b, sizeof b),
               "\"{{vault:x}}\" is not allowed for https://api.example.com: closest entry \"http://api.example.com\" "
               "allows http only \xE2\x80\x94 add \"api.example.com\"");
  CHECK(strstr(explain("https://api.example.com", "http://api.example.com/", b, sizeof b),
               "entry \"https://api.example.com\" allows https only \xE2\x80\x94 add \"http://api.example.com\"") !=
        NULL);
  /* A wildcard entry for the host's parent counts as the host's entry. */
  CHECK(strstr(
            explain("*.example.com", "http://a.example.com/", b, sizeof b),
            "closest entry \"*.example.com\" means https only (no scheme) \xE2\x80\x94 add \"http://a.example.com\"") !=
        NULL);
}

static void test_port_cause(void) {
  char b[VL_DOMAIN_EXPLAIN_BYTES];
  CHECK_EQ_STR(explain("example.com:8443", "https://example.com:9000/p", b, sizeof b),
               "\"{{vault:x}}\" is not allowed for https://example.com:9000: closest entry \"example.com:8443\" allows "
               "port 8443 only \xE2\x80\x94 add \"example.com:9000\"");
  /* The URL's default port is a port too. */
  CHECK(strstr(explain("example.com:8443", "https://example.com/", b, sizeof b),
               "for https://example.com: closest entry \"example.com:8443\" allows port 8443 only") != NULL);
  /* Both at once. */
  CHECK(strstr(explain("127.0.0.1:80", "http://127.0.0.1:8787/", b, sizeof b),
               "closest entry \"127.0.0.1:80\" means https only (no scheme) and port 80 only \xE2\x80\x94 add "
               "\"http://127.0.0.1:8787\"") != NULL);
}

static void test_host_cause_and_closest_entry(void) {
  char b[VL_DOMAIN_EXPLAIN_BYTES];
  CHECK_EQ_STR(explain("api.stripe.com", "https://evil.com/", b, sizeof b),
               "\"{{vault:x}}\" is not allowed for https://evil.com: the host matches none of its 1 allowed domain; "
               "closest entry \"api.stripe.com\" \xE2\x80\x94 add \"evil.com\"");
  /* The most alike host is named, wherever it is in the list. */
  CHECK(strstr(explain("zzz.test,api.example.com,other.org", "https://api.example.org/", b, sizeof b),
               "none of its 3 allowed domains; closest entry \"api.example.com\"") != NULL);
  CHECK(strstr(explain("10.0.0.1,127.0.0.1", "http://127.0.0.2:8080/", b, sizeof b),
               "closest entry \"127.0.0.1\" \xE2\x80\x94 add \"http://127.0.0.2:8080\"") != NULL);
  /* An entry for the host beats a more alike one for another host: its cause is the scheme. */
  CHECK(strstr(explain("api.example.co,api.example.com", "http://api.example.com/", b, sizeof b),
               "closest entry \"api.example.com\" means https only") != NULL);
  /* Of two entries for the host, the one differing in fewer ways. */
  CHECK(strstr(explain("h.com:1,http://h.com:2", "http://h.com:3/", b, sizeof b),
               "closest entry \"http://h.com:2\" allows port 2 only") != NULL);
}

static void test_no_entries_and_undetermined_hosts(void) {
  char b[VL_DOMAIN_EXPLAIN_BYTES];
  CHECK_EQ_STR(explain("", "https://example.com/", b, sizeof b),
               "\"{{vault:x}}\" is not allowed for https://example.com: it has no allowed domains");
  CHECK(strstr(explain("example.com", "https://user@example.com/", b, sizeof b),
               "the URL's host cannot be determined") != NULL);
  vl_domain d;
  char err[80];
  CHECK_EQ_INT(vl_domain_parse((const uint8_t *)"example.com", 11, &d, err, sizeof err), VL_OK);
  vl_origin o;
  vl_origin_parse((const uint8_t *)"https://example.com/", 20, &o);
  vl_domain_explain((const uint8_t *)"k", 1, &d, 1, &o, 1, b, sizeof b);
  CHECK(strstr(b, "\"{{vault:k}}\" is not allowed in the URL's scheme or host") != NULL);
}

static void test_long_inputs_are_cut(void) {
  char b[VL_DOMAIN_EXPLAIN_BYTES];
  char host[260], url[300], entry[300], name[300];
  /* A 250-byte host of 5 labels. */
  for (int i = 0; i < 250; i++) host[i] = (i % 50 == 49) ? '.' : (char)('a' + i % 26);
  host[249] = 'z';
  host[250] = 0;
  snprintf(url, sizeof url, "http://%s:65535/", host);
  snprintf(entry, sizeof entry, "https://*.%s:65534", host);
  vl_domain d[2];
  CHECK_EQ_INT(vl_domain_parse((const uint8_t *)entry, strlen(entry), &d[0], name, sizeof name), VL_OK);
  CHECK_EQ_INT(vl_domain_parse((const uint8_t *)"other.com", 9, &d[1], name, sizeof name), VL_OK);
  vl_origin o;
  vl_origin_parse((const uint8_t *)url, strlen(url), &o);
  CHECK_EQ_INT(o.determined, 1);
  memset(name, 'n', 280);
  name[280] = 0;
  vl_domain_explain((const uint8_t *)name, 280, d, 2, &o, 0, b, sizeof b);
  CHECK(strlen(b) < 400);
  CHECK(b[strlen(b) - 1] == '"'); /* whole: only the parts were cut, not the sentence */
  CHECK(strstr(b, host) == NULL); /* no host quoted whole */
  CHECK(strstr(b, "nnnnnnnnnn\xE2\x80\xA6}}\" is not allowed for http://abcd") != NULL);
  CHECK(strstr(b, "\xE2\x80\xA6:65535: closest entry \"https://*.abcd") != NULL);
  CHECK(strstr(b, "\xE2\x80\xA6:65534\" allows https only and port 65534 only \xE2\x80\x94 add \"http://abcd") != NULL);
  /* A tiny buffer still ends in a NUL, cut short. */
  char tiny[16];
  vl_domain_explain((const uint8_t *)"x", 1, d, 2, &o, 0, tiny, sizeof tiny);
  CHECK_EQ_STR(tiny, "\"{{vault:x}}\" i");
  /* A name cut inside a UTF-8 sequence is cut before it. */
  char utf[100];
  memset(utf, 'u', 47);
  memcpy(utf + 47, "\xC3\xA9\xC3\xA9", 4);
  vl_domain_explain((const uint8_t *)utf, 51, d, 2, &o, 0, b, sizeof b);
  CHECK(strstr(b, "uuu\xE2\x80\xA6}}") != NULL);
}

/* The detail of report entry i ("" if none). */
static const char *detail_at(const char *report, int i, char *buf, size_t buflen) {
  cJSON *j = cJSON_Parse(report);
  const cJSON *d = cJSON_GetObjectItem(cJSON_GetArrayItem(j, i), "detail");
  const cJSON *r = cJSON_GetObjectItem(cJSON_GetArrayItem(j, i), "reason");
  snprintf(buf, buflen, "%s",
           cJSON_IsString(d) && cJSON_IsString(r) && strcmp(r->valuestring, "domain_not_allowed") == 0 ? d->valuestring
                                                                                                       : "");
  cJSON_Delete(j);
  return buf;
}

static void test_resolve_report_carries_it(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "demo", "{\"source\":{\"provider\":\"local\"},\"domains\":[\"127.0.0.1\"]}", "V4LUE-1"), VL_OK);
  CHECK_EQ_INT(tlink(v, "host", "{\"source\":{\"provider\":\"local\"}}", "h1dden.example.com"), VL_OK);
  const uint32_t modes[] = {0, VL_RESOLVE_PATCH, VL_RESOLVE_POSTMAN_COMPAT};
  for (size_t m = 0; m < 3; m++) {
    treq t = {.url = "http://127.0.0.1:8787/?k={{vault:demo}}", .body = "{{vault:demo}}"};
    vl_request out;
    uint8_t *o = NULL;
    char *rep = NULL;
    if (modes[m] == VL_RESOLVE_PATCH) {
      /* Patch mode answers in records, the report is the same. */
      size_t len, olen, rlen;
      uint8_t *frame = treq_encode(&t, &len);
      vl_resolve *r;
      CHECK_EQ_INT(vl_resolve_begin(v, frame, len, modes[m], 1000, &r), VL_OK);
      uint8_t *prep = NULL;
      CHECK_EQ_INT(vl_resolve_render(r, 1000, &o, &olen, &prep, &rlen), VL_OK);
      rep = (char *)prep;
      vl_resolve_free(r);
      vl_free(frame);
    } else {
      CHECK_EQ_INT(tresolve(v, &t, modes[m], &out, &o, &rep), VL_OK);
      vl_request_clear(&out);
    }
    char b[VL_DOMAIN_EXPLAIN_BYTES];
    const char *want =
        "\"{{vault:demo}}\" is not allowed for http://127.0.0.1:8787: closest entry \"127.0.0.1\" means "
        "https only (no scheme) \xE2\x80\x94 add \"http://127.0.0.1:8787\"";
    CHECK_EQ_STR(detail_at(rep, 0, b, sizeof b), want);
    CHECK_EQ_STR(detail_at(rep, 1, b, sizeof b), want);
    CHECK(strstr(rep, "V4LUE") == NULL);
    vl_free(o);
    vl_free(rep);
  }
  /* A host built from another secret is not quoted. */
  treq t = {.url = "https://{{vault:host}}/?k={{vault:demo}}"};
  vl_request out;
  uint8_t *o;
  char *rep;
  CHECK_EQ_INT(tresolve(v, &t, 0, &out, &o, &rep), VL_OK);
  char b[VL_DOMAIN_EXPLAIN_BYTES];
  CHECK(strstr(detail_at(rep, 0, b, sizeof b), "comes from another secret (not shown)") != NULL);
  CHECK(strstr(rep, "h1dden") == NULL);
  vl_request_clear(&out);
  vl_free(o);
  vl_free(rep);
  vl_vault_free(v);
}

VLT_MAIN(TEST(test_scheme_cause), TEST(test_port_cause), TEST(test_host_cause_and_closest_entry),
         TEST(test_no_entries_and_undetermined_hosts), TEST(test_long_inputs_are_cut),
         TEST(test_resolve_report_carries_it))
