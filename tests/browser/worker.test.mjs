// createVaultInWorker() in real Chromium: the core runs in a dedicated Worker
// (web/src/worker.js) and the page holds a proxy whose methods all return
// Promises. Link/resolve/status/connect (and connect's verification result)
// through the Worker, errors as VaultErrors with the Worker's code and
// message, wipe() → terminate() and
// 'vault wiped' for good, pagehide/freeze → terminate and a new, empty Worker
// on a bfcache restore, and a heap snapshot of the page: the secret value is
// only in the rendered result the page holds (it lives in the Worker).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { snapshotStrings, startBrowserBed } from './setup.mjs';
import { startAwsEmulator } from '../emulators/aws.mjs';

const VALUE = 'worker-heap-VALUE-3e91c7';
const AWS_VALUE = 'worker-aws-VALUE-81f2d0';
const bytes = (s) => [...Buffer.from(s, 'utf8')];

let bed;
before(async () => {
  bed = await startBrowserBed();
});
after(async () => {
  await bed?.close();
});

async function iwPage() {
  const page = await bed.page('/test/inworker.html');
  await page.waitForSelector('body[data-ready="yes"]');
  return page;
}

test('link, resolve, links, status, connect, publicKey through the Worker (all Promises)', async () => {
  const page = await iwPage();
  assert.deepEqual(await page.evaluate(() => window.iw.create({ fakeAws: true })), { wiped: false, isPromise: true });
  assert.equal(await page.evaluate(() => window.iw.workers.created), 1);
  assert.equal(await page.evaluate((b) => window.iw.linkBytes('k', b, ['api.example.com']), bytes('demo-in-worker')), true, "the caller's bytes are left as they were");
  await page.evaluate((b) => window.iw.setAwsValue(b), bytes(AWS_VALUE));
  const r = await page.evaluate(async () => {
    const v = window.iw.vault;
    await v.link('user', { provider: 'local', value: 'démo' });
    await v.link('db', { provider: 'aws', aws: { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf' } });
    const before = await v.status();
    await v.connect('aws', { accessKeyId: 'AKIAFAKEWORKER', secretAccessKey: 'fake/secret', sessionToken: 'fake-token' }, { verify: false });
    const obj = await v.resolve({
      method: 'POST',
      url: 'https://api.example.com/{{vault:user}}?k={{vault:k}}',
      headers: { Authorization: 'Bearer {{vault:db}}' },
      body: '{"k":"{{vault:k}}"}',
    });
    const hdrs = await v.resolve({ url: 'https://api.example.com/', headers: new Headers({ 'X-K': '{{vault:k}}' }) });
    const bin = await v.resolve({ url: 'https://api.example.com/', body: new Uint8Array([0, 0xfe, ...new TextEncoder().encode('{{vault:k}}')]) });
    const off = await v.resolve({ url: 'https://evil.example/?k={{vault:k}}' });
    const mid = await v.status();
    await v.setEnabled('user', false);
    await v.unlink('db');
    const after = await v.status();
    const key = await v.publicKey();
    await v.disconnect('aws');
    return {
      obj,
      hdrsIsHeaders: hdrs.headers instanceof Headers,
      hdr: hdrs.headers.get('x-k'),
      binIsBytes: bin.body instanceof Uint8Array,
      bin: [...bin.body],
      off: off.unresolved.map((u) => u.reason),
      links: (await v.links()).map((l) => [l.name, l.enabled, l.domains]),
      awsBefore: before.providers.find((p) => p.provider === 'aws')?.connected ?? false,
      awsAfter: after.providers.find((p) => p.provider === 'aws')?.connected,
      awsEnd: (await v.status()).providers.find((p) => p.provider === 'aws')?.connected ?? false,
      cached: mid.cache.map((c) => c.name),
      cachedAfterUnlink: after.cache.map((c) => c.name),
      key: { kem: key.kem, len: key.publicKey.length, isBytes: key.publicKey instanceof Uint8Array, keyId: key.keyId },
      sweep: await v.sweep(),
      ttl: await v.setCacheTtl(5),
      reset: await v.resetCache(),
    };
  });
  assert.deepEqual(r.obj, {
    method: 'POST',
    url: 'https://api.example.com/démo?k=demo-in-worker',
    headers: { Authorization: `Bearer ${AWS_VALUE}` },
    body: '{"k":"demo-in-worker"}',
    unresolved: [],
  });
  assert.equal(r.hdrsIsHeaders, true, 'a Headers request gets Headers back');
  assert.equal(r.hdr, 'demo-in-worker');
  assert.equal(r.binIsBytes, true);
  assert.deepEqual(r.bin, [0, 0xfe, ...bytes('demo-in-worker')]);
  assert.deepEqual(r.off, ['domain_not_allowed']);
  assert.deepEqual(r.links, [
    ['k', true, ['api.example.com']],
    ['user', false, []],
  ]);
  assert.equal(r.awsBefore, false);
  assert.equal(r.awsAfter, true);
  assert.equal(r.awsEnd, false);
  assert.deepEqual(r.cached, ['db'], 'the provider value is cached (in the Worker)');
  assert.deepEqual(r.cachedAfterUnlink, [], 'unlink drops it');
  assert.deepEqual(r.key, { kem: 'X25519', len: 32, isBytes: true, keyId: r.key.keyId });
  assert.match(r.key.keyId, /^[0-9a-f]{16}$/);
  assert.equal(typeof r.sweep, 'number');
  await page.evaluate(() => window.iw.vault.wipe());
  await page.close();
});

test("connect() verifies through the Worker: the check's result, and a rejected key as a VaultError", async () => {
  const page = await iwPage();
  await page.evaluate(() => window.iw.create({ fakeAws: true }));
  const r = await page.evaluate(async () => {
    const v = window.iw.vault;
    const ok = await v.connect('aws', { accessKeyId: 'AKIAFAKEWORKER', secretAccessKey: 'fake/secret' });
    const connected = (await v.status()).providers.find((p) => p.provider === 'aws')?.connected;
    const bad = await window.iw.settle(v.connect('aws', { accessKeyId: 'AKIAREJECTEDWORKER', secretAccessKey: 'wrong/secret' }));
    const after = (await v.status()).providers.find((p) => p.provider === 'aws')?.connected ?? false;
    return { ok, connected, bad, after };
  });
  const { expiresAt, ...rest } = r.ok;
  assert.deepEqual(rest, { provider: 'aws', verified: true, method: 'sts:GetCallerIdentity', identity: 'arn:aws:iam::123456789012:user/worker' });
  assert.ok(expiresAt > Date.now(), 'the credentials expiry, as status() has it');
  assert.equal(r.connected, true);
  assert.equal(r.bad.ok, false);
  assert.equal(r.bad.error.isVaultError, true, 'a VaultError in the page, from the Worker');
  assert.equal(r.bad.error.code, 'credentials_rejected');
  assert.match(r.bad.error.message, /connect\("aws"\): the provider rejected the credentials \(HTTP 403\)/);
  assert.ok(!r.bad.error.message.includes('wrong/secret'), 'no secret in the message');
  assert.equal(r.after, false, 'rejected credentials are not kept');
  await page.evaluate(() => window.iw.vault.wipe());
  await page.close();
});

test('bad options are refused in the page, before a Worker starts or the module loads', async () => {
  const page = await iwPage();
  const r = await page.evaluate(async () => {
    const { settle, workers } = window.iw;
    const fetchesBefore = window.iw.pageFetches();
    const out = {
      ttl: await settle(window.iw.create({ cacheTtlMinutes: 0 })),
      sweep: await settle(window.iw.create({ sweepIntervalMs: 5 })),
    };
    out.created = workers.created;
    out.fetches = window.iw.pageFetches() - fetchesBefore;
    return out;
  });
  assert.equal(r.ttl.ok, false);
  assert.equal(r.ttl.error.code, 'bad_argument');
  assert.match(r.ttl.error.message, /options\.cacheTtlMinutes must be an integer from 1 to 525600/);
  assert.equal(r.sweep.error.code, 'bad_argument');
  assert.match(r.sweep.error.message, /options\.sweepIntervalMs .* got 5$/);
  assert.equal(r.created, 0, 'no Worker was started');
  assert.equal(r.fetches, 0, 'the page fetched nothing (no module compiled for the Worker)');
  await page.close();
});

test('errors come back as VaultErrors with the same code and message', async () => {
  const page = await iwPage();
  await page.evaluate(() => window.iw.create());
  const r = await page.evaluate(async () => {
    const { vault: v, settle } = window.iw;
    return {
      emptyName: await settle(v.link('', { provider: 'local', value: 'x' })),
      badDomain: await settle(v.link('a', { provider: 'local', value: 'x' }, { domains: ['exa mple.com'] })),
      badRequest: await settle(v.resolve({ url: 42 })),
      badProvider: await settle(v.connect('nope', {})),
      badTtl: await settle(v.setCacheTtl(0)),
      uncloneable: await settle(v.link('f', { provider: 'local', value: 'x', extra: () => 1 })),
      links: await settle(v.links()),
    };
  });
  for (const k of ['emptyName', 'badDomain', 'badRequest', 'badProvider', 'badTtl', 'uncloneable']) {
    assert.equal(r[k].ok, false, k);
    assert.equal(r[k].error.isVaultError, true, `${k}: ${r[k].error.message}`);
    assert.match(r[k].error.message, /^vaultlink: (?!vaultlink: )/, `${k}: one prefix`);
  }
  assert.equal(r.emptyName.error.code, 'bad_argument');
  assert.match(r.badDomain.error.message, /domains\[0\]/);
  assert.equal(r.badRequest.error.code, 'bad_request');
  assert.equal(r.uncloneable.error.code, 'bad_argument');
  assert.match(r.uncloneable.error.message, /cannot be sent to the Worker/);
  assert.deepEqual(r.links, { ok: true, value: [] }, 'refused links add nothing');
  // The same call on a page-thread vault gives the same code and message.
  const direct = await page.evaluate(async () => {
    const { createVault } = await import('/src/vault.js');
    const v = await createVault({ sweepIntervalMs: 0 });
    try {
      v.link('a', { provider: 'local', value: 'x' }, { domains: ['exa mple.com'] });
    } catch (e) {
      return { code: e.code, message: e.message };
    } finally {
      v.wipe();
    }
  });
  assert.deepEqual({ code: r.badDomain.error.code, message: r.badDomain.error.message }, direct);
  await page.evaluate(() => window.iw.vault.wipe());
  await page.close();
});

test('wipe(): the Worker wipes and is terminated; every later call rejects "vault wiped", for good', async () => {
  const page = await iwPage();
  await page.evaluate(() => window.iw.create());
  const r = await page.evaluate(async () => {
    const { vault: v, settle, workers } = window.iw;
    await v.link('k', { provider: 'local', value: 'demo-wipe-me' });
    const inflight = v.resolve({ url: 'https://a.test/{{vault:k}}' });
    const wiping = v.wipe();
    const wipedAtOnce = v.wiped;
    await wiping;
    const calls = {};
    for (const [k, f] of Object.entries({
      links: () => v.links(),
      resolve: () => v.resolve({ url: 'https://a.test/' }),
      link: () => v.link('x', { provider: 'local', value: 'y' }),
      status: () => v.status(),
      connect: () => v.connect('aws', { accessKeyId: 'a', secretAccessKey: 'b' }),
    })) calls[k] = (await settle(f())).error;
    await v.wipe(); // twice is harmless
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    return { wipedAtOnce, inflight: await settle(inflight), calls, workers: { ...workers }, wiped: v.wiped, restored: window.iw.restored() };
  });
  assert.equal(r.wipedAtOnce, true);
  assert.equal(r.inflight.ok, true, 'a call sent before wipe() is answered first');
  assert.equal(r.inflight.value.url, 'https://a.test/demo-wipe-me');
  for (const [k, e] of Object.entries(r.calls)) {
    assert.equal(e?.isVaultError, true, k);
    assert.equal(e.code, 'wiped', k);
    assert.match(e.message, /vault wiped \(wipe\(\) was called\): create a new vault with createVaultInWorker\(\)/, k);
  }
  assert.deepEqual(r.workers, { created: 1, terminated: 1 });
  assert.equal(r.wiped, true, 'a bfcache restore does not bring back a wipe()d vault');
  assert.equal(r.restored, 0);
  await page.close();
});

test('pagehide and freeze terminate the Worker; a bfcache restore starts a new, empty one', async () => {
  const page = await iwPage();
  await page.evaluate(() => window.iw.create());
  const r = await page.evaluate(async () => {
    const { vault: v, settle, workers } = window.iw;
    await v.link('k', { provider: 'local', value: 'demo-leave' });
    const key1 = (await v.publicKey()).keyId;
    const inflight = v.links();
    dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    const afterHide = { wiped: v.wiped, terminated: workers.terminated, call: (await settle(v.links())).error, inflight: (await settle(inflight)).error };
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    const afterShow = { wiped: v.wiped, created: workers.created, restored: window.iw.restored(), links: await v.links(), key2: (await v.publicKey()).keyId };
    const res = await v.resolve({ url: 'https://a.test/{{vault:k}}' });
    document.dispatchEvent(new Event('freeze'));
    const frozen = { wiped: v.wiped, terminated: workers.terminated, call: (await settle(v.status())).error };
    return { key1, afterHide, afterShow, reason: res.unresolved.map((u) => u.reason), frozen };
  });
  assert.equal(r.afterHide.wiped, true);
  assert.equal(r.afterHide.terminated, 1, 'terminated on pagehide');
  assert.equal(r.afterHide.call.code, 'wiped');
  assert.match(r.afterHide.call.message, /vault wiped \(the page was left \(pagehide\)\)/);
  assert.equal(r.afterHide.inflight.code, 'wiped', 'a call in flight at pagehide rejects as wiped');
  assert.equal(r.afterShow.wiped, false);
  assert.equal(r.afterShow.created, 2, 'a new Worker');
  assert.equal(r.afterShow.restored, 1, 'onRestore called');
  assert.deepEqual(r.afterShow.links, [], 'empty');
  assert.notEqual(r.afterShow.key2, r.key1, 'a new key pair');
  assert.deepEqual(r.reason, ['unknown']);
  assert.equal(r.frozen.wiped, true);
  assert.equal(r.frozen.terminated, 2, 'terminated on freeze');
  assert.match(r.frozen.call.message, /vault wiped \(the page was frozen\)/);
  await page.close();
});

test("heap snapshot of the page: the value is only in the rendered result it holds; nothing after wipe()", async () => {
  const page = await iwPage();
  const cdp = await page.context().newCDPSession(page);
  await page.evaluate(() => window.iw.create());
  await page.evaluate((b) => window.iw.linkBytes('k', b, ['api.example.com']), bytes(VALUE));
  const r = await page.evaluate(() =>
    window.iw.resolveAndHold({ method: 'POST', url: 'https://api.example.com/v1?k={{vault:k}}', headers: { Authorization: 'Bearer {{vault:k}}' } }),
  );
  assert.deepEqual(r.unresolved, []);
  assert.equal(r.url, `https://api.example.com/v1?k=${VALUE}`);
  const held = await page.evaluate(() => window.iw.heldFields());
  let strings = await snapshotStrings(cdp);
  const found = strings.filter((s) => s.includes(VALUE));
  assert.ok(found.length >= 1, 'the held rendered fields are in the snapshot');
  for (const s of found) assert.ok(held.includes(s), `value in a string that is not a rendered field: ${JSON.stringify(s.slice(0, 120))}`);

  await page.evaluate(async () => {
    window.iw.drop();
    await window.iw.vault.wipe();
  });
  strings = await snapshotStrings(cdp);
  assert.deepEqual(strings.filter((s) => s.includes(VALUE)), [], 'nothing left in the page heap');
  assert.deepEqual(await page.evaluate(() => ({ ...window.iw.workers })), { created: 1, terminated: 1 });
  await cdp.detach();
  await page.close();
});

test('a fetchTransport, alone or as a routeTransport route, is made in the Worker: the Worker fetches and the page sees no response', async () => {
  const key = { accessKeyId: 'AKIDWORKERMADE', secretAccessKey: 'emulator-only-worker-made' };
  const secret = { name: 'worker-made', suffix: 'W0rkM4', string: 'worker-made-VALUE-6a0c13' };
  const aws = await startAwsEmulator({ secrets: [secret], keys: [{ ...key, principal: 'arn:aws:iam::123456789012:user/worker', allow: ['worker-made'] }] });
  try {
    for (const route of [false, true]) {
      const page = await iwPage();
      await page.evaluate((r) => window.iw.createMade(r), route);
      const r = await page.evaluate(
        async ({ key, endpoint, route }) => {
          const v = window.iw.vault;
          await v.connect('aws', { ...key, endpoint }, { verify: false });
          await v.link('db', { provider: 'aws', aws: { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:worker-made-W0rkM4' } });
          const headers = { 'X-Db': '{{vault:db}}' };
          if (route) {
            // Another provider: its job goes to the route's page transport.
            await v.connect('hashicorp', { address: 'http://127.0.0.1:9', token: 'hvs.unused' }, { verify: false });
            await v.link('hc', { provider: 'hashicorp', hashicorp: { engine: 'secret', path: 'app', key: 'pw' } });
            headers['X-Hc'] = '{{vault:hc}}';
          }
          const out = await v.resolve({ url: 'https://api.example.com/', headers });
          await v.wipe();
          return { db: out.headers['X-Db'], unresolved: out.unresolved.map((u) => [u.name, u.reason]), seen: window.iw.seen, pageFetches: window.iw.pageFetches() };
        },
        { key, endpoint: aws.url, route },
      );
      assert.equal(r.db, secret.string, `the Worker fetched the value (${route ? 'as a route' : 'alone'})`);
      assert.equal(r.pageFetches, 0, 'the page made no fetch: no provider response passed through it');
      assert.deepEqual(r.unresolved, route ? [['hc', 'unreachable']] : []);
      assert.deepEqual(r.seen, route ? ['hashicorp'] : [], "only the page route's provider came back to the page");
      await page.close();
    }
    assert.equal(aws.state.calls.filter((c) => /GetSecretValue/.test(c.operation)).length, 2, 'one GetSecretValue per vault, from the Worker');
  } finally {
    await aws.close();
  }
});

test("the Worker's vault runs on the module the page compiled while the Worker loaded: the Worker requests no wasm", async () => {
  // Each kind of transport, and the module createVault() in the Worker takes for it.
  const cases = [
    { what: 'the default (fetch, made in the Worker)', module: 'vaultlink.wasm', make: 'none' },
    { what: "the page's own transport", module: 'vaultlink-tunnel.wasm', make: 'page' },
    { what: 'a fetchTransport', module: 'vaultlink.wasm', make: 'fetch' },
    { what: "a routeTransport: fetch, and the page's own", module: 'vaultlink-tunnel.wasm', make: 'route' },
    { what: 'a routeTransport of fetch only', module: 'vaultlink.wasm', make: 'route-fetch' },
    { what: 'a tunnelTransport (a relay URL)', module: 'vaultlink-tunnel.wasm', make: 'tunnel' },
    // A browser that cannot post a WebAssembly.Module: the Worker loads its own.
    { what: 'the default, with no Module posting', module: 'vaultlink.wasm', make: 'none', noPost: true },
  ];
  for (const c of cases) {
    const page = await iwPage();
    const wasm = []; // every request for a module, the page's and the Worker's
    page.on('request', (q) => {
      if (q.url().endsWith('.wasm')) wasm.push(q.url().split('/').pop());
    });
    const { url, byPage } = await page.evaluate(async ({ make, noPost }) => {
      const byPage = []; // the page's own: its fetch() (the Worker has its own)
      if (noPost) {
        const post = Worker.prototype.postMessage;
        Worker.prototype.postMessage = function (m, ...a) {
          if (m?.module instanceof WebAssembly.Module) throw new DOMException('no Module here', 'DataCloneError');
          return post.call(this, m, ...a);
        };
      }
      const fetch0 = window.fetch;
      window.fetch = (u, ...a) => {
        if (String(u).endsWith('.wasm')) byPage.push(String(u).split('/').pop());
        return fetch0(u, ...a);
      };
      const m = await import('/src/vault.js');
      const own = { async perform() { throw new Error('not asked in this test'); } };
      const transport = {
        none: undefined,
        page: own,
        fetch: m.fetchTransport(),
        route: m.routeTransport({ aws: m.fetchTransport(), default: own }),
        'route-fetch': m.routeTransport({ default: m.fetchTransport() }),
        tunnel: m.tunnelTransport({ relay: 'ws://127.0.0.1:9/' }),
      }[make];
      const v = await m.createVaultInWorker({ sweepIntervalMs: 0, transport });
      await v.link('k', { provider: 'local', value: new TextEncoder().encode('from-the-posted-module') });
      const r = await v.resolve({ url: 'https://h.example/{{vault:k}}' });
      await v.wipe();
      window.fetch = fetch0;
      return { url: r.url, byPage };
    }, c);
    assert.equal(url, 'https://h.example/from-the-posted-module', c.what);
    assert.deepEqual(byPage, [c.module], `${c.what}: the page fetched ${c.module}`);
    if (c.noPost) assert.deepEqual(wasm, [c.module, c.module], `${c.what}: and the Worker fetched its own`);
    else assert.deepEqual(wasm, [c.module], `${c.what}: and no other module was requested (none by the Worker)`);
    await page.close();
  }
});

test('no page errors', () => {
  assert.deepEqual(bed.errors, []);
});
