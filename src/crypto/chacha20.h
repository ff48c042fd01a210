/* ChaCha20 (RFC 8439 §2.4) with BearSSL's br_chacha20_run signature, for
 * br_poly1305_ctmul_run. One block is four 128-bit rows, a quarter round runs
 * on the four columns (then the diagonals) at once: wasm SIMD in the module,
 * SSE2 natively (the compiler's vector extension). Add, xor and rotate only:
 * no table, no branch on data, so constant-time like br_chacha20_ct_run,
 * which it replaces on the per-request path (a sealed value is opened on
 * every resolve that uses it). */
#ifndef VL_CRYPTO_CHACHA20_H
#define VL_CRYPTO_CHACHA20_H
#include <stddef.h>
#include <stdint.h>

/* XORs len bytes of data with the key stream for key (32 bytes), iv
 * (12 bytes) from block counter cc; returns the counter after the last block. */
uint32_t vl_chacha20_run(const void *key, const void *iv, uint32_t cc, void *data, size_t len);
#endif
