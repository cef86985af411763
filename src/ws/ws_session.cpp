// WsSession's connection: the handshake, the frames a client sends, the
// heartbeat and the close handshake. The messages inside text frames are
// handled in ws_messages.cpp.
#include "herald/ws/ws_session.hpp"

#include "herald/hub/admin.hpp"

#include "herald/ws/client_message.hpp"
#include "herald/server/worker.hpp"
#include "herald/wire/control_json.hpp"
#include "herald/wire/ws_deflate_offer.hpp"
#include "herald/wire/ws_frame.hpp"
#include "herald/wire/ws_inflater.hpp"

#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

namespace herald {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {
const SharedBuffer& ping_frame() {
    static const SharedBuffer frame =
        std::make_shared<const std::string>(ws::encode_frame(ws::Opcode::ping, {}));
    return frame;
}
} // namespace

WsSession::WsSession(Worker& worker, tcp::socket socket, std::vector<std::string> channels,
                     std::optional<std::string> last_event_id, bool client_mode)
    : Session(worker, Transport::ws, std::move(socket)),
      handshake_(std::make_unique<Handshake>(socket_, static_cast<OutboxStream::Owner&>(*this))),
      opening_(channels.empty()
                   ? nullptr
                   : std::make_unique<Opening>(Opening{std::move(channels), std::move(last_event_id)})),
      reader_(worker.config().max_message_size), last_read_(Clock::now()), client_mode_(client_mode),
      rate_({worker.config().client_message_rate, worker.config().client_message_burst},
            last_read_) {
    handshake_->set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "herald"); }));
}

void WsSession::start(Request request) {
    next_check_ = Clock::now() + worker_.config().handshake_timeout;
    negotiate_deflate(request);
    handshake_->async_accept(
        request, [self = std::static_pointer_cast<WsSession>(shared_from_this())](error_code ec) {
            self->on_accept(ec);
        });
}

void WsSession::negotiate_deflate(const Request& request) {
    if (!worker_.config().ws_deflate)
        return;
    std::string offers; // a client may split its offers over several headers
    auto [first, last] = request.equal_range(beast::http::field::sec_websocket_extensions);
    for (auto it = first; it != last; ++it) {
        if (!offers.empty())
            offers += ", ";
        offers.append(it->value());
    }
    auto answer = ws::accept_deflate_offer(offers);
    if (!answer)
        return;
    deflate_ = true;
    reader_.enable_deflate(ws::Inflater::for_this_thread());
    handshake_->set_option(websocket::stream_base::decorator(
        [answer = std::move(*answer)](websocket::response_type& res) {
            res.set(beast::http::field::server, "herald");
            res.set(beast::http::field::sec_websocket_extensions, answer);
        }));
}

const std::string& WsSession::encoding(const Event& event) const {
    if (!deflate_)
        return event.ws_frame;
    bool built = false;
    const auto& frame = event.ws_deflate_frame(&built);
    if (built) { // this worker compressed it: once per event, not per recipient
        auto& stats = worker_.stats();
        stats.ws_deflate_in_bytes.add(event.ws_frame.size());
        stats.ws_deflate_out_bytes.add(frame.size());
    }
    return frame;
}

void WsSession::on_accept(error_code ec) {
    if (ec) {
        // Beast has queued its 400 answer; let it go out.
        worker_.stats().rejection(Rejection::bad_request);
        close_after_flush();
        return;
    }
    spdlog::debug("ws open {} channels={} deflate={}", peer(),
                  opening_ ? opening_->channels.size() : 0, deflate_);
    open_ = true;
    if (deflate_)
        worker_.stats().ws_deflate_sessions.add();
    // Released once Beast's accept operation has fully unwound.
    net::post(socket_.get_executor(), [self = std::static_pointer_cast<WsSession>(
                                           shared_from_this())] { self->handshake_.reset(); });
    next_check_ = Clock::now() + worker_.config().heartbeat_interval;
    arm_token_deadline(identity().expires, /*ask_refresh=*/true);
    // Before any other frame: a browser cannot see our pings, so a client
    // that wants to tell a quiet connection from a dead one learns the
    // interval here and pings us itself.
    if (client_mode_)
        send_text(encode_hello_json(worker_.config().heartbeat_interval.count()));
    if (auto opening = std::move(opening_))
        subscribe(std::move(opening->channels), std::move(opening->last_event_id));
    start_reading();
}

void WsSession::on_subscribed(const std::vector<std::string>& channels, bool reset,
                              const std::string& reset_reason,
                              const std::vector<EventPtr>& replay,
                               const std::string& position) {
    if (reset)
        send_text(encode_reset_json(reset_reason));
    // Each subscribed frame carries the position, the client's resume
    // point until it has an event id (as SSE's first id is).
    for (const auto& channel : channels)
        send_text(make_subscribed_message(channel, position));
    queue_replay(replay);
}

