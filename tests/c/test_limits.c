/* Every limit in input_limits.h that a request or link can hit: a clear error, no
 * partial output, nothing leaked. */
#include <stdio.h>

#include "input_limits.h"
#include "reqhelp.h"
#include "vltest.h"

static vl_status begin_only(vl_vault *v, const uint8_t *frame, size_t len) {
  vl_resolve *r = NULL;
  vl_status st = vl_resolve_begin(v, frame, len, 0, 0, &r);
  CHECK(st == VL_OK ? r != NULL : r == NULL);
  vl_resolve_free(r);
  return st;
}

static void test_body_limit(void) {
  vl_vault *v = vl_vault_new(NULL);
  size_t n = VL_MAX_BODY_BYTES + 1;
  char *body = malloc(n + 1);
  memset(body, 'a', n);
  body[n] = 0;
  treq t = {.url = "https://h.com/", .body = body};
  size_t len;
  uint8_t *frame = treq_encode(&t, &len);
  CHECK_EQ_INT(begin_only(v, frame, len), VL_ERR_LIMIT);
  CHECK(strstr(vl_vault_last_error(v), "body") != NULL);
  vl_free(frame);
  body[n - 1] = 0; /* exactly at the limit is fine */
  frame = treq_encode(&t, &len);
  CHECK_EQ_INT(begin_only(v, frame, len), VL_OK);
  vl_free(frame);
  free(body);
  vl_vault_free(v);
}

static void test_header_count_limit(void) {
  vl_vault *v = vl_vault_new(NULL);
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_put(&b, "VLR1", 4);
  vl_wire_put_field(&b, (const uint8_t *)"GET", 3);
  vl_wire_put_field(&b, (const uint8_t *)"https://h.com/", 14);
  vl_buf_put_u32(&b, VL_MAX_HEADERS + 1);
  for (unsigned i = 0; i < VL_MAX_HEADERS + 1; i++) {
    vl_wire_put_field(&b, (const uint8_t *)"a", 1);
    vl_wire_put_field(&b, (const uint8_t *)"b", 1);
  }
  vl_buf_put_u32(&b, 0);
  vl_buf_put_u32(&b, 0);
  CHECK_EQ_INT(begin_only(v, b.p, b.len), VL_ERR_LIMIT);
  CHECK(strstr(vl_vault_last_error(v), "headers") != NULL);
  vl_buf_free(&b);
  vl_vault_free(v);
}

static void test_token_limit(void) {
  vl_vault *v = vl_vault_new(NULL);
  size_t per = strlen("{{vault:x}}");
  size_t n = per * (VL_MAX_TOKENS + 1);
  char *body = malloc(n + 1);
  for (size_t i = 0; i <= VL_MAX_TOKENS; i++) memcpy(body + i * per, "{{vault:x}}", per);
  body[n] = 0;
  treq t = {.url = "https://h.com/", .body = body};
  size_t len;
  uint8_t *frame = treq_encode(&t, &len);
  CHECK_EQ_INT(begin_only(v, frame, len), VL_ERR_LIMIT);
  CHECK(strstr(vl_vault_last_error(v), "tokens") != NULL);
  vl_free(frame);
  body[n - per] = 0; /* one fewer: at the limit */
  frame = treq_encode(&t, &len);
  CHECK_EQ_INT(begin_only(v, frame, len), VL_OK);
  vl_free(frame);
  free(body);
  vl_vault_free(v);
}

static void test_name_and_value_limits(void) {
  vl_vault *v = vl_vault_new(NULL);
  char name[VL_MAX_NAME_BYTES + 2];
  memset(name, 'n', sizeof name - 1);
  name[sizeof name - 1] = 0;
  CHECK_EQ_INT(tlink(v, name, "{\"source\":{\"provider\":\"local\"}}", "x"), VL_ERR_LIMIT);
  name[VL_MAX_NAME_BYTES] = 0;
  CHECK_EQ_INT(tlink(v, name, "{\"source\":{\"provider\":\"local\"}}", "x"), VL_OK);
  char *big = malloc(VL_MAX_SECRET_BYTES + 2);
  memset(big, 'v', VL_MAX_SECRET_BYTES + 1);
  big[VL_MAX_SECRET_BYTES + 1] = 0;
  CHECK_EQ_INT(tlink(v, "big", "{\"source\":{\"provider\":\"local\"}}", big), VL_ERR_LIMIT);
  free(big);
  vl_vault_free(v);
}

