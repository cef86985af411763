#include "publisher.hpp"

#include "publish_wire.hpp"
#include "stream_parser.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cmath>

namespace bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

struct PubConn {
    explicit PubConn(net::io_context& ctx) : socket(ctx) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    std::string out;           // the request bytes
    std::string replies;       // Redis: unparsed reply bytes
    std::uint64_t waiting = 0; // Redis: replies still due
    RespReplies resp;          // Redis: replies of the current write
    http::response<http::string_body> res;
    std::uint64_t first = 0, count = 0, sent_ns = 0;
    bool busy = false, dead = false;
};

class Publisher {
public:
    Publisher(const PublishPlan& plan, SteadyTime deadline)
        : plan_(plan), tick_(ctx_), deadline_timer_(ctx_),
          max_batch_(max_events_per_request(plan.mode, 1000)) {
        r_.accepted_per_channel.assign(plan.channels, 0);
        target_ = {plan.host + ":" + std::to_string(plan.port), plan.channel_prefix, plan.channels,
                   plan.fixed_channel};
        deadline_timer_.expires_at(deadline);
    }

    PublishResult run() {
        server_ = tcp::endpoint(net::ip::make_address_v4(plan_.host), plan_.port);
        for (unsigned i = 0; i < plan_.publishers; ++i) {
            auto c = std::make_unique<PubConn>(ctx_);
            error_code ec;
            c->socket.connect(server_, ec);
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
        if (now >= end_ns_ || (plan_.stop && plan_.stop->load(std::memory_order_relaxed)))
            stopping_ = true;
        if (!stopping_ && plan_.rate > 0) {
            double target = plan_.rate * static_cast<double>(now - r_.start_ns) / 1e9 +
                            (plan_.first_at_start ? 1 : 0);
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
            std::uint64_t n = plan_.rate > 0
                                  ? std::min(generated_ - r_.events_sent, max_batch_)
                                  : std::uint64_t{max_events_per_request(plan_.mode, plan_.batch)};
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
        c.out =
            build_publish(plan_.mode, target_, c.first, n, make_event_data(c.sent_ns, plan_.size));
        c.busy = true;
        net::async_write(c.socket, net::buffer(c.out), [this, &c](error_code ec, std::size_t) {
            if (ec)
                return on_response(c, ec);
            if (is_redis(plan_.mode)) {
                c.waiting = c.count;
                c.resp = {};
                return read_replies(c);
            }
            c.res = {};
            http::async_read(c.socket, c.buffer, c.res,
                             [this, &c](error_code e, std::size_t) { on_response(c, e); });
        });
    }

    // Every PUBLISH is answered; reading each reply keeps Redis's output buffer
    // for this connection from growing.
    void read_replies(PubConn& c) {
        std::size_t used = parse_resp(c.replies, c.waiting, c.resp);
        c.replies.erase(0, used);
        c.waiting = c.count - c.resp.integers - c.resp.errors;
        if (c.waiting == 0)
            return on_response(c, {});
        c.socket.async_read_some(c.buffer.prepare(64 * 1024),
                                 [this, &c](error_code ec, std::size_t n) {
                                     if (ec)
                                         return on_response(c, ec);
                                     c.buffer.commit(n);
                                     auto d = c.buffer.cdata();
                                     c.replies.append(static_cast<const char*>(d.data()), d.size());
                                     c.buffer.consume(n);
                                     read_replies(c);
                                 });
    }

    bool accepted(const PubConn& c) const {
        return is_redis(plan_.mode) ? c.resp.errors == 0
                                    : publish_accepted(plan_.mode, c.res.result_int());
    }

    std::string rejection(const PubConn& c) const {
        if (is_redis(plan_.mode))
            return "redis: " + c.resp.last_error;
        return "status " + std::to_string(c.res.result_int()) + ": " + c.res.body().substr(0, 120);
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
        } else if (accepted(c)) {
            r_.events_accepted += c.count;
            r_.redis_zero_receivers += c.resp.zero_receivers;
            for (std::uint64_t j = 0; j < c.count; ++j)
                ++r_.accepted_per_channel[(c.first + j) % plan_.channels];
            r_.ack_latency.record(now - c.sent_ns);
            r_.last_ack_ns = now;
        } else {
            ++r_.errors[rejection(c)];
            ++r_.requests_failed;
            r_.events_rejected += c.count;
        }
        if (!ec && !is_redis(plan_.mode) && !c.res.keep_alive()) {
            if (!stopping_)
                return reconnect(c);
            c.dead = true;
        }
        if (!maybe_finish())
            dispatch();
    }

    // Some publish APIs answer "Connection: close" (Pushpin's): connect again.
    void reconnect(PubConn& c) {
        ++r_.reconnects;
        error_code ignored;
        c.socket.close(ignored);
        c.buffer.clear();
        c.busy = true;
        c.socket.async_connect(server_, [this, &c](error_code ec) {
            c.busy = false;
            if (ec) {
                ++r_.errors["reconnect: " + ec.message()];
                c.dead = true;
            } else {
                c.socket.set_option(tcp::no_delay(true), ec);
            }
            if (!maybe_finish())
                dispatch();
        });
    }

    const PublishPlan& plan_;
    net::io_context ctx_{1};
    net::steady_timer tick_, deadline_timer_;
    std::vector<std::unique_ptr<PubConn>> conns_;
    tcp::endpoint server_;
    PublishResult r_;
    WireTarget target_;
    std::uint64_t max_batch_;
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
            {"redis_zero_receivers", redis_zero_receivers},
            {"reconnects", reconnects},
            {"ack_latency_ms", ack_latency.summary(1e6)},
            {"failed_after_ms", failed_after_ms},
            {"errors", errors}};
}

PublishResult run_publisher(const PublishPlan& plan, SteadyTime deadline) {
    return Publisher(plan, deadline).run();
}

} // namespace bench
