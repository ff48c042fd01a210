// Benchmarks (not tests), each side by side with its peer in the same process:
//  - SigV4 signing of a GetSecretValue request: vaultlink (wasm) vs the official
//    @smithy/signature-v4. Target ≤ 0.25× its time.
//  - A cache hit (unseal + render) of a 64 B and a 4 KB secret through the JS
//    API, printed next to `await crypto.subtle.decrypt` (AES-GCM) of the same
//    64 B. Target ≤ 5 µs per 64 B hit.
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { loadCore } from '../../web/src/bridge.js';
import { TEST_WASM } from '../js/testwasm.mjs';
import { createVault } from 'vaultlink';

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
async function perOp(fn, { batches = 9, perBatch }) {
  for (let i = 0; i < perBatch; i++) await fn();
  const times = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < perBatch; i++) await fn();
    times.push(((performance.now() - t0) / perBatch) * 1000);
  }
  return median(times); // µs
}

// ---- SigV4 -------------------------------------------------------------------
const NOW = Date.UTC(2015, 7, 30, 12, 36, 0);
const BODY = '{"SecretId":"MyTestDatabaseSecret"}';
const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const smithy = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 'secretsmanager', sha256: Sha256, applyChecksum: false });
const request = () =>
  new HttpRequest({
    method: 'POST',
    protocol: 'https:',
    hostname: 'secretsmanager.us-east-1.amazonaws.com',
    path: '/',
    headers: {
      host: 'secretsmanager.us-east-1.amazonaws.com',
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    body: BODY,
  });

const core = await loadCore(TEST_WASM);
const x = core.x;
const cstr = (s) => core.put(new TextEncoder().encode(s + '\0'));
const [pAk, pSk, pRegion, pHost] = [creds.accessKeyId, creds.secretAccessKey, 'us-east-1', 'secretsmanager.us-east-1.amazonaws.com'].map(cstr);
const body = new TextEncoder().encode(BODY);
const pBody = core.put(body);
const wasmSign = () => {
  if (x.vl_w_sigv4_get_secret_value(pAk, pSk, pRegion, pHost, pBody, body.length, NOW) !== 0) throw new Error('sign failed');
  return core.take(core.out(0), core.out(1));
};
// Same signature from both, or the comparison means nothing.
const ours = new TextDecoder().decode(wasmSign());
const theirs = (await smithy.sign(request(), { signingDate: new Date(NOW) })).headers.authorization;
if (ours !== theirs) throw new Error(`signatures differ:\n${ours}\n${theirs}`);

// Interleaved batches (smithy, vaultlink, smithy, …) so load from other
// processes hits both alike; the ratio is the median of per-batch ratios.
async function compare(aFn, bFn, { batches = 21, perBatch }) {
  for (let i = 0; i < perBatch * 3; i++) {
    await aFn();
    await bFn();
  }
  const a = [], b = [], ratios = [];
  for (let k = 0; k < batches; k++) {
    let t0 = performance.now();
    for (let i = 0; i < perBatch; i++) await aFn();
    const ta = ((performance.now() - t0) / perBatch) * 1000;
    t0 = performance.now();
    for (let i = 0; i < perBatch; i++) await bFn();
    const tb = ((performance.now() - t0) / perBatch) * 1000;
    a.push(ta);
    b.push(tb);
    ratios.push(ta / tb);
  }
  return { a: median(a), b: median(b), ratio: median(ratios) };
}
const sig = await compare(wasmSign, () => smithy.sign(request(), { signingDate: new Date(NOW) }), { perBatch: 300 });
const sigWasm = sig.a;
const sigSmithy = sig.b;

// ---- cache hits ----------------------------------------------------------------
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-AbCdEf';
const values = { s64: 'v'.repeat(64), s4k: 'w'.repeat(4096) };
const transport = {
  name: 'fake',
  async perform(job) {
    const req = job.request();
    const id = JSON.parse(new TextDecoder().decode(req.body)).SecretId;
    const v = id.includes('big') ? values.s4k : values.s64;
    return { status: 200, headers: [['content-type', 'application/x-amz-json-1.1']], body: new TextEncoder().encode(JSON.stringify({ SecretString: v })) };
  },
};
const vault = await createVault({ transport, sweepIntervalMs: 0 });
await vault.connect('aws', creds, { verify: false }); // a canned transport: no STS to ask
vault.link('s64', { provider: 'aws', aws: { secretArn: ARN } });
vault.link('s4k', { provider: 'aws', aws: { secretArn: ARN.replace('bench', 'big') } });
const r64 = { url: 'https://h.test/', body: '{{vault:s64}}' };
const r4k = { url: 'https://h.test/', body: '{{vault:s4k}}' };
if ((await vault.resolve(r64)).body !== values.s64 || (await vault.resolve(r4k)).body !== values.s4k) throw new Error('cache warm-up failed');
const hit64 = await perOp(() => vault.resolve(r64), { perBatch: 2000 });
const hit4k = await perOp(() => vault.resolve(r4k), { perBatch: 1000 });

const key = await crypto.subtle.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
const iv = new Uint8Array(12);
const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(values.s64));
const subtle64 = await perOp(() => crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, ct), { perBatch: 2000 });
vault.wipe();

console.log('SigV4 GetSecretValue signing — ratio = vaultlink / @smithy/signature-v4 (target ≤ 0.25)');
console.table([{ vaultlink_us: sigWasm.toFixed(2), smithy_us: sigSmithy.toFixed(2), ratio: sig.ratio.toFixed(3) }]);
console.log('Cache hit through resolve() (unseal + render + shim), target ≤ 5 µs for 64 B');
console.table([
  { what: 'vaultlink hit, 64 B secret', us: hit64.toFixed(2), vs_subtle_decrypt: (hit64 / subtle64).toFixed(2) },
  { what: 'vaultlink hit, 4 KB secret', us: hit4k.toFixed(2), vs_subtle_decrypt: (hit4k / subtle64).toFixed(2) },
  { what: 'await crypto.subtle.decrypt AES-GCM 64 B', us: subtle64.toFixed(2), vs_subtle_decrypt: '1.00' },
]);
