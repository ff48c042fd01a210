// Interop between vaultlink's wasm HPKE (BearSSL 0.6 inside web/dist/vaultlink.wasm)
// and @hpke/core (+ @hpke/chacha20poly1305): messages and sealed envelopes go
// both ways for all three AEADs. Build the wasm module first (the wasm build
// copies it to web/dist/vaultlink.wasm).
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { test } from 'node:test';

import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { Aes128Gcm, Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';

import { loadCore } from '../../web/src/bridge.js';
import { TEST_WASM } from './testwasm.mjs';

if (!globalThis.crypto) globalThis.crypto = webcrypto;

const AEADS = [
  { id: 1, name: 'AES-128-GCM', make: () => new Aes128Gcm() },
  { id: 2, name: 'AES-256-GCM', make: () => new Aes256Gcm() },
  { id: 3, name: 'ChaCha20-Poly1305', make: () => new Chacha20Poly1305() },
];
const VL_OK = 0;
const VL_ERR_AUTH = 9;
const VL_ERR_EXPIRED = 10;
const VL_ERR_WRONG_RECIPIENT = 13;
const VL_ERR_REF_MISMATCH = 14;

const enc = new TextEncoder();
const suiteFor = (aead) => new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: aead.make() });
const u8 = (b) => new Uint8Array(b);

/** Wasm helpers: every buffer is zero-filled and freed by the bridge's release/take. */
class Wasm {
  constructor(core) {
    this.core = core;
    this.x = core.x;
    this.box = this.x.vl_w_crypto_outbox() >>> 0;
  }
  put(bytes) {
    return bytes.length ? this.core.put(bytes) : this.core.put(new Uint8Array(1));
  }
  alloc(n) {
    return this.core.put(new Uint8Array(Math.max(n, 1)));
  }
  outbox(i) {
    return new Uint32Array(this.core.memory.buffer, this.box, 4)[i];
  }
  /** Runs fn(pointers) with inputs copied in; frees them afterwards. */
  with(inputs, fn) {
    const ptrs = inputs.map((b) => this.put(b));
    try {
      return fn(...ptrs);
    } finally {
      ptrs.forEach((p, i) => this.core.release(p, Math.max(inputs[i].length, 1)));
    }
  }
  keygen() {
    const sk = this.alloc(32);
    const pk = this.alloc(32);
    assert.equal(this.x.vl_w_x25519_keygen(sk, pk), VL_OK);
    return { sk, pk: this.core.take(pk, 32) }; // sk stays in wasm memory
  }
  openBase(aeadId, sk, pk, encap, info, aad, ct) {
    const out = this.alloc(ct.length - 16);
    const st = this.with([pk, encap, info, aad, ct], (pkP, encP, infoP, aadP, ctP) =>
      this.x.vl_w_hpke_open_base(aeadId, sk, pkP, encP, infoP, info.length, aadP, aad.length, ctP, ct.length, out),
    );
    const pt = this.core.take(out, Math.max(ct.length - 16, 1)).subarray(0, ct.length - 16);
    return { st, pt };
  }
  sealBase(aeadId, pk, info, aad, pt) {
    const encOut = this.alloc(32);
    const out = this.alloc(pt.length + 16);
    const st = this.with([pk, info, aad, pt], (pkP, infoP, aadP, ptP) =>
      this.x.vl_w_hpke_seal_base(aeadId, pkP, infoP, info.length, aadP, aad.length, ptP, pt.length, encOut, out),
    );
    return { st, enc: this.core.take(encOut, 32), ct: this.core.take(out, pt.length + 16) };
  }
  envelopeOpen(env, sk, ref, nowMs) {
    const st = this.with([env, ref], (envP, refP) =>
      this.x.vl_w_envelope_open(envP, env.length, sk, 0, refP, ref.length, nowMs),
    );
    if (st !== VL_OK) return { st, error: this.core.cstr(this.x.vl_w_crypto_error() >>> 0) };
    const ptr = this.outbox(0);
    const len = this.outbox(1);
    const expires = this.outbox(2) + this.outbox(3) * 2 ** 32;
    return { st, value: this.core.take(ptr, len), expires };
  }
  envelopeSeal(pk, aeadId, ref, expiresMs, value) {
    const st = this.with([pk, ref, value], (pkP, refP, vP) =>
      this.x.vl_w_envelope_seal(pkP, aeadId, refP, ref.length, expiresMs, vP, value.length),
    );
    assert.equal(st, VL_OK);
    return this.core.take(this.outbox(0), this.outbox(1));
  }
}

