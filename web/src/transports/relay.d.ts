// Types for web/src/transports/relay.js (byte-relay clients for the tunnel transport).

export type RelayErrorCode = 'relay_unreachable' | 'relay_refused' | 'relay_closed' | 'relay_protocol' | 'timeout';

export class RelayError extends Error {
  constructor(code: RelayErrorCode, detail: string);
  readonly name: 'RelayError';
  readonly code: RelayErrorCode;
  /** What failed and where (relay URL without its query, host:port); never payload bytes. */
  readonly detail: string;
}

export interface CloseInfo {
  /** e.g. 'destination blocked by the relay (0x48)', 'relay connection lost', 'closed by the client'. */
  reason: string;
  /** Wisp: the CLOSE reason byte. websockify: the WebSocket close code. Absent when the client closed. */
  code?: number;
  /** True for a voluntary close by either side. */
  clean: boolean;
}

export interface Stream {
  /** Queues bytes (copied before it returns). Throws RelayError 'relay_closed' once closed. */
  send(bytes: Uint8Array): void;
  /** Incoming bytes; data arriving before it is set is buffered. */
  ondata: ((bytes: Uint8Array) => void) | null;
  /** Fires exactly once, after any buffered data, whoever closed the stream. */
  onclose: ((info: CloseInfo) => void) | null;
  /** Closes at once: Wisp CLOSE 0x02 / WebSocket close 1000. Idempotent. */
  close(): void;
  readonly closed: boolean;
}

export interface Relay {
  readonly protocol: 'wisp' | 'websockify';
  /** Rejects with a RelayError (TypeError for a malformed host or port). */
  open(host: string, port: number): Promise<Stream>;
  /** Closes every stream and the WebSocket(s); later open() calls reject with 'relay_closed'. */
  close(): void;
}

/** Anything constructible like the browser's WebSocket (the global one, or `ws`). */
export type WebSocketClass = new (url: string, protocols?: string | string[]) => any;

/** Wisp v1: one WebSocket multiplexing streams. url must end with '/'. */
export function wispRelay(
  url: string,
  options?: { WebSocket?: WebSocketClass; protocols?: string | string[]; connectTimeoutMs?: number },
): Relay;

/**
 * websockify: one WebSocket per TCP connection; the target is chosen by the relay's token.
 * tokenFor(host, port) returns the token, or undefined to refuse ("no relay token for host:port").
 */
export function websockifyRelay(
  url: string,
  options: {
    tokenFor: (host: string, port: number) => string | undefined;
    WebSocket?: WebSocketClass;
    connectTimeoutMs?: number;
  },
): Relay;

/** The name of a Wisp close reason with its code, e.g. 'connection refused (0x44)'. */
export function wispReasonName(code: number): string;
