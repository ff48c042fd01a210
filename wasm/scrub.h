/* The stack scrub every exported entry point that touched secrets ends with:
 * BearSSL and the core leave key-schedule temporaries below the stack pointer,
 * and wasm has no guard pages or madvise, so that stack is zeroed explicitly
 * (../shared/reference/crypto-notes.md §5).
 *
 * Only the VL_SCRUB_BYTES just below the current frame are zeroed: the deepest
 * entry point (an HPKE open) uses 2,544 bytes, so 16 KiB is over 6× that. The
 * zeroing is one explicit_bzero (one memory.fill: wasm/wipe.c, which cannot be
 * elided), a fraction of a microsecond. The residue tests
 * (tests/js/residue.test.mjs) scan all of memory to hold this. */
#ifndef VL_WASM_SCRUB_H
#define VL_WASM_SCRUB_H
#include <emscripten/stack.h>
#include <stdint.h>
#include <string.h>

#define VL_SCRUB_BYTES 16384u
/* A render goes far less deep than an HPKE open: tests/c/test_wasm_stack.c
 * measures its deepest path and holds it under half of this. */
#define VL_SCRUB_RENDER_BYTES 4096u

/* Zeroes up to `bytes` below the current frame. No address-taken locals. */
__attribute__((noinline)) static void vl_scrub_stack_bytes(uintptr_t bytes) {
  uintptr_t end = emscripten_stack_get_end();
  uintptr_t cur = emscripten_stack_get_current() & ~(uintptr_t)7;
  uintptr_t lo = cur - end > bytes ? cur - bytes : (end + 7) & ~(uintptr_t)7;
  /* memset (behind explicit_bzero) keeps nothing on the stack it clears. */
  explicit_bzero((void *)lo, cur - lo);
}

static void vl_scrub_stack(void) {
  vl_scrub_stack_bytes(VL_SCRUB_BYTES);
}
#endif
