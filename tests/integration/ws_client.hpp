#pragma once
// A WebSocket client on boost::beast::websocket::stream<tcp::socket>. Calls
// block with a deadline; a read that times out stays pending, so no message
// is lost and the next call continues it. Beast answers server pings by
// itself, but only while the client runs (inside a next_message call).
#include "timed_socket.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <nlohmann/json.hpp>

#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace herald_test {

class WsClient {
public:
    // Connects and performs the handshake for `target` (e.g. "/ws?channel=a").
    // Throws on failure, unless the server declined the upgrade: then
    // upgraded() is false and response() holds its answer.
    WsClient(std::uint16_t port, const std::string& target, Millis timeout = kTimeout);
    // The same, with extra request headers (Authorization, Cookie, Origin);
    // `deflate` has Beast offer permessage-deflate and use it if accepted.
    WsClient(std::uint16_t port, const std::string& target,
             const std::vector<std::pair<std::string, std::string>>& headers,
             Millis timeout = kTimeout, bool deflate = false);

    bool upgraded() const { return upgraded_; }
    const boost::beast::http::response<boost::beast::http::string_body>& response() const {
        return response_;
    }

    // Sends a text (or binary) message; returns the error, if any.
    error_code send(const std::string& text, bool binary = false, Millis timeout = kTimeout);
    error_code send_json(const nlohmann::json& message) { return send(message.dump()); }

    // The next message's text; nullopt on timeout or once closed.
    std::optional<std::string> next_message(Millis timeout = kTimeout);
    // The next message parsed as JSON; nullopt as above (or if not JSON).
    std::optional<nlohmann::json> next_json(Millis timeout = kTimeout);
    // Reads until {"type":"subscribed","channel":channel}; other messages are
    // dropped. False on timeout.
    bool wait_subscribed(const std::string& channel, Millis timeout = kTimeout);
    // Reads (dropping messages) until the connection is closed.
    bool wait_closed(Millis timeout = kTimeout);

    bool closed() const { return closed_; }
    // The peer's close frame code (0 if the connection ended without one).
    unsigned close_code() const { return close_code_; }
    std::string close_reason() const { return close_reason_; }
    error_code read_error() const { return read_error_; }
    std::size_t pings_received() const { return pings_; }

    // Starts the closing handshake and waits for it.
    void close(Millis timeout = kTimeout);

private:
    void start_read();

    net::io_context context_;
    boost::beast::websocket::stream<tcp::socket> ws_;
    boost::beast::http::response<boost::beast::http::string_body> response_;
    boost::beast::flat_buffer buffer_;
    std::deque<std::string> messages_;
    bool upgraded_ = false;
    bool reading_ = false;
    bool closed_ = false;
    unsigned close_code_ = 0;
    std::string close_reason_;
    error_code read_error_;
    std::size_t pings_ = 0;
};

} // namespace herald_test
