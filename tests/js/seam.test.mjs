// The JS↔wasm seam (issue #12 §1): bridge.js is the whole ABI, transports get
// opaque jobs with a core-computed identity, and test hooks are not shipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVault, VaultError } from 'vaultlink';
import { TEST_WASM } from './testwasm.mjs';
import { decodeRequest } from '../../web/src/wire.js';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function exportsOf(file) {
  const mod = await WebAssembly.compile(await readFile(file));
  return WebAssembly.Module.exports(mod).filter((e) => e.kind === 'function').map((e) => e.name);
}

async function listed(name) {
  const text = await readFile(path.join(ROOT, 'wasm', name), 'utf8');
  return text.split('\n').filter((l) => l.startsWith('_')).map((l) => l.slice(1));
}

test('the shipped module exports the vault ABI only; the test build adds the hooks', async () => {
  const shipped = await exportsOf(path.join(ROOT, 'web/dist/vaultlink.wasm'));
  const hooks = await listed('test-exports.txt');
  for (const name of await listed('exports.txt')) assert.ok(shipped.includes(name), `${name} is exported`);
  for (const name of hooks) assert.ok(!shipped.includes(name), `${name} is not shipped`);
  const testBuild = await exportsOf(fileURLToPath(TEST_WASM));
  for (const name of hooks) assert.ok(testBuild.includes(name), `${name} is in the test build`);
});

test('each module imports getentropy alone: no clock, no memory-growth hook (its malloc grows memory itself)', async () => {
  for (const file of ['web/dist/vaultlink.wasm', 'web/dist/vaultlink-tunnel.wasm', fileURLToPath(TEST_WASM)]) {
    const mod = await WebAssembly.compile(await readFile(path.isAbsolute(file) ? file : path.join(ROOT, file)));
    assert.deepEqual(WebAssembly.Module.imports(mod), [{ module: 'env', name: 'getentropy', kind: 'function' }], file);
  }
});

test('the core module has no tunnel and no sealing side; vaultlink-tunnel.wasm adds exactly their entry points', async () => {
  const core = await exportsOf(path.join(ROOT, 'web/dist/vaultlink.wasm'));
  const tunnel = await exportsOf(path.join(ROOT, 'web/dist/vaultlink-tunnel.wasm'));
  const tunnelNames = [...(await listed('tunnel-exports.txt')), ...(await listed('seal-exports.txt'))];
  assert.ok(tunnelNames.length >= 11);
  assert.ok(tunnelNames.includes('vl_w_envelope_seal'));
  for (const name of tunnelNames) {
    assert.ok(!core.includes(name), `${name} is not in the core module`);
    assert.ok(tunnel.includes(name), `${name} is in the tunnel module`);
  }
  assert.deepEqual(tunnel.filter((n) => !tunnelNames.includes(n)).sort(), [...core].sort());
  // No TLS code linked into the core: none of the tunnel's X.509 messages is in its data.
  const coreBytes = await readFile(path.join(ROOT, 'web/dist/vaultlink.wasm'));
  const tunnelBytes = await readFile(path.join(ROOT, 'web/dist/vaultlink-tunnel.wasm'));
  for (const text of ['ended before the current time', 'certificate_expired']) {
    assert.ok(tunnelBytes.includes(Buffer.from(text)), `tunnel module has "${text}"`);
    assert.ok(!coreBytes.includes(Buffer.from(text)), `core module lacks "${text}"`);
  }
});

test('no file of the shim but bridge.js touches wasm memory or the core\'s exports', async () => {
  const files = [];
  const walk = async (dir) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.js')) files.push(p);
    }
  };
  await walk(path.join(ROOT, 'web/src'));
  assert.ok(files.length > 5);
  const offenders = [];
  for (const f of files) {
    if (path.basename(f) === 'bridge.js') continue;
    const text = await readFile(f, 'utf8');
    if (/\bvl_(w_|alloc|free)|\.memory\b|\bu8\(\)|\.outbox\b|WebAssembly\.(Memory|Instance|instantiate)/.test(text)) offenders.push(path.relative(ROOT, f));
  }
  assert.deepEqual(offenders, []);
});

