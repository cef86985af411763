// Shared history in Redis streams (history_backend = "redis"): the bridge's
// part of stream_wire, StreamResume and GapFill. Stored events go out through
// herald_publish; reads go out on the command connection, pipelined, and are
// answered once a sync marker published behind them has come back on the
// subscriber connection, so that every live event older than the read has
// been ingested by then (the hub deduplicates the overlap by stream id).
#include "herald/broker/redis_bridge.hpp"

#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/payload.hpp"
#include "herald/broker/redis/stream_resume.hpp"
#include "herald/broker/redis_event.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace herald {

using redis::Reply;
namespace sw = redis::stream_wire;

namespace {

// How many entries a read asks for: MAXLEN ~ trims whole stream nodes (100
// entries by default), so a stream may hold that many more than history_size.
std::size_t read_count(std::size_t history_size) {
    return history_size + 200;
}

// TIME: [seconds, microseconds], as bulk strings.
std::uint64_t time_ms(const Reply& reply) {
    std::uint64_t seconds = 0, micros = 0;
    if (reply.type != Reply::Type::array || reply.elements.size() != 2)
        return 0;
    const auto& s = reply.elements[0].str;
    const auto& u = reply.elements[1].str;
    std::from_chars(s.data(), s.data() + s.size(), seconds);
    std::from_chars(u.data(), u.data() + u.size(), micros);
    return seconds * 1000 + micros / 1000;
}

} // namespace

struct RedisBridge::HistoryRead {
    std::uint64_t marker = 0;
    std::vector<std::string> channels; // every channel (resume) or the latest ones
    std::optional<std::string> last_id;
    std::vector<Reply> replies; // in the order sent; TIME last
    std::size_t remaining = 0;  // replies not yet in
    bool echoed = false;        // the sync marker is back (or never will be)
    bool finished = false;
    ReadHandler done;
};

bool RedisBridge::stored(const std::string& channel) const {
    return history_in_redis_ && channel_options(config_, channel).history_size > 0;
}

std::string RedisBridge::publish_command(const Publication& e) const {
    auto envelope = redis::make_envelope(e.name, e.id, e.data_json, e.ephemeral, e.from, e.key);
    if (e.ephemeral || !stored(e.channel))
        return redis::format_command({"PUBLISH", redis_channel(e.channel), envelope});
    const auto options = channel_options(config_, e.channel);
    return sw::publish_command(config_.channel_prefix, e.channel, options.history_size,
                               options.history_ttl, envelope);
}

void RedisBridge::history_follow(const std::string& channel, bool follow) {
    if (follow)
        gap_.follow(channel);
    else
        gap_.forget(channel);
}

void RedisBridge::on_live(std::shared_ptr<Event> event,
                          std::vector<std::shared_ptr<Event>>& batch) {
    std::optional<sw::StreamId> sid;
    if (event->in_stream())
        sid = sw::StreamId{event->stream_ms, event->stream_seq};
    const auto duplicates = gap_.duplicates();
    if (auto out = gap_.on_live(std::move(event), sid))
        batch.push_back(std::move(out));
    else if (gap_.duplicates() != duplicates)
        info_.redis_stats.duplicates_dropped.add();
}

void RedisBridge::history_subscribed(const std::string& channel) {
    using Kind = redis::GapFill::Action::Kind;
    auto action = gap_.on_subscribed(channel);
    if (action.kind == Kind::read_floor)
        read_floor(channel);
    else if (action.kind == Kind::read_gap)
        read_gap(channel, action.after);
    else if (action.kind == Kind::reset)
        deliver_filled(channel, {std::move(action.reason), {}, 0, std::nullopt});
}

void RedisBridge::read_floor(const std::string& channel) {
    commands_->send(sw::recent_command(config_.channel_prefix, channel, 1));
    command_queue_.push([this, channel](const Reply& reply) {
        auto parsed = sw::parse_entries(reply);
        auto* entries = std::get_if<std::vector<sw::Entry>>(&parsed);
        if (!entries)
            return gap_.floor_failed(channel);
        gap_.floor(channel, entries->empty() ? std::nullopt
                                             : std::optional<sw::StreamId>(entries->front().id));
    });
}

