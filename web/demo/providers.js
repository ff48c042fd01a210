// The one place that knows each provider's form fields. The demo page and the
// extension's options page build their link and connect forms from this table,
// so a new provider is one entry here. A provider that status() reports but
// this table lacks still works: it gets a JSON field for its source and its
// credentials (GENERIC).
//
// Field: {key, label, type?, required?, placeholder?, options?, hint?}
//   key     dotted for nested objects ('approle.roleId' → {approle:{roleId}})
//   type    'text' (default) | 'password' | 'url' | 'select' | 'expiresIn' | 'json'
//           'expiresIn': seconds from now, sent as `expiresAt` (ms since the epoch)
//           'json': the whole object, typed as JSON

/** @type {Record<string, {label: string, link: object[], connect: object[], shorthand?: string, about?: string}>} */
export const PROVIDERS = {
  local: {
    label: 'Local value',
    link: [{ key: 'value', label: 'Value', type: 'password', required: true, placeholder: 'secret value' }],
    connect: [],
  },
  aws: {
    label: 'AWS Secrets Manager',
    shorthand: 'a secret ARN',
    link: [
      { key: 'secretArn', label: 'Secret ARN', required: true, placeholder: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:name-AbCdEf' },
      { key: 'roleArn', label: 'Role ARN (optional)', placeholder: 'arn:aws:iam::123456789012:role/reader' },
      { key: 'version', label: 'Version (optional)', placeholder: 'AWSCURRENT or a version id' },
      { key: 'format', label: 'Format', type: 'select', options: ['plaintext', 'json'] },
      { key: 'key', label: 'JSON key (format json)', placeholder: 'password' },
    ],
    connect: [
      { key: 'accessKeyId', label: 'Access key ID', required: true },
      { key: 'secretAccessKey', label: 'Secret access key', type: 'password', required: true },
      { key: 'sessionToken', label: 'Session token (optional)', type: 'password' },
      { key: 'endpoint', label: 'Endpoint (optional)', type: 'url', placeholder: 'https://secretsmanager.us-east-1.amazonaws.com' },
      { key: 'expiresAt', label: 'Expires in, seconds (optional)', type: 'expiresIn' },
    ],
  },
  hashicorp: {
    label: 'HashiCorp Vault',
    link: [
      { key: 'engine', label: 'Secret engine (mount)', required: true, placeholder: 'secret' },
      { key: 'path', label: 'Secret path', required: true, placeholder: 'myapp/config' },
      { key: 'key', label: 'Secret key', required: true, placeholder: 'api_key' },
      { key: 'version', label: 'Version (optional)' },
    ],
    connect: [
      { key: 'address', label: 'Vault address', type: 'url', required: true, placeholder: 'https://vault.example.com:8200' },
      { key: 'token', label: 'Token (or AppRole / userpass / JWT below)', type: 'password' },
      { key: 'approle.roleId', label: 'AppRole role ID' },
      { key: 'approle.secretId', label: 'AppRole secret ID', type: 'password' },
      { key: 'userpass.username', label: 'Username (userpass)' },
      { key: 'userpass.password', label: 'Password (userpass)', type: 'password' },
      { key: 'jwt.role', label: 'JWT role' },
      { key: 'jwt.jwt', label: 'JWT', type: 'password' },
      { key: 'mount', label: 'Auth mount (optional)', placeholder: 'approle, userpass or jwt' },
      { key: 'namespace', label: 'Namespace (optional)' },
    ],
  },
  azure: {
    label: 'Azure Key Vault',
    shorthand: 'a secret identifier URL',
    link: [{ key: 'secretId', label: 'Secret identifier', required: true, placeholder: 'https://myvault.vault.azure.net/secrets/name' }],
    connect: [
      { key: 'accessToken', label: 'Access token', type: 'password', required: true },
      { key: 'tenantId', label: 'Tenant ID (optional)' },
      { key: 'endpoint', label: 'Endpoint (optional)', type: 'url' },
      { key: 'expiresAt', label: 'Expires in, seconds (optional)', type: 'expiresIn' },
    ],
  },
  '1password': {
    label: '1Password Connect',
    shorthand: 'an op:// reference',
    link: [{ key: 'secretReference', label: 'Secret reference', required: true, placeholder: 'op://vault/item/field' }],
    connect: [
      { key: 'host', label: 'Connect server URL', type: 'url', required: true },
      { key: 'token', label: 'Access token', type: 'password', required: true },
      { key: 'expiresAt', label: 'Expires in, seconds (optional)', type: 'expiresIn' },
    ],
  },
  gcp: {
    label: 'Google Secret Manager',
    shorthand: 'a secret version name',
    link: [
      { key: 'name', label: 'Secret version', required: true, placeholder: 'projects/p/secrets/s/versions/latest' },
      { key: 'key', label: 'JSON key (optional)' },
    ],
    connect: [
      { key: 'accessToken', label: 'Access token', type: 'password', required: true },
      { key: 'endpoint', label: 'Endpoint (optional)', type: 'url' },
      { key: 'expiresAt', label: 'Expires in, seconds (optional)', type: 'expiresIn' },
    ],
  },
};

export const GENERIC = {
  link: [{ key: '', label: 'Source (JSON)', type: 'json', required: true, placeholder: '{"field": "…"}' }],
  connect: [{ key: '', label: 'Credentials (JSON)', type: 'json', required: true, placeholder: '{"token": "…"}' }],
};

/**
 * Providers the core reports without a form of their own (GENERIC JSON
 * fields), named and explained so that the page does not show a bare id.
 */
export const OTHER_PROVIDERS = {
  sealed: {
    label: 'Sealed envelope (relay)',
    about:
      'Not a vault service: a relay you run answers with an end-to-end-encrypted envelope (HPKE, RFC 9180) addressed to this tab’s ' +
      'per-session key, and the value is opened only inside WebAssembly, so neither the relay’s transport nor this page sees it in clear. ' +
      'Link source: {"url": "<relay URL>", "reference": "<what it names>"}; connect: {"origin": "<relay origin>", "headers": {…}}. ' +
      'See docs/envelope.md and DESIGN.',
  },
};

/** The spec for `id`: its table entry, or the generic JSON one. */
export function providerSpec(id) {
  return PROVIDERS[id] ?? { label: id, ...OTHER_PROVIDERS[id], ...GENERIC };
}

/** Providers to offer for linking: local, every table entry, plus any the vault reports. */
export function providerIds(statusProviders = []) {
  const ids = Object.keys(PROVIDERS);
  for (const p of statusProviders) if (!ids.includes(p.provider)) ids.push(p.provider);
  return ids;
}

function setPath(obj, key, value) {
  const parts = key.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) o = o[p] ??= {};
  o[parts.at(-1)] = value;
}

