#pragma once
// When a POST to upstream_url is tried again (sans-io, unit-tested). Only
// failures that may be passing are retried: no connection, no answer within
// upstream_timeout, or a 5xx. A 4xx is the application refusing this message:
// retrying would give the same answer. The delay doubles from 100 ms (with
// jitter, redis::Backoff) so that a restarting application is not hammered.
#include "herald/broker/redis/backoff.hpp"

#include <chrono>
#include <optional>

namespace herald::upstream {

enum class Outcome { success, client_error, server_error, connect_error, timeout };

// From an HTTP status: 2xx success, 5xx server_error, anything else client_error.
Outcome outcome_of_status(unsigned status);

class RetryPolicy {
public:
    explicit RetryPolicy(unsigned retries);
    // After an attempt: the delay before the next one, or nullopt when done
    // (success, a 4xx, or retries used up).
    std::optional<std::chrono::milliseconds> after(Outcome outcome, double random01);
    unsigned attempts() const { return attempts_; }

private:
    unsigned retries_;
    unsigned attempts_ = 0;
    redis::Backoff backoff_{std::chrono::milliseconds{100}, std::chrono::milliseconds{1000}};
};

} // namespace herald::upstream
