#!/usr/bin/env python3
"""The cost of shared presence at N members of one channel, with Redis.

Starts a redis-server and two herald nodes on loopback: A holds N anonymous
SSE subscribers of room:big (each one its own member), C holds none. Then
reports Redis' memory and commands per member, A's RSS per member, and the
time of a presence query answered from A's registry and from C, which reads
Redis (the snapshot script) because it does not follow the channel.
join_leave is off: with it, each of N joins would go to every subscriber.

    bench/measure-presence.py --herald build/release/herald --members 10000
"""
import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request

from measure_util import free_port, rss_kb


def redis_info(port, section):
    out = subprocess.run(["redis-cli", "-p", str(port), "INFO", section],
                         capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def eval_calls(port):
    stats = redis_info(port, "commandstats").get("cmdstat_eval", "calls=0")
    return int(stats.split(",")[0].split("=")[1])


def presence(port):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/presence?channel=room:big",
                                 headers={"Authorization": "Bearer pk"})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
    return time.perf_counter() - start, body


def wait_listening(port):
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


async def open_one(port, writers, sem):
    async with sem:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /events?channel=room:big HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        await reader.readuntil(b"retry:")
        writers.append(writer)


async def main(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="herald-presence-")
    config = os.path.join(work, "presence.toml")
    with open(config, "w") as f:
        f.write('[[namespace]]\npattern = "room:*"\npresence = true\n')
    redis_port = free_port()
    procs = [subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)]
    try:
        wait_listening(redis_port)
        ports = []
        for _ in range(2):
            port = free_port()
            procs.append(subprocess.Popen(
                [args.herald, "--listen", f"127.0.0.1:{port}", "--threads", "2", "--insecure",
                 "--log-level", "warn", "--max-connections-per-ip", "0", "--publish-key", "pk",
                 "--redis-url", f"redis://127.0.0.1:{redis_port}", "--config", config],
                stderr=subprocess.DEVNULL))
            wait_listening(port)
            ports.append(port)
        a, c = ports
        time.sleep(1)
        memory_before = int(redis_info(redis_port, "memory")["used_memory"])
        evals_before = eval_calls(redis_port)
        rss_before = rss_kb(procs[1].pid)

        writers = []
        sem = asyncio.Semaphore(500)
        started = time.perf_counter()
        await asyncio.gather(*(open_one(a, writers, sem) for _ in range(args.members)))
        while len(json.loads(presence(a)[1])["members"]) < args.members:
            await asyncio.sleep(0.1)
        joined = time.perf_counter() - started

        memory = int(redis_info(redis_port, "memory")["used_memory"]) - memory_before
        evals = eval_calls(redis_port) - evals_before
        rss = rss_kb(procs[1].pid) - rss_before
        local = [presence(a) for _ in range(args.queries)]
        remote = [presence(c) for _ in range(args.queries)]
        assert len(json.loads(remote[0][1])["members"]) == args.members, "C sees them all"
        ms = lambda samples: statistics.median(t for t, _ in samples) * 1000
        print(json.dumps({
            "members": args.members,
            "subscribed_and_listed_s": round(joined, 2),
            "redis_bytes_per_member": round(memory / args.members, 1),
            "redis_evals_per_member": round(evals / args.members, 2),
            "herald_rss_bytes_per_member": round(rss * 1024 / args.members, 1),
            "answer_bytes": len(local[0][1]),
            "query_ms_from_registry": round(ms(local), 2),
            "query_ms_from_redis": round(ms(remote), 2),
        }))
        for w in writers:
            w.close()
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=15)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--herald", default="build/release/herald")
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
