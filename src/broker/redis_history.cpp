// Shared history in Redis streams (history_backend = "redis"): the single
// bridge's part. Stored events go out through herald_publish; gap-fills are
// StreamGap's, on the command connection. A read (StreamRead) goes out on
// the command connection, pipelined, and is answered once a sync marker
// published behind it has come back on the subscriber connection, so that
// every live event older than the read has been ingested by then (the hub
// deduplicates the overlap by stream id).
#include "herald/broker/redis_bridge.hpp"

#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/payload.hpp"
#include "herald/config/namespaces.hpp"


namespace herald {

using redis::Reply;
namespace sw = redis::stream_wire;

struct RedisBridge::HistoryRead {
    std::uint64_t marker = 0;
    StreamRead query;
    bool replied = false; // every reply is in
    bool echoed = false;  // the sync marker is back (or never will be)
    bool finished = false;
    ReadHandler done;
};

std::string RedisBridge::publish_command(const Publication& e) const {
    auto envelope = redis::make_envelope(e.name, e.id, e.data_json, e.ephemeral, e.from, e.key);
    if (e.ephemeral || !history_.stored(e.channel))
        return redis::format_command({"PUBLISH", redis_channel(e.channel), envelope});
    const auto options = channel_options(config_, e.channel);
    return redis::format_command(sw::publish_command(config_.channel_prefix, e.channel,
                                                     options.history_size, options.history_ttl,
                                                     envelope));
}

void RedisBridge::history_break() {
    history_.on_break();
    // A marker will not come back on a connection that is gone: reads whose
    // replies are all in end now, the others when the command queue fails them.
    std::vector<std::shared_ptr<HistoryRead>> ready;
    for (auto& entry : reads_) {
        entry.second->echoed = true;
        if (entry.second->replied)
            ready.push_back(entry.second);
    }
    for (auto& read : ready)
        finish_read(read);
}

void RedisBridge::read(const std::vector<std::string>& channels,
                       const std::optional<std::string>& last_id,
                       const std::vector<std::string>& latest, ReadHandler done) {
    if (!data_up() || !commands_) {
        info_.redis_stats.history_read_errors.add();
        return done({true, false, "history is unavailable: Redis is unavailable", {}});
    }
    auto read = std::make_shared<HistoryRead>(
        HistoryRead{0, StreamRead(config_, last_id ? channels : latest, last_id), false, false,
                    false, std::move(done)});
    const auto& commands = read->query.commands();
    for (std::size_t i = 0; i < commands.size(); ++i) {
        commands_->send(redis::format_command(commands[i].argv));
        command_queue_.push([this, read, i](const Reply& reply) {
            read->replied = read->query.on_reply(i, reply);
            if (read->replied && read->echoed)
                finish_read(read);
        });
    }
    read->marker = ++next_sync_;
    reads_.emplace(read->marker, read);
    commands_->send(redis::format_command(
        {"PUBLISH", router_.canary_channel(), StreamRead::marker_payload(read->marker)}));
    command_queue_.push();
}

void RedisBridge::on_sync_echo(std::uint64_t marker) {
    auto it = reads_.find(marker);
    if (it == reads_.end())
        return;
    auto read = it->second;
    read->echoed = true;
    if (read->replied)
        finish_read(read);
}

void RedisBridge::finish_read(const std::shared_ptr<HistoryRead>& read) {
    if (read->finished)
        return;
    read->finished = true;
    reads_.erase(read->marker);
    read->done(read->query.answer(info_.redis_stats));
}

} // namespace herald
