// The demo check (scripts/demo --check, ctest demo.check): drives the demo page
// once in headless Chromium the way a user would and checks what the echo
// server received.
//
//   node tests/browser/demo-check.mjs        exit 0 on success, 1 with a reason

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDemo } from '../demo-server.mjs';
import { DEMO_AWS_SECRETS } from '../demo-services.mjs';
import { launchChromium } from './chromium.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOT = join(ROOT, 'build', 'screenshots', 'demo.png');

const VALUE = 'demo-check-value-789'; // fake, typed into the form
const MASK = '••••••';

/**
 * Runs the check against a running demo at `url` ('.../demo/').
 * @returns {Promise<{steps: string[], screenshot: string}>}
 */
export async function runDemoCheck(url, { screenshot = SCREENSHOT } = {}) {
  const steps = [];
  const step = (s) => steps.push(s);
  const origin = new URL(url).origin;
  const browser = await launchChromium();
  const problems = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));

    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    step('page loaded, vault ready with the demo secrets');
    const seeded = await page.$$eval('#secrets .secret', (els) => els.map((e) => e.dataset.name));
    assert.ok(seeded.includes('stripe-key'), `seeded secrets: ${seeded}`);

    // A bad domain list is refused with the core's message, and nothing is added.
    await page.fill('#new-name', 'check-bad');
    await page.fill('#new-value', 'x');
    await page.fill('#new-domains', 'http://');
    await page.click('#add-form button[type=submit]');
    const err = await page.textContent('#form-msg');
    assert.match(err, /domain/i, `validation error shown: "${err}"`);
    assert.equal(await page.$('#secrets .secret[data-name="check-bad"]'), null, 'an invalid secret is not listed');
    step(`invalid domain refused: "${err.trim()}"`);

    // Add a secret through the form, allowed on the echo server.
    await page.fill('#new-name', 'check-token');
    await page.fill('#new-value', VALUE);
    await page.fill('#new-domains', 'http://127.0.0.1');
    await page.click('#add-form button[type=submit]');
    await page.waitForSelector('#secrets .secret[data-name="check-token"]');
    assert.equal(await page.inputValue('#new-value'), '', 'the value field is cleared after adding');
    const listed = await page.textContent('#secrets');
    assert.ok(!listed.includes(VALUE), 'the vault panel never shows a value');
    step('secret "check-token" added through the form');

    // Type a request: the new secret (allowed) and stripe-key (api.stripe.com only).
    await page.selectOption('#method', 'POST');
    await page.fill('#url', `${origin}/echo/check?t={{vault:check-token}}&s={{vault:stripe-key}}`);
    const firstRow = page.locator('#headers .header-row').first();
    await firstRow.locator('.h-name').fill('X-Check');
    await firstRow.locator('.h-value').fill('Token {{vault:check-token}}');
    await page.fill('#body', '{"t":"{{vault:check-token}}","s":"{{vault:stripe-key}}"}');

    // The live preview colours the references and names the reason.
    await page.waitForSelector('#url-preview .tok.bad[data-reason="domain_not_allowed"]');
    await page.waitForSelector('#url-preview .tok.ok');
    step('live preview: check-token resolves, stripe-key shows "domain not allowed"');

    await page.click('#resolve');
    await page.waitForSelector('#result:not([hidden])');
    const rows = await page.$$eval('#unresolved tbody tr', (trs) => trs.map((tr) => ({ name: tr.dataset.name, reason: tr.dataset.reason, where: tr.children[1].textContent })));
    const stripe = rows.filter((r) => r.name === 'stripe-key');
    assert.deepEqual(stripe.map((r) => [r.where, r.reason]), [['url', 'domain_not_allowed'], ['body', 'domain_not_allowed']], `unresolved rows: ${JSON.stringify(rows)}`);
    assert.ok(!rows.some((r) => r.name === 'check-token'), 'check-token resolved');

    const masked = await page.textContent('#resolved');
    assert.ok(!masked.includes(VALUE), 'masked preview hides the value');
    assert.ok(masked.includes(MASK), 'masked preview shows the mask');
    assert.ok(masked.includes('{{vault:stripe-key}}'), 'unresolved token stays literal in the preview');
    await page.check('#reveal');
    const revealed = await page.textContent('#resolved');
    assert.ok(revealed.includes(VALUE), 'reveal shows the value');
    await page.uncheck('#reveal');
    assert.ok(!(await page.textContent('#resolved')).includes(VALUE), 'masked again after un-reveal');
    step('resolved preview masks the value, reveal shows it');

    // Send: the echo server must have received the value where allowed, the token where not.
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${origin}/echo/check`) && r.request().method() === 'POST'),
      page.click('#send'),
    ]);
    const echo = await response.json();
    assert.equal(echo.method, 'POST');
    const url2 = decodeURIComponent(echo.url);
    assert.equal(url2, `/echo/check?t=${VALUE}&s={{vault:stripe-key}}`, `echo url: ${echo.url}`);
    const xcheck = echo.headers.find(([n]) => n.toLowerCase() === 'x-check');
    assert.deepEqual(xcheck, ['X-Check', `Token ${VALUE}`], `echo header: ${JSON.stringify(xcheck)}`);
    assert.equal(echo.body, `{"t":"${VALUE}","s":"{{vault:stripe-key}}"}`);
    step('echo received the value where allowed and the literal {{vault:stripe-key}} where not');

    await page.waitForSelector('#echo:not([hidden])');
    const echoShown = await page.textContent('#echo-out');
    assert.ok(!echoShown.includes(VALUE), 'the echo panel masks the value too');
    assert.ok(echoShown.includes('{{vault:stripe-key}}'), 'the echo panel shows the literal token');
    step('echo panel shows what the server received, values masked');

    // One provider flow: connect AWS (the emulator's fake credentials are
    // pre-filled) and send a secret fetched from it.
    const services = await (await fetch(new URL('/demo-services.json', url))).json();
    if (services.aws) {
      for (const b of await page.$$('#headers .h-remove')) await b.click();
      await page.fill('#url', `${origin}/echo/aws?k={{vault:aws-stripe}}`);
      await page.fill('#body', '');
      await page.waitForSelector('#url-preview .tok.bad[data-reason="not_connected"]');
      await page.click('.provider-card[data-provider="aws"] .connect');
      await page.waitForSelector('.provider-card[data-provider="aws"][data-state="connected"]');
      await page.waitForSelector('#url-preview .tok.pending');
      const [awsRes] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(`${origin}/echo/aws`)),
        page.click('#send'),
      ]);
      const got = decodeURIComponent((await awsRes.json()).url);
      assert.equal(got, `/echo/aws?k=${DEMO_AWS_SECRETS.stripe.string}`, `echo url: ${got}`);
      await page.waitForSelector('#cache li[data-name="aws-stripe"]');
      step('AWS connected with the emulator, aws-stripe fetched, sent and cached');
    }

    assert.deepEqual(problems, [], 'no page errors');
    await mkdir(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    step(`screenshot: ${screenshot}`);
    return { steps, screenshot };
  } catch (e) {
    e.steps = steps;
    e.problems = problems;
    throw e;
  } finally {
    await browser.close();
  }
}

async function main() {
  if (!existsSync(join(ROOT, 'web', 'dist', 'vaultlink.wasm'))) {
    console.error('demo check: FAIL — web/dist/vaultlink.wasm is missing (build the wasm target first)');
    process.exit(1);
  }
  const demo = await startDemo({ port: 0 });
  try {
    const { steps } = await runDemoCheck(demo.url);
    for (const s of steps) console.log(`  ok  ${s}`);
    console.log(`demo check: PASS (${steps.length} steps, ${demo.url})`);
  } catch (e) {
    for (const s of e.steps ?? []) console.log(`  ok  ${s}`);
    for (const p of e.problems ?? []) console.log(`  !!  ${p}`);
    console.error(`demo check: FAIL — ${e.message}`);
    process.exitCode = 1;
  } finally {
    await demo.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    console.error(`demo check: FAIL — ${e.stack || e.message}`);
    process.exit(1);
  });
}
