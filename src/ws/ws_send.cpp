// WsSession's {"type":"send"}: a client message for the application, not for
// subscribers (README "Upstream messages"). With Redis it is XADDed to
// upstream_stream by the bridge, without it POSTed to upstream_url; the answer (sent or an error,
// with the client's ref) always comes back, on this worker's thread: nothing is dropped silently.
#include "herald/broker/broker.hpp"
#include "herald/server/server_info.hpp"
#include "herald/server/worker.hpp"
#include "herald/upstream/http_upstream.hpp"
#include "herald/ws/ws_session.hpp"

namespace herald {

namespace {
enum UpstreamOutcome : std::size_t { sent = 0, failed = 1, refused = 2 };
}

// "Where the namespace or the token allows it": a namespace with upstream =
// true lets whoever may subscribe to the channel send on it; a token's
// publish claim allows it on any channel it covers. --insecure allows all
// (may_publish says yes to everything there).
bool WsSession::may_send(const std::string& channel) const {
    const auto& access = worker_.access();
    const auto* ns = find_namespace(worker_.config().namespaces, channel);
    if (ns && ns->upstream && access.may_subscribe(identity(), channel))
        return true;
    return access.may_publish(identity(), channel);
}

void WsSession::handle_send(ClientMessage message) {
    auto& stats = worker_.stats();
    if (!may_send(message.channel)) {
        stats.upstream_messages[refused].add();
        stats.auth_failure(AuthFailure::forbidden_publish);
        return send_text(make_send_error_message(
            message.ref, "not allowed to send on " + message.channel, "forbidden"));
    }
    auto* http = worker_.http_upstream();
    if (!worker_.broker().has_upstream() && !http) {
        stats.upstream_messages[failed].add();
        return send_text(make_send_error_message(
            message.ref, "no upstream: herald has neither redis_url nor upstream_url",
            "upstream_unavailable"));
    }
    upstream::Message m{std::move(message.channel),   identity().id(),
                        std::move(message.data_json), worker_.info().node_id,
                        upstream::unix_millis_now(),  std::move(message.ref)};
    std::string ref = m.ref;
    if (http) {
        // Already on this worker's thread; the session may be gone by the answer.
        return http->send(m, [weak = std::weak_ptr<Connection>(shared_from_this()),
                              ref = std::move(ref)](upstream::Result result) {
            if (auto self = std::static_pointer_cast<WsSession>(weak.lock()))
                self->on_sent(ref, result);
        });
    }
    worker_.broker().send_upstream(
        std::move(m),
        [weak = std::weak_ptr<Connection>(shared_from_this()), &context = worker_.context(),
         ref = std::move(ref)](upstream::Result result) mutable {
            // On the hub's thread: only post back, never touch the session here.
            net::post(context,
                      [weak = std::move(weak), ref = std::move(ref), result = std::move(result)] {
                          if (auto self = std::static_pointer_cast<WsSession>(weak.lock()))
                              self->on_sent(ref, result);
                      });
        });
}

void WsSession::on_sent(const std::string& ref, const upstream::Result& result) {
    // Counted even if the client has gone: the message itself was handed over.
    worker_.stats().upstream_messages[result.ok ? sent : failed].add();
    if (closing())
        return;
    if (result.ok)
        return send_text(make_sent_message(ref));
    send_text(make_send_error_message(ref, result.error, "unavailable"));
}

} // namespace herald
