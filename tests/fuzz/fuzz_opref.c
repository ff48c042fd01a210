/* libFuzzer: the op:// secret reference grammar. A reference is either
 * accepted with parts inside the input that obey the documented character
 * rules, or refused with a message that names a byte position. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refs/onepassword.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_part(const char *in, size_t size, vl_opref_part p, int required) {
  if (!p.p) {
    if (required) abort();
    return;
  }
  if (p.p < in || p.p + p.n > in + size || p.n == 0 || p.n > VL_OPREF_MAX_NAME) abort();
  if (p.p[0] == ' ' || p.p[p.n - 1] == ' ') abort();
  for (size_t i = 0; i < p.n; i++) {
    char c = p.p[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-_. ", c) != NULL))
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  vl_opref r;
  char err[200];
  vl_status st = vl_opref_parse(in, size, &r, err, sizeof err);
  if (st == VL_OK) {
    check_part(in, size, r.vault, 1);
    check_part(in, size, r.item, 1);
    check_part(in, size, r.section, 0);
    check_part(in, size, r.field, 1);
    if (r.attribute.p && !r.attr_lc[0]) abort();
  } else {
    if (st != VL_ERR_REFERENCE || !strstr(err, "byte")) abort();
    if (r.vault.p || r.field.p) abort(); /* nothing half-parsed */
  }
  return 0;
}