/**
 * Turns form values ({key: string}) into an object following `fields`: empty
 * optional fields are left out; 'expiresIn' becomes an absolute `expiresAt`;
 * 'json' is parsed. Throws an Error naming the field on a missing or bad value.
 */
export function objectFromFields(fields, values, now = Date.now()) {
  let out = {};
  for (const f of fields) {
    const raw = String(values[f.key] ?? '');
    const v = f.type === 'password' || f.type === 'json' ? raw : raw.trim();
    if (v === '') {
      if (f.required) throw new Error(`${f.label} is required`);
      continue;
    }
    if (f.type === 'json') {
      let parsed;
      try {
        parsed = JSON.parse(v);
      } catch (e) {
        throw new Error(`${f.label}: not valid JSON (${e.message.replace(/^.*?:\s*/, '')})`);
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${f.label}: a JSON object is required`);
      if (f.key) setPath(out, f.key, parsed);
      else out = { ...out, ...parsed };
    } else if (f.type === 'expiresIn') {
      const s = Number(v);
      if (!Number.isFinite(s) || s <= 0) throw new Error(`${f.label}: a positive number of seconds is required`);
      setPath(out, f.key, Math.round(now + s * 1000));
    } else setPath(out, f.key, v);
  }
  return out;
}

/** A link source from the link form: {provider:'local', value} or a Variable.source object. */
export function sourceFromForm(provider, values) {
  const spec = providerSpec(provider);
  const obj = objectFromFields(spec.link, values);
  if (provider === 'local') return { provider: 'local', value: obj.value };
  // A Variable.source for a provider without a table entry may come whole.
  if (!PROVIDERS[provider] && obj.provider === provider && obj[provider]) return obj;
  return { provider, [provider]: obj };
}

/** Credentials for connect() from the connect form. */
export function credentialsFromForm(provider, values) {
  return objectFromFields(providerSpec(provider).connect, values);
}

/** Form values (strings) from an object, for pre-filling (e.g. the demo's emulator details). */
export function valuesFromObject(fields, obj = {}) {
  const values = {};
  for (const f of fields) {
    if (f.type === 'json') {
      values[f.key] = Object.keys(obj).length ? JSON.stringify(obj) : '';
      continue;
    }
    const v = f.key.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
    if (v !== undefined && v !== null && f.type !== 'expiresIn') values[f.key] = String(v);
  }
  return values;
}

/** One line describing a link's source (a definition: never a value). */
export function describeSource(source) {
  if (typeof source === 'string') return source;
  if (!source || typeof source !== 'object') return '?';
  if (source.provider === 'local') return 'local value';
  const inner = source[source.provider];
  if (!inner || typeof inner !== 'object') return source.provider;
  const main = inner.secretArn ?? inner.secretId ?? inner.secretReference ?? inner.name ?? (inner.path !== undefined ? `${inner.engine ?? ''}/${String(inner.path).replace(/^\//, '')}#${inner.key ?? ''}` : null);
  const extra = [];
  if (inner.format === 'json' && inner.key) extra.push(`key ${inner.key}`);
  if (inner.version) extra.push(`version ${inner.version}`);
  if (inner.roleArn) extra.push('via role');
  return (main ?? JSON.stringify(inner)) + (extra.length ? ` (${extra.join(', ')})` : '');
}

/** The provider a link uses (its string shorthand is classified by prefix). */
export function providerOf(source) {
  if (source && typeof source === 'object') return source.provider ?? '?';
  const s = String(source);
  if (s.startsWith('arn:')) return 'aws';
  if (s.startsWith('op://')) return '1password';
  if (/^https:\/\/[^/]+\.vault\./.test(s)) return 'azure';
  if (s.startsWith('projects/')) return 'gcp';
  return '?';
}
