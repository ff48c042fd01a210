/* Every input limit of the core, in one place. Each is enforced at the boundary
 * where the input enters and is tested there (tests/c/test_limits.c). */
#ifndef VL_INPUT_LIMITS_H
#define VL_INPUT_LIMITS_H

#define VL_MAX_BODY_BYTES ((size_t)16 * 1024 * 1024) /* request body */
#define VL_MAX_URL_BYTES ((size_t)64 * 1024)         /* request URL */
#define VL_MAX_METHOD_BYTES 32u
#define VL_MAX_HEADERS 256u                            /* header count */
#define VL_MAX_HEADER_BYTES ((size_t)64 * 1024)        /* one header name or value */
#define VL_MAX_TOKENS 4096u                            /* {{vault:…}} tokens in one request */
#define VL_MAX_NAME_BYTES 256u                         /* secret name */
#define VL_MAX_SECRET_BYTES ((size_t)256 * 1024)       /* one secret value */
#define VL_MAX_OUTPUT_BYTES ((size_t)64 * 1024 * 1024) /* rendered request */
#define VL_MAX_LINKS 10000u
#define VL_MAX_DOMAINS 64u /* allowed domains per secret */
#define VL_MAX_DOMAIN_BYTES 253u
#define VL_MAX_DEF_BYTES ((size_t)64 * 1024)            /* one link definition (JSON) */
#define VL_MAX_JSON_DEPTH 32                            /* nesting in any JSON the core parses */
#define VL_MAX_RESPONSE_BYTES ((size_t)4 * 1024 * 1024) /* one provider response */
#define VL_MAX_RESOLVES 1024u                           /* resolves open at once in one vault (handle table) */
#define VL_RSLOT_BITS 10                                /* log2(VL_MAX_RESOLVES): a handle's slot bits */
#define VL_POSTMAN_PASS_LIMIT 19                        /* postman-collection VARS_SUBREPLACE_LIMIT */
/* HTTP/1.1 responses read by the core itself (tunnel transport, src/http/; tested in tests/c/test_http1.c) */
#define VL_MAX_RESPONSE_HEAD_BYTES ((size_t)64 * 1024)   /* status lines + header fields (1xx and trailers included) */
#define VL_MAX_RESPONSE_HEADERS 256u                     /* header fields in one response */
#define VL_MAX_CHUNK_LINE_BYTES 4096u                    /* one chunk-size line with its extensions */
#define VL_MAX_ANCHORS 512u                              /* trust anchors in one set */
#define VL_MAX_ANCHORS_INPUT_BYTES ((size_t)1024 * 1024) /* one PEM or DER input to vl_anchors_add */
#define VL_MAX_TUNNEL_CONNS 32u                          /* tunnel connections per vault (busy + idle) */
#define VL_MAX_SERVER_NAME_BYTES 253u                    /* TLS server name (SNI, host check) */

#endif
