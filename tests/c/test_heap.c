/* The wasm modules' heap (src/heap.c; wasm/malloc.c makes it malloc), run
 * here over a fake sbrk on a static arena: sizes and alignment, reuse by
 * class, no two live blocks overlapping under a random workload, and
 * failure when the memory runs out (then recovery once blocks come back). */
#include <stdint.h>
#include <string.h>

#include "heap.h"
#include "vltest.h"

#define ARENA (8u << 20)
static unsigned char arena[ARENA] __attribute__((aligned(16)));
static size_t brk_at, brk_limit = ARENA, gap; /* gap: bytes skipped before the next grant (a foreign sbrk caller) */
static unsigned grants;

static void *fake_sbrk(intptr_t n) {
  brk_at += gap;
  gap = 0;
  if (n < 0 || brk_at + (size_t)n > brk_limit) return (void *)-1;
  void *p = arena + brk_at;
  brk_at += (size_t)n;
  grants++;
  return p;
}

static void fresh(vl_heap *h, size_t limit) {
  memset(h, 0, sizeof *h);
  h->more = fake_sbrk;
  brk_at = gap = 0;
  grants = 0;
  brk_limit = limit;
}

static void test_sizes_and_alignment(void) {
  vl_heap h;
  fresh(&h, ARENA);
  for (size_t n = 0; n <= 5000; n += (n < 300 ? 1 : 37)) {
    unsigned char *p = vl_heap_alloc(&h, n);
    CHECK(p != NULL);
    if (!p) return;
    CHECK_EQ_INT((uintptr_t)p % 16, 0);
    size_t u = vl_heap_usable(p);
    CHECK(u >= n);
    CHECK(u + 16 <= (n + 16) * 5 / 4 + 16); /* a class is at most a quarter bigger (or the 32-byte minimum) */
    memset(p, 0xa5, u);                      /* all of it is ours to write */
    vl_heap_free(&h, p);
  }
  CHECK(vl_heap_alloc(&h, ((size_t)1 << 30) + 1) == NULL); /* absurd sizes are refused, not rounded */
  vl_heap_free(&h, NULL);                                  /* a no-op */
}

static void test_reuse_by_class(void) {
  vl_heap h;
  fresh(&h, ARENA);
  void *a = vl_heap_alloc(&h, 100), *b = vl_heap_alloc(&h, 100);
  CHECK(a != b);
  vl_heap_free(&h, a);
  CHECK(vl_heap_alloc(&h, 110) == a); /* same class (113-128 bytes with the header): the block just freed */
  void *c = vl_heap_alloc(&h, 1000);
  CHECK(c != a && c != b); /* another class never gets it */
  vl_heap_free(&h, b);
  void *d = vl_heap_alloc(&h, 4000);
  CHECK(d != b);
  CHECK_EQ_INT(grants, 1); /* all of that came from one chunk */
}

/* Random sizes (most small, some up to 200 KB), frees in random order; every
 * live block carries its own byte pattern, checked before it is freed. */
static void test_no_overlap_under_churn(void) {
  vl_heap h;
  fresh(&h, ARENA);
  enum { SLOTS = 64 };
  unsigned char *p[SLOTS] = {0};
  size_t len[SLOTS] = {0};
  uint32_t seed = 12345u;
  int bad = 0;
  for (int step = 0; step < 20000 && !bad; step++) {
    seed = seed * 1664525u + 1013904223u;
    size_t i = (seed >> 8) % SLOTS;
    if (p[i]) {
      for (size_t k = 0; k < len[i]; k++)
        if (p[i][k] != (unsigned char)(i * 31 + k)) bad = 1;
      vl_heap_free(&h, p[i]);
      p[i] = NULL;
      continue;
    }
    seed = seed * 1664525u + 1013904223u;
    size_t n = (seed >> 28) == 0 ? (seed >> 8) % 200000 : (seed >> 8) % 600;
    p[i] = vl_heap_alloc(&h, n);
    CHECK(p[i] != NULL);
    if (!p[i]) return;
    len[i] = n;
    for (size_t k = 0; k < n; k++) p[i][k] = (unsigned char)(i * 31 + k);
  }
  CHECK(!bad);
  for (size_t i = 0; i < SLOTS; i++) vl_heap_free(&h, p[i]);
}

static void test_out_of_memory_then_recovery(void) {
  vl_heap h;
  fresh(&h, 256u << 10);
  void *big = vl_heap_alloc(&h, 150u << 10);
  CHECK(big != NULL);
  CHECK(vl_heap_alloc(&h, 150u << 10) == NULL); /* the arena cannot grant another */
  vl_heap_free(&h, big);
  CHECK(vl_heap_alloc(&h, 150u << 10) == big); /* once it is back, it serves the same class again */
  CHECK(vl_heap_alloc(&h, 10) != NULL);        /* and small blocks still come from what is left */
}

static void test_non_contiguous_growth(void) {
  vl_heap h;
  fresh(&h, ARENA);
  unsigned char *a = vl_heap_alloc(&h, 60u << 10); /* most of the first chunk */
  gap = 24;                                        /* someone else moved the break: the next grant is elsewhere */
  unsigned char *b = vl_heap_alloc(&h, 30u << 10);
  CHECK(a != NULL && b != NULL);
  if (!a || !b) return;
  CHECK_EQ_INT((uintptr_t)b % 16, 0);
  CHECK(b >= a + vl_heap_usable(a) + 24); /* the other caller's bytes are left alone */
  memset(a, 1, vl_heap_usable(a));
  memset(b, 2, vl_heap_usable(b));
  CHECK(a[0] == 1 && b[0] == 2);
}

VLT_MAIN(TEST(test_sizes_and_alignment), TEST(test_reuse_by_class), TEST(test_no_overlap_under_churn),
         TEST(test_out_of_memory_then_recovery), TEST(test_non_contiguous_growth))
