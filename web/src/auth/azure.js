// Azure Key Vault sign-in for browsers (providers.md §2.6, postman-semantics §8):
// OAuth 2.0 authorization code + PKCE (S256) against Entra ID, the way
// Postman's Azure integration signs in (delegated scope
// https://vault.azure.net/user_impersonation). The result goes straight to
// vault.connect('azure', {accessToken, expiresAt}).
//
//   import { signInAzure } from './web/src/auth/azure.js';
//   vault.connect('azure', await signInAzure({ clientId, tenant, redirectUri: location.origin + '/azure-callback' }));
//
// Modes: 'popup' (default; resolves when the popup comes back to redirectUri
// on this origin), 'redirect' (navigates away; call completeAzureRedirect() on
// the redirect page), or any `open(url) => Promise<callbackUrl>` (extensions:
// chrome.identity.launchWebAuthFlow; Node tests: follow the 302).
//
// The access token is a JS string only between the token answer and
// connect(): fetch hands it over that way; nothing is stored. Redirect mode
// keeps the one-time PKCE verifier and state in sessionStorage until the
// redirect page redeems them (as MSAL.js does) and deletes them then.
//
// No dependencies; needs crypto.subtle (secure contexts, Node >= 18).

import { VaultError } from '../errors.js';
import { openPopupAndWait } from './popup.js';
import { OAUTH_ERRORS, aadstsCode, quoteEnum } from './quote.js';

export const KEY_VAULT_SCOPE = 'https://vault.azure.net/user_impersonation';
const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
const STORAGE_KEY = 'vaultlink.azure.pkce';

const b64url = (bytes) => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

function randomString(n) {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b64url(b);
}

/**
 * A PKCE pair (RFC 7636): a 43-character verifier and its S256 challenge.
 * @returns {Promise<{verifier: string, challenge: string, method: 'S256'}>}
 */
export async function createPkce() {
  const verifier = randomString(32);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: b64url(new Uint8Array(digest)), method: 'S256' };
}

const base = (authority, tenant) => `${String(authority ?? DEFAULT_AUTHORITY).replace(/\/+$/, '')}/${encodeURIComponent(tenant ?? 'organizations')}/oauth2/v2.0`;
const scopeOf = (o) => [o.scope ?? KEY_VAULT_SCOPE, ...(o.offlineAccess ? ['offline_access'] : [])].join(' ');

/**
 * The /authorize URL for a code + PKCE sign-in.
 * @param {{clientId: string, redirectUri: string, codeChallenge: string, state: string, tenant?: string,
 *   authority?: string, scope?: string, offlineAccess?: boolean, responseMode?: 'query'|'fragment',
 *   prompt?: string, loginHint?: string}} o
 */
export function authorizeUrl(o) {
  const u = new URL(`${base(o.authority, o.tenant)}/authorize`);
  const p = {
    client_id: o.clientId,
    response_type: 'code',
    redirect_uri: o.redirectUri,
    response_mode: o.responseMode ?? 'query',
    scope: scopeOf(o),
    state: o.state,
    code_challenge: o.codeChallenge,
    code_challenge_method: 'S256',
  };
  if (o.prompt) p.prompt = o.prompt;
  if (o.loginHint) p.login_hint = o.loginHint;
  for (const [k, v] of Object.entries(p)) u.searchParams.set(k, v);
  return u.toString();
}

/** Reads code/state/error from a redirect URL (query or fragment). */
function callbackParams(callbackUrl) {
  const u = new URL(callbackUrl);
  const p = new URLSearchParams(u.search);
  if (!p.has('code') && !p.has('error') && u.hash) return new URLSearchParams(u.hash.slice(1));
  return p;
}

/**
 * Redeems an authorization code with its PKCE verifier.
 * @returns {Promise<{accessToken: string, expiresAt: number, tenantId?: string, scope?: string}>}
 */
