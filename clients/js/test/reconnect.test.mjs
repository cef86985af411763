// Reconnecting: 200 clients after a herald restart spread their reconnects
// (exponential backoff with full jitter) instead of stampeding; the backoff
// grows while connections keep failing and resets after a stable one; a
// connection that goes silent is found dead after about twice herald's
// heartbeat interval, which the client learns from herald's hello.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { client, closeAll, HeraldProcess, publish, record, Relay, sleep, until, untilState } from './helpers.mjs';

const CLIENTS = 200;

describe('reconnect', { timeout: 60000 }, () => {
  const heralds = [];
  const relays = [];
  after(async () => {
    closeAll();
    for (const relay of relays) await relay.close();
    for (const herald of heralds) await herald.stop();
  });
  const start = async (flags) => {
    const herald = await HeraldProcess.start(flags);
    heralds.push(herald);
    return herald;
  };
  const relay = async (herald) => {
    const r = await Relay.start(herald.port);
    relays.push(r);
    return r;
  };

  it(`${CLIENTS} clients spread their reconnects after a restart`, { timeout: 30000 }, async () => {
    const herald = await start(['--max-connections-per-ip', '0']);
    const crowd = Array.from({ length: CLIENTS }, () => {
      const c = client(herald.url(''), { transports: ['websocket'] });
      record(c, 'spread');
      return c;
    });
    await until('all connected', () => crowd.every((c) => c.state === 'connected'));
    const marks = crowd.map((c) => c.states.length);

    const killedAt = performance.now();
    await herald.restart('SIGKILL');
    await until('all reconnected', () => crowd.every((c, i) =>
      c.states.slice(marks[i]).some((s) => s.state === 'connected')), 15000);

    // When each client chose to try again (the drop it saw plus the delay it
    // drew), when it did (late by however busy this process with 200
    // clients was), and when it was connected again.
    const since = (c, i, state) => c.states.slice(marks[i]).find((s) => s.state === state);
    const chosen = crowd.map((c, i) => since(c, i, 'disconnected')).map((s) => s.at + s.delay - killedAt);
    const firstTry = crowd.map((c, i) => since(c, i, 'connecting').at - killedAt);
    const back = crowd.map((c, i) => since(c, i, 'connected').at - killedAt);
    const describe = (xs) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const q = (p) => Math.round(sorted[Math.floor(p * (sorted.length - 1))]);
      // The most clients inside any 100 ms window.
      let busiest = 0;
      for (let i = 0, j = 0; i < sorted.length; ++i) {
        while (sorted[i] - sorted[j] > 100) ++j;
        busiest = Math.max(busiest, i - j + 1);
      }
      return { min: q(0), p10: q(0.1), p50: q(0.5), p90: q(0.9), max: q(1), busiest100ms: busiest };
    };
    const planned = describe(chosen);
    console.log(`reconnect spread of ${CLIENTS} clients after SIGKILL + restart (ms after the kill):\n` +
      `  first retry chosen: ${JSON.stringify(planned)}\n` +
      `  first retry made:   ${JSON.stringify(describe(firstTry))}\n` +
      `  connected again:    ${JSON.stringify(describe(back))}`);
    // Synchronized clients (a fixed delay, or none) would all fall into one
    // 100 ms window; full jitter over the first 500 ms puts about 40 in each.
    assert.ok(planned.busiest100ms <= CLIENTS * 0.4, `${planned.busiest100ms} first retries within 100 ms`);
    assert.ok(planned.p90 - planned.p10 >= 250, `first retries spread over only ${planned.p90 - planned.p10} ms (p10-p90)`);
    // Every wait was within the bounds of full jitter: [0, 500 * 2^(attempt-1)].
    for (const c of crowd) {
      for (const s of c.states) {
        if (s.state === 'disconnected') assert.ok(s.delay >= 0 && s.delay <= Math.min(20000, 500 * 2 ** (s.attempt - 1)), JSON.stringify(s));
      }
    }
    closeAll();
  });

  it('the backoff grows while connections keep failing and resets after a stable one', { timeout: 20000 }, async () => {
    const herald = await start([]);
    const r = await relay(herald);
    const c = client(r.url(''), { transports: ['websocket'], minDelay: 50, maxDelay: 400, stableAfter: 600 });
    record(c, 'a');
    const disconnects = () => c.states.filter((s) => s.state === 'disconnected');
    for (let n = 1; n <= 4; ++n) {
      await untilState(c, 'connected');
      r.cut(); // at once: not a stable connection
      await until(`disconnect ${n}`, () => disconnects().length === n);
    }
    assert.deepEqual(disconnects().map((s) => s.attempt), [1, 2, 3, 4]);
    for (const s of disconnects()) assert.ok(s.delay <= Math.min(400, 50 * 2 ** (s.attempt - 1)), JSON.stringify(s));

    await untilState(c, 'connected');
    await sleep(900); // longer than stableAfter
    r.cut();
    await until('disconnect 5', () => disconnects().length === 5);
    assert.equal(disconnects()[4].attempt, 1, 'a stable connection resets the backoff');
    assert.ok(disconnects()[4].delay <= 50);
    await untilState(c, 'connected');
  });

  for (const transport of ['websocket', 'sse']) {
    it(`${transport}: a silent connection is dead after about twice the heartbeat, a quiet one is not`, { timeout: 20000 }, async () => {
      const herald = await start(['--heartbeat-interval', '1s']);
      const r = await relay(herald);
      const c = client(r.url(''), { transports: [transport], minDelay: 50, maxDelay: 100 });
      const got = record(c, 'quiet');
      await untilState(c, 'connected');
      // Quiet for three heartbeat intervals: herald's hello said 1000 ms, and
      // its heartbeats (SSE) or answers to the client's pings (WS) arrive.
      await sleep(3000);
      assert.equal(c.states.filter((s) => s.state === 'disconnected').length, 0, JSON.stringify(c.states));

      // Right after an event, so that the silence starts with the freeze.
      await publish(herald.port, { channel: 'quiet', data: 0, id: `${transport}-before` });
      await until('event before the freeze', () => got.ids().includes(`${transport}-before`));
      r.freeze(); // bytes stop, nothing closes
      const frozenAt = performance.now();
      await until('found dead', () => c.states.some((s) => s.state === 'disconnected'), 5000);
      const after = c.states.find((s) => s.state === 'disconnected').at - frozenAt;
      console.log(`${transport}: silent connection found dead after ${Math.round(after)} ms (heartbeat 1000 ms)`);
      assert.ok(after >= 1900 && after <= 3000, `found dead after ${after} ms`);

      // It reconnects through a fresh connection and goes on receiving.
      await until('connected again', () => c.states.at(-1).state === 'connected');
      await until('subscribed again', () => got.subscribed >= 2);
      await publish(herald.port, { channel: 'quiet', data: 1, id: `${transport}-after` });
      await until('event after the reconnect', () => got.ids().includes(`${transport}-after`));
    });
  }
});
