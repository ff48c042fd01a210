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

// The codes of the core's statuses come from the core itself (vl_status_code(),
// read by bridge.js): no table here to drift.
