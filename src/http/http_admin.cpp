// /admin/*: the Admin API (README "Admin API"), behind admin_key. The
// request is parsed here (admin_request.hpp), acted on by the hub (every
// node's workers, through Redis when there is one; hub_admin.cpp) and
// answered from this worker's thread, as /presence is.
#include "herald/http/admin_request.hpp"
#include "herald/http/http_session.hpp"
#include "herald/hub/hub.hpp"
#include "herald/server/worker.hpp"

namespace herald {

namespace http = boost::beast::http;

bool HttpSession::has_admin_key(const Request& request) {
    // Its own key, never publish_key: a publisher must not end sessions.
    if (bearer_matches(request[http::field::authorization], worker_.config().admin_key))
        return true;
    worker_.stats().auth_failure(AuthFailure::admin_key);
    reject(401, Rejection::unauthorized, "missing or wrong admin key");
    return false;
}

void HttpSession::handle_admin(Endpoint endpoint, Request& request) {
    if (!has_admin_key(request))
        return;
    if (endpoint == Endpoint::admin_presence) {
        worker_.stats().admin_requests[4].add();
        return handle_presence_query(request);
    }
    const auto action = endpoint == Endpoint::admin_channels      ? admin::Action::channels
                        : endpoint == Endpoint::admin_connections ? admin::Action::connections
                        : endpoint == Endpoint::admin_disconnect  ? admin::Action::disconnect
                                                                  : admin::Action::unsubscribe;
    auto parsed = parse_admin_request(action, request.target(), request.body());
    if (auto* error = std::get_if<ParamError>(&parsed))
        return reject(400, Rejection::bad_request, error->message, error->field);
    worker_.stats().admin_requests[static_cast<std::size_t>(action)].add();
    do_admin(std::move(std::get<admin::Request>(parsed)));
}

void HttpSession::do_admin(admin::Request request) {
    // As /presence: the session's reference is moved along, never copied, so
    // that neither the hub's thread nor another worker's holds the last one.
    net::post(worker_.hub().context(),
              [self = std::static_pointer_cast<HttpSession>(shared_from_this()),
               &hub = worker_.hub(), &context = worker_.context(),
               request = std::move(request)]() mutable {
                  hub.admin(std::move(request),
                            [self = std::move(self), &context](std::string body) mutable {
                                net::post(context, [self = std::move(self),
                                                    body = std::move(body)]() mutable {
                                    self->on_admin(std::move(body));
                                });
                            });
              });
}

void HttpSession::on_admin(std::string body) {
    Response res{http::status::ok, version_};
    res.set(http::field::content_type, "application/json");
    res.body() = std::move(body);
    send(std::move(res));
}

} // namespace herald
