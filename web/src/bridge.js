// The whole JS↔wasm ABI: the only code that touches WebAssembly memory. It
// loads the core (a standalone wasm module with two imports), copies bytes in
// and out, zero-fills every buffer it hands back before freeing it, maps the
// core's statuses to VaultError codes (the codes come from C), and runs the
// plan → jobs → render loop of a resolve. Transports get opaque Job objects:
// a job becomes a JS request only when a transport asks for one.
//
// Every core entry point returns a vl_status; what else it produces is in the
// outbox (wasm/exports.c), read right after the call.

import { VaultError } from './errors.js';
import { encodeRequestInto, encodeRequest, decodeRequest, applyPatchOutput, placeReport } from './wire.js';

// Two shipped modules: the core, and the core with the tunnel transport's
// TLS and HTTP (loaded only by a vault whose transport is a tunnel).
const CORE_URL = new URL('../dist/vaultlink.wasm', import.meta.url);
const TUNNEL_URL = new URL('../dist/vaultlink-tunnel.wasm', import.meta.url);
/** The tunnel's default trust anchors (scripts/roots). Made here, at web/src/'s
 * top level like the shipped bundle (web/lib/vault.js), so the URL is the same. */
export const DEFAULT_ROOTS = new URL('../dist/roots.der', import.meta.url);
const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);
const enc = new TextEncoder();
const dec = new TextDecoder();

const VL_OK = 0;
const VL_DONE = 12;
const FLAG_POSTMAN_COMPAT = 1;
const FLAG_PATCH = 2;
const LIMITS = { response: 1, body: 2, url: 3, header: 4, headers: 5 }; // vl_w_limit() ids

/** Reads the module bytes: fs in Node for file: URLs. */
async function readWasm(url) {
  const { readFile } = await import('node:fs/promises');
  return readFile(url);
}

/** Compiles from a URL: streaming (compiling while the bytes arrive) where
 * the server sends application/wasm, from the whole body otherwise. The
 * fetch's promise goes straight to compileStreaming, so compiling starts when
 * the response does, without a turn of this page's event loop in between. */
async function compileUrl(url) {
  if (isNode && url.protocol === 'file:') return WebAssembly.compile(await readWasm(url));
  const pending = fetch(url);
  if (typeof WebAssembly.compileStreaming !== 'function') return compileBody(url, await pending);
  try {
    return await WebAssembly.compileStreaming(pending);
  } catch (e) {
    const res = await pending; // a failed fetch throws its own error here
    if (res.ok && /^application\/wasm\b/i.test(res.headers.get('content-type') ?? '')) throw e; // not a module
    // An HTTP error, or another content type (refused before the body was read).
    return compileBody(url, res.bodyUsed ? await fetch(url) : res);
  }
}

/** Compiles a whole response body; an HTTP error names the URL and status. */
async function compileBody(url, res) {
  if (!res.ok) throw new Error(`vaultlink: could not load ${url.href} (HTTP ${res.status})`);
  return WebAssembly.compile(await res.arrayBuffer());
}

const compiled = new Map(); // default URL -> Promise<WebAssembly.Module>, shared by every vault

/**
 * Compiles (once per default module) the core from `source`: a
 * WebAssembly.Module, bytes, or a URL; without one, the shipped core, or with
 * `tunnel` the shipped core with the tunnel transport.
 * @param {WebAssembly.Module|BufferSource|URL|string} [source]
 * @param {{tunnel?: boolean}} [opts]
 */
export function compileCore(source, opts = {}) {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source);
  if (source) return compileUrl(new URL(source, import.meta.url));
  const url = opts.tunnel ? TUNNEL_URL : CORE_URL;
  if (!compiled.has(url.href)) {
    const p = compileUrl(url);
    p.catch(() => compiled.delete(url.href)); // a failed load is tried again next time
    compiled.set(url.href, p);
  }
  return compiled.get(url.href);
}

/** The one import the core needs, bound to `core`'s memory (its malloc,
 * wasm/malloc.c, grows the memory itself and tells no one). */
function coreImports(core) {
  return {
    env: {
      // The core's only entropy source (getentropy()).
      getentropy(ptr, len) {
        globalThis.crypto.getRandomValues(new Uint8Array(core.memory.buffer, ptr, len));
        return 0;
      },
    },
  };
}

