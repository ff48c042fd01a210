// tests/relays.mjs: the Wisp relay refuses every destination but the exact
// allowed host:port pairs, speaks v1 unless asked for v2, and captures bytes;
// websockify maps tokens to a closed target set. Raw Wisp frames over `ws`
// (tunnel.md §2.1), TCP echo servers as destinations. Needs no wasm.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { WebSocket } from 'ws';

import { capturedContains, startWebsockify, startWispRelay } from '../relays.mjs';

const CONNECT = 1, DATA = 2, CONTINUE = 3, CLOSE = 4, INFO = 5;

function frame(type, stream, payload = new Uint8Array()) {
  const b = Buffer.alloc(5 + payload.length);
  b[0] = type;
  b.writeUInt32LE(stream, 1);
  Buffer.from(payload).copy(b, 5);
  return b;
}
function connectFrame(stream, host, port, streamType = 1) {
  const p = Buffer.alloc(3);
  p[0] = streamType;
  p.writeUInt16LE(port, 1);
  return frame(CONNECT, stream, Buffer.concat([p, Buffer.from(host)]));
}

/** A WebSocket whose messages are read in order with next(). */
async function openWs(url, protocols) {
  const ws = new WebSocket(url, protocols);
  const queue = [];
  const waiters = [];
  ws.on('message', (m) => {
    const b = Buffer.from(m);
    const w = waiters.shift();
    if (w) w(b);
    else queue.push(b);
  });
  ws.on('close', () => {
    for (const w of waiters.splice(0)) w(null);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.next = (ms = 3000) =>
    queue.length
      ? Promise.resolve(queue.shift())
      : new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('timed out waiting for a message')), ms);
          waiters.push((b) => {
            clearTimeout(t);
            resolve(b);
          });
        });
  return ws;
}

/** Opens a v1 Wisp connection and checks the server's initial CONTINUE. */
async function wispV1(url) {
  const ws = await openWs(url);
  const first = await ws.next();
  assert.deepEqual([...first], [CONTINUE, 0, 0, 0, 0, 128, 0, 0, 0], 'v1: first frame is CONTINUE(s=0, 128)');
  return ws;
}

async function startEcho() {
  const accepted = [];
  const server = net.createServer((s) => {
    accepted.push(s);
    s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])));
    s.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    accepted,
    close: () => new Promise((r) => {
      for (const s of accepted) s.destroy();
      server.close(r);
    }),
  };
}

