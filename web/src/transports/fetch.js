// The direct transport: runs one core job with fetch(), with a timeout, bounded
// retries with backoff and jitter on 429/5xx and timeouts (honouring
// Retry-After), and a cap on the answer's size.
//
// A fetch that rejects with a TypeError is never retried. In a page that is
// what a CORS refusal looks like, and a browser deliberately gives a CORS
// refusal and a network failure (DNS, refused connection) the same opaque
// TypeError: nothing here can tell them apart, and neither gets better by
// asking again a few hundred milliseconds later. So one attempt, and the core
// says "blocked by CORS or the network" and points to the tunnel transport.
// Under Node, fetch's TypeError carries the socket error as its cause: that is
// reported as a plain network error (still one attempt).

import { MAX_TIMER_MS, numberOptions, optionsObject } from './options.js';

/** The core's VL_MAX_RESPONSE_BYTES (src/input_limits.h): an answer past it is refused unread. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * Reads a response body incrementally, stopping (and cancelling the stream)
 * once it passes `max` bytes: a hostile answer never makes the page buffer
 * more than the core would take. Chunks read so far are zeroed when it stops.
 */
async function readCapped(res, max) {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {});
    return null;
  }
  if (!res.body || typeof res.body.getReader !== 'function') {
    const all = new Uint8Array(await res.arrayBuffer());
    if (all.length > max) {
      all.fill(0);
      return null;
    }
    return all;
  }
  const reader = res.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    chunks.push(value);
    if (total > max) {
      for (const c of chunks) c.fill(0);
      await reader.cancel().catch(() => {});
      return null;
    }
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
    c.fill(0); // the answer may hold a value: one copy, handed to the core
  }
  return body;
}

/** Marks of failures that asking again does not fix (see the top of this file). */
const FINAL_MARKS = new Set(['cors', 'network']);

/**
 * What a rejected fetch was: 'timeout' (our abort; retried), 'cors' (a
 * TypeError with no cause: a page's CORS refusal or network failure, which
 * look alike), 'network' (a TypeError with a cause: Node's socket errors), or
 * 'error' (anything else a custom fetch threw; retried).
 */
function failureMark(e) {
  if (e?.name === 'AbortError') return 'timeout';
  if (e instanceof TypeError) return e.cause ? 'network' : 'cors';
  return 'error';
}

/**
 * The direct transport. It performs every job it is given: identical jobs are
 * merged by the vault before they get here, so this transport builds no key
 * out of a request (a key string would hold its tokens and credentials).
 * @param {{timeoutMs?: number, retries?: number, baseDelayMs?: number, maxResponseBytes?: number, fetch?: typeof fetch}} [opts]
 */
export function fetchTransport(options) {
  const opts = optionsObject('fetchTransport', options);
  const num = numberOptions('fetchTransport', opts);
  const timeoutMs = num('timeoutMs', 15000, 1, MAX_TIMER_MS);
  const retries = num('retries', 2, 0, 10, true);
  const baseDelayMs = num('baseDelayMs', 200, 0, 60000);
  // Above the core's own limit an answer would be read only to be refused there.
  const maxResponseBytes = num('maxResponseBytes', MAX_RESPONSE_BYTES, 1, MAX_RESPONSE_BYTES, true);
  if (opts.fetch !== undefined && typeof opts.fetch !== 'function') throw new TypeError('fetchTransport: fetch must be a function');
  const doFetch = opts.fetch ?? ((...a) => globalThis.fetch(...a));

  async function once(req) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    try {
      const res = await doFetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body === undefined || req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body,
        signal: ctl.signal,
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
      });
      const headers = [...res.headers.entries()];
      const body = await readCapped(res, maxResponseBytes);
      if (!body) return { status: res.status, headers, body: new Uint8Array(0), tooLarge: true };
      return { status: res.status, headers, body };
    } catch (e) {
      // status 0: the core reports "unreachable", with the mark's words.
      return { status: 0, headers: [['x-vaultlink-error', failureMark(e)]], body: new Uint8Array(0) };
    } finally {
      clearTimeout(timer);
    }
  }

  async function withRetries(job) {
    const req = typeof job.request === 'function' ? job.request() : job; // the only transport that makes a JS request
    let res;
    for (let attempt = 0; ; attempt++) {
      res = await once(req);
      const mark = res.status === 0 ? res.headers[0]?.[1] : '';
      const retryable = (res.status === 0 && !FINAL_MARKS.has(mark)) || res.status === 429 || res.status >= 500;
      if (!retryable || attempt >= retries) return res;
      res.body.fill(0);
      const ra = Number(new Map(res.headers).get('retry-after'));
      const delay = Number.isFinite(ra) && ra >= 0 ? Math.min(ra * 1000, 10000) : Math.min(baseDelayMs * 2 ** attempt * (0.5 + Math.random()), 60000);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  return {
    name: 'fetch',
    /** Never tunnels: createVault() loads the core without TLS for it. */
    tunnel: false,
    /** What createVaultInWorker() posts to its Worker, which makes the same
     * transport there (values then never pass through the page); null with a
     * custom `fetch`, which cannot be posted. */
    workerConfig: opts.fetch === undefined ? Object.freeze({ kind: 'fetch', timeoutMs, retries, baseDelayMs, maxResponseBytes }) : null,
    perform: withRetries,
  };
}
