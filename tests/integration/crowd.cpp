#include "crowd.hpp"

#include "sse_parser.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace herald_test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

void Crowd::Member::fail(const std::string& what) {
    if (!failed && error.empty())
        error = what;
    failed = true;
}

namespace {

tcp::endpoint loopback(std::uint16_t port) {
    return tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), port);
}

class SseMember final : public Crowd::Member {
public:
    SseMember(net::io_context& context, std::uint16_t port, const std::string& channel)
        : socket_(context), port_(port),
          request_("GET /events?channel=" + channel + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") {}

    void start() override {
        socket_.async_connect(loopback(port_), [this](error_code ec) {
            if (ec)
                return fail("connect: " + ec.message());
            net::async_write(socket_, net::buffer(request_), [this](error_code ec, std::size_t) {
                if (ec)
                    return fail("write: " + ec.message());
                read();
            });
        });
    }
    void stop() override {
        error_code ignored;
        socket_.close(ignored);
    }

private:
    void read() {
        socket_.async_read_some(net::buffer(chunk_), [this](error_code ec, std::size_t n) {
            if (ec)
                return fail("read: " + ec.message());
            std::string_view bytes(chunk_.data(), n);
            if (!head_done_) {
                head_.append(bytes);
                auto end = head_.find("\r\n\r\n");
                if (end == std::string::npos)
                    return read();
                if (head_.rfind("HTTP/1.1 200", 0) != 0)
                    return fail("status: " + head_.substr(0, head_.find('\r')));
                head_done_ = true;
                parser_.feed(std::string_view(head_).substr(end + 4));
            } else {
                parser_.feed(bytes);
            }
            ready = ready || parser_.retry().has_value();
            while (parser_.has_event())
                ids.push_back(parser_.pop_event().id.value_or(""));
            read();
        });
    }

    tcp::socket socket_;
    std::uint16_t port_;
    std::string request_;
    std::array<char, 8192> chunk_{};
    std::string head_;
    bool head_done_ = false;
    SseParser parser_;
};

class WsMember final : public Crowd::Member {
public:
    WsMember(net::io_context& context, std::uint16_t port, const std::string& channel)
        : ws_(context), port_(port), target_("/ws?channel=" + channel) {}

    void start() override {
        ws_.next_layer().async_connect(loopback(port_), [this](error_code ec) {
            if (ec)
                return fail("connect: " + ec.message());
            ws_.async_handshake("127.0.0.1", target_, [this](error_code ec) {
                if (ec)
                    return fail("handshake: " + ec.message());
                read();
            });
        });
    }
    void stop() override {
        error_code ignored;
        ws_.next_layer().close(ignored);
    }

private:
    void read() {
        ws_.async_read(buffer_, [this](error_code ec, std::size_t) {
            if (ec)
                return fail("read: " + ec.message());
            auto json =
                nlohmann::json::parse(beast::buffers_to_string(buffer_.data()), nullptr, false);
            buffer_.consume(buffer_.size());
            if (json.is_object() && json.value("type", "") == "subscribed")
                ready = true;
            else if (json.is_object() && json.contains("id"))
                ids.push_back(json.value("id", ""));
            read();
        });
    }

    websocket::stream<tcp::socket> ws_;
    std::uint16_t port_;
    std::string target_;
    beast::flat_buffer buffer_;
};

} // namespace

Crowd::Crowd(std::uint16_t port, std::string channel) : port_(port), channel_(std::move(channel)) {}

Crowd::~Crowd() {
    for (auto& m : members_)
        m->stop();
    // Let the aborted handlers run before the members they point to go away.
    context_.restart();
    context_.run_for(std::chrono::seconds(2));
    members_.clear();
}

void Crowd::open(std::size_t sse, std::size_t ws) {
    // Interleaved, so that both transports are spread over the server's workers.
    for (std::size_t i = 0; i < std::max(sse, ws); ++i) {
        if (i < sse)
            members_.push_back(std::make_unique<SseMember>(context_, port_, channel_));
        if (i < ws)
            members_.push_back(std::make_unique<WsMember>(context_, port_, channel_));
    }
    for (auto& m : members_)
        m->start();
}

bool Crowd::run_while(bool (Crowd::*pending)() const, Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while ((this->*pending)() && failed_count() == 0) {
        context_.restart();
        if (context_.run_one_until(deadline) == 0 && std::chrono::steady_clock::now() >= deadline)
            return false;
    }
    return !(this->*pending)();
}

bool Crowd::any_not_ready() const {
    return std::any_of(members_.begin(), members_.end(), [](auto& m) { return !m->ready; });
}

bool Crowd::any_short_of_events() const {
    return std::any_of(members_.begin(), members_.end(),
                       [this](auto& m) { return m->ids.size() < wanted_events_; });
}

bool Crowd::wait_ready(Millis timeout) {
    return run_while(&Crowd::any_not_ready, timeout);
}

bool Crowd::wait_events(std::size_t count, Millis timeout) {
    wanted_events_ = count;
    return run_while(&Crowd::any_short_of_events, timeout);
}

std::size_t Crowd::ready_count() const {
    return std::count_if(members_.begin(), members_.end(), [](auto& m) { return m->ready; });
}

std::size_t Crowd::failed_count() const {
    return std::count_if(members_.begin(), members_.end(), [](auto& m) { return m->failed; });
}

std::size_t Crowd::count_with_events(std::size_t count) const {
    return std::count_if(members_.begin(), members_.end(),
                         [count](auto& m) { return m->ids.size() >= count; });
}

std::string Crowd::first_error() const {
    for (auto& m : members_)
        if (m->failed)
            return m->error;
    return {};
}

std::vector<std::vector<std::string>> Crowd::received() const {
    std::vector<std::vector<std::string>> out;
    for (auto& m : members_)
        out.push_back(m->ids);
    return out;
}

} // namespace herald_test
