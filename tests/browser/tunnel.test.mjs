// The tunnel transport in real Chromium (issue #12 §5): a page reaches every
// HTTPS emulator — Azure Key Vault and 1Password Connect included, which send
// no CORS headers — through the real wisp-js relay and through Debian's
// websockify, with the browser's own WebSocket. Then a heap snapshot: no
// token and no value anywhere in the page's heap.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrowserBed, snapshotStrings } from './setup.mjs';
import { startHttpsDemoServices, sharedTestTls } from '../emulators/tls.mjs';
import { startWispRelay, startWebsockify, capturedContains } from '../relays.mjs';
import { DEMO_AWS_KEY, DEMO_VAULT_TOKEN, DEMO_TOKENS, DEMO_1P } from '../demo-services.mjs';

const VALUES = {
  'aws-stripe': 'demo-aws-stripe-key-NOT-REAL',
  'vault-api-key': 'demo-vault-api-key-NOT-REAL',
  'azure-secret': 'demo-azure-secret-NOT-REAL',
  'gcp-api-key': 'demo-gcp-api-key-NOT-REAL',
  'op-credential': 'demo-1password-credential-NOT-REAL',
};
const CREDENTIALS = [DEMO_AWS_KEY.secretAccessKey, DEMO_VAULT_TOKEN, DEMO_TOKENS.azure, DEMO_TOKENS.gcp, DEMO_1P.token];
const bytes = (s) => [...Buffer.from(s, 'utf8')];

let bed, demo, tls;
before(async () => {
  tls = await sharedTestTls();
  demo = await startHttpsDemoServices({ tls });
  bed = await startBrowserBed();
});
after(async () => {
  await bed?.close();
  await demo?.close();
});

function config(relay, protocol, tokens) {
  const info = demo.services.map((s) => s.info).filter(Boolean);
  const links = [];
  for (const i of info) for (const l of i.links ?? []) if (VALUES[l.name]) links.push([l.name, bytes(JSON.stringify(l.source))]);
  return {
    relay,
    protocol,
    tokens,
    ca: tls.ca,
    connects: info.map((i) => [i.provider, bytes(JSON.stringify(i.connect))]),
    links,
    expected: bytes(links.map(([n]) => VALUES[n]).join('|')),
    rounds: 3,
  };
}

const destinations = () =>
  demo.services.map((s) => {
    const u = new URL(s.url);
    return { host: u.hostname, port: Number(u.port) };
  });

async function runInPage(cfg, captured) {
  const page = await bed.page('/test/tunnel.html');
  await page.waitForSelector('body[data-ready="yes"]');
  const verdicts = await page.evaluate((c) => window.tunnel.run(c), cfg);
  assert.equal(Object.keys(cfg.links).length, 5);
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

test('Chromium, websockify with a token file: every provider resolves in the page', async () => {
  const targets = {};
  destinations().forEach((d, i) => (targets[`p${i}`] = `${d.host}:${d.port}`));
  const relay = await startWebsockify({ targets, capture: true });
  try {
    const tokens = Object.fromEntries(destinations().map((d) => [`${d.host}:${d.port}`, relay.tokenFor(d.host, d.port)]));
    await runInPage(config(relay.url, 'websockify', tokens), relay.captured);
  } finally {
    await relay.close();
  }
  assert.deepEqual(bed.errors, []);
});
