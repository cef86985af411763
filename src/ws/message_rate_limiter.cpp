#include "herald/ws/message_rate_limiter.hpp"

namespace herald {

MessageRateLimiter::MessageRateLimiter(const Options& options, Clock::time_point now)
    : options_(options) {
    if (options_.rate > 0)
        bucket_.emplace(options_.rate, options_.burst, now);
}

MessageRateLimiter::Verdict MessageRateLimiter::on_message(Clock::time_point now) {
    if (!bucket_ || bucket_->try_take(now))
        return Verdict::accept;
    // A pause in the drops as long as the error interval ends a stretch: the
    // client heard the error frame and slowed down.
    if (!over_ || now - last_drop_ >= options_.error_interval) {
        over_ = true;
        over_since_ = now;
        last_drop_ = now;
        last_error_ = now;
        return Verdict::drop_and_warn;
    }
    last_drop_ = now;
    if (now - over_since_ >= options_.sustained)
        return Verdict::close;
    if (now - last_error_ >= options_.error_interval) {
        last_error_ = now;
        return Verdict::drop_and_warn;
    }
    return Verdict::drop;
}

} // namespace herald
