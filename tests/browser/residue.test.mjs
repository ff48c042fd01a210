// Residue in the V8 heap of real Chromium (DESIGN.md I1, I6): after resolve
// and wipe() — and separately after navigating away so pagehide fires — a
// forced GC and a heap snapshot (CDP HeapProfiler) hold no secret value and no
// credential. Before the wipe, the only strings holding a value are the
// rendered request fields the page itself keeps.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { snapshotStrings, startBrowserBed } from './setup.mjs';
import { sealForRecipient } from '../../web/src/seal.js';

// Fake, recognisable secrets (sent to the page as bytes only).
const S = {
  local: 'heap-local-RESIDUE-9d1e77',
  aws: 'heap-aws-RESIDUE-2b8c41',
  sealed: 'heap-sealed-RESIDUE-6f0a93',
  akid: 'AKIAHEAPRESIDUE00001',
  secret: 'heap/secret+access+key+RESIDUE+0000000000',
  token: 'HEAP-RESIDUE-SESSION-TOKEN-5c2d',
};
const VALUES = [S.local, S.aws, S.sealed];
const CREDENTIALS = [S.secret, S.token];

let bed;
before(async () => {
  bed = await startBrowserBed();
});
after(async () => {
  await bed?.close();
});

const containing = (strings, needle) => strings.filter((s) => s.includes(needle));

async function preparedPage() {
  const page = await bed.page('/test/residue.html');
  await page.waitForSelector('body[data-ready="yes"]');
  const bytes = Object.fromEntries(Object.entries(S).filter(([k]) => k !== 'sealed').map(([k, v]) => [k, [...Buffer.from(v)]]));
  const key = await page.evaluate((b) => window.residue.setup(b), bytes);
  const env = await sealForRecipient({ publicKey: Uint8Array.from(key.publicKey), keyId: key.keyId }, 'ref-1', Buffer.from(S.sealed));
  await page.evaluate((e) => window.residue.setEnvelope(e), [...env]);
  const r = await page.evaluate(() => window.residue.resolve());
  assert.equal(r.unresolved, 0);
  assert.ok(r.fields.some((f) => f.includes(S.aws)) && r.fields.some((f) => f.includes(S.sealed)));
  return page;
}

test('resolve then wipe(): no value or credential left in the heap', async () => {
  const page = await preparedPage();
  const cdp = await page.context().newCDPSession(page);

  // Before the wipe: values only inside the rendered fields the page holds.
  const held = await page.evaluate(() => window.residue.heldFields());
  let strings = await snapshotStrings(cdp);
  for (const v of VALUES) {
    const found = containing(strings, v);
    assert.ok(found.length >= 1, `${v}: the held rendered field should be in the snapshot`);
    for (const s of found) assert.ok(held.includes(s), `${v} in a string that is not a rendered field: ${JSON.stringify(s.slice(0, 120))}`);
  }
  for (const c of CREDENTIALS) assert.deepEqual(containing(strings, c), [], `${c} in the JS heap while connected`);

  assert.equal(await page.evaluate(() => window.residue.wipe()), true);
  await page.evaluate(() => window.residue.drop());
  strings = await snapshotStrings(cdp);
  for (const s of [...VALUES, ...CREDENTIALS, S.akid]) assert.deepEqual(containing(strings, s), [], `${s} in the heap after wipe()`);
  await cdp.detach();
  await page.close();
});

test('navigating away (pagehide) leaves no value or credential in the heap', async () => {
  const page = await preparedPage();
  const cdp = await page.context().newCDPSession(page);
  await page.evaluate(() => window.residue.drop());
  // Same origin, same renderer: the old document may sit in the bfcache.
  await page.goto(bed.origin + '/test/index.html');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('residue-wiped-on-pagehide')), 'true');
  const strings = await snapshotStrings(cdp);
  for (const s of [...VALUES, ...CREDENTIALS]) assert.deepEqual(containing(strings, s), [], `${s} in the heap after pagehide`);
  await cdp.detach();
  await page.close();
  assert.deepEqual(bed.errors, []);
});
