#include "herald/poll/poll_session.hpp"

#include "herald/http/http_session.hpp"
#include "herald/hub/hub.hpp"
#include "herald/server/server_info.hpp"
#include "herald/server/worker.hpp"
#include "herald/wire/ws_frame.hpp"

#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <boost/asio/write.hpp>
#include <cerrno>
#include <spdlog/spdlog.h>

namespace herald {

PollSession::PollSession(Worker& worker, tcp::socket socket, Options options)
    : Session(worker, Transport::poll, std::move(socket)), cursor_(std::move(options.last_event_id)), cors_origin_(std::move(options.cors_origin)),
      deadline_(Clock::now() + options.timeout), keep_alive_(options.keep_alive),
      forwarded_(options.forwarded) {}

void PollSession::start(std::vector<std::string> channels) {
    spdlog::debug("poll open {} channels={}", peer(), channels.size());
    // Subscribed before anything is answered, as SSE: an event published
    // after the hub has registered us reaches us live, and every earlier one
    // after the cursor comes in the replay.
    std::optional<std::string> last_event_id;
    if (cursor_.given())
        last_event_id = cursor_.value();
    subscribe(std::move(channels), std::move(last_event_id));
    do_watch();
}

void PollSession::on_subscribed(const std::vector<std::string>&, bool reset,
                                const std::string& reset_reason,
                                const std::vector<EventPtr>& replay,
                               const std::string& position) {
    if (answered_) { // answered meanwhile (shutdown): stay out of the shard
        worker_.unsubscribe_all(*this);
        return;
    }
    subscribed_ = true;
    cursor_.set_position(position, reset);
    // A reset answers at once: the client must reload its state anyway, and
    // then polls on from the position it gets here.
    if (reset)
        return do_answer(true, reset_reason);
    for (const auto& event : replay)
        collect(event);
    if (gathered_ || Clock::now() >= deadline_)
        return do_answer();
    next_check_ = deadline_; // the worker's sweep, not a timer of our own
}

void PollSession::deliver(const EventPtr& event) {
    if (answered_ || !subscribed_)
        return;
    collect(event);
    worker_.stats().events_delivered[static_cast<std::size_t>(Transport::poll)].add();
    // Answered from a posted handler, not from here: the shard is iterating
    // over us, and the rest of this batch belongs in the same answer.
    if (!answer_posted_) {
        answer_posted_ = true;
        net::post(worker_.context(), [self = std::static_pointer_cast<PollSession>(
                                          shared_from_this())] { self->do_answer(); });
    }
}

void PollSession::collect(const EventPtr& event) {
    // Beyond max_queued_bytes the answer stops taking events, and the cursor
    // with it: what is left out is after the cursor, so the next poll gets it
    // from history (an ephemeral event left out is lost, as it may be).
    if (!gathered_)
        gathered_ = std::make_unique<Gathered>();
    else if (gathered_->bytes >= worker_.config().max_queued_bytes)
        return;
    if (event->reset_notice) {
        // Not an event of the answer: the answer says reset.
        auto notice = nlohmann::json::parse(event->data_json, nullptr, false);
        gathered_->reset_reason = notice.is_object() ? notice.value("reason", "reset") : "reset";
        return;
    }
    gathered_->bytes += ws::frame_payload(event->ws_frame).size();
    cursor_.advance(event->id);
    gathered_->events.push_back(event);
}

void PollSession::admin_disconnect(const std::string& reason) {
    do_answer(false, {}, reason);
}

void PollSession::do_answer(bool reset, std::string_view reset_reason,
                            std::optional<std::string_view> disconnect) {
    if (answered_ || closing())
        return;
    answered_ = true;
    worker_.unsubscribe_all(*this); // nothing more is delivered to an answered poll
    if (worker_.info().shutting_down || disconnect)
        keep_alive_ = false;
    std::vector<EventPtr> events;
    std::string notice;
    if (gathered_) {
        events = std::move(gathered_->events);
        notice = std::move(gathered_->reset_reason);
    }
    if (!reset && !notice.empty()) {
        reset = true;
        reset_reason = notice;
    }
    gathered_.reset();
    answer_ = std::make_unique<PollAnswer>(std::move(events), cursor_.value(), reset, reset_reason,
                                           PollAnswer::Head{keep_alive_, cors_origin_},
                                           disconnect);
    // A client that does not read its answer is closed by the sweep.
    next_check_ = Clock::now() + worker_.config().handshake_timeout;
    net::async_write(socket_, answer_->buffers(),
                     [self = std::static_pointer_cast<PollSession>(shared_from_this())](
                         error_code ec, std::size_t) { self->on_answered(ec); });
}

void PollSession::on_answered(error_code ec) {
    answer_.reset();
    hold_.reset(); // the caller's handler holds us until we return
    if (ec)
        return close_now();
    if (keep_alive_ && !worker_.info().shutting_down)
        return hand_back();
    // Half-close, so that the client reads the answer before the end; the
    // watch (or the sweep, within a second) closes once it hangs up.
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    next_check_ = Clock::now() + std::chrono::seconds(1);
}

void PollSession::hand_back() {
    // Keep-alive, like /publish: the next poll on this connection skips the
    // TCP (and, through nginx, the upstream) handshake. The connection slot
    // moves along, so the connection limits see one connection throughout.
    handed_off_ = true;
    next_check_ = Clock::time_point::max();
    if (forwarded_)
        slot_.forget_address();
    error_code ignored;
    socket_.cancel(ignored); // the watch ends (operation_aborted) before the socket moves
    auto next = std::make_shared<HttpSession>(worker_, std::move(socket_));
    next->adopt_slot(std::move(slot_));
    next->serve_next();
}

void PollSession::do_watch() {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = std::static_pointer_cast<PollSession>(shared_from_this())](
                           error_code ec) { self->on_readable(ec); });
}

void PollSession::on_readable(error_code ec) {
    if (ec || handed_off_)
        return;
    // Peek, never read: a byte is a pipelined request that the HttpSession
    // after the answer will read (so the watch stops); end of stream or an
    // error is a client that left.
    char byte;
    const auto n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) {
        // No handler is pending now: hold ourselves until the answer is written.
        hold_ = std::static_pointer_cast<PollSession>(shared_from_this());
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return do_watch();
    spdlog::debug("poll close {}: {}", peer(), n == 0 ? "eof" : "read error");
    close_now();
}

void PollSession::on_sweep(Clock::time_point now) {
    if (answered_) { // the answer did not leave in time, or the client did not hang up
        next_check_ = Clock::time_point::max();
        return close_now();
    }
    if (now >= deadline_)
        return do_answer(); // {"events":[]} with the cursor
    next_check_ = deadline_;
}

void PollSession::abort() {
    // Released from a handler: the worker is iterating over its connections.
    if (hold_)
        net::post(worker_.context(), [hold = std::move(hold_)] {});
    close_now();
}

void PollSession::on_shutdown(std::chrono::milliseconds) {
    keep_alive_ = false;
    if (subscribed_)
        return do_answer();
    if (!answered_)
        abort(); // not live yet: no cursor to give; the client polls again
}

} // namespace herald
