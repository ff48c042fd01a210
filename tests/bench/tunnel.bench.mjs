// Benchmark (not a test): HTTPS GET through a local Wisp relay, vaultlink's
// tunnel transport side by side with its peers in ONE process, against the same
// loopback origin and the same relay (tests/relays.mjs, wisp-js 0.5.0):
//   - libcurl.js 0.7.4 (curl + mbedTLS), run in Node with a faked worker scope;
//     it has no custom-CA API, so the test CA is written over its bundled PEM;
//   - epoxy-tls 2.1.19-1 (rustls), test CA via `pem_files`;
//   - vaultlink, through the hook tests/bench/tunnel-vaultlink.mjs when it exists:
//       export async function vaultlinkClient({relayUrl, origin, caPem})
//         → {get(path), coldGet(path), close()}; get/coldGet → Promise<{status, bodyLength}>
//     get() reuses one kept-alive connection; coldGet() opens a new TCP+TLS one;
//   - node:tls over raw Wisp streams: the floor (OpenSSL, no wasm), for scale.
// Origin: Node https on 127.0.0.1 (named https://localhost:<port>), keep-alive,
// a 65-byte JSON body, ECDSA P-256 leaf for localhost from a CA made at start;
// TLS capped at 1.2 (vaultlink's only version; TLSMAX=TLSv1.3 to lift it).
// Also prints gzip -9 sizes (per file, summed) and module load times.
// Method and earlier numbers: ../shared/reference/tunnel.md §6.
//   node tests/bench/tunnel.bench.mjs [samples=30]
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

import { WebSocket as WsWebSocket } from 'ws';

import { sharedTestTls } from '../emulators/tls.mjs';
import { startWispRelay } from '../relays.mjs';

const N = Number(process.argv[2]) || 30;
const WARMUP = 3;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NM = join(ROOT, 'node_modules');
const HOOK = join(ROOT, 'tests', 'bench', 'tunnel-vaultlink.mjs');
const TLSMAX = process.env.TLSMAX || 'TLSv1.2';
const BODY = JSON.stringify({ value: 's3cr3t-value', id: 'https://vault.example/secrets/x/1' });
const PATH = '/secret';

const watchdog = setTimeout(() => {
  console.error('tunnel.bench: over the 170 s budget, giving up');
  process.exit(1);
}, 170_000);
watchdog.unref();

const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function stats(a) {
  const s = [...a].sort((x, y) => x - y);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, p10: q(0.1), p90: q(0.9), n: s.length };
}
const f2 = (x) => (x == null ? '-' : x.toFixed(2));

// ---- sizes ------------------------------------------------------------------
function gz(path) {
  const b = readFileSync(path);
  return { raw: b.length, gz: gzipSync(b, { level: 9 }).length };
}
function sizeRow(name, files, note = '') {
  const present = files.filter((p) => existsSync(p));
  if (present.length === 0) return { artifact: name, files: 0, 'raw B': '-', 'gzip -9 B': '-', note: note || 'not built' };
  let raw = 0;
  let z = 0;
  for (const p of present) {
    const r = gz(p);
    raw += r.raw;
    z += r.gz;
  }
  return { artifact: name, files: present.length, 'raw B': raw, 'gzip -9 B': z, note };
}
const dist = join(ROOT, 'web', 'dist');
const lc = join(NM, 'libcurl.js');
const ep = join(NM, '@mercuryworkshop', 'epoxy-tls');
// What a page using the tunnel downloads: the tunnel module and the shim's
// bundle (web/lib, scripts/minify.mjs); tests/bench/size.bench.mjs has the rest.
const vlJs = [join(ROOT, 'web', 'lib', 'vault.js')];
const sizes = [
  sizeRow('libcurl.js 0.7.4 libcurl.wasm + libcurl.mjs', [join(lc, 'libcurl.wasm'), join(lc, 'libcurl.mjs')]),
  sizeRow('libcurl.js 0.7.4 libcurl_full.mjs (wasm inlined)', [join(lc, 'libcurl_full.mjs')], 'the module loaded here'),
  sizeRow('epoxy-tls 2.1.19-1 full/epoxy.wasm + epoxy.js', [join(ep, 'full', 'epoxy.wasm'), join(ep, 'full', 'epoxy.js')]),
  sizeRow('epoxy-tls 2.1.19-1 minimal/epoxy.wasm + epoxy.js', [join(ep, 'minimal', 'epoxy.wasm'), join(ep, 'minimal', 'epoxy.js')], 'HTTP/1 only'),
  sizeRow('epoxy-tls 2.1.19-1 full/epoxy-bundled.js', [join(ep, 'full', 'epoxy-bundled.js')], 'the module loaded here'),
  sizeRow('vaultlink web/dist/vaultlink-tunnel.wasm + web/lib JS', [join(dist, 'vaultlink-tunnel.wasm'), ...vlJs], 'target ≤ 130 KB'),
  sizeRow('vaultlink web/lib JS only', vlJs),
  sizeRow('vaultlink web/dist/roots.der (trust anchors)', [join(dist, 'roots.der')], 'loaded at runtime'),
];

