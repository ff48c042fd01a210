/* libFuzzer: resolving a field out of a 1Password Connect item (JSON). The
 * first line of the input is an op:// reference, the rest the FullItem. Every
 * outcome is a value, a file to fetch, or a failure whose detail names the
 * reference; nothing leaks and nothing is left allocated. */
#include <cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "providers/onepassword.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vl_mem_install_cjson_hooks();
  const uint8_t *nl = memchr(data, '\n', size);
  if (!nl || (size_t)(nl - data) > 1024) return 0;
  char ref[1025];
  memcpy(ref, data, (size_t)(nl - data));
  ref[nl - data] = 0;
  const uint8_t *json = nl + 1;
  size_t json_len = size - (size_t)(json - data);
  size_t before = vl_mem_in_use();
  cJSON *params = NULL;
  char *canonical = NULL;
  char err[200];
  if (vl_provider_ops_for(VL_PROVIDER_1PASSWORD)->parse(NULL, ref, &params, &canonical, err, sizeof err) != VL_OK)
    return 0;
  vl_step_out out;
  memset(&out, 0, sizeof out);
  char *fid = NULL;
  vl_step_kind k = vl_onepassword_pick(json, json_len, params, canonical, 1700000000000ull, &out, &fid);
  if (k == VL_STEP_VALUE) {
    if (!out.value) abort();
    if (out.value_len > json_len) abort(); /* values come from the item (or a short code) */
  } else if (k == VL_STEP_JOB) {
    if (!fid) abort();
  } else if (k == VL_STEP_FAIL) {
    if (!strstr(out.detail, "1password:")) abort();
  } else {
    abort();
  }
  vl_free(out.value);
  vl_free(fid);
  cJSON_Delete(params);
  vl_free(canonical);
  if (vl_mem_in_use() != before) abort();
  return 0;
}
