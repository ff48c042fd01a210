// Type declarations for vaultlink's JS API (web/src/vault.js).

export type Provider = 'local' | 'aws' | 'azure' | '1password' | 'hashicorp' | 'gcp' | 'sealed';

/** A local secret: the value moves into wasm; keep no copy of your own. */
export interface LocalSource {
  provider: 'local';
  value: string | Uint8Array;
}

/** A Postman Collection `Variable.source` object (or vaultlink's gcp/sealed forms). */
export interface ExternalSource {
  provider: Exclude<Provider, 'local'>;
  aws?: { secretArn: string; roleArn?: string; version?: string; format?: 'plaintext' | 'json'; key?: string };
  azure?: { secretId: string };
  '1password'?: { secretReference: string };
  hashicorp?: { engine: string; path: string; key: string; version?: string };
  gcp?: { name: string; key?: string };
  /** An envelope served at `url` (https; http only for localhost), bound to `reference` (default: the URL). */
  sealed?: { url: string; reference?: string };
  [extra: string]: unknown;
}

export type Source = LocalSource | ExternalSource;

export interface LinkOptions {
  /** Allowed domains: `example.com`, `*.example.com`, `http://host:8080/path` (path ignored). */
  domains?: string[] | string;
  enabled?: boolean;
}

export interface LinkDefinition {
  name: string;
  /** The provider the source (or shorthand) resolved to. */
  provider: Provider;
  source: Omit<Source, 'value'>;
  domains: string[];
  enabled: boolean;
}

export type HeadersInit =
  | Record<string, string>
  | Array<[string, string]>
  | Array<{ key: string; value: string }>
  | Headers;

export interface VaultRequest {
  method?: string;
  url: string;
  headers?: HeadersInit;
  body?: string | Uint8Array | ArrayBuffer | ArrayBufferView | null;
}

export type UnresolvedReason =
  | 'unknown'
  | 'disabled'
  | 'domain_not_allowed'
  | 'not_connected'
  | 'reauth_required'
  | 'permission_denied'
  | 'not_found'
  | 'disabled_at_provider'
  | 'throttled'
  | 'unreachable'
  | 'malformed_response'
  | 'misconfigured'
  | 'binary_value'
  /** The provider refused the credentials (HTTP 401/403) before their expiry. */
  | 'credentials_rejected'
  /** The secret exists but has no such key (format json / "key", a 1Password field). */
  | 'key_not_found';

export interface ConnectOptions {
  /** false: no check with the provider (offline, canned transports); resolves verified: false, method 'none'. Default true. */
  verify?: boolean;
}

/** What connect() learned about the credentials (never a credential). */
export interface ConnectResult {
  provider: string;
  /** true when the provider confirmed the credentials (method is not 'none'). */
  verified: boolean;
  /** A validated, non-secret identity: an STS ARN, a Vault display name and policies, "N vaults visible", an Azure oid/upn. */
  identity?: string;
  /** When the credentials expire (ms since the epoch), or null for no expiry. */
  expiresAt: number | null;
  /** How they were checked: 'sts:GetCallerIdentity', 'vault:token/lookup-self', 'vault:approle login', 'connect:GET /v1/vaults', 'azure:token-claims', or 'none'. */
  method: string;
}

export interface Unresolved {
  /** The literal token, e.g. `{{vault:stripe-key}}`. */
  token: string;
  name: string;
  /** `url`, `headers[i].name`, `headers[i].value` or `body`. */
  where: string;
  /** Byte offset of the token in that field (UTF-8). */
  offset: number;
  reason: UnresolvedReason;
  /** A sentence for the reason. */
  message: string;
  /** When the core knows more: the cause in this case, never a value. For
   * `domain_not_allowed` it names the URL's origin, the entry that came
   * closest, why it does not match (scheme, port or host) and the entry to add. */
  detail?: string;
}

export interface ResolvedRequest {
  method: string;
  url: string;
  /** Same shape as the request's headers. */
  headers: HeadersInit;
  /** A string for a string body, a Uint8Array for a byte body; absent if none. */
  body?: string | Uint8Array;
  unresolved: Unresolved[];
}

/** A job as a transport sees it: opaque. Only a transport that does the I/O
 * in JS (fetch) asks for its request; the tunnel never does. */
export interface Job {
  /** A keyed hash computed by the core: equal identities are one request. */
  readonly identity: string;
  /** Where it goes (not secret). Throws VaultError 'state' once its resolve ended. */
  origin(): { scheme: 'https' | 'http'; host: string; port: number };
  /** The HTTP request: its headers hold credentials as JS strings. Throws 'state' once its resolve ended. */
  request(): { method: string; url: string; headers: Array<[string, string]>; body?: string | Uint8Array };
}

