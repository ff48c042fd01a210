// The shipped bundles (web/lib, scripts/minify.mjs): loading vault.js is one
// request (a static import would be a second one, found only once vault.js
// has arrived), and each bundle's own copy of VaultError recognises the
// others' errors, so `e instanceof VaultError` holds whichever bundle threw e.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

import { VaultError as SrcVaultError } from '../../web/src/errors.js';

const LIB = fileURLToPath(new URL('../../web/lib/', import.meta.url));
const lib = (f) => import(new URL(`../../web/lib/${f}`, import.meta.url));

const files = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));

/** The imports esbuild's parser finds in a file (nothing resolved, nothing bundled). */
async function importsOf(file) {
  const r = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    format: 'esm',
    plugins: [{ name: 'none', setup: (b) => b.onResolve({ filter: /.*/ }, (a) => (a.kind === 'entry-point' ? undefined : { path: a.path, external: true })) }],
  });
  return Object.values(r.metafile.inputs)[0].imports;
}

test('web/lib/vault.js imports nothing statically; every other bundle at most vault.js', async () => {
  const all = files(LIB).filter((f) => f.endsWith('.js'));
  assert.ok(all.length >= 8, `web/lib holds the bundles (found ${all.length}): run scripts/minify.mjs`);
  assert.ok(!all.some((f) => f.endsWith('/errors.js')), 'no separate errors.js: each bundle has its own VaultError');
  for (const f of all) {
    const name = relative(LIB, f);
    const statics = (await importsOf(f)).filter((i) => i.kind === 'import-statement').map((i) => i.path);
    if (name === 'vault.js') {
      assert.deepEqual(statics, [], 'vault.js loads in one request');
      continue;
    }
    for (const p of statics) {
      const target = p.startsWith('.') ? relative(LIB, join(LIB, name, '..', p)) : p;
      assert.equal(target, 'vault.js', `${name} imports ${p}`);
    }
  }
  // The dynamic ones are Node's own (reading the module from a file: URL).
  const dynamic = (await importsOf(join(LIB, 'vault.js'))).filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
  assert.ok(dynamic.every((p) => p.startsWith('node:')), dynamic.join(', '));
});

test('an error from any bundle is instanceof the VaultError of every other', async () => {
  const vault = await lib('vault.js');
  const seal = await lib('seal.js');
  const azure = await lib('auth/azure.js');
  const classes = { 'vault.js': vault.VaultError, 'web/src/errors.js': SrcVaultError };
  assert.notEqual(vault.VaultError, SrcVaultError, 'two copies of the class (the case under test)');

  const thrown = {};
  thrown['vault.js'] = await vault.createVault(null).catch((e) => e);
  thrown['seal.js'] = await seal.sealForRecipient({ publicKey: new Uint8Array(3), keyId: 'k' }, 'ref', 'v').catch((e) => e);
  thrown['auth/azure.js'] = await azure.popupOpener('https://idp.example/a', { redirectUri: 'https://app.example/cb' }).catch((e) => e);
  thrown['web/src/errors.js'] = new SrcVaultError('format', 'made here');
  const codes = { 'vault.js': 'bad_argument', 'seal.js': 'bad_argument', 'auth/azure.js': 'unsupported', 'web/src/errors.js': 'format' };
  for (const [from, e] of Object.entries(thrown)) {
    assert.equal(e.code, codes[from], `${from}: ${e.message}`);
    assert.equal(e.name, 'VaultError');
    assert.ok(e instanceof Error, `${from}: an Error`);
    for (const [name, C] of Object.entries(classes)) assert.ok(e instanceof C, `an error from ${from} is instanceof ${name}'s VaultError`);
  }
});

test('VaultError: other values are not instances; a subclass keeps the ordinary test; nothing new is enumerable', () => {
  for (const C of [SrcVaultError]) {
    for (const x of [new Error('x'), new TypeError('t'), { code: 'wiped', name: 'VaultError' }, null, undefined, 'VaultError', 42, () => {}]) {
      assert.equal(x instanceof C, false, String(x));
    }
    class Sub extends C {}
    const sub = new Sub('state', 'sub');
    assert.ok(sub instanceof Sub && sub instanceof C && sub instanceof Error);
    assert.equal(new C('state', 'base') instanceof Sub, false, 'a plain VaultError is not a Sub');
    const e = new C('limit', 'too long');
    assert.deepEqual(Object.keys(e), ['name', 'code']);
    assert.deepEqual(Object.getOwnPropertySymbols(e), []);
    assert.equal(JSON.stringify(e), '{"name":"VaultError","code":"limit"}');
    assert.equal(e.message, 'vaultlink: too long');
  }
});
