/* The HTTP/1.1 codec: llhttp's response corpus read in place (normalised as
 * llhttp's md-test.ts does), each case fed whole, split at every byte and byte
 * by byte; then hand-written cases for truncation, limits, chunked garbage,
 * interim responses, HEAD/204, and the request writer. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "http/http1.h"
#include "input_limits.h"
#include "mem.h"
#include "vltest.h"

/* ------------------------------------------------------------ small strings */

typedef struct {
  char *p;
  size_t n;
} tstr;

static void ts_put(tstr *s, const void *p, size_t n) {
  s->p = realloc(s->p, s->n + n + 1);
  if (n) memcpy(s->p + s->n, p, n);
  s->n += n;
  s->p[s->n] = 0;
}

static void ts_free(tstr *s) {
  free(s->p);
  s->p = NULL;
  s->n = 0;
}

static int ts_eq(const tstr *a, const tstr *b) {
  return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

/* ------------------------------------------------- a message, either side */

/* Small enough that five outcomes fit the wasm build's 64 KiB stack. */
#define MAX_MSGS 4
#define MAX_HDRS 24

typedef struct {
  int headers_done, complete, keep_alive;
  unsigned status, major, minor, flags;
  char proto[16];
  size_t nh;
  tstr name[MAX_HDRS], value[MAX_HDRS];
  tstr body;
} tmsg;

typedef struct {
  int error;
  char detail[200];
  size_t count;
  tmsg m[MAX_MSGS];
  int last_by_eof; /* ours: the last message was completed by a clean EOF */
} toutcome;

static void outcome_free(toutcome *o) {
  for (size_t i = 0; i < MAX_MSGS; i++) {
    for (size_t h = 0; h < MAX_HDRS; h++) {
      ts_free(&o->m[i].name[h]);
      ts_free(&o->m[i].value[h]);
    }
    ts_free(&o->m[i].body);
  }
  memset(o, 0, sizeof *o);
}

static int msg_eq(const tmsg *a, const tmsg *b) {
  if (a->status != b->status || a->minor != b->minor || a->keep_alive != b->keep_alive || a->nh != b->nh) return 0;
  for (size_t h = 0; h < a->nh; h++)
    if (!ts_eq(&a->name[h], &b->name[h]) || !ts_eq(&a->value[h], &b->value[h])) return 0;
  return ts_eq(&a->body, &b->body);
}

static int outcome_eq(const toutcome *a, const toutcome *b) {
  if (a->error != b->error || strcmp(a->detail, b->detail) != 0 || a->count != b->count) return 0;
  for (size_t i = 0; i < a->count; i++)
    if (!msg_eq(&a->m[i], &b->m[i])) return 0;
  return 1;
}

/* ------------------------------------------------------- our parser, driven */

static void record(const vl_http1_parser *p, tmsg *m) {
  vl_http1_response r;
  CHECK_EQ_INT(vl_http1_response_get(p, &r), VL_OK);
  m->status = r.status;
  m->major = 1;
  m->minor = r.minor;
  m->keep_alive = r.keep_alive;
  m->complete = 1;
  m->headers_done = 1;
  m->nh = 0;
  CHECK(r.header_count <= MAX_HDRS);
  for (size_t h = 0; h < r.header_count && h < MAX_HDRS; h++) {
    vl_header hd;
    CHECK_EQ_INT(vl_http1_header(p, h, &hd), VL_OK);
    ts_put(&m->name[h], hd.name.p, hd.name.n);
    ts_put(&m->value[h], hd.value.p, hd.value.n);
    m->nh++;
  }
  ts_put(&m->body, r.body.p, r.body.n);
}

/*
 * Feeds in[0..n) in pieces cut at cuts[0..ncuts) (ascending), one response per
 * reset, the way the connection layer will: after a complete response, more
 * bytes on a connection that stays open start the next response; more bytes
 * after a response that closes the connection are an error (as llhttp's
 * "Data after Connection: close"). At the end of the input the stream ends,
 * cleanly or not.
 */
static void run_ours(const uint8_t *in, size_t n, const size_t *cuts, size_t ncuts, int is_head, int clean,
                     toutcome *o) {
  memset(o, 0, sizeof *o);
  vl_http1_parser p;
  vl_http1_parser_init(&p, is_head, 0);
  size_t start = 0;
  for (size_t piece = 0; piece <= ncuts; piece++) {
    size_t end = piece < ncuts ? cuts[piece] : n;
    size_t off = start;
    while (off < end) {
      size_t used = 0;
      vl_status st = vl_http1_feed(&p, in + off, end - off, &used);
      CHECK(used <= end - off);
      off += used;
      if (st != VL_OK) {
        o->error = 1;
        snprintf(o->detail, sizeof o->detail, "%s", vl_http1_error(&p));
        CHECK(strlen(o->detail) > 0);
        goto out;
      }
      if (vl_http1_done(&p)) {
        if (o->count < MAX_MSGS) record(&p, &o->m[o->count++]);
        if (off < n) {
          vl_http1_response r;
          vl_http1_response_get(&p, &r);
          if (!r.keep_alive) {
            o->error = 1;
            snprintf(o->detail, sizeof o->detail, "data after a response that closes the connection");
            goto out;
          }
          vl_http1_parser_reset(&p, is_head);
        }
      } else {
        CHECK_EQ_INT(off, end); /* an unfinished response takes every byte */
      }
    }
    start = end;
  }
  if (!vl_http1_done(&p)) {
    vl_status st = vl_http1_eof(&p, clean);
    if (st != VL_OK) {
      o->error = 1;
      snprintf(o->detail, sizeof o->detail, "%s", vl_http1_error(&p));
    } else {
      if (o->count < MAX_MSGS) record(&p, &o->m[o->count++]);
      o->last_by_eof = 1;
    }
  }
out:
  vl_http1_parser_free(&p);
}

/* ------------------------------------------- llhttp fixtures: the markdown */

typedef struct {
  char file[32];
  char name[200];
  char type[64];
  int skip_body;
  int line;
  tstr input; /* raw block text */
  tstr log;
} tcase;

/* Appends code point cp as UTF-8 (node's Buffer.from(string) of the unescaped input). */
static void put_utf8(tstr *s, unsigned long cp) {
  unsigned char b[4];
  size_t k;
  cp &= 0xFFFF; /* String.fromCharCode keeps 16 bits */
  if (cp < 0x80) {
    b[0] = (unsigned char)cp;
    k = 1;
  } else if (cp < 0x800) {
    b[0] = (unsigned char)(0xC0 | cp >> 6);
    b[1] = (unsigned char)(0x80 | (cp & 0x3F));
    k = 2;
  } else {
    b[0] = (unsigned char)(0xE0 | cp >> 12);
    b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (unsigned char)(0x80 | (cp & 0x3F));
    k = 3;
  }
  ts_put(s, b, k);
}

/* One pass of "replace every \<c> by byte v" (md-test.ts does one pass per escape). */
static void unescape_pass(tstr *s, char c, char v) {
  tstr o = {0};
  for (size_t i = 0; i < s->n; i++) {
    if (s->p[i] == '\\' && i + 1 < s->n && s->p[i + 1] == c) {
      ts_put(&o, &v, 1);
      i++;
    } else {
      ts_put(&o, &s->p[i], 1);
    }
  }
  ts_free(s);
  *s = o;
}

/*
 * md-test.ts:150-175, in order: strip one trailing LF; drop backslash-newline;
 * newline -> CRLF; \r \n \t \f; \xHH+; \NNN (octal, 1-3 digits); ${js}. Only
 * the JS form ${"c".repeat(N)} (or 'c') is evaluated; any other sets
 * *unsupported (the case is then skipped by name).
 */
static tstr normalise(const tstr *raw, int *unsupported) {
  tstr a = {0}, b = {0};
  *unsupported = 0;
  size_t n = raw->n;
  if (n && raw->p[n - 1] == '\n') n--;
  for (size_t i = 0; i < n; i++) { /* backslash-newline */
    if (raw->p[i] == '\\' && i + 1 < n && (raw->p[i + 1] == '\r' || raw->p[i + 1] == '\n')) {
      i += (raw->p[i + 1] == '\r' && i + 2 < n && raw->p[i + 2] == '\n') ? 2 : 1;
      continue;
    }
    ts_put(&a, &raw->p[i], 1);
  }
  for (size_t i = 0; i < a.n; i++) { /* newlines */
    if (a.p[i] == '\r' || a.p[i] == '\n') {
      if (a.p[i] == '\r' && i + 1 < a.n && a.p[i + 1] == '\n') i++;
      ts_put(&b, "\r\n", 2);
    } else {
      ts_put(&b, &a.p[i], 1);
    }
  }
  ts_free(&a);
  unescape_pass(&b, 'r', '\r');
  unescape_pass(&b, 'n', '\n');
  unescape_pass(&b, 't', '\t');
  unescape_pass(&b, 'f', '\f');
  for (int pass = 0; pass < 2; pass++) { /* 0: \xHH+, 1: octal */
    tstr o = {0};
    for (size_t i = 0; i < b.n; i++) {
      unsigned long v = 0;
      size_t k = i + 1, digits = 0;
      if (b.p[i] == '\\' && pass == 0 && k < b.n && b.p[k] == 'x') {
        k++;
        while (k < b.n && vlt_hexval(b.p[k]) >= 0) v = v * 16 + (unsigned long)vlt_hexval(b.p[k++]), digits++;
      } else if (b.p[i] == '\\' && pass == 1) {
        while (k < b.n && digits < 3 && b.p[k] >= '0' && b.p[k] <= '7')
          v = v * 8 + (unsigned long)(b.p[k++] - '0'), digits++;
      }
      if (digits) {
        put_utf8(&o, v);
        i = k - 1;
      } else {
        ts_put(&o, &b.p[i], 1);
      }
    }
    ts_free(&b);
    b = o;
  }
  tstr o = {0};
  for (size_t i = 0; i < b.n; i++) {
    if (b.p[i] == '$' && i + 1 < b.n && b.p[i + 1] == '{') {
      const char *close = memchr(b.p + i, '}', b.n - i);
      char q = i + 2 < b.n ? b.p[i + 2] : 0;
      unsigned long count = 0;
      char ch = 0;
      int ok = 0;
      if (close && (q == '"' || q == '\'') && i + 5 < b.n && b.p[i + 4] == q) {
        ch = b.p[i + 3];
        const char *rep = b.p + i + 5;
        if (strncmp(rep, ".repeat(", 8) == 0) {
          char *endp;
          count = strtoul(rep + 8, &endp, 10);
          ok = endp[0] == ')' && endp + 1 == close;
        }
      }
      if (!ok) {
        *unsupported = 1;
        ts_put(&o, &b.p[i], 1);
        continue;
      }
      for (unsigned long r = 0; r < count; r++) ts_put(&o, &ch, 1);
      i = (size_t)(close - b.p);
    } else {
      ts_put(&o, &b.p[i], 1);
    }
  }
  ts_free(&b);
  return o;
}

static size_t parse_cases(const char *file, const char *text, tcase *out, size_t max) {
  size_t count = 0;
  char heading[200] = "", type[64] = "";
  int skip_body = 0, have_meta = 0, meta_line = 0;
  tstr input = {0};
  int have_input = 0;
  const char *s = text;
  int line = 0;
  while (*s) {
    const char *e = strchr(s, '\n');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    line++;
    if (len > 0 && s[0] == '#') {
      size_t k = 0;
      while (k < len && (s[k] == '#' || s[k] == ' ')) k++;
      snprintf(heading, sizeof heading, "%.*s", (int)(len - k), s + k);
      have_meta = have_input = 0;
      ts_free(&input);
    } else if (len >= 10 && strncmp(s, "<!-- meta=", 10) == 0) {
      const char *t = strstr(s, "\"type\"");
      type[0] = 0;
      if (t && t < s + len) {
        t += 6;
        while (*t == ' ' || *t == ':') t++;
        if (*t == '"') {
          const char *q = strchr(t + 1, '"');
          if (q) snprintf(type, sizeof type, "%.*s", (int)(q - t - 1), t + 1);
        }
      }
      const char *sb = strstr(s, "\"skipBody\"");
      skip_body = 0;
      if (sb && sb < s + len) {
        sb += 10;
        while (*sb == ' ' || *sb == ':') sb++;
        skip_body = strncmp(sb, "true", 4) == 0;
      }
      have_meta = 1;
      meta_line = line;
    } else if ((len == 7 && strncmp(s, "```http", 7) == 0) || (len == 6 && strncmp(s, "```log", 6) == 0)) {
      int is_log = s[3] == 'l';
      tstr block = {0};
      s = e ? e + 1 : s + len;
      while (*s) {
        e = strchr(s, '\n');
        len = e ? (size_t)(e - s) : strlen(s);
        line++;
        if (len == 3 && strncmp(s, "```", 3) == 0) break;
        ts_put(&block, s, len);
        ts_put(&block, "\n", 1);
        s = e ? e + 1 : s + len;
      }
      if (!is_log) {
        ts_free(&input);
        input = block;
        have_input = 1;
      } else if (have_meta && have_input && count < max) {
        tcase *c = &out[count++];
        memset(c, 0, sizeof *c);
        snprintf(c->file, sizeof c->file, "%s", file);
        snprintf(c->name, sizeof c->name, "%s", heading);
        snprintf(c->type, sizeof c->type, "%s", type);
        c->skip_body = skip_body;
        c->line = meta_line;
        c->input = input;
        c->log = block;
        input = (tstr){0};
        have_meta = have_input = 0;
      } else {
        ts_free(&block);
      }
    }
    s = e ? e + 1 : s + len;
  }
  ts_free(&input);
  return count;
}

/* -------------------------------------------- llhttp fixtures: the log */

/* The value of a span line: "..." (raw up to the line's last quote), lf or cr. */
static void span_value(const char *v, size_t len, tstr *to) {
  if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
    ts_put(to, v + 1, len - 2);
  } else if (len == 2 && strncmp(v, "lf", 2) == 0) {
    ts_put(to, "\n", 1);
  } else if (len == 2 && strncmp(v, "cr", 2) == 0) {
    ts_put(to, "\r", 1);
  }
}

