// The chat demo (examples/chat) in Chromium, as its users see it: two users,
// Ann and Bob, in two browser contexts, through nginx (the shipped site file)
// to herald with Redis and the demo's app server, all started by the demo's
// own stack.mjs. Then herald-client/react's hooks under Strict Mode, on a
// page of their own served by the same stack. Only 127.0.0.1 is contacted.
//
//   npm ci --prefix tests/browser && npm ci --prefix examples/chat
//   HERALD_BINARY=build/release/herald node --test tests/browser/chat.test.mjs
//
// HERALD_TEST_KEEP_TMP=1 keeps the temp dir (logs, configs, screenshots).
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, onlyHost } from './chromium.mjs';
import { freePorts, httpGet, numsub, redisCli, sleep, waitFor } from './servers.mjs';
import { startChat } from '../../examples/chat/stack.mjs';
import { bundle } from '../../examples/chat/build.mjs';
import { scenario } from './scenario.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const heraldBinary = path.resolve(process.env.HERALD_BINARY || path.join(here, '../../build/herald'));

const watchdog = setTimeout(() => {
  console.error('chat test: watchdog fired after 85 s; killing everything');
  process.exit(1);
}, 85000);
watchdog.unref();

// herald's members of `channel` ({user, connections, info}), asked directly.
async function presenceOf(port, channel) {
  const { status, body } = await httpGet(port, `/presence?channel=${channel}`);
  assert.equal(status, 200, body);
  return JSON.parse(body).members;
}

// herald's /metrics value of `series` (e.g. 'herald_ws_published_total').
async function metric(port, series) {
  const { body } = await httpGet(port, '/metrics');
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line, `/metrics has no ${series}`);
  return Number(line.slice(series.length + 1));
}

