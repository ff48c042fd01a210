// Google Cloud Secret Manager emulator (AccessSecretVersion over REST),
// faithful to ../shared/reference/providers.md §5:
//   GET /v1/projects/{p}[/locations/{l}]/secrets/{s}/versions/{v|latest}:access
//   → {"name":"projects/{number}/secrets/{s}/versions/{n}","payload":{"data":"<base64>","dataCrc32c":"<decimal>"}}
// Errors in the Google shape {"error":{"code","message","status"}}: 404 NOT_FOUND,
// 403 PERMISSION_DENIED, 401 UNAUTHENTICATED, 400 FAILED_PRECONDITION (disabled or
// destroyed version), 429 RESOURCE_EXHAUSTED. CORS as googleapis.com front ends
// answer it for bearer calls: preflights allowed, the Origin echoed.
//
//   const g = await startGcpEmulator({ projectNumber: '123456789', secrets: [{ project: 'my-project', name: 'db', versions: [{ data: 'x' }] }], tokens: [{ token: 't' }] });
//   // g.url, g.state (secrets, tokens, throttle, corruptCrc, calls), await g.close()
import { listen } from './common.mjs';

const JSON_TYPE = 'application/json; charset=UTF-8';

/** CRC-32C (Castagnoli, reflected 0x82F63B78) as Secret Manager computes dataCrc32c. */
export function crc32c(buf) {
  let c = ~0 >>> 0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (~c) >>> 0;
}

function cors(req) {
  const origin = req.headers.origin;
  return origin ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin', 'Access-Control-Expose-Headers': 'Content-Type, Date, Server' } : {};
}

function send(req, res, status, body, extra = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text), Vary: 'X-Origin, Referer, Origin,Accept-Encoding', 'X-Content-Type-Options': 'nosniff', ...cors(req), ...extra }).end(text);
}

const STATUS = { 400: 'FAILED_PRECONDITION', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 503: 'UNAVAILABLE' };
const googleError = (req, res, code, message, status = STATUS[code], extra) => send(req, res, code, { error: { code, message, status } }, extra);

/**
 * @param {object} [opts]
 * @param {string} [opts.projectNumber] the number responses name projects by
 * @param {Array<{project:string, name:string, location?:string, versions:Array<{data:string|Uint8Array, state?:'ENABLED'|'DISABLED'|'DESTROYED'}>}>} [opts.secrets]
 * @param {Array<{token:string, expiresAt?:number, allow?:string[]}>} [opts.tokens] allow: secret names or '*'
 */
export async function startGcpEmulator(opts = {}) {
  const state = {
    projectNumber: opts.projectNumber ?? '123456789012',
    projects: new Set(),
    secrets: new Map(),
    tokens: new Map(),
    now: opts.now ?? (() => Date.now()),
    throttle: false,
    corruptCrc: false,
    omitCrc: false,
    calls: [],
  };
  const key = (project, location, name) => `${project}|${location ?? ''}|${name}`;
  state.addSecret = (s) => {
    state.projects.add(s.project);
    state.secrets.set(key(s.project, s.location, s.name), {
      ...s,
      versions: s.versions.map((v, i) => ({ n: i + 1, state: v.state ?? 'ENABLED', data: typeof v.data === 'string' ? Buffer.from(v.data, 'utf8') : Buffer.from(v.data) })),
    });
  };
  state.addToken = (t) => state.tokens.set(t.token, { expiresAt: Infinity, allow: ['*'], ...t });
  for (const s of opts.secrets ?? []) state.addSecret(s);
  for (const t of opts.tokens ?? []) state.addToken(t);

  const handler = (req, res) => {
    if (req.method === 'OPTIONS') {
      return res
        .writeHead(200, { ...cors(req), 'Access-Control-Allow-Methods': 'DELETE,GET,HEAD,PATCH,POST,PUT', 'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'authorization', 'Access-Control-Max-Age': '3600', 'Content-Length': '0' })
        .end();
    }
    const url = new URL(req.url, 'http://127.0.0.1');
    const m = /^\/v1\/projects\/([^/]+)(?:\/locations\/([^/]+))?\/secrets\/([^/]+)\/versions\/([^/:]+):access$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return googleError(req, res, 404, `The requested URL ${url.pathname} was not found on this server.`, 'NOT_FOUND');
    const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const token = auth && state.tokens.get(auth[1]);
    if (!token || token.expiresAt <= state.now()) {
      return googleError(req, res, 401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.', 'UNAUTHENTICATED', { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' });
    }
    const [, project, location, name, version] = m;
    const resource = url.pathname.slice(4, -':access'.length);
    state.calls.push({ path: url.pathname, token: auth[1] });
    if (!(token.allow.includes('*') || token.allow.includes(name))) {
      return googleError(req, res, 403, `Permission 'secretmanager.versions.access' denied for resource '${resource}' (or it may not exist).`);
    }
    if (state.throttle) return googleError(req, res, 429, "Quota exceeded for quota metric 'Access requests' and limit 'Access requests per minute' of service 'secretmanager.googleapis.com'.");
    const projectRef = project === state.projectNumber ? [...state.projects][0] : project;
    const secret = state.secrets.get(key(projectRef, location, name));
    const numbered = `projects/${state.projectNumber}${location ? `/locations/${location}` : ''}/secrets/${name}`;
    if (!secret || secret.versions.length === 0) return googleError(req, res, 404, `Secret [${numbered}] not found or has no versions.`);
    const v = version === 'latest' ? secret.versions[secret.versions.length - 1] : /^\d+$/.test(version) ? secret.versions.find((x) => x.n === Number(version)) : undefined;
    if (!v) return googleError(req, res, 404, `Secret Version [${numbered}/versions/${version}] not found.`);
    if (v.state !== 'ENABLED') return googleError(req, res, 400, `Secret Version [${numbered}/versions/${v.n}] is in ${v.state} state.`);
    const crc = crc32c(v.data) ^ (state.corruptCrc ? 1 : 0);
    const payload = v.data.length ? { data: v.data.toString('base64') } : {}; // proto3 JSON omits empty bytes
    if (!state.omitCrc) payload.dataCrc32c = String(crc >>> 0);
    return send(req, res, 200, { name: `${numbered}/versions/${v.n}`, payload });
  };
  const srv = await listen(handler, { port: opts.port ?? 0, tls: opts.tls });
  return { url: srv.url, port: srv.port, close: srv.close, state };
}
