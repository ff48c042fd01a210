// The demo's setup across reloads, in localStorage: link definitions of
// external secrets, provider settings that are not credentials (endpoints,
// tenant, namespace), imported Postman environments and requests. Never a
// value, never a credential (DESIGN I2): local values and every password,
// token or key field stay in wasm memory and are asked for again, as Postman
// asks for its vault credentials again.

export const STORAGE_KEY = 'vaultlink-demo-setup';

/**
 * Connect fields kept across reloads: URLs and the plain identifiers of where
 * to go. An access key ID, a user name or a role ID identifies a credential
 * and is not kept.
 */
const KEPT_CONNECT_KEYS = new Set(['tenantId', 'namespace', 'mount', 'region']);
export const keptConnectField = (f) => f.type === 'url' || KEPT_CONNECT_KEYS.has(f.key);

const empty = () => ({ version: 1, links: null, providers: {}, environments: [], activeEnv: '', requests: [], collectionVars: [] });

/** The saved setup, or an empty one (links null: nothing saved yet). */
export function loadSetup() {
  try {
    const doc = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    if (!doc || doc.version !== 1) return empty();
    return { ...empty(), ...doc };
  } catch {
    return empty();
  }
}

/** Saves `setup`; a link of provider "local" (a value) is refused here, whatever the caller passed. */
export function saveSetup(setup) {
  const doc = {
    version: 1,
    links: (setup.links ?? []).filter((l) => !isLocal(l.source)).map(({ name, source, domains, enabled, env }) => ({ name, source, domains, enabled, env })),
    providers: setup.providers ?? {},
    environments: (setup.environments ?? []).map((e) => ({ name: e.name, vars: e.vars, links: e.links.filter((l) => !isLocal(l.source)) })),
    activeEnv: setup.activeEnv ?? '',
    requests: setup.requests ?? [],
    collectionVars: setup.collectionVars ?? [],
  };
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(doc));
    return true;
  } catch {
    return false; // storage full or disabled: the page still works, it just forgets
  }
}

export function forgetSetup() {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    /* nothing stored */
  }
}

function isLocal(source) {
  return !!source && typeof source === 'object' && source.provider === 'local';
}
