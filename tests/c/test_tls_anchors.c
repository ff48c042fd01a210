/* The trust-anchor loader: PEM, DER, concatenated DER, duplicates as one
 * anchor, all-or-nothing failures with a named position, the limits, and
 * Debian's CA bundle when the machine has it. The certificates are throwaway
 * self-signed test roots (openssl req -x509, 100 years) and one non-CA leaf. */
#include <stdio.h>

#include "input_limits.h"
#include "mem.h"
#include "providers/provider.h"
#include "tls/anchors.h"
#include "vltest.h"

static const char EC_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBujCCAV+gAwIBAgIUdn8Htfk5+3QhvcJjnmn7cdHPBwkwCgYIKoZIzj0EAwIw\n"
    "KTEnMCUGA1UEAwwedmF1bHRsaW5rIGFuY2hvcnMgdGVzdCBFQyByb290MCAXDTI2\n"
    "MTIwMjAwMjcyOVoYDzIxMjYxMTA4MDAyNzI5WjApMScwJQYDVQQDDB52YXVsdGxp\n"
    "bmsgYW5jaG9ycyB0ZXN0IEVDIHJvb3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
    "AAQ//1Do75y3qG3bexVY8QX3BNDItGdBGM6A0Jxo9dOLzx+o9c8YdbWQtwxx72Ug\n"
    "WgkibEqHHejajoBYIirnXHrSo2MwYTAdBgNVHQ4EFgQUhRo+Kp1hoHDp8mKToSDS\n"
    "3fzMyOEwHwYDVR0jBBgwFoAUhRo+Kp1hoHDp8mKToSDS3fzMyOEwDwYDVR0TAQH/\n"
    "BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAgQwCgYIKoZIzj0EAwIDSQAwRgIhANeGLqMl\n"
    "YfXNh6J25/hlpRgTNBQyamV5EXp8MQnFOH0wAiEApbORz8hrTmUSPoWqu/s9O1OX\n"
    "FY3sgoDGBzR442aA2U4=\n"
    "-----END CERTIFICATE-----\n";
static const char RSA_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDRzCCAi+gAwIBAgIUI1qrqAwJDwqZX8t/wkvBlkUPWeAwDQYJKoZIhvcNAQEL\n"
    "BQAwKjEoMCYGA1UEAwwfdmF1bHRsaW5rIGFuY2hvcnMgdGVzdCBSU0Egcm9vdDAg\n"
    "Fw0yNjEyMDIwMDI3MjlaGA8yMTI2MTEwODAwMjcyOVowKjEoMCYGA1UEAwwfdmF1\n"
    "bHRsaW5rIGFuY2hvcnMgdGVzdCBSU0Egcm9vdDCCASIwDQYJKoZIhvcNAQEBBQAD\n"
    "ggEPADCCAQoCggEBAMkgqu4DRwkSPKwZ2weCYPc0EdZ6EkGfys04pJvwbjvs7zWC\n"
    "ejeS01BLSlXMCMNzsoBrvaBdGA1X9ife3x+aSPQ8tiB/IR9HVpfbJIuqwREFBBmC\n"
    "E10pcD0TkTDcrBYJGW4K9/VVi4Y/W+ir0y4dPorv4LfYcAeYMHNo+TIE+xL6toVx\n"
    "kJkVdVVGAOPj2vuWiOVduQb6iVzbbJ06r4//mMgZEhSomwoXnmN0Ad/1QUREclT0\n"
    "PimsaE+LHcn15jxqxRN5FXyuKFdxnNDgAXcnPTYnxEnTMj9oaW3AjIj8Dx8jbOGm\n"
    "JLcbotDJqVU8WxLPUZw11dhk9yAR+8+xVaAMv2ECAwEAAaNjMGEwHQYDVR0OBBYE\n"
    "FFlr9S/snk+eA5X+0TgTHwBJHJh4MB8GA1UdIwQYMBaAFFlr9S/snk+eA5X+0TgT\n"
    "HwBJHJh4MA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgIEMA0GCSqGSIb3\n"
    "DQEBCwUAA4IBAQBQSzKBPotGfwpUV2k3ubNXTSC+U+xHTE8mWv8fX5AVR/5IvrxI\n"
    "gucesiz1NlvS9WkLlzEu8X8q7vPTyP8ZVYDzioGPIE6VtQnV2ko/5YkOu7NwZJ2o\n"
    "GzK8oIPG5/uxM5F8Bk6yIn/UxtrjyTx2ZxuogcZjsfCz/PV+dI8quWxwII/x9S87\n"
    "HWVq9XOi0fH46FScNgtfk2f7sbGlLe6OuKEs164SU6YD7+XD0DEqIRzWDq4Bx26G\n"
    "CQ6NdN1ifndC6jrUJ8cDjOcfonQenvw4n6PGTGO+4TaZAx+E4xPw9AHTNQUrp6FH\n"
    "NYW0AGSI+ovgtFfnoJf3uE8mnN4gTaos4UYW\n"
    "-----END CERTIFICATE-----\n";
