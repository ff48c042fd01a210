// HashiCorp Vault end to end: the JS API (wasm core + fetch transport) against
// tests/emulators/vault.mjs — KV v1/v2, mount detection, versions, namespaces,
// every auth method, the error taxonomy, expiry, and the OIDC browser helper.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { createServer } from 'node:net';
import { createVault } from 'vaultlink';
import { startVaultEmulator } from '../emulators/vault.mjs';
import { fetchTransport } from '../../web/src/transports/fetch.js';
import { vaultOidcLogin, vaultOidcConnect } from '../../web/src/auth/vault-oidc.js';

const HOUR = 3600;
const REDIRECT = 'http://127.0.0.1:10545/oidc/callback';
const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBKEY = idp.publicKey.export({ type: 'spki', format: 'pem' });
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
function signJwt(claims) {
  const data = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${data}.${cryptoSign('sha256', Buffer.from(data), idp.privateKey).toString('base64url')}`;
}
const nowSec = () => Math.floor(Date.now() / 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const READ = { 'secret/data/*': ['read'], 'kv/*': ['read'], 'team/data/*': ['read'] };
function seed(extra = {}) {
  return {
    mounts: { 'secret/': { version: 2 }, 'kv/': { version: 1, ttl: 1 }, 'ns1/secret/': { version: 2 }, 'ns1/ns2/team/': { version: 2 } },
    namespaces: ['ns1/', 'ns1/ns2/'],
    secrets: {
      'secret/myapp': { password: 'emu-pass-1', value: 'postman-value', port: 5432, nested: { a: [1, 'b'] }, 'db.pass': 'dotted' },
      'secret/versioned': [{ data: { k: 'one' } }, { data: { k: 'two' } }, { data: { k: 'three' } }],
      'secret/deleted': [{ data: { k: '1' } }, { data: { k: '2' }, deleted: Date.now() - 1000 }],
      'secret/destroyed': [{ data: null, destroyed: true }],
      'kv/legacy': { FOO: 'BAR' },
      'ns1/secret/team': { owner: 'ns1-owner' },
      'ns1/ns2/team/deep': { k: 'deep-value' },
    },
    policies: { reader: READ, none: {} },
    tokens: {
      'hvs.READER': { policies: ['reader'], ttl: HOUR },
      'hvs.ROOT': { policies: ['root'] },
      'hvs.NOBODY': { policies: ['none'], ttl: HOUR },
      'hvs.SHORT': { policies: ['reader'], ttl: 2 },
      'hvs.EXPIRED': { policies: ['reader'], ttl: 60, creationTime: Date.now() - 120_000 },
      'hvs.NS1': { policies: ['root'], namespace: 'ns1/' },
    },
    approle: { roles: { app: { role_id: 'role-id-example', secret_id: 'secret-id-example', policies: ['reader'], token_ttl: 1200 } } },
    userpass: { users: { alice: { password: 'emulator-only-password', policies: ['reader'], token_ttl: 900 } } },
    jwt: { mount: 'postman-jwt', publicKeys: [PUBKEY], roles: { postman: { policies: ['reader'], bound_audiences: ['vaultlink'], token_ttl: 600 } } },
    oidc: {
      authEndpoint: 'https://idp.example.test/authorize',
      clientId: 'vaultlink-test',
      roles: { postman: { allowed_redirect_uris: [REDIRECT], policies: ['reader'], token_ttl: 700 } },
    },
    ...extra,
  };
}

const started = [];
async function emulator(extra) {
  const e = await startVaultEmulator(seed(extra));
  started.push(e);
  return e;
}
const vaults = [];
// No retries: 429 and 503 answers are what these tests look at.
async function vaultFor(emu, creds = { token: 'hvs.READER' }, connectOptions) {
  const v = await createVault({ wipeOnLeave: false, transport: fetchTransport({ retries: 0 }) });
  vaults.push(v);
  await v.connect('hashicorp', { address: emu.url, ...creds }, connectOptions);
  return v;
}
after(async () => {
  for (const v of vaults) if (!v.wiped) v.wipe();
  await Promise.all(started.map((e) => e.close()));
});

const link = (v, name, hashicorp) => v.link(name, { provider: 'hashicorp', hashicorp });
async function get(v, name) {
  const r = await v.resolve({ url: `https://api.test/?k={{vault:${name}}}` });
  return { value: decodeURIComponent(new URL(r.url).searchParams.get('k')), unresolved: r.unresolved, raw: r.url };
}
const paths = (emu) => emu.state.requests.map((r) => `${r.method} ${r.path}`);
const hcStatus = (v) => v.status().providers.find((p) => p.provider === 'hashicorp');

