// Byte-relay clients for the tunnel transport. The wasm core runs TLS and HTTP
// itself; these only carry opaque bytes (TLS records) between the core and a
// relay that owns the TCP connection:
//   - wispRelay: Wisp v1, one WebSocket multiplexing many streams, with the
//     protocol's per-stream packet-count flow control;
//   - websockifyRelay: one WebSocket per TCP connection, the destination chosen
//     by the relay's token (a closed allow-list by construction).
// No payload byte ever appears in an error or close reason; there is no logging.

import { MAX_TIMER_MS, numberOptions } from './options.js';

/** Largest payload put in one WebSocket message (one Wisp DATA packet). */
const MAX_CHUNK = 64 * 1024;
/** Largest hostname (UTF-8 bytes) accepted for a CONNECT. */
const MAX_HOST_BYTES = 255;
const WS_OPEN = 1;

const WISP_CONNECT = 0x01;
const WISP_DATA = 0x02;
const WISP_CONTINUE = 0x03;
const WISP_CLOSE = 0x04;
const WISP_INFO = 0x05; // Wisp v2 only: answered so a v2 server falls back cleanly
const WISP_TCP = 0x01;
const WISP_VOLUNTARY = 0x02;

/** Wisp close reasons (protocol.md "CLOSE"), as the caller sees them. */
const WISP_REASONS = new Map([
  [0x01, 'unknown reason'],
  [0x02, 'voluntary close'],
  [0x03, 'network error'],
  [0x04, 'incompatible extensions'],
  [0x41, 'invalid connection info'],
  [0x42, 'unreachable host'],
  [0x43, 'connection timed out'],
  [0x44, 'connection refused'],
  [0x47, 'TCP data transfer timed out'],
  [0x48, 'destination blocked by the relay'],
  [0x49, 'throttled by the relay'],
  [0x81, 'client error'],
  [0xc0, 'bad password'],
  [0xc1, 'bad signature'],
  [0xc2, 'credentials missing'],
]);

/** Socket error codes (Node's `ws`) that mean the relay itself was not reached. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL']);

const encoder = new TextEncoder();

/**
 * The one error type of the relay clients.
 * `code` is stable: 'relay_unreachable' | 'relay_refused' | 'relay_closed' | 'relay_protocol' | 'timeout';
 * `detail` names what failed and where (relay URL without its query, host:port), never payload bytes.
 */
export class RelayError extends Error {
  /**
   * @param {'relay_unreachable'|'relay_refused'|'relay_closed'|'relay_protocol'|'timeout'} code
   * @param {string} detail
   */
  constructor(code, detail) {
    super(`vaultlink relay: ${detail}`);
    this.name = 'RelayError';
    this.code = code;
    this.detail = detail;
  }
}

/**
 * The name of a Wisp close reason, with its code: `'connection refused (0x44)'`.
 * @param {number} code
 * @returns {string}
 */
export function wispReasonName(code) {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  return `${WISP_REASONS.get(code) ?? 'unassigned close reason'} (${hex})`;
}

// ---------------------------------------------------------------------------
// Helpers shared by both relays

/** A received WebSocket message as bytes, without copying; null for a text message. */
function asBytes(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    // `ws` with binaryType 'fragments' (never set here, but be total)
    const all = new Uint8Array(data.reduce((n, f) => n + f.byteLength, 0));
    let at = 0;
    for (const f of data) {
      all.set(f, at);
      at += f.byteLength;
    }
    return all;
  }
  return null;
}

/** The relay URL for messages: no credentials, no query (a websockify token is a capability). */
function displayUrl(url) {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.href;
  } catch {
    return '(unparsable relay URL)';
  }
}

/** A relay-supplied close reason, reduced to short printable ASCII. */
function printable(text) {
  return String(text ?? '')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 123);
}

