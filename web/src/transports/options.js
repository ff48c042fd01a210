// Numeric options of the transports and relays, checked when the transport is
// made: a bad one is named there, not found later as a request that never
// times out or retries forever.

/** setTimeout's largest delay: a longer one fires at once (Node warns, browsers do not). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * For `who`'s options: (name, dflt, min, max, integer) → opts[name] when
 * given (a number in min..max, an integer when `integer`), else dflt. A bad
 * one is a TypeError naming `who` and the option.
 */
export function numberOptions(who, opts) {
  return (name, dflt, min, max, integer = false) => {
    const v = opts[name];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !(v >= min && v <= max) || (integer && !Number.isInteger(v))) {
      const got = typeof v === 'number' ? String(v) : v === null ? 'null' : typeof v;
      throw new TypeError(`${who}: ${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got ${got}`);
    }
    return v;
  };
}

/** The options argument: undefined or an object. */
export function optionsObject(who, opts) {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${who}: options must be an object`);
  return opts;
}
