// Residue in wasm memory (DESIGN.md I1, I3, I4, I6), through the public JS API:
// link local values, connect AWS credentials and resolve through a fake
// transport answering GetSecretValue, open sealed envelopes — then scan the
// WHOLE linear memory between resolves.
//
// What is allowed where (the decision this test holds):
//  - Secret VALUES (local, fetched, sealed): never in plaintext at rest. They
//    are sealed under the session key (I3); plaintext exists only inside a
//    resolve call, and is wiped before it returns.
//  - CREDENTIALS: I3 covers cached values, not credentials. A connected
//    provider's credentials (and what flows learn: role credentials, tokens)
//    are sealed at rest under the session key like cached values, opened
//    only while a provider step runs, and wiped on disconnect, on expiry and
//    by wipe(). So: absent in plain form at rest, connected or not.
//  - After wipe(): the whole memory is zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVault } from 'vaultlink';
import { sealForRecipient } from '../../web/src/seal.js';
import { count } from './memscan.mjs';

const enc = new TextEncoder();
const HOOKS = Symbol.for('vaultlink.testHooks');
const ARN = (n) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${n}-AbCdEf`;

// Recognisable fake secrets (none is real).
const LOCAL_TEXT = 'local-value-RESIDUE-7f3a9c';
const LOCAL_BYTES = enc.encode('local-bytes-RESIDUE-51e2d0');
const AWS_VALUES = { db: 'aws-value-RESIDUE-c0ffee', api: '{"key":"aws-json-RESIDUE-beef42"}' };
const AWS_JSON_KEY = 'aws-json-RESIDUE-beef42';
const SEALED_VALUE = 'sealed-value-RESIDUE-face11';
const CREDS = {
  accessKeyId: 'AKIARESIDUETESTKEY01',
  secretAccessKey: 'residue/SecretAccessKey+FAKE0000000000000',
  sessionToken: 'RESIDUE-FAKE-SESSION-TOKEN-0123456789',
};
const VALUES = [LOCAL_TEXT, LOCAL_BYTES, AWS_VALUES.db, AWS_JSON_KEY, SEALED_VALUE];
const CREDENTIALS = [CREDS.secretAccessKey, CREDS.sessionToken];

const label = (s) => (typeof s === 'string' ? s : new TextDecoder().decode(s));

/** A transport that answers GetSecretValue (awsJson1_1) and serves envelopes. */
function fakeTransport(envelopes) {
  const t = {
    name: 'fake',
    requests: 0,
    async perform(job) {
      const req = job.request();
      t.requests++;
      await new Promise((r) => setTimeout(r, 1));
      if (envelopes[req.url]) return { status: 200, headers: [], body: envelopes[req.url] };
      const target = req.headers.find(([k]) => k.toLowerCase() === 'x-amz-target');
      if (!target || target[1] !== 'secretsmanager.GetSecretValue') return { status: 404, headers: [], body: new Uint8Array(0) };
      const body = typeof req.body === 'string' ? req.body : new TextDecoder().decode(req.body);
      const id = JSON.parse(body).SecretId;
      const name = Object.keys(AWS_VALUES).find((n) => ARN(n) === id);
      if (!name) {
        return { status: 400, headers: [], body: enc.encode('{"__type":"ResourceNotFoundException","Message":"not found"}') };
      }
      const answer = JSON.stringify({ ARN: id, Name: name, SecretString: AWS_VALUES[name], VersionId: 'v1' });
      return { status: 200, headers: [['Content-Type', 'application/x-amz-json-1.1']], body: enc.encode(answer) };
    },
  };
  return t;
}

async function setup() {
  let core;
  const envelopes = {};
  const transport = fakeTransport(envelopes);
  const v = await createVault({ wipeOnLeave: false, transport, [HOOKS]: { onCore: (c) => (core = c) } });
  const memory = core.memory; // kept: wipe() drops the core's own reference
  v.link('local', { provider: 'local', value: LOCAL_TEXT });
  v.link('bytes', { provider: 'local', value: LOCAL_BYTES.slice() });
  v.link('db', { provider: 'aws', aws: { secretArn: ARN('db') } });
  v.link('api', { provider: 'aws', aws: { secretArn: ARN('api'), format: 'json', key: 'key' } });
  v.link('sealed', { provider: 'sealed', sealed: { url: 'https://relay.example/e/1', reference: 'ref-1' } });
  envelopes['https://relay.example/e/1'] = await sealForRecipient(v.publicKey(), 'ref-1', SEALED_VALUE);
  await v.connect('aws', { ...CREDS }, { verify: false });
  return { v, memory, transport };
}

const REQUEST = {
  method: 'POST',
  url: 'https://api.example.com/{{vault:local}}?db={{vault:db}}',
  headers: { Authorization: 'Bearer {{vault:api}}', 'X-Sealed': '{{vault:sealed}}' },
  body: enc.encode('bin={{vault:bytes}}'),
};

function assertNoValues(memory, when) {
  const mem = new Uint8Array(memory.buffer);
  for (const s of VALUES) assert.equal(count(mem, s), 0, `${label(s)} in wasm memory ${when}`);
}

test('values never rest in plaintext in wasm memory: after link, after each resolve (miss and hit)', async () => {
  const { v, memory, transport } = await setup();
  assertNoValues(memory, 'after link/connect');
  for (let i = 0; i < 3; i++) {
    const r = await v.resolve(REQUEST);
    assert.deepEqual(r.unresolved, []);
    assert.equal(r.url, `https://api.example.com/${LOCAL_TEXT}?db=${AWS_VALUES.db}`);
    assert.equal(r.headers['X-Sealed'], SEALED_VALUE);
    assertNoValues(memory, `after resolve #${i + 1}`);
  }
  assert.equal(transport.requests, 3); // db, api, sealed: once each, then cached
  // A resolve that fails for a value (not found) leaves nothing either.
  v.link('gone', { provider: 'aws', aws: { secretArn: ARN('gone') } });
  await v.resolve({ url: 'https://h.example/{{vault:gone}}{{vault:local}}' });
  assertNoValues(memory, 'after a resolve with a failure');
  v.resetCache();
  await v.resolve(REQUEST);
  assertNoValues(memory, 'after resetCache and a refetch');
  v.wipe();
});

