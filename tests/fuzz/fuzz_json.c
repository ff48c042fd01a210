/* libFuzzer: src/json.c and src/json_strtod.c. The input is a JSON text.
 * Checks:
 * - vl_json_strtod ends where the C library's strtod ends, on the input and
 *   on every suffix that starts a number, and agrees within 4 ulp;
 * - for every value in what cJSON parsed, vl_json_source gives text that
 *   cJSON parses to an equal value (numbers: the very same text);
 * - vl_json_print's text parses back to an equal tree (numbers within 1e-14,
 *   strings equal unless malformed UTF-8, which it writes as U+FFFD;
 *   infinities, which JSON lacks, as null).
 * No crash, no read past the input (it is copied to an exact-size block). */
#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void number_at(const char *s) {
  char *e1, *e2;
  double a = vl_json_strtod(s, &e1), b = strtod(s, &e2);
  if (e1 != e2) abort();
  if (a == b || (isnan(a) && isnan(b))) return;
  uint64_t x, y;
  memcpy(&x, &a, sizeof x);
  memcpy(&y, &b, sizeof y);
  if ((x >> 63) != (y >> 63) || (x > y ? x - y : y - x) > 4) abort();
}

static int close_enough(double a, double b) {
  if (a == b) return 1;
  double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  return fabs(a - b) <= m * 1e-14 || fabs(a - b) <= 1e-322; /* denormals: a few units */
}

/* utf8: strings that are not well-formed UTF-8 may differ (the writer puts
 * U+FFFD for a malformed byte). */
static int same(const cJSON *a, const cJSON *b, int utf8) {
  if (a && b && cJSON_IsNumber(a) && !isfinite(a->valuedouble)) /* JSON has no inf: printed as null */
    return cJSON_IsNull(b) || (cJSON_IsNumber(b) && a->valuedouble == b->valuedouble);
  if (!a || !b || (a->type & 0xFF) != (b->type & 0xFF)) return 0;
  if (cJSON_IsNumber(a)) return close_enough(a->valuedouble, b->valuedouble);
  if (cJSON_IsString(a))
    return strcmp(a->valuestring, b->valuestring) == 0 ||
           (utf8 && !vl_utf8_valid((const uint8_t *)a->valuestring, strlen(a->valuestring)));
  const cJSON *x = a->child, *y = b->child;
  for (; x && y; x = x->next, y = y->next) {
    if (cJSON_IsObject(a) && strcmp(x->string, y->string) != 0 &&
        !(utf8 && !vl_utf8_valid((const uint8_t *)x->string, strlen(x->string))))
      return 0;
    if (!same(x, y, utf8)) return 0;
  }
  return !x && !y;
}

static void each_value(const uint8_t *text, size_t len, const cJSON *root, const cJSON *j) {
  uint8_t *out = NULL;
  size_t n = 0;
  if (vl_json_source(text, len, root, j, &out, &n) != VL_OK) abort();
  cJSON *back = cJSON_ParseWithLength((const char *)out, n);
  if (!same(j, back, 0)) abort(); /* (cJSON_Compare mismatches duplicate keys) */
  cJSON_Delete(back);
  vl_free(out);
  for (const cJSON *c = j->child; c; c = c->next) each_value(text, len, root, c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vl_mem_install_cjson_hooks();
  char *s = malloc(size + 1);
  if (!s) return 0;
  memcpy(s, data, size);
  s[size] = 0;
  /* As cJSON calls it: on a run of the bytes a number may hold. */
  for (size_t i = 0; i < size; i++) {
    char run[64];
    size_t k = 0;
    while (i + k < size && k < sizeof run - 1 && s[i + k] && strchr("0123456789+-.eE", s[i + k])) {
      run[k] = s[i + k];
      k++;
    }
    run[k] = 0;
    if (k) number_at(run);
  }
  uint8_t *text = malloc(size ? size : 1);
  if (text) memcpy(text, data, size);
  cJSON *root = text ? cJSON_ParseWithLength((const char *)text, size) : NULL;
  if (root) {
    each_value(text, size, root, root);
    char *p = vl_json_print(root);
    if (!p) abort();
    cJSON *back = cJSON_Parse(p);
    if (!same(root, back, 1)) abort();
    cJSON_Delete(back);
    vl_free(p);
    cJSON_Delete(root);
  }
  free(text);
  free(s);
  return 0;
}
