/* Validators for the provider text that details may quote (quote.h). */
#include "providers/quote.h"

#include <string.h>

#include "fmt.h"

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

static int is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The n digits at s as a number, or -1 when one is not a digit. */
static long digits(const char *s, size_t n) {
  long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

static int leap(long y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(long y, long m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* A calendar date and a time of day, each field already read (-1 = not digits). */
static int valid_date_time(long y, long mo, long d, long h, long mi, long sec) {
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return 0;
  return d <= days_in(y, mo);
}

int vl_valid_rfc3339(const char *s, size_t n) {
  /* "YYYY-MM-DDTHH:MM:SS" is 19 bytes; then an optional fraction and the offset. */
  if (!s || n < 20 || n > 35) return 0;
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') return 0;
  if (!valid_date_time(digits(s, 4), digits(s + 5, 2), digits(s + 8, 2), digits(s + 11, 2), digits(s + 14, 2),
                       digits(s + 17, 2)))
    return 0;
  size_t i = 19;
  if (s[i] == '.') {
    size_t f = ++i;
    while (i < n && is_digit(s[i])) i++;
    if (i == f || i - f > 9) return 0;
  }
  if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) return 1;
  if (i + 6 != n || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':') return 0;
  long oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
  return oh >= 0 && oh <= 23 && om >= 0 && om <= 59;
}

int vl_valid_uint(const char *s, size_t n, size_t max_digits) {
  if (!s || n == 0 || n > max_digits) return 0;
  for (size_t i = 0; i < n; i++)
    if (!is_digit(s[i])) return 0;
  return 1;
}

/* The index of the 3-letter name at s in list (7 or 12 names), or -1. */
static int name_index(const char *s, const char *list, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (memcmp(s, list + 3 * i, 3) == 0) return (int)i;
  return -1;
}

int vl_valid_http_date(const char *s, size_t n) {
  /* "Sun, 06 Nov 1994 08:49:37 GMT" */
  if (!s || n != 29) return 0;
  if (name_index(s, "MonTueWedThuFriSatSun", 7) < 0 || memcmp(s + 3, ", ", 2) != 0 || s[7] != ' ' || s[11] != ' ' ||
      s[16] != ' ' || s[19] != ':' || s[22] != ':' || memcmp(s + 25, " GMT", 4) != 0)
    return 0;
  int month = name_index(s + 8, "JanFebMarAprMayJunJulAugSepOctNovDec", 12);
  if (month < 0) return 0;
  return valid_date_time(digits(s + 12, 4), month + 1, digits(s + 5, 2), digits(s + 17, 2), digits(s + 20, 2),
                         digits(s + 23, 2));
}

int vl_valid_uuid(const char *s, size_t n) {
  if (!s || n != 36) return 0;
  for (size_t i = 0; i < n; i++) {
    int dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return 0;
  }
  return 1;
}

int vl_valid_enum(const char *s, size_t n, const char *const *names) {
  for (size_t i = 0; s && names && names[i]; i++)
    if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) return 1;
  return 0;
}

/* 1 when each of s[0..n) is a letter, a digit or one of extra. */
static int charset(const char *s, size_t n, const char *extra) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c && strchr(extra, c))))
      return 0;
  }
  return 1;
}

int vl_valid_arn(const char *s, size_t n) {
  return s && n >= 8 && n <= 200 && memcmp(s, "arn:", 4) == 0 && charset(s, n, ":/_+=,.@-");
}

int vl_valid_plain_name(const char *s, size_t n) {
  return s && n >= 1 && n <= 64 && charset(s, n, "_.@-");
}

int vl_valid_upn(const char *s, size_t n) {
  if (!s || n < 3 || n > 100) return 0;
  size_t at = 0, ats = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '@') {
      at = i;
      ats++;
    }
  return ats == 1 && at > 0 && at + 1 < n && charset(s, at, "._+#-") && charset(s + at + 1, n - at - 1, "._+#-");
}

const char *vl_quote_rfc3339(const char *s) {
  return s && vl_valid_rfc3339(s, strlen(s)) ? s : VL_UNEXPECTED;
}

const char *vl_quote_enum(const char *s, const char *const *names) {
  return s && vl_valid_enum(s, strlen(s), names) ? s : VL_UNEXPECTED;
}

const char *vl_quote_uuid_or_enum(const char *s, const char *const *names) {
  if (!s) return VL_UNEXPECTED;
  size_t n = strlen(s);
  return vl_valid_uuid(s, n) || vl_valid_enum(s, n, names) ? s : VL_UNEXPECTED;
}

const char *vl_quote_retry_after(const vl_slice *value, char *buf, size_t buflen) {
  if (!value) return NULL;
  const char *s = (const char *)value->p;
  if (vl_valid_uint(s, value->n, 10))
    vl_snprintf(buf, buflen, "%.*s s", (int)value->n, s);
  else if (vl_valid_http_date(s, value->n))
    vl_snprintf(buf, buflen, "%.*s", (int)value->n, s);
  else
    return VL_UNEXPECTED;
  return buf;
}