/* The escapes md-test.ts undoes in the expected log (\t and \f). */
static void unescape_log(tstr *t) {
  unescape_pass(t, 't', '\t');
  unescape_pass(t, 'f', '\f');
}

/* Builds llhttp's view of the case from its log; returns 0 on a line it does not know. */
static int parse_log(const tstr *log_raw, toutcome *x) {
  memset(x, 0, sizeof *x);
  tstr log = {0};
  ts_put(&log, log_raw->p, log_raw->n);
  unescape_log(&log);
  tmsg *m = NULL;
  int in_value = 0, ok = 1;
  const char *s = log.p;
  while (s && *s) {
    const char *e = strchr(s, '\n');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)len, s);
    const char *ev = strchr(line, ' ');
    ev = ev ? ev + 1 : line;
    if (line[0] == '/') {
      ok = 0; /* a regex line */
    } else if (strncmp(ev, "len=", 4) == 0) {
      const char *sp = strchr(ev, ' ');
      const char *eq = sp ? strchr(sp, '=') : NULL;
      if (!sp || !eq || !m) {
        ok = 0;
      } else {
        const char *v = eq + 1;
        size_t vl = strlen(v);
        if (strncmp(sp + 1, "span[protocol]", 14) == 0) {
          tstr t = {0};
          span_value(v, vl, &t);
          snprintf(m->proto, sizeof m->proto, "%s", t.p ? t.p : "");
          ts_free(&t);
        } else if (strncmp(sp + 1, "span[header_field]", 18) == 0) {
          if (in_value) m->nh++, in_value = 0;
          if (m->nh < MAX_HDRS) span_value(v, vl, &m->name[m->nh]);
        } else if (strncmp(sp + 1, "span[header_value]", 18) == 0) {
          in_value = 1;
          if (m->nh < MAX_HDRS) span_value(v, vl, &m->value[m->nh]);
        } else if (strncmp(sp + 1, "span[body]", 10) == 0) {
          span_value(v, vl, &m->body);
        }
      }
    } else if (strcmp(ev, "message begin") == 0) {
      if (x->count == MAX_MSGS) {
        ok = 0;
      } else {
        m = &x->m[x->count++];
        in_value = 0;
      }
    } else if (m && m->nh >= MAX_HDRS) {
      ok = 0; /* more fields than this runner keeps */
    } else if (strcmp(ev, "header_value complete") == 0 && m) {
      if (!in_value && m->nh < MAX_HDRS) ts_put(&m->value[m->nh], "", 0); /* empty value: no span */
      m->nh++;
      in_value = 0;
    } else if (strncmp(ev, "headers complete", 16) == 0 && m) {
      if (in_value) m->nh++, in_value = 0;
      if (sscanf(ev, "headers complete status=%u v=%u/%u flags=%x", &m->status, &m->major, &m->minor, &m->flags) != 4)
        ok = 0;
      m->headers_done = 1;
    } else if (strcmp(ev, "message complete") == 0 && m) {
      m->complete = 1;
    } else if (strncmp(ev, "error code=", 11) == 0) {
      x->error = 1;
    } else if (strncmp(ev, "finish=", 7) == 0 || strcmp(ev, "reset") == 0 || strcmp(ev, "pause") == 0 ||
               strcmp(ev, "skip body") == 0 || strncmp(ev, "chunk ", 6) == 0 || strstr(ev, " complete") != NULL) {
      /* framing detail our API does not expose */
    } else {
      ok = 0;
    }
    s = e ? e + 1 : NULL;
  }
  /* llhttp's value spans keep trailing whitespace; ours are trimmed. */
  for (size_t i = 0; i < x->count; i++)
    for (size_t h = 0; h < x->m[i].nh && h < MAX_HDRS; h++) {
      tstr *v = &x->m[i].value[h];
      while (v->n && (v->p[v->n - 1] == ' ' || v->p[v->n - 1] == '\t')) v->p[--v->n] = 0;
    }
  ts_free(&log);
  return ok;
}

