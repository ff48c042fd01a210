// Issue #11, through the public JS API: the JS↔wasm seam (§1), credential
// epochs (§3), limits checked before copying (§6) and no silent coercion (§6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVault, VaultError } from 'vaultlink';
import { fetchTransport } from '../../web/src/transports/fetch.js';

const enc = new TextEncoder();
const HOOKS = Symbol.for('vaultlink.testHooks');
const ARN = (n) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${n}-AbCdEf`;
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret-for-tests' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function secretIdOf(req) {
  return JSON.parse(typeof req.body === 'string' ? req.body : new TextDecoder().decode(req.body)).SecretId;
}
const answer = (value, tag = 'v') => ({
  status: 200,
  headers: [['content-type', 'application/x-amz-json-1.1']],
  body: enc.encode(JSON.stringify({ ARN: 'x', SecretString: value ?? tag })),
});

/** Wraps the core's job_done export to record every call and what it returned. */
function recordJobDone(core, calls) {
  const x = core.x;
  const wrapped = Object.create(null);
  for (const k of Object.keys(x)) wrapped[k] = x[k];
  wrapped.vl_w_job_done = (...a) => {
    const st = x.vl_w_job_done(...a);
    calls.push({ handle: a[1] >>> 0, id: a[2], st });
    return st;
  };
  core.x = wrapped;
}

test('§1: a transport that rejects one job ends nothing early; a slower answer never reaches another resolve', async () => {
  const calls = [];
  const transport = {
    async perform(job) {
      const req = job.request();
      const id = secretIdOf(req);
      if (id === ARN('x')) {
        await sleep(5);
        throw new TypeError('custom transport refused');
      }
      if (id === ARN('b')) {
        await sleep(120);
        return answer('VALUE-OF-B-only-for-b.example');
      }
      await sleep(5);
      return answer('value-of-d');
    },
  };
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport, [HOOKS]: { onCore: (c) => recordJobDone(c, calls) } });
  await v.connect('aws', CREDS, { verify: false });
  v.link('b', { provider: 'aws', aws: { secretArn: ARN('b') } }, { domains: ['b.example'] });
  v.link('x', { provider: 'aws', aws: { secretArn: ARN('x') } });
  v.link('d', { provider: 'aws', aws: { secretArn: ARN('d') } });
  const first = v.resolve({ url: 'https://b.example/?b={{vault:b}}&x={{vault:x}}' });
  await sleep(30); // x has failed; b is still in flight
  const second = await v.resolve({ url: 'https://evil.example/?d={{vault:d}}' });
  assert.equal(second.url, 'https://evil.example/?d=value-of-d');
  const r1 = await first;
  assert.equal(r1.url, 'https://b.example/?b=VALUE-OF-B-only-for-b.example&x={{vault:x}}');
  assert.deepEqual(r1.unresolved.map((u) => [u.name, u.reason]), [['x', 'unreachable']]);
  assert.match(r1.unresolved[0].detail, /the transport failed/);
  assert.doesNotMatch(r1.unresolved[0].detail, /custom transport refused/, 'a transport error message is not quoted');
  // d's cache entry holds d's value, not b's.
  const again = await v.resolve({ url: 'https://evil.example/?d={{vault:d}}' });
  assert.equal(again.url, 'https://evil.example/?d=value-of-d');
  assert.ok(calls.length >= 3);
  assert.deepEqual(calls.filter((c) => c.st !== 0), [], 'every job answer went to an open resolve');
  v.wipe();
});

test('§1: an answer arriving after its resolve ended (wipe) is dropped and zeroed, never ingested', async () => {
  const calls = [];
  let body;
  let release;
  const transport = {
    perform() {
      return new Promise((r) => (release = r));
    },
  };
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport, [HOOKS]: { onCore: (c) => recordJobDone(c, calls) } });
  await v.connect('aws', CREDS, { verify: false });
  v.link('b', { provider: 'aws', aws: { secretArn: ARN('b') } });
  const pending = v.resolve({ url: 'https://b.example/{{vault:b}}' });
  await sleep(5);
  v.wipe();
  const res = answer('late-value-zeroed');
  body = res.body;
  release(res);
  await assert.rejects(pending, (e) => e instanceof VaultError && e.code === 'wiped');
  assert.equal(calls.length, 0, 'no call into the core after the resolve ended');
  assert.ok(body.every((b) => b === 0), 'the late answer was zeroed');
});

test('§3: a value fetched before a reconnect is not cached; the resolve fetches again with the new credentials', async () => {
  const seenKeys = [];
  let gate;
  const transport = {
    async perform(job) {
      const req = job.request();
      const auth = req.headers.find(([k]) => k.toLowerCase() === 'authorization')[1];
      const key = /Credential=([^/]+)/.exec(auth)[1];
      seenKeys.push(key);
      if (key === 'AKIDADMIN') {
        await new Promise((r) => (gate = r));
        return answer('admin-only-value');
      }
      return answer('user-value');
    },
  };
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport });
  v.link('s', { provider: 'aws', aws: { secretArn: ARN('s') } });
  await v.connect('aws', { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret' }, { verify: false });
  const pending = v.resolve({ url: 'https://h.example/{{vault:s}}' });
  await sleep(5);
  await v.connect('aws', { accessKeyId: 'AKIDUSER', secretAccessKey: 'user-secret' }, { verify: false });
  gate();
  const r = await pending;
  assert.equal(r.url, 'https://h.example/user-value');
  assert.deepEqual(seenKeys, ['AKIDADMIN', 'AKIDUSER']);
  const later = await v.resolve({ url: 'https://h.example/{{vault:s}}' });
  assert.equal(later.url, 'https://h.example/user-value');
  assert.equal(seenKeys.length, 2, 'served from the cache, which holds the new credentials\' answer');
  v.wipe();
});

test('§3: resetCache() during a fetch: the answer is not cached', async () => {
  let n = 0;
  let gate;
  const transport = {
    async perform() {
      n++;
      if (n === 1) await new Promise((r) => (gate = r));
      return answer(`value-${n}`);
    },
  };
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport });
  v.link('s', { provider: 'aws', aws: { secretArn: ARN('s') } });
  await v.connect('aws', CREDS, { verify: false });
  const pending = v.resolve({ url: 'https://h.example/{{vault:s}}' });
  await sleep(5);
  v.resetCache();
  gate();
  assert.equal((await pending).url, 'https://h.example/value-2');
  assert.deepEqual(v.status().cache.map((c) => c.name), ['s']);
  v.wipe();
});

test('§6: a hostile endless answer is cut at the core\'s limit while it is read, and reported', async () => {
  let pulls = 0;
  const endless = () =>
    new Response(
      new ReadableStream({
        pull(c) {
          pulls++;
          c.enqueue(new Uint8Array(1 << 20).fill(0x41));
        },
      }),
      { status: 200 },
    );
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport: fetchTransport({ fetch: async () => endless(), retries: 0 }) });
  v.link('s', { provider: 'aws', aws: { secretArn: ARN('s') } });
  await v.connect('aws', CREDS, { verify: false });
  const r = await v.resolve({ url: 'https://h.example/{{vault:s}}' });
  assert.equal(r.unresolved[0].reason, 'malformed_response');
  assert.match(r.unresolved[0].detail, /response over 4194304 bytes/);
  assert.ok(pulls <= 8, `stopped reading after ${pulls} MiB`);
  v.wipe();
});

test('§6: oversized answers and requests are refused before anything is copied into wasm', async () => {
  let core;
  const big = new Uint8Array(50 * 1024 * 1024);
  const transport = { perform: async () => ({ status: 200, headers: [], body: big }) };
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport, [HOOKS]: { onCore: (c) => (core = c) } });
  v.link('s', { provider: 'aws', aws: { secretArn: ARN('s') } });
  await v.connect('aws', CREDS, { verify: false });
  const before = core.memory.buffer.byteLength;
  const r = await v.resolve({ url: 'https://h.example/{{vault:s}}' });
  assert.equal(r.unresolved[0].reason, 'malformed_response');
  await assert.rejects(
    v.resolve({ url: 'https://h.example/', body: new Uint8Array(50 * 1024 * 1024) }),
    (e) => e instanceof VaultError && e.code === 'limit' && /body longer than 16777216 bytes/.test(e.message),
  );
  await assert.rejects(v.resolve({ url: 'https://h.example/', body: 'x'.repeat(17 * 1024 * 1024) }), /body longer than/);
  assert.equal(core.memory.buffer.byteLength, before, 'wasm memory did not grow');
  v.wipe();
});

test('§6: answers are zeroed once copied into wasm; the fetch transport builds no key from a request', async () => {
  const bodies = [];
  const transport = {
    async perform() {
      const res = answer('zero-me-after-copy');
      bodies.push(res.body);
      return res;
    },
  };
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport });
  v.link('s', { provider: 'aws', aws: { secretArn: ARN('s') } });
  await v.connect('aws', CREDS, { verify: false });
  const [a, b] = await Promise.all([v.resolve({ url: 'https://h.example/{{vault:s}}' }), v.resolve({ url: 'https://h.example/{{vault:s}}' })]);
  assert.equal(a.url, 'https://h.example/zero-me-after-copy');
  assert.equal(b.url, a.url, 'both readers of one shared answer got it before it was zeroed');
  assert.equal(bodies.length, 1, 'one fetch for two resolves (the vault merges identical jobs)');
  assert.ok(bodies[0].every((x) => x === 0));
  v.wipe();

  let hits = 0;
  const t = fetchTransport({ fetch: async () => (hits++, new Response('{}')) });
  const job = { method: 'POST', url: 'https://vault.example/v1/auth/userpass/login/u', headers: [], body: '{"password":"hunter2"}' };
  await Promise.all([t.perform(job), t.perform(job)]);
  assert.equal(hits, 2, 'no dedupe key (it would hold the login password) in the transport');
});

test('§6: no silent coercion of names, providers, TTLs and credentials', async () => {
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0 });
  const bad = (fn, re) => assert.throws(fn, (e) => e instanceof VaultError && e.code === 'bad_argument' && re.test(e.message));
  bad(() => v.link('a\uD800', { provider: 'local', value: 'x' }), /lone UTF-16 surrogate at index 1/);
  bad(() => v.link('a', { provider: 'local', value: 'x\uDBFF' }), /source\.value holds a lone UTF-16 surrogate/);
  bad(() => v.link('a', { provider: 'local', value: 'x' }, { domains: ['h\uDC00.example'] }), /a domain holds a lone/);
  v.link('a\uD83D\uDE00', { provider: 'local', value: 'ok' }); // a pair is fine
  bad(() => v.unlink('a\uD800'), /unlink\(name\)/);
  bad(() => v.unlink(42), /name must be a string/);
  bad(() => v.setCacheTtl(2 ** 32 + 1), /1\.\.525600, got 4294967297/);
  bad(() => v.setCacheTtl(-5), /got -5/);
  await assert.rejects(v.connect('aws\0x', CREDS), (e) => e instanceof VaultError && e.code === 'bad_argument' && /not a provider name/.test(e.message));
  bad(() => v.disconnect('aws\0'), /not a provider name/);
  await assert.rejects(v.connect('aws', { accessKeyId: 'AKID\uD800', secretAccessKey: 's' }), (e) => e instanceof VaultError && e.code === 'bad_argument' && /credentials\.accessKeyId holds a lone UTF-16 surrogate/.test(e.message));
  bad(() => v.setEnabled('a\uD83D\uDE00', 'yes'), /enabled must be true or false/);
  assert.equal(v.status().providers.find((p) => p.provider === 'aws')?.connected ?? false, false);
  v.wipe();
});
