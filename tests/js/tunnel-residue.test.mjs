// Residue in wasm memory through the TUNNEL (issue #12 §5 "Residue"; DESIGN.md
// I1, I3, I4, I6): every provider's emulator over HTTPS (startHttpsDemoServices),
// reached through the real wisp-js relay, TLS and HTTP/1.1 inside the core.
// After the resolves complete — values cached, connections idle in the
// tunnel's pool, TLS sessions saved — the WHOLE linear memory is scanned:
//  - secret values: 0 plaintext copies (sealed at rest; the TLS plaintext and
//    HTTP parser buffers that carried them wiped);
//  - credentials and tokens: 0 plaintext copies (sealed at rest; the request
//    buffers that carried them wiped; TLS records encrypted in place);
//  - request/response framing (request lines, header names the requests used,
//    status lines): no more copies than in a fresh instance (the constants in
//    the core's data), i.e. no HTTP buffer left holding a message;
//  - after wipe(): every byte zero.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { createVault, tunnelTransport } from 'vaultlink';
import { startHttpsDemoServices, sharedTestTls, startSealedServer } from '../emulators/tls.mjs';
import nodeTls from 'node:tls';
import { startWispRelay, hostPort } from '../relays.mjs';
import { DEMO_AWS_KEY, DEMO_VAULT_TOKEN, DEMO_TOKENS, DEMO_1P } from '../demo-services.mjs';
import { sealForRecipient } from '../../web/src/seal.js';
import { count, where } from './memscan.mjs';

const HOOKS = Symbol.for('vaultlink.testHooks');
const SEALED_VALUE = 'sealed-value-TUNNEL-RESIDUE-4b2d';
const SEAL_REF = 'tunnel/residue/sealed';
const RELAY_TOKEN = 'relay-bearer-TUNNEL-RESIDUE-NOT-REAL';

const VALUES = {
  'aws-stripe': 'demo-aws-stripe-key-NOT-REAL',
  'aws-db-password': 'demo-aws-db-password-NOT-REAL',
  'vault-api-key': 'demo-vault-api-key-NOT-REAL',
  'azure-secret': 'demo-azure-secret-NOT-REAL',
  'gcp-api-key': 'demo-gcp-api-key-NOT-REAL',
  'op-credential': 'demo-1password-credential-NOT-REAL',
  sealed: SEALED_VALUE,
};
const CREDENTIALS = () => [
  DEMO_AWS_KEY.accessKeyId,
  DEMO_AWS_KEY.secretAccessKey,
  DEMO_VAULT_TOKEN,
  DEMO_TOKENS.azure,
  DEMO_TOKENS.gcp,
  DEMO_1P.token,
  RELAY_TOKEN,
];
/** Pieces of the HTTP messages the tunnel carried (not of the link definitions, which are
 * not secret and stay): at most as many as a fresh instance holds. */
const FRAMING = [
  'HTTP/1.1 200',
  'GET /v1/',
  'POST / HTTP/1.1',
  'Authorization: Bearer',
  'X-Vault-Token:',
  'X-Amz-Target: secretsmanager',
  'AWS4-HMAC-SHA256 Credential=',
  'Signature=',
  'GET /v1/secret/data/',
  'GET /v1/projects/',
  'HTTP/1.1\r\nHost: localhost',
  'Content-Type: application/json',
  '"payload":{"data"',
  '"SecretString"',
  'GET /e/1',
];

let tls, demo, sealedSrv, relay, partial;

before(async () => {
  tls = await sharedTestTls();
  demo = await startHttpsDemoServices({ tls });
  sealedSrv = await startSealedServer({ tls, token: RELAY_TOKEN });
  partial = await startPartialServer();
  relay = await startWispRelay({
    allow: [...demo.services.map((s) => hostPort(s.url)), hostPort(sealedSrv.url), { host: 'localhost', port: partial.port }],
    capture: true,
  });
});
after(async () => {
  await relay?.close();
  await demo?.close();
  await sealedSrv?.close();
  await partial?.close();
});