describe('startWispRelay', () => {
  let a, b, relay;
  before(async () => {
    a = await startEcho();
    b = await startEcho();
    relay = await startWispRelay({ allow: [{ host: 'localhost', port: a.port }, { host: '127.0.0.1', port: b.port }], capture: true });
  });
  after(async () => {
    await relay.close();
    await a.close();
    await b.close();
  });

  test('allowed pair: bytes flow both ways and are captured', async () => {
    const ws = await wispV1(relay.url);
    ws.send(connectFrame(1, 'localhost', a.port));
    ws.send(frame(DATA, 1, Buffer.from('hello-relay')));
    let got = await ws.next();
    assert.equal(got[0], DATA);
    assert.equal(got.readUInt32LE(1), 1);
    assert.equal(got.subarray(5).toString(), 'echo:hello-relay');
    ws.close();
    assert.equal(capturedContains(relay.captured, 'hello-relay', 'up'), 1);
    assert.equal(capturedContains(relay.captured, 'echo:hello-relay', 'down'), 1);
    assert.equal(capturedContains(relay.captured, 'hello-relay'), 2);
    assert.equal(capturedContains(relay.captured, 'not-sent'), 0);
    assert.ok(relay.captured.every((c) => c.dest === `localhost:${a.port}`));
  });

  const refusedCases = [
    ['a port not in the list', () => ['localhost', 1]],
    ['a host not in the list', () => ['127.0.0.2', b.port]],
    ['another spelling of an allowed host', () => ['LOCALHOST', a.port]],
    ['an allowed host with the other allowed port', () => ['localhost', b.port]],
    ['the other allowed host with an allowed port', () => ['127.0.0.1', a.port]],
  ];
  for (const [name, dest] of refusedCases) {
    test(`refuses ${name} with CLOSE 0x48 and no TCP connection`, async () => {
      const [host, port] = dest();
      const before = a.accepted.length + b.accepted.length;
      const ws = await wispV1(relay.url);
      ws.send(connectFrame(7, host, port));
      const got = await ws.next();
      assert.deepEqual([...got], [CLOSE, 7, 0, 0, 0, 0x48]);
      assert.ok(relay.refused.some((r) => r.host === host && r.port === port));
      ws.close();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(a.accepted.length + b.accepted.length, before);
    });
  }

  test('refuses UDP streams, even to an allowed pair', async () => {
    const ws = await wispV1(relay.url);
    ws.send(connectFrame(3, 'localhost', a.port, 2));
    assert.deepEqual([...(await ws.next())], [CLOSE, 3, 0, 0, 0, 0x48]);
    ws.close();
  });

  test('a client that asks for v2 gets INFO 2.0 with no extensions', async () => {
    const ws = await openWs(relay.url, ['wisp-v2']);
    const info = await ws.next();
    assert.deepEqual([...info], [INFO, 0, 0, 0, 0, 2, 0]);
    ws.send(frame(INFO, 0, Buffer.from([2, 0])));
    assert.deepEqual([...(await ws.next())], [CONTINUE, 0, 0, 0, 0, 128, 0, 0, 0]);
    ws.close();
  });

  test('refuses wsproxy paths', async () => {
    await assert.rejects(openWs(`${relay.url}localhost:${a.port}`));
  });

  test('two relays keep their own pairs', async () => {
    const other = await startWispRelay({ allow: [{ host: '127.0.0.1', port: a.port }] });
    try {
      const ws = await wispV1(other.url);
      ws.send(connectFrame(1, 'localhost', a.port));
      assert.deepEqual([...(await ws.next())], [CLOSE, 1, 0, 0, 0, 0x48]);
      ws.send(connectFrame(2, '127.0.0.1', a.port));
      ws.send(frame(DATA, 2, Buffer.from('x')));
      assert.equal((await ws.next()).subarray(5).toString(), 'echo:x');
      ws.close();
    } finally {
      await other.close();
    }
  });

  test('rejects an empty allow-list', async () => {
    await assert.rejects(startWispRelay({ allow: [] }), /at least one/);
  });
});

const haveWebsockify = existsSync(process.env.VL_WEBSOCKIFY || '/usr/bin/websockify');
describe('startWebsockify', { skip: !haveWebsockify && 'websockify is not installed' }, () => {
  let a, ws;
  before(async () => {
    a = await startEcho();
    ws = await startWebsockify({ targets: { 'echo-a': `127.0.0.1:${a.port}` }, capture: true });
  });
  after(async () => {
    await ws?.close();
    await a?.close();
  });

  test('a known token reaches its target; bytes are captured', async () => {
    assert.equal(ws.tokenFor('127.0.0.1', a.port), 'echo-a');
    const c = await openWs(ws.urlFor('127.0.0.1', a.port), ['binary']);
    c.send(Buffer.from('via-websockify'));
    assert.equal((await c.next()).toString(), 'echo:via-websockify');
    c.close();
    assert.equal(capturedContains(ws.captured, 'via-websockify', 'up'), 1);
    assert.equal(capturedContains(ws.captured, 'echo:via-websockify', 'down'), 1);
  });

  test('an unknown token is refused without reaching any target', async () => {
    const before = a.accepted.length;
    let closed;
    try {
      const c = await openWs(`${ws.url}?token=nope`, ['binary']);
      closed = await c.next().catch(() => 'timeout');
    } catch {
      closed = null; // refused during the upgrade
    }
    assert.equal(closed, null);
    assert.equal(a.accepted.length, before);
  });

  test('tokenFor throws for a destination not in the file', () => {
    assert.throws(() => ws.tokenFor('127.0.0.1', 1), /no token/);
  });
});
