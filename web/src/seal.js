// Sealing for relays and tests: makes a sealed envelope (docs/envelope.md) for
// a vault's recipient key with vaultlink's own wasm core — the same HPKE code
// that opens it, no JS crypto library.
//
//   const { publicKey, keyId } = vault.publicKey();            // in the tab
//   const env = await sealForRecipient({ publicKey, keyId }, 'op://Private/Stripe/key', value, { ttlSeconds: 300 });
//   // serve env (bytes, or envelopeToBase64(env)) at the link's "url"
//
// The value is copied into a throwaway wasm instance whose memory is
// zero-filled afterwards; pass a Uint8Array (and wipe it yourself) to keep no
// string copy.

import { loadCore } from './bridge.js';
import { VaultError } from './errors.js';

const AEADS = { 'aes-128-gcm': 1, 'aes-256-gcm': 2, chacha20poly1305: 3, 'chacha20-poly1305': 3, 1: 1, 2: 2, 3: 3 };
const KEY_ID_OFFSET = 50; // docs/envelope.md: key_id at bytes 50..58
const enc = new TextEncoder();

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * Seals `value` for one recipient.
 * @param {{publicKey: Uint8Array, keyId?: string}} recipient  what vault.publicKey() returned
 * @param {string} reference  the external reference the link names (bound into the envelope)
 * @param {string|Uint8Array} value
 * @param {{ttlSeconds?: number, aead?: 'chacha20poly1305'|'aes-128-gcm'|'aes-256-gcm'|1|2|3, now?: number, wasm?: any}} [options]
 * @returns {Promise<Uint8Array>} the envelope
 */
export async function sealForRecipient(recipient, reference, value, options = {}) {
  const pk = recipient && recipient.publicKey;
  if (!(pk instanceof Uint8Array) || pk.length !== 32) {
    throw new VaultError('bad_argument', 'sealForRecipient: recipient.publicKey must be 32 bytes (vault.publicKey())');
  }
  if (typeof reference !== 'string' || !reference) {
    throw new VaultError('bad_argument', 'sealForRecipient: reference must be a non-empty string');
  }
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    throw new VaultError('bad_argument', 'sealForRecipient: value must be a string or a Uint8Array');
  }
  const ttl = options.ttlSeconds ?? 300;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new VaultError('bad_argument', 'sealForRecipient: ttlSeconds must be > 0');
  const aead = AEADS[options.aead ?? 'chacha20poly1305'];
  if (!aead) throw new VaultError('bad_argument', `sealForRecipient: unknown aead "${options.aead}"`);
  const expires = (options.now ?? Date.now()) + Math.round(ttl * 1000);

  // The sealing side's exports are in the larger module (wasm/seal-exports.txt):
  // a page's core module only opens envelopes.
  const core = await loadCore(options.wasm, { tunnel: true });
  const plain = typeof value === 'string' ? enc.encode(value) : value;
  try {
    const env = core.envelopeSeal(pk, aead, enc.encode(reference), expires, plain);
    const keyId = hex(env.subarray(KEY_ID_OFFSET, KEY_ID_OFFSET + 8));
    if (recipient.keyId !== undefined && String(recipient.keyId).toLowerCase() !== keyId) {
      throw new VaultError('bad_argument', `sealForRecipient: keyId ${recipient.keyId} does not match the public key (${keyId})`);
    }
    return env;
  } finally {
    if (typeof value === 'string') plain.fill(0);
    core.destroy(); // zero-fills the throwaway instance's whole memory
  }
}

/** Standard base64 of an envelope (the text form a relay may serve). */
export function envelopeToBase64(env) {
  let s = '';
  for (let i = 0; i < env.length; i += 0x8000) s += String.fromCharCode(...env.subarray(i, i + 0x8000));
  return btoa(s);
}
