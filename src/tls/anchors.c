#include "tls/anchors.h"

#include <bearssl_pem.h>
#include <stdarg.h>
#include <string.h>

#include "buf.h"
#include "fmt.h"
#include "input_limits.h"
#include "mem.h"

struct vl_anchors {
  br_x509_trust_anchor *tas; /* tas[i].dn.data is the one block holding anchor i's DN and key */
  size_t n, cap;
};

static vl_status fail(char *err, size_t errlen, vl_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (err && errlen) vl_vsnprintf(err, errlen, fmt, ap);  // NOLINT(clang-analyzer-valist.Uninitialized): false positive
  va_end(ap);
  return st;
}

vl_status vl_anchors_new(vl_anchors **out) {
  if (!out) return VL_ERR_ARG;
  *out = vl_calloc(sizeof **out);
  return *out ? VL_OK : VL_ERR_NOMEM;
}

size_t vl_anchors_count(const vl_anchors *a) {
  return a ? a->n : 0;
}

const br_x509_trust_anchor *vl_anchors_list(const vl_anchors *a, size_t *n) {
  if (n) *n = a ? a->n : 0;
  return a && a->n ? a->tas : NULL;
}

/* Drops anchors from index keep on (an add that failed halfway). */
static void truncate_to(vl_anchors *a, size_t keep) {
  while (a->n > keep) {
    a->n--;
    vl_free(a->tas[a->n].dn.data);
    vl_wipe(&a->tas[a->n], sizeof a->tas[a->n]);
  }
}

void vl_anchors_free(vl_anchors *a) {
  if (!a) return;
  truncate_to(a, 0);
  vl_free(a->tas);
  vl_free(a);
}

static void dn_append(void *ctx, const void *buf, size_t len) {
  vl_buf_put(ctx, buf, len);
}

/* Copies blob into the anchor's block at *at; returns where it went. */
static unsigned char *place(unsigned char *block, size_t *at, const void *blob, size_t len) {
  unsigned char *p = block + *at;
  if (len) memcpy(p, blob, len);
  *at += len;
  return p;
}

/* Fills ta from the decoder's results, its DN and key copied into block. */
static void store(br_x509_trust_anchor *ta, unsigned char *block, const vl_buf *dn, br_x509_decoder_context *dc,
                  const br_x509_pkey *pk) {
  size_t at = 0;
  memset(ta, 0, sizeof *ta);
  ta->dn.data = place(block, &at, dn->p, dn->len);
  ta->dn.len = dn->len;
  ta->flags = br_x509_decoder_isCA(dc) ? BR_X509_TA_CA : 0;
  ta->pkey.key_type = pk->key_type;
  if (pk->key_type == BR_KEYTYPE_RSA) {
    ta->pkey.key.rsa.n = place(block, &at, pk->key.rsa.n, pk->key.rsa.nlen);
    ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
    ta->pkey.key.rsa.e = place(block, &at, pk->key.rsa.e, pk->key.rsa.elen);
    ta->pkey.key.rsa.elen = pk->key.rsa.elen;
  } else {
    ta->pkey.key.ec.curve = pk->key.ec.curve;
    ta->pkey.key.ec.q = place(block, &at, pk->key.ec.q, pk->key.ec.qlen);
    ta->pkey.key.ec.qlen = pk->key.ec.qlen;
  }
}

