// Types of herald-client (src/index.js). README "JavaScript client" is the guide.

export type Transport = 'websocket' | 'sse' | 'longpoll';

/** `failed`: herald refused the connection and a new token cannot fix it, or an operator disconnected
 *  the user (`error.code` `kicked`); no more retries until `reconnect()`.
 *  `closed`: after `close()`. */
export type State = 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface StateChange {
  state: State;
  transport: Transport;
  /** Connection attempts since the last stable connection (0 for the first). */
  attempt: number;
  /** `disconnected`: ms until the next attempt; `connecting`: ms that were waited. */
  delay: number;
  /** Set in state `failed`. */
  error: HeraldError | null;
}

export interface HeraldEvent<T = unknown> {
  channel: string;
  /** Event name, `message` by default. */
  event: string;
  /** Absent for an ephemeral event. */
  id?: string;
  data: T;
  /** The user id of the WebSocket client that published it. */
  from?: string;
}

export interface Member {
  user: string;
  connections: number;
  info?: Record<string, unknown>;
}

export interface PresenceChange {
  user: string;
  info?: Record<string, unknown>;
}

export interface HeraldOptions {
  /** Called before connecting, and again when herald refuses the token or it is about to expire (JWT `exp`). */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** A fixed token; herald refusing it ends in state `failed`. */
  token?: string;
  /** Order of preference; the next is tried when one cannot get through. Default all three. */
  transports?: Transport[];
  /** Implementations for Node (the `ws` and `eventsource` packages); the globals otherwise. */
  WebSocket?: unknown;
  EventSource?: unknown;
  fetch?: typeof fetch;
  /** Backoff: a reconnect waits a random time in [0, min(maxDelay, minDelay * 2^(attempt-1))] ms. Defaults 500 and 20000. */
  minDelay?: number;
  maxDelay?: number;
  /** A connection that lasted this long (ms) resets the backoff. Default 5000. */
  stableAfter?: number;
  /** Failed opens of a transport in a row, while herald answers, before the next transport. Default 2. */
  fallbackAfter?: number;
  /** Deadline (ms) to open a connection, and for an answer to publish, send or presence. Default 10000. */
  timeout?: number;
  /** How long a long-poll waits at herald (ms). Default 25000. */
  pollTimeout?: number;
  /** A tab shown again after being hidden this long (ms) checks its connection at once. Default 60000. */
  hiddenAfter?: number;
  /** Requests (publish, send, presence) kept while disconnected; beyond it they are rejected (`queue_full`). Default 100. */
  maxQueue?: number;
  /** Resume from this id on the first connection (e.g. saved from `herald.lastEventId`). */
  lastEventId?: string;
  /** Send cookies to another origin (EventSource withCredentials, fetch credentials). */
  withCredentials?: boolean;
  /** Where `online` and `visibilitychange` come from; `globalThis` and `document` in a browser. */
  window?: EventTarget;
  document?: EventTarget & { visibilityState: string };
}

export interface SubscribeHandlers<T = unknown> {
  onEvent?: (event: HeraldEvent<T>) => void;
  /** History no longer covers the resume: reload the state. */
  onReset?: () => void;
  /** herald refused something for this channel (e.g. `forbidden`). */
  onError?: (error: HeraldError) => void;
}

export class HeraldError extends Error {
  constructor(message: string, code: string, status?: number);
  /** unauthorized | forbidden | bad_request | kicked (an operator's POST /admin/disconnect; the message is its reason) | queue_full | unsupported | timeout | disconnected | closed, or herald's error code. */
  code: string;
  /** The HTTP status of a refused connection. */
  status?: number;
}

export class Subscription {
  readonly channel: string;
  readonly active: boolean;
  /** The id of the last event of this channel received. */
  readonly lastEventId: string | null;
  /** `subscribed`: the channel is live (after each connection); `unsubscribed`: an operator took the
   *  user off the channel (the subscription is over); `join`/`leave`: presence changes. */
  on(type: 'subscribed' | 'unsubscribed', fn: () => void): () => void;
  on(type: 'join' | 'leave', fn: (change: PresenceChange) => void): () => void;
  off(type: string, fn: (...args: any[]) => void): void;
  /** Members of the channel (WebSocket only). */
  presence(): Promise<Member[]>;
  unsubscribe(): void;
}

export class Herald {
  constructor(url: string, options?: HeraldOptions);
  readonly state: State;
  readonly transport: Transport;
  readonly error: HeraldError | null;
  /** The id of the last event received on any channel: where a reconnect resumes. */
  readonly lastEventId: string | null;
  on(type: 'state', fn: (change: StateChange) => void): () => void;
  /** Errors from herald that no request or subscription was waiting for. */
  on(type: 'error', fn: (error: HeraldError) => void): () => void;
  off(type: string, fn: (...args: any[]) => void): void;
  /** Throws a TypeError for a name herald would refuse (1-200 of A-Z a-z 0-9 _ - : . @ / =). */
  subscribe<T = unknown>(channel: string, handlers?: SubscribeHandlers<T>): Subscription;
  /** Publish from the client (WebSocket only; the token's `publish` claim). */
  publish(channel: string, event: string, data: unknown, options?: { ephemeral?: boolean; id?: string }): Promise<{ id: string | null }>;
  /** Upstream to the application (WebSocket only); resolves on herald's `sent`. */
  send(channel: string, data: unknown): Promise<void>;
  /** Connect now if waiting to reconnect; after `failed`, start again with a new token. */
  reconnect(): void;
  close(): void;
}
