/* libFuzzer: link definitions (JSON) and names. Either the link is refused
 * with a message, or it is listed back as valid JSON.
 *
 * Quoting invariant (issue #11 §6): a string in a definition may be a secret
 * pasted where a reference belongs, so a refusal quotes at most the first
 * VL_QUOTE_HEAD bytes of any string field. To check it, one string value of
 * the definition (chosen by the input) gets a canary tail CANARY appended, and
 * a refusal's message must not contain any VL_QUOTE_HEAD + 1 consecutive
 * bytes of the canary. The canary is mixed-case letters and digits, so it is
 * no provider name, field name or word that a message has of its own. */
#include <cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "vaultlink.h"

static const char CANARY[] = "Qz7XkP3mW9vBj";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The string value number *k (depth first, object keys not counted), or NULL. */
static cJSON *nth_string(cJSON *node, int *k) {
  for (cJSON *c = node ? node->child : NULL; c; c = c->next) {
    if (cJSON_IsString(c) && (*k)-- == 0) return c;
    cJSON *hit = nth_string(c, k);
    if (hit) return hit;
  }
  return NULL;
}

/* 1 if msg holds VL_QUOTE_HEAD + 1 consecutive bytes of the canary. */
static int quotes_canary(const char *msg) {
  const size_t w = VL_QUOTE_HEAD + 1, n = sizeof CANARY - 1;
  for (size_t i = 0; i + w <= n; i++) {
    char window[VL_QUOTE_HEAD + 2];
    memcpy(window, &CANARY[i], w);
    window[w] = 0;
    if (strstr(msg, window)) return 1;
  }
  return 0;
}

static void check_link(const uint8_t *name, size_t name_len, const uint8_t *def, size_t def_len, int canary) {
  vl_vault *v = vl_vault_new(NULL);
  vl_status st = vl_vault_link(v, name, name_len, def, def_len, (const uint8_t *)"val", 3);
  if (st != VL_OK && vl_vault_last_error(v)[0] == 0) abort();
  if (st != VL_OK && canary && quotes_canary(vl_vault_last_error(v))) abort();
  uint8_t *list = NULL;
  size_t len = 0;
  if (vl_vault_list(v, &list, &len) != VL_OK) abort();
  cJSON *j = cJSON_ParseWithLength((const char *)list, len);
  if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) != (st == VL_OK)) abort();
  cJSON_Delete(j);
  vl_free(list);
  vl_vault_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  size_t name_len = data[0] % 16 < size - 2 ? data[0] % 16 : size - 2;
  int pick = data[1] % 8;
  const uint8_t *name = data + 2, *def = data + 2 + name_len;
  size_t def_len = size - 2 - name_len;
  check_link(name, name_len, def, def_len, 0);
  /* The same definition with the canary on one of its strings. */
  vl_mem_install_cjson_hooks();
  cJSON *root = cJSON_ParseWithLength((const char *)def, def_len);
  cJSON *s = nth_string(root, &pick);
  if (s && name_len) {
    size_t n = strlen(s->valuestring);
    char *grown = vl_alloc(n + sizeof CANARY);
    if (grown) {
      memcpy(grown, s->valuestring, n);
      memcpy(grown + n, CANARY, sizeof CANARY);
      cJSON_SetValuestring(s, grown);
      vl_free(grown);
      char *text = cJSON_PrintUnformatted(root);
      if (text) check_link(name, name_len, (const uint8_t *)text, strlen(text), 1);
      vl_free(text);
    }
  }
  cJSON_Delete(root);
  return 0;
}
