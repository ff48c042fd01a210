/* The modules' malloc: src/heap.c over sbrk, both here (linked with
 * -sMALLOC=none, which leaves out emmalloc and the sbrk that comes with it).
 * Nearly every caller is vl_alloc/vl_free (src/mem.c), which wipe each block
 * before it comes back here; the C library's own few allocations hold no
 * secret. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heap.h"

extern unsigned char __heap_base; /* the linker's: where static data and the stack end */
static uintptr_t brk_at = (uintptr_t)&__heap_base;

/* Moves the break up by n bytes, growing the wasm memory as needed (by whole
 * pages; grown pages start zeroed). vl_w_wipe_memory() wipes below sbrk(0). */
void *sbrk(intptr_t n) {
  uintptr_t old = brk_at, want = old + (uintptr_t)n;
  if (n < 0 || want < old) goto fail;
  size_t have = __builtin_wasm_memory_size(0) * 65536u;
  if (want > have && __builtin_wasm_memory_grow(0, (want - have + 65535u) / 65536u) == (size_t)-1) goto fail;
  brk_at = want;
  return (void *)old;
fail:
  errno = ENOMEM;
  return (void *)-1;
}

static vl_heap heap = {sbrk, {0}, 0, 0};

void *malloc(size_t n) {
  void *p = vl_heap_alloc(&heap, n);
  if (!p) errno = ENOMEM;
  return p;
}

void free(void *p) {
  vl_heap_free(&heap, p);
}

void *calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  void *p = malloc(count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

void *realloc(void *p, size_t n) {
  if (!p) return malloc(n);
  size_t have = vl_heap_usable(p);
  if (n <= have) return p;
  void *q = malloc(n);
  if (!q) return NULL;
  memcpy(q, p, have);
  explicit_bzero(p, have); /* a move leaves no copy behind, whoever the caller */
  free(p);
  return q;
}
