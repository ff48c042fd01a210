// Fidelity of tests/emulators/aws.mjs: the official AWS SDK clients read from it
// (so its wire format is what real clients expect), and raw requests check the
// exact bodies, status codes and CORS headers of providers.md §1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { SecretsManagerClient, GetSecretValueCommand, BatchGetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { STSClient, AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startAwsEmulator } from '../emulators/aws.mjs';
import { makeTestTls } from '../emulators/common.mjs';

const VECTORS = process.env.VL_VECTORS_DIR ?? new URL('../../../shared/vectors', import.meta.url).pathname;
const derived = JSON.parse(readFileSync(join(VECTORS, 'sigv4/derived-secretsmanager/getsecretvalue-sigv4.json'), 'utf8'));

// Test credentials: the documented AWS example key id with a throwaway secret.
const ALICE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'emulator-only-secret-alice' };
const BOB = { accessKeyId: 'AKIDEXAMPLEBOB', secretAccessKey: 'emulator-only-secret-bob' };
const OLD = { accessKeyId: 'ASIAEXAMPLEOLD', secretAccessKey: 'emulator-only-old', sessionToken: 'EMULATOR/expired-session' };
const TEMP = { accessKeyId: 'ASIAEXAMPLETEMP', secretAccessKey: 'emulator-only-temp', sessionToken: 'EMULATOR/live-session' };
const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/SecretReader`;
const WEB_ROLE = `arn:aws:iam::${ACCOUNT}:role/FederatedWebIdentityRole`;

const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims) => `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}.c2lnbmF0dXJl`;
const GOOD_JWT = jwt({ iss: 'https://idp.example.test', sub: 'user-1', aud: 'vaultlink-test', exp: 4102444800 });
const OLD_JWT = jwt({ iss: 'https://idp.example.test', sub: 'user-1', aud: 'vaultlink-test', exp: 1000000000 });
const WRONG_AUD_JWT = jwt({ iss: 'https://idp.example.test', sub: 'user-1', aud: 'someone-else', exp: 4102444800 });

let aws;
let skewMs = 0;
const seed = () => ({
  secrets: [
    {
      name: 'MyTestDatabaseSecret',
      suffix: 'a1b2c3',
      versions: [
        { id: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1', stages: ['AWSPREVIOUS'], string: '{"username":"david","password":"EXAMPLE-PASSWORD-1"}' },
        { id: 'EXAMPLE2-90ab-cdef-fedc-ba987SECRET2', stages: ['AWSCURRENT'], string: '{"username":"david","password":"EXAMPLE-PASSWORD-2"}' },
      ],
    },
    { name: 'binary-secret', binary: Buffer.from('binary-value') },
    { name: 'prod/db', string: 'prod-value' },
    { name: 'doomed', string: 'x', deleted: true },
    { name: 'kms-locked', string: 'x', kmsDenied: true },
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
  webIdentityTokens: [{ token: GOOD_JWT }, { token: OLD_JWT }, { token: WRONG_AUD_JWT }],
  now: () => Date.now() + skewMs,
});

before(async () => {
  aws = await startAwsEmulator(seed());
});
after(() => aws.close());

const sm = (credentials, extra = {}) =>
  new SecretsManagerClient({ region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1, ...extra });
const sts = (credentials) => new STSClient({ region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1 });

async function sdkError(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected the SDK call to fail');
}

/* ---- the official SDK reads from the emulator ------------------------------------ */

test('SDK GetSecretValue: AWSCURRENT by name, stage, version id, ARN, partial ARN', async () => {
  const c = sm(ALICE);
  const cur = await c.send(new GetSecretValueCommand({ SecretId: 'MyTestDatabaseSecret' }));
  assert.equal(cur.Name, 'MyTestDatabaseSecret');
  assert.equal(cur.ARN, `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:MyTestDatabaseSecret-a1b2c3`);
  assert.match(cur.SecretString, /EXAMPLE-PASSWORD-2/);
  assert.deepEqual(cur.VersionStages, ['AWSCURRENT']);
  assert.ok(cur.CreatedDate instanceof Date, 'CreatedDate (epoch seconds) parses as a Date');
  const prev = await c.send(new GetSecretValueCommand({ SecretId: 'MyTestDatabaseSecret', VersionStage: 'AWSPREVIOUS' }));
  assert.match(prev.SecretString, /EXAMPLE-PASSWORD-1/);
  const byId = await c.send(new GetSecretValueCommand({ SecretId: cur.ARN, VersionId: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1' }));
  assert.deepEqual(byId.VersionStages, ['AWSPREVIOUS']);
  const partial = await c.send(new GetSecretValueCommand({ SecretId: cur.ARN.slice(0, -7) }));
  assert.equal(partial.VersionId, cur.VersionId);
});

test('SDK GetSecretValue: SecretBinary is base64 on the wire, bytes in the SDK', async () => {
  const r = await sm(ALICE).send(new GetSecretValueCommand({ SecretId: 'binary-secret' }));
  assert.equal(Buffer.from(r.SecretBinary).toString(), 'binary-value');
  assert.equal(r.SecretString, undefined);
});

test('SDK GetSecretValue: the ARN region picks the endpoint region', async () => {
  const arn = `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:west-secret-Zz9Yy8`;
  const west = new SecretsManagerClient({ region: 'us-west-2', endpoint: aws.url, credentials: ALICE, maxAttempts: 1 });
  assert.equal((await west.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString, 'west-value');
  const e = await sdkError(sm(ALICE).send(new GetSecretValueCommand({ SecretId: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
});

test('SDK BatchGetSecretValue returns values and per-secret errors', async () => {
  const r = await sm(ALICE).send(new BatchGetSecretValueCommand({ SecretIdList: ['prod/db', 'no-such-secret'] }));
  assert.equal(r.SecretValues.length, 1);
  assert.equal(r.SecretValues[0].SecretString, 'prod-value');
  assert.deepEqual(r.Errors.map((e) => e.ErrorCode), ['ResourceNotFoundException']);
});

test('SDK surfaces each modelled error name', async () => {
  const cases = [
    [ALICE, { SecretId: 'no-such-secret' }, 'ResourceNotFoundException', 400],
    [ALICE, { SecretId: 'MyTestDatabaseSecret', VersionStage: 'AWSPENDING' }, 'ResourceNotFoundException', 400],
    [ALICE, { SecretId: 'doomed' }, 'InvalidRequestException', 400],
    [ALICE, { SecretId: 'kms-locked' }, 'DecryptionFailure', 400],
    [ALICE, { SecretId: 'MyTestDatabaseSecret', VersionId: 'short' }, 'InvalidParameterException', 400],
    [BOB, { SecretId: 'prod/db' }, 'AccessDeniedException', 400],
    [{ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' }, { SecretId: 'prod/db' }, 'UnrecognizedClientException', 400],
    [{ ...ALICE, secretAccessKey: 'wrong' }, { SecretId: 'prod/db' }, 'InvalidSignatureException', 400],
    [OLD, { SecretId: 'prod/db' }, 'ExpiredTokenException', 400],
  ];
  for (const [creds, input, name, status] of cases) {
    const e = await sdkError(sm(creds).send(new GetSecretValueCommand(input)));
    assert.equal(e.name, name, `${JSON.stringify(input)} → ${e.name}: ${e.message}`);
    assert.equal(e.$metadata.httpStatusCode, status);
  }
  const denied = await sdkError(sm(BOB).send(new GetSecretValueCommand({ SecretId: 'prod/db' })));
  assert.match(denied.message, /^User: arn:aws:iam::123456789012:user\/bob is not authorized to perform: secretsmanager:GetSecretValue on resource: prod\/db/);
});

test('SDK: throttling and clock skew', async () => {
  aws.state.throttle = true;
  try {
    const e = await sdkError(sm(ALICE).send(new GetSecretValueCommand({ SecretId: 'prod/db' })));
    assert.equal(e.name, 'ThrottlingException');
    assert.equal(e.message, 'Rate exceeded');
  } finally {
    aws.state.throttle = false;
  }
  skewMs = 10 * 60 * 1000; // the server's clock runs 10 minutes ahead
  try {
    const e = await sdkError(sm(ALICE).send(new GetSecretValueCommand({ SecretId: 'prod/db' })));
    assert.equal(e.name, 'InvalidSignatureException');
    assert.match(e.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
  } finally {
    skewMs = 0;
  }
});

test('SDK STS AssumeRole: temporary ASIA credentials that then read secrets', async () => {
  const r = await sts(ALICE).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'app1', DurationSeconds: 900 }));
  assert.match(r.Credentials.AccessKeyId, /^ASIA/);
  assert.ok(r.Credentials.SessionToken.length > 0);
  assert.ok(r.Credentials.Expiration instanceof Date);
  const left = r.Credentials.Expiration.getTime() - Date.now();
  assert.ok(left > 800_000 && left <= 900_000, `expires in ${left} ms`);
  assert.equal(r.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/SecretReader/app1`);
  const temp = {
    accessKeyId: r.Credentials.AccessKeyId,
    secretAccessKey: r.Credentials.SecretAccessKey,
    sessionToken: r.Credentials.SessionToken,
  };
  assert.equal((await sm(temp).send(new GetSecretValueCommand({ SecretId: 'prod/db' }))).SecretString, 'prod-value');
  // The role's policy allows prod/* only.
  assert.equal((await sdkError(sm(temp).send(new GetSecretValueCommand({ SecretId: 'MyTestDatabaseSecret' })))).name, 'AccessDeniedException');
  // Without the session token the temporary key is unknown.
  const noToken = { accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey };
  assert.equal((await sdkError(sm(noToken).send(new GetSecretValueCommand({ SecretId: 'prod/db' })))).name, 'UnrecognizedClientException');
  // Role chaining is capped at one hour.
  const chained = await sdkError(sts(temp).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'app2', DurationSeconds: 7200 })));
  assert.equal(chained.name, 'ValidationError');
});

