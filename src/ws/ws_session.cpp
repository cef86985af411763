#include "herald/ws/ws_session.hpp"

#include "herald/broker/broker.hpp"
#include "herald/ws/client_message.hpp"
#include "herald/server/server_info.hpp"
#include "herald/server/worker.hpp"
#include "herald/wire/ws_frame.hpp"

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

void queue_into_session(void* owner, SharedBuffer bytes);
void teardown_session(void* owner);
} // namespace

WsSession::WsSession(Worker& worker, tcp::socket socket, std::vector<std::string> channels,
                     std::optional<std::string> last_event_id)
    : Session(worker, Transport::ws, std::move(socket)),
      handshake_(
          std::make_unique<Handshake>(socket_, this, &queue_into_session, &teardown_session)),
      reader_(worker.config().max_message_size), initial_channels_(std::move(channels)),
      last_event_id_(std::move(last_event_id)), last_read_(Clock::now()),
      rate_({worker.config().client_message_rate, worker.config().client_message_burst},
            last_read_) {
    handshake_->set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "herald"); }));
}

namespace {
void queue_into_session(void* owner, SharedBuffer bytes) {
    static_cast<WsSession*>(owner)->queue_control(std::move(bytes));
}
void teardown_session(void* owner) {
    static_cast<WsSession*>(owner)->end_after_close_frame();
}
} // namespace

void WsSession::start(Request request) {
    next_check_ = Clock::now() + worker_.config().handshake_timeout;
    handshake_->async_accept(
        request, [self = std::static_pointer_cast<WsSession>(shared_from_this())](error_code ec) {
            self->on_accept(ec);
        });
}

void WsSession::on_accept(error_code ec) {
    if (ec) {
        // Beast has queued its 400 answer; let it go out.
        worker_.stats().rejections[static_cast<std::size_t>(Rejection::bad_request)].add();
        close_after_flush();
        return;
    }
    spdlog::debug("ws open {} channels={}", peer(), initial_channels_.size());
    open_ = true;
    // Released once Beast's accept operation has fully unwound.
    net::post(socket_.get_executor(), [self = std::static_pointer_cast<WsSession>(
                                           shared_from_this())] { self->handshake_.reset(); });
    socket_.non_blocking(true, ec); // on_readable reads what is there, never waits
    next_check_ = Clock::now() + worker_.config().heartbeat_interval;
    if (!initial_channels_.empty())
        subscribe(std::exchange(initial_channels_, {}), std::exchange(last_event_id_, {}));
    do_wait_read();
}

void WsSession::on_subscribed(const std::vector<std::string>& channels, bool reset,
                              const std::string& reset_reason,
                              const std::vector<EventPtr>& replay) {
    if (reset)
        send_text(make_reset_message(reset_reason));
    for (const auto& channel : channels)
        send_text(make_subscribed_message(channel));
    for (const auto& event : replay)
        deliver(event);
}

// An idle connection waits for readability with no buffer; what arrives is
// read into the stack and parsed at once.
void WsSession::do_wait_read() {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = std::static_pointer_cast<WsSession>(shared_from_this())](
                           error_code ec) { self->on_readable(ec); });
}

void WsSession::on_readable(error_code ec) {
    if (ec || closing())
        return; // closed by us
    char scratch[4096];
    std::size_t n = socket_.read_some(net::buffer(scratch), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
        do_wait_read();
        return;
    }
    if (ec || n == 0) {
        spdlog::debug("ws close {}: {}", peer(), ec ? ec.message() : "eof");
        close_now();
        return;
    }
    last_read_ = Clock::now();
    awaiting_pong_ = false; // any traffic proves the peer alive
    handle_frames({scratch, n});
    if (!closing())
        do_wait_read();
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
            worker_.stats()
                .rejections[static_cast<std::size_t>(frame.code == 1009
                                                         ? Rejection::message_too_large
                                                         : Rejection::ws_protocol_error)]
                .add();
            spdlog::debug("ws {} closed on bad input: {}", peer(), frame.payload);
            close_with(frame.code, frame.payload);
            break;
        }
    }
}

const auth::Identity& WsSession::identity() const {
    static const auth::Identity anonymous;
    return identity_ ? *identity_ : anonymous;
}

