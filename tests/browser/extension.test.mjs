// The browser extension in Chromium: assembled by scripts/build-extension into
// a temporary directory and loaded unpacked. A secret allowed on 127.0.0.1 is
// filled into the focused field (only that one) from the content script, by
// the context menu's path and by the keyboard command's handler, and refused
// on another origin (localhost: same server, different origin), which the
// options page then explains. The options page links secrets and shows the
// providers.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startDemo } from '../demo-server.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(ROOT, 'build', 'screenshots');
const VALUE = 'ext-demo-value-NOT-REAL-123';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>form</title></head><body>
<form id="f"><textarea id="ta" rows="3">token={{vault:ext-token}} other={{vault:nope}}</textarea>
<input id="in" type="text" value="Bearer {{vault:ext-token}}"><input id="plain" type="text" value="no references"></form>
<textarea id="alone">{{vault:ext-token}}</textarea>
<div id="ce" contenteditable="true"><b>key:</b> {{vault:ext-token}}</div>
<script src="page.js"></script></body></html>`;
// The page's own world records what it sees: input events (not values).
const PAGE_JS = `window.inputs = 0; document.addEventListener('input', () => window.inputs++, true);`;

let tmp;
let demo;
let context;
let worker;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vaultlink-ext-'));
  const extDir = join(tmp, 'extension');
  await promisify(execFile)('bash', [join(ROOT, 'scripts', 'build-extension'), extDir], { cwd: ROOT });
  const site = join(tmp, 'site');
  await mkdir(site);
  await writeFile(join(site, 'index.html'), PAGE);
  await writeFile(join(site, 'page.js'), PAGE_JS);
  demo = await startDemo({ port: 0, mounts: { '/ext/': site } });
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM_PATH,
    headless: false,
    args: [...CHROMIUM_ARGS, `--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`],
    timeout: 60_000,
  });
  worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
  const linked = await worker.evaluate(
    (value) => globalThis.vaultlink.admin.link({ name: 'ext-token', source: { provider: 'local', value }, domains: ['http://127.0.0.1'] }),
    VALUE,
  );
  assert.deepEqual(linked, { ok: true });
  await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  await context?.close().catch(() => {});
  await demo?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Opens the form page at `origin`, focuses `selector`, and runs the fill as the context menu would. */
async function fillAt(origin, selector) {
  const page = await context.newPage();
  const url = `${origin}/ext/`;
  await page.goto(url);
  await page.focus(selector);
  const result = await worker.evaluate(async (u) => {
    const [tab] = await chrome.tabs.query({ url: u });
    return globalThis.vaultlink.runInTab(tab.id);
  }, url);
  return { page, result };
}

const values = (page) =>
  page.evaluate(() => ({
    ta: document.querySelector('#ta').value,
    in: document.querySelector('#in').value,
    plain: document.querySelector('#plain').value,
    alone: document.querySelector('#alone').value,
    ce: document.querySelector('#ce').innerHTML,
    inputs: window.inputs,
  }));

test('fills only the focused field on an allowed origin, not the rest of its form', async () => {
  // #ta and #in are both in form #f and both hold a reference: only the focused one changes.
  const { page, result } = await fillAt(demo.origin, '#ta');
  assert.deepEqual(result, { ok: true, filled: 1, unresolved: [{ token: '{{vault:nope}}', reason: 'unknown' }] });
  const v = await values(page);
  assert.equal(v.ta, `token=${VALUE} other={{vault:nope}}`);
  assert.equal(v.in, 'Bearer {{vault:ext-token}}', 'the other field of the form is left alone');
  assert.equal(v.plain, 'no references');
  assert.equal(v.alone, '{{vault:ext-token}}', 'a field outside the form is left alone');
  assert.equal(v.ce, '<b>key:</b> {{vault:ext-token}}');
  assert.equal(v.inputs, 1, 'one input event, for the one changed field');
  await page.screenshot({ path: join(SHOTS, 'extension-filled.png') });
  await page.close();
});

test('the keyboard shortcut: the manifest command runs the fill for the focused field only', async () => {
  // The command is declared with its shortcut, and the handler under test is the one Chrome calls.
  const declared = await worker.evaluate(async () => ({
    commands: (await chrome.commands.getAll()).map(({ name, description, shortcut }) => ({ name, description, shortcut })),
    listening: chrome.commands.onCommand.hasListener(globalThis.vaultlink.onCommand),
  }));
  const cmd = declared.commands.find((c) => c.name === 'fill-vault-references');
  assert.ok(cmd, `commands: ${JSON.stringify(declared.commands)}`);
  assert.match(cmd.description, /focused field/);
  assert.ok(cmd.shortcut === '' || /Shift\+Y$/.test(cmd.shortcut), `shortcut: ${cmd.shortcut}`);
  assert.equal(declared.listening, true, 'chrome.commands.onCommand runs vaultlink.onCommand');

  const page = await context.newPage();
  const url = `${demo.origin}/ext/`;
  await page.goto(url);
  await page.bringToFront();
  await page.focus('#in');
  // As Chrome dispatches it: the command name and the active tab.
  const result = await worker.evaluate(async (u) => {
    const [tab] = await chrome.tabs.query({ url: u });
    return globalThis.vaultlink.onCommand('fill-vault-references', tab);
  }, url);
  assert.deepEqual(result, { ok: true, filled: 1, unresolved: [] });
  const v = await values(page);
  assert.equal(v.in, `Bearer ${VALUE}`);
  assert.equal(v.ta, 'token={{vault:ext-token}} other={{vault:nope}}', 'the other field of the form is left alone');
  assert.equal(v.alone, '{{vault:ext-token}}');
  // Another command name does nothing.
  assert.equal(await worker.evaluate(() => globalThis.vaultlink.onCommand('something-else')), null);
  await page.close();
});

test('fills a contenteditable text node by text node, keeping its markup', async () => {
  const { page, result } = await fillAt(demo.origin, '#ce');
  assert.equal(result.ok, true);
  assert.equal(result.filled, 1);
  assert.equal((await values(page)).ce, `<b>key:</b> ${VALUE}`);
  await page.close();
});

test('refuses on a foreign origin: the token stays literal', async () => {
  const foreign = demo.origin.replace('127.0.0.1', 'localhost');
  const { page, result } = await fillAt(foreign, '#alone');
  assert.deepEqual(result, { ok: true, filled: 0, unresolved: [{ token: '{{vault:ext-token}}', reason: 'domain_not_allowed' }] });
  const v = await values(page);
  assert.equal(v.alone, '{{vault:ext-token}}');
  assert.equal(v.inputs, 0);
  await page.close();
});

test('the options page says why the last fill was refused and which entry to add (issue 13 §4)', async () => {
  const foreign = demo.origin.replace('127.0.0.1', 'localhost');
  const { page } = await fillAt(foreign, '#alone');
  await page.close();
  const extId = new URL(worker.url()).host;
  const options = await context.newPage();
  await options.goto(`chrome-extension://${extId}/options.html`);
  const row = options.locator('#last-fill li[data-reason="domain_not_allowed"]');
  await row.waitFor();
  const text = await row.textContent();
  assert.ok(text.includes('{{vault:ext-token}}'), text);
  assert.ok(
    text.includes(`is not allowed for ${foreign}: the host matches none of its 1 allowed domain; closest entry "http://127.0.0.1" — add "${foreign}"`),
    text,
  );
  assert.match(await options.textContent('#last-fill-where'), new RegExp(`on ${foreign.replace(/[.]/g, '\\.')}`));
  assert.ok(!(await options.textContent('body')).includes(VALUE), 'no value on the page');
  await options.close();
});

