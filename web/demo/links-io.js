// Link definitions in and out (never values), Postman collection and
// environment import, and a masked cURL command built from the template.
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
  if (Array.isArray(doc.values)) {
    kind = 'Postman environment';
    vars = doc.values.map((v) => ({ ...v, disabled: v.disabled ?? v.enabled === false }));
  } else if (doc.info || Array.isArray(doc.variable) || Array.isArray(doc.item)) {
    kind = 'Postman collection';
    vars = [];
    const walk = (node) => {
      if (Array.isArray(node?.variable)) vars.push(...node.variable);
      if (Array.isArray(node?.item)) node.item.forEach(walk);
    };
    walk(doc);
  } else throw new Error('not a vaultlink export, Postman collection or Postman environment');

  const links = [];
  const skipped = [];
  for (const v of vars) {
    const name = v?.key ?? v?.name ?? v?.id;
    if (!v || typeof name !== 'string') continue;
    const secret = v.secret === true || v.type === 'secret';
    if (!v.source) {
      if (secret) skipped.push({ name, why: 'secret without a source (its value stays in Postman)' });
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
  return { kind, links, skipped };
}

function shellQuote(s) {
  return `'${String(s).replaceAll("'", `'\\''`)}'`;
}

/** Replaces every {{vault:…}} token with the mask; nothing is resolved. */
export function maskTokens(s) {
  return String(s).replace(VAULT_TOKEN_RE, MASK);
}

/**
 * A cURL command for the request template with every vault reference masked.
 * Built from the template only: no value is fetched or ever present.
 */
export function curlFromTemplate({ method = 'GET', url, headers = [], body }) {
  const lines = [method === 'GET' ? 'curl' : `curl -X ${method}`, shellQuote(maskTokens(url))];
  for (const [n, v] of headers) lines.push(`-H ${shellQuote(`${maskTokens(n)}: ${maskTokens(v)}`)}`);
  if (body !== undefined && body !== '' && method !== 'GET' && method !== 'HEAD') lines.push(`--data-raw ${shellQuote(maskTokens(body))}`);
  return lines.join(' \\\n  ');
}
