// herald's Server-Sent Events against the WHATWG-conformant `eventsource`
// package: every kind of event herald emits parses to exactly what was
// published, and a dropped connection reconnects after herald's `retry`,
// sends Last-Event-ID and resumes without loss or duplicates.
//
//   npm ci --prefix tests/conformance && HERALD_BINARY=build/release/herald node --test tests/conformance/
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { Herald, Inbox, Relay, waitFor } from './herald.mjs';

const RETRY_MS = 700;
const EVENT_NAMES = ['message', 'notification', 'update.v2', 'a:b', 'reset'];

// An EventSource whose events (of EVENT_NAMES), errors and requests are
// recorded. Requests go through a fetch wrapper, which sees the headers the
// client sends (Last-Event-ID) and when.
function subscribe(url) {
  const client = { inbox: new Inbox(), requests: [], errors: [], opens: 0 };
  const fetchSpy = (input, init) => {
    client.requests.push({ at: Date.now(), lastEventId: init.headers['Last-Event-ID'] ?? null });
    return fetch(input, init);
  };
  client.es = new EventSource(url, { fetch: fetchSpy });
  for (const type of EVENT_NAMES) {
    client.es.addEventListener(type, (e) => {
      client.inbox.push({ type: e.type, data: e.data, lastEventId: e.lastEventId });
    });
  }
  client.es.addEventListener('error', () => client.errors.push(Date.now()));
  client.es.addEventListener('open', () => ++client.opens);
  client.opened = (count = 1) => waitFor(`EventSource open #${count}`, () => client.opens >= count);
  return client;
}

