// vaultlink extension — the background service worker holds the vault (the
// wasm core; every secret byte lives in its memory). Content scripts ask it to
// fill the {{vault:…}} references of a page's fields; it resolves them with
// the frame's URL as the request URL, so each secret's allowed domains decide,
// and answers with the filled texts only.
//
// Link definitions (never values) are kept in chrome.storage.local so they
// survive the worker being stopped; local values and provider credentials are
// not: when Chrome stops the worker, they are gone (connect again).

import { createVault, VaultError } from './src/vault.js';

const MENU_ID = 'vaultlink-fill';
const COMMAND = 'fill-vault-references';
const STORE_KEY = 'links';
const MAX_FIELDS = 200;
const MAX_FIELD_CHARS = 256 * 1024;
const EXTENSION_ORIGIN = new URL(chrome.runtime.getURL('/')).origin;

let vaultPromise = null;

/** The vault, created on first use with the stored link definitions. */
function getVault() {
  if (!vaultPromise) {
    vaultPromise = (async () => {
      const vault = await createVault({ cacheTtlMinutes: 60 });
      const { [STORE_KEY]: stored = [] } = await chrome.storage.local.get(STORE_KEY);
      for (const l of stored) {
        try {
          vault.link(l.name, l.source, { domains: l.domains, enabled: l.enabled });
        } catch (e) {
          console.warn(`vaultlink: stored link ${l.name} skipped: ${e.message}`);
        }
      }
      return vault;
    })();
    vaultPromise.catch(() => {
      vaultPromise = null;
    });
  }
  return vaultPromise;
}

/** Saves the definitions of external links (local ones carry a value: not stored). */
async function persistLinks(vault) {
  const defs = vault.links().filter((l) => !(l.source && typeof l.source === 'object' && l.source.provider === 'local'));
  await chrome.storage.local.set({ [STORE_KEY]: defs });
}

const errorOut = (e) => ({ ok: false, error: String(e?.message ?? e).replace(/^vaultlink: /, ''), code: e instanceof VaultError ? e.code : 'error' });

// ------------------------------------------------------------ substitution ---

/**
 * Fills the references in `fields` for a frame at `url`. Each field is resolved
 * as the body of a request to `url`; a field comes back only if something in it
 * was substituted. The report names tokens and reasons, never values.
 */
async function substitute(url, fields) {
  const vault = await getVault();
  const filled = [];
  const unresolved = [];
  for (const f of fields) {
    const r = await vault.resolve({ method: 'GET', url, body: f.text });
    for (const u of r.unresolved) unresolved.push({ id: f.id, token: u.token, name: u.name, reason: u.reason, message: u.message });
    if (typeof r.body === 'string' && r.body !== f.text) filled.push({ id: f.id, text: r.body });
  }
  return { ok: true, filled, unresolved };
}

function validFields(fields) {
  if (!Array.isArray(fields) || fields.length > MAX_FIELDS) return null;
  const out = [];
  for (const f of fields) {
    if (!f || typeof f.text !== 'string' || f.text.length > MAX_FIELD_CHARS || !Number.isInteger(f.id)) return null;
    out.push({ id: f.id, text: f.text });
  }
  return out;
}

// ------------------------------------------------------- options messages ---

const ADMIN = {
  async links() {
    return { ok: true, links: (await getVault()).links() };
  },
  async status() {
    const vault = await getVault();
    vault.sweep();
    return { ok: true, status: vault.status() };
  },
  async link({ name, source, domains, enabled }) {
    const vault = await getVault();
    vault.link(name, source, { domains, enabled });
    await persistLinks(vault);
    return { ok: true };
  },
  async unlink({ name }) {
    const vault = await getVault();
    vault.unlink(name);
    await persistLinks(vault);
    return { ok: true };
  },
  async setEnabled({ name, enabled }) {
    const vault = await getVault();
    vault.setEnabled(name, enabled);
    await persistLinks(vault);
    return { ok: true };
  },
  async connect({ provider, credentials }) {
    (await getVault()).connect(provider, credentials);
    return { ok: true };
  },
  async disconnect({ provider }) {
    (await getVault()).disconnect(provider);
    return { ok: true };
  },
  async resetCache() {
    (await getVault()).resetCache();
    return { ok: true };
  },
  async setCacheTtl({ minutes }) {
    (await getVault()).setCacheTtl(minutes);
    return { ok: true };
  },
  async wipe() {
    const vault = await getVault();
    vault.wipe();
    vaultPromise = null;
    return { ok: true };
  },
};

/** True for the extension's own pages (options), never for a content script. */
function fromExtensionPage(sender) {
  return sender.id === chrome.runtime.id && !sender.tab?.url?.startsWith('http') && typeof sender.url === 'string' && sender.url.startsWith(EXTENSION_ORIGIN + '/');
}

chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || typeof msg.type !== 'string' || sender.id !== chrome.runtime.id) return false;
  let work;
  if (msg.type === 'substitute') {
    // The URL is the sending frame's, as Chrome reports it: a page cannot claim another origin.
    const url = sender.url;
    const fields = validFields(msg.fields);
    if (!sender.tab || !url || !/^https?:/.test(url)) work = Promise.resolve({ ok: false, error: 'substitute: only pages may ask' });
    else if (!fields) work = Promise.resolve({ ok: false, error: 'substitute: bad fields' });
    else work = substitute(url, fields);
  } else if (Object.hasOwn(ADMIN, msg.type) && fromExtensionPage(sender)) {
    work = ADMIN[msg.type](msg);
  } else return false;
  work.then(sendResponse, (e) => sendResponse(errorOut(e)));
  return true; // answered asynchronously
});

// ------------------------------------------------------------ user actions ---

/** Asks the content script in a tab (one frame, or the focused one) to fill its field. */
async function runInTab(tabId, frameId) {
  try {
    return await chrome.tabs.sendMessage(tabId, { type: 'run' }, frameId === undefined ? undefined : { frameId });
  } catch (e) {
    return { ok: false, error: `no vaultlink content script in this tab (${e.message})` };
  }
}

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: MENU_ID, title: 'Fill {{vault:…}} references', contexts: ['editable'] }, () => void chrome.runtime.lastError);
});

chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId === MENU_ID && tab?.id !== undefined) runInTab(tab.id, info.frameId);
});

chrome.commands.onCommand.addListener(async (command, tab) => {
  if (command !== COMMAND) return;
  const target = tab ?? (await chrome.tabs.query({ active: true, lastFocusedWindow: true }))[0];
  if (target?.id !== undefined) runInTab(target.id);
});

chrome.action.onClicked.addListener(() => chrome.runtime.openOptionsPage());

// For tests and the devtools console of this worker: the same calls the options page makes.
globalThis.vaultlink = { getVault, runInTab, admin: ADMIN };
