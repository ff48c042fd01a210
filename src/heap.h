/* A size-class heap: the wasm modules' malloc (wasm/malloc.c), in place of
 * emmalloc. The core's allocations come and go per request in a few sizes,
 * and every block is wiped by vl_free before it returns here, so the heap
 * only has to be fast and small: each size class keeps a list of free blocks
 * (classes four to a power of two, so a block is at most 25% bigger than
 * asked), and new blocks are cut from chunks taken from `more` (sbrk in
 * wasm). Blocks are never split or merged, and memory is never given back
 * (a wasm memory cannot shrink anyway). Not thread-safe: wasm here has one
 * thread. */
#ifndef VL_HEAP_H
#define VL_HEAP_H
#include <stddef.h>
#include <stdint.h>

/* Block sizes, header included: 32, 48, 64, then 4 per power of two from
 * 2^6 (80, 96, 112, 128, 160, …) up to 2^31. */
#define VL_HEAP_CLASSES 103u

typedef struct {
  /* Grows the heap's memory by n bytes and returns the old end, or
   * (void *)-1 (sbrk's contract). */
  void *(*more)(intptr_t n);
  unsigned char *free_list[VL_HEAP_CLASSES];
  unsigned char *top, *end; /* the chunk new blocks are cut from */
} vl_heap;

/* n bytes aligned to 16, or NULL (n over 2^30, or `more` failed). */
void *vl_heap_alloc(vl_heap *h, size_t n);
/* Returns a block to its class. NULL is a no-op. */
void vl_heap_free(vl_heap *h, void *p);
/* How many bytes the block at p can hold (at least what was asked). */
size_t vl_heap_usable(const void *p);
#endif
