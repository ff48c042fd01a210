// Byte relays for the tunnel transport, for tests, the demo and benchmarks.
// Loopback only. Two relays (see ../shared/reference/tunnel.md §1.3, §2):
//
//   startWispRelay({allow, capture})   the real @mercuryworkshop/wisp-js 0.5.0 server
//   startWebsockify({targets, capture}) Debian's websockify with a token file
//
// Both take a closed set of destinations and refuse everything else. With
// `capture: true` they record every byte they exchange with a destination, so a
// test can check what a relay operator would see (e.g. that no secret passes in
// clear): `capturedContains(relay.captured, 'secret')` must then be 0.
//
//   const relay = await startWispRelay({ allow: [{ host: 'localhost', port: 8443 }], capture: true });
//   // client: new WebSocket(relay.url) ... CONNECT localhost:8443 ...
//   assert.equal(capturedContains(relay.captured, 'demo-secret'), 0);
//   await relay.close();
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { logging, packet, server as wisp } from '@mercuryworkshop/wisp-js/server';
import { WebSocketServer } from 'ws';

/**
 * @typedef {{dir: 'up'|'down', bytes: Uint8Array, stream: number, dest: string}} CapturedChunk
 *   `up` = client → destination, `down` = destination → client; `stream` numbers
 *   the relay's destination sockets (one per TCP connection), `dest` is `host:port`.
 */

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pairKey = (host, port) => `${host}\u0000${port}`;

// wisp-js keeps its filter options in one module-global object. Every live
// relay's allow-list is merged into it (the coarse wisp-js filter: exact host
// names and the ports, loopback allowed, private ranges and UDP refused); the
// exact host:port pairing is checked per relay in PairCheckedConnection.
const liveWispRelays = new Set();
let streamSerial = 0;

function applyWispOptions() {
  const hosts = new Set();
  const ports = new Set();
  for (const r of liveWispRelays) for (const a of r.allow) hosts.add(a.host), ports.add(a.port);
  Object.assign(wisp.options, {
    // An empty list refuses everything (null would allow everything).
    hostname_whitelist: [...hosts].map((h) => new RegExp(`^${escapeRe(h)}$`)),
    hostname_blacklist: null,
    port_whitelist: [...ports],
    port_blacklist: null,
    allow_direct_ip: [...hosts].some((h) => net.isIP(h) !== 0),
    allow_loopback_ips: true, // the emulators listen on 127.0.0.1
    allow_private_ips: false,
    allow_udp_streams: false,
    allow_tcp_streams: true,
    dns_result_order: 'ipv4first', // 'localhost' must reach 127.0.0.1, where the emulators listen
    parse_real_ip: false,
    wisp_version: 2, // only for clients that ask (Sec-WebSocket-Protocol); others get v1
    wisp_motd: null,
  });
}

/** A wisp-js TCP socket class that appends every chunk it moves to `captured`. */
function recordingSocket(Base, captured) {
  return class RecordingTCPSocket extends Base {
    constructor(hostname, port) {
      super(hostname, port);
      this.captureStream = ++streamSerial;
      this.captureDest = `${hostname}:${port}`;
    }
    async send(data) {
      captured.push({ dir: 'up', bytes: Uint8Array.from(data), stream: this.captureStream, dest: this.captureDest });
      return super.send(data);
    }
    async recv() {
      const data = await super.recv();
      if (data != null) captured.push({ dir: 'down', bytes: Uint8Array.from(data), stream: this.captureStream, dest: this.captureDest });
      return data;
    }
  };
}

/**
 * wisp-js's own ServerConnection (handshake, flow control, streams), with one
 * check added in front of its filter: the CONNECT must name exactly an allowed
 * host:port pair (as spelled in the allow-list; no case folding, no resolving),
 * else the stream is closed with 0x48 "destination blocked".
 */
class PairCheckedConnection extends wisp.ServerConnection {
  constructor(ws, opts, relay) {
    super(ws, '/', opts);
    this.relay = relay;
    if (relay.captured) this.TCPSocket = recordingSocket(this.TCPSocket, relay.captured);
  }

  create_stream(streamId, type, hostname, port) {
    const tcp = type === packet.stream_types.TCP;
    if (tcp && this.relay.pairs.has(pairKey(hostname, port))) return super.create_stream(streamId, type, hostname, port);
    this.relay.refused.push({ host: hostname, port, type: tcp ? 'tcp' : 'udp' });
    const close = new packet.WispPacket({
      type: packet.ClosePayload.type,
      stream_id: streamId,
      payload: new packet.ClosePayload({ reason: packet.close_reasons.HostBlocked }),
    });
    this.ws.send(close).catch(() => {});
    return undefined;
  }
}

