// vaultlink extension — the background service worker. It routes: content
// scripts ask it to fill the {{vault:…}} references of a page's fields, the
// options page asks it to link secrets and connect providers, and it hands
// both to the vault's host, an offscreen document (host.js) whose Worker holds
// the wasm core and every secret byte. Chrome stops this worker when idle; the
// host stays, so values, credentials and the cache survive that.
//
// The frame's URL (as Chrome reports it) is the request URL of a fill, so each
// secret's allowed domains decide. Link definitions (never values) are kept in
// chrome.storage.local, which the host cannot use: they are handed to it when
// it creates the vault, and saved here after every change.

const MENU_ID = 'vaultlink-fill';
const COMMAND = 'fill-vault-references';
const STORE_KEY = 'links';
const LAST_FILL_KEY = 'lastFill'; // chrome.storage.session: memory only, never on disk
const MAX_FIELDS = 200;
const MAX_FIELD_CHARS = 256 * 1024;
const EXTENSION_ORIGIN = new URL(chrome.runtime.getURL('/')).origin;
const HOST_PAGE = 'offscreen.html';
const HOST_TARGET = 'vaultlink-host';

let creating = null;

async function hostExists() {
  if (chrome.runtime.getContexts) {
    const contexts = await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'], documentUrls: [chrome.runtime.getURL(HOST_PAGE)] });
    return contexts.length > 0;
  }
  return chrome.offscreen.hasDocument();
}

/** The offscreen host, created once (and again after a wipe closed it). */
async function ensureHost() {
  if (await hostExists()) return;
  creating ??= chrome.offscreen
    .createDocument({
      url: HOST_PAGE,
      reasons: ['WORKERS'],
      justification: 'Runs the vault (a WebAssembly core) in a dedicated Worker that must outlive this service worker, so linked secrets stay usable.',
    })
    .finally(() => {
      creating = null;
    });
  await creating;
}

async function send(type, args) {
  const r = await chrome.runtime.sendMessage({ ...args, target: HOST_TARGET, type });
  return r ?? { ok: false, error: `${type}: the vault host did not answer`, code: 'error' };
}

/** Runs `type` in the host; creates the vault there first if it has none. */
async function host(type, args = {}) {
  await ensureHost();
  let r = await send(type, args);
  if (r.code === 'no_vault') {
    const { [STORE_KEY]: links = [] } = await chrome.storage.local.get(STORE_KEY);
    const init = await send('init', { links });
    if (!init.ok) return init;
    r = await send(type, args);
  }
  return r;
}

/** Saves the definitions of external links (local ones carry a value: not stored). */
async function persistLinks() {
  const r = await host('links');
  if (!r.ok) return r;
  const defs = r.links.filter((l) => !(l.source && typeof l.source === 'object' && l.source.provider === 'local'));
  await chrome.storage.local.set({ [STORE_KEY]: defs });
  return { ok: true };
}

const errorOut = (e) => ({ ok: false, error: String(e?.message ?? e).replace(/^vaultlink: /, ''), code: 'error' });

// ------------------------------------------------------------ substitution ---

function validFields(fields) {
  if (!Array.isArray(fields) || fields.length > MAX_FIELDS) return null;
  const out = [];
  for (const f of fields) {
    if (!f || typeof f.text !== 'string' || f.text.length > MAX_FIELD_CHARS || !Number.isInteger(f.id)) return null;
    out.push({ id: f.id, text: f.text });
  }
  return out;
}

/**
 * Keeps what the last fill left unresolved, with the core's explanation (for
 * a domain: the closest entry and the one to add), for the options page; the
 * page that asked gets tokens and reasons only. Never a value.
 */
async function fillFrom(url, fields) {
  const r = await host('substitute', { url, fields });
  if (!r.ok) return r;
  const refused = r.unresolved.map(({ token, reason, message, detail }) => ({ token, reason, message, ...(detail ? { detail } : {}) }));
  await chrome.storage.session.set({ [LAST_FILL_KEY]: { origin: new URL(url).origin, at: Date.now(), filled: r.filled.length, unresolved: refused } });
  return { ...r, unresolved: r.unresolved.map(({ id, token, name, reason }) => ({ id, token, name, reason })) };
}

// ------------------------------------------------------- options messages ---

/** Host calls that change the link definitions, then saves them. */
const changing = (type) => async (msg) => {
  const r = await host(type, msg);
  return r.ok ? persistLinks() : r;
};

const ADMIN = {
  links: () => host('links'),
  status: () => host('status'),
  link: changing('link'),
  unlink: changing('unlink'),
  setEnabled: changing('setEnabled'),
  connect: (msg) => host('connect', msg),
  disconnect: (msg) => host('disconnect', msg),
  resetCache: () => host('resetCache'),
  /** The last fill's refusals and why (see fillFrom). */
  async lastFill() {
    const { [LAST_FILL_KEY]: last = null } = await chrome.storage.session.get(LAST_FILL_KEY);
    return { ok: true, last };
  },
  setCacheTtl: (msg) => host('setCacheTtl', msg),
  /** Wipes the vault and closes the host: its Worker and memory go with it. */
  async wipe() {
    if (!(await hostExists())) return { ok: true };
    await send('wipe', {});
    await chrome.offscreen.closeDocument();
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
    else work = fillFrom(url, fields);
  } else if (Object.hasOwn(ADMIN, msg.type) && fromExtensionPage(sender)) {
    const { type, target, ...args } = msg;
    work = ADMIN[type](args);
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

/** The keyboard shortcut (the manifest's command): fills the focused field of the tab. */
async function onCommand(command, tab) {
  if (command !== COMMAND) return null;
  const target = tab ?? (await chrome.tabs.query({ active: true, lastFocusedWindow: true }))[0];
  return target?.id !== undefined ? runInTab(target.id) : null;
}
chrome.commands.onCommand.addListener(onCommand);

chrome.action.onClicked.addListener(() => chrome.runtime.openOptionsPage());

// For tests and the devtools console of this worker: the same calls the options page makes.
globalThis.vaultlink = { runInTab, onCommand, admin: ADMIN };