function checkTarget(host, port) {
  if (typeof host !== 'string' || host.length === 0) throw new TypeError('relay: host must be a non-empty string');
  if (/[\x00-\x20\x7f]/.test(host)) throw new TypeError('relay: host holds whitespace or a control character');
  if (encoder.encode(host).length > MAX_HOST_BYTES) throw new TypeError(`relay: host is longer than ${MAX_HOST_BYTES} bytes`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError('relay: port must be an integer in 1..65535');
}

function checkWebSocket(WebSocket) {
  if (typeof WebSocket !== 'function') {
    throw new TypeError("relay: no WebSocket implementation (pass { WebSocket } from 'ws' outside a browser)");
  }
}

function checkTimeout(ms) {
  numberOptions('relay', { connectTimeoutMs: ms })('connectTimeoutMs', 0, 1, MAX_TIMER_MS);
}

/** Calls a caller's callback; a throw is reported like an event handler's, never breaks the relay. */
function callOut(fn, arg) {
  try {
    fn(arg);
  } catch (err) {
    if (typeof globalThis.reportError === 'function') globalThis.reportError(err);
    else
      setTimeout(() => {
        throw err;
      }, 0);
  }
}

/**
 * The RelayError for a WebSocket that closed before its 'open' event. Browsers give
 * no detail at all; Node's `ws` gives the socket error, which separates "nothing
 * listens" from "the relay hung up on the upgrade" and from an HTTP refusal.
 * @param {any} errEvent the last 'error' event, if any
 * @param {string} where display URL
 * @param {string} hungUp the detail when the relay dropped the upgrade
 * @param {boolean} reachedBefore whether this relay object ever opened a WebSocket
 */
function preOpenError(errEvent, where, hungUp, reachedBefore) {
  const err = errEvent?.error;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = String(err?.message ?? errEvent?.message ?? '');
  if (code && UNREACHABLE.has(code)) return new RelayError('relay_unreachable', `cannot reach the relay at ${where} (${code})`);
  const status = /Unexpected server response: (\d{3})/.exec(message);
  if (status) {
    return new RelayError('relay_refused', `the relay at ${where} answered HTTP ${status[1]} instead of a WebSocket upgrade`);
  }
  if (code === 'ECONNRESET' || /socket hang up/i.test(message) || reachedBefore) {
    return new RelayError('relay_refused', `${hungUp} (${where})`);
  }
  return new RelayError('relay_unreachable', `cannot reach the relay at ${where}, or it ${hungUp.replace(/^the relay /, '')}`);
}

// ---------------------------------------------------------------------------
// The stream the caller holds

/**
 * One relayed TCP connection. Incoming bytes go to `ondata` (buffered until it is
 * set); `onclose` fires exactly once, after any buffered data, whoever closed.
 * The `link` is the relay's side: it gets `deliver`/`finish` installed and
 * provides `transmit(bytes)` and `hangUp()`.
 */
class RelayStream {
  /** @type {((bytes: Uint8Array) => void) | null} */
  #ondata = null;
  /** @type {((info: {reason: string, code?: number, clean: boolean}) => void) | null} */
  #onclose = null;
  /** @type {Uint8Array[]} */
  #inbox = [];
  /** @type {{reason: string, code?: number, clean: boolean} | null} */
  #closeInfo = null;
  #closeReported = false;
  #pumpQueued = false;
  #link;
  /** True once the stream is closed, by either side or by the relay. */
  closed = false;

  constructor(link) {
    this.#link = link;
    link.deliver = (bytes) => this.#deliver(bytes);
    link.finish = (info) => this.#finish(info);
  }

  get ondata() {
    return this.#ondata;
  }
  set ondata(fn) {
    this.#ondata = typeof fn === 'function' ? fn : null;
    this.#queuePump();
  }
  get onclose() {
    return this.#onclose;
  }
  set onclose(fn) {
    this.#onclose = typeof fn === 'function' ? fn : null;
    this.#queuePump();
  }

  /**
   * Queues bytes for the destination. The bytes are copied before this returns,
   * so the caller may reuse its buffer (a view into wasm memory, say).
   * @param {Uint8Array} bytes
   */
  send(bytes) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('relay: send() takes a Uint8Array');
    if (this.closed) throw new RelayError('relay_closed', 'send() on a closed stream');
    if (bytes.length > 0) this.#link.transmit(bytes);
  }

  /** Closes the stream at once (data still queued for the relay is dropped). */
  close() {
    if (this.closed) return;
    this.#inbox.length = 0;
    this.#finish({ reason: 'closed by the client', clean: true });
    this.#link.hangUp();
  }

  #deliver(bytes) {
    if (this.closed) return;
    if (this.#ondata && this.#inbox.length === 0 && !this.#pumpQueued) callOut(this.#ondata, bytes);
    else this.#inbox.push(bytes);
  }

  #finish(info) {
    if (this.closed) return;
    this.closed = true;
    this.#closeInfo = info;
    this.#queuePump();
  }

  #queuePump() {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  #pump() {
    while (this.#ondata && this.#inbox.length > 0) callOut(this.#ondata, /** @type {Uint8Array} */ (this.#inbox.shift()));
    if (this.#closeInfo && !this.#closeReported && this.#onclose && (this.#inbox.length === 0 || !this.#ondata)) {
      this.#closeReported = true;
      callOut(this.#onclose, this.#closeInfo);
    }
  }
}

