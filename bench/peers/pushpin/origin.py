#!/usr/bin/python3
"""Minimal GRIP origin behind Pushpin, as a typical team would write it (stdlib only).

  GET /events?channel=C  -> holds an SSE stream on channel C (Grip-Hold: stream).
  GET /ws?channel=C      -> arrives as WebSocket-over-HTTP POSTs (route option over_http):
                            OPEN is accepted and the connection subscribed to C.
Events are published to Pushpin's control API, never through this process.

usage: origin.py PORT
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# SSE comment sent when a stream has been quiet this long (herald's heartbeat_interval).
KEEP_ALIVE_S = 30


def channel_of(path):
    return parse_qs(urlsplit(path).query).get("channel", [""])[0]


def parse_ws_events(body):
    """Splits an application/websocket-events body into (type, content) pairs."""
    events, i = [], 0
    while i < len(body):
        eol = body.index(b"\r\n", i)
        head = body[i:eol].split(b" ")
        i = eol + 2
        content = b""
        if len(head) > 1:
            n = int(head[1], 16)
            content = body[i:i + n]
            i += n + 2
        events.append((head[0].decode(), content))
    return events


def ws_event(kind, content=b""):
    if not content:
        return kind.encode() + b"\r\n"
    return b"%s %x\r\n%s\r\n" % (kind.encode(), len(content), content)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive with Pushpin's zurl

    def do_GET(self):
        channel = channel_of(self.path)
        if urlsplit(self.path).path != "/events" or not channel:
            return self.reply(404, b"not found\n")
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Grip-Hold", "stream")
        self.send_header("Grip-Channel", channel)
        self.send_header("Grip-Keep-Alive", f":\\n\\n; format=cstring; timeout={KEEP_ALIVE_S}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        channel = channel_of(self.path)
        if (urlsplit(self.path).path != "/ws" or not channel
                or self.headers.get("Content-Type") != "application/websocket-events"):
            return self.reply(404, b"not found\n")
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        out = b""
        for kind, _ in parse_ws_events(body):
            if kind == "OPEN":
                sub = json.dumps({"type": "subscribe", "channel": channel}).encode()
                out += ws_event("OPEN") + ws_event("TEXT", b"c:" + sub)
            elif kind == "CLOSE":
                out += ws_event("CLOSE")
            # TEXT/BINARY from clients, PING/PONG and DISCONNECT need no answer here.
        self.send_response(200)
        self.send_header("Content-Type", "application/websocket-events")
        # Makes Pushpin treat the connection as GRIP (control messages, published
        # messages delivered); empty prefix: client-bound TEXT needs no "m:".
        self.send_header("Sec-WebSocket-Extensions", 'grip; message-prefix=""')
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # no line per request (neither herald nor the other peers log them)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # Pushpin opens many origin connections at once on bursts


if __name__ == "__main__":
    Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
