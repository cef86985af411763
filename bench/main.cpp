// herald-bench: load generator for herald. See bench/README.md.
#include "options.hpp"
#include "proc_stats.hpp"
#include "scenarios.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace {

// The headline figures, copied from the detailed results.
nlohmann::json summarize(const std::string& scenario, const nlohmann::json& results) {
    auto pick = [](const nlohmann::json& from, std::initializer_list<const char*> keys) {
        nlohmann::json out = nlohmann::json::object();
        for (const char* k : keys)
            if (from.contains(k))
                out[k] = from[k];
        return out;
    };
    if (scenario == "idle") {
        nlohmann::json s = nlohmann::json::object();
        for (const auto& [transport, r] : results.items())
            s[transport] = pick(r, {"subscribed", "server_rss_per_connection_bytes",
                                    "server_rss_per_connection_bytes_from_run_start",
                                    "tcp_mem_delta_bytes", "tcp_mem_per_connection_bytes_both_ends",
                                    "kernel_slab_per_connection_bytes_both_ends"});
        return s;
    }
    if (scenario == "connect-storm")
        return pick(results, {"connected", "connect_failed", "all_connected_s", "all_subscribed_s",
                              "all_first_event_s", "first_event_ms"});
    if (scenario == "slow-consumers")
        return pick(results, {"server_rss_before_kb", "server_rss_peak_kb", "server_rss_after_kb",
                              "fast_latency_ms", "fast_deliveries_missing", "slow_closed_by_server",
                              "slow_subscribers"});
    auto s =
        pick(results, {"deliveries_per_s", "server_cpu_seconds", "deliveries_per_server_cpu_second",
                       "deliveries_missing", "subscribers_dropped", "resets",
                       "deliveries_unannounced"});
    if (results.contains("latency_ms"))
        s["latency_ms"] = pick(results["latency_ms"], {"p50", "p99", "p999"});
    return s;
}

} // namespace

int main(int argc, char** argv) {
    bench::Options o;
    if (int rc = bench::parse_options(argc, argv, o); rc >= 0)
        return rc;
    std::signal(SIGPIPE, SIG_IGN);
    // Last resort if something hangs past the deadline logic: the kernel ends
    // us, and the generator children follow (PR_SET_PDEATHSIG).
    ::alarm(static_cast<unsigned>(o.timeout) + 30);
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout * 1000));
    auto nofile = bench::raise_nofile_limit();

    nlohmann::json out;
    out["scenario"] = o.scenario;
    out["server"] = o.server;
    out["transport"] = o.transport;
    out["endpoint"] = {{"host", o.host},
                       {"port", o.port},
                       {"publish_port", o.publish_port},
                       {"redis_port", o.redis_port},
                       {"pids", o.server_pids}};
    out["generator"] = {{"threads_per_process", o.threads},
                        {"per_process", o.per_process},
                        {"inflight", o.inflight},
                        {"nofile_limit", nofile},
                        {"cpus", std::thread::hardware_concurrency()}};
    out["page_size"] = bench::page_size();
    // Other work on the machine skews CPU and latency figures: say how busy it was.
    out["load_average_before"] = bench::load_average();
    bool ok = true;
    try {
        if (o.scenario == "idle") {
            out["params"] = {
                {"transport", o.transport}, {"connections", o.connections}, {"hold", o.hold},
                {"ws_deflate", o.ws_deflate}};
            out["results"] = bench::run_idle(o, deadline);
            for (auto& [k, v] : out["results"].items())
                ok = ok && !v.contains("error");
        } else if (o.scenario == "connect-storm") {
            out["params"] = {{"transport", o.transport},     {"connections", o.connections},
                             {"interval_ms", o.interval_ms}, {"size", o.size},
                             {"inflight", o.inflight},       {"per_process", o.per_process}};
            out["results"] = bench::run_connect_storm(o, deadline);
            ok = !out["results"].contains("error");
        } else if (o.scenario == "slow-consumers") {
            out["params"] = {{"transport", o.transport},
                             {"subscribers", o.subscribers},
                             {"slow_share", o.slow_share},
                             {"slow_rcvbuf", o.slow_rcvbuf},
                             {"rate", o.rate},
                             {"size", o.size},
                             {"duration", o.duration},
                             {"settle", o.settle}};
            out["results"] = bench::run_slow_consumers(o, deadline);
            ok = !out["results"].contains("error");
        } else {
            out["params"] = {{"transport", o.transport},
                             {"subscribers", o.subscribers},
                             {"channels", o.channels},
                             {"channels_text", o.channels_text},
                             {"rate", o.rate},
                             {"size", o.size},
                             {"duration", o.duration},
                             {"publishers", o.publishers},
                             {"settle", o.settle}};
            out["results"] = bench::run_fanout(o, deadline);
            ok = !out["results"].contains("error");
        }
    } catch (const std::exception& e) {
        out["error"] = e.what();
        ok = false;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
        out["error"] = "global timeout reached";
        ok = false;
    }
    out["load_average_after"] = bench::load_average();
    if (out.contains("results"))
        out["summary"] = summarize(o.scenario, out["results"]);
    std::cout << out.dump(2) << std::endl;
    return ok ? 0 : 1;
}
