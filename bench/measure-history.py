#!/usr/bin/env python3
"""The Redis cost of shared history per publish, against plain PUBLISH.

Starts a redis-server and one herald on loopback, twice: with
history_backend = "redis" (each POST /publish event runs herald_publish:
XADD + PEXPIRE + PUBLISH in one FCALL) and with "memory" (one PUBLISH).
Publishes N events of about `--size` bytes of JSON to `--channels` channels
(one subscriber each, so the events make the whole trip) and reports, per
event: commands herald sent, Redis CPU (INFO commandstats usec), bytes into
and out of Redis (INFO stats), and the memory of a stream per stored event.

    bench/measure-history.py --herald build/release/herald --events 20000
"""
import argparse
import json
import os
import subprocess
import tempfile
import time
import urllib.request

from measure_util import free_port, wait_ready


def redis(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True,
                          check=True).stdout


def info(port, section):
    return dict(line.split(":", 1) for line in redis(port, "INFO", section).splitlines()
                if ":" in line)


def commandstats(port):
    out = {}
    for name, value in info(port, "commandstats").items():
        fields = dict(kv.split("=") for kv in value.split(","))
        out[name.removeprefix("cmdstat_")] = (int(fields["calls"]), int(fields["usec"]))
    return out


def run(args, backend):
    redis_port, port = free_port(), free_port()
    procs = [subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)]
    try:
        time.sleep(0.3)
        procs.append(subprocess.Popen(
            [args.herald, "--listen", f"127.0.0.1:{port}", "--threads", "2", "--insecure",
             "--log-level", "warn", "--redis-url", f"redis://127.0.0.1:{redis_port}",
             "--history-backend", backend], stderr=subprocess.DEVNULL))
        wait_ready(port)
        # One subscriber per channel: the event comes back from Redis as in production.
        subs = [urllib.request.urlopen(f"http://127.0.0.1:{port}/events?channel=c{i}", timeout=30)
                for i in range(args.channels)]
        time.sleep(0.5)
        before_cmd, before_stats = commandstats(redis_port), info(redis_port, "stats")
        data = "x" * args.size
        sent, batch = 0, 100
        while sent < args.events:
            body = json.dumps([{"channel": f"c{(sent + i) % args.channels}", "data": {"t": data}}
                               for i in range(batch)]).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/publish", data=body,
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=30).read()
            sent += batch
        time.sleep(0.5)
        after_cmd, after_stats = commandstats(redis_port), info(redis_port, "stats")
        calls = usec = 0
        per = {}
        for name, (c, u) in after_cmd.items():
            c0, u0 = before_cmd.get(name, (0, 0))
            if name in ("ping", "info", "publish", "fcall", "xadd", "pexpire") and c > c0:
                per[name] = round((c - c0) / sent, 2)
            if name in ("publish", "fcall"):  # what herald sent for the events (and canaries)
                calls += c - c0
                usec += u - u0
        net_in = int(after_stats["total_net_input_bytes"]) - int(before_stats["total_net_input_bytes"])
        net_out = int(after_stats["total_net_output_bytes"]) - int(before_stats["total_net_output_bytes"])
        result = {
            "backend": backend, "events": sent, "data_bytes": args.size,
            "redis_calls_per_event": per,
            "redis_usec_per_event": round(usec / sent, 2),
            "redis_bytes_in_per_event": round(net_in / sent, 1),
            "redis_bytes_out_per_event": round(net_out / sent, 1),
        }
        if backend == "redis":
            key = "#history{c0}"
            entries = int(redis(redis_port, "XLEN", key))
            memory = int(redis(redis_port, "MEMORY", "USAGE", key, "SAMPLES", "0"))
            result["stream_entries"] = entries
            result["stream_bytes_per_entry"] = round(memory / max(entries, 1), 1)
        for s in subs:
            s.close()
        return result
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=15)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--herald", default="build/release/herald")
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--size", type=int, default=200)
    a = parser.parse_args()
    for backend in ("memory", "redis"):
        print(json.dumps(run(a, backend)))
