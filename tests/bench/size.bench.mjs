// Benchmark (not a test): what a browser downloads, gzip -9, against the
// named peers' shipped files in the same run (issue "Lean core"; issue
// "Tunnel transport" §6). vaultlink's JS is web/lib/ (scripts/minify.mjs:
// esbuild bundles of web/src/, what package.json's exports point at).
//   core          web/dist/vaultlink.wasm + web/lib/vault.js (one file: it imports none)
//   core + tunnel web/dist/vaultlink-tunnel.wasm + the same JS (vault.js
//                 carries the tunnel and relay JS; the anchors are apart)
// Targets: the core's wasm ≤ 70 KB; core + tunnel ≤ 130 KB (libcurl.js ships
// 695 KB). Also: initial linear memory of the shipped modules (≤ 2 MiB).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NM = join(ROOT, 'node_modules');
const dist = (f) => join(ROOT, 'web', 'dist', f);
const lib = (f) => join(ROOT, 'web', 'lib', f);

function size(files) {
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`size.bench: not built: ${missing.join(', ')} (run scripts/test or scripts/demo once)`);
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const b = readFileSync(f);
    raw += b.length;
    gz += gzipSync(b, { level: 9 }).length;
  }
  return { raw, gz };
}
const kb = (n) => (n / 1000).toFixed(1);

const JS = [lib('vault.js')];
const lc = (f) => join(NM, 'libcurl.js', f);
const ep = (f) => join(NM, '@mercuryworkshop', 'epoxy-tls', f);
const libcurl = size([lc('libcurl.wasm'), lc('libcurl.mjs')]);
const epoxy = size([ep('full/epoxy.wasm'), ep('full/epoxy.js')]);

const rows = [];
function row(what, s, target) {
  rows.push({
    what,
    'raw KB': kb(s.raw),
    'gzip -9 KB': kb(s.gz),
    target: target ? `≤ ${target} KB` : '',
    met: target ? (s.gz <= target * 1000 ? 'yes' : 'no') : '',
    '× libcurl.js': (s.gz / libcurl.gz).toFixed(3),
    '× epoxy-tls': (s.gz / epoxy.gz).toFixed(3),
  });
}
row('vaultlink core wasm (vaultlink.wasm)', size([dist('vaultlink.wasm')]), 70);
row('vaultlink JS (web/lib/vault.js)', size(JS));
row('vaultlink core: wasm + JS', size([dist('vaultlink.wasm'), ...JS]));
row('vaultlink tunnel wasm (vaultlink-tunnel.wasm)', size([dist('vaultlink-tunnel.wasm')]));
row('vaultlink core + tunnel: wasm + JS', size([dist('vaultlink-tunnel.wasm'), ...JS]), 130);
row('default anchors (roots.der, loaded by the tunnel only)', size([dist('roots.der')]));
row('peer: libcurl.js 0.7.4 libcurl.wasm + libcurl.mjs', libcurl);
row('peer: epoxy-tls full/epoxy.wasm + epoxy.js', epoxy);
console.log('shipped size, gzip -9 (KB = 1000 B); ratios against the peers measured here');
console.table(rows);

// Initial linear memory: the module's declared minimum (pages of 64 KiB).
for (const f of ['vaultlink.wasm', 'vaultlink-tunnel.wasm']) {
  const mod = await WebAssembly.compile(readFileSync(dist(f)));
  const inst = await WebAssembly.instantiate(mod, { env: { getentropy: () => 0 } });
  const mib = inst.exports.memory.buffer.byteLength / 1048576;
  console.log(`${f}: initial linear memory ${mib} MiB (target ≤ 2 MiB: ${mib <= 2 ? 'met' : 'not met'})`);
}
