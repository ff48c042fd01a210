// The request wire format shared with the core (src/reqcodec.h):
// "VLR1", u32 method, u32 url, u32 header count + (u32 name, u32 value)…,
// u32 body kind (0 none, 1 text, 2 bytes), u32 body — little-endian, length-prefixed.
// A resolve's answer is the core's patch output instead ("VLP1", see
// VL_RESOLVE_PATCH in src/vaultlink.h), applied by applyPatchOutput().

import { VaultError } from './errors.js';

const enc = new TextEncoder();
const PATCH_RECORD = 20; // bytes of one record of the core's patch output (VL_RESOLVE_PATCH)
const dec = new TextDecoder('utf-8', { fatal: false });
export const BODY_NONE = 0;
export const BODY_TEXT = 1;
export const BODY_BYTES = 2;
const EMPTY_BYTES = new Uint8Array(0);

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
  if (typeof headers === 'object') {
    // Object.keys + a loop: several times cheaper than Object.entries here.
    const keys = Object.keys(headers);
    const list = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) list[i] = [keys[i], headers[keys[i]]];
    return { shape: 'object', list };
  }
  throw new VaultError('bad_request', `request.headers must be an object or an array, got ${describe(headers)}`);
}

export function shapeHeaders(shape, list) {
  switch (shape) {
    case 'object':
    case 'none': {
      // A loop of assignments (Object.fromEntries costs several times more);
      // "__proto__" is defined, not assigned, so it stays an own property.
      const o = {};
      for (let i = 0; i < list.length; i++) {
        const [k, v] = list[i];
        if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        else o[k] = v;
      }
      return o;
    }
    case 'keyvalue':
      return list.map(([key, value]) => ({ key, value }));
    case 'headers':
      return new Headers(list);
    default:
      return list;
  }
}

/** Validates a request and returns its parts, strings still as strings. */
export function requestParts(req) {
  return parts(req);
}

const VAULT_OPEN = '{{vault:';
const VAULT_OPEN_BYTES = new TextEncoder().encode(VAULT_OPEN);

function bytesInclude(b, needle) {
  const first = needle[0];
  for (let i = b.indexOf(first); i !== -1 && i <= b.length - needle.length; i = b.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && b[i + j] === needle[j]) j++;
    if (j === needle.length) return true;
  }
  return false;
}

/**
 * What of a validated request must cross into the core: {send, bodyFrom,
 * bodyTo}, or null when nothing need (see below).
 *
 * send, by field number (0 the URL, 1 + 2i header i's name, 2 + 2i its value,
 * 1 + 2 × header count the body), is 1 for a field that goes and 0 for one
 * sent empty. A field is left out only when it holds no "{{vault:" (so no
 * vault token, in any mode) and is certainly inside the core's limits (its
 * length × 3 under its limit: UTF-8 can be no longer), so the core would
 * neither change nor refuse it. The URL always goes (its origin decides the
 * domains).
 *
 * A text body with tokens goes as body[bodyFrom, bodyTo) only: from its
 * first "{{vault:" to the end of its last one's match. A match is decided by
 * the bytes from its own "{{" on (postman-collection's /{{([^{}]*?)}}/g: no
 * earlier match can reach a "{{" it does not start at), so the core finds the
 * same vault tokens in the window; applyPatchOutput() moves its offsets back.
 *
 * null: no field holds "{{vault:" and every one is certainly inside the
 * limits, so the core would hand the request back unchanged: it need not
 * enter wasm at all.
 */
export function fieldsForCore(p, limits) {
  const { url, list, body } = p;
  let token = url.includes(VAULT_OPEN);
  let sure = p.method.length * 3 <= 32 && url.length * 3 <= limits.url && list.length <= limits.headers;
  const send = new Uint8Array(2 + 2 * list.length);
  send[0] = 1;
  const max = limits.header;
  for (let i = 0; i < list.length; i++) {
    const pair = list[i];
    for (let j = 0; j < 2; j++) {
      const s = pair[j];
      const has = s.includes(VAULT_OPEN);
      const fits = s.length * 3 <= max;
      if (has || !fits) send[1 + 2 * i + j] = 1;
      token ||= has;
      sure &&= fits;
    }
  }
  let bodyFrom = 0;
  let bodyTo = body === null ? 0 : body.length;
  if (body !== null) {
    const text = typeof body === 'string';
    const from = text ? body.indexOf(VAULT_OPEN) : bytesInclude(body, VAULT_OPEN_BYTES) ? 0 : -1;
    const fits = body.length * (text ? 3 : 1) <= limits.body;
    if (from !== -1 || !fits) send[send.length - 1] = 1;
    if (text && from !== -1 && fits) {
      // Forward from each "{{vault:" to the next (lastIndexOf searches backwards, slowly).
      bodyFrom = from;
      for (let q = from; q !== -1; q = body.indexOf(VAULT_OPEN, bodyTo)) bodyTo = matchEnd(body, q);
    }
    token ||= from !== -1;
    sure &&= fits;
  }
  return token || !sure ? { send, bodyFrom, bodyTo } : null;
}

