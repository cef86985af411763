#include "subscriber_pool.hpp"

#include "lane.hpp"
#include "proc_stats.hpp"

#include <boost/asio/post.hpp>

namespace bench {

std::string channel_name(const PoolConfig& c, std::uint32_t index) {
    return c.channel_prefix + std::to_string(c.channel_modulus ? index % c.channel_modulus : index);
}

SubscriberPool::SubscriberPool(PoolConfig config) : config_(std::move(config)) {
    unsigned threads = std::max(1u, std::min(config_.threads, std::max(1u, config_.count)));
    std::vector<std::vector<std::uint32_t>> slices(threads);
    for (std::uint32_t i = 0; i < config_.count; ++i)
        slices[i % threads].push_back(config_.first + i);
    for (auto& s : slices)
        lanes_.push_back(std::make_unique<Lane>(config_, std::move(s)));
}

SubscriberPool::~SubscriberPool() {
    stop();
}

void SubscriberPool::start() {
    for (auto& lane : lanes_) {
        Lane* l = lane.get();
        net::post(l->ctx, [l] { l->launch(); });
        l->thread = std::thread([l] { l->ctx.run(); });
    }
}

PoolProgress SubscriberPool::progress() const {
    PoolProgress p;
    for (const auto& l : lanes_) {
        p.subscribed += l->subscribed.load(std::memory_order_relaxed);
        p.failed += l->failed.load(std::memory_order_relaxed);
        p.received += l->received.load(std::memory_order_relaxed);
        p.dropped += l->dropped.load(std::memory_order_relaxed);
        p.other += l->other.load(std::memory_order_relaxed);
    }
    return p;
}

void SubscriberPool::stop() {
    for (auto& lane : lanes_) {
        Lane* l = lane.get();
        if (l->thread.joinable())
            net::post(l->ctx, [l] { l->close_all(); });
    }
    for (auto& lane : lanes_)
        if (lane->thread.joinable())
            lane->thread.join();
}

nlohmann::json SubscriberPool::final_report() const {
    Histogram latency;
    std::map<std::string, std::uint64_t> errors;
    std::vector<std::uint32_t> failed;
    std::uint64_t last = 0;
    for (const auto& l : lanes_) {
        latency.merge(l->latency);
        for (const auto& [k, v] : l->errors)
            errors[k] += v;
        failed.insert(failed.end(), l->failed_indices.begin(), l->failed_indices.end());
        last = std::max(last, l->last_delivery_ns);
    }
    auto j = progress().to_json();
    j["errors"] = errors;
    j["failed_indices"] = failed;
    j["last_delivery_ns"] = last;
    j["latency"] = latency.to_json();
    j["rss_kb"] = rss_kb(0).value_or(0);
    j["cpu_seconds"] = cpu_seconds(0).value_or(0);
    return j;
}

nlohmann::json PoolProgress::to_json() const {
    return {{"subscribed", subscribed},
            {"failed", failed},
            {"received", received},
            {"dropped", dropped},
            {"other", other}};
}

PoolProgress PoolProgress::from_json(const nlohmann::json& j) {
    PoolProgress p;
    if (!j.is_object())
        return p;
    p.subscribed = j.value("subscribed", 0ull);
    p.failed = j.value("failed", 0ull);
    p.received = j.value("received", 0ull);
    p.dropped = j.value("dropped", 0ull);
    p.other = j.value("other", 0ull);
    return p;
}

PoolProgress& PoolProgress::operator+=(const PoolProgress& o) {
    subscribed += o.subscribed;
    failed += o.failed;
    received += o.received;
    dropped += o.dropped;
    other += o.other;
    return *this;
}

} // namespace bench
