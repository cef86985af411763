#include "herald/auth/jwks_schedule.hpp"

#include <algorithm>

namespace herald::auth {

namespace {
constexpr JwksSchedule::Millis longest_gap{30'000};
}

JwksSchedule::JwksSchedule(Millis interval)
    : interval_(interval), kid_miss_gap_(std::min(interval, longest_gap)) {}

JwksSchedule::Clock::time_point JwksSchedule::finished(Clock::time_point now, bool ok) {
    in_flight_ = false;
    if (ok) {
        retry_ = Millis{1000};
        return now + interval_;
    }
    const auto wait = std::min(retry_, interval_);
    retry_ = std::min(retry_ * 2, longest_gap);
    return now + wait;
}

bool JwksSchedule::kid_miss(Clock::time_point now) {
    if (in_flight_ || (last_kid_miss_fetch_ != Clock::time_point::min() &&
                       now - last_kid_miss_fetch_ < kid_miss_gap_))
        return false;
    last_kid_miss_fetch_ = now;
    return true;
}

} // namespace herald::auth
