// HTTPS emulators (tests/emulators/tls.mjs): every demo emulator serves TLS
// for `localhost` under one test CA, and a TLS client through the capturing
// Wisp relay gets the secret while the relay's capture holds only ciphertext
// (plus the SNI name, which the relay does learn: tunnel.md §3). Needs no wasm.
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { after, before, test } from 'node:test';

import { WebSocket } from 'ws';

import { DEMO_VAULT_SECRETS, DEMO_VAULT_TOKEN, demoServiceStarters } from '../demo-services.mjs';
import { sharedTestTls, startHttpsDemoServices } from '../emulators/tls.mjs';
import { capturedContains, startWispRelay } from '../relays.mjs';

let svc;
before(async () => {
  svc = await startHttpsDemoServices();
});
after(() => svc.close());

const get = (url, ca, headers = {}) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const s = tls.connect({ host: u.hostname, port: Number(u.port), servername: u.hostname, ca }, () => {
      s.end(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    });
    let body = '';
    s.on('data', (d) => (body += d));
    s.on('end', () => resolve({ body, peer: s.getPeerCertificate() }));
    s.on('error', reject);
  });

test('the shared CA is made once per process', async () => {
  assert.equal(await sharedTestTls(), await sharedTestTls());
  assert.equal(svc.ca, (await sharedTestTls()).ca);
});

test('every demo emulator serves HTTPS at https://localhost under the test CA', async () => {
  assert.ok(svc.services.length >= 2, 'at least AWS and HashiCorp Vault');
  for (const s of svc.services) {
    assert.match(s.url, /^https:\/\/localhost:\d+$/, s.name);
    if (s.info?.url) assert.equal(s.info.url, s.url);
    const { body, peer } = await get(`${s.url}/`, svc.ca);
    assert.match(body, /^HTTP\/1\.1 \d{3} /, s.name);
    assert.match(peer.subjectaltname, /DNS:localhost/);
  }
});

test('without the test CA the handshake fails', async () => {
  await assert.rejects(get(`${svc.urls.aws}/`, undefined), /self-signed|unable to (get|verify)/i);
});

test('the default stays HTTP on the given host', async () => {
  const s = await demoServiceStarters()[0]({ host: '127.0.0.1' });
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  } finally {
    await s.close();
  }
});

/** A Duplex over one Wisp v1 stream (raw frames, tunnel.md §2.1). */
async function wispStream(url, host, port) {
  const ws = new WebSocket(url);
  ws.binaryType = 'nodebuffer';
  const duplex = new Duplex({
    write(chunk, _enc, cb) {
      const f = Buffer.alloc(5 + chunk.length);
      f[0] = 2;
      f.writeUInt32LE(1, 1);
      chunk.copy(f, 5);
      ws.send(f, cb);
    },
    read() {},
    final(cb) {
      ws.close();
      cb();
    },
  });
  await new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (m) => {
      if (m[0] === 3 && m.readUInt32LE(1) === 0) {
        const c = Buffer.alloc(8);
        c[0] = 1;
        c.writeUInt16LE(port, 1);
        ws.send(Buffer.concat([Buffer.from([1, 1, 0, 0, 0]), c.subarray(0, 3), Buffer.from(host)]));
        resolve();
      } else if (m[0] === 2) duplex.push(m.subarray(5));
      else if (m[0] === 4) duplex.push(null);
    });
  });
  ws.on('close', () => duplex.push(null));
  return duplex;
}

test('through the capturing Wisp relay: the client gets the secret, the capture does not', async () => {
  const port = Number(new URL(svc.urls.hashicorp).port);
  const relay = await startWispRelay({ allow: [{ host: 'localhost', port }], capture: true });
  try {
    const socket = await wispStream(relay.url, 'localhost', port);
    const body = await new Promise((resolve, reject) => {
      const s = tls.connect({ socket, servername: 'localhost', ca: svc.ca, maxVersion: 'TLSv1.2' }, () => {
        s.write(`GET /v1/secret/data/demo/app HTTP/1.1\r\nHost: localhost:${port}\r\nX-Vault-Token: ${DEMO_VAULT_TOKEN}\r\nConnection: close\r\n\r\n`);
      });
      let b = '';
      s.on('data', (d) => (b += d));
      s.on('end', () => resolve(b));
      s.on('error', reject);
    });
    const secret = DEMO_VAULT_SECRETS['secret/demo/app'].api_key;
    assert.ok(body.includes(secret), 'the client read the secret');
    assert.ok(relay.captured.some((c) => c.dir === 'up') && relay.captured.some((c) => c.dir === 'down'));
    assert.equal(capturedContains(relay.captured, secret), 0, 'no plaintext secret at the relay');
    assert.equal(capturedContains(relay.captured, DEMO_VAULT_TOKEN), 0, 'no plaintext token at the relay');
    assert.ok(capturedContains(relay.captured, 'localhost', 'up') >= 1, 'the SNI name is visible to the relay');
  } finally {
    await relay.close();
  }
});
