// The vaultlink row of tests/bench/tunnel.bench.mjs: an HTTPS GET carried by
// the core's own TLS 1.2 + HTTP/1.1 through the same wisp-js relay. The GET is
// a sealed-provider job (a public GET with no credentials), so each sample is a
// whole resolve: plan, the tunnelled GET, the core parsing the response
// (framing checked: an incomplete body is "unreachable"), render. The bench's
// JSON body is not an envelope, so the token ends "malformed_response" after a
// complete read; anything else is reported as a failed GET.
import { WebSocket } from 'ws';
import { createVault, tunnelTransport } from '../../web/src/vault.js';

export async function vaultlinkClient({ relayUrl, origin, caPem }) {
  const transport = tunnelTransport({ relay: relayUrl, WebSocket, trustAnchors: caPem });
  const vault = await createVault({ wipeOnLeave: false, sweepIntervalMs: 0, transport });
  const u = new URL(origin);
  const base = `https://localhost:${u.port}`;
  let linked = null; // the link names the path: made once per path, not per GET
  const get = async (path) => {
    if (linked !== path) vault.link('g', { provider: 'sealed', sealed: { url: base + path, reference: 'bench' } });
    linked = path;
    const r = await vault.resolve({ url: 'https://api.example/', body: '{{vault:g}}' });
    const u0 = r.unresolved[0];
    const complete = u0 && u0.reason !== 'unreachable';
    return { status: complete ? 200 : 0, bodyLength: complete ? -1 : 0, detail: u0?.detail };
  };
  return {
    expectsBodyLength: false,
    get,
    /** A new TCP + TLS connection: dropping the sealed connection forgets idle connections and TLS sessions. */
    async coldGet(path) {
      vault.disconnect('sealed');
      await vault.connect('sealed', {});
      return get(path);
    },
    close() {
      vault.wipe();
      transport.close();
    },
  };
}
