// What the conformance suites share: the real herald binary (embedded broker)
// on a free loopback port, publishing through POST /publish, and a TCP relay
// that can cut every connection through it, to make a client reconnect.
// Process handling comes from the browser test's servers.mjs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child, freePorts, httpGet, waitFor } from '../browser/servers.mjs';

export { sleep, waitFor } from '../browser/servers.mjs';

export const HOST = '127.0.0.1';
const here = path.dirname(fileURLToPath(import.meta.url));
export const heraldBinary = path.resolve(process.env.HERALD_BINARY || path.join(here, '../../build/herald'));

// Once herald requires authentication by default, the tests run it with
// --insecure; older builds do not know the flag.
let insecureFlag;
function insecure() {
  if (insecureFlag === undefined) {
    const help = execFileSync(heraldBinary, ['--help'], { encoding: 'utf8' });
    insecureFlag = help.includes('--insecure') ? ['--insecure'] : [];
  }
  return insecureFlag;
}

// A herald on a free port, logging at debug into a temp dir that is removed
// on stop() unless the test failed (pass keep=true) or HERALD_TEST_KEEP_TMP.
// `secure`: without --insecure (the flags then carry a JWT key).
export class Herald {
  static async start(flags = [], { secure = false } = {}) {
    const herald = new Herald();
    herald.dir = mkdtempSync(path.join(os.tmpdir(), 'herald-conformance-'));
    [herald.port] = await freePorts(1);
    herald.args = [...(secure ? [] : insecure()), '--listen', `${HOST}:${herald.port}`, '--threads', '2',
      '--log-level', 'debug', '--drain-window', '0', ...flags];
    herald.runs = 0;
    await herald.run();
    return herald;
  }

  async run() {
    this.child = new Child('herald', heraldBinary, this.args, path.join(this.dir, `herald-${++this.runs}.log`));
    await this.child.waitUp(`herald /healthz on ${this.port}`,
      async () => (await httpGet(this.port, '/healthz')).status === 200);
  }

  // A new process on the same port and flags, as after a crash or a deploy.
  async restart(signal = 'SIGKILL') {
    await this.child.stop(signal, 8000);
    await this.run();
  }

  url(pathAndQuery) { return `http://${HOST}:${this.port}${pathAndQuery}`; }
  wsUrl(pathAndQuery) { return `ws://${HOST}:${this.port}${pathAndQuery}`; }

  // POST /publish of one envelope or an array; resolves to the ids.
  async publish(envelope) {
    const res = await fetch(this.url('/publish'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(envelope),
      signal: AbortSignal.timeout(5000),
    });
    const body = await res.text();
    if (res.status !== 202) throw new Error(`POST /publish ${JSON.stringify(envelope)}: ${res.status} ${body}`);
    return JSON.parse(body).ids;
  }

  // GET /healthz "connections".
  async connections() {
    return JSON.parse((await httpGet(this.port, '/healthz')).body).connections;
  }

  async stop({ keep = false } = {}) {
    const status = this.child.running ? await this.child.stop('SIGTERM', 8000) : this.child.exitStatus;
    if (!keep && !process.env.HERALD_TEST_KEEP_TMP) rmSync(this.dir, { recursive: true, force: true });
    return status;
  }

  tail() { return `--- ${this.child.logFile} ---\n${this.child.tail(30)}`; }
}

// Forwards 127.0.0.1:<port> to herald's port, byte for byte; cut() resets
// every relayed connection at once, as a network failure would.
export class Relay {
  static async start(targetPort) {
    const relay = new Relay();
    relay.targetPort = targetPort;
    relay.pairs = new Set();
    relay.accepted = 0;
    relay.server = net.createServer((client) => relay.onClient(client));
    await new Promise((resolve, reject) => {
      relay.server.on('error', reject);
      relay.server.listen(0, HOST, resolve);
    });
    relay.port = relay.server.address().port;
    return relay;
  }

  onClient(client) {
    ++this.accepted;
    const upstream = net.connect({ host: HOST, port: this.targetPort });
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  url(pathAndQuery) { return `http://${HOST}:${this.port}${pathAndQuery}`; }
  get open() { return this.pairs.size; }

  cut() {
    for (const { client, upstream } of this.pairs) {
      // A socket already ending cannot be reset (libuv refuses a reset
      // after a shutdown, and Node 20 then never closes the handle, so the
      // process spins at exit): it is simply destroyed.
      if (client.writableEnded) client.destroy();
      else client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  // Stops relaying bytes on every open connection without closing any, as
  // a network that silently drops everything would; new connections work.
  freeze() {
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  close() {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// Collects what a client receives; wait(n) is a bounded wait for n items.
export class Inbox {
  constructor() { this.items = []; }
  push(item) { this.items.push(item); }

  wait(count, what, timeoutMs = 5000) {
    return waitFor(`${count} ${what}`, () => this.items.length >= count && this.items,
      { timeoutMs, intervalMs: 10 }).catch((error) => {
      error.message += `; got ${JSON.stringify(this.items).slice(0, 2000)}`;
      throw error;
    });
  }
}
