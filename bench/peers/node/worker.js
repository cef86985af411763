'use strict';
// One worker: express 5 for SSE, ws 8 on the same HTTP server for WebSocket,
// both fed by the worker's own Redis subscriber (hub.js).
const http = require('http');
const express = require('express');
const { WebSocketServer, WebSocket } = require('ws');
const { Hub } = require('./hub');

const HEARTBEAT_MS = 30_000;
const MAX_WS_BUFFERED = 1024 * 1024; // a WebSocket client further behind than this is closed

function startWorker({ host, port, redisPort }) {
  const hub = new Hub(redisPort);
  const app = express();

  app.get('/events', (req, res) => {
    const channel = req.query.channel;
    if (typeof channel !== 'string' || channel === '') {
      res.status(400).send('channel required\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    // One string per event, written as is: no backpressure handling beyond res.write.
    const client = {
      send(message) {
        res.write(`data: ${message.split('\n').join('\ndata: ')}\n\n`);
      },
    };
    hub.add(channel, client);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    req.on('close', () => {
      clearInterval(heartbeat);
      hub.remove(channel, client);
    });
  });

  const server = http.createServer(app);
  const wss = new WebSocketServer({ server, path: '/ws' });

  wss.on('connection', (ws, req) => {
    const channel = new URL(req.url, 'http://localhost').searchParams.get('channel');
    if (!channel) {
      ws.close(1008, 'channel required');
      return;
    }
    const client = {
      send(message) {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > MAX_WS_BUFFERED) {
          ws.terminate(); // too slow: drop it rather than buffer without bound
          return;
        }
        ws.send(message);
      },
    };
    hub.add(channel, client);
    ws.on('message', () => {}); // clients have nothing to say; read and discard
    ws.on('error', () => {});
    ws.on('close', () => hub.remove(channel, client));
  });

  server.listen(port, host);

  process.on('SIGTERM', () => {
    hub.close();
    process.exit(0);
  });
}

module.exports = { startWorker };