function listenHttp(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/**
 * Starts the wisp-js 0.5.0 Wisp server on ws://127.0.0.1:<free port>/.
 *
 * Destinations: only the exact `{host, port}` pairs in `allow` (a CONNECT to any
 * other host, port, or pairing of an allowed host with another allowed port is
 * closed with reason 0x48). wisp-js's own filter is also set: `hostname_whitelist`
 * (exact-match RegExps), `port_whitelist`, `allow_loopback_ips: true`,
 * `allow_private_ips: false`, UDP off. wisp-js options are process-global: they
 * hold the union of all live relays' lists, so only run one wisp-js server per
 * process (this one). Clients that send a Sec-WebSocket-Protocol header get Wisp
 * v2 (no extensions: no UDP, no auth), all others Wisp v1. Only the path `/` is
 * accepted (wisp-js's wsproxy mode, `/host:port`, is refused).
 *
 * @param {object} opts
 * @param {Array<{host: string, port: number}>} opts.allow  destinations; connect to them by exactly this name
 * @param {boolean} [opts.capture]  record every byte moved to/from destinations in `captured`
 * @param {number} [opts.logLevel]  wisp-js logging level (default logging.ERROR: quiet)
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>,
 *   captured: CapturedChunk[] | null, refused: Array<{host: string, port: number, type: string}>}>}
 *   `url` ends with '/'; `refused` lists the CONNECTs this relay refused.
 */
/** A URL's {host, port}: the shape of a relay allow-list entry. */
export const hostPort = (url) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

export async function startWispRelay({ allow, capture = false, logLevel = logging.ERROR } = {}) {
  if (!Array.isArray(allow) || allow.length === 0) throw new Error('startWispRelay: allow must list at least one {host, port}');
  for (const a of allow) {
    if (typeof a?.host !== 'string' || !a.host || !Number.isInteger(a.port) || a.port < 1 || a.port > 65535) {
      throw new Error(`startWispRelay: bad allow entry ${JSON.stringify(a)}`);
    }
  }
  logging.set_level(logLevel);
  const relay = {
    allow: allow.map((a) => ({ host: a.host, port: a.port })),
    pairs: new Set(allow.map((a) => pairKey(a.host, a.port))),
    captured: capture ? [] : null,
    refused: [],
  };
  const sockets = new Set();
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer((req, res) => res.writeHead(404).end());
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url, 'http://x').pathname !== '/') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.binaryType = 'arraybuffer';
      const wispVersion = req.headers['sec-websocket-protocol'] ? 2 : 1;
      const conn = new PairCheckedConnection(ws, { wisp_version: wispVersion }, relay);
      conn
        .setup()
        .then(() => conn.run())
        .catch(() => ws.terminate());
    });
  });
  liveWispRelays.add(relay);
  applyWispOptions();
  let port;
  try {
    port = await listenHttp(server);
  } catch (e) {
    liveWispRelays.delete(relay);
    applyWispOptions();
    throw e;
  }
  return {
    url: `ws://127.0.0.1:${port}/`,
    port,
    captured: relay.captured,
    refused: relay.refused,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
      liveWispRelays.delete(relay);
      applyWispOptions();
    },
  };
}

/**
 * A TCP proxy on 127.0.0.1:<free port> to `host:port` that appends every chunk
 * (both ways) to `captured`. Used to capture websockify's traffic.
 * @returns {Promise<{port: number, close: () => Promise<void>}>}
 */
