// The demo server: serves the repo's web/ directory (the module, the wasm and
// the demo page) and an /echo endpoint that returns what it received, on
// 127.0.0.1 only. Provider emulators join it through `services`.
//
//   node tests/demo-server.mjs [--port N]      (scripts/demo runs this)
//   import { startDemo } from './demo-server.mjs';
//   const demo = await startDemo({ port: 0 }); … await demo.close();

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect as netConnect } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { demoServiceStarters } from './demo-services.mjs';
import { sharedTestTls } from './emulators/tls.mjs';
import { startWispRelay } from './relays.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..');
export const WEB_DIR = join(ROOT, 'web');
export const HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;
const MAX_ECHO_BODY = 1 << 20;

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

// The page loads only its own scripts and the wasm; 'wasm-unsafe-eval' is what
// WebAssembly.compile needs under a CSP. Inline scripts and eval stay blocked.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  'connect-src *',
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** Origins allowed to call /echo with credentials-free CORS: any loopback page. */
function isLoopbackOrigin(origin) {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

function corsHeaders(req) {
  const origin = req.headers.origin;
  if (!origin || !isLoopbackOrigin(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
    'access-control-allow-headers': req.headers['access-control-request-headers'] || '*',
    'access-control-expose-headers': '*',
    'access-control-max-age': '60',
    vary: 'Origin',
  };
}

async function readBody(req, limit) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > limit) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

async function handleEcho(req, res) {
  const cors = corsHeaders(req);
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    res.writeHead(204, cors).end();
    return;
  }
  let body;
  try {
    body = await readBody(req, MAX_ECHO_BODY);
  } catch (e) {
    res.writeHead(e.status || 400, { 'content-type': 'text/plain', ...cors }).end(String(e.message));
    return;
  }
  // Headers as received, in order, names as sent (rawHeaders keeps both).
  const headers = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  const text = body.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(body);
  const echo = {
    method: req.method,
    url: req.url,
    headers,
    body: isText ? text : null,
    bodyBase64: isText ? undefined : body.toString('base64'),
  };
  const out = JSON.stringify(echo);
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...cors,
  });
  res.end(req.method === 'HEAD' ? undefined : out);
}

/** Maps a URL path to a file under one of the mounts, refusing anything outside. */
function mapPath(pathname, mounts) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  for (const [prefix, dir] of mounts) {
    if (!decoded.startsWith(prefix)) continue;
    const file = resolve(dir, '.' + decoded.slice(prefix.length - 1));
    if (file !== dir && !file.startsWith(dir + sep)) return null;
    return file;
  }
  return null;
}

async function handleStatic(req, res, mounts, extraHeaders) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const { pathname } = new URL(req.url, 'http://x');
  if (pathname === '/') {
    res.writeHead(302, { location: '/demo/' }).end();
    return;
  }
  let file = mapPath(pathname, mounts);
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  try {
    let st = await stat(file);
    if (st.isDirectory()) {
      if (!pathname.endsWith('/')) {
        res.writeHead(301, { location: pathname + '/' }).end();
        return;
      }
      file = join(file, 'index.html');
      st = await stat(file);
    }
    const data = await readFile(file);
    res.writeHead(200, {
      'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': data.length,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': CSP,
      ...extraHeaders,
    });
    res.end(req.method === 'HEAD' ? undefined : data);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}

/**
 * The services every demo start brings up, in order: the provider emulators
 * of tests/demo-services.mjs. Each entry: async ({host, origin}) =>
 * ({name, url, close, info?, emulator?}) or null (not available). Their URLs
 * are printed by `scripts/demo`; /demo-services.json serves {name: info ?? {url}}.
 */
export const demoServices = demoServiceStarters();

