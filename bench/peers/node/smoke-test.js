'use strict';
// Hand check for the node and epoll peers: opens SSE and WebSocket subscribers,
// publishes numbered events to every channel and checks that each subscriber
// got exactly its channel's events, in order, byte for byte.
//   node smoke-test.js --port P --publish redis:R|http:P [--sse N] [--ws N] [--channels K] [--events E] [--size BYTES]
// Exit status 0 only when every subscriber got every event. Run under `ulimit -n $(ulimit -Hn)`.
const http = require('http');
const { parseArgs } = require('util');
const WebSocket = require('ws');
const Redis = require('ioredis');

const { values: o } = parseArgs({
  options: {
    port: { type: 'string' }, publish: { type: 'string' },
    sse: { type: 'string', default: '1000' }, ws: { type: 'string', default: '1000' },
    channels: { type: 'string', default: '10' }, events: { type: 'string', default: '5' },
    timeout: { type: 'string', default: '30' }, size: { type: 'string', default: '0' },
  },
});
const port = Number(o.port);
const [kind, publishPort] = o.publish.split(':');
const nChannels = Number(o.channels), nEvents = Number(o.events);
const subs = [];

function openSse(channel) {
  return new Promise((resolve, reject) => {
    const sub = { channel, got: [], buf: '' };
    const req = http.get({ host: '127.0.0.1', port, path: `/events?channel=${channel}`, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE status ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        sub.buf += chunk;
        let i;
        while ((i = sub.buf.indexOf('\n\n')) >= 0) {
          const event = sub.buf.slice(0, i);
          sub.buf = sub.buf.slice(i + 2);
          const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
          if (data.length) sub.got.push(data.join('\n'));
        }
      });
      res.on('close', () => { sub.closed = true; });
      sub.close = () => req.destroy();
      resolve(sub);
    });
    req.on('error', reject);
  });
}

function openWs(channel) {
  return new Promise((resolve, reject) => {
    const sub = { channel, got: [] };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?channel=${channel}`, { perMessageDeflate: false });
    ws.on('open', () => resolve(sub));
    ws.on('message', (m, isBinary) => sub.got.push(isBinary ? '<binary>' : m.toString()));
    ws.on('close', () => { sub.closed = true; });
    ws.on('error', reject);
    sub.close = () => ws.close();
  });
}

async function publish(messages) {
  if (kind === 'redis') {
    const redis = new Redis({ host: '127.0.0.1', port: Number(publishPort) });
    for (const [channel, data] of messages) await redis.publish(channel, data);
    redis.disconnect();
    return;
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (const [channel, data] of messages) {
    await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: Number(publishPort), method: 'POST', agent,
        path: `/publish?channel=${encodeURIComponent(channel)}`, headers: { 'Content-Length': Buffer.byteLength(data) } },
      (res) => { res.resume(); res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`publish ${res.statusCode}`)))); });
      req.on('error', reject);
      req.end(data);
    });
  }
  agent.destroy();
}

async function main() {
  const t0 = Date.now();
  const opens = [];
  for (let i = 0; i < Number(o.sse); i++) opens.push(openSse(`fanout:${i % nChannels}`));
  for (let i = 0; i < Number(o.ws); i++) opens.push(openWs(`fanout:${i % nChannels}`));
  subs.push(...(await Promise.all(opens)));
  console.log(`${subs.length} subscribed in ${Date.now() - t0} ms`);
  await new Promise((r) => setTimeout(r, 1000)); // settle, as herald-bench does for non-herald servers

  const expected = new Map();
  const messages = [];
  for (let e = 0; e < nEvents; e++) {
    for (let c = 0; c < nChannels; c++) {
      const channel = `fanout:${c}`;
      const data = `${Date.now()} event ${e} of ${channel} {"k":"v é"}`.padEnd(Number(o.size), 'x');
      messages.push([channel, data]);
      if (!expected.has(channel)) expected.set(channel, []);
      expected.get(channel).push(data);
    }
  }
  const t1 = Date.now();
  await publish(messages);
  const want = subs.length * nEvents;
  const deadline = Date.now() + Number(o.timeout) * 1000;
  while (Date.now() < deadline && subs.reduce((n, s) => n + s.got.length, 0) < want) await new Promise((r) => setTimeout(r, 50));
  const got = subs.reduce((n, s) => n + s.got.length, 0);
  const bad = subs.filter((s) => JSON.stringify(s.got) !== JSON.stringify(expected.get(s.channel)));
  const closed = subs.filter((s) => s.closed).length;
  console.log(`published ${messages.length}, delivered ${got}/${want} in ${Date.now() - t1} ms, wrong ${bad.length}, closed early ${closed}`);
  if (bad.length) console.log('first wrong:', JSON.stringify(bad[0].got.slice(0, 3)), 'want', JSON.stringify(expected.get(bad[0].channel).slice(0, 3)));
  for (const s of subs) s.close();
  process.exit(bad.length || closed || got !== want ? 1 : 0);
}

main().catch((err) => { console.error(err.message); process.exit(1); });
