// Slow consumers: S subscribers on one channel, a share of which stop reading
// once subscribed (with a small receive buffer, so they back up quickly),
// while events are published at --rate. Does the server's memory stay bounded,
// do the fast subscribers still get every event in time, and does the server
// close the slow ones?
#include "http_probe.hpp"
#include "proc_stats.hpp"
#include "scenarios.hpp"

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

// Polls the children and samples the server's RSS every 100 ms.
struct RssWatch {
    const Options& o;
    Children& children;
    std::int64_t peak = -1;
    std::uint64_t samples = 0;

    void sample() {
        if (auto kb = rss_kb(o.server_pids)) {
            peak = std::max(peak, *kb);
            ++samples;
        }
    }
    // Polls for up to `seconds` (bounded by deadline), or until `done()`.
    template <class Done> void run(double seconds, SteadyTime deadline, Done done) {
        auto until = std::min(
            deadline,
            Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1e3)));
        auto next = Clock::now();
        while (Clock::now() < until && !done()) {
            if (Clock::now() >= next) {
                sample();
                next += std::chrono::milliseconds(100);
            }
            children.poll(20);
        }
    }
};

double metric(const Options& o, const char* series) {
    if (!o.profile->herald)
        return 0;
    return metric_value(http_get(o.host, o.port, "/metrics").value_or(""), series);
}

} // namespace

nlohmann::json run_slow_consumers(const Options& o, SteadyTime deadline) {
    nlohmann::json r;
    PoolConfig all = base_pool_config(o);
    all.count = o.subscribers;
    all.fixed_channel = "slow";
    all.latency = true;
    all.slow_share = o.slow_share;
    all.slow_rcvbuf = o.slow_rcvbuf;
    auto plans = plan_children(all, o.per_process, o.inflight);
    r["generator_processes"] = plans.size();

    Children children;
    children.spawn(plans, deadline + std::chrono::seconds(2));
    bool settled = wait_all_settled(children, o.subscribers, deadline);
    auto subscribed = children.progress();
    r["subscribed"] = subscribed.subscribed;
    r["subscribe_failed"] = subscribed.failed;
    if (!settled || subscribed.subscribed == 0) {
        r["error"] = "subscribers did not all settle (timeout or a generator process died)";
        children.finish(std::min(deadline, Clock::now() + std::chrono::seconds(5)));
        r["errors"] = merge_errors(children.finals());
        return r;
    }
    settle(o, children, deadline);
    RssWatch watch{o, children};
    r["server_rss_before_kb"] = server_rss_json(o);
    const double slow_closes_before = metric(o, "herald_slow_consumer_disconnects_total");
    // herald's drop_oldest and latest policies (bench/configs/): events dropped instead.
    const double dropped_before = metric(o, "herald_events_dropped_total");

    PublishPlan plan = base_publish_plan(o, 1, "");
    plan.fixed_channel = "slow";
    auto publishing = start_publisher(plan, deadline);
    watch.run(o.duration + 60, deadline, [&] {
        return publishing.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    });
    auto publish = publishing.get();
    r["publisher"] = publish.to_json();

    // Fast subscribers: every accepted event, unless the server dropped them.
    std::uint64_t slow_total = 0;
    for (std::uint32_t i = 0; i < o.subscribers; ++i)
        slow_total += is_slow(i, o.slow_share);
    auto fast_expected = [&] {
        return static_cast<double>(publish.events_accepted) *
               static_cast<double>(o.subscribers - slow_total);
    };
    std::uint64_t last = 0;
    auto last_change = Clock::now();
    watch.run(o.drain, deadline, [&] {
        auto p = children.progress();
        if (p.received != last) {
            last = p.received;
            last_change = Clock::now();
        }
        return static_cast<double>(p.received) >= fast_expected() ||
               Clock::now() - last_change > std::chrono::seconds(2);
    });
    r["server_rss_after_kb"] = server_rss_json(o); // the slow ones still stuck (or closed)
    r["slow_closes_metric"] =
        metric(o, "herald_slow_consumer_disconnects_total") - slow_closes_before;
    r["events_dropped_metric"] = metric(o, "herald_events_dropped_total") - dropped_before;

    // Now read the slow ones: a server that closed one shows it as end of stream
    // after whatever was still buffered.
    children.resume_slow();
    watch.run(3, deadline, [] { return false; });
    r["server_rss_peak_kb"] = watch.peak >= 0 ? nlohmann::json(watch.peak) : nullptr;
    r["rss_samples"] = watch.samples;
    r["server_rss_after_release_kb"] = server_rss_json(o);
    children.finish(
        std::min(deadline + std::chrono::seconds(1), Clock::now() + std::chrono::seconds(15)));
    auto finals = children.finals();
    if (finals.size() != plans.size())
        r["error"] = "a generator process did not report back; counts are partial";

    // Subscribers that never subscribed are not expected to receive anything.
    std::uint64_t fast_failed = 0, slow_failed = 0;
    Histogram latency;
    for (const auto& f : finals) {
        for (const auto& idx : f.value("failed_indices", nlohmann::json::array()))
            ++(is_slow(idx.get<std::uint32_t>(), o.slow_share) ? slow_failed : fast_failed);
        latency.merge_json(f["latency"]);
    }
    const std::uint64_t fast_ok = o.subscribers - slow_total - fast_failed;
    const std::uint64_t expected = publish.events_accepted * fast_ok;
    const std::uint64_t received = sum_field(finals, "received");
    r["fast_subscribers"] = fast_ok;
    r["fast_dropped_by_server"] = sum_field(finals, "dropped");
    r["fast_deliveries_expected"] = expected;
    r["fast_deliveries_received"] = received;
    r["fast_deliveries_missing"] =
        static_cast<std::int64_t>(expected) - static_cast<std::int64_t>(received);
    r["fast_latency_ms"] = latency.summary(1e6);
    r["slow_subscribers"] = slow_total - slow_failed;
    r["slow_closed_by_server"] = sum_field(finals, "slow_closed");
    r["slow_still_open"] = sum_field(finals, "slow_open");
    r["slow_deliveries_received"] = sum_field(finals, "slow_received");
    r["stale_events"] = sum_field(finals, "stale"); // stamped before this run: replayed
    r["errors"] = merge_errors(finals);
    return r;
}

} // namespace bench
