// The relay clients (web/src/transports/relay.js) against relays that break
// the protocol. Wisp: a scripted `ws` server on loopback sends malformed
// packets, before and after the handshake, then seeded random ones; each
// malformed packet ends the session with RelayError 'relay_protocol' naming
// what was wrong and the relay (never a payload byte). websockify: a text
// message, and the close codes a relay answers with. The process never sees
// an uncaught exception.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import { wispRelay, websockifyRelay, RelayError } from '../../web/src/transports/relay.js';

const CONTINUE = 3;
const CLOSE = 4;
const DATA = 2;

/** A Wisp packet: type, stream id (u32 LE), payload. */
function packet(type, id, payload = []) {
  const b = Buffer.alloc(5 + payload.length);
  b[0] = type;
  b.writeUInt32LE(id >>> 0, 1);
  Buffer.from(payload).copy(b, 5);
  return b;
}
const handshake = () => packet(CONTINUE, 0, [0x80, 0, 0, 0]); // 128 buffers

const uncaught = [];
const onUncaught = (e) => uncaught.push(e);
process.on('uncaughtException', onUncaught);

// One server; each connection runs the script set for the next one.
let script = () => {};
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise((r) => server.on('listening', r));
server.on('connection', (ws) => script(ws));
const url = `ws://127.0.0.1:${server.address().port}/wisp/`;
after(async () => {
  process.off('uncaughtException', onUncaught);
  for (const c of server.clients) c.terminate();
  await new Promise((r) => server.close(r));
});

/** Opens a stream through a relay whose server runs `fn(ws, connectPacket)`. */
function relayWith(fn) {
  script = (ws) => {
    ws.on('message', (data) => {
      if (data[0] === 1) fn.onConnect?.(ws, data.readUInt32LE(1));
    });
    fn(ws);
  };
  return wispRelay(url, { WebSocket, connectTimeoutMs: 2000 });
}

