// The demo's setup across reloads, in localStorage: link definitions of
// external secrets, provider settings that are not credentials (endpoints,
// tenant, namespace), imported Postman environments and requests. Never a
// value, never a credential (DESIGN I2): local values and every password,
// token or key field stay in wasm memory and are asked for again, as Postman
// asks for its vault credentials again. A Postman request or variable may
// carry a credential typed literally (not as a {{vault:…}} reference): what
// looks like one is left out of what is kept (scrubRequest, scrubVars).

export const STORAGE_KEY = 'vaultlink-demo-setup';

/**
 * Connect fields kept across reloads: URLs and the plain identifiers of where
 * to go. An access key ID, a user name or a role ID identifies a credential
 * and is not kept.
 */
const KEPT_CONNECT_KEYS = new Set(['tenantId', 'namespace', 'mount', 'region']);
export const keptConnectField = (f) => f.type === 'url' || KEPT_CONNECT_KEYS.has(f.key);

const CREDENTIAL_NAME = /auth|token|secret|passw|cookie|credential|api[-_]?key|private|signature|session/i;
const TOKEN_RE = /\{\{[^{}]*\}\}/g;

/** True when `value`, given under `name`, may hold a literal credential (anything beyond references and a scheme word). */
export function mayBeCredential(name, value) {
  if (!CREDENTIAL_NAME.test(String(name))) return false;
  const rest = String(value).replace(TOKEN_RE, '').trim();
  return !/^(?:bearer|basic|token|digest)?$/i.test(rest);
}

/** A request to keep: header values, query values and a body that may hold a literal credential are emptied. */
export function scrubRequest(r) {
  const url = String(r.url).replace(/([?&])([^=&#]*)=([^&#]*)/g, (m, sep, k, v) => (mayBeCredential(k, decodeURIComponentSafe(v)) ? `${sep}${k}=` : m));
  const headers = r.headers.map(([n, v]) => [n, mayBeCredential(n, v) ? '' : v]);
  let body = r.body;
  if (body !== undefined && /"([^"]*)"\s*:\s*"([^"]*)"/.test(body)) {
    for (const [, k, v] of body.matchAll(/"([^"]*)"\s*:\s*"([^"]*)"/g)) if (mayBeCredential(k, v)) body = undefined;
  }
  return { name: r.name, method: r.method, url, headers, body, scrubbed: body !== r.body || url !== r.url || headers.some(([, v], i) => v !== r.headers[i][1]) };
}

/** Plain variables to keep: one whose name says credential and whose value is not a reference is left out. */
export function scrubVars(vars) {
  return (vars ?? []).filter((v) => !mayBeCredential(v.name, v.value));
}

function decodeURIComponentSafe(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

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
    environments: (setup.environments ?? []).map((e) => ({ name: e.name, vars: scrubVars(e.vars), links: e.links.filter((l) => !isLocal(l.source)) })),
    activeEnv: setup.activeEnv ?? '',
    requests: (setup.requests ?? []).map(scrubRequest),
    collectionVars: scrubVars(setup.collectionVars),
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
