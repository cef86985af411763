// Fan-out scenario: deliveries/s, deliveries per server CPU-second and
// publish->delivery latency for S subscribers over C channels.
#include "histogram.hpp"
#include "http_probe.hpp"
#include "proc_stats.hpp"
#include "publisher.hpp"
#include "scenarios.hpp"

#include <thread>

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

struct ServerSample {
    std::optional<double> cpu;
    std::string metrics;
};

ServerSample sample(const Options& o) {
    return {cpu_seconds(o.server_pids),
            o.profile->herald ? http_get(o.host, o.port, "/metrics").value_or("") : ""};
}

double metric_delta(const ServerSample& a, const ServerSample& b, const std::string& series) {
    return metric_value(b.metrics, series) - metric_value(a.metrics, series);
}

// Waits for deliveries to stop: all expected in, no progress for 2 s, or `drain` seconds.
void drain(Children& children, double expected, double max_seconds, SteadyTime deadline) {
    auto until = std::min(
        deadline,
        Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(max_seconds * 1000)));
    std::uint64_t last = children.progress().received;
    auto last_change = Clock::now();
    while (Clock::now() < until) {
        children.poll(50);
        auto now_received = children.progress().received;
        if (static_cast<double>(now_received) >= expected)
            return;
        if (now_received != last) {
            last = now_received;
            last_change = Clock::now();
        } else if (Clock::now() - last_change > std::chrono::seconds(2)) {
            return;
        }
    }
}

} // namespace

