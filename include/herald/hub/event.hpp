#pragma once
// An event as it travels from a publisher to every recipient: validated and
// encoded once per transport, then shared read-only by every session queue.
#include "herald/config/slow_consumer.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace herald {

struct Event {
    std::string channel;
    std::string name;      // SSE "event:" field; "message" by default
    std::string id;        // publisher's id, or one herald generated
    std::uint64_t seq = 0; // node-wide publish order, stamped by the hub
    std::chrono::steady_clock::time_point published_at{};
    std::string data_json; // the data as compact JSON text
    // Delivered live only: never stored in history, never replayed, no id.
    bool ephemeral = false;
    std::string from; // the publishing WebSocket client's user id, or empty
    std::string key;  // the publisher's `key` (for `latest`), or empty
    // Where it sits in its channel's Redis stream (history_backend = "redis",
    // stream_wire.hpp): <ms>-<seq>, both 0 when it is not stored there.
    std::uint64_t stream_ms = 0;
    std::uint64_t stream_seq = 0;
    bool in_stream() const { return stream_ms != 0 || stream_seq != 0; }
    // Not an event but a notice to the channel's subscribers that they may
    // have missed events (make_reset_notice): SSE "event: reset", WebSocket
    // {"type":"reset"}, a poll answer's "reset". data_json is {"reason":..}.
    bool reset_notice = false;
    std::string sse;       // complete SSE bytes: "id: ..\nevent: ..\ndata: ..\n\n"
    std::string ws_frame;  // complete WebSocket text frame (header + JSON payload)

    std::size_t wire_bytes() const { return sse.size() + ws_frame.size(); }

    // What a session's outbox does with this event when its subscriber cannot
    // keep up. Resolved once from the channel's namespace when the hub stamps
    // the event, so the fan-out reads it instead of matching patterns per
    // recipient.
    SlowConsumer slow_consumer = SlowConsumer::disconnect;
    // For `latest`: the hash of what makes two events replace each other,
    // the channel and the publisher's `key`.
    std::size_t latest_hash = 0;
    bool same_latest_key(const Event& other) const {
        return channel == other.channel && key == other.key;
    }

    // The SSE form of client mode (README "Client mode"): an unnamed event
    // whose data is the WebSocket JSON. Made by the first client-mode stream
    // that gets the event, once, and shared by every other one, so that plain
    // streams pay nothing for it.
    const std::string& client_sse() const;

    // The frame for permessage-deflate sessions: ws_frame's JSON compressed
    // with no context takeover (RSV1 set), made once by the first deflate
    // session that gets the event and shared by every other one, on any
    // worker, so that plain sessions and events nobody compresses pay
    // nothing. ws_frame itself when compressing would not pay (a small
    // payload, or no saving). `built` is set when this call made it (for
    // the metrics).
    const std::string& ws_deflate_frame(bool* built = nullptr) const;

private:
    mutable std::once_flag client_sse_once_;
    mutable std::string client_sse_;
    mutable std::once_flag ws_deflate_once_;
    mutable std::string ws_deflate_frame_; // empty: ws_frame serves
};

using EventPtr = std::shared_ptr<const Event>;

// Event::latest_hash for a channel and a publisher's key.
std::size_t latest_key_hash(std::string_view channel, std::string_view key);

// A validated event before any encoding: what a publisher (POST /publish, a
// WebSocket publish) hands to the broker. Only the broker knows whether it
// will be delivered here (EmbeddedBroker encodes it into an Event, once) or
// travel through Redis first (RedisBridge only makes the envelope; the event
// is encoded when it comes back), so encoding earlier would be wasted.
struct Publication {
    std::string channel;
    std::string name;      // "message" unless the publisher chose one
    std::string id;        // the publisher's, or generated (stamp_publication); "" if ephemeral
    std::string data_json; // compact JSON
    std::string sse_data;  // what EventSource sees as event.data (see make_event)
    bool ephemeral = false;
    // Set by herald, never by the publisher: the user id of the WebSocket
    // client that published, so that receivers know who is typing.
    std::string from;
    // The publisher's optional `key`: under slow_consumer = "latest", a
    // pending event is replaced by a newer one of the same channel and key
    // (a price per symbol, a progress bar per task). Never on the wire to
    // subscribers.
    std::string key = {};
};

// Builds an event and encodes both transports. `sse_data` is what EventSource
// sees as `event.data`: the string itself when data is a JSON string, the JSON
// text otherwise (see docs in sse_encoder.hpp).
std::shared_ptr<Event> make_event(std::string channel, std::string name, std::string id,
                                  std::string data_json, std::string_view sse_data);
// A reset notice for every subscriber of `channel` (see Event::reset_notice):
// ephemeral, with no id, so that the client's resume position stays put.
// `dropped`, when herald knows it, is how many events of the channel each
// subscriber missed: {"reason":..,"dropped":N}.
std::shared_ptr<Event> make_reset_notice(std::string channel, std::string_view reason,
                                         std::size_t dropped = 0);
// With `from`, the SSE data becomes {"from":"<user>","data":<data>} (SSE has
// no field of its own for it) and the WS JSON gets a "from" member.
std::shared_ptr<Event> make_event(Publication publication);

} // namespace herald
