/* The stack scrub every exported crypto entry point ends with: BearSSL and the
 * core leave key-schedule temporaries below the stack pointer, and wasm has no
 * guard pages or madvise, so the unused stack is zeroed explicitly (see
 * ../shared/reference/crypto-notes.md §5; -sTOTAL_STACK=65536 keeps it cheap). */
#ifndef VL_WASM_SCRUB_H
#define VL_WASM_SCRUB_H
#include <emscripten/stack.h>
#include <stdint.h>

/* Zeroes the stack below the current frame. No address-taken locals. */
__attribute__((noinline)) static void vl_scrub_stack(void) {
  volatile uint8_t *lo = (volatile uint8_t *)emscripten_stack_get_end();
  volatile uint8_t *hi = (volatile uint8_t *)emscripten_stack_get_current();
  for (volatile uint8_t *p = lo; p < hi; p++) *p = 0;
}
#endif