test('KV v2 read by token: lookup-self, mount detection, data read, cached', async () => {
  const emu = await emulator();
  const v = await vaultFor(emu);
  link(v, 'x', { engine: 'secret', path: 'myapp', key: 'password' });
  const r = await get(v, 'x');
  assert.equal(r.value, 'emu-pass-1');
  assert.deepEqual(r.unresolved, []);
  assert.deepEqual(paths(emu), ['GET /v1/auth/token/lookup-self', 'GET /v1/sys/internal/ui/mounts/secret/myapp', 'GET /v1/secret/data/myapp']);
  assert.equal(emu.state.requests[2].headers['x-vault-token'], 'hvs.READER');
  const exp = hcStatus(v).expiresAt;
  assert.ok(Math.abs(exp - (Date.now() + HOUR * 1000)) < 10_000, 'the token ttl became the credential expiry');
  assert.equal((await get(v, 'x')).value, 'emu-pass-1');
  assert.equal(emu.state.requests.length, 3, 'cached: no second fetch');
});

test("Postman's path form, non-string values, dot keys, whole map", async () => {
  const emu = await emulator();
  const v = await vaultFor(emu, { token: 'hvs.READER', expiresAt: Date.now() + 600_000 });
  link(v, 'pm', { engine: 'secret', path: '/secret/data/myapp', key: 'value' });
  link(v, 'port', { engine: 'secret', path: 'myapp', key: 'port' });
  link(v, 'nested', { engine: 'secret', path: 'myapp', key: 'nested' });
  link(v, 'dotted', { engine: 'secret', path: 'myapp', key: 'db.pass' });
  link(v, 'deep', { engine: 'secret', path: 'myapp', key: 'nested.a' });
  assert.equal((await get(v, 'pm')).value, 'postman-value');
  assert.equal((await get(v, 'port')).value, '5432');
  assert.equal((await get(v, 'nested')).value, '{"a":[1,"b"]}');
  assert.equal((await get(v, 'dotted')).value, 'dotted');
  assert.equal((await get(v, 'deep')).value, '[1,"b"]');
  // expiresAt given: the only lookup is connect's check, never a fetch's.
  assert.equal(paths(emu).filter((p) => p === 'GET /v1/auth/token/lookup-self').length, 1);
  assert.equal(paths(emu)[0], 'GET /v1/auth/token/lookup-self');
  assert.equal(paths(emu).filter((p) => p.includes('sys/internal/ui/mounts')).length, 1, 'mount version cached per mount');
});

test('KV v1: detected, read flat, lease_duration is the cache hint', async () => {
  const emu = await emulator();
  const v = await vaultFor(emu);
  link(v, 'x', { engine: 'kv', path: 'legacy', key: 'FOO' });
  assert.equal((await get(v, 'x')).value, 'BAR');
  assert.ok(paths(emu).includes('GET /v1/kv/legacy'));
  const reads = () => paths(emu).filter((p) => p === 'GET /v1/kv/legacy').length;
  await get(v, 'x');
  assert.equal(reads(), 1);
  await sleep(1100); // the mount's ttl (1 s) is the lease_duration
  assert.equal((await get(v, 'x')).value, 'BAR');
  assert.equal(reads(), 2);
  // "kv": 1 override skips detection.
  const emu2 = await emulator();
  const v2 = await vaultFor(emu2, { token: 'hvs.READER', expiresAt: Date.now() + 600_000 });
  link(v2, 'x', { engine: 'kv', path: 'legacy', key: 'FOO', kv: 1 });
  assert.equal((await get(v2, 'x')).value, 'BAR');
  assert.deepEqual(paths(emu2), ['GET /v1/auth/token/lookup-self', 'GET /v1/kv/legacy']); // connect's check, the read
});

