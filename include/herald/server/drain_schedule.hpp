#pragma once
// The arithmetic of a drain (README "Drain and reload"): on SIGTERM each
// worker closes its streams in slices, one every `tick`, spread evenly over
// drain_window, so that the clients' reconnects reach the other nodes spread
// too instead of as one stampede. Sans-io: which share is due at which tick,
// and the jittered SSE retry; the worker owns the timer and the sessions.
#include <chrono>
#include <cstddef>
#include <random>

namespace herald {

class DrainSchedule {
public:
    using Millis = std::chrono::milliseconds;
    static constexpr Millis default_tick{100};

    // `total` streams to close over `window`; window 0 = all at the first tick.
    DrainSchedule(std::size_t total, Millis window, Millis tick = default_tick);

    // How many ticks the drain lasts (at least 1); tick n (1-based) fires
    // n * tick after the start.
    std::size_t ticks() const { return ticks_; }
    Millis tick() const { return tick_; }
    // How many of the `total` streams must be closed once tick `n` has fired
    // (cumulative: the caller closes due(n) - due(n - 1) at tick n). Reaches
    // `total` at the last tick; never decreases.
    std::size_t due(std::size_t n) const;

private:
    std::size_t total_;
    Millis tick_;
    std::size_t ticks_;
};

// The SSE "retry:" a draining stream ends with: uniform in
// [1000 ms, max(1000 ms, window)], so that the browsers' EventSource
// reconnects spread over the window as the closes do.
class RetryJitter {
public:
    explicit RetryJitter(std::chrono::milliseconds window, unsigned seed = std::random_device{}());
    std::chrono::milliseconds next();
    static constexpr std::chrono::milliseconds floor{1000};

private:
    std::mt19937 rng_;
    std::uniform_int_distribution<long long> range_;
};

} // namespace herald
