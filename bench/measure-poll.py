#!/usr/bin/env python3
"""Server memory per waiting long poll, against idle SSE on the same run.

Starts a fresh herald (2 I/O threads, --insecure) per transport, so that
neither measurement reuses memory the other freed; opens N connections that
each subscribe to their own channel (user:<i>): GET /events read up to its
"retry:" line, or GET /poll that waits (poll_max_timeout raised so that no
poll answers during the measurement); then compares herald's VmRSS with its
value before the connections.

    bench/measure-poll.py --herald build/release/herald --connections 10000
"""
import argparse
import asyncio
import json
import os
import resource
import subprocess
import time
import urllib.request

from measure_util import free_port, rss_kb


def health(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
        return json.load(r)["connections"]


async def open_one(port, target, wait_for, writers, sem):
    async with sem:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        if wait_for:
            await reader.readuntil(wait_for)
        writers.append(writer)


async def measure(herald, transport, n):
    port = free_port()
    proc = subprocess.Popen([herald, "--listen", f"127.0.0.1:{port}", "--threads", "2",
                             "--log-level", "warn", "--insecure", "--poll-max-timeout", "10m",
                             "--max-connections-per-ip", "0"], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                health(port)
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.5)
        before = rss_kb(proc.pid)
        writers = []
        sem = asyncio.Semaphore(500)
        started = time.monotonic()
        if transport == "sse":
            jobs = [open_one(port, f"/events?channel=user:{i}", b"retry:", writers, sem)
                    for i in range(n)]
        else:
            jobs = [open_one(port, f"/poll?channel=user:{i}&timeout=10m", None, writers, sem)
                    for i in range(n)]
        await asyncio.gather(*jobs)
        # Every poll is waiting (counted as transport "poll") and subscribed.
        deadline = time.monotonic() + 60
        while health(port).get(transport, 0) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
        after = rss_kb(proc.pid)
        counts = health(port)
        result = {"transport": transport, "connections": n,
                  "server_connections": counts.get(transport),
                  "connect_seconds": round(time.monotonic() - started, 2),
                  "rss_before_kb": before, "rss_after_kb": after,
                  "rss_per_connection_bytes": round((after - before) * 1024 / n)}
        for w in writers:
            w.close()
        return result
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--herald", default="build/release/herald")
    ap.add_argument("--connections", type=int, default=10000)
    args = ap.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    results = [asyncio.run(measure(args.herald, t, args.connections)) for t in ("sse", "poll")]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
