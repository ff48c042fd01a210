// The demo as a product, in Chromium against the local AWS emulator: linking
// through the per-provider form, connecting, sending with a fetched secret,
// the unresolved reasons, re-authentication after expiry, the cache, masking,
// import/export and Postman import. Screenshots go to build/screenshots/.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { DEMO_1P, DEMO_AWS_SECRETS, DEMO_VAULT_SECRETS } from '../demo-services.mjs';
import { startBrowserBed } from './setup.mjs';

const SHOTS = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'build', 'screenshots');
const MASK = '••••••';
const STRIPE = DEMO_AWS_SECRETS.stripe.string;
const DB_PASSWORD = JSON.parse(DEMO_AWS_SECRETS.db.string).password;
const arnOf = (s) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${s.name}-${s.suffix}`;

let bed;
let awsUrl;

before(async () => {
  bed = await startBrowserBed();
  awsUrl = bed.demo.services.aws;
  assert.ok(awsUrl, 'the demo starts the AWS emulator');
  await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  await bed?.close();
});

/** A fresh demo page; `aws` counts the Secrets Manager calls it makes. */
async function openDemo() {
  const page = await bed.browser.newPage();
  page.on('pageerror', (e) => bed.errors.push(`product: ${e.message}`));
  // Counted at the emulator: with the tunnel (the default) the page itself
  // sends nothing to AWS (TLS runs in wasm and leaves through the relay).
  const calls = () => bed.demo.emulators.aws.state.calls.filter((c) => c.operation === 'secretsmanager.GetSecretValue');
  const base = calls().length;
  const aws = {
    get length() {
      return calls().length - base;
    },
    toString: () => `${calls().length - base} GetSecretValue calls`,
  };
  await page.goto(`${bed.origin}/demo/`);
  await page.waitForSelector('body[data-state="ready"]');
  await page.waitForSelector('.provider-card[data-provider="aws"]');
  return { page, aws };
}

/** Replaces the request with one that only hits the echo server. */
async function setRequest(page, { url, headers = [], body = '' }) {
  for (const b of await page.$$('#headers .h-remove')) await b.click();
  await page.selectOption('#method', 'POST');
  await page.fill('#url', url);
  for (const [n, v] of headers) {
    await page.click('#add-header');
    const row = page.locator('#headers .header-row').last();
    await row.locator('.h-name').fill(n);
    await row.locator('.h-value').fill(v);
  }
  await page.fill('#body', body);
}

async function sendAndEcho(page, path) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(`${bed.origin}${path}`) && r.request().method() === 'POST'),
    page.click('#send'),
  ]);
  const echo = await res.json();
  await page.waitForSelector('#echo:not([hidden])');
  return echo;
}

async function connectAws(page, { expiresIn } = {}) {
  const card = page.locator('.provider-card[data-provider="aws"]');
  if (expiresIn !== undefined) {
    await card.locator('summary').click();
    await card.locator('[data-key="expiresAt"]').fill(String(expiresIn));
  }
  await card.locator('.connect').click();
  await page.waitForSelector('.provider-card[data-provider="aws"][data-state="connected"]');
}

const unresolvedRows = (page) =>
  page.$$eval('#unresolved tbody tr', (trs) => trs.map((tr) => [tr.dataset.name, tr.children[1].textContent, tr.dataset.reason]));

test('link an AWS secret through the form: bad references are refused with the core message', async () => {
  const { page } = await openDemo();
  await page.selectOption('#new-provider', 'aws');
  await page.waitForSelector('#link-fields[data-provider="aws"] [data-key="secretArn"]');
  await page.fill('#new-name', 'my-aws');
  await page.fill('#new-secretArn', 'arn:aws:secretsmanager:us-east-1:123:secret:x');
  await page.click('#add-form button[type=submit]');
  const err = await page.textContent('#form-msg');
  assert.match(err, /arn|account|secret/i, `error shown: ${err}`);
  assert.equal(await page.$('#secrets .secret[data-name="my-aws"]'), null);

  await page.fill('#new-secretArn', '');
  await page.click('#add-form button[type=submit]');
  assert.match(await page.textContent('#form-msg'), /Secret ARN is required/);

  await page.fill('#new-name', 'my-aws');
  await page.fill('#new-secretArn', arnOf(DEMO_AWS_SECRETS.db));
  await page.selectOption('#new-format', 'json');
  await page.fill('#new-key', 'username');
  await page.fill('#new-domains', 'http://127.0.0.1');
  await page.click('#add-form button[type=submit]');
  await page.waitForSelector('#secrets .secret[data-name="my-aws"][data-provider="aws"]');
  const row = await page.textContent('#secrets .secret[data-name="my-aws"]');
  assert.match(row, /demo\/database-Dm0Dbx \(key username\)/);
  assert.match(row, /http:\/\/127\.0\.0\.1/);
  await page.close();
});

test('connect AWS (emulator pre-filled), send with a fetched secret, cache shows its time left', async () => {
  const { page, aws } = await openDemo();
  await setRequest(page, {
    url: `${bed.origin}/echo/aws?k={{vault:aws-stripe}}`,
    headers: [['X-Db', '{{vault:aws-db-password}}']],
    body: '{"k":"{{vault:aws-stripe}}"}',
  });
  // Not connected yet: the preview says so and nothing is fetched.
  await page.waitForSelector('#url-preview .tok.bad[data-reason="not_connected"]');
  await connectAws(page);
  // Connected: the preview marks the reference as fetched on Send, still without fetching.
  await page.waitForSelector('#url-preview .tok.pending');
  assert.equal(aws.length, 0, 'previews never call the provider');

  const echo = await sendAndEcho(page, '/echo/aws');
  assert.equal(decodeURIComponent(echo.url), `/echo/aws?k=${STRIPE}`);
  assert.deepEqual(echo.headers.find(([n]) => n === 'X-Db'), ['X-Db', DB_PASSWORD]);
  assert.equal(echo.body, `{"k":"${STRIPE}"}`);
  assert.equal(aws.length, 2, `one GetSecretValue per external secret: ${aws}`);
  assert.ok(!(await page.textContent('#echo-out')).includes(STRIPE), 'the echo view masks the value');

  await page.waitForSelector('#cache li[data-name="aws-stripe"]');
  const left = await page.textContent('#cache li[data-name="aws-stripe"] .left');
  assert.match(left, /^(59 min \d\d s|1 h 00 min)$/, `time left: ${left}`);
  assert.match(await page.textContent('.provider-card[data-provider="aws"] .expiry'), /expires in 1 h 59 min|expires in 2 h 00 min/);

  // A second send comes from the cache.
  await sendAndEcho(page, '/echo/aws');
  assert.equal(aws.length, 2, 'cached: no new provider call');
  await page.screenshot({ path: join(SHOTS, 'product-connected.png'), fullPage: true });
  await page.close();
});

test('unresolved references carry their reasons', async () => {
  const { page } = await openDemo();
  await setRequest(page, {
    url: `${bed.origin}/echo/reasons`,
    body: ['aws-stripe', 'stripe-key', 'old-token', 'nope', 'aws-other-team'].map((n) => `{{vault:${n}}}`).join(' '),
  });
  await page.click('#resolve');
  await page.waitForSelector('#result:not([hidden])');
  assert.deepEqual(await unresolvedRows(page), [
    ['aws-stripe', 'body', 'not_connected'],
    ['stripe-key', 'body', 'domain_not_allowed'],
    ['old-token', 'body', 'disabled'],
    ['nope', 'body', 'unknown'],
    ['aws-other-team', 'body', 'not_connected'],
  ]);
  await connectAws(page);
  await page.click('#resolve');
  await page.waitForFunction(() => document.querySelectorAll('#unresolved tbody tr').length === 4);
  const rows = await unresolvedRows(page);
  assert.deepEqual(rows.find((r) => r[0] === 'aws-other-team'), ['aws-other-team', 'body', 'permission_denied']);
  assert.ok(!rows.some((r) => r[0] === 'aws-stripe'), 'aws-stripe resolves once connected');
  await page.screenshot({ path: join(SHOTS, 'product-reasons.png'), fullPage: true });
  await page.close();
});

test('expired credentials ask for re-authentication; Re-authenticate and Reset cache work', async () => {
  const { page, aws } = await openDemo();
  await setRequest(page, { url: `${bed.origin}/echo/reauth`, body: '{{vault:aws-stripe}}' });
  await connectAws(page, { expiresIn: 2 });
  assert.match(await page.textContent('.provider-card[data-provider="aws"] .expiry'), /expires in [12] s/);
  assert.equal((await sendAndEcho(page, '/echo/reauth')).body, STRIPE);
  await page.waitForSelector('#cache li[data-name="aws-stripe"]');

  // The status poll notices the expiry.
  await page.waitForSelector('.provider-card[data-provider="aws"][data-state="reauth"]', { timeout: 10_000 });
  assert.equal(await page.textContent('.provider-card[data-provider="aws"] .state'), 'reauthentication required');
  assert.equal(await page.textContent('.provider-card[data-provider="aws"] .connect'), 'Re-authenticate');

  // Reset cache: the cached value goes, the next send needs the provider.
  await page.click('#reset-cache');
  await page.waitForSelector('#cache li.empty');
  assert.equal((await sendAndEcho(page, '/echo/reauth')).body, '{{vault:aws-stripe}}');
  assert.deepEqual(await unresolvedRows(page), [['aws-stripe', 'body', 'reauth_required']]);
  await page.screenshot({ path: join(SHOTS, 'product-reauth.png'), fullPage: true });

  const before = aws.length;
  await page.click('.provider-card[data-provider="aws"] .connect');
  await page.waitForSelector('.provider-card[data-provider="aws"][data-state="connected"]');
  assert.equal((await sendAndEcho(page, '/echo/reauth')).body, STRIPE);
  assert.equal(aws.length, before + 1, 'fetched again after the reset');

  // Disconnect wipes credentials and cached values.
  await page.click('.provider-card[data-provider="aws"] .disconnect');
  await page.waitForSelector('.provider-card[data-provider="aws"][data-state="disconnected"]');
  await page.waitForSelector('#cache li.empty');
  await page.close();
});

test('the cache expiration setting applies to values cached from then on', async () => {
  const { page } = await openDemo();
  await connectAws(page);
  await page.fill('#cache-ttl', '0');
  await page.click('#ttl-form button[type=submit]');
  assert.match(await page.textContent('#cache-msg'), /1\.\.525600/);
  await page.fill('#cache-ttl', '5');
  await page.click('#ttl-form button[type=submit]');
  assert.match(await page.textContent('#cache-msg'), /5 minutes/);
  await setRequest(page, { url: `${bed.origin}/echo/ttl`, body: '{{vault:aws-stripe}}' });
  await sendAndEcho(page, '/echo/ttl');
  await page.waitForSelector('#cache li[data-name="aws-stripe"]');
  assert.match(await page.textContent('#cache li[data-name="aws-stripe"] .left'), /^[45] min \d\d s$/);
  await page.close();
});

test('copy as cURL and previews mask vault values without fetching them', async () => {
  const { page, aws } = await openDemo();
  await connectAws(page);
  await setRequest(page, {
    url: `${bed.origin}/echo/curl?u={{vault:api-user}}&k={{vault:aws-stripe}}`,
    headers: [['Authorization', 'Bearer {{vault:echo-token}}']],
    body: '{"p":"{{vault:aws-db-password}}","o":"{{other}}"}',
  });
  await page.waitForSelector('#url-preview .tok.pending');
  await page.click('#copy-curl');
  const curl = await page.textContent('#curl');
  assert.equal(
    curl,
    [
      'curl -X POST',
      `'${bed.origin}/echo/curl?u=${MASK}&k=${MASK}'`,
      `-H 'Authorization: Bearer ${MASK}'`,
      `--data-raw '{"p":"${MASK}","o":"{{other}}"}'`,
    ].join(' \\\n  '),
  );
  for (const v of [STRIPE, DB_PASSWORD, 'demo-user-42', 'demo-echo-token-456']) assert.ok(!curl.includes(v), `cURL has no ${v}`);
  assert.equal(aws.length, 0, 'neither the previews nor the cURL fetched anything');
  assert.deepEqual(await page.$$eval('#cache li[data-name]', (l) => l.length), 0, 'nothing cached');
  await page.close();
});

test('export and import link definitions round-trip (never values)', async () => {
  const { page } = await openDemo();
  const before = await page.evaluate(() => [...document.querySelectorAll('#secrets .secret')].map((e) => e.dataset.name));
  await page.click('#export');
  const text = await page.inputValue('#io-text');
  const doc = JSON.parse(text);
  assert.equal(doc.vaultlink, 'links');
  const names = doc.links.map((l) => l.name).sort();
  const external = await page.$$eval('#secrets .secret:not([data-provider="local"])', (e) => e.map((x) => x.dataset.name).sort());
  assert.deepEqual(names, external);
  for (const n of ['aws-db-password', 'aws-other-team', 'aws-stripe', 'vault-api-key']) assert.ok(names.includes(n), n);
  for (const v of [STRIPE, 'demo-user-42', 'demo-stripe-key-123']) assert.ok(!text.includes(v), 'no values exported');
  assert.match(await page.textContent('#io-msg'), /4 local secrets left out/);

  // Delete the exported ones, then import the export back.
  for (const n of names) await page.click(`#secrets .secret[data-name="${n}"] .delete`);
  for (const n of names) assert.equal(await page.$(`#secrets .secret[data-name="${n}"]`), null);
  await page.fill('#io-text', text);
  await page.click('#import');
  assert.equal(await page.textContent('#io-msg'), `vaultlink links: linked ${names.length}.`);
  const after = await page.evaluate(() => [...document.querySelectorAll('#secrets .secret')].map((e) => e.dataset.name));
  assert.deepEqual(after.sort(), before.sort());
  await page.click('#export');
  assert.deepEqual(JSON.parse(await page.inputValue('#io-text')), doc, 'export → import → export is stable');
  await page.close();
});