enum { F_KEEP_ALIVE = 0x1, F_CLOSE = 0x2, F_CHUNKED = 0x8, F_CONTENT_LENGTH = 0x20, F_TE = 0x200 };

/* llhttp_message_needs_eof() for a message whose headers are complete. */
static int needs_eof(const tmsg *m, int skip_body) {
  if (skip_body || (m->status >= 100 && m->status < 200) || m->status == 204 || m->status == 304) return 0;
  if ((m->flags & F_TE) && !(m->flags & F_CHUNKED)) return 1;
  return !(m->flags & (F_CHUNKED | F_CONTENT_LENGTH));
}

/* Counters printed at the end of the corpus test. */
typedef struct {
  int checked, skipped, llhttp_errors, lenient, stricter, truncated, ok_messages, splits;
} tstats;

/*
 * What our parser must do for this case, from llhttp's log. Sets *expect_error
 * and returns the reason (a static string), after dropping interim 1xx
 * messages (ours skips them) and filling each message's expected keep-alive.
 */
static const char *expectation(const tcase *c, toutcome *x, int *expect_error) {
  *expect_error = 0;
  size_t w = 0;
  for (size_t i = 0; i < x->count; i++) {
    tmsg *m = &x->m[i];
    int interim = m->headers_done && m->status >= 100 && m->status < 200 && m->status != 101;
    if (interim) continue;
    if (w != i) {
      tmsg t = x->m[w];
      x->m[w] = *m;
      *m = t;
    }
    w++;
  }
  x->count = w;
  if (x->error) return (*expect_error = 1, "llhttp rejects it");
  if (strncmp(c->type, "response-lenient", 16) == 0) return (*expect_error = 1, "lenient-mode case");
  for (size_t i = 0; i < x->count; i++) {
    tmsg *m = &x->m[i];
    if (m->proto[0] && strcmp(m->proto, "HTTP") != 0) return (*expect_error = 1, "stricter: not HTTP");
    if (!m->headers_done) continue;
    if (m->major != 1 || m->minor > 1) return (*expect_error = 1, "stricter: HTTP version other than 1.0/1.1");
    if ((m->flags & F_TE) && !(m->flags & F_CHUNKED))
      return (*expect_error = 1, "stricter: Transfer-Encoding other than chunked");
    int eof = needs_eof(m, c->skip_body);
    if (eof && m->minor == 1 && !(m->flags & F_CLOSE))
      return (*expect_error = 1, "stricter: close-delimited HTTP/1.1 body without Connection: close");
    m->keep_alive = (m->minor == 1 ? !(m->flags & F_CLOSE) : (m->flags & F_KEEP_ALIVE) != 0) && !eof;
  }
  if (x->count == 0) return (*expect_error = 1, "truncated: no response");
  tmsg *last = &x->m[x->count - 1];
  if (!last->complete) {
    if (last->headers_done && needs_eof(last, c->skip_body)) {
      last->complete = 1; /* the clean end of the stream ends its body */
      return "ok, body ends at the clean close";
    }
    return (*expect_error = 1, "truncated: the input ends inside a response");
  }
  return "ok";
}

