#include "policy.h"

#include <string.h>

#include "fmt.h"
#include "template.h"

static uint8_t lower(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static int is_host_char(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

static int is_digit(uint8_t c) {
  return c >= '0' && c <= '9';
}

/* Canonical dotted-quad: four decimal parts 0..255 without leading zeros. */
static int is_canonical_ipv4(const char *h, size_t n) {
  int parts = 0;
  size_t i = 0;
  while (i <= n) {
    size_t start = i;
    unsigned v = 0;
    while (i < n && is_digit((uint8_t)h[i])) v = v * 10 + (unsigned)(h[i++] - '0');
    size_t len = i - start;
    if (len == 0 || len > 3 || v > 255 || (len > 1 && h[start] == '0')) return 0;
    parts++;
    if (i == n) break;
    if (h[i] != '.') return 0;
    i++;
  }
  return parts == 4;
}

/* The last label is numeric (digits or 0x…): WHATWG parses the host as IPv4. */
static int looks_numeric(const char *h, size_t n) {
  size_t start = n;
  while (start > 0 && h[start - 1] != '.') start--;
  if (start == n) return 0;
  if (n - start >= 2 && h[start] == '0' && (h[start + 1] == 'x' || h[start + 1] == 'X')) return 1;
  for (size_t i = start; i < n; i++)
    if (!is_digit((uint8_t)h[i])) return 0;
  return 1;
}

/* Validates and lowercases a host (no port). 0 if it is not a plain DNS name,
 * canonical IPv4 or bracketed IPv6 literal. */
static int normalize_host(const uint8_t *s, size_t n, char *out, size_t *out_len) {
  if (n == 0 || n > VL_MAX_DOMAIN_BYTES + 2) return 0;
  if (s[0] == '[') {
    if (n < 3 || s[n - 1] != ']') return 0;
    for (size_t i = 1; i + 1 < n; i++) {
      uint8_t c = lower(s[i]);
      if (!(is_digit(c) || (c >= 'a' && c <= 'f') || c == ':' || c == '.')) return 0;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      uint8_t c = lower(s[i]);
      if (!is_host_char(c)) return 0;
      if (c == '.' && (i == 0 || i + 1 == n || s[i - 1] == '.')) return 0; /* empty label */
    }
  }
  for (size_t i = 0; i < n; i++) out[i] = (char)lower(s[i]);
  out[n] = 0;
  *out_len = n;
  if (out[0] != '[' && looks_numeric(out, n) && !is_canonical_ipv4(out, n)) return 0;
  return 1;
}

static int parse_port(const uint8_t *s, size_t n, int32_t *port) {
  if (n == 0) {
    *port = -1;
    return 1;
  }
  if (n > 5) return 0;
  int32_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit(s[i])) return 0;
    v = v * 10 + (s[i] - '0');
  }
  if (v > 65535) return 0;
  *port = v;
  return 1;
}

/* Splits "host[:port]" (host may be [v6]). Returns 0 if malformed. */
static int split_host_port(const uint8_t *s, size_t n, size_t *host_len, const uint8_t **port, size_t *port_len) {
  size_t h = n;
  if (n && s[0] == '[') {
    const uint8_t *close = memchr(s, ']', n);
    if (!close) return 0;
    h = (size_t)(close - s) + 1;
    if (h < n && s[h] != ':') return 0;
  } else {
    const uint8_t *colon = memchr(s, ':', n);
    if (colon) h = (size_t)(colon - s);
  }
  *host_len = h;
  *port = h < n ? s + h + 1 : s + n;
  *port_len = h < n ? n - h - 1 : 0;
  return 1;
}

static int scheme_of(const uint8_t *s, size_t n, uint8_t *scheme) {
  if (n == 4 && lower(s[0]) == 'h' && lower(s[1]) == 't' && lower(s[2]) == 't' && lower(s[3]) == 'p') {
    *scheme = VL_SCHEME_HTTP;
    return 1;
  }
  if (n == 5 && lower(s[0]) == 'h' && lower(s[1]) == 't' && lower(s[2]) == 't' && lower(s[3]) == 'p' &&
      lower(s[4]) == 's') {
    *scheme = VL_SCHEME_HTTPS;
    return 1;
  }
  return 0;
}

