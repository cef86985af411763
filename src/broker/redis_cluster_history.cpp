// Shared history in Redis streams through a Redis Cluster: the cluster
// bridge's part. Each channel's stream is in its channel's slot, so every
// command about it goes where SPUBLISH of the channel goes (command_for,
// following -MOVED and -ASK). A read may span several masters: it sends its
// commands to each channel's master, then a marker SPUBLISHed on the canary
// channel of each of those masters, and is answered once every reply and
// every marker is in (a master whose connection breaks meanwhile is waited
// for no more: its replies fail with it).
#include "herald/broker/redis_cluster_bridge.hpp"

#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/payload.hpp"
#include "herald/broker/redis/stream_wire.hpp"
#include "herald/config/namespaces.hpp"

#include <spdlog/spdlog.h>

namespace herald {

using redis::Reply;
using redis::cluster_wire::to_string;
namespace sw = redis::stream_wire;

struct RedisClusterBridge::HistoryRead {
    std::uint64_t marker = 0;
    StreamRead query;
    std::set<std::string> waiting; // masters ("host:port") whose marker is not back
    bool replied = false;          // every reply is in
    bool armed = false;            // every command and marker is sent
    bool finished = false;
    ReadHandler done;
};

std::vector<std::string> RedisClusterBridge::publish_command(const Publication& e) const {
    auto envelope = redis::make_envelope(e.name, e.id, e.data_json, e.ephemeral, e.from, e.key);
    if (e.ephemeral || !history_.stored(e.channel))
        return {"SPUBLISH", config_.channel_prefix + e.channel, std::move(envelope)};
    const auto options = channel_options(config_, e.channel);
    return sw::publish_command(config_.channel_prefix, e.channel, options.history_size,
                               options.history_ttl, envelope, sw::PubSub::sharded);
}

void RedisClusterBridge::load_functions(Shard& shard) {
    // On every master at every connect: a promoted replica has the library
    // by replication, but a master added to the cluster has none.
    shard.commands->send(sw::load_command());
    shard.queue.push([node = shard.node](const Reply& reply) {
        if (reply.type == Reply::Type::error && !redis::CommandQueue::failed_here(reply))
            spdlog::error("redis: cluster master {}: loading the function library 'herald' "
                          "failed ({}); publishes to its channels with history will fail",
                          to_string(node), reply.str);
    });
}

void RedisClusterBridge::read(const std::vector<std::string>& channels,
                              const std::optional<std::string>& last_id,
                              const std::vector<std::string>& latest, ReadHandler done) {
    auto read = std::make_shared<HistoryRead>(
        HistoryRead{++next_sync_,
                    StreamRead(config_, last_id ? channels : latest, last_id),
                    {},
                    false,
                    false,
                    false,
                    std::move(done)});
    reads_.emplace(read->marker, read);
    const auto& commands = read->query.commands();
    // TIME (the last command, of no channel) asks the master of the first
    // channel: the masters' clocks agree as well as the hosts' do.
    const auto& first = commands.front().channel;
    for (std::size_t i = 0; i < commands.size(); ++i) {
        const auto key =
            config_.channel_prefix + (commands[i].channel.empty() ? first : commands[i].channel);
        if (const auto* owner = router_.map().owner_of(key))
            if (const auto* shard = shard_at(*owner); shard && shard->subscribed)
                read->waiting.insert(to_string(*owner));
        command_for(key, commands[i].argv, [this, read, i](const Reply& reply) {
            read->replied = read->query.on_reply(i, reply);
            maybe_finish(read);
        });
    }
    for (const auto& name : read->waiting) {
        auto& shard = *shards_.at(name);
        shard.commands->send(redis::format_command(
            {"SPUBLISH", shard.router.canary_channel(), StreamRead::marker_payload(read->marker)}));
        shard.queue.push();
    }
    read->armed = true;
    maybe_finish(read);
}

void RedisClusterBridge::on_sync_echo(const HostPort& node, std::uint64_t marker) {
    auto it = reads_.find(marker);
    if (it == reads_.end())
        return;
    auto read = it->second;
    read->waiting.erase(to_string(node));
    maybe_finish(read);
}

void RedisClusterBridge::history_shard_down(const HostPort& node) {
    std::vector<std::shared_ptr<HistoryRead>> affected;
    for (auto& [marker, read] : reads_)
        if (read->waiting.erase(to_string(node)))
            affected.push_back(read);
    for (auto& read : affected)
        maybe_finish(read);
}

void RedisClusterBridge::maybe_finish(const std::shared_ptr<HistoryRead>& read) {
    if (read->finished || !read->armed || !read->replied || !read->waiting.empty())
        return;
    read->finished = true;
    reads_.erase(read->marker);
    read->done(read->query.answer(info_.redis_stats));
}

} // namespace herald
