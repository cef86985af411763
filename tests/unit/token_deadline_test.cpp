#include "herald/auth/token_deadline.hpp"

#include <gtest/gtest.h>

using herald::auth::TokenDeadline;
using Due = TokenDeadline::Due;
using namespace std::chrono_literals;

namespace {
const TokenDeadline::Clock::time_point t0{std::chrono::hours(1000)};
constexpr std::int64_t unix0 = 1'800'000'000;
} // namespace

TEST(TokenDeadline, UnarmedIsNeverDue) {
    TokenDeadline d;
    EXPECT_EQ(d.check(t0 + 1000h), Due::nothing);
    EXPECT_EQ(d.next(), TokenDeadline::Clock::time_point::max());
}

TEST(TokenDeadline, LongTokenIsAskedThirtySecondsBeforeExpAndEndsAfterGrace) {
    TokenDeadline d;
    d.arm(unix0 + 600, 30, true, unix0, t0);
    EXPECT_EQ(d.next(), t0 + 570s);
    EXPECT_EQ(d.check(t0 + 569s), Due::nothing);
    EXPECT_EQ(d.check(t0 + 570s), Due::refresh);
    EXPECT_EQ(d.check(t0 + 571s), Due::nothing) << "asked once per token";
    EXPECT_EQ(d.next(), t0 + 630s);
    EXPECT_EQ(d.check(t0 + 629s), Due::nothing);
    EXPECT_EQ(d.check(t0 + 630s), Due::expire);
}

TEST(TokenDeadline, ShortTokenIsAskedHalfWay) {
    TokenDeadline d;
    d.arm(unix0 + 10, 0, true, unix0, t0);
    EXPECT_EQ(d.next(), t0 + 5s);
    EXPECT_EQ(d.check(t0 + 5s), Due::refresh);
    EXPECT_EQ(d.check(t0 + 10s), Due::expire);
}

TEST(TokenDeadline, WithoutRefreshOnlyExpires) {
    TokenDeadline d; // SSE: no way to hand over a new token in the stream
    d.arm(unix0 + 100, 0, false, unix0, t0);
    EXPECT_EQ(d.next(), t0 + 100s);
    EXPECT_EQ(d.check(t0 + 99s), Due::nothing);
    EXPECT_EQ(d.check(t0 + 100s), Due::expire);
}

TEST(TokenDeadline, RearmingWithANewTokenMovesBoth) {
    TokenDeadline d;
    d.arm(unix0 + 60, 5, true, unix0, t0);
    EXPECT_EQ(d.check(t0 + 30s), Due::refresh);
    d.arm(unix0 + 30 + 600, 5, true, unix0 + 30, t0 + 30s);
    EXPECT_EQ(d.check(t0 + 66s), Due::nothing);
    EXPECT_EQ(d.next(), t0 + 30s + 570s);
}

TEST(TokenDeadline, AlreadyPastExpiresWithinGrace) {
    TokenDeadline d; // accepted within the leeway, so exp is already behind
    d.arm(unix0 - 10, 30, true, unix0, t0);
    EXPECT_EQ(d.check(t0), Due::refresh);
    EXPECT_EQ(d.check(t0 + 19s), Due::nothing);
    EXPECT_EQ(d.check(t0 + 20s), Due::expire) << "exp + leeway, not now + leeway";
}

TEST(TokenDeadline, DisarmedStopsReporting) {
    TokenDeadline d;
    d.arm(unix0 + 1, 0, false, unix0, t0);
    d.disarm();
    EXPECT_FALSE(d.armed());
    EXPECT_EQ(d.check(t0 + 10s), Due::nothing);
}