const isProtocolError = (what) => (e) => {
  assert.ok(e instanceof RelayError, `a RelayError, got ${e}`);
  assert.equal(e.code, 'relay_protocol');
  assert.match(e.message, what);
  assert.match(e.message, /127\.0\.0\.1:\d+\/wisp\//, 'names the relay');
  return true;
};

test('before the handshake: each malformed packet rejects open() as relay_protocol, named', async () => {
  const cases = [
    [(ws) => ws.send('hello'), /a text message \(Wisp is binary only\)/],
    [(ws) => ws.send(Buffer.from([3, 0, 0])), /a 3-byte message, shorter than a packet header/],
    [(ws) => ws.send(packet(CONTINUE, 0, [1, 0])), /a CONTINUE for stream 0 without its buffer count/],
    [(ws) => ws.send(packet(CLOSE, 0)), /a CLOSE for stream 0 without its reason/],
    [(ws) => ws.send(packet(DATA, 7, [1, 2, 3])), /a packet of type 2 for stream 7 before the handshake/],
  ];
  for (const [send, what] of cases) {
    const relay = relayWith(send);
    await assert.rejects(relay.open('127.0.0.1', 9), isProtocolError(what));
    relay.close();
  }
});

test('a CLOSE on stream 0 instead of the handshake: relay_refused with the reason named', async () => {
  const relay = relayWith((ws) => ws.send(packet(CLOSE, 0, [0x48])));
  await assert.rejects(relay.open('127.0.0.1', 9), (e) => e instanceof RelayError && e.code === 'relay_refused' && /refused the Wisp session: .*0x48/.test(e.message));
  relay.close();
});

/** A stream opened through a relay that, once the client's CONNECT arrives, sends `after`. */
async function streamThenSend(after) {
  const fn = (ws) => ws.send(handshake());
  fn.onConnect = (ws, id) => setTimeout(() => after(ws, id), 5);
  const relay = relayWith(fn);
  const stream = await relay.open('127.0.0.1', 9);
  const got = [];
  const closed = new Promise((resolve) => {
    stream.onclose = resolve;
  });
  stream.ondata = (b) => got.push(Buffer.from(b));
  return { relay, stream, got, closed };
}

test('after the handshake: a malformed packet closes the open stream, naming the error', async () => {
  const cases = [
    [(ws) => ws.send('text'), /text message/],
    [(ws) => ws.send(Buffer.from([2, 1])), /a 2-byte message/],
    [(ws, id) => ws.send(packet(CONTINUE, id, [5])), new RegExp(`a CONTINUE for stream \\d+ without its buffer count`)],
    [(ws, id) => ws.send(packet(CLOSE, id)), /a CLOSE for stream \d+ without its reason/],
  ];
  for (const [send, what] of cases) {
    const { relay, stream, closed } = await streamThenSend(send);
    const info = await closed;
    assert.equal(info.clean, false);
    assert.match(info.reason, /^relay protocol error: /);
    assert.match(info.reason, what);
    assert.equal(stream.closed, true);
    assert.throws(() => stream.send(new Uint8Array([1])), (e) => e instanceof RelayError && e.code === 'relay_closed');
    relay.close();
  }
});

test('after the handshake: DATA for the stream arrives; packets for unknown streams and unknown types are ignored', async () => {
  const { relay, stream, got, closed } = await streamThenSend((ws, id) => {
    ws.send(packet(DATA, id + 1000, [9, 9])); // a stream we never opened
    ws.send(packet(0x7e, id, [1, 2, 3])); // a type Wisp v1 does not define
    ws.send(packet(DATA, id, [1, 2, 3]));
    ws.send(packet(CLOSE, id, [0x02]));
  });
  const info = await closed;
  assert.deepEqual(Buffer.concat(got), Buffer.from([1, 2, 3]));
  assert.equal(info.clean, true);
  assert.equal(stream.closed, true);
  relay.close();
});

test('seeded random packets after the handshake: the stream survives or closes with a named reason; nothing escapes', async () => {
  let seed = 0x2545f491;
  const rand = (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const SECRETISH = Buffer.from('payload-MARKER-7f3a');
  for (let round = 0; round < 60; round++) {
    const frames = [];
    const { relay, stream, closed } = await streamThenSend((ws, id) => {
      for (let i = 0; i < 8; i++) {
        const kind = rand(4);
        if (kind === 0) frames.push(Buffer.from(Array.from({ length: rand(12) }, () => rand(256))));
        else {
          const type = [DATA, CONTINUE, CLOSE, rand(256)][rand(4)];
          const sid = [0, id, rand(2 ** 32)][rand(3)];
          const body = Buffer.concat([SECRETISH.subarray(0, rand(SECRETISH.length + 1)), Buffer.from(Array.from({ length: rand(6) }, () => rand(256)))]);
          frames.push(packet(type, sid, body));
        }
      }
      for (const f of frames) ws.send(f);
      // A last well-formed close, so a stream that survived everything ends.
      ws.send(packet(CLOSE, id, [0x02]));
    });
    const info = await Promise.race([closed, new Promise((r) => setTimeout(() => r(null), 2000))]);
    assert.ok(info, `round ${round}: the stream neither closed nor was closed`);
    assert.equal(typeof info.reason, 'string');
    assert.ok(!info.reason.includes('MARKER'), `round ${round}: a payload byte in the close reason: ${info.reason}`);
    assert.ok(stream.closed);
    relay.close();
  }
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(uncaught, []);
});

// ---------------------------------------------------------------------------
// websockify: raw bytes both ways, so only the message kind and the close can be wrong.

/** A websockify-like server (subprotocol "binary") running `fn(ws)` for each socket. */
async function websockifyLike(fn) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('binary') ? 'binary' : false) });
  await new Promise((r) => wss.on('listening', r));
  wss.on('connection', (ws) => fn(ws));
  return {
    relay: websockifyRelay(`ws://127.0.0.1:${wss.address().port}/`, { WebSocket, tokenFor: () => 't1', connectTimeoutMs: 2000 }),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

async function websockifyClose(fn) {
  const srv = await websockifyLike(fn);
  try {
    const stream = await srv.relay.open('127.0.0.1', 9);
    const got = [];
    stream.ondata = (b) => got.push(Buffer.from(b));
    const info = await new Promise((resolve) => {
      stream.onclose = resolve;
    });
    return { info, got: Buffer.concat(got), stream };
  } finally {
    srv.relay.close();
    await srv.close();
  }
}

test('websockify: a text message closes the stream as a protocol error, after the bytes before it', async () => {
  const { info, got, stream } = await websockifyClose((ws) => {
    ws.send(Buffer.from([1, 2]));
    ws.send('payload-MARKER as text');
  });
  assert.deepEqual(got, Buffer.from([1, 2]));
  assert.equal(info.clean, false);
  assert.equal(info.reason, 'relay protocol error: a text message (websockify relays binary only)');
  assert.equal(stream.closed, true);
});

test("websockify: the relay's close codes are named, its reason text reduced to printable ASCII", async () => {
  const cases = [
    [1000, '', true, /^the target closed the connection$/],
    [1011, 'connect failed', false, /could not connect to the target \(1011: connect failed\)/],
    [1008, 'bad token', false, /refused the target \(unknown token\?\) \(1008: bad token\)/],
    [4000, 'odd\u0007\u00e9', false, /^the relay closed the connection \(4000: odd\?\?+\)$/],
  ];
  for (const [code, reason, clean, what] of cases) {
    const { info } = await websockifyClose((ws) => setTimeout(() => ws.close(code, reason), 5));
    assert.equal(info.code, code);
    assert.equal(info.clean, clean);
    assert.match(info.reason, what);
  }
  assert.deepEqual(uncaught, []);
});
