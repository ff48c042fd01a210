/* src/json.c and src/json_strtod.c: cJSON's number reader against the C
 * library's strtod, the compact writer, and a value's source text. */
#include <cJSON.h>
#include <math.h>
#include <stdint.h>

#include "json.h"
#include "mem.h"
#include "providers/provider.h"
#include "vltest.h"

/* Units in the last place between two finite doubles of one sign. */
static uint64_t ulps(double a, double b) {
  int64_t x, y;
  memcpy(&x, &a, sizeof x);
  memcpy(&y, &b, sizeof y);
  return x > y ? (uint64_t)(x - y) : (uint64_t)(y - x);
}

/* Same end as strtod; the same value where exact, else within 4 ulp. */
static void check_number(const char *s, int exact) {
  char *e1 = NULL, *e2 = NULL;
  double a = vl_json_strtod(s, &e1), b = strtod(s, &e2);
  if (e1 != e2 || (exact && a != b) || (!exact && !(a == b || ulps(a, b) <= 4))) {
    fprintf(stderr, "  number \"%s\": %.17g (end %d), libc %.17g (end %d)\n", s, a, (int)(e1 - s), b, (int)(e2 - s));
    CHECK(0);
  }
}

static void numbers_like_strtod(void) {
  const char *exact[] = {"0",
                         "-0",
                         "1",
                         "-1",
                         "42",
                         "1700000000000",
                         "9007199254740991",
                         "0.5",
                         "1.5",
                         "-2.25",
                         "0.1",
                         "3.14159",
                         "1e10",
                         "1E+10",
                         "1e-10",
                         "2.5e-7",
                         "123.456e3",
                         "0001",
                         "1.",
                         ".5",
                         "-.5",
                         "1e",
                         "1e+",
                         "1e-x",
                         "-",
                         ".",
                         "",
                         "x1",
                         "1.5.5",
                         "12abc",
                         "1e22",
                         "1e-22",
                         "9.99e21",
                         "+7",
                         "1--2"};
  for (size_t i = 0; i < sizeof exact / sizeof *exact; i++) check_number(exact[i], 1);
  const char *close[] = {"1e300",
                         "-1e300",
                         "1.7976931348623157e308",
                         "2.2250738585072014e-308",
                         "4.9e-324",
                         "1e-310",
                         "123456789012345678901234567890",
                         "0.1234567890123456789",
                         "1e400",
                         "1e-400",
                         "6.02214076e23",
                         "1e99999999",
                         "1e-99999999"};
  for (size_t i = 0; i < sizeof close / sizeof *close; i++) check_number(close[i], 0);
  /* Random doubles printed to 17 digits read back within 4 ulp; random
   * integers up to 2^53 and short decimals read back exactly. */
  uint64_t x = 0x9E3779B97F4A7C15u;
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double d;
    memcpy(&d, &x, sizeof d);
    char s[40];
    if (isfinite(d)) {
      snprintf(s, sizeof s, "%.17g", d);
      check_number(s, 0);
    }
    snprintf(s, sizeof s, "%llu", (unsigned long long)(x >> 11));
    check_number(s, 1);
    snprintf(s, sizeof s, "%lld.%03de%d", (long long)(x % 1000000000000u) - 500000000000, (int)(x % 1000),
             (int)(x % 15) - 7);
    check_number(s, 1);
  }
}

/* cJSON reads numbers with it (cJSON.c is built with strtod=vl_json_strtod). */
static void cjson_reads_numbers(void) {
  cJSON *j = cJSON_Parse("{\"a\": 1700000000000, \"b\": -2.5e-3, \"c\": 1e, \"d\": 0}");
  CHECK(j == NULL); /* "1e" is not a number: the parse fails at it */
  j = cJSON_Parse("{\"a\": 1700000000000, \"b\": -2.5e-3, \"n\": 3}");
  CHECK(j != NULL);
  CHECK(cJSON_GetObjectItem(j, "a")->valuedouble == 1700000000000.0);
  CHECK(cJSON_GetObjectItem(j, "b")->valuedouble == -2.5e-3);
  CHECK_EQ_INT(cJSON_GetObjectItem(j, "n")->valueint, 3);
  cJSON_Delete(j);
}

static void print_is(const char *json, const char *want) {
  cJSON *j = cJSON_Parse(json);
  CHECK(j != NULL);
  char *s = vl_json_print(j);
  CHECK(s != NULL);
  if (s && strcmp(s, want) != 0) {
    fprintf(stderr, "  print %s: got %s, want %s\n", json, s, want);
    CHECK(0);
  }
  vl_free(s);
  cJSON_Delete(j);
}

