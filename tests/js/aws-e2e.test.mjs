// AWS Secrets Manager end to end: the JS API, the wasm core signing with
// SigV4, the fetch transport, and the emulator that re-verifies every
// signature with the official @smithy/signature-v4.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAwsEmulator } from '../emulators/aws.mjs';
import { createVault } from 'vaultlink';

const ACCOUNT = '123456789012';
const ALICE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'emulator-only-secret-alice' };
const BOB = { accessKeyId: 'AKIDEXAMPLEBOB', secretAccessKey: 'emulator-only-secret-bob' };
const OLD = { accessKeyId: 'ASIAEXAMPLEOLD', secretAccessKey: 'emulator-only-old', sessionToken: 'EMULATOR/expired-session' };
const TEMP = { accessKeyId: 'ASIAEXAMPLETEMP', secretAccessKey: 'emulator-only-temp', sessionToken: 'EMULATOR/live-session' };
const ROLE = `arn:aws:iam::${ACCOUNT}:role/SecretReader`;
const WEB_ROLE = `arn:aws:iam::${ACCOUNT}:role/FederatedWebIdentityRole`;
const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims) => `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}.c2lnbmF0dXJl`;
const GOOD_JWT = jwt({ iss: 'https://idp.example.test', sub: 'user-1', aud: 'vaultlink-test', exp: 4102444800 });
const arn = (name, suffix, region = 'us-east-1') => `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${suffix}`;
const DB = arn('MyTestDatabaseSecret', 'a1b2c3');

