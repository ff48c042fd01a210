// The one popup sign-in loop both browser flows use: open the provider's page,
// wait until the popup is back on our own redirect URI (same origin, so its
// location becomes readable), then close it and hand back that URL.

import { VaultError } from '../errors.js';

/**
 * @param {string} url  the provider's sign-in page
 * @param {{redirectUri: string, timeoutMs?: number, name: string, label: string, code: string}} o
 *   name: the window name; label: the flow's name in messages; code: the VaultError code for failures
 * @returns {Promise<string>} the callback URL (with code and state)
 */
export function openPopupAndWait(url, { redirectUri, timeoutMs = 300_000, name, label, code }) {
  // Compared with the clock, not given to a timer: any positive number works, but NaN would never time out.
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    return Promise.reject(new VaultError('bad_argument', `${label}: timeoutMs must be a positive number of ms, got ${typeof timeoutMs === 'number' ? timeoutMs : typeof timeoutMs}`));
  }
  if (typeof window === 'undefined' || typeof window.open !== 'function') {
    return Promise.reject(new VaultError('unsupported', `${label}: no window.open here; pass an \`open\` function`));
  }
  const popup = window.open(url, name, 'popup,width=520,height=680');
  if (!popup) return Promise.reject(new VaultError(code, `${label}: the popup was blocked`));
  const target = new URL(redirectUri);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      let href = null;
      try {
        href = popup.location.href; // throws while the popup is on the provider's origin
      } catch {
        /* cross-origin: still signing in */
      }
      if (href && href.startsWith(target.origin + target.pathname)) {
        clearInterval(timer);
        popup.close();
        resolve(href);
      } else if (popup.closed) {
        clearInterval(timer);
        reject(new VaultError(code, `${label}: the popup was closed before sign-in finished`));
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        popup.close();
        reject(new VaultError(code === 'auth' ? 'timeout' : code, `${label}: sign-in timed out`));
      }
    }, 150);
  });
}
