/* JSON beside cJSON: its number reader, a compact writer and the source
 * text of a parsed value, so the core needs neither the C library's strtod
 * nor its printf: their floating-point code is most of 10 KB of wasm.
 *
 * - vl_json_strtod reads numbers for cJSON (cJSON.c is compiled with
 *   strtod=vl_json_strtod). Integers of up to 15 digits, and decimals whose
 *   digits and exponent fit the fast path (up to 15 significant digits and
 *   |exponent| <= 22), are exact; other numbers are within a few units in the
 *   last place. The core reads numbers only as counts, times and versions.
 * - vl_json_print writes a tree as compact JSON, like cJSON_PrintUnformatted:
 *   integers exactly, other numbers to 17 significant digits (15 when those
 *   read back the same).
 * - vl_json_source gives a value's own text from the document it was parsed
 *   from, with whitespace outside strings removed: a secret that is a number
 *   or an object comes out as the provider wrote it, digit for digit. */
#ifndef VL_JSON_H
#define VL_JSON_H
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "vaultlink.h"

double vl_json_strtod(const char *s, char **end);
/* (hi + lo) * 10^e as a double-double: returns the high part, *out_lo the low. */
double vl_json_scale10(double hi, double lo, int e, double *out_lo);

/* NUL-terminated, allocated with vl_alloc (vl_free it); NULL when out of memory. */
char *vl_json_print(const cJSON *item);

/* item must be root or inside it, and root must have been parsed from
 * text[0..len). *out is allocated with vl_alloc, NUL-terminated, the NUL not
 * counted. VL_ERR_FORMAT if item is not in root or the text does not match. */
vl_status vl_json_source(const uint8_t *text, size_t len, const cJSON *root, const cJSON *item, uint8_t **out,
                         size_t *out_len);
#endif
