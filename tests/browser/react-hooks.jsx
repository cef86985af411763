// A page for chat.test.mjs: herald-client/react's hooks under Strict Mode,
// with the client's subscriptions counted. The user "Tess" gets her token
// from the chat demo's app server, like its pages.
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Herald } from 'herald-client';
import { HeraldProvider, useChannel, useConnectionState, usePresence, useTyping } from 'herald-client/react';

const herald = new Herald(location.origin, {
  getToken: async () => (await (await fetch('/app/token?name=Tess')).json()).token,
});

// The real client, its subscriptions and listeners counted: each hook must
// leave exactly one live subscription (or state listener), whatever Strict
// Mode does, and none once unmounted.
window.live = 0;
const subscribe = herald.subscribe.bind(herald);
herald.subscribe = (channel, handlers) => {
  const sub = subscribe(channel, handlers);
  window.live += 1;
  const unsubscribe = sub.unsubscribe.bind(sub);
  sub.unsubscribe = () => {
    if (sub.active) window.live -= 1;
    unsubscribe();
  };
  return sub;
};

window.listeners = 0;
const on = herald.on.bind(herald);
herald.on = (type, fn) => {
  const off = on(type, fn);
  window.listeners += 1;
  let removed = false;
  return () => {
    if (!removed) window.listeners -= 1;
    removed = true;
    off();
  };
};

window.events = []; // every onEvent call of useChannel

function Probe({ channel }) {
  useChannel(channel, (e) => window.events.push(e));
  const members = usePresence(channel);
  useTyping(channel);
  const { state } = useConnectionState();
  return (
    <p id="probe" data-state={state}>
      {state}: {members.map((m) => `${m.user}x${m.connections}`).join(' ')}
    </p>
  );
}

function App() {
  const [mounted, setMounted] = useState(true);
  return (
    <>
      <button id="toggle" onClick={() => setMounted(!mounted)}>{mounted ? 'unmount' : 'mount'}</button>
      {mounted && <Probe channel="room:hooks" />}
    </>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <HeraldProvider client={herald}>
      <App />
    </HeraldProvider>
  </StrictMode>,
);
