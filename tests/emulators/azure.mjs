// Azure Key Vault (secrets) + Entra ID (OAuth 2.0 authorization code + PKCE)
// emulator, faithful to ../shared/reference/providers.md §2 and the recorded
// sessions in ../shared/vectors/azure-keyvault/recording_*.json:
//
// - every request without a Bearer token gets the 401 challenge
//   (WWW-Authenticate: Bearer authorization="…/{tenant}", resource="https://vault.azure.net");
// - GET /secrets/{name}[/{version}], PUT /secrets/{name} (SetSecret, used by the recordings);
// - errors as recorded: 404 SecretNotFound, 403 Forbidden + SecretDisabled / AccessDenied, 429;
// - NO CORS headers on the vault API at all (like real Key Vault: a page cannot call it);
// - /{tenant}/oauth2/v2.0/authorize auto-approves and redirects with a code;
//   /{tenant}/oauth2/v2.0/token verifies the PKCE S256 verifier and answers
//   {token_type, scope, expires_in, ext_expires_in, access_token}. The token
//   endpoint allows CORS, as Entra does for SPA redirect URIs.
//
// One emulator is one vault: the request's Host header (or opts.vaultHost)
// names it in ids; vaultlink reaches it through the credentials' "endpoint".
//
//   const az = await startAzureEmulator({ secrets: [{ name: 'db', value: 'x' }], tokens: [{ token: 't' }] });
//   // az.url, az.state (secrets, tokens, throttle, calls, …), await az.close()
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { listen } from './common.mjs';

export const DEFAULT_TENANT = '12345678-1234-1234-1234-123456789012';
const API_VERSIONS = new Set([
  '7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '7.4-preview.1', '7.5-preview.1', '7.6-preview.2', '2025-06-01', '2025-07-01',
]);
const JSON_TYPE = 'application/json; charset=utf-8';
const CAE_CLAIMS = Buffer.from(
  JSON.stringify({ access_token: { nbf: { essential: true, value: '1726077595' }, xms_caeerror: { value: '10012' } } }),
).toString('base64');

const hex32 = () => randomBytes(16).toString('hex');
const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

function normaliseSecret(s, state) {
  const versions = (s.versions ?? [{ value: s.value, enabled: s.enabled, nbf: s.nbf, exp: s.exp, contentType: s.contentType, tags: s.tags, id: s.version }]).map(
    (v) => ({
      id: v.id ?? state.nextVersion(),
      value: v.value,
      enabled: v.enabled ?? true,
      nbf: v.nbf,
      exp: v.exp,
      contentType: v.contentType,
      tags: v.tags,
      created: v.created ?? state.nowSeconds(),
      updated: v.updated ?? v.created ?? state.nowSeconds(),
    }),
  );
  return { name: s.name, versions };
}

/** A JWT-shaped (unsigned) access token like Entra's v1 tokens for Key Vault. */
function makeToken(state, tenant, lifetimeS) {
  const now = Math.floor(state.now() / 1000);
  const body = { aud: 'https://vault.azure.net', iss: `https://sts.windows.net/${tenant}/`, tid: tenant, oid: randomUUID(), iat: now, nbf: now, exp: now + lifetimeS, scp: 'user_impersonation' };
  return `${b64url({ typ: 'JWT', alg: 'RS256' })}.${b64url(body)}.${randomBytes(32).toString('base64url')}`;
}

/* ---- Key Vault ------------------------------------------------------------------ */

function baseHeaders(state, req, extra = {}) {
  const h = {
    'Cache-Control': 'no-cache',
    'Content-Type': JSON_TYPE,
    Date: new Date(state.now()).toUTCString(),
    Expires: '-1',
    Pragma: 'no-cache',
    'Strict-Transport-Security': 'max-age=31536000;includeSubDomains',
    'X-Content-Type-Options': 'nosniff',
    'x-ms-keyvault-network-info': `conn_type=Ipv4;addr=${req.socket.remoteAddress ?? '127.0.0.1'};act_addr_fam=InterNetwork;`,
    'x-ms-keyvault-region': state.region,
    'x-ms-keyvault-service-version': state.serviceVersion,
    'x-ms-request-id': randomUUID(),
    ...extra,
  };
  const cid = req.headers['x-ms-client-request-id'];
  if (cid) h['x-ms-client-request-id'] = cid;
  return h;
}

function send(state, req, res, status, body, extra) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...baseHeaders(state, req, extra), 'Content-Length': Buffer.byteLength(text) }).end(text);
}

const kvError = (code, message, inner) => ({ error: inner ? { code, message, innererror: { code: inner } } : { code, message } });

function challengeHeader(state) {
  return `Bearer authorization="${state.authority}/${state.tenantId}", resource="https://vault.azure.net"`;
}

