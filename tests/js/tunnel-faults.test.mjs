// The tunnel transport under faults (issue #12 §5 "Faults"): a scripted
// GCP-like provider over raw TLS (node:tls with the shared test CA's leaf),
// reached as localhost:<port> through the real wisp-js relay, misbehaves in
// one way per case. Every case asserts the token stays unresolved (never a
// partial value), the reason and a detail naming the cause (with no token in
// it), and that the connection is freed: a good request right after, on the
// same vault, resolves on a NEW server connection (the pool did not reuse the
// broken one), and the broken connection's socket was closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { createVault, tunnelTransport } from 'vaultlink';
import { sharedTestTls } from '../emulators/tls.mjs';
import { startWispRelay } from '../relays.mjs';

const TOKEN = 'ya29.fault';
const VALUE = 'fault-value-GOOD-5d1e';
const URL_T = 'https://api.example/{{vault:s}}';
const MiB = 1024 * 1024;

let ca, front, tlsServer, relay, port;
/** The current behaviour of the server for the next request / connection. */
let mode = 'good';
let serial = 0;
/** Every connection the front server accepted: {id, mode, closed, requests: [{mode}]}. */
const conns = [];
const byPort = new Map(); // the front socket's remote port → its record

const good = () => {
  const body = JSON.stringify({ payload: { data: Buffer.from(VALUE).toString('base64') } });
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
};

/** Answers one request on a TLS socket according to `m`. */
function answer(sock, m) {
  const head = (extra) => `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${extra}\r\n`;
  switch (m) {
    case 'good':
      return sock.write(good());
    case 'mid-body': // 10 of 100 bytes, then a reset (no close_notify)
      sock.write(head('Content-Length: 100\r\n') + '{"payload"');
      return setTimeout(() => sock.destroy(), 50);
    case 'short-clean': // 10 of 100 bytes, then close_notify + FIN
      sock.write(head('Content-Length: 100\r\n') + '{"payload"');
      return setTimeout(() => sock.end(), 50);
    case 'chunked-garbage':
      return sock.write(head('Transfer-Encoding: chunked\r\n') + 'zz-not-hex\r\n{"payload":{}}\r\n0\r\n\r\n');
    case 'huge-header': // a 1 MB header field (the server keeps the connection open)
      return sock.write(head(`X-Big: ${'a'.repeat(MiB)}\r\n`));
    case 'stall':
      return undefined; // never answers
    case 'big-declared': // declares 5 MiB: refused from the head
      sock.write(head(`Content-Length: ${5 * MiB}\r\n`));
      return sock.write(Buffer.alloc(64 * 1024, 0x20));
    case 'big-chunked': // streams a chunked body past 4 MiB (valid JSON prefix, then spaces)
      sock.write(head('Transfer-Encoding: chunked\r\n'));
      sock.write(`d\r\n{"payload":{ \r\n`); // 13 bytes
      {
        const chunk = Buffer.concat([Buffer.from(`${(64 * 1024).toString(16)}\r\n`), Buffer.alloc(64 * 1024, 0x20), Buffer.from('\r\n')]);
        let sent = 0;
        const more = () => {
          while (sent < 4 * MiB + 256 * 1024 && !sock.destroyed) {
            sent += 64 * 1024;
            if (!sock.write(chunk)) return sock.once('drain', more);
          }
          return undefined;
        };
        return more();
      }
    default:
      throw new Error(`unknown mode ${m}`);
  }
}