static const char *const k_files[] = {"connection", "content-length", "finish", "invalid",          "lenient-version",
                                      "pausing",    "pipelining",     "sample", "transfer-encoding"};

static void check_case(const tcase *c, tstats *stats) {
  int unsupported = 0;
  tstr in = normalise(&c->input, &unsupported);
  toutcome x;
  if (unsupported || !parse_log(&c->log, &x)) {
    printf("  skip %s:%d \"%s\": %s\n", c->file, c->line, c->name,
           unsupported ? "a ${js} expression other than repeat()" : "a log line this runner does not know");
    stats->skipped++;
    outcome_free(&x);
    ts_free(&in);
    return;
  }
  int expect_error;
  const char *why = expectation(c, &x, &expect_error);
  toutcome got;
  run_ours((const uint8_t *)in.p, in.n, NULL, 0, c->skip_body, 1, &got);
  int good = got.error == expect_error;
  if (good && !expect_error) {
    good = got.count == x.count;
    for (size_t i = 0; good && i < x.count; i++) good = msg_eq(&got.m[i], &x.m[i]);
  }
  if (!good) {
    CHECK(good);
    fprintf(stderr, "    %s:%d \"%s\": expected %s (%s), got %s %s (%zu messages)\n", c->file, c->line, c->name,
            expect_error ? "error" : "success", why, got.error ? "error:" : "success", got.detail, got.count);
  }
  if (getenv("VL_HTTP1_VERBOSE"))
    printf("  case %s:%d \"%s\": %s -> %s%s (%zu responses)\n", c->file, c->line, c->name, why,
           got.error ? "error: " : "ok", got.detail, got.count);
  if (strncmp(why, "stricter", 8) == 0) stats->stricter++;
  if (strncmp(why, "lenient", 7) == 0) stats->lenient++;
  if (strncmp(why, "llhttp", 6) == 0) stats->llhttp_errors++;
  if (strncmp(why, "truncated", 9) == 0) stats->truncated++;
  if (strncmp(why, "ok", 2) == 0) stats->ok_messages += (int)x.count;
  /* A body that ended with the stream is refused when the close is not clean. */
  if (!got.error && got.last_by_eof) {
    toutcome unclean;
    run_ours((const uint8_t *)in.p, in.n, NULL, 0, c->skip_body, 0, &unclean);
    CHECK(unclean.error);
    CHECK(strstr(unclean.detail, "close_notify") != NULL);
    outcome_free(&unclean);
  }
  /* The same outcome, whatever the pieces: two pieces at every cut, then byte by byte. */
  for (size_t cut = 1; cut < in.n; cut++) {
    toutcome split;
    run_ours((const uint8_t *)in.p, in.n, &cut, 1, c->skip_body, 1, &split);
    if (!outcome_eq(&split, &got)) {
      CHECK(outcome_eq(&split, &got));
      fprintf(stderr, "    %s \"%s\" split at %zu: %s / %s\n", c->file, c->name, cut, split.detail, got.detail);
    }
    outcome_free(&split);
    stats->splits++;
  }
  size_t *cuts = malloc((in.n ? in.n : 1) * sizeof *cuts);
  for (size_t k = 1; k < in.n; k++) cuts[k - 1] = k;
  toutcome bytes;
  run_ours((const uint8_t *)in.p, in.n, cuts, in.n ? in.n - 1 : 0, c->skip_body, 1, &bytes);
  CHECK(outcome_eq(&bytes, &got));
  outcome_free(&bytes);
  free(cuts);
  stats->checked++;
  outcome_free(&got);
  outcome_free(&x);
  ts_free(&in);
}

static void test_llhttp_corpus(void) {
  static tcase cases[64];
  tstats stats = {0};
  int total = 0;
  for (size_t f = 0; f < sizeof k_files / sizeof k_files[0]; f++) {
    char path[512];
    snprintf(path, sizeof path, "%s/llhttp/response/%s.md", VL_VECTORS_DIR, k_files[f]);
    char *text = vlt_read_file(path, NULL);
    CHECK(text != NULL);
    if (!text) continue;
    size_t n = parse_cases(k_files[f], text, cases, sizeof cases / sizeof cases[0]);
    free(text);
    total += (int)n;
    for (size_t i = 0; i < n; i++) {
      if (strncmp(cases[i].type, "response", 8) != 0) {
        printf("  skip %s:%d \"%s\": type %s\n", cases[i].file, cases[i].line, cases[i].name, cases[i].type);
        stats.skipped++;
      } else {
        check_case(&cases[i], &stats);
      }
      ts_free(&cases[i].input);
      ts_free(&cases[i].log);
    }
  }
  printf(
      "  llhttp corpus: %d cases, %d checked, %d skipped; of the checked: %d rejected as llhttp does, "
      "%d lenient-mode cases rejected, %d rejected where we are stricter, %d truncated at EOF, "
      "%d responses matched; %d split feeds\n",
      total, stats.checked, stats.skipped, stats.llhttp_errors, stats.lenient, stats.stricter, stats.truncated,
      stats.ok_messages, stats.splits);
  CHECK_EQ_INT(total, 85);        /* tunnel.md §8: 85 tests in the nine files */
  CHECK(stats.checked >= 80);     /* every case; only an unknown log line may skip one */
  CHECK(stats.ok_messages >= 30); /* and most of them parse to responses compared field by field */
  CHECK(stats.lenient == 8);      /* the response-lenient-* cases, all refused */
  CHECK(stats.llhttp_errors >= 20);
}

