#pragma once
// Reconnect delays: exponential (x2 per attempt) with "equal jitter", i.e. a
// delay in [d/2, d] where d = min(max, initial * 2^attempt). Half is fixed so
// a node never hammers Redis; the random half spreads a fleet of nodes that
// lost Redis at the same moment. Randomness is passed in (sans-io).
#include <chrono>

namespace herald::redis {

class Backoff {
public:
    using ms = std::chrono::milliseconds;

    // initial <= 0 is treated as 1 ms; max below initial as initial.
    explicit Backoff(ms initial = ms{100}, ms max = ms{5000});

    // The delay before the next attempt; random01 is uniform in [0, 1]
    // (clamped; NaN counts as 0).
    ms next(double random01);

    // After a connection succeeded: the next failure starts from `initial`.
    void reset() { attempt_ = 0; }

    unsigned attempt() const { return attempt_; }

private:
    ms initial_;
    ms max_;
    unsigned attempt_ = 0;
};

} // namespace herald::redis