test('versions, deleted, destroyed, missing path and key', async () => {
  const emu = await emulator();
  const v = await vaultFor(emu);
  link(v, 'v1', { engine: 'secret', path: 'versioned', key: 'k', version: '1' });
  link(v, 'v2', { engine: 'secret', path: 'versioned', key: 'k', version: 2 });
  link(v, 'latest', { engine: 'secret', path: 'versioned', key: 'k' });
  link(v, 'del', { engine: 'secret', path: 'deleted', key: 'k' });
  link(v, 'destroyed', { engine: 'secret', path: 'destroyed', key: 'k', version: 1 });
  link(v, 'missing', { engine: 'secret', path: 'nope', key: 'k' });
  link(v, 'nokey', { engine: 'secret', path: 'myapp', key: 'zz' });
  link(v, 'badver', { engine: 'secret', path: 'versioned', key: 'k', version: 9 });
  assert.equal((await get(v, 'v1')).value, 'one');
  assert.equal((await get(v, 'v2')).value, 'two');
  assert.equal((await get(v, 'latest')).value, 'three');
  assert.ok(paths(emu).includes('GET /v1/secret/data/versioned?version=2'));
  const reason = async (n) => (await get(v, n)).unresolved[0];
  const del = await reason('del');
  assert.equal(del.reason, 'disabled_at_provider');
  assert.match(del.detail, /version 2 was deleted/);
  const des = await reason('destroyed');
  assert.equal(des.reason, 'disabled_at_provider');
  assert.match(des.detail, /destroyed/);
  assert.equal((await reason('missing')).reason, 'not_found');
  assert.equal((await reason('nokey')).reason, 'key_not_found');
  assert.equal((await reason('badver')).reason, 'not_found');
  const raw = (await get(v, 'missing')).raw;
  assert.ok(raw.includes('%7B%7Bvault:missing%7D%7D') || raw.includes('{{vault:missing}}'), 'the token stays literal');
});

test('namespaces: path prefix (default) and X-Vault-Namespace header', async () => {
  const emu = await emulator();
  const v = await vaultFor(emu, { token: 'hvs.NS1', namespace: 'ns1' });
  link(v, 'a', { engine: 'secret', path: 'team', key: 'owner' });
  link(v, 'b', { engine: 'team', path: 'deep', key: 'k', namespace: 'ns2' });
  assert.equal((await get(v, 'a')).value, 'ns1-owner');
  assert.equal((await get(v, 'b')).value, 'deep-value');
  assert.ok(paths(emu).includes('GET /v1/ns1/secret/data/team'));
  assert.ok(paths(emu).includes('GET /v1/ns1/ns2/team/data/deep'));
  assert.ok(emu.state.requests.every((r) => !r.headers['x-vault-namespace']));

  const emu2 = await emulator();
  const h = await vaultFor(emu2, { token: 'hvs.NS1', namespace: 'ns1', namespaceMode: 'header' });
  link(h, 'a', { engine: 'secret', path: 'team', key: 'owner' });
  assert.equal((await get(h, 'a')).value, 'ns1-owner');
  const read = emu2.state.requests.find((r) => r.path === '/v1/secret/data/team');
  assert.equal(read.headers['x-vault-namespace'], 'ns1/');
});

