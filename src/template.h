/* {{…}} token scanning with postman-collection's exact semantics:
 * REGEX_EXTRACT_VARS = /{{([^{}]*?)}}/g, matches taken left to right without
 * overlap. Linear time on any input (no backtracking blow-up). */
#ifndef VL_TEMPLATE_H
#define VL_TEMPLATE_H
#include <stddef.h>
#include <stdint.h>

#define VL_VAULT_PREFIX "vault:"
#define VL_VAULT_PREFIX_LEN 6

typedef struct {
  size_t start, end;         /* the whole match s[start..end), braces included */
  size_t name_off, name_len; /* for vault tokens: NAME in {{vault:NAME}} */
  int is_vault;              /* the content starts with "vault:" */
} vl_token;

/* Finds the first match at or after *pos. Returns 1 and advances *pos past the
 * match, or 0 when there is none. */
int vl_template_next(const uint8_t *s, size_t n, size_t *pos, vl_token *tok);
#endif