static void writer(void) {
  print_is("{ \"a\" : 1, \"b\" : [ true, false, null ], \"c\" : \"x\\\"y\\n\\u0001/\" }",
           "{\"a\":1,\"b\":[true,false,null],\"c\":\"x\\\"y\\u000a\\u0001/\"}");
  print_is("[]", "[]");
  print_is("{}", "{}");
  print_is("[{\"\":{}}, [[]]]", "[{\"\":{}},[[]]]");
  print_is("[0, -0, 1700000000000, -42, 9007199254740993]", "[0,0,1700000000000,-42,9007199254740992]");
  print_is("[1.5, 0.1, -2.5e-7, 0.000123, 123.456, 1e300, 1.7976931348623157e308]",
           "[1.5,0.1,-2.5e-7,0.000123,123.456,1e+300,1.7976931348623157e+308]");
  print_is("[1e20, -1e25]", "[1e+20,-1e+25]");
  print_is("\"caf\xc3\xa9 \\u00e9\"", "\"caf\xc3\xa9 \xc3\xa9\"");
  /* Built trees: NaN and infinities are null, as cJSON writes them. */
  cJSON *a = cJSON_CreateArray();
  cJSON_AddItemToArray(a, cJSON_CreateNumber(NAN));
  cJSON_AddItemToArray(a, cJSON_CreateNumber(INFINITY));
  cJSON_AddItemToArray(a, cJSON_CreateRaw("{\"raw\":1}"));
  char *s = vl_json_print(a);
  CHECK_EQ_STR(s, "[null,null,{\"raw\":1}]");
  vl_free(s);
  cJSON_Delete(a);
  CHECK(vl_json_print(NULL) == NULL);
}

/* What the writer prints reads back (with the C library's strtod) as the
 * same double, within an ulp, for random doubles. */
static void writer_round_trips(void) {
  uint64_t x = 0x2545F4914F6CDD1Du;
  int bad = 0;
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double d;
    memcpy(&d, &x, sizeof d);
    if (i < 4) d = (double[]){5e-324, -2.2250738585072014e-308, 1e-310, 1.7976931348623157e308}[i];
    if (!isfinite(d)) continue;
    cJSON *n = cJSON_CreateNumber(d);
    char *s = vl_json_print(n);
    double back = s ? strtod(s, NULL) : NAN;
    if (!(back == d || ulps(back, d) <= 1)) {
      if (bad++ < 5) fprintf(stderr, "  %.17g printed %s\n", d, s ? s : "(null)");
    }
    vl_free(s);
    cJSON_Delete(n);
  }
  CHECK_EQ_INT(bad, 0);
}

static void source_is(const char *json, const char *path, const char *want) {
  uint8_t *out = NULL;
  size_t n = 0;
  vl_status st = vl_json_select((const uint8_t *)json, strlen(json), path, &out, &n);
  CHECK_EQ_INT(st, VL_OK);
  if (st == VL_OK) {
    if (n != strlen(want) || memcmp(out, want, n) != 0)
      fprintf(stderr, "  %s @ %s: got %.*s\n", json, path, (int)n, out);
    CHECK_EQ_MEM(out, n, want, strlen(want));
  }
  vl_free(out);
}

/* A selected number or object is the provider's own text, digit for digit
 * (a double would turn 12345678901234567890 into 12345678901234567168). */
static void source_text(void) {
  const char *doc =
      "\xEF\xBB\xBF { \"a\" : { \"b\" : [ 1 , 2.50 , { \"c\" : \"x y\" } ] } ,\n"
      " \"n\" : 12345678901234567890, \"f\": 1.10, \"t\": true, \"z\": null,"
      " \"s\": \"]}\\\"{\", \"o\": {\"x\": \"{\", \"y\": [\"]\", -0.0]}, \"k\": 1, \"k\": 2 }";
  source_is(doc, "a", "{\"b\":[1,2.50,{\"c\":\"x y\"}]}");
  source_is(doc, "a.b", "[1,2.50,{\"c\":\"x y\"}]");
  source_is(doc, "n", "12345678901234567890");
  source_is(doc, "f", "1.10");
  source_is(doc, "t", "true");
  source_is(doc, "z", "null");
  source_is(doc, "s", "]}\"{"); /* a string: its value, unescaped */
  source_is(doc, "o", "{\"x\":\"{\",\"y\":[\"]\",-0.0]}");
  source_is(doc, "k", "1");          /* the first of duplicate keys, as cJSON finds it */
  source_is("[1, 2]", "", "[1, 2]"); /* no path: the whole text as it is */
  /* An item from another tree is refused, not guessed. */
  cJSON *root = cJSON_Parse("{\"a\":1}");
  cJSON *other = cJSON_Parse("{\"a\":1}");
  uint8_t *out = (uint8_t *)"untouched";
  size_t n = 9;
  CHECK_EQ_INT(vl_json_source((const uint8_t *)"{\"a\":1}", 7, root, other->child, &out, &n), VL_ERR_FORMAT);
  CHECK(out == NULL && n == 0);
  /* Text that does not match the tree is refused too. */
  CHECK_EQ_INT(vl_json_source((const uint8_t *)"[1]", 3, root, root->child, &out, &n), VL_ERR_FORMAT);
  CHECK_EQ_INT(vl_json_source((const uint8_t *)"{\"a\":1}", 7, root, root->child, &out, &n), VL_OK);
  CHECK_EQ_MEM(out, n, "1", 1);
  vl_free(out);
  cJSON_Delete(root);
  cJSON_Delete(other);
}

int main(void) {
  vl_mem_install_cjson_hooks();
  static const vlt_case cases[] = {TEST(numbers_like_strtod), TEST(cjson_reads_numbers), TEST(writer),
                                   TEST(writer_round_trips), TEST(source_text)};
  int r = vlt_run(cases, sizeof cases / sizeof cases[0]);
  return r;
}
