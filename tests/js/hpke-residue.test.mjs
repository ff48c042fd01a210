// Invariant I4 for HPKE in wasm: after an open through the exported entry
// point, none of the derived secrets (shared secret, key, base nonce,
// exporter secret) is left anywhere in linear memory, and after the bridge
// releases its buffers neither are the recipient key and the plaintext.
// Uses the RFC 9180 vectors, whose intermediate values are published.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadCore } from '../../web/src/bridge.js';
import { TEST_WASM } from './testwasm.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const vectorsDir = process.env.VL_VECTORS_DIR || join(here, '../../../shared/vectors');
const vectors = JSON.parse(readFileSync(join(vectorsDir, 'hpke/rfc9180_base_x25519_sha256.json'), 'utf8'));
const hex = (s) => Uint8Array.from(s.match(/../g) || [], (b) => parseInt(b, 16));

/** Number of places where needle occurs in haystack. */
function occurrences(haystack, needle) {
  let n = 0;
  const first = needle[0];
  for (let i = haystack.indexOf(first); i !== -1 && i <= haystack.length - needle.length; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) n++;
  }
  return n;
}

for (const v of vectors.filter((s) => s.aead_id !== 0xffff)) {
  test(`aead ${v.aead_id}: no HPKE secret survives an open in wasm memory`, async () => {
    const core = await loadCore(TEST_WASM);
    const x = core.x;
    const e = v.encryptions[0];
    const [sk, pk, enc, info, aad, ct, pt] = [v.skRm, v.pkRm, v.enc, v.info, e.aad, e.ct, e.pt].map(hex);
    const put = (b) => core.put(b.length ? b : new Uint8Array(1));
    const p = [sk, pk, enc, info, aad, ct].map(put);
    const out = core.put(new Uint8Array(pt.length));
    const st = x.vl_w_hpke_open_base(v.aead_id, p[0], p[1], p[2], p[3], info.length, p[4], aad.length, p[5], ct.length, out);
    assert.equal(st, 0);
    assert.deepEqual(core.u8().slice(out, out + pt.length), pt);

    const secrets = { shared_secret: v.shared_secret, key: v.key, base_nonce: v.base_nonce, exporter_secret: v.exporter_secret, secret: v.secret };
    for (const [name, value] of Object.entries(secrets)) {
      assert.equal(occurrences(core.u8(), hex(value)), 0, `${name} left in wasm memory after open`);
    }
    // The caller's buffers still hold skR and the plaintext until the bridge releases them.
    assert.ok(occurrences(core.u8(), sk) >= 1);
    core.release(out, pt.length);
    [sk, pk, enc, info, aad, ct].forEach((b, i) => core.release(p[i], Math.max(b.length, 1)));
    assert.equal(occurrences(core.u8(), sk), 0, 'skR left in wasm memory after release');
    assert.equal(occurrences(core.u8(), pt), 0, 'plaintext left in wasm memory after release');
    core.destroy();
  });
}