// ---------------------------------------------------------------------------
// Wisp v1

function wispPacket(type, streamId, payloadLength) {
  const p = new Uint8Array(5 + payloadLength);
  p[0] = type;
  new DataView(p.buffer).setUint32(1, streamId, true);
  return p;
}

/** One WebSocket to a Wisp server and the streams multiplexed on it. */
class WispSession {
  /** @type {Map<number, {stream: RelayStream, link: any}>} */
  streams = new Map();
  nextId = 1;
  initialCredit = 0;
  opened = false;
  handshaken = false;
  dead = false;
  sentInfo = false;
  /** @type {any} */
  lastError = null;
  /** @type {Promise<void>} */
  ready;
  #resolve = () => {};
  #reject = (/** @type {RelayError} */ _e) => {};

  constructor(url, WebSocket, protocols, timeoutMs, reachedBefore) {
    this.where = displayUrl(url);
    this.ready = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.ready.catch(() => {}); // the opener awaits it; this keeps a lone failure quiet
    this.timer = setTimeout(
      () => this.die(new RelayError('timeout', `no Wisp handshake from ${this.where} within ${timeoutMs} ms`), { reason: 'relay connection lost', clean: false }),
      timeoutMs,
    );
    try {
      this.ws = protocols === undefined ? new WebSocket(url) : new WebSocket(url, protocols);
    } catch (err) {
      this.ws = null;
      this.die(new RelayError('relay_unreachable', `cannot open a WebSocket to ${this.where} (${printable(err?.name ?? 'error')})`), null);
      return;
    }
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => {
      this.opened = true;
    };
    this.ws.onerror = (ev) => {
      this.lastError = ev;
    };
    this.ws.onmessage = (ev) => this.#onMessage(ev.data);
    this.ws.onclose = (ev) => {
      const err = this.opened
        ? new RelayError('relay_closed', `the relay at ${this.where} closed the WebSocket before the Wisp handshake (code ${ev?.code})`)
        : preOpenError(this.lastError, this.where, 'the relay dropped the WebSocket upgrade', reachedBefore);
      this.die(err, { reason: 'relay connection lost', clean: false });
    };
  }

