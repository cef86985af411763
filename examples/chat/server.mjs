// The demo's application server: what your own backend does for herald.
//
//   1. It mints the browser's token (HS256 JWT with the secret herald has).
//   2. It reads the chat messages that browsers send upstream (herald.send)
//      from the Redis Stream herald:upstream, with a consumer group, and
//      publishes each back to its room with a plain Redis PUBLISH.
//   3. It keeps the state the page reloads when herald says `reset`: the
//      rooms' last messages and each user's notifications.
//
// Everything lives under /app/ (nginx sends the rest to herald). It is a
// demo: anyone may be anyone, and state is in memory.
//
//   node server.mjs --port 8001 --redis redis://127.0.0.1:6379 --jwt-secret-file jwt.secret
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import { buildPage } from './build.mjs';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '8001' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    'jwt-secret-file': { type: 'string' },
  },
});
const secret = readFileSync(args['jwt-secret-file'], 'utf8').replace(/\n$/, '');
const STREAM = 'herald:upstream'; // herald's upstream_stream
const GROUP = 'chat-app';
// A stable name: after a restart this consumer reads again what it was given
// but never acknowledged. Several app servers need one name each.
const CONSUMER = 'app-1';

// --- 1. Tokens -------------------------------------------------------------------

const base64url = (value) => Buffer.from(value).toString('base64url');

function signToken(claims) {
  const unsigned = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const names = new Map(); // user id -> display name

// A real app takes the user from its session; the demo believes ?name=.
function tokenFor(rawName) {
  const name = rawName.trim().slice(0, 40);
  const user = name.toLowerCase().replace(/[^a-z0-9_-]/g, '').slice(0, 32);
  if (!user) return null;
  names.set(user, name);
  return {
    user,
    token: signToken({
      sub: user,                      // herald subscribes the connection to user:<sub>
      info: { name },                 // shown to the room's members by presence
      channels: ['room:*'],           // may subscribe to (and so send upstream on) any room
      publish: ['room:*'],            // may publish to rooms: the typing indicator
      exp: Math.floor(Date.now() / 1000) + 15 * 60,
    }),
  };
}

// --- 3. State the page reloads ------------------------------------------------------

const rooms = new Map();         // room channel -> last 100 messages
const notifications = new Map(); // user id -> last 20 notifications

const keep = (map, key, item, max) => {
  const list = map.get(key) ?? [];
  if (list.some((x) => x.id === item.id)) return; // handled again after a failure
  list.push(item);
  map.set(key, list.slice(-max));
};

// --- 2. Upstream messages in, events out --------------------------------------------

const redis = new Redis(args.redis);   // commands and PUBLISH
const reader = new Redis(args.redis);  // blocks in XREADGROUP

// Redis PUBLISH of an envelope: herald delivers `data` as event `event` with
// this id. Callers store first, then publish, so that a page that reloads
// after a reset sees the event whether or not herald was there to deliver it.
async function publish(channel, event, id, data) {
  await redis.publish(channel, JSON.stringify({ event, id, data }));
}

async function notify(user, text) {
  const note = { id: `note-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, text, at: Date.now() };
  keep(notifications, user, note, 20);
  await publish(`user:${user}`, 'notification', note.id, note);
}

// One upstream entry: {channel, user, data, node, ts}, data being the JSON
// the page sent with herald.send(channel, data).
async function handleUpstream(streamId, { channel, user, data, ts }) {
  let text;
  try {
    text = String(JSON.parse(data).text ?? '').trim().slice(0, 500);
  } catch {
    return; // not JSON: herald only forwards what the client sent, so check it
  }
  if (!channel.startsWith('room:') || !text) return;
  // The stream id doubles as the event id: unique and in order.
  const message = { id: `chat-${streamId}`, user, name: names.get(user) ?? user, text, at: Number(ts) };
  keep(rooms, channel, message, 100);
  await publish(channel, 'message', message.id, message);
  for (const [, mentioned] of text.matchAll(/@([a-z0-9_-]+)/gi)) {
    const target = mentioned.toLowerCase();
    if (target !== user && names.has(target)) {
      await notify(target, `${message.name} mentioned you in ${channel.slice(5)}: ${text}`);
    }
  }
}

async function consumeUpstream() {
  try {
    await redis.xgroup('CREATE', STREAM, GROUP, '$', 'MKSTREAM');
  } catch (error) {
    if (!String(error.message).includes('BUSYGROUP')) throw error; // BUSYGROUP: exists already
  }
  // First the entries this consumer was given but never acknowledged (a
  // crash in between), from id 0 on, then new ones ('>').
  let from = '0';
  for (;;) {
    const reply = await reader.xreadgroup('GROUP', GROUP, CONSUMER, 'COUNT', 10, 'BLOCK', 5000,
      'STREAMS', STREAM, from);
    const entries = reply ? reply[0][1] : [];
    if (from !== '>') from = entries.length ? entries.at(-1)[0] : '>';
    for (const [id, fields] of entries) {
      const entry = {};
      for (let i = 0; i < fields.length; i += 2) entry[fields[i]] = fields[i + 1];
      try {
        await handleUpstream(id, entry);
      } catch (error) {
        console.error(`upstream ${id}: ${error.message}`);
        continue; // not acknowledged: it is read again after a restart
      }
      await redis.xack(STREAM, GROUP, id);
    }
  }
}

// --- HTTP ----------------------------------------------------------------------------

const page = readFileSync(new URL('./app/index.html', import.meta.url));
const script = await buildPage();

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(type === 'application/json' ? JSON.stringify(body) : body);
}

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return JSON.parse(body);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://app');
  const q = (name) => url.searchParams.get(name) ?? '';
  try {
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /app/': return send(res, 200, page, 'text/html; charset=utf-8');
      case 'GET /app/app.js': return send(res, 200, script, 'text/javascript; charset=utf-8');
      case 'GET /app/token': {
        const minted = tokenFor(q('name'));
        return minted ? send(res, 200, minted) : send(res, 400, { error: 'name: required' });
      }
      case 'GET /app/messages': return send(res, 200, rooms.get(q('channel')) ?? []);
      case 'GET /app/notifications': return send(res, 200, notifications.get(q('user')) ?? []);
      // What your backend does when something happens for a user, e.g.
      // curl -X POST 127.0.0.1:8000/app/notify -d '{"user":"bob","text":"Your order shipped"}'
      case 'POST /app/notify': {
        const { user, text } = await readJson(req);
        if (typeof user !== 'string' || typeof text !== 'string') return send(res, 400, { error: 'user, text: required' });
        await notify(user, text);
        return send(res, 202, {});
      }
      case 'GET /app/healthz': return send(res, 200, { status: 'ok' });
      default: return send(res, 404, { error: 'not found' });
    }
  } catch (error) {
    return send(res, 500, { error: error.message });
  }
});

server.listen(Number(args.port), '127.0.0.1', () => console.log(`chat app on 127.0.0.1:${args.port}`));
consumeUpstream().catch((error) => {
  console.error(`upstream consumer stopped: ${error.message}`);
  process.exit(1);
});
