/* A growable byte buffer whose old storage is wiped whenever it moves and
 * whose free wipes: safe for secret bytes. */
#ifndef VL_BUF_H
#define VL_BUF_H
#include <stddef.h>
#include <stdint.h>

#include "vaultlink.h"

typedef struct {
  uint8_t *p;
  size_t len, cap;
  size_t max; /* hard limit on len; 0 = none */
  int failed; /* sticky: set when an append ran out of memory or hit max */
  vl_status why;
} vl_buf;

void vl_buf_init(vl_buf *b, size_t max);
/* Makes room for n bytes in total (a hint: failure is only recorded). */
void vl_buf_reserve(vl_buf *b, size_t n);
/* Appends; on failure marks the buffer failed (checked once at the end). */
void vl_buf_put(vl_buf *b, const void *p, size_t n);
void vl_buf_put_u32(vl_buf *b, uint32_t v);
void vl_buf_put_str(vl_buf *b, const char *s);
/* Appends s as the inside of a JSON string (escaped; invalid UTF-8 → U+FFFD). */
void vl_buf_put_json_str(vl_buf *b, const uint8_t *s, size_t n);
/* Hands the bytes to the caller (who vl_free()s them), NUL-terminated but the
 * NUL not counted, and resets the buffer. NULL when out of memory. */
uint8_t *vl_buf_take(vl_buf *b, size_t *len);
/* Wipes and frees. */
void vl_buf_free(vl_buf *b);

/* The byte offset where JSON text s[0..n) first nests deeper than max
 * ('[' or '{' outside strings), or SIZE_MAX if it never does. */
size_t vl_json_too_deep(const uint8_t *s, size_t n, unsigned max);

/* The first occurrence of needle in hay, or NULL: strstr without the C
 * library's two-way search (1.4 KB of wasm; the core searches short strings). */
const char *vl_strstr(const char *hay, const char *needle);

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
int vl_utf8_valid(const uint8_t *s, size_t n);
/* UTF-16 code units in UTF-8 text s[0..n): the offset a JS string has where
 * the core has byte offset n. Each byte that starts a sequence counts 1, a
 * four-byte lead 2 (a surrogate pair). ASCII runs go 16 bytes at a time. */
size_t vl_utf16_len(const uint8_t *s, size_t n);
/* Length of the well-formed UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t vl_utf8_seq(const uint8_t *s, size_t n);

/* How an error message quotes an input string that did not parse as what it
 * should be: at most its first VL_QUOTE_HEAD bytes, and only when they are
 * printable ASCII (not '"' or '\\'), as "abcd…" (quotes included; no "…"
 * when s is that short), or (unprintable). Such a string may be a secret
 * pasted in the wrong place (DESIGN.md I9): "sk_live_…" is quoted "sk_l…".
 * Writes a NUL-terminated string of at most VL_QUOTE_MAX bytes into out. */
#define VL_QUOTE_HEAD 4u
#define VL_QUOTE_MAX 16u
void vl_quote_head(char out[VL_QUOTE_MAX], const char *s);
#endif
