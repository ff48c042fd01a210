#include "heap.h"

#define HEAP_HDR 16u /* before each block: its class; keeps the payload 16-aligned */
#define HEAP_MAX ((size_t)1 << 30)
#define HEAP_CHUNK ((size_t)64 << 10) /* the least taken from `more` at a time */

static unsigned floor_log2(size_t m) {
  return 63u - (unsigned)__builtin_clzll((unsigned long long)m);
}

/* The smallest class whose blocks hold `total` bytes (header included). */
static unsigned class_of(size_t total) {
  if (total <= 64) return total <= 32 ? 0u : total <= 48 ? 1u : 2u;
  size_t m = total - 1;
  unsigned s = floor_log2(m);
  return 3u + (s - 6u) * 4u + (unsigned)((m >> (s - 2u)) & 3u);
}

static size_t class_size(unsigned c) {
  if (c < 3) return 32u + 16u * c;
  c -= 3;
  unsigned s = 6u + c / 4u;
  return ((size_t)1 << s) + ((size_t)(c % 4u + 1u) << (s - 2u));
}

static unsigned char *cut(vl_heap *h, size_t size) {
  if ((size_t)(h->end - h->top) < size) {
    size_t n = size > HEAP_CHUNK ? size : HEAP_CHUNK;
    unsigned char *p = h->more((intptr_t)(n + HEAP_HDR));
    if (p == (void *)-1) return NULL;
    if (p != h->end || !h->top) /* not contiguous with the chunk before: start afresh, aligned */
      h->top = p + ((HEAP_HDR - ((uintptr_t)p & (HEAP_HDR - 1))) & (HEAP_HDR - 1));
    h->end = p + n + HEAP_HDR;
  }
  unsigned char *b = h->top;
  h->top += size;
  return b;
}

void *vl_heap_alloc(vl_heap *h, size_t n) {
  if (n > HEAP_MAX) return NULL;
  unsigned c = class_of(n + HEAP_HDR);
  unsigned char *b = h->free_list[c];
  if (b) {
    unsigned char *next;
    __builtin_memcpy(&next, b + HEAP_HDR, sizeof next);
    h->free_list[c] = next;
  } else {
    b = cut(h, class_size(c));
    if (!b) return NULL;
    uint32_t tag = c;
    __builtin_memcpy(b, &tag, sizeof tag);
  }
  return b + HEAP_HDR;
}

void vl_heap_free(vl_heap *h, void *p) {
  if (!p) return;
  unsigned char *b = (unsigned char *)p - HEAP_HDR;
  uint32_t c;
  __builtin_memcpy(&c, b, sizeof c);
  __builtin_memcpy(p, &h->free_list[c], sizeof h->free_list[c]);
  h->free_list[c] = b;
}

size_t vl_heap_usable(const void *p) {
  uint32_t c;
  __builtin_memcpy(&c, (const unsigned char *)p - HEAP_HDR, sizeof c);
  return class_size(c) - HEAP_HDR;
}