void WsSession::handle_message(std::string_view text) {
    auto parsed = parse_client_message(text);
    if (auto* error = std::get_if<ClientMessageError>(&parsed)) {
        send_text(make_error_message(error->message, "bad_message"));
        return;
    }
    auto& message = std::get<ClientMessage>(parsed);
    switch (message.type) {
    case ClientMessage::Type::ping:
        send_text(make_pong_message());
        break;
    case ClientMessage::Type::publish:
        handle_publish(std::move(*message.publish));
        break;
    case ClientMessage::Type::subscribe:
        if (!worker_.info().access->may_subscribe(identity(), message.channel)) {
            worker_.stats().auth_failure(AuthFailure::forbidden_channel);
            send_text(
                make_error_message("not allowed to subscribe to " + message.channel, "forbidden"));
        } else if (is_subscribed(message.channel)) {
            send_text(make_subscribed_message(message.channel));
        } else if (channel_count() >= worker_.config().max_channels_per_connection) {
            worker_.stats()
                .rejections[static_cast<std::size_t>(Rejection::too_many_channels)]
                .add();
            send_text(make_error_message("too many channels on this connection", "limit"));
        } else {
            subscribe({message.channel}, std::nullopt);
        }
        break;
    case ClientMessage::Type::unsubscribe:
        unsubscribe(message.channel);
        send_text(make_unsubscribed_message(message.channel));
        break;
    }
}

void WsSession::on_rate_limited(MessageRateLimiter::Verdict verdict) {
    auto& rejections = worker_.stats().rejections;
    rejections[static_cast<std::size_t>(Rejection::rate_limited)].add();
    if (verdict == MessageRateLimiter::Verdict::close) {
        rejections[static_cast<std::size_t>(Rejection::rate_limit_close)].add();
        spdlog::debug("ws {}: over client_message_rate for too long, closing", peer());
        close_with(1008, "rate limit exceeded");
    } else if (verdict == MessageRateLimiter::Verdict::drop_and_warn) {
        send_text(make_error_message("over client_message_rate (" +
                                         std::to_string(worker_.config().client_message_rate) +
                                         "/s): messages dropped",
                                     "rate_limited"));
    }
}

void WsSession::handle_publish(PublishRequest request) {
    if (!worker_.info().access->may_publish(identity(), request.channel)) {
        worker_.stats().auth_failure(AuthFailure::forbidden_publish);
        send_text(make_error_message("not allowed to publish to " + request.channel, "forbidden"));
        return;
    }
    std::string channel = request.channel;
    std::vector<Publication> event(1);
    event[0] = {std::move(request.channel), std::move(request.event),
                request.id ? std::move(*request.id) : generate_event_id(),
                std::move(request.data_json), std::move(request.sse_data)};
    worker_.stats().ws_published.add();
    // Same path as POST /publish; the answer comes back on this worker's thread.
    worker_.broker().publish(
        std::move(event),
        [weak = std::weak_ptr<Connection>(shared_from_this()), &context = worker_.context(),
         channel = std::move(channel)](PublishResult result) mutable {
            net::post(context, [weak = std::move(weak), channel = std::move(channel),
                                result = std::move(result)] {
                auto self = std::static_pointer_cast<WsSession>(weak.lock());
                if (!self || self->closing())
                    return;
                if (!result.ok())
                    return self->send_text(make_error_message(
                        result.error, result.failure == PublishResult::Failure::duplicate_id
                                          ? "duplicate_id"
                                          : "unavailable"));
                self->send_text(make_published_message(channel, result.ids.front()));
            });
        });
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
        worker_.stats().rejections[static_cast<std::size_t>(Rejection::handshake_timeout)].add();
        close_now();
        return;
    }
    const auto& config = worker_.config();
    if (awaiting_pong_) {
        if (now - ping_sent_ >= config.heartbeat_timeout) {
            worker_.stats()
                .rejections[static_cast<std::size_t>(Rejection::heartbeat_timeout)]
                .add();
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

void WsSession::on_shutdown() {
    close_with(1001, "server shutting down");
}

void WsSession::on_slow_consumer() {
    // What is queued will never be read in time: drop it, keep the frame in
    // flight whole, and say why.
    discard_queued();
    close_with(1008, "slow consumer");
}

} // namespace herald
