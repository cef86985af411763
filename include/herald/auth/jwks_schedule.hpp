#pragma once
// When jwks_url is fetched (sans-io; JwksFetcher does the fetching):
//   - at start-up, then every `interval` after a fetch that worked;
//   - after a failed fetch, again after 1 s, doubling up to 30 s (never
//     later than `interval`): without keys every token is refused, and with
//     the last good keys a rotation may be waiting;
//   - when a token names a kid the keys lack (the issuer may have rotated a
//     key in), at once, but such fetches at most once per 30 s (or per
//     `interval` if shorter) and never beside a fetch in flight, so that
//     tokens with made-up kids cannot make herald hammer the issuer.
#include <chrono>

namespace herald::auth {

class JwksSchedule {
public:
    using Clock = std::chrono::steady_clock;
    using Millis = std::chrono::milliseconds;

    explicit JwksSchedule(Millis interval);

    // A fetch begins.
    void started() { in_flight_ = true; }
    // It ended; the time the next fetch is due.
    Clock::time_point finished(Clock::time_point now, bool ok);
    // A kid miss at `now`: whether to fetch now (then it counts as one).
    bool kid_miss(Clock::time_point now);
    bool in_flight() const { return in_flight_; }

private:
    Millis interval_;
    Millis kid_miss_gap_;
    Millis retry_{1000};
    Clock::time_point last_kid_miss_fetch_ = Clock::time_point::min();
    bool in_flight_ = false;
};

} // namespace herald::auth
