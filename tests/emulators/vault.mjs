// HashiCorp Vault emulator: KV v1/v2, namespaces, policies, token/AppRole/
// userpass/JWT/OIDC auth, seal, rate-limit quotas and CORS, faithful to
// ../shared/reference/providers.md §3 and ../shared/vectors/hashicorp-vault/kv-wire-cases.json.
//
//   const v = await startVaultEmulator({ mounts, secrets, policies, tokens, ... });
//   // v.url, v.port, v.state (mutable: sealed, cors, …), v.idpAuthorize(authUrl), await v.close()
import { createPublicKey, randomUUID, verify as cryptoVerify } from 'node:crypto';
import { listen, randomChars } from './common.mjs';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KV1_TTL = 2764800; // 768 h, the KV v1 refresh hint
const DEFAULT_TOKEN_TTL = 2764800;
const PERMISSION_DENIED = '1 error occurred:\n\t* permission denied\n\n';
const INVALID_TOKEN = '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n';
const V1_PATH_ON_V2 =
  "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.";
// vault/cors.go StdAllowedHeaders
export const STD_ALLOWED_HEADERS = [
  'Content-Type',
  'X-Requested-With',
  'X-Vault-AWS-IAM-Server-ID',
  'X-Vault-MFA',
  'X-Vault-No-Request-Forwarding',
  'X-Vault-Wrap-Format',
  'X-Vault-Wrap-TTL',
  'X-Vault-Policy-Override',
  'Authorization',
  'X-Vault-Token',
];
const CORS_METHODS = ['DELETE', 'GET', 'OPTIONS', 'POST', 'PUT', 'LIST'];

const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
const withSlash = (s) => (s.endsWith('/') ? s : s + '/');

/* ---- responses ------------------------------------------------------------------ */

function envelope(data, extra = {}) {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
    ...extra,
  };
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Cache-Control': 'no-store', 'Content-Type': 'application/json', ...headers, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
const sendErrors = (res, status, errors, headers) => sendJson(res, status, { errors }, headers);
const noContent = (res, headers = {}) => {
  res.writeHead(204, { 'Cache-Control': 'no-store', ...headers });
  res.end();
};

/* ---- policies ------------------------------------------------------------------- */

function pathMatches(pattern, path) {
  const parts = pattern.split('/');
  const segs = path.split('/');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (i === parts.length - 1 && p.endsWith('*')) {
      const rest = segs.slice(i).join('/');
      return segs.length > i - (p === '*' ? 1 : 0) && rest.startsWith(p.slice(0, -1));
    }
    if (i >= segs.length) return false;
    if (p !== '+' && p !== segs[i]) return false;
  }
  return parts.length === segs.length;
}

/** Capabilities granted on `path` by a token's policies (root grants all; deny wins). */
function capabilities(state, policies, path) {
  if (policies.includes('root')) return new Set(['root']);
  const caps = new Set();
  for (const name of policies) {
    const rules = state.policies[name] ?? {};
    for (const [pattern, list] of Object.entries(rules)) if (pathMatches(pattern, path)) for (const c of list) caps.add(c);
  }
  if (caps.has('deny')) return new Set();
  return caps;
}

/* ---- tokens ------------------------------------------------------------------------ */

function mintToken(state, { policies, ttl, namespace = '', path, meta = null, displayName = 'token', renewable = true }) {
  const id = 'hvs.' + randomChars(24, BASE62);
  const all = [...new Set(['default', ...policies])].sort();
  const t = {
    id,
    accessor: randomChars(24, BASE62),
    policies: all,
    ttl,
    creationTime: state.now(),
    expiresAt: ttl ? state.now() + ttl * 1000 : null,
    namespace,
    path,
    meta,
    displayName,
    renewable: ttl ? renewable : false,
  };
  state.tokens.set(id, t);
  return t;
}

