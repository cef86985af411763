#include "herald/broker/redis/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace herald::redis {

Backoff::Backoff(ms initial, ms max)
    : initial_(std::max(initial, ms{1})), max_(std::max(max, initial_)) {}

Backoff::ms Backoff::next(double random01) {
    // Doubling saturates at max_ (checked before multiplying, so it cannot
    // overflow), and attempt_ stops growing there: at most ~63 iterations.
    ms d = initial_;
    for (unsigned i = 0; i < attempt_ && d < max_; ++i) {
        d = d > max_ / 2 ? max_ : d * 2;
    }
    if (d < max_) {
        ++attempt_;
    }
    const double r = std::isnan(random01) ? 0.0 : std::clamp(random01, 0.0, 1.0);
    const auto half = d / 2;
    const auto rest = d - half; // so that random01 == 1 gives exactly d
    return half + ms{std::llround(r * static_cast<double>(rest.count()))};
}

} // namespace herald::redis
