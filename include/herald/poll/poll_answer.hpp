#pragma once
// The HTTP response to GET /poll, ready for one gather write:
//   200 application/json
//   {"events":[{"channel","event","id","data"}, ...],"lastEventId":"<cursor>"}
// plus "reset":true and "reason" when the cursor could not be resolved, or
// "disconnect":true and "reason" when the Admin API ended the session (the
// client must not poll again).
//
// Each event object is the payload of the event's WebSocket frame, which
// make_event encoded once for every recipient: the answer points into the
// shared events (and keeps them alive) instead of encoding or copying them.
// Sans-io: it only builds buffers; the session writes them.
#include "herald/hub/event.hpp"

#include <boost/asio/buffer.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

class PollAnswer {
public:
    struct Head {
        bool keep_alive = true;
        std::string cors_origin; // echoed when not empty, as /events does
    };

    PollAnswer() = default;
    PollAnswer(std::vector<EventPtr> events, std::string_view cursor, bool reset,
               std::string_view reset_reason, const Head& head,
               std::optional<std::string_view> disconnect = std::nullopt);

    // Head then body; valid as long as this answer lives and is not moved.
    const std::vector<boost::asio::const_buffer>& buffers() const { return buffers_; }
    std::size_t body_size() const { return body_size_; }
    // The body as one string (tests and the fuzzer; the session never copies it).
    std::string body() const;

private:
    std::vector<EventPtr> events_;
    std::string head_;
    std::string tail_; // ],"lastEventId":...}
    std::vector<boost::asio::const_buffer> buffers_;
    std::size_t body_size_ = 0;
};

} // namespace herald
