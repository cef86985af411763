// Child processes for the browser test: redis-server, herald and nginx, each
// on a free loopback port, with their output in log files of a temp dir.
// Every wait is bounded; every child is killed on exit, even a crashed one.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import path from 'node:path';

const HOST = '127.0.0.1';
const children = new Set();

// On an abrupt exit (watchdog, crash): SIGKILL, except for nginx, whose
// workers would outlive a killed master; its SIGTERM is a fast shutdown.
process.on('exit', () => {
  for (const child of children) {
    try { child.kill(child.exitSignal || 'SIGKILL'); } catch { /* already gone */ }
  }
});

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `check` (sync or async, truthy = done) until it holds or `timeoutMs` passes.
export async function waitFor(what, check, { timeoutMs = 10000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      if (error.fatal) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

// `count` distinct free loopback ports: all are held open until each is known.
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; ++i) {
      const server = net.createServer();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.on('error', reject);
        server.listen(0, HOST, resolve);
      });
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
  }
}

export function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.setTimeout(500);
    const done = (open) => { socket.destroy(); resolve(open); };
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
    socket.on('timeout', () => done(false));
  });
}

// GET http://127.0.0.1:port/path -> { status, body }; rejects after timeoutMs.
export function httpGet(port, urlPath, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path: urlPath, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}

// A child process whose stdout and stderr go to `logFile`.
export class Child {
  constructor(name, command, args, logFile, exitSignal = 'SIGKILL') {
    this.name = name;
    this.logFile = logFile;
    const log = createWriteStream(logFile, { flags: 'a' });
    this.proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.pipe(log);
    this.proc.stderr.pipe(log);
    this.proc.exitSignal = exitSignal;
    children.add(this.proc);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        children.delete(this.proc);
        resolve({ code, signal });
      });
      this.proc.on('error', (error) => {
        children.delete(this.proc);
        resolve({ code: null, signal: null, error });
      });
    });
    this.exitStatus = null;
    this.exited.then((status) => { this.exitStatus = status; });
  }

  get running() { return this.exitStatus === null; }

  // Sends `signal`, waits up to timeoutMs, then SIGKILLs. Resolves to the exit status.
  async stop(signal = 'SIGTERM', timeoutMs = 5000) {
    if (!this.running) return this.exitStatus;
    this.proc.kill(signal);
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs, 'timeout'); });
    const outcome = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.proc.kill('SIGKILL');
      await this.exited;
      throw new Error(`${this.name} did not exit within ${timeoutMs} ms of ${signal}`);
    }
    return this.exitStatus;
  }

  tail(lines = 40) {
    if (!existsSync(this.logFile)) return '';
    return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  }

  // Waits until `check` holds, failing early (with the log) if the process exits.
  async waitUp(what, check, timeoutMs = 10000) {
    await waitFor(what, async () => {
      if (!this.running) {
        throw Object.assign(new Error(`${this.name} exited (${JSON.stringify(this.exitStatus)})`), { fatal: true });
      }
      return check();
    }, { timeoutMs }).catch((error) => {
      throw new Error(`${this.name}: ${error.message}\n--- ${this.logFile} ---\n${this.tail()}`);
    });
  }
}

export async function startRedis(dir, port) {
  const redis = new Child('redis-server', 'redis-server',
    ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir],
    path.join(dir, 'redis.log'));
  await redis.waitUp(`redis on ${port}`, () => portOpen(port));
  return redis;
}

// Runs redis-cli and resolves to its trimmed stdout.
export function redisCli(port, args, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const proc = spawn('redis-cli', ['-h', HOST, '-p', String(port), ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let out = '';
    let err = '';
    proc.stdout.on('data', (chunk) => { out += chunk; });
    proc.stderr.on('data', (chunk) => { err += chunk; });
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      if (code === 0) resolve(out.trim());
      else reject(new Error(`redis-cli ${args.join(' ')}: exit ${code ?? signal}: ${err || out}`));
    });
  });
}

// Number of Redis subscribers of `channel` (herald subscribes once per node).
export async function numsub(redisPort, channel) {
  const lines = (await redisCli(redisPort, ['PUBSUB', 'NUMSUB', channel])).split('\n');
  return Number(lines[1]);
}

let heraldRuns = 0;

// Starts herald and waits for its /readyz (Redis connected) to answer 200.
// `auth` is how it checks clients: by default herald's development mode
// (--insecure: the test page subscribes without a token); a caller with
// tokens passes its key and config flags instead.
export async function startHerald({ binary, dir, port, redisPort, origin, auth = ['--insecure'] }) {
  const logFile = path.join(dir, `herald-${++heraldRuns}.log`);
  const herald = new Child('herald', binary, [
    '--listen', `${HOST}:${port}`,
    '--redis-url', `redis://${HOST}:${redisPort}`,
    '--heartbeat-interval', '2s',
    '--log-level', 'debug',
    '--drain-window', '0', // stopped with SIGTERM: no 10 s drain
    '--trusted-proxies', HOST,
    '--allowed-origins', origin,
    ...auth,
  ], logFile);
  await herald.waitUp(`herald /readyz on ${port}`,
    async () => (await httpGet(port, '/readyz')).status === 200);
  return herald;
}