test('a Postman environment and a collection with secret sources are imported and resolve', async () => {
  const { page } = await openDemo();
  const env = {
    id: '5d9a1c7e-0000-4000-8000-000000000001',
    name: 'Demo environment',
    values: [
      { key: 'baseUrl', value: bed.origin, type: 'default', enabled: true },
      { key: 'pm-stripe', value: '', type: 'secret', enabled: true, secret: true, source: { provider: 'aws', aws: { secretArn: arnOf(DEMO_AWS_SECRETS.stripe) } } },
      {
        key: 'pm-db',
        value: '',
        type: 'secret',
        enabled: true,
        secret: true,
        source: { provider: 'aws', aws: { secretArn: arnOf(DEMO_AWS_SECRETS.db), format: 'json', key: 'password' } },
      },
      { key: 'pm-hosted', value: '', type: 'secret', secret: true, source: { provider: 'postman', postman: { type: 'local', secretId: 'x' } } },
      { key: 'pm-plain-secret', value: 'not-imported-value', type: 'secret', secret: true },
    ],
    _postman_variable_scope: 'environment',
  };
  await page.fill('#io-text', JSON.stringify(env));
  await page.click('#import');
  const msg = await page.textContent('#io-msg');
  assert.match(msg, /^Postman environment: linked 2; not linked: pm-hosted: Postman-hosted secret/);
  assert.match(msg, /pm-plain-secret: secret without a source/);
  assert.ok(!msg.includes('not-imported-value'));
  await page.waitForSelector('#secrets .secret[data-name="pm-db"][data-provider="aws"]');

  const collection = {
    info: { name: 'Demo collection', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: [{ name: 'folder', item: [], variable: [{ key: 'pm-folder', secret: true, source: { provider: 'aws', aws: { secretArn: arnOf(DEMO_AWS_SECRETS.stripe) } } }] }],
    variable: [{ key: 'pm-coll', value: '', type: 'secret', secret: true, disabled: true, source: { provider: 'aws', aws: { secretArn: arnOf(DEMO_AWS_SECRETS.stripe) } } }],
  };
  await page.fill('#io-text', JSON.stringify(collection));
  await page.click('#import');
  assert.match(await page.textContent('#io-msg'), /^Postman collection: linked 2\.$/);
  await page.waitForSelector('#secrets .secret.off[data-name="pm-coll"]');
  await page.waitForSelector('#secrets .secret[data-name="pm-folder"]');

  await connectAws(page);
  await setRequest(page, { url: `${bed.origin}/echo/pm`, body: '{{vault:pm-stripe}}|{{vault:pm-db}}' });
  assert.equal((await sendAndEcho(page, '/echo/pm')).body, `${STRIPE}|${DB_PASSWORD}`);
  await page.screenshot({ path: join(SHOTS, 'product-postman-import.png'), fullPage: true });
  await page.close();
});

test('every provider the vault reports gets a card and a link form entry', async () => {
  const { page } = await openDemo();
  const reported = await page.evaluate(() => [...document.querySelectorAll('.provider-card')].map((c) => c.dataset.provider));
  assert.ok(reported.includes('aws'));
  const options = await page.$$eval('#new-provider option', (o) => o.map((x) => x.value));
  for (const p of ['local', 'aws', 'hashicorp', 'azure', '1password', 'gcp', ...reported]) assert.ok(options.includes(p), p);
  await page.close();
});

test('HashiCorp Vault, GCP and 1Password (when the core has them) connect and resolve from their emulators', async () => {
  const { page } = await openDemo();
  const cards = await page.$$eval('.provider-card', (c) => c.map((x) => x.dataset.provider));
  const expected = {
    hashicorp: ['vault-api-key', DEMO_VAULT_SECRETS['secret/demo/app'].api_key],
    gcp: ['gcp-api-key', 'demo-gcp-api-key-NOT-REAL'],
    '1password': ['op-credential', DEMO_1P.item.fields[0].value],
  };
  const present = Object.keys(expected).filter((p) => cards.includes(p) && bed.demo.services[p]);
  if (!present.length) return; // none of them built into this wasm yet
  for (const p of present) {
    await page.click(`.provider-card[data-provider="${p}"] .connect`);
    await page.waitForSelector(`.provider-card[data-provider="${p}"][data-state="connected"]`);
  }
  await setRequest(page, { url: `${bed.origin}/echo/multi`, body: present.map((p) => `{{vault:${expected[p][0]}}}`).join('|') });
  const echo = await sendAndEcho(page, '/echo/multi');
  assert.deepEqual(await unresolvedRows(page), []);
  assert.equal(echo.body, present.map((p) => expected[p][1]).join('|'));
  await page.screenshot({ path: join(SHOTS, 'product-providers.png'), fullPage: true });
  await page.close();
});

// ---- credentials (issue 13 §1–3) ----

const cardOf = (page, id) => page.locator(`.provider-card[data-provider="${id}"]`);

test('a wrong AWS secret key is rejected on the card at Connect, before any Send; good keys show who they are', async () => {
  const { page, aws } = await openDemo();
  const sts = () => bed.demo.emulators.aws.state.calls.filter((c) => c.operation === 'sts.GetCallerIdentity').length;
  const checks = sts();
  const card = cardOf(page, 'aws');
  await card.locator('summary').click();
  await card.locator('[data-key="secretAccessKey"]').fill('typed-wrong-secret-key');
  await card.locator('.connect').click();
  await page.waitForSelector('.provider-card[data-provider="aws"][data-state="rejected"]');
  const msg = await card.locator('.form-msg').textContent();
  assert.equal(msg, 'connect("aws"): the provider rejected the credentials (HTTP 403)');
  assert.equal(await card.locator('.state').textContent(), 'credentials rejected');
  assert.equal(sts(), checks, 'STS refused the signature (the emulator records accepted calls only)');
  assert.equal(aws.length, 0, 'nothing was sent to Secrets Manager');
  assert.equal(await page.isHidden('#echo'), true, 'no Send happened');
  await page.screenshot({ path: join(SHOTS, 'product-credentials-rejected.png'), fullPage: true });

  // Sending now: the token stays literal with the rejection as its reason, no fetch.
  await setRequest(page, { url: `${bed.origin}/echo/rejected`, body: '{{vault:aws-stripe}}' });
  assert.equal((await sendAndEcho(page, '/echo/rejected')).body, '{{vault:aws-stripe}}');
  assert.deepEqual(await unresolvedRows(page), [['aws-stripe', 'body', 'credentials_rejected']]);
  assert.equal(aws.length, 0);

  // The demo's keys: connected, verified, the identity on the card.
  await page.reload();
  await page.waitForSelector('body[data-state="ready"]');
  await connectAws(page);
  assert.match(await cardOf(page, 'aws').locator('.form-msg').textContent(), /^Connected — verified as arn:aws:iam::123456789012:user\/\S+\.$/);
  assert.ok(sts() > checks, 'the check is an STS GetCallerIdentity, through the demo transport');
  await page.close();
});

test('GCP with a short expiry: the value resolves, then after the expiry Send leaves it unresolved and the cache no longer lists it', async (t) => {
  const { page } = await openDemo();
  if (!bed.demo.services.gcp || !(await page.$('.provider-card[data-provider="gcp"]'))) return t.skip('no GCP in this build');
  const card = cardOf(page, 'gcp');
  await card.locator('summary').click();
  await card.locator('[data-key="expiresAt"]').fill('3');
  await card.locator('.connect').click();
  await page.waitForSelector('.provider-card[data-provider="gcp"][data-state="connected"]');
  assert.match(await card.locator('.form-msg').textContent(), /^Connected — not verified/);
  await setRequest(page, { url: `${bed.origin}/echo/gcp-expiry`, body: '{{vault:gcp-api-key}}' });
  assert.equal((await sendAndEcho(page, '/echo/gcp-expiry')).body, 'demo-gcp-api-key-NOT-REAL');
  await page.waitForSelector('#cache li[data-name="gcp-api-key"]');

  // At the expiry the credential and every value it fetched are wiped: no Reset cache needed.
  await page.waitForSelector('.provider-card[data-provider="gcp"][data-state="reauth"]', { timeout: 10_000 });
  await page.waitForSelector('#cache li[data-name="gcp-api-key"]', { state: 'detached', timeout: 10_000 });
  assert.equal((await sendAndEcho(page, '/echo/gcp-expiry')).body, '{{vault:gcp-api-key}}');
  assert.deepEqual(await unresolvedRows(page), [['gcp-api-key', 'body', 'reauth_required']]);
  assert.equal(await page.$('#cache li[data-name="gcp-api-key"]'), null);
  await page.screenshot({ path: join(SHOTS, 'product-credentials-expired.png'), fullPage: true });
  await page.close();
});

test('a missing JSON key in an existing secret is "key not found in the secret", not "does not exist"', async () => {
  const { page } = await openDemo();
  await page.selectOption('#new-provider', 'aws');
  await page.waitForSelector('#link-fields[data-provider="aws"] [data-key="secretArn"]');
  await page.fill('#new-name', 'aws-nokey');
  await page.fill('#new-secretArn', arnOf(DEMO_AWS_SECRETS.db));
  await page.selectOption('#new-format', 'json');
  await page.fill('#new-key', 'no-such-key');
  await page.fill('#new-domains', 'http://127.0.0.1');
  await page.click('#add-form button[type=submit]');
  await page.waitForSelector('#secrets .secret[data-name="aws-nokey"]');
  await connectAws(page);
  await setRequest(page, { url: `${bed.origin}/echo/nokey`, body: '{{vault:aws-nokey}}|{{vault:aws-db-password}}' });
  const echo = await sendAndEcho(page, '/echo/nokey');
  assert.equal(echo.body, `{{vault:aws-nokey}}|${DB_PASSWORD}`);
  assert.deepEqual(await unresolvedRows(page), [['aws-nokey', 'body', 'key_not_found']]);
  assert.match(await page.textContent('#unresolved tbody tr[data-name="aws-nokey"]'), /key not found in the secret/);
  await page.close();
});

test('no page errors', () => {
  assert.deepEqual(bed.errors, []);
});
