// React bindings for herald-client: <HeraldProvider> and hooks.
//
// Plain ES modules without JSX, so that they need no build step; React (18 or
// newer) is a peer dependency. Every hook subscribes in an effect and
// unsubscribes in its cleanup, and all hooks of one client share one
// subscription per channel (see `listen` below), so React Strict Mode's
// mount, unmount, mount leaves exactly one subscription.
import {
  createContext, createElement, useCallback, useContext, useEffect, useRef, useState,
} from 'react';

const HeraldContext = createContext(null);

// Makes `client` (a Herald) available to the hooks below it. The app creates
// the client once, outside of render, and closes it itself.
export function HeraldProvider({ client, children }) {
  return createElement(HeraldContext.Provider, { value: client }, children);
}

// The Herald of the nearest <HeraldProvider>.
export function useHerald() {
  const client = useContext(HeraldContext);
  if (!client) throw new Error('herald-client/react: a hook is used outside <HeraldProvider client={...}>');
  return client;
}

// --- One shared subscription per (client, channel) --------------------------

// client -> Map(channel -> { sub, listeners, release timer })
const channelsOf = new WeakMap();

// Adds `listener` ({ event, reset, join, leave }, each optional) to the
// client's subscription of `channel`, subscribing on first use. Returns
// { sub, stop }: `stop()` removes the listener, and the last one out
// unsubscribes. That unsubscribe waits for the next macrotask, so that a
// listener added again at once (Strict Mode's second mount, a re-render that
// changes nothing) keeps the subscription instead of unsubscribing and
// subscribing again, which would send the channel's members a leave and a
// join.
function listen(client, channel, listener) {
  let channels = channelsOf.get(client);
  if (!channels) channelsOf.set(client, (channels = new Map()));
  let entry = channels.get(channel);
  if (!entry) {
    const listeners = new Set();
    const emit = (kind, payload) => {
      for (const l of [...listeners]) l[kind]?.(payload);
    };
    const sub = client.subscribe(channel, {
      onEvent: (e) => emit('event', e),
      onReset: (info) => emit('reset', info),
    });
    sub.on('join', (member) => emit('join', member));
    sub.on('leave', (member) => emit('leave', member));
    entry = { sub, listeners, releaseTimer: null };
    channels.set(channel, entry);
  }
  clearTimeout(entry.releaseTimer);
  entry.releaseTimer = null;
  entry.listeners.add(listener);

  const stop = () => {
    if (!entry.listeners.delete(listener) || entry.listeners.size > 0) return;
    entry.releaseTimer = setTimeout(() => {
      if (entry.listeners.size > 0 || channels.get(channel) !== entry) return;
      channels.delete(channel);
      entry.sub.unsubscribe();
    }, 0);
  };
  return { sub: entry.sub, stop };
}

// Calls `fn` with every state change of the client; returns the unsubscribe.
function onState(client, fn) {
  const off = client.on('state', fn);
  return typeof off === 'function' ? off : () => client.off('state', fn);
}

// Keeps the latest value of a callback prop without resubscribing on every
// render (a new closure each render is the normal case).
function useLatest(value) {
  const ref = useRef(value);
  useEffect(() => { ref.current = value; });
  return ref;
}

// --- Hooks ---------------------------------------------------------------------

// Calls onEvent(e) for every event of `channel` (e = {channel, event, id,
// data, from?}), and options.onReset() when the server says that history is
// gone: reload your state then. A falsy channel subscribes to nothing.
export function useChannel(channel, onEvent, options = {}) {
  const client = useHerald();
  const handlers = useLatest({ onEvent, onReset: options.onReset });
  useEffect(() => {
    if (!channel) return undefined;
    const { stop } = listen(client, channel, {
      event: (e) => handlers.current.onEvent?.(e),
      reset: (info) => handlers.current.onReset?.(info),
    });
    return stop;
  }, [client, channel]);
}

const byUser = (a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0);

// The members of a presence channel, [{user, connections, info}] sorted by
// user: asked once subscribed, asked again after every reconnect and reset
// (join and leave events are live only, so those missed while disconnected
// are gone), and updated by join and leave in between.
export function usePresence(channel) {
  const client = useHerald();
  const [members, setMembers] = useState([]);
  useEffect(() => {
    if (!channel) return undefined;
    let mounted = true;
    const refresh = () => sub.presence().then(
      (list) => { if (mounted) setMembers([...list].sort(byUser)); },
      () => { /* not connected now: the next 'connected' asks again */ });
    const { sub, stop } = listen(client, channel, {
      join: ({ user, info }) => setMembers((list) => (list.some((m) => m.user === user)
        ? list : [...list, { user, connections: 1, info }].sort(byUser))),
      leave: ({ user }) => setMembers((list) => list.filter((m) => m.user !== user)),
      reset: () => refresh(),
    });
    const offState = onState(client, ({ state }) => { if (state === 'connected') refresh(); });
    refresh();
    return () => {
      mounted = false;
      offState();
      stop();
      setMembers([]);
    };
  }, [client, channel]);
  return members;
}

// A typing indicator on `channel`: returns [typingUsers, notifyTyping].
// Call notifyTyping() on every keystroke: it publishes an ephemeral `typing`
// event at most once per `interval` ms. A user shows in typingUsers (user
// ids, sorted) from their typing event until `timeout` ms after their last
// one, or until they leave. `me` (your own user id) is left out.
export function useTyping(channel, { me, interval = 2000, timeout = 3000 } = {}) {
  const client = useHerald();
  const [typing, setTyping] = useState([]);
  useEffect(() => {
    if (!channel) return undefined;
    const until = new Map(); // user -> time their typing expires
    let timer = null;
    const update = () => {
      const now = Date.now();
      for (const [user, t] of until) if (t <= now) until.delete(user);
      setTyping([...until.keys()].sort());
      clearTimeout(timer);
      timer = until.size ? setTimeout(update, Math.min(...until.values()) - now) : null;
    };
    const { stop } = listen(client, channel, {
      event: (e) => {
        if (e.event !== 'typing' || !e.from || e.from === me) return;
        until.set(e.from, Date.now() + timeout);
        update();
      },
      leave: ({ user }) => { if (until.delete(user)) update(); },
    });
    return () => {
      stop();
      clearTimeout(timer);
      setTyping([]);
    };
  }, [client, channel, me, timeout]);

  const lastSent = useRef({ channel: null, at: 0 });
  const notifyTyping = useCallback(() => {
    const now = Date.now();
    if (lastSent.current.channel === channel && now - lastSent.current.at < interval) return;
    lastSent.current = { channel, at: now };
    // Best effort: a typing event that cannot go out now is not worth queueing.
    client.publish(channel, 'typing', {}, { ephemeral: true }).catch(() => {});
  }, [client, channel, interval]);
  return [typing, notifyTyping];
}

// The client's connection state, {state, transport, attempt, delay} as in
// herald.on('state'), re-rendering on every change.
export function useConnectionState() {
  const client = useHerald();
  const [state, setState] = useState(() => client.connectionState ?? { state: 'connecting' });
  useEffect(() => onState(client, (s) => setState({ ...s })), [client]);
  return state;
}
