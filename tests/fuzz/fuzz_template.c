/* libFuzzer: the {{…}} scanner. Invariants: matches are in bounds, ordered,
 * non-overlapping, shaped "{{" [^{}]* "}}", and the vault name lies inside. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t pos = 0, prev_end = 0;
  vl_token t;
  while (vl_template_next(data, size, &pos, &t)) {
    if (t.start < prev_end || t.end > size || t.end < t.start + 4 || pos != t.end) abort();
    if (data[t.start] != '{' || data[t.start + 1] != '{' || data[t.end - 1] != '}' || data[t.end - 2] != '}') abort();
    for (size_t i = t.start + 2; i < t.end - 2; i++)
      if (data[i] == '{' || data[i] == '}') abort();
    if (t.name_off < t.start + 2 || t.name_off + t.name_len != t.end - 2) abort();
    if (t.is_vault && memcmp(data + t.start + 2, "vault:", 6) != 0) abort();
    prev_end = t.end;
  }
  return 0;
}