test('credentials: sealed at rest while connected, gone after disconnect, expiry and wipe', async () => {
  const { v, memory } = await setup();
  await v.resolve(REQUEST);
  const mem = () => new Uint8Array(memory.buffer);
  for (const c of [...CREDENTIALS, CREDS.accessKeyId]) assert.equal(count(mem(), c), 0, `${c} in plain form at rest`);
  assert.equal(v.status().providers.find((p) => p.provider === 'aws').connected, true);
  v.disconnect('aws');
  for (const c of [...CREDENTIALS, CREDS.accessKeyId]) assert.equal(count(mem(), c), 0, `${c} left after disconnect`);
  assertNoValues(memory, 'after disconnect');

  // Expiry: credentials with a short lifetime are wiped by the sweep.
  await v.connect('aws', { ...CREDS, expiresAt: Date.now() + 150 }, { verify: false });
  v.resetCache();
  await v.resolve(REQUEST);
  assert.equal(count(mem(), CREDS.sessionToken), 0);
  await new Promise((r) => setTimeout(r, 200));
  v.sweep();
  for (const c of CREDENTIALS) assert.equal(count(mem(), c), 0, `${c} left after expiry + sweep`);
  assert.equal(v.status().providers.find((p) => p.provider === 'aws').reauthRequired, true);
  v.wipe();
});

test('after wipe() the whole wasm memory is zero', async () => {
  const { v, memory } = await setup();
  await v.resolve(REQUEST);
  v.wipe();
  const mem = new Uint8Array(memory.buffer);
  const nonzero = mem.findIndex((b) => b !== 0);
  assert.equal(nonzero, -1, `byte ${nonzero} of ${mem.length} is not zero after wipe()`);
});
