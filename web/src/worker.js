// The dedicated Worker behind createVaultInWorker() (web/src/vault.js): it runs
// the core and its vault, so secret values and credentials live in this
// Worker's heap and wasm memory, never in the page's. The page posts calls and
// gets structured-clone answers; wipe() zero-fills the core's memory here, and
// the page then terminates the Worker.
//
// A tunnelTransport or fetchTransport given to createVaultInWorker() is made
// again here from its posted options (transport.workerConfig): the TLS, or the
// fetch, then runs in this Worker and no response passes through the page. A
// routeTransport's routes are made here the same way where they can be; its
// other routes' jobs go back to the page, named by provider.
//
// Protocol (page → worker): {kind:'call', id, op, args}, {kind:'performed', id, ok, res|error},
//           {kind:'module', module, tunnel} (after an init with moduleFollows)
//           (worker → page): {kind:'reply', id, ok, result|error}, {kind:'perform', id, req, provider}

import { createVault, fetchTransport, routeTransport, tunnelTransport } from './vault.js';

const OPS = new Set([
  'link', 'unlink', 'setEnabled', 'links', 'connect', 'disconnect', 'status',
  'publicKey', 'resetCache', 'sweep', 'setCacheTtl', 'resolve',
]);

let vault = null;
let ready = null;
// The module the page compiled for this vault (init's moduleFollows):
// {module, tunnel}, module null when it could not. Used only if it is the one
// createVault() would load for this transport (with the tunnel unless the
// transport says tunnel: false); otherwise createVault() loads its own here.
let moduleArrived;
const posted = new Promise((resolve) => (moduleArrived = resolve));
let nextPerform = 1;
const performing = new Map(); // id → {resolve, reject}

/** A transport that asks the page (options.transport there) to perform each job. */
const pageTransport = {
  name: 'page',
  perform(job) {
    const req = job.request(); // the page's transport does the I/O, so it needs the request
    return new Promise((resolve, reject) => {
      const id = nextPerform++;
      performing.set(id, { resolve, reject });
      self.postMessage({ kind: 'perform', id, req, provider: job.provider });
    });
  },
};

/** A transport from its posted workerConfig: a tunnel or a fetch transport. */
function makeHere(cfg) {
  if (cfg.kind === 'fetch') return fetchTransport(cfg);
  if (cfg.kind === 'tunnel') return tunnelTransport(cfg);
  throw new TypeError(`the page posted an unknown transport (${String(cfg.kind).slice(0, 20)})`);
}

/** A routeTransport's routes as posted: a transport's workerConfig (made
 * here, one transport per posted object) or null (the page performs that route). */
function workerRoutes(posted) {
  const made = new Map();
  const routes = {};
  for (const [provider, cfg] of Object.entries(posted)) {
    if (cfg && !made.has(cfg)) made.set(cfg, makeHere(cfg));
    routes[provider] = cfg ? made.get(cfg) : pageTransport;
  }
  return routeTransport(routes);
}

function errorOf(e) {
  return { name: e?.name ?? 'Error', code: e?.code, message: String(e?.message ?? e) };
}

async function handle({ id, op, args }) {
  let result;
  const transfer = [];
  if (op === 'init') {
    const options = { ...args[0] };
    // A tunnel or fetch transport is made here from its posted options; a
    // route's where it can be; any other transport of the page's gets the
    // jobs back (pageTransport).
    if (options.made) options.transport = makeHere(options.made);
    else if (options.route) options.transport = workerRoutes(options.route);
    else if (options.transport) options.transport = pageTransport;
    else delete options.transport;
    delete options.made;
    delete options.route;
    const follows = options.moduleFollows;
    delete options.moduleFollows;
    ready = (async () => {
      const given = follows ? await posted : null;
      const tunnel = options.transport ? options.transport.tunnel !== false : false;
      if (given?.module && given.tunnel === tunnel) options.wasm = given.module;
      return createVault(options);
    })();
    vault = await ready;
    result = true;
  } else {
    await ready;
    if (op === 'wipe') {
      vault.wipe(); // the core zeroes its state; the shim zero-fills the whole wasm memory
      result = { wiped: vault.wiped };
    } else if (OPS.has(op)) {
      result = await vault[op](...args);
      if (op === 'link' && args[1]?.value instanceof Uint8Array) args[1].value.fill(0); // our transferred copy
      if (op === 'resolve' && result.body instanceof Uint8Array) {
        const body = result.body.slice();
        result.body.fill(0);
        result.body = body;
        transfer.push(body.buffer);
      }
    } else throw new TypeError(`unknown operation ${op}`);
  }
  self.postMessage({ kind: 'reply', id, ok: true, result }, transfer);
  if (op === 'wipe') self.close();
}

self.onmessage = (e) => {
  const m = e.data;
  if (m?.kind === 'performed') {
    const p = performing.get(m.id);
    performing.delete(m.id);
    if (!p) return;
    if (m.ok) p.resolve(m.res);
    else p.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
    return;
  }
  if (m?.kind === 'module') {
    moduleArrived({ module: m.module instanceof WebAssembly.Module ? m.module : null, tunnel: m.tunnel === true });
    return;
  }
  if (m?.kind !== 'call') return;
  handle(m).catch((err) => self.postMessage({ kind: 'reply', id: m.id, ok: false, error: errorOf(err) }));
};
