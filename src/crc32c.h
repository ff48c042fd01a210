/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum GCP
 * Secret Manager sends as payload.dataCrc32c (providers.md §5). */
#ifndef VL_CRC32C_H
#define VL_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* Continues a CRC-32C over len bytes: start with crc = 0; the result of one
 * call is the crc argument of the next. vl_crc32c(0, "123456789", 9) is
 * 0xE3069283. */
uint32_t vl_crc32c(uint32_t crc, const uint8_t *data, size_t len);
#endif
