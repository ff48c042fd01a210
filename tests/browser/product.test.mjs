// The demo as a product, in Chromium against the local AWS emulator: linking
// through the per-provider form, connecting, sending with a fetched secret,
// the unresolved reasons, re-authentication after expiry, the cache, masking,
// import/export and Postman import. Screenshots go to build/screenshots/.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
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
  // The demo keeps its setup (definitions only) across reloads: each test starts from the defaults.
  await page.goto(`${bed.origin}/demo-services.json`);
  await page.evaluate(() => localStorage.clear());
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

// ---- domains and transport (issue 13 §4, §8) ----

/** The visible explanation in the unresolved table for secret `name`. */
async function unresolvedWhy(page, name) {
  const cell = page.locator(`#unresolved tbody tr[data-name="${name}"] td:nth-child(4)`);
  await cell.waitFor({ state: 'visible' });
  return cell.textContent();
}

test('a link allowed on "127.0.0.1" sent to http://127.0.0.1:<port>: the message names the scheme and the entry to add', async () => {
  const { page } = await openDemo();
  await page.selectOption('#new-provider', 'local');
  await page.fill('#new-name', 'scheme-demo');
  await page.fill('#new-value', 'scheme-demo-value-NOT-REAL');
  await page.fill('#new-domains', '127.0.0.1');
  await page.click('#add-form button[type=submit]');
  await page.waitForSelector('#secrets .secret[data-name="scheme-demo"]');
  await setRequest(page, { url: `${bed.origin}/echo/scheme?k={{vault:scheme-demo}}` });
  const echo = await sendAndEcho(page, '/echo/scheme');
  assert.equal(decodeURIComponent(echo.url), '/echo/scheme?k={{vault:scheme-demo}}', 'the token went out literal');
  const why = await unresolvedWhy(page, 'scheme-demo');
  assert.equal(
    why,
    `"{{vault:scheme-demo}}" is not allowed for ${bed.origin}: closest entry "127.0.0.1" means https only (no scheme) — add "${bed.origin}"`,
  );
  assert.equal(await page.getAttribute('#unresolved tbody tr[data-name="scheme-demo"]', 'data-reason'), 'domain_not_allowed');
  // The live preview's chip says the same next to the URL.
  assert.equal(await page.getAttribute('#url-preview .tok.bad[data-reason="domain_not_allowed"]', 'title'), why);
  assert.ok(!(await page.textContent('body')).includes('scheme-demo-value-NOT-REAL'), 'the value is never shown');
  await page.screenshot({ path: join(SHOTS, 'product-domain-why.png'), fullPage: true });
  await page.close();
});

test('Azure through the direct transport (no CORS at the emulator): one fetch per Send, and the message says CORS', async () => {
  const azureUrl = bed.demo.services.azure;
  assert.ok(azureUrl, 'the demo starts the Azure emulator');
  const { page } = await openDemo();
  if (!(await page.isDisabled('#transport'))) await page.selectOption('#transport', 'direct');
  await page.waitForSelector('body[data-transport="direct"]');
  const azureOrigin = new URL(azureUrl).origin;
  const attempts = [];
  page.on('request', (r) => {
    if (new URL(r.url()).origin === azureOrigin) attempts.push(`${r.method()} ${r.url()}`);
  });
  await page.click('.provider-card[data-provider="azure"] .connect');
  await page.waitForSelector('.provider-card[data-provider="azure"][data-state="connected"]');
  await setRequest(page, { url: `${bed.origin}/echo/azure`, body: '{{vault:azure-secret}}' });
  const before = attempts.length;
  await sendAndEcho(page, '/echo/azure');
  assert.equal(attempts.length - before, 1, `one attempt per Send, no retry of a CORS failure: ${attempts}`);
  const why = await unresolvedWhy(page, 'azure-secret');
  assert.equal(await page.getAttribute('#unresolved tbody tr[data-name="azure-secret"]', 'data-reason'), 'unreachable');
  assert.match(why, /blocked by CORS or the network/);
  assert.match(why, /tunnel transport/);
  await sendAndEcho(page, '/echo/azure');
  assert.equal(attempts.length - before, 2, `a second Send: one more attempt: ${attempts}`);
  await page.close();
});

