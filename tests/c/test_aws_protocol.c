/* Every client-side awsJson1_1 error case in Smithy's protocol tests
 * (../shared/vectors/aws-protocol/awsJson1_1_errors.smithy, read in place):
 * the error code the AWS provider resolves equals the shape the test applies to. */
#include <cJSON.h>

#include "mem.h"
#include "providers/aws.h"
#include "vltest.h"

/* The text of a """…""" block starting at or after p, copied into a new buffer. */
static char *triple_quoted(const char *p, const char *limit) {
  const char *open = strstr(p, "\"\"\"");
  if (!open || open > limit) return NULL;
  open += 3;
  const char *close = strstr(open, "\"\"\"");
  if (!close) return NULL;
  char *out = malloc((size_t)(close - open) + 1);
  memcpy(out, open, (size_t)(close - open));
  out[close - open] = 0;
  return out;
}

/* The quoted value of "X-Amzn-Errortype" in a headers: {…} line, or NULL. */
static char *errortype_header(const char *p, const char *limit) {
  const char *h = strstr(p, "\"X-Amzn-Errortype\": \"");
  if (!h || h > limit) return NULL;
  h += strlen("\"X-Amzn-Errortype\": \"");
  const char *e = strchr(h, '"');
  char *out = malloc((size_t)(e - h) + 1);
  memcpy(out, h, (size_t)(e - h));
  out[e - h] = 0;
  return out;
}

static void test_smithy_error_code_resolution(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/aws-protocol/awsJson1_1_errors.smithy", VL_VECTORS_DIR);
  char *text = vlt_read_file(path, NULL);
  CHECK(text != NULL);
  if (!text) return;
  int cases = 0;
  for (const char *apply = strstr(text, "\napply "); apply; apply = strstr(apply + 1, "\napply ")) {
    char shape[64];
    if (sscanf(apply, "\napply %63s @httpResponseTests", shape) != 1) continue;  // NOLINT(cert-err34-c)
    if (!strstr(apply, "@httpResponseTests")) continue;
    const char *end = strstr(apply, "\n])");
    for (const char *id = strstr(apply, "id: \""); id && id < end; id = strstr(id + 1, "id: \"")) {
      const char *next = strstr(id + 1, "id: \"");
      const char *limit = next && next < end ? next : end;
      char *header = errortype_header(id, limit);
      const char *bodyat = strstr(id, "body: \"\"\"");
      char *body = bodyat && bodyat < limit ? triple_quoted(bodyat, limit) : NULL;
      vl_header hs[1];
      vl_request resp;
      memset(&resp, 0, sizeof resp);
      if (header) {
        hs[0] = (vl_header){{(const uint8_t *)"x-amzn-errortype", 16}, {(const uint8_t *)header, strlen(header)}};
        resp.headers = hs;
        resp.header_count = 1;
      }
      cJSON *json = body ? cJSON_Parse(body) : NULL;
      char code[128], msg[256];
      vl_aws_error_code(&resp, json, code, sizeof code, msg, sizeof msg);
      if (strcmp(code, shape) != 0) fprintf(stderr, "  %.60s: got \"%s\", want \"%s\"\n", id, code, shape);
      CHECK_EQ_STR(code, shape);
      cases++;
      cJSON_Delete(json);
      free(header);
      free(body);
    }
  }
  CHECK_EQ_INT(cases, 14); /* the file's 14 test ids */
  free(text);
}

VLT_MAIN(TEST(test_smithy_error_code_resolution))
