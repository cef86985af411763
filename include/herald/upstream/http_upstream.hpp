#pragma once
// Without Redis: each client send is POSTed as JSON to upstream_url, on the
// worker's io_context (never blocking it). One connection per attempt (no
// pooling: the endpoint is local and sends are human-paced); each attempt
// has upstream_timeout; RetryPolicy decides on retries. At most
// max_in_flight sends per worker wait for the application: beyond that a
// send is refused at once rather than queued without bound.
#include "herald/config/config.hpp"
#include "herald/upstream/http_target.hpp"
#include "herald/upstream/upstream_message.hpp"
#include "herald/util/net.hpp"

#include <memory>
#include <random>

namespace herald::upstream {

class HttpUpstream {
public:
    static constexpr std::size_t max_in_flight = 256;

    HttpUpstream(net::io_context& context, const Config& config, HttpTarget target);
    // Worker thread; `done` runs on it, exactly once.
    void send(const Message& message, Handler done);
    std::size_t in_flight() const { return *in_flight_; }

private:
    class Post;
    net::io_context& context_;
    const Config& config_;
    std::shared_ptr<const HttpTarget> target_;
    std::shared_ptr<std::size_t> in_flight_ = std::make_shared<std::size_t>(0);
    std::mt19937_64 rng_{std::random_device{}()};
};

} // namespace herald::upstream
