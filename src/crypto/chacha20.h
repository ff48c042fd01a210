/* ChaCha20 (RFC 8439 §2.4) with BearSSL's br_chacha20_run signature, for
 * br_poly1305_ctmul_run. One block is four 128-bit rows, a quarter round runs
 * on the four columns (then the diagonals) at once, and two blocks are
 * computed side by side: wasm SIMD in the module, SSE2 natively (the
 * compiler's vector extension). Add, xor, shift and byte shuffle only:
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

/* A stream for key and iv whose blocks 0 and 1 are computed ahead, side by
 * side, in about the time of one: what a short ChaCha20-Poly1305 message
 * needs (block 0 the Poly1305 key, block 1 its first 64 bytes). Holds key
 * stream: wipe it after use. */
typedef struct {
  _Alignas(16) uint8_t stream[128];
  const void *key;
} vl_chacha20_pre;

void vl_chacha20_pre_init(vl_chacha20_pre *p, const void *key, const void *iv);

/* vl_chacha20_run for the stream p was set up for (`pre`, in the key's place:
 * br_poly1305_ctmul_run hands its key argument only to the ChaCha20 function
 * it is given), taking blocks 0 and 1 from p. */
uint32_t vl_chacha20_pre_run(const void *pre, const void *iv, uint32_t cc, void *data, size_t len);
#endif
