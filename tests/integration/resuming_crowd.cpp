#include "resuming_crowd.hpp"

#include "chunked_body.hpp"
#include "sse_parser.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <future>
#include <optional>
#include <random>

namespace herald_test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Clock = std::chrono::steady_clock;

// One subscriber. A connection is a fresh socket (and, for WS, a fresh beast
// stream): after any error the old one is dropped whole and a timer brings
// the next, so that exactly one operation of the member is pending at a time.
class ResumingCrowd::Member {
public:
    Member(net::io_context& context, std::uint16_t port, std::string channel, bool ws,
           const std::string& query, unsigned seed)
        : context_(context), port_(port), query_(query.empty() ? "" : "&" + query), timer_(context),
          rng_(seed) {
        record_.ws = ws;
        record_.channel = std::move(channel);
    }

    void start() { connect(); }
    void stop() {
        stopping_ = true;
        timer_.cancel();
        close();
    }
    bool subscribed() const { return subscribed_; }
    const SubscriberRecord& record() const { return record_; }

private:
    void connect() {
        if (stopping_)
            return;
        subscribed_ = false;
        record_.connected_at.push_back(Clock::now());
        const tcp::endpoint proxy(net::ip::make_address_v4("127.0.0.1"), port_);
        if (record_.ws) {
            ws_ = std::make_unique<websocket::stream<tcp::socket>>(context_);
            ws_->next_layer().async_connect(proxy, [this](error_code ec) {
                if (ec)
                    return retry(false);
                std::string target = "/ws?channel=" + record_.channel + query_;
                if (!last_id_.empty())
                    target += "&lastEventId=" + last_id_; // ids and positions need no escaping
                ws_->async_handshake("127.0.0.1", target, [this](error_code ec) {
                    return ec ? retry(false) : read_ws();
                });
            });
            return;
        }
        socket_ = std::make_unique<tcp::socket>(context_);
        parser_.emplace();
        chunked_.reset();
        head_.clear();
        socket_->async_connect(proxy, [this](error_code ec) {
            if (ec)
                return retry(false);
            request_ = "GET /events?channel=" + record_.channel + query_ +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
            if (!last_id_.empty())
                request_ += "Last-Event-ID: " + last_id_ + "\r\n";
            request_ += "\r\n";
            net::async_write(*socket_, net::buffer(request_), [this](error_code ec, std::size_t) {
                return ec ? retry(false) : read_sse();
            });
        });
    }

    void read_sse() {
        socket_->async_read_some(net::buffer(chunk_), [this](error_code ec, std::size_t n) {
            if (ec)
                return retry(subscribed_);
            std::string_view bytes(chunk_.data(), n);
            std::string body;
            if (head_.size() < 4 || head_.compare(head_.size() - 4, 4, "\r\n\r\n") != 0) {
                head_.append(bytes);
                const auto end = head_.find("\r\n\r\n");
                if (end == std::string::npos)
                    return read_sse();
                if (head_.rfind("HTTP/1.1 200", 0) != 0) // e.g. 502 while no node answers
                    return retry(false);
                body = head_.substr(end + 4);
                head_.resize(end + 4); // the head is done; keep only it
                std::string lower = head_;
                for (auto& ch : lower)
                    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                if (lower.find("transfer-encoding: chunked") != std::string::npos)
                    chunked_.emplace();
            } else {
                body.assign(bytes);
            }
            bool more = true;
            if (chunked_) {
                std::string payload;
                more = chunked_->feed(body, payload);
                body.swap(payload);
            }
            parser_->feed(body);
            subscribed_ = subscribed_ || parser_->retry().has_value();
            while (parser_->has_event()) {
                auto event = parser_->pop_event();
                // A reset's id is the new stream position, which replaces the lost id.
                if (!event.last_event_id.empty())
                    last_id_ = event.last_event_id;
                if (event.type == "reset")
                    add_entry("");
                else
                    add_entry(event.id.value_or(event.last_event_id));
            }
            if (!more) // the response ended: reconnect, as EventSource does
                return retry(subscribed_);
            // The stream's first id (its position, in a block without data)
            // dispatches no event: a subscriber that loses its stream before
            // any event resumes without Last-Event-ID. Here every subscriber
            // has events before the first fault, published ~3/s per channel.
            read_sse();
        });
    }

