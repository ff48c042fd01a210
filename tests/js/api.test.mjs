// The JS API on the wasm build under Node: the same scenarios as the C engine
// tests, plus argument checking, shapes and the wiped state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVault, VaultError } from 'vaultlink';

const local = (value) => ({ provider: 'local', value });

test('substitutes in URL, header names and values, string and byte bodies', async () => {
  const v = await createVault();
  v.link('k', local('S3CRET'));
  const r = await v.resolve({
    method: 'POST',
    url: 'https://api.example.com/{{vault:k}}?q={{vault:k}}',
    headers: { 'X-{{vault:k}}': 'Bearer {{vault:k}}', Plain: '{{env}}' },
    body: '{"a":"{{vault:k}}","b":"{{other}}"}',
  });
  assert.equal(r.method, 'POST');
  assert.equal(r.url, 'https://api.example.com/S3CRET?q=S3CRET');
  assert.deepEqual(r.headers, { 'X-S3CRET': 'Bearer S3CRET', Plain: '{{env}}' });
  assert.equal(r.body, '{"a":"S3CRET","b":"{{other}}"}');
  assert.deepEqual(r.unresolved, []);
  const bytes = await v.resolve({ url: 'https://h.com/', body: new TextEncoder().encode('[{{vault:k}}]') });
  assert.ok(bytes.body instanceof Uint8Array);
  assert.equal(new TextDecoder().decode(bytes.body), '[S3CRET]');
  v.wipe();
});

test('only substitutions come back from the core: unicode offsets, whole-field tokens, byte bodies', async () => {
  const v = await createVault();
  v.link('k', local('S3CRET'));
  v.link('uni', local('é😀日'));
  v.link('🔑', local('key€'));
  v.link('bin', local(new Uint8Array([0, 0xff, 0x80])));
  const r = await v.resolve({
    url: 'https://h.com/é/{{vault:uni}}/😀{{vault:k}}',
    headers: { '日{{vault:🔑}}': '{{vault:uni}}', B: '😀{{vault:uni}}{{vault:uni}}x' },
    body: '日本{{vault:nope}}😀{{vault:k}}{{vault:🔑}}',
  });
  assert.equal(r.url, 'https://h.com/é/é😀日/😀S3CRET');
  assert.deepEqual(r.headers, { '日key€': 'é😀日', B: '😀é😀日é😀日x' });
  assert.equal(r.body, '日本{{vault:nope}}😀S3CRETkey€');
  const body = new Uint8Array([0xff, ...new TextEncoder().encode('{{vault:bin}}-{{vault:k}}'), 0x80]);
  const b = await v.resolve({ url: 'https://h.com/', body });
  assert.deepEqual([...b.body], [0xff, 0, 0xff, 0x80, ...new TextEncoder().encode('-S3CRET'), 0x80]);
  assert.notEqual(b.body.buffer, body.buffer);
  const same = await v.resolve({ url: 'https://h.com/', body });
  assert.deepEqual([...(await v.resolve({ url: 'https://h.com/', body: body.subarray(0, 1) })).body], [0xff]);
  assert.equal(same.body.length, b.body.length);
  v.wipe();
});

test('header shapes round-trip: object, pairs, {key,value}, Headers', async () => {
  const v = await createVault();
  v.link('k', local('V'));
  const url = 'https://h.com/';
  assert.deepEqual((await v.resolve({ url, headers: [['A', '{{vault:k}}'], ['A', '2']] })).headers, [['A', 'V'], ['A', '2']]);
  assert.deepEqual((await v.resolve({ url, headers: [{ key: 'A', value: '{{vault:k}}' }] })).headers, [{ key: 'A', value: 'V' }]);
  const h = (await v.resolve({ url, headers: new Headers({ a: '{{vault:k}}' }) })).headers;
  assert.ok(h instanceof Headers);
  assert.equal(h.get('a'), 'V');
  v.wipe();
});

