#include "subscriber_pool.hpp"

#include "lane.hpp"
#include "proc_stats.hpp"

#include <boost/asio/post.hpp>

namespace bench {

std::string channel_name(const PoolConfig& c, std::uint32_t index) {
    if (!c.fixed_channel.empty())
        return c.fixed_channel;
    return c.channel_prefix + std::to_string(c.channel_modulus ? index % c.channel_modulus : index);
}

std::string request_for(const PoolConfig& c, Transport transport, std::uint32_t index) {
    const std::string host = c.host + ":" + std::to_string(c.port);
    const std::string channel = channel_name(c, index);
    if (transport == Transport::sse)
        return "GET " + std::string(c.profile->sse_target) + channel +
               " HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/event-stream\r\n\r\n";
    return "GET " + std::string(c.profile->ws_target) + channel + " HTTP/1.1\r\nHost: " + host +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
           (c.ws_deflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                         : "") +
           "\r\n";
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

void SubscriberPool::resume_slow() {
    for (auto& lane : lanes_) {
        Lane* l = lane.get();
        net::post(l->ctx, [l] { l->resume_slow(); });
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
        p.resets += l->resets.load(std::memory_order_relaxed);
        p.announced += l->announced.load(std::memory_order_relaxed);
        p.connected += l->connected.load(std::memory_order_relaxed);
        p.firsts += l->firsts.load(std::memory_order_relaxed);
        p.slow_closed += l->slow_closed.load(std::memory_order_relaxed);
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
    Histogram latency, first_event;
    std::map<std::string, std::uint64_t> errors;
    std::vector<std::uint32_t> failed, cut;
    std::uint64_t cut_received = 0, cut_announced = 0;
    std::uint64_t last = 0, last_connect = 0, last_subscribe = 0, slow_received = 0, slow_open = 0,
                  stale = 0;
    for (const auto& l : lanes_) {
        latency.merge(l->latency);
        first_event.merge(l->first_event);
        last_connect = std::max(last_connect, l->last_connect_ns);
        last_subscribe = std::max(last_subscribe, l->last_subscribe_ns);
        slow_received += l->slow_received;
        slow_open += l->slow_open;
        stale += l->stale;
        for (const auto& [k, v] : l->errors)
            errors[k] += v;
        failed.insert(failed.end(), l->failed_indices.begin(), l->failed_indices.end());
        cut.insert(cut.end(), l->cut_indices.begin(), l->cut_indices.end());
        cut_received += l->cut_received;
        cut_announced += l->cut_announced;
        last = std::max(last, l->last_delivery_ns);
    }
    auto j = progress().to_json();
    j["errors"] = errors;
    j["failed_indices"] = failed;
    j["cut_indices"] = cut;
    j["cut_received"] = cut_received;
    j["cut_announced"] = cut_announced;
    j["last_delivery_ns"] = last;
    j["latency"] = latency.to_json();
    j["first_event"] = first_event.to_json();
    j["last_connect_ns"] = last_connect;
    j["last_subscribe_ns"] = last_subscribe;
    j["slow_received"] = slow_received;
    j["slow_open"] = slow_open;
    j["stale"] = stale;
    j["rss_kb"] = rss_kb(0).value_or(0);
    j["cpu_seconds"] = cpu_seconds(0).value_or(0);
    return j;
}

nlohmann::json PoolProgress::to_json() const {
    return {{"connected", connected},   {"firsts", firsts}, {"slow_closed", slow_closed},
            {"subscribed", subscribed}, {"failed", failed}, {"received", received},
            {"dropped", dropped},       {"other", other},   {"resets", resets},
            {"announced", announced}};
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
    p.resets = j.value("resets", 0ull);
    p.announced = j.value("announced", 0ull);
    p.connected = j.value("connected", 0ull);
    p.firsts = j.value("firsts", 0ull);
    p.slow_closed = j.value("slow_closed", 0ull);
    return p;
}

PoolProgress& PoolProgress::operator+=(const PoolProgress& o) {
    subscribed += o.subscribed;
    failed += o.failed;
    received += o.received;
    dropped += o.dropped;
    other += o.other;
    resets += o.resets;
    announced += o.announced;
    connected += o.connected;
    firsts += o.firsts;
    slow_closed += o.slow_closed;
    return *this;
}

} // namespace bench
