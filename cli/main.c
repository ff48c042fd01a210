/*
 * vaultlink — the native command line over the same core as the wasm module.
 *
 *   vaultlink keygen --out FILE | --stdout
 *   vaultlink seal --recipient PK_HEX --ref REFERENCE --ttl SECONDS [--aead NAME] < value > envelope.b64
 *   vaultlink open --key-file FILE --ref REFERENCE [--now MS] < envelope.b64 > value
 *
 * The CLI owns the I/O and the clock; the core only sees bytes and times.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/aead.h"
#include "crypto/x25519.h"
#include "envelope.h"
#include "mem.h"
#include "vaultlink.h"

enum {
  EXIT_USAGE = 2,
  EXIT_WRONG_RECIPIENT = 3,
  EXIT_REF_MISMATCH = 4,
  EXIT_EXPIRED = 5,
  EXIT_AUTH = 6,
  EXIT_MALFORMED = 7
};

#define MAX_INPUT (VL_ENVELOPE_MAX_PLAIN * 2 + 4096)

static void usage(FILE *f) {
  fputs(
      "usage:\n"
      "  vaultlink keygen --out FILE        write a new X25519 secret key (hex) to FILE (mode 0600),\n"
      "                   [--stdout]        or to stdout; print the public key (hex) on stdout\n"
      "  vaultlink seal --recipient PK_HEX --ref REFERENCE --ttl SECONDS\n"
      "                 [--aead aes128gcm|aes256gcm|chacha20poly1305]\n"
      "                                     read a value on stdin, print a sealed envelope (base64)\n"
      "  vaultlink open --key-file FILE --ref REFERENCE [--now MS]\n"
      "                                     read an envelope (base64) on stdin, print the value\n"
      "exit status: 0 ok, 1 error, 2 usage, 3 wrong recipient, 4 reference mismatch,\n"
      "             5 expired, 6 authentication failed, 7 malformed or unsupported envelope\n",
      f);
}

static int die(int code, const char *fmt, const char *arg) {
  fputs("vaultlink: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  return code;
}

/* ---- hex and base64 ------------------------------------------------------ */

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Exactly 2*n hex digits (surrounding whitespace ignored) into out[n]; 0 on success. */
static int unhex(const char *s, size_t slen, uint8_t *out, size_t n) {
  while (slen && (s[slen - 1] == '\n' || s[slen - 1] == '\r' || s[slen - 1] == ' ')) slen--;
  while (slen && (*s == ' ' || *s == '\n')) s++, slen--;
  if (slen != 2 * n) return -1;
  for (size_t i = 0; i < n; i++) {
    int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

static void print_hex(FILE *f, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
  fputc('\n', f);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void print_base64(FILE *f, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    fputc(b64[v >> 18 & 63], f);
    fputc(b64[v >> 12 & 63], f);
    fputc(i + 1 < n ? b64[v >> 6 & 63] : '=', f);
    fputc(i + 2 < n ? b64[v & 63] : '=', f);
  }
  fputc('\n', f);
}

/* Decodes standard or URL-safe base64, ignoring whitespace; padding optional. */
static int unbase64(const char *s, size_t len, uint8_t *out, size_t *out_len) {
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    int c = (unsigned char)s[i], v;
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') break;
    if (c == '-') c = '+';
    if (c == '_') c = '/';
    const char *q = strchr(b64, c);
    if (!q || !c) return -1;
    v = (int)(q - b64);
    acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (uint8_t)(acc >> bits);
    }
  }
  *out_len = n;
  return 0;
}

/* ---- I/O ----------------------------------------------------------------- */

/* Reads all of stdin (up to max bytes) into a wiping buffer. */
static uint8_t *read_all(FILE *f, size_t max, size_t *len) {
  uint8_t *buf = vl_alloc(max + 1);
  if (!buf) return NULL;
  size_t n = 0, r;
  while ((r = fread(buf + n, 1, max + 1 - n, f)) > 0) {
    n += r;
    if (n > max) {
      vl_free(buf);
      errno = EFBIG;
      return NULL;
    }
  }
  *len = n;
  return buf;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Returns the value of "--name VALUE" (or NULL) and checks for unknown flags. */
static const char *opt(int argc, char **argv, const char *name) {
  for (int i = 2; i + 1 < argc; i++)
    if (strcmp(argv[i], name) == 0) return argv[i + 1];
  return NULL;
}

static int has_flag(int argc, char **argv, const char *name) {
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], name) == 0) return 1;
  return 0;
}

