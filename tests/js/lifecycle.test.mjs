// Shim lifecycle: the periodic sweep (sweepIntervalMs, unref'd in Node), sweeps
// on visibilitychange/pageshow, wipe on pagehide/freeze, and a vault that comes
// back empty (fresh instance, new key pair) when the page is restored from the
// back/forward cache after such a wipe, while one wiped by wipe() stays wiped.
// Browser events are simulated with EventTargets standing in for window and document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVault, VaultError } from 'vaultlink';
import { count } from './memscan.mjs';

const HOOKS = Symbol.for('vaultlink.testHooks');
const TOKEN = 'LIFECYCLE-FAKE-SESSION-TOKEN-42';
const creds = (ms) => ({ accessKeyId: 'ASIAFAKE', secretAccessKey: 'fake-secret', sessionToken: TOKEN, expiresAt: Date.now() + ms });


// Credentials are sealed at rest, so the observable is the sweep itself: the
// shim calls the public sweep(), which a test can count on the instance.
async function vault(options = {}) {
  let core;
  const v = await createVault({ wipeOnLeave: true, ...options, [HOOKS]: { onCore: (c) => (core = c) } });
  const counter = { sweeps: 0 };
  const sweep = v.sweep.bind(v);
  v.sweep = () => {
    counter.sweeps++;
    return sweep();
  };
  return { v, memory: core.memory, counter };
}

const reauth = (v) => v.status().providers.find((p) => p.provider === 'aws').reauthRequired;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('sweepIntervalMs: expired credentials are wiped without any call', async () => {
  const { v, memory, counter } = await vault({ sweepIntervalMs: 20 });
  await v.connect('aws', creds(60), { verify: false });
  assert.equal(count(new Uint8Array(memory.buffer), TOKEN), 0); // sealed at rest
  await sleep(150);
  assert.ok(counter.sweeps >= 2, `${counter.sweeps} sweeps in 150 ms`);
  assert.equal(reauth(v), true);
  v.wipe();
});

test('sweepIntervalMs: 0 turns it off; bad values are refused', async () => {
  const { v, counter } = await vault({ sweepIntervalMs: 0 });
  await v.connect('aws', creds(30), { verify: false });
  await sleep(80);
  assert.equal(counter.sweeps, 0); // no timer
  v.sweep();
  assert.equal(reauth(v), true);
  v.wipe();
  await assert.rejects(createVault({ sweepIntervalMs: -1 }), /sweepIntervalMs/);
  await assert.rejects(createVault({ sweepIntervalMs: 'x' }), /sweepIntervalMs/);
});

test('the default sweep timer does not keep Node alive', async () => {
  const { spawnSync } = await import('node:child_process');
  const code = "import('vaultlink').then(async ({ createVault }) => { await createVault(); console.log('created'); })";
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: process.cwd(), env: process.env, timeout: 10000 });
  assert.equal(r.status, 0, String(r.stderr));
  assert.match(String(r.stdout), /created/);
});

function fakeBrowser(t) {
  const win = new EventTarget();
  const doc = new EventTarget();
  const saved = { window: globalThis.window, document: globalThis.document, add: globalThis.addEventListener, rm: globalThis.removeEventListener };
  globalThis.window = globalThis;
  globalThis.document = doc;
  globalThis.addEventListener = win.addEventListener.bind(win);
  globalThis.removeEventListener = win.removeEventListener.bind(win);
  t.after(() => {
    globalThis.window = saved.window;
    globalThis.document = saved.document;
    globalThis.addEventListener = saved.add;
    globalThis.removeEventListener = saved.rm;
  });
  const page = (type, persisted) => win.dispatchEvent(Object.assign(new Event(type), { persisted }));
  return { win, doc, page };
}

// A vault whose every core instance is recorded (the first and any re-initialised one).
async function tracked(options = {}) {
  const cores = [];
  const v = await createVault({ sweepIntervalMs: 0, ...options, [HOOKS]: { onCore: (c) => cores.push(c) } });
  return { v, cores };
}