// ---- client (issue 13 §5–8) ----

const VIEWPORTS = { small: { width: 1024, height: 700 }, large: { width: 1440, height: 900 } };

/** `sel`'s box lies wholly inside the viewport (no scrolling needed to see it). */
async function assertInViewport(page, sel, { width, height }) {
  const box = await page.locator(sel).boundingBox();
  assert.ok(box, `${sel} is laid out`);
  const inside = box.x >= 0 && box.y >= 0 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5;
  assert.ok(inside, `${sel} at ${JSON.stringify(box)} is inside ${width}×${height}`);
}

test('client §5: a slow provider never freezes the editor; Send shows progress, is disabled in flight, Ctrl+Enter sends; the response panel shows status, headers, size, time', async () => {
  const { page } = await openDemo();
  const state = bed.demo.emulators.aws.state;
  try {
    await page.setViewportSize(VIEWPORTS.small);
    await connectAws(page);
    await setRequest(page, { url: `${bed.origin}/echo/slow?k={{vault:aws-stripe}}`, body: '' });
    await page.waitForSelector('#url-preview .tok.pending');
    // The request line and the response panel are both on screen at 1024×700.
    await assertInViewport(page, '.urlbar', VIEWPORTS.small);
    await assertInViewport(page, '#send', VIEWPORTS.small);
    await assertInViewport(page, '#response-pane', VIEWPORTS.small);

    const posts = [];
    page.on('request', (r) => r.url().startsWith(`${bed.origin}/echo/slow`) && r.method() === 'POST' && posts.push(r.url()));
    state.delayMs = 4000; // longer than the TLS handshakes the tunnel runs in wasm on this thread
    await page.click('#body');
    const answered = page.waitForResponse((r) => r.url().startsWith(`${bed.origin}/echo/slow`) && r.request().method() === 'POST');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('#send[disabled][aria-busy="true"]');
    await page.waitForSelector('#resp-progress:not([hidden])');
    assert.match(await page.textContent('#send'), /Sending/);
    // In flight: typing still edits, and a second Ctrl+Enter does not send twice.
    await page.keyboard.type('typed while in flight');
    assert.equal(await page.inputValue('#body'), 'typed while in flight', 'the editor took the keys');
    assert.equal(await page.$eval('#send', (b) => b.disabled), true, 'Send stays disabled while in flight');
    await page.keyboard.press('Control+Enter');
    assert.match(await page.textContent('#resp-progress'), /\d\.\d s/);
    await page.screenshot({ path: join(SHOTS, 'client-1024x700-in-flight.png') });
    const echo = await (await answered).json();
    await page.waitForSelector('#send:not([disabled])');
    assert.equal(await page.textContent('#send'), 'Send');
    assert.equal(posts.length, 1, 'one request for one Send');
    assert.equal(decodeURIComponent(echo.url), `/echo/slow?k=${STRIPE}`);
    assert.equal(echo.body, '', 'the request sent is the one at the time of Send');

    // The response panel: status, time, size, headers and a pretty JSON body, values masked.
    await page.waitForSelector('#response:not([hidden])');
    assert.equal(await page.textContent('#resp-status'), '200 OK');
    assert.match(await page.textContent('#resp-time'), /^\d+ ms$|^\d+\.\d\d s$/);
    const size = await page.textContent('#resp-size');
    assert.match(size, /^\d+(\.\d)? (B|KiB)$/);
    assert.equal(Number(await page.getAttribute('#resp-size', 'data-bytes')), Buffer.byteLength(JSON.stringify(echo)));
    const headers = await page.$$eval('#resp-headers tbody tr', (trs) => trs.map((tr) => [tr.children[0].textContent, tr.children[1].textContent]));
    assert.ok(headers.some(([n, v]) => n === 'content-type' && /application\/json/.test(v)), JSON.stringify(headers));
    const body = await page.textContent('#resp-body');
    assert.ok(body.includes('\n  "method": "POST"'), 'JSON is pretty-printed');
    assert.ok(!body.includes(STRIPE) && body.includes(MASK), 'the response body masks the value');
    assert.equal(await page.getAttribute('#resp-body', 'data-kind'), 'json');
    await assertInViewport(page, '#resp-status', VIEWPORTS.small);
    await page.screenshot({ path: join(SHOTS, 'client-1024x700-response.png') });
    await page.setViewportSize(VIEWPORTS.large);
    await assertInViewport(page, '.urlbar', VIEWPORTS.large);
    await assertInViewport(page, '#response-pane', VIEWPORTS.large);
    await page.screenshot({ path: join(SHOTS, 'client-1440x900-response.png') });

    // A non-echo answer is still shown: the demo page itself, as text.
    await page.selectOption('#method', 'GET');
    await page.fill('#url', `${bed.origin}/demo/demo.css`);
    await page.fill('#body', '');
    await page.click('#send');
    await page.waitForFunction(() => document.querySelector('#resp-body').dataset.kind === 'text' && !document.querySelector('#send').disabled);
    assert.equal(await page.textContent('#resp-status'), '200 OK');
    assert.ok((await page.textContent('#resp-body')).includes(':root'));
    assert.equal(await page.$('#echo:not([hidden])'), null, 'the echo view is only for the echo server');
  } finally {
    state.delayMs = 0;
    await page.close();
  }
});

