// The JS API in real Chromium: the core scenarios in a page and in a dedicated
// Worker, wipe(), and wipe on leaving the page (pagehide, freeze).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBrowserBed } from './setup.mjs';

let bed;
let page;

before(async () => {
  bed = await startBrowserBed();
  page = await bed.harness();
});

after(async () => {
  await bed?.close();
});

const inPage = (name) => page.evaluate((n) => window.harness.scenarios[n](), name);
const inWorker = (name) => page.evaluate((n) => window.harness.runInWorker(n), name);
const bytes = (s) => [...Buffer.from(s, 'utf8')];
const byteOffset = (s, sub, from = 0) => Buffer.byteLength(s.slice(0, s.indexOf(sub, from)));

// Expectations shared by the page and the Worker runs.
const expect = {
  substitution(r) {
    assert.deepEqual(r.object, {
      method: 'POST',
      url: 'https://api.example.com/v1/démo-üser?k=demo-key-1',
      headers: { Authorization: 'Bearer demo-key-1', 'X-demo-key-1': 'plain' },
      body: '{"user":"démo-üser","k":"demo-key-1"}',
      unresolved: [],
    });
    assert.deepEqual(r.pairs.headers, [
      ['A', 'demo-key-1'],
      ['B', 'xdémo-üsery'],
    ]);
    assert.deepEqual(r.keyvalue.headers, [{ key: 'A', value: 'demo-key-1' }]);
    assert.equal(
      r.untouched,
      JSON.stringify({
        method: 'POST',
        url: 'https://api.example.com/v1/{{vault:user}}?k={{vault:key}}',
        headers: { Authorization: 'Bearer {{vault:key}}', 'X-{{vault:key}}': 'plain' },
        body: '{"user":"{{vault:user}}","k":"{{vault:key}}"}',
      }),
    );
  },

  bytesBody(r) {
    assert.equal(r.isBytes, true, 'a byte body comes back as a Uint8Array');
    assert.deepEqual(r.body, [0x00, 0xfe, ...bytes('k=demo-key-1&r='), 0xff, 0x00, 0x7f, 0xff]);
    assert.deepEqual(r.unresolved, []);
    assert.deepEqual(r.inputAfter, [0x00, 0xfe, ...bytes('k={{vault:key}}&r={{vault:raw}}'), 0xff], 'the input bytes are not modified');
    assert.equal(r.text.url, 'https://a.test/{{vault:raw}}');
    assert.equal(r.text.body, 'x{{vault:raw}}');
    assert.deepEqual(
      r.text.unresolved.map((u) => [u.where, u.offset, u.reason]),
      [
        ['url', 15, 'binary_value'],
        ['body', 1, 'binary_value'],
      ],
    );
  },

  reasons(r) {
    const url = 'https://sub.example.com/?s={{vault:stripe}}&o={{vault:ok}}';
    assert.equal(r.r.url, 'https://sub.example.com/?s={{vault:stripe}}&o=demo-ok');
    assert.deepEqual(r.r.headers, [['X-A', '{{vault:nope}} {{vault:off}}']]);
    assert.equal(r.r.body, 'é{{vault:stripe}}');
    assert.deepEqual(
      r.r.unresolved.map(({ token, name, where, offset, reason }) => ({ token, name, where, offset, reason })),
      [
        { token: '{{vault:stripe}}', name: 'stripe', where: 'url', offset: byteOffset(url, '{{vault:stripe}}'), reason: 'domain_not_allowed' },
        { token: '{{vault:nope}}', name: 'nope', where: 'headers[0].value', offset: 0, reason: 'unknown' },
        { token: '{{vault:off}}', name: 'off', where: 'headers[0].value', offset: 15, reason: 'disabled' },
        { token: '{{vault:stripe}}', name: 'stripe', where: 'body', offset: 2, reason: 'domain_not_allowed' },
      ],
    );
    for (const u of r.r.unresolved) {
      assert.ok(typeof u.message === 'string' && u.message.length > 0, 'every unresolved token has a message');
      assert.ok(!u.message.includes('demo-'), 'no value in a message');
    }
    assert.equal(r.enabled, 'demo-off', 'setEnabled(true) makes it resolve');
    assert.deepEqual(r.unlinked, ['unknown'], 'an unlinked secret is unknown');
    assert.deepEqual(
      r.links.map((l) => [l.name, l.enabled, l.domains]),
      [
        ['off', true, []],
        ['stripe', true, ['api.stripe.com']],
      ],
    );
  },

  domains(r) {
    assert.deepEqual(r, {
      'https://example.com/': 'W|{{vault:h}}',
      'https://a.b.example.com:8443/x': 'W|{{vault:h}}',
      'http://example.com/': '{{vault:w}}|{{vault:h}}',
      'https://badexample.com/': '{{vault:w}}|{{vault:h}}',
      'https://example.com.evil.test/': '{{vault:w}}|{{vault:h}}',
      'http://127.0.0.1:9/': '{{vault:w}}|H',
      'https://127.0.0.1/': '{{vault:w}}|{{vault:h}}',
      'https://api.example.org/': '{{vault:w}}|H',
      'http://api.example.org/': '{{vault:w}}|{{vault:h}}',
    });
  },

  postmanCompat(r) {
    assert.deepEqual(r.once, ['a-{{vault:inner}}-b', 'a-{{vault:inner}}-b'], 'by default a value is inserted once');
    assert.deepEqual(r.compat, ['a-demo-inner-b', 'a-demo-inner-b'], 'postmanCompat re-expands');
    assert.equal(r.byDefault, 'demo-inner!', 'createVault({postmanCompat:true}) is the default for resolve');
    assert.equal(r.overridden, '{{vault:inner}}!', 'resolve(req, {postmanCompat:false}) overrides it');
  },

  linksAndValidation(r) {
    assert.deepEqual(r.links, [{ name: 'a', provider: 'local', source: { provider: 'local' }, domains: ['a.example.com', '*.b.example.com'], enabled: false }]);
    assert.ok(!r.json.includes('demo-value-a'), 'links() never carries a value');
    for (const [k, code] of Object.entries({ emptyName: 'bad_argument', braceName: 'bad_argument', badValue: 'bad_argument', badRequest: 'bad_request' })) {
      assert.equal(r.errors[k]?.isVaultError, true, `${k} throws a VaultError`);
      assert.equal(r.errors[k].code, code, `${k}: ${r.errors[k].message}`);
    }
    assert.equal(r.errors.badDomain?.isVaultError, true);
    assert.match(r.errors.badDomain.message, /domains\[0\]/, 'the message names the offending entry');
    assert.deepEqual(r.after, ['a'], 'refused links add nothing');
  },

  wipe(r) {
    assert.equal(r.before, false);
    assert.equal(r.after, true);
    for (const k of ['resolve', 'link', 'links', 'setEnabled', 'unlink']) {
      assert.equal(r.calls[k]?.isVaultError, true, `${k}() after wipe throws a VaultError`);
      assert.equal(r.calls[k].code, 'wiped', k);
      assert.match(r.calls[k].message, /vault wiped/, k);
    }
    assert.equal(r.calls.wipeAgain, null, 'wipe() twice is harmless');
    assert.equal(r.freshBody, 'demo-fresh');
  },

  twoVaults(r) {
    assert.equal(r.ra, 'demo-from-a');
    assert.equal(r.rb, 'demo-from-b');
  },
};

