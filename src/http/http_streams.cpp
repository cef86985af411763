// HttpSession's stream requests: GET /events becomes an SseSession, GET /ws
// a WsSession and GET /poll a PollSession, once the parameters, the
// connection limits and the upgrade gate (Origin, token, channels) have let
// them through.
#include "herald/broker/broker.hpp"
#include "herald/http/http_session.hpp"
#include "herald/http/request_params.hpp"
#include "herald/poll/poll_request.hpp"
#include "herald/poll/poll_session.hpp"
#include "herald/server/server_info.hpp"
#include "herald/sse/sse_session.hpp"
#include "herald/http/upgrade_gate.hpp"
#include "herald/server/worker.hpp"
#include "herald/ws/ws_session.hpp"

#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>

namespace herald {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {
// "client=1" in the query: client mode (README "Client mode"), which only
// the stream sessions look at. The target was validated by stream_params.
bool client_mode(std::string_view target) {
    auto url = boost::urls::parse_origin_form(target);
    if (!url)
        return false;
    for (auto param : url->params())
        if (param.key == "client")
            return param.value == "1";
    return false;
}
} // namespace

std::optional<StreamParams> HttpSession::stream_params(const Request& request) {
    auto parsed =
        parse_stream_target(request.target(), worker_.config().max_channels_per_connection);
    if (auto* error = std::get_if<ParamError>(&parsed)) {
        reject(400, Rejection::bad_request, error->field + ": " + error->message, error->field);
        return std::nullopt;
    }
    return std::move(std::get<StreamParams>(parsed));
}

void HttpSession::handle_events(Request& request) {
    auto parsed = stream_params(request);
    if (!parsed)
        return;
    auto& params = *parsed;
    if (!admit_stream(request))
        return;
    auto identity = admit(request, params);
    if (!identity)
        return;
    if (params.channels.empty())
        return reject(400, Rejection::bad_request, "channel: required", "channel");

    SseSession::Options options;
    options.channels = std::move(params.channels);
    options.client_mode = client_mode(request.target());
    options.token_expires = identity->expires;
    // The header is what EventSource sends when it reconnects by itself; the
    // query parameter serves a page that resumes after a reload.
    if (auto it = request.find("Last-Event-ID"); it != request.end())
        options.last_event_id = std::string(it->value());
    else
        options.last_event_id = std::move(params.last_event_id);
    if (auto it = request.find(http::field::origin); it != request.end())
        if (worker_.access().origin_listed(it->value()))
            options.cors_origin = std::string(it->value());
    auto client = client_of(request);
    auto session = std::make_shared<SseSession>(worker_, std::move(socket_), std::move(options));
    session->adopt_slot(std::move(slot_));
    session->set_peer(identity->user ? client + " user=" + *identity->user : client);
    // An SSE stream sends nothing, so only presence and the Admin API need
    // who it is; presence counts every connection under an id, as for
    // WebSocket. Without either the stream keeps no identity (no memory
    // spent on it).
    if (worker_.presence_configured() || !worker_.config().admin_key.empty()) {
        if (!identity->user)
            identity->anonymous_id = "anon-" + generate_event_id();
        session->set_identity(std::make_shared<const auth::Identity>(std::move(*identity)));
    }
    session->start();
}

void HttpSession::handle_ws(Request& request) {
    if (!beast::websocket::is_upgrade(request))
        return reject(400, Rejection::bad_request, "expected a WebSocket upgrade request");
    auto params = stream_params(request);
    if (!params || !admit_stream(request))
        return;
    auto identity = admit(request, *params);
    if (!identity)
        return;
    if (!identity->user)
        identity->anonymous_id = "anon-" + generate_event_id();
    auto client = client_of(request);
    auto session = std::make_shared<WsSession>(
        worker_, std::move(socket_), std::move(params->channels), std::move(params->last_event_id),
        client_mode(request.target()));
    session->adopt_slot(std::move(slot_));
    session->set_peer(identity->user ? client + " user=" + *identity->user : client);
    session->set_identity(std::make_shared<const auth::Identity>(std::move(*identity)));
    session->start(std::move(request));
}

void HttpSession::handle_poll(Request& request) {
    auto parsed = parse_poll_target(request.target(), worker_.config().max_channels_per_connection,
                                    worker_.config().poll_max_timeout);
    if (auto* error = std::get_if<ParamError>(&parsed))
        return reject(400, Rejection::bad_request, error->field + ": " + error->message,
                      error->field);
    auto& params = std::get<PollParams>(parsed);
    // Not yet counted for an address: a trusted proxy's connection, which
    // counts for the forwarded client during this poll only.
    const bool forwarded = slot_.address().empty();
    if (!admit_stream(request))
        return;
    auto identity = admit(request, params.stream);
    if (!identity)
        return;
    if (params.stream.channels.empty())
        return reject(400, Rejection::bad_request, "channel: required", "channel");

    PollSession::Options options;
    options.last_event_id = std::move(params.stream.last_event_id);
    options.timeout = params.timeout;
    if (auto it = request.find(http::field::origin); it != request.end())
        if (worker_.access().origin_listed(it->value()))
            options.cors_origin = std::string(it->value());
    // Bytes after this request (pipelining) are in buffer_, which dies with
    // this session: then the poll closes after answering, and the client
    // sends them again.
    options.keep_alive = keep_alive_ && buffer_.size() == 0;
    options.forwarded = forwarded;
    auto client = client_of(request);
    auto session = std::make_shared<PollSession>(worker_, std::move(socket_), std::move(options));
    session->adopt_slot(std::move(slot_));
    session->set_peer(identity->user ? client + " user=" + *identity->user : client);
    // Only the Admin API asks a poll who it is (to disconnect it, say).
    if (!worker_.config().admin_key.empty())
        session->set_identity(std::make_shared<const auth::Identity>(std::move(*identity)));
    session->start(std::move(params.stream.channels));
}

std::optional<auth::Identity> HttpSession::admit(const Request& request, StreamParams& params) {
    auto decision = check_upgrade(worker_.access(), request, params);
    if (auto* refusal = std::get_if<GateRefusal>(&decision)) {
        worker_.stats().auth_failure(refusal->reason);
        reject(refusal->status,
               refusal->status == 401 ? Rejection::unauthorized : Rejection::forbidden,
               std::move(refusal->message), std::move(refusal->field));
        return std::nullopt;
    }
    return std::move(std::get<auth::Identity>(decision));
}

} // namespace herald
