#include "herald/upstream/retry_policy.hpp"

namespace herald::upstream {

Outcome outcome_of_status(unsigned status) {
    if (status >= 200 && status < 300)
        return Outcome::success;
    if (status >= 500 && status < 600)
        return Outcome::server_error;
    return Outcome::client_error;
}

RetryPolicy::RetryPolicy(unsigned retries) : retries_(retries) {}

std::optional<std::chrono::milliseconds> RetryPolicy::after(Outcome outcome, double random01) {
    ++attempts_;
    if (outcome == Outcome::success || outcome == Outcome::client_error)
        return std::nullopt;
    if (attempts_ > retries_)
        return std::nullopt;
    return backoff_.next(random01);
}

} // namespace herald::upstream