function authBlock(t) {
  return {
    client_token: t.id,
    accessor: t.accessor,
    policies: t.policies,
    token_policies: t.policies,
    metadata: t.meta,
    lease_duration: t.ttl,
    renewable: t.renewable,
    entity_id: '',
    token_type: 'service',
    orphan: true,
    mfa_requirement: null,
    num_uses: 0,
  };
}

/* ---- KV ------------------------------------------------------------------------------ */

function findMount(state, full) {
  let best = null;
  for (const m of Object.keys(state.mounts)) if (withSlash(full).startsWith(m) && (!best || m.length > best.length)) best = m;
  return best;
}

// custom_metadata belongs to the key (metadata endpoint) and is echoed on reads.
function kv2Metadata(v, entry) {
  return {
    created_time: rfc3339(v.created),
    custom_metadata: entry?.custom_metadata ?? null,
    deletion_time: v.deleted ? rfc3339(v.deleted) : '',
    destroyed: Boolean(v.destroyed),
    version: v.version,
  };
}

function seedKv(state, seed) {
  for (const [full, value] of Object.entries(seed ?? {})) {
    const mount = findMount(state, full);
    if (!mount) throw new Error(`vault emulator: no mount for seeded secret ${full}`);
    const rel = full.slice(mount.length);
    const m = state.mounts[mount];
    if (m.version === 2) {
      // [{data, …}, …] (versions), {versions: […], custom_metadata}, or a flat map (one version)
      const list = Array.isArray(value) ? value : Array.isArray(value.versions) ? value.versions : [{ data: value }];
      const versions = list.map((v, i) => ({
        version: i + 1,
        data: v.data,
        created: v.created ?? state.now(),
        deleted: v.deleted ?? null,
        destroyed: Boolean(v.destroyed),
      }));
      m.store.set(rel, { versions, custom_metadata: value.custom_metadata ?? null });
    } else {
      m.store.set(rel, value);
    }
  }
}

function listKeys(store, prefix) {
  const keys = new Set();
  for (const k of store.keys()) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    const slash = rest.indexOf('/');
    keys.add(slash < 0 ? rest : rest.slice(0, slash + 1));
  }
  return [...keys].sort();
}

