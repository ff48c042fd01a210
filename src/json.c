#include "json.h"

#include <string.h>

#include "buf.h"
#include "fmt.h"
#include "input_limits.h"
#include "mem.h"

/* ---- the writer ----------------------------------------------------------- */

/* As a JSON string: escaped by vl_buf_put_json_str (well-formed UTF-8 as
 * it is, a malformed byte as U+FFFD). */
static void put_string(vl_buf *b, const char *s) {
  vl_buf_put(b, "\"", 1);
  vl_buf_put_json_str(b, (const uint8_t *)s, strlen(s));
  vl_buf_put(b, "\"", 1);
}

/* sig significant digits of v > 0 (finite) as an integer, and the decimal
 * exponent of its first digit: v ~ digits * 10^(e10 - sig + 1). */
static uint64_t significant(double v, int sig, int *e10) {
  /* The binary exponent gives the decimal one to within a few. */
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  int e2 = (int)((bits >> 52) & 0x7FF) - 1023;
  int e = e2 < -1022 ? -316 : (e2 * 30103) / 100000 - (e2 < 0);
  uint64_t lo = 1;
  for (int i = 1; i < sig; i++) lo *= 10;
  uint64_t hi = lo * 10;
  for (int tries = 0; tries < 40; tries++) { /* denormals start up to 16 off */
    double xl, x = vl_json_scale10(v, 0, sig - 1 - e, &xl);
    if (x >= (double)hi) {
      e++;
      continue;
    }
    if (x < (double)lo) {
      e--;
      continue;
    }
    /* x is an integer here or within 0.5 of one (sig <= 17); round x + xl. */
    uint64_t d = (uint64_t)x;
    double r = (x - (double)d) + xl;
    long k = (long)(r + 4.5) - 4; /* floor(r + 0.5), r > -4 */
    d += (uint64_t)k;
    if (d >= hi) {
      e++;
      continue;
    }
    *e10 = e;
    return d;
  }
  *e10 = e;
  return lo;
}

static void put_decimal(vl_buf *b, uint64_t digits, int sig, int e10) {
  char d[24] = {0};
  int n = 0;
  for (int i = sig - 1; i >= 0; i--) {
    d[i] = (char)('0' + digits % 10);
    digits /= 10;
  }
  n = sig;
  while (n > 1 && d[n - 1] == '0') n--;
  char out[48];
  int o = 0;
  if (e10 >= -5 && e10 < sig) { /* fixed: 0.000123, 12.5 */
    if (e10 < 0) {
      out[o++] = '0';
      out[o++] = '.';
      for (int i = -1; i > e10; i--) out[o++] = '0';
      for (int i = 0; i < n; i++) out[o++] = d[i];
    } else {
      for (int i = 0; i <= e10; i++) out[o++] = i < n ? d[i] : '0';
      if (n > e10 + 1) out[o++] = '.';
      for (int i = e10 + 1; i < n; i++) out[o++] = d[i];
    }
    vl_buf_put(b, out, (size_t)o);
    return;
  }
  out[o++] = d[0]; /* exponent form: 1.5e+300 */
  if (n > 1) out[o++] = '.';
  for (int i = 1; i < n; i++) out[o++] = d[i];
  o += vl_snprintf(out + o, sizeof out - (size_t)o, "e%c%d", e10 < 0 ? '-' : '+', e10 < 0 ? -e10 : e10);
  vl_buf_put(b, out, (size_t)o);
}

static void put_number(vl_buf *b, double v) {
  char num[32];
  if (v != v || v - v != 0) { /* NaN and the infinities: JSON has none (cJSON writes null) */
    vl_buf_put_str(b, "null");
    return;
  }
  if (v > -9.2e18 && v < 9.2e18 && (double)(long long)v == v) {
    vl_buf_put(b, num, (size_t)vl_snprintf(num, sizeof num, "%lld", (long long)v));
    return;
  }
  if (v < 0) vl_buf_put(b, "-", 1);
  double a = v < 0 ? -v : v;
  int e10;
  uint64_t d = significant(a, 15, &e10);
  /* 15 digits when they read back as the same double, else 17 (as cJSON). */
  vl_buf t;
  vl_buf_init(&t, 0);
  put_decimal(&t, d, 15, e10);
  vl_buf_put(&t, "", 1);
  if (!t.failed && vl_json_strtod((const char *)t.p, NULL) == a) {
    vl_buf_put_str(b, (const char *)t.p);
  } else {
    d = significant(a, 17, &e10);
    put_decimal(b, d, 17, e10);
  }
  vl_buf_free(&t);
}

