// The native CLI (`vaultlink keygen|seal|open`) and the wasm module agree on
// sealed envelopes in both directions, and the CLI's exit codes and messages
// name each failure without printing the value. VL_BUILD_DIR (set by ctest)
// is the native build directory holding the `vaultlink` binary.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadCore } from '../../web/src/bridge.js';
import { TEST_WASM } from './testwasm.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(process.env.VL_BUILD_DIR || join(here, '../../build/native'), 'vaultlink');
const skip = existsSync(cli) ? false : `no native CLI at ${cli}`;
const dir = mkdtempSync(join(tmpdir(), 'vl-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (args, input) => spawnSync(cli, args, { input });
const enc = new TextEncoder();
const hex = (s) => Uint8Array.from(s.trim().match(/../g), (b) => parseInt(b, 16));
const toHex = (b) => Buffer.from(b).toString('hex');
const AEADS = { aes128gcm: 1, aes256gcm: 2, chacha20poly1305: 3 };
const REF = 'op://Private/Stripe/credential';
const VALUE = 'sk_live_cli_interop_value';

test('keygen writes the secret key to a 0600 file and only the public key to stdout', { skip }, () => {
  const r = run(['keygen', '--out', join(dir, 'k1')]);
  assert.equal(r.status, 0, r.stderr.toString());
  const pk = r.stdout.toString().trim();
  assert.match(pk, /^[0-9a-f]{64}$/);
  const sk = readFileSync(join(dir, 'k1'), 'utf8').trim();
  assert.match(sk, /^[0-9a-f]{64}$/);
  assert.ok(!r.stdout.toString().includes(sk));
  assert.equal(statSync(join(dir, 'k1')).mode & 0o777, 0o600);
  assert.equal(run(['keygen', '--out', join(dir, 'k1')]).status, 1, 'refuses to overwrite');
  assert.equal(run(['keygen']).status, 2, 'needs --out or --stdout');
});

test('envelopes sealed by the CLI open in wasm, and wasm-sealed ones open in the CLI', { skip }, async () => {
  const core = await loadCore(TEST_WASM);
  const x = core.x;
  const pk = hex(run(['keygen', '--out', join(dir, 'k2')]).stdout.toString());
  const skP = core.put(hex(readFileSync(join(dir, 'k2'), 'utf8')));
  const refP = core.put(enc.encode(REF));
  const box = x.vl_w_crypto_outbox() >>> 0;
  const outbox = (i) => new Uint32Array(core.memory.buffer, box, 4)[i];
  for (const [name, id] of Object.entries(AEADS)) {
    const s = run(['seal', '--recipient', toHex(pk), '--ref', REF, '--ttl', '60', '--aead', name], VALUE);
    assert.equal(s.status, 0, s.stderr.toString());
    const env = Buffer.from(s.stdout.toString(), 'base64');
    assert.equal(env[9], id);
    const envP = core.put(env);
    const st = x.vl_w_envelope_open(envP, env.length, skP, 0, refP, REF.length, Date.now());
    assert.equal(st, 0, core.cstr(x.vl_w_crypto_error() >>> 0));
    assert.equal(new TextDecoder().decode(core.take(outbox(0), outbox(1))), VALUE);
    core.release(envP, env.length);

    const vP = core.put(enc.encode(VALUE));
    const pkP = core.put(pk);
    assert.equal(x.vl_w_envelope_seal(pkP, id, refP, REF.length, Date.now() + 60_000, vP, VALUE.length), 0);
    const sealed = core.take(outbox(0), outbox(1));
    core.release(vP, VALUE.length);
    core.release(pkP, 32);
    const o = run(['open', '--key-file', join(dir, 'k2'), '--ref', REF], Buffer.from(sealed).toString('base64'));
    assert.equal(o.status, 0, o.stderr.toString());
    assert.equal(o.stdout.toString(), VALUE);
  }
  core.destroy();
});

test('open: each failure has its own exit code and a message without the value', { skip }, () => {
  const pk = run(['keygen', '--out', join(dir, 'k3')]).stdout.toString().trim();
  run(['keygen', '--out', join(dir, 'other')]);
  const env = run(['seal', '--recipient', pk, '--ref', REF, '--ttl', '60'], VALUE).stdout.toString();
  const raw = Buffer.from(env, 'base64');
  const tampered = Buffer.from(raw);
  tampered[tampered.length - 1] ^= 1;
  const cases = [
    ['wrong recipient', ['--key-file', join(dir, 'other'), '--ref', REF], env, 3, /key id/],
    ['reference mismatch', ['--key-file', join(dir, 'k3'), '--ref', 'op://x/y/z'], env, 4, /reference/],
    ['expired', ['--key-file', join(dir, 'k3'), '--ref', REF, '--now', String(Date.now() + 3_600_000)], env, 5, /expired/],
    ['tampered', ['--key-file', join(dir, 'k3'), '--ref', REF], tampered.toString('base64'), 6, /authentication/],
    ['malformed', ['--key-file', join(dir, 'k3'), '--ref', REF], 'AAAA', 7, /byte 0/],
    ['usage', ['--key-file', join(dir, 'k3')], env, 2, /required/],
  ];
  for (const [what, args, input, code, message] of cases) {
    const r = run(['open', ...args], input);
    assert.equal(r.status, code, `${what}: ${r.stderr}`);
    assert.match(r.stderr.toString(), message, what);
    assert.equal(r.stdout.length, 0, `${what}: nothing on stdout`);
    assert.ok(!r.stderr.toString().includes(VALUE), `${what}: no value in the message`);
  }
});
