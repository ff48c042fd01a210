/*
 * Quoting provider text in details and errors (issue #11 §4).
 *
 * A provider's answer is untrusted: a hostile or broken server can put a
 * secret or a credential into any of its fields. Details and connect errors
 * therefore quote a field of an answer only after it matched the grammar it
 * should have (a timestamp, an integer, a GUID, one of a static list of
 * names); anything else is written as VL_UNEXPECTED. Free-text fields (error
 * messages, error_description) are never quoted: a detail says what kind of
 * error it was and the HTTP status instead.
 *
 * Every vl_valid_* takes (pointer, length), needs no NUL terminator and
 * returns 1 when the whole text matches, 0 otherwise (also for NULL).
 */
#ifndef VL_PROVIDERS_QUOTE_H
#define VL_PROVIDERS_QUOTE_H
#include <stddef.h>

#include "reqcodec.h"

/* What a detail says in place of provider text that did not validate. */
#define VL_UNEXPECTED "(unexpected value)"

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|±HH:MM), a real
 * calendar date, 'T' and 'Z' in either case, seconds up to 60. */
int vl_valid_rfc3339(const char *s, size_t n);

/* A non-negative decimal integer: 1 to max_digits ASCII digits, nothing else. */
int vl_valid_uint(const char *s, size_t n, size_t max_digits);

/* An HTTP-date in the preferred IMF-fixdate form (RFC 9110 §5.6.7):
 * "Sun, 06 Nov 1994 08:49:37 GMT". The obsolete forms are not accepted. */
int vl_valid_http_date(const char *s, size_t n);

/* A GUID: 8-4-4-4-12 hex digits (either case). */
int vl_valid_uuid(const char *s, size_t n);

/* 1 when s is exactly one of names (a NULL-terminated list). Case-sensitive. */
int vl_valid_enum(const char *s, size_t n, const char *const *names);

/* Identities connect() reports (issue #13):
 * an ARN as STS GetCallerIdentity returns it: "arn:" then [A-Za-z0-9:/_+=,.@-], 8..200 bytes; */
int vl_valid_arn(const char *s, size_t n);
/* a plain name (a Vault display name or policy): [A-Za-z0-9_.@-], 1..64 bytes; */
int vl_valid_plain_name(const char *s, size_t n);
/* a user principal name: local@domain of [A-Za-z0-9._+#-], one '@' inside, 3..100 bytes. */
int vl_valid_upn(const char *s, size_t n);

/* s when it is a valid RFC 3339 date-time, else VL_UNEXPECTED (also for NULL). */
const char *vl_quote_rfc3339(const char *s);

/* s when it is one of names, else VL_UNEXPECTED (also for NULL). */
const char *vl_quote_enum(const char *s, const char *const *names);

/* s when it is a GUID or one of names (names may be NULL), else VL_UNEXPECTED. */
const char *vl_quote_uuid_or_enum(const char *s, const char *const *names);

/* A Retry-After header value as a detail shows it: "N s" for delay-seconds
 * (at most 10 digits), the date itself for an IMF-fixdate, else
 * VL_UNEXPECTED. Uses buf (at least 32 bytes) for the valid forms; returns
 * NULL when there is no header. */
const char *vl_quote_retry_after(const vl_slice *value, char *buf, size_t buflen);
#endif
