// Azure Key Vault end to end: the JS API, the wasm core running the SDK's
// challenge flow, the fetch transport, and the emulator (401 challenge,
// recorded errors, no CORS). Then the PKCE sign-in helper against the
// emulator's Entra endpoints, its token used for a resolve.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createVault } from 'vaultlink';
import { startAzureEmulator, DEFAULT_TENANT } from '../emulators/azure.mjs';
import { signInAzure, authorizeUrl, createPkce, exchangeCode } from '../../web/src/auth/azure.js';

const nowS = () => Math.floor(Date.now() / 1000);
const SID = (name) => `https://myvault.vault.azure.net/secrets/${name}`;
const src = (secretId) => ({ provider: 'azure', azure: { secretId } });
let az;
let version;
before(async () => {
  az = await startAzureEmulator({
    secrets: [
      { name: 'db', versions: [{ value: 'old-value', id: '0123456789abcdef0123456789abcdef' }, { value: 'db-value' }] },
      { name: 'off', value: 'x', enabled: false },
      { name: 'later', value: 'x', nbf: nowS() + 3600 },
      { name: 'gone', value: 'x', exp: nowS() - 60 },
      { name: 'soon', value: 'soon-value', exp: nowS() + 120 },
    ],
    tokens: [
      { token: 'tok-good' },
      { token: 'tok-narrow', allow: ['db'] },
      { token: 'tok-old', expiresAt: Date.now() - 1000 },
      { token: 'tok-cae', revoked: true },
    ],
    clients: [{ clientId: 'vaultlink-test-app', redirectUris: ['http://127.0.0.1:9/azure-callback'] }],
  });
  version = '0123456789abcdef0123456789abcdef';
});
after(() => az.close());

async function vaultWith(accessToken, links, extra = {}) {
  const v = await createVault();
  await v.connect('azure', { accessToken, endpoint: az.url, ...extra });
  for (const [name, source] of links) v.link(name, source);
  return v;
}

test('resolves the latest, a version, and the shorthand; challenge first, then the token', async () => {
  const calls = az.state.calls.length;
  const v = await vaultWith('tok-good', [
    ['x', src(SID('db'))],
    ['old', src(`${SID('db')}/${version}`)],
    ['short', SID('db')],
  ]);
  const r = await v.resolve({ url: 'https://api.test/?k={{vault:x}}', headers: { 'X-Old': '{{vault:old}}' } });
  assert.deepEqual(r.unresolved, []);
  assert.equal(r.url, 'https://api.test/?k=db-value');
  assert.equal(r.headers['X-Old'] ?? r.headers['x-old'], 'old-value');
  const mine = az.state.calls.slice(calls);
  assert.ok(mine.every((c) => c.apiVersion === '7.6' && c.token === 'tok-good'));
  assert.deepEqual(mine.map((c) => c.path).sort(), [`/secrets/db/`, `/secrets/db/${version}`]);
  // The shorthand is the same reference, and cached: no request.
  const n = az.state.calls.length;
  assert.equal((await v.resolve({ url: 'https://api.test/{{vault:short}}' })).url, 'https://api.test/db-value');
  assert.equal(az.state.calls.length, n);
});

test('errors map to reasons with the identifier and HTTP status, never a value', async () => {
  const v = await vaultWith('tok-good', [
    ['off', src(SID('off'))],
    ['missing', src(SID('missing'))],
    ['later', src(SID('later'))],
    ['gone', src(SID('gone'))],
  ]);
  const r = await v.resolve({ url: 'https://api.test/{{vault:off}}/{{vault:missing}}/{{vault:later}}/{{vault:gone}}' });
  const by = Object.fromEntries(r.unresolved.map((u) => [u.name, u]));
  assert.equal(by.off.reason, 'disabled_at_provider');
  assert.match(by.off.detail, /SecretDisabled \(HTTP 403\) for https:\/\/myvault\.vault\.azure\.net\/secrets\/off/);
  assert.equal(by.missing.reason, 'not_found');
  assert.match(by.missing.detail, /SecretNotFound \(HTTP 404\)/);
  assert.equal(by.later.reason, 'disabled_at_provider');
  assert.match(by.later.detail, /nbf/);
  assert.equal(by.gone.reason, 'disabled_at_provider');
  assert.match(by.gone.detail, /exp/);
  assert.ok(!JSON.stringify(r).includes('tok-good'));

  const narrow = await vaultWith('tok-narrow', [['off', src(SID('later'))]]);
  const d = await narrow.resolve({ url: 'https://api.test/{{vault:off}}' });
  assert.equal(d.unresolved[0].reason, 'permission_denied');
  assert.match(d.unresolved[0].detail, /AccessDenied \(HTTP 403\)/);
  assert.ok(!d.unresolved[0].detail.includes('appid='));

  az.state.throttle = true;
  try {
    const t = await vaultWith('tok-good', [['x', src(SID('db'))]]);
    assert.equal((await t.resolve({ url: 'https://api.test/{{vault:x}}' })).unresolved[0].reason, 'throttled');
  } finally {
    az.state.throttle = false;
  }
});

