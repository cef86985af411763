// Connect storm: K clients connect and subscribe to one channel at once while
// a publisher sends a small event every --interval-ms from t0; how long until
// every client is connected, subscribed, and has received its first event.
#include "proc_stats.hpp"
#include "scenarios.hpp"
#include "stream_parser.hpp"

#include <atomic>

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

// Seconds from t0 to `ns`, or null when not everyone got there.
nlohmann::json since_t0(std::uint64_t ns, std::uint64_t t0, bool everyone) {
    if (!everyone || ns < t0)
        return nullptr;
    return static_cast<double>(ns - t0) / 1e9;
}

} // namespace

nlohmann::json run_connect_storm(const Options& o, SteadyTime deadline) {
    nlohmann::json r;
    const std::uint64_t k = o.connections;
    PoolConfig all = base_pool_config(o);
    all.count = o.connections;
    all.fixed_channel = "storm";
    all.start_ns = steady_ns(); // t0
    auto plans = plan_children(all, o.per_process, o.inflight);
    r["generator_processes"] = plans.size();
    r["server_rss_before_kb"] = server_rss_json(o);
    auto cpu_before = cpu_seconds(o.server_pids);

    Children children;
    children.spawn(plans, deadline + std::chrono::seconds(2));
    std::atomic<bool> stop{false};
    PublishPlan plan = base_publish_plan(o, 1, "");
    plan.fixed_channel = "storm";
    plan.rate = 1000.0 / o.interval_ms;
    plan.publishers = 1;
    plan.first_at_start = true;
    plan.duration = std::chrono::duration<double>(deadline - Clock::now()).count();
    plan.stop = &stop;
    auto publishing = start_publisher(plan, deadline);

    // Until every client has its first event, or has failed.
    bool complete = false;
    while (Clock::now() < deadline && !children.exited_early()) {
        children.poll(20);
        auto p = children.progress();
        if (p.firsts + p.failed + p.dropped >= k) {
            complete = true;
            break;
        }
    }
    const double elapsed = static_cast<double>(steady_ns() - all.start_ns) / 1e9;
    stop = true;
    auto publish = publishing.get();
    auto cpu_after = cpu_seconds(o.server_pids);
    r["server_rss_after_kb"] = server_rss_json(o);
    if (cpu_before && cpu_after)
        r["server_cpu_seconds"] = *cpu_after - *cpu_before;
    children.finish(
        std::min(deadline + std::chrono::seconds(1), Clock::now() + std::chrono::seconds(15)));
    auto finals = children.finals();
    if (finals.size() != plans.size())
        r["error"] = "a generator process did not report back; counts are partial";
    else if (!complete)
        r["error"] = "not every client received an event before the timeout";

    Histogram first;
    std::uint64_t last_connect = 0, last_subscribe = 0;
    for (const auto& f : finals) {
        first.merge_json(f["first_event"]);
        last_connect = std::max(last_connect, f.value("last_connect_ns", std::uint64_t{0}));
        last_subscribe = std::max(last_subscribe, f.value("last_subscribe_ns", std::uint64_t{0}));
    }
    const std::uint64_t connected = sum_field(finals, "connected");
    const std::uint64_t subscribed = sum_field(finals, "subscribed");
    const std::uint64_t firsts = sum_field(finals, "firsts");
    r["clients"] = k;
    r["connected"] = connected;
    r["connect_failed"] = k - std::min(k, connected);
    r["subscribed"] = subscribed;
    r["failed_before_subscribed"] = sum_field(finals, "failed");
    r["dropped_after_subscribed"] = sum_field(finals, "dropped");
    r["received_first_event"] = firsts;
    r["subscribed_means"] = o.profile->herald ? "server confirmation" : "response head";
    r["all_connected_s"] = since_t0(last_connect, all.start_ns, connected == k);
    r["all_subscribed_s"] = since_t0(last_subscribe, all.start_ns, subscribed == k);
    r["all_first_event_s"] =
        since_t0(all.start_ns + first.max(), all.start_ns, firsts == k && first.count() == k);
    r["first_event_ms"] = first.summary(1e6); // t0 -> first event, per client
    r["storm_seconds"] = elapsed;
    r["publisher"] = publish.to_json();
    r["stale_events"] = sum_field(finals, "stale"); // stamped before this run: replayed
    r["errors"] = merge_errors(finals);
    return r;
}

} // namespace bench