test('client §6: cURL, Download, chips and status lines follow every change and a wipe; the unmasked cURL is an explicit opt-in and runs', async () => {
  const { page } = await openDemo();
  await setRequest(page, {
    url: `${bed.origin}/echo/curl6?u={{vault:api-user}}&n={{vault:nope}}`,
    headers: [['Authorization', 'Bearer {{vault:echo-token}}']],
    body: '{"s":"{{vault:stripe-key}}"}',
  });
  await page.waitForSelector('#url-preview .tok.bad[data-reason="unknown"]');
  await page.click('#copy-curl');
  const masked = [
    'curl --globoff -X POST',
    `'${bed.origin}/echo/curl6?u=${MASK}&n={{vault:nope}}'`,
    `-H 'Authorization: Bearer ${MASK}'`,
    `--data-raw '{"s":"{{vault:stripe-key}}"}'`,
  ].join(' \\\n  ');
  await page.waitForFunction((want) => document.querySelector('#curl').textContent === want, masked);
  assert.equal(await page.textContent('#curl'), masked, 'only values that resolve are masked; the others stay literal');

  // Every edit recomputes the shown command.
  await page.fill('#url', `${bed.origin}/echo/curl6?u={{vault:api-user}}&n={{vault:nope}}&x=1`);
  await page.waitForFunction(() => document.querySelector('#curl').textContent.includes('&x=1'));

  // The opt-in: resolved through the vault now, unmasked, labelled, and runnable.
  await page.check('#curl-resolved');
  await page.click('#copy-curl');
  await page.waitForSelector('#curl[data-unmasked="true"]');
  const runnable = await page.textContent('#curl');
  assert.match(await page.textContent('#curl-hint'), /UNMASKED: contains secret values \(2 references did not resolve and stay literal\)/);
  assert.ok(runnable.includes('u=demo-user-42') && runnable.includes('Bearer demo-echo-token-456'), runnable);
  assert.ok(runnable.includes('{{vault:nope}}') && runnable.includes('{{vault:stripe-key}}'), 'unresolved stay literal');
  const { stdout } = await promisify(execFile)('sh', ['-c', `${runnable} --silent`]);
  const ran = JSON.parse(stdout);
  assert.equal(decodeURIComponent(ran.url), '/echo/curl6?u=demo-user-42&n={{vault:nope}}&x=1');
  assert.deepEqual(ran.headers.find(([n]) => n === 'Authorization'), ['Authorization', 'Bearer demo-echo-token-456']);
  // An edit drops the unmasked text from the page.
  await page.fill('#body', '{}');
  await page.waitForSelector('#curl[data-unmasked="false"]');
  assert.ok(!(await page.textContent('#curl')).includes('demo-user-42'));

  // Download follows the links: one deleted after Export is gone from the file too.
  await page.click('#export');
  const countIn = async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-download')]);
    return JSON.parse(await readFile(await download.path(), 'utf8')).links.length;
  };
  const external = () => page.$$eval('#secrets .secret:not([data-provider="local"])', (e) => e.length);
  assert.equal(await countIn(), await external());
  const n = await external();
  await page.click('#secrets .secret[data-name="aws-stripe"] .delete');
  await page.waitForFunction((k) => document.querySelector('#export-download').dataset.links === String(k), n - 1);
  assert.equal(await countIn(), n - 1);
  assert.equal(JSON.parse(await page.inputValue('#io-text')).links.length, n - 1);
  assert.match(await page.textContent('#io-msg'), new RegExp(`^Exported ${n - 1} link definitions`));
  await page.fill('#new-name', 'x');
  await page.click('#add-form button[type=submit]');
  assert.match(await page.textContent('#form-msg'), /required/);
  await page.waitForSelector('#url-preview .tok.ok');

  // Wipe: nothing derived from the old vault stays on the page.
  await page.click('#wipe');
  await page.waitForSelector('body[data-state="wiped"]');
  const after = await page.evaluate(() => ({
    download: document.querySelector('#export-download').hidden,
    href: document.querySelector('#export-download').getAttribute('href'),
    curl: document.querySelector('#curl').hidden,
    curlText: document.querySelector('#curl').textContent,
    io: document.querySelector('#io-text').value,
    lines: ['#io-msg', '#form-msg', '#cache-msg', '#curl-hint'].map((s) => document.querySelector(s).textContent),
    okChips: document.querySelectorAll('.tok.ok').length,
    idleChips: document.querySelectorAll('#url-preview .tok.idle').length,
    response: document.querySelector('#response').hidden,
  }));
  assert.deepEqual(after, { download: true, href: null, curl: true, curlText: '', io: '', lines: ['', '', '', ''], okChips: 0, idleChips: 2, response: true });
  await page.screenshot({ path: join(SHOTS, 'client-wiped.png') });
  await page.click('#banner-action');
  await page.waitForSelector('body[data-state="ready"]');
  await page.click('#export');
  assert.equal(await countIn(), await external(), 'a new vault exports what it holds');
  await page.close();
});