before(async () => {
  const t = await sharedTestTls();
  ca = t.ca;
  tlsServer = tls.createServer({ key: t.key, cert: t.cert }, (sock) => {
    const rec = byPort.get(sock.remotePort);
    assert.ok(rec, 'the TLS socket belongs to a front connection');
    let buf = '';
    sock.on('error', () => {});
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let i; (i = buf.indexOf('\r\n\r\n')) !== -1; ) {
        const reqHead = buf.slice(0, i);
        buf = buf.slice(i + 4);
        const r = { mode, auth: /\r\nauthorization: Bearer (.*)/i.exec(reqHead)?.[1], line: reqHead.split('\r\n')[0] };
        rec.requests.push(r);
        answer(sock, r.mode);
      }
    });
  });
  tlsServer.on('tlsClientError', () => {});
  // One port for every case: the front decides per connection whether it
  // plays a TLS server, a plain-HTTP server or a server that hangs up mid-handshake.
  front = net.createServer((sock) => {
    const rec = { id: ++serial, mode, closed: false, requests: [] };
    conns.push(rec);
    rec.sock = sock;
    sock.on('close', () => (rec.closed = true));
    sock.on('error', () => {});
    if (mode === 'handshake-kill') {
      sock.once('data', () => sock.destroy()); // the ClientHello arrived: hang up
      return;
    }
    if (mode === 'plain-http') {
      sock.once('data', () => sock.end(good())); // speaks HTTP at a TLS client
      return;
    }
    byPort.set(sock.remotePort, rec);
    tlsServer.emit('connection', sock);
  });
  await new Promise((r) => front.listen(0, '127.0.0.1', r));
  port = front.address().port;
  relay = await startWispRelay({ allow: [{ host: 'localhost', port }] });
});
after(async () => {
  await relay?.close();
  await new Promise((r) => (front ? front.close(() => r()) : r()));
});

async function gcpVault(transport) {
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport });
  await v.connect('gcp', { accessToken: TOKEN, endpoint: `https://localhost:${port}` });
  v.link('s', { provider: 'gcp', gcp: { name: 'projects/p/secrets/s' } });
  return v;
}

const waitFor = async (pred, ms, what) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/**
 * One fault: resolve under `fault` → unresolved with `reason` and a detail
 * matching `detail`; then a good resolve on the same vault works on a new
 * server connection, and a second good one reuses that (healthy) one.
 */
async function faultCase({ fault, reason = 'unreachable', detail, timeoutMs }) {
  const transport = tunnelTransport({ relay: relay.url, WebSocket, trustAnchors: ca, ...(timeoutMs ? { timeoutMs } : {}) });
  const v = await gcpVault(transport);
  try {
    // Warm: a healthy idle connection first, so the fault must not be blamed on it.
    mode = 'good';
    const warm = await v.resolve({ url: URL_T });
    assert.deepEqual(warm.unresolved, []);
    assert.equal(warm.url, `https://api.example/${VALUE}`);
    const warmConn = conns.at(-1);
    v.resetCache();
    mode = fault;
    // Connection-level faults need a new connection: the server hangs up the
    // warm one first (the pool drops it on the relay's CLOSE). The others run
    // on the warm, reused connection.
    const connFaults = fault === 'handshake-kill' || fault === 'plain-http';
    if (connFaults) await killServerSide(warmConn);
    const t0 = Date.now();
    const r = await v.resolve({ url: URL_T });
    const took = Date.now() - t0;
    assert.equal(r.url, URL_T, `${fault}: the token stays unresolved, never a partial value`);
    assert.equal(r.unresolved.length, 1, `${fault}: one unresolved token`);
    const u = r.unresolved[0];
    assert.equal(u.name, 's');
    assert.equal(u.reason, reason, `${fault}: reason (detail: ${u.detail})`);
    assert.match(u.detail, detail, `${fault}: the detail names the cause`);
    assert.ok(!u.detail.includes(TOKEN) && !u.detail.includes('ya29'), `${fault}: no token in the detail`);
    assert.ok(!u.detail.includes(VALUE), `${fault}: no value in the detail`);
    const faultConn = conns.at(-1);
    if (!connFaults) {
      // The fault ran on the warm (reused) connection: one request there in the fault's mode.
      assert.equal(faultConn, warmConn, `${fault}: the idle connection carried the next request`);
      assert.deepEqual(
        faultConn.requests.map((q) => q.mode),
        ['good', fault],
      );
      assert.equal(faultConn.requests[1].auth, TOKEN, 'the request reached the server, with its token');
    } else {
      assert.notEqual(faultConn, warmConn);
      assert.equal(faultConn.mode, fault);
    }
    // Freed: the broken connection's socket closes (the client let go of it).
    await waitFor(() => faultConn.closed, 3000, `${fault}: the broken connection to close`);

    mode = 'good';
    v.resetCache();
    const ok = await v.resolve({ url: URL_T });
    assert.deepEqual(ok.unresolved, [], `${fault}: the next good request resolves`);
    assert.equal(ok.url, `https://api.example/${VALUE}`);
    const next = conns.at(-1);
    assert.notEqual(next, faultConn, `${fault}: the broken connection is not reused`);
    assert.deepEqual(
      next.requests.map((q) => q.mode),
      ['good'],
    );
    // The healthy one is pooled again.
    v.resetCache();
    const again = await v.resolve({ url: URL_T });
    assert.deepEqual(again.unresolved, []);
    assert.equal(conns.at(-1), next, `${fault}: the healthy connection is reused`);
    assert.equal(next.requests.length, 2);
    return { detail: u.detail, took };
  } finally {
    v.wipe();
    transport.close();
  }
}

