#pragma once
// GET /events: a text/event-stream response that stays open. Nothing is read
// after the request; a zero-byte wait tells us when the client goes away, so
// an idle stream holds no read buffer.
//
// In client mode (?client=1, README "Client mode") every message is an
// unnamed event whose data is the JSON a WebSocket client gets: events with
// their channel, and {"type":"hello"|"heartbeat"|"reset"} for the stream
// itself, so that one EventSource.onmessage sees everything.
//
// A stream with a token ends when the token expires (enforce_token_expiry):
// EventSource cannot be handed a new token, so the client reconnects with one.
#include "herald/server/session.hpp"

namespace herald {

class SseSession final : public Session {
public:
    struct Options {
        std::vector<std::string> channels;
        std::optional<std::string> last_event_id;
        std::string cors_origin; // echoed when allowed; empty = no CORS headers
        bool client_mode = false;
        std::int64_t token_expires = 0; // the token's exp; 0 = no token
    };

    SseSession(Worker& worker, tcp::socket socket, Options options);
    void start();

    void on_subscribed(const std::vector<std::string>& channels, bool reset,
                       const std::string& reset_reason,
                       const std::vector<EventPtr>& replay,
                       const std::string& position) override;
    void on_sweep(Clock::time_point now) override;
    void on_shutdown(std::chrono::milliseconds sse_retry) override;
    // Admin API: "event: disconnect" (client mode: {"type":"disconnect"}),
    // then the stream ends.
    void admin_disconnect(const std::string& reason) override;

private:
    const std::string& encoding(const Event& event) const override {
        return client_mode_ ? event.client_sse() : event.sse;
    }
    void on_slow_consumer() override;
    SharedBuffer gap_marker(std::size_t dropped) const override;
    SharedBuffer unsubscribed_notice(const std::string& channel) const override;
    // EventSource sends nothing after its request: what comes is dropped.
    void on_input(std::string_view) override {}
    bool reads_while_closing() const override { return true; }
    // The token ran out: "event: expired" (client mode: {"type":"expired"}),
    // then the stream ends, so that the client reconnects with a new token.
    void end_expired();

    // Needed only until the response head is queued: held apart, so that an
    // idle stream does not carry its 112 bytes (issue 14's idle memory).
    std::unique_ptr<Options> options_;
    bool client_mode_;
    std::int64_t token_expires_;
    bool streaming_ = false; // the response head is queued: the body may follow
};

} // namespace herald