static const uint8_t *find_sep(const uint8_t *s, size_t n) {
  for (size_t i = 0; i + 2 < n; i++)
    if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') return s + i;
  return NULL;
}

vl_status vl_domain_parse(const uint8_t *s, size_t n, vl_domain *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  out->scheme = VL_SCHEME_HTTPS;
  out->port = -1;
  /* Trim surrounding spaces, as a comma-separated UI list would. */
  size_t a = 0, b = n;
  while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
  const uint8_t *p = s + a;
  size_t len = b - a, off = a;
  if (len == 0) {
    vl_snprintf(err, errlen, "domain entry is empty");
    return VL_ERR_FORMAT;
  }
  const uint8_t *sep = find_sep(p, len);
  if (sep) {
    size_t sl = (size_t)(sep - p);
    if (!scheme_of(p, sl, &out->scheme)) {
      vl_snprintf(err, errlen, "domain entry: scheme at byte %zu is not http or https", off);
      return VL_ERR_FORMAT;
    }
    out->explicit_scheme = 1;
    p += sl + 3;
    len -= sl + 3;
    off += sl + 3;
  }
  size_t auth = 0;
  while (auth < len && p[auth] != '/' && p[auth] != '?' && p[auth] != '#') auth++;
  if (auth < len && p[auth] != '/') {
    vl_snprintf(err, errlen, "domain entry: unexpected '%c' at byte %zu", p[auth], off + auth);
    return VL_ERR_FORMAT;
  }
  if (memchr(p, '@', auth)) {
    vl_snprintf(err, errlen, "domain entry: user info ('@') at byte %zu is not allowed",
                off + (size_t)((const uint8_t *)memchr(p, '@', auth) - p));
    return VL_ERR_FORMAT;
  }
  if (auth >= 2 && p[0] == '*' && p[1] == '.') {
    out->wildcard = 1;
    p += 2;
    auth -= 2;
    off += 2;
  }
  size_t host_len = 0, port_len = 0;
  const uint8_t *port;
  if (!split_host_port(p, auth, &host_len, &port, &port_len) || !parse_port(port, port_len, &out->port) ||
      (port_len == 0 && host_len < auth)) {
    vl_snprintf(err, errlen, "domain entry: invalid port at byte %zu", off + host_len);
    return VL_ERR_FORMAT;
  }
  if (!normalize_host(p, host_len, out->host, &out->host_len)) {
    vl_snprintf(err, errlen,
                "domain entry: invalid host at byte %zu (use a DNS name, *.name, an IPv4 or [IPv6] "
                "address; non-ASCII names as punycode)",
                off);
    return VL_ERR_FORMAT;
  }
  return VL_OK;
}

size_t vl_origin_region_end(const uint8_t *url, size_t n) {
  size_t pos = 0, i = 0;
  vl_token t;
  int after_sep = 0;
  while (i < n) {
    size_t probe = i;
    if (url[i] == '{' && vl_template_next(url, n, &probe, &t) && t.start == i) {
      i = t.end; /* a token is opaque: its name may contain '/' */
      continue;
    }
    if (!after_sep) {
      if (url[i] == ':' && i + 2 < n && url[i + 1] == '/' && url[i + 2] == '/') {
        after_sep = 1;
        i += 3;
        continue;
      }
    } else if (url[i] == '/' || url[i] == '\\' || url[i] == '?' || url[i] == '#') {
      return i;
    }
    i++;
  }
  (void)pos;
  return n;
}