export interface TransportAnswer {
  status: number;
  headers: Array<[string, string]>;
  /** Zeroed by the vault once copied into wasm: return a fresh buffer per answer. */
  body: Uint8Array;
  /** Set by a transport that stopped reading at the core's size limit. */
  tooLarge?: boolean;
}

export interface Transport {
  name?: string;
  /**
   * false: never hands a job to a tunnel, so createVault() loads the core
   * without TLS (web/dist/vaultlink.wasm; fetchTransport() says so). Any other
   * value (a tunnelTransport, a wrapper that may use one) gets
   * web/dist/vaultlink-tunnel.wasm.
   */
  tunnel?: boolean;
  /** Throwing answers the job "unreachable" (the message is not quoted). */
  perform(job: Job): Promise<TransportAnswer | { ingested: true }>;
}

export interface VaultOptions {
  /** Cache expiration in minutes (default 60, as Postman). */
  cacheTtlMinutes?: number;
  /** Re-expand substituted values up to 19 passes, as postman-collection does (default false). */
  postmanCompat?: boolean;
  /** Wipe on pagehide and freeze (default true in browsers). */
  wipeOnLeave?: boolean;
  /**
   * Called when a vault wiped by pagehide or freeze comes back because the page
   * was restored from the back/forward cache (`pageshow` with `persisted`). The
   * vault is then live again and EMPTY: a fresh wasm instance, no links, no
   * credentials, no cache, a new session key pair (re-send `publicKey()`).
   * Re-link and re-connect here. Not called after `wipe()`: that is for good.
   * An exception thrown here is reported (`reportError`), not propagated.
   */
  onRestore?: (vault: Vault) => void;
  /** The wasm module: a WebAssembly.Module, its bytes, or a URL (default: ../dist/vaultlink.wasm without options.transport or with one whose `tunnel` is false, else ../dist/vaultlink-tunnel.wasm). */
  wasm?: WebAssembly.Module | BufferSource | URL | string;
  /** How provider jobs are performed (default: fetchTransport()). */
  transport?: Transport;
  /** Sweep expired values and credentials every N ms (default 30000; 0 = off, else 10..2147483647; unref'd in Node).
   * The vault also sweeps on `visibilitychange` and `pageshow`. */
  sweepIntervalMs?: number;
}

export interface RecipientKey {
  kem: 'X25519';
  /** 32 bytes. */
  publicKey: Uint8Array;
  /** Hex of SHA-256(publicKey)[0..8], as in the envelope header. */
  keyId: string;
}

export class VaultError extends Error {
  /** Stable code: 'bad_request', 'bad_argument', 'limit', 'format', 'bad_reference', 'wiped', … */
  code: string;
}

export class Vault {
  /** True after wipe(), pagehide or freeze; every other call then throws a VaultError
   * with code 'wiped' whose message says why. A vault wiped by pagehide or freeze
   * becomes live and empty again when the page is restored from the back/forward
   * cache (pageshow with persisted; see VaultOptions.onRestore). A vault wiped by
   * wipe() stays wiped: create a new one with createVault(). A resolve() awaiting
   * a provider when the vault is wiped rejects as 'wiped', even if it was restored since. */
  readonly wiped: boolean;
  link(name: string, source: Source | string, options?: LinkOptions): void;
  unlink(name: string): void;
  setEnabled(name: string, enabled: boolean): void;
  links(): LinkDefinition[];
  resolve(request: VaultRequest, options?: { postmanCompat?: boolean }): Promise<ResolvedRequest>;
  /**
   * Moves credentials into wasm (the shim keeps no copy), then checks them with the provider
   * through this vault's transport. Rejects with VaultError code 'credentials_rejected' (message
   * names the provider and HTTP status, never a credential) or 'unreachable'; the provider is
   * then left disconnected.
   * 'sealed' starts connected; connect('sealed', {origin, headers?, expiresAt?}) sets relay headers (e.g. a bearer token), sent only to links under origin (required with headers).
   */
  connect(provider: Exclude<Provider, 'local'>, credentials: Record<string, unknown>, options?: ConnectOptions): Promise<ConnectResult>;
  disconnect(provider: Exclude<Provider, 'local'>): void;
  /** This session's recipient key for sealed envelopes; the secret half never leaves wasm. */
  publicKey(): RecipientKey;
  status(): {
    providers: Array<{ provider: string; connected: boolean; reauthRequired: boolean; credentialsRejected: boolean; expiresAt: number | null }>;
    cache: Array<{ name: string; key: string; expiresAt: number }>;
    cacheTtlMinutes: number;
  };
  resetCache(): void;
  sweep(): number;
  setCacheTtl(minutes: number): void;
  /** postman-runtime's `secretResolver` run option, backed by this vault. */
  postmanSecretResolver(options?: { domains?: Record<string, string[]>; allowedInScript?: boolean }): (
    payload: { secrets: Array<{ scopeName: string; variable: { key: string; source?: unknown } }>; urlString: string },
    callback: (err: Error | null, result?: Array<{ resolvedValue?: string; error?: Error; allowedInScript?: boolean }>) => void,
  ) => void;
  wipe(): void;
}

