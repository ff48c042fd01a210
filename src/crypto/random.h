/* The core's only entropy source. */
#ifndef VL_CRYPTO_RANDOM_H
#define VL_CRYPTO_RANDOM_H
#include <stddef.h>
#include <stdint.h>

#include "vaultlink.h"

/*
 * Fills buf with len bytes from the operating system (getentropy(): the
 * kernel natively, crypto.getRandomValues / crypto.randomBytes under
 * Emscripten). Asks for at most 256 bytes per call, as POSIX requires.
 * Returns VL_OK, VL_ERR_ARG (buf NULL with len > 0) or VL_ERR_CRYPTO (the
 * source failed); on failure buf is zeroed, never left half-filled.
 */
vl_status vl_random(void *buf, size_t len);
#endif
