// Resume: after a reconnect every event published meanwhile arrives once
// and in order, on each transport; subscriptions change at run time without
// loss (WebSocket messages; SSE and long-poll reopen from the last id); and
// when herald no longer has the history (a restarted node: history is per
// node and in memory, see issue 13), the client says so with onReset
// instead of losing events silently.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  batch, client, closeAll, freePorts, HeraldProcess, numsub, publish, record, redisCli, Relay, startRedis, until,
  untilState,
} from './helpers.mjs';

const TRANSPORTS = ['websocket', 'sse', 'longpoll'];
const fast = { minDelay: 20, maxDelay: 100 };

describe('resume', { timeout: 60000 }, () => {
  const cleanup = [];
  after(async () => {
    closeAll();
    for (const fn of cleanup.reverse()) await fn();
  });
  const start = async (flags) => {
    const herald = await HeraldProcess.start(flags);
    cleanup.push(() => herald.stop());
    return herald;
  };
  const relayTo = async (herald) => {
    const relay = await Relay.start(herald.port);
    cleanup.push(() => relay.close());
    return relay;
  };

  it('after a dropped connection, what was published meanwhile arrives once, in order', { timeout: 20000 }, async () => {
    const herald = await start([]);
    const relay = await relayTo(herald);
    for (const transport of TRANSPORTS) {
      const c = client(relay.url(''), { transports: [transport], ...fast });
      const got = record(c, `r:${transport}`);
      await until(`${transport} subscribed`, () => got.subscribed === 1);
      await publish(herald.port, batch(`r:${transport}`, 'x', 1, 2));
      await until(`${transport} x-1..2`, () => got.events.length === 2);
      relay.cut();
      await publish(herald.port, batch(`r:${transport}`, 'x', 3, 6));
      await until(`${transport} reconnected`, () => got.subscribed === 2);
      await publish(herald.port, batch(`r:${transport}`, 'x', 7, 8));
      await until(`${transport} x-1..8`, () => got.events.length >= 8);
      assert.deepEqual(got.ids(), [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `x-${n}`), transport);
      assert.equal(got.resets, 0, transport);
      assert.equal(c.lastEventId, 'x-8');
      c.close();
    }
  });

  it('a new client resumes from a saved lastEventId (a page reload)', { timeout: 20000 }, async () => {
    const herald = await start([]);
    for (const transport of TRANSPORTS) {
      const channel = `reload:${transport}`;
      const first = client(herald.url(''), { transports: [transport], ...fast });
      const got1 = record(first, channel);
      await until('subscribed', () => got1.subscribed === 1);
      await publish(herald.port, batch(channel, 'p', 1, 2));
      await until('p-1..2', () => got1.events.length === 2);
      const saved = first.lastEventId;
      first.close();
      await publish(herald.port, batch(channel, 'p', 3, 4)); // while the page reloads
      const second = client(herald.url(''), { transports: [transport], lastEventId: saved, ...fast });
      const got2 = record(second, channel);
      await until('p-3..4', () => got2.events.length >= 2);
      await publish(herald.port, batch(channel, 'p', 5, 5));
      await until('p-5', () => got2.events.length >= 3);
      assert.deepEqual(got2.ids(), ['p-3', 'p-4', 'p-5'], transport);
      second.close();
    }
  });

  for (const transport of TRANSPORTS) {
    it(`${transport}: subscriptions change at run time without loss`, { timeout: 20000 }, async () => {
      const herald = await start([]);
      const relay = await relayTo(herald);
      const c = client(relay.url(''), { transports: [transport], ...fast });
      const a = record(c, 'a');
      await until('a subscribed', () => a.subscribed === 1);
      await publish(herald.port, { channel: 'a', data: 0, id: 'a-0' });
      await until('a-0', () => a.events.length === 1);
      const opened = relay.accepted;

      // A subscribe undone in the same tick (React Strict Mode) changes nothing.
      record(c, 'ghost').sub.unsubscribe();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(relay.accepted, opened, 'no new connection for a subscribe undone at once');

      // Add b; publish on both while the change is under way.
      const b = record(c, 'b');
      const publishing = publish(herald.port, [
        ...batch('a', 'a', 1, 3), ...batch('b', 'b', 1, 3)]);
      await until('b subscribed', () => b.subscribed === 1);
      await publishing;
      await publish(herald.port, [...batch('a', 'a', 4, 4), ...batch('b', 'b', 4, 4)]);
      await until('a-0..4', () => a.events.length >= 5);
      await until('b-4', () => b.ids().includes('b-4'));
      assert.deepEqual(a.ids(), ['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
      // b's events published before it was live may come (SSE and long-poll
      // resume from the last id, which covers them) or not (a WebSocket
      // subscribe starts live); whatever comes, comes once and in order.
      assert.deepEqual(b.ids(), ['b-1', 'b-2', 'b-3', 'b-4'].slice(-b.ids().length));

      // Drop a: its events stop, b's go on.
      a.sub.unsubscribe();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await publish(herald.port, [...batch('a', 'a', 5, 5), ...batch('b', 'b', 5, 5)]);
      await until('b-5', () => b.ids().includes('b-5'));
      assert.ok(!a.ids().includes('a-5'));
      assert.equal(a.resets + b.resets, 0);
      // WebSocket: one connection all along; SSE and long-poll reopened.
      const reopened = relay.accepted - opened;
      if (transport === 'websocket') assert.equal(reopened, 0);
      else assert.ok(reopened >= 2, `reopened ${reopened} times`);
      assert.equal(c.states.filter((x) => x.state === 'disconnected').length, 0, 'no state change for a reopen');
      c.close();
    });
  }

  it('a restarted herald (with Redis) has no history: onReset, then live events', { timeout: 20000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-client-redis-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const [redisPort] = await freePorts(1);
    const redis = await startRedis(dir, redisPort);
    cleanup.push(() => redis.stop('SIGTERM', 3000));
    const herald = await start(['--redis-url', `redis://127.0.0.1:${redisPort}`]);
    const clients = TRANSPORTS.map((transport) => {
      const c = client(herald.url(''), { transports: [transport], ...fast });
      return { c, got: record(c, 'news') };
    });
    await until('all subscribed', () => clients.every(({ got }) => got.subscribed === 1));
    await until('herald subscribed in Redis', async () => (await numsub(redisPort, 'news')) === 1);
    await redisCli(redisPort, ['PUBLISH', 'news', JSON.stringify({ id: 'n-1', data: 1 })]);
    await until('n-1 everywhere', () => clients.every(({ got }) => got.events.length === 1));

    await herald.restart('SIGKILL');
    await until('all back', () => clients.every(({ got }) => got.subscribed === 2));
    for (const { c, got } of clients) {
      assert.equal(got.resets, 1, `${c.transport}: n-1 is unknown to the new process, so a reset`);
      // The lost id is forgotten: the new subscription's position replaces it
      // (SSE's reset and hello, WebSocket's subscribed); a poll keeps its cursor.
      if (c.transport === 'longpoll') assert.equal(c.lastEventId, null, 'longpoll: the lost id is forgotten');
      else assert.match(c.lastEventId, /^@[0-9a-f]+-\d+$/, `${c.transport}: the new position`);
    }
    await until('herald subscribed in Redis again', async () => (await numsub(redisPort, 'news')) === 1);
    await redisCli(redisPort, ['PUBLISH', 'news', JSON.stringify({ id: 'n-2', data: 2 })]);
    await until('n-2 everywhere', () => clients.every(({ got }) => got.events.length === 2));
    for (const { c, got } of clients) {
      assert.deepEqual(got.ids(), ['n-1', 'n-2'], c.transport);
      assert.equal(got.resets, 1, c.transport);
      await untilState(c, 'connected');
    }
  });
});