describe('in a page', () => {
  for (const [name, check] of Object.entries(expect)) {
    test(name, async () => check(await inPage(name)));
  }
});

describe('in a dedicated Worker', () => {
  for (const name of ['substitution', 'bytesBody', 'reasons', 'postmanCompat', 'wipe']) {
    test(name, async () => {
      const r = await inWorker(name);
      assert.equal(r.global, 'worker', 'the scenario ran in the Worker');
      delete r.global;
      expect[name](r);
    });
  }
});

describe('wipe on leave', () => {
  test('pagehide (navigating away) wipes the vault and zero-fills its memory', async () => {
    const p = await bed.harness();
    const armed = await p.evaluate(() => window.harness.armLeaveProbe('pagehide'));
    assert.deepEqual(armed, { wiped: false, zero: false }, 'live before leaving');
    await p.goto(`${bed.origin}/test/?next`);
    const probe = JSON.parse(await p.evaluate(() => sessionStorage.getItem('vaultlink-probe-pagehide')));
    assert.deepEqual(probe, { event: 'pagehide', wiped: true, zero: true, hasValue: false });
    await p.close();
  });

  // Headless Chromium never freezes a visible page (CDP Page.setWebLifecycleState
  // fires nothing there), so the test dispatches the event the browser would.
  test('a freeze event wipes the vault too', async () => {
    const p = await bed.harness();
    await p.evaluate(() => window.harness.armLeaveProbe('freeze'));
    await p.evaluate(() => document.dispatchEvent(new Event('freeze')));
    const probe = JSON.parse(await p.evaluate(() => sessionStorage.getItem('vaultlink-probe-freeze')));
    assert.deepEqual(probe, { event: 'freeze', wiped: true, zero: true, hasValue: false });
    assert.equal(await p.evaluate(() => window.leaveProbe.vault.wiped), true);
    await p.close();
  });

  test('wipe() zero-fills the whole wasm memory at once', async () => {
    const r = await page.evaluate(async () => {
      const { createVault, memories, isZero } = window.harness;
      const v = await createVault();
      const memory = memories[memories.length - 1];
      v.link('k', { provider: 'local', value: 'demo-zero-me' });
      await v.resolve({ url: 'https://a.test/', body: '{{vault:k}}' });
      const before = isZero(memory);
      v.wipe();
      return { before, after: isZero(memory), size: memory.buffer.byteLength };
    });
    assert.equal(r.before, false);
    assert.ok(r.size > 0);
    assert.equal(r.after, true);
  });

  test('a vault created with wipeOnLeave:false survives pagehide listeners', async () => {
    const p = await bed.harness();
    const r = await p.evaluate(async () => {
      const v = await window.harness.createVault({ wipeOnLeave: false });
      v.link('k', { provider: 'local', value: 'demo-kept' });
      dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
      const kept = !v.wiped;
      const w = await window.harness.createVault();
      dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
      const out = { kept, defaultWiped: w.wiped };
      v.wipe();
      return out;
    });
    assert.deepEqual(r, { kept: true, defaultWiped: true });
    await p.close();
  });
});

