/* The stack scrub every exported entry point that touched secrets ends with:
 * BearSSL and the core leave key-schedule temporaries below the stack pointer,
 * and wasm has no guard pages or madvise, so that stack is zeroed explicitly
 * (../shared/reference/crypto-notes.md §5).
 *
 * Only the VL_SCRUB_BYTES just below the current frame are zeroed: the deepest
 * entry point (an HPKE open) uses 2,544 bytes, so 16 KiB is over 6× that, and
 * eight-byte volatile stores make the scrub cost about a microsecond instead of
 * the tens a byte loop over the whole 64 KiB stack costs on every call. The
 * residue tests (tests/js/residue.test.mjs) scan all of memory to hold this. */
#ifndef VL_WASM_SCRUB_H
#define VL_WASM_SCRUB_H
#include <emscripten/stack.h>
#include <stdint.h>

#define VL_SCRUB_BYTES 16384u

/* Zeroes up to VL_SCRUB_BYTES below the current frame. No address-taken locals. */
__attribute__((noinline)) static void vl_scrub_stack(void) {
  uintptr_t end = emscripten_stack_get_end();
  uintptr_t cur = emscripten_stack_get_current() & ~(uintptr_t)7;
  uintptr_t lo = cur - end > VL_SCRUB_BYTES ? cur - VL_SCRUB_BYTES : (end + 7) & ~(uintptr_t)7;
  for (volatile uint64_t *p = (volatile uint64_t *)lo; (uintptr_t)p < cur; p++) *p = 0;
}
#endif