function challenge(state, req, res, message = 'AKV10000: Request is missing a Bearer or PoP token.') {
  send(state, req, res, 401, kvError('Unauthorized', message), { 'WWW-Authenticate': challengeHeader(state) });
}

/** Checks the Bearer token; returns the token record, or answers 401/403 and returns null. */
function authorize(state, req, res) {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!m) {
    challenge(state, req, res);
    return null;
  }
  const t = state.tokens.get(m[1]);
  if (!t) {
    challenge(state, req, res, 'AKV10032: Invalid issuer or token.');
    return null;
  }
  if (t.revoked) {
    // Continuous access evaluation: the claims challenge.
    send(state, req, res, 401, kvError('Unauthorized', 'AKV10038: The token has been revoked (CAE).'), {
      'WWW-Authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${CAE_CLAIMS}"`,
    });
    return null;
  }
  if (t.expiresAt <= state.now()) {
    challenge(state, req, res, 'AKV10022: Token is expired.');
    return null;
  }
  if (t.tenant !== state.tenantId) {
    challenge(state, req, res, `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${state.tenantId}/.`);
    return null;
  }
  return t;
}

function bundle(state, host, secret, v) {
  const attributes = { enabled: v.enabled };
  if (v.nbf !== undefined) attributes.nbf = v.nbf;
  if (v.exp !== undefined) attributes.exp = v.exp;
  Object.assign(attributes, { created: v.created, updated: v.updated, recoveryLevel: state.recoveryLevel, recoverableDays: state.recoverableDays });
  const b = { value: v.value };
  if (v.contentType !== undefined) b.contentType = v.contentType;
  b.id = `https://${host}/secrets/${secret.name}/${v.id}`;
  b.attributes = attributes;
  if (v.tags !== undefined) b.tags = v.tags;
  return b;
}

function notFound(state, req, res, what) {
  send(state, req, res, 404, rbacLess(kvError('SecretNotFound', `A secret with (name/id) ${what} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`)), rbacHeaders(state));
}
const rbacLess = (x) => x;

function rbacHeaders(state) {
  return { 'x-ms-keyvault-rbac-assignment-id': state.rbacAssignmentId, 'x-ms-keyvault-rbac-cache': 'ra_age=6;da_age=2694;rd_age=2694;brd_age=22271;ra_notif_age=64;dec_lev=1;' };
}

