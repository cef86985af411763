#include "herald/broker/redis/canary.hpp"

namespace herald::redis {

void Canary::on_connect() {
    started_ = false;
    outstanding_ = false;
}

std::string Canary::send(Clock::time_point now) {
    started_ = true;
    outstanding_ = true;
    sent_ = now;
    next_ = now + interval_;
    return std::to_string(++nonce_);
}

std::optional<Canary::Clock::duration> Canary::on_echo(std::string_view payload,
                                                       Clock::time_point now) {
    if (!outstanding_ || payload != std::to_string(nonce_)) {
        return std::nullopt;
    }
    outstanding_ = false;
    return now - sent_;
}

Canary::Decision Canary::check(Clock::time_point now) const {
    if (outstanding_) {
        // Late, and nothing else came either: a connection that still
        // delivers is alive (Redis drops no single subscription), merely
        // backlogged, and reconnecting would only lose what is queued.
        if (now - sent_ > timeout_ && now - activity_ > timeout_) {
            return {Decision::Kind::dead, "the subscription canary did not come back within " +
                                              std::to_string(timeout_.count()) + " ms"};
        }
        return {};
    }
    // One canary at a time: the next is due `interval` after the last was
    // sent, and only once the handshake has sent the first.
    if (started_ && now >= next_) {
        return {Decision::Kind::send, {}};
    }
    return {};
}

} // namespace herald::redis