describe('the chat demo and the React hooks in Chromium, through nginx, with Redis', { timeout: 83000 }, () => {
  const s = { pages: {} }; // dir, stack, browser, pages by user
  const { step, failing, failed } = scenario(() => `(temp dir: ${s.dir})\n` +
    (s.stack ? s.stack.processes() : []).map((child) => `--- ${child.logFile} ---\n${child.tail(25)}`).join('\n'));

  // The texts of the elements matching `selector` on a user's page.
  const texts = (user, selector) => s.pages[user].locator(selector).allTextContents();
  // Waits until `predicate(texts)` holds for those texts.
  const until = (what, user, selector, predicate, timeoutMs = 10000) =>
    waitFor(`${user}: ${what}`, async () => predicate(await texts(user, selector)), { timeoutMs, intervalMs: 50 })
      .catch(async (error) => {
        throw new Error(`${error.message}; ${selector} is ${JSON.stringify(await texts(user, selector))}`);
      });
  const count = (list, text) => list.filter((t) => t === text).length;

  async function openPage(user, url, page) {
    page ||= await (await s.browser.newContext()).newPage();
    const host = new URL(s.stack.origin).host;
    await onlyHost(page, host);
    page.on('pageerror', (error) => s.pageErrors.push(`${user}: ${error}`));
    // Works offline: no CDN, no font, nothing but the page's own origin.
    page.on('request', (r) => {
      if (new URL(r.url()).host !== host) s.pageErrors.push(`${user}: request to ${r.url()}`);
    });
    s.pages[user] = page;
    const response = await page.goto(url, { timeout: 10000 });
    assert.equal(response.status(), 200);
    return page;
  }

  async function type(user, text) {
    await s.pages[user].locator('#draft').pressSequentially(text, { delay: 30 });
  }
  async function say(user, text) {
    await s.pages[user].locator('#draft').fill(text);
    await s.pages[user].locator('#draft').press('Enter');
  }

  before(() => failing(async () => {
    assert.ok(existsSync(heraldBinary), `herald binary not found at ${heraldBinary} (set HERALD_BINARY)`);
    s.dir = mkdtempSync(path.join(os.tmpdir(), 'herald-chat-'));
    chmodSync(s.dir, 0o755); // nginx workers may run as another user
    // The hooks' page: its bundle inline, served by nginx as /hooks.html.
    const www = path.join(s.dir, 'www');
    mkdirSync(www);
    const script = Buffer.from(await bundle(path.join(here, 'react-hooks.jsx'))).toString();
    writeFileSync(path.join(www, 'hooks.html'), '<!doctype html><meta charset="utf-8"><div id="root"></div>\n' +
      `<script type="module">${script.replaceAll('</script', '<\\/script')}</script>\n`);
    const [nginxPort] = await freePorts(1);
    s.stack = await startChat({ heraldBinary, dir: s.dir, nginxPort,
      locations: `    location = /hooks.html {\n        root ${www};\n    }\n` });
    s.browser = await launchChromium();
    s.pageErrors = [];
  }), { timeout: 40000 });

  after(async () => {
    clearTimeout(watchdog);
    const errors = [];
    const attempt = async (what, fn) => { try { await fn(); } catch (e) { errors.push(`${what}: ${e.message}`); } };
    if (s.browser) await attempt('browser', () => s.browser.close());
    if (s.stack) await attempt('servers', () => s.stack.stop());
    if (s.dir && !failed() && !process.env.HERALD_TEST_KEEP_TMP) rmSync(s.dir, { recursive: true, force: true });
    else if (s.dir) console.error(`chat test: temp dir kept: ${s.dir}`);
    if (errors.length) throw new Error(`cleanup: ${errors.join('; ')}`);
  }, { timeout: 30000 });

  step('1. Ann and Bob open the demo: connected, and each sees both online', 20000, async () => {
    for (const [user, name] of [['ann', 'Ann'], ['bob', 'Bob']]) await openPage(user, `${s.stack.url}?name=${name}`);
    for (const user of ['ann', 'bob']) {
      await until('connected', user, '#state', ([state]) => state?.startsWith('connected'));
    }
    await until('both online', 'ann', '#online li', (l) => l.join('|') === 'Ann (you)|Bob');
    await until('both online', 'bob', '#online li', (l) => l.join('|') === 'Ann|Bob (you)');
    // One WebSocket per page: the Strict Mode double mount opened no second one.
    assert.equal(await metric(s.stack.heraldPort, 'herald_connections{transport="ws"}'), 2);
  });

  step('2. Bob sees Ann typing, then not, a few seconds after her typing event', 15000, async () => {
    const published = await metric(s.stack.heraldPort, 'herald_ws_published_total');
    const typing = type('ann', 'typing away'); // 11 keystrokes in about half a second
    await until('Ann typing', 'bob', '#typing', ([t]) => t === 'Ann is typing…', 3000);
    const shownAt = Date.now();
    await typing;
    assert.deepEqual(await texts('ann', '#typing'), [''], 'Ann is not shown typing to herself');
    await until('typing gone', 'bob', '#typing', ([t]) => t === '', 8000);
    const shownFor = Date.now() - shownAt;
    assert.ok(shownFor >= 2000 && shownFor < 5000, `typing shown for ${shownFor} ms (3 s expected)`);
    // Debounced: one typing event for the whole burst, not one per key.
    assert.equal(await metric(s.stack.heraldPort, 'herald_ws_published_total') - published, 1);
  });

  step('3. a message Ann sends (upstream, through the app) appears once for both', 10000, async () => {
    await say('ann', 'hello Bob');
    for (const user of ['bob', 'ann']) {
      await until('the message', user, '#messages li', (l) => l.includes('Ann: hello Bob'));
    }
    await say('bob', 'hi Ann');
    await until('the answer', 'ann', '#messages li', (l) => l.includes('Bob: hi Ann'));
    await sleep(300); // a duplicate would come right behind
    assert.deepEqual(await texts('ann', '#messages li'), ['Ann: hello Bob', 'Bob: hi Ann']);
    assert.deepEqual(await texts('bob', '#messages li'), ['Ann: hello Bob', 'Bob: hi Ann']);
  });

  step('4. a notification PUBLISHed into Redis with redis-cli reaches Bob only', 10000, async () => {
    await waitFor('herald subscribed to user:bob in Redis', async () => (await numsub(s.stack.redisPort, 'user:bob')) >= 1);
    const receivers = await redisCli(s.stack.redisPort,
      ['PUBLISH', 'user:bob', JSON.stringify({ event: 'notification', data: { text: 'Deploy finished' } })]);
    assert.equal(receivers, '1');
    await until('the notification', 'bob', '#notifications li', (l) => l.includes('Deploy finished'));
    // And one from the app: Ann mentions Bob.
    await say('ann', 'look @bob');
    await until('the mention', 'bob', '#notifications li', (l) => l.includes('Ann mentioned you in lobby: look @bob'));
    assert.deepEqual(await texts('ann', '#notifications li'), []);
  });

  step('5. herald restarts: what was published meanwhile shows up, nothing twice', 30000, async () => {
    const status = await s.stack.herald().stop('SIGTERM', 8000);
    assert.deepEqual(status, { code: 0, signal: null }, 'herald exits cleanly on SIGTERM');
    for (const user of ['ann', 'bob']) {
      await until('not connected', user, '#state', ([state]) => !state.startsWith('connected'), 5000);
    }
    // Meanwhile the app notifies Bob: Redis has no subscriber to deliver it
    // to, so only the app's copy exists, which the page reloads on reset.
    const response = await fetch(`${s.stack.origin}/app/notify`,
      { method: 'POST', body: JSON.stringify({ user: 'bob', text: 'sent while herald was down' }) });
    assert.equal(response.status, 202);
    // And Ann writes; her client holds the message until it is connected again.
    await say('ann', 'written while herald was down');

    await s.stack.restartHerald();
    for (const user of ['ann', 'bob']) {
      await until('connected again', user, '#state', ([state]) => state?.startsWith('connected'), 15000);
    }
    await until('the notification sent meanwhile', 'bob', '#notifications li',
      (l) => l.includes('sent while herald was down'), 10000);
    const messages = ['Ann: hello Bob', 'Bob: hi Ann', 'Ann: look @bob', 'Ann: written while herald was down'];
    for (const user of ['ann', 'bob']) {
      await until('the message written meanwhile', user, '#messages li', (l) => l.includes(messages[3]), 10000);
    }
    await sleep(300);
    for (const user of ['ann', 'bob']) assert.deepEqual(await texts(user, '#messages li'), messages, user);
    const notes = await texts('bob', '#notifications li');
    for (const text of ['sent while herald was down', 'Deploy finished']) assert.equal(count(notes, text), 1, notes);
    // The online list was asked again after the reconnect.
    await until('both online', 'bob', '#online li', (l) => l.join('|') === 'Ann|Bob (you)');
  });

  step('6. Ann closes her page: Bob sees her leave', 10000, async () => {
    await s.pages.ann.context().close();
    delete s.pages.ann;
    await until('Ann gone', 'bob', '#online li', (l) => l.join('|') === 'Bob (you)');
  });

  step('7. Carol leaves while Bob is cut off: after his reconnect he no longer lists her', 25000, async () => {
    await openPage('carol', `${s.stack.url}?name=Carol`);
    await until('Carol online', 'bob', '#online li', (l) => l.join('|') === 'Bob (you)|Carol');
    // nginx goes away: Bob and Carol lose their connections, herald stays up
    // and sends Carol's leave to nobody, since Bob is not connected either.
    await s.stack.nginx.stop('SIGTERM', 8000);
    await until('cut off', 'bob', '#state', ([state]) => !state.startsWith('connected'), 5000);
    await s.pages.carol.context().close();
    delete s.pages.carol;
    await waitFor('herald without Carol (and Bob)', async () => (await presenceOf(s.stack.heraldPort, 'room:lobby')).length === 0);
    await s.stack.restartNginx();
    await until('connected again', 'bob', '#state', ([state]) => state?.startsWith('connected'), 15000);
    // Bob resumed without a reset and missed the leave event (live only): the
    // list is right because it was asked again on the new connection.
    await until('Carol gone', 'bob', '#online li', (l) => l.join('|') === 'Bob (you)');
    await s.pages.bob.screenshot({ path: path.join(s.dir, 'bob.png'), timeout: 5000 });
  });

  // --- The hooks on their own page -------------------------------------------------

  const hooks = () => s.pages.tess;
  const live = () => hooks().evaluate(() => window.live);
  const listeners = () => hooks().evaluate(() => window.listeners);
  const presence = () => presenceOf(s.stack.heraldPort, 'room:hooks');
  const redisSubscribers = () => numsub(s.stack.redisPort, 'room:hooks');
  // What the page's WebSocket said about room:hooks, e.g. ['subscribe'].
  const said = () => s.sent.filter((m) => m.channel === 'room:hooks').map((m) => m.type);
  async function publishedOnce(id) {
    await redisCli(s.stack.redisPort, ['PUBLISH', 'room:hooks', JSON.stringify({ event: 'ping', data: 1, id })]);
    await waitFor(`event ${id}`, () => hooks().evaluate((i) => window.events.some((e) => e.id === i), id));
    await sleep(300); // a second call would come right behind
    const calls = await hooks().evaluate((i) => window.events.filter((e) => e.id === i).length, id);
    assert.equal(calls, 1, `onEvent calls for ${id}`);
  }

  step('8. hooks: after Strict Mode mounts twice, one subscription per hook, one onEvent per event', 15000, async () => {
    s.wsUrls = [];
    s.sent = [];
    const context = await s.browser.newContext();
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') s.pageErrors.push(`tess: ${message.text()}`);
    });
    page.on('websocket', (ws) => {
      s.wsUrls.push(ws.url());
      ws.on('framesent', ({ payload }) => s.sent.push(JSON.parse(payload)));
    });
    await openPage('tess', `${s.stack.origin}/hooks.html`, page);
    await until('connected, member of room:hooks', 'tess', '#probe', ([p]) => p === 'connected: tessx1');
    assert.equal(await live(), 3, 'useChannel, usePresence and useTyping: one subscription each');
    assert.equal(await listeners(), 1, 'useConnectionState: one state listener');
    assert.equal(s.wsUrls.length, 1, `one WebSocket: ${s.wsUrls}`);
    assert.equal(new URL(s.wsUrls[0]).searchParams.getAll('channel').join(), 'room:hooks');
    assert.deepEqual(said(), ['presence'], 'the channel was in the URL; only one presence query since');
    assert.deepEqual(await presence(), [{ user: 'tess', connections: 1, info: { name: 'Tess' } }]);
    await waitFor('herald subscribed to room:hooks in Redis', async () => (await redisSubscribers()) === 1);
    await publishedOnce('h-1');
  });

  step('9. hooks: unmounting leaves no subscription; mounting again (twice) makes one', 15000, async () => {
    await hooks().locator('#toggle').click();
    await waitFor('no live subscription', async () => (await live()) === 0, { timeoutMs: 3000 });
    assert.equal(await listeners(), 0, 'no state listener');
    // herald let go of the channel: no Redis subscription, no member.
    await waitFor('herald unsubscribed from room:hooks', async () => (await redisSubscribers()) === 0);
    assert.deepEqual(await presence(), []);
    assert.deepEqual(said(), ['presence', 'unsubscribe']);

    await hooks().locator('#toggle').click();
    await until('member again', 'tess', '#probe', ([p]) => p === 'connected: tessx1');
    assert.equal(await live(), 3);
    assert.equal(await listeners(), 1);
    await sleep(300);
    assert.deepEqual(said(), ['presence', 'unsubscribe', 'subscribe', 'presence'], 'Strict Mode cost no extra message');
    await waitFor('herald subscribed to room:hooks in Redis', async () => (await redisSubscribers()) === 1);
    await publishedOnce('h-2');
    assert.deepEqual(s.pageErrors, []);
  });
});
