/* libFuzzer: link definitions (JSON) and names. Either the link is refused
 * with a message, or it is listed back as valid JSON. */
#include <cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "vaultlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t name_len = data[0] % 16 < size - 1 ? data[0] % 16 : size - 1;
  const uint8_t *name = data + 1, *def = data + 1 + name_len;
  size_t def_len = size - 1 - name_len;
  vl_vault *v = vl_vault_new(NULL);
  vl_status st = vl_vault_link(v, name, name_len, def, def_len, (const uint8_t *)"val", 3);
  if (st != VL_OK && vl_vault_last_error(v)[0] == 0) abort();
  uint8_t *list = NULL;
  size_t len = 0;
  if (vl_vault_list(v, &list, &len) != VL_OK) abort();
  cJSON *j = cJSON_ParseWithLength((const char *)list, len);
  if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) != (st == VL_OK)) abort();
  cJSON_Delete(j);
  vl_free(list);
  vl_vault_free(v);
  return 0;
}
