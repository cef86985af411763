"""Reading bench/run.sh's JSON for bench/report.py: one Run per herald-bench run.

herald-bench's figures sit in result["results"] (fan-out, flat) or
result["results"][transport] (idle); Run.get looks in both, then in the
summary, so the report survives scenarios that nest their figures either way.
"""


class Run:
    def __init__(self, entry):
        self.entry = entry
        self.server = entry.get("server") or "?"
        self.scenario = entry.get("scenario") or "?"
        self.transport = entry.get("transport") or "?"
        self.status = entry.get("status") or "?"
        self.result = entry.get("result") or {}

    def _places(self):
        out = []
        for top in ("results", "summary"):
            block = self.result.get(top)
            if isinstance(block, dict):
                if isinstance(block.get(self.transport), dict):
                    out.append(block[self.transport])
                out.append(block)
        return out

    def get(self, *keys):
        """The first of KEYS found (a number, string or dict), else None."""
        for place in self._places():
            for key in keys:
                if key in place and place[key] is not None:
                    return place[key]
        return None

    def param(self, key):
        params = self.result.get("params")
        return params.get(key) if isinstance(params, dict) else None

    def latency(self, pct):
        lat = self.get("latency_ms")
        if isinstance(lat, dict) and isinstance(lat.get("fast"), dict):
            lat = lat["fast"]  # slow-consumers: what the well-behaved subscribers see
        return lat.get(pct) if isinstance(lat, dict) else None

    def storm_seconds(self):
        """Connect storm: until every client has its first event (servers that do not
        confirm a subscription are comparable only there)."""
        return self.get("all_first_event_s")

    def percentile(self, block, pct):
        """pct of a histogram block such as first_event_ms or fast_latency_ms."""
        hist = self.get(block)
        return hist.get(pct) if isinstance(hist, dict) else None

    def has_results(self):
        return isinstance(self.result.get("results"), dict)

    def error(self):
        err = self.result.get("error") or self.get("error")
        if err:
            return str(err)
        for key in ("start_stderr", "bench_stderr"):
            lines = [l for l in (self.entry.get(key) or "").splitlines()
                     if l.strip() and not l.startswith("Run with --help")]
            if lines:
                return lines[-1].strip()
        return ""

    def status_text(self):
        err = self.error()
        text = self.status + (": " + err if err and self.status != "missing" else "")
        return text.replace("|", "/")[:160]


class RunIndex:
    def __init__(self, doc):
        self.runs = [Run(e) for e in doc.get("runs", [])]

    def servers(self):
        seen = []
        for r in self.runs:
            if r.server not in seen:
                seen.append(r.server)
        return seen

    def runs_of(self, scenario):
        return [r for r in self.runs if r.scenario == scenario]

    def find(self, server, scenario, transport):
        for r in self.runs:
            if (r.server, r.scenario, r.transport) == (server, scenario, transport):
                return r
        return None

    def baseline(self, scenario, transport):
        r = self.find("herald", scenario, transport)
        return r if r is not None and r.has_results() else None

    def value(self, server, scenario, transport, f):
        r = self.find(server, scenario, transport)
        if r is None or not r.has_results():
            return None
        v = f(r)
        return v if isinstance(v, (int, float)) else None


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def ratio(base, value, kind):
    """herald's advantage: base/value when higher is better, value/base when lower is."""
    if not (number(base) and number(value)):
        return None
    num, den = (base, value) if kind == "higher" else (value, base)
    return num / den if den > 0 else None


def fmt(v, ratio_fmt=False):
    if v is None:
        return "–"
    if isinstance(v, bool) or not number(v):
        return str(v).replace("|", "/")
    if ratio_fmt:
        return f"{v:.2f}×"
    if isinstance(v, int) or (abs(v) >= 1000 and float(v).is_integer()):
        return f"{int(v):,}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"
