// A page for chat.test.mjs: herald-client/react's hooks under Strict Mode,
// with the client's subscriptions counted. The user "Tess" gets her token
// from the chat demo's app server, like its pages.
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Herald } from 'herald-client';
import { HeraldProvider, useChannel, useConnectionState, usePresence } from 'herald-client/react';

const herald = new Herald(location.origin, {
  getToken: async () => (await (await fetch('/app/token?name=Tess')).json()).token,
});

// The real client, its subscriptions counted: each hook must leave exactly
// one live subscription, whatever Strict Mode does.
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

window.events = []; // every onEvent call of useChannel

function Probe({ channel }) {
  useChannel(channel, (e) => window.events.push(e));
  const members = usePresence(channel);
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