test('jobs are opaque: a core-computed identity names the request, stable across signings, new after a reconnect', async () => {
  const seen = [];
  const transport = {
    async perform(job) {
      assert.equal(typeof job.request, 'function');
      assert.deepEqual(job.origin(), { scheme: 'https', host: 'secretsmanager.us-east-1.amazonaws.com', port: 443 });
      seen.push({ identity: job.identity, req: job.request(), job });
      return { status: 0, headers: [['x-vaultlink-error', 'network']], body: new Uint8Array(0) };
    },
  };
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport });
  v.link('db', { provider: 'aws', aws: { secretArn: ARN } });
  await v.connect('aws', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-one' }, { verify: false });
  await v.resolve({ url: 'https://h.example/{{vault:db}}' });
  await sleep(1100); // another X-Amz-Date second: another signature
  await v.resolve({ url: 'https://h.example/{{vault:db}}' });
  await v.connect('aws', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-two' }, { verify: false });
  await v.resolve({ url: 'https://h.example/{{vault:db}}' });
  assert.equal(seen.length, 3);
  const auth = (r) => r.headers.find(([k]) => k.toLowerCase() === 'authorization')[1];
  assert.notEqual(auth(seen[0].req), auth(seen[1].req), 'two signings differ');
  assert.match(seen[0].identity, /^[0-9a-f]{32}$/);
  assert.equal(seen[0].identity, seen[1].identity, 'the same request under the same credentials');
  assert.notEqual(seen[2].identity, seen[0].identity, 'other credentials: another identity');
  for (const s of seen) assert.ok(!s.identity.includes('AKID') && !auth(s.req).includes(s.identity));
  // A job whose resolve ended can no longer be read.
  assert.throws(() => seen[0].job.request(), (e) => e instanceof VaultError && e.code === 'state');
  assert.throws(() => seen[0].job.origin(), (e) => e instanceof VaultError && e.code === 'state');
  v.wipe();
});

test('status codes come from the core', async () => {
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0 });
  assert.throws(() => v.link('x', 'not-a-reference-sk_live_abcdef'), (e) => e instanceof VaultError && e.code === 'bad_reference');
  assert.throws(() => v.unlink('missing'), (e) => e instanceof VaultError && e.code === 'not_found');
  await assert.rejects(v.connect('aws', { accessKeyId: 1 }), (e) => e instanceof VaultError && e.code === 'bad_argument' || e.code === 'format');
  v.wipe();
});

test('a request with no "{{vault:" is answered in JS without entering wasm, exactly as the core would', async () => {
  let core;
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, [Symbol.for('vaultlink.testHooks')]: { onCore: (c) => (core = c) } });
  let calls = 0;
  const x = core.x;
  const wrapped = Object.create(null);
  for (const k of Object.keys(x)) wrapped[k] = x[k];
  wrapped.vl_w_resolve = (...a) => (calls++, x.vl_w_resolve(...a));
  core.x = wrapped;
  v.link('k', { provider: 'local', value: 'kv' });
  const body = new Uint8Array([1, 2, 123, 123, 0, 3]);
  const plain = await v.resolve({ method: 'POST', url: 'https://h.example/{{other}}?a=1', headers: [['A', '{{x}}'], ['B', 'b']], body });
  assert.equal(calls, 0, 'no wasm call');
  assert.deepEqual(plain, { method: 'POST', url: 'https://h.example/{{other}}?a=1', headers: [['A', '{{x}}'], ['B', 'b']], body, unresolved: [] });
  assert.notEqual(plain.body, body, 'a byte body comes back as a copy, as from the core');
  const kv = await v.resolve({ url: 'https://h.example/', headers: [{ key: 'A', value: 'a' }], body: 'text' });
  assert.deepEqual(kv.headers, [{ key: 'A', value: 'a' }]);
  assert.equal(kv.body, 'text');
  assert.equal(calls, 0);
  // Bad input is still refused the same way, and a token goes to the core.
  await assert.rejects(v.resolve({ url: 'https://h.example/\uD800' }), (e) => e instanceof VaultError && e.code === 'bad_request');
  const withToken = await v.resolve({ url: 'https://h.example/{{vault:k}}' });
  assert.equal(withToken.url, 'https://h.example/kv');
  assert.equal(calls, 1);
  // In bytes too: "{{vault:" inside a byte body is a token.
  await v.resolve({ url: 'https://h.example/', body: new TextEncoder().encode('x{{vault:k}}') });
  assert.equal(calls, 2);
  v.wipe();
});

