// HTTPS for the emulators: one throwaway test CA per process and a leaf for
// DNS:localhost + IP:127.0.0.1 (ECDSA P-256, from makeTestTls), and a starter
// that brings up every demo emulator (tests/demo-services.mjs) over HTTPS.
// URLs use host `localhost`: vaultlink's TLS client (BearSSL) matches DNS
// names only, never IP-address SANs, so clients must connect to `localhost`.
//
//   const https = await startHttpsDemoServices();
//   https.urls.aws        // 'https://localhost:40123'
//   https.ca              // PEM of the CA to trust
//   await https.close();
import { makeTestTls, listen } from './common.mjs';
import { startAwsEmulator } from './aws.mjs';
import { demoServiceStarters } from '../demo-services.mjs';

let shared = null;

/**
 * The process's test CA and localhost leaf, made on the first call and the
 * same for every later call.
 * @returns {Promise<{ca: string, key: string, cert: string}>} PEM strings; `ca` is what a client trusts.
 */
export function sharedTestTls() {
  if (!shared) shared = makeTestTls().catch((e) => ((shared = null), Promise.reject(e)));
  return shared;
}

/**
 * Starts the demo emulators over HTTPS with the shared test CA.
 * @param {object} [opts]
 * @param {string} [opts.origin]  the page origin (HashiCorp Vault's CORS); default: any
 * @param {{ca: string, key: string, cert: string}} [opts.tls]  default sharedTestTls()
 * @returns {Promise<{ca: string, services: Array<{name: string, url: string, close: () => Promise<void>, info?: object, emulator?: object}>,
 *   urls: Record<string, string>, emulators: Record<string, object>, close: () => Promise<void>}>}
 *   every `url` is `https://localhost:<port>`.
 */
export async function startHttpsDemoServices({ origin, tls } = {}) {
  const t = tls ?? (await sharedTestTls());
  const services = [];
  const close = async () => {
    await Promise.allSettled(services.splice(0).map((s) => s.close()));
  };
  try {
    for (const start of demoServiceStarters({ tls: t })) {
      const s = await start({ host: 'localhost', origin });
      if (s) services.push(s);
    }
  } catch (e) {
    await close();
    throw e;
  }
  return {
    ca: t.ca,
    services,
    urls: Object.fromEntries(services.map((s) => [s.name, s.url])),
    emulators: Object.fromEntries(services.filter((s) => s.emulator).map((s) => [s.name, s.emulator])),
    close,
  };
}

/**
 * A sealed-envelope server over HTTPS on localhost: answers any GET with the
 * envelope last given to `serve()` when the request carries `Bearer <token>`,
 * 401 otherwise (or before an envelope is set).
 * @param {{tls: {key: string, cert: string}, token: string}} opts
 * @returns {Promise<{url: string, origin: string, serve: (envelope: Uint8Array) => void, close: () => Promise<void>}>}
 */
export async function startSealedServer({ tls, token }) {
  let envelope = null;
  const srv = await listen(
    (req, res) => {
      if (req.headers.authorization !== `Bearer ${token}` || !envelope) return res.writeHead(401).end();
      res.setHeader('content-type', 'application/octet-stream');
      res.end(Buffer.from(envelope));
    },
    { tls: { key: tls.key, cert: tls.cert } },
  );
  const url = srv.url.replace('127.0.0.1', 'localhost');
  return { url, origin: new URL(url).origin, serve: (e) => (envelope = e), close: () => srv.close() };
}

/**
 * The AWS emulator over HTTPS on localhost with one role: `key` (a user with
 * no rights of its own) may assume `role`, which may read `secret`, so a link
 * with roleArn goes through STS AssumeRole first.
 * @param {{tls: {key: string, cert: string}, account: string, key: {accessKeyId: string, secretAccessKey: string},
 *   role: string, secret: {name: string, suffix: string, string: string}}} opts
 * @returns {Promise<object>} the emulator, its `url` on localhost; `secretArn` of the secret
 */
export async function startRoleAws({ tls, account, key, role, secret }) {
  const user = `arn:aws:iam::${account}:user/role-test`;
  const aws = await startAwsEmulator({
    tls: { key: tls.key, cert: tls.cert },
    secrets: [secret],
    keys: [{ ...key, principal: user, allow: [] }],
    roles: [{ arn: role, trustedPrincipals: [user], allow: [`${secret.name.split('/')[0]}/*`] }],
  });
  aws.url = aws.url.replace('127.0.0.1', 'localhost');
  aws.secretArn = `arn:aws:secretsmanager:us-east-1:${account}:secret:${secret.name}-${secret.suffix}`;
  return aws;
}
