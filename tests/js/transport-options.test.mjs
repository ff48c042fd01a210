// The tunnel, fetch and route transports' options, without a relay: websockify's
// relay tokens as data (`tokens`), what each transport posts to a Worker vault
// (`workerConfig`), and a routeTransport's routing, close() and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchTransport, routeTransport, tunnelTransport } from '../../web/src/vault.js';
import { websockifyRelay, wispRelay } from '../../web/src/transports/relay.js';

const WS = 'ws://127.0.0.1:9/';
// A page's global WebSocket (Node 20 has none): the transports below take it
// by default, as in a browser, so their options can be posted to a Worker.
globalThis.WebSocket ??= class {};

/** A WebSocket class that records each URL it is asked to open and fails it. */
function recordingSocket(opened) {
  return class {
    constructor(url) {
      opened.push(url);
      throw new Error('not opened in this test');
    }
  };
}

test('tokens: the websockify token for host:port is looked up in the data (host in any case), none is refused', async () => {
  const opened = [];
  const t = tunnelTransport({ relay: WS, protocol: 'websockify', tokens: { 'Vault.Example:8200': 'tok/1' }, WebSocket: recordingSocket(opened) });
  const job = (host, port) => ({ tunnel: { scope: {}, addAnchors() {}, live: () => false, begin: () => ({ conn: 1, fresh: true }), abort() {} }, origin: () => ({ scheme: 'http', host, port }) });
  const a = job('vault.example', 8200);
  await t.perform(a);
  assert.deepEqual(opened, [`${WS}?token=tok%2F1`], 'the token of vault.example:8200, URL-encoded');
  await t.perform(job('other.example', 8200));
  assert.equal(opened.length, 1, 'no token: no WebSocket');
  t.close();
});

test('tokens are refused when malformed, named, and never beside tokenFor or with Wisp', () => {
  const make = (o) => () => tunnelTransport({ relay: WS, protocol: 'websockify', ...o });
  assert.throws(make({ tokens: { 'vault.example': 't' } }), /tokens key "vault.example" is not "host:port"/);
  assert.throws(make({ tokens: { 'h:99999999': 't' } }), /tokens key "h:99999999" is not "host:port"/);
  assert.throws(make({ tokens: { 'h:1': '' } }), /tokens\["h:1"\] must be a non-empty string/);
  assert.throws(make({ tokens: { 'h:1': 7 } }), /tokens\["h:1"\] must be a non-empty string/);
  assert.throws(make({ tokens: ['h:1'] }), /tokens must be an object/);
  assert.throws(make({ tokens: null }), /tokens must be an object/);
  assert.throws(make({ tokens: { 'h:1': 't' }, tokenFor: () => 't' }), /give tokens or tokenFor, not both/);
  assert.throws(() => tunnelTransport({ relay: WS, tokens: { 'h:1': 't' } }), /tokens name websockify targets/);
});

test('workerConfig: a tunnel with tokens can be posted (they are data); one with tokenFor, a WebSocket or a relay object cannot', () => {
  const withTokens = tunnelTransport({ relay: WS, protocol: 'websockify', tokens: { 'H:1': 'a' } });
  assert.deepEqual(structuredClone(withTokens.workerConfig), { kind: 'tunnel', relay: WS, protocol: 'websockify', trustAnchors: undefined, timeoutMs: 15000, maxPerOrigin: 4, idleMs: 30000, tokens: { 'h:1': 'a' } });
  assert.equal(Object.isFrozen(withTokens.workerConfig), true);
  assert.equal(tunnelTransport({ relay: WS, protocol: 'websockify', tokenFor: () => 'a' }).workerConfig, null);
  assert.equal(tunnelTransport({ relay: WS, WebSocket: class {} }).workerConfig, null);
  assert.equal(tunnelTransport({ relay: { open() {}, close() {} } }).workerConfig, null);
});

test('workerConfig: a fetch transport can be posted (its options), one with a custom fetch cannot', () => {
  const f = fetchTransport({ timeoutMs: 5000, retries: 0 });
  assert.deepEqual(structuredClone(f.workerConfig), { kind: 'fetch', timeoutMs: 5000, retries: 0, baseDelayMs: 200, maxResponseBytes: 4 * 1024 * 1024 });
  assert.equal(Object.isFrozen(f.workerConfig), true);
  assert.equal(fetchTransport({ fetch: globalThis.fetch }).workerConfig, null);
});

test('routeTransport: jobs go by provider, else to default; a route that is not a transport is refused, named', async () => {
  const seen = [];
  const rec = (name) => ({ tunnel: false, perform: async (job) => (seen.push([name, job.provider]), { status: 204, headers: [], body: new Uint8Array(0) }) });
  const route = routeTransport({ azure: rec('azure'), gcp: undefined, default: rec('default') });
  await route.perform({ provider: 'azure' });
  await route.perform({ provider: 'gcp' });
  await route.perform({ provider: undefined });
  assert.deepEqual(seen, [['azure', 'azure'], ['default', 'gcp'], ['default', undefined]]);
  assert.equal(route.tunnel, false, 'no route tunnels: the core without the tunnel will do');
  assert.equal(route.workerConfig, null, 'no route a Worker can make: a Worker vault sends every job back to the page');
  assert.throws(() => routeTransport({ azure: {}, default: rec('d') }), /routeTransport: routes\["azure"\] must be a transport/);
  assert.throws(() => routeTransport({ azure: rec('a') }), /routes.default must be a transport/);
});