describe('SSE conformance with the eventsource package', { timeout: 60000 }, () => {
  let herald;
  let relay;
  let failed = false;
  const clients = [];
  const open = async (url) => {
    const client = subscribe(url);
    clients.push(client);
    await client.opened();
    return client;
  };
  // herald sends retry: only once the subscription is live, but nothing
  // tells EventSource that; wait for herald to count the stream.
  const subscribed = (count) => waitFor(`${count} SSE streams`,
    async () => (await herald.connections()).sse === count);

  before(async () => {
    herald = await Herald.start(['--retry', `${RETRY_MS}ms`]);
    relay = await Relay.start(herald.port);
  });

  afterEach(() => { for (const c of clients.splice(0)) c.es.close(); });

  after(async () => {
    await relay?.close();
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

  test('every kind of event parses to exactly what was published', async () => {
    const client = await open(herald.url('/events?channel=kinds'));
    await subscribed(1);
    // [published envelope (channel added), expected event.type, expected event.data]
    const cases = [
      [{ data: 'plain' }, 'message', 'plain'],
      [{ data: 'line 1\nline 2\n\nline 4' }, 'message', 'line 1\nline 2\n\nline 4'],
      [{ data: 'ends with a newline\n' }, 'message', 'ends with a newline\n'],
      [{ data: '\nstarts with one' }, 'message', '\nstarts with one'],
      // EventSource reports every line break as LF (WHATWG 9.2.6).
      [{ data: 'crlf\r\nand\rcr' }, 'message', 'crlf\nand\ncr'],
      [{ data: ' leading space, trailing space ' }, 'message', ' leading space, trailing space '],
      [{ data: 'data: fake\n\nid: injected\nevent: reset\nretry: 1' }, 'message',
        'data: fake\n\nid: injected\nevent: reset\nretry: 1'],
      [{ data: ': not a comment' }, 'message', ': not a comment'],
      [{ data: 'héllo 日本語 😀👍🏽 e\u0301 \u{10FFFF}' }, 'message', 'héllo 日本語 😀👍🏽 e\u0301 \u{10FFFF}'],
      [{ data: '' }, 'message', ''],
      // JSON values: JSON.parse(event.data) gives back what was published
      // (herald may order object keys differently).
      [{ data: { text: 'json', list: [1, 2.5, null, true], nested: { k: 'v\nw' } } }, 'message',
        { json: { text: 'json', list: [1, 2.5, null, true], nested: { k: 'v\nw' } } }],
      [{ data: 42 }, 'message', '42'],
      [{ data: null }, 'message', 'null'],
      [{ data: [] }, 'message', '[]'],
      [{ data: 'x'.repeat(100000) }, 'message', 'x'.repeat(100000)],
      [{ event: 'notification', data: { n: 1 } }, 'notification', '{"n":1}'],
      [{ event: 'update.v2', data: 'named' }, 'update.v2', 'named'],
      [{ event: 'a:b', data: 'colon in the name' }, 'a:b', 'colon in the name'],
      [{ event: 'message', data: 'explicit message' }, 'message', 'explicit message'],
      [{ id: 'custom-1', data: 'own id' }, 'message', 'own id'],
      [{ id: 'weird:id/with=chars#1', data: 'odd id' }, 'message', 'odd id'],
    ];
    const ids = await herald.publish(cases.map(([envelope]) => ({ channel: 'kinds', ...envelope })));
    assert.equal(ids[19], 'custom-1');
    assert.equal(ids[20], 'weird:id/with=chars#1');
    const received = await client.inbox.wait(cases.length, 'events');
    const parsed = received.map((r, i) => (cases[i][2].json ? { ...r, data: { json: JSON.parse(r.data) } } : r));
    assert.deepEqual(parsed, cases.map(([, type, data], i) => ({ type, data, lastEventId: ids[i] })));
    assert.deepEqual(client.errors, [], 'EventSource reported an error');
  });

  test('a dropped stream reconnects after retry with Last-Event-ID and resumes', async () => {
    const client = await open(relay.url('/events?channel=r1&channel=r2'));
    await subscribed(1);
    const before = await herald.publish([
      { channel: 'r1', data: 'one' }, { channel: 'r2', event: 'notification', data: 'two' }]);
    await client.inbox.wait(2, 'events before the drop');

    relay.cut();
    // Published while the client is away, on both channels: one id resumes both.
    const missed = await herald.publish([
      { channel: 'r2', data: 'three' }, { channel: 'r1', event: 'update.v2', data: 'four' },
      { channel: 'r1', data: 'five\nlines' }]);
    await client.opened(2);
    await subscribed(1);
    const live = await herald.publish({ channel: 'r2', data: 'six' });

    const received = await client.inbox.wait(6, 'events');
    await new Promise((resolve) => setTimeout(resolve, 200)); // anything duplicated would show
    assert.deepEqual(client.inbox.items, [
      { type: 'message', data: 'one', lastEventId: before[0] },
      { type: 'notification', data: 'two', lastEventId: before[1] },
      { type: 'message', data: 'three', lastEventId: missed[0] },
      { type: 'update.v2', data: 'four', lastEventId: missed[1] },
      { type: 'message', data: 'five\nlines', lastEventId: missed[2] },
      { type: 'message', data: 'six', lastEventId: live[0] },
    ]);
    assert.equal(received.length, 6);

    assert.equal(client.requests.length, 2);
    assert.equal(client.requests[0].lastEventId, null);
    assert.equal(client.requests[1].lastEventId, before[1], 'reconnect must send the last id');
    // The reconnect waited for herald's retry:, not EventSource's 3 s default.
    const delay = client.requests[1].at - client.errors[0];
    assert.ok(delay >= RETRY_MS - 50 && delay < 2500, `reconnected after ${delay} ms`);
  });

  test('resuming from an id herald does not hold gives reset, whose id is the new stream position', async () => {
    const client = await open(relay.url('/events?channel=z'));
    await subscribed(1);
    const [first] = await herald.publish({ channel: 'z', data: 'before restart' });
    await client.inbox.wait(1, 'first event');

    // A fresh herald behind the same address has no history.
    const old = herald;
    herald = await Herald.start(['--retry', `${RETRY_MS}ms`]);
    relay.targetPort = herald.port;
    assert.deepEqual(await old.stop(), { code: 0, signal: null }, old.tail());
    await client.opened(2);
    const reset = (await client.inbox.wait(2, 'reset'))[1];
    assert.equal(reset.type, 'reset');
    assert.match(reset.lastEventId, /^@[0-9a-f]+-\d+$/, 'the reset sets the new stream position');
    assert.equal(JSON.parse(reset.data).reason.length > 0, true);
    assert.equal(client.requests[1].lastEventId, first);

    // The next reconnect sends the position, not the lost id (which would
    // only earn another reset): this process resolves it, and live events
    // flow again with no second reset.
    await subscribed(1);
    relay.cut();
    await client.opened(3);
    assert.equal(client.requests[2].lastEventId, reset.lastEventId);
    await subscribed(1);
    const [next] = await herald.publish({ channel: 'z', data: 'after restart' });
    await client.inbox.wait(3, 'event after reset');
    assert.deepEqual(client.inbox.items.slice(2),
      [{ type: 'message', data: 'after restart', lastEventId: next }]);
  });
});
