#pragma once
// Filling the gap of a broken subscription from the shared history, sans-io.
//
// Redis pub/sub keeps nothing for an absent subscriber: events published
// while the subscriber connection was down (a restart, a failover, a
// client-output-buffer kill) are lost to it. With history in streams they
// are not lost to Redis, so for each channel the bridge remembers the stream
// id of the newest event it delivered (or, before the first one, the
// stream's newest entry when it began to follow the channel: its floor).
// When the channel is subscribed again, the bridge reads the stream after
// that id and delivers what it finds, in order, before any newer live event,
// which it holds meanwhile. Every event whose stream id is not after the
// channel's newest delivered one is dropped as a duplicate, so a late live
// copy of a filled event does not come twice.
//
// Where the stream cannot fill the gap (trimmed past it, expired, no floor
// known, or no history for the channel), the channel's subscribers are told
// `reset`.
#include "herald/broker/redis/stream_wire.hpp"
#include "herald/hub/event.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald::redis {

class GapFill {
public:
    using StreamId = stream_wire::StreamId;
    using Clock = std::chrono::steady_clock;
    // Live events held per channel while its gap is read; beyond, the
    // channel is reset instead (memory stays bounded).
    static constexpr std::size_t max_held = 10'000;

    // What to do once Redis confirmed the (re)subscription of a channel.
    struct Action {
        enum class Kind {
            none,       // nothing was missed
            read_floor, // first follow: read the stream's newest id (floor())
            read_gap,   // read after `after`, then filled()
            reset,      // tell the channel's subscribers `reset`
        };
        Kind kind = Kind::none;
        StreamId after;
        std::string reason;
    };

    // `stored(channel)`: whether the channel keeps history in streams.
    explicit GapFill(std::function<bool(const std::string&)> stored)
        : stored_(std::move(stored)) {}

    // The bridge follows / stops following a channel.
    void follow(const std::string& channel);
    void forget(const std::string& channel);
    // The subscriber connection is gone: every followed channel has a gap.
    void on_break(Clock::time_point now);
    // One channel's subscription is gone (a cluster master's connection).
    void on_break(const std::string& channel, Clock::time_point now);
    Action on_subscribed(const std::string& channel);
    // The stream's newest entry when the channel began to be followed.
    // nullopt: the stream does not exist (yet).
    void floor(const std::string& channel, std::optional<StreamId> newest);
    void floor_failed(const std::string& channel);

    // A live event (any channel). Returns it to deliver now, or nullptr:
    // held while its channel's gap is read, or dropped as a duplicate.
    std::shared_ptr<Event> on_live(std::shared_ptr<Event> event, std::optional<StreamId> sid);

    struct Filled {
        std::optional<std::string> reset_reason;     // reset the channel first
        std::vector<std::shared_ptr<Event>> deliver; // then these, in order
        std::size_t from_stream = 0;                 // of which read from the stream
        // The stream ends before what was delivered from it: it lost entries
        // after `rewound_at`, its last id (a failover to a replica that had
        // not received them). Every entry it holds precedes the loss.
        std::optional<StreamId> rewound_at;
    };
    // The gap read: the stream's info, and its entries after the position
    // (as events, with their stream ids), oldest first; `truncated` when the
    // read was capped. `ttl`: the channel's history_ttl. Nothing when the
    // read is stale (the connection broke again since).
    Filled filled(const std::string& channel, const stream_wire::Info& info,
                  std::vector<std::pair<StreamId, std::shared_ptr<Event>>> entries,
                  bool truncated, std::chrono::milliseconds ttl, Clock::time_point now);
    // The gap read failed: reset, then the held events. Nothing when stale:
    // after a break, the next subscription reads again.
    Filled failed(const std::string& channel, std::string reason);

    std::uint64_t duplicates() const { return duplicates_; }

private:
    struct Channel {
        std::optional<StreamId> last; // newest delivered, or the floor
        bool floor_pending = false;
        bool broken = false;          // subscribed again after a break?
        bool filling = false;         // gap read in flight: live events are held
        bool overflowed = false;
        Clock::time_point broke_at{};
        std::vector<std::pair<std::optional<StreamId>, std::shared_ptr<Event>>> held;
    };
    static void break_one(Channel& c, Clock::time_point now);
    bool fresh(Channel& c, const std::optional<StreamId>& sid);
    void release_held(Channel& c, Filled& out);

    std::function<bool(const std::string&)> stored_;
    std::unordered_map<std::string, Channel> channels_;
    std::uint64_t duplicates_ = 0;
};

} // namespace herald::redis
