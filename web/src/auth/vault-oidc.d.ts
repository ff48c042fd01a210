import type { Vault } from '../vault.js';

export interface VaultOidcOptions {
  /** Vault's base URL, e.g. https://vault.example:8200. */
  address: string;
  /** The OIDC role. */
  role: string;
  /** Where the IdP sends the browser back (in the role's allowed_redirect_uris). */
  redirectUri: string;
  /** The auth method's mount (default 'oidc'). */
  mount?: string;
  /** Enterprise/HCP namespace (sent as a path prefix). */
  namespace?: string;
  /** Shows the IdP and resolves with the callback URL (default: popupOpener). */
  open?: (authUrl: string, o: { redirectUri: string }) => Promise<string | URL>;
  fetch?: typeof fetch;
}

/** The default popup opener: resolves with the callback URL once the popup is back on redirectUri. */
export function popupOpener(authUrl: string, opts: { redirectUri: string; timeoutMs?: number }): Promise<string>;

/** Vault's OIDC login in the browser: a client token and its expiry (milliseconds since the epoch, if the lease has one). */
export function vaultOidcLogin(opts: VaultOidcOptions): Promise<{ token: string; expiresAt: number | undefined }>;

/** vaultOidcLogin, then vault.connect('hashicorp', …): the token goes straight into the core. */
export function vaultOidcConnect(vault: Vault, opts: VaultOidcOptions & { namespaceMode?: 'path' | 'header' }): Promise<{ expiresAt: number | undefined }>;
