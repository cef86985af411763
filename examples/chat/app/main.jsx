// The demo page: a chat room (messages sent upstream, a typing indicator, an
// online list) and the user's live notifications, on herald-client/react.
import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Herald } from 'herald-client';
import {
  HeraldProvider, useChannel, useConnectionState, useHerald, usePresence, useTyping,
} from 'herald-client/react';

const ROOM = 'room:lobby';
const name = new URLSearchParams(location.search).get('name');

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}
const tokenUrl = `token?name=${encodeURIComponent(name)}`;

// Union by id, oldest first.
const merge = (a, b) => [...new Map([...a, ...b].map((item) => [item.id, item])).values()]
  .sort((x, y) => x.at - y.at);

// A list that the app server keeps (GET url), kept live by the channel's
// `eventName` events. herald's history covers short disconnections; when it
// cannot (a restart, a long absence) it says `reset`, and the list is loaded
// again from the app. Events that a client published carry `from`: only the
// app's own (without `from`) are taken, so that no page can fake a message.
function useLiveList(url, channel, eventName) {
  const [items, setItems] = useState([]);
  const reload = useCallback(() => {
    getJson(url).then((loaded) => setItems((live) => merge(loaded, live)), console.error);
  }, [url]);
  useEffect(reload, [reload]);
  useChannel(channel, (e) => {
    if (e.event === eventName && !e.from) setItems((list) => merge(list, [{ at: Date.now(), ...e.data, id: e.id }]));
  }, { onReset: reload });
  return items;
}

function ConnectionState() {
  const { state, transport } = useConnectionState();
  return <span id="state" className={`state-${state}`}>{state}{transport ? ` (${transport})` : ''}</span>;
}

function Room({ channel, me }) {
  const herald = useHerald();
  const messages = useLiveList(`messages?channel=${channel}`, channel, 'message');
  const members = usePresence(channel);
  const [typing, notifyTyping] = useTyping(channel, { me });
  const [draft, setDraft] = useState('');
  const [error, setError] = useState('');
  const nameOf = (user) => members.find((m) => m.user === user)?.info?.name ?? user;

  const submit = async (event) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    setDraft('');
    try {
      // Upstream to the app (the Redis Stream), which publishes it to the room.
      await herald.send(channel, { text });
      setError('');
    } catch (e) {
      setError(`not sent: ${e.message}`);
      setDraft(text);
    }
  };

  return (
    <main>
      <section>
        <h2>#{channel.slice('room:'.length)}</h2>
        <ul id="messages">
          {messages.map((m) => <li key={m.id}><b>{m.name}</b>: {m.text}</li>)}
        </ul>
        <div id="typing">
          {typing.length > 0 && `${typing.map(nameOf).join(', ')} ${typing.length > 1 ? 'are' : 'is'} typing…`}
        </div>
        <form onSubmit={submit}>
          <input id="draft" value={draft} placeholder="Message (@name notifies them)" autoComplete="off"
                 onChange={(e) => { setDraft(e.target.value); if (e.target.value) notifyTyping(); }} />
          <button>Send</button>
        </form>
        {error && <p id="error">{error}</p>}
      </section>
      <aside>
        <section>
          <h3>Online</h3>
          <ul id="online">
            {members.map((m) => (
              <li key={m.user}>{m.info?.name ?? m.user}{m.user === me && ' (you)'}</li>
            ))}
          </ul>
        </section>
        <Notifications me={me} />
      </aside>
    </main>
  );
}

function Notifications({ me }) {
  const notifications = useLiveList(`notifications?user=${me}`, `user:${me}`, 'notification');
  return (
    <section>
      <h3>Notifications</h3>
      <ul id="notifications">
        {[...notifications].reverse().map((n) => <li key={n.id}>{n.text}</li>)}
      </ul>
    </section>
  );
}

function Login() {
  return (
    <form method="get">
      <input name="name" placeholder="Your name" autoFocus required />
      <button>Join the chat</button>
    </form>
  );
}

const root = createRoot(document.getElementById('root'));
if (!name) {
  root.render(<Login />);
} else {
  const { user: me } = await getJson(tokenUrl); // the user id the app gives this name
  // One client for the page, made outside of React. It connects to herald
  // through the same origin (nginx), and asks the app for a token whenever it
  // needs one: to connect, and again when the token expires or is refused.
  const herald = new Herald(location.origin, {
    getToken: async () => (await getJson(tokenUrl)).token,
  });
  root.render(
    <StrictMode>
      <HeraldProvider client={herald}>
        <header><h1>herald chat: {name}</h1><ConnectionState /></header>
        <Room channel={ROOM} me={me} />
      </HeraldProvider>
    </StrictMode>,
  );
}