// ---- peers: load (epoxy first, then libcurl.js inside a faked worker scope) --
globalThis.WebSocket = WsWebSocket;
const load = {};
let t = now();
const epoxy = await import('@mercuryworkshop/epoxy-tls');
await epoxy.default();
load.epoxy = now() - t;

// libcurl.js is built -sENVIRONMENT=worker,web: make it see a worker, and keep
// the wasm exports to reach its CA buffer (tunnel.md §6.2).
let lcExports = null;
const origInstantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (...args) => {
  const r = await origInstantiate.apply(WebAssembly, args);
  lcExports = (r.instance || r).exports;
  return r;
};
const realProcess = globalThis.process;
Object.assign(globalThis, { self: globalThis, location: { href: 'http://127.0.0.1/' }, importScripts() {}, navigator: { userAgent: 'vaultlink-bench' } });
if (typeof CloseEvent === 'undefined') {
  globalThis.CloseEvent = class CloseEvent extends Event {
    constructor(type, o = {}) {
      super(type);
      Object.assign(this, { code: o.code ?? 1005, reason: o.reason ?? '', wasClean: !!o.wasClean });
    }
  };
}
t = realProcess.hrtime.bigint();
delete globalThis.process; // else ENVIRONMENT_IS_NODE → "node environment detected but not enabled"
let libcurl;
try {
  ({ libcurl } = await import('libcurl.js/bundled'));
  await libcurl.load_wasm();
} finally {
  globalThis.process = realProcess;
  WebAssembly.instantiate = origInstantiate;
}
load.libcurl = Number(process.hrtime.bigint() - t) / 1e6;

// ---- origin and relay -------------------------------------------------------
const testTls = await sharedTestTls();
const handshakes = [];
const originServer = https.createServer({ key: testTls.key, cert: testTls.cert, keepAliveTimeout: 60_000, maxVersion: TLSMAX }, (req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BODY) });
  res.end(BODY);
});
originServer.on('secureConnection', (s) => handshakes.push(`${s.getProtocol()} ${s.getCipher().name}`));
await new Promise((r) => originServer.listen(0, '127.0.0.1', r));
const port = originServer.address().port;
const origin = `https://localhost:${port}`;
// curl resolves "localhost" itself (to 127.0.0.1, no DNS), so libcurl.js's
// CONNECT names 127.0.0.1; epoxy and vaultlink send "localhost".
const relay = await startWispRelay({ allow: [{ host: 'localhost', port }, { host: '127.0.0.1', port }] });

// ---- libcurl.js: trust the test CA by overwriting the head of its bundle ----
const bundle = libcurl.get_cacert();
const bundleCerts = (bundle.match(/BEGIN CERTIFICATE/g) || []).length;
{
  const caPem = testTls.ca.trim() + '\n';
  const END = '-----END CERTIFICATE-----\n';
  let cut = 0;
  while (cut < caPem.length) cut = bundle.indexOf(END, cut) + END.length;
  const p = lcExports.get_cacert();
  const mem = new Uint8Array(lcExports.memory.buffer);
  if (Buffer.from(mem.subarray(p, p + 27)).toString() !== '-----BEGIN CERTIFICATE-----') throw new Error('libcurl.js: CA buffer not found');
  mem.set(Buffer.from(caPem + '\n'.repeat(cut - caPem.length), 'latin1'), p);
}
libcurl.set_websocket(relay.url);
libcurl.logger = (type, text) => {
  if (type === 'error' || process.env.LCVERBOSE) console.error('[libcurl.js]', text);
};