async function handleKv(state, req, res, ctx) {
  const { mount, rel, method, url, body } = ctx;
  const m = state.mounts[mount];
  const isList = method === 'LIST' || (method === 'GET' && url.searchParams.get('list') === 'true');
  let input = {};
  if (body.length) {
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return sendErrors(res, 400, ['failed to parse JSON input: invalid character']);
    }
  }
  if (m.version !== 2) {
    if (isList) {
      const keys = listKeys(m.store, rel ? withSlash(rel) : '');
      return keys.length ? sendJson(res, 200, envelope({ keys })) : sendErrors(res, 404, []);
    }
    if (method === 'GET') {
      const v = m.store.get(rel);
      return v ? sendJson(res, 200, envelope(v, { lease_duration: m.ttl ?? KV1_TTL })) : sendErrors(res, 404, []);
    }
    if (method === 'POST' || method === 'PUT') {
      m.store.set(rel, input);
      return noContent(res);
    }
    if (method === 'DELETE') {
      m.store.delete(rel);
      return noContent(res);
    }
    return sendErrors(res, 405, []);
  }

  // KV v2: {mount}/{data|metadata|delete|undelete|destroy}/{path}
  const slash = rel.indexOf('/');
  const op = slash < 0 ? rel : rel.slice(0, slash);
  const path = slash < 0 ? '' : rel.slice(slash + 1);
  const entry = m.store.get(path);
  const now = state.now();
  const versionsOf = (list) => (Array.isArray(list) ? list.map(Number) : []);
  if (op === 'data' && path) {
    if (method === 'GET') {
      if (!entry) return sendErrors(res, 404, []);
      const want = Number(url.searchParams.get('version') ?? 0);
      const v = want ? entry.versions[want - 1] : entry.versions[entry.versions.length - 1];
      if (!v) return sendErrors(res, 404, []);
      // Deleted or destroyed: 404 WITH a body (path_data.go).
      if (v.destroyed || (v.deleted && v.deleted <= now)) return sendJson(res, 404, envelope({ data: null, metadata: kv2Metadata(v, entry) }));
      return sendJson(res, 200, envelope({ data: v.data, metadata: kv2Metadata(v, entry) }, { mount_type: 'kv' }));
    }
    if (method === 'POST' || method === 'PUT') {
      if (!input || typeof input.data !== 'object' || input.data === null) return sendErrors(res, 400, ['no data provided']);
      const e = entry ?? { versions: [], custom_metadata: null };
      const cas = input.options?.cas;
      if (cas !== undefined && cas !== e.versions.length) {
        return sendErrors(res, 400, ['check-and-set parameter did not match the current version']);
      }
      const v = { version: e.versions.length + 1, data: input.data, created: now, deleted: null, destroyed: false };
      e.versions.push(v);
      m.store.set(path, e);
      const { created_time, custom_metadata, deletion_time, destroyed, version } = kv2Metadata(v, e);
      return sendJson(res, 200, envelope({ created_time, custom_metadata, deletion_time, destroyed, version }));
    }
    if (method === 'DELETE') {
      if (entry?.versions.length) entry.versions[entry.versions.length - 1].deleted = now;
      return noContent(res);
    }
    return sendErrors(res, 405, []);
  }
  if ((op === 'delete' || op === 'undelete' || op === 'destroy') && path && (method === 'POST' || method === 'PUT')) {
    const list = versionsOf(input.versions);
    if (!list.length) return sendErrors(res, 400, ['no version number provided']);
    for (const n of list) {
      const v = entry?.versions[n - 1];
      if (!v) continue;
      if (op === 'delete' && !v.destroyed) v.deleted = now;
      if (op === 'undelete' && !v.destroyed) v.deleted = null;
      if (op === 'destroy') {
        v.destroyed = true;
        v.data = null;
      }
    }
    return noContent(res);
  }
  if (op === 'metadata') {
    if (isList) {
      const keys = listKeys(m.store, path ? withSlash(path) : '');
      return keys.length ? sendJson(res, 200, envelope({ keys })) : sendErrors(res, 404, []);
    }
    if (method === 'GET' && path) {
      if (!entry) return sendErrors(res, 404, []);
      const versions = {};
      for (const v of entry.versions) {
        const md = kv2Metadata(v);
        versions[v.version] = { created_time: md.created_time, deletion_time: md.deletion_time, destroyed: md.destroyed };
      }
      const last = entry.versions[entry.versions.length - 1];
      return sendJson(
        res,
        200,
        envelope({
          cas_required: false,
          created_time: rfc3339(entry.versions[0].created),
          current_version: entry.versions.length,
          custom_metadata: entry.custom_metadata,
          delete_version_after: '0s',
          max_versions: 0,
          oldest_version: 0,
          updated_time: rfc3339(last.created),
          versions,
        }),
      );
    }
    if (method === 'DELETE' && path) {
      m.store.delete(path);
      return noContent(res);
    }
  }
  // Anything else on a v2 mount, e.g. a v1-style read (backend.go pathInvalid).
  return sendJson(res, 404, envelope(null, { warnings: [V1_PATH_ON_V2] }));
}

/* ---- JWT ------------------------------------------------------------------------------- */

