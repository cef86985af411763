// GET /presence?channel=room:1: who is subscribed to a presence channel, for
// the application (publish_key, like POST /publish). The same JSON as the
// WebSocket presence answer. GET /admin/presence answers the same with admin_key.
#include "herald/http/http_session.hpp"
#include "herald/http/request_params.hpp"
#include "herald/hub/hub.hpp"
#include "herald/server/worker.hpp"

namespace herald {

namespace http = boost::beast::http;

void HttpSession::handle_presence(Request& request) {
    if (!has_publish_key(request))
        return;
    handle_presence_query(request);
}

void HttpSession::handle_presence_query(Request& request) {
    auto parsed = parse_stream_target(request.target(), 1); // one channel per query
    if (auto* error = std::get_if<ParamError>(&parsed))
        return reject(400, Rejection::bad_request, error->field + ": " + error->message,
                      error->field);
    auto& params = std::get<StreamParams>(parsed);
    if (params.channels.empty())
        return reject(400, Rejection::bad_request, "channel: required", "channel");
    do_presence(std::move(params.channels.front()));
}

void HttpSession::do_presence(std::string channel) {
    if (!channel_options(worker_.config(), channel).presence)
        return reject(404, Rejection::not_found, "channel: no presence on " + channel, "channel");
    // The registry belongs to the hub thread; the answer is sent from ours.
    // The session's reference is moved along, never copied, so that the
    // hub thread never holds the last one: a session is destroyed on its
    // own worker's thread.
    net::post(worker_.hub().context(),
              [self = std::static_pointer_cast<HttpSession>(shared_from_this()),
               &hub = worker_.hub(), &context = worker_.context(),
               channel = std::move(channel)]() mutable {
                  hub.presence_query(channel, [self = std::move(self), &context](
                                                  std::optional<std::string> answer) mutable {
                      net::post(context, [self = std::move(self), answer = std::move(answer)] {
                          if (!answer)
                              return self->reject(503, Rejection::unavailable,
                                                  "Redis is unavailable");
                          Response res{http::status::ok, self->version_};
                          res.set(http::field::content_type, "application/json");
                          res.body() = std::move(*answer);
                          self->send(std::move(res));
                      });
                  });
              });
}

} // namespace herald