/** Closes a server connection from the server side and waits until the client's pool has dropped it. */
async function killServerSide(rec) {
  rec.sock.destroy();
  await waitFor(() => rec.closed, 3000, 'the warm connection to close');
  await new Promise((r) => setTimeout(r, 50)); // the relay's CLOSE reaches the pool
}

test('the server hangs up right after the ClientHello: a named TLS close, connection freed', async () => {
  const { detail } = await faultCase({ fault: 'handshake-kill', detail: /TLS: unexpected close: the connection closed during the TLS handshake/ });
  assert.doesNotMatch(detail, /response/);
});

test('the connection resets mid-body (10 of 100 bytes): never a partial value', async () => {
  await faultCase({ fault: 'mid-body', detail: /TLS: unexpected close: the connection closed without close_notify \(data may be truncated\)/ });
});

test('Content-Length larger than the body, then a clean TLS close: truncated, not accepted', async () => {
  await faultCase({ fault: 'short-clean', detail: /closed early: HTTP response: connection closed after 10 of 100 body bytes/ });
});

test('chunked garbage: the framing error is named', async () => {
  await faultCase({ fault: 'chunked-garbage', detail: /HTTP response: chunk size is not hexadecimal/ });
});

test('a 1 MB header: refused at the head limit', async () => {
  await faultCase({ fault: 'huge-header', reason: 'malformed_response', detail: /HTTP response: status line and header fields over \d+ bytes/ });
});

test('a stalled server (TLS up, never answers) with timeoutMs 500: timed out', async () => {
  const { took } = await faultCase({ fault: 'stall', timeoutMs: 500, detail: /timed out after 500 ms/ });
  assert.ok(took >= 450 && took < 3000, `the timeout fired on time (${took} ms)`);
});

test('a body declared past 4 MiB: refused, not truncated', async () => {
  await faultCase({ fault: 'big-declared', reason: 'malformed_response', detail: /Content-Length 5242880 over the 4194304-byte body limit/ });
});

test('a chunked body streaming past 4 MiB: refused at the limit, not truncated', async () => {
  await faultCase({ fault: 'big-chunked', reason: 'malformed_response', detail: /body over 4194304 bytes|body longer than 4194304 bytes|takes the body over 4194304 bytes/ });
});

test('plain HTTP on an https origin: a named TLS error', async () => {
  await faultCase({ fault: 'plain-http', detail: /TLS: .*(is it speaking TLS|not speaking TLS)/ });
});

// An answer over the core's 4 MiB limit is 'malformed_response' on the tunnel
// too, as the fetch transport reports it (tests/js/hardening.test.mjs): the
// engine marks a limit refusal "malformed", never "unreachable".
test('a body past 4 MiB is reported like the fetch transport does: malformed_response', async () => {
  await faultCase({ fault: 'big-declared', reason: 'malformed_response', detail: /4194304/ });
  await faultCase({ fault: 'big-chunked', reason: 'malformed_response', detail: /4194304|limit/ });
});
