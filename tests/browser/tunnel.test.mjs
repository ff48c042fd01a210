// The tunnel transport in real Chromium (issue #12 §5): a page reaches every
// provider over HTTPS — AWS (and AWS through STS AssumeRole), HashiCorp Vault,
// Azure Key Vault and 1Password Connect (which send no CORS headers), GCP and
// sealed envelopes — through the real wisp-js relay and through Debian's
// websockify, with the browser's own WebSocket; and from a Worker vault
// (createVaultInWorker), whose Worker makes the tunnel itself, the page
// opening no WebSocket. Then a heap snapshot: no token and no value anywhere
// in the page's heap.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrowserBed, snapshotStrings } from './setup.mjs';
import { startHttpsDemoServices, sharedTestTls, startSealedServer, startRoleAws } from '../emulators/tls.mjs';
import { startWispRelay, startWebsockify, capturedContains } from '../relays.mjs';
import { DEMO_AWS_KEY, DEMO_VAULT_TOKEN, DEMO_TOKENS, DEMO_1P } from '../demo-services.mjs';
import { sealForRecipient } from '../../web/src/seal.js';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/PageReader`;
const STS_KEY = { accessKeyId: 'AKIAPAGESTS000000001', secretAccessKey: 'page-sts-secret-access-key-NOT-REAL' };
const ROLE_SECRET = { name: 'page/role-only', suffix: 'R0le11', string: 'page-role-value-NOT-REAL' };
const SEALED = { value: 'page-sealed-value-NOT-REAL', ref: 'page/sealed', token: 'page-relay-token-NOT-REAL' };

const VALUES = {
  'aws-stripe': 'demo-aws-stripe-key-NOT-REAL',
  'vault-api-key': 'demo-vault-api-key-NOT-REAL',
  'azure-secret': 'demo-azure-secret-NOT-REAL',
  'gcp-api-key': 'demo-gcp-api-key-NOT-REAL',
  'op-credential': 'demo-1password-credential-NOT-REAL',
};
const CREDENTIALS = [DEMO_AWS_KEY.secretAccessKey, DEMO_VAULT_TOKEN, DEMO_TOKENS.azure, DEMO_TOKENS.gcp, DEMO_1P.token, STS_KEY.secretAccessKey, SEALED.token];
VALUES.sealed = SEALED.value;
const bytes = (s) => [...Buffer.from(s, 'utf8')];

let bed, demo, tls, sts, sealedSrv;
before(async () => {
  tls = await sharedTestTls();
  demo = await startHttpsDemoServices({ tls });
  // AWS with a role (STS AssumeRole first) and a sealed-envelope server, both HTTPS on localhost.
  sts = await startRoleAws({ tls, account: ACCOUNT, key: STS_KEY, role: ROLE, secret: ROLE_SECRET });
  sealedSrv = await startSealedServer({ tls, token: SEALED.token });
  VALUES.role = ROLE_SECRET.string;
  bed = await startBrowserBed();
});
after(async () => {
  await bed?.close();
  await demo?.close();
  await sts?.close();
  await sealedSrv?.close();
});

function config(relay, protocol, tokens) {
  const info = demo.services.map((s) => s.info).filter(Boolean);
  const links = [];
  for (const i of info) for (const l of i.links ?? []) if (VALUES[l.name]) links.push([l.name, bytes(JSON.stringify(l.source))]);
  links.push(['sealed', bytes(JSON.stringify({ provider: 'sealed', sealed: { url: `${sealedSrv.url}/e/1`, reference: SEALED.ref } }))]);
  const connects = info.map((i) => [i.provider, bytes(JSON.stringify(i.connect))]);
  connects.push(['sealed', bytes(JSON.stringify({ origin: sealedSrv.origin, headers: { Authorization: `Bearer ${SEALED.token}` } }))]);
  return {
    relay,
    protocol,
    tokens,
    ca: tls.ca,
    // the role link rides on a second AWS connection: its own emulator, STS first
    role: { connect: bytes(JSON.stringify({ ...STS_KEY, endpoint: sts.url })), link: bytes(JSON.stringify({ provider: 'aws', aws: { secretArn: sts.secretArn, roleArn: ROLE } })), expected: bytes(ROLE_SECRET.string) },
    connects,
    links,
    expected: bytes(links.map(([n]) => VALUES[n]).join('|')),
    rounds: 3,
  };
}

const destinations = () =>
  [...demo.services.map((s) => s.url), sts.url, sealedSrv.url].map((url) => {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port) };
  });

async function runInPage(cfg, captured) {
  const page = await bed.page('/test/tunnel.html');
  await page.waitForSelector('body[data-ready="yes"]');
  const { publicKey } = await page.evaluate((c) => window.tunnel.prepare(c), cfg);
  sealedSrv.serve(await sealForRecipient({ publicKey: Uint8Array.from(publicKey) }, SEALED.ref, SEALED.value, { ttlSeconds: 300 }));
  const verdicts = await page.evaluate((c) => window.tunnel.run(c), cfg);
  const pageSockets = await page.evaluate(() => window.tunnel.pageSockets());
  if (cfg.inWorker) assert.equal(pageSockets, 0, 'a Worker vault tunnels from its Worker: the page opens no WebSocket');
  else assert.ok(pageSockets > 0);
  assert.equal(cfg.links.length, 6);
  for (const v of verdicts) {
    assert.deepEqual(v.unresolved, []);
    assert.equal(v.ok, true, 'every provider resolved in the page');
  }
  // The relay carried only TLS records.
  const leaks = [...Object.values(VALUES), ...CREDENTIALS, 'Bearer ', 'X-Vault-Token', 'Signature='].filter((s) => capturedContains(captured, s));
  assert.deepEqual(leaks, []);
  // And the page's heap holds no token and no value (the results were checked and dropped).
  const cdp = await page.context().newCDPSession(page);
  const strings = await snapshotStrings(cdp);
  const found = [...Object.values(VALUES), ...CREDENTIALS].filter((s) => strings.some((x) => x.includes(s)));
  assert.deepEqual(found, [], 'no value or credential left in the page heap');
  await page.close();
  return verdicts;
}

test('Chromium, Wisp v1 (wisp-js): every provider, Azure and 1Password included, resolves in the page', async () => {
  const relay = await startWispRelay({ allow: destinations(), capture: true });
  try {
    const v = await runInPage(config(relay.url, 'wisp'), relay.captured);
    assert.ok(v[1].ms < v[0].ms * 2, 'warm rounds reuse the connections');
  } finally {
    await relay.close();
  }
  assert.deepEqual(bed.errors, []);
});

test('Chromium, Wisp v1: a Worker vault (createVaultInWorker) makes the tunnel in its Worker; every provider resolves', async () => {
  const relay = await startWispRelay({ allow: destinations(), capture: true });
  try {
    await runInPage({ ...config(relay.url, 'wisp'), inWorker: true }, relay.captured);
  } finally {
    await relay.close();
  }
  assert.deepEqual(bed.errors, []);
});

/** Every provider through Debian's websockify (a token file naming each emulator), in the page or from a Worker vault. */
async function websockifyCase(inWorker) {
  const targets = {};
  destinations().forEach((d, i) => (targets[`p${i}`] = `${d.host}:${d.port}`));
  const relay = await startWebsockify({ targets, capture: true });
  try {
    const tokens = Object.fromEntries(destinations().map((d) => [`${d.host}:${d.port}`, relay.tokenFor(d.host, d.port)]));
    await runInPage({ ...config(relay.url, 'websockify', tokens), inWorker }, relay.captured);
  } finally {
    await relay.close();
  }
  assert.deepEqual(bed.errors, []);
}

test('Chromium, websockify: a Worker vault gets its relay tokens as data (tokens) and tunnels from its Worker; every provider resolves', () => websockifyCase(true));

test('Chromium, Wisp v1: a Worker vault with a routeTransport makes its tunnel routes in the Worker and sends the others back to this page, by provider', async () => {
  const relay = await startWispRelay({ allow: destinations(), capture: true });
  try {
    const cfg = config(relay.url, 'wisp');
    const want = { 'aws-stripe': bytes(VALUES['aws-stripe']), 'op-credential': bytes(VALUES['op-credential']) };
    const page = await bed.page('/test/tunnel.html');
    await page.waitForSelector('body[data-ready="yes"]');
    const r = await page.evaluate((c) => window.tunnel.routeRun(c), { ...cfg, want });
    assert.deepEqual(r.resolved, ['aws-stripe', 'op-credential'], 'the tunnelled routes resolved, in the Worker');
    assert.deepEqual(r.unresolved.map(([n]) => n).sort(), ['azure-secret', 'vault-api-key']);
    for (const [, reason] of r.unresolved) assert.equal(reason, 'unreachable');
    // Each page route got its own provider's job (the Worker names the provider; the page routes by it).
    assert.deepEqual(r.seen.map((s) => [s.route, s.provider]).sort(), [['default', 'azure'], ['hashicorp', 'hashicorp']]);
    // Posted: the one tunnel for both of its routes, null for the page's.
    assert.deepEqual(Object.fromEntries(r.config), { aws: relay.url, '1password': relay.url, hashicorp: null, default: null });
    assert.equal(await page.evaluate(() => window.tunnel.pageSockets()), 0, 'the tunnel routes ran in the Worker: no WebSocket in the page');
    const leaks = [...Object.values(VALUES), ...CREDENTIALS, 'Bearer ', 'Signature='].filter((s) => capturedContains(relay.captured, s));
    assert.deepEqual(leaks, []);
    const cdp = await page.context().newCDPSession(page);
    const strings = await snapshotStrings(cdp);
    const found = [VALUES['aws-stripe'], VALUES['op-credential'], DEMO_AWS_KEY.secretAccessKey, DEMO_1P.token].filter((s) => strings.some((x) => x.includes(s)));
    assert.deepEqual(found, [], "the tunnel routes' values and credentials never reached the page heap");
    await page.close();
  } finally {
    await relay.close();
  }
  assert.deepEqual(bed.errors, []);
});

test('Chromium: a tunnelTransport that cannot be sent to a Worker, alone or as a routeTransport route, is refused by createVaultInWorker(), naming why', async () => {
  const page = await bed.page('/test/tunnel.html');
  await page.waitForSelector('body[data-ready="yes"]');
  const errs = await page.evaluate(async () => {
    const { createVaultInWorker, tunnelTransport, routeTransport, fetchTransport } = await import('/src/vault.js');
    const stuck = tunnelTransport({ relay: 'ws://127.0.0.1:9/', protocol: 'websockify', tokenFor: () => 't' });
    const out = [];
    for (const transport of [stuck, routeTransport({ azure: stuck, default: fetchTransport() })]) {
      try {
        await createVaultInWorker({ transport });
        out.push(null);
      } catch (e) {
        out.push({ code: e.code, message: e.message, config: transport.workerConfig });
      }
    }
    return out;
  });
  for (const err of errs) {
    assert.equal(err.code, 'bad_argument');
    assert.match(err.message, /a tunnelTransport for a Worker vault needs a relay URL and no relay object, WebSocket or tokenFor/);
    assert.equal(err.config, null);
  }
  assert.doesNotMatch(errs[0].message, /route/);
  assert.match(errs[1].message, /^vaultlink: options\.transport: routeTransport route "azure": /, 'the route is named');
  await page.close();
});

test('Chromium, websockify with a token file: every provider resolves in the page (tokenFor)', () => websockifyCase(false));
