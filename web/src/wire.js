// The request wire format shared with the core (src/reqcodec.h):
// "VLR1", u32 method, u32 url, u32 header count + (u32 name, u32 value)…,
// u32 body kind (0 none, 1 text, 2 bytes), u32 body — little-endian, length-prefixed.

import { VaultError } from './errors.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });
export const BODY_NONE = 0;
export const BODY_TEXT = 1;
export const BODY_BYTES = 2;
export const BODY_PATCH = 3; // rendered output only: splice records against the caller's body

const wellFormed =
  typeof String.prototype.isWellFormed === 'function'
    ? (s) => s.isWellFormed()
    : (s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/.test(s);

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

/** Validates a request and returns its parts, strings still as strings. */
function parts(req) {
  if (!req || typeof req !== 'object') throw new VaultError('bad_request', 'request must be an object');
  const method = req.method ?? 'GET';
  const url = req.url ?? '';
  check(method, 'method');
  check(url, 'url');
  const { shape, list } = normalizeHeaders(req.headers);
  for (let i = 0; i < list.length; i++) {
    check(list[i][0], `headers[${i}].name`);
    if (typeof list[i][1] !== 'string') list[i][1] = String(list[i][1] ?? '');
    check(list[i][1], `headers[${i}].value`);
  }
  let kind = BODY_NONE;
  let body = null;
  if (typeof req.body === 'string') {
    kind = BODY_TEXT;
    check(req.body, 'body');
    body = req.body;
  } else if (req.body instanceof ArrayBuffer) {
    kind = BODY_BYTES;
    body = new Uint8Array(req.body);
  } else if (ArrayBuffer.isView(req.body)) {
    kind = BODY_BYTES;
    body = new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength);
  } else if (req.body !== undefined && req.body !== null) {
    throw new VaultError('bad_request', `request.body must be a string or bytes, got ${describe(req.body)}`);
  }
  return { method, url, list, shape, kind, body };
}

function check(value, where) {
  if (typeof value !== 'string') {
    throw new VaultError('bad_request', `request.${where} must be a string, got ${describe(value)}`);
  }
  if (!wellFormed(value)) {
    throw new VaultError('bad_request', `request.${where} is not well-formed UTF-16 (lone surrogate)`);
  }
}

/**
 * Encodes a request straight into memory obtained from alloc(size) → {u8, ptr}
 * (the wasm heap): one allocation, no intermediate copies of a large body.
 * Returns {ptr, len, shape, bodyKind}.
 */
export function encodeRequestInto(req, alloc, release) {
  const p = parts(req);
  // Most text is ASCII: size the buffer for that first (one byte per code
  // unit), and only if a string does not fit, again for the worst case (3).
  // Every byte of a block is wiped when it is freed, so a tight block is cheaper.
  const first = encodeParts(p, alloc, 1);
  if (first.ok) return first;
  if (release) release(first.ptr);
  return encodeParts(p, alloc, 3);
}

function encodeParts(p, alloc, factor) {
  let bound = 4 + 4 + p.method.length * 3 + 4 + p.url.length * 3 + 4 + 8;
  for (const [n, v] of p.list) bound += 8 + (n.length + v.length) * 3;
  bound += p.kind === BODY_TEXT ? p.body.length * factor + 16 : p.body ? p.body.length : 0;
  const { u8, ptr } = alloc(bound);
  const dv = new DataView(u8.buffer);
  let o = ptr + 4;
  let ok = true;
  let written = 0;
  const str = (s) => {
    let n;
    if (s.length < 48 && /^[\x00-\x7f]*$/.test(s)) {
      n = s.length;
      for (let i = 0; i < n; i++) u8[o + 4 + i] = s.charCodeAt(i);
    } else {
      const r = enc.encodeInto(s, u8.subarray(o + 4, ptr + bound));
      if (r.read < s.length) ok = false;
      n = r.written;
    }
    dv.setUint32(o, n, true);
    o += 4 + n;
    written = n;
  };
  u8[ptr] = 0x56; // "VLR1"
  u8[ptr + 1] = 0x4c;
  u8[ptr + 2] = 0x52;
  u8[ptr + 3] = 0x31;
  str(p.method);
  str(p.url);
  dv.setUint32(o, p.list.length, true);
  o += 4;
  for (const [n, v] of p.list) {
    str(n);
    str(v);
  }
  dv.setUint32(o, p.kind, true);
  o += 4;
  let bodyAscii = false;
  if (p.kind === BODY_TEXT) {
    str(p.body);
    bodyAscii = written === p.body.length; // one byte per code unit: offsets agree
  } else {
    const b = p.body || new Uint8Array(0);
    dv.setUint32(o, b.length, true);
    u8.set(b, o + 4);
    o += 4 + b.length;
  }
  return { ok, ptr, len: o - ptr, shape: p.shape, bodyKind: p.kind, bodyAscii };
}

/** Encodes {method, url, headers, body} into a fresh Uint8Array. */
export function encodeRequest(req) {
  let buf;
  const r = encodeRequestInto(req, (size) => {
    buf = new Uint8Array(size);
    return { u8: buf, ptr: 0 };
  });
  return { bytes: buf.subarray(0, r.len), shape: r.shape, bodyKind: r.bodyKind };
}

const shortAscii = (b) => {
  for (let i = 0; i < b.length; i++) if (b[i] > 0x7f) return false;
  return true;
};
const decodeText = (b) => (b.length < 48 && shortAscii(b) ? String.fromCharCode.apply(null, b) : dec.decode(b));

/** Applies BODY_PATCH records to the (ASCII) template body. */
export function applyPatches(template, patches) {
  let out = '';
  let last = 0;
  for (const p of patches) {
    out += template.slice(last, p.start) + p.value;
    last = p.end;
  }
  return out + template.slice(last);
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
  const method = decodeText(field());
  const url = decodeText(field());
  const count = dv.getUint32(o, true);
  o += 4;
  const headers = [];
  for (let i = 0; i < count; i++) headers.push([decodeText(field()), decodeText(field())]);
  const kind = dv.getUint32(o, true);
  o += 4;
  const raw = field();
  let body;
  if (kind === BODY_TEXT) body = dec.decode(raw);
  else if (kind === BODY_BYTES) body = raw.slice();
  else if (kind === BODY_PATCH) {
    body = [];
    const pv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < raw.length; ) {
      const start = pv.getUint32(i, true);
      const end = pv.getUint32(i + 4, true);
      const n = pv.getUint32(i + 8, true);
      body.push({ start, end, value: decodeText(raw.subarray(i + 12, i + 12 + n)) });
      i += 12 + n;
    }
  }
  return { method, url, headers, body, bodyKind: kind };
}
