#pragma once
// Per-channel memory of recent events, for resuming with Last-Event-ID.
// Single-threaded: owned by the hub. Sans-io: time is passed in.
#include "herald/hub/event.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald {

class History {
public:
    using Clock = std::chrono::steady_clock;

    // How many events a channel keeps, and for how long (0 events: none).
    struct Limits {
        std::size_t size;
        std::chrono::milliseconds ttl;
    };
    using LimitsFor = std::function<Limits(std::string_view channel)>;

    // Channels get their limits from `limits_for` (namespaces); `longest_ttl`
    // is the largest ttl it may answer.
    History(LimitsFor limits_for, std::chrono::milliseconds longest_ttl)
        : limits_for_(std::move(limits_for)), longest_ttl_(longest_ttl) {}
    // The same limits for every channel.
    History(std::size_t per_channel, std::chrono::milliseconds ttl)
        : History([=](std::string_view) { return Limits{per_channel, ttl}; }, ttl) {}

    void append(const EventPtr& event, Clock::time_point now);
    // The channel's subscribers were told reset (seq: the notice's): events
    // may be missing before it, so a resume from an older position must be
    // a reset too, not a replay around the hole.
    void mark_gap(const std::string& channel, std::uint64_t seq, Clock::time_point now);
    bool contains(const std::string& channel, std::string_view id) const;

    struct Replay {
        bool reset = false; // the id is not (or no longer) known: client must reload state
        std::string reason; // why, for logs and the reset message
        std::vector<EventPtr> events; // everything after the id, in publish order
    };
    // Events of `channels` published after the event `last_id`. Reset when the
    // id is unknown, when any of the channels has dropped an event published
    // after it (evicted or expired), or keeps no history at all, since the
    // client would then miss it.
    Replay since(std::span<const std::string> channels, std::string_view last_id,
                 Clock::time_point now);
    // The same from a position instead of an id: events with seq > last_seq.
    // Reset under the same conditions, and also when a channel that may have
    // held such an event has since been forgotten (a position, unlike an id,
    // does not expire by itself). For long-poll position cursors.
    Replay after_seq(std::span<const std::string> channels, std::uint64_t last_seq,
                     Clock::time_point now);

    // Events of `channels` with seq >= from_seq, in publish order.
    std::vector<EventPtr> since_seq(std::span<const std::string> channels,
                                    std::uint64_t from_seq) const;

    // The channel's newest stored event that has not expired, or null.
    EventPtr latest(const std::string& channel, Clock::time_point now);

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
        Limits limits;                 // resolved once, when the channel is first stored
        std::deque<Entry> entries;     // oldest first
        std::uint64_t dropped_seq = 0; // highest seq evicted or expired
        Clock::time_point last_stored{};
    };
    void drop_expired(Channel& channel, Clock::time_point now);

    LimitsFor limits_for_;
    std::chrono::milliseconds longest_ttl_;
    std::size_t events_ = 0;
    std::uint64_t forgotten_seq_ = 0; // highest seq once held by a channel since forgotten
    std::unordered_map<std::string, Channel> channels_;
};

} // namespace herald
