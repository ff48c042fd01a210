// Types for web/src/seal.js (sealing envelopes for a vault's recipient key).
export function sealForRecipient(
  recipient: { publicKey: Uint8Array; keyId?: string },
  reference: string,
  value: string | Uint8Array,
  options?: {
    ttlSeconds?: number;
    aead?: 'chacha20poly1305' | 'aes-128-gcm' | 'aes-256-gcm' | 1 | 2 | 3;
    now?: number;
    wasm?: WebAssembly.Module | BufferSource | URL | string;
  },
): Promise<Uint8Array>;
export function envelopeToBase64(envelope: Uint8Array): string;
