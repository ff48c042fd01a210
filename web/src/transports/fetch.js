// The direct transport: runs one core job with fetch(), with a timeout, bounded
// retries with backoff and jitter on 429/5xx and network errors (honouring
// Retry-After), and one in-flight request per identical job.

/**
 * @param {{timeoutMs?: number, retries?: number, baseDelayMs?: number, fetch?: typeof fetch}} [opts]
 */
/** A key naming the whole request (method, URL, headers, body), or null for big bodies. */
function identity(req) {
  let body = '';
  if (typeof req.body === 'string') body = 's' + req.body;
  else if (req.body) {
    const b = req.body instanceof Uint8Array ? req.body : new Uint8Array(req.body);
    if (b.length > 65536) return null;
    body = 'b' + String.fromCharCode.apply(null, b.length ? Array.from(b) : []);
  }
  return JSON.stringify([req.method, req.url, req.headers, body]);
}

export function fetchTransport(opts = {}) {
  const timeoutMs = opts.timeoutMs ?? 15000;
  const retries = opts.retries ?? 2;
  const baseDelayMs = opts.baseDelayMs ?? 200;
  const doFetch = opts.fetch ?? ((...a) => globalThis.fetch(...a));
  const inflight = new Map();

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
      const body = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, headers: [...res.headers.entries()], body };
    } catch (e) {
      // status 0: network failure, CORS refusal or timeout (the core reports "unreachable").
      return { status: 0, headers: [['x-vaultlink-error', e && e.name === 'AbortError' ? 'timeout' : 'network']], body: new Uint8Array(0) };
    } finally {
      clearTimeout(timer);
    }
  }

  async function withRetries(req) {
    let res;
    for (let attempt = 0; ; attempt++) {
      res = await once(req);
      const retryable = res.status === 0 || res.status === 429 || res.status >= 500;
      if (!retryable || attempt >= retries) return res;
      const ra = Number(new Map(res.headers).get('retry-after'));
      const delay = Number.isFinite(ra) && ra >= 0 ? Math.min(ra * 1000, 10000) : baseDelayMs * 2 ** attempt * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  return {
    name: 'fetch',
    perform(req) {
      const key = identity(req);
      if (key === null) return withRetries(req);
      let p = inflight.get(key);
      if (!p) {
        p = withRetries(req).finally(() => inflight.delete(key));
        inflight.set(key, p);
      }
      return p;
    },
  };
}
