#pragma once
// A plain HTTP/1.1 connection: reads requests, answers publish, health and
// metrics itself, and hands the socket over to an SSE or WebSocket session
// when the request asks for a stream.
#include "herald/auth/access_policy.hpp"
#include "herald/server/connection.hpp"
#include "herald/http/request_params.hpp"
#include "herald/http/router.hpp"
#include "herald/hub/admin.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

namespace herald {

class HttpSession final : public Connection {
public:
    using Request = boost::beast::http::request<boost::beast::http::string_body>;
    using Response = boost::beast::http::response<boost::beast::http::string_body>;

    HttpSession(Worker& worker, tcp::socket socket);
    void start();
    // A long poll has answered on this keep-alive connection: wait for the
    // next request as after any answer (idle_timeout, not handshake_timeout).
    void serve_next();
    // Over a connection limit: answers 503 or 429 without reading a request,
    // then closes (src/http/http_admission.cpp).
    void refuse(ConnectionLimits::Verdict verdict);

    void on_sweep(Clock::time_point now) override;
    void on_shutdown(std::chrono::milliseconds sse_retry) override;
    void abort() override {
        error_code ignored;
        socket_.close(ignored);
    }

private:
    void do_read();
    void on_read(error_code ec);
    void route(Request request);
    void handle_events(Request& request);
    void handle_ws(Request& request);
    void handle_poll(Request& request);
    void handle_publish(Request& request);
    void handle_presence(Request& request); // http_presence.cpp
    // /admin/* (http_admin.cpp); only routed here with admin_key set.
    void handle_admin(Endpoint endpoint, Request& request);
    void do_admin(admin::Request request);
    void on_admin(std::string body);
    // The Admin API's requests carry admin_key; false: 401 was sent.
    bool has_admin_key(const Request& request);
    // The application's requests carry publish_key; false: 401 was sent.
    bool has_publish_key(const Request& request);
    // The query and answer of /presence (http_presence.cpp), past its key:
    // /admin/presence's too.
    void handle_presence_query(Request& request);
    void do_presence(std::string channel);
    std::string client_of(const Request& request) const;
    // The stream's query parameters, or nullopt after answering 400.
    std::optional<StreamParams> stream_params(const Request& request);
    // A stream from a trusted proxy counts for its forwarded client: false
    // after answering 429 (src/http/http_admission.cpp).
    bool admit_stream(const Request& request);
    // Origin, token and channels (upgrade_gate.hpp), or nullopt after answering 401/403.
    std::optional<auth::Identity> admit(const Request& request, StreamParams& params);
    void send(Response response);
    void on_write(bool close, error_code ec);
    void do_drain(); // read and drop until the peer hangs up after our answer
    void reject(unsigned status, Rejection reason, std::string message, std::string field = {},
                bool close = false);

    tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::optional<Response> response_;
    unsigned version_ = 11;
    bool keep_alive_ = true;
    bool head_ = false;
    bool admin_ = false; // the request is the Admin API's: its 401 names realm herald-admin
    bool reading_ = false;
    Clock::time_point read_started_{};
    bool served_ = false; // answered a request: a later idle close is no handshake timeout
};

} // namespace herald