  /**
   * Ends the session: a pending handshake rejects with `err`, every stream closes with `info`.
   * @param {RelayError} err
   * @param {{reason: string, code?: number, clean: boolean} | null} info
   */
  die(err, info) {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.timer);
    if (!this.handshaken) this.#reject(err);
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const s of streams) s.link.finish(info ?? { reason: 'relay connection lost', clean: false });
    try {
      if (this.ws && this.ws.readyState === WS_OPEN) this.ws.close(1000);
      else this.ws?.close();
    } catch {
      // already closing
    }
  }

  #protocolError(what) {
    const detail = `relay protocol error from ${this.where}: ${what}`;
    this.die(new RelayError('relay_protocol', detail), { reason: `relay protocol error: ${what}`, clean: false });
  }

  #write(packet) {
    if (this.ws && this.ws.readyState === WS_OPEN) this.ws.send(packet);
  }

  #onMessage(data) {
    if (this.dead) return;
    const b = asBytes(data);
    if (!b) return this.#protocolError('a text message (Wisp is binary only)');
    if (b.length < 5) return this.#protocolError(`a ${b.length}-byte message, shorter than a packet header`);
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const type = b[0];
    const id = view.getUint32(1, true);
    if (type === WISP_CONTINUE && b.length < 9) return this.#protocolError(`a CONTINUE for stream ${id} without its buffer count`);
    if (type === WISP_CLOSE && b.length < 6) return this.#protocolError(`a CLOSE for stream ${id} without its reason`);

    if (!this.handshaken) {
      if (id !== 0) return this.#protocolError(`a packet of type ${type} for stream ${id} before the handshake`);
      if (type === WISP_CONTINUE) {
        this.initialCredit = view.getUint32(5, true);
        this.handshaken = true;
        clearTimeout(this.timer);
        this.#resolve();
      } else if (type === WISP_INFO && !this.sentInfo) {
        // A v2 server (we offered a subprotocol): answer INFO 2.0 with no extensions.
        this.sentInfo = true;
        const info = wispPacket(WISP_INFO, 0, 2);
        info[5] = 2;
        info[6] = 0;
        this.#write(info);
      } else if (type === WISP_CLOSE) {
        this.die(new RelayError('relay_refused', `the relay at ${this.where} refused the Wisp session: ${wispReasonName(b[5])}`), null);
      }
      return;
    }

    if (id === 0) {
      if (type === WISP_CLOSE) {
        const reason = wispReasonName(b[5]);
        this.die(new RelayError('relay_closed', reason), { reason: `relay closed the session: ${reason}`, code: b[5], clean: false });
      }
      return; // a later CONTINUE on stream 0 carries nothing for us
    }
    const entry = this.streams.get(id);
    if (!entry) return; // a late packet for a stream already closed
    if (type === WISP_DATA) entry.link.deliver(b.subarray(5));
    else if (type === WISP_CONTINUE) entry.link.grant(view.getUint32(5, true));
    else if (type === WISP_CLOSE) {
      this.streams.delete(id);
      entry.link.finish({ reason: wispReasonName(b[5]), code: b[5], clean: b[5] === WISP_VOLUNTARY });
    }
  }

  #allocateId() {
    let id = this.nextId;
    while (this.streams.has(id)) id = id === 0xffffffff ? 1 : id + 1;
    this.nextId = id === 0xffffffff ? 1 : id + 1;
    return id;
  }

  /**
   * Sends a CONNECT and returns the stream. Wisp v1 has no "connected" answer:
   * a failure comes back later as a CLOSE, seen in the stream's onclose.
   */
  openStream(host, port) {
    if (this.dead) throw new RelayError('relay_closed', `the connection to ${this.where} was lost before the stream to ${host}:${port} opened`);
    const id = this.#allocateId();
    const session = this;
    /** @type {Uint8Array[]} */
    const queue = [];
    const link = {
      /** DATA packets the server can still buffer (CONTINUE sets it; each DATA sent takes one). */
      credit: this.initialCredit,
      deliver: (/** @type {Uint8Array} */ _b) => {},
      finish: (/** @type {any} */ _i) => {},
      transmit(bytes) {
        for (let at = 0; at < bytes.length; at += MAX_CHUNK) {
          const piece = bytes.subarray(at, at + MAX_CHUNK);
          const p = wispPacket(WISP_DATA, id, piece.length);
          p.set(piece, 5);
          queue.push(p);
        }
        link.flush();
      },
      flush() {
        let sent = 0;
        while (link.credit > 0 && sent < queue.length) {
          session.#write(queue[sent++]);
          link.credit--;
        }
        if (sent > 0) queue.splice(0, sent);
      },
      grant(n) {
        link.credit = n;
        link.flush();
      },
      hangUp() {
        queue.length = 0;
        if (session.streams.get(id)?.link !== link) return;
        session.streams.delete(id);
        const p = wispPacket(WISP_CLOSE, id, 1);
        p[5] = WISP_VOLUNTARY;
        session.#write(p);
      },
    };
    const stream = new RelayStream(link);
    this.streams.set(id, { stream, link });

    const name = encoder.encode(host);
    const connect = wispPacket(WISP_CONNECT, id, 3 + name.length);
    connect[5] = WISP_TCP;
    connect[6] = port & 0xff;
    connect[7] = port >>> 8;
    connect.set(name, 8);
    this.#write(connect);
    return stream;
  }
}