static const char LEAF_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBmzCCAUGgAwIBAgIUYxbMzOg+nbxbwOinOK/3wtlwMawwCgYIKoZIzj0EAwIw\n"
    "FzEVMBMGA1UEAwwMbGVhZi5leGFtcGxlMCAXDTI2MTIwMjAwMjcyOVoYDzIxMjYx\n"
    "MTA4MDAyNzI5WjAXMRUwEwYDVQQDDAxsZWFmLmV4YW1wbGUwWTATBgcqhkjOPQIB\n"
    "BggqhkjOPQMBBwNCAAQ//1Do75y3qG3bexVY8QX3BNDItGdBGM6A0Jxo9dOLzx+o\n"
    "9c8YdbWQtwxx72UgWgkibEqHHejajoBYIirnXHrSo2kwZzAdBgNVHQ4EFgQUhRo+\n"
    "Kp1hoHDp8mKToSDS3fzMyOEwHwYDVR0jBBgwFoAUhRo+Kp1hoHDp8mKToSDS3fzM\n"
    "yOEwDAYDVR0TAQH/BAIwADAXBgNVHREEEDAOggxsZWFmLmV4YW1wbGUwCgYIKoZI\n"
    "zj0EAwIDSAAwRQIhAP3KIbqqPo+Gtv+f/dPoI+wzT0NklDvzruMO36aLXN46AiA7\n"
    "1KKVcHEsm1QcnfG4f1KypEeyI+u4FWTCVqRGmuEMOA==\n"
    "-----END CERTIFICATE-----\n";
static const char ED_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBMDCB46ADAgECAhRynFwiMA6MePayyZI0fsb1arTvGDAFBgMrZXAwDTELMAkG\n"
    "A1UEAwwCZWQwIBcNMjYxMjAyMDAyNzMyWhgPMjEyNjExMDgwMDI3MzJaMA0xCzAJ\n"
    "BgNVBAMMAmVkMCowBQYDK2VwAyEApFD9q9O6Q3WtOXqv8U8MOWsm8GeB8JhOKOiT\n"
    "WJolSpijUzBRMB0GA1UdDgQWBBQRIEJNEfLSL2fVtZ8OxuNwyhv/6DAfBgNVHSME\n"
    "GDAWgBQRIEJNEfLSL2fVtZ8OxuNwyhv/6DAPBgNVHRMBAf8EBTADAQH/MAUGAytl\n"
    "cANBABKUEoLB52FjwIT54E1SwTvfnP8ijvqFO4UwQYSagbF19dBXsz2LW8ZW9iXv\n"
    "33yS41y21QBcp3HYDeWGkIL8bgg=\n"
    "-----END CERTIFICATE-----\n";

/* DER of a PEM block (base64 between the armour lines); vl_free() it. */
static uint8_t *der_of(const char *pem, size_t *len) {
  const char *b = strchr(pem, '\n') + 1, *e = strstr(pem, "-----END");
  char *flat = malloc((size_t)(e - b) + 1);
  size_t n = 0;
  for (const char *p = b; p < e; p++)
    if (*p != '\n') flat[n++] = *p;
  uint8_t *der = NULL;
  CHECK_EQ_INT(vl_base64_decode(flat, n, &der, len), VL_OK);
  free(flat);
  return der;
}

