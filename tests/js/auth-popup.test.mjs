// The popup sign-in loop both browser flows share (web/src/auth/popup.js),
// through each flow's popupOpener, with a scripted window.open: the callback
// URL comes back once the popup is on redirectUri, a closed popup and the
// timeout are named, and a timeoutMs that is not a positive number (NaN
// would never fire) is refused.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { popupOpener as azurePopup } from '../../web/src/auth/azure.js';
import { popupOpener as oidcPopup } from '../../web/src/auth/vault-oidc.js';
import { VaultError } from '../../web/src/errors.js';

const REDIRECT = 'https://app.example/callback';

/** A popup on the provider's origin (its location throws) until `script` says otherwise. */
function fakeWindow(script) {
  const popup = { closed: false, closes: 0, href: null };
  Object.defineProperty(popup, 'location', {
    get() {
      if (popup.href === null) throw new Error('cross-origin');
      return { href: popup.href };
    },
  });
  popup.close = () => {
    popup.closes++;
    popup.closed = true;
  };
  globalThis.window = { open: (url) => (script(popup, url), popup) };
  return popup;
}
afterEach(() => {
  delete globalThis.window;
});

for (const [flow, opener, failCode] of [
  ['azure', azurePopup, 'auth'],
  ['hashicorp oidc', oidcPopup, 'oidc'],
]) {
  test(`${flow}: the callback URL once the popup is back on redirectUri, then the popup is closed`, async () => {
    const popup = fakeWindow((p) => setTimeout(() => (p.href = `${REDIRECT}?code=c1&state=s1`), 200));
    const href = await opener('https://idp.example/authorize', { redirectUri: REDIRECT });
    assert.equal(href, `${REDIRECT}?code=c1&state=s1`);
    assert.equal(popup.closes, 1);
  });

  test(`${flow}: a popup closed by the user, and the timeout, are named`, async () => {
    fakeWindow((p) => setTimeout(() => (p.closed = true), 100));
    await assert.rejects(opener('https://idp.example/a', { redirectUri: REDIRECT }), (e) => e instanceof VaultError && e.code === failCode && /closed before sign-in finished/.test(e.message));
    const popup = fakeWindow(() => {});
    await assert.rejects(opener('https://idp.example/a', { redirectUri: REDIRECT, timeoutMs: 50 }), (e) => e instanceof VaultError && /sign-in timed out/.test(e.message));
    assert.equal(popup.closes, 1, 'a timed-out popup is closed');
  });

  test(`${flow}: a timeoutMs that is not a positive number (NaN, which never fires; 0; negative; a string) is refused before any popup opens`, { timeout: 5000 }, async () => {
    let opened = 0;
    fakeWindow(() => opened++);
    for (const [t, got] of [[NaN, 'NaN'], [0, '0'], [-5, '-5'], ['300000', 'string']]) {
      await assert.rejects(opener('https://idp.example/a', { redirectUri: REDIRECT, timeoutMs: t }), (e) => e instanceof VaultError && e.code === 'bad_argument' && e.message.endsWith(`timeoutMs must be a positive number of ms, got ${got}`));
    }
    assert.equal(opened, 0);
  });
}

test('without window.open (Node): unsupported, named', async () => {
  await assert.rejects(azurePopup('https://idp.example/a', { redirectUri: REDIRECT }), (e) => e instanceof VaultError && e.code === 'unsupported' && /no window\.open here/.test(e.message));
});
