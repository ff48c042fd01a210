// One error type for the whole JS API. Messages come from the core's detail
// text or from argument checks: they name what was wrong and where, never a value.
//
// Each shipped bundle (web/lib/vault.js, seal.js, auth/*.js, worker.js) holds
// its own copy of this class, so that importing vault.js fetches no second
// file before it can run (a static import is one more round trip, found only
// once vault.js has arrived: tests/bench/lean.bench.mjs measured 5 ms of a
// 15 ms import). The copies recognise each other's errors through a
// registered symbol: `e instanceof VaultError` holds whichever bundle threw e.

const BRAND = Symbol.for('vaultlink.VaultError');

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

  /** A VaultError from any copy of this class; a subclass keeps the ordinary test. */
  static [Symbol.hasInstance](x) {
    if (this !== VaultError) return Function.prototype[Symbol.hasInstance].call(this, x);
    return x != null && x[BRAND] === true;
  }
}
// On the prototype, not enumerable: JSON.stringify, structuredClone and
// Object.keys of an error see only what they saw before.
Object.defineProperty(VaultError.prototype, BRAND, { value: true });

// The codes of the core's statuses come from the core itself (vl_status_code(),
// read by bridge.js): no table here to drift.
