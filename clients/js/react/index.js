// React bindings for herald-client: <HeraldProvider> and hooks.
//
// Plain ES modules without JSX, so that they need no build step; React (18 or
// newer) is a peer dependency. Every hook subscribes in an effect and
// unsubscribes in the effect's cleanup. The client applies subscription
// changes once per tick and keeps one server subscription per channel however
// many hooks use it, so React Strict Mode's mount, unmount, mount sends
// nothing extra and leaves one subscription per hook.
import {
  createContext, createElement, useCallback, useContext, useEffect, useRef, useState,
} from 'react';

const HeraldContext = createContext(null);

// Makes `client` (a Herald) available to the hooks below it. Create the client
// once, outside of render; closing it is the app's business.
export function HeraldProvider({ client, children }) {
  return createElement(HeraldContext.Provider, { value: client }, children);
}

// The Herald of the nearest <HeraldProvider>.
export function useHerald() {
  const client = useContext(HeraldContext);
  if (!client) throw new Error('herald-client/react: a hook is used outside <HeraldProvider client={...}>');
  return client;
}

// The latest value of a callback, so that a new closure on every render (the
// normal case) does not resubscribe.
function useLatest(value) {
  const ref = useRef(value);
  useEffect(() => { ref.current = value; });
  return ref;
}

// Calls onEvent(e) for every event of `channel` (e = {channel, event, id,
// data, from?}), and options.onReset() when herald says that history no
// longer covers a resume: reload your state then. A falsy channel subscribes
// to nothing.
export function useChannel(channel, onEvent, options = {}) {
  const client = useHerald();
  const handlers = useLatest({ onEvent, onReset: options.onReset });
  useEffect(() => {
    if (!channel) return undefined;
    const sub = client.subscribe(channel, {
      onEvent: (e) => handlers.current.onEvent?.(e),
      onReset: () => handlers.current.onReset?.(),
    });
    return () => sub.unsubscribe();
  }, [client, channel]);
}

const byUser = (a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0);

// The members of a presence channel, [{user, connections, info}] sorted by
// user. Asked each time the channel is subscribed (after every connection:
// join and leave events are live only, so those missed while disconnected
// are gone) and after a reset, and updated by join and leave in between.
// Needs the WebSocket transport; over SSE or long-poll it stays empty.
export function usePresence(channel) {
  const client = useHerald();
  const [members, setMembers] = useState([]);
  useEffect(() => {
    if (!channel) return undefined;
    let mounted = true;
    const sub = client.subscribe(channel, { onReset: () => ask() });
    const ask = () => sub.presence().then(
      (list) => { if (mounted) setMembers([...list].sort(byUser)); },
      () => { /* disconnected or not WebSocket: the next `subscribed` asks again */ });
    sub.on('subscribed', ask);
    sub.on('join', ({ user, info }) => setMembers((list) => (list.some((m) => m.user === user)
      ? list : [...list, { user, connections: 1, info }].sort(byUser))));
    sub.on('leave', ({ user }) => setMembers((list) => list.filter((m) => m.user !== user)));
    return () => {
      mounted = false;
      sub.unsubscribe();
      setMembers([]);
    };
  }, [client, channel]);
  return members;
}

// A typing indicator on `channel`: returns [typingUsers, notifyTyping].
// Call notifyTyping() on every keystroke: it publishes an ephemeral `typing`
// event at most once per `interval` ms. A user shows in typingUsers (user
// ids, sorted) from their typing event until `timeout` ms after their last
// one, or until they leave. `me`, your own user id, is left out.
export function useTyping(channel, { me, interval = 2000, timeout = 3000 } = {}) {
  const client = useHerald();
  const [typing, setTyping] = useState([]);
  useEffect(() => {
    if (!channel) return undefined;
    const until = new Map(); // user -> when their typing expires
    let timer = null;
    const update = () => {
      const now = Date.now();
      for (const [user, t] of until) if (t <= now) until.delete(user);
      setTyping([...until.keys()].sort());
      clearTimeout(timer);
      timer = until.size ? setTimeout(update, Math.min(...until.values()) - now) : null;
    };
    const sub = client.subscribe(channel, {
      onEvent: (e) => {
        if (e.event !== 'typing' || !e.from || e.from === me) return;
        until.set(e.from, Date.now() + timeout);
        update();
      },
    });
    sub.on('leave', ({ user }) => { if (until.delete(user)) update(); });
    return () => {
      sub.unsubscribe();
      clearTimeout(timer);
      setTyping([]);
    };
  }, [client, channel, me, timeout]);

  const lastSent = useRef({ channel: null, at: 0 });
  const notifyTyping = useCallback(() => {
    const now = Date.now();
    // Best effort: a typing event that cannot go out now would be stale
    // once it could, so none is queued while disconnected.
    if (client.state !== 'connected') return;
    if (lastSent.current.channel === channel && now - lastSent.current.at < interval) return;
    lastSent.current = { channel, at: now };
    client.publish(channel, 'typing', {}, { ephemeral: true }).catch(() => {});
  }, [client, channel, interval]);
  return [typing, notifyTyping];
}

// The client's connection state, {state, transport, attempt, delay, error} as
// herald.on('state') gives it, re-rendering on every change.
export function useConnectionState() {
  const client = useHerald();
  const [state, setState] = useState(() => ({
    state: client.state, transport: client.transport, attempt: 0, delay: 0, error: client.error,
  }));
  useEffect(() => {
    const off = client.on('state', setState);
    // A change between the first render and now.
    setState((s) => (s.state === client.state ? s : { ...s, state: client.state, transport: client.transport }));
    return off;
  }, [client]);
  return state;
}