test('every unresolved token stays literal with its reason and place', async () => {
  const v = await createVault();
  v.link('off', local('x'), { enabled: false });
  v.link('dom', local('x'), { domains: 'good.com, *.good.org' });
  v.link('aws', { provider: 'aws', aws: { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:demo' } });
  const url = 'https://evil.com/?a={{vault:nope}}&b={{vault:off}}&c={{vault:dom}}&d={{vault:aws}}';
  const r = await v.resolve({ url, headers: [['H', '{{vault:dom}}']] });
  assert.equal(r.url, url);
  assert.deepEqual(
    r.unresolved.map((u) => [u.name, u.where, u.reason]),
    [
      ['nope', 'url', 'unknown'],
      ['off', 'url', 'disabled'],
      ['dom', 'url', 'domain_not_allowed'],
      ['aws', 'url', 'not_connected'],
      ['dom', 'headers[0].value', 'domain_not_allowed'],
    ],
  );
  assert.equal(r.unresolved[0].token, '{{vault:nope}}');
  assert.equal(r.unresolved[0].offset, url.indexOf('{{vault:nope}}'));
  assert.ok(r.unresolved.every((u) => typeof u.message === 'string' && u.message.length > 10));
  // Allowed: exact host and wildcard subdomain.
  assert.equal((await v.resolve({ url: 'https://good.com/{{vault:dom}}' })).url, 'https://good.com/x');
  assert.equal((await v.resolve({ url: 'https://a.good.org:8443/{{vault:dom}}' })).url, 'https://a.good.org:8443/x');
  v.setEnabled('off', true);
  assert.equal((await v.resolve({ url: 'https://evil.com/{{vault:off}}' })).url, 'https://evil.com/x');
  v.wipe();
});

test('values are not re-expanded unless postmanCompat', async () => {
  const v = await createVault();
  v.link('a', local('<{{vault:b}}>'));
  v.link('b', local('B'));
  assert.equal((await v.resolve({ url: 'https://h.com/{{vault:a}}' })).url, 'https://h.com/<{{vault:b}}>');
  assert.equal((await v.resolve({ url: 'https://h.com/{{vault:a}}' }, { postmanCompat: true })).url, 'https://h.com/<B>');
  const compat = await createVault({ postmanCompat: true });
  compat.link('a', local('<{{vault:b}}>'));
  compat.link('b', local('B'));
  assert.equal((await compat.resolve({ url: 'https://h.com/{{vault:a}}' })).url, 'https://h.com/<B>');
  v.wipe();
  compat.wipe();
});

test('links() lists definitions and never values', async () => {
  const v = await createVault();
  v.link('k', local('TOPSECRET-VALUE'), { domains: ['a.com'] });
  const list = v.links();
  assert.deepEqual(list, [{ name: 'k', provider: 'local', source: { provider: 'local' }, domains: ['a.com'], enabled: true }]);
  v.link('gh', 'op://Private/GitHub/password'); // a shorthand: the provider is named
  assert.deepEqual(v.links().find((l) => l.name === 'gh'), {
    name: 'gh',
    provider: '1password',
    source: 'op://Private/GitHub/password',
    domains: [],
    enabled: true,
  });
  v.unlink('gh');
  assert.ok(!JSON.stringify(list).includes('TOPSECRET'));
  v.unlink('k');
  assert.deepEqual(v.links(), []);
  v.wipe();
});

test('bad input gets clear errors that never contain the value', async () => {
  const v = await createVault();
  const bad = [
    [() => v.link(42, local('x')), /name must be a string/],
    [() => v.link('k', null), /source must be/],
    [() => v.link('k', local(12)), /string or Uint8Array/],
    [() => v.link('k', local('PRIVATE-1'), { domains: ['good.com', 'bad host'] }), /domains\[1\]/],
    [() => v.link('a{b', local('PRIVATE-2')), /brace|'\{'/],
    [() => v.link('k', { provider: 'keeper', keeper: {} }), /unknown provider "keeper"/],
    [() => v.unlink('missing'), /no secret/],
  ];
  for (const [fn, re] of bad) {
    assert.throws(fn, (e) => e instanceof VaultError && re.test(e.message) && !/PRIVATE/.test(e.message));
  }
  const badReq = [
    [{ url: 42 }, /request\.url must be a string/],
    [{ url: 'https://h/', headers: 'x' }, /request\.headers must be/],
    [{ url: 'https://h/', headers: [['a']] }, /request\.headers\[0\]/],
    [{ url: 'https://h/', body: 12 }, /request\.body must be a string or bytes/],
    [{ url: 'https://h/', body: 'x\uD800y' }, /request\.body is not well-formed/],
    [null, /request must be an object/],
  ];
  for (const [req, re] of badReq) {
    await assert.rejects(v.resolve(req), (e) => e instanceof VaultError && re.test(e.message));
  }
  await assert.rejects(createVault({ cacheTtlMinutes: 0 }), /cacheTtlMinutes/);
  // An interval past setTimeout's limit would sweep every millisecond.
  await assert.rejects(createVault({ sweepIntervalMs: 2 ** 31 }), /options\.sweepIntervalMs must be 0 \(off\) or in 10\.\.2147483647, got 2147483648/);
  await assert.rejects(createVault({ sweepIntervalMs: 5 }), /sweepIntervalMs .* got 5$/);
  await assert.rejects(createVault({ sweepIntervalMs: '30000' }), /sweepIntervalMs .* got string$/);
  (await createVault({ sweepIntervalMs: 2 ** 31 - 1 })).wipe();
  v.wipe();
});

test('bad options are refused before the module is loaded: no request, the option named', async () => {
  // A module URL that is counted, never served: each bad option must fail
  // before compileCore() asks for it (a bad option used to cost the download,
  // and with the module unreachable the load error hid the option's).
  const real = globalThis.fetch;
  const asked = [];
  globalThis.fetch = async (url) => {
    asked.push(String(url));
    throw new TypeError('network down');
  };
  try {
    const wasm = 'http://127.0.0.1:9/vaultlink.wasm';
    const bad = [
      [{ cacheTtlMinutes: 0 }, /options\.cacheTtlMinutes must be an integer/],
      [{ sweepIntervalMs: 5 }, /options\.sweepIntervalMs .* got 5$/],
      [{ onRestore: 'x' }, /options\.onRestore must be a function/],
      [{ transport: {} }, /options\.transport must have a perform\(job\) method/],
    ];
    for (const [o, re] of bad) {
      await assert.rejects(createVault({ ...o, wasm }), (e) => e instanceof VaultError && e.code === 'bad_argument' && re.test(e.message));
    }
    assert.deepEqual(asked, []);
    // Good options do load it (here: the fetch fails, and says so).
    await assert.rejects(createVault({ wasm }), /network down/);
    assert.deepEqual(asked, [wasm]);
  } finally {
    globalThis.fetch = real;
  }
});

test('limits: oversized input is refused whole, nothing partial', async () => {
  const v = await createVault();
  v.link('k', local('v'));
  const body = 'x'.repeat(16 * 1024 * 1024 + 1);
  await assert.rejects(v.resolve({ url: 'https://h/', body }), (e) => e.code === 'limit' && /body/.test(e.message));
  const many = '{{vault:k}}'.repeat(4097);
  await assert.rejects(v.resolve({ url: 'https://h/', body: many }), (e) => e.code === 'limit' && /tokens/.test(e.message));
  const headers = Array.from({ length: 257 }, (_, i) => [`h${i}`, 'v']);
  await assert.rejects(v.resolve({ url: 'https://h/', headers }), (e) => e.code === 'limit' && /headers/.test(e.message));
  assert.throws(() => v.link('n'.repeat(257), local('x')), (e) => e.code === 'limit');
  // The vault still works afterwards.
  assert.equal((await v.resolve({ url: 'https://h/{{vault:k}}' })).url, 'https://h/v');
  v.wipe();
});

test('NUL bytes, unbalanced braces and unicode pass through untouched', async () => {
  const v = await createVault();
  v.link('ключ', local('значение🔑'));
  const body = '\u0000{{vault:ключ}}{{{{vault:ключ}}}}}{ {{ }} 🙂 {{vault:ключ';
  const r = await v.resolve({ url: 'https://h/', body });
  assert.equal(r.body, '\u0000значение🔑{{значение🔑}}}{ {{ }} 🙂 {{vault:ключ');
  v.wipe();
});

test('wipe(): every later call fails with "vault wiped"', async () => {
  const v = await createVault();
  v.link('k', local('v'));
  v.wipe();
  assert.equal(v.wiped, true);
  assert.throws(() => v.link('k', local('v')), (e) => e.code === 'wiped' && /vault wiped/.test(e.message));
  await assert.rejects(v.resolve({ url: 'https://h/' }), (e) => e.code === 'wiped');
  assert.throws(() => v.links(), (e) => e.code === 'wiped');
  v.wipe(); // idempotent
});

test('large bodies: spliced (ASCII) and copied (non-ASCII) paths give the same result', async () => {
  const v = await createVault();
  v.link('a', local('AAA'));
  v.link('u', local('üñï'));
  v.link('d', local('x'), { domains: ['other.test'] });
  const tail = '{{vault:a}}-{{vault:u}}-{{vault:zz}}-{{vault:d}}-{{env}}';
  const ascii = 'x'.repeat(70000) + tail + 'y'.repeat(5);
  const r = await v.resolve({ url: 'https://h.test/', body: ascii });
  assert.equal(r.body, 'x'.repeat(70000) + 'AAA-üñï-{{vault:zz}}-{{vault:d}}-{{env}}' + 'y'.repeat(5));
  assert.deepEqual(r.unresolved.map((u) => [u.name, u.reason, u.offset]), [
    ['zz', 'unknown', ascii.indexOf('{{vault:zz}}')],
    ['d', 'domain_not_allowed', ascii.indexOf('{{vault:d}}')],
  ]);
  const wide = 'é'.repeat(40000) + tail;
  const w = await v.resolve({ url: 'https://h.test/', body: wide });
  assert.equal(w.body, 'é'.repeat(40000) + 'AAA-üñï-{{vault:zz}}-{{vault:d}}-{{env}}');
  // Postman mode re-expands, so it always copies.
  v.link('b', local('{{vault:a}}'));
  const c = await v.resolve({ url: 'https://h.test/', body: 'x'.repeat(70000) + '{{vault:b}}' }, { postmanCompat: true });
  assert.equal(c.body, 'x'.repeat(70000) + 'AAA');
  v.wipe();
});
