/* cJSON's number reader (cJSON.c is built with strtod=vl_json_strtod; this
 * file is compiled into the cjson library), and the decimal scaling the
 * writer in json.c shares: the C library's strtod brings 7 KB of decimal
 * scanning and 128-bit soft float. See json.h for the precision. */
#include <stdint.h>

#include "json.h"

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* s + e = a + b exactly (Knuth). */
static void two_sum(double a, double b, double *s, double *e) {
  *s = a + b;
  double bb = *s - a;
  *e = (a - (*s - bb)) + (b - bb);
}

/* hi + lo times or divided by 10, carrying about 100 bits: 10a = 8a + 2a,
 * both exact, so the product's rounding error is kept in lo. */
static void times10(double *hi, double *lo) {
  double s, e;
  two_sum(*hi * 8, *hi * 2, &s, &e);
  two_sum(s, e + *lo * 10, hi, lo);
}

static void div10(double *hi, double *lo) {
  double q = *hi / 10, p, pe;
  two_sum(q * 8, q * 2, &p, &pe); /* 10q exactly */
  double r = ((*hi - p) - pe) + *lo;
  two_sum(q, r / 10, hi, lo);
}

double vl_json_scale10(double hi, double lo, int e, double *out_lo) {
  double sign = hi < 0 ? -1 : 1;
  for (; e > 0; e--) {
    times10(&hi, &lo);
    if (!(hi - hi == 0)) { /* overflowed */
      hi = sign * __builtin_inf();
      lo = 0;
      break;
    }
  }
  for (; e < 0 && hi != 0; e++) div10(&hi, &lo);
  if (out_lo) *out_lo = lo;
  return hi;
}

double vl_json_strtod(const char *s, char **end) {
  static const double exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char *p = s;
  int neg = 0;
  if (*p == '-' || *p == '+') neg = *p++ == '-';
  uint64_t m = 0;
  long e10 = 0;
  int any = 0;
  for (; is_digit(*p); p++, any = 1) {
    if (m < 1000000000000000000u) /* 19 digits kept, the rest only counted */
      m = m * 10 + (uint64_t)(*p - '0');
    else
      e10++;
  }
  if (*p == '.') {
    const char *q = p + 1;
    int frac = 0;
    for (; is_digit(*q); q++, frac = 1) {
      if (m < 1000000000000000000u) {
        m = m * 10 + (uint64_t)(*q - '0');
        e10--;
      }
    }
    if (any || frac) p = q; /* "1." and ".5" are numbers, "." is not */
    any = any || frac;
  }
  if (!any) {
    if (end) *end = (char *)s;
    return 0;
  }
  if (*p == 'e' || *p == 'E') {
    const char *q = p + 1;
    int eneg = 0;
    if (*q == '-' || *q == '+') eneg = *q++ == '-';
    if (is_digit(*q)) {
      long x = 0;
      for (; is_digit(*q); q++)
        if (x < 100000) x = x * 10 + (*q - '0');
      e10 += eneg ? -x : x;
      p = q;
    }
  }
  if (end) *end = (char *)p;
  double d;
  if (m == 0 || e10 < -400) {
    d = 0;
  } else if (e10 > 400) {
    d = __builtin_inf();
  } else if (m < (1ull << 53) && e10 >= -22 && e10 <= 22) {
    d = e10 < 0 ? (double)m / exact[-e10] : (double)m * exact[e10]; /* one rounding: exact */
  } else {
    double hi = (double)m; /* m in two exact parts */
    uint64_t h = (uint64_t)hi;
    double lo = h >= m ? -(double)(h - m) : (double)(m - h);
    hi = vl_json_scale10(hi, lo, (int)e10, &lo);
    d = hi + lo;
  }
  return neg ? -d : d;
}
