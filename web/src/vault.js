// vaultlink — the public JS API.
//
//   const vault = await createVault();
//   vault.link('stripe-key', { provider: 'local', value: 'sk_test_…' }, { domains: ['api.stripe.com'] });
//   const { url, headers, body, unresolved } = await vault.resolve({ method, url, headers, body });
//   vault.wipe();
//
// The shim owns I/O and lifecycle; the core (wasm) owns every secret byte.

import { compileCore, loadCore, loadCoreSync } from './bridge.js';
import { VaultError } from './errors.js';
import { shapeHeaders, requestParts, fieldsForCore, BODY_TEXT, BODY_BYTES } from './wire.js';
import { fetchTransport } from './transports/fetch.js';
import { postmanSecretResolver } from './postman.js';

export { VaultError } from './errors.js';
export { tunnelTransport, routeTransport } from './transports/tunnel.js';
export { fetchTransport } from './transports/fetch.js';

const enc = new TextEncoder();
const TEST_HOOKS = Symbol.for('vaultlink.testHooks');

/** Whether a vault made with `options` needs the module with the tunnel:
 * any custom transport unless it says `tunnel: false` (fetchTransport does),
 * since a wrapper may hand its jobs to a tunnel. The default (fetch) gets the core alone. */
const wantsTunnel = (options) => (options.transport ? options.transport.tunnel !== false : false);

/**
 * Starts fetching and compiling the module that createVault(options) will
 * use, so that a later createVault() only instantiates it (the fetch and the
 * compile are most of a first createVault(): tests/bench/lean.bench.mjs).
 * Nothing is fetched unless the app asks: a page that never makes a vault, or
 * makes only tunnel vaults, downloads nothing it does not use. Only the
 * shipped modules are kept compiled: with `options.wasm` this does nothing
 * (compile your WebAssembly.Module once and pass it instead). Never rejects:
 * a failed load is tried again, and reported, by the createVault() after it.
 * @param {import('./vault').VaultOptions} [options]  only `transport` and `wasm` matter
 */
export function preloadVault(options = {}) {
  if (options === null || typeof options !== 'object' || options.wasm !== undefined) return Promise.resolve();
  return compileCore(undefined, { tunnel: wantsTunnel(options) }).then(
    () => undefined,
    () => undefined,
  );
}

/**
 * Creates a vault: a fresh wasm instance with its own memory.
 * @param {import('./vault').VaultOptions} [options]
 */
export async function createVault(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new VaultError('bad_argument', 'createVault(options): options must be an object');
  }
  // Checked before the load: a bad option costs no download, and is the error
  // reported even when the module could not have been loaded.
  checkOptions(options, 'job');
  const tunnel = wantsTunnel(options);
  const core = await loadCore(options.wasm, { tunnel });
  if (tunnel && !core.hasTunnel) {
    core.destroy?.();
    throw new VaultError('bad_argument', 'options.transport is a tunnel, but options.wasm is a module without one: use vaultlink-tunnel.wasm');
  }
  // Residue tests scan the core's memory; not part of the API (see vault.d.ts).
  options[TEST_HOOKS]?.onCore?.(core);
  return new Vault(core, options);
}

/** createVault()'s and createVaultInWorker()'s options, checked before anything
 * is loaded (the only check of them: the Vault constructor trusts createVault()).
 * `performs`: what a transport's perform() is given there (a job, or in a
 * Worker vault's page a request). */
