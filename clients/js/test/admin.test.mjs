// Operators' actions against a real herald (README "Admin API"): a user
// disconnected by POST /admin/disconnect stays disconnected on every
// transport (state `failed`, error code `kicked`) until reconnect(), and a
// channel taken away by POST /admin/unsubscribe does not come back.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { client, closeAll, HeraldProcess, jwt, publish, record, sleep, until, untilState } from './helpers.mjs';

const SECRET = 'admin-test-secret-of-at-least-32-bytes-0123';
const ADMIN_KEY = 'admin-test-key-0123456789';
const fast = { minDelay: 20, maxDelay: 100 };
const token = (sub) => jwt(SECRET, { sub, channels: ['room:*'], exp: Math.floor(Date.now() / 1000) + 600 });

async function admin(port, path, body) {
  const res = await fetch(`http://127.0.0.1:${port}/admin/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

describe('admin actions', { timeout: 60000 }, () => {
  let herald;
  after(async () => {
    closeAll();
    await herald?.stop();
  });
  const start = async () => {
    herald ??= await HeraldProcess.start(['--jwt-secret', SECRET, '--admin-key', ADMIN_KEY], { secure: true });
    return herald;
  };

  for (const transport of ['websocket', 'sse', 'longpoll']) {
    it(`${transport}: a disconnected user does not reconnect until reconnect()`, { timeout: 20000 }, async () => {
      const h = await start();
      const user = `kick-${transport}`;
      const c = client(h.url(''), { transports: [transport], ...fast, getToken: async () => token(user) });
      const got = record(c, 'room:1');
      await until('subscribed', () => got.subscribed === 1);
      const answer = await admin(h.port, 'disconnect', { user, reason: 'logout' });
      assert.equal(answer.disconnected, 1, JSON.stringify(answer));
      await untilState(c, 'failed');
      assert.equal(c.error.code, 'kicked');
      assert.equal(c.error.message, 'logout');
      await sleep(500); // several backoff periods: nothing may happen
      assert.equal(c.state, 'failed');
      assert.equal(c.states.filter((s) => s.state === 'connecting').length, 1, JSON.stringify(c.states));
      c.reconnect(); // the application decides: after a new login, say
      await until('subscribed again', () => got.subscribed === 2);
    });
  }

  it('websocket: an unsubscribed channel ends its subscriptions, the others go on', { timeout: 20000 }, async () => {
    const h = await start();
    const c = client(h.url(''), { transports: ['websocket'], ...fast, getToken: async () => token('moved') });
    const one = record(c, 'room:1');
    const two = record(c, 'room:2');
    let ended = 0;
    one.sub.on('unsubscribed', () => ended++);
    await until('subscribed', () => one.subscribed === 1 && two.subscribed === 1);
    const answer = await admin(h.port, 'unsubscribe', { user: 'moved', channel: 'room:1' });
    assert.equal(answer.unsubscribed, 1, JSON.stringify(answer));
    await until('unsubscribed', () => ended === 1);
    assert.equal(one.sub.active, false);
    await publish(h.port, [{ channel: 'room:1', id: 'a-1', data: 1 }, { channel: 'room:2', id: 'b-1', data: 2 }]);
    await until('room:2 still live', () => two.ids().includes('b-1'));
    assert.deepEqual(one.ids(), []);
    assert.equal(c.state, 'connected');
  });
});