test('SDK STS AssumeRole errors: untrusted principal, bad policy, expired caller', async () => {
  assert.equal((await sdkError(sts(BOB).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x1' })))).name, 'AccessDenied');
  const bad = await sdkError(sts(ALICE).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x1', Policy: '{not json' })));
  // The wire code is MalformedPolicyDocument (providers.md §1.6); the SDK maps it
  // through the model's awsQueryError trait to its exception class.
  assert.equal(bad.name, 'MalformedPolicyDocumentException');
  assert.equal((await sdkError(sts(OLD).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x1' })))).name, 'ExpiredToken');
  assert.equal(
    (await sdkError(sts({ ...ALICE, secretAccessKey: 'wrong' }).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x1' })))).name,
    'SignatureDoesNotMatch',
  );
});

test('SDK STS AssumeRoleWithWebIdentity: unsigned, token is the credential', async () => {
  const c = new STSClient({ region: 'us-east-1', endpoint: aws.url, maxAttempts: 1 });
  const before = aws.state.calls.length;
  const r = await c.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: WEB_ROLE, RoleSessionName: 'app1', WebIdentityToken: GOOD_JWT }));
  assert.match(r.Credentials.AccessKeyId, /^ASIA/);
  assert.equal(r.SubjectFromWebIdentityToken, 'user-1');
  assert.equal(r.Audience, 'vaultlink-test');
  assert.equal(aws.state.calls.length, before + 1);
  const errs = [
    [OLD_JWT, 'ExpiredTokenException'],
    [WRONG_AUD_JWT, 'IDPRejectedClaimException'], // wire code IDPRejectedClaim (403)
    [jwt({ sub: 'unknown' }), 'InvalidIdentityTokenException'], // wire code InvalidIdentityToken
  ];
  for (const [token, name] of errs) {
    const e = await sdkError(c.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: WEB_ROLE, RoleSessionName: 'app1', WebIdentityToken: token })));
    assert.equal(e.name, name);
    assert.equal(e.$metadata.httpStatusCode, name === 'IDPRejectedClaimException' ? 403 : 400);
  }
});

/* ---- raw wire checks ------------------------------------------------------------------- */

/** Signs like a minimal browser client (content-type;host;x-amz-date;x-amz-target[;x-amz-security-token]). */
async function signedFetch(creds, body, { target = 'secretsmanager.GetSecretValue', origin, mutate } = {}) {
  const u = new URL(aws.url);
  const req = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: '/',
    headers: { host: u.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body,
  });
  const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 'secretsmanager', sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(req);
  const headers = { ...signed.headers };
  delete headers.host;
  if (origin) headers.origin = origin;
  if (mutate) mutate(headers);
  return fetch(aws.url + '/', { method: 'POST', headers, body });
}

test('raw: 200 body shape and headers (providers.md §1.3)', async () => {
  const r = await signedFetch(ALICE, '{"SecretId":"MyTestDatabaseSecret"}');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/x-amz-json-1.1');
  assert.match(r.headers.get('x-amzn-requestid'), /^[0-9a-f-]{36}$/);
  assert.ok(r.headers.get('date'));
  const j = await r.json();
  assert.deepEqual(Object.keys(j).sort(), ['ARN', 'CreatedDate', 'Name', 'SecretString', 'VersionId', 'VersionStages']);
  assert.equal(typeof j.CreatedDate, 'number');
  assert.ok(!Number.isInteger(j.CreatedDate), 'epoch seconds with a fraction');
  const bin = await (await signedFetch(ALICE, '{"SecretId":"binary-secret"}')).json();
  assert.equal(bin.SecretBinary, 'YmluYXJ5LXZhbHVl');
});

test('raw: exact error bodies (providers.md §1.4)', async () => {
  let r = await signedFetch(ALICE, '{"SecretId":"no-such-secret"}');
  assert.equal(r.status, 400);
  assert.equal(r.headers.get('content-type'), 'application/x-amz-json-1.1');
  assert.deepEqual(await r.json(), { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
  r = await signedFetch(ALICE, '{"SecretId":"MyTestDatabaseSecret","VersionStage":"AWSPENDING"}');
  assert.deepEqual(await r.json(), {
    __type: 'ResourceNotFoundException',
    Message: "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
  });
  r = await signedFetch(OLD, '{"SecretId":"prod/db"}');
  assert.equal(r.status, 400);
  assert.deepEqual(await r.json(), {
    __type: 'com.amazon.coral.service#ExpiredTokenException',
    message: 'The security token included in the request is expired',
  });
  aws.state.throttle = true;
  r = await signedFetch(ALICE, '{"SecretId":"prod/db"}');
  aws.state.throttle = false;
  assert.deepEqual([r.status, await r.json()], [400, { __type: 'ThrottlingException', Message: 'Rate exceeded' }]);
  aws.state.fail = 'InternalServiceError';
  r = await signedFetch(ALICE, '{"SecretId":"prod/db"}');
  aws.state.fail = null;
  assert.equal(r.status, 500);
  assert.equal((await r.json()).__type, 'InternalServiceError');
});

test('raw: every signature is verified', async () => {
  // A tampered body, a tampered signed header, a session token sent but not signed.
  let r = await signedFetch(ALICE, '{"SecretId":"prod/db"}', { mutate: (h) => (h['x-amz-target'] = 'secretsmanager.BatchGetSecretValue') });
  assert.equal((await r.json()).__type, 'InvalidSignatureException');
  r = await signedFetch(ALICE, '{"SecretId":"prod/db"}', {
    mutate: (h) => (h.authorization = h.authorization.replace(/Signature=(.)/, (m, c) => 'Signature=' + (c === '0' ? '1' : '0'))),
  });
  assert.equal((await r.json()).__type, 'InvalidSignatureException');
  const { sessionToken, ...longTerm } = TEMP;
  r = await signedFetch(longTerm, '{"SecretId":"prod/db"}', { mutate: (h) => (h['x-amz-security-token'] = sessionToken) });
  assert.equal((await r.json()).__type, 'InvalidSignatureException', 'token added after signing is rejected');
  r = await signedFetch(TEMP, '{"SecretId":"prod/db"}');
  assert.equal(r.status, 200, 'token signed before sending is accepted');
  r = await fetch(aws.url + '/', { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' }, body: '{}' });
  assert.equal(r.status, 403);
  assert.equal((await r.json()).__type, 'MissingAuthenticationToken');
  r = await signedFetch(ALICE, '{"SecretId":"prod/db"}', { mutate: (h) => (h.authorization = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE') });
  assert.equal((await r.json()).__type, 'IncompleteSignature');
});

test('raw: the derived-secretsmanager vector signature is accepted by the official verifier', async () => {
  // Replays the vector's exact request (its Host, its 2015 date) against an
  // emulator whose clock is the vector's date and whose key is the vector's.
  const c = derived.cases[0];
  const when = Date.UTC(2015, 7, 30, 12, 36, 0);
  const e = await startAwsEmulator({
    keys: [{ accessKeyId: c.credentials.access_key_id, secretAccessKey: c.credentials.secret_access_key }],
    secrets: [{ name: 'MyTestDatabaseSecret', string: 'vector-value' }],
    now: () => when,
  });
  try {
    const http = await import('node:http');
    const res = await new Promise((resolve, reject) => {
      const headers = { ...c.request.headers, 'X-Amz-Date': c.x_amz_date, Authorization: c.authorization };
      const rq = http.request({ host: '127.0.0.1', port: e.port, method: 'POST', path: '/', headers }, (rs) => {
        let d = '';
        rs.on('data', (x) => (d += x));
        rs.on('end', () => resolve({ status: rs.statusCode, body: d }));
      });
      rq.on('error', reject);
      rq.end(c.request.body);
    });
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).SecretString, 'vector-value');
  } finally {
    await e.close();
  }
});

test('raw: STS XML errors (providers.md §1.6)', async () => {
  const form = `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${encodeURIComponent(WEB_ROLE)}&RoleSessionName=app1&WebIdentityToken=${OLD_JWT}`;
  const r = await fetch(aws.url + '/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: form });
  assert.equal(r.status, 400);
  assert.equal(r.headers.get('content-type'), 'text/xml');
  const x = await r.text();
  assert.match(x, /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\s*<Error>\s*<Type>Sender<\/Type>\s*<Code>ExpiredTokenException<\/Code>\s*<Message>[^<]+<\/Message>\s*<\/Error>\s*<RequestId>[0-9a-f-]{36}<\/RequestId>\s*<\/ErrorResponse>\s*$/);
  const ok = await fetch(aws.url + '/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: form.replace(OLD_JWT, GOOD_JWT),
  });
  const t = await ok.text();
  assert.equal(ok.status, 200);
  for (const tag of ['AssumeRoleWithWebIdentityResult', 'SubjectFromWebIdentityToken', 'Audience', 'AssumedRoleUser', 'Arn', 'AssumedRoleId', 'Credentials', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration', 'PackedPolicySize', 'Provider', 'ResponseMetadata', 'RequestId'])
    assert.match(t, new RegExp(`<${tag}>`), tag);
  assert.match(t, /<Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/Expiration>/);
});

test('raw: CORS — preflight allows the SigV4 headers, responses carry the origin', async () => {
  const origin = 'https://app.example.test';
  const asked = 'authorization,content-type,x-amz-date,x-amz-target,x-amz-security-token';
  const pre = await fetch(aws.url + '/', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': asked },
  });
  assert.equal(pre.status, 200);
  assert.equal(pre.headers.get('access-control-allow-origin'), origin);
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
  const allowedHeaders = pre.headers.get('access-control-allow-headers').split(',').map((s) => s.trim().toLowerCase());
  for (const h of asked.split(',')) assert.ok(allowedHeaders.includes(h), h);
  const r = await signedFetch(ALICE, '{"SecretId":"prod/db"}', { origin });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), origin);
  assert.ok(!/\bdate\b/i.test(r.headers.get('access-control-expose-headers') ?? ''), 'Date is not exposed');
  const err = await signedFetch(ALICE, '{"SecretId":"nope"}', { origin });
  assert.equal(err.headers.get('access-control-allow-origin'), origin, 'errors are readable cross-origin too');
});

test('HTTPS with a CA made at test time', async () => {
  const tls = await makeTestTls();
  const e = await startAwsEmulator({ ...seed(), tls: { key: tls.key, cert: tls.cert } });
  try {
    assert.match(e.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const c = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: e.url,
      credentials: ALICE,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: tls.ca }) }),
    });
    assert.equal((await c.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))).SecretString, 'prod-value');
    // An untrusting client fails the handshake.
    const untrusting = new SecretsManagerClient({ region: 'us-east-1', endpoint: e.url, credentials: ALICE, maxAttempts: 1 });
    const err = await sdkError(untrusting.send(new GetSecretValueCommand({ SecretId: 'prod/db' })));
    assert.match(String(err.code ?? err.message), /SELF_SIGNED|UNABLE_TO_VERIFY|certificate/i);
  } finally {
    await e.close();
  }
});

test('SDK: STS GetCallerIdentity names the caller; a wrong secret or an unknown key id is a 403 (issue #13)', async () => {
  const who = await sts(ALICE).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Account, ACCOUNT);
  assert.match(who.Arn, new RegExp(`^arn:aws:iam::${ACCOUNT}:user/`));
  assert.match(who.UserId, /^AIDA/);
  for (const [creds, code] of [
    [{ ...ALICE, secretAccessKey: 'wrong' }, 'SignatureDoesNotMatch'],
    [{ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' }, 'InvalidClientTokenId'],
  ]) {
    const e = await sts(creds).send(new GetCallerIdentityCommand({})).catch((x) => x);
    assert.equal(e.name, code);
    assert.equal(e.$metadata.httpStatusCode, 403);
  }
});