static void test_normalise(void) {
  tstr raw = {0};
  const char *text = "A\\r\\n\\t\\f\\x41\\101\\\nB\n${\"a\".repeat(3)}\n\n";
  ts_put(&raw, text, strlen(text));
  int unsupported;
  tstr n = normalise(&raw, &unsupported);
  CHECK_EQ_INT(unsupported, 0);
  CHECK_EQ_MEM(n.p, n.n, "A\r\n\t\fAAB\r\naaa\r\n", 15);
  ts_free(&n);
  ts_free(&raw);
  ts_put(&raw, "${1+1}", 6);
  n = normalise(&raw, &unsupported);
  CHECK_EQ_INT(unsupported, 1);
  ts_free(&n);
  ts_free(&raw);
}

/* ---------------------------------------------------------- hand-written */

/* Feeds s whole, then ends the stream (clean); returns the status of whichever failed first. */
static vl_status parse_all(vl_http1_parser *p, const char *s, size_t n, int clean) {
  size_t used;
  vl_status st = vl_http1_feed(p, (const uint8_t *)s, n, &used);
  if (st != VL_OK) return st;
  if (vl_http1_done(p)) return VL_OK;
  return vl_http1_eof(p, clean);
}

static vl_status parse_str(const char *s, int is_head, int clean, char *detail, size_t dlen) {
  vl_http1_parser p;
  vl_http1_parser_init(&p, is_head, 0);
  vl_status st = parse_all(&p, s, strlen(s), clean);
  if (detail) snprintf(detail, dlen, "%s", vl_http1_error(&p));
  vl_http1_parser_free(&p);
  return st;
}

static void test_truncated_content_length(void) {
  char d[200];
  const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort";
  CHECK_EQ_INT(parse_str(r, 0, 1, d, sizeof d), VL_ERR_FORMAT);
  CHECK(strstr(d, "5 of 10 body bytes") != NULL);
  CHECK(strstr(d, "short") == NULL); /* no body bytes in the message */
  CHECK_EQ_INT(parse_str(r, 0, 0, d, sizeof d), VL_ERR_FORMAT);
  /* The parser never calls it done, and no body is handed out. */
  vl_http1_parser p;
  vl_http1_parser_init(&p, 0, 0);
  size_t used;
  CHECK_EQ_INT(vl_http1_feed(&p, (const uint8_t *)r, strlen(r), &used), VL_OK);
  CHECK_EQ_INT(used, strlen(r));
  CHECK_EQ_INT(vl_http1_done(&p), 0);
  vl_http1_response resp;
  CHECK_EQ_INT(vl_http1_response_get(&p, &resp), VL_ERR_STATE);
  CHECK_EQ_INT(vl_http1_eof(&p, 1), VL_ERR_FORMAT);
  CHECK_EQ_INT(vl_http1_response_get(&p, &resp), VL_ERR_STATE);
  CHECK_EQ_INT(vl_http1_feed(&p, (const uint8_t *)"12345", 5, &used), VL_ERR_FORMAT); /* sticky */
  vl_http1_parser_free(&p);
  /* Cut in the headers, in a chunk, before anything. */
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nContent-Le", 0, 1, d, sizeof d), VL_ERR_FORMAT);
  CHECK(strstr(d, "header fields") != NULL);
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 0, 1, d, sizeof d),
               VL_ERR_FORMAT);
  CHECK(strstr(d, "chunked") != NULL);
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", 0, 1, d, sizeof d),
               VL_ERR_FORMAT);
  CHECK(strstr(d, "trailer") != NULL);
  CHECK_EQ_INT(parse_str("", 0, 1, d, sizeof d), VL_ERR_FORMAT);
  CHECK(strstr(d, "before the response began") != NULL);
}

static void test_close_delimited(void) {
  char d[200];
  const char *r10 = "HTTP/1.0 200 OK\r\n\r\nall of it";
  const char *r11 = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it";
  const char *bad = "HTTP/1.1 200 OK\r\n\r\nall of it";
  CHECK_EQ_INT(parse_str(r10, 0, 1, d, sizeof d), VL_OK);
  CHECK_EQ_INT(parse_str(r11, 0, 1, d, sizeof d), VL_OK);
  CHECK_EQ_INT(parse_str(r10, 0, 0, d, sizeof d), VL_ERR_FORMAT);
  CHECK(strstr(d, "close_notify after 9 body bytes") != NULL);
  CHECK_EQ_INT(parse_str(r11, 0, 0, d, sizeof d), VL_ERR_FORMAT);
  CHECK_EQ_INT(parse_str(bad, 0, 1, d, sizeof d), VL_ERR_FORMAT);
  CHECK(strstr(d, "without Content-Length or chunked") != NULL);
  /* The body until the clean close, and no keep-alive. */
  vl_http1_parser p;
  vl_http1_parser_init(&p, 0, 0);
  CHECK_EQ_INT(parse_all(&p, r11, strlen(r11), 1), VL_OK);
  vl_http1_response resp;
  CHECK_EQ_INT(vl_http1_response_get(&p, &resp), VL_OK);
  CHECK_EQ_MEM(resp.body.p, resp.body.n, "all of it", 9);
  CHECK_EQ_INT(resp.keep_alive, 0);
  size_t used = 7;
  CHECK_EQ_INT(vl_http1_feed(&p, (const uint8_t *)"x", 1, &used), VL_ERR_STATE); /* after the end */
  CHECK_EQ_INT(used, 0);
  vl_http1_parser_free(&p);
}

static void test_chunked(void) {
  const char *r =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "4;a=b;c=\"d;\\\"e\"\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
  vl_http1_parser p;
  vl_http1_parser_init(&p, 0, 0);
  size_t used;
  CHECK_EQ_INT(vl_http1_feed(&p, (const uint8_t *)r, strlen(r), &used), VL_OK);
  CHECK_EQ_INT(used, strlen(r) - 4); /* NEXT is left for the caller */
  vl_http1_response resp;
  CHECK_EQ_INT(vl_http1_response_get(&p, &resp), VL_OK);
  CHECK_EQ_MEM(resp.body.p, resp.body.n, "Wikipedia", 9);
  CHECK_EQ_INT(resp.keep_alive, 1);
  CHECK_EQ_INT(resp.header_count, 1); /* the trailer is not among the headers */
  CHECK_EQ_INT(vl_http1_find(&p, "x-trailer", NULL), 0);
  CHECK_EQ_INT(vl_http1_feed(&p, (const uint8_t *)"NEXT", 4, &used), VL_OK); /* done: takes nothing */
  CHECK_EQ_INT(used, 0);
  vl_http1_parser_free(&p);

  static const char *const garbage[] = {
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",                /* not hex */
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n",       /* space after size */
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n",          /* bare LF */
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX",          /* no CRLF after data */
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n",       /* empty extension */
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\r\nhello\r\n",     /* empty extension value */
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"x\r\nhello\r\n",  /* open quote */
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", /* overflows */
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n bad\r\n\r\n",     /* folded trailer */
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",       /* coding we do not decode */
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", /* TE + CL */
      "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",                      /* TE in 1.0 */
  };
  for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
    char d[200];
    vl_status st = parse_str(garbage[i], 0, 1, d, sizeof d);
    if (st == VL_OK) fprintf(stderr, "    garbage %zu accepted\n", i);
    CHECK(st == VL_ERR_FORMAT || st == VL_ERR_LIMIT);
    CHECK(strstr(d, "at byte") != NULL);
  }
  char d[200];
  CHECK_EQ_INT(parse_str(garbage[7], 0, 1, d, sizeof d), VL_ERR_LIMIT);
  CHECK_EQ_INT(parse_str(garbage[0], 0, 1, d, sizeof d), VL_ERR_FORMAT);
  CHECK(strstr(d, "at byte 47") != NULL);
}