/** Where a match starting with the "{{vault:" at s[q] ends (after its "}}"),
 * or, when none starts there, where the brace-free run after it stops. */
function matchEnd(s, q) {
  let j = q + VAULT_OPEN.length;
  for (let c = s.charCodeAt(j); j < s.length && c !== 0x7b && c !== 0x7d; c = s.charCodeAt(++j));
  return s.charCodeAt(j) === 0x7d && s.charCodeAt(j + 1) === 0x7d ? j + 2 : j;
}

/** UTF-8 length of s[0, end) (s well-formed). */
function utf8Length(s, end) {
  let n = end;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 ? 1 : c >= 0xd800 && c <= 0xdbff ? (i++, 2) : 2;
  }
  return n;
}

/**
 * The core's report for a request sent with a body window (fieldsForCore()):
 * body offsets are moved back to the whole body's (UTF-8 bytes).
 * @param {object[]} unresolved  the parsed report (changed in place)
 */
export function placeReport(parts, sent, unresolved) {
  if (!sent || !sent.bodyFrom) return unresolved;
  let base = -1;
  for (const u of unresolved) {
    if (u.where !== 'body') continue;
    if (base < 0) base = utf8Length(parts.body, sent.bodyFrom);
    u.offset += base;
  }
  return unresolved;
}

/** True when a validated request need not enter wasm at all (fieldsForCore() is null). */
export function needsNoCore(p, limits) {
  return fieldsForCore(p, limits) === null;
}

