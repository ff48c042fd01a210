// 1Password end to end: the JS API, the wasm core resolving op:// references
// over the Connect REST API, the fetch transport, and the Connect emulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createVault } from 'vaultlink';
import { startOnePasswordEmulator, totpFromUri } from '../emulators/onepassword.mjs';
import { seed, FULL_ITEM, VID, IID, TOKEN, NARROW_TOKEN, DB_IID } from './onepassword-fixtures.mjs';

let emu;
before(async () => {
  emu = await startOnePasswordEmulator(seed());
});
after(() => emu.close());

const op = (secretReference) => ({ provider: '1password', '1password': { secretReference } });
async function vaultWith(links, token = TOKEN, connectOptions) {
  const v = await createVault();
  await v.connect('1password', { host: emu.url, token }, connectOptions);
  for (const [name, source] of links) v.link(name, source);
  return v;
}

test('names, IDs, sections, default-section precedence, case-insensitivity', async () => {
  const v = await vaultWith([
    ['gh', op('op://Private/GitHub/password')],
    ['scoped', op('op://private/github/Security/PASSWORD')],
    ['ids', op(`op://${VID}/${IID}/username`)],
    ['host', op('op://Private/Prod DB/Connection/host')],
    ['short', 'op://Private/Prod DB/password'],
  ]);
  const before = emu.state.requests.length;
  const r = await v.resolve({
    url: 'https://api.test/?k={{vault:gh}}',
    headers: { 'X-Scoped': '{{vault:scoped}}', 'X-Ids': '{{vault:ids}}', 'X-Host': '{{vault:host}}' },
    body: '{{vault:short}}',
  });
  assert.deepEqual(r.unresolved, []);
  assert.equal(r.url, 'https://api.test/?k=hunter2');
  assert.deepEqual(r.headers, { 'X-Scoped': 'section-scoped-password', 'X-Ids': 'octocat', 'X-Host': 'db.internal.test' });
  assert.equal(r.body, 'emulator-db-pass');
  const seen = emu.state.requests.slice(before);
  // The name-based sequence of the vectors (vault filter, item filter, item).
  assert.ok(seen.includes('GET /v1/vaults?filter=name%20eq%20%22Private%22'));
  assert.ok(seen.includes(`GET /v1/vaults/${VID}/items?filter=title%20eq%20%22GitHub%22`));
  assert.ok(seen.includes(`GET /v1/vaults/${VID}/items/${IID}`));
  // IDs go straight to the item.
  assert.ok(!seen.some((s) => s.includes('filter=title%20eq%20%22' + IID)));
  // Cached: no new request.
  const n = emu.state.requests.length;
  await v.resolve({ url: 'https://api.test/?k={{vault:gh}}' });
  assert.equal(emu.state.requests.length, n);
  // Another field of an item whose names were looked up: one request, by ID.
  v.link('user', op('op://PRIVATE/github/username'));
  assert.equal((await v.resolve({ url: 'https://api.test/?u={{vault:user}}' })).url, 'https://api.test/?u=octocat');
  assert.deepEqual(emu.state.requests.slice(n), [`GET /v1/vaults/${VID}/items/${IID}`]);
  // resetCache() forgets the names too.
  v.resetCache();
  const m = emu.state.requests.length;
  await v.resolve({ url: 'https://api.test/?u={{vault:user}}' });
  assert.ok(emu.state.requests.slice(m).includes('GET /v1/vaults?filter=name%20eq%20%22PRIVATE%22'));
  v.wipe();
});

test('attributes: type, purpose, id, label, otp (Connect\'s code and one computed in wasm)', async () => {
  const v = await vaultWith([
    ['type', op('op://Private/GitHub/username?attribute=type')],
    ['purpose', op('op://Private/GitHub/username?attribute=purpose')],
    ['id', op('op://Private/GitHub/TOTP_ayb4mhwl5pvmcqh3gplpnw7tne?attribute=id')],
    ['label', op('op://Private/GitHub/TOTP_ayb4mhwl5pvmcqh3gplpnw7tne?attribute=label')],
    ['uri', op('op://Private/GitHub/Security/one-time password')],
    ['otp', op('op://Private/GitHub/Security/one-time password?attribute=otp')],
  ]);
  const uri = FULL_ITEM.fields.find((f) => f.type === 'OTP').value;
  const t0 = Date.now();
  const r = await v.resolve({ url: 'https://api.test/', headers: { T: '{{vault:type}}', P: '{{vault:purpose}}', I: '{{vault:id}}', L: '{{vault:label}}', U: '{{vault:uri}}', O: '{{vault:otp}}' } });
  assert.deepEqual(r.unresolved, []);
  assert.deepEqual(
    { ...r.headers, O: undefined },
    { T: 'STRING', P: 'USERNAME', I: 'TOTP_ayb4mhwl5pvmcqh3gplpnw7tne', L: 'one-time password', U: uri, O: undefined },
  );
  assert.ok([totpFromUri(uri, t0), totpFromUri(uri, Date.now())].includes(r.headers.O));
  v.wipe();
  // Without Connect's "totp": the core computes RFC 6238 from the otpauth:// URI with the caller's clock.
  emu.state.omitTotp = true;
  try {
    const w = await vaultWith([['otp', op('op://Private/GitHub/Security/one-time password?attribute=totp')]]);
    const t1 = Date.now();
    const r2 = await w.resolve({ url: 'https://api.test/{{vault:otp}}' });
    assert.deepEqual(r2.unresolved, []);
    assert.ok([totpFromUri(uri, t1), totpFromUri(uri, Date.now())].map((c) => `https://api.test/${c}`).includes(r2.url));
    // Cached only until the end of the 30 s period.
    const entry = w.status().cache.find((e) => e.name === 'otp');
    assert.ok(entry.expiresAt <= (Math.floor(Date.now() / 30000) + 1) * 30000);
    w.wipe();
  } finally {
    emu.state.omitTotp = false;
  }
});