static void test_content_length_rules(void) {
  char d[200];
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc", 0, 1, d, sizeof d),
               VL_OK);
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 0, 1, d, sizeof d),
               VL_ERR_FORMAT);
  CHECK(strstr(d, "conflicting Content-Length") != NULL);
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", 0, 1, d, sizeof d), VL_ERR_FORMAT);
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc", 0, 1, d, sizeof d), VL_ERR_FORMAT);
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nabc", 0, 1, d, sizeof d), VL_ERR_FORMAT);
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 0, 1, d, sizeof d),
               VL_ERR_FORMAT);
  CHECK(strstr(d, "overflows") != NULL);
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nContent-Length: 4194305\r\n\r\n", 0, 1, d, sizeof d), VL_ERR_LIMIT);
  /* HEAD and 304 may announce any length: no body follows. */
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nContent-Length: 4194305\r\n\r\n", 1, 1, d, sizeof d), VL_OK);
  CHECK_EQ_INT(parse_str("HTTP/1.1 304 Not Modified\r\nContent-Length: 4194305\r\n\r\n", 0, 1, d, sizeof d), VL_OK);
}

static void test_body_limit(void) {
  /* Exactly at the limit: fine, and fast when fed in 1-byte and 7-byte pieces. */
  size_t n = VL_MAX_RESPONSE_BYTES;
  const char *hdr = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
  size_t hl = strlen(hdr);
  uint8_t *msg = malloc(hl + n + 1);
  memcpy(msg, hdr, hl);
  for (size_t i = 0; i < n + 1; i++) msg[hl + i] = (uint8_t)('a' + i % 26);
  for (size_t piece = 1; piece <= 7; piece += 6) {
    vl_http1_parser p;
    vl_http1_parser_init(&p, 0, 0);
    vl_status st = VL_OK;
    for (size_t off = 0; off < hl + n && st == VL_OK; off += piece) {
      size_t len = hl + n - off < piece ? hl + n - off : piece, used;
      st = vl_http1_feed(&p, msg + off, len, &used);
    }
    CHECK_EQ_INT(st, VL_OK);
    CHECK_EQ_INT(vl_http1_eof(&p, 1), VL_OK);
    vl_http1_response r;
    CHECK_EQ_INT(vl_http1_response_get(&p, &r), VL_OK);
    CHECK_EQ_INT(r.body.n, n);
    CHECK(r.body.n == n && memcmp(r.body.p, msg + hl, n) == 0);
    vl_http1_parser_free(&p);
  }
  /* One byte more: an error, not a cut body. */
  vl_http1_parser p;
  vl_http1_parser_init(&p, 0, 0);
  size_t used;
  CHECK_EQ_INT(vl_http1_feed(&p, msg, hl + n + 1, &used), VL_ERR_LIMIT);
  CHECK(strstr(vl_http1_error(&p), "body longer than 4194304 bytes") != NULL);
  CHECK_EQ_INT(vl_http1_eof(&p, 1), VL_ERR_LIMIT);
  CHECK_EQ_INT(vl_http1_done(&p), 0);
  vl_http1_parser_free(&p);
  /* The same through chunks, and a smaller caller limit. */
  vl_http1_parser_init(&p, 0, 8);
  const char *ch = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n4\r\nworl\r\n0\r\n\r\n";
  CHECK_EQ_INT(vl_http1_feed(&p, (const uint8_t *)ch, strlen(ch), &used), VL_ERR_LIMIT);
  vl_http1_parser_free(&p);
  free(msg);
}