    void read_ws() {
        ws_->async_read(buffer_, [this](error_code ec, std::size_t) {
            if (ec)
                return retry(subscribed_);
            auto message =
                nlohmann::json::parse(beast::buffers_to_string(buffer_.data()), nullptr, false);
            buffer_.consume(buffer_.size());
            const std::string type = message.is_object() ? message.value("type", "") : "";
            if (type == "subscribed") {
                subscribed_ = true;
                // Where a client with no event yet resumes from.
                if (last_id_.empty())
                    last_id_ = message.value("position", "");
            } else if (type == "reset") {
                add_entry(""); // keeps last_id_: resuming from it again is answered truthfully
            } else if (message.is_object() && message.contains("id")) {
                last_id_ = message.value("id", "");
                add_entry(last_id_);
            }
            read_ws();
        });
    }

    void add_entry(std::string id) {
        record_.entries.push_back({std::move(id), record_.connected_at.size()});
    }

    void close() {
        error_code ignored;
        if (socket_)
            socket_->close(ignored);
        if (ws_)
            ws_->next_layer().close(ignored);
    }

    // The connection is over (or never was): try again after 200-800 ms, so
    // that hundreds of clients of a dead node do not all come back at once.
    void retry(bool was_subscribed) {
        if (stopping_)
            return;
        if (!was_subscribed)
            ++record_.failed_attempts;
        subscribed_ = false;
        close();
        timer_.expires_after(Millis{std::uniform_int_distribution<int>(200, 800)(rng_)});
        timer_.async_wait([this](error_code ec) {
            if (!ec)
                connect();
        });
    }

    net::io_context& context_;
    std::uint16_t port_;
    std::string query_; // "&token=..." or empty
    net::steady_timer timer_;
    std::mt19937 rng_;
    SubscriberRecord record_;
    std::string last_id_;
    bool subscribed_ = false;
    bool stopping_ = false;
    // SSE
    std::unique_ptr<tcp::socket> socket_;
    std::optional<SseParser> parser_;
    std::optional<ChunkedBody> chunked_;
    std::string request_, head_;
    std::array<char, 16384> chunk_{};
    // WS
    std::unique_ptr<websocket::stream<tcp::socket>> ws_;
    beast::flat_buffer buffer_;
};

ResumingCrowd::ResumingCrowd(std::uint16_t port, std::string query)
    : port_(port), query_(std::move(query)) {}

ResumingCrowd::~ResumingCrowd() {
    stop();
}

void ResumingCrowd::add(const std::string& channel, bool ws) {
    members_.push_back(std::make_unique<Member>(context_, port_, channel, ws, query_,
                                                static_cast<unsigned>(members_.size() + 1)));
}

void ResumingCrowd::start() {
    for (auto& member : members_)
        member->start();
    running_ = true;
    thread_ = std::thread([this] { context_.run(); });
}

void ResumingCrowd::stop() {
    if (!running_)
        return;
    net::post(context_, [this] {
        for (auto& member : members_)
            member->stop();
    });
    // Every handler sees stopping_ and starts nothing new: run() returns.
    thread_.join();
    running_ = false;
}

bool ResumingCrowd::query(
    const std::function<bool(const std::vector<const SubscriberRecord*>&)>& check) {
    std::promise<bool> answer;
    net::post(context_, [&] {
        std::vector<const SubscriberRecord*> all;
        for (auto& member : members_)
            all.push_back(&member->record());
        answer.set_value(check(all));
    });
    return answer.get_future().get();
}

std::size_t ResumingCrowd::subscribed_count() {
    std::promise<std::size_t> answer;
    net::post(context_, [&] {
        std::size_t count = 0;
        for (auto& member : members_)
            count += member->subscribed() ? 1 : 0;
        answer.set_value(count);
    });
    return answer.get_future().get();
}

std::vector<const SubscriberRecord*> ResumingCrowd::records() const {
    std::vector<const SubscriberRecord*> all;
    for (auto& member : members_)
        all.push_back(&member->record());
    return all;
}

} // namespace herald_test
