// vaultlink — the public JS API.
//
//   const vault = await createVault();
//   vault.link('stripe-key', { provider: 'local', value: 'sk_test_…' }, { domains: ['api.stripe.com'] });
//   const { url, headers, body, unresolved } = await vault.resolve({ method, url, headers, body });
//   vault.wipe();
//
// The shim owns I/O and lifecycle; the core (wasm) owns every secret byte.

import { loadCore, loadCoreSync } from './bridge.js';
import { VaultError, STATUS_CODES } from './errors.js';
import { encodeRequest, encodeRequestInto, decodeRequest, shapeHeaders, applyPatchOutput } from './wire.js';
import { fetchTransport } from './transports/fetch.js';
import { postmanSecretResolver } from './postman.js';

export { VaultError } from './errors.js';

const enc = new TextEncoder();
const FLAG_POSTMAN_COMPAT = 1;
const FLAG_PATCH = 2;
const VL_OK = 0;
const VL_DONE = 12;
const TEST_HOOKS = Symbol.for('vaultlink.testHooks');
const LIMIT_RESPONSE_BYTES = 1; // vl_w_limit() ids (wasm/exports.c)

/**
 * Creates a vault: a fresh wasm instance with its own memory.
 * @param {import('./vault').VaultOptions} [options]
 */
export async function createVault(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new VaultError('bad_argument', 'createVault(options): options must be an object');
  }
  const core = await loadCore(options.wasm);
  // Residue tests scan the core's memory; not part of the API (see vault.d.ts).
  options[TEST_HOOKS]?.onCore?.(core);
  return new Vault(core, options);
}

/** A signature and its timestamp differ between two signings of one request:
 * an AWS SigV4 request is the same job if everything it signs is the same. */
function stableHeaders(headers) {
  const out = [];
  for (const [k, v] of headers) {
    const name = k.toLowerCase();
    if (name === 'x-amz-date') continue;
    if (name === 'authorization' && v.startsWith('AWS4-HMAC-SHA256 ')) {
      const at = v.indexOf('Signature=');
      out.push([name, at < 0 ? v : v.slice(0, at)]); // Credential scope and SignedHeaders still compared
    } else out.push([name, v]);
  }
  return out;
}

