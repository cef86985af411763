// The cluster bridge's shards: per master, a subscriber connection
// (SSUBSCRIBE) and a command connection (SPUBLISH), with a canary whose
// channel lies in that master's slots. A shard that breaks is closed, its
// channels count as broken, and the map is asked again before it comes back.
#include "herald/broker/redis_cluster_bridge.hpp"

#include "herald/broker/redis/admin_wire.hpp"
#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis_event.hpp"

#include <spdlog/spdlog.h>

namespace herald {

using redis::Reply;
using Router = redis::SubscriberRouter;
using redis::cluster_wire::to_string;

RedisClusterBridge::Shard* RedisClusterBridge::shard_at(const HostPort& node) {
    auto it = shards_.find(to_string(node));
    return it == shards_.end() ? nullptr : it->second.get();
}

void RedisClusterBridge::connect_shard(const HostPort& node) {
    auto canary = router_.canary_for(canary_base_, node);
    if (!canary)
        return; // a master with no slot has nothing to serve us
    auto shard = std::make_unique<Shard>(Shard{
        node, nullptr, nullptr, Router(config_.channel_prefix, *canary),
        redis::Canary(config_.canary_interval, config_.canary_timeout), {}, ++shard_generation_,
        Clock::now(), false, false});
    const auto generation = shard->generation;
    // Callbacks of connections since replaced are ignored.
    auto current = [this, node, generation]() -> Shard* {
        auto* s = stopped_ ? nullptr : shard_at(node);
        return s && s->generation == generation ? s : nullptr;
    };
    auto down = [this, node, current](std::string which) {
        return [this, node, current, which](const std::string& reason) {
            if (current())
                on_shard_down(node, which + " connection: " + reason);
        };
    };
    shard->subscriber = std::make_shared<redis::Connection>(
        hub_.context(),
        [this, node, current](std::vector<Reply>& replies) {
            if (current())
                on_subscriber_replies(node, replies);
        },
        down("subscriber"));
    shard->commands = std::make_shared<redis::Connection>(
        hub_.context(),
        [this, node, current](std::vector<Reply>& replies) {
            if (current())
                on_command_replies(node, replies);
        },
        down("command"));
    redis::RedisEndpoint endpoint;
    endpoint.host = node.host;
    endpoint.port = node.port;
    shard->subscriber->connect(endpoint);
    shard->commands->connect(endpoint);
    shard->canary.on_connect();
    shard->subscriber->send(redis::format_command({"SSUBSCRIBE", *canary}));
    auto& placed = *(shards_[to_string(node)] = std::move(shard));
    if (history_in_redis_)
        load_functions(placed);
    sync_shard(placed);
}

void RedisClusterBridge::close_shard(const HostPort& node) {
    auto it = shards_.find(to_string(node));
    if (it == shards_.end())
        return;
    auto& shard = *it->second;
    shard.subscriber->close();
    shard.commands->close();
    if (auto* tracker = router_.shard(node)) {
        for (const auto& channel : tracker->wanted())
            if (tracker->is_subscribed(channel))
                history_.on_break(channel);
        tracker->on_disconnect();
    }
    // Publishes waiting for a reply will not get one: answer them now (as
    // uncertain: Redis may have run them).
    auto queue = std::move(shard.queue);
    const bool sent = shard.commands->ever_connected();
    shards_.erase(it);
    if (auto lost = queue.fail_all(sent); lost && sent)
        spdlog::warn("redis: cluster master {}: {} command(s) lost their reply with the connection",
                     to_string(node), lost);
    history_shard_down(node);
}

void RedisClusterBridge::on_shard_down(const HostPort& node, const std::string& reason) {
    if (stopped_)
        return;
    spdlog::warn("redis: cluster master {}: {}; asking for the slot map again", to_string(node),
                 reason);
    info_.redis_stats.reconnects.add();
    close_shard(node);
    update_ready();
    // Backed off: a master that is gone stays in the map until its replica
    // takes over, and reconnecting to it in a tight loop helps no one.
    refresh_map(reason, backoff_.next(std::uniform_real_distribution<double>(0, 1)(rng_)));
}

void RedisClusterBridge::sync_shard(Shard& shard) {
    auto* tracker = router_.shard(shard.node);
    if (!tracker)
        return;
    if (!tracker->connected())
        tracker->on_connect(); // the connection is (being) set up: SSUBSCRIBEs queue behind it
    auto send = [&](std::string_view verb, const std::vector<std::string>& batch) {
        for (auto& command : router_.commands(verb, batch))
            shard.subscriber->send(std::move(command));
    };
    for (auto batch = tracker->take_subscribes(); !batch.empty();
         batch = tracker->take_subscribes())
        send("SSUBSCRIBE", batch);
    for (auto batch = tracker->take_unsubscribes(); !batch.empty();
         batch = tracker->take_unsubscribes())
        send("SUNSUBSCRIBE", batch);
}

void RedisClusterBridge::on_subscriber_replies(const HostPort& node,
                                               std::vector<Reply>& replies) {
    auto& shard = *shard_at(node);
    const auto now = Clock::now();
    shard.canary.on_activity(now);
    redis::SubscriptionTracker none; // for a shard none of whose channels is wanted
    auto* tracker = router_.shard(node);
    std::vector<std::shared_ptr<Event>> batch;
    bool confirmed = false;
    std::optional<std::string> down;
    for (auto& reply : replies) {
        const auto unsubscribed = redis::cluster_wire::as_classic_pubsub(reply);
        if (unsubscribed && *unsubscribed == shard.router.canary_channel()) {
            // Redis drops the subscribers of a slot that moved.
            down = "the canary's slot moved";
            break;
        }
        auto action = shard.router.route(std::move(reply), tracker ? *tracker : none);
        if (auto* m = std::get_if<Router::Deliver>(&action)) {
            info_.redis_stats.messages_received.add();
            if (m->channel.starts_with(redis::admin_wire::request_name))
                admin_.on_message(m->channel, m->payload);
            else if (shed_if_busy(hub_, m->channel, batch))
                continue;
            else if (auto event = event_from_redis(config_, info_.redis_stats,
                                                   std::move(m->channel), m->payload))
                history_.on_live(std::move(event), batch);
        } else if (auto* echo = std::get_if<Router::CanaryEcho>(&action)) {
            if (auto marker = StreamRead::marker_of(echo->payload)) {
                // Live events before the marker must be in before a read is answered.
                if (!batch.empty())
                    hub_.ingest(std::exchange(batch, {}), /*reject_duplicates=*/false);
                on_sync_echo(node, *marker);
                continue;
            }
            if (auto rtt = shard.canary.on_echo(echo->payload, now)) {
                auto us = std::chrono::duration_cast<std::chrono::microseconds>(*rtt);
                info_.redis_stats.canary_rtt_us.set(static_cast<std::uint64_t>(us.count()));
                shard.ready = true;
            }
        } else if (std::holds_alternative<Router::CanarySubscribed>(action)) {
            if (!shard.subscribed) {
                shard.subscribed = true;
                send_canary(shard, now);
            }
        } else if (auto* ack = std::get_if<Router::Confirmed>(&action)) {
            confirmed = true;
            if (router_.is_live(ack->channel))
                history_.subscribed(ack->channel);
        } else if (auto* reconnect = std::get_if<Router::Reconnect>(&action)) {
            // Also a SUNSUBSCRIBE pushed for a channel whose slot moved.
            down = reconnect->reason;
            break;
        }
    }
    // What arrived before a break is as good as any other event.
    if (!batch.empty())
        hub_.ingest(std::move(batch), /*reject_duplicates=*/false);
    if (down)
        return on_shard_down(node, *down);
    if (confirmed) {
        sync_shard(shard);
        hub_.channels_confirmed();
    }
    update_ready();
}

void RedisClusterBridge::on_command_replies(const HostPort& node, std::vector<Reply>& replies) {
    for (auto& reply : replies) {
        // Looked up anew: a completion (a publish that follows a redirect)
        // may have asked for changes meanwhile.
        auto* shard = shard_at(node);
        if (!shard)
            return;
        if (!shard->queue.on_reply(reply))
            return on_shard_down(node, "unexpected reply on the command connection");
    }
}

void RedisClusterBridge::send_canary(Shard& shard, Clock::time_point now) {
    shard.commands->send(
        redis::format_command({"SPUBLISH", shard.router.canary_channel(), shard.canary.send(now)}));
    shard.queue.push(); // its reply is of no interest, but holds a place
}

} // namespace herald