static void put_value(vl_buf *b, const cJSON *j) {
  switch (j->type & 0xFF) {
    case cJSON_False: vl_buf_put_str(b, "false"); return;
    case cJSON_True: vl_buf_put_str(b, "true"); return;
    case cJSON_NULL: vl_buf_put_str(b, "null"); return;
    case cJSON_Number: put_number(b, j->valuedouble); return;
    case cJSON_String: put_string(b, j->valuestring ? j->valuestring : ""); return;
    case cJSON_Raw: vl_buf_put_str(b, j->valuestring ? j->valuestring : ""); return;
    case cJSON_Array:
    case cJSON_Object: {
      int obj = (j->type & 0xFF) == cJSON_Object;
      vl_buf_put(b, obj ? "{" : "[", 1);
      for (const cJSON *c = j->child; c; c = c->next) {
        if (obj) {
          put_string(b, c->string ? c->string : "");
          vl_buf_put(b, ":", 1);
        }
        put_value(b, c);
        if (c->next) vl_buf_put(b, ",", 1);
      }
      vl_buf_put(b, obj ? "}" : "]", 1);
      return;
    }
    default: b->failed = 1; return; /* cJSON_Invalid */
  }
}

char *vl_json_print(const cJSON *item) {
  if (!item) return NULL;
  vl_buf b;
  vl_buf_init(&b, 0);
  put_value(&b, item);
  if (b.failed) {
    vl_buf_free(&b);
    return NULL;
  }
  size_t n;
  return (char *)vl_buf_take(&b, &n);
}

/* ---- a value's source text ------------------------------------------------ */

/* cJSON's whitespace: every byte up to ' '. */
static size_t skip_ws(const uint8_t *s, size_t i, size_t n) {
  while (i < n && s[i] <= ' ') i++;
  return i;
}

static size_t skip_string(const uint8_t *s, size_t i, size_t n) {
  for (i++; i < n && s[i] != '"'; i++)
    if (s[i] == '\\') i++;
  return i < n ? i + 1 : n;
}

/* The end of the value at s[i] (text cJSON accepted, so brackets balance). */
static size_t skip_value(const uint8_t *s, size_t i, size_t n) {
  if (i >= n) return n;
  if (s[i] == '"') return skip_string(s, i, n);
  if (s[i] == '{' || s[i] == '[') {
    size_t depth = 0;
    while (i < n) {
      uint8_t c = s[i];
      if (c == '"') {
        i = skip_string(s, i, n);
        continue;
      }
      if (c == '{' || c == '[') depth++;
      if ((c == '}' || c == ']') && --depth == 0) return i + 1;
      i++;
    }
    return n;
  }
  while (i < n && s[i] > ' ' && s[i] != ',' && s[i] != '}' && s[i] != ']') i++;
  return i;
}

/* The child indexes from root down to item: depth of item, or -1. */
static int path_to(const cJSON *node, const cJSON *item, unsigned *path, int depth) {
  if (node == item) return depth;
  if (depth >= VL_MAX_JSON_DEPTH) return -1;
  unsigned k = 0;
  for (const cJSON *c = node->child; c; c = c->next, k++) {
    path[depth] = k;
    int d = path_to(c, item, path, depth + 1);
    if (d >= 0) return d;
  }
  return -1;
}

vl_status vl_json_source(const uint8_t *text, size_t len, const cJSON *root, const cJSON *item, uint8_t **out,
                         size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  unsigned path[VL_MAX_JSON_DEPTH];
  int depth = root && item ? path_to(root, item, path, 0) : -1;
  if (depth < 0) return VL_ERR_FORMAT;
  size_t i = 0;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) i = 3; /* cJSON skips a UTF-8 BOM */
  i = skip_ws(text, i, len);
  const cJSON *node = root;
  for (int level = 0; level < depth; level++) {
    int obj = cJSON_IsObject(node);
    if (i >= len || text[i] != (obj ? '{' : '[')) return VL_ERR_FORMAT;
    node = node->child;
    for (unsigned k = 0; k < path[level]; k++) node = node->next;
    i = skip_ws(text, i + 1, len);
    for (unsigned k = 0;; k++) {
      if (obj) { /* "key" : */
        if (i >= len || text[i] != '"') return VL_ERR_FORMAT;
        i = skip_ws(text, skip_string(text, i, len), len);
        if (i >= len || text[i] != ':') return VL_ERR_FORMAT;
        i = skip_ws(text, i + 1, len);
      }
      if (k == path[level]) break;
      i = skip_ws(text, skip_value(text, i, len), len);
      if (i >= len || text[i] != ',') return VL_ERR_FORMAT;
      i = skip_ws(text, i + 1, len);
    }
  }
  if (i >= len) return VL_ERR_FORMAT;
  size_t end = skip_value(text, i, len);
  /* Copy without the whitespace between tokens. */
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_reserve(&b, end - i);
  size_t run = i;
  while (i < end) {
    if (text[i] == '"') {
      i = skip_string(text, i, end);
    } else if (text[i] <= ' ') {
      vl_buf_put(&b, text + run, i - run);
      i = skip_ws(text, i, end);
      run = i;
    } else {
      i++;
    }
  }
  vl_buf_put(&b, text + run, end - run);
  if (b.failed) {
    vl_buf_free(&b);
    return VL_ERR_NOMEM;
  }
  *out = vl_buf_take(&b, out_len);
  return *out ? VL_OK : VL_ERR_NOMEM;
}
