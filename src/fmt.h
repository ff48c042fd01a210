/* Text formatting for messages and request parts, without the C library's
 * printf: that one carries floating point (fmt_fp and 128-bit soft float,
 * about 10 KB of wasm) that the core never needs.
 *
 * vl_snprintf understands the subset the core uses: %s %c %d %i %u %x %X %%,
 * the length modifiers hh h l ll z, the flags '-' and '0', a width and a
 * precision (digits or '*'); "%.Ns" and "%.*s" print at most N bytes and read
 * no further. Any other conversion (floating point, %p, %n) prints '?', so a
 * mistake is visible in the text instead of undefined. Semantics as C99's
 * snprintf otherwise: the output is always NUL-terminated when n > 0, and the
 * return value is the length the whole text would have had. */
#ifndef VL_FMT_H
#define VL_FMT_H
#include <stdarg.h>
#include <stddef.h>

int vl_snprintf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vl_vsnprintf(char *out, size_t n, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
#endif
