#!/usr/bin/env python3
"""Assembles one benchmark JSON from the run directory bench/run.sh fills.

    bench/collect.py build/bench-runs/<stamp>  > bench/results/<date>-<host>.json

The run directory holds: command, mode, sizes, seconds, herald-git-describe,
loadavg-before/after, versions/<server>, and runs/NNN-<server>-<scenario>-<transport>/
with meta (key=value lines), result.json (herald-bench's stdout) and the
stderr of start.sh, herald-bench and stop.sh. Python 3 standard library only.
"""
import datetime
import json
import os
import platform
import socket
import sys

SIZE_NAMES = ["idle_connections", "idle_hold_seconds", "fanout_subscribers", "fanout_seconds",
              "connect_storm_clients", "slow_consumer_subscribers", "run_bound_seconds"]


def read(path, default=""):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return default


def tail(path, lines=15):
    text = read(path)
    return "\n".join(text.splitlines()[-lines:]) if text else ""


def loadavg(path):
    parts = read(path).split()
    return [float(x) for x in parts[:3]] if len(parts) >= 3 else None


def machine(rundir):
    model = ""
    for line in read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = None
    for line in read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "hostname": socket.gethostname(),
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "os": read("/etc/debian_version") and "Debian " + read("/etc/debian_version"),
        "mem_total_kib": mem_kib,
        "load_average_before": loadavg(os.path.join(rundir, "loadavg-before")),
        "load_average_after": loadavg(os.path.join(rundir, "loadavg-after")),
    }


def run_entry(path):
    meta = {}
    for line in read(os.path.join(path, "meta")).splitlines():
        key, _, value = line.partition("=")
        meta[key] = value
    entry = {
        "server": meta.get("server"),
        "scenario": meta.get("scenario"),
        "transport": meta.get("transport"),
        "status": meta.get("status", "incomplete"),
    }
    if "exit_code" in meta:
        entry["exit_code"] = int(meta["exit_code"])
    if "rate" in meta:  # fresh-rate: the step of the ladder
        rate = float(meta["rate"])
        entry["rate"] = int(rate) if rate.is_integer() else rate
    if "command" in meta:
        entry["command"] = meta["command"]
    if "pids" in meta:
        entry["server_pids"] = [int(p) for p in meta["pids"].split(",") if p]
    raw = read(os.path.join(path, "result.json"))
    if raw:
        try:
            entry["result"] = json.loads(raw)
        except ValueError:
            entry["result_unparsed"] = raw[:2000]
    for name in ("start.err", "bench.err", "stop.err"):
        text = tail(os.path.join(path, name))
        if text:
            entry[name.replace(".err", "_stderr")] = text
    entry["raw_dir"] = path
    return entry


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench/collect.py RUNDIR")
    rundir = sys.argv[1]
    sizes = [int(x) for x in read(os.path.join(rundir, "sizes")).split()]
    runs_dir = os.path.join(rundir, "runs")
    runs = [run_entry(os.path.join(runs_dir, d))
            for d in sorted(os.listdir(runs_dir))] if os.path.isdir(runs_dir) else []
    versions_dir = os.path.join(rundir, "versions")
    servers = {}
    if os.path.isdir(versions_dir):
        order = read(os.path.join(rundir, "servers")).split() or sorted(os.listdir(versions_dir))
        servers = {name: read(os.path.join(versions_dir, name)) for name in order}
    out = {
        "format": "herald-bench-run/1",
        "generated_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": read(os.path.join(rundir, "mode")),
        "sizes": dict(zip(SIZE_NAMES, sizes)),
        "command": read(os.path.join(rundir, "command")),
        "seconds": int(read(os.path.join(rundir, "seconds"), "0") or 0),
        "machine": machine(rundir),
        "versions": {"herald_git_describe": read(os.path.join(rundir, "herald-git-describe")),
                     "servers": servers},
        "runs": runs,
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