static vl_anchors *fresh(void) {
  vl_anchors *a = NULL;
  CHECK_EQ_INT(vl_anchors_new(&a), VL_OK);
  return a;
}

static vl_status add_str(vl_anchors *a, const char *s, char *err, size_t errlen) {
  return vl_anchors_add(a, (const uint8_t *)s, strlen(s), err, errlen);
}

static void test_pem_one_ec(void) {
  vl_anchors *a = fresh();
  char err[160];
  CHECK_EQ_INT(add_str(a, EC_PEM, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_count(a), 1);
  size_t n;
  const br_x509_trust_anchor *ta = vl_anchors_list(a, &n);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_INT(ta[0].pkey.key_type, BR_KEYTYPE_EC);
  CHECK_EQ_INT(ta[0].pkey.key.ec.curve, BR_EC_secp256r1);
  CHECK_EQ_INT(ta[0].pkey.key.ec.qlen, 65); /* uncompressed point */
  CHECK_EQ_INT(ta[0].pkey.key.ec.q[0], 0x04);
  CHECK_EQ_INT(ta[0].flags, BR_X509_TA_CA);
  /* The DN is the subject's encoded Name: it carries the CN text. */
  int found = 0;
  static const char cn[] = "vaultlink anchors test EC root";
  for (size_t i = 0; i + sizeof cn - 1 <= ta[0].dn.len; i++)
    if (memcmp(ta[0].dn.data + i, cn, sizeof cn - 1) == 0) found = 1;
  CHECK(found);
  vl_anchors_free(a);
}

static void test_pem_two_with_text_and_no_final_newline(void) {
  vl_anchors *a = fresh();
  char buf[4096];
  snprintf(buf, sizeof buf, "Bundle comment line\n%s\nsubject=... (openssl -text noise)\n%s", EC_PEM, RSA_PEM);
  buf[strlen(buf) - 1] = 0; /* drop the last "\n" */
  char err[160];
  CHECK_EQ_INT(add_str(a, buf, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_count(a), 2);
  const br_x509_trust_anchor *ta = vl_anchors_list(a, NULL);
  CHECK_EQ_INT(ta[1].pkey.key_type, BR_KEYTYPE_RSA);
  CHECK_EQ_INT(ta[1].pkey.key.rsa.nlen, 256); /* 2048 bits, no leading zero */
  CHECK_EQ_INT(ta[1].pkey.key.rsa.elen, 3);   /* 65537 */
  CHECK_EQ_INT(ta[1].flags, BR_X509_TA_CA);
  vl_anchors_free(a);
}

static void test_der_one_and_concatenated(void) {
  size_t ec_len, rsa_len;
  uint8_t *ec = der_of(EC_PEM, &ec_len), *rsa = der_of(RSA_PEM, &rsa_len);
  vl_anchors *a = fresh();
  char err[160];
  CHECK_EQ_INT(vl_anchors_add(a, ec, ec_len, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_count(a), 1);
  uint8_t *both = malloc(ec_len + rsa_len);
  memcpy(both, rsa, rsa_len);
  memcpy(both + rsa_len, ec, ec_len);
  CHECK_EQ_INT(vl_anchors_add(a, both, ec_len + rsa_len, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_count(a), 2); /* the EC root again is the anchor the set has */
  const br_x509_trust_anchor *ta = vl_anchors_list(a, NULL);
  CHECK_EQ_INT(ta[0].pkey.key_type, BR_KEYTYPE_EC);
  CHECK_EQ_INT(ta[1].pkey.key_type, BR_KEYTYPE_RSA);
  free(both);
  vl_free(ec);
  vl_free(rsa);
  vl_anchors_free(a);
}

/* The EC root's DER with its subject's common name ending in three hex
 * digits of i: a distinct anchor per i (the loader checks no signature). */
static uint8_t *ec_variant(size_t i, size_t *len) {
  uint8_t *der = der_of(EC_PEM, len);
  static const char cn[] = "vaultlink anchors test EC root";
  size_t at = 0;
  for (size_t k = 0; k + sizeof cn - 1 <= *len; k++)
    if (memcmp(der + k, cn, sizeof cn - 1) == 0) at = k; /* the last: the subject's (the issuer's comes first) */
  CHECK(at != 0);
  char hex[4];
  snprintf(hex, sizeof hex, "%03zx", i);
  memcpy(der + at + sizeof cn - 4, hex, 3);
  return der;
}

/* The same root twice, in one input or in two, from PEM and from DER, is one
 * anchor: it takes no position in the set and no room under the limit. */
static void test_duplicates_are_one_anchor(void) {
  size_t ec_len;
  uint8_t *ec = der_of(EC_PEM, &ec_len);
  char buf[4096];
  snprintf(buf, sizeof buf, "%s%s%s", EC_PEM, RSA_PEM, EC_PEM);
  vl_anchors *a = fresh();
  char err[160];
  CHECK_EQ_INT(add_str(a, buf, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_count(a), 2);
  size_t before = vl_mem_in_use();
  CHECK_EQ_INT(vl_anchors_add(a, ec, ec_len, err, sizeof err), VL_OK); /* DER of the same root */
  CHECK_EQ_INT(add_str(a, RSA_PEM, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_count(a), 2);
  CHECK_EQ_INT(vl_mem_in_use(), before); /* nothing was kept for them */
  /* The leaf has the EC root's key but another subject and no CA flag: a new anchor. */
  CHECK_EQ_INT(add_str(a, LEAF_PEM, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_count(a), 3);
  /* A failure after a duplicate names the next position in the set. */
  snprintf(buf, sizeof buf, "%s-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n", EC_PEM);
  CHECK_EQ_INT(add_str(a, buf, err, sizeof err), VL_ERR_FORMAT);
  CHECK(strstr(err, "trust anchor 4:") != NULL);
  CHECK_EQ_INT(vl_anchors_count(a), 3);
  vl_anchors_free(a);
  /* Distinct subjects are distinct anchors (the variants test_limits uses). */
  size_t l0, l1;
  uint8_t *v0 = ec_variant(0, &l0), *v1 = ec_variant(1, &l1);
  a = fresh();
  CHECK_EQ_INT(vl_anchors_add(a, v0, l0, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_add(a, v1, l1, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_add(a, v0, l0, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_count(a), 2);
  vl_anchors_free(a);
  vl_free(v0);
  vl_free(v1);
  vl_free(ec);
}

static void test_leaf_is_not_ca(void) {
  vl_anchors *a = fresh();
  CHECK_EQ_INT(add_str(a, LEAF_PEM, NULL, 0), VL_OK);
  CHECK_EQ_INT(vl_anchors_list(a, NULL)[0].flags, 0);
  vl_anchors_free(a);
}

/* Every refusal names the anchor and the byte, and leaves the set as it was. */
static void expect_refused(const uint8_t *in, size_t len, vl_status want, const char *needle) {
  vl_anchors *a = fresh();
  CHECK_EQ_INT(add_str(a, EC_PEM, NULL, 0), VL_OK);
  size_t before = vl_mem_in_use();
  char err[200] = "untouched";
  CHECK_EQ_INT(vl_anchors_add(a, in, len, err, sizeof err), want);
  if (!strstr(err, needle)) fprintf(stderr, "  message: %s (wanted \"%s\")\n", err, needle);
  CHECK(strstr(err, needle) != NULL);
  CHECK_EQ_INT(vl_anchors_count(a), 1);
  CHECK_EQ_INT(vl_mem_in_use(), before);
  vl_anchors_free(a);
}

static void test_refuses_garbage(void) {
  expect_refused((const uint8_t *)"hello world\n", 12, VL_ERR_FORMAT, "no certificate in the input");
  expect_refused((const uint8_t *)"", 0, VL_ERR_FORMAT, "no certificate");
  static const uint8_t tiny_seq[] = {0x30, 0x03, 0x02, 0x01, 0x05};
  expect_refused(tiny_seq, sizeof tiny_seq, VL_ERR_FORMAT, "trust anchor 2: not a certificate (byte 0");
  static const uint8_t bad_len[] = {0x30, 0x82, 0x10, 0x00, 0x01};
  expect_refused(bad_len, sizeof bad_len, VL_ERR_FORMAT, "trust anchor 2: not a certificate (byte 0: no DER SEQUENCE)");
  const char *key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";
  expect_refused((const uint8_t *)key, strlen(key), VL_ERR_FORMAT, "PEM object \"PRIVATE KEY\" is not a certificate");
  const char *unfinished = "-----BEGIN CERTIFICATE-----\nMIIBujCCAV+gAwIBAgIU\n";
  expect_refused((const uint8_t *)unfinished, strlen(unfinished), VL_ERR_FORMAT, "unfinished PEM object (byte 0)");
  const char *badb64 = "x\n-----BEGIN CERTIFICATE-----\nMII*ujCC\n-----END CERTIFICATE-----\n";
  expect_refused((const uint8_t *)badb64, strlen(badb64), VL_ERR_FORMAT,
                 "trust anchor 2: invalid PEM encoding (byte 2)");
  const char *notder = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
  expect_refused((const uint8_t *)notder, strlen(notder), VL_ERR_FORMAT, "PEM content is not one DER SEQUENCE");
  expect_refused((const uint8_t *)ED_PEM, strlen(ED_PEM), VL_ERR_UNSUPPORTED, "trust anchor 2: unsupported");
}

static void test_refusal_names_the_third_anchor(void) {
  /* Two good PEM certificates, then a broken one: nothing is kept. */
  size_t rsa_len;
  uint8_t *rsa = der_of(RSA_PEM, &rsa_len);
  char buf[4096];
  size_t off = (size_t)snprintf(buf, sizeof buf, "%s%s", EC_PEM, LEAF_PEM);
  /* a certificate cut in half, re-armoured */
  const char *cut =
      "-----BEGIN CERTIFICATE-----\nMIIBujCCAV+gAwIBAgIUdn8Htfk5+3QhvcJjnmn7cdHPBwkwCgYIKoZIzj0EAwIw\n"
      "-----END CERTIFICATE-----\n";
  snprintf(buf + off, sizeof buf - off, "%s", cut);
  char want[64];
  /* EC_PEM is the anchor the set has (no position), LEAF_PEM is anchor 2. */
  snprintf(want, sizeof want, "trust anchor 3: not a certificate (byte %zu", off);
  expect_refused((const uint8_t *)buf, strlen(buf), VL_ERR_FORMAT, want);
  /* DER: a good certificate, then a truncated one at byte rsa_len. */
  uint8_t *two = malloc(rsa_len * 2);
  memcpy(two, rsa, rsa_len);
  memcpy(two + rsa_len, rsa, rsa_len);
  two[rsa_len + 3] ^= 0x01; /* its outer length now runs past the end */
  snprintf(want, sizeof want, "trust anchor 3: not a certificate (byte %zu", rsa_len);
  expect_refused(two, rsa_len * 2, VL_ERR_FORMAT, want);
  free(two);
  vl_free(rsa);
}

static void test_limits(void) {
  size_t ec_len;
  uint8_t *ec = ec_variant(VL_MAX_ANCHORS, &ec_len); /* the 513th distinct root */
  uint8_t *many = malloc(ec_len * (VL_MAX_ANCHORS + 1));
  for (size_t i = 0; i <= VL_MAX_ANCHORS; i++) {
    size_t n;
    uint8_t *v = ec_variant(i, &n);
    CHECK_EQ_INT(n, ec_len);
    memcpy(many + i * ec_len, v, ec_len);
    vl_free(v);
  }
  vl_anchors *a = fresh();
  char err[160];
  CHECK_EQ_INT(vl_anchors_add(a, many, ec_len * VL_MAX_ANCHORS, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_count(a), VL_MAX_ANCHORS);
  CHECK_EQ_INT(vl_anchors_add(a, ec, ec_len, err, sizeof err), VL_ERR_LIMIT);
  CHECK(strstr(err, "trust anchor 513: more than 512 anchors (byte 0)") != NULL);
  CHECK_EQ_INT(vl_anchors_count(a), VL_MAX_ANCHORS);
  /* A root the full set already has is still fine: it takes no room. */
  CHECK_EQ_INT(vl_anchors_add(a, many, ec_len, err, sizeof err), VL_OK);
  CHECK_EQ_INT(vl_anchors_count(a), VL_MAX_ANCHORS);
  vl_anchors_free(a);
  a = fresh();
  CHECK_EQ_INT(vl_anchors_add(a, many, ec_len * (VL_MAX_ANCHORS + 1), err, sizeof err), VL_ERR_LIMIT);
  CHECK_EQ_INT(vl_anchors_count(a), 0);
  free(many);
  uint8_t *huge = calloc(1, VL_MAX_ANCHORS_INPUT_BYTES + 1);
  huge[0] = '-';
  CHECK_EQ_INT(vl_anchors_add(a, huge, VL_MAX_ANCHORS_INPUT_BYTES + 1, err, sizeof err), VL_ERR_LIMIT);
  CHECK(strstr(err, "exceeds") != NULL);
  free(huge);
  CHECK_EQ_INT(vl_anchors_add(NULL, ec, ec_len, err, sizeof err), VL_ERR_ARG);
  CHECK_EQ_INT(vl_anchors_add(a, NULL, 0, err, sizeof err), VL_ERR_ARG);
  CHECK_EQ_INT(vl_anchors_new(NULL), VL_ERR_ARG);
  CHECK_EQ_INT(vl_anchors_count(NULL), 0);
  CHECK(vl_anchors_list(a, NULL) == NULL);
  vl_anchors_free(a);
  vl_anchors_free(NULL);
  vl_free(ec);
}

static void test_debian_bundle(void) {
  size_t len;
  char *pem = vlt_read_file("/etc/ssl/certs/ca-certificates.crt", &len);
  if (!pem) {
    printf("  (no /etc/ssl/certs/ca-certificates.crt: skipped)\n");
    return;
  }
  vl_anchors *a = fresh();
  char err[200] = "";
  CHECK_EQ_INT(vl_anchors_add(a, (const uint8_t *)pem, len, err, sizeof err), VL_OK);
  if (err[0]) fprintf(stderr, "  %s\n", err);
  printf("  Debian bundle: %zu anchors from %zu bytes of PEM\n", vl_anchors_count(a), len);
  CHECK(vl_anchors_count(a) > 100);
  vl_anchors_free(a);
  free(pem);
}

/* scripts/roots's output, when it has been made: the same roots as DER. */
static void test_roots_der(void) {
  size_t len;
  char *der = vlt_read_file(VL_SOURCE_DIR "/web/dist/roots.der", &len);
  if (!der) {
    printf("  (no web/dist/roots.der: run scripts/roots; skipped)\n");
    return;
  }
  vl_anchors *a = fresh();
  char err[200] = "";
  CHECK_EQ_INT(vl_anchors_add(a, (const uint8_t *)der, len, err, sizeof err), VL_OK);
  if (err[0]) fprintf(stderr, "  %s\n", err);
  printf("  roots.der: %zu anchors from %zu bytes\n", vl_anchors_count(a), len);
  CHECK(vl_anchors_count(a) > 100);
  vl_anchors_free(a);
  free(der);
}

VLT_MAIN(TEST(test_pem_one_ec), TEST(test_pem_two_with_text_and_no_final_newline), TEST(test_der_one_and_concatenated),
         TEST(test_duplicates_are_one_anchor), TEST(test_leaf_is_not_ca), TEST(test_refuses_garbage),
         TEST(test_refusal_names_the_third_anchor), TEST(test_limits), TEST(test_debian_bundle), TEST(test_roots_der))
