// The demo page in Chromium: it keeps wipe-on-leave working, persists no value or credential,
// its Wipe button zero-fills the vault, and its previews and toggles behave.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrowserBed } from './setup.mjs';

let bed;

before(async () => {
  bed = await startBrowserBed();
});

after(async () => {
  await bed?.close();
});

// Runs before the demo's scripts: keeps a handle on the wasm memory the demo's
// vault gets, and records at pagehide (after the vault's own listener, which
// was installed first) whether that memory was zero-filled. Booleans only.
function watchMemory() {
  const memories = [];
  window.__demoMemories = memories;
  const watch = (instance) => {
    if (!instance?.exports?.memory) return;
    memories.push(instance.exports.memory);
    setTimeout(() =>
      addEventListener('pagehide', () => {
        const zero = memories.map((m) => new Uint8Array(m.buffer).every((b) => b === 0));
        sessionStorage.setItem('demo-probe', JSON.stringify({ count: memories.length, zero }));
      }),
    );
  };
  // The shim instantiates with `new WebAssembly.Instance`; both ways are watched.
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async function (...args) {
    const result = await instantiate.apply(this, args);
    watch(result instanceof WebAssembly.Instance ? result : result.instance);
    return result;
  };
  WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
    construct(target, args, newTarget) {
      const instance = Reflect.construct(target, args, newTarget);
      watch(instance);
      return instance;
    },
  });
}

async function openDemo() {
  const page = await bed.browser.newPage();
  page.on('pageerror', (e) => bed.errors.push(`demo: ${e.message}`));
  await page.addInitScript(watchMemory);
  await page.goto(`${bed.origin}/demo/`);
  await page.waitForSelector('body[data-state="ready"]');
  return page;
}

test('leaving the demo page wipes its vault (memory zero-filled on pagehide)', async () => {
  const page = await openDemo();
  await page.fill('#new-name', 'leave-me');
  await page.fill('#new-value', 'demo-leave-value');
  await page.click('#add-form button[type=submit]');
  await page.waitForSelector('#secrets .secret[data-name="leave-me"]');
  const live = await page.evaluate(() => window.__demoMemories.map((m) => new Uint8Array(m.buffer).some((b) => b !== 0)));
  assert.ok(live.length >= 1 && live.every(Boolean), 'the vault memory is in use before leaving');
  await page.goto(`${bed.origin}/test/`);
  const probe = JSON.parse(await page.evaluate(() => sessionStorage.getItem('demo-probe')));
  assert.ok(probe.count >= 1, 'the demo created a vault');
  assert.deepEqual(probe.zero, Array(probe.count).fill(true), 'every vault memory zero-filled on pagehide');
  await page.close();
});

test('the demo stores no value or credential: no cookies, sessionStorage or IndexedDB; localStorage holds its setup only', async () => {
  const page = await openDemo();
  await page.fill('#new-name', 'stored');
  await page.fill('#new-value', 'demo-not-stored');
  await page.click('#add-form button[type=submit]');
  await page.waitForSelector('#secrets .secret[data-name="stored"]');
  await page.click('.provider-card[data-provider="aws"] .connect');
  await page.waitForSelector('.provider-card[data-provider="aws"][data-state="connected"]');
  await page.click('#resolve');
  await page.waitForSelector('#result:not([hidden])');
  const storage = await page.evaluate(async () => ({
    cookie: document.cookie,
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    idb: indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [],
  }));
  // Link definitions and endpoints survive a reload (issue 13 §7); values and credentials never do (I2).
  assert.deepEqual(storage, { cookie: '', local: ['vaultlink-demo-setup'], session: [], idb: [] });
  const saved = await page.evaluate(() => localStorage.getItem('vaultlink-demo-setup'));
  for (const v of ['demo-not-stored', 'demo-user-42', 'demo-echo-token-456', 'demo-aws-secret-access-key-NOT-REAL', 'AKIADEMO00000EXAMPLE']) {
    assert.ok(!saved.includes(v), `localStorage holds no ${v}`);
  }
  assert.ok(!JSON.parse(saved).links.some((l) => l.name === 'stored'), 'a local value is not kept');
  assert.equal(await page.inputValue('#new-value'), '', 'the password field is cleared');
  await page.close();
});

test('the Wipe button zero-fills the vault and the page shows it', async () => {
  const page = await openDemo();
  await page.click('#wipe');
  await page.waitForSelector('body[data-state="wiped"]');
  const r = await page.evaluate(() => ({
    zero: window.__demoMemories.map((m) => new Uint8Array(m.buffer).every((b) => b === 0)),
    status: document.querySelector('#status').textContent,
    sendDisabled: document.querySelector('#send').disabled,
    secrets: document.querySelectorAll('#secrets .secret').length,
  }));
  assert.deepEqual(r, { zero: [true], status: 'vault wiped', sendDisabled: true, secrets: 0 });
  // Starting again gives a fresh vault with the demo secrets.
  await page.click('#banner-action');
  await page.waitForSelector('body[data-state="ready"]');
  assert.ok((await page.$$('#secrets .secret')).length >= 4);
  await page.close();
});

test('toggling and deleting a secret updates the live preview', async () => {
  const page = await openDemo();
  await page.fill('#url', `${bed.origin}/echo/x?u={{vault:api-user}}`);
  await page.waitForSelector('#url-preview .tok.ok');
  await page.click('#secrets .secret[data-name="api-user"] .switch');
  await page.waitForSelector('#url-preview .tok.bad[data-reason="disabled"]');
  assert.match(await page.textContent('#url-preview'), /secret disabled/);
  await page.click('#secrets .secret[data-name="api-user"] .delete');
  await page.waitForSelector('#url-preview .tok.bad[data-reason="unknown"]');
  assert.equal(await page.$('#secrets .secret[data-name="api-user"]'), null);
  await page.close();
});

test('postman compatibility checkbox re-expands values in the resolved request', async () => {
  const page = await openDemo();
  await page.fill('#new-name', 'nested');
  await page.fill('#new-value', 'n-{{vault:api-user}}');
  await page.click('#add-form button[type=submit]');
  await page.fill('#url', `${bed.origin}/echo/compat`);
  for (const row of await page.$$('#headers .header-row')) await (await row.$('.h-remove')).click();
  await page.fill('#body', '{{vault:nested}}');
  const sendAndRead = async () => {
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/echo/compat')), page.click('#send')]);
    return (await res.json()).body;
  };
  assert.equal(await sendAndRead(), 'n-{{vault:api-user}}');
  await page.check('#compat');
  assert.equal(await sendAndRead(), 'n-demo-user-42');
  await page.close();
});

test('no page errors', () => {
  assert.deepEqual(bed.errors, []);
});