void vl_origin_parse(const uint8_t *url, size_t n, vl_origin *o) {
  memset(o, 0, sizeof *o);
  o->port = -1;
  /* The scheme must start the URL: browsers strip leading spaces and controls,
   * which we refuse rather than reproduce. */
  size_t i = 0;
  while (i < n && url[i] != ':') {
    uint8_t c = url[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i && (is_digit(c) || c == '+' || c == '-' || c == '.'))))
      return;
    i++;
  }
  if (i == n || !scheme_of(url, i, &o->scheme)) return;
  if (n - i < 3 || url[i + 1] != '/' || url[i + 2] != '/') return;
  size_t a = i + 3, e = a;
  while (e < n && url[e] != '/' && url[e] != '\\' && url[e] != '?' && url[e] != '#') e++;
  /* Refuse anything a browser could read as another host. */
  for (size_t k = a; k < e; k++) {
    uint8_t c = url[k];
    if (c <= 0x20 || c >= 0x7F || c == '@' || c == '%' || c == '{' || c == '}' || c == '"' || c == '<' || c == '>' ||
        c == '^' || c == '|' || c == '`')
      return;
  }
  /* A tab or newline anywhere is dropped by the URL parser and can join parts;
   * a backslash is a path separator to browsers but not to every client. */
  for (size_t k = 0; k < n; k++)
    if (url[k] == '\t' || url[k] == '\n' || url[k] == '\r' || url[k] == '\\') return;
  size_t host_len = 0, port_len = 0;
  const uint8_t *port;
  if (!split_host_port(url + a, e - a, &host_len, &port, &port_len)) return;
  if (!parse_port(port, port_len, &o->port)) return;
  if (!normalize_host(url + a, host_len, o->host, &o->host_len)) return;
  o->determined = 1;
}

int vl_domain_match(const vl_domain *d, const vl_origin *o) {
  if (!o->determined || d->scheme != o->scheme) return 0;
  if (d->port >= 0) {
    int32_t port = o->port >= 0 ? o->port : (o->scheme == VL_SCHEME_HTTPS ? 443 : 80);
    if (port != d->port) return 0;
  }
  if (o->host_len == d->host_len) return memcmp(o->host, d->host, d->host_len) == 0;
  if (!d->wildcard || o->host_len <= d->host_len) return 0;
  size_t at = o->host_len - d->host_len;
  return o->host[at - 1] == '.' && memcmp(o->host + at, d->host, d->host_len) == 0;
}

/* ------------------------------------------------ explaining a refusal --- */

enum { SHOWN = 60, SHOWN_NAME = 48 }; /* bytes of a host or a name quoted in a sentence */

typedef struct {
  char *p;
  size_t cap, len;
} sentence;

static void put(sentence *b, const char *s, size_t n) {
  size_t room = b->cap - 1 - b->len;
  if (n > room) n = room;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

static void put_str(sentence *b, const char *s) {
  put(b, s, strlen(s));
}

/* s, or its first bytes (on a UTF-8 boundary) and an ellipsis if longer than max. */
static void put_cut(sentence *b, const char *s, size_t n, size_t max) {
  if (n <= max) {
    put(b, s, n);
    return;
  }
  size_t k = max - 1;
  while (k > 0 && ((uint8_t)s[k] & 0xC0) == 0x80) k--;
  put(b, s, k);
  put_str(b, "\xE2\x80\xA6");
}

static void put_port(sentence *b, int32_t port) {
  char num[16];
  vl_snprintf(num, sizeof num, ":%d", (int)port);
  put_str(b, num);
}

static const char *scheme_name(uint8_t scheme) {
  return scheme == VL_SCHEME_HTTP ? "http" : "https";
}

static void put_origin(sentence *b, const vl_origin *o) {
  put_str(b, scheme_name(o->scheme));
  put_str(b, "://");
  put_cut(b, o->host, o->host_len, SHOWN);
  if (o->port >= 0) put_port(b, o->port);
}

/* The entry in its canonical written form. */
static void put_entry(sentence *b, const vl_domain *d) {
  put_str(b, "\"");
  if (d->explicit_scheme) {
    put_str(b, scheme_name(d->scheme));
    put_str(b, "://");
  }
  if (d->wildcard) put_str(b, "*.");
  put_cut(b, d->host, d->host_len, SHOWN);
  if (d->port >= 0) put_port(b, d->port);
  put_str(b, "\"");
}

/* The entry that allows exactly this origin. */
static void put_fix(sentence *b, const vl_origin *o) {
  put_str(b, " \xE2\x80\x94 add \"");
  if (o->scheme == VL_SCHEME_HTTP) put_str(b, "http://");
  put_cut(b, o->host, o->host_len, SHOWN);
  if (o->port >= 0) put_port(b, o->port);
  put_str(b, "\"");
}

static int host_matches(const vl_domain *d, const vl_origin *o) {
  if (o->host_len == d->host_len) return memcmp(o->host, d->host, d->host_len) == 0;
  if (!d->wildcard || o->host_len <= d->host_len) return 0;
  size_t at = o->host_len - d->host_len;
  return o->host[at - 1] == '.' && memcmp(o->host + at, d->host, d->host_len) == 0;
}

static int port_differs(const vl_domain *d, const vl_origin *o) {
  int32_t port = o->port >= 0 ? o->port : (o->scheme == VL_SCHEME_HTTPS ? 443 : 80);
  return d->port >= 0 && port != d->port;
}

enum { COMPARED = 64 }; /* trailing bytes of two hosts compared: the end of a name says most */

/* Edit distance between the last COMPARED bytes of two hosts. */
static size_t distance(const char *a, size_t an, const char *b, size_t bn) {
  if (an > COMPARED) {
    a += an - COMPARED;
    an = COMPARED;
  }
  if (bn > COMPARED) {
    b += bn - COMPARED;
    bn = COMPARED;
  }
  uint8_t row[COMPARED + 1];
  for (size_t j = 0; j <= bn; j++) row[j] = (uint8_t)j;
  for (size_t i = 1; i <= an; i++) {
    uint8_t diag = row[0];
    row[0] = (uint8_t)i;
    for (size_t j = 1; j <= bn; j++) {
      uint8_t up = row[j];
      unsigned best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1u < best) best = up + 1u;
      if (row[j - 1] + 1u < best) best = row[j - 1] + 1u;
      row[j] = (uint8_t)best;
      diag = up;
    }
  }
  return row[bn];
}

