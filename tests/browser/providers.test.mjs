// Every provider end to end in real Chromium: the page (origin = the demo
// server) imports /src/vault.js, connects to the emulators started here in
// Node, and resolves into URL, headers and body over fetch() and CORS, as a
// browser app would. Mirrors tests/js/*-e2e.test.mjs where the browser makes a
// difference (CORS, preflights, forbidden headers, the page's own fetch), plus
// the failures with their reasons (tokens left literal), domain gating before
// any fetch, and what actually went over the wire (echo server, route
// interceptor, and a log of every request the page made).
//
// Emulators send CORS as the real services do (tests/demo-services.mjs):
// AWS and GCP allow it, Vault for its configured origins, 1Password with
// `cors` on (as a proxy in front of Connect would), Azure not at all.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startBrowserBed } from './setup.mjs';
import { startAwsEmulator } from '../emulators/aws.mjs';
import { startVaultEmulator } from '../emulators/vault.mjs';
import { startGcpEmulator } from '../emulators/gcp.mjs';
import { startOnePasswordEmulator, totpFromUri } from '../emulators/onepassword.mjs';
import { startAzureEmulator } from '../emulators/azure.mjs';
import { seed as onePasswordSeed, FULL_ITEM, TOKEN as OP_TOKEN, NARROW_TOKEN as OP_NARROW, VID as OP_VID } from '../js/onepassword-fixtures.mjs';
import { DEMO_AWS_SECRETS, DEMO_VAULT_SECRETS } from '../demo-services.mjs';

// ---------------------------------------------------------------- seeds ---

