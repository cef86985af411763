// Helpers shared by the scenarios: pool and publish plans from the options,
// the publisher thread, server figures, and polling the generator children.
#include "proc_stats.hpp"
#include "scenarios.hpp"
#include "stream_parser.hpp"

#include <thread>

namespace bench {

namespace {
using Clock = std::chrono::steady_clock;
} // namespace

PoolConfig base_pool_config(const Options& o) {
    PoolConfig c;
    c.host = o.host;
    c.port = o.port;
    c.profile = o.profile;
    c.threads = o.threads;
    c.transport = o.transport == "ws" ? Transport::ws : Transport::sse;
    c.alternate = o.transport == "both";
    c.ws_deflate = o.ws_deflate;
    c.not_before_ns = steady_ns();
    return c;
}

PublishPlan base_publish_plan(const Options& o, std::uint32_t channels, std::string prefix) {
    PublishPlan p;
    p.host = o.host;
    p.port = static_cast<std::uint16_t>(o.port_for_publishing());
    p.mode = o.profile->publish;
    p.rate = o.rate;
    p.size = o.size;
    p.duration = o.duration;
    p.publishers = o.publishers;
    p.batch = o.batch;
    p.channels = channels;
    p.channel_prefix = std::move(prefix);
    return p;
}

std::future<PublishResult> start_publisher(PublishPlan plan, SteadyTime deadline) {
    return std::async(std::launch::async,
                      [plan = std::move(plan), deadline] { return run_publisher(plan, deadline); });
}

nlohmann::json server_rss_json(const Options& o) {
    auto kb = rss_kb(o.server_pids);
    return kb ? nlohmann::json(*kb) : nlohmann::json(nullptr);
}

void settle(const Options& o, Children& children, SteadyTime deadline) {
    if (!o.profile->herald)
        pump_for(children, o.settle, deadline);
}

std::uint64_t sum_field(const std::vector<nlohmann::json>& finals, const char* key) {
    std::uint64_t sum = 0;
    for (const auto& f : finals)
        sum += f.value(key, std::uint64_t{0});
    return sum;
}

bool wait_all_settled(Children& children, std::uint64_t count, SteadyTime deadline) {
    while (Clock::now() < deadline) {
        children.poll(20);
        auto p = children.progress();
        if (p.subscribed + p.failed >= count)
            return true;
        if (children.exited_early())
            return false;
    }
    return false;
}

void pump_for(Children& children, double seconds, SteadyTime deadline) {
    auto until = std::min(deadline, Clock::now() + std::chrono::microseconds(
                                                       static_cast<std::int64_t>(seconds * 1e6)));
    while (Clock::now() < until)
        children.poll(static_cast<int>(std::max<std::int64_t>(
            1,
            std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count())));
}

nlohmann::json merge_errors(const std::vector<nlohmann::json>& finals) {
    nlohmann::json merged = nlohmann::json::object();
    for (const auto& f : finals) {
        auto it = f.find("errors");
        if (it == f.end() || !it->is_object())
            continue;
        for (const auto& [k, v] : it->items())
            merged[k] = merged.value(k, std::uint64_t{0}) + v.get<std::uint64_t>();
    }
    return merged;
}

} // namespace bench
