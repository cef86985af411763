#include "herald/ws/message_rate_limiter.hpp"

#include <gtest/gtest.h>

using namespace herald;
using namespace std::chrono_literals;
using Verdict = MessageRateLimiter::Verdict;

namespace {
const auto t0 = TokenBucket::Clock::time_point{} + 1h;
}

TEST(TokenBucket, StartsFullAndRefillsAtTheRate) {
    TokenBucket bucket(10, 3, t0);
    EXPECT_TRUE(bucket.try_take(t0));
    EXPECT_TRUE(bucket.try_take(t0));
    EXPECT_TRUE(bucket.try_take(t0));
    EXPECT_FALSE(bucket.try_take(t0)) << "burst is 3";
    EXPECT_FALSE(bucket.try_take(t0 + 99ms)) << "one token takes 100 ms at 10/s";
    EXPECT_TRUE(bucket.try_take(t0 + 100ms));
    EXPECT_FALSE(bucket.try_take(t0 + 100ms));
}

TEST(TokenBucket, NeverHoldsMoreThanTheBurst) {
    TokenBucket bucket(10, 3, t0);
    EXPECT_DOUBLE_EQ(bucket.tokens(t0 + 1h), 3.0);
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(bucket.try_take(t0 + 1h));
    EXPECT_FALSE(bucket.try_take(t0 + 1h));
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
    TokenBucket bucket(10, 1, t0);
    EXPECT_TRUE(bucket.try_take(t0));
    EXPECT_FALSE(bucket.try_take(t0 - 1s));
    EXPECT_FALSE(bucket.try_take(t0 + 50ms));
    EXPECT_TRUE(bucket.try_take(t0 + 100ms));
}

TEST(MessageRateLimiter, ZeroRateMeansUnlimited) {
    MessageRateLimiter limiter({.rate = 0, .burst = 1}, t0);
    for (int i = 0; i < 10'000; ++i)
        ASSERT_EQ(limiter.on_message(t0), Verdict::accept);
}

TEST(MessageRateLimiter, BurstThenOneErrorFrameThenSilentDrops) {
    MessageRateLimiter limiter({.rate = 5, .burst = 4}, t0);
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(limiter.on_message(t0), Verdict::accept) << i;
    EXPECT_EQ(limiter.on_message(t0), Verdict::drop_and_warn);
    EXPECT_EQ(limiter.on_message(t0 + 10ms), Verdict::drop);
    EXPECT_EQ(limiter.on_message(t0 + 20ms), Verdict::drop);
    EXPECT_EQ(limiter.on_message(t0 + 210ms), Verdict::accept) << "a token came back";
}

TEST(MessageRateLimiter, ClientThatSlowsDownIsNeverClosed) {
    // Over the limit briefly, then at the rate: one error frame, no close.
    MessageRateLimiter limiter({.rate = 10, .burst = 2}, t0);
    auto now = t0;
    int warned = 0;
    for (int i = 0; i < 5; ++i) {
        auto v = limiter.on_message(now);
        EXPECT_NE(v, Verdict::close);
        warned += v == Verdict::drop_and_warn;
    }
    EXPECT_EQ(warned, 1);
    for (int i = 0; i < 200; ++i) { // 22 s just under the rate
        now += 110ms;
        ASSERT_EQ(limiter.on_message(now), Verdict::accept) << i;
    }
    // A new spike after a quiet second starts over: a warning, not a close.
    now += 1s;
    EXPECT_EQ(limiter.on_message(now), Verdict::accept);
    EXPECT_EQ(limiter.on_message(now), Verdict::accept);
    EXPECT_EQ(limiter.on_message(now), Verdict::drop_and_warn);
}

TEST(MessageRateLimiter, SustainedFloodWarnsOncePerIntervalThenCloses) {
    // Twice the rate: every other message is dropped, and the drops never
    // pause for a whole error interval.
    MessageRateLimiter limiter({.rate = 10, .burst = 1}, t0);
    auto now = t0;
    int warned = 0;
    std::optional<std::chrono::milliseconds> closed_after;
    for (int i = 0; i < 200 && !closed_after; ++i) {
        switch (limiter.on_message(now)) {
        case Verdict::drop_and_warn:
            ++warned;
            break;
        case Verdict::close:
            closed_after = std::chrono::duration_cast<std::chrono::milliseconds>(now - t0);
            break;
        default:
            break;
        }
        now += 50ms;
    }
    ASSERT_TRUE(closed_after) << "a sustained flood was never closed";
    EXPECT_GE(*closed_after, 3s);
    EXPECT_LE(*closed_after, 3100ms);
    EXPECT_GE(warned, 3) << "one error frame per second while over";
    EXPECT_LE(warned, 4);
}

TEST(MessageRateLimiter, DropsSeparatedByTheErrorIntervalAreNotSustained) {
    // A client that overshoots by one message every 1.5 s: each overshoot is a
    // new stretch with its own warning; it is never closed.
    MessageRateLimiter limiter({.rate = 1, .burst = 1}, t0);
    auto now = t0;
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(limiter.on_message(now), Verdict::accept) << i;
        EXPECT_EQ(limiter.on_message(now), Verdict::drop_and_warn) << i;
        now += 1500ms;
    }
}
