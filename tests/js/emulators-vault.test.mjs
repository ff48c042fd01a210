// Fidelity of tests/emulators/vault.mjs: every row of
// ../shared/vectors/hashicorp-vault/kv-wire-cases.json reproduced over the wire,
// the official node-vault client reading from it, and providers.md §3 details
// (namespaces, 403 vs invalid token, CORS, TLS).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { createRequire } from 'node:module';
import { startVaultEmulator, STD_ALLOWED_HEADERS } from '../emulators/vault.mjs';
import { makeTestTls } from '../emulators/common.mjs';

const require = createRequire(import.meta.url);
const nodeVault = require('node-vault');

const VECTORS = process.env.VL_VECTORS_DIR ?? new URL('../../../shared/vectors', import.meta.url).pathname;
const wire = JSON.parse(readFileSync(join(VECTORS, 'hashicorp-vault/kv-wire-cases.json'), 'utf8'));
const row = (name) => {
  const r = wire.cases.find((c) => c.name === name);
  assert.ok(r, `kv-wire-cases.json has ${name}`);
  return r;
};

const HOUR = 3600;
const started = [];
async function vault(opts) {
  const v = await startVaultEmulator(opts);
  started.push(v);
  return v;
}
after(() => Promise.all(started.map((v) => v.close())));

async function call(v, method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h['X-Vault-Token'] = token;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const r = await fetch(v.url + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: text ? JSON.parse(text) : null };
}

// Values the wire cases mark as placeholders ("ids and timestamps are placeholders").
const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;
const PLACEHOLDER_KEYS = new Set(['request_id', 'created_time', 'client_token', 'accessor', 'auth_url']);

/** Same shape as `expected`: same keys (or a superset when `subset`), same values except placeholders. */
function assertShape(actual, expected, path = 'body', subset = false) {
  if (expected === null || typeof expected !== 'object') {
    const key = path.split('.').pop();
    if (PLACEHOLDER_KEYS.has(key) || (key === 'deletion_time' && expected !== '')) {
      assert.equal(typeof actual, typeof expected, `${path} type`);
      if (key.endsWith('_time')) assert.match(actual, RFC3339_NANO, path);
      return;
    }
    assert.deepEqual(actual, expected, path);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path} is an array`);
    assert.equal(actual.length, expected.length, `${path} length`);
    expected.forEach((e, i) => assertShape(actual[i], e, `${path}[${i}]`, subset));
    return;
  }
  assert.ok(actual && typeof actual === 'object' && !Array.isArray(actual), `${path} is an object`);
  if (!subset) assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path} keys`);
  for (const k of Object.keys(expected)) assertShape(actual[k], expected[k], `${path}.${k}`, subset);
}

/* ---- a JWT issuer for auth/jwt ----------------------------------------------------- */

const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBKEY = idp.publicKey.export({ type: 'spki', format: 'pem' });
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
function signJwt(claims) {
  const head = b64({ alg: 'RS256', typ: 'JWT' });
  const data = `${head}.${b64(claims)}`;
  return `${data}.${cryptoSign('sha256', Buffer.from(data), idp.privateKey).toString('base64url')}`;
}
const nowSec = () => Math.floor(Date.now() / 1000);

/* ---- the standard seeded server ---------------------------------------------------- */

