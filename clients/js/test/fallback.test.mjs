// Transport fallback behind the shipped nginx site: when nginx answers 403
// on /ws the client goes on over SSE, and when /events is blocked too, over
// long-poll; every event published meanwhile arrives once and in order,
// since the last event id goes along from one transport to the next. nginx
// is restarted with each new set of blocked locations, which also drops the
// client's open connection (a reload would leave it open).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  batch, client, closeAll, freePorts, HeraldProcess, publish, record, startNginx, until, untilState,
} from './helpers.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const block = (...paths) => paths.map((p) => `\n    location = ${p} {\n        return 403;\n    }\n`).join('');

describe('transport fallback through nginx', { timeout: 60000 }, () => {
  const s = {};
  before(async () => {
    s.dir = mkdtempSync(path.join(os.tmpdir(), 'herald-client-nginx-'));
    chmodSync(s.dir, 0o755); // nginx workers may run as another user
    s.herald = await HeraldProcess.start(['--trusted-proxies', '127.0.0.1']);
    [s.nginxPort] = await freePorts(1);
    s.nginx = await startNginx({ repoRoot, dir: s.dir, heraldPort: s.herald.port, nginxPort: s.nginxPort });
  });
  after(async () => {
    closeAll();
    await s.nginx?.stop('SIGTERM', 3000);
    await s.herald?.stop();
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  });

  const stopNginx = () => s.nginx.stop('SIGTERM', 3000);
  const startBlocking = async (...paths) => {
    s.nginx = await startNginx({ repoRoot, dir: s.dir, heraldPort: s.herald.port, nginxPort: s.nginxPort,
      extraLocations: block(...paths) });
  };

  it('WebSocket, then SSE when /ws is blocked, then long-poll when /events is too', { timeout: 40000 }, async () => {
    const c = client(`http://127.0.0.1:${s.nginxPort}`, { minDelay: 20, maxDelay: 100 });
    const got = record(c, 'room:1');
    await untilState(c, 'connected');
    assert.equal(c.transport, 'websocket');
    await until('subscribed', () => got.subscribed === 1);
    await publish(s.herald.port, batch('room:1', 'a', 1, 3));
    await until('a-1..3', () => got.events.length === 3);

    await stopNginx();
    await publish(s.herald.port, batch('room:1', 'b', 1, 3)); // while the client is cut off
    await startBlocking('/ws');
    await until('connected over SSE', () => c.state === 'connected' && c.transport === 'sse');
    await publish(s.herald.port, batch('room:1', 'c', 1, 3));
    await until('b-1..3, c-1..3', () => got.events.length >= 9);

    await stopNginx();
    await publish(s.herald.port, batch('room:1', 'd', 1, 3));
    await startBlocking('/ws', '/events');
    await until('connected over long-poll', () => c.state === 'connected' && c.transport === 'longpoll');
    await publish(s.herald.port, batch('room:1', 'e', 1, 3));
    await until('d-1..3, e-1..3', () => got.events.length >= 15);

    const expected = ['a', 'b', 'c', 'd', 'e'].flatMap((p) => [1, 2, 3].map((n) => `${p}-${n}`));
    assert.deepEqual(got.ids(), expected, 'every event once, in order');
    assert.equal(got.resets, 0);
    assert.deepEqual(got.events[0], { channel: 'room:1', event: 'message', id: 'a-1', data: { n: 1 } });
    // The path it took, as the state events tell it.
    const path = c.states.filter((x) => x.state === 'connected').map((x) => x.transport);
    assert.deepEqual(path, ['websocket', 'sse', 'longpoll']);

    // Publish and send need the WebSocket: a clear error, not a silent wait.
    await assert.rejects(c.send('room:1', { text: 'hi' }), { code: 'unsupported' });
  });
});
