// Types of herald-client/react (hand-written; the source is index.js).
import type { ReactNode, ReactElement } from 'react';
import type { Herald, HeraldEvent, Member, StateChange } from '../src/index.js';

/** Makes `client` available to the hooks below it. Create the client once, outside of render. */
export function HeraldProvider(props: { client: Herald; children?: ReactNode }): ReactElement;

/** The Herald of the nearest <HeraldProvider>; throws outside of one. */
export function useHerald(): Herald;

/**
 * Calls `onEvent` for every event of `channel`, and `options.onReset` when the
 * server says that history is gone (reload your state then). A falsy channel
 * subscribes to nothing. The callbacks may change on every render.
 */
export function useChannel(
  channel: string | null | undefined,
  onEvent: (event: HeraldEvent) => void,
  options?: { onReset?: () => void },
): void;

/** The members of a presence channel, sorted by user, kept live by join and leave (WebSocket transport only). */
export function usePresence(channel: string | null | undefined): Member[];

export interface TypingOptions {
  /** Your own user id, left out of the typing users. */
  me?: string;
  /** At most one typing event is published per `interval` ms. Default 2000. */
  interval?: number;
  /** A user stops showing `timeout` ms after their last typing event. Default 3000. */
  timeout?: number;
}

/** [user ids typing now (sorted), notifyTyping: call it on every keystroke]. */
export function useTyping(
  channel: string | null | undefined,
  options?: TypingOptions,
): [string[], () => void];

/** The client's connection state, as in herald.on('state'). */
export function useConnectionState(): StateChange;