const ACCOUNT = '123456789012';
const ALICE = { accessKeyId: 'AKIDBROWSERALICE', secretAccessKey: 'emulator-only-browser-alice' };
const BOB = { accessKeyId: 'AKIDBROWSERBOB', secretAccessKey: 'emulator-only-browser-bob' };
const OLD = { accessKeyId: 'ASIABROWSEROLD', secretAccessKey: 'emulator-only-browser-old', sessionToken: 'EMULATOR/expired-browser-session' };
const ROLE = `arn:aws:iam::${ACCOUNT}:role/BrowserSecretReader`;
const arn = (name, suffix) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-${suffix}`;
const DB = arn('BrowserDatabaseSecret', 'a1b2c3');
const PROD = arn('prod/api', 'Pr0dAp');
const GATED = arn('gated/key', 'G4t3dK');
const AWS_SEED = {
  secrets: [
    {
      name: 'BrowserDatabaseSecret',
      suffix: 'a1b2c3',
      versions: [
        { id: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1', stages: ['AWSPREVIOUS'], string: '{"username":"david","password":"aws-browser-pass-PREVIOUS"}' },
        { id: 'EXAMPLE2-90ab-cdef-fedc-ba987SECRET2', stages: ['AWSCURRENT'], string: '{"username":"david","password":"aws-browser-pass-CURRENT","db":{"port":5432}}' },
      ],
    },
    { name: 'plain', suffix: 'Pl41nX', string: 'aws-browser-plaintext' },
    { name: 'binary-secret', suffix: 'b1n4ry', binary: Buffer.from('aws-browser-binary') },
    { name: 'prod/api', suffix: 'Pr0dAp', string: 'aws-browser-role-value' },
    { name: 'doomed', suffix: 'D00med', string: 'aws-browser-doomed', deleted: true },
    { name: 'gated/key', suffix: 'G4t3dK', string: 'aws-browser-gated-value' },
  ],
  keys: [
    { ...ALICE, principal: `arn:aws:iam::${ACCOUNT}:user/alice`, allow: ['BrowserDatabaseSecret', 'plain', 'binary-secret', 'doomed', 'gated/*', arn('no-such', 'Abc123')] },
    { ...BOB, principal: `arn:aws:iam::${ACCOUNT}:user/bob`, allow: ['BrowserDatabaseSecret'] },
    { ...OLD, expired: true },
  ],
  // Alice alone may not read prod/*: only through the role (STS AssumeRole).
  roles: [{ arn: ROLE, trustedPrincipals: [`arn:aws:iam::${ACCOUNT}:user/alice`], allow: ['prod/*'] }],
};

const HOUR = 3600;
const VAULT_SEED = {
  mounts: { 'secret/': { version: 2 }, 'kv/': { version: 1 }, 'ns1/secret/': { version: 2 } },
  namespaces: ['ns1/'],
  secrets: {
    'secret/myapp': { password: 'vault-browser-pass', port: 5432, nested: { a: [1, 'b'] } },
    'secret/versioned': [{ data: { k: 'vault-browser-v1' } }, { data: { k: 'vault-browser-v2' } }, { data: { k: 'vault-browser-v3' } }],
    'secret/deleted': [{ data: { k: 'vault-browser-del-1' } }, { data: { k: 'vault-browser-del-2' }, deleted: Date.now() - 1000 }],
    'kv/legacy': { FOO: 'vault-browser-kv1' },
    'ns1/secret/team': { owner: 'vault-browser-ns1-owner' },
  },
  policies: { reader: { 'secret/data/*': ['read'], 'kv/*': ['read'] }, none: {} },
  tokens: {
    'hvs.BROWSER-READER': { policies: ['reader'], ttl: HOUR },
    'hvs.BROWSER-NOBODY': { policies: ['none'], ttl: HOUR },
    'hvs.BROWSER-EXPIRED': { policies: ['reader'], ttl: 60, creationTime: Date.now() - 120_000 },
    'hvs.BROWSER-NS1': { policies: ['root'], namespace: 'ns1/' },
  },
  approle: { roles: { app: { role_id: 'browser-role-id', secret_id: 'browser-secret-id', policies: ['reader'], token_ttl: 1200 } } },
  userpass: { users: { alice: { password: 'emulator-only-browser-password', policies: ['reader'], token_ttl: 900 } } },
};

const GCP_SEED = {
  secrets: [
    { project: 'my-project', name: 'db', versions: [{ data: 'gcp-browser-v1' }, { data: '{"username":"david","password":"gcp-browser-pass","db":{"port":5432}}' }] },
    { project: 'my-project', name: 'retired', versions: [{ data: 'gcp-browser-retired', state: 'DISABLED' }] },
    { project: 'my-project', name: 'private', versions: [{ data: 'gcp-browser-private' }] },
  ],
  tokens: [{ token: 'ya29.browser-good' }, { token: 'ya29.browser-narrow', allow: ['db'] }, { token: 'ya29.browser-old', expiresAt: Date.now() - 1 }],
};

// Every secret value seeded above (long enough to be unambiguous): none may
// ever travel anywhere but to the echo server, and only where resolved.
const VALUES = [
  'aws-browser-pass-PREVIOUS', 'aws-browser-pass-CURRENT', 'aws-browser-plaintext', 'aws-browser-binary', 'aws-browser-role-value',
  'aws-browser-doomed', 'aws-browser-gated-value', 'vault-browser-pass', 'vault-browser-v1', 'vault-browser-v2', 'vault-browser-v3',
  'vault-browser-del', 'vault-browser-kv1', 'vault-browser-ns1-owner', 'gcp-browser-v1', 'gcp-browser-pass', 'gcp-browser-retired',
  'gcp-browser-private', 'hunter2', 'section-scoped-password', 'emulator-db-pass', 'azure-browser-value',
];

// ---------------------------------------------------------------- set-up ---

let bed;
let page;
let aws;
let hv; // HashiCorp Vault, CORS for the page's origin
let hvHeaders; // … also allowing X-Vault-Namespace
let hvNoCors; // … CORS configured for another origin only
let gcp;
let op;
let az;
const sent = []; // every request the page made: {url, method, headers, body}

/** A port nothing listens on (bound, then closed). Not a Chromium "unsafe port". */
async function closedPort() {
  return new Promise((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = srv.address().port;
      srv.close(() => res(p));
    });
  });
}

before(async () => {
  bed = await startBrowserBed();
  const origin = bed.origin;
  [aws, hv, hvHeaders, hvNoCors, gcp, op, az] = await Promise.all([
    startAwsEmulator(AWS_SEED),
    startVaultEmulator({ ...VAULT_SEED, cors: { allowed_origins: [origin] } }),
    startVaultEmulator({ ...VAULT_SEED, cors: { allowed_origins: [origin], allowed_headers: ['X-Vault-Namespace'] } }),
    startVaultEmulator({ ...VAULT_SEED, cors: { allowed_origins: ['https://some-other-app.example'] } }),
    startGcpEmulator(GCP_SEED),
    startOnePasswordEmulator(onePasswordSeed()),
    startAzureEmulator({ secrets: [{ name: 'db', value: 'azure-browser-value' }], tokens: [{ token: 'tok-browser-azure' }] }),
  ]);
  op.state.cors = true;
  page = await bed.harness();
  page.on('request', (r) => sent.push({ url: r.url(), method: r.method(), headers: r.headers(), body: r.postData() ?? '' }));
  // The page-side runner: one vault per scenario, steps as plain data.
  await page.evaluate(async () => {
    const [{ createVault }, { fetchTransport }] = await Promise.all([import('/src/vault.js'), import('/src/transports/fetch.js')]);
    window.vl = {
      async run({ retries, steps }) {
        const v = await createVault(retries === undefined ? {} : { transport: fetchTransport({ retries }) });
        const out = [];
        try {
          for (const s of steps) {
            // Unchecked: these scenarios look at what a send finds out (connect's own
            // check is driven in product.test.mjs and the tunnel fixture).
            if (s.connect) await v.connect(s.connect[0], s.connect[1], { verify: false });
            else if (s.link) v.link(s.link[0], s.link[1], s.link[2]);
            else if (s.resetCache) v.resetCache();
            else if (s.status) out.push(v.status());
            else if (s.resolve) {
              const r = await v.resolve(s.resolve);
              let echo;
              if (s.send) {
                const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body });
                echo = await res.json();
              }
              out.push({ ...r, body: r.body instanceof Uint8Array ? { bytes: [...r.body] } : r.body, echo });
            }
          }
        } finally {
          v.wipe();
        }
        return out;
      },
    };
  });
});

after(async () => {
  await Promise.all([aws, hv, hvHeaders, hvNoCors, gcp, op, az].filter(Boolean).map((e) => e.close()));
  await bed?.close();
});

// ---------------------------------------------------------------- helpers ---

const run = (steps, opts = {}) => page.evaluate((a) => window.vl.run(a), { ...opts, steps });
const connect = (provider, creds) => ({ connect: [provider, creds] });
const link = (name, source, opts) => ({ link: [name, source, opts] });
const resolve = (req, send = false) => ({ resolve: { method: 'GET', ...req }, send });
const status = { status: true };
const echoUrl = (path) => `${bed.origin}/echo/${path}`;

const awsSrc = (o) => ({ provider: 'aws', aws: o });
const hcSrc = (o) => ({ provider: 'hashicorp', hashicorp: o });
const gcpSrc = (name, key) => ({ provider: 'gcp', gcp: key ? { name, key } : { name } });
const opSrc = (secretReference) => ({ provider: '1password', '1password': { secretReference } });

const awsCreds = (k) => ({ ...k, endpoint: aws.url });
const hvCreds = (emu, c) => ({ address: emu.url, ...c });
const gcpCreds = (t) => ({ accessToken: t, endpoint: gcp.url });
const opCreds = (t) => ({ host: op.url, token: t });

/** The echo's header value by name (case-insensitive). */
const echoHeader = (echo, name) => echo.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
const reasons = (r) => r.unresolved.map((u) => [u.name, u.reason]);
const provider = (st, id) => st.providers.find((p) => p.provider === id);

/** Every {{vault:…}} in `text` is a whole token; returns the names found. */
function wholeTokens(text, what) {
  const names = [];
  let i = -1;
  while ((i = text.indexOf('{{vault:', i + 1)) !== -1) {
    const m = /^\{\{vault:([^{}]+)\}\}/.exec(text.slice(i));
    assert.ok(m, `${what}: a broken token at ${i}: ${JSON.stringify(text.slice(i, i + 40))}`);
    names.push(m[1]);
  }
  return names;
}

/** A failure leaves the token literal: the whole URL unchanged, reason as given. */
function assertLiteral(r, url, expected) {
  assert.equal(r.url, url, 'the URL is unchanged: every token stays literal');
  assert.deepEqual(reasons(r), expected);
  for (const u of r.unresolved) {
    assert.equal(u.token, `{{vault:${u.name}}}`);
    assert.equal(u.where, 'url');
    assert.ok(u.message && u.detail, `${u.name}: message and detail`);
  }
  const text = JSON.stringify(r);
  for (const v of VALUES) assert.ok(!text.includes(v), `no value in a failed resolve (${v})`);
}

const newCalls = (from, pred = () => true) => aws.state.calls.slice(from).filter(pred);

// ------------------------------------------------------------------ AWS ---

describe('AWS Secrets Manager', () => {
  test('plaintext, JSON key, stage, version id, binary and a role via STS, into URL, headers and body — and onto the wire', async () => {
    const calls = aws.state.calls.length;
    const url = `${echoUrl('aws')}?p={{vault:pass}}&port={{vault:port}}`;
    const [r, again] = await run([
      connect('aws', awsCreds(ALICE)),
      link('plain', awsSrc({ secretArn: arn('plain', 'Pl41nX') })),
      link('pass', awsSrc({ secretArn: DB, format: 'json', key: 'password' })),
      link('port', awsSrc({ secretArn: DB, format: 'json', key: 'db.port' })),
      link('prev', awsSrc({ secretArn: DB, format: 'json', key: 'password', version: 'AWSPREVIOUS' })),
      link('byid', awsSrc({ secretArn: DB, format: 'json', key: 'password', version: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1' })),
      link('bin', awsSrc({ secretArn: arn('binary-secret', 'b1n4ry') })),
      link('role', awsSrc({ secretArn: PROD, roleArn: ROLE })),
      resolve({ method: 'POST', url, headers: { Authorization: 'Bearer {{vault:plain}}', 'X-Prev': '{{vault:prev}}', 'X-Id': '{{vault:byid}}', 'X-Role': '{{vault:role}}' }, body: '{{vault:bin}}|{{vault:pass}}' }, true),
      resolve({ url: `${echoUrl('aws')}?p={{vault:pass}}` }),
    ]);
    assert.deepEqual(r.unresolved, []);
    assert.equal(r.url, `${echoUrl('aws')}?p=aws-browser-pass-CURRENT&port=5432`);
    assert.deepEqual(r.headers, {
      Authorization: 'Bearer aws-browser-plaintext',
      'X-Prev': 'aws-browser-pass-PREVIOUS',
      'X-Id': 'aws-browser-pass-PREVIOUS',
      'X-Role': 'aws-browser-role-value',
    });
    assert.equal(r.body, 'aws-browser-binary|aws-browser-pass-CURRENT');
    // What the echo server received from the page.
    assert.equal(decodeURIComponent(r.echo.url), '/echo/aws?p=aws-browser-pass-CURRENT&port=5432');
    assert.equal(echoHeader(r.echo, 'authorization'), 'Bearer aws-browser-plaintext');
    assert.equal(echoHeader(r.echo, 'x-role'), 'aws-browser-role-value');
    assert.equal(r.echo.body, 'aws-browser-binary|aws-browser-pass-CURRENT');
    // STS first (with Alice's key), then the read with the role's session.
    const ops = newCalls(calls);
    const sts = ops.findIndex((c) => c.operation === 'sts.AssumeRole');
    assert.ok(sts >= 0, 'AssumeRole was called');
    assert.equal(ops[sts].accessKeyId, ALICE.accessKeyId);
    assert.ok(ops.slice(sts + 1).some((c) => c.operation === 'secretsmanager.GetSecretValue' && c.input.SecretId === PROD && c.accessKeyId !== ALICE.accessKeyId));
    // Cached: the second resolve fetched nothing.
    assert.equal(again.url, `${echoUrl('aws')}?p=aws-browser-pass-CURRENT`);
    assert.equal(aws.state.calls.length, calls + ops.length);
    // The browser made those calls: cross-origin, preflighted, from the page.
    const toAws = sent.filter((s) => s.url.startsWith(aws.url));
    assert.ok(toAws.some((s) => s.headers['x-amz-target'] === 'secretsmanager.GetSecretValue'));
  });

  test('failures keep the token literal: not_found, permission_denied, disabled_at_provider, throttled, unreachable', async () => {
    const url = 'https://api.test/?a={{vault:missing}}&b={{vault:nokey}}&c={{vault:doomed}}&d={{vault:outside}}';
    const [r] = await run([
      connect('aws', awsCreds(ALICE)),
      link('missing', awsSrc({ secretArn: arn('no-such', 'Abc123') })),
      link('nokey', awsSrc({ secretArn: DB, format: 'json', key: 'nope' })),
      link('doomed', awsSrc({ secretArn: arn('doomed', 'D00med') })),
      link('outside', awsSrc({ secretArn: PROD })), // Alice without the role
      resolve({ url }),
    ]);
    assertLiteral(r, url, [
      ['missing', 'not_found'],
      ['nokey', 'key_not_found'],
      ['doomed', 'disabled_at_provider'],
      ['outside', 'permission_denied'],
    ]);
    assert.match(r.unresolved[3].detail, /AccessDeniedException \(HTTP 400\) for arn:aws:secretsmanager/);

    const [b] = await run([connect('aws', awsCreds(BOB)), link('x', awsSrc({ secretArn: arn('plain', 'Pl41nX') })), resolve({ url: 'https://api.test/{{vault:x}}' })]);
    assertLiteral(b, 'https://api.test/{{vault:x}}', [['x', 'permission_denied']]);

    aws.state.throttle = true;
    try {
      const [t] = await run([connect('aws', awsCreds(ALICE)), link('x', awsSrc({ secretArn: DB })), resolve({ url: 'https://api.test/{{vault:x}}' })]);
      assertLiteral(t, 'https://api.test/{{vault:x}}', [['x', 'throttled']]);
    } finally {
      aws.state.throttle = false;
    }

    const port = await closedPort();
    const [u] = await run([connect('aws', { ...ALICE, endpoint: `http://127.0.0.1:${port}` }), link('x', awsSrc({ secretArn: DB })), resolve({ url: 'https://api.test/{{vault:x}}' })], { retries: 0 });
    assertLiteral(u, 'https://api.test/{{vault:x}}', [['x', 'unreachable']]);
  });

  test('expired session credentials → reauth_required, credentials dropped; re-connecting resolves', async () => {
    const url = `${echoUrl('aws-reauth')}?k={{vault:db}}`;
    const [r, st, ok, st2] = await run([
      connect('aws', awsCreds(OLD)),
      link('db', awsSrc({ secretArn: DB, format: 'json', key: 'username' })),
      resolve({ url }, true),
      status,
      connect('aws', awsCreds(ALICE)),
      resolve({ url }, true),
      status,
    ]);
    assertLiteral({ ...r, echo: undefined }, url, [['db', 'reauth_required']]);
    assert.equal(decodeURIComponent(r.echo.url), '/echo/aws-reauth?k={{vault:db}}', 'the echo got the literal token');
    assert.deepEqual([provider(st, 'aws').connected, provider(st, 'aws').reauthRequired], [false, true]);
    assert.deepEqual(ok.unresolved, []);
    assert.equal(decodeURIComponent(ok.echo.url), '/echo/aws-reauth?k=david');
    assert.deepEqual([provider(st2, 'aws').connected, provider(st2, 'aws').reauthRequired], [true, false]);
  });
});

