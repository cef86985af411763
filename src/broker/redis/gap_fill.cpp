#include "herald/broker/redis/gap_fill.hpp"

namespace herald::redis {

void GapFill::follow(const std::string& channel) {
    channels_.try_emplace(channel);
}

void GapFill::forget(const std::string& channel) {
    channels_.erase(channel);
}

void GapFill::on_break(Clock::time_point now) {
    for (auto& [name, c] : channels_)
        break_one(c, now);
}

void GapFill::on_break(const std::string& channel, Clock::time_point now) {
    if (auto it = channels_.find(channel); it != channels_.end())
        break_one(it->second, now);
}

void GapFill::break_one(Channel& c, Clock::time_point now) {
    if (!c.broken)
        c.broke_at = now;
    c.broken = true;
    c.filling = false; // its read fails with the connection (unfilled)
    c.floor_pending = false;
}

GapFill::Action GapFill::on_subscribed(const std::string& channel) {
    auto it = channels_.find(channel);
    if (it == channels_.end())
        return {};
    auto& c = it->second;
    if (!c.broken) {
        if (!stored_(channel) || c.last || c.floor_pending)
            return {};
        c.floor_pending = true;
        return {Action::Kind::read_floor, {}, {}};
    }
    c.broken = false;
    if (!stored_(channel))
        return {Action::Kind::reset, {},
                "the node lost its Redis subscription, and " + channel +
                    " keeps no history to fill the gap from"};
    if (!c.last)
        return {Action::Kind::reset, {},
                "the node lost its Redis subscription before it knew its position in " +
                    channel + "'s history"};
    c.filling = true;
    return {Action::Kind::read_gap, *c.last, {}};
}

void GapFill::floor(const std::string& channel, std::optional<StreamId> newest) {
    auto it = channels_.find(channel);
    if (it == channels_.end() || !it->second.floor_pending)
        return;
    auto& c = it->second;
    c.floor_pending = false;
    // Live events may already have moved it further.
    const StreamId at = newest.value_or(StreamId{});
    if (!c.last || at > *c.last)
        c.last = at;
}

void GapFill::floor_failed(const std::string& channel) {
    if (auto it = channels_.find(channel); it != channels_.end())
        it->second.floor_pending = false;
}

bool GapFill::fresh(Channel& c, const std::optional<StreamId>& sid) {
    if (!sid)
        return true; // a plain PUBLISH: live only, nothing to compare
    if (c.last && *sid <= *c.last)
        return false;
    c.last = sid;
    return true;
}

std::shared_ptr<Event> GapFill::on_live(std::shared_ptr<Event> event,
                                        std::optional<StreamId> sid) {
    auto it = channels_.find(event->channel);
    if (it == channels_.end())
        return event;
    auto& c = it->second;
    if (c.filling) {
        if (c.held.size() < max_held)
            c.held.emplace_back(sid, std::move(event));
        else
            c.overflowed = true;
        return nullptr;
    }
    if (!fresh(c, sid)) {
        ++duplicates_;
        return nullptr;
    }
    return event;
}

GapFill::Filled GapFill::filled(const std::string& channel, const stream_wire::Info& info,
                                std::vector<std::pair<StreamId, std::shared_ptr<Event>>> entries,
                                bool truncated, std::chrono::milliseconds ttl,
                                Clock::time_point now) {
    Filled out;
    auto it = channels_.find(channel);
    if (it == channels_.end() || !it->second.filling)
        return out;
    auto& c = it->second;
    const StreamId after = c.last.value_or(StreamId{});
    // A stream that ends before what was delivered from it lost entries: a
    // promoted replica that had not received them (Sentinel), or a deleted
    // key. Its new entries may be numbered below `after` (another server's
    // clock), so the position goes back to where the stream is.
    const bool rewound = info.exists ? info.last < after : false;
    if (rewound || !info.exists)
        c.last = info.last;
    if (rewound)
        out.rewound_at = info.last;
    if (rewound)
        out.reset_reason = "the history of " + channel +
                           " in Redis ends before events already delivered (a failover to a "
                           "replica that had not received them?)";
    else if (truncated)
        out.reset_reason = "more events were published on " + channel +
                           " while the node was away from Redis than its history holds";
    else if (stream_wire::lost_from(info, {after.ms, after.seq + 1}))
        out.reset_reason = "events published on " + channel +
                           " while the node was away from Redis are no longer held";
    else if (!info.exists && now - c.broke_at >= ttl)
        out.reset_reason = "the node was away from Redis longer than " + channel +
                           "'s history_ttl";
    else if (c.overflowed)
        out.reset_reason = "too many live events on " + channel + " while its gap was read";
    // After a reset too: what can still be delivered is, in order.
    for (auto& [sid, event] : entries)
        if (fresh(c, sid)) {
            out.deliver.push_back(std::move(event));
            ++out.from_stream;
        }
    release_held(c, out);
    return out;
}

GapFill::Filled GapFill::failed(const std::string& channel, std::string reason) {
    Filled out;
    auto it = channels_.find(channel);
    if (it == channels_.end() || !it->second.filling)
        return out;
    out.reset_reason = std::move(reason);
    release_held(it->second, out);
    return out;
}

void GapFill::release_held(Channel& c, Filled& out) {
    c.filling = false;
    for (auto& [sid, event] : c.held)
        if (fresh(c, sid))
            out.deliver.push_back(std::move(event));
        else
            ++duplicates_;
    c.held.clear();
    c.overflowed = false;
}

} // namespace herald::redis
