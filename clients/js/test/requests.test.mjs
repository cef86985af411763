// What a client asks of herald over its WebSocket: send (upstream, to a Redis
// Stream here), publish (ephemeral typing), presence with join and leave;
// and sends while disconnected: queued up to maxQueue, flushed in order on
// reconnect, refused at once with a clear error beyond it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  client, closeAll, freePorts, HeraldProcess, record, redisCli, Relay, sleep, startRedis, until, untilState,
} from './helpers.mjs';

const CONFIG = `
[[namespace]]
pattern = "chat:*"
presence = true
join_leave = true
upstream = true

[[namespace]]
pattern = "news:*"
client_publish = false
`;

describe('requests', { timeout: 60000 }, () => {
  const s = {};
  before(async () => {
    s.dir = mkdtempSync(path.join(os.tmpdir(), 'herald-client-requests-'));
    writeFileSync(path.join(s.dir, 'herald.toml'), CONFIG);
    [s.redisPort] = await freePorts(1);
    s.redis = await startRedis(s.dir, s.redisPort);
    s.herald = await HeraldProcess.start(['--config', path.join(s.dir, 'herald.toml'),
      '--redis-url', `redis://127.0.0.1:${s.redisPort}`, '--heartbeat-interval', '1s']);
    s.relay = await Relay.start(s.herald.port);
  });
  after(async () => {
    closeAll();
    await s.relay?.close();
    await s.herald?.stop();
    await s.redis?.stop('SIGTERM', 3000);
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  });
  // The data of the upstream stream's entries, as the application reads them.
  const sentData = async () => {
    const lines = (await redisCli(s.redisPort, ['XRANGE', 'herald:upstream', '-', '+'])).split('\n');
    return lines.flatMap((line, i) => (line === 'data' ? [JSON.parse(lines[i + 1])] : []));
  };

  it('presence, join and leave, an ephemeral publish with its sender, a refused publish', { timeout: 15000 }, async () => {
    const url = s.herald.url('');
    const ann = client(url, { transports: ['websocket'] });
    const a = record(ann, 'chat:1');
    await until('ann subscribed', () => a.subscribed === 1);
    const bob = client(url, { transports: ['websocket'] });
    const b = record(bob, 'chat:1');
    await until('bob subscribed', () => b.subscribed === 1);
    await until('ann sees bob join', () => a.joins.length === 2); // herself, then bob
    const bobId = a.joins[1].user;

    const members = await a.sub.presence();
    assert.deepEqual(members.map((m) => m.connections), [1, 1]);
    assert.ok(members.some((m) => m.user === bobId));

    assert.deepEqual(await bob.publish('chat:1', 'typing', { on: true }, { ephemeral: true }), { id: null });
    await until('ann sees typing', () => a.events.some((e) => e.event === 'typing'));
    assert.deepEqual(a.events.find((e) => e.event === 'typing'),
      { channel: 'chat:1', event: 'typing', from: bobId, data: { on: true } });

    const stored = await bob.publish('chat:1', 'message', { text: 'kept' });
    assert.match(stored.id, /\S/);
    await assert.rejects(bob.publish('news:1', 'message', 1), { code: 'forbidden', message: /news:1/ });
    await assert.rejects(record(bob, 'news:1').sub.presence(), { code: 'not_found' });

    // Mistakes herald would refuse are refused where they are made.
    assert.throws(() => bob.subscribe('no spaces'), TypeError);
    await assert.rejects(bob.publish('chat:1', 'typing'), { name: 'TypeError', message: 'data: required' });

    bob.close();
    await until('ann sees bob leave', () => a.leaves.length === 1);
    assert.equal(a.leaves[0].user, bobId);
  });

  it('send resolves on herald\'s "sent"; while disconnected, queued up to maxQueue and flushed in order', { timeout: 20000 }, async () => {
    const c = client(s.herald.url(''), { transports: ['websocket'], maxQueue: 5, minDelay: 20, maxDelay: 100 });
    record(c, 'chat:2');
    await untilState(c, 'connected');
    assert.equal(await c.send('chat:2', { n: 0 }), undefined);

    await s.herald.child.stop('SIGKILL');
    await untilState(c, 'disconnected');
    const queued = [1, 2, 3, 4, 5].map((n) => c.send('chat:2', { n }));
    let settled = 0;
    queued.forEach((p) => p.then(() => settled++, () => settled++));
    await assert.rejects(c.send('chat:2', { n: 6 }), (error) => {
      assert.equal(error.code, 'queue_full');
      assert.match(error.message, /queue full \(5/);
      return true;
    });
    assert.equal(settled, 0, 'the first five wait');

    await s.herald.run();
    await Promise.all(queued);
    assert.deepEqual((await sentData()).map((d) => d.n), [0, 1, 2, 3, 4, 5], 'each once, in order');
    // The queue has room again.
    await c.send('chat:2', { n: 7 });
  });

  it('a send in flight on a connection that dies is sent again on the next one, once', { timeout: 20000 }, async () => {
    const c = client(s.relay.url(''), { transports: ['websocket'], minDelay: 20, maxDelay: 100 });
    record(c, 'chat:3');
    await untilState(c, 'connected');
    await c.send('chat:3', { n: 'before' });
    s.relay.freeze(); // the send below never reaches herald, nor an answer the client
    const sending = c.send('chat:3', { n: 'in flight' });
    await sleep(300);
    // Dead after two heartbeats (1 s each), reconnected, sent again.
    await sending;
    const entries = (await sentData()).filter((d) => typeof d.n === 'string');
    assert.deepEqual(entries.map((d) => d.n), ['before', 'in flight']);
    assert.ok(c.states.some((x) => x.state === 'disconnected'), 'it went through a reconnect');
  });

  // Last: it kills this suite's Redis. Stopped, Redis takes the publish but
  // never answers; killed, it leaves herald unable to say whether it ran.
  it('a publish whose Redis command lost its reply is rejected as uncertain, not resent', { timeout: 20000 }, async () => {
    const c = client(s.herald.url(''), { transports: ['websocket'] });
    record(c, 'chat:4');
    await untilState(c, 'connected');
    await c.publish('chat:4', 'message', { n: 1 });
    process.kill(s.redis.proc.pid, 'SIGSTOP');
    // Expected at once: the rejection may come while Redis is being killed.
    const rejected = assert.rejects(c.publish('chat:4', 'message', { n: 2 }),
      { code: 'uncertain', message: /may or may not have been delivered/ });
    await sleep(300);
    await s.redis.stop('SIGKILL', 3000);
    await rejected;
  });
});
