#include "herald/broker/stream_read.hpp"

#include "herald/broker/redis/stream_resume.hpp"
#include "herald/broker/redis/stream_wire.hpp"
#include "herald/broker/redis_event.hpp"
#include "herald/config/namespaces.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace herald {

using redis::Reply;
namespace sw = redis::stream_wire;

namespace {

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

constexpr std::string_view sync_marker = "sync:";

} // namespace

std::string StreamRead::marker_payload(std::uint64_t marker) {
    return std::string(sync_marker) + std::to_string(marker);
}

std::optional<std::uint64_t> StreamRead::marker_of(std::string_view payload) {
    if (!payload.starts_with(sync_marker))
        return std::nullopt;
    payload.remove_prefix(sync_marker.size());
    std::uint64_t marker = 0;
    std::from_chars(payload.data(), payload.data() + payload.size(), marker);
    return marker;
}

StreamRead::StreamRead(const Config& config, std::vector<std::string> channels,
                       std::optional<std::string> last_id)
    : config_(config), channels_(std::move(channels)), last_id_(std::move(last_id)) {
    const auto& prefix = config_.channel_prefix;
    for (const auto& channel : channels_) {
        if (last_id_) {
            const auto size = channel_options(config_, channel).history_size;
            commands_.push_back({channel, sw::info_command(prefix, channel)});
            commands_.push_back(
                {channel, sw::recent_command(prefix, channel, sw::read_count(size))});
        } else {
            commands_.push_back({channel, sw::recent_command(prefix, channel, 1)});
        }
    }
    commands_.push_back({{}, {"TIME"}});
    replies_.resize(commands_.size());
    remaining_ = commands_.size();
}

bool StreamRead::on_reply(std::size_t i, const Reply& reply) {
    replies_.at(i) = reply;
    return --remaining_ == 0;
}

Hub::SharedHistory::Read StreamRead::answer(RedisStats& stats) {
    return last_id_ ? resume(stats) : latest(stats);
}

Hub::SharedHistory::Read StreamRead::latest(RedisStats& stats) {
    Hub::SharedHistory::Read out;
    for (std::size_t i = 0; i < channels_.size(); ++i) {
        auto parsed = sw::parse_entries(replies_[i]);
        auto* entries = std::get_if<std::vector<sw::Entry>>(&parsed);
        if (!entries) {
            // No latest event is not worth a reset: the subscriber is live.
            stats.history_read_errors.add();
            spdlog::warn("redis: the latest event of {} could not be read: {}", channels_[i],
                         std::get<sw::Bad>(parsed).reason);
            continue;
        }
        if (!entries->empty())
            if (auto event = event_from_redis(config_, stats, channels_[i],
                                              entries->front().message, entries->front().id);
                event && !event->ephemeral)
                out.events.push_back(std::move(event));
    }
    return out;
}

Hub::SharedHistory::Read StreamRead::resume(RedisStats& stats) {
    const auto n = channels_.size();
    std::vector<redis::StreamView> views(n);
    std::vector<std::vector<std::shared_ptr<Event>>> events(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& channel = channels_[i];
        auto info = sw::parse_info(replies_[2 * i]);
        auto parsed = sw::parse_entries(replies_[2 * i + 1]);
        auto* entries = std::get_if<std::vector<sw::Entry>>(&parsed);
        if (!entries || std::holds_alternative<sw::Bad>(info)) {
            stats.history_read_errors.add();
            const auto& bad = !entries ? std::get<sw::Bad>(parsed) : std::get<sw::Bad>(info);
            spdlog::warn("redis: the history of {} could not be read: {}", channel, bad.reason);
            return {true, false, "history is unavailable: " + bad.reason, {}};
        }
        const auto options = channel_options(config_, channel);
        auto& view = views[i];
        view.channel = channel;
        view.info = std::get<sw::Info>(info);
        view.truncated = entries->size() >= sw::read_count(options.history_size);
        view.ttl = options.history_ttl;
        std::reverse(entries->begin(), entries->end()); // XREVRANGE: newest first
        for (const auto& entry : *entries)
            if (auto event = event_from_redis(config_, stats, channel, entry.message, entry.id);
                event && !event->ephemeral) {
                view.entries.emplace_back(entry.id, event->id);
                events[i].push_back(std::move(event));
            }
    }
    auto plan = redis::plan_resume(views, *last_id_, time_ms(replies_.back()));
    if (plan.reset)
        return {true, plan.unknown, std::move(plan.reason), {}};
    Hub::SharedHistory::Read out;
    out.events.reserve(plan.picks.size());
    for (const auto& [v, e] : plan.picks)
        out.events.push_back(std::move(events[v][e]));
    return out;
}

} // namespace herald
