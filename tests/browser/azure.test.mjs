// Azure Key Vault in real Chromium: a page resolving a secret through the
// direct (fetch) transport fails with reason "unreachable" because Key Vault
// (here: the emulator, which sends no CORS headers, like Azure) refuses the
// cross-origin read; and the PKCE sign-in (popup and redirect) against the
// emulator's Entra endpoints produces a token.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrowserBed } from './setup.mjs';
import { startAzureEmulator, DEFAULT_TENANT } from '../emulators/azure.mjs';

const CLIENT = 'vaultlink-browser-test';
let bed;
let az;
let redirectUri;

before(async () => {
  bed = await startBrowserBed();
  redirectUri = `${bed.origin}/test/`;
  az = await startAzureEmulator({
    secrets: [{ name: 'db', value: 'azure-browser-value' }],
    tokens: [{ token: 'tok-browser' }],
    clients: [{ clientId: CLIENT, redirectUris: [redirectUri] }],
  });
});

after(async () => {
  await az?.close();
  await bed?.close();
});

test('direct transport from a page: unreachable (CORS), and the token never leaves', async () => {
  const page = await bed.harness();
  const seen = az.state.calls.length;
  const r = await page.evaluate(async (endpoint) => {
    const { createVault } = await import('/src/vault.js');
    const v = await createVault();
    await v.connect('azure', { accessToken: 'tok-browser', endpoint });
    v.link('x', { provider: 'azure', azure: { secretId: 'https://myvault.vault.azure.net/secrets/db' } });
    const out = await v.resolve({ url: 'https://api.test/?k={{vault:x}}' });
    v.wipe();
    return out;
  }, az.url);
  assert.equal(r.url, 'https://api.test/?k={{vault:x}}');
  assert.equal(r.unresolved.length, 1);
  assert.equal(r.unresolved[0].reason, 'unreachable');
  assert.match(r.unresolved[0].detail, /CORS/);
  assert.match(r.unresolved[0].detail, /myvault\.vault\.azure\.net\/secrets\/db/);
  // Only the unauthenticated challenge request went out; no request carried the token.
  assert.equal(az.state.calls.length, seen);
  // The same emulator serves Node (no CORS there): the secret itself is fine.
  const res = await fetch(`${az.url}/secrets/db/?api-version=7.6`, { headers: { Authorization: 'Bearer tok-browser' } });
  assert.equal((await res.json()).value, 'azure-browser-value');
  await page.close();
});

test('PKCE sign-in in a popup (user gesture) returns a token the emulator accepts', async () => {
  const page = await bed.harness();
  await page.evaluate(
    ({ authority, tenant, clientId, redirectUri }) => {
      const b = document.createElement('button');
      b.id = 'az-sign-in';
      b.textContent = 'Sign in to Azure';
      b.onclick = () => {
        window.__azure = import('/src/auth/azure.js')
          .then(({ signInAzure }) => signInAzure({ clientId, redirectUri, authority, tenant, timeoutMs: 30_000 }))
          .then((c) => ({ ok: true, token: c.accessToken, expiresAt: c.expiresAt, tenantId: c.tenantId }))
          .catch((e) => ({ ok: false, error: String(e && e.message) }));
      };
      document.body.append(b);
    },
    { authority: az.url, tenant: DEFAULT_TENANT, clientId: CLIENT, redirectUri },
  );
  const popup = page.waitForEvent('popup', { timeout: 15_000 });
  await page.click('#az-sign-in');
  await popup;
  const out = await page.evaluate(() => window.__azure);
  assert.ok(out.ok, out.error);
  assert.equal(out.tenantId, DEFAULT_TENANT);
  assert.ok(out.expiresAt > Date.now() + 3000_000);
  // The token works against the vault API.
  const res = await fetch(`${az.url}/secrets/db/?api-version=7.6`, { headers: { Authorization: `Bearer ${out.token}` } });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).value, 'azure-browser-value');
  await page.close();
});

test('PKCE sign-in by redirect: the callback page redeems the code', async () => {
  const page = await bed.harness();
  const nav = page.waitForURL((u) => u.toString().startsWith(redirectUri) && u.searchParams.has('code'), { timeout: 15_000 });
  await page.evaluate(
    ({ authority, clientId, redirectUri }) => {
      import('/src/auth/azure.js').then(({ signInAzure }) => signInAzure({ clientId, redirectUri, authority, tenant: 'organizations', mode: 'redirect' }));
    },
    { authority: az.url, clientId: CLIENT, redirectUri },
  );
  await nav;
  await page.waitForSelector('body[data-ready="yes"]');
  const out = await page.evaluate(async () => {
    const { completeAzureRedirect } = await import('/src/auth/azure.js');
    const c = await completeAzureRedirect();
    return { token: c.accessToken, expiresAt: c.expiresAt, left: sessionStorage.length };
  });
  assert.equal(out.left, 0); // the one-time verifier is gone
  assert.ok(out.expiresAt > Date.now());
  const res = await fetch(`${az.url}/secrets/db/?api-version=7.6`, { headers: { Authorization: `Bearer ${out.token}` } });
  assert.equal(res.status, 200);
  await page.close();
});
