// Back/forward cache in real Chromium (DESIGN.md I6, crypto-notes §6): a vault
// wiped on pagehide comes back EMPTY when the page is restored from the
// bfcache (pageshow with persisted): a fresh wasm instance made synchronously
// from the cached module, no links, no credentials, no cache, a new key pair,
// and onRestore(vault) called.
//
// Playwright starts Chromium with --disable-back-forward-cache and the test
// server sends Cache-Control: no-store (which makes a page ineligible), so the
// real round trip runs in its own Chromium (same binary and flags as
// tests/browser/chromium.mjs, minus that one default) with the header
// stripped by a route. The test still observes what happened (the page's JS
// state survived, pagehide/pageshow persisted) and asserts what applies; the
// second test dispatches the PageTransitionEvents the browser fires, so the
// restore path runs in Chromium either way.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startBrowserBed } from './setup.mjs';
import { startDemo } from '../demo-server.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

let bed;
before(async () => {
  bed = await startBrowserBed();
});
after(async () => {
  await bed?.close();
});

function assertRestoredEmpty(s, keyBefore) {
  assert.equal(s.wiped, false, 'live again');
  assert.equal(s.links, 0, 'no links');
  assert.deepEqual(s.connected.filter((p) => p !== 'sealed'), [], 'no credentials');
  assert.equal(s.cache, 0, 'no cache');
  assert.notEqual(s.keyId, keyBefore, 'a new session key pair');
  assert.deepEqual(s.unresolved, ['unknown'], 'the old link is gone');
}

test('a real back/forward-cache round trip (navigate away, goBack): the vault comes back empty', async (t) => {
  const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
  const demo = await startDemo({ port: 0, mounts: { '/test/': fixtures }, services: [] });
  const profile = await mkdtemp(join(tmpdir(), 'vaultlink-bfcache-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: false,
    args: [...CHROMIUM_ARGS],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
    timeout: 60_000,
  });
  t.after(async () => {
    await ctx.close().catch(() => {});
    await rm(profile, { recursive: true, force: true });
    await demo.close();
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Page.enable');
  const notUsed = [];
  cdp.on('Page.backForwardCacheNotUsed', (e) => notUsed.push(...e.notRestoredExplanations.map((x) => x.reason)));
  await page.route('**/*', async (route) => {
    const res = await route.fetch();
    const headers = { ...res.headers() };
    delete headers['cache-control']; // no-store makes the page ineligible
    await route.fulfill({ response: res, headers });
  });

  await page.goto(demo.origin + '/test/bfcache.html');
  await page.waitForSelector('body[data-ready="yes"]');
  const before = await page.evaluate(() => window.bf.setup());
  assert.equal(before.resolved, true);
  const loadedAt = await page.evaluate(() => window.bf.loadedAt);
  await page.goto(demo.origin + '/test/index.html');
  const hidden = JSON.parse(await page.evaluate(() => sessionStorage.getItem('bf-pagehide')));
  assert.equal(hidden.wiped, true, 'pagehide wiped the vault');
  await page.goBack({ waitUntil: 'commit' }); // a bfcache restore fires no load event
  await page.waitForSelector('body[data-ready="yes"]');
  const nav = await page.evaluate(() => ({ loadedAt: window.bf.loadedAt, log: window.bf.log, restored: window.bf.restored }));
  const fromBfcache = nav.loadedAt === loadedAt;
  t.diagnostic(`restored from the bfcache: ${fromBfcache}${notUsed.length ? `; not used because: ${notUsed.join(', ')}` : ''}`);
  if (fromBfcache) {
    assert.equal(hidden.persisted, true, 'entering the bfcache: pagehide with persisted');
    assert.deepEqual(nav.log, [
      { type: 'pagehide', persisted: true, wiped: true },
      { type: 'pageshow', persisted: true, wiped: false },
    ]);
    assert.deepEqual(nav.restored, [true], 'onRestore(vault) called once, with the vault');
    assertRestoredEmpty(await page.evaluate(() => window.bf.state()), before.keyId);
  } else {
    // This Chromium did not keep the page: it was loaded again, with a new vault.
    assert.deepEqual(nav.restored, [], 'no restore on a fresh load');
    assert.equal(nav.log.some((e) => e.type === 'pageshow' && e.persisted), false);
    const s = await page.evaluate(() => window.bf.state());
    assert.equal(s.wiped, false);
    assert.equal(s.links, 0);
  }
  assert.deepEqual(errors, []);
});

async function bfPage() {
  const page = await bed.page('/test/bfcache.html');
  await page.waitForSelector('body[data-ready="yes"]');
  return page;
}

test('pagehide(persisted) then pageshow(persisted) in Chromium: wiped, then live and empty; wipe() stays wiped', async () => {
  const page = await bfPage();
  const before = await page.evaluate(() => window.bf.setup());
  const r = await page.evaluate(async () => {
    const { vault, restored } = window.bf;
    dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    document.dispatchEvent(new Event('freeze'));
    let wipedError = null;
    try {
      vault.links();
    } catch (e) {
      wipedError = { code: e.code, message: e.message };
    }
    const afterHide = vault.wiped;
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    const state = await window.bf.state();
    const restoredOnce = [...restored];
    vault.wipe();
    dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    return { afterHide, wipedError, state, restoredOnce, finalWiped: vault.wiped, restoredAfterWipe: restored.length };
  });
  assert.equal(r.afterHide, true);
  assert.equal(r.wipedError.code, 'wiped');
  assert.match(r.wipedError.message, /vault wiped \(the page was left \(pagehide\)\)/);
  assert.deepEqual(r.restoredOnce, [true], 'onRestore(vault) once, with the vault');
  assertRestoredEmpty(r.state, before.keyId);
  assert.equal(r.finalWiped, true, 'wipe() is for good');
  assert.equal(r.restoredAfterWipe, 1);
  await page.close();
  assert.deepEqual(bed.errors, []);
});
