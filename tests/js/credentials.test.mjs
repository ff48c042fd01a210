// Issue #13 §1–3 through the JS API and the emulators: connect() checks the
// credentials with the provider and says what it learned (or rejects naming
// the provider and the HTTP status, never a credential); a wrong credential
// is "credentials_rejected", not "reauth_required"; a missing key is
// "key_not_found"; a cached value never outlives the credential that fetched it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createVault, fetchTransport, VaultError } from 'vaultlink';
import { startAwsEmulator } from '../emulators/aws.mjs';
import { startVaultEmulator } from '../emulators/vault.mjs';
import { startOnePasswordEmulator } from '../emulators/onepassword.mjs';
import { startAzureEmulator } from '../emulators/azure.mjs';
import { startGcpEmulator } from '../emulators/gcp.mjs';
import { seed as opSeed, TOKEN as OP_TOKEN } from './onepassword-fixtures.mjs';

const ACCOUNT = '123456789012';
const ALICE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'emulator-only-secret-alice' };
const BOB = { accessKeyId: 'AKIDEXAMPLEBOB', secretAccessKey: 'emulator-only-secret-bob' };
const arn = (name, suffix) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-${suffix}`;
const DB = arn('db', 'Ab12Cd');
const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const AZ_JWT = `${b64url({ alg: 'RS256' })}.${b64url({ aud: 'https://vault.azure.net', oid: '11111111-2222-3333-4444-555555555555', upn: 'alice@contoso.test', exp: 4102444800 })}.c2ln`;

let aws, hv, op, az, gcp;
before(async () => {
  aws = await startAwsEmulator({
    secrets: [{ name: 'db', suffix: 'Ab12Cd', string: '{"user":"u","password":"EXAMPLE-PW"}' }],
    keys: [
      { ...ALICE, principal: `arn:aws:iam::${ACCOUNT}:user/alice`, allow: ['*'] },
      { ...BOB, principal: `arn:aws:iam::${ACCOUNT}:user/bob`, allow: [DB] },
    ],
  });
  hv = await startVaultEmulator({
    mounts: { 'secret/': { version: 2 } },
    secrets: { 'secret/app': { pw: 'vault-pw' } },
    policies: { reader: { 'secret/data/*': ['read'] } },
    tokens: { 'hvs.READER': { policies: ['default', 'reader'], ttl: 3600 } },
    approle: { roles: { app: { role_id: 'role-1', secret_id: 'secret-id-1', policies: ['reader'] } } },
  });
  op = await startOnePasswordEmulator(opSeed());
  az = await startAzureEmulator({ secrets: [{ name: 'db', value: 'az-value' }], tokens: [{ token: AZ_JWT }, { token: 'tok-good' }] });
  gcp = await startGcpEmulator({
    projectNumber: '1',
    secrets: [{ project: 'p', name: 'db', versions: [{ data: '{"password":"gcp-pw"}' }] }],
    tokens: [{ token: 'ya29.good' }],
  });
});
after(() => Promise.all([aws, hv, op, az, gcp].map((e) => e.close())));

const vaults = [];
after(() => vaults.forEach((v) => v.wiped || v.wipe()));
async function vault(transport) {
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport: transport ?? fetchTransport({ retries: 0 }) });
  vaults.push(v);
  return v;
}
const providerStatus = (v, name) => v.status().providers.find((p) => p.provider === name);

/** The rejection connect() must give: the code, the provider and HTTP status named, no credential. */
function rejected(provider, http, ...secrets) {
  return (e) => {
    assert.ok(e instanceof VaultError, String(e));
    assert.equal(e.code, 'credentials_rejected');
    assert.equal(e.message, `vaultlink: connect("${provider}"): the provider rejected the credentials (HTTP ${http})`);
    for (const s of secrets) assert.ok(!e.message.includes(s));
    return true;
  };
}

test('aws: good keys verify through STS GetCallerIdentity; the result names the ARN', async () => {
  const v = await vault();
  const calls = aws.state.calls.length;
  const r = await v.connect('aws', { ...ALICE, endpoint: aws.url });
  assert.deepEqual({ ...r, expiresAt: typeof r.expiresAt }, {
    provider: 'aws', verified: true, identity: `arn:aws:iam::${ACCOUNT}:user/alice`, expiresAt: 'number', method: 'sts:GetCallerIdentity',
  });
  assert.deepEqual(aws.state.calls.slice(calls).map((c) => c.operation), ['sts.GetCallerIdentity']);
  assert.equal(providerStatus(v, 'aws').connected, true);
  v.link('db', { provider: 'aws', aws: { secretArn: DB, format: 'json', key: 'password' } });
  assert.equal((await v.resolve({ url: 'https://api.test/{{vault:db}}' })).url, 'https://api.test/EXAMPLE-PW');
});

test('aws: a wrong secret key or an unknown key id is rejected at connect, before any send', async () => {
  const v = await vault();
  await assert.rejects(v.connect('aws', { ...ALICE, secretAccessKey: 'wrong-secret-key', endpoint: aws.url }), rejected('aws', 403, 'wrong-secret-key'));
  const st = providerStatus(v, 'aws');
  assert.deepEqual([st.connected, st.credentialsRejected, st.reauthRequired], [false, true, false]);
  // Sending now makes no request and says why.
  v.link('db', { provider: 'aws', aws: { secretArn: DB } });
  const calls = aws.state.calls.length;
  const r = await v.resolve({ url: 'https://api.test/{{vault:db}}' });
  assert.equal(aws.state.calls.length, calls);
  assert.deepEqual(r.unresolved.map((u) => [u.reason, u.message]), [['credentials_rejected', 'the provider rejected the credentials']]);
  await assert.rejects(v.connect('aws', { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'whatever-secret', endpoint: aws.url }), rejected('aws', 403, 'whatever-secret'));
  // Good keys again: connected, verified.
  assert.equal((await v.connect('aws', { ...ALICE, endpoint: aws.url })).verified, true);
  assert.equal(providerStatus(v, 'aws').credentialsRejected, false);
});

test('aws: at send time a wrong key is credentials_rejected, not reauth_required', async () => {
  const v = await vault();
  await v.connect('aws', { ...ALICE, secretAccessKey: 'wrong', endpoint: aws.url }, { verify: false });
  v.link('db', { provider: 'aws', aws: { secretArn: DB } });
  const r = await v.resolve({ url: 'https://api.test/{{vault:db}}' });
  assert.deepEqual(r.unresolved.map((u) => u.reason), ['credentials_rejected']);
  assert.match(r.unresolved[0].detail, /InvalidSignatureException \(HTTP 400\)/);
});

test('aws: a nonexistent ARN is 400 ResourceNotFoundException → not_found (AccessDeniedException 400 when IAM hides it)', async () => {
  const statuses = [];
  const base = fetchTransport({ retries: 0 });
  const v = await vault({ perform: async (job) => { const res = await base.perform(job); statuses.push(res.status); return res; } });
  await v.connect('aws', { ...ALICE, endpoint: aws.url });
  v.link('gone', { provider: 'aws', aws: { secretArn: arn('no-such', 'Zz99Yy') } });
  v.link('nokey', { provider: 'aws', aws: { secretArn: DB, format: 'json', key: 'nope' } });
  statuses.length = 0;
  let r = await v.resolve({ url: 'https://api.test/?a={{vault:gone}}&b={{vault:nokey}}' });
  assert.deepEqual(r.unresolved.map((u) => [u.name, u.reason]), [['gone', 'not_found'], ['nokey', 'key_not_found']]);
  assert.equal(r.unresolved[1].message, 'key not found in the secret');
  assert.deepEqual(statuses.sort(), [200, 400]); // providers.md §1.4: 400, never 403, on the JSON protocol
  // Bob may only read DB: IAM answers before existence is revealed.
  const w = await vault({ perform: async (job) => { const res = await base.perform(job); statuses.push(res.status); return res; } });
  await w.connect('aws', { ...BOB, endpoint: aws.url });
  w.link('gone', { provider: 'aws', aws: { secretArn: arn('no-such', 'Zz99Yy') } });
  statuses.length = 0;
  r = await w.resolve({ url: 'https://api.test/{{vault:gone}}' });
  assert.deepEqual(r.unresolved.map((u) => u.reason), ['permission_denied']);
  assert.deepEqual(statuses, [400]);
});

test('aws: an unreachable STS rejects with "unreachable" and leaves the provider disconnected', async () => {
  const v = await vault();
  await assert.rejects(v.connect('aws', { ...ALICE, endpoint: 'http://127.0.0.1:9' }), (e) => e.code === 'unreachable' && /connect\("aws"\)/.test(e.message) && !e.message.includes(ALICE.secretAccessKey));
  assert.deepEqual([providerStatus(v, 'aws').connected, providerStatus(v, 'aws').credentialsRejected], [false, false]);
});

test('hashicorp: token lookup-self and AppRole login verify; bad ones are rejected with the HTTP status', async () => {
  const v = await vault();
  const r = await v.connect('hashicorp', { address: hv.url, token: 'hvs.READER' });
  assert.equal(r.verified, true);
  assert.equal(r.method, 'vault:token/lookup-self');
  assert.match(r.identity, /policies default, reader$/);
  assert.ok(!JSON.stringify(r).includes('hvs.READER'));
  assert.ok(r.expiresAt > Date.now() + 3500_000 && r.expiresAt <= Date.now() + 3600_000);
  await assert.rejects(v.connect('hashicorp', { address: hv.url, token: 'hvs.WRONG' }), rejected('hashicorp', 403, 'hvs.WRONG'));
  const a = await v.connect('hashicorp', { address: hv.url, approle: { roleId: 'role-1', secretId: 'secret-id-1' } });
  assert.deepEqual([a.verified, a.method], [true, 'vault:approle login']);
  v.link('pw', { provider: 'hashicorp', hashicorp: { engine: 'secret', path: 'app', key: 'pw' } });
  assert.equal((await v.resolve({ url: 'https://api.test/{{vault:pw}}' })).url, 'https://api.test/vault-pw');
  await assert.rejects(v.connect('hashicorp', { address: hv.url, approle: { roleId: 'role-1', secretId: 'bad-secret-id' } }), rejected('hashicorp', 400, 'bad-secret-id'));
  // A missing key in an existing secret.
  await v.connect('hashicorp', { address: hv.url, token: 'hvs.READER' });
  v.link('nokey', { provider: 'hashicorp', hashicorp: { engine: 'secret', path: 'app', key: 'nope' } });
  assert.deepEqual((await v.resolve({ url: 'https://api.test/{{vault:nokey}}' })).unresolved.map((u) => u.reason), ['key_not_found']);
});

test('1password: GET /v1/vaults verifies ("N vaults visible"); a bad token is rejected (HTTP 401)', async () => {
  const v = await vault();
  const r = await v.connect('1password', { host: op.url, token: OP_TOKEN });
  assert.deepEqual([r.verified, r.method, r.expiresAt], [true, 'connect:GET /v1/vaults', null]);
  assert.match(r.identity, /^\d+ vaults? visible$/);
  await assert.rejects(v.connect('1password', { host: op.url, token: 'not-a-connect-token' }), rejected('1password', 401, 'not-a-connect-token'));
  assert.equal(providerStatus(v, '1password').connected, false);
});

test('azure: a JWT is checked by its claims (oid, upn); an opaque wrong token shows at send as credentials_rejected', async () => {
  const v = await vault();
  const r = await v.connect('azure', { accessToken: AZ_JWT, endpoint: az.url });
  assert.deepEqual({ ...r, expiresAt: undefined }, {
    provider: 'azure', verified: true, identity: 'oid 11111111-2222-3333-4444-555555555555, upn alice@contoso.test', expiresAt: undefined, method: 'azure:token-claims',
  });
  const o = await v.connect('azure', { accessToken: 'tok-wrong', endpoint: az.url });
  assert.deepEqual([o.verified, o.method], [false, 'none']);
  v.link('db', 'https://myvault.vault.azure.net/secrets/db');
  const res = await v.resolve({ url: 'https://api.test/{{vault:db}}' });
  assert.deepEqual(res.unresolved.map((u) => u.reason), ['credentials_rejected']);
});

test('gcp: no cheap check (verified: false); a wrong token is credentials_rejected at send; a missing key is key_not_found', async () => {
  const v = await vault();
  const r = await v.connect('gcp', { accessToken: 'ya29.good', endpoint: gcp.url });
  assert.deepEqual([r.verified, r.method, r.identity], [false, 'none', undefined]);
  v.link('pw', { provider: 'gcp', gcp: { name: 'projects/p/secrets/db/versions/latest', key: 'password' } });
  v.link('nokey', { provider: 'gcp', gcp: { name: 'projects/p/secrets/db/versions/latest', key: 'nope' } });
  let res = await v.resolve({ url: 'https://api.test/?a={{vault:pw}}&b={{vault:nokey}}' });
  assert.equal(res.url, 'https://api.test/?a=gcp-pw&b={{vault:nokey}}');
  assert.deepEqual(res.unresolved.map((u) => u.reason), ['key_not_found']);
  await v.connect('gcp', { accessToken: 'ya29.wrong', endpoint: gcp.url });
  res = await v.resolve({ url: 'https://api.test/{{vault:pw}}' });
  assert.deepEqual(res.unresolved.map((u) => u.reason), ['credentials_rejected']);
});

test('a value fetched with a credential is wiped when it expires (and on disconnect, on reconnect)', async () => {
  const v = await vault();
  const expiresAt = Date.now() + 1500;
  const c = await v.connect('gcp', { accessToken: 'ya29.good', endpoint: gcp.url, expiresAt });
  assert.equal(c.expiresAt, expiresAt);
  v.link('pw', { provider: 'gcp', gcp: { name: 'projects/p/secrets/db/versions/latest', key: 'password' } });
  assert.equal((await v.resolve({ url: 'https://api.test/{{vault:pw}}' })).url, 'https://api.test/gcp-pw');
  assert.deepEqual(v.status().cache.map((e) => e.name), ['pw']);
  const calls = gcp.state.calls.length;
  assert.equal((await v.resolve({ url: 'https://api.test/{{vault:pw}}' })).url, 'https://api.test/gcp-pw'); // cached
  assert.equal(gcp.state.calls.length, calls);
  await new Promise((r) => setTimeout(r, expiresAt - Date.now() + 200));
  assert.deepEqual(v.status().cache, []);
  const res = await v.resolve({ url: 'https://api.test/{{vault:pw}}' });
  assert.deepEqual(res.unresolved.map((u) => u.reason), ['reauth_required']);
  assert.equal(gcp.state.calls.length, calls);

  await v.connect('gcp', { accessToken: 'ya29.good', endpoint: gcp.url });
  await v.resolve({ url: 'https://api.test/{{vault:pw}}' });
  assert.equal(v.status().cache.length, 1);
  v.disconnect('gcp');
  assert.deepEqual(v.status().cache, []);
  await v.connect('gcp', { accessToken: 'ya29.good', endpoint: gcp.url });
  await v.resolve({ url: 'https://api.test/{{vault:pw}}' });
  assert.equal(v.status().cache.length, 1);
  await v.connect('gcp', { accessToken: 'ya29.other', endpoint: gcp.url });
  assert.deepEqual(v.status().cache, []);
});

test('connect({verify: false}) skips the check; argument errors still reject', async () => {
  const v = await vault({ perform: () => assert.fail('no request without a check') });
  const r = await v.connect('aws', { ...ALICE, endpoint: aws.url }, { verify: false });
  assert.deepEqual({ ...r, expiresAt: typeof r.expiresAt }, { provider: 'aws', verified: false, expiresAt: 'number', method: 'none' });
  await assert.rejects(v.connect('aws', { accessKeyId: 'x' }), (e) => e.code === 'bad_argument');
});