/** The envelope format of docs/envelope.md, built independently of the C code. */
async function sha256(b) {
  return u8(await crypto.subtle.digest('SHA-256', b));
}
function be(n, bytes) {
  const out = new Uint8Array(bytes);
  let v = BigInt(n);
  for (let i = bytes - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
}
const LABEL = enc.encode('vaultlink envelope v1');
async function envelopeInfo(ref, keyId, expiresMs) {
  return concat(LABEL, be(ref.length, 2), ref, keyId, be(expiresMs, 8));
}
async function sealEnvelopeJs(suite, aeadId, pkRaw, ref, expiresMs, value) {
  const keyId = (await sha256(pkRaw)).subarray(0, 8);
  const info = await envelopeInfo(ref, keyId, expiresMs);
  const pk = await suite.kem.importKey('raw', pkRaw.buffer.slice(pkRaw.byteOffset, pkRaw.byteOffset + 32), true);
  const sender = await suite.createSenderContext({ recipientPublicKey: pk, info });
  const header = concat(
    enc.encode('VLE'), u8([1]), be(0x20, 2), be(1, 2), be(aeadId, 2), u8(sender.enc),
    be(expiresMs, 8), keyId, be(ref.length, 2), ref,
  );
  const ct = u8(await sender.seal(value, header));
  return concat(header, ct);
}
async function openEnvelopeJs(suite, keyPair, env, now) {
  const view = new DataView(env.buffer, env.byteOffset, env.byteLength);
  assert.equal(new TextDecoder().decode(env.subarray(0, 3)), 'VLE');
  const refLen = view.getUint16(58);
  const header = env.subarray(0, 60 + refLen);
  const expiresMs = Number(view.getBigUint64(42));
  assert.ok(expiresMs > now);
  const info = await envelopeInfo(env.subarray(60, 60 + refLen), env.subarray(50, 58), expiresMs);
  const recipient = await suite.createRecipientContext({ recipientKey: keyPair.privateKey, enc: env.slice(10, 42), info });
  return u8(await recipient.open(env.slice(60 + refLen), header));
}

const core = await loadCore(TEST_WASM);
const w = new Wasm(core);

for (const aead of AEADS) {
  test(`${aead.name}: @hpke/core seals single-shot, vaultlink wasm opens`, async () => {
    const suite = suiteFor(aead);
    const { sk, pk } = w.keygen();
    const info = enc.encode('vaultlink interop info');
    for (const size of [0, 1, 32, 256, 4096]) {
      const pt = u8(crypto.getRandomValues(new Uint8Array(size)));
      const aad = enc.encode(`aad-${size}`);
      const recipientPublicKey = await suite.kem.importKey('raw', pk.buffer.slice(pk.byteOffset, pk.byteOffset + 32), true);
      const { ct, enc: encap } = await suite.seal({ recipientPublicKey, info }, pt, aad);
      const got = w.openBase(aead.id, sk, pk, u8(encap), info, aad, u8(ct));
      assert.equal(got.st, VL_OK);
      assert.deepEqual(got.pt, pt);
      // a different aad fails authentication and leaves no plaintext
      const bad = w.openBase(aead.id, sk, pk, u8(encap), info, enc.encode('other'), u8(ct));
      assert.equal(bad.st, VL_ERR_AUTH);
      assert.ok(bad.pt.every((b) => b === 0));
    }
    core.release(sk, 32);
  });

  test(`${aead.name}: a stream of messages and exports from @hpke/core opens in a wasm receiver context`, async () => {
    const suite = suiteFor(aead);
    const { sk, pk } = w.keygen();
    const info = enc.encode('stream');
    const recipientPublicKey = await suite.kem.importKey('raw', pk.buffer.slice(pk.byteOffset, pk.byteOffset + 32), true);
    const sender = await suite.createSenderContext({ recipientPublicKey, info });
    const ctx = w.with([u8(sender.enc), info], (encP, infoP) =>
      w.x.vl_w_hpke_receiver_new(aead.id, encP, sk, 0, infoP, info.length),
    ) >>> 0;
    assert.notEqual(ctx, 0);
    for (let i = 0; i < 5; i++) {
      const pt = enc.encode(`message ${i}`);
      const aad = enc.encode(`seq ${i}`);
      const ct = u8(await sender.seal(pt, aad));
      const out = w.alloc(pt.length);
      const st = w.with([aad, ct], (aadP, ctP) => w.x.vl_w_hpke_receiver_open(ctx, aadP, aad.length, ctP, ct.length, out));
      assert.equal(st, VL_OK);
      assert.deepEqual(core.take(out, pt.length), pt);
    }
    for (const [label, len] of [['', 32], ['exp ctx', 64], ['x', 7]]) {
      const want = u8(await sender.export(enc.encode(label), len));
      const out = w.alloc(len);
      const ectx = enc.encode(label);
      const st = w.with([ectx], (p) => w.x.vl_w_hpke_export(ctx, p, ectx.length, out, len));
      assert.equal(st, VL_OK);
      assert.deepEqual(core.take(out, len), want);
    }
    w.x.vl_w_hpke_ctx_free(ctx);
    core.release(sk, 32);
  });

  test(`${aead.name}: vaultlink wasm seals, @hpke/core opens`, async () => {
    const suite = suiteFor(aead);
    const kp = await suite.kem.generateKeyPair();
    const pk = u8(await suite.kem.serializePublicKey(kp.publicKey));
    const info = enc.encode('from wasm');
    for (const size of [0, 17, 256]) {
      const pt = u8(crypto.getRandomValues(new Uint8Array(size)));
      const aad = enc.encode('aad');
      const { st, enc: encap, ct } = w.sealBase(aead.id, pk, info, aad, pt);
      assert.equal(st, VL_OK);
      const opened = u8(await suite.open({ recipientKey: kp.privateKey, enc: encap, info }, ct, aad));
      assert.deepEqual(opened, pt);
    }
  });

  test(`${aead.name}: envelopes sealed with @hpke/core (per docs/envelope.md) open in wasm, with distinct errors`, async () => {
    const suite = suiteFor(aead);
    const { sk, pk } = w.keygen();
    const ref = enc.encode('op://Private/Stripe/credential');
    const now = Date.now();
    const value = enc.encode('sk_live_interop_value');
    const env = await sealEnvelopeJs(suite, aead.id, pk, ref, now + 60_000, value);
    const ok = w.envelopeOpen(env, sk, ref, now);
    assert.equal(ok.st, VL_OK);
    assert.deepEqual(ok.value, value);
    assert.equal(ok.expires, now + 60_000);

    const wrongRef = w.envelopeOpen(env, sk, enc.encode('op://Private/Other/credential'), now);
    assert.equal(wrongRef.st, VL_ERR_REF_MISMATCH);
    assert.match(wrongRef.error, /reference/);
    assert.equal(w.envelopeOpen(env, sk, ref, now + 60_000).st, VL_ERR_EXPIRED);
    const other = w.keygen();
    assert.equal(w.envelopeOpen(env, other.sk, ref, now).st, VL_ERR_WRONG_RECIPIENT);
    const tampered = env.slice();
    tampered[tampered.length - 1] ^= 1;
    const t = w.envelopeOpen(tampered, sk, ref, now);
    assert.equal(t.st, VL_ERR_AUTH);
    assert.ok(!t.error.includes('sk_live'));
    core.release(sk, 32);
    core.release(other.sk, 32);
  });

  test(`${aead.name}: envelopes sealed in wasm open with @hpke/core (per docs/envelope.md)`, async () => {
    const suite = suiteFor(aead);
    const kp = await suite.kem.generateKeyPair();
    const pk = u8(await suite.kem.serializePublicKey(kp.publicKey));
    const ref = enc.encode('arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf');
    const now = Date.now();
    const value = enc.encode('{"password":"interop"}');
    const env = w.envelopeSeal(pk, aead.id, ref, now + 5_000, value);
    assert.equal(env[8] * 256 + env[9], aead.id);
    assert.deepEqual(await openEnvelopeJs(suite, kp, env, now), value);
  });
}
