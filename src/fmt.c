#include "fmt.h"

#include <stdint.h>

typedef struct {
  char *out;
  size_t cap; /* bytes that may be written, the NUL excluded */
  size_t len; /* bytes the whole text has so far */
} sink;

static void put(sink *s, char c) {
  if (s->len < s->cap) s->out[s->len] = c;
  s->len++;
}

static void put_n(sink *s, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) put(s, p[i]);
}

static void pad(sink *s, char c, size_t n) {
  for (size_t i = 0; i < n; i++) put(s, c);
}

/* Writes body[0..n) in a field of width w: left-aligned, or right-aligned
 * with zeros after the sign (zero) or spaces before everything. */
static void field(sink *s, const char *sign, const char *body, size_t n, size_t w, int left, int zero) {
  size_t sn = sign ? 1 : 0;
  size_t fill = w > n + sn ? w - n - sn : 0;
  if (!left && !zero) pad(s, ' ', fill);
  if (sign) put(s, *sign);
  if (!left && zero) pad(s, '0', fill);
  put_n(s, body, n);
  if (left) pad(s, ' ', fill);
}

/* Digits of v in base 10 or 16, at least prec of them. Returns the count;
 * they end at end (exclusive). */
static size_t digits(char *end, uintmax_t v, unsigned base, int upper, size_t prec) {
  const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  size_t n = 0;
  for (; v != 0; n++) {
    *--end = d[base == 16 ? (v & 15) : v % 10];
    v = base == 16 ? v >> 4 : v / 10;
  }
  while (n < prec) {
    *--end = '0';
    n++;
  }
  return n;
}

int vl_vsnprintf(char *out, size_t n, const char *fmt, va_list ap) {
  sink s = {out, n ? n - 1 : 0, 0};
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') {
      put(&s, *p);
      continue;
    }
    p++;
    int left = 0, zero = 0;
    for (;; p++) {
      if (*p == '-')
        left = 1;
      else if (*p == '0')
        zero = 1;
      else
        break;
    }
    size_t width = 0;
    if (*p == '*') {
      int w = va_arg(ap, int);
      if (w < 0) {
        left = 1;
        w = -w;
      }
      width = (size_t)w;
      p++;
    } else {
      while (*p >= '0' && *p <= '9') width = width * 10 + (size_t)(*p++ - '0');
    }
    int has_prec = 0;
    size_t prec = 0;
    if (*p == '.') {
      has_prec = 1;
      p++;
      if (*p == '*') {
        int q = va_arg(ap, int);
        if (q < 0) has_prec = 0; /* a negative precision is taken as none */
        prec = q < 0 ? 0 : (size_t)q;
        p++;
      } else {
        while (*p >= '0' && *p <= '9') prec = prec * 10 + (size_t)(*p++ - '0');
      }
    }
    int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t; hh and h read an int */
    for (;; p++) {
      if (*p == 'h')
        continue;
      else if (*p == 'l')
        lng = lng ? 2 : 1;
      else if (*p == 'z')
        lng = 3;
      else
        break;
    }
    char num[3 * sizeof(uintmax_t) + 2];
    char *end = num + sizeof num;
    switch (*p) {
      case 's': {
        const char *str = va_arg(ap, const char *);
        if (!str) str = "(null)";
        size_t len = 0;
        while ((!has_prec || len < prec) && str[len]) len++;
        field(&s, NULL, str, len, width, left, 0);
        break;
      }
      case 'c': {
        char c = (char)va_arg(ap, int);
        field(&s, NULL, &c, 1, width, left, 0);
        break;
      }
      case 'd':
      case 'i': {
        intmax_t v = lng == 2   ? va_arg(ap, long long)
                     : lng == 1 ? va_arg(ap, long)
                     : lng == 3 ? (intmax_t)va_arg(ap, size_t)
                                : va_arg(ap, int);
        uintmax_t m = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
        size_t k = digits(end, m, 10, 0, has_prec ? prec : 1);
        field(&s, v < 0 ? "-" : NULL, end - k, k, width, left, zero && !has_prec);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        uintmax_t v = lng == 2   ? va_arg(ap, unsigned long long)
                      : lng == 1 ? va_arg(ap, unsigned long)
                      : lng == 3 ? va_arg(ap, size_t)
                                 : va_arg(ap, unsigned);
        size_t k = digits(end, v, *p == 'u' ? 10 : 16, *p == 'X', has_prec ? prec : 1);
        field(&s, NULL, end - k, k, width, left, zero && !has_prec);
        break;
      }
      case '%': put(&s, '%'); break;
      case '\0':
        p--; /* a lone '%' at the end: stop at the NUL */
        break;
      default:
        put(&s, '?'); /* not supported here (see fmt.h): stop, since its argument cannot be skipped */
        goto done;
    }
  }
done:
  if (n) out[s.len < s.cap ? s.len : s.cap] = '\0';
  return s.len > INT32_MAX ? INT32_MAX : (int)s.len;
}

int vl_snprintf(char *out, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vl_vsnprintf(out, n, fmt, ap);
  va_end(ap);
  return r;
}