test('errors: permission denied, invalid token, throttled, sealed, unreachable', async () => {
  const emu = await emulator();
  const denied = await vaultFor(emu, { token: 'hvs.NOBODY', expiresAt: Date.now() + 600_000 });
  link(denied, 'x', { engine: 'secret', path: 'myapp', key: 'password', kv: 2 });
  const d = (await get(denied, 'x')).unresolved[0];
  assert.equal(d.reason, 'permission_denied');
  assert.match(d.detail, /HTTP 403/);

  // Expired at Vault but not by the expiresAt it was connected with: Vault's
  // "invalid token" is a rejection, at connect's check and at send.
  const probe = await createVault({ wipeOnLeave: false, transport: fetchTransport({ retries: 0 }) });
  vaults.push(probe);
  await assert.rejects(probe.connect('hashicorp', { address: emu.url, token: 'hvs.EXPIRED' }), (e) => e.code === 'credentials_rejected' && /\(HTTP 403\)/.test(e.message) && !e.message.includes('hvs.'));
  const expired = await vaultFor(emu, { token: 'hvs.EXPIRED', expiresAt: Date.now() + 600_000 }, { verify: false });
  link(expired, 'x', { engine: 'secret', path: 'myapp', key: 'password', kv: 2 });
  assert.equal((await get(expired, 'x')).unresolved[0].reason, 'credentials_rejected');
  assert.equal(hcStatus(expired).credentialsRejected, true);
  assert.equal(hcStatus(expired).connected, false);

  const limited = await emulator({ rateLimit: { limit: 1, intervalSec: 60, headers: true } });
  const lv = await vaultFor(limited, { token: 'hvs.READER', expiresAt: Date.now() + 600_000 }, { verify: false }); // the one request is the read's
  link(lv, 'x', { engine: 'secret', path: 'myapp', key: 'password', kv: 2 });
  link(lv, 'y', { engine: 'secret', path: 'myapp', key: 'value', kv: 2 });
  assert.equal((await get(lv, 'x')).value, 'emu-pass-1');
  const t = (await get(lv, 'y')).unresolved[0];
  assert.equal(t.reason, 'throttled');
  assert.match(t.detail, /retry after \d+ s/);

  const sealed = await emulator({ sealed: true });
  await assert.rejects(vaultFor(sealed), (e) => e.code === 'unreachable' && /vault is sealed/.test(e.message));
  const sv = await vaultFor(sealed, undefined, { verify: false });
  link(sv, 'x', { engine: 'secret', path: 'myapp', key: 'password' });
  const s = (await get(sv, 'x')).unresolved[0];
  assert.equal(s.reason, 'unreachable');
  assert.match(s.detail, /vault is sealed/);

  const port = await new Promise((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = srv.address().port;
      srv.close(() => res(p));
    });
  });
  const down = await createVault({ wipeOnLeave: false, transport: fetchTransport({ retries: 0 }) });
  vaults.push(down);
  await assert.rejects(down.connect('hashicorp', { address: `http://127.0.0.1:${port}`, token: 'hvs.READER' }), (e) => e.code === 'unreachable');
  await down.connect('hashicorp', { address: `http://127.0.0.1:${port}`, token: 'hvs.READER' }, { verify: false });
  link(down, 'x', { engine: 'secret', path: 'myapp', key: 'password' });
  assert.equal((await get(down, 'x')).unresolved[0].reason, 'unreachable');

  for (const u of [d, t, s]) assert.ok(!/hvs\.|emu-pass/.test(u.detail), 'no token or value in any detail');
});

test('AppRole, userpass and JWT logins; a refused login is credentials_rejected', async () => {
  const emu = await emulator();
  const cases = [
    [{ approle: { roleId: 'role-id-example', secretId: 'secret-id-example' } }, 'POST /v1/auth/approle/login', 1200],
    [{ userpass: { username: 'Alice', password: 'emulator-only-password' } }, 'POST /v1/auth/userpass/login/Alice', 900],
    [{ jwt: { role: 'postman', jwt: signJwt({ sub: 'u', aud: 'vaultlink', exp: nowSec() + 300 }) }, mount: 'postman-jwt' }, 'POST /v1/auth/postman-jwt/login', 600],
  ];
  for (const [creds, loginPath, ttl] of cases) {
    emu.state.requests.length = 0;
    const v = await vaultFor(emu, creds);
    link(v, 'x', { engine: 'secret', path: 'myapp', key: 'password' });
    assert.equal((await get(v, 'x')).value, 'emu-pass-1', loginPath);
    assert.equal(paths(emu)[0], loginPath);
    assert.ok(!paths(emu).includes('GET /v1/auth/token/lookup-self'));
    const read = emu.state.requests.find((r) => r.path === '/v1/secret/data/myapp');
    assert.match(read.headers['x-vault-token'], /^hvs\./);
    assert.ok(Math.abs(hcStatus(v).expiresAt - (Date.now() + ttl * 1000)) < 10_000, 'lease_duration became the expiry');
    v.resetCache();
    await get(v, 'x');
    assert.equal(paths(emu).filter((p) => p === loginPath).length, 1, 'the login token is reused');
  }
  await assert.rejects(vaultFor(emu, { approle: { roleId: 'role-id-example', secretId: 'wrong' } }), (e) => e.code === 'credentials_rejected' && /\(HTTP 400\)/.test(e.message) && !e.message.includes('wrong'));
  const bad = await vaultFor(emu, { approle: { roleId: 'role-id-example', secretId: 'wrong' } }, { verify: false });
  link(bad, 'x', { engine: 'secret', path: 'myapp', key: 'password' });
  const u = (await get(bad, 'x')).unresolved[0];
  assert.equal(u.reason, 'credentials_rejected');
  assert.ok(!u.detail.includes('wrong'));
  assert.equal(hcStatus(bad).credentialsRejected, true);
});

