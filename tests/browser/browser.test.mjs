// End to end in a real browser: Chromium loads a page from nginx (the shipped
// config/nginx/herald.conf) that subscribes to herald over EventSource and
// WebSocket; events are published into Redis with redis-cli and reach herald
// through its Redis bridge. Only 127.0.0.1 is contacted.
//
//   cd tests/browser && npm install && HERALD_BINARY=/path/to/herald node --test
//
// HERALD_BINARY defaults to ../../build/herald from this file; set
// HERALD_TEST_KEEP_TMP=1 to keep the temp dir (logs, configs, screenshot).
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, onlyHost } from './chromium.mjs';
import { freePorts, numsub, redisCli, startHerald, startRedis, waitFor } from './servers.mjs';
import { accessLog, startNginx } from './nginx.mjs';
import { scenario } from './scenario.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const heraldBinary = path.resolve(process.env.HERALD_BINARY || path.join(here, '../../build/herald'));
const CHANNEL = 'user:42';

// The whole file must finish within a minute, whatever hangs.
const watchdog = setTimeout(() => {
  console.error('browser test: watchdog fired after 60 s; killing everything');
  process.exit(1);
}, 60000);
watchdog.unref();

describe('herald in Chromium through nginx, with the Redis bridge', { timeout: 58000 }, () => {
  const s = {}; // dir, ports, processes, browser, page
  const { step, failing, failed } = scenario(() => `(temp dir: ${s.dir})\n` +
    [s.redis, ...(s.heralds || []), s.nginx].filter(Boolean)
      .map((child) => `--- ${child.logFile} ---\n${child.tail(25)}`).join('\n'));

  const received = () => s.page.evaluate(() => window.received);
  const sseStates = () => s.page.evaluate(() => window.sseStates);
  const wsControl = () => s.page.evaluate(() => window.wsControl);
  // Waits until `predicate(window)` holds in the page; the predicate runs there.
  const inPage = (what, predicate, arg, timeout = 10000) =>
    s.page.waitForFunction(predicate, arg, { timeout, polling: 50 }).catch((error) => {
      throw new Error(`page: timed out waiting for ${what}: ${error.message.split('\n')[0]}`);
    });
  const find = (list, where) => list.filter((e) => Object.entries(where).every(([k, v]) => e[k] === v));

  // Herald subscribes to a Redis channel only while a browser is subscribed
  // to it; wait for Redis to confirm it before publishing.
  const redisSubscribed = () =>
    waitFor(`Redis subscription to ${CHANNEL}`, async () => (await numsub(s.redisPort, CHANNEL)) >= 1,
      { timeoutMs: 5000 });
  const publish = async (payload) => {
    const receivers = Number(await redisCli(s.redisPort, ['PUBLISH', CHANNEL, payload]));
    assert.equal(receivers, 1, `PUBLISH ${payload}: one herald node should receive it`);
  };
  const envelope = (id, n) => JSON.stringify({ event: 'notification', data: { n }, id });

  before(() => failing(setUp), { timeout: 30000 });

  async function setUp() {
    assert.ok(existsSync(heraldBinary), `herald binary not found at ${heraldBinary} (set HERALD_BINARY)`);
    s.dir = mkdtempSync(path.join(os.tmpdir(), 'herald-browser-'));
    chmodSync(s.dir, 0o755); // nginx workers may run as another user
    [s.redisPort, s.heraldPort, s.nginxPort] = await freePorts(3);
    s.origin = `http://127.0.0.1:${s.nginxPort}`;
    s.redis = await startRedis(s.dir, s.redisPort);
    s.heraldOptions = { binary: heraldBinary, dir: s.dir, port: s.heraldPort, redisPort: s.redisPort, origin: s.origin };
    s.heralds = [await startHerald(s.heraldOptions)];
    s.nginx = await startNginx({ repoRoot, dir: s.dir, pagePath: path.join(here, 'page.html'),
      heraldPort: s.heraldPort, nginxPort: s.nginxPort });
    s.browser = await launchChromium();
    s.page = await s.browser.newPage();
    s.consoleErrors = [];
    s.page.on('pageerror', (error) => s.consoleErrors.push(String(error)));
    await onlyHost(s.page, `127.0.0.1:${s.nginxPort}`);
  }

  after(async () => {
    clearTimeout(watchdog);
    const errors = [];
    const attempt = async (what, fn) => { try { await fn(); } catch (e) { errors.push(`${what}: ${e.message}`); } };
    if (s.browser) await attempt('browser', () => s.browser.close());
    if (s.nginx) await attempt('nginx', () => s.nginx.stop('SIGTERM', 3000));
    for (const herald of s.heralds || []) await attempt('herald', () => herald.stop('SIGTERM', 6000));
    if (s.redis) await attempt('redis', () => s.redis.stop('SIGTERM', 3000));
    if (s.dir && !failed() && !process.env.HERALD_TEST_KEEP_TMP) rmSync(s.dir, { recursive: true, force: true });
    else if (s.dir) console.error(`browser test: temp dir kept: ${s.dir}`);
    if (errors.length) throw new Error(`cleanup: ${errors.join('; ')}`);
  }, { timeout: 20000 });

  step('1. the page from nginx connects over SSE and WebSocket', 15000, async () => {
    const response = await s.page.goto(`${s.origin}/page.html`, { timeout: 10000 });
    assert.equal(response.status(), 200);
    await inPage('SSE open and WS subscribed', () =>
      window.sseStates.some((e) => e.state === 'open') &&
      window.wsControl.some((f) => f.type === 'subscribed' && f.channel === 'user:42'));
    await redisSubscribed();
  });

  step('2. an envelope PUBLISHed to Redis reaches both transports', 10000, async () => {
    await publish(envelope('e1', 1));
    await inPage('e1 on both transports', () =>
      ['sse', 'ws'].every((t) => window.received.some((e) => e.transport === t && e.id === 'e1')));
    const all = await received();
    assert.deepEqual(find(all, { transport: 'sse', id: 'e1' }),
      [{ transport: 'sse', conn: 1, event: 'notification', id: 'e1', data: '{"n":1}' }]);
    assert.deepEqual(find(all, { transport: 'ws', id: 'e1' }),
      [{ transport: 'ws', conn: 1, event: 'notification', id: 'e1', data: { n: 1 } }]);
  });

  step('3. a raw payload arrives as a "message" event', 10000, async () => {
    await publish('hello');
    await inPage('hello on both transports', () =>
      ['sse', 'ws'].every((t) => window.received.some((e) => e.transport === t && e.event === 'message')));
    const all = await received();
    const [sse] = find(all, { transport: 'sse', event: 'message' });
    const [ws] = find(all, { transport: 'ws', event: 'message' });
    assert.equal(sse.data, 'hello');
    assert.equal(ws.data, 'hello');
    assert.ok(sse.id, 'herald gives a raw payload an id');
    assert.equal(ws.id, sse.id, 'one event, one id on both transports');
    s.helloId = sse.id;
  });

  step('4. after a herald restart EventSource reconnects by itself and is told to reset', 20000, async () => {
    const statesBefore = (await sseStates()).length;
    const old = s.heralds[s.heralds.length - 1];
    const status = await old.stop('SIGTERM', 8000);
    assert.deepEqual(status, { code: 0, signal: null }, 'herald exits cleanly on SIGTERM');
    s.heralds.push(await startHerald(s.heraldOptions));

    // The same EventSource object: error (stream ended), then open again.
    await inPage('EventSource error then open', (from) => {
      const states = window.sseStates.slice(from);
      const error = states.findIndex((e) => e.conn === 1 && e.state === 'error');
      return error >= 0 && states.slice(error + 1).some((e) => e.conn === 1 && e.state === 'open');
    }, statesBefore, 12000);
    const states = (await sseStates()).slice(statesBefore);
    assert.ok(states.every((e) => e.conn === 1 && e.readyState !== 2), `never CLOSED: ${JSON.stringify(states)}`);

    // The browser sent Last-Event-ID (the hello event's id); the new node
    // does not know it, so the stream starts with "event: reset".
    await inPage('SSE reset', () => window.received.some((e) => e.transport === 'sse' && e.event === 'reset'));
    const [reset] = find(await received(), { transport: 'sse', event: 'reset' });
    assert.equal(reset.conn, 1);
    assert.match(reset.id, /^@[0-9a-f]+-\d+$/, 'the reset replaces the lost id with the new stream position');
    assert.ok(JSON.parse(reset.data).reason, `reset has a reason: ${reset.data}`);

    // The page's WebSocket reconnected with lastEventId too and got a reset frame.
    await inPage('WS resubscribed', () => window.wsControl.some((f) => f.conn > 1 && f.type === 'subscribed'));
    const control = await wsControl();
    assert.ok(control.some((f) => f.conn === 1 && f.type === 'close' && f.code === 1012),
      `WS closed with 1012 service restart: ${JSON.stringify(control)}`);
    assert.ok(control.some((f) => f.conn > 1 && f.type === 'reset'), `WS reset: ${JSON.stringify(control)}`);

    await redisSubscribed();
    await publish(envelope('e3', 3));
    await inPage('e3 on SSE', () => window.received.some((e) => e.transport === 'sse' && e.id === 'e3'));
    const [e3] = find(await received(), { transport: 'sse', id: 'e3' });
    assert.deepEqual(e3, { transport: 'sse', conn: 1, event: 'notification', id: 'e3', data: '{"n":3}' });
  });

  step('5. a new EventSource with lastEventId gets the missed events, then live ones', 15000, async () => {
    await s.page.evaluate(() => window.closeSse());
    // The closed stream's request is logged now: it carried Last-Event-ID.
    const line = await waitFor('nginx access log of the reconnected stream', () => accessLog(s.dir).split('\n')
      .find((l) => /"GET \/events\?channel=user(:|%3A)42 HTTP\/1.1"/.test(l) && l.includes(`last_event_id="${s.helloId}"`)),
    { timeoutMs: 5000 }).catch((error) => {
      throw new Error(`${error.message}\n--- access log ---\n${accessLog(s.dir)}`);
    });
    assert.match(line, / 200 upstream=200 /);

    // The page's WebSocket keeps the channel subscribed on the node meanwhile.
    await redisSubscribed();
    await publish(envelope('r1', 11));
    await publish(envelope('r2', 12));
    await inPage('r2 on WS', () => window.received.some((e) => e.transport === 'ws' && e.id === 'r2'));

    const conn = await s.page.evaluate(() => window.openSse('e3'));
    await inPage('replayed r1, r2', (c) =>
      window.received.filter((e) => e.transport === 'sse' && e.conn === c).length >= 2, conn);
    await inPage('new EventSource open', (c) => window.sseStates.some((e) => e.conn === c && e.state === 'open'), conn);
    await publish(envelope('r3', 13));
    await inPage('live r3', (c) => window.received.some((e) => e.conn === c && e.id === 'r3'), conn);

    const events = find(await received(), { transport: 'sse', conn });
    assert.deepEqual(events.map((e) => [e.event, e.id, e.data]), [
      ['notification', 'r1', '{"n":11}'],
      ['notification', 'r2', '{"n":12}'],
      ['notification', 'r3', '{"n":13}'],
    ]);
  });

  step('6. the page looks sane', 10000, async (t) => {
    const rows = await s.page.locator('#events tr').count();
    assert.equal(rows, (await received()).length);
    assert.equal(await s.page.locator('#sse-state').textContent(), 'open #2');
    const file = path.join(s.dir, 'page.png');
    await s.page.screenshot({ path: file, fullPage: true, timeout: 5000 });
    t.diagnostic(`screenshot: ${file} (HERALD_TEST_KEEP_TMP=1 keeps it)`);
    assert.deepEqual(s.consoleErrors, []);
  });
});
