#pragma once
// Per-channel memory of recent events, for resuming with Last-Event-ID.
// Single-threaded: owned by the hub. Sans-io: time is passed in.
#include "herald/hub/event.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald {

class History {
public:
    using Clock = std::chrono::steady_clock;

    History(std::size_t per_channel, std::chrono::milliseconds ttl)
        : per_channel_(per_channel), ttl_(ttl) {}

    void append(const EventPtr& event, Clock::time_point now);
    bool contains(const std::string& channel, std::string_view id) const;

    struct Replay {
        bool reset = false; // the id is not (or no longer) known: client must reload state
        std::string reason; // why, for logs and the reset message
        std::vector<EventPtr> events; // everything after the id, in publish order
    };
    // Events of `channels` published after the event `last_id`. Reset when the
    // id is unknown or when any of the channels has dropped an event published
    // after it (evicted or expired), since the client would then miss it.
    Replay since(std::span<const std::string> channels, std::string_view last_id,
                 Clock::time_point now);

    // Events of `channels` with seq >= from_seq, in publish order.
    std::vector<EventPtr> since_seq(std::span<const std::string> channels,
                                    std::uint64_t from_seq) const;

    // Drops expired events and forgets empty channels.
    void expire(Clock::time_point now);

    std::size_t channel_count() const { return channels_.size(); }
    std::size_t event_count() const { return events_; }

private:
    struct Entry {
        EventPtr event;
        Clock::time_point stored_at;
    };
    struct Channel {
        std::deque<Entry> entries;     // oldest first
        std::uint64_t dropped_seq = 0; // highest seq evicted or expired
    };
    void drop_expired(Channel& channel, Clock::time_point now);

    std::size_t per_channel_;
    std::chrono::milliseconds ttl_;
    std::size_t events_ = 0;
    std::unordered_map<std::string, Channel> channels_;
};

} // namespace herald
