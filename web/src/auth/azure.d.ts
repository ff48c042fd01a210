/** The default scope: Key Vault on behalf of the signed-in user. */
export const KEY_VAULT_SCOPE: string;

export interface AzureToken {
  accessToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  tenantId?: string;
  scope?: string;
}

interface AzureApp {
  clientId: string;
  redirectUri: string;
  /** Default 'organizations'. */
  tenant?: string;
  /** Default https://login.microsoftonline.com (a sovereign cloud's authority otherwise). */
  authority?: string;
  /** Default KEY_VAULT_SCOPE. */
  scope?: string;
}

/** A PKCE pair (RFC 7636): a 43-character verifier and its S256 challenge. */
export function createPkce(): Promise<{ verifier: string; challenge: string; method: 'S256' }>;

/** The /authorize URL for a code + PKCE sign-in. */
export function authorizeUrl(
  o: AzureApp & { codeChallenge: string; state: string; offlineAccess?: boolean; responseMode?: 'query' | 'fragment'; prompt?: string; loginHint?: string },
): string;

/** Redeems an authorization code with its PKCE verifier. */
export function exchangeCode(o: AzureApp & { code: string; verifier: string; fetch?: typeof fetch; now?: () => number }): Promise<AzureToken>;

/** The default popup opener: resolves with the callback URL once the popup is back on redirectUri (same origin), then closes it. */
export function popupOpener(url: string, opts: { redirectUri: string; timeoutMs?: number }): Promise<string>;

/**
 * Signs in with code + PKCE (popup, or a custom `open`). In 'redirect' mode it
 * navigates away and never resolves: completeAzureRedirect() finishes on the redirect page.
 */
export function signInAzure(
  o: AzureApp & {
    offlineAccess?: boolean;
    mode?: 'popup' | 'redirect';
    open?: (url: string) => Promise<string>;
    fetch?: typeof fetch;
    now?: () => number;
    storage?: Storage;
    timeoutMs?: number;
  },
): Promise<AzureToken>;

/** On the redirect page of 'redirect' mode: redeems the code in `url` (default: this page's). null when the URL is not an Azure sign-in callback. */
export function completeAzureRedirect(o?: { url?: string; storage?: Storage; fetch?: typeof fetch; now?: () => number }): Promise<AzureToken | null>;
