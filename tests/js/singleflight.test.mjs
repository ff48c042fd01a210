// Concurrent misses share one fetch: resolve() calls in flight that miss the
// same external secret produce ONE HTTP request (the shim joins identical core
// jobs; an AWS SigV4 job signed in another second is still the same job).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVault } from 'vaultlink';
import { sealForRecipient } from '../../web/src/seal.js';

const enc = new TextEncoder();
const ARN = (n) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${n}-AbCdEf`;
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret-for-tests' };

/** Counts requests per URL+target; answers after `delayMs`, or when released. */
function countingTransport(envelopes, delayMs = 20) {
  const t = {
    name: 'counting',
    calls: [],
    async perform(job) {
      const req = job.request();
      t.calls.push(req);
      await new Promise((r) => setTimeout(r, delayMs));
      if (envelopes[req.url]) return { status: 200, headers: [], body: envelopes[req.url] };
      const id = JSON.parse(typeof req.body === 'string' ? req.body : new TextDecoder().decode(req.body)).SecretId;
      const value = `value-of-${id.split(':').pop()}`;
      return { status: 200, headers: [], body: enc.encode(JSON.stringify({ ARN: id, SecretString: value })) };
    },
  };
  return t;
}

async function vaultWith(transport) {
  const v = await createVault({ wipeOnLeave: false, transport });
  v.link('db', { provider: 'aws', aws: { secretArn: ARN('db') } });
  v.link('api', { provider: 'aws', aws: { secretArn: ARN('api') } });
  await v.connect('aws', CREDS, { verify: false });
  return v;
}

test('two resolves missing the same AWS secret make one request', async () => {
  const t = countingTransport({});
  const v = await vaultWith(t);
  const req = { url: 'https://h.example/{{vault:db}}' };
  const [a, b] = await Promise.all([v.resolve(req), v.resolve({ ...req, headers: { X: '{{vault:db}}' } })]);
  assert.equal(a.url, 'https://h.example/value-of-db-AbCdEf');
  assert.equal(b.headers.X, 'value-of-db-AbCdEf');
  assert.equal(t.calls.length, 1);
  v.wipe();
});

test('…even when the second is signed a second later (X-Amz-Date and Signature differ)', async () => {
  const t = countingTransport({});
  const v = await vaultWith(t);
  const realNow = Date.now;
  const p1 = v.resolve({ url: 'https://h.example/{{vault:db}}' });
  Date.now = () => realNow() + 1500;
  let p2;
  try {
    p2 = v.resolve({ url: 'https://h.example/?again={{vault:db}}' });
  } finally {
    Date.now = realNow;
  }
  const [a, b] = await Promise.all([p1, p2]);
  assert.deepEqual([a.unresolved, b.unresolved], [[], []]);
  assert.equal(t.calls.length, 1);
  v.wipe();
});

test('many concurrent resolves over two secrets: one request per secret; sealed too', async () => {
  const envelopes = {};
  const t = countingTransport(envelopes);
  const v = await vaultWith(t);
  v.link('s', { provider: 'sealed', sealed: { url: 'https://relay.example/e', reference: 'r' } });
  envelopes['https://relay.example/e'] = await sealForRecipient(v.publicKey(), 'r', 'sealed-v');
  const reqs = Array.from({ length: 10 }, (_, i) => ({ url: `https://h.example/${i}/{{vault:${['db', 'api', 's'][i % 3]}}}` }));
  const out = await Promise.all(reqs.map((r) => v.resolve(r)));
  assert.ok(out.every((r) => r.unresolved.length === 0));
  assert.equal(t.calls.length, 3);
  // Later, cached: no request at all.
  await Promise.all(reqs.map((r) => v.resolve(r)));
  assert.equal(t.calls.length, 3);
  v.wipe();
});

test('not shared across connect/resetCache; different secrets are separate; failures are shared', async () => {
  const t = countingTransport({});
  const v = await vaultWith(t);
  const p1 = v.resolve({ url: 'https://h.example/{{vault:db}}' });
  v.resetCache();
  const p2 = v.resolve({ url: 'https://h.example/{{vault:db}}' });
  await Promise.all([p1, p2]);
  assert.equal(t.calls.length, 2);

  const failing = {
    name: 'down',
    calls: 0,
    async perform() {
      failing.calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { status: 0, headers: [['x-vaultlink-error', 'network']], body: new Uint8Array(0) };
    },
  };
  const w = await vaultWith(failing);
  const rs = await Promise.all([w.resolve({ url: 'https://h.example/{{vault:db}}' }), w.resolve({ url: 'https://h.example/{{vault:db}}' })]);
  assert.deepEqual(rs.map((r) => r.unresolved[0].reason), ['unreachable', 'unreachable']);
  assert.equal(failing.calls, 1);
  v.wipe();
  w.wipe();
});