static void test_header_limits(void) {
  /* A 1 MB header. */
  size_t big = 1024 * 1024;
  char *r = malloc(big + 64);
  strcpy(r, "HTTP/1.1 200 OK\r\nX-Big: ");
  size_t at = strlen(r);
  memset(r + at, 'v', big);
  strcpy(r + at + big, "\r\n\r\n");
  char d[200];
  CHECK_EQ_INT(parse_str(r, 0, 1, d, sizeof d), VL_ERR_LIMIT);
  CHECK(strstr(d, "header fields over 65536 bytes at byte 65536") != NULL);
  CHECK(strstr(d, "vvv") == NULL);
  /* The same fed byte by byte: the same error at the same byte. */
  vl_http1_parser p;
  vl_http1_parser_init(&p, 0, 0);
  vl_status st = VL_OK;
  size_t used, off = 0;
  for (; off < strlen(r) && st == VL_OK; off++) st = vl_http1_feed(&p, (const uint8_t *)r + off, 1, &used);
  CHECK_EQ_INT(st, VL_ERR_LIMIT);
  CHECK_EQ_INT(off, 65537);
  CHECK_EQ_STR(vl_http1_error(&p), d);
  vl_http1_parser_free(&p);
  free(r);
  /* 256 fields are fine, 257 are not. */
  for (unsigned count = VL_MAX_RESPONSE_HEADERS; count <= VL_MAX_RESPONSE_HEADERS + 1; count++) {
    vl_buf b;
    vl_buf_init(&b, 0);
    vl_buf_put_str(&b, "HTTP/1.1 200 OK\r\n");
    for (unsigned i = 0; i < count - 1; i++) {
      char line[32];
      snprintf(line, sizeof line, "X-%u: %u\r\n", i, i);
      vl_buf_put_str(&b, line);
    }
    vl_buf_put_str(&b, "Content-Length: 0\r\n\r\n");
    vl_http1_parser_init(&p, 0, 0);
    st = vl_http1_feed(&p, b.p, b.len, &used);
    CHECK_EQ_INT(st, count == VL_MAX_RESPONSE_HEADERS ? VL_OK : VL_ERR_LIMIT);
    if (st == VL_OK) {
      vl_http1_response resp;
      CHECK_EQ_INT(vl_http1_response_get(&p, &resp), VL_OK);
      CHECK_EQ_INT(resp.header_count, VL_MAX_RESPONSE_HEADERS);
      vl_header h;
      CHECK_EQ_INT(vl_http1_header(&p, 255, &h), VL_OK);
      CHECK_EQ_MEM(h.name.p, h.name.n, "Content-Length", 14);
      CHECK_EQ_INT(vl_http1_header(&p, 256, &h), VL_ERR_NOT_FOUND);
    } else {
      CHECK(strstr(vl_http1_error(&p), "more than 256 header fields") != NULL);
    }
    vl_http1_parser_free(&p);
    vl_buf_free(&b);
  }
  /* A chunk line with endless extensions. */
  vl_buf b;
  vl_buf_init(&b, 0);
  vl_buf_put_str(&b, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1");
  for (int i = 0; i < 1000; i++) vl_buf_put_str(&b, ";ext=1");
  vl_http1_parser_init(&p, 0, 0);
  CHECK_EQ_INT(vl_http1_feed(&p, b.p, b.len, &used), VL_ERR_LIMIT);
  CHECK(strstr(vl_http1_error(&p), "chunk line over 4096 bytes") != NULL);
  vl_http1_parser_free(&p);
  vl_buf_free(&b);
}

static void test_interim_and_empty_bodies(void) {
  const char *r =
      "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type:  text/plain \t\r\n\r\nok";
  vl_http1_parser p;
  vl_http1_parser_init(&p, 0, 0);
  CHECK_EQ_INT(parse_all(&p, r, strlen(r), 1), VL_OK);
  vl_http1_response resp;
  CHECK_EQ_INT(vl_http1_response_get(&p, &resp), VL_OK);
  CHECK_EQ_INT(resp.status, 200);
  CHECK_EQ_INT(resp.header_count, 2);
  CHECK_EQ_INT(vl_http1_find(&p, "x-interim", NULL), 0);
  vl_slice v;
  CHECK_EQ_INT(vl_http1_find(&p, "CONTENT-TYPE", &v), 1);
  CHECK_EQ_MEM(v.p, v.n, "text/plain", 10);
  CHECK_EQ_MEM(resp.body.p, resp.body.n, "ok", 2);

  /* 204 and 304 end at their headers; the next response follows on the same connection. */
  const char *two = "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\nHTTP/1.1 200";
  vl_http1_parser_reset(&p, 0);
  size_t used;
  CHECK_EQ_INT(vl_http1_feed(&p, (const uint8_t *)two, strlen(two), &used), VL_OK);
  CHECK_EQ_INT(used, 27);
  CHECK_EQ_INT(vl_http1_response_get(&p, &resp), VL_OK);
  CHECK_EQ_INT(resp.status, 204);
  CHECK_EQ_INT(resp.body.n, 0);
  CHECK_EQ_INT(resp.keep_alive, 1);
  size_t first = used;
  vl_http1_parser_reset(&p, 0);
  CHECK_EQ_INT(vl_http1_feed(&p, (const uint8_t *)two + first, strlen(two) - first, &used), VL_OK);
  CHECK_EQ_INT(first + used, strlen(two) - 12);
  CHECK_EQ_INT(vl_http1_response_get(&p, &resp), VL_OK);
  CHECK_EQ_INT(resp.status, 304);
  CHECK_EQ_INT(resp.body.n, 0);

  /* HEAD: Content-Length describes what a GET would get; nothing follows. */
  const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
  vl_http1_parser_reset(&p, 1);
  CHECK_EQ_INT(vl_http1_feed(&p, (const uint8_t *)head, strlen(head), &used), VL_OK);
  CHECK_EQ_INT(vl_http1_done(&p), 1);
  CHECK_EQ_INT(vl_http1_response_get(&p, &resp), VL_OK);
  CHECK_EQ_INT(resp.body.n, 0);
  /* The same bytes to a GET are a truncated response. */
  vl_http1_parser_reset(&p, 0);
  CHECK_EQ_INT(parse_all(&p, head, strlen(head), 1), VL_ERR_FORMAT);
  vl_http1_parser_free(&p);

  char d[200];
  CHECK_EQ_INT(parse_str("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", 0, 1, d, sizeof d), VL_ERR_FORMAT);
  CHECK(strstr(d, "101") != NULL);
}

static void test_keep_alive(void) {
  static const struct {
    const char *r;
    int keep_alive;
  } rows[] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1},
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: Close\r\n\r\n", 0},
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: x, close\r\n\r\n", 0},
      {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0},
      {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n", 1},
      {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive, close\r\n\r\n", 0},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    vl_http1_parser p;
    vl_http1_parser_init(&p, 0, 0);
    CHECK_EQ_INT(parse_all(&p, rows[i].r, strlen(rows[i].r), 1), VL_OK);
    vl_http1_response resp;
    CHECK_EQ_INT(vl_http1_response_get(&p, &resp), VL_OK);
    CHECK_EQ_INT(resp.keep_alive, rows[i].keep_alive);
    vl_http1_parser_free(&p);
  }
}

static void test_status_line_and_fields(void) {
  static const char *const bad[] = {
      "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",    /* bare LF */
      "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", /* space before colon */
      "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\n: empty name\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n",
      "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 600 Nope\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 099 Nope\r\nContent-Length: 0\r\n\r\n",
      "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char d[200];
    vl_http1_parser p;
    vl_http1_parser_init(&p, 0, 0);
    size_t len = strlen(bad[i]);
    if (i == 3) len += 1 + strlen(bad[i] + len + 1); /* the NUL is part of the input */
    vl_status st = parse_all(&p, bad[i], len, 1);
    snprintf(d, sizeof d, "%s", vl_http1_error(&p));
    if (st != VL_ERR_FORMAT) fprintf(stderr, "    bad %zu: %d %s\n", i, st, d);
    CHECK_EQ_INT(st, VL_ERR_FORMAT);
    vl_http1_parser_free(&p);
  }
  char d[200];
  CHECK_EQ_INT(parse_str("HTTP/1.1 200 OK\r\nX-Secret: hunter2\x01\r\n\r\n", 0, 1, d, sizeof d), VL_ERR_FORMAT);
  CHECK(strstr(d, "hunter2") == NULL);
  CHECK(strstr(d, "at byte 34") != NULL);
}

/* --------------------------------------------------------- request writer */

static vl_slice sl(const char *s) {
  return (vl_slice){(const uint8_t *)s, strlen(s)};
}

static void test_writer_bytes(void) {
  vl_header hs[] = {{sl("Authorization"), sl("Bearer abc.def")}, {sl("Accept"), sl("application/json")}};
  vl_http1_request req = {.method = sl("GET"), .host = sl("vault.example:8443"), .target = sl("/v1/kv?x=1")};
  req.headers = hs;
  req.header_count = 2;
  vl_buf out;
  vl_buf_init(&out, 0);
  char err[160];
  CHECK_EQ_INT(vl_http1_write_request(&req, &out, err, sizeof err), VL_OK);
  const char *want =
      "GET /v1/kv?x=1 HTTP/1.1\r\nHost: vault.example:8443\r\nAuthorization: Bearer abc.def\r\n"
      "Accept: application/json\r\nConnection: keep-alive\r\n\r\n";
  CHECK_EQ_MEM(out.p, out.len, want, strlen(want));
  vl_buf_free(&out);

  vl_buf_init(&out, 0);
  req.method = sl("POST");
  req.headers = NULL;
  req.header_count = 0;
  req.body = sl("{\"a\":1}");
  req.close = 1;
  CHECK_EQ_INT(vl_http1_write_request(&req, &out, err, sizeof err), VL_OK);
  want =
      "POST /v1/kv?x=1 HTTP/1.1\r\nHost: vault.example:8443\r\nContent-Length: 7\r\nConnection: close\r\n\r\n"
      "{\"a\":1}";
  CHECK_EQ_MEM(out.p, out.len, want, strlen(want));
  vl_buf_free(&out);

  vl_buf_init(&out, 0);
  req.body = (vl_slice){NULL, 0};
  req.close = 0;
  CHECK_EQ_INT(vl_http1_write_request(&req, &out, err, sizeof err), VL_OK);
  want = "POST /v1/kv?x=1 HTTP/1.1\r\nHost: vault.example:8443\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n";
  CHECK_EQ_MEM(out.p, out.len, want, strlen(want));
  vl_buf_free(&out);

  /* The body follows the blank line, whatever the method. */
  vl_buf_init(&out, 0);
  req.method = sl("PUT");
  req.body = sl("xyz");
  CHECK_EQ_INT(vl_http1_write_request(&req, &out, err, sizeof err), VL_OK);
  CHECK(out.len > 7 && memcmp(out.p + out.len - 7, "\r\n\r\nxyz", 7) == 0);
  vl_buf_free(&out);
}

static void test_writer_refusals(void) {
  static const struct {
    const char *name, *value;
    const char *needle;
  } rows[] = {
      {"X-Evil", "a\r\nInjected: 1", "header 1 (X-Evil) value holds a control byte"},
      {"X-Evil", "a\nb", "header 1 (X-Evil)"},
      {"X-Evil", "a\rb", "header 1 (X-Evil)"},
      {"Bad Name", "v", "header 1 has a name that is not a token"},
      {"Bad\r\nName", "v", "header 1 has a name that is not a token"},
      {"", "v", "header 1 has a name that is not a token"},
      {"Host", "other.example", "header 1 (Host) is set by the HTTP writer"},
      {"content-length", "5", "header 1 (content-length) is set by the HTTP writer"},
      {"Transfer-Encoding", "chunked", "is set by the HTTP writer"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    vl_header hs[] = {{sl("Accept"), sl("*/*")}, {sl(rows[i].name), sl(rows[i].value)}};
    vl_http1_request req = {.method = sl("GET"), .host = sl("h.example"), .target = sl("/"), .headers = hs};
    req.header_count = 2;
    vl_buf out;
    vl_buf_init(&out, 0);
    vl_buf_put_str(&out, "kept");
    char err[160];
    CHECK_EQ_INT(vl_http1_write_request(&req, &out, err, sizeof err), VL_ERR_ARG);
    if (!strstr(err, rows[i].needle)) fprintf(stderr, "    refusal %zu: %s\n", i, err);
    CHECK(strstr(err, rows[i].needle) != NULL);
    CHECK(strstr(err, "Injected") == NULL);
    CHECK_EQ_MEM(out.p, out.len, "kept", 4); /* untouched */
    vl_buf_free(&out);
  }
  /* NUL inside a value (strlen would stop at it). */
  vl_header nul = {sl("X-A"), {(const uint8_t *)"a\0b", 3}};
  vl_http1_request req = {.method = sl("GET"), .host = sl("h.example"), .target = sl("/"), .headers = &nul};
  req.header_count = 1;
  vl_buf out;
  vl_buf_init(&out, 0);
  char err[160];
  CHECK_EQ_INT(vl_http1_write_request(&req, &out, err, sizeof err), VL_ERR_ARG);
  CHECK(strstr(err, "header 0 (X-A)") != NULL);
  /* Request line and Host injection. */
  req.header_count = 0;
  req.target = sl("/a b");
  CHECK_EQ_INT(vl_http1_write_request(&req, &out, err, sizeof err), VL_ERR_ARG);
  req.target = sl("/a\r\nX: y");
  CHECK_EQ_INT(vl_http1_write_request(&req, &out, err, sizeof err), VL_ERR_ARG);
  req.target = sl("relative");
  CHECK_EQ_INT(vl_http1_write_request(&req, &out, err, sizeof err), VL_ERR_ARG);
  req.target = sl("/");
  req.host = sl("h.example\r\nX: y");
  CHECK_EQ_INT(vl_http1_write_request(&req, &out, err, sizeof err), VL_ERR_ARG);
  req.host = sl("h.example");
  req.method = sl("GE T");
  CHECK_EQ_INT(vl_http1_write_request(&req, &out, err, sizeof err), VL_ERR_ARG);
  CHECK_EQ_INT(out.len, 0);
  /* An output limit: no partial request is left. */
  vl_buf small;
  vl_buf_init(&small, 20);
  req.method = sl("GET");
  CHECK_EQ_INT(vl_http1_write_request(&req, &small, err, sizeof err), VL_ERR_LIMIT);
  CHECK_EQ_INT(small.len, 0);
  CHECK_EQ_INT(small.failed, 0);
  vl_buf_free(&small);
  vl_buf_free(&out);
}

static void test_no_leaks(void) {
  size_t before = vl_mem_in_use();
  vl_http1_parser p;
  vl_http1_parser_init(&p, 0, 0);
  const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX: y\r\n\r\nabc";
  size_t used;
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(vl_http1_feed(&p, (const uint8_t *)r, strlen(r), &used), VL_OK);
    CHECK_EQ_INT(vl_http1_done(&p), 1);
    vl_http1_parser_reset(&p, 0);
  }
  vl_http1_parser_free(&p);
  CHECK_EQ_INT(vl_mem_in_use(), before);
}

VLT_MAIN(TEST(test_normalise), TEST(test_llhttp_corpus), TEST(test_truncated_content_length),
         TEST(test_close_delimited), TEST(test_chunked), TEST(test_content_length_rules), TEST(test_body_limit),
         TEST(test_header_limits), TEST(test_interim_and_empty_bodies), TEST(test_keep_alive),
         TEST(test_status_line_and_fields), TEST(test_writer_bytes), TEST(test_writer_refusals), TEST(test_no_leaks))