const PARTIAL_VALUE = 'partial-value-TUNNEL-RESIDUE-77c1';
const PARTIAL_B64 = Buffer.from(PARTIAL_VALUE).toString('base64');
const PARTIAL_TOKEN = 'ya29.partial-RESIDUE-token';

/**
 * A GCP-like TLS server that answers with the value's base64 in a body it
 * never finishes: mode 'reset' (Content-Length past the body, then a reset),
 * 'stall' (Content-Length past the body, then silence).
 */
async function startPartialServer() {
  const state = { mode: 'reset', requests: 0 };
  const socks = new Set();
  const server = nodeTls.createServer({ key: tls.key, cert: tls.cert }, (sock) => {
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    sock.on('error', () => {});
    sock.on('data', () => {
      state.requests++;
      const body = `{"payload":{"data":"${PARTIAL_B64}","dataCrc32c":"1`;
      sock.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 40}\r\n\r\n${body}`);
      if (state.mode === 'reset') setTimeout(() => sock.destroy(), 30);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    state,
    close: () =>
      new Promise((r) => {
        for (const s of socks) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A vault on the tunnel with every provider connected and linked; returns the request resolving them all. */
async function setUp() {
  let core;
  const transport = tunnelTransport({ relay: relay.url, WebSocket, trustAnchors: tls.ca });
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport, [HOOKS]: { onCore: (c) => (core = c) } });
  const memory = core.memory; // kept: wipe() drops the core's own reference
  const baseline = Object.fromEntries(FRAMING.map((f) => [f, count(new Uint8Array(memory.buffer), f)]));
  const info = Object.fromEntries(demo.services.map((s) => [s.name, s.info]));
  const names = [];
  for (const name of ['aws', 'hashicorp', 'azure', 'gcp', '1password']) {
    assert.ok(info[name], `the ${name} emulator runs`);
    await v.connect(name, info[name].connect);
    for (const l of info[name].links ?? []) {
      if (!VALUES[l.name]) continue;
      v.link(l.name, l.source);
      names.push(l.name);
    }
  }
  await v.connect('sealed', { origin: sealedSrv.origin, headers: { Authorization: `Bearer ${RELAY_TOKEN}` } });
  sealedSrv.serve(await sealForRecipient(v.publicKey(), SEAL_REF, SEALED_VALUE, { ttlSeconds: 300 }));
  v.link('sealed', { provider: 'sealed', sealed: { url: `${sealedSrv.url}/e/1`, reference: SEAL_REF } });
  names.push('sealed');
  assert.equal(names.length, Object.keys(VALUES).length, 'every value is linked');
  const request = {
    method: 'POST',
    url: 'https://api.example/x?v={{vault:vault-api-key}}',
    headers: { 'X-All': names.map((n) => `{{vault:${n}}}`).join('|') },
    body: 'op={{vault:op-credential}}',
  };
  const expected = names.map((n) => VALUES[n]).join('|');
  return { v, memory, transport, request, expected, baseline };
}

function assertClean(memory, baseline, when) {
  const mem = new Uint8Array(memory.buffer);
  const found = [];
  for (const s of [...Object.values(VALUES), ...CREDENTIALS()]) {
    const n = count(mem, s);
    if (n) found.push(`${s} ×${n} at ${where(mem, s)}`);
  }
  for (const f of FRAMING) {
    const n = count(mem, f);
    if (n > baseline[f]) found.push(`"${f}" ×${n} (fresh instance: ${baseline[f]}) at ${where(mem, f)}`);
  }
  assert.deepEqual(found, [], `plaintext in wasm memory ${when}`);
}

test('through the tunnel: no value, credential or HTTP message rests in wasm memory (miss, hit, pooled refetch)', async () => {
  const { v, memory, transport, request, expected, baseline } = await setUp();
  try {
    assertClean(memory, baseline, 'after connect/link');
    // The scan sees what is there: the link definitions (not secret) are found.
    assert.ok(count(new Uint8Array(memory.buffer), 'projects/demo-project/secrets/demo-api-key/versions/latest') > 0, 'the scan finds a link source');
    const streams = () => new Set(relay.captured.map((c) => c.stream));
    const before0 = streams().size;
    const r = await v.resolve(request);
    assert.deepEqual(r.unresolved, []);
    assert.equal(r.headers['X-All'], expected);
    assert.equal(r.url, `https://api.example/x?v=${VALUES['vault-api-key']}`);
    assertClean(memory, baseline, 'after the first resolve (values cached, connections idle in the pool)');
    const opened = streams().size;
    assert.ok(opened - before0 >= 6, `one relay stream (TCP connection) per origin at least (${opened - before0})`);
    const bytes0 = relay.captured.length;
    const hit = await v.resolve(request);
    assert.equal(relay.captured.length, bytes0, 'a cache hit moves no bytes');
    assert.equal(hit.headers['X-All'], expected);
    assertClean(memory, baseline, 'after a cache hit');
    // The pool's idle connections carry the refetch (same origins, same TLS state).
    v.resetCache();
    const again = await v.resolve(request);
    assert.deepEqual(again.unresolved, []);
    assert.equal(again.headers['X-All'], expected);
    assert.ok(relay.captured.length > bytes0, 'the refetch went over the relay');
    assert.equal(streams().size, opened, 'the refetch reused the pooled connections (no new relay stream)');
    assertClean(memory, baseline, 'after a refetch over the pooled connections');
    // A second vault-wide round with a token that fails (not found) leaves nothing either.
    v.link('missing', { provider: 'gcp', gcp: { name: 'projects/demo-project/secrets/no-such-secret' } });
    const miss = await v.resolve({ url: 'https://api.example/{{vault:missing}}/{{vault:gcp-api-key}}' });
    assert.equal(miss.unresolved.length, 1);
    assertClean(memory, baseline, 'after a resolve with a failure');
  } finally {
    v.wipe();
    transport.close();
  }
});

test('through the tunnel: a response cut off mid-body (reset, or stalled into the timeout) leaves no plaintext', async () => {
  let core;
  const transport = tunnelTransport({ relay: relay.url, WebSocket, trustAnchors: tls.ca, timeoutMs: 400 });
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport, [HOOKS]: { onCore: (c) => (core = c) } });
  const memory = core.memory;
  try {
    await v.connect('gcp', { accessToken: PARTIAL_TOKEN, endpoint: `https://localhost:${partial.port}` });
    v.link('p', { provider: 'gcp', gcp: { name: 'projects/p/secrets/partial' } });
    for (const mode of ['reset', 'stall']) {
      partial.state.mode = mode;
      const n0 = partial.state.requests;
      v.resetCache();
      const r = await v.resolve({ url: 'https://api.example/{{vault:p}}' });
      assert.equal(partial.state.requests, n0 + 1, `${mode}: the request reached the server`);
      assert.equal(r.url, 'https://api.example/{{vault:p}}', `${mode}: never a partial value`);
      assert.equal(r.unresolved[0].reason, 'unreachable');
      assert.match(r.unresolved[0].detail, mode === 'stall' ? /timed out after 400 ms/ : /close_notify|truncated/);
      const mem = new Uint8Array(memory.buffer);
      for (const s of [PARTIAL_VALUE, PARTIAL_B64, PARTIAL_TOKEN, '{"payload":{"data"']) {
        assert.equal(count(mem, s), 0, `${mode}: ${s} left in wasm memory after the failed response (at ${where(mem, s)})`);
      }
    }
  } finally {
    v.wipe();
    transport.close();
  }
});

test('through the tunnel: after wipe() the whole wasm memory is zero', async () => {
  const { v, memory, transport, request, expected } = await setUp();
  try {
    const r = await v.resolve(request);
    assert.equal(r.headers['X-All'], expected);
    v.wipe();
    const mem = new Uint8Array(memory.buffer);
    const nonzero = mem.findIndex((b) => b !== 0);
    assert.equal(nonzero, -1, `byte ${nonzero} of ${mem.length} is not zero after wipe()`);
  } finally {
    transport.close();
  }
});