// ------------------------------------------------------ HashiCorp Vault ---

describe('HashiCorp Vault', () => {
  const reader = () => hvCreds(hv, { token: 'hvs.BROWSER-READER' });

  test('KV v2 and v1, version, key, namespace (path prefix), token auth; preflighted with the page origin', async () => {
    const from = hv.state.requests.length;
    const [r] = await run([
      connect('hashicorp', reader()),
      link('pass', hcSrc({ engine: 'secret', path: 'myapp', key: 'password' })),
      link('port', hcSrc({ engine: 'secret', path: 'myapp', key: 'port' })),
      link('nested', hcSrc({ engine: 'secret', path: 'myapp', key: 'nested' })),
      link('v1', hcSrc({ engine: 'secret', path: 'versioned', key: 'k', version: '1' })),
      link('v2', hcSrc({ engine: 'secret', path: 'versioned', key: 'k', version: 2 })),
      link('latest', hcSrc({ engine: 'secret', path: 'versioned', key: 'k' })),
      link('legacy', hcSrc({ engine: 'kv', path: 'legacy', key: 'FOO' })),
      resolve(
        {
          method: 'PUT',
          url: `${echoUrl('hv')}?p={{vault:pass}}&port={{vault:port}}`,
          headers: { 'X-V1': '{{vault:v1}}', 'X-V2': '{{vault:v2}}', 'X-Latest': '{{vault:latest}}' },
          body: '{"legacy":"{{vault:legacy}}","nested":{{vault:nested}}}',
        },
        true,
      ),
    ]);
    assert.deepEqual(r.unresolved, []);
    assert.equal(r.url, `${echoUrl('hv')}?p=vault-browser-pass&port=5432`);
    assert.deepEqual(r.headers, { 'X-V1': 'vault-browser-v1', 'X-V2': 'vault-browser-v2', 'X-Latest': 'vault-browser-v3' });
    assert.equal(r.body, '{"legacy":"vault-browser-kv1","nested":{"a":[1,"b"]}}');
    assert.equal(r.echo.method, 'PUT');
    assert.equal(r.echo.body, r.body);
    assert.equal(echoHeader(r.echo, 'x-latest'), 'vault-browser-v3');
    const seen = hv.state.requests.slice(from);
    const paths = seen.map((q) => `${q.method} ${q.path}`);
    assert.ok(paths.includes('OPTIONS /v1/secret/data/myapp'), 'the browser preflighted the X-Vault-Token read');
    assert.ok(paths.includes('GET /v1/secret/data/versioned?version=2'));
    assert.ok(paths.includes('GET /v1/kv/legacy'), 'KV v1 read flat');
    for (const q of seen) assert.equal(q.headers.origin, bed.origin, 'every call came from the page');

    const [n] = await run([
      connect('hashicorp', hvCreds(hv, { token: 'hvs.BROWSER-NS1', namespace: 'ns1' })),
      link('owner', hcSrc({ engine: 'secret', path: 'team', key: 'owner' })),
      resolve({ url: 'https://api.test/{{vault:owner}}' }),
    ]);
    assert.deepEqual(n.unresolved, []);
    assert.equal(n.url, 'https://api.test/vault-browser-ns1-owner');
    assert.ok(hv.state.requests.some((q) => q.path === '/v1/ns1/secret/data/team' && !q.headers['x-vault-namespace']));
  });

  test('login methods from the page: AppRole and userpass (POST + JSON, preflighted)', async () => {
    for (const [creds, loginPath] of [
      [{ approle: { roleId: 'browser-role-id', secretId: 'browser-secret-id' } }, '/v1/auth/approle/login'],
      [{ userpass: { username: 'alice', password: 'emulator-only-browser-password' } }, '/v1/auth/userpass/login/alice'],
    ]) {
      const from = hv.state.requests.length;
      const [r, st] = await run([
        connect('hashicorp', hvCreds(hv, creds)),
        link('x', hcSrc({ engine: 'secret', path: 'myapp', key: 'password' })),
        resolve({ url: `${echoUrl('hv-login')}?k={{vault:x}}` }, true),
        status,
      ]);
      assert.deepEqual(r.unresolved, [], loginPath);
      assert.equal(decodeURIComponent(r.echo.url), '/echo/hv-login?k=vault-browser-pass');
      const seen = hv.state.requests.slice(from);
      assert.ok(seen.some((q) => q.method === 'POST' && q.path === loginPath), loginPath);
      const read = seen.find((q) => q.method === 'GET' && q.path === '/v1/secret/data/myapp');
      assert.match(read.headers['x-vault-token'], /^hvs\./, 'the read carries the login token');
      assert.ok(provider(st, 'hashicorp').expiresAt > Date.now(), 'lease_duration became the expiry');
    }
  });

  test('X-Vault-Namespace header mode needs the header in Vault\'s CORS allowed_headers', async () => {
    const steps = (emu) => [
      connect('hashicorp', hvCreds(emu, { token: 'hvs.BROWSER-NS1', namespace: 'ns1', namespaceMode: 'header', expiresAt: Date.now() + 600_000 })),
      link('owner', hcSrc({ engine: 'secret', path: 'team', key: 'owner', kv: 2 })),
      resolve({ url: 'https://api.test/{{vault:owner}}' }),
    ];
    const [ok] = await run(steps(hvHeaders), { retries: 0 });
    assert.deepEqual(ok.unresolved, []);
    assert.equal(ok.url, 'https://api.test/vault-browser-ns1-owner');
    assert.equal(hvHeaders.state.requests.find((q) => q.method === 'GET' && q.path === '/v1/secret/data/team').headers['x-vault-namespace'], 'ns1/');
    // Default CORS headers (StdAllowedHeaders) lack it: the preflight refuses the read.
    const before = hv.state.requests.filter((q) => q.method === 'GET').length;
    const [no] = await run(steps(hv), { retries: 0 });
    assertLiteral(no, 'https://api.test/{{vault:owner}}', [['owner', 'unreachable']]);
    assert.match(no.unresolved[0].detail, /CORS/);
    assert.equal(hv.state.requests.filter((q) => q.method === 'GET').length, before, 'the read itself never went out');
  });

  test('a Vault whose CORS does not list this origin is unreachable from the page (token never sent)', async () => {
    const [r] = await run(
      [connect('hashicorp', hvCreds(hvNoCors, { token: 'hvs.BROWSER-READER', expiresAt: Date.now() + 600_000 })), link('x', hcSrc({ engine: 'secret', path: 'myapp', key: 'password', kv: 2 })), resolve({ url: 'https://api.test/{{vault:x}}' })],
      { retries: 0 },
    );
    assertLiteral(r, 'https://api.test/{{vault:x}}', [['x', 'unreachable']]);
    assert.ok(hvNoCors.state.requests.length > 0, 'the preflight reached it');
    assert.ok(hvNoCors.state.requests.every((q) => q.method === 'OPTIONS' && !q.headers['x-vault-token']));
  });

  test('failures keep the token literal: not_found, permission_denied, disabled_at_provider, throttled, unreachable (sealed, down)', async () => {
    const url = 'https://api.test/?a={{vault:missing}}&b={{vault:nokey}}&c={{vault:badver}}&d={{vault:del}}';
    const [r] = await run([
      connect('hashicorp', reader()),
      link('missing', hcSrc({ engine: 'secret', path: 'nope', key: 'k' })),
      link('nokey', hcSrc({ engine: 'secret', path: 'myapp', key: 'zz' })),
      link('badver', hcSrc({ engine: 'secret', path: 'versioned', key: 'k', version: 9 })),
      link('del', hcSrc({ engine: 'secret', path: 'deleted', key: 'k' })),
      resolve({ url }),
    ]);
    assertLiteral(r, url, [
      ['missing', 'not_found'],
      ['nokey', 'key_not_found'],
      ['badver', 'not_found'],
      ['del', 'disabled_at_provider'],
    ]);
    assert.match(r.unresolved[3].detail, /version 2 was deleted/);

    const one = (creds, opts) =>
      run([connect('hashicorp', hvCreds(hv, { expiresAt: Date.now() + 600_000, ...creds })), link('x', hcSrc({ engine: 'secret', path: 'myapp', key: 'password', kv: 2 })), resolve({ url: 'https://api.test/{{vault:x}}' })], opts).then((o) => o[0]);

    const d = await one({ token: 'hvs.BROWSER-NOBODY' });
    assertLiteral(d, 'https://api.test/{{vault:x}}', [['x', 'permission_denied']]);
    assert.match(d.unresolved[0].detail, /HTTP 403/);

    hv.state.rateLimit = { limit: 0, intervalSec: 60, headers: true };
    hv.state.rateWindow = { start: 0, count: 0 };
    try {
      const t = await one({ token: 'hvs.BROWSER-READER' }, { retries: 0 });
      assertLiteral(t, 'https://api.test/{{vault:x}}', [['x', 'throttled']]);
      // Vault's CORS exposes no headers: Retry-After, readable in Node, is hidden from a page.
      assert.ok(!/retry after/.test(t.unresolved[0].detail), t.unresolved[0].detail);
      assert.match(t.unresolved[0].detail, /rate limit quota exceeded \(HTTP 429\)/);
    } finally {
      hv.state.rateLimit = null;
    }

    hv.state.sealed = true;
    try {
      const s = await one({ token: 'hvs.BROWSER-READER' }, { retries: 0 });
      assertLiteral(s, 'https://api.test/{{vault:x}}', [['x', 'unreachable']]);
      assert.match(s.unresolved[0].detail, /vault is sealed/);
    } finally {
      hv.state.sealed = false;
    }

    const port = await closedPort();
    const [u] = await run([connect('hashicorp', { address: `http://127.0.0.1:${port}`, token: 'hvs.BROWSER-READER' }), link('x', hcSrc({ engine: 'secret', path: 'myapp', key: 'password' })), resolve({ url: 'https://api.test/{{vault:x}}' })], { retries: 0 });
    assertLiteral(u, 'https://api.test/{{vault:x}}', [['x', 'unreachable']]);
    for (const x of [d, u]) assert.ok(!/hvs\./.test(x.unresolved[0].detail), 'no token in a detail');
  });

  test('a token Vault calls invalid (before its known expiry) → credentials_rejected, credentials dropped; re-connecting resolves', async () => {
    const url = 'https://api.test/{{vault:x}}';
    const [r, st, ok] = await run([
      connect('hashicorp', hvCreds(hv, { token: 'hvs.BROWSER-EXPIRED', expiresAt: Date.now() + 600_000 })),
      link('x', hcSrc({ engine: 'secret', path: 'myapp', key: 'password', kv: 2 })),
      resolve({ url }),
      status,
      connect('hashicorp', reader()),
      resolve({ url }),
    ]);
    assertLiteral(r, url, [['x', 'credentials_rejected']]);
    assert.deepEqual([provider(st, 'hashicorp').connected, provider(st, 'hashicorp').credentialsRejected], [false, true]);
    assert.deepEqual(ok.unresolved, []);
    assert.equal(ok.url, 'https://api.test/vault-browser-pass');
  });
});