test('exp caps the cache: a secret expiring in 2 minutes is not served from cache after that', async () => {
  const v = await vaultWith('tok-good', [['soon', src(SID('soon'))]]);
  const r = await v.resolve({ url: 'https://api.test/{{vault:soon}}' });
  assert.equal(r.url, 'https://api.test/soon-value');
  const entry = v.status().cache.find((e) => e.name === 'soon');
  assert.ok(entry && entry.expiresAt <= (nowS() + 121) * 1000, 'the cache entry ends at exp, not after 60 min');
});

test('a refused token is credentials_rejected (before its known expiry) naming tenant and scope; credentials are wiped', async () => {
  const v = await vaultWith('tok-old', [['x', src(SID('db'))]]);
  const r = await v.resolve({ url: 'https://api.test/{{vault:x}}' });
  assert.equal(r.unresolved[0].reason, 'credentials_rejected');
  assert.match(r.unresolved[0].detail, new RegExp(`tenant ${DEFAULT_TENANT}`));
  assert.match(r.unresolved[0].detail, /scope https:\/\/vault\.azure\.net\/\.default/);
  const p = v.status().providers.find((x) => x.provider === 'azure');
  assert.equal(p.connected, false);
  assert.equal(p.reauthRequired, false);
  assert.equal(p.credentialsRejected, true);

  const cae = await vaultWith('tok-cae', [['x', src(SID('db'))]]);
  const c = await cae.resolve({ url: 'https://api.test/{{vault:x}}' });
  assert.equal(c.unresolved[0].reason, 'reauth_required');
  assert.match(c.unresolved[0].detail, /insufficient_claims/);

  // The token belongs to another tenant than the vault's challenge names.
  const other = await vaultWith('tok-good', [['x', src(SID('db'))]], { tenantId: 'ffffffff-0000-0000-0000-000000000000' });
  const o = await other.resolve({ url: 'https://api.test/{{vault:x}}' });
  assert.equal(o.unresolved[0].reason, 'reauth_required');
  assert.match(o.unresolved[0].detail, new RegExp(`tenant ${DEFAULT_TENANT}`));
});

test('a vault host the challenge resource does not cover never gets the token', async () => {
  const calls = az.state.calls.length;
  const v = await vaultWith('tok-good', [['x', src('https://myvault.example.test/secrets/db')]]);
  const r = await v.resolve({ url: 'https://api.test/{{vault:x}}' });
  assert.equal(r.unresolved[0].reason, 'misconfigured');
  assert.match(r.unresolved[0].detail, /not sent/);
  assert.equal(az.state.calls.length, calls); // no authorized request reached the vault
});

/** Follows the emulator's auto-approving /authorize 302 (what a browser would do). */
const follow = async (url) => {
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302);
  return res.headers.get('location');
};

test('PKCE sign-in against the Entra emulator, then a resolve with its token', async () => {
  const creds = await signInAzure({
    clientId: 'vaultlink-test-app',
    redirectUri: 'http://127.0.0.1:9/azure-callback',
    authority: az.url,
    tenant: DEFAULT_TENANT,
    offlineAccess: true,
    open: follow,
  });
  assert.equal(typeof creds.accessToken, 'string');
  assert.ok(creds.expiresAt > Date.now() + 3500_000 && creds.expiresAt <= Date.now() + 3600_000);
  assert.equal(creds.tenantId, DEFAULT_TENANT);
  const v = await createVault();
  await v.connect('azure', { ...creds, endpoint: az.url });
  v.link('x', src(SID('db')));
  const r = await v.resolve({ url: 'https://api.test/?k={{vault:x}}' });
  assert.deepEqual(r.unresolved, []);
  assert.equal(r.url, 'https://api.test/?k=db-value');
  // The token's own exp claim (whole seconds) bounds the lifetime the helper computed from expires_in.
  const expiresAt = v.status().providers.find((x) => x.provider === 'azure').expiresAt;
  assert.ok(expiresAt <= creds.expiresAt && expiresAt > creds.expiresAt - 1000, `${expiresAt} vs ${creds.expiresAt}`);
  assert.equal(expiresAt % 1000, 0);
});

test('PKCE: the authorize URL, a wrong verifier, a tampered state and a denied sign-in fail', async () => {
  const pkce = await createPkce();
  assert.match(pkce.verifier, /^[A-Za-z0-9_-]{43}$/);
  const u = new URL(authorizeUrl({ clientId: 'c', redirectUri: 'http://127.0.0.1:9/cb', state: 's', codeChallenge: pkce.challenge }));
  assert.equal(u.origin + u.pathname, 'https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize');
  assert.equal(u.searchParams.get('scope'), 'https://vault.azure.net/user_impersonation');
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');

  const o = { clientId: 'vaultlink-test-app', redirectUri: 'http://127.0.0.1:9/azure-callback', authority: az.url, tenant: 'organizations' };
  const loc = new URL(await follow(authorizeUrl({ ...o, state: 's', codeChallenge: pkce.challenge })));
  const wrong = await createPkce();
  await assert.rejects(exchangeCode({ ...o, code: loc.searchParams.get('code'), verifier: wrong.verifier }), /invalid_grant/);

  await assert.rejects(
    signInAzure({ ...o, open: async (url) => (await follow(url)).replace(/([?&])state=[^&]+/, '$1state=forged') }),
    /state does not match/,
  );
  az.state.denySignIn = true;
  try {
    await assert.rejects(signInAzure({ ...o, open: follow }), /access_denied/);
  } finally {
    az.state.denySignIn = false;
  }
});