function verifyJwt(state, cfg, jwt) {
  const parts = String(jwt).split('.');
  if (parts.length !== 3) return { error: 'error validating token: malformed token' };
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  } catch {
    return { error: 'error validating token: malformed token' };
  }
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const sig = Buffer.from(parts[2], 'base64url');
  const alg = { RS256: ['sha256', {}], ES256: ['sha256', { dsaEncoding: 'ieee-p1363' }] }[header.alg];
  const ok =
    alg &&
    (cfg.publicKeys ?? []).some((pem) => {
      try {
        return cryptoVerify(alg[0], data, { key: createPublicKey(pem), ...alg[1] }, sig);
      } catch {
        return false;
      }
    });
  if (!ok) return { error: 'error validating token: failed to verify id token signature' };
  const now = state.now() / 1000;
  if (typeof claims.exp === 'number' && claims.exp < now - 150) return { error: 'error validating claims: token is expired (exp)' };
  if (typeof claims.nbf === 'number' && claims.nbf > now + 150) return { error: 'error validating claims: token not yet valid (nbf)' };
  return { claims };
}

/* ---- the server ------------------------------------------------------------------------ */

/**
 * Starts the emulator.
 * @param {object} [opts]
 * @param {Record<string, {type?: 'kv', version: 1|2, ttl?: number}>} [opts.mounts]  keys end in '/', may start with a namespace
 *        ('ns1/secret/'); default {'secret/': v2}
 * @param {Record<string, object|Array<{data, deleted?: ms, destroyed?: boolean, created?: ms}>>} [opts.secrets]
 *        full path under a mount ('secret/my-secret' → versions for v2, flat map for v1)
 * @param {string[]} [opts.namespaces]   e.g. ['ns1/', 'ns1/ns2/']
 * @param {Record<string, Record<string, string[]>>} [opts.policies]  name → {path glob: capabilities}; paths are
 *        relative to the token's namespace; '+' is one segment, a trailing '*' a prefix
 * @param {Record<string, {policies: string[], ttl?: number, namespace?: string}>} [opts.tokens]  ttl seconds, 0 = never
 * @param {{mount?, roles: Record<string, {role_id, secret_id, policies, token_ttl?}>}} [opts.approle]
 * @param {{mount?, users: Record<string, {password, policies, token_ttl?}>}} [opts.userpass]
 * @param {{mount?, publicKeys: string[], roles: Record<string, {policies, token_ttl?, bound_audiences?, bound_subject?, user_claim?}>}} [opts.jwt]
 * @param {{mount?, authEndpoint, clientId, roles: Record<string, {allowed_redirect_uris, policies, token_ttl?}>}} [opts.oidc]
 * @param {boolean} [opts.sealed]
 * @param {{limit: number, intervalSec?: number, headers?: boolean}} [opts.rateLimit]
 * @param {{allowed_origins: string[]|string, allowed_headers?: string[]}} [opts.cors]  preconfigured CORS (default off)
 * @param {() => number} [opts.now]
 * @param {{key, cert}} [opts.tls]
 */
