#include "herald/http/http_session.hpp"

#include "herald/broker/broker.hpp"
#include "herald/http/http_responses.hpp"
#include "herald/http/publish_request.hpp"
#include "herald/http/request_params.hpp"
#include "herald/http/router.hpp"
#include "herald/server/server_info.hpp"
#include "herald/server/worker.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

namespace herald {

namespace beast = boost::beast;
namespace http = beast::http;

HttpSession::HttpSession(Worker& worker, tcp::socket socket)
    : Connection(worker, Transport::http), socket_(std::move(socket)) {}

void HttpSession::start() {
    do_read();
}

void HttpSession::serve_next() {
    served_ = true;
    do_read();
}

void HttpSession::do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(worker_.config().max_header_size));
    parser_->body_limit(worker_.config().max_body_size);
    reading_ = true;
    read_started_ = Clock::now();
    // Between requests a keep-alive connection is idle, not handshaking.
    next_check_ = read_started_ +
                  (served_ ? worker_.config().idle_timeout : worker_.config().handshake_timeout);
    http::async_read(socket_, buffer_, *parser_,
                     [self = std::static_pointer_cast<HttpSession>(shared_from_this())](
                         error_code ec, std::size_t) { self->on_read(ec); });
}

void HttpSession::on_read(error_code ec) {
    reading_ = false;
    next_check_ = Clock::time_point::max();
    if (ec == http::error::header_limit)
        return reject(431, Rejection::header_too_large, "request header too large", {}, true);
    if (ec == http::error::body_limit)
        return reject(413, Rejection::body_too_large, "request body too large", {}, true);
    if (ec && ec != http::error::end_of_stream &&
        ec.category() == http::make_error_code(http::error::bad_target).category())
        return reject(400, Rejection::bad_request, "malformed HTTP request: " + ec.message(), {},
                      true);
    if (ec) { // the peer left, or the sweep closed us
        error_code ignored;
        socket_.close(ignored);
        return;
    }
    auto request = parser_->release();
    if (request_head_size(request) > worker_.config().max_header_size) // see router.hpp
        return reject(431, Rejection::header_too_large, "request header too large", {}, true);
    route(std::move(request));
}

void HttpSession::route(Request request) {
    version_ = request.version();
    head_ = request.method() == http::verb::head;
    keep_alive_ = request.keep_alive() && !worker_.info().shutting_down;
    auto [endpoint, allowed] = route_request(request.method(), request.target());
    admin_ = is_admin(endpoint);
    if (admin_ && worker_.config().admin_key.empty()) // off: no trace of it
        endpoint = Endpoint::not_found;
    if (endpoint != Endpoint::not_found && !allowed)
        return reject(405, Rejection::bad_method, "method not allowed");
    switch (endpoint) {
    case Endpoint::events:
        return handle_events(request);
    case Endpoint::ws:
        return handle_ws(request);
    case Endpoint::poll:
        return handle_poll(request);
    case Endpoint::publish:
        return handle_publish(request);
    case Endpoint::presence:
        return handle_presence(request);
    case Endpoint::healthz: {
        Response res{http::status::ok, version_};
        res.set(http::field::content_type, "application/json");
        res.body() = health_body(worker_.info());
        return send(std::move(res));
    }
    case Endpoint::readyz: {
        auto [ready, body] = readiness_body(worker_.info());
        Response res{ready ? http::status::ok : http::status::service_unavailable, version_};
        res.set(http::field::content_type, "application/json");
        res.body() = std::move(body);
        return send(std::move(res));
    }
    case Endpoint::metrics: {
        Response res{http::status::ok, version_};
        res.set(http::field::content_type, "text/plain; version=0.0.4");
        res.body() = metrics_body(worker_.info());
        return send(std::move(res));
    }
    case Endpoint::admin_channels:
    case Endpoint::admin_connections:
    case Endpoint::admin_disconnect:
    case Endpoint::admin_unsubscribe:
    case Endpoint::admin_presence:
        return handle_admin(endpoint, request);
    case Endpoint::not_found:
        return reject(404, Rejection::not_found, "not found");
    }
}

bool HttpSession::has_publish_key(const Request& request) {
    const auto& key = worker_.config().publish_key;
    if (key.empty())
        return true;
    if (bearer_matches(request[http::field::authorization], key))
        return true;
    reject(401, Rejection::unauthorized, "missing or wrong publish key");
    return false;
}

