#include "herald/broker/redis/backoff.hpp"

#include <gtest/gtest.h>

#include <limits>

using herald::redis::Backoff;
using ms = std::chrono::milliseconds;

namespace {

TEST(Backoff, EachAttemptStaysWithinEqualJitterBounds) {
    Backoff b(ms{100}, ms{5000});
    const long long caps[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
    for (long long cap : caps) {
        Backoff lo = b;
        Backoff hi = b;
        Backoff mid = b;
        EXPECT_EQ(lo.next(0.0), ms{cap / 2});
        EXPECT_EQ(hi.next(1.0), ms{cap});
        const auto m = mid.next(0.5);
        EXPECT_GE(m, ms{cap / 2});
        EXPECT_LE(m, ms{cap});
        b.next(0.3);
    }
}

TEST(Backoff, ReachesMaxAndStays) {
    Backoff b(ms{100}, ms{1000});
    ms last{};
    for (int i = 0; i < 1000; ++i) {
        last = b.next(1.0);
        EXPECT_LE(last, ms{1000});
    }
    EXPECT_EQ(last, ms{1000});
    EXPECT_EQ(b.next(0.0), ms{500});
}

TEST(Backoff, ResetStartsOver) {
    Backoff b(ms{100}, ms{5000});
    for (int i = 0; i < 5; ++i) {
        b.next(0.5);
    }
    EXPECT_GT(b.attempt(), 0u);
    b.reset();
    EXPECT_EQ(b.attempt(), 0u);
    EXPECT_EQ(b.next(1.0), ms{100});
    EXPECT_EQ(b.next(1.0), ms{200});
}

TEST(Backoff, RandomIsClamped) {
    Backoff b(ms{100}, ms{100});
    EXPECT_EQ(b.next(-3.0), ms{50});
    EXPECT_EQ(b.next(7.0), ms{100});
    EXPECT_EQ(b.next(std::numeric_limits<double>::quiet_NaN()), ms{50});
    EXPECT_EQ(b.next(std::numeric_limits<double>::infinity()), ms{100});
}

TEST(Backoff, DegenerateSettings) {
    Backoff zero(ms{0}, ms{0});
    EXPECT_EQ(zero.next(1.0), ms{1});
    Backoff inverted(ms{300}, ms{10});
    EXPECT_EQ(inverted.next(1.0), ms{300});
    EXPECT_EQ(inverted.next(1.0), ms{300});
    Backoff odd(ms{3}, ms{3});
    EXPECT_EQ(odd.next(0.0), ms{1});
    EXPECT_EQ(odd.next(1.0), ms{3});
    // Huge max: doubling must not overflow.
    Backoff big(ms{1}, ms{std::numeric_limits<ms::rep>::max()});
    ms prev{0};
    for (int i = 0; i < 200; ++i) {
        const auto d = big.next(1.0);
        EXPECT_GE(d, prev);
        prev = d;
    }
}

} // namespace