export async function startVaultEmulator(opts = {}) {
  const state = {
    now: opts.now ?? (() => Date.now()),
    mounts: {},
    namespaces: (opts.namespaces ?? []).map(withSlash).sort((a, b) => b.length - a.length),
    policies: { default: { 'auth/token/lookup-self': ['read'], 'auth/token/renew-self': ['update'] }, ...(opts.policies ?? {}) },
    tokens: new Map(),
    sealed: Boolean(opts.sealed),
    rateLimit: opts.rateLimit ?? null,
    rateWindow: { start: 0, count: 0 },
    cors: { enabled: false, allowed_origins: [], allowed_headers: [] },
    oidcStates: new Map(),
    oidcCodes: new Map(),
    requests: [],
  };
  for (const [path, m] of Object.entries(opts.mounts ?? { 'secret/': { type: 'kv', version: 2 } })) {
    state.mounts[withSlash(path)] = { type: m.type ?? 'kv', version: Number(m.version ?? 1), ttl: m.ttl, accessor: 'kv_' + randomChars(8, '0123456789abcdef'), store: new Map() };
  }
  seedKv(state, opts.secrets);
  for (const [id, t] of Object.entries(opts.tokens ?? {})) {
    const ttl = t.ttl ?? 0;
    state.tokens.set(id, {
      id,
      accessor: randomChars(24, BASE62),
      policies: t.policies.includes('root') ? ['root'] : [...new Set(['default', ...t.policies])].sort(),
      ttl,
      creationTime: t.creationTime ?? state.now(),
      expiresAt: t.expiresAt ?? (ttl ? (t.creationTime ?? state.now()) + ttl * 1000 : null),
      namespace: withSlash(t.namespace ?? '') === '/' ? '' : withSlash(t.namespace ?? ''),
      path: t.policies.includes('root') ? 'auth/token/root' : 'auth/token/create',
      meta: null,
      displayName: 'token',
      renewable: Boolean(ttl),
    });
  }
  if (opts.cors) setCors(state, opts.cors);
  const auth = {
    approle: opts.approle ? { mount: opts.approle.mount ?? 'approle', ...opts.approle } : null,
    userpass: opts.userpass ? { mount: opts.userpass.mount ?? 'userpass', ...opts.userpass } : null,
    jwt: opts.jwt ? { mount: opts.jwt.mount ?? 'jwt', ...opts.jwt } : null,
    oidc: opts.oidc ? { mount: opts.oidc.mount ?? 'oidc', ...opts.oidc } : null,
  };

  const handler = (req, res, body) => handle(state, auth, req, res, body);
  const srv = await listen(handler, { port: opts.port ?? 0, tls: opts.tls });
  return {
    url: srv.url,
    port: srv.port,
    close: srv.close,
    state,
    /** The test IdP: "logs in" at an auth_url and returns the redirect Vault's callback expects. */
    idpAuthorize(authUrl, { subject = 'user-1' } = {}) {
      const u = new URL(authUrl);
      const code = 'code-' + randomChars(16, BASE62);
      state.oidcCodes.set(code, { subject, nonce: u.searchParams.get('nonce') });
      const back = new URL(u.searchParams.get('redirect_uri'));
      back.searchParams.set('state', u.searchParams.get('state'));
      back.searchParams.set('code', code);
      return back.toString();
    },
  };
}

function setCors(state, cfg) {
  const origins = [].concat(cfg.allowed_origins ?? []);
  if (origins.includes('*') && origins.length > 1) return "to allow all origins the '*' must be the only value for allowed_origins";
  const headers = [...STD_ALLOWED_HEADERS];
  for (const h of [].concat(cfg.allowed_headers ?? [])) if (!headers.some((x) => x.toLowerCase() === h.toLowerCase())) headers.push(h);
  state.cors = { enabled: true, allowed_origins: origins, allowed_headers: headers };
  return null;
}

