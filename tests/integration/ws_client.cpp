#include "ws_client.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include <stdexcept>

namespace herald_test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {
using Clock = std::chrono::steady_clock;
} // namespace

WsClient::WsClient(std::uint16_t port, const std::string& target, Millis timeout)
    : WsClient(port, target, {}, timeout) {}

WsClient::WsClient(std::uint16_t port, const std::string& target,
                   const std::vector<std::pair<std::string, std::string>>& headers, Millis timeout,
                   bool deflate)
    : ws_(context_) {
    if (deflate) {
        websocket::permessage_deflate pmd;
        pmd.client_enable = true;
        ws_.set_option(pmd);
    }
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
        for (const auto& [name, value] : headers)
            req.set(name, value);
    }));
    bool done = false;
    error_code result;
    const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), port);
    ws_.next_layer().async_connect(endpoint, [&](error_code ec) {
        if (ec) {
            result = ec;
            done = true;
            return;
        }
        ws_.async_handshake(response_, "127.0.0.1:" + std::to_string(port), target,
                            [&](error_code ec) {
                                result = ec;
                                done = true;
                            });
    });
    if (!run_until(context_, done, timeout)) {
        error_code ignored;
        ws_.next_layer().close(ignored);
        throw std::runtime_error("WebSocket handshake " + target + ": timed out");
    }
    if (result == websocket::error::upgrade_declined)
        return;
    if (result)
        throw std::runtime_error("WebSocket handshake " + target + ": " + result.message());
    upgraded_ = true;
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
        if (kind == websocket::frame_type::ping)
            ++pings_;
    });
}

void WsClient::start_read() {
    reading_ = true;
    ws_.async_read(buffer_, [this](error_code ec, std::size_t) {
        reading_ = false;
        if (ec) {
            closed_ = true;
            read_error_ = ec;
            // A close frame may have arrived even if answering it failed
            // (the server need not wait for our close reply).
            if (ec == websocket::error::closed || ws_.reason().code != 0) {
                close_code_ = ws_.reason().code;
                close_reason_ = std::string(ws_.reason().reason.c_str());
            }
            return;
        }
        messages_.push_back(beast::buffers_to_string(buffer_.data()));
        buffer_.consume(buffer_.size());
    });
}

error_code WsClient::send(const std::string& text, bool binary, Millis timeout) {
    if (!upgraded_ || closed_)
        return net::error::not_connected;
    ws_.binary(binary);
    bool done = false;
    error_code result;
    ws_.async_write(net::buffer(text), [&](error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    if (!run_until(context_, done, timeout))
        return net::error::timed_out; // the stream is unusable now; tests fail anyway
    return result;
}

std::optional<std::string> WsClient::next_message(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (messages_.empty() && !closed_ && upgraded_) {
        if (!reading_)
            start_read();
        // Returns when a handler ran (maybe our read) or at the deadline.
        context_.restart();
        if (context_.run_one_until(deadline) == 0 && Clock::now() >= deadline)
            break;
    }
    if (messages_.empty())
        return std::nullopt;
    std::string message = std::move(messages_.front());
    messages_.pop_front();
    return message;
}

std::optional<nlohmann::json> WsClient::next_json(Millis timeout) {
    auto message = next_message(timeout);
    if (!message)
        return std::nullopt;
    auto json = nlohmann::json::parse(*message, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded())
        return std::nullopt;
    return json;
}

bool WsClient::wait_subscribed(const std::string& channel, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (auto json = next_json(left_until(deadline))) {
        if (json->value("type", "") == "subscribed" && json->value("channel", "") == channel)
            return true;
    }
    return false;
}

bool WsClient::wait_closed(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!closed_ && Clock::now() < deadline)
        next_message(left_until(deadline));
    return closed_;
}

void WsClient::close(Millis timeout) {
    if (!upgraded_ || closed_)
        return;
    bool done = false;
    ws_.async_close(websocket::close_code::normal, [&](error_code) { done = true; });
    run_until(context_, done, timeout);
    // Let the pending read finish with "closed".
    wait_closed(Millis{1000});
}

} // namespace herald_test