test('file attachments: content and metadata', async () => {
  const v = await vaultWith([
    ['ca', op('op://Private/Prod DB/Connection/ca.pem')],
    ['size', op('op://Private/Prod DB/ca.pem?attribute=size')],
  ]);
  const r = await v.resolve({ url: 'https://api.test/', body: '{{vault:ca}}|{{vault:size}}' });
  assert.deepEqual(r.unresolved, []);
  assert.equal(r.body, 'CA-CERT-BYTES|13');
  assert.ok(emu.state.requests.some((s) => s.startsWith(`GET /v1/vaults/${VID}/items/${DB_IID}/files/`) && s.endsWith('/content')));
  v.wipe();
});

test('errors: not found, ambiguous, out of scope, throttled, unreachable; never a value', async () => {
  const v = await vaultWith([
    ['novault', op('op://Nope/GitHub/password')],
    ['noitem', op('op://Private/Nope/password')],
    ['nofield', op('op://Private/GitHub/nope')],
    ['twins', op('op://Private/Twin/password')],
  ]);
  const r = await v.resolve({ url: 'https://api.test/?a={{vault:novault}}&b={{vault:noitem}}&c={{vault:nofield}}&d={{vault:twins}}' });
  assert.deepEqual(r.unresolved.map((u) => [u.name, u.reason]), [
    ['novault', 'not_found'],
    ['noitem', 'not_found'],
    ['nofield', 'key_not_found'],
    ['twins', 'misconfigured'],
  ]);
  assert.match(r.unresolved[3].detail, /ambiguous: 2 items named "Twin"/);
  assert.match(r.unresolved[2].detail, /field "nope" not found for op:\/\/Private\/GitHub\/nope/);
  const text = JSON.stringify(r.unresolved);
  for (const secret of ['hunter2', 'twin-', 'octocat', TOKEN]) assert.ok(!text.includes(secret));
  v.wipe();

  const narrow = await vaultWith([['gh', op(`op://${VID}/GitHub/password`)]], NARROW_TOKEN);
  const d = await narrow.resolve({ url: 'https://api.test/{{vault:gh}}' });
  assert.equal(d.unresolved[0].reason, 'permission_denied');
  assert.match(d.unresolved[0].detail, /HTTP 403/);
  narrow.wipe();

  for (const [knob, reason] of [['throttle', 'throttled'], ['failures', 'unreachable']]) {
    const w = await vaultWith([['gh', op('op://Private/GitHub/password')]]);
    emu.state[knob] = 20; // more than the transport's retries
    const x = await w.resolve({ url: 'https://api.test/{{vault:gh}}' });
    assert.equal(x.unresolved[0].reason, reason);
    emu.state[knob] = 0;
    w.wipe();
  }
});

test('a refused token → credentials rejected at connect (and at send); credentials dropped; reconnecting works', async () => {
  await assert.rejects(vaultWith([], 'not-a-token'), (e) => e.code === 'credentials_rejected' && e.message.endsWith('connect("1password"): the provider rejected the credentials (HTTP 401)'));
  const v = await vaultWith([['gh', op('op://Private/GitHub/password')]], 'not-a-token', { verify: false });
  const r = await v.resolve({ url: 'https://api.test/{{vault:gh}}' });
  assert.equal(r.unresolved[0].reason, 'credentials_rejected');
  const p = v.status().providers.find((x) => x.provider === '1password');
  assert.deepEqual([p.connected, p.reauthRequired, p.credentialsRejected], [false, false, true]);
  await v.connect('1password', { host: emu.url, token: TOKEN });
  assert.equal((await v.resolve({ url: 'https://api.test/{{vault:gh}}' })).url, 'https://api.test/hunter2');
  // No expiry unless expiresAt is given.
  const q = v.status().providers.find((x) => x.provider === '1password');
  assert.ok(!q.expiresAt);
  v.wipe();
});

test('bad references are refused when linking, naming the byte and only the head of the reference', async () => {
  const v = await createVault();
  // A string that does not parse as a reference may be a value pasted by mistake (#11 §6): 4 bytes at most.
  assert.throws(() => v.link('x', op('op://Private/GitHub')), (e) => /too few segments.*byte 19.*"op:\/…"/.test(e.message) && !e.message.includes('GitHub'));
  assert.throws(() => v.link('y', op('op://Private/Git$Hub/password')), /byte 16/);
  v.wipe();
});
