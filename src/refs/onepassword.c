/* The op:// secret reference grammar; see refs/onepassword.h. */
#include "refs/onepassword.h"

#include <string.h>

#include "buf.h"
#include "fmt.h"

static const char *const attributes[] = {"otp",   "totp",  "value",   "type", "id",  "purpose",
                                         "label", "title", "content", "size", "name"};

static char lower(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int ieq(const char *a, size_t n, const char *b) {
  if (strlen(b) != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower(a[i]) != lower(b[i])) return 0;
  return 1;
}

static int name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == ' ';
}

int vl_opref_is_id(const char *p, size_t n) {
  if (n != 26) return 0;
  for (size_t i = 0; i < n; i++)
    if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9'))) return 0;
  return 1;
}

static vl_status fail(char *err, size_t errlen, const char *ref, size_t len, const char *fmt, size_t pos) {
  char what[120];
  vl_snprintf(what, sizeof what, fmt, pos);
  /* Only the head of the reference: a string that does not parse may be a
   * secret pasted in the wrong place. */
  char copy[VL_QUOTE_HEAD + 2], head[VL_QUOTE_MAX];
  size_t k = len < VL_QUOTE_HEAD + 1 ? len : VL_QUOTE_HEAD + 1; /* one byte more, so "…" shows there is more */
  if (k) memcpy(copy, ref, k);
  copy[k] = 0;
  vl_quote_head(head, copy);
  vl_snprintf(err, errlen, "%s, in op reference %s", what, head);
  return VL_ERR_REFERENCE;
}

/* Checks one name segment starting at byte `at` of the reference. */
static vl_status check_name(const char *ref, size_t len, size_t at, size_t n, char *err, size_t errlen) {
  if (n == 0) return fail(err, errlen, ref, len, "empty name at byte %zu", at);
  if (n > VL_OPREF_MAX_NAME) return fail(err, errlen, ref, len, "name at byte %zu is over 256 bytes", at);
  if (ref[at] == ' ') return fail(err, errlen, ref, len, "name at byte %zu starts with a space", at);
  if (ref[at + n - 1] == ' ') return fail(err, errlen, ref, len, "name ends with a space at byte %zu", at + n - 1);
  for (size_t i = 0; i < n; i++)
    if (!name_char(ref[at + i]))
      return fail(err, errlen, ref, len,
                  "character at byte %zu is not allowed in a name (A-Z a-z 0-9 - _ . and space; use the ID instead)",
                  at + i);
  return VL_OK;
}

/* Parses the query (after '?'), which starts at byte `at`. */
static vl_status parse_query(const char *ref, size_t len, size_t at, vl_opref *out, char *err, size_t errlen) {
  int seen_attr = 0, seen_ssh = 0;
  size_t i = at;
  for (;;) {
    size_t k = i;
    while (i < len && ref[i] != '=' && ref[i] != '&') i++;
    if (i >= len || ref[i] != '=')
      return fail(err, errlen, ref, len, "query parameter at byte %zu has no '=' (attribute=… or ssh-format=…)", k);
    size_t key_n = i - k, v = ++i;
    while (i < len && ref[i] != '&') i++;
    size_t v_n = i - v;
    if (v_n == 0) return fail(err, errlen, ref, len, "empty query value at byte %zu", v);
    if (ieq(ref + k, key_n, "attribute")) {
      if (seen_attr++) return fail(err, errlen, ref, len, "\"attribute\" given twice (byte %zu)", k);
      size_t a = 0;
      while (a < sizeof attributes / sizeof attributes[0] && !ieq(ref + v, v_n, attributes[a])) a++;
      if (a == sizeof attributes / sizeof attributes[0])
        return fail(err, errlen, ref, len,
                    "unknown attribute at byte %zu (otp, totp, value, type, id, purpose, label, title, content, size, "
                    "name)",
                    v);
      out->attribute.p = ref + v;
      out->attribute.n = v_n;
      vl_snprintf(out->attr_lc, sizeof out->attr_lc, "%s", attributes[a]);
    } else if (ieq(ref + k, key_n, "ssh-format")) {
      if (seen_ssh++) return fail(err, errlen, ref, len, "\"ssh-format\" given twice (byte %zu)", k);
      if (!ieq(ref + v, v_n, "openssh"))
        return fail(err, errlen, ref, len, "ssh-format at byte %zu must be \"openssh\"", v);
      out->ssh_openssh = 1;
    } else {
      return fail(err, errlen, ref, len, "unknown query parameter at byte %zu (attribute, ssh-format)", k);
    }
    if (i >= len) return VL_OK;
    i++; /* '&' */
  }
}

vl_status vl_opref_parse(const char *ref, size_t len, vl_opref *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (err && errlen) err[0] = 0;
  if (!ref) return fail(err, errlen, "", 0, "no reference (byte %zu)", 0);
  if (len > VL_OPREF_MAX_BYTES) return fail(err, errlen, ref, len, "longer than 1024 bytes (byte %zu)", 1024);
  if (memchr(ref, 0, len))
    return fail(err, errlen, ref, len, "NUL byte at %zu", (size_t)((const char *)memchr(ref, 0, len) - ref));
  if (len < 5 || !ieq(ref, 5, "op://"))
    return fail(err, errlen, ref, len, "bad scheme: must start with \"op://\" (byte %zu)", 0);
  const char *q = memchr(ref, '?', len);
  size_t path_end = q ? (size_t)(q - ref) : len;
  size_t start[5], n[5], count = 0, at = 5;
  for (;;) {
    size_t e = at;
    while (e < path_end && ref[e] != '/') e++;
    if (count == 4)
      return fail(err, errlen, ref, len, "too many segments: a fifth starts at byte %zu (vault/item/[section/]field)",
                  at);
    start[count] = at;
    n[count++] = e - at;
    if (e >= path_end) break;
    at = e + 1;
  }
  if (count < 3)
    return fail(err, errlen, ref, len, "too few segments (need vault/item/field); the reference ends at byte %zu",
                path_end);
  for (size_t i = 0; i < count; i++) {
    vl_status st = check_name(ref, len, start[i], n[i], err, errlen);
    if (st) return st;
  }
  vl_opref_part parts[4];
  for (size_t i = 0; i < count; i++) parts[i] = (vl_opref_part){ref + start[i], n[i]};
  out->vault = parts[0];
  out->item = parts[1];
  if (count == 4) out->section = parts[2];
  out->field = parts[count - 1];
  if (q) {
    vl_status st = parse_query(ref, len, path_end + 1, out, err, errlen);
    if (st) {
      memset(out, 0, sizeof *out);
      return st;
    }
  }
  return VL_OK;
}
