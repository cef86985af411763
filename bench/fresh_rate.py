#!/usr/bin/env python3
"""The fresh-rate scenario's one rule: is a fan-out run at a given rate still fresh?

    bench/fresh_rate.py RESULT.json   # exit 0 fresh, 1 not fresh (reason on stdout)

bench/run.sh climbs its rate ladder until a step is not fresh; bench/report.py
judges the steps with the same function, so the page and the run agree.
Fresh: every subscriber got every event (none missing, none cut, no reset) and
the publish->delivery p99 stayed within FRESH_P99_MS.
"""
import json
import sys

FRESH_P99_MS = 100


def fresh(result):
    """(True, "") or (False, why) for one herald-bench fan-out result."""
    if not isinstance(result, dict) or not isinstance(result.get("results"), dict):
        return False, "no result"
    r = result["results"]
    if r.get("error"):
        return False, str(r["error"])
    for key, what in (("deliveries_missing", "missing"), ("subscribers_dropped", "cut"),
                      ("resets", "reset")):
        if (r.get(key) or 0) > 0:
            return False, f"{r[key]:,} {what}"
    p99 = (r.get("latency_ms") or {}).get("p99")
    if not isinstance(p99, (int, float)):
        return False, "no latency figure"
    if p99 > FRESH_P99_MS:
        return False, f"p99 {p99:,.0f} ms"
    return True, ""


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench/fresh_rate.py RESULT.json")
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            result = json.load(f)
    except (OSError, ValueError) as e:
        result = None
        print(f"unreadable result: {e}")
    ok, why = fresh(result)
    if not ok:
        print(why)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
