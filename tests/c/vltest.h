/* A tiny test harness shared by the native and the wasm builds of the C tests.
 * Each test file defines TESTS as a list of functions; main() runs them and ends
 * with the plain summary line "N passed, N failed". */
#ifndef VLTEST_H
#define VLTEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int vlt_failed_checks;
static int vlt_current_failed;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      vlt_failed_checks++;                                                       \
      vlt_current_failed = 1;                                                    \
      fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                            \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                                                     \
  do {                                                                                                         \
    long long vlt_a = (long long)(a), vlt_b = (long long)(b);                                                  \
    if (vlt_a != vlt_b) {                                                                                      \
      vlt_failed_checks++;                                                                                     \
      vlt_current_failed = 1;                                                                                  \
      fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a, vlt_a, #b, vlt_b); \
    }                                                                                                          \
  } while (0)

#define CHECK_EQ_MEM(a, alen, b, blen)                                                                            \
  do {                                                                                                            \
    size_t vlt_al = (size_t)(alen), vlt_bl = (size_t)(blen);                                                      \
    if (vlt_al != vlt_bl || memcmp((a), (b), vlt_al) != 0) {                                                      \
      vlt_failed_checks++;                                                                                        \
      vlt_current_failed = 1;                                                                                     \
      fprintf(stderr, "  %s:%d: %s (%zu bytes) != %s (%zu bytes)\n", __FILE__, __LINE__, #a, vlt_al, #b, vlt_bl); \
    }                                                                                                             \
  } while (0)

#define CHECK_EQ_STR(a, b) CHECK_EQ_MEM((a), strlen(a), (b), strlen(b))

typedef void (*vlt_fn)(void);
typedef struct {
  const char *name;
  vlt_fn fn;
} vlt_case;
#define TEST(fn) \
  { #fn, fn }

static int vlt_run(const vlt_case *cases, size_t n) {
  int passed = 0, failed = 0;
  for (size_t i = 0; i < n; i++) {
    vlt_current_failed = 0;
    cases[i].fn();
    if (vlt_current_failed) {
      failed++;
      fprintf(stderr, "FAIL %s\n", cases[i].name);
    } else {
      passed++;
      printf("ok   %s\n", cases[i].name);
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
#define VLT_MAIN(...)                                      \
  int main(void) {                                         \
    static const vlt_case cases[] = {__VA_ARGS__};         \
    return vlt_run(cases, sizeof cases / sizeof cases[0]); \
  }

/* Reads a whole file (vectors); returns NULL if missing. Caller frees. */
static char *vlt_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = 0;
    if (len) *len = (size_t)n;
  }
  return buf;
}

/* Hex helpers for vectors. */
static int vlt_hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
/* Decodes hex into a fresh buffer; *len gets the byte count. */
static unsigned char *vlt_unhex(const char *hex, size_t *len) {
  size_t n = strlen(hex) / 2;
  unsigned char *out = malloc(n ? n : 1);
  for (size_t i = 0; i < n; i++) out[i] = (unsigned char)(vlt_hexval(hex[2 * i]) << 4 | vlt_hexval(hex[2 * i + 1]));
  *len = n;
  return out;
}
#endif