const READ_SECRET = { 'secret/data/*': ['read'], 'secret/metadata/*': ['read', 'list'] };
function seed(extra = {}) {
  const v2 = row('kv2-read-version-ok').response.body.data;
  return {
    mounts: { 'secret/': { version: 2 }, 'kv/': { version: 1 }, 'ns1/secret/': { version: 2 } },
    namespaces: ['ns1/', 'ns1/ns2/'],
    secrets: {
      'secret/my-secret': {
        custom_metadata: v2.metadata.custom_metadata,
        versions: [{ data: row('kv2-read-latest-ok').response.body.data.data }, { data: v2.data }, { data: { third: 'x' } }],
      },
      'secret/deleted': [{ data: { a: '1' } }, { data: { a: '2' }, deleted: Date.now() - 1000 }],
      'secret/destroyed': [{ data: null, destroyed: true }],
      'kv/foo': row('kv1-read-ok').response.body.data,
      'ns1/secret/team': { owner: 'ns1' },
    },
    policies: {
      reader: READ_SECRET,
      writer: { 'secret/data/*': ['create', 'update', 'read', 'delete'], 'secret/delete/*': ['update'], 'secret/undelete/*': ['update'], 'secret/destroy/*': ['update'], 'kv/*': ['read', 'create', 'update', 'delete'] },
      nsreader: { 'ns1/secret/data/*': ['read'] },
      dev: READ_SECRET,
      prod: {},
      none: {},
    },
    tokens: {
      'hvs.EXAMPLE': { policies: ['reader'], ttl: HOUR },
      'hvs.ROOTEXAMPLE': { policies: ['root'] },
      'hvs.WRITER': { policies: ['writer', 'nsreader'], ttl: HOUR },
      'hvs.NOBODY': { policies: ['none'], ttl: HOUR },
      'hvs.EXPIRED': { policies: ['reader'], ttl: 60, creationTime: Date.now() - 120_000 },
    },
    approle: { roles: { app: { role_id: 'role-id-example', secret_id: 'secret-id-example', policies: ['reader'], token_ttl: 1200 } } },
    userpass: { users: { alice: { password: 'emulator-only-password', policies: ['reader'] } } },
    jwt: { publicKeys: [PUBKEY], roles: { 'dev-role': { policies: ['dev', 'prod'], bound_audiences: ['vaultlink'] } } },
    oidc: {
      authEndpoint: 'https://idp.example.test/authorize',
      clientId: 'vaultlink-test',
      scopes: ['openid', 'email', 'profile'],
      roles: { 'dev-role': { allowed_redirect_uris: ['https://app.example.com/oidc/callback'], policies: ['reader'], token_ttl: 600 } },
    },
    ...extra,
  };
}

/* ---- every row of kv-wire-cases.json ---------------------------------------------- */

