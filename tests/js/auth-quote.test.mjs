// Sign-in errors never quote the provider's text (issue #11 §4): Entra's
// token endpoint and redirect, Vault's OIDC endpoints and the IdP's redirect
// get a canary in every field they answer with; the error names the HTTP
// status and a known OAuth error code only. Pure JS: no wasm needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exchangeCode, signInAzure } from '../../web/src/auth/azure.js';
import { vaultOidcLogin } from '../../web/src/auth/vault-oidc.js';
import { OAUTH_ERRORS, UNEXPECTED, aadstsCode, quoteEnum } from '../../web/src/auth/quote.js';

const CANARY = 'CANARY-5b1e';
const variants = (d) => [CANARY, `${d}${CANARY}`, `${CANARY}${d}`, `${d.slice(0, 3)}${CANARY}${d.slice(3)}`];
const STATUSES = [400, 401, 403, 404, 409, 429, 500, 503];

const json = (status, body) => ({
  ok: status >= 200 && status < 300,
  status,
  json: async () => (typeof body === 'string' ? JSON.parse(body) : body),
});

async function message(p) {
  try {
    await p;
  } catch (e) {
    return String(e.message);
  }
  assert.fail('expected a failure');
}

function noCanary(msg, where) {
  assert.ok(!msg.toLowerCase().includes('canary'), `${where}: ${msg}`);
}

// Every leaf of a JSON shape replaced, one at a time, by each variant.
function* mutations(shape) {
  const leaves = [];
  const walk = (v, path) => {
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, k]);
    else leaves.push(path);
  };
  walk(shape, []);
  for (const path of leaves) {
    const d = String(path.reduce((o, k) => o[k], shape));
    for (const v of variants(d)) {
      const copy = structuredClone(shape);
      const parent = path.slice(0, -1).reduce((o, k) => o[k], copy);
      parent[path.at(-1)] = v;
      yield [path.join('.'), copy];
    }
  }
}

const ENTRA_ERROR = {
  error: 'invalid_grant',
  error_description: 'AADSTS70008: The provided authorization code or refresh token has expired.',
  error_codes: [70008],
  timestamp: '2024-01-01 00:00:00Z',
  trace_id: 't',
  correlation_id: 'c',
  error_uri: 'https://login.microsoftonline.com/error?code=70008',
};

test('quote.js: enums and AADSTS numbers', () => {
  assert.equal(quoteEnum('invalid_grant', OAUTH_ERRORS), 'invalid_grant');
  assert.equal(quoteEnum('invalid_grant ', OAUTH_ERRORS), UNEXPECTED);
  assert.equal(quoteEnum(7, OAUTH_ERRORS), UNEXPECTED);
  assert.equal(aadstsCode(70008), 'AADSTS70008');
  assert.equal(aadstsCode('70008'), null);
  assert.equal(aadstsCode(-1), null);
  assert.equal(aadstsCode(1e12), null);
});

test('azure token endpoint: a canary in any field of the error answer is never quoted', async () => {
  let n = 0;
  for (const [where, body] of mutations(ENTRA_ERROR)) {
    for (const status of STATUSES) {
      const msg = await message(exchangeCode({ clientId: 'c', redirectUri: 'https://app/cb', code: 'x', verifier: 'v', fetch: async () => json(status, body) }));
      noCanary(msg, where);
      assert.match(msg, new RegExp(`HTTP ${status}`));
      n++;
    }
  }
  // A 200 without a token, and a body that is not JSON.
  for (const [where, body] of mutations({ token_type: 'Bearer', expires_in: 3599, scope: 'x' })) {
    noCanary(await message(exchangeCode({ clientId: 'c', redirectUri: 'https://app/cb', code: 'x', verifier: 'v', fetch: async () => json(200, body) })), where);
    n++;
  }
  const notJson = { ok: false, status: 502, json: async () => { throw new SyntaxError(CANARY); } };
  noCanary(await message(exchangeCode({ clientId: 'c', redirectUri: 'https://app/cb', code: 'x', verifier: 'v', fetch: async () => notJson })), 'not JSON');
  assert.ok(n > 100);
});

test('azure token endpoint: a known error code and the AADSTS number are still named', async () => {
  const msg = await message(exchangeCode({ clientId: 'c', redirectUri: 'https://app/cb', code: 'x', verifier: 'v', fetch: async () => json(400, ENTRA_ERROR) }));
  assert.match(msg, /token request failed \(HTTP 400, invalid_grant, AADSTS70008\)/);
  assert.doesNotMatch(msg, /expired/); // error_description stays out
  const odd = await message(exchangeCode({ clientId: 'c', redirectUri: 'https://app/cb', code: 'x', verifier: 'v', fetch: async () => json(400, { error: 'no_such_error' }) }));
  assert.match(odd, /\(HTTP 400, \(unexpected value\)\)/);
});

test('azure redirect: error and error_description of the callback are never quoted', async () => {
  const callback = (error, desc) => async (url) => {
    const state = new URL(url).searchParams.get('state');
    const u = new URL('https://app/cb');
    u.searchParams.set('state', state);
    u.searchParams.set('error', error);
    u.searchParams.set('error_description', desc);
    return u.toString();
  };
  for (const error of [...variants('access_denied'), 'access_denied']) {
    for (const desc of variants('AADSTS65004: User declined to consent')) {
      const msg = await message(signInAzure({ clientId: 'c', redirectUri: 'https://app/cb', open: callback(error, desc) }));
      noCanary(msg, `error=${error}`);
      assert.match(msg, error === 'access_denied' ? /refused \(access_denied\)/ : /refused \(\(unexpected value\)\)/);
    }
  }
});

test('hashicorp oidc: Vault errors[] and the IdP redirect error are never quoted', async () => {
  const opts = (fetch, open) => ({ address: 'https://vault.example:8200', role: 'r', redirectUri: 'https://app/oidc/cb', fetch, open });
  const AUTH_URL = 'https://idp.example/authorize?state=st&client_id=x';
  let n = 0;
  for (const [where, body] of mutations({ errors: ['role "r" could not be found', 'permission denied'], warnings: ['w'] })) {
    for (const status of STATUSES) {
      // auth_url refused
      let msg = await message(vaultOidcLogin(opts(async () => json(status, body), async () => 'https://app/oidc/cb')));
      noCanary(msg, `auth_url ${where}`);
      assert.match(msg, new RegExp(`auth_url failed \\(HTTP ${status}\\)`));
      // callback refused
      let calls = 0;
      const fetch = async () => (calls++ === 0 ? json(200, { data: { auth_url: AUTH_URL } }) : json(status, body));
      msg = await message(vaultOidcLogin(opts(fetch, async () => 'https://app/oidc/cb?state=st&code=c')));
      noCanary(msg, `callback ${where}`);
      assert.match(msg, new RegExp(`callback failed \\(HTTP ${status}\\)`));
      n += 2;
    }
  }
  for (const error of [...variants('access_denied'), 'access_denied']) {
    const fetch = async () => json(200, { data: { auth_url: AUTH_URL } });
    const msg = await message(vaultOidcLogin(opts(fetch, async () => `https://app/oidc/cb?state=st&error=${encodeURIComponent(error)}&error_description=${CANARY}`)));
    noCanary(msg, `idp error=${error}`);
    assert.match(msg, error === 'access_denied' ? /refused \(access_denied\)/ : /refused \(\(unexpected value\)\)/);
    n++;
  }
  assert.ok(n > 50);
});