test('the clock ends a token: lookup-self ttl, then reauth_required', async () => {
  const emu = await emulator();
  const v = await vaultFor(emu, { token: 'hvs.SHORT' });
  link(v, 'x', { engine: 'secret', path: 'myapp', key: 'password' });
  assert.equal((await get(v, 'x')).value, 'emu-pass-1');
  assert.ok(hcStatus(v).expiresAt <= Date.now() + 2000);
  await sleep(2100);
  assert.equal(hcStatus(v).reauthRequired, true);
  v.resetCache();
  assert.equal((await get(v, 'x')).unresolved[0].reason, 'reauth_required');
});

test('bad links and credentials are refused with the field named', async () => {
  const emu = await emulator();
  const v = await vaultFor(emu);
  assert.throws(() => link(v, 'x', { engine: 'secret', path: 'a//b' }), /"path": byte 2/);
  assert.throws(() => link(v, 'x', { path: 'a' }), /"engine"/);
  await assert.rejects(v.connect('hashicorp', { address: emu.url }), /exactly one of/);
  await assert.rejects(v.connect('hashicorp', { address: emu.url, userpass: { password: 'SECRETPW' } }), (e) => !e.message.includes('SECRETPW'));
});

test('OIDC helper: auth_url, the IdP via a custom opener, callback, connect', async () => {
  const emu = await emulator();
  let seenAuthUrl = null;
  const open = async (authUrl, { redirectUri }) => {
    seenAuthUrl = authUrl;
    assert.equal(redirectUri, REDIRECT);
    return emu.idpAuthorize(authUrl, { subject: 'user-7' });
  };
  const login = await vaultOidcLogin({ address: emu.url, role: 'postman', redirectUri: REDIRECT, open });
  assert.match(login.token, /^hvs\./);
  assert.ok(Math.abs(login.expiresAt - (Date.now() + 700_000)) < 10_000);
  assert.ok(seenAuthUrl.startsWith('https://idp.example.test/authorize?'));
  assert.ok(paths(emu).includes('POST /v1/auth/oidc/oidc/auth_url'));
  assert.ok(paths(emu).some((p) => p.startsWith('GET /v1/auth/oidc/oidc/callback?state=')));

  const v = await createVault({ wipeOnLeave: false });
  vaults.push(v);
  const { expiresAt } = await vaultOidcConnect(v, { address: emu.url, role: 'postman', redirectUri: REDIRECT, open: (u) => emu.idpAuthorize(u) });
  assert.ok(expiresAt > Date.now());
  assert.equal(hcStatus(v).connected, true);
  assert.equal(hcStatus(v).expiresAt, expiresAt);
  link(v, 'x', { engine: 'secret', path: 'myapp', key: 'password' });
  const seen = paths(emu).length;
  assert.equal((await get(v, 'x')).value, 'emu-pass-1');
  assert.ok(!paths(emu).slice(seen).includes('GET /v1/auth/token/lookup-self'), 'expiresAt from the login, checked at connect: no lookup');

  // A forged state, an unknown role and an unlisted redirect are refused.
  await assert.rejects(
    vaultOidcLogin({ address: emu.url, role: 'postman', redirectUri: REDIRECT, open: async (u) => emu.idpAuthorize(u).replace(/state=[^&]+/, 'state=forged') }),
    /state mismatch/,
  );
  await assert.rejects(vaultOidcLogin({ address: emu.url, role: 'nobody', redirectUri: REDIRECT, open }), /auth_url failed \(HTTP 400\)/);
  await assert.rejects(vaultOidcLogin({ address: emu.url, role: 'postman', redirectUri: 'http://127.0.0.1:9/x', open }), /HTTP 400/);
  await assert.rejects(vaultOidcLogin({ address: emu.url, role: 'postman', redirectUri: REDIRECT, open: async () => REDIRECT + '?error=access_denied' }), /access_denied/);
});
