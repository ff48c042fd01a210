/* libFuzzer: the request wire format and a whole resolve over it. Any input
 * either fails cleanly or renders a request that decodes again; and when the
 * text fields are UTF-8 (as the JS shim sends them), the patch output spliced
 * into the template gives exactly the full render. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../c/patchhelp.h"
#include "buf.h"
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

static int text_is_utf8(const vl_request *t) {
  if (!vl_utf8_valid(t->url.p, t->url.n)) return 0;
  for (size_t i = 0; i < t->header_count; i++)
    if (!vl_utf8_valid(t->headers[i].name.p, t->headers[i].name.n) ||
        !vl_utf8_valid(t->headers[i].value.p, t->headers[i].value.n))
      return 0;
  return t->body_kind == VL_BODY_BYTES || vl_utf8_valid(t->body.p, t->body.n);
}

/* The same resolve as patches must rebuild `full` byte for byte. */
static void check_patch(const uint8_t *frame, size_t len, const uint8_t *full, size_t full_len) {
  vl_request tpl;
  char err[128];
  if (vl_request_decode(frame, len, &tpl, err, sizeof err) != VL_OK) abort();
  if (text_is_utf8(&tpl)) {
    vl_resolve *r = NULL;
    uint8_t *patch = NULL, *report = NULL, *rebuilt = NULL;
    size_t patch_len = 0, report_len = 0, rebuilt_len = 0;
    if (vl_resolve_begin(vault(), frame, len, VL_RESOLVE_PATCH, 0, &r) != VL_OK) abort();
    if (vl_resolve_render(r, 0, &patch, &patch_len, &report, &report_len) == VL_OK) {
      rebuilt = patch_apply(&tpl, patch, patch_len, &rebuilt_len);
      if (!rebuilt || rebuilt_len != full_len || memcmp(rebuilt, full, full_len) != 0) abort();
    }
    vl_free(rebuilt);
    vl_free(patch);
    vl_free(report);
    vl_resolve_free(r);
  }
  vl_request_clear(&tpl);
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
      if (flags == 0) check_patch(frame, size + 4, out, out_len);
    }
    vl_free(out);
    vl_free(report);
    vl_resolve_free(r);
  }
  free(frame);
  return 0;
}
