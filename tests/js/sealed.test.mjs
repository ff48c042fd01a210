// End-to-end decryption through the JS API: vault.publicKey(), envelopes made
// with web/src/seal.js (the wasm core, no JS crypto), the "sealed" provider
// fetching them through a transport, and each failure's reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createVault, VaultError } from 'vaultlink';
import { sealForRecipient, envelopeToBase64 } from '../../web/src/seal.js';

const REF = 'op://Private/Stripe/credential';
const URL_ = 'https://relay.example/e/42';

/** A transport serving fixed answers per URL, counting requests. */
function relay(routes) {
  const t = {
    name: 'relay',
    seen: [],
    async perform(job) {
      const req = job.request();
      t.seen.push(req);
      const r = routes[req.url];
      if (!r) return { status: 404, headers: [], body: new Uint8Array(0) };
      // A fresh buffer per answer: the vault zeroes each answer once it is in wasm.
      const body = typeof r.body === 'string' ? new TextEncoder().encode(r.body) : r.body.slice();
      return { status: r.status ?? 200, headers: [], body };
    },
  };
  return t;
}

test('publicKey(): 32-byte X25519 key and its key id, new per vault', async () => {
  const a = await createVault({ wipeOnLeave: false });
  const b = await createVault({ wipeOnLeave: false });
  const ka = a.publicKey();
  assert.equal(ka.kem, 'X25519');
  assert.ok(ka.publicKey instanceof Uint8Array && ka.publicKey.length === 32);
  assert.match(ka.keyId, /^[0-9a-f]{16}$/);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', ka.publicKey));
  assert.equal(ka.keyId, Buffer.from(digest.subarray(0, 8)).toString('hex'));
  assert.deepEqual(a.publicKey(), ka); // stable for the session
  assert.notDeepEqual(b.publicKey().publicKey, ka.publicKey);
  a.wipe();
  assert.throws(() => a.publicKey(), (e) => e instanceof VaultError && e.code === 'wiped');
  b.wipe();
});

test('a sealed link resolves: raw and base64 envelopes, one GET each, expiry caps the cache', async () => {
  const routes = {};
  const t = relay(routes);
  const u = await createVault({ wipeOnLeave: false, transport: t });
  const before = Date.now();
  const env = await sealForRecipient(u.publicKey(), REF, 'sk_test_e2e_value', { ttlSeconds: 120 });
  routes[URL_] = { body: env };
  routes['https://relay.example/b64'] = { body: envelopeToBase64(env) + '\n' };
  u.link('s', { provider: 'sealed', sealed: { url: URL_, reference: REF } }, { domains: ['api.example'] });
  u.link('b', { provider: 'sealed', sealed: { url: 'https://relay.example/b64', reference: REF } });
  const r = await u.resolve({ url: 'https://api.example/{{vault:s}}', headers: { 'X-B': '{{vault:b}}' } });
  assert.deepEqual(r.unresolved, []);
  assert.equal(r.url, 'https://api.example/sk_test_e2e_value');
  assert.equal(r.headers['X-B'], 'sk_test_e2e_value');
  assert.equal(t.seen.length, 2);
  assert.ok(t.seen.every((q) => q.method === 'GET'));
  const st = u.status();
  assert.ok(st.providers.some((p) => p.provider === 'sealed' && p.connected));
  assert.equal(st.cache.length, 2);
  for (const c of st.cache) assert.ok(c.expiresAt <= before + 125_000 && c.expiresAt >= before + 115_000);
  await u.resolve({ url: 'https://api.example/{{vault:s}}' });
  assert.equal(t.seen.length, 2); // cached

  // The same envelope in another session: sealed for another recipient.
  const other = await createVault({ wipeOnLeave: false, transport: t });
  other.link('s', { provider: 'sealed', sealed: { url: URL_, reference: REF } });
  const wrong = await other.resolve({ url: 'https://api.example/{{vault:s}}' });
  assert.equal(wrong.unresolved[0].reason, 'misconfigured');
  assert.match(wrong.unresolved[0].detail, /another session/);
  other.wipe();
  u.wipe();
});

test('failures: reference mismatch, expired, tampered, relay errors; relay headers via connect', async () => {
  const routes = {};
  const t = relay(routes);
  const v = await createVault({ wipeOnLeave: false, transport: t });
  const key = v.publicKey();
  routes['https://r.example/ref'] = { body: await sealForRecipient(key, 'op://other', 'x') };
  routes['https://r.example/exp'] = { body: await sealForRecipient(key, REF, 'x', { now: Date.now() - 10_000, ttlSeconds: 1 }) };
  const bad = await sealForRecipient(key, REF, 'x');
  bad[bad.length - 1] ^= 1;
  routes['https://r.example/tam'] = { body: bad };
  routes['https://r.example/403'] = { status: 403, body: 'no' };
  for (const n of ['ref', 'exp', 'tam', '403', 'missing']) {
    v.link(n, { provider: 'sealed', sealed: { url: `https://r.example/${n}`, reference: REF } });
  }
  const r = await v.resolve({ url: 'https://api.example/{{vault:ref}}{{vault:exp}}{{vault:tam}}{{vault:403}}{{vault:missing}}' });
  assert.deepEqual(
    r.unresolved.map((u) => [u.name, u.reason]),
    [
      ['ref', 'misconfigured'],
      ['exp', 'disabled_at_provider'],
      ['tam', 'malformed_response'],
      ['403', 'permission_denied'],
      ['missing', 'not_found'],
    ],
  );
  assert.match(r.unresolved[2].detail, /tampered/);
  await v.connect('sealed', { origin: 'https://r.example', headers: { Authorization: 'Bearer relay-token' } });
  await v.resolve({ url: 'https://api.example/{{vault:missing}}' });
  assert.deepEqual(t.seen.at(-1).headers.find(([k]) => k === 'Authorization'), ['Authorization', 'Bearer relay-token']);
  assert.throws(() => v.link('x', { provider: 'sealed', sealed: { url: 'http://relay.example/' } }), /https/);
  v.wipe();
});

test('sealForRecipient checks its arguments and the key id', async () => {
  const v = await createVault({ wipeOnLeave: false });
  const k = v.publicKey();
  await assert.rejects(sealForRecipient({ publicKey: new Uint8Array(31) }, REF, 'x'), /32 bytes/);
  await assert.rejects(sealForRecipient({ ...k, keyId: '0000000000000000' }, REF, 'x'), /does not match/);
  await assert.rejects(sealForRecipient(k, '', 'x'), /reference/);
  await assert.rejects(sealForRecipient(k, REF, 'x', { aead: 'rot13' }), /aead/);
  // The page's core module only opens envelopes: sealing with it is a named error.
  const coreOnly = new URL('../../web/dist/vaultlink.wasm', import.meta.url);
  await assert.rejects(sealForRecipient(k, REF, 'x', { wasm: new Uint8Array(await readFile(coreOnly)) }), (e) => {
    assert.equal(e.code, 'bad_argument', e.message);
    assert.match(e.message, /cannot seal.*vaultlink-tunnel\.wasm/);
    return true;
  });
  const env = await sealForRecipient(k, REF, new Uint8Array([1, 2, 3]), { aead: 1 });
  assert.equal(new TextDecoder().decode(env.subarray(0, 3)), 'VLE');
  v.wipe();
});