describe('loading the module from a URL (options.wasm)', () => {
  // The fetch goes straight to compileStreaming; a server that sends another
  // content type still works (compiled from the whole body), and a failed
  // load names the URL and the HTTP status.
  test('application/wasm, another content type, and HTTP 404', async () => {
    const p = await bed.harness();
    const wasm = await (await fetch(`${bed.origin}/dist/vaultlink.wasm`)).arrayBuffer();
    await p.route('**/odd/*.wasm', (route) => {
      const name = new URL(route.request().url()).pathname.split('/').pop();
      if (name === 'missing.wasm') return route.fulfill({ status: 404, contentType: 'text/plain', body: 'no such file' });
      if (name === 'text.wasm') return route.fulfill({ status: 200, contentType: 'text/plain', body: 'not a module' });
      return route.fulfill({ status: 200, contentType: name === 'octet.wasm' ? 'application/octet-stream' : 'application/wasm', body: Buffer.from(wasm) });
    });
    const r = await p.evaluate(async () => {
      const use = async (path) => {
        try {
          const v = await window.harness.createVault({ wasm: new URL(path, location.href).href });
          v.link('k', { provider: 'local', value: 'demo-url-load' });
          const out = (await v.resolve({ url: 'https://a.test/?k={{vault:k}}' })).url;
          v.wipe();
          return out;
        } catch (e) {
          return `error: ${e.message}`;
        }
      };
      return { wasm: await use('/odd/core.wasm'), octet: await use('/odd/octet.wasm'), missing: await use('/odd/missing.wasm'), text: await use('/odd/text.wasm') };
    });
    assert.equal(r.wasm, 'https://a.test/?k=demo-url-load');
    assert.equal(r.octet, 'https://a.test/?k=demo-url-load');
    assert.match(r.missing, /^error: vaultlink: could not load http:\/\/127\.0\.0\.1:\d+\/odd\/missing\.wasm \(HTTP 404\)$/);
    assert.match(r.text, /^error: .*WebAssembly/);
    await p.close();
  });
});

test('no page errors', () => {
  assert.deepEqual(bed.errors, []);
});