let aws;
let skewMs = 0;
before(async () => {
  aws = await startAwsEmulator({
    secrets: [
      {
        name: 'MyTestDatabaseSecret',
        suffix: 'a1b2c3',
        versions: [
          { id: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1', stages: ['AWSPREVIOUS'], string: '{"username":"david","password":"EXAMPLE-PASSWORD-1"}' },
          { id: 'EXAMPLE2-90ab-cdef-fedc-ba987SECRET2', stages: ['AWSCURRENT'], string: '{"username":"david","password":"EXAMPLE-PASSWORD-2","db":{"port":5432}}' },
        ],
      },
      { name: 'binary-secret', suffix: 'b1n4ry', binary: Buffer.from('binary-value') },
      { name: 'prod/db', suffix: 'Pr0dDb', string: 'prod-value' },
      { name: 'doomed', suffix: 'D00med', string: 'x', deleted: true },
      { name: 'west-secret', region: 'us-west-2', suffix: 'Zz9Yy8', string: 'west-value' },
    ],
    keys: [
      { ...ALICE, principal: `arn:aws:iam::${ACCOUNT}:user/alice`, allow: ['*'] },
      { ...BOB, principal: `arn:aws:iam::${ACCOUNT}:user/bob`, allow: ['MyTestDatabaseSecret'] },
      { ...OLD, expired: true },
      { ...TEMP, allow: ['*'] },
    ],
    roles: [
      { arn: ROLE, trustedPrincipals: [`arn:aws:iam::${ACCOUNT}:user/alice`], allow: ['prod/*'], maxSessionDuration: 7200 },
      { arn: WEB_ROLE, webIdentity: { audiences: ['vaultlink-test'] }, allow: ['MyTestDatabaseSecret'] },
    ],
    webIdentityTokens: [{ token: GOOD_JWT }],
    now: () => Date.now() + skewMs,
  });
});
after(() => aws.close());

async function vaultWith(creds, links, connectOptions) {
  const v = await createVault();
  await v.connect('aws', { ...creds, endpoint: aws.url }, connectOptions);
  for (const [name, source, opts] of links) v.link(name, source, opts);
  return v;
}
const src = (aws) => ({ provider: 'aws', aws });

test('GetSecretValue: plaintext, JSON keys, stages, version ids, binary, ARN region', async () => {
  const v = await vaultWith(ALICE, [
    ['whole', src({ secretArn: DB })],
    ['pass', src({ secretArn: DB, format: 'json', key: 'password' })],
    ['port', src({ secretArn: DB, format: 'json', key: 'db.port' })],
    ['prev', src({ secretArn: DB, format: 'json', key: 'password', version: 'AWSPREVIOUS' })],
    ['byid', src({ secretArn: DB, format: 'json', key: 'password', version: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1' })],
    ['bin', src({ secretArn: arn('binary-secret', 'b1n4ry') })],
    ['west', arn('west-secret', 'Zz9Yy8', 'us-west-2')],
  ]);
  const r = await v.resolve({
    method: 'POST',
    url: 'https://api.test/?p={{vault:pass}}&port={{vault:port}}',
    headers: { 'X-Prev': '{{vault:prev}}', 'X-Id': '{{vault:byid}}', 'X-West': '{{vault:west}}' },
    body: '{{vault:whole}}|{{vault:bin}}',
  });
  assert.deepEqual(r.unresolved, []);
  assert.equal(r.url, 'https://api.test/?p=EXAMPLE-PASSWORD-2&port=5432');
  assert.deepEqual(r.headers, { 'X-Prev': 'EXAMPLE-PASSWORD-1', 'X-Id': 'EXAMPLE-PASSWORD-1', 'X-West': 'west-value' });
  assert.equal(r.body, '{"username":"david","password":"EXAMPLE-PASSWORD-2","db":{"port":5432}}|binary-value');
  // Cached: a second resolve makes no new request.
  const before = aws.state.calls.length;
  await v.resolve({ url: 'https://api.test/?p={{vault:pass}}' });
  assert.equal(aws.state.calls.length, before);
  const st = v.status();
  assert.ok(st.cache.some((e) => e.name === 'pass' && e.expiresAt > Date.now()));
  assert.ok(!JSON.stringify(st).includes('EXAMPLE-PASSWORD'));
  v.wipe();
});

test('errors map to Postman reasons with the reference, never a value', async () => {
  const bob = await vaultWith(BOB, [['denied', src({ secretArn: arn('prod/db', 'Pr0dDb') })]]);
  const d = await bob.resolve({ url: 'https://api.test/?a={{vault:denied}}' });
  assert.deepEqual(d.unresolved.map((u) => [u.name, u.reason]), [['denied', 'permission_denied']]);
  assert.match(d.unresolved[0].detail, /AccessDeniedException \(HTTP 400\) for arn:aws:secretsmanager/);
  bob.wipe();
  const v = await vaultWith(ALICE, [
    ['missing', src({ secretArn: arn('no-such', 'Abc123') })],
    ['doomed', src({ secretArn: arn('doomed', 'D00med') })],
    ['nokey', src({ secretArn: DB, format: 'json', key: 'nope' })],
  ]);
  const r = await v.resolve({ url: 'https://api.test/?b={{vault:missing}}&c={{vault:doomed}}&d={{vault:nokey}}' });
  assert.deepEqual(r.unresolved.map((u) => [u.name, u.reason]), [
    ['missing', 'not_found'],
    ['doomed', 'disabled_at_provider'],
    ['nokey', 'key_not_found'],
  ]);
  assert.ok(!JSON.stringify(r.unresolved).includes('EXAMPLE-PASSWORD'));
  v.wipe();
});

test('expired session token → reauthentication required, bad secret key → credentials rejected; credentials wiped', async () => {
  // connect checks them first (STS): the expired token and the wrong key are refused there.
  const c = await createVault();
  await assert.rejects(c.connect('aws', { ...OLD, endpoint: aws.url }), (e) => e.code === 'reauth_required' && !e.message.includes(OLD.secretAccessKey));
  await assert.rejects(c.connect('aws', { ...ALICE, secretAccessKey: 'wrong', endpoint: aws.url }), (e) => e.code === 'credentials_rejected' && /\(HTTP 403\)/.test(e.message));
  c.wipe();
  // Unchecked, the first send finds out.
  const v = await vaultWith(OLD, [['db', src({ secretArn: DB })]], { verify: false });
  const r = await v.resolve({ url: 'https://api.test/{{vault:db}}' });
  assert.equal(r.unresolved[0].reason, 'reauth_required');
  const p = v.status().providers.find((x) => x.provider === 'aws');
  assert.deepEqual([p.connected, p.reauthRequired], [false, true]);
  await v.connect('aws', { ...ALICE, endpoint: aws.url });
  assert.equal((await v.resolve({ url: 'https://api.test/{{vault:db}}' })).unresolved.length, 0);
  const bad = await vaultWith({ ...ALICE, secretAccessKey: 'wrong' }, [['db', src({ secretArn: DB })]], { verify: false });
  assert.equal((await bad.resolve({ url: 'https://api.test/{{vault:db}}' })).unresolved[0].reason, 'credentials_rejected');
  const bp = bad.status().providers.find((x) => x.provider === 'aws');
  assert.deepEqual([bp.connected, bp.reauthRequired, bp.credentialsRejected], [false, false, true]);
  v.wipe();
  bad.wipe();
});

test('clock skew is reported as such', async () => {
  skewMs = 20 * 60 * 1000;
  try {
    // connect's check already says so.
    const c = await createVault();
    await assert.rejects(c.connect('aws', { ...ALICE, endpoint: aws.url }), (e) => e.code === 'misconfigured' && /clock/.test(e.message));
    c.wipe();
    const v = await vaultWith(ALICE, [['db', src({ secretArn: DB })]], { verify: false });
    const r = await v.resolve({ url: 'https://api.test/{{vault:db}}' });
    assert.equal(r.unresolved[0].reason, 'misconfigured');
    assert.match(r.unresolved[0].detail, /clock/);
    v.wipe();
  } finally {
    skewMs = 0;
  }
});

test('session credentials sign X-Amz-Security-Token', async () => {
  const v = await vaultWith({ ...TEMP, expiresAt: Date.now() + 600000 }, [['db', src({ secretArn: arn('prod/db', 'Pr0dDb') })]]);
  assert.equal((await v.resolve({ url: 'https://api.test/{{vault:db}}' })).url, 'https://api.test/prod-value');
  v.wipe();
});

test('roleArn: STS AssumeRole first, role credentials reused until expiry; denied outside the role', async () => {
  const v = await vaultWith(ALICE, [
    ['prod', src({ secretArn: arn('prod/db', 'Pr0dDb'), roleArn: ROLE })],
    ['db', src({ secretArn: DB, roleArn: ROLE })],
  ]);
  const r = await v.resolve({ url: 'https://api.test/{{vault:prod}}/{{vault:db}}' });
  assert.equal(r.url, 'https://api.test/prod-value/{{vault:db}}');
  assert.equal(r.unresolved[0].reason, 'permission_denied');
  v.wipe();
});

test('AssumeRoleWithWebIdentity sign-in', async () => {
  const v = await createVault();
  await v.connect('aws', { webIdentityToken: GOOD_JWT, roleArn: WEB_ROLE, endpoint: aws.url });
  v.link('db', src({ secretArn: DB, format: 'json', key: 'username' }));
  assert.equal((await v.resolve({ url: 'https://api.test/{{vault:db}}' })).url, 'https://api.test/david');
  v.wipe();
});

test('throttling and unreachable endpoints', async () => {
  aws.state.throttle = true;
  try {
    const v = await vaultWith(ALICE, [['db', src({ secretArn: DB })]], { verify: false });
    assert.equal((await v.resolve({ url: 'https://api.test/{{vault:db}}' })).unresolved[0].reason, 'throttled');
    v.wipe();
  } finally {
    aws.state.throttle = false;
  }
  const v = await createVault({ transport: undefined });
  await v.connect('aws', { ...ALICE, endpoint: 'http://127.0.0.1:9' }, { verify: false });
  v.link('db', src({ secretArn: DB }));
  const r = await v.resolve({ url: 'https://api.test/{{vault:db}}' });
  assert.equal(r.unresolved[0].reason, 'unreachable');
  v.wipe();
});
