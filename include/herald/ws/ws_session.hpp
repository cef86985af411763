#pragma once
// GET /ws: a WebSocket connection. Beast does the handshake; client frames
// are parsed by ws::FrameReader (masking, fragmentation, UTF-8, limits, close
// codes); event frames are pre-encoded per event and written by the outbox.
// ws_session.cpp has the connection (handshake, frames, heartbeat, close),
// ws_messages.cpp the JSON messages a client sends over it.
#include "herald/auth/access_policy.hpp"
#include "herald/ws/message_rate_limiter.hpp"
#include "herald/server/outbox_stream.hpp"
#include "herald/http/publish_request.hpp"
#include "herald/server/session.hpp"
#include "herald/wire/ws_frame_reader.hpp"
#include "herald/upstream/upstream_message.hpp"
#include "herald/ws/client_message.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace herald {

class WsSession final : public Session, private OutboxStream::Owner {
public:
    using Request = boost::beast::http::request<boost::beast::http::string_body>;

    // `client_mode` (?client=1, README "Client mode"): the first frame is
    // {"type":"hello","heartbeat":<ms>}.
    WsSession(Worker& worker, tcp::socket socket, std::vector<std::string> channels,
              std::optional<std::string> last_event_id, bool client_mode = false);
    void start(Request request);

    void on_subscribed(const std::vector<std::string>& channels, bool reset,
                       const std::string& reset_reason,
                       const std::vector<EventPtr>& replay,
                       const std::string& position) override;
    void on_sweep(Clock::time_point now) override;
    void on_shutdown(std::chrono::milliseconds sse_retry) override;
    // Admin API: close 4002 with the admin's reason (src/ws/ws_session.cpp).
    void admin_disconnect(const std::string& reason) override;

private:
    // OutboxStream::Owner: bytes Beast writes, and Beast's end of the connection.
    void queue_control(SharedBuffer bytes) override;
    void end_after_close_frame() override;
    // A deflate session gets the event's shared compressed frame.
    const std::string& encoding(const Event& event) const override;
    void on_slow_consumer() override;
    SharedBuffer gap_marker(std::size_t dropped) const override;
    SharedBuffer unsubscribed_notice(const std::string& channel) const override;
    void on_accept(error_code ec);
    void on_input(std::string_view bytes) override;
    void handle_frames(std::string_view bytes);
    void send_text(std::string text);
    void close_with(std::uint16_t code, std::string_view reason);

    // Client messages (src/ws/ws_messages.cpp).
    void handle_message(std::string_view text);
    // A message over client_message_rate: dropped, then an error frame or 1008.
    void on_rate_limited(MessageRateLimiter::Verdict verdict);
    void handle_publish(PublishRequest request);
    void handle_presence(const std::string& channel);
    // {"type":"send"} upstream to the application (src/ws/ws_send.cpp).
    void handle_send(ClientMessage message);
    bool may_send(const std::string& channel) const;
    void on_sent(const std::string& ref, const upstream::Result& result);

    // Token lifetimes (src/ws/ws_token.cpp): asks for a new token before
    // exp, closes with 4001 at exp + leeway, and takes a {"type":"refresh"}.
    // False once the connection is closing for it.
    bool check_token(Clock::time_point now);
    void handle_refresh(const std::string& token);
    // Unsubscribes, with an error frame each, what the identity no longer allows.
    void drop_disallowed_channels();
    void sweep_heartbeat(Clock::time_point now);

    // Answers a permessage-deflate offer (ws_deflate_offer.hpp) if
    // ws_deflate is on: no zlib state here, the worker's serves.
    void negotiate_deflate(const Request& request);

    // Only for the handshake, then released: Beast's stream costs 2.5 KiB.
    // Beast's own permessage-deflate stays off: it keeps zlib state per
    // stream and compresses per recipient (see negotiate_deflate instead).
    using Handshake = boost::beast::websocket::stream<OutboxStream, /*deflateSupported=*/false>;
    std::unique_ptr<Handshake> handshake_;
    // What the URL asked for, subscribed once the handshake is done, then
    // released: an open connection does not carry these 64 bytes.
    struct Opening {
        std::vector<std::string> channels;
        std::optional<std::string> last_event_id;
    };
    std::unique_ptr<Opening> opening_;
    ws::FrameReader reader_;
    Clock::time_point last_read_;
    Clock::time_point ping_sent_;
    bool awaiting_pong_ = false;
    bool open_ = false; // the handshake is done
    bool client_mode_;
    bool deflate_ = false; // permessage-deflate negotiated
    MessageRateLimiter rate_;
};

} // namespace herald
