// The direct fetch transport: timeouts, bounded retries with backoff on
// 429/5xx/timeouts (never a fetch TypeError), Retry-After, one request per job.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { fetchTransport } from '../../web/src/transports/fetch.js';

let server;
let base;
const hits = new Map();
const plan = new Map(); // path → array of [status, headers] answered in turn

before(async () => {
  server = http.createServer((req, res) => {
    hits.set(req.url, (hits.get(req.url) ?? 0) + 1);
    const steps = plan.get(req.url) ?? [];
    const [status, headers, delay] = steps.shift() ?? [200, {}, 0];
    setTimeout(() => {
      res.writeHead(status, headers);
      res.end(`answer ${status}`);
    }, delay ?? 0);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((r) => server.close(r)));

const get = (path) => ({ method: 'GET', url: base + path, headers: [], body: undefined });

test('429 with Retry-After is retried after the delay it names', async () => {
  plan.set('/ra', [[429, { 'Retry-After': '0' }], [200, {}]]);
  const t = fetchTransport({ baseDelayMs: 1 });
  const r = await t.perform(get('/ra'));
  assert.equal(r.status, 200);
  assert.equal(hits.get('/ra'), 2);
  assert.equal(new TextDecoder().decode(r.body), 'answer 200');
});

test('5xx is retried a bounded number of times, then the last answer is returned', async () => {
  plan.set('/5xx', [[503, {}], [503, {}], [503, {}], [503, {}]]);
  const r = await fetchTransport({ retries: 2, baseDelayMs: 1 }).perform(get('/5xx'));
  assert.equal(r.status, 503);
  assert.equal(hits.get('/5xx'), 3);
});

test('4xx other than 429 is not retried', async () => {
  plan.set('/403', [[403, {}], [200, {}]]);
  const r = await fetchTransport({ baseDelayMs: 1 }).perform(get('/403'));
  assert.equal(r.status, 403);
  assert.equal(hits.get('/403'), 1);
});

test('a job that times out reports status 0 and "timeout"', async () => {
  plan.set('/slow', [[200, {}, 300], [200, {}, 300]]);
  const r = await fetchTransport({ timeoutMs: 50, retries: 1, baseDelayMs: 1 }).perform(get('/slow'));
  assert.equal(r.status, 0);
  assert.deepEqual(r.headers, [['x-vaultlink-error', 'timeout']]);
});

test('network errors report status 0 and "network", without retrying', async () => {
  const r = await fetchTransport({ retries: 1, baseDelayMs: 1 }).perform({ method: 'GET', url: 'http://127.0.0.1:9/', headers: [] });
  assert.equal(r.status, 0);
  assert.deepEqual(r.headers, [['x-vaultlink-error', 'network']]);
});

test('the fetch transport performs every job it is given (the vault merges identical ones; no key string)', async () => {
  plan.set('/same', [[200, {}, 50], [200, {}, 50]]);
  const t = fetchTransport();
  const [a, b] = await Promise.all([t.perform(get('/same')), t.perform(get('/same'))]);
  assert.equal(hits.get('/same'), 2);
  assert.notEqual(a.body, b.body, 'each answer is its own buffer (the vault zeroes each after use)');
});

test('requests that differ only in body bytes are not merged', async () => {
  plan.set('/body', [[200, {}, 30], [200, {}, 30]]);
  const t = fetchTransport();
  const mk = (s) => ({ method: 'POST', url: base + '/body', headers: [], body: new TextEncoder().encode(s) });
  await Promise.all([t.perform(mk('aaaa')), t.perform(mk('bbbb'))]);
  assert.equal(hits.get('/body'), 2);
});

// ---- no retry on a fetch TypeError (issue 13 §8) ----

/** A fetch that answers from a script and counts its calls. */
function scripted(steps) {
  const f = async (url, init) => {
    f.calls++;
    const step = steps.shift();
    if (step instanceof Error || step?.name === 'AbortError') throw step;
    if (step === 'hang') {
      return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }
    const [status, headers] = step ?? [200, {}];
    return new Response(`answer ${status}`, { status, headers });
  };
  f.calls = 0;
  return f;
}

const job = { method: 'GET', url: 'https://vault.example.net/secrets/x', headers: [] };

test('a TypeError from fetch (what a page sees for CORS) is tried once and marked "cors"', async () => {
  const f = scripted([new TypeError('Failed to fetch'), [200, {}], [200, {}]]);
  const r = await fetchTransport({ fetch: f, retries: 2, baseDelayMs: 1 }).perform(job);
  assert.equal(f.calls, 1);
  assert.equal(r.status, 0);
  assert.deepEqual(r.headers, [['x-vaultlink-error', 'cors']]);
});

test('a TypeError with a socket cause (Node) is tried once and marked "network"', async () => {
  const f = scripted([new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }), [200, {}]]);
  const r = await fetchTransport({ fetch: f, retries: 2, baseDelayMs: 1 }).perform(job);
  assert.equal(f.calls, 1);
  assert.deepEqual(r.headers, [['x-vaultlink-error', 'network']]);
});

test('5xx, 429, timeouts and other throws keep their retries (counted at fetch)', async () => {
  const f5 = scripted([[503, {}], [502, {}], [200, {}]]);
  assert.equal((await fetchTransport({ fetch: f5, retries: 2, baseDelayMs: 1 }).perform(job)).status, 200);
  assert.equal(f5.calls, 3);
  const f429 = scripted([[429, { 'Retry-After': '0' }], [429, {}], [429, {}], [200, {}]]);
  assert.equal((await fetchTransport({ fetch: f429, retries: 2, baseDelayMs: 1 }).perform(job)).status, 429);
  assert.equal(f429.calls, 3);
  const slow = scripted(['hang', [200, {}]]);
  assert.equal((await fetchTransport({ fetch: slow, timeoutMs: 20, retries: 2, baseDelayMs: 1 }).perform(job)).status, 200);
  assert.equal(slow.calls, 2);
  const odd = scripted([new RangeError('custom fetch failed'), [200, {}]]);
  assert.equal((await fetchTransport({ fetch: odd, retries: 2, baseDelayMs: 1 }).perform(job)).status, 200);
  assert.equal(odd.calls, 2);
});