const rows = {
  async 'kv2-read-latest-ok'(c, v) {
    // A server whose only version of my-secret is this row's data.
    const one = await vault({ secrets: { 'secret/my-secret': c.response.body.data.data }, policies: { reader: READ_SECRET }, tokens: { 'hvs.EXAMPLE': { policies: ['reader'] } } });
    const r = await call(one, c.request.method, c.request.path, { token: c.request.headers['X-Vault-Token'] });
    assert.equal(r.status, c.response.status);
    assertShape(r.json, c.response.body);
    const older = await call(v, 'GET', '/v1/secret/data/my-secret?version=1', { token: 'hvs.EXAMPLE' });
    assert.deepEqual(older.json.data.data, c.response.body.data.data);
  },
  async 'kv2-read-version-ok'(c, v) {
    const r = await call(v, c.request.method, c.request.path, { token: 'hvs.EXAMPLE' });
    assert.equal(r.status, c.response.status);
    assertShape(r.json, c.response.body, 'body', true); // the docs leave the envelope out
    assert.equal(r.json.mount_type, 'kv');
  },
  async 'kv2-read-soft-deleted-version'(c, v) {
    const r = await call(v, c.request.method, c.request.path.replace('my-secret', 'deleted'), { token: 'hvs.EXAMPLE' });
    assert.equal(r.status, 404);
    assertShape(r.json, c.response.body);
    assert.ok(Date.parse(r.json.data.metadata.deletion_time) <= Date.now(), c.client_rule);
  },
  async 'kv2-read-destroyed-version'(c, v) {
    const r = await call(v, 'GET', '/v1/secret/data/destroyed?version=1', { token: 'hvs.EXAMPLE' });
    assert.equal(r.status, c.response.status);
    assertShape(r.json, c.response.body, 'body', true);
  },
  async 'kv2-read-missing-path-or-version'(c, v) {
    for (const p of ['/v1/secret/data/no-such-secret', '/v1/secret/data/my-secret?version=99']) {
      const r = await call(v, 'GET', p, { token: 'hvs.EXAMPLE' });
      assert.equal(r.status, c.response.status, p);
      assert.deepEqual(r.json, c.response.body, p);
    }
  },
  async 'kv2-mount-read-with-v1-style-path'(c, v) {
    const r = await call(v, c.request.method, c.request.path, { token: 'hvs.ROOTEXAMPLE' });
    assert.equal(r.status, c.response.status);
    const warning = /"warnings": \["(.*)"\]\}$/.exec(c.response.body_shape)[1];
    assert.equal(r.json.data, null);
    assert.deepEqual(r.json.warnings, [warning]);
  },
  async 'kv1-read-ok'(c, v) {
    const r = await call(v, c.request.method, c.request.path.replace('/v1/secret/', '/v1/kv/'), { token: 'hvs.WRITER' });
    assert.equal(r.status, c.response.status);
    assertShape(r.json, { ...c.response.body, request_id: 'placeholder' });
    // The same row on a server whose v1 mount is literally `secret/`.
    const v1 = await vault({ mounts: { 'secret/': { version: 1 } }, secrets: { 'secret/foo': c.response.body.data }, tokens: { 'hvs.ROOTEXAMPLE': { policies: ['root'] } } });
    const r1 = await call(v1, c.request.method, c.request.path, { token: 'hvs.ROOTEXAMPLE' });
    assertShape(r1.json, { ...c.response.body, request_id: 'placeholder' });
  },
  async 'policy-denied'(c, v) {
    for (const [token, path] of [['hvs.NOBODY', '/v1/secret/data/my-secret'], ['hvs.EXAMPLE', '/v1/kv/foo'], [undefined, '/v1/secret/data/my-secret']]) {
      const r = await call(v, 'GET', path, { token });
      assert.equal(r.status, c.response.status);
      assert.deepEqual(r.json, c.response.body);
    }
  },
  async 'invalid-or-expired-token'(c, v) {
    for (const token of ['hvs.EXPIRED', 'hvs.NOSUCHTOKEN']) {
      const r = await call(v, 'GET', '/v1/secret/data/my-secret', { token });
      assert.equal(r.status, 403, 'Vault never sends 401');
      assert.deepEqual(r.json, c.response.body);
    }
  },
  async 'rate-limit-quota'(c) {
    const q = await vault(seed({ rateLimit: { limit: 2, intervalSec: 60, headers: true } }));
    await call(q, 'GET', '/v1/secret/data/my-secret', { token: 'hvs.EXAMPLE' });
    const ok = await call(q, 'GET', '/v1/secret/data/my-secret', { token: 'hvs.EXAMPLE' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-ratelimit-remaining'), '0');
    const r = await call(q, 'GET', '/v1/secret/data/my-secret', { token: 'hvs.EXAMPLE' });
    assert.equal(r.status, c.response.status);
    assert.deepEqual(r.json, c.response.body);
    for (const h of Object.keys(c.response.headers_if_enabled)) assert.ok(r.headers.get(h) !== null, h);
    assert.ok(Number(r.headers.get('retry-after')) > 0);
  },
  async sealed(c) {
    const s = await vault(seed({ sealed: true }));
    const r = await call(s, 'GET', '/v1/secret/data/my-secret', { token: 'hvs.EXAMPLE' });
    assert.equal(r.status, c.response.status);
    assert.deepEqual(r.json, c.response.body);
    s.state.sealed = false;
    assert.equal((await call(s, 'GET', '/v1/secret/data/my-secret', { token: 'hvs.EXAMPLE' })).status, 200);
  },
  async 'jwt-login'(c, v) {
    const jwt = signJwt({ sub: 'user-1', aud: 'vaultlink', exp: nowSec() + 300 });
    const r = await call(v, c.request.method, c.request.path, { body: { ...c.request.body, jwt } });
    assert.equal(r.status, c.response.status, r.text);
    assertShape(r.json.auth, c.response.body.auth, 'auth', true);
    assert.match(r.json.auth.client_token, /^hvs\./);
    // The token works and reads what dev allows.
    assert.equal((await call(v, 'GET', '/v1/secret/data/my-secret', { token: r.json.auth.client_token })).status, 200);
    const bad = await call(v, 'POST', c.request.path, { body: { role: 'dev-role', jwt: signJwt({ sub: 'u', aud: 'other', exp: nowSec() + 300 }) } });
    assert.equal(bad.status, 400);
    const expired = await call(v, 'POST', c.request.path, { body: { role: 'dev-role', jwt: signJwt({ sub: 'u', aud: 'vaultlink', exp: nowSec() - 3600 }) } });
    assert.equal(expired.status, 400);
    const forged = jwt.slice(0, -4) + (jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await call(v, 'POST', c.request.path, { body: { role: 'dev-role', jwt: forged } })).status, 400);
  },
  async 'oidc-auth-url'(c, v) {
    const r = await call(v, c.request.method, c.request.path, { body: c.request.body });
    assert.equal(r.status, c.response.status);
    assertShape(r.json, { ...c.response.body, data: { auth_url: 'x' } }, 'body', true);
    const got = new URL(r.json.data.auth_url);
    const want = new URL(c.response.body.data.auth_url);
    assert.deepEqual([...got.searchParams.keys()].sort(), [...want.searchParams.keys()].sort());
    assert.equal(got.searchParams.get('response_type'), want.searchParams.get('response_type'));
    assert.equal(got.searchParams.get('scope'), want.searchParams.get('scope'));
    assert.equal(got.searchParams.get('redirect_uri'), c.request.body.redirect_uri);
    const denied = await call(v, 'POST', c.request.path, { body: { ...c.request.body, redirect_uri: 'https://evil.example.test/cb' } });
    assert.equal(denied.status, 400);
  },
  async 'oidc-callback'(c, v) {
    const start = row('oidc-auth-url').request;
    const { json } = await call(v, 'POST', start.path, { body: start.body });
    const back = new URL(v.idpAuthorize(json.data.auth_url));
    const q = `state=${back.searchParams.get('state')}&code=${back.searchParams.get('code')}&client_nonce=${start.body.client_nonce}`;
    const r = await call(v, c.request.method, `${c.request.path.split('?')[0]}?${q}`);
    assert.equal(r.status, c.response.status, r.text);
    assert.match(c.response.body_shape, /"auth": \{"client_token"/);
    assert.equal(typeof r.json.auth.client_token, 'string');
    assert.equal(typeof r.json.auth.lease_duration, 'number');
    assert.equal(r.json.auth.renewable, true);
    // A state is single-use.
    assert.deepEqual((await call(v, 'GET', `${c.request.path.split('?')[0]}?${q}`)).json, { errors: ['Expired or missing OAuth state.'] });
  },
  async 'cors-config-read'(c) {
    const x = await vault(seed());
    const set = await call(x, 'POST', '/v1/sys/config/cors', { token: 'hvs.ROOTEXAMPLE', body: { allowed_origins: c.response.body.allowed_origins } });
    assert.equal(set.status, 204);
    const r = await call(x, c.request.method, c.request.path, { token: 'hvs.ROOTEXAMPLE' });
    assert.equal(r.status, c.response.status);
    assert.equal(r.json.enabled, true);
    assert.deepEqual(r.json.allowed_origins, c.response.body.allowed_origins);
    // The docs sample predates X-Vault-MFA / X-Vault-Policy-Override; every header it lists is present.
    for (const h of c.response.body.allowed_headers) assert.ok(r.json.allowed_headers.includes(h), h);
    assert.equal((await call(x, 'POST', '/v1/sys/config/cors', { token: 'hvs.EXAMPLE', body: { allowed_origins: ['*'] } })).status, 403, 'needs sudo');
  },
  async 'cors-std-allowed-headers'(c) {
    assert.deepEqual(STD_ALLOWED_HEADERS, c.value);
    const x = await vault(seed());
    const origin = 'https://app.example.com';
    // Off by default: no Access-Control-* headers at all.
    const off = await call(x, 'GET', '/v1/secret/data/my-secret', { token: 'hvs.EXAMPLE', headers: { Origin: origin } });
    assert.equal(off.status, 200);
    assert.equal([...off.headers.keys()].filter((k) => k.startsWith('access-control-')).length, 0);
    await call(x, 'POST', '/v1/sys/config/cors', { token: 'hvs.ROOTEXAMPLE', body: { allowed_origins: [origin] } });
    const pre = await fetch(x.url + '/v1/secret/data/my-secret', {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-vault-token' },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers.get('access-control-allow-origin'), origin);
    assert.deepEqual(pre.headers.get('access-control-allow-headers').split(','), c.value);
    assert.ok(!/x-vault-namespace|x-vault-request/i.test(pre.headers.get('access-control-allow-headers')), c.note);
    const refused = await call(x, 'GET', '/v1/secret/data/my-secret', { token: 'hvs.EXAMPLE', headers: { Origin: 'https://evil.example.test' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.text, '', 'disallowed origin: 403 with an empty body');
    const okay = await call(x, 'GET', '/v1/secret/data/my-secret', { token: 'hvs.EXAMPLE', headers: { Origin: origin } });
    assert.equal(okay.headers.get('access-control-allow-origin'), origin);
    // Adding the namespace headers explicitly.
    await call(x, 'POST', '/v1/sys/config/cors', { token: 'hvs.ROOTEXAMPLE', body: { allowed_origins: origin, allowed_headers: ['X-Vault-Namespace', 'X-Vault-Request'] } });
    const pre2 = await fetch(x.url + '/v1/secret/data/my-secret', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } });
    assert.match(pre2.headers.get('access-control-allow-headers'), /X-Vault-Namespace,X-Vault-Request$/);
    const star = await call(x, 'POST', '/v1/sys/config/cors', { token: 'hvs.ROOTEXAMPLE', body: { allowed_origins: ['*', origin] } });
    assert.equal(star.status, 400);
  },
};

test('every row of kv-wire-cases.json is reproduced', async (t) => {
  const v = await vault(seed());
  assert.equal(wire.cases.length, 16);
  for (const c of wire.cases) {
    await t.test(c.name, async () => {
      assert.ok(rows[c.name], `no check for wire case ${c.name}`);
      await rows[c.name](c, v);
    });
  }
});

/* ---- providers.md §3 beyond the rows ----------------------------------------------- */

test('mount detection via sys/internal/ui/mounts', async () => {
  const v = await vault(seed());
  let r = await call(v, 'GET', '/v1/sys/internal/ui/mounts/secret/my-secret', { token: 'hvs.EXAMPLE' });
  assert.equal(r.status, 200);
  assert.equal(r.json.data.type, 'kv');
  assert.deepEqual(r.json.data.options, { version: '2' });
  assert.equal(r.json.data.path, 'secret/');
  r = await call(v, 'GET', '/v1/sys/internal/ui/mounts/kv/foo', { token: 'hvs.WRITER' });
  assert.deepEqual([r.json.data.path, r.json.data.options.version], ['kv/', '1']);
  r = await call(v, 'GET', '/v1/sys/internal/ui/mounts/secret/team', { token: 'hvs.WRITER', headers: { 'X-Vault-Namespace': 'ns1/' } });
  assert.equal(r.json.data.path, 'secret/');
  r = await call(v, 'GET', '/v1/sys/internal/ui/mounts/nowhere/x', { token: 'hvs.EXAMPLE' });
  assert.equal(r.status, 403);
});

test('namespaces: X-Vault-Namespace header and path prefix are the same', async () => {
  const v = await vault(seed());
  const a = await call(v, 'GET', '/v1/secret/data/team', { token: 'hvs.WRITER', headers: { 'X-Vault-Namespace': 'ns1' } });
  const b = await call(v, 'GET', '/v1/ns1/secret/data/team', { token: 'hvs.WRITER' });
  assert.equal(a.status, 200);
  assert.deepEqual(a.json.data.data, { owner: 'ns1' });
  assert.deepEqual(b.json.data.data, a.json.data.data);
  assert.equal((await call(v, 'GET', '/v1/secret/data/team', { token: 'hvs.WRITER' })).status, 404, 'root namespace has no team');
});

test('KV v2 soft delete, undelete and destroy over the wire', async () => {
  const v = await vault(seed());
  const w = { token: 'hvs.WRITER' };
  let r = await call(v, 'POST', '/v1/secret/data/rotating', { ...w, body: { data: { k: 'v1' } } });
  assert.equal(r.json.data.version, 1);
  r = await call(v, 'PUT', '/v1/secret/data/rotating', { ...w, body: { data: { k: 'v2' }, options: { cas: 1 } } });
  assert.equal(r.json.data.version, 2);
  assert.equal((await call(v, 'PUT', '/v1/secret/data/rotating', { ...w, body: { data: { k: 'x' }, options: { cas: 1 } } })).status, 400);
  assert.equal((await call(v, 'DELETE', '/v1/secret/data/rotating', w)).status, 204);
  r = await call(v, 'GET', '/v1/secret/data/rotating', w);
  assert.equal(r.status, 404);
  assert.equal(r.json.data.data, null);
  assert.notEqual(r.json.data.metadata.deletion_time, '');
  assert.equal((await call(v, 'GET', '/v1/secret/data/rotating?version=1', w)).json.data.data.k, 'v1');
  assert.equal((await call(v, 'POST', '/v1/secret/undelete/rotating', { ...w, body: { versions: [2] } })).status, 204);
  assert.equal((await call(v, 'GET', '/v1/secret/data/rotating', w)).json.data.data.k, 'v2');
  await call(v, 'POST', '/v1/secret/destroy/rotating', { ...w, body: { versions: [1] } });
  r = await call(v, 'GET', '/v1/secret/data/rotating?version=1', w);
  assert.deepEqual([r.status, r.json.data.metadata.destroyed, r.json.data.metadata.deletion_time], [404, true, '']);
  const md = await call(v, 'GET', '/v1/secret/metadata/my-secret', { token: 'hvs.EXAMPLE' });
  assert.equal(md.json.data.current_version, 3);
  assert.deepEqual(md.json.data.custom_metadata, row('kv2-read-version-ok').response.body.data.metadata.custom_metadata);
  assert.equal((await call(v, 'GET', '/v1/secret/data/a./b', { token: 'hvs.ROOTEXAMPLE' })).status, 404, 'segment ending in "."');
});

test('token auth: lookup-self ttl, renew-self, expiry', async () => {
  let clock = Date.now();
  const v = await vault(seed({ now: () => clock }));
  const login = await call(v, 'POST', '/v1/auth/approle/login', { body: { role_id: 'role-id-example', secret_id: 'secret-id-example' } });
  const t = login.json.auth.client_token;
  assert.equal(login.json.auth.lease_duration, 1200);
  let r = await call(v, 'GET', '/v1/auth/token/lookup-self', { token: t });
  assert.equal(r.json.data.ttl, 1200);
  assert.deepEqual(r.json.data.policies, ['default', 'reader']);
  clock += 1000 * 1000;
  r = await call(v, 'GET', '/v1/auth/token/lookup-self', { token: t });
  assert.equal(r.json.data.ttl, 200);
  r = await call(v, 'POST', '/v1/auth/token/renew-self', { token: t, body: { increment: 600 } });
  assert.equal(r.json.auth.lease_duration, 600);
  clock += 601 * 1000;
  r = await call(v, 'GET', '/v1/secret/data/my-secret', { token: t });
  assert.deepEqual([r.status, r.json], [403, row('invalid-or-expired-token').response.body]);
  r = await call(v, 'GET', '/v1/auth/token/lookup-self', { token: 'hvs.ROOTEXAMPLE' });
  assert.deepEqual([r.json.data.ttl, r.json.data.expire_time], [0, null], 'ttl 0 = never expires');
  // Bearer works like X-Vault-Token.
  r = await fetch(v.url + '/v1/auth/token/lookup-self', { headers: { Authorization: 'Bearer hvs.ROOTEXAMPLE' } });
  assert.equal(r.status, 200);
});

/* ---- the official node-vault client reads from the emulator ------------------------ */

test('node-vault: read KV v2 and v1, write, logins, namespace, errors', async () => {
  const v = await vault(seed());
  const nv = (o = {}) => nodeVault({ endpoint: v.url, apiVersion: 'v1', ...o });
  const reader = nv({ token: 'hvs.EXAMPLE' });
  const r = await reader.read('secret/data/my-secret');
  assert.deepEqual(r.data.data, { third: 'x' });
  assert.equal(r.data.metadata.version, 3);
  const v1 = await nv({ token: 'hvs.WRITER' }).read('kv/foo');
  assert.equal(v1.lease_duration, 2764800);
  await nv({ token: 'hvs.WRITER' }).write('secret/data/from-node-vault', { data: { hello: 'world' } });
  assert.deepEqual((await reader.read('secret/data/from-node-vault')).data.data, { hello: 'world' });

  const ar = nv();
  const a = await ar.approleLogin({ role_id: 'role-id-example', secret_id: 'secret-id-example' });
  assert.equal(ar.token, a.auth.client_token, 'node-vault adopts the login token');
  const ttl = (await ar.tokenLookupSelf()).data.ttl; // whole seconds left, truncated like Vault
  assert.ok(ttl === 1200 || ttl === 1199, String(ttl));
  const up = nv();
  await up.userpassLogin({ username: 'ALICE', password: 'emulator-only-password' });
  assert.ok((await up.read('secret/data/my-secret')).data);
  const jw = nv();
  const jl = await jw.jwtLogin({ role: 'dev-role', jwt: signJwt({ sub: 'u', aud: 'vaultlink', exp: nowSec() + 60 }) });
  assert.deepEqual(jl.auth.policies, ['default', 'dev', 'prod']);
  const ns = nv({ token: 'hvs.WRITER', namespace: 'ns1' });
  assert.deepEqual((await ns.read('secret/data/team')).data.data, { owner: 'ns1' });

  const err = async (p) => {
    try {
      await p;
    } catch (e) {
      return e;
    }
    assert.fail('expected a node-vault error');
  };
  let e = await err(reader.read('secret/data/nope'));
  assert.equal(e.response.statusCode, 404);
  e = await err(nv({ token: 'hvs.NOBODY' }).read('secret/data/my-secret'));
  assert.equal(e.response.statusCode, 403);
  assert.match(e.message, /permission denied/);
  assert.doesNotMatch(e.message, /invalid token/);
  e = await err(nv({ token: 'hvs.EXPIRED' }).read('secret/data/my-secret'));
  assert.equal(e.response.statusCode, 403);
  assert.match(e.message, /invalid token/);
  e = await err(nv().userpassLogin({ username: 'alice', password: 'wrong' }));
  assert.equal(e.response.statusCode, 400);
  v.state.sealed = true;
  e = await err(reader.read('secret/data/my-secret'));
  assert.deepEqual([e.response.statusCode, e.message], [503, 'Vault is sealed']);
  v.state.sealed = false;
});

test('node-vault over HTTPS with a CA made at test time', async () => {
  const tls = await makeTestTls();
  const v = await vault(seed({ tls: { key: tls.key, cert: tls.cert } }));
  assert.match(v.url, /^https:/);
  const client = nodeVault({ endpoint: v.url, token: 'hvs.EXAMPLE', requestOptions: { ca: tls.ca } });
  assert.deepEqual((await client.read('secret/data/my-secret')).data.data, { third: 'x' });
  await assert.rejects(nodeVault({ endpoint: v.url, token: 'hvs.EXAMPLE' }).read('secret/data/my-secret'));
});