// ------------------------------------------------------------------ GCP ---

describe('GCP Secret Manager', () => {
  test('value and JSON key into URL, headers and body', async () => {
    const [r] = await run([
      connect('gcp', gcpCreds('ya29.browser-good')),
      link('v1', gcpSrc('projects/my-project/secrets/db/versions/1')),
      link('pass', gcpSrc('projects/my-project/secrets/db/versions/latest', 'password')),
      link('port', gcpSrc('projects/my-project/secrets/db', 'db.port')),
      resolve({ method: 'POST', url: `${echoUrl('gcp')}?a={{vault:v1}}`, headers: { 'X-Pass': '{{vault:pass}}' }, body: 'port={{vault:port}}' }, true),
    ]);
    assert.deepEqual(r.unresolved, []);
    assert.equal(r.url, `${echoUrl('gcp')}?a=gcp-browser-v1`);
    assert.deepEqual(r.headers, { 'X-Pass': 'gcp-browser-pass' });
    assert.equal(r.body, 'port=5432');
    assert.equal(decodeURIComponent(r.echo.url), '/echo/gcp?a=gcp-browser-v1');
    assert.equal(echoHeader(r.echo, 'x-pass'), 'gcp-browser-pass');
    assert.equal(r.echo.body, 'port=5432');
  });

  test('a CRC-32C mismatch → malformed_response; nothing cached', async () => {
    gcp.state.corruptCrc = true;
    try {
      const [r, st] = await run([connect('gcp', gcpCreds('ya29.browser-good')), link('x', gcpSrc('projects/my-project/secrets/db/versions/1')), resolve({ url: 'https://api.test/?k={{vault:x}}' }), status]);
      assertLiteral(r, 'https://api.test/?k={{vault:x}}', [['x', 'malformed_response']]);
      assert.match(r.unresolved[0].detail, /dataCrc32c does not match/);
      assert.equal(st.cache.length, 0);
    } finally {
      gcp.state.corruptCrc = false;
    }
  });

  test('failures keep the token literal: not_found, permission_denied, disabled_at_provider, throttled, unreachable', async () => {
    const url = 'https://api.test/?a={{vault:missing}}&b={{vault:nover}}&c={{vault:disabled}}&d={{vault:nokey}}';
    const [r] = await run([
      connect('gcp', gcpCreds('ya29.browser-good')),
      link('missing', gcpSrc('projects/my-project/secrets/none/versions/latest')),
      link('nover', gcpSrc('projects/my-project/secrets/db/versions/9')),
      link('disabled', gcpSrc('projects/my-project/secrets/retired/versions/1')),
      link('nokey', gcpSrc('projects/my-project/secrets/db/versions/2', 'nope')),
      resolve({ url }),
    ]);
    assertLiteral(r, url, [
      ['missing', 'not_found'],
      ['nover', 'not_found'],
      ['disabled', 'disabled_at_provider'],
      ['nokey', 'key_not_found'],
    ]);
    const [d] = await run([connect('gcp', gcpCreds('ya29.browser-narrow')), link('p', gcpSrc('projects/my-project/secrets/private/versions/latest')), resolve({ url: 'https://api.test/{{vault:p}}' })]);
    assertLiteral(d, 'https://api.test/{{vault:p}}', [['p', 'permission_denied']]);
    assert.match(d.unresolved[0].detail, /PERMISSION_DENIED \(HTTP 403\)/);

    gcp.state.throttle = true;
    try {
      const [t] = await run([connect('gcp', gcpCreds('ya29.browser-good')), link('x', gcpSrc('projects/my-project/secrets/db/versions/1')), resolve({ url: 'https://api.test/{{vault:x}}' })], { retries: 0 });
      assertLiteral(t, 'https://api.test/{{vault:x}}', [['x', 'throttled']]);
    } finally {
      gcp.state.throttle = false;
    }

    const port = await closedPort();
    const [u] = await run([connect('gcp', { accessToken: 'ya29.browser-good', endpoint: `http://127.0.0.1:${port}` }), link('x', gcpSrc('projects/my-project/secrets/db/versions/1')), resolve({ url: 'https://api.test/{{vault:x}}' })], { retries: 0 });
    assertLiteral(u, 'https://api.test/{{vault:x}}', [['x', 'unreachable']]);
  });

  test('a refused access token (expiry unknown to the vault) → credentials_rejected; re-connecting resolves', async () => {
    const url = 'https://api.test/{{vault:x}}';
    const [r, st, ok] = await run([
      connect('gcp', gcpCreds('ya29.browser-old')),
      link('x', gcpSrc('projects/my-project/secrets/db/versions/1')),
      resolve({ url }),
      status,
      connect('gcp', gcpCreds('ya29.browser-good')),
      resolve({ url }),
    ]);
    assertLiteral(r, url, [['x', 'credentials_rejected']]);
    assert.deepEqual([provider(st, 'gcp').connected, provider(st, 'gcp').credentialsRejected], [false, true]);
    assert.equal(ok.url, 'https://api.test/gcp-browser-v1');
  });
});

