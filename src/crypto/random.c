#include "crypto/random.h"

#include <sys/random.h>

#include "mem.h"

vl_status vl_random(void *buf, size_t len) {
  if (!buf && len) return VL_ERR_ARG;
  unsigned char *p = buf;
  for (size_t done = 0; done < len;) {
    size_t n = len - done < 256 ? len - done : 256;
    if (getentropy(p + done, n) != 0) {
      vl_wipe(buf, len);
      return VL_ERR_CRYPTO;
    }
    done += n;
  }
  return VL_OK;
}
