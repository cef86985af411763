#pragma once
// A token bucket, sans-io: the caller passes the time. `rate` tokens per second
// flow in up to `burst`; each admitted message takes one.
#include <chrono>

namespace herald {

class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;

    // Starts full, so a client may send `burst` messages at once.
    TokenBucket(double rate, double burst, Clock::time_point now)
        : rate_(rate), burst_(burst), tokens_(burst), updated_(now) {}

    // Takes one token if there is one.
    bool try_take(Clock::time_point now) {
        refill(now);
        if (tokens_ < 1.0)
            return false;
        tokens_ -= 1.0;
        return true;
    }

    double tokens(Clock::time_point now) {
        refill(now);
        return tokens_;
    }

private:
    void refill(Clock::time_point now) {
        if (now <= updated_)
            return;
        const double elapsed = std::chrono::duration<double>(now - updated_).count();
        tokens_ = tokens_ + elapsed * rate_ < burst_ ? tokens_ + elapsed * rate_ : burst_;
        updated_ = now;
    }

    double rate_;
    double burst_;
    double tokens_;
    Clock::time_point updated_;
};

} // namespace herald
