// Makes the shipped JS in web/lib/ (what package.json's exports point at):
// esbuild bundles and minifies web/src/ into a few files.
//   vault.js       the vault, bridge, request codec, transports (fetch, tunnel,
//                  relay) and the Postman adapter: one file, one request;
//   postman.js, transports/*.js   re-export from vault.js (no second copy);
//   seal.js, worker.js, auth/*.js bundles of their own (worker.js imports vault.js).
// No bundle imports a file but vault.js: each holds its own copy of VaultError
// (web/src/errors.js: the copies recognise each other's errors), so loading
// vault.js is one request, not a request and then another for what it imports.
// Files keep web/src/'s layout, so the URLs the code makes from
// import.meta.url ('./worker.js', '../dist/vaultlink.wasm') mean the same.
// The types stay in web/src/*.d.ts.   Usage: node scripts/minify.mjs
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'web', 'src');
const LIB = join(ROOT, 'web', 'lib');

/** Keeps these imports as they are (they name files that exist in web/lib/). */
const keep = (re) => ({
  name: 'keep',
  setup(b) {
    b.onResolve({ filter: re }, (a) => (a.kind === 'entry-point' ? undefined : { path: a.path, external: true }));
  },
});
const common = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['node:*'],
  minify: true,
  legalComments: 'none',
  logLevel: 'error',
};

rmSync(LIB, { recursive: true, force: true });
await build({
  ...common,
  stdin: {
    contents: ["export * from './vault.js';", "export * from './postman.js';", "export * from './transports/relay.js';"].join('\n'),
    resolveDir: SRC,
    sourcefile: 'vaultlink-entry.js',
  },
  outfile: join(LIB, 'vault.js'),
});
for (const e of ['seal.js', 'auth/azure.js', 'auth/vault-oidc.js']) {
  await build({ ...common, entryPoints: [join(SRC, e)], outfile: join(LIB, e) });
}
await build({ ...common, entryPoints: [join(SRC, 'worker.js')], outfile: join(LIB, 'worker.js'), plugins: [keep(/\.\/vault\.js$/)] });
const stub = (file, from, names) => {
  mkdirSync(dirname(join(LIB, file)), { recursive: true });
  writeFileSync(join(LIB, file), `export{${names.join(',')}}from'${from}';\n`);
};
stub('postman.js', './vault.js', ['postmanSecretResolver']);
stub('transports/fetch.js', '../vault.js', ['fetchTransport']);
stub('transports/tunnel.js', '../vault.js', ['tunnelTransport', 'routeTransport']);
stub('transports/relay.js', '../vault.js', ['RelayError', 'wispReasonName', 'wispRelay', 'websockifyRelay']);
