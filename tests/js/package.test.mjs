// `import { createVault } from 'vaultlink'` works from an installed package:
// npm pack, install the tarball into an empty project (no network: the shim has
// no runtime dependencies), and resolve a request there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('the packed package installs and works in a fresh project', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vaultlink-pkg-'));
  try {
    execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tgz, 'npm pack produced a tarball');
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--silent', '--offline', '--no-audit', '--no-fund', join(dir, tgz)], { cwd: app, stdio: 'inherit' });
    writeFileSync(
      join(app, 'main.mjs'),
      `import { createVault } from 'vaultlink';
       import { sealForRecipient } from 'vaultlink/seal';
       const v = await createVault();
       v.link('k', { provider: 'local', value: 'packed-ok' }, { domains: ['h.test'] });
       const r = await v.resolve({ url: 'https://h.test/{{vault:k}}' });
       console.log(JSON.stringify([r.url, typeof sealForRecipient]));
       v.wipe();`,
    );
    const out = execFileSync('node', ['main.mjs'], { cwd: app, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), ['https://h.test/packed-ok', 'function']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