/**
 * A Wisp v1 relay client: one WebSocket (opened on the first open(), reopened by a
 * later open() once it died) multiplexing every stream.
 * @param {string} url  the Wisp endpoint; must end with '/'
 * @param {{WebSocket?: any, protocols?: string | string[], connectTimeoutMs?: number}} [opts]
 *   `protocols` is offered as Sec-WebSocket-Protocol; a Wisp server then speaks v2, and
 *   this client answers its INFO with an extension-less v2 INFO.
 */
export function wispRelay(url, { WebSocket = globalThis.WebSocket, protocols, connectTimeoutMs = 10000 } = {}) {
  if (typeof url !== 'string' || !url.endsWith('/')) throw new TypeError("relay: a Wisp URL must be a string ending with '/'");
  checkWebSocket(WebSocket);
  checkTimeout(connectTimeoutMs);
  /** @type {WispSession | null} */
  let session = null;
  let closed = false;
  let reached = false;
  return {
    protocol: /** @type {const} */ ('wisp'),
    async open(host, port) {
      checkTarget(host, port);
      if (closed) throw new RelayError('relay_closed', 'open() on a closed relay');
      if (!session || session.dead) session = new WispSession(url, WebSocket, protocols, connectTimeoutMs, reached);
      const s = session;
      await s.ready;
      reached = true;
      if (closed) throw new RelayError('relay_closed', 'the relay was closed while opening');
      return s.openStream(host, port);
    },
    close() {
      closed = true;
      session?.die(new RelayError('relay_closed', 'the relay was closed while opening'), { reason: 'relay closed by the client', clean: true });
      session = null;
    },
  };
}

// ---------------------------------------------------------------------------
// websockify

/** The close info for a websockify WebSocket that closed after it opened. */
function websockifyCloseInfo(ev) {
  const code = typeof ev?.code === 'number' ? ev.code : 1006;
  const said = printable(ev?.reason);
  if (code === 1000) return { reason: `the target closed the connection${said ? ` (${said})` : ''}`, code, clean: true };
  if (code === 1011 && /connect/i.test(said)) return { reason: `the relay could not connect to the target (1011: ${said})`, code, clean: false };
  if (code === 1008 || /token/i.test(said)) return { reason: `the relay refused the target (unknown token?) (${code}${said ? `: ${said}` : ''})`, code, clean: false };
  if (code === 1006 || code === 1005) return { reason: 'relay connection lost', code, clean: false };
  return { reason: `the relay closed the connection (${code}${said ? `: ${said}` : ''})`, code, clean: false };
}