function sameBody(a, b) {
  if (a === undefined || b === undefined || typeof a === 'string' || typeof b === 'string') return a === b;
  const x = a instanceof Uint8Array ? a : new Uint8Array(a);
  const y = b instanceof Uint8Array ? b : new Uint8Array(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Two core jobs ask for the same thing (compared field by field: no key string holding tokens is built). */
function sameJob(a, b) {
  if (a.method !== b.method || a.url !== b.url || !sameBody(a.body, b.body)) return false;
  const ha = stableHeaders(a.headers), hb = stableHeaders(b.headers);
  return ha.length === hb.length && ha.every(([k, v], i) => k === hb[i][0] && v === hb[i][1]);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Refuses a string with a lone UTF-16 surrogate: encoding would turn it into
 * U+FFFD silently, so 'a\uD800' and 'a\uDBFF' would name the same thing. */
function checkText(s, what) {
  const m = LONE_SURROGATE.exec(s);
  if (m) throw new VaultError('bad_argument', `${what} holds a lone UTF-16 surrogate at index ${m.index}`);
}

/** The same for every key and string in a JSON-like value (credentials, sources). */
function checkTree(value, what, depth = 0) {
  if (typeof value === 'string') return checkText(value, what);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || depth > 64) return;
  for (const [k, v] of Object.entries(value)) {
    checkText(k, `${what}: a key`);
    checkTree(v, `${what}.${LONE_SURROGATE.test(k) ? '?' : k}`, depth + 1);
  }
}

/** A provider name as the core reads it: a short lowercase word, no NUL. */
function checkProvider(provider, call) {
  if (typeof provider !== 'string') throw new VaultError('bad_argument', `${call}(provider): provider must be a string`);
  if (!/^[a-z0-9]{1,32}$/.test(provider)) {
    throw new VaultError('bad_argument', `${call}(provider): "${provider.slice(0, 32).replace(/[^\x20-\x7e]/g, '?')}" is not a provider name (aws, azure, 1password, hashicorp, gcp, sealed)`);
  }
}

/** A secret name: a string, well formed. */
function checkName(name, call) {
  if (typeof name !== 'string') throw new VaultError('bad_argument', `${call}(name): name must be a string`);
  checkText(name, `${call}(name): the name`);
}

/** A transport that threw: the job is answered "unreachable" (status 0),
 * naming the error's kind, never its message (it could quote a request). */
function transportFailure(e) {
  const kind = e && typeof e.name === 'string' && /^[A-Za-z]{1,40}$/.test(e.name) ? e.name : 'Error';
  return { status: 0, headers: [['x-vaultlink-error', 'transport'], ['x-vaultlink-error-kind', kind]], body: new Uint8Array(0) };
}

/** Calls the app's onRestore; an exception there is reported, not thrown into the event. */
function notifyRestore(cb, vault) {
  if (!cb) return;
  try {
    cb(vault);
  } catch (e) {
    if (typeof reportError === 'function') reportError(e);
    else setTimeout(() => { throw e; });
  }
}

export class Vault {
  #core;
  #v = 0;
  #options;
  #transport;
  #onLeave = null;
  // Jobs in flight, shared by every resolve() that needs the same request:
  // {req, gen, promise}. gen is bumped by connect/disconnect/resetCache so an
  // answer fetched under other credentials (or before a reset) is not reused.
  #inflight = [];
  #gen = 0;
  #wipedBy = '';
  #maxResp;
  #reqLimits;
  #sweepTimer = null;
  #onShow = null;
  // Bumped by every wipe: a resolve() that awaited across a wipe (and maybe a
  // bfcache restore) must not touch the new instance with the old one's pointers.
  #epoch = 0;
  // Set by an automatic wipe (pagehide, freeze): a bfcache restore may then
  // re-initialise the vault empty. Never set by wipe().
  #restorable = false;
  #lastWipe = ''; // the reason of the latest wipe, kept across a restore

  constructor(core, options) {
    const ttl = options.cacheTtlMinutes ?? 60;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 525600) {
      throw new VaultError('bad_argument', 'options.cacheTtlMinutes must be an integer from 1 to 525600');
    }
    if (options.onRestore !== undefined && typeof options.onRestore !== 'function') {
      throw new VaultError('bad_argument', 'options.onRestore must be a function');
    }
    this.#core = core;
    this.#options = { postmanCompat: false, wipeOnLeave: true, ...options };
    this.#transport = options.transport ?? fetchTransport();
    const every = options.sweepIntervalMs ?? 30000;
    if (!(every === 0 || (Number.isFinite(every) && every >= 10))) {
      throw new VaultError('bad_argument', 'options.sweepIntervalMs must be 0 (off) or at least 10');
    }
    this.#v = core.x.vl_w_vault_new(ttl) >>> 0;
    if (!this.#v) throw new VaultError('nomem', 'out of memory creating the vault');
    this.#installLifecycle();
  }

  /** True once wipe() ran (or the page was left): every other call then throws.
   * A vault wiped by pagehide/freeze is live (and empty) again after a
   * back/forward-cache restore (pageshow with persisted); see #restore(). */
  get wiped() {
    return this.#v === 0;
  }

  #x() {
    if (!this.#v) throw this.#wipedError();
    return this.#core.x;
  }

  #wipedError(why = this.#wipedBy || 'wipe() was called') {
    return new VaultError('wiped', `vault wiped (${why}): create a new vault with createVault()`);
  }

  /** After an await: the instance `epoch` is gone (wiped, perhaps restored empty since). */
  #still(epoch) {
    if (!this.#v) throw this.#wipedError();
    if (this.#epoch !== epoch) throw this.#wipedError(`${this.#lastWipe} while the call was in flight`);
    return this.#core.x;
  }

  #fail(status, what) {
    const detail = this.#core.cstr(this.#core.x.vl_vault_last_error(this.#v));
    const code = STATUS_CODES[status] ?? 'error';
    throw new VaultError(code, detail || `${what} failed (${code})`);
  }

  /** Copies bytes in, calls fn(ptr, len), then wipes and frees the copy. */
  #withBytes(bytes, fn) {
    const ptr = this.#core.put(bytes);
    try {
      return fn(ptr, bytes.length);
    } finally {
      this.#core.release(ptr, bytes.length);
    }
  }

  /**
   * Defines (or replaces) the secret `name`.
   * @param {string} name  referenced as {{vault:name}}
   * @param {object|string} source  {provider:'local', value} or a Postman Variable.source object
   * @param {{domains?: string[]|string, enabled?: boolean}} [opts]
   */
  link(name, source, opts = {}) {
    const x = this.#x();
    checkName(name, 'link');
    if (source === null || (typeof source !== 'object' && typeof source !== 'string')) {
      throw new VaultError('bad_argument', `link("${name}"): source must be an object or a reference string`);
    }
    let domains = opts.domains ?? [];
    if (typeof domains === 'string') domains = domains.split(',').map((d) => d.trim()).filter(Boolean);
    if (!Array.isArray(domains)) {
      throw new VaultError('bad_argument', `link("${name}"): domains must be an array or a comma-separated string`);
    }
    checkTree(source, `link("${name}"): the source`);
    for (const d of domains) if (typeof d === 'string') checkText(d, `link("${name}"): a domain`);
    let value = new Uint8Array(0);
    let ownsValue = false;
    let def = source;
    if (typeof source === 'object' && source.provider === 'local') {
      const v = source.value;
      if (typeof v === 'string') {
        value = enc.encode(v);
        ownsValue = true;
      } else if (v instanceof Uint8Array) value = v;
      else throw new VaultError('bad_argument', `link("${name}"): a local secret needs a string or Uint8Array value`);
      def = { provider: 'local' }; // the value goes into wasm, never into the definition
    }
    const json = enc.encode(JSON.stringify({ source: def, domains, enabled: opts.enabled ?? true }));
    const nameBytes = enc.encode(name);
    const st = this.#withBytes(nameBytes, (np, nl) =>
      this.#withBytes(json, (dp, dl) => this.#withBytes(value, (vp, vl) => x.vl_w_link(this.#v, np, nl, dp, dl, vp, vl))),
    );
    if (ownsValue) value.fill(0); // our encoded copy of a string value
    if (st !== VL_OK) this.#fail(st, 'link');
  }

  /** Removes the secret `name` and wipes its value. */
  unlink(name) {
    const x = this.#x();
    checkName(name, 'unlink');
    const st = this.#withBytes(enc.encode(name), (p, n) => x.vl_vault_unlink(this.#v, p, n));
    if (st !== VL_OK) this.#fail(st, 'unlink');
  }

  /** Enables or disables the secret `name`. */
  setEnabled(name, enabled) {
    const x = this.#x();
    checkName(name, 'setEnabled');
    if (typeof enabled !== 'boolean') throw new VaultError('bad_argument', 'setEnabled(name, enabled): enabled must be true or false');
    const st = this.#withBytes(enc.encode(name), (p, n) => x.vl_vault_set_enabled(this.#v, p, n, enabled ? 1 : 0));
    if (st !== VL_OK) this.#fail(st, 'setEnabled');
  }

  /** The link definitions (never values): [{name, source, domains, enabled}]. */
  links() {
    const x = this.#x();
    const st = x.vl_w_list(this.#v);
    if (st !== VL_OK) this.#fail(st, 'links');
    const bytes = this.#core.take(this.#core.out(0), this.#core.out(1));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  /**
   * Connects a provider: the credentials move into wasm and this shim keeps no
   * copy (a value typed into a form was a JS string before; see the README).
   * @param {'aws'|'hashicorp'|'azure'|'1password'|'gcp'} provider
   * @param {object} credentials  provider-specific, e.g. {accessKeyId, secretAccessKey, sessionToken?, expiresAt?}
   */
  connect(provider, credentials) {
    const x = this.#x();
    checkProvider(provider, 'connect');
    if (!credentials || typeof credentials !== 'object') {
      throw new VaultError('bad_argument', `connect("${provider}"): credentials must be an object`);
    }
    checkTree(credentials, `connect("${provider}"): credentials`);
    const json = enc.encode(JSON.stringify(credentials));
    this.#gen++;
    try {
      const st = this.#withBytes(enc.encode(provider + '\0'), (pp) =>
        this.#withBytes(json, (cp, cl) => x.vl_w_connect(this.#v, pp, cp, cl, Date.now())),
      );
      if (st !== VL_OK) this.#fail(st, 'connect');
    } finally {
      json.fill(0);
    }
  }

  /** Wipes a provider's credentials; its secrets then stay unresolved ("not_connected"). */
  disconnect(provider) {
    const x = this.#x();
    checkProvider(provider, 'disconnect');
    this.#gen++;
    const st = this.#withBytes(enc.encode(provider + '\0'), (pp) => x.vl_w_disconnect(this.#v, pp));
    if (st !== VL_OK) this.#fail(st, 'disconnect');
  }

  /**
   * Providers (connected, reauthRequired, expiresAt) and cached entries (name,
   * key, expiresAt) — never values.
   */
  status() {
    const x = this.#x();
    const st = x.vl_w_status(this.#v, Date.now());
    if (st !== VL_OK) this.#fail(st, 'status');
    return JSON.parse(new TextDecoder().decode(this.#core.take(this.#core.out(0), this.#core.out(1))));
  }

  /**
   * This session's recipient key for sealed envelopes (docs/envelope.md): give
   * it to the vault side (a relay, `sealForRecipient`) to seal values that only
   * this vault can open. The secret half was generated in wasm with the vault,
   * never leaves it, and is wiped with it; a new vault has a new key.
   * @returns {{kem: 'X25519', publicKey: Uint8Array, keyId: string}}
   */
  publicKey() {
    const x = this.#x();
    const p = x.vl_alloc(40) >>> 0;
    if (!p) throw new VaultError('nomem', 'out of memory in the core');
    try {
      const st = x.vl_w_public_key(this.#v, p);
      if (st !== VL_OK) this.#fail(st, 'publicKey');
      const bytes = this.#core.u8().slice(p, p + 40);
      const keyId = Array.from(bytes.subarray(32), (b) => b.toString(16).padStart(2, '0')).join('');
      return { kem: 'X25519', publicKey: bytes.slice(0, 32), keyId };
    } finally {
      this.#core.release(p);
    }
  }

  /** Wipes every cached value (Postman's "Reset Cache"). */
  resetCache() {
    this.#x().vl_w_reset_cache(this.#v);
    this.#gen++;
  }

  /** Wipes expired cache entries and credentials now; returns how many entries went. */
  sweep() {
    return this.#x().vl_w_sweep(this.#v, Date.now());
  }

  /** Sets the cache expiration in minutes (1..525600) for values cached from now on. */
  setCacheTtl(minutes) {
    const x = this.#x();
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 525600) {
      throw new VaultError('bad_argument', `setCacheTtl(minutes): an integer from 1 to 525600 is required, got ${Number.isFinite(minutes) ? minutes : typeof minutes}`);
    }
    const st = x.vl_w_set_cache_ttl(this.#v, minutes);
    if (st !== VL_OK) this.#fail(st, 'setCacheTtl');
  }

  /**
   * Resolves {{vault:NAME}} tokens in a request.
   * @returns {Promise<{method:string,url:string,headers:any,body:any,unresolved:object[]}>}
   */
  async resolve(request, opts = {}) {
    let x = this.#x();
    const epoch = this.#epoch;
    const compat = opts.postmanCompat ?? this.#options.postmanCompat;
    const core = this.#core;
    // Encoded straight into wasm memory; the core takes ownership of the buffer.
    const { ptr, len, shape, parts } = encodeRequestInto(
      request,
      (size) => {
        const p = x.vl_alloc(size) >>> 0;
        if (!p) throw new VaultError('nomem', 'out of memory in the core');
        return { u8: core.u8(), ptr: p };
      },
      (p) => x.vl_free(p),
      this.#limits(),
    );
    // The request is not copied back: the core returns where the values go and
    // this shim splices them into the strings it already holds. (Postman's
    // repeated passes rescan rendered text, so that mode returns it whole.)
    const flags = compat ? FLAG_POSTMAN_COMPAT : FLAG_PATCH;
    // One call does it all when every secret is local or cached; otherwise
    // the core hands back the resolve and its jobs.
    const h = x.vl_w_resolve(this.#v, ptr, len, flags, Date.now()) >>> 0;
    if (h) {
      // The core names the resolve by a handle it checks. `run.open` turns
      // false the moment this resolve ends, however it ends: a job answered
      // later is dropped (and its bytes zeroed), never ingested.
      const run = { h, open: true };
      try {
        await this.#runJobs(run, epoch);
        x = this.#still(epoch); // the vault may have been wiped (or wiped and restored) while jobs ran
        const st = x.vl_w_render(this.#v, h, Date.now());
        if (st !== VL_OK) this.#fail(st, 'resolve');
      } finally {
        run.open = false;
        if (this.#v && this.#epoch === epoch) x.vl_w_resolve_free(this.#v, h);
      }
    } else {
      const st = core.out(4);
      if (st !== VL_OK) this.#fail(st, 'resolve');
    }
    const outPtr = core.out(0), outLen = core.out(1), repPtr = core.out(2), repLen = core.out(3);
    let out, unresolved;
    try {
      const bytes = core.u8().subarray(outPtr, outPtr + outLen);
      out = compat ? decodeRequest(bytes) : applyPatchOutput(parts, bytes);
      // The report names tokens, never values.
      unresolved = repLen === 2 ? [] : JSON.parse(new TextDecoder().decode(core.u8().subarray(repPtr, repPtr + repLen)));
    } finally {
      x.vl_free(outPtr); // wipes the rendered request (or the values of its patches)
      x.vl_free(repPtr);
    }
    const result = { method: out.method, url: out.url, headers: shapeHeaders(shape, out.headers), unresolved };
    if (out.body !== undefined) result.body = out.body;
    return result;
  }

  /** fetch: runs the core's HTTP jobs until it has none left. Every job of
   * a round is answered (a transport that throws answers "unreachable"), so
   * no job outlives its resolve; one that still comes back after the resolve
   * ended (a wipe) is dropped and zeroed. */
  async #runJobs(run, epoch) {
    const core = this.#core;
    for (;;) {
      const jobs = [];
      for (;;) {
        const st = this.#still(epoch).vl_w_next_job(this.#v, run.h);
        if (st === VL_DONE) break;
        if (st !== VL_OK) this.#fail(st, 'resolve');
        const id = core.out(0);
        const req = decodeRequest(core.u8().subarray(core.out(1), core.out(1) + core.out(2)));
        jobs.push({ id, req });
      }
      if (!jobs.length) return;
      await Promise.all(
        jobs.map(async ({ id, req }) => {
          const shared = this.#perform(req);
          let res;
          try {
            res = await shared.promise;
          } catch (e) {
            res = transportFailure(e);
          }
          try {
            if (run.open && this.#v && this.#epoch === epoch) this.#deliver(run.h, id, res);
          } finally {
            shared.release(res); // the last reader of a shared answer zeroes its body
          }
        }),
      );
    }
  }

  /** Hands one answer to the core. Sizes are checked before anything is
   * copied into wasm: an answer over the core's limit goes in as its status
   * and headers only, marked too large, and the core reports it. */
  #deliver(h, id, res) {
    const status = Number.isInteger(res?.status) && res.status >= 0 && res.status <= 999 ? res.status : 0;
    let headers = Array.isArray(res?.headers) ? res.headers : [];
    let body = res?.body ?? new Uint8Array(0);
    const size = typeof body === 'string' ? body.length : (body.byteLength ?? 0); // a string's UTF-8 is at least this long
    if (size > this.#maxResponse() || res?.tooLarge) {
      headers = [['x-vaultlink-error', 'too_large']];
      body = new Uint8Array(0);
    }
    const frame = encodeRequest({ method: '', url: '', headers, body }).bytes;
    try {
      const st = this.#withBytes(frame, (p, n) => this.#core.x.vl_w_job_done(this.#v, h, id, status, p, n, Date.now()));
      if (st !== VL_OK) this.#fail(st, 'resolve');
    } finally {
      frame.fill(0);
    }
  }

  #maxResponse() {
    return (this.#maxResp ??= this.#core.x.vl_w_limit(LIMIT_RESPONSE_BYTES));
  }

  /** The core's request limits (src/limits.h), read once per instance. */
  #limits() {
    const x = this.#core.x;
    return (this.#reqLimits ??= { body: x.vl_w_limit(2), url: x.vl_w_limit(3), header: x.vl_w_limit(4), headers: x.vl_w_limit(5) });
  }

  /**
   * A `secretResolver` for postman-runtime's run options: secret variables with
   * `source` objects resolve through this vault (cache, providers, domains).
   * @param {{domains?: Record<string, string[]>, allowedInScript?: boolean}} [options]
   */
  postmanSecretResolver(options) {
    this.#x();
    return postmanSecretResolver(this, options);
  }

  /** Performs a job, or joins an identical one already in flight (one fetch
   * for concurrent misses). Returns {promise, release}: each reader calls
   * release() once it has copied the answer into wasm, and the last one
   * zeroes the answer's body (it may hold a value). */
  #perform(req) {
    const gen = this.#gen;
    let entry = this.#inflight.find((f) => f.gen === gen && sameJob(f.req, req));
    if (!entry) {
      entry = { req, gen, readers: 0, promise: null };
      entry.promise = Promise.resolve().then(() => this.#transport.perform(req));
      this.#inflight.push(entry);
      entry.promise.then(
        () => this.#settled(entry),
        () => this.#settled(entry),
      );
    }
    entry.readers++;
    const e = entry;
    return {
      promise: e.promise,
      release(res) {
        if (--e.readers === 0 && res?.body instanceof Uint8Array) res.body.fill(0);
      },
    };
  }

  #settled(entry) {
    const i = this.#inflight.indexOf(entry);
    if (i >= 0) this.#inflight.splice(i, 1);
  }

  /**
   * Wipes everything: the core zeroes its state, then the whole wasm memory is
   * zero-filled and the instance dropped. Every later call throws 'vault wiped',
   * for good: unlike a wipe on pagehide/freeze, a bfcache restore does not
   * bring this vault back.
   */
  wipe() {
    this.#restorable = false;
    this.#wipeBecause('wipe() was called');
    this.#unlisten();
  }

  /** `auto`: pagehide or freeze. The vault may then come back empty on a bfcache restore. */
  #wipeBecause(why, auto = false) {
    if (this.#v) {
      this.#wipedBy = this.#lastWipe = why;
      this.#restorable = auto;
      this.#epoch++;
    } else if (!this.#wipedBy) this.#wipedBy = why;
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    this.#sweepTimer = null;
    if (this.#v) {
      this.#core.x.vl_w_vault_free(this.#v);
      this.#v = 0;
    }
    this.#core.destroy();
  }

  /**
   * A page restored from the back/forward cache after an automatic wipe: a
   * fresh wasm instance (synchronously, from the compiled module), a new empty
   * vault (no links, no credentials, no cache, a new session key pair), the
   * lifecycle handlers installed again, then options.onRestore(vault).
   */
  #restore() {
    if (this.#v || !this.#restorable || !this.#core.module) return;
    let core;
    let v = 0;
    try {
      core = loadCoreSync(this.#core.module);
      v = core.x.vl_w_vault_new(this.#options.cacheTtlMinutes ?? 60) >>> 0;
    } catch {
      v = 0;
    }
    if (!v) {
      core?.destroy();
      this.#restorable = false;
      this.#wipedBy += '; re-initialising after the back/forward-cache restore failed';
      return;
    }
    this.#unlisten();
    this.#core = core;
    this.#options[TEST_HOOKS]?.onCore?.(core);
    this.#v = v;
    this.#wipedBy = '';
    this.#restorable = false;
    this.#inflight = [];
    this.#gen++;
    this.#installLifecycle();
    notifyRestore(this.#options.onRestore, this);
  }

  #unlisten() {
    if (this.#onLeave && typeof removeEventListener === 'function') {
      removeEventListener('pagehide', this.#onLeave);
      if (typeof document !== 'undefined') document.removeEventListener('freeze', this.#onLeave);
    }
    if (this.#onShow && typeof removeEventListener === 'function') {
      removeEventListener('pageshow', this.#onShow);
      if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.#onShow);
    }
    this.#onLeave = this.#onShow = null;
  }

  #installLifecycle() {
    // Expiry is enforced on every read; the sweep also zeroes what nobody reads
    // (I5). Timers are throttled in hidden tabs, so also sweep when the page
    // becomes visible again or is shown (crypto-notes §6).
    const every = this.#options.sweepIntervalMs ?? 30000;
    if (every > 0) {
      this.#sweepTimer = setInterval(() => this.#v && this.sweep(), every);
      this.#sweepTimer.unref?.(); // never keeps Node alive
    }
    if (typeof addEventListener !== 'function' || typeof window === 'undefined') return;
    // A page restored from the bfcache (pageshow, persisted) after a wipe on
    // pagehide/freeze gets this vault back empty (crypto-notes §6); one wiped
    // by wipe() stays wiped.
    this.#onShow = (e) => {
      if (this.#v) this.sweep();
      else if (e.type === 'pageshow' && e.persisted === true) this.#restore();
    };
    addEventListener('pageshow', this.#onShow);
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', this.#onShow);
    if (!this.#options.wipeOnLeave) return;
    // pagehide fires on navigation, close and bfcache entry; freeze on discard.
    this.#onLeave = (e) => this.#wipeBecause(e.type === 'freeze' ? 'the page was frozen' : 'the page was left (pagehide)', true);
    addEventListener('pagehide', this.#onLeave);
    if (typeof document !== 'undefined') document.addEventListener('freeze', this.#onLeave);
  }
}

/**
 * Creates a vault whose core runs in a dedicated Worker (web/src/worker.js):
 * secret values and credentials live in the Worker's heap and wasm memory, and
 * wipe() (or pagehide/freeze) ends with terminate(). Browser only: Node's
 * worker_threads is a different API (use createVault() there).
 * @param {import('./vault').WorkerVaultOptions} [options]
 * @returns {Promise<WorkerVault>}
 */
export async function createVaultInWorker(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new VaultError('bad_argument', 'createVaultInWorker(options): options must be an object');
  }
  if (typeof Worker !== 'function') {
    throw new VaultError('unsupported', 'createVaultInWorker() needs browser dedicated Workers (in Node, use createVault())');
  }
  if (options.onRestore !== undefined && typeof options.onRestore !== 'function') {
    throw new VaultError('bad_argument', 'options.onRestore must be a function');
  }
  if (options.transport !== undefined && typeof options.transport?.perform !== 'function') {
    throw new VaultError('bad_argument', 'options.transport must have a perform(request) method');
  }
  const v = new WorkerVault(options);
  await v.ready();
  return v;
}

/** The options the Worker's createVault() gets (structured-cloneable). */
function workerOptions(options) {
  const out = {};
  for (const k of ['cacheTtlMinutes', 'postmanCompat', 'sweepIntervalMs']) if (options[k] !== undefined) out[k] = options[k];
  const w = options.wasm;
  if (w !== undefined) out.wasm = w instanceof URL ? w.href : typeof w === 'string' ? new URL(w, import.meta.url).href : w;
  if (options.transport) out.transport = true; // jobs come back to options.transport in this page
  return out;
}

function errorFrom(e) {
  if (e.code) return new VaultError(e.code, e.message.replace(/^vaultlink: /, ''));
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

export class WorkerVault {
  #options;
  #worker = null;
  #ready = null;
  #pending = new Map(); // id → {resolve, reject}
  #nextId = 1;
  #wipedBy = '';
  #restorable = false;
  #onLeave = null;
  #onShow = null;

  constructor(options) {
    this.#options = { wipeOnLeave: true, ...options };
    this.#start();
    this.#listen();
  }

  /** Resolves once the Worker's vault exists (createVaultInWorker awaits it). */
  ready() {
    return this.#ready;
  }

  get wiped() {
    return this.#wipedBy !== '';
  }

  #start() {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.#worker = w;
    w.onmessage = (e) => this.#onMessage(w, e.data);
    w.onerror = (e) => {
      e.preventDefault?.();
      this.#failAll(new VaultError('worker', `the vault's Worker failed: ${e.message || 'could not be loaded'}`));
    };
    this.#ready = this.#post('init', [workerOptions(this.#options)]).then(() => undefined);
    this.#ready.catch(() => {});
  }

  #onMessage(w, m) {
    if (w !== this.#worker) return;
    if (m?.kind === 'perform') {
      this.#perform(w, m.id, m.req);
      return;
    }
    const p = this.#pending.get(m?.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(errorFrom(m.error));
  }

  /** A provider job for options.transport (the response passes through this page). */
  async #perform(w, id, req) {
    try {
      const res = await this.#options.transport.perform(req);
      const body = res.body instanceof Uint8Array ? res.body.slice() : new Uint8Array(res.body ?? 0);
      if (w === this.#worker) w.postMessage({ kind: 'performed', id, ok: true, res: { status: res.status, headers: res.headers, body } }, [body.buffer]);
    } catch (e) {
      if (w === this.#worker) w.postMessage({ kind: 'performed', id, ok: false, error: { name: e?.name ?? 'Error', message: String(e?.message ?? e) } });
    }
  }

  #wipedError() {
    return new VaultError('wiped', `vault wiped (${this.#wipedBy || 'wipe() was called'}): create a new vault with createVaultInWorker()`);
  }

  #failAll(err) {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err);
  }

  #post(op, args, transfer = []) {
    if (this.#wipedBy) return Promise.reject(this.#wipedError());
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, reject });
      try {
        this.#worker.postMessage({ kind: 'call', id, op, args }, transfer);
      } catch (e) {
        this.#pending.delete(id);
        reject(new VaultError('bad_argument', `${op}(): an argument cannot be sent to the Worker (${e.name})`));
      }
    });
  }

  /** Same as Vault#link; a Uint8Array value is copied and the copy transferred (yours is untouched). */
  link(name, source, opts = {}) {
    if (source && typeof source === 'object' && source.value instanceof Uint8Array) {
      const value = source.value.slice();
      return this.#post('link', [name, { ...source, value }, opts], [value.buffer]);
    }
    return this.#post('link', [name, source, opts]);
  }
  unlink(name) {
    return this.#post('unlink', [name]);
  }
  setEnabled(name, enabled) {
    return this.#post('setEnabled', [name, enabled]);
  }
  links() {
    return this.#post('links', []);
  }
  connect(provider, credentials) {
    return this.#post('connect', [provider, credentials]);
  }
  disconnect(provider) {
    return this.#post('disconnect', [provider]);
  }
  status() {
    return this.#post('status', []);
  }
  publicKey() {
    return this.#post('publicKey', []);
  }
  resetCache() {
    return this.#post('resetCache', []);
  }
  sweep() {
    return this.#post('sweep', []);
  }
  setCacheTtl(minutes) {
    return this.#post('setCacheTtl', [minutes]);
  }
  async resolve(request, opts = {}) {
    // Headers objects cannot be cloned: sent as pairs, returned as Headers.
    const isHeaders = typeof Headers === 'function' && request?.headers instanceof Headers;
    const req = isHeaders ? { ...request, headers: [...request.headers] } : request;
    const r = await this.#post('resolve', [req, opts]);
    if (isHeaders) r.headers = new Headers(r.headers);
    return r;
  }

  /**
   * The Worker's vault wipes (the core zeroes its state, the shim zero-fills
   * the whole wasm memory), then the Worker is terminated. Later calls reject
   * with 'vault wiped', for good.
   */
  async wipe() {
    if (this.#wipedBy) return;
    this.#restorable = false;
    this.#unlisten();
    const w = this.#worker;
    const done = this.#post('wipe', []).catch(() => {});
    this.#wipedBy = 'wipe() was called';
    let timer;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    this.#stop(w);
  }

  #stop(w) {
    w.terminate();
    if (this.#worker === w) this.#worker = null;
    this.#failAll(this.#wipedError());
  }

  /** pagehide/freeze: ask the Worker to wipe and terminate it at once (the
   * page may be frozen right after; terminate() drops the Worker's memory). */
  #leave(why) {
    if (this.#wipedBy) return;
    this.#wipedBy = why;
    this.#restorable = true;
    const w = this.#worker;
    try {
      w.postMessage({ kind: 'call', id: 0, op: 'wipe', args: [] });
    } catch {}
    this.#stop(w);
  }

  /** A bfcache restore after pagehide/freeze: a new Worker with an empty vault. */
  #restore() {
    if (!this.#restorable || !this.#wipedBy) return;
    this.#restorable = false;
    this.#wipedBy = '';
    this.#start();
    notifyRestore(this.#options.onRestore, this);
  }

  #listen() {
    if (typeof addEventListener !== 'function') return;
    this.#onShow = (e) => {
      if (e.persisted === true) this.#restore();
    };
    addEventListener('pageshow', this.#onShow);
    if (!this.#options.wipeOnLeave) return;
    this.#onLeave = (e) => this.#leave(e.type === 'freeze' ? 'the page was frozen' : 'the page was left (pagehide)');
    addEventListener('pagehide', this.#onLeave);
    if (typeof document !== 'undefined') document.addEventListener('freeze', this.#onLeave);
  }

  #unlisten() {
    if (typeof removeEventListener !== 'function') return;
    if (this.#onShow) removeEventListener('pageshow', this.#onShow);
    if (this.#onLeave) {
      removeEventListener('pagehide', this.#onLeave);
      if (typeof document !== 'undefined') document.removeEventListener('freeze', this.#onLeave);
    }
    this.#onShow = this.#onLeave = null;
  }
}