/* Every argument must be a known flag (with its value when it takes one). */
static const char *unknown_arg(int argc, char **argv, const char *const *with_value, const char *const *bare) {
  for (int i = 2; i < argc; i++) {
    int ok = 0;
    for (const char *const *w = with_value; *w && !ok; w++)
      if (strcmp(argv[i], *w) == 0 && i + 1 < argc) ok = 2;
    for (const char *const *b = bare; *b && !ok; b++)
      if (strcmp(argv[i], *b) == 0) ok = 1;
    if (!ok) return argv[i];
    if (ok == 2) i++;
  }
  return NULL;
}

/* ---- commands ------------------------------------------------------------ */

static int cmd_keygen(int argc, char **argv) {
  static const char *const with_value[] = {"--out", NULL}, *const bare[] = {"--stdout", NULL};
  const char *bad = unknown_arg(argc, argv, with_value, bare);
  if (bad) return die(EXIT_USAGE, "keygen: unknown or incomplete argument %s", bad);
  const char *out = opt(argc, argv, "--out");
  int to_stdout = has_flag(argc, argv, "--stdout");
  if (!out && !to_stdout)
    return die(EXIT_USAGE, "keygen: say where the secret key goes: --out FILE (or --stdout)%s", "");
  uint8_t sk[32], pk[32];
  if (vl_x25519_keygen(sk, pk) != VL_OK) return die(1, "keygen: the entropy source failed%s", "");
  int rc = 0;
  if (out) {
    int fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
      if (fd >= 0) close(fd);
      rc = die(1, "keygen: cannot create %s (it must not exist yet)", out);
    } else {
      print_hex(f, sk, sizeof sk);
      if (fclose(f) != 0) rc = die(1, "keygen: cannot write %s", out);
    }
  }
  if (rc == 0) {
    if (to_stdout) {
      fputs("sk: ", stdout);
      print_hex(stdout, sk, sizeof sk);
      fputs("pk: ", stdout);
    }
    print_hex(stdout, pk, sizeof pk);
  }
  vl_wipe(sk, sizeof sk);
  return rc;
}

static int parse_aead(const char *name, uint16_t *id) {
  if (!name || strcmp(name, "chacha20poly1305") == 0)
    *id = VL_AEAD_CHACHA20POLY1305;
  else if (strcmp(name, "aes128gcm") == 0)
    *id = VL_AEAD_AES128GCM;
  else if (strcmp(name, "aes256gcm") == 0)
    *id = VL_AEAD_AES256GCM;
  else
    return -1;
  return 0;
}

static int cmd_seal(int argc, char **argv) {
  static const char *const with_value[] = {"--recipient", "--ref", "--ttl", "--aead", NULL}, *const bare[] = {NULL};
  const char *bad = unknown_arg(argc, argv, with_value, bare);
  if (bad) return die(EXIT_USAGE, "seal: unknown or incomplete argument %s", bad);
  const char *rcpt = opt(argc, argv, "--recipient"), *ref = opt(argc, argv, "--ref"), *ttl = opt(argc, argv, "--ttl");
  if (!rcpt || !ref || !ttl) return die(EXIT_USAGE, "seal: --recipient, --ref and --ttl are required%s", "");
  uint8_t pk[32];
  if (unhex(rcpt, strlen(rcpt), pk, sizeof pk) != 0)
    return die(EXIT_USAGE, "seal: --recipient must be 64 hex digits (an X25519 public key), got \"%s\"", rcpt);
  uint16_t aead;
  if (parse_aead(opt(argc, argv, "--aead"), &aead) != 0)
    return die(EXIT_USAGE, "seal: --aead must be aes128gcm, aes256gcm or chacha20poly1305, got \"%s\"",
               opt(argc, argv, "--aead"));
  char *end = NULL;
  errno = 0;
  unsigned long long secs = strtoull(ttl, &end, 10);
  if (errno || !end || *end || ttl[0] == '-' || ttl[0] == 0 || secs == 0 || secs > 10ull * 365 * 24 * 3600)
    return die(EXIT_USAGE, "seal: --ttl must be a number of seconds between 1 and 10 years, got \"%s\"", ttl);
  size_t ref_len = strlen(ref);
  if (ref_len == 0 || ref_len > VL_ENVELOPE_MAX_REF) return die(EXIT_USAGE, "seal: --ref must be 1..2048 bytes%s", "");

  size_t len = 0;
  uint8_t *value = read_all(stdin, VL_ENVELOPE_MAX_PLAIN, &len);
  if (!value) return die(1, "seal: cannot read the value on stdin (at most 256 KiB)%s", "");
  uint8_t *env = NULL;
  size_t env_len = 0;
  vl_status st =
      vl_envelope_seal(pk, aead, (const uint8_t *)ref, ref_len, now_ms() + secs * 1000u, value, len, &env, &env_len);
  vl_free(value);
  if (st != VL_OK) return die(1, "seal: %s", vl_strerror(st));
  print_base64(stdout, env, env_len);
  vl_free(env);
  return fflush(stdout) == 0 ? 0 : 1;
}

