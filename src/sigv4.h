/*
 * AWS Signature Version 4, header-based signing (the `Authorization` header
 * form). No I/O and no clock: the caller passes the request pieces, the
 * credentials and the time, and gets back the header values to add.
 *
 * What the signer does, in order (providers.md §1.5):
 *   1. canonical URI: the raw request path, optionally normalised (dot
 *      segments removed, runs of '/' collapsed), then percent-encoded byte by
 *      byte with everything but A-Za-z0-9-_.~ and '/' escaped. The path is
 *      encoded as given, so an already-escaped "%20" becomes "%2520": the
 *      "double encoding" every service except S3 expects.
 *   2. canonical query: split on '&', each key and value percent-decoded then
 *      re-encoded, sorted by key then value.
 *   3. canonical headers: names lower-cased, values trimmed with inner runs of
 *      blanks collapsed, duplicates joined with ',' in their original order,
 *      sorted by name. The signer adds X-Amz-Date, X-Amz-Security-Token (when
 *      the credentials carry a session token) and, on request,
 *      X-Amz-Content-Sha256. Headers the AWS JS signer never signs
 *      (user-agent, connection, sec-*, proxy-*, …) are skipped.
 *   4. string to sign, signing key, signature, Authorization value.
 *
 * Every secret (the secret key, "AWS4"+secret, each derived key, every HMAC
 * context) is wiped before the function returns.
 */
#ifndef VL_SIGV4_H
#define VL_SIGV4_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "reqcodec.h"
#include "vaultlink.h"

/* Flags for vl_sigv4_sign. */
enum {
  /* Remove "." and ".." segments and collapse repeated '/' in the path (every
   * service but S3). */
  VL_SIGV4_NORMALIZE_PATH = 1u << 0,
  /* Add and sign X-Amz-Content-Sha256: hex(SHA256(body)) (aws-c-auth's
   * sign_body; S3 needs it, Secrets Manager does not). */
  VL_SIGV4_ADD_CONTENT_SHA256 = 1u << 1,
  /* Legacy form (aws-c-auth's omit_session_token, post-sts-header-after): the
   * session token is sent but not signed. Secrets Manager and STS reject
   * this; it exists so the official vector can be checked. */
  VL_SIGV4_OMIT_SESSION_TOKEN = 1u << 2
};

/* Longest region or service name accepted. */
#define VL_SIGV4_MAX_SCOPE_PART 64u
/* Longest access key id / secret key / session token accepted. */
#define VL_SIGV4_MAX_KEY_ID 128u
#define VL_SIGV4_MAX_SECRET 256u
#define VL_SIGV4_MAX_TOKEN ((size_t)16 * 1024)

typedef struct {
  vl_slice method;          /* "GET", "POST", … (sent as given) */
  vl_slice path;            /* raw path as it goes on the wire, no query; empty = "/" */
  vl_slice query;           /* raw query string without '?'; may be empty */
  const vl_header *headers; /* must include Host; must not include Authorization,
                               X-Amz-Date, X-Amz-Security-Token or X-Amz-Content-Sha256 */
  size_t header_count;
  vl_slice body; /* hashed for the payload line */
} vl_sigv4_request;

typedef struct {
  vl_slice access_key_id;
  vl_slice secret_access_key;
  vl_slice session_token; /* n == 0: long-term credentials, no token */
} vl_aws_credentials;

typedef struct {
  char amz_date[17];        /* "YYYYMMDDTHHMMSSZ": send as X-Amz-Date */
  char payload_sha256[65];  /* hex SHA-256 of the body (X-Amz-Content-Sha256 when flagged) */
  char signature[65];       /* hex signature */
  vl_buf authorization;     /* the Authorization header value (not NUL-terminated) */
  vl_buf canonical_request; /* kept for tests and debugging; wiped by _clear */
  vl_buf string_to_sign;
} vl_sigv4_result;

/* Signs req with creds for region/service at now_ms (milliseconds since the
 * Unix epoch, UTC). flags: VL_SIGV4_*. On success fills *out (which the caller
 * releases with vl_sigv4_result_clear); the caller then sends X-Amz-Date,
 * Authorization, X-Amz-Security-Token (when the credentials have one) and
 * X-Amz-Content-Sha256 (when flagged).
 *
 * Fails, leaving *out empty, with
 *   VL_ERR_ARG    NULL pointers, an empty key id / secret / region / service,
 *                 a region or service with '/' or blanks, a missing Host header
 *                 or one the signer adds itself, now_ms past year 9999;
 *   VL_ERR_FORMAT a header name that is not an HTTP token, a header value with
 *                 CR, LF or NUL, a path that does not start with '/';
 *   VL_ERR_LIMIT  more than VL_MAX_HEADERS headers, a path/query over
 *                 VL_MAX_URL_BYTES, a body over VL_MAX_BODY_BYTES, an
 *                 over-long key, token or scope part;
 *   VL_ERR_NOMEM  out of memory. */
vl_status vl_sigv4_sign(const vl_sigv4_request *req, const vl_aws_credentials *creds, const char *region,
                        const char *service, uint64_t now_ms, unsigned flags, vl_sigv4_result *out);

/* Wipes and frees what vl_sigv4_sign put in *r (safe on a zeroed struct). */
void vl_sigv4_result_clear(vl_sigv4_result *r);

/* The canonical URI of a raw path (step 1 above), appended to out. */
vl_status vl_sigv4_canonical_uri(const uint8_t *path, size_t n, unsigned flags, vl_buf *out);

/* The canonical query string of a raw query (step 2 above), appended to out. */
vl_status vl_sigv4_canonical_query(const uint8_t *query, size_t n, vl_buf *out);

/* Formats now_ms as the 16-character X-Amz-Date ("YYYYMMDDTHHMMSSZ") plus NUL.
 * VL_ERR_ARG past 9999-12-31. */
vl_status vl_sigv4_amz_date(uint64_t now_ms, char out[17]);
#endif
