#include "herald/sse/sse_session.hpp"

#include "herald/server/worker.hpp"
#include "herald/wire/control_json.hpp"
#include "herald/wire/sse_encoder.hpp"
#include "herald/ws/client_message.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace herald {

namespace {
const SharedBuffer& heartbeat_bytes() {
    static const SharedBuffer bytes =
        std::make_shared<const std::string>(sse::encode_comment("heartbeat"));
    return bytes;
}

// Client mode: an unnamed event, so that EventSource.onmessage gets it.
std::string client_message(std::string_view id, std::string_view json) {
    return sse::encode_event(id, {}, json);
}

const SharedBuffer& client_heartbeat_bytes() {
    static const SharedBuffer bytes =
        std::make_shared<const std::string>(client_message({}, encode_heartbeat_json()));
    return bytes;
}
} // namespace

SseSession::SseSession(Worker& worker, tcp::socket socket, Options options)
    : Session(worker, Transport::sse, std::move(socket)),
      options_(std::make_unique<Options>(std::move(options))), client_mode_(options_->client_mode),
      token_expires_(options_->token_expires) {}

void SseSession::start() {
    spdlog::debug("sse open {} channels={}", peer(), options_->channels.size());
    // The response starts once the hub has registered the channels, so a
    // client that sees "retry:" knows that it will get every later event.
    subscribe(std::move(options_->channels), std::move(options_->last_event_id));
    start_reading(); // to learn of the end of the stream
}

void SseSession::on_subscribed(const std::vector<std::string>&, bool reset,
                               const std::string& reset_reason,
                               const std::vector<EventPtr>& replay,
                               const std::string& position) {
    std::string head = "HTTP/1.1 200 OK\r\n"
                       "Content-Type: text/event-stream; charset=utf-8\r\n"
                       "Cache-Control: no-cache\r\n"
                       "X-Accel-Buffering: no\r\n"
                       "Server: herald\r\n";
    if (options_ && !options_->cors_origin.empty())
        head += "Access-Control-Allow-Origin: " + options_->cors_origin +
                "\r\nAccess-Control-Allow-Credentials: true\r\nVary: Origin\r\n";
    // No length and no chunking: the stream's body ends when the connection does.
    head += "\r\n";
    streaming_ = true;
    head += sse::encode_retry(worker_.config().retry.count());
    // The stream's position sets the browser's Last-Event-ID before any
    // event does, so that a client that loses the stream before its first
    // event resumes from here rather than from nothing: it then gets what it
    // missed, or, from another node or a restarted one, a reset, never a
    // silent gap. A block with an id and no data dispatches nothing.
    if (client_mode_)
        head += client_message(position,
                               encode_hello_json(worker_.config().heartbeat_interval.count()));
    if (reset) {
        // The position also replaces the lost id, so that the next reconnect
        // does not ask for it again.
        head += client_mode_ ? client_message(position, encode_reset_json(reset_reason))
                             : "id: " + position + "\nevent: reset\ndata: " +
                                   nlohmann::json{{"reason", reset_reason}}.dump() + "\n\n";
    } else if (!client_mode_) {
        head += "id: " + position + "\n\n";
    }
    options_.reset();
    queue(std::make_shared<const std::string>(std::move(head)));
    queue_replay(replay);
    next_check_ = Clock::now() + worker_.config().heartbeat_interval;
    // From the subscription on: before it, no response has started that an
    // "expired" event could end.
    arm_token_deadline(token_expires_, /*ask_refresh=*/false);
}

void SseSession::on_sweep(Clock::time_point now) {
    if (closing()) {
        close_now();
        return;
    }
    if (token_deadline_.check(now) == auth::TokenDeadline::Due::expire)
        return end_expired();
    const auto interval = worker_.config().heartbeat_interval;
    if (now - last_write_ >= interval) {
        queue(client_mode_ ? client_heartbeat_bytes() : heartbeat_bytes());
        last_write_ = now;
    }
    next_check_ = std::min(last_write_ + interval, token_deadline_.next());
}

void SseSession::end_expired() {
    worker_.stats().rejection(Rejection::token_expired);
    spdlog::debug("sse {}: token expired, ending the stream", peer());
    // No id line: the browser's last event id stays that of the last event,
    // where the reconnect (with a new token) resumes.
    queue(std::make_shared<const std::string>(
        client_mode_ ? client_message({}, encode_expired_json())
                     : "event: expired\ndata: {\"reason\":\"token expired\"}\n\n"));
    close_after_flush();
}

void SseSession::admin_disconnect(const std::string& reason) {
    if (closing())
        return;
    if (!streaming_) // the response has not begun: nothing can carry the event
        return close_now();
    // A named event, which EventSource does not hide; the stream's end alone
    // would make it reconnect, so the page must close it on this event.
    queue(std::make_shared<const std::string>(
              client_mode_ ? client_message({}, encode_disconnect_json(reason))
                           : sse::encode_event({}, "disconnect", encode_disconnect_data(reason))),
          /*force=*/true);
    close_after_flush();
}

SharedBuffer SseSession::unsubscribed_notice(const std::string& channel) const {
    if (!streaming_)
        return nullptr;
    return std::make_shared<const std::string>(
        client_mode_ ? client_message({}, make_unsubscribed_message(channel, "admin"))
                     : sse::encode_event({}, "unsubscribed", encode_unsubscribed_data(channel)));
}

void SseSession::on_shutdown(std::chrono::milliseconds sse_retry) {
    // The browser's EventSource reconnects after `retry`: jittered by the
    // drain, so that the reconnects spread as the closes do. (Before its
    // head, a stream just closes: the client retries as it would anyway.)
    if (streaming_)
        queue(std::make_shared<const std::string>(sse::encode_retry(sse_retry.count())), true);
    close_after_flush();
}

void SseSession::on_slow_consumer() {
    // The client is not reading, so nothing more can reach it: end the stream.
    close_now();
}

SharedBuffer SseSession::gap_marker(std::size_t dropped) const {
    // An event, not a comment: EventSource hides comments from the page, and
    // the page must learn that it missed events. Unlike the resume `reset`,
    // no "id" line: the browser's last event id stays that of the last event
    // it really got, so a reconnect resumes from there (and history may even
    // return what was dropped); clearing it would lose everything in between.
    // (Never in client mode: its events are queued as control messages,
    // which no policy drops.)
    const std::string n = std::to_string(dropped);
    return std::make_shared<const std::string>(
        "event: reset\ndata: {\"reason\":\"slow consumer: " + n +
        " events dropped\",\"dropped\":" + n + "}\n\n");
}

} // namespace herald
