// The cluster bridge's slot map: CLUSTER SLOTS on a short-lived query
// connection, one candidate node after another, and what a new map means
// for the shards. What a reply says and which channel goes where are
// ClusterMap's and ClusterRouter's calls; this file opens, closes and waits.
#include "herald/broker/redis_cluster_bridge.hpp"

#include "herald/broker/redis/admin_wire.hpp"
#include "herald/broker/redis/command.hpp"

#include <spdlog/spdlog.h>

namespace herald {

using redis::Reply;
using redis::cluster_wire::to_string;

namespace {

// A resharding that moves none of our channels pushes nothing to us: a map
// this old is asked for again, so that publishes stop paying -MOVED.
constexpr Millis refresh_period{10'000};

std::vector<redis::cluster_wire::HostPort> parse_seeds(const std::vector<std::string>& seeds) {
    std::vector<redis::cluster_wire::HostPort> out;
    for (const auto& seed : seeds) // checked with the configuration
        out.push_back(std::get<redis::cluster_wire::HostPort>(
            redis::sentinel_wire::parse_host_port(seed, 6379)));
    return out;
}

} // namespace

RedisClusterBridge::RedisClusterBridge(const Config& config, Hub& hub, ServerInfo& info)
    : config_(config), hub_(hub), info_(info),
      canary_base_(redis::SubscriberRouter::canary_channel_for(config.channel_prefix, rng_())),
      // As RedisBridge's handshake: a slow TCP connect is no reason to give up.
      handshake_timeout_(std::max(config.canary_timeout, Millis{1000})),
      seeds_(parse_seeds(config.redis_cluster)), router_(config.channel_prefix),
      refresh_timer_(hub.context()), tick_timer_(hub.context()),
      admin_(hub, info,
             [this](const std::string& channel, std::string payload, AdminRelay::Receivers done) {
                 return admin_publish(channel, std::move(payload), std::move(done));
             }),
      history_in_redis_(history_in_redis(config)),
      // A stream lives in its channel's slot: its reads go where SPUBLISH does.
      history_(config, hub, info.redis_stats,
               [this](const std::string& channel, std::vector<std::string> argv,
                      redis::CommandQueue::Completion done) {
                   command_for(config_.channel_prefix + channel, std::move(argv),
                               std::move(done));
               }) {
    info_.redis_enabled = true;
    info_.set_ready(false, "asking the Redis Cluster for its slot map");
    hub_.on_channel_active = [this](const std::string& channel) {
        router_.want(channel);
        history_.follow(channel, true);
        if (const auto* node = router_.shard_of(channel))
            if (auto* shard = shard_at(*node))
                sync_shard(*shard);
    };
    hub_.on_channel_idle = [this](const std::string& channel) {
        const auto* node = router_.shard_of(channel);
        auto* shard = node ? shard_at(*node) : nullptr;
        router_.unwant(channel);
        history_.follow(channel, false);
        if (shard)
            sync_shard(*shard);
    };
    hub_.is_channel_live = [this](const std::string& channel) { return router_.is_live(channel); };
    if (history_in_redis_)
        hub_.share_history(this);
    if (!config.admin_key.empty()) {
        hub_.share_admin(&admin_);
        // Wanted for good: set_map() places them once the map is known.
        router_.want(std::string(redis::admin_wire::request_name));
        router_.want(admin_.reply_channel());
    }
}

void RedisClusterBridge::start() {
    spdlog::info("redis: bridging through the Redis Cluster of {} seed node(s), sharded pub/sub",
                 seeds_.size());
    refresh_map("start");
    schedule_tick();
}

void RedisClusterBridge::stop() {
    stopped_ = true;
    refresh_timer_.cancel();
    tick_timer_.cancel();
    if (query_)
        query_->close();
    for (auto& entry : shards_) {
        entry.second->subscriber->close();
        entry.second->commands->close();
    }
}

std::vector<RedisClusterBridge::HostPort> RedisClusterBridge::candidates() const {
    // The masters we know first (they answer for the cluster they are in
    // now), then the seeds, which may be all that is left after a failover.
    std::vector<HostPort> out = router_.map().masters();
    for (const auto& seed : seeds_)
        if (std::find(out.begin(), out.end(), seed) == out.end())
            out.push_back(seed);
    return out;
}

void RedisClusterBridge::refresh_map(const std::string& why, Millis delay) {
    if (stopped_)
        return;
    spdlog::debug("redis: slot map wanted: {}", why);
    if (query_) {
        refresh_wanted_ = true; // the answer under way may predate the reason
        return;
    }
    if (refresh_armed_ && delay.count() > 0)
        return;
    if (delay.count() == 0) {
        refresh_timer_.cancel();
        refresh_armed_ = false;
        return start_round();
    }
    refresh_armed_ = true;
    refresh_timer_.expires_after(delay);
    refresh_timer_.async_wait([this](error_code ec) {
        if (ec || stopped_)
            return;
        refresh_armed_ = false;
        start_round();
    });
}

void RedisClusterBridge::start_round() {
    candidates_left_ = candidates().size();
    ask_next_node();
}

void RedisClusterBridge::ask_next_node() {
    if (candidates_left_ == 0) {
        auto delay = backoff_.next(std::uniform_real_distribution<double>(0, 1)(rng_));
        spdlog::warn("redis: no cluster node gave a slot map; asking again in {} ms",
                     delay.count());
        if (!ready_)
            info_.set_ready(false, "no Redis Cluster node gave a slot map");
        return refresh_map("retry", delay);
    }
    --candidates_left_;
    const auto nodes = candidates();
    query_node_ = nodes[next_candidate_++ % nodes.size()];
    const auto generation = ++query_generation_;
    query_ = std::make_shared<redis::Connection>(
        hub_.context(),
        [this, generation](std::vector<Reply>& replies) {
            if (generation == query_generation_ && !stopped_)
                on_query_replies(replies);
        },
        [this, generation](const std::string& reason) {
            if (generation == query_generation_ && !stopped_)
                on_query_failed(reason);
        });
    redis::RedisEndpoint endpoint;
    endpoint.host = query_node_.host;
    endpoint.port = query_node_.port;
    query_->connect(endpoint);
    query_->send(redis::format_command({"CLUSTER", "SLOTS"}));
    query_since_ = Clock::now();
}

void RedisClusterBridge::on_query_replies(std::vector<Reply>& replies) {
    auto parsed = redis::ClusterMap::from_slots(replies.front(), query_node_);
    if (auto* error = std::get_if<std::string>(&parsed))
        return on_query_failed(*error);
    auto& map = std::get<redis::ClusterMap>(parsed);
    if (!map.complete())
        return on_query_failed("its map leaves slots without a master");
    query_->close();
    query_.reset();
    ++query_generation_;
    info_.redis_stats.cluster_map_refreshes.add();
    on_map(std::move(map));
    if (refresh_wanted_) {
        refresh_wanted_ = false;
        refresh_map("asked for during the last query", Millis{100});
    }
}

void RedisClusterBridge::on_query_failed(const std::string& reason) {
    spdlog::warn("redis: cluster node {}: {}", to_string(query_node_), reason);
    if (query_)
        query_->close();
    query_.reset();
    ++query_generation_;
    ask_next_node();
}

void RedisClusterBridge::on_map(redis::ClusterMap map) {
    next_periodic_ = Clock::now() + refresh_period;
    for (const auto& move : router_.set_map(std::move(map))) {
        // Events published between the move and the new SSUBSCRIBE's ack
        // may be lost: the channel counts as broken until then, unless it
        // had no master before (and so no subscription to break).
        if (move.from)
            history_.on_break(move.channel);
        spdlog::info("redis: channel {} moved from {} to {}", move.channel,
                     move.from ? to_string(*move.from) : "nowhere",
                     move.to ? to_string(*move.to) : "nowhere");
    }
    const auto& masters = router_.map().masters();
    std::vector<HostPort> gone;
    for (const auto& entry : shards_)
        if (std::find(masters.begin(), masters.end(), entry.second->node) == masters.end())
            gone.push_back(entry.second->node);
    for (const auto& node : gone)
        close_shard(node);
    for (const auto& node : masters)
        if (!shard_at(node))
            connect_shard(node);
    router_.prune();
    for (auto& entry : shards_)
        sync_shard(*entry.second);
    update_ready();
}

void RedisClusterBridge::update_ready() {
    // Every master of the map, not every shard there is: the shard of a
    // master that went away is gone too, and its slots are served by no one.
    const auto& masters = router_.map().masters();
    bool ready = !masters.empty() && router_.map().complete();
    std::string waiting;
    for (const auto& node : masters) {
        const auto* shard = shard_at(node);
        if (!shard || !shard->ready) {
            ready = false;
            waiting = to_string(node);
        }
    }
    if (ready == ready_)
        return;
    ready_ = ready;
    info_.redis_stats.connected.set(ready ? 1 : 0);
    if (ready) {
        backoff_.reset();
        info_.set_ready(true);
        spdlog::info("redis: cluster of {} masters connected and subscribed ({} channels)",
                     shards_.size(), router_.wanted_count());
    } else {
        info_.set_ready(false, "Redis Cluster: waiting for master " +
                                   (waiting.empty() ? std::string("(none)") : waiting));
    }
}

void RedisClusterBridge::schedule_tick() {
    tick_timer_.expires_after(
        redis::Canary::check_period(config_.canary_interval, config_.canary_timeout));
    tick_timer_.async_wait([this](error_code ec) {
        if (ec || stopped_)
            return;
        tick();
        schedule_tick();
    });
}

void RedisClusterBridge::tick() {
    const auto now = Clock::now();
    if (query_ && now - query_since_ > handshake_timeout_)
        return on_query_failed("no answer to CLUSTER SLOTS");
    if (!query_ && !refresh_armed_ && next_periodic_ != Clock::time_point{} &&
        now >= next_periodic_)
        refresh_map("periodic");
    std::vector<std::pair<HostPort, std::string>> down;
    for (auto& entry : shards_) {
        auto& shard = *entry.second;
        auto canary = shard.canary.check(now);
        if (canary.kind == redis::Canary::Decision::Kind::dead) {
            info_.redis_stats.canary_failures.add();
            down.emplace_back(shard.node, canary.reason);
        } else if (!shard.subscribed && now - shard.since > handshake_timeout_) {
            down.emplace_back(shard.node, "no answer to SSUBSCRIBE of the canary");
        } else if (canary.kind == redis::Canary::Decision::Kind::send) {
            send_canary(shard, now);
        }
    }
    for (const auto& [node, reason] : down)
        on_shard_down(node, reason);
}

} // namespace herald
