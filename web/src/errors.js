// One error type for the whole JS API. Messages come from the core's detail
// text or from argument checks: they name what was wrong and where, never a value.

export class VaultError extends Error {
  /**
   * @param {string} code  stable machine code: 'bad_request', 'limit', 'format', 'wiped', …
   * @param {string} message  human text naming the input and position
   */
  constructor(code, message) {
    super(`vaultlink: ${message}`);
    this.name = 'VaultError';
    this.code = code;
  }
}

// vl_status values (src/vaultlink.h) → stable codes.
export const STATUS_CODES = {
  1: 'nomem',
  2: 'bad_argument',
  3: 'limit',
  4: 'format',
  5: 'bad_reference',
  6: 'state',
  7: 'not_found',
  8: 'crypto',
  9: 'auth',
  10: 'expired',
  11: 'unsupported',
  12: 'done',
};
