// herald's WebSocket endpoint against an independent RFC 6455 implementation:
// the `ws` package as a strict client (UTF-8 validated, payload bounded, and
// any protocol error in herald's frames reported as an 'error' event, which
// fails the test).
//
//   npm ci --prefix tests/conformance && HERALD_BINARY=build/release/herald node --test tests/conformance/
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Herald, Inbox, waitFor } from './herald.mjs';

const MAX_MESSAGE = 4096; // herald's --max-message-size below

// A strict ws client: parsed text messages go to `inbox`, frames and errors
// are recorded, `closed` resolves to the close code and reason.
function connect(url, { protocols = [], ...options } = {}) {
  const ws = new WebSocket(url, protocols, {
    skipUTF8Validation: false,
    maxPayload: 1 << 20,
    handshakeTimeout: 5000,
    ...options,
  });
  const client = { ws, inbox: new Inbox(), errors: [], pings: [], pongs: [], binary: 0 };
  ws.on('message', (data, isBinary) => {
    if (isBinary) ++client.binary;
    else client.inbox.push(JSON.parse(data.toString('utf8')));
  });
  ws.on('error', (error) => client.errors.push(error));
  ws.on('ping', (data) => client.pings.push(data.toString()));
  ws.on('pong', (data) => client.pongs.push(data.toString()));
  client.opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  client.closed = new Promise((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  // Waits for the first message matching `where` after index `from`.
  client.next = (where, from = 0, timeoutMs = 5000) =>
    waitFor(`message ${JSON.stringify(where)}`, () => client.inbox.items.slice(from)
      .find((m) => Object.entries(where).every(([k, v]) => JSON.stringify(m[k]) === JSON.stringify(v))),
    { timeoutMs, intervalMs: 10 });
  return client;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('WebSocket conformance with the ws package', { timeout: 60000 }, () => {
  let herald;
  let failed = false;
  const clients = [];
  const open = async (channels, options) => {
    const query = channels.map((c) => `channel=${encodeURIComponent(c)}`).join('&');
    const client = connect(herald.wsUrl(`/ws?${query}`), options);
    clients.push(client);
    await client.opened;
    for (const channel of channels) await client.next({ type: 'subscribed', channel });
    return client;
  };

  before(async () => {
    herald = await Herald.start(['--max-message-size', `${MAX_MESSAGE}`, '--heartbeat-interval', '1s',
      '--heartbeat-timeout', '1s']);
  });

  afterEach((t) => {
    // Strictness: herald's frames never made ws report a protocol error.
    const errors = clients.splice(0).flatMap((c) => { c.ws.terminate(); return c.errors; });
    if (t.name !== 'a requested subprotocol is not selected') {
      assert.deepEqual(errors.map(String), [], 'ws reported errors');
    }
  });

  after(async () => {
    if (!herald) return;
    const status = await herald.stop({ keep: failed });
    assert.deepEqual(status, { code: 0, signal: null }, herald.tail());
  });

  const test = (name, fn) => it(name, async (t) => {
    try {
      await fn(t);
    } catch (error) {
      failed = true;
      error.message += `\n${herald.tail()}`;
      throw error;
    }
  });

  // herald's /metrics value of `series`, 0 if absent.
  const metric = async (series) => {
    const text = await (await fetch(herald.url('/metrics'))).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : 0;
  };

  test('handshake: permessage-deflate (which ws offers) with no context takeover, no subprotocol', async () => {
    const client = connect(herald.wsUrl('/ws?channel=a'));
    clients.push(client);
    const headers = new Promise((resolve) => client.ws.once('upgrade', (res) => resolve(res.headers)));
    await client.opened;
    assert.match(client.ws.extensions, /^permessage-deflate/);
    assert.equal(client.ws.protocol, '');
    const h = await headers;
    assert.equal(h['sec-websocket-extensions'],
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover');
    assert.equal(h['sec-websocket-protocol'], undefined);
    assert.equal(h.upgrade.toLowerCase(), 'websocket');
  });

  test('handshake: no extension when the client does not offer one', async () => {
    const client = connect(herald.wsUrl('/ws?channel=a'), { perMessageDeflate: false });
    clients.push(client);
    const headers = new Promise((resolve) => client.ws.once('upgrade', (res) => resolve(res.headers)));
    await client.opened;
    assert.equal(client.ws.extensions, '');
    assert.equal((await headers)['sec-websocket-extensions'], undefined);
  });

  test('permessage-deflate both ways: compressed events and client messages', async () => {
    // ws compresses what it sends from 1 KiB on (its default threshold).
    const client = await open(['z']);
    const plain = await open(['z'], { perMessageDeflate: false });
    const before = await metric('herald_ws_deflate_out_bytes_total');
    const data = { rows: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `row ${i}`, ok: true })) };
    const [id] = await herald.publish({ channel: 'z', data });
    assert.deepEqual((await client.next({ id })).data, data);
    assert.deepEqual((await plain.next({ id })).data, data);
    assert.ok(await metric('herald_ws_deflate_out_bytes_total') > before, 'the event was compressed');
    client.ws.send(JSON.stringify({ type: 'ping', pad: 'q'.repeat(3000) }));
    await client.next({ type: 'pong' });
  });

  test('a requested subprotocol is not selected', async () => {
    // herald speaks no subprotocol (RFC 6455 4.2.2: it may select none), and
    // a strict client then fails the connection itself.
    const client = connect(herald.wsUrl('/ws?channel=a'), { protocols: ['chat'] });
    clients.push(client);
    await assert.rejects(client.opened, /Server sent no subprotocol/);
  });

  test('subscribe, event and unsubscribe messages', async () => {
    const client = await open(['a']);
    const [id1] = await herald.publish({ channel: 'a', event: 'note', data: { n: 1 } });
    assert.deepEqual(await client.next({ id: id1 }),
      { channel: 'a', event: 'note', id: id1, data: { n: 1 } });

    client.ws.send(JSON.stringify({ type: 'subscribe', channel: 'b' }));
    await client.next({ type: 'subscribed', channel: 'b' });
    client.ws.send(JSON.stringify({ type: 'unsubscribe', channel: 'a' }));
    await client.next({ type: 'unsubscribed', channel: 'a' });
    const mark = client.inbox.items.length;
    await herald.publish({ channel: 'a', data: 'not for me' });
    const [id2] = await herald.publish({ channel: 'b', data: 'for me' });
    const event = await client.next({ id: id2 }, mark);
    assert.deepEqual(event, { channel: 'b', event: 'message', id: id2, data: 'for me' });
    assert.deepEqual(client.inbox.items.slice(mark), [event], 'the unsubscribed channel was delivered');
  });

  test('unicode and large events pass strict UTF-8 and length checks', async () => {
    const client = await open(['u']);
    const texts = ['héllo wörld', '日本語テキスト', 'emoji 😀👍🏽 and \u{10FFFF}', 'e\u0301 combining',
      'x'.repeat(126), 'y'.repeat(70000), '€'.repeat(30000)]; // 7-bit, 16-bit and 64-bit lengths
    const ids = await herald.publish(texts.map((data) => ({ channel: 'u', data })));
    for (const [i, id] of ids.entries()) {
      const event = await client.next({ id });
      assert.equal(event.data, texts[i], `event ${i}`);
    }
  });

  test('client ping gets a pong with its payload; server pings are answered by ws', async () => {
    const client = await open(['p']);
    client.ws.ping('are you there');
    await waitFor('pong', () => client.pongs.includes('are you there'));
    // herald pings every second when the connection is quiet; ws answers,
    // so the connection outlives several heartbeat timeouts.
    await waitFor('two server pings', () => client.pings.length >= 2, { timeoutMs: 10000 });
    assert.equal(client.ws.readyState, WebSocket.OPEN);
    const [id] = await herald.publish({ channel: 'p', data: 1 });
    await client.next({ id });
  });

  test('fragmented client messages are reassembled', async () => {
    const client = await open(['f']);
    client.ws.send('{"type":', { fin: false });
    client.ws.send('"subscribe","channel":', { fin: false });
    client.ws.send('"g"}', { fin: true });
    await client.next({ type: 'subscribed', channel: 'g' });
    client.ws.send('{"type":"pi', { fin: false });
    client.ws.send('ng"}', { fin: true });
    await client.next({ type: 'pong' });
  });

  test('a message of exactly max_message_size is accepted', async () => {
    const client = await open(['m']);
    const base = JSON.stringify({ type: 'ping', pad: '' });
    const message = JSON.stringify({ type: 'ping', pad: 'p'.repeat(MAX_MESSAGE - base.length) });
    assert.equal(Buffer.byteLength(message), MAX_MESSAGE);
    client.ws.send(message);
    await client.next({ type: 'pong' });
  });

  for (const [name, send] of [
    ['one byte over max_message_size closes with 1009', (ws) => ws.send('x'.repeat(MAX_MESSAGE + 1))],
    ['fragments adding up to over max_message_size close with 1009', (ws) => {
      ws.send('x'.repeat(3000), { fin: false });
      ws.send('x'.repeat(3000), { fin: true });
    }],
  ]) {
    test(name, async () => {
      const client = await open(['big']);
      const bystander = await open(['big']);
      send(client.ws);
      const { code } = await withTimeout(client.closed, 5000, 'close');
      assert.equal(code, 1009);
      const [id] = await herald.publish({ channel: 'big', data: 'still here' });
      await bystander.next({ id });
    });
  }

  test('binary messages are refused with an error message; the connection stays open', async () => {
    const client = await open(['bin']);
    client.ws.send(Buffer.from([1, 2, 3]));
    await client.next({ type: 'error', code: 'bad_message' });
    client.ws.send(JSON.stringify({ type: 'ping' }));
    await client.next({ type: 'pong' });
    assert.equal(client.binary, 0);
  });

  for (const [code, reason] of [[1000, 'done'], [4000, 'bye for now']]) {
    test(`client close ${code} is answered with ${code}`, async () => {
      const client = await open(['c']);
      client.ws.close(code, reason);
      const closed = await withTimeout(client.closed, 5000, 'close');
      // RFC 6455 5.5.1: the answer echoes the status code; the reason is the
      // answering side's own (herald sends none).
      assert.deepEqual(closed, { code, reason: '' });
      await waitFor('herald to count the connection gone',
        async () => (await herald.connections()).ws === 0);
    });
  }
});

describe('WebSocket close initiated by herald', { timeout: 30000 }, () => {
  it('SIGTERM closes with 1012 (service restart) and a reason, cleanly', async () => {
    const herald = await Herald.start(['--shutdown-timeout', '3s']);
    let stopped = false;
    try {
      const client = connect(herald.wsUrl('/ws?channel=s'));
      await client.opened;
      await client.next({ type: 'subscribed', channel: 's' });
      const status = herald.stop();
      stopped = true;
      const closed = await withTimeout(client.closed, 5000, 'close');
      assert.deepEqual(closed, { code: 1012, reason: 'service restart' });
      assert.deepEqual(client.errors.map(String), []);
      assert.deepEqual(await status, { code: 0, signal: null });
    } finally {
      if (!stopped) await herald.stop({ keep: true });
    }
  });
});