void WsSession::on_input(std::string_view bytes) {
    last_read_ = Clock::now();
    awaiting_pong_ = false; // any traffic proves the peer alive
    handle_frames(bytes);
}

void WsSession::handle_frames(std::string_view bytes) {
    using Kind = ws::ReadResult::Kind;
    while (!bytes.empty() && !closing()) {
        std::size_t used = 0;
        auto frame = reader_.next(bytes, used);
        bytes.remove_prefix(used);
        switch (frame.kind) {
        case Kind::need_more:
            return;
        case Kind::text:
        case Kind::binary:
            if (auto verdict = rate_.on_message(last_read_);
                verdict != MessageRateLimiter::Verdict::accept)
                on_rate_limited(verdict);
            else if (frame.kind == Kind::text)
                handle_message(frame.payload);
            else
                send_text(make_error_message("binary messages are not supported", "bad_message"));
            break;
        case Kind::ping:
            queue(std::make_shared<const std::string>(
                ws::encode_frame(ws::Opcode::pong, frame.payload)));
            break;
        case Kind::pong:
            break;
        case Kind::close:
            // The RFC's close handshake: echo the client's code, then close.
            close_with(frame.code == 1005 ? 1000 : frame.code, {});
            break;
        case Kind::error:
            worker_.stats().rejection(frame.code == 1009 ? Rejection::message_too_large
                                                         : Rejection::ws_protocol_error);
            spdlog::debug("ws {} closed on bad input: {}", peer(), frame.payload);
            close_with(frame.code, frame.payload);
            break;
        }
    }
}

void WsSession::send_text(std::string text) {
    queue(std::make_shared<const std::string>(ws::encode_frame(ws::Opcode::text, text)));
}

void WsSession::queue_control(SharedBuffer bytes) {
    queue(std::move(bytes));
}

void WsSession::end_after_close_frame() {
    close_after_flush();
}

void WsSession::close_with(std::uint16_t code, std::string_view reason) {
    if (closing())
        return;
    queue(std::make_shared<const std::string>(ws::encode_close(code, reason)), /*force=*/true);
    close_after_flush();
}

void WsSession::on_sweep(Clock::time_point now) {
    if (closing()) {
        close_now();
        return;
    }
    if (!open_) { // handshake still not complete
        worker_.stats().rejection(Rejection::handshake_timeout);
        close_now();
        return;
    }
    if (!check_token(now))
        return;
    sweep_heartbeat(now);
    next_check_ = std::min(next_check_, token_deadline_.next());
}

void WsSession::sweep_heartbeat(Clock::time_point now) {
    const auto& config = worker_.config();
    if (awaiting_pong_) {
        if (now - ping_sent_ >= config.heartbeat_timeout) {
            worker_.stats().rejection(Rejection::heartbeat_timeout);
            spdlog::debug("ws {}: no pong within {} ms, closing", peer(),
                          config.heartbeat_timeout.count());
            close_now();
            return;
        }
        next_check_ = ping_sent_ + config.heartbeat_timeout;
        return;
    }
    if (now - std::max(last_read_, last_write_) >= config.heartbeat_interval) {
        queue(ping_frame());
        ping_sent_ = now;
        awaiting_pong_ = true;
        next_check_ = now + config.heartbeat_timeout;
        return;
    }
    next_check_ = std::max(last_read_, last_write_) + config.heartbeat_interval;
}

void WsSession::on_shutdown(std::chrono::milliseconds) {
    // 1012, not 1001 ("going away"): the service restarts and the client
    // should reconnect (to this node once it is back, or to another).
    close_with(1012, "service restart");
}

void WsSession::admin_disconnect(const std::string& reason) {
    if (!open_) // mid-handshake: no frame may go out yet
        return close_now();
    // A close code of its own, so that the client library knows not to
    // reconnect (it does after 1001 or 1006).
    close_with(admin::disconnect_close_code, reason);
}

SharedBuffer WsSession::unsubscribed_notice(const std::string& channel) const {
    if (!open_)
        return nullptr;
    // The same message as the answer to the client's own unsubscribe.
    return std::make_shared<const std::string>(
        ws::encode_frame(ws::Opcode::text, make_unsubscribed_message(channel, "admin")));
}

void WsSession::on_slow_consumer() {
    // What is queued will never be read in time: drop it, keep the frame in
    // flight whole, and say why.
    discard_queued();
    close_with(1008, "slow consumer");
}

SharedBuffer WsSession::gap_marker(std::size_t dropped) const {
    // The same "reset" a resume gets when history cannot cover it: either
    // way the client missed events and should reload its state.
    return std::make_shared<const std::string>(
        ws::encode_frame(ws::Opcode::text, encode_dropped_json(dropped)));
}

} // namespace herald
