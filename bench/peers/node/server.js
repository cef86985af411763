'use strict';
// node server.js --port P --redis-port R [--workers 2] [--host 127.0.0.1] [--ready-file F]
// The primary forks one worker per core (node's cluster module, workers share
// the listening port); each worker subscribes to Redis itself. When every
// worker listens, the primary writes "<primary pid>,<worker pids...>" to the
// ready file.
const cluster = require('cluster');
const fs = require('fs');
const { parseArgs } = require('util');

const { values: opts } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    'redis-port': { type: 'string' },
    workers: { type: 'string', default: '2' },
    'ready-file': { type: 'string' },
  },
});
const config = { host: opts.host, port: Number(opts.port), redisPort: Number(opts['redis-port']) };
if (!config.port || !config.redisPort) {
  console.error('usage: node server.js --port P --redis-port R [--workers N] [--ready-file F]');
  process.exit(2);
}

if (cluster.isPrimary) {
  const count = Number(opts.workers);
  const listening = new Set();
  let stopping = false;
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('listening', (worker) => {
    listening.add(worker.process.pid);
    if (listening.size === count && opts['ready-file']) {
      fs.writeFileSync(opts['ready-file'], [process.pid, ...listening].join(',') + '\n');
    }
  });
  // A dead worker is not replaced: the benchmark would measure a process it does not know of.
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} exited (${signal || code})`);
    if (listening.size < count) process.exit(1); // never got ready (port taken, Redis down...): give up
  });
  process.on('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    cluster.disconnect(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
} else {
  require('./worker').startWorker(config);
}
