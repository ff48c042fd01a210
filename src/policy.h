/*
 * Allowed-domain matching.
 *
 * A domain entry becomes postman-runtime's pattern "proto(default https)://host:*" + "/ *":
 * the path is ignored, `*.` allows the domain and every subdomain. The URL side
 * is parsed strictly: anything a browser could read differently from us
 * (userinfo, backslashes, percent-encoding, non-ASCII, control characters,
 * non-canonical IP forms, tokens left in the authority) makes the host
 * "undetermined", and an undetermined host matches no domain-restricted secret.
 *
 * Deliberate differences from postman-runtime (documented in the README):
 *   - hosts compare case-insensitively (browsers lowercase them);
 *   - an entry with a port (`example.com:8443`) allows that port only
 *     (postman-runtime builds an invalid pattern that never matches);
 *   - every URL shape in the undetermined list above is refused.
 */
#ifndef VL_POLICY_H
#define VL_POLICY_H
#include <stddef.h>
#include <stdint.h>

#include "input_limits.h"
#include "vaultlink.h"

enum { VL_SCHEME_HTTP = 1, VL_SCHEME_HTTPS = 2 };

typedef struct {
  uint8_t scheme;          /* VL_SCHEME_* */
  uint8_t wildcard;        /* "*.suffix" */
  uint8_t explicit_scheme; /* the entry named its scheme (else https only) */
  int32_t port;            /* -1 = any port */
  size_t host_len;
  char host[VL_MAX_DOMAIN_BYTES + 3]; /* lowercase; for wildcards, the suffix */
} vl_domain;

typedef struct {
  int determined;      /* 0: the host cannot be trusted; no restricted secret may go */
  uint8_t from_values; /* a secret's value is part of the scheme or authority: never quote it */
  uint8_t scheme;
  int32_t port; /* -1 = default for the scheme */
  size_t host_len;
  char host[VL_MAX_DOMAIN_BYTES + 3];
} vl_origin;

/* Parses one allowed-domain entry. On failure writes a message naming the
 * entry and the byte position into err. */
vl_status vl_domain_parse(const uint8_t *s, size_t n, vl_domain *out, char *err, size_t errlen);

/* Parses the scheme and authority of a (rendered) URL strictly. */
void vl_origin_parse(const uint8_t *url, size_t n, vl_origin *out);

/* 1 if the origin matches the domain entry. An undetermined origin never matches. */
int vl_domain_match(const vl_domain *d, const vl_origin *o);

/* Bounds of vl_domain_explain's sentence (bytes, including the NUL). */
#define VL_DOMAIN_EXPLAIN_BYTES 480u

/* Writes into out (at most outlen bytes, NUL-terminated, outlen > 0) why the
 * secret NAME may not go to origin o given its n allowed entries d[]: the
 * cause (scheme, port or host), the entry that came closest and the entry that
 * would allow it. Names the URL's origin and entries, cut with an ellipsis if
 * long; never a value (an origin built from a secret is not quoted). in_origin:
 * the token sits in the URL's scheme or authority. */
void vl_domain_explain(const uint8_t *name, size_t name_len, const vl_domain *d, size_t n, const vl_origin *o,
                       int in_origin, char *out, size_t outlen);

/* The byte offset where a URL's scheme+authority ends (the first '/', '\\',
 * '?' or '#' after "://"), skipping over {{…}} tokens; n if none. Tokens that
 * start before this offset can change the host. */
size_t vl_origin_region_end(const uint8_t *url, size_t n);
#endif
