#include "mem.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "input_limits.h"
#include "vaultlink.h"

#if !defined(CJSON_NESTING_LIMIT) || CJSON_NESTING_LIMIT != VL_MAX_JSON_DEPTH
#error "cJSON must be built with CJSON_NESTING_LIMIT == VL_MAX_JSON_DEPTH (see CMakeLists.txt)"
#endif

/* Each block is preceded by a header holding its usable size, so free can wipe
 * exactly what was handed out. 16 bytes keeps the payload aligned for any type. */
#define VL_HDR 16u
#define VL_MAX_ALLOC ((size_t)1 << 30)

static size_t mem_in_use;

void vl_wipe(void *p, size_t n) {
  if (p && n) explicit_bzero(p, n);
}

void *vl_alloc(size_t n) {
  if (n > VL_MAX_ALLOC) return NULL;
  unsigned char *b = malloc(VL_HDR + n);
  if (!b) return NULL;
  memcpy(b, &n, sizeof n);
  mem_in_use += n;
  return b + VL_HDR;
}

void *vl_calloc(size_t n) {
  void *p = vl_alloc(n);
  if (p) memset(p, 0, n);
  return p;
}

static size_t block_size(const void *p) {
  size_t n;
  memcpy(&n, (const unsigned char *)p - VL_HDR, sizeof n);
  return n;
}

void vl_free(void *p) {
  if (!p) return;
  unsigned char *b = (unsigned char *)p - VL_HDR;
  size_t n = block_size(p);
  vl_wipe(b, VL_HDR + n);
  mem_in_use -= n;
  free(b);
}

void *vl_realloc(void *p, size_t n) {
  if (!p) return vl_alloc(n);
  /* Never use realloc(): it may move the block and leave the old copy unwiped. */
  void *q = vl_alloc(n);
  if (!q) return NULL;
  size_t old = block_size(p);
  memcpy(q, p, old < n ? old : n);
  vl_free(p);
  return q;
}

void *vl_memdup(const void *p, size_t n) {
  unsigned char *q = vl_alloc(n + 1);
  if (!q) return NULL;
  if (n) memcpy(q, p, n);
  q[n] = 0;
  return q;
}

size_t vl_mem_in_use(void) {
  return mem_in_use;
}

static void *cjson_malloc(size_t n) {
  return vl_alloc(n);
}

void vl_mem_install_cjson_hooks(void) {
  static int installed;
  if (installed) return;
  cJSON_Hooks hooks = {cjson_malloc, vl_free};
  cJSON_InitHooks(&hooks);
  installed = 1;
}

int vl_ct_equal(const void *a, const void *b, size_t n) {
  const volatile unsigned char *x = a, *y = b;
  unsigned char d = 0;
  for (size_t i = 0; i < n; i++) d |= (unsigned char)(x[i] ^ y[i]);
  return d == 0;
}
