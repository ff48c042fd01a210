// 1Password Connect emulator: the REST API of 1Password/connect
// docs/openapi/spec.yaml as summarised in ../shared/reference/providers.md §4:
// vaults (filter name|title eq), items (filter title eq|co, summaries without
// fields), item detail (FullItem, with the current `totp` code for OTP fields
// as Connect adds it), files and file content, /heartbeat and /health, bearer
// token auth with per-token vault scope, errors as {"status","message"}, and no
// CORS headers (Connect documents no CORS option).
//
//   const op = await startOnePasswordEmulator({ tokens, vaults, items, files });
//   // op.url, op.state (mutable: throttle, failures, omitTotp, cors, requests), await op.close()
import { createHmac } from 'node:crypto';
import { listen } from './common.mjs';

const ID_RE = /^[a-z0-9]{26}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(s) {
  const clean = s.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let acc = 0;
  const out = [];
  for (const c of clean) {
    const v = BASE32.indexOf(c);
    if (v < 0) throw new Error('bad base32');
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 code for an otpauth://totp/ URI (or a bare base32 secret) at `nowMs`. */
export function totpFromUri(uri, nowMs) {
  let secret = uri;
  let algorithm = 'SHA1';
  let digits = 6;
  let period = 30;
  if (/^otpauth:\/\//i.test(uri)) {
    const u = new URL(uri);
    secret = u.searchParams.get('secret') ?? '';
    algorithm = (u.searchParams.get('algorithm') ?? 'SHA1').toUpperCase();
    digits = Number(u.searchParams.get('digits') ?? 6);
    period = Number(u.searchParams.get('period') ?? 30);
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1000 / period)));
  const mac = createHmac(algorithm.toLowerCase(), base32Decode(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(off) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

const clone = (o) => JSON.parse(JSON.stringify(o));

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
const sendError = (res, status, message, headers) => sendJson(res, status, { status, message }, headers);

/** SCIM-style `filter`: `<attr> eq|co "<value>"`; null when absent, undefined when unparseable. */
function parseFilter(raw, attrs) {
  if (raw == null) return null;
  const m = /^\s*(\w+)\s+(eq|co)\s+"([^"]*)"\s*$/.exec(raw);
  if (!m || !attrs.includes(m[1])) return undefined;
  return { attr: m[1], op: m[2], value: m[3] };
}

function filterMatch(f, value, caseSensitive) {
  const a = caseSensitive ? String(value) : String(value).toLowerCase();
  const b = caseSensitive ? f.value : f.value.toLowerCase();
  return f.op === 'eq' ? a === b : a.includes(b);
}

/**
 * @param {object} opts
 * @param {Array<{token: string, vaults?: string[] | '*'}>} opts.tokens  bearer tokens and the vault ids in scope
 * @param {Array<{id: string, name: string, description?: string}>} opts.vaults
 * @param {object[]} opts.items  FullItems (each with vault.id)
 * @param {Record<string, Buffer|string>} [opts.files]  file id → content
 * @param {boolean} [opts.filterCaseSensitive]  compare `eq` filters case-sensitively (default: SCIM's case-insensitive)
 * @param {() => number} [opts.now]
 * @param {{key: string, cert: string}} [opts.tls]
 */
export async function startOnePasswordEmulator(opts = {}) {
  const now = opts.now ?? (() => Date.now());
  const state = {
    tokens: new Map((opts.tokens ?? []).map((t) => [t.token, t.vaults ?? '*'])),
    vaults: clone(opts.vaults ?? []),
    items: clone(opts.items ?? []),
    files: new Map(Object.entries(opts.files ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
    filterCaseSensitive: !!opts.filterCaseSensitive,
    omitTotp: false, // when true, OTP fields come without the server-computed `totp`
    throttle: 0, // answer the next N authenticated requests with 429
    failures: 0, // answer the next N authenticated requests with 500
    cors: false, // Connect sends no CORS headers; a test may turn them on (as a proxy would)
    requests: [], // "GET /v1/…" for every request, in order
  };

  const vaultJson = (v) => ({
    id: v.id,
    name: v.name,
    description: v.description ?? '',
    attributeVersion: 1,
    contentVersion: state.items.filter((i) => i.vault?.id === v.id).length + 1,
    items: state.items.filter((i) => i.vault?.id === v.id && i.state !== 'DELETED').length,
    type: 'USER_CREATED',
    createdAt: '2024-01-02T03:04:05Z',
    updatedAt: '2024-01-02T03:04:05Z',
  });
  const summary = (i) => {
    const { fields, sections, files, ...rest } = i;
    return clone(rest);
  };
  const fullItem = (i) => {
    const out = clone(i);
    for (const f of out.fields ?? []) {
      if ((f.type === 'OTP' || f.type === 'TOTP') && typeof f.value === 'string') {
        if (state.omitTotp) delete f.totp;
        else {
          try {
            f.totp = totpFromUri(f.value, now());
          } catch {
            delete f.totp;
          }
        }
      }
    }
    out.files = (i.files ?? []).map((fl) => ({
      ...fl,
      content_path: `v1/vaults/${i.vault.id}/items/${i.id}/files/${fl.id}/content`,
    }));
    return out;
  };

  const handler = (req, res) => {
    const url = new URL(req.url, 'http://connect.invalid');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    state.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const cors = state.cors ? { 'Access-Control-Allow-Origin': req.headers.origin ?? '*' } : {};
    if (req.method === 'OPTIONS') {
      if (!state.cors) return sendError(res, 404, 'Not Found');
      res.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept',
      });
      return res.end();
    }
    if (path === '/heartbeat') {
      res.writeHead(200, { 'Content-Type': 'text/plain', ...cors });
      return res.end('.');
    }
    if (path === '/health')
      return sendJson(res, 200, { name: '1Password Connect API', version: '1.7.1', dependencies: [{ service: 'sync', status: 'ACTIVE' }] }, cors);
    if (!path.startsWith('/v1/')) return sendError(res, 404, 'Not Found', cors);

    const auth = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(auth);
    const scope = m ? state.tokens.get(m[1]) : undefined;
    if (!scope) return sendError(res, 401, 'Invalid token signature', cors);
    if (state.throttle > 0) {
      state.throttle--;
      return sendError(res, 429, 'Too many requests', cors);
    }
    if (state.failures > 0) {
      state.failures--;
      return sendError(res, 500, 'Internal server error', cors);
    }
    if (req.method !== 'GET') return sendError(res, 405, 'Method not allowed', cors);
    const inScope = (vid) => scope === '*' || scope.includes(vid);
    const parts = path.split('/').slice(2); // after /v1
    if (parts[0] !== 'vaults') return sendError(res, 404, 'Not Found', cors);

    if (parts.length === 1) {
      const f = parseFilter(url.searchParams.get('filter'), ['name', 'title']);
      if (f === undefined) return sendError(res, 400, 'Invalid filter', cors);
      const list = state.vaults.filter((v) => inScope(v.id) && (!f || filterMatch(f, v.name, state.filterCaseSensitive)));
      return sendJson(res, 200, list.map(vaultJson), cors);
    }
    const vid = parts[1];
    const vault = state.vaults.find((v) => v.id === vid);
    if (!vault) return sendError(res, 404, `vault ${vid} not found`, cors);
    if (!inScope(vid)) return sendError(res, 403, `vault ${vid} is not in scope`, cors);
    if (parts.length === 2) return sendJson(res, 200, vaultJson(vault), cors);
    if (parts[2] !== 'items') return sendError(res, 404, 'Not Found', cors);
    const items = state.items.filter((i) => i.vault?.id === vid && i.state !== 'DELETED');
    if (parts.length === 3) {
      const f = parseFilter(url.searchParams.get('filter'), ['title']);
      if (f === undefined) return sendError(res, 400, 'Invalid filter', cors);
      const list = items.filter((i) => !f || filterMatch(f, i.title, state.filterCaseSensitive));
      return sendJson(res, 200, list.map(summary), cors);
    }
    const iid = parts[3];
    const item = items.find((i) => i.id === iid);
    if (!item) return sendError(res, 404, `item ${iid} not found`, cors);
    if (parts.length === 4) return sendJson(res, 200, fullItem(item), cors);
    if (parts[4] !== 'files') return sendError(res, 404, 'Not Found', cors);
    const files = fullItem(item).files;
    if (parts.length === 5) {
      const inline = url.searchParams.get('inline_files') === 'true';
      return sendJson(
        res,
        200,
        files.map((fl) => (inline ? { ...fl, content: (state.files.get(fl.id) ?? Buffer.alloc(0)).toString('base64') } : fl)),
        cors,
      );
    }
    const file = files.find((fl) => fl.id === parts[5]);
    if (!file) return sendError(res, 404, `file ${parts[5]} not found`, cors);
    if (parts.length === 6) return sendJson(res, 200, file, cors);
    if (parts.length === 7 && parts[6] === 'content') {
      const body = state.files.get(file.id) ?? Buffer.alloc(0);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length, ...cors });
      return res.end(body);
    }
    return sendError(res, 404, 'Not Found', cors);
  };

  const srv = await listen(handler, { tls: opts.tls });
  return { url: srv.url, port: srv.port, state, close: srv.close };
}

export { ID_RE };