// ---- clients: {get, coldGet, close}, every result checked --------------------
const check = (name) => (r) => {
  // vaultlink's body never leaves wasm: its client reports bodyLength -1 for a
  // response the core read completely (framing checked there).
  if (r.status !== 200 || (r.bodyLength !== Buffer.byteLength(BODY) && r.bodyLength !== -1)) {
    throw new Error(`${name}: bad response ${r.status}, ${r.bodyLength} B${r.detail ? ` (${r.detail})` : ''}`);
  }
  return r;
};
const libcurlClient = () => {
  const fetchOn = async (s) => {
    const r = await s.fetch(origin + PATH, process.env.LCVERBOSE ? { _libcurl_http_version: 1.1, _libcurl_verbose: 1 } : { _libcurl_http_version: 1.1 });
    return { status: r.status, bodyLength: (await r.arrayBuffer()).byteLength };
  };
  const warm = new libcurl.HTTPSession();
  return {
    get: () => fetchOn(warm),
    async coldGet() {
      const s = new libcurl.HTTPSession(); // its own connection pool: new stream + TCP + TLS
      try {
        return await fetchOn(s);
      } finally {
        s.close();
      }
    },
    close: () => warm.close(),
  };
};
const epoxyClient = () => {
  const make = () => {
    const o = new epoxy.EpoxyClientOptions();
    o.user_agent = 'vaultlink-bench';
    o.wisp_v2 = false;
    o.pem_files = [testTls.ca];
    return new epoxy.EpoxyClient(relay.url, o);
  };
  const fetchOn = async (c) => {
    const r = await c.fetch(origin + PATH, { headers: { Connection: 'keep-alive' } });
    return { status: r.status, bodyLength: (await r.arrayBuffer()).byteLength };
  };
  const warm = make();
  return {
    get: () => fetchOn(warm),
    async coldGet() {
      // A new client = new WebSocket too: one client cannot be made to drop its
      // pooled connection (Connection: close fails on the next request, §6.2).
      const c = make();
      try {
        return await fetchOn(c);
      } finally {
        c.free?.();
      }
    },
    close: () => warm.free?.(),
  };
};

