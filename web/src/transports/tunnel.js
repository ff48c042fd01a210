// The tunnel transport (DESIGN.md §5): TLS 1.2 and HTTP/1.1 run inside the
// core; this file only moves opaque bytes between the core's connections and
// a WebSocket byte relay (Wisp v1, or websockify). No request, token,
// signature or response exists in JS: the relay sees TLS records, and page
// scripts see nothing.
//
//   import { tunnelTransport } from 'vaultlink/transports/tunnel';
//   const vault = await createVault({ transport: tunnelTransport({ relay: 'wss://relay.example/wisp/', trustAnchors: pem }) });

import { wispRelay, websockifyRelay } from './relay.js';
import { MAX_TIMER_MS, numberOptions, optionsObject } from './options.js';
import { TUNNEL_STATE, DEFAULT_ROOTS } from '../bridge.js';

const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);

async function readRoots(url) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`the default trust anchors (${url.href}) could not be loaded: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Certificates per addAnchors() call when the default set is parsed (144 in Debian's bundle, 143 distinct anchors: a few ms each slice). */
const ANCHOR_BATCH = 16;

/** The length of the DER SEQUENCE at der[at..] (header included), or 0 if there is none. */
function derLength(der, at) {
  if (at + 2 > der.length || der[at] !== 0x30) return 0;
  const first = der[at + 1];
  if (first < 0x80) return at + 2 + first <= der.length ? 2 + first : 0;
  const k = first & 0x7f;
  if (k === 0 || k > 4 || at + 2 + k > der.length) return 0;
  let body = 0;
  for (let i = 0; i < k; i++) body = body * 256 + der[at + 2 + i];
  return at + 2 + k + body <= der.length ? 2 + k + body : 0;
}

/**
 * Splits concatenated DER certificates (public data) into views of `per`
 * certificates each; bytes that do not split cleanly stay one piece, for the
 * core to name what is wrong with them.
 * @param {Uint8Array} der
 * @param {number} per
 * @returns {Uint8Array[]}
 */
function derBatches(der, per) {
  const out = [];
  let start = 0;
  let at = 0;
  let n = 0;
  while (at < der.length) {
    const len = derLength(der, at);
    if (!len) return [der];
    at += len;
    if (++n === per) {
      out.push(der.subarray(start, at));
      start = at;
      n = 0;
    }
  }
  if (at > start) out.push(der.subarray(start, at));
  return out.length ? out : [der];
}

/** Lets the page run (input, rendering) between two slices of work. */
function yieldToPage() {
  const s = /** @type {any} */ (globalThis).scheduler;
  if (typeof s?.yield === 'function') return s.yield();
  return new Promise((r) => setTimeout(r, 0));
}

/**
 * @param {{
 *   relay: string | { open(host: string, port: number): Promise<any>, close(): void },
 *   protocol?: 'wisp' | 'websockify',
 *   tokenFor?: (host: string, port: number) => string | undefined,
 *   tokens?: {[hostPort: string]: string},
 *   trustAnchors?: string | Uint8Array | Array<string | Uint8Array>,
 *   WebSocket?: any,
 *   timeoutMs?: number,
 *   maxPerOrigin?: number,
 *   idleMs?: number,
 * }} opts
 *   relay: the relay's WebSocket URL (Wisp: ending in '/'), or a relay object.
 *   tokens (websockify): {"host:port": token}, the same as a tokenFor() that
 *   looks them up, but data, so a Worker vault can be sent it.
 *   trustAnchors: PEM text or DER bytes (or a list); default: web/dist/roots.der
 *   (Debian's CA bundle, loaded only when the tunnel first needs it).
 */
export function tunnelTransport(options) {
  const opts = optionsObject('tunnelTransport', options);
  const protocol = opts.protocol ?? 'wisp';
  if (protocol !== 'wisp' && protocol !== 'websockify') throw new TypeError(`tunnelTransport: unknown protocol "${protocol}"`);
  const tokens = relayTokens(opts, protocol);
  const tokenFor = tokens ? (host, port) => tokens.get(`${String(host).toLowerCase()}:${port}`) : opts.tokenFor;
  const relay =
    typeof opts.relay === 'object' && opts.relay && typeof opts.relay.open === 'function'
      ? opts.relay
      : protocol === 'wisp'
        ? wispRelay(String(opts.relay), { WebSocket: opts.WebSocket })
        : websockifyRelay(String(opts.relay), { WebSocket: opts.WebSocket, tokenFor });
  const num = numberOptions('tunnelTransport', opts);
  const timeoutMs = num('timeoutMs', 15000, 1, MAX_TIMER_MS);
  const maxPerOrigin = num('maxPerOrigin', 4, 1, 64, true);
  const idleMs = num('idleMs', 30000, 0, MAX_TIMER_MS);
  let anchors = null; // Promise<Uint8Array[]>: the inputs, read once per transport
  const anchorList = () =>
    (anchors ??= (async () => {
      const given = opts.trustAnchors;
      // The default set (one DER certificate after another) is only read when the app gives none.
      if (given === undefined) return derBatches(await readRoots(DEFAULT_ROOTS), ANCHOR_BATCH);
      return (Array.isArray(given) ? given : [given]).map((a) => (typeof a === 'string' ? new TextEncoder().encode(a) : a));
    })());
  // scope (one per vault instance) → Promise<void>: its anchors parsed once, by
  // whichever job needs them first; every concurrent job waits for the same
  // load (each adding them would parse them again and multiply the set).
  const loaded = new WeakMap();
  const ready = new WeakSet(); // the scopes whose anchors are all in
  function ensureAnchors(t) {
    let p = loaded.get(t.scope);
    if (!p) {
      p = (async () => {
        let list;
        try {
          list = await anchorList();
        } catch (e) {
          anchors = null; // nothing was added: a later job reads them again
          loaded.delete(t.scope);
          throw e;
        }
        for (let i = 0; i < list.length; i++) {
          if (i > 0) await yieldToPage(); // the default set is parsed in slices, not in one long task
          t.addAnchors(list[i]);
        }
        ready.add(t.scope);
      })();
      p.catch(() => {}); // reported to the jobs that await it
      loaded.set(t.scope, p);
    }
    return p;
  }
  // scope (one per vault instance) → Map(conn id → {stream, idleTimer})
  const pools = new WeakMap();
  const busy = new Map(); // "host:port" → count of jobs on it now
  const waiting = new Map(); // "host:port" → resolvers waiting for a slot

  async function slot(key) {
    while ((busy.get(key) ?? 0) >= maxPerOrigin) await new Promise((r) => (waiting.get(key) ?? waiting.set(key, []).get(key)).push(r));
    busy.set(key, (busy.get(key) ?? 0) + 1);
  }
  function unslot(key) {
    busy.set(key, busy.get(key) - 1);
    waiting.get(key)?.shift()?.();
  }

  function idle(pool, t, conn, entry) {
    entry.stream.ondata = () => {
      // A server speaking unasked: the core drops the connection.
      t.drop(conn);
      forget(pool, conn);
    };
    entry.stream.onclose = () => {
      t.drop(conn);
      forget(pool, conn);
    };
    entry.idleTimer = setTimeout(() => {
      t.drop(conn);
      forget(pool, conn);
    }, idleMs);
    entry.idleTimer.unref?.();
  }

  function forget(pool, conn) {
    const e = pool.get(conn);
    if (!e) return;
    pool.delete(conn);
    clearTimeout(e.idleTimer);
    if (!e.stream.closed) e.stream.close();
  }

  async function perform(job) {
    const t = job.tunnel;
    if (!t) throw new TypeError('tunnelTransport: this job cannot be tunnelled (a core without the tunnel)');
    const { scheme, host, port } = job.origin();
    const key = `${host}:${port}`;
    await slot(key);
    // A stream opened while this vault's anchors load: until they are in, no
    // https connection of the vault exists to reuse, so the job will want a
    // fresh one, and the relay's round trips (WebSocket, Wisp, the relay's
    // TCP connect) overlap the anchors' fetch and parse instead of following them.
    let early = null;
    const open = () => relay.open(host, port).then((stream) => ({ stream }), (error) => ({ error }));
    try {
      if (scheme === 'https') {
        const anchors = ensureAnchors(t);
        if (!ready.has(t.scope)) early = open();
        // A set that failed to parse stays failed for this vault: no job runs on a partial set.
        await anchors;
      }
      let pool = pools.get(t.scope);
      if (!pool) pools.set(t.scope, (pool = new Map()));
      for (const [conn] of pool) if (!t.live(conn)) forget(pool, conn); // closed by the core (credentials changed)
      const { conn, fresh } = t.begin();
      let entry = pool.get(conn);
      if (fresh || !entry) {
        if (entry) forget(pool, conn);
        const opened = await (early ?? open());
        early = null;
        if (opened.error) {
          t.abort(conn, `relay unreachable (${opened.error?.code ?? 'error'})`);
          return { ingested: true };
        }
        entry = { stream: opened.stream, idleTimer: null };
        pool.set(conn, entry);
      } else clearTimeout(entry.idleTimer);
      await new Promise((resolve) => {
        const { stream } = entry;
        let over = false;
        const flush = () => {
          for (let out; !stream.closed && (out = t.output(conn)); ) stream.send(out);
        };
        const finish = (state) => {
          if (over) return;
          over = true;
          clearTimeout(timer);
          if (state === TUNNEL_STATE.DONE && !stream.closed) idle(pool, t, conn, entry);
          else forget(pool, conn);
          resolve();
        };
        const timer = setTimeout(() => {
          t.abort(conn, `timed out after ${timeoutMs} ms`);
          finish(TUNNEL_STATE.CLOSE);
        }, timeoutMs);
        stream.ondata = (bytes) => {
          const state = t.input(conn, bytes);
          if (state === TUNNEL_STATE.WAIT) flush();
          else finish(state);
        };
        stream.onclose = (info) => {
          if (over) return;
          t.closed(conn, info?.reason ?? '');
          finish(TUNNEL_STATE.CLOSE);
        };
        flush();
      });
      return { ingested: true };
    } finally {
      // Opened for a connection the core did not need (it had one to reuse),
      // or for a job whose anchors failed: closed unused.
      early?.then((o) => o.stream?.close());
      unslot(key);
    }
  }

  // Everything a Worker needs to make this same transport itself
  // (createVaultInWorker: the TLS then runs in the Worker, off this page's
  // thread, and no job comes back here), when every option can be posted to
  // one: a relay URL, not a relay object, a WebSocket class or tokenFor.
  const movable = typeof opts.relay === 'string' && opts.WebSocket === undefined && opts.tokenFor === undefined;
  const workerConfig = movable
    ? Object.freeze({ kind: 'tunnel', relay: opts.relay, protocol, trustAnchors: opts.trustAnchors, timeoutMs, maxPerOrigin, idleMs, ...(tokens ? { tokens: Object.fromEntries(tokens) } : {}) })
    : null;
  return {
    name: 'tunnel',
    /** createVault() loads the module with the tunnel (vaultlink-tunnel.wasm) for it. */
    tunnel: true,
    protocol,
    workerConfig,
    perform,
    /** Closes every relay stream (the core's connections go with the vault). */
    close() {
      relay.close();
    },
  };
}

/** opts.tokens as a Map ("host:port" with the host in lower case → token), or null; refuses a malformed one, naming it. */
function relayTokens(opts, protocol) {
  const given = opts.tokens;
  if (given === undefined) return null;
  if (opts.tokenFor !== undefined) throw new TypeError('tunnelTransport: give tokens or tokenFor, not both');
  if (protocol !== 'websockify') throw new TypeError('tunnelTransport: tokens name websockify targets (protocol: "websockify")');
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new TypeError('tunnelTransport: tokens must be an object {"host:port": token}');
  const map = new Map();
  for (const [target, token] of Object.entries(given)) {
    const shown = target.slice(0, 80).replace(/[^\x20-\x7e]/g, '?');
    if (!/^[^:\s]+:[0-9]{1,5}$/.test(target)) throw new TypeError(`tunnelTransport: tokens key "${shown}" is not "host:port"`);
    if (typeof token !== 'string' || token.length === 0) throw new TypeError(`tunnelTransport: tokens["${shown}"] must be a non-empty string`);
    map.set(target.toLowerCase(), token);
  }
  return map;
}

/**
 * Routes each job by its provider: e.g. the tunnel for Azure and 1Password
 * (no CORS) and direct fetch for AWS.
 * @param {{[provider: string]: {perform(job: any): Promise<any>}, default: {perform(job: any): Promise<any>}}} routes
 */
export function routeTransport(routes) {
  if (!routes || typeof routes.default?.perform !== 'function') throw new TypeError('routeTransport: routes.default must be a transport');
  const table = Object.freeze({ ...routes });
  const entries = Object.entries(table).filter(([, t]) => t !== undefined && t !== null);
  for (const [k, t] of entries) if (typeof t.perform !== 'function') throw new TypeError(`routeTransport: routes["${k}"] must be a transport`);
  // For createVaultInWorker(): each route its Worker can make (a tunnel or a
  // fetch transport with a workerConfig) as those options, one object per
  // transport (routes sharing one share it there too), every other route
  // null (its jobs come back to this page). null when no route can be made
  // there, or a tunnel route cannot be sent (then the Worker vault is refused).
  const made = (t) => (t.workerConfig && !t.workerConfig.routes ? t.workerConfig : null);
  const movable = entries.some(([, t]) => made(t));
  const stuck = entries.some(([, t]) => t.name === 'tunnel' && !t.workerConfig);
  const workerConfig = movable && !stuck ? Object.freeze({ routes: Object.freeze(Object.fromEntries(entries.map(([k, t]) => [k, made(t)]))) }) : null;
  return {
    name: 'route',
    tunnel: entries.some(([, t]) => t.tunnel !== false),
    routes: table,
    workerConfig,
    perform(job) {
      return (table[job.provider] ?? table.default).perform(job);
    },
    /** Closes each route's transport that can be closed (a shared one once). */
    close() {
      for (const t of new Set(entries.map(([, t]) => t))) t.close?.();
    },
  };
}
