// The byte-relay clients (web/src/transports/relay.js) against real relays on
// loopback: the wisp-js 0.5.0 server in-process, and Debian's websockify as a
// child process, both in front of plain TCP destinations.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { server as wisp, logging } from '@mercuryworkshop/wisp-js/server';
import { wispRelay, websockifyRelay, RelayError, wispReasonName } from '../../web/src/transports/relay.js';

// ---------------------------------------------------------------------------
// Destinations and helpers

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/** Tracks every socket of a server so after() can end them all. */
function track(server) {
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(() => r()));
  });
  return sockets;
}

/** Echo server; `eofs` resolves a waiter each time a client half-closes. */
const eofWaiters = [];
let eofCount = 0;
function echoServer() {
  const server = net.createServer((c) => {
    c.on('error', () => {});
    c.on('end', () => {
      eofCount++;
      eofWaiters.splice(0).forEach((w) => w());
    });
    c.pipe(c);
  });
  track(server);
  return listen(server);
}
function nextEof(since) {
  if (eofCount > since) return Promise.resolve();
  return new Promise((r) => eofWaiters.push(r));
}

const SENT_BY_SENDER = 200 * 1024;
const senderPattern = randomBytes(SENT_BY_SENDER);
/** Sends SENT_BY_SENDER fixed bytes, then closes. */
function senderServer() {
  const server = net.createServer((c) => {
    c.on('error', () => {});
    c.end(senderPattern);
  });
  track(server);
  return listen(server);
}

/** A port nothing listens on. */
async function closedPort() {
  const s = net.createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

/** A TCP server that accepts and never answers: a WebSocket handshake to it hangs. */
async function blackHole() {
  const server = net.createServer((c) => c.on('error', () => {}));
  track(server);
  return listen(server);
}

/** Resolves with `n` bytes from the stream (fails if it closes first). */
function receive(stream, n) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let got = 0;
    stream.ondata = (b) => {
      parts.push(b.slice());
      got += b.length;
      if (got >= n) resolve(Buffer.concat(parts));
    };
    stream.onclose = (info) => {
      if (got < n) reject(new Error(`stream closed after ${got} of ${n} bytes: ${info.reason}`));
    };
  });
}
/** Resolves with {bytes, info} once the stream closes. */
function drain(stream) {
  return new Promise((resolve) => {
    const parts = [];
    stream.ondata = (b) => parts.push(b.slice());
    stream.onclose = (info) => resolve({ bytes: Buffer.concat(parts), info });
  });
}
function closeInfo(stream) {
  return new Promise((resolve) => {
    stream.onclose = resolve;
  });
}
/** A `ws` WebSocket whose 'error' events carry no detail, as in a browser. */
class BrowserLikeWebSocket extends WebSocket {
  set onerror(fn) {
    super.onerror = () => fn({ type: 'error' });
  }
  get onerror() {
    return super.onerror;
  }
}
const tick = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A `ws` WebSocket that watches the Wisp packets going by: it keeps its own count
 * of each stream's buffer credit (initial CONTINUE, later CONTINUEs, minus each
 * DATA sent) and records any DATA sent past it, anything sent before the handshake,
 * and every packet type seen per direction.
 */
