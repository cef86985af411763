"""herald's performance targets (issue 4), checked against one bench/run.sh JSON.

A target is judged only at the size it names (counted as what actually
subscribed); a smaller run (--quick, --smoke) or a missing peer gives "n/a".
"""
from report_data import fmt, number

KIB = 1024


def verdict(ok):
    return "**met**" if ok else "**not met**"


def herald_run(index, scenario, transport, need):
    """herald's run, or (None, reason) when it cannot be judged."""
    run = index.baseline(scenario, transport)
    if run is None:
        other = index.find("herald", scenario, transport)
        return None, (f"herald's {scenario} {transport} run: {other.status}" if other is not None
                      else f"no herald {scenario} {transport} run in this benchmark")
    n = run.get("subscribed")
    if not number(n) or n < need:
        return None, f"measured at {fmt(n)} connections; the target is at {need:,}"
    return run, None


def memory_target(index, transport, limit, need=15000):
    name = "SSE" if transport == "sse" else "WebSocket"
    target = f"≤ {limit / KIB:g} KiB server RSS per idle {name} connection at {need:,}"
    run, why = herald_run(index, "idle", transport, need)
    if run is None:
        return {"target": target, "measured": why, "verdict": "n/a"}
    v = run.get("server_rss_per_connection_bytes")
    if not number(v):
        return {"target": target, "measured": "no RSS figure", "verdict": "n/a"}
    return {"target": target, "measured": f"{fmt(v)} B ({v / KIB:.2f} KiB)", "verdict": verdict(v <= limit)}


def throughput_target(index, peer, factor, transport, need=10000):
    name = {"nchan": "nginx + nchan", "node": "the Node.js stack", "epoll": "the raw epoll limit"}[peer]
    target = (f"deliveries per server CPU-second ≥ {factor:g}× {name}, {need:,} subscribers, "
              f"100-byte events, {transport.upper()} (saturation run)")
    run, why = herald_run(index, "fanout-saturation", transport, need)
    if run is None:
        return {"target": target, "measured": why, "verdict": "n/a"}
    other = index.find(peer, "fanout-saturation", transport)
    h = run.get("deliveries_per_server_cpu_second")
    p = other.get("deliveries_per_server_cpu_second") if other is not None and other.has_results() else None
    if not number(p) or p <= 0 or not number(h):
        status = other.status if other is not None else "not run"
        return {"target": target, "measured": f"herald {fmt(h)}; {peer}: {status}", "verdict": "n/a"}
    return {"target": target, "measured": f"herald {fmt(h)}, {peer} {fmt(p)}: {h / p:.2f}×",
            "verdict": verdict(h / p >= factor)}


def latency_target(index, scenario, transport, need=10000):
    shape = "one channel" if scenario == "fanout" else "per-subscriber channels"
    target = f"publish→delivery p99 ≤ 2 ms, {need:,} subscribers, 1,000 events/s, {shape}, {transport.upper()}"
    run, why = herald_run(index, scenario, transport, need)
    if run is None:
        return {"target": target, "measured": why, "verdict": "n/a"}
    p99 = run.latency("p99")
    if not number(p99):
        return {"target": target, "measured": "no latency figure", "verdict": "n/a"}
    missing = run.get("deliveries_missing")
    extra = f", {fmt(missing)} deliveries missing" if number(missing) and missing else ""
    return {"target": target, "measured": f"p99 {fmt(p99)} ms{extra}", "verdict": verdict(p99 <= 2 and not extra)}


def storm_target(index, transport, need=10000):
    target = f"{need:,} clients connected and subscribed in ≤ 1 s, {transport.upper()}"
    storm, why = herald_run(index, "connect-storm", transport, need)
    if storm is None:
        return {"target": target, "measured": why, "verdict": "n/a"}
    s = storm.get("all_subscribed_s")
    if not number(s):
        return {"target": target, "measured": "no time figure", "verdict": "n/a"}
    # The idle scenario connects more clients, 500 at a time: what a server that is not
    # overrunning the kernel's accept queue achieves.
    idle, _ = herald_run(index, "idle", transport, need)
    paced = idle.get("connect_seconds") if idle else None
    measured = f"all at once: {fmt(s)} s"
    if number(paced):
        measured += f"; {fmt(idle.get('subscribed'))} with 500 in flight (idle run): {fmt(paced)} s"
    return {"target": target, "measured": measured, "verdict": verdict(s <= 1)}


def evaluate_targets(index):
    out = [memory_target(index, "sse", 1536), memory_target(index, "ws", 4096)]
    for transport in ("sse", "ws"):
        out += [throughput_target(index, "nchan", 2, transport),
                throughput_target(index, "node", 5, transport),
                throughput_target(index, "epoll", 0.5, transport)]
    for scenario in ("fanout", "fanout-channels"):
        out += [latency_target(index, scenario, t) for t in ("sse", "ws")]
    out += [storm_target(index, t) for t in ("sse", "ws")]
    return out
