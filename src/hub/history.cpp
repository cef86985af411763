#include "herald/hub/history.hpp"

#include <algorithm>
#include <optional>

namespace herald {

void History::append(const EventPtr& event, Clock::time_point now) {
    auto it = channels_.find(event->channel);
    if (it == channels_.end()) {
        const auto limits = limits_for_(event->channel);
        if (limits.size == 0)
            return;
        it = channels_.emplace(event->channel, Channel{limits, {}, 0, now}).first;
    }
    auto& channel = it->second;
    drop_expired(channel, now);
    channel.last_stored = now;
    if (channel.entries.size() == channel.limits.size) {
        channel.dropped_seq = channel.entries.front().event->seq;
        channel.entries.pop_front();
        --events_;
    }
    channel.entries.push_back({event, now});
    ++events_;
}

void History::mark_gap(const std::string& channel, std::uint64_t seq, Clock::time_point now) {
    auto it = channels_.find(channel);
    if (it == channels_.end()) {
        const auto limits = limits_for_(channel);
        if (limits.size == 0)
            return; // no history: every resume of it is a reset already
        it = channels_.emplace(channel, Channel{limits, {}, 0, now}).first;
    }
    it->second.dropped_seq = std::max(it->second.dropped_seq, seq);
}

bool History::contains(const std::string& channel, std::string_view id) const {
    auto it = channels_.find(channel);
    if (it == channels_.end())
        return false;
    return std::any_of(it->second.entries.begin(), it->second.entries.end(),
                       [&](const Entry& e) { return e.event->id == id; });
}

History::Replay History::since(std::span<const std::string> channels, std::string_view last_id,
                               Clock::time_point now) {
    Replay replay;
    // Find the position of last_id: ids are unique, so any channel holding it will do.
    std::optional<std::uint64_t> from_seq;
    for (const auto& name : channels) {
        auto it = channels_.find(name);
        if (it == channels_.end())
            continue;
        drop_expired(it->second, now);
        for (const auto& e : it->second.entries)
            if (e.event->id == last_id)
                from_seq = e.event->seq;
        if (from_seq)
            break;
    }
    if (!from_seq) {
        replay.reset = true;
        replay.reason = "unknown or expired event id";
        return replay;
    }
    return after_seq(channels, *from_seq, now);
}

History::Replay History::after_seq(std::span<const std::string> channels, std::uint64_t last_seq,
                                   Clock::time_point now) {
    Replay replay;
    for (const auto& name : channels) {
        auto it = channels_.find(name);
        if (it == channels_.end()) {
            // Nothing published since the channel was last forgotten, unless
            // some forgotten channel held an event after last_seq. (After an
            // id found in history that cannot be: see expire().)
            if (limits_for_(name).size > 0 && forgotten_seq_ <= last_seq)
                continue;
            replay.reset = true;
            replay.reason = limits_for_(name).size > 0
                                ? "events after this cursor are no longer held for " + name
                                : "no history is kept for " + name;
            return replay;
        }
        drop_expired(it->second, now);
        if (it->second.dropped_seq > last_seq) {
            replay.reset = true;
            replay.reason = "events after this id are no longer held for " + name;
            return replay;
        }
    }
    replay.events = since_seq(channels, last_seq + 1);
    return replay;
}

std::vector<EventPtr> History::since_seq(std::span<const std::string> channels,
                                         std::uint64_t from_seq) const {
    std::vector<EventPtr> events;
    for (const auto& name : channels) {
        auto it = channels_.find(name);
        if (it == channels_.end())
            continue;
        for (const auto& e : it->second.entries)
            if (e.event->seq >= from_seq)
                events.push_back(e.event);
    }
    std::sort(events.begin(), events.end(),
              [](const EventPtr& a, const EventPtr& b) { return a->seq < b->seq; });
    return events;
}

EventPtr History::latest(const std::string& channel, Clock::time_point now) {
    auto it = channels_.find(channel);
    if (it == channels_.end())
        return nullptr;
    drop_expired(it->second, now);
    return it->second.entries.empty() ? nullptr : it->second.entries.back().event;
}

void History::drop_expired(Channel& channel, Clock::time_point now) {
    while (!channel.entries.empty() &&
           now - channel.entries.front().stored_at >= channel.limits.ttl) {
        channel.dropped_seq = channel.entries.front().event->seq;
        channel.entries.pop_front();
        --events_;
    }
}

void History::expire(Clock::time_point now) {
    for (auto it = channels_.begin(); it != channels_.end();) {
        drop_expired(it->second, now);
        // An empty channel's dropped_seq still matters for a resume from an id
        // in another channel. Once its last event is older than the longest
        // ttl, any such id is older still and has expired from every channel,
        // so the client's resume fails anyway: forgetting the channel is safe.
        const bool forgettable =
            it->second.entries.empty() && now - it->second.last_stored >= longest_ttl_;
        if (forgettable)
            forgotten_seq_ = std::max(forgotten_seq_, it->second.dropped_seq);
        it = forgettable ? channels_.erase(it) : std::next(it);
    }
}

} // namespace herald
