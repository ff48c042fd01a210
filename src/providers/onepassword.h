/* 1Password Connect: the item-resolution half of the provider, exposed for
 * tests and the fuzz target (tests/fuzz/fuzz_onepassword.c). */
#ifndef VL_PROVIDERS_ONEPASSWORD_H
#define VL_PROVIDERS_ONEPASSWORD_H
#include "providers/provider.h"

/* Picks the section, field (or file) and attribute named by params (as made by
 * vl_provider_1password.parse) out of a Connect FullItem (json[0..len)).
 * Returns VL_STEP_VALUE (out->value vl_alloc'd, out->expires_ms set for
 * one-time passwords), VL_STEP_FAIL (out->reason, out->detail naming
 * `canonical`), or VL_STEP_JOB meaning "fetch the content of file *file_id"
 * (vl_alloc'd; no job is written). Everything parsed is wiped. */
vl_step_kind vl_onepassword_pick(const uint8_t *json, size_t len, const cJSON *params, const char *canonical,
                                 uint64_t now_ms, vl_step_out *out, char **file_id);
#endif