void HttpSession::handle_publish(Request& request) {
    if (!has_publish_key(request))
        return;
    auto parsed = parse_publish_body(request.body());
    if (auto* error = std::get_if<PublishParseError>(&parsed))
        return reject(400, Rejection::bad_request, error->message, error->field);

    auto& requests = std::get<std::vector<PublishRequest>>(parsed);
    std::vector<Publication> events;
    events.reserve(requests.size());
    for (auto& r : requests) {
        events.push_back({std::move(r.channel), std::move(r.event), r.id.value_or(""),
                          std::move(r.data_json), std::move(r.sse_data), r.ephemeral, "",
                          std::move(r.key)});
        stamp_publication(worker_.config(), events.back());
    }
    worker_.stats().events_published.add(events.size());
    worker_.broker().publish(
        std::move(events), [self = std::static_pointer_cast<HttpSession>(shared_from_this()),
                            &context = worker_.context()](PublishResult result) mutable {
            net::post(context, [self = std::move(self), result = std::move(result)] {
                if (result.failure == PublishResult::Failure::duplicate_id)
                    return self->reject(409, Rejection::bad_request, result.error, "id");
                if (result.failure == PublishResult::Failure::unavailable)
                    return self->reject(503, Rejection::unavailable, result.error);
                Response res{http::status::accepted, self->version_};
                if (result.failure == PublishResult::Failure::uncertain) {
                    // Like a proxy whose upstream closed before answering. The
                    // ids let the publisher look for them or retry knowingly.
                    self->worker_.stats().rejection(Rejection::publish_uncertain);
                    res.result(http::status::bad_gateway);
                }
                res.set(http::field::content_type, "application/json");
                res.body() = json_ids(result.ids, result.error);
                self->send(std::move(res));
            });
        });
}

std::string HttpSession::client_of(const Request& request) const {
    error_code ec;
    auto endpoint = socket_.remote_endpoint(ec);
    if (ec)
        return "?";
    auto address = endpoint.address().to_string();
    auto client =
        client_address(address, request["X-Forwarded-For"], worker_.config().trusted_proxies);
    return client == address ? address + ":" + std::to_string(endpoint.port()) : client;
}

void HttpSession::reject(unsigned status, Rejection reason, std::string message, std::string field,
                         bool close) {
    worker_.stats().rejection(reason);
    if (spdlog::should_log(spdlog::level::debug)) {
        error_code ec;
        auto endpoint = socket_.remote_endpoint(ec);
        spdlog::debug("http {} -> {}: {}", ec ? "?" : endpoint.address().to_string(), status,
                      message);
    }
    Response res{static_cast<http::status>(status), version_};
    res.set(http::field::content_type, "application/json");
    if (status == 401)
        res.set(http::field::www_authenticate,
                admin_ ? "Bearer realm=\"herald-admin\"" : "Bearer realm=\"herald\"");
    if (status == 405)
        res.set(http::field::allow, "GET, POST, HEAD");
    if (status == 429 || status == 503)
        res.set(http::field::retry_after, "5");
    res.body() = json_error(message, field);
    if (close)
        keep_alive_ = false;
    send(std::move(res));
}

void HttpSession::send(Response response) {
    response.set(http::field::server, "herald");
    response.keep_alive(keep_alive_);
    response.prepare_payload();
    if (head_) {
        // Same headers as GET, Content-Length included, but no body.
        auto length = response.body().size();
        response.body().clear();
        response.content_length(length);
    }
    response_ = std::move(response);
    http::async_write(socket_, *response_,
                      [self = std::static_pointer_cast<HttpSession>(shared_from_this())](
                          error_code ec, std::size_t) { self->on_write(!self->keep_alive_, ec); });
}

void HttpSession::on_write(bool close, error_code ec) {
    response_.reset();
    error_code ignored;
    if (ec || close) {
        // Half-close, so that the client reads our answer before the end; the
        // sweep closes the socket if the client does not hang up soon.
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        next_check_ = Clock::now() + std::chrono::seconds(1);
        if (!ec)
            do_drain();
        return;
    }
    served_ = true;
    if (buffer_.size() == 0)
        buffer_.shrink_to_fit();
    do_read();
}

void HttpSession::do_drain() {
    socket_.async_wait(tcp::socket::wait_read, [self = std::static_pointer_cast<HttpSession>(
                                                    shared_from_this())](error_code ec) {
        if (ec)
            return;
        char scratch[1024];
        self->socket_.non_blocking(true, ec);
        std::size_t n = self->socket_.read_some(net::buffer(scratch), ec);
        if (ec == net::error::would_block || (!ec && n > 0))
            return self->do_drain();
        self->socket_.close(ec);
    });
}

void HttpSession::on_sweep(Clock::time_point now) {
    // A request that has arrived but that a busy worker has not parsed yet is
    // no idle client: give it time, up to a hard limit (against slow senders).
    error_code ec;
    bool has_input = reading_ && (socket_.available(ec) > 0 || (parser_ && parser_->got_some()));
    if (has_input && served_) { // the next request has begun: it gets the handshake's time
        served_ = false;
        read_started_ = now;
    }
    if (has_input && now - read_started_ < 4 * worker_.config().handshake_timeout) {
        next_check_ = now + worker_.config().handshake_timeout;
        return;
    }
    if (reading_ && served_)
        worker_.stats().idle_timeouts.add();
    else if (reading_)
        worker_.stats().rejection(Rejection::handshake_timeout);
    next_check_ = Clock::time_point::max();
    error_code ignored;
    socket_.close(ignored);
}

void HttpSession::on_shutdown(std::chrono::milliseconds) {
    keep_alive_ = false;
    if (reading_) {
        error_code ignored;
        socket_.close(ignored);
    }
}

} // namespace herald
