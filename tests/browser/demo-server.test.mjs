// The demo server on its own (no browser): static files with the right types,
// no way out of web/, the /echo endpoint, CORS, ports and extra services.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { startDemo } from '../demo-server.mjs';

let demo;

before(async () => {
  demo = await startDemo({ port: 0 });
});

after(async () => {
  await demo?.close();
});

/** A raw request: the path is sent exactly as given (no URL normalisation). */
function raw(path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: demo.port, path, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('listens on 127.0.0.1 and prints the demo URL shape', () => {
  assert.match(demo.url, /^http:\/\/127\.0\.0\.1:\d+\/demo\/$/);
  assert.equal(demo.origin, `http://127.0.0.1:${demo.port}`);
});

test('serves the demo, the module and the wasm with the right types', async () => {
  const cases = {
    '/demo/': 'text/html; charset=utf-8',
    '/demo/demo.js': 'text/javascript; charset=utf-8',
    '/demo/demo.css': 'text/css; charset=utf-8',
    '/src/vault.js': 'text/javascript; charset=utf-8',
    '/dist/vaultlink.wasm': 'application/wasm',
  };
  for (const [path, type] of Object.entries(cases)) {
    const r = await raw(path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['content-type'], type, path);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
  }
  const wasm = await raw('/dist/vaultlink.wasm');
  assert.deepEqual([...wasm.body.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'a wasm module');
  const page = await raw('/demo/');
  assert.match(page.headers['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(page.body.toString(), /<script type="module" src="demo\.js">/);
});

test('redirects / to the demo and directories to their slash form', async () => {
  assert.deepEqual([(await raw('/')).status, (await raw('/')).headers.location], [302, '/demo/']);
  assert.deepEqual([(await raw('/demo')).status, (await raw('/demo')).headers.location], [301, '/demo/']);
});

test('never serves a file outside web/', async () => {
  for (const path of ['/../package.json', '/%2e%2e/package.json', '/demo/..%2f..%2fpackage.json', '/src/%2e%2e/%2e%2e/package.json', '/demo/%00', '/%E0%A4%A']) {
    const r = await raw(path);
    assert.equal(r.status, 404, path);
    assert.ok(!r.body.toString().includes('"devDependencies"'), path);
  }
  assert.equal((await raw('/nope.txt')).status, 404);
  assert.equal((await raw('/demo/', { method: 'POST' })).status, 405);
});

test('/echo returns what it received (any method, text and bytes)', async () => {
  const r = await raw('/echo/a/b?x=%7B%7Bvault:k%7D%7D&y=1', {
    method: 'PATCH',
    headers: { 'X-Token': 'Bearer demo-1', 'Content-Type': 'application/json' },
    body: '{"k":"demo-1"}',
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  const echo = JSON.parse(r.body);
  assert.equal(echo.method, 'PATCH');
  assert.equal(echo.url, '/echo/a/b?x=%7B%7Bvault:k%7D%7D&y=1');
  assert.deepEqual(echo.headers.find(([n]) => n === 'X-Token'), ['X-Token', 'Bearer demo-1']);
  assert.equal(echo.body, '{"k":"demo-1"}');

  const bin = JSON.parse((await raw('/echo', { method: 'PUT', body: Buffer.from([0xff, 0x00, 0x41]) })).body);
  assert.equal(bin.body, null);
  assert.equal(bin.bodyBase64, Buffer.from([0xff, 0x00, 0x41]).toString('base64'));

  const get = JSON.parse((await raw('/echo')).body);
  assert.deepEqual([get.method, get.url, get.body], ['GET', '/echo', '']);
});

test('/echo allows CORS for loopback pages only', async () => {
  const pre = await raw('/echo', {
    method: 'OPTIONS',
    headers: { Origin: 'http://127.0.0.1:9999', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,x-token' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers['access-control-allow-origin'], 'http://127.0.0.1:9999');
  assert.equal(pre.headers['access-control-allow-headers'], 'authorization,x-token');
  assert.match(pre.headers['access-control-allow-methods'], /POST/);

  const foreign = await raw('/echo', { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(foreign.headers['access-control-allow-origin'], undefined);

  // OPTIONS without a preflight header is an ordinary request and is echoed.
  const plain = await raw('/echo/o', { method: 'OPTIONS' });
  assert.equal(JSON.parse(plain.body).method, 'OPTIONS');
});

test('a taken port falls back to a free one unless strictPort', async () => {
  const second = await startDemo({ port: demo.port });
  try {
    assert.notEqual(second.port, demo.port);
    assert.match(second.url, /^http:\/\/127\.0\.0\.1:\d+\/demo\/$/);
  } finally {
    await second.close();
  }
  await assert.rejects(startDemo({ port: demo.port, strictPort: true }), { code: 'EADDRINUSE' });
  await assert.rejects(startDemo({ port: 70000 }), /bad port/);
});

test('extra services start and stop with the demo and are published to the page', async () => {
  const events = [];
  const fake = async ({ host, origin }) => {
    events.push(`start ${host}`);
    assert.match(origin, /^http:\/\/127\.0\.0\.1:\d+$/, 'services learn the page origin');
    return { name: 'fake-vault', url: `http://${host}:1/`, close: async () => events.push('close') };
  };
  const d = await startDemo({ port: 0, services: [fake], tunnel: false });
  const list = JSON.parse((await fetch(`${d.origin}/demo-services.json`).then((r) => r.text())));
  assert.deepEqual(list, { 'fake-vault': { url: 'http://127.0.0.1:1/' } });
  assert.deepEqual(d.services, { 'fake-vault': 'http://127.0.0.1:1/' });
  await d.close();
  assert.deepEqual(events, ['start 127.0.0.1', 'close']);

  // With the tunnel (the default): an HTTPS front on localhost per service and the relay.
  events.length = 0;
  const t = await startDemo({ port: 0, services: [fake] });
  try {
    const tl = await fetch(`${t.origin}/demo-services.json`).then((r) => r.json());
    assert.match(tl['fake-vault'].tunnel.url, /^https:\/\/localhost:\d+$/);
    assert.match(tl._tunnel.relay, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(tl._tunnel.ca, /BEGIN CERTIFICATE/);
  } finally {
    await t.close();
  }
  assert.deepEqual(events, ['start 127.0.0.1', 'close']);

  // A service that fails to start stops the ones started before it.
  const failing = async () => {
    throw new Error('emulator failed');
  };
  events.length = 0;
  await assert.rejects(startDemo({ port: 0, services: [fake, failing] }), /emulator failed/);
  assert.deepEqual(events, ['start 127.0.0.1', 'close']);
});

test('the default demo starts the AWS and Vault emulators and publishes how to connect', async () => {
  const list = await fetch(`${demo.origin}/demo-services.json`).then((r) => r.json());
  assert.ok(list.aws && list.hashicorp, `services: ${Object.keys(list)}`);
  for (const [k, s] of Object.entries(list)) if (!k.startsWith('_')) assert.match(s.url, /^https?:\/\/127\.0\.0\.1:\d+/);
  assert.equal(list.aws.connect.endpoint, list.aws.url);
  assert.ok(list.aws.links.length >= 1);
  // Vault answers this page's origin only (CORS configured through the emulator options).
  const pre = await fetch(`${list.hashicorp.url}/v1/secret/data/demo/app`, {
    method: 'OPTIONS',
    headers: { Origin: demo.origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-vault-token' },
  });
  assert.equal(pre.headers.get('access-control-allow-origin'), demo.origin);
  const foreign = await fetch(`${list.hashicorp.url}/v1/secret/data/demo/app`, { headers: { Origin: 'http://evil.example' } });
  assert.equal(foreign.status, 403);
});
