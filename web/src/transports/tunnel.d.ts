import type { Transport } from '../vault.js';
import type { Relay } from './relay.js';
import type { FetchTransport } from './fetch.js';

export interface TunnelOptions {
  /** The relay's WebSocket URL (Wisp: ending in '/'), or a relay object (wispRelay/websockifyRelay). */
  relay: string | Relay;
  /** Default 'wisp' (v1, multiplexed); 'websockify' picks each target by token. */
  protocol?: 'wisp' | 'websockify';
  /** websockify only: the relay token for host:port (undefined: refused). */
  tokenFor?: (host: string, port: number) => string | undefined;
  /**
   * websockify only, instead of tokenFor: {"host:port": token}. Data, so a
   * Worker vault can be sent it. A key that is not "host:port" or a value
   * that is not a non-empty string is refused (TypeError).
   */
  tokens?: { [hostPort: string]: string };
  /** PEM text or DER bytes, or a list of them; default: web/dist/roots.der (scripts/roots), loaded on first use. */
  trustAnchors?: string | Uint8Array | Array<string | Uint8Array>;
  /** A WebSocket class (Node: the 'ws' package); default: the global one. */
  WebSocket?: unknown;
  /** Per job, in ms (default 15000; 1..2147483647). */
  timeoutMs?: number;
  /** Jobs at once per origin (default 4; an integer in 1..64). */
  maxPerOrigin?: number;
  /** An idle connection is closed after this long, in ms (default 30000; 0..2147483647). */
  idleMs?: number;
}

export interface TunnelTransport extends Transport {
  readonly protocol: 'wisp' | 'websockify';
  /**
   * The options createVaultInWorker() posts to its Worker, which makes the
   * same transport there: TLS runs in the Worker and no job comes back to the
   * page. null when an option cannot be posted (a relay object, WebSocket,
   * tokenFor): such a transport cannot serve a Worker vault.
   */
  readonly workerConfig: Readonly<{ kind: 'tunnel'; relay: string; protocol: 'wisp' | 'websockify'; trustAnchors?: TunnelOptions['trustAnchors']; tokens?: { [hostPort: string]: string }; timeoutMs: number; maxPerOrigin: number; idleMs: number }> | null;
  close(): void;
}

export interface RouteTransport extends Transport {
  /** The routes as given (frozen). */
  readonly routes: Readonly<{ [provider: string]: Transport; default: Transport }>;
  /**
   * What createVaultInWorker() posts to its Worker: each tunnel or fetch
   * route's workerConfig (the Worker makes that transport: a tunnel's TLS, or
   * the fetch, runs there; routes that share a transport share it there too),
   * every other route null (its jobs come back to this page's transport for
   * that route). null when no route can be made there, or a tunnel route
   * cannot be posted (createVaultInWorker() then refuses the transport,
   * naming the route).
   */
  readonly workerConfig: Readonly<{ routes: Readonly<{ [provider: string]: TunnelTransport['workerConfig'] | FetchTransport['workerConfig'] }> }> | null;
  /** Closes each route's transport that has close() (a shared one once). */
  close(): void;
}

export function tunnelTransport(opts: TunnelOptions): TunnelTransport;
/** Routes jobs by provider, e.g. {azure: tunnel, '1password': tunnel, default: fetchTransport()}. */
export function routeTransport(routes: { [provider: string]: Transport; default: Transport }): RouteTransport;