// ------------------------------------------------------------ 1Password ---

describe('1Password Connect (CORS via a proxy)', () => {
  test('name-based reference, section/field, attribute, TOTP', async () => {
    const uri = FULL_ITEM.fields.find((f) => f.type === 'OTP').value;
    const from = op.state.requests.length;
    const t0 = Date.now();
    const [r] = await run([
      connect('1password', opCreds(OP_TOKEN)),
      link('gh', opSrc('op://Private/GitHub/password')),
      link('scoped', opSrc('op://private/github/Security/PASSWORD')),
      link('host', opSrc('op://Private/Prod DB/Connection/host')),
      link('purpose', opSrc('op://Private/GitHub/username?attribute=purpose')),
      link('otp', opSrc('op://Private/GitHub/Security/one-time password?attribute=otp')),
      resolve({ method: 'POST', url: `${echoUrl('op')}?k={{vault:gh}}`, headers: { 'X-Scoped': '{{vault:scoped}}', 'X-Purpose': '{{vault:purpose}}', 'X-Otp': '{{vault:otp}}' }, body: 'host={{vault:host}}' }, true),
    ]);
    const t1 = Date.now();
    assert.deepEqual(r.unresolved, []);
    assert.equal(r.url, `${echoUrl('op')}?k=hunter2`);
    assert.equal(r.headers['X-Scoped'], 'section-scoped-password');
    assert.equal(r.headers['X-Purpose'], 'USERNAME');
    assert.ok([totpFromUri(uri, t0), totpFromUri(uri, t1)].includes(r.headers['X-Otp']), `TOTP ${r.headers['X-Otp']}`);
    assert.equal(r.body, 'host=db.internal.test');
    assert.equal(decodeURIComponent(r.echo.url), '/echo/op?k=hunter2');
    assert.equal(echoHeader(r.echo, 'x-otp'), r.headers['X-Otp']);
    assert.equal(r.echo.body, 'host=db.internal.test');
    const seen = op.state.requests.slice(from);
    assert.ok(seen.includes('GET /v1/vaults?filter=name%20eq%20%22Private%22'), 'name-based: vault looked up by name');
    assert.ok(seen.includes(`GET /v1/vaults/${OP_VID}/items?filter=title%20eq%20%22GitHub%22`), 'name-based: item looked up by title');
  });

  test('failures keep the token literal: not_found, permission_denied, throttled, unreachable; refused token → reauth, then re-connect', async () => {
    const url = 'https://api.test/?a={{vault:novault}}&b={{vault:noitem}}&c={{vault:nofield}}';
    const [r] = await run([
      connect('1password', opCreds(OP_TOKEN)),
      link('novault', opSrc('op://Nope/GitHub/password')),
      link('noitem', opSrc('op://Private/Nope/password')),
      link('nofield', opSrc('op://Private/GitHub/nope')),
      resolve({ url }),
    ]);
    assertLiteral(r, url, [
      ['novault', 'not_found'],
      ['noitem', 'not_found'],
      ['nofield', 'key_not_found'],
    ]);
    const [d] = await run([connect('1password', opCreds(OP_NARROW)), link('gh', opSrc(`op://${OP_VID}/GitHub/password`)), resolve({ url: 'https://api.test/{{vault:gh}}' })]);
    assertLiteral(d, 'https://api.test/{{vault:gh}}', [['gh', 'permission_denied']]);

    for (const [knob, reason] of [['throttle', 'throttled'], ['failures', 'unreachable']]) {
      op.state[knob] = 20;
      try {
        const [x] = await run([connect('1password', opCreds(OP_TOKEN)), link('gh', opSrc('op://Private/GitHub/password')), resolve({ url: 'https://api.test/{{vault:gh}}' })], { retries: 0 });
        assertLiteral(x, 'https://api.test/{{vault:gh}}', [['gh', reason]]);
      } finally {
        op.state[knob] = 0;
      }
    }

    const [a, st, ok] = await run([
      connect('1password', opCreds('not-a-token')),
      link('gh', opSrc('op://Private/GitHub/password')),
      resolve({ url: 'https://api.test/{{vault:gh}}' }),
      status,
      connect('1password', opCreds(OP_TOKEN)),
      resolve({ url: 'https://api.test/{{vault:gh}}' }),
    ]);
    assertLiteral(a, 'https://api.test/{{vault:gh}}', [['gh', 'credentials_rejected']]);
    assert.deepEqual([provider(st, '1password').connected, provider(st, '1password').credentialsRejected], [false, true]);
    assert.equal(ok.url, 'https://api.test/hunter2');
  });
});