nlohmann::json run_fanout(const Options& o, SteadyTime deadline) {
    nlohmann::json r;
    const std::uint32_t channels = o.channels;
    PoolConfig all = base_pool_config(o);
    all.count = o.subscribers;
    all.channel_prefix = "fanout:";
    all.channel_modulus = channels;
    all.latency = true;
    auto plans = plan_children(all, o.per_process, o.inflight);
    r["generator_processes"] = plans.size();

    // Fork before this process starts any thread (the publisher's comes later).
    Children children;
    auto started = Clock::now();
    children.spawn(plans, deadline + std::chrono::seconds(2));
    bool settled = wait_all_settled(children, o.subscribers, deadline);
    auto subscribed = children.progress();
    r["subscribe_seconds"] = std::chrono::duration<double>(Clock::now() - started).count();
    r["subscribed"] = subscribed.subscribed;
    r["subscribe_failed"] = subscribed.failed;
    if (!settled || subscribed.subscribed == 0) {
        r["error"] = "subscribers did not all settle (timeout or a generator process died)";
        children.finish(std::min(deadline, Clock::now() + std::chrono::seconds(5)));
        r["errors"] = merge_errors(children.finals());
        return r;
    }

    settle(o, children, deadline);
    auto before = sample(o);
    auto publishing = start_publisher(base_publish_plan(o, channels, "fanout:"), deadline);
    while (publishing.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready)
        children.poll(50);
    auto publish = publishing.get();
    r["publisher"] = publish.to_json();

    // Expected deliveries if every subscriber counted so far stays subscribed.
    double per_channel = static_cast<double>(subscribed.subscribed) / channels;
    drain(children, static_cast<double>(publish.events_accepted) * per_channel, o.drain, deadline);
    // The last bytes can reach the subscribers before the server has handled the
    // completion of their writes: let it, so the CPU and metrics include that work.
    for (auto until = std::min(deadline, Clock::now() + std::chrono::seconds(5));
         o.profile->herald && Clock::now() < until;) {
        auto m = http_get(o.host, o.port, "/metrics");
        if (m && metric_value(*m, "herald_queued_bytes") == 0)
            break;
        children.poll(100);
    }
    auto after = sample(o);
    children.finish(std::min(deadline, Clock::now() + std::chrono::seconds(15)));
    auto finals = children.finals();

    // Exact expectation: accepted events per channel times subscribers per channel.
    std::vector<std::uint64_t> subs(channels, 0);
    for (std::uint32_t i = 0; i < o.subscribers; ++i)
        ++subs[i % channels];
    Histogram latency;
    std::uint64_t received = 0, dropped = 0, other = 0, resets = 0, last_delivery = 0;
    std::uint64_t announced = 0, cut_received = 0, cut_announced = 0;
    std::vector<std::uint32_t> cut;
    std::int64_t generator_rss = 0;
    double generator_cpu = 0;
    for (const auto& f : finals) {
        generator_cpu += f.value("cpu_seconds", 0.0);
        for (const auto& idx : f.value("failed_indices", nlohmann::json::array()))
            --subs[idx.get<std::uint32_t>() % channels];
        latency.merge_json(f["latency"]);
        received += f.value("received", std::uint64_t{0});
        dropped += f.value("dropped", std::uint64_t{0});
        other += f.value("other", std::uint64_t{0});
        resets += f.value("resets", std::uint64_t{0});
        announced += f.value("announced", std::uint64_t{0});
        cut_received += f.value("cut_received", std::uint64_t{0});
        cut_announced += f.value("cut_announced", std::uint64_t{0});
        for (const auto& idx : f.value("cut_indices", nlohmann::json::array()))
            cut.push_back(idx.get<std::uint32_t>());
        last_delivery = std::max(last_delivery, f.value("last_delivery_ns", std::uint64_t{0}));
        generator_rss += f.value("rss_kb", std::int64_t{0});
    }
    std::uint64_t expected = 0;
    for (std::uint32_t c = 0; c < channels; ++c)
        expected += publish.accepted_per_channel[c] * subs[c];
    if (finals.size() != plans.size())
        r["error"] = "a generator process did not report back; counts are partial";

    double seconds = last_delivery > publish.first_send_ns
                         ? static_cast<double>(last_delivery - publish.first_send_ns) / 1e9
                         : 0;
    r["deliveries_offered_per_s"] = o.rate * static_cast<double>(subscribed.subscribed) / channels;
    r["deliveries_expected"] = expected;
    r["deliveries_received"] = received;
    r["deliveries_missing"] =
        static_cast<std::int64_t>(expected) - static_cast<std::int64_t>(received);
    r["delivery_seconds"] = seconds;
    r["deliveries_per_s"] = seconds > 0 ? static_cast<double>(received) / seconds : 0;
    r["subscribers_dropped"] = dropped;
    r["stale_events"] = sum_field(finals, "stale"); // stamped before this run: replayed
    r["other_messages"] = other;
    // Subscribers told that they missed events (herald's reset notices): a
    // missing count they cover was announced, not silently lost.
    r["resets"] = resets;
    // What is missing without a word: not received, not counted in a reset,
    // and not after the subscriber's cut (a client learns of a cut from the
    // close, and resumes). Resets that name no count (a resume or a Redis
    // gap herald could not fill) leave their loss in here.
    std::int64_t after_cuts = 0;
    for (auto i : cut)
        after_cuts += static_cast<std::int64_t>(publish.accepted_per_channel[i % channels]);
    after_cuts -= static_cast<std::int64_t>(cut_received);
    r["deliveries_announced"] = announced;
    r["deliveries_unannounced"] = static_cast<std::int64_t>(expected) -
                                  static_cast<std::int64_t>(received) - after_cuts -
                                  static_cast<std::int64_t>(announced - cut_announced);
    r["latency_ms"] = latency.summary(1e6);
    if (before.cpu && after.cpu) {
        double cpu = *after.cpu - *before.cpu;
        r["server_cpu_seconds"] = cpu;
        r["deliveries_per_server_cpu_second"] = cpu > 0 ? static_cast<double>(received) / cpu : 0;
    }
    if (!before.metrics.empty() && !after.metrics.empty()) {
        r["server_metrics_delta"] = {
            {"events_ingested", metric_delta(before, after, "herald_events_ingested_total")},
            {"events_delivered", metric_delta(before, after, "herald_events_delivered_total")},
            {"slow_consumer_disconnects",
             metric_delta(before, after, "herald_slow_consumer_disconnects_total")},
            {"write_batches", metric_delta(before, after, "herald_write_batch_events_count")},
            {"write_batch_events", metric_delta(before, after, "herald_write_batch_events_sum")},
            {"queued_bytes_at_end", metric_value(after.metrics, "herald_queued_bytes")}};
    }
    r["server_rss_kb"] = server_rss_json(o);
    r["generator_rss_kb"] = generator_rss;
    r["generator_cpu_seconds"] = generator_cpu; // subscriber processes, whole run
    r["errors"] = merge_errors(finals);
    return r;
}

} // namespace bench