void RedisBridge::read_gap(const std::string& channel, sw::StreamId after) {
    const auto options = channel_options(config_, channel);
    const auto asked = read_count(options.history_size);
    auto info = std::make_shared<Reply>();
    commands_->send(sw::info_command(config_.channel_prefix, channel));
    command_queue_.push([info](const Reply& reply) { *info = reply; });
    commands_->send(sw::range_command(config_.channel_prefix, channel, after, asked));
    command_queue_.push([this, channel, info, asked, ttl = options.history_ttl](const Reply& r) {
        auto parsed_info = sw::parse_info(*info);
        auto parsed = sw::parse_entries(r);
        const auto* stream = std::get_if<sw::Info>(&parsed_info);
        auto* entries = std::get_if<std::vector<sw::Entry>>(&parsed);
        if (!stream || !entries) {
            const auto& bad = !stream ? std::get<sw::Bad>(parsed_info) : std::get<sw::Bad>(parsed);
            auto filled = gap_.failed(channel, "the events published on " + channel +
                                                   " while the node was away from Redis could "
                                                   "not be read: " + bad.reason);
            // Nothing when the connection went down again: the next
            // subscription reads anew, so that is no read error.
            if (filled.reset_reason)
                info_.redis_stats.history_read_errors.add();
            return deliver_filled(channel, std::move(filled));
        }
        std::vector<std::pair<sw::StreamId, std::shared_ptr<Event>>> events;
        for (const auto& entry : *entries)
            if (auto event = event_from_redis(config_, info_.redis_stats, channel, entry.message, entry.id); event && !event->ephemeral)
                events.emplace_back(entry.id, std::move(event));
        auto filled = gap_.filled(channel, *stream, std::move(events), entries->size() >= asked,
                                  ttl, Clock::now());
        if (filled.rewound_at) {
            // A client resuming from any entry the stream still holds missed
            // the lost ones after it, which the stream cannot show: trimmed
            // away, such a resume finds no anchor and is a reset.
            const auto& at = *filled.rewound_at;
            commands_->send(
                redis::format_command({"XTRIM", sw::history_key(config_.channel_prefix, channel),
                                       "MINID", sw::to_string(sw::StreamId{at.ms, at.seq + 1})}));
            command_queue_.push();
        }
        deliver_filled(channel, std::move(filled));
    });
}

void RedisBridge::deliver_filled(const std::string& channel, redis::GapFill::Filled filled) {
    std::vector<std::shared_ptr<Event>> batch;
    if (filled.reset_reason) {
        info_.redis_stats.gap_resets.add();
        spdlog::warn("redis: telling the subscribers of {} to reset: {}", channel,
                     *filled.reset_reason);
        batch.push_back(make_reset_notice(channel, *filled.reset_reason));
    }
    info_.redis_stats.gap_events.add(filled.from_stream);
    if (filled.from_stream > 0)
        spdlog::info("redis: filled the gap of {} with {} event(s) from its history", channel,
                     filled.from_stream);
    std::move(filled.deliver.begin(), filled.deliver.end(), std::back_inserter(batch));
    if (!batch.empty())
        hub_.ingest(std::move(batch), /*reject_duplicates=*/false);
}