// ---------------------------------------------------------------- Azure ---

test('Azure Key Vault from a page: unreachable with CORS in the detail; the token never leaves', async () => {
  const before = az.state.calls.length;
  const [r] = await run([
    connect('azure', { accessToken: 'tok-browser-azure', endpoint: az.url }),
    link('x', { provider: 'azure', azure: { secretId: 'https://myvault.vault.azure.net/secrets/db' } }),
    resolve({ url: 'https://api.test/?k={{vault:x}}' }),
  ]);
  assertLiteral(r, 'https://api.test/?k={{vault:x}}', [['x', 'unreachable']]);
  assert.match(r.unresolved[0].detail, /CORS/);
  assert.equal(az.state.calls.length, before, 'no authenticated call reached Key Vault');
  assert.ok(!sent.some((s) => s.url.startsWith(az.url) && JSON.stringify(s).includes('tok-browser-azure')), 'no request carried the token');
});

// ------------------------------------------------ domains and the wire ---

test('allowed domains that do not match the request URL: never fetched, token literal (domain_not_allowed)', async () => {
  const gated = () => aws.state.calls.filter((c) => c.input?.SecretId === GATED).length;
  const hvGated = () => hv.state.requests.filter((q) => q.path.includes('/myapp')).length;
  const before = [gated(), hvGated()];
  const sentBefore = sent.length;
  const url = `${echoUrl('gated')}?a={{vault:aws-gated}}&h={{vault:hv-gated}}`;
  const [r] = await run([
    connect('aws', awsCreds(ALICE)),
    connect('hashicorp', hvCreds(hv, { token: 'hvs.BROWSER-READER' })),
    link('aws-gated', awsSrc({ secretArn: GATED }), { domains: ['api.allowed.test'] }),
    link('hv-gated', hcSrc({ engine: 'secret', path: 'myapp', key: 'password' }), { domains: ['*.allowed.test'] }),
    resolve({ method: 'POST', url, headers: { 'X-A': '{{vault:aws-gated}}' }, body: '{{vault:hv-gated}}' }, true),
  ]);
  assert.equal(r.url, url);
  assert.deepEqual(r.unresolved.map((u) => [u.name, u.where, u.reason]), [
    ['aws-gated', 'url', 'domain_not_allowed'],
    ['hv-gated', 'url', 'domain_not_allowed'],
    ['aws-gated', 'headers[0].value', 'domain_not_allowed'],
    ['hv-gated', 'body', 'domain_not_allowed'],
  ]);
  assert.deepEqual([gated(), hvGated()], before, 'neither provider was asked');
  assert.ok(!sent.slice(sentBefore).some((s) => s.url.startsWith(aws.url) || s.url.startsWith(hv.url)), 'the page made no provider request at all');
  assert.equal(decodeURIComponent(r.echo.url), '/echo/gated?a={{vault:aws-gated}}&h={{vault:hv-gated}}');
  assert.equal(echoHeader(r.echo, 'x-a'), '{{vault:aws-gated}}');
  assert.equal(r.echo.body, '{{vault:hv-gated}}');

  // The same links on an allowed URL do fetch (so the check above means something).
  const [ok] = await run([
    connect('aws', awsCreds(ALICE)),
    link('aws-gated', awsSrc({ secretArn: GATED }), { domains: ['api.allowed.test'] }),
    resolve({ url: 'https://api.allowed.test/{{vault:aws-gated}}' }),
  ]);
  assert.equal(ok.url, 'https://api.allowed.test/aws-browser-gated-value');
  assert.equal(gated(), before[0] + 1);
});