function checkOptions(options, performs) {
  const ttl = options.cacheTtlMinutes ?? 60;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 525600) {
    throw new VaultError('bad_argument', 'options.cacheTtlMinutes must be an integer from 1 to 525600');
  }
  if (options.onRestore !== undefined && typeof options.onRestore !== 'function') {
    throw new VaultError('bad_argument', 'options.onRestore must be a function');
  }
  const every = options.sweepIntervalMs ?? 30000;
  // Past setTimeout's largest delay an interval fires every millisecond.
  if (!(every === 0 || (typeof every === 'number' && every >= 10 && every <= 2 ** 31 - 1))) {
    throw new VaultError('bad_argument', `options.sweepIntervalMs must be 0 (off) or in 10..2147483647, got ${typeof every === 'number' ? every : typeof every}`);
  }
  if (options.transport !== undefined && typeof options.transport?.perform !== 'function') {
    throw new VaultError('bad_argument', `options.transport must have a perform(${performs}) method`);
  }
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
  // identity (computed by the core: a keyed hash that includes the
  // credentials' epoch) → {promise, readers}.
  #inflight = new Map();
  #wipedBy = '';
  #sweepTimer = null;
  #onShow = null;
  // Bumped by every wipe: a resolve() that awaited across a wipe (and maybe a
  // bfcache restore) must not touch the new instance with the old one's handles.
  #epoch = 0;
  // Set by an automatic wipe (pagehide, freeze): a bfcache restore may then
  // re-initialise the vault empty. Never set by wipe().
  #restorable = false;
  #lastWipe = ''; // the reason of the latest wipe, kept across a restore

  /** Made by createVault() only, which has checked `options` (checkOptions()). */
  constructor(core, options) {
    this.#core = core;
    this.#options = { postmanCompat: false, wipeOnLeave: true, ...options };
    this.#transport = options.transport ?? fetchTransport();
    this.#v = core.vaultNew(options.cacheTtlMinutes ?? 60);
    this.#installLifecycle();
  }

  /** True once wipe() ran (or the page was left): every other call then throws.
   * A vault wiped by pagehide/freeze is live (and empty) again after a
   * back/forward-cache restore (pageshow with persisted); see #restore(). */
  get wiped() {
    return this.#v === 0;
  }

  /** The core, or the 'vault wiped' error. */
  #c() {
    if (!this.#v) throw this.#wipedError();
    return this.#core;
  }

  #wipedError(why = this.#wipedBy || 'wipe() was called') {
    return new VaultError('wiped', `vault wiped (${why}): create a new vault with createVault()`);
  }

  /**
   * Defines (or replaces) the secret `name`.
   * @param {string} name  referenced as {{vault:name}}
   * @param {object|string} source  {provider:'local', value} or a Postman Variable.source object
   * @param {{domains?: string[]|string, enabled?: boolean}} [opts]
   */
  link(name, source, opts = {}) {
    const core = this.#c();
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
    try {
      core.link(this.#v, name, json, value);
    } finally {
      if (ownsValue) value.fill(0); // our encoded copy of a string value
    }
  }

  /** Removes the secret `name` and wipes its value. */
  unlink(name) {
    const core = this.#c();
    checkName(name, 'unlink');
    core.unlink(this.#v, name);
  }

  /** Enables or disables the secret `name`. */
  setEnabled(name, enabled) {
    const core = this.#c();
    checkName(name, 'setEnabled');
    if (typeof enabled !== 'boolean') throw new VaultError('bad_argument', 'setEnabled(name, enabled): enabled must be true or false');
    core.setEnabled(this.#v, name, enabled);
  }

  /** The link definitions (never values): [{name, source, domains, enabled}]. */
  links() {
    return this.#c().list(this.#v);
  }

  /**
   * Connects a provider: the credentials move into wasm and this shim keeps no
   * copy (a value typed into a form was a JS string before; see the README).
   * Then the core checks them with the provider's cheapest side-effect-free
   * call (aws: STS GetCallerIdentity; hashicorp: token/lookup-self or the
   * login; 1password: GET /v1/vaults; azure: the token's claims; gcp and
   * sealed: none), through this vault's transport like any job.
   * Resolves to {provider, verified, identity?, expiresAt, method}. Rejects
   * with VaultError 'credentials_rejected' (the provider refused them; the
   * message names the provider and HTTP status), 'unreachable' (the check
   * could not be made) or another reason code: then the provider is left
   * disconnected, its credentials wiped.
   * @param {'aws'|'hashicorp'|'azure'|'1password'|'gcp'|'sealed'} provider
   * @param {object} credentials  provider-specific, e.g. {accessKeyId, secretAccessKey, sessionToken?, expiresAt?}
   * @param {{verify?: boolean}} [options]  verify: false skips the check (offline use, tests
   *   with canned transports): resolves {verified: false, method: 'none'}
   * @returns {Promise<{provider: string, verified: boolean, identity?: string, expiresAt: number|null, method: string}>}
   */
  async connect(provider, credentials, options = {}) {
    const core = this.#c();
    checkProvider(provider, 'connect');
    if (!credentials || typeof credentials !== 'object') {
      throw new VaultError('bad_argument', `connect("${provider}"): credentials must be an object`);
    }
    checkTree(credentials, `connect("${provider}"): credentials`);
    const json = enc.encode(JSON.stringify(credentials));
    try {
      core.connect(this.#v, provider, json, Date.now());
    } finally {
      json.fill(0);
    }
    if (options?.verify === false) {
      const p = core.status(this.#v, Date.now()).providers.find((x) => x.provider === provider);
      return { provider, verified: false, expiresAt: p?.expiresAt ?? null, method: 'none' };
    }
    const v = this.#v;
    const epoch = this.#epoch;
    const r = await core.verify(v, provider, {
      perform: (job) => this.#perform(job),
      live: () => this.#v === v && this.#epoch === epoch,
      dead: () => (this.#v ? this.#wipedError(`${this.#lastWipe} while the call was in flight`) : this.#wipedError()),
    });
    if (!r.ok) throw new VaultError(r.reason, r.message);
    const out = { provider: r.provider, verified: r.verified, expiresAt: r.expiresAt, method: r.method };
    if (r.identity !== undefined) out.identity = r.identity;
    return out;
  }

  /** Wipes a provider's credentials; its secrets then stay unresolved ("not_connected"). */
  disconnect(provider) {
    const core = this.#c();
    checkProvider(provider, 'disconnect');
    core.disconnect(this.#v, provider);
  }

  /**
   * Providers (connected, reauthRequired, credentialsRejected, expiresAt) and cached entries (name,
   * key, expiresAt) — never values.
   */
  status() {
    return this.#c().status(this.#v, Date.now());
  }

  /**
   * This session's recipient key for sealed envelopes (docs/envelope.md): give
   * it to the vault side (a relay, `sealForRecipient`) to seal values that only
   * this vault can open. The secret half was generated in wasm with the vault,
   * never leaves it, and is wiped with it; a new vault has a new key.
   * @returns {{kem: 'X25519', publicKey: Uint8Array, keyId: string}}
   */
  publicKey() {
    return this.#c().publicKey(this.#v);
  }

  /** Wipes every cached value (Postman's "Reset Cache"). */
  resetCache() {
    this.#c().resetCache(this.#v);
  }

  /** Wipes expired cache entries and credentials now; returns how many entries went. */
  sweep() {
    return this.#c().sweep(this.#v, Date.now());
  }

  /** Sets the cache expiration in minutes (1..525600) for values cached from now on. */
  setCacheTtl(minutes) {
    const core = this.#c();
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 525600) {
      throw new VaultError('bad_argument', `setCacheTtl(minutes): must be an integer in 1..525600, got ${Number.isFinite(minutes) ? minutes : typeof minutes}`);
    }
    core.setCacheTtl(this.#v, minutes);
  }

  /**
   * Resolves {{vault:NAME}} tokens in a request.
   * @returns {Promise<{method:string,url:string,headers:any,body:any,unresolved:object[]}>}
   */
  async resolve(request, opts = {}) {
    const core = this.#c();
    const v = this.#v;
    const epoch = this.#epoch;
    const parts = requestParts(request);
    const compat = opts.postmanCompat ?? this.#options.postmanCompat;
    const sent = fieldsForCore(parts, core.limits());
    if (sent === null) {
      // No "{{vault:" anywhere: nothing to substitute, nothing to fetch, and
      // the core would return it unchanged. Answered here, without wasm.
      const result = { method: parts.method, url: parts.url, headers: shapeHeaders(parts.shape, parts.list), unresolved: [] };
      if (parts.kind === BODY_TEXT) result.body = parts.body;
      else if (parts.kind === BODY_BYTES) result.body = parts.body.slice(); // a copy, as from the core
      return result;
    }
    // Only the fields that can change cross into wasm; a resolve that needs no
    // job (local and cached secrets) is done in this one synchronous step.
    let r = core.resolveStart(v, request, compat, parts, sent);
    if (r.pending) {
      r = await core.resolveJobs(v, r, {
        perform: (job) => this.#perform(job),
        live: () => this.#v === v && this.#epoch === epoch,
        dead: () => (this.#v ? this.#wipedError(`${this.#lastWipe} while the call was in flight`) : this.#wipedError()),
      });
    }
    const { out, unresolved, shape } = r;
    const result = { method: out.method, url: out.url, headers: shapeHeaders(shape, out.headers), unresolved };
    if (out.body !== undefined) result.body = out.body;
    return result;
  }

  /**
   * A `secretResolver` for postman-runtime's run options: secret variables with
   * `source` objects resolve through this vault (cache, providers, domains).
   * @param {{domains?: Record<string, string[]>, allowedInScript?: boolean}} [options]
   */
  postmanSecretResolver(options) {
    this.#c();
    return postmanSecretResolver(this, options);
  }

  /** Performs a job through the transport, or joins an identical one already
   * in flight (the core's identity: one fetch for concurrent misses, and the
   * core gives its answer to every joined job). Resolves to {res, release}:
   * release() is called once res is in wasm, and the last reader zeroes
   * the answer's body (it may hold a value). */
  async #perform(job) {
    let entry = this.#inflight.get(job.identity);
    const leader = !entry;
    if (leader) {
      let delivered;
      entry = { delivered: new Promise((r) => (delivered = r)), promise: null };
      entry.done = delivered;
      entry.promise = Promise.resolve().then(() => this.#transport.perform(job));
      this.#inflight.set(job.identity, entry);
      const drop = () => this.#inflight.get(job.identity) === entry && this.#inflight.delete(job.identity);
      entry.promise.then(drop, drop);
    }
    const e = entry;
    let res;
    try {
      res = await e.promise;
    } catch (err) {
      if (leader) e.done();
      throw err;
    }
    if (!leader) {
      // The core gives the leader's answer to this job too: wait until it has.
      await e.delivered;
      return { res: { ingested: true } };
    }
    return {
      res,
      release: () => {
        e.done();
        if (res?.body instanceof Uint8Array) res.body.fill(0); // copied into wasm (for every joined job too)
      },
    };
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
      this.#core.vaultFree(this.#v);
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
      v = core.vaultNew(this.#options.cacheTtlMinutes ?? 60);
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
    this.#inflight = new Map();
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
  checkOptions(options, 'request'); // here, before a Worker starts and loads the module
  // A tunnel (or a route's tunnel) that cannot be made in the Worker: its jobs
  // would come back to this page, which cannot tunnel them (the TLS is in the Worker's core).
  const t = options.transport;
  const stuck = t?.name === 'route' ? Object.keys(t.routes ?? {}).filter((k) => t.routes[k]?.name === 'tunnel' && !t.routes[k].workerConfig) : [];
  if ((t?.name === 'tunnel' && !t.workerConfig) || stuck.length) {
    const where = stuck.length ? `routeTransport route ${stuck.map((k) => `"${k}"`).join(', ')}: ` : '';
    throw new VaultError('bad_argument', `options.transport: ${where}a tunnelTransport for a Worker vault needs a relay URL and no relay object, WebSocket or tokenFor (they cannot be sent to the Worker)`);
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
  const t = options.transport;
  if (t?.workerConfig?.routes) out.route = t.workerConfig.routes; // routes made in the Worker, the rest come back
  else if (t?.workerConfig) out.made = t.workerConfig; // the Worker makes this transport itself (a tunnel's TLS runs there)
  else if (t) out.transport = true; // jobs come back to options.transport in this page
  return out;
}

/** Whether the Worker's createVault(), given workerOptions() `o`, loads the
 * module with the tunnel: as wantsTunnel() of the transport worker.js makes
 * from them (a fetch transport says tunnel: false; a tunnel, and the page's
 * own transport standing in for a route or the whole, do not). */
function workerWantsTunnel(o) {
  if (o.made) return o.made.kind !== 'fetch';
  if (o.route) return Object.values(o.route).some((cfg) => !cfg || cfg.kind !== 'fetch');
  return !!o.transport;
}

/** A job as a page-side transport sees it (the Worker already made the request). */
function pageJob(req, provider) {
  return {
    identity: undefined,
    provider, // a routeTransport in this page routes by it
    request: () => req,
    origin() {
      const u = new URL(req.url);
      const scheme = u.protocol.slice(0, -1);
      return { scheme, host: u.hostname, port: Number(u.port) || (scheme === 'https' ? 443 : 80) };
    },
  };
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
    const init = workerOptions(this.#options);
    // The shipped module is fetched and compiled here while the Worker loads
    // its scripts (and shared with this page's own vaults), then posted: the
    // Worker makes its vault without a fetch of its own after them. If it
    // cannot be had here, the Worker loads it itself (and reports why not).
    const post = init.wasm === undefined;
    if (post) init.moduleFollows = true;
    this.#ready = this.#post('init', [init]).then(() => undefined);
    this.#ready.catch(() => {});
    if (post) {
      const tunnel = workerWantsTunnel(init);
      compileCore(undefined, { tunnel })
        .catch(() => null)
        .then((module) => {
          if (w !== this.#worker) return;
          try {
            w.postMessage({ kind: 'module', module, tunnel });
          } catch {
            w.postMessage({ kind: 'module', module: null, tunnel }); // a browser that cannot post a Module: the Worker loads its own
          }
        });
    }
  }

  #onMessage(w, m) {
    if (w !== this.#worker) return;
    if (m?.kind === 'perform') {
      this.#perform(w, m.id, m.req, m.provider);
      return;
    }
    const p = this.#pending.get(m?.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(errorFrom(m.error));
  }

  /** A provider job for options.transport (the response passes through this page). */
  async #perform(w, id, req, provider) {
    try {
      const res = await this.#options.transport.perform(pageJob(req, provider));
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
  connect(provider, credentials, options) {
    return this.#post('connect', options === undefined ? [provider, credentials] : [provider, credentials, options]);
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