/** The floor: Node's own TLS (OpenSSL) over raw Wisp v1 streams on one WebSocket. */
async function nodeTlsClient() {
  const u = new URL(origin);
  const ws = new WsWebSocket(relay.url);
  await new Promise((resolve, reject) => (ws.once('message', resolve), ws.once('error', reject))); // CONTINUE(s=0)
  const streams = new Map();
  let nextId = 1;
  ws.on('message', (m) => {
    const d = streams.get(m.readUInt32LE(1));
    if (d && m[0] === 2) d.push(m.subarray(5));
    else if (d && m[0] === 4) d.push(null);
  });
  const header = (type, id) => Buffer.from([type, id & 255, (id >> 8) & 255, (id >> 16) & 255, id >>> 24]);
  const open = () => {
    const id = nextId++;
    const p = Buffer.from([1, Number(u.port) & 255, Number(u.port) >> 8]);
    ws.send(Buffer.concat([header(1, id), p, Buffer.from(u.hostname)]));
    const d = new Duplex({ read() {}, write: (c, _e, cb) => ws.send(Buffer.concat([header(2, id), c]), cb) });
    streams.set(id, d);
    return new Promise((resolve, reject) => {
      const s = tls.connect({ socket: d, servername: u.hostname, ca: testTls.ca }, () => resolve(s));
      s.once('error', reject);
    });
  };
  const request = (s) =>
    new Promise((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const onData = (d) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/\r\ncontent-length: *(\d+)/i.exec(buf.subarray(0, end).toString())?.[1]);
        if (buf.length < end + 4 + len) return;
        s.off('data', onData).off('error', reject);
        resolve({ status: Number(buf.subarray(9, 12).toString()), bodyLength: len });
      };
      s.on('data', onData).once('error', reject);
      s.write(`GET ${PATH} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
    });
  let warm = null;
  return {
    async get() {
      warm ??= await open();
      return request(warm);
    },
    async coldGet() {
      const s = await open();
      try {
        return await request(s);
      } finally {
        s.destroy();
      }
    },
    close: () => ws.close(),
  };
}

async function measure(name, client) {
  const ok = check(name);
  const first = now();
  ok(await client.get(PATH)); // opens the transport: excluded
  const firstMs = now() - first;
  for (let i = 0; i < WARMUP; i++) ok(await client.coldGet(PATH)), ok(await client.get(PATH));
  const cold = [];
  const h0 = handshakes.length;
  for (let i = 0; i < N; i++) {
    const t0 = now();
    ok(await client.coldGet(PATH));
    cold.push(now() - t0);
    await sleep(10); // let the closed connection settle at the relay and origin
  }
  const coldHs = handshakes.length - h0;
  const h1 = handshakes.length;
  const warm = [];
  for (let i = 0; i < N; i++) {
    const t0 = now();
    ok(await client.get(PATH));
    warm.push(now() - t0);
  }
  return { name, firstMs, cold: stats(cold), warm: stats(warm), coldHs, warmHs: handshakes.length - h1, tls: handshakes[handshakes.length - 1] };
}

const results = [];
const notes = [];
for (const [name, make] of [
  ['libcurl.js 0.7.4', libcurlClient],
  ['epoxy-tls 2.1.19-1', epoxyClient],
  ['node:tls (floor, no wasm)', nodeTlsClient],
]) {
  const c = await make();
  try {
    results.push(await measure(name, c));
  } catch (e) {
    notes.push(`${name}: FAILED: ${e.message}`);
  } finally {
    c.close();
  }
}

let vaultlink = null;
if (existsSync(HOOK)) {
  try {
    const t0 = now();
    const { vaultlinkClient } = await import(pathToFileURL(HOOK).href);
    const c = await vaultlinkClient({ relayUrl: relay.url, origin, caPem: testTls.ca });
    load.vaultlink = now() - t0;
    try {
      vaultlink = await measure('vaultlink', c);
      results.push(vaultlink);
    } finally {
      await c.close();
    }
  } catch (e) {
    notes.push(`vaultlink: FAILED: ${e.stack || e.message}`);
  }
} else {
  notes.push('vaultlink: (tunnel client not built yet)');
}
if (existsSync(join(dist, 'vaultlink-tunnel.wasm'))) {
  const t0 = now();
  await WebAssembly.compile(readFileSync(join(dist, 'vaultlink-tunnel.wasm')));
  load['vaultlink-tunnel.wasm compile only'] = now() - t0;
}

await relay.close();
originServer.closeAllConnections?.();
await new Promise((r) => originServer.close(r));

// ---- report -------------------------------------------------------------------
console.log(`HTTPS GET via wisp-js 0.5.0 relay (Wisp v1), loopback, node ${process.versions.node}, ${N} samples after ${WARMUP} warm-ups`);
console.log(`origin ${origin}: ECDSA P-256 leaf, max ${TLSMAX}, ${Buffer.byteLength(BODY)}-byte JSON body, keep-alive`);
console.log(`libcurl.js: no custom-CA API; the test CA was written over the first bytes of its bundled PEM (${bundleCerts} certs, ${bundle.length} B), so it still parses the whole bundle per connection`);
console.log('epoxy-tls: test CA via pem_files; its cold GET includes a new WebSocket (new EpoxyClient per sample)');
console.table(
  results.map((r) => ({
    client: r.name,
    'first (ms)': f2(r.firstMs),
    'cold median': f2(r.cold.median),
    'cold p10-p90': `${f2(r.cold.p10)}-${f2(r.cold.p90)}`,
    'warm median': f2(r.warm.median),
    'warm p10-p90': `${f2(r.warm.p10)}-${f2(r.warm.p90)}`,
    'TLS handshakes cold/warm': `${r.coldHs}/${r.warmHs}`,
    negotiated: r.tls,
  })),
);
for (const n of notes) console.log(n);
if (vaultlink) {
  for (const peer of results.filter((r) => r !== vaultlink && !r.name.startsWith('node:'))) {
    console.log(
      `vaultlink/${peer.name}: cold ${(vaultlink.cold.median / peer.cold.median).toFixed(2)}x, warm ${(vaultlink.warm.median / peer.warm.median).toFixed(2)}x`,
    );
  }
}
console.log('module load (import + instantiate, ms):', Object.fromEntries(Object.entries(load).map(([k, v]) => [k, Math.round(v)])));
console.log('sizes (gzip -9 of each file, summed):');
console.table(sizes);
if (!existsSync(join(dist, 'vaultlink-tunnel.wasm'))) console.log('(web/dist/vaultlink-tunnel.wasm not built: scripts/test or scripts/demo makes it)');
process.exit(0); // libcurl.js keeps an interval timer alive
