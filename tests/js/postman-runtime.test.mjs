// Postman interop: the real postman-runtime runs a collection whose environment
// holds secret variables with `source` objects; vault.postmanSecretResolver()
// resolves them through the AWS emulator; an echo server shows what was sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import runtime from 'postman-runtime';
import sdk from 'postman-collection';
import { startAwsEmulator } from '../emulators/aws.mjs';
import { createVault } from 'vaultlink';

const ACCOUNT = '123456789012';
const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'emulator-only-secret-alice' };
const ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:payments-Ab12Cd`;

let aws;
let echo;
let echoUrl;
const seen = [];

before(async () => {
  aws = await startAwsEmulator({
    secrets: [{ name: 'payments', suffix: 'Ab12Cd', string: '{"apiKey":"pm-test-key-7731","user":"demo"}' }],
    keys: [{ ...KEYS, allow: ['*'] }],
  });
  echo = http.createServer((req, res) => {
    seen.push({ url: req.url, headers: req.headers });
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
  await new Promise((r) => echo.listen(0, '127.0.0.1', r));
  echoUrl = `http://127.0.0.1:${echo.address().port}`;
});
after(async () => {
  await aws.close();
  await new Promise((r) => echo.close(r));
});

function run(collection, options) {
  return new Promise((resolve, reject) => {
    const errors = [];
    new runtime.Runner().run(new sdk.Collection(collection), options, (err, r) => {
      if (err) return reject(err);
      r.start({
        item(err, cursor, item, visualizer, result) {
          if (result && result.hasSecretResolutionFailed) errors.push('fatal');
        },
        done(err) {
          if (err) reject(err);
          else resolve(errors);
        },
      });
    });
  });
}

const collection = () => ({
  info: { name: 'vaultlink interop', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
  item: [
    {
      name: 'charge',
      request: {
        method: 'GET',
        url: `${echoUrl}/charge?key={{apiKey}}&u={{user}}`,
        header: [{ key: 'X-Api-Key', value: '{{apiKey}}' }],
      },
    },
  ],
});

const environment = () =>
  new sdk.VariableScope({
    values: [
      {
        key: 'apiKey',
        value: 'placeholder',
        secret: true,
        source: { provider: 'aws', aws: { secretArn: ARN, format: 'json', key: 'apiKey' } },
      },
      { key: 'user', value: 'plain-user' },
    ],
  });

test('postman-runtime substitutes values resolved by vaultlink; the echo server receives them', async () => {
  const vault = await createVault();
  await vault.connect('aws', { ...KEYS, endpoint: aws.url });
  seen.length = 0;
  const fatal = await run(collection(), {
    environment: environment(),
    secretResolver: vault.postmanSecretResolver({ domains: { apiKey: ['http://127.0.0.1'] } }),
  });
  assert.deepEqual(fatal, []);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].url, '/charge?key=pm-test-key-7731&u=plain-user');
  assert.equal(seen[0].headers['x-api-key'], 'pm-test-key-7731');
  vault.wipe();
});

test('allowed domains hold: a secret restricted elsewhere keeps its placeholder', async () => {
  const vault = await createVault();
  await vault.connect('aws', { ...KEYS, endpoint: aws.url });
  seen.length = 0;
  const calls = aws.state.calls.length;
  await run(collection(), {
    environment: environment(),
    secretResolver: vault.postmanSecretResolver({ domains: { apiKey: ['api.payments.example'] } }),
  });
  assert.equal(seen.length, 1);
  assert.equal(seen[0].url, '/charge?key=placeholder&u=plain-user');
  assert.equal(seen[0].headers['x-api-key'], 'placeholder');
  assert.equal(aws.state.calls.length, calls, 'a secret that cannot be used is not even fetched');
  vault.wipe();
});

test('resolver contract: per-entry errors name the variable and reason; no value leaks', async () => {
  const vault = await createVault();
  const resolver = vault.postmanSecretResolver();
  const scope = environment();
  const secrets = [{ scopeName: 'environment', scope, variable: scope.values.one('apiKey'), context: { variableKey: 'apiKey' } }];
  const result = await new Promise((res, rej) => resolver({ secrets, urlString: `${echoUrl}/x` }, (e, r) => (e ? rej(e) : res(r))));
  assert.equal(result.length, 1);
  assert.equal(result[0].resolvedValue, undefined);
  assert.match(result[0].error.message, /apiKey.*not connected/);
  await vault.connect('aws', { ...KEYS, endpoint: aws.url });
  const ok = await new Promise((res, rej) => resolver({ secrets, urlString: `${echoUrl}/x` }, (e, r) => (e ? rej(e) : res(r))));
  assert.equal(ok[0].resolvedValue, 'pm-test-key-7731');
  assert.equal(ok[0].allowedInScript, true);
  vault.wipe();
});

// #11 §5: postman-runtime builds `urlString` from the secret variables'
// placeholders; when a secret variable feeds the host, the domain check must
// see the host the request really goes to.
test('a secret variable in the host: restricted secrets are checked against the final host, not the placeholder', async () => {
  const hosts = [];
  const any = http.createServer((req, res) => {
    hosts.push({ host: req.headers.host, url: req.url });
    res.end('{}');
  });
  await new Promise((r) => any.listen(0, r)); // every address: localhost may be ::1
  const port = any.address().port;
  const env = (apiHostValue) =>
    new sdk.VariableScope({
      values: [
        { key: 'apiHost', value: `127.0.0.1:${port}`, secret: true, source: { provider: 'local', value: apiHostValue } },
        { key: 'apiKey', value: 'placeholder', secret: true, source: { provider: 'local', value: 'KEY-only-for-127' } },
        { key: 'path', value: 'charge' },
      ],
    });
  const coll = {
    info: { name: 'host from a secret', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: [{ name: 'c', request: { method: 'GET', url: 'http://{{apiHost}}/{{path}}?key={{apiKey}}' } }],
  };
  try {
    const vault = await createVault();
    const secretResolver = vault.postmanSecretResolver({ domains: { apiKey: ['http://127.0.0.1'] } });
    await run(coll, { environment: env(`localhost:${port}`), secretResolver });
    assert.deepEqual(hosts, [{ host: `localhost:${port}`, url: '/charge?key=placeholder' }], 'the key never went to localhost');
    hosts.length = 0;
    await run(coll, { environment: env(`127.0.0.1:${port}`), secretResolver });
    assert.deepEqual(hosts, [{ host: `127.0.0.1:${port}`, url: '/charge?key=KEY-only-for-127' }], 'and it does go where it is allowed');
    // A restricted secret in the host itself: the authority is never final.
    hosts.length = 0;
    const strict = vault.postmanSecretResolver({ domains: { apiKey: ['http://127.0.0.1'], apiHost: ['http://127.0.0.1'] } });
    await run(coll, { environment: env(`127.0.0.1:${port}`), secretResolver: strict });
    assert.deepEqual(hosts, [{ host: `127.0.0.1:${port}`, url: '/charge?key=placeholder' }]);
    vault.wipe();
  } finally {
    await new Promise((r) => any.close(r));
  }
});
