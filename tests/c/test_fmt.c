/* vl_snprintf (src/fmt.c) against the C library's snprintf, format by format:
 * the same text, the same return value, and the same truncation. */
#include <limits.h> /* the C library's: the core's own is src/input_limits.h */
#include <stdint.h>

#include "buf.h"
#include "fmt.h"
#include "vltest.h"

#define SAME(...)                                                      \
  do {                                                                 \
    char a_[64], b_[64];                                               \
    int ra_ = vl_snprintf(a_, sizeof a_, __VA_ARGS__);                 \
    int rb_ = snprintf(b_, sizeof b_, __VA_ARGS__);                    \
    CHECK_EQ_INT(ra_, rb_);                                            \
    CHECK_EQ_STR(a_, b_);                                              \
    for (size_t n_ = 0; n_ < 12; n_++) { /* every short buffer size */ \
      char c_[12], d_[12];                                             \
      memset(c_, 'Z', sizeof c_);                                      \
      memset(d_, 'Z', sizeof d_);                                      \
      CHECK_EQ_INT(vl_snprintf(n_ ? c_ : NULL, n_, __VA_ARGS__), ra_); \
      snprintf(n_ ? d_ : NULL, n_, __VA_ARGS__);                       \
      CHECK_EQ_MEM(c_, sizeof c_, d_, sizeof d_);                      \
    }                                                                  \
  } while (0)

static void strings(void) {
  SAME("plain text");
  SAME("%s and %s", "one", "two");
  SAME("[%.3s]", "abcdef");
  SAME("[%.*s]", 2, "abcdef");
  SAME("[%.*s]", 0, "abcdef");
  SAME("[%.10s]", "abc");
  SAME("[%8s|%-8s]", "ab", "cd");
  SAME("[%*s|%-*s]", 5, "x", 4, "y");
  SAME("[%*s]", -5, "x");
  SAME("%c%c%c", 'a', '"', '\\');
  SAME("100%% sure");
  SAME("%s", "");
  SAME("a very long string that does not fit in the short buffers: %s", "tail");
}

/* %.Ns reads no further than N bytes: a string without a NUL is fine. */
static void precision_reads_no_further(void) {
  const char raw[3] = {'a', 'b', 'c'};
  char out[8];
  CHECK_EQ_INT(vl_snprintf(out, sizeof out, "%.3s", raw), 3);
  CHECK_EQ_STR(out, "abc");
  CHECK_EQ_INT(vl_snprintf(out, sizeof out, "%.*s", 2, raw), 2);
  CHECK_EQ_STR(out, "ab");
}

static void integers(void) {
  SAME("%d %d %d", 0, -1, 42);
  SAME("%d %d", INT_MAX, INT_MIN);
  SAME("%i", -7);
  SAME("%u %u", 0u, UINT_MAX);
  SAME("%ld %ld", LONG_MAX, LONG_MIN);
  SAME("%lu", ULONG_MAX);
  SAME("%lld %lld", LLONG_MAX, LLONG_MIN);
  SAME("%llu", ULLONG_MAX);
  SAME("%zu %zu", (size_t)0, SIZE_MAX);
  SAME("%x %X %x", 0xdeadbeefu, 0xabcu, 0u);
  SAME("%02x%02x%02x", 0u, 7u, 255u);
  SAME("\\u%04x", 0x1fu);
  SAME("[%5d|%-5d|%05d]", 42, 42, 42);
  SAME("[%05d|%5d]", -42, -42);
  SAME("[%.3d|%.0d|%.0d]", 7, 0, 1);
  SAME("%hhu %hu", (unsigned char)200, (unsigned short)60000);
  SAME(":%d", 8443);
}

/* Conversions outside the subset print '?' and end the text, rather than
 * read an argument of the wrong type. */
static void unsupported_conversions_stop(void) {
  char out[32];
  CHECK_EQ_INT(vl_snprintf(out, sizeof out, "x=%f then %s", 1.5, "never read"), 3);
  CHECK_EQ_STR(out, "x=?");
  CHECK_EQ_INT(vl_snprintf(out, sizeof out, "%p!", (void *)out), 1);
  CHECK_EQ_STR(out, "?");
  CHECK_EQ_INT(vl_snprintf(out, sizeof out, "%s", (const char *)NULL), 6);
  CHECK_EQ_STR(out, "(null)");
}

/* vl_strstr (src/buf.c) finds what strstr finds. */
static void find_like_strstr(void) {
  const char *hay[] = {"", "a", "abc", "https://h.example", "aaab", "xx://yy://", "token expired", "ab"};
  const char *needle[] = {"", "a", "b", "c", "://", "aab", "abc", "expired", "abcd", "x"};
  for (size_t i = 0; i < sizeof hay / sizeof *hay; i++)
    for (size_t j = 0; j < sizeof needle / sizeof *needle; j++)
      CHECK(vl_strstr(hay[i], needle[j]) == strstr(hay[i], needle[j]));
}

VLT_MAIN(TEST(strings), TEST(find_like_strstr), TEST(precision_reads_no_further), TEST(integers),
         TEST(unsupported_conversions_stop))