function wispSpy() {
  const spy = { sockets: 0, violations: [], early: 0, sentDataPerStream: new Map(), continues: 0, closesSent: [], maxOutstanding: 0, connects: [] };
  spy.WebSocket = class extends WebSocket {
    constructor(...args) {
      super(...args);
      spy.sockets++;
      let initial = null;
      const credit = new Map();
      const outstanding = new Map();
      this.addEventListener('message', (ev) => {
        const b = new Uint8Array(ev.data);
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (b[0] !== 3) return;
        const id = dv.getUint32(1, true);
        const n = dv.getUint32(5, true);
        if (id === 0) initial = n;
        else {
          credit.set(id, n);
          outstanding.set(id, 0);
          spy.continues++;
        }
      });
      this.send = (data) => {
        const b = data;
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        const id = dv.getUint32(1, true);
        if (initial === null) spy.early++;
        if (b[0] === 1) {
          credit.set(id, initial);
          outstanding.set(id, 0);
          spy.connects.push({ id, type: b[5], port: dv.getUint16(6, true), host: new TextDecoder().decode(b.subarray(8)) });
        } else if (b[0] === 2) {
          const left = credit.get(id) - 1;
          credit.set(id, left);
          if (left < 0) spy.violations.push(id);
          outstanding.set(id, outstanding.get(id) + 1);
          spy.maxOutstanding = Math.max(spy.maxOutstanding, outstanding.get(id));
          spy.sentDataPerStream.set(id, (spy.sentDataPerStream.get(id) ?? 0) + 1);
        } else if (b[0] === 4) spy.closesSent.push({ id, reason: b[5] });
        return WebSocket.prototype.send.call(this, data);
      };
    }
  };
  return spy;
}

// ---------------------------------------------------------------------------
// Wisp: the real wisp-js server

