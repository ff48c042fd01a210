/* Secret-safe memory: a size-prefixed allocator whose free zeroes the block, and
 * a wipe that the optimiser cannot remove. All memory the core allocates goes
 * through here (cJSON's hooks included), so nothing is ever freed unwiped. */
#ifndef VL_MEM_H
#define VL_MEM_H
#include <stddef.h>
#include <stdint.h>

/* Zeroes n bytes at p in a way no compiler elides (explicit_bzero). */
void vl_wipe(void *p, size_t n);

/* Allocates n bytes (n may be 0); NULL when out of memory or n is absurd. */
void *vl_alloc(size_t n);
/* Like vl_alloc, zero-filled. */
void *vl_calloc(size_t n);
/* Grows or shrinks a block; the old block is wiped before it is released. */
void *vl_realloc(void *p, size_t n);
/* Wipes the whole block, then frees it. NULL is a no-op. */
void vl_free(void *p);
/* Copies n bytes into a new block (NUL-terminated for convenience). */
void *vl_memdup(const void *p, size_t n);

/* Bytes currently allocated through vl_alloc (for leak and residue tests). */
size_t vl_mem_in_use(void);

/* Installs vl_alloc/vl_free as cJSON's allocation hooks (idempotent). */
void vl_mem_install_cjson_hooks(void);

/* Constant-time equality of two n-byte buffers: 1 if equal. */
int vl_ct_equal(const void *a, const void *b, size_t n);
#endif
