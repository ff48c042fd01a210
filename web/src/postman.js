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

  async function resolveAll({ secrets, urlString }) {
    const results = [];
    for (const s of secrets) {
      const variable = s.variable;
      const source = variable && variable.source;
      if (!source || typeof source !== 'object') {
        results.push({ error: new VaultError('bad_reference', `secret variable "${variable?.key}" has no source object`) });
        continue;
      }
      // Private, collision-free name; braces are not allowed in vault names.
      const name = `postman/${s.scopeName}/${String(variable.key).replace(/[{}]/g, '_')}`;
      const domains = domainsFor(s.scopeName, variable.key);
      const identity = JSON.stringify([source, domains]);
      try {
        if (linked.get(name) !== identity) {
          vault.link(name, source, { domains });
          linked.set(name, identity);
        }
        const r = await vault.resolve({ method: 'GET', url: urlString || '', body: `{{vault:${name}}}` });
        if (r.unresolved.length) {
          const u = r.unresolved[0];
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
