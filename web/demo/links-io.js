// Link definitions in and out (never values), Postman collection and
// environment import (links, plain variables, requests), and a cURL command
// built from the template with the references that resolve masked.
// No DOM and no vault access here: plain data in, plain data out.

export const MASK = '••••••';
const VAULT_TOKEN_RE = /\{\{vault:[^{}]*?\}\}/g;

/** The export document for `links` (vault.links() output: definitions only). */
export function exportLinks(links) {
  return {
    vaultlink: 'links',
    version: 1,
    links: links
      .filter((l) => !(l.source && typeof l.source === 'object' && l.source.provider === 'local'))
      .map(({ name, source, domains, enabled }) => ({ name, source, domains, enabled })),
  };
}

/**
 * Reads an import document: a vaultlink export, a Postman collection (its
 * `variable[]`, including nested items' and folders' lists) or a Postman
 * environment (`values[]`). Returns {kind, links:[{name, source, domains, enabled}], skipped:[{name, why}]}.
 * Only definitions are taken: a variable's `value` is never read.
 */
export function parseImport(text) {
  let doc;
  try {
    doc = typeof text === 'string' ? JSON.parse(text) : text;
  } catch (e) {
    throw new Error(`not JSON: ${e.message}`);
  }
  if (Array.isArray(doc)) doc = { vaultlink: 'links', links: doc };
  if (!doc || typeof doc !== 'object') throw new Error('expected a JSON object');
  if (doc.vaultlink === 'links' || (Array.isArray(doc.links) && !doc.info)) {
    const links = [];
    const skipped = [];
    for (const l of doc.links ?? []) {
      if (!l || typeof l.name !== 'string' || l.source === undefined) skipped.push({ name: String(l?.name ?? '?'), why: 'needs a name and a source' });
      else links.push({ name: l.name, source: l.source, domains: Array.isArray(l.domains) ? l.domains : [], enabled: l.enabled !== false });
    }
    return { kind: 'vaultlink links', links, skipped };
  }
  let vars;
  let kind;
  const requests = [];
  if (Array.isArray(doc.values)) {
    kind = 'Postman environment';
    vars = doc.values.map((v) => ({ ...v, disabled: v.disabled ?? v.enabled === false }));
  } else if (doc.info || Array.isArray(doc.variable) || Array.isArray(doc.item)) {
    kind = 'Postman collection';
    vars = [];
    const walk = (node, path) => {
      if (Array.isArray(node?.variable)) vars.push(...node.variable);
      if (node?.request && path.length) requests.push(requestFromItem(node, path));
      if (Array.isArray(node?.item)) node.item.forEach((it) => walk(it, [...path, String(it?.name ?? '')]));
    };
    walk(doc, []);
  } else throw new Error('not a vaultlink export, Postman collection or Postman environment');

  const links = [];
  const skipped = [];
  const plain = [];
  for (const v of vars) {
    const name = v?.key ?? v?.name ?? v?.id;
    if (!v || typeof name !== 'string') continue;
    const secret = v.secret === true || v.type === 'secret';
    if (!v.source) {
      if (secret) skipped.push({ name, why: 'secret without a source (its value stays in Postman)' });
      else if (!v.disabled && typeof v.value === 'string') plain.push({ name, value: v.value });
      continue;
    }
    if (!secret) {
      skipped.push({ name, why: 'has a source but is not marked secret' });
      continue;
    }
    if (v.source.provider === 'postman') {
      skipped.push({ name, why: 'Postman-hosted secret (provider "postman")' });
      continue;
    }
    links.push({ name, source: v.source, domains: [], enabled: !v.disabled });
  }
  const title = typeof doc.name === 'string' ? doc.name : typeof doc.info?.name === 'string' ? doc.info.name : kind;
  return { kind, name: title, links, skipped, vars: plain, requests };
}

/** One Postman collection item's request as the editor holds it (disabled headers left out). */
function requestFromItem(item, path) {
  const r = typeof item.request === 'string' ? { url: item.request } : item.request;
  const url = typeof r.url === 'string' ? r.url : typeof r.url?.raw === 'string' ? r.url.raw : '';
  const headers = (Array.isArray(r.header) ? r.header : [])
    .filter((h) => h && !h.disabled && typeof h.key === 'string')
    .map((h) => [h.key, String(h.value ?? '')]);
  const body = r.body?.mode === 'raw' && typeof r.body.raw === 'string' ? r.body.raw : undefined;
  return { name: path.join(' / '), method: String(r.method ?? 'GET').toUpperCase(), url, headers, body };
}

/**
 * Replaces Postman `{{name}}` variables (never `{{vault:…}}`) with their
 * values from `vars` (a Map, name → value), once: a value is not scanned again.
 */
export function applyVariables(s, vars) {
  if (!vars || !vars.size) return s;
  return String(s).replace(/\{\{([^{}]*?)\}\}/g, (tok, name) => (!name.startsWith('vault:') && vars.has(name) ? vars.get(name) : tok));
}

function shellQuote(s) {
  return `'${String(s).replaceAll("'", `'\\''`)}'`;
}

const utf8 = new TextEncoder();

/**
 * Replaces the {{vault:…}} tokens of one field with the mask, except those
 * `keep(where, offset)` names (offset: the token's UTF-8 byte offset, as the
 * core reports unresolved references): those stay literal.
 */
export function maskTokens(s, where = '', keep = () => false) {
  const str = String(s);
  return str.replace(VAULT_TOKEN_RE, (tok, index) => (keep(where, utf8.encode(str.slice(0, index)).length) ? tok : MASK));
}

function curlLines({ method = 'GET', url, headers = [], body }, field) {
  const target = field(url, 'url');
  // A literal {{vault:…}} left in the URL must reach the server as typed, not as a curl glob.
  const curl = /[{}[\]]/.test(target) ? 'curl --globoff' : 'curl';
  const lines = [method === 'GET' ? curl : `${curl} -X ${method}`, shellQuote(target)];
  headers.forEach(([n, v], i) => lines.push(`-H ${shellQuote(`${field(n, `headers[${i}].name`)}: ${field(v, `headers[${i}].value`)}`)}`));
  if (body !== undefined && body !== '' && method !== 'GET' && method !== 'HEAD') lines.push(`--data-raw ${shellQuote(field(body, 'body'))}`);
  return lines.join(' \\\n  ');
}

/**
 * A cURL command for the request template. Each vault reference that resolves
 * is masked; one that `unresolved(where, offset)` reports stays as its literal
 * `{{vault:name}}` text (that is what would be sent). Built from the template
 * only: no value is fetched or ever present.
 */
export function curlFromTemplate(req, unresolved = () => false) {
  return curlLines(req, (s, where) => maskTokens(s, where, unresolved));
}

/** A cURL command for an already resolved request (the explicit, unmasked opt-in). */
export function curlFromResolved(req) {
  return curlLines(req, (s) => String(s));
}
