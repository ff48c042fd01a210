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
import { makeTestTls } from './common.mjs';
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