export async function exchangeCode(o) {
  const doFetch = o.fetch ?? ((...a) => globalThis.fetch(...a));
  const now = o.now ?? Date.now;
  const form = new URLSearchParams({
    client_id: o.clientId,
    grant_type: 'authorization_code',
    code: o.code,
    redirect_uri: o.redirectUri,
    code_verifier: o.verifier,
    scope: scopeOf(o),
  });
  let res;
  try {
    res = await doFetch(`${base(o.authority, o.tenant)}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new VaultError('unreachable', 'azure sign-in: the token endpoint could not be reached');
  }
  let j = null;
  try {
    j = await res.json();
  } catch {
    /* not JSON */
  }
  if (!res.ok || typeof j?.access_token !== 'string') {
    // The answer's text is the provider's: only a known error code and an AADSTS number are named.
    const parts = [`HTTP ${res.status}`];
    if (j?.error !== undefined) parts.push(quoteEnum(j.error, OAUTH_ERRORS));
    const aadsts = Array.isArray(j?.error_codes) ? aadstsCode(j.error_codes[0]) : null;
    if (aadsts) parts.push(aadsts);
    throw new VaultError('auth', `azure sign-in: token request failed (${parts.join(', ')})`);
  }
  const out = { accessToken: j.access_token, expiresAt: now() + Math.max(0, Number(j.expires_in) || 0) * 1000 };
  const t = o.tenant;
  if (t && !['common', 'organizations', 'consumers'].includes(t)) out.tenantId = t;
  return out;
}

/**
 * The default popup opener: resolves with the callback URL once the popup is
 * back on redirectUri (same origin as this page), then closes it.
 */
export function popupOpener(url, { redirectUri, timeoutMs = 300_000 }) {
  return openPopupAndWait(url, { redirectUri, timeoutMs, name: 'vaultlink-azure', label: 'azure sign-in', code: 'auth' });
}

async function redeem(params, expect, o) {
  if (params.get('state') !== expect.state) throw new VaultError('auth', 'azure sign-in: the state does not match (possible CSRF); sign in again');
  if (params.get('error')) {
    // error_description is free text from the redirect: never quoted.
    throw new VaultError('auth', `azure sign-in: the identity provider refused (${quoteEnum(params.get('error'), OAUTH_ERRORS)})`);
  }
  const code = params.get('code');
  if (!code) throw new VaultError('auth', 'azure sign-in: the redirect carries no code');
  return exchangeCode({ ...o, code, verifier: expect.verifier });
}

/**
 * Signs in with code + PKCE. Resolves with {accessToken, expiresAt[, tenantId]}
 * (popup or custom `open`); in 'redirect' mode it navigates away and never resolves.
 * @param {{clientId: string, redirectUri: string, tenant?: string, authority?: string, scope?: string,
 *   offlineAccess?: boolean, mode?: 'popup'|'redirect', open?: (url: string) => Promise<string>,
 *   fetch?: typeof fetch, now?: () => number, storage?: Storage, timeoutMs?: number}} o
 */
export async function signInAzure(o) {
  if (!o?.clientId || !o?.redirectUri) throw new VaultError('bad_argument', 'azure sign-in: clientId and redirectUri are required');
  const pkce = await createPkce();
  const state = randomString(16);
  const url = authorizeUrl({ ...o, state, codeChallenge: pkce.challenge });
  if (o.mode === 'redirect') {
    const storage = o.storage ?? globalThis.sessionStorage;
    const keep = { state, verifier: pkce.verifier, clientId: o.clientId, redirectUri: o.redirectUri, tenant: o.tenant, authority: o.authority, scope: o.scope, offlineAccess: o.offlineAccess };
    storage.setItem(STORAGE_KEY, JSON.stringify(keep));
    globalThis.location.assign(url);
    return new Promise(() => {}); // the page is leaving
  }
  const open = o.open ?? ((u) => popupOpener(u, o));
  const callbackUrl = await open(url);
  return redeem(callbackParams(callbackUrl), { state, verifier: pkce.verifier }, o);
}

/**
 * On the redirect page of 'redirect' mode: redeems the code in `url` with the
 * verifier kept in sessionStorage (then deletes it). Resolves null when the
 * URL is not an Azure sign-in callback.
 * @param {{url?: string, storage?: Storage, fetch?: typeof fetch, now?: () => number}} [o]
 */
export async function completeAzureRedirect(o = {}) {
  const storage = o.storage ?? globalThis.sessionStorage;
  const kept = storage.getItem(STORAGE_KEY);
  const params = callbackParams(o.url ?? globalThis.location.href);
  if (!kept || !(params.has('code') || params.has('error'))) return null;
  storage.removeItem(STORAGE_KEY);
  const saved = JSON.parse(kept);
  return redeem(params, saved, { ...saved, fetch: o.fetch, now: o.now });
}