static int exit_code(vl_status st) {
  switch (st) {
    case VL_ERR_WRONG_RECIPIENT: return EXIT_WRONG_RECIPIENT;
    case VL_ERR_REF_MISMATCH: return EXIT_REF_MISMATCH;
    case VL_ERR_EXPIRED: return EXIT_EXPIRED;
    case VL_ERR_AUTH: return EXIT_AUTH;
    case VL_ERR_FORMAT:
    case VL_ERR_UNSUPPORTED:
    case VL_ERR_LIMIT: return EXIT_MALFORMED;
    default: return 1;
  }
}

static int cmd_open(int argc, char **argv) {
  static const char *const with_value[] = {"--key-file", "--ref", "--now", NULL}, *const bare[] = {NULL};
  const char *bad = unknown_arg(argc, argv, with_value, bare);
  if (bad) return die(EXIT_USAGE, "open: unknown or incomplete argument %s", bad);
  const char *key_file = opt(argc, argv, "--key-file"), *ref = opt(argc, argv, "--ref");
  const char *now_s = opt(argc, argv, "--now");
  if (!key_file || !ref) return die(EXIT_USAGE, "open: --key-file and --ref are required%s", "");
  uint64_t now = now_ms();
  if (now_s) {
    char *end = NULL;
    errno = 0;
    now = strtoull(now_s, &end, 10);
    if (errno || !end || *end || now_s[0] == '-')
      return die(EXIT_USAGE, "open: --now must be milliseconds since the epoch, got \"%s\"", now_s);
  }
  FILE *kf = fopen(key_file, "rb");
  if (!kf) return die(1, "open: cannot read the key file %s", key_file);
  size_t klen = 0;
  uint8_t *ktext = read_all(kf, 256, &klen);
  fclose(kf);
  uint8_t sk[32];
  if (!ktext || unhex((const char *)ktext, klen, sk, sizeof sk) != 0) {
    vl_free(ktext);
    return die(1, "open: %s does not hold a secret key (64 hex digits)", key_file);
  }
  vl_free(ktext);

  size_t b64_len = 0, env_len = 0;
  uint8_t *text = read_all(stdin, MAX_INPUT, &b64_len);
  uint8_t *env = text ? vl_alloc(b64_len + 1) : NULL;
  int rc = 0;
  if (!env) {
    rc = die(1, "open: cannot read the envelope on stdin%s", "");
  } else if (unbase64((const char *)text, b64_len, env, &env_len) != 0) {
    rc = die(EXIT_MALFORMED, "open: the envelope on stdin is not base64%s", "");
  } else {
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    char err[256];
    vl_status st = vl_envelope_open(env, env_len, sk, NULL, (const uint8_t *)ref, strlen(ref), now, &plain, &plain_len,
                                    NULL, err, sizeof err);
    if (st != VL_OK) {
      rc = die(exit_code(st), "open: %s", err);
    } else {
      if (fwrite(plain, 1, plain_len, stdout) != plain_len || fflush(stdout) != 0) rc = 1;
      vl_free(plain);
    }
  }
  vl_free(text);
  vl_free(env);
  vl_wipe(sk, sizeof sk);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_USAGE : 0;
  }
  if (strcmp(argv[1], "keygen") == 0) return cmd_keygen(argc, argv);
  if (strcmp(argv[1], "seal") == 0) return cmd_seal(argc, argv);
  if (strcmp(argv[1], "open") == 0) return cmd_open(argc, argv);
  usage(stderr);
  return die(EXIT_USAGE, "unknown command \"%s\"", argv[1]);
}