const isWiped = (re) => (e) => e instanceof VaultError && e.code === 'wiped' && re.test(e.message);

test('browser events: visibilitychange and pageshow sweep; pagehide and freeze wipe', async (t) => {
  const { win, doc, page } = fakeBrowser(t);

  const { v, memory, counter } = await vault({ sweepIntervalMs: 0 });
  const mem = () => new Uint8Array(memory.buffer);
  await v.connect('aws', creds(30), { verify: false });
  await sleep(60);
  doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(counter.sweeps, 1, 'visibilitychange sweeps');
  assert.equal(reauth(v), true);
  await v.connect('aws', creds(30), { verify: false });
  await sleep(60);
  page('pageshow', false);
  assert.equal(counter.sweeps, 2, 'pageshow sweeps');
  assert.equal(count(mem(), TOKEN), 0);

  v.link('k', { provider: 'local', value: 'LIFECYCLE-LOCAL-VALUE' });
  page('pagehide', true); // entering the bfcache
  assert.equal(v.wiped, true);
  assert.ok(mem().every((b) => b === 0), 'memory zero-filled on pagehide');
  assert.throws(() => v.links(), isWiped(/page was left \(pagehide\).*createVault\(\)/));
  await assert.rejects(v.resolve({ url: 'https://h.example/{{vault:k}}' }), /vault wiped/);
  page('pageshow', false); // a non-persisted pageshow restores nothing
  assert.equal(v.wiped, true);
  assert.equal(counter.sweeps, 2, 'no sweep on a wiped vault');

  const frozen = await vault({ sweepIntervalMs: 0 });
  doc.dispatchEvent(new Event('freeze'));
  assert.equal(frozen.v.wiped, true);
  assert.throws(() => frozen.v.links(), isWiped(/page was frozen/));

  const kept = await vault({ sweepIntervalMs: 0, wipeOnLeave: false });
  win.dispatchEvent(new Event('pagehide'));
  assert.equal(kept.v.wiped, false);
  kept.v.wipe();
  assert.throws(() => kept.v.links(), isWiped(/wipe\(\) was called/));
  page('pageshow', true);
  assert.equal(kept.v.wiped, true, 'wipe() is for good, even on a bfcache restore');
  assert.equal(v.wiped, false, 'the pagehide-wiped vault came back');
  assert.equal(frozen.v.wiped, false, 'the freeze-wiped vault came back');
  v.wipe();
  frozen.v.wipe();
});

