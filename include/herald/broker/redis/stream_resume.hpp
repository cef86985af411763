#pragma once
// Resuming from the shared history (history_backend = "redis"), sans-io:
// given what Redis holds for each channel of a subscription, which stored
// events a client that last saw `last_id` missed, or that it must be told
// `reset` because some of them are gone.
//
// The client's id is looked up as an event id (a publisher's, or one herald
// generated) or as a stream id (the id of an event published without one).
// Stream ids come from one Redis clock, but each stream numbers the entries
// of one millisecond by itself: another channel's "T-0" may have been added
// after this channel's "T-5". So the other channels replay from the start of
// the anchor's millisecond; an event of theirs from that very millisecond may
// come twice, none is lost.
#include "herald/broker/redis/stream_wire.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace herald::redis {

struct StreamView {
    std::string_view channel;
    stream_wire::Info info;
    // The newest entries, oldest first: (stream id, the event's id).
    std::vector<std::pair<stream_wire::StreamId, std::string>> entries;
    // The read was capped: older entries may exist beyond the first one.
    bool truncated = false;
    std::chrono::milliseconds ttl{0}; // the channel's history_ttl
};

struct ResumePlan {
    bool reset = false;
    bool unknown = false; // the reset is because no stream holds the id
    std::string reason;
    // What to replay, oldest first: (index in the views, index in its entries).
    std::vector<std::pair<std::size_t, std::size_t>> picks;
};

// `now_ms`: Redis' clock (TIME), since entries expire by it.
ResumePlan plan_resume(std::span<const StreamView> views, std::string_view last_id,
                       std::uint64_t now_ms);

} // namespace herald::redis
