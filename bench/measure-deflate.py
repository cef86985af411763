#!/usr/bin/env python3
"""WebSocket bytes on the wire and herald CPU with permessage-deflate, on and off.

Starts a fresh herald (2 I/O threads, --insecure) twice: with ws_deflate on
(the default) and with --ws-deflate=false. Each time, N raw-socket WebSocket
clients, all offering permessage-deflate, subscribe to one channel; then E
chat-like JSON events of about `--size` bytes (the frame's JSON, as herald
sends it) are published a few at a time with POST /publish, each batch read
by every client before the next one goes out, so that nothing queues up.
Every event frame is checked: compressed payloads are inflated on their own
(no context takeover), and each must be the same bytes on every client and
parse to the published event. Reports, per event and client, the bytes on the
wire (frame headers included), the compression ratio, herald's CPU per 1,000
deliveries (utime + stime from /proc, publishing included) and herald's
deflate counters, which grow once per event, not per recipient.

    bench/measure-deflate.py --herald build/release/herald --clients 1000 --events 200
"""
import argparse
import base64
import json
import os
import random
import resource
import selectors
import socket
import subprocess
import time
import urllib.request
import zlib

from measure_util import cpu_seconds, free_port, wait_ready

CHANNEL = "room:bench"
WORDS = ("the a to and of is in it you that we for on with this have be are not at "
         "deploy build release ticket review merge branch test flaky tomorrow today lunch "
         "meeting call standup sprint customer invoice payment server latency graph dashboard "
         "coffee weekend holiday office remote laptop screen slides draft final version "
         "thanks sure ok great sounds good maybe later sorry late again please check "
         "sent link doc spreadsheet numbers quarter budget plan design mockup feedback "
         "bug fix crash log error timeout retry cache database index query migration").split()
NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
         "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter")


def make_events(count, size, seed=14):
    """Publish bodies and the data of each event, the same on every run. The
    text is filled up until the frame JSON herald builds is about `size` bytes."""
    rnd = random.Random(seed)
    events = []
    for i in range(count):
        user = rnd.choice(NAMES)
        data = {"room": CHANNEL, "msg_id": f"m{100000 + i}",
                "user": {"id": f"u{rnd.randrange(10000)}", "name": user.title(),
                         "avatar": f"https://cdn.example.com/avatars/{user}.png"},
                "text": "", "ts": 1764892800000 + i * rnd.randrange(200, 5000),
                "mentions": [f"@{rnd.choice(NAMES)}" for _ in range(rnd.randrange(3))],
                "reactions": {e: rnd.randrange(1, 9) for e in rnd.sample(["+1", "heart", "eyes",
                                                                           "tada", "laugh"], 2)},
                "thread": {"parent": f"m{100000 + rnd.randrange(i + 1)}",
                           "replies": rnd.randrange(20)}}
        eid = f"ev-{i}"
        envelope = len(json.dumps({"channel": CHANNEL, "event": "message", "id": eid,
                                   "data": data}, separators=(",", ":")))
        words = []
        while envelope + len(" ".join(words)) < size:
            w = rnd.choice(WORDS)
            words.append(w.capitalize() + "." if rnd.random() < 0.08 else w)
        data["text"] = " ".join(words)[:max(0, size - envelope)]
        events.append((eid, data))
    return events


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("herald_ws_deflate_") or line.startswith(
                'herald_events_delivered_total{transport="ws"}'):
            name, value = line.rsplit(" ", 1)
            out[name.split("{")[0]] = out.get(name.split("{")[0], 0) + float(value)
    return out


def publish(port, batch):
    body = json.dumps([{"channel": CHANNEL, "event": "message", "id": eid, "data": data}
                       for eid, data in batch], separators=(",", ":")).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/publish", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        if r.status != 202:
            raise RuntimeError(f"publish answered {r.status}")


