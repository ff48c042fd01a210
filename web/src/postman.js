// postman-runtime's `secretResolver` contract, backed by a vaultlink vault
// (../shared/reference/postman-semantics.md §7):
//
//   secretResolver({ secrets, urlString }, (err, result) => …)
//   secrets[i] = { scopeName, scope, variable, context: { item, variableKey } }
//   result[i]  = { resolvedValue?: string, error?: Error, allowedInScript?: boolean }
//
// Each secret variable's `source` object is linked in the vault under a private
// name and resolved as `{{vault:name}}` against the request's final URL, so the
// cache, the providers and the allowed-domain rules all apply. A variable whose
// secret cannot be used keeps its placeholder; its `error` says why.

import { VaultError } from './errors.js';

const SCOPE_ORDER = ['environment', 'collectionVariables', 'globals']; // Postman's precedence, highest first
const PASS_LIMIT = 19; // postman-collection's VARS_SUBREPLACE_LIMIT

/** Where a URL's scheme and authority end (the first '/', '?' or '#' after "scheme://"). */
function originEnd(u) {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:)?\/\//.exec(u);
  const from = m ? m[0].length : 0;
  const rest = u.slice(from).search(/[/?#]/);
  return rest < 0 ? u.length : from + rest;
}

/**
 * The URL the domain check must see. postman-runtime hands the resolver a URL
 * built from the secret variables' *placeholder* values, so when a secret
 * variable feeds the host (`http://{{apiHost}}/`), that URL names a host the
 * request will never go to. This rebuilds the URL from the item's template:
 * plain variables from the scopes at hand (Postman's precedence and passes),
 * secret variables as `{{vault:…}}` tokens, so resolve() substitutes them
 * (never a domain-restricted one into the authority) and checks every
 * restricted secret against the final host. When no secret variable reaches
 * the scheme or authority, postman-runtime's own URL is already final.
 */
function urlForCheck(secrets, urlString, nameOf) {
  const raw = secrets.find((s) => s.context?.item)?.context.item?.request?.url?.toString?.();
  if (typeof raw !== 'string' || !raw.includes('{{')) return urlString;
  const byScope = new Map(secrets.map((s) => [s.scopeName, s.scope]));
  const secretKeys = new Map(); // key → vault name, highest scope first
  for (const scopeName of SCOPE_ORDER) {
    for (const s of secrets) {
      if (s.scopeName === scopeName && s.variable && !secretKeys.has(String(s.variable.key))) {
        secretKeys.set(String(s.variable.key), nameOf(s));
      }
    }
  }
  const plain = (key) => {
    for (const scopeName of SCOPE_ORDER) {
      const v = byScope.get(scopeName)?.values?.one?.(key);
      if (v && v.secret !== true && v.disabled !== true) return String(v.value ?? '');
    }
    return undefined;
  };
  // Secrets become markers that later passes cannot touch, then vault tokens.
  const marks = [];
  let u = raw;
  for (let pass = 0; pass < PASS_LIMIT; pass++) {
    let changed = false;
    u = u.replace(/{{([^{}]*?)}}/g, (tok, key) => {
      if (secretKeys.has(key)) {
        changed = true;
        marks.push(secretKeys.get(key));
        return `\u0000${marks.length - 1}\u0000`;
      }
      const v = plain(key);
      if (v === undefined) return tok;
      changed = true;
      return v;
    });
    if (!changed) break;
  }
  if (!u.slice(0, originEnd(u)).includes('\u0000')) return urlString; // no secret in the authority
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(u)) {
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(urlString || '');
    if (scheme) u = scheme[0] + u; // postman-runtime's default scheme
  }
  return u.replace(/\u0000(\d+)\u0000/g, (_, i) => `{{vault:${marks[Number(i)]}}}`);
}

/**
 * @param {import('./vault.js').Vault} vault
 * @param {{domains?: Record<string, string[]>, allowedInScript?: boolean}} [options]
 *   domains: allowed domains per variable key ("scope:key" or "key");
 *   allowedInScript: false hides every resolved value from scripts (default true).
 */
export function postmanSecretResolver(vault, options = {}) {
  const domainsFor = (scopeName, key) => options.domains?.[`${scopeName}:${key}`] ?? options.domains?.[key] ?? [];
  const allowedInScript = options.allowedInScript ?? true;
  const linked = new Map(); // private name → JSON of the linked source, to relink only on change

  // Private, collision-free name; braces are not allowed in vault names.
  const nameOf = (s) => `postman/${s.scopeName}/${String(s.variable?.key).replace(/[{}]/g, '_')}`;

  async function resolveAll({ secrets, urlString }) {
    const results = [];
    // Link every secret first: the URL for the check may use any of them.
    const usable = secrets.map((s) => {
      const source = s.variable && s.variable.source;
      if (!source || typeof source !== 'object') return false;
      const name = nameOf(s);
      const domains = domainsFor(s.scopeName, s.variable.key);
      const identity = JSON.stringify([source, domains]);
      try {
        if (linked.get(name) !== identity) {
          vault.link(name, source, { domains });
          linked.set(name, identity);
        }
        return true;
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e));
      }
    });
    const url = urlForCheck(secrets, urlString || '', nameOf);
    for (const [i, s] of secrets.entries()) {
      const variable = s.variable;
      const source = variable && variable.source;
      if (!source || typeof source !== 'object') {
        results.push({ error: new VaultError('bad_reference', `secret variable "${variable?.key}" has no source object`) });
        continue;
      }
      if (usable[i] !== true) {
        results.push({ error: usable[i] });
        continue;
      }
      const name = nameOf(s);
      try {
        const r = await vault.resolve({ method: 'GET', url, body: `{{vault:${name}}}` });
        const mine = r.unresolved.filter((u) => u.where === 'body'); // the URL's own tokens are only context
        if (mine.length) {
          const u = mine[0];
          results.push({
            error: new VaultError(u.reason, `secret variable "${variable.key}" (${s.scopeName}): ${u.message}${u.detail ? ` — ${u.detail}` : ''}`),
          });
        } else {
          results.push({ resolvedValue: r.body, allowedInScript });
        }
      } catch (e) {
        results.push({ error: e instanceof Error ? e : new Error(String(e)) });
      }
    }
    return results;
  }

  return function secretResolver(payload, callback) {
    resolveAll(payload).then(
      (result) => callback(null, result),
      (err) => callback(err),
    );
  };
}