void RedisBridge::history_break() {
    gap_.on_break(Clock::now());
    // A marker will not come back on a connection that is gone: reads whose
    // replies are all in end now, the others when the command queue fails them.
    std::vector<std::shared_ptr<HistoryRead>> ready;
    for (auto& entry : reads_) {
        entry.second->echoed = true;
        if (entry.second->remaining == 0)
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
    auto read = std::make_shared<HistoryRead>();
    read->channels = last_id ? channels : latest;
    read->last_id = last_id;
    read->done = std::move(done);
    std::vector<std::string> commands;
    for (const auto& channel : read->channels) {
        if (last_id) {
            const auto size = channel_options(config_, channel).history_size;
            commands.push_back(sw::info_command(config_.channel_prefix, channel));
            commands.push_back(
                sw::recent_command(config_.channel_prefix, channel, read_count(size)));
        } else {
            commands.push_back(sw::recent_command(config_.channel_prefix, channel, 1));
        }
    }
    commands.push_back(redis::format_command({"TIME"}));
    read->replies.resize(commands.size());
    read->remaining = commands.size();
    for (std::size_t i = 0; i < commands.size(); ++i) {
        commands_->send(std::move(commands[i]));
        command_queue_.push([this, read, i](const Reply& reply) {
            read->replies[i] = reply;
            if (--read->remaining == 0 && read->echoed)
                finish_read(read);
        });
    }
    read->marker = ++next_sync_;
    reads_.emplace(read->marker, read);
    commands_->send(redis::format_command(
        {"PUBLISH", router_.canary_channel(),
         std::string(sync_marker) + std::to_string(read->marker)}));
    command_queue_.push();
}

void RedisBridge::on_sync_echo(std::string_view payload) {
    std::uint64_t marker = 0;
    payload.remove_prefix(sync_marker.size());
    std::from_chars(payload.data(), payload.data() + payload.size(), marker);
    auto it = reads_.find(marker);
    if (it == reads_.end())
        return;
    auto read = it->second;
    read->echoed = true;
    if (read->remaining == 0)
        finish_read(read);
}

void RedisBridge::finish_read(const std::shared_ptr<HistoryRead>& read) {
    if (read->finished)
        return;
    read->finished = true;
    reads_.erase(read->marker);
    if (read->last_id)
        return read->done(resume_from(*read));
    Hub::SharedHistory::Read out;
    for (std::size_t i = 0; i < read->channels.size(); ++i) {
        auto parsed = sw::parse_entries(read->replies[i]);
        auto* entries = std::get_if<std::vector<sw::Entry>>(&parsed);
        if (!entries) {
            // No latest event is not worth a reset: the subscriber is live.
            info_.redis_stats.history_read_errors.add();
            spdlog::warn("redis: the latest event of {} could not be read: {}",
                         read->channels[i], std::get<sw::Bad>(parsed).reason);
            continue;
        }
        if (!entries->empty())
            if (auto event = event_from_redis(config_, info_.redis_stats, read->channels[i], entries->front().message,
                                      entries->front().id);
                event && !event->ephemeral)
                out.events.push_back(std::move(event));
    }
    read->done(std::move(out));
}

Hub::SharedHistory::Read RedisBridge::resume_from(HistoryRead& read) {
    const auto n = read.channels.size();
    std::vector<redis::StreamView> views(n);
    std::vector<std::vector<std::shared_ptr<Event>>> events(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& channel = read.channels[i];
        auto info = sw::parse_info(read.replies[2 * i]);
        auto parsed = sw::parse_entries(read.replies[2 * i + 1]);
        auto* entries = std::get_if<std::vector<sw::Entry>>(&parsed);
        if (!entries || std::holds_alternative<sw::Bad>(info)) {
            info_.redis_stats.history_read_errors.add();
            const auto& bad = !entries ? std::get<sw::Bad>(parsed) : std::get<sw::Bad>(info);
            spdlog::warn("redis: the history of {} could not be read: {}", channel, bad.reason);
            return {true, false, "history is unavailable: " + bad.reason, {}};
        }
        const auto options = channel_options(config_, channel);
        auto& view = views[i];
        view.channel = channel;
        view.info = std::get<sw::Info>(info);
        view.truncated = entries->size() >= read_count(options.history_size);
        view.ttl = options.history_ttl;
        std::reverse(entries->begin(), entries->end()); // XREVRANGE: newest first
        for (const auto& entry : *entries)
            if (auto event = event_from_redis(config_, info_.redis_stats, channel, entry.message, entry.id);
                event && !event->ephemeral) {
                view.entries.emplace_back(entry.id, event->id);
                events[i].push_back(std::move(event));
            }
    }
    auto plan = redis::plan_resume(views, *read.last_id, time_ms(read.replies.back()));
    if (plan.reset)
        return {true, plan.unknown, std::move(plan.reason), {}};
    Hub::SharedHistory::Read out;
    out.events.reserve(plan.picks.size());
    for (const auto& [v, e] : plan.picks)
        out.events.push_back(std::move(events[v][e]));
    return out;
}

} // namespace herald
