// The request wire format shared with the core (src/reqcodec.h):
// "VLR1", u32 method, u32 url, u32 header count + (u32 name, u32 value)…,
// u32 body kind (0 none, 1 text, 2 bytes), u32 body — little-endian, length-prefixed.

import { VaultError } from './errors.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });
export const BODY_NONE = 0;
export const BODY_TEXT = 1;
export const BODY_BYTES = 2;

const wellFormed =
  typeof String.prototype.isWellFormed === 'function'
    ? (s) => s.isWellFormed()
    : (s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/.test(s);

function text(value, where) {
  if (typeof value !== 'string') {
    throw new VaultError('bad_request', `request.${where} must be a string, got ${describe(value)}`);
  }
  if (!wellFormed(value)) {
    throw new VaultError('bad_request', `request.${where} is not well-formed UTF-16 (lone surrogate)`);
  }
  return enc.encode(value);
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

/**
 * Normalises headers to [[name, value], …] and remembers the caller's shape.
 * Accepts a plain object, a Headers instance, [[name, value]] or [{key, value}].
 */
export function normalizeHeaders(headers) {
  if (headers === undefined || headers === null) return { shape: 'none', list: [] };
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    return { shape: 'headers', list: [...headers.entries()] };
  }
  if (Array.isArray(headers)) {
    const list = headers.map((h, i) => {
      if (Array.isArray(h) && h.length === 2) return [h[0], h[1]];
      if (h && typeof h === 'object' && 'key' in h) return [h.key, h.value];
      throw new VaultError('bad_request', `request.headers[${i}] must be [name, value] or {key, value}`);
    });
    const shape = headers.length && !Array.isArray(headers[0]) ? 'keyvalue' : 'pairs';
    return { shape, list };
  }
  if (typeof headers === 'object') return { shape: 'object', list: Object.entries(headers) };
  throw new VaultError('bad_request', `request.headers must be an object or an array, got ${describe(headers)}`);
}

export function shapeHeaders(shape, list) {
  switch (shape) {
    case 'object':
    case 'none':
      return Object.fromEntries(list);
    case 'keyvalue':
      return list.map(([key, value]) => ({ key, value }));
    case 'headers':
      return new Headers(list);
    default:
      return list;
  }
}

/** Encodes {method, url, headers, body} into the wire format. */
export function encodeRequest(req) {
  if (!req || typeof req !== 'object') throw new VaultError('bad_request', 'request must be an object');
  const method = text(req.method ?? 'GET', 'method');
  const url = text(req.url ?? '', 'url');
  const { shape, list } = normalizeHeaders(req.headers);
  const hs = list.map(([n, v], i) => [text(n, `headers[${i}].name`), text(String(v ?? ''), `headers[${i}].value`)]);
  let kind = BODY_NONE;
  let body = new Uint8Array(0);
  if (typeof req.body === 'string') {
    kind = BODY_TEXT;
    body = text(req.body, 'body');
  } else if (req.body instanceof ArrayBuffer) {
    kind = BODY_BYTES;
    body = new Uint8Array(req.body);
  } else if (ArrayBuffer.isView(req.body)) {
    kind = BODY_BYTES;
    body = new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength);
  } else if (req.body !== undefined && req.body !== null) {
    throw new VaultError('bad_request', `request.body must be a string or bytes, got ${describe(req.body)}`);
  }
  let size = 4 + 4 + method.length + 4 + url.length + 4 + 8 + body.length;
  for (const [n, v] of hs) size += 8 + n.length + v.length;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let o = 0;
  const field = (b) => {
    dv.setUint32(o, b.length, true);
    out.set(b, o + 4);
    o += 4 + b.length;
  };
  out.set([0x56, 0x4c, 0x52, 0x31], 0); // "VLR1"
  o = 4;
  field(method);
  field(url);
  dv.setUint32(o, hs.length, true);
  o += 4;
  for (const [n, v] of hs) {
    field(n);
    field(v);
  }
  dv.setUint32(o, kind, true);
  o += 4;
  field(body);
  return { bytes: out, shape, bodyKind: kind };
}

/**
 * Decodes the wire format from `u8` (a view into wasm memory). Strings are
 * decoded (copied) out; a byte body is copied into a fresh Uint8Array.
 */
export function decodeRequest(u8) {
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  let o = 4;
  const field = () => {
    const n = dv.getUint32(o, true);
    const s = u8.subarray(o + 4, o + 4 + n);
    o += 4 + n;
    return s;
  };
  const method = dec.decode(field());
  const url = dec.decode(field());
  const count = dv.getUint32(o, true);
  o += 4;
  const headers = [];
  for (let i = 0; i < count; i++) headers.push([dec.decode(field()), dec.decode(field())]);
  const kind = dv.getUint32(o, true);
  o += 4;
  const raw = field();
  let body;
  if (kind === BODY_TEXT) body = dec.decode(raw);
  else if (kind === BODY_BYTES) body = raw.slice();
  return { method, url, headers, body, bodyKind: kind };
}
