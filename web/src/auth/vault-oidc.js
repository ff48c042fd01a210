// HashiCorp Vault OIDC login for browsers (providers.md §3.4): ask Vault for
// the IdP's authorization URL, let the user sign in there (popup or custom
// opener), hand the redirect's code and state back to Vault, and get a Vault
// token for vault.connect('hashicorp', {address, token, expiresAt}).
//
//   import { vaultOidcConnect } from './web/src/auth/vault-oidc.js'; // not yet a package export
//   await vaultOidcConnect(vault, { address, role: 'postman', redirectUri: location.origin + '/oidc/callback' });
//
// The Vault token exists as a JS string for the moment between Vault's
// callback answer and connect(): fetch gives it to us that way. It is never
// written to storage, and vaultOidcConnect() drops its reference as soon as
// the core has it. vaultOidcLogin() returns it to the caller, who should pass
// it straight to connect() and keep no copy. The role's allowed_redirect_uris
// must list redirectUri, and Vault's CORS config must allow this origin.
//
// No dependencies; works in browsers, extensions and Node (with `open`).

import { VaultError } from '../errors.js';
import { openPopupAndWait } from './popup.js';
import { OAUTH_ERRORS, quoteEnum } from './quote.js';

const trimSlashes = (s) => String(s).replace(/^\/+|\/+$/g, '');

function randomNonce() {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** What failed and the HTTP status. Vault's errors[] are free text (a hostile
 * server can put a token there): they are not quoted. */
function failure(res, what) {
  const code = res.status === 403 ? 'auth' : 'oidc';
  return new VaultError(code, `hashicorp oidc: ${what} failed (HTTP ${res.status})`);
}

/**
 * The default opener: a popup that Vault's IdP redirects back to redirectUri
 * (same origin as this page). Resolves with the callback URL once the popup is
 * back on this origin, then closes it.
 * @param {string} authUrl
 * @param {{redirectUri: string, timeoutMs?: number}} opts
 * @returns {Promise<string>}
 */
export function popupOpener(authUrl, { redirectUri, timeoutMs = 300_000 }) {
  return openPopupAndWait(authUrl, { redirectUri, timeoutMs, name: 'vaultlink-oidc', label: 'hashicorp oidc', code: 'oidc' });
}

/**
 * Runs the OIDC flow and returns the Vault token.
 * @param {object} opts
 * @param {string} opts.address  Vault base URL, e.g. https://vault.example:8200
 * @param {string} opts.role  the OIDC role
 * @param {string} opts.redirectUri  where the IdP sends the browser back (in the role's allowed_redirect_uris)
 * @param {string} [opts.mount='oidc']  the auth method's mount
 * @param {string} [opts.namespace]  Enterprise/HCP namespace (sent as a path prefix)
 * @param {(authUrl: string, o: {redirectUri: string}) => Promise<string|URL>} [opts.open]  shows the IdP and
 *        resolves with the callback URL (default: popupOpener)
 * @param {typeof fetch} [opts.fetch]
 * @returns {Promise<{token: string, expiresAt: number|undefined}>}
 */
export async function vaultOidcLogin(opts) {
  const { address, role, redirectUri } = opts ?? {};
  if (typeof address !== 'string' || !/^https?:\/\/[^/?#@\s]+/.test(address)) {
    throw new VaultError('bad_argument', 'hashicorp oidc: `address` must be an http(s) base URL');
  }
  if (typeof role !== 'string' || !role) throw new VaultError('bad_argument', 'hashicorp oidc: `role` is required');
  if (typeof redirectUri !== 'string' || !/^https?:\/\//.test(redirectUri)) {
    throw new VaultError('bad_argument', 'hashicorp oidc: `redirectUri` must be an http(s) URL');
  }
  const doFetch = opts.fetch ?? globalThis.fetch;
  const open = opts.open ?? popupOpener;
  const ns = opts.namespace ? trimSlashes(opts.namespace) + '/' : '';
  const base = `${address.replace(/\/+$/, '')}/v1/${ns}auth/${trimSlashes(opts.mount ?? 'oidc')}/oidc`;
  const clientNonce = randomNonce();

  const r1 = await doFetch(`${base}/auth_url`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ role, redirect_uri: redirectUri, client_nonce: clientNonce }),
  });
  if (!r1.ok) throw failure(r1, 'auth_url');
  const authUrl = (await r1.json())?.data?.auth_url;
  if (typeof authUrl !== 'string' || !authUrl) {
    throw new VaultError('oidc', 'hashicorp oidc: Vault returned no auth_url (is redirectUri allowed for the role?)');
  }
  const expectedState = new URL(authUrl).searchParams.get('state');

  const back = new URL(String(await open(authUrl, { redirectUri })));
  const q = back.searchParams;
  if (q.get('error')) {
    throw new VaultError('oidc', `hashicorp oidc: the identity provider refused (${quoteEnum(q.get('error'), OAUTH_ERRORS)})`);
  }
  const state = q.get('state'), code = q.get('code');
  if (!state || !code) throw new VaultError('oidc', 'hashicorp oidc: the callback has no code or state');
  if (expectedState && state !== expectedState) throw new VaultError('oidc', 'hashicorp oidc: state mismatch');

  const cb = new URLSearchParams({ state, code, client_nonce: clientNonce });
  if (q.get('id_token')) cb.set('id_token', q.get('id_token'));
  const r2 = await doFetch(`${base}/callback?${cb}`, { method: 'GET' });
  if (!r2.ok) throw failure(r2, 'callback');
  const auth = (await r2.json())?.auth;
  if (!auth || typeof auth.client_token !== 'string' || !auth.client_token) {
    throw new VaultError('oidc', 'hashicorp oidc: the callback answer has no auth.client_token');
  }
  const lease = Number(auth.lease_duration);
  return { token: auth.client_token, expiresAt: lease > 0 ? Date.now() + lease * 1000 : undefined };
}

/**
 * vaultOidcLogin, then vault.connect('hashicorp', …): the token goes straight
 * into the core. Returns {expiresAt}.
 * @param {import('../vault.js').Vault} vault
 * @param {Parameters<typeof vaultOidcLogin>[0] & {namespaceMode?: 'path'|'header'}} opts
 */
export async function vaultOidcConnect(vault, opts) {
  let login = await vaultOidcLogin(opts);
  const creds = { address: opts.address, token: login.token };
  if (login.expiresAt) creds.expiresAt = login.expiresAt;
  if (opts.namespace) creds.namespace = opts.namespace;
  if (opts.namespaceMode) creds.namespaceMode = opts.namespaceMode;
  login = null;
  let r;
  try {
    r = await vault.connect('hashicorp', creds); // verified (lookup-self); a refused token rejects
  } finally {
    creds.token = ''; // the JS string itself cannot be zeroed; drop every reference we hold
  }
  return { expiresAt: r.expiresAt ?? undefined }; // the login's lease, or the ttl lookup-self reported
}
