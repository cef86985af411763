#include "herald/auth/token_deadline.hpp"

#include <algorithm>

namespace herald::auth {

void TokenDeadline::arm(std::int64_t exp, std::int64_t grace_seconds, bool ask_refresh,
                        std::int64_t now_unix, Clock::time_point now) {
    using std::chrono::seconds;
    const std::int64_t left = std::max<std::int64_t>(exp - now_unix, 0);
    // exp + grace, not now + grace: a token accepted within the leeway,
    // exp already behind it, gets only what is left of the leeway.
    expire_at_ = now + seconds(std::max<std::int64_t>(exp + grace_seconds - now_unix, 0));
    refresh_at_ = Clock::time_point::max();
    if (ask_refresh) {
        // At least half of what is left stays before the ask: a 10 s token is
        // asked about after 5 s, not at once.
        const std::int64_t wait = std::max(left - refresh_lead_seconds, left / 2);
        refresh_at_ = now + seconds(wait);
    }
    armed_ = true;
}

TokenDeadline::Due TokenDeadline::check(Clock::time_point now) {
    if (!armed_)
        return Due::nothing;
    if (now >= expire_at_)
        return Due::expire;
    if (now >= refresh_at_) {
        refresh_at_ = Clock::time_point::max(); // asked once; a new token re-arms
        return Due::refresh;
    }
    return Due::nothing;
}

TokenDeadline::Clock::time_point TokenDeadline::next() const {
    return armed_ ? std::min(refresh_at_, expire_at_) : Clock::time_point::max();
}

} // namespace herald::auth
