#include "publisher.hpp"

#include "stream_parser.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cmath>

namespace bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::uint64_t max_batch = 1000; // the server's limit per POST

struct PubConn {
    explicit PubConn(net::io_context& ctx) : socket(ctx) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    std::uint64_t first = 0, count = 0, sent_ns = 0;
    bool busy = false, dead = false;
};

class Publisher {
public:
    Publisher(const PublishPlan& plan, SteadyTime deadline)
        : plan_(plan), tick_(ctx_), deadline_timer_(ctx_) {
        r_.accepted_per_channel.assign(plan.channels, 0);
        deadline_timer_.expires_at(deadline);
    }

    PublishResult run() {
        tcp::endpoint server(net::ip::make_address_v4(plan_.host), plan_.port);
        for (unsigned i = 0; i < plan_.publishers; ++i) {
            auto c = std::make_unique<PubConn>(ctx_);
            error_code ec;
            c->socket.connect(server, ec);
            if (!ec)
                c->socket.set_option(tcp::no_delay(true), ec);
            if (ec) {
                ++r_.errors["connect: " + ec.message()];
                c->dead = true;
            }
            conns_.push_back(std::move(c));
        }
        deadline_timer_.async_wait([this](error_code ec) {
            if (!ec) {
                ++r_.errors["global timeout while publishing"];
                ctx_.stop();
            }
        });
        r_.start_ns = steady_ns();
        end_ns_ = r_.start_ns + static_cast<std::uint64_t>(plan_.duration * 1e9);
        tick();
        ctx_.run();
        for (auto& c : conns_)
            if (c->busy)
                r_.events_unacknowledged += c->count;
        return std::move(r_);
    }

private:
    void tick() {
        std::uint64_t now = steady_ns();
        if (now >= end_ns_)
            stopping_ = true;
        if (!stopping_ && plan_.rate > 0) {
            double target = plan_.rate * static_cast<double>(now - r_.start_ns) / 1e9;
            generated_ = std::max(generated_, static_cast<std::uint64_t>(std::floor(target)));
        }
        if (plan_.rate > 0)
            r_.max_backlog = std::max(r_.max_backlog, generated_ - r_.events_sent);
        dispatch();
        if (maybe_finish())
            return;
        tick_.expires_after(std::chrono::milliseconds(1));
        tick_.async_wait([this](error_code ec) {
            if (!ec)
                tick();
        });
    }

    bool maybe_finish() {
        bool all_idle = std::none_of(conns_.begin(), conns_.end(), [](auto& c) { return c->busy; });
        bool all_dead = std::all_of(conns_.begin(), conns_.end(), [](auto& c) { return c->dead; });
        if ((stopping_ || all_dead) && all_idle) {
            tick_.cancel();
            deadline_timer_.cancel();
            return true;
        }
        return false;
    }

    void dispatch() {
        if (stopping_)
            return;
        for (auto& c : conns_) {
            if (c->busy || c->dead)
                continue;
            std::uint64_t n = plan_.rate > 0 ? std::min(generated_ - r_.events_sent, max_batch)
                                             : std::uint64_t{plan_.batch};
            if (n == 0)
                return;
            send(*c, n);
        }
    }

    void send(PubConn& c, std::uint64_t n) {
        c.first = r_.events_sent;
        c.count = n;
        c.sent_ns = steady_ns();
        r_.events_sent += n;
        ++r_.requests;
        if (!r_.first_send_ns)
            r_.first_send_ns = c.sent_ns;
        r_.last_send_ns = c.sent_ns;
        const std::string data = make_event_data(c.sent_ns, plan_.size);
        std::string body;
        body.reserve(n * (data.size() + plan_.channel_prefix.size() + 40) + 2);
        body.push_back('[');
        for (std::uint64_t j = 0; j < n; ++j) {
            if (j)
                body.push_back(',');
            body.append(R"({"channel":")").append(plan_.channel_prefix);
            body.append(std::to_string((c.first + j) % plan_.channels));
            body.append(R"(","data":")").append(data).append("\"}");
        }
        body.push_back(']');
        c.req = {http::verb::post, "/publish", 11};
        c.req.set(http::field::host, plan_.host);
        c.req.set(http::field::content_type, "application/json");
        c.req.keep_alive(true);
        c.req.body() = std::move(body);
        c.req.prepare_payload();
        c.busy = true;
        http::async_write(c.socket, c.req, [this, &c](error_code ec, std::size_t) {
            if (ec)
                return on_response(c, ec);
            c.res = {};
            http::async_read(c.socket, c.buffer, c.res,
                             [this, &c](error_code e, std::size_t) { on_response(c, e); });
        });
    }

    void on_response(PubConn& c, error_code ec) {
        c.busy = false;
        std::uint64_t now = steady_ns();
        if (ec) {
            ++r_.errors["publish: " + ec.message()];
            r_.failed_after_ms.push_back(static_cast<double>(now - c.sent_ns) / 1e6);
            ++r_.requests_failed;
            r_.events_unacknowledged += c.count;
            c.dead = true;
        } else if (c.res.result_int() == 202) {
            r_.events_accepted += c.count;
            for (std::uint64_t j = 0; j < c.count; ++j)
                ++r_.accepted_per_channel[(c.first + j) % plan_.channels];
            r_.ack_latency.record(now - c.sent_ns);
            r_.last_ack_ns = now;
        } else {
            ++r_.errors["status " + std::to_string(c.res.result_int()) + ": " +
                        c.res.body().substr(0, 120)];
            ++r_.requests_failed;
            r_.events_rejected += c.count;
        }
        if (!ec && !c.res.keep_alive())
            c.dead = true;
        if (!maybe_finish())
            dispatch();
    }

    const PublishPlan& plan_;
    net::io_context ctx_{1};
    net::steady_timer tick_, deadline_timer_;
    std::vector<std::unique_ptr<PubConn>> conns_;
    PublishResult r_;
    std::uint64_t end_ns_ = 0, generated_ = 0;
    bool stopping_ = false;
};

} // namespace

nlohmann::json PublishResult::to_json() const {
    double seconds =
        last_send_ns > start_ns ? static_cast<double>(last_send_ns - start_ns) / 1e9 : 0;
    return {{"events_sent", events_sent},
            {"events_accepted", events_accepted},
            {"events_rejected", events_rejected},
            {"events_unacknowledged", events_unacknowledged},
            {"requests", requests},
            {"requests_failed", requests_failed},
            {"send_seconds", seconds},
            {"events_per_s", seconds > 0 ? static_cast<double>(events_sent) / seconds : 0},
            {"max_backlog_events", max_backlog},
            {"ack_latency_ms", ack_latency.summary(1e6)},
            {"failed_after_ms", failed_after_ms},
            {"errors", errors}};
}

PublishResult run_publisher(const PublishPlan& plan, SteadyTime deadline) {
    return Publisher(plan, deadline).run();
}

} // namespace bench
