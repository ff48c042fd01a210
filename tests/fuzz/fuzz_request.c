/* libFuzzer: the request wire format and a whole resolve over it. Any input
 * either fails cleanly or renders a request that decodes again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "reqcodec.h"
#include "vaultlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vl_vault *vault(void) {
  static vl_vault *v;
  if (v) return v;
  v = vl_vault_new(NULL);
  static const char *const defs[][3] = {
      {"a", "{\"source\":{\"provider\":\"local\"}}", "A{{vault:b}}"},
      {"b", "{\"source\":{\"provider\":\"local\"},\"domains\":[\"*.x.com\"]}", "B"},
      {"c", "{\"source\":{\"provider\":\"local\"},\"enabled\":false}", "C"},
  };
  for (size_t i = 0; i < 3; i++)
    vl_vault_link(v, (const uint8_t *)defs[i][0], strlen(defs[i][0]), (const uint8_t *)defs[i][1], strlen(defs[i][1]),
                  (const uint8_t *)defs[i][2], strlen(defs[i][2]));
  return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Prefix the magic so most inputs reach the field parser. */
  uint8_t *frame = malloc(size + 4);
  memcpy(frame, "VLR1", 4);
  if (size) memcpy(frame + 4, data, size);
  for (uint32_t flags = 0; flags < 2; flags++) {
    vl_resolve *r = NULL;
    if (vl_resolve_begin(vault(), frame, size + 4, flags, 0, &r) != VL_OK) break;
    uint8_t *out = NULL, *report = NULL;
    size_t out_len = 0, report_len = 0;
    if (vl_resolve_render(r, 0, &out, &out_len, &report, &report_len) == VL_OK) {
      vl_request req;
      char err[128];
      if (vl_request_decode(out, out_len, &req, err, sizeof err) != VL_OK) abort();
      if (report_len < 2 || report[0] != '[' || report[report_len - 1] != ']') abort();
      vl_request_clear(&req);
    }
    vl_free(out);
    vl_free(report);
    vl_resolve_free(r);
  }
  free(frame);
  return 0;
}