test('preloadVault(): resolves (never rejects) and createVault() after it uses the one compiled shipped module', async () => {
  const { preloadVault } = await import('vaultlink');
  const HOOKS = Symbol.for('vaultlink.testHooks');
  assert.equal(await preloadVault(), undefined);
  assert.equal(await preloadVault(null), undefined, 'bad options: nothing to preload, no throw');
  assert.equal(await preloadVault({ wasm: new Uint8Array([1, 2, 3]) }), undefined, 'options.wasm: nothing is compiled (these bytes would not)');
  const modules = [];
  const hooks = { [HOOKS]: { onCore: (c) => modules.push(c.module) } };
  const a = await createVault({ ...hooks });
  const b = await createVault({ ...hooks });
  assert.ok(modules[0] instanceof WebAssembly.Module);
  assert.equal(modules[0], modules[1], 'both vaults instantiate the preloaded module');
  assert.ok(!WebAssembly.Module.exports(modules[0]).some((e) => e.name === 'vl_w_tunnel_begin'), 'the default transport preloads the core, not the tunnel module');
  a.link('k', { provider: 'local', value: 'v' });
  assert.equal((await a.resolve({ url: 'https://h.example/{{vault:k}}' })).url, 'https://h.example/v');
  a.wipe();
  b.wipe();
});

test('only fields holding "{{vault:" cross into wasm, a text body as the window around its tokens; outputs and report offsets are the whole request\'s', async () => {
  let core;
  const v = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, [Symbol.for('vaultlink.testHooks')]: { onCore: (c) => (core = c) } });
  const x = core.x;
  const wrapped = Object.create(null);
  for (const k of Object.keys(x)) wrapped[k] = x[k];
  let sent = null;
  wrapped.vl_w_resolve = (vh, ptr, len, ...rest) => {
    sent = decodeRequest(new Uint8Array(x.memory.buffer, ptr, len).slice());
    return x.vl_w_resolve(vh, ptr, len, ...rest);
  };
  core.x = wrapped;
  v.link('k', { provider: 'local', value: 'V€' });
  v.link('only', { provider: 'local', value: 'ok', domains: ['h.example'] });
  const pad = 'é'.repeat(300);
  const body = `日本${pad}{{{vault:k}}|{{vault:nope}}|{{x}}{{vault:k}}${pad}{{vault:k}`;
  const r = await v.resolve({ method: 'PUT', url: 'https://h.example/{{vault:only}}', headers: [['A', 'plain'], ['B', 'x{{vault:k}}'], ['{{vault:k}}', 'c']], body });
  // What the core saw: the URL whole, token-free header fields empty, the body
  // from its first "{{vault:" to where its last one's match ends (or, with no
  // match there, where the brace-free run after it stops).
  assert.equal(sent.url, 'https://h.example/{{vault:only}}');
  assert.deepEqual(sent.headers, [['', ''], ['', 'x{{vault:k}}'], ['{{vault:k}}', '']]);
  assert.equal(sent.body, `{{vault:k}}|{{vault:nope}}|{{x}}{{vault:k}}${pad}{{vault:k`);
  assert.equal(sent.bodyKind, 1);
  // The result is the whole request's, as if every byte had been sent.
  const expected = (t) => t.replace(/{{([^{}]*?)}}/g, (m, c) => (c === 'vault:k' ? 'V€' : c === 'vault:only' ? 'ok' : m));
  assert.equal(r.url, 'https://h.example/ok');
  assert.deepEqual(r.headers, [['A', 'plain'], ['B', 'xV€'], ['V€', 'c']]);
  assert.equal(r.body, expected(body));
  assert.equal(r.method, 'PUT');
  // Report offsets are UTF-8 byte offsets in the whole body.
  const [u] = r.unresolved;
  assert.equal(r.unresolved.length, 1);
  assert.equal(u.where, 'body');
  assert.equal(u.offset, new TextEncoder().encode(body.slice(0, body.indexOf('{{vault:nope}}'))).length);
  // A token-free body goes empty (bytes too, kept as bytes); a long one where a token sits near each end goes whole in between.
  const bytes = new Uint8Array([7, 8, 9]);
  const b = await v.resolve({ url: 'https://h.example/{{vault:k}}', body: bytes });
  assert.equal(sent.bodyKind, 2);
  assert.equal(sent.body.length, 0);
  assert.deepEqual([...b.body], [7, 8, 9]);
  assert.notEqual(b.body, bytes);
  const t = await v.resolve({ url: 'https://h.example/', body: 'plain text', headers: { X: '{{vault:k}}' } });
  assert.equal(sent.body, '');
  assert.equal(t.body, 'plain text');
  // postmanCompat renders the whole request: every field goes.
  await v.resolve({ url: 'https://h.example/', headers: [['A', 'plain']], body: `a{{vault:k}}b` }, { postmanCompat: true });
  assert.deepEqual(sent.headers, [['A', 'plain']]);
  assert.equal(sent.body, 'a{{vault:k}}b');
  v.wipe();
});