test('client §7: links and provider endpoints survive a reload (never values or credentials); Postman requests and environments', async () => {
  const { page } = await openDemo();
  // A link through the form, a local value (not kept), Azure connected with a tenant.
  await page.selectOption('#new-provider', 'aws');
  await page.fill('#new-name', 'my-reload');
  await page.fill('#new-secretArn', arnOf(DEMO_AWS_SECRETS.stripe));
  await page.fill('#new-domains', 'http://127.0.0.1');
  await page.click('#add-form button[type=submit]');
  await page.waitForSelector('#secrets .secret[data-name="my-reload"]');
  await page.selectOption('#new-provider', 'local');
  await page.fill('#new-name', 'local-reload');
  await page.fill('#new-value', 'demo-local-reload-value');
  await page.click('#add-form button[type=submit]');
  await page.waitForSelector('#secrets .secret[data-name="local-reload"]');
  const azure = page.locator('.provider-card[data-provider="azure"]');
  const hasAzure = (await azure.count()) > 0;
  if (hasAzure) {
    await azure.locator('summary').click();
    await page.fill('#connect-azure-tenantId', 'demo-tenant-reload');
    await azure.locator('.connect').click();
    await page.waitForSelector('.provider-card[data-provider="azure"][data-state="connected"]');
  }
  await connectAws(page);

  const env = (name, path, secret) => ({
    name,
    values: [
      { key: 'baseUrl', value: `${bed.origin}/echo/${path}`, type: 'default', enabled: true },
      { key: 'pm-key', value: '', type: 'secret', secret: true, enabled: true, source: { provider: 'aws', aws: secret } },
    ],
    _postman_variable_scope: 'environment',
  });
  const collection = {
    info: { name: 'Shop', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: [
      {
        name: 'Payments',
        item: [
          {
            name: 'Charge',
            request: { method: 'POST', url: { raw: '{{baseUrl}}/charges?k={{vault:pm-key}}' }, header: [{ key: 'X-Key', value: '{{vault:pm-key}}' }, { key: 'X-Off', value: 'x', disabled: true }], body: { mode: 'raw', raw: '{"k":"{{vault:pm-key}}"}' } },
          },
        ],
      },
      { name: 'Health', request: { method: 'GET', url: '{{baseUrl}}/health?api_key=literal-query-key-NOT-REAL', header: [{ key: 'X-Api-Key', value: 'literal-api-key-NOT-REAL' }] } },
    ],
    variable: [
      { key: 'pm-any', secret: true, source: { provider: 'aws', aws: { secretArn: arnOf(DEMO_AWS_SECRETS.stripe) } } },
      { key: 'apiToken', value: 'literal-token-NOT-REAL', type: 'default' },
    ],
  };
  await page.fill('#io-text', JSON.stringify(collection));
  await page.click('#import');
  assert.equal(await page.textContent('#io-msg'), 'Postman collection: linked 1. 2 requests added to the list.');
  for (const [name, path, secret] of [
    ['Staging', 'staging', { secretArn: arnOf(DEMO_AWS_SECRETS.stripe) }],
    ['Production', 'prod', { secretArn: arnOf(DEMO_AWS_SECRETS.db), format: 'json', key: 'password' }],
  ]) {
    await page.fill('#io-text', JSON.stringify(env(name, path, secret)));
    await page.click('#import');
    assert.equal(await page.textContent('#io-msg'), `Postman environment: linked 1. Environment “${name}” is active.`);
  }

  // What is kept: definitions and endpoints, nothing that is a value or a credential.
  const services = await (await fetch(`${bed.origin}/demo-services.json`)).json();
  const credentials = [];
  for (const svc of Object.values(services)) {
    for (const c of [svc.connect, svc.tunnel?.connect]) for (const [k, v] of Object.entries(c ?? {})) if (typeof v === 'string' && !/^https?:/.test(v) && k !== 'tenantId') credentials.push(v);
  }
  const readStored = () => page.evaluate(() => Object.fromEntries(Object.keys(localStorage).map((k) => [k, localStorage.getItem(k)])));
  const stored = await readStored();
  assert.deepEqual(Object.keys(stored), ['vaultlink-demo-setup']);
  const text = stored['vaultlink-demo-setup'];
  // Literal credentials in a request or a plain variable are not kept either.
  for (const v of [...credentials, 'literal-query-key-NOT-REAL', 'literal-api-key-NOT-REAL', 'literal-token-NOT-REAL', 'demo-local-reload-value', 'demo-user-42', 'demo-echo-token-456', 'demo-stripe-key-123', STRIPE, DB_PASSWORD]) {
    assert.ok(!text.includes(v), `localStorage holds no ${v}`);
  }
  assert.ok(credentials.length >= 3, 'the emulators publish credentials to look for');
  const doc = JSON.parse(text);
  assert.ok(doc.links.some((l) => l.name === 'my-reload' && l.domains.includes('http://127.0.0.1')));
  assert.ok(!doc.links.some((l) => l.name === 'local-reload'), 'a local value is not kept');

  await page.reload();
  await page.waitForSelector('body[data-state="ready"]');
  await page.waitForSelector('.provider-card[data-provider="aws"]');
  const names = await page.$$eval('#secrets .secret', (e) => e.map((x) => x.dataset.name));
  for (const n of ['my-reload', 'pm-any', 'pm-key', 'aws-stripe', 'stripe-key']) assert.ok(names.includes(n), `${n} restored: ${names}`);
  assert.ok(!names.includes('local-reload'), 'local values are not restored');
  assert.match(await page.textContent('#secrets .secret[data-name="my-reload"] .domains'), /http:\/\/127\.0\.0\.1/);
  for (const n of ['pm-any', 'pm-key']) assert.equal(await page.textContent(`#secrets .secret[data-name="${n}"] .domain.any-flag`), 'any domain');
  // Credentials are asked for again; the endpoint settings are back.
  assert.equal(await page.getAttribute('.provider-card[data-provider="aws"]', 'data-state'), 'disconnected');
  if (hasAzure) {
    assert.equal(await page.getAttribute('.provider-card[data-provider="azure"]', 'data-state'), 'disconnected');
    assert.equal(await page.inputValue('#connect-azure-tenantId'), 'demo-tenant-reload');
  }
  assert.deepEqual(await page.$$eval('#environment option', (o) => o.map((x) => x.value)), ['', 'Staging', 'Production']);
  assert.equal(await page.inputValue('#environment'), 'Production');
  assert.deepEqual(await page.$$eval('#requests .request-item', (b) => b.map((x) => x.dataset.name)), ['Shop / Payments / Charge', 'Shop / Health']);
  await page.click('#requests .request-item[data-name="Shop / Health"]');
  assert.equal(await page.inputValue('#url'), '{{baseUrl}}/health?api_key=');
  assert.deepEqual(await page.$$eval('#headers .header-row', (r) => r.map((x) => [x.querySelector('.h-name').value, x.querySelector('.h-value').value])), [['X-Api-Key', '']]);

  // Pick a request; the environment decides its URL and which secret {{vault:pm-key}} is.
  await connectAws(page);
  await page.click('#requests .request-item[data-name="Shop / Payments / Charge"]');
  assert.equal(await page.inputValue('#url'), '{{baseUrl}}/charges?k={{vault:pm-key}}');
  assert.equal(await page.$$eval('#headers .header-row', (r) => r.length), 1, 'disabled headers are not loaded');
  const prod = await sendAndEcho(page, '/echo/prod/charges');
  assert.equal(decodeURIComponent(prod.url), `/echo/prod/charges?k=${DB_PASSWORD}`);
  assert.deepEqual(prod.headers.find(([n]) => n === 'X-Key'), ['X-Key', DB_PASSWORD]);
  await page.selectOption('#environment', 'Staging');
  await page.waitForSelector('#url-preview .tok.pending');
  const staging = await sendAndEcho(page, '/echo/staging/charges');
  assert.equal(staging.body, `{"k":"${STRIPE}"}`);
  await page.selectOption('#environment', '');
  await page.waitForSelector('#url-preview .tok.bad[data-reason="unknown"]');
  await page.setViewportSize(VIEWPORTS.large);
  await page.screenshot({ path: join(SHOTS, 'client-1440x900-requests.png') });
  await page.close();
});

test('client §8: the GCP secret version field has an id of its own; the sealed provider is explained', async () => {
  const { page } = await openDemo();
  await page.selectOption('#new-provider', 'gcp');
  await page.waitForSelector('#link-fields[data-provider="gcp"]');
  assert.equal(await page.$$eval('[id="new-name"]', (e) => e.length), 1, 'one #new-name');
  await page.click('#link-fields label:has-text("Secret version")');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'new-gcp-name', 'the label focuses its own input');
  await page.fill('#new-name', 'gcp-form');
  await page.fill('#new-gcp-name', 'projects/demo-project/secrets/demo-api-key/versions/latest');
  await page.click('#add-form button[type=submit]');
  await page.waitForSelector('#secrets .secret[data-name="gcp-form"][data-provider="gcp"]');
  assert.match(await page.textContent('#secrets .secret[data-name="gcp-form"] .source'), /^projects\/demo-project\/secrets\/demo-api-key\/versions\/latest$/);

  const cards = await page.$$eval('.provider-card', (c) => c.map((x) => x.dataset.provider));
  assert.ok(cards.includes('sealed'), `the core reports sealed: ${cards}`);
  const card = page.locator('.provider-card[data-provider="sealed"]');
  assert.equal(await card.locator('strong').textContent(), 'Sealed envelope (relay)');
  const about = await card.locator('.provider-about').textContent();
  assert.match(about, /relay/);
  assert.match(about, /end-to-end-encrypted envelope/);
  assert.match(about, /only inside WebAssembly/);
  assert.equal(await page.$eval('#new-provider option[value="sealed"]', (o) => o.textContent), 'Sealed envelope (relay)');
  await page.selectOption('#new-provider', 'sealed');
  assert.match(await page.textContent('#link-fields .provider-about'), /end-to-end-encrypted envelope/);
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
  assert.equal(await card.locator('.connect').textContent(), 'Connect', 'nothing is connected: the button offers Connect');
  assert.ok(await card.locator('.disconnect').isDisabled(), 'nothing to disconnect');
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

// ---- tunnel responsiveness ----
// A Send through the tunnel runs TLS in wasm on the page's thread: its work
// comes in slices (one per relay message), so the page keeps handling input.
// Measured in the page: the longest gap of a 5 ms heartbeat and the longest
// 'longtask' entry, over a cold Send (fresh vault: anchors, six handshakes)
// and a warm one (cache reset, pooled connections).
const STALL_BOUND_MS = 300;

async function watchMainThread(page) {
  await page.evaluate(() => {
    const w = (window.__stall = { gap: 0, longest: 0, on: true });
    try {
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) w.longest = Math.max(w.longest, e.duration);
      }).observe({ type: 'longtask' });
    } catch {
      /* no longtask entries in this browser: the heartbeat still measures */
    }
    let last = performance.now();
    const beat = () => {
      const now = performance.now();
      w.gap = Math.max(w.gap, now - last);
      last = now;
      if (w.on) setTimeout(beat, 5);
    };
    setTimeout(beat, 5);
  });
}