static void test_output_limit_gives_no_partial_output(void) {
  vl_vault *v = vl_vault_new(NULL);
  char *val = malloc(VL_MAX_SECRET_BYTES + 1);
  memset(val, 'v', VL_MAX_SECRET_BYTES);
  val[VL_MAX_SECRET_BYTES] = 0;
  CHECK_EQ_INT(tlink(v, "big", "{\"source\":{\"provider\":\"local\"}}", val), VL_OK);
  free(val);
  /* 300 × 256 KiB > 64 MiB */
  size_t per = strlen("{{vault:big}}"), count = 300;
  char *body = malloc(per * count + 1);
  for (size_t i = 0; i < count; i++) memcpy(body + i * per, "{{vault:big}}", per);
  body[per * count] = 0;
  treq t = {.url = "https://h.com/", .body = body};
  size_t len, olen = 99, rlen = 99;
  uint8_t *frame = treq_encode(&t, &len), *o = (uint8_t *)"x", *rep = (uint8_t *)"x";
  vl_resolve *r = NULL;
  CHECK_EQ_INT(vl_resolve_begin(v, frame, len, 0, 0, &r), VL_OK);
  size_t in_use = vl_mem_in_use();
  CHECK_EQ_INT(vl_resolve_render(r, 0, &o, &olen, &rep, &rlen), VL_ERR_LIMIT);
  CHECK(o == NULL && rep == NULL && olen == 0 && rlen == 0);
  CHECK_EQ_INT(vl_mem_in_use(), in_use);
  CHECK(strstr(vl_vault_last_error(v), "exceed") != NULL);
  vl_resolve_free(r);
  vl_free(frame);
  free(body);
  vl_vault_free(v);
}

static void test_malformed_frames(void) {
  vl_vault *v = vl_vault_new(NULL);
  treq t = {.url = "https://h.com/", .body = "b", .header_count = 1, .headers = {{"a", "b"}}};
  size_t len;
  uint8_t *frame = treq_encode(&t, &len);
  /* Every truncation is a format error naming a field, never a crash. */
  for (size_t cut = 0; cut < len; cut++) {
    CHECK_EQ_INT(begin_only(v, frame, cut), VL_ERR_FORMAT);
    CHECK(strstr(vl_vault_last_error(v), "request") != NULL);
  }
  CHECK_EQ_INT(begin_only(v, frame, len), VL_OK);
  vl_free(frame);
  CHECK_EQ_INT(begin_only(v, NULL, 0), VL_ERR_FORMAT);
  vl_vault_free(v);
}

static void test_json_depth_limit(void) {
  vl_vault *v = vl_vault_new(NULL);
  char def[512], creds[512];
  for (int depth = VL_MAX_JSON_DEPTH - 2; depth <= VL_MAX_JSON_DEPTH - 1; depth++) {
    /* {"source":{"provider":"local"},"x":[[…]]}: the object itself is one level */
    int n = snprintf(def, sizeof def, "{\"source\":{\"provider\":\"local\"},\"x\":");
    for (int i = 0; i < depth; i++) def[n++] = '[';
    for (int i = 0; i < depth; i++) def[n++] = ']';
    def[n++] = '}';
    def[n] = 0;
    vl_status st = tlink(v, "k", def, "v");
    if (depth < VL_MAX_JSON_DEPTH) CHECK_EQ_INT(st, VL_OK);
  }
  /* One level more than the limit: refused, and the message says where. */
  int n = snprintf(def, sizeof def, "{\"x\":");
  for (int i = 0; i < VL_MAX_JSON_DEPTH; i++) def[n++] = '[';
  for (int i = 0; i < VL_MAX_JSON_DEPTH; i++) def[n++] = ']';
  def[n++] = '}';
  def[n] = 0;
  CHECK_EQ_INT(tlink(v, "k", def, "v"), VL_ERR_LIMIT);
  CHECK(strstr(vl_vault_last_error(v), "deeper than 32") != NULL);
  n = snprintf(creds, sizeof creds, "{\"accessKeyId\":\"A\",\"secretAccessKey\":\"B\",\"x\":");
  for (int i = 0; i < VL_MAX_JSON_DEPTH; i++)
    creds[n++] = '{', creds[n++] = '"', creds[n++] = 'a', creds[n++] = '"', creds[n++] = ':';
  creds[n++] = '1';
  for (int i = 0; i <= VL_MAX_JSON_DEPTH; i++) creds[n++] = '}';
  creds[n] = 0;
  CHECK_EQ_INT(vl_vault_connect(v, "aws", (const uint8_t *)creds, strlen(creds), 0), VL_ERR_LIMIT);
  CHECK(strstr(vl_vault_last_error(v), "deeper than 32") != NULL);
  /* Brackets inside strings do not count. */
  CHECK_EQ_INT(
      tlink(v, "s", "{\"source\":{\"provider\":\"local\"},\"x\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", "v"),
      VL_OK);
  vl_vault_free(v);
}

VLT_MAIN(TEST(test_json_depth_limit), TEST(test_body_limit), TEST(test_header_count_limit), TEST(test_token_limit),
         TEST(test_name_and_value_limits), TEST(test_output_limit_gives_no_partial_output), TEST(test_malformed_frames))
