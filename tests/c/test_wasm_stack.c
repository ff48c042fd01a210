/* How deep the renders go on wasm's stack (the shadow stack in linear memory):
 * wasm/scrub.h zeroes only VL_SCRUB_RENDER_BYTES below the frame after a
 * render, so every render path must stay well inside that. Paints the stack,
 * runs a render, finds the deepest byte it changed. Wasm only. */
#include <emscripten/stack.h>
#include <stdint.h>

#include "../../wasm/scrub.h"
#include "cache.h"
#include "engine.h"
#include "reqhelp.h"
#include "vltest.h"

#define PAINT 32768u

/* No frame of its own: paints below the caller's stack pointer. */
__attribute__((noinline)) static void paint(void) {
  uintptr_t cur = emscripten_stack_get_current();
  for (volatile uint8_t *p = (volatile uint8_t *)(cur - PAINT); (uintptr_t)p < cur; p++) *p = 0xA5;
}

typedef struct {
  vl_resolve *r;
  vl_status st;
  size_t out_len;
} job;

__attribute__((noinline)) static void render(job *j) {
  size_t rlen;
  uint8_t *o = NULL, *rep = NULL;
  j->st = vl_resolve_render(j->r, 1000, &o, &j->out_len, &rep, &rlen);
  vl_free(o);
  vl_free(rep);
}

/* Bytes below this frame's stack pointer that rendering r wrote. */
__attribute__((noinline)) static size_t depth(job *j) {
  uintptr_t sp = emscripten_stack_get_current();
  paint();
  render(j);
  for (uintptr_t a = sp - PAINT; a < sp; a++)
    if (*(volatile uint8_t *)a != 0xA5) return sp - a;
  return 0;
}

static void test_renders_stay_within_the_scrub(void) {
  vl_vault *v = vl_vault_new(NULL);
  CHECK_EQ_INT(tlink(v, "k", "{\"source\":{\"provider\":\"local\"}}", "S3CRET"), VL_OK);
  CHECK_EQ_INT(tlink(v, "nest", "{\"source\":{\"provider\":\"local\"}}", "{{vault:k}}{{vault:dom}}"), VL_OK);
  CHECK_EQ_INT(tlink(v, "host", "{\"source\":{\"provider\":\"local\"}}", "good.com"), VL_OK);
  CHECK_EQ_INT(tlink(v, "dom", "{\"source\":{\"provider\":\"local\"},\"domains\":[\"*.good.com\",\"x.org\"]}", "D"),
               VL_OK);
  CHECK_EQ_INT(tlink(v, "db",
                     "{\"source\":{\"provider\":\"aws\",\"aws\":{\"secretArn\":"
                     "\"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf\"}}}",
                     NULL),
               VL_OK);
  /* The AWS secret is a cache hit: the render opens a cache entry. */
  const vl_link *db = vl_vault_find(v, (const uint8_t *)"db", 2);
  CHECK(db != NULL);
  if (db) CHECK_EQ_INT(vl_cache_put(&v->cache, db->cache_key, "db", (const uint8_t *)"cached", 6, 1e9, 1000), VL_OK);
  const treq t = {.url = "https://{{vault:host}}/\xc3\xa9{{vault:dom}}?a={{vault:nope}}&b={{vault:db}}",
                  .headers = {{"X-{{vault:k}}", "\xf0\x9f\x98\x80{{vault:nest}}{{vault:dom}}"}, {"A", "{{vault:off}}"}},
                  .header_count = 2,
                  .body = "{\"a\":\"{{vault:k}}\",\"b\":\"{{vault:nest}}\",\"c\":\"{{vault:db}}\"}"};
  const uint32_t modes[] = {0, VL_RESOLVE_PATCH, VL_RESOLVE_POSTMAN_COMPAT};
  size_t deepest = 0;
  for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
    size_t len;
    uint8_t *frame = treq_encode(&t, &len);
    job j = {NULL, VL_ERR_ARG, 0};
    CHECK_EQ_INT(vl_resolve_begin(v, frame, len, modes[m], 1000, &j.r), VL_OK); /* planning opens nothing here */
    CHECK_EQ_INT(vl_resolve_take_touched(j.r), 0);
    size_t d = depth(&j);
    CHECK_EQ_INT(vl_resolve_take_touched(j.r), VL_TOUCHED_VALUES);
    vl_resolve_free(j.r);
    vl_free(frame);
    CHECK_EQ_INT(j.st, VL_OK);
    CHECK(j.out_len > 0);
    printf("  render mode %u: %zu bytes of stack\n", (unsigned)modes[m], d);
    CHECK(d > 0); /* the paint worked: a render uses some stack */
    if (d > deepest) deepest = d;
  }
  CHECK(deepest * 2 <= VL_SCRUB_RENDER_BYTES);
  vl_vault_free(v);
}

VLT_MAIN(TEST(test_renders_stay_within_the_scrub))