void vl_domain_explain(const uint8_t *name, size_t name_len, const vl_domain *d, size_t n, const vl_origin *o,
                       int in_origin, char *out, size_t outlen) {
  sentence b = {out, outlen, 0};
  out[0] = 0;
  put_str(&b, "\"{{vault:");
  put_cut(&b, (const char *)name, name_len, SHOWN_NAME);
  put_str(&b, "}}\" is not allowed");
  if (in_origin) {
    put_str(&b,
            " in the URL's scheme or host: a secret with allowed domains could change the host it is checked "
            "against (use it in the path, query, headers or body)");
    return;
  }
  if (!o->determined) {
    put_str(&b,
            ": the URL's host cannot be determined (it needs http:// or https://, and no user info, "
            "percent-encoding, backslash, token or non-canonical address in the host)");
    return;
  }
  if (o->from_values) {
    put_str(&b, ": the URL's host comes from another secret (not shown) and matches none of its allowed domains");
    return;
  }
  put_str(&b, " for ");
  put_origin(&b, o);
  if (n == 0) {
    put_str(&b, ": it has no allowed domains");
    return;
  }
  /* An entry for this host, the one differing in fewest ways (scheme, port)... */
  size_t best = n;
  int best_diffs = 3;
  for (size_t i = 0; i < n; i++) {
    if (!host_matches(&d[i], o)) continue;
    int diffs = (d[i].scheme != o->scheme) + port_differs(&d[i], o);
    if (diffs < best_diffs) {
      best = i;
      best_diffs = diffs;
    }
  }
  if (best < n) {
    const vl_domain *e = &d[best];
    int scheme = e->scheme != o->scheme, port = port_differs(e, o);
    put_str(&b, ": closest entry ");
    put_entry(&b, e);
    put_str(&b, scheme && !e->explicit_scheme ? " means " : " allows ");
    if (scheme) {
      put_str(&b, scheme_name(e->scheme));
      put_str(&b, " only");
      if (!e->explicit_scheme) put_str(&b, " (no scheme)");
    }
    if (scheme && port) put_str(&b, " and ");
    if (port) {
      char num[32];
      vl_snprintf(num, sizeof num, "port %d only", (int)e->port);
      put_str(&b, num);
    }
    if (!scheme && !port) put_str(&b, "it");
    put_fix(&b, o);
    return;
  }
  /* ...else the entry whose host is most alike. */
  size_t closest = 0, least = (size_t)-1;
  for (size_t i = 0; i < n; i++) {
    size_t dist = distance(o->host, o->host_len, d[i].host, d[i].host_len);
    if (dist < least) {
      least = dist;
      closest = i;
    }
  }
  char count[96];
  vl_snprintf(count, sizeof count, ": the host matches none of its %zu allowed domain%s; closest entry ", n,
              n == 1 ? "" : "s");
  put_str(&b, count);
  put_entry(&b, &d[closest]);
  put_fix(&b, o);
}
