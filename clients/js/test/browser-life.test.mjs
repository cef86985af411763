// Browser life, with the browser's two signals given as options: `online`
// (on window) and `visibilitychange` (on document). Either makes a client
// that waits out a long backoff reconnect at once (visibility only after a
// long hidden time), and however often they come, an instance holds at most
// one connection. (The Chromium test of the React hooks covers the globals.)
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { client, closeAll, HeraldProcess, record, Relay, sleep, until, untilState } from './helpers.mjs';

// Long enough that a reconnect within a few hundred ms cannot be the backoff's.
const slow = { minDelay: 60000, maxDelay: 60000 };

describe('browser life', { timeout: 60000 }, () => {
  const cleanup = [];
  after(async () => {
    closeAll();
    for (const fn of cleanup.reverse()) await fn();
  });

  async function setUp(options) {
    const herald = await HeraldProcess.start([]);
    cleanup.push(() => herald.stop());
    const relay = await Relay.start(herald.port);
    cleanup.push(() => relay.close());
    const window = new EventTarget();
    const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const c = client(relay.url(''), { transports: ['websocket'], window, document, ...options });
    const got = record(c, 'life');
    await until('subscribed', () => got.subscribed === 1);
    // Disconnected, waiting out a backoff of more than a second.
    const drop = async () => {
      for (;;) {
        relay.cut();
        await untilState(c, 'disconnected');
        if (c.states.at(-1).delay > 1000) return;
        await untilState(c, 'connected'); // a short draw of the jitter: again
      }
    };
    const setVisibility = (state) => {
      document.visibilityState = state;
      document.dispatchEvent(new Event('visibilitychange'));
    };
    return { herald, relay, window, c, got, drop, setVisibility };
  }

  it('online: reconnects at once, and many events make one connection', { timeout: 20000 }, async () => {
    const { herald, window, c, drop } = await setUp(slow);
    await drop();
    const mark = c.states.length;
    const at = performance.now();
    for (let i = 0; i < 20; ++i) window.dispatchEvent(new Event('online'));
    await untilState(c, 'connected', 1000);
    assert.ok(performance.now() - at < 1000);
    await sleep(200);
    assert.equal((await herald.connections()).ws, 1, 'one WebSocket at herald');
    for (let i = 0; i < 5; ++i) window.dispatchEvent(new Event('online')); // while connected: nothing
    await sleep(200);
    assert.equal((await herald.connections()).ws, 1);
    assert.deepEqual(c.states.slice(mark).map((s) => s.state), ['connecting', 'connected'], 'one attempt for 25 events');
  });

  it('visible after a long hidden time: reconnects at once; after a short one: waits', { timeout: 20000 }, async () => {
    const { c, drop, setVisibility } = await setUp({ ...slow, hiddenAfter: 300 });
    await drop();
    setVisibility('hidden');
    await sleep(50);
    setVisibility('visible'); // hidden 50 ms: not long
    await sleep(300);
    assert.equal(c.state, 'disconnected');
    setVisibility('hidden');
    await sleep(400);
    setVisibility('visible');
    await untilState(c, 'connected', 1000);
  });

  it('visible after a long hidden time while connected: a dead connection is found at once', { timeout: 20000 }, async () => {
    const { relay, c, setVisibility } = await setUp({ hiddenAfter: 100, minDelay: 20, maxDelay: 50, timeout: 500 });
    setVisibility('hidden');
    relay.freeze(); // the laptop slept; the connection died silently
    await sleep(200);
    setVisibility('visible');
    // The ping sent on waking gets no pong: without waiting two heartbeats
    // (30 s by default), the client reconnects.
    await until('reconnected', () => c.states.some((s) => s.state === 'disconnected'), 1500);
    await untilState(c, 'connected');
  });
});