/** A fresh instance of the core with its own linear memory. */
export async function loadCore(source, opts) {
  const module = await compileCore(source, opts);
  // Instantiated synchronously: a compiled module's instance takes a fraction
  // of a millisecond, less than the turn of the event loop an await costs.
  const core = new Core();
  core.attach(new WebAssembly.Instance(module, coreImports(core)), module);
  return core;
}

/**
 * A fresh instance of an already compiled core, synchronously (a page restored
 * from the back/forward cache re-initialises its vault inside the `pageshow`
 * handler). `module` is the WebAssembly.Module a previous loadCore() used.
 * @param {WebAssembly.Module} module
 */
export function loadCoreSync(module) {
  if (!(module instanceof WebAssembly.Module)) throw new TypeError('loadCoreSync(module): a compiled WebAssembly.Module is required');
  const core = new Core();
  core.attach(new WebAssembly.Instance(module, coreImports(core)), module);
  return core;
}

const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * One job of a resolve, as a transport sees it: opaque. `identity` (computed
 * by the core, a keyed hash) names what it asks for; `origin()` says where it
 * goes; `request()` turns it into a JS request — only a transport that does
 * the I/O in JS (fetch) asks for that.
 */
export class Job {
  #core;
  #v;
  #run;
  #id;
  /** @internal */
  constructor(core, v, run, id, identity, provider) {
    this.#core = core;
    this.#v = v;
    this.#run = run;
    this.#id = id;
    /** Hex: two jobs with the same identity are one request (dedupe on it). */
    this.identity = identity;
    /** Whose job it is ("aws", "azure", …): a transport may route on it. */
    this.provider = provider;
    /** For the tunnel transport: the core carries the job over a connection it
     * owns; the caller only moves opaque bytes (see transports/tunnel.js). */
    this.tunnel = core.hasTunnel
      ? new TunnelFacet(core, v, () => {
          this.#open();
          return { h: this.#run.h, id: this.#id };
        })
      : undefined;
  }

  #open() {
    if (!this.#run.open || !this.#core.x) throw new VaultError('state', 'this job is finished: its resolve ended');
  }

  /** {scheme: 'https'|'http', host, port}: not secret (a provider's host). */
  origin() {
    this.#open();
    return this.#core.jobOrigin(this.#v, this.#run.h, this.#id);
  }

  /** The HTTP request {method, url, headers: [[name, value]], body?}: its
   * headers hold credentials (bearer tokens, signatures) as JS strings. */
  request() {
    this.#open();
    return this.#core.jobRequest(this.#v, this.#run.h, this.#id);
  }
}

const TUNNEL = { WAIT: 0, DONE: 1, CLOSE: 2 };
export { TUNNEL as TUNNEL_STATE };

/** The core side of the tunnel for one job: connection ids, bytes in and out. */
class TunnelFacet {
  #core;
  #v;
  #job;
  constructor(core, v, job) {
    this.#core = core;
    this.#v = v;
    this.#job = job;
    /** One object per vault instance: connection ids are only unique inside it. */
    this.scope = core.tunnelScope;
  }
  #x() {
    if (!this.#core.x) throw new VaultError('wiped', 'the vault was wiped');
    return this.#core.x;
  }
  anchorCount() {
    this.#x().vl_w_tunnel_anchor_count(this.#v);
    return this.#core.out(0);
  }
  /** PEM text or DER bytes. Returns how many anchors the vault now has. */
  addAnchors(bytes) {
    const data = typeof bytes === 'string' ? enc.encode(bytes) : bytes;
    this.#core.check(this.#v, this.#core.with([data], (p, n) => this.#x().vl_w_tunnel_anchors(this.#v, p, n)), 'trust anchors');
    return this.#core.out(0);
  }
  /** Puts the job on a connection: {conn, fresh} (fresh: open a relay stream for it). */
  begin() {
    const { h, id } = this.#job();
    this.#core.check(this.#v, this.#x().vl_w_tunnel_begin(this.#v, h, id, Date.now()), 'tunnel');
    return { conn: this.#core.out(0), fresh: this.#core.out(1) === 1 };
  }
  /** Bytes to send (TLS records), or null when there are none now. */
  output(conn) {
    const x = this.#x();
    x.vl_w_tunnel_output(this.#v, conn);
    const n = this.#core.out(1);
    if (!n) return null;
    const bytes = this.#core.u8().slice(this.#core.out(0), this.#core.out(0) + n);
    x.vl_w_tunnel_sent(this.#v, conn, n, Date.now());
    return bytes;
  }
  /** Bytes from the relay; returns TUNNEL_STATE.WAIT, DONE or CLOSE. */
  input(conn, bytes) {
    const st = this.#core.with([bytes], (p, n) => this.#x().vl_w_tunnel_input(this.#v, conn, p, n, Date.now()));
    return st === VL_OK ? this.#core.out(0) : TUNNEL.CLOSE;
  }
  /** The relay stream ended; `why` names the relay's reason (not secret). */
  closed(conn, why = '') {
    const st = this.#core.with([enc.encode(String(why).slice(0, 120) + '\0')], (p) => this.#x().vl_w_tunnel_closed(this.#v, conn, p, Date.now()));
    return st === VL_OK ? this.#core.out(0) : TUNNEL.CLOSE;
  }
  abort(conn, why) {
    if (!this.#core.x) return;
    this.#core.with([enc.encode(String(why).slice(0, 120) + '\0')], (p) => this.#x().vl_w_tunnel_abort(this.#v, conn, p, Date.now()));
  }
  live(conn) {
    if (!this.#core.x) return false;
    this.#x().vl_w_tunnel_live(this.#v, conn);
    return this.#core.out(0) === 1;
  }
  drop(conn) {
    if (this.#core.x) this.#x().vl_w_tunnel_drop(this.#v, conn);
  }
}

export class Core {
  /** Identifies this instance's tunnel connections (ids restart in a new one). */
  tunnelScope = Object.freeze({});
  #codes = new Map();
  #limits = null;

  attach(instance, module) {
    this.module = module; // kept after destroy(): compiled code, no state
    this.x = instance.exports;
    this.memory = this.x.memory;
    this.x._initialize();
    this.outbox = this.x.vl_w_outbox() >>> 0;
    /** Whether this module has the tunnel transport's entry points. */
    this.hasTunnel = typeof this.x.vl_w_tunnel_begin === 'function';
  }

  // ---------------------------------------------------------------- memory

  /** A fresh view: memory growth detaches old ones. */
  u8() {
    // A grown memory detaches the old buffer, and a view of a detached buffer
    // has length 0: cheaper to test than reading memory.buffer on every call.
    if (!this.u8View || this.u8View.length === 0) this.u8View = new Uint8Array(this.memory.buffer);
    return this.u8View;
  }

  out(i) {
    return this.outs()[i];
  }

  /** The outbox as a fresh view (read it right after the call that filled it). */
  outs() {
    if (!this.outView || this.outView.length === 0) {
      this.outView = new Uint32Array(this.memory.buffer, this.outbox, 8);
    }
    return this.outView;
  }

  /** Copies bytes into a new core allocation; returns its address. */
  put(bytes) {
    const ptr = this.x.vl_alloc(bytes.length) >>> 0;
    if (!ptr) throw new VaultError('nomem', 'out of memory in the core');
    this.u8().set(bytes, ptr);
    return ptr;
  }

  /** Frees an allocation made by put() or returned by the core. vl_free()
   * zero-fills the whole block before releasing it (the core's allocator is
   * size-prefixed for exactly this), so no byte survives in the heap. */
  release(ptr) {
    if (ptr) this.x.vl_free(ptr);
  }

  /** Copies len bytes out of the core, then wipes and frees them. */
  take(ptr, len) {
    const copy = this.u8().slice(ptr, ptr + len);
    this.release(ptr);
    return copy;
  }

  /** Reads a NUL-terminated C string (never secret: errors and codes). */
  cstr(ptr) {
    const u8 = this.u8();
    let end = ptr;
    while (u8[end]) end++;
    return dec.decode(u8.subarray(ptr, end));
  }

  /** Copies each of `parts` in, calls fn(ptr0, len0, ptr1, len1, …), then wipes and frees the copies. */
  with(parts, fn) {
    const ptrs = [];
    try {
      const args = [];
      for (const p of parts) {
        const ptr = this.put(p);
        ptrs.push(ptr);
        args.push(ptr, p.length);
      }
      return fn(...args);
    } finally {
      for (const p of ptrs) this.release(p);
    }
  }

  // ---------------------------------------------------------------- statuses

  /** The stable code of a vl_status, from the core (vl_status_code()). */
  code(st) {
    let c = this.#codes.get(st);
    if (c === undefined) {
      c = this.cstr(this.x.vl_w_status_code(st) >>> 0);
      this.#codes.set(st, c);
    }
    return c;
  }

  /** Throws the VaultError for a failed status: the core's detail names what was wrong. */
  check(v, st, what) {
    if (st === VL_OK) return;
    const detail = v ? this.cstr(this.x.vl_w_last_error(v) >>> 0) : '';
    const code = this.code(st);
    throw new VaultError(code, detail || `${what} failed (${code})`);
  }

  /** The core's input limits (src/input_limits.h). */
  limits() {
    if (!this.#limits) {
      const l = {};
      for (const [k, id] of Object.entries(LIMITS)) l[k] = this.x.vl_w_limit(id) >>> 0;
      this.#limits = l;
    }
    return this.#limits;
  }

  // ---------------------------------------------------------------- the vault

  vaultNew(ttlMinutes) {
    this.check(0, this.x.vl_w_vault_new(ttlMinutes), 'creating the vault');
    return this.out(0);
  }

  vaultFree(v) {
    this.x.vl_w_vault_free(v);
  }

  link(v, name, defJson, value) {
    this.check(v, this.with([enc.encode(name), defJson, value], (np, nl, dp, dl, vp, vl) => this.x.vl_w_link(v, np, nl, dp, dl, vp, vl)), 'link');
  }

  unlink(v, name) {
    this.check(v, this.with([enc.encode(name)], (p, n) => this.x.vl_w_unlink(v, p, n)), 'unlink');
  }

  setEnabled(v, name, enabled) {
    this.check(v, this.with([enc.encode(name)], (p, n) => this.x.vl_w_set_enabled(v, p, n, enabled ? 1 : 0)), 'setEnabled');
  }

  list(v) {
    this.check(v, this.x.vl_w_list(v), 'links');
    return JSON.parse(dec.decode(this.take(this.out(0), this.out(1))));
  }

  /** credentials: the UTF-8 JSON (secret): the caller zeroes its copy. */
  connect(v, provider, credentials, now) {
    this.check(v, this.with([enc.encode(provider + '\0'), credentials], (pp, _pl, cp, cl) => this.x.vl_w_connect(v, pp, cp, cl, now)), 'connect');
  }

  /**
   * Verifies a provider's credentials (vl_vault_verify_open): the core plans
   * the check, its jobs go through `perform` like a resolve's (so through the
   * tunnel too), and the core ingests the answer. Resolves to the core's
   * result {provider, ok, verified, identity?, expiresAt, method} or
   * {provider, ok: false, reason, status, message}; never a credential.
   * @param {{perform: (job: Job) => Promise<object>, live: () => boolean, dead: () => Error}} o
   */
  async verify(v, provider, o) {
    this.check(v, this.with([enc.encode(provider + '\0')], (pp) => this.x.vl_w_verify(v, pp, Date.now())), 'connect');
    const h = this.out(0);
    const alive = () => this.x && o.live();
    const run = { h, open: true };
    try {
      await this.#runJobs(v, run, o.perform, alive, o.dead);
      if (!alive()) throw o.dead();
      this.check(v, this.x.vl_w_verify_result(v, h, Date.now()), 'connect');
      return JSON.parse(dec.decode(this.take(this.out(0), this.out(1))));
    } finally {
      run.open = false;
      if (alive()) this.x.vl_w_resolve_free(v, h);
    }
  }

  disconnect(v, provider) {
    this.check(v, this.with([enc.encode(provider + '\0')], (pp) => this.x.vl_w_disconnect(v, pp)), 'disconnect');
  }

  status(v, now) {
    this.check(v, this.x.vl_w_status(v, now), 'status');
    return JSON.parse(dec.decode(this.take(this.out(0), this.out(1))));
  }

  resetCache(v) {
    this.check(v, this.x.vl_w_reset_cache(v), 'resetCache');
  }

  sweep(v, now) {
    this.check(v, this.x.vl_w_sweep(v, now), 'sweep');
    return this.out(0);
  }

  setCacheTtl(v, minutes) {
    this.check(v, this.x.vl_w_set_cache_ttl(v, minutes), 'setCacheTtl');
  }

  publicKey(v) {
    const p = this.x.vl_alloc(40) >>> 0;
    if (!p) throw new VaultError('nomem', 'out of memory in the core');
    try {
      this.check(v, this.x.vl_w_public_key(v, p), 'publicKey');
      const bytes = this.u8().slice(p, p + 40);
      return { kem: 'X25519', publicKey: bytes.slice(0, 32), keyId: hex(bytes.subarray(32)) };
    } finally {
      this.release(p);
    }
  }

  /** Seals `plain` for recipient key pk (docs/envelope.md): the envelope bytes. */
  envelopeSeal(pk, aeadId, reference, expiresMs, plain) {
    if (!this.x.vl_w_envelope_seal) {
      throw new VaultError('bad_argument', 'sealForRecipient: this module cannot seal (the sealing side is in vaultlink-tunnel.wasm)');
    }
    const st = this.with([pk, reference, plain.length ? plain : new Uint8Array(1)], (pp, _pl, rp, rl, vp) =>
      this.x.vl_w_envelope_seal(pp, aeadId, rp, rl, expiresMs, vp, plain.length),
    );
    if (st !== VL_OK) throw new VaultError(this.code(st), `sealForRecipient: sealing failed (${this.code(st)})`);
    const box = new Uint32Array(this.memory.buffer, this.x.vl_w_crypto_outbox() >>> 0, 2);
    return this.take(box[0], box[1]);
  }

  // ---------------------------------------------------------------- jobs

  jobOrigin(v, h, id) {
    this.check(v, this.x.vl_w_job_origin(v, h, id), 'job origin');
    return {
      scheme: this.out(0) === 2 ? 'https' : 'http',
      port: this.out(1),
      host: dec.decode(this.u8().subarray(this.out(2), this.out(2) + this.out(3))),
    };
  }

  jobRequest(v, h, id) {
    this.check(v, this.x.vl_w_job_request(v, h, id), 'job request'); // refused for a job not outstanding
    return decodeRequest(this.u8().subarray(this.out(0), this.out(0) + this.out(1)));
  }

  /** Hands one answer {status, headers, body} to the core. Sizes are checked
   * before anything is copied in: an answer over the core's limit goes in as
   * its status only, marked too large, and the core reports it. */
  #deliver(v, h, id, res) {
    const status = Number.isInteger(res?.status) && res.status >= 0 && res.status <= 999 ? res.status : 0;
    let headers = Array.isArray(res?.headers) ? res.headers : [];
    let body = res?.body ?? new Uint8Array(0);
    const size = typeof body === 'string' ? body.length : (body.byteLength ?? 0); // a string's UTF-8 is at least this long
    if (size > this.limits().response || res?.tooLarge) {
      headers = [['x-vaultlink-error', 'too_large']];
      body = new Uint8Array(0);
    }
    const frame = encodeRequest({ method: '', url: '', headers, body }).bytes;
    try {
      this.check(v, this.with([frame], (p, n) => this.x.vl_w_job_done(v, h, id, status, p, n, Date.now())), 'resolve');
    } finally {
      frame.fill(0);
    }
  }

  // ---------------------------------------------------------------- resolve

  /**
   * One resolve: plan, the jobs (through `perform`), render.
   * @param {number} v  the vault
   * @param {object} request  {method, url, headers, body}
   * @param {{compat: boolean, perform: (job: Job) => Promise<{res: object, release?: () => void}>, live: () => boolean, dead: () => Error}} o
   *   perform answers a job: res is {status, headers, body}, or {ingested: true}
   *   when the core already has the answer (a tunnel, or an identical job);
   *   release() is called once res has been copied in.
   *   live() says whether this vault is still the one the resolve began in;
   *   dead() is the error to throw when it is not.
   */
  async resolve(v, request, o) {
    const r = this.resolveStart(v, request, o.compat, o.parts, o.sent);
    return r.pending ? this.resolveJobs(v, r, o) : r;
  }

  /**
   * resolve()'s first step, synchronous: encodes the request into wasm memory
   * (with `sent`, see fieldsForCore() in wire.js, only what can change) and
   * opens the resolve. A resolve that needs no job (local and
   * cached secrets) is rendered in the same call: then its result
   * {out, unresolved, shape}; otherwise {pending: handle, …} for resolveJobs().
   */
  resolveStart(v, request, compat, validated, sent) {
    const x = this.x;
    // Encoded straight into wasm memory; the core takes ownership of the buffer.
    const { ptr, len, parts, shape } = encodeRequestInto(request, this.#allocIn, this.#freeIn, this.limits(), validated, compat ? undefined : sent);
    // The request is not copied back: the core returns where the values go and
    // this shim splices them into the strings it already holds. (Postman's
    // repeated passes rescan rendered text, so that mode returns it whole.)
    this.check(v, x.vl_w_resolve(v, ptr, len, compat ? FLAG_POSTMAN_COMPAT : FLAG_PATCH, Date.now()), 'resolve');
    const box = this.outs();
    const h = box[0];
    if (compat) sent = undefined;
    if (h) return { pending: h, parts, shape, compat, sent };
    return this.#rendered(box, parts, shape, compat, sent);
  }

  /** resolve()'s jobs (through `o.perform`) for what resolveStart() left pending, then the render. */
  async resolveJobs(v, { pending: h, parts, shape, compat, sent }, o) {
    const alive = () => this.x && o.live();
    // `run.open` turns false the moment this resolve ends, however it ends:
    // a job answered later is dropped (its bytes zeroed), never ingested.
    const run = { h, open: true };
    try {
      await this.#runJobs(v, run, o.perform, alive, o.dead);
      if (!alive()) throw o.dead();
      this.check(v, this.x.vl_w_render(v, h, Date.now()), 'resolve');
    } finally {
      run.open = false;
      if (alive()) this.x.vl_w_resolve_free(v, h);
    }
    return this.#rendered(this.outs(), parts, shape, compat, sent);
  }

  #allocIn = (size) => {
    const p = this.x.vl_alloc(size) >>> 0;
    if (!p) throw new VaultError('nomem', 'out of memory in the core');
    return { u8: this.u8(), ptr: p };
  };

  #freeIn = (p) => this.x.vl_free(p);

  /** The render in outbox[1..4], applied to the caller's strings; then wiped and freed. */
  #rendered(box, parts, shape, compat, sent) {
    const outPtr = box[1], outLen = box[2], repPtr = box[3], repLen = box[4];
    try {
      const u8 = this.u8();
      const out = compat ? decodeRequest(u8.subarray(outPtr, outPtr + outLen)) : applyPatchOutput(parts, u8, sent, outPtr, outLen);
      // The report names tokens, never values.
      const unresolved = repLen === 2 ? [] : placeReport(parts, sent, JSON.parse(dec.decode(u8.subarray(repPtr, repPtr + repLen))));
      return { out, unresolved, shape };
    } finally {
      this.release(outPtr); // wipes the rendered request (or the values of its patches)
      this.release(repPtr);
    }
  }

  /** Runs the core's jobs until it has none left. Every job of a round is
   * answered (a transport that throws answers "unreachable"), so no job
   * outlives its resolve. */
  async #runJobs(v, run, perform, alive, dead) {
    for (;;) {
      const jobs = [];
      for (;;) {
        if (!alive()) throw dead();
        const st = this.x.vl_w_next_job(v, run.h);
        if (st === VL_DONE) break;
        this.check(v, st, 'resolve');
        const id = this.out(0);
        const identity = hex(this.u8().subarray(this.out(3), this.out(3) + 16));
        const provider = this.cstr(this.out(4));
        jobs.push({ id, job: new Job(this, v, run, id, identity, provider) });
      }
      if (!jobs.length) return;
      await Promise.all(
        jobs.map(async ({ id, job }) => {
          let answer;
          try {
            answer = await perform(job);
          } catch (e) {
            answer = { res: transportFailure(e) };
          }

          const res = answer?.res;
          try {
            if (run.open && alive() && res && !res.ingested) this.#deliver(v, run.h, id, res);
          } finally {
            answer?.release?.(); // the last reader of a shared answer zeroes its body
          }
        }),
      );
    }
  }

  /** Zero-fills the whole linear memory and drops the instance. */
  destroy() {
    if (!this.memory) return;
    // Zeroed by the core itself (memory.fill up to the heap's break: above it
    // nothing was ever written); a module without the export (an older build
    // passed as options.wasm) is zero-filled whole from JS.
    if (this.x?.vl_w_wipe_memory) this.x.vl_w_wipe_memory();
    else this.u8().fill(0);
    this.x = null;
    this.memory = null;
    this.outView = null;
    this.u8View = null;
  }
}

/** A transport that threw: the job is answered "unreachable" (status 0),
 * naming the error's kind, never its message (it could quote a request). */
function transportFailure(e) {
  const kind = e && typeof e.name === 'string' && /^[A-Za-z]{1,40}$/.test(e.name) ? e.name : 'Error';
  return { status: 0, headers: [['x-vaultlink-error', 'transport'], ['x-vaultlink-error-kind', kind]], body: new Uint8Array(0) };
}
