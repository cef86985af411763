// What the client tests share: herald-client with the ws and eventsource
// packages (Node has neither as a global), and bounded waits on what a
// client sees. Processes (herald, redis-server, nginx) and the TCP relay come
// from the repository's other Node tests, tests/browser and tests/conformance.
import { createHmac } from 'node:crypto';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { Herald } from '../src/index.js';

export { Herald as HeraldProcess, Relay, HOST, heraldBinary } from '../../../tests/conformance/herald.mjs';
export { sleep, waitFor, freePorts, startRedis, redisCli, numsub } from '../../../tests/browser/servers.mjs';
export { startNginx } from '../../../tests/browser/nginx.mjs';

import { waitFor } from '../../../tests/browser/servers.mjs';

// Every client a test makes, closed when the test's `closeAll` runs.
const clients = new Set();

export function client(url, options = {}) {
  const herald = new Herald(url, { WebSocket, EventSource, ...options });
  herald.states = [];
  herald.on('state', (change) => herald.states.push({ ...change, at: performance.now() }));
  clients.add(herald);
  return herald;
}

export function closeAll() {
  for (const herald of clients) herald.close();
  clients.clear();
}

// Subscribes and records what the subscription receives.
export function record(herald, channel) {
  const got = { events: [], resets: 0, errors: [], joins: [], leaves: [], subscribed: 0 };
  got.sub = herald.subscribe(channel, {
    onEvent: (e) => got.events.push(e),
    onReset: () => got.resets++,
    onError: (e) => got.errors.push(e),
  });
  got.sub.on('subscribed', () => got.subscribed++);
  got.sub.on('join', (m) => got.joins.push(m));
  got.sub.on('leave', (m) => got.leaves.push(m));
  got.ids = () => got.events.map((e) => e.id);
  return got;
}

export const untilState = (herald, state, timeoutMs = 10000) =>
  waitFor(`state ${state} (now ${herald.state}, ${herald.transport})`, () => herald.state === state,
    { timeoutMs, intervalMs: 10 });

export const until = (what, check, timeoutMs = 10000) => waitFor(what, check, { timeoutMs, intervalMs: 10 });

// An HS256 JWT, as an application signs it (README Security).
export function jwt(secret, claims) {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

// POST /publish of one event, or a list; resolves to the ids.
export async function publish(port, events) {
  const res = await fetch(`http://127.0.0.1:${port}/publish`, {
    method: 'POST',
    body: JSON.stringify(events),
    signal: AbortSignal.timeout(5000),
  });
  const body = await res.json();
  if (res.status !== 202) throw new Error(`publish: ${res.status} ${JSON.stringify(body)}`);
  return body.ids;
}

// n events on `channel` with ids `${prefix}-1` ... in one batch.
export const batch = (channel, prefix, from, to) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ channel, id: `${prefix}-${from + i}`, data: { n: from + i } }));
