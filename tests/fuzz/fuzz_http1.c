/* libFuzzer: the HTTP/1.1 response parser. Each input is parsed in one piece
 * and again in pieces cut at pseudo-random points derived from the input; the
 * verdict, error detail, statuses, headers and bodies must be identical, and
 * a completed response never exceeds the body limit. A clean and an unclean
 * end of stream are both tried. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http1.h"
#include "input_limits.h"
#include "mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RESPONSES 4

typedef struct {
  vl_status st;
  char detail[160];
  size_t count;
  unsigned status[MAX_RESPONSES];
  int keep_alive[MAX_RESPONSES];
  uint64_t digest[MAX_RESPONSES]; /* of headers and body */
  size_t body_len[MAX_RESPONSES];
} outcome;

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

static void record(const vl_http1_parser *p, outcome *o, size_t max_body) {
  vl_http1_response r;
  if (vl_http1_response_get(p, &r) != VL_OK) abort();
  if (r.body.n > (max_body ? max_body : VL_MAX_RESPONSE_BYTES) || r.status < 100 || r.status > 599 || r.minor > 1)
    abort();
  if (o->count == MAX_RESPONSES) return;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < r.header_count; i++) {
    vl_header hd;
    if (vl_http1_header(p, i, &hd) != VL_OK || hd.name.n == 0) abort();
    h = fnv(h, hd.name.p, hd.name.n);
    h = fnv(h, (const uint8_t *)":", 1);
    h = fnv(h, hd.value.p, hd.value.n);
    if (hd.value.n && (hd.value.p[0] == ' ' || hd.value.p[hd.value.n - 1] == ' ')) abort(); /* trimmed */
    for (size_t k = 0; k < hd.value.n; k++)
      if (hd.value.p[k] == '\r' || hd.value.p[k] == '\n' || hd.value.p[k] == 0) abort();
  }
  h = fnv(h, r.body.p, r.body.n);
  o->status[o->count] = r.status;
  o->keep_alive[o->count] = r.keep_alive;
  o->digest[o->count] = h;
  o->body_len[o->count] = r.body.n;
  o->count++;
}

/* Feeds data cut at cuts[0..ncuts), one response per reset, as the connection layer will. */
static void run(const uint8_t *data, size_t size, const size_t *cuts, size_t ncuts, int is_head, size_t max_body,
                int clean, outcome *o) {
  memset(o, 0, sizeof *o);
  vl_http1_parser p;
  vl_http1_parser_init(&p, is_head, max_body);
  size_t start = 0;
  for (size_t piece = 0; piece <= ncuts && o->st == VL_OK; piece++) {
    size_t end = piece < ncuts ? cuts[piece] : size;
    size_t off = start;
    while (off < end) {
      size_t used = 0;
      o->st = vl_http1_feed(&p, data + off, end - off, &used);
      if (used > end - off) abort();
      off += used;
      if (o->st != VL_OK) break;
      if (vl_http1_done(&p)) {
        record(&p, o, max_body);
        if (off < size) {
          if (!o->keep_alive[o->count - 1] || o->count == MAX_RESPONSES) {
            o->st = VL_ERR_DONE; /* bytes after a response that closes the connection */
            break;
          }
          vl_http1_parser_reset(&p, is_head);
        }
      } else if (off != end) {
        abort(); /* an unfinished response takes every byte */
      }
    }
    start = end;
  }
  if (o->st == VL_OK && !vl_http1_done(&p)) {
    o->st = vl_http1_eof(&p, clean);
    if (o->st == VL_OK) record(&p, o, max_body);
  }
  if (o->st != VL_OK && o->st != VL_ERR_DONE) {
    snprintf(o->detail, sizeof o->detail, "%s", vl_http1_error(&p));
    if (!strstr(o->detail, "at byte")) abort();
    if (vl_http1_done(&p)) abort();
  }
  vl_http1_parser_free(&p);
}

static int same(const outcome *a, const outcome *b) {
  if (a->st != b->st || strcmp(a->detail, b->detail) != 0 || a->count != b->count) return 0;
  for (size_t i = 0; i < a->count && i < MAX_RESPONSES; i++)
    if (a->status[i] != b->status[i] || a->keep_alive[i] != b->keep_alive[i] || a->digest[i] != b->digest[i] ||
        a->body_len[i] != b->body_len[i])
      return 0;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint64_t seed = fnv(0xcbf29ce484222325ull, data, size);
  int is_head = (seed >> 60) == 0; /* 1 in 16 */
  size_t max_body = (seed >> 56) & 1 ? 64 : 0;
  size_t before = vl_mem_in_use();
  for (int clean = 1; clean >= 0; clean--) {
    outcome whole, split;
    run(data, size, NULL, 0, is_head, max_body, clean, &whole);
    /* Up to 16 ascending cuts from a xorshift stream seeded by the input. */
    size_t cuts[16], ncuts = 0, at = 0;
    uint64_t x = seed | 1;
    while (ncuts < 16 && size > 1) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      at += 1 + (size_t)(x % (size / 4 + 2));
      if (at >= size) break;
      cuts[ncuts++] = at;
    }
    run(data, size, cuts, ncuts, is_head, max_body, clean, &split);
    if (!same(&whole, &split)) abort();
    if (size <= 512) { /* byte by byte as well */
      size_t *all = malloc((size ? size : 1) * sizeof *all);
      for (size_t i = 1; i < size; i++) all[i - 1] = i;
      run(data, size, all, size ? size - 1 : 0, is_head, max_body, clean, &split);
      free(all);
      if (!same(&whole, &split)) abort();
    }
  }
  if (vl_mem_in_use() != before) abort();
  return 0;
}