class Client:
    """One WebSocket: the handshake, then server frames (never masked) read
    from a buffer. Event frames are counted and checked against `ref`."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws?channel={CHANNEL} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"
                           "\r\n\r\n").encode())
        self.sock.setblocking(False)
        self.buf = bytearray()
        self.head = None  # the handshake answer, once read
        self.deflate = False
        self.subscribed = False
        self.events = 0  # event frames received
        self.event_wire = 0  # their bytes, headers included
        self.compressed = 0  # of them with RSV1
        self.other_wire = 0  # control and other frames after the handshake
        self.errors = []

    def feed(self, data, ref):
        self.buf += data
        if self.head is None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            self.head = bytes(self.buf[:end]).decode("latin-1")
            del self.buf[:end + 4]
            if not self.head.startswith("HTTP/1.1 101"):
                self.errors.append(self.head.split("\r\n", 1)[0])
            for line in self.head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "sec-websocket-extensions" and \
                        "permessage-deflate" in value:
                    self.deflate = True
        buf, pos = self.buf, 0
        while len(buf) - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n, hlen = b1 & 0x7F, 2
            if n == 126:
                if len(buf) - pos < 4:
                    break
                n, hlen = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif n == 127:
                if len(buf) - pos < 10:
                    break
                n, hlen = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if len(buf) - pos < hlen + n:
                break
            payload = bytes(buf[pos + hlen:pos + hlen + n])
            pos += hlen + n
            self.frame(b0, hlen + n, payload, ref)
        del buf[:pos]

    def frame(self, b0, wire, payload, ref):
        opcode, rsv1 = b0 & 0x0F, bool(b0 & 0x40)
        if not b0 & 0x80 or opcode == 0:
            self.errors.append("fragmented message")
        if opcode != 1:  # ping (answered by nobody: the run is shorter than a heartbeat), close
            self.other_wire += wire
            if opcode == 8:
                self.errors.append(f"close {payload[:2].hex()} {payload[2:]!r}")
            return
        if rsv1:
            if not self.deflate:
                self.errors.append("RSV1 without the extension")
            d = zlib.decompressobj(-15)  # no context takeover: each message on its own
            payload = d.decompress(payload + b"\x00\x00\xff\xff")
        if payload.startswith(b'{"type":'):
            self.other_wire += wire
            if payload.startswith(b'{"type":"subscribed"'):
                self.subscribed = True
            elif not payload.startswith(b'{"type":"hello"'):
                self.errors.append(payload[:200].decode(errors="replace"))
            return
        i = self.events
        self.events += 1
        self.event_wire += wire
        self.compressed += rsv1
        expected = ref.get(i)
        if expected is None:  # the first copy of event i: check it against the publish
            ref[i] = payload
            want_id, want_data = ref["published"][i]
            got = json.loads(payload)
            if got != {"channel": CHANNEL, "event": "message", "id": want_id, "data": want_data}:
                self.errors.append(f"event {i} is not what was published: {payload[:120]!r}")
        elif payload != expected:
            self.errors.append(f"event {i} differs from another client's copy")


def pump(sel, clients, ref, done, deadline):
    """Reads until done() or the deadline."""
    while not done():
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("clients did not get everything in time")
        for key, _ in sel.select(timeout=min(left, 1.0)):
            c = key.data
            try:
                data = c.sock.recv(1 << 18)
            except BlockingIOError:
                continue
            if not data:
                c.errors.append("connection closed by herald")
                sel.unregister(c.sock)
                continue
            c.feed(data, ref)
        if any(c.errors for c in clients):
            raise RuntimeError(next(c.errors for c in clients if c.errors)[:3])


def run(args, deflate, events):
    port = free_port()
    cmd = [args.herald, "--listen", f"127.0.0.1:{port}", "--threads", "2", "--insecure",
           "--log-level", "warn", "--max-connections-per-ip", "0"]
    if not deflate:
        cmd.append("--ws-deflate=false")
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    clients = []
    sel = selectors.DefaultSelector()
    try:
        wait_ready(port)
        started = time.monotonic()
        ref = {"published": events}
        for _ in range(args.clients):
            c = Client(port)
            clients.append(c)
            sel.register(c.sock, selectors.EVENT_READ, c)
        pump(sel, clients, ref, lambda: all(c.subscribed for c in clients),
             time.monotonic() + args.timeout)
        connect_s = time.monotonic() - started
        m0, cpu0 = metrics(port), cpu_seconds(proc.pid)
        t0 = time.monotonic()
        deadline = t0 + args.timeout
        for start in range(0, len(events), args.batch):
            publish(port, events[start:start + args.batch])
            n = min(start + args.batch, len(events))
            pump(sel, clients, ref, lambda: all(c.events >= n for c in clients), deadline)
        wall = time.monotonic() - t0
        cpu = cpu_seconds(proc.pid) - cpu0
        m1 = metrics(port)
        dm = {k: m1.get(k, 0) - m0.get(k, 0) for k in m1}
        e, n = len(events), args.clients
        deliveries = sum(c.events for c in clients)
        wire = sum(c.event_wire for c in clients)
        plain = sum(len(ref[i]) for i in range(e))  # the JSON payloads, uncompressed
        inflated_frames = sum(len(ref[i]) + (2 if len(ref[i]) < 126 else 4) for i in range(e))
        return {
            "ws_deflate": deflate, "clients": n, "events": e,
            "negotiated": sum(c.deflate for c in clients),
            "deliveries": deliveries,
            "compressed_frames": sum(c.compressed for c in clients),
            "event_json_bytes": round(plain / e, 1),
            "wire_bytes_per_event_per_client": round(wire / deliveries, 1),
            "compression_ratio": round(inflated_frames * n / wire, 2),
            "herald_cpu_s": round(cpu, 2),
            "herald_cpu_ms_per_1000_deliveries": round(cpu * 1000 / deliveries * 1000, 2),
            "publish_wall_s": round(wall, 2), "connect_s": round(connect_s, 2),
            "metric_ws_deflate_sessions": int(m1.get("herald_ws_deflate_sessions_total", 0)),
            "metric_ws_deflate_in_bytes": int(dm.get("herald_ws_deflate_in_bytes_total", 0)),
            "metric_ws_deflate_out_bytes": int(dm.get("herald_ws_deflate_out_bytes_total", 0)),
            "metric_ws_deflate_in_bytes_per_event": round(
                dm.get("herald_ws_deflate_in_bytes_total", 0) / e, 1),
            "metric_ws_delivered": int(dm.get("herald_events_delivered_total", 0)),
        }
    finally:
        for c in clients:
            c.sock.close()
        sel.close()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--herald", default="build/release/herald")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--size", type=int, default=1024, help="bytes of an event's frame JSON")
    ap.add_argument("--batch", type=int, default=5, help="events per POST /publish")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per phase of a run")
    args = ap.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    events = make_events(args.events, args.size)
    results = [run(args, deflate, events) for deflate in (True, False)]
    cols = [("ws_deflate", "deflate"), ("negotiated", "negotiated"),
            ("event_json_bytes", "JSON B"), ("wire_bytes_per_event_per_client", "wire B/event"),
            ("compression_ratio", "ratio"), ("herald_cpu_s", "CPU s"),
            ("herald_cpu_ms_per_1000_deliveries", "CPU ms/1k deliv"),
            ("metric_ws_deflate_in_bytes", "deflate in B"),
            ("metric_ws_deflate_out_bytes", "deflate out B")]
    print("  ".join(f"{h:>{max(len(h), 8)}}" for _, h in cols))
    for r in results:
        print("  ".join(f"{str(r[k]):>{max(len(h), 8)}}" for k, h in cols))
    print(json.dumps({"clients": args.clients, "events": args.events, "size": args.size,
                      "runs": results}))


if __name__ == "__main__":
    main()