static int same_bytes(const void *a, size_t an, const void *b, size_t bn) {
  return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* Whether the set already has this anchor: the same subject, key and CA flag
 * (a bundle that lists a root twice, or the same root given again). */
static int have_anchor(const vl_anchors *a, const vl_buf *dn, unsigned flags, const br_x509_pkey *pk) {
  for (size_t i = 0; i < a->n; i++) {
    const br_x509_trust_anchor *t = &a->tas[i];
    if (t->flags != flags || t->pkey.key_type != pk->key_type || !same_bytes(t->dn.data, t->dn.len, dn->p, dn->len))
      continue;
    if (pk->key_type == BR_KEYTYPE_RSA
            ? same_bytes(t->pkey.key.rsa.n, t->pkey.key.rsa.nlen, pk->key.rsa.n, pk->key.rsa.nlen) &&
                  same_bytes(t->pkey.key.rsa.e, t->pkey.key.rsa.elen, pk->key.rsa.e, pk->key.rsa.elen)
            : t->pkey.key.ec.curve == pk->key.ec.curve &&
                  same_bytes(t->pkey.key.ec.q, t->pkey.key.ec.qlen, pk->key.ec.q, pk->key.ec.qlen))
      return 1;
  }
  return 0;
}

/* Decodes one DER certificate (input byte `where`) into anchor a->n + 1; one
 * the set already has is not added again (and counts toward no limit). */
static vl_status add_der_cert(vl_anchors *a, const uint8_t *der, size_t len, size_t where, char *err, size_t errlen) {
  size_t index = a->n + 1;
  vl_buf dn;
  vl_buf_init(&dn, VL_MAX_ANCHORS_INPUT_BYTES);
  br_x509_decoder_context dc;
  br_x509_decoder_init(&dc, dn_append, &dn);
  br_x509_decoder_push(&dc, der, len);
  const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
  vl_status st = VL_OK;
  if (!pk) {
    int code = br_x509_decoder_last_error(&dc);
    st = code == BR_ERR_X509_UNSUPPORTED
             ? fail(err, errlen, VL_ERR_UNSUPPORTED,
                    "trust anchor %zu: unsupported certificate version or key type (byte %zu)", index, where)
             : fail(err, errlen, VL_ERR_FORMAT, "trust anchor %zu: not a certificate (byte %zu, BearSSL error %d)",
                    index, where, code);
  } else if (dn.failed) {
    st = fail(err, errlen, dn.why, "trust anchor %zu: subject name too large (byte %zu)", index, where);
  } else if (pk->key_type != BR_KEYTYPE_RSA && pk->key_type != BR_KEYTYPE_EC) {
    st = fail(err, errlen, VL_ERR_UNSUPPORTED, "trust anchor %zu: key is neither RSA nor EC (byte %zu)", index, where);
  }
  if (st == VL_OK && have_anchor(a, &dn, br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0, pk)) {
    vl_buf_free(&dn);
    return VL_OK;
  }
  if (st == VL_OK && a->n >= VL_MAX_ANCHORS)
    st = fail(err, errlen, VL_ERR_LIMIT, "trust anchor %zu: more than %u anchors (byte %zu)", index, VL_MAX_ANCHORS,
              where);
  if (st == VL_OK && a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 16;
    if (cap > VL_MAX_ANCHORS) cap = VL_MAX_ANCHORS;
    br_x509_trust_anchor *grown = vl_realloc(a->tas, cap * sizeof *grown);
    if (!grown)
      st = fail(err, errlen, VL_ERR_NOMEM, "trust anchor %zu: out of memory", index);
    else {
      a->tas = grown;
      a->cap = cap;
    }
  }
  if (st == VL_OK) {
    size_t keylen = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen + pk->key.rsa.elen : pk->key.ec.qlen;
    unsigned char *block = vl_alloc(dn.len + keylen + 1);
    if (block) {
      store(&a->tas[a->n], block, &dn, &dc, pk);
      a->n++;
    } else {
      st = fail(err, errlen, VL_ERR_NOMEM, "trust anchor %zu: out of memory", index);
    }
  }
  vl_buf_free(&dn);
  return st;
}

/* The length of the DER element at p[0..n) (header included), or 0 if p does
 * not start with a definite-length SEQUENCE that fits in n. */
static size_t der_sequence_len(const uint8_t *p, size_t n) {
  if (n < 2 || p[0] != 0x30) return 0;
  size_t hdr = 2, body = p[1];
  if (p[1] & 0x80) {
    size_t k = p[1] & 0x7f;
    if (k == 0 || k > 4 || n < 2 + k) return 0; /* indefinite, or longer than any input we take */
    body = 0;
    for (size_t i = 0; i < k; i++) body = body << 8 | p[2 + i];
    hdr += k;
  }
  return body <= n - hdr ? hdr + body : 0;
}

static vl_status add_der(vl_anchors *a, const uint8_t *data, size_t len, char *err, size_t errlen) {
  for (size_t off = 0; off < len;) {
    size_t n = der_sequence_len(data + off, len - off);
    if (!n)
      return fail(err, errlen, VL_ERR_FORMAT, "trust anchor %zu: not a certificate (byte %zu: no DER SEQUENCE)",
                  a->n + 1, off);
    vl_status st = add_der_cert(a, data + off, n, off, err, errlen);
    if (st != VL_OK) return st;
    off += n;
  }
  return VL_OK;
}

/* Where the "-----BEGIN" line that ends at or before end starts (end itself
 * if none is found in reach: the name is at most 128 bytes). */
static size_t begin_line(const uint8_t *data, size_t end) {
  static const char tag[] = "-----BEGIN";
  size_t reach = end > 200 ? end - 200 : 0;
  for (size_t i = end; i-- > reach;)
    if (end - i >= sizeof tag - 1 && memcmp(data + i, tag, sizeof tag - 1) == 0) return i;
  return end;
}

static int is_cert_name(const char *name) {
  return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
}

static vl_status add_pem(vl_anchors *a, const uint8_t *data, size_t len, char *err, size_t errlen) {
  br_pem_decoder_context pc;
  vl_buf der;
  vl_buf_init(&der, VL_MAX_ANCHORS_INPUT_BYTES);
  br_pem_decoder_init(&pc);
  const uint8_t *p = data;
  size_t left = len, pos = 0, obj_at = 0, found = 0;
  int in_obj = 0, extra_nl = 1; /* a final "\n" is pushed so a last line without one still ends */
  vl_status st = VL_OK;
  while (st == VL_OK && left > 0) {
    size_t used = br_pem_decoder_push(&pc, p, left);
    p += used;
    left -= used;
    if (extra_nl) pos += used;
    switch (br_pem_decoder_event(&pc)) {
      case BR_PEM_BEGIN_OBJ:
        obj_at = begin_line(data, pos);
        in_obj = 1;
        if (!is_cert_name(br_pem_decoder_name(&pc))) {
          st = fail(err, errlen, VL_ERR_FORMAT, "trust anchor %zu: PEM object \"%s\" is not a certificate (byte %zu)",
                    a->n + 1, br_pem_decoder_name(&pc), obj_at);
          break;
        }
        br_pem_decoder_setdest(&pc, dn_append, &der);
        break;
      case BR_PEM_END_OBJ:
        in_obj = 0;
        found++;
        if (der.failed) {
          st = fail(err, errlen, der.why, "trust anchor %zu: certificate too large (byte %zu)", a->n + 1, obj_at);
        } else if (der_sequence_len(der.p, der.len) != der.len) {
          st = fail(err, errlen, VL_ERR_FORMAT,
                    "trust anchor %zu: not a certificate (byte %zu: PEM content is not one DER SEQUENCE)", a->n + 1,
                    obj_at);
        } else {
          st = add_der_cert(a, der.p, der.len, obj_at, err, errlen);
        }
        der.len = 0;
        break;
      case BR_PEM_ERROR:
        st = fail(err, errlen, VL_ERR_FORMAT, "trust anchor %zu: invalid PEM encoding (byte %zu)", a->n + 1,
                  in_obj ? obj_at : pos);
        break;
      default: break;
    }
    if (st == VL_OK && left == 0 && extra_nl) {
      extra_nl = 0;
      p = (const uint8_t *)"\n";
      left = 1;
    }
  }
  if (st == VL_OK && in_obj)
    st = fail(err, errlen, VL_ERR_FORMAT, "trust anchor %zu: unfinished PEM object (byte %zu)", a->n + 1, obj_at);
  if (st == VL_OK && !found)
    st = fail(err, errlen, VL_ERR_FORMAT, "no certificate in the input (neither PEM nor DER, byte 0)");
  vl_buf_free(&der);
  vl_wipe(&pc, sizeof pc);
  return st;
}

vl_status vl_anchors_add(vl_anchors *a, const uint8_t *data, size_t len, char *err, size_t errlen) {
  if (err && errlen) err[0] = 0;
  if (!a || !data) return fail(err, errlen, VL_ERR_ARG, "trust anchors: no input");
  if (len > VL_MAX_ANCHORS_INPUT_BYTES)
    return fail(err, errlen, VL_ERR_LIMIT, "trust anchors: input of %zu bytes exceeds %zu", len,
                VL_MAX_ANCHORS_INPUT_BYTES);
  if (len == 0) return fail(err, errlen, VL_ERR_FORMAT, "no certificate in the input (empty)");
  size_t before = a->n;
  vl_status st = data[0] == 0x30 ? add_der(a, data, len, err, errlen) : add_pem(a, data, len, err, errlen);
  if (st != VL_OK) truncate_to(a, before);
  return st;
}
