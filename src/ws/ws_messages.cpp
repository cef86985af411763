// WsSession's client messages: the JSON protocol over text frames. Each
// message passes the rate limiter (ws_session.cpp, handle_frames), then is
// dispatched: ping, subscribe and unsubscribe are answered here, publish goes
// to the broker, presence to the hub. What the connection may do is the identity's call, as the
// upgrade gate let it in.
#include "herald/broker/broker.hpp"
#include "herald/server/server_info.hpp"
#include "herald/server/worker.hpp"
#include "herald/ws/client_message.hpp"
#include "herald/ws/ws_session.hpp"

#include <spdlog/spdlog.h>

namespace herald {

void WsSession::handle_message(std::string_view text) {
    auto parsed = parse_client_message(text);
    if (auto* error = std::get_if<ClientMessageError>(&parsed)) {
        if (!error->ref.empty()) // a send's: the client matches answers by ref
            return send_text(make_send_error_message(error->ref, error->message, "bad_message"));
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
    case ClientMessage::Type::send:
        handle_send(std::move(message));
        break;
    case ClientMessage::Type::subscribe:
        if (!worker_.access().may_subscribe(identity(), message.channel)) {
            worker_.stats().auth_failure(AuthFailure::forbidden_channel);
            send_text(
                make_error_message("not allowed to subscribe to " + message.channel, "forbidden"));
        } else if (is_subscribed(message.channel)) {
            send_text(make_subscribed_message(message.channel));
        } else if (channel_count() >= worker_.config().max_channels_per_connection) {
            worker_.stats().rejection(Rejection::too_many_channels);
            send_text(make_error_message("too many channels on this connection", "limit"));
        } else {
            subscribe({message.channel}, std::nullopt);
        }
        break;
    case ClientMessage::Type::unsubscribe:
        unsubscribe(message.channel);
        send_text(make_unsubscribed_message(message.channel));
        break;
    case ClientMessage::Type::presence:
        handle_presence(message.channel);
        break;
    case ClientMessage::Type::refresh:
        handle_refresh(message.token);
        break;
    }
}

void WsSession::handle_presence(const std::string& channel) {
    // Who is on a channel is for those who may be on it.
    if (!worker_.access().may_subscribe(identity(), channel)) {
        worker_.stats().auth_failure(AuthFailure::forbidden_channel);
        return send_text(make_error_message("not allowed to subscribe to " + channel, "forbidden"));
    }
    if (!channel_options(worker_.config(), channel).presence)
        return send_text(make_error_message("no presence on channel " + channel, "not_found"));
    // The registry belongs to the hub thread; the answer comes back to this
    // worker's thread, where the session lives.
    net::post(worker_.hub().context(), [weak = std::weak_ptr<Connection>(shared_from_this()),
                                        &hub = worker_.hub(), &context = worker_.context(),
                                        channel] {
        hub.presence_query(channel, [weak = std::move(weak), &context,
                                     channel](std::optional<std::string> answer) {
            net::post(context, [weak, channel, answer = std::move(answer)] {
                auto self = std::static_pointer_cast<WsSession>(weak.lock());
                if (!self || self->closing())
                    return;
                if (!answer)
                    return self->send_text(make_error_message(
                        "presence of " + channel + ": Redis is unavailable", "unavailable"));
                self->send_text(*answer);
            });
        });
    });
}

void WsSession::on_rate_limited(MessageRateLimiter::Verdict verdict) {
    worker_.stats().rejection(Rejection::rate_limited);
    if (verdict == MessageRateLimiter::Verdict::close) {
        worker_.stats().rejection(Rejection::rate_limit_close);
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
    const auto* ns = find_namespace(worker_.config().namespaces, request.channel);
    if ((ns && !ns->client_publish) ||
        !worker_.access().may_publish(identity(), request.channel)) {
        worker_.stats().auth_failure(AuthFailure::forbidden_publish);
        send_text(make_error_message("not allowed to publish to " + request.channel, "forbidden"));
        return;
    }
    std::string channel = request.channel;
    std::vector<Publication> event(1);
    event[0] = {std::move(request.channel), std::move(request.event), request.id.value_or(""),
                std::move(request.data_json), std::move(request.sse_data), request.ephemeral,
                identity().id(), std::move(request.key)};
    stamp_publication(worker_.config(), event[0]);
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
                using Failure = PublishResult::Failure;
                if (result.failure == Failure::uncertain) {
                    self->worker_.stats().rejection(Rejection::publish_uncertain);
                    return self->send_text(
                        make_publish_uncertain_message(channel, result.ids.front(), result.error));
                }
                if (!result.ok())
                    return self->send_text(make_error_message(
                        result.error,
                        result.failure == Failure::duplicate_id ? "duplicate_id" : "unavailable"));
                self->send_text(make_published_message(channel, result.ids.front()));
            });
        });
}

} // namespace herald
