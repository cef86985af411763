// DrainSchedule: which share of the streams is closed at which tick.
#include "herald/server/drain_schedule.hpp"

#include <gtest/gtest.h>

#include <set>

using herald::DrainSchedule;
using herald::RetryJitter;
using Millis = std::chrono::milliseconds;

TEST(DrainSchedule, SpreadsEvenlyOverTheWindow) {
    DrainSchedule drain(200, Millis{2000});
    ASSERT_EQ(drain.ticks(), 20u);
    EXPECT_EQ(drain.due(0), 0u);
    EXPECT_EQ(drain.due(1), 10u);
    EXPECT_EQ(drain.due(10), 100u);
    EXPECT_EQ(drain.due(20), 200u);
    for (std::size_t n = 1; n <= drain.ticks(); ++n)
        EXPECT_EQ(drain.due(n) - drain.due(n - 1), 10u) << "tick " << n;
}

TEST(DrainSchedule, NeverDecreasesAndEndsWithEverything) {
    for (std::size_t total : {0u, 1u, 3u, 7u, 19u, 1000u, 12345u}) {
        DrainSchedule drain(total, Millis{1000});
        std::size_t before = 0;
        for (std::size_t n = 0; n <= drain.ticks() + 2; ++n) {
            EXPECT_GE(drain.due(n), before) << total << " at " << n;
            before = drain.due(n);
        }
        EXPECT_EQ(drain.due(drain.ticks()), total);
    }
}

TEST(DrainSchedule, FewStreamsAreNotAllClosedEarly) {
    DrainSchedule drain(3, Millis{2000});
    EXPECT_EQ(drain.due(6), 0u);
    EXPECT_EQ(drain.due(7), 1u);
    EXPECT_EQ(drain.due(14), 2u);
    EXPECT_EQ(drain.due(20), 3u);
}

TEST(DrainSchedule, ZeroWindowClosesEverythingAtTheFirstTick) {
    DrainSchedule drain(50, Millis{0});
    EXPECT_EQ(drain.ticks(), 1u);
    EXPECT_EQ(drain.due(1), 50u);
}

TEST(DrainSchedule, APartialTickRoundsUp) {
    DrainSchedule drain(10, Millis{250});
    EXPECT_EQ(drain.ticks(), 3u);
    EXPECT_LT(drain.due(2), 10u);
    EXPECT_EQ(drain.due(3), 10u);
}

TEST(RetryJitter, StaysInRangeAndVaries) {
    RetryJitter jitter(Millis{2000}, 42);
    std::set<long long> seen;
    for (int i = 0; i < 200; ++i) {
        auto r = jitter.next();
        EXPECT_GE(r, Millis{1000});
        EXPECT_LE(r, Millis{2000});
        seen.insert(r.count());
    }
    EXPECT_GT(seen.size(), 50u);
}

TEST(RetryJitter, AShortWindowStillWaitsOneSecond) {
    RetryJitter jitter(Millis{0}, 1);
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(jitter.next(), Millis{1000});
}
