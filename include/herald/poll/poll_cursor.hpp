#pragma once
// The long-poll cursor: what GET /poll answers as "lastEventId" and the
// client passes back on its next poll, so that nothing published between two
// polls is lost. Sans-io and pure.
//
// The cursor is an event id whenever there is one: the id of the last event
// of the answer, resolved by the same history as SSE resume (one id covers
// every channel, since ids are unique and history replays by publish order).
// Ids are the publisher's, so they resolve on any node that holds the event.
//
// A poll that answers no event keeps the cursor it was given. Without one, it
// answers a *position*, "@<boot>-<seq>": the hub's publish sequence number
// when the subscription went live, prefixed by a random id of this process.
// Only this process can resolve it; on another node or after a restart it is
// an unknown cursor and the next poll answers "reset": true, never a gap.
//
// Events without an id (ephemeral events, never in history) are delivered but
// do not move the cursor: a cursor must be something history can resolve.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald {

struct PollPosition {
    std::string_view boot; // the process that issued it
    std::uint64_t seq;     // the last publish sequence number it had seen
};

// "@<boot>-<seq>"; boot must be non-empty [0-9a-f].
std::string format_position(std::string_view boot, std::uint64_t seq);
// The parts of a position cursor, or nullopt when `cursor` is not one (it is
// then taken as an event id). The view points into `cursor`.
std::optional<PollPosition> parse_position(std::string_view cursor);

class PollCursor {
public:
    // `requested`: the request's lastEventId, if any.
    explicit PollCursor(std::optional<std::string> requested)
        : value_(requested ? std::move(*requested) : std::string{}), given_(requested) {}

    // The hub's position once the subscription is live: the cursor of an
    // answer without events when the request had none. `reset` (the given
    // cursor could not be resolved) replaces the given cursor with it too.
    void set_position(std::string_view boot, std::uint64_t last_seq, bool reset) {
        set_position(format_position(boot, last_seq), reset);
    }
    // The same, with the position already formatted (format_position).
    void set_position(std::string position, bool reset);
    // An event that goes into the answer, in publish order. An empty id
    // (ephemeral event) leaves the cursor where it is.
    void advance(std::string_view event_id);

    // What the answer carries; empty only before set_position when the
    // request had no cursor and no event came.
    const std::string& value() const { return value_; }
    // Whether the request had a cursor (what the hub must resolve).
    bool given() const { return given_; }

private:
    std::string value_;
    bool given_;           // the request had a cursor (kept unless reset)
    bool advanced_ = false; // an event set it
};

} // namespace herald
