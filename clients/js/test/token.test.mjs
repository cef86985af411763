// Tokens: getToken is called to connect, again when the token is about to
// expire and again when herald refuses it (here: the signing key rotated);
// a refusal that a fresh token does not fix ends in state `failed` with a
// clear error, after a bounded number of requests, instead of a retry loop.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { client, closeAll, HeraldProcess, jwt, publish, record, Relay, sleep, until, untilState } from './helpers.mjs';

const SECRET_1 = 'first-secret-of-at-least-32-bytes-0123456789';
const SECRET_2 = 'second-secret-of-at-least-32-bytes-0123456789';
const fast = { minDelay: 20, maxDelay: 100 };
const now = () => Math.floor(Date.now() / 1000);

async function authFailures(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('herald_auth_failures_total'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('tokens', { timeout: 60000 }, () => {
  const cleanup = [];
  after(async () => {
    closeAll();
    for (const fn of cleanup.reverse()) await fn();
  });
  const start = async (secret) => {
    const herald = await HeraldProcess.start(['--jwt-secret', secret, '--jwt-leeway', '0s'], { secure: true });
    cleanup.push(() => herald.stop());
    return herald;
  };

  for (const transport of ['websocket', 'sse', 'longpoll']) {
    it(`${transport}: a new token on expiry and on refusal`, { timeout: 20000 }, async () => {
      const herald = await start(SECRET_1);
      const relay = await Relay.start(herald.port);
      cleanup.push(() => relay.close());
      let secret = SECRET_1;
      const issued = [];
      const c = client(relay.url(''), {
        transports: [transport], ...fast,
        getToken: async () => {
          // Valid 7 s: the client asks again once fewer than 5 are left.
          issued.push(jwt(secret, { sub: '42', channels: ['room:*'], exp: now() + 7 }));
          return issued.at(-1);
        },
      });
      const got = record(c, 'room:1');
      await until('subscribed', () => got.subscribed === 1);
      assert.equal(issued.length, 1, 'once to connect');

      // Close to expiry: a reconnect takes a new token first.
      await sleep(2200);
      relay.cut();
      await until('subscribed again', () => got.subscribed === 2);
      assert.equal(issued.length, 2, 'again before expiry');

      // The key rotates: herald refuses the token it holds, getToken gives
      // one signed with the new key.
      herald.args.splice(herald.args.indexOf(SECRET_1), 1, SECRET_2);
      secret = SECRET_2;
      await herald.restart('SIGTERM');
      await until('subscribed after the rotation', () => got.subscribed === 3, 10000);
      assert.equal(issued.length, 3, 'again after the refusal');
      await publish(herald.port, { channel: 'room:1', data: 'ok', id: `${transport}-1` });
      await until('an event', () => got.ids().includes(`${transport}-1`));
      assert.equal(c.error, null);
    });
  }

  it('a refusal a new token cannot fix: state failed, getToken twice, herald asked a few times only', { timeout: 20000 }, async () => {
    const herald = await start(SECRET_1);
    let calls = 0;
    let secret = SECRET_2; // the application signs with a key herald does not have
    const c = client(herald.url(''), {
      ...fast,
      getToken: () => (++calls, jwt(secret, { sub: '42', exp: now() + 600 })),
    });
    record(c, 'user:42');
    await untilState(c, 'failed');
    assert.equal(c.error.code, 'unauthorized');
    assert.equal(c.error.status, 401);
    assert.match(c.error.message, /invalid token/);
    assert.equal(calls, 2, 'one new token after the first refusal, then stop');
    const failures = await authFailures(herald.port);
    assert.ok(failures <= 4, `${failures} refused requests`);
    await sleep(1000);
    assert.equal(await authFailures(herald.port), failures, 'nothing more once failed');
    assert.equal(c.states.at(-1).state, 'failed');
    assert.equal(c.states.at(-1).error, c.error);
    await assert.rejects(c.send('user:42', 1), { code: 'unauthorized' });

    // The application is fixed (or the user logs in again): reconnect() starts over.
    secret = SECRET_1;
    c.reconnect();
    await untilState(c, 'connected');
    assert.equal(c.error, null);
    assert.equal(calls, 3);
  });

  it('a channel the token does not allow: failed, forbidden; a fixed token is not retried', { timeout: 20000 }, async () => {
    const herald = await start(SECRET_1);
    const token = jwt(SECRET_1, { sub: '42', channels: ['room:*'], exp: now() + 600 });
    const c = client(herald.url(''), { ...fast, transports: ['sse'], token });
    record(c, 'admin');
    await untilState(c, 'failed');
    assert.equal(c.error.code, 'forbidden');
    assert.equal(await authFailures(herald.port), 2, 'the stream, then the probe that reads why');
  });
});
