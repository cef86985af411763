#include "herald/auth/jwks_schedule.hpp"

#include <gtest/gtest.h>

using herald::auth::JwksSchedule;
using namespace std::chrono_literals;

namespace {
const JwksSchedule::Clock::time_point t0{std::chrono::hours(1000)};
}

TEST(JwksSchedule, RefreshesEveryIntervalAfterSuccess) {
    JwksSchedule s(600s);
    s.started();
    EXPECT_TRUE(s.in_flight());
    EXPECT_EQ(s.finished(t0 + 1s, true), t0 + 601s);
    EXPECT_FALSE(s.in_flight());
}

TEST(JwksSchedule, FailuresRetrySoonerWithBackoffCappedAt30s) {
    JwksSchedule s(600s);
    auto now = t0;
    std::vector<std::chrono::seconds> waits;
    for (int i = 0; i < 7; ++i) {
        s.started();
        auto next = s.finished(now, false);
        waits.push_back(std::chrono::duration_cast<std::chrono::seconds>(next - now));
        now = next;
    }
    EXPECT_EQ(waits, (std::vector<std::chrono::seconds>{1s, 2s, 4s, 8s, 16s, 30s, 30s}));
    s.started();
    EXPECT_EQ(s.finished(now, true), now + 600s) << "a success starts the backoff over";
    s.started();
    EXPECT_EQ(s.finished(now, false), now + 1s);
}

TEST(JwksSchedule, RetryNeverLaterThanTheInterval) {
    JwksSchedule s(2s);
    for (int i = 0; i < 5; ++i) {
        s.started();
        EXPECT_LE(s.finished(t0, false), t0 + 2s);
    }
}

TEST(JwksSchedule, KidMissIsRateLimited) {
    JwksSchedule s(600s);
    s.started();
    EXPECT_FALSE(s.kid_miss(t0)) << "a fetch is in flight";
    s.finished(t0 + 1s, true);
    EXPECT_TRUE(s.kid_miss(t0 + 2s)) << "the start-up fetch does not hold a rotation back";
    s.started();
    s.finished(t0 + 3s, true);
    EXPECT_FALSE(s.kid_miss(t0 + 31s));
    EXPECT_TRUE(s.kid_miss(t0 + 32s));
    EXPECT_FALSE(s.kid_miss(t0 + 33s)) << "counted even if its fetch has not started";
}

TEST(JwksSchedule, KidMissGapIsTheIntervalWhenShorter) {
    JwksSchedule s(5s);
    EXPECT_TRUE(s.kid_miss(t0));
    EXPECT_FALSE(s.kid_miss(t0 + 4s));
    EXPECT_TRUE(s.kid_miss(t0 + 5s));
}
