// GCP Secret Manager end to end: the JS API, the wasm core (base64 payload,
// CRC-32C check, JSON keys, error taxonomy), the fetch transport and the
// emulator; plus the emulator's own wire format and CORS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createVault } from 'vaultlink';
import { startGcpEmulator, crc32c } from '../emulators/gcp.mjs';

const VECTORS = process.env.VL_VECTORS_DIR ?? new URL('../../../shared/vectors', import.meta.url).pathname;
const NUMBER = '123456789';
const src = (name, key) => ({ provider: 'gcp', gcp: key ? { name, key } : { name } });
let g;
before(async () => {
  g = await startGcpEmulator({
    projectNumber: NUMBER,
    secrets: [
      { project: 'my-project', name: 'db', versions: [{ data: 'v1-value' }, { data: '{"username":"david","password":"EXAMPLE-PASSWORD","db":{"port":5432}}' }] },
      { project: 'my-project', name: 'retired', versions: [{ data: 'x', state: 'DISABLED' }, { data: 'y', state: 'DESTROYED' }] },
      { project: 'my-project', name: 'private', versions: [{ data: 'p' }] },
      { project: 'my-project', location: 'europe-west1', name: 'eu', versions: [{ data: 'eu-value' }] },
      { project: 'my-project', name: 'bin', versions: [{ data: new Uint8Array([0, 1, 2, 250]) }] },
    ],
    tokens: [{ token: 'ya29.good' }, { token: 'ya29.narrow', allow: ['db'] }, { token: 'ya29.old', expiresAt: Date.now() - 1 }],
  });
});
after(() => g.close());

async function vaultWith(accessToken, links) {
  const v = await createVault();
  await v.connect('gcp', { accessToken, endpoint: g.url });
  for (const [name, source] of links) v.link(name, source);
  return v;
}

test('emulator: CRC-32C as the vectors say; CORS preflight and echoed origin', async () => {
  const vec = JSON.parse(readFileSync(join(VECTORS, 'gcp-secret-manager/crc32c-vectors.json'), 'utf8'));
  for (const r of vec.vectors) assert.equal(String(crc32c(Buffer.from(r.payload_data_base64, 'base64'))), r.dataCrc32c_json, r.name);
  const pre = await fetch(`${g.url}/v1/projects/my-project/secrets/db/versions/latest:access`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://demo.test', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
  });
  assert.equal(pre.status, 200);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'http://demo.test');
  assert.match(pre.headers.get('access-control-allow-headers'), /authorization/);
  const res = await fetch(`${g.url}/v1/projects/my-project/secrets/db/versions/1:access`, { headers: { Authorization: 'Bearer ya29.good', Origin: 'http://demo.test' } });
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://demo.test');
  assert.deepEqual(await res.json(), { name: `projects/${NUMBER}/secrets/db/versions/1`, payload: { data: Buffer.from('v1-value').toString('base64'), dataCrc32c: String(crc32c(Buffer.from('v1-value'))) } });
  const e = await fetch(`${g.url}/v1/projects/my-project/secrets/none/versions/latest:access`, { headers: { Authorization: 'Bearer ya29.good' } });
  assert.deepEqual(await e.json(), { error: { code: 404, message: `Secret [projects/${NUMBER}/secrets/none] not found or has no versions.`, status: 'NOT_FOUND' } });
});

test('values: latest, numbered versions, JSON keys, regional names, shorthand, binary bodies', async () => {
  const v = await vaultWith('ya29.good', [
    ['v1', src('projects/my-project/secrets/db/versions/1')],
    ['pass', src('projects/my-project/secrets/db/versions/latest', 'password')],
    ['port', src('projects/my-project/secrets/db', 'db.port')],
    ['eu', 'projects/my-project/locations/europe-west1/secrets/eu/versions/latest'],
    ['bin', src('projects/my-project/secrets/bin/versions/1')],
  ]);
  const r = await v.resolve({ method: 'POST', url: 'https://api.test/?a={{vault:v1}}&p={{vault:pass}}&port={{vault:port}}', headers: { 'X-Eu': '{{vault:eu}}' }, body: new TextEncoder().encode('{{vault:bin}}') });
  assert.deepEqual(r.unresolved, []);
  assert.equal(r.url, 'https://api.test/?a=v1-value&p=EXAMPLE-PASSWORD&port=5432');
  assert.equal(r.headers['X-Eu'] ?? r.headers['x-eu'], 'eu-value');
  assert.deepEqual([...new Uint8Array(r.body)], [0, 1, 2, 250]);
  assert.ok(g.state.calls.some((c) => c.path === '/v1/projects/my-project/locations/europe-west1/secrets/eu/versions/latest:access'));
});