test('the options page: GCP\'s "Secret version" field has its own id, not a second #new-name', async () => {
  const extId = new URL(worker.url()).host;
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extId}/options.html`);
  await page.waitForSelector('#new-provider option[value="gcp"]', { state: 'attached' });
  await page.selectOption('#new-provider', 'gcp');
  assert.equal(await page.locator('[id="new-name"]').count(), 1, 'one #new-name: the link name');
  await page.fill('#new-gcp-name', 'projects/p/secrets/s/versions/latest');
  await page.fill('#new-name', 'gcp-link');
  assert.equal(await page.inputValue('#new-gcp-name'), 'projects/p/secrets/s/versions/latest');
  assert.equal(await page.inputValue('#new-name'), 'gcp-link');
  await page.close();
});

test('the options page links a secret and lists every provider the vault reports', async () => {
  const extId = new URL(worker.url()).host;
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extId}/options.html`);
  await page.waitForSelector('#providers .card[data-provider="aws"]');
  await page.fill('#new-name', 'opt-token');
  await page.selectOption('#new-provider', 'local');
  await page.fill('#new-value', 'opt-demo-value');
  await page.fill('#new-domains', 'http://127.0.0.1');
  await page.click('#link-form button[type=submit]');
  await page.waitForSelector('#links li[data-name="opt-token"]');
  assert.match(await page.textContent('#link-msg'), /Linked/);
  const links = await worker.evaluate(async () => (await globalThis.vaultlink.admin.links()).links.map((l) => l.name));
  assert.ok(links.includes('opt-token'));
  assert.ok(!(await page.textContent('body')).includes('opt-demo-value'), 'the value is not shown');

  // A bad reference is refused with the core's message.
  await page.fill('#new-name', 'bad');
  await page.selectOption('#new-provider', 'aws');
  await page.fill('#new-secretArn', 'arn:aws:nope');
  await page.click('#link-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#link-msg').classList.contains('error'));
  await page.screenshot({ path: join(SHOTS, 'extension-options.png'), fullPage: true });
  await page.close();
});

