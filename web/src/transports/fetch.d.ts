import type { Transport } from '../vault.js';

export interface FetchOptions {
  /** Per attempt, in ms (default 15000; 1..2147483647). */
  timeoutMs?: number;
  /** Further attempts after a 429, a 5xx or a timeout, with backoff and Retry-After (default 2, at most 10; a CORS or network failure is never retried). */
  retries?: number;
  /** The first backoff in ms (default 200, at most 60000; doubled per attempt, with jitter; a wait is never over 60 s). */
  baseDelayMs?: number;
  /** A larger answer is refused, never truncated (default and most: 4 MiB, the core's limit). */
  maxResponseBytes?: number;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

export interface FetchTransport extends Transport {
  readonly name: 'fetch';
  readonly tunnel: false;
  /**
   * The options createVaultInWorker() posts to its Worker, which makes the
   * same transport there: the Worker fetches, and no provider response passes
   * through the page. null with a custom `fetch` (it cannot be posted): such
   * a transport performs a Worker vault's jobs in the page.
   */
  readonly workerConfig: Readonly<{ kind: 'fetch'; timeoutMs: number; retries: number; baseDelayMs: number; maxResponseBytes: number }> | null;
}

/** The direct transport: fetch() with credentials omitted, no cache, no redirects; timeouts and bounded retries. A bad option is a TypeError naming it. */
export function fetchTransport(opts?: FetchOptions): FetchTransport;
