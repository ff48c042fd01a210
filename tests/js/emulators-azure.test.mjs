// Fidelity of tests/emulators/azure.mjs: it answers the recorded Key Vault
// sessions (../shared/vectors/azure-keyvault/recording_*.json) exactly as
// recorded (status, body, headers), sends no CORS headers, and its Entra
// endpoints run authorization code + PKCE (S256) as Entra does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { startAzureEmulator } from '../emulators/azure.mjs';

const VECTORS = process.env.VL_VECTORS_DIR ?? new URL('../../../shared/vectors', import.meta.url).pathname;
const RECORDINGS = ['recording_can_get_a_secret.json', 'recording_can_get_a_secret_non_existing.json', 'recording_cant_get_a_disabled_secret.json'];
const TOKEN = 'emulator-only-token';

/** A raw HTTP request (so Host and every header are exactly ours). */
function raw(base, { method = 'GET', path, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

for (const file of RECORDINGS) {
  test(`replays ${file} exactly`, async () => {
    const rec = JSON.parse(readFileSync(join(VECTORS, 'azure-keyvault', file), 'utf8'));
    // Version ids and the clock come from the recording, so bodies match byte for byte.
    const ids = rec.Entries.filter((e) => e.RequestMethod === 'PUT' && e.StatusCode === 200).map((e) => e.ResponseBody.id.split('/').pop());
    let clock = 0;
    const firstOk = rec.Entries.find((e) => e.ResponseHeaders['x-ms-keyvault-rbac-assignment-id']);
    const az = await startAzureEmulator({
      tokens: [{ token: TOKEN, expiresAt: Infinity }],
      now: () => clock,
      nextVersion: () => ids.shift(),
      recoveryLevel: 'CustomizedRecoverable+Purgeable',
      recoverableDays: 7,
      rbacAssignmentId: firstOk?.ResponseHeaders['x-ms-keyvault-rbac-assignment-id'],
    });
    try {
      for (const e of rec.Entries) {
        clock = Date.parse(e.ResponseHeaders.Date);
        const u = new URL(e.RequestUri);
        const headers = { Host: u.host };
        for (const [k, v] of Object.entries(e.RequestHeaders)) {
          if (['Host', 'Connection', 'Content-Length', 'Accept-Encoding'].includes(k)) continue;
          headers[k] = k === 'Authorization' ? `Bearer ${TOKEN}` : v;
        }
        const body = e.RequestBody === null ? undefined : JSON.stringify(e.RequestBody);
        if (body === undefined && e.RequestMethod === 'PUT') headers['Content-Length'] = '0';
        const r = await raw(az.url, { method: e.RequestMethod, path: u.pathname + u.search, headers, body });
        const where = `${file}: ${e.RequestMethod} ${u.pathname} (${e.StatusCode})`;
        assert.equal(r.status, e.StatusCode, where);
        assert.deepEqual(JSON.parse(r.text), e.ResponseBody, where);
        for (const [k, v] of Object.entries(e.ResponseHeaders)) {
          const got = r.headers[k.toLowerCase()];
          assert.ok(got !== undefined, `${where}: header ${k} missing`);
          if (k === 'x-ms-request-id') assert.match(got, /^[0-9a-f-]{36}$/, where);
          else if (k === 'x-ms-keyvault-network-info') assert.match(got, /^conn_type=Ipv4;addr=[0-9.:a-f]+;act_addr_fam=InterNetwork;$/, where);
          else if (k === 'x-ms-keyvault-rbac-cache') assert.match(got, /^ra_age=/, where);
          else assert.equal(got, v, `${where}: header ${k}`);
        }
        for (const k of Object.keys(r.headers)) {
          if (['connection', 'keep-alive', 'transfer-encoding'].includes(k)) continue;
          assert.ok(Object.keys(e.ResponseHeaders).some((h) => h.toLowerCase() === k), `${where}: extra header ${k}`);
        }
      }
    } finally {
      await az.close();
    }
  });
}

test('no CORS headers anywhere on the vault API, preflight included', async () => {
  const az = await startAzureEmulator({ secrets: [{ name: 'db', value: 'v' }], tokens: [{ token: TOKEN }] });
  try {
    const origin = { Origin: 'http://demo.test' };
    const pre = await raw(az.url, { method: 'OPTIONS', path: '/secrets/db/?api-version=7.6', headers: { ...origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' } });
    const get = await raw(az.url, { path: '/secrets/db/?api-version=7.6', headers: { ...origin, Authorization: `Bearer ${TOKEN}` } });
    const anon = await raw(az.url, { path: '/secrets/db/?api-version=7.6', headers: origin });
    assert.equal(get.status, 200);
    assert.equal(JSON.parse(get.text).value, 'v');
    assert.equal(anon.status, 401);
    for (const r of [pre, get, anon]) assert.deepEqual(Object.keys(r.headers).filter((k) => k.startsWith('access-control-')), []);
  } finally {
    await az.close();
  }
});

test('errors: api-version, unknown/expired/revoked/other-tenant tokens, access policy, throttling', async () => {
  let now = Date.now();
  const az = await startAzureEmulator({
    secrets: [{ name: 'db', value: 'v' }, { name: 'off', value: 'x', enabled: false }],
    tokens: [
      { token: 'good' },
      { token: 'old', expiresAt: now - 1 },
      { token: 'cae', revoked: true },
      { token: 'other', tenant: 'ffffffff-0000-0000-0000-000000000000' },
      { token: 'narrow', allow: ['other'] },
    ],
    now: () => now,
  });
  const get = (token, path = '/secrets/db/?api-version=7.6') => raw(az.url, { path, headers: { Authorization: `Bearer ${token}` } });
  try {
    assert.equal((await get('good', '/secrets/db/')).status, 400);
    assert.equal((await get('good', '/secrets/db/?api-version=1.0')).status, 400);
    for (const t of ['nope', 'old', 'other']) {
      const r = await get(t);
      assert.equal(r.status, 401, t);
      assert.match(r.headers['www-authenticate'], /^Bearer authorization="https:\/\/login\.windows\.net\/12345678-1234-1234-1234-123456789012", resource="https:\/\/vault\.azure\.net"$/);
    }
    const cae = await get('cae');
    assert.equal(cae.status, 401);
    assert.match(cae.headers['www-authenticate'], /error="insufficient_claims", claims="[A-Za-z0-9+/=]+"$/);
    const denied = await get('narrow');
    assert.equal(denied.status, 403);
    assert.equal(JSON.parse(denied.text).error.innererror.code, 'AccessDenied');
    const off = await get('good', '/secrets/off/?api-version=7.6');
    assert.deepEqual(JSON.parse(off.text), { error: { code: 'Forbidden', message: 'Operation get is not allowed on a disabled secret.', innererror: { code: 'SecretDisabled' } } });
    const missing = await get('good', '/secrets/none/0123456789abcdef0123456789abcdef?api-version=7.6');
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.text).error.code, 'SecretNotFound');
    az.state.throttle = true;
    const t = await get('good');
    assert.equal(t.status, 429);
    assert.equal(t.headers['retry-after'], '1');
  } finally {
    await az.close();
  }
});

test('Entra: authorize redirects with a code; token verifies PKCE S256 and is single use', async () => {
  const az = await startAzureEmulator({ clients: [{ clientId: 'app-1', redirectUris: ['http://127.0.0.1:9/cb'] }] });
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({ client_id: 'app-1', response_type: 'code', redirect_uri: 'http://127.0.0.1:9/cb', scope: 'https://vault.azure.net/user_impersonation offline_access', state: 's1', code_challenge: challenge, code_challenge_method: 'S256' });
  const token = (params) => raw(az.url, { method: 'POST', path: `/${'organizations'}/oauth2/v2.0/token`, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://127.0.0.1:9' }, body: new URLSearchParams(params).toString() });
  try {
    const a = await raw(az.url, { path: `/organizations/oauth2/v2.0/authorize?${q}` });
    assert.equal(a.status, 302);
    const loc = new URL(a.headers.location);
    assert.equal(loc.origin + loc.pathname, 'http://127.0.0.1:9/cb');
    assert.equal(loc.searchParams.get('state'), 's1');
    const code = loc.searchParams.get('code');
    const base = { grant_type: 'authorization_code', client_id: 'app-1', redirect_uri: 'http://127.0.0.1:9/cb', code };
    const bad = await token({ ...base, code_verifier: randomBytes(32).toString('base64url') });
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.text).error, 'invalid_grant');
    // The failed attempt spent the code, as Entra does.
    const a2 = await raw(az.url, { path: `/organizations/oauth2/v2.0/authorize?${q}` });
    const code2 = new URL(a2.headers.location).searchParams.get('code');
    const ok = await token({ ...base, code: code2, code_verifier: verifier });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'http://127.0.0.1:9');
    const t = JSON.parse(ok.text);
    assert.equal(t.token_type, 'Bearer');
    assert.equal(t.expires_in, 3599);
    assert.equal(t.scope, 'https://vault.azure.net/user_impersonation');
    assert.ok(t.refresh_token);
    assert.equal(JSON.parse(Buffer.from(t.access_token.split('.')[1], 'base64url')).aud, 'https://vault.azure.net');
    assert.equal((await token({ ...base, code: code2, code_verifier: verifier })).status, 400); // single use
    // Without PKCE, or for an unregistered redirect URI, no code.
    const plain = new URLSearchParams(q);
    plain.delete('code_challenge');
    const np = await raw(az.url, { path: `/organizations/oauth2/v2.0/authorize?${plain}` });
    assert.equal(new URL(np.headers.location).searchParams.get('error'), 'invalid_request');
    const evil = new URLSearchParams(q);
    evil.set('redirect_uri', 'http://evil.test/cb');
    assert.equal((await raw(az.url, { path: `/organizations/oauth2/v2.0/authorize?${evil}` })).status, 400);
  } finally {
    await az.close();
  }
});
