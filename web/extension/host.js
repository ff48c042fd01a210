// vaultlink extension — the vault's host. Runs in an offscreen document, which
// Chrome keeps while the browser runs, so local values, credentials and the
// cache survive the background service worker being stopped when idle. The
// core itself runs in a dedicated Worker of this document (the offscreen
// reason): every secret byte lives in that Worker's wasm memory, and closing
// the document (wipe) or the browser ends it.
//
// Only the background worker talks to this page (messages marked for it, from
// the extension itself and from no tab). It keeps no storage: the background
// sends the stored link definitions when a vault has to be created.

import { createVaultInWorker } from './src/vault.js';

const TARGET = 'vaultlink-host';
const EXTENSION_ORIGIN = new URL(chrome.runtime.getURL('/')).origin;

let vaultPromise = null;

function vault() {
  if (!vaultPromise) throw Object.assign(new Error('the vault is not created yet'), { code: 'no_vault' });
  return vaultPromise;
}

/**
 * Fills the references in `fields` for a frame at `url`. Each field is resolved
 * as the body of a request to `url`; a field comes back only if something in it
 * was substituted. The report names tokens and reasons, never values.
 */
async function substitute(url, fields) {
  const v = await vault();
  const filled = [];
  const unresolved = [];
  for (const f of fields) {
    const r = await v.resolve({ method: 'GET', url, body: f.text });
    for (const u of r.unresolved) unresolved.push({ id: f.id, token: u.token, name: u.name, reason: u.reason, message: u.message, detail: u.detail });
    if (typeof r.body === 'string' && r.body !== f.text) filled.push({ id: f.id, text: r.body });
  }
  return { ok: true, filled, unresolved };
}

const OPS = {
  /** Creates the vault with the stored definitions, unless it exists. */
  async init({ links }) {
    if (!vaultPromise) {
      vaultPromise = (async () => {
        const v = await createVaultInWorker({ cacheTtlMinutes: 60 });
        for (const l of Array.isArray(links) ? links : []) {
          try {
            await v.link(l.name, l.source, { domains: l.domains, enabled: l.enabled });
          } catch (e) {
            console.warn(`vaultlink: stored link ${l.name} skipped: ${e.message}`);
          }
        }
        return v;
      })();
      vaultPromise.catch(() => {
        vaultPromise = null;
      });
    }
    await vaultPromise;
    return { ok: true };
  },
  substitute: ({ url, fields }) => substitute(url, fields),
  async links() {
    return { ok: true, links: await (await vault()).links() };
  },
  async status() {
    const v = await vault();
    await v.sweep();
    return { ok: true, status: await v.status() };
  },
  async link({ name, source, domains, enabled }) {
    await (await vault()).link(name, source, { domains, enabled });
    return { ok: true };
  },
  async unlink({ name }) {
    await (await vault()).unlink(name);
    return { ok: true };
  },
  async setEnabled({ name, enabled }) {
    await (await vault()).setEnabled(name, enabled);
    return { ok: true };
  },
  async connect({ provider, credentials }) {
    const result = await (await vault()).connect(provider, credentials);
    return { ok: true, result };
  },
  async disconnect({ provider }) {
    await (await vault()).disconnect(provider);
    return { ok: true };
  },
  async resetCache() {
    await (await vault()).resetCache();
    return { ok: true };
  },
  async setCacheTtl({ minutes }) {
    await (await vault()).setCacheTtl(minutes);
    return { ok: true };
  },
  async wipe() {
    const p = vaultPromise;
    vaultPromise = null;
    if (p) await (await p).wipe();
    return { ok: true };
  },
};

const errorOut = (e) => ({ ok: false, error: String(e?.message ?? e).replace(/^vaultlink: /, ''), code: e?.code ?? 'error' });

chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || msg.target !== TARGET || sender.id !== chrome.runtime.id || sender.tab) return false;
  if (typeof sender.url !== 'string' || !sender.url.startsWith(EXTENSION_ORIGIN + '/')) return false;
  if (!Object.hasOwn(OPS, msg.type)) return false;
  Promise.resolve()
    .then(() => OPS[msg.type](msg))
    .then(sendResponse, (e) => sendResponse(errorOut(e)));
  return true; // answered asynchronously
});
