// Token lifetimes against a real herald (README "Token lifetimes"): over
// WebSocket, herald asks for a new token before exp and the client answers
// on the same connection; over SSE the stream ends at exp with `expired`
// and the client reconnects with a new token, resuming; a WebSocket closed
// with 4001 reconnects with a new token too.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { client, closeAll, HeraldProcess, jwt, publish, record, until } from './helpers.mjs';

const SECRET = 'expiry-secret-of-at-least-32-bytes-0123456789';
const fast = { minDelay: 20, maxDelay: 100 };
const now = () => Math.floor(Date.now() / 1000);

describe('token expiry', { timeout: 60000 }, () => {
  const cleanup = [];
  after(async () => {
    closeAll();
    for (const fn of cleanup.reverse()) await fn();
  });
  const start = async () => {
    const herald = await HeraldProcess.start(['--jwt-secret', SECRET, '--jwt-leeway', '1s'], { secure: true });
    cleanup.push(() => herald.stop());
    return herald;
  };
  // Tokens of 3 s: herald asks for a new one half-way (WebSocket), ends the stream at exp (SSE).
  const issuer = (issued, sign = () => SECRET) => async () => {
    issued.push(jwt(sign(issued.length), { sub: '42', channels: ['room:*'], exp: now() + 3 }));
    return issued.at(-1);
  };

  it('websocket: answers herald\'s refresh on the same connection', { timeout: 20000 }, async () => {
    const herald = await start();
    const issued = [];
    const c = client(herald.url(''), { transports: ['websocket'], ...fast, getToken: issuer(issued) });
    const got = record(c, 'room:1');
    await until('subscribed', () => got.subscribed === 1);
    await until('two refreshes', () => issued.length >= 3, 10000);
    await publish(herald.port, { channel: 'room:1', data: 'live', id: 'w-1' });
    await until('the event', () => got.ids().includes('w-1'));
    assert.equal(got.subscribed, 1, 'never reconnected');
    assert.ok(!c.states.some((s) => s.state === 'disconnected'), JSON.stringify(c.states));
  });

  it('websocket: closed with 4001 after a refused refresh, reconnects with a new token', { timeout: 20000 }, async () => {
    const herald = await start();
    const issued = [];
    // The second token (the answer to the refresh) is signed with a key herald does not have.
    const sign = (n) => (n === 1 ? 'a-key-herald-does-not-have-0123456789abcdef' : SECRET);
    const errors = [];
    const c = client(herald.url(''), { transports: ['websocket'], ...fast, getToken: issuer(issued, sign) });
    c.on('error', (e) => errors.push(e));
    const got = record(c, 'room:1');
    await until('subscribed', () => got.subscribed === 1);
    await until('reconnected after 4001', () => got.subscribed === 2, 10000);
    assert.ok(issued.length >= 3, `${issued.length} tokens`);
    assert.ok(errors.some((e) => e.code === 'unauthorized'), 'the refused refresh is reported');
    assert.equal(c.error, null);
    await publish(herald.port, { channel: 'room:1', data: 'back', id: 'w-2' });
    await until('the event', () => got.ids().includes('w-2'));
  });

  it('sse: expired ends the stream, the client resumes with a new token', { timeout: 20000 }, async () => {
    const herald = await start();
    const issued = [];
    const c = client(herald.url(''), { transports: ['sse'], ...fast, getToken: issuer(issued) });
    const got = record(c, 'room:1');
    await until('subscribed', () => got.subscribed === 1);
    await publish(herald.port, { channel: 'room:1', data: 1, id: 's-1' });
    await until('first event', () => got.ids().includes('s-1'));
    await until('a new stream after exp', () => got.subscribed === 2, 10000);
    assert.ok(issued.length >= 2, 'a new token for the new stream');
    await publish(herald.port, { channel: 'room:1', data: 2, id: 's-2' });
    await until('second event', () => got.ids().includes('s-2'));
    assert.deepEqual(got.ids(), ['s-1', 's-2'], 'nothing lost or repeated');
    assert.equal(got.resets, 0);
  });
});
