#include "template.h"

#include <string.h>

int vl_template_next(const uint8_t *s, size_t n, size_t *pos, vl_token *tok) {
  size_t i = *pos;
  while (i + 4 <= n) {
    const uint8_t *open = memchr(s + i, '{', n - i - 3);
    if (!open) return 0;
    i = (size_t)(open - s);
    if (s[i + 1] != '{') {
      i += 1;
      continue;
    }
    /* Content: a run of bytes that are neither '{' nor '}', then "}}". */
    size_t j = i + 2;
    while (j < n && s[j] != '{' && s[j] != '}') j++;
    if (j + 1 < n && s[j] == '}' && s[j + 1] == '}') {
      tok->start = i;
      tok->end = j + 2;
      size_t c = i + 2, clen = j - c;
      tok->is_vault = clen >= VL_VAULT_PREFIX_LEN && memcmp(s + c, VL_VAULT_PREFIX, VL_VAULT_PREFIX_LEN) == 0;
      tok->name_off = tok->is_vault ? c + VL_VAULT_PREFIX_LEN : c;
      tok->name_len = tok->is_vault ? clen - VL_VAULT_PREFIX_LEN : clen;
      *pos = j + 2;
      return 1;
    }
    if (j >= n) return 0;
    /* No match can start inside the brace-free run: the next candidate is the
     * brace that stopped it ("{{{x}}" matches at offset 1) or the byte after. */
    i = (s[j] == '{') ? (j - 1 > i ? j - 1 : i + 1) : j + 1;
  }
  return 0;
}