test('a CRC-32C mismatch is refused and the value discarded', async () => {
  g.state.corruptCrc = true;
  try {
    const v = await vaultWith('ya29.good', [['x', src('projects/my-project/secrets/db/versions/1')]]);
    const r = await v.resolve({ url: 'https://api.test/?k={{vault:x}}' });
    assert.equal(r.url, 'https://api.test/?k={{vault:x}}');
    assert.equal(r.unresolved[0].reason, 'malformed_response');
    assert.match(r.unresolved[0].detail, /dataCrc32c does not match/);
    assert.ok(!JSON.stringify(r).includes('v1-value'));
    assert.equal(v.status().cache.length, 0);
  } finally {
    g.state.corruptCrc = false;
  }
});

test('errors: not found, permission denied, disabled/destroyed, throttled, unauthenticated wipes credentials', async () => {
  const v = await vaultWith('ya29.good', [
    ['missing', src('projects/my-project/secrets/none/versions/latest')],
    ['nover', src('projects/my-project/secrets/db/versions/9')],
    ['disabled', src('projects/my-project/secrets/retired/versions/1')],
    ['destroyed', src('projects/my-project/secrets/retired/versions/2')],
    ['nokey', src('projects/my-project/secrets/db/versions/2', 'nope')],
  ]);
  const r = await v.resolve({ url: 'https://api.test/{{vault:missing}}/{{vault:nover}}/{{vault:disabled}}/{{vault:destroyed}}/{{vault:nokey}}' });
  const by = Object.fromEntries(r.unresolved.map((u) => [u.name, u]));
  assert.equal(by.missing.reason, 'not_found');
  assert.match(by.missing.detail, /NOT_FOUND \(HTTP 404\) for projects\/my-project\/secrets\/none\/versions\/latest/);
  assert.equal(by.nover.reason, 'not_found');
  assert.equal(by.disabled.reason, 'disabled_at_provider');
  assert.match(by.disabled.detail, /FAILED_PRECONDITION \(HTTP 400\)/);
  assert.equal(by.destroyed.reason, 'disabled_at_provider');
  assert.equal(by.nokey.reason, 'key_not_found');
  assert.ok(!JSON.stringify(r).includes('EXAMPLE-PASSWORD'));

  const narrow = await vaultWith('ya29.narrow', [['p', src('projects/my-project/secrets/private/versions/latest')]]);
  const d = await narrow.resolve({ url: 'https://api.test/{{vault:p}}' });
  assert.equal(d.unresolved[0].reason, 'permission_denied');
  assert.match(d.unresolved[0].detail, /PERMISSION_DENIED \(HTTP 403\)/);

  g.state.throttle = true;
  try {
    const t = await vaultWith('ya29.good', [['x', src('projects/my-project/secrets/db/versions/1')]]);
    assert.equal((await t.resolve({ url: 'https://api.test/{{vault:x}}' })).unresolved[0].reason, 'throttled');
  } finally {
    g.state.throttle = false;
  }

  const old = await vaultWith('ya29.old', [['x', src('projects/my-project/secrets/db/versions/1')]]);
  const o = await old.resolve({ url: 'https://api.test/{{vault:x}}' });
  // The token's expiry is unknown to the vault (no expiresAt): a 401 is a rejection.
  assert.equal(o.unresolved[0].reason, 'credentials_rejected');
  const p = old.status().providers.find((x) => x.provider === 'gcp');
  assert.deepEqual([p.connected, p.reauthRequired, p.credentialsRejected], [false, false, true]);
});

test('credentials: one hour by default, expiresAt honoured', async () => {
  const v = await createVault();
  const before = Date.now();
  await v.connect('gcp', { accessToken: 'ya29.good', endpoint: g.url });
  const p = v.status().providers.find((x) => x.provider === 'gcp');
  assert.ok(p.expiresAt >= before + 3600_000 && p.expiresAt <= Date.now() + 3600_000);
  await v.connect('gcp', { accessToken: 'ya29.good', endpoint: g.url, expiresAt: before + 60_000 });
  assert.equal(v.status().providers.find((x) => x.provider === 'gcp').expiresAt, before + 60_000);
});
