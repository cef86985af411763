#include "herald/upstream/http_upstream.hpp"

#include "herald/upstream/retry_policy.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <spdlog/spdlog.h>

namespace herald::upstream {

namespace beast = boost::beast;
namespace http = beast::http;

// One message's attempts: resolve, connect, write, read; then the policy.
class HttpUpstream::Post : public std::enable_shared_from_this<Post> {
public:
    Post(net::io_context& context, const Config& config, std::shared_ptr<const HttpTarget> target,
         std::string body, Handler done, std::shared_ptr<std::size_t> in_flight, std::uint64_t seed)
        : context_(context), config_(config), target_(std::move(target)), resolver_(context),
          retry_timer_(context), policy_(config.upstream_retries), body_(std::move(body)),
          done_(std::move(done)), in_flight_(std::move(in_flight)), rng_(seed) {
        ++*in_flight_;
    }

    void start() { do_attempt(); }

private:
    void do_attempt() {
        stream_.emplace(context_);
        stream_->expires_after(config_.upstream_timeout);
        resolver_.async_resolve(target_->host, target_->port,
                                [self = shared_from_this()](error_code ec, auto results) {
                                    self->on_resolve(ec, std::move(results));
                                });
    }

    void on_resolve(error_code ec, const tcp::resolver::results_type& results) {
        if (ec)
            return on_attempt(Outcome::connect_error, "cannot resolve: " + ec.message());
        stream_->async_connect(
            results, [self = shared_from_this()](error_code ec, auto&&) { self->on_connect(ec); });
    }

    void on_connect(error_code ec) {
        if (ec)
            return on_attempt(failure(ec), "cannot connect: " + ec.message());
        request_ = {http::verb::post, target_->target, 11};
        request_.set(http::field::host, target_->host_header);
        request_.set(http::field::content_type, "application/json");
        request_.set(http::field::user_agent, "herald");
        request_.body() = body_;
        request_.prepare_payload();
        http::async_write(*stream_, request_,
                          [self = shared_from_this()](error_code ec, auto) { self->on_write(ec); });
    }

    void on_write(error_code ec) {
        if (ec)
            return on_attempt(failure(ec), "write: " + ec.message());
        response_ = {};
        buffer_.clear();
        http::async_read(*stream_, buffer_, response_,
                         [self = shared_from_this()](error_code ec, auto) { self->on_read(ec); });
    }

    void on_read(error_code ec) {
        if (ec)
            return on_attempt(failure(ec), "no answer: " + ec.message());
        const auto status = response_.result_int();
        on_attempt(outcome_of_status(status), "the application answered " + std::to_string(status));
    }

    Outcome failure(error_code ec) const {
        return ec == beast::error::timeout ? Outcome::timeout : Outcome::connect_error;
    }

    void on_attempt(Outcome outcome, std::string what) {
        stream_.reset();
        auto delay = policy_.after(outcome, std::uniform_real_distribution<double>(0, 1)(rng_));
        if (!delay) {
            --*in_flight_;
            if (outcome == Outcome::success)
                return done_({true, {}});
            spdlog::debug("upstream: POST failed after {} attempts: {}", policy_.attempts(), what);
            return done_({false, "upstream_url: " + what + " (after " +
                                     std::to_string(policy_.attempts()) + " attempts)"});
        }
        retry_timer_.expires_after(*delay);
        retry_timer_.async_wait([self = shared_from_this()](error_code) { self->do_attempt(); });
    }

    net::io_context& context_;
    const Config& config_;
    std::shared_ptr<const HttpTarget> target_;
    tcp::resolver resolver_;
    net::steady_timer retry_timer_;
    std::optional<beast::tcp_stream> stream_;
    RetryPolicy policy_;
    std::string body_;
    Handler done_;
    std::shared_ptr<std::size_t> in_flight_;
    std::mt19937_64 rng_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    beast::flat_buffer buffer_;
};

HttpUpstream::HttpUpstream(net::io_context& context, const Config& config, HttpTarget target)
    : context_(context), config_(config),
      target_(std::make_shared<const HttpTarget>(std::move(target))) {}

void HttpUpstream::send(const Message& message, Handler done) {
    if (*in_flight_ >= max_in_flight)
        return done({false, "too many messages waiting for upstream_url; try again"});
    std::make_shared<Post>(context_, config_, target_, http_body(message), std::move(done),
                           in_flight_, rng_())
        ->start();
}

} // namespace herald::upstream
