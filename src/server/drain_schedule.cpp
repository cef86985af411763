#include "herald/server/drain_schedule.hpp"

#include <algorithm>

namespace herald {

DrainSchedule::DrainSchedule(std::size_t total, Millis window, Millis tick)
    : total_(total), tick_(std::max(tick, Millis{1})),
      // Rounded up: a window of 250 ms with 100 ms ticks ends at 300 ms, not
      // 200, so that the last slice is never early.
      ticks_(std::max<std::size_t>(
          1, static_cast<std::size_t>((window.count() + tick_.count() - 1) / tick_.count()))) {}

std::size_t DrainSchedule::due(std::size_t n) const {
    if (n >= ticks_)
        return total_;
    // Rounded down, so that a few streams over many ticks are not all closed
    // early: with 3 streams over 20 ticks the first closes at tick 7.
    return total_ * n / ticks_;
}

RetryJitter::RetryJitter(std::chrono::milliseconds window, unsigned seed)
    : rng_(seed), range_(floor.count(), std::max(floor, window).count()) {}

std::chrono::milliseconds RetryJitter::next() {
    return std::chrono::milliseconds{range_(rng_)};
}

} // namespace herald
