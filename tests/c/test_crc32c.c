/* CRC-32C against the RFC 3720 B.4 vectors (and the rows derived from them),
 * in one call and split at every byte. */
#include <cJSON.h>

#include "crc32c.h"
#include "mem.h"
#include "providers/provider.h"
#include "vltest.h"

static void test_vectors(void) {
  vl_mem_install_cjson_hooks();
  char *text = vlt_read_file(VL_VECTORS_DIR "/gcp-secret-manager/crc32c-vectors.json", NULL);
  CHECK(text != NULL);
  cJSON *j = cJSON_Parse(text);
  free(text);
  int n = 0;
  const cJSON *row;
  cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "vectors")) {
    const char *b64 = cJSON_GetObjectItem(row, "payload_data_base64")->valuestring;
    const char *hex = cJSON_GetObjectItem(row, "crc32c_hex")->valuestring;
    const char *dec = cJSON_GetObjectItem(row, "dataCrc32c_json")->valuestring;
    uint8_t *data;
    size_t len;
    CHECK_EQ_INT(vl_base64_decode(b64, strlen(b64), &data, &len), VL_OK);
    uint32_t crc = vl_crc32c(0, data, len);
    char got[16];
    snprintf(got, sizeof got, "%08x", (unsigned)crc);
    CHECK_EQ_STR(got, hex);
    snprintf(got, sizeof got, "%u", (unsigned)crc);
    CHECK_EQ_STR(got, dec);
    for (size_t cut = 0; cut <= len; cut++)
      CHECK_EQ_INT(vl_crc32c(vl_crc32c(0, data, cut), data + cut, len - cut), crc);
    vl_free(data);
    n++;
  }
  CHECK_EQ_INT(n, 8);
  cJSON_Delete(j);
}

static void test_check_value(void) {
  CHECK_EQ_INT(vl_crc32c(0, (const uint8_t *)"123456789", 9), 0xE3069283u);
  CHECK_EQ_INT(vl_crc32c(0, NULL, 0), 0);
}

VLT_MAIN(TEST(test_vectors), TEST(test_check_value))