function handleVault(state, req, res, url, body) {
  if (req.method === 'OPTIONS') {
    // A CORS preflight: Key Vault has no CORS, so nothing here lets a page through.
    return send(state, req, res, 405, kvError('BadParameter', 'The requested method is not supported.'));
  }
  const m = /^\/secrets\/([^/]+)(?:\/([^/]*))?$/.exec(url.pathname);
  if (!req.headers.authorization) return challenge(state, req, res); // first, as the service does
  const token = authorize(state, req, res);
  if (!token) return;
  const apiVersion = url.searchParams.get('api-version');
  if (!apiVersion || !API_VERSIONS.has(apiVersion)) {
    return send(state, req, res, 400, kvError('BadParameter', `The specified version (${apiVersion ?? ''}) is not recognized. Consider using the latest supported version (7.6).`));
  }
  if (!m) return send(state, req, res, 404, kvError('NotFound', 'The requested resource was not found.'));
  if (state.throttle) {
    return send(state, req, res, 429, kvError('Throttled', 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached'), { 'Retry-After': '1' });
  }
  state.calls.push({ method: req.method, path: url.pathname, apiVersion, token: token.token });
  const name = decodeURIComponent(m[1]);
  const host = state.vaultHost ?? req.headers.host;
  const allowed = token.allow.includes('*') || token.allow.includes(name.toLowerCase());
  if (!allowed) {
    const oid = 'oid-emulator';
    return send(state, req, res, 403, kvError('Forbidden', `The user, group or application 'appid=emulator;oid=${oid};iss=https://sts.windows.net/${state.tenantId}/' does not have secrets ${req.method === 'PUT' ? 'set' : 'get'} permission on key vault '${host.split('.')[0]};location=${state.region}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`, 'AccessDenied'));
  }
  if (req.method === 'PUT') {
    if (m[2] !== undefined) return send(state, req, res, 405, kvError('BadParameter', 'The requested method is not supported.'));
    let input;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return send(state, req, res, 400, kvError('BadParameter', 'The request body is not valid JSON.'));
    }
    if (typeof input?.value !== 'string') return send(state, req, res, 400, kvError('BadParameter', 'Property value is required.'));
    const key = name.toLowerCase();
    const secret = state.secrets.get(key) ?? { name, versions: [] };
    const now = state.nowSeconds();
    const a = input.attributes ?? {};
    const v = { id: state.nextVersion(), value: input.value, enabled: a.enabled ?? true, nbf: a.nbf, exp: a.exp, contentType: input.contentType, tags: input.tags, created: now, updated: now };
    secret.versions.push(v);
    state.secrets.set(key, secret);
    return send(state, req, res, 200, bundle(state, host, secret, v), rbacHeaders(state));
  }
  if (req.method !== 'GET') return send(state, req, res, 405, kvError('BadParameter', 'The requested method is not supported.'));
  const secret = state.secrets.get(name.toLowerCase());
  if (!secret || secret.versions.length === 0) return notFound(state, req, res, name);
  const version = m[2] ? secret.versions.find((v) => v.id.toLowerCase() === m[2].toLowerCase()) : secret.versions[secret.versions.length - 1];
  if (!version) return notFound(state, req, res, `${name}/${m[2]}`);
  if (!version.enabled) {
    return send(state, req, res, 403, kvError('Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled'), rbacHeaders(state));
  }
  // nbf/exp are informational for secrets (the service still returns them);
  // state.enforceNbfExp makes the emulator refuse them instead.
  const nowS = state.nowSeconds();
  if (state.enforceNbfExp && ((version.nbf !== undefined && version.nbf > nowS) || (version.exp !== undefined && version.exp <= nowS))) {
    return send(state, req, res, 403, kvError('Forbidden', 'Operation get is not allowed on an expired or not yet valid secret.', 'SecretExpired'), rbacHeaders(state));
  }
  return send(state, req, res, 200, bundle(state, host, secret, version), rbacHeaders(state));
}

/* ---- Entra ID ------------------------------------------------------------------- */

function entraError(res, origin, status, error, description, code) {
  const body = JSON.stringify({ error, error_description: `AADSTS${code}: ${description}`, error_codes: [code], timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z', trace_id: randomUUID(), correlation_id: randomUUID() });
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store, no-cache', ...corsFor(origin) }).end(body);
}

const corsFor = (origin) => (origin ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'x-ms-request-id' } : {});

function authorizeEndpoint(state, tenant, url, res) {
  const p = url.searchParams;
  const redirectUri = p.get('redirect_uri');
  const clientId = p.get('client_id');
  const page = (status, text) => res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Sign in</title><p>${text}</p>`);
  if (!clientId || (state.clients && !state.clients.some((c) => c.clientId === clientId))) {
    return page(400, `AADSTS700016: Application with identifier '${clientId ?? ''}' was not found in the directory.`);
  }
  const client = state.clients?.find((c) => c.clientId === clientId);
  if (!redirectUri || (client?.redirectUris && !client.redirectUris.includes(redirectUri))) {
    return page(400, 'AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application.');
  }
  const mode = p.get('response_mode') ?? 'query';
  const back = (params) => {
    const target = new URL(redirectUri);
    if (mode === 'fragment') target.hash = new URLSearchParams(params).toString();
    else for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    res.writeHead(302, { Location: target.toString(), 'Cache-Control': 'no-store' }).end();
  };
  const st = p.get('state');
  const withState = (o) => (st !== null ? { ...o, state: st } : o);
  if (p.get('response_type') !== 'code') return back(withState({ error: 'unsupported_response_type', error_description: 'AADSTS700054: response_type must be code.' }));
  const challengeValue = p.get('code_challenge');
  if (!challengeValue || p.get('code_challenge_method') !== 'S256') {
    return back(withState({ error: 'invalid_request', error_description: 'AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption (S256).' }));
  }
  const scope = p.get('scope') ?? '';
  if (!/(^| )https:\/\/vault\.azure\.net\/(user_impersonation|\.default)( |$)/.test(scope)) {
    return back(withState({ error: 'invalid_scope', error_description: `AADSTS70011: The provided value for the input parameter 'scope' is not valid (${scope}).` }));
  }
  if (state.denySignIn) return back(withState({ error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.' }));
  const code = `0.A${randomBytes(24).toString('base64url')}`;
  const resolved = tenant === 'common' || tenant === 'organizations' ? state.tenantId : tenant;
  state.codes.set(code, { clientId, redirectUri, challenge: challengeValue, scope, tenant: resolved, expiresAt: state.now() + 10 * 60 * 1000 });
  state.calls.push({ method: 'GET', path: url.pathname, entra: 'authorize' });
  back(withState({ code, session_state: randomUUID() }));
}

function tokenEndpoint(state, req, res, body) {
  const origin = req.headers.origin;
  const p = new URLSearchParams(body.toString('utf8'));
  if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
    return entraError(res, origin, 400, 'invalid_request', "The request body must contain the following parameter: 'grant_type'.", 900144);
  }
  if (p.get('grant_type') !== 'authorization_code') {
    return entraError(res, origin, 400, 'unsupported_grant_type', 'The provided value for the input parameter grant_type is not valid.', 70003);
  }
  const code = state.codes.get(p.get('code') ?? '');
  state.codes.delete(p.get('code') ?? ''); // single use
  if (!code || code.expiresAt <= state.now()) {
    return entraError(res, origin, 400, 'invalid_grant', 'The provided authorization code or refresh token has expired or was already redeemed.', 70008);
  }
  if (code.clientId !== p.get('client_id') || code.redirectUri !== p.get('redirect_uri')) {
    return entraError(res, origin, 400, 'invalid_grant', 'The redirect URI or client id does not match the authorization request.', 50148);
  }
  const verifier = p.get('code_verifier') ?? '';
  const digest = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier) || digest !== code.challenge) {
    return entraError(res, origin, 400, 'invalid_grant', 'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.', 501481);
  }
  const accessToken = makeToken(state, code.tenant, state.tokenLifetimeSeconds);
  state.tokens.set(accessToken, { token: accessToken, tenant: code.tenant, expiresAt: state.now() + state.tokenLifetimeSeconds * 1000, allow: ['*'] });
  state.calls.push({ method: 'POST', path: req.url, entra: 'token' });
  const out = { token_type: 'Bearer', scope: code.scope.split(' ').filter((s) => s !== 'offline_access' && s !== 'openid' && s !== 'profile').join(' '), expires_in: state.tokenLifetimeSeconds, ext_expires_in: state.tokenLifetimeSeconds, access_token: accessToken };
  if (code.scope.split(' ').includes('offline_access')) out.refresh_token = `1.A${randomBytes(32).toString('base64url')}`;
  res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache', ...corsFor(origin) }).end(JSON.stringify(out));
}

/* ---- server --------------------------------------------------------------------- */

/**
 * Starts the emulator.
 * @param {object} [opts]
 * @param {Array<{name:string, value?:string, enabled?:boolean, nbf?:number, exp?:number, versions?:object[]}>} [opts.secrets]
 * @param {Array<{token:string, tenant?:string, expiresAt?:number, allow?:string[], revoked?:boolean}>} [opts.tokens] pre-issued access tokens
 * @param {string} [opts.tenantId] the vault's tenant
 * @param {Array<{clientId:string, redirectUris?:string[]}>} [opts.clients] registered apps (any client when absent)
 * @param {() => number} [opts.now] clock in ms
 * @param {() => string} [opts.nextVersion] version id generator (32 hex by default)
 * @returns {Promise<{url:string, port:number, close:() => Promise<void>, state:object}>}
 */
export async function startAzureEmulator(opts = {}) {
  const state = {
    tenantId: opts.tenantId ?? DEFAULT_TENANT,
    authority: opts.authority ?? 'https://login.windows.net',
    vaultHost: opts.vaultHost,
    region: opts.region ?? 'australiacentral',
    serviceVersion: opts.serviceVersion ?? '1.9.576.1',
    recoveryLevel: opts.recoveryLevel ?? 'Recoverable+Purgeable',
    recoverableDays: opts.recoverableDays ?? 90,
    rbacAssignmentId: opts.rbacAssignmentId ?? randomUUID(),
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? 3599,
    clients: opts.clients,
    now: opts.now ?? (() => Date.now()),
    nextVersion: opts.nextVersion ?? hex32,
    throttle: false,
    enforceNbfExp: Boolean(opts.enforceNbfExp),
    denySignIn: false,
    secrets: new Map(),
    tokens: new Map(),
    codes: new Map(),
    calls: [],
  };
  state.nowSeconds = () => Math.floor(state.now() / 1000);
  state.addSecret = (s) => state.secrets.set(s.name.toLowerCase(), normaliseSecret(s, state));
  state.addToken = (t) => state.tokens.set(t.token, { tenant: state.tenantId, expiresAt: state.now() + 3600_000, allow: ['*'], ...t, allow: (t.allow ?? ['*']).map((a) => a.toLowerCase()) });
  for (const s of opts.secrets ?? []) state.addSecret(s);
  for (const t of opts.tokens ?? []) state.addToken(t);

  const handler = (req, res, body) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const entra = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token)$/.exec(url.pathname);
    if (entra && entra[2] === 'authorize' && req.method === 'GET') return authorizeEndpoint(state, entra[1], url, res);
    if (entra && entra[2] === 'token') {
      if (req.method === 'OPTIONS') {
        return res.writeHead(204, { ...corsFor(req.headers.origin), 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'content-type', 'Access-Control-Max-Age': '86400' }).end();
      }
      if (req.method === 'POST') return tokenEndpoint(state, req, res, body);
    }
    return handleVault(state, req, res, url, body);
  };
  const srv = await listen(handler, { port: opts.port ?? 0, tls: opts.tls });
  return { url: srv.url, port: srv.port, close: srv.close, state };
}
