#pragma once
// GET /poll: one HTTP answer that waits for events. It is a Session like SSE
// and WebSocket (subscribed through the hub, with the same resume history and
// fan-out), but it gathers what arrives into a single JSON answer instead of
// streaming it, then leaves: on a keep-alive connection the socket goes back
// to a fresh HttpSession for the next request (the next poll, typically).
//
// While it waits it holds what an idle SSE stream holds and no more: no read
// buffer (a zero-byte wait, and a one-byte MSG_PEEK, tell a hang-up from a
// pipelined request), no timer (the worker's sweep serves its deadline).
#include "herald/config/config.hpp"
#include "herald/poll/poll_answer.hpp"
#include "herald/poll/poll_cursor.hpp"
#include "herald/server/session.hpp"

#include <memory>

namespace herald {

class PollSession final : public Session {
public:
    struct Options {
        std::optional<std::string> last_event_id;
        Millis timeout{0};       // already clamped to poll_max_timeout
        std::string cors_origin; // echoed when allowed; empty = no CORS headers
        bool keep_alive = true;  // hand the connection back after answering
        bool forwarded = false;  // from a trusted proxy: counted per address for this poll only
    };

    PollSession(Worker& worker, tcp::socket socket, Options options);
    // Taken here rather than kept in Options: a waiting poll holds no copy.
    void start(std::vector<std::string> channels);

    void deliver(const EventPtr& event) override;
    void on_subscribed(const std::vector<std::string>& channels, bool reset,
                       const std::string& reset_reason,
                       const std::vector<EventPtr>& replay,
                       const std::string& position) override;
    void on_sweep(Clock::time_point now) override;
    void on_shutdown(std::chrono::milliseconds sse_retry) override;
    void abort() override;
    // Admin API: answers now with "disconnect":true and the reason, then
    // closes the connection (no keep-alive: the poll session ends).
    void admin_disconnect(const std::string& reason) override;

private:
    const std::string& encoding(const Event& event) const override { return event.ws_frame; }
    void on_slow_consumer() override { close_now(); } // the outbox is not used
    void on_input(std::string_view) override {}      // start_reading is not used
    SharedBuffer gap_marker(std::size_t) const override { return nullptr; } // nor are policies
    // A poll's answer has no place for it: the channel's events stop coming
    // into this answer, and the client's next poll names its channels anew.
    SharedBuffer unsubscribed_notice(const std::string&) const override { return nullptr; }

    // Takes an event into the answer, in publish order, up to max_queued_bytes.
    void collect(const EventPtr& event);
    void do_answer(bool reset = false, std::string_view reset_reason = {},
                   std::optional<std::string_view> disconnect = std::nullopt);
    void on_answered(error_code ec);
    void hand_back();
    void do_watch();
    void on_readable(error_code ec);

    // Events taken for the answer; allocated by the first one, so that a
    // waiting poll pays one pointer for them.
    struct Gathered {
        std::vector<EventPtr> events;
        std::size_t bytes = 0; // of their JSON
        std::string reset_reason; // a reset notice came (Event::reset_notice)
    };

    PollCursor cursor_;
    std::string cors_origin_;
    Clock::time_point deadline_;
    std::unique_ptr<Gathered> gathered_;
    std::unique_ptr<PollAnswer> answer_; // only while it is written
    // Ourselves, while no handler is pending to keep us: after the watch
    // stopped for a pipelined request, until the answer is written.
    std::shared_ptr<PollSession> hold_;
    bool keep_alive_;
    bool forwarded_;
    bool subscribed_ = false;
    bool answer_posted_ = false;
    bool answered_ = false;
    bool handed_off_ = false;
};

} // namespace herald
