// Shim lifecycle: the periodic sweep (sweepIntervalMs, unref'd in Node), sweeps
// on visibilitychange/pageshow, and wipe on pagehide/freeze with a vault that
// stays wiped after a back/forward-cache restore. Browser events are simulated
// with EventTargets standing in for window and document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVault, VaultError } from 'vaultlink';

const HOOKS = Symbol.for('vaultlink.testHooks');
const TOKEN = 'LIFECYCLE-FAKE-SESSION-TOKEN-42';
const creds = (ms) => ({ accessKeyId: 'ASIAFAKE', secretAccessKey: 'fake-secret', sessionToken: TOKEN, expiresAt: Date.now() + ms });

function count(mem, s) {
  const n = new TextEncoder().encode(s);
  let hits = 0;
  for (let i = mem.indexOf(n[0]); i !== -1; i = mem.indexOf(n[0], i + 1)) {
    let j = 1;
    while (j < n.length && mem[i + j] === n[j]) j++;
    if (j === n.length) hits++;
  }
  return hits;
}

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
  v.connect('aws', creds(60));
  assert.equal(count(new Uint8Array(memory.buffer), TOKEN), 0); // sealed at rest
  await sleep(150);
  assert.ok(counter.sweeps >= 2, `${counter.sweeps} sweeps in 150 ms`);
  assert.equal(reauth(v), true);
  v.wipe();
});

test('sweepIntervalMs: 0 turns it off; bad values are refused', async () => {
  const { v, counter } = await vault({ sweepIntervalMs: 0 });
  v.connect('aws', creds(30));
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

test('browser events: visibilitychange and pageshow sweep; pagehide wipes; a bfcache restore stays wiped', async (t) => {
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

  const { v, memory, counter } = await vault({ sweepIntervalMs: 0 });
  const mem = () => new Uint8Array(memory.buffer);
  v.connect('aws', creds(30));
  await sleep(60);
  doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(counter.sweeps, 1, 'visibilitychange sweeps');
  assert.equal(reauth(v), true);
  v.connect('aws', creds(30));
  await sleep(60);
  win.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }));
  assert.equal(counter.sweeps, 2, 'pageshow sweeps');
  assert.equal(count(mem(), TOKEN), 0);

  v.link('k', { provider: 'local', value: 'LIFECYCLE-LOCAL-VALUE' });
  win.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true })); // entering the bfcache
  assert.equal(v.wiped, true);
  assert.ok(mem().every((b) => b === 0), 'memory zero-filled on pagehide');
  win.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true })); // restored
  assert.equal(v.wiped, true);
  assert.throws(
    () => v.links(),
    (e) => e instanceof VaultError && e.code === 'wiped' && /page was left \(pagehide\).*createVault\(\)/.test(e.message),
  );
  await assert.rejects(v.resolve({ url: 'https://h.example/{{vault:k}}' }), /vault wiped/);

  const frozen = await vault({ sweepIntervalMs: 0 });
  doc.dispatchEvent(new Event('freeze'));
  assert.equal(frozen.v.wiped, true);
  assert.throws(() => frozen.v.links(), /page was frozen/);

  const kept = await vault({ sweepIntervalMs: 0, wipeOnLeave: false });
  win.dispatchEvent(new Event('pagehide'));
  assert.equal(kept.v.wiped, false);
  kept.v.wipe();
  assert.throws(() => kept.v.links(), /wipe\(\) was called/);
});
