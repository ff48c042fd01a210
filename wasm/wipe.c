/* explicit_bzero for the modules, written as musl writes it (memset, then a
 * compiler barrier that makes the zeroed bytes observed, so the stores cannot
 * be dropped), but compiled here, with bulk memory: the memset is one
 * memory.fill. The C library's prebuilt copy calls musl's memset, a loop of
 * 8-byte stores. Every wipe in the modules comes here: vl_wipe (each vl_free),
 * the stack scrub after each entry point, vl_w_wipe_memory. */
#include <string.h>

void explicit_bzero(void *p, size_t n) {
  memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
}
