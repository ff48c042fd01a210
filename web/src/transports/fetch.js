// The direct transport: runs one core job with fetch(), with a timeout, bounded
// retries with backoff and jitter on 429/5xx and network errors (honouring
// Retry-After), and one in-flight request per identical job.

/**
 * @param {{timeoutMs?: number, retries?: number, baseDelayMs?: number, fetch?: typeof fetch}} [opts]
 */
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
      const key = JSON.stringify([req.method, req.url, req.headers, req.body === undefined ? null : [...new Uint8Array(typeof req.body === 'string' ? new TextEncoder().encode(req.body) : req.body)].length]);
      let p = inflight.get(key);
      if (!p) {
        p = withRetries(req).finally(() => inflight.delete(key));
        inflight.set(key, p);
      }
      return p;
    },
  };
}