/**
 * A websockify relay client: one WebSocket per TCP connection, the destination
 * named by a token the relay maps to host:port.
 * @param {string} url  the websockify endpoint (`?token=` is appended)
 * @param {{tokenFor: (host: string, port: number) => string | undefined, WebSocket?: any, connectTimeoutMs?: number}} opts
 */
export function websockifyRelay(url, { tokenFor, WebSocket = globalThis.WebSocket, connectTimeoutMs = 10000 } = /** @type {any} */ ({})) {
  if (typeof url !== 'string' || url.length === 0) throw new TypeError('relay: a websockify URL must be a non-empty string');
  if (typeof tokenFor !== 'function') throw new TypeError('relay: websockifyRelay needs tokenFor(host, port)');
  checkWebSocket(WebSocket);
  checkTimeout(connectTimeoutMs);
  const where = displayUrl(url);
  /** @type {Set<() => void>} every live or connecting socket's shutdown */
  const live = new Set();
  let closed = false;
  let reached = false;

  return {
    protocol: /** @type {const} */ ('websockify'),
    async open(host, port) {
      checkTarget(host, port);
      if (closed) throw new RelayError('relay_closed', 'open() on a closed relay');
      const token = tokenFor(host, port);
      if (token === undefined || token === null) throw new RelayError('relay_refused', `no relay token for ${host}:${port}`);
      if (typeof token !== 'string' || token.length === 0) throw new TypeError('relay: tokenFor() must return a non-empty string or undefined');
      const socketUrl = `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;

      return new Promise((resolve, reject) => {
        /** @type {any} */
        let ws;
        try {
          ws = new WebSocket(socketUrl, 'binary');
        } catch (err) {
          reject(new RelayError('relay_unreachable', `cannot open a WebSocket to ${where} (${printable(err?.name ?? 'error')})`));
          return;
        }
        ws.binaryType = 'arraybuffer';
        let opened = false;
        let done = false; // the stream (or the attempt) is over; later events are ignored
        /** @type {any} */
        let lastError = null;
        const link = {
          deliver: (/** @type {Uint8Array} */ _b) => {},
          finish: (/** @type {any} */ _i) => {},
          transmit(bytes) {
            if (ws.readyState !== WS_OPEN) return;
            // slice(): a copy, so neither the caller nor `ws` (which masks in place) shares the buffer
            for (let at = 0; at < bytes.length; at += MAX_CHUNK) ws.send(bytes.slice(at, at + MAX_CHUNK));
          },
          hangUp() {
            end();
          },
        };
        const stream = new RelayStream(link);
        const end = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          live.delete(shutdown);
          try {
            if (ws.readyState === WS_OPEN) ws.close(1000);
            else ws.close();
          } catch {
            // already closing
          }
        };
        const shutdown = () => {
          if (!opened) reject(new RelayError('relay_closed', `the relay was closed while opening ${host}:${port}`));
          link.finish({ reason: 'relay closed by the client', clean: true });
          end();
        };
        const timer = setTimeout(() => {
          reject(new RelayError('timeout', `no WebSocket from ${where} for ${host}:${port} within ${connectTimeoutMs} ms`));
          end();
        }, connectTimeoutMs);
        live.add(shutdown);

        ws.onopen = () => {
          if (done) return;
          opened = true;
          reached = true;
          clearTimeout(timer);
          resolve(stream);
        };
        ws.onerror = (ev) => {
          lastError = ev;
        };
        ws.onmessage = (ev) => {
          if (done) return;
          const b = asBytes(ev.data);
          if (b) return link.deliver(b);
          link.finish({ reason: 'relay protocol error: a text message (websockify relays binary only)', clean: false });
          end();
        };
        ws.onclose = (ev) => {
          if (done) return;
          if (!opened) reject(preOpenError(lastError, where, 'the relay refused the target (unknown token?)', reached));
          else link.finish(websockifyCloseInfo(ev));
          end();
        };
      });
    },
    close() {
      closed = true;
      for (const shutdown of [...live]) shutdown();
    },
  };
}
