#pragma once
// What a WebSocket session does with each client message under
// client_message_rate / client_message_burst, sans-io (the caller passes the
// time). Over the limit a message is dropped; the client hears about it in an
// error frame, at most one per `error_interval`. A client that goes on
// sending over the limit for `sustained` (drops never pausing for
// `error_interval`) has ignored those frames and is closed (1008).
#include "herald/ws/token_bucket.hpp"

#include <optional>

namespace herald {

class MessageRateLimiter {
public:
    using Clock = TokenBucket::Clock;

    struct Options {
        unsigned rate = 0; // messages per second; 0 = unlimited
        unsigned burst = 1;
        Clock::duration error_interval = std::chrono::seconds(1);
        Clock::duration sustained = std::chrono::seconds(3);
    };

    enum class Verdict {
        accept,        // handle the message
        drop_and_warn, // drop it and send an error frame
        drop,          // drop it silently (an error frame went out recently)
        close,         // drop it and close the connection with 1008
    };

    MessageRateLimiter(const Options& options, Clock::time_point now);
    Verdict on_message(Clock::time_point now);

private:
    Options options_;
    std::optional<TokenBucket> bucket_; // empty when unlimited
    bool over_ = false;                 // in a stretch of dropped messages
    Clock::time_point over_since_{};
    Clock::time_point last_drop_{};
    Clock::time_point last_error_{};
};

} // namespace herald
