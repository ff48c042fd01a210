/*
 * The 1Password secret reference grammar (developer.1password.com
 * docs/cli/secret-reference-syntax; providers.md §4.4):
 *
 *   op://<vault>/<item>/[<section>/]<field>[?attribute=<a>][&ssh-format=openssh]
 *
 * - The scheme and the query are case-insensitive; names are matched
 *   case-insensitively later, against the item (the parser keeps their case).
 * - A name is 1-256 bytes of A-Z a-z 0-9 '-' '_' '.' and space, not starting or
 *   ending with a space. A name with any other character (including '/') must
 *   be written as the object's ID, which is what 1Password documents.
 * - The query holds "attribute" and/or "ssh-format", each at most once, joined
 *   by '&', in either order. attribute ∈ {otp, totp, value, type, id, purpose,
 *   label, title, content, size, name, reference}; ssh-format ∈ {openssh}.
 * - Shell quoting (the docs' advice for references with spaces) is not part of
 *   the reference: a link holds the reference itself, without quotes.
 *
 * The parser does not allocate: the parts point into the input.
 */
#ifndef VL_REFS_ONEPASSWORD_H
#define VL_REFS_ONEPASSWORD_H
#include <stddef.h>

#include "vaultlink.h"

#define VL_OPREF_MAX_BYTES 1024u /* a whole reference */
#define VL_OPREF_MAX_NAME 256u   /* one vault/item/section/field name */

typedef struct {
  const char *p; /* NULL when absent */
  size_t n;
} vl_opref_part;

typedef struct {
  vl_opref_part vault, item, section, field; /* section.p == NULL in the 3-part form */
  vl_opref_part attribute;                   /* lower-cased copy in attr_lc; NULL when absent */
  int ssh_openssh;                           /* ?ssh-format=openssh */
  char attr_lc[12];                          /* the attribute, lower-case ("" when absent) */
} vl_opref;

/* Parses ref[0..len). VL_OK, or VL_ERR_REFERENCE with err naming the problem and
 * its byte position ("too few segments (need vault/item/field)", "too many
 * segments", "bad scheme", a disallowed character, an unknown query key…). */
vl_status vl_opref_parse(const char *ref, size_t len, vl_opref *out, char *err, size_t errlen);

/* 1 if the name has the shape of a 1Password ID (^[a-z0-9]{26}$). */
int vl_opref_is_id(const char *p, size_t n);
#endif