test('the vault outlives the service worker: Chrome stopping it loses no value', async () => {
  const extId = new URL(worker.url()).host;
  const options = await context.newPage();
  await options.goto(`chrome-extension://${extId}/options.html`);
  await options.waitForSelector('#links li[data-name="ext-token"]');
  await worker.evaluate(() => {
    globalThis.beforeTheStop = true; // gone with this worker's global scope
  });
  // Stop the extension's service worker as Chrome does when it is idle.
  const cdp = await context.newCDPSession(options);
  const statuses = [];
  let sawStopped;
  const stoppedSeen = new Promise((resolve) => (sawStopped = resolve));
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const v of versions) {
      if (!v.scriptURL.startsWith(`chrome-extension://${extId}/`)) continue;
      statuses.push(v.runningStatus);
      if (v.runningStatus === 'stopped') sawStopped();
    }
  });
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await Promise.race([stoppedSeen, new Promise((_, reject) => setTimeout(() => reject(new Error(`worker not stopped: ${statuses}`)), 15_000))]);
  // A message from the options page wakes a new worker; the local value is still in the host.
  const names = await options.evaluate(async () => (await chrome.runtime.sendMessage({ type: 'links' })).links.map((l) => l.name));
  assert.ok(names.includes('ext-token'));
  worker = context.serviceWorkers().findLast((w) => w.url().includes(extId));
  assert.equal(await worker.evaluate(() => globalThis.beforeTheStop), undefined, 'a new worker (a fresh global scope) answered');
  const { page, result } = await fillAt(demo.origin, '#ta');
  assert.equal(result.ok, true);
  assert.equal((await values(page)).ta, `token=${VALUE} other={{vault:nope}}`);
  await page.close();
  await cdp.detach();
  await options.close();
});

test('"Wipe everything" on the options page: the local value is gone, stored definitions stay', async () => {
  const extId = new URL(worker.url()).host;
  const options = await context.newPage();
  await options.goto(`chrome-extension://${extId}/options.html`);
  await options.waitForSelector('#links li[data-name="ext-token"]');
  await options.click('#wipe');
  await options.waitForFunction(() => /Wiped/.test(document.querySelector('#cache-msg').textContent));
  await options.close();
  // The options page asks again at once, which makes a new host with an empty vault.
  const { page, result } = await fillAt(demo.origin, '#alone');
  assert.deepEqual(result, { ok: true, filled: 0, unresolved: [{ token: '{{vault:ext-token}}', reason: 'unknown' }] });
  await page.close();
  const names = await worker.evaluate(async () => (await globalThis.vaultlink.admin.links()).links.map((l) => l.name));
  assert.ok(!names.includes('ext-token') && !names.includes('opt-token'), 'local links (values) are not stored');
});