test("routeTransport.workerConfig: each tunnel and fetch route's options (one object for a shared transport), null for the page's routes", () => {
  const tunnel = tunnelTransport({ relay: WS });
  const other = tunnelTransport({ relay: 'ws://127.0.0.1:10/', protocol: 'websockify', tokens: { 'h:1': 't' } });
  const route = routeTransport({ azure: tunnel, '1password': tunnel, aws: other, default: fetchTransport() });
  const { routes } = route.workerConfig;
  assert.equal(routes.azure, tunnel.workerConfig);
  assert.equal(routes['1password'], routes.azure, 'the same object: the Worker makes one tunnel for both');
  assert.equal(routes.aws, other.workerConfig);
  assert.deepEqual(routes.default, fetchTransport().workerConfig, 'a fetch route is made in the Worker too');
  const custom = routeTransport({ azure: tunnel, hashicorp: { perform() {} }, default: fetchTransport({ fetch: globalThis.fetch }) }).workerConfig.routes;
  assert.equal(custom.hashicorp, null, "a custom transport's jobs come back to the page");
  assert.equal(custom.default, null, 'so do those of a fetch transport with a custom fetch');
  const posted = structuredClone(route.workerConfig);
  assert.equal(posted.routes['1password'], posted.routes.azure, 'structured clone keeps the sharing');
  assert.equal(route.tunnel, true);
  // A tunnel route that cannot be posted: nothing for a Worker.
  assert.equal(routeTransport({ azure: tunnelTransport({ relay: WS, WebSocket: class {} }), aws: tunnel, default: fetchTransport() }).workerConfig, null);
});

test("routeTransport.close() closes each route's transport once", () => {
  let closed = 0;
  const shared = { perform() {}, close: () => closed++ };
  routeTransport({ azure: shared, '1password': shared, default: { perform() {} } }).close();
  assert.equal(closed, 1);
});

test('numeric options are checked when the transport is made, each refusal naming the option and the value', () => {
  const bad = [
    [() => fetchTransport({ timeoutMs: 0 }), /^fetchTransport: timeoutMs must be a number in 1\.\.2147483647, got 0$/],
    // Past setTimeout's limit a timer fires at once: every attempt would time out.
    [() => fetchTransport({ timeoutMs: 1e10 }), /timeoutMs must be a number in 1\.\.2147483647, got 10000000000/],
    [() => fetchTransport({ timeoutMs: '5000' }), /timeoutMs .* got string/],
    [() => fetchTransport({ retries: Infinity }), /^fetchTransport: retries must be an integer in 0\.\.10, got Infinity$/],
    [() => fetchTransport({ retries: 1.5 }), /retries must be an integer/],
    [() => fetchTransport({ baseDelayMs: NaN }), /baseDelayMs must be a number in 0\.\.60000, got NaN/],
    [() => fetchTransport({ maxResponseBytes: 5 * 1024 * 1024 }), /maxResponseBytes must be an integer in 1\.\.4194304, got 5242880/],
    [() => fetchTransport({ fetch: 'fetch' }), /^fetchTransport: fetch must be a function$/],
    [() => fetchTransport(null), /^fetchTransport: options must be an object$/],
    [() => tunnelTransport({ relay: WS, timeoutMs: -1 }), /^tunnelTransport: timeoutMs must be a number in 1\.\.2147483647, got -1$/],
    [() => tunnelTransport({ relay: WS, maxPerOrigin: 0 }), /^tunnelTransport: maxPerOrigin must be an integer in 1\.\.64, got 0$/],
    [() => tunnelTransport({ relay: WS, idleMs: null }), /^tunnelTransport: idleMs must be a number in 0\.\.2147483647, got null$/],
    [() => tunnelTransport(7), /^tunnelTransport: options must be an object$/],
    [() => wispRelay(WS, { connectTimeoutMs: 0 }), /^relay: connectTimeoutMs must be a number in 1\.\.2147483647, got 0$/],
    [() => websockifyRelay(WS, { tokenFor: () => 't', connectTimeoutMs: 2 ** 31 }), /^relay: connectTimeoutMs must be a number in 1\.\.2147483647, got 2147483648$/],
  ];
  for (const [make, message] of bad) assert.throws(make, (e) => e instanceof TypeError && message.test(e.message), String(make));
  // In range, and the defaults, are taken as given.
  assert.deepEqual(structuredClone(fetchTransport({ timeoutMs: 1, retries: 10, baseDelayMs: 0, maxResponseBytes: 1 }).workerConfig), { kind: 'fetch', timeoutMs: 1, retries: 10, baseDelayMs: 0, maxResponseBytes: 1 });
  assert.deepEqual(structuredClone(fetchTransport().workerConfig), { kind: 'fetch', timeoutMs: 15000, retries: 2, baseDelayMs: 200, maxResponseBytes: 4 * 1024 * 1024 });
  const t = tunnelTransport({ relay: WS, idleMs: 0, maxPerOrigin: 64 });
  assert.equal(t.workerConfig.idleMs, 0);
  assert.equal(t.workerConfig.maxPerOrigin, 64);
  t.close();
});