test('no request ever carries a half-resolved value: every provider and failure in one request, as the route interceptor saw it', async () => {
  const intercepted = [];
  await page.route(`${bed.origin}/echo/**`, async (route) => {
    const q = route.request();
    intercepted.push({ url: q.url(), headers: await q.allHeaders(), body: q.postData() ?? '' });
    await route.continue();
  });
  try {
    const url = `${echoUrl('mixed')}?aws={{vault:aws}}&hv={{vault:hv}}&gcp={{vault:gcp}}&op={{vault:op}}&miss={{vault:miss}}&gate={{vault:gate}}&az={{vault:az}}`;
    const [r] = await run(
      [
        connect('aws', awsCreds(ALICE)),
        connect('hashicorp', hvCreds(hv, { token: 'hvs.BROWSER-READER' })),
        connect('gcp', gcpCreds('ya29.browser-good')),
        connect('1password', opCreds(OP_TOKEN)),
        connect('azure', { accessToken: 'tok-browser-azure', endpoint: az.url }),
        link('aws', awsSrc({ secretArn: DB, format: 'json', key: 'password' })),
        link('hv', hcSrc({ engine: 'secret', path: 'versioned', key: 'k' })),
        link('gcp', gcpSrc('projects/my-project/secrets/db/versions/latest', 'password')),
        link('op', opSrc('op://Private/Prod DB/password')),
        link('miss', awsSrc({ secretArn: arn('no-such', 'Abc123') })),
        link('gate', gcpSrc('projects/my-project/secrets/db/versions/1'), { domains: ['api.allowed.test'] }),
        link('az', { provider: 'azure', azure: { secretId: 'https://myvault.vault.azure.net/secrets/db' } }),
        resolve(
          {
            method: 'POST',
            url,
            headers: { Authorization: 'Bearer {{vault:aws}}:{{vault:miss}}', 'X-Mixed': '{{vault:op}}{{vault:az}}{{vault:hv}}' },
            body: '{"gcp":"{{vault:gcp}}","gate":"{{vault:gate}}","op":"{{vault:op}}","miss":"{{vault:miss}}"}',
          },
          true,
        ),
      ],
      { retries: 0 },
    );
    const want = {
      url: `${echoUrl('mixed')}?aws=aws-browser-pass-CURRENT&hv=vault-browser-v3&gcp=gcp-browser-pass&op=emulator-db-pass&miss={{vault:miss}}&gate={{vault:gate}}&az={{vault:az}}`,
      auth: 'Bearer aws-browser-pass-CURRENT:{{vault:miss}}',
      mixed: 'emulator-db-pass{{vault:az}}vault-browser-v3',
      body: '{"gcp":"gcp-browser-pass","gate":"{{vault:gate}}","op":"emulator-db-pass","miss":"{{vault:miss}}"}',
    };
    assert.equal(r.url, want.url);
    assert.deepEqual(r.headers, { Authorization: want.auth, 'X-Mixed': want.mixed });
    assert.equal(r.body, want.body);
    const byName = Object.fromEntries(r.unresolved.map((u) => [u.name, u.reason]));
    assert.deepEqual(byName, { miss: 'not_found', gate: 'domain_not_allowed', az: 'unreachable' });

    // Exactly one request reached the echo; what left the browser is the resolved request, byte for byte.
    assert.equal(intercepted.length, 1);
    const [seen] = intercepted;
    assert.equal(decodeURIComponent(seen.url), want.url);
    assert.equal(seen.headers.authorization, want.auth);
    assert.equal(seen.headers['x-mixed'], want.mixed);
    assert.equal(seen.body, want.body);
    assert.equal(decodeURIComponent(r.echo.url), want.url.slice(bed.origin.length));
    assert.equal(echoHeader(r.echo, 'authorization'), want.auth);
    assert.equal(r.echo.body, want.body);
    // Every token that arrived is whole and is one the vault reported unresolved.
    const unresolvedNames = new Set(r.unresolved.map((u) => u.name));
    for (const [what, text] of [['url', decodeURIComponent(seen.url)], ['headers', JSON.stringify(seen.headers)], ['body', seen.body]]) {
      for (const n of wholeTokens(text, what)) assert.ok(unresolvedNames.has(n), `${what}: {{vault:${n}}} arrived literal but was not reported`);
    }
  } finally {
    await page.unroute(`${bed.origin}/echo/**`);
  }
});

