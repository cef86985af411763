#!/usr/bin/env python3
"""Renders docs/benchmarks.md (and its gnuplot PNGs) from a bench/run.sh JSON.

    bench/report.py bench/results/<date>-<host>.json [--out docs/benchmarks.md] [--img docs/img]
                    [--findings docs/benchmarks-findings.md]

Python 3 standard library only; the plots need gnuplot (skipped with a note
when it is absent). The findings file is hand-written and copied in verbatim,
so profiling notes survive regeneration.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from fresh_rate import FRESH_P99_MS, fresh
from report_targets import evaluate_issue13_targets, evaluate_issue14_targets, evaluate_targets
from report_data import RunIndex, fmt, ratio

HERE = os.path.dirname(os.path.abspath(__file__))

# Per scenario: heading, what it runs, and the columns of its table:
# (header, function(run) -> value, ratio kind or None).
FANOUT_COLUMNS = [
    ("subscribed", lambda r: r.get("subscribed"), None),
    ("offered/s", lambda r: r.get("deliveries_offered_per_s") or None, None),  # 0 = unpaced
    ("deliveries/s", lambda r: r.get("deliveries_per_s"), None),
    ("server CPU s", lambda r: r.get("server_cpu_seconds"), None),
    ("deliveries / server CPU-s", lambda r: r.get("deliveries_per_server_cpu_second"), "higher"),
    ("p50 ms", lambda r: r.latency("p50"), None),
    ("p99 ms", lambda r: r.latency("p99"), "lower"),
    ("p999 ms", lambda r: r.latency("p999"), None),
    ("missing", lambda r: r.get("deliveries_missing"), None),
    ("dropped", lambda r: r.get("subscribers_dropped"), None),
    ("resets", lambda r: r.get("resets"), None),
    # missing, less what resets counted and what came after a cut: a loss nobody was told of
    ("unannounced", lambda r: r.get("deliveries_unannounced"), None),
]
SCENARIOS = [
    ("idle", "Idle connections: server memory per connection",
     "Each transport on a fresh server: N connections, each subscribed to its own channel; server RSS "
     "growth divided by N (all the server's processes).",
     [("subscribed", lambda r: r.get("subscribed"), None),
      ("RSS bytes / connection", lambda r: r.get("server_rss_per_connection_bytes"), "lower"),
      ("connect s", lambda r: r.get("connect_seconds"), None)]),
    ("fanout", "Fan-out, one channel, 1,000 events/s",
     "Every subscriber on one channel; 100-byte events at 1,000 events/s.", FANOUT_COLUMNS),
    ("fanout-saturation", "Fan-out, one channel, as fast as accepted",
     "Every subscriber on one channel; 100-byte events published back to back (--rate 0): "
     "deliveries per server CPU-second.", FANOUT_COLUMNS),
    ("fanout-channels", "Per-subscriber channels, 1,000 events/s",
     "Each subscriber on its own channel; 100-byte events at 1,000 events/s spread over the channels.",
     FANOUT_COLUMNS),
    ("connect-storm", "Connect storm",
     "N clients connect and subscribe all at once (more than the kernel's accept queue, somaxconn "
     "4096 here, holds); a small event is published to their channel every 50 ms. \"subscribed\" is "
     "herald's confirmation, or the response head for servers that confirm nothing.",
     [("subscribed", lambda r: r.get("subscribed"), None),
      ("connect failures", lambda r: r.get("connect_failed"), None),
      ("all connected s", lambda r: r.get("all_connected_s"), None),
      ("all subscribed s", lambda r: r.get("all_subscribed_s"), None),
      ("first event p50 ms", lambda r: r.percentile("first_event_ms", "p50"), None),
      ("all received an event s", lambda r: r.storm_seconds(), "lower")]),
    ("slow-consumers", "Slow consumers",
     "10% of the subscribers never read (4 KiB receive buffers); 1,000-byte events at 100 events/s on one channel. "
     "What the others see, what the server does with the slow ones, and its memory.",
     [("subscribed", lambda r: r.get("subscribed"), None),
      ("fast p50 ms", lambda r: r.percentile("fast_latency_ms", "p50"), None),
      ("fast p99 ms", lambda r: r.percentile("fast_latency_ms", "p99"), "lower"),
      ("fast missing", lambda r: r.get("fast_deliveries_missing"), None),
      ("fast closed by server", lambda r: r.get("fast_dropped_by_server"), None),
      ("slow closed by server", lambda r: r.get("slow_closed_by_server"), None),
      ("RSS before KB", lambda r: r.get("server_rss_before_kb"), None),
      ("RSS peak KB", lambda r: r.get("server_rss_peak_kb"), "lower")]),
]
RATIO_TEXT = ("In the tables below, herald × compares each server with herald (embedded broker) on the same transport: "
              "peer / herald for memory, latency and time, herald / peer for deliveries per CPU-second; "
              "above 1 means herald does better. A failed run shows its status; every run's full "
              "herald-bench output is in {json}.")


def scenario_table(index, scenario, columns):
    ratio_cols = [(h, f, k) for h, f, k in columns if k]
    head = ["server", "transport"] + [h for h, _, _ in columns]
    head += [f"herald × ({h})" for h, _, _ in ratio_cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for run in index.runs_of(scenario):
        if run.status == "missing":
            continue  # listed once, under the versions
        cells = [run.server, run.transport]
        if run.status != "ok" and not run.has_results():
            cells += [run.status_text()] + [""] * (len(columns) - 1 + len(ratio_cols))
        else:
            cells += [fmt(f(run)) for _, f, _ in columns]
            base = index.baseline(scenario, run.transport)
            for _, f, kind in ratio_cols:
                cells.append("" if run.server == "herald" or base is None else
                             fmt(ratio(f(base), f(run), kind), ratio_fmt=True))
            if run.status != "ok":
                cells[0] += f" ({run.status})"
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def fresh_rates(index):
    """Per (server, transport) of the fresh-rate ladder, in run order: the highest
    fresh step (a Run or None) and the first step that was not, with why."""
    out = {}
    for run in index.runs_of("fresh-rate"):
        key = (run.server, run.transport)
        best, stop, why = out.get(key, (None, None, ""))
        if stop is not None:
            continue  # the ladder stops at the first step that is not fresh
        ok, reason = fresh(run.result) if run.status == "ok" else (False, run.status_text())
        if ok:
            best = run
        else:
            stop, why = run, reason
        out[key] = (best, stop, why)
    return out


def fresh_rate_table(index):
    head = ["server", "transport", "highest fresh rate (events/s)", "deliveries/s", "p50 ms", "p99 ms",
            "server CPU s", "next step", "why not fresh"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (server, transport), (best, stop, why) in fresh_rates(index).items():
        cells = [server, transport]
        if best is None:
            # Not fresh even at the lowest step: below it; a peer that did not run: nothing.
            below = stop is not None and stop.status == "ok"
            cells += [f"< {fmt(stop.entry.get('rate'))}" if below else "–", "", "", "", ""]
        else:
            cells += [fmt(best.entry.get("rate")), fmt(best.get("deliveries_per_s")),
                      fmt(best.latency("p50")), fmt(best.latency("p99")), fmt(best.get("server_cpu_seconds"))]
        cells += [fmt(stop.entry.get("rate")) if stop else "none left", why.replace("|", "/")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def plot(script, outfile, datafile):
    gp = shutil.which("gnuplot")
    if not gp:
        return "gnuplot is not installed: no plot"
    cmd = [gp, "-e", f"datafile='{datafile}'; outfile='{outfile}'", os.path.join(HERE, "plot", script)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return None if res.returncode == 0 else "gnuplot failed: " + res.stderr.strip()[-300:]


def plots(index, img_dir, page_dir):
    """Writes the two PNGs; returns markdown lines linking them (or saying why not)."""
    os.makedirs(img_dir, exist_ok=True)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        mem = os.path.join(tmp, "memory.dat")
        with open(mem, "w") as f:
            for server in index.servers():
                vals = [index.value(server, "idle", t, lambda r: r.get("server_rss_per_connection_bytes"))
                        for t in ("sse", "ws")]
                if any(v is not None for v in vals):
                    f.write(server + " " + " ".join("NaN" if v is None else f"{v:.1f}" for v in vals) + "\n")
        lat = os.path.join(tmp, "latency.dat")
        with open(lat, "w") as f:
            for scenario in ("fanout", "fanout-channels"):
                f.write(f"# {scenario}: label p50 p99 p999\n")
                rows = 0
                for run in index.runs_of(scenario):
                    vals = [run.latency(p) for p in ("p50", "p99", "p999")]
                    if all(isinstance(v, (int, float)) for v in vals):
                        f.write(f"{run.server}/{run.transport} " + " ".join(f"{max(v, 0.001):.4f}" for v in vals) + "\n")
                        rows += 1
                if not rows:
                    f.write("none NaN NaN NaN\n")
                f.write("\n\n")
        ladders = fresh_rates(index)
        rates = os.path.join(tmp, "fresh.dat")
        with open(rates, "w") as f:
            for (server, transport), (best, _, _) in ladders.items():
                # 0: not fresh even at the lowest step (or not run); the bar is absent, the label stays.
                f.write(f"{server}/{transport} {best.entry.get('rate') if best else 0}\n")
        charts = [("bench-memory.png", "memory.gp", mem, "server RSS per idle connection"),
                  ("bench-latency.png", "latency.gp", lat, "publish→delivery latency")]
        if ladders:
            charts.append(("bench-fresh-rate.png", "fresh-rate.gp", rates, "highest rate that stays fresh"))
        for name, script, data, alt in charts:
            out = os.path.join(img_dir, name)
            err = plot(script, out, data)
            rel = os.path.relpath(out, page_dir)
            lines += [f"_{alt}: {err}_" if err else f"![{alt}]({rel})", ""]
    return lines


def machine_lines(doc):
    m, v = doc.get("machine", {}), doc.get("versions", {})
    mem = m.get("mem_total_kib")
    lines = [f"* machine: {m.get('hostname')}, {m.get('nproc')} CPUs ({m.get('cpu_model')}), "
             f"{fmt(mem / 1048576 if mem else None)} GiB RAM, kernel {m.get('kernel')}, {m.get('os', '')}",
             f"* load average before / after: {m.get('load_average_before')} / {m.get('load_average_after')}",
             f"* herald source: `{v.get('herald_git_describe')}` (git describe)"]
    for name, ver in v.get("servers", {}).items():
        lines.append(f"* {name}: " + ("missing (no bench/peers/" + name + "/): not run" if ver == "missing"
                                      else ver or "unknown"))
    lines += [f"* mode: {doc.get('mode')}, sizes: {doc.get('sizes')}, {doc.get('seconds')} s in all,"
              f" generated {doc.get('generated_utc')}",
              "", "```sh", doc.get("command", ""), "```"]
    return lines


def render(doc, json_path, out, img_dir, findings):
    index = RunIndex(doc)
    page_dir = os.path.dirname(os.path.abspath(out))
    lines = ["# Benchmarks", "",
             "<!-- Generated by bench/report.py from bench/run.sh's JSON; edit "
             f"{os.path.basename(findings)} for the Findings section, not this file. -->", "",
             "herald against its peers on one machine, each run on a freshly started server, servers "
             "alternating within each scenario. Reproduce with the command below (see bench/README.md).", "",
             "## Machine, versions, command", ""]
    lines += machine_lines(doc)
    lines += ["", "## Targets (issue 4)", "", "| target | measured | |", "|---|---|---|"]
    for t in evaluate_targets(index):
        lines.append(f"| {t['target']} | {t['measured']} | {t['verdict']} |")
    for issue, targets in (("13", evaluate_issue13_targets), ("14", evaluate_issue14_targets)):
        lines += ["", f"## Targets (issue {issue})", "", "| target | measured | |", "|---|---|---|"]
        for t in targets(index):
            lines.append(f"| {t['target']} | {t['measured']} | {t['verdict']} |")
    lines += ["", "## Plots", ""] + plots(index, img_dir, page_dir) + [RATIO_TEXT.format(json=f"`{json_path}`")]
    for scenario, title, what, columns in SCENARIOS:
        if not index.runs_of(scenario):
            continue
        lines += ["", f"## {title}", "", what, ""] + scenario_table(index, scenario, columns)
    if index.runs_of("fresh-rate"):
        lines += ["", "## Highest rate that stays fresh", "",
                  f"One channel, every subscriber on it, 100-byte events, 3 s of publishing per step on a fresh "
                  f"server; the rate climbs a ladder until a step is not fresh: p99 over {FRESH_P99_MS} ms, "
                  "or any event missing, any subscriber cut or reset. The highest fresh step is the honest "
                  "capacity figure for live fan-out.", ""] + fresh_rate_table(index)
    lines += ["", "## Findings", ""]
    try:
        with open(findings, encoding="utf-8") as f:
            lines.append(f.read().rstrip())
    except OSError:
        lines.append(f"_No findings yet: write them in {findings}._")
    os.makedirs(page_dir, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--out", default="docs/benchmarks.md")
    ap.add_argument("--img", default="docs/img")
    ap.add_argument("--findings", default=os.path.relpath(os.path.join(HERE, "..", "docs", "benchmarks-findings.md")))
    a = ap.parse_args()
    with open(a.json, encoding="utf-8") as f:
        doc = json.load(f)
    render(doc, a.json, a.out, a.img, a.findings)
    print(f"report: {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