test('bfcache restore after pagehide: a fresh, empty instance with a new key pair, then onRestore(vault)', async (t) => {
  const { doc, page } = fakeBrowser(t);
  const restored = [];
  const { v, cores } = await tracked({ onRestore: (x) => restored.push(x) });
  const key1 = v.publicKey();
  v.link('k', { provider: 'local', value: 'LIFECYCLE-RESTORE-VALUE' }, { domains: ['h.example'] });
  await v.connect('aws', creds(60_000), { verify: false });
  const r = await v.resolve({ url: 'https://h.example/{{vault:k}}' });
  assert.equal(r.url, 'https://h.example/LIFECYCLE-RESTORE-VALUE');
  const oldMemory = cores[0].memory;

  page('pagehide', true);
  assert.equal(v.wiped, true);
  assert.ok(new Uint8Array(oldMemory.buffer).every((b) => b === 0), 'the old memory is zero-filled');
  assert.deepEqual(restored, []);

  page('pageshow', true);
  assert.equal(v.wiped, false);
  assert.deepEqual(restored, [v], 'onRestore(vault) called once, with the vault');
  assert.equal(cores.length, 2, 'a second instance');
  assert.notEqual(cores[1].memory, oldMemory, 'with its own memory');
  assert.ok(new Uint8Array(oldMemory.buffer).every((b) => b === 0), 'the old memory stays zero');
  assert.equal(count(new Uint8Array(cores[1].memory.buffer), 'LIFECYCLE-RESTORE-VALUE'), 0);
  assert.deepEqual(v.links(), [], 'no links');
  const st = v.status();
  assert.deepEqual(st.cache, [], 'no cache');
  assert.ok(!st.providers.some((p) => p.provider === 'aws' && p.connected), 'no credentials');
  const key2 = v.publicKey();
  assert.notDeepEqual(key2.publicKey, key1.publicKey, 'a new session key pair');
  assert.notEqual(key2.keyId, key1.keyId);
  const again = await v.resolve({ url: 'https://h.example/{{vault:k}}' });
  assert.equal(again.url, 'https://h.example/{{vault:k}}');
  assert.equal(again.unresolved[0].reason, 'unknown');

  // The restored vault is fully live: it works, sweeps, and wipes on leave again.
  v.link('k2', { provider: 'local', value: 'second-life' });
  assert.equal((await v.resolve({ url: 'https://h.example/{{vault:k2}}' })).url, 'https://h.example/second-life');
  page('pageshow', true); // restoring a live vault does nothing
  assert.equal(cores.length, 2);
  assert.deepEqual(restored, [v]);
  doc.dispatchEvent(new Event('freeze'));
  assert.equal(v.wiped, true);
  assert.throws(() => v.links(), isWiped(/page was frozen/));
  page('pageshow', true);
  assert.equal(v.wiped, false, 'a second restore');
  assert.equal(cores.length, 3);
  assert.deepEqual(v.links(), []);
  assert.equal(restored.length, 2);

  // wipe() after an automatic wipe: no restore any more.
  page('pagehide', true);
  v.wipe();
  page('pageshow', true);
  assert.equal(v.wiped, true);
  assert.equal(cores.length, 3);
  assert.throws(() => v.links(), isWiped(/page was left \(pagehide\)/), 'the first reason is kept');
});

test('a resolve() in flight across a pagehide + restore fails as wiped and never touches the new instance', async (t) => {
  const { page } = fakeBrowser(t);
  let release;
  const gate = new Promise((r) => (release = r));
  const transport = {
    name: 'slow',
    async perform() {
      await gate;
      return { status: 200, headers: [], body: new TextEncoder().encode('{"data":{"data":{"v":"late-value"}}}') };
    },
  };
  const { v } = await tracked({ transport });
  v.link('h', { provider: 'hashicorp', hashicorp: { engine: 'secret', path: 'p', key: 'v' } });
  await v.connect('hashicorp', { address: 'https://vault.example', token: 'hvs.FAKE' }, { verify: false });
  const pending = v.resolve({ url: 'https://x.example/{{vault:h}}' });
  await sleep(10);
  page('pagehide', true);
  page('pageshow', true);
  assert.equal(v.wiped, false);
  v.link('k', { provider: 'local', value: 'after-restore' });
  release();
  await assert.rejects(pending, isWiped(/page was left \(pagehide\) while the call was in flight/));
  assert.deepEqual(v.links().map((l) => l.name), ['k'], 'the new vault is intact');
  assert.equal((await v.resolve({ url: 'https://x.example/{{vault:k}}' })).url, 'https://x.example/after-restore');
  v.wipe();
});

test('options.onRestore must be a function', async () => {
  await assert.rejects(createVault({ onRestore: 'yes' }), (e) => e instanceof VaultError && e.code === 'bad_argument' && /onRestore/.test(e.message));
});

test('createVaultInWorker is browser-only: in Node it rejects with code "unsupported"', async () => {
  const { createVaultInWorker } = await import('vaultlink');
  await assert.rejects(createVaultInWorker(), (e) => e instanceof VaultError && e.code === 'unsupported' && /createVault\(\)/.test(e.message));
  await assert.rejects(createVaultInWorker(null), (e) => e instanceof VaultError && e.code === 'bad_argument');
});
