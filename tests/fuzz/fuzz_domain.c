/* libFuzzer: allowed-domain entries and strict URL origins. The first byte
 * splits the input into an entry and a URL. Invariants: no crash, an
 * undetermined origin never matches, a match implies the host is ASCII; the
 * refusal's explanation stays in its buffer, NUL-terminated, whatever the name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t split = data[0] < size ? data[0] : size - 1;
  const uint8_t *entry = data + 1, *url = data + 1 + split;
  size_t entry_len = split > size - 1 ? size - 1 : split, url_len = size - 1 - entry_len;
  url = data + 1 + entry_len;
  vl_domain d;
  char err[160];
  vl_origin o;
  vl_origin_parse(url, url_len, &o);
  (void)vl_origin_region_end(url, url_len);
  if (vl_domain_parse(entry, entry_len, &d, err, sizeof err) != VL_OK) return 0;
  int m = vl_domain_match(&d, &o);
  if (m && !o.determined) abort();
  char why[VL_DOMAIN_EXPLAIN_BYTES + 1];
  why[VL_DOMAIN_EXPLAIN_BYTES] = 'G'; /* a guard byte past the size given */
  vl_domain_explain(url, url_len, &d, 1, &o, data[0] & 1, why, VL_DOMAIN_EXPLAIN_BYTES);
  if (why[VL_DOMAIN_EXPLAIN_BYTES] != 'G' || strlen(why) >= VL_DOMAIN_EXPLAIN_BYTES) abort();
  for (size_t i = 0; m && i < o.host_len; i++)
    if ((unsigned char)o.host[i] >= 0x80 || o.host[i] == '@' || o.host[i] == '%') abort();
  return 0;
}