export async function startCaptureProxy(host, port, captured) {
  const sockets = new Set();
  const track = (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const server = net.createServer((client) => {
    track(client);
    const stream = ++streamSerial;
    const dest = `${host}:${port}`;
    const upstream = net.connect({ host, port });
    track(upstream);
    client.on('data', (d) => {
      captured.push({ dir: 'up', bytes: Uint8Array.from(d), stream, dest });
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      captured.push({ dir: 'down', bytes: Uint8Array.from(d), stream, dest });
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const p = await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
  return {
    port: p,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * How often `needle` occurs in the captured bytes of one direction of one
 * stream (chunks of the same stream and direction are joined first, so a needle
 * split across chunks counts; overlapping occurrences count).
 * @param {CapturedChunk[]} captured
 * @param {string|Uint8Array} needle  a string is searched as UTF-8
 * @param {'up'|'down'} [dir]  only this direction (default both)
 * @returns {number}
 */
export function capturedContains(captured, needle, dir) {
  const n = typeof needle === 'string' ? Buffer.from(needle, 'utf8') : Buffer.from(needle);
  if (n.length === 0) throw new Error('capturedContains: empty needle');
  const joined = new Map();
  for (const c of captured) {
    if (dir && c.dir !== dir) continue;
    const k = `${c.stream}/${c.dir}`;
    if (!joined.has(k)) joined.set(k, []);
    joined.get(k).push(c.bytes);
  }
  let count = 0;
  for (const parts of joined.values()) {
    const hay = Buffer.concat(parts);
    for (let i = hay.indexOf(n); i !== -1; i = hay.indexOf(n, i + 1)) count++;
  }
  return count;
}

const TOKEN_RE = /^[A-Za-z0-9_.-]+$/;
const HOST_RE = /^[A-Za-z0-9.-]+$/;
const WEBSOCKIFY = process.env.VL_WEBSOCKIFY || '/usr/bin/websockify';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Kills the process group of a child we spawned detached (websockify forks per connection). */
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Starts Debian's websockify (0.10) on ws://127.0.0.1:<free port>/ with
 * `--token-plugin TokenFile --token-source <tmpfile>`: the client picks a
 * destination only by token (`?token=...`), so the target set is closed.
 * An unknown token closes the WebSocket. One WebSocket = one TCP connection.
 *
 * @param {object} opts
 * @param {Record<string, string>} opts.targets  token → 'host:port'
 * @param {boolean} [opts.capture]  put a capturing TCP proxy in front of each target
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>,
 *   tokenFor: (host: string, port: number) => string, urlFor: (host: string, port: number) => string,
 *   captured: CapturedChunk[] | null}>}
 *   `tokenFor` throws for a destination not in `targets`; `urlFor` = `${url}?token=<token>`.
 */
export async function startWebsockify({ targets, capture = false } = {}) {
  const entries = Object.entries(targets ?? {});
  if (entries.length === 0) throw new Error('startWebsockify: targets must map at least one token to host:port');
  const byDest = new Map();
  for (const [token, target] of entries) {
    const m = /^(.+):(\d{1,5})$/.exec(String(target));
    if (!TOKEN_RE.test(token) || !m || !HOST_RE.test(m[1]) || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new Error(`startWebsockify: bad target ${JSON.stringify(token)}: ${JSON.stringify(target)}`);
    }
    byDest.set(pairKey(m[1], Number(m[2])), token);
  }
  const captured = capture ? [] : null;
  const proxies = [];
  const dir = await mkdtemp(join(tmpdir(), 'vl-websockify-'));
  const cleanup = async () => {
    await Promise.allSettled(proxies.map((p) => p.close()));
    await rm(dir, { recursive: true, force: true });
  };
  let child;
  let port;
  try {
    const lines = [];
    for (const [token, target] of entries) {
      if (!capture) {
        lines.push(`${token}: ${target}`);
        continue;
      }
      const i = target.lastIndexOf(':');
      const proxy = await startCaptureProxy(target.slice(0, i), Number(target.slice(i + 1)), captured);
      proxies.push(proxy);
      lines.push(`${token}: 127.0.0.1:${proxy.port}`);
    }
    const tokenFile = join(dir, 'tokens');
    await writeFile(tokenFile, lines.join('\n') + '\n', { mode: 0o600 });

    for (let attempt = 0; attempt < 3 && !child; attempt++) {
      port = await freePort();
      const c = spawn(WEBSOCKIFY, ['--token-plugin', 'TokenFile', '--token-source', tokenFile, `127.0.0.1:${port}`], {
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      c.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
      let exited = false;
      c.once('exit', () => (exited = true));
      c.once('error', (e) => {
        exited = true;
        stderr += String(e);
      });
      const deadline = Date.now() + 10_000;
      while (!exited && Date.now() < deadline && !(await canConnect(port))) await new Promise((r) => setTimeout(r, 50));
      if (!exited && (await canConnect(port))) child = c;
      else {
        killGroup(c, 'SIGKILL');
        if (attempt === 2) throw new Error(`startWebsockify: websockify did not listen on 127.0.0.1:${port}: ${stderr.trim()}`);
      }
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  const url = `ws://127.0.0.1:${port}/`;
  const tokenFor = (host, p) => {
    const t = byDest.get(pairKey(host, p));
    if (!t) throw new Error(`startWebsockify: no token for ${host}:${p}`);
    return t;
  };
  return {
    url,
    port,
    captured,
    tokenFor,
    urlFor: (host, p) => `${url}?token=${encodeURIComponent(tokenFor(host, p))}`,
    async close() {
      const exited = new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
      killGroup(child, 'SIGKILL'); // forked per-connection handlers, if any are left
      await cleanup();
    },
  };
}
