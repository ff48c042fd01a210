/*
 * TOTP (RFC 6238) over HOTP (RFC 4226), for 1Password one-time-password fields
 * whose value is an otpauth:// URI (Google Authenticator Key-Uri-Format).
 * The clock is an input: now_ms, milliseconds since the Unix epoch.
 */
#ifndef VL_TOTP_H
#define VL_TOTP_H
#include <stddef.h>
#include <stdint.h>

#include "vaultlink.h"

typedef enum { VL_TOTP_SHA1 = 0, VL_TOTP_SHA256 = 1, VL_TOTP_SHA512 = 2 } vl_totp_alg;

#define VL_TOTP_MAX_KEY 128u /* decoded secret bytes */

/* The HOTP code for key and counter: `digits` (6-8) decimal digits plus a NUL
 * into code (at least 9 bytes). VL_ERR_ARG on bad digits or algorithm. Wipes
 * every HMAC state it used. */
vl_status vl_hotp(const uint8_t *key, size_t key_len, vl_totp_alg alg, unsigned digits, uint64_t counter, char code[9]);

/* RFC 4648 base32 (case-insensitive; spaces and trailing '=' ignored) into
 * out (cap bytes). VL_ERR_FORMAT on a bad character, VL_ERR_LIMIT if too long. */
vl_status vl_base32_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* The current code for an otpauth://totp/… URI (secret, algorithm SHA1|SHA256|
 * SHA512, digits, period; defaults SHA1, 6, 30) or for a bare base32 secret.
 * *valid_until_ms gets the end of the current period. VL_ERR_FORMAT with err
 * naming the parameter (never the secret) on a bad URI. */
vl_status vl_totp_from_uri(const char *uri, size_t len, uint64_t now_ms, char code[9], uint64_t *valid_until_ms,
                           char *err, size_t errlen);
#endif