async function mainThreadStall(page) {
  await page.waitForTimeout(250); // what the Send left behind (rendering, idle closes) counts too
  return page.evaluate(() => {
    const w = window.__stall;
    w.on = false;
    return { gap: Math.round(w.gap), longest: Math.round(w.longest) };
  });
}

test('tunnel: a Send through the relay to every provider never blocks the page for long (module with the tunnel, values through TLS in wasm)', async () => {
  const { page } = await openDemo();
  assert.equal(await page.getAttribute('body', 'data-transport'), 'tunnel', 'the demo defaults to the tunnel');
  const modules = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm')));
  assert.ok(modules.some((n) => n.endsWith('/vaultlink-tunnel.wasm')), `the vault loads the module with the tunnel: ${modules}`);
  const want = {
    aws: [['aws-stripe', STRIPE], ['aws-db-password', DB_PASSWORD]],
    hashicorp: [['vault-api-key', DEMO_VAULT_SECRETS['secret/demo/app'].api_key]],
    azure: [['azure-secret', 'demo-azure-secret-NOT-REAL']],
    gcp: [['gcp-api-key', 'demo-gcp-api-key-NOT-REAL']],
    '1password': [['op-credential', DEMO_1P.item.fields[0].value]],
  };
  const cards = await page.$$eval('.provider-card', (c) => c.map((x) => x.dataset.provider));
  const present = Object.keys(want).filter((p) => cards.includes(p) && bed.demo.services[p]);
  assert.ok(present.includes('aws') && present.includes('azure'), `AWS and Azure (no CORS: only the tunnel reaches it) run: ${present}`);
  for (const p of present) {
    await page.click(`.provider-card[data-provider="${p}"] .connect`);
    await page.waitForSelector(`.provider-card[data-provider="${p}"][data-state="connected"]`);
  }
  const pairs = present.flatMap((p) => want[p]);
  await setRequest(page, { url: `${bed.origin}/echo/tunnel`, body: pairs.map(([n]) => `{{vault:${n}}}`).join('|') });
  await page.waitForSelector('#url-preview');

  for (const round of ['cold', 'warm']) {
    if (round === 'warm') await page.click('#reset-cache');
    await watchMainThread(page);
    const echo = await sendAndEcho(page, '/echo/tunnel');
    const stall = await mainThreadStall(page);
    assert.deepEqual(await unresolvedRows(page), [], `${round}: every reference resolved`);
    assert.equal(echo.body, pairs.map(([, v]) => v).join('|'), `${round}: the values came through the tunnel`);
    assert.ok(
      stall.gap < STALL_BOUND_MS && stall.longest < STALL_BOUND_MS,
      `${round} Send: the page's thread was blocked at most ${STALL_BOUND_MS} ms (heartbeat gap ${stall.gap} ms, longest task ${stall.longest} ms)`,
    );
  }
  await page.close();
});

test('no page errors', () => {
  assert.deepEqual(bed.errors, []);
});
