// The TypeScript declarations against the shipped modules: every entry of
// package.json's "exports" has types, and every name each module exports at
// run time is declared there (a TypeScript user can import what a JS user
// can). Checked by the TypeScript compiler itself (strict, the declarations
// included), on a file that imports each entry by the package's own name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const entries = Object.entries(pkg.exports).filter(([k]) => k !== './package.json');

test('every export entry names its types, and the file is there', () => {
  for (const [k, v] of entries) {
    assert.equal(typeof v, 'object', `${k} has no "types"`);
    assert.ok(existsSync(join(ROOT, v.types)), `${k}: ${v.types} is missing`);
    assert.ok(existsSync(join(ROOT, v.default)), `${k}: ${v.default} is missing`);
  }
  assert.equal(pkg.types, pkg.exports['.'].types);
});

test('the declarations compile (strict) and declare every name each module exports at run time', async () => {
  const lines = [];
  for (const [i, [k, v]] of entries.entries()) {
    const names = Object.keys(await import(pathToFileURL(join(ROOT, v.default)).href));
    assert.ok(names.length > 0, `${k} exports nothing`);
    lines.push(`import * as m${i} from '${join(pkg.name, k)}';`);
    lines.push(`export const names${i} = [${names.map((n) => `m${i}.${n}`).join(', ')}];`);
  }
  // A few uses, so the shapes are checked as well as the names.
  lines.push(
    "import { createVaultInWorker, fetchTransport, routeTransport, tunnelTransport } from 'vaultlink';",
    "const tunnel = tunnelTransport({ relay: 'wss://relay.example/ws', protocol: 'websockify', tokens: { 'vault.example:8200': 't' } });",
    'const kind: "tunnel" | undefined = tunnel.workerConfig?.kind;',
    'const route = routeTransport({ azure: tunnel, default: fetchTransport({ timeoutMs: 5000 }) });',
    'export const posted = [kind, route.workerConfig?.routes.azure, fetchTransport().workerConfig?.maxResponseBytes];',
    'export const worker = () => createVaultInWorker({ transport: route });',
  );
  const dir = join(ROOT, 'build', 'typecheck'); // inside the package: its own name resolves to it
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'check.mts');
  writeFileSync(file, lines.join('\n') + '\n');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom', file];
  const run = await promisify(execFile)(process.execPath, args, { cwd: ROOT }).then(
    () => ({ ok: true, out: '' }),
    (e) => ({ ok: false, out: `${e.stdout}${e.stderr}` }),
  );
  assert.ok(run.ok, `tsc:\n${run.out}`);
});
