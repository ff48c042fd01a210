/* libFuzzer: the validators that decide which provider text a detail may
 * quote (src/providers/quote.c). The first byte picks the validator, the rest
 * is the text. Checks: no crash or out-of-bounds read (the input is not
 * NUL-terminated), and whatever validates has the grammar's shape: only the
 * bytes it allows, in the lengths it allows. */
#include <stdlib.h>
#include <string.h>

#include "providers/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int only(const uint8_t *p, size_t n, const char *allowed) {
  for (size_t i = 0; i < n; i++)
    if (!p[i] || !strchr(allowed, p[i])) return 0;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const uint8_t *p = data + 1;
  size_t n = size - 1;
  /* A copy of exactly n bytes on the heap: ASan catches any read past it. */
  char *s = malloc(n ? n : 1);
  if (!s) return 0;
  memcpy(s, p, n);
  switch (data[0] % 9) {
    case 0:
      if (vl_valid_rfc3339(s, n) && (n < 20 || n > 35 || !only(p, n, "0123456789-:.TtZz+"))) abort();
      break;
    case 1:
      if (vl_valid_uint(s, n, 10) && (n < 1 || n > 10 || !only(p, n, "0123456789"))) abort();
      break;
    case 2:
      if (vl_valid_http_date(s, n) && (n != 29 || !only(p, n, "0123456789 ,:ADFGJMNOSTWabcdeghilnoprtuvy"))) abort();
      break;
    case 3:
      if (vl_valid_uuid(s, n) && (n != 36 || !only(p, n, "0123456789abcdefABCDEF-"))) abort();
      break;
    case 4: {
      static const char *const names[] = {"kv", "generic", "pki", NULL};
      if (vl_valid_enum(s, n, names) && !(n == 2 || n == 3 || n == 7)) abort();
      break;
    }
    case 6:
      if (vl_valid_arn(s, n) &&
          (n < 8 || n > 200 || memcmp(p, "arn:", 4) != 0 ||
           !only(p, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:/_+=,.@-")))
        abort();
      break;
    case 7:
      if (vl_valid_plain_name(s, n) &&
          (n < 1 || n > 64 || !only(p, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.@-")))
        abort();
      break;
    case 8:
      if (vl_valid_upn(s, n) && (n < 3 || n > 100 || !memchr(p, '@', n) ||
                                 !only(p, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+#-@")))
        abort();
      break;
    default: {
      vl_slice v = {(const uint8_t *)s, n};
      char buf[40];
      const char *q = vl_quote_retry_after(&v, buf, sizeof buf);
      if (!q || (q != buf && strcmp(q, VL_UNEXPECTED) != 0)) abort();
      if (q == buf && !only((const uint8_t *)buf, strlen(buf), "0123456789 ,:ADFGJMNOSTWabcdeghilnoprstuvy")) abort();
      break;
    }
  }
  free(s);
  return 0;
}
