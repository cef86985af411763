#include "herald/broker/stream_gap.hpp"

#include "herald/broker/redis_event.hpp"
#include "herald/config/namespaces.hpp"

#include <spdlog/spdlog.h>

namespace herald {

using redis::Reply;
namespace sw = redis::stream_wire;

StreamGap::StreamGap(const Config& config, Hub& hub, RedisStats& stats, Send send)
    : config_(config), hub_(hub), stats_(stats), send_(std::move(send)),
      in_redis_(history_in_redis(config)),
      gap_([this](const std::string& channel) { return stored(channel); }) {}

bool StreamGap::stored(const std::string& channel) const {
    return in_redis_ && channel_options(config_, channel).history_size > 0;
}

void StreamGap::follow(const std::string& channel, bool follow) {
    if (follow)
        gap_.follow(channel);
    else
        gap_.forget(channel);
}

void StreamGap::on_break() {
    gap_.on_break(Clock::now());
}

void StreamGap::on_break(const std::string& channel) {
    gap_.on_break(channel, Clock::now());
}

void StreamGap::on_live(std::shared_ptr<Event> event, std::vector<std::shared_ptr<Event>>& batch) {
    std::optional<sw::StreamId> sid;
    if (event->in_stream())
        sid = sw::StreamId{event->stream_ms, event->stream_seq};
    const auto duplicates = gap_.duplicates();
    if (auto out = gap_.on_live(std::move(event), sid))
        batch.push_back(std::move(out));
    else if (gap_.duplicates() != duplicates)
        stats_.duplicates_dropped.add();
}

void StreamGap::subscribed(const std::string& channel) {
    using Kind = redis::GapFill::Action::Kind;
    auto action = gap_.on_subscribed(channel);
    if (action.kind == Kind::read_floor)
        read_floor(channel);
    else if (action.kind == Kind::read_gap)
        read_gap(channel, action.after);
    else if (action.kind == Kind::reset)
        deliver(channel, {std::move(action.reason), {}, 0, std::nullopt});
}

void StreamGap::read_floor(const std::string& channel) {
    send_(channel, sw::recent_command(config_.channel_prefix, channel, 1),
          [this, channel](const Reply& reply) {
              auto parsed = sw::parse_entries(reply);
              auto* entries = std::get_if<std::vector<sw::Entry>>(&parsed);
              if (!entries)
                  return gap_.floor_failed(channel);
              gap_.floor(channel, entries->empty()
                                      ? std::nullopt
                                      : std::optional<sw::StreamId>(entries->front().id));
          });
}

void StreamGap::read_gap(const std::string& channel, sw::StreamId after) {
    const auto options = channel_options(config_, channel);
    const auto asked = sw::read_count(options.history_size);
    auto info = std::make_shared<Reply>();
    // Both on one connection, so the info is in when the range comes.
    send_(channel, sw::info_command(config_.channel_prefix, channel),
          [info](const Reply& reply) { *info = reply; });
    send_(channel, sw::range_command(config_.channel_prefix, channel, after, asked),
          [this, channel, info, asked, ttl = options.history_ttl](const Reply& r) {
              auto parsed_info = sw::parse_info(*info);
              auto parsed = sw::parse_entries(r);
              const auto* stream = std::get_if<sw::Info>(&parsed_info);
              auto* entries = std::get_if<std::vector<sw::Entry>>(&parsed);
              if (!stream || !entries) {
                  const auto& bad =
                      !stream ? std::get<sw::Bad>(parsed_info) : std::get<sw::Bad>(parsed);
                  auto filled = gap_.failed(channel, "the events published on " + channel +
                                                         " while the node was away from Redis "
                                                         "could not be read: " +
                                                         bad.reason);
                  // Nothing when the connection went down again: the next
                  // subscription reads anew, so that is no read error.
                  if (filled.reset_reason)
                      stats_.history_read_errors.add();
                  return deliver(channel, std::move(filled));
              }
              std::vector<std::pair<sw::StreamId, std::shared_ptr<Event>>> events;
              for (const auto& entry : *entries)
                  if (auto event =
                          event_from_redis(config_, stats_, channel, entry.message, entry.id);
                      event && !event->ephemeral)
                      events.emplace_back(entry.id, std::move(event));
              auto filled = gap_.filled(channel, *stream, std::move(events),
                                        entries->size() >= asked, ttl, Clock::now());
              if (filled.rewound_at)
                  // A client resuming from any entry the stream still holds
                  // missed the lost ones after it, which the stream cannot
                  // show: trimmed away, such a resume finds no anchor and is
                  // a reset.
                  send_(channel,
                        sw::trim_command(config_.channel_prefix, channel, *filled.rewound_at), {});
              deliver(channel, std::move(filled));
          });
}

void StreamGap::deliver(const std::string& channel, redis::GapFill::Filled filled) {
    std::vector<std::shared_ptr<Event>> batch;
    if (filled.reset_reason) {
        stats_.gap_resets.add();
        spdlog::warn("redis: telling the subscribers of {} to reset: {}", channel,
                     *filled.reset_reason);
        batch.push_back(make_reset_notice(channel, *filled.reset_reason));
    }
    stats_.gap_events.add(filled.from_stream);
    if (filled.from_stream > 0)
        spdlog::info("redis: filled the gap of {} with {} event(s) from its history", channel,
                     filled.from_stream);
    std::move(filled.deliver.begin(), filled.deliver.end(), std::back_inserter(batch));
    if (!batch.empty())
        hub_.ingest(std::move(batch), /*reject_duplicates=*/false);
}

} // namespace herald
