'use strict';
// Redis pub/sub fan-out inside one worker process: one subscriber connection,
// SUBSCRIBE on the first local client of a channel, UNSUBSCRIBE on the last,
// every message turned into one string and written to every local client.
const Redis = require('ioredis');

class Hub {
  constructor(redisPort) {
    this.channels = new Map(); // channel -> Set of clients ({ send(message) })
    this.sub = new Redis({ host: '127.0.0.1', port: redisPort, lazyConnect: false });
    this.sub.on('error', (err) => console.error(`redis: ${err.message}`));
    this.sub.on('message', (channel, message) => this.fanOut(channel, message));
  }

  add(channel, client) {
    let clients = this.channels.get(channel);
    if (!clients) {
      clients = new Set();
      this.channels.set(channel, clients);
      this.sub.subscribe(channel).catch((err) => console.error(`subscribe ${channel}: ${err.message}`));
    }
    clients.add(client);
  }

  remove(channel, client) {
    const clients = this.channels.get(channel);
    if (!clients || !clients.delete(client)) return;
    if (clients.size === 0) {
      this.channels.delete(channel);
      this.sub.unsubscribe(channel).catch((err) => console.error(`unsubscribe ${channel}: ${err.message}`));
    }
  }

  fanOut(channel, message) {
    const clients = this.channels.get(channel);
    if (!clients) return;
    for (const client of clients) client.send(message);
  }

  close() {
    this.sub.disconnect();
  }
}

module.exports = { Hub };