/** http/cors.go: returns the CORS headers to add, or false when the request is refused (403, empty body). */
function applyCors(state, req) {
  const origin = req.headers.origin;
  if (!state.cors.enabled || !origin) return {};
  const ok = state.cors.allowed_origins.includes('*') || state.cors.allowed_origins.includes(origin);
  if (!ok) return false;
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

function tokenFrom(req) {
  const t = req.headers['x-vault-token'];
  if (t) return t;
  const a = req.headers.authorization;
  return a && /^Bearer /i.test(a) ? a.slice(7).trim() : null;
}

async function handle(state, auth, req, res, body) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const method = req.method;
  state.requests.push({ method, path: url.pathname + url.search, headers: req.headers });

  const cors = applyCors(state, req);
  if (cors === false) {
    res.writeHead(403, { 'Content-Length': 0 });
    return res.end();
  }
  if (method === 'OPTIONS') {
    if (!state.cors.enabled) return sendErrors(res, 405, []);
    res.writeHead(200, {
      ...cors,
      'Access-Control-Allow-Methods': CORS_METHODS.join(','),
      'Access-Control-Allow-Headers': state.cors.allowed_headers.join(','),
      'Access-Control-Max-Age': '300',
      'Content-Length': 0,
    });
    return res.end();
  }
  const reply = {
    json: (status, b, h = {}) => sendJson(res, status, b, { ...cors, ...h }),
    errors: (status, e, h = {}) => sendErrors(res, status, e, { ...cors, ...h }),
    none: () => noContent(res, cors),
  };
  if (!url.pathname.startsWith('/v1/')) return reply.errors(404, []);
  if (state.sealed) return reply.errors(503, ['Vault is sealed']);

  // Namespace: header and/or path prefix.
  let ns = '';
  const nsHeader = req.headers['x-vault-namespace'];
  if (nsHeader) ns = withSlash(nsHeader.replace(/^\/+/, ''));
  let rest = decodeURIComponent(url.pathname.slice(4));
  for (const known of state.namespaces) {
    if ((ns + rest).startsWith(known) && known.length > ns.length) {
      rest = (ns + rest).slice(known.length);
      ns = known;
      break;
    }
  }
  if (ns && !state.namespaces.includes(ns)) return reply.errors(404, []);
  const full = ns + rest;

  // Rate-limit quota (applies before authentication).
  if (state.rateLimit) {
    const { limit, intervalSec = 1, headers } = state.rateLimit;
    const now = state.now();
    if (now - state.rateWindow.start >= intervalSec * 1000) state.rateWindow = { start: now, count: 0 };
    state.rateWindow.count++;
    const reset = Math.max(1, Math.ceil((state.rateWindow.start + intervalSec * 1000 - now) / 1000));
    const h = headers ? { 'X-Ratelimit-Limit': String(limit), 'X-Ratelimit-Remaining': String(Math.max(0, limit - state.rateWindow.count)), 'X-Ratelimit-Reset': String(reset) } : {};
    if (state.rateWindow.count > limit) {
      return reply.errors(429, [`request path "${full}": rate limit quota exceeded`], headers ? { ...h, 'Retry-After': String(reset) } : {});
    }
    Object.assign(cors, h); // enable_rate_limit_response_headers: on every response
  }

  let input = {};
  if (body.length && method !== 'GET') {
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return reply.errors(400, ['failed to parse JSON input: invalid character']);
    }
  }

  // ---- unauthenticated logins ----
  const login = (policies, ttl, meta, displayName) => {
    const t = mintToken(state, { policies, ttl: ttl ?? DEFAULT_TOKEN_TTL, namespace: ns, path: rest, meta, displayName });
    return reply.json(200, envelope(null, { auth: authBlock(t) }));
  };
  if (auth.approle && rest === `auth/${auth.approle.mount}/login` && method === 'POST') {
    const role = Object.values(auth.approle.roles ?? {}).find((r) => r.role_id === input.role_id);
    if (!input.role_id) return reply.errors(400, ['missing role_id']);
    if (!role || role.secret_id !== input.secret_id) return reply.errors(400, ['invalid role or secret ID']);
    return login(role.policies, role.token_ttl, { role_name: Object.keys(auth.approle.roles).find((k) => auth.approle.roles[k] === role) }, 'approle');
  }
  if (auth.userpass && rest.startsWith(`auth/${auth.userpass.mount}/login/`) && method === 'POST') {
    const user = rest.slice(`auth/${auth.userpass.mount}/login/`.length).toLowerCase(); // usernames are lower-cased
    const u = auth.userpass.users?.[user];
    if (!u || u.password !== input.password) return reply.errors(400, ['invalid username or password']);
    return login(u.policies, u.token_ttl, { username: user }, `userpass-${user}`);
  }
  if (auth.jwt && rest === `auth/${auth.jwt.mount}/login` && method === 'POST') {
    const role = auth.jwt.roles?.[input.role];
    if (!role) return reply.errors(400, [`role "${input.role}" could not be found`]);
    if (!input.jwt) return reply.errors(400, ['missing token']);
    const v = verifyJwt(state, auth.jwt, input.jwt);
    if (v.error) return reply.errors(400, [v.error]);
    const aud = [].concat(v.claims.aud ?? []);
    if (role.bound_audiences && !aud.some((a) => role.bound_audiences.includes(a))) {
      return reply.errors(400, ['error validating claims: invalid audience (aud) claim: audience claim does not match any expected audience']);
    }
    if (role.bound_subject && v.claims.sub !== role.bound_subject) return reply.errors(400, ['error validating claims: sub claim does not match bound subject']);
    return login(role.policies, role.token_ttl, { role: input.role }, `jwt-${v.claims[role.user_claim ?? 'sub'] ?? ''}`);
  }
  if (auth.oidc && rest === `auth/${auth.oidc.mount}/oidc/auth_url` && (method === 'POST' || method === 'PUT')) {
    const role = auth.oidc.roles?.[input.role];
    if (!role) return reply.errors(400, [`role "${input.role}" could not be found`]);
    if (!(role.allowed_redirect_uris ?? []).includes(input.redirect_uri)) return reply.errors(400, [`unauthorized redirect_uri: ${input.redirect_uri}`]);
    const st = 'st_' + randomChars(20, BASE62);
    const nonce = 'n_' + randomChars(20, BASE62);
    state.oidcStates.set(st, { role: input.role, nonce, redirect_uri: input.redirect_uri, client_nonce: input.client_nonce ?? null, ns });
    const u = new URL(auth.oidc.authEndpoint);
    u.searchParams.set('client_id', auth.oidc.clientId ?? 'vault-emulator');
    u.searchParams.set('nonce', nonce);
    u.searchParams.set('redirect_uri', input.redirect_uri);
    u.searchParams.set('response_type', 'code');
    u.searchParams.set('scope', (auth.oidc.scopes ?? ['openid']).join(' '));
    u.searchParams.set('state', st);
    return reply.json(200, envelope({ auth_url: u.toString() }));
  }
  if (auth.oidc && rest === `auth/${auth.oidc.mount}/oidc/callback` && (method === 'GET' || method === 'POST')) {
    const q = method === 'GET' ? Object.fromEntries(url.searchParams) : { ...Object.fromEntries(new URLSearchParams(body.toString('utf8'))), ...input };
    const st = state.oidcStates.get(q.state);
    if (!st) return reply.errors(400, ['Expired or missing OAuth state.']);
    if (st.client_nonce !== null && q.client_nonce !== st.client_nonce) return reply.errors(400, ['invalid client_nonce']);
    const code = state.oidcCodes.get(q.code);
    if (!code || code.nonce !== st.nonce) return reply.errors(400, ['Error exchanging oidc code: invalid code']);
    state.oidcStates.delete(q.state);
    state.oidcCodes.delete(q.code);
    const role = auth.oidc.roles[st.role];
    return login(role.policies, role.token_ttl, { role: st.role }, `oidc-${code.subject}`);
  }
  if (rest === 'sys/health' && method === 'GET') {
    return reply.json(200, { initialized: true, sealed: false, standby: false, performance_standby: false, server_time_utc: Math.floor(state.now() / 1000), version: '1.15.0' });
  }

  // ---- everything else needs a valid token ----
  const tokenId = tokenFrom(req);
  if (!tokenId) return reply.errors(403, [PERMISSION_DENIED]);
  const token = state.tokens.get(tokenId);
  const now = state.now();
  if (!token || (token.expiresAt !== null && token.expiresAt <= now) || !ns.startsWith(token.namespace)) {
    return reply.errors(403, [INVALID_TOKEN]);
  }
  // Policies are written relative to the token's namespace.
  const aclPath = full.slice(token.namespace.length);
  const caps = capabilities(state, token.policies, aclPath);
  const can = (c) => caps.has('root') || caps.has(c) || (c === 'create' && caps.has('update')) || (c === 'update' && caps.has('create'));

  if (rest === 'auth/token/lookup-self' && (method === 'GET' || method === 'POST')) {
    const ttl = token.expiresAt === null ? 0 : Math.max(0, Math.floor((token.expiresAt - now) / 1000));
    return reply.json(
      200,
      envelope({
        accessor: token.accessor,
        creation_time: Math.floor(token.creationTime / 1000),
        creation_ttl: token.ttl,
        display_name: token.displayName,
        entity_id: '',
        expire_time: token.expiresAt === null ? null : rfc3339(token.expiresAt),
        explicit_max_ttl: 0,
        id: token.id,
        issue_time: rfc3339(token.creationTime),
        meta: token.meta,
        num_uses: 0,
        orphan: true,
        path: token.path,
        policies: token.policies,
        renewable: token.renewable,
        ttl,
        type: 'service',
      }),
    );
  }
  if (rest === 'auth/token/renew-self' && (method === 'POST' || method === 'PUT')) {
    if (!token.renewable) return reply.errors(400, ['lease is not renewable']);
    const inc = typeof input.increment === 'number' ? input.increment : parseInt(input.increment ?? token.ttl, 10) || token.ttl;
    token.expiresAt = now + inc * 1000;
    return reply.json(200, envelope(null, { auth: { ...authBlock(token), lease_duration: inc } }));
  }
  if (rest === 'sys/config/cors') {
    if (!caps.has('root') && !can('sudo')) return reply.errors(403, [PERMISSION_DENIED]);
    if (ns) return reply.errors(400, ['operation not allowed on this namespace']);
    if (method === 'GET') {
      const d = { enabled: state.cors.enabled, allowed_origins: state.cors.allowed_origins, allowed_headers: state.cors.allowed_headers };
      return reply.json(200, { ...envelope(d), ...d });
    }
    if (method === 'POST' || method === 'PUT') {
      const err = setCors(state, input);
      return err ? reply.errors(400, [err]) : reply.none();
    }
    if (method === 'DELETE') {
      state.cors = { enabled: false, allowed_origins: [], allowed_headers: [] };
      return reply.none();
    }
  }
  if (rest.startsWith('sys/internal/ui/mounts/')) {
    const target = ns + rest.slice('sys/internal/ui/mounts/'.length);
    const mount = findMount(state, target);
    // Vault answers only for mounts the token's policies reach somewhere.
    const mountRel = mount ? mount.slice(token.namespace.length) : null;
    const anyCap =
      caps.has('root') ||
      (mount !== null &&
        token.policies.some((p) =>
          Object.keys(state.policies[p] ?? {}).some((g) => g.startsWith(mountRel) || mountRel.startsWith(g.replace(/\*$/, ''))),
        ));
    if (!mount || !anyCap) {
      return reply.errors(403, [`preflight capability check returned 403, please ensure client's policies grant access to path "${rest.slice('sys/internal/ui/mounts/'.length)}"`]);
    }
    const m = state.mounts[mount];
    return reply.json(
      200,
      envelope({
        accessor: m.accessor,
        config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
        description: '',
        external_entropy_access: false,
        local: false,
        options: m.version === 2 ? { version: '2' } : { version: '1' },
        path: mount.slice(ns.length),
        plugin_version: '',
        seal_wrap: false,
        type: m.type,
        uuid: randomUUID(),
      }),
    );
  }

  // ---- KV mounts ----
  if (rest.split('/').some((seg) => seg.endsWith('.'))) return reply.errors(404, []); // providers.md §3.1
  const isList = method === 'LIST' || (method === 'GET' && url.searchParams.get('list') === 'true');
  const need = isList ? 'list' : method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'update';
  if (!can(need)) return reply.errors(403, [PERMISSION_DENIED]);
  const mount = findMount(state, full);
  if (!mount) return reply.errors(404, [`no handler for route "${full}". route entry not found.`]);
  const rel = withSlash(full).slice(mount.length).replace(/\/$/, '');
  const fake = { writeHead: (s, h) => res.writeHead(s, { ...cors, ...h }), end: (b) => res.end(b) };
  return handleKv(state, req, fake, { mount, rel, method, url, body });
}
