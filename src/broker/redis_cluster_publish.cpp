// What the cluster bridge sends for others: publishes as SPUBLISH and
// upstream client messages as XADD, each to the master that owns its key's
// slot. A -MOVED (the map is out of date) or -ASK (the slot is being
// migrated) is followed once; the answer after that is final.
#include "herald/broker/redis_cluster_bridge.hpp"

#include "herald/broker/publish_batch.hpp"

#include "herald/broker/redis/command.hpp"

namespace herald {

using redis::Reply;
using Redirect = redis::cluster_wire::Redirect;

namespace {

Reply error_reply(std::string text) {
    Reply reply;
    reply.type = Reply::Type::error;
    reply.str = std::move(text);
    return reply;
}

} // namespace

void RedisClusterBridge::send_to(Shard& shard, std::vector<std::string> argv,
                                 redis::CommandQueue::Completion done, bool asking) {
    if (asking) {
        // ASKING lets the importing node serve the next command for a slot it
        // does not own yet.
        shard.commands->send(redis::format_command({"ASKING"}));
        shard.queue.push();
    }
    shard.commands->send(redis::format_command(argv));
    shard.queue.push(std::move(done));
}

void RedisClusterBridge::command_for(const std::string& key, std::vector<std::string> argv,
                                     redis::CommandQueue::Completion done, bool redirected) {
    const auto* owner = router_.map().owner_of(key);
    auto* shard = owner ? shard_at(*owner) : nullptr;
    if (!shard || !shard->subscribed)
        return done(error_reply("no connected master serves the key's slot"));
    if (redirected)
        return send_to(*shard, std::move(argv), std::move(done), false);
    auto follow = [this, argv, done](const Reply& reply) {
        auto redirect = redis::cluster_wire::parse_redirect(reply);
        if (!redirect)
            return done(reply);
        info_.redis_stats.cluster_redirects.add();
        auto* target = shard_at(redirect->to);
        if (redirect->kind == Redirect::Kind::moved)
            refresh_map("-MOVED " + std::to_string(redirect->slot) + " " +
                        redis::cluster_wire::to_string(redirect->to));
        if (!target || !target->subscribed)
            return done(reply); // an unknown node: the new map will know it
        send_to(*target, argv, done, redirect->kind == Redirect::Kind::ask);
    };
    send_to(*shard, std::move(argv), std::move(follow), false);
}

bool RedisClusterBridge::admin_publish(const std::string& channel, std::string payload,
                                       AdminRelay::Receivers done) {
    auto key = config_.channel_prefix + channel;
    const auto* owner = router_.map().owner_of(key);
    const auto* shard = owner ? shard_at(*owner) : nullptr;
    if (!shard || !shard->subscribed)
        return false; // as command_for would say: no master to send it to
    // Every node SSUBSCRIBEs the request channel on its slot's owner, so
    // SPUBLISH's count there is how many nodes got the request.
    command_for(key, {"SPUBLISH", key, std::move(payload)}, [done](const Reply& reply) {
        if (!done)
            return;
        if (reply.type != Reply::Type::integer)
            return done(std::nullopt);
        done(reply.integer);
    });
    return true;
}

void RedisClusterBridge::publish(std::vector<Publication> publications, PublishHandler done) {
    // As RedisBridge: encoded when it comes back from Redis, not here.
    net::post(hub_.context(), [this, events = std::move(publications), done = std::move(done)] {
        auto batch = PublishBatch::start(events, done);
        // A stream is in its channel's slot: one master takes both.
        for (const auto& e : events)
            command_for(config_.channel_prefix + e.channel, publish_command(e),
                        batch->completion());
    });
}

void RedisClusterBridge::send_upstream(upstream::Message message, upstream::Handler done) {
    net::post(hub_.context(), [this, message = std::move(message), done = std::move(done)] {
        auto argv = upstream::xadd_argv(config_.upstream_stream, config_.upstream_maxlen, message);
        // The reply is the entry id: only then is the message in the stream.
        command_for(config_.upstream_stream, std::move(argv), [done](const Reply& reply) {
            if (reply.type == Reply::Type::error)
                return done({false, "Redis: " + reply.str});
            done({true, {}});
        });
    });
}

} // namespace herald