test('the request log: no broken tokens anywhere; secret values went only to the echo server', () => {
  assert.ok(sent.length > 50, `the page made the provider calls (${sent.length} requests)`);
  for (const s of sent) {
    const text = `${decodeURIComponent(s.url)}\n${JSON.stringify(s.headers)}\n${s.body}`;
    wholeTokens(text, `${s.method} ${s.url}`);
    if (s.url.startsWith(`${bed.origin}/echo/`)) continue;
    for (const v of VALUES) assert.ok(!text.includes(v), `${v} was sent to ${s.method} ${s.url}`);
  }
});

// ----------------------------------------------------------------- demo ---

test('the demo: all 5 provider cards connect; an AWS and a Vault secret resolve through the UI', async () => {
  const demo = await bed.browser.newPage();
  demo.on('pageerror', (e) => bed.errors.push(`demo: ${e.message}`));
  try {
    await demo.goto(`${bed.origin}/demo/`);
    await demo.waitForSelector('body[data-state="ready"]');
    for (const id of ['aws', 'hashicorp', 'azure', 'gcp', '1password']) {
      await demo.click(`.provider-card[data-provider="${id}"] .connect`);
      await demo.waitForSelector(`.provider-card[data-provider="${id}"][data-state="connected"]`);
    }
    for (const b of await demo.$$('#headers .h-remove')) await b.click();
    await demo.fill('#body', '');
    await demo.fill('#url', `${bed.origin}/echo/demo-providers?a={{vault:aws-stripe}}&v={{vault:vault-api-key}}`);
    const [res] = await Promise.all([demo.waitForResponse((r) => r.url().startsWith(`${bed.origin}/echo/demo-providers`)), demo.click('#send')]);
    const got = decodeURIComponent((await res.json()).url);
    assert.equal(got, `/echo/demo-providers?a=${DEMO_AWS_SECRETS.stripe.string}&v=${DEMO_VAULT_SECRETS['secret/demo/app'].api_key}`);
    await demo.waitForSelector('#cache li[data-name="aws-stripe"]');
    await demo.waitForSelector('#cache li[data-name="vault-api-key"]');
  } finally {
    await demo.close();
  }
});

test('no page errors', () => {
  assert.deepEqual(bed.errors, []);
});
