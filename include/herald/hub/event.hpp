#pragma once
// An event as it travels from a publisher to every recipient: validated and
// encoded once per transport, then shared read-only by every session queue.
#include "herald/config/slow_consumer.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace herald {

struct Event {
    std::string channel;
    std::string name;      // SSE "event:" field; "message" by default
    std::string id;        // publisher's id, or one herald generated
    std::uint64_t seq = 0; // node-wide publish order, stamped by the hub
    std::chrono::steady_clock::time_point published_at{};
    std::string data_json; // the data as compact JSON text
    std::string sse;       // complete SSE bytes: "id: ..\nevent: ..\ndata: ..\n\n"
    std::string ws_frame;  // complete WebSocket text frame (header + JSON payload)

    std::size_t wire_bytes() const { return sse.size() + ws_frame.size(); }

    // What a session's outbox does with this event when its subscriber cannot
    // keep up. Resolved once from the channel's namespace when the hub stamps
    // the event, so the fan-out reads it instead of matching patterns per
    // recipient.
    SlowConsumer slow_consumer = SlowConsumer::disconnect;
    // For `latest`: the hash of what makes two events replace each other
    // (the channel; a publisher's `key` will be one more field in both).
    std::size_t latest_hash = 0;
    bool same_latest_key(const Event& other) const { return channel == other.channel; }
};

using EventPtr = std::shared_ptr<const Event>;

// Builds an event and encodes both transports. `sse_data` is what EventSource
// sees as `event.data`: the string itself when data is a JSON string, the JSON
// text otherwise (see docs in sse_encoder.hpp).
std::shared_ptr<Event> make_event(std::string channel, std::string name, std::string id,
                                  std::string data_json, std::string_view sse_data);

} // namespace herald