/** Creates a vault: a fresh wasm instance with its own memory. Bad options reject
 * with code 'bad_argument' before anything is fetched. */
export function createVault(options?: VaultOptions): Promise<Vault>;

/**
 * Starts fetching and compiling the shipped module createVault(options) will
 * use (the core, or the core with the tunnel for a transport that may tunnel),
 * so a later createVault() only instantiates it. Does nothing with
 * `options.wasm`. Never rejects: the next createVault() retries and reports a failure.
 */
export function preloadVault(options?: Pick<VaultOptions, 'transport' | 'wasm'>): Promise<void>;

export interface WorkerVaultOptions extends Omit<VaultOptions, 'wasm' | 'onRestore'> {
  /** The wasm module for the Worker: a URL (relative to web/src/), a WebAssembly.Module or its bytes. */
  wasm?: WebAssembly.Module | BufferSource | URL | string;
  /**
   * Optional. A tunnelTransport with a relay URL is made again inside the
   * Worker (its `workerConfig`): TLS runs there, and nothing of a provider
   * request or response reaches this page. A tunnelTransport whose options
   * cannot be posted to a Worker (a relay object, WebSocket, tokenFor) is
   * refused (use `tokens` for websockify). A fetchTransport is made there
   * too (without a custom `fetch`): the Worker fetches. A routeTransport's
   * tunnel and fetch routes are made in the Worker the same way, and its
   * other routes perform their jobs in this page (routed by provider); one
   * with a tunnel route that cannot be posted is refused, naming the route.
   * Any other transport performs the Worker's jobs in this page: the
   * provider's responses, and so secret values, then pass through this page's
   * heap. Without one the Worker fetches them itself (fetchTransport) and
   * values stay in the Worker.
   */
  transport?: Transport;
  /** A bfcache restore after pagehide/freeze started a new Worker with an empty vault. */
  onRestore?: (vault: WorkerVault) => void;
}

/**
 * A vault whose core runs in a dedicated Worker (web/src/worker.js, an ES
 * module Worker). Same methods as Vault, but every one returns a Promise: calls
 * and answers travel by postMessage (structured clone). A Uint8Array secret
 * value given to link() is copied and the copy transferred (your array is left
 * as it is). Errors reject with a VaultError with the same code and message.
 *
 * wipe(): the Worker's vault zeroes its state and zero-fills its wasm memory,
 * then the Worker is terminated; later calls reject with code 'wiped', for good.
 * pagehide and freeze (wipeOnLeave, default true) ask the Worker to wipe and
 * terminate it at once (the page may be frozen next, so terminate() does not
 * wait for the zero-fill); a page restored from the back/forward cache then gets
 * a new Worker with an empty vault and onRestore(vault) is called.
 *
 * Browser only (needs the Worker global): in Node use createVault().
 * postmanSecretResolver() is not available on a WorkerVault.
 */
export class WorkerVault {
  readonly wiped: boolean;
  link(name: string, source: Source | string, options?: LinkOptions): Promise<void>;
  unlink(name: string): Promise<void>;
  setEnabled(name: string, enabled: boolean): Promise<void>;
  links(): Promise<LinkDefinition[]>;
  /** A Headers object is accepted and given back as one. */
  resolve(request: VaultRequest, options?: { postmanCompat?: boolean }): Promise<ResolvedRequest>;
  connect(provider: Exclude<Provider, 'local'>, credentials: Record<string, unknown>, options?: ConnectOptions): Promise<ConnectResult>;
  disconnect(provider: Exclude<Provider, 'local'>): Promise<void>;
  publicKey(): Promise<RecipientKey>;
  status(): Promise<ReturnType<Vault['status']>>;
  resetCache(): Promise<void>;
  sweep(): Promise<number>;
  setCacheTtl(minutes: number): Promise<void>;
  wipe(): Promise<void>;
}

/** Creates a vault in a dedicated Worker; rejects with code 'unsupported' where there is no Worker (Node),
 * and with 'bad_argument' for bad options before the Worker starts. */
export function createVaultInWorker(options?: WorkerVaultOptions): Promise<WorkerVault>;

export { tunnelTransport, routeTransport } from './transports/tunnel.js';
export { fetchTransport } from './transports/fetch.js';
export type { FetchOptions, FetchTransport } from './transports/fetch.js';
export { postmanSecretResolver } from './postman.js';
export { RelayError, wispRelay, websockifyRelay, wispReasonName } from './transports/relay.js';
export type { Relay } from './transports/relay.js';
export type { TunnelOptions, TunnelTransport, RouteTransport } from './transports/tunnel.js';