/** A patch output with no substitutions: applyPatchOutput(parts, EMPTY_PATCH) is the request as given. */
export const EMPTY_PATCH = new Uint8Array([0x56, 0x4c, 0x50, 0x31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

function parts(req) {
  if (!req || typeof req !== 'object') throw new VaultError('bad_request', 'request must be an object');
  const method = req.method ?? 'GET';
  const url = req.url ?? '';
  check(method, 'method');
  check(url, 'url');
  const { shape, list } = normalizeHeaders(req.headers);
  for (let i = 0; i < list.length; i++) {
    check(list[i][0], 'headers', i, 'name');
    if (typeof list[i][1] !== 'string') list[i][1] = String(list[i][1] ?? '');
    check(list[i][1], 'headers', i, 'value');
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

/** `where` names the field; headers[index].part for a header (built only on failure). */
function check(value, where, index, part) {
  if (typeof value === 'string' && wellFormed(value)) return;
  if (index !== undefined) where = `${where}[${index}].${part}`;
  if (typeof value !== 'string') {
    throw new VaultError('bad_request', `request.${where} must be a string, got ${describe(value)}`);
  }
  throw new VaultError('bad_request', `request.${where} is not well-formed UTF-16 (lone surrogate)`);
}

/**
 * The core's input limits, checked before a byte is copied into wasm (a 50 MB
 * body must not grow its memory for good only to be refused there). Lengths
 * in UTF-16 units are lower bounds of the UTF-8 the core would see; the core
 * checks the exact byte counts again.
 * @param {{body:number,url:number,header:number,headers:number}} limits
 */
function checkLimits(p, limits) {
  const over = (what, n, max) => {
    throw new VaultError('limit', `request: ${what} longer than ${max} bytes (at least ${n}); nothing was copied into the core`);
  };
  if (p.url.length > limits.url) over('url', p.url.length, limits.url);
  if (p.list.length > limits.headers) throw new VaultError('limit', `request: ${p.list.length} headers, limit is ${limits.headers}`);
  for (let i = 0; i < p.list.length; i++) {
    if (p.list[i][0].length > limits.header) over(`header ${i} name`, p.list[i][0].length, limits.header);
    if (p.list[i][1].length > limits.header) over(`header ${i} value`, p.list[i][1].length, limits.header);
  }
  const bodyLen = p.body === null ? 0 : p.body.length;
  if (bodyLen > limits.body) over('body', bodyLen, limits.body);
}

/**
 * Encodes a request straight into memory obtained from alloc(size) → {u8, ptr}
 * (the wasm heap): one allocation, no intermediate copies of a large body.
 * Returns {ptr, len, shape, bodyKind, parts} (parts: the validated request).
 * With `sent` (fieldsForCore()), a field marked 0 goes as an empty string (a
 * byte body as no bytes, its kind kept), so field numbers and header indices
 * stay those of the whole request, and a text body goes as its window.
 */
export function encodeRequestInto(req, alloc, release, limits, validated, sent) {
  const p = validated ?? parts(req);
  if (limits) checkLimits(p, limits);
  // Most text is ASCII: size the buffer for that first (one byte per code
  // unit), and only if a string does not fit, again for the worst case (3).
  // Every byte of a block is wiped when it is freed, so a tight block is cheaper.
  const first = encodeParts(p, alloc, 1, sent);
  if (first.ok) return first;
  if (release) release(first.ptr);
  return encodeParts(p, alloc, 3, sent);
}

function putU32(u8, o, v) {
  u8[o] = v & 0xff;
  u8[o + 1] = (v >>> 8) & 0xff;
  u8[o + 2] = (v >>> 16) & 0xff;
  u8[o + 3] = v >>> 24;
}

/** Writes s length-prefixed at u8[o]; returns the offset after it, or -1 if
 * it did not fit before `end`. Short ASCII strings are copied by hand: that
 * beats a TextEncoder call for header-sized strings. */
function putStr(u8, o, s, end) {
  const n = s.length;
  if (n <= 64) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      u8[o + 4 + i] = c;
    }
    if (i === n) {
      putU32(u8, o, n);
      return o + 4 + n;
    }
  }
  const r = enc.encodeInto(s, u8.subarray(o + 4, end));
  if (r.read < n) return -1;
  putU32(u8, o, r.written);
  return o + 4 + r.written;
}

/** A field left out (see fieldsForCore()): length 0. */
function putEmpty(u8, o) {
  putU32(u8, o, 0);
  return o + 4;
}

function encodeParts(p, alloc, factor, sent) {
  const { method, url, list, kind } = p;
  const n = list.length;
  const send = sent?.send;
  let body = p.body;
  if (send && !send[1 + 2 * n]) body = kind === BODY_TEXT ? '' : kind === BODY_BYTES ? EMPTY_BYTES : null;
  else if (send && kind === BODY_TEXT && (sent.bodyFrom || sent.bodyTo !== body.length)) body = body.slice(sent.bodyFrom, sent.bodyTo);
  let bound = 4 + 4 + method.length * 3 + 4 + url.length * 3 + 4 + 8;
  for (let i = 0; i < n; i++) {
    if (!send || send[1 + 2 * i]) bound += list[i][0].length * 3;
    if (!send || send[2 + 2 * i]) bound += list[i][1].length * 3;
    bound += 8;
  }
  bound += kind === BODY_TEXT ? body.length * factor + 16 : body ? body.length : 0;
  const { u8, ptr } = alloc(bound);
  const end = ptr + bound;
  u8[ptr] = 0x56; // "VLR1"
  u8[ptr + 1] = 0x4c;
  u8[ptr + 2] = 0x52;
  u8[ptr + 3] = 0x31;
  let o = putStr(u8, ptr + 4, method, end);
  o = putStr(u8, o, url, end);
  putU32(u8, o, n);
  o += 4;
  for (let i = 0; i < n; i++) {
    o = !send || send[1 + 2 * i] ? putStr(u8, o, list[i][0], end) : putEmpty(u8, o);
    o = !send || send[2 + 2 * i] ? putStr(u8, o, list[i][1], end) : putEmpty(u8, o);
  }
  putU32(u8, o, kind);
  o += 4;
  if (kind === BODY_TEXT) {
    o = putStr(u8, o, body, end);
  } else {
    const b = body || EMPTY_BYTES;
    putU32(u8, o, b.length);
    u8.set(b, o + 4);
    o += 4 + b.length;
  }
  // Only a text body can overflow (the bound allows 3 bytes per code unit elsewhere).
  return { ok: o >= 0, ptr, len: o - ptr, shape: p.shape, bodyKind: kind, parts: p };
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

// TextDecoder beats String.fromCharCode.apply even for a few ASCII bytes.
const decodeText = (b) => dec.decode(b);

/** Splices [{start, end, value: Uint8Array}] (byte offsets, in order) into bytes. */
function spliceBytes(template, patches) {
  let size = template.length;
  for (const p of patches) size += p.value.length - (p.end - p.start);
  const out = new Uint8Array(size);
  let last = 0;
  let o = 0;
  for (const p of patches) {
    out.set(template.subarray(last, p.start), o);
    o += p.start - last;
    out.set(p.value, o);
    o += p.value.length;
    last = p.end;
  }
  out.set(template.subarray(last), o);
  return out;
}

/**
 * Applies the core's patch output ("VLP1", VL_RESOLVE_PATCH in src/vaultlink.h)
 * to the request parts encodeRequestInto() sent: only substituted tokens come
 * back; every other byte is the caller's own string. Returns
 * {method, url, headers: [[name, value]…], body}; a byte body is always a copy.
 * `sent`: what encodeRequestInto() was given (a text body's window). The
 * output is u8[at, at + len): the bridge passes its view of all of wasm memory.
 */
export function applyPatchOutput(parts, u8, sent, at = 0, len = u8.length - at) {
  const count = u32(u8, at + 4);
  let vo = at + 16 + PATCH_RECORD * count; // the values
  if (len < 16 || vo > at + len) throw new VaultError('internal', `core patch output of ${len} bytes cannot hold ${count} records`);
  const bodyField = 1 + 2 * parts.list.length;
  const bytesBody = parts.kind === BODY_BYTES;
  const list = parts.list; // fresh pairs from normalizeHeaders(): ours to change
  let url = parts.url;
  let body = parts.kind === BODY_NONE ? undefined : parts.body;
  let o = at + 16;
  for (let k = 0; k < count; ) {
    const field = u32(u8, o);
    if (field > bodyField) throw new VaultError('internal', `core patch output names field ${field} of ${bodyField}`);
    let end = k; // this field's records: [k, end)
    let bytes = 0;
    for (let q = o; end < count && u32(u8, q) === field; end++, q += PATCH_RECORD) bytes += u32(u8, q + 16);
    if (vo + bytes > at + len) throw new VaultError('internal', `core patch output: field ${field}'s values run past its end`);
    if (field === bodyField && bytesBody) {
      const patches = [];
      for (; k < end; k++, o += PATCH_RECORD) {
        const n = u32(u8, o + 16);
        patches.push({ start: u32(u8, o + 4), end: u32(u8, o + 8), value: u8.subarray(vo, vo + n) });
        vo += n;
      }
      body = spliceBytes(body, patches);
      break;
    }
    // One decode per field, cut by UTF-16 length: a string holding values
    // only ever holds this field's, and splice() leaves one flat string.
    const text = dec.decode(u8.subarray(vo, vo + bytes));
    vo += bytes;
    const src = field === 0 ? url : field === bodyField ? body : list[(field - 1) >> 1][(field - 1) & 1];
    const base = field === bodyField && sent ? sent.bodyFrom : 0; // the body's window began there
    let out;
    if (end - k === 1 && base === 0 && u32(u8, o + 4) === 0 && u32(u8, o + 8) === src.length) {
      out = text; // a short field comes back whole
      k++;
      o += PATCH_RECORD;
    } else {
      out = splice(src, text, u8, o, end - k, base);
      o += PATCH_RECORD * (end - k);
      k = end;
    }
    if (field === 0) url = out;
    else if (field === bodyField) body = out;
    else list[(field - 1) >> 1][(field - 1) & 1] = out;
  }
  if (bytesBody && body === parts.body) body = body.slice();
  return { method: parts.method, url, headers: list, body };
}

/** The little-endian u32 at u8[o] (no DataView to allocate per output). */
function u32(u8, o) {
  return (u8[o] | (u8[o + 1] << 8) | (u8[o + 2] << 16) | (u8[o + 3] << 24)) >>> 0;
}

/** Splices the n records at u8[o] into src (their offsets + base), cutting values from text. */
function splice(src, text, u8, o, n, base) {
  const pieces = [];
  let last = 0;
  let to = 0;
  for (let i = 0; i < n; i++, o += PATCH_RECORD) {
    const units = u32(u8, o + 12);
    pieces.push(src.slice(last, base + u32(u8, o + 4)), text.slice(to, to + units));
    to += units;
    last = base + u32(u8, o + 8);
  }
  pieces.push(src.slice(last));
  // join() makes one flat string: no cons string keeps the value pieces (or
  // the decoded values they are cut from) alive beside the rendered field.
  return pieces.join('');
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
  return { method, url, headers, body, bodyKind: kind };
}