describe('wisp relay (wisp-js 0.5.0 server)', { timeout: 20_000 }, () => {
  let wispUrl;
  let echoPort;
  let senderPort;
  let refusedPort; // whitelisted, nothing listens
  let blockedPort; // listening echo server that is not whitelisted
  let upgradeSockets;

  before(async () => {
    logging.set_level(logging.NONE);
    echoPort = await echoServer();
    senderPort = await senderServer();
    blockedPort = await echoServer();
    refusedPort = await closedPort();
    Object.assign(wisp.options, {
      allow_loopback_ips: true,
      allow_private_ips: false,
      port_whitelist: [echoPort, senderPort, refusedPort],
    });
    const server = http.createServer((req, res) => res.end('wisp test relay'));
    upgradeSockets = new Set();
    server.on('upgrade', (req, socket, head) => {
      upgradeSockets.add(socket);
      socket.on('close', () => upgradeSockets.delete(socket));
      wisp.routeRequest(req, socket, head);
    });
    track(server);
    wispUrl = `ws://127.0.0.1:${await listen(server)}/wisp/`;
  });

  test('echo round trip; the handshake comes first and CONNECT is v1 TCP with an LE port', async () => {
    const spy = wispSpy();
    const relay = wispRelay(wispUrl, { WebSocket: spy.WebSocket });
    assert.equal(relay.protocol, 'wisp');
    const s = await relay.open('127.0.0.1', echoPort);
    const got = receive(s, 11);
    s.send(new TextEncoder().encode('hello relay'));
    assert.equal((await got).toString(), 'hello relay');
    assert.equal(spy.early, 0, 'nothing is sent before the initial CONTINUE');
    assert.deepEqual(spy.connects, [{ id: 1, type: 1, port: echoPort, host: '127.0.0.1' }]);
    relay.close();
    assert.equal(s.closed, true);
  });

  test('bytes passed to send() are copied: reusing the buffer does not change what was sent', async () => {
    const relay = wispRelay(wispUrl, { WebSocket });
    const s = await relay.open('127.0.0.1', echoPort);
    const got = receive(s, 8);
    const buf = new Uint8Array([1, 2, 3, 4]);
    s.send(buf);
    buf.fill(9);
    s.send(buf);
    assert.deepEqual([...(await got)], [1, 2, 3, 4, 9, 9, 9, 9]);
    relay.close();
  });

  test('3 streams multiplexed concurrently on one WebSocket keep their data apart', async () => {
    const spy = wispSpy();
    const relay = wispRelay(wispUrl, { WebSocket: spy.WebSocket });
    const streams = await Promise.all([1, 2, 3].map(() => relay.open('127.0.0.1', echoPort)));
    const payloads = streams.map(() => randomBytes(50_000));
    const results = streams.map((s, i) => receive(s, payloads[i].length));
    for (let off = 0; off < 50_000; off += 5000) {
      streams.forEach((s, i) => s.send(payloads[i].subarray(off, off + 5000)));
    }
    const got = await Promise.all(results);
    got.forEach((g, i) => assert.ok(g.equals(payloads[i]), `stream ${i + 1} got its own bytes`));
    assert.equal(spy.sockets, 1);
    assert.deepEqual(new Set(spy.connects.map((c) => c.id)).size, 3, 'distinct stream ids');
    relay.close();
  });

  test('> 300 DATA packets on one stream: CONTINUE flow control is honoured', async () => {
    const spy = wispSpy();
    const relay = wispRelay(wispUrl, { WebSocket: spy.WebSocket });
    const s = await relay.open('127.0.0.1', echoPort);
    const chunks = Array.from({ length: 400 }, () => randomBytes(700));
    const all = Buffer.concat(chunks);
    const got = receive(s, all.length);
    for (const c of chunks) s.send(c);
    assert.ok((await got).equals(all), 'all 400 packets echoed in order');
    const sent = spy.sentDataPerStream.get(1);
    assert.equal(sent, 400);
    assert.deepEqual(spy.violations, [], 'never more DATA outstanding than the server allowed');
    assert.ok(spy.continues >= 3, `the server sent ${spy.continues} CONTINUEs`);
    assert.ok(spy.maxOutstanding <= 128, `at most 128 packets between CONTINUEs (saw ${spy.maxOutstanding})`);
    relay.close();
  });

  test('5 MB both ways intact', async () => {
    const spy = wispSpy();
    const relay = wispRelay(wispUrl, { WebSocket: spy.WebSocket });
    const s = await relay.open('127.0.0.1', echoPort);
    const big = randomBytes(5 * 1024 * 1024);
    const got = receive(s, big.length);
    s.send(big);
    assert.ok((await got).equals(big));
    assert.equal(spy.sentDataPerStream.get(1), 80, 'split into 64 KiB DATA packets');
    assert.deepEqual(spy.violations, []);
    relay.close();
  });

  test('the destination closing: all its bytes arrive, buffered until ondata is set, then a voluntary close', async () => {
    const relay = wispRelay(wispUrl, { WebSocket });
    const s = await relay.open('127.0.0.1', senderPort);
    await tick(150); // the sender has written everything and closed before we listen
    const { bytes, info } = await drain(s);
    assert.ok(bytes.equals(senderPattern));
    assert.deepEqual(info, { reason: 'voluntary close (0x02)', code: 0x02, clean: true });
    assert.equal(s.closed, true);
    assert.throws(() => s.send(new Uint8Array(1)), (e) => e instanceof RelayError && e.code === 'relay_closed');
    relay.close();
  });

  test('a port that is not whitelisted: onclose names the block (0x48)', async () => {
    const relay = wispRelay(wispUrl, { WebSocket });
    const s = await relay.open('127.0.0.1', blockedPort);
    s.send(new Uint8Array([1, 2, 3])); // DATA before the stream's fate is known is allowed
    const info = await closeInfo(s);
    assert.deepEqual(info, { reason: 'destination blocked by the relay (0x48)', code: 0x48, clean: false });
    // the relay connection itself stays usable
    const e = await relay.open('127.0.0.1', echoPort);
    const got = receive(e, 2);
    e.send(new Uint8Array([7, 8]));
    assert.deepEqual([...(await got)], [7, 8]);
    relay.close();
  });

  test('a whitelisted port where nothing listens: onclose names the failure', async () => {
    const relay = wispRelay(wispUrl, { WebSocket });
    const s = await relay.open('127.0.0.1', refusedPort);
    const info = await closeInfo(s);
    // wisp-js 0.5.0 reports every failed TCP connect as 0x03 (network error), not 0x44
    assert.ok(info.code === 0x03 || info.code === 0x44, `code ${info.code}`);
    assert.equal(info.reason, wispReasonName(info.code));
    assert.match(info.reason, /^(network error \(0x03\)|connection refused \(0x44\))$/);
    assert.equal(info.clean, false);
    relay.close();
  });

  test('a relay URL nothing listens on: RelayError relay_unreachable', async () => {
    const port = await closedPort();
    const relay = wispRelay(`ws://127.0.0.1:${port}/`, { WebSocket });
    await assert.rejects(relay.open('127.0.0.1', echoPort), (e) => {
      assert.ok(e instanceof RelayError);
      assert.equal(e.code, 'relay_unreachable');
      assert.match(e.detail, new RegExp(`127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });

  test('no error detail (browser): a relay URL nothing listens on is still relay_unreachable', async () => {
    const port = await closedPort();
    const relay = wispRelay(`ws://127.0.0.1:${port}/`, { WebSocket: BrowserLikeWebSocket });
    await assert.rejects(relay.open('127.0.0.1', echoPort), (e) => e instanceof RelayError && e.code === 'relay_unreachable');
  });

  test('a relay that never completes the WebSocket handshake: RelayError timeout', async () => {
    const port = await blackHole();
    const relay = wispRelay(`ws://127.0.0.1:${port}/`, { WebSocket, connectTimeoutMs: 300 });
    const t0 = Date.now();
    await assert.rejects(relay.open('127.0.0.1', echoPort), (e) => e instanceof RelayError && e.code === 'timeout');
    assert.ok(Date.now() - t0 < 2000);
  });

  test('the relay dropping the WebSocket closes every stream with "relay connection lost"; open() reconnects', async () => {
    const spy = wispSpy();
    const relay = wispRelay(wispUrl, { WebSocket: spy.WebSocket });
    const earlier = new Set(upgradeSockets); // other tests' sockets may still be closing
    const streams = await Promise.all([1, 2, 3].map(() => relay.open('127.0.0.1', echoPort)));
    const infos = Promise.all(streams.map(closeInfo));
    const ours = [...upgradeSockets].filter((sock) => !earlier.has(sock));
    assert.equal(ours.length, 1, 'one WebSocket for three streams');
    ours[0].destroy();
    for (const info of await infos) assert.deepEqual(info, { reason: 'relay connection lost', clean: false });
    assert.ok(streams.every((s) => s.closed));
    const again = await relay.open('127.0.0.1', echoPort);
    assert.equal(spy.sockets, 2, 'a new WebSocket for the next open()');
    const got = receive(again, 3);
    again.send(new Uint8Array([4, 5, 6]));
    assert.deepEqual([...(await got)], [4, 5, 6]);
    relay.close();
  });

  test('stream.close() sends CLOSE 0x02 and the destination sees EOF; other streams carry on', async () => {
    const spy = wispSpy();
    const relay = wispRelay(wispUrl, { WebSocket: spy.WebSocket });
    const a = await relay.open('127.0.0.1', echoPort);
    const b = await relay.open('127.0.0.1', echoPort);
    const got = receive(a, 4);
    a.send(new Uint8Array([1, 2, 3, 4]));
    await got; // the destination has the connection
    const since = eofCount;
    const info = closeInfo(a);
    a.close();
    a.close(); // idempotent
    assert.deepEqual(await info, { reason: 'closed by the client', clean: true });
    await nextEof(since);
    assert.deepEqual(spy.closesSent, [{ id: 1, reason: 0x02 }]);
    const gotB = receive(b, 2);
    b.send(new Uint8Array([5, 6]));
    assert.deepEqual([...(await gotB)], [5, 6]);
    relay.close();
  });

  test('relay.close() closes every stream; open() afterwards rejects relay_closed', async () => {
    const relay = wispRelay(wispUrl, { WebSocket });
    const s = await relay.open('127.0.0.1', echoPort);
    const info = closeInfo(s);
    relay.close();
    assert.deepEqual(await info, { reason: 'relay closed by the client', clean: true });
    await assert.rejects(relay.open('127.0.0.1', echoPort), (e) => e.code === 'relay_closed');
  });

  test('offering a subprotocol makes wisp-js speak v2: the client answers INFO and still works', async () => {
    const relay = wispRelay(wispUrl, { WebSocket, protocols: ['wisp-v2'] });
    const s = await relay.open('127.0.0.1', echoPort);
    const got = receive(s, 5);
    s.send(new TextEncoder().encode('v2 ok'));
    assert.equal((await got).toString(), 'v2 ok');
    relay.close();
  });

  test('argument checks', () => {
    assert.throws(() => wispRelay('ws://127.0.0.1:1/wisp', { WebSocket }), TypeError);
    assert.throws(() => wispRelay('ws://127.0.0.1:1/', { WebSocket: undefined }), TypeError);
    const relay = wispRelay('ws://127.0.0.1:1/', { WebSocket });
    return Promise.all([
      assert.rejects(relay.open('', 443), TypeError),
      assert.rejects(relay.open('a b', 443), TypeError),
      assert.rejects(relay.open('x'.repeat(256), 443), TypeError),
      assert.rejects(relay.open('example.com', 0), TypeError),
      assert.rejects(relay.open('example.com', 70000), TypeError),
    ]);
  });
});

// ---------------------------------------------------------------------------
// websockify: Debian's websockify as a child process

describe('websockify relay (Debian websockify)', { timeout: 20_000 }, () => {
  let url;
  let echoPort;
  let senderPort;
  let child;
  let sockets = 0;
  const counting = class extends WebSocket {
    constructor(...a) {
      super(...a);
      sockets++;
    }
  };
  const tokens = new Map();
  const tokenFor = (host, port) => tokens.get(`${host}:${port}`);

  before(async () => {
    echoPort = await echoServer();
    senderPort = await senderServer();
    const downPort = await closedPort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vl-websockify-'));
    const file = path.join(dir, 'tokens');
    fs.writeFileSync(file, `echo: 127.0.0.1:${echoPort}\nsender: 127.0.0.1:${senderPort}\ndown: 127.0.0.1:${downPort}\n`);
    tokens.set(`127.0.0.1:${echoPort}`, 'echo');
    tokens.set(`127.0.0.1:${senderPort}`, 'sender');
    tokens.set(`127.0.0.1:${downPort}`, 'down');
    tokens.set('unknown.example:443', 'no-such-token');
    const port = await closedPort();
    child = spawn('websockify', ['--token-plugin', 'TokenFile', '--token-source', file, `127.0.0.1:${port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let spawnError = null;
    child.on('error', (e) => (spawnError = e)); // e.g. ENOENT: the Debian package is missing
    child.stderr.on('data', (d) => (stderr += d));
    cleanups.push(async () => {
      if (child.exitCode === null && !spawnError) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const up = await new Promise((r) => {
        const c = net.connect(port, '127.0.0.1', () => {
          c.destroy();
          r(true);
        });
        c.on('error', () => r(false));
      });
      if (up) break;
      if (spawnError || child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`websockify did not start (apt-get install websockify): ${spawnError?.message ?? stderr}`);
      }
      await tick(50);
    }
    url = `ws://127.0.0.1:${port}/`;
  });

  test('echo round trip through a token', async () => {
    const relay = websockifyRelay(url, { tokenFor, WebSocket });
    assert.equal(relay.protocol, 'websockify');
    const s = await relay.open('127.0.0.1', echoPort);
    const got = receive(s, 14);
    s.send(new TextEncoder().encode('hello websocky'));
    assert.equal((await got).toString(), 'hello websocky');
    relay.close();
  });

  test('no token for the target: refused without opening a WebSocket', async () => {
    const before = sockets;
    const relay = websockifyRelay(url, { tokenFor, WebSocket: counting });
    await assert.rejects(relay.open('127.0.0.1', 9), (e) => {
      assert.ok(e instanceof RelayError);
      assert.equal(e.code, 'relay_refused');
      assert.equal(e.detail, 'no relay token for 127.0.0.1:9');
      return true;
    });
    assert.equal(sockets, before);
  });

  test('a token the relay does not know: a named refusal, and the token is not in the message', async () => {
    const relay = websockifyRelay(url, { tokenFor, WebSocket });
    await assert.rejects(relay.open('unknown.example', 443), (e) => {
      assert.ok(e instanceof RelayError);
      assert.equal(e.code, 'relay_refused');
      assert.match(e.detail, /the relay refused the target \(unknown token\?\)/);
      assert.doesNotMatch(e.message, /no-such-token/);
      return true;
    });
  });

  test('no error detail (browser): an unknown token is unreachable-or-refused first, refused once the relay was reached', async () => {
    const relay = websockifyRelay(url, { tokenFor, WebSocket: BrowserLikeWebSocket });
    await assert.rejects(relay.open('unknown.example', 443), (e) => {
      assert.equal(e.code, 'relay_unreachable');
      assert.match(e.detail, /or it refused the target \(unknown token\?\)/);
      return true;
    });
    const s = await relay.open('127.0.0.1', echoPort);
    s.close();
    await assert.rejects(relay.open('unknown.example', 443), (e) => {
      assert.equal(e.code, 'relay_refused');
      assert.match(e.detail, /^the relay refused the target \(unknown token\?\)/);
      return true;
    });
    relay.close();
  });

  test('a token whose target is down: open() resolves, onclose says the relay could not connect', async () => {
    const relay = websockifyRelay(url, { tokenFor, WebSocket });
    const port = [...tokens].find(([, t]) => t === 'down')[0].split(':')[1];
    const s = await relay.open('127.0.0.1', Number(port));
    const info = await closeInfo(s);
    assert.equal(info.code, 1011);
    assert.match(info.reason, /^the relay could not connect to the target/);
    assert.equal(info.clean, false);
  });

  test('1 MB intact both ways', async () => {
    const relay = websockifyRelay(url, { tokenFor, WebSocket });
    const s = await relay.open('127.0.0.1', echoPort);
    const big = randomBytes(1024 * 1024);
    const got = receive(s, big.length);
    s.send(big);
    assert.ok((await got).equals(big));
    relay.close();
  });

  test('close from the client: the destination sees EOF', async () => {
    const relay = websockifyRelay(url, { tokenFor, WebSocket });
    const s = await relay.open('127.0.0.1', echoPort);
    const got = receive(s, 3);
    s.send(new Uint8Array([1, 2, 3]));
    await got;
    const since = eofCount;
    const info = closeInfo(s);
    s.close();
    assert.deepEqual(await info, { reason: 'closed by the client', clean: true });
    await nextEof(since);
  });

  test('close from the destination: every byte arrives, then a clean close', async () => {
    const relay = websockifyRelay(url, { tokenFor, WebSocket });
    const s = await relay.open('127.0.0.1', senderPort);
    const { bytes, info } = await drain(s);
    assert.ok(bytes.equals(senderPattern));
    assert.equal(info.clean, true);
    assert.equal(info.code, 1000);
    assert.match(info.reason, /^the target closed the connection/);
  });

  test('relay.close() closes every stream, one WebSocket each', async () => {
    const before = sockets;
    const relay = websockifyRelay(url, { tokenFor, WebSocket: counting });
    const streams = await Promise.all([1, 2].map(() => relay.open('127.0.0.1', echoPort)));
    assert.equal(sockets - before, 2);
    const infos = Promise.all(streams.map(closeInfo));
    relay.close();
    for (const info of await infos) assert.deepEqual(info, { reason: 'relay closed by the client', clean: true });
    await assert.rejects(relay.open('127.0.0.1', echoPort), (e) => e.code === 'relay_closed');
  });

  test('a relay URL nothing listens on: RelayError relay_unreachable', async () => {
    const port = await closedPort();
    const relay = websockifyRelay(`ws://127.0.0.1:${port}/`, { tokenFor, WebSocket });
    await assert.rejects(relay.open('127.0.0.1', echoPort), (e) => e instanceof RelayError && e.code === 'relay_unreachable');
  });

  test('a relay that never answers the upgrade: RelayError timeout', async () => {
    const port = await blackHole();
    const relay = websockifyRelay(`ws://127.0.0.1:${port}/`, { tokenFor, WebSocket, connectTimeoutMs: 300 });
    await assert.rejects(relay.open('127.0.0.1', echoPort), (e) => e instanceof RelayError && e.code === 'timeout');
  });
});