function listen(server, port) {
  return new Promise((ok, fail) => {
    const onError = (e) => {
      server.off('listening', onListening);
      fail(e);
    };
    const onListening = () => {
      server.off('error', onError);
      ok(server.address().port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, HOST);
  });
}

/**
 * Starts the demo server on 127.0.0.1.
 *
 * @param {object} [opts]
 * @param {number} [opts.port]  0 for any free port; a taken port falls back to a free one
 *   unless `strictPort` is set. Default: $VL_DEMO_PORT or 8787.
 * @param {boolean} [opts.strictPort]
 * @param {Record<string,string>} [opts.mounts]  extra URL-prefix → directory mappings
 *   (e.g. test fixtures); web/ is always mounted at '/'.
 * @param {Array<(ctx:{host:string, origin:string}) => Promise<{name:string,url:string,close:()=>Promise<void>,info?:object,emulator?:object}|null>>} [opts.services]
 *   the services to start with the demo; default `demoServices`.
 * @returns {Promise<{url:string, origin:string, port:number, services:Record<string,string>, emulators:Record<string,object>, close:()=>Promise<void>}>}
 */
export async function startDemo(opts = {}) {
  const wantPort = opts.port ?? (process.env.VL_DEMO_PORT ? Number(process.env.VL_DEMO_PORT) : DEFAULT_PORT);
  if (!Number.isInteger(wantPort) || wantPort < 0 || wantPort > 65535) {
    throw new Error(`demo server: bad port ${JSON.stringify(opts.port ?? process.env.VL_DEMO_PORT)}`);
  }
  const mounts = Object.entries(opts.mounts ?? {}).map(([p, d]) => [p.endsWith('/') ? p : p + '/', resolve(d)]);
  mounts.push(['/', WEB_DIR]);

  const started = [];
  const services = {};
  const emulators = {};
  const published = {}; // /demo-services.json: filled as services start
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    let p;
    if (pathname === '/echo' || pathname.startsWith('/echo/')) p = handleEcho(req, res);
    else if (pathname === '/demo-services.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(published));
      return;
    } else p = handleStatic(req, res, mounts, {});
    p.catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;

  let port;
  try {
    port = await listen(server, wantPort);
  } catch (e) {
    if (e.code !== 'EADDRINUSE' || opts.strictPort || wantPort === 0) throw e;
    port = await listen(server, 0);
  }
  const origin = `http://${HOST}:${port}`;
  const closeServer = async () => {
    server.closeAllConnections?.();
    await new Promise((ok) => server.close(() => ok()));
  };

  // Services start once the page's origin is known (Vault's CORS needs it).
  const closeServices = async () => {
    await Promise.allSettled(started.splice(0).map((s) => s.close()));
  };
  try {
    for (const start of opts.services ?? demoServices) {
      const s = await start({ host: HOST, origin });
      if (!s) continue; // a service that is not available (yet)
      started.push(s);
      services[s.name] = s.url;
      published[s.name] = s.info ?? { url: s.url };
      if (s.emulator) emulators[s.name] = s.emulator;
    }
  } catch (e) {
    await closeServices();
    await closeServer();
    throw e;
  }

  // The tunnel: each emulator also answers HTTPS on https://localhost:<port>
  // (a TLS front with a CA made at start, piping to the same emulator), and a
  // real wisp-js relay may reach exactly those fronts and nothing else.
  let tunnel = null;
  if (opts.tunnel !== false) {
    try {
      tunnel = await startTunnelFronts(started, published);
      if (tunnel) published._tunnel = { relay: tunnel.relay.url, protocol: 'wisp', ca: tunnel.ca };
    } catch (e) {
      await closeServices();
      await closeServer();
      throw e;
    }
  }

  return {
    origin,
    url: `${origin}/demo/`,
    port,
    services,
    emulators,
    tunnel: tunnel && { relay: tunnel.relay.url, ca: tunnel.ca, fronts: tunnel.fronts },
    async close() {
      await closeServer();
      await tunnel?.close();
      await closeServices();
    },
  };
}

/** A TLS server on 127.0.0.1 (named localhost) that pipes each connection to an HTTP emulator. */
async function tlsFront(tls, targetPort) {
  const sockets = new Set();
  const server = createTlsServer({ key: tls.key, cert: tls.cert }, (clear) => {
    const up = netConnect(targetPort, HOST);
    sockets.add(clear).add(up);
    const drop = () => {
      clear.destroy();
      up.destroy();
    };
    clear.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
    clear.pipe(up).pipe(clear);
  });
  server.on('tlsClientError', () => {});
  const port = await listen(server, 0);
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((ok) => server.close(() => ok()));
    },
  };
}

/** TLS fronts for every started emulator, their tunnel connect details in `published`, and the relay. */
async function startTunnelFronts(started, published) {
  const tls = await sharedTestTls();
  const fronts = [];
  const close = async () => {
    await Promise.allSettled(fronts.map((f) => f.close()));
  };
  try {
    for (const s of started) {
      const u = new URL(s.url);
      if (u.protocol !== 'http:') continue;
      const front = await tlsFront(tls, Number(u.port));
      front.name = s.name;
      front.url = `https://localhost:${front.port}`;
      fronts.push(front);
      const info = published[s.name];
      const swap = (v) => (typeof v === 'string' && v.replace(/\/$/, '') === s.url.replace(/\/$/, '') ? front.url : v);
      info.tunnel = { url: front.url, connect: Object.fromEntries(Object.entries(info.connect ?? {}).map(([k, v]) => [k, swap(v)])) };
    }
    if (!fronts.length) return null; // no emulators: no relay
    const relay = await startWispRelay({ allow: fronts.map((f) => ({ host: 'localhost', port: f.port })) });
    return {
      relay,
      ca: tls.ca,
      fronts: Object.fromEntries(fronts.map((f) => [f.name, f.url])),
      close: async () => {
        await relay.close();
        await close();
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

async function main() {
  const args = process.argv.slice(2);
  let port;
  const i = args.indexOf('--port');
  if (i >= 0) port = Number(args[i + 1]);
  const demo = await startDemo({ port });
  const want = port ?? (process.env.VL_DEMO_PORT ? Number(process.env.VL_DEMO_PORT) : DEFAULT_PORT);
  if (want && demo.port !== want) console.log(`(port ${want} is taken; using ${demo.port})`);
  console.log(`vaultlink demo: ${demo.url}`);
  for (const [name, url] of Object.entries(demo.services)) console.log(`  ${name}: ${url}${demo.tunnel?.fronts[name] ? ` (tunnel: ${demo.tunnel.fronts[name]})` : ''}`);
  if (demo.tunnel) console.log(`  relay (Wisp, allow-list: the emulators only): ${demo.tunnel.relay}`);
  console.log('Press Ctrl-C to stop.');
  const stop = () => {
    demo.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    console.error(`vaultlink demo: ${e.message}`);
    process.exit(1);
  });
}
